/*
 * pfx.c - hosted prefixes: the prefix record codec (pfx.h) and the prefix half of reg.h
 * (reg_prefix_add/set_state/get/check/list, state names).
 *
 * Rules: an enterprise prefix must be syntactically valid (ident_prefix_check) and strictly
 * beneath the node prefix (IDR_EPFX_NOTBELOW; the node prefix itself is IDR_EPFX_NODE), its
 * at most REG_MAX_PREFIX_LEN bytes (IDR_ELIMIT), state 0..5 (IDR_EPFX_STATE), its owner UTF-8
 * without control characters (IDR_EUTF8, IDR_ECTRL) of at most PFX_MAX_OWNER bytes (IDR_ELIMIT).
 * Adding a prefix that is already hosted with the same owner and state is REG_UNCHANGED; with any
 * difference IDR_ECONFLICT (state changes go through reg_prefix_set_state). Adding one writes the
 * prefix record (journal REG_JOP_PREFIX) and its prefix handle 0.NA/<prefix> (journal
 * REG_JOP_CREATE), whatever the state: prefix handles live under 0.NA, which this node serves for
 * its own prefixes. Setting the state it already has writes nothing.
 */
#include "pfx.h"

#include <string.h>

#include "base/num.h"
#include "base/rbuf.h"
#include "base/text.h"
#include "jrn.h"
#include "model/ident.h"
#include "reg_int.h"
#include "store/store.h"

static const char *const state_names[] = {"disabled", "enabled", "deleting",
                                          "rejected", "pending", "reviewing"};
static const char *const state_labels[] = {"停用", "启用", "待删除", "被驳回", "待审核", "审核中"};

#define NSTATES ((int)(sizeof(state_names) / sizeof(state_names[0])))

static bool
state_valid(int state)
{
	return state >= REG_PFX_DISABLED && state <= REG_PFX_REVIEWING;
}

const char *
reg_pfx_state_name(int state)
{
	return state_valid(state) ? state_names[state] : NULL;
}

const char *
reg_pfx_state_label(int state)
{
	return state_valid(state) ? state_labels[state] : NULL;
}

int
reg_pfx_state_parse(const char *s, int *state)
{
	uint64_t n;
	int i;

	if (s == NULL) {
		return IDR_EPFX_STATE;
	}
	if (num_parse_u64(s, REG_PFX_DISABLED, REG_PFX_REVIEWING, &n) == IDR_OK) {
		*state = (int)n;
		return IDR_OK;
	}
	for (i = 0; i < NSTATES; i++) {
		if (slice_caseeq_cstr(slice_cstr(s), state_names[i]) ||
		    strcmp(s, state_labels[i]) == 0) {
			*state = i;
			return IDR_OK;
		}
	}
	return IDR_EPFX_STATE;
}

/* ---------------------------------------------------------------- codec */

int
pfx_encode(struct wbuf *w, const struct reg_prefix *p)
{
	if (!state_valid(p->state)) {
		return IDR_EPFX_STATE;
	}
	if (p->name.len > IDENT_HARD_MAX || p->owner.len > PFX_MAX_OWNER) {
		return IDR_ELIMIT;
	}
	wbuf_u8(w, PFX_FORMAT);
	wbuf_u8(w, (uint8_t)p->state);
	wbuf_u8(w, p->node ? PFX_FLAG_NODE : 0);
	wbuf_u8(w, 0);
	wbuf_u64(w, p->created);
	wbuf_u64(w, p->changed);
	wbuf_slice_str(w, p->name);
	wbuf_slice_str(w, p->owner);
	return wbuf_error(w);
}

int
pfx_decode(struct slice stored, struct reg_prefix *out)
{
	struct reg_prefix p;
	struct rbuf r;
	uint8_t flags, reserved;

	rbuf_init(&r, stored.p, stored.len);
	if (rbuf_u8(&r) != PFX_FORMAT) {
		return rbuf_error(&r) != IDR_OK ? rbuf_error(&r) : IDR_ESCHEMA;
	}
	p.state = rbuf_u8(&r);
	flags = rbuf_u8(&r);
	reserved = rbuf_u8(&r);
	p.created = rbuf_u64(&r);
	p.changed = rbuf_u64(&r);
	p.name = rbuf_str(&r, IDENT_HARD_MAX);
	p.owner = rbuf_str(&r, PFX_MAX_OWNER);
	if (rbuf_error(&r) != IDR_OK) {
		return rbuf_error(&r);
	}
	if (rbuf_left(&r) != 0 || !state_valid(p.state) || (flags & ~PFX_FLAG_NODE) != 0 ||
	    reserved != 0) {
		return IDR_EPROTO;
	}
	p.node = (flags & PFX_FLAG_NODE) != 0;
	*out = p;
	return IDR_OK;
}

/* ---------------------------------------------------------------- lookups */

