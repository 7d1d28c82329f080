/*
 * test_tmpl.c - metadata templates: the JSON parser (the national example, every error with
 * the field it names, every limit at and one past), the writer round trip, the stored form
 * (every truncation), GB/T 4754 codes, merge and item add rules, and the value checks of
 * every type at each boundary and one past.
 */
#include "model/tmpl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The national v5 example (re-typed), idIndex as a string as in the doc. */
static const char national[] =
        "{\"prefix\":\"88.101.5\",\"version\":\"1.0.0\",\"industryCategory\":\"A\","
        "\"industrySpecific\":\"01\",\"industryTrade\":\"011\",\"industrySubclass\":\"0111\","
        "\"type\":1,\"description\":\"测试模板\",\"items\":[{\"name\":\"e1\",\"idType\":\"ip\","
        "\"idIndex\":\"2000\",\"metadata\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":10},"
        "\"required\":false}]}";

/* A template with one item of each type; HEAD + items. */
#define HEAD                                                                                       \
	"{\"prefix\":\"88.118.8\",\"version\":\"1.0\",\"industryCategory\":\"C\",\"type\":2,"      \
	"\"items\":["
static const char every_type[] =
        HEAD "{\"name\":\"名称\",\"idType\":\"title\",\"idIndex\":2000,\"required\":true,"
             "\"metadata\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":4}},"
             "{\"name\":\"重量\",\"idType\":\"weight\",\"idIndex\":2003,"
             "\"metadata\":{\"type\":\"number\",\"minimum\":-1.5,\"maximum\":10,\"accuracy\":2}},"
             "{\"name\":\"日期\",\"idType\":\"made\",\"idIndex\":2004,"
             "\"metadata\":{\"type\":\"date\"}},"
             "{\"name\":\"时间\",\"idType\":\"at\",\"idIndex\":2005,"
             "\"metadata\":{\"type\":\"date\",\"dateFormat\":\"YYYY-MM-DD HH:mm:ss\"}},"
             "{\"name\":\"颜色\",\"idType\":\"color\",\"idIndex\":2006,"
             "\"metadata\":{\"type\":\"enum\",\"enum\":[\"red\",\"绿\"]}},"
             "{\"name\":\"上级\",\"idType\":\"parent\",\"idIndex\":2007,\"required\":1,"
             "\"metadata\":{\"type\":\"handle\"}},"
             "{\"name\":\"旧\",\"idType\":\"old\",\"idIndex\":2008,\"state\":0,"
             "\"metadata\":{}}]}";

static struct tmpl *
parse_ok(const char *json)
{
	char err[TMPL_ERR_LEN];
	struct tmpl *t = NULL;
	int rc = tmpl_from_json(&t, json, strlen(json), err, sizeof(err));

	if (rc != IDR_OK) {
		fail_msg("%s: %s", idr_strerror(rc), err);
	}
	return t;
}

static void
test_tmpl_parse_national(void **state)
{
	struct tmpl *t = parse_ok(national);

	(void)state;
	assert_string_equal(t->prefix, "88.101.5");
	assert_string_equal(t->version, "1.0.0");
	assert_string_equal(t->industry[0], "A");
	assert_string_equal(t->industry[3], "0111");
	assert_int_equal(t->obj_type, 1);
	assert_string_equal(t->description, "测试模板");
	assert_int_equal(t->state, TMPL_DRAFT);
	assert_int_equal(t->nitems, 1);
	assert_string_equal(t->items[0].name, "e1");
	assert_string_equal(t->items[0].key, "ip");
	assert_int_equal(t->items[0].index, 2000);
	assert_int_equal(t->items[0].type, TMPL_STRING);
	assert_false(t->items[0].required);
	assert_true(t->items[0].enabled); /* state absent: enabled */
	assert_int_equal(t->items[0].min_len, 1);
	assert_int_equal(t->items[0].max_len, 10);
	tmpl_free(t);
}

static void
test_tmpl_parse_defaults(void **state)
{
	struct tmpl *t = parse_ok(HEAD "{\"name\":\"a\",\"idType\":\"a\",\"metadata\":{}},"
	                               "{\"name\":\"b\",\"idType\":\"b\",\"idIndex\":2010,"
	                               "\"metadata\":{}},"
	                               "{\"name\":\"c\",\"idType\":\"c\",\"metadata\":{}}],"
	                               "\"id\":177,\"name\":\"\"}");

	(void)state;
	/* idIndex absent: the next free from 2000, after the given ones */
	assert_int_equal(t->items[0].index, 2011);
	assert_int_equal(t->items[1].index, 2010);
	assert_int_equal(t->items[2].index, 2012);
	assert_int_equal(t->items[0].type, TMPL_STRING);
	assert_true(t->items[0].has_max_len);
	assert_int_equal(t->items[0].max_len, TMPL_DEFAULT_MAXLEN);
	assert_false(t->items[0].has_min_len);
	assert_null(t->description);
	assert_null(t->handle);
	tmpl_free(t);
}

struct bad {
	const char *json;
	int rc;
	const char *msg; /* substring of the error */
};

