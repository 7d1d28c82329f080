/*
 * reg_prefix.c - the prefix operations of the registry (reg.h): hosting enterprise prefixes
 * and changing their state, journaled, each with its prefix handle 0.NA/<prefix>; the hosting
 * check of record writes (cached per transaction); reads. The record format and the lookups
 * are pfx.c's; the rules are listed there.
 */
#include "reg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "jrn.h"
#include "model/ent.h"
#include "model/ident.h"
#include "model/rec.h"
#include "model/value.h"
#include "pfx.h"
#include "reg_int.h"
#include "store/store.h"

static bool
state_valid(int state)
{
	return state >= PFX_DISABLED && state <= PFX_REVIEWING;
}

int
reg_prefix_served(struct reg_wtxn *w, struct slice prefix)
{
	uint8_t key[PFX_MAX_LEN];
	int rc;

	if (prefix.len == 0 || prefix.len > PFX_MAX_LEN) {
		return IDR_EPFX_UNKNOWN;
	}
	ident_fold(prefix.p, prefix.len, key);
	if (w->pfx_cached && w->pfx_len == prefix.len && memcmp(w->pfx_key, key, prefix.len) == 0) {
		return w->pfx_rc;
	}
	rc = pfx_served(w->txn, prefix);
	if (rc != IDR_OK && rc != IDR_EPFX_UNKNOWN && rc != IDR_EPFX_DISABLED) {
		return rc; /* store or decode failure: not a property of the prefix, no caching */
	}
	memcpy(w->pfx_key, key, prefix.len);
	w->pfx_len = prefix.len;
	w->pfx_rc = rc;
	w->pfx_cached = true;
	return rc;
}

/* ---------------------------------------------------------------- writes */

/* Write a prefix record and its journal entry (op JRN_OP_INIT or JRN_OP_PREFIX). */
static int
prefix_write(struct reg_wtxn *w, int op, const struct pfx_info *p)
{
	uint8_t key[PFX_MAX_LEN];
	struct slice payload;
	size_t mark;
	int rc;

	mark = jrn_change_begin(&w->chg, op, p->name);
	rc = pfx_encode(&w->chg, p);
	payload = jrn_change_end(&w->chg, mark);
	if (rc != IDR_OK) {
		return rc;
	}
	if (p->name.len > PFX_MAX_LEN) {
		return IDR_ELIMIT;
	}
	ident_fold(p->name.p, p->name.len, key);
	rc = store_put(w->txn, STORE_DB_PREFIXES, slice_make(key, p->name.len), payload, 0, NULL);
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	w->pfx_cached = false;
	return reg_jrn_append(w);
}

/* UTF-8 text without control characters of at most max bytes. */
static int
text_field_check(struct slice s, size_t max)
{
	bool ctrl = false;

	if (s.len > max) {
		return IDR_ELIMIT;
	}
	if (text_utf8_check(s.p, s.len, NULL, &ctrl) != IDR_OK) {
		return IDR_EUTF8;
	}
	return ctrl ? IDR_ECTRL : IDR_OK;
}

static int
owner_check(struct slice owner)
{
	return text_field_check(owner, PFX_MAX_OWNER);
}

int
reg_prefix_host_node(struct reg_wtxn *w, struct slice prefix, struct slice owner)
{
	struct pfx_info p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.name = prefix;
	p.owner = owner;
	p.state = PFX_ENABLED;
	p.node = true;
	p.created = p.changed = reg_now_s();
	rc = prefix_write(w, JRN_OP_INIT, &p);
	if (rc != IDR_OK) {
		return rc;
	}
	return reg_prefix_handle_create(w, prefix);
}

/* The rules of an enterprise prefix before any lookup. */
static int
add_check(const struct reg_wtxn *w, struct slice prefix, struct slice owner, int state)
{
	struct slice node = slice_cstr(w->reg->node_prefix);
	int rc;

	rc = ident_prefix_check(prefix);
	if (rc != IDR_OK) {
		return rc;
	}
	if (prefix.len > PFX_MAX_LEN) {
		return IDR_ELIMIT;
	}
	if (slice_caseeq(prefix, node)) {
		return IDR_EPFX_NODE;
	}
	if (!ident_prefix_is_below(prefix, node)) {
		return IDR_EPFX_NOTBELOW;
	}
	if (!state_valid(state)) {
		return IDR_EPFX_STATE;
	}
	return owner_check(owner);
}

int
reg_prefix_add(struct reg_wtxn *w, struct slice prefix, struct slice owner, int state,
               enum reg_outcome *outcome)
{
	struct pfx_info cur, p;
	int rc;

