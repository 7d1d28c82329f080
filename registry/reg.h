/*
 * reg.h - the identifier registry: records, prefixes, journal and statistics over the store.
 *
 * One registry = one data directory = one LMDB environment (or the in-memory backend for
 * tests). Every write happens in a write transaction that also appends a hash-chained journal
 * entry per change (identity, operation, identifier, SHA-256 of the change, hash of the
 * previous entry) and updates the per-prefix/per-kind counters; the change is durable when
 * reg_write_commit returns. One writer at a time (LMDB); any number of readers, also from
 * other processes. A struct reg may be shared by threads; transactions may not.
 *
 * Rules enforced on writes (each failure names the rule, see err.h):
 *  - identifiers parse (ident.h) within the configured character limit;
 *  - a record may be created only under a prefix this node hosts (the node prefix or an
 *    enterprise prefix beneath it) whose state is 1 (启用, enabled) — except that creating
 *    a record identical to one already there is REG_UNCHANGED whatever the prefix state;
 *  - lifecycle items carry a kind; values have unique positive indexes, non-empty types;
 *  - create of an existing identifier with identical content (timestamps aside) is an
 *    idempotent success that writes nothing; with different content it is IDR_ECONFLICT;
 *  - a create whose values carry a template version (index 1001 with type TEMPLATE) must satisfy
 *    that published version of its prefix's metadata template (see the templates section).
 */
#ifndef IDR_REGISTRY_REG_H
#define IDR_REGISTRY_REG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "jrn.h"
#include "model/ident.h"
#include "model/rec.h"
#include "model/tmpl.h"
#include "model/value.h"
#include "pfx.h"
#include "store/store.h"

#define REG_SCHEMA_VERSION  1
#define REG_DEFAULT_MAPSIZE (16ULL << 30) /* 16 GiB of address space, grows the file lazily */
#define REG_IDENTITY_LOCAL  "local"

struct reg;
struct reg_wtxn;
struct reg_rtxn;
struct store;

struct reg_opts {
	const char *data_dir; /* directory holding the LMDB environment; ignored if memory */
	bool memory;          /* in-memory backend (tests) */
	bool read_only;       /* open without write access (e.g. a resolver) */
	bool no_lock;         /* with read_only: use no lock file and create nothing (checks such
	                         as `idrd -n`; unsafe beside a writer for anything but a look) */
	bool no_sync;         /* skip fsync per commit; reg_sync() makes everything durable */
	bool random;          /* mostly point lookups (a resolver): no read-ahead */
	uint64_t map_size;    /* 0 = the size recorded in the store (REG_DEFAULT_MAPSIZE when
	                         creating one); larger values grow it */
	unsigned max_readers; /* 0 = 126 (LMDB default) */
	size_t max_id_chars;  /* 0 = IDENT_DEFAULT_MAX_CHARS */
};

/**
 * Open a registry. The data directory must have been initialised with reg_init (else
 * IDR_ENOTINIT); its schema version must equal REG_SCHEMA_VERSION (else IDR_ESCHEMA). Stale
 * LMDB readers are cleared.
 * @return IDR_OK, IDR_ENOTINIT, IDR_ESCHEMA, IDR_ESTORE, IDR_ENOMEM or a system error.
 */
int reg_open(struct reg **out, const struct reg_opts *o) IDR_MUSTCHECK;

/**
 * Initialise a data directory (created if missing) for a node with the given prefix, e.g.
 * "88.118": records the schema version and node prefix in `meta`, hosts the node prefix
 * (state 1) and writes the first journal entries. Opening an already initialised directory
 * with the same node prefix is an idempotent success; a different prefix is
 * IDR_EPFX_DIFFNODE. With o->map_size set, the map size becomes that (never less than the
 * data): LMDB records a new map size only when a write commits, so it is also written to
 * `meta` — this is how a full map is grown for every later opener. On success *out is the
 * open registry.
 */
int reg_init(struct reg **out, const struct reg_opts *o, const char *node_prefix,
             const char *owner) IDR_MUSTCHECK;

/**
 * Open a registry over a store the caller already opened (e.g. a second registry on an
 * in-memory store, or a tool that repairs a store). The store is borrowed: it must outlive
 * the registry and reg_close does not close it. Same checks and errors as reg_open; only
 * o->read_only and o->max_id_chars are used.
 */
int reg_open_store(struct reg **out, struct store *s, const struct reg_opts *o) IDR_MUSTCHECK;

/** Close (accepts NULL). All transactions must be finished. */
void reg_close(struct reg *r);

/**
 * The store underneath (borrowed, valid while r is open). Writing through it bypasses the
 * journal and the counters: for repair tools and tests only.
 */
struct store *reg_store(struct reg *r);

/** The node prefix as registered (valid while r is open). */
const char *reg_node_prefix(const struct reg *r);

/**
 * The message of an error returned by this registry, with its rules in force: an identifier
 * over the character limit names the limit r was opened with (ident_strerror); a full map or
 * disk and I/O errors say what to do (reg_write_strerror); other codes give idr_strerror(rc).
 * @param buf  at least IDENT_ERR_LEN bytes. @return buf or a static string.
 */
const char *reg_strerror(const struct reg *r, int rc, char *buf, size_t cap);

/** Flush everything to disk (useful with no_sync). */
int reg_sync(struct reg *r);

