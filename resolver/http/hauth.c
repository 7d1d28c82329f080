/* hauth.c - HTTP Authorization schemes against the registry's identities (hauth.h). */
#include "http/hauth.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/b64.h"
#include "base/crypto.h"
#include "base/num.h"
#include "base/rbuf.h"
#include "core/sess.h"

#define BASIC_MAX  (AUTH_ID_MAX * 3 + HAUTH_SECRET_MAX + 2) /* decoded user:password */
#define CNONCE_MAX 64
#define SIG_MAX    8192
#define SALT_MAX   1024
#define ANSWER_MAX (SIG_MAX + SALT_MAX + 64)

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
hauth_basic_user(struct slice user, char *buf, size_t cap, struct auth_id *id)
{
	size_t o = 0;

	for (size_t i = 0; i < user.len; i++) {
		uint8_t c = user.p[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= user.len) {
				return IDR_EINVAL;
			}
			hi = hexval(user.p[i + 1]);
			lo = hexval(user.p[i + 2]);
			if (hi < 0 || lo < 0) {
				return IDR_EINVAL;
			}
			c = (uint8_t)(hi << 4 | lo);
			i += 2;
		}
		if (o + 1 >= cap) {
			return IDR_EINVAL;
		}
		buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return auth_id_parse(slice_make(buf, o), id);
}

/* Skip the scheme name (case-insensitive) and the spaces after it. */
static bool
scheme(struct slice v, const char *name, struct slice *rest)
{
	size_t n = strlen(name);

	if (v.len <= n || v.p[n] != ' ' || !slice_caseeq(slice_make(v.p, n), slice_make(name, n))) {
		return false;
	}
	while (n < v.len && v.p[n] == ' ') {
		n++;
	}
	*rest = slice_make(v.p + n, v.len - n);
	return true;
}

static struct token_key tkey; /* set before the workers start, read-only after */
static bool tkey_set;

void
hauth_set_token_key(const struct token_key *k)
{
	tkey_set = k != NULL;
	if (k != NULL) {
		tkey = *k;
	}
}

const struct token_key *
hauth_token_key(void)
{
	return tkey_set ? &tkey : NULL;
}

enum hauth_result
hauth_bearer(struct http_req *q, struct slice token, struct reg_rtxn *t, struct hauth *a, char *msg,
             size_t cap)
{
	struct token_claims c;
	enum auth_key_kind kind;
	uint8_t fp[TOKEN_FP_LEN];
	struct slice kv;
	int rc;

	memset(a, 0, sizeof(*a));
	if (!tkey_set) {
		snprintf(msg, cap, "tokens are not enabled on this node");
		return HAUTH_FAILED;
	}
	rc = token_verify(&tkey, token, (uint64_t)time(NULL), &c);
	if (rc == IDR_EEXPIRED) {
		snprintf(msg, cap, "token已过期，请重新登录 (token expired)");
		return HAUTH_FAILED;
	}
	if (rc != IDR_OK) {
		snprintf(msg, cap, "token无效 (invalid token)");
		return HAUTH_FAILED;
	}
	memcpy(a->idbuf, c.sub, sizeof(a->idbuf));
	if (auth_id_parse(slice_cstr(a->idbuf), &a->id) != IDR_OK) {
		snprintf(msg, cap, "token无效 (invalid token)");
		return HAUTH_FAILED;
	}
	auth_id_format(&a->id, a->text, sizeof(a->text));
	rc = auth_key_get(t, &a->id, &kind, &kv);
	if (rc != IDR_OK && rc != IDR_ENOENT && rc != IDR_EINVAL) {
		snprintf(msg, cap, "internal error");
		return HAUTH_ERROR;
	}
	if (rc == IDR_OK) {
		token_key_fp(kv, fp);
	}
	if (rc != IDR_OK || kind != AUTH_KEY_SEC || crypto_memeq(fp, c.fp, sizeof(fp)) != 1) {
		snprintf(msg, cap, "token无效：身份密钥已更换或删除 (the identity's key changed)");
		return HAUTH_FAILED;
	}
	a->node_admin = auth_is_node_admin(&q->conf->server_admins, &a->id);
	return HAUTH_OK;
}

