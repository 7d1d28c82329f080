/* sessions.c - /api/sessions of the REST API (sessions.h). */
#include "http/sessions.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/b64.h"
#include "core/sess.h"
#include "http/hauth.h"
#include "model/vjson.h"

/* The JSON representation of a session (SessionsServlet.getSessionRepresentation). */
static void
reply_session(struct http_req *q, int status, const struct sess *s, const struct hauth *a,
              const char *error)
{
	struct wbuf *w = &q->s->out;
	char sid[9];

	wbuf_reset(w);
	hauth_session_text(s->id, sid);
	wbuf_lit(w, "{\"sessionId\":\"");
	wbuf_cstr(w, sid);
	wbuf_lit(w, "\",\"nonce\":\"");
	b64_encode(w, slice_make(s->nonce, SESS_NONCE_LEN));
	wbuf_lit(w, "\"");
	if (a != NULL) {
		wbuf_lit(w, ",\"authenticated\":true,\"id\":");
		(void)vjson_write_str(w, slice_cstr(a->text));
	}
	if (error != NULL && error[0] != '\0') {
		wbuf_lit(w, ",\"error\":");
		(void)vjson_write_str(w, slice_cstr(error));
	}
	wbuf_lit(w, "}");
	http_reply_json(q, status);
}

static bool
need_tls(struct http_req *q)
{
	if (!q->tls) {
		http_api_error_at(q, 403, HDL_RC_INVALID_ADMIN, NULL, slice_make(NULL, 0),
		                  "sessions are available over HTTPS only");
		return false;
	}
	return true;
}

void
http_sessions_new(struct http_req *q)
{
	struct sess_table *tab = rsv_http_sessions(q->rw);
	struct reg_rtxn *t;
	struct hauth a;
	struct sess s;
	char msg[HTTP_MSG_MAX] = "";
	bool ok = false;

	if (!need_tls(q)) {
		return;
	}
	if (q->authorization.len >= 6 &&
	    slice_caseeq(slice_make(q->authorization.p, 6), SLICE_LIT("Handle"))) {
		http_api_error_at(q, 400, HDL_RC_PROTOCOL_ERROR, NULL, slice_make(NULL, 0),
		                  "POST /api/sessions makes a new session: send no sessionId");
		return;
	}
	memset(&s, 0, sizeof(s));
	s.kind = SESS_HTTP;
	s.idle_ms = q->conf->session_timeout * 1000u;
	if (sess_create(tab, &s, slice_make(NULL, 0), sess_now_ms()) != IDR_OK) {
		http_api_error_at(q, 503, HDL_RC_SERVER_BUSY, NULL, slice_make(NULL, 0),
		                  "too many sessions");
		return;
	}
	if (q->authorization.len > 0 && rsv_read_begin(q->rw, &t) == IDR_OK) {
		ok = http_authenticate(q, t, &a, msg, sizeof(msg)) == HAUTH_OK;
		rsv_read_end(q->rw);
		if (ok) {
			s.authenticated = true;
			snprintf(s.identity, sizeof(s.identity), "%s", a.text);
			ok = sess_put(tab, &s) == IDR_OK;
		}
	}
	http_header(q, "Location", "/api/sessions/this");
	reply_session(q, 201, &s, ok ? &a : NULL, msg);
}

/* Fields of PUT /api/sessions/this from a JSON body (strings only; slices into the body). */
static int
params_from_json(struct http_req *q, struct hauth_params *p, json_t **doc)
{
	static const char *const keys[] = {"version", "sessionId", "id",   "type",       "cnonce",
	                                   "alg",     "signature", "salt", "iterations", "length"};
	struct slice *fields[] = {&p->version,    &p->session_id, &p->id,        &p->type,
	                          &p->cnonce,     &p->alg,        &p->signature, &p->salt,
	                          &p->iterations, &p->length};
	json_error_t err;
	json_t *j = json_loadb((const char *)q->body.p, q->body.len, JSON_REJECT_DUPLICATES, &err);

	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		return IDR_EPROTO;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(j, keys[i]);

		if (v == NULL) {
			continue;
		}
		if (json_is_string(v)) {
			*fields[i] = slice_make(json_string_value(v), json_string_length(v));
		} else if (json_is_integer(v) && (i == 8 || i == 9)) {
			continue; /* iterations / length given as numbers: handled below */
		} else {
			json_decref(j);
			return IDR_EPROTO;
		}
	}
	*doc = j;
	return IDR_OK;
}