	if (w->failed != IDR_OK) {
		return w->failed;
	}
	rc = add_check(w, prefix, owner, state);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = pfx_lookup(w->txn, prefix, &cur);
	if (rc == IDR_OK) {
		if (!slice_eq(cur.owner, owner) || cur.state != state) {
			return IDR_ECONFLICT;
		}
		if (outcome != NULL) {
			*outcome = REG_UNCHANGED;
		}
		return IDR_OK;
	}
	if (rc != IDR_ENOENT) {
		return rc;
	}
	memset(&p, 0, sizeof(p));
	p.name = prefix;
	p.owner = owner;
	p.state = state;
	p.created = p.changed = reg_now_s();
	rc = prefix_write(w, JRN_OP_PREFIX, &p);
	if (rc == IDR_OK) {
		rc = reg_prefix_handle_create(w, prefix);
	}
	if (rc == IDR_OK && outcome != NULL) {
		*outcome = REG_CREATED;
	}
	return rc;
}

/* The hosted record of prefix for a change in w (borrowing store memory), after the checks
 * every change makes: a usable transaction, a valid prefix, hosted here. */
static int
hosted_get(struct reg_wtxn *w, struct slice prefix, struct pfx_info *p)
{
	int rc;

	if (w->failed != IDR_OK) {
		return w->failed;
	}
	rc = ident_prefix_check(prefix);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = pfx_lookup(w->txn, prefix, p);
	return rc == IDR_ENOENT ? IDR_EPFX_UNKNOWN : rc;
}