static enum hauth_result
basic(struct slice cred, struct reg_rtxn *t, struct hauth *a, char *msg, size_t cap)
{
	uint8_t dec[BASIC_MAX];
	size_t n;
	const uint8_t *colon;
	enum auth_key_kind kind;
	struct slice key, secret;
	int rc;

	if (b64_decoded_len(cred) > sizeof(dec) ||
	    b64_decode(cred, dec, sizeof(dec), &n) != IDR_OK) {
		snprintf(msg, cap, "Basic credentials are not valid base64 (or too long)");
		return HAUTH_BAD;
	}
	colon = memchr(dec, ':', n);
	if (colon == NULL) {
		snprintf(msg, cap, "Basic credentials need user:password");
		return HAUTH_BAD;
	}
	if (hauth_basic_user(slice_make(dec, (size_t)(colon - dec)), a->idbuf, sizeof(a->idbuf),
	                     &a->id) != IDR_OK) {
		snprintf(msg, cap,
		         "Basic user must be index:handle with ':' as %%3A, "
		         "e.g. 300%%3A88.118.8/ADMIN");
		return HAUTH_BAD;
	}
	secret = slice_make(colon + 1, n - (size_t)(colon + 1 - dec));
	auth_id_format(&a->id, a->text, sizeof(a->text));
	rc = auth_key_get(t, &a->id, &kind, &key);
	if (rc == IDR_ENOENT || rc == IDR_EINVAL) {
		snprintf(msg, cap, "identity %.200s has no key value", a->text);
		return HAUTH_FAILED;
	}
	if (rc != IDR_OK) {
		snprintf(msg, cap, "internal error");
		return HAUTH_ERROR;
	}
	if (kind != AUTH_KEY_SEC) {
		snprintf(msg, cap,
		         "identity %.200s has a public key: use Authorization: Handle "
		         "(challenge-response) instead of Basic",
		         a->text);
		return HAUTH_FAILED;
	}
	if (!auth_secret_match(key, secret)) {
		snprintf(msg, cap, "wrong secret for identity %.200s", a->text);
		return HAUTH_FAILED;
	}
	return HAUTH_OK;
}

void
hauth_session_text(uint32_t id, char out[9])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 7; i >= 0; i--) {
		out[i] = hex[id & 0xF];
		id >>= 4;
	}
	out[8] = '\0';
}

static int
session_id_parse(struct slice text, uint32_t *id)
{
	uint32_t v = 0;

	if (text.len == 0 || text.len > 8) {
		return IDR_EINVAL;
	}
	for (size_t i = 0; i < text.len; i++) {
		int d = hexval(text.p[i]);

		if (d < 0) {
			return IDR_EINVAL;
		}
		v = v << 4 | (uint32_t)d;
	}
	*id = v;
	return v != 0 ? IDR_OK : IDR_EINVAL;
}

