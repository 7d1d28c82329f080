/*
 * jrn.h - the registry journal: entry format, hashes, the codec, and appending to / walking the
 * `journal` database inside a store transaction (the registry, reg.h, decides what is journaled;
 * audit.h verifies the chain).
 *
 * Database `journal`: key = u64 big-endian seq (1, 2, 3 ... without gaps, appended); value
 * (integers big-endian, UTF8 = int4 length + bytes as in the Handle protocol):
 *
 *   u8   format       JRN_FORMAT (1)
 *   u8   op           enum jrn_op
 *   u16  0            reserved
 *   u64  time_ms      unix milliseconds of the change
 *   UTF8 identity     who made the change ("local" for the command-line tool)
 *   UTF8 identifier   the record's identifier, or the prefix for JRN_OP_INIT/PREFIX/TEMPLATE
 *   UTF8 payload      the full stored record after the change (the prefix record for
 *                     INIT/PREFIX, the stored template for TEMPLATE, empty for DELETE):
 *                     the journal can be replayed
 *   32   change_hash  SHA-256(u8 op | UTF8 identifier | UTF8 payload)
 *   32   prev_hash    hash of the previous entry (all zero for entry 1)
 *
 * Entry hash = SHA-256(u64 seq | the whole value); it is the next entry's prev_hash, and
 * the last one is kept with its seq in meta "jrn_head", so truncating the tail, removing or
 * editing an entry, or editing a record breaks a check of audit_verify.
 *
 * The "change" bytes (op | UTF8 identifier | UTF8 payload) are built first, with the payload
 * encoded in place (jrn_change_begin / jrn_change_end), so that the change hash is one
 * SHA-256 over contiguous memory and the record bytes are copied once, into the entry.
 *
 * Pure functions; thread-safe; decoded entries borrow the input bytes.
 */
#ifndef IDR_REGISTRY_JRN_H
#define IDR_REGISTRY_JRN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/crypto.h"
#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "store/store.h"

#define JRN_FORMAT       1
#define JRN_HASH_LEN     32
#define JRN_KEY_LEN      8
#define JRN_FIXED_LEN    (1 + 1 + 2 + 8 + 3 * 4 + 2 * JRN_HASH_LEN) /* entry without strings */
#define JRN_MAX_IDENTITY 4096                                       /* bytes */
#define JRN_MAX_PAYLOAD  (64u << 20) /* bytes: the largest record the registry writes */
#define JRN_META_HEAD    "jrn_head"  /* meta key: u64 seq + hash of the last entry */
#define JRN_HEAD_LEN     (8 + JRN_HASH_LEN)

enum jrn_op {
	JRN_OP_INIT = 1,
	JRN_OP_PREFIX = 2, /* prefix added, its state or owner changed */
	JRN_OP_CREATE = 3,
	JRN_OP_ADD_VALUES = 4,
	JRN_OP_MODIFY_VALUES = 5,
	JRN_OP_REMOVE_VALUES = 6,
	JRN_OP_DELETE = 7,
	JRN_OP_TEMPLATE = 8, /* metadata template version created or changed; the identifier is
	                        the prefix, the payload the stored template (tmpl.h) */
	JRN_OP_EVENT = 9,    /* a lifecycle event captured; the identifier is its first subject,
	                        the payload the stored event (reg.h reg_event_add) */
	JRN_OP_ALIAS = 10    /* an alias added or removed; the identifier is the handle, the
	                        payload u8 1 (add) / 2 (remove) + the alias key (reg_alias_add) */
};
/** "init", "prefix", "create", "add_values", ...; NULL when out of range. */
const char *jrn_op_name(int op);

/** A decoded journal entry (slices borrow store memory). */
struct jrn_entry {
	uint64_t seq;
	uint64_t time_ms;
	int op;
	struct slice identity;
	struct slice identifier;
	struct slice
	        payload; /* the stored record / prefix record after the change; empty for delete */
	uint8_t change_hash[32];
	uint8_t prev_hash[32];
};

