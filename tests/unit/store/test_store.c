/*
 * test_store.c - the store contract (registry/store.h). Every behaviour both backends share
 * runs twice through a parameterised fixture: once on LMDB in a mkdtemp directory, once in
 * memory. LMDB-only behaviour (persistence across reopen, a full map, directories) runs once.
 */
#include "store/store.h"

#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/num.h"

#define MAP_SIZE  (64u << 20)
#define LARGE_LEN (1u << 20)

struct fx {
	enum store_backend backend;
	char dir[256];  /* the mkdtemp directory */
	char path[300]; /* the store directory inside it */
	struct store_opts opts;
	struct store *s;
};

static enum store_backend param_lmdb = STORE_BACKEND_LMDB;
static enum store_backend param_memory = STORE_BACKEND_MEMORY;

/* ---- fixture ------------------------------------------------------------------------------ */

/* Remove the entries of directory path, subdirectories through rm_sub (NULL: refuse), then path. */
static int
rm_dir(const char *path, int (*rm_sub)(const char *))
{
	struct stat st;
	DIR *d = opendir(path);
	struct dirent *de;
	char child[512];
	int rc = 0;

	if (d == NULL) {
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		bool ok;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
			continue;
		}
		ok = snprintf(child, sizeof(child), "%s/%s", path, de->d_name) <
		             (int)sizeof(child) &&
		     lstat(child, &st) == 0;
		if (ok && S_ISDIR(st.st_mode)) {
			ok = rm_sub != NULL && rm_sub(child) == 0;
		} else if (ok) {
			ok = unlink(child) == 0;
		}
		rc = ok ? rc : -1;
	}
	closedir(d);
	return rmdir(path) != 0 ? -1 : rc;
}

static int
rm_files_dir(const char *path)
{
	return rm_dir(path, NULL);
}

/* The fixture directory: store directories below it hold only files. */
static int
rm_tree(const char *path)
{
	return rm_dir(path, rm_files_dir);
}

static void
sub_path(const struct fx *f, const char *name, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", f->dir, name);

	assert_true(n > 0 && (size_t)n < cap);
}

static int
fx_setup(void **state)
{
	const enum store_backend *b = *state;
	const char *tmp = getenv("TMPDIR");
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		return -1;
	}
	*state = f;
	f->backend = *b;
	if (tmp == NULL || tmp[0] == '\0') {
		tmp = "/tmp";
	}
	if (snprintf(f->dir, sizeof(f->dir), "%s/test_store.XXXXXX", tmp) >= (int)sizeof(f->dir) ||
	    mkdtemp(f->dir) == NULL) {
		return -1;
	}
	sub_path(f, "db", f->path, sizeof(f->path));
	f->opts.backend = f->backend;
	f->opts.path = f->path;
	f->opts.map_size = MAP_SIZE;
	f->opts.create = true;
	f->opts.no_sync = true;
	return store_open(&f->s, &f->opts) == IDR_OK ? 0 : -1;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;
	int rc;

	if (f == NULL) {
		return 0;
	}
	store_close(f->s);
	rc = f->dir[0] != '\0' ? rm_tree(f->dir) : 0;
	free(f);
	return rc;
}

/* LMDB only: close and open the same directory again. */
static void
reopen(struct fx *f, bool read_only)
{
	assert_int_equal(f->backend, STORE_BACKEND_LMDB);
	store_close(f->s);
	f->s = NULL;
	f->opts.create = false;
	f->opts.read_only = read_only;
	assert_int_equal(store_open(&f->s, &f->opts), IDR_OK);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static struct slice
S(const char *s) {
	return slice_cstr(s);
}

static struct store_txn *
begin(struct fx *f, unsigned flags)
{
	struct store_txn *t = NULL;

	assert_int_equal(store_txn_begin(f->s, flags, &t), IDR_OK);
	assert_non_null(t);
	return t;
}

static void
put_ok(struct store_txn *t, enum store_db db, const char *k, const char *v)
{
	assert_int_equal(store_put(t, db, S(k), S(v), 0, NULL), IDR_OK);
}

static void
check_val(struct store_txn *t, enum store_db db, const char *k, const char *want, int line)
{
	struct slice got = {NULL, 0};
	int rc = store_get(t, db, S(k), &got);

	if (want == NULL) {
		if (rc != IDR_ENOENT || got.len != 0) {
			fail_msg("line %d: get %s: rc %d, want IDR_ENOENT", line, k, rc);
		}
		return;
	}
	if (rc != IDR_OK || !slice_eq(got, S(want))) {
		fail_msg("line %d: get %s: rc %d value '%.*s', want '%s'", line, k, rc,
		         (int)got.len, (const char *)got.p, want);
	}
}
#define VAL(t, db, k, want) check_val((t), (db), (k), (want), __LINE__)

/* A cursor result: want NULL means IDR_ENOENT, else that key with value "v" + key. */
static void
check_cur(int rc, struct slice k, struct slice v, const char *want, int line)
{
	char wantv[64];

	if (want == NULL) {
		if (rc != IDR_ENOENT) {
			fail_msg("line %d: cursor rc %d key '%.*s', want IDR_ENOENT", line, rc,
			         (int)k.len, (const char *)k.p);
		}
		return;
	}
	snprintf(wantv, sizeof(wantv), "v%s", want);
	if (rc != IDR_OK || !slice_eq(k, S(want)) || !slice_eq(v, S(wantv))) {
		fail_msg("line %d: cursor rc %d key '%.*s', want '%s'", line, rc, (int)k.len,
		         (const char *)k.p, want);
	}
}
/* the call runs first: it fills k and v */
#define CUR(call, want)                                                                            \
	do {                                                                                       \
		int cur_rc_ = (call);                                                              \
		check_cur(cur_rc_, k, v, (want), __LINE__);                                        \
	} while (0)

/* Put key -> "v" + key for each key of a NULL-terminated list. */
static void
put_keys(struct store_txn *t, enum store_db db, const char *const *keys)
{
	char val[64];

	for (; *keys != NULL; keys++) {
		snprintf(val, sizeof(val), "v%s", *keys);
		put_ok(t, db, *keys, val);
	}
}

static void
commit_keys(struct fx *f, enum store_db db, const char *const *keys)
{
	struct store_txn *t = begin(f, STORE_TXN_WRITE);

	put_keys(t, db, keys);
	assert_int_equal(store_txn_commit(t), IDR_OK);
}

static uint64_t
count(struct store_txn *t, enum store_db db)
{
	uint64_t n = UINT64_MAX;

	assert_int_equal(store_count(t, db, &n), IDR_OK);
	return n;
}

static struct slice
be64(uint64_t x, uint8_t out[8])
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)(x & 0xff);
		x >>= 8;
	}
	return slice_make(out, 8);
}

/* Every key=value of a database joined as "k=v;" into out. */
static void
dump(struct store_txn *t, enum store_db db, char *out, size_t cap)
{
	struct store_cursor *c = NULL;
	struct slice k, v;
	size_t len = 0;
	int rc, n;

	out[0] = '\0';
	assert_int_equal(store_cursor_open(t, db, &c), IDR_OK);
	for (rc = store_cursor_first(c, &k, &v); rc == IDR_OK; rc = store_cursor_next(c, &k, &v)) {
		n = snprintf(out + len, cap - len, "%.*s=%.*s;", (int)k.len, (const char *)k.p,
		             (int)v.len, (const char *)v.p);
		assert_true(n > 0 && (size_t)n < cap - len);
		len += (size_t)n;
	}
	assert_int_equal(rc, IDR_ENOENT);
	store_cursor_close(c);
}

/* ---- tests on both backends -------------------------------------------------------------- */

