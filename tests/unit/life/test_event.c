/* test_event.c - EPCIS 2.0 events: valid events of each type, every required member missing,
 * wrong types, truncation at every byte, every limit one past, the rules the schema misses,
 * JSON-LD round trip, identifier URIs, times and the CBV 2.0 hash vectors. */
#include "life/event.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/err.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define CTX  "\"@context\":[{\"ex\":\"https://ns.example.com/epcis/\"}],"
#define TIME "\"eventTime\":\"2024-03-01T08:00:00.000+08:00\",\"eventTimeZoneOffset\":\"+08:00\","

static const char *const ev_object =
        "{" CTX "\"type\":\"ObjectEvent\",\"action\":\"ADD\"," TIME
        "\"epcList\":[\"urn:epc:id:sgtin:6901234.056789.SN1\"],"
        "\"quantityList\":[{\"epcClass\":\"urn:epc:class:lgtin:6901234.012345.L7\","
        "\"quantity\":2.5,\"uom\":\"KGM\"}],\"bizStep\":\"commissioning\","
        "\"disposition\":\"active\",\"readPoint\":{\"id\":\"https://n.example.cn/88.118.8/P1\"},"
        "\"bizLocation\":{\"id\":\"urn:epc:id:sgln:6901234.00000.0\"},"
        "\"ilmd\":{\"ex:lot\":\"L7\"},\"ex:note\":\"ok\"}";
static const char *const ev_aggregation =
        "{\"type\":\"AggregationEvent\",\"action\":\"ADD\"," TIME
        "\"parentID\":\"https://id.gs1.org/00/069012340000000016\","
        "\"childEPCs\":[\"urn:epc:id:sgtin:6901234.056789.SN1\"],"
        "\"childQuantityList\":[{\"epcClass\":\"urn:epc:class:lgtin:6901234.012345.L7\","
        "\"quantity\":10}],\"bizStep\":\"packing\"}";
static const char *const ev_transformation =
        "{\"type\":\"TransformationEvent\"," TIME
        "\"inputEPCList\":[\"urn:epc:id:sgtin:6901234.056789.SN1\"],"
        "\"inputQuantityList\":[{\"epcClass\":\"urn:epc:class:lgtin:6901234.012345.L7\","
        "\"quantity\":2.5,\"uom\":\"KGM\"}],"
        "\"outputEPCList\":[\"urn:epc:id:sgtin:6901234.056790.P1\"],"
        "\"transformationID\":\"urn:example:xform:1\",\"bizStep\":\"assembling\"}";
static const char *const ev_association = "{\"type\":\"AssociationEvent\",\"action\":\"ADD\"," TIME
                                          "\"parentID\":\"urn:epc:id:grai:6901234.00000.M1\","
                                          "\"childEPCs\":[\"urn:epc:id:giai:6901234.S9\"]}";
static const char *const ev_transaction =
        "{\"type\":\"TransactionEvent\",\"action\":\"ADD\"," TIME
        "\"bizTransactionList\":[{\"type\":\"po\",\"bizTransaction\":\"urn:x:po:1\"}],"
        "\"epcList\":[\"urn:epc:id:sgtin:6901234.056789.SN1\"]}";

static int
parse(const char *text, struct life_event *ev, char *err)
{
	return life_event_parse(text, strlen(text), ev, err, LIFE_ERR_LEN);
}

