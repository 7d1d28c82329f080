/*
 * hdl_auth.c - Handle codec: challenge and answer, VERIFY_CHALLENGE, IDIS login, sessions,
 * credential section and signed data (ref/handle.md §2.7, §3.5-§3.7).
 */
#include "hdl/hdl_auth.h"

#include <string.h>

/* offsets relative to the start of the envelope */
#define OFF_MSG_LEN 16

/* The whole body must have been read, without error. */
static int
body_done(struct rbuf *body)
{
	if (rbuf_error(body) != IDR_OK) {
		return rbuf_error(body);
	}
	if (rbuf_left(body) != 0) {
		rbuf_fail(body, IDR_EPROTO);
		return IDR_EPROTO;
	}
	return IDR_OK;
}

static bool
str_fits(struct slice s, size_t max)
{
	return s.len <= max;
}

/* ---- algorithm names ---- */

/* Java Util.equalsIgnoreCaseAndPunctuation: letters and digits compared case-insensitively,
 * everything else skipped. */
static bool
eq_loose(struct slice a, const char *b)
{
	size_t i = 0, j = 0, blen = strlen(b);

	for (;;) {
		while (i < a.len && !((a.p[i] | 0x20) >= 'a' && (a.p[i] | 0x20) <= 'z') &&
		       !(a.p[i] >= '0' && a.p[i] <= '9')) {
			i++;
		}
		while (j < blen && !((b[j] | 0x20) >= 'a' && (b[j] | 0x20) <= 'z') &&
		       !(b[j] >= '0' && b[j] <= '9')) {
			j++;
		}
		if (i == a.len || j == blen) {
			return i == a.len && j == blen;
		}
		if ((a.p[i] | 0x20) != (b[j] | 0x20)) {
			return false;
		}
		i++;
		j++;
	}
}

static enum hdl_auth_hash
hash_from_code(uint8_t code)
{
	switch (code) {
	case HDL_HASH_CODE_MD5_OLD:
	case HDL_HASH_CODE_MD5:
		return HDL_AUTH_HASH_MD5;
	case HDL_HASH_CODE_SHA1:
		return HDL_AUTH_HASH_SHA1;
	case HDL_HASH_CODE_SHA256:
		return HDL_AUTH_HASH_SHA256;
	case HDL_HASH_CODE_HMAC_SHA1:
		return HDL_AUTH_HASH_HMAC_SHA1;
	case HDL_HASH_CODE_HMAC_SHA256:
		return HDL_AUTH_HASH_HMAC_SHA256;
	case HDL_HASH_CODE_PBKDF2:
		return HDL_AUTH_HASH_PBKDF2_HMAC_SHA1;
	default:
		return HDL_AUTH_HASH_UNKNOWN;
	}
}

enum hdl_auth_hash
hdl_auth_hash_id(struct slice name)
{
	if (name.len == 1) {
		return hash_from_code(name.p[0]);
	}
	if (slice_eq(name, SLICE_LIT("MD5"))) {
		return HDL_AUTH_HASH_MD5;
	}
	if (slice_eq(name, SLICE_LIT("SHA1")) || slice_eq(name, SLICE_LIT("SHA-1"))) {
		return HDL_AUTH_HASH_SHA1;
	}
	if (slice_eq(name, SLICE_LIT("SHA-256")) || slice_eq(name, SLICE_LIT("SHA256"))) {
		return HDL_AUTH_HASH_SHA256;
	}
	if (slice_eq(name, SLICE_LIT("SM3"))) {
		return HDL_AUTH_HASH_SM3;
	}
	if (eq_loose(name, "HMAC-SHA1")) {
		return HDL_AUTH_HASH_HMAC_SHA1;
	}
	if (eq_loose(name, "HMAC-SHA256")) {
		return HDL_AUTH_HASH_HMAC_SHA256;
	}
	if (eq_loose(name, "PBKDF2-HMAC-SHA1") || eq_loose(name, "PBKDF2WithHmacSHA1")) {
		return HDL_AUTH_HASH_PBKDF2_HMAC_SHA1;
	}
	return HDL_AUTH_HASH_UNKNOWN;
}

