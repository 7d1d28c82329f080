/*
 * bench_get.c - random point lookups on a data directory with many records (tests/bench/
 * import.sh makes one with 1,000,000), one thread, three ways:
 *   raw     mdb_get on the `handles` database with a pre-folded key, one read transaction
 *           renewed and reset around each lookup (the LMDB floor);
 *   folded  reg_get_folded with reg_read_renew/reg_read_reset per lookup;
 *   get     reg_get: identifier parse + fold + lookup, same transaction handling.
 * This is the one file outside registry/store.c that includes lmdb.h (the raw baseline).
 *
 * Each variant runs in its own child process (LMDB forbids opening one environment twice in
 * a process), scans every record once untimed so page faults are not measured, then looks up
 * keys in the same pseudo-random order for SECONDS. Rounds interleave the variants so that
 * machine drift hits all alike; the median of the rounds is reported.
 *
 * usage: bench_get DATA_DIR [SECONDS=2] [ROUNDS=3] [PREFIX=88.118.8/]
 * output: "RESULT <variant> <lookups/s>" per round and a summary with the ratios.
 */
#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "model/rec.h"
#include "reg.h"
#include "store/store.h"

#define MAX_ROUNDS 15
#define CHUNK      4096

struct keys {
	char *buf;   /* all keys, NUL-separated */
	size_t *off; /* start of each key */
	size_t *len;
	size_t n;
	char *lower; /* the same keys with ASCII letters lower-cased (for reg_get) */
};

enum variant { V_RAW, V_FOLDED, V_GET, V_COUNT };
static const char *const vnames[V_COUNT] = {"raw_mdb_get", "reg_get_folded", "reg_get"};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int
check(int rc, const char *what)
{
	if (rc != MDB_SUCCESS) {
		fprintf(stderr, "bench_get: %s: %s\n", what, mdb_strerror(rc));
		exit(1);
	}
	return rc;
}

