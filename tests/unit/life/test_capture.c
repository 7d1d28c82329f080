/*
 * test_capture.c - EPCIS 2.0 events into the registry (life/capture.h): the id is the CBV 2.0
 * hash and the stored document carries it; the same event captured again (other member order,
 * other time zone) is stored once; identifiers are keyed (node URIs and bare handles folded,
 * EPC URNs as their GS1 key, other URIs as given; test_capture_join.c has the table); aggregation
 * and transformation events make the links back and forward traces walk; refused events name the
 * rule and change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "life/capture.h"
#include "reg.h"

static struct reg *R;

static int
setup(void **state)
{
	struct reg_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&R, &o, "88.118", "test"), IDR_OK);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	reg_close(R);
	return 0;
}

/* Parse and capture one event; @return the capture's rc, the outcome in *oc. */
static int
capture(const char *json, enum reg_outcome *oc, char id[LIFE_HASH_LEN], char *err, size_t cap)
{
	struct life_event ev;
	struct reg_wtxn *w;
	int rc = life_event_parse(json, strlen(json), &ev, err, cap);

	if (rc != IDR_OK) {
		return rc;
	}
	assert_int_equal(reg_write_begin(R, "300:88.118.8/ADMIN", &w), IDR_OK);
	rc = life_capture(w, &ev, id, oc, err, cap);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	life_event_deinit(&ev);
	return rc;
}

static uint64_t
journal(void)
{
	struct reg_rtxn *t;
	uint64_t seq;

	assert_int_equal(reg_read_begin(R, &t), IDR_OK);
	assert_int_equal(reg_changes(t, &seq), IDR_OK);
	reg_read_end(t);
	return seq;
}

static void
test_key(void **state)
{
	char buf[REG_EVENT_KEY_MAX + 1];
	char big[REG_EVENT_KEY_MAX + 32];
	(void)state;

	assert_int_equal(life_capture_key("https://node.example/88.118.8/p-1", buf, sizeof(buf)),
	                 12);
	assert_string_equal(buf, "88.118.8/P-1");
	assert_int_equal(life_capture_key("88.118.8/p-1", buf, sizeof(buf)), 12);
	assert_string_equal(buf, "88.118.8/P-1");
	assert_int_equal(life_capture_key("urn:epc:id:sgtin:6901234.056789.sn1", buf, sizeof(buf)),
	                 25);
	assert_string_equal(buf, "(01)06901234567892(21)sn1"); /* its GS1 key, case kept */
	assert_int_equal(life_capture_key("urn:x:Thing", buf, sizeof(buf)), 11);
	assert_string_equal(buf, "urn:x:Thing"); /* other URIs as given */
	assert_int_equal(life_capture_key("", buf, sizeof(buf)), IDR_EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "urn:x:", 6);
	assert_int_equal(life_capture_key(big, buf, sizeof(buf)), IDR_ELIMIT);
	big[REG_EVENT_KEY_MAX] = '\0';
	assert_int_equal(life_capture_key(big, buf, sizeof(buf)), REG_EVENT_KEY_MAX);
}

static const char agg[] =
        "{\"type\":\"AggregationEvent\",\"eventTime\":\"2024-03-01T10:00:00.000+08:00\","
        "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\",\"bizStep\":\"packing\","
        "\"parentID\":\"https://node.example/88.118.8/BOX-1\","
        "\"childEPCs\":[\"https://node.example/88.118.8/X-1\",\"https://node.example/88.118.8/"
        "X-2\"]}";
/* the same event: members in another order, the time in UTC */
static const char agg_again[] =
        "{\"childEPCs\":[\"https://node.example/88.118.8/X-1\",\"https://node.example/88.118.8/"
        "X-2\"],"
        "\"parentID\":\"https://node.example/88.118.8/BOX-1\",\"bizStep\":\"packing\","
        "\"action\":\"ADD\",\"eventTimeZoneOffset\":\"+08:00\","
        "\"eventTime\":\"2024-03-01T02:00:00Z\",\"type\":\"AggregationEvent\"}";