size_t
hdl_auth_hash_len(enum hdl_auth_hash alg)
{
	switch (alg) {
	case HDL_AUTH_HASH_MD5:
		return 16;
	case HDL_AUTH_HASH_SHA1:
	case HDL_AUTH_HASH_HMAC_SHA1:
		return 20;
	case HDL_AUTH_HASH_SHA256:
	case HDL_AUTH_HASH_HMAC_SHA256:
	case HDL_AUTH_HASH_SM3:
		return 32;
	default:
		return 0;
	}
}

/* ---- challenge ---- */

int
hdl_auth_challenge_encode(struct wbuf *w, const struct hdl_msg *req, uint32_t session_id,
                          struct slice nonce, const struct hdl_resp_opts *opts)
{
	struct hdl_msg q = *req;
	struct hdl_version v = hdl_version_negotiate(&req->env);
	struct hdl_digest d;
	struct hdl_build b;
	bool legacy = !hdl_version_ge(v, 2, 1);
	int rc;

	if (nonce.len > HDL_AUTH_MAX_NONCE) {
		return IDR_ELIMIT;
	}
	q.env.session_id = session_id;
	if (legacy) {
		/* Java writes no RD flag below 2.1; the digest follows the nonce instead */
		q.hdr.flags &= ~HDL_FLAG_RD;
		rc = hdl_rd_compute(v, req->raw, &d);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	rc = hdl_resp_begin(&b, w, &q, HDL_RC_AUTHENTICATION_NEEDED, opts);
	if (rc != IDR_OK) {
		return rc;
	}
	wbuf_slice_str(w, nonce);
	if (legacy) {
		hdl_rd_encode(w, &d);
	}
	return hdl_build_end(&b);
}

int
hdl_auth_challenge_parse(const struct hdl_msg *m, struct hdl_auth_challenge *out)
{
	struct hdl_auth_challenge c;
	struct rbuf rest;
	struct slice s;
	bool has_rd;
	int rc;

	if (m->hdr.rc != HDL_RC_AUTHENTICATION_NEEDED) {
		return IDR_EINVAL;
	}
	memset(&c, 0, sizeof(c));
	rc = hdl_resp_open(m, &c.digest, &has_rd, &rest);
	if (rc != IDR_OK) {
		return rc;
	}
	c.nonce = rbuf_str(&rest, HDL_AUTH_MAX_NONCE);
	if (!hdl_version_ge(m->env.ver, 2, 1) && !has_rd) {
		s = rbuf_str(&rest, HDL_RD_MAX_LEN);
		if (rbuf_error(&rest) == IDR_OK && s.len != 16) {
			rbuf_fail(&rest, IDR_EPROTO);
		}
		if (rbuf_error(&rest) == IDR_OK) {
			c.digest.type = HDL_RD_LEGACY;
			c.digest.len = 16;
			memcpy(c.digest.bytes, s.p, s.len);
			has_rd = true;
		}
	}
	if (body_done(&rest) != IDR_OK) {
		return rbuf_error(&rest);
	}
	if (!has_rd) {
		return IDR_EPROTO; /* a challenge without a digest cannot be answered safely */
	}
	*out = c;
	return IDR_OK;
}

int
hdl_auth_challenge_data(struct wbuf *out, struct slice nonce, const struct hdl_digest *digest)
{
	wbuf_bytes(out, nonce.p, nonce.len);
	wbuf_bytes(out, digest->bytes, digest->len);
	return wbuf_error(out);
}

/* ---- answer (op 200) ---- */

int
hdl_auth_answer_parse(struct rbuf *body, struct hdl_auth_answer *out)
{
	struct hdl_auth_answer a;

	a.auth_type = rbuf_str(body, HDL_MAX_TYPE_LEN);
	a.key_handle = rbuf_str(body, HDL_MAX_HANDLE_LEN);
	a.key_index = rbuf_u32(body);
	a.signed_response = rbuf_str(body, HDL_AUTH_MAX_RESPONSE);
	if (body_done(body) != IDR_OK) {
		return rbuf_error(body);
	}
	*out = a;
	return IDR_OK;
}

int
hdl_auth_answer_encode(struct wbuf *w, const struct hdl_req_opts *o,
                       const struct hdl_auth_answer *a)
{
	struct hdl_build b;

	if (!str_fits(a->auth_type, HDL_MAX_TYPE_LEN) ||
	    !str_fits(a->signed_response, HDL_AUTH_MAX_RESPONSE)) {
		return IDR_ELIMIT;
	}
	hdl_req_begin(&b, w, o, HDL_OC_CHALLENGE_RESPONSE);
	wbuf_slice_str(w, a->auth_type);
	hdl_build_handle(&b, a->key_handle);
	wbuf_u32(w, a->key_index);
	wbuf_slice_str(w, a->signed_response);
	return hdl_build_end(&b);
}

int
hdl_auth_pubkey_sig_parse(struct slice signed_response, struct hdl_auth_pubkey_sig *out)
{
	struct hdl_auth_pubkey_sig s;
	struct rbuf r;

	rbuf_init(&r, signed_response.p, signed_response.len);
	s.hash_alg = rbuf_str(&r, HDL_MAX_TYPE_LEN);
	s.signature = rbuf_str(&r, HDL_AUTH_MAX_SIG);
	if (body_done(&r) != IDR_OK) {
		return rbuf_error(&r);
	}
	*out = s;
	return IDR_OK;
}

int
hdl_auth_pubkey_sig_encode(struct wbuf *w, const struct hdl_auth_pubkey_sig *s)
{
	if (!str_fits(s->hash_alg, HDL_MAX_TYPE_LEN) || !str_fits(s->signature, HDL_AUTH_MAX_SIG)) {
		return IDR_ELIMIT;
	}
	wbuf_slice_str(w, s->hash_alg);
	wbuf_slice_str(w, s->signature);
	return wbuf_error(w);
}

/* MAC length of an HS_SECKEY form, 0 for an unknown alg byte. */
static size_t
seckey_mac_len(uint8_t alg)
{
	if (alg == HDL_HASH_CODE_PBKDF2) {
		return hdl_auth_hash_len(HDL_AUTH_HASH_HMAC_SHA1);
	}
	return hdl_auth_hash_len(hash_from_code(alg));
}

static void
pbkdf2_read(struct rbuf *r, struct hdl_auth_seckey_sig *s)
{
	s->salt = rbuf_str(r, HDL_AUTH_MAX_SALT);
	s->iterations = rbuf_u32(r);
	s->key_bits = rbuf_u32(r);
	if (rbuf_error(r) != IDR_OK) {
		return;
	}
	if (s->iterations == 0 || s->key_bits == 0 || s->key_bits % 8 != 0) {
		rbuf_fail(r, IDR_EPROTO);
	} else if (s->iterations > HDL_AUTH_MAX_ITER || s->key_bits > HDL_AUTH_MAX_KEY_BITS) {
		rbuf_fail(r, IDR_ELIMIT);
	}
	s->mac = rbuf_str(r, HDL_AUTH_MAX_SIG);
}

int
hdl_auth_seckey_sig_parse(struct slice signed_response, struct hdl_version ver,
                          struct hdl_auth_seckey_sig *out)
{
	struct hdl_auth_seckey_sig s;
	struct rbuf r;

