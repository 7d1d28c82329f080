/* epcis.c - the lifecycle capture and query handlers (epcis.h). */
#include "http/epcis.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/crypto.h"
#include "base/log.h"
#include "core/auth.h"
#include "http/api_write.h"
#include "http/hauth.h"
#include "http/sfwd.h"
#include "life/capture.h"
#include "life/event.h"
#include "model/ident.h"
#include "model/rec.h"
#include "model/value.h"
#include "model/vjson.h"
#include "write/writer.h"

#define EVENTS_SUFFIX "/events"
#define CAPTURE_ID    32 /* hex digits of a capture id */
#define HASH_PREFIX   "ni:///sha-256;"
#define HASH_SUFFIX   "?ver=CBV2.0"
#define CT_DOT        "text/vnd.graphviz; charset=utf-8"
#define HOST_MAX      300
#define URI_ROOM      (IDENT_HARD_MAX + HOST_MAX + 16)
#define TRACE_MAX     100000

/* ---------------------------------------------------------------- answers */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An RFC 7807 problem body into w. */
static void
problem_body(struct wbuf *w, int status, const char *type, const char *detail)
{
	wbuf_lit(w, "{\"type\":\"epcisException:");
	wbuf_cstr(w, type);
	wbuf_lit(w, "\",\"title\":");
	(void)vjson_write_str(w, slice_cstr(type));
	wbuf_printf(w, ",\"status\":%d,\"detail\":", status);
	(void)vjson_write_str(w, slice_cstr(detail));
	wbuf_u8(w, '}');
}

static void
problem(struct http_req *q, int status, const char *type, const char *detail)
{
	wbuf_reset(&q->s->out);
	problem_body(&q->s->out, status, type, detail);
	http_reply_json(q, status);
}

static void problemf(struct http_req *q, int status, const char *type, const char *fmt, ...)
        IDR_PRINTF(4, 5);

static void
problemf(struct http_req *q, int status, const char *type, const char *fmt, ...)
{
	char msg[LIFE_ERR_LEN + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	problem(q, status, type, msg);
}

/* The node's name in identifiers: the request's Host, else localhost. */
static struct slice
host_of(const struct http_req *q)
{
	return q->host.len > 0 && q->host.len < HOST_MAX ? q->host : SLICE_LIT("localhost");
}

/* ---------------------------------------------------------------- identifiers */

/* Strings made for an answer (rewritten identifiers), freed together. */
struct pool {
	char **v;
	size_t n, cap;
};

static void
pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i]);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* A handle URI as https://<host>/<handle>; anything else as it is. NULL: out of memory. */
static const char *
rebase_one(struct pool *p, struct slice host, const char *uri)
{
	char h[IDENT_HARD_MAX + 1];
	int n = life_uri_handle(uri, h, sizeof(h));
	size_t len;
	char *s;

	if (n <= 0) {
		return uri;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap > 0 ? 2 * p->cap : 16;
		char **v = realloc(p->v, cap * sizeof(*v));

		if (v == NULL) {
			return NULL;
		}
		p->v = v;
		p->cap = cap;
	}
	len = 8 + host.len + 1 + (size_t)n + 1;
	s = malloc(len);
	if (s == NULL) {
		return NULL;
	}
	snprintf(s, len, "https://%.*s/%s", (int)host.len, (const char *)host.p, h);
	p->v[p->n++] = s;
	return s;
}

static int
rebase_list(struct pool *p, struct slice host, struct life_uris *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *s = rebase_one(p, host, l->v[i]);

		if (s == NULL) {
			return IDR_ENOMEM;
		}
		l->v[i] = s;
	}
	return IDR_OK;
}

/* Name the handles of a parsed (stored) event by this node as the client reached it. */
static int
rebase(struct pool *p, struct slice host, struct life_event *ev)
{
	const char **one[] = {&ev->parent_id, &ev->read_point, &ev->biz_location};
	struct life_uris *lists[] = {&ev->epcs, &ev->child_epcs, &ev->input_epcs, &ev->output_epcs};

	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		if (*one[i] != NULL && (*one[i] = rebase_one(p, host, *one[i])) == NULL) {
			return IDR_ENOMEM;
		}
	}
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if (rebase_list(p, host, lists[i]) != IDR_OK) {
			return IDR_ENOMEM;
		}
	}
	return IDR_OK;
}

/*
 * Does the list name key (as the registry keys identifiers)? With t, an identity joined to a
 * handle (life_capture_subject) names the handle too.
 */
static bool
list_names(struct reg_rtxn *t, const struct life_uris *l, struct slice key)
{
	char buf[REG_EVENT_KEY_MAX + 1];

	for (size_t i = 0; i < l->n; i++) {
		int n = t != NULL ? life_capture_subject(t, l->v[i], buf, sizeof(buf))
		                  : life_capture_key(l->v[i], buf, sizeof(buf));

		if (n > 0 && slice_eq(slice_make(buf, (size_t)n), key)) {
			return true;
		}
	}
	return false;
}

static bool
one_names(struct reg_rtxn *t, const char *uri, struct slice key)
{
	struct life_uris l = {&uri, uri != NULL ? 1 : 0};

	return list_names(t, &l, key);
}

/* Does ev name key where match looks? t: as list_names. */
static bool
event_names(struct reg_rtxn *t, const struct life_event *ev, enum epcis_match match,
            struct slice key)
{
	switch (match) {
	case EPCIS_MATCH_EPC:
		return list_names(t, &ev->epcs, key) || list_names(t, &ev->child_epcs, key);
	case EPCIS_MATCH_PARENT:
		return one_names(t, ev->parent_id, key);
	case EPCIS_MATCH_INPUT:
		return list_names(t, &ev->input_epcs, key);
	case EPCIS_MATCH_OUTPUT:
		return list_names(t, &ev->output_epcs, key);
	default:
		return list_names(t, &ev->epcs, key) || list_names(t, &ev->child_epcs, key) ||
		       one_names(t, ev->parent_id, key) || list_names(t, &ev->input_epcs, key) ||
		       list_names(t, &ev->output_epcs, key);
	}
}

/*
 * key, or the folded handle its identity is joined to (reg.h reg_alias_join: one get) in buf.
 * A key whose handle is too long to key events stays itself.
 */
