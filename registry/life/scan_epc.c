/*
 * scan_epc.c - EPC binary (96-bit) decoding and EPC pure-identity URNs <-> GS1 keys, per the
 * GS1 EPC Tag Data Standard (partition tables §14.5, URI forms §6, §12).
 */
#include "life/scan.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/text.h"
#include "life/scan_int.h"

/* one partition row: company prefix bits/digits, then the second field's bits/digits */
struct part {
	unsigned char cpb, cpd, rb, rd;
};

static const struct part sgtin_parts[7] = {{40, 12, 4, 1}, {37, 11, 7, 2}, {34, 10, 10, 3},
                                           {30, 9, 14, 4}, {27, 8, 17, 5}, {24, 7, 20, 6},
                                           {20, 6, 24, 7}};
static const struct part sscc_parts[7] = {{40, 12, 18, 5}, {37, 11, 21, 6}, {34, 10, 24, 7},
                                          {30, 9, 28, 8},  {27, 8, 31, 9},  {24, 7, 34, 10},
                                          {20, 6, 38, 11}};
static const struct part sgln_parts[7] = {{40, 12, 1, 0}, {37, 11, 4, 1}, {34, 10, 7, 2},
                                          {30, 9, 11, 3}, {27, 8, 14, 4}, {24, 7, 17, 5},
                                          {20, 6, 21, 6}};
static const struct part grai_parts[7] = {{40, 12, 4, 0}, {37, 11, 7, 1}, {34, 10, 10, 2},
                                          {30, 9, 14, 3}, {27, 8, 17, 4}, {24, 7, 20, 5},
                                          {20, 6, 24, 6}};
static const struct part giai_parts[7] = {{40, 12, 42, 13}, {37, 11, 45, 14}, {34, 10, 48, 15},
                                          {30, 9, 52, 16},  {27, 8, 55, 17},  {24, 7, 58, 18},
                                          {20, 6, 62, 19}};

struct bits {
	uint8_t b[12];
	unsigned off;
};

static uint64_t
take(struct bits *t, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++, t->off++) {
		v = (v << 1) | ((t->b[t->off / 8] >> (7 - t->off % 8)) & 1u);
	}
	return v;
}

static uint64_t
pow10u(unsigned d)
{
	uint64_t v = 1;
	while (d-- > 0) {
		v *= 10;
	}
	return v;
}

/* value as exactly d digits (d 0: "" and v must be 0) */
static int
digits(uint64_t v, unsigned d, char *out, size_t cap, const char *what, char *err)
{
	if (v >= pow10u(d)) {
		return scan_fail(err, "EPC %s %" PRIu64 " does not fit in %u digits", what, v, d);
	}
	int n = d == 0 ? snprintf(out, cap, "%s", "") : snprintf(out, cap, "%0*" PRIu64, (int)d, v);
	return n >= 0 && (size_t)n < cap ? IDR_OK : IDR_ETOOBIG;
}

static int fmt(char *out, size_t cap, const char *f, ...) IDR_PRINTF(3, 4);

static int
fmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	int n = vsnprintf(out, cap, f, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < cap ? IDR_OK : IDR_ETOOBIG;
}

static int
gs1_put(struct scan_gs1 *g, const char *ai, const char *v, char *err)
{
	if (g == NULL) {
		return IDR_OK;
	}
	int rc = scan_ai_check(ai, v, strlen(v), err);
	return rc != IDR_OK ? rc : scan_gs1_add(g, ai, v, strlen(v));
}

/* company prefix + body digits (without check digit) -> key with its check digit */
static int
with_check(const char *body, char *out, size_t cap)
{
	size_t n = strlen(body);
	if (n + 2 > cap) {
		return IDR_ETOOBIG;
	}
	memcpy(out, body, n);
	out[n] = (char)scan_check_digit(body, n);
	out[n + 1] = '\0';
	return IDR_OK;
}

struct dec {
	unsigned filter, part;
	char cp[16], ref[24];
};