/**
 * After IDR_ENOSPC: adopt the larger map size another process (`idr --map-size`) recorded;
 * *grown says whether retrying the transaction can help. Call with no transaction open on
 * this thread. @return IDR_OK or a store error (store_map_adopt).
 */
int reg_map_adopt(struct reg *r, bool *grown) IDR_MUSTCHECK;

/* ---------------------------------------------------------------- writes */

enum reg_outcome {
	REG_CREATED = 1,  /* new record / prefix */
	REG_UPDATED = 2,  /* existing one changed */
	REG_UNCHANGED = 3 /* identical content already there: nothing written */
};

/** flags for reg_create */
#define REG_KEEP_TIMESTAMPS 0x1 /* keep value timestamps (restore/import of an export) */

/**
 * Begin a write transaction; identity is recorded in every journal entry ("local" for the
 * command-line tool). Blocks while another writer (in any process) is active.
 */
int reg_write_begin(struct reg *r, const char *identity, struct reg_wtxn **out) IDR_MUSTCHECK;

/**
 * Commit: journal, counters and records become durable together. Frees w (also on error).
 * A transaction in which a store write failed (IDR_ENOSPC when the map is full, I/O errors) is
 * abort-only: every later write call returns that error and commit rolls it back and returns it.
 */
int reg_write_commit(struct reg_wtxn *w) IDR_MUSTCHECK;

/** Abort and free (accepts NULL). */
void reg_write_abort(struct reg_wtxn *w);

/**
 * Record the changes that follow under another identity (a writer applying the work of
 * several clients in one transaction). Same rules as reg_write_begin's identity.
 * @return IDR_OK, IDR_EINVAL (empty), IDR_ELIMIT, IDR_EUTF8/IDR_ECTRL or IDR_ENOMEM; on error
 *         the identity in force stays.
 */
int reg_write_identity(struct reg_wtxn *w, const char *identity) IDR_MUSTCHECK;

/** IDR_OK while w is usable, else the store failure that made it abort-only. */
int reg_write_status(const struct reg_wtxn *w);

/** True if the registry was opened without write access. */
bool reg_read_only(const struct reg *r);

/**
 * Describe the error of a write (a write call or its commit) for the operator: idr_strerror,
 * except that running out of space (IDR_ENOSPC: the map is full, or the disk) and I/O errors
 * (IDR_EIO: the disk may be full or failing) also say what to do. The store logs which one
 * it was. @return a static string.
 */
const char *reg_write_strerror(int rc);

/** Number of changes (journal entries) made in this transaction so far. */
size_t reg_write_changes(const struct reg_wtxn *w);

/**
 * Create a record. values need not be sorted; timestamps are set to now unless
 * REG_KEEP_TIMESTAMPS. For kind != REC_KIND_NONE the kind value (REC_KIND_INDEX) is added
 * if absent, and must match if present. Items (kind != NONE) must not use `0.NA/` handles.
 * @param outcome  REG_CREATED or REG_UNCHANGED on success (may be NULL).
 * @return IDR_OK, IDR_ECONFLICT, IDR_EID_*, IDR_EPFX_*, IDR_EREC_*, IDR_ENOSPC (map full), ...
 *         On a rule violation the transaction is still usable (the failed create changed
 *         nothing); after a store failure it is abort-only (see reg_write_commit).
 */
int reg_create(struct reg_wtxn *w, struct slice id, enum rec_kind kind, const struct value *values,
               size_t n, unsigned flags, enum reg_outcome *outcome) IDR_MUSTCHECK;

/** Add values; any index already present is IDR_EEXIST (nothing is added). */
int reg_add_values(struct reg_wtxn *w, struct slice id, const struct value *values,
                   size_t n) IDR_MUSTCHECK;

/** Replace values by index; an index not present is IDR_EREC_NOVALUE. */
int reg_modify_values(struct reg_wtxn *w, struct slice id, const struct value *values,
                      size_t n) IDR_MUSTCHECK;

/**
 * Add or replace values by index (the REST API's PUT with `index`, `idr set`): a value whose
 * index is absent is added, one present is replaced (its kind rules as reg_modify_values).
 * @param outcome  REG_CREATED if a value was added, REG_UPDATED if only replaced ones differ,
 *                 REG_UNCHANGED if every value was already there as given (nothing written).
 */
int reg_set_values(struct reg_wtxn *w, struct slice id, const struct value *values, size_t n,
                   enum reg_outcome *outcome) IDR_MUSTCHECK;

/** Remove values by index; an absent index is IDR_EREC_NOVALUE; removing all is refused. */
int reg_remove_values(struct reg_wtxn *w, struct slice id, const uint32_t *indexes,
                      size_t n) IDR_MUSTCHECK;

/**
 * Look a record up inside a write transaction: it sees the changes made in w so far (reg_get
 * in a read transaction does not). For tools that decide what to change from what is there
 * (`idr set`, `idr import --update`). The view borrows store memory valid until the next
 * write in w or its end; the record is parsed completely (rec_view_parse).
 * @return IDR_OK, IDR_ENOENT, an IDR_EID_* error, IDR_EPROTO (a damaged record), or the
 *         store failure of an abort-only w.
 */
int reg_write_get(struct reg_wtxn *w, struct slice id, struct rec_view *out) IDR_MUSTCHECK;

