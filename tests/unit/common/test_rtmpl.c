/* test_rtmpl.c - the answers of the node's template API in the remote mode (rtmpl.h): the
 * envelope with one template or a list (valid, every truncation, refusals, every rule broken,
 * the body and list caps one past their limit) and the query paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rtmpl.h"

#define T1                                                                                         \
	"{\"prefix\":\"88.118.8\",\"version\":\"1.0\",\"industryCategory\":\"C\","                 \
	"\"industrySpecific\":\"34\",\"type\":1,\"description\":\"紧固件\","                    \
	"\"templateState\":\"published\",\"createdTime\":\"2024-01-02T03:04:05Z\","                \
	"\"updatedTime\":\"2024-01-03T00:00:00Z\",\"items\":[{\"name\":\"重量\","                \
	"\"idType\":\"weight\",\"idIndex\":2003,\"required\":true,\"state\":1,"                    \
	"\"metadata\":{\"type\":\"number\",\"maximum\":10}}]}"
#define T2                                                                                         \
	"{\"prefix\":\"88.118.8\",\"version\":\"1.1\",\"industryCategory\":\"C\",\"type\":2,"      \
	"\"templateState\":\"draft\",\"items\":[]}"
#define ONE_OK  "{\"message\":\"success\",\"status\":1,\"data\":" T1 "}"
#define LIST_OK "{\"message\":\"success\",\"status\":1,\"data\":[" T1 "," T2 "]}"

static void
test_rtmpl_one(void **state)
{
	struct rtmpl_answer a;
	char err[RTMPL_MSG_MAX];

	(void)state;
	assert_int_equal(
	        rtmpl_answer_parse(slice_cstr(ONE_OK), RTMPL_DATA_ONE, &a, err, sizeof(err)),
	        IDR_OK);
	assert_int_equal(a.status, RTMPL_OK);
	assert_string_equal(a.message, "success");
	assert_int_equal(a.ntmpls, 1);
	assert_string_equal(a.tmpls[0]->prefix, "88.118.8");
	assert_string_equal(a.tmpls[0]->version, "1.0");
	assert_int_equal(a.tmpls[0]->state, TMPL_PUBLISHED);
	assert_int_equal(a.tmpls[0]->created, 1704164645);
	assert_int_equal(a.tmpls[0]->changed, 1704240000);
	assert_int_equal(a.tmpls[0]->nitems, 1);
	assert_int_equal(a.tmpls[0]->items[0].index, 2003);
	rtmpl_answer_deinit(&a);
	assert_null(a.tmpls);
	rtmpl_answer_deinit(&a); /* again: nothing left */
	rtmpl_answer_deinit(NULL);
	/* a write's answer: data is not looked at */
	assert_int_equal(rtmpl_answer_parse(slice_cstr("{\"status\":1,\"data\":true}"),
	                                    RTMPL_DATA_NONE, &a, err, sizeof(err)),
	                 IDR_OK);
	assert_int_equal(a.ntmpls, 0);
}

static void
test_rtmpl_list(void **state)
{
	struct rtmpl_answer a;
	char err[RTMPL_MSG_MAX];

	(void)state;
	assert_int_equal(
	        rtmpl_answer_parse(slice_cstr(LIST_OK), RTMPL_DATA_LIST, &a, err, sizeof(err)),
	        IDR_OK);
	assert_int_equal(a.ntmpls, 2);
	assert_string_equal(a.tmpls[1]->version, "1.1");
	assert_int_equal(a.tmpls[1]->state, TMPL_DRAFT);
	assert_int_equal(a.tmpls[1]->changed, 0); /* no updatedTime */
	rtmpl_answer_deinit(&a);
	assert_int_equal(rtmpl_answer_parse(slice_cstr("{\"status\":1,\"data\":[]}"),
	                                    RTMPL_DATA_LIST, &a, err, sizeof(err)),
	                 IDR_OK);
	assert_int_equal(a.ntmpls, 0);
	rtmpl_answer_deinit(&a);
}

/* Every proper prefix of a valid answer is refused and leaves nothing to free. */
static void
test_rtmpl_truncated(void **state)
{
	static const struct {
		const char *body;
		enum rtmpl_data want;
	} cases[] = {{ONE_OK, RTMPL_DATA_ONE}, {LIST_OK, RTMPL_DATA_LIST}};
	struct rtmpl_answer a;
	char err[RTMPL_MSG_MAX];

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t len = strlen(cases[c].body);

		for (size_t n = 0; n < len; n++) {
			err[0] = '\0';
			assert_int_equal(rtmpl_answer_parse(slice_make(cases[c].body, n),
			                                    cases[c].want, &a, err, sizeof(err)),
			                 IDR_EPROTO);
			assert_int_equal(a.ntmpls, 0);
			assert_null(a.tmpls);
			assert_true(err[0] != '\0');
		}
	}
}

