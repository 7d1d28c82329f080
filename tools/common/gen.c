/* gen.c - identifier patterns, GTIN/SSCC construction, GS1 element strings and Digital Links. */
#include "common/gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "model/gs1check.h"

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) IDR_PRINTF(4, 5);

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static bool
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------- patterns */

struct ph {
	const char *name;
	enum gen_part_kind kind;
	unsigned needs; /* GEN_ALLOW_* bit, 0 = always allowed */
};

static const struct ph placeholders[] = {
        {"yyyy", GEN_YYYY, 0},
        {"yy", GEN_YY, 0},
        {"mm", GEN_MM, 0},
        {"dd", GEN_DD, 0},
        {"check", GEN_CHECK, 0},
        {"mod10", GEN_MOD10, 0},
        {"gtin", GEN_GTIN, GEN_ALLOW_GTIN},
        {"sscc", GEN_SSCC, GEN_ALLOW_SSCC},
        {"serial", GEN_SERIAL, GEN_ALLOW_SERIAL},
};

static int
add_part(struct gen_pattern *p, struct gen_part part, char *err, size_t errlen)
{
	if (p->nparts == GEN_MAX_PARTS) {
		return fail(err, errlen, IDR_ELIMIT, "more than %d parts in the pattern",
		            GEN_MAX_PARTS);
	}
	p->parts[p->nparts++] = part;
	return IDR_OK;
}

/* {seq:W}: name is the text between the braces */
static int
parse_seq(struct gen_pattern *p, const char *name, size_t len, struct gen_part *part, char *err,
          size_t errlen)
{
	unsigned w = 0;
	size_t i;

	if (len < 5 || len > 6 || !all_digits(name + 4, len - 4)) {
		return fail(err, errlen, IDR_EPROTO,
		            "{%.*s}: the counter is {seq:W}, W = 1..%d digits", (int)len, name,
		            GEN_MAX_WIDTH);
	}
	for (i = 4; i < len; i++) {
		w = w * 10 + (unsigned)(name[i] - '0');
	}
	if (w < 1 || w > GEN_MAX_WIDTH) {
		return fail(err, errlen, IDR_EPROTO, "{%.*s}: the width must be 1..%d", (int)len,
		            name, GEN_MAX_WIDTH);
	}
	part->kind = GEN_SEQ;
	part->width = w;
	if (p->seq_width == 0 || w < p->seq_width) {
		p->seq_width = w;
	}
	return IDR_OK;
}

static int
parse_placeholder(struct gen_pattern *p, const char *name, size_t len, unsigned allow, char *err,
                  size_t errlen)
{
	struct gen_part part = {GEN_LIT, 0, 0, 0};
	size_t i;
	int rc;

	if (len >= 4 && memcmp(name, "seq:", 4) == 0) {
		rc = parse_seq(p, name, len, &part, err, errlen);
		return rc != IDR_OK ? rc : add_part(p, part, err, errlen);
	}
	for (i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++) {
		const struct ph *h = &placeholders[i];

		if (strlen(h->name) != len || memcmp(h->name, name, len) != 0) {
			continue;
		}
		if (h->needs != 0 && (allow & h->needs) == 0) {
			return fail(err, errlen, IDR_EPROTO, "{%s} cannot be used here", h->name);
		}
		p->uses |= h->needs;
		part.kind = h->kind;
		return add_part(p, part, err, errlen);
	}
	return fail(err, errlen, IDR_EPROTO,
	            "unknown placeholder {%.*s} (known: {seq:W} {yyyy} {yy} {mm} {dd} {check} "
	            "{mod10}%s%s%s)",
	            (int)(len > 40 ? 40 : len), name, (allow & GEN_ALLOW_GTIN) ? " {gtin}" : "",
	            (allow & GEN_ALLOW_SSCC) ? " {sscc}" : "",
	            (allow & GEN_ALLOW_SERIAL) ? " {serial}" : "");
}