static void
test_store_put_get_del(void **state)
{
	struct fx *f = *state;
	struct store_txn *t = begin(f, STORE_TXN_WRITE);
	static const uint8_t nulkey[] = {'k', 0, 'x'};
	struct slice got;

	assert_true(store_txn_is_write(t));
	put_ok(t, STORE_DB_META, "a", "1");
	VAL(t, STORE_DB_META, "a", "1");
	put_ok(t, STORE_DB_META, "a", "22");
	VAL(t, STORE_DB_META, "a", "22");
	/* databases are separate */
	put_ok(t, STORE_DB_HANDLES, "a", "h");
	VAL(t, STORE_DB_META, "a", "22");
	VAL(t, STORE_DB_HANDLES, "a", "h");
	VAL(t, STORE_DB_PREFIXES, "a", NULL);
	/* keys are bytes: NUL inside, a prefix is another key */
	assert_int_equal(store_put(t, STORE_DB_META, slice_make(nulkey, 3), S("nul"), 0, NULL),
	                 IDR_OK);
	VAL(t, STORE_DB_META, "k", NULL);
	assert_int_equal(store_get(t, STORE_DB_META, slice_make(nulkey, 3), &got), IDR_OK);
	assert_true(slice_eq(got, S("nul")));
	/* empty values are values */
	assert_int_equal(store_put(t, STORE_DB_META, S("e"), slice_make(NULL, 0), 0, NULL), IDR_OK);
	assert_int_equal(store_get(t, STORE_DB_META, S("e"), &got), IDR_OK);
	assert_int_equal(got.len, 0);
	/* delete */
	assert_int_equal(store_del(t, STORE_DB_META, S("a")), IDR_OK);
	VAL(t, STORE_DB_META, "a", NULL);
	assert_int_equal(store_del(t, STORE_DB_META, S("a")), IDR_ENOENT);
	VAL(t, STORE_DB_HANDLES, "a", "h");
	assert_int_equal(store_txn_commit(t), IDR_OK);

	t = begin(f, STORE_TXN_READ);
	assert_false(store_txn_is_write(t));
	VAL(t, STORE_DB_META, "a", NULL);
	VAL(t, STORE_DB_HANDLES, "a", "h");
	VAL(t, STORE_DB_META, "e", "");
	assert_int_equal(count(t, STORE_DB_META), 2);
	assert_int_equal(store_txn_commit(t), IDR_OK);
}

static void
test_store_nooverwrite_existing(void **state)
{
	struct fx *f = *state;
	struct store_txn *t = begin(f, STORE_TXN_WRITE);
	struct slice ex = S("junk");

	put_ok(t, STORE_DB_HANDLES, "a", "1");
	assert_int_equal(store_put(t, STORE_DB_HANDLES, S("a"), S("2"), STORE_NOOVERWRITE, &ex),
	                 IDR_EEXIST);
	assert_true(slice_eq(ex, S("1")));
	assert_int_equal(store_put(t, STORE_DB_HANDLES, S("a"), S("3"), STORE_NOOVERWRITE, NULL),
	                 IDR_EEXIST);
	VAL(t, STORE_DB_HANDLES, "a", "1");
	/* a new key goes in, and existing is cleared */
	ex = S("junk");
	assert_int_equal(store_put(t, STORE_DB_HANDLES, S("b"), S("4"), STORE_NOOVERWRITE, &ex),
	                 IDR_OK);
	assert_null(ex.p);
	assert_int_equal(ex.len, 0);
	VAL(t, STORE_DB_HANDLES, "b", "4");
	/* EEXIST does not break the transaction */
	assert_int_equal(store_txn_commit(t), IDR_OK);

	t = begin(f, STORE_TXN_WRITE);
	assert_int_equal(store_put(t, STORE_DB_HANDLES, S("b"), S("5"), STORE_NOOVERWRITE, &ex),
	                 IDR_EEXIST);
	assert_true(slice_eq(ex, S("4")));
	store_txn_abort(t);
}

static void
test_store_append(void **state)
{
	struct fx *f = *state;
	struct store_txn *t = begin(f, STORE_TXN_WRITE);
	uint8_t kb[8];
	char val[32], all[8192];
	struct slice ex, got;
	uint64_t i;

	for (i = 1; i <= 100; i++) {
		snprintf(val, sizeof(val), "e%llu", (unsigned long long)i);
		assert_int_equal(
		        store_put(t, STORE_DB_JOURNAL, be64(i, kb), S(val), STORE_APPEND, NULL),
		        IDR_OK);
	}
	assert_int_equal(count(t, STORE_DB_JOURNAL), 100);
	/* out of order, equal to the last, and absent-but-smaller keys are refused */
	assert_int_equal(store_put(t, STORE_DB_JOURNAL, be64(50, kb), S("x"), STORE_APPEND, NULL),
	                 IDR_EEXIST);
	assert_int_equal(store_put(t, STORE_DB_JOURNAL, be64(100, kb), S("x"), STORE_APPEND, NULL),
	                 IDR_EEXIST);
	assert_int_equal(store_put(t, STORE_DB_JOURNAL, be64(0, kb), S("x"), STORE_APPEND, NULL),
	                 IDR_EEXIST);
	/* with NOOVERWRITE too, an existing key hands back its value, a missing one nothing */
	assert_int_equal(store_put(t, STORE_DB_JOURNAL, be64(100, kb), S("x"),
	                           STORE_APPEND | STORE_NOOVERWRITE, &ex),
	                 IDR_EEXIST);
	assert_true(slice_eq(ex, S("e100")));
	assert_int_equal(store_put(t, STORE_DB_JOURNAL, be64(0, kb), S("x"),
	                           STORE_APPEND | STORE_NOOVERWRITE, &ex),
	                 IDR_EEXIST);
	assert_int_equal(ex.len, 0);
	assert_int_equal(store_get(t, STORE_DB_JOURNAL, be64(50, kb), &got), IDR_OK);
	assert_true(slice_eq(got, S("e50")));
	assert_int_equal(store_get(t, STORE_DB_JOURNAL, be64(0, kb), &got), IDR_ENOENT);
	/* the transaction is intact: append more and commit */
	assert_int_equal(
	        store_put(t, STORE_DB_JOURNAL, be64(101, kb), S("e101"), STORE_APPEND, NULL),
	        IDR_OK);
	assert_int_equal(store_txn_commit(t), IDR_OK);

	t = begin(f, STORE_TXN_READ);
	assert_int_equal(count(t, STORE_DB_JOURNAL), 101);
	dump(t, STORE_DB_JOURNAL, all, sizeof(all));
	assert_non_null(strstr(all, "=e1;"));
	assert_non_null(strstr(all, "=e50;"));
	assert_non_null(strstr(all, "=e101;"));
	assert_null(strstr(all, "=x;"));
	store_txn_abort(t);
}

static void
test_store_count(void **state)
{
	struct fx *f = *state;
	static const char *const keys[] = {"a", "b", "c", NULL};
	struct store_txn *t = begin(f, STORE_TXN_WRITE);
	int db;

	for (db = 0; db < STORE_DB_COUNT; db++) {
		assert_int_equal(count(t, (enum store_db)db), 0);
	}
	put_keys(t, STORE_DB_STATS, keys);
	put_ok(t, STORE_DB_PREFIXES, "p", "1");
	put_ok(t, STORE_DB_STATS, "a", "again"); /* overwrite: no new entry */
	assert_int_equal(count(t, STORE_DB_STATS), 3);
	assert_int_equal(count(t, STORE_DB_PREFIXES), 1);
	assert_int_equal(store_del(t, STORE_DB_STATS, S("b")), IDR_OK);
	assert_int_equal(count(t, STORE_DB_STATS), 2);
	assert_int_equal(store_txn_commit(t), IDR_OK);

	t = begin(f, STORE_TXN_READ);
	assert_int_equal(count(t, STORE_DB_STATS), 2);
	assert_int_equal(count(t, STORE_DB_PREFIXES), 1);
	assert_int_equal(count(t, STORE_DB_META), 0);
	store_txn_abort(t);
}

