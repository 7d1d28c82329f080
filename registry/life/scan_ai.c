/*
 * scan_ai.c - the GS1 AI table and element strings (GS1 General Specifications §3, the GS1
 * Barcode Syntax Dictionary): which AIs exist, their lengths, character sets and checks.
 */
#include "life/scan.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "life/scan_int.h"
#include "model/gs1check.h"

enum cset {
	CS_N, /* digits */
	CS_X, /* GS1 AI encodable character set 82 */
	CS_Y, /* GS1 AI encodable character set 39 */
};

enum check {
	CK_NONE,
	CK_CSUM,     /* last digit is the GS1 mod-10 check digit */
	CK_DATE,     /* YYMMDD, DD 00 allowed (no day given) */
	CK_DATETIME, /* YYMMDDhhmm */
	CK_ZERO,     /* a single '0' */
};

struct comp {
	unsigned char cset, min, max, check;
};

struct ai_def {
	const char *ai;
	unsigned char ncomp;
	bool key;
	struct comp c[3];
};

#define N_(n)                                                                                      \
	{                                                                                          \
		CS_N, n, n, CK_NONE                                                                \
	}
#define NV(lo, hi)                                                                                 \
	{                                                                                          \
		CS_N, lo, hi, CK_NONE                                                              \
	}
#define NC(n)                                                                                      \
	{                                                                                          \
		CS_N, n, n, CK_CSUM                                                                \
	}
#define XV(lo, hi)                                                                                 \
	{                                                                                          \
		CS_X, lo, hi, CK_NONE                                                              \
	}
#define DATE                                                                                       \
	{                                                                                          \
		CS_N, 6, 6, CK_DATE                                                                \
	}

static const struct ai_def ai_table[] = {
        {"00", 1, true, {NC(18)}},
        {"01", 1, true, {NC(14)}},
        {"02", 1, false, {NC(14)}},
        {"10", 1, false, {XV(1, 20)}},
        {"11", 1, false, {DATE}},
        {"12", 1, false, {DATE}},
        {"13", 1, false, {DATE}},
        {"15", 1, false, {DATE}},
        {"16", 1, false, {DATE}},
        {"17", 1, false, {DATE}},
        {"20", 1, false, {N_(2)}},
        {"21", 1, false, {XV(1, 20)}},
        {"22", 1, false, {XV(1, 20)}},
        {"30", 1, false, {NV(1, 8)}},
        {"37", 1, false, {NV(1, 8)}},
        {"240", 1, false, {XV(1, 30)}},
        {"241", 1, false, {XV(1, 30)}},
        {"250", 1, false, {XV(1, 30)}},
        {"251", 1, false, {XV(1, 30)}},
        {"253", 2, true, {NC(13), XV(0, 17)}},
        {"254", 1, false, {XV(1, 20)}},
        {"255", 2, true, {NC(13), NV(0, 12)}},
        {"400", 1, false, {XV(1, 30)}},
        {"401", 1, true, {XV(1, 30)}},
        {"402", 1, true, {NC(17)}},
        {"410", 1, false, {NC(13)}},
        {"411", 1, false, {NC(13)}},
        {"412", 1, false, {NC(13)}},
        {"413", 1, false, {NC(13)}},
        {"414", 1, true, {NC(13)}},
        {"415", 1, false, {NC(13)}},
        {"416", 1, false, {NC(13)}},
        {"417", 1, true, {NC(13)}},
        {"7003", 1, false, {{CS_N, 10, 10, CK_DATETIME}}},
        {"8003", 3, true, {{CS_N, 1, 1, CK_ZERO}, NC(13), XV(0, 16)}},
        {"8004", 1, true, {XV(1, 30)}},
        {"8006", 3, true, {NC(14), N_(2), N_(2)}},
        {"8010", 1, true, {{CS_Y, 1, 30, CK_NONE}}},
        {"8011", 1, false, {NV(1, 12)}},
        {"8017", 1, true, {NC(18)}},
        {"8018", 1, true, {NC(18)}},
        {"8020", 1, false, {XV(1, 25)}},
        {"90", 1, false, {XV(1, 30)}},
        {"91", 1, false, {XV(1, 90)}},
        {"92", 1, false, {XV(1, 90)}},
        {"93", 1, false, {XV(1, 90)}},
        {"94", 1, false, {XV(1, 90)}},
        {"95", 1, false, {XV(1, 90)}},
        {"96", 1, false, {XV(1, 90)}},
        {"97", 1, false, {XV(1, 90)}},
        {"98", 1, false, {XV(1, 90)}},
        {"99", 1, false, {XV(1, 90)}},
};

