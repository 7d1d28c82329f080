/* rimp.c - the remote import: a reading thread, a bounded queue, worker connections. */
#include "common/rimp.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "common/rcmd.h"
#include "common/rowsrc.h"
#include "model/rec.h"

#define QUEUE_PER_JOB  4
#define PROGRESS_EVERY 64
#define SEEN_MIN       1024
#define SEEN_MAX       (1u << 24)
#define BODY_MAX       (1u << 24)

/* One row to send. */
struct job {
	char *id;
	uint8_t *body;
	size_t body_len;
	uint64_t first, last;
};

/* Identifiers of this input queued so far: hashes of the folded identifier and of the body,
 * with the first line of the row (open addressing, at most 3/4 full). */
struct seen {
	uint64_t *id, *body, *line;
	size_t cap, n;
};

struct rimp {
	const struct rimp_opts *o;
	struct rimp_stats *st;
	struct rmt_cred *cred;
	struct rmt **conns;
	unsigned nconns;
	pthread_t *threads;
	unsigned nthreads;
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct job *q;
	size_t qcap, qhead, qlen;
	bool closed; /* no more jobs will come */
	bool stop;   /* a fatal failure: stop reading and sending */
	uint64_t done;
	uint64_t bytes; /* input consumed so far (src.bytes, for the progress of workers) */
	struct rowsrc src;
	struct seen seen;
	struct value *values;
	struct wbuf body;
};

/* ---------------------------------------------------------------- messages (under mu) */

static void
report(struct rimp *im, uint64_t first, uint64_t last, struct slice id, const char *reason)
{
	char msg[IMP_MSG_LEN + RCMD_MSG_MAX];

	im->st->s.bad++;
	if (im->o->report == NULL) {
		return;
	}
	if (id.len > 0 && id.len <= 512 && text_is_clean(id.p, id.len)) {
		snprintf(msg, sizeof(msg), "%.*s: %s", (int)id.len, (const char *)id.p, reason);
	} else {
		snprintf(msg, sizeof(msg), "%s", reason);
	}
	im->o->report(im->o->arg, first, last, msg);
}

static void
fatal(struct rimp *im, const char *msg)
{
	if (!im->stop) {
		im->stop = true;
		snprintf(im->st->s.fatal, sizeof(im->st->s.fatal), "%s", msg);
	}
	pthread_cond_broadcast(&im->not_full);
	pthread_cond_broadcast(&im->not_empty);
}

static void
progress(struct rimp *im, bool force)
{
	if (im->o->progress != NULL && (force || im->done % PROGRESS_EVERY == 0)) {
		im->o->progress(im->o->arg, im->bytes, im->done);
	}
}

/* ---------------------------------------------------------------- workers */

static void
job_free(struct job *j)
{
	free(j->id);
	free(j->body);
	memset(j, 0, sizeof(*j));
}

/* The next job, or false when there is none left (or the import stops). */
static bool
job_take(struct rimp *im, struct job *out)
{
	bool got = false;

	pthread_mutex_lock(&im->mu);
	while (!im->stop && im->qlen == 0 && !im->closed) {
		pthread_cond_wait(&im->not_empty, &im->mu);
	}
	if (!im->stop && im->qlen > 0) {
		*out = im->q[im->qhead];
		im->qhead = (im->qhead + 1) % im->qcap;
		im->qlen--;
		got = true;
		pthread_cond_signal(&im->not_full);
	}
	pthread_mutex_unlock(&im->mu);
	return got;
}

static void
job_done(struct rimp *im, const struct job *j, enum rcmd_outcome oc, const char *msg)
{
	struct imp_stats *st = &im->st->s;

	pthread_mutex_lock(&im->mu);
	switch (oc) {
	case RCMD_CREATED:
		st->created++;
		st->written = true;
		break;
	case RCMD_UNCHANGED:
		st->unchanged++;
		break;
	case RCMD_UPDATED:
		st->updated++;
		st->written = true;
		break;
	case RCMD_CONFLICT:
		st->conflicts++;
		report(im, j->first, j->last, slice_cstr(j->id), msg);
		break;
	case RCMD_FAILED:
		fatal(im, msg);
		break;
	default:
		report(im, j->first, j->last, slice_cstr(j->id), msg);
		break;
	}
	if (oc != RCMD_FAILED) {
		im->done++;
		progress(im, false);
	}
	pthread_mutex_unlock(&im->mu);
}

