/*
 * store.c - the store API (argument checks, cursor tracking, poisoned write transactions) and
 * its LMDB backend. This is the only file in the tree that includes lmdb.h; LMDB error codes
 * are converted to IDR_E* in one place, lmdb_err(). The in-memory backend is store_mem.c.
 */
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <lmdb.h>

#include "base/log.h"
#include "store/store_int.h"

#define STORE_DIR_MODE  0750
#define STORE_FILE_MODE 0640
#define STORE_VAL_MAX   UINT32_MAX /* LMDB's largest data item */

static const char *const db_names[STORE_DB_COUNT] = {
        [STORE_DB_META] = "meta",         [STORE_DB_HANDLES] = "handles",
        [STORE_DB_PREFIXES] = "prefixes", [STORE_DB_JOURNAL] = "journal",
        [STORE_DB_STATS] = "stats",       [STORE_DB_TEMPLATES] = "templates",
        [STORE_DB_EVENTS] = "events",     [STORE_DB_EVINDEX] = "evindex",
        [STORE_DB_LINKS] = "links",       [STORE_DB_ALIASES] = "aliases",
};

/* ---- LMDB backend ------------------------------------------------------------------------ */

/*
 * A transaction of this process with its gate. The gate is held from begin or renew to reset
 * or end, i.e. while the transaction may point into the map: map_adopt takes every gate before
 * it remaps. A gate is taken only by its own transaction's thread, so on the request path it
 * is an uncontended lock of a private cache line.
 */
struct lmdb_txn {
	MDB_txn *txn;
	pthread_mutex_t gate;
	bool held;
	struct lmdb_txn *prev, *next; /* in lmdb_store.txns */
};

struct lmdb_store {
	MDB_env *env;
	MDB_dbi dbi[STORE_DB_COUNT];
	bool absent[STORE_DB_COUNT]; /* a late database missing from a read-only store */
	char *path;
	pthread_mutex_t lock; /* guards wtxn and writer */
	bool lock_init;
	MDB_txn *wtxn;             /* the open write transaction, if any */
	pthread_t writer;          /* the thread holding it */
	pthread_mutex_t txns_lock; /* guards txns and the writes of map_gen */
	bool txns_lock_init;
	struct lmdb_txn *txns;    /* every transaction of this process */
	_Atomic uint64_t map_gen; /* bumped each time the map is adopted (read without the lock:
	                             every transaction start reads it) */
};

#define ADOPT_TRIES    5000 /* rounds of map_adopt, 1 ms apart: up to 5 s of waiting */
#define ADOPT_PAUSE_NS 1000000

/*
 * The one conversion from LMDB codes. NOTFOUND and KEYEXIST are ordinary outcomes and are not
 * logged; a full map or reader table is an operational problem worth a (rate-limited) warning,
 * as every write fails the same way until it is fixed, and so is a full or failing disk
 * (rate-limited errors); each says what to do. Anything else is unexpected and logged as an
 * error. LMDB passes errno values through as positive numbers.
 */
static int
lmdb_err(int rc, const char *what)
{
	static struct log_ratelimit full_rl;

	switch (rc) {
	case MDB_SUCCESS:
		return IDR_OK;
	case MDB_NOTFOUND:
		return IDR_ENOENT;
	case MDB_KEYEXIST:
		return IDR_EEXIST;
	case MDB_MAP_FULL:
		if (log_ratelimit_ok(&full_rl, 5, 60)) {
			log_warn("store: %s: %s: the map is full; grow it with `idr init "
			         "--node-prefix "
			         "PREFIX --map-size SIZE` on the data directory",
			         what, mdb_strerror(rc));
		}
		return IDR_ENOSPC;
	case ENOSPC:
	case EIO:
		/* from write(2) or fsync(2) of the data file; LMDB rolled the transaction back */
		if (log_ratelimit_ok(&full_rl, 5, 60)) {
			log_err("store: %s: %s: the disk may be full or failing; make room on the "
			        "file system of the data directory (df) and check the kernel log",
			        what, mdb_strerror(rc));
		}
		return -rc;
	case MDB_READERS_FULL:
		if (log_ratelimit_ok(&full_rl, 5, 60)) {
			log_warn("store: %s: %s", what, mdb_strerror(rc));
		}
		return IDR_EREADERS;
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID:
		log_err("store: %s: %s", what, mdb_strerror(rc));
		return IDR_ESCHEMA;
	default:
		log_err("store: %s: %s", what, mdb_strerror(rc));
		return rc > 0 ? -rc : IDR_ESTORE;
	}
}

static MDB_val
to_val(struct slice s)
{
	MDB_val v;

	/* LMDB never writes through mv_data of an input key or value; copying drops const */
	v.mv_size = s.len;
	memcpy(&v.mv_data, &s.p, sizeof(v.mv_data));
	return v;
}

static struct slice
from_val(const MDB_val *v)
{
	return slice_make(v->mv_data, v->mv_size);
}

