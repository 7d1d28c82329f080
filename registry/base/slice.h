/*
 * slice.h - borrowed byte ranges (pointer + length). A slice never owns its bytes; its lifetime
 * is that of whatever it points into (a packet, an LMDB page within one transaction, a string).
 * Slices may contain NUL bytes and are not NUL-terminated.
 */
#ifndef IDR_REGISTRY_BASE_SLICE_H
#define IDR_REGISTRY_BASE_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct slice {
	const uint8_t *p;
	size_t len;
};

#define SLICE_LIT(s) ((struct slice){(const uint8_t *)(s), sizeof(s) - 1})

static inline struct slice
slice_make(const void *p, size_t len)
{
	struct slice s = {(const uint8_t *)p, len};
	return s;
}

static inline struct slice
slice_cstr(const char *s)
{
	return slice_make(s, s != NULL ? strlen(s) : 0);
}

static inline bool
slice_eq(struct slice a, struct slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/** ASCII case-insensitive equality (bytes >= 0x80 compare exactly). */
bool slice_caseeq(struct slice a, struct slice b);

/** ASCII case-insensitive equality against a NUL-terminated string. */
static inline bool
slice_caseeq_cstr(struct slice a, const char *b)
{
	return slice_caseeq(a, slice_cstr(b));
}

/**
 * Does s end in the literal tail, with something before it? Then *head is the rest of s.
 */
static inline bool
slice_cut_suffix(struct slice s, const char *tail, struct slice *head)
{
	size_t n = strlen(tail);

	if (s.len <= n || memcmp(s.p + s.len - n, tail, n) != 0) {
		return false;
	}
	*head = slice_make(s.p, s.len - n);
	return true;
}

/**
 * Copy a slice into a NUL-terminated buffer.
 * @return IDR_OK, or IDR_ETOOBIG if len + 1 > cap (dst then holds "").
 */
int slice_to_cstr(struct slice s, char *dst, size_t cap);

/**
 * Duplicate a slice as a heap NUL-terminated string (caller frees with free()).
 * @return the copy or NULL on allocation failure.
 */
char *slice_strdup(struct slice s);

#endif /* IDR_REGISTRY_BASE_SLICE_H */