static struct slice
joined_key(struct reg_rtxn *t, struct slice key, char *buf)
{
	struct slice h;

	if (reg_alias_join(t, key, &h) != IDR_OK || h.len == 0 || h.len > REG_EVENT_KEY_MAX) {
		return key;
	}
	ident_fold(h.p, h.len, (uint8_t *)buf);
	buf[h.len] = '\0';
	return slice_make(buf, h.len);
}

/* The registry key of an identifier given by a client (a handle or a URI) into buf. */
static int
key_of(struct slice id, char *buf, size_t cap)
{
	char tmp[LIFE_MAX_URI + 1];

	if (id.len == 0 || id.len > LIFE_MAX_URI || memchr(id.p, '\0', id.len) != NULL) {
		return IDR_EINVAL;
	}
	memcpy(tmp, id.p, id.len);
	tmp[id.len] = '\0';
	return life_capture_key(tmp, buf, cap);
}

/* ---------------------------------------------------------------- query documents */

/* An EPCISQueryDocument of ev[0..n) into w (life_query_doc_to_json). */
static int
query_doc(struct wbuf *w, const struct life_event *ev, size_t n)
{
	json_t *doc = NULL;
	char *text;
	int rc = life_query_doc_to_json(ev, n, NULL, now_ms(), &doc);

	if (rc != IDR_OK) {
		return rc;
	}
	text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (text == NULL) {
		return IDR_ENOMEM;
	}
	wbuf_cstr(w, text);
	free(text);
	return wbuf_error(w);
}

/* One page of a timeline. */
struct page {
	const struct epcis_query *qy;
	struct reg_rtxn *t; /* while the timeline is read */
	struct slice key;
	struct slice host;
	struct life_event *ev; /* per_page */
	size_t n;
	size_t examined;
	bool more;
	bool have_last;
	struct epcis_token last; /* the last entry looked at */
	struct epcis_token next; /* with more: where the next page starts after */
	struct pool pool;
	int rc;
};

static bool
word_in(const char *w, const struct slice *v, size_t n)
{
	if (n == 0) {
		return true;
	}
	if (w == NULL) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (slice_eq(epcis_cbv_bare(slice_cstr(w)), v[i])) {
			return true;
		}
	}
	return false;
}

static bool
wanted(const struct page *pg, const struct life_event *ev)
{
	const struct epcis_query *qy = pg->qy;

	return (qy->types == 0 || (qy->types & (1u << ev->type)) != 0) &&
	       word_in(ev->biz_step, qy->biz_steps, qy->nbiz_steps) &&
	       word_in(ev->disposition, qy->dispositions, qy->ndispositions) &&
	       (qy->match == EPCIS_MATCH_NONE || event_names(pg->t, ev, qy->match, pg->key));
}

/* reg_events callback: filter, rebase and keep up to per_page events. */
static int
on_entry(void *arg, const struct reg_event_view *v)
{
	struct page *pg = arg;
	const struct epcis_token *tok = &pg->qy->token;
	char err[LIFE_ERR_LEN];
	struct life_event ev;

	if (pg->qy->has_token &&
	    (v->time_ms < tok->ms ||
	     (v->time_ms == tok->ms && memcmp(v->id, tok->id, REG_EVENT_ID_LEN) <= 0))) {
		return 0; /* at or before where the previous page ended */
	}
	if (pg->examined == EPCIS_EXAMINE_MAX) {
		pg->more = pg->have_last; /* go on from the last entry looked at */
		pg->next = pg->last;
		return 1;
	}
	pg->examined++;
	if (life_event_parse(v->doc.p, v->doc.len, &ev, err, sizeof(err)) != IDR_OK) {
		log_warn("epcis: a stored event does not parse: %s", err);
		return 0;
	}
	if (wanted(pg, &ev) && pg->n == pg->qy->per_page) {
		life_event_deinit(&ev);
		pg->more = true; /* one more than the page holds: the next page starts here */
		return 1;
	}
	pg->last.ms = v->time_ms;
	memcpy(pg->last.id, v->id, REG_EVENT_ID_LEN);
	pg->have_last = true;
	if (!wanted(pg, &ev)) {
		life_event_deinit(&ev);
		return 0;
	}
	if (rebase(&pg->pool, pg->host, &ev) != IDR_OK) {
		life_event_deinit(&ev);
		pg->rc = IDR_ENOMEM;
		return 1;
	}
	pg->ev[pg->n++] = ev;
	pg->next = pg->last;
	return 0;
}

static void
page_free(struct page *pg)
{
	for (size_t i = 0; pg->ev != NULL && i < pg->n; i++) {
		life_event_deinit(&pg->ev[i]);
	}
	free(pg->ev);
	pool_free(&pg->pool);
}

/* The Link header to the next page: the target without its token, plus the new one. */
static void
link_next(struct http_req *q, const struct epcis_token *next)
{
	const char *target = q->raw_target, *qm = strchr(target, '?');
	char tok[EPCIS_TOKEN_MAX];
	struct wbuf w;
	char sep = '?';

	wbuf_init_heap(&w, URI_MAX_TARGET + 256);
	wbuf_lit(&w, "<");
	wbuf_bytes(&w, target, qm != NULL ? (size_t)(qm - target) : strlen(target));
	for (const char *p = qm != NULL ? qm + 1 : NULL; p != NULL && *p != '\0';) {
		const char *amp = strchr(p, '&');
		size_t len = amp != NULL ? (size_t)(amp - p) : strlen(p);

		if (len > 0 && strncmp(p, "nextPageToken=", 14) != 0) {
			wbuf_u8(&w, (uint8_t)sep);
			wbuf_bytes(&w, p, len);
			sep = '&';
		}
		p = amp != NULL ? amp + 1 : NULL;
	}
	epcis_token_format(next, tok);
	wbuf_printf(&w, "%cnextPageToken=%s>; rel=\"next\"", sep, tok);
	wbuf_terminate(&w);
	if (wbuf_error(&w) == IDR_OK) {
		http_header(q, "Link", (const char *)wbuf_data(&w));
	}
	wbuf_deinit(&w);
}

