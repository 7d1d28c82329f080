/*
 * test_capture_join.c - one key per identity and the join of identities with handles
 * (life/capture.h life_capture_key / life_capture_subject, reg.h reg_alias_join): an EPC URN,
 * a Digital Link and the GS1 element string of one item key alike; other URIs and EPC URNs
 * that do not parse are kept as given; events of an identity join the timeline and the trace
 * of the handle it is an alias of, whether the alias was registered before or after the
 * capture; removing the alias ends the join for later captures. In-memory and LMDB stores.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/reg_fix.h"
#include "life/capture.h"
#include "reg.h"

#define SGTIN_URN "urn:epc:id:sgtin:0614141.107346.2017"
#define SGTIN_HRI "(01)10614141073464(21)2017"
#define SGTIN_DL  "https://id.gs1.org/01/10614141073464/21/2017"
#define SSCC_URN  "urn:epc:id:sscc:0614141.1234567890"
#define SSCC_HRI  "(00)106141412345678908"
#define ITEM      "88.118/X-1"
#define BOX       "88.118/BOX-1"

static void
test_key_table(void **state)
{
	static const struct {
		const char *in, *key; /* key NULL: kept as given */
	} cases[] = {
	        /* one item, every spelling */
	        {SGTIN_URN, SGTIN_HRI},
	        {SGTIN_DL, SGTIN_HRI},
	        {"https://example.com/products/01/10614141073464/21/2017?17=261231", SGTIN_HRI},
	        {"http://id.gs1.org/01/10614141073464/10/LOT9/21/2017", SGTIN_HRI},
	        {SGTIN_HRI, SGTIN_HRI},
	        /* class level: GTIN + lot */
	        {"urn:epc:class:lgtin:4012345.012345.998877", "(01)04012345123456(10)998877"},
	        {"https://id.gs1.org/01/04012345123456/10/998877", "(01)04012345123456(10)998877"},
	        {SSCC_URN, SSCC_HRI},
	        {"https://id.gs1.org/00/106141412345678908", SSCC_HRI},
	        /* alias schemes */
	        {"urn:oid:1.2.156.3001.1", "oid:1.2.156.3001.1"},
	        /* handles: folded */
	        {"https://node.example/88.118/x-1", "88.118/X-1"},
	        {"88.118/x-1", "88.118/X-1"},
	        {"MA.88.1a/e", "MA.88.1A/E"}, /* a bare handle, though it reads as an MA code */
	        {"ma.156.m0.100001.3", "ma:MA.156.M0.100001.3"},
	        /* not GS1: as given */
	        {"urn:example:thing:42", NULL},
	        {"urn:example:a/b", NULL},
	        {"(01)10614141073464(21)a/b", NULL}, /* a key: never taken for a handle */
	        {"urn:epc:id:sgtin:0614141.107346.a/b", "(01)10614141073464(21)a/b"},
	        {"https://example.com/readers/7", NULL},
	        {"urn:epc:id:gid:95100000.12345.400", NULL}, /* no GS1 form, scan.h does not read */
	        /* malformed EPC URNs and Digital Links: as given, never refused */
	        {"urn:epc:id:sgtin:0614141.10734.2017", NULL},          /* 12 digits, not 13 */
	        {"urn:epc:id:sgtin:0614141.107346", NULL},              /* no serial */
	        {"https://id.gs1.org/01/10614141073465/21/2017", NULL}, /* check digit */
	        {"urn:epc:id:sgtin:0614141.107346.20 17", NULL},
	};
	char buf[REG_EVENT_KEY_MAX + 1];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *want = cases[i].key != NULL ? cases[i].key : cases[i].in;
		int n = life_capture_key(cases[i].in, buf, sizeof(buf));

		if (n != (int)strlen(want) || strcmp(buf, want) != 0) {
			fail_msg("%s: key %s (%d), want %s", cases[i].in, n > 0 ? buf : "-", n,
			         want);
		}
	}
}

static const char *const items[] = {ITEM, BOX, NULL};

static int
setup_mem(void **state)
{
	return reg_fix_setup(state, false, "test_capture_join", items);
}

