/* test_revt.c - the parsers of the node's capture answers: one event's id, capture jobs,
 * problem details; valid answers, every truncation, values one past their limits. */
#include "common/revt.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID    "ni:///sha-256;" HEX64 "?ver=CBV2.0"

static struct slice
sl(const char *s)
{
	return slice_make(s, strlen(s));
}

static void
test_revt_added(void **state)
{
	static const struct {
		const char *body;
		int rc;
		bool created;
	} cases[] = {
	        {"{\"eventID\":\"" ID "\",\"created\":true}", IDR_OK, true},
	        {"{\"eventID\":\"" ID "\",\"handle\":\"88.118.8/A\",\"created\":false}", IDR_OK,
	         false},
	        {"{\"created\":true,\"eventID\":\"" ID "\"}", IDR_OK, true},
	        {"{\"eventID\":\"" ID "\"}", IDR_EPROTO, false},
	        {"{\"eventID\":\"" ID "\",\"created\":1}", IDR_EPROTO, false},
	        {"{\"eventID\":\"ni:///sha-256;" HEX64 "0?ver=CBV2.0\",\"created\":true}",
	         IDR_EPROTO, false},
	        {"{\"eventID\":\"ni:///sha-256;" HEX64 "\",\"created\":true}", IDR_EPROTO, false},
	        {"{\"eventID\":\"ni:///sha-256;0123456789ABCDEF0123456789abcdef0123456789abcdef"
	         "0123456789abcdef?ver=CBV2.0\",\"created\":true}",
	         IDR_EPROTO, false},
	        {"{\"eventID\":\"" ID "\",\"eventID\":\"" ID "\",\"created\":true}", IDR_EPROTO,
	         false},
	        {"[]", IDR_EPROTO, false},
	        {"", IDR_EPROTO, false},
	        {"<html>", IDR_EPROTO, false},
	};
	struct revt_added a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = revt_added_parse(sl(cases[i].body), &a);

		if (rc != cases[i].rc) {
			fail_msg("case %zu: rc %d", i, rc);
		}
		if (rc == IDR_OK) {
			assert_string_equal(a.id, ID);
			assert_int_equal(a.created, cases[i].created);
		} else {
			assert_string_equal(a.id, "");
		}
	}
	/* every truncation of a valid answer is refused */
	{
		const char *b = cases[0].body;

		for (size_t cut = 0; cut < strlen(b); cut++) {
			assert_int_equal(revt_added_parse(slice_make(b, cut), &a), IDR_EPROTO);
		}
	}
}

static void
test_revt_job(void **state)
{
	static const struct {
		const char *body;
		int rc;
		bool running, success;
		const char *error;
	} cases[] = {
	        {"{\"captureID\":\"0a1b\",\"running\":false,\"success\":true,"
	         "\"captureErrorBehaviour\":\"rollback\",\"errors\":[]}",
	         IDR_OK, false, true, ""},
	        {"{\"captureID\":\"Job_1-x\",\"running\":true,\"success\":false}", IDR_OK, true,
	         false, ""},
	        {"{\"captureID\":\"a\",\"running\":false,\"success\":false,\"errors\":[\"eventList["
	         "3]"
	         ".parentID: required\\n\",\"second\"]}",
	         IDR_OK, false, false, "eventList[3].parentID: required?"},
	        {"{\"captureID\":\"a\",\"running\":false,\"success\":false,\"errors\":[7]}", IDR_OK,
	         false, false, ""},
	        {"{\"captureID\":\"\",\"running\":false,\"success\":true}", IDR_EPROTO, false,
	         false, ""},
	        {"{\"captureID\":\"a/b\",\"running\":false,\"success\":true}", IDR_EPROTO, false,
	         false, ""},
	        {"{\"captureID\":\"a\",\"success\":true}", IDR_EPROTO, false, false, ""},
	        {"{\"captureID\":\"a\",\"running\":false}", IDR_EPROTO, false, false, ""},
	        {"{\"captureID\":7,\"running\":false,\"success\":true}", IDR_EPROTO, false, false,
	         ""},
	        {"\"a\"", IDR_EPROTO, false, false, ""},
	};
	char big[256];
	struct revt_job j;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = revt_job_parse(sl(cases[i].body), &j);

		if (rc != cases[i].rc) {
			fail_msg("case %zu: rc %d", i, rc);
		}
		if (rc == IDR_OK) {
			assert_int_equal(j.running, cases[i].running);
			assert_int_equal(j.success, cases[i].success);
			assert_string_equal(j.error, cases[i].error);
		}
	}
	for (size_t cut = 0; cut < strlen(cases[0].body); cut++) {
		assert_int_equal(revt_job_parse(slice_make(cases[0].body, cut), &j), IDR_EPROTO);
	}
	/* the id at its limit and one past it */
	for (size_t n = REVT_JOB_ID_MAX; n <= REVT_JOB_ID_MAX + 1; n++) {
		char id[REVT_JOB_ID_MAX + 2];

		memset(id, 'a', n);
		id[n] = '\0';
		snprintf(big, sizeof(big),
		         "{\"captureID\":\"%s\",\"running\":false,\"success\":true}", id);
		assert_int_equal(revt_job_parse(sl(big), &j),
		                 n == REVT_JOB_ID_MAX ? IDR_OK : IDR_EPROTO);
	}
}

static void
test_revt_problem_and_limits(void **state)
{
	char out[64];
	char *body;
	struct revt_added a;
	struct revt_job j;

	(void)state;
	revt_problem_parse(sl("{\"type\":\"x\",\"title\":\"T\",\"status\":400,\"detail\":\"D\"}"),
	                   out, sizeof(out));
	assert_string_equal(out, "D");
	revt_problem_parse(sl("{\"title\":\"T\",\"detail\":\"\"}"), out, sizeof(out));
	assert_string_equal(out, "T");
	revt_problem_parse(sl("{\"responseCode\":100,\"message\":\"M\"}"), out, sizeof(out));
	assert_string_equal(out, "M");
	revt_problem_parse(sl("{\"detail\":\"a\\u0001b\"}"), out, sizeof(out));
	assert_string_equal(out, "a?b");
	revt_problem_parse(sl("not json"), out, sizeof(out));
	assert_string_equal(out, "");
	/* bodies one past RMT_JSON_MAX are not parsed */
	body = malloc(RMT_JSON_MAX + 2);
	assert_non_null(body);
	memset(body, ' ', RMT_JSON_MAX + 1);
	memcpy(body, "{\"detail\":\"D\"}", 14);
	revt_problem_parse(slice_make(body, RMT_JSON_MAX), out, sizeof(out));
	assert_string_equal(out, "D");
	revt_problem_parse(slice_make(body, RMT_JSON_MAX + 1), out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(revt_added_parse(slice_make(body, RMT_JSON_MAX + 1), &a), IDR_ELIMIT);
	assert_int_equal(revt_job_parse(slice_make(body, RMT_JSON_MAX + 1), &j), IDR_ELIMIT);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_revt_added),
	        cmocka_unit_test(test_revt_job),
	        cmocka_unit_test(test_revt_problem_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