/* dir + "/" + name on the heap (caller frees); NULL on allocation failure */
static char *
path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *p = malloc(len);

	if (p != NULL && (size_t)snprintf(p, len, "%s/%s", dir, name) != len - 1) {
		free(p);
		p = NULL;
	}
	return p;
}

static void
readers_clear(struct lmdb_store *ls)
{
	int dead = 0;
	int rc = mdb_reader_check(ls->env, &dead);

	if (rc != MDB_SUCCESS) {
		(void)lmdb_err(rc, "check readers");
	} else if (dead > 0) {
		log_notice("store: %s: cleared %d stale reader slot(s)", ls->path, dead);
	}
}

/* Create the directory if asked; without create the environment must already exist. */
static int
dir_prepare(const struct store_opts *o)
{
	struct stat st;
	char *data;
	int rc;

	if (o->create && mkdir(o->path, STORE_DIR_MODE) != 0 && errno != EEXIST) {
		rc = -errno;
		log_err_errno("store: cannot create %s", o->path);
		return rc;
	}
	if (stat(o->path, &st) != 0) {
		rc = -errno;
		if (rc != IDR_ENOENT) {
			log_err_errno("store: %s", o->path);
		}
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("store: %s is not a directory", o->path);
		return -ENOTDIR;
	}
	if (o->create) {
		return IDR_OK;
	}
	/* LMDB would create data.mdb in a writable directory; without create that is wrong */
	data = path_join(o->path, "data.mdb");
	if (data == NULL) {
		return IDR_ENOMEM;
	}
	rc = stat(data, &st) == 0 ? IDR_OK : -errno;
	free(data);
	return rc;
}

static int
env_open(struct lmdb_store *ls, const struct store_opts *o)
{
	unsigned flags = MDB_NOTLS;
	int rc;

	if ((size_t)o->map_size != o->map_size) {
		log_err("store: map size %llu does not fit in memory",
		        (unsigned long long)o->map_size);
		return IDR_EINVAL;
	}
	flags |= o->no_sync ? MDB_NOSYNC : 0;
	flags |= o->read_only ? MDB_RDONLY : 0;
	/* a resolver does random point lookups: no read-ahead, so only the pages it touches enter
	 * its working set (not the journal pages beside them) */
	flags |= o->read_only || o->random ? MDB_NORDAHEAD : 0;
	flags |= o->read_only && o->no_lock ? MDB_NOLOCK : 0;
	rc = mdb_env_create(&ls->env);
	if (rc != MDB_SUCCESS) {
		ls->env = NULL;
		return lmdb_err(rc, "create environment");
	}
	rc = mdb_env_set_maxdbs(ls->env, STORE_DB_COUNT);
	if (rc == MDB_SUCCESS && o->map_size > 0) {
		rc = mdb_env_set_mapsize(ls->env, (size_t)o->map_size);
	}
	if (rc == MDB_SUCCESS && o->max_readers > 0) {
		rc = mdb_env_set_maxreaders(ls->env, o->max_readers);
	}
	if (rc == MDB_SUCCESS) {
		rc = mdb_env_open(ls->env, o->path, flags, STORE_FILE_MODE);
	}
	if (rc != MDB_SUCCESS) {
		return lmdb_err(rc, o->path);
	}
	if (mdb_env_get_maxkeysize(ls->env) < STORE_KEY_MAX) {
		log_err("store: this LMDB build allows keys of %d bytes, idr needs %d",
		        mdb_env_get_maxkeysize(ls->env), STORE_KEY_MAX);
		return IDR_ESTORE;
	}
	return IDR_OK;
}

/* Create the late databases (STORE_DB_FIRST_LATE..) that an older store lacks. */
static int
dbis_add_late(struct lmdb_store *ls)
{
	MDB_txn *txn;
	int rc, i;

	rc = mdb_txn_begin(ls->env, NULL, 0, &txn);
	if (rc != MDB_SUCCESS) {
		return lmdb_err(rc, "begin transaction");
	}
	for (i = STORE_DB_FIRST_LATE; i < STORE_DB_COUNT; i++) {
		if (!ls->absent[i]) {
			continue;
		}
		rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &ls->dbi[i]);
		if (rc != MDB_SUCCESS) {
			mdb_txn_abort(txn);
			return lmdb_err(rc, db_names[i]);
		}
		log_notice("store: %s: added database \"%s\"", ls->path, db_names[i]);
		ls->absent[i] = false;
	}
	return lmdb_err(mdb_txn_commit(txn), "add databases");
}