static void
test_store_txn_reads(void **state)
{
	struct fx *f = *state;
	static const char *const keys[] = {"a", "b", "c", NULL};
	struct store_txn *t;
	struct store_cursor *c = NULL;
	struct slice k, v;

	assert_int_equal(store_txn_reads(NULL), 0);
	commit_keys(f, STORE_DB_STATS, keys);
	t = begin(f, STORE_TXN_READ);
	assert_int_equal(store_txn_reads(t), 0);
	VAL(t, STORE_DB_STATS, "a", "va"); /* found */
	VAL(t, STORE_DB_STATS, "x", NULL); /* not found: a read all the same */
	assert_int_equal(store_txn_reads(t), 2);
	/* refused before the backend: not counted */
	assert_int_equal(store_get(t, STORE_DB_STATS, S(""), &v), IDR_EINVAL);
	assert_int_equal(store_txn_reads(t), 2);
	assert_int_equal(store_cursor_open(t, STORE_DB_STATS, &c), IDR_OK);
	assert_int_equal(store_txn_reads(t), 2); /* opening a cursor reads nothing */
	CUR(store_cursor_seek(c, S("b"), &k, &v), "b");
	CUR(store_cursor_next(c, &k, &v), "c");
	CUR(store_cursor_next(c, &k, &v), NULL); /* past the end: a read */
	CUR(store_cursor_first(c, &k, &v), "a");
	CUR(store_cursor_last(c, &k, &v), "c");
	CUR(store_cursor_prev(c, &k, &v), "b");
	assert_int_equal(store_txn_reads(t), 8);
	store_cursor_close(c);
	/* across a reset and renew the count goes on */
	store_txn_reset(t);
	assert_int_equal(store_txn_renew(t), IDR_OK);
	VAL(t, STORE_DB_STATS, "c", "vc");
	assert_int_equal(store_txn_reads(t), 9);
	store_txn_abort(t);
}

static void
test_store_cursor_iterate(void **state)
{
	struct fx *f = *state;
	static const char *const keys[] = {"d", "b", "f", NULL};
	struct store_txn *t;
	struct store_cursor *c = NULL;
	struct slice k = {NULL, 0}, v = {NULL, 0};

	commit_keys(f, STORE_DB_HANDLES, keys);
	t = begin(f, STORE_TXN_READ);
	assert_int_equal(store_cursor_open(t, STORE_DB_HANDLES, &c), IDR_OK);
	/* a fresh cursor: next is first, prev is last */
	CUR(store_cursor_next(c, &k, &v), "b");
	store_cursor_close(c);
	assert_int_equal(store_cursor_open(t, STORE_DB_HANDLES, &c), IDR_OK);
	CUR(store_cursor_prev(c, &k, &v), "f");
	/* forward past the end; the cursor stays on the last entry */
	CUR(store_cursor_first(c, &k, &v), "b");
	CUR(store_cursor_next(c, &k, &v), "d");
	CUR(store_cursor_next(c, &k, &v), "f");
	CUR(store_cursor_next(c, &k, &v), NULL);
	CUR(store_cursor_next(c, &k, &v), NULL);
	CUR(store_cursor_prev(c, &k, &v), "d");
	/* backward past the start */
	CUR(store_cursor_last(c, &k, &v), "f");
	CUR(store_cursor_prev(c, &k, &v), "d");
	CUR(store_cursor_prev(c, &k, &v), "b");
	CUR(store_cursor_prev(c, &k, &v), NULL);
	CUR(store_cursor_prev(c, &k, &v), NULL);
	CUR(store_cursor_next(c, &k, &v), "d");
	/* seek: before everything, exact, between, past the end */
	CUR(store_cursor_seek(c, S("a"), &k, &v), "b");
	CUR(store_cursor_seek(c, S("d"), &k, &v), "d");
	CUR(store_cursor_seek(c, S("c"), &k, &v), "d");
	CUR(store_cursor_seek(c, S("bb"), &k, &v), "d");
	CUR(store_cursor_seek(c, S("e"), &k, &v), "f");
	CUR(store_cursor_seek(c, S("g"), &k, &v), NULL);
	CUR(store_cursor_next(c, &k, &v), NULL);
	CUR(store_cursor_prev(c, &k, &v), "f");
	CUR(store_cursor_seek(c, S("g"), &k, &v), NULL);
	CUR(store_cursor_prev(c, &k, &v), "f");
	/* k and v are optional; a failed call leaves them empty */
	assert_int_equal(store_cursor_first(c, NULL, NULL), IDR_OK);
	assert_int_equal(store_cursor_seek(c, S("z"), &k, &v), IDR_ENOENT);
	assert_null(k.p);
	assert_int_equal(v.len, 0);
	assert_int_equal(store_cursor_seek(c, S(""), &k, &v), IDR_EINVAL);
	store_cursor_close(c);

	/* an empty database */
	assert_int_equal(store_cursor_open(t, STORE_DB_STATS, &c), IDR_OK);
	CUR(store_cursor_first(c, &k, &v), NULL);
	CUR(store_cursor_last(c, &k, &v), NULL);
	CUR(store_cursor_next(c, &k, &v), NULL);
	CUR(store_cursor_prev(c, &k, &v), NULL);
	CUR(store_cursor_seek(c, S("a"), &k, &v), NULL);
	store_cursor_close(c);
	store_cursor_close(NULL);
	store_txn_abort(t);
}

/* Enough keys for a multi-page LMDB tree, walked both ways in numeric order. */
static void
test_store_cursor_many(void **state)
{
	struct fx *f = *state;
	struct store_txn *t = begin(f, STORE_TXN_WRITE);
	struct store_cursor *c = NULL;
	struct slice k, v;
	uint8_t kb[8], want[8];
	uint64_t i, n = 3000;
	int rc;

	/* insert in a scrambled order */
	for (i = 0; i < n; i++) {
		uint64_t x = (i * 7919) % n;

		assert_int_equal(
		        store_put(t, STORE_DB_JOURNAL, be64(x, kb), be64(x * 3, want), 0, NULL),
		        IDR_OK);
	}
	assert_int_equal(store_txn_commit(t), IDR_OK);
	t = begin(f, STORE_TXN_READ);
	assert_int_equal(count(t, STORE_DB_JOURNAL), n);
	assert_int_equal(store_cursor_open(t, STORE_DB_JOURNAL, &c), IDR_OK);
	i = 0;
	for (rc = store_cursor_first(c, &k, &v); rc == IDR_OK; rc = store_cursor_next(c, &k, &v)) {
		assert_true(slice_eq(k, be64(i, want)));
		assert_true(slice_eq(v, be64(i * 3, want)));
		i++;
	}
	assert_int_equal(rc, IDR_ENOENT);
	assert_int_equal(i, n);
	for (rc = store_cursor_last(c, &k, &v); rc == IDR_OK; rc = store_cursor_prev(c, &k, &v)) {
		i--;
		assert_true(slice_eq(k, be64(i, want)));
	}
	assert_int_equal(rc, IDR_ENOENT);
	assert_int_equal(i, 0);
	CUR(store_cursor_seek(c, be64(n, kb), &k, &v), NULL);
	assert_int_equal(store_cursor_prev(c, &k, &v), IDR_OK);
	assert_true(slice_eq(k, be64(n - 1, want)));
	store_cursor_close(c);
	store_txn_abort(t);
}

/*
 * Open a write transaction with a cursor on the handles database holding b d f (committed by
 * the first call). Each case aborts, so every case starts from b d f.
 */
