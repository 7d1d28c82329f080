/*
 * test_list.c - listings through the dispatcher (rsv_list): pages in key order, the count, the
 * 0.NA/ form, sub-prefixes, the hosting rule and its message (as for a resolution), and the
 * next/after cursor; pages reached in order from remembered page ends equal pages reached by
 * skipping, and a change to the registry forgets those ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/rsv.h"
#include "hdl/hdl.h"
#include "reg.h"

#define NODE "88.118"
#define N    25

struct fix {
	struct reg *r;
	struct conf c;
	struct rsv *rsv;
	struct rsv_worker *w;
	char got[64][64]; /* the handles of the last page */
	size_t n;
	char next[64];
};

static void
create(struct reg *r, const char *id)
{
	struct value v;
	struct reg_wtxn *w = NULL;

	memset(&v, 0, sizeof(v));
	v.index = 1;
	v.ttl = 86400;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = SLICE_LIT("URL");
	v.data = SLICE_LIT("https://example.com/");
	assert_int_equal(reg_write_begin(r, "test", &w), IDR_OK);
	assert_int_equal(reg_create(w, slice_cstr(id), REC_KIND_PART, &v, 1, 0, NULL), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
}

static void
prefix_add(struct reg *r, const char *p, int st)
{
	struct reg_wtxn *w = NULL;

	assert_int_equal(reg_write_begin(r, "test", &w), IDR_OK);
	assert_int_equal(reg_prefix_add(w, slice_cstr(p), SLICE_LIT("owner"), st, NULL), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct reg_opts o;
	char id[64];

	assert_non_null(f);
	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&f->r, &o, NODE, "node"), IDR_OK);
	prefix_add(f->r, "88.118.8", PFX_ENABLED);
	prefix_add(f->r, "88.118.8.1", PFX_ENABLED);
	prefix_add(f->r, "88.118.9", PFX_DISABLED);
	/* N records, created out of order; listed in key order */
	for (int i = N - 1; i >= 0; i--) {
		snprintf(id, sizeof(id), "88.118.8/P-%03d", i);
		create(f->r, id);
	}
	create(f->r, "88.118.8.1/Q-1"); /* under a sub-prefix: not listed under 88.118.8 */
	assert_int_equal(conf_load(&f->c, NULL, NULL, NULL), IDR_OK);
	assert_int_equal(rsv_new(&f->rsv, f->r, &f->c, NULL, NULL), IDR_OK);
	assert_int_equal(rsv_worker_new(f->rsv, 0, NULL, &f->w), IDR_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	rsv_worker_free(f->w);
	rsv_free(f->rsv);
	conf_free(&f->c);
	reg_close(f->r);
	free(f);
	return 0;
}

static int
collect(void *arg, struct slice handle)
{
	struct fix *f = arg;

	assert_true(f->n < 64 && handle.len < 64);
	memcpy(f->got[f->n], handle.p, handle.len);
	f->got[f->n][handle.len] = '\0';
	f->n++;
	return 0;
}

static uint32_t
list(struct fix *f, const char *prefix, uint64_t page, uint64_t size, const char *after,
     uint64_t *total)
{
	struct rsv_list_req lr = {slice_cstr(prefix), page, size, slice_cstr(after ? after : "")};
	struct rsv_list_info info;
	uint32_t rc;

	f->n = 0;
	rc = rsv_list(f->w, &lr, collect, f, &info);
	assert_true(info.next.len < sizeof(f->next));
	memcpy(f->next, info.next.p != NULL ? (const char *)info.next.p : "", info.next.len);
	f->next[info.next.len] = '\0';
	if (total != NULL) {
		*total = info.total;
	}
	return rc;
}

/* The last page holds P-first .. P-(first+n-1). */
static void
assert_page(struct fix *f, int first, size_t n)
{
	char want[64];

	assert_int_equal(f->n, n);
	for (size_t i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "88.118.8/P-%03d", first + (int)i);
		assert_string_equal(f->got[i], want);
	}
}

static void
test_list_pages(void **state)
{
	struct fix *f = *state;
	uint64_t total;

	assert_int_equal(list(f, "88.118.8", 0, 10, NULL, &total), HDL_RC_SUCCESS);
	assert_int_equal(total, N);
	assert_page(f, 0, 10);
	assert_string_equal(f->next, "88.118.8/P-009"); /* more follow */
	assert_int_equal(list(f, "88.118.8", 1, 10, NULL, NULL), HDL_RC_SUCCESS);
	assert_page(f, 10, 10);
	assert_int_equal(list(f, "88.118.8", 2, 10, NULL, NULL), HDL_RC_SUCCESS);
	assert_page(f, 20, 5);
	assert_string_equal(f->next, ""); /* the last page */
	assert_int_equal(list(f, "88.118.8", 3, 10, NULL, &total), HDL_RC_SUCCESS);
	assert_page(f, 0, 0);
	assert_int_equal(total, N);
	assert_int_equal(list(f, "88.118.8", 4294967295u, 100000, NULL, NULL), HDL_RC_SUCCESS);
	assert_page(f, 0, 0);
	assert_int_equal(list(f, "88.118.8", 0, 1000, NULL, NULL), HDL_RC_SUCCESS);
	assert_page(f, 0, N);
	assert_string_equal(f->next, "");
	assert_int_equal(list(f, "88.118.8", 7, 3, NULL, NULL), HDL_RC_SUCCESS);
	assert_page(f, 21, 3);
	assert_int_equal(list(f, "88.118.8", 8, 3, NULL, NULL), HDL_RC_SUCCESS);
	assert_page(f, 24, 1);
}

