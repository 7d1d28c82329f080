/* test_epcis.c - the query parameters of the EPCIS routes (http/epcis.h): every parameter
 * valid and malformed, each truncation of valid targets, each limit and one past it; page
 * tokens; CBV words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/epcis.h"
#include "life/event.h"

#define CAP 64

static struct uri_param params[CAP];
static uint8_t scratch[URI_MAX_TARGET + 16];
static char err[512];

static int
parse_in(const char *target, enum epcis_query_form form, struct epcis_query *q)
{
	struct uri_target t;
	int rc = uri_parse(&t, target, strlen(target), params, CAP, scratch, sizeof(scratch));

	if (rc != IDR_OK) {
		return -99999;
	}
	err[0] = '\0';
	return epcis_query_parse(&t, form, q, err, sizeof(err));
}

static int
parse_ev(const char *target, struct epcis_query *q)
{
	return parse_in(target, EPCIS_FORM_EVENTS, q);
}

static bool
slice_is(struct slice s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static void
test_epcis_query_valid(void **state)
{
	struct epcis_query q;

	(void)state;
	assert_int_equal(parse_ev("/events?MATCH_anyEPC=88.118.8/P-1", &q), IDR_OK);
	assert_int_equal(q.match, EPCIS_MATCH_ANY);
	assert_true(slice_is(q.id, "88.118.8/P-1"));
	assert_int_equal(q.types, 0);
	assert_true(q.from_ms == INT64_MIN && q.to_ms == INT64_MAX);
	assert_int_equal(q.per_page, EPCIS_PAGE_DEFAULT);
	assert_false(q.has_token);

	assert_int_equal(
	        parse_ev("/events?eventType=ObjectEvent|TransformationEvent&MATCH_epc=urn%3Aepc%3A"
	                 "id%3Asgtin%3A1.2.3&GE_eventTime=2024-03-01T00:00:00Z&LT_eventTime=2024-"
	                 "03-02T08:00:00%2B08:00&EQ_bizStep=shipping&EQ_bizStep=urn:epcglobal:cbv:"
	                 "bizstep:receiving|https://ref.gs1.org/cbv/BizStep-packing&EQ_disposition="
	                 "in_transit&perPage=1000&pretty",
	                 &q),
	        IDR_OK);
	assert_int_equal(q.match, EPCIS_MATCH_EPC);
	assert_true(slice_is(q.id, "urn:epc:id:sgtin:1.2.3"));
	assert_int_equal(q.types, (1u << LIFE_OBJECT) | (1u << LIFE_TRANSFORMATION));
	assert_true(q.from_ms == 1709251200000LL);
	assert_true(q.to_ms == 1709251200000LL + 86400000LL); /* 08:00+08:00: midnight UTC */
	assert_int_equal(q.nbiz_steps, 3);
	assert_true(slice_is(q.biz_steps[0], "shipping"));
	assert_true(slice_is(q.biz_steps[1], "receiving"));
	assert_true(slice_is(q.biz_steps[2], "packing"));
	assert_int_equal(q.ndispositions, 1);
	assert_int_equal(q.per_page, 1000);

	assert_int_equal(parse_ev("/events?MATCH_parentID=x", &q), IDR_OK);
	assert_int_equal(q.match, EPCIS_MATCH_PARENT);
	assert_int_equal(parse_ev("/events?MATCH_inputEPC=x", &q), IDR_OK);
	assert_int_equal(q.match, EPCIS_MATCH_INPUT);
	assert_int_equal(parse_ev("/events?MATCH_outputEPC=x", &q), IDR_OK);
	assert_int_equal(q.match, EPCIS_MATCH_OUTPUT);

	/* the item form */
	assert_int_equal(parse_in("/x?from=2024-03-01T00:00:00Z&to=2024-03-03T00:00:00Z&perPage=1",
	                          EPCIS_FORM_ITEM, &q),
	                 IDR_OK);
	assert_int_equal(q.match, EPCIS_MATCH_NONE);
	assert_int_equal(q.per_page, 1);
	assert_true(q.to_ms - q.from_ms == 2 * 86400000LL);
	assert_int_equal(parse_in("/x", EPCIS_FORM_ITEM, &q), IDR_OK);
}