#define ITEM(meta) HEAD "{\"name\":\"n\",\"idType\":\"k\",\"metadata\":" meta "}]}"
#define TOP(rest)  "{\"prefix\":\"88.1\",\"version\":\"1\",\"industryCategory\":\"C\"" rest "}"

static const struct bad bads[] = {
        {"", IDR_EPROTO, "not JSON"},
        {"[1]", IDR_EPROTO, "must be a JSON object"},
        {"{\"prefix\":\"a\",\"prefix\":\"b\"}", IDR_EPROTO, "not JSON"},
        {TOP(",\"type\":1,\"colour\":1"), IDR_ETMPL_INVALID, "colour: unknown member"},
        {TOP(",\"type\":1,\"itmes\":[]"), IDR_ETMPL_INVALID, "did you mean 'items'"},
        {"{\"version\":\"1\",\"industryCategory\":\"C\",\"type\":1}", IDR_ETMPL_INVALID,
         "prefix: missing"},
        {"{\"prefix\":7}", IDR_EPROTO, "prefix: must be a string"},
        {"{\"prefix\":\"88..1\",\"version\":\"1\",\"industryCategory\":\"C\",\"type\":1}",
         IDR_ETMPL_INVALID, "prefix: '88..1' is not a valid prefix"},
        {"{\"prefix\":\"88.1\",\"industryCategory\":\"C\",\"type\":1}", IDR_ETMPL_INVALID,
         "version: missing"},
        {"{\"prefix\":\"88.1\",\"version\":\"\",\"industryCategory\":\"C\",\"type\":1}",
         IDR_ETMPL_INVALID, "version: must not be empty"},
        {"{\"prefix\":\"88.1\",\"version\":\"a\\tb\",\"industryCategory\":\"C\",\"type\":1}",
         IDR_ETMPL_INVALID, "version: must be UTF-8 text"},
        {TOP(""), IDR_ETMPL_INVALID, "type: missing"},
        {TOP(",\"type\":3"), IDR_ETMPL_INVALID, "type: 3 is not in 1..2"},
        {TOP(",\"type\":\"1\""), IDR_EPROTO, "type: must be an integer"},
        {"{\"prefix\":\"88.1\",\"version\":\"1\",\"type\":1}", IDR_ETMPL_INVALID,
         "industryCategory: missing"},
        {TOP(",\"type\":1,\"industryCategory\":\"U\""), IDR_EPROTO, "not JSON"},
        {"{\"prefix\":\"88.1\",\"version\":\"1\",\"industryCategory\":\"U\",\"type\":1}",
         IDR_ETMPL_INVALID, "industryCategory: 'U' is not a GB/T 4754 section letter"},
        {"{\"prefix\":\"88.1\",\"version\":\"1\",\"industryCategory\":\"c\",\"type\":1}",
         IDR_ETMPL_INVALID, "section letter A..T"},
        {"{\"prefix\":\"88.1\",\"version\":\"1\",\"industryCategory\":\"CC\",\"type\":1}",
         IDR_ETMPL_INVALID, "section letter"},
        {"{\"prefix\":\"88.1\",\"version\":\"1\",\"industryCategory\":\"CCCCC\",\"type\":1}",
         IDR_ELIMIT, "industryCategory: longer than 4 bytes"},
        {TOP(",\"type\":1,\"industrySpecific\":\"1\""), IDR_ETMPL_INVALID,
         "industrySpecific: '1' is not a GB/T 4754 code of 2 digits"},
        {TOP(",\"type\":1,\"industrySpecific\":\"05\""), IDR_ETMPL_INVALID,
         "05 is not in section C (divisions 13..43)"},
        {TOP(",\"type\":1,\"industryTrade\":\"341\""), IDR_ETMPL_INVALID,
         "industryTrade: given without industrySpecific"},
        {TOP(",\"type\":1,\"industrySpecific\":\"34\",\"industryTrade\":\"351\""),
         IDR_ETMPL_INVALID, "industryTrade: 351 does not begin with industrySpecific 34"},
        {TOP(",\"type\":1,\"industrySpecific\":\"34\",\"industryTrade\":\"341\","
             "\"industrySubclass\":\"3421\""),
         IDR_ETMPL_INVALID, "industrySubclass: 3421 does not begin with industryTrade 341"},
        {TOP(",\"type\":1,\"industrySpecific\":\"34\",\"industryTrade\":\"34a\""),
         IDR_ETMPL_INVALID, "industryTrade: '34a' is not a GB/T 4754 code of 3 digits"},
        {TOP(",\"type\":1,\"handle\":\"nohandle\""), IDR_ETMPL_INVALID,
         "handle: 'nohandle' is not an identifier"},
        {TOP(",\"type\":1,\"templateState\":\"live\""), IDR_ETMPL_INVALID,
         "templateState: 'live' is not draft"},
        {TOP(",\"type\":1,\"items\":{}"), IDR_EPROTO, "items: must be an array"},
        {TOP(",\"type\":1,\"items\":[1]"), IDR_EPROTO, "items[0]: must be an object"},
        {HEAD "{\"idType\":\"k\",\"metadata\":{}}]}", IDR_ETMPL_INVALID, "items[0].name: missing"},
        {HEAD "{\"name\":\"n\",\"metadata\":{}}]}", IDR_ETMPL_INVALID, "items[0].idType: missing"},
        {HEAD "{\"name\":\"n\",\"idType\":\"k\"}]}", IDR_ETMPL_INVALID,
         "items[0].metadata: missing"},
        {HEAD "{\"name\":\"n\",\"idType\":\"k\",\"metadata\":[]}]}", IDR_EPROTO,
         "items[0].metadata: must be an object"},
        {HEAD "{\"name\":\"n\",\"idType\":\"k\",\"idIndex\":1999,\"metadata\":{}}]}",
         IDR_ETMPL_INVALID, "items[0].idIndex: 1999 is not in 2000..2147483647"},
        {HEAD "{\"name\":\"n\",\"idType\":\"k\",\"idIndex\":2147483648,\"metadata\":{}}]}",
         IDR_ETMPL_INVALID, "idIndex: 2147483648 is not in"},
        {HEAD "{\"name\":\"n\",\"idType\":\"k\",\"idIndex\":\"20x0\",\"metadata\":{}}]}",
         IDR_EPROTO, "idIndex: must be an integer"},
        {HEAD "{\"name\":\"n\",\"idType\":\"k\",\"idIndex\":2000.5,\"metadata\":{}}]}", IDR_EPROTO,
         "idIndex: must be an integer"},
        {HEAD "{\"name\":\"n\",\"idType\":\"k\",\"required\":2,\"metadata\":{}}]}", IDR_EPROTO,
         "items[0].required: must be true or false"},
        {HEAD "{\"name\":\"n\",\"idType\":\"k\",\"state\":2,\"metadata\":{}}]}", IDR_ETMPL_INVALID,
         "items[0].state: 2 is not in 0..1"},
        {HEAD "{\"name\":\"n\",\"idType\":\"k\",\"reqired\":true,\"metadata\":{}}]}",
         IDR_ETMPL_INVALID, "did you mean 'required'"},
        {HEAD "{\"name\":\"n\",\"idType\":\"HS_ADMIN\",\"metadata\":{}}]}", IDR_ETMPL_INVALID,
         "items[0].idType: 'HS_ADMIN' is a reserved type"},
        {HEAD "{\"name\":\"n\",\"idType\":\"template\",\"metadata\":{}}]}", IDR_ETMPL_INVALID,
         "reserved type"},
        {HEAD "{\"name\":\"\",\"idType\":\"k\",\"metadata\":{}}]}", IDR_ETMPL_INVALID,
         "items[0].name: must not be empty"},
        {ITEM("{\"type\":\"String\"}"), IDR_ETMPL_INVALID,
         "items[0].metadata.type: 'String' is not one of string, number, date, enum, handle"},
        {ITEM("{\"minLenght\":1}"), IDR_ETMPL_INVALID, "did you mean 'minLength'"},
        {ITEM("{\"minLength\":-1}"), IDR_ETMPL_INVALID, "minLength: -1 is not in 0..1048576"},
        {ITEM("{\"maxLength\":1048577}"), IDR_ETMPL_INVALID,
         "maxLength: 1048577 is not in 0..1048576"},
        {ITEM("{\"minLength\":5,\"maxLength\":4}"), IDR_ETMPL_INVALID,
         "items[0].metadata: minLength 5 is above maxLength 4"},
        {ITEM("{\"minimum\":1}"), IDR_ETMPL_INVALID,
         "metadata.minimum: applies to type number only"},
        {ITEM("{\"type\":\"number\",\"minimum\":\"1\"}"), IDR_EPROTO,
         "metadata.minimum: must be a number"},
        {ITEM("{\"type\":\"number\",\"minimum\":2,\"maximum\":1}"), IDR_ETMPL_INVALID,
         "minimum is above maximum"},
        {ITEM("{\"type\":\"number\",\"accuracy\":39}"), IDR_ETMPL_INVALID,
         "accuracy: 39 is not in 0..38"},
        {ITEM("{\"type\":\"string\",\"dateFormat\":\"YYYY-MM-DD\"}"), IDR_ETMPL_INVALID,
         "dateFormat: applies to type date only"},
        {ITEM("{\"type\":\"date\",\"dateFormat\":\"DD.MM.YYYY\"}"), IDR_ETMPL_INVALID,
         "dateFormat: 'DD.MM.YYYY' is not YYYY-MM-DD"},
        {ITEM("{\"type\":\"enum\"}"), IDR_ETMPL_INVALID,
         "metadata.enum: an enum item needs its allowed values"},
        {ITEM("{\"type\":\"enum\",\"enum\":[]}"), IDR_ELIMIT, "enum: needs 1..256 values"},
        {ITEM("{\"type\":\"enum\",\"enum\":\"a\"}"), IDR_EPROTO, "enum: must be an array"},
        {ITEM("{\"type\":\"enum\",\"enum\":[\"a\",\"a\"]}"), IDR_ETMPL_INVALID,
         "'a' is listed twice"},
        {ITEM("{\"type\":\"enum\",\"enum\":[\"a\",\"\"]}"), IDR_ETMPL_INVALID,
         "enum: value 1 must be text"},
        {ITEM("{\"type\":\"string\",\"enum\":[\"a\"]}"), IDR_ETMPL_INVALID,
         "enum: applies to type enum only"},
        {HEAD "{\"name\":\"a\",\"idType\":\"k\",\"idIndex\":2000,\"metadata\":{}},"
              "{\"name\":\"b\",\"idType\":\"j\",\"idIndex\":2000,\"metadata\":{}}]}",
         IDR_ETMPL_INVALID, "items[1].idIndex: 2000 is already item 'k'"},
        {HEAD "{\"name\":\"a\",\"idType\":\"k\",\"metadata\":{}},"
              "{\"name\":\"b\",\"idType\":\"K\",\"metadata\":{}}]}",
         IDR_ETMPL_INVALID, "items[1].idType: 'K' is already item 2000"},
        {HEAD "{\"name\":\"a\",\"idType\":\"k\",\"metadata\":{}},"
              "{\"name\":\"a\",\"idType\":\"j\",\"metadata\":{}}]}",
         IDR_ETMPL_INVALID, "items[1].name: 'a' is already item 'k' (2000)"},
};

