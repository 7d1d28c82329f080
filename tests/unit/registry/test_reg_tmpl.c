/*
 * test_reg_tmpl.c - metadata templates in the registry (reg.h): create/update of drafts, the
 * state rules (draft -> published <-> withdrawn), immutability after publishing, items
 * disabled and never deleted, journaling and the audit, and registrations checked against
 * a published version. Every test runs on the in-memory store and on LMDB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "jrn.h"
#include "lib/tmpdir.h"
#include "model/tmpl.h"
#include "reg.h"

#define NODE "88.118"
#define ENT  "88.118.8"

#define T10                                                                                        \
	"{\"prefix\":\"88.118.8\",\"version\":\"1.0\",\"industryCategory\":\"C\","                 \
	"\"industrySpecific\":\"34\",\"type\":1,\"items\":["                                       \
	"{\"name\":\"名称\",\"idType\":\"title\",\"idIndex\":2000,\"required\":true,"            \
	"\"metadata\":{\"type\":\"string\",\"maxLength\":8}},"                                     \
	"{\"name\":\"重量\",\"idType\":\"weight\",\"idIndex\":2003,"                             \
	"\"metadata\":{\"type\":\"number\",\"maximum\":10}}]}"

struct fx {
	bool memory;
	char dir[64];
	struct reg *r;
};

static int
fx_setup(void **state, bool memory)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct reg_wtxn *w;
	struct reg_opts o;
	char data[128];

	assert_non_null(f);
	f->memory = memory;
	assert_non_null(tmpdir_make(f->dir, sizeof(f->dir), "test_reg_tmpl"));
	snprintf(data, sizeof(data), "%s/data", f->dir);
	memset(&o, 0, sizeof(o));
	o.memory = memory;
	o.data_dir = data;
	o.map_size = 64ULL << 20;
	assert_int_equal(reg_init(&f->r, &o, NODE, "operator"), IDR_OK);
	assert_int_equal(reg_write_begin(f->r, "test", &w), IDR_OK);
	assert_int_equal(reg_prefix_add(w, SLICE_LIT(ENT), SLICE_LIT("Acme"), PFX_ENABLED, NULL),
	                 IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	*state = f;
	return 0;
}

static int
setup_mem(void **state)
{
	return fx_setup(state, true);
}

static int
setup_lmdb(void **state)
{
	return fx_setup(state, false);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	reg_close(f->r);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* ---------------------------------------------------------------- helpers */

static struct tmpl *
parse(const char *json)
{
	char err[TMPL_ERR_LEN];
	struct tmpl *t = NULL;

	if (tmpl_from_json(&t, json, strlen(json), err, sizeof(err)) != IDR_OK) {
		fail_msg("%s", err);
	}
	return t;
}

static struct reg_wtxn *
wbegin(struct fx *f)
{
	struct reg_wtxn *w = NULL;

	assert_int_equal(reg_write_begin(f->r, "tester", &w), IDR_OK);
	return w;
}

static void
create_json(struct fx *f, const char *json, int want_rc, enum reg_outcome want_oc)
{
	struct tmpl *t = parse(json);
	struct reg_wtxn *w = wbegin(f);
	enum reg_outcome oc = 0;

	assert_int_equal(reg_tmpl_create(w, t, &oc), want_rc);
	if (want_rc == IDR_OK) {
		assert_int_equal(oc, want_oc);
	}
	assert_int_equal(reg_write_commit(w), IDR_OK);
	tmpl_free(t);
}

static struct tmpl *
get(struct fx *f, const char *version)
{
	struct reg_rtxn *t;
	struct tmpl *out = NULL;

	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	assert_int_equal(reg_tmpl_get(t, SLICE_LIT(ENT), slice_cstr(version), &out), IDR_OK);
	reg_read_end(t);
	return out;
}

/* Run one state change in its own transaction; returns its code. */
static int
change(struct fx *f, int (*op)(struct reg_wtxn *, struct slice, struct slice, enum reg_outcome *),
       const char *version, enum reg_outcome *oc, char *detail, size_t cap)
{
	struct reg_wtxn *w = wbegin(f);
	int rc = op(w, SLICE_LIT(ENT), slice_cstr(version), oc);

	snprintf(detail, cap, "%s", reg_write_detail(w));
	assert_int_equal(reg_write_commit(w), IDR_OK);
	return rc;
}

