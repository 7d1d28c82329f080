/*
 * scan.c - recognise one scan (scan.h): strip the terminator and any symbology identifier,
 * then try the forms in an order that cannot confuse them: URL (Digital Link, else handle
 * URL), EPC URN, HRI, dotted handle, EPC hex, element string, bare GTIN, other handles.
 */
#include "life/scan.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "life/scan_int.h"
#include "model/ident.h"

/* symbology identifiers whose data is a GS1 element string */
static const char *const gs1_syms[] = {"]d2", "]Q3", "]C1", "]e0", "]d5", "]Q4", "]J1", NULL};

static bool
is_gs1_sym(const char *s)
{
	for (size_t i = 0; gs1_syms[i] != NULL; i++) {
		if (memcmp(s, gs1_syms[i], 3) == 0) {
			return true;
		}
	}
	return false;
}

static bool
all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			return false;
		}
	}
	return n > 0;
}

/* `digits(.alnum-_)+/`: how an IDIS or Handle prefix starts a handle (88.118.8/, 20.500.1/) */
static bool
dotted_handle(const char *p, size_t n)
{
	size_t i = 0, dots = 0;
	while (i < n && p[i] >= '0' && p[i] <= '9') {
		i++;
	}
	if (i == 0) {
		return false;
	}
	for (; i < n && p[i] != '/'; i++) {
		char c = p[i];
		if (c == '.') {
			dots++;
		} else if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		             (c >= 'a' && c <= 'z') || c == '-' || c == '_')) {
			return false;
		}
	}
	return dots > 0 && i < n;
}

static int
set_handle(const char *p, size_t n, enum scan_form form, struct scan_result *res)
{
	struct ident id;
	struct ident_opts io = {IDENT_HARD_MAX, false};
	int rc = ident_parse(&id, p, n, &io);
	if (rc != IDR_OK) {
		return scan_fail(res->err, "handle: %s", idr_strerror(rc));
	}
	if (n > SCAN_HANDLE_MAX) {
		return scan_fail(res->err, "handle longer than %d bytes", SCAN_HANDLE_MAX);
	}
	memcpy(res->handle, p, n);
	res->handle[n] = '\0';
	res->kind = SCAN_HANDLE;
	res->form = form;
	return IDR_OK;
}

static int
finish_gs1(enum scan_form form, const struct scan_opts *o, struct scan_result *res)
{
	res->kind = res->kind == SCAN_NONE ? SCAN_GS1 : res->kind;
	res->form = form;
	if (res->gs1.key < 0) {
		return IDR_OK;
	}
	int rc = scan_dl_format(&res->gs1, o->dl_domain, res->dl, sizeof(res->dl));
	if (rc == IDR_ETOOBIG) {
		scan_fail(res->err, "Digital Link longer than %d bytes", SCAN_URI_MAX - 1);
		return rc;
	}
	if (res->kind == SCAN_GS1 && o->gcp_len != 0) {
		char e[SCAN_ERR_MAX];
		/* no EPC for this key (a GTIN alone) is not an error of the scan */
		if (scan_epc_from_gs1(&res->gs1, o->gcp_len, res->epc_urn, sizeof(res->epc_urn),
		                      e) != IDR_OK) {
			res->epc_urn[0] = '\0';
		}
	}
	return IDR_OK;
}

static int
parse_element(const char *p, size_t n, const struct scan_opts *o, struct scan_result *res)
{
	int rc = scan_gs1_parse(p, n, o, &res->gs1, res->err);
	if (rc != IDR_OK) {
		return rc;
	}
	return finish_gs1(n > 0 && p[0] == '(' ? SCAN_FORM_HRI : SCAN_FORM_ELEMENT, o, res);
}

static int
parse_gtin(const char *p, size_t n, const struct scan_opts *o, struct scan_result *res)
{
	char v[15];
	if (!all_digits(p, n) || (n != 8 && n != 12 && n != 13 && n != 14)) {
		return scan_fail(res->err, "EAN/UPC must be 8, 12, 13 or 14 digits");
	}
	memset(v, '0', 14 - n);
	memcpy(v + 14 - n, p, n);
	int rc = scan_ai_check("01", v, 14, res->err);
	if (rc != IDR_OK) {
		return rc;
	}
	memset(&res->gs1, 0, sizeof(res->gs1));
	rc = scan_gs1_add(&res->gs1, "01", v, 14);
	res->gs1.key = 0;
	return rc != IDR_OK ? rc : finish_gs1(SCAN_FORM_GTIN, o, res);
}

static int
parse_epc_hex(const char *p, size_t n, const struct scan_opts *o, struct scan_result *res)
{
	int rc = scan_epc_hex_decode(p, n, &res->epc, res->epc_urn, res->epc_tag_urn, &res->gs1,
	                             res->err);
	if (rc != IDR_OK) {
		return rc;
	}
	res->kind = SCAN_EPC;
	return finish_gs1(SCAN_FORM_EPC_HEX, o, res);
}

