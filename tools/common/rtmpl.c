/* rtmpl.c - metadata templates of a running node over its national template API (rtmpl.h). */
#include "common/rtmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cli.h"
#include "model/vjson.h"

#define KEY_BODY_MAX (TMPL_MAX_PREFIX * 6 + TMPL_MAX_VERSION * 6 + 64)

/* ---------------------------------------------------------------- the answer parser */

/* A time member ("createdTime") into *out; absent or null leaves 0. */
static int
time_member(const json_t *o, const char *key, uint64_t *out, char *err, size_t cap)
{
	const json_t *s = json_object_get(o, key);
	uint32_t t = 0;

	*out = 0;
	if (s == NULL || json_is_null(s)) {
		return IDR_OK;
	}
	if (!json_is_string(s) ||
	    vjson_time_parse(json_string_value(s), json_string_length(s), &t) != IDR_OK) {
		snprintf(err, cap, "data.%s is not an RFC 3339 time", key);
		return IDR_EPROTO;
	}
	*out = t;
	return IDR_OK;
}

/* One template object of the data member. */
static int
one_template(const json_t *o, struct tmpl **out, char *err, size_t cap)
{
	char terr[TMPL_ERR_LEN];
	int rc;

	*out = NULL;
	if (!json_is_object(o)) {
		snprintf(err, cap, "data is not a template object");
		return IDR_EPROTO;
	}
	rc = tmpl_from_json_obj(out, o, terr, sizeof(terr));
	if (rc == IDR_ENOMEM) {
		snprintf(err, cap, "out of memory");
		return rc;
	}
	if (rc != IDR_OK) {
		snprintf(err, cap, "data is not a valid template: %s", terr);
		return IDR_EPROTO;
	}
	rc = time_member(o, "createdTime", &(*out)->created, err, cap);
	if (rc == IDR_OK) {
		rc = time_member(o, "updatedTime", &(*out)->changed, err, cap);
	}
	if (rc != IDR_OK) {
		tmpl_free(*out);
		*out = NULL;
	}
	return rc;
}

/* The data of a successful answer as want says. */
static int
parse_data(const json_t *data, enum rtmpl_data want, struct rtmpl_answer *out, char *err,
           size_t cap)
{
	size_t i, n;
	int rc;

	if (want == RTMPL_DATA_NONE) {
		return IDR_OK;
	}
	if (want == RTMPL_DATA_ONE) {
		out->tmpls = calloc(1, sizeof(struct tmpl *));
		if (out->tmpls == NULL) {
			snprintf(err, cap, "out of memory");
			return IDR_ENOMEM;
		}
		rc = one_template(data, &out->tmpls[0], err, cap);
		out->ntmpls = rc == IDR_OK ? 1 : 0;
		return rc;
	}
	if (!json_is_array(data)) {
		snprintf(err, cap, "data is not an array of templates");
		return IDR_EPROTO;
	}
	n = json_array_size(data);
	if (n > RTMPL_LIST_MAX) {
		snprintf(err, cap, "more than %d versions in the answer", RTMPL_LIST_MAX);
		return IDR_ELIMIT;
	}
	out->tmpls = calloc(n > 0 ? n : 1, sizeof(struct tmpl *));
	if (out->tmpls == NULL) {
		snprintf(err, cap, "out of memory");
		return IDR_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		rc = one_template(json_array_get(data, i), &out->tmpls[i], err, cap);
		if (rc != IDR_OK) {
			return rc;
		}
		out->ntmpls = i + 1;
	}
	return IDR_OK;
}

int
rtmpl_answer_parse(struct slice body, enum rtmpl_data want, struct rtmpl_answer *out, char *err,
                   size_t cap)
{
	json_t *j, *status, *msg;
	int rc = IDR_EPROTO;

	memset(out, 0, sizeof(*out));
	if (body.len > RTMPL_BODY_MAX) {
		snprintf(err, cap, "the answer is longer than %zu bytes", RTMPL_BODY_MAX);
		return IDR_ELIMIT;
	}
	j = json_loadb((const char *)body.p, body.len, JSON_REJECT_DUPLICATES, NULL);
	status = json_object_get(j, "status");
	msg = json_object_get(j, "message");
	if (!json_is_object(j) || !json_is_integer(status) || json_integer_value(status) < -1000 ||
	    json_integer_value(status) > 1000) {
		snprintf(err, cap, "not an answer of the template API (no envelope status)");
		goto done;
	}
	if (msg != NULL && !json_is_null(msg) && !json_is_string(msg)) {
		snprintf(err, cap, "the envelope's message is not a string");
		goto done;
	}
	out->status = (long)json_integer_value(status);
	if (json_is_string(msg)) {
		cli_safe(json_string_value(msg), out->message, sizeof(out->message));
	}
	rc = out->status == RTMPL_OK ? parse_data(json_object_get(j, "data"), want, out, err, cap)
	                             : IDR_OK;
done:
	json_decref(j);
	if (rc != IDR_OK) {
		rtmpl_answer_deinit(out);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

void
rtmpl_answer_deinit(struct rtmpl_answer *a)
{
	if (a == NULL) {
		return;
	}
	for (size_t i = 0; i < a->ntmpls; i++) {
		tmpl_free(a->tmpls[i]);
	}
	free(a->tmpls);
	a->tmpls = NULL;
	a->ntmpls = 0;
}

/* ---------------------------------------------------------------- requests */

static void
put_encoded(struct wbuf *w, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			wbuf_u8(w, c);
		} else {
			wbuf_printf(w, "%%%02X", c);
		}
	}
}

