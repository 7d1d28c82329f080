/*
 * reg_prefix.c - the prefix operations of the registry (reg.h): hosting enterprise prefixes
 * and changing their state, journaled, each with its prefix handle 0.NA/<prefix>; the hosting
 * check of record writes (cached per transaction); reads. The record format and the lookups
 * are pfx.c's; the rules are listed there.
 */
#include "reg.h"

#include <string.h>

#include "base/text.h"
#include "jrn.h"
#include "model/ident.h"
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

static int
owner_check(struct slice owner)
{
	bool ctrl = false;

	if (owner.len > PFX_MAX_OWNER) {
		return IDR_ELIMIT;
	}
	if (text_utf8_check(owner.p, owner.len, NULL, &ctrl) != IDR_OK) {
		return IDR_EUTF8;
	}
	return ctrl ? IDR_ECTRL : IDR_OK;
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