static int
parse_epc_urn(const char *p, size_t n, const struct scan_opts *o, struct scan_result *res)
{
	int rc = scan_epc_to_gs1(p, n, &res->epc, &res->gs1, res->err);
	if (rc != IDR_OK) {
		return rc;
	}
	if (n >= sizeof(res->epc_urn)) {
		scan_fail(res->err, "EPC URN longer than %d bytes", SCAN_URI_MAX - 1);
		return IDR_ETOOBIG;
	}
	memcpy(res->epc_urn, p, n);
	res->epc_urn[n] = '\0';
	res->kind = SCAN_EPC;
	return finish_gs1(SCAN_FORM_EPC_URN, o, res);
}

static int parse_plain(const char *p, size_t n, const struct scan_opts *o, struct scan_result *res);

/* the ?code= (also id=, handle=) parameter in p[q+1..end): *v, *vl; false if none */
static bool
find_code_param(const char *p, size_t q, size_t end, const char **v, size_t *vl)
{
	static const char *const names[] = {"code=", "id=", "handle=", NULL};
	for (size_t i = q + 1; i < end;) {
		size_t j = i;
		while (j < end && p[j] != '&') {
			j++;
		}
		for (size_t k = 0; names[k] != NULL; k++) {
			size_t kl = strlen(names[k]);
			if (j - i >= kl && strncasecmp(p + i, names[k], kl) == 0) {
				*v = p + i + kl;
				*vl = j - i - kl;
				return true;
			}
		}
		i = j + 1;
	}
	return false;
}

/* a handle URL: ?code= (also id=, handle=) wins; else the path from its first dotted prefix */
static int
parse_handle_url(const char *p, size_t n, const struct scan_opts *o, struct scan_result *res)
{
	char dec[SCAN_HANDLE_MAX + 1];
	size_t dl;
	size_t s = (size_t)((const char *)memchr(p, ':', n) - p) + 3; /* after "://" */
	size_t path = s, q = n, end = n;
	while (path < n && p[path] != '/' && p[path] != '?' && p[path] != '#') {
		path++;
	}
	for (size_t i = path; i < n; i++) {
		if (p[i] == '#') {
			end = i;
			break;
		}
		if (p[i] == '?' && q == n) {
			q = i;
		}
	}
	if (q > end) {
		q = end;
	}
	const char *v;
	size_t vl;
	if (find_code_param(p, q, end, &v, &vl)) {
		if (scan_pct_decode(v, vl, dec, sizeof(dec), &dl) != IDR_OK) {
			return scan_fail(res->err,
			                 "URL: ?code= is badly percent-encoded or too long");
		}
		/* the parameter holds a plain code: never another URL (no recursion) */
		int rc = parse_plain(dec, dl, o, res);
		if (rc == IDR_OK && res->form == SCAN_FORM_HANDLE) {
			res->form = SCAN_FORM_HANDLE_URL;
		}
		return rc;
	}
	if (path >= q || scan_pct_decode(p + path, q - path, dec, sizeof(dec), &dl) != IDR_OK) {
		return scan_fail(res->err, "URL holds neither a GS1 key, a handle nor ?code=");
	}
	for (size_t i = 0; i < dl; i++) {
		if ((i == 0 || dec[i - 1] == '/') && dotted_handle(dec + i, dl - i)) {
			return set_handle(dec + i, dl - i, SCAN_FORM_HANDLE_URL, res);
		}
	}
	return scan_fail(res->err, "URL holds neither a GS1 key, a handle nor ?code=");
}

static int
parse_url(const char *p, size_t n, const struct scan_opts *o, struct scan_result *res)
{
	int rc = scan_dl_parse(p, n, &res->gs1, res->err);
	if (rc == IDR_OK) {
		return finish_gs1(SCAN_FORM_DL, o, res);
	}
	if (rc != IDR_ENOENT) {
		return rc;
	}
	res->err[0] = '\0';
	memset(&res->gs1, 0, sizeof(res->gs1));
	res->gs1.key = -1;
	return parse_handle_url(p, n, o, res);
}

static bool
is_epc_hex(const char *p, size_t n)
{
	bool letter = false;
	if (n != 24) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if ((c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')) {
			letter = true;
		} else if (c < '0' || c > '9') {
			return false;
		}
	}
	return letter;
}

static int
parse_digits_first(const char *p, size_t n, const struct scan_opts *o, struct scan_result *res)
{
	int rc = parse_element(p, n, o, res);
	if (rc == IDR_OK || rc == IDR_ELIMIT) {
		return rc;
	}
	char first[SCAN_ERR_MAX];
	memcpy(first, res->err, sizeof(first));
	struct scan_result alt;
	memset(&alt, 0, sizeof(alt));
	int arc = IDR_EPROTO;
	if (n == 24 && all_digits(p, n) && p[0] == '3' && p[1] >= '0' && p[1] <= '4') {
		arc = parse_epc_hex(p, n, o, &alt);
	} else if (all_digits(p, n) && (n == 8 || n == 12 || n == 13 || n == 14)) {
		arc = parse_gtin(p, n, o, &alt);
	} else if (memchr(p, '/', n) != NULL) {
		arc = set_handle(p, n, SCAN_FORM_HANDLE, &alt);
	}
	if (arc == IDR_OK) {
		memcpy(res, &alt, sizeof(*res));
		return IDR_OK;
	}
	memset(res, 0, sizeof(*res));
	res->gs1.key = -1;
	memcpy(res->err, first, sizeof(first));
	return rc;
}