/* Answer a timeline query of key. */
static void
answer_page(struct http_req *q, const struct epcis_query *qy, struct slice key)
{
	char joined[REG_EVENT_KEY_MAX + 1];
	struct page pg;
	struct reg_rtxn *t;
	int64_t from = qy->from_ms;
	int rc;

	memset(&pg, 0, sizeof(pg));
	pg.qy = qy;
	pg.key = key;
	pg.host = host_of(q);
	pg.ev = calloc(qy->per_page, sizeof(*pg.ev));
	if (pg.ev == NULL || rsv_read_begin(q->rw, &t) != IDR_OK) {
		free(pg.ev);
		problem(q, 500, "ImplementationException", "internal error");
		return;
	}
	pg.t = t;
	pg.key = key = joined_key(t, key, joined);
	if (qy->has_token && qy->token.ms > from) {
		from = qy->token.ms;
	}
	rc = from < qy->to_ms ? reg_events(t, key, from, qy->to_ms, 0, on_entry, &pg) : IDR_OK;
	rsv_read_end(q->rw);
	pg.t = NULL;
	if (rc == 1) {
		rc = pg.rc;
	}
	wbuf_reset(&q->s->out);
	if (rc == IDR_OK) {
		rc = query_doc(&q->s->out, pg.ev, pg.n);
	}
	if (rc != IDR_OK) {
		page_free(&pg);
		problemf(q, 500, "ImplementationException", "cannot read the events: %s",
		         idr_strerror(rc));
		return;
	}
	if (pg.more) {
		link_next(q, &pg.next);
	}
	page_free(&pg);
	http_reply_json(q, 200);
}

