/*
 * test_hadmin.c - the Handle-over-HTTP pieces of the admin client (client/hadmin.h) that need
 * no server: hadmin_http_path (the path a message is POSTed to) and hadmin_http_body_next (the
 * answer units of one HTTP answer body: one unit, or a LIST_HANDLES stream with CN on all but
 * the last), table-driven over valid bodies, every truncation point, trailing bytes, a stream
 * cut after a CN unit, another request id, a request in place of an answer and a
 * MessageLength one past the protocol limit. The message layer and the flows are tested in
 * tests/unit/core/test_admin.c; the transport in tests/integration/hdl_admin_http.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "base/rbuf.h"
#include "base/wbuf.h"
#include "client/hadmin.h"
#include "hdl/hdl.h"

#define RID 0x1234567u

/* Append one answer unit: envelope, header (opcode, rc, flags), body, credential length 0. */
static void
unit(struct wbuf *w, uint32_t rid, uint32_t opcode, uint32_t rc, uint32_t flags, const char *body)
{
	struct hdl_envelope env;
	struct hdl_header h;
	size_t blen = strlen(body);

	memset(&env, 0, sizeof(env));
	env.ver.major = 2;
	env.ver.minor = 11;
	env.request_id = rid;
	env.msg_len = (uint32_t)(HDL_HEADER_LEN + blen + 4);
	memset(&h, 0, sizeof(h));
	h.opcode = opcode;
	h.rc = rc;
	h.flags = flags;
	h.site_serial = 0xffff;
	h.body_len = (uint32_t)blen;
	hdl_envelope_encode(w, &env);
	hdl_header_encode(w, &h);
	wbuf_bytes(w, body, blen);
	wbuf_u32(w, 0);
	assert_int_equal(wbuf_error(w), IDR_OK);
}

/* Read body to the end: the number of units read before ENOENT, or the error. */
static int
read_all(const uint8_t *p, size_t len, uint32_t rid, size_t *units)
{
	struct hadmin_http_body b;
	struct hdl_msg m;
	int rc;

	hadmin_http_body_init(&b, slice_make(p, len), rid);
	while ((rc = hadmin_http_body_next(&b, &m)) == IDR_OK) {
		assert_int_equal(m.env.request_id, rid);
	}
	*units = b.units;
	if (rc != IDR_ENOENT) {
		/* sticky: the next call fails the same way */
		assert_int_equal(hadmin_http_body_next(&b, &m), rc);
		return rc;
	}
	assert_int_equal(hadmin_http_body_next(&b, &m), IDR_ENOENT);
	return IDR_OK;
}

static void
test_hadmin_http_path(void **state)
{
	static const struct {
		const char *handle;
		const char *path;
	} cases[] = {
	        {"", "/"},
	        {"88.118.8/P-1", "/88.118.8%2FP-1"},
	        {"0.NA/88.118.8", "/0.NA%2F88.118.8"},
	        {"a b?c#d%e&f+g", "/a%20b%3Fc%23d%25e%26f%2Bg"},
	        {"A-z_0.9~", "/A-z_0.9~"},
	        {"\xe6\xb5\x8b", "/%E6%B5%8B"},
	        {"\x01\x7f\xff", "/%01%7F%FF"},
	};
	uint8_t buf[64];
	struct wbuf w;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wbuf_init(&w, buf, sizeof(buf));
		assert_int_equal(hadmin_http_path(&w, slice_cstr(cases[i].handle)), IDR_OK);
		assert_int_equal(wbuf_len(&w), strlen(cases[i].path));
		assert_memory_equal(wbuf_data(&w), cases[i].path, wbuf_len(&w));
	}
	/* a NUL in a handle is encoded, not a terminator */
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(hadmin_http_path(&w, slice_make((const uint8_t *)"a\0b", 3)), IDR_OK);
	assert_memory_equal(wbuf_data(&w), "/a%00b", 6);
	/* no room: an error, never a cut path; exactly enough room: fits */
	wbuf_init(&w, buf, 6);
	assert_int_equal(hadmin_http_path(&w, SLICE_LIT("a/b")), IDR_OK);
	wbuf_init(&w, buf, 5);
	assert_int_not_equal(hadmin_http_path(&w, SLICE_LIT("a/b")), IDR_OK);
	/* the longest handle fits the caller's bound 1 + 3 * HDL_MAX_HANDLE_LEN */
	{
		static uint8_t big[HDL_MAX_HANDLE_LEN], out[1 + 3 * HDL_MAX_HANDLE_LEN];

		memset(big, '/', sizeof(big));
		wbuf_init(&w, out, sizeof(out));
		assert_int_equal(hadmin_http_path(&w, slice_make(big, sizeof(big))), IDR_OK);
		assert_int_equal(wbuf_len(&w), sizeof(out));
	}
}