/* trade measures 310n..369n (n = decimal places, 0..5): N6 */
static const struct ai_def measure_def = {"3nnn", 1, false, {N_(6)}};

static bool
is_measure(const char *ai)
{
	static const char *const families[] = {
	        "310", "311", "312", "313", "314", "315", "316", "320", "321", "322", "323",
	        "324", "325", "326", "327", "328", "329", "330", "331", "332", "333", "334",
	        "335", "336", "337", "340", "341", "342", "343", "344", "345", "346", "347",
	        "348", "349", "350", "351", "352", "353", "354", "355", "356", "357", "360",
	        "361", "362", "363", "364", "365", "366", "367", "368", "369"};
	if (strlen(ai) != 4 || ai[3] < '0' || ai[3] > '5') {
		return false;
	}
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		if (memcmp(ai, families[i], 3) == 0) {
			return true;
		}
	}
	return false;
}

static const struct ai_def *
ai_lookup(const char *ai)
{
	for (size_t i = 0; i < sizeof(ai_table) / sizeof(ai_table[0]); i++) {
		if (strcmp(ai_table[i].ai, ai) == 0) {
			return &ai_table[i];
		}
	}
	return is_measure(ai) ? &measure_def : NULL;
}

static size_t
def_min(const struct ai_def *d)
{
	size_t n = 0;
	for (unsigned i = 0; i < d->ncomp; i++) {
		n += d->c[i].min;
	}
	return n;
}

static size_t
def_max(const struct ai_def *d)
{
	size_t n = 0;
	for (unsigned i = 0; i < d->ncomp; i++) {
		n += d->c[i].max;
	}
	return n;
}

bool
scan_ai_known(const char *ai)
{
	return ai_lookup(ai) != NULL;
}

bool
scan_ai_is_key(const char *ai)
{
	const struct ai_def *d = ai_lookup(ai);
	return d != NULL && d->key;
}

bool
scan_ai_fixed(const char *ai)
{
	const struct ai_def *d = ai_lookup(ai);
	return d != NULL && def_min(d) == def_max(d);
}

int
scan_fail(char *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	int n = vsnprintf(err, SCAN_ERR_MAX, fmt, ap);
	va_end(ap);
	if (n < 0) {
		err[0] = '\0';
	}
	return IDR_EPROTO;
}

const char *
scan_char_name(unsigned char c, char *buf, size_t cap)
{
	int n;
	if (c > 0x20 && c < 0x7f) {
		n = snprintf(buf, cap, "'%c'", c);
	} else {
		n = snprintf(buf, cap, "0x%02X", c);
	}
	return n > 0 && (size_t)n < cap ? buf : "?";
}

int
scan_check_digit(const char *digits, size_t len)
{
	char c;

	return gs1check_mod10(digits, len, &c) == IDR_OK ? c : -1; /* one implementation */
}

static bool
in_cset82(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
		return true;
	}
	return c != '\0' && strchr("!\"%&'()*+,-./:;<=>?_", c) != NULL;
}

static bool
in_cset39(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '#' || c == '-' || c == '/';
}

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

static int
two(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* p: 6 digits YYMMDD (already checked to be digits) */
static int
check_date(const char *ai, const char *value, const char *p, char *err)
{
	int yy = two(p), mm = two(p + 2), dd = two(p + 4);
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mm < 1 || mm > 12) {
		return scan_fail(err, "(%s) %s: month %02d does not exist", ai, value, mm);
	}
	/* GS1 places YY within -49..+50 years of today; every 2000+YY leap year rule holds for
	 * the 1951..2099 window except 2000 vs 1900, and 00 reads as 2000 today. */
	int year = 2000 + yy;
	int max = mdays[mm - 1];
	if (mm == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) {
		max = 29;
	}
	if (dd > max) {
		return scan_fail(err, "(%s) %s: day %02d does not exist in %s", ai, value, dd,
		                 month_names[mm - 1]);
	}
	return IDR_OK;
}