static int
dec_head(struct bits *t, const struct part *parts, struct dec *d, char *err)
{
	d->filter = (unsigned)take(t, 3);
	d->part = (unsigned)take(t, 3);
	if (d->part > 6) {
		return scan_fail(err, "EPC partition value 7 is reserved");
	}
	const struct part *p = &parts[d->part];
	int rc = digits(take(t, p->cpb), p->cpd, d->cp, sizeof(d->cp), "company prefix", err);
	return rc != IDR_OK
	               ? rc
	               : digits(take(t, p->rb), p->rd, d->ref, sizeof(d->ref), "reference", err);
}

static int
dec_sgtin(struct bits *t, char *urn, char *tag, struct scan_gs1 *g, char *err)
{
	struct dec d;
	char gtin[16], body[16];
	int rc = dec_head(t, sgtin_parts, &d, err);
	if (rc != IDR_OK) {
		return rc;
	}
	uint64_t ser = take(t, 38);
	rc = fmt(urn, SCAN_URI_MAX, "urn:epc:id:sgtin:%s.%s.%" PRIu64, d.cp, d.ref, ser);
	if (tag != NULL) {
		rc = rc ? rc
		        : fmt(tag, SCAN_URI_MAX, "urn:epc:tag:sgtin-96:%u.%s.%s.%" PRIu64, d.filter,
		              d.cp, d.ref, ser);
	}
	rc = rc ? rc : fmt(body, sizeof(body), "%c%s%s", d.ref[0], d.cp, d.ref + 1);
	rc = rc ? rc : with_check(body, gtin, sizeof(gtin));
	char s[24];
	rc = rc ? rc : fmt(s, sizeof(s), "%" PRIu64, ser);
	rc = rc ? rc : gs1_put(g, "01", gtin, err);
	return rc ? rc : gs1_put(g, "21", s, err);
}

static int
dec_sscc(struct bits *t, char *urn, char *tag, struct scan_gs1 *g, char *err)
{
	struct dec d;
	char sscc[20], body[20];
	int rc = dec_head(t, sscc_parts, &d, err);
	if (rc != IDR_OK) {
		return rc;
	}
	if (take(t, 24) != 0) {
		return scan_fail(err, "SSCC-96 reserved bits are not zero");
	}
	rc = fmt(urn, SCAN_URI_MAX, "urn:epc:id:sscc:%s.%s", d.cp, d.ref);
	if (tag != NULL) {
		rc = rc ? rc
		        : fmt(tag, SCAN_URI_MAX, "urn:epc:tag:sscc-96:%u.%s.%s", d.filter, d.cp,
		              d.ref);
	}
	rc = rc ? rc : fmt(body, sizeof(body), "%c%s%s", d.ref[0], d.cp, d.ref + 1);
	rc = rc ? rc : with_check(body, sscc, sizeof(sscc));
	return rc ? rc : gs1_put(g, "00", sscc, err);
}

static int
dec_sgln(struct bits *t, char *urn, char *tag, struct scan_gs1 *g, char *err)
{
	struct dec d;
	char gln[16], body[16], ext[24];
	int rc = dec_head(t, sgln_parts, &d, err);
	if (rc != IDR_OK) {
		return rc;
	}
	uint64_t e = take(t, 41);
	rc = fmt(ext, sizeof(ext), "%" PRIu64, e);
	rc = rc ? rc : fmt(urn, SCAN_URI_MAX, "urn:epc:id:sgln:%s.%s.%s", d.cp, d.ref, ext);
	if (tag != NULL) {
		rc = rc ? rc
		        : fmt(tag, SCAN_URI_MAX, "urn:epc:tag:sgln-96:%u.%s.%s.%s", d.filter, d.cp,
		              d.ref, ext);
	}
	rc = rc ? rc : fmt(body, sizeof(body), "%s%s", d.cp, d.ref);
	rc = rc ? rc : with_check(body, gln, sizeof(gln));
	rc = rc ? rc : gs1_put(g, "414", gln, err);
	return rc || e == 0 ? rc : gs1_put(g, "254", ext, err);
}

