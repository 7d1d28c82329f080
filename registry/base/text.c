/* text.c - UTF-8 validation (RFC 3629 table 1 byte ranges). */
#include "base/text.h"

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
