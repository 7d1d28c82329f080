/* hauth.c - HTTP Authorization schemes against the registry's identities (hauth.h). */
#include "http/hauth.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/b64.h"
#include "base/crypto.h"

#define BASIC_MAX (AUTH_ID_MAX * 3 + HAUTH_SECRET_MAX + 2) /* decoded user:password */

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