int
rtmpl_query(struct wbuf *w, const char *path, const char *prefix, const char *version)
{
	wbuf_cstr(w, path);
	wbuf_lit(w, "?prefix=");
	put_encoded(w, prefix);
	if (version != NULL) {
		wbuf_lit(w, "&version=");
		put_encoded(w, version);
	}
	wbuf_u8(w, '\0');
	return wbuf_error(w);
}

/* A refusal's code: what the envelope status (or the HTTP status) says. */
static int
refusal(long status, int http)
{
	if (status == RTMPL_DENIED || http == 403) {
		return IDR_EDENIED;
	}
	return status == RTMPL_NOLOGIN || http == 401 ? IDR_EAUTH : IDR_EINVAL;
}

int
rtmpl_call(struct rmt *r, enum httpc_method m, const char *path, struct slice body,
           enum rtmpl_data want, struct rtmpl_answer *out, char *msg, size_t cap)
{
	char err[RTMPL_MSG_MAX];
	struct rmt_resp p;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rmt_request(r, m, path, body, true, &p);
	if (rc != IDR_OK) {
		snprintf(msg, cap, "%s", rmt_errmsg(r));
		return rc;
	}
	rc = rtmpl_answer_parse(p.body, want, out, err, sizeof(err));
	if (rc != IDR_OK) {
		snprintf(msg, cap, "%s %s%s: HTTP %d: %s", httpc_method_name(m), rmt_url(r), path,
		         p.status, err);
		return rc == IDR_ENOMEM ? rc : IDR_EPROTO;
	}
	if (out->status == RTMPL_OK && p.status == 200) {
		return IDR_OK;
	}
	snprintf(msg, cap, "%s (HTTP %d)",
	         out->message[0] != '\0' ? out->message : "the node refused", p.status);
	rc = refusal(out->status, p.status);
	rtmpl_answer_deinit(out);
	return rc;
}

int
rtmpl_get(struct rmt *r, const char *prefix, const char *version, struct tmpl **out, char *msg,
          size_t cap)
{
	struct rtmpl_answer a;
	struct wbuf w;
	int rc;

	*out = NULL;
	wbuf_init_heap(&w, 64 + (TMPL_MAX_PREFIX + TMPL_MAX_VERSION) * 3);
	if (rtmpl_query(&w, RTMPL_PATH, prefix, version) != IDR_OK) {
		wbuf_deinit(&w);
		snprintf(msg, cap, "the prefix or the version is too long");
		return IDR_ELIMIT;
	}
	rc = rtmpl_call(r, HTTPC_GET, (const char *)wbuf_data(&w), slice_make(NULL, 0),
	                RTMPL_DATA_ONE, &a, msg, cap);
	wbuf_deinit(&w);
	if (rc == IDR_OK) {
		*out = a.tmpls[0];
		a.ntmpls = 0; /* handed over */
		rtmpl_answer_deinit(&a);
	}
	return rc;
}

int
rtmpl_send(struct rmt *r, enum httpc_method m, const struct tmpl *t, char *msg, size_t cap)
{
	struct rtmpl_answer a;
	struct wbuf w;
	int rc;

	wbuf_init_heap(&w, (size_t)TMPL_MAX_JSON * 2);
	rc = tmpl_write_json(&w, t, 0);
	if (rc != IDR_OK) {
		wbuf_deinit(&w);
		snprintf(msg, cap, "the template is too large to send");
		return rc;
	}
	rc = rtmpl_call(r, m, RTMPL_PATH, wbuf_slice(&w), RTMPL_DATA_NONE, &a, msg, cap);
	rtmpl_answer_deinit(&a);
	wbuf_deinit(&w);
	return rc;
}

int
rtmpl_state(struct rmt *r, bool publish, const char *prefix, const char *version, char *msg,
            size_t cap)
{
	struct rtmpl_answer a;
	struct wbuf w;
	int rc;

	wbuf_init_heap(&w, KEY_BODY_MAX);
	wbuf_lit(&w, "{\"prefix\":");
	(void)vjson_write_str(&w, slice_cstr(prefix));
	wbuf_lit(&w, ",\"version\":");
	(void)vjson_write_str(&w, slice_cstr(version));
	wbuf_u8(&w, '}');
	if (wbuf_error(&w) != IDR_OK) {
		wbuf_deinit(&w);
		snprintf(msg, cap, "the prefix or the version is too long");
		return IDR_ELIMIT;
	}
	rc = rtmpl_call(r, publish ? HTTPC_POST : HTTPC_DELETE,
	                publish ? RTMPL_PATH_PUBLISH : RTMPL_PATH, wbuf_slice(&w), RTMPL_DATA_NONE,
	                &a, msg, cap);
	rtmpl_answer_deinit(&a);
	wbuf_deinit(&w);
	return rc;
}