static int
dbis_open(struct lmdb_store *ls, bool create, bool read_only)
{
	MDB_txn *txn;
	bool late = false;
	int rc, i;

	rc = mdb_txn_begin(ls->env, NULL, create ? 0 : MDB_RDONLY, &txn);
	if (rc != MDB_SUCCESS) {
		return lmdb_err(rc, "begin transaction");
	}
	for (i = 0; i < STORE_DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], create ? MDB_CREATE : 0, &ls->dbi[i]);
		if (rc == MDB_NOTFOUND && i >= STORE_DB_FIRST_LATE) {
			ls->absent[i] = late = true;
			continue;
		}
		if (rc == MDB_NOTFOUND) {
			log_err("store: %s: database \"%s\" is missing", ls->path, db_names[i]);
			mdb_txn_abort(txn);
			return IDR_ENOENT;
		}
		if (rc != MDB_SUCCESS) {
			mdb_txn_abort(txn);
			return lmdb_err(rc, db_names[i]);
		}
	}
	/* committing (also a read-only transaction) makes the handles usable everywhere */
	rc = lmdb_err(mdb_txn_commit(txn), "open databases");
	if (rc == IDR_OK && late && !read_only) {
		rc = dbis_add_late(ls);
	}
	return rc;
}

static void
lmdb_free(struct lmdb_store *ls)
{
	if (ls == NULL) {
		return;
	}
	if (ls->env != NULL) {
		mdb_env_close(ls->env);
	}
	if (ls->lock_init) {
		pthread_mutex_destroy(&ls->lock);
	}
	if (ls->txns_lock_init) {
		pthread_mutex_destroy(&ls->txns_lock);
	}
	free(ls->path);
	free(ls);
}

static int
lmdb_open(struct store *s, const struct store_opts *o)
{
	struct lmdb_store *ls = calloc(1, sizeof(*ls));
	int rc;

	if (ls == NULL) {
		return IDR_ENOMEM;
	}
	ls->path = strdup(o->path);
	if (ls->path == NULL) {
		rc = IDR_ENOMEM;
		goto fail;
	}
	rc = pthread_mutex_init(&ls->lock, NULL);
	if (rc != 0) {
		rc = -rc;
		goto fail;
	}
	ls->lock_init = true;
	rc = pthread_mutex_init(&ls->txns_lock, NULL);
	if (rc != 0) {
		rc = -rc;
		goto fail;
	}
	ls->txns_lock_init = true;
	rc = dir_prepare(o);
	if (rc == IDR_OK) {
		rc = env_open(ls, o);
	}
	if (rc != IDR_OK) {
		goto fail;
	}
	readers_clear(ls);
	rc = dbis_open(ls, o->create, o->read_only);
	if (rc != IDR_OK) {
		goto fail;
	}
	s->be = ls;
	return IDR_OK;
fail:
	lmdb_free(ls);
	return rc;
}

static void
lmdb_close(struct store *s)
{
	struct lmdb_store *ls = s->be;

	/*
	 * Closing with the write transaction open breaks the contract. Abort it if we can: the
	 * writer mutex sits on this thread's robust-mutex list, and leaving it there once the lock
	 * file is unmapped crashes the thread's next LMDB lock operation.
	 */
	if (ls->wtxn != NULL && pthread_equal(ls->writer, pthread_self())) {
		log_err("store: %s: closed with a write transaction open; aborting it", ls->path);
		mdb_txn_abort(ls->wtxn);
	} else if (ls->wtxn != NULL) {
		log_err("store: %s: closed while another thread writes", ls->path);
	}
	lmdb_free(ls);
}

/*
 * LMDB serialises writers with a lock shared by all processes; a second write transaction on
 * the thread that holds the first would wait for itself forever, so that case is refused.
 */
static int
writer_check(struct lmdb_store *ls)
{
	bool self;

	pthread_mutex_lock(&ls->lock);
	self = ls->wtxn != NULL && pthread_equal(ls->writer, pthread_self());
	pthread_mutex_unlock(&ls->lock);
	if (self) {
		log_err("store: %s: this thread already holds the write transaction", ls->path);
		return IDR_EBUSY;
	}
	return IDR_OK;
}

/* Record the write transaction of this thread, or (NULL) that there is none. */
static void
writer_set(struct lmdb_store *ls, MDB_txn *txn)
{
	pthread_mutex_lock(&ls->lock);
	ls->wtxn = txn;
	if (txn != NULL) {
		ls->writer = pthread_self();
	}
	pthread_mutex_unlock(&ls->lock);
}

static MDB_txn *
mdb_of(const struct store_txn *t)
{
	return ((const struct lmdb_txn *)t->be)->txn;
}

static void
gate_take(struct lmdb_txn *lt)
{
	pthread_mutex_lock(&lt->gate);
	lt->held = true;
}

static void
gate_give(struct lmdb_txn *lt)
{
	if (lt->held) {
		lt->held = false;
		pthread_mutex_unlock(&lt->gate);
	}
}

static uint64_t
map_gen(struct lmdb_store *ls)
{
	return atomic_load_explicit(&ls->map_gen, memory_order_acquire);
}

/* Release the gates taken so far (from the head of the list up to, not including, stop). */
static void
gates_give(struct lmdb_store *ls, struct lmdb_txn *stop)
{
	for (struct lmdb_txn *lt = ls->txns; lt != stop; lt = lt->next) {
		pthread_mutex_unlock(&lt->gate);
	}
}