/* the JSON text of base with member key set to v (NULL: removed) */
static char *
mutate(const char *base, const char *key, json_t *v)
{
	json_t *j = json_loads(base, 0, NULL);
	char *s;

	assert_non_null(j);
	if (v == NULL) {
		assert_int_equal(json_object_del(j, key), 0);
	} else {
		json_object_set_new(j, key, v);
	}
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

static void
expect_refused(const char *text, int rc, const char *msg)
{
	struct life_event ev;
	char err[LIFE_ERR_LEN];

	assert_int_equal(parse(text, &ev, err), rc);
	if (strstr(err, msg) == NULL) {
		fail_msg("error '%s' lacks '%s' for %s", err, msg, text);
	}
	assert_int_equal(ev.type, 0); /* left zeroed */
}

static void
test_event_valid_each_type(void **state)
{
	static const struct {
		const char *const *text;
		enum life_type type;
		enum life_action action;
	} cases[] = {
	        {&ev_object, LIFE_OBJECT, LIFE_ACTION_ADD},
	        {&ev_aggregation, LIFE_AGGREGATION, LIFE_ACTION_ADD},
	        {&ev_transformation, LIFE_TRANSFORMATION, LIFE_ACTION_NONE},
	        {&ev_association, LIFE_ASSOCIATION, LIFE_ACTION_ADD},
	        {&ev_transaction, LIFE_TRANSACTION, LIFE_ACTION_ADD},
	};
	struct life_event ev;
	char err[LIFE_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		if (parse(*cases[i].text, &ev, err) != IDR_OK) {
			fail_msg("case %zu: %s", i, err);
		}
		assert_int_equal(ev.type, cases[i].type);
		assert_int_equal(ev.action, cases[i].action);
		assert_int_equal(ev.event_time.tz_min, 480);
		assert_true(ev.event_time.ms == 1709251200000LL);
		life_event_deinit(&ev);
	}
	assert_int_equal(parse(ev_object, &ev, err), IDR_OK);
	assert_int_equal(ev.epcs.n, 1);
	assert_string_equal(ev.epcs.v[0], "urn:epc:id:sgtin:6901234.056789.SN1");
	assert_int_equal(ev.quantities.n, 1);
	assert_true(ev.quantities.v[0].quantity == 2.5);
	assert_string_equal(ev.quantities.v[0].uom, "KGM");
	assert_string_equal(ev.biz_step, "commissioning");
	assert_string_equal(ev.read_point, "https://n.example.cn/88.118.8/P1");
	assert_non_null(json_object_get(ev.ext, "ex:note"));
	assert_non_null(json_object_get(ev.ext, "ilmd"));
	life_event_deinit(&ev);
	assert_int_equal(parse(ev_transformation, &ev, err), IDR_OK);
	assert_string_equal(ev.transformation_id, "urn:example:xform:1");
	assert_int_equal(ev.input_epcs.n, 1);
	assert_int_equal(ev.output_epcs.n, 1);
	assert_int_equal(ev.input_quantities.n, 1);
	life_event_deinit(&ev);
}

static void
test_event_required_members(void **state)
{
	static const struct {
		const char *const *base;
		const char *key;
		const char *msg;
	} cases[] = {
	        {&ev_object, "type", "type: required"},
	        {&ev_object, "eventTime", "eventTime: required"},
	        {&ev_object, "eventTimeZoneOffset", "eventTimeZoneOffset: required"},
	        {&ev_object, "action", "action: required for an ObjectEvent"},
	        {&ev_aggregation, "action", "action: required for an AggregationEvent"},
	        {&ev_aggregation, "parentID",
	         "parentID: required for an AggregationEvent with action ADD"},
	        {&ev_association, "parentID",
	         "parentID: required for an AssociationEvent with action ADD"},
	        {&ev_association, "childEPCs", "childEPCs: an AssociationEvent with action ADD"},
	        {&ev_transaction, "bizTransactionList", "bizTransactionList: required"},
	        {&ev_transaction, "epcList", "epcList: a TransactionEvent needs"},
	};
	char *text;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		text = mutate(*cases[i].base, cases[i].key, NULL);
		expect_refused(text, IDR_EPROTO, cases[i].msg);
		free(text);
	}
}

