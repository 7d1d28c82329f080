/*
 * test_onboard.c - prefix applications and decisions in the registry (reg.h: reg_prefix_apply,
 * reg_prefix_decide) on the in-memory store: state 4 with the application, the identical
 * application again, each bad field refused with nothing written, a rejected application
 * made again; approval by an auditor (state 1, decided_by, the administrator record with its
 * key at 300, the group at 0.NA/<prefix> index 300, an existing group extended, a slot
 * holding something else refused), rejection, self-approval refused, decisions on prefixes
 * not awaiting one. The authorization that follows from the group is tested end to end in
 * tests/integration/onboard.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "model/rec.h"
#include "reg.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define USCC         "91350100M000100Y43"

static int
setup(void **state)
{
	struct reg_opts o;
	struct reg *r;

	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&r, &o, "88.118", "node"), IDR_OK);
	*state = r;
	return 0;
}

static int
teardown(void **state)
{
	reg_close(*state);
	return 0;
}

static struct reg_prefix_app
app(const char *prefix)
{
	struct reg_prefix_app a;

	a.prefix = slice_cstr(prefix);
	a.owner = SLICE_LIT("甲公司");
	a.uscc = SLICE_LIT(USCC);
	a.industry = SLICE_LIT("C13");
	a.contact = SLICE_LIT("张三 010-1");
	return a;
}

/* One write transaction under identity running apply; its result. */
static int
do_apply(struct reg *r, const char *identity, const struct reg_prefix_app *a, enum reg_outcome *oc)
{
	struct reg_wtxn *w;
	int rc;

	assert_int_equal(reg_write_begin(r, identity, &w), IDR_OK);
	rc = reg_prefix_apply(w, a, oc);
	if (rc != IDR_OK) {
		reg_write_abort(w);
		return rc;
	}
	return reg_write_commit(w);
}

static int
do_decide(struct reg *r, const char *identity, const char *prefix, bool approve, const char *key)
{
	struct reg_prefix_decision d;
	struct reg_wtxn *w;
	int rc;

	memset(&d, 0, sizeof(d));
	d.prefix = slice_cstr(prefix);
	d.approve = approve;
	d.reason = SLICE_LIT("理由");
	d.key_type = SLICE_LIT("HS_SECKEY");
	d.key_data = slice_cstr(key);
	assert_int_equal(reg_write_begin(r, identity, &w), IDR_OK);
	rc = reg_prefix_decide(w, &d);
	if (rc != IDR_OK) {
		reg_write_abort(w);
		return rc;
	}
	return reg_write_commit(w);
}

static uint64_t
changes(struct reg *r)
{
	struct reg_rtxn *t;
	uint64_t seq;

	assert_int_equal(reg_read_begin(r, &t), IDR_OK);
	assert_int_equal(reg_changes(t, &seq), IDR_OK);
	reg_read_end(t);
	return seq;
}

/* The value at index of a record, into *type / *data (copies of at most cap bytes). */
static bool
value_at(struct reg *r, const char *handle, uint32_t index, char *type, char *data, size_t cap)
{
	struct reg_rtxn *t;
	struct rec_view rec;
	struct value v;
	struct rbuf rb;
	bool found = false;

	assert_int_equal(reg_read_begin(r, &t), IDR_OK);
	if (reg_get(t, slice_cstr(handle), &rec) == IDR_OK) {
		rbuf_init(&rb, rec.values.p, rec.values.len);
		while (!found && rec_value_next(&rb, &v) == IDR_OK) {
			if (v.index == index) {
				snprintf(type, cap, "%.*s", (int)v.type.len,
				         (const char *)v.type.p);
				memset(data, 0, cap);
				memcpy(data, v.data.p, v.data.len < cap - 1 ? v.data.len : cap - 1);
				found = true;
			}
		}
	}
	reg_read_end(t);
	return found;
}

static struct pfx_info
info(struct reg *r, const char *prefix, char *scratch, size_t cap)
{
	struct reg_rtxn *t;
	struct pfx_info p;

	assert_int_equal(reg_read_begin(r, &t), IDR_OK);
	assert_int_equal(reg_prefix_get(t, slice_cstr(prefix), &p), IDR_OK);
	/* keep decided_by and the credit code readable after the transaction */
	snprintf(scratch, cap, "%.*s|%.*s|%.*s", (int)p.decided_by.len,
	         (const char *)p.decided_by.p, (int)p.uscc.len, (const char *)p.uscc.p,
	         (int)p.applicant.len, (const char *)p.applicant.p);
	reg_read_end(t);
	return p;
}

