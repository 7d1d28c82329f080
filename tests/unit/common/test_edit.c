/*
 * test_edit.c - record changes on an in-memory registry (common/edit.h): a row's content
 * against the stored record (kept HS_ values, the kind value), applying the differences (and
 * that a create of the row is then 'unchanged'), the order of the registry calls, refusals
 * that change nothing, KEY=VALUE and unset semantics, and the conflict message.
 */
#include "common/edit.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"

#define NODE "88.118"
#define ENT  "88.118.8"

struct fx {
	struct reg *r;
	struct reg_wtxn *w;
	struct edit e;
	char err[EDIT_ERR_LEN];
};

static struct value
val(uint32_t index, const char *type, const char *data)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = slice_cstr(type);
	v.data = slice_cstr(data);
	return v;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct reg_opts o;
	struct reg_wtxn *w;

	assert_non_null(f);
	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&f->r, &o, NODE, "node"), IDR_OK);
	assert_int_equal(reg_write_begin(f->r, REG_IDENTITY_LOCAL, &w), IDR_OK);
	assert_int_equal(reg_prefix_add(w, SLICE_LIT(ENT), SLICE_LIT("Acme"), PFX_ENABLED, NULL),
	                 IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(edit_init(&f->e), IDR_OK);
	assert_int_equal(reg_write_begin(f->r, REG_IDENTITY_LOCAL, &f->w), IDR_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	reg_write_abort(f->w);
	edit_deinit(&f->e);
	reg_close(f->r);
	free(f);
	return 0;
}

static void
create(struct fx *f, const char *id, enum rec_kind kind, const struct value *v, size_t n)
{
	enum reg_outcome oc = 0;

	assert_int_equal(reg_create(f->w, slice_cstr(id), kind, v, n, 0, &oc), IDR_OK);
	assert_int_equal(oc, REG_CREATED);
}

static void
assert_index(const struct edit *e, size_t i, uint32_t index, const char *type, const char *data)
{
	assert_true(i < e->nwant);
	assert_int_equal(e->want[i].index, index);
	assert_int_equal(e->want[i].type.len, strlen(type));
	assert_memory_equal(e->want[i].type.p, type, strlen(type));
	if (data != NULL) {
		assert_int_equal(e->want[i].data.len, strlen(data));
		assert_memory_equal(e->want[i].data.p, data, strlen(data));
	}
}

/* A row against the stored record: modified, removed and added values, kind changed, the
 * HS_ADMIN value kept; applied in three journaled calls; a create of the row is then
 * 'unchanged'. */
static void
test_edit_row_update(void **state)
{
	struct fx *f = *state;
	struct value stored[] = {val(1, "URL", "https://a"), val(2000, "colour", "red"),
	                         val(2001, "batch", "B7")};
	struct value row[] = {val(2002, "weight", "5kg"), val(2000, "colour", "blue")};
	enum reg_outcome oc = 0;
	size_t before;

	create(f, ENT "/P-1", REC_KIND_PART, stored, 3);
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/p-1")), IDR_OK);
	assert_int_equal(f->e.nhave, 5); /* URL, kind, HS_ADMIN, colour, batch */
	assert_int_equal(edit_want_row(&f->e, REC_KIND_LOT, row, 2), IDR_OK);
	assert_int_equal(f->e.nwant, 4);
	assert_index(&f->e, 0, REC_KIND_INDEX, REC_KIND_TYPE, "lot");
	assert_index(&f->e, 1, VALUE_INDEX_ADMIN, "HS_ADMIN", NULL);
	assert_index(&f->e, 2, 2000, "colour", "blue");
	assert_index(&f->e, 3, 2002, "weight", "5kg");
	assert_int_equal(edit_diff(&f->e), 5);
	assert_int_equal(f->e.diff[0].kind, REC_DIFF_ONLY_A); /* URL */
	assert_int_equal(f->e.diff[1].kind, REC_DIFF_CHANGED);
	assert_int_equal(f->e.diff[1].index, REC_KIND_INDEX);
	assert_int_equal(f->e.diff[2].kind, REC_DIFF_CHANGED);
	assert_int_equal(f->e.diff[3].kind, REC_DIFF_ONLY_A); /* batch */
	assert_int_equal(f->e.diff[4].kind, REC_DIFF_ONLY_B); /* weight */
	before = reg_write_changes(f->w);
	assert_int_equal(edit_apply(&f->e, f->w, SLICE_LIT(ENT "/P-1")), IDR_OK);
	assert_int_equal(reg_write_changes(f->w) - before, 3); /* modify, remove, add */
	/* the record is now what the row says */
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/P-1")), IDR_OK);
	assert_int_equal(f->e.view.kind, REC_KIND_LOT);
	assert_int_equal(edit_want_row(&f->e, REC_KIND_LOT, row, 2), IDR_OK);
	assert_int_equal(edit_diff(&f->e), 0);
	assert_int_equal(reg_create(f->w, SLICE_LIT(ENT "/P-1"), REC_KIND_LOT, row, 2, 0, &oc),
	                 IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	assert_int_equal(reg_write_commit(f->w), IDR_OK);
	f->w = NULL;
}

/* Rows with an index twice, or too many values, are refused. */
static void
test_edit_row_refused(void **state)
{
	struct fx *f = *state;
	struct value stored[] = {val(1, "URL", "u")};
	struct value row[] = {val(2000, "a", "1"), val(2000, "b", "2")};

	create(f, ENT "/P-2", REC_KIND_PART, stored, 1);
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/P-2")), IDR_OK);
	assert_int_equal(edit_want_row(&f->e, REC_KIND_PART, row, 2), IDR_EREC_INDEX);
	assert_int_equal(edit_want_row(&f->e, REC_KIND_PART, row, VALUE_MAX_VALUES + 1),
	                 IDR_EREC_TOOMANY);
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/NOPE")), IDR_ENOENT);
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT("bad")), IDR_EID_NOSLASH);
}