static void
test_tmpl_parse_errors(void **state)
{
	char err[TMPL_ERR_LEN];
	struct tmpl *t;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bads); i++) {
		int rc = tmpl_from_json(&t, bads[i].json, strlen(bads[i].json), err, sizeof(err));

		if (rc != bads[i].rc || strstr(err, bads[i].msg) == NULL) {
			fail_msg("case %zu %s: got %d '%s', want %d '%s'", i, bads[i].json, rc, err,
			         bads[i].rc, bads[i].msg);
		}
		assert_null(t);
	}
}

/* A string of n copies of c (heap). */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Parse TOP with one string field of the given length: at the limit OK, one past ELIMIT. */
static void
limit_case(const char *fmt, size_t limit, int past_rc)
{
	char err[TMPL_ERR_LEN];
	struct tmpl *t = NULL;
	size_t n;

	for (n = limit; n <= limit + 1; n++) {
		const char *hole = strstr(fmt, "%s");
		char *v = repeat('x', n);
		size_t cap = strlen(fmt) + n + 1;
		char *json = malloc(cap);
		int rc;

		assert_non_null(json);
		assert_non_null(hole);
		memcpy(json, fmt, (size_t)(hole - fmt));
		memcpy(json + (hole - fmt), v, n);
		memcpy(json + (hole - fmt) + n, hole + 2, strlen(hole + 2) + 1);
		rc = tmpl_from_json(&t, json, strlen(json), err, sizeof(err));
		if (n == limit && rc != IDR_OK) {
			fail_msg("%zu bytes: %s", n, err);
		}
		if (n > limit) {
			assert_int_equal(rc, past_rc);
			assert_non_null(strstr(err, "longer than"));
		}
		tmpl_free(t);
		free(v);
		free(json);
	}
}