static void
test_onboard_apply(void **state)
{
	struct reg *r = *state;
	struct reg_prefix_app a = app("88.118.8"), bad;
	enum reg_outcome oc;
	char s[256];
	struct pfx_info p;
	uint64_t c0;
	static const struct {
		const char *what;
		int field; /* 0 prefix 1 owner 2 uscc 3 industry 4 contact */
		const char *value;
		int rc;
	} cases[] = {
	        {"node prefix", 0, "88.118", IDR_EPFX_NODE},
	        {"not below", 0, "88.119.1", IDR_EPFX_NOTBELOW},
	        {"not a prefix", 0, "88.118.8/x", IDR_EID_NOTPREFIX},
	        {"empty owner", 1, "", IDR_EINVAL},
	        {"control in owner", 1, "a\tb", IDR_ECTRL},
	        {"uscc check", 2, "91350100M000100Y44", IDR_EPFX_USCC_CHECK},
	        {"uscc length", 2, "91350100M000100Y4", IDR_EPFX_USCC_LEN},
	        {"uscc char", 2, "91350100M000100I43", IDR_EPFX_USCC_CHAR},
	        {"industry", 3, "Z1", IDR_EPFX_INDUSTRY},
	        {"empty contact", 4, "", IDR_EINVAL},
	        {"bad UTF-8 contact", 4, "\xff", IDR_EUTF8},
	};

	c0 = changes(r);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct slice *f[] = {&bad.prefix, &bad.owner, &bad.uscc, &bad.industry,
		                     &bad.contact};

		bad = a;
		*f[cases[i].field] = slice_cstr(cases[i].value);
		if (do_apply(r, "local", &bad, NULL) != cases[i].rc) {
			fail_msg("%s: %d, want %d", cases[i].what, do_apply(r, "local", &bad, NULL),
			         cases[i].rc);
		}
	}
	assert_int_equal(changes(r), c0);
	assert_int_equal(do_apply(r, "300:88.118.8/X", &a, &oc), IDR_OK);
	assert_int_equal(oc, REG_CREATED);
	assert_int_equal(changes(r), c0 + 2); /* the prefix and its prefix handle */
	p = info(r, "88.118.8", s, sizeof(s));
	assert_int_equal(p.state, PFX_PENDING);
	assert_string_equal(s, "|" USCC "|300:88.118.8/X");
	/* the same application again changes nothing; other details are refused */
	assert_int_equal(do_apply(r, "300:88.118.8/X", &a, &oc), IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	assert_int_equal(changes(r), c0 + 2);
	bad = a;
	bad.contact = SLICE_LIT("other");
	assert_int_equal(do_apply(r, "300:88.118.8/X", &bad, &oc), IDR_EPFX_APPLIED);
	/* a rejected application may be made again */
	assert_int_equal(do_decide(r, "300:88.118/AUDITOR", "88.118.8", false, ""), IDR_OK);
	assert_int_equal(info(r, "88.118.8", s, sizeof(s)).state, PFX_REJECTED);
	assert_int_equal(do_apply(r, "local", &bad, &oc), IDR_OK);
	assert_int_equal(oc, REG_UPDATED);
	p = info(r, "88.118.8", s, sizeof(s));
	assert_int_equal(p.state, PFX_PENDING);
	assert_int_equal(p.decided, 0);
	assert_string_equal(s, "|" USCC "|local");
}

