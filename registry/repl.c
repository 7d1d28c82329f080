/*
 * repl.c - journal frames and applying shipped journal entries (repl.h). Redoing a change
 * writes the same databases the registry's own write path writes (reg.c, reg_prefix.c,
 * reg_tmpl.c, reg_event.c, reg_alias.c), from the stored bytes the entry carries.
 */
#include "repl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/crypto.h"
#include "base/log.h"
#include "life/capture.h"
#include "model/ident.h"
#include "model/rec.h"
#include "model/tmpl.h"
#include "pfx.h"
#include "reg_int.h"
#include "store/store.h"

int
repl_frame_next(struct rbuf *r, struct repl_frame *out)
{
	struct rbuf t = *r;
	uint64_t seq;
	uint32_t len;

	if (rbuf_left(&t) < REPL_FRAME_HEAD) {
		return IDR_EAGAIN;
	}
	seq = rbuf_u64(&t);
	len = rbuf_u32(&t);
	if (len == 0 || len > REPL_ENTRY_MAX) {
		return IDR_ELIMIT;
	}
	if (rbuf_left(&t) < len) {
		return IDR_EAGAIN;
	}
	out->seq = seq;
	out->value = rbuf_bytes(&t, len);
	*r = t;
	return IDR_OK;
}

int
repl_copy_open(struct slice body, uint64_t *head, struct slice *frames)
{
	struct rbuf r;

	if (body.len < 8) {
		return IDR_EPROTO;
	}
	rbuf_init(&r, body.p, 8);
	*head = rbuf_u64(&r);
	*frames = slice_make(body.p + 8, body.len - 8);
	return IDR_OK;
}

void
repl_frame_put(struct wbuf *w, uint64_t seq, struct slice value)
{
	wbuf_u64(w, seq);
	wbuf_u32(w, (uint32_t)value.len);
	wbuf_bytes(w, value.p, value.len);
}

static int refuse(char *why, const char *fmt, ...) IDR_PRINTF(2, 3);

static int
refuse(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, REPL_WHY_MAX, fmt, ap);
	va_end(ap);
	return IDR_EJOURNAL;
}

/* ---------------------------------------------------------------- redoing changes */

/* The stored key of a record and the length of its folded prefix. */
static int
record_key(struct slice id, uint8_t *buf, struct slice *key, size_t *prefix_len)
{
	const struct ident_opts o = {IDENT_HARD_MAX, false};
	struct ident ident;
	int rc = ident_parse(&ident, id.p, id.len, &o);

	if (rc != IDR_OK) {
		return rc;
	}
	ident_fold(id.p, id.len, buf);
	*prefix_len = ident.prefix.len;
	return reg_key(slice_make(buf, id.len), buf, key);
}

static uint8_t
kind_of(struct slice stored)
{
	return stored.len > 1 && stored.p[1] < REC_KIND_COUNT ? stored.p[1] : REC_KIND_NONE;
}

/* A record after create / add / modify / remove values: the payload is the whole record. */
static int
redo_record(struct reg_wtxn *w, const struct jrn_entry *e, char *why)
{
	uint8_t buf[IDENT_HARD_MAX];
	struct slice key, old;
	struct rec_view view;
	size_t plen;
	uint8_t kind, was;
	int rc;

	if (record_key(e->identifier, buf, &key, &plen) != IDR_OK) {
		return refuse(why, "entry %" PRIu64 ": identifier does not parse", e->seq);
	}
	if (rec_view_parse(e->payload, &view) != IDR_OK) {
		return refuse(why, "entry %" PRIu64 ": the record does not parse", e->seq);
	}
	kind = kind_of(e->payload);
	rc = store_get(w->txn, STORE_DB_HANDLES, key, &old);
	if (rc != IDR_OK && rc != IDR_ENOENT) {
		return reg_wtxn_fail(w, rc);
	}
	if (rc == IDR_ENOENT && e->op != JRN_OP_CREATE) {
		return refuse(why, "entry %" PRIu64 ": changes a record this copy does not hold",
		              e->seq);
	}
	was = rc == IDR_OK ? kind_of(old) : 0xff;
	rc = store_put(w->txn, STORE_DB_HANDLES, key, e->payload, 0, NULL);
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	if (was == kind) {
		return IDR_OK;
	}
	if (was != 0xff) {
		rc = reg_statmap_add(&w->stats, slice_make(key.p, plen), was, -1);
	}
	if (rc == IDR_OK) {
		rc = reg_statmap_add(&w->stats, slice_make(key.p, plen), kind, 1);
	}
	return reg_wtxn_fail(w, rc);
}

