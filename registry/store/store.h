/*
 * store.h - key/value storage with named databases and transactions: the only module that
 * knows LMDB (registry/store.c includes lmdb.h; nothing else does).
 *
 * Two backends behind one vtable (struct store_ops in store_int.h): LMDB (one environment per
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
 * struct store is shared; a transaction or cursor is used by one thread at a time (the memory
 * backend is for single-threaded use only).
 *
 * Common errors of every call taking a transaction: IDR_EINVAL for a bad argument (NULL, an
 * unknown database, a key that is empty or longer than STORE_KEY_MAX, unknown flags; nothing
 * changes), IDR_ESTATE on a reset read transaction, IDR_EACCES for a write in a read
 * transaction. A write transaction whose put or del failed with anything but IDR_EEXIST or
 * IDR_ENOENT (e.g. IDR_ENOSPC when the map is full) is broken: every later call returns that
 * error and store_txn_commit() aborts it and returns it. Cursors belong to their transaction:
 * when it ends or is reset they stop working (IDR_ESTATE) but must still be closed.
 */
#ifndef IDR_REGISTRY_STORE_STORE_H
#define IDR_REGISTRY_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"

enum store_db {
	STORE_DB_META = 0,  /* schema version, node identity, journal head */
	STORE_DB_HANDLES,   /* folded identifier -> stored record (rec.h) */
	STORE_DB_PREFIXES,  /* folded prefix -> prefix record */
	STORE_DB_JOURNAL,   /* u64 big-endian sequence -> journal entry */
	STORE_DB_STATS,     /* folded prefix + 0x00 + kind -> u64 count */
	STORE_DB_TEMPLATES, /* folded prefix + 0x00 + version -> metadata template (tmpl.h) */
	STORE_DB_EVENTS,    /* 32-byte event id -> stored event (reg.h, lifecycle events) */
	STORE_DB_EVINDEX,   /* subject + 0x00 + be64 event time + event id -> (empty): timelines */
	STORE_DB_LINKS,     /* from + 0x00 + dir + to + 0x00 + event id -> link (trace edges) */
	STORE_DB_ALIASES,   /* alias key -> handle; 0x00 + folded handle + 0x00 + alias -> () */
	STORE_DB_COUNT
};

/*
 * Databases from STORE_DB_FIRST_LATE on were added after the first data directories were
 * made: opening an existing LMDB store without one creates it when the store is writable, and
 * a read-only open sees it as empty (get: IDR_ENOENT, count 0, cursors find nothing).
 */
#define STORE_DB_FIRST_LATE STORE_DB_TEMPLATES

enum store_backend { STORE_BACKEND_LMDB = 0, STORE_BACKEND_MEMORY = 1 };

struct store_opts {
	enum store_backend backend;
	const char *path;     /* LMDB: the environment directory (created if create is set) */
	uint64_t map_size;    /* LMDB map size in bytes */
	unsigned max_readers; /* 0 = LMDB default (126) */
	bool read_only;
	bool no_lock; /* LMDB with read_only: MDB_NOLOCK, the lock file is neither used nor made */
	bool create;  /* create the directory and databases if missing */
	bool no_sync; /* MDB_NOSYNC: commits are not fsynced; store_sync() flushes */
	bool random;  /* MDB_NORDAHEAD: point lookups (a resolver), no read-ahead; read_only implies
	                 it */
};

/* put flags */
#define STORE_NOOVERWRITE 0x1 /* IDR_EEXIST if the key exists; *existing set if asked */
#define STORE_APPEND      0x2 /* key sorts after every existing key (fast path, e.g. journal) */

/* Longest key in bytes (LMDB's compiled-in limit); keys are 1..STORE_KEY_MAX bytes long. */
#define STORE_KEY_MAX 511

/* transaction flags */
#define STORE_TXN_READ  0x0
#define STORE_TXN_WRITE 0x1

struct store;
struct store_txn;
struct store_cursor;

/** Name of a database ("meta", "handles", ...). */
const char *store_db_name(enum store_db db);

/**
 * Open (and with o->create, create) a store. LMDB: the directory is created with mode 0750,
 * the files with 0640; without create both the directory and its data.mdb must exist. The
 * memory backend ignores path and create and starts empty. read_only with create is IDR_EINVAL.
 * @return IDR_OK, IDR_ENOENT (missing and !create), IDR_ESCHEMA, IDR_ESTORE, IDR_ENOMEM, ...
 */
int store_open(struct store **out, const struct store_opts *o) IDR_MUSTCHECK;
void store_close(struct store *s); /* accepts NULL; all transactions must be finished */

/**
 * Begin a transaction (flags STORE_TXN_READ or STORE_TXN_WRITE); end it with commit or abort.
 * One write transaction at a time: LMDB makes a second writer wait (also in other processes),
 * but refuses one on the thread that already holds it; the memory backend refuses any second
 * writer. @return IDR_OK, IDR_EACCES (write on a read-only store), IDR_EBUSY, IDR_EREADERS
 * (reader table full after clearing stale readers), IDR_ENOMEM, IDR_ESTORE.
 */
int store_txn_begin(struct store *s, unsigned flags, struct store_txn **out) IDR_MUSTCHECK;
/**
 * Commit and free the transaction (also on failure). A read transaction just ends.
 * @return IDR_OK, IDR_ENOSPC (map full while committing; nothing was written), the error that
 * broke the transaction, IDR_EIO, IDR_ESTORE.
 */
