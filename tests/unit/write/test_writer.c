/*
 * test_writer.c - the writer thread (write/writer.h) on an LMDB registry: jobs applied in one
 * transaction per batch, acknowledged on the submitter's loop only after the commit, rule
 * violations isolated, the queue bound, draining at stop, the journal identity per job.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/mbox.h"
#include "lib/tmpdir.h"
#include "reg.h"
#include "write/writer.h"

#define QUEUE_MAX 4

struct fix;

struct tjob {
	struct writer_job j;
	struct fix *f;
	char id[64];
	int rc;
	int calls;
	bool ran;
	bool visible; /* the record could be read when done ran */
	bool block;   /* apply waits until the test releases it */
};

struct fix {
	char dir[256];
	char data[300];
	struct reg *reg;
	struct writer *wr;
	struct event_base *base;
	struct mbox *box;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool entered; /* a blocking apply started */
	bool release;
	int done;
	struct tjob jobs[16];
};

static struct value
url_value(const char *url)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = 1;
	v.type = SLICE_LIT("URL");
	v.data = slice_cstr(url);
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = VALUE_PERM_DEFAULT;
	return v;
}

static int
apply_create(void *arg, struct reg_wtxn *t)
{
	struct tjob *tj = arg;
	struct fix *f = tj->f;
	struct value v = url_value("https://example.com/");

	if (tj->block) {
		pthread_mutex_lock(&f->lock);
		f->entered = true;
		pthread_cond_broadcast(&f->cond);
		while (!f->release) {
			pthread_cond_wait(&f->cond, &f->lock);
		}
		pthread_mutex_unlock(&f->lock);
	}
	return reg_create(t, slice_cstr(tj->id), REC_KIND_NONE, &v, 1, 0, NULL);
}

static bool
readable(struct reg *r, const char *id)
{
	struct reg_rtxn *t;
	struct rec_view v;
	bool found;

	assert_int_equal(reg_read_begin(r, &t), IDR_OK);
	found = reg_get(t, slice_cstr(id), &v) == IDR_OK;
	reg_read_end(t);
	return found;
}

static void
on_done(void *arg, int rc, bool ran)
{
	struct tjob *tj = arg;

	tj->calls++;
	tj->rc = rc;
	tj->ran = ran;
	if (ran) {
		tj->visible = readable(tj->f->reg, tj->id);
	}
	tj->f->done++;
}

static struct tjob *
job(struct fix *f, size_t i, const char *id, const char *identity)
{
	struct tjob *tj = &f->jobs[i];

	memset(tj, 0, sizeof(*tj));
	tj->f = f;
	assert_true(snprintf(tj->id, sizeof(tj->id), "%s", id) < (int)sizeof(tj->id));
	tj->j.apply = apply_create;
	tj->j.done = on_done;
	tj->j.arg = tj;
	tj->j.identity = identity;
	tj->j.reply_to = f->box;
	return tj;
}

static void
wait_done(struct fix *f, int n)
{
	for (int i = 0; i < 2000 && f->done < n; i++) {
		struct timeval tv = {0, 10000};

		event_base_loopexit(f->base, &tv);
		assert_int_equal(event_base_dispatch(f->base), 0);
	}
	assert_int_equal(f->done, n);
}

