/* nodeop.c - one change to the nodes of a top level (nodeop.h). */
#include "fed/nodeop.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "base/rbuf.h"
#include "base/wbuf.h"
#include "fed/node.h"
#include "fed/takeover.h"
#include "hdl/hdl.h"
#include "model/ident.h"
#include "model/value.h"

static void say(struct nodeop *op, enum nodeop_why why, const char *fmt, ...) IDR_PRINTF(3, 4);

static void
say(struct nodeop *op, enum nodeop_why why, const char *fmt, ...)
{
	va_list ap;

	op->why = why;
	va_start(ap, fmt);
	(void)vsnprintf(op->msg, sizeof(op->msg), fmt, ap);
	va_end(ap);
}

/* A slice into a NUL-terminated field of cap bytes (no NUL inside). */
static int
copy_field(char *field, size_t cap, struct slice s)
{
	if (s.len >= cap || (s.len > 0 && memchr(s.p, '\0', s.len) != NULL)) {
		return IDR_EINVAL;
	}
	if (s.len > 0) {
		memcpy(field, s.p, s.len);
	}
	field[s.len] = '\0';
	return IDR_OK;
}

int
nodeop_init(struct nodeop *op, enum nodeop_kind kind, struct slice prefix, uint32_t now)
{
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->now = now;
	op->outcome = REG_UNCHANGED;
	if (prefix.len == 0 || copy_field(op->prefix, sizeof(op->prefix), prefix) != IDR_OK) {
		op->why = NODEOP_WHY_INPUT;
		snprintf(op->msg, sizeof(op->msg),
		         "a node prefix is 1 to %d bytes without NUL characters", PFX_MAX_LEN);
		return IDR_EINVAL;
	}
	return IDR_OK;
}

int
nodeop_set_site(struct nodeop *op, const char *list)
{
	struct wbuf w;

	wbuf_init(&w, op->site, sizeof(op->site));
	if (node_site_build(&w, list, 1) != IDR_OK || wbuf_error(&w) != IDR_OK) {
		op->why = NODEOP_WHY_INPUT;
		snprintf(op->msg, sizeof(op->msg),
		         "site %.200s: give IP:PORT[,IP:PORT...] (IPv6 as [addr]:port), at most %d "
		         "servers",
		         list, NODE_MAX_SITES);
		op->site_len = 0;
		return IDR_EINVAL;
	}
	op->site_len = wbuf_len(&w);
	return IDR_OK;
}

int
nodeop_set_key(struct nodeop *op, struct slice hs_pubkey)
{
	struct crypto_key *k = NULL;

	if (hs_pubkey.len > sizeof(op->key)) {
		say(op, NODEOP_WHY_INPUT, "the node key is longer than %s bytes", "4096");
		return IDR_ELIMIT;
	}
	if (hs_pubkey.len == 0 ||
	    crypto_key_from_hs_pubkey(&k, hs_pubkey.p, hs_pubkey.len) != IDR_OK) {
		say(op, NODEOP_WHY_INPUT, "%s",
		    "the node key is no HS_PUBKEY encoding of an RSA or SM2 public key");
		return IDR_EINVAL;
	}
	crypto_key_free(k);
	memcpy(op->key, hs_pubkey.p, hs_pubkey.len);
	op->key_len = hs_pubkey.len;
	return IDR_OK;
}

int
nodeop_set_owner(struct nodeop *op, struct slice owner)
{
	if (copy_field(op->owner, sizeof(op->owner), owner) != IDR_OK) {
		op->why = NODEOP_WHY_INPUT;
		snprintf(op->msg, sizeof(op->msg),
		         "the owner is at most %d bytes without NUL characters", PFX_MAX_OWNER);
		return IDR_ELIMIT;
	}
	return IDR_OK;
}

/* The top level's own HS_SITE (the first in 0.NA/<op->top>) into op->site. */
static int
own_site(struct nodeop *op, struct reg_wtxn *w)
{
	char handle[PFX_MAX_LEN + sizeof("0.NA/")];
	struct rec_view rec;
	struct slice clump;
	struct value v;
	struct rbuf b;
	int rc;

	if (op->top[0] == '\0' ||
	    ident_zero_na(slice_cstr(op->top), handle, sizeof(handle)) != IDR_OK) {
		return IDR_ENOENT;
	}
	rc = reg_write_get(w, slice_cstr(handle), &rec);
	if (rc != IDR_OK) {
		return rc == IDR_EPROTO ? rc : IDR_ENOENT;
	}
	rbuf_init(&b, rec.values.p, rec.values.len);
	while (hdl_clump_next(&b, &v, &clump) == IDR_OK) {
		if (slice_caseeq_cstr(v.type, "HS_SITE")) {
			if (v.data.len > sizeof(op->site)) {
				return IDR_ELIMIT;
			}
			memcpy(op->site, v.data.p, v.data.len);
			op->site_len = v.data.len;
			return IDR_OK;
		}
	}
	return IDR_ENOENT;
}

