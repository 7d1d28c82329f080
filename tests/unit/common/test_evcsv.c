/* test_evcsv.c - CSV rows to lifecycle events: valid rows, missing columns, bad values,
 * every truncation. */
#include "common/evcsv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#define NODE "https://idr.example"
#define NOW  1706752800000LL /* 2024-02-01T02:00:00Z */

struct seen {
	size_t n;
	char first[EVCSV_ERR_LEN];
};

static void
on_bad(void *arg, const char *msg)
{
	struct seen *s = arg;

	if (s->n++ == 0) {
		snprintf(s->first, sizeof(s->first), "%s", msg);
	}
}

static int
parse(const char *text, struct evcsv_doc *d, char *err, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return evcsv_parse(text, strlen(text), NODE, NOW, on_bad, s, d, err, EVCSV_ERR_LEN);
}

/* The event as compact JSON with sorted keys (for comparing with the expected text). */
static char *
dump(const struct life_event *ev)
{
	json_t *j = NULL;
	char *s;

	assert_int_equal(life_event_to_json(ev, &j), IDR_OK);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	assert_non_null(s);
	return s;
}

static void
test_evcsv_valid_rows(void **state)
{
	static const struct {
		const char *csv;
		const char *json; /* the first event, sorted keys */
	} cases[] = {
	        {"id,biz_step\n88.118.8/P1,commissioning\n",
	         "{\"action\":\"ADD\",\"bizStep\":\"commissioning\",\"epcList\":[\"" NODE
	         "/88.118.8/P1\"],\"eventTime\":\"2024-02-01T10:00:00.000+08:00\","
	         "\"eventTimeZoneOffset\":\"+08:00\",\"type\":\"ObjectEvent\"}"},
	        {"epcs;x\n", NULL},
	        {"type,epcs,time,disposition,read_point\nobject,\"88.118.8/A; urn:epc:id:sgtin:"
	         "0614141.107346.2017\",2024-03-01T08:00:00Z,in_transit,88.118.8/LINE1\n",
	         "{\"action\":\"OBSERVE\",\"disposition\":\"in_transit\",\"epcList\":[\"" NODE
	         "/88.118.8/A\",\"urn:epc:id:sgtin:0614141.107346.2017\"],\"eventTime\":"
	         "\"2024-03-01T08:00:00.000+00:00\",\"eventTimeZoneOffset\":\"+00:00\","
	         "\"readPoint\":"
	         "{\"id\":\"" NODE "/88.118.8/LINE1\"},\"type\":\"ObjectEvent\"}"},
	        {"TYPE,Parent,Children,id,Action\r\naggregation,88.118.8/BOX,\"88.118.8/C1,"
	         "88.118.8/C2\",,delete\r\n",
	         "{\"action\":\"DELETE\",\"childEPCs\":[\"" NODE "/88.118.8/C1\",\"" NODE
	         "/88.118.8/C2\"],\"eventTime\":\"2024-02-01T10:00:00.000+08:00\","
	         "\"eventTimeZoneOffset\":\"+08:00\",\"parentID\":\"" NODE
	         "/88.118.8/BOX\",\"type\":\"AggregationEvent\"}"},
	        {"type,inputs,outputs,id,transformation_id,biz_location\ntransformation,"
	         "88.118.8/W1;88.118.8/W2,,88.118.8/PART,urn:epc:id:gdti:0614141.12345.400,"
	         "urn:epc:id:sgln:0614141.00888.0\n",
	         "{\"bizLocation\":{\"id\":\"urn:epc:id:sgln:0614141.00888.0\"},\"eventTime\":"
	         "\"2024-02-01T10:00:00.000+08:00\",\"eventTimeZoneOffset\":\"+08:00\","
	         "\"inputEPCList\":[\"" NODE "/88.118.8/W1\",\"" NODE "/88.118.8/W2\"],"
	         "\"outputEPCList\":[\"" NODE "/88.118.8/PART\"],\"transformationID\":"
	         "\"urn:epc:id:gdti:0614141.12345.400\",\"type\":\"TransformationEvent\"}"},
	        {"type,parent,id\nassociation,88.118.8/ROBOT,88.118.8/SENSOR\n",
	         "{\"action\":\"ADD\",\"childEPCs\":[\"" NODE "/88.118.8/SENSOR\"],\"eventTime\":"
	         "\"2024-02-01T10:00:00.000+08:00\",\"eventTimeZoneOffset\":\"+08:00\","
	         "\"parentID\":\"" NODE "/88.118.8/ROBOT\",\"type\":\"AssociationEvent\"}"},
	        /* blank lines skipped, a BOM, empty optional cells, two rows */
	        {"\xEF\xBB\xBFid,biz_step,disposition\n\n88.118.8/A,shipping,\n88.118.8/B,,\n",
	         "{\"action\":\"OBSERVE\",\"bizStep\":\"shipping\",\"epcList\":[\"" NODE
	         "/88.118.8/A\"],\"eventTime\":\"2024-02-01T10:00:00.000+08:00\","
	         "\"eventTimeZoneOffset\":\"+08:00\",\"type\":\"ObjectEvent\"}"},
	        /* only a header: no events, valid */
	        {"id\n", ""},
	};
	char err[EVCSV_ERR_LEN];
	struct evcsv_doc d;
	struct seen s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i].csv, &d, err, &s);

		if (cases[i].json == NULL) {
			assert_int_equal(rc, IDR_EPROTO); /* a separator case that is not valid */
			continue;
		}
		if (rc != IDR_OK) {
			fail_msg("case %zu: %s", i, err);
		}
		if (cases[i].json[0] == '\0') {
			assert_int_equal(d.doc.n, 0);
		} else {
			char *got = dump(&d.doc.ev[0]);

			assert_string_equal(got, cases[i].json);
			free(got);
		}
		evcsv_free(&d);
	}
	/* the two-row case: lines counted, the second row too */
	assert_int_equal(parse(cases[6].csv, &d, err, &s), IDR_OK);
	assert_int_equal(d.doc.n, 2);
	assert_int_equal(d.line[0], 3);
	assert_int_equal(d.line[1], 4);
	evcsv_free(&d);
}

