/*
 * store.h - key/value storage with named databases and transactions: the only module that
 * knows LMDB (registry/store.c includes lmdb.h; nothing else does).
 *
 * Two backends behind one vtable (struct store_ops in store.c): LMDB (one environment per
 * data directory, opened with MDB_NOTLS so a read transaction may move between threads,
 * stale readers cleared at open and on MDB_READERS_FULL) and an in-memory backend for tests
 * (sorted arrays; a single writer; aborted writes are undone; readers see committed data only
 * when no write transaction is open — good enough for single-threaded tests).
 *
 * Error mapping: MDB_NOTFOUND -> IDR_ENOENT, MDB_KEYEXIST -> IDR_EEXIST, MDB_MAP_FULL ->
 * IDR_ENOSPC, MDB_READERS_FULL -> IDR_EREADERS, MDB_VERSION_MISMATCH/MDB_INVALID ->
 * IDR_ESCHEMA, other LMDB errors -> IDR_ESTORE (logged with mdb_strerror), errno values 1:1.
 *
 * Lifetimes: slices returned by get/cursor point into the store and stay valid until the
 * transaction ends, is reset, or (in a write transaction) the next write. Thread-safety: a
 * struct store is shared; a transaction or cursor is used by one thread at a time.
 */
#ifndef IDR_REGISTRY_STORE_H
#define IDR_REGISTRY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "slice.h"

enum store_db {
	STORE_DB_META = 0, /* schema version, node identity, journal head */
	STORE_DB_HANDLES,  /* folded identifier -> stored record (rec.h) */
	STORE_DB_PREFIXES, /* folded prefix -> prefix record */
	STORE_DB_JOURNAL,  /* u64 big-endian sequence -> journal entry */
	STORE_DB_STATS,    /* folded prefix + 0x00 + kind -> u64 count */
	STORE_DB_COUNT
};

enum store_backend { STORE_BACKEND_LMDB = 0, STORE_BACKEND_MEMORY = 1 };

struct store_opts {
	enum store_backend backend;
	const char *path;     /* LMDB: the environment directory (created if create is set) */
	uint64_t map_size;    /* LMDB map size in bytes */
	unsigned max_readers; /* 0 = LMDB default (126) */
	bool read_only;
	bool create;  /* create the directory and databases if missing */
	bool no_sync; /* MDB_NOSYNC: commits are not fsynced; store_sync() flushes */
};

/* put flags */
#define STORE_NOOVERWRITE 0x1 /* IDR_EEXIST if the key exists; *existing set if asked */
#define STORE_APPEND      0x2 /* key sorts after every existing key (fast path, e.g. journal) */

/* transaction flags */
#define STORE_TXN_READ  0x0
#define STORE_TXN_WRITE 0x1

struct store;
struct store_txn;
struct store_cursor;

/** Name of a database ("meta", "handles", ...). */
const char *store_db_name(enum store_db db);

/**
 * Open (and with o->create, create) a store.
 * @return IDR_OK, IDR_ENOENT (missing and !create), IDR_ESCHEMA, IDR_ESTORE, IDR_ENOMEM, ...
 */
int store_open(struct store **out, const struct store_opts *o) IDR_MUSTCHECK;
void store_close(struct store *s); /* accepts NULL; all transactions must be finished */

int store_txn_begin(struct store *s, unsigned flags, struct store_txn **out) IDR_MUSTCHECK;
/** Commit and free the transaction (also on failure). */
int store_txn_commit(struct store_txn *t) IDR_MUSTCHECK;
/** Abort and free (accepts NULL). */
void store_txn_abort(struct store_txn *t);
/** Read transactions only: release the snapshot but keep the handle for renew. */
void store_txn_reset(struct store_txn *t);
int store_txn_renew(struct store_txn *t) IDR_MUSTCHECK;
bool store_txn_is_write(const struct store_txn *t);

/** @return IDR_OK (val set) or IDR_ENOENT. */
int store_get(struct store_txn *t, enum store_db db, struct slice key, struct slice *val);

/**
 * Store key -> val. With STORE_NOOVERWRITE an existing key gives IDR_EEXIST and, if existing
 * is not NULL, *existing = the current value.
 */
int store_put(struct store_txn *t, enum store_db db, struct slice key, struct slice val,
              unsigned flags, struct slice *existing);

/** @return IDR_OK or IDR_ENOENT. */
int store_del(struct store_txn *t, enum store_db db, struct slice key);

/** Number of entries in a database. */
int store_count(struct store_txn *t, enum store_db db, uint64_t *out);

int store_cursor_open(struct store_txn *t, enum store_db db, struct store_cursor **out);
void store_cursor_close(struct store_cursor *c); /* accepts NULL */
/** Position at the first key >= key. @return IDR_OK or IDR_ENOENT (past the end). */
int store_cursor_seek(struct store_cursor *c, struct slice key, struct slice *k, struct slice *v);
int store_cursor_first(struct store_cursor *c, struct slice *k, struct slice *v);
int store_cursor_last(struct store_cursor *c, struct slice *k, struct slice *v);
int store_cursor_next(struct store_cursor *c, struct slice *k, struct slice *v);
int store_cursor_prev(struct store_cursor *c, struct slice *k, struct slice *v);

struct store_info {
	uint64_t map_size;
	uint64_t used_bytes; /* last used page x page size */
	uint64_t file_bytes;
	unsigned readers;
	unsigned max_readers;
};
int store_info(struct store *s, struct store_info *out);

/** Flush to disk (meaningful with no_sync). */
int store_sync(struct store *s);

#endif /* IDR_REGISTRY_STORE_H */
