/* capture.c - lifecycle events into the registry (capture.h). */
#include "life/capture.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/crypto.h"
#include "life/alias.h"
#include "model/ident.h"

#define HASH_PREFIX "ni:///sha-256;"

/* life_capture_key, saying whether the key is a handle's. */
static int
key_of(const char *uri, char *buf, size_t cap, bool *is_handle)
{
	char handle[IDENT_HARD_MAX + 1], ik[ALIAS_KEY_MAX + 1];
	struct ident id;
	size_t n = strlen(uri);
	int hl = life_uri_handle(uri, handle, sizeof(handle));

	*is_handle = false;
	if (n == 0) {
		return IDR_EINVAL;
	}
	/* a handle first: a handle URL, or a bare handle (even one that reads as an MA code); a URL
	 * whose path is no valid handle is no handle */
	if (hl > 0 && ident_parse(&id, handle, (size_t)hl, NULL) == IDR_OK) {
		uri = handle;
		n = (size_t)hl;
		*is_handle = true;
	} else if (ident_parse(&id, uri, n, NULL) == IDR_OK) {
		*is_handle = true;
	} else if ((n = alias_event_key(uri, n, ik)) > 0) {
		uri = ik;
	} else {
		n = strlen(uri);
	}
	if (n > REG_EVENT_KEY_MAX || n >= cap) {
		return IDR_ELIMIT;
	}
	if (*is_handle) {
		ident_fold((const uint8_t *)uri, n, (uint8_t *)buf);
	} else {
		memcpy(buf, uri, n);
	}
	buf[n] = '\0';
	return (int)n;
}

int
life_capture_key(const char *uri, char *buf, size_t cap)
{
	bool is_handle;

	return key_of(uri, buf, cap, &is_handle);
}

/*
 * buf (len bytes, a non-handle key) replaced by the folded handle its identity is joined to,
 * if any and if it fits. @return the key's length or a store error.
 */