static void
test_event_rules_schema_misses(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
	        {"{\"type\":\"ObjectEvent\",\"action\":\"ADD\"," TIME "\"epcList\":[]}",
	         "epcList: an ObjectEvent needs epcList, quantityList"},
	        {"{\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\"," TIME
	         "\"epcList\":[\"urn:x:1\"],\"ilmd\":{}}",
	         "ilmd: only on an ObjectEvent with action ADD"},
	        {"{\"type\":\"AggregationEvent\",\"action\":\"DELETE\"," TIME "\"childEPCs\":[]}",
	         "parentID: required for an AggregationEvent with action DELETE"},
	        {"{\"type\":\"AggregationEvent\",\"action\":\"ADD\"," TIME
	         "\"parentID\":\"urn:x:p\",\"childEPCs\":[]}",
	         "childEPCs: an AggregationEvent with action ADD needs childEPCs"},
	        {"{\"type\":\"TransformationEvent\",\"action\":\"ADD\"," TIME
	         "\"inputEPCList\":[\"urn:x:1\"],\"outputEPCList\":[\"urn:x:2\"]}",
	         "action: not a member of an TransformationEvent"},
	        {"{\"type\":\"TransformationEvent\"," TIME "\"inputEPCList\":[\"urn:x:1\"]}",
	         "inputEPCList: a TransformationEvent needs inputs and outputs"},
	        {"{\"type\":\"ObjectEvent\",\"action\":\"ADD\"," TIME
	         "\"childEPCs\":[\"urn:x:1\"]}",
	         "childEPCs: not a member of an ObjectEvent"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		expect_refused(cases[i].text, IDR_EPROTO, cases[i].msg);
	}
	/* valid edge cases: aggregation OBSERVE without parent, DELETE without children,
	 * transformation split by transformationID, sensor-only object event */
	static const char *const ok[] = {
	        "{\"type\":\"AggregationEvent\",\"action\":\"OBSERVE\"," TIME
	        "\"childEPCs\":[\"urn:x:1\"]}",
	        "{\"type\":\"AggregationEvent\",\"action\":\"DELETE\"," TIME
	        "\"parentID\":\"urn:x:p\"}",
	        "{\"type\":\"TransformationEvent\"," TIME
	        "\"transformationID\":\"urn:x:t\",\"outputEPCList\":[\"urn:x:2\"]}",
	        "{\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\"," TIME
	        "\"readPoint\":{\"id\":\"urn:x:rp\"},\"sensorElementList\":[{\"sensorReport\":"
	        "[{\"type\":\"Temperature\",\"value\":21.5,\"uom\":\"CEL\"}]}]}",
	        "{\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\"," TIME
	        "\"epcList\":[\"urn:x:1\"],\"bizStep\":\"https://example.com/bizstep/welding\"}",
	};
	struct life_event ev;
	char err[LIFE_ERR_LEN];
	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		if (parse(ok[i], &ev, err) != IDR_OK) {
			fail_msg("ok case %zu: %s", i, err);
		}
		life_event_deinit(&ev);
	}
}

