/* slice.c - helpers for borrowed byte ranges. */
#include "base/slice.h"

#include <stdlib.h>

#include "base/err.h"

static inline uint8_t
ascii_upper(uint8_t c)
{
	return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
}

bool
slice_caseeq(struct slice a, struct slice b)
{
	size_t i;

	if (a.len != b.len) {
		return false;
	}
	for (i = 0; i < a.len; i++) {
		if (ascii_upper(a.p[i]) != ascii_upper(b.p[i])) {
			return false;
		}
	}
	return true;
}

int
slice_to_cstr(struct slice s, char *dst, size_t cap)
{
	if (cap == 0) {
		return IDR_ETOOBIG;
	}
	if (s.len + 1 > cap) {
		dst[0] = '\0';
		return IDR_ETOOBIG;
	}
	if (s.len > 0) {
		memcpy(dst, s.p, s.len);
	}
	dst[s.len] = '\0';
	return IDR_OK;
}

char *
slice_strdup(struct slice s)
{
	char *d = malloc(s.len + 1);

	if (d == NULL) {
		return NULL;
	}
	if (s.len > 0) {
		memcpy(d, s.p, s.len);
	}
	d[s.len] = '\0';
	return d;
}