static int
disable(struct fx *f, const char *version, const char *item, char *detail, size_t cap)
{
	struct reg_wtxn *w = wbegin(f);
	enum reg_outcome oc;
	int rc = reg_tmpl_item_disable(w, SLICE_LIT(ENT), slice_cstr(version), slice_cstr(item),
	                               &oc);

	snprintf(detail, cap, "%s", reg_write_detail(w));
	assert_int_equal(reg_write_commit(w), IDR_OK);
	return rc;
}

static int
item_add(struct fx *f, const char *version, const char *json, uint32_t *index)
{
	struct reg_wtxn *w = wbegin(f);
	struct tmpl_item it;
	char err[TMPL_ERR_LEN];
	int rc;

	assert_int_equal(tmpl_item_from_json(&it, json, strlen(json), err, sizeof(err)), IDR_OK);
	rc = reg_tmpl_item_add(w, SLICE_LIT(ENT), slice_cstr(version), &it, index);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	tmpl_item_deinit(&it);
	return rc;
}

/* ---------------------------------------------------------------- tests */

static void
test_reg_tmpl_create_get_list(void **state)
{
	struct fx *f = *state;
	struct tmpl *t, *other;
	struct reg_wtxn *w;
	struct reg_rtxn *rt;
	struct tmpl_report rep;

	create_json(f, T10, IDR_OK, REG_CREATED);
	create_json(f, T10, IDR_OK, REG_UNCHANGED); /* same definition: idempotent */
	t = get(f, "1.0");
	assert_int_equal(t->state, TMPL_DRAFT);
	assert_true(t->created > 0);
	assert_int_equal(t->nitems, 2);
	assert_string_equal(t->items[1].key, "weight");
	/* another definition of an existing draft: a conflict (update it instead) */
	t->obj_type = 2;
	w = wbegin(f);
	assert_int_equal(reg_tmpl_create(w, t, NULL), IDR_ECONFLICT);
	assert_non_null(strstr(reg_write_detail(w), "exists with another definition"));
	/* version 1.1, and a version of an unhosted prefix */
	free(t->version);
	t->version = strdup("1.1");
	assert_int_equal(reg_tmpl_create(w, t, NULL), IDR_OK);
	other = parse("{\"prefix\":\"88.119\",\"version\":\"1\",\"industryCategory\":\"A\","
	              "\"type\":1}");
	assert_int_equal(reg_tmpl_create(w, other, NULL), IDR_EPFX_UNKNOWN);
	tmpl_free(other);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	tmpl_free(t);

	assert_int_equal(reg_read_begin(f->r, &rt), IDR_OK);
	assert_int_equal(reg_tmpl_get(rt, SLICE_LIT("88.118.8"), SLICE_LIT("2.0"), &t),
	                 IDR_ETMPL_UNKNOWN);
	assert_int_equal(reg_tmpl_get(rt, SLICE_LIT("88..8"), SLICE_LIT("1.0"), &t),
	                 IDR_EID_SEGMENT);
	/* the prefix in any case (identifier rules), the version exactly */
	assert_int_equal(reg_tmpl_get(rt, SLICE_LIT("88.118.8"), SLICE_LIT("1.1"), &t), IDR_OK);
	assert_int_equal(t->obj_type, 2);
	tmpl_free(t);
	assert_int_equal(reg_tmpl_check(rt, SLICE_LIT(ENT), SLICE_LIT("1.0"), NULL, 0, &rep),
	                 IDR_ETMPL_RECORD);
	assert_string_equal(rep.text, "title (2000): required but missing (名称)");
	reg_read_end(rt);
}

static int
count_cb(void *arg, const struct tmpl *t)
{
	char *seen = arg;
	size_t len = strlen(seen);

	snprintf(seen + len, 64 - len, "%s%s", t->version, t->state == TMPL_DRAFT ? "d " : "p ");
	return 0;
}