static void
test_event_wrong_types_and_values(void **state)
{
	static const struct {
		const char *key;
		const char *json;
		const char *msg;
	} cases[] = {
	        {"type", "\"Foo\"", "type: 'Foo' is not ObjectEvent"},
	        {"type", "1", "type: must be a string"},
	        {"action", "\"CREATE\"", "action: 'CREATE' is not ADD"},
	        {"action", "1", "action: must be a string"},
	        {"eventTime", "\"2024-03-01 08:00\"", "eventTime: not an RFC 3339"},
	        {"eventTime", "\"2024-03-01T08:00:00\"", "eventTime: not an RFC 3339"},
	        {"eventTime", "\"2023-02-29T08:00:00Z\"", "eventTime: not an RFC 3339"},
	        {"eventTime", "12", "eventTime: must be a string"},
	        {"eventTimeZoneOffset", "\"+8:00\"", "eventTimeZoneOffset: must be +hh:mm"},
	        {"eventTimeZoneOffset", "\"+14:30\"", "eventTimeZoneOffset: must be +hh:mm"},
	        {"bizStep", "\"teleporting\"", "bizStep: 'teleporting' is neither"},
	        {"bizStep", "\"urn:epcglobal:cbv:bizstep:shipping\"", "write CBV values as bare"},
	        {"disposition", "\"broken\"", "disposition: 'broken' is neither"},
	        {"readPoint", "\"urn:x:rp\"", "readPoint: must be an object"},
	        {"readPoint", "{}", "readPoint.id: required"},
	        {"readPoint", "{\"id\":\"88.118.8/ABC\"}", "readPoint.id: not a URI"},
	        {"epcList", "[\"ABC-123\"]", "epcList[0]: not a URI"},
	        {"epcList", "[\"urn:x:1\",2]", "epcList[1]: must be a string"},
	        {"epcList", "\"urn:x:1\"", "epcList: must be an array"},
	        {"quantityList", "[{\"epcClass\":\"urn:x:c\",\"quantity\":\"2.5\"}]",
	         "quantityList[0].quantity: must be a number"},
	        {"quantityList", "[{\"epcClass\":\"urn:x:c\",\"quantity\":2,\"uom\":\"kg\"}]",
	         "quantityList[0].uom: must be a UN/ECE"},
	        {"quantityList", "[{\"quantity\":2}]", "quantityList[0].epcClass: required"},
	        {"quantityList", "[{\"epcClass\":\"urn:x:c\",\"foo\":1}]",
	         "quantityList[0].foo: unknown member"},
	        {"foo", "1", "foo: unknown member"},
	        {"errorDeclaration", "{}", "errorDeclaration.declarationTime: required"},
	        {"errorDeclaration",
	         "{\"declarationTime\":\"2024-01-01T00:00:00Z\","
	         "\"reason\":\"oops\"}",
	         "errorDeclaration.reason: 'oops' is neither"},
	        {"eventID", "\"not a uri\"", "eventID: not a URI"},
	};
	char *text;
	json_t *v;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		text = mutate(ev_object, cases[i].key, v);
		expect_refused(text, IDR_EPROTO, cases[i].msg);
		free(text);
	}
	expect_refused("[1]", IDR_EPROTO, "event: must be a JSON object");
	expect_refused("{\"a\":1,\"a\":2}", IDR_EPROTO, "JSON:");
}

static void
test_event_truncated(void **state)
{
	const char *const texts[] = {ev_object, ev_aggregation, ev_transformation, ev_association,
	                             ev_transaction};
	struct life_event ev;
	struct life_doc doc;
	char err[LIFE_ERR_LEN];

	(void)state;
	for (size_t t = 0; t < ARRAY_LEN(texts); t++) {
		size_t len = strlen(texts[t]);
		for (size_t n = 0; n < len; n++) {
			err[0] = '\0';
			assert_int_not_equal(life_event_parse(texts[t], n, &ev, err, sizeof(err)),
			                     IDR_OK);
			assert_true(err[0] != '\0');
			assert_int_not_equal(life_doc_parse(texts[t], n, &doc, err, sizeof(err)),
			                     IDR_OK);
		}
		assert_int_equal(life_event_parse(texts[t], len, &ev, err, sizeof(err)), IDR_OK);
		life_event_deinit(&ev);
	}
}

/* a valid ObjectEvent whose epcList has n URIs of uri_len bytes */
static char *
object_with(size_t n, size_t uri_len)
{
	json_t *j = json_loads(ev_object, 0, NULL), *a = json_array();
	char *uri = malloc(uri_len + 1), *s;

	memset(uri, 'a', uri_len);
	memcpy(uri, "urn:x:", 6);
	uri[uri_len] = '\0';
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(a, json_string(uri));
	}
	json_object_set_new(j, "epcList", a);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	free(uri);
	return s;
}