static struct store_txn *
cursor_case(struct fx *f, struct store_cursor **c)
{
	static const char *const keys[] = {"b", "d", "f", NULL};
	struct store_txn *t = begin(f, STORE_TXN_READ);
	uint64_t n = count(t, STORE_DB_HANDLES);

	store_txn_abort(t);
	if (n == 0) {
		commit_keys(f, STORE_DB_HANDLES, keys);
	}
	t = begin(f, STORE_TXN_WRITE);

	assert_int_equal(store_cursor_open(t, STORE_DB_HANDLES, c), IDR_OK);
	return t;
}

static void
test_store_cursor_survives_inserts(void **state)
{
	struct fx *f = *state;
	static const char *const ce[] = {"c", "e", NULL};
	struct store_cursor *c = NULL;
	struct slice k, v;
	struct store_txn *t;

	/* inserts before and after keep the cursor on its entry */
	t = cursor_case(f, &c);
	CUR(store_cursor_seek(c, S("d"), &k, &v), "d");
	put_keys(t, STORE_DB_HANDLES, ce);
	CUR(store_cursor_prev(c, &k, &v), "c");
	CUR(store_cursor_next(c, &k, &v), "d");
	CUR(store_cursor_next(c, &k, &v), "e");
	CUR(store_cursor_next(c, &k, &v), "f");
	store_txn_abort(t); /* closes the cursor's backend part; c must still be closed */
	store_cursor_close(c);

	/* keys appended after a cursor that ran off the end, or sought past it */
	t = cursor_case(f, &c);
	CUR(store_cursor_last(c, &k, &v), "f");
	CUR(store_cursor_next(c, &k, &v), NULL);
	put_ok(t, STORE_DB_HANDLES, "g", "vg");
	CUR(store_cursor_next(c, &k, &v), "g");
	CUR(store_cursor_seek(c, S("z"), &k, &v), NULL);
	put_ok(t, STORE_DB_HANDLES, "h", "vh");
	CUR(store_cursor_next(c, &k, &v), NULL);
	CUR(store_cursor_prev(c, &k, &v), "h");
	store_cursor_close(c);
	store_txn_abort(t);

	/* all aborted: b d f as committed */
	t = begin(f, STORE_TXN_READ);
	assert_int_equal(count(t, STORE_DB_HANDLES), 3);
	VAL(t, STORE_DB_HANDLES, "d", "vd");
	store_txn_abort(t);
}

static void
test_store_cursor_survives_deletes(void **state)
{
	struct fx *f = *state;
	static const char *const cg[] = {"c", "g", NULL};
	struct store_cursor *c = NULL;
	struct slice k, v;
	struct store_txn *t;

	/* deleting the cursor's entry: next gives the follower, prev the predecessor */
	t = cursor_case(f, &c);
	CUR(store_cursor_seek(c, S("c"), &k, &v), "d");
	assert_int_equal(store_del(t, STORE_DB_HANDLES, S("d")), IDR_OK);
	CUR(store_cursor_next(c, &k, &v), "f");
	CUR(store_cursor_seek(c, S("f"), &k, &v), "f");
	assert_int_equal(store_del(t, STORE_DB_HANDLES, S("f")), IDR_OK);
	CUR(store_cursor_prev(c, &k, &v), "b");
	CUR(store_cursor_next(c, &k, &v), NULL); /* prev ended the deleted state */
	store_cursor_close(c);
	store_txn_abort(t);

	/* deleting the last entry under the cursor: nothing follows */
	t = cursor_case(f, &c);
	CUR(store_cursor_last(c, &k, &v), "f");
	assert_int_equal(store_del(t, STORE_DB_HANDLES, S("f")), IDR_OK);
	CUR(store_cursor_next(c, &k, &v), NULL);
	CUR(store_cursor_prev(c, &k, &v), "d");
	store_cursor_close(c);
	store_txn_abort(t);

	/* deleting the first entry under the cursor, then re-adding keys */
	t = cursor_case(f, &c);
	CUR(store_cursor_first(c, &k, &v), "b");
	assert_int_equal(store_del(t, STORE_DB_HANDLES, S("b")), IDR_OK);
	put_keys(t, STORE_DB_HANDLES, cg);
	/* c went in before the cursor's slot, which moved with d */
	CUR(store_cursor_next(c, &k, &v), "d");
	CUR(store_cursor_next(c, &k, &v), "f");
	CUR(store_cursor_next(c, &k, &v), "g");
	store_cursor_close(c);
	store_txn_abort(t);

	/* delete and re-insert under the cursor */
	t = cursor_case(f, &c);
	CUR(store_cursor_seek(c, S("d"), &k, &v), "d");
	assert_int_equal(store_del(t, STORE_DB_HANDLES, S("d")), IDR_OK);
	put_ok(t, STORE_DB_HANDLES, "d", "vd");
	CUR(store_cursor_prev(c, &k, &v), "d");
	CUR(store_cursor_prev(c, &k, &v), "b");
	store_cursor_close(c);
	store_txn_abort(t);

	/* all aborted: b d f as committed */
	t = begin(f, STORE_TXN_READ);
	assert_int_equal(count(t, STORE_DB_HANDLES), 3);
	VAL(t, STORE_DB_HANDLES, "d", "vd");
	store_txn_abort(t);
}

static void
test_store_cursor_txn_end(void **state)
{
	struct fx *f = *state;
	static const char *const keys[] = {"a", NULL};
	struct store_cursor *c1 = NULL, *c2 = NULL;
	struct slice k, v;
	struct store_txn *t;

	t = begin(f, STORE_TXN_WRITE);
	put_keys(t, STORE_DB_META, keys);
	assert_int_equal(store_cursor_open(t, STORE_DB_META, &c1), IDR_OK);
	assert_int_equal(store_cursor_open(t, STORE_DB_META, &c2), IDR_OK);
	CUR(store_cursor_first(c1, &k, &v), "a");
	store_cursor_close(c2); /* closing one of several is fine */
	assert_int_equal(store_txn_commit(t), IDR_OK);
	assert_int_equal(store_cursor_first(c1, &k, &v), IDR_ESTATE);
	store_cursor_close(c1);

	t = begin(f, STORE_TXN_READ);
	assert_int_equal(store_cursor_open(t, STORE_DB_META, &c1), IDR_OK);
	CUR(store_cursor_first(c1, &k, &v), "a");
	store_txn_abort(t);
	assert_int_equal(store_cursor_next(c1, &k, &v), IDR_ESTATE);
	store_cursor_close(c1);
}

static void
test_store_abort_undoes(void **state)
{
	struct fx *f = *state;
	static const char *const base[] = {"a", "b", "c", NULL};
	static const char *const extra[] = {"x", NULL};
	char before_meta[256], before_h[256], after[256];
	struct store_txn *t;
	uint8_t kb[8];

	commit_keys(f, STORE_DB_META, base);
	commit_keys(f, STORE_DB_HANDLES, extra);
	t = begin(f, STORE_TXN_READ);
	dump(t, STORE_DB_META, before_meta, sizeof(before_meta));
	dump(t, STORE_DB_HANDLES, before_h, sizeof(before_h));
	store_txn_abort(t);
	assert_string_equal(before_meta, "a=va;b=vb;c=vc;");

	t = begin(f, STORE_TXN_WRITE);
	put_ok(t, STORE_DB_META, "a", "changed"); /* replace */
	assert_int_equal(store_del(t, STORE_DB_META, S("b")), IDR_OK);
	put_ok(t, STORE_DB_META, "d", "new");  /* insert */
	put_ok(t, STORE_DB_META, "b", "back"); /* re-insert a deleted key */
	put_ok(t, STORE_DB_META, "e", "1");
	put_ok(t, STORE_DB_META, "e", "2"); /* replace an inserted key */
	assert_int_equal(store_del(t, STORE_DB_META, S("d")), IDR_OK);
	put_ok(t, STORE_DB_META, "c", "c2");
	assert_int_equal(store_del(t, STORE_DB_META, S("c")), IDR_OK); /* replace, then delete */
	assert_int_equal(store_del(t, STORE_DB_HANDLES, S("x")), IDR_OK);
	put_ok(t, STORE_DB_HANDLES, "y", "vy");
	assert_int_equal(store_put(t, STORE_DB_JOURNAL, be64(1, kb), S("j"), STORE_APPEND, NULL),
	                 IDR_OK);
	dump(t, STORE_DB_META, after, sizeof(after));
	assert_string_equal(after, "a=changed;b=back;e=2;");
	store_txn_abort(t);

	t = begin(f, STORE_TXN_READ);
	dump(t, STORE_DB_META, after, sizeof(after));
	assert_string_equal(after, before_meta);
	dump(t, STORE_DB_HANDLES, after, sizeof(after));
	assert_string_equal(after, before_h);
	assert_int_equal(count(t, STORE_DB_JOURNAL), 0);
	store_txn_abort(t);
	store_txn_abort(NULL);
}