static int
redo_delete(struct reg_wtxn *w, const struct jrn_entry *e, char *why)
{
	uint8_t buf[IDENT_HARD_MAX];
	struct slice key, old;
	size_t plen;
	int rc;

	if (record_key(e->identifier, buf, &key, &plen) != IDR_OK || e->payload.len != 0) {
		return refuse(why, "entry %" PRIu64 ": malformed delete", e->seq);
	}
	rc = store_get(w->txn, STORE_DB_HANDLES, key, &old);
	if (rc == IDR_ENOENT) {
		return refuse(why, "entry %" PRIu64 ": deletes a record this copy does not hold",
		              e->seq);
	}
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	rc = reg_statmap_add(&w->stats, slice_make(key.p, plen), kind_of(old), -1);
	if (rc == IDR_OK) {
		rc = store_del(w->txn, STORE_DB_HANDLES, key);
	}
	return reg_wtxn_fail(w, rc);
}

static int
redo_prefix(struct reg_wtxn *w, const struct jrn_entry *e, char *why)
{
	uint8_t key[PFX_MAX_LEN];
	struct pfx_info p;

	if (e->identifier.len == 0 || e->identifier.len > PFX_MAX_LEN ||
	    pfx_decode(e->payload, &p) != IDR_OK) {
		return refuse(why, "entry %" PRIu64 ": malformed prefix record", e->seq);
	}
	ident_fold(e->identifier.p, e->identifier.len, key);
	w->pfx_cached = false;
	return reg_wtxn_fail(w, store_put(w->txn, STORE_DB_PREFIXES,
	                                  slice_make(key, e->identifier.len), e->payload, 0, NULL));
}

static int
redo_template(struct reg_wtxn *w, const struct jrn_entry *e, char *why)
{
	uint8_t key[TMPL_MAX_PREFIX + 1 + TMPL_MAX_VERSION];
	struct tmpl *t = NULL;
	size_t pl, vl;
	int rc;

	if (tmpl_decode(e->payload, &t) != IDR_OK) {
		return refuse(why, "entry %" PRIu64 ": malformed template", e->seq);
	}
	pl = strlen(t->prefix);
	vl = strlen(t->version);
	if (pl == 0 || pl > TMPL_MAX_PREFIX || vl == 0 || vl > TMPL_MAX_VERSION ||
	    pl != e->identifier.len ||
	    strncasecmp(t->prefix, (const char *)e->identifier.p, pl) != 0) {
		tmpl_free(t);
		return refuse(why, "entry %" PRIu64 ": template does not match its prefix", e->seq);
	}
	ident_fold((const uint8_t *)t->prefix, pl, key);
	key[pl] = 0;
	memcpy(key + pl + 1, t->version, vl);
	tmpl_free(t);
	tmpl_free(w->tmpl_cache);
	w->tmpl_cache = NULL;
	rc = store_put(w->txn, STORE_DB_TEMPLATES, slice_make(key, pl + 1 + vl), e->payload, 0,
	               NULL);
	return reg_wtxn_fail(w, rc);
}

static int
redo(struct reg_wtxn *w, const struct jrn_entry *e, char *why)
{
	int rc;

	switch (e->op) {
	case JRN_OP_INIT:
	case JRN_OP_PREFIX:
		return redo_prefix(w, e, why);
	case JRN_OP_CREATE:
	case JRN_OP_ADD_VALUES:
	case JRN_OP_MODIFY_VALUES:
	case JRN_OP_REMOVE_VALUES:
		return redo_record(w, e, why);
	case JRN_OP_DELETE:
		return redo_delete(w, e, why);
	case JRN_OP_TEMPLATE:
		return redo_template(w, e, why);
	case JRN_OP_EVENT:
		rc = life_capture_replay(w, e->payload);
		break;
	case JRN_OP_ALIAS:
		rc = reg_alias_replay(w, e->identifier, e->payload);
		break;
	default:
		rc = IDR_EPROTO;
		break;
	}
	if (rc == IDR_OK || reg_write_status(w) != IDR_OK) {
		return rc;
	}
	return refuse(why, "entry %" PRIu64 ": malformed %s change (%s)", e->seq,
	              jrn_op_name(e->op) != NULL ? jrn_op_name(e->op) : "?", idr_strerror(rc));
}

/* ---------------------------------------------------------------- applying */

int
repl_apply(struct reg_wtxn *w, uint64_t seq, struct slice value, char *why)
{
	uint8_t key[JRN_KEY_LEN], hash[JRN_HASH_LEN];
	struct jrn_entry e;
	int rc;

	why[0] = '\0';
	if (reg_write_status(w) != IDR_OK) {
		return reg_write_status(w);
	}
	if (seq != w->head.seq + 1) {
		return refuse(why, "entry %" PRIu64 " does not follow this copy's head %" PRIu64,
		              seq, w->head.seq);
	}
	jrn_key(seq, key);
	if (jrn_entry_decode(slice_make(key, JRN_KEY_LEN), value, &e) != IDR_OK) {
		return refuse(why, "entry %" PRIu64 " is malformed", seq);
	}
	if (memcmp(e.prev_hash, w->head.hash, JRN_HASH_LEN) != 0) {
		return refuse(why, "entry %" PRIu64 ": hash chain broken (prev_hash differs)", seq);
	}
	rc = jrn_change_hash(&w->chg, e.op, e.identifier, e.payload, hash);
	if (rc != IDR_OK) {
		return rc;
	}
	if (memcmp(hash, e.change_hash, JRN_HASH_LEN) != 0) {
		return refuse(why, "entry %" PRIu64 ": change hash does not match its change", seq);
	}
	rc = jrn_entry_hash(&w->jrn, seq, value, hash);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = redo(w, &e, why);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = store_put(w->txn, STORE_DB_JOURNAL, slice_make(key, JRN_KEY_LEN), value, STORE_APPEND,
	               NULL);
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	w->head.seq = seq;
	memcpy(w->head.hash, hash, JRN_HASH_LEN);
	w->changes++;
	return IDR_OK;
}

