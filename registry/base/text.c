/* text.c - UTF-8 validation (RFC 3629 table 1 byte ranges); suggestions for unknown words. */
#include "base/text.h"

#include <string.h>

#include "base/err.h"

size_t
text_utf8_next(const uint8_t *p, size_t left, uint32_t *cp)
{
	uint8_t c = p[0];
	size_t n, k;
	uint32_t v, lo = 0x80, hi = 0xBF;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
		lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlong */
		hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF; /* <= U+10FFFF */
	} else {
		return 0;
	}
	if (left < n) {
		return 0;
	}
	for (k = 1; k < n; k++) {
		uint8_t b = p[k];

		if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) {
			return 0;
		}
		v = v << 6 | (b & 0x3F);
	}
	*cp = v;
	return n;
}

int
text_utf8_check(const uint8_t *p, size_t len, size_t *nchars, bool *ctrl)
{
	size_t i = 0, count = 0;
	bool has_ctrl = false;

	while (i < len) {
		uint32_t cp;
		size_t n;

		if (p[i] >= 0x20 && p[i] < 0x7F) { /* fast path: printable ASCII */
			i++;
			count++;
			continue;
		}
		n = text_utf8_next(p + i, len - i, &cp);
		if (n == 0) {
			return IDR_EUTF8;
		}
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
			has_ctrl = true;
		}
		i += n;
		count++;
	}
	if (nchars != NULL) {
		*nchars = count;
	}
	if (ctrl != NULL) {
		*ctrl = has_ctrl;
	}
	return IDR_OK;
}

bool
text_is_clean(const uint8_t *p, size_t len)
{
	bool ctrl = false;

	return text_utf8_check(p, len, NULL, &ctrl) == IDR_OK && !ctrl;
}

int
text_hex_digit(int c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

static uint8_t
fold(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

static size_t
min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* Edit distance with swaps of neighbours (optimal string alignment), ASCII case ignored;
 * both at most TEXT_SUGGEST_MAX bytes. */
static size_t
distance(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
	size_t d[TEXT_SUGGEST_MAX + 1][TEXT_SUGGEST_MAX + 1];
	size_t i, j, cost;

	for (i = 0; i <= la; i++) {
		d[i][0] = i;
	}
	for (j = 0; j <= lb; j++) {
		d[0][j] = j;
	}
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			cost = fold(a[i - 1]) != fold(b[j - 1]);
			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) &&
			    fold(a[i - 2]) == fold(b[j - 1]) && d[i - 2][j - 2] + 1 < d[i][j]) {
				d[i][j] = d[i - 2][j - 2] + 1;
			}
		}
	}
	return d[la][lb];
}

/* w abbreviates k: at least 3 bytes, shorter, same first letter, its letters in order. */
static bool
abbreviates(const uint8_t *w, size_t lw, const uint8_t *k, size_t lk)
{
	size_t i = 0, j;

	if (lw < 3 || lw >= lk || fold(w[0]) != fold(k[0])) {
		return false;
	}
	for (j = 0; j < lk && i < lw; j++) {
		i += fold(w[i]) == fold(k[j]);
	}
	return i == lw;
}

const char *
text_suggest(const char *word, const char *const *known)
{
	const uint8_t *w = (const uint8_t *)word;
	size_t lw = strlen(word), best_score = SIZE_MAX, i;
	const char *best = NULL;

	if (lw == 0 || lw > TEXT_SUGGEST_MAX) {
		return NULL;
	}
	for (i = 0; known[i] != NULL; i++) {
		const uint8_t *k = (const uint8_t *)known[i];
		size_t lk = strlen(known[i]), shorter = lw < lk ? lw : lk, score = SIZE_MAX;
		size_t limit = shorter / 3 > 1 ? shorter / 3 : 1;

		if (lk == 0 || lk > TEXT_SUGGEST_MAX) {
			continue;
		}
		score = distance(w, lw, k, lk);
		if (score > limit) {
			/* an abbreviation ranks after every near spelling, shorter gaps first */
			score = abbreviates(w, lw, k, lk) ? TEXT_SUGGEST_MAX + lk - lw : SIZE_MAX;
		}
		if (score < best_score) {
			best_score = score;
			best = known[i];
		}
	}
	return best;
}