	memset(&s, 0, sizeof(s));
	rbuf_init(&r, signed_response.p, signed_response.len);
	if (!hdl_version_ge(ver, 2, 1)) {
		s.alg = HDL_HASH_CODE_MD5_OLD;
		s.mac = rbuf_bytes(&r, rbuf_left(&r));
	} else {
		s.alg = rbuf_u8(&r);
		if (s.alg == HDL_HASH_CODE_PBKDF2) {
			pbkdf2_read(&r, &s);
		} else if (s.alg != HDL_HASH_CODE_MD5_OLD) {
			s.mac = rbuf_bytes(&r, rbuf_left(&r));
		} else {
			rbuf_fail(&r, IDR_EPROTO); /* code 0 only as the legacy form */
		}
	}
	if (body_done(&r) != IDR_OK) {
		return rbuf_error(&r);
	}
	if (seckey_mac_len(s.alg) == 0 || s.mac.len != seckey_mac_len(s.alg)) {
		return IDR_EPROTO;
	}
	*out = s;
	return IDR_OK;
}

int
hdl_auth_seckey_sig_encode(struct wbuf *w, const struct hdl_auth_seckey_sig *s)
{
	if (seckey_mac_len(s->alg) == 0) {
		return IDR_EINVAL;
	}
	if (s->alg == HDL_HASH_CODE_MD5_OLD) {
		wbuf_bytes(w, s->mac.p, s->mac.len);
		return wbuf_error(w);
	}
	wbuf_u8(w, s->alg);
	if (s->alg == HDL_HASH_CODE_PBKDF2) {
		if (!str_fits(s->salt, HDL_AUTH_MAX_SALT) || !str_fits(s->mac, HDL_AUTH_MAX_SIG)) {
			return IDR_ELIMIT;
		}
		wbuf_slice_str(w, s->salt);
		wbuf_u32(w, s->iterations);
		wbuf_u32(w, s->key_bits);
		wbuf_slice_str(w, s->mac);
	} else {
		wbuf_bytes(w, s->mac.p, s->mac.len);
	}
	return wbuf_error(w);
}

/* ---- VERIFY_CHALLENGE (op 201) ---- */

static size_t
rd_len(uint8_t type)
{
	switch (type) {
	case HDL_RD_MD5:
		return 16;
	case HDL_RD_SHA1:
		return 20;
	case HDL_RD_SHA256:
		return 32;
	default:
		return 0;
	}
}

int
hdl_auth_verify_req_parse(struct rbuf *body, struct hdl_auth_verify_req *out)
{
	struct hdl_auth_verify_req v;
	struct rbuf peek;

	v.key_handle = rbuf_str(body, HDL_MAX_HANDLE_LEN);
	v.key_index = rbuf_u32(body);
	v.nonce = rbuf_str(body, HDL_AUTH_MAX_NONCE);
	peek = *body;
	v.digest_type = rbuf_u8(&peek);
	if (v.digest_type == HDL_RD_LEGACY) {
		/* the 0 was the top byte of a length: Java's encoder always sends this form */
		v.digest = rbuf_str(body, HDL_RD_MAX_LEN);
	} else if (rd_len(v.digest_type) != 0) {
		*body = peek;
		v.digest = rbuf_bytes(body, rd_len(v.digest_type));
	} else if (rbuf_error(body) == IDR_OK) {
		rbuf_fail(body, IDR_EPROTO);
	}
	v.signed_response = rbuf_str(body, HDL_AUTH_MAX_RESPONSE);
	if (body_done(body) != IDR_OK) {
		return rbuf_error(body);
	}
	*out = v;
	return IDR_OK;
}

int
hdl_auth_verify_req_encode(struct wbuf *w, const struct hdl_req_opts *o,
                           const struct hdl_auth_verify_req *v)
{
	struct hdl_build b;

	if (v->digest_type == HDL_RD_LEGACY
	            ? v->digest.len > HDL_RD_MAX_LEN
	            : v->digest.len != rd_len(v->digest_type) || v->digest.len == 0) {
		return IDR_EINVAL;
	}
	if (!str_fits(v->nonce, HDL_AUTH_MAX_NONCE) ||
	    !str_fits(v->signed_response, HDL_AUTH_MAX_RESPONSE)) {
		return IDR_ELIMIT;
	}
	hdl_req_begin(&b, w, o, HDL_OC_VERIFY_RESPONSE);
	hdl_build_handle(&b, v->key_handle);
	wbuf_u32(w, v->key_index);
	wbuf_slice_str(w, v->nonce);
	if (v->digest_type == HDL_RD_LEGACY) {
		wbuf_slice_str(w, v->digest);
	} else {
		wbuf_u8(w, v->digest_type);
		wbuf_bytes(w, v->digest.p, v->digest.len);
	}
	wbuf_slice_str(w, v->signed_response);
	return hdl_build_end(&b);
}

int
hdl_auth_verify_resp_encode(struct wbuf *w, const struct hdl_msg *req, bool valid,
                            const struct hdl_resp_opts *opts)
{
	struct hdl_build b;
	int rc;

	rc = hdl_resp_begin(&b, w, req, HDL_RC_SUCCESS, opts);
	if (rc != IDR_OK) {
		return rc;
	}
	wbuf_u8(w, valid ? 1 : 0);
	return hdl_build_end(&b);
}

int
hdl_auth_verify_resp_parse(struct rbuf *rest, bool *valid)
{
	uint8_t v = rbuf_u8(rest);

	if (body_done(rest) != IDR_OK) {
		rbuf_fail(rest, IDR_EPROTO);
		return IDR_EPROTO;
	}
	*valid = (v & 1) != 0;
	return IDR_OK;
}

/* ---- IDIS login (op 2001) ---- */

int
hdl_auth_login_parse(struct rbuf *body, struct hdl_auth_login *out)
{
	struct hdl_auth_login l;

	l.identity = rbuf_str(body, HDL_MAX_HANDLE_LEN);
	l.index = rbuf_u32(body);
	if (body_done(body) != IDR_OK) {
		return rbuf_error(body);
	}
	*out = l;
	return IDR_OK;
}

int
hdl_auth_login_encode(struct wbuf *w, const struct hdl_req_opts *o, const struct hdl_auth_login *l)
{
	struct hdl_build b;

	hdl_req_begin(&b, w, o, HDL_OC_LOGIN_ID_SYSTEM);
	hdl_build_handle(&b, l->identity);
	wbuf_u32(w, l->index);
	return hdl_build_end(&b);
}

/* ---- sessions (op 400-402) ---- */

/* Java's SESSION_SETUP bodies end in exactly 2 zero bytes (the mode counted as an int4). */
static int
quirk_done(struct rbuf *r)
{
	if (rbuf_error(r) == IDR_OK && rbuf_left(r) == 2) {
		if (rbuf_u16(r) != 0) {
			rbuf_fail(r, IDR_EPROTO);
		}
	}
	return body_done(r);
}

int
hdl_auth_session_setup_parse(struct rbuf *body, struct hdl_auth_session_setup *out)
{
	struct hdl_auth_session_setup s;

	memset(&s, 0, sizeof(s));
	s.mode = rbuf_u16(body);
	s.timeout = rbuf_u32(body);
	s.identity = rbuf_str(body, HDL_MAX_HANDLE_LEN);
	s.identity_index = rbuf_u32(body);
	switch (s.mode) {
	case HDL_KEX_CIPHER_CLIENT:
	case HDL_KEX_DH:
		s.pubkey = rbuf_str(body, HDL_AUTH_MAX_KEY);
		break;
	case HDL_KEX_CIPHER_HDL:
		s.key_handle = rbuf_str(body, HDL_MAX_HANDLE_LEN);
		s.key_index = rbuf_u32(body);
		break;
	case HDL_KEX_CIPHER_SERVER:
		break;
	default:
		if (rbuf_error(body) == IDR_OK) {
			rbuf_fail(body, IDR_EPROTO);
		}
	}
	if (quirk_done(body) != IDR_OK) {
		return rbuf_error(body);
	}
	*out = s;
	return IDR_OK;
}

int
hdl_auth_session_setup_encode(struct wbuf *w, const struct hdl_req_opts *o,
                              const struct hdl_auth_session_setup *s)
{
	struct hdl_build b;

	if (s->mode < HDL_KEX_CIPHER_CLIENT || s->mode > HDL_KEX_DH) {
		return IDR_EINVAL;
	}
	if (!str_fits(s->pubkey, HDL_AUTH_MAX_KEY)) {
		return IDR_ELIMIT;
	}
	hdl_req_begin(&b, w, o, HDL_OC_SESSION_SETUP);
	wbuf_u16(w, s->mode);
	wbuf_u32(w, s->timeout);
	hdl_build_handle(&b, s->identity);
	wbuf_u32(w, s->identity_index);
	if (s->mode == HDL_KEX_CIPHER_CLIENT || s->mode == HDL_KEX_DH) {
		wbuf_slice_str(w, s->pubkey);
	} else if (s->mode == HDL_KEX_CIPHER_HDL) {
		hdl_build_handle(&b, s->key_handle);
		wbuf_u32(w, s->key_index);
	}
	return hdl_build_end(&b);
}

int
hdl_auth_session_setup_resp_encode(struct wbuf *w, const struct hdl_msg *req, uint16_t mode,
                                   struct slice data, const struct hdl_resp_opts *opts)
{
	struct hdl_build b;
	int rc;

