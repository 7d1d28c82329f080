/* rmt.c - the remote mode's client: identities, sessions, authenticated REST requests. */
#include "common/rmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/b64.h"
#include "base/crypto.h"
#include "common/cli.h"
#include "core/auth.h"
#include "model/vjson.h"

#define CNONCE_LEN 16
#define SIG_MAX    2048 /* bytes of a signature (RSA 16384 bits) */
#define HDR_MAX    (AUTH_ID_MAX * 3 + SIG_MAX * 2 + 256)

struct rmt_cred {
	char id[AUTH_ID_MAX];
	struct auth_id aid; /* handle points into id */
	struct crypto_key *key;
	uint8_t *secret;
	size_t secret_len;
};

struct rmt {
	const struct rmt_cred *cred;
	struct httpc *http;
	char session[RMT_SESSION_MAX + 1]; /* "" when none */
	char hdr[HDR_MAX];                 /* the Authorization line of the next request */
	char err[RMT_ERR_MAX];
};

bool
rmt_opt_take(struct rmt_opts *o, int c, const char *arg)
{
	switch (c) {
	case RMT_OPT_NODE:
		o->node = arg;
		return true;
	case RMT_OPT_KEY:
		o->key_file = arg;
		return true;
	case RMT_OPT_SECRET:
		o->secret_file = arg;
		return true;
	case RMT_OPT_ID:
		o->id = arg;
		return true;
	case RMT_OPT_CACERT:
		o->cacert = arg;
		return true;
	case RMT_OPT_INSECURE:
		o->insecure = true;
		return true;
	default:
		return false;
	}
}

int
rmt_opts_check(const struct rmt_opts *o, bool data_given, const char **why)
{
	if (o->node == NULL) {
		if (o->key_file != NULL || o->secret_file != NULL || o->id != NULL ||
		    o->cacert != NULL || o->insecure) {
			*why = "--key, --secret-file, --id, --cacert and --insecure need --node";
			return IDR_EINVAL;
		}
		return IDR_OK;
	}
	if (data_given) {
		*why = "--node sends the change to a node; --data writes a local data directory: "
		       "give one of them";
		return IDR_EINVAL;
	}
	if (o->id == NULL) {
		*why = "--node needs --id INDEX:HANDLE (the identity to write as, e.g. "
		       "300:88.118.8/ADMIN)";
		return IDR_EINVAL;
	}
	if (o->key_file == NULL && o->secret_file == NULL) {
		*why = "--node needs --key FILE (HS_PUBKEY identity) or --secret-file FILE "
		       "(HS_SECKEY identity)";
		return IDR_EINVAL;
	}
	if (o->key_file != NULL && o->secret_file != NULL) {
		*why = "give --key or --secret-file, not both";
		return IDR_EINVAL;
	}
	return IDR_OK;
}

/* ---------------------------------------------------------------- identities */

static int
secret_read(struct rmt_cred *c, const char *path, char *err, size_t cap)
{
	uint8_t buf[RMT_SECRET_MAX + 2];
	size_t n = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = IDR_OK;

	if (fd < 0) {
		rc = -errno;
		snprintf(err, cap, "--secret-file %s: %s", path, strerror(errno));
		return rc;
	}
	while (n < sizeof(buf)) {
		got = read(fd, buf + n, sizeof(buf) - n);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			rc = -errno;
			snprintf(err, cap, "--secret-file %s: %s", path, strerror(errno));
			break;
		}
		if (got == 0) {
			break;
		}
		n += (size_t)got;
	}
	close(fd);
	if (rc == IDR_OK && n > 0 && buf[n - 1] == '\n') {
		n -= n > 1 && buf[n - 2] == '\r' ? 2 : 1;
	}
	if (rc == IDR_OK && n > RMT_SECRET_MAX) {
		snprintf(err, cap, "--secret-file %s: longer than %d bytes", path, RMT_SECRET_MAX);
		rc = IDR_ELIMIT;
	} else if (rc == IDR_OK && (n == 0 || memchr(buf, '\n', n) != NULL)) {
		snprintf(err, cap, "--secret-file %s: %s", path,
		         n == 0 ? "empty" : "holds more than one line");
		rc = IDR_EINVAL;
	}
	if (rc == IDR_OK) {
		c->secret = malloc(n > 0 ? n : 1); /* n > 0 here */
		if (c->secret == NULL) {
			snprintf(err, cap, "out of memory");
			rc = IDR_ENOMEM;
		} else {
			memcpy(c->secret, buf, n);
			c->secret_len = n;
		}
	}
	memset(buf, 0, sizeof(buf));
	return rc;
}

