/* capture.c - lifecycle events into the registry (capture.h). */
#include "life/capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/crypto.h"
#include "model/ident.h"

#define HASH_PREFIX "ni:///sha-256;"

int
life_capture_key(const char *uri, char *buf, size_t cap)
{
	char handle[IDENT_HARD_MAX + 1];
	struct ident id;
	size_t n = strlen(uri);
	int hl = life_uri_handle(uri, handle, sizeof(handle));

	if (n == 0) {
		return IDR_EINVAL;
	}
	if (hl > 0) {
		uri = handle;
		n = (size_t)hl;
	} else if (ident_parse(&id, uri, n, NULL) != IDR_OK) {
		if (n > REG_EVENT_KEY_MAX || n >= cap) {
			return IDR_ELIMIT;
		}
		memcpy(buf, uri, n + 1);
		return (int)n;
	}
	if (n > REG_EVENT_KEY_MAX || n >= cap) {
		return IDR_ELIMIT;
	}
	ident_fold((const uint8_t *)uri, n, (uint8_t *)buf);
	buf[n] = '\0';
	return (int)n;
}

/* The identifiers and links of one event, keyed; storage for the keys. */
struct keys {
	char (*buf)[REG_EVENT_KEY_MAX + 1];
	struct slice *subj;
	size_t nsubj, cap;
	struct reg_event_link *links;
	size_t nlinks;
	const char *bad; /* the identifier that could not be keyed */
};

/* Key uri, as a subject unless it is one already. @return its index or < 0 (error). */
static int
subject(struct keys *k, const char *uri)
{
	int n;

	if (k->nsubj == k->cap) {
		return IDR_ELIMIT;
	}
	n = life_capture_key(uri, k->buf[k->nsubj], sizeof(k->buf[0]));
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
	if (k->nlinks == LIFE_CAPTURE_MAX_LINKS) {
		return IDR_ELIMIT;
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
	k->buf = malloc(cap * sizeof(*k->buf));
	k->subj = calloc(cap, sizeof(*k->subj));
	k->links = calloc(LIFE_CAPTURE_MAX_LINKS, sizeof(*k->links));
	if (k->buf == NULL || k->subj == NULL || k->links == NULL) {
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

int
life_capture(struct reg_wtxn *w, const struct life_event *ev, char id[LIFE_HASH_LEN],
             enum reg_outcome *outcome, char *err, size_t errlen)
{
	char hash[LIFE_HASH_LEN];
	struct reg_event_put put;
	struct keys k;
	char *doc;
	int rc = prepare(ev, hash, &k, &doc, err, errlen);

	if (rc != IDR_OK) {
		goto done;
	}
	if (id != NULL) {
		memcpy(id, hash, LIFE_HASH_LEN);
	}
	memset(&put, 0, sizeof(put));
	rc = crypto_unhex(hash + strlen(HASH_PREFIX), 2 * REG_EVENT_ID_LEN, put.id,
	                  REG_EVENT_ID_LEN);
	if (rc != IDR_OK) {
		goto done;
	}
	put.time_ms = ev->event_time.ms;
	put.tz_min = ev->event_time.tz_min;
	put.doc = slice_cstr(doc);
	put.subjects = k.subj;
	put.nsubjects = k.nsubj;
	put.links = k.links;
	put.nlinks = k.nlinks;
	rc = reg_event_add(w, &put, outcome);
	if (rc != IDR_OK) {
		snprintf(err, errlen, "%s", idr_strerror(rc));
	}
done:
	keys_free(&k, doc);
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
		k.buf = malloc(cap * sizeof(*k.buf));
		k.subj = calloc(cap, sizeof(*k.subj));
		k.links = calloc(LIFE_CAPTURE_MAX_LINKS, sizeof(*k.links));
		rc = k.buf == NULL || k.subj == NULL || k.links == NULL ? IDR_ENOMEM : IDR_OK;
	}
	if (rc == IDR_OK) {
		rc = collect(&ev, &k) == IDR_OK ? IDR_OK : IDR_EPROTO;
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
