/* test_wbuf.c - bounded writer: fixed vs heap, growth up to max, sticky errors, printf. */
#include "base/wbuf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void
test_wbuf_big_endian(void **state)
{
	static const uint8_t want[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	                               0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
	                               0x0f, 0,    0,    0,    2,    'h',  'i'};
	uint8_t buf[sizeof(want)];
	struct wbuf w;

	(void)state;
	wbuf_init(&w, buf, sizeof(buf));
	wbuf_u8(&w, 0x01);
	wbuf_u16(&w, 0x0203);
	wbuf_u32(&w, 0x04050607);
	wbuf_u64(&w, 0x08090a0b0c0d0e0full);
	wbuf_str(&w, "hi", 2);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	assert_int_equal(wbuf_len(&w), sizeof(want));
	assert_memory_equal(wbuf_data(&w), want, sizeof(want));
	assert_ptr_equal(wbuf_data(&w), buf);
}

static void
test_wbuf_fixed_sticky(void **state)
{
	uint8_t buf[8];
	struct wbuf w;

	(void)state;
	memset(buf, 0xAA, sizeof(buf));
	wbuf_init(&w, buf, 6);
	wbuf_u32(&w, 1);
	wbuf_u16(&w, 2); /* exactly full */
	assert_int_equal(wbuf_error(&w), IDR_OK);
	assert_int_equal(wbuf_len(&w), 6);
	wbuf_u8(&w, 3); /* one over */
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 6);
	assert_int_equal(buf[6], 0xAA); /* nothing written past cap */

	/* a write that does not fit writes nothing at all (no partial value) */
	wbuf_init(&w, buf, 6);
	wbuf_u16(&w, 0x1111);
	wbuf_u64(&w, 0x2222222222222222ull);
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 2);
	wbuf_init(&w, buf, 6);
	wbuf_str(&w, "abc", 3); /* 4 + 3 bytes: no length without its bytes */
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 0);

	/* reset clears contents and error, keeps the memory */
	wbuf_reset(&w);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	assert_int_equal(wbuf_len(&w), 0);
	wbuf_cstr(&w, "abc");
	assert_memory_equal(buf, "abc", 3);
	wbuf_deinit(&w); /* no-op for caller memory */
	wbuf_deinit(NULL);
}

static void
test_wbuf_heap_growth(void **state)
{
	uint8_t chunk[1000];
	struct wbuf w;
	size_t i;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	wbuf_init_heap(&w, 5000);
	for (i = 0; i < 5; i++) {
		wbuf_bytes(&w, chunk, sizeof(chunk));
	}
	assert_int_equal(wbuf_error(&w), IDR_OK);
	assert_int_equal(wbuf_len(&w), 5000); /* exactly max */
	assert_true(w.cap <= 5000);
	wbuf_u8(&w, 1);
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 5000);
	wbuf_deinit(&w);
	wbuf_deinit(&w); /* twice is fine */

	/* one write larger than max; the error is sticky: a write that fits is refused too */
	wbuf_init_heap(&w, 999);
	wbuf_bytes(&w, chunk, sizeof(chunk));
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 0);
	wbuf_u8(&w, 1);
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 0);
	wbuf_deinit(&w);
}

static void
test_wbuf_heap_small_max(void **state)
{
	uint8_t chunk[300];
	struct wbuf w;
	size_t i;

	(void)state;
	memset(chunk, 'y', sizeof(chunk));
	/* a max below the first allocation size is still the limit */
	wbuf_init_heap(&w, 100);
	for (i = 0; i < 100; i++) {
		wbuf_u8(&w, (uint8_t)i);
	}
	assert_int_equal(wbuf_error(&w), IDR_OK);
	wbuf_u8(&w, 0);
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 100);
	assert_true(w.cap <= 100);
	wbuf_deinit(&w);

	wbuf_init_heap(&w, 0);
	wbuf_u8(&w, 0);
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	wbuf_deinit(&w);
}

static void
test_wbuf_printf(void **state)
{
	char buf[8];
	struct wbuf w;
	size_t i;

	(void)state;
	/* fixed: fits exactly (no NUL is appended, so none is needed) */
	wbuf_init(&w, buf, 5);
	wbuf_printf(&w, "%s-%d", "ab", 12);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	assert_int_equal(wbuf_len(&w), 5);
	assert_memory_equal(buf, "ab-12", 5);
	wbuf_printf(&w, "%s", "");
	assert_int_equal(wbuf_error(&w), IDR_OK);
	wbuf_printf(&w, "x");
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 5);

	/* fixed: too long is an error, never a silent truncation */
	wbuf_init(&w, buf, sizeof(buf));
	wbuf_printf(&w, "%s", "123456789");
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 0);

	/* heap: grows past the first allocation, appends */
	wbuf_init_heap(&w, 1u << 16);
	for (i = 0; i < 100; i++) {
		wbuf_printf(&w, "%04zu,", i);
	}
	assert_int_equal(wbuf_error(&w), IDR_OK);
	assert_int_equal(wbuf_len(&w), 500);
	assert_memory_equal(wbuf_data(&w) + 495, "0099,", 5);
	wbuf_terminate(&w);
	assert_int_equal(wbuf_len(&w), 500); /* the NUL is not counted */
	assert_int_equal(strlen((const char *)wbuf_data(&w)), 500);
	wbuf_deinit(&w);

	/* heap: exactly max */
	wbuf_init_heap(&w, 300);
	wbuf_printf(&w, "%300s", "z");
	assert_int_equal(wbuf_error(&w), IDR_OK);
	assert_int_equal(wbuf_len(&w), 300);
	assert_int_equal(wbuf_data(&w)[299], 'z');
	wbuf_printf(&w, "%s", "z");
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	wbuf_deinit(&w);
}

static void
test_wbuf_patch_steal(void **state)
{
	struct wbuf w;
	uint8_t *p;
	size_t len = 0;

	(void)state;
	wbuf_init_heap(&w, 64);
	wbuf_u32(&w, 0);
	wbuf_cstr(&w, "body");
	wbuf_patch_u32(&w, 0, 4);
	wbuf_patch_u32(&w, 5, 0xFFFFFFFF); /* would cross the end: ignored */
	assert_memory_equal(wbuf_data(&w), "\0\0\0\4body", 8);
	wbuf_slice_str(&w, SLICE_LIT("s"));
	assert_int_equal(wbuf_len(&w), 13);

	p = wbuf_steal(&w, &len);
	assert_non_null(p);
	assert_int_equal(len, 13);
	assert_int_equal(wbuf_len(&w), 0);
	assert_null(wbuf_data(&w));
	free(p);
	wbuf_u8(&w, 7); /* still usable afterwards */
	assert_int_equal(wbuf_error(&w), IDR_OK);
	assert_int_equal(wbuf_len(&w), 1);
	wbuf_deinit(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_wbuf_big_endian),  cmocka_unit_test(test_wbuf_fixed_sticky),
	        cmocka_unit_test(test_wbuf_heap_growth), cmocka_unit_test(test_wbuf_heap_small_max),
	        cmocka_unit_test(test_wbuf_printf),      cmocka_unit_test(test_wbuf_patch_steal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