static bool
pretty_ok(struct http_req *q)
{
	if (uri_param_bool(&q->t, "pretty", false, &q->pretty) != IDR_OK) {
		problem(q, 400, "QueryParameterException", "pretty: true or false");
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------- capture jobs */

struct job_rec {
	char id[CAPTURE_ID + 1];
	bool success;
	char error[LIFE_ERR_LEN + 64]; /* "" when none */
};

static struct {
	pthread_mutex_t lock;
	struct job_rec v[EPCIS_CAPTURE_KEEP];
	size_t next;
} jobs = {PTHREAD_MUTEX_INITIALIZER, {{"", false, ""}}, 0};

static void
job_remember(const char *id, bool success, const char *error)
{
	struct job_rec *r;

	pthread_mutex_lock(&jobs.lock);
	r = &jobs.v[jobs.next];
	jobs.next = (jobs.next + 1) % EPCIS_CAPTURE_KEEP;
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->success = success;
	snprintf(r->error, sizeof(r->error), "%s", error);
	pthread_mutex_unlock(&jobs.lock);
}

static bool
job_find(struct slice id, struct job_rec *out)
{
	bool found = false;

	pthread_mutex_lock(&jobs.lock);
	for (size_t i = 0; i < EPCIS_CAPTURE_KEEP && !found; i++) {
		if (jobs.v[i].id[0] != '\0' && slice_eq(id, slice_cstr(jobs.v[i].id))) {
			*out = jobs.v[i];
			found = true;
		}
	}
	pthread_mutex_unlock(&jobs.lock);
	return found;
}

static void
job_json(struct wbuf *w, const struct job_rec *r)
{
	wbuf_lit(w, "{\"captureID\":");
	(void)vjson_write_str(w, slice_cstr(r->id));
	wbuf_printf(w,
	            ",\"running\":false,\"success\":%s,\"captureErrorBehaviour\":\"rollback\","
	            "\"errors\":[",
	            r->success ? "true" : "false");
	if (r->error[0] != '\0') {
		(void)vjson_write_str(w, slice_cstr(r->error));
	}
	wbuf_lit(w, "]}");
}

void
http_epcis_capture_get(struct http_req *q)
{
	struct job_rec r;

	if (!job_find(q->match.capture, &r)) {
		problem(q, 404, "NoSuchResourceException",
		        "no such capture job (this node keeps the last 256)");
		return;
	}
	wbuf_reset(&q->s->out);
	job_json(&q->s->out, &r);
	http_reply_json(q, 200);
}

/* ---------------------------------------------------------------- writes */

enum cap_kind { CAP_ITEM = 1, CAP_EVENT = 2, CAP_DOC = 3 };

/* One capture: the events, checked and authorized, applied by one writer job. */
struct cap {
	struct writer_job job;
	struct rsv_pending *p;
	enum cap_kind kind;
	struct life_doc doc;   /* CAP_DOC */
	struct life_event one; /* CAP_ITEM, CAP_EVENT */
	struct life_event *ev;
	size_t n;
	char (*ids)[LIFE_HASH_LEN];
	struct life_prep **preps; /* checked and keyed by the worker: the writer only writes */
	enum reg_outcome *outcomes;
	char err[LIFE_ERR_LEN + 64];
	char identity[AUTH_ID_MAX];
	char capture_id[CAPTURE_ID + 1];
	char handle[IDENT_HARD_MAX + 1]; /* CAP_ITEM */
};

static void
cap_free(struct cap *c)
{
	if (c == NULL) {
		return;
	}
	life_doc_free(&c->doc);
	life_event_deinit(&c->one);
	for (size_t i = 0; c->preps != NULL && i < c->n; i++) {
		life_prep_free(c->preps[i]);
	}
	free(c->preps);
	free(c->ids);
	free(c->outcomes);
	free(c);
}

/* The writer job: every event, in the batch's transaction. */
static int
cap_apply(void *arg, struct reg_wtxn *t)
{
	struct cap *c = arg;
	char err[LIFE_ERR_LEN] = "";

	for (size_t i = 0; i < c->n; i++) {
		int rc = reg_write_status(t);

		if (rc == IDR_OK) {
			rc = life_capture_put(t, c->preps[i], &c->outcomes[i], err, sizeof(err));
		}
		if (rc != IDR_OK) {
			snprintf(c->err, sizeof(c->err), "eventList[%zu]: %s", i, err);
			return rc;
		}
	}
	return IDR_OK;
}

/* "/events/<64 hex>" of an id "ni:///sha-256;<hex>?ver=CBV2.0". */
static void
event_location(const char *id, char *out, size_t cap)
{
	snprintf(out, cap, "/events/%.64s", id + strlen(HASH_PREFIX));
}

/* The answer of a committed (or failed) capture into w; its status and Location. */
static int
cap_answer(struct cap *c, int rc, struct wbuf *w, char *loc, size_t loccap)
{
	struct job_rec r;

	if (c->kind == CAP_DOC) {
		snprintf(r.id, sizeof(r.id), "%s", c->capture_id);
		r.success = rc == IDR_OK;
		snprintf(r.error, sizeof(r.error), "%s",
		         rc == IDR_OK ? "" : (c->err[0] != '\0' ? c->err : reg_write_strerror(rc)));
		job_remember(r.id, r.success, r.error);
		snprintf(loc, loccap, "/capture/%s", c->capture_id);
		job_json(w, &r);
		return rc == IDR_OK ? 202 : 500;
	}
	if (rc != IDR_OK) {
		problem_body(w, rc == IDR_EAGAIN ? 503 : 500, "ImplementationException",
		             c->err[0] != '\0' ? c->err : reg_write_strerror(rc));
		return rc == IDR_EAGAIN ? 503 : 500;
	}
	event_location(c->ids[0], loc, loccap);
	wbuf_lit(w, "{\"eventID\":");
	(void)vjson_write_str(w, slice_cstr(c->ids[0]));
	if (c->kind == CAP_ITEM) {
		wbuf_lit(w, ",\"handle\":");
		(void)vjson_write_str(w, slice_cstr(c->handle));
	}
	wbuf_printf(w, ",\"created\":%s}", c->outcomes[0] == REG_CREATED ? "true" : "false");
	return c->kind == CAP_ITEM && c->outcomes[0] != REG_CREATED ? 200 : 201;
}

static void
cap_done(void *arg, int rc, bool ran)
{
	struct cap *c = arg;
	char loc[128] = "";
	struct wbuf w;
	int status;

	if (!ran) {
		cap_free(c);
		return;
	}
	if (rc != IDR_OK) {
		log_warn("epcis: a capture of %zu events by %s failed: %s", c->n, c->identity,
		         c->err[0] != '\0' ? c->err : reg_write_strerror(rc));
	}
	wbuf_init_heap(&w, 4096);
	status = cap_answer(c, rc, &w, loc, sizeof(loc));
	if (wbuf_error(&w) != IDR_OK) {
		wbuf_reset(&w);
		wbuf_lit(&w,
		         "{\"type\":\"epcisException:ImplementationException\",\"status\":500}");
		status = 500;
	}
	rsv_pending_finish_at(c->p, status, wbuf_slice(&w), loc[0] != '\0' ? loc : NULL);
	wbuf_deinit(&w);
	cap_free(c);
}

static void
on_cancel(void *arg, struct rsv_pending *p)
{
	(void)arg; /* the writer finishes the job; cap_done releases the request */
	(void)p;
}

/* ---- authorization */

/* May a write the record of handle h (see epcis.h)? IDR_OK, IDR_EDENIED or a store error. */
static int
may_write(struct reg_rtxn *t, const struct hauth *a, struct slice h)
{
	char authority[IDENT_HARD_MAX + 8];
	const uint8_t *slash = memchr(h.p, '/', h.len);
	struct rec_view rec;
	uint16_t need;
	int rc = reg_get(t, h, &rec);

	if (rc == IDR_OK) {
		return auth_allowed(t, &a->id, h, VALUE_ADMIN_ADD_VALUE);
	}
	if (rc != IDR_ENOENT) {
		return rc <= IDR_EID_EMPTY && rc >= IDR_EID_NOSLASH ? IDR_EDENIED : rc;
	}
	if (slash == NULL ||
	    reg_prefix_check(t, slice_make(h.p, (size_t)(slash - h.p))) != IDR_OK) {
		return IDR_EDENIED;
	}
	rc = auth_create_authority(h, authority, sizeof(authority), &need);
	return rc == IDR_OK ? auth_allowed(t, &a->id, slice_cstr(authority), need) : IDR_EDENIED;
}

static int
may_write_uri(struct reg_rtxn *t, const struct hauth *a, const char *uri)
{
	char h[IDENT_HARD_MAX + 1];
	int n = uri != NULL ? life_uri_handle(uri, h, sizeof(h)) : IDR_ENOENT;

	return n > 0 ? may_write(t, a, slice_make(h, (size_t)n)) : IDR_EDENIED;
}

static int
may_write_list(struct reg_rtxn *t, const struct hauth *a, const struct life_uris *l)
{
	int rc = IDR_EDENIED;

	for (size_t i = 0; i < l->n && rc == IDR_EDENIED; i++) {
		rc = may_write_uri(t, a, l->v[i]);
	}
	return rc;
}

/* May a record ev: does it name a handle a may write? */
static int
event_allowed(struct reg_rtxn *t, const struct hauth *a, const struct life_event *ev)
{
	const struct life_uris *lists[] = {&ev->epcs, &ev->child_epcs, &ev->input_epcs,
	                                   &ev->output_epcs};
	int rc = a->node_admin ? IDR_OK : may_write_uri(t, a, ev->parent_id);

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]) && rc == IDR_EDENIED; i++) {
		rc = may_write_list(t, a, lists[i]);
	}
	return rc;
}

/* The answer to credentials that did not authenticate. */
static void
auth_failed(struct http_req *q, enum hauth_result res, const char *msg)
{
	if (res == HAUTH_NONE) {
		if (hauth_challenge(q) != IDR_OK) {
			log_warn("http: no session for a Handle challenge (sessions exhausted?)");
		}
		http_header(q, "WWW-Authenticate", "Basic realm=\"handle\"");
		problem(q, 401, "SecurityException", "authentication needed");
	} else if (res == HAUTH_ERROR) {
		problem(q, 500, "ImplementationException", msg);
	} else {
		log_notice("epcis: capture refused: %s", msg);
		problem(q, res == HAUTH_BAD ? 400 : 403, "SecurityException", msg);
	}
}

/*
 * Authenticate and authorize every event of c (one read transaction). For CAP_ITEM the
 * identity must be allowed the item itself. false: the answer was sent.
 */