/* Every stored value replaced: added first, then removed (the registry keeps one value). */
static void
test_edit_apply_all_replaced(void **state)
{
	struct fx *f = *state;
	struct value stored[] = {val(5, "a", "1"), val(VALUE_INDEX_ADMIN, "NOTE", "x")};
	struct value row[] = {val(6, "b", "2")};
	size_t before;

	create(f, ENT "/doc", REC_KIND_NONE, stored, 2);
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/doc")), IDR_OK);
	assert_int_equal(f->e.nhave, 2); /* no HS_ADMIN: index 100 is taken */
	assert_int_equal(edit_want_row(&f->e, REC_KIND_NONE, row, 1), IDR_OK);
	assert_int_equal(edit_diff(&f->e), 3);
	before = reg_write_changes(f->w);
	assert_int_equal(edit_apply(&f->e, f->w, SLICE_LIT(ENT "/doc")), IDR_OK);
	assert_int_equal(reg_write_changes(f->w) - before, 2);
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/doc")), IDR_OK);
	assert_int_equal(f->e.nhave, 1);
	assert_int_equal(f->e.have[0].index, 6);
}

/* A change the registry refuses half-way is refused before any call: nothing written. */
static void
test_edit_apply_refused_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct value stored[] = {val(1, "URL", "u"), val(2000, "a", "1")};
	struct value row[] = {val(1, "URL", "v"), val(VALUE_INDEX_ADMIN, "HS_ADMIN", "")};
	size_t before;

	create(f, ENT "/P-3", REC_KIND_PART, stored, 2);
	/* a record line without a kind: the item's kind value would be removed */
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/P-3")), IDR_OK);
	assert_int_equal(edit_want_row(&f->e, REC_KIND_NONE, row, 1), IDR_OK);
	assert_true(edit_diff(&f->e) > 0);
	before = reg_write_changes(f->w);
	assert_int_equal(edit_apply(&f->e, f->w, SLICE_LIT(ENT "/P-3")), IDR_EREC_RESERVED);
	assert_int_equal(reg_write_changes(f->w), before);
	assert_int_equal(reg_write_status(f->w), IDR_OK);
	/* nothing left at all */
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/P-3")), IDR_OK);
	edit_want_have(&f->e);
	f->e.nwant = 0;
	assert_true(edit_diff(&f->e) > 0);
	assert_int_equal(edit_apply(&f->e, f->w, SLICE_LIT(ENT "/P-3")), IDR_EREC_LASTVALUE);
	assert_int_equal(reg_write_changes(f->w), before);
}

/* KEY=VALUE: an existing attribute keeps index, type spelling, TTL and permissions; a new one
 * goes after the highest index >= 2000; URL and kind at their indexes. */
