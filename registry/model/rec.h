/*
 * rec.h - records as stored in the `handles` database, and item kinds.
 *
 * Stored record (all integers big-endian):
 *
 *   u8  format        REC_FORMAT (1)
 *   u8  kind          enum rec_kind (0 = not a lifecycle item, e.g. a prefix handle)
 *   u16 flags         0 (reserved)
 *   u64 seq           journal sequence number of the last change
 *   --- body: exactly the Handle RESOLUTION response body without request digest ---
 *   UTF8 handle       the identifier as registered (original spelling)
 *   int4 count        number of values
 *   count x value clump, sorted by index, indexes unique
 *
 * The key is the ASCII-upper-cased identifier (ident_fold). Because the body is the wire body,
 * an unfiltered resolution copies it without re-encoding.
 *
 * Item kinds: every lifecycle item also carries its kind as a value, index REC_KIND_INDEX (10)
 * type REC_KIND_TYPE ("ITEM_KIND"), data = the kind name in ASCII ("part"), so stock Handle
 * clients see it; the header byte duplicates it for cheap statistics and filtering.
 *
 * Pure functions; thread-safe. Views borrow the stored bytes.
 */
#ifndef IDR_REGISTRY_MODEL_REC_H
#define IDR_REGISTRY_MODEL_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "base/wbuf.h"
#include "model/value.h"

#define REC_FORMAT     1
#define REC_HDR_LEN    12
#define REC_KIND_INDEX 10
#define REC_KIND_TYPE  "ITEM_KIND"

enum rec_kind {
	REC_KIND_NONE = 0,
	REC_KIND_PART = 1,    /* 零部件 */
	REC_KIND_WIP = 2,     /* 在制品 */
	REC_KIND_PROCESS = 3, /* 工序 */
	REC_KIND_PRODUCT = 4, /* 产品 */
	REC_KIND_LOT = 5,     /* 批次 */
	REC_KIND_PACKAGE = 6, /* 包装: box, pallet */
	REC_KIND_COUNT
};

/** "part", "wip", ... ; "-" for REC_KIND_NONE; NULL if out of range. */
const char *rec_kind_name(enum rec_kind k);

/** Chinese label (零部件 ...), "" for REC_KIND_NONE, NULL if out of range. */
const char *rec_kind_label(enum rec_kind k);

/** Parse a kind name (ASCII case-insensitive). @return IDR_OK or IDR_EREC_KIND. */
int rec_kind_parse(struct slice name, enum rec_kind *out);

/** Borrowed view of a stored record. */
struct rec_view {
	uint8_t kind;
	uint16_t flags;
	uint64_t seq;
	struct slice handle; /* registered spelling */
	uint32_t nvalues;
	struct slice body;   /* UTF8 handle + int4 count + clumps: the wire body */
	struct slice values; /* the clumps only */
};

/**
 * Parse a stored record completely: header, body framing and every value clump (the count
 * must match the clumps exactly, nothing may trail). For audits and anything that must know
 * the record is whole. @return IDR_OK or IDR_EPROTO / IDR_ESCHEMA (unknown format).
 */
int rec_view_parse(struct slice stored, struct rec_view *out);

/**
 * The read hot path: parse the header, the handle and the value count only (count <= 2048 and
 * plausible for the bytes present); the clumps are not walked. Records are validated when
 * written (rec_encode) and audited with rec_view_parse; readers of the clumps go through the
 * bounded rbuf/value_decode anyway, so a damaged record can only end a walk early, never make
 * a read go out of bounds. @return as rec_view_parse.
 */
int rec_view_open(struct slice stored, struct rec_view *out);

/** Iterate values: rbuf_init(&r, view.values.p, view.values.len) then call until it fails. */
static inline int
rec_value_next(struct rbuf *r, struct value *v)
{
	return rbuf_left(r) == 0 ? IDR_ENOENT : value_decode(r, v);
}

/**
 * Encode a stored record. values must be sorted by index with unique indexes (see
 * rec_values_sort); the function checks it (IDR_EREC_INDEX) and the count (IDR_EREC_TOOMANY).
 */
int rec_encode(struct wbuf *w, enum rec_kind kind, uint64_t seq, struct slice handle,
               const struct value *values, size_t n);

/** Sort values by index (stable for equal indexes, which rec_encode then rejects). */
void rec_values_sort(struct value *values, size_t n);

/**
 * Decode all values of a view into out[0..cap) (slices borrow the stored bytes).
 * @return IDR_OK, IDR_ELIMIT (more than cap) or a decode error.
 */
int rec_values(const struct rec_view *view, struct value *out, size_t cap, size_t *n);

/** True if two records hold the same values ignoring timestamps (and the same kind). */
bool rec_same_content(const struct rec_view *a, const struct rec_view *b);

#endif /* IDR_REGISTRY_MODEL_REC_H */