/** Delete a record. @return IDR_OK or IDR_ENOENT. */
int reg_delete(struct reg_wtxn *w, struct slice id) IDR_MUSTCHECK;

/* ---------------------------------------------------------------- prefixes */

/**
 * Host an enterprise prefix beneath the node prefix (e.g. 88.118.8 under 88.118), with an
 * owner name and initial state; also creates its prefix handle 0.NA/<prefix> (HS_ADMIN).
 * Same prefix, owner and state again: REG_UNCHANGED; a different owner or state:
 * IDR_ECONFLICT (states change with reg_prefix_set_state). At most PFX_MAX_LEN bytes.
 */
int reg_prefix_add(struct reg_wtxn *w, struct slice prefix, struct slice owner, int state,
                   enum reg_outcome *outcome) IDR_MUSTCHECK;

/** Change a hosted prefix's state (the node prefix's state cannot change: IDR_EPFX_NODE). */
int reg_prefix_set_state(struct reg_wtxn *w, struct slice prefix, int state) IDR_MUSTCHECK;

/**
 * Take the owner of a hosted prefix (the node prefix too) from restored data, e.g. an export
 * imported into a directory made by `idr init` without --owner: a prefix without an owner
 * gets this one (journaled like a state change; *outcome REG_UPDATED); the same owner is
 * REG_UNCHANGED; a different non-empty owner is IDR_ECONFLICT and is kept. State and times
 * are left as they are.
 * @param current  if not NULL, the owner hosted before the call (borrows store memory, valid
 *                 until the next write in w).
 * @return IDR_OK, IDR_ECONFLICT, IDR_EPFX_UNKNOWN (not hosted), an IDR_EID_* code (not a
 *         prefix), IDR_EUTF8/IDR_ECTRL/IDR_ELIMIT (owner), or a store error.
 */
int reg_prefix_adopt_owner(struct reg_wtxn *w, struct slice prefix, struct slice owner,
                           struct slice *current, enum reg_outcome *outcome) IDR_MUSTCHECK;

/*
 * Onboarding (ref/idis.md §2.3): an enterprise applies for a prefix (state 4 待审核) with its
 * name, unified social credit code, GB/T 4754 industry and a contact; an auditor approves
 * (state 1 启用) or rejects (state 3 被驳回) it. The applicant and the auditor are the
 * identities of the write transactions (reg_write_begin / reg_write_identity), recorded in the
 * prefix record and, as for every change, in the journal.
 *
 * Approval makes the enterprise its own administrator, in the same transaction:
 *  - the identity <prefix>/ADMIN (REG_ADMIN_SUFFIX) gets its key at index 300
 *    (REG_ADMIN_KEY_INDEX): an HS_PUBKEY, or an HS_SECKEY holding the hashed secret (lower-case
 *    hex SHA-1 of it), readable by administrators only; the record is created if absent, its
 *    index 300 replaced if present;
 *  - the prefix handle 0.NA/<prefix> gets an HS_VLIST group at index 300 naming
 *    (<prefix>/ADMIN, 300), or the identity is added to the group already there. Every record
 *    under the prefix carries by default an HS_ADMIN naming (0.NA/<prefix>, 300) (reg_create),
 *    and so does the prefix handle itself: through this group the enterprise administrator
 *    may create, change and delete under its prefix and nowhere else. Records written before
 *    keep working unchanged (their HS_ADMIN already names index 300). An index 300 holding
 *    anything but a group (e.g. a key put there by hand) is left alone and the approval is
 *    refused with IDR_EPFX_ADMINSLOT.
 */
#define REG_ADMIN_SUFFIX    "ADMIN" /* the enterprise administrator <prefix>/ADMIN */
#define REG_ADMIN_KEY_INDEX 300     /* index of its key, and of the group at 0.NA/<prefix> */
#define REG_ADMIN_GROUP_MAX 256     /* members of that group read at most */

/** An application for a prefix. Every field is required (bytes; limits in pfx.h). */
struct reg_prefix_app {
	struct slice prefix;   /* requested prefix, strictly beneath the node prefix */
	struct slice owner;    /* enterprise name (UTF-8) */
	struct slice uscc;     /* unified social credit code (ent_uscc_check) */
	struct slice industry; /* GB/T 4754 code (ent_industry_check) */
	struct slice contact;  /* contact person, telephone, e-mail (UTF-8, free text) */
};

/**
 * Apply for a prefix: it is hosted in state 4 (待审核) with the application and its prefix
 * handle is created (records cannot be written under it until approval). The same application
 * again while pending is REG_UNCHANGED; a rejected one may be made again (REG_UPDATED: the
 * new application replaces the old, the decision is cleared).
 * @return IDR_OK; IDR_EPFX_APPLIED (hosted or pending with other details); the checks of
 *         reg_prefix_add (IDR_EID_*, IDR_ELIMIT, IDR_EPFX_NODE, IDR_EPFX_NOTBELOW, IDR_EUTF8,
 *         IDR_ECTRL); IDR_EINVAL (an empty field); IDR_EPFX_USCC_*; IDR_EPFX_INDUSTRY; a store
 *         error.
 */
int reg_prefix_apply(struct reg_wtxn *w, const struct reg_prefix_app *a,
                     enum reg_outcome *outcome) IDR_MUSTCHECK;