static int
setup_lmdb(void **state)
{
	return reg_fix_setup(state, true, "test_capture_join", items);
}

static void
capture(struct reg_fix *f, const char *json)
{
	char err[LIFE_ERR_LEN];
	struct life_event ev;
	struct reg_wtxn *w;
	enum reg_outcome oc;

	if (life_event_parse(json, strlen(json), &ev, err, sizeof(err)) != IDR_OK) {
		fail_msg("parse: %s", err);
	}
	assert_int_equal(reg_write_begin(f->reg, "local", &w), IDR_OK);
	if (life_capture(w, &ev, NULL, &oc, err, sizeof(err)) != IDR_OK) {
		fail_msg("capture: %s", err);
	}
	assert_int_equal(reg_write_commit(w), IDR_OK);
	life_event_deinit(&ev);
}

static void
alias(struct reg_fix *f, const char *key, bool add)
{
	struct reg_wtxn *w;

	assert_int_equal(reg_write_begin(f->reg, "local", &w), IDR_OK);
	if (add) {
		assert_int_equal(reg_alias_add(w, slice_cstr(key), SLICE_LIT(ITEM), NULL), IDR_OK);
	} else {
		assert_int_equal(reg_alias_del(w, slice_cstr(key)), IDR_OK);
	}
	assert_int_equal(reg_write_commit(w), IDR_OK);
}

static int
count_ev(void *arg, const struct reg_event_view *ev)
{
	(void)ev;
	++*(size_t *)arg;
	return 0;
}

/* events in the timeline under the query key of id (life_capture_subject) */
static size_t
events_of(struct reg_fix *f, const char *id)
{
	char key[REG_EVENT_KEY_MAX + 1];
	struct reg_rtxn *t;
	size_t n = 0;
	int kl;

	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	kl = life_capture_subject(t, id, key, sizeof(key));
	assert_true(kl > 0);
	assert_int_equal(
	        reg_events(t, slice_make(key, (size_t)kl), INT64_MIN, INT64_MAX, 0, count_ev, &n),
	        IDR_OK);
	reg_read_end(t);
	return n;
}

/* the query key of id */
static void
assert_subject(struct reg_fix *f, const char *id, const char *want)
{
	char key[REG_EVENT_KEY_MAX + 1];
	struct reg_rtxn *t;

	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(life_capture_subject(t, id, key, sizeof(key)), (int)strlen(want));
	assert_string_equal(key, want);
	reg_read_end(t);
}

struct nodes {
	char v[8][REG_EVENT_KEY_MAX + 1];
	size_t n;
};

static int
node_cb(void *arg, const struct reg_trace_step *st)
{
	struct nodes *s = arg;

	assert_true(s->n < 8 && st->node.len <= REG_EVENT_KEY_MAX);
	memcpy(s->v[s->n], st->node.p, st->node.len);
	s->v[s->n++][st->node.len] = '\0';
	return 0;
}

/* the nodes a trace from the query key of root reaches, root first */
static struct nodes
trace(struct reg_fix *f, const char *root, enum reg_trace_dir dir)
{
	char key[REG_EVENT_KEY_MAX + 1];
	struct reg_rtxn *t;
	struct nodes s;
	int kl;

	memset(&s, 0, sizeof(s));
	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	kl = life_capture_subject(t, root, key, sizeof(key));
	assert_true(kl > 0);
	assert_int_equal(
	        reg_trace(t, slice_make(key, (size_t)kl), dir, 8, 8, INT64_MAX, node_cb, &s, NULL),
	        IDR_OK);
	reg_read_end(t);
	return s;
}

/* an item commissioned by its EPC, seen by its Digital Link, packed (by EPC) into a case */
static const char commission[] =
        "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-01T08:00:00Z\","
        "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\",\"bizStep\":\"commissioning\","
        "\"epcList\":[\"" SGTIN_URN "\"]}";
static const char observe[] =
        "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-01T09:00:00Z\","
        "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\",\"bizStep\":\"inspecting\","
        "\"epcList\":[\"" SGTIN_DL "\"]}";