int
hauth_params_parse(struct slice text, struct hauth_params *out, const char **why)
{
	static const char *const keys[] = {"version", "sessionId", "id",   "type",       "cnonce",
	                                   "alg",     "signature", "salt", "iterations", "length"};
	struct slice *fields[] = {&out->version,    &out->session_id, &out->id,        &out->type,
	                          &out->cnonce,     &out->alg,        &out->signature, &out->salt,
	                          &out->iterations, &out->length};
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < text.len) {
		size_t k0, k1, v0, v1;

		while (i < text.len &&
		       (text.p[i] == ' ' || text.p[i] == '\t' || text.p[i] == ',')) {
			i++;
		}
		if (i == text.len) {
			break;
		}
		k0 = i;
		while (i < text.len && text.p[i] != '=' && text.p[i] != ' ' && text.p[i] != ',') {
			i++;
		}
		k1 = i;
		while (i < text.len && text.p[i] == ' ') {
			i++;
		}
		if (k1 == k0 || i == text.len || text.p[i] != '=') {
			*why = "expected key=value";
			return IDR_EPROTO;
		}
		i++;
		while (i < text.len && text.p[i] == ' ') {
			i++;
		}
		if (i < text.len && text.p[i] == '"') {
			v0 = ++i;
			while (i < text.len && text.p[i] != '"') {
				if (text.p[i] == '\\') {
					*why = "escapes in quoted values are not accepted";
					return IDR_EPROTO;
				}
				i++;
			}
			if (i == text.len) {
				*why = "unterminated quoted value";
				return IDR_EPROTO;
			}
			v1 = i++;
		} else {
			v0 = i;
			while (i < text.len && text.p[i] != ',' && text.p[i] != ' ') {
				i++;
			}
			v1 = i;
		}
		for (size_t f = 0; f < sizeof(keys) / sizeof(keys[0]); f++) {
			if (slice_caseeq(slice_make(text.p + k0, k1 - k0), slice_cstr(keys[f]))) {
				if (fields[f]->p != NULL) {
					*why = "a parameter is repeated";
					return IDR_EPROTO;
				}
				*fields[f] = slice_make(text.p + v0, v1 - v0);
			}
		}
	}
	return IDR_OK;
}

/* The hash name of a public-key signature as auth_verify_answer reads it (Java's spellings). */
static const char *
pubkey_alg(struct slice alg)
{
	static const char *const sha1[] = {"SHA", "SHA1", "SHA-1"};
	static const char *const sha256[] = {"SHA-256", "SHA256", "SHA-2", "SHA2"};

	for (size_t i = 0; i < 3; i++) {
		if (slice_caseeq_cstr(alg, sha1[i])) {
			return "SHA1";
		}
	}
	for (size_t i = 0; i < 4; i++) {
		if (slice_caseeq_cstr(alg, sha256[i])) {
			return "SHA-256";
		}
	}
	return slice_caseeq_cstr(alg, "SM3") ? "SM3" : NULL;
}

/* Letters and digits of s, upper-cased, equal to want ("PBKDF2HMACSHA1")? */
static bool
alg_is(struct slice s, const char *want)
{
	size_t j = 0, n = strlen(want);

	for (size_t i = 0; i < s.len; i++) {
		uint8_t c = s.p[i];

		if (c >= 'a' && c <= 'z') {
			c = (uint8_t)(c - 32);
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
			continue;
		}
		if (j == n || (uint8_t)want[j] != c) {
			return false;
		}
		j++;
	}
	return j == n;
}