/* Malformed targets: each refused with a message naming what is wrong. */
static void
test_epcis_query_errors(void **state)
{
	static const struct {
		const char *target;
		enum epcis_query_form form;
		int rc;
		const char *names;
	} cases[] = {
	        {"/events", EPCIS_FORM_EVENTS, IDR_EINVAL, "MATCH_anyEPC"},
	        {"/events?eventType=ObjectEvent", EPCIS_FORM_EVENTS, IDR_EINVAL, "MATCH_epc"},
	        {"/events?MATCH_epc=", EPCIS_FORM_EVENTS, IDR_EINVAL, "empty"},
	        {"/events?MATCH_epc", EPCIS_FORM_EVENTS, IDR_EINVAL, "empty"},
	        {"/events?MATCH_epc=a&EQ_bizStep", EPCIS_FORM_EVENTS, IDR_EINVAL, "EQ_bizStep"},
	        {"/events?MATCH_epc=a|b", EPCIS_FORM_EVENTS, IDR_EINVAL, "one identifier"},
	        {"/events?MATCH_epc=a&MATCH_anyEPC=b", EPCIS_FORM_EVENTS, IDR_EINVAL,
	         "MATCH_anyEPC"},
	        {"/events?MATCH_epc=a&MATCH_epc=a", EPCIS_FORM_EVENTS, IDR_EINVAL,
	         "one identifier"},
	        {"/events?match_epc=a", EPCIS_FORM_EVENTS, IDR_EINVAL, "match_epc"},
	        {"/events?MATCH_epc=a&bogus=1", EPCIS_FORM_EVENTS, IDR_EINVAL, "bogus"},
	        {"/events?MATCH_epc=a&GE_eventTime=2024-03-01", EPCIS_FORM_EVENTS, IDR_EINVAL,
	         "GE_eventTime"},
	        {"/events?MATCH_epc=a&LT_eventTime=2024-03-01T00:00:00", EPCIS_FORM_EVENTS,
	         IDR_EINVAL, "LT_eventTime"},
	        {"/events?MATCH_epc=a&GE_eventTime=2024-03-02T00:00:00Z&LT_eventTime=2024-03-01T00:"
	         "00:00Z",
	         EPCIS_FORM_EVENTS, IDR_EINVAL, "empty"},
	        {"/events?MATCH_epc=a&eventType=Object", EPCIS_FORM_EVENTS, IDR_EINVAL, "Object"},
	        {"/events?MATCH_epc=a&eventType=", EPCIS_FORM_EVENTS, IDR_EINVAL, "eventType"},
	        {"/events?MATCH_epc=a&EQ_bizStep=a||b", EPCIS_FORM_EVENTS, IDR_EINVAL, "empty"},
	        {"/events?MATCH_epc=a&EQ_disposition=a|", EPCIS_FORM_EVENTS, IDR_EINVAL,
	         "EQ_disposition"},
	        {"/events?MATCH_epc=a&perPage=0", EPCIS_FORM_EVENTS, IDR_EINVAL, "perPage"},
	        {"/events?MATCH_epc=a&perPage=1001", EPCIS_FORM_EVENTS, IDR_EINVAL, "perPage"},
	        {"/events?MATCH_epc=a&perPage=-1", EPCIS_FORM_EVENTS, IDR_EINVAL, "perPage"},
	        {"/events?MATCH_epc=a&nextPageToken=x", EPCIS_FORM_EVENTS, IDR_EINVAL,
	         "nextPageToken"},
	        {"/x?MATCH_epc=a", EPCIS_FORM_ITEM, IDR_EINVAL, "from, to"},
	        {"/x?GE_eventTime=2024-03-01T00:00:00Z", EPCIS_FORM_ITEM, IDR_EINVAL,
	         "GE_eventTime"},
	        {"/x?from=now", EPCIS_FORM_ITEM, IDR_EINVAL, "from"},
	        {"/x?to=2024-03-01T00:00:00Z&from=2024-03-01T00:00:00Z", EPCIS_FORM_ITEM,
	         IDR_EINVAL, "to"},
	};
	struct epcis_query q;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse_in(cases[i].target, cases[i].form, &q);

		if (rc != cases[i].rc) {
			fail_msg("%s: %d, want %d (%s)", cases[i].target, rc, cases[i].rc, err);
		}
		if (cases[i].names != NULL && strstr(err, cases[i].names) == NULL) {
			fail_msg("%s: message '%s' lacks '%s'", cases[i].target, err,
			         cases[i].names);
		}
	}
}

/* Each limit, and one past it. */
static void
test_epcis_query_limits(void **state)
{
	char *t = malloc(URI_MAX_TARGET);
	struct epcis_query q;
	size_t n;

	(void)state;
	assert_non_null(t);
	/* EPCIS_LIST_MAX values in one list, then one more (also spread over parameters) */
	n = (size_t)snprintf(t, URI_MAX_TARGET, "/events?MATCH_epc=a&EQ_bizStep=s0");
	for (int i = 1; i < EPCIS_LIST_MAX; i++) {
		n += (size_t)snprintf(t + n, URI_MAX_TARGET - n, "|s%d", i);
	}
	assert_int_equal(parse_ev(t, &q), IDR_OK);
	assert_int_equal(q.nbiz_steps, EPCIS_LIST_MAX);
	snprintf(t + n, URI_MAX_TARGET - n, "|x");
	assert_int_equal(parse_ev(t, &q), IDR_ELIMIT);
	assert_non_null(strstr(err, "EQ_bizStep"));
	snprintf(t + n, URI_MAX_TARGET - n, "&EQ_bizStep=x");
	assert_int_equal(parse_ev(t, &q), IDR_ELIMIT);
	/* an identifier of LIFE_MAX_URI bytes, then one more */
	n = (size_t)snprintf(t, URI_MAX_TARGET, "/events?MATCH_anyEPC=");
	memset(t + n, 'a', LIFE_MAX_URI);
	t[n + LIFE_MAX_URI] = '\0';
	assert_int_equal(parse_ev(t, &q), IDR_OK);
	assert_int_equal(q.id.len, LIFE_MAX_URI);
	t[n + LIFE_MAX_URI] = 'a';
	t[n + LIFE_MAX_URI + 1] = '\0';
	assert_int_equal(parse_ev(t, &q), IDR_ELIMIT);
	/* perPage at its bounds */
	assert_int_equal(parse_ev("/events?MATCH_epc=a&perPage=1", &q), IDR_OK);
	assert_int_equal(parse_ev("/events?MATCH_epc=a&perPage=1000", &q), IDR_OK);
	assert_int_equal(parse_ev("/events?MATCH_epc=a&perPage=1001", &q), IDR_EINVAL);
	free(t);
}