static void
test_evcsv_bad_rows(void **state)
{
	static const struct {
		const char *csv;
		const char *msg; /* the start of the first message */
	} cases[] = {
	        {"", "line 1: no header row"},
	        {"biz_step,time\nshipping,\n", "line 1: the header names no identifier column"},
	        {"id,colour\n88.118.8/A,red\n", "line 1: column 2 'colour' is not one of"},
	        {"id,epcs\n88.118.8/A,88.118.8/B\n", "line 1, column id: named twice"},
	        {"id,biz_step\n88.118.8/A\n", "line 2: 1 fields, the header has 2 columns"},
	        {"id,biz_step\n88.118.8/A,shipping,x\n", "line 2: 3 fields, the header has 2"},
	        {"id,type\n88.118.8/A,box\n", "line 2, column type: 'box' is not object"},
	        {"id,action\n88.118.8/A,MOVE\n", "line 2, column action: 'MOVE' is not ADD"},
	        {"type,inputs,action\ntransformation,88.118.8/A,ADD\n",
	         "line 2, column action: a transformation has no action"},
	        {"id,time\n88.118.8/A,2024-02-01 10:00\n",
	         "line 2, column time: '2024-02-01 10:00'"},
	        {"id,time\n88.118.8/A,2024-02-01T10:00:00\n", "line 2, column time:"},
	        {"id,biz_step\n88.118.8/A,flying\n", "line 2, column biz_step: bizStep"},
	        {"id,disposition\n88.118.8/A,lost_forever\n", "line 2, column disposition:"},
	        {"id\nNOSLASH\n", "line 2, column id: 'NOSLASH' is neither a URI nor a handle"},
	        {"id\n\"88.118.8/A,,88.118.8/B\"\n", "line 2, column id: an empty identifier"},
	        {"id\n\"88.118.8/A;\"\n", "line 2, column id: an empty identifier"},
	        {"id,parent\n88.118.8/A,88.118.8/P\n", "line 2, column parent: only for an agg"},
	        {"id,inputs\n88.118.8/A,88.118.8/P\n", "line 2, column inputs: only for a trans"},
	        /* required members missing */
	        {"id,biz_step\n,shipping\n", "line 2, column id: epcList"},
	        {"type,children\naggregation,88.118.8/C\n", "line 2, column parent: parentID"},
	        {"type,parent\naggregation,88.118.8/P\n", "line 2"},
	        {"type,id,parent\nassociation,88.118.8/C,\n", "line 2, column parent: parentID"},
	        {"type,id\ntransformation,88.118.8/OUT\n", "line 2"},
	        {"id\n\"88.118.8/A\n", "line 2:"},
	        {"id\n88.118.8/A\"x\n", "line 2:"},
	};
	char err[EVCSV_ERR_LEN];
	struct evcsv_doc d;
	struct seen s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i].csv, &d, err, &s);

		if (rc != IDR_EPROTO || strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0) {
			fail_msg("case %zu: rc %d, '%s'", i, rc, err);
		}
		assert_int_equal(s.n, 1);
		assert_string_equal(s.first, err);
		assert_int_equal(d.doc.n, 0);
		assert_null(d.doc.ev);
	}
}