/* The signed response of the challenge-answer codec from header fields. */
static int
signed_response(const struct hauth_params *p, struct wbuf *w, const char **why)
{
	uint8_t sig[SIG_MAX], salt[SALT_MAX];
	size_t nsig, nsalt;

	if (b64_decode(p->signature, sig, sizeof(sig), &nsig) != IDR_OK) {
		*why = "signature is not base64 (or too long)";
		return IDR_EPROTO;
	}
	if (slice_caseeq_cstr(p->type, "HS_PUBKEY")) {
		const char *alg = pubkey_alg(p->alg);

		if (alg == NULL) {
			*why = "alg must be SHA1, SHA256 or SM3 for HS_PUBKEY";
			return IDR_EPROTO;
		}
		wbuf_u32(w, (uint32_t)strlen(alg));
		wbuf_cstr(w, alg);
		wbuf_u32(w, (uint32_t)nsig);
		wbuf_bytes(w, sig, nsig);
		return wbuf_error(w);
	}
	if (!slice_caseeq_cstr(p->type, "HS_SECKEY")) {
		*why = "type must be HS_PUBKEY or HS_SECKEY";
		return IDR_EPROTO;
	}
	if (pubkey_alg(p->alg) != NULL && strcmp(pubkey_alg(p->alg), "SHA1") == 0) {
		wbuf_u8(w, 0x02);
		wbuf_bytes(w, sig, nsig);
		return wbuf_error(w);
	}
	if (!alg_is(p->alg, "PBKDF2HMACSHA1")) {
		*why = "alg must be SHA1 or PBKDF2-HMAC-SHA1 for HS_SECKEY";
		return IDR_EPROTO;
	}
	wbuf_u8(w, 0x22);
	if (p->salt.p != NULL || p->iterations.p != NULL || p->length.p != NULL) {
		uint64_t iter, len;

		if (b64_decode(p->salt, salt, sizeof(salt), &nsalt) != IDR_OK ||
		    num_parse_u64_n((const char *)p->iterations.p, p->iterations.len, 1, 1000000,
		                    &iter) != IDR_OK ||
		    num_parse_u64_n((const char *)p->length.p, p->length.len, 8, 4096, &len) !=
		            IDR_OK) {
			*why = "PBKDF2 needs salt (base64), iterations and length (bits)";
			return IDR_EPROTO;
		}
		wbuf_u32(w, (uint32_t)nsalt);
		wbuf_bytes(w, salt, nsalt);
		wbuf_u32(w, (uint32_t)iter);
		wbuf_u32(w, (uint32_t)len);
		wbuf_u32(w, (uint32_t)nsig);
	}
	wbuf_bytes(w, sig, nsig);
	return wbuf_error(w);
}

static void
fill_identity(struct hauth *a, const char *text)
{
	snprintf(a->text, sizeof(a->text), "%s", text);
	snprintf(a->idbuf, sizeof(a->idbuf), "%s", text);
	if (auth_id_parse(slice_cstr(a->idbuf), &a->id) != IDR_OK) {
		memset(&a->id, 0, sizeof(a->id));
	}
}

enum hauth_result
hauth_session(struct http_req *q, struct reg_rtxn *t, const struct hauth_params *p, struct hauth *a,
              char *msg, size_t cap)
{
	struct sess_table *tab = rsv_http_sessions(q->rw);
	uint8_t cnonce[CNONCE_MAX], ans[ANSWER_MAX];
	const char *why = NULL;
	struct auth_id id;
	struct sess s;
	struct wbuf w;
	uint32_t sid;
	size_t ncn;
	int rc;

	if (p->session_id.p == NULL || session_id_parse(p->session_id, &sid) != IDR_OK) {
		snprintf(msg, cap,
		         "Authorization: Handle needs the sessionId of a session "
		         "(POST /api/sessions, or a 401 answer's WWW-Authenticate)");
		return HAUTH_BAD;
	}
	rc = sess_get(tab, sid, sess_now_ms(), &s);
	if (rc != IDR_OK || s.kind != SESS_HTTP) {
		snprintf(msg, cap, "session %.8s is unknown or expired",
		         (const char *)p->session_id.p);
		return HAUTH_FAILED;
	}
	if (p->id.p == NULL && p->signature.p == NULL && p->cnonce.p == NULL) {
		if (!s.authenticated) {
			snprintf(msg, cap, "session %.8s is not authenticated",
			         (const char *)p->session_id.p);
			return HAUTH_FAILED;
		}
		fill_identity(a, s.identity);
		return HAUTH_OK;
	}
	if (p->version.p != NULL && !slice_caseeq_cstr(p->version, "0")) {
		snprintf(msg, cap, "unknown version in Authorization: Handle");
		return HAUTH_BAD;
	}
	if (p->id.p == NULL || p->type.p == NULL || p->cnonce.p == NULL || p->alg.p == NULL ||
	    p->signature.p == NULL) {
		snprintf(msg, cap,
		         "Authorization: Handle needs id, type, cnonce, alg and signature");
		return HAUTH_BAD;
	}
	if (auth_id_parse(p->id, &id) != IDR_OK) {
		snprintf(msg, cap, "id must be index:handle, e.g. 300:88.118.8/ADMIN");
		return HAUTH_BAD;
	}
	if (b64_decode(p->cnonce, cnonce, sizeof(cnonce), &ncn) != IDR_OK || ncn == 0) {
		snprintf(msg, cap, "cnonce must be base64 of at most %d bytes", CNONCE_MAX);
		return HAUTH_BAD;
	}
	wbuf_init(&w, ans, sizeof(ans));
	if (signed_response(p, &w, &why) != IDR_OK) {
		snprintf(msg, cap, "%s", why != NULL ? why : "answer too long");
		return HAUTH_BAD;
	}
	rc = auth_verify_answer(t, &id, p->type, wbuf_slice(&w),
	                        slice_make(s.nonce, SESS_NONCE_LEN), slice_make(cnonce, ncn));
	auth_id_format(&id, s.identity, sizeof(s.identity));
	if (rc != IDR_OK) {
		snprintf(msg, cap, "authentication of %.200s failed", s.identity);
		return rc == IDR_EAUTH || rc == IDR_EPROTO || rc == IDR_EINVAL ? HAUTH_FAILED
		                                                               : HAUTH_ERROR;
	}
	s.authenticated = true;
	if (sess_put(tab, &s) != IDR_OK) {
		snprintf(msg, cap, "session expired");
		return HAUTH_FAILED;
	}
	fill_identity(a, s.identity);
	return HAUTH_OK;
}

