/*
 * reg_event.c - lifecycle events and the link graph of the registry (reg.h): storage of
 * events, timelines and links in one write transaction with their journal entry, and the
 * breadth-first trace over the links.
 *
 * Keys (all byte strings; subjects and link ends contain no 0x00, so 0x00 ends them):
 *   events   id(32)                                   -> u8 format 1, be64 time, be16 tz,
 *                                                        be64 record time, document
 *   evindex  subject 0x00 be64(time ^ 2^63) id(32)     -> (empty)
 *   links    node 0x00 dir other 0x00 id(32)           -> u8 kind, u8 action, be64(time)
 * where dir is 'B' (node contains / is made of other) or 'F' (node went into other); every
 * link is stored once in each direction.
 */
#include "reg.h"

#include <stdlib.h>
#include <string.h>

#include "base/rbuf.h"
#include "base/wbuf.h"
#include "jrn.h"
#include "reg_int.h"
#include "store/store.h"

#define EVENT_FORMAT 1
#define EVENT_HEAD   (1 + 8 + 2 + 8)
#define DIR_BACK     'B'
#define DIR_FORWARD  'F'
#define IDX_KEY_MAX  (REG_EVENT_KEY_MAX + 1 + 8 + REG_EVENT_ID_LEN)
#define LINK_KEY_MAX (2 * REG_EVENT_KEY_MAX + 3 + REG_EVENT_ID_LEN)
#define LINK_VAL_LEN (1 + 1 + 8)

_Static_assert(LINK_KEY_MAX <= STORE_KEY_MAX, "link keys must fit the store");

static uint64_t
time_key(int64_t t)
{
	return (uint64_t)t ^ ((uint64_t)1 << 63); /* signed order as unsigned big-endian */
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++) {
		v = v << 8 | p[i];
	}
	return v;
}

static int
key_check(struct slice k)
{
	if (k.len == 0 || memchr(k.p, 0, k.len) != NULL) {
		return IDR_EINVAL;
	}
	return k.len > REG_EVENT_KEY_MAX ? IDR_ELIMIT : IDR_OK;
}

static size_t
idx_key(uint8_t *buf, struct slice subject, int64_t time_ms, const uint8_t *id)
{
	memcpy(buf, subject.p, subject.len);
	buf[subject.len] = 0;
	put_be64(buf + subject.len + 1, time_key(time_ms));
	memcpy(buf + subject.len + 9, id, REG_EVENT_ID_LEN);
	return subject.len + 9 + REG_EVENT_ID_LEN;
}

static size_t
link_key(uint8_t *buf, struct slice node, uint8_t dir, struct slice other, const uint8_t *id)
{
	size_t n = 0;

	memcpy(buf, node.p, node.len);
	n = node.len;
	buf[n++] = 0;
	buf[n++] = dir;
	memcpy(buf + n, other.p, other.len);
	n += other.len;
	buf[n++] = 0;
	memcpy(buf + n, id, REG_EVENT_ID_LEN);
	return n + REG_EVENT_ID_LEN;
}

static int
event_check(const struct reg_event_put *e)
{
	int rc;

	if (e->nsubjects == 0) {
		return IDR_EINVAL;
	}
	if (e->nsubjects > REG_EVENT_MAX_SUBJECTS || e->nlinks > REG_EVENT_MAX_LINKS ||
	    e->doc.len > REG_EVENT_DOC_MAX) {
		return IDR_ELIMIT;
	}
	for (size_t i = 0; i < e->nsubjects; i++) {
		if ((rc = key_check(e->subjects[i])) != IDR_OK) {
			return rc;
		}
	}
	for (size_t i = 0; i < e->nlinks; i++) {
		const struct reg_event_link *l = &e->links[i];

		if ((rc = key_check(l->from)) != IDR_OK || (rc = key_check(l->to)) != IDR_OK) {
			return rc;
		}
		if (l->kind < REG_LINK_AGGREGATION || l->kind > REG_LINK_ASSOCIATION ||
		    (l->action != REG_LINK_ADD && l->action != REG_LINK_DELETE)) {
			return IDR_EINVAL;
		}
	}
	return IDR_OK;
}