static void
test_edit_set(void **state)
{
	struct fx *f = *state;
	struct value stored[] = {val(3, "EMAIL", "a@b"), val(2000, "colour", "red"),
	                         val(2004, "batch", "B7")};
	struct value plain[] = {val(3, "EMAIL", "a@b")};

	stored[1].ttl = 60;
	stored[1].perms = 0x0C;
	create(f, ENT "/S-1", REC_KIND_PART, stored, 3);
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/S-1")), IDR_OK);
	edit_want_have(&f->e);
	assert_int_equal(edit_set_attr(&f->e, SLICE_LIT("COLOUR"), SLICE_LIT("blue"), f->err,
	                               sizeof(f->err)),
	                 IDR_OK);
	assert_int_equal(
	        edit_set_attr(&f->e, SLICE_LIT("email"), SLICE_LIT("c@d"), f->err, sizeof(f->err)),
	        IDR_OK);
	assert_int_equal(
	        edit_set_attr(&f->e, SLICE_LIT("weight"), SLICE_LIT("5kg"), f->err, sizeof(f->err)),
	        IDR_OK);
	assert_int_equal(edit_set_url(&f->e, SLICE_LIT("https://x"), f->err, sizeof(f->err)),
	                 IDR_OK);
	assert_int_equal(edit_set_kind(&f->e, REC_KIND_WIP, f->err, sizeof(f->err)), IDR_OK);
	assert_int_equal(edit_diff(&f->e), 5);
	assert_index(&f->e, 0, 1, "URL", "https://x");
	assert_index(&f->e, 1, 3, "EMAIL", "c@d");
	assert_index(&f->e, 2, REC_KIND_INDEX, REC_KIND_TYPE, "wip");
	assert_index(&f->e, 4, 2000, "colour", "blue");
	assert_int_equal(f->e.want[4].ttl, 60);
	assert_int_equal(f->e.want[4].perms, 0x0C);
	assert_index(&f->e, 6, 2005, "weight", "5kg");
	assert_int_equal(f->e.diff[3].fields, REC_DIFF_DATA);
	assert_int_equal(edit_apply(&f->e, f->w, SLICE_LIT(ENT "/S-1")), IDR_OK);
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/S-1")), IDR_OK);
	assert_int_equal(f->e.view.kind, REC_KIND_WIP);
	assert_int_equal(f->e.nhave, 7);
	/* the same again: nothing to do */
	edit_want_have(&f->e);
	assert_int_equal(edit_set_attr(&f->e, SLICE_LIT("colour"), SLICE_LIT("blue"), f->err,
	                               sizeof(f->err)),
	                 IDR_OK);
	assert_int_equal(edit_diff(&f->e), 0);
	/* no attribute yet: the first goes to 2000 */
	create(f, ENT "/S-2", REC_KIND_NONE, plain, 1);
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/S-2")), IDR_OK);
	edit_want_have(&f->e);
	assert_int_equal(
	        edit_set_attr(&f->e, SLICE_LIT("a"), SLICE_LIT("1"), f->err, sizeof(f->err)),
	        IDR_OK);
	assert_index(&f->e, f->e.nwant - 1, 2000, "a", "1");
}

/* KEY=VALUE refusals, each naming what is wrong. */
static void
test_edit_set_refused(void **state)
{
	struct fx *f = *state;
	struct value stored[] = {val(1, "LINK", "x"), val(2000, "colour", "red"),
	                         val(2001, "Colour", "blue"), val(INT32_MAX, "last", "z")};

	create(f, ENT "/S-3", REC_KIND_NONE, stored, 4);
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/S-3")), IDR_OK);
	edit_want_have(&f->e);
	assert_int_equal(edit_set_attr(&f->e, SLICE_LIT("colour"), SLICE_LIT("green"), f->err,
	                               sizeof(f->err)),
	                 IDR_EINVAL);
	assert_string_equal(f->err, "2 values have type \"colour\" (indexes 2000, 2001): change "
	                            "them with a Handle client");
	assert_int_equal(edit_set_url(&f->e, SLICE_LIT("https://x"), f->err, sizeof(f->err)),
	                 IDR_EREC_RESERVED);
	assert_string_equal(f->err, "value 1 has type \"LINK\", not URL");
	assert_int_equal(
	        edit_set_attr(&f->e, SLICE_LIT("new"), SLICE_LIT("1"), f->err, sizeof(f->err)),
	        IDR_ELIMIT);
	assert_string_equal(f->err, "no index left after 2147483647 for a new value");
	assert_int_equal(edit_diff(&f->e), 0);
}