static void
test_event_limits_one_past(void **state)
{
	struct life_event ev;
	struct life_doc doc;
	char err[LIFE_ERR_LEN], *text, *big;
	size_t len;

	(void)state;
	/* URI length */
	text = object_with(1, LIFE_MAX_URI);
	assert_int_equal(parse(text, &ev, err), IDR_OK);
	life_event_deinit(&ev);
	free(text);
	text = object_with(1, LIFE_MAX_URI + 1);
	expect_refused(text, IDR_ELIMIT, "epcList[0]: longer than 2048 bytes");
	free(text);
	/* list length */
	text = object_with(LIFE_MAX_LIST, 10);
	assert_int_equal(parse(text, &ev, err), IDR_OK);
	assert_int_equal(ev.epcs.n, LIFE_MAX_LIST);
	life_event_deinit(&ev);
	free(text);
	text = object_with(LIFE_MAX_LIST + 1, 10);
	expect_refused(text, IDR_ELIMIT, "epcList: more than 10000 items");
	free(text);
	/* extension members */
	big = malloc(LIFE_MAX_EXT + 64);
	len = (size_t)snprintf(big, 64, "{\"ex:n\":\"");
	memset(big + len, 'x', LIFE_MAX_EXT);
	big[len + LIFE_MAX_EXT] = '\0';
	{
		json_t *v = json_string(big + len);
		text = mutate(ev_object, "ex:big", v);
	}
	expect_refused(text, IDR_ELIMIT, "extension members over");
	free(text);
	free(big);
	/* document size */
	big = malloc(LIFE_MAX_DOC + 1);
	memset(big, ' ', LIFE_MAX_DOC + 1);
	big[0] = '{';
	big[LIFE_MAX_DOC - 1] = '}';
	assert_int_equal(life_event_parse(big, LIFE_MAX_DOC + 1, &ev, err, sizeof(err)),
	                 IDR_ELIMIT);
	assert_int_equal(life_doc_parse(big, LIFE_MAX_DOC + 1, &doc, err, sizeof(err)), IDR_ELIMIT);
	assert_int_equal(life_event_parse(big, LIFE_MAX_DOC, &ev, err, sizeof(err)), IDR_EPROTO);
	free(big);
}

static char *
doc_with(size_t n, const char *event)
{
	size_t el = strlen(event), cap = 256 + n * (el + 1);
	char *s = malloc(cap);
	size_t off = (size_t)snprintf(s, cap,
	                              "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
	                              "epcis-context.jsonld\"],\"type\":\"EPCISDocument\","
	                              "\"schemaVersion\":\"2.0\",\"creationDate\":"
	                              "\"2024-03-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[");
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			s[off++] = ',';
		}
		memcpy(s + off, event, el);
		off += el;
	}
	memcpy(s + off, "]}}", 4);
	return s;
}