static void
test_store_commit_persists(void **state)
{
	struct fx *f = *state;
	static const char *const keys[] = {"k1", "k2", NULL};
	struct store_txn *t;

	commit_keys(f, STORE_DB_PREFIXES, keys);
	t = begin(f, STORE_TXN_WRITE);
	assert_int_equal(store_del(t, STORE_DB_PREFIXES, S("k1")), IDR_OK);
	put_ok(t, STORE_DB_PREFIXES, "k3", "v3");
	assert_int_equal(store_txn_commit(t), IDR_OK);

	t = begin(f, STORE_TXN_READ);
	VAL(t, STORE_DB_PREFIXES, "k1", NULL);
	VAL(t, STORE_DB_PREFIXES, "k2", "vk2");
	VAL(t, STORE_DB_PREFIXES, "k3", "v3");
	store_txn_abort(t);
	if (f->backend != STORE_BACKEND_LMDB) {
		return; /* the memory backend ends with its store */
	}
	assert_int_equal(store_sync(f->s), IDR_OK);
	reopen(f, false);
	t = begin(f, STORE_TXN_READ);
	VAL(t, STORE_DB_PREFIXES, "k1", NULL);
	VAL(t, STORE_DB_PREFIXES, "k2", "vk2");
	VAL(t, STORE_DB_PREFIXES, "k3", "v3");
	assert_int_equal(count(t, STORE_DB_PREFIXES), 2);
	store_txn_abort(t);
}

static void
test_store_read_reset_renew(void **state)
{
	struct fx *f = *state;
	struct store_txn *r, *w;
	struct store_cursor *c = NULL;
	struct slice got, k, v;

	w = begin(f, STORE_TXN_WRITE);
	put_ok(w, STORE_DB_META, "a", "1");
	assert_int_equal(store_txn_commit(w), IDR_OK);

	r = begin(f, STORE_TXN_READ);
	VAL(r, STORE_DB_META, "a", "1");
	assert_int_equal(store_txn_renew(r), IDR_ESTATE); /* not reset */
	assert_int_equal(store_cursor_open(r, STORE_DB_META, &c), IDR_OK);
	store_txn_reset(r);
	store_txn_reset(r); /* twice is harmless */
	assert_int_equal(store_get(r, STORE_DB_META, S("a"), &got), IDR_ESTATE);
	assert_int_equal(store_cursor_first(c, &k, &v), IDR_ESTATE);

	w = begin(f, STORE_TXN_WRITE);
	put_ok(w, STORE_DB_META, "a", "2");
	assert_int_equal(store_txn_renew(w), IDR_EINVAL);
	store_txn_reset(w); /* not a read transaction: no effect */
	assert_int_equal(store_txn_commit(w), IDR_OK);

	assert_int_equal(store_txn_renew(r), IDR_OK);
	VAL(r, STORE_DB_META, "a", "2");
	/* a cursor from before the reset stays detached; new ones work */
	assert_int_equal(store_cursor_first(c, &k, &v), IDR_ESTATE);
	store_cursor_close(c);
	assert_int_equal(store_cursor_open(r, STORE_DB_META, &c), IDR_OK);
	assert_int_equal(store_cursor_first(c, &k, &v), IDR_OK);
	assert_true(slice_eq(v, S("2")));
	store_cursor_close(c);
	w = begin(f, STORE_TXN_WRITE);
	put_ok(w, STORE_DB_META, "a", "3");
	assert_int_equal(store_txn_commit(w), IDR_OK);
	/* LMDB readers keep their snapshot; memory readers have none */
	VAL(r, STORE_DB_META, "a", f->backend == STORE_BACKEND_LMDB ? "2" : "3");
	store_txn_reset(r);
	assert_int_equal(store_txn_renew(r), IDR_OK);
	VAL(r, STORE_DB_META, "a", "3");
	store_txn_reset(r);
	assert_int_equal(store_txn_commit(r), IDR_OK); /* a reset transaction just ends */
}

/* A reader's slices survive a concurrent writer replacing and deleting what they show. */
static void
test_store_read_slices_survive_writer(void **state)
{
	struct fx *f = *state;
	static const char *const keys[] = {"a", "b", NULL};
	struct store_txn *r, *w;
	struct slice a, b;

	commit_keys(f, STORE_DB_META, keys);
	r = begin(f, STORE_TXN_READ);
	assert_int_equal(store_get(r, STORE_DB_META, S("a"), &a), IDR_OK);
	assert_int_equal(store_get(r, STORE_DB_META, S("b"), &b), IDR_OK);
	w = begin(f, STORE_TXN_WRITE);
	put_ok(w, STORE_DB_META, "a", "replaced");
	assert_int_equal(store_del(w, STORE_DB_META, S("b")), IDR_OK);
	assert_int_equal(store_txn_commit(w), IDR_OK);
	w = begin(f, STORE_TXN_WRITE);
	put_ok(w, STORE_DB_META, "a", "again");
	store_txn_abort(w);
	assert_true(slice_eq(a, S("va")));
	assert_true(slice_eq(b, S("vb")));
	store_txn_abort(r);
}