static void
test_onboard_approve(void **state)
{
	struct reg *r = *state;
	struct reg_prefix_app a = app("88.118.8");
	char type[64], data[256], s[256];
	struct pfx_info p;
	uint64_t c0;

	assert_int_equal(do_apply(r, "local", &a, NULL), IDR_OK);
	c0 = changes(r);
	assert_int_equal(do_decide(r, "300:88.118.8/ADMIN", "88.118.8", true, "k"), IDR_EDENIED);
	assert_int_equal(do_decide(r, "300:88.118.8/Y", "88.118.8", false, "k"), IDR_EDENIED);
	assert_int_equal(do_decide(r, "300:88.118/A", "88.118.9", true, "k"), IDR_EPFX_UNKNOWN);
	assert_int_equal(do_decide(r, "300:88.118/A", "88.118", true, "k"), IDR_EPFX_NODE);
	assert_int_equal(do_decide(r, "300:88.118/A", "88.118.8", true, ""), IDR_EINVAL);
	assert_int_equal(changes(r), c0);
	assert_int_equal(do_decide(r, "300:88.118/A", "88.118.8", true, "hashed"), IDR_OK);
	p = info(r, "88.118.8", s, sizeof(s));
	assert_int_equal(p.state, PFX_ENABLED);
	assert_true(p.decided != 0);
	assert_string_equal(s, "300:88.118/A|" USCC "|local");
	assert_true(value_at(r, "88.118.8/ADMIN", 300, type, data, sizeof(data)));
	assert_string_equal(type, "HS_SECKEY");
	assert_string_equal(data, "hashed");
	assert_true(value_at(r, "88.118.8/ADMIN", 100, type, data, sizeof(data)));
	assert_string_equal(type, "HS_ADMIN");
	assert_true(value_at(r, "0.NA/88.118.8", 300, type, data, sizeof(data)));
	assert_string_equal(type, "HS_VLIST");
	assert_memory_equal(data,
	                    "\0\0\0\1\0\0\0\x0e"
	                    "88.118.8/ADMIN\0\0\1\x2c",
	                    4 + 4 + 14 + 4);
	assert_int_equal(do_decide(r, "300:88.118/A", "88.118.8", true, "k"), IDR_EPFX_UNDECIDED);
	assert_int_equal(do_decide(r, "300:88.118/A", "88.118.8", false, ""), IDR_EPFX_UNDECIDED);
}

/* A group already at 0.NA/<prefix> index 300 is extended; anything else there is kept. */
static void
test_onboard_admin_slot(void **state)
{
	struct reg *r = *state;
	struct reg_prefix_app a = app("88.118.8"), b = app("88.118.9");
	char type[64], data[256];
	struct reg_wtxn *w;
	struct value v;
	uint8_t grp[64];
	struct wbuf wb;
	struct value_ref other = {SLICE_LIT("88.118/OPS"), 300};
	uint64_t c0;

	assert_int_equal(do_apply(r, "local", &a, NULL), IDR_OK);
	assert_int_equal(do_apply(r, "local", &b, NULL), IDR_OK);
	memset(&v, 0, sizeof(v));
	v.index = 300;
	v.perms = VALUE_PERM_DEFAULT;
	v.ttl = 86400;
	wbuf_init(&wb, grp, sizeof(grp));
	value_vlist_encode(&wb, &other, 1);
	v.type = SLICE_LIT("HS_VLIST");
	v.data = wbuf_slice(&wb);
	assert_int_equal(reg_write_begin(r, "local", &w), IDR_OK);
	assert_int_equal(reg_set_values(w, SLICE_LIT("0.NA/88.118.8"), &v, 1, NULL), IDR_OK);
	v.type = SLICE_LIT("HS_PUBKEY");
	v.data = SLICE_LIT("key");
	assert_int_equal(reg_set_values(w, SLICE_LIT("0.NA/88.118.9"), &v, 1, NULL), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);

	assert_int_equal(do_decide(r, "300:88.118/A", "88.118.8", true, "k"), IDR_OK);
	assert_true(value_at(r, "0.NA/88.118.8", 300, type, data, sizeof(data)));
	assert_string_equal(type, "HS_VLIST");
	assert_memory_equal(data,
	                    "\0\0\0\2\0\0\0\x0a"
	                    "88.118/OPS\0\0\1\x2c"
	                    "\0\0\0\x0e",
	                    4 + 4 + 10 + 4 + 4);
	c0 = changes(r);
	assert_int_equal(do_decide(r, "300:88.118/A", "88.118.9", true, "k"), IDR_EPFX_ADMINSLOT);
	assert_int_equal(changes(r), c0);
	assert_int_equal(info(r, "88.118.9", data, sizeof(data)).state, PFX_PENDING);
	assert_false(value_at(r, "88.118.9/ADMIN", 300, type, data, sizeof(data)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_onboard_apply, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_onboard_approve, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_onboard_admin_slot, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