static int
check_comp(const char *ai, const char *value, const struct comp *c, const char *p, size_t n,
           size_t off, char *err)
{
	char cb[8];
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (c->cset == CS_N && (ch < '0' || ch > '9')) {
			return scan_fail(err, "(%s) character %s at position %zu is not a digit",
			                 ai, scan_char_name(ch, cb, sizeof(cb)), off + i + 1);
		}
		if (c->cset == CS_X && !in_cset82(ch)) {
			return scan_fail(err, "(%s) character %s at position %zu is not in CSET 82",
			                 ai, scan_char_name(ch, cb, sizeof(cb)), off + i + 1);
		}
		if (c->cset == CS_Y && !in_cset39(ch)) {
			return scan_fail(err, "(%s) character %s at position %zu is not in CSET 39",
			                 ai, scan_char_name(ch, cb, sizeof(cb)), off + i + 1);
		}
	}
	switch (c->check) {
	case CK_CSUM: {
		int want = scan_check_digit(p, n - 1);
		if (want != p[n - 1]) {
			return scan_fail(err, "(%s) check digit is %c, expected %c", ai, p[n - 1],
			                 want);
		}
		return IDR_OK;
	}
	case CK_DATE:
		return check_date(ai, value, p, err);
	case CK_DATETIME: {
		int rc = check_date(ai, value, p, err);
		if (rc == IDR_OK && two(p + 6) > 23) {
			return scan_fail(err, "(%s) %s: hour %02d does not exist", ai, value,
			                 two(p + 6));
		}
		if (rc == IDR_OK && two(p + 8) > 59) {
			return scan_fail(err, "(%s) %s: minute %02d does not exist", ai, value,
			                 two(p + 8));
		}
		return rc;
	}
	case CK_ZERO:
		if (p[0] != '0') {
			return scan_fail(err, "(%s) position %zu must be 0, is %c", ai, off + 1,
			                 p[0]);
		}
		return IDR_OK;
	default:
		return IDR_OK;
	}
}

static const char *
unit_word(const struct ai_def *d)
{
	bool numeric = true;
	for (unsigned i = 0; i < d->ncomp; i++) {
		numeric = numeric && d->c[i].cset == CS_N;
	}
	return numeric ? "digits" : "characters";
}

static int
check_length(const char *ai, const struct ai_def *d, size_t len, char *err)
{
	size_t lo = def_min(d), hi = def_max(d);
	const char *what = unit_word(d);
	if (len == 0) {
		return scan_fail(err, "(%s) value is empty", ai);
	}
	if (lo == hi && len != lo) {
		return scan_fail(err, "(%s) %zu %s, expected %zu", ai, len, what, lo);
	}
	if (len < lo) {
		return scan_fail(err, "(%s) %zu %s, at least %zu needed", ai, len, what, lo);
	}
	if (len > hi) {
		return scan_fail(err, "(%s) %zu %s, at most %zu allowed", ai, len, what, hi);
	}
	return IDR_OK;
}

int
scan_ai_check(const char *ai, const char *value, size_t len, char *err)
{
	const struct ai_def *d = ai_lookup(ai);
	char shown[SCAN_VALUE_MAX + 1];
	if (d == NULL) {
		return scan_fail(err, "(%s) is not a known GS1 AI", ai);
	}
	int rc = check_length(ai, d, len, err);
	if (rc != IDR_OK) {
		return rc;
	}
	memcpy(shown, value, len);
	shown[len] = '\0';
	/* fixed components first, the last one takes what is left (only the last one varies) */
	size_t off = 0;
	for (unsigned i = 0; i < d->ncomp; i++) {
		size_t n = i + 1 == d->ncomp ? len - off : d->c[i].min;
		if (n == 0) {
			continue;
		}
		rc = check_comp(ai, shown, &d->c[i], value + off, n, off, err);
		if (rc != IDR_OK) {
			return rc;
		}
		off += n;
	}
	return IDR_OK;
}

int
scan_gs1_add(struct scan_gs1 *g, const char *ai, const char *value, size_t len)
{
	if (g->n >= SCAN_AIS_MAX) {
		return IDR_ELIMIT;
	}
	if (len > SCAN_VALUE_MAX || strlen(ai) >= sizeof(g->el[0].ai)) {
		return IDR_ETOOBIG;
	}
	struct scan_ai *e = &g->el[g->n++];
	memcpy(e->ai, ai, strlen(ai) + 1);
	memcpy(e->value, value, len);
	e->value[len] = '\0';
	return IDR_OK;
}

const struct scan_ai *
scan_gs1_find(const struct scan_gs1 *g, const char *ai)
{
	for (size_t i = 0; i < g->n; i++) {
		if (strcmp(g->el[i].ai, ai) == 0) {
			return &g->el[i];
		}
	}
	return NULL;
}