static bool
admit(struct http_req *q, struct cap *c)
{
	char msg[HTTP_MSG_MAX];
	struct reg_rtxn *t;
	struct hauth a;
	enum hauth_result res;
	size_t i = 0;
	int rc = IDR_OK;

	if (rsv_read_begin(q->rw, &t) != IDR_OK) {
		problem(q, 500, "ImplementationException", "internal error");
		return false;
	}
	res = http_authenticate(q, t, &a, msg, sizeof(msg));
	if (res != HAUTH_OK) {
		rsv_read_end(q->rw);
		auth_failed(q, res, msg);
		return false;
	}
	snprintf(c->identity, sizeof(c->identity), "%s", a.text);
	if (c->kind == CAP_ITEM && !a.node_admin) {
		rc = may_write(t, &a, slice_cstr(c->handle));
	}
	for (; rc == IDR_OK && c->kind != CAP_ITEM && i < c->n; i++) {
		rc = event_allowed(t, &a, &c->ev[i]);
	}
	rsv_read_end(q->rw);
	if (rc == IDR_EDENIED) {
		log_notice("epcis: capture by %s refused: not an administrator", a.text);
		if (c->kind == CAP_ITEM) {
			problemf(q, 403, "SecurityException", "%.200s may not write %.200s", a.text,
			         c->handle);
		} else {
			problemf(q, 403, "SecurityException",
			         "%s%zu%s%.200s may write no item it names (HS_ADMIN)",
			         c->kind == CAP_DOC ? "eventList[" : "", i - 1,
			         c->kind == CAP_DOC ? "]: " : "", a.text);
		}
		return false;
	}
	if (rc != IDR_OK) {
		problem(q, 500, "ImplementationException", idr_strerror(rc));
		return false;
	}
	return true;
}

/* Hand c to the writer; its answer comes in cap_done. Takes c. */
static void
submit(struct http_req *q, struct cap *c)
{

	c->p = http_defer(q, on_cancel, c);
	if (c->p == NULL) {
		cap_free(c);
		problem(q, 503, "ImplementationException", "too many requests in progress");
		return;
	}
	c->job.apply = cap_apply;
	c->job.done = cap_done;
	c->job.arg = c;
	c->job.identity = c->identity;
	c->job.reply_to = rsv_worker_mbox(q->rw);
	if (writer_submit(rsv_writer(q->rw), &c->job) != IDR_OK) {
		struct wbuf w;

		wbuf_init_heap(&w, 512);
		problem_body(&w, 503, "ImplementationException", "the writer is busy or stopping");
		rsv_pending_finish(c->p, 503, wbuf_slice(&w));
		wbuf_deinit(&w);
		cap_free(c);
		return;
	}
	q->pending = true;
}

/* ---- bodies */

static bool
body_is_json(struct slice ct)
{
	return (ct.len >= 16 &&
	        slice_caseeq(slice_make(ct.p, 16), SLICE_LIT("application/json"))) ||
	       (ct.len >= 19 &&
	        slice_caseeq(slice_make(ct.p, 19), SLICE_LIT("application/ld+json")));
}

/* Parse the body into c (a document or one event) and check every event. */
static bool
parse_body(struct http_req *q, struct cap *c)
{
	char err[LIFE_ERR_LEN + 64];
	int rc;

	if (!body_is_json(q->content_type)) {
		problem(q, 415, "ValidationException",
		        "Content-Type must be application/json or application/ld+json");
		return false;
	}
	if (c->kind == CAP_DOC) {
		rc = life_doc_parse(q->body.p, q->body.len, &c->doc, err, sizeof(err));
		c->ev = c->doc.ev;
		c->n = c->doc.n;
	} else {
		rc = life_event_parse(q->body.p, q->body.len, &c->one, err, sizeof(err));
		c->ev = &c->one;
		c->n = 1;
	}
	if (rc == IDR_OK && c->n == 0) {
		snprintf(err, sizeof(err), "epcisBody.eventList: no events to capture");
		rc = IDR_EPROTO;
	}
	if (rc == IDR_OK) {
		c->ids = calloc(c->n, sizeof(*c->ids));
		c->preps = calloc(c->n, sizeof(*c->preps));
		c->outcomes = calloc(c->n, sizeof(*c->outcomes));
		rc = c->ids != NULL && c->preps != NULL && c->outcomes != NULL ? IDR_OK
		                                                               : IDR_ENOMEM;
	}
	for (size_t i = 0; rc == IDR_OK && i < c->n; i++) {
		char why[LIFE_ERR_LEN];

		rc = life_capture_prepare(&c->ev[i], &c->preps[i], c->ids[i], why, sizeof(why));
		if (rc != IDR_OK && c->kind == CAP_DOC) {
			snprintf(err, sizeof(err), "eventList[%zu].%s", i, why);
		} else if (rc != IDR_OK) {
			snprintf(err, sizeof(err), "%s", why);
		}
	}
	if (rc == IDR_ENOMEM) {
		problem(q, 500, "ImplementationException", "out of memory");
		return false;
	}
	if (rc != IDR_OK) {
		problem(q, rc == IDR_ELIMIT ? 413 : 400,
		        rc == IDR_ELIMIT ? "CaptureLimitExceededException" : "ValidationException",
		        err);
		return false;
	}
	return true;
}

/* Does uri (an item's https://<node>/<handle>) name an identifier of a node taken over? */
static bool
uri_taken(struct http_req *q, const char *uri, char *node, size_t cap)
{
	char h[IDENT_HARD_MAX + 1];
	int n = uri != NULL ? life_uri_handle(uri, h, sizeof(h)) : IDR_ENOENT;

	return n > 0 && rsv_takeover_of(q->rw, slice_make(h, (size_t)n), node, cap);
}

/*
 * On a top level: does c name an identifier of a node taken over (fed/takeover.h)? Its events
 * belong to the node, whose records the top level only serves read-only: the answer (503,
 * Retry-After) is sent.
 */
static bool
takeover_refused(struct http_req *q, const struct cap *c)
{
	char node[PFX_MAX_LEN + 1], msg[HTTP_MSG_MAX];
	bool taken = c->kind == CAP_ITEM &&
	             rsv_takeover_of(q->rw, slice_cstr(c->handle), node, sizeof(node));

	for (size_t i = 0; !taken && c->kind != CAP_ITEM && i < c->n; i++) {
		const struct life_event *ev = &c->ev[i];
		const struct life_uris *lists[] = {&ev->epcs, &ev->child_epcs, &ev->input_epcs,
		                                   &ev->output_epcs};

		taken = uri_taken(q, ev->parent_id, node, sizeof(node));
		for (size_t k = 0; !taken && k < sizeof(lists) / sizeof(lists[0]); k++) {
			for (size_t m = 0; !taken && m < lists[k]->n; m++) {
				taken = uri_taken(q, lists[k]->v[m], node, sizeof(node));
			}
		}
	}
	if (taken) {
		rsv_takeover_message(node, msg, sizeof(msg));
		http_header(q, "Retry-After", RSV_TAKEOVER_RETRY_AFTER);
		problem(q, 503, "ImplementationException", msg);
	}
	return taken;
}