static int
setup(void **state)
{
	struct writer_opts wo = {QUEUE_MAX, 0};
	struct reg_opts o;
	struct reg_wtxn *t;
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_non_null(tmpdir_make(f->dir, sizeof(f->dir), "test_writer"));
	assert_true(snprintf(f->data, sizeof(f->data), "%s/data", f->dir) < (int)sizeof(f->data));
	memset(&o, 0, sizeof(o));
	o.data_dir = f->data;
	o.map_size = 64ULL << 20;
	assert_int_equal(reg_init(&f->reg, &o, "88.100", "node"), IDR_OK);
	assert_int_equal(reg_write_begin(f->reg, NULL, &t), IDR_OK);
	assert_int_equal(
	        reg_prefix_add(t, SLICE_LIT("88.100.1"), SLICE_LIT("ent"), PFX_ENABLED, NULL),
	        IDR_OK);
	assert_int_equal(reg_write_commit(t), IDR_OK);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->base = event_base_new();
	assert_non_null(f->base);
	assert_int_equal(mbox_new(&f->box, f->base), IDR_OK);
	assert_int_equal(writer_new(&f->wr, f->reg, &wo), IDR_OK);
	assert_int_equal(writer_start(f->wr), IDR_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	writer_free(f->wr);
	mbox_free(f->box);
	event_base_free(f->base);
	reg_close(f->reg);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static void
test_writer_acknowledges_after_commit(void **state)
{
	struct fix *f = *state;
	struct tjob *a = job(f, 0, "88.100.1/a", NULL);
	struct tjob *bad = job(f, 1, "88.999.1/b", NULL); /* prefix not hosted here */
	struct tjob *c = job(f, 2, "88.100.1/c", NULL);
	struct writer_stats st;

	assert_int_equal(writer_submit(f->wr, &a->j), IDR_OK);
	assert_int_equal(writer_submit(f->wr, &bad->j), IDR_OK);
	assert_int_equal(writer_submit(f->wr, &c->j), IDR_OK);
	wait_done(f, 3);
	assert_int_equal(a->rc, IDR_OK);
	assert_true(a->ran && a->visible); /* durable and readable when acknowledged */
	assert_int_equal(bad->rc, IDR_EPFX_UNKNOWN);
	assert_false(bad->visible);
	assert_int_equal(c->rc, IDR_OK); /* not spoiled by its neighbour's rule violation */
	assert_true(c->visible);
	assert_int_equal(a->calls + bad->calls + c->calls, 3);
	writer_stats(f->wr, &st);
	assert_int_equal(st.jobs, 3);
	assert_true(st.commits >= 1 && st.commits <= 3);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.queued, 0);
}

static void
test_writer_queue_bound_and_group_commit(void **state)
{
	struct fix *f = *state;
	struct tjob *first = job(f, 0, "88.100.1/first", NULL);
	struct writer_stats st;
	char id[64];

	first->block = true;
	assert_int_equal(writer_submit(f->wr, &first->j), IDR_OK);
	pthread_mutex_lock(&f->lock);
	while (!f->entered) {
		pthread_cond_wait(&f->cond, &f->lock);
	}
	pthread_mutex_unlock(&f->lock);
	/* the writer is busy with the first: the queue fills up to its bound */
	for (size_t i = 1; i <= QUEUE_MAX; i++) {
		assert_true(snprintf(id, sizeof(id), "88.100.1/q%zu", i) < (int)sizeof(id));
		assert_int_equal(writer_submit(f->wr, &job(f, i, id, NULL)->j), IDR_OK);
	}
	assert_int_equal(writer_submit(f->wr, &job(f, QUEUE_MAX + 1, "88.100.1/x", NULL)->j),
	                 IDR_EAGAIN);
	writer_stats(f->wr, &st);
	assert_int_equal(st.queued, QUEUE_MAX);
	pthread_mutex_lock(&f->lock);
	f->release = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	wait_done(f, QUEUE_MAX + 1);
	writer_stats(f->wr, &st);
	/* the queued ones went in one transaction: one fsync for four acknowledgements */
	assert_int_equal(st.max_batch, QUEUE_MAX);
	assert_int_equal(st.commits, 2);
	for (size_t i = 0; i <= QUEUE_MAX; i++) {
		assert_int_equal(f->jobs[i].rc, IDR_OK);
		assert_true(f->jobs[i].visible);
	}
	assert_false(readable(f->reg, "88.100.1/x"));
}

static void
test_writer_stop_drains(void **state)
{
	struct fix *f = *state;
	char id[64];

	for (size_t i = 0; i < QUEUE_MAX; i++) {
		assert_true(snprintf(id, sizeof(id), "88.100.1/s%zu", i) < (int)sizeof(id));
		assert_int_equal(writer_submit(f->wr, &job(f, i, id, NULL)->j), IDR_OK);
	}
	writer_stop(f->wr); /* applies and commits what was queued, posts every answer */
	assert_int_equal(writer_submit(f->wr, &job(f, 10, "88.100.1/late", NULL)->j), IDR_ESTATE);
	assert_int_equal(f->done, 0); /* answers run on the loop, not in the writer */
	mbox_run(f->box);
	assert_int_equal(f->done, QUEUE_MAX);
	for (size_t i = 0; i < QUEUE_MAX; i++) {
		assert_int_equal(f->jobs[i].rc, IDR_OK);
		assert_true(f->jobs[i].visible);
	}
}

static void
test_writer_released_when_mailbox_goes(void **state)
{
	struct fix *f = *state;
	struct tjob *a = job(f, 0, "88.100.1/orphan", NULL);

	assert_int_equal(writer_submit(f->wr, &a->j), IDR_OK);
	writer_stop(f->wr);
	mbox_free(f->box); /* the worker went away before the answer ran */
	f->box = NULL;
	assert_int_equal(a->calls, 1);
	assert_false(a->ran);
	assert_int_equal(a->rc, IDR_OK);
	assert_true(readable(f->reg, "88.100.1/orphan")); /* committed all the same */
}

static int
find_identity(void *arg, const struct jrn_entry *e)
{
	const char **want = arg;

	if (e->op == JRN_OP_CREATE && slice_eq(e->identifier, SLICE_LIT("88.100.1/who")) &&
	    slice_eq(e->identity, slice_cstr(*want))) {
		*want = NULL;
		return 1;
	}
	return 0;
}

static void
test_writer_identity_per_job(void **state)
{
	struct fix *f = *state;
	const char *want = "client-a";
	struct reg_rtxn *t;

	assert_int_equal(writer_submit(f->wr, &job(f, 0, "88.100.1/who", "client-a")->j), IDR_OK);
	wait_done(f, 1);
	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_journal_walk(t, 1, find_identity, &want), 1);
	reg_read_end(t);
	assert_null(want);
}

static void
test_writer_refuses_read_only(void **state)
{
	struct fix *f = *state;
	struct writer_opts wo = {QUEUE_MAX, 0};
	struct reg_opts o;
	struct writer *wr;
	struct reg *ro;

	wo.queue_max = 0;
	assert_int_equal(writer_new(&wr, f->reg, &wo), IDR_EINVAL);
	/* one environment is opened once per process: close the fixture's first */
	writer_free(f->wr);
	f->wr = NULL;
	reg_close(f->reg);
	memset(&o, 0, sizeof(o));
	o.data_dir = f->data;
	o.read_only = true;
	assert_int_equal(reg_open(&ro, &o), IDR_OK);
	wo.queue_max = QUEUE_MAX;
	assert_int_equal(writer_new(&wr, ro, &wo), IDR_EACCES);
	reg_close(ro);
	o.read_only = false;
	assert_int_equal(reg_open(&f->reg, &o), IDR_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_writer_acknowledges_after_commit, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_writer_queue_bound_and_group_commit, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_writer_stop_drains, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_writer_released_when_mailbox_goes, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_writer_identity_per_job, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_writer_refuses_read_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