static int
dec_grai(struct bits *t, char *urn, char *tag, struct scan_gs1 *g, char *err)
{
	struct dec d;
	char v[40], body[16], key[16];
	int rc = dec_head(t, grai_parts, &d, err);
	if (rc != IDR_OK) {
		return rc;
	}
	uint64_t ser = take(t, 38);
	rc = fmt(urn, SCAN_URI_MAX, "urn:epc:id:grai:%s.%s.%" PRIu64, d.cp, d.ref, ser);
	if (tag != NULL) {
		rc = rc ? rc
		        : fmt(tag, SCAN_URI_MAX, "urn:epc:tag:grai-96:%u.%s.%s.%" PRIu64, d.filter,
		              d.cp, d.ref, ser);
	}
	rc = rc ? rc : fmt(body, sizeof(body), "%s%s", d.cp, d.ref);
	rc = rc ? rc : with_check(body, key, sizeof(key));
	rc = rc ? rc : fmt(v, sizeof(v), "0%s%" PRIu64, key, ser);
	return rc ? rc : gs1_put(g, "8003", v, err);
}

static int
dec_giai(struct bits *t, char *urn, char *tag, struct scan_gs1 *g, char *err)
{
	unsigned filter = (unsigned)take(t, 3), part = (unsigned)take(t, 3);
	char cp[16], v[40];
	if (part > 6) {
		return scan_fail(err, "EPC partition value 7 is reserved");
	}
	const struct part *p = &giai_parts[part];
	int rc = digits(take(t, p->cpb), p->cpd, cp, sizeof(cp), "company prefix", err);
	if (rc != IDR_OK) {
		return rc;
	}
	uint64_t ref = take(t, p->rb);
	if (ref >= pow10u(p->rd)) {
		return scan_fail(err, "EPC asset reference %" PRIu64 " does not fit in %u digits",
		                 ref, p->rd);
	}
	rc = fmt(urn, SCAN_URI_MAX, "urn:epc:id:giai:%s.%" PRIu64, cp, ref);
	if (tag != NULL) {
		rc = rc ? rc
		        : fmt(tag, SCAN_URI_MAX, "urn:epc:tag:giai-96:%u.%s.%" PRIu64, filter, cp,
		              ref);
	}
	rc = rc ? rc : fmt(v, sizeof(v), "%s%" PRIu64, cp, ref);
	return rc ? rc : gs1_put(g, "8004", v, err);
}

int
scan_epc_hex_decode(const char *hex, size_t len, enum scan_epc *scheme, char *urn, char *tag_urn,
                    struct scan_gs1 *g, char *err)
{
	struct bits t = {{0}, 0};
	err[0] = '\0';
	urn[0] = '\0';
	if (tag_urn != NULL) {
		tag_urn[0] = '\0';
	}
	if (g != NULL) {
		memset(g, 0, sizeof(*g));
		g->key = -1;
	}
	*scheme = SCAN_EPC_NONE;
	if (len != 24) {
		return scan_fail(err, "EPC hex is %zu digits, expected 24 (96 bits)", len);
	}
	for (size_t i = 0; i < 24; i++) {
		int v = text_hex_digit((unsigned char)hex[i]);
		if (v < 0) {
			char cb[8];
			return scan_fail(err, "EPC hex: %s at position %zu is not a hex digit",
			                 scan_char_name((unsigned char)hex[i], cb, sizeof(cb)),
			                 i + 1);
		}
		t.b[i / 2] = (uint8_t)(t.b[i / 2] | (i % 2 == 0 ? v << 4 : v));
	}
	unsigned header = (unsigned)take(&t, 8);
	int rc;
	switch (header) {
	case 0x30:
		*scheme = SCAN_EPC_SGTIN;
		rc = dec_sgtin(&t, urn, tag_urn, g, err);
		break;
	case 0x31:
		*scheme = SCAN_EPC_SSCC;
		rc = dec_sscc(&t, urn, tag_urn, g, err);
		break;
	case 0x32:
		*scheme = SCAN_EPC_SGLN;
		rc = dec_sgln(&t, urn, tag_urn, g, err);
		break;
	case 0x33:
		*scheme = SCAN_EPC_GRAI;
		rc = dec_grai(&t, urn, tag_urn, g, err);
		break;
	case 0x34:
		*scheme = SCAN_EPC_GIAI;
		rc = dec_giai(&t, urn, tag_urn, g, err);
		break;
	default:
		return scan_fail(
		        err,
		        "EPC header 0x%02X is not SGTIN-96, SSCC-96, SGLN-96, GRAI-96 or GIAI-96",
		        header);
	}
	if (rc == IDR_OK && g != NULL) {
		g->key = 0;
	}
	if (rc != IDR_OK) {
		*scheme = SCAN_EPC_NONE;
		urn[0] = '\0';
		if (tag_urn != NULL) {
			tag_urn[0] = '\0';
		}
		if (err[0] == '\0') {
			scan_fail(err, "EPC does not fit the output");
		}
	}
	return rc;
}

