/*
 * test_http.c - the HTTP answers without sockets: the Handle response code -> HTTP status
 * table, the JSON bodies of records and errors as api.c and req.c write them, and the
 * `pretty` re-indentation. (Listings are the dispatcher's: tests/unit/core/test_list.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdl/hdl.h"
#include "http/api.h"
#include "http/req.h"
#include "reg.h"

#define NODE "88.118"

/* Parse w's contents as JSON (fails the test if they are not). Caller json_decref()s. */
static json_t *
load(const struct wbuf *w)
{
	json_error_t e;
	json_t *j;

	assert_int_equal(wbuf_error(w), IDR_OK);
	j = json_loadb((const char *)w->p, w->len, JSON_ALLOW_NUL, &e);
	if (j == NULL) {
		fail_msg("invalid JSON (%s): %.*s", e.text, (int)w->len, (const char *)w->p);
	}
	return j;
}

static void
assert_str_member(json_t *o, const char *key, const char *want)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || strcmp(json_string_value(v), want) != 0) {
		fail_msg("member %s: want \"%s\"", key, want);
	}
}

static json_int_t
int_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* ---------------------------------------------------------------- status table */

static void
test_http_status_table(void **state)
{
	static const struct {
		uint32_t rc;
		int resolution, other;
	} table[] = {
	        {HDL_RC_RESERVED, 500, 500},
	        {HDL_RC_SUCCESS, 200, 200},
	        {HDL_RC_ERROR, 500, 500},
	        {HDL_RC_SERVER_BUSY, 503, 503},
	        {HDL_RC_PROTOCOL_ERROR, 400, 400},
	        {HDL_RC_OPERATION_NOT_SUPPORTED, 501, 501},
	        {HDL_RC_RECURSION_LIMIT, 500, 500},
	        {HDL_RC_SERVER_BACKUP, 503, 503},
	        {HDL_RC_HANDLE_NOT_FOUND, 404, 404},
	        {HDL_RC_HANDLE_ALREADY_EXISTS, 409, 409},
	        {HDL_RC_INVALID_HANDLE, 400, 400},
	        {HDL_RC_VALUES_NOT_FOUND, 200, 400},
	        {HDL_RC_VALUE_ALREADY_EXISTS, 409, 409},
	        {HDL_RC_INVALID_VALUE, 400, 400},
	        {HDL_RC_OUT_OF_DATE_SITE_INFO, 500, 500},
	        {HDL_RC_SERVER_NOT_RESP, 400, 400},
	        {HDL_RC_SERVICE_REFERRAL, 300, 300},
	        {HDL_RC_PREFIX_REFERRAL, 300, 300},
	        {HDL_RC_INVALID_ADMIN, 403, 403},
	        {HDL_RC_INSUFFICIENT_PERMS, 403, 403},
	        {HDL_RC_AUTHENTICATION_NEEDED, 401, 401},
	        {HDL_RC_AUTHENTICATION_FAILED, 403, 403},
	        {HDL_RC_INVALID_CREDENTIAL, 403, 403},
	        {HDL_RC_AUTHEN_TIMEOUT, 500, 500},
	        {HDL_RC_AUTHEN_ERROR, 500, 500},
	        {HDL_RC_SESSION_TIMEOUT, 500, 500},
	        {HDL_RC_SESSION_FAILED, 500, 500},
	        {HDL_RC_INVALID_SESSION_KEY, 500, 500},
	        {HDL_RC_NEED_RSAKEY, 500, 500},
	        {HDL_RC_INVALID_SESSION_SETUP, 500, 500},
	        {HDL_RC_SESSION_REJECTED, 500, 500},
	        {HDL_RC_REQUEST_LIMIT_DAILY, 500, 500},
	        {999999, 500, 500},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (http_status_of(table[i].rc, true) != table[i].resolution ||
		    http_status_of(table[i].rc, false) != table[i].other) {
			fail_msg("rc %u: got %d/%d, want %d/%d", (unsigned)table[i].rc,
			         http_status_of(table[i].rc, true),
			         http_status_of(table[i].rc, false), table[i].resolution,
			         table[i].other);
		}
	}
}

/* ---------------------------------------------------------------- error bodies */