static int
joined(int rc, struct slice handle, char *buf, int len, size_t cap)
{
	if (rc == IDR_ENOENT || rc == IDR_EINVAL || rc == IDR_ELIMIT) {
		return len;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (handle.len == 0 || handle.len > REG_EVENT_KEY_MAX || handle.len >= cap) {
		return len; /* a handle too long to key events: the identity keeps its own key */
	}
	ident_fold(handle.p, handle.len, (uint8_t *)buf);
	buf[handle.len] = '\0';
	return (int)handle.len;
}

int
life_capture_subject(struct reg_rtxn *t, const char *uri, char *buf, size_t cap)
{
	struct slice h = {NULL, 0};
	bool is_handle;
	int n = key_of(uri, buf, cap, &is_handle);

	if (n <= 0 || is_handle) {
		return n;
	}
	return joined(reg_alias_join(t, slice_make(buf, (size_t)n), &h), h, buf, n, cap);
}

/* The identifiers and links of one event, keyed; storage for the keys. */
struct keys {
	char (*buf)[REG_EVENT_KEY_MAX + 1];
	struct slice *subj; /* subj[i] is buf[i] until join_subjects */
	bool *handle;       /* handle[i]: subj[i] is a handle's key (else an identity's) */
	size_t nsubj, cap;
	struct reg_event_link *links;
	size_t nlinks, lcap; /* lcap: room in links, at most LIFE_CAPTURE_MAX_LINKS */
	const char *bad;     /* the identifier that could not be keyed */
};

/* Key uri, as a subject unless it is one already. @return its index or < 0 (error). */
static int
subject(struct keys *k, const char *uri)
{
	bool is_handle;
	int n;

	if (k->nsubj == k->cap) {
		return IDR_ELIMIT;
	}
	n = key_of(uri, k->buf[k->nsubj], sizeof(k->buf[0]), &is_handle);
	if (n < 0) {
		k->bad = uri;
		return n;
	}
	for (size_t i = 0; i < k->nsubj; i++) {
		if (k->subj[i].len == (size_t)n && memcmp(k->subj[i].p, k->buf[k->nsubj], n) == 0) {
			return (int)i;
		}
	}
	k->subj[k->nsubj] = slice_make(k->buf[k->nsubj], (size_t)n);
	k->handle[k->nsubj] = is_handle;
	return (int)k->nsubj++;
}

static int
subjects(struct keys *k, const struct life_uris *l)
{
	for (size_t i = 0; i < l->n; i++) {
		int rc = subject(k, l->v[i]);

		if (rc < 0) {
			return rc;
		}
	}
	return IDR_OK;
}

static int
link(struct keys *k, enum reg_link_kind kind, enum reg_link_action action, int from, int to)
{
	if (from == to) {
		return IDR_OK; /* both ends are one item (an identity and its handle) */
	}
	if (k->nlinks == k->lcap) {
		return IDR_ELIMIT; /* lcap is what the event can make, capped at the limit */
	}
	k->links[k->nlinks].kind = kind;
	k->links[k->nlinks].action = action;
	k->links[k->nlinks].from = k->subj[from];
	k->links[k->nlinks].to = k->subj[to];
	k->nlinks++;
	return IDR_OK;
}

/* Subjects and links of ev into k. */
static int
collect(const struct life_event *ev, struct keys *k)
{
	enum reg_link_action act =
	        ev->action == LIFE_ACTION_DELETE ? REG_LINK_DELETE : REG_LINK_ADD;
	int rc = IDR_OK, parent = -1;

	if (ev->parent_id != NULL && (parent = subject(k, ev->parent_id)) < 0) {
		return parent;
	}
	if ((rc = subjects(k, &ev->epcs)) != IDR_OK) {
		return rc;
	}
	for (size_t i = 0; i < ev->child_epcs.n; i++) {
		int c = subject(k, ev->child_epcs.v[i]);

		if (c < 0) {
			return c;
		}
		if (parent >= 0 && (ev->type == LIFE_AGGREGATION || ev->type == LIFE_ASSOCIATION)) {
			rc = link(k,
			          ev->type == LIFE_AGGREGATION ? REG_LINK_AGGREGATION
			                                       : REG_LINK_ASSOCIATION,
			          act, parent, c);
			if (rc != IDR_OK) {
				return rc;
			}
		}
	}
	if ((rc = subjects(k, &ev->input_epcs)) != IDR_OK) {
		return rc;
	}
	for (size_t o = 0; o < ev->output_epcs.n; o++) {
		int out = subject(k, ev->output_epcs.v[o]);

		if (out < 0) {
			return out;
		}
		for (size_t i = 0; ev->type == LIFE_TRANSFORMATION && i < ev->input_epcs.n; i++) {
			int in = subject(k, ev->input_epcs.v[i]); /* found again: no new key */

			if (in < 0) {
				return in;
			}
			if (in != out && (rc = link(k, REG_LINK_TRANSFORMATION, REG_LINK_ADD, out,
			                            in)) != IDR_OK) {
				return rc;
			}
		}
	}
	if (ev->read_point != NULL && (rc = subject(k, ev->read_point)) < 0) {
		return rc;
	}
	if (ev->biz_location != NULL && (rc = subject(k, ev->biz_location)) < 0) {
		return rc;
	}
	return k->nsubj > 0 ? IDR_OK : IDR_EPROTO;
}

/* The links ev can make (collect), capped at LIFE_CAPTURE_MAX_LINKS + 1 so the cap is seen. */
static size_t
max_links(const struct life_event *ev)
{
	size_t n = ev->child_epcs.n;

	if (ev->input_epcs.n > 0 &&
	    ev->output_epcs.n > (LIFE_CAPTURE_MAX_LINKS + 1) / ev->input_epcs.n) {
		return LIFE_CAPTURE_MAX_LINKS;
	}
	n += ev->output_epcs.n * ev->input_epcs.n;
	n = n > LIFE_CAPTURE_MAX_LINKS ? LIFE_CAPTURE_MAX_LINKS : n;
	return n > 0 ? n : 1;
}

/*
 * The checks and keys of ev, and its stored document (doc, malloc'ed; the caller frees it with
 * the keys): what life_capture stores, and what life_capture_check tries.
 */
static int
prepare(const struct life_event *ev, char hash[LIFE_HASH_LEN], struct keys *k, char **doc,
        char *err, size_t errlen)
{
	size_t cap = 6 + ev->epcs.n + ev->child_epcs.n + ev->input_epcs.n + ev->output_epcs.n;
	struct life_event copy;
	json_t *j = NULL;
	int rc;

	memset(k, 0, sizeof(*k));
	*doc = NULL;
	if ((rc = life_event_check(ev, err, errlen)) != IDR_OK) {
		return rc;
	}
	if ((rc = life_event_hash(ev, hash)) != IDR_OK) {
		snprintf(err, errlen, "cannot compute the event id: %s", idr_strerror(rc));
		return rc;
	}
	if (cap > REG_EVENT_MAX_SUBJECTS) {
		snprintf(err, errlen, "more than %d identifiers in one event",
		         REG_EVENT_MAX_SUBJECTS);
		return IDR_ELIMIT;
	}
	k->cap = cap;
	k->lcap = max_links(ev);
	k->buf = malloc(cap * sizeof(*k->buf));
	k->subj = calloc(cap, sizeof(*k->subj));
	k->handle = calloc(cap, sizeof(*k->handle));
	k->links = calloc(k->lcap, sizeof(*k->links));
	if (k->buf == NULL || k->subj == NULL || k->handle == NULL || k->links == NULL) {
		return IDR_ENOMEM;
	}
	rc = collect(ev, k);
	if (rc != IDR_OK) {
		if (k->bad != NULL) {
			snprintf(err, errlen, "identifier %.80s%s: %s", k->bad,
			         strlen(k->bad) > 80 ? "..." : "",
			         rc == IDR_ELIMIT ? "longer than the registry keys identifiers"
			                          : "empty");
		} else {
			snprintf(err, errlen,
			         rc == IDR_ELIMIT ? "too many links in one event"
			                          : "the event names no identifier");
		}
		return rc;
	}
	/* the stored document carries its id */
	copy = *ev;
	copy.event_id = hash;
	rc = life_event_to_json(&copy, &j);
	if (rc == IDR_OK) {
		*doc = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		rc = *doc != NULL ? IDR_OK : IDR_ENOMEM;
	}
	json_decref(j);
	if (rc == IDR_OK && strlen(*doc) > REG_EVENT_DOC_MAX) {
		snprintf(err, errlen, "the event is over %u bytes as stored", REG_EVENT_DOC_MAX);
		rc = IDR_ELIMIT;
	}
	return rc;
}

static void
keys_free(struct keys *k, char *doc)
{
	free(doc);
	free(k->buf);
	free(k->subj);
	free(k->handle);
	free(k->links);
}

int
life_capture_check(const struct life_event *ev, char id[LIFE_HASH_LEN], char *err, size_t errlen)
{
	char hash[LIFE_HASH_LEN];
	struct keys k;
	char *doc;
	int rc = prepare(ev, hash, &k, &doc, err, errlen);

	if (rc == IDR_OK && id != NULL) {
		memcpy(id, hash, LIFE_HASH_LEN);
	}
	keys_free(&k, doc);
	return rc;
}

/* An event checked and keyed, with its stored document (life_capture_prepare). */
struct life_prep {
	char hash[LIFE_HASH_LEN];
	int64_t time_ms;
	int16_t tz_min;
	struct keys k;
	char *doc;
};

int
life_capture_prepare(const struct life_event *ev, struct life_prep **out, char id[LIFE_HASH_LEN],
                     char *err, size_t errlen)
{
	struct life_prep *p = calloc(1, sizeof(*p));
	int rc;

	*out = NULL;
	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return IDR_ENOMEM;
	}
	rc = prepare(ev, p->hash, &p->k, &p->doc, err, errlen);
	if (rc != IDR_OK) {
		life_prep_free(p);
		return rc;
	}
	p->time_ms = ev->event_time.ms;
	p->tz_min = ev->event_time.tz_min;
	if (id != NULL) {
		memcpy(id, p->hash, LIFE_HASH_LEN);
	}
	*out = p;
	return IDR_OK;
}