static void
test_tmpl_parse_limits(void **state)
{
	(void)state;
	limit_case("{\"prefix\":\"88.1\",\"version\":\"%s\",\"industryCategory\":\"C\",\"type\":1}",
	           TMPL_MAX_VERSION, IDR_ELIMIT);
	limit_case(TOP(",\"type\":1,\"description\":\"%s\""), TMPL_MAX_DESC, IDR_ELIMIT);
	limit_case(HEAD "{\"name\":\"%s\",\"idType\":\"k\",\"metadata\":{}}]}", TMPL_MAX_NAME,
	           IDR_ELIMIT);
	limit_case(HEAD "{\"name\":\"n\",\"idType\":\"%s\",\"metadata\":{}}]}", TMPL_MAX_NAME,
	           IDR_ELIMIT);
}

/* TMPL_MAX_ITEMS items parse; one more is IDR_ELIMIT. Also the enum value count. */
static void
test_tmpl_parse_count_limits(void **state)
{
	char err[TMPL_ERR_LEN];
	struct tmpl *t;
	struct wbuf w;
	size_t n, i;

	(void)state;
	for (n = TMPL_MAX_ITEMS; n <= TMPL_MAX_ITEMS + 1; n++) {
		wbuf_init_heap(&w, 1u << 22);
		wbuf_cstr(&w, HEAD);
		for (i = 0; i < n; i++) {
			wbuf_printf(&w, "%s{\"name\":\"n%zu\",\"idType\":\"k%zu\",\"metadata\":{}}",
			            i > 0 ? "," : "", i, i);
		}
		wbuf_cstr(&w, "]}");
		assert_int_equal(tmpl_from_json(&t, wbuf_data(&w), wbuf_len(&w), err, sizeof(err)),
		                 n == TMPL_MAX_ITEMS ? IDR_OK : IDR_ELIMIT);
		if (t != NULL) {
			assert_int_equal(t->nitems, TMPL_MAX_ITEMS);
			assert_int_equal(t->items[n - 1].index, TMPL_MIN_INDEX + n - 1);
		}
		tmpl_free(t);
		wbuf_deinit(&w);
	}
	for (n = TMPL_MAX_ENUM; n <= TMPL_MAX_ENUM + 1; n++) {
		wbuf_init_heap(&w, 1u << 22);
		wbuf_cstr(&w,
		          HEAD "{\"name\":\"n\",\"idType\":\"k\",\"metadata\":{\"type\":\"enum\","
		               "\"enum\":[");
		for (i = 0; i < n; i++) {
			wbuf_printf(&w, "%s\"v%zu\"", i > 0 ? "," : "", i);
		}
		wbuf_cstr(&w, "]}}]}");
		assert_int_equal(tmpl_from_json(&t, wbuf_data(&w), wbuf_len(&w), err, sizeof(err)),
		                 n == TMPL_MAX_ENUM ? IDR_OK : IDR_ELIMIT);
		tmpl_free(t);
		wbuf_deinit(&w);
	}
	/* the JSON text itself */
	{
		char *big = repeat(' ', TMPL_MAX_JSON + 1);

		assert_int_equal(tmpl_from_json(&t, big, TMPL_MAX_JSON + 1, err, sizeof(err)),
		                 IDR_ELIMIT);
		free(big);
	}
}