	if (data.len > HDL_AUTH_MAX_KEY) {
		return IDR_ELIMIT;
	}
	rc = hdl_resp_begin(&b, w, req, HDL_RC_SUCCESS, opts);
	if (rc != IDR_OK) {
		return rc;
	}
	wbuf_u16(w, mode);
	wbuf_slice_str(w, data);
	return hdl_build_end(&b);
}

int
hdl_auth_session_setup_resp_parse(struct rbuf *rest, uint16_t *mode, struct slice *data)
{
	uint16_t m = rbuf_u16(rest);
	struct slice d = rbuf_str(rest, HDL_AUTH_MAX_KEY);

	if (quirk_done(rest) != IDR_OK) {
		return rbuf_error(rest);
	}
	*mode = m;
	*data = d;
	return IDR_OK;
}

void
hdl_auth_dh_data_encode(struct wbuf *w, uint32_t cipher, struct slice pubkey)
{
	wbuf_u32(w, cipher);
	wbuf_bytes(w, pubkey.p, pubkey.len);
}

int
hdl_auth_dh_data_parse(struct slice data, uint32_t *cipher, struct slice *pubkey)
{
	struct rbuf r;
	uint32_t c;

	rbuf_init(&r, data.p, data.len);
	c = rbuf_u32(&r);
	if (rbuf_error(&r) != IDR_OK) {
		return IDR_EPROTO;
	}
	*cipher = c;
	*pubkey = rbuf_bytes(&r, rbuf_left(&r));
	return IDR_OK;
}

int
hdl_auth_exchange_key_parse(struct rbuf *body, struct slice *key)
{
	struct slice k = {NULL, 0};

	if (rbuf_error(body) == IDR_OK && rbuf_left(body) > 0) {
		k = rbuf_str(body, HDL_AUTH_MAX_KEY);
	}
	if (body_done(body) != IDR_OK) {
		return rbuf_error(body);
	}
	*key = k;
	return IDR_OK;
}

int
hdl_auth_exchange_key_encode(struct wbuf *w, const struct hdl_req_opts *o, struct slice key)
{
	struct hdl_build b;

	if (key.len > HDL_AUTH_MAX_KEY) {
		return IDR_ELIMIT;
	}
	hdl_req_begin(&b, w, o, HDL_OC_SESSION_EXCHANGEKEY);
	if (key.len > 0) {
		wbuf_slice_str(w, key);
	}
	return hdl_build_end(&b);
}

/* ---- credential and signed data ---- */

int
hdl_auth_cred_encode(struct wbuf *w, const struct hdl_cred *c)
{
	if (c->signer.len > HDL_MAX_HANDLE_LEN || c->type.len > HDL_MAX_TYPE_LEN ||
	    c->digest_alg.len > HDL_MAX_TYPE_LEN || c->signature.len > HDL_MAX_ARRAY) {
		return IDR_ELIMIT;
	}
	wbuf_u8(w, c->version);
	wbuf_u8(w, 0);
	wbuf_u16(w, c->options);
	wbuf_slice_str(w, c->signer);
	wbuf_u32(w, c->signer_index);
	wbuf_slice_str(w, c->type);
	wbuf_u32(w, (uint32_t)(8 + c->digest_alg.len + c->signature.len));
	wbuf_slice_str(w, c->digest_alg);
	wbuf_slice_str(w, c->signature);
	return wbuf_error(w);
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int
hdl_auth_cred_attach(struct wbuf *w, size_t start, const struct hdl_cred *c)
{
	const uint8_t *p = wbuf_data(w);
	size_t len = wbuf_len(w), before, msg_len;
	int rc;

	if (wbuf_error(w) != IDR_OK) {
		return wbuf_error(w);
	}
	if (start > len || len - start < HDL_ENVELOPE_LEN + HDL_HEADER_LEN + HDL_CRED_LEN_LEN ||
	    get_u32(p + start + OFF_MSG_LEN) != len - start - HDL_ENVELOPE_LEN ||
	    get_u32(p + len - HDL_CRED_LEN_LEN) != 0) {
		return IDR_EINVAL;
	}
	before = len;
	rc = hdl_auth_cred_encode(w, c);
	if (rc != IDR_OK) {
		return rc;
	}
	msg_len = wbuf_len(w) - start - HDL_ENVELOPE_LEN;
	if (msg_len > HDL_MAX_MESSAGE_LEN) {
		return IDR_ELIMIT;
	}
	wbuf_patch_u32(w, before - HDL_CRED_LEN_LEN, (uint32_t)(wbuf_len(w) - before));
	wbuf_patch_u32(w, start + OFF_MSG_LEN, (uint32_t)msg_len);
	return IDR_OK;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t
hdl_auth_signed_prefix(const struct hdl_envelope *env, uint32_t counter,
                       uint8_t out[HDL_AUTH_PREFIX_MAX])
{
	size_t n = 0;

	if (!hdl_version_ge(env->ver, 2, 6)) {
		return 0;
	}
	memset(out, 0, HDL_AUTH_PREFIX_MAX);
	out[n++] = env->ver.major;
	out[n++] = env->ver.minor;
	if (!hdl_version_ge(env->ver, 2, 7)) {
		/* 2.6: Java assigns writeInt's return (4) to the offset, so the request id and the
		 * counter both land at offset 4, over the session id's low half */
		put_u32(out + 2, env->session_id);
		put_u32(out + 4, counter);
		return 14;
	}
	if (hdl_version_ge(env->ver, 2, 8)) {
		out[n++] = env->sugg.major;
		out[n++] = env->sugg.minor;
	}
	put_u32(out + n, env->session_id);
	put_u32(out + n + 4, env->request_id);
	put_u32(out + n + 8, counter);
	return n + 12;
}

int
hdl_auth_signed_data(struct wbuf *out, const struct hdl_envelope *env, uint32_t counter,
                     struct slice raw)
{
	uint8_t prefix[HDL_AUTH_PREFIX_MAX];
	size_t n = hdl_auth_signed_prefix(env, counter, prefix);

	wbuf_bytes(out, prefix, n);
	wbuf_bytes(out, raw.p, raw.len);
	return wbuf_error(out);
}

static bool
is_hmac(enum hdl_auth_hash alg)
{
	return alg == HDL_AUTH_HASH_HMAC_SHA1 || alg == HDL_AUTH_HASH_HMAC_SHA256;
}

static bool
is_plain_hash(enum hdl_auth_hash alg)
{
	return alg == HDL_AUTH_HASH_MD5 || alg == HDL_AUTH_HASH_SHA1 || alg == HDL_AUTH_HASH_SHA256;
}

/* Java brokenTwoFiveTwoSixSignature, reproduced byte for byte (see the header). */
static void
mac_broken(struct wbuf *out, const struct hdl_envelope *env, struct slice raw, struct slice key)
{
	static const uint8_t zeros[16];
	uint8_t head[4], tail[6];
	size_t i, left = key.len + 10;

	tail[0] = env->ver.major;
	tail[1] = env->ver.minor;
	put_u32(tail + 2, env->session_id);
	for (i = 0; i < sizeof(head); i++) {
		head[i] = i < key.len ? key.p[i] : tail[i - key.len];
	}
	wbuf_bytes(out, head, sizeof(head));
	wbuf_bytes(out, raw.p, raw.len);
	wbuf_bytes(out, key.p, key.len);
	while (left > 0 && wbuf_error(out) == IDR_OK) {
		size_t k = left < sizeof(zeros) ? left : sizeof(zeros);

		wbuf_bytes(out, zeros, k);
		left -= k;
	}
}

int
hdl_auth_mac_data(struct wbuf *out, const struct hdl_envelope *env, uint32_t counter,
                  struct slice raw, struct slice key, enum hdl_auth_hash alg,
                  enum hdl_auth_mac_kind *kind)
{
	uint8_t prefix[HDL_AUTH_PREFIX_MAX];
	size_t n = 0;

	if (!is_hmac(alg) && !is_plain_hash(alg)) {
		return IDR_EINVAL;
	}
	if (hdl_version_ge(env->ver, 2, 5) && !hdl_version_ge(env->ver, 2, 7)) {
		if (!is_plain_hash(alg)) {
			return IDR_EINVAL;
		}
		*kind = HDL_AUTH_MAC_HASH;
		mac_broken(out, env, raw, key);
		return wbuf_error(out);
	}
	if (hdl_version_ge(env->ver, 2, 7)) {
		n = hdl_auth_signed_prefix(env, counter, prefix);
	}
	*kind = is_hmac(alg) ? HDL_AUTH_MAC_HMAC : HDL_AUTH_MAC_HASH;
	if (*kind == HDL_AUTH_MAC_HASH) {
		wbuf_bytes(out, key.p, key.len);
	}
	wbuf_bytes(out, prefix, n);
	wbuf_bytes(out, raw.p, raw.len);
	if (*kind == HDL_AUTH_MAC_HASH) {
		wbuf_bytes(out, key.p, key.len);
	}
	return wbuf_error(out);
}