static const char xform[] =
        "{\"type\":\"TransformationEvent\",\"eventTime\":\"2024-02-01T08:00:00Z\","
        "\"eventTimeZoneOffset\":\"+08:00\",\"bizStep\":\"assembling\","
        "\"inputEPCList\":[\"https://node.example/88.118.9/P-1\",\"https://node.example/88.118.9/"
        "P-2\"],"
        "\"outputEPCList\":[\"https://node.example/88.118.8/X-1\"],\"readPoint\":{\"id\":\"https://"
        "node.example/88.118.8/S-ASSY\"}}";

static size_t count;

static int
count_cb(void *arg, const struct reg_trace_step *st)
{
	(void)arg;
	(void)st;
	count++;
	return 0;
}

static size_t
trace_n(const char *root, enum reg_trace_dir dir)
{
	struct reg_rtxn *t;

	count = 0;
	assert_int_equal(reg_read_begin(R, &t), IDR_OK);
	assert_int_equal(
	        reg_trace(t, slice_cstr(root), dir, 8, 100, INT64_MAX, count_cb, NULL, NULL),
	        IDR_OK);
	reg_read_end(t);
	return count;
}

static int
doc_cb(void *arg, const struct reg_event_view *ev)
{
	char *want = arg;

	assert_non_null(strstr((const char *)ev->doc.p, want));
	count++;
	return 0;
}