static void
test_store_bad_args(void **state)
{
	struct fx *f = *state;
	struct store_txn *t = NULL;
	uint8_t longkey[STORE_KEY_MAX + 1];
	struct store_cursor *c = NULL;
	struct slice got, k, v;
	uint64_t n;

	memset(longkey, 'k', sizeof(longkey));
	assert_int_equal(store_txn_begin(f->s, 0x2, &t), IDR_EINVAL);
	assert_null(t);
	assert_int_equal(store_txn_begin(NULL, STORE_TXN_READ, &t), IDR_EINVAL);
	t = begin(f, STORE_TXN_WRITE);
	assert_int_equal(store_put(t, STORE_DB_META, S(""), S("v"), 0, NULL), IDR_EINVAL);
	assert_int_equal(store_put(t, STORE_DB_META, slice_make(NULL, 0), S("v"), 0, NULL),
	                 IDR_EINVAL);
	assert_int_equal(store_get(t, STORE_DB_META, S(""), &got), IDR_EINVAL);
	assert_int_equal(store_del(t, STORE_DB_META, S("")), IDR_EINVAL);
	assert_int_equal(
	        store_put(t, STORE_DB_META, slice_make(longkey, sizeof(longkey)), S("v"), 0, NULL),
	        IDR_EINVAL);
	assert_int_equal(store_put(t, STORE_DB_META, S("a"), slice_make(NULL, 3), 0, NULL),
	                 IDR_EINVAL);
	assert_int_equal(store_put(t, STORE_DB_META, S("a"), S("v"), 0x4, NULL), IDR_EINVAL);
	assert_int_equal(store_put(t, STORE_DB_COUNT, S("a"), S("v"), 0, NULL), IDR_EINVAL);
	assert_int_equal(store_get(t, STORE_DB_COUNT, S("a"), &got), IDR_EINVAL);
	assert_int_equal(store_count(t, STORE_DB_COUNT, &n), IDR_EINVAL);
	assert_int_equal(store_cursor_open(t, STORE_DB_COUNT, &c), IDR_EINVAL);
	assert_null(c);
	assert_int_equal(store_cursor_first(NULL, &k, &v), IDR_EINVAL);
	assert_int_equal(store_get(NULL, STORE_DB_META, S("a"), &got), IDR_EINVAL);
	/* nothing changed and the transaction is still good */
	assert_int_equal(count(t, STORE_DB_META), 0);
	assert_int_equal(
	        store_put(t, STORE_DB_META, slice_make(longkey, STORE_KEY_MAX), S("max"), 0, NULL),
	        IDR_OK);
	assert_int_equal(store_txn_commit(t), IDR_OK);
	assert_int_equal(store_txn_commit(NULL), IDR_EINVAL);

	/* writes need a write transaction */
	t = begin(f, STORE_TXN_READ);
	assert_int_equal(store_put(t, STORE_DB_META, S("a"), S("v"), 0, NULL), IDR_EACCES);
	assert_int_equal(store_del(t, STORE_DB_META, slice_make(longkey, STORE_KEY_MAX)),
	                 IDR_EACCES);
	assert_int_equal(count(t, STORE_DB_META), 1);
	store_txn_abort(t);
}

static void
test_store_large_value(void **state)
{
	struct fx *f = *state;
	uint8_t *big = malloc(LARGE_LEN);
	struct store_txn *t;
	struct slice got;
	size_t i;

	assert_non_null(big);
	for (i = 0; i < LARGE_LEN; i++) {
		big[i] = (uint8_t)(i * 31 + (i >> 12));
	}
	t = begin(f, STORE_TXN_WRITE);
	assert_int_equal(
	        store_put(t, STORE_DB_HANDLES, S("big"), slice_make(big, LARGE_LEN), 0, NULL),
	        IDR_OK);
	assert_int_equal(
	        store_put(t, STORE_DB_HANDLES, S("big2"), slice_make(big, LARGE_LEN - 1), 0, NULL),
	        IDR_OK);
	assert_int_equal(store_get(t, STORE_DB_HANDLES, S("big"), &got), IDR_OK);
	assert_int_equal(got.len, LARGE_LEN);
	assert_memory_equal(got.p, big, LARGE_LEN);
	assert_int_equal(store_txn_commit(t), IDR_OK);
	if (f->backend == STORE_BACKEND_LMDB) {
		reopen(f, false);
	}
	t = begin(f, STORE_TXN_READ);
	assert_int_equal(store_get(t, STORE_DB_HANDLES, S("big"), &got), IDR_OK);
	assert_int_equal(got.len, LARGE_LEN);
	assert_memory_equal(got.p, big, LARGE_LEN);
	assert_int_equal(store_get(t, STORE_DB_HANDLES, S("big2"), &got), IDR_OK);
	assert_int_equal(got.len, LARGE_LEN - 1);
	assert_memory_equal(got.p, big, LARGE_LEN - 1);
	store_txn_abort(t);
	free(big);
}

static void
test_store_read_only(void **state)
{
	struct fx *f = *state;
	struct store_opts o = f->opts;
	struct store *ro = NULL;
	struct store_txn *t = NULL;

	o.create = true;
	o.read_only = true;
	assert_int_equal(store_open(&ro, &o), IDR_EINVAL);
	assert_null(ro);

	t = begin(f, STORE_TXN_WRITE);
	put_ok(t, STORE_DB_META, "a", "1");
	assert_int_equal(store_txn_commit(t), IDR_OK);
	if (f->backend == STORE_BACKEND_LMDB) {
		reopen(f, true);
	} else {
		/* a separate read-only memory store: empty, and it stays empty */
		store_close(f->s);
		f->s = NULL;
		f->opts.read_only = true;
		f->opts.create = false;
		assert_int_equal(store_open(&f->s, &f->opts), IDR_OK);
	}
	t = NULL;
	assert_int_equal(store_txn_begin(f->s, STORE_TXN_WRITE, &t), IDR_EACCES);
	assert_null(t);
	assert_int_equal(store_sync(f->s), IDR_OK);
	t = begin(f, STORE_TXN_READ);
	VAL(t, STORE_DB_META, "a", f->backend == STORE_BACKEND_LMDB ? "1" : NULL);
	assert_int_equal(store_put(t, STORE_DB_META, S("b"), S("2"), 0, NULL), IDR_EACCES);
	store_txn_abort(t);
	if (f->backend == STORE_BACKEND_LMDB) {
		reopen(f, false);
		t = begin(f, STORE_TXN_READ);
		VAL(t, STORE_DB_META, "a", "1");
		assert_int_equal(count(t, STORE_DB_META), 1);
		store_txn_abort(t);
	}
}

static void
test_store_info(void **state)
{
	struct fx *f = *state;
	uint8_t *big = calloc(1, LARGE_LEN);
	struct store_info before, after;
	struct store_txn *t;

	assert_non_null(big);
	assert_int_equal(store_info(f->s, &before), IDR_OK);
	assert_int_equal(store_info(NULL, &before), IDR_EINVAL);
	assert_int_equal(before.map_size, MAP_SIZE);
	assert_true(before.used_bytes <= before.map_size);
	assert_true(before.max_readers >= 126);
	assert_true(before.readers <= before.max_readers);
	t = begin(f, STORE_TXN_WRITE);
	assert_int_equal(
	        store_put(t, STORE_DB_HANDLES, S("big"), slice_make(big, LARGE_LEN), 0, NULL),
	        IDR_OK);
	assert_int_equal(store_txn_commit(t), IDR_OK);
	t = begin(f, STORE_TXN_READ);
	assert_int_equal(store_info(f->s, &after), IDR_OK);
	store_txn_abort(t);
	assert_true(after.used_bytes >= before.used_bytes + LARGE_LEN);
	assert_true(after.used_bytes <= after.map_size);
	assert_true(after.readers >= 1);
	assert_true(after.readers <= after.max_readers);
	if (f->backend == STORE_BACKEND_LMDB) {
		assert_true(before.used_bytes > 0);
		assert_true(after.file_bytes >= after.used_bytes);
		assert_true(after.file_bytes <= after.map_size);
	} else {
		assert_int_equal(after.file_bytes, 0);
	}
	free(big);
}

static void
test_store_second_writer(void **state)
{
	struct fx *f = *state;
	struct store_txn *w, *w2 = NULL, *r;

	w = begin(f, STORE_TXN_WRITE);
	assert_int_equal(store_txn_begin(f->s, STORE_TXN_WRITE, &w2), IDR_EBUSY);
	assert_null(w2);
	put_ok(w, STORE_DB_META, "a", "1");
	r = begin(f, STORE_TXN_READ); /* readers are not blocked by the writer */
	store_txn_abort(r);
	assert_int_equal(store_txn_commit(w), IDR_OK);
	w = begin(f, STORE_TXN_WRITE);
	VAL(w, STORE_DB_META, "a", "1");
	store_txn_abort(w);
	w = begin(f, STORE_TXN_WRITE);
	store_txn_abort(w);
}