static void
test_event_document(void **state)
{
	struct life_doc doc;
	char err[LIFE_ERR_LEN], *text, *bad;

	(void)state;
	text = doc_with(5, ev_association);
	assert_int_equal(life_doc_parse(text, strlen(text), &doc, err, sizeof(err)), IDR_OK);
	assert_int_equal(doc.n, 5);
	life_doc_free(&doc);
	free(text);
	text = doc_with(0, "");
	assert_int_equal(life_doc_parse(text, strlen(text), &doc, err, sizeof(err)), IDR_OK);
	assert_int_equal(doc.n, 0);
	life_doc_free(&doc);
	free(text);
	/* the bad event is named by its index */
	bad = mutate(ev_aggregation, "parentID", NULL);
	{
		size_t cap = strlen(bad) + 4 * strlen(ev_association) + 8;
		char *ev = malloc(cap);
		(void)snprintf(ev, cap, "%s,%s,%s,%s", ev_association, ev_association,
		               ev_association, bad);
		text = doc_with(1, ev);
		free(ev);
	}
	assert_int_equal(life_doc_parse(text, strlen(text), &doc, err, sizeof(err)), IDR_EPROTO);
	assert_string_equal(
	        err, "eventList[3].parentID: required for an AggregationEvent with action ADD");
	assert_int_equal(doc.n, 0);
	free(text);
	free(bad);
	/* event count limit */
	text = doc_with(LIFE_MAX_EVENTS, ev_association);
	assert_int_equal(life_doc_parse(text, strlen(text), &doc, err, sizeof(err)), IDR_OK);
	life_doc_free(&doc);
	free(text);
	text = doc_with(LIFE_MAX_EVENTS + 1, ev_association);
	assert_int_equal(life_doc_parse(text, strlen(text), &doc, err, sizeof(err)), IDR_ELIMIT);
	assert_non_null(strstr(err, "more than 10000 events"));
	free(text);
	/* envelope members */
	static const char *const req[] = {"@context", "type", "schemaVersion", "creationDate",
	                                  "epcisBody"};
	text = doc_with(1, ev_object);
	for (size_t i = 0; i < ARRAY_LEN(req); i++) {
		bad = mutate(text, req[i], NULL);
		assert_int_equal(life_doc_parse(bad, strlen(bad), &doc, err, sizeof(err)),
		                 IDR_EPROTO);
		assert_non_null(strstr(err, req[i]));
		free(bad);
	}
	free(text);
}

static void
test_event_json_round_trip(void **state)
{
	const char *const texts[] = {ev_object, ev_aggregation, ev_transformation, ev_association,
	                             ev_transaction};
	struct life_event ev, again;
	char err[LIFE_ERR_LEN], h1[LIFE_HASH_LEN], h2[LIFE_HASH_LEN];
	json_t *j, *d;

	(void)state;
	for (size_t t = 0; t < ARRAY_LEN(texts); t++) {
		assert_int_equal(parse(texts[t], &ev, err), IDR_OK);
		assert_int_equal(life_event_hash(&ev, h1), IDR_OK);
		assert_int_equal(life_event_to_json(&ev, &j), IDR_OK);
		assert_string_equal(json_string_value(json_object_get(j, "eventTime")),
		                    "2024-03-01T08:00:00.000+08:00");
		assert_int_equal(life_event_from_json(j, ev.ns, NULL, &again, err, sizeof(err)),
		                 IDR_OK);
		assert_int_equal(life_event_hash(&again, h2), IDR_OK);
		assert_string_equal(h1, h2);
		assert_int_equal(life_doc_to_json(&ev, 1, ev.ns, 0, &d), IDR_OK);
		assert_string_equal(json_string_value(json_object_get(d, "creationDate")),
		                    "1970-01-01T00:00:00.000Z");
		json_decref(d);
		life_event_deinit(&again);
		json_decref(j);
		life_event_deinit(&ev);
	}
}

static void
test_event_built_in_c(void **state)
{
	const char *epcs[] = {"urn:epc:id:sgtin:6901234.056789.SN1"};
	struct life_event ev = {0};
	char err[LIFE_ERR_LEN], h[LIFE_HASH_LEN], *pre;

	(void)state;
	ev.type = LIFE_OBJECT;
	ev.action = LIFE_ACTION_OBSERVE;
	ev.event_time = (struct life_time){1709251200000LL, 480};
	ev.epcs = (struct life_uris){epcs, 1};
	ev.biz_step = "shipping";
	assert_int_equal(life_event_check(&ev, err, sizeof(err)), IDR_OK);
	assert_int_equal(life_event_prehash(&ev, &pre), IDR_OK);
	assert_string_equal(pre, "eventType=ObjectEventeventTime=2024-03-01T00:00:00.000Z"
	                         "eventTimeZoneOffset=+08:00epcListepc=https://id.gs1.org/01/"
	                         "06901234567892/21/SN1action=OBSERVEbizStep=https://ref.gs1.org/"
	                         "cbv/BizStep-shipping");
	free(pre);
	assert_int_equal(life_event_hash(&ev, h), IDR_OK);
	assert_int_equal(strlen(h), LIFE_HASH_LEN - 1);
	ev.biz_step = "urn:epcglobal:cbv:bizstep:shipping";
	assert_int_equal(life_event_check(&ev, err, sizeof(err)), IDR_EPROTO);
	ev.biz_step = NULL;
	ev.type = LIFE_AGGREGATION;
	ev.child_epcs = ev.epcs;
	ev.epcs = (struct life_uris){NULL, 0};
	ev.action = LIFE_ACTION_ADD;
	assert_int_equal(life_event_check(&ev, err, sizeof(err)), IDR_EPROTO);
	assert_string_equal(err, "parentID: required for an AggregationEvent with action ADD");
	life_event_deinit(&ev); /* nothing owned: a no-op */
}

