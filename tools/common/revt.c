/* revt.c - lifecycle events sent to and read from a node (revt.h). */
#include "common/revt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/wbuf.h"
#include "common/cli.h"
#include "model/ident.h"

#define HASH_PREFIX "ni:///sha-256;"
#define HASH_SUFFIX "?ver=CBV2.0"
#define PATH_MAX_   (3 * LIFE_MAX_URI + 512)
#define PAGE        1000 /* the node's perPage maximum */

/* ---------------------------------------------------------------- answers */

static json_t *
load(struct slice body, int *rc)
{
	json_t *j;

	if (body.len > RMT_JSON_MAX) {
		*rc = IDR_ELIMIT;
		return NULL;
	}
	j = json_loadb((const char *)body.p, body.len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		*rc = IDR_EPROTO;
		return NULL;
	}
	*rc = IDR_OK;
	return j;
}

static bool
is_hash(const char *s)
{
	size_t np = strlen(HASH_PREFIX), ns = strlen(HASH_SUFFIX);

	if (strlen(s) != np + 64 + ns || strncmp(s, HASH_PREFIX, np) != 0 ||
	    strcmp(s + np + 64, HASH_SUFFIX) != 0) {
		return false;
	}
	for (size_t i = np; i < np + 64; i++) {
		if (strchr("0123456789abcdef", s[i]) == NULL) {
			return false;
		}
	}
	return true;
}

int
revt_added_parse(struct slice body, struct revt_added *out)
{
	int rc;
	json_t *j = load(body, &rc), *id, *created;

	memset(out, 0, sizeof(*out));
	if (j == NULL) {
		return rc;
	}
	id = json_object_get(j, "eventID");
	created = json_object_get(j, "created");
	if (!json_is_string(id) || !is_hash(json_string_value(id)) || !json_is_boolean(created)) {
		json_decref(j);
		return IDR_EPROTO;
	}
	snprintf(out->id, sizeof(out->id), "%s", json_string_value(id));
	out->created = json_is_true(created);
	json_decref(j);
	return IDR_OK;
}

int
revt_job_parse(struct slice body, struct revt_job *out)
{
	int rc;
	json_t *j = load(body, &rc), *id, *errs, *first;
	const char *s;

	memset(out, 0, sizeof(*out));
	if (j == NULL) {
		return rc;
	}
	id = json_object_get(j, "captureID");
	s = json_is_string(id) ? json_string_value(id) : "";
	rc = s[0] != '\0' && strlen(s) <= REVT_JOB_ID_MAX ? IDR_OK : IDR_EPROTO;
	for (size_t i = 0; rc == IDR_OK && s[i] != '\0'; i++) {
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
		           s[i]) == NULL) {
			rc = IDR_EPROTO;
		}
	}
	if (rc == IDR_OK && (!json_is_boolean(json_object_get(j, "running")) ||
	                     !json_is_boolean(json_object_get(j, "success")))) {
		rc = IDR_EPROTO;
	}
	if (rc == IDR_OK) {
		snprintf(out->id, sizeof(out->id), "%s", s);
		out->running = json_is_true(json_object_get(j, "running"));
		out->success = json_is_true(json_object_get(j, "success"));
		errs = json_object_get(j, "errors");
		first = json_is_array(errs) ? json_array_get(errs, 0) : NULL;
		if (json_is_string(first)) {
			cli_safe(json_string_value(first), out->error, sizeof(out->error));
		}
	}
	json_decref(j);
	return rc;
}

void
revt_problem_parse(struct slice body, char *out, size_t cap)
{
	static const char *const names[] = {"detail", "title", "message"};
	int rc;
	json_t *j = load(body, &rc);

	if (cap > 0) {
		out[0] = '\0';
	}
	for (size_t i = 0; j != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		json_t *v = json_object_get(j, names[i]);

		if (json_is_string(v) && json_string_length(v) > 0) {
			cli_safe(json_string_value(v), out, cap);
			break;
		}
	}
	json_decref(j);
}

/* ---------------------------------------------------------------- requests */

/* Append s percent-encoded (unreserved characters and, when slash, '/' kept). */
static void
encode(struct wbuf *w, const char *s, bool slash)
{
	for (const uint8_t *p = (const uint8_t *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL ||
		    (slash && *p == '/')) {
			wbuf_u8(w, *p);
		} else {
			wbuf_printf(w, "%%%02X", *p);
		}
	}
}