int
gen_pattern_parse(struct gen_pattern *p, const char *s, unsigned allow, char *err, size_t errlen)
{
	size_t len = strnlen(s, GEN_MAX_PATTERN + 1), i = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	if (len == 0) {
		return fail(err, errlen, IDR_EPROTO, "the pattern is empty");
	}
	if (len > GEN_MAX_PATTERN) {
		return fail(err, errlen, IDR_ELIMIT, "the pattern is longer than %d bytes",
		            GEN_MAX_PATTERN);
	}
	memcpy(p->text, s, len);
	while (i < len) {
		const char *open = memchr(p->text + i, '{', len - i);
		size_t lit_end = open != NULL ? (size_t)(open - p->text) : len;
		const char *close;

		if (memchr(p->text + i, '}', lit_end - i) != NULL) {
			return fail(err, errlen, IDR_EPROTO, "'}' without '{' at byte %zu",
			            (size_t)((const char *)memchr(p->text + i, '}', lit_end - i) -
			                     p->text) +
			                    1);
		}
		if (lit_end > i) {
			struct gen_part lit = {GEN_LIT, i, lit_end - i, 0};

			if ((rc = add_part(p, lit, err, errlen)) != IDR_OK) {
				return rc;
			}
		}
		if (open == NULL) {
			break;
		}
		close = memchr(open, '}', len - lit_end);
		if (close == NULL) {
			return fail(err, errlen, IDR_EPROTO, "'{' at byte %zu is not closed",
			            lit_end + 1);
		}
		rc = parse_placeholder(p, open + 1, (size_t)(close - open - 1), allow, err, errlen);
		if (rc != IDR_OK) {
			return rc;
		}
		i = (size_t)(close - p->text) + 1;
	}
	return IDR_OK;
}

uint64_t
gen_pattern_max_seq(const struct gen_pattern *p)
{
	uint64_t m = 1;
	unsigned i;

	if (p->seq_width == 0) {
		return UINT64_MAX;
	}
	for (i = 0; i < p->seq_width; i++) {
		m *= 10;
	}
	return m - 1;
}

struct outbuf {
	char *p;
	size_t len, cap;
};

static int
put(struct outbuf *o, const char *s, size_t n)
{
	if (n >= o->cap - o->len) {
		return IDR_ETOOBIG;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
	return IDR_OK;
}

static int
put_num(struct outbuf *o, uint64_t v, unsigned width)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%0*llu", (int)width, (unsigned long long)v);

	if (n < 0 || (size_t)n >= sizeof(b)) {
		return IDR_ETOOBIG;
	}
	return put(o, b, (size_t)n);
}

/* {check} / {mod10} over what was written so far */
static int
put_check(struct outbuf *o, enum gen_part_kind kind, char *err, size_t errlen)
{
	char body[GEN_MAX_OUT], c;
	size_t i, n = 0;

	for (i = 0; i < o->len; i++) {
		char x = o->p[i];
		bool digit = x >= '0' && x <= '9';
		bool letter = (x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z');

		if (kind == GEN_MOD10 && letter) {
			return fail(err, errlen, IDR_EPROTO,
			            "{mod10} needs digits only before it ('%c'); use {check} for "
			            "letters",
			            x);
		}
		if (digit || letter) {
			body[n++] = x;
		}
	}
	if (n == 0) {
		return fail(err, errlen, IDR_EPROTO, "{%s} has nothing before it to check",
		            kind == GEN_MOD10 ? "mod10" : "check");
	}
	if (kind == GEN_MOD10 ? gs1check_mod10(body, n, &c) != IDR_OK
	                      : gs1check_mod37_36(body, n, &c) != IDR_OK) {
		return fail(err, errlen, IDR_EPROTO,
		            "{%s}: more characters before it than it checks",
		            kind == GEN_MOD10 ? "mod10" : "check");
	}
	return put(o, &c, 1);
}

static int
put_var(struct outbuf *o, const char *s, const char *name, char *err, size_t errlen)
{
	if (s == NULL) {
		return fail(err, errlen, IDR_EPROTO, "{%s} has no value here", name);
	}
	return put(o, s, strlen(s));
}

static int
expand_part(struct outbuf *o, const struct gen_pattern *p, const struct gen_part *part,
            const struct gen_vars *v, char *err, size_t errlen)
{
	switch (part->kind) {
	case GEN_LIT:
		return put(o, p->text + part->off, part->len);
	case GEN_SEQ:
		if (part->width < 20) {
			uint64_t lim = 1;
			unsigned i;

			for (i = 0; i < part->width; i++) {
				lim *= 10;
			}
			if (v->seq >= lim) {
				return fail(err, errlen, IDR_ELIMIT,
				            "counter %llu does not fit {seq:%u}",
				            (unsigned long long)v->seq, part->width);
			}
		}
		return put_num(o, v->seq, part->width);
	case GEN_YYYY:
		return put_num(o, v->date.year, 4);
	case GEN_YY:
		return put_num(o, v->date.year % 100, 2);
	case GEN_MM:
		return put_num(o, v->date.month, 2);
	case GEN_DD:
		return put_num(o, v->date.day, 2);
	case GEN_CHECK:
	case GEN_MOD10:
		return put_check(o, part->kind, err, errlen);
	case GEN_GTIN:
		return put_var(o, v->gtin, "gtin", err, errlen);
	case GEN_SSCC:
		return put_var(o, v->sscc, "sscc", err, errlen);
	case GEN_SERIAL:
		return put_var(o, v->serial, "serial", err, errlen);
	}
	return IDR_EPROTO;
}

int
gen_pattern_expand(const struct gen_pattern *p, const struct gen_vars *v, char *out, size_t cap,
                   char *err, size_t errlen)
{
	struct outbuf o = {out, 0, cap < GEN_MAX_OUT ? cap : GEN_MAX_OUT};
	size_t i;
	int rc;

	if (cap == 0) {
		return IDR_ETOOBIG;
	}
	out[0] = '\0';
	for (i = 0; i < p->nparts; i++) {
		rc = expand_part(&o, p, &p->parts[i], v, err, errlen);
		if (rc == IDR_ETOOBIG) {
			return fail(err, errlen, rc,
			            "the expanded pattern is longer than %zu bytes", o.cap - 1);
		}
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return IDR_OK;
}

int
gen_date_parse(const char *s, struct gen_date *out)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, m, d;
	bool leap;

	if (strnlen(s, 11) != 10 || s[4] != '-' || s[7] != '-' || !all_digits(s, 4) ||
	    !all_digits(s + 5, 2) || !all_digits(s + 8, 2)) {
		return IDR_EPROTO;
	}
	y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'));
	m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y == 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !leap)) {
		return IDR_EPROTO;
	}
	out->year = y;
	out->month = m;
	out->day = d;
	return IDR_OK;
}

