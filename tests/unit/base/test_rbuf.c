/* test_rbuf.c - bounded reader: big-endian reads, sticky errors, sub-readers, strings, counts. */
#include "base/rbuf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static const uint8_t bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};

static void
test_rbuf_big_endian(void **state)
{
	struct rbuf r;

	(void)state;
	rbuf_init(&r, bytes, sizeof(bytes));
	assert_int_equal(rbuf_u8(&r), 0x01);
	assert_int_equal(rbuf_u16(&r), 0x0203);
	assert_int_equal(rbuf_u32(&r), 0x04050607);
	assert_true(rbuf_u64(&r) == 0x08090a0b0c0d0e0full);
	assert_int_equal(rbuf_offset(&r), 15);
	assert_int_equal(rbuf_left(&r), 1);
	assert_int_equal(rbuf_error(&r), IDR_OK);
}

static void
test_rbuf_sticky_error(void **state)
{
	struct rbuf r;
	struct slice s;

	(void)state;
	rbuf_init(&r, bytes, 3);
	assert_int_equal(rbuf_u32(&r), 0); /* short read: zero, error, nothing consumed */
	assert_int_equal(rbuf_error(&r), IDR_EPROTO);
	assert_int_equal(rbuf_offset(&r), 0);
	assert_int_equal(rbuf_left(&r), 0);
	/* later reads are no-ops even though 3 bytes are physically there */
	assert_int_equal(rbuf_u8(&r), 0);
	assert_int_equal(rbuf_u16(&r), 0);
	s = rbuf_bytes(&r, 1);
	assert_null(s.p);
	assert_int_equal(s.len, 0);
	rbuf_skip(&r, 1);
	assert_int_equal(rbuf_offset(&r), 0);
	/* the first error is kept */
	rbuf_fail(&r, IDR_ELIMIT);
	assert_int_equal(rbuf_error(&r), IDR_EPROTO);

	rbuf_init(&r, bytes, sizeof(bytes));
	rbuf_fail(&r, IDR_ELIMIT);
	assert_int_equal(rbuf_error(&r), IDR_ELIMIT);
	assert_int_equal(rbuf_u8(&r), 0);

	/* u64 failing half-way returns 0, not a half value */
	rbuf_init(&r, bytes, 6);
	assert_true(rbuf_u64(&r) == 0);
	assert_int_equal(rbuf_error(&r), IDR_EPROTO);
}

static void
test_rbuf_bytes_skip(void **state)
{
	struct rbuf r;
	struct slice s;

	(void)state;
	rbuf_init(&r, bytes, 4);
	s = rbuf_bytes(&r, 2);
	assert_ptr_equal(s.p, bytes);
	assert_int_equal(s.len, 2);
	rbuf_skip(&r, 2);
	assert_int_equal(rbuf_left(&r), 0);
	s = rbuf_bytes(&r, 0); /* zero bytes at the end is fine */
	assert_int_equal(s.len, 0);
	assert_int_equal(rbuf_error(&r), IDR_OK);
	rbuf_skip(&r, 1);
	assert_int_equal(rbuf_error(&r), IDR_EPROTO);

	rbuf_init(&r, NULL, 0);
	assert_int_equal(rbuf_left(&r), 0);
	assert_int_equal(rbuf_u8(&r), 0);
	assert_int_equal(rbuf_error(&r), IDR_EPROTO);
}