static void
test_store_readers_full(void **state)
{
	struct fx *f = *state;
	struct store_txn **rs, *extra = NULL;
	struct store_info info;
	unsigned i, n;

	store_close(f->s);
	f->s = NULL;
	sub_path(f, "readers", f->path, sizeof(f->path));
	f->opts.max_readers = 4;
	assert_int_equal(store_open(&f->s, &f->opts), IDR_OK);
	assert_int_equal(store_info(f->s, &info), IDR_OK);
	n = info.max_readers; /* LMDB rounds the table up to fill its pages */
	assert_true(n >= 4 && n < 1000);
	rs = calloc(n, sizeof(struct store_txn *));
	assert_non_null(rs);
	for (i = 0; i < n; i++) {
		rs[i] = begin(f, STORE_TXN_READ);
	}
	assert_int_equal(store_txn_begin(f->s, STORE_TXN_READ, &extra), IDR_EREADERS);
	assert_null(extra);
	/* a reset transaction keeps its slot */
	store_txn_reset(rs[0]);
	assert_int_equal(store_txn_begin(f->s, STORE_TXN_READ, &extra), IDR_EREADERS);
	/* the writer needs no reader slot */
	extra = begin(f, STORE_TXN_WRITE);
	put_ok(extra, STORE_DB_META, "a", "1");
	assert_int_equal(store_txn_commit(extra), IDR_OK);
	store_txn_abort(rs[1]);
	extra = begin(f, STORE_TXN_READ);
	VAL(extra, STORE_DB_META, "a", "1");
	store_txn_abort(extra);
	assert_int_equal(store_info(f->s, &info), IDR_OK);
	assert_int_equal(info.readers, n);
	for (i = 0; i < n; i++) {
		if (i != 1) {
			store_txn_abort(rs[i]);
		}
	}
	free(rs);
}

static void
test_store_db_names(void **state)
{
	int i, j;

	(void)state;
	assert_string_equal(store_db_name(STORE_DB_META), "meta");
	assert_string_equal(store_db_name(STORE_DB_HANDLES), "handles");
	assert_string_equal(store_db_name(STORE_DB_JOURNAL), "journal");
	assert_string_equal(store_db_name(STORE_DB_COUNT), "unknown");
	for (i = 0; i < STORE_DB_COUNT; i++) {
		for (j = i + 1; j < STORE_DB_COUNT; j++) {
			assert_string_not_equal(store_db_name((enum store_db)i),
			                        store_db_name((enum store_db)j));
		}
	}
}

/* ---- LMDB only ---------------------------------------------------------------------------- */

/* Fill the fill database with 1000-byte values until something fails; return how many fit. */
static unsigned
fill_until_full(struct store_txn *t, unsigned limit, int *rc)
{
	static uint8_t junk[1000];
	uint8_t kb[8];
	unsigned i;

	for (i = 0; i < limit; i++) {
		*rc = store_put(t, STORE_DB_STATS, be64(i, kb), slice_make(junk, sizeof(junk)), 0,
		                NULL);
		if (*rc != IDR_OK) {
			return i;
		}
	}
	*rc = IDR_OK;
	return i;
}

/* Reopen the fixture on a 64 KiB map holding meta "base" = "data". */
static void
small_map(struct fx *f)
{
	struct store_txn *t;

	store_close(f->s);
	f->s = NULL;
	sub_path(f, "small", f->path, sizeof(f->path));
	f->opts.map_size = 64u << 10;
	assert_int_equal(store_open(&f->s, &f->opts), IDR_OK);
	t = begin(f, STORE_TXN_WRITE);
	put_ok(t, STORE_DB_META, "base", "data");
	assert_int_equal(store_txn_commit(t), IDR_OK);
}

static void
test_store_map_full_put(void **state)
{
	struct fx *f = *state;
	struct store_txn *t;
	struct slice got;
	unsigned fit;
	int rc;

	small_map(f);
	/* a put that does not fit: IDR_ENOSPC, the transaction is broken, abort works */
	t = begin(f, STORE_TXN_WRITE);
	fit = fill_until_full(t, 10000, &rc);
	assert_int_equal(rc, IDR_ENOSPC);
	assert_true(fit > 0);
	assert_int_equal(store_put(t, STORE_DB_META, S("x"), S("y"), 0, NULL), IDR_ENOSPC);
	assert_int_equal(store_get(t, STORE_DB_META, S("base"), &got), IDR_ENOSPC);
	store_txn_abort(t);

	/* the same, ended with commit: the commit reports it and writes nothing */
	t = begin(f, STORE_TXN_WRITE);
	assert_int_equal(fill_until_full(t, 10000, &rc), fit);
	assert_int_equal(rc, IDR_ENOSPC);
	assert_int_equal(store_txn_commit(t), IDR_ENOSPC);

	/* the store is usable and intact */
	t = begin(f, STORE_TXN_WRITE);
	VAL(t, STORE_DB_META, "base", "data");
	assert_int_equal(count(t, STORE_DB_STATS), 0);
	put_ok(t, STORE_DB_META, "after", "ok");
	assert_int_equal(store_txn_commit(t), IDR_OK);
	t = begin(f, STORE_TXN_READ);
	VAL(t, STORE_DB_META, "after", "ok");
	store_txn_abort(t);
}

/* All puts fit but the commit needs more pages: IDR_ENOSPC from commit, nothing written. */
static void
test_store_map_full_commit(void **state)
{
	struct fx *f = *state;
	struct store_txn *t;
	unsigned fit, n;
	bool commit_full = false;
	int rc;

	small_map(f);
	t = begin(f, STORE_TXN_WRITE);
	fit = fill_until_full(t, 10000, &rc);
	assert_int_equal(rc, IDR_ENOSPC);
	store_txn_abort(t);
	for (n = fit; n > 0; n--) {
		t = begin(f, STORE_TXN_WRITE);
		if (fill_until_full(t, n, &rc) < n) {
			assert_int_equal(rc, IDR_ENOSPC);
			store_txn_abort(t);
			continue;
		}
		rc = store_txn_commit(t);
		if (rc == IDR_OK) {
			fail_msg("%u puts committed before any commit hit the map limit", n);
		}
		assert_int_equal(rc, IDR_ENOSPC);
		commit_full = true;
		break;
	}
	assert_true(commit_full);
	t = begin(f, STORE_TXN_READ);
	VAL(t, STORE_DB_META, "base", "data");
	assert_int_equal(count(t, STORE_DB_STATS), 0);
	store_txn_abort(t);

	/* a smaller batch still commits */
	t = begin(f, STORE_TXN_WRITE);
	assert_int_equal(fill_until_full(t, n / 2, &rc), n / 2);
	assert_int_equal(store_txn_commit(t), IDR_OK);
	t = begin(f, STORE_TXN_READ);
	assert_int_equal(count(t, STORE_DB_STATS), n / 2);
	VAL(t, STORE_DB_META, "base", "data");
	store_txn_abort(t);
}

/* argv[0]: the stale-reader test runs this binary again as its helper */
static const char *self_path;

/*
 * The helper (main with --hold-readers DIR N FD): take all N reader slots of the store in DIR,
 * report on FD whether that worked ('1'), then get killed holding them, as a crashed reader
 * would. It is a separate program so that memory checkers do not follow it.
 */
static int
hold_readers(const char *dir, const char *nstr, const char *fdstr)
{
	struct store_opts o = {.backend = STORE_BACKEND_LMDB, .path = dir};
	struct store *s = NULL;
	struct store_txn *t = NULL;
	uint64_t n = 0, fd = 0, i = 0;
	char ok = '0';

	if (num_parse_u64(nstr, 1, 1000, &n) != IDR_OK ||
	    num_parse_u64(fdstr, 0, 1000, &fd) != IDR_OK) {
		return 2;
	}
	if (store_open(&s, &o) == IDR_OK) {
		while (i < n && store_txn_begin(s, STORE_TXN_READ, &t) == IDR_OK) {
			i++;
		}
		if (i == n && store_txn_begin(s, STORE_TXN_READ, &t) == IDR_EREADERS) {
			ok = '1';
		}
	}
	if (write((int)fd, &ok, 1) != 1) {
		return 2;
	}
	raise(SIGKILL);
	return 2;
}

