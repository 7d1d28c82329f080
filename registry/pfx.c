/*
 * pfx.c - hosted prefixes: states, the prefix record codec and lookups in the `prefixes`
 * database (pfx.h). The operations that add prefixes and change their state are the
 * registry's (reg_prefix.c), under these rules:
 *
 * Rules: an enterprise prefix must be syntactically valid (ident_prefix_check) and strictly
 * beneath the node prefix (IDR_EPFX_NOTBELOW; the node prefix itself is IDR_EPFX_NODE), its
 * at most PFX_MAX_LEN bytes (IDR_ELIMIT), state 0..5 (IDR_EPFX_STATE), its owner UTF-8
 * without control characters (IDR_EUTF8, IDR_ECTRL) of at most PFX_MAX_OWNER bytes (IDR_ELIMIT).
 * Adding a prefix that is already hosted with the same owner and state is REG_UNCHANGED; with any
 * difference IDR_ECONFLICT (state changes go through reg_prefix_set_state, an owner for a prefix
 * without one through reg_prefix_adopt_owner). Adding one writes the
 * prefix record (journal JRN_OP_PREFIX) and its prefix handle 0.NA/<prefix> (journal
 * JRN_OP_CREATE), whatever the state: prefix handles live under 0.NA, which this node serves for
 * its own prefixes. Setting the state it already has writes nothing.
 */
#include "pfx.h"

#include <string.h>

#include "base/num.h"
#include "base/rbuf.h"
#include "model/ident.h"
#include "model/vjson.h"
#include "store/store.h"

static const char *const state_names[] = {"disabled", "enabled", "deleting",
                                          "rejected", "pending", "reviewing"};
static const char *const state_labels[] = {"停用", "启用", "待删除", "被驳回", "待审核", "审核中"};

#define NSTATES ((int)(sizeof(state_names) / sizeof(state_names[0])))

static bool
state_valid(int state)
{
	return state >= PFX_DISABLED && state <= PFX_REVIEWING;
}

const char *
pfx_state_name(int state)
{
	return state_valid(state) ? state_names[state] : NULL;
}

const char *
pfx_state_label(int state)
{
	return state_valid(state) ? state_labels[state] : NULL;
}