/** A decision on an application. */
struct reg_prefix_decision {
	struct slice prefix;
	bool approve;        /* true: state 1 and the administrator; false: state 3 */
	struct slice reason; /* may be empty (<= PFX_MAX_REASON bytes, UTF-8) */
	/* approve: the key value of <prefix>/ADMIN at index 300 */
	struct slice key_type; /* "HS_PUBKEY" or "HS_SECKEY" */
	struct slice key_data; /* the HS_PUBKEY encoding, or the hashed secret */
};

/**
 * Approve or reject a pending application (state 4 or 5), recording the transaction's identity
 * as the auditor. An identity under the prefix itself cannot decide (IDR_EDENIED).
 * @return IDR_OK; IDR_EPFX_UNKNOWN; IDR_EPFX_UNDECIDED (not in state 4 or 5); IDR_EPFX_NODE;
 *         IDR_EDENIED; IDR_EINVAL (key type not HS_PUBKEY/HS_SECKEY, empty key); IDR_ELIMIT /
 *         IDR_EUTF8 / IDR_ECTRL (reason); IDR_EPFX_ADMINSLOT; a store error. A rule broken after
 *         the prefix record was written (which the checks before make unlikely) leaves w
 *         abort-only, so that an approval never commits half done.
 */
int reg_prefix_decide(struct reg_wtxn *w, const struct reg_prefix_decision *d) IDR_MUSTCHECK;

/* ---------------------------------------------------------------- metadata templates */

/*
 * Metadata templates (元数据模板, model/tmpl.h) of hosted prefixes: one per (prefix, version)
 * in the `templates` database, each change journaled (JRN_OP_TEMPLATE: identifier = the
 * prefix, payload = the stored template). Rules:
 *  - only a hosted prefix (any state) may have templates (IDR_EPFX_UNKNOWN);
 *  - a version is created as a draft; a draft may be updated (tmpl_merge: items are added or
 *    replaced, never removed), get items, and have items disabled;
 *  - publishing makes the version immutable: any later update, item add or item disable is
 *    IDR_ETMPL_PUBLISHED (make a new version instead); a version needs an enabled item to be
 *    published (IDR_ETMPL_INVALID);
 *  - states: draft -> published -> withdrawn -> published ...; withdrawing a draft is
 *    IDR_ETMPL_STATE; publishing a published (withdrawing a withdrawn) version is
 *    REG_UNCHANGED; only published versions accept registrations (reg_create);
 *  - nothing is ever deleted: items are disabled, versions withdrawn.
 * After a call returns an IDR_ETMPL_* code (or IDR_ECONFLICT, IDR_ELIMIT from a template
 * call), reg_write_detail(w) names the field and the rule.
 */

/**
 * Create version t->version of t->prefix's template as a draft (t's state and times are
 * ignored; created/changed become now). The same definition again is REG_UNCHANGED; a
 * different one is IDR_ECONFLICT for a draft (use reg_tmpl_update) or IDR_ETMPL_PUBLISHED.
 * @return IDR_OK, IDR_ETMPL_INVALID, IDR_EPFX_UNKNOWN, IDR_ECONFLICT, IDR_ETMPL_PUBLISHED, an
 *         IDR_EID_* code for a bad prefix, or a store error.
 */
int reg_tmpl_create(struct reg_wtxn *w, const struct tmpl *t,
                    enum reg_outcome *outcome) IDR_MUSTCHECK;

/**
 * Update a draft with the national PUT semantics (tmpl_merge). @return IDR_OK,
 * IDR_ETMPL_UNKNOWN, IDR_ETMPL_PUBLISHED, IDR_ETMPL_INVALID, or a store error.
 */
int reg_tmpl_update(struct reg_wtxn *w, const struct tmpl *upd) IDR_MUSTCHECK;

/** Publish a version (see the state rules). @return IDR_OK, IDR_ETMPL_UNKNOWN, ... */
int reg_tmpl_publish(struct reg_wtxn *w, struct slice prefix, struct slice version,
                     enum reg_outcome *outcome) IDR_MUSTCHECK;

/** Withdraw a published version. @return IDR_OK, IDR_ETMPL_UNKNOWN, IDR_ETMPL_STATE, ... */
int reg_tmpl_withdraw(struct reg_wtxn *w, struct slice prefix, struct slice version,
                      enum reg_outcome *outcome) IDR_MUSTCHECK;

/**
 * Add an item to a draft (it->index 0: the next free index from 2000).
 * @param index  if not NULL, receives the item's index.
 * @return IDR_OK, IDR_ETMPL_UNKNOWN, IDR_ETMPL_PUBLISHED, IDR_ETMPL_INVALID or a store error.
 */
int reg_tmpl_item_add(struct reg_wtxn *w, struct slice prefix, struct slice version,
                      const struct tmpl_item *it, uint32_t *index) IDR_MUSTCHECK;

/**
 * Disable an item of a draft, named by its index (decimal) or its key; the item stays in
 * the template. Disabling a disabled item is REG_UNCHANGED.
 * @return IDR_OK, IDR_ETMPL_UNKNOWN, IDR_ETMPL_ITEM, IDR_ETMPL_PUBLISHED or a store error.
 */