static void
test_rbuf_sub_bounds(void **state)
{
	struct rbuf r, in;

	(void)state;
	rbuf_init(&r, bytes, 8);
	rbuf_skip(&r, 1);
	rbuf_sub(&r, 4, &in);
	assert_int_equal(rbuf_offset(&r), 5); /* outer moved past the field */
	assert_int_equal(rbuf_left(&in), 4);
	assert_int_equal(rbuf_u16(&in), 0x0203);
	assert_int_equal(rbuf_u16(&in), 0x0405);
	/* the inner reader cannot cross the field's end, the outer is unaffected */
	assert_int_equal(rbuf_u8(&in), 0);
	assert_int_equal(rbuf_error(&in), IDR_EPROTO);
	assert_int_equal(rbuf_error(&r), IDR_OK);
	assert_int_equal(rbuf_u8(&r), 0x06);

	/* a sub-reader longer than what remains fails both */
	rbuf_sub(&r, 3, &in);
	assert_int_equal(rbuf_error(&r), IDR_EPROTO);
	assert_int_equal(rbuf_error(&in), IDR_EPROTO);
	assert_int_equal(rbuf_left(&in), 0);

	/* exactly what remains is fine */
	rbuf_init(&r, bytes, 8);
	rbuf_sub(&r, 8, &in);
	assert_int_equal(rbuf_error(&r), IDR_OK);
	assert_int_equal(rbuf_left(&r), 0);
	assert_int_equal(rbuf_left(&in), 8);
}

static void
test_rbuf_str_limits(void **state)
{
	static const uint8_t str[] = {0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0};
	static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 'x'};
	struct rbuf r;
	struct slice s;

	(void)state;
	rbuf_init(&r, str, sizeof(str));
	s = rbuf_str(&r, 3); /* exactly at max */
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.p, "abc", 3);
	s = rbuf_str(&r, 0); /* empty string */
	assert_int_equal(s.len, 0);
	assert_int_equal(rbuf_error(&r), IDR_OK);
	assert_int_equal(rbuf_left(&r), 0);

	rbuf_init(&r, str, sizeof(str));
	s = rbuf_str(&r, 2); /* one over max */
	assert_int_equal(s.len, 0);
	assert_int_equal(rbuf_error(&r), IDR_ELIMIT);

	rbuf_init(&r, str, 6); /* one byte short of the declared length */
	s = rbuf_str(&r, 100);
	assert_null(s.p);
	assert_int_equal(rbuf_error(&r), IDR_EPROTO);

	rbuf_init(&r, str, 3); /* length field itself truncated */
	s = rbuf_str(&r, 100);
	assert_null(s.p);
	assert_int_equal(rbuf_error(&r), IDR_EPROTO);

	/* a negative int4 length is over any max, checked before the bytes */
	rbuf_init(&r, huge, sizeof(huge));
	s = rbuf_str(&r, 1u << 20);
	assert_null(s.p);
	assert_int_equal(rbuf_error(&r), IDR_ELIMIT);
}

static void
test_rbuf_count_limits(void **state)
{
	static const uint8_t two[] = {0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8};
	struct rbuf r;

	(void)state;
	rbuf_init(&r, two, sizeof(two));
	assert_int_equal(rbuf_count(&r, 2, 4), 2); /* 2 x 4 bytes fit exactly */
	assert_int_equal(rbuf_error(&r), IDR_OK);
	assert_int_equal(rbuf_left(&r), 8);

	rbuf_init(&r, two, sizeof(two));
	assert_int_equal(rbuf_count(&r, 1, 4), 0); /* over max */
	assert_int_equal(rbuf_error(&r), IDR_ELIMIT);

	rbuf_init(&r, two, sizeof(two));
	assert_int_equal(rbuf_count(&r, 100, 5), 0); /* 2 x 5 > 8 remaining */
	assert_int_equal(rbuf_error(&r), IDR_EPROTO);

	rbuf_init(&r, two, 4);
	assert_int_equal(rbuf_count(&r, 100, 0), 2); /* no element size: only max applies */
	assert_int_equal(rbuf_error(&r), IDR_OK);

	rbuf_init(&r, two, 2);
	assert_int_equal(rbuf_count(&r, 100, 0), 0);
	assert_int_equal(rbuf_error(&r), IDR_EPROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rbuf_big_endian), cmocka_unit_test(test_rbuf_sticky_error),
	        cmocka_unit_test(test_rbuf_bytes_skip), cmocka_unit_test(test_rbuf_sub_bounds),
	        cmocka_unit_test(test_rbuf_str_limits), cmocka_unit_test(test_rbuf_count_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