/*
 * Another process grew the map beyond ours (MDB_MAP_RESIZED): adopt its size. LMDB allows it
 * only while no transaction of this process is open, so every gate is taken first; trylock
 * and back off, because a thread holding a gate may itself be waiting for txns_lock. gen is
 * map_gen as seen before the failure: if it moved, another thread adopted meanwhile.
 */
static int
map_adopt(struct lmdb_store *ls, uint64_t gen)
{
	struct timespec pause = {0, ADOPT_PAUSE_NS};

	for (int i = 0; i < ADOPT_TRIES; i++) {
		struct lmdb_txn *lt;
		MDB_envinfo info;
		int rc;

		pthread_mutex_lock(&ls->txns_lock);
		if (atomic_load_explicit(&ls->map_gen, memory_order_relaxed) != gen) {
			pthread_mutex_unlock(&ls->txns_lock);
			return IDR_OK;
		}
		for (lt = ls->txns; lt != NULL && pthread_mutex_trylock(&lt->gate) == 0;
		     lt = lt->next) {
		}
		if (lt != NULL) {
			gates_give(ls, lt);
			pthread_mutex_unlock(&ls->txns_lock);
			nanosleep(&pause, NULL);
			continue;
		}
		rc = mdb_env_set_mapsize(ls->env, 0);
		atomic_fetch_add_explicit(&ls->map_gen, 1, memory_order_release);
		gates_give(ls, NULL);
		pthread_mutex_unlock(&ls->txns_lock);
		if (rc == MDB_SUCCESS && mdb_env_info(ls->env, &info) == MDB_SUCCESS) {
			log_notice("store: %s: the map was grown by another process; now %zu bytes",
			           ls->path, info.me_mapsize);
		}
		return lmdb_err(rc, "adopt the new map size");
	}
	log_err("store: %s: cannot adopt the grown map: transactions stay open", ls->path);
	return IDR_EBUSY;
}

/* mdb_txn_begin or mdb_txn_renew under the gate; a full reader table is cleared once and a
 * map grown by another process adopted (twice at most). The gate stays held on success. */
static int
gated_start(struct lmdb_store *ls, struct lmdb_txn *lt, unsigned flags, bool renew)
{
	int rc = MDB_SUCCESS;

	for (int tries = 0; tries < 3; tries++) {
		uint64_t gen = map_gen(ls);

		gate_take(lt);
		rc = renew ? mdb_txn_renew(lt->txn) : mdb_txn_begin(ls->env, NULL, flags, &lt->txn);
		if (rc == MDB_READERS_FULL) {
			readers_clear(ls);
			rc = renew ? mdb_txn_renew(lt->txn)
			           : mdb_txn_begin(ls->env, NULL, flags, &lt->txn);
		}
		if (rc != MDB_MAP_RESIZED) {
			break;
		}
		/* a renewed transaction is left reset; a new one was freed */
		if (!renew) {
			lt->txn = NULL;
		}
		gate_give(lt);
		if (map_adopt(ls, gen) != IDR_OK) {
			return IDR_EBUSY;
		}
	}
	if (rc != MDB_SUCCESS) {
		gate_give(lt);
		if (!renew) {
			lt->txn = NULL;
		}
		return lmdb_err(rc, renew ? "renew transaction" : "begin transaction");
	}
	return IDR_OK;
}

static void
txn_unregister(struct lmdb_store *ls, struct lmdb_txn *lt)
{
	pthread_mutex_lock(&ls->txns_lock);
	if (lt->prev != NULL) {
		lt->prev->next = lt->next;
	} else {
		ls->txns = lt->next;
	}
	if (lt->next != NULL) {
		lt->next->prev = lt->prev;
	}
	pthread_mutex_unlock(&ls->txns_lock);
	pthread_mutex_destroy(&lt->gate);
	free(lt);
}