struct worker {
	struct rimp *im;
	struct rmt *r;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct rimp *im = w->im;
	char msg[RCMD_MSG_MAX];
	struct edit e;
	struct job j;

	if (edit_init(&e) != IDR_OK) {
		pthread_mutex_lock(&im->mu);
		fatal(im, "out of memory");
		pthread_mutex_unlock(&im->mu);
		return NULL;
	}
	while (job_take(im, &j)) {
		enum rcmd_outcome oc;

		msg[0] = '\0';
		oc = rcmd_create(w->r, &e, slice_cstr(j.id), slice_make(j.body, j.body_len),
		                 im->o->update, EDIT_IN_ROW, msg, sizeof(msg));
		job_done(im, &j, oc, msg);
		job_free(&j);
	}
	edit_deinit(&e);
	return NULL;
}

/* ---------------------------------------------------------------- identifiers seen */

static uint64_t
hash_bytes(struct slice s, bool fold)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < s.len; i++) {
		uint8_t c = s.p[i];

		if (fold && c >= 'a' && c <= 'z') {
			c = (uint8_t)(c - 'a' + 'A');
		}
		h = (h ^ c) * 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h != 0 ? h : 1;
}

static size_t
seen_slot(const struct seen *t, uint64_t h)
{
	size_t i = (size_t)h & (t->cap - 1);

	while (t->id[i] != 0 && t->id[i] != h) {
		i = (i + 1) & (t->cap - 1);
	}
	return i;
}

static bool
seen_grow(struct seen *t)
{
	size_t cap = t->cap != 0 ? t->cap * 2 : SEEN_MIN;
	struct seen n = {calloc(cap, 8), calloc(cap, 8), calloc(cap, 8), cap, t->n};

	if (cap > SEEN_MAX || n.id == NULL || n.body == NULL || n.line == NULL) {
		free(n.id);
		free(n.body);
		free(n.line);
		return false;
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (t->id[i] != 0) {
			size_t j = seen_slot(&n, t->id[i]);

			n.id[j] = t->id[i];
			n.body[j] = t->body[i];
			n.line[j] = t->line[i];
		}
	}
	free(t->id);
	free(t->body);
	free(t->line);
	*t = n;
	return true;
}

/*
 * Remember id's row (body, first line); an earlier one: its line (and whether the content is
 * the same) and false.
 */
static bool
seen_add(struct seen *t, struct slice id, struct slice body, uint64_t line, uint64_t *earlier,
         bool *same)
{
	uint64_t h = hash_bytes(id, true), b = hash_bytes(body, false);
	size_t i;

	if ((t->n + 1) * 4 > t->cap * 3 && !seen_grow(t)) {
		return true; /* no room: repeats read as the node's answer */
	}
	i = seen_slot(t, h);
	if (t->id[i] == h) {
		*earlier = t->line[i];
		*same = t->body[i] == b;
		return false;
	}
	t->id[i] = h;
	t->body[i] = b;
	t->line[i] = line;
	t->n++;
	return true;
}

/* ---------------------------------------------------------------- reading */

/* The PUT body of a row into im->body; false (reported) for a bad row. */
static bool
row_body(struct rimp *im, const struct row *row)
{
	char err[ROW_ERR_LEN];
	enum rec_kind kind = REC_KIND_NONE;
	size_t n = 0;
	int rc = IDR_OK;

	wbuf_reset(&im->body);
	err[0] = '\0';
	if (row->kind.len > 0 || row->form == ROW_ITEM) {
		rc = rec_kind_parse(row->kind, &kind);
		if (rc != IDR_OK) {
			snprintf(err, sizeof(err), "kind: %s",
			         idr_strerror(row->kind.len == 0 ? IDR_EREC_NOKIND : rc));
		}
	}
	if (rc == IDR_OK && row->form == ROW_ITEM) {
		rc = row_item_values(row, im->values, VALUE_MAX_VALUES, &n, err, sizeof(err));
		if (rc == IDR_OK) {
			rc = rcmd_item_body(&im->body, kind, im->values, n);
		}
	} else if (rc == IDR_OK) {
		rc = row->nvalues > VALUE_MAX_VALUES
		             ? IDR_EREC_TOOMANY
		             : rcmd_item_body(&im->body, kind, row->values, row->nvalues);
	}
	if (rc != IDR_OK) {
		pthread_mutex_lock(&im->mu);
		report(im, im->src.first, im->src.last, row->id,
		       err[0] != '\0' ? err : idr_strerror(rc));
		pthread_mutex_unlock(&im->mu);
		return false;
	}
	return true;
}