int
reg_prefix_set_state(struct reg_wtxn *w, struct slice prefix, int state)
{
	struct pfx_info p;
	int rc = hosted_get(w, prefix, &p);

	if ((rc == IDR_OK || rc == IDR_EPFX_UNKNOWN) && !state_valid(state)) {
		return IDR_EPFX_STATE;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (p.node) {
		return IDR_EPFX_NODE;
	}
	if (p.state == state) {
		return IDR_OK;
	}
	/* p borrows store memory: pfx_write encodes it before its first store write */
	p.state = state;
	p.changed = reg_now_s();
	return prefix_write(w, JRN_OP_PREFIX, &p);
}

int
reg_prefix_adopt_owner(struct reg_wtxn *w, struct slice prefix, struct slice owner,
                       struct slice *current, enum reg_outcome *outcome)
{
	struct pfx_info p;
	int rc = hosted_get(w, prefix, &p);

	if (rc == IDR_OK) {
		rc = owner_check(owner);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (current != NULL) {
		*current = p.owner;
	}
	if (slice_eq(p.owner, owner)) {
		*outcome = REG_UNCHANGED;
		return IDR_OK;
	}
	if (p.owner.len > 0) {
		return IDR_ECONFLICT;
	}
	/* p borrows store memory: pfx_write encodes it before its first store write */
	p.owner = owner;
	rc = prefix_write(w, JRN_OP_PREFIX, &p);
	if (rc == IDR_OK) {
		*outcome = REG_UPDATED;
	}
	return rc;
}

/* ---------------------------------------------------------------- onboarding */

/* The checks of an application's fields, before any lookup. */
static int
app_check(const struct reg_wtxn *w, const struct reg_prefix_app *a)
{
	int rc = add_check(w, a->prefix, a->owner, PFX_PENDING);

	if (rc != IDR_OK) {
		return rc;
	}
	if (a->owner.len == 0 || a->contact.len == 0) {
		return IDR_EINVAL;
	}
	rc = ent_uscc_check(a->uscc);
	if (rc == IDR_OK) {
		rc = ent_industry_check(a->industry);
	}
	if (rc == IDR_OK) {
		rc = text_field_check(a->contact, PFX_MAX_CONTACT);
	}
	return rc;
}

/* Is the pending record cur this very application (a retried request)? */
static bool
app_same(const struct pfx_info *cur, const struct reg_prefix_app *a, struct slice applicant)
{
	return cur->state == PFX_PENDING && slice_eq(cur->owner, a->owner) &&
	       slice_eq(cur->uscc, a->uscc) && slice_eq(cur->industry, a->industry) &&
	       slice_eq(cur->contact, a->contact) && slice_eq(cur->applicant, applicant);
}

int
reg_prefix_apply(struct reg_wtxn *w, const struct reg_prefix_app *a, enum reg_outcome *outcome)
{
	struct slice applicant = slice_cstr(w->identity);
	enum reg_outcome oc = REG_CREATED;
	struct pfx_info cur, p;
	int rc;

	if (w->failed != IDR_OK) {
		return w->failed;
	}
	rc = app_check(w, a);
	if (rc != IDR_OK) {
		return rc;
	}
	memset(&p, 0, sizeof(p));
	p.created = p.changed = p.applied = reg_now_s();
	rc = pfx_lookup(w->txn, a->prefix, &cur);
	if (rc == IDR_OK) {
		if (app_same(&cur, a, applicant)) {
			if (outcome != NULL) {
				*outcome = REG_UNCHANGED;
			}
			return IDR_OK;
		}
		if (cur.state != PFX_REJECTED || cur.node) {
			return IDR_EPFX_APPLIED;
		}
		p.created = cur.created; /* cur borrows store memory: only its numbers are kept */
		oc = REG_UPDATED;
	} else if (rc != IDR_ENOENT) {
		return rc;
	}
	p.name = a->prefix;
	p.owner = a->owner;
	p.state = PFX_PENDING;
	p.uscc = a->uscc;
	p.industry = a->industry;
	p.contact = a->contact;
	p.applicant = applicant;
	rc = prefix_write(w, JRN_OP_PREFIX, &p);
	if (rc == IDR_OK) {
		rc = reg_prefix_handle_create(w, a->prefix);
	}
	if (rc == IDR_OK && outcome != NULL) {
		*outcome = oc;
	}
	return rc;
}

/* Is identity ("index:handle") a handle under prefix (deciding on its own application)? */
static bool
identity_under(struct slice identity, struct slice prefix)
{
	const uint8_t *colon = memchr(identity.p, ':', identity.len);
	struct slice h;

	if (colon == NULL) {
		return false;
	}
	h = slice_make(colon + 1, identity.len - (size_t)(colon + 1 - identity.p));
	return h.len > prefix.len && h.p[prefix.len] == '/' &&
	       slice_caseeq(slice_make(h.p, prefix.len), prefix);
}

/* Bytes of a group's encoding: int4 count, each member's UTF8 handle and int4 index. */
static size_t
group_bytes(const struct value_ref *members, size_t n)
{
	size_t bytes = 4;

	for (size_t i = 0; i < n; i++) {
		bytes += 4 + members[i].handle.len + 4;
	}
	return bytes;
}

/*
 * The new data of the group at 0.NA/<prefix> index 300: the members there (if a group is)
 * plus admin, encoded into *out (heap, caller frees: the stored record may move once w
 * writes). @return IDR_OK, IDR_EPFX_ADMINSLOT, IDR_ELIMIT (group full) or a store error.
 */
static int
admin_group(struct reg_wtxn *w, struct slice na_handle, const struct value_ref *admin,
            uint8_t **out, size_t *len)
{
	struct value_ref *members = calloc(REG_ADMIN_GROUP_MAX + 1, sizeof(*members));
	uint8_t key[IDENT_HARD_MAX];
	struct slice stored, skey;
	struct rec_view view;
	struct value v;
	struct rbuf r;
	struct wbuf wb;
	size_t n = 0;
	bool found = false;
	int rc;

	if (members == NULL) {
		return IDR_ENOMEM;
	}
	ident_fold(na_handle.p, na_handle.len, key);
	rc = reg_key(slice_make(key, na_handle.len), key, &skey);
	if (rc == IDR_OK) {
		rc = store_get(w->txn, STORE_DB_HANDLES, skey, &stored);
	}
	if (rc == IDR_OK) {
		rc = rec_view_open(stored, &view);
	}
	rbuf_init(&r, rc == IDR_OK ? view.values.p : NULL, rc == IDR_OK ? view.values.len : 0);
	rc = rc == IDR_ENOENT ? IDR_OK : rc;
	while (rc == IDR_OK && !found && rec_value_next(&r, &v) == IDR_OK) {
		if (v.index != REG_ADMIN_KEY_INDEX) {
			continue;
		}
		found = true;
		if (!slice_caseeq(v.type, SLICE_LIT("HS_VLIST"))) {
			rc = IDR_EPFX_ADMINSLOT;
		} else if (value_vlist_decode(v.data, members, REG_ADMIN_GROUP_MAX, &n) != IDR_OK) {
			rc = IDR_ELIMIT;
		}
	}
	for (size_t i = 0; rc == IDR_OK && i < n; i++) {
		if (members[i].index == admin->index &&
		    slice_caseeq(members[i].handle, admin->handle)) {
			n--; /* already a member: written once, at the end */
			members[i] = members[n];
			i--;
		}
	}
	if (rc == IDR_OK) {
		members[n++] = *admin;
		*out = malloc(group_bytes(members, n));
		rc = *out == NULL ? IDR_ENOMEM : IDR_OK;
	}
	if (rc == IDR_OK) {
		wbuf_init(&wb, *out, group_bytes(members, n));
		value_vlist_encode(&wb, members, n);
		rc = wbuf_error(&wb);
		*len = wbuf_len(&wb);
	}
	free(members);
	return rc;
}

/* A value of the approval: index 300, type, data, the given permissions. */
static struct value
admin_value(struct slice type, struct slice data, uint8_t perms)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = REG_ADMIN_KEY_INDEX;
	v.timestamp = reg_now_s();
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = perms;
	v.type = type;
	v.data = data;
	return v;
}

/* The checks of a decision before anything is written. */
static int
decide_check(struct reg_wtxn *w, const struct reg_prefix_decision *d, const struct pfx_info *p)
{
	int rc;

	if (p->node) {
		return IDR_EPFX_NODE;
	}
	if (p->state != PFX_PENDING && p->state != PFX_REVIEWING) {
		return IDR_EPFX_UNDECIDED;
	}
	if (identity_under(slice_cstr(w->identity), d->prefix)) {
		return IDR_EDENIED;
	}
	rc = text_field_check(d->reason, PFX_MAX_REASON);
	if (rc != IDR_OK || !d->approve) {
		return rc;
	}
	if ((!slice_eq(d->key_type, SLICE_LIT("HS_PUBKEY")) &&
	     !slice_eq(d->key_type, SLICE_LIT("HS_SECKEY"))) ||
	    d->key_data.len == 0) {
		return IDR_EINVAL;
	}
	return d->key_data.len > VALUE_MAX_ARRAY ? IDR_ELIMIT : IDR_OK;
}

/* Approval after the prefix record: the administrator's key and its group. */
static int
approve_admin(struct reg_wtxn *w, const struct reg_prefix_decision *d, struct slice admin,
              struct slice na_handle, struct slice group)
{
	struct value key = admin_value(d->key_type, d->key_data,
	                               VALUE_PERM_ADMIN_READ | VALUE_PERM_ADMIN_WRITE);
	struct value grp = admin_value(SLICE_LIT("HS_VLIST"), group, VALUE_PERM_DEFAULT);
	int rc = reg_create(w, admin, REC_KIND_NONE, &key, 1, 0, NULL);

	if (rc == IDR_ECONFLICT) {
		rc = reg_set_values(w, admin, &key, 1, NULL);
	}
	if (rc == IDR_OK) {
		rc = reg_set_values(w, na_handle, &grp, 1, NULL);
	}
	return rc;
}

int
reg_prefix_decide(struct reg_wtxn *w, const struct reg_prefix_decision *d)
{
	char admin[PFX_MAX_LEN + sizeof(REG_ADMIN_SUFFIX) + 1];
	char na[PFX_MAX_LEN + sizeof(IDENT_ZERO_NA) + 1];
	struct value_ref ref;
	uint8_t *group = NULL;
	size_t glen = 0;
	struct pfx_info p;
	int rc = hosted_get(w, d->prefix, &p);

	if (rc == IDR_OK) {
		rc = decide_check(w, d, &p);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (d->prefix.len > PFX_MAX_LEN) {
		return IDR_ELIMIT;
	}
	snprintf(admin, sizeof(admin), "%.*s/" REG_ADMIN_SUFFIX, (int)d->prefix.len,
	         (const char *)d->prefix.p);
	rc = ident_zero_na(d->prefix, na, sizeof(na));
	if (rc == IDR_OK && d->approve) {
		ref.handle = slice_cstr(admin);
		ref.index = REG_ADMIN_KEY_INDEX;
		rc = admin_group(w, slice_cstr(na), &ref, &group, &glen);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	/* p borrows store memory: prefix_write encodes it before its first store write */
	p.state = d->approve ? PFX_ENABLED : PFX_REJECTED;
	p.changed = p.decided = reg_now_s();
	p.decided_by = slice_cstr(w->identity);
	p.reason = d->reason;
	rc = prefix_write(w, JRN_OP_PREFIX, &p);
	if (rc == IDR_OK && d->approve) {
		rc = approve_admin(w, d, slice_cstr(admin), slice_cstr(na),
		                   slice_make(group, glen));
		rc = reg_wtxn_fail(w, rc); /* never half an approval */
	}
	free(group);
	return rc;
}

/* ---------------------------------------------------------------- reads */

int
reg_prefix_get(struct reg_rtxn *t, struct slice prefix, struct pfx_info *out)
{
	int rc = ident_prefix_check(prefix);

	if (rc != IDR_OK) {
		return rc;
	}
	return pfx_lookup(t->txn, prefix, out);
}

int
reg_prefix_check(struct reg_rtxn *t, struct slice prefix)
{
	return pfx_served(t->txn, prefix);
}

int
reg_prefix_list(struct reg_rtxn *t, pfx_fn cb, void *arg)
{
	return pfx_list(t->txn, cb, arg);
}