/* The timeline entries and links of e (its id and time from e). @return a store error. */
static int
event_index(struct reg_wtxn *w, const struct reg_event_put *e)
{
	uint8_t key[LINK_KEY_MAX], val[LINK_VAL_LEN];
	int rc = IDR_OK;

	for (size_t i = 0; rc == IDR_OK && i < e->nsubjects; i++) {
		size_t n = idx_key(key, e->subjects[i], e->time_ms, e->id);

		rc = store_put(w->txn, STORE_DB_EVINDEX, slice_make(key, n), slice_make(val, 0), 0,
		               NULL);
	}
	for (size_t i = 0; rc == IDR_OK && i < e->nlinks; i++) {
		const struct reg_event_link *l = &e->links[i];
		size_t n;

		val[0] = (uint8_t)l->kind;
		val[1] = (uint8_t)l->action;
		put_be64(val + 2, (uint64_t)e->time_ms);
		n = link_key(key, l->from, DIR_BACK, l->to, e->id);
		rc = store_put(w->txn, STORE_DB_LINKS, slice_make(key, n),
		               slice_make(val, LINK_VAL_LEN), 0, NULL);
		if (rc == IDR_OK) {
			n = link_key(key, l->to, DIR_FORWARD, l->from, e->id);
			rc = store_put(w->txn, STORE_DB_LINKS, slice_make(key, n),
			               slice_make(val, LINK_VAL_LEN), 0, NULL);
		}
	}
	return rc;
}

int
reg_event_add(struct reg_wtxn *w, const struct reg_event_put *e, enum reg_outcome *outcome)
{
	struct slice found, payload;
	size_t mark;
	int rc = reg_write_status(w);

	if (rc != IDR_OK) {
		return rc;
	}
	if ((rc = event_check(e)) != IDR_OK) {
		return rc;
	}
	rc = store_get(w->txn, STORE_DB_EVENTS, slice_make(e->id, REG_EVENT_ID_LEN), &found);
	if (rc == IDR_OK) {
		if (outcome != NULL) {
			*outcome = REG_UNCHANGED;
		}
		return IDR_OK;
	}
	if (rc != IDR_ENOENT) {
		return reg_wtxn_fail(w, rc);
	}
	/* the stored event is the journal payload: one copy of the bytes */
	mark = jrn_change_begin(&w->chg, JRN_OP_EVENT, e->subjects[0]);
	wbuf_u8(&w->chg, EVENT_FORMAT);
	wbuf_u64(&w->chg, (uint64_t)e->time_ms);
	wbuf_u16(&w->chg, (uint16_t)e->tz_min);
	wbuf_u64(&w->chg, reg_now_ms());
	wbuf_bytes(&w->chg, e->id, REG_EVENT_ID_LEN);
	wbuf_bytes(&w->chg, e->doc.p, e->doc.len);
	payload = jrn_change_end(&w->chg, mark);
	if (wbuf_error(&w->chg) != IDR_OK) {
		return wbuf_error(&w->chg);
	}
	rc = store_put(w->txn, STORE_DB_EVENTS, slice_make(e->id, REG_EVENT_ID_LEN), payload, 0,
	               NULL);
	if (rc == IDR_OK) {
		rc = event_index(w, e);
	}
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	if (outcome != NULL) {
		*outcome = REG_CREATED;
	}
	return reg_jrn_append(w);
}

/*
 * The first entry of db under prefix "from 0x00", copied into key / val (a cursor does not
 * survive the writes that follow). @return IDR_OK, IDR_ENOENT (none left) or a store error.
 */
static int
first_of(struct store_txn *txn, enum store_db db, struct slice from, uint8_t *key, size_t *klen,
         uint8_t *val, size_t *vlen)
{
	struct store_cursor *c;
	struct slice k, v;
	int rc;

	memcpy(key, from.p, from.len);
	key[from.len] = 0;
	if ((rc = store_cursor_open(txn, db, &c)) != IDR_OK) {
		return rc;
	}
	rc = store_cursor_seek(c, slice_make(key, from.len + 1), &k, &v);
	if (rc == IDR_OK && (k.len <= from.len + 1 || memcmp(k.p, key, from.len + 1) != 0)) {
		rc = IDR_ENOENT; /* past from's entries */
	}
	if (rc == IDR_OK && (k.len > LINK_KEY_MAX || v.len > LINK_VAL_LEN)) {
		rc = IDR_EPROTO;
	}
	if (rc == IDR_OK) {
		memcpy(key, k.p, k.len);
		*klen = k.len;
		memcpy(val, v.p, v.len);
		*vlen = v.len;
	}
	store_cursor_close(c);
	return rc;
}

