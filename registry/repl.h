/*
 * repl.h - journal shipping: the frame format of a journal copy, and applying shipped entries
 * to a follower's registry (a mirror, the top level's backup of a node).
 *
 * A journal copy (the body of GET /api/v1/journal) is the primary's journal head seq (u64, at
 * the time of the answer: how far behind the follower is) and a sequence of frames, each one
 * stored journal entry exactly as the primary holds it (jrn.h; integers big-endian):
 *
 *   u64  seq       the entry's journal seq
 *   u32  length    of the value, 1..REPL_ENTRY_MAX
 *   ...  value     the entry as stored in the primary's `journal` database
 *
 * Applying (repl_apply_frames) checks each entry before it changes anything: the seq follows
 * the follower's journal head, the entry decodes (jrn_entry_decode), its change hash is the
 * SHA-256 of its change, its prev_hash is the hash of the follower's last entry. Then the
 * change is redone (records, deletes, prefixes, templates, events, aliases: every jrn op) and
 * the entry is stored verbatim with its seq, so the follower's journal is a copy of the
 * primary's and `idr audit verify` holds on it. One write transaction per batch: a bad entry
 * anywhere in it means nothing of the batch is applied.
 *
 * Pure codec and registry functions; thread-safety as the registry's.
 */
#ifndef IDR_REGISTRY_REPL_H
#define IDR_REGISTRY_REPL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rbuf.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "jrn.h"
#include "reg.h"

#define REPL_FRAME_HEAD 12 /* u64 seq + u32 length */
/* the longest stored entry the registry writes */
#define REPL_ENTRY_MAX (JRN_FIXED_LEN + JRN_MAX_IDENTITY + IDENT_HARD_MAX + JRN_MAX_PAYLOAD)
#define REPL_WHY_MAX   256
#define REPL_IDENTITY  "replica" /* identity of a follower's write transactions */
#define REPL_CT        "application/x-idr-journal"

/** One frame: the seq and the stored value (borrows the input). */
struct repl_frame {
	uint64_t seq;
	struct slice value;
};

/**
 * Read the next frame from r (sans-I/O).
 * @return IDR_OK (*out set, r advanced past the frame), IDR_EAGAIN (r ends inside the frame:
 *         truncated; r is not advanced), IDR_ELIMIT (length 0 or over REPL_ENTRY_MAX; nothing
 *         after it can be trusted).
 */
int repl_frame_next(struct rbuf *r, struct repl_frame *out) IDR_MUSTCHECK;

/**
 * Split a journal copy into the primary's head seq and the frames.
 * @return IDR_OK or IDR_EPROTO (shorter than its 8-byte head).
 */
int repl_copy_open(struct slice body, uint64_t *head, struct slice *frames) IDR_MUSTCHECK;

/** Append a frame to w (w's sticky error on overflow). */
void repl_frame_put(struct wbuf *w, uint64_t seq, struct slice value);

/** The outcome of applying a batch. */
struct repl_result {
	uint64_t applied;       /* entries applied (0 when the batch was refused) */
	uint64_t head;          /* the follower's journal head seq after the call */
	uint64_t bad_seq;       /* the entry refused (0: none, or the frames themselves) */
	uint64_t last_ms;       /* time_ms of the last entry applied (0: none) */
	char why[REPL_WHY_MAX]; /* what was wrong, "" on success */
};

/**
 * Check and apply one entry inside w (see above). On error w must be aborted (a check failure
 * changes nothing, but a store failure leaves w abort-only; the caller aborts in both cases).
 * @param why  receives the reason on error (REPL_WHY_MAX bytes).
 * @return IDR_OK, IDR_EJOURNAL (seq, chain or change hash wrong; malformed entry; a change
 *         that does not fit the follower's data), or a store error.
 */
int repl_apply(struct reg_wtxn *w, uint64_t seq, struct slice value, char *why) IDR_MUSTCHECK;

/**
 * Apply the frames of body to r in one write transaction, durable when this returns IDR_OK.
 * Frames whose seq is at or below the follower's head are skipped (a batch re-sent after a
 * crash), provided they are not after a gap. body empty: nothing to do.
 * @return IDR_OK, IDR_EJOURNAL (refused: nothing applied; res->why says why), IDR_EPROTO
 *         (the frames do not parse), or a store error.
 */
int repl_apply_frames(struct reg *r, struct slice body, struct repl_result *res) IDR_MUSTCHECK;

/**
 * Replace everything in dst by the content of src (a snapshot of the primary, opened and
 * checked by the caller), in one write transaction of dst: every database emptied and filled
 * from src in key order. Readers of dst see the old content until the commit and the new one
 * after it, never a mix, and dst stays open (its handle, environment and the read
 * transactions of other threads are untouched): this is how a follower that fell behind the
 * primary's checkpoint is re-bootstrapped while it serves (fed/mirror.h). dst's file grows by
 * src's size at most during the transaction (the old pages are free afterwards, reused by
 * later writes). src is only read.
 * @param copied  receives the number of keys written (may be NULL).
 * @return IDR_OK (durable), IDR_ENOSPC (dst's map too small: nothing changed), or a store
 *         error (nothing changed).
 */
int repl_replace(struct reg *dst, struct reg *src, uint64_t *copied) IDR_MUSTCHECK;

/** The journal head of r (its seq 0: an empty journal). @return IDR_OK or a store error. */
int repl_head(struct reg *r, struct jrn_head *out) IDR_MUSTCHECK;

#endif /* IDR_REGISTRY_REPL_H */