static void
test_http_json_error(void **state)
{
	struct wbuf w;
	json_t *j;

	(void)state;
	wbuf_init_heap(&w, 1 << 16);
	assert_int_equal(http_json_error(&w, HDL_RC_HANDLE_NOT_FOUND, "handle",
	                                 SLICE_LIT("88.118.8/x"), slice_make(NULL, 0)),
	                 IDR_OK);
	assert_int_equal(w.len, strlen("{\"responseCode\":100,\"handle\":\"88.118.8/x\"}"));
	assert_memory_equal(w.p, "{\"responseCode\":100,\"handle\":\"88.118.8/x\"}", w.len);

	/* hostile handle and message: still one valid JSON object with exactly those strings */
	wbuf_reset(&w);
	assert_int_equal(http_json_error(&w, HDL_RC_SERVER_NOT_RESP, "handle",
	                                 slice_make("a\"}\n\0\xff", 6), SLICE_LIT("m \"q\" \\")),
	                 IDR_OK);
	j = load(&w);
	assert_int_equal(json_object_size(j), 3);
	assert_int_equal(int_member(j, "responseCode"), 301);
	assert_str_member(j, "message", "m \"q\" \\");
	assert_int_equal(json_string_length(json_object_get(j, "handle")), 8); /* \ufffd: 3 bytes */
	json_decref(j);

	/* no key */
	wbuf_reset(&w);
	assert_int_equal(http_json_error(&w, HDL_RC_PROTOCOL_ERROR, NULL, slice_make(NULL, 0),
	                                 SLICE_LIT("bad")),
	                 IDR_OK);
	j = load(&w);
	assert_int_equal(json_object_size(j), 2);
	assert_str_member(j, "message", "bad");
	json_decref(j);
	wbuf_deinit(&w);
}

/* ---------------------------------------------------------------- records */

struct rec_fx {
	uint8_t buf[4096];
	struct rec_view view;
};

static struct value
val(uint32_t index, const char *type, const char *data, uint8_t perms)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.timestamp = 1700000000;
	v.ttl = 86400;
	v.perms = perms;
	v.type = slice_cstr(type);
	v.data = slice_cstr(data);
	return v;
}

static void
rec_build(struct rec_fx *f)
{
	struct value v[5];
	struct wbuf w;

	v[0] = val(1, "URL", "https://example.com/p/1", VALUE_PERM_DEFAULT);
	v[1] = val(2, "URL.mobile", "https://m.example.com/p/1", VALUE_PERM_DEFAULT);
	v[2] = val(3, "EMAIL", "a@example.com", VALUE_PERM_DEFAULT);
	v[3] = val(4, "SECRET", "s", VALUE_PERM_ADMIN_READ | VALUE_PERM_ADMIN_WRITE);
	v[4] = val(10, "ITEM_KIND", "part", VALUE_PERM_DEFAULT);
	wbuf_init(&w, f->buf, sizeof(f->buf));
	assert_int_equal(rec_encode(&w, REC_KIND_PART, 7, SLICE_LIT("88.118.8/P-1"), v, 5), IDR_OK);
	assert_int_equal(rec_view_parse(wbuf_slice(&w), &f->view), IDR_OK);
}

/* The indexes of j's "values", in order, into out; returns how many. */
static size_t
indexes_of(json_t *j, json_int_t *out, size_t cap)
{
	json_t *vals = json_object_get(j, "values");
	size_t i;

	assert_true(json_is_array(vals));
	for (i = 0; i < json_array_size(vals) && i < cap; i++) {
		out[i] = int_member(json_array_get(vals, i), "index");
	}
	return json_array_size(vals);
}

struct filter_case {
	const char *desc;
	uint32_t indexes[3];
	size_t ni;
	const char *types[3];
	size_t nt;
	bool public_only;
	int rc;
	json_int_t want[6];
	size_t nwant;
};

static void
test_http_json_record_filters(void **state)
{
	static const struct filter_case cases[] = {
	        {"no filter, public", {0}, 0, {NULL}, 0, true, 1, {1, 2, 3, 10}, 4},
	        {"no filter, all", {0}, 0, {NULL}, 0, false, 1, {1, 2, 3, 4, 10}, 5},
	        {"index 3", {3}, 1, {NULL}, 0, true, 1, {3}, 1},
	        {"index 3 and 1", {3, 1}, 2, {NULL}, 0, true, 1, {1, 3}, 2},
	        {"type URL exact", {0}, 0, {"url"}, 1, true, 1, {1}, 1},
	        {"type URL. with sub-types", {0}, 0, {"URL."}, 1, true, 1, {1, 2}, 2},
	        {"index OR type", {10}, 1, {"EMAIL"}, 1, true, 1, {3, 10}, 2},
	        {"hidden only", {4}, 1, {NULL}, 0, true, 200, {0}, 0},
	        {"hidden, not public-only", {4}, 1, {NULL}, 0, false, 1, {4}, 1},
	        {"no match", {99}, 1, {"NOPE"}, 1, true, 200, {0}, 0},
	};
	struct rec_fx *f = calloc(1, sizeof(*f));
	json_int_t got[8];
	struct slice types[3];
	struct wbuf w;
	size_t i, k, n;
	json_t *j;

	(void)state;
	assert_non_null(f);
	rec_build(f);
	wbuf_init_heap(&w, 1 << 20);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct filter_case *c = &cases[i];
		struct vjson_filter flt = {c->indexes, c->ni, types, c->nt, c->public_only};

		for (k = 0; k < c->nt; k++) {
			types[k] = slice_cstr(c->types[k]);
		}
		wbuf_reset(&w);
		if (http_json_record(&w, SLICE_LIT("88.118.8/p-1"), &f->view, &flt) != c->rc) {
			fail_msg("%s: wrong response code", c->desc);
		}
		j = load(&w);
		assert_int_equal(int_member(j, "responseCode"), c->rc);
		/* the handle as requested, not the registered spelling */
		assert_str_member(j, "handle", "88.118.8/p-1");
		n = indexes_of(j, got, 8);
		if (n != c->nwant || (n > 0 && memcmp(got, c->want, n * sizeof(got[0])) != 0)) {
			fail_msg("%s: got %zu values", c->desc, n);
		}
		json_decref(j);
	}
	wbuf_deinit(&w);
	free(f);
}