/* Move the timeline entries of from under to. */
static int
rekey_index(struct reg_wtxn *w, struct slice from, struct slice to)
{
	uint8_t key[LINK_KEY_MAX], nk[LINK_KEY_MAX], val[LINK_VAL_LEN];
	size_t klen, vlen;
	int rc;

	while ((rc = first_of(w->txn, STORE_DB_EVINDEX, from, key, &klen, val, &vlen)) == IDR_OK) {
		size_t rest = klen - from.len; /* 0x00 time id */

		memcpy(nk, to.p, to.len);
		memcpy(nk + to.len, key + from.len, rest);
		rc = store_del(w->txn, STORE_DB_EVINDEX, slice_make(key, klen));
		if (rc == IDR_OK) {
			rc = store_put(w->txn, STORE_DB_EVINDEX, slice_make(nk, to.len + rest),
			               slice_make(val, 0), 0, NULL);
		}
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

/* Move the links of from (both directions, and their mirrors at the other end) to to. */
static int
rekey_links(struct reg_wtxn *w, struct slice from, struct slice to)
{
	uint8_t key[LINK_KEY_MAX], nk[LINK_KEY_MAX], val[LINK_VAL_LEN];
	size_t klen, vlen, n;
	int rc;

	while ((rc = first_of(w->txn, STORE_DB_LINKS, from, key, &klen, val, &vlen)) == IDR_OK) {
		uint8_t dir = key[from.len + 1], mirror = dir == DIR_BACK ? DIR_FORWARD : DIR_BACK;
		const uint8_t *id = key + klen - REG_EVENT_ID_LEN;
		struct slice other;

		if (klen < from.len + 3 + REG_EVENT_ID_LEN || vlen != LINK_VAL_LEN) {
			return IDR_EPROTO;
		}
		other = slice_make(key + from.len + 2, klen - from.len - 3 - REG_EVENT_ID_LEN);
		rc = store_del(w->txn, STORE_DB_LINKS, slice_make(key, klen));
		if (rc == IDR_OK) {
			n = link_key(nk, other, mirror, from, id);
			rc = store_del(w->txn, STORE_DB_LINKS, slice_make(nk, n));
			rc = rc == IDR_ENOENT ? IDR_OK : rc;
		}
		/* a link between the alias and its own handle would be a loop: it goes */
		if (rc == IDR_OK && !slice_eq(other, to)) {
			n = link_key(nk, to, dir, other, id);
			rc = store_put(w->txn, STORE_DB_LINKS, slice_make(nk, n),
			               slice_make(val, LINK_VAL_LEN), 0, NULL);
			if (rc == IDR_OK) {
				n = link_key(nk, other, mirror, to, id);
				rc = store_put(w->txn, STORE_DB_LINKS, slice_make(nk, n),
				               slice_make(val, LINK_VAL_LEN), 0, NULL);
			}
		}
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

int
reg_event_rekey(struct reg_wtxn *w, struct slice from, struct slice to)
{
	int rc;

	if (key_check(from) != IDR_OK || key_check(to) != IDR_OK || slice_eq(from, to)) {
		return IDR_OK; /* nothing can be stored under from, or nothing to move */
	}
	rc = rekey_index(w, from, to);
	if (rc == IDR_OK) {
		rc = rekey_links(w, from, to);
	}
	return rc != IDR_OK ? reg_wtxn_fail(w, rc) : IDR_OK;
}

/* A stored event (the JRN_OP_EVENT payload) into v. */
static int
event_view(struct slice stored, struct reg_event_view *v)
{
	if (stored.len < EVENT_HEAD + REG_EVENT_ID_LEN || stored.p[0] != EVENT_FORMAT) {
		return IDR_EPROTO;
	}
	v->time_ms = (int64_t)get_be64(stored.p + 1);
	v->tz_min = (int16_t)(stored.p[9] << 8 | stored.p[10]);
	v->record_ms = (int64_t)get_be64(stored.p + 11);
	v->id = stored.p + EVENT_HEAD;
	v->doc = slice_make(stored.p + EVENT_HEAD + REG_EVENT_ID_LEN,
	                    stored.len - EVENT_HEAD - REG_EVENT_ID_LEN);
	return IDR_OK;
}

int
reg_event_replay(struct reg_wtxn *w, struct slice stored, const struct reg_event_put *keys)
{
	struct reg_event_put e = *keys;
	struct reg_event_view v;
	int rc = reg_write_status(w);

	if (rc != IDR_OK) {
		return rc;
	}
	if (event_view(stored, &v) != IDR_OK) {
		return IDR_EPROTO;
	}
	memcpy(e.id, v.id, REG_EVENT_ID_LEN);
	e.time_ms = v.time_ms;
	e.tz_min = v.tz_min;
	e.doc = v.doc;
	if ((rc = event_check(&e)) != IDR_OK) {
		return rc;
	}
	rc = store_put(w->txn, STORE_DB_EVENTS, slice_make(e.id, REG_EVENT_ID_LEN), stored, 0,
	               NULL);
	if (rc == IDR_OK) {
		rc = event_index(w, &e);
	}
	return reg_wtxn_fail(w, rc);
}

int
reg_event_get(struct reg_rtxn *t, const uint8_t id[REG_EVENT_ID_LEN], struct reg_event_view *out)
{
	struct slice stored;
	int rc = store_get(t->txn, STORE_DB_EVENTS, slice_make(id, REG_EVENT_ID_LEN), &stored);

	return rc != IDR_OK ? rc : event_view(stored, out);
}

int
reg_events(struct reg_rtxn *t, struct slice subject, int64_t from_ms, int64_t to_ms, size_t limit,
           reg_event_fn cb, void *arg)
{
	uint8_t key[IDX_KEY_MAX], zero[REG_EVENT_ID_LEN] = {0};
	struct store_cursor *c;
	struct slice k, v;
	size_t n = 0, klen;
	int rc = key_check(subject);

	if (rc != IDR_OK) {
		return rc;
	}
	klen = idx_key(key, subject, from_ms, zero);
	rc = store_cursor_open(t->txn, STORE_DB_EVINDEX, &c);
	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_seek(c, slice_make(key, klen), &k, &v); rc == IDR_OK;
	     rc = store_cursor_next(c, &k, &v)) {
		struct reg_event_view ev;
		int64_t tm;

		if (k.len != subject.len + 9 + REG_EVENT_ID_LEN ||
		    memcmp(k.p, subject.p, subject.len) != 0 || k.p[subject.len] != 0) {
			break; /* past this subject */
		}
		tm = (int64_t)(get_be64(k.p + subject.len + 1) ^ ((uint64_t)1 << 63));
		if (tm >= to_ms || (limit != 0 && n == limit)) {
			break;
		}
		rc = reg_event_get(t, k.p + subject.len + 9, &ev);
		if (rc != IDR_OK) {
			break;
		}
		n++;
		rc = cb(arg, &ev);
		if (rc != 0) {
			break;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

/* Is k an evindex key of subject? */
static bool
idx_of(struct slice k, struct slice subject)
{
	return k.len == subject.len + 9 + REG_EVENT_ID_LEN &&
	       memcmp(k.p, subject.p, subject.len) == 0 && k.p[subject.len] == 0;
}

int
reg_events_latest(struct reg_rtxn *t, struct slice subject, size_t limit, size_t count_max,
                  reg_event_fn cb, void *arg, size_t *more)
{
	uint8_t key[REG_EVENT_KEY_MAX + 1];
	struct store_cursor *c;
	struct slice k;
	size_t n = 0, older = 0;
	int rc = key_check(subject);

	if (more != NULL) {
		*more = 0;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	/* subject 0x01 sorts after every "subject 0x00 ..." key: step back from there */
	memcpy(key, subject.p, subject.len);
	key[subject.len] = 1;
	rc = store_cursor_open(t->txn, STORE_DB_EVINDEX, &c);
	if (rc != IDR_OK) {
		return rc;
	}
	(void)store_cursor_seek(c, slice_make(key, subject.len + 1), NULL, NULL);
	for (rc = store_cursor_prev(c, &k, NULL); rc == IDR_OK;
	     rc = store_cursor_prev(c, &k, NULL)) {
		struct reg_event_view ev;

		if (!idx_of(k, subject)) {
			break; /* before this subject */
		}
		if (n == limit) {
			if (older == count_max) {
				break;
			}
			older++;
			continue;
		}
		rc = reg_event_get(t, k.p + subject.len + 9, &ev);
		if (rc != IDR_OK || (rc = cb(arg, &ev)) != 0) {
			break;
		}
		n++;
	}
	store_cursor_close(c);
	if (more != NULL) {
		*more = older;
	}
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

/* ---------------------------------------------------------------- trace */

struct node {
	char *key; /* NUL-terminated copy */
	size_t len;
	size_t parent; /* index in the node list; SIZE_MAX for the root */
	unsigned depth;
	enum reg_link_kind kind;
	uint8_t event[REG_EVENT_ID_LEN];
};

struct walk {
	struct node *nodes;
	size_t n, cap;
	size_t *set; /* open addressing over nodes (index + 1; 0 = empty) */
	size_t setcap;
};

static uint64_t
hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ p[i]) * 1099511628211ULL;
	}
	return h;
}

static bool
seen(const struct walk *wk, struct slice key)
{
	size_t i = (size_t)hash_bytes(key.p, key.len) & (wk->setcap - 1);

	while (wk->set[i] != 0) {
		const struct node *nd = &wk->nodes[wk->set[i] - 1];

		if (nd->len == key.len && memcmp(nd->key, key.p, key.len) == 0) {
			return true;
		}
		i = (i + 1) & (wk->setcap - 1);
	}
	return false;
}

/* Add a node (not seen before); the set is sized for max_nodes at twice the load. */
static int
add_node(struct walk *wk, struct slice key, size_t parent, unsigned depth, enum reg_link_kind kind,
         const uint8_t *event)
{
	struct node *nd = &wk->nodes[wk->n];
	size_t i = (size_t)hash_bytes(key.p, key.len) & (wk->setcap - 1);

	nd->key = malloc(key.len + 1);
	if (nd->key == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(nd->key, key.p, key.len);
	nd->key[key.len] = '\0';
	nd->len = key.len;
	nd->parent = parent;
	nd->depth = depth;
	nd->kind = kind;
	if (event != NULL) {
		memcpy(nd->event, event, REG_EVENT_ID_LEN);
	}
	while (wk->set[i] != 0) {
		i = (i + 1) & (wk->setcap - 1);
	}
	wk->set[i] = ++wk->n;
	return IDR_OK;
}

/*
 * The links of node in direction dir valid at at_ms, one call of visit per other end. Edges
 * of one (node, other) pair are adjacent in key order; the latest event up to at_ms decides.
 */
static int
neighbours(struct reg_rtxn *t, struct slice node, uint8_t dir, int64_t at_ms,
           int (*visit)(void *arg, struct slice other, enum reg_link_kind kind,
                        const uint8_t *event),
           void *arg)
{
	uint8_t prefix[REG_EVENT_KEY_MAX + 2];
	uint8_t best_event[REG_EVENT_ID_LEN];
	struct store_cursor *c;
	struct slice k, v, cur = {NULL, 0};
	int64_t best_time = INT64_MIN;
	int best_action = 0, best_kind = 0;
	int rc;

	memcpy(prefix, node.p, node.len);
	prefix[node.len] = 0;
	prefix[node.len + 1] = dir;
	rc = store_cursor_open(t->txn, STORE_DB_LINKS, &c);
	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_seek(c, slice_make(prefix, node.len + 2), &k, &v);;
	     rc = store_cursor_next(c, &k, &v)) {
		struct slice other = {NULL, 0};
		bool ours = rc == IDR_OK && k.len > node.len + 2 + REG_EVENT_ID_LEN + 1 &&
		            memcmp(k.p, prefix, node.len + 2) == 0 && v.len == LINK_VAL_LEN;

		if (ours) {
			other = slice_make(k.p + node.len + 2,
			                   k.len - node.len - 3 - REG_EVENT_ID_LEN);
		}
		/* a pair ends: report it if its deciding event says so */
		if (cur.p != NULL &&
		    (!ours || other.len != cur.len || memcmp(other.p, cur.p, cur.len) != 0)) {
			if (best_time != INT64_MIN && best_action == REG_LINK_ADD) {
				int r = visit(arg, cur, (enum reg_link_kind)best_kind, best_event);

				if (r != IDR_OK) {
					rc = r;
					break;
				}
			}
			cur.p = NULL;
			best_time = INT64_MIN;
		}
		if (!ours) {
			break;
		}
		if (cur.p == NULL) {
			cur = other;
		}
		{
			int64_t tm = (int64_t)get_be64(v.p + 2);

			if (tm <= at_ms &&
			    (tm > best_time || (tm == best_time && v.p[1] == REG_LINK_DELETE))) {
				best_time = tm;
				best_action = v.p[1];
				best_kind = v.p[0];
				memcpy(best_event, k.p + k.len - REG_EVENT_ID_LEN,
				       REG_EVENT_ID_LEN);
			}
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

struct expand {
	struct walk *wk;
	size_t from;
	size_t max_nodes;
	bool truncated;
};

static int
expand_one(void *arg, struct slice other, enum reg_link_kind kind, const uint8_t *event)
{
	struct expand *x = arg;

	if (seen(x->wk, other)) {
		return IDR_OK;
	}
	if (x->wk->n == x->max_nodes) {
		x->truncated = true;
		return IDR_OK;
	}
	return add_node(x->wk, other, x->from, x->wk->nodes[x->from].depth + 1, kind, event);
}

int
reg_trace(struct reg_rtxn *t, struct slice root, enum reg_trace_dir dir, unsigned max_depth,
          size_t max_nodes, int64_t at_ms, reg_trace_fn cb, void *arg, bool *truncated)
{
	struct walk wk = {NULL, 0, 0, NULL, 0};
	struct expand x = {&wk, 0, max_nodes, false};
	uint8_t d = dir == REG_TRACE_BACK ? DIR_BACK : DIR_FORWARD;
	int rc = key_check(root);

	if (rc != IDR_OK) {
		return rc;
	}
	if (max_depth > REG_TRACE_MAX_DEPTH || max_nodes == 0 ||
	    (dir != REG_TRACE_BACK && dir != REG_TRACE_FORWARD)) {
		return IDR_EINVAL;
	}
	wk.setcap = 16;
	while (wk.setcap < 2 * max_nodes) {
		wk.setcap *= 2;
	}
	wk.nodes = calloc(max_nodes, sizeof(*wk.nodes));
	wk.set = calloc(wk.setcap, sizeof(*wk.set));
	rc = wk.nodes != NULL && wk.set != NULL ? IDR_OK : IDR_ENOMEM;
	if (rc == IDR_OK) {
		rc = add_node(&wk, root, SIZE_MAX, 0, 0, NULL);
	}
	/* breadth first: the node list is the queue */
	for (size_t i = 0; rc == IDR_OK && i < wk.n; i++) {
		struct reg_trace_step st;
		const struct node *nd = &wk.nodes[i];

		st.node = slice_make(nd->key, nd->len);
		st.parent = nd->parent == SIZE_MAX ? slice_make(NULL, 0)
		                                   : slice_make(wk.nodes[nd->parent].key,
		                                                wk.nodes[nd->parent].len);
		st.depth = nd->depth;
		st.kind = nd->kind;
		st.event_id = nd->parent == SIZE_MAX ? NULL : nd->event;
		rc = cb(arg, &st);
		if (rc != 0) {
			break;
		}
		if (nd->depth == max_depth) {
			continue; /* the depth cap: its links are not followed */
		}
		x.from = i;
		rc = neighbours(t, slice_make(nd->key, nd->len), d, at_ms, expand_one, &x);
	}
	if (truncated != NULL) {
		*truncated = x.truncated;
	}
	for (size_t i = 0; i < wk.n; i++) {
		free(wk.nodes[i].key);
	}
	free(wk.nodes);
	free(wk.set);
	return rc;
}
