/*
 * rbuf.h - bounded reader over untrusted bytes, with a sticky error (Knot wire_ctx, NSD buffer).
 *
 * Every read checks the bytes remaining. A short read sets the error to IDR_EPROTO, returns
 * zeros and makes every later read a no-op, so a decoder checks rbuf_error() once per logical
 * unit. Length fields open sub-readers (rbuf_sub) that cannot cross the field's end. The reader
 * borrows its bytes; slices it returns live as long as those bytes. Not thread-safe (stack
 * value); no allocation.
 */
#ifndef IDR_REGISTRY_BASE_RBUF_H
#define IDR_REGISTRY_BASE_RBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"

struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err;
};

static inline void
rbuf_init(struct rbuf *r, const void *p, size_t len)
{
	r->p = (const uint8_t *)p;
	r->len = len;
	r->off = 0;
	r->err = IDR_OK;
}

static inline int
rbuf_error(const struct rbuf *r)
{
	return r->err;
}

/** Bytes left to read (0 after an error). */
static inline size_t
rbuf_left(const struct rbuf *r)
{
	return r->err != IDR_OK ? 0 : r->len - r->off;
}

static inline size_t
rbuf_offset(const struct rbuf *r)
{
	return r->off;
}

/** Set the sticky error (keeps the first one). */
static inline void
rbuf_fail(struct rbuf *r, int err)
{
	if (r->err == IDR_OK) {
		r->err = err;
	}
}

static inline bool
rbuf_need(struct rbuf *r, size_t n)
{
	if (r->err != IDR_OK) {
		return false;
	}
	if (n > r->len - r->off) {
		r->err = IDR_EPROTO;
		return false;
	}
	return true;
}

static inline uint8_t
rbuf_u8(struct rbuf *r)
{
	if (!rbuf_need(r, 1)) {
		return 0;
	}
	return r->p[r->off++];
}

static inline uint16_t
rbuf_u16(struct rbuf *r)
{
	uint16_t v;

	if (!rbuf_need(r, 2)) {
		return 0;
	}
	v = (uint16_t)((unsigned)r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return v;
}

static inline uint32_t
rbuf_u32(struct rbuf *r)
{
	const uint8_t *b;

	if (!rbuf_need(r, 4)) {
		return 0;
	}
	b = r->p + r->off;
	r->off += 4;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t
rbuf_u64(struct rbuf *r)
{
	uint64_t hi;

	/* all 8 bytes up front, so a short read returns 0 and not half a value */
	if (!rbuf_need(r, 8)) {
		return 0;
	}
	hi = rbuf_u32(r);
	return hi << 32 | rbuf_u32(r);
}

/** Borrow the next n bytes. On a short read returns an empty slice and sets the error. */
static inline struct slice
rbuf_bytes(struct rbuf *r, size_t n)
{
	struct slice s = {NULL, 0};

	if (!rbuf_need(r, n)) {
		return s;
	}
	s.p = r->p + r->off;
	s.len = n;
	r->off += n;
	return s;
}

/** Skip n bytes. */
static inline void
rbuf_skip(struct rbuf *r, size_t n)
{
	if (rbuf_need(r, n)) {
		r->off += n;
	}
}

/**
 * Open a sub-reader over the next n bytes and advance past them.
 * Fails (IDR_EPROTO, sticky on r; inner empty with the error set) if n exceeds what remains.
 */
static inline void
rbuf_sub(struct rbuf *r, size_t n, struct rbuf *inner)
{
	if (!rbuf_need(r, n)) {
		rbuf_init(inner, NULL, 0);
		inner->err = IDR_EPROTO;
		return;
	}
	rbuf_init(inner, r->p + r->off, n);
	r->off += n;
}

/**
 * Read a Handle "UTF8-String"/byte array: int4 length + bytes. The length is checked against
 * max (IDR_ELIMIT) and the bytes remaining (IDR_EPROTO) before anything is borrowed.
 */
static inline struct slice
rbuf_str(struct rbuf *r, size_t max)
{
	struct slice s = {NULL, 0};
	uint32_t n = rbuf_u32(r);

	if (r->err != IDR_OK) {
		return s;
	}
	if (n > max) {
		r->err = IDR_ELIMIT;
		return s;
	}
	return rbuf_bytes(r, n);
}

/**
 * Read an int4 count and check it against max (IDR_ELIMIT) and against the bytes remaining
 * given that each element takes at least min_elem bytes (IDR_EPROTO), so a caller may size an
 * allocation from the result.
 */
static inline uint32_t
rbuf_count(struct rbuf *r, uint32_t max, size_t min_elem)
{
	uint32_t n = rbuf_u32(r);

	if (r->err != IDR_OK) {
		return 0;
	}
	if (n > max) {
		r->err = IDR_ELIMIT;
		return 0;
	}
	if (min_elem > 0 && n > (r->len - r->off) / min_elem) {
		r->err = IDR_EPROTO;
		return 0;
	}
	return n;
}

#endif /* IDR_REGISTRY_BASE_RBUF_H */