static int
key_read(struct rmt_cred *c, const char *path, char *err, size_t cap)
{
	int rc = crypto_key_load(&c->key, path);

	if (rc != IDR_OK) {
		snprintf(err, cap, "--key %s: %s", path,
		         rc == IDR_EPROTO ? "no unencrypted PEM key in the file"
		                          : idr_strerror(rc));
		return rc;
	}
	if (!crypto_key_has_private(c->key) || crypto_key_type(c->key) == CRYPTO_KEY_DH) {
		snprintf(err, cap, "--key %s: not a private RSA, DSA or SM2 key", path);
		return IDR_EINVAL;
	}
	return IDR_OK;
}

int
rmt_cred_load(struct rmt_cred **out, const struct rmt_opts *o, char *err, size_t cap)
{
	struct rmt_cred *c = calloc(1, sizeof(*c));
	char idb[AUTH_ID_MAX];
	int rc;

	*out = NULL;
	if (c == NULL) {
		snprintf(err, cap, "out of memory");
		return IDR_ENOMEM;
	}
	if (o->id != NULL && strlen(o->id) < sizeof(c->id)) {
		memcpy(c->id, o->id, strlen(o->id) + 1);
	}
	if (c->id[0] == '\0' || auth_id_parse(slice_cstr(c->id), &c->aid) != IDR_OK) {
		snprintf(err, cap, "--id '%s': not INDEX:HANDLE (e.g. 300:88.118.8/ADMIN)",
		         cli_safe(o->id != NULL ? o->id : "", idb, sizeof(idb)));
		rmt_cred_free(c);
		return IDR_EINVAL;
	}
	rc = o->key_file != NULL ? key_read(c, o->key_file, err, cap)
	                         : secret_read(c, o->secret_file, err, cap);
	if (rc != IDR_OK) {
		rmt_cred_free(c);
		return rc;
	}
	*out = c;
	return IDR_OK;
}

void
rmt_cred_free(struct rmt_cred *c)
{
	if (c == NULL) {
		return;
	}
	crypto_key_free(c->key);
	if (c->secret != NULL) {
		memset(c->secret, 0, c->secret_len);
		free(c->secret);
	}
	free(c);
}

const char *
rmt_cred_id(const struct rmt_cred *c)
{
	return c->id;
}

/* ---------------------------------------------------------------- answers */

/* A JSON string member for a message, cleaned; "" when absent or not a string. */
static void
json_text(json_t *o, const char *name, char *buf, size_t cap)
{
	json_t *v = json_object_get(o, name);

	buf[0] = '\0';
	if (json_is_string(v)) {
		cli_safe(json_string_value(v), buf, cap);
	}
}

static bool
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL || s[i] == '\0') {
			return false;
		}
	}
	return true;
}