/* Common start of the writes: transport, writer, rate. */
static bool
write_begin(struct http_req *q, struct slice what)
{
	if (!q->tls) {
		problem(q, 403, "SecurityException", "writes are accepted over HTTPS only");
		return false;
	}
	if (rsv_writer(q->rw) == NULL) {
		problem(q, 503, "ImplementationException", "this node takes no writes");
		return false;
	}
	return http_write_rate_ok(q, what);
}

static void
capture(struct http_req *q, enum cap_kind kind, struct slice handle)
{
	struct cap *c;
	uint8_t rnd[CAPTURE_ID / 2];

	if (!write_begin(q, kind == CAP_ITEM ? handle : q->t.path)) {
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL || crypto_random(rnd, sizeof(rnd)) != IDR_OK) {
		free(c);
		problem(q, 500, "ImplementationException", "internal error");
		return;
	}
	crypto_hex(rnd, sizeof(rnd), c->capture_id);
	c->kind = kind;
	if (handle.len > 0) {
		memcpy(c->handle, handle.p, handle.len);
	}
	if (!parse_body(q, c)) {
		cap_free(c);
		return;
	}
	if (kind == CAP_ITEM) {
		char key[REG_EVENT_KEY_MAX + 1];

		ident_fold(handle.p, handle.len, (uint8_t *)key);
		if (!event_names(NULL, &c->one, EPCIS_MATCH_ANY, slice_make(key, handle.len))) {
			problemf(q, 400, "ValidationException",
			         "the event does not name %.200s (in epcList, parentID, childEPCs, "
			         "inputEPCList or outputEPCList, as https://<node>/%.200s)",
			         c->handle, c->handle);
			cap_free(c);
			return;
		}
	}
	if (takeover_refused(q, c)) {
		cap_free(c);
		return;
	}
	if (!admit(q, c)) {
		cap_free(c);
		return;
	}
	submit(q, c);
}

void
http_epcis_capture(struct http_req *q)
{
	capture(q, CAP_DOC, slice_make(NULL, 0));
}

/* ---------------------------------------------------------------- the item route */

void
http_epcis_item(struct http_req *q)
{
	struct slice cap = q->match.capture, h;
	struct ident id;
	char err[LIFE_ERR_LEN + 64];
	struct epcis_query qy;
	size_t sl = sizeof(EVENTS_SUFFIX) - 1;

	if (cap.len <= sl || memcmp(cap.p + cap.len - sl, EVENTS_SUFFIX, sl) != 0) {
		problem(q, 404, "NoSuchResourceException",
		        "the item routes are /api/v1/items/{handle}/events");
		return;
	}
	h = slice_make(cap.p, cap.len - sl);
	if (h.len > REG_EVENT_KEY_MAX ||
	    ident_parse(&id, (const char *)h.p, h.len, NULL) != IDR_OK) {
		problemf(q, 400, "ValidationException", "%.*s is not a handle (prefix/suffix)",
		         (int)(h.len > 200 ? 200 : h.len), (const char *)h.p);
		return;
	}
	if (sfwd_route(q, h)) {
		return; /* another server of the site holds it (http/sfwd.h) */
	}
	if (q->method == HTTP_M_POST) {
		capture(q, CAP_ITEM, h);
		return;
	}
	if (!pretty_ok(q)) {
		return;
	}
	if (epcis_query_parse(&q->t, EPCIS_FORM_ITEM, &qy, err, sizeof(err)) != IDR_OK) {
		problem(q, 400, "QueryParameterException", err);
		return;
	}
	{
		char key[REG_EVENT_KEY_MAX + 1];

		ident_fold(h.p, h.len, (uint8_t *)key);
		answer_page(q, &qy, slice_make(key, h.len));
	}
}

/* ---------------------------------------------------------------- /events */

/* GET /events/{id}: one stored event by its id (64 hex, or the whole ni: URI). */
static void
event_by_id(struct http_req *q, struct slice id)
{
	struct slice hex = id;
	uint8_t raw[REG_EVENT_ID_LEN];
	struct reg_event_view v;
	struct life_event ev;
	struct reg_rtxn *t;
	struct pool pool = {NULL, 0, 0};
	char err[LIFE_ERR_LEN];
	int rc;

	if (hex.len > sizeof(HASH_PREFIX) - 1 &&
	    memcmp(hex.p, HASH_PREFIX, sizeof(HASH_PREFIX) - 1) == 0) {
		hex = slice_make(hex.p + sizeof(HASH_PREFIX) - 1,
		                 hex.len - (sizeof(HASH_PREFIX) - 1));
		if (hex.len > 2 * REG_EVENT_ID_LEN &&
		    slice_eq(slice_make(hex.p + 2 * REG_EVENT_ID_LEN,
		                        hex.len - 2 * REG_EVENT_ID_LEN),
		             SLICE_LIT(HASH_SUFFIX))) {
			hex.len = 2 * REG_EVENT_ID_LEN;
		}
	}
	if (hex.len != 2 * REG_EVENT_ID_LEN ||
	    crypto_unhex((const char *)hex.p, hex.len, raw, sizeof(raw)) != IDR_OK) {
		problem(q, 404, "NoSuchResourceException", "not an event id of this node");
		return;
	}
	if (rsv_read_begin(q->rw, &t) != IDR_OK) {
		problem(q, 500, "ImplementationException", "internal error");
		return;
	}
	rc = reg_event_get(t, raw, &v);
	if (rc == IDR_OK) {
		rc = life_event_parse(v.doc.p, v.doc.len, &ev, err, sizeof(err));
	}
	rsv_read_end(q->rw);
	if (rc == IDR_ENOENT) {
		problem(q, 404, "NoSuchResourceException", "no such event");
		return;
	}
	wbuf_reset(&q->s->out);
	if (rc == IDR_OK) {
		rc = rebase(&pool, host_of(q), &ev);
		rc = rc == IDR_OK ? query_doc(&q->s->out, &ev, 1) : rc;
		life_event_deinit(&ev);
		pool_free(&pool);
	}
	if (rc != IDR_OK) {
		problem(q, 500, "ImplementationException", idr_strerror(rc));
		return;
	}
	http_reply_json(q, 200);
}