static void
raw_open(const char *dir, MDB_env **env, MDB_dbi *dbi)
{
	MDB_txn *txn;

	check(mdb_env_create(env), "mdb_env_create");
	check(mdb_env_set_maxdbs(*env, STORE_DB_COUNT), "mdb_env_set_maxdbs");
	check(mdb_env_open(*env, dir, MDB_RDONLY | MDB_NOTLS, 0), dir);
	check(mdb_txn_begin(*env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin");
	check(mdb_dbi_open(txn, store_db_name(STORE_DB_HANDLES), 0, dbi), "mdb_dbi_open");
	check(mdb_txn_commit(txn), "mdb_txn_commit"); /* an aborted txn would close the dbi */
}

static void
keys_add(struct keys *k, size_t *cap, size_t *bcap, size_t *blen, const MDB_val *key)
{
	if (k->n == *cap) {
		*cap = *cap != 0 ? *cap * 2 : 1 << 16;
		k->off = realloc(k->off, *cap * sizeof(*k->off));
		k->len = realloc(k->len, *cap * sizeof(*k->len));
	}
	while (*blen + key->mv_size + 1 > *bcap) {
		*bcap = *bcap != 0 ? *bcap * 2 : 1 << 20;
		k->buf = realloc(k->buf, *bcap);
	}
	if (k->off == NULL || k->len == NULL || k->buf == NULL) {
		fprintf(stderr, "bench_get: out of memory\n");
		exit(1);
	}
	memcpy(k->buf + *blen, key->mv_data, key->mv_size);
	k->buf[*blen + key->mv_size] = '\0';
	k->off[k->n] = *blen;
	k->len[k->n] = key->mv_size;
	k->n++;
	*blen += key->mv_size + 1;
}

/* Collect every stored key that starts with prefix (the folded identifiers). */
static void
keys_load(const char *dir, const char *prefix, struct keys *k)
{
	size_t plen = strlen(prefix), cap = 0, bcap = 0, blen = 0, i;
	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *txn;
	MDB_cursor *c;
	char *pcopy = strdup(prefix);
	MDB_val key = {plen, pcopy}, val;
	int rc;

	memset(k, 0, sizeof(*k));
	if (pcopy == NULL) {
		exit(1);
	}
	raw_open(dir, &env, &dbi);
	check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin");
	check(mdb_cursor_open(txn, dbi, &c), "mdb_cursor_open");
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		if (key.mv_size < plen || memcmp(key.mv_data, prefix, plen) != 0) {
			break;
		}
		keys_add(k, &cap, &bcap, &blen, &key);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	free(pcopy);
	k->lower = malloc(blen > 0 ? blen : 1);
	if (k->lower == NULL) {
		exit(1);
	}
	for (i = 0; i < blen; i++) {
		unsigned char ch = (unsigned char)k->buf[i];

		k->lower[i] = (char)((ch >= 'A' && ch <= 'Z') ? ch | 0x20u : ch);
	}
}

static void
keys_free(struct keys *k)
{
	free(k->buf);
	free(k->off);
	free(k->len);
	free(k->lower);
}

static volatile uint64_t sink;

static double
bench_raw(const char *dir, const struct keys *k, double secs)
{
	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val key, val;
	uint64_t ops = 0;
	double t0, dt;
	int j;

	raw_open(dir, &env, &dbi);
	check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin");
	check(mdb_cursor_open(txn, dbi, &c), "mdb_cursor_open");
	while (mdb_cursor_get(c, &key, &val, MDB_NEXT) == MDB_SUCCESS) {
		sink += ((const uint8_t *)val.mv_data)[val.mv_size - 1];
	}
	mdb_cursor_close(c);
	mdb_txn_reset(txn);
	t0 = now();
	do {
		for (j = 0; j < CHUNK; j++) {
			size_t i = (size_t)(rng() % k->n);

			check(mdb_txn_renew(txn), "mdb_txn_renew");
			key.mv_size = k->len[i];
			key.mv_data = k->buf + k->off[i];
			check(mdb_get(txn, dbi, &key, &val), "mdb_get");
			sink += ((const uint8_t *)val.mv_data)[0];
			mdb_txn_reset(txn);
		}
		ops += CHUNK;
	} while ((dt = now() - t0) < secs);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return (double)ops / dt;
}

static int
warm(void *arg, struct slice key, const struct rec_view *rec)
{
	(void)arg;
	(void)key;
	sink += rec->nvalues;
	return 0;
}

static double
bench_reg(const char *dir, const struct keys *k, double secs, bool parse)
{
	struct reg_opts o;
	struct reg *r;
	struct reg_rtxn *t;
	struct rec_view view;
	uint64_t ops = 0;
	double t0, dt;
	int j, rc;

	memset(&o, 0, sizeof(o));
	o.data_dir = dir;
	o.read_only = true;
	if ((rc = reg_open(&r, &o)) != IDR_OK || (rc = reg_read_begin(r, &t)) != IDR_OK) {
		fprintf(stderr, "bench_get: %s: %s\n", dir, idr_strerror(rc));
		exit(1);
	}
	(void)reg_list(t, slice_make(NULL, 0), slice_make(NULL, 0), REC_KIND_NONE, 0, warm, NULL);
	reg_read_reset(t);
	t0 = now();
	do {
		for (j = 0; j < CHUNK; j++) {
			size_t i = (size_t)(rng() % k->n);

			if (reg_read_renew(t) != IDR_OK) {
				exit(1);
			}
			rc = parse ? reg_get(t, slice_make(k->lower + k->off[i], k->len[i]), &view)
			           : reg_get_folded(t, slice_make(k->buf + k->off[i], k->len[i]),
			                            &view);
			if (rc != IDR_OK) {
				fprintf(stderr, "bench_get: lookup %zu: %s\n", i, idr_strerror(rc));
				exit(1);
			}
			sink += view.nvalues;
			reg_read_reset(t);
		}
		ops += CHUNK;
	} while ((dt = now() - t0) < secs);
	reg_read_end(t);
	reg_close(r);
	return (double)ops / dt;
}

/* Run one variant in a child process; its rate comes back through a pipe. */
static double
run_child(enum variant v, const char *dir, const struct keys *k, double secs)
{
	int fds[2], status;
	double rate = 0;
	pid_t pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		perror("bench_get: fork");
		exit(1);
	}
	if (pid == 0) {
		close(fds[0]);
		rate = v == V_RAW ? bench_raw(dir, k, secs) : bench_reg(dir, k, secs, v == V_GET);
		if (write(fds[1], &rate, sizeof(rate)) != (ssize_t)sizeof(rate)) {
			_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &rate, sizeof(rate)) != (ssize_t)sizeof(rate)) {
		rate = 0;
	}
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_get: %s run failed\n", vnames[v]);
		exit(1);
	}
	return rate;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	double secs = argc > 2 ? strtod(argv[2], NULL) : 2.0, rates[V_COUNT][MAX_ROUNDS],
	       med[V_COUNT];
	int rounds = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 3, r, v;
	const char *prefix = argc > 4 ? argv[4] : "88.118.8/";
	struct keys k;

	if (argc < 2 || secs <= 0 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr,
		        "usage: bench_get DATA_DIR [SECONDS=2] [ROUNDS=3 (1..%d)] "
		        "[PREFIX=88.118.8/]\n",
		        MAX_ROUNDS);
		return 2;
	}
	keys_load(argv[1], prefix, &k);
	if (k.n == 0) {
		fprintf(stderr, "bench_get: no records under %s in %s\n", prefix, argv[1]);
		keys_free(&k);
		return 1;
	}
	printf("keys: %zu under %s; %d rounds of %.1f s per variant\n", k.n, prefix, rounds, secs);
	for (r = 0; r < rounds; r++) {
		for (v = 0; v < V_COUNT; v++) {
			rates[v][r] = run_child((enum variant)v, argv[1], &k, secs);
			printf("RESULT %s %.0f\n", vnames[v], rates[v][r]);
			fflush(stdout);
		}
	}
	for (v = 0; v < V_COUNT; v++) {
		qsort(rates[v], (size_t)rounds, sizeof(double), cmp_double);
		med[v] = rates[v][rounds / 2];
	}
	printf("median lookups/s: raw mdb_get %.0f, reg_get_folded %.0f (%.2fx raw), "
	       "reg_get %.0f (%.2fx raw)\n",
	       med[V_RAW], med[V_FOLDED], med[V_FOLDED] / med[V_RAW], med[V_GET],
	       med[V_GET] / med[V_RAW]);
	keys_free(&k);
	return 0;
}