static int
apply_add(struct nodeop *op, struct reg_wtxn *w)
{
	char owner[PFX_MAX_LEN + 8];
	struct node_spec s;
	int rc;

	if (op->key_len == 0) {
		say(op, NODEOP_WHY_INPUT, "%s", "the node key is missing");
		return IDR_EINVAL;
	}
	snprintf(owner, sizeof(owner), "node %s", op->prefix);
	s.prefix = slice_cstr(op->prefix);
	s.owner = slice_cstr(op->owner[0] != '\0' ? op->owner : owner);
	s.pubkey = slice_make(op->key, op->key_len);
	s.site = slice_make(op->site, op->site_len);
	rc = node_add(w, &s, &op->outcome);
	if (rc == IDR_OK) {
		snprintf(op->msg, sizeof(op->msg),
		         "%s node %s: identity 300:0.NA/%s may maintain its prefix record 0.NA/%s",
		         op->outcome == REG_CREATED   ? "added"
		         : op->outcome == REG_UPDATED ? "updated"
		                                      : "unchanged",
		         op->prefix, op->prefix, op->prefix);
	} else if (rc == IDR_ECONFLICT) {
		say(op, NODEOP_WHY_CONFLICT,
		    "%s is hosted here with another owner (a prefix, not a node of this top level)",
		    op->prefix);
	} else if (rc == IDR_ESTORE || rc == IDR_ENOSPC || rc == IDR_EIO || rc == IDR_ENOMEM) {
		op->why = NODEOP_WHY_STORE;
		snprintf(op->msg, sizeof(op->msg), "%s: %s", op->prefix, reg_write_strerror(rc));
	} else {
		op->why = NODEOP_WHY_INPUT;
		snprintf(op->msg, sizeof(op->msg), "%s: %s", op->prefix, reg_write_strerror(rc));
	}
	return rc;
}

static int
apply_takeover(struct nodeop *op, struct reg_wtxn *w)
{
	bool begin = op->kind == NODEOP_TAKEOVER;
	struct takeover_info ti;
	struct slice p = slice_cstr(op->prefix);
	int rc = takeover_peek(w, p, &ti);

	if (rc == IDR_ENOENT) {
		say(op, NODEOP_WHY_NO_NODE, "%s is no node of this top level (see idr node list)",
		    op->prefix);
		return rc;
	}
	if (rc == IDR_OK && begin && ti.active) {
		say(op, NODEOP_WHY_TAKEN,
		    "%s is already taken over (idr node release hands it back)", op->prefix);
		return IDR_ESTATE;
	}
	if (rc == IDR_OK && !begin && !ti.active) {
		say(op, NODEOP_WHY_NOT_TAKEN, "%s is not taken over: nothing to release",
		    op->prefix);
		return IDR_ESTATE;
	}
	if (rc == IDR_OK && begin && !op->backup) {
		say(op, NODEOP_WHY_NO_BACKUP,
		    "this top level has no backup copy of node %s (a `backup` line in its "
		    "configuration), so it could not serve its records: not taken over",
		    op->prefix);
		return IDR_ENOENT;
	}
	if (rc == IDR_OK && begin && op->site_len == 0 && own_site(op, w) != IDR_OK) {
		op->why = NODEOP_WHY_NO_SITE;
		snprintf(op->msg, sizeof(op->msg),
		         "this top level has no HS_SITE in its prefix record 0.NA/%s: give its "
		         "servers (--site IP:PORT,...)",
		         op->top[0] != '\0' ? op->top : "?");
		return IDR_ENOENT;
	}
	if (rc == IDR_OK) {
		rc = begin ? takeover_begin(w, p, slice_make(op->site, op->site_len), op->now)
		           : takeover_release(w, p, op->now);
	}
	if (rc == IDR_OK) {
		snprintf(op->msg, sizeof(op->msg),
		         begin ? "took over node %s: its prefix record points at this top level, "
		                 "which serves the node's records from its backup copy, read-only"
		               : "released node %s: its prefix record points at the node again",
		         op->prefix);
		return IDR_OK;
	}
	op->why = rc == IDR_EINVAL ? NODEOP_WHY_INPUT : NODEOP_WHY_STORE;
	snprintf(op->msg, sizeof(op->msg), "%s: %s", op->prefix, reg_write_strerror(rc));
	return rc;
}

int
nodeop_apply(struct nodeop *op, struct reg_wtxn *w)
{
	op->why = NODEOP_WHY_NONE;
	op->msg[0] = '\0';
	if (op->kind == NODEOP_ADD) {
		return apply_add(op, w);
	}
	return apply_takeover(op, w);
}

const char *
nodeop_message(struct nodeop *op, int rc)
{
	if (op->msg[0] == '\0' || (rc != IDR_OK && op->why == NODEOP_WHY_NONE)) {
		op->why = rc == IDR_OK ? NODEOP_WHY_NONE : NODEOP_WHY_STORE;
		snprintf(op->msg, sizeof(op->msg), "%s: %s", op->prefix,
		         rc == IDR_OK ? "done" : reg_write_strerror(rc));
	}
	return op->msg;
}

int
nodeop_http_status(const struct nodeop *op, int rc)
{
	if (rc == IDR_OK) {
		return op->kind == NODEOP_ADD && op->outcome == REG_CREATED ? 201 : 200;
	}
	switch (op->why) {
	case NODEOP_WHY_INPUT:
		return 400;
	case NODEOP_WHY_NO_NODE:
		return 404;
	case NODEOP_WHY_NO_BACKUP:
	case NODEOP_WHY_NO_SITE:
	case NODEOP_WHY_TAKEN:
	case NODEOP_WHY_NOT_TAKEN:
	case NODEOP_WHY_CONFLICT:
		return 409;
	default:
		return rc == IDR_EAGAIN ? 503 : 500;
	}
}
