/*
 * reg_abc.h - the small in-memory registry several tests and fuzz targets resolve against:
 * node 88.100, the enterprise prefix 88.100.1 and the record 88.100.1/abc with one value,
 * index 1, URL https://example.com/a.
 */
#ifndef IDR_TESTS_UNIT_REG_ABC_H
#define IDR_TESTS_UNIT_REG_ABC_H

#include <string.h>

#include "reg.h"

/* @return IDR_OK with *out open, or the code of the step that failed. */
static inline int
reg_abc(struct reg **out)
{
	struct reg_opts o;
	struct reg_wtxn *wt;
	struct value v;
	int rc;

	memset(&o, 0, sizeof(o));
	o.memory = true;
	if ((rc = reg_init(out, &o, "88.100", "test")) != IDR_OK) {
		return rc;
	}
	if ((rc = reg_write_begin(*out, "test", &wt)) != IDR_OK) {
		return rc;
	}
	memset(&v, 0, sizeof(v));
	v.index = 1;
	v.ttl = 86400;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = SLICE_LIT("URL");
	v.data = SLICE_LIT("https://example.com/a");
	if ((rc = reg_prefix_add(wt, SLICE_LIT("88.100.1"), SLICE_LIT("t"), PFX_ENABLED, NULL)) !=
	            IDR_OK ||
	    (rc = reg_create(wt, SLICE_LIT("88.100.1/abc"), REC_KIND_PART, &v, 1, 0, NULL)) !=
	            IDR_OK) {
		reg_write_abort(wt);
		return rc;
	}
	return reg_write_commit(wt);
}

#endif