static int
lmdb_txn_begin(struct store_txn *t)
{
	struct lmdb_store *ls = t->s->be;
	unsigned flags = t->write ? 0 : MDB_RDONLY;
	struct lmdb_txn *lt;
	int rc;

	if (t->write) {
		rc = writer_check(ls);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	lt = calloc(1, sizeof(*lt));
	if (lt == NULL) {
		return IDR_ENOMEM;
	}
	if (pthread_mutex_init(&lt->gate, NULL) != 0) {
		free(lt);
		return IDR_ENOMEM;
	}
	pthread_mutex_lock(&ls->txns_lock);
	lt->next = ls->txns;
	if (ls->txns != NULL) {
		ls->txns->prev = lt;
	}
	ls->txns = lt;
	pthread_mutex_unlock(&ls->txns_lock);
	rc = gated_start(ls, lt, flags, false);
	if (rc != IDR_OK) {
		txn_unregister(ls, lt);
		return rc;
	}
	if (t->write) {
		writer_set(ls, lt->txn);
	}
	t->be = lt;
	return IDR_OK;
}

static int
lmdb_txn_commit(struct store_txn *t)
{
	struct lmdb_txn *lt = t->be;
	int rc = IDR_OK;

	if (!t->write) {
		/* nothing to commit; also right for a reset transaction */
		mdb_txn_abort(lt->txn);
	} else {
		/* cleared first: once LMDB releases its lock another thread may become the writer
		 */
		writer_set(t->s->be, NULL);
		rc = lmdb_err(mdb_txn_commit(lt->txn), "commit");
	}
	gate_give(lt);
	txn_unregister(t->s->be, lt);
	return rc;
}

static void
lmdb_txn_abort(struct store_txn *t)
{
	struct lmdb_txn *lt = t->be;

	if (t->write) {
		writer_set(t->s->be, NULL);
	}
	mdb_txn_abort(lt->txn);
	gate_give(lt);
	txn_unregister(t->s->be, lt);
}

static void
lmdb_txn_reset(struct store_txn *t)
{
	struct lmdb_txn *lt = t->be;

	mdb_txn_reset(lt->txn);
	gate_give(lt);
}

static int
lmdb_txn_renew(struct store_txn *t)
{
	return gated_start(t->s->be, t->be, MDB_RDONLY, true);
}

static MDB_dbi
dbi_of(struct store_txn *t, enum store_db db)
{
	const struct lmdb_store *ls = t->s->be;

	return ls->dbi[db];
}

/* A late database missing from a read-only store: reads find nothing. */
static bool
db_absent(struct store_txn *t, enum store_db db)
{
	const struct lmdb_store *ls = t->s->be;

	return ls->absent[db];
}

static int
lmdb_get(struct store_txn *t, enum store_db db, struct slice key, struct slice *val)
{
	MDB_val k = to_val(key), v;
	int rc = db_absent(t, db) ? MDB_NOTFOUND : mdb_get(mdb_of(t), dbi_of(t, db), &k, &v);

	if (rc != MDB_SUCCESS) {
		return lmdb_err(rc, "get");
	}
	*val = from_val(&v);
	return IDR_OK;
}

static int
lmdb_put(struct store_txn *t, enum store_db db, struct slice key, struct slice val, unsigned flags,
         struct slice *existing)
{
	MDB_dbi dbi = dbi_of(t, db);
	MDB_val k = to_val(key), v = to_val(val), cur;
	unsigned mflags = 0;
	int rc;

	mflags |= (flags & STORE_NOOVERWRITE) != 0 ? MDB_NOOVERWRITE : 0;
	mflags |= (flags & STORE_APPEND) != 0 ? MDB_APPEND : 0;
	rc = mdb_put(mdb_of(t), dbi, &k, &v, mflags);
	if (rc != MDB_KEYEXIST || existing == NULL || (flags & STORE_NOOVERWRITE) == 0) {
		return lmdb_err(rc, "put");
	}
	if ((flags & STORE_APPEND) == 0) {
		/* MDB_NOOVERWRITE hands back the current value in v */
		*existing = from_val(&v);
	} else if (mdb_get(mdb_of(t), dbi, &k, &cur) == MDB_SUCCESS) {
		/* the append check fails before LMDB looks the key up */
		*existing = from_val(&cur);
	}
	return IDR_EEXIST;
}

static int
lmdb_del(struct store_txn *t, enum store_db db, struct slice key)
{
	MDB_val k = to_val(key);

	return lmdb_err(mdb_del(mdb_of(t), dbi_of(t, db), &k, NULL), "delete");
}

static int
lmdb_stat(struct store_txn *t, enum store_db db, struct store_db_stat *out)
{
	MDB_stat st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (db_absent(t, db)) {
		return IDR_OK;
	}
	rc = mdb_stat(mdb_of(t), dbi_of(t, db), &st);
	if (rc != MDB_SUCCESS) {
		return lmdb_err(rc, "stat");
	}
	out->entries = st.ms_entries;
	out->pages = (uint64_t)st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
	out->bytes = out->pages * st.ms_psize;
	return IDR_OK;
}

static int
lmdb_cursor_open(struct store_cursor *c)
{
	MDB_cursor *cur = NULL;
	int rc;

	if (db_absent(c->t, c->db)) {
		c->be = NULL; /* finds nothing */
		return IDR_OK;
	}
	rc = mdb_cursor_open(mdb_of(c->t), dbi_of(c->t, c->db), &cur);

	if (rc != MDB_SUCCESS) {
		return lmdb_err(rc, "open cursor");
	}
	c->be = cur;
	return IDR_OK;
}

static void
lmdb_cursor_close(struct store_cursor *c)
{
	if (c->be != NULL) {
		mdb_cursor_close(c->be);
	}
}

static int
lmdb_cursor_move(struct store_cursor *c, enum store_cur_op op, struct slice key, struct slice *k,
                 struct slice *v)
{
	static const MDB_cursor_op mops[] = {
	        [STORE_CUR_SEEK] = MDB_SET_RANGE, [STORE_CUR_FIRST] = MDB_FIRST,
	        [STORE_CUR_LAST] = MDB_LAST,      [STORE_CUR_NEXT] = MDB_NEXT,
	        [STORE_CUR_PREV] = MDB_PREV,
	};
	MDB_val mk = to_val(key), mv = {0, NULL};
	int rc = c->be == NULL ? MDB_NOTFOUND : mdb_cursor_get(c->be, &mk, &mv, mops[op]);

	if (rc != MDB_SUCCESS) {
		return lmdb_err(rc, "cursor");
	}
	*k = from_val(&mk);
	*v = from_val(&mv);
	return IDR_OK;
}

static int
lmdb_info(struct store *s, struct store_info *out)
{
	struct lmdb_store *ls = s->be;
	MDB_envinfo ei;
	MDB_stat st;
	struct stat fs;
	char *data;
	int rc;

	rc = mdb_env_info(ls->env, &ei);
	if (rc == MDB_SUCCESS) {
		rc = mdb_env_stat(ls->env, &st);
	}
	if (rc != MDB_SUCCESS) {
		return lmdb_err(rc, "info");
	}
	out->map_size = ei.me_mapsize;
	out->used_bytes = ((uint64_t)ei.me_last_pgno + 1) * st.ms_psize;
	out->readers = ei.me_numreaders;
	out->max_readers = ei.me_maxreaders;
	data = path_join(ls->path, "data.mdb");
	if (data == NULL) {
		return IDR_ENOMEM;
	}
	rc = stat(data, &fs) == 0 ? IDR_OK : -errno;
	if (rc != IDR_OK) {
		log_err_errno("store: %s", data);
	} else {
		out->file_bytes = (uint64_t)fs.st_size;
	}
	free(data);
	return rc;
}

static int
lmdb_sync(struct store *s)
{
	const struct lmdb_store *ls = s->be;

	return lmdb_err(mdb_env_sync(ls->env, 1), "sync");
}

/* Adopt the map size recorded by another process, if it is larger than ours. */
static int
lmdb_map_adopt(struct store *s, bool *grown)
{
	struct lmdb_store *ls = s->be;
	MDB_envinfo before, after;
	int rc;

	*grown = false;
	rc = lmdb_err(mdb_env_info(ls->env, &before), "environment info");
	if (rc == IDR_OK) {
		rc = map_adopt(ls, map_gen(ls));
	}
	if (rc == IDR_OK) {
		rc = lmdb_err(mdb_env_info(ls->env, &after), "environment info");
	}
	*grown = rc == IDR_OK && after.me_mapsize > before.me_mapsize;
	return rc;
}

static const struct store_ops lmdb_ops = {
        .open = lmdb_open,
        .close = lmdb_close,
        .txn_begin = lmdb_txn_begin,
        .txn_commit = lmdb_txn_commit,
        .txn_abort = lmdb_txn_abort,
        .txn_reset = lmdb_txn_reset,
        .txn_renew = lmdb_txn_renew,
        .get = lmdb_get,
        .put = lmdb_put,
        .del = lmdb_del,
        .stat = lmdb_stat,
        .cursor_open = lmdb_cursor_open,
        .cursor_close = lmdb_cursor_close,
        .cursor_move = lmdb_cursor_move,
        .info = lmdb_info,
        .sync = lmdb_sync,
        .map_adopt = lmdb_map_adopt,
};

/* ---- public API: checks shared by both backends ------------------------------------------ */

static bool
db_ok(enum store_db db)
{
	return (unsigned)db < STORE_DB_COUNT;
}

static bool
key_ok(struct slice key)
{
	return key.p != NULL && key.len > 0 && key.len <= STORE_KEY_MAX;
}

/* A transaction that can serve reads: not reset, not poisoned by a failed write. */
static int
txn_check(const struct store_txn *t)
{
	if (t == NULL) {
		return IDR_EINVAL;
	}
	if (t->reset) {
		return IDR_ESTATE;
	}
	return t->err;
}

/*
 * After a write fails for any reason but "exists"/"not found" the backend may hold a partial
 * change (LMDB marks the transaction broken), so the only way out is abort.
 */
static int
txn_poison(struct store_txn *t, int rc)
{
	if (rc != IDR_OK && rc != IDR_EEXIST && rc != IDR_ENOENT) {
		t->err = rc;
	}
	return rc;
}

static void
cursors_detach(struct store_txn *t)
{
	struct store_cursor *c, *next;

	for (c = t->cursors; c != NULL; c = next) {
		next = c->next;
		t->s->ops->cursor_close(c);
		c->t = NULL;
		c->be = NULL;
		c->next = NULL;
		c->prev = NULL;
	}
	t->cursors = NULL;
}

const char *
store_db_name(enum store_db db)
{
	return db_ok(db) ? db_names[db] : "unknown";
}

int
store_open(struct store **out, const struct store_opts *o)
{
	struct store *s;
	int rc;

	if (out == NULL || o == NULL) {
		return IDR_EINVAL;
	}
	*out = NULL;
	if (o->backend != STORE_BACKEND_LMDB && o->backend != STORE_BACKEND_MEMORY) {
		log_err("store: unknown backend %d", (int)o->backend);
		return IDR_EINVAL;
	}
	if (o->read_only && o->create) {
		log_err("store: a read-only store cannot be created");
		return IDR_EINVAL;
	}
	if (o->backend == STORE_BACKEND_LMDB && (o->path == NULL || o->path[0] == '\0')) {
		log_err("store: no data directory given");
		return IDR_EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		return IDR_ENOMEM;
	}
	s->ops = o->backend == STORE_BACKEND_LMDB ? &lmdb_ops : &store_mem_ops;
	s->read_only = o->read_only;
	rc = s->ops->open(s, o);
	if (rc != IDR_OK) {
		free(s);
		return rc;
	}
	*out = s;
	return IDR_OK;
}

void
store_close(struct store *s)
{
	if (s == NULL) {
		return;
	}
	s->ops->close(s);
	free(s);
}

int
store_txn_begin(struct store *s, unsigned flags, struct store_txn **out)
{
	struct store_txn *t;
	int rc;

	if (out == NULL) {
		return IDR_EINVAL;
	}
	*out = NULL;
	if (s == NULL || (flags & ~(unsigned)STORE_TXN_WRITE) != 0) {
		return IDR_EINVAL;
	}
	if ((flags & STORE_TXN_WRITE) != 0 && s->read_only) {
		return IDR_EACCES;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return IDR_ENOMEM;
	}
	t->s = s;
	t->write = (flags & STORE_TXN_WRITE) != 0;
	rc = s->ops->txn_begin(t);
	if (rc != IDR_OK) {
		free(t);
		return rc;
	}
	*out = t;
	return IDR_OK;
}

int
store_txn_commit(struct store_txn *t)
{
	int rc;

	if (t == NULL) {
		return IDR_EINVAL;
	}
	cursors_detach(t);
	if (t->err != IDR_OK) {
		rc = t->err;
		t->s->ops->txn_abort(t);
	} else {
		rc = t->s->ops->txn_commit(t);
	}
	free(t);
	return rc;
}

void
store_txn_abort(struct store_txn *t)
{
	if (t == NULL) {
		return;
	}
	cursors_detach(t);
	t->s->ops->txn_abort(t);
	free(t);
}

void
store_txn_reset(struct store_txn *t)
{
	if (t == NULL || t->write || t->reset) {
		return;
	}
	cursors_detach(t);
	t->s->ops->txn_reset(t);
	t->reset = true;
}

int
store_txn_renew(struct store_txn *t)
{
	int rc;

	if (t == NULL || t->write) {
		return IDR_EINVAL;
	}
	if (!t->reset) {
		return IDR_ESTATE;
	}
	rc = t->s->ops->txn_renew(t);
	if (rc == IDR_OK) {
		t->reset = false;
	}
	return rc;
}

bool
store_txn_is_write(const struct store_txn *t)
{
	return t != NULL && t->write;
}

uint64_t
store_txn_reads(const struct store_txn *t)
{
	return t != NULL ? t->reads : 0;
}

int
store_get(struct store_txn *t, enum store_db db, struct slice key, struct slice *val)
{
	int rc;

	if (val == NULL) {
		return IDR_EINVAL;
	}
	*val = slice_make(NULL, 0);
	rc = txn_check(t);
	if (rc != IDR_OK) {
		return rc;
	}
	if (!db_ok(db) || !key_ok(key)) {
		return IDR_EINVAL;
	}
	t->reads++;
	return t->s->ops->get(t, db, key, val);
}

int
store_put(struct store_txn *t, enum store_db db, struct slice key, struct slice val, unsigned flags,
          struct slice *existing)
{
	int rc;

	if (existing != NULL) {
		*existing = slice_make(NULL, 0);
	}
	rc = txn_check(t);
	if (rc != IDR_OK) {
		return rc;
	}
	if (!db_ok(db) || !key_ok(key) || (val.p == NULL && val.len > 0) ||
	    val.len > STORE_VAL_MAX ||
	    (flags & ~(unsigned)(STORE_NOOVERWRITE | STORE_APPEND)) != 0) {
		return IDR_EINVAL;
	}
	if (!t->write) {
		return IDR_EACCES;
	}
	return txn_poison(t, t->s->ops->put(t, db, key, val, flags, existing));
}

int
store_del(struct store_txn *t, enum store_db db, struct slice key)
{
	int rc = txn_check(t);

	if (rc != IDR_OK) {
		return rc;
	}
	if (!db_ok(db) || !key_ok(key)) {
		return IDR_EINVAL;
	}
	if (!t->write) {
		return IDR_EACCES;
	}
	return txn_poison(t, t->s->ops->del(t, db, key));
}

int
store_count(struct store_txn *t, enum store_db db, uint64_t *out)
{
	struct store_db_stat st;
	int rc = txn_check(t);

	if (rc != IDR_OK) {
		return rc;
	}
	if (!db_ok(db) || out == NULL) {
		return IDR_EINVAL;
	}
	rc = t->s->ops->stat(t, db, &st);
	*out = rc == IDR_OK ? st.entries : 0;
	return rc;
}

int
store_db_stat(struct store_txn *t, enum store_db db, struct store_db_stat *out)
{
	int rc = txn_check(t);

	if (rc != IDR_OK) {
		return rc;
	}
	if (!db_ok(db) || out == NULL) {
		return IDR_EINVAL;
	}
	return t->s->ops->stat(t, db, out);
}

int
store_cursor_open(struct store_txn *t, enum store_db db, struct store_cursor **out)
{
	struct store_cursor *c;
	int rc;

	if (out == NULL) {
		return IDR_EINVAL;
	}
	*out = NULL;
	rc = txn_check(t);
	if (rc != IDR_OK) {
		return rc;
	}
	if (!db_ok(db)) {
		return IDR_EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return IDR_ENOMEM;
	}
	c->t = t;
	c->db = db;
	rc = t->s->ops->cursor_open(c);
	if (rc != IDR_OK) {
		free(c);
		return rc;
	}
	c->next = t->cursors;
	if (t->cursors != NULL) {
		t->cursors->prev = c;
	}
	t->cursors = c;
	*out = c;
	return IDR_OK;
}

void
store_cursor_close(struct store_cursor *c)
{
	if (c == NULL) {
		return;
	}
	if (c->t != NULL) {
		if (c->prev != NULL) {
			c->prev->next = c->next;
		} else {
			c->t->cursors = c->next;
		}
		if (c->next != NULL) {
			c->next->prev = c->prev;
		}
		c->t->s->ops->cursor_close(c);
	}
	free(c);
}

static int
cursor_move(struct store_cursor *c, enum store_cur_op op, struct slice key, struct slice *k,
            struct slice *v)
{
	struct slice kk = {NULL, 0}, vv = {NULL, 0};
	int rc;

	if (k != NULL) {
		*k = kk;
	}
	if (v != NULL) {
		*v = vv;
	}
	if (c == NULL) {
		return IDR_EINVAL;
	}
	if (c->t == NULL) {
		return IDR_ESTATE;
	}
	rc = txn_check(c->t);
	if (rc != IDR_OK) {
		return rc;
	}
	if (op == STORE_CUR_SEEK && !key_ok(key)) {
		return IDR_EINVAL;
	}
	c->t->reads++;
	rc = c->t->s->ops->cursor_move(c, op, key, &kk, &vv);
	if (rc == IDR_OK) {
		if (k != NULL) {
			*k = kk;
		}
		if (v != NULL) {
			*v = vv;
		}
	}
	return rc;
}

int
store_cursor_seek(struct store_cursor *c, struct slice key, struct slice *k, struct slice *v)
{
	return cursor_move(c, STORE_CUR_SEEK, key, k, v);
}

int
store_cursor_first(struct store_cursor *c, struct slice *k, struct slice *v)
{
	return cursor_move(c, STORE_CUR_FIRST, slice_make(NULL, 0), k, v);
}

int
store_cursor_last(struct store_cursor *c, struct slice *k, struct slice *v)
{
	return cursor_move(c, STORE_CUR_LAST, slice_make(NULL, 0), k, v);
}

int
store_cursor_next(struct store_cursor *c, struct slice *k, struct slice *v)
{
	return cursor_move(c, STORE_CUR_NEXT, slice_make(NULL, 0), k, v);
}

int
store_cursor_prev(struct store_cursor *c, struct slice *k, struct slice *v)
{
	return cursor_move(c, STORE_CUR_PREV, slice_make(NULL, 0), k, v);
}

int
store_info(struct store *s, struct store_info *out)
{
	if (s == NULL || out == NULL) {
		return IDR_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	return s->ops->info(s, out);
}

int
store_sync(struct store *s)
{
	if (s == NULL) {
		return IDR_EINVAL;
	}
	if (s->read_only) {
		return IDR_OK; /* nothing of ours to flush */
	}
	return s->ops->sync(s);
}

int
store_map_adopt(struct store *s, bool *grown)
{
	*grown = false;
	if (s == NULL) {
		return IDR_EINVAL;
	}
	return s->ops->map_adopt != NULL ? s->ops->map_adopt(s, grown) : IDR_OK;
}

int
store_copy_fd(struct store *s, int fd)
{
	struct lmdb_store *ls;
	int rc;

	if (s == NULL || fd < 0) {
		return IDR_EINVAL;
	}
	if (s->ops == &store_mem_ops) {
		return IDR_ESTATE; /* nothing on disk to copy */
	}
	ls = s->be;
	/* LMDB copies inside one read transaction of its own: a consistent snapshot */
	rc = mdb_env_copyfd2(ls->env, fd, MDB_CP_COMPACT);
	if (rc == EPIPE) {
		return IDR_EPIPE; /* the reader left (a snapshot's client): not a store failure */
	}
	return rc == MDB_SUCCESS ? IDR_OK : lmdb_err(rc, "copy");
}