/* One bad row among good ones: every bad row reported, nothing kept. */
static void
test_evcsv_all_or_nothing(void **state)
{
	const char *csv = "id,biz_step\n88.118.8/A,shipping\n88.118.8/B,flying\n"
	                  "88.118.8/C,receiving\nbad,receiving\n";
	char err[EVCSV_ERR_LEN];
	struct evcsv_doc d;
	struct seen s;

	(void)state;
	assert_int_equal(parse(csv, &d, err, &s), IDR_EPROTO);
	assert_int_equal(s.n, 2);
	assert_non_null(strstr(err, "line 3, column biz_step"));
	assert_int_equal(d.doc.n, 0);
}

/* Every truncation of a valid file is either valid (fewer or equal events) or an error
 * naming a line. */
static void
test_evcsv_truncations(void **state)
{
	const char *csv = "type,id,parent,children,inputs,outputs,time,biz_step,disposition,"
	                  "read_point,action\n"
	                  "object,\"88.118.8/A;88.118.8/B\",,,,,2024-02-01T10:00:00+08:00,"
	                  "commissioning,active,88.118.8/L1,ADD\n"
	                  "aggregation,,88.118.8/BOX,88.118.8/A,,,2024-02-01T11:00:00.5Z,"
	                  "packing,,,\n"
	                  "transformation,,,,88.118.8/W,88.118.8/P,2024-02-01T12:00:00-05:30,,,,\n";
	size_t len = strlen(csv);
	char err[EVCSV_ERR_LEN];
	struct seen s;

	(void)state;
	for (size_t cut = 0; cut <= len; cut++) {
		struct evcsv_doc d;
		char *part = malloc(cut > 0 ? cut : 1);
		int rc;

		assert_non_null(part);
		memcpy(part, csv, cut);
		memset(&s, 0, sizeof(s));
		rc = evcsv_parse(part, cut, NODE, NOW, on_bad, &s, &d, err, sizeof(err));
		if (rc == IDR_OK) {
			assert_true(d.doc.n <= 3);
			assert_int_equal(s.n, 0);
		} else {
			assert_int_equal(rc, IDR_EPROTO);
			assert_int_equal(strncmp(err, "line ", 5), 0);
			assert_true(s.n >= 1);
			assert_int_equal(d.doc.n, 0);
		}
		evcsv_free(&d);
		free(part);
	}
	{
		struct evcsv_doc d;

		assert_int_equal(evcsv_parse(csv, len, NODE, NOW, NULL, NULL, &d, err, sizeof(err)),
		                 IDR_OK);
		assert_int_equal(d.doc.n, 3);
		evcsv_free(&d);
	}
}

static void
test_evcsv_uri(void **state)
{
	char *u;

	(void)state;
	u = evcsv_uri(NODE, "88.118.8/X");
	assert_string_equal(u, NODE "/88.118.8/X");
	free(u);
	u = evcsv_uri(NODE, "urn:epc:id:sscc:0614141.1234567890");
	assert_string_equal(u, "urn:epc:id:sscc:0614141.1234567890");
	free(u);
	u = evcsv_uri(NODE, "https://id.gs1.org/01/09506000134352/21/1");
	assert_string_equal(u, "https://id.gs1.org/01/09506000134352/21/1");
	free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_evcsv_valid_rows),
	        cmocka_unit_test(test_evcsv_bad_rows),
	        cmocka_unit_test(test_evcsv_all_or_nothing),
	        cmocka_unit_test(test_evcsv_truncations),
	        cmocka_unit_test(test_evcsv_uri),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