int reg_tmpl_item_disable(struct reg_wtxn *w, struct slice prefix, struct slice version,
                          struct slice item, enum reg_outcome *outcome) IDR_MUSTCHECK;

/**
 * The detail of the last failed template call or template-checked create in w: which
 * field and which rule, e.g. "weight (2003): number 12.5 above maximum 10". "" if none.
 * Valid until the next call on w.
 */
const char *reg_write_detail(const struct reg_wtxn *w);

/**
 * A version of prefix's template (a heap copy: the caller frees it with tmpl_free).
 * @return IDR_OK, IDR_ETMPL_UNKNOWN, an IDR_EID_* code, or a store/decode error.
 */
int reg_tmpl_get(struct reg_rtxn *t, struct slice prefix, struct slice version,
                 struct tmpl **out) IDR_MUSTCHECK;

/** Visit the versions of prefix's template in version byte order; cb returns non-zero to
 * stop (that value is returned). The template is valid during the call only. */
typedef int (*reg_tmpl_fn)(void *arg, const struct tmpl *t);
int reg_tmpl_list(struct reg_rtxn *t, struct slice prefix, reg_tmpl_fn cb, void *arg);

/**
 * Check values against a version of prefix's template in any state (a dry run of the
 * registration check). @return IDR_OK, IDR_ETMPL_RECORD (rep says why), IDR_ETMPL_UNKNOWN
 * or a store error.
 */
int reg_tmpl_check(struct reg_rtxn *t, struct slice prefix, struct slice version,
                   const struct value *v, size_t n, struct tmpl_report *rep);

/* ---------------------------------------------------------------- reads */

/**
 * Begin a read transaction (a consistent snapshot). Cheap; for a long-lived worker, keep one
 * and use reg_read_reset/reg_read_renew around each request.
 */
int reg_read_begin(struct reg *r, struct reg_rtxn **out) IDR_MUSTCHECK;
void reg_read_end(struct reg_rtxn *t); /* accepts NULL */
void reg_read_reset(struct reg_rtxn *t);
int reg_read_renew(struct reg_rtxn *t) IDR_MUSTCHECK;
/** Store reads (gets and cursor moves) made in t since it began: see store_txn_reads. */
uint64_t reg_rtxn_reads(const struct reg_rtxn *t);

/**
 * Look up a record by identifier (ASCII case-insensitive). The view borrows store memory valid
 * until the transaction ends or is reset. id is parsed with the registry's limits.
 * @return IDR_OK, IDR_ENOENT or an IDR_EID_* syntax error.
 */
int reg_get(struct reg_rtxn *t, struct slice id, struct rec_view *out) IDR_MUSTCHECK;

/**
 * Same as reg_get with an already folded key (ident_fold of a parsed identifier): the hot
 * path of the resolver, which validates and folds once itself.
 */
int reg_get_folded(struct reg_rtxn *t, struct slice key, struct rec_view *out) IDR_MUSTCHECK;

/** Look up a hosted prefix. @return IDR_OK or IDR_ENOENT. */
int reg_prefix_get(struct reg_rtxn *t, struct slice prefix, struct pfx_info *out) IDR_MUSTCHECK;

/**
 * Which hosted prefix serves an identifier's prefix: IDR_OK (hosted and enabled),
 * IDR_EPFX_UNKNOWN (not hosted here) or IDR_EPFX_DISABLED.
 */
int reg_prefix_check(struct reg_rtxn *t, struct slice prefix) IDR_MUSTCHECK;

/** Visit hosted prefixes in key order. cb returns non-zero to stop (that value is returned). */
int reg_prefix_list(struct reg_rtxn *t, pfx_fn cb, void *arg);

/**
 * List records under a prefix (all of them with an empty prefix) in key order, paged.
 * @param after  resume after this folded key (empty: from the start); the key of the last
 *               record visited is what to pass next time (struct reg_list_page.next).
 * @param kind   REC_KIND_NONE for all kinds, else only that kind.
 * @param limit  at most this many records (0 = no limit).
 * cb returns non-zero to stop early (then that value is returned).
 */
typedef int (*reg_record_fn)(void *arg, struct slice key, const struct rec_view *rec);
int reg_list(struct reg_rtxn *t, struct slice prefix, struct slice after, enum rec_kind kind,
             size_t limit, reg_record_fn cb, void *arg);

/**
 * Skip n records under a prefix in key order, after `after` (as reg_list), reading keys only.
 * @param last     receives the store key of the last record skipped (pass it to reg_list or
 *                 here as `after` to go on); *last_len is 0 if none was.
 * @param skipped  how many were (fewer than n at the end of the prefix).
 * @return IDR_OK, an IDR_EID_* error for a bad prefix, or a store error.
 */
int reg_list_skip(struct reg_rtxn *t, struct slice prefix, struct slice after, uint64_t n,
                  uint8_t last[STORE_KEY_MAX], size_t *last_len, uint64_t *skipped);

/**
 * The sequence number of the last change (journal entry) visible in t: equal numbers mean
 * equal data. @return IDR_OK or a store error (*seq is then 0).
 */
int reg_changes(struct reg_rtxn *t, uint64_t *seq);

/** Count of records under a prefix (exact prefix, all kinds) from the counters. */
int reg_count(struct reg_rtxn *t, struct slice prefix, uint64_t *out);