static void
test_list_forms(void **state)
{
	struct fix *f = *state;
	uint64_t total;

	/* size 0: the count only */
	assert_int_equal(list(f, "88.118.8", 0, 0, NULL, &total), HDL_RC_SUCCESS);
	assert_int_equal(total, N);
	assert_page(f, 0, 0);
	/* case-insensitive, and the 0.NA/ form */
	assert_int_equal(list(f, "0.na/88.118.8", 0, 2, NULL, NULL), HDL_RC_SUCCESS);
	assert_page(f, 0, 2);
	/* a sub-prefix lists its own records only */
	assert_int_equal(list(f, "88.118.8.1", 0, 10, NULL, &total), HDL_RC_SUCCESS);
	assert_int_equal(total, 1);
	assert_int_equal(f->n, 1);
	assert_string_equal(f->got[0], "88.118.8.1/Q-1");
	/* hosted, enabled, no records */
	assert_int_equal(list(f, NODE, 0, 10, NULL, &total), HDL_RC_SUCCESS);
	assert_int_equal(total, 0);
}

static void
test_list_errors(void **state)
{
	struct fix *f = *state;

	assert_int_equal(list(f, "88.119", 0, 10, NULL, NULL), HDL_RC_SERVER_NOT_RESP);
	/* the same words as a resolution's 301 */
	assert_string_equal(rsv_worker_message(f->w), "prefix 88.119 is not served here");
	assert_int_equal(list(f, "88.118.9", 0, 10, NULL, NULL), HDL_RC_SERVER_NOT_RESP);
	assert_int_equal(list(f, "88.118.8/P-001", 0, 10, NULL, NULL), HDL_RC_INVALID_HANDLE);
	assert_non_null(strstr(rsv_worker_message(f->w), "invalid prefix"));
	assert_int_equal(list(f, "88..8", 0, 10, NULL, NULL), HDL_RC_INVALID_HANDLE);
	assert_int_equal(list(f, "<script>", 0, 10, NULL, NULL), HDL_RC_INVALID_HANDLE);
	assert_int_equal(f->n, 0);
}

static void
test_list_after(void **state)
{
	struct fix *f = *state;
	char next[64];
	int first = 0;

	/* walk the whole prefix with next/after: every record once, in order */
	assert_int_equal(list(f, "88.118.8", 0, 7, NULL, NULL), HDL_RC_SUCCESS);
	for (;;) {
		assert_page(f, first, first + 7 <= N ? 7 : (size_t)(N - first));
		first += (int)f->n;
		if (f->next[0] == '\0') {
			break;
		}
		snprintf(next, sizeof(next), "%s", f->next);
		assert_int_equal(list(f, "88.118.8", 0, 7, next, NULL), HDL_RC_SUCCESS);
	}
	assert_int_equal(first, N);
	/* after in another case, after an absent handle, after the end */
	assert_int_equal(list(f, "88.118.8", 0, 2, "88.118.8/p-010", NULL), HDL_RC_SUCCESS);
	assert_page(f, 11, 2);
	assert_int_equal(list(f, "88.118.8", 0, 2, "88.118.8/P-010a", NULL), HDL_RC_SUCCESS);
	assert_page(f, 11, 2);
	assert_int_equal(list(f, "88.118.8", 0, 2, "88.118.8/Z", NULL), HDL_RC_SUCCESS);
	assert_page(f, 0, 0);
	assert_string_equal(f->next, "");
}

static void
test_list_remembered_ends(void **state)
{
	struct fix *f = *state;

	/* in order: each page starts where the previous one ended */
	for (int p = 0; p < 8; p++) {
		assert_int_equal(list(f, "88.118.8", (uint64_t)p, 3, NULL, NULL), HDL_RC_SUCCESS);
		assert_page(f, 3 * p, 3);
	}
	/* a jump back and forth gives the same pages */
	assert_int_equal(list(f, "88.118.8", 5, 3, NULL, NULL), HDL_RC_SUCCESS);
	assert_page(f, 15, 3);
	assert_int_equal(list(f, "88.118.8", 2, 3, NULL, NULL), HDL_RC_SUCCESS);
	assert_page(f, 6, 3);
	/* a record inserted before page 3 shifts it: the remembered ends are not used */
	create(f->r, "88.118.8/P-000a");
	assert_int_equal(list(f, "88.118.8", 3, 3, NULL, NULL), HDL_RC_SUCCESS);
	assert_int_equal(f->n, 3);
	assert_string_equal(f->got[0], "88.118.8/P-008");
	assert_int_equal(list(f, "88.118.8", 4, 3, NULL, NULL), HDL_RC_SUCCESS);
	assert_string_equal(f->got[0], "88.118.8/P-011");
	/* another page size: its own ends */
	assert_int_equal(list(f, "88.118.8", 1, 4, NULL, NULL), HDL_RC_SUCCESS);
	assert_string_equal(f->got[0], "88.118.8/P-003");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_list_pages, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_list_forms, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_list_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_list_after, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_list_remembered_ends, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