struct case_ {
	const char *body;
	enum rtmpl_data want;
	int rc;
	long status;
	const char *word; /* in the message (IDR_OK) or the error */
};

static const struct case_ cases[] = {
        /* refusals: status and message, data not looked at */
        {"{\"status\":-2,\"message\":\"模板不存在：template x\",\"data\":null}", RTMPL_DATA_ONE,
         IDR_OK, RTMPL_FAIL, "模板不存在"},
        {"{\"status\":-3,\"message\":\"没有权限\",\"data\":{\"junk\":1}}", RTMPL_DATA_LIST, IDR_OK,
         RTMPL_DENIED, "没有权限"},
        {"{\"status\":-1}", RTMPL_DATA_ONE, IDR_OK, RTMPL_NOLOGIN, ""},
        {"{\"status\":-2,\"message\":\"a\\nb\\u0007c\"}", RTMPL_DATA_ONE, IDR_OK, RTMPL_FAIL,
         "a?b?c"},
        {"{\"status\":-2,\"message\":null}", RTMPL_DATA_ONE, IDR_OK, RTMPL_FAIL, ""},
        {"{\"status\":1000}", RTMPL_DATA_ONE, IDR_OK, 1000, ""},
        {"{\"status\":-1000}", RTMPL_DATA_ONE, IDR_OK, -1000, ""},
        /* not an envelope */
        {"", RTMPL_DATA_NONE, IDR_EPROTO, 0, "envelope"},
        {"<html>502</html>", RTMPL_DATA_NONE, IDR_EPROTO, 0, "envelope"},
        {"[1]", RTMPL_DATA_NONE, IDR_EPROTO, 0, "envelope"},
        {"{\"message\":\"success\"}", RTMPL_DATA_NONE, IDR_EPROTO, 0, "envelope"},
        {"{\"status\":\"1\"}", RTMPL_DATA_NONE, IDR_EPROTO, 0, "envelope"},
        {"{\"status\":1.0}", RTMPL_DATA_NONE, IDR_EPROTO, 0, "envelope"},
        {"{\"status\":1001}", RTMPL_DATA_NONE, IDR_EPROTO, 0, "envelope"},
        {"{\"status\":-1001}", RTMPL_DATA_NONE, IDR_EPROTO, 0, "envelope"},
        {"{\"status\":1,\"status\":1}", RTMPL_DATA_NONE, IDR_EPROTO, 0, "envelope"},
        {"{\"status\":1,\"message\":7}", RTMPL_DATA_NONE, IDR_EPROTO, 0, "message"},
        /* the data of a success */
        {"{\"status\":1}", RTMPL_DATA_ONE, IDR_EPROTO, 0, "not a template object"},
        {"{\"status\":1,\"data\":true}", RTMPL_DATA_ONE, IDR_EPROTO, 0, "not a template"},
        {"{\"status\":1,\"data\":[" T1 "]}", RTMPL_DATA_ONE, IDR_EPROTO, 0, "not a template"},
        {"{\"status\":1,\"data\":" T1 "}", RTMPL_DATA_LIST, IDR_EPROTO, 0, "not an array"},
        {"{\"status\":1,\"data\":[" T1 ",7]}", RTMPL_DATA_LIST, IDR_EPROTO, 0, "not a template"},
        {"{\"status\":1,\"data\":{\"prefix\":\"88.118.8\",\"version\":\"1\",\"type\":1,"
         "\"industryCategory\":\"C\",\"colour\":1,\"items\":[]}}",
         RTMPL_DATA_ONE, IDR_EPROTO, 0, "colour"},
        {"{\"status\":1,\"data\":{\"prefix\":\"88.118.8\",\"version\":\"1\",\"type\":1,"
         "\"industryCategory\":\"C\",\"updatedTime\":\"yesterday\",\"items\":[]}}",
         RTMPL_DATA_ONE, IDR_EPROTO, 0, "updatedTime"},
        {"{\"status\":1,\"data\":{\"prefix\":\"88.118.8\",\"version\":\"1\",\"type\":1,"
         "\"industryCategory\":\"C\",\"createdTime\":7,\"items\":[]}}",
         RTMPL_DATA_ONE, IDR_EPROTO, 0, "createdTime"},
        {"{\"status\":1,\"data\":{\"prefix\":\"88.118.8\",\"version\":\"1\",\"type\":1,"
         "\"industryCategory\":\"C\",\"createdTime\":null,\"items\":[]}}",
         RTMPL_DATA_ONE, IDR_OK, 1, ""},
};