/** Counters: (prefix, kind, count) for every prefix with records, in key order. */
typedef int (*reg_stat_fn)(void *arg, struct slice prefix, enum rec_kind kind, uint64_t count);
int reg_stats(struct reg_rtxn *t, reg_stat_fn cb, void *arg);

struct reg_store_info {
	uint64_t map_size;   /* configured address space */
	uint64_t used_bytes; /* pages in use x page size */
	uint64_t file_bytes; /* size of the data file */
	uint64_t records;
	uint64_t prefixes;
	uint64_t journal_entries;
	unsigned readers; /* reader slots in use */
	unsigned max_readers;
};
int reg_store_info(struct reg *r, struct reg_store_info *out);

/* ---------------------------------------------------------------- lifecycle events */

/*
 * Lifecycle events (EPCIS 2.0 aligned, append-only) and the link graph trace walks. The event
 * model (parsing, validation, the CBV 2.0 hash id) is the caller's; the registry stores what
 * it is given, in the same transaction as the journal entry:
 *  - `events`: id -> the event as stored (time, zone offset, the document bytes);
 *  - `evindex`: subject + time + id, so an item's timeline is one range read;
 *  - `links`: edges in both directions, so trace never scans.
 * Subjects and link ends are keys the caller has canonicalised (life/capture.h
 * life_capture_key: a handle folded with ident_fold, a GS1 identity as its alias key),
 * 1..REG_EVENT_KEY_MAX bytes. Capturing an event whose id is there already changes nothing
 * (REG_UNCHANGED): capture is idempotent.
 *
 * Aliases join events to handles, whatever the order (see the aliases section): a capture
 * stores an identifier whose identity has an alias under the alias's handle
 * (reg_alias_write_join); reg_alias_add moves what was captured under that identity before
 * to its handle (in its own transaction). So a handle's timeline and links hold everything
 * captured under any of its aliases, and a query or a trace reads exactly what it read
 * before: one cursor seek per timeline, one per trace node and direction (plus one
 * reg_alias_join get to resolve the root it is given).
 */
#define REG_EVENT_ID_LEN       32  /* SHA-256 of the CBV 2.0 hash */
#define REG_EVENT_KEY_MAX      220 /* bytes of a subject or link end (LMDB key room) */
#define REG_EVENT_DOC_MAX      (1u << 20)
#define REG_EVENT_MAX_SUBJECTS 4096
#define REG_EVENT_MAX_LINKS    4096
#define REG_TRACE_MAX_DEPTH    64

/* Link kinds: what relates the two ends ("from" is made of / contains "to"). */
enum reg_link_kind {
	REG_LINK_AGGREGATION = 1,    /* parent contains child (ADD opens, DELETE closes) */
	REG_LINK_TRANSFORMATION = 2, /* output was made from input */
	REG_LINK_ASSOCIATION = 3     /* parent is associated with child (ADD/DELETE as above) */
};

enum reg_link_action { REG_LINK_ADD = 1, REG_LINK_DELETE = 2 };

/** One edge an event makes: from = parent / output, to = child / input. */
struct reg_event_link {
	enum reg_link_kind kind;
	enum reg_link_action action; /* REG_LINK_ADD for transformations */
	struct slice from, to;
};

/** An event to store. */
struct reg_event_put {
	uint8_t id[REG_EVENT_ID_LEN];
	int64_t time_ms;  /* eventTime, UTC milliseconds */
	int16_t tz_min;   /* eventTimeZoneOffset in minutes */
	struct slice doc; /* the event as stored and returned (e.g. its EPCIS JSON-LD) */
	const struct slice *subjects; /* the identifiers whose timelines it joins (distinct) */
	size_t nsubjects;
	const struct reg_event_link *links;
	size_t nlinks;
};

/**
 * Store an event: its document, one timeline entry per subject, its links in both directions,
 * and a journal entry (JRN_OP_EVENT) with the transaction's identity.
 * @param outcome  REG_CREATED, or REG_UNCHANGED if an event with that id is stored (may be NULL).
 * @return IDR_OK, IDR_EINVAL (no subject, empty key), IDR_ELIMIT (a key over
 *         REG_EVENT_KEY_MAX, too many subjects or links, document too long), or a store error.
 */
int reg_event_add(struct reg_wtxn *w, const struct reg_event_put *e,
                  enum reg_outcome *outcome) IDR_MUSTCHECK;

/**
 * Replication only: store a shipped event (stored = the JRN_OP_EVENT payload, as the primary
 * stored it) with its timeline entries and links (keys->subjects, keys->links; the id, time
 * and document come from stored) without a journal entry: the caller writes the shipped
 * entry itself. @return IDR_OK, IDR_EPROTO (stored is malformed), the checks of
 * reg_event_add, or a store error (w is then abort-only).
 */
int reg_event_replay(struct reg_wtxn *w, struct slice stored,
                     const struct reg_event_put *keys) IDR_MUSTCHECK;

/** A stored event as read back. */
struct reg_event_view {
	const uint8_t *id; /* REG_EVENT_ID_LEN bytes */
	int64_t time_ms;
	int16_t tz_min;
	int64_t record_ms; /* when it was stored */
	struct slice doc;
};

