/*
 * alias.c - canonical alias keys (alias.h): GS1 key + qualifiers, EPC pure-identity URNs,
 * scheme:value for OID, Ecode and MA codes.
 */
#include "life/alias.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"

/* the qualifiers kept after each primary key, in element string order */
static const struct {
	const char *key;
	const char *quals[3];
} kept[] = {
        {"01", {"22", "21", "10"}},
        {"8006", {"22", "21", "10"}},
        {"414", {"254", NULL, NULL}},
        {"8010", {"8011", NULL, NULL}},
};

static int fail(char *err, int rc, const char *fmt, ...) IDR_PRINTF(3, 4);

static int
fail(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, ALIAS_ERR_MAX, fmt, ap);
	va_end(ap);
	return rc;
}

/* Add (ai) of g to out if present. @return IDR_OK or scan_gs1_add's error. */
static int
keep(struct scan_gs1 *out, const struct scan_gs1 *g, const char *ai, bool *had)
{
	const struct scan_ai *a = scan_gs1_find(g, ai);

	*had = a != NULL;
	return a == NULL ? IDR_OK : scan_gs1_add(out, a->ai, a->value, strlen(a->value));
}

int
alias_key_gs1(const struct scan_gs1 *g, char *out)
{
	struct scan_gs1 k;
	const char *key;
	bool had = false;
	int rc;

	if (g->key < 0 || (size_t)g->key >= g->n) {
		return IDR_ENOENT;
	}
	key = g->el[g->key].ai;
	memset(&k, 0, sizeof(k));
	k.key = 0;
	rc = keep(&k, g, key, &had);
	for (size_t i = 0; rc == IDR_OK && i < sizeof(kept) / sizeof(kept[0]); i++) {
		if (strcmp(kept[i].key, key) != 0) {
			continue;
		}
		for (size_t j = 0; rc == IDR_OK && j < 3 && kept[i].quals[j] != NULL; j++) {
			/* (10) only when there is no (21): the serial alone identifies the item */
			if (strcmp(kept[i].quals[j], "10") == 0 &&
			    scan_gs1_find(&k, "21") != NULL) {
				continue;
			}
			rc = keep(&k, g, kept[i].quals[j], &had);
		}
	}
	/* a parenthesis in a value would make the (AI)value key read back as other elements */
	for (size_t i = 0; rc == IDR_OK && i < k.n; i++) {
		if (strpbrk(k.el[i].value, "()") != NULL) {
			out[0] = '\0';
			return IDR_EPROTO;
		}
	}
	if (rc == IDR_OK) {
		rc = scan_gs1_format(&k, SCAN_STYLE_HRI, out, ALIAS_KEY_MAX + 1);
	}
	if (rc != IDR_OK) {
		out[0] = '\0';
		return IDR_ELIMIT;
	}
	return (int)strlen(out);
}

static bool
prefix_is(const char *p, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && strncasecmp(p, lit, l) == 0;
}

/* arcs of digits separated by dots, at least two, the first 0..2, no leading zeros */
static bool
oid_valid(const char *p, size_t n)
{
	size_t arcs = 0, i = 0;

	if (n == 0 || p[0] < '0' || p[0] > '2' || (n > 1 && p[1] != '.')) {
		return false;
	}
	while (i < n) {
		size_t start = i;

		while (i < n && p[i] >= '0' && p[i] <= '9') {
			i++;
		}
		if (i == start || (p[start] == '0' && i - start > 1)) {
			return false;
		}
		arcs++;
		if (i < n && (p[i] != '.' || i + 1 == n)) {
			return false;
		}
		i += i < n;
	}
	return arcs >= 2;
}

static bool
all_chars(const char *p, size_t n, bool alnum_only)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		bool alnum =
		        (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

		if (!alnum && (alnum_only || c <= ' ' || c >= 0x7f)) {
			return false;
		}
	}
	return n > 0;
}