int
pfx_state_parse(const char *s, int *state)
{
	uint64_t n;
	int i;

	if (s == NULL) {
		return IDR_EPFX_STATE;
	}
	if (num_parse_u64(s, PFX_DISABLED, PFX_REVIEWING, &n) == IDR_OK) {
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

bool
pfx_has_application(const struct pfx_info *p)
{
	return p->uscc.len > 0 || p->industry.len > 0 || p->contact.len > 0 ||
	       p->applicant.len > 0 || p->applied != 0 || p->decided_by.len > 0 ||
	       p->reason.len > 0 || p->decided != 0;
}

int
pfx_encode(struct wbuf *w, const struct pfx_info *p)
{
	bool app = pfx_has_application(p);

	if (!state_valid(p->state)) {
		return IDR_EPFX_STATE;
	}
	if (p->name.len > IDENT_HARD_MAX || p->owner.len > PFX_MAX_OWNER ||
	    p->uscc.len > ENT_USCC_LEN || p->industry.len > ENT_INDUSTRY_MAX ||
	    p->contact.len > PFX_MAX_CONTACT || p->applicant.len > PFX_MAX_IDENTITY ||
	    p->decided_by.len > PFX_MAX_IDENTITY || p->reason.len > PFX_MAX_REASON) {
		return IDR_ELIMIT;
	}
	wbuf_u8(w, app ? PFX_FORMAT_APP : PFX_FORMAT);
	wbuf_u8(w, (uint8_t)p->state);
	wbuf_u8(w, p->node ? PFX_FLAG_NODE : 0);
	wbuf_u8(w, 0);
	wbuf_u64(w, p->created);
	wbuf_u64(w, p->changed);
	wbuf_slice_str(w, p->name);
	wbuf_slice_str(w, p->owner);
	if (app) {
		wbuf_slice_str(w, p->uscc);
		wbuf_slice_str(w, p->industry);
		wbuf_slice_str(w, p->contact);
		wbuf_slice_str(w, p->applicant);
		wbuf_u64(w, p->applied);
		wbuf_slice_str(w, p->decided_by);
		wbuf_slice_str(w, p->reason);
		wbuf_u64(w, p->decided);
	}
	return wbuf_error(w);
}

/* The application part of a format 2 record. */
static void
decode_app(struct rbuf *r, struct pfx_info *p)
{
	p->uscc = rbuf_str(r, ENT_USCC_LEN);
	p->industry = rbuf_str(r, ENT_INDUSTRY_MAX);
	p->contact = rbuf_str(r, PFX_MAX_CONTACT);
	p->applicant = rbuf_str(r, PFX_MAX_IDENTITY);
	p->applied = rbuf_u64(r);
	p->decided_by = rbuf_str(r, PFX_MAX_IDENTITY);
	p->reason = rbuf_str(r, PFX_MAX_REASON);
	p->decided = rbuf_u64(r);
}

int
pfx_decode(struct slice stored, struct pfx_info *out)
{
	struct pfx_info p;
	struct rbuf r;
	uint8_t format, flags, reserved;

	memset(&p, 0, sizeof(p));
	rbuf_init(&r, stored.p, stored.len);
	format = rbuf_u8(&r);
	if (format != PFX_FORMAT && format != PFX_FORMAT_APP) {
		return rbuf_error(&r) != IDR_OK ? rbuf_error(&r) : IDR_ESCHEMA;
	}
	p.state = rbuf_u8(&r);
	flags = rbuf_u8(&r);
	reserved = rbuf_u8(&r);
	p.created = rbuf_u64(&r);
	p.changed = rbuf_u64(&r);
	p.name = rbuf_str(&r, IDENT_HARD_MAX);
	p.owner = rbuf_str(&r, PFX_MAX_OWNER);
	if (format == PFX_FORMAT_APP) {
		decode_app(&r, &p);
	}
	if (rbuf_error(&r) != IDR_OK) {
		return rbuf_error(&r);
	}
	if (rbuf_left(&r) != 0 || !state_valid(p.state) || (flags & ~PFX_FLAG_NODE) != 0 ||
	    reserved != 0 || (format == PFX_FORMAT_APP && !pfx_has_application(&p))) {
		return IDR_EPROTO; /* format 2 without an application is never written */
	}
	p.node = (flags & PFX_FLAG_NODE) != 0;
	*out = p;
	return IDR_OK;
}

/* ,"key":"value" */
static void
json_member(struct wbuf *w, const char *key, struct slice value)
{
	wbuf_printf(w, ",\"%s\":", key);
	vjson_write_str(w, value);
}

/* ,"key":"time" (null for 0) */
static void
json_time(struct wbuf *w, const char *key, uint64_t t)
{
	char when[VJSON_TIME_LEN];

	if (t == 0) {
		wbuf_printf(w, ",\"%s\":null", key);
		return;
	}
	vjson_time_format((uint32_t)t, when);
	wbuf_printf(w, ",\"%s\":\"%s\"", key, when);
}

int
pfx_json(struct wbuf *w, const struct pfx_info *p)
{
	if (!state_valid(p->state)) {
		return IDR_EPFX_STATE;
	}
	wbuf_cstr(w, "{\"prefix\":");
	vjson_write_str(w, p->name);
	json_member(w, "owner", p->owner);
	wbuf_printf(w, ",\"state\":%d,\"state_name\":\"%s\",\"state_label\":\"%s\",\"node\":%s",
	            p->state, state_names[p->state], state_labels[p->state],
	            p->node ? "true" : "false");
	json_time(w, "created", p->created);
	json_time(w, "changed", p->changed);
	if (pfx_has_application(p)) {
		json_member(w, "credit_code", p->uscc);
		json_member(w, "industry", p->industry);
		json_member(w, "contact", p->contact);
		json_member(w, "applicant", p->applicant);
		json_time(w, "applied", p->applied);
		json_member(w, "decided_by", p->decided_by);
		json_member(w, "reason", p->reason);
		json_time(w, "decided", p->decided);
	}
	wbuf_cstr(w, "}");
	return wbuf_error(w);
}

/* ---------------------------------------------------------------- lookups */

int
pfx_lookup(struct store_txn *t, struct slice prefix, struct pfx_info *out)
{
	uint8_t key[PFX_MAX_LEN];
	struct slice v;
	int rc;

	if (prefix.len == 0 || prefix.len > PFX_MAX_LEN) {
		return IDR_ENOENT; /* longer ones are never hosted */
	}
	ident_fold(prefix.p, prefix.len, key);
	rc = store_get(t, STORE_DB_PREFIXES, slice_make(key, prefix.len), &v);
	if (rc != IDR_OK) {
		return rc;
	}
	return pfx_decode(v, out);
}

int
pfx_served(struct store_txn *t, struct slice prefix)
{
	struct pfx_info p;
	int rc = pfx_lookup(t, prefix, &p);

	if (rc == IDR_ENOENT) {
		return IDR_EPFX_UNKNOWN;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	return p.state == PFX_ENABLED ? IDR_OK : IDR_EPFX_DISABLED;
}

int
pfx_list(struct store_txn *t, pfx_fn cb, void *arg)
{
	struct store_cursor *c;
	struct pfx_info p;
	struct slice k, v;
	int rc;

	rc = store_cursor_open(t, STORE_DB_PREFIXES, &c);
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