/* ---- URN -> GS1 ---- */

struct field {
	const char *p;
	size_t n;
};

static bool
digits_only(struct field f)
{
	for (size_t i = 0; i < f.n; i++) {
		if (f.p[i] < '0' || f.p[i] > '9') {
			return false;
		}
	}
	return f.n > 0;
}

/* split s into want dot-separated fields; the last (a serial, GS3A3) may itself contain dots */
static bool
split(const char *s, size_t len, struct field *f, size_t want)
{
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= len && k + 1 < want; i++) {
		if (i == len || s[i] == '.') {
			if (i == len) {
				return false;
			}
			f[k].p = s + start;
			f[k++].n = i - start;
			start = i + 1;
		}
	}
	f[k].p = s + start;
	f[k++].n = len - start;
	return k == want;
}

static int
unescape(struct field f, char *out, size_t cap, const char *what, char *err)
{
	size_t n;
	int rc = scan_pct_decode(f.p, f.n, out, cap, &n);
	if (rc != IDR_OK) {
		return scan_fail(err, "EPC URN: %s is badly escaped or too long", what);
	}
	return IDR_OK;
}

static int
cp_ref(struct field cp, struct field ref, size_t total, const char *scheme, char *err)
{
	if (!digits_only(cp) || cp.n < 6 || cp.n > 12) {
		return scan_fail(err, "urn:epc:id:%s: company prefix must be 6 to 12 digits",
		                 scheme);
	}
	if ((ref.n > 0 && !digits_only(ref)) || cp.n + ref.n != total) {
		return scan_fail(
		        err,
		        "urn:epc:id:%s: company prefix and reference must be %zu digits together",
		        scheme, total);
	}
	return IDR_OK;
}

static int
keyed(const char *lead, struct field cp, struct field rest, char *out, size_t cap)
{
	char body[24];
	int rc = fmt(body, sizeof(body), "%s%.*s%.*s", lead, (int)cp.n, cp.p, (int)rest.n, rest.p);
	return rc ? rc : with_check(body, out, cap);
}

static int
urn_sgtin(const char *s, size_t len, bool lot, struct scan_gs1 *g, char *err)
{
	struct field f[3];
	char gtin[16], lead[2], v[SCAN_VALUE_MAX + 1];
	const char *name = lot ? "lgtin" : "sgtin";
	if (!split(s, len, f, 3)) {
		return scan_fail(err, "urn:epc:%s needs company prefix, item reference and %s",
		                 name, lot ? "lot" : "serial");
	}
	int rc = cp_ref(f[0], f[1], 13, name, err);
	if (rc != IDR_OK) {
		return rc;
	}
	lead[0] = f[1].p[0];
	lead[1] = '\0';
	struct field rest = {f[1].p + 1, f[1].n - 1};
	rc = keyed(lead, f[0], rest, gtin, sizeof(gtin));
	rc = rc ? rc : gs1_put(g, "01", gtin, err);
	rc = rc ? rc : unescape(f[2], v, sizeof(v), lot ? "lot" : "serial", err);
	return rc ? rc : gs1_put(g, lot ? "10" : "21", v, err);
}

static int
urn_sscc(const char *s, size_t len, struct scan_gs1 *g, char *err)
{
	struct field f[2];
	char sscc[20], lead[2];
	if (!split(s, len, f, 2)) {
		return scan_fail(err, "urn:epc:id:sscc needs company prefix and serial reference");
	}
	int rc = cp_ref(f[0], f[1], 17, "sscc", err);
	if (rc != IDR_OK) {
		return rc;
	}
	lead[0] = f[1].p[0];
	lead[1] = '\0';
	struct field rest = {f[1].p + 1, f[1].n - 1};
	rc = keyed(lead, f[0], rest, sscc, sizeof(sscc));
	return rc ? rc : gs1_put(g, "00", sscc, err);
}

