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

/* ---------------------------------------------------------------- differences */

enum rec_diff_kind {
	REC_DIFF_CHANGED = 1, /* the index is in both lists, with other content */
	REC_DIFF_ONLY_A = 2,  /* the index is only in the first list (e.g. the stored record) */
	REC_DIFF_ONLY_B = 3   /* the index is only in the second list (e.g. a request, a row) */
};

/* what differs in a REC_DIFF_CHANGED item (struct rec_diff.fields) */
#define REC_DIFF_TYPE  0x01
#define REC_DIFF_DATA  0x02
#define REC_DIFF_TTL   0x04 /* TTL or TTL type */
#define REC_DIFF_PERMS 0x08
#define REC_DIFF_REFS  0x10

/** One difference between two value lists. */
struct rec_diff {
	enum rec_diff_kind kind;
	uint32_t index;
	unsigned fields;       /* REC_DIFF_* bits (REC_DIFF_CHANGED only, else 0) */
	const struct value *a; /* the value in the first list (NULL for REC_DIFF_ONLY_B) */
	const struct value *b; /* the value in the second list (NULL for REC_DIFF_ONLY_A) */
};

/**
 * Compare two value lists, each sorted by index with unique indexes (rec_values gives a
 * stored record's that way; rec_values_sort sorts others), ignoring timestamps, as
 * rec_same_content does (types compare exactly, case included). The differences come in
 * ascending index order; the first cap of them are written to out[] (pointers into a and b,
 * valid as long as those are).
 * @return the number of differences, which may exceed cap (0: same content), or
 *         IDR_EREC_INDEX when a list is not sorted with unique indexes (nothing written).
 */
int rec_diff(const struct value *a, size_t na, const struct value *b, size_t nb,
             struct rec_diff *out, size_t cap);

#define REC_QUOTE_CHARS 40 /* characters of a value's data or type quoted in messages */

/**
 * Quote s for a message: "text" with '"' and '\\' escaped, cut after REC_QUOTE_CHARS
 * characters with "..." inside the quotes; text that is not UTF-8 without control
 * characters as <N bytes>. Always NUL-terminated (cut to fit cap, cap >= 16).
 * @return buf.
 */
const char *rec_quote(struct slice s, char *buf, size_t cap);

/**
 * Describe differences for a message (what rec_diff found): "value 2000 (colour) is "red"
 * <a_name>, "blue" <b_name>; value 2001 (weight) only <b_name>; value 5 (EMAIL) only
 * <a_name>; and 3 more". At most max_listed of d[0..n) are described, then "and K more"
 * counts the rest of total (the count rec_diff returned, which may exceed n). A change of
 * something other than the data names it: "value 2000 (colour) has TTL 86400 <a_name>, 3600
 * <b_name>", "has type ...", "has other permissions"/"other references". a_name and b_name
 * are short phrases ("here", "in the row"). The text is cut with "..." to fit cap (>= 16).
 * @return the length written (< cap).
 */
size_t rec_diff_format(const struct rec_diff *d, size_t n, size_t total, size_t max_listed,
                       const char *a_name, const char *b_name, char *buf, size_t cap);

#endif /* IDR_REGISTRY_MODEL_REC_H */