/** Look an event up by id. @return IDR_OK, IDR_ENOENT or a store error. */
int reg_event_get(struct reg_rtxn *t, const uint8_t id[REG_EVENT_ID_LEN],
                  struct reg_event_view *out) IDR_MUSTCHECK;

typedef int (*reg_event_fn)(void *arg, const struct reg_event_view *ev);

/**
 * An item's timeline: the events of subject with from_ms <= time < to_ms, in time order (ties
 * by id), at most limit (0: all). cb returns non-zero to stop (that value is returned).
 * @return IDR_OK, cb's value, IDR_ELIMIT (key too long) or a store error.
 */
int reg_events(struct reg_rtxn *t, struct slice subject, int64_t from_ms, int64_t to_ms,
               size_t limit, reg_event_fn cb, void *arg);

/**
 * An item's timeline newest first: the latest `limit` events of subject (time descending, ties
 * by id descending) reported to cb, then the older ones counted from the index alone (no
 * document read), at most count_max of them, so a page can say how many more there are
 * without reading a long history twice.
 * @param more  receives the number of older events, capped at count_max (may be NULL).
 * @return IDR_OK, cb's non-zero value, IDR_EINVAL/IDR_ELIMIT (bad key) or a store error.
 */
int reg_events_latest(struct reg_rtxn *t, struct slice subject, size_t limit, size_t count_max,
                      reg_event_fn cb, void *arg, size_t *more);

enum reg_trace_dir {
	REG_TRACE_BACK = 1,   /* what it is made of / contains: from -> to */
	REG_TRACE_FORWARD = 2 /* where it went: to -> from */
};

/** One node reached by a trace. */
struct reg_trace_step {
	struct slice node;   /* the identifier reached (key form) */
	struct slice parent; /* the node it was reached from (empty for the root) */
	unsigned depth;      /* 0 for the root */
	enum reg_link_kind kind;
	const uint8_t *event_id; /* the event that made the link (NULL for the root) */
};

typedef int (*reg_trace_fn)(void *arg, const struct reg_trace_step *st);

/**
 * Walk the link graph from root, breadth first: each node is reported once (cycles cannot
 * loop), at most max_depth levels (<= REG_TRACE_MAX_DEPTH) and max_nodes nodes. Aggregation
 * and association links count only if, at at_ms, the latest of their ADD/DELETE events up to
 * at_ms was an ADD (INT64_MAX: now); transformation links whose event is after at_ms do not
 * count.
 * @param truncated  set when a cap stopped the walk (may be NULL).
 * @return IDR_OK, cb's non-zero value, IDR_EINVAL (bad depth), IDR_ENOMEM or a store error.
 */
int reg_trace(struct reg_rtxn *t, struct slice root, enum reg_trace_dir dir, unsigned max_depth,
              size_t max_nodes, int64_t at_ms, reg_trace_fn cb, void *arg, bool *truncated);

/* ---------------------------------------------------------------- aliases */

/*
 * Aliases: other identifiers of an item (its GS1 key, EPC URN, OID, Ecode or MA code) that
 * lead to its handle, so that a scanner reading any of them finds the record. Keys are the
 * canonical forms of life/alias.h (alias_key); reg_alias_add refuses a key that is not.
 * Database `aliases`: alias key -> the handle as registered, and 0x00 + folded handle + 0x00 +
 * alias key -> (empty) for the aliases of a handle. Each add or remove is journaled
 * (JRN_OP_ALIAS, identifier = the handle, payload u8 1 add / 2 remove + the key). Deleting a
 * record removes its aliases.
 * Event joins: 0x01 + the event key of an alias (life_capture_key of the alias text: an EPC
 * URN's is its GS1 key, so `urn:epc:id:sgtin:...` and `(01)...(21)...` aliases of an item
 * share one) -> the handle. reg_alias_add writes it and moves the timeline entries and links
 * stored under that event key to the folded handle (so they are not moved back if the alias
 * goes: reg_alias_del drops the join, unless another alias of the handle has the same event
 * key, and later captures key the identity by itself again). When aliases of one identity
 * lead to two handles, the later add joins.
 */
#define REG_ALIAS_MAX        250 /* bytes of an alias key (life/alias.h ALIAS_KEY_MAX) */
#define REG_ALIAS_HANDLE_MAX 255 /* bytes of a handle that may have aliases */

/**
 * Make alias (a canonical key) lead to handle, which must be registered (also earlier in w).
 * @param outcome  REG_CREATED, or REG_UNCHANGED when it leads there already (may be NULL).
 * @return IDR_OK; IDR_EINVAL (alias not canonical: reg_write_detail(w) says why);
 *         IDR_ELIMIT (alias or handle too long); IDR_ENOENT (handle not registered);
 *         IDR_ECONFLICT (the alias leads to another handle: reg_write_detail(w) names it);
 *         an IDR_EID_* code; or a store error.
 */
int reg_alias_add(struct reg_wtxn *w, struct slice alias, struct slice handle,
                  enum reg_outcome *outcome) IDR_MUSTCHECK;

/**
 * Remove an alias (journaled with the handle it led to).
 * @return IDR_OK, IDR_ENOENT (no such alias), IDR_ELIMIT, or a store error.
 */
int reg_alias_del(struct reg_wtxn *w, struct slice alias) IDR_MUSTCHECK;

