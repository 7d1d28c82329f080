/*
 * reg_int.h - internals of the registry module, shared by reg.c (records, transactions, reads),
 * reg_prefix.c (prefix operations) and audit.c (which reads the databases directly). Never
 * included from outside registry/.
 *
 * A struct reg is immutable after open and may be shared by threads. A struct reg_wtxn or
 * struct reg_rtxn belongs to one thread at a time. A write transaction owns reusable buffers
 * (encoded change, journal entry, value scratch, HS_ADMIN data) so that the write hot path
 * allocates nothing per record once they have grown, plus the statistics deltas that are
 * flushed once at commit.
 *
 * Failure model of a write transaction: a rule violation found before the first store write
 * of an operation changes nothing and leaves the transaction usable. A failed store write
 * (map full, I/O) poisons it: every later operation returns that error and commit aborts and
 * returns it, so a half-applied change (record written, journal entry not) never commits.
 */
#ifndef IDR_REGISTRY_REG_INT_H
#define IDR_REGISTRY_REG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/crypto.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "jrn.h"
#include "model/ident.h"
#include "model/tmpl.h"
#include "model/value.h"
#include "reg.h"
#include "store/store.h"

/* meta database keys (ASCII) */
#define REG_META_SCHEMA      "schema"      /* u32 REG_SCHEMA_VERSION */
#define REG_META_NODE_PREFIX "node_prefix" /* the node prefix as spelled at init */
#define REG_META_CREATED     "created"     /* u64 unix seconds */
#define REG_META_MAP_SIZE    "map_size"    /* u64: the map size last given to reg_init */

/* stats key: folded prefix | 0x00 | kind */
#define REG_STAT_KEY_MAX (IDENT_HARD_MAX + 2)
/* HS_ADMIN data: int2 perms + UTF8 "0.NA/<prefix>" + int4 index */
#define REG_ADMIN_DATA_MAX (2 + 4 + 5 + IDENT_HARD_MAX + 4)
/* a folded identifier longer than STORE_KEY_MAX is stored under head | 0x00 | SHA-256 */
#define REG_KEY_HEAD (STORE_KEY_MAX - 1 - CRYPTO_SHA256_LEN)
/* limits on what a write may carry */
#define REG_MAX_IDENTITY 4096 /* bytes of the journal identity */
#define REG_MAX_OWNER    1024 /* bytes of a prefix owner name */

/* Open-addressing map (folded prefix, kind) -> signed count delta. */
struct reg_statslot {
	uint8_t *key; /* folded prefix | 0x00 | kind (heap); NULL marks an empty slot */
	size_t len;
	uint64_t hash;
	int64_t delta;
};

struct reg_statmap {
	struct reg_statslot *slots;
	size_t cap; /* 0 or a power of two */
	size_t used;
};

struct reg {
	struct store *store;
	bool own_store; /* reg_close closes it */
	bool read_only;
	struct ident_opts id_opts;
	char node_prefix[IDENT_HARD_MAX + 1];
};

struct reg_wtxn {
	struct reg *reg;
	struct store_txn *txn;
	char *identity;
	struct jrn_head head; /* the last journal entry */
	size_t changes;       /* journal entries written by this transaction */
	int failed;           /* first failed store write; IDR_OK while usable */
	struct wbuf chg;      /* op | UTF8 identifier | UTF8 payload (jrn.h) */
	struct wbuf jrn;      /* u64 seq | journal entry value */
	struct value *vals;   /* value scratch */
	size_t vcap;
	uint8_t admin[REG_ADMIN_DATA_MAX]; /* HS_ADMIN data of an added admin value */
	struct reg_statmap stats;
	/* one-entry cache of the last hosted-prefix check (invalidated by prefix writes) */
	bool pfx_cached;
	int pfx_rc;
	size_t pfx_len;
	uint8_t pfx_key[PFX_MAX_LEN];
	/* the template of the last registration checked against one (invalidated by template
	 * writes), and the detail of the last IDR_ETMPL_* failure */
	struct tmpl *tmpl_cache;
	char detail[TMPL_REPORT_LEN];
};

struct reg_rtxn {
	struct reg *reg;
	struct store_txn *txn;
};

/* ------------------------------------------------------------- reg.c */

/** Current time in milliseconds / seconds since the epoch (CLOCK_REALTIME). */
uint64_t reg_now_ms(void);
uint32_t reg_now_s(void);