static const char pack[] =
        "{\"type\":\"AggregationEvent\",\"eventTime\":\"2024-03-01T10:00:00Z\","
        "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\",\"bizStep\":\"packing\","
        "\"parentID\":\"" SSCC_URN "\",\"childEPCs\":[\"" SGTIN_URN "\"]}";
/* the item goes into the box by its handle URL, the box named by handle too */
static const char boxed[] =
        "{\"type\":\"AggregationEvent\",\"eventTime\":\"2024-03-01T11:00:00Z\","
        "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\",\"bizStep\":\"packing\","
        "\"parentID\":\"https://node.example/" BOX "\",\"childEPCs\":[\"" SGTIN_DL "\"]}";

/* what both orders must give: every spelling finds the item's four events, traces meet */
static void
check_joined(struct reg_fix *f)
{
	const char *ids[] = {ITEM, "https://node.example/88.118/x-1", SGTIN_URN, SGTIN_DL,
	                     SGTIN_HRI};
	struct nodes s;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		assert_subject(f, ids[i], ITEM);
		if (events_of(f, ids[i]) != 4) {
			fail_msg("%s: %zu events, want 4", ids[i], events_of(f, ids[i]));
		}
	}
	assert_int_equal(events_of(f, SSCC_URN), 1); /* the case keeps its own key */
	s = trace(f, SGTIN_URN, REG_TRACE_FORWARD);  /* where did the item go */
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0], ITEM);
	assert_true((strcmp(s.v[1], SSCC_HRI) == 0 && strcmp(s.v[2], BOX) == 0) ||
	            (strcmp(s.v[2], SSCC_HRI) == 0 && strcmp(s.v[1], BOX) == 0));
	s = trace(f, SSCC_URN, REG_TRACE_BACK); /* the case holds the item's handle */
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[1], ITEM);
	s = trace(f, BOX, REG_TRACE_BACK);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[1], ITEM);
}

static void
test_alias_first(void **state)
{
	struct reg_fix *f = *state;

	alias(f, SGTIN_URN, true); /* the EPC form: the Digital Link captured later joins too */
	capture(f, commission);
	capture(f, observe);
	capture(f, pack);
	capture(f, boxed);
	check_joined(f);
}

static void
test_capture_first(void **state)
{
	struct reg_fix *f = *state;

	capture(f, commission);
	capture(f, observe);
	capture(f, pack);
	capture(f, boxed);
	/* before the alias: the identity has its own timeline, the handle none */
	assert_subject(f, SGTIN_URN, SGTIN_HRI);
	assert_int_equal(events_of(f, SGTIN_DL), 4);
	assert_int_equal(events_of(f, ITEM), 0);
	alias(f, SGTIN_HRI, true); /* the GS1 form this time */
	check_joined(f);
	assert_int_equal(events_of(f, SSCC_URN), 1);
}

static void
test_alias_removed(void **state)
{
	struct reg_fix *f = *state;

	alias(f, SGTIN_URN, true);
	alias(f, SGTIN_HRI, true); /* two aliases, one identity */
	capture(f, commission);
	alias(f, SGTIN_URN, false); /* the other alias still joins */
	assert_subject(f, SGTIN_DL, ITEM);
	alias(f, SGTIN_HRI, false);
	assert_subject(f, SGTIN_DL, SGTIN_HRI);
	capture(f, observe); /* joins nothing now */
	assert_int_equal(events_of(f, ITEM), 1);
	assert_int_equal(events_of(f, SGTIN_URN), 1);
	alias(f, SGTIN_URN, true); /* and back: both again */
	assert_int_equal(events_of(f, ITEM), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_key_table),
	        cmocka_unit_test_setup_teardown(test_alias_first, setup_mem, reg_fix_teardown),
	        cmocka_unit_test_setup_teardown(test_capture_first, setup_mem, reg_fix_teardown),
	        cmocka_unit_test_setup_teardown(test_alias_removed, setup_mem, reg_fix_teardown),
	        cmocka_unit_test_setup_teardown(test_alias_first, setup_lmdb, reg_fix_teardown),
	        cmocka_unit_test_setup_teardown(test_capture_first, setup_lmdb, reg_fix_teardown),
	        cmocka_unit_test_setup_teardown(test_alias_removed, setup_lmdb, reg_fix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