/* Queue a row (blocks while the queue is full). Takes nothing on failure. */
static int
enqueue(struct rimp *im, const struct row *row)
{
	struct job j;

	memset(&j, 0, sizeof(j));
	j.id = slice_strdup(row->id);
	j.body_len = wbuf_len(&im->body);
	j.body = malloc(j.body_len);
	if (j.id == NULL || j.body == NULL) {
		job_free(&j);
		return IDR_ENOMEM;
	}
	memcpy(j.body, wbuf_data(&im->body), j.body_len);
	j.first = im->src.first;
	j.last = im->src.last;
	pthread_mutex_lock(&im->mu);
	while (!im->stop && im->qlen == im->qcap) {
		pthread_cond_wait(&im->not_full, &im->mu);
	}
	if (im->stop) {
		pthread_mutex_unlock(&im->mu);
		job_free(&j);
		return IDR_OK;
	}
	im->q[(im->qhead + im->qlen) % im->qcap] = j;
	im->qlen++;
	pthread_cond_signal(&im->not_empty);
	pthread_mutex_unlock(&im->mu);
	return IDR_OK;
}

static int
one_row(struct rimp *im, const struct row *row)
{
	uint64_t earlier = 0;
	bool same = false;
	char msg[600];

	im->st->s.rows++;
	if (row->form == ROW_PREFIX) {
		im->st->prefix_lines++;
		return IDR_OK;
	}
	if (!row_body(im, row)) {
		return IDR_OK;
	}
	if (!seen_add(&im->seen, row->id, wbuf_slice(&im->body), im->src.first, &earlier, &same)) {
		snprintf(msg, sizeof(msg), "%.*s is a duplicate of line %llu (%s content)",
		         (int)(row->id.len > 512 ? 512 : row->id.len), (const char *)row->id.p,
		         (unsigned long long)earlier, same ? "same" : "different");
		pthread_mutex_lock(&im->mu);
		report(im, im->src.first, im->src.last, slice_make(NULL, 0), msg);
		pthread_mutex_unlock(&im->mu);
		return IDR_OK;
	}
	return enqueue(im, row);
}

static int
read_rows(struct rimp *im)
{
	struct row row;
	bool stop;
	int rc;

	for (;;) {
		pthread_mutex_lock(&im->mu);
		im->bytes = im->src.bytes;
		stop = im->stop;
		pthread_mutex_unlock(&im->mu);
		if (stop) {
			return IDR_OK;
		}
		rc = rowsrc_next(&im->src, &row);
		if (rc == IDR_ENOENT) {
			return IDR_OK;
		}
		if (rc == IDR_EAGAIN) {
			im->st->s.rows++;
			pthread_mutex_lock(&im->mu);
			report(im, im->src.first, im->src.last, im->src.bad_id, im->src.err);
			pthread_mutex_unlock(&im->mu);
			continue;
		}
		if (rc == IDR_OK) {
			rc = one_row(im, &row);
		}
		if (rc != IDR_OK) {
			pthread_mutex_lock(&im->mu);
			fatal(im, rc == IDR_ENOMEM ? "out of memory" : im->src.err);
			pthread_mutex_unlock(&im->mu);
			return rc;
		}
	}
}

/* ---------------------------------------------------------------- set-up */