static void
check_case(size_t i, const struct case_ *c)
{
	struct rtmpl_answer a;
	char err[RTMPL_MSG_MAX];
	int rc;

	err[0] = '\0';
	rc = rtmpl_answer_parse(slice_cstr(c->body), c->want, &a, err, sizeof(err));
	if (rc != c->rc) {
		fail_msg("case %zu (%s): rc %d, want %d (%s)", i, c->body, rc, c->rc, err);
	}
	if (rc == IDR_OK) {
		assert_int_equal(a.status, c->status);
		assert_non_null(strstr(a.message, c->word));
	} else {
		assert_null(a.tmpls);
		if (strstr(err, c->word) == NULL) {
			fail_msg("case %zu: '%s' lacks '%s'", i, err, c->word);
		}
	}
	rtmpl_answer_deinit(&a);
}

static void
test_rtmpl_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_case(i, &cases[i]);
	}
}

/* The body cap and the list cap, each one past its limit. */
static void
test_rtmpl_limits(void **state)
{
	size_t n = RTMPL_BODY_MAX + 1;
	struct rtmpl_answer a;
	char err[RTMPL_MSG_MAX];
	struct wbuf w;

	(void)state;
	/* a refusal whose message fills the body: n bytes refused, n - 1 parsed */
	wbuf_init_heap(&w, n);
	wbuf_lit(&w, "{\"status\":-2,\"message\":\"");
	while (wbuf_len(&w) < n - 2) {
		wbuf_u8(&w, 'm');
	}
	wbuf_lit(&w, "\"}");
	assert_int_equal(wbuf_len(&w), n);
	assert_int_equal(rtmpl_answer_parse(wbuf_slice(&w), RTMPL_DATA_NONE, &a, err, sizeof(err)),
	                 IDR_ELIMIT);
	wbuf_deinit(&w);
	wbuf_init_heap(&w, n);
	wbuf_lit(&w, "{\"status\":-2,\"message\":\"");
	while (wbuf_len(&w) < n - 3) {
		wbuf_u8(&w, 'm');
	}
	wbuf_lit(&w, "\"}");
	assert_int_equal(rtmpl_answer_parse(wbuf_slice(&w), RTMPL_DATA_NONE, &a, err, sizeof(err)),
	                 IDR_OK);
	assert_true(strlen(a.message) < RMT_MSG_MAX);
	wbuf_deinit(&w);
	/* RTMPL_LIST_MAX + 1 entries: refused before any is parsed */
	wbuf_init_heap(&w, n);
	wbuf_lit(&w, "{\"status\":1,\"data\":[0");
	for (size_t i = 1; i <= RTMPL_LIST_MAX; i++) {
		wbuf_lit(&w, ",0");
	}
	wbuf_lit(&w, "]}");
	assert_int_equal(rtmpl_answer_parse(wbuf_slice(&w), RTMPL_DATA_LIST, &a, err, sizeof(err)),
	                 IDR_ELIMIT);
	assert_non_null(strstr(err, "versions"));
	wbuf_deinit(&w);
	/* RTMPL_LIST_MAX entries: within the cap (the first entry is then not a template) */
	wbuf_init_heap(&w, n);
	wbuf_lit(&w, "{\"status\":1,\"data\":[0");
	for (size_t i = 1; i < RTMPL_LIST_MAX; i++) {
		wbuf_lit(&w, ",0");
	}
	wbuf_lit(&w, "]}");
	assert_int_equal(rtmpl_answer_parse(wbuf_slice(&w), RTMPL_DATA_LIST, &a, err, sizeof(err)),
	                 IDR_EPROTO);
	assert_non_null(strstr(err, "not a template"));
	wbuf_deinit(&w);
}

static void
test_rtmpl_query(void **state)
{
	char buf[256];
	struct wbuf w;

	(void)state;
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(rtmpl_query(&w, RTMPL_PATH, "88.118.8", "1.0 β/&="), IDR_OK);
	assert_string_equal(buf,
	                    "/snms/api/v5/template?prefix=88.118.8&version=1.0%20%CE%B2%2F%26%3D");
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(rtmpl_query(&w, RTMPL_PATH_LIST, "88.118.8", NULL), IDR_OK);
	assert_string_equal(buf, "/snms/api/v5/template/list?prefix=88.118.8");
	/* exactly the room it needs, then one byte less */
	wbuf_init(&w, buf, strlen("/snms/api/v5/template/list?prefix=88.118.8") + 1);
	assert_int_equal(rtmpl_query(&w, RTMPL_PATH_LIST, "88.118.8", NULL), IDR_OK);
	wbuf_init(&w, buf, strlen("/snms/api/v5/template/list?prefix=88.118.8"));
	assert_int_equal(rtmpl_query(&w, RTMPL_PATH_LIST, "88.118.8", NULL), IDR_ETOOBIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rtmpl_one),       cmocka_unit_test(test_rtmpl_list),
	        cmocka_unit_test(test_rtmpl_truncated), cmocka_unit_test(test_rtmpl_table),
	        cmocka_unit_test(test_rtmpl_limits),    cmocka_unit_test(test_rtmpl_query),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