/* Hosted prefix record by name (any case); IDR_ENOENT if not hosted. */
static int
pfx_lookup(struct store_txn *t, struct slice prefix, struct reg_prefix *out)
{
	uint8_t key[REG_MAX_PREFIX_LEN];
	struct slice v;
	int rc;

	if (prefix.len == 0 || prefix.len > REG_MAX_PREFIX_LEN) {
		return IDR_ENOENT; /* longer ones are never hosted */
	}
	ident_fold(prefix.p, prefix.len, key);
	rc = store_get(t, STORE_DB_PREFIXES, slice_make(key, prefix.len), &v);
	if (rc != IDR_OK) {
		return rc;
	}
	return pfx_decode(v, out);
}

static int
state_rule(const struct reg_prefix *p)
{
	return p->state == REG_PFX_ENABLED ? IDR_OK : IDR_EPFX_DISABLED;
}

int
pfx_served(struct reg_wtxn *w, struct slice prefix)
{
	uint8_t key[REG_MAX_PREFIX_LEN];
	struct reg_prefix p;
	int rc;

	if (prefix.len == 0 || prefix.len > REG_MAX_PREFIX_LEN) {
		return IDR_EPFX_UNKNOWN;
	}
	ident_fold(prefix.p, prefix.len, key);
	if (w->pfx_cached && w->pfx_len == prefix.len && memcmp(w->pfx_key, key, prefix.len) == 0) {
		return w->pfx_rc;
	}
	rc = pfx_lookup(w->txn, prefix, &p);
	if (rc == IDR_ENOENT) {
		rc = IDR_EPFX_UNKNOWN;
	} else if (rc == IDR_OK) {
		rc = state_rule(&p);
	} else {
		return rc; /* store or decode failure: not a property of the prefix, no caching */
	}
	memcpy(w->pfx_key, key, prefix.len);
	w->pfx_len = prefix.len;
	w->pfx_rc = rc;
	w->pfx_cached = true;
	return rc;
}

/* ---------------------------------------------------------------- writes */

/* Write a prefix record and its journal entry (op REG_JOP_INIT or REG_JOP_PREFIX). */
static int
pfx_write(struct reg_wtxn *w, int op, const struct reg_prefix *p)
{
	uint8_t key[REG_MAX_PREFIX_LEN];
	struct slice payload;
	size_t mark;
	int rc;

	mark = jrn_change_begin(&w->chg, op, p->name);
	rc = pfx_encode(&w->chg, p);
	payload = jrn_change_end(&w->chg, mark);
	if (rc != IDR_OK) {
		return rc;
	}
	if (p->name.len > REG_MAX_PREFIX_LEN) {
		return IDR_ELIMIT;
	}
	ident_fold(p->name.p, p->name.len, key);
	rc = store_put(w->txn, STORE_DB_PREFIXES, slice_make(key, p->name.len), payload, 0, NULL);
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	w->pfx_cached = false;
	return jrn_append(w);
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
pfx_host_node(struct reg_wtxn *w, struct slice prefix, struct slice owner)
{
	struct reg_prefix p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.name = prefix;
	p.owner = owner;
	p.state = REG_PFX_ENABLED;
	p.node = true;
	p.created = p.changed = reg_now_s();
	rc = pfx_write(w, REG_JOP_INIT, &p);
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
	if (prefix.len > REG_MAX_PREFIX_LEN) {
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
	struct reg_prefix cur, p;
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
	rc = pfx_write(w, REG_JOP_PREFIX, &p);
	if (rc == IDR_OK) {
		rc = reg_prefix_handle_create(w, prefix);
	}
	if (rc == IDR_OK && outcome != NULL) {
		*outcome = REG_CREATED;
	}
	return rc;
}

int
reg_prefix_set_state(struct reg_wtxn *w, struct slice prefix, int state)
{
	struct reg_prefix p;
	int rc;

	if (w->failed != IDR_OK) {
		return w->failed;
	}
	rc = ident_prefix_check(prefix);
	if (rc != IDR_OK) {
		return rc;
	}
	if (!state_valid(state)) {
		return IDR_EPFX_STATE;
	}
	rc = pfx_lookup(w->txn, prefix, &p);
	if (rc == IDR_ENOENT) {
		return IDR_EPFX_UNKNOWN;
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
	return pfx_write(w, REG_JOP_PREFIX, &p);
}

/* ---------------------------------------------------------------- reads */

int
reg_prefix_get(struct reg_rtxn *t, struct slice prefix, struct reg_prefix *out)
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
	struct reg_prefix p;
	int rc = pfx_lookup(t->txn, prefix, &p);

	if (rc == IDR_ENOENT) {
		return IDR_EPFX_UNKNOWN;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	return state_rule(&p);
}

int
reg_prefix_list(struct reg_rtxn *t, reg_prefix_fn cb, void *arg)
{
	struct store_cursor *c;
	struct reg_prefix p;
	struct slice k, v;
	int rc;

	rc = store_cursor_open(t->txn, STORE_DB_PREFIXES, &c);
	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_first(c, &k, &v); rc == IDR_OK; rc = store_cursor_next(c, &k, &v)) {
		rc = pfx_decode(v, &p);
		if (rc != IDR_OK) {
			break;
		}
		rc = cb(arg, &p);
		if (rc != 0) {
			break;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}