/* Every prefix of valid targets parses or is refused cleanly; the whole ones parse. */
static void
test_epcis_query_truncations(void **state)
{
	static const char *const valid[] = {
	        "/events?MATCH_anyEPC=88.118.8/P-1&eventType=ObjectEvent|AggregationEvent&GE_"
	        "eventTime=2024-03-01T00:00:00.123%2B08:00&LT_eventTime=2024-03-09T00:00:00Z&EQ_"
	        "bizStep=shipping&EQ_disposition=in_transit&perPage=20&nextPageToken=1709251200000."
	        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	};
	struct epcis_query q;
	char buf[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		size_t len = strlen(valid[i]);

		assert_int_equal(parse_ev(valid[i], &q), IDR_OK);
		assert_true(q.has_token);
		for (size_t cut = 0; cut < len; cut++) {
			int rc;

			memcpy(buf, valid[i], cut);
			buf[cut] = '\0';
			rc = parse_ev(buf, &q);
			assert_true(rc == IDR_OK || rc == IDR_EINVAL || rc == -99999);
			if (rc == IDR_EINVAL) {
				assert_true(err[0] != '\0');
			}
		}
	}
}

static void
test_epcis_token(void **state)
{
	static const int64_t times[] = {
	        0, 1, -1, 1709251200000LL, -62135596800000LL, INT64_MAX, -INT64_MAX};
	static const char *const bad[] = {
	        "",
	        ".",
	        "1",
	        "1.",
	        "-.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	        ".00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	        "1.00112233445566778899aabbccddeeff00112233445566778899aabbccddeef",
	        "1.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0",
	        "1.00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff",
	        "1.0011223344556677889gaabbccddeeff00112233445566778899aabbccddeeff",
	        "+1.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	        ("9223372036854775808.00112233445566778899aabbccddeeff00112233445566778899aabbccdd"
	         "eeff"),
	        "1.2.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	};
	struct epcis_token t, back;
	char text[EPCIS_TOKEN_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		size_t n;

		t.ms = times[i];
		for (size_t j = 0; j < REG_EVENT_ID_LEN; j++) {
			t.id[j] = (uint8_t)(i * 31 + j * 7);
		}
		n = epcis_token_format(&t, text);
		assert_int_equal(n, strlen(text));
		assert_int_equal(epcis_token_parse(slice_make(text, n), &back), IDR_OK);
		assert_true(back.ms == t.ms);
		assert_memory_equal(back.id, t.id, REG_EVENT_ID_LEN);
		for (size_t cut = 0; cut < n; cut++) { /* every truncation is refused */
			assert_int_equal(epcis_token_parse(slice_make(text, cut), &back),
			                 IDR_EINVAL);
		}
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (epcis_token_parse(slice_cstr(bad[i]), &back) != IDR_EINVAL) {
			fail_msg("token '%s' accepted", bad[i]);
		}
	}
}

static void
test_epcis_cbv_bare(void **state)
{
	(void)state;
	assert_true(slice_is(epcis_cbv_bare(SLICE_LIT("shipping")), "shipping"));
	assert_true(slice_is(epcis_cbv_bare(SLICE_LIT("urn:epcglobal:cbv:bizstep:shipping")),
	                     "shipping"));
	assert_true(slice_is(epcis_cbv_bare(SLICE_LIT("urn:epcglobal:cbv:disp:active")), "active"));
	assert_true(slice_is(epcis_cbv_bare(SLICE_LIT("https://ref.gs1.org/cbv/BizStep-packing")),
	                     "packing"));
	assert_true(slice_is(epcis_cbv_bare(SLICE_LIT("https://ref.gs1.org/cbv/Disp-in_transit")),
	                     "in_transit"));
	/* a prefix alone is not a word; other URIs stay */
	assert_true(slice_is(epcis_cbv_bare(SLICE_LIT("urn:epcglobal:cbv:bizstep:")),
	                     "urn:epcglobal:cbv:bizstep:"));
	assert_true(slice_is(epcis_cbv_bare(SLICE_LIT("https://example.com/welding")),
	                     "https://example.com/welding"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_epcis_query_valid),
	        cmocka_unit_test(test_epcis_query_errors),
	        cmocka_unit_test(test_epcis_query_limits),
	        cmocka_unit_test(test_epcis_query_truncations),
	        cmocka_unit_test(test_epcis_token),
	        cmocka_unit_test(test_epcis_cbv_bare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