void
http_sessions_this(struct http_req *q)
{
	struct sess_table *tab = rsv_http_sessions(q->rw);
	struct hauth_params p;
	struct reg_rtxn *t;
	struct hauth a;
	struct sess s;
	enum hauth_result res;
	const char *why = NULL;
	char msg[HTTP_MSG_MAX] = "";
	char num[2][24];
	json_t *doc = NULL;
	uint32_t sid = 0;

	if (!need_tls(q)) {
		return;
	}
	memset(&p, 0, sizeof(p));
	if (q->authorization.len > 7 &&
	    slice_caseeq(slice_make(q->authorization.p, 7), SLICE_LIT("Handle ")) &&
	    hauth_params_parse(slice_make(q->authorization.p + 7, q->authorization.len - 7), &p,
	                       &why) != IDR_OK) {
		http_api_error_at(q, 400, HDL_RC_PROTOCOL_ERROR, NULL, slice_make(NULL, 0), why);
		return;
	}
	if ((q->method == HTTP_M_PUT || q->method == HTTP_M_POST) && q->body.len > 0) {
		struct hauth_params b;

		if (params_from_json(q, &b, &doc) != IDR_OK) {
			http_api_error_at(q, 400, HDL_RC_PROTOCOL_ERROR, NULL, slice_make(NULL, 0),
			                  "the body must be a JSON object of strings");
			return;
		}
		if (b.session_id.p == NULL) {
			b.session_id = p.session_id;
		}
		/* numbers for iterations and length are accepted too */
		for (int i = 0; i < 2; i++) {
			json_t *v = json_object_get(doc, i == 0 ? "iterations" : "length");

			if (json_is_integer(v)) {
				snprintf(num[i], sizeof(num[i]), "%lld",
				         (long long)json_integer_value(v));
				*(i == 0 ? &b.iterations : &b.length) = slice_cstr(num[i]);
			}
		}
		p = b;
	}
	for (size_t i = 0; i < p.session_id.len && i < 8; i++) {
		uint8_t c = p.session_id.p[i] | 0x20;

		sid = sid << 4 | (uint32_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	if (p.session_id.len == 0 || p.session_id.len > 8 ||
	    sess_get(tab, sid, sess_now_ms(), &s) != IDR_OK || s.kind != SESS_HTTP) {
		json_decref(doc);
		http_api_error_at(q, 403, HDL_RC_INVALID_ADMIN, NULL, slice_make(NULL, 0),
		                  "no such session (Authorization: Handle sessionId=...)");
		return;
	}
	if (q->method == HTTP_M_DELETE) {
		json_decref(doc);
		sess_drop(tab, s.id);
		http_reply(q, 204, NULL, NULL, 0);
		return;
	}
	if (rsv_read_begin(q->rw, &t) != IDR_OK) {
		json_decref(doc);
		http_api_error_at(q, 500, HDL_RC_ERROR, NULL, slice_make(NULL, 0),
		                  "internal error");
		return;
	}
	res = hauth_session(q, t, &p, &a, msg, sizeof(msg));
	rsv_read_end(q->rw);
	json_decref(doc);
	if (sess_get(tab, s.id, sess_now_ms(), &s) != IDR_OK) {
		s.authenticated = false; /* expired meanwhile: show what was read */
	}
	if (res == HAUTH_OK) {
		reply_session(q, 200, &s, &a, NULL);
	} else if (p.id.p == NULL && p.signature.p == NULL) {
		reply_session(q, 200, &s, NULL, NULL); /* not authenticated yet: just the session */
	} else {
		reply_session(q, res == HAUTH_BAD ? 400 : 401, &s, NULL, msg);
	}
}
