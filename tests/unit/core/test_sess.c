/*
 * test_sess.c - the shared table of sessions and pending challenges (core/sess.h): ids and
 * nonces, expiry pushed forward by use, take-once of a challenged request, the bound (expired
 * entries make room, live ones do not), and concurrent use from threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/sess.h"

static struct sess
mk(enum sess_kind kind, uint64_t idle)
{
	struct sess s;

	memset(&s, 0, sizeof(s));
	s.kind = kind;
	s.idle_ms = idle;
	return s;
}

static void
test_create_get_put(void **state)
{
	struct sess_table *t;
	struct sess a = mk(SESS_HTTP, 1000), b = mk(SESS_HTTP, 1000), got;
	static const uint8_t zero[SESS_NONCE_LEN];
	(void)state;

	assert_int_equal(sess_table_new(&t, 0), IDR_EINVAL);
	assert_int_equal(sess_table_new(&t, 8), IDR_OK);
	assert_int_equal(sess_create(t, &a, slice_make(NULL, 0), 100), IDR_OK);
	assert_int_equal(sess_create(t, &b, slice_make(NULL, 0), 100), IDR_OK);
	assert_int_not_equal(a.id, 0);
	assert_true(a.id <= 0x7FFFFFFFu);
	assert_int_not_equal(a.id, b.id);
	assert_memory_not_equal(a.nonce, zero, sizeof(zero));
	assert_memory_not_equal(a.nonce, b.nonce, sizeof(a.nonce));
	assert_int_equal(a.expires_ms, 1100);
	assert_int_equal(sess_get(t, a.id, 500, &got), IDR_OK);
	assert_int_equal(got.expires_ms, 1500); /* pushed forward by use */
	assert_memory_equal(got.nonce, a.nonce, sizeof(a.nonce));
	assert_false(got.authenticated);
	got.authenticated = true;
	strcpy(got.identity, "300:88.1/A");
	assert_int_equal(sess_put(t, &got), IDR_OK);
	assert_int_equal(sess_get(t, a.id, 600, &got), IDR_OK);
	assert_true(got.authenticated);
	assert_string_equal(got.identity, "300:88.1/A");
	assert_int_equal(sess_get(t, 0, 600, &got), IDR_ENOENT);
	if ((a.id ^ 1u) != b.id) {
		assert_int_equal(sess_get(t, a.id ^ 1u, 600, &got), IDR_ENOENT);
	}
	/* expiry: b was last used at 100 */
	assert_int_equal(sess_get(t, b.id, 1100, &got), IDR_EEXPIRED);
	assert_int_equal(sess_get(t, b.id, 1100, &got), IDR_ENOENT); /* dropped */
	assert_int_equal(sess_count(t), 1);
	sess_drop(t, a.id);
	assert_int_equal(sess_count(t), 0);
	got.id = a.id;
	assert_int_equal(sess_put(t, &got), IDR_ENOENT);
	sess_table_free(t);
}

static void
test_take_once(void **state)
{
	struct sess_table *t;
	struct sess c = mk(SESS_CHALLENGE, 1000), got;
	uint8_t *req;
	size_t len;
	(void)state;

	assert_int_equal(sess_table_new(&t, 4), IDR_OK);
	assert_int_equal(sess_create(t, &c, SLICE_LIT("the request"), 0), IDR_OK);
	assert_int_equal(sess_take(t, c.id, 10, &got, &req, &len), IDR_OK);
	assert_int_equal(len, 11);
	assert_memory_equal(req, "the request", 11);
	free(req);
	assert_int_equal(sess_take(t, c.id, 10, &got, &req, &len), IDR_ENOENT); /* answered once */
	assert_int_equal(sess_create(t, &c, SLICE_LIT("x"), 0), IDR_OK);
	assert_int_equal(sess_take(t, c.id, 1000, &got, &req, &len), IDR_EEXPIRED);
	{
		static uint8_t big[SESS_REQUEST_MAX + 1];

		assert_int_equal(sess_create(t, &c, slice_make(big, sizeof(big)), 0), IDR_ELIMIT);
		assert_int_equal(sess_create(t, &c, slice_make(big, sizeof(big) - 1), 0), IDR_OK);
	}
	sess_table_free(t); /* frees the request still held */
}

static void
test_bound(void **state)
{
	struct sess_table *t;
	struct sess s[3];
	(void)state;

	assert_int_equal(sess_table_new(&t, 2), IDR_OK);
	s[0] = mk(SESS_HTTP, 100);
	s[1] = mk(SESS_HTTP, 10000);
	s[2] = mk(SESS_HTTP, 100);
	assert_int_equal(sess_create(t, &s[0], slice_make(NULL, 0), 0), IDR_OK);
	assert_int_equal(sess_create(t, &s[1], slice_make(NULL, 0), 0), IDR_OK);
	assert_int_equal(sess_create(t, &s[2], slice_make(NULL, 0), 50), IDR_EAGAIN); /* all live */
	assert_int_equal(sess_create(t, &s[2], slice_make(NULL, 0), 100), IDR_OK); /* s0 expired */
	assert_int_equal(sess_count(t), 2);
	sess_table_free(t);
}

static struct sess_table *shared;

static void *
worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		struct sess s = mk(SESS_HANDLE, 60000), got;

		if (sess_create(shared, &s, SLICE_LIT("r"), 1) != IDR_OK ||
		    sess_get(shared, s.id, 2, &got) != IDR_OK || got.id != s.id) {
			return (void *)1;
		}
		got.counter = (uint32_t)i;
		if (sess_put(shared, &got) != IDR_OK) {
			return (void *)1;
		}
		sess_drop(shared, s.id);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t th[4];
	void *ret;
	(void)state;

	assert_int_equal(sess_table_new(&shared, 64), IDR_OK);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_create(&th[i], NULL, worker, NULL), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(sess_count(shared), 0);
	sess_table_free(shared);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_create_get_put),
	        cmocka_unit_test(test_take_once),
	        cmocka_unit_test(test_bound),
	        cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