int
rmt_session_parse(struct slice body, struct rmt_session *out, const char **why)
{
	json_t *j, *sid, *nonce, *auth;
	int rc = IDR_EPROTO;

	memset(out, 0, sizeof(*out));
	if (body.len > RMT_JSON_MAX) {
		*why = "session answer too long";
		return IDR_ELIMIT;
	}
	j = json_loadb((const char *)body.p, body.len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		*why = "session answer is not a JSON object";
		goto done;
	}
	sid = json_object_get(j, "sessionId");
	nonce = json_object_get(j, "nonce");
	auth = json_object_get(j, "authenticated");
	if (!json_is_string(sid) || json_string_length(sid) == 0 ||
	    json_string_length(sid) > RMT_SESSION_MAX ||
	    !is_hex(json_string_value(sid), json_string_length(sid))) {
		*why = "sessionId is not 1 to 8 hex digits";
		goto done;
	}
	if (!json_is_string(nonce) ||
	    b64_decoded_len(slice_make(json_string_value(nonce), json_string_length(nonce))) >
	            RMT_NONCE_MAX ||
	    b64_decode(slice_make(json_string_value(nonce), json_string_length(nonce)), out->nonce,
	               sizeof(out->nonce), &out->nonce_len) != IDR_OK ||
	    out->nonce_len == 0) {
		*why = "nonce is not base64 of 1 to 64 bytes";
		goto done;
	}
	if (auth != NULL && !json_is_boolean(auth)) {
		*why = "authenticated is not true or false";
		goto done;
	}
	memcpy(out->id, json_string_value(sid), json_string_length(sid));
	out->authenticated = json_is_true(auth);
	json_text(j, "error", out->error, sizeof(out->error));
	rc = IDR_OK;
done:
	json_decref(j);
	if (rc != IDR_OK) {
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

int
rmt_answer_parse(struct slice body, struct rmt_answer *out)
{
	json_t *j, *code;

	out->response_code = -1;
	out->message[0] = '\0';
	if (body.len > RMT_JSON_MAX) {
		return IDR_ELIMIT;
	}
	j = json_loadb((const char *)body.p, body.len, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(j)) {
		code = json_object_get(j, "responseCode");
		if (json_is_integer(code) && json_integer_value(code) >= 0 &&
		    json_integer_value(code) <= INT32_MAX) {
			out->response_code = (long)json_integer_value(code);
		}
		json_text(j, "message", out->message, sizeof(out->message));
	}
	json_decref(j);
	return IDR_OK;
}

/* ---------------------------------------------------------------- encoders */

static bool
unreserved(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int
rmt_path(struct wbuf *w, struct slice id, const char *query)
{
	wbuf_lit(w, "/api/handles/");
	for (size_t i = 0; i < id.len; i++) {
		if (unreserved(id.p[i]) || id.p[i] == '/') {
			wbuf_u8(w, id.p[i]);
		} else {
			wbuf_printf(w, "%%%02X", id.p[i]);
		}
	}
	wbuf_cstr(w, query);
	return wbuf_error(w);
}

int
rmt_values_json(struct wbuf *w, const struct value *v, size_t n)
{
	int rc = IDR_OK;

	wbuf_u8(w, '[');
	for (size_t i = 0; i < n && rc == IDR_OK; i++) {
		if (i > 0) {
			wbuf_u8(w, ',');
		}
		rc = vjson_write_value(w, &v[i]);
	}
	wbuf_u8(w, ']');
	return rc != IDR_OK ? rc : wbuf_error(w);
}

/* ---------------------------------------------------------------- connections */

int
rmt_new(struct rmt **out, const struct rmt_opts *o, const struct rmt_cred *cred, char *err,
        size_t cap)
{
	struct httpc_opts ho;
	struct httpc_base base;
	const char *why = NULL;
	struct rmt *r;
	char ub[128];
	int rc;

	*out = NULL;
	if (httpc_base_parse(o->node, 443, &base, &why) != IDR_OK) {
		snprintf(err, cap, "--node '%s': %s", cli_safe(o->node, ub, sizeof(ub)), why);
		return IDR_EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, cap, "out of memory");
		return IDR_ENOMEM;
	}
	memset(&ho, 0, sizeof(ho));
	ho.cacert = o->cacert;
	ho.insecure = o->insecure;
	ho.timeout_ms = 60000; /* a write waits for the node's durable commit */
	rc = httpc_new(&r->http, &base, &ho);
	if (rc != IDR_OK) {
		free(r);
		snprintf(err, cap, "cannot start the HTTP client: %s", idr_strerror(rc));
		return rc;
	}
	r->cred = cred;
	*out = r;
	return IDR_OK;
}

const char *
rmt_url(const struct rmt *r)
{
	return httpc_url(r->http);
}

const char *
rmt_errmsg(const struct rmt *r)
{
	return r->err;
}

/* Send one request with the Authorization line hdr (or none); the answer's JSON parsed. */
static int
send_raw(struct rmt *r, enum httpc_method m, const char *path, struct slice body, const char *hdr,
         struct rmt_resp *out)
{
	const char *headers[1] = {hdr};
	struct httpc_resp hr;
	struct httpc_req q;
	int rc;

	memset(&q, 0, sizeof(q));
	memset(out, 0, sizeof(*out));
	q.method = m;
	q.path = path;
	q.headers = headers;
	q.nheaders = hdr != NULL ? 1 : 0;
	q.content_type = body.len > 0 ? "application/json" : NULL;
	q.body = body;
	rc = httpc_request(r->http, &q, &hr);
	if (rc != IDR_OK) {
		snprintf(r->err, sizeof(r->err), "%s", httpc_errmsg(r->http));
		return rc;
	}
	out->status = hr.status;
	out->body = hr.body;
	(void)rmt_answer_parse(hr.body, &out->an);
	return IDR_OK;
}

/* "Basic base64(INDEX%3AHANDLE:secret)" ('%' and ':' of the handle escaped too). */
static int
basic_header(struct rmt *r)
{
	const struct rmt_cred *c = r->cred;
	uint8_t user[AUTH_ID_MAX * 3 + RMT_SECRET_MAX + 16];
	struct wbuf w, h;

	wbuf_init(&w, user, sizeof(user));
	wbuf_printf(&w, "%lu%%3A", (unsigned long)c->aid.index);
	for (size_t i = 0; i < c->aid.handle.len; i++) {
		uint8_t ch = c->aid.handle.p[i];

		if (ch == '%' || ch == ':') {
			wbuf_printf(&w, "%%%02X", ch);
		} else {
			wbuf_u8(&w, ch);
		}
	}
	wbuf_u8(&w, ':');
	wbuf_bytes(&w, c->secret, c->secret_len);
	wbuf_init(&h, r->hdr, sizeof(r->hdr));
	wbuf_lit(&h, "Authorization: Basic ");
	b64_encode(&h, wbuf_slice(&w));
	wbuf_u8(&h, '\0');
	memset(user, 0, sizeof(user));
	return wbuf_error(&w) != IDR_OK ? wbuf_error(&w) : wbuf_error(&h);
}

/* The node refused to open a session (not 201), e.g. over plain HTTP. */
static int
refused(struct rmt *r, const char *what, const struct rmt_resp *p)
{
	snprintf(r->err, sizeof(r->err), "%s %s: the node refused (HTTP %d%s%.400s)", what,
	         httpc_url(r->http), p->status, p->an.message[0] != '\0' ? ": " : "",
	         p->an.message);
	return p->status == 401 || p->status == 403 ? IDR_EDENIED : IDR_EPROTO;
}

static int
auth_failed(struct rmt *r, int status, const char *msg)
{
	snprintf(r->err, sizeof(r->err),
	         "authentication as %.200s failed (HTTP %d%s%.300s): check that %s is "
	         "the identity's %s",
	         r->cred->id, status, msg[0] != '\0' ? ": " : "", msg,
	         r->cred->key != NULL ? "--key" : "--secret-file",
	         r->cred->key != NULL ? "private key (of its HS_PUBKEY value)"
	                              : "secret (its HS_SECKEY value)");
	return IDR_EAUTH;
}

/* Sign nonce ‖ cnonce and authenticate the session with PUT /api/sessions/this. */
static int
challenge_answer(struct rmt *r, const struct rmt_session *s)
{
	const struct rmt_cred *c = r->cred;
	bool sm2 = crypto_key_type(c->key) == CRYPTO_KEY_SM2;
	uint8_t cnonce[CNONCE_LEN], msg[RMT_NONCE_MAX + CNONCE_LEN], sigb[SIG_MAX];
	struct rmt_session back;
	struct rmt_resp p;
	struct wbuf sig, h;
	const char *why = NULL;
	int rc;

	if (crypto_random(cnonce, sizeof(cnonce)) != IDR_OK) {
		snprintf(r->err, sizeof(r->err), "no randomness for the challenge answer");
		return IDR_ECRYPTO;
	}
	memcpy(msg, s->nonce, s->nonce_len);
	memcpy(msg + s->nonce_len, cnonce, sizeof(cnonce));
	wbuf_init(&sig, sigb, sizeof(sigb));
	rc = crypto_sign(c->key, sm2 ? CRYPTO_SM3 : CRYPTO_SHA256,
	                 sm2 ? c->aid.handle : slice_make(NULL, 0), msg,
	                 s->nonce_len + sizeof(cnonce), &sig);
	if (rc != IDR_OK) {
		snprintf(r->err, sizeof(r->err), "signing the challenge failed: %s",
		         idr_strerror(rc));
		return rc;
	}
	wbuf_init(&h, r->hdr, sizeof(r->hdr));
	wbuf_printf(&h,
	            "Authorization: Handle version=\"0\", sessionId=\"%s\", id=\"%s\", "
	            "type=\"HS_PUBKEY\", cnonce=\"",
	            s->id, c->id);
	b64_encode(&h, slice_make(cnonce, sizeof(cnonce)));
	wbuf_printf(&h, "\", alg=\"%s\", signature=\"", sm2 ? "SM3" : "SHA256");
	b64_encode(&h, wbuf_slice(&sig));
	wbuf_lit(&h, "\"");
	wbuf_u8(&h, '\0');
	if (wbuf_error(&h) != IDR_OK) {
		snprintf(r->err, sizeof(r->err), "the identity is too long for a header");
		return IDR_ELIMIT;
	}
	rc = send_raw(r, HTTPC_PUT, "/api/sessions/this", slice_make(NULL, 0), r->hdr, &p);
	if (rc != IDR_OK) {
		return rc;
	}
	if (rmt_session_parse(p.body, &back, &why) != IDR_OK || p.status != 200 ||
	    !back.authenticated) {
		return auth_failed(r, p.status, back.error[0] != '\0' ? back.error : p.an.message);
	}
	return IDR_OK;
}

/* A new session for r, authenticated; its Authorization line into r->hdr. */
static int
login(struct rmt *r)
{
	struct rmt_session s;
	struct rmt_resp p;
	const char *why = NULL;
	int rc;

	r->session[0] = '\0';
	if (r->cred->secret != NULL && basic_header(r) != IDR_OK) {
		snprintf(r->err, sizeof(r->err), "the identity is too long for a header");
		return IDR_ELIMIT;
	}
	rc = send_raw(r, HTTPC_POST, "/api/sessions", slice_make(NULL, 0),
	              r->cred->secret != NULL ? r->hdr : NULL, &p);
	memset(r->hdr, 0, sizeof(r->hdr)); /* Basic credentials hold the secret */
	if (rc != IDR_OK) {
		return rc;
	}
	if (p.status != 201) {
		return refused(r, "opening a session on", &p);
	}
	if (rmt_session_parse(p.body, &s, &why) != IDR_OK) {
		snprintf(r->err, sizeof(r->err), "POST %s/api/sessions: %s", httpc_url(r->http),
		         why);
		return IDR_EPROTO;
	}
	if (r->cred->secret != NULL && !s.authenticated) {
		return auth_failed(r, 401, s.error);
	}
	if (r->cred->key != NULL && (rc = challenge_answer(r, &s)) != IDR_OK) {
		return rc;
	}
	memcpy(r->session, s.id, sizeof(r->session));
	snprintf(r->hdr, sizeof(r->hdr), "Authorization: Handle sessionId=\"%s\"", r->session);
	return IDR_OK;
}

/* An answer that says the session is not (or no longer) good. */
static bool
session_lost(const struct rmt_resp *p)
{
	return p->status == 401 || (p->status == 403 && p->an.response_code == 403);
}

int
rmt_request(struct rmt *r, enum httpc_method m, const char *path, struct slice body, bool auth,
            struct rmt_resp *out)
{
	bool fresh = false;
	int rc;

	r->err[0] = '\0';
	if (!auth) {
		return send_raw(r, m, path, body, NULL, out);
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (r->session[0] == '\0') {
			if ((rc = login(r)) != IDR_OK) {
				return rc;
			}
			fresh = true;
		}
		rc = send_raw(r, m, path, body, r->hdr, out);
		if (rc != IDR_OK || fresh || !session_lost(out)) {
			return rc;
		}
		r->session[0] = '\0'; /* expired on the node: set up a new one */
	}
	return IDR_OK;
}

void
rmt_free(struct rmt *r)
{
	struct rmt_resp p;

	if (r == NULL) {
		return;
	}
	if (r->session[0] != '\0') {
		(void)send_raw(r, HTTPC_DELETE, "/api/sessions/this", slice_make(NULL, 0), r->hdr,
		               &p);
	}
	httpc_free(r->http);
	free(r);
}