/* Bodies that read completely: units counted. */
static void
test_hadmin_http_body_valid(void **state)
{
	uint8_t buf[4096];
	struct wbuf w;
	size_t n;
	(void)state;

	/* one answer */
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_CREATE_HANDLE, HDL_RC_SUCCESS, 0, "");
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_OK);
	assert_int_equal(n, 1);
	/* an error answer */
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_CREATE_HANDLE, HDL_RC_AUTHENTICATION_FAILED, 0, "\0\0\0\0");
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_OK);
	assert_int_equal(n, 1);
	/* a stream of three: CN, CN, last */
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_LIST_HANDLES, HDL_RC_SUCCESS, HDL_FLAG_CN, "abc");
	unit(&w, RID, HDL_OC_LIST_HANDLES, HDL_RC_SUCCESS, HDL_FLAG_CN | HDL_FLAG_RD, "de");
	unit(&w, RID, HDL_OC_LIST_HANDLES, HDL_RC_SUCCESS, 0, "f");
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_OK);
	assert_int_equal(n, 3);
}

/* Every body cut short fails: every truncation point of a one-unit and a three-unit body
 * (a cut between units leaves a CN unit ending the body). */
static void
test_hadmin_http_body_truncated(void **state)
{
	uint8_t buf[4096];
	struct wbuf w;
	size_t n;
	(void)state;

	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_DELETE_HANDLE, HDL_RC_SUCCESS, 0, "xyz");
	for (size_t cut = 0; cut < wbuf_len(&w); cut++) {
		assert_int_equal(read_all(buf, cut, RID, &n), IDR_EPROTO);
		assert_int_equal(n, 0);
	}
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_LIST_HANDLES, HDL_RC_SUCCESS, HDL_FLAG_CN, "abc");
	unit(&w, RID, HDL_OC_LIST_HANDLES, HDL_RC_SUCCESS, HDL_FLAG_CN, "de");
	unit(&w, RID, HDL_OC_LIST_HANDLES, HDL_RC_SUCCESS, 0, "f");
	for (size_t cut = 0; cut < wbuf_len(&w); cut++) {
		assert_int_equal(read_all(buf, cut, RID, &n), IDR_EPROTO);
		assert_true(n <= 2);
	}
}

static void
test_hadmin_http_body_invalid(void **state)
{
	uint8_t buf[4096];
	struct wbuf w;
	size_t n;
	(void)state;

	/* trailing bytes after the last unit: even one */
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_ADD_VALUE, HDL_RC_SUCCESS, 0, "");
	wbuf_u8(&w, 0);
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_EPROTO);
	assert_int_equal(n, 0);
	/* two complete answers where one was asked */
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_ADD_VALUE, HDL_RC_SUCCESS, 0, "");
	unit(&w, RID, HDL_OC_ADD_VALUE, HDL_RC_SUCCESS, 0, "");
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_EPROTO);
	/* a CN unit that ends the body: the stream was cut */
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_LIST_HANDLES, HDL_RC_SUCCESS, HDL_FLAG_CN, "ab");
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_EPROTO);
	assert_int_equal(n, 0);
	/* another request id: first unit, and a later unit of a stream */
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID + 1, HDL_OC_ADD_VALUE, HDL_RC_SUCCESS, 0, "");
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_EPROTO);
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_LIST_HANDLES, HDL_RC_SUCCESS, HDL_FLAG_CN, "ab");
	unit(&w, RID + 1, HDL_OC_LIST_HANDLES, HDL_RC_SUCCESS, 0, "c");
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_EPROTO);
	assert_int_equal(n, 1);
	/* a request (response code 0) is no answer */
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_ADD_VALUE, HDL_RC_RESERVED, 0, "");
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_EPROTO);
	/* BodyLength one past the message */
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_ADD_VALUE, HDL_RC_SUCCESS, 0, "abcd");
	wbuf_patch_u32(&w, HDL_ENVELOPE_LEN + 20, 4 + 4 + 1);
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_EPROTO);
	/* MessageLength at the protocol limit is awaited (cut short here); one past it is
	 * refused from the envelope alone */
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_ADD_VALUE, HDL_RC_SUCCESS, 0, "");
	wbuf_patch_u32(&w, 16, HDL_MAX_MESSAGE_LEN);
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_EPROTO);
	wbuf_patch_u32(&w, 16, HDL_MAX_MESSAGE_LEN + 1);
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_ELIMIT);
	/* MessageLength one past the unit's bytes: cut short */
	wbuf_init(&w, buf, sizeof(buf));
	unit(&w, RID, HDL_OC_ADD_VALUE, HDL_RC_SUCCESS, 0, "");
	wbuf_patch_u32(&w, 16, (uint32_t)(wbuf_len(&w) - HDL_ENVELOPE_LEN + 1));
	assert_int_equal(read_all(buf, wbuf_len(&w), RID, &n), IDR_EPROTO);
	/* an empty body */
	assert_int_equal(read_all(buf, 0, RID, &n), IDR_EPROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hadmin_http_path),
	        cmocka_unit_test(test_hadmin_http_body_valid),
	        cmocka_unit_test(test_hadmin_http_body_truncated),
	        cmocka_unit_test(test_hadmin_http_body_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