/* the AI at p[0..left): the 2-, 3- or 4-digit prefix that is in the table */
static int
read_ai(const char *p, size_t left, char ai[5], char *err)
{
	char cb[8];
	for (size_t n = 2; n <= 4; n++) {
		if (n > left) {
			break;
		}
		if (p[n - 1] < '0' || p[n - 1] > '9' || p[0] < '0' || p[0] > '9') {
			break;
		}
		memcpy(ai, p, n);
		ai[n] = '\0';
		if (ai_lookup(ai) != NULL) {
			return IDR_OK;
		}
	}
	if (left == 0 || p[0] < '0' || p[0] > '9') {
		return scan_fail(err, "expected an AI, found %s",
		                 left == 0 ? "the end"
		                           : scan_char_name((unsigned char)p[0], cb, sizeof(cb)));
	}
	size_t show = left < 4 ? left : 4;
	return scan_fail(err, "unknown AI at \"%.*s\"", (int)show, p);
}

static int
add_checked(struct scan_gs1 *out, const char *ai, const char *v, size_t n, char *err)
{
	int rc = scan_ai_check(ai, v, n, err);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = scan_gs1_add(out, ai, v, n);
	if (rc == IDR_ELIMIT) {
		scan_fail(err, "more than %d elements", SCAN_AIS_MAX);
	}
	return rc;
}

/* raw form, separators already turned into GS */
static int
parse_raw(const char *s, size_t len, struct scan_gs1 *out, char *err)
{
	size_t pos = 0;
	while (pos < len) {
		if (s[pos] == SCAN_GS) {
			pos++;
			continue;
		}
		char ai[5];
		int rc = read_ai(s + pos, len - pos, ai, err);
		if (rc != IDR_OK) {
			return rc;
		}
		pos += strlen(ai);
		const struct ai_def *d = ai_lookup(ai);
		size_t hi = def_max(d), end = pos;
		bool fixed = def_min(d) == hi;
		while (end < len && s[end] != SCAN_GS && (!fixed || end - pos < hi)) {
			end++;
		}
		if (!fixed && end - pos > hi) {
			return scan_fail(err,
			                 "(%s) %zu %s, at most %zu allowed (missing GS separator?)",
			                 ai, end - pos, unit_word(d), hi);
		}
		rc = add_checked(out, ai, s + pos, end - pos, err);
		if (rc != IDR_OK) {
			return rc;
		}
		pos = end;
	}
	if (out->n == 0) {
		return scan_fail(err, "no GS1 element");
	}
	return IDR_OK;
}

/* "(" 2-4 digits ")" naming a known AI at p: its length, else 0 */
static size_t
hri_ai_at(const char *p, size_t left, char ai[5])
{
	if (left < 4 || p[0] != '(') {
		return 0;
	}
	size_t n = 0;
	while (n < 4 && 1 + n < left && p[1 + n] >= '0' && p[1 + n] <= '9') {
		n++;
	}
	if (n < 2 || 1 + n >= left || p[1 + n] != ')') {
		return 0;
	}
	memcpy(ai, p + 1, n);
	ai[n] = '\0';
	return ai_lookup(ai) != NULL ? n + 2 : 0;
}

static int
parse_hri(const char *s, size_t len, struct scan_gs1 *out, char *err)
{
	size_t pos = 0;
	char ai[5];
	while (pos < len) {
		size_t h = hri_ai_at(s + pos, len - pos, ai);
		if (h == 0) {
			size_t show = len - pos < 6 ? len - pos : 6;
			return scan_fail(err, "expected (AI) with a known AI at \"%.*s\"",
			                 (int)show, s + pos);
		}
		pos += h;
		size_t end = pos;
		char next[5];
		while (end < len && hri_ai_at(s + end, len - end, next) == 0 && s[end] != SCAN_GS) {
			end++;
		}
		int rc = add_checked(out, ai, s + pos, end - pos, err);
		if (rc != IDR_OK) {
			return rc;
		}
		pos = end;
		if (pos < len && s[pos] == SCAN_GS) {
			pos++;
		}
	}
	if (out->n == 0) {
		return scan_fail(err, "no GS1 element");
	}
	return IDR_OK;
}