static int
urn_sgln(const char *s, size_t len, struct scan_gs1 *g, char *err)
{
	struct field f[3];
	char gln[16], v[SCAN_VALUE_MAX + 1];
	if (!split(s, len, f, 3)) {
		return scan_fail(
		        err,
		        "urn:epc:id:sgln needs company prefix, location reference and extension");
	}
	int rc = cp_ref(f[0], f[1], 12, "sgln", err);
	rc = rc ? rc : keyed("", f[0], f[1], gln, sizeof(gln));
	rc = rc ? rc : gs1_put(g, "414", gln, err);
	rc = rc ? rc : unescape(f[2], v, sizeof(v), "extension", err);
	if (rc == IDR_OK && strcmp(v, "0") != 0) {
		rc = gs1_put(g, "254", v, err);
	}
	return rc;
}

static int
urn_grai(const char *s, size_t len, struct scan_gs1 *g, char *err)
{
	struct field f[3];
	char key[16], ser[SCAN_VALUE_MAX + 1], v[SCAN_VALUE_MAX + 1];
	if (!split(s, len, f, 3)) {
		return scan_fail(err,
		                 "urn:epc:id:grai needs company prefix, asset type and serial");
	}
	int rc = cp_ref(f[0], f[1], 12, "grai", err);
	rc = rc ? rc : keyed("", f[0], f[1], key, sizeof(key));
	rc = rc ? rc : unescape(f[2], ser, sizeof(ser), "serial", err);
	rc = rc ? rc : fmt(v, sizeof(v), "0%s%s", key, ser);
	if (rc == IDR_ETOOBIG) {
		return scan_fail(err, "urn:epc:id:grai: serial too long");
	}
	return rc ? rc : gs1_put(g, "8003", v, err);
}

static int
urn_giai(const char *s, size_t len, struct scan_gs1 *g, char *err)
{
	struct field f[2];
	char ref[SCAN_VALUE_MAX + 1], v[SCAN_VALUE_MAX + 1];
	if (!split(s, len, f, 2)) {
		return scan_fail(err, "urn:epc:id:giai needs company prefix and asset reference");
	}
	if (!digits_only(f[0]) || f[0].n < 6 || f[0].n > 12) {
		return scan_fail(err, "urn:epc:id:giai: company prefix must be 6 to 12 digits");
	}
	int rc = unescape(f[1], ref, sizeof(ref), "asset reference", err);
	rc = rc ? rc : fmt(v, sizeof(v), "%.*s%s", (int)f[0].n, f[0].p, ref);
	if (rc == IDR_ETOOBIG) {
		return scan_fail(err, "urn:epc:id:giai: asset reference too long");
	}
	return rc ? rc : gs1_put(g, "8004", v, err);
}

int
scan_epc_to_gs1(const char *urn, size_t len, enum scan_epc *scheme, struct scan_gs1 *g, char *err)
{
	static const struct {
		const char *pfx;
		enum scan_epc e;
	} schemes[] = {
	        {"urn:epc:id:sgtin:", SCAN_EPC_SGTIN}, {"urn:epc:id:sscc:", SCAN_EPC_SSCC},
	        {"urn:epc:id:sgln:", SCAN_EPC_SGLN},   {"urn:epc:id:grai:", SCAN_EPC_GRAI},
	        {"urn:epc:id:giai:", SCAN_EPC_GIAI},   {"urn:epc:class:lgtin:", SCAN_EPC_LGTIN},
	};
	memset(g, 0, sizeof(*g));
	g->key = -1;
	err[0] = '\0';
	*scheme = SCAN_EPC_NONE;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t pl = strlen(schemes[i].pfx);
		if (len < pl || strncasecmp(urn, schemes[i].pfx, pl) != 0) {
			continue;
		}
		const char *s = urn + pl;
		size_t n = len - pl;
		int rc;
		switch (schemes[i].e) {
		case SCAN_EPC_SGTIN:
			rc = urn_sgtin(s, n, false, g, err);
			break;
		case SCAN_EPC_LGTIN:
			rc = urn_sgtin(s, n, true, g, err);
			break;
		case SCAN_EPC_SSCC:
			rc = urn_sscc(s, n, g, err);
			break;
		case SCAN_EPC_SGLN:
			rc = urn_sgln(s, n, g, err);
			break;
		case SCAN_EPC_GRAI:
			rc = urn_grai(s, n, g, err);
			break;
		default:
			rc = urn_giai(s, n, g, err);
			break;
		}
		if (rc == IDR_OK) {
			*scheme = schemes[i].e;
			g->key = 0;
		} else if (err[0] == '\0') {
			scan_fail(err, "EPC URN does not fit");
		}
		return rc == IDR_OK ? IDR_OK : IDR_EPROTO;
	}
	return scan_fail(err,
	                 "not an EPC URN this node knows (sgtin, sscc, sgln, grai, giai, lgtin)");
}