int
repl_apply_frames(struct reg *r, struct slice body, struct repl_result *res)
{
	struct repl_frame f;
	struct reg_wtxn *w;
	uint64_t applied = 0, last_ms = 0;
	struct rbuf in;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = reg_write_begin(r, REPL_IDENTITY, &w);
	if (rc != IDR_OK) {
		return rc;
	}
	res->head = w->head.seq;
	rbuf_init(&in, body.p, body.len);
	while (rbuf_left(&in) > 0) {
		rc = repl_frame_next(&in, &f);
		if (rc != IDR_OK) {
			snprintf(res->why, sizeof(res->why), "frame after entry %" PRIu64 " is %s",
			         w->head.seq, rc == IDR_EAGAIN ? "truncated" : "over its limit");
			rc = IDR_EPROTO;
			break;
		}
		if (f.seq <= w->head.seq && applied == 0) {
			continue; /* held already (a batch sent again) */
		}
		rc = repl_apply(w, f.seq, f.value, res->why);
		if (rc != IDR_OK) {
			res->bad_seq = f.seq;
			break;
		}
		applied++;
		{
			struct rbuf t; /* time_ms after u8 format, u8 op, u16 (it decoded) */

			rbuf_init(&t, f.value.p + 4, 8);
			last_ms = rbuf_u64(&t);
		}
	}
	if (rc != IDR_OK) {
		reg_write_abort(w);
		if (rc != IDR_EJOURNAL && rc != IDR_EPROTO && res->why[0] == '\0') {
			snprintf(res->why, sizeof(res->why), "%s", idr_strerror(rc));
		}
		return rc;
	}
	if (applied == 0) {
		reg_write_abort(w);
		return IDR_OK;
	}
	res->head = w->head.seq;
	rc = reg_write_commit(w);
	if (rc != IDR_OK) {
		res->head = 0;
		snprintf(res->why, sizeof(res->why), "commit: %s", idr_strerror(rc));
		return rc;
	}
	res->applied = applied;
	res->last_ms = last_ms;
	return IDR_OK;
}

int
repl_head(struct reg *r, struct jrn_head *out)
{
	struct reg_rtxn *t;
	int rc;

	rc = reg_read_begin(r, &t);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = jrn_head_load(t->txn, out);
	reg_read_end(t);
	return rc;
}

/* Empty db in t (a cursor keeps its place across deletes: the next key follows). */
static int
db_empty(struct store_txn *t, enum store_db db)
{
	struct store_cursor *c;
	struct slice k;
	int rc = store_cursor_open(t, db, &c);

	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_first(c, &k, NULL); rc == IDR_OK;
	     rc = store_cursor_next(c, &k, NULL)) {
		rc = store_del(t, db, k);
		if (rc != IDR_OK) {
			break;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

/* Copy db from src to dst (emptied: every key appends). */
static int
db_copy(struct store_txn *src, struct store_txn *dst, enum store_db db, uint64_t *n)
{
	struct store_cursor *c;
	struct slice k, v;
	int rc = store_cursor_open(src, db, &c);

	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_first(c, &k, &v); rc == IDR_OK; rc = store_cursor_next(c, &k, &v)) {
		rc = store_put(dst, db, k, v, STORE_APPEND, NULL);
		if (rc != IDR_OK) {
			break;
		}
		(*n)++;
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

int
repl_replace(struct reg *dst, struct reg *src, uint64_t *copied)
{
	struct reg_wtxn *w = NULL;
	struct reg_rtxn *t = NULL;
	uint64_t n = 0;
	int rc = reg_read_begin(src, &t);

	if (rc == IDR_OK) {
		rc = reg_write_begin(dst, REPL_IDENTITY, &w);
	}
	for (int db = 0; rc == IDR_OK && db < STORE_DB_COUNT; db++) {
		rc = db_empty(w->txn, (enum store_db)db);
		if (rc == IDR_OK) {
			rc = db_copy(t->txn, w->txn, (enum store_db)db, &n);
		}
		if (rc != IDR_OK) {
			(void)reg_wtxn_fail(w, rc);
		}
	}
	reg_read_end(t);
	if (w != NULL && rc == IDR_OK) {
		rc = reg_write_commit(w); /* no journal entry of its own: src's journal, head too */
	} else {
		reg_write_abort(w);
	}
	if (copied != NULL) {
		*copied = rc == IDR_OK ? n : 0;
	}
	return rc;
}