/* ---------------------------------------------------------------- GS1 keys */

static int
gtin_whole(const char *spec, size_t len, unsigned indicator, char *out, char *err, size_t errlen)
{
	if (len != 8 && len != 12 && len != 13 && len != 14) {
		return fail(err, errlen, IDR_EPROTO,
		            "GTIN '%s': 8, 12, 13 or 14 digits, or COMPANYPREFIX.ITEMREF", spec);
	}
	if (indicator != 0) {
		return fail(err, errlen, IDR_EPROTO,
		            "--indicator goes with COMPANYPREFIX.ITEMREF, not a whole GTIN");
	}
	if (!gs1check_mod10_ok(spec, len)) {
		char c = '?';

		(void)gs1check_mod10(spec, len - 1, &c);
		return fail(err, errlen, IDR_EPROTO, "GTIN %s: wrong check digit %c (expected %c)",
		            spec, spec[len - 1], c);
	}
	memset(out, '0', 14 - len);
	memcpy(out + 14 - len, spec, len);
	out[14] = '\0';
	return IDR_OK;
}

int
gen_gtin(const char *spec, unsigned indicator, char *out, char *err, size_t errlen)
{
	size_t len = strnlen(spec, 32);
	const char *dot = memchr(spec, '.', len);
	size_t cpl;

	if (indicator > 9) {
		return fail(err, errlen, IDR_EPROTO, "the indicator digit is 0..9");
	}
	if (dot == NULL) {
		if (!all_digits(spec, len)) {
			return fail(err, errlen, IDR_EPROTO, "GTIN '%.32s': digits only", spec);
		}
		return gtin_whole(spec, len, indicator, out, err, errlen);
	}
	cpl = (size_t)(dot - spec);
	if (!all_digits(spec, cpl) || !all_digits(dot + 1, len - cpl - 1) || cpl < 6 || cpl > 12 ||
	    len - 1 != 12) {
		return fail(
		        err, errlen, IDR_EPROTO,
		        "GTIN '%.32s': COMPANYPREFIX.ITEMREF is a company prefix of 6..12 digits "
		        "and an item reference, 12 digits together",
		        spec);
	}
	out[0] = (char)('0' + indicator);
	memcpy(out + 1, spec, cpl);
	memcpy(out + 1 + cpl, dot + 1, 12 - cpl);
	return gs1check_mod10(out, 13, &out[13]) == IDR_OK ? (out[14] = '\0', IDR_OK) : IDR_EPROTO;
}

uint64_t
gen_sscc_max_ref(size_t cplen)
{
	uint64_t m = 1;
	size_t i;

	if (cplen < 6 || cplen > 12) {
		return 0;
	}
	for (i = 0; i < 16 - cplen; i++) {
		m *= 10;
	}
	return m - 1;
}

int
gen_sscc(unsigned ext, const char *cp, uint64_t ref, char *out)
{
	size_t cpl = strnlen(cp, 13);
	int n;

	if (ext > 9 || cpl < 6 || cpl > 12 || !all_digits(cp, cpl)) {
		return IDR_EPROTO;
	}
	if (ref > gen_sscc_max_ref(cpl)) {
		return IDR_ELIMIT;
	}
	n = snprintf(out, 19, "%u%s%0*llu", ext, cp, (int)(16 - cpl), (unsigned long long)ref);
	if (n != 17) {
		return IDR_EPROTO;
	}
	return gs1check_mod10(out, 17, &out[17]) == IDR_OK ? (out[18] = '\0', IDR_OK) : IDR_EPROTO;
}