/* ---- GS1 -> URN ---- */

static int
put_escaped(char *out, size_t cap, size_t *n, const char *s)
{
	for (; *s != '\0'; s++) {
		bool esc = strchr("\"%&/<>?", *s) != NULL;
		int w = esc ? snprintf(out + *n, cap - *n, "%%%02X", (unsigned char)*s)
		            : snprintf(out + *n, cap - *n, "%c", *s);
		if (w < 0 || (size_t)w >= cap - *n) {
			return IDR_ETOOBIG;
		}
		*n += (size_t)w;
	}
	return IDR_OK;
}

int
scan_epc_from_gs1(const struct scan_gs1 *g, unsigned gcp_len, char *out, size_t cap, char *err)
{
	const struct scan_ai *k = g->key >= 0 && (size_t)g->key < g->n ? &g->el[g->key] : NULL;
	const struct scan_ai *ser = scan_gs1_find(g, "21"), *lot = scan_gs1_find(g, "10");
	unsigned c = gcp_len;
	int rc;
	size_t n = 0;
	err[0] = '\0';
	if (cap > 0) {
		out[0] = '\0';
	}
	if (k == NULL) {
		scan_fail(err, "no GS1 primary key");
		return IDR_ENOENT;
	}
	if (c < 6 || c > 12) {
		return scan_fail(err, "company prefix length %u is not 6 to 12", c);
	}
	const char *v = k->value;
	if (strcmp(k->ai, "01") == 0 && (ser != NULL || lot != NULL)) {
		rc = fmt(out, cap, "urn:epc:%s:%.*s.%c%.*s.", ser ? "id:sgtin" : "class:lgtin",
		         (int)c, v + 1, v[0], (int)(12 - c), v + 1 + c);
		n = strlen(out);
		return rc ? rc : put_escaped(out, cap, &n, ser ? ser->value : lot->value);
	}
	if (strcmp(k->ai, "00") == 0) {
		return fmt(out, cap, "urn:epc:id:sscc:%.*s.%c%.*s", (int)c, v + 1, v[0],
		           (int)(16 - c), v + 1 + c);
	}
	if (strcmp(k->ai, "414") == 0) {
		const struct scan_ai *ext = scan_gs1_find(g, "254");
		rc = fmt(out, cap, "urn:epc:id:sgln:%.*s.%.*s.", (int)c, v, (int)(12 - c), v + c);
		n = strlen(out);
		return rc ? rc : put_escaped(out, cap, &n, ext ? ext->value : "0");
	}
	if (strcmp(k->ai, "8003") == 0) {
		if (strlen(v) <= 14) {
			return scan_fail(err, "(8003) without a serial has no EPC");
		}
		rc = fmt(out, cap, "urn:epc:id:grai:%.*s.%.*s.", (int)c, v + 1, (int)(12 - c),
		         v + 1 + c);
		n = strlen(out);
		return rc ? rc : put_escaped(out, cap, &n, v + 14);
	}
	if (strcmp(k->ai, "8004") == 0) {
		struct field cp = {v, c};
		if (strlen(v) <= c || !digits_only(cp)) {
			return scan_fail(err,
			                 "(8004) does not start with a %u-digit company prefix", c);
		}
		rc = fmt(out, cap, "urn:epc:id:giai:%.*s.", (int)c, v);
		n = strlen(out);
		return rc ? rc : put_escaped(out, cap, &n, v + c);
	}
	scan_fail(err, "(%s)%s has no EPC", k->ai,
	          strcmp(k->ai, "01") == 0 ? " without (21) or (10)" : "");
	return IDR_ENOENT;
}