/* JSON text of t (heap, NUL-terminated). */
static char *
to_json(const struct tmpl *t, unsigned flags)
{
	struct wbuf w;
	char *s;
	size_t len;

	wbuf_init_heap(&w, (size_t)TMPL_MAX_JSON * 2);
	assert_int_equal(tmpl_write_json(&w, t, flags), IDR_OK);
	wbuf_terminate(&w);
	s = (char *)wbuf_steal(&w, &len);
	assert_non_null(s);
	return s;
}

static void
test_tmpl_json_round_trip(void **state)
{
	const char *const inputs[] = {national, every_type};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(inputs); i++) {
		struct tmpl *a = parse_ok(inputs[i]), *b;
		char *ja = to_json(a, 0), *jb;

		b = parse_ok(ja);
		jb = to_json(b, 0);
		assert_string_equal(ja, jb);
		tmpl_free(a);
		tmpl_free(b);
		free(ja);
		free(jb);
	}
	/* the national field names, in their order */
	{
		struct tmpl *t = parse_ok(national);
		char *j = to_json(t, 0);

		assert_string_equal(
		        j,
		        "{\"prefix\":\"88.101.5\",\"version\":\"1.0.0\",\"industryCategory\":\"A\","
		        "\"industrySpecific\":\"01\",\"industryTrade\":\"011\","
		        "\"industrySubclass\":\"0111\",\"type\":1,\"description\":\"测试模板\","
		        "\"items\":[{\"name\":\"e1\",\"idType\":\"ip\",\"idIndex\":2000,"
		        "\"required\":false,\"state\":1,\"metadata\":{\"type\":\"string\","
		        "\"minLength\":1,\"maxLength\":10}}]}");
		free(j);
		t->state = TMPL_PUBLISHED;
		t->created = 86400;
		j = to_json(t, TMPL_JSON_STATE);
		assert_non_null(strstr(j, "\"templateState\":\"published\",\"createdTime\":"
		                          "\"1970-01-02T00:00:00Z\""));
		tmpl_free(t);
		t = parse_ok(j); /* state is read back, times ignored */
		assert_int_equal(t->state, TMPL_PUBLISHED);
		assert_int_equal(t->created, 0);
		tmpl_free(t);
		free(j);
	}
}

static void
test_tmpl_stored(void **state)
{
	struct tmpl *t = parse_ok(every_type), *d;
	struct wbuf w;
	uint8_t *p;
	size_t i, len;

	(void)state;
	t->state = TMPL_WITHDRAWN;
	t->created = 1000;
	t->changed = 2000;
	wbuf_init_heap(&w, (size_t)TMPL_MAX_JSON * 2);
	assert_int_equal(tmpl_encode(&w, t), IDR_OK);
	p = wbuf_steal(&w, &len);
	assert_non_null(p);
	assert_int_equal(p[0], TMPL_FORMAT);
	assert_int_equal(p[1], TMPL_WITHDRAWN);
	assert_int_equal(tmpl_decode(slice_make(p, len), &d), IDR_OK);
	assert_int_equal(d->state, TMPL_WITHDRAWN);
	assert_int_equal(d->created, 1000);
	assert_int_equal(d->changed, 2000);
	assert_int_equal(d->nitems, t->nitems);
	tmpl_free(d);
	/* every truncation fails cleanly */
	for (i = 0; i < len; i++) {
		int rc = tmpl_decode(slice_make(p, i), &d);

		assert_int_not_equal(rc, IDR_OK);
		assert_null(d);
	}
	p[0] = 2;
	assert_int_equal(tmpl_decode(slice_make(p, len), &d), IDR_ESCHEMA);
	p[0] = TMPL_FORMAT;
	p[1] = 3;
	assert_int_equal(tmpl_decode(slice_make(p, len), &d), IDR_EPROTO);
	p[1] = 0;
	p[2] = 1;
	assert_int_equal(tmpl_decode(slice_make(p, len), &d), IDR_EPROTO);
	free(p);
	wbuf_deinit(&w);
	tmpl_free(t);
}