static void
test_capture(void **state)
{
	char id[LIFE_HASH_LEN], id2[LIFE_HASH_LEN], err[LIFE_ERR_LEN];
	enum reg_outcome oc;
	uint64_t j0 = journal();
	struct reg_rtxn *t;
	(void)state;

	if (capture(agg, &oc, id, err, sizeof(err)) != IDR_OK) {
		fail_msg("capture: %s", err);
	}
	assert_int_equal(oc, REG_CREATED);
	assert_int_equal(strncmp(id, "ni:///sha-256;", 14), 0);
	assert_int_equal(journal(), j0 + 1);
	assert_int_equal(capture(agg_again, &oc, id2, err, sizeof(err)), IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	assert_string_equal(id, id2);
	assert_int_equal(journal(), j0 + 1);
	assert_int_equal(capture(xform, &oc, NULL, err, sizeof(err)), IDR_OK);
	assert_int_equal(oc, REG_CREATED);
	/* the box holds X-1 (made of P-1, P-2) and X-2 */
	assert_int_equal(trace_n("88.118.8/BOX-1", REG_TRACE_BACK), 5);
	assert_int_equal(trace_n("88.118.9/P-2", REG_TRACE_FORWARD), 3); /* P-2, X-1, BOX-1 */
	/* timelines: X-1 has both events; the stored document carries the id */
	count = 0;
	assert_int_equal(reg_read_begin(R, &t), IDR_OK);
	assert_int_equal(reg_events(t, SLICE_LIT("88.118.8/X-1"), INT64_MIN, INT64_MAX, 0, doc_cb,
	                            "\"eventID\""),
	                 IDR_OK);
	assert_int_equal(count, 2);
	count = 0;
	assert_int_equal(reg_events(t, SLICE_LIT("88.118.8/S-ASSY"), INT64_MIN, INT64_MAX, 0,
	                            doc_cb, "assembling"),
	                 IDR_OK);
	assert_int_equal(count, 1); /* the read point's timeline */
	reg_read_end(t);
}

static void
test_refused(void **state)
{
	static const char no_parent[] =
	        "{\"type\":\"AggregationEvent\",\"eventTime\":\"2024-03-01T10:00:00Z\","
	        "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\","
	        "\"childEPCs\":[\"https://node.example/88.118.8/X-1\"]}";
	char err[LIFE_ERR_LEN] = "";
	enum reg_outcome oc;
	uint64_t j0 = journal();
	struct life_event ev;
	int rc;
	(void)state;

	rc = life_event_parse(no_parent, strlen(no_parent), &ev, err, sizeof(err));
	if (rc == IDR_OK) {
		struct reg_wtxn *w;

		assert_int_equal(reg_write_begin(R, NULL, &w), IDR_OK);
		rc = life_capture(w, &ev, NULL, &oc, err, sizeof(err));
		assert_int_equal(reg_write_commit(w), IDR_OK);
		life_event_deinit(&ev);
	}
	assert_int_not_equal(rc, IDR_OK);
	if (strstr(err, "parentID") == NULL) {
		fail_msg("message: %s", err);
	}
	assert_int_equal(journal(), j0);
}

/* A TransformationEvent of nin inputs and nout outputs (nin x nout links), malloc'ed. */
static char *
xform_n(unsigned nin, unsigned nout)
{
	size_t cap = 256 + (size_t)(nin + nout) * 48, n;
	char *s = malloc(cap);

	assert_non_null(s);
	n = (size_t)snprintf(s, cap,
	                     "{\"type\":\"TransformationEvent\",\"eventTime\":"
	                     "\"2024-03-01T10:00:00Z\",\"eventTimeZoneOffset\":\"+08:00\","
	                     "\"inputEPCList\":[");
	for (unsigned i = 0; i < nin; i++) {
		n += (size_t)snprintf(s + n, cap - n, "%s\"https://n.example/88.118.8/I-%u\"",
		                      i > 0 ? "," : "", i);
	}
	n += (size_t)snprintf(s + n, cap - n, "],\"outputEPCList\":[");
	for (unsigned i = 0; i < nout; i++) {
		n += (size_t)snprintf(s + n, cap - n, "%s\"https://n.example/88.118.8/O-%u\"",
		                      i > 0 ? "," : "", i);
	}
	snprintf(s + n, cap - n, "]}");
	return s;
}

/* Prepare on one side, store on the other: the same id and result as life_capture. */
static void
test_prepare_put(void **state)
{
	char id[LIFE_HASH_LEN], id2[LIFE_HASH_LEN], err[LIFE_ERR_LEN];
	struct life_event ev;
	struct life_prep *p = NULL;
	struct reg_wtxn *w;
	enum reg_outcome oc;
	uint64_t j0 = journal();
	char *big;
	(void)state;

	assert_int_equal(life_event_parse(xform, strlen(xform), &ev, err, sizeof(err)), IDR_OK);
	assert_int_equal(life_capture_check(&ev, id2, err, sizeof(err)), IDR_OK);
	assert_int_equal(life_capture_prepare(&ev, &p, id, err, sizeof(err)), IDR_OK);
	assert_non_null(p);
	assert_string_equal(id, id2);
	life_event_deinit(&ev); /* the prepared event does not borrow it */
	assert_int_equal(journal(), j0);
	assert_int_equal(reg_write_begin(R, NULL, &w), IDR_OK);
	assert_int_equal(life_capture_put(w, p, &oc, err, sizeof(err)), IDR_OK);
	assert_int_equal(oc, REG_CREATED);
	assert_int_equal(life_capture_put(w, p, &oc, err, sizeof(err)), IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	life_prep_free(p);
	life_prep_free(NULL);
	assert_int_equal(journal(), j0 + 1);
	assert_int_equal(trace_n("88.118.8/X-1", REG_TRACE_BACK), 3); /* X-1, P-1, P-2 */
	/* the link limit: 64 x 64 links is the most one event may make, 65 x 64 is refused */
	big = xform_n(64, 64);
	assert_int_equal(capture(big, &oc, NULL, err, sizeof(err)), IDR_OK);
	assert_int_equal(trace_n("88.118.8/O-0", REG_TRACE_BACK), 65);
	free(big);
	big = xform_n(65, 64);
	assert_int_equal(capture(big, &oc, NULL, err, sizeof(err)), IDR_ELIMIT);
	assert_string_equal(err, "too many links in one event");
	assert_int_equal(life_event_parse(big, strlen(big), &ev, err, sizeof(err)), IDR_OK);
	p = (struct life_prep *)&ev; /* set NULL on failure */
	assert_int_equal(life_capture_prepare(&ev, &p, NULL, err, sizeof(err)), IDR_ELIMIT);
	assert_null(p);
	life_event_deinit(&ev);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_key),
	        cmocka_unit_test_setup_teardown(test_capture, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_prepare_put, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
