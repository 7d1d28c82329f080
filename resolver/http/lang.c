/*
 * lang.c - the page language and the Accept-Language parser (lang.h). Elements are cut at
 * commas first, so a malformed element can never swallow its neighbours.
 */
#include "http/lang.h"

#include <string.h>

static bool
is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool
is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static struct slice
trim(struct slice s)
{
	while (s.len > 0 && is_ows(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_ows(s.p[s.len - 1])) {
		s.len--;
	}
	return s;
}

/* language-range: "*" or 1*8ALPHA *("-" 1*8alphanum). */
static bool
range_ok(struct slice s)
{
	size_t i = 0, run;
	bool first = true;

	if (s.len == 1 && s.p[0] == '*') {
		return true;
	}
	for (;;) {
		run = 0;
		while (i < s.len && (is_alpha(s.p[i]) || (!first && is_digit(s.p[i])))) {
			i++;
			run++;
		}
		if (run == 0 || run > LANG_MAX_SUBTAG) {
			return false;
		}
		if (i == s.len) {
			return true;
		}
		if (s.p[i] != '-') {
			return false;
		}
		i++;
		first = false;
	}
}

/* qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")], in thousandths. */
static bool
qvalue_parse(struct slice s, unsigned *q)
{
	unsigned v = 0, scale = 100;
	size_t i;

	if (s.len == 0 || s.len > 5 || (s.p[0] != '0' && s.p[0] != '1')) {
		return false;
	}
	if (s.len > 1 && s.p[1] != '.') {
		return false;
	}
	for (i = 2; i < s.len; i++) {
		if (!is_digit(s.p[i])) {
			return false;
		}
		v += (unsigned)(s.p[i] - '0') * scale;
		scale /= 10;
	}
	if (s.p[0] == '1') {
		if (v != 0) {
			return false;
		}
		v = LANG_Q_MAX;
	}
	*q = v;
	return true;
}

/* One element (trimmed, non-empty): range [OWS ";" OWS "q=" qvalue]. */
static bool
element_parse(struct slice e, struct lang_range *out)
{
	const uint8_t *semi = memchr(e.p, ';', e.len);
	struct slice w;

	out->q = LANG_Q_MAX;
	out->tag = trim(semi == NULL ? e : slice_make(e.p, (size_t)(semi - e.p)));
	if (!range_ok(out->tag)) {
		return false;
	}
	if (semi == NULL) {
		return true;
	}
	w = trim(slice_make(semi + 1, e.len - (size_t)(semi - e.p) - 1));
	if (w.len < 2 || (w.p[0] != 'q' && w.p[0] != 'Q') || w.p[1] != '=') {
		return false;
	}
	return qvalue_parse(slice_make(w.p + 2, w.len - 2), &out->q);
}

int
lang_accept_parse(struct slice field, struct lang_range *out, size_t cap, size_t *n, size_t *bad)
{
	size_t i = 0, start;
	struct lang_range r;
	struct slice e;

	*n = 0;
	*bad = 0;
	if (field.len > LANG_MAX_FIELD) {
		return IDR_ELIMIT;
	}
	while (i < field.len) {
		start = i;
		while (i < field.len && field.p[i] != ',') {
			i++;
		}
		e = trim(slice_make(field.p + start, i - start));
		i++; /* the comma (or one past the end, which ends the loop) */
		if (e.len == 0) {
			continue;
		}
		if (!element_parse(e, &r)) {
			(*bad)++;
			continue;
		}
		if (*n == cap) {
			return IDR_ELIMIT;
		}
		out[(*n)++] = r;
	}
	return IDR_OK;
}

int
lang_of_tag(struct slice tag, enum lang_id *out)
{
	static const char *const codes[LANG_COUNT] = {"zh", "en"};
	size_t k;

	for (k = 0; k < LANG_COUNT; k++) {
		if (tag.len >= 2 && slice_caseeq(slice_make(tag.p, 2), slice_cstr(codes[k])) &&
		    (tag.len == 2 || tag.p[2] == '-')) {
			*out = (enum lang_id)k;
			return IDR_OK;
		}
	}
	return IDR_ENOENT;
}

enum lang_id
lang_choose(struct slice accept_language)
{
	struct lang_range r[LANG_MAX_RANGES];
	int score[LANG_COUNT], star = -1; /* 2 * q; -1: not named */
	size_t n, bad, i, k;
	enum lang_id id;

	if (lang_accept_parse(accept_language, r, LANG_MAX_RANGES, &n, &bad) != IDR_OK && n == 0) {
		return LANG_ZH;
	}
	for (k = 0; k < LANG_COUNT; k++) {
		score[k] = -1;
	}
	for (i = 0; i < n; i++) {
		int s = 2 * (int)r[i].q;

		if (r[i].tag.len == 1 && r[i].tag.p[0] == '*') {
			star = s > star ? s : star;
		} else if (lang_of_tag(r[i].tag, &id) == IDR_OK && s > score[id]) {
			score[id] = s;
		}
	}
	for (k = 0; k < LANG_COUNT; k++) {
		if (score[k] < 0) {
			score[k] = star >= 0 ? star : 1; /* unnamed: below any q > 0, above q=0 */
		}
	}
	return score[LANG_EN] > score[LANG_ZH] ? LANG_EN : LANG_ZH;
}

const char *
lang_tag(enum lang_id id)
{
	return id == LANG_EN ? "en" : "zh-CN";
}

const char *
lang_code(enum lang_id id)
{
	return id == LANG_EN ? "en" : "zh";
}