/**
 * Store key of a folded identifier: the folded form itself when it fits STORE_KEY_MAX, else
 * its first REG_KEY_HEAD bytes, a 0x00 byte (never part of an identifier, so no short key can
 * collide) and the SHA-256 of the whole folded form, written to buf (STORE_KEY_MAX bytes; buf
 * may be folded.p). The head keeps the prefix, so listing by prefix still works.
 * @return IDR_OK (*out set) or the digest's error (IDR_ENOMEM, IDR_ECRYPTO).
 */
int reg_key(struct slice folded, uint8_t *buf, struct slice *out) IDR_MUSTCHECK;

/** Remember a failed store write (the transaction becomes abort-only); returns rc. */
int reg_wtxn_fail(struct reg_wtxn *w, int rc);

/** Build the stats key folded-prefix | 0x00 | kind into buf (REG_STAT_KEY_MAX). */
size_t reg_stat_key(uint8_t *buf, struct slice folded_prefix, uint8_t kind);

/** Add delta to the counter of (folded prefix, kind). @return IDR_OK or IDR_ENOMEM. */
int reg_statmap_add(struct reg_statmap *m, struct slice folded_prefix, uint8_t kind, int64_t delta);
void reg_statmap_deinit(struct reg_statmap *m);

/**
 * Create the prefix handle 0.NA/<prefix> (kind NONE, HS_ADMIN at 100 naming itself, index
 * 300) unless a record with that name exists; journaled as a CREATE. No hosting check.
 */
int reg_prefix_handle_create(struct reg_wtxn *w, struct slice prefix);

/**
 * Append the change held in w->chg (built with jrn_change_begin/jrn_change_end) as journal
 * entry w->head.seq + 1 and advance the head. A failure poisons w.
 */
int reg_jrn_append(struct reg_wtxn *w);

/* ------------------------------------------------------------- reg_prefix.c */

/**
 * Hosting rule for a write under prefix (as spelled in the identifier): IDR_OK if hosted and
 * enabled, IDR_EPFX_UNKNOWN, IDR_EPFX_DISABLED, or a store/decode error. The answer for the
 * last prefix asked is cached in w (prefix writes invalidate it).
 */
int reg_prefix_served(struct reg_wtxn *w, struct slice prefix);

/** reg_init's part: host the node prefix (state 1) and create its prefix handle. */
int reg_prefix_host_node(struct reg_wtxn *w, struct slice prefix, struct slice owner);

/* ------------------------------------------------------------- reg_tmpl.c */

/**
 * The template rule of a create under prefix (not a prefix handle): when the values carry a
 * template version (index 1001 with type TEMPLATE), that version of prefix's template must
 * exist (IDR_ETMPL_UNKNOWN), be published (IDR_ETMPL_NOTPUBLISHED) and accept the values
 * (IDR_ETMPL_RECORD); w->detail says why. Without such a value: IDR_OK (a value at 1001 of
 * another type is not a template reference).
 */
int reg_tmpl_check_create(struct reg_wtxn *w, struct slice prefix, const struct value *v, size_t n);

/* ------------------------------------------------------------- reg_alias.c */

/**
 * Remove every alias of handle (journaled like reg_alias_del): a deleted record leaves no alias
 * pointing at it. @return IDR_OK or a store error (w is then abort-only).
 */
int reg_alias_drop_all(struct reg_wtxn *w, struct slice handle);

/* ------------------------------------------------------------- reg_event.c */

/**
 * Move what is stored under the event key from to the key to: its timeline entries and its
 * links in both directions (with their mirrors at the other ends; a link between from and to
 * is dropped). Not journaled: it follows from the alias add that calls it. Reads: one cursor
 * seek per entry moved. @return IDR_OK or a store error (w is then abort-only).
 */
int reg_event_rekey(struct reg_wtxn *w, struct slice from, struct slice to);

/**
 * Replication (repl.c): redo a shipped JRN_OP_ALIAS change (payload u8 1 add / 2 remove + the
 * alias key) without journaling it. @return IDR_OK, IDR_EPROTO (malformed payload, or an add
 * of an alias leading elsewhere / a remove of an alias not there) or a store error.
 */
int reg_alias_replay(struct reg_wtxn *w, struct slice handle, struct slice payload);

#endif /* IDR_REGISTRY_REG_INT_H */