static void
test_event_uri_handle(void **state)
{
	static const struct {
		const char *uri;
		int rc;
		const char *handle;
	} cases[] = {
	        {"https://node.example.cn/88.118.8/ABC", 12, "88.118.8/ABC"},
	        {"http://h:8080/88.118.8/a/b?x=1#f", 12, "88.118.8/a/b"},
	        {"https://h/88.118.8/A%2FB", 12, "88.118.8/A/B"},
	        {"https://h/20.500.12345/x", 14, "20.500.12345/x"},
	        {"https://id.gs1.org/01/06901234567892/21/SN1", IDR_ENOENT, NULL},
	        {"urn:epc:id:sgtin:6901234.056789.SN1", IDR_ENOENT, NULL},
	        {"https://h/88.118.8", IDR_ENOENT, NULL},
	        {"https://h/88.118.8/", IDR_ENOENT, NULL},
	        {"https://h", IDR_ENOENT, NULL},
	        {"https://h/88.118.8/%zz", IDR_ENOENT, NULL},
	        {"https://h/88.118.8/%00", IDR_ENOENT, NULL},
	};
	char out[64], small[8];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int rc = life_uri_handle(cases[i].uri, out, sizeof(out));
		if (rc != cases[i].rc) {
			fail_msg("%s: %d, want %d", cases[i].uri, rc, cases[i].rc);
		}
		if (cases[i].handle != NULL) {
			assert_string_equal(out, cases[i].handle);
		}
	}
	assert_int_equal(life_uri_handle("https://h/88.118.8/ABCDEF", small, sizeof(small)),
	                 IDR_ETOOBIG);
}