static void
test_tmpl_industry(void **state)
{
	char err[TMPL_ERR_LEN];

	(void)state;
	assert_int_equal(tmpl_industry_check("A", "01", "011", "0111", err, sizeof(err)), IDR_OK);
	assert_int_equal(tmpl_industry_check("A", "05", "", "", err, sizeof(err)), IDR_OK);
	assert_int_equal(tmpl_industry_check("A", "06", "", "", err, sizeof(err)),
	                 IDR_ETMPL_INVALID);
	assert_int_equal(tmpl_industry_check("M", "75", "751", "7517", err, sizeof(err)), IDR_OK);
	assert_int_equal(tmpl_industry_check("T", "97", NULL, NULL, err, sizeof(err)), IDR_OK);
	assert_int_equal(tmpl_industry_check("T", "98", NULL, NULL, err, sizeof(err)),
	                 IDR_ETMPL_INVALID);
	assert_int_equal(tmpl_industry_check("C", "13", NULL, NULL, err, sizeof(err)), IDR_OK);
	assert_int_equal(tmpl_industry_check("C", "12", NULL, NULL, err, sizeof(err)),
	                 IDR_ETMPL_INVALID);
	assert_int_equal(tmpl_industry_check("C", "43", NULL, NULL, err, sizeof(err)), IDR_OK);
	assert_int_equal(tmpl_industry_check("C", "44", NULL, NULL, err, sizeof(err)),
	                 IDR_ETMPL_INVALID);
	assert_int_equal(tmpl_industry_check("C", NULL, NULL, "3411", err, sizeof(err)),
	                 IDR_ETMPL_INVALID);
	assert_non_null(strstr(err, "industrySubclass: given without industryTrade"));
	assert_int_equal(tmpl_industry_check("", NULL, NULL, NULL, err, sizeof(err)),
	                 IDR_ETMPL_INVALID);
}

/* ---------------------------------------------------------------- value checks */

struct vcase {
	uint32_t index;
	const char *data;
	const char *err; /* NULL: passes; else the exact message */
};

static const struct vcase vcases[] = {
        /* string: minLength 2, maxLength 4 (characters) */
        {2000, "ab", NULL},
        {2000, "a", "string of 1 characters below minLength 2"},
        {2000, "abcd", NULL},
        {2000, "名称名称", NULL},
        {2000, "abcde", "string of 5 characters above maxLength 4"},
        {2000, "\xff\xfe", "value is not UTF-8 text"},
        /* number: -1.5 .. 10, 2 decimals */
        {2003, "10", NULL},
        {2003, "10.00", NULL},
        {2003, "10.01", "number 10.01 above maximum 10"},
        {2003, "12.5", "number 12.5 above maximum 10"},
        {2003, "-1.5", NULL},
        {2003, "-1.51", "number -1.51 below minimum -1.5"},
        {2003, "0.25", NULL},
        {2003, "0.255", "number 0.255 has more than 2 decimal places"},
        {2003, "1e3", "'1e3' is not a decimal number (digits, optional '-' and '.')"},
        {2003, "", "'' is not a decimal number (digits, optional '-' and '.')"},
        {2003, "1.", "'1.' is not a decimal number (digits, optional '-' and '.')"},
        {2003, ".5", "'.5' is not a decimal number (digits, optional '-' and '.')"},
        {2003, "+1", "'+1' is not a decimal number (digits, optional '-' and '.')"},
        {2003, "-", "'-' is not a decimal number (digits, optional '-' and '.')"},
        {2003, "0000000000000000000000000000000000000000000000000000000000000001", NULL},
        {2003, "00000000000000000000000000000000000000000000000000000000000000001",
         "'0000000000000000000000000000000000000000...' is not a decimal number (digits, "
         "optional '-' and '.')"},
        /* date YYYY-MM-DD */
        {2004, "2024-02-29", NULL},
        {2004, "2023-02-29", "'2023-02-29' is not a date YYYY-MM-DD"},
        {2004, "2000-02-29", NULL},
        {2004, "1900-02-29", "'1900-02-29' is not a date YYYY-MM-DD"},
        {2004, "2024-12-31", NULL},
        {2004, "2024-12-32", "'2024-12-32' is not a date YYYY-MM-DD"},
        {2004, "2024-13-01", "'2024-13-01' is not a date YYYY-MM-DD"},
        {2004, "2024-00-10", "'2024-00-10' is not a date YYYY-MM-DD"},
        {2004, "2024-04-31", "'2024-04-31' is not a date YYYY-MM-DD"},
        {2004, "2024-1-01", "'2024-1-01' is not a date YYYY-MM-DD"},
        {2004, "2024-01-01 00:00:00", "'2024-01-01 00:00:00' is not a date YYYY-MM-DD"},
        /* date-time */
        {2005, "2024-01-01 23:59:59", NULL},
        {2005, "2024-01-01 24:00:00", "'2024-01-01 24:00:00' is not a date YYYY-MM-DD HH:mm:ss"},
        {2005, "2024-01-01 23:60:00", "'2024-01-01 23:60:00' is not a date YYYY-MM-DD HH:mm:ss"},
        {2005, "2024-01-01 23:59:60", "'2024-01-01 23:59:60' is not a date YYYY-MM-DD HH:mm:ss"},
        {2005, "2024-01-01T23:59:59", "'2024-01-01T23:59:59' is not a date YYYY-MM-DD HH:mm:ss"},
        {2005, "2024-01-01", "'2024-01-01' is not a date YYYY-MM-DD HH:mm:ss"},
        /* enum */
        {2006, "red", NULL},
        {2006, "绿", NULL},
        {2006, "Red", "'Red' is not one of: red, 绿"},
        /* handle */
        {2007, "88.118.8/P-1", NULL},
        {2007, "88.118.8",
         "'88.118.8' is not a handle: identifier has no '/' separating "
         "prefix and suffix (e.g. 88.118.8/P-1)"},
        {2007, "88..1/x",
         "'88..1/x' is not a handle: prefix has an empty segment (leading, "
         "trailing or doubled '.')"},
};