static void
test_http_json_record_shape(void **state)
{
	struct rec_fx *f = calloc(1, sizeof(*f));
	static const char head[] = "{\"responseCode\":1,\"handle\":\"88.118.8/P-1\",\"values\":[";
	struct vjson_filter flt = {NULL, 0, NULL, 0, true};
	struct wbuf w;
	json_t *j, *v, *data;

	(void)state;
	assert_non_null(f);
	rec_build(f);
	wbuf_init_heap(&w, 1 << 20);
	assert_int_equal(http_json_record(&w, SLICE_LIT("88.118.8/P-1"), &f->view, &flt), 1);
	/* members in Handle.Net order */
	assert_true(w.len > sizeof(head));
	assert_memory_equal(w.p, head, sizeof(head) - 1);
	j = load(&w);
	assert_int_equal(json_object_size(j), 3);
	v = json_array_get(json_object_get(j, "values"), 0);
	assert_str_member(v, "type", "URL");
	assert_int_equal(int_member(v, "ttl"), 86400);
	assert_str_member(v, "timestamp", "2023-11-14T22:13:20Z");
	data = json_object_get(v, "data");
	assert_str_member(data, "format", "string");
	assert_str_member(data, "value", "https://example.com/p/1");
	json_decref(j);

	/* no room: an error, never a truncated object presented as success */
	{
		uint8_t small[64];
		struct wbuf sw;

		wbuf_init(&sw, small, sizeof(small));
		assert_int_equal(http_json_record(&sw, SLICE_LIT("88.118.8/P-1"), &f->view, &flt),
		                 IDR_ETOOBIG);
	}
	wbuf_deinit(&w);
	free(f);
}

/* ---------------------------------------------------------------- pretty */

static void
test_http_json_pretty(void **state)
{
	struct rec_fx *f = calloc(1, sizeof(*f));
	static const char head[] = "{\n  \"responseCode\": 1,\n  \"handle\": \"88.118.8/P-1\",\n";
	struct vjson_filter flt = {NULL, 0, NULL, 0, false};
	struct wbuf w, p;
	json_t *a, *b;

	(void)state;
	assert_non_null(f);
	rec_build(f);
	wbuf_init_heap(&w, 1 << 20);
	wbuf_init_heap(&p, 1 << 20);
	assert_int_equal(http_json_record(&w, SLICE_LIT("88.118.8/P-1"), &f->view, &flt), 1);
	assert_int_equal(http_json_pretty(&p, wbuf_slice(&w)), IDR_OK);
	assert_true(p.len > w.len);
	assert_memory_equal(p.p, head, sizeof(head) - 1);
	a = load(&w);
	b = load(&p);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);

	/* strings with NUL escapes and non-ASCII survive */
	wbuf_reset(&p);
	assert_int_equal(http_json_pretty(&p, SLICE_LIT("{\"a\":\"x\\u0000y\",\"b\":\"中\"}")),
	                 IDR_OK);
	wbuf_terminate(&p);
	assert_non_null(strstr((const char *)p.p, "\"x\\u0000y\""));
	assert_non_null(strstr((const char *)p.p, "\"中\""));

	wbuf_reset(&p);
	assert_int_equal(http_json_pretty(&p, SLICE_LIT("{\"a\":")), IDR_EPROTO);
	assert_int_equal(http_json_pretty(&p, SLICE_LIT("{} {}")), IDR_EPROTO);
	wbuf_deinit(&w);
	wbuf_deinit(&p);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_http_status_table),
	        cmocka_unit_test(test_http_json_error),
	        cmocka_unit_test(test_http_json_record_filters),
	        cmocka_unit_test(test_http_json_record_shape),
	        cmocka_unit_test(test_http_json_pretty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