/**
 * The handle an alias leads to (borrows the transaction).
 * @return IDR_OK, IDR_ENOENT, IDR_ELIMIT/IDR_EINVAL (not a possible key) or a store error.
 */
int reg_alias_get(struct reg_rtxn *t, struct slice alias, struct slice *handle) IDR_MUSTCHECK;

/**
 * The handle whose timeline the event key (life_capture_key) of an identity joins: one get.
 * The handle is as registered (fold it to key events) and borrows the transaction.
 * @return IDR_OK, IDR_ENOENT (no alias joins it), IDR_EINVAL/IDR_ELIMIT (not a possible event
 *         key) or a store error.
 */
int reg_alias_join(struct reg_rtxn *t, struct slice key, struct slice *handle) IDR_MUSTCHECK;

/** reg_alias_join in a write transaction (a capture), seeing its earlier writes. */
int reg_alias_write_join(struct reg_wtxn *w, struct slice key, struct slice *handle) IDR_MUSTCHECK;

/** Visit the aliases of handle in key order; cb returns non-zero to stop (that is returned). */
typedef int (*reg_alias_fn)(void *arg, struct slice alias);
int reg_alias_list(struct reg_rtxn *t, struct slice handle, reg_alias_fn cb, void *arg);

/* ---------------------------------------------------------------- split */

/*
 * A store split into the per-server stores of a site (idr split, resolver/core/shard.h): the
 * records go by import; the lifecycle data goes as stored, keys already joined to handles, by
 * what each entry is filed under. The copy writes no journal entries (a split writes new
 * stores; their journals hold what the import wrote).
 */

/** What an entry offered to a reg_split_fn is filed under. */
enum reg_split_kind {
	REG_SPLIT_TIMELINE = 1, /* key: the subject of a timeline entry (event key) */
	REG_SPLIT_LINK = 2,     /* key: the node one direction of a link is stored under */
	REG_SPLIT_ALIAS = 3     /* key: the handle an alias, its reverse entry or a join leads to */
};

/** True if the output takes the entry filed under key. */
typedef bool (*reg_split_fn)(void *arg, enum reg_split_kind kind, struct slice key);

/** What reg_split_copy copied. */
struct reg_split_stats {
	uint64_t timeline; /* timeline entries */
	uint64_t links;    /* link entries (each direction counts) */
	uint64_t events;   /* event documents (each once, however many entries name it) */
	uint64_t aliases;  /* alias keys */
};

/**
 * Copy into dst the aliases (with their reverse entries and event joins), timeline entries and
 * link entries of src that take accepts, and every event document a copied entry names.
 * @return IDR_OK, IDR_EPROTO (a malformed entry in src: abort dst) or a store error (dst
 *         is then abort-only).
 */
int reg_split_copy(struct reg_rtxn *src, struct reg_wtxn *dst, reg_split_fn take, void *arg,
                   struct reg_split_stats *st) IDR_MUSTCHECK;

/** One link (from contains / is made of to), as stored; cb returns non-zero to stop. */
typedef int (*reg_link_fn)(void *arg, struct slice from, struct slice to);

/**
 * Visit every link of the store once, whatever its kind, action or time.
 * @return IDR_OK, cb's value, IDR_EPROTO (a malformed entry) or a store error.
 */
int reg_link_walk(struct reg_rtxn *t, reg_link_fn cb, void *arg);

/* ---------------------------------------------------------------- journal */

/** Visit journal entries with seq >= from in order; cb returns non-zero to stop. */
int reg_journal_walk(struct reg_rtxn *t, uint64_t from, jrn_fn cb, void *arg);

/*
 * Retention (jrn.h "checkpoint and fold"): the oldest entries are folded into a checkpoint in
 * bounded steps, one per write transaction, so readers and other writers wait at most one
 * step. A caller that ships the journal to followers passes the lowest seq they all
 * acknowledged (+ 1) as the upper bound.
 */

/**
 * One fold step in w: remove at most max (0: JRN_FOLD_BATCH) of the oldest entries with
 * seq < before and advance the checkpoint (jrn_fold). Commit w, then call again while
 * out->more. @return IDR_OK; IDR_EJOURNAL (the chain is broken there: nothing changed, w
 * stays usable); a store error (w is abort-only).
 */
int reg_journal_fold(struct reg_wtxn *w, uint64_t before, size_t max,
                     struct jrn_fold_result *out) IDR_MUSTCHECK;

/** The fold bound of a retention rule at now_ms (jrn_bound). */
int reg_journal_bound(struct reg_rtxn *t, const struct jrn_retention *r, uint64_t now_ms,
                      uint64_t *out) IDR_MUSTCHECK;

/** The journal's share of the store, for `idr stats`. */
struct reg_journal_info {
	struct jrn_ckpt ckpt;   /* the checkpoint (seq 0: nothing folded) */
	uint64_t head_seq;      /* the last entry */
	uint64_t entries;       /* entries kept */
	uint64_t journal_bytes; /* LMDB: pages of the journal x page size (memory: bytes) */
	uint64_t store_bytes;   /* the same summed over every database */
};
/** @return IDR_OK, IDR_EJOURNAL (malformed head or checkpoint) or a store error. */
int reg_journal_info(struct reg_rtxn *t, struct reg_journal_info *out) IDR_MUSTCHECK;

#endif /* IDR_REGISTRY_REG_H */