static void
test_tmpl_check_data(void **state)
{
	struct tmpl *t = parse_ok(every_type);
	char err[TMPL_ERR_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(vcases); i++) {
		const struct tmpl_item *it = tmpl_item_by_index(t, vcases[i].index);
		int rc;

		assert_non_null(it);
		err[0] = '\0';
		rc = tmpl_check_data(it, slice_cstr(vcases[i].data), err, sizeof(err));
		if (vcases[i].err == NULL && rc != IDR_OK) {
			fail_msg("case %zu '%s': unexpected '%s'", i, vcases[i].data, err);
		}
		if (vcases[i].err != NULL &&
		    (rc != IDR_ETMPL_RECORD || strcmp(err, vcases[i].err) != 0)) {
			fail_msg("case %zu '%s': got '%s', want '%s'", i, vcases[i].data, err,
			         vcases[i].err);
		}
	}
	tmpl_free(t);
}

static struct value
val(uint32_t index, const char *type, const char *data)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.type = slice_cstr(type);
	v.data = slice_cstr(data);
	return v;
}

static void
test_tmpl_check_values(void **state)
{
	struct tmpl *t = parse_ok(every_type);
	struct tmpl_report rep;
	struct value ok[] = {
	        val(1, "URL", "https://x"),          val(10, "ITEM_KIND", "part"),
	        val(100, "HS_ADMIN", "x"),           val(TMPL_INDEX_VERSION, "TEMPLATE", "1.0"),
	        val(2000, "TITLE", "abc"),           val(2003, "weight", "9.5"),
	        val(2007, "parent", "88.118.8/P-0"),
	};
	struct value bad[] = {
	        val(TMPL_INDEX_VERSION, "TEMPLATE", "2.0"),
	        val(2003, "weight", "12.5"),
	        val(2004, "date", "2024-01-01"),
	        val(2008, "old", "x"),
	        val(2100, "extra", "y"),
	        val(2007, "parent", ""),
	};

	(void)state;
	assert_int_equal(tmpl_check_values(t, ok, ARRAY_LEN(ok), &rep), IDR_OK);
	assert_int_equal(rep.nerrs, 0);
	assert_int_equal(tmpl_check_values(t, bad, ARRAY_LEN(bad), &rep), IDR_ETMPL_RECORD);
	assert_string_equal(rep.text, "template version '2.0' is not 1.0; "
	                              "weight (2003): number 12.5 above maximum 10; "
	                              "made (2004): type must be 'made', not 'date'; "
	                              "old (2008): item is disabled; "
	                              "extra (2100): index 2100 is not in template 1.0; "
	                              "parent (2007): '' is not a handle: identifier is empty; "
	                              "title (2000): required but missing (名称); "
	                              "parent (2007): required but empty");
	assert_int_equal(rep.nerrs, 8);
	/* a wrong type at 1001 */
	bad[0] = val(TMPL_INDEX_VERSION, "VERSION", "1.0");
	assert_int_equal(tmpl_check_values(t, bad, 1, &rep), IDR_ETMPL_RECORD);
	assert_non_null(strstr(rep.text, "index 1001 is reserved for the template version"));
	tmpl_free(t);
}

/* Many errors: the report counts all, keeps what fits, stays NUL-terminated. */
static void
test_tmpl_report_truncates(void **state)
{
	struct tmpl_report rep;
	size_t i;

	(void)state;
	memset(&rep, 0, sizeof(rep));
	for (i = 0; i < 500; i++) {
		tmpl_report_add(&rep, "error number %zu of many", i);
	}
	assert_int_equal(rep.nerrs, 500);
	assert_true(rep.len < sizeof(rep.text));
	assert_int_equal(strlen(rep.text), rep.len);
}