int
scan_gs1_parse(const char *in, size_t len, const struct scan_opts *o, struct scan_gs1 *out,
               char *err)
{
	char subst = '\0';
	if (o != NULL) {
		subst = o->gs_subst;
	}
	bool gs_text = o != NULL && o->gs_text;
	char buf[SCAN_INPUT_MAX];
	size_t n = 0;
	memset(out, 0, sizeof(*out));
	out->key = -1;
	err[0] = '\0';
	if (len > sizeof(buf)) {
		scan_fail(err, "longer than %d bytes", SCAN_INPUT_MAX);
		return IDR_ELIMIT;
	}
	for (size_t i = 0; i < len; i++) {
		if (subst != '\0' && in[i] == subst) {
			buf[n++] = SCAN_GS;
		} else if (gs_text && len - i >= 4 && memcmp(in + i, "<GS>", 4) == 0) {
			buf[n++] = SCAN_GS;
			i += 3;
		} else {
			buf[n++] = in[i];
		}
	}
	int rc = n > 0 && buf[0] == '(' ? parse_hri(buf, n, out, err) : parse_raw(buf, n, out, err);
	if (rc != IDR_OK) {
		return rc;
	}
	return scan_gs1_check(out, err);
}

static bool
has_any(const struct scan_gs1 *g, const char *const *ais)
{
	for (size_t i = 0; ais[i] != NULL; i++) {
		if (scan_gs1_find(g, ais[i]) != NULL) {
			return true;
		}
	}
	return false;
}

int
scan_gs1_check(struct scan_gs1 *g, char *err)
{
	static const char *const trade[] = {"01", "02", "8006", NULL};
	static const char *const item[] = {"01", "8006", NULL};
	static const char *const gln[] = {"414", NULL};
	static const char *const cpid[] = {"8010", NULL};
	static const struct {
		const char *ai;
		const char *const *req;
		const char *what;
	} rules[] = {
	        {"10", trade, "(01), (02) or (8006)"},
	        {"21", item, "(01) or (8006)"},
	        {"22", trade, "(01), (02) or (8006)"},
	        {"254", gln, "(414)"},
	        {"8011", cpid, "(8010)"},
	};
	g->key = -1;
	for (size_t i = 0; i < g->n; i++) {
		for (size_t j = i + 1; j < g->n; j++) {
			if (strcmp(g->el[i].ai, g->el[j].ai) == 0 &&
			    strcmp(g->el[i].value, g->el[j].value) != 0) {
				return scan_fail(err, "(%s) appears twice with different values",
				                 g->el[i].ai);
			}
		}
		if (g->key < 0 && scan_ai_is_key(g->el[i].ai)) {
			g->key = (int)i;
		}
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (scan_gs1_find(g, rules[i].ai) != NULL && !has_any(g, rules[i].req)) {
			return scan_fail(err, "(%s) needs %s", rules[i].ai, rules[i].what);
		}
	}
	if (scan_gs1_find(g, "01") != NULL && scan_gs1_find(g, "02") != NULL) {
		return scan_fail(err, "(01) and (02) exclude each other");
	}
	return IDR_OK;
}

static int
put(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
	if (len >= cap - *n) {
		return IDR_ETOOBIG;
	}
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
	return IDR_OK;
}

int
scan_gs1_format(const struct scan_gs1 *g, enum scan_gs1_style style, char *out, size_t cap)
{
	size_t n = 0;
	int rc = IDR_OK;
	if (cap == 0) {
		return IDR_ETOOBIG;
	}
	out[0] = '\0';
	for (size_t i = 0; i < g->n && rc == IDR_OK; i++) {
		const struct scan_ai *e = &g->el[i];
		if (style == SCAN_STYLE_RAW) {
			rc = put(out, cap, &n, e->ai, strlen(e->ai));
		} else {
			const char *o = style == SCAN_STYLE_HRI ? "(" : "[";
			const char *c = style == SCAN_STYLE_HRI ? ")" : "]";
			rc = put(out, cap, &n, o, 1);
			rc = rc == IDR_OK ? put(out, cap, &n, e->ai, strlen(e->ai)) : rc;
			rc = rc == IDR_OK ? put(out, cap, &n, c, 1) : rc;
		}
		rc = rc == IDR_OK ? put(out, cap, &n, e->value, strlen(e->value)) : rc;
		if (rc == IDR_OK && style == SCAN_STYLE_RAW && i + 1 < g->n &&
		    !scan_ai_fixed(e->ai)) {
			const char gs[1] = {SCAN_GS};
			rc = put(out, cap, &n, gs, 1);
		}
	}
	return rc;
}
