/* frdb.c - reports received by the top level (frdb.h). */
#include "fed/frdb.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/log.h"
#include "base/num.h"
#include "model/ident.h"
#include "model/vjson.h"
#include "pfx.h"

#define FRDB_HEAD_MAX 96 /* an "R" or "T" line */

struct rep {
	uint64_t period, interval, from, to, received;
	uint64_t uptime, store_bytes, journal_head;
	struct frep_count total;
	uint8_t hash[CRYPTO_SHA256_LEN];
	char *body;
	size_t len;
};

struct node {
	char name[PFX_MAX_LEN + 1];    /* upper-case form */
	struct rep hist[FRDB_HISTORY]; /* by period, ascending */
	size_t n;
	struct frep_count base; /* totals of reports no longer in hist */
	uint64_t base_reports;
	uint64_t last_received;
};

struct frdb {
	pthread_mutex_t mu;
	char *path;
	FILE *f;
	size_t records; /* in the file */
	struct node *nodes;
	size_t nnodes;
	struct frep_count *scratch; /* FREP_MAX_PREFIXES counts for parsing */
};

static struct node *
node_find(struct frdb *db, struct slice name, bool create)
{
	char folded[PFX_MAX_LEN + 1];
	struct node *n;

	if (name.len == 0 || name.len > PFX_MAX_LEN) {
		return NULL;
	}
	ident_fold(name.p, name.len, (uint8_t *)folded);
	folded[name.len] = '\0';
	for (size_t i = 0; i < db->nnodes; i++) {
		if (strcmp(db->nodes[i].name, folded) == 0) {
			return &db->nodes[i];
		}
	}
	if (!create || db->nnodes >= FRDB_MAX_NODES) {
		return NULL;
	}
	n = realloc(db->nodes, (db->nnodes + 1) * sizeof(*n));
	if (n == NULL) {
		return NULL;
	}
	db->nodes = n;
	n = &db->nodes[db->nnodes++];
	memset(n, 0, sizeof(*n));
	memcpy(n->name, folded, name.len + 1);
	return n;
}

static void
add(struct frep_count *to, const struct frep_count *c)
{
	to->creates += c->creates;
	to->updates += c->updates;
	to->deletes += c->deletes;
	to->resolutions += c->resolutions;
}

/* Put rep (taking its body) at its place in n's history; the oldest goes to the base. */
static void
hist_insert(struct node *n, struct rep *rep)
{
	size_t at = n->n;

	while (at > 0 && n->hist[at - 1].period > rep->period) {
		at--;
	}
	if (n->n == FRDB_HISTORY) {
		add(&n->base, &n->hist[0].total);
		n->base_reports++;
		free(n->hist[0].body);
		memmove(&n->hist[0], &n->hist[1], (FRDB_HISTORY - 1) * sizeof(n->hist[0]));
		n->n--;
		at = at > 0 ? at - 1 : 0;
	}
	memmove(&n->hist[at + 1], &n->hist[at], (n->n - at) * sizeof(n->hist[0]));
	n->hist[at] = *rep;
	n->n++;
	if (rep->received > n->last_received) {
		n->last_received = rep->received;
	}
}

static struct rep *
hist_find(struct node *n, uint64_t period)
{
	for (size_t i = 0; i < n->n; i++) {
		if (n->hist[i].period == period) {
			return &n->hist[i];
		}
	}
	return NULL;
}

/* Check r against n's history: IDR_OK (new), IDR_EEXIST (same body), IDR_ECONFLICT, IDR_ESTATE */
static int
check(struct node *n, const struct frep *r, const uint8_t hash[CRYPTO_SHA256_LEN])
{
	struct rep *old = hist_find(n, r->period);

	if (old != NULL) {
		return crypto_memeq(old->hash, hash, CRYPTO_SHA256_LEN) ? IDR_EEXIST
		                                                        : IDR_ECONFLICT;
	}
	if (n->n == FRDB_HISTORY && r->period < n->hist[0].period) {
		return IDR_ESTATE;
	}
	return IDR_OK;
}