/** The last entry of the journal: its seq (0: none yet) and hash (all zero before entry 1). */
struct jrn_head {
	uint64_t seq;
	uint8_t hash[JRN_HASH_LEN];
};

typedef int (*jrn_fn)(void *arg, const struct jrn_entry *e);

/** Journal key of seq: 8 bytes big-endian. */
void jrn_key(uint64_t seq, uint8_t out[JRN_KEY_LEN]);

/**
 * Start the change bytes in w (reset first): u8 op | UTF8 identifier | int4 placeholder.
 * Append the payload to w, then call jrn_change_end with the returned mark.
 */
size_t jrn_change_begin(struct wbuf *w, int op, struct slice identifier);

/**
 * Finish the change bytes: patch the payload length. @return the payload (borrows w), empty
 * if w is in error (check wbuf_error(w)).
 */
struct slice jrn_change_end(struct wbuf *w, size_t mark);

/**
 * change_hash = SHA-256(u8 op | UTF8 identifier | UTF8 payload), built in scratch (a heap
 * wbuf the caller reuses; its contents are replaced). @return IDR_OK, IDR_ENOMEM or
 * IDR_ETOOBIG (scratch's limit).
 */
int jrn_change_hash(struct wbuf *scratch, int op, struct slice identifier, struct slice payload,
                    uint8_t out[JRN_HASH_LEN]);

/**
 * Entry hash = SHA-256(u64 seq | value) built in scratch as above.
 * @return IDR_OK, IDR_ENOMEM or IDR_ETOOBIG.
 */
int jrn_entry_hash(struct wbuf *scratch, uint64_t seq, struct slice value,
                   uint8_t out[JRN_HASH_LEN]);

/** Encode the value of an entry (not its key; e->seq is not part of the value). */
void jrn_entry_encode(struct wbuf *w, const struct jrn_entry *e);

/**
 * Decode an entry. key must be JRN_KEY_LEN bytes; checks the format, the op, the reserved
 * field, every string length against its limit (identity JRN_MAX_IDENTITY, identifier
 * IDENT_HARD_MAX, payload JRN_MAX_PAYLOAD) and the bytes left, and that nothing trails.
 * @return IDR_OK, IDR_EPROTO (malformed or truncated), IDR_ELIMIT (a length over its limit)
 *         or IDR_ESCHEMA (unknown format); *out is filled only on success.
 */
int jrn_entry_decode(struct slice key, struct slice value, struct jrn_entry *out);

/* ---------------------------------------------------------------- the journal database */

/**
 * Read meta "jrn_head"; missing means seq 0 and an all-zero hash.
 * @return IDR_OK, IDR_EJOURNAL (malformed, logged) or a store error.
 */
int jrn_head_load(struct store_txn *t, struct jrn_head *out) IDR_MUSTCHECK;

/** Write meta "jrn_head". @return IDR_OK or a store error. */
int jrn_head_store(struct store_txn *t, const struct jrn_head *h) IDR_MUSTCHECK;

/**
 * Append entry h->seq + 1 holding change (the bytes of jrn_change_begin/end: op | UTF8
 * identifier | UTF8 payload), made by identity at time_ms, and advance h. The entry is
 * encoded in scratch (a heap wbuf the caller reuses).
 * @return IDR_OK, IDR_EPROTO (change is malformed), the scratch wbuf's error or a store error;
 *         h is unchanged on error.
 */
int jrn_append(struct store_txn *t, struct jrn_head *h, struct slice identity, uint64_t time_ms,
               struct slice change, struct wbuf *scratch) IDR_MUSTCHECK;

/**
 * Visit journal entries with seq >= from in order; cb returns non-zero to stop (that value is
 * returned). @return IDR_OK, IDR_EJOURNAL (an entry does not decode) or a store error.
 */
int jrn_walk(struct store_txn *t, uint64_t from, jrn_fn cb, void *arg);

/* ---------------------------------------------------------------- checkpoint and fold */