/* ---------------------------------------------------------------- element strings */

static bool
cset82(char c)
{
	/* GS1 General Specifications Figure 7.11-1: ! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _
	 * a-z */
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c != '\0' && strchr("!\"%&'()*+,-./:;<=>?_", c) != NULL);
}

int
gen_cset82_check(const char *s, char *err, size_t errlen)
{
	size_t len = strnlen(s, GEN_MAX_SERIAL + 1), i;

	if (len == 0 || len > GEN_MAX_SERIAL) {
		return fail(err, errlen, IDR_EPROTO,
		            "'%.*s': a GS1 serial or lot is 1..%d characters", GEN_MAX_SERIAL + 1,
		            s, GEN_MAX_SERIAL);
	}
	for (i = 0; i < len; i++) {
		if (!cset82(s[i]) || s[i] == '(' || s[i] == ')') {
			return fail(err, errlen, IDR_EPROTO,
			            "'%s': character %zu is not allowed in a GS1 serial or lot "
			            "(CSET 82 "
			            "without parentheses)",
			            s, i + 1);
		}
	}
	return IDR_OK;
}

int
gen_gs1_hri(const struct gen_ai *ais, size_t n, char *out, size_t cap)
{
	struct outbuf o = {out, 0, cap};
	size_t i;

	if (cap == 0) {
		return IDR_ETOOBIG;
	}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (put(&o, "(", 1) != IDR_OK || put(&o, ais[i].ai, strlen(ais[i].ai)) != IDR_OK ||
		    put(&o, ")", 1) != IDR_OK ||
		    put(&o, ais[i].val, strlen(ais[i].val)) != IDR_OK) {
			return IDR_ETOOBIG;
		}
	}
	return IDR_OK;
}

static int
put_pct(struct outbuf *o, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char b[3] = {'%', hex[c >> 4], hex[c & 15]};
		bool plain = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		             (c >= 'a' && c <= 'z') || c == '-' || c == '.' || c == '_' ||
		             c == '~' || (keep_slash && c == '/');

		if (put(o, plain ? (const char *)s : b, plain ? 1 : 3) != IDR_OK) {
			return IDR_ETOOBIG;
		}
	}
	return IDR_OK;
}

static int
put_base(struct outbuf *o, const char *base)
{
	size_t blen = strlen(base);

	if (blen > 0 && base[blen - 1] == '/') {
		blen--;
	}
	return put(o, base, blen);
}

int
gen_url_join(const char *base, const char *path, char *out, size_t cap)
{
	struct outbuf o = {out, 0, cap};

	if (cap == 0) {
		return IDR_ETOOBIG;
	}
	out[0] = '\0';
	if (put_base(&o, base) != IDR_OK || put(&o, "/", 1) != IDR_OK ||
	    put_pct(&o, path, true) != IDR_OK) {
		return IDR_ETOOBIG;
	}
	return IDR_OK;
}

int
gen_gs1_dl(const char *base, const struct gen_ai *ais, size_t n, char *out, size_t cap)
{
	struct outbuf o = {out, 0, cap};
	size_t i;

	if (cap == 0) {
		return IDR_ETOOBIG;
	}
	out[0] = '\0';
	if (put_base(&o, base) != IDR_OK) {
		return IDR_ETOOBIG;
	}
	for (i = 0; i < n; i++) {
		if (put(&o, "/", 1) != IDR_OK || put(&o, ais[i].ai, strlen(ais[i].ai)) != IDR_OK ||
		    put(&o, "/", 1) != IDR_OK || put_pct(&o, ais[i].val, false) != IDR_OK) {
			return IDR_ETOOBIG;
		}
	}
	return IDR_OK;
}

int
gen_csv_field(const char *s, char *out, size_t cap, size_t *len)
{
	struct outbuf o = {out, *len, cap};
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	int rc = IDR_OK;

	if (*len >= cap) {
		return IDR_ETOOBIG;
	}
	if (quote) {
		rc = put(&o, "\"", 1);
		for (; rc == IDR_OK && *s != '\0'; s++) {
			rc = *s == '"' ? put(&o, "\"\"", 2) : put(&o, s, 1);
		}
		if (rc == IDR_OK) {
			rc = put(&o, "\"", 1);
		}
	} else {
		rc = put(&o, s, strlen(s));
	}
	if (rc == IDR_OK) {
		*len = o.len;
	}
	return rc;
}