/* The error of an answer that is not a success: its code, msg says why. */
static int
failed(const struct rmt_resp *rs, const char *what, char *msg, size_t cap)
{
	char detail[RMT_MSG_MAX];

	revt_problem_parse(rs->body, detail, sizeof(detail));
	snprintf(msg, cap, "%s: the node answered %d%s%s", what, rs->status,
	         detail[0] != '\0' ? ": " : "", detail);
	if (rs->status == 401 || rs->status == 403) {
		return IDR_EDENIED;
	}
	if (rs->status == 404) {
		return IDR_ENOENT;
	}
	return rs->status >= 500 ? IDR_EIO : IDR_EPROTO;
}

static int
send_json(struct rmt *r, enum httpc_method m, const char *path, json_t *j, bool auth,
          struct rmt_resp *rs, char *msg, size_t cap)
{
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	int rc;

	if (j != NULL && text == NULL) {
		snprintf(msg, cap, "out of memory");
		return IDR_ENOMEM;
	}
	rc = rmt_request(r, m, path, slice_make(text, text != NULL ? strlen(text) : 0), auth, rs);
	free(text);
	if (rc != IDR_OK) {
		snprintf(msg, cap, "%s", rmt_errmsg(r));
	}
	return rc;
}

int
revt_add(struct rmt *r, const char *handle, const struct life_event *ev, struct revt_added *out,
         char *msg, size_t cap)
{
	char path[PATH_MAX_];
	struct rmt_resp rs;
	struct wbuf w;
	json_t *j = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	wbuf_init(&w, path, sizeof(path));
	if (handle != NULL) {
		wbuf_lit(&w, "/api/v1/items/");
		encode(&w, handle, true);
		wbuf_lit(&w, "/events");
	} else {
		wbuf_lit(&w, "/events");
	}
	wbuf_terminate(&w);
	if (wbuf_error(&w) != IDR_OK) {
		snprintf(msg, cap, "the identifier is too long");
		return IDR_ELIMIT;
	}
	if ((rc = life_event_to_json(ev, &j)) != IDR_OK) {
		snprintf(msg, cap, "out of memory");
		return rc;
	}
	rc = send_json(r, HTTPC_POST, path, j, true, &rs, msg, cap);
	json_decref(j);
	if (rc != IDR_OK) {
		return rc;
	}
	if (rs.status != 200 && rs.status != 201) {
		return failed(&rs, path, msg, cap);
	}
	if (revt_added_parse(rs.body, out) != IDR_OK) {
		snprintf(msg, cap, "POST %s: the node's answer has no event id", path);
		return IDR_EPROTO;
	}
	return IDR_OK;
}

/* ---------------------------------------------------------------- documents */

/* Where event i is: "eventList[i]" or "line L". */
static void
where(const uint64_t *line, size_t i, char *out, size_t cap)
{
	if (line != NULL) {
		snprintf(out, cap, "line %" PRIu64, line[i]);
	} else {
		snprintf(out, cap, "eventList[%zu]", i);
	}
}

/* The node's reason with its "eventList[k]" (of the document) named as in the input. */
static void
reason(const char *why, size_t off, const uint64_t *line, size_t k_max, char *out, size_t cap)
{
	size_t k = 0, i = 0;

	if (strncmp(why, "eventList[", 10) == 0) {
		for (i = 10; why[i] >= '0' && why[i] <= '9' && k <= k_max; i++) {
			k = k * 10 + (size_t)(why[i] - '0');
		}
	}
	if (i > 10 && why[i] == ']' && k < k_max) {
		char at[64];

		where(line, off + k, at, sizeof(at));
		snprintf(out, cap, "%s%s", at, why + i + 1);
	} else {
		snprintf(out, cap, "%s", why);
	}
}

