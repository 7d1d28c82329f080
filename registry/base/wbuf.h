/*
 * wbuf.h - bounded writer (the output twin of rbuf). Either over caller memory with a fixed
 * capacity, or heap-backed and growing up to a maximum. Running out of room sets a sticky
 * IDR_ETOOBIG (never silent truncation); later writes are no-ops. Check wbuf_error() once at
 * the end of a logical unit. Not thread-safe.
 */
#ifndef IDR_REGISTRY_BASE_WBUF_H
#define IDR_REGISTRY_BASE_WBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "base/slice.h"

struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t max; /* growth limit for heap buffers; == cap for fixed buffers */
	int err;
	bool heap;
};

/** Write into caller memory buf[0..cap). */
void wbuf_init(struct wbuf *w, void *buf, size_t cap);

/** Heap buffer that grows on demand up to max bytes. Free with wbuf_deinit(). */
void wbuf_init_heap(struct wbuf *w, size_t max);

/** Release a heap buffer (no-op for caller memory); accepts a zeroed struct. */
void wbuf_deinit(struct wbuf *w);

/** Forget the contents and the error, keep the memory. */
static inline void
wbuf_reset(struct wbuf *w)
{
	w->len = 0;
	w->err = IDR_OK;
}

static inline int
wbuf_error(const struct wbuf *w)
{
	return w->err;
}

static inline size_t
wbuf_len(const struct wbuf *w)
{
	return w->len;
}

static inline const uint8_t *
wbuf_data(const struct wbuf *w)
{
	return w->p;
}

static inline struct slice
wbuf_slice(const struct wbuf *w)
{
	return slice_make(w->p, w->len);
}

/** The slow path of wbuf_reserve: grow a heap buffer, or set the sticky error. */
bool wbuf_grow(struct wbuf *w, size_t n);

/** Make room for n more bytes; false (and the sticky error) if impossible. */
static inline bool
wbuf_reserve(struct wbuf *w, size_t n)
{
	if (w->err == IDR_OK && n <= w->cap - w->len) {
		return true; /* the common case, inline: appends are on every answer's path */
	}
	return wbuf_grow(w, n);
}

static inline void
wbuf_bytes(struct wbuf *w, const void *p, size_t n)
{
	if (n == 0 || !wbuf_reserve(w, n)) {
		return;
	}
	memcpy(w->p + w->len, p, n);
	w->len += n;
}

static inline void
wbuf_u8(struct wbuf *w, uint8_t v)
{
	if (wbuf_reserve(w, 1)) {
		w->p[w->len++] = v;
	}
}

static inline void
wbuf_u16(struct wbuf *w, uint16_t v)
{
	if (wbuf_reserve(w, 2)) {
		w->p[w->len++] = (uint8_t)(v >> 8);
		w->p[w->len++] = (uint8_t)v;
	}
}

static inline void
wbuf_u32(struct wbuf *w, uint32_t v)
{
	if (wbuf_reserve(w, 4)) {
		uint8_t *b = w->p + w->len;

		b[0] = (uint8_t)(v >> 24);
		b[1] = (uint8_t)(v >> 16);
		b[2] = (uint8_t)(v >> 8);
		b[3] = (uint8_t)v;
		w->len += 4;
	}
}

static inline void
wbuf_u64(struct wbuf *w, uint64_t v)
{
	/* reserve all 8 bytes first: a value that does not fit is not half written */
	if (wbuf_reserve(w, 8)) {
		wbuf_u32(w, (uint32_t)(v >> 32));
		wbuf_u32(w, (uint32_t)v);
	}
}

/** Handle UTF8-String / byte array: int4 length + bytes. */
static inline void
wbuf_str(struct wbuf *w, const void *p, size_t n)
{
	if (n > UINT32_MAX || n > SIZE_MAX - 4) {
		w->err = w->err != IDR_OK ? w->err : IDR_ETOOBIG;
		return;
	}
	/* length and bytes together: no length without its bytes */
	if (wbuf_reserve(w, 4 + n)) {
		wbuf_u32(w, (uint32_t)n);
		wbuf_bytes(w, p, n);
	}
}

static inline void
wbuf_slice_str(struct wbuf *w, struct slice s)
{
	wbuf_str(w, s.p, s.len);
}

static inline void
wbuf_cstr(struct wbuf *w, const char *s)
{
	wbuf_bytes(w, s, strlen(s));
}

/** Append a string literal ("" makes anything else a compile error). */
#define wbuf_lit(w, lit) wbuf_bytes((w), "" lit, sizeof(lit) - 1)

/** Append v in decimal. */
static inline void
wbuf_dec(struct wbuf *w, uint64_t v)
{
	char buf[20];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	wbuf_bytes(w, &buf[i], sizeof(buf) - i);
}

/** Overwrite 4 bytes at an earlier offset (length/count fields written after the fact). */
void wbuf_patch_u32(struct wbuf *w, size_t off, uint32_t v);

/** Append formatted text (no NUL is appended). */
void wbuf_printf(struct wbuf *w, const char *fmt, ...) IDR_PRINTF(2, 3);
void wbuf_vprintf(struct wbuf *w, const char *fmt, va_list ap) IDR_PRINTF(2, 0);

/** Append a NUL so the contents can be used as a C string (the NUL is not counted in len). */
void wbuf_terminate(struct wbuf *w);

/** Take the heap buffer (caller frees with free()); the wbuf is left empty. */
uint8_t *wbuf_steal(struct wbuf *w, size_t *len);

#endif /* IDR_REGISTRY_BASE_WBUF_H */