static void
test_event_times(void **state)
{
	static const struct {
		const char *in;
		int rc;
		const char *utc;
	} cases[] = {
	        {"2024-03-01T08:00:00+08:00", IDR_OK, "2024-03-01T00:00:00.000Z"},
	        {"2023-01-18T11:04:03.1415Z", IDR_OK, "2023-01-18T11:04:03.142Z"},
	        {"2023-01-18T11:04:03.1414Z", IDR_OK, "2023-01-18T11:04:03.141Z"},
	        {"2023-12-31T23:59:59.9995Z", IDR_OK, "2024-01-01T00:00:00.000Z"},
	        {"2024-02-29T12:00:00-14:00", IDR_OK, "2024-03-01T02:00:00.000Z"},
	        {"2024-03-01T08:00:00.5-05:30", IDR_OK, "2024-03-01T13:30:00.500Z"},
	        {"2023-02-29T00:00:00Z", IDR_EINVAL, NULL},
	        {"2024-03-01T08:00:00", IDR_EINVAL, NULL},
	        {"2024-03-01T08:00:00.Z", IDR_EINVAL, NULL},
	        {"2024-03-01T24:00:00Z", IDR_EINVAL, NULL},
	        {"2024-03-01T08:00:00+15:00", IDR_EINVAL, NULL},
	        {"2024-03-01T08:00:00+08:00x", IDR_EINVAL, NULL},
	};
	struct life_time t;
	char buf[LIFE_TIME_LEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int rc = life_time_parse(cases[i].in, strlen(cases[i].in), &t);
		if (rc != cases[i].rc) {
			fail_msg("%s: %d", cases[i].in, rc);
		}
		if (rc == IDR_OK) {
			life_time_format(t, true, buf);
			assert_string_equal(buf, cases[i].utc);
		}
	}
	assert_int_equal(life_time_parse("2024-03-01T08:00:00+08:00", 25, &t), IDR_OK);
	life_time_format(t, false, buf);
	assert_string_equal(buf, "2024-03-01T08:00:00.000+08:00");
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (f == NULL) {
		fail_msg("cannot open %s", path);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

static void
test_event_hash_vectors(void **state)
{
	static const char *const names[] = {
	        "ReferenceEventHashAlgorithm",
	        "ReferenceEventHashAlgorithm2",
	        "ReferenceEventHashAlgorithm3",
	        "TimeStampRoundOff",
	        "epcisDocWithCustomSchemaInContext",
	        "epcisDocWithShippingAndTransportingEvent",
	        "epcisDocWithSingleEvent",
	        "epcisDocWithXMLstartTagAndErrorDeclaration",
	        "epclist_normalisation",
	        "persistentDisposition",
	};
	const char *dir = getenv("IDR_TEST_DATA");
	char path[512], err[LIFE_ERR_LEN], h[LIFE_HASH_LEN], *text, *want, *line;
	struct life_doc doc;

	(void)state;
	assert_non_null(dir);
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		(void)snprintf(path, sizeof(path), "%s/epcis/hashgen/%s.jsonld", dir, names[i]);
		text = slurp(path);
		(void)snprintf(path, sizeof(path), "%s/epcis/hashgen/%s.hashes", dir, names[i]);
		want = slurp(path);
		if (life_doc_parse(text, strlen(text), &doc, err, sizeof(err)) != IDR_OK) {
			fail_msg("%s: %s", names[i], err);
		}
		line = want;
		for (size_t k = 0; k < doc.n; k++) {
			assert_int_equal(life_event_hash(&doc.ev[k], h), IDR_OK);
			if (strncmp(line, h, strlen(h)) != 0) {
				fail_msg("%s event %zu: %s", names[i], k, h);
			}
			line = strchr(line, '\n');
			assert_non_null(line);
			line++;
		}
		assert_true(doc.n > 0);
		life_doc_free(&doc);
		free(text);
		free(want);
	}
}

static void
test_event_cbv_words(void **state)
{
	(void)state;
	assert_true(life_cbv_biz_step("commissioning"));
	assert_true(life_cbv_biz_step("sensor_reporting"));
	assert_false(life_cbv_biz_step("teleporting"));
	assert_false(life_cbv_biz_step(NULL));
	assert_true(life_cbv_disposition("in_transit"));
	assert_false(life_cbv_disposition("broken"));
	assert_string_equal(life_type_name(LIFE_ASSOCIATION), "AssociationEvent");
	assert_null(life_type_name((enum life_type)9));
	assert_string_equal(life_action_name(LIFE_ACTION_DELETE), "DELETE");
	assert_null(life_action_name(LIFE_ACTION_NONE));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_event_valid_each_type),
	        cmocka_unit_test(test_event_required_members),
	        cmocka_unit_test(test_event_rules_schema_misses),
	        cmocka_unit_test(test_event_wrong_types_and_values),
	        cmocka_unit_test(test_event_truncated),
	        cmocka_unit_test(test_event_limits_one_past),
	        cmocka_unit_test(test_event_document),
	        cmocka_unit_test(test_event_json_round_trip),
	        cmocka_unit_test(test_event_built_in_c),
	        cmocka_unit_test(test_event_uri_handle),
	        cmocka_unit_test(test_event_times),
	        cmocka_unit_test(test_event_hash_vectors),
	        cmocka_unit_test(test_event_cbv_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