int store_txn_commit(struct store_txn *t) IDR_MUSTCHECK;
/** Abort and free (accepts NULL). */
void store_txn_abort(struct store_txn *t);
/** Read transactions only (no-op otherwise): release the snapshot but keep the handle. */
void store_txn_reset(struct store_txn *t);
/**
 * Take a new snapshot for a reset read transaction.
 * @return IDR_OK, IDR_ESTATE (not reset), IDR_EINVAL (a write transaction), IDR_EREADERS.
 */
int store_txn_renew(struct store_txn *t) IDR_MUSTCHECK;
bool store_txn_is_write(const struct store_txn *t);
/**
 * Reads made in t since it began (across resets): store_get calls and cursor moves (seek,
 * first, last, next, prev) that reached the backend, found or not. A cheap counter for
 * benchmarks and statistics (`idr trace --stats`); 0 for NULL.
 */
uint64_t store_txn_reads(const struct store_txn *t);

/** @return IDR_OK (val set) or IDR_ENOENT. */
int store_get(struct store_txn *t, enum store_db db, struct slice key, struct slice *val);

/**
 * Store key -> val. With STORE_NOOVERWRITE an existing key gives IDR_EEXIST and, if existing
 * is not NULL, *existing = the current value (else *existing is set empty). With STORE_APPEND a
 * key that does not sort after the last key gives IDR_EEXIST. Values may be empty.
 * @return IDR_OK, IDR_EEXIST, IDR_ENOSPC (map full), IDR_ENOMEM, IDR_ESTORE, or a common error.
 */
int store_put(struct store_txn *t, enum store_db db, struct slice key, struct slice val,
              unsigned flags, struct slice *existing);

/** @return IDR_OK or IDR_ENOENT. */
int store_del(struct store_txn *t, enum store_db db, struct slice key);

/** Number of entries in a database. */
int store_count(struct store_txn *t, enum store_db db, uint64_t *out);

/** Size of one database as seen by a transaction. */
struct store_db_stat {
	uint64_t entries;
	uint64_t pages; /* LMDB: branch + leaf + overflow pages (memory: 0) */
	uint64_t bytes; /* LMDB: pages x page size (memory: key and value bytes) */
};
/** Entries and size of a database (LMDB mdb_stat). @return IDR_OK or a common error. */
int store_db_stat(struct store_txn *t, enum store_db db, struct store_db_stat *out);

int store_cursor_open(struct store_txn *t, enum store_db db, struct store_cursor **out);
void store_cursor_close(struct store_cursor *c); /* accepts NULL */
/*
 * Cursors behave like LMDB's: next/prev on a fresh cursor act as first/last; IDR_ENOENT past
 * either end (the cursor stays on the last/first entry; after a failed seek it sits just past
 * the last entry, so prev returns the last one). In a write transaction a cursor keeps its
 * entry across puts and deletes; if its entry is deleted, next returns the following entry.
 * k and v may be NULL.
 */
/** Position at the first key >= key. @return IDR_OK or IDR_ENOENT (past the end). */
int store_cursor_seek(struct store_cursor *c, struct slice key, struct slice *k, struct slice *v);
int store_cursor_first(struct store_cursor *c, struct slice *k, struct slice *v);
int store_cursor_last(struct store_cursor *c, struct slice *k, struct slice *v);
int store_cursor_next(struct store_cursor *c, struct slice *k, struct slice *v);
int store_cursor_prev(struct store_cursor *c, struct slice *k, struct slice *v);

struct store_info {
	uint64_t map_size;
	uint64_t used_bytes; /* last used page x page size (memory: key and value bytes) */
	uint64_t file_bytes; /* size of data.mdb (memory: 0) */
	unsigned readers;    /* most reader slots ever in use (LMDB me_numreaders) */
	unsigned max_readers;
};
int store_info(struct store *s, struct store_info *out);

/** Flush to disk (meaningful with no_sync). */
int store_sync(struct store *s);

/**
 * Adopt the map size another process recorded, when it is larger than this process's map
 * (LMDB: after IDR_ENOSPC, a writer retries its transaction if *grown). Transactions that
 * find the data grown beyond the map adopt it by themselves (MDB_MAP_RESIZED is never
 * returned): begin and renew wait while another thread of the process remaps.
 * Call with no transaction open on this thread.
 * @return IDR_OK, IDR_EBUSY (transactions stayed open for seconds) or a store error.
 */
int store_map_adopt(struct store *s, bool *grown) IDR_MUSTCHECK;

/**
 * Write a consistent, compacted copy of the whole store (a data.mdb, as of one read
 * transaction LMDB begins itself) to fd, from the calling thread; blocks until done. For
 * journal snapshots (a new follower opens it as its data directory's data.mdb).
 * @return IDR_OK, IDR_ESTATE (the memory backend), IDR_EINVAL, IDR_EPIPE (fd is a pipe or
 *         socket whose reader went away; not logged), IDR_EIO or IDR_ESTORE.
 */
int store_copy_fd(struct store *s, int fd) IDR_MUSTCHECK;

#endif /* IDR_REGISTRY_STORE_STORE_H */