/*
 * Retention: the oldest entries may be folded into a checkpoint (meta "jrn_ckpt"): they are
 * removed and the checkpoint keeps the seq and entry hash of the last one folded, so the first
 * kept entry's prev_hash still links to it and the chain stays verifiable from there on, plus
 * the running creates/deletes of the folded entries (the live-record count the journal
 * implies) and the time of the last fold. Each jrn_fold call is one bounded step inside the
 * caller's write transaction; a crash between steps leaves a consistent checkpoint.
 *
 * Value: u8 JRN_CKPT_FORMAT | u64 seq | 32 hash | u64 fold_ms | u64 creates | u64 deletes.
 */
#define JRN_META_CKPT   "jrn_ckpt"
#define JRN_CKPT_FORMAT 1
#define JRN_CKPT_LEN    (1 + 8 + JRN_HASH_LEN + 3 * 8)
#define JRN_FOLD_BATCH  10000 /* entries folded per transaction by default */

struct jrn_ckpt {
	uint64_t seq;               /* last folded entry (0: nothing folded yet) */
	uint8_t hash[JRN_HASH_LEN]; /* its entry hash (all zero when seq is 0) */
	uint64_t fold_ms;           /* time of the fold step that wrote it */
	uint64_t creates;           /* JRN_OP_CREATE entries folded so far */
	uint64_t deletes;           /* JRN_OP_DELETE entries folded so far */
};

/** What may be folded: every rule that is set must allow it (see jrn_bound). */
struct jrn_retention {
	uint64_t before;     /* only entries with seq < before; UINT64_MAX: no such limit */
	uint64_t age_ms;     /* entries older than now - age_ms are due; 0: no age rule */
	uint64_t keep_bytes; /* entries beyond the newest keep_bytes bytes are due; 0: no rule */
};

/** Result of one fold step. */
struct jrn_fold_result {
	uint64_t folded;      /* entries removed by this step */
	uint64_t bytes;       /* their key + value bytes */
	bool more;            /* entries below the bound remain (call again, new transaction) */
	struct jrn_ckpt ckpt; /* the checkpoint after the step */
};

/**
 * Read meta "jrn_ckpt"; missing means nothing was folded (all zero).
 * @return IDR_OK, IDR_EJOURNAL (malformed, logged) or a store error.
 */
int jrn_ckpt_load(struct store_txn *t, struct jrn_ckpt *out) IDR_MUSTCHECK;

/** Write meta "jrn_ckpt". @return IDR_OK or a store error. */
int jrn_ckpt_store(struct store_txn *t, const struct jrn_ckpt *c) IDR_MUSTCHECK;

/**
 * The fold bound of r at now_ms: entries with seq < *out are due. With neither an age nor a
 * size rule it is r->before; otherwise an entry is due when it is older than the age or
 * beyond the newest keep_bytes bytes (entry key + value), and below r->before. An entry is
 * "older" from the first one (in seq order) that is not, so the bound never skips one.
 * @return IDR_OK, IDR_EJOURNAL (an entry does not decode) or a store error.
 */
int jrn_bound(struct store_txn *t, const struct jrn_retention *r, uint64_t now_ms,
              uint64_t *out) IDR_MUSTCHECK;

/**
 * One fold step in write transaction t: remove at most max entries (0: JRN_FOLD_BATCH) with
 * seq < before, oldest first, each checked first (it decodes, its change hash holds, it links
 * to the checkpoint or the entry before), and record the last one in the checkpoint with
 * fold_ms = now_ms. scratch is a heap wbuf the caller reuses. Never folds past the head.
 * @return IDR_OK (out filled; folded may be 0), IDR_EJOURNAL (the chain is broken where the
 *         fold would go, logged) or a scratch error: nothing changed and t stays usable;
 *         a store error (t is then broken: abort it).
 */
int jrn_fold(struct store_txn *t, uint64_t before, size_t max, uint64_t now_ms,
             struct wbuf *scratch, struct jrn_fold_result *out) IDR_MUSTCHECK;

#endif /* IDR_REGISTRY_JRN_H */