static int
setup(struct rimp *im, int fd)
{
	char err[RMT_ERR_MAX];
	unsigned n = im->o->jobs != 0 ? im->o->jobs : RIMP_DEFAULT_JOBS;

	if (n > RIMP_MAX_JOBS) {
		n = RIMP_MAX_JOBS;
	}
	if (rmt_cred_load(&im->cred, im->o->remote, err, sizeof(err)) != IDR_OK) {
		snprintf(im->st->s.fatal, sizeof(im->st->s.fatal), "%.600s", err);
		return IDR_EINVAL;
	}
	/* an array of pointers (clang-tidy 14 reads sizeof(*p) of a pointer array as a mistake) */
	// NOLINTNEXTLINE(bugprone-sizeof-expression)
	im->conns = calloc(n, sizeof(*im->conns));
	im->threads = calloc(n, sizeof(*im->threads));
	im->qcap = (size_t)n * QUEUE_PER_JOB;
	im->q = calloc(im->qcap, sizeof(*im->q));
	im->values = calloc(VALUE_MAX_VALUES, sizeof(*im->values));
	if (im->conns == NULL || im->threads == NULL || im->q == NULL || im->values == NULL) {
		snprintf(im->st->s.fatal, sizeof(im->st->s.fatal), "out of memory");
		return IDR_ENOMEM;
	}
	/* every connection before any thread: libcurl's global start-up is not thread-safe */
	for (im->nconns = 0; im->nconns < n; im->nconns++) {
		if (rmt_new(&im->conns[im->nconns], im->o->remote, im->cred, err, sizeof(err)) !=
		    IDR_OK) {
			snprintf(im->st->s.fatal, sizeof(im->st->s.fatal), "%.600s", err);
			return IDR_EINVAL;
		}
	}
	if (rowsrc_open(&im->src, fd, &im->o->lim) != IDR_OK) {
		snprintf(im->st->s.fatal, sizeof(im->st->s.fatal), "%s", im->src.err);
		return IDR_EIO;
	}
	im->st->s.json = im->src.json;
	return IDR_OK;
}

static void
teardown(struct rimp *im)
{
	for (unsigned i = 0; i < im->nconns; i++) {
		rmt_free(im->conns[i]);
	}
	while (im->qlen > 0) {
		job_free(&im->q[im->qhead]);
		im->qhead = (im->qhead + 1) % im->qcap;
		im->qlen--;
	}
	rowsrc_close(&im->src);
	free(im->conns);
	free(im->threads);
	free(im->q);
	free(im->values);
	free(im->seen.id);
	free(im->seen.body);
	free(im->seen.line);
	wbuf_deinit(&im->body);
	rmt_cred_free(im->cred);
}

/* Start the workers, read, then wait for them. */
static int
run(struct rimp *im)
{
	struct worker *ws = calloc(im->nconns, sizeof(*ws));
	int rc = IDR_OK;

	if (ws == NULL) {
		snprintf(im->st->s.fatal, sizeof(im->st->s.fatal), "out of memory");
		return IDR_ENOMEM;
	}
	for (im->nthreads = 0; im->nthreads < im->nconns; im->nthreads++) {
		ws[im->nthreads].im = im;
		ws[im->nthreads].r = im->conns[im->nthreads];
		if (pthread_create(&im->threads[im->nthreads], NULL, worker_main,
		                   &ws[im->nthreads]) != 0) {
			pthread_mutex_lock(&im->mu);
			fatal(im, "cannot start a thread");
			pthread_mutex_unlock(&im->mu);
			break;
		}
	}
	if (im->nthreads > 0) {
		(void)read_rows(im);
	}
	pthread_mutex_lock(&im->mu);
	im->closed = true;
	pthread_cond_broadcast(&im->not_empty);
	pthread_mutex_unlock(&im->mu);
	for (unsigned i = 0; i < im->nthreads; i++) {
		pthread_join(im->threads[i], NULL);
	}
	free(ws);
	if (im->stop) {
		rc = IDR_EIO;
	}
	im->st->s.bytes = im->bytes = im->src.bytes;
	im->st->s.lines = im->src.lines;
	progress(im, true);
	return rc;
}

int
rimp_run(int fd, const struct rimp_opts *o, struct rimp_stats *st)
{
	struct rimp *im = calloc(1, sizeof(*im));
	int rc;

	memset(st, 0, sizeof(*st));
	if (im == NULL) {
		snprintf(st->s.fatal, sizeof(st->s.fatal), "out of memory");
		return IDR_ENOMEM;
	}
	im->o = o;
	im->st = st;
	wbuf_init_heap(&im->body, BODY_MAX);
	pthread_mutex_init(&im->mu, NULL);
	pthread_cond_init(&im->not_empty, NULL);
	pthread_cond_init(&im->not_full, NULL);
	rc = setup(im, fd);
	if (rc == IDR_OK) {
		rc = run(im);
	}
	teardown(im);
	pthread_cond_destroy(&im->not_full);
	pthread_cond_destroy(&im->not_empty);
	pthread_mutex_destroy(&im->mu);
	free(im);
	return rc;
}