/* unset: by key (any case) or 'url'; a missing, ambiguous or reserved key is refused. */
static void
test_edit_unset(void **state)
{
	struct fx *f = *state;
	struct value stored[] = {val(1, "URL", "u"), val(2000, "colour", "red"),
	                         val(2001, "batch", "B7"), val(2002, "x", "1"),
	                         val(2003, "X", "2")};

	create(f, ENT "/U-1", REC_KIND_PART, stored, 5);
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/U-1")), IDR_OK);
	edit_want_have(&f->e);
	assert_int_equal(edit_unset(&f->e, SLICE_LIT("Colour"), f->err, sizeof(f->err)), IDR_OK);
	assert_int_equal(edit_unset(&f->e, SLICE_LIT("URL"), f->err, sizeof(f->err)), IDR_OK);
	assert_int_equal(edit_unset(&f->e, SLICE_LIT("url"), f->err, sizeof(f->err)), IDR_ENOENT);
	assert_string_equal(f->err, "no URL (value 1) to remove");
	assert_int_equal(edit_unset(&f->e, SLICE_LIT("colour"), f->err, sizeof(f->err)),
	                 IDR_ENOENT);
	assert_string_equal(f->err, "no value with key \"colour\" to remove");
	assert_int_equal(edit_unset(&f->e, SLICE_LIT("x"), f->err, sizeof(f->err)), IDR_EINVAL);
	assert_int_equal(edit_unset(&f->e, SLICE_LIT("kind"), f->err, sizeof(f->err)),
	                 IDR_EREC_RESERVED);
	assert_non_null(strstr(f->err, "idr set ID --kind"));
	assert_int_equal(edit_unset(&f->e, SLICE_LIT("HS_ADMIN"), f->err, sizeof(f->err)),
	                 IDR_EREC_RESERVED);
	assert_int_equal(edit_unset(&f->e, SLICE_LIT("a=b"), f->err, sizeof(f->err)),
	                 IDR_EREC_TYPE);
	assert_int_equal(edit_diff(&f->e), 2);
	assert_int_equal(edit_apply(&f->e, f->w, SLICE_LIT(ENT "/U-1")), IDR_OK);
	assert_int_equal(edit_load(&f->e, f->w, SLICE_LIT(ENT "/U-1")), IDR_OK);
	assert_int_equal(f->e.nhave, 5); /* kind, HS_ADMIN, batch, x, X */
}

/* The conflict message names the differences, and says when only HS_ values differ. */
static void
test_edit_conflict_text(void **state)
{
	struct fx *f = *state;
	struct value stored[] = {val(2000, "colour", "red"), val(2001, "batch", "B7")};
	struct value row[] = {val(2000, "colour", "blue"), val(2002, "weight", "5kg")};
	struct value admin = val(VALUE_INDEX_ADMIN, "HS_ADMIN", "not the default");
	char buf[512];

	create(f, ENT "/C-1", REC_KIND_PART, stored, 2);
	assert_int_equal(reg_create(f->w, SLICE_LIT(ENT "/C-1"), REC_KIND_PART, row, 2, 0, NULL),
	                 IDR_ECONFLICT);
	edit_conflict_text(&f->e, f->w, SLICE_LIT(ENT "/C-1"), REC_KIND_PART, row, 2, EDIT_IN_ROW,
	                   buf, sizeof(buf));
	assert_string_equal(buf, "already exists with different content: value 2000 (colour) is "
	                         "\"red\" here, \"blue\" in the row; value 2001 (batch) only "
	                         "here; value 2002 (weight) only in the row");
	/* the HS_ADMIN value changed: a create of the same values conflicts, the row cannot say
	 * why */
	assert_int_equal(reg_modify_values(f->w, SLICE_LIT(ENT "/C-1"), &admin, 1), IDR_OK);
	assert_int_equal(reg_create(f->w, SLICE_LIT(ENT "/C-1"), REC_KIND_PART, stored, 2, 0, NULL),
	                 IDR_ECONFLICT);
	edit_conflict_text(&f->e, f->w, SLICE_LIT(ENT "/C-1"), REC_KIND_PART, stored, 2,
	                   EDIT_IN_ROW, buf, sizeof(buf));
	assert_string_equal(buf, "already exists with different content: its HS_ values "
	                         "(administrators, keys) differ from those a new record gets");
	/* bounded: a small buffer is cut */
	edit_conflict_text(&f->e, f->w, SLICE_LIT(ENT "/C-1"), REC_KIND_PART, row, 2, EDIT_IN_ROW,
	                   buf, 60);
	assert_true(strlen(buf) < 60);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_edit_row_update, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_edit_row_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_edit_apply_all_replaced, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_edit_apply_refused_changes_nothing, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_edit_set, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_edit_set_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_edit_unset, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_edit_conflict_text, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