/* ---------------------------------------------------------------- merge, item add */

static void
test_tmpl_merge(void **state)
{
	struct tmpl *t = parse_ok(HEAD "{\"name\":\"a\",\"idType\":\"ka\",\"metadata\":{}},"
	                               "{\"name\":\"b\",\"idType\":\"kb\",\"metadata\":{}}]}");
	struct tmpl *u = parse_ok(
	        "{\"prefix\":\"88.118.8\",\"version\":\"1.0\",\"industryCategory\":\"D\",\"type\":"
	        "1,"
	        "\"items\":[{\"name\":\"b2\",\"idType\":\"kb\",\"idIndex\":2001,\"state\":0,"
	        "\"metadata\":{\"type\":\"number\"}},"
	        "{\"name\":\"c\",\"idType\":\"kc\",\"metadata\":{}}]}");
	struct tmpl *bad;
	char err[TMPL_ERR_LEN];

	(void)state;
	assert_int_equal(tmpl_merge(t, u, err, sizeof(err)), IDR_OK);
	assert_string_equal(t->industry[0], "D");
	assert_int_equal(t->obj_type, 1);
	assert_int_equal(t->nitems, 3); /* ka kept, kb replaced, kc added */
	assert_string_equal(t->items[0].key, "ka");
	assert_string_equal(t->items[1].name, "b2");
	assert_false(t->items[1].enabled);
	assert_int_equal(t->items[1].type, TMPL_NUMBER);
	assert_string_equal(t->items[2].key, "kc");
	assert_int_equal(t->items[2].index, 2002);
	tmpl_free(u);
	/* an index of another item's key: refused, t unchanged */
	bad = parse_ok(HEAD
	               "{\"name\":\"z\",\"idType\":\"kz\",\"idIndex\":2000,\"metadata\":{}}]}");
	assert_int_equal(tmpl_merge(t, bad, err, sizeof(err)), IDR_ETMPL_INVALID);
	assert_non_null(strstr(err, "item 'kz' (2000): item 2000 is 'ka'"));
	assert_int_equal(t->nitems, 3);
	assert_string_equal(t->industry[0], "D");
	tmpl_free(bad);
	/* a key at another index */
	bad = parse_ok(HEAD
	               "{\"name\":\"z\",\"idType\":\"KA\",\"idIndex\":2009,\"metadata\":{}}]}");
	assert_int_equal(tmpl_merge(t, bad, err, sizeof(err)), IDR_ETMPL_INVALID);
	tmpl_free(bad);
	/* no idIndex: the key names the item, its index stays */
	bad = parse_ok(HEAD "{\"name\":\"a2\",\"idType\":\"ka\",\"metadata\":{}}]}");
	assert_int_equal(tmpl_merge(t, bad, err, sizeof(err)), IDR_OK);
	assert_int_equal(t->items[0].index, 2000);
	assert_string_equal(t->items[0].name, "a2");
	tmpl_free(bad);
	tmpl_free(t);
}

static void
test_tmpl_item_add(void **state)
{
	struct tmpl *t = parse_ok(HEAD "]}");
	struct tmpl_item it;
	char err[TMPL_ERR_LEN];
	const char *js = "{\"name\":\"x\",\"idType\":\"kx\",\"metadata\":{\"type\":\"date\"}}";

	(void)state;
	assert_int_equal(tmpl_item_from_json(&it, js, strlen(js), err, sizeof(err)), IDR_OK);
	assert_int_equal(it.index, 0);
	assert_int_equal(tmpl_item_add(t, &it, err, sizeof(err)), IDR_OK);
	assert_int_equal(t->items[0].index, 2000);
	assert_int_equal(tmpl_item_add(t, &it, err, sizeof(err)), IDR_ETMPL_INVALID);
	assert_non_null(strstr(err, "'kx' is already item 2000"));
	assert_int_equal(t->nitems, 1);
	tmpl_item_deinit(&it);
	assert_int_equal(tmpl_item_from_json(&it, "{\"name\":\"x\"}", 12, err, sizeof(err)),
	                 IDR_ETMPL_INVALID);
	assert_string_equal(err, "item.idType: missing (a string)");
	tmpl_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tmpl_parse_national),
	        cmocka_unit_test(test_tmpl_parse_defaults),
	        cmocka_unit_test(test_tmpl_parse_errors),
	        cmocka_unit_test(test_tmpl_parse_limits),
	        cmocka_unit_test(test_tmpl_parse_count_limits),
	        cmocka_unit_test(test_tmpl_json_round_trip),
	        cmocka_unit_test(test_tmpl_stored),
	        cmocka_unit_test(test_tmpl_industry),
	        cmocka_unit_test(test_tmpl_check_data),
	        cmocka_unit_test(test_tmpl_check_values),
	        cmocka_unit_test(test_tmpl_report_truncates),
	        cmocka_unit_test(test_tmpl_merge),
	        cmocka_unit_test(test_tmpl_item_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