int
hauth_challenge(struct http_req *q)
{
	struct sess s;
	char sid[9], value[128];
	uint8_t nb[32];
	struct wbuf w;
	int rc;

	memset(&s, 0, sizeof(s));
	s.kind = SESS_HTTP;
	s.idle_ms = q->conf->session_timeout * 1000u;
	rc = sess_create(rsv_http_sessions(q->rw), &s, slice_make(NULL, 0), sess_now_ms());
	if (rc != IDR_OK) {
		return rc;
	}
	hauth_session_text(s.id, sid);
	wbuf_init(&w, nb, sizeof(nb));
	b64_encode(&w, slice_make(s.nonce, SESS_NONCE_LEN));
	snprintf(value, sizeof(value), "Handle sessionId=\"%s\", nonce=\"%.*s\"", sid,
	         (int)wbuf_len(&w), (const char *)wbuf_data(&w));
	http_header(q, "WWW-Authenticate", value);
	return IDR_OK;
}

enum hauth_result
http_authenticate(struct http_req *q, struct reg_rtxn *t, struct hauth *a, char *msg, size_t cap)
{
	struct slice rest;
	enum hauth_result res;

	memset(a, 0, sizeof(*a));
	msg[0] = '\0';
	if (q->authorization.len == 0) {
		return HAUTH_NONE;
	}
	if (scheme(q->authorization, "Basic", &rest)) {
		res = basic(rest, t, a, msg, cap);
	} else if (scheme(q->authorization, "Handle", &rest)) {
		struct hauth_params p;
		const char *why = NULL;

		if (hauth_params_parse(rest, &p, &why) != IDR_OK) {
			snprintf(msg, cap, "Authorization: Handle: %s", why);
			return HAUTH_BAD;
		}
		res = hauth_session(q, t, &p, a, msg, cap);
	} else if (scheme(q->authorization, "Bearer", &rest)) {
		return hauth_bearer(q, rest, t, a, msg, cap); /* sets node_admin itself */
	} else {
		snprintf(msg, cap,
		         "unsupported Authorization scheme (use Basic, Bearer or Handle)");
		return HAUTH_BAD;
	}
	if (res == HAUTH_OK) {
		a->node_admin = auth_is_node_admin(&q->conf->server_admins, &a->id);
	}
	return res;
}