static void
test_store_stale_readers(void **state)
{
	struct fx *f = *state;
	struct store_info info;
	struct store_txn *t;
	int status = -1, fds[2];
	char ok = 0, nstr[16], fdstr[16];
	pid_t pid;

	store_close(f->s);
	f->s = NULL;
	sub_path(f, "stale", f->path, sizeof(f->path));
	f->opts.max_readers = 4;
	assert_int_equal(store_open(&f->s, &f->opts), IDR_OK);
	assert_int_equal(store_info(f->s, &info), IDR_OK);
	assert_int_equal(pipe(fds), 0);
	snprintf(nstr, sizeof(nstr), "%u", info.max_readers);
	snprintf(fdstr, sizeof(fdstr), "%d", fds[1]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		execl(self_path, self_path, "--hold-readers", f->path, nstr, fdstr, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &ok, 1), 1);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(ok, '1');
	/* every slot belongs to a dead process: the begin clears them and retries */
	t = begin(f, STORE_TXN_READ);
	store_txn_abort(t);
	assert_int_equal(store_info(f->s, &info), IDR_OK);
	assert_true(info.readers <= info.max_readers);
}

static void
test_store_open_missing(void **state)
{
	struct fx *f = *state;
	struct store_opts o = f->opts;
	struct store *s = NULL;
	char path[300], data[320];
	struct stat st;
	mode_t mask;
	FILE *fp;

	o.create = false;
	sub_path(f, "missing", path, sizeof(path));
	o.path = path;
	assert_int_equal(store_open(&s, &o), IDR_ENOENT);
	assert_null(s);
	assert_int_not_equal(stat(path, &st), 0); /* not created */

	/* an existing empty directory is not a store either, and stays empty */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(store_open(&s, &o), IDR_ENOENT);
	snprintf(data, sizeof(data), "%s/data.mdb", path);
	assert_int_not_equal(stat(data, &st), 0);
	o.read_only = true;
	assert_int_equal(store_open(&s, &o), IDR_ENOENT);
	o.read_only = false;

	/* a file where the directory should be */
	sub_path(f, "file", path, sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(store_open(&s, &o), -ENOTDIR);
	o.create = true;
	assert_int_equal(store_open(&s, &o), -ENOTDIR);

	/* create makes only the last component, with mode 0750 */
	sub_path(f, "no/such", path, sizeof(path));
	assert_int_equal(store_open(&s, &o), IDR_ENOENT);
	sub_path(f, "fresh", path, sizeof(path));
	assert_int_equal(store_open(&s, &o), IDR_OK);
	store_close(s);
	mask = umask(0);
	umask(mask);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750 & ~mask);
	o.path = "";
	assert_int_equal(store_open(&s, &o), IDR_EINVAL);
	o.path = NULL;
	assert_int_equal(store_open(&s, &o), IDR_EINVAL);
	o.backend = (enum store_backend)7;
	assert_int_equal(store_open(&s, &o), IDR_EINVAL);
	assert_int_equal(store_open(&s, NULL), IDR_EINVAL);
}

/* A data.mdb that is not an LMDB file is IDR_ESCHEMA, and stays as it was. */
static void
test_store_open_invalid(void **state)
{
	struct fx *f = *state;
	struct store_opts o = f->opts;
	struct store *s = NULL;
	char path[300], data[320];
	uint8_t junk[16384], back[sizeof(junk)];
	FILE *fp;

	memset(junk, 0xab, sizeof(junk));
	sub_path(f, "junk", path, sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(data, sizeof(data), "%s/data.mdb", path);
	fp = fopen(data, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
	assert_int_equal(fclose(fp), 0);
	o.path = path;
	o.create = false;
	assert_int_equal(store_open(&s, &o), IDR_ESCHEMA);
	assert_null(s);
	o.read_only = true;
	assert_int_equal(store_open(&s, &o), IDR_ESCHEMA);
	fp = fopen(data, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(back, 1, sizeof(back), fp), sizeof(back));
	fclose(fp);
	assert_memory_equal(back, junk, sizeof(junk));
}

static void
test_store_sync(void **state)
{
	struct fx *f = *state;
	struct store_txn *t = begin(f, STORE_TXN_WRITE);

	put_ok(t, STORE_DB_META, "a", "1");
	assert_int_equal(store_txn_commit(t), IDR_OK);
	assert_int_equal(store_sync(f->s), IDR_OK);
	assert_int_equal(store_sync(NULL), IDR_EINVAL);
	store_close(NULL);
}

/* one test on one backend, named "test_x/lmdb" or "test_x/memory" */
#define CASE(fn, be)                                                                               \
	{                                                                                          \
		.name = #fn "/" #be, .test_func = (fn), .setup_func = fx_setup,                    \
		.teardown_func = fx_teardown, .initial_state = &param_##be                         \
	}

int
main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
	        CASE(test_store_put_get_del, lmdb),
	        CASE(test_store_put_get_del, memory),
	        CASE(test_store_nooverwrite_existing, lmdb),
	        CASE(test_store_nooverwrite_existing, memory),
	        CASE(test_store_append, lmdb),
	        CASE(test_store_append, memory),
	        CASE(test_store_count, lmdb),
	        CASE(test_store_count, memory),
	        CASE(test_store_txn_reads, lmdb),
	        CASE(test_store_txn_reads, memory),
	        CASE(test_store_cursor_iterate, lmdb),
	        CASE(test_store_cursor_iterate, memory),
	        CASE(test_store_cursor_many, lmdb),
	        CASE(test_store_cursor_many, memory),
	        CASE(test_store_cursor_survives_inserts, lmdb),
	        CASE(test_store_cursor_survives_inserts, memory),
	        CASE(test_store_cursor_survives_deletes, lmdb),
	        CASE(test_store_cursor_survives_deletes, memory),
	        CASE(test_store_cursor_txn_end, lmdb),
	        CASE(test_store_cursor_txn_end, memory),
	        CASE(test_store_abort_undoes, lmdb),
	        CASE(test_store_abort_undoes, memory),
	        CASE(test_store_commit_persists, lmdb),
	        CASE(test_store_commit_persists, memory),
	        CASE(test_store_read_reset_renew, lmdb),
	        CASE(test_store_read_reset_renew, memory),
	        CASE(test_store_read_slices_survive_writer, lmdb),
	        CASE(test_store_read_slices_survive_writer, memory),
	        CASE(test_store_bad_args, lmdb),
	        CASE(test_store_bad_args, memory),
	        CASE(test_store_large_value, lmdb),
	        CASE(test_store_large_value, memory),
	        CASE(test_store_read_only, lmdb),
	        CASE(test_store_read_only, memory),
	        CASE(test_store_info, lmdb),
	        CASE(test_store_info, memory),
	        CASE(test_store_second_writer, lmdb),
	        CASE(test_store_second_writer, memory),
	        CASE(test_store_readers_full, lmdb),
	        CASE(test_store_readers_full, memory),
	        CASE(test_store_db_names, lmdb),
	        CASE(test_store_db_names, memory),
	        CASE(test_store_sync, lmdb),
	        CASE(test_store_sync, memory),
	        CASE(test_store_map_full_put, lmdb),
	        CASE(test_store_map_full_commit, lmdb),
	        CASE(test_store_stale_readers, lmdb),
	        CASE(test_store_open_missing, lmdb),
	        CASE(test_store_open_invalid, lmdb),
	};

	if (argc == 5 && strcmp(argv[1], "--hold-readers") == 0) {
		return hold_readers(argv[2], argv[3], argv[4]);
	}
	self_path = argv[0];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