/*
 * scheme:value codes. @return the key's length, 0 when in is none of them, or IDR_EPROTO /
 * IDR_ELIMIT (err set).
 */
static int
text_key(const char *p, size_t n, char *out, char *err)
{
	const char *scheme, *v;
	size_t vn, skip;

	if (prefix_is(p, n, "urn:oid:") || prefix_is(p, n, "oid:")) {
		scheme = "oid";
		skip = prefix_is(p, n, "oid:") ? 4 : 8;
	} else if (prefix_is(p, n, "ecode:")) {
		scheme = "ecode";
		skip = 6;
	} else if (prefix_is(p, n, "ma:")) {
		scheme = "ma";
		skip = 3;
	} else if (prefix_is(p, n, "MA.")) {
		scheme = "ma";
		skip = 0;
	} else {
		return 0;
	}
	v = p + skip;
	vn = n - skip;
	if (strcmp(scheme, "oid") == 0 && !oid_valid(v, vn)) {
		return fail(
		        err, IDR_EPROTO, "%s",
		        "an OID is numbers joined by dots, the first 0, 1 or 2 (oid:1.2.156.x)");
	}
	if (strcmp(scheme, "ecode") == 0 && !all_chars(v, vn, true)) {
		return fail(err, IDR_EPROTO, "%s",
		            "an Ecode is letters and digits (ecode:1000...)");
	}
	if (strcmp(scheme, "ma") == 0 && (!prefix_is(v, vn, "MA.") || !all_chars(v, vn, false))) {
		return fail(err, IDR_EPROTO, "%s",
		            "an MA code starts with MA. and has no spaces (ma:MA.156.M0...)");
	}
	if (strlen(scheme) + 1 + vn > ALIAS_KEY_MAX) {
		return fail(err, IDR_ELIMIT, "alias longer than %d bytes", ALIAS_KEY_MAX);
	}
	memcpy(out, scheme, strlen(scheme));
	out[strlen(scheme)] = ':';
	memcpy(out + strlen(scheme) + 1, v, vn);
	n = strlen(scheme) + 1 + vn;
	out[n] = '\0';
	if (strcmp(scheme, "ma") == 0) {
		for (size_t i = 3; i < n; i++) {
			if (out[i] >= 'a' && out[i] <= 'z') {
				out[i] = (char)(out[i] - 'a' + 'A');
			}
		}
	}
	return (int)n;
}

/* without trailing CR, LF, TAB and spaces (a wedge scanner's terminator, a padded cell) */
static size_t
trimmed(const char *in, size_t len)
{
	while (len > 0 && (in[len - 1] == '\r' || in[len - 1] == '\n' || in[len - 1] == '\t' ||
	                   in[len - 1] == ' ')) {
		len--;
	}
	return len;
}

static int
scan_key(const struct scan_result *r, char *out, char *err)
{
	size_t n;
	int rc;

	switch (r->kind) {
	case SCAN_HANDLE:
		return fail(err, IDR_EPROTO,
		            "%.100s is a handle: it is scanned directly, not an alias", r->handle);
	case SCAN_EPC:
		n = strlen(r->epc_urn);
		if (n == 0 || n > ALIAS_KEY_MAX) {
			return fail(err, IDR_ELIMIT, "EPC URN longer than %d bytes", ALIAS_KEY_MAX);
		}
		memcpy(out, r->epc_urn, n + 1);
		return (int)n;
	case SCAN_GS1:
		rc = alias_key_gs1(&r->gs1, out);
		if (rc == IDR_ENOENT) {
			return fail(
			        err, IDR_EPROTO, "%s",
			        "GS1 data without a primary key ((01), (00), (414), (8003), ...)");
		}
		if (rc == IDR_EPROTO) {
			return fail(err, IDR_EPROTO,
			            "a GS1 key with ( or ) in a value cannot be an alias (its "
			            "(AI)value "
			            "form would read back as other elements)");
		}
		if (rc < 0) {
			return fail(err, IDR_ELIMIT, "GS1 key longer than %d bytes", ALIAS_KEY_MAX);
		}
		return rc;
	default:
		return fail(err, IDR_EPROTO, "%s", "nothing recognised");
	}
}