static void
pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Wait for job (202 answered) to finish. */
static int
job_wait(struct rmt *r, struct revt_job *job, char *msg, size_t cap)
{
	char path[32 + REVT_JOB_ID_MAX];
	long waited = 0, step = 50;
	struct rmt_resp rs;
	int rc;

	snprintf(path, sizeof(path), "/capture/%s", job->id);
	for (;;) {
		rc = rmt_request(r, HTTPC_GET, path, slice_make(NULL, 0), true, &rs);
		if (rc != IDR_OK) {
			snprintf(msg, cap, "%s", rmt_errmsg(r));
			return rc;
		}
		if (rs.status != 200) {
			return failed(&rs, path, msg, cap);
		}
		if (revt_job_parse(rs.body, job) != IDR_OK) {
			snprintf(msg, cap, "GET %s: the answer is no capture job", path);
			return IDR_EPROTO;
		}
		if (!job->running) {
			return IDR_OK;
		}
		if (waited >= REVT_WAIT_MS) {
			snprintf(msg, cap, "capture job %s still running after %d s", job->id,
			         REVT_WAIT_MS / 1000);
			return HTTPC_ETIMEDOUT;
		}
		pause_ms(step);
		waited += step;
		step = step < 1000 ? 2 * step : 1000;
	}
}