void
http_epcis_events(struct http_req *q)
{
	char err[LIFE_ERR_LEN + 512], key[REG_EVENT_KEY_MAX + 1];
	struct epcis_query qy;
	int n;

	if (q->match.capture.len > 0) { /* "/events/{id}" */
		event_by_id(q, q->match.capture);
		return;
	}
	if (q->method == HTTP_M_POST) {
		capture(q, CAP_EVENT, slice_make(NULL, 0));
		return;
	}
	if (!pretty_ok(q)) {
		return;
	}
	if (epcis_query_parse(&q->t, EPCIS_FORM_EVENTS, &qy, err, sizeof(err)) != IDR_OK) {
		problem(q, 400, "QueryParameterException", err);
		return;
	}
	n = key_of(qy.id, key, sizeof(key));
	if (n <= 0) {
		problem(q, 400, "QueryParameterException",
		        "the identifier is longer than this node keys identifiers");
		return;
	}
	answer_page(q, &qy, slice_make(key, (size_t)n));
}

/* ---------------------------------------------------------------- trace */

enum trace_fmt { TRACE_JSON = 1, TRACE_DOT = 2, TRACE_EPCIS = 3 };

struct trace_args {
	enum reg_trace_dir dir;
	uint64_t depth, max;
	int64_t at_ms;
	enum trace_fmt fmt;
};

static const char *
link_name(enum reg_link_kind k)
{
	switch (k) {
	case REG_LINK_AGGREGATION:
		return "aggregation";
	case REG_LINK_TRANSFORMATION:
		return "transformation";
	case REG_LINK_ASSOCIATION:
		return "association";
	default:
		return "";
	}
}

/* The trace parameters; false: the 400 answer was sent. */
static bool
trace_params(struct http_req *q, struct trace_args *a)
{
	const struct uri_param *p;

	memset(a, 0, sizeof(*a));
	a->depth = 16;
	a->max = 10000;
	a->at_ms = INT64_MAX;
	a->fmt = TRACE_JSON;
	for (size_t i = 0; i < q->t.nparams; i++) {
		struct slice k = q->t.params[i].key, v = q->t.params[i].value;
		struct life_time lt;
		bool ok = true;

		p = &q->t.params[i];
		if (slice_eq(k, SLICE_LIT("direction"))) {
			a->dir = slice_eq(v, SLICE_LIT("back"))      ? REG_TRACE_BACK
			         : slice_eq(v, SLICE_LIT("forward")) ? REG_TRACE_FORWARD
			                                             : 0;
			ok = a->dir != 0;
		} else if (slice_eq(k, SLICE_LIT("depth"))) {
			ok = uri_param_u64(p, 1, REG_TRACE_MAX_DEPTH, &a->depth) == IDR_OK;
		} else if (slice_eq(k, SLICE_LIT("max"))) {
			ok = uri_param_u64(p, 1, TRACE_MAX, &a->max) == IDR_OK;
		} else if (slice_eq(k, SLICE_LIT("at"))) {
			ok = life_time_parse((const char *)v.p, v.len, &lt) == IDR_OK;
			a->at_ms = lt.ms;
		} else if (slice_eq(k, SLICE_LIT("format"))) {
			a->fmt = slice_eq(v, SLICE_LIT("json"))    ? TRACE_JSON
			         : slice_eq(v, SLICE_LIT("dot"))   ? TRACE_DOT
			         : slice_eq(v, SLICE_LIT("epcis")) ? TRACE_EPCIS
			                                           : 0;
			ok = a->fmt != 0;
		} else if (!slice_eq(k, SLICE_LIT("pretty"))) {
			ok = false;
		}
		if (!ok) {
			problemf(q, 400, "QueryParameterException",
			         "%.*s: the trace takes direction=back|forward, depth=1..%d, "
			         "max=1..%d, at=<RFC 3339 time>, format=json|dot|epcis",
			         (int)(k.len > 64 ? 64 : k.len), (const char *)k.p,
			         REG_TRACE_MAX_DEPTH, TRACE_MAX);
			return false;
		}
	}
	if (a->dir == 0) {
		problem(q, 400, "QueryParameterException", "direction: back or forward is needed");
		return false;
	}
	return true;
}

struct trace_out {
	struct reg_rtxn *t;
	const struct trace_args *a;
	struct wbuf *w;
	size_t n;
	uint8_t (*ids)[REG_EVENT_ID_LEN]; /* format=epcis: the events of the links */
	size_t nids, capids;
};

/*
 * Is key's prefix hosted (and enabled) here? An identifier that is not a handle (an EPC URN)
 * is keyed where its events were captured: there is nowhere else to ask, so it counts as here.
 */
static bool
key_hosted(struct reg_rtxn *t, struct slice key)
{
	struct ident id;

	if (ident_parse(&id, key.p, key.len, NULL) != IDR_OK || !id.has_slash) {
		return true;
	}
	return reg_prefix_check(t, id.prefix) == IDR_OK;
}

/* format=epcis: remember the event that made the link. */
static int
keep_event(struct trace_out *o, const uint8_t *id)
{
	if (o->nids == o->capids) {
		size_t cap = o->capids == 0 ? 64 : 2 * o->capids;
		void *p = realloc(o->ids, cap * sizeof(*o->ids));

		if (p == NULL) {
			return IDR_ENOMEM;
		}
		o->ids = p;
		o->capids = cap;
	}
	memcpy(o->ids[o->nids++], id, REG_EVENT_ID_LEN);
	return IDR_OK;
}