static void
test_reg_tmpl_list(void **state)
{
	struct fx *f = *state;
	struct reg_rtxn *rt;
	char seen[64] = "";
	struct tmpl *t = parse(T10);
	struct reg_wtxn *w = wbegin(f);

	assert_int_equal(reg_tmpl_create(w, t, NULL), IDR_OK);
	free(t->version);
	t->version = strdup("0.9");
	assert_int_equal(reg_tmpl_create(w, t, NULL), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	tmpl_free(t);
	assert_int_equal(reg_read_begin(f->r, &rt), IDR_OK);
	assert_int_equal(reg_tmpl_list(rt, SLICE_LIT("88.118.8"), count_cb, seen), IDR_OK);
	assert_string_equal(seen, "0.9d 1.0d ");
	seen[0] = '\0';
	/* neither the parent nor a sibling prefix sees them */
	assert_int_equal(reg_tmpl_list(rt, SLICE_LIT("88.118"), count_cb, seen), IDR_OK);
	assert_int_equal(reg_tmpl_list(rt, SLICE_LIT("88.118.80"), count_cb, seen), IDR_OK);
	assert_string_equal(seen, "");
	reg_read_end(rt);
}

static void
test_reg_tmpl_states_and_immutability(void **state)
{
	struct fx *f = *state;
	enum reg_outcome oc = 0;
	char detail[TMPL_REPORT_LEN];
	struct tmpl *t, *upd;
	struct reg_wtxn *w;
	uint32_t index = 0;

	create_json(f,
	            "{\"prefix\":\"88.118.8\",\"version\":\"e\",\"industryCategory\":\"C\","
	            "\"type\":1}",
	            IDR_OK, REG_CREATED);
	assert_int_equal(change(f, reg_tmpl_publish, "e", &oc, detail, sizeof(detail)),
	                 IDR_ETMPL_INVALID);
	assert_non_null(strstr(detail, "no enabled item"));
	assert_int_equal(change(f, reg_tmpl_publish, "nope", &oc, detail, sizeof(detail)),
	                 IDR_ETMPL_UNKNOWN);
	assert_string_equal(detail, "template 88.118.8 version nope does not exist");

	create_json(f, T10, IDR_OK, REG_CREATED);
	assert_int_equal(change(f, reg_tmpl_withdraw, "1.0", &oc, detail, sizeof(detail)),
	                 IDR_ETMPL_STATE);
	/* a draft changes: add an item, disable one (it stays), update */
	assert_int_equal(item_add(f, "1.0",
	                          "{\"name\":\"色\",\"idType\":\"color\",\"metadata\":"
	                          "{\"type\":\"enum\",\"enum\":[\"red\"]}}",
	                          &index),
	                 IDR_OK);
	assert_int_equal(index, 2004);
	assert_int_equal(disable(f, "1.0", "2004", detail, sizeof(detail)), IDR_OK);
	assert_int_equal(disable(f, "1.0", "nosuch", detail, sizeof(detail)), IDR_ETMPL_ITEM);
	assert_non_null(strstr(detail, "has no item nosuch"));
	upd = parse("{\"prefix\":\"88.118.8\",\"version\":\"1.0\",\"industryCategory\":\"C\","
	            "\"type\":1,\"items\":[{\"name\":\"重量\",\"idType\":\"weight\","
	            "\"idIndex\":2003,\"metadata\":{\"type\":\"number\",\"maximum\":20}}]}");
	w = wbegin(f);
	assert_int_equal(reg_tmpl_update(w, upd), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	t = get(f, "1.0");
	assert_int_equal(t->nitems, 3); /* never deleted: title kept, color kept disabled */
	assert_string_equal(t->items[0].key, "title");
	assert_true(t->items[1].maximum == 20);
	assert_string_equal(t->items[2].key, "color");
	assert_false(t->items[2].enabled);
	tmpl_free(t);

	/* publish; again is unchanged */
	assert_int_equal(change(f, reg_tmpl_publish, "1.0", &oc, detail, sizeof(detail)), IDR_OK);
	assert_int_equal(oc, REG_UPDATED);
	assert_int_equal(change(f, reg_tmpl_publish, "1.0", &oc, detail, sizeof(detail)), IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	/* immutable: every change is refused with a clear error, nothing changes */
	w = wbegin(f);
	assert_int_equal(reg_tmpl_update(w, upd), IDR_ETMPL_PUBLISHED);
	assert_string_equal(reg_write_detail(w),
	                    "template 88.118.8 version 1.0 is published: a published version never "
	                    "changes (create a new version)");
	reg_write_abort(w);
	assert_int_equal(
	        item_add(f, "1.0", "{\"name\":\"x\",\"idType\":\"x\",\"metadata\":{}}", NULL),
	        IDR_ETMPL_PUBLISHED);
	assert_int_equal(disable(f, "1.0", "weight", detail, sizeof(detail)), IDR_ETMPL_PUBLISHED);
	create_json(f, T10, IDR_ETMPL_PUBLISHED, 0);
	t = get(f, "1.0");
	assert_int_equal(t->state, TMPL_PUBLISHED);
	assert_int_equal(t->nitems, 3);
	assert_true(t->items[1].enabled);
	tmpl_free(t);
	/* withdraw, withdraw again, publish again */
	assert_int_equal(change(f, reg_tmpl_withdraw, "1.0", &oc, detail, sizeof(detail)), IDR_OK);
	assert_int_equal(oc, REG_UPDATED);
	assert_int_equal(change(f, reg_tmpl_withdraw, "1.0", &oc, detail, sizeof(detail)), IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	assert_int_equal(disable(f, "1.0", "weight", detail, sizeof(detail)), IDR_ETMPL_PUBLISHED);
	assert_int_equal(change(f, reg_tmpl_publish, "1.0", &oc, detail, sizeof(detail)), IDR_OK);
	t = get(f, "1.0");
	assert_int_equal(t->state, TMPL_PUBLISHED);
	tmpl_free(t);
	tmpl_free(upd);
}

struct jcount {
	size_t templates;
	int last_state;
};

static int
jrn_cb(void *arg, const struct jrn_entry *e)
{
	struct jcount *c = arg;
	struct tmpl *t;

	if (e->op != JRN_OP_TEMPLATE) {
		return 0;
	}
	assert_true(slice_eq(e->identifier, SLICE_LIT(ENT)));
	assert_true(slice_eq(e->identity, SLICE_LIT("tester")));
	assert_int_equal(tmpl_decode(e->payload, &t), IDR_OK);
	c->templates++;
	c->last_state = t->state;
	tmpl_free(t);
	return 0;
}

static void
test_reg_tmpl_journaled(void **state)
{
	struct fx *f = *state;
	struct jcount c = {0, -1};
	enum reg_outcome oc;
	char detail[TMPL_REPORT_LEN];
	struct audit_report a;
	struct reg_rtxn *rt;

	create_json(f, T10, IDR_OK, REG_CREATED);
	create_json(f, T10, IDR_OK, REG_UNCHANGED); /* nothing journaled */
	assert_int_equal(disable(f, "1.0", "weight", detail, sizeof(detail)), IDR_OK); /* 2 */
	assert_int_equal(disable(f, "1.0", "weight", detail, sizeof(detail)), IDR_OK); /* none */
	assert_int_equal(change(f, reg_tmpl_publish, "1.0", &oc, detail, sizeof(detail)),
	                 IDR_OK); /* 3 */
	assert_int_equal(change(f, reg_tmpl_withdraw, "1.0", &oc, detail, sizeof(detail)),
	                 IDR_OK); /* 4 */
	assert_int_equal(reg_read_begin(f->r, &rt), IDR_OK);
	assert_int_equal(reg_journal_walk(rt, 1, jrn_cb, &c), IDR_OK);
	reg_read_end(rt);
	assert_int_equal(c.templates, 4);
	assert_int_equal(c.last_state, TMPL_WITHDRAWN);
	assert_int_equal(audit_verify(f->r, &a), IDR_OK);
}

static struct value
val(uint32_t index, const char *type, const char *data)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.ttl = 86400;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = slice_cstr(type);
	v.data = slice_cstr(data);
	return v;
}

static int
create_rec(struct fx *f, const char *id, const struct value *v, size_t n, char *detail, size_t cap)
{
	struct reg_wtxn *w = wbegin(f);
	int rc = reg_create(w, slice_cstr(id), REC_KIND_PART, v, n, 0, NULL);

	snprintf(detail, cap, "%s", reg_write_detail(w));
	assert_int_equal(reg_write_commit(w), IDR_OK);
	return rc;
}

static bool
exists(struct fx *f, const char *id)
{
	struct reg_rtxn *t;
	struct rec_view v;
	int rc;

	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	rc = reg_get(t, slice_cstr(id), &v);
	reg_read_end(t);
	return rc == IDR_OK;
}

static void
test_reg_tmpl_registration(void **state)
{
	struct fx *f = *state;
	char detail[TMPL_REPORT_LEN];
	enum reg_outcome oc;
	struct value good[] = {
	        val(TMPL_INDEX_VERSION, "TEMPLATE", "1.0"),
	        val(2000, "title", "螺栓"),
	        val(2003, "weight", "10"),
	};
	struct value bad[] = {
	        val(TMPL_INDEX_VERSION, "TEMPLATE", "1.0"),
	        val(2000, "title", "螺栓"),
	        val(2003, "weight", "12.5"),
	};
	struct value other[] = {val(2000, "anything", "x")};
	struct value other1001[] = {val(TMPL_INDEX_VERSION, "VERSION", "9.9")};
	struct value unknown[] = {val(TMPL_INDEX_VERSION, "TEMPLATE", "9.9")};

	create_json(f, T10, IDR_OK, REG_CREATED);
	/* a draft accepts no registrations */
	assert_int_equal(create_rec(f, ENT "/P-1", good, 3, detail, sizeof(detail)),
	                 IDR_ETMPL_NOTPUBLISHED);
	assert_non_null(strstr(detail, "version 1.0 is draft"));
	assert_int_equal(change(f, reg_tmpl_publish, "1.0", &oc, detail, sizeof(detail)), IDR_OK);
	assert_int_equal(create_rec(f, ENT "/P-1", good, 3, detail, sizeof(detail)), IDR_OK);
	assert_true(exists(f, ENT "/P-1"));
	/* a broken rule: the error code and the field in the detail; nothing is written */
	assert_int_equal(create_rec(f, ENT "/P-2", bad, 3, detail, sizeof(detail)),
	                 IDR_ETMPL_RECORD);
	assert_string_equal(detail, "weight (2003): number 12.5 above maximum 10");
	assert_false(exists(f, ENT "/P-2"));
	assert_int_equal(create_rec(f, ENT "/P-3", bad, 1, detail, sizeof(detail)),
	                 IDR_ETMPL_RECORD);
	assert_string_equal(detail, "title (2000): required but missing (名称)");
	assert_int_equal(create_rec(f, ENT "/P-4", unknown, 1, detail, sizeof(detail)),
	                 IDR_ETMPL_UNKNOWN);
	assert_string_equal(detail, "template 88.118.8 version 9.9 does not exist");
	/* without a template version (index 1001 of type TEMPLATE): no template rule */
	assert_int_equal(create_rec(f, ENT "/P-5", other, 1, detail, sizeof(detail)), IDR_OK);
	assert_int_equal(create_rec(f, ENT "/P-7", other1001, 1, detail, sizeof(detail)), IDR_OK);
	/* withdrawn: no more registrations */
	assert_int_equal(change(f, reg_tmpl_withdraw, "1.0", &oc, detail, sizeof(detail)), IDR_OK);
	assert_int_equal(create_rec(f, ENT "/P-6", good, 3, detail, sizeof(detail)),
	                 IDR_ETMPL_NOTPUBLISHED);
	assert_non_null(strstr(detail, "is withdrawn"));
}

/* Within one transaction the cached template follows template writes. */
static void
test_reg_tmpl_cache_follows_writes(void **state)
{
	struct fx *f = *state;
	struct value good[] = {
	        val(TMPL_INDEX_VERSION, "TEMPLATE", "1.0"),
	        val(2000, "title", "a"),
	};
	struct tmpl *t = parse(T10);
	struct reg_wtxn *w = wbegin(f);

	assert_int_equal(reg_tmpl_create(w, t, NULL), IDR_OK);
	assert_int_equal(reg_tmpl_publish(w, SLICE_LIT(ENT), SLICE_LIT("1.0"), NULL), IDR_OK);
	assert_int_equal(reg_create(w, SLICE_LIT(ENT "/A"), REC_KIND_PART, good, 2, 0, NULL),
	                 IDR_OK);
	assert_int_equal(reg_tmpl_withdraw(w, SLICE_LIT(ENT), SLICE_LIT("1.0"), NULL), IDR_OK);
	assert_int_equal(reg_create(w, SLICE_LIT(ENT "/B"), REC_KIND_PART, good, 2, 0, NULL),
	                 IDR_ETMPL_NOTPUBLISHED);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	tmpl_free(t);
}

#define BOTH(fn)                                                                                   \
	cmocka_unit_test_prestate_setup_teardown(fn, setup_mem, teardown, NULL),                   \
	        cmocka_unit_test_prestate_setup_teardown(fn, setup_lmdb, teardown, NULL)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        BOTH(test_reg_tmpl_create_get_list),
	        BOTH(test_reg_tmpl_list),
	        BOTH(test_reg_tmpl_states_and_immutability),
	        BOTH(test_reg_tmpl_journaled),
	        BOTH(test_reg_tmpl_registration),
	        BOTH(test_reg_tmpl_cache_follows_writes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