/* Send ev[0..n) as one document and wait for it. why: the node's reason on failure. */
static int
send_doc(struct rmt *r, const struct life_event *ev, size_t n, const struct json_t *ns, char *why,
         size_t cap)
{
	struct timespec now;
	struct rmt_resp rs;
	struct revt_job job;
	json_t *doc = NULL;
	int rc;

	clock_gettime(CLOCK_REALTIME, &now);
	rc = life_doc_to_json(ev, n, ns, (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, &doc);
	if (rc != IDR_OK) {
		snprintf(why, cap, "out of memory");
		return rc;
	}
	rc = send_json(r, HTTPC_POST, "/capture", doc, true, &rs, why, cap);
	json_decref(doc);
	if (rc != IDR_OK) {
		return rc;
	}
	if (rs.status == 500 && revt_job_parse(rs.body, &job) == IDR_OK && !job.success) {
		snprintf(why, cap, "%s", job.error[0] != '\0' ? job.error : "the capture failed");
		return IDR_EIO;
	}
	if (rs.status != 202) {
		char detail[RMT_MSG_MAX];

		rc = failed(&rs, "POST /capture", why, cap);
		revt_problem_parse(rs.body, detail, sizeof(detail));
		if (detail[0] != '\0') { /* "eventList[k]...": reason() names the event */
			snprintf(why, cap, "%s (HTTP %d)%s", detail, rs.status,
			         rs.status == 413 ? "; a smaller --batch may pass" : "");
		}
		return rc;
	}
	if (revt_job_parse(rs.body, &job) != IDR_OK) {
		snprintf(why, cap, "POST /capture: the answer is no capture job");
		return IDR_EPROTO;
	}
	if ((rc = job_wait(r, &job, why, cap)) != IDR_OK) {
		return rc;
	}
	if (!job.success) {
		snprintf(why, cap, "%s", job.error[0] != '\0' ? job.error : "the capture failed");
		return IDR_EIO;
	}
	return IDR_OK;
}

int
revt_capture(struct rmt *r, const struct life_event *ev, size_t n, const struct json_t *ns,
             size_t batch, const uint64_t *line, struct revt_sent *sent, char *msg, size_t cap)
{
	memset(sent, 0, sizeof(*sent));
	if (batch == 0) {
		batch = REVT_BATCH_DEFAULT;
	}
	for (size_t off = 0; off < n; off += batch) {
		size_t k = n - off < batch ? n - off : batch;
		char why[REVT_MSG_MAX], named[REVT_MSG_MAX], a[64], b[64];
		int rc = send_doc(r, ev + off, k, ns, why, sizeof(why));

		if (rc != IDR_OK) {
			reason(why, off, line, k, named, sizeof(named));
			where(line, off, a, sizeof(a));
			where(line, off + k - 1, b, sizeof(b));
			snprintf(msg, cap,
			         "document %zu (%s to %s) was not captured: %s; the %zu events of "
			         "the "
			         "%zu documents before it are captured, nothing after it was sent",
			         sent->docs + 1, a, b, named, sent->captured, sent->docs);
			return rc;
		}
		sent->captured += k;
		sent->docs++;
	}
	return IDR_OK;
}

/* ---------------------------------------------------------------- timelines */

/* "&nextPageToken=<ms>.<64 hex>" after the event e (its time and id), into w. */
static int
token(struct wbuf *w, const json_t *e)
{
	const char *id = json_string_value(json_object_get(e, "eventID"));
	const char *t = json_string_value(json_object_get(e, "eventTime"));
	struct life_time lt;

	if (id == NULL || t == NULL || !is_hash(id) ||
	    life_time_parse(t, strlen(t), &lt) != IDR_OK) {
		return IDR_EPROTO;
	}
	wbuf_printf(w, "&nextPageToken=%" PRId64 ".%.64s", lt.ms, id + strlen(HASH_PREFIX));
	return IDR_OK;
}

/* The path of a page: base query plus the token after last (NULL: the first page). */
static int
page_path(struct wbuf *w, const char *id, const char *from, const char *to, size_t per,
          const json_t *last)
{
	char h[IDENT_HARD_MAX + 1];
	const char *hid = id;
	bool handle = true;

	if (strstr(id, "://") != NULL || strncmp(id, "urn:", 4) == 0) {
		handle = life_uri_handle(id, h, sizeof(h)) > 0;
		hid = h;
	}

	wbuf_reset(w);
	if (handle) {
		wbuf_lit(w, "/api/v1/items/");
		encode(w, hid, true);
		wbuf_printf(w, "/events?perPage=%zu", per);
	} else {
		wbuf_lit(w, "/events?MATCH_anyEPC=");
		encode(w, id, false);
		wbuf_printf(w, "&perPage=%zu", per);
	}
	if (from != NULL) {
		wbuf_cstr(w, handle ? "&from=" : "&GE_eventTime=");
		encode(w, from, false);
	}
	if (to != NULL) {
		wbuf_cstr(w, handle ? "&to=" : "&LT_eventTime=");
		encode(w, to, false);
	}
	if (last != NULL && token(w, last) != IDR_OK) {
		return IDR_EPROTO;
	}
	wbuf_terminate(w);
	return wbuf_error(w);
}

/* The eventList of a query document (borrowed from doc), NULL if it has none. */
static json_t *
event_list(json_t *doc)
{
	json_t *body = json_object_get(doc, "epcisBody");
	json_t *qr = json_object_get(body, "queryResults");
	json_t *list = json_object_get(json_object_get(qr, "resultsBody"), "eventList");

	return json_is_array(list) ? list : NULL;
}

int
revt_events(struct rmt *r, const char *id, const char *from, const char *to, uint64_t limit,
            bool auth, revt_event_fn fn, void *arg, char *msg, size_t cap)
{
	char path[PATH_MAX_];
	struct wbuf w;
	json_t *doc = NULL, *last = NULL;
	uint64_t seen = 0;
	int rc = IDR_OK;

	wbuf_init(&w, path, sizeof(path));
	for (;;) {
		size_t per = limit > 0 && limit - seen < PAGE ? (size_t)(limit - seen) : PAGE;
		struct rmt_resp rs;
		json_t *list, *next;
		size_t n;

		if (page_path(&w, id, from, to, per, last) != IDR_OK) {
			snprintf(msg, cap, "the identifier is too long, or an event has no id");
			rc = IDR_EPROTO;
			break;
		}
		rc = rmt_request(r, HTTPC_GET, path, slice_make(NULL, 0), auth, &rs);
		if (rc != IDR_OK) {
			snprintf(msg, cap, "%s", rmt_errmsg(r));
			break;
		}
		if (rs.status != 200) {
			rc = failed(&rs, "GET events", msg, cap);
			break;
		}
		next = json_loadb((const char *)rs.body.p, rs.body.len, 0, NULL);
		list = event_list(next);
		if (list == NULL) {
			json_decref(next);
			snprintf(msg, cap, "GET %s: the answer is no EPCIS query document", path);
			rc = IDR_EPROTO;
			break;
		}
		json_decref(doc); /* last pointed into it; no longer needed */
		doc = next;
		n = json_array_size(list);
		for (size_t i = 0; i < n && rc == IDR_OK; i++) {
			rc = fn(arg, json_array_get(list, i)) != 0 ? 1 : IDR_OK;
		}
		seen += n;
		last = n > 0 ? json_array_get(list, n - 1) : NULL;
		if (rc != IDR_OK || n < per || (limit > 0 && seen >= limit)) {
			rc = rc == 1 ? IDR_OK : rc;
			break;
		}
	}
	json_decref(doc);
	return rc;
}
