/*
 * reg_fix.h - a registry of node 88.118 for cmocka tests, in memory or in a temporary LMDB
 * directory (tmpdir.h), with a few product records made up front; opened by a test's setup,
 * closed (and its directory removed) by reg_fix_teardown. Header-only; include after cmocka.h.
 */
#ifndef IDR_TESTS_UNIT_LIB_REG_FIX_H
#define IDR_TESTS_UNIT_LIB_REG_FIX_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tmpdir.h"
#include "reg.h"

struct reg_fix {
	struct reg *reg;
	char dir[256]; /* the temporary directory (lmdb) */
	bool lmdb;
};

/*
 * Set *state to a new fixture: the registry in memory, or with lmdb in a new directory
 * /tmp/<name>.XXXXXX (64 MiB map); then each handle of items (NULL-terminated, may be NULL)
 * created as a product record with one URL value at index 1, in one transaction.
 */
static inline int
reg_fix_setup(void **state, bool lmdb, const char *name, const char *const *items)
{
	struct reg_fix *f = calloc(1, sizeof(*f));
	struct reg_opts o;
	struct reg_wtxn *w;
	struct value v;
	char data[300];

	assert_non_null(f);
	memset(&o, 0, sizeof(o));
	f->lmdb = lmdb;
	if (lmdb) {
		assert_non_null(tmpdir_make(f->dir, sizeof(f->dir), name));
		snprintf(data, sizeof(data), "%s/data", f->dir);
		o.data_dir = data;
		o.map_size = 64ULL << 20;
	} else {
		o.memory = true;
	}
	assert_int_equal(reg_init(&f->reg, &o, "88.118", "test"), IDR_OK);
	memset(&v, 0, sizeof(v));
	v.index = 1;
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = SLICE_LIT("URL");
	v.data = SLICE_LIT("https://x.cn");
	if (items != NULL) {
		assert_int_equal(reg_write_begin(f->reg, "local", &w), IDR_OK);
		for (size_t i = 0; items[i] != NULL; i++) {
			assert_int_equal(reg_create(w, slice_cstr(items[i]), REC_KIND_PRODUCT, &v,
			                            1, 0, NULL),
			                 IDR_OK);
		}
		assert_int_equal(reg_write_commit(w), IDR_OK);
	}
	*state = f;
	return 0;
}

/* Close the registry of *state and remove its directory. */
static inline int
reg_fix_teardown(void **state)
{
	struct reg_fix *f = *state;

	reg_close(f->reg);
	if (f->lmdb) {
		tmpdir_remove(f->dir);
	}
	free(f);
	return 0;
}

#endif /* IDR_TESTS_UNIT_LIB_REG_FIX_H */