int
alias_key(const char *in, size_t len, char *out, char *err)
{
	static _Thread_local struct scan_result r;
	int rc;

	out[0] = '\0';
	err[0] = '\0';
	if (len > ALIAS_IN_MAX) {
		return fail(err, IDR_ELIMIT, "alias longer than %d bytes", ALIAS_IN_MAX);
	}
	len = trimmed(in, len);
	if (len == 0) {
		return fail(err, IDR_EPROTO, "%s", "empty alias");
	}
	rc = text_key(in, len, out, err);
	if (rc != 0) {
		return rc;
	}
	rc = scan_parse(in, len, NULL, &r);
	if (rc != IDR_OK) {
		char msg[SCAN_ERR_MAX];

		memcpy(msg, r.err, sizeof(msg));
		snprintf(err, ALIAS_ERR_MAX, "not a GS1 key, EPC, OID, Ecode or MA code: %.110s",
		         msg);
		return rc == IDR_ELIMIT ? IDR_ELIMIT : IDR_EPROTO;
	}
	return scan_key(&r, out, err);
}

size_t
alias_keys_of_scan(const struct scan_result *r, char keys[ALIAS_KEYS][ALIAS_KEY_MAX + 1])
{
	size_t n = 0, ul = strlen(r->epc_urn);

	if (r->kind == SCAN_EPC && ul > 0 && ul <= ALIAS_KEY_MAX) {
		memcpy(keys[n++], r->epc_urn, ul + 1);
	}
	if ((r->kind == SCAN_EPC || r->kind == SCAN_GS1) && alias_key_gs1(&r->gs1, keys[n]) > 0) {
		n++;
	}
	if (r->kind == SCAN_GS1 && ul > 0 && ul <= ALIAS_KEY_MAX) {
		memcpy(keys[n++], r->epc_urn, ul + 1);
	}
	return n;
}

size_t
alias_keys_of_text(const char *in, size_t len, char keys[ALIAS_KEYS][ALIAS_KEY_MAX + 1])
{
	char err[ALIAS_ERR_MAX];

	if (len > ALIAS_IN_MAX) {
		return 0;
	}
	return text_key(in, trimmed(in, len), keys[0], err) > 0 ? 1 : 0;
}

/* Does uri have a form scan_parse reads as an EPC or a Digital Link? */
static bool
gs1_form(const char *uri, size_t n)
{
	return prefix_is(uri, n, "urn:epc:") || prefix_is(uri, n, "https://") ||
	       prefix_is(uri, n, "http://");
}

size_t
alias_event_key(const char *uri, size_t n, char *out)
{
	static _Thread_local struct scan_result r;
	static _Thread_local char keys[ALIAS_KEYS][ALIAS_KEY_MAX + 1];

	out[0] = '\0';
	if (alias_keys_of_text(uri, n, keys) == 1) {
		memcpy(out, keys[0], strlen(keys[0]) + 1);
		return strlen(out);
	}
	if (n > SCAN_INPUT_MAX || !gs1_form(uri, n) || scan_parse(uri, n, NULL, &r) != IDR_OK ||
	    (r.kind != SCAN_EPC && r.kind != SCAN_GS1)) {
		return 0; /* not GS1, or malformed */
	}
	if (alias_key_gs1(&r.gs1, out) > 0) {
		return strlen(out);
	}
	n = strlen(r.epc_urn);
	if (r.kind != SCAN_EPC || n == 0 || n > ALIAS_KEY_MAX) {
		out[0] = '\0';
		return 0;
	}
	memcpy(out, r.epc_urn, n + 1);
	return n;
}