void
life_prep_free(struct life_prep *p)
{
	if (p != NULL) {
		keys_free(&p->k, p->doc);
		free(p);
	}
}

/*
 * In the writer's transaction: each identity keyed (an EPC, a GS1 key) that an alias joins to
 * a handle becomes that handle's key, in the subjects and the links that name it; then the
 * subjects that became equal are kept once and the links that became loops or repeats are
 * dropped. @return IDR_OK or a store error.
 */
static int
join_subjects(struct reg_wtxn *w, struct keys *k)
{
	size_t n = 0, m = 0;
	bool moved = false;

	for (size_t i = 0; i < k->nsubj; i++) {
		struct slice h = {NULL, 0};
		int len;

		if (k->handle[i]) {
			continue;
		}
		len = joined(reg_alias_write_join(w, k->subj[i], &h), h, k->buf[i],
		             (int)k->subj[i].len, sizeof(k->buf[0]));
		if (len < 0) {
			return len;
		}
		if ((size_t)len == k->subj[i].len &&
		    memcmp(k->subj[i].p, k->buf[i], (size_t)len) == 0) {
			continue; /* no alias: the identity keeps its key */
		}
		for (size_t l = 0; l < k->nlinks; l++) {
			if (k->links[l].from.p == k->subj[i].p) {
				k->links[l].from.len = (size_t)len;
			}
			if (k->links[l].to.p == k->subj[i].p) {
				k->links[l].to.len = (size_t)len;
			}
		}
		k->subj[i].len = (size_t)len;
		k->handle[i] = true;
		moved = true;
	}
	if (!moved) {
		return IDR_OK;
	}
	for (size_t i = 0; i < k->nsubj; i++) {
		bool seen = false;

		for (size_t j = 0; j < n && !seen; j++) {
			seen = slice_eq(k->subj[j], k->subj[i]);
		}
		if (!seen) {
			k->subj[n++] = k->subj[i];
		}
	}
	k->nsubj = n;
	for (size_t l = 0; l < k->nlinks; l++) {
		const struct reg_event_link *x = &k->links[l];
		bool seen = slice_eq(x->from, x->to);

		for (size_t j = 0; j < m && !seen; j++) {
			seen = k->links[j].kind == x->kind && k->links[j].action == x->action &&
			       slice_eq(k->links[j].from, x->from) &&
			       slice_eq(k->links[j].to, x->to);
		}
		if (!seen) {
			k->links[m++] = *x;
		}
	}
	k->nlinks = m;
	return IDR_OK;
}