static int
rep_make(struct rep *rep, const struct frep *r, struct slice body, uint64_t received)
{
	memset(rep, 0, sizeof(*rep));
	if (crypto_sha256(body.p, body.len, rep->hash) != IDR_OK) {
		return IDR_ECRYPTO;
	}
	rep->body = malloc(body.len > 0 ? body.len : 1);
	if (rep->body == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(rep->body, body.p, body.len);
	rep->len = body.len;
	rep->period = r->period;
	rep->interval = r->interval;
	rep->from = r->from;
	rep->to = r->to;
	rep->received = received;
	rep->uptime = r->uptime;
	rep->store_bytes = r->store_bytes;
	rep->journal_head = r->journal_head;
	frep_total(r, &rep->total);
	return IDR_OK;
}

/* ---------------------------------------------------------------- the file */

static int
write_rep(FILE *f, const struct rep *rep)
{
	if (fprintf(f, "R %llu %zu\n", (unsigned long long)rep->received, rep->len) < 0 ||
	    fwrite(rep->body, 1, rep->len, f) != rep->len) {
		return IDR_EIO;
	}
	return IDR_OK;
}

static int
write_base(FILE *f, const struct node *n)
{
	if (n->base_reports == 0) {
		return IDR_OK;
	}
	return fprintf(f, "T %s %llu %llu %llu %llu %llu\n", n->name,
	               (unsigned long long)n->base.creates, (unsigned long long)n->base.updates,
	               (unsigned long long)n->base.deletes, (unsigned long long)n->base.resolutions,
	               (unsigned long long)n->base_reports) < 0
	               ? IDR_EIO
	               : IDR_OK;
}

/* Rewrite the file from memory (a temporary file renamed over it). */
static int
compact(struct frdb *db)
{
	size_t plen = strlen(db->path) + 8;
	char *tmp = malloc(plen);
	size_t records = 0;
	FILE *f;
	int rc = IDR_OK;

	if (tmp == NULL) {
		return IDR_ENOMEM;
	}
	snprintf(tmp, plen, "%s.tmp", db->path);
	f = fopen(tmp, "wb");
	if (f == NULL) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	for (size_t i = 0; rc == IDR_OK && i < db->nnodes; i++) {
		rc = write_base(f, &db->nodes[i]);
		records += db->nodes[i].base_reports > 0;
		for (size_t j = 0; rc == IDR_OK && j < db->nodes[i].n; j++) {
			rc = write_rep(f, &db->nodes[i].hist[j]);
			records++;
		}
	}
	if (fclose(f) != 0 && rc == IDR_OK) {
		rc = IDR_EIO;
	}
	if (rc == IDR_OK && rename(tmp, db->path) != 0) {
		rc = -errno;
	}
	if (rc == IDR_OK) {
		fclose(db->f);
		db->f = fopen(db->path, "ab");
		rc = db->f != NULL ? IDR_OK : -errno;
		db->records = records;
	} else {
		(void)unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* One "T" line's fields after "T ". */
static int
load_base(struct frdb *db, char *line)
{
	char *save = NULL, *name = strtok_r(line, " ", &save);
	uint64_t v[5];
	struct node *n;

	for (size_t i = 0; i < 5; i++) {
		char *w = strtok_r(NULL, " ", &save);

		if (w == NULL || num_parse_u64(w, 0, UINT64_MAX / 2, &v[i]) != IDR_OK) {
			return IDR_EPROTO;
		}
	}
	if (name == NULL || strtok_r(NULL, " ", &save) != NULL ||
	    (n = node_find(db, slice_cstr(name), true)) == NULL) {
		return IDR_EPROTO;
	}
	n->base.creates += v[0];
	n->base.updates += v[1];
	n->base.deletes += v[2];
	n->base.resolutions += v[3];
	n->base_reports += v[4];
	return IDR_OK;
}

/* One "R" record: its line (after "R ") and body from f. */
static int
load_rep(struct frdb *db, FILE *f, char *line)
{
	char *save = NULL, *w1 = strtok_r(line, " ", &save), *w2 = strtok_r(NULL, " ", &save);
	uint64_t received, len;
	struct frep r;
	struct rep rep;
	struct node *n;
	char *body;
	int rc;

	if (w1 == NULL || w2 == NULL ||
	    num_parse_u64(w1, 0, UINT32_MAX * 4ULL, &received) != IDR_OK ||
	    num_parse_u64(w2, 1, FREP_MAX_BODY, &len) != IDR_OK) {
		return IDR_EPROTO;
	}
	body = malloc(len);
	if (body == NULL) {
		return IDR_ENOMEM;
	}
	if (fread(body, 1, len, f) != len) {
		free(body);
		return IDR_EPROTO;
	}
	memset(&r, 0, sizeof(r));
	r.counts = db->scratch;
	r.cap = FREP_MAX_PREFIXES;
	rc = frep_parse(slice_make(body, len), &r, NULL, 0);
	n = rc == IDR_OK ? node_find(db, r.node, true) : NULL;
	if (n == NULL) {
		free(body);
		return rc == IDR_OK ? IDR_ENOMEM : rc;
	}
	rc = rep_make(&rep, &r, slice_make(body, len), received);
	if (rc == IDR_OK) {
		uint8_t hash[CRYPTO_SHA256_LEN];

		memcpy(hash, rep.hash, sizeof(hash));
		if (check(n, &r, hash) == IDR_OK) {
			hist_insert(n, &rep);
		} else {
			free(rep.body);
		}
	}
	free(body);
	return rc;
}

static void
load(struct frdb *db)
{
	FILE *f = fopen(db->path, "rb");
	char line[FRDB_HEAD_MAX + PFX_MAX_LEN];
	int rc = IDR_OK;

	if (f == NULL) {
		return;
	}
	while (rc == IDR_OK && fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);

		if (len < 3 || line[len - 1] != '\n' || line[1] != ' ') {
			rc = IDR_EPROTO;
			break;
		}
		line[len - 1] = '\0';
		rc = line[0] == 'R' ? load_rep(db, f, line + 2)
		                    : (line[0] == 'T' ? load_base(db, line + 2) : IDR_EPROTO);
		db->records++;
	}
	if (rc != IDR_OK) {
		log_warn("%s: a damaged record after %zu: %s; the rest is ignored", db->path,
		         db->records, idr_strerror(rc));
	}
	fclose(f);
}

int
frdb_open(struct frdb **out, const char *path)
{
	struct frdb *db = calloc(1, sizeof(*db));
	int rc;

	*out = NULL;
	if (db == NULL) {
		return IDR_ENOMEM;
	}
	pthread_mutex_init(&db->mu, NULL);
	db->path = strdup(path);
	db->scratch = calloc(FREP_MAX_PREFIXES, sizeof(*db->scratch));
	if (db->path == NULL || db->scratch == NULL) {
		frdb_free(db);
		return IDR_ENOMEM;
	}
	load(db);
	db->f = fopen(path, "ab");
	if (db->f == NULL) {
		rc = -errno;
		frdb_free(db);
		return rc;
	}
	*out = db;
	return IDR_OK;
}

void
frdb_free(struct frdb *db)
{
	if (db == NULL) {
		return;
	}
	for (size_t i = 0; i < db->nnodes; i++) {
		for (size_t j = 0; j < db->nodes[i].n; j++) {
			free(db->nodes[i].hist[j].body);
		}
	}
	if (db->f != NULL) {
		fclose(db->f);
	}
	pthread_mutex_destroy(&db->mu);
	free(db->nodes);
	free(db->scratch);
	free(db->path);
	free(db);
}

static int
put_locked(struct frdb *db, const struct frep *r, struct slice body, uint64_t now,
           enum frdb_outcome *out)
{
	struct node *n = node_find(db, r->node, true);
	struct rep rep;
	int rc;

	if (n == NULL) {
		return db->nnodes >= FRDB_MAX_NODES ? IDR_ELIMIT : IDR_ENOMEM;
	}
	rc = rep_make(&rep, r, body, now);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = check(n, r, rep.hash);
	if (rc == IDR_EEXIST) {
		free(rep.body);
		*out = FRDB_DUPLICATE;
		return IDR_OK;
	}
	if (rc == IDR_OK) {
		rc = write_rep(db->f, &rep);
	}
	if (rc == IDR_OK && fflush(db->f) != 0) {
		rc = IDR_EIO;
	}
	if (rc != IDR_OK) {
		free(rep.body);
		return rc;
	}
	hist_insert(n, &rep);
	db->records++;
	*out = FRDB_STORED;
	if (db->records > 2 * (size_t)FRDB_HISTORY * db->nnodes + 64) {
		int crc = compact(db);

		if (crc != IDR_OK) {
			log_warn("%s: not compacted: %s", db->path, idr_strerror(crc));
		}
	}
	return IDR_OK;
}

int
frdb_put(struct frdb *db, const struct frep *r, struct slice body, uint64_t now,
         enum frdb_outcome *out)
{
	int rc;

	pthread_mutex_lock(&db->mu);
	rc = put_locked(db, r, body, now, out);
	pthread_mutex_unlock(&db->mu);
	return rc;
}

static const char *
state_of(const struct node *n, uint64_t now)
{
	uint64_t iv, age;

	if (n == NULL || n->n == 0) {
		return "down";
	}
	iv = n->hist[n->n - 1].interval;
	age = now > n->last_received ? now - n->last_received : 0;
	return age > FRDB_DOWN * iv ? "down" : (age > FRDB_LATE * iv ? "late" : "up");
}

int
frdb_node_json(struct frdb *db, struct slice node, uint64_t now, struct wbuf *w)
{
	char when[VJSON_TIME_LEN];
	struct frep_count t;
	struct node *n;
	uint64_t reports;

	pthread_mutex_lock(&db->mu);
	n = node_find(db, node, false);
	wbuf_printf(w, "\"state\":\"%s\",", state_of(n, now));
	if (n == NULL || n->n == 0) {
		wbuf_cstr(w, "\"heartbeat\":null,\"report\":null");
		pthread_mutex_unlock(&db->mu);
		return wbuf_error(w);
	}
	vjson_time_format((uint32_t)n->last_received, when);
	t = n->base;
	reports = n->base_reports + n->n;
	for (size_t i = 0; i < n->n; i++) {
		add(&t, &n->hist[i].total);
	}
	{
		const struct rep *l = &n->hist[n->n - 1];

		wbuf_printf(
		        w,
		        "\"heartbeat\":\"%s\",\"report\":{\"interval\":%llu,\"last_period\":%llu,"
		        "\"periods\":%zu,\"uptime\":%llu,\"store_bytes\":%llu,"
		        "\"journal_head\":%llu,\"totals\":{\"reports\":%llu,\"creates\":%llu,"
		        "\"updates\":%llu,\"deletes\":%llu,\"resolutions\":%llu}}",
		        when, (unsigned long long)l->interval, (unsigned long long)l->period, n->n,
		        (unsigned long long)l->uptime, (unsigned long long)l->store_bytes,
		        (unsigned long long)l->journal_head, (unsigned long long)reports,
		        (unsigned long long)t.creates, (unsigned long long)t.updates,
		        (unsigned long long)t.deletes, (unsigned long long)t.resolutions);
	}
	pthread_mutex_unlock(&db->mu);
	return wbuf_error(w);
}