static int
on_step(void *arg, const struct reg_trace_step *st)
{
	struct trace_out *o = arg;
	struct wbuf *w = o->w;
	struct rec_view rec;
	struct slice name = st->node;
	const char *kind = NULL;
	char hex[2 * REG_EVENT_ID_LEN + 1] = "";

	if (o->a->fmt == TRACE_EPCIS) {
		return st->event_id != NULL && keep_event(o, st->event_id) != IDR_OK ? 1 : 0;
	}
	if (reg_get(o->t, st->node, &rec) == IDR_OK) {
		name = rec.handle;
		kind = rec.kind != REC_KIND_NONE ? rec_kind_name((enum rec_kind)rec.kind) : NULL;
	}
	if (st->event_id != NULL) {
		crypto_hex(st->event_id, REG_EVENT_ID_LEN, hex);
	}
	if (o->a->fmt == TRACE_DOT) {
		if (st->depth > 0) {
			(void)vjson_write_str(w, st->parent);
			wbuf_lit(w, " -> ");
			(void)vjson_write_str(w, st->node);
			wbuf_printf(w, " [label=\"%s\"];\n", link_name(st->kind));
		}
		return 0;
	}
	wbuf_cstr(w, o->n++ == 0 ? "{\"id\":" : ",{\"id\":");
	(void)vjson_write_str(w, name);
	wbuf_printf(w, ",\"depth\":%u", st->depth);
	if (kind != NULL) {
		wbuf_lit(w, ",\"kind\":");
		(void)vjson_write_str(w, slice_cstr(kind));
	}
	if (st->depth > 0) {
		wbuf_lit(w, ",\"parent\":");
		(void)vjson_write_str(w, st->parent);
		wbuf_printf(w, ",\"link\":\"%s\",\"event\":\"%s\"", link_name(st->kind), hex);
	}
	wbuf_printf(w, ",\"hosted\":%s}", key_hosted(o->t, st->node) ? "true" : "false");
	return wbuf_error(w) != IDR_OK ? 1 : 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, REG_EVENT_ID_LEN);
}

static int
event_time_cmp(const void *a, const void *b)
{
	const struct life_event *x = a, *y = b;

	if (x->event_time.ms != y->event_time.ms) {
		return x->event_time.ms < y->event_time.ms ? -1 : 1;
	}
	return strcmp(x->event_id != NULL ? x->event_id : "",
	              y->event_id != NULL ? y->event_id : "");
}

/*
 * format=epcis: the events of the links walked, each once, in time order, as an
 * EPCISQueryDocument into o->w (read in o->t; identifiers named by this node as reached).
 */
static int
trace_epcis(struct http_req *q, struct trace_out *o)
{
	struct life_event *ev;
	struct pool pool = {NULL, 0, 0};
	char err[LIFE_ERR_LEN];
	size_t n = 0, k = 0;
	int rc = IDR_OK;

	if (o->nids > 0) {
		qsort(o->ids, o->nids, sizeof(*o->ids), id_cmp);
	}
	for (size_t i = 0; i < o->nids; i++) {
		if (i == 0 || memcmp(o->ids[i], o->ids[k - 1], REG_EVENT_ID_LEN) != 0) {
			memmove(o->ids[k++], o->ids[i], REG_EVENT_ID_LEN);
		}
	}
	ev = calloc(k > 0 ? k : 1, sizeof(*ev));
	if (ev == NULL) {
		return IDR_ENOMEM;
	}
	for (size_t i = 0; i < k && rc == IDR_OK; i++) {
		struct reg_event_view v;

		rc = reg_event_get(o->t, o->ids[i], &v);
		if (rc == IDR_OK) {
			rc = life_event_parse(v.doc.p, v.doc.len, &ev[n], err, sizeof(err));
		}
		if (rc == IDR_OK) {
			rc = rebase(&pool, host_of(q), &ev[n++]);
		}
	}
	if (rc == IDR_OK) {
		qsort(ev, n, sizeof(*ev), event_time_cmp);
		rc = query_doc(o->w, ev, n);
	}
	for (size_t i = 0; i < n; i++) {
		life_event_deinit(&ev[i]);
	}
	free(ev);
	pool_free(&pool);
	return rc;
}

void
http_epcis_trace(struct http_req *q)
{
	struct slice root = q->match.capture;
	char key[REG_EVENT_KEY_MAX + 1], joined[REG_EVENT_KEY_MAX + 1];
	struct trace_args a;
	struct trace_out o = {NULL, &a, &q->s->out, 0, NULL, 0, 0};
	bool truncated = false;
	int n, rc;

	if (!trace_params(q, &a)) {
		return;
	}
	n = key_of(root, key, sizeof(key));
	if (n <= 0) {
		problem(q, 400, "QueryParameterException", "not an identifier this node keys");
		return;
	}
	if (sfwd_route(q, slice_make(key, (size_t)n))) {
		return; /* another server of the site holds the root (http/sfwd.h) */
	}
	if (rsv_read_begin(q->rw, &o.t) != IDR_OK) {
		problem(q, 500, "ImplementationException", "internal error");
		return;
	}
	wbuf_reset(o.w);
	if (a.fmt == TRACE_JSON) {
		wbuf_lit(o.w, "{\"root\":");
		(void)vjson_write_str(o.w, root);
		wbuf_printf(o.w, ",\"direction\":\"%s\",\"nodes\":[",
		            a.dir == REG_TRACE_BACK ? "back" : "forward");
	} else if (a.fmt == TRACE_DOT) {
		wbuf_lit(o.w, "digraph trace {\n");
	}
	rc = reg_trace(o.t, joined_key(o.t, slice_make(key, (size_t)n), joined), a.dir,
	               (unsigned)a.depth, (size_t)a.max, a.at_ms, on_step, &o, &truncated);
	if (rc == 1 && a.fmt == TRACE_EPCIS) {
		rc = IDR_ENOMEM;
	}
	if (rc == IDR_OK && a.fmt == TRACE_EPCIS) {
		rc = trace_epcis(q, &o);
	}
	rsv_read_end(q->rw);
	free(o.ids);
	if (rc != IDR_OK || wbuf_error(o.w) != IDR_OK) {
		problemf(q, 500, "ImplementationException", "trace failed: %s",
		         idr_strerror(rc != IDR_OK ? rc : wbuf_error(o.w)));
		return;
	}
	if (a.fmt == TRACE_EPCIS) {
		http_reply_json(q, 200);
		return;
	}
	if (a.fmt == TRACE_JSON) {
		wbuf_printf(o.w, "],\"truncated\":%s}", truncated ? "true" : "false");
		http_reply_json(q, 200);
		return;
	}
	wbuf_lit(o.w, "}\n");
	http_reply_body(q, 200, CT_DOT, wbuf_slice(o.w));
}