int
life_capture_put(struct reg_wtxn *w, struct life_prep *p, enum reg_outcome *outcome, char *err,
                 size_t errlen)
{
	struct reg_event_put put;
	int rc;

	if ((rc = join_subjects(w, &p->k)) != IDR_OK) {
		snprintf(err, errlen, "%s", idr_strerror(rc));
		return rc;
	}
	memset(&put, 0, sizeof(put));
	rc = crypto_unhex(p->hash + strlen(HASH_PREFIX), 2 * REG_EVENT_ID_LEN, put.id,
	                  REG_EVENT_ID_LEN);
	if (rc != IDR_OK) {
		snprintf(err, errlen, "bad event id");
		return rc;
	}
	put.time_ms = p->time_ms;
	put.tz_min = p->tz_min;
	put.doc = slice_cstr(p->doc);
	put.subjects = p->k.subj;
	put.nsubjects = p->k.nsubj;
	put.links = p->k.links;
	put.nlinks = p->k.nlinks;
	rc = reg_event_add(w, &put, outcome);
	if (rc != IDR_OK) {
		snprintf(err, errlen, "%s", idr_strerror(rc));
	}
	return rc;
}

int
life_capture(struct reg_wtxn *w, const struct life_event *ev, char id[LIFE_HASH_LEN],
             enum reg_outcome *outcome, char *err, size_t errlen)
{
	struct life_prep *p;
	int rc = life_capture_prepare(ev, &p, id, err, errlen);

	if (rc == IDR_OK) {
		rc = life_capture_put(w, p, outcome, err, errlen);
	}
	life_prep_free(p);
	return rc;
}

int
life_capture_replay(struct reg_wtxn *w, struct slice stored)
{
	struct reg_event_view v;
	struct reg_event_put put;
	struct life_event ev;
	struct keys k;
	char err[128];
	size_t cap;
	int rc;

	/* the document follows the stored event's head (reg_event.c): u8 format, i64 time,
	 * i16 zone, i64 record time, the 32-byte id */
	if (stored.len < 1 + 8 + 2 + 8 + REG_EVENT_ID_LEN) {
		return IDR_EPROTO;
	}
	v.doc = slice_make(stored.p + 19 + REG_EVENT_ID_LEN, stored.len - 19 - REG_EVENT_ID_LEN);
	if (life_event_parse(v.doc.p, v.doc.len, &ev, err, sizeof(err)) != IDR_OK) {
		return IDR_EPROTO;
	}
	memset(&k, 0, sizeof(k));
	cap = 6 + ev.epcs.n + ev.child_epcs.n + ev.input_epcs.n + ev.output_epcs.n;
	rc = cap > REG_EVENT_MAX_SUBJECTS ? IDR_EPROTO : IDR_OK;
	if (rc == IDR_OK) {
		k.cap = cap;
		k.lcap = max_links(&ev);
		k.buf = malloc(cap * sizeof(*k.buf));
		k.subj = calloc(cap, sizeof(*k.subj));
		k.handle = calloc(cap, sizeof(*k.handle));
		k.links = calloc(k.lcap, sizeof(*k.links));
		rc = k.buf == NULL || k.subj == NULL || k.handle == NULL || k.links == NULL
		             ? IDR_ENOMEM
		             : IDR_OK;
	}
	if (rc == IDR_OK) {
		rc = collect(&ev, &k) == IDR_OK ? IDR_OK : IDR_EPROTO;
	}
	if (rc == IDR_OK) {
		/* the aliases replayed before this entry join its identities as on the primary */
		rc = join_subjects(w, &k);
	}
	if (rc == IDR_OK) {
		memset(&put, 0, sizeof(put));
		put.subjects = k.subj;
		put.nsubjects = k.nsubj;
		put.links = k.links;
		put.nlinks = k.nlinks;
		rc = reg_event_replay(w, stored, &put);
	}
	keys_free(&k, NULL);
	life_event_deinit(&ev);
	return rc;
}