/* everything but a URL */
static int
parse_plain(const char *p, size_t n, const struct scan_opts *o, struct scan_result *res)
{
	if (n == 0) {
		return scan_fail(res->err, "empty scan");
	}
	if (n > 8 && strncasecmp(p, "urn:epc:", 8) == 0) {
		return parse_epc_urn(p, n, o, res);
	}
	if (n > 4 && strncasecmp(p, "hdl:", 4) == 0) {
		return set_handle(p + 4, n - 4, SCAN_FORM_HANDLE, res);
	}
	if (p[0] == '(') {
		return parse_element(p, n, o, res);
	}
	if (dotted_handle(p, n)) {
		return set_handle(p, n, SCAN_FORM_HANDLE, res);
	}
	if (is_epc_hex(p, n)) {
		return parse_epc_hex(p, n, o, res);
	}
	if ((p[0] >= '0' && p[0] <= '9') || (unsigned char)p[0] == SCAN_GS) {
		return parse_digits_first(p, n, o, res);
	}
	if (memchr(p, '/', n) != NULL) {
		return set_handle(p, n, SCAN_FORM_HANDLE, res);
	}
	return scan_fail(res->err, "not a handle, GS1 code or EPC");
}

static int
parse_text(const char *p, size_t n, const struct scan_opts *o, struct scan_result *res)
{
	if ((n > 7 && strncasecmp(p, "http://", 7) == 0) ||
	    (n > 8 && strncasecmp(p, "https://", 8) == 0)) {
		return parse_url(p, n, o, res);
	}
	return parse_plain(p, n, o, res);
}

static void
result_reset(struct scan_result *res)
{
	memset(res, 0, sizeof(*res));
	res->gs1.key = -1;
}

int
scan_parse(const void *in, size_t len, const struct scan_opts *o, struct scan_result *res)
{
	static const struct scan_opts defaults = {0, false, 0, NULL};
	const char *p = in;
	result_reset(res);
	if (o == NULL) {
		o = &defaults;
	}
	if (len > SCAN_INPUT_MAX) {
		scan_fail(res->err, "scan longer than %d bytes", SCAN_INPUT_MAX);
		return IDR_ELIMIT;
	}
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3;
		len -= 3;
	}
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == '\t')) {
		len--;
	}
	int rc;
	if (len >= 3 && p[0] == ']') {
		memcpy(res->symbology, p, 3);
		res->symbology[3] = '\0';
		if (is_gs1_sym(p)) {
			rc = parse_element(p + 3, len - 3, o, res);
		} else if (memcmp(p, "]E0", 3) == 0 || memcmp(p, "]E4", 3) == 0) {
			rc = parse_gtin(p + 3, len - 3, o, res);
		} else {
			rc = parse_text(p + 3, len - 3, o, res);
		}
		memcpy(res->symbology, p, 3); /* inner parsers may reset res */
	} else if (len > 0 && p[0] == ']') {
		rc = scan_fail(res->err, "truncated symbology identifier");
	} else {
		rc = parse_text(p, len, o, res);
	}
	if (rc != IDR_OK) {
		char err[SCAN_ERR_MAX], sym[4];
		memcpy(err, res->err, sizeof(err));
		memcpy(sym, res->symbology, sizeof(sym));
		result_reset(res);
		memcpy(res->err, err, sizeof(err));
		memcpy(res->symbology, sym, sizeof(sym));
		if (res->err[0] == '\0') {
			scan_fail(res->err, "%s", idr_strerror(rc));
		}
	}
	return rc;
}

const char *
scan_kind_name(enum scan_kind k)
{
	switch (k) {
	case SCAN_HANDLE:
		return "handle";
	case SCAN_GS1:
		return "gs1";
	case SCAN_EPC:
		return "epc";
	default:
		return "none";
	}
}

const char *
scan_form_name(enum scan_form f)
{
	static const char *const names[] = {"none", "handle", "handle_url", "dl",     "element",
	                                    "hri",  "gtin",   "epc_hex",    "epc_urn"};
	return (size_t)f < sizeof(names) / sizeof(names[0]) ? names[f] : "none";
}

const char *
scan_epc_name(enum scan_epc e)
{
	static const char *const names[] = {"none", "sgtin", "sscc", "sgln",
	                                    "grai", "giai",  "lgtin"};
	return (size_t)e < sizeof(names) / sizeof(names[0]) ? names[e] : "none";
}
