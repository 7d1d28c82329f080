/* refer.c - 302/303 referrals of the top-level role. */
#include "fed/refer.h"

#include <string.h>

#include "base/rbuf.h"
#include "hdl/hdl.h"
#include "model/value.h"

static const char *const site_types[] = {"HS_SITE", "HS_SITE.6", "HS_SERV"};
static const char *const prefix_types[] = {"HS_SITE.PREFIX", "HS_NA_DELEGATE", "HS_SERV.PREFIX"};

static bool
type_in(struct slice type, const char *const *types, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (slice_caseeq_cstr(type, types[i])) {
			return true;
		}
	}
	return false;
}

/* The record 0.NA/<name>: IDR_OK, IDR_ENOENT or an error. */
static int
get_prefix_record(struct reg_rtxn *t, struct slice name, struct refer *out, struct rec_view *rec)
{
	int rc = ident_zero_na(name, out->from, sizeof(out->from));

	if (rc != IDR_OK) {
		return IDR_EID_HARDLIMIT;
	}
	return reg_get(t, slice_cstr(out->from), rec);
}

/* Collect the public values of rec whose type is one of types; out->n = how many. */
static int
collect(const struct rec_view *rec, const char *const *types, size_t ntypes, struct refer *out)
{
	struct slice clump;
	struct value v;
	struct rbuf r;
	int rc;

	out->n = 0;
	rbuf_init(&r, rec->values.p, rec->values.len);
	while ((rc = hdl_clump_next(&r, &v, &clump)) == IDR_OK) {
		if (out->n < REFER_MAX_VALUES && (v.perms & VALUE_PERM_PUBLIC_READ) != 0 &&
		    type_in(v.type, types, ntypes)) {
			out->clumps[out->n++] = clump;
		}
	}
	return rc == IDR_ENOENT ? IDR_OK : IDR_EPROTO;
}

/* Walk the ancestors of name for derived-prefix values: 303, or nothing. */
static int
walk_ancestors(struct reg_rtxn *t, struct slice name, struct refer *out)
{
	struct slice parent;
	struct rec_view rec;
	int rc;

	while (ident_prefix_parent(name, &parent)) {
		name = parent;
		rc = get_prefix_record(t, name, out, &rec);
		if (rc == IDR_ENOENT) {
			continue;
		}
		if (rc != IDR_OK) {
			return rc;
		}
		rc = collect(&rec, prefix_types, sizeof(prefix_types) / sizeof(prefix_types[0]),
		             out);
		if (rc != IDR_OK) {
			return rc;
		}
		if (out->n > 0) {
			out->rc = HDL_RC_PREFIX_REFERRAL;
			return IDR_OK;
		}
	}
	out->n = 0;
	out->from[0] = '\0';
	return IDR_OK;
}

int
refer_find(struct reg_rtxn *t, struct slice handle, bool dnrf, struct refer *out)
{
	struct ident_opts o = {IDENT_HARD_MAX, true};
	struct rec_view rec;
	struct slice name;
	struct ident id;
	int rc;

	out->rc = 0;
	out->n = 0;
	out->from[0] = '\0';
	rc = ident_parse(&id, handle.p, handle.len, &o);
	if (rc != IDR_OK) {
		return rc;
	}
	if (dnrf) {
		return IDR_OK;
	}
	/* the prefix whose record decides: X for 0.NA/X and a bare X, P for P/S */
	name = id.zero_na ? id.suffix : id.prefix;
	if (ident_prefix_check(name) != IDR_OK) {
		return IDR_OK; /* not a prefix name (e.g. 0.NA/a/b): nothing to refer to */
	}
	rc = get_prefix_record(t, name, out, &rec);
	if (rc == IDR_ENOENT) {
		return walk_ancestors(t, name, out);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (id.zero_na || !id.has_slash) {
		out->from[0] = '\0';
		return IDR_OK; /* the prefix record itself is served */
	}
	rc = collect(&rec, site_types, sizeof(site_types) / sizeof(site_types[0]), out);
	if (rc != IDR_OK) {
		return rc;
	}
	if (out->n > 0) {
		out->rc = HDL_RC_SERVICE_REFERRAL;
	} else {
		out->from[0] = '\0';
	}
	return IDR_OK;
}
