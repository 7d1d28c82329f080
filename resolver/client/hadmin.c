/* hadmin.c - a Handle admin protocol client: sessions, HS_MAC, challenges, operations. */
#include "client/hadmin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/rbuf.h"
#include "hdl/hdl_admin.h"
#include "hdl/hdl_auth.h"

#define SESSION_KEY_MAX  64
#define SIG_MAX          8192
#define PUBKEY_MAX       HDL_AUTH_MAX_KEY
#define SALT_LEN         16
#define MAC_SLACK        256
#define DEFAULT_TIMEOUT  10000
#define SITE_UNIT_MAX    ((size_t)64 * 1024)
#define HMAC_SHA256_NAME "HMAC-SHA256"
#define HTTP_PATH_MAX    (1 + 3 * HDL_MAX_HANDLE_LEN + 1) /* "/" + %XX per byte, NUL */
#define HTTP_PATH_SHOWN  80 /* bytes of a path named in an error message */
#define CT_HDL           "application/x-hdl-message"

struct hadmin {
	uint8_t *handle;
	size_t handle_len;
	uint32_t index;
	const struct crypto_key *key;
	uint8_t *secret;
	size_t secret_len;
	const struct crypto_key *site;
	/* a SESSION_SETUP sent, its answer awaited */
	struct crypto_key *dh;
	uint8_t *setup;
	size_t setup_len;
	/* the session */
	uint32_t sid;
	uint8_t skey[SESSION_KEY_MAX];
	size_t skey_len;
	uint32_t counter;
	/* the last admin request (for a challenge to it) */
	uint8_t *req;
	size_t req_len;
	/* transport */
	bool has_net;
	struct hadmin_net net;
	struct hdlc_tcp *tcp;
	struct httpc *http;
	uint8_t *hbody; /* the last HTTP answer body; answer units point into it */
	struct hadmin_http_body hb;
	char err[HADMIN_ERR_MAX];
};

static const struct hdl_version v211 = {2, 11};

/* ------------------------------------------------------------------ life */

int
hadmin_new(struct hadmin **out, const struct hadmin_ident *id)
{
	struct hadmin *c;

	*out = NULL;
	if (id->handle.len == 0 || id->index == 0 || (id->key == NULL) == (id->secret.len == 0)) {
		return IDR_EINVAL;
	}
	if (id->handle.len > HDL_MAX_HANDLE_LEN || id->secret.len > HADMIN_MAX_SECRET) {
		return IDR_ELIMIT;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return IDR_ENOMEM;
	}
	c->handle = malloc(id->handle.len);
	c->secret = id->secret.len > 0 ? malloc(id->secret.len) : NULL;
	if (c->handle == NULL || (id->secret.len > 0 && c->secret == NULL)) {
		hadmin_free(c);
		return IDR_ENOMEM;
	}
	memcpy(c->handle, id->handle.p, id->handle.len);
	c->handle_len = id->handle.len;
	if (id->secret.len > 0) {
		memcpy(c->secret, id->secret.p, id->secret.len);
		c->secret_len = id->secret.len;
	}
	c->index = id->index;
	c->key = id->key;
	c->site = id->site;
	*out = c;
	return IDR_OK;
}

static void
tcp_drop(struct hadmin *c)
{
	hdlc_tcp_close(c->tcp);
	c->tcp = NULL;
}

void
hadmin_free(struct hadmin *c)
{
	if (c == NULL) {
		return;
	}
	tcp_drop(c);
	httpc_free(c->http);
	free(c->hbody);
	crypto_key_free(c->dh);
	if (c->secret != NULL) {
		memset(c->secret, 0, c->secret_len);
	}
	memset(c->skey, 0, sizeof(c->skey));
	free(c->secret);
	free(c->handle);
	free(c->setup);
	free(c->req);
	free(c);
}

static struct slice
ident_handle(const struct hadmin *c)
{
	return slice_make(c->handle, c->handle_len);
}

/* Keep a copy of the unit at w[start..] in *dst. */
static int
keep_unit(const struct wbuf *w, size_t start, uint8_t **dst, size_t *len)
{
	size_t n = wbuf_len(w) - start;
	uint8_t *p = malloc(n);

	if (p == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(p, wbuf_data(w) + start, n);
	free(*dst);
	*dst = p;
	*len = n;
	return IDR_OK;
}

/* Parse a whole unit (nothing may follow it). */
static int
unit_parse(const uint8_t *p, size_t len, struct hdl_msg *m)
{
	struct rbuf r;
	int rc;

	rbuf_init(&r, p, len);
	rc = hdl_msg_parse(&r, m);
	if (rc == IDR_OK && rbuf_left(&r) != 0) {
		rc = IDR_EPROTO;
	}
	return rc == IDR_EAGAIN ? IDR_EPROTO : rc;
}

static int
req_opts(struct hdl_req_opts *ro, const struct hadmin_msg_opts *o, uint32_t flags)
{
	uint32_t rid;
	int rc = hdlc_request_id(&rid);

	if (rc != IDR_OK) {
		return rc;
	}
	hdl_req_opts_init(ro, rid, o->now + HDLC_EXPIRATION_SEC);
	ro->ver = v211;
	ro->sugg = v211;
	ro->flags = HDL_FLAG_CLIENT_DEFAULT | flags | (o->keep_alive ? HDL_FLAG_KC : 0);
	return IDR_OK;
}

/* ------------------------------------------------------------------ signed answers */

int
hadmin_signed_verify(const struct hdl_msg *m, const struct crypto_key *site)
{
	struct hdl_cred cr;
	enum crypto_alg alg;
	struct wbuf data;
	int rc;

	if (m->cred.len == 0) {
		return IDR_EAUTH;
	}
	if (hdl_cred_parse(m->cred, &cr) != IDR_OK) {
		return IDR_EPROTO;
	}
	if (!slice_caseeq(cr.type, SLICE_LIT(HDL_CRED_TYPE_SIGNED)) &&
	    !slice_caseeq(cr.type, SLICE_LIT(HDL_CRED_TYPE_OLDSIG))) {
		return IDR_EAUTH;
	}
	if (crypto_alg_from_name(cr.digest_alg, &alg) != IDR_OK) {
		return IDR_EINVAL;
	}
	wbuf_init_heap(&data, m->raw.len + HDL_AUTH_PREFIX_MAX);
	rc = hdl_auth_signed_data(&data, &m->env, cr.signer_index, m->raw);
	if (rc == IDR_OK) {
		rc = crypto_verify(site, alg, slice_make(NULL, 0), wbuf_data(&data),
		                   wbuf_len(&data), cr.signature.p, cr.signature.len);
	} else {
		rc = IDR_ENOMEM;
	}
	wbuf_deinit(&data);
	return rc;
}

/* ------------------------------------------------------------------ sessions */

int
hadmin_setup_encode(struct hadmin *c, struct wbuf *w, const struct hadmin_msg_opts *o)
{
	struct hdl_auth_session_setup ss;
	struct hdl_req_opts ro;
	struct wbuf pub;
	size_t start = wbuf_len(w);
	int rc;

	hadmin_session_drop(c);
	crypto_key_free(c->dh);
	c->dh = NULL;
	rc = req_opts(&ro, o, HDL_FLAG_CT | HDL_FLAG_RD);
	if (rc == IDR_OK) {
		ro.flags &= ~HDL_FLAG_KC; /* set up on a connection of its own */
		rc = crypto_key_generate(&c->dh, CRYPTO_KEY_DH, HADMIN_DH_BITS);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	wbuf_init_heap(&pub, PUBKEY_MAX);
	rc = crypto_key_hs_pubkey(c->dh, &pub);
	if (rc == IDR_OK) {
		memset(&ss, 0, sizeof(ss));
		ss.mode = HDL_KEX_DH;
		ss.timeout = HADMIN_SESSION_TIMEOUT;
		ss.identity = ident_handle(c);
		ss.identity_index = c->index;
		ss.pubkey = wbuf_slice(&pub);
		rc = hdl_auth_session_setup_encode(w, &ro, &ss);
	}
	if (rc == IDR_OK) {
		rc = keep_unit(w, start, &c->setup, &c->setup_len);
	}
	wbuf_deinit(&pub);
	return rc;
}

/* An error answer's message into res (control bytes replaced by '?'). */
static void
read_message(const struct hdl_msg *m, struct rbuf *rest, struct hadmin_result *res)
{
	struct slice msg;
	size_t n;

	res->message[0] = '\0';
	if (hdl_error_resp_parse(rest, m->env.ver, &msg) != IDR_OK) {
		return;
	}
	n = msg.len < sizeof(res->message) - 1 ? msg.len : sizeof(res->message) - 1;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = msg.p[i];

		res->message[i] = (char)(b < 0x20 || b == 0x7f ? (uint8_t)'?' : b);
	}
	res->message[n] = '\0';
}

/* The DH part of a setup answer: the session key from the server's public value. */
static int
derive(struct hadmin *c, struct slice data)
{
	struct crypto_key *peer = NULL;
	struct wbuf secret, key;
	struct slice pub;
	uint32_t cipher;
	int rc;

	if (hdl_auth_dh_data_parse(data, &cipher, &pub) != IDR_OK || cipher != HDL_CIPHER_AES) {
		return IDR_EPROTO;
	}
	rc = crypto_key_from_hs_pubkey(&peer, pub.p, pub.len);
	if (rc != IDR_OK || crypto_key_type(peer) != CRYPTO_KEY_DH) {
		crypto_key_free(peer);
		return IDR_EPROTO;
	}
	wbuf_init_heap(&secret, 2048);
	wbuf_init_heap(&key, SESSION_KEY_MAX);
	rc = crypto_dh_derive(c->dh, peer, &secret);
	if (rc == IDR_OK) {
		rc = crypto_session_key_from_dh(CRYPTO_CIPHER_AES, wbuf_data(&secret),
		                                wbuf_len(&secret), &key);
	}
	if (rc == IDR_OK) {
		memcpy(c->skey, wbuf_data(&key), wbuf_len(&key));
		c->skey_len = wbuf_len(&key);
	}
	if (secret.p != NULL) {
		memset(secret.p, 0, secret.len);
	}
	if (key.p != NULL) {
		memset(key.p, 0, key.len);
	}
	wbuf_deinit(&secret);
	wbuf_deinit(&key);
	crypto_key_free(peer);
	return rc == IDR_EAUTH || rc == IDR_EINVAL ? IDR_EPROTO : rc;
}

int
hadmin_setup_finish(struct hadmin *c, const struct hdl_msg *m, struct hadmin_result *res)
{
	struct hdl_msg req;
	struct hdl_digest d;
	struct slice data;
	struct rbuf rest;
	uint16_t mode;
	bool has_rd;
	int rc;

	if (c->dh == NULL || c->setup == NULL ||
	    unit_parse(c->setup, c->setup_len, &req) != IDR_OK) {
		return IDR_EINVAL;
	}
	if (m->env.request_id != req.env.request_id || m->hdr.opcode != HDL_OC_SESSION_SETUP ||
	    m->hdr.rc == HDL_RC_RESERVED || hdl_resp_open(m, &d, &has_rd, &rest) != IDR_OK) {
		return IDR_EPROTO;
	}
	res->rc = m->hdr.rc;
	if (m->hdr.rc != HDL_RC_SUCCESS) {
		read_message(m, &rest, res);
		return IDR_OK;
	}
	if (!has_rd || hdl_rd_verify(&d, req.raw) != IDR_OK) {
		return IDR_EAUTH;
	}
	if (c->site != NULL) {
		rc = hadmin_signed_verify(m, c->site);
		if (rc != IDR_OK) {
			return rc == IDR_ENOMEM ? rc : IDR_EAUTH;
		}
	}
	if (hdl_auth_session_setup_resp_parse(&rest, &mode, &data) != IDR_OK ||
	    mode != HDL_KEX_DH || m->env.session_id == 0) {
		return IDR_EPROTO;
	}
	rc = derive(c, data);
	if (rc != IDR_OK) {
		return rc;
	}
	c->sid = m->env.session_id;
	c->counter = 0;
	crypto_key_free(c->dh);
	c->dh = NULL;
	return IDR_OK;
}

struct slice
hadmin_session_key(const struct hadmin *c)
{
	return c->sid != 0 ? slice_make(c->skey, c->skey_len) : slice_make(NULL, 0);
}

uint32_t
hadmin_session_id(const struct hadmin *c)
{
	return c->sid;
}

void
hadmin_session_drop(struct hadmin *c)
{
	c->sid = 0;
	c->counter = 0;
	memset(c->skey, 0, sizeof(c->skey));
	c->skey_len = 0;
}

/* ------------------------------------------------------------------ requests */

/* Attach an HS_MAC credential with the next session counter to the unit at w[start..]. */
static int
mac_attach(struct hadmin *c, struct wbuf *w, size_t start)
{
	uint8_t mac[CRYPTO_SHA256_LEN];
	enum hdl_auth_mac_kind kind;
	struct hdl_cred cr;
	struct hdl_msg m;
	struct wbuf d;
	uint32_t ctr = c->counter + 1;
	int rc;

	rc = unit_parse(wbuf_data(w) + start, wbuf_len(w) - start, &m);
	if (rc != IDR_OK) {
		return IDR_EINVAL;
	}
	wbuf_init_heap(&d, m.raw.len + 2 * c->skey_len + MAC_SLACK);
	rc = hdl_auth_mac_data(&d, &m.env, ctr, m.raw, slice_make(c->skey, c->skey_len),
	                       HDL_AUTH_HASH_HMAC_SHA256, &kind);
	if (rc == IDR_OK && kind != HDL_AUTH_MAC_HMAC) {
		rc = IDR_EINVAL;
	}
	if (rc == IDR_OK) {
		rc = crypto_hmac(CRYPTO_SHA256, c->skey, c->skey_len, wbuf_data(&d), wbuf_len(&d),
		                 mac);
	}
	wbuf_deinit(&d);
	if (rc != IDR_OK) {
		return rc;
	}
	memset(&cr, 0, sizeof(cr));
	cr.signer_index = ctr;
	cr.type = SLICE_LIT(HDL_CRED_TYPE_MAC);
	cr.digest_alg = SLICE_LIT(HMAC_SHA256_NAME);
	cr.signature = slice_make(mac, sizeof(mac));
	rc = hdl_auth_cred_attach(w, start, &cr);
	if (rc == IDR_OK) {
		c->counter = ctr;
	}
	return rc;
}

/* True if op goes in the session (Java: admin requests; not LIST_HANDLES, not the login). */
static bool
in_session(const struct hadmin *c, uint32_t opcode)
{
	return c->sid != 0 && opcode != HDL_OC_LIST_HANDLES && opcode != HDL_OC_LOGIN_ID_SYSTEM;
}

static int
body_encode(const struct hadmin *c, struct wbuf *w, const struct hdl_req_opts *ro,
            const struct hadmin_op *op)
{
	struct hdl_auth_login l;

	switch (op->opcode) {
	case HDL_OC_CREATE_HANDLE:
	case HDL_OC_ADD_VALUE:
	case HDL_OC_MODIFY_VALUE:
		if (op->nvalues == 0) {
			return IDR_EINVAL;
		}
		return hdl_req_values_encode(w, ro, op->opcode, op->handle, op->values,
		                             op->nvalues);
	case HDL_OC_REMOVE_VALUE:
		if (op->nindexes == 0) {
			return IDR_EINVAL;
		}
		return hdl_req_remove_encode(w, ro, op->handle, op->indexes, op->nindexes);
	case HDL_OC_DELETE_HANDLE:
	case HDL_OC_LIST_HANDLES:
		return hdl_req_handle_encode(w, ro, op->opcode, op->handle);
	case HDL_OC_LOGIN_ID_SYSTEM:
		l.identity = ident_handle(c);
		l.index = c->index;
		return hdl_auth_login_encode(w, ro, &l);
	default:
		return IDR_EINVAL;
	}
}

int
hadmin_request_encode(struct hadmin *c, struct wbuf *w, const struct hadmin_op *op,
                      const struct hadmin_msg_opts *o)
{
	struct hdl_req_opts ro;
	size_t start = wbuf_len(w);
	bool sess = in_session(c, op->opcode);
	int rc;

	rc = req_opts(&ro, o, op->flags & (HDL_FLAG_OVRW | HDL_FLAG_MINT));
	if (rc != IDR_OK) {
		return rc;
	}
	ro.session_id = sess ? c->sid : 0;
	rc = body_encode(c, w, &ro, op);
	if (rc == IDR_OK && sess) {
		rc = mac_attach(c, w, start);
	}
	if (rc == IDR_OK) {
		rc = keep_unit(w, start, &c->req, &c->req_len);
	}
	return rc;
}

/* ------------------------------------------------------------------ challenges */

/* The hash an HS_PUBKEY answer of version v is signed with (Java Util.getDefaultSigId). */
static enum crypto_alg
answer_hash(const struct crypto_key *k, struct hdl_version v)
{
	switch (crypto_key_type(k)) {
	case CRYPTO_KEY_SM2:
		return CRYPTO_SM3;
	case CRYPTO_KEY_DSA:
		return hdl_version_ge(v, 2, 11) ? CRYPTO_SHA256 : CRYPTO_SHA1;
	default:
		return hdl_version_ge(v, 2, 7) ? CRYPTO_SHA256 : CRYPTO_SHA1;
	}
}

static int
sign_pubkey(const struct hadmin *c, struct hdl_version v, struct slice data, struct wbuf *out)
{
	struct hdl_auth_pubkey_sig s;
	enum crypto_alg hash = answer_hash(c->key, v);
	bool sm2 = crypto_key_type(c->key) == CRYPTO_KEY_SM2;
	struct wbuf sig;
	int rc;

	wbuf_init_heap(&sig, SIG_MAX);
	rc = crypto_sign(c->key, hash, sm2 ? ident_handle(c) : slice_make(NULL, 0), data.p,
	                 data.len, &sig);
	if (rc == IDR_OK) {
		s.hash_alg = slice_cstr(crypto_alg_name(hash));
		s.signature = wbuf_slice(&sig);
		rc = hdl_auth_pubkey_sig_encode(out, &s);
	}
	wbuf_deinit(&sig);
	return rc;
}

static int
mac_seckey(const struct hadmin *c, struct slice data, struct wbuf *out)
{
	uint8_t salt[SALT_LEN], derived[HADMIN_PBKDF2_BITS / 8], mac[CRYPTO_SHA1_LEN];
	struct hdl_auth_seckey_sig s;
	int rc;

	rc = crypto_random(salt, sizeof(salt));
	if (rc == IDR_OK) {
		rc = crypto_pbkdf2_hmac_sha1(c->secret, c->secret_len, salt, sizeof(salt),
		                             HADMIN_PBKDF2_ITER, derived, sizeof(derived));
	}
	if (rc == IDR_OK) {
		rc = crypto_hmac(CRYPTO_SHA1, derived, sizeof(derived), data.p, data.len, mac);
	}
	memset(derived, 0, sizeof(derived));
	if (rc != IDR_OK) {
		return rc;
	}
	memset(&s, 0, sizeof(s));
	s.alg = HDL_HASH_CODE_PBKDF2;
	s.mac = slice_make(mac, sizeof(mac));
	s.salt = slice_make(salt, sizeof(salt));
	s.iterations = HADMIN_PBKDF2_ITER;
	s.key_bits = HADMIN_PBKDF2_BITS;
	return hdl_auth_seckey_sig_encode(out, &s);
}

int
hadmin_answer_encode(struct hadmin *c, struct wbuf *w, const struct hdl_msg *m,
                     const struct hadmin_msg_opts *o)
{
	struct hdl_auth_challenge ch;
	struct hdl_auth_answer a;
	struct hdl_req_opts ro;
	struct hdl_msg req;
	struct wbuf data, resp;
	int rc;

	if (c->req == NULL || unit_parse(c->req, c->req_len, &req) != IDR_OK) {
		return IDR_EINVAL;
	}
	if (m->hdr.rc != HDL_RC_AUTHENTICATION_NEEDED || m->env.request_id != req.env.request_id ||
	    m->hdr.opcode != req.hdr.opcode || hdl_auth_challenge_parse(m, &ch) != IDR_OK) {
		return IDR_EPROTO;
	}
	if (hdl_rd_verify(&ch.digest, req.raw) != IDR_OK) {
		return IDR_EAUTH; /* asked to sign a request we did not send */
	}
	wbuf_init_heap(&data, ch.nonce.len + HDL_RD_MAX_LEN);
	wbuf_init_heap(&resp, HDL_AUTH_MAX_RESPONSE);
	rc = hdl_auth_challenge_data(&data, ch.nonce, &ch.digest);
	if (rc == IDR_OK) {
		rc = c->key != NULL ? sign_pubkey(c, m->env.ver, wbuf_slice(&data), &resp)
		                    : mac_seckey(c, wbuf_slice(&data), &resp);
	}
	if (rc == IDR_OK) {
		rc = req_opts(&ro, o, 0);
	}
	if (rc == IDR_OK) {
		ro.ver = m->env.ver;
		ro.session_id = m->env.session_id;
		a.auth_type = c->key != NULL ? SLICE_LIT(HDL_AUTH_TYPE_PUBKEY)
		                             : SLICE_LIT(HDL_AUTH_TYPE_SECKEY);
		a.key_handle = ident_handle(c);
		a.key_index = c->index;
		a.signed_response = wbuf_slice(&resp);
		rc = hdl_auth_answer_encode(w, &ro, &a);
	}
	wbuf_deinit(&data);
	wbuf_deinit(&resp);
	return rc;
}

/* ------------------------------------------------------------------ answers */

static int
read_list(const struct hdl_msg *m, struct rbuf *rest, struct hadmin_result *res, hadmin_list_fn fn,
          void *arg, bool *more)
{
	struct hdl_admin_handle_list l;
	struct slice h;
	struct rbuf r;
	int rc;

	if (hdl_admin_list_resp_parse(m, rest, &l) != IDR_OK) {
		return IDR_EPROTO;
	}
	rbuf_init(&r, l.handles.p, l.handles.len);
	while ((rc = hdl_admin_list_next(&r, &h)) == IDR_OK) {
		res->listed++;
		if (fn != NULL && fn(arg, h) != 0) {
			break;
		}
	}
	if (rc != IDR_OK && rc != IDR_ENOENT) {
		return IDR_EPROTO;
	}
	if (more != NULL) {
		*more = l.more;
	}
	return IDR_OK;
}

int
hadmin_result_read(const struct hdl_msg *m, struct hadmin_result *res, hadmin_list_fn list_fn,
                   void *arg, bool *more)
{
	struct hdl_digest d;
	struct rbuf rest;
	bool has_rd, present;
	struct slice h;

	if (more != NULL) {
		*more = false;
	}
	res->rc = m->hdr.rc;
	res->message[0] = '\0';
	if (m->hdr.rc == HDL_RC_RESERVED || hdl_resp_open(m, &d, &has_rd, &rest) != IDR_OK) {
		return IDR_EPROTO;
	}
	if (m->hdr.rc != HDL_RC_SUCCESS) {
		if (hdl_rc_is_error(m->hdr.rc)) {
			read_message(m, &rest, res);
		}
		return IDR_OK;
	}
	if (m->hdr.opcode == HDL_OC_LIST_HANDLES) {
		return read_list(m, &rest, res, list_fn, arg, more);
	}
	if (m->hdr.opcode == HDL_OC_CREATE_HANDLE) {
		if (hdl_admin_create_resp_parse(&rest, &h, &present) != IDR_OK) {
			return IDR_EPROTO;
		}
		res->handle[0] = '\0';
		if (present) {
			memcpy(res->handle, h.p, h.len); /* h.len <= 2048 (the parser's limit) */
			res->handle[h.len] = '\0';
		}
		res->overwritten = (m->hdr.flags & HDL_FLAG_OVRW) != 0;
	}
	return IDR_OK;
}

/* ------------------------------------------------------------------ Handle over HTTP */

static bool
unreserved(uint8_t b)
{
	return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
	       b == '-' || b == '.' || b == '_' || b == '~';
}

int
hadmin_http_path(struct wbuf *w, struct slice handle)
{
	static const char hex[] = "0123456789ABCDEF";

	wbuf_u8(w, '/');
	for (size_t i = 0; i < handle.len; i++) {
		uint8_t b = handle.p[i];

		if (unreserved(b)) {
			wbuf_u8(w, b);
		} else {
			uint8_t e[3] = {'%', (uint8_t)hex[b >> 4], (uint8_t)hex[b & 0xf]};

			wbuf_bytes(w, e, sizeof(e));
		}
	}
	return wbuf_error(w);
}

void
hadmin_http_body_init(struct hadmin_http_body *b, struct slice body, uint32_t request_id)
{
	rbuf_init(&b->r, body.p, body.len);
	b->request_id = request_id;
	b->units = 0;
	b->ended = false;
}

int
hadmin_http_body_next(struct hadmin_http_body *b, struct hdl_msg *out)
{
	bool cn;
	int rc;

	if (rbuf_error(&b->r) != IDR_OK) {
		return rbuf_error(&b->r);
	}
	if (b->ended) {
		return IDR_ENOENT;
	}
	rc = hdl_msg_parse(&b->r, out);
	if (rc == IDR_EAGAIN) {
		rc = IDR_EPROTO; /* empty, or a unit cut short: nothing more will come */
	}
	if (rc == IDR_OK &&
	    (out->env.request_id != b->request_id || out->hdr.rc == HDL_RC_RESERVED)) {
		rc = IDR_EPROTO;
	}
	if (rc == IDR_OK) {
		cn = (out->hdr.flags & HDL_FLAG_CN) != 0;
		/* CN promises another unit; without CN the answer ends with this one */
		if (cn == (rbuf_left(&b->r) == 0)) {
			rc = IDR_EPROTO;
		}
		b->ended = !cn;
	}
	if (rc != IDR_OK) {
		rbuf_fail(&b->r, rc);
		memset(out, 0, sizeof(*out));
		return rc;
	}
	b->units++;
	return IDR_OK;
}

static bool
content_type_hdl(const char *ct)
{
	size_t n = strlen(CT_HDL);

	return ct != NULL && strncasecmp(ct, CT_HDL, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* POST unit to the path of handle; the answer body in *body (owned by h until its next
 * request). A status other than 200 or another Content-Type is no Handle answer. */
static int
http_post(struct httpc *h, struct slice handle, struct slice unit, struct slice *body, char *err,
          size_t errcap)
{
	static const char *const headers[] = {"Accept: " CT_HDL};
	char path[HTTP_PATH_MAX];
	struct httpc_resp resp;
	struct httpc_req req;
	struct wbuf w;
	int rc;

	wbuf_init(&w, path, sizeof(path) - 1);
	rc = hadmin_http_path(&w, handle);
	if (rc != IDR_OK) {
		return IDR_ELIMIT;
	}
	path[wbuf_len(&w)] = '\0';
	memset(&req, 0, sizeof(req));
	req.method = HTTPC_POST;
	req.path = path;
	req.headers = headers;
	req.nheaders = 1;
	req.content_type = CT_HDL;
	req.body = unit;
	rc = httpc_request(h, &req, &resp);
	if (rc != IDR_OK) {
		snprintf(err, errcap, "%s", httpc_errmsg(h));
		return rc;
	}
	if (resp.status != 200 || !content_type_hdl(resp.content_type)) {
		snprintf(err, errcap, "POST %s%.*s: HTTP status %d with no Handle answer%s%.64s%s",
		         httpc_url(h), HTTP_PATH_SHOWN, path, resp.status,
		         resp.content_type != NULL ? " (Content-Type " : "",
		         resp.content_type != NULL ? resp.content_type : "",
		         resp.content_type != NULL ? ")" : "");
		return IDR_EPROTO;
	}
	*body = resp.body;
	return IDR_OK;
}

/* The request id of an encoded unit. */
static uint32_t
unit_request_id(struct slice unit)
{
	struct hdl_envelope env;
	struct rbuf r;

	rbuf_init(&r, unit.p, unit.len);
	return hdl_envelope_parse(&r, &env) == IDR_OK ? env.request_id : 0;
}

/* One exchange over HTTP: the first answer unit in rep (pointing into c->hbody, valid until
 * the next exchange); the units after it are read with http_next. */
static int
http_exchange(struct hadmin *c, struct slice handle, struct slice unit, struct hdlc_reply *rep)
{
	struct slice body;
	int rc;

	free(c->hbody);
	c->hbody = NULL;
	hadmin_http_body_init(&c->hb, slice_make(NULL, 0), 0);
	rc = http_post(c->http, handle, unit, &body, c->err, sizeof(c->err));
	if (rc != IDR_OK) {
		return rc;
	}
	c->hbody = malloc(body.len > 0 ? body.len : 1);
	if (c->hbody == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(c->hbody, body.p, body.len);
	hadmin_http_body_init(&c->hb, slice_make(c->hbody, body.len), unit_request_id(unit));
	rc = hadmin_http_body_next(&c->hb, &rep->msg);
	if (rc != IDR_OK) {
		snprintf(c->err, sizeof(c->err), "POST %s: the answer body (%zu bytes) is %s",
		         httpc_url(c->http), body.len,
		         body.len == 0 ? "empty" : "not a well-formed Handle answer");
	}
	return rc;
}

/* The next unit of a streamed answer in the last HTTP answer body. */
static int
http_next(struct hadmin *c, struct hdlc_reply *rep)
{
	int rc = hadmin_http_body_next(&c->hb, &rep->msg);

	if (rc != IDR_OK) {
		snprintf(c->err, sizeof(c->err), "POST %s: message %zu of a streamed answer: %s",
		         httpc_url(c->http), c->hb.units + 1,
		         rc == IDR_ENOENT ? "missing" : "malformed or cut short");
		rc = IDR_EPROTO;
	}
	return rc;
}

/* ------------------------------------------------------------------ transport */

int
hadmin_connect(struct hadmin *c, const struct hadmin_net *net)
{
	int rc;

	tcp_drop(c);
	httpc_free(c->http);
	c->http = NULL;
	c->has_net = false;
	c->net = *net;
	if (c->net.timeout_ms == 0) {
		c->net.timeout_ms = DEFAULT_TIMEOUT;
	}
	if (c->net.http) {
		c->net.http_opts.timeout_ms = c->net.timeout_ms;
		rc = httpc_new(&c->http, &c->net.http_base, &c->net.http_opts);
		c->net.http_opts.cacert = NULL; /* borrowed for the call only (httpc_new copies) */
		if (rc != IDR_OK) {
			return rc;
		}
	}
	c->has_net = true;
	return IDR_OK;
}

const char *
hadmin_errmsg(const struct hadmin *c)
{
	return c->err;
}

/* One exchange over TCP; a kept-alive connection the server closed is opened again once. */
static int
tcp_exchange(struct hadmin *c, struct slice unit, struct hdlc_reply *out)
{
	bool reused = c->tcp != NULL;
	int rc;

	for (;;) {
		if (c->tcp == NULL) {
			rc = hdlc_tcp_open(&c->tcp, &c->net.server, c->net.timeout_ms);
			if (rc != IDR_OK) {
				return rc;
			}
		}
		rc = hdlc_tcp_exchange(c->tcp, unit, c->net.timeout_ms, out);
		if (rc == IDR_OK) {
			return IDR_OK;
		}
		tcp_drop(c);
		if (!reused || rc == HDLC_ETIMEDOUT) {
			return rc;
		}
		reused = false;
	}
}

/* One exchange over the client's transport; handle names the HTTP path. */
static int
exchange(struct hadmin *c, struct slice handle, struct slice unit, struct hdlc_reply *out)
{
	return c->http != NULL ? http_exchange(c, handle, unit, out) : tcp_exchange(c, unit, out);
}

/* One message per connection unless keep-alive (Java closes after each answer). */
static void
tcp_done(struct hadmin *c)
{
	if (!c->net.keep_alive) {
		tcp_drop(c);
	}
}

static int
setup_exchange(struct hadmin *c, struct slice unit, struct hdlc_reply *out)
{
	enum hdlc_proto p = c->net.setup_proto;
	struct hdlc_tcp *t = NULL;
	int rc = HDLC_ETIMEDOUT;

	if (c->http != NULL) {
		return http_exchange(c, slice_make(NULL, 0), unit, out); /* Java: a blank handle */
	}
	if (p == HDLC_PROTO_AUTO || p == HDLC_PROTO_UDP) {
		const struct addr *u =
		        c->net.udp_server.len > 0 ? &c->net.udp_server : &c->net.server;

		rc = hdlc_udp_exchange(u, unit, NULL, HDLC_UDP_TRIES, out);
		if (p == HDLC_PROTO_UDP || (rc != HDLC_ETIMEDOUT && rc != -ECONNREFUSED)) {
			return rc;
		}
	}
	rc = hdlc_tcp_open(&t, &c->net.server, c->net.timeout_ms);
	if (rc == IDR_OK) {
		rc = hdlc_tcp_exchange(t, unit, c->net.timeout_ms, out);
	}
	hdlc_tcp_close(t);
	return rc;
}

static uint32_t
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint32_t)ts.tv_sec;
}

static int
setup(struct hadmin *c, struct hadmin_result *res)
{
	struct hadmin_msg_opts o = {now_s(), false};
	struct hdlc_reply rep;
	struct wbuf w;
	int rc;

	hdlc_reply_init(&rep);
	wbuf_init_heap(&w, HDL_MAX_UNIT_LEN);
	rc = hadmin_setup_encode(c, &w, &o);
	if (rc == IDR_OK) {
		rc = setup_exchange(c, wbuf_slice(&w), &rep);
	}
	if (rc == IDR_OK) {
		rc = hadmin_setup_finish(c, &rep.msg, res);
	}
	hdlc_reply_deinit(&rep);
	wbuf_deinit(&w);
	if (rc == IDR_OK && res->rc == HDL_RC_SUCCESS) {
		res->new_session = true;
	}
	return rc;
}

/* Send the request in w, answer challenges; the final answer in rep. */
static int
send_answering(struct hadmin *c, struct slice handle, struct wbuf *w, struct hadmin_result *res,
               struct hdlc_reply *rep)
{
	struct hadmin_msg_opts o = {now_s(), c->net.keep_alive && c->http == NULL};
	int rc = exchange(c, handle, wbuf_slice(w), rep);

	while (rc == IDR_OK && rep->msg.hdr.rc == HDL_RC_AUTHENTICATION_NEEDED &&
	       res->challenges < HADMIN_MAX_CHALLENGES) {
		tcp_done(c);
		wbuf_reset(w);
		rc = hadmin_answer_encode(c, w, &rep->msg, &o);
		hdlc_reply_deinit(rep);
		if (rc == IDR_OK) {
			res->challenges++;
			rc = exchange(c, slice_make(NULL, 0), wbuf_slice(w), rep);
		}
	}
	return rc;
}

/* The rest of a LIST_HANDLES stream. */
static int
read_more(struct hadmin *c, struct hadmin_result *res, hadmin_list_fn fn, void *arg)
{
	struct hdlc_reply rep;
	bool more = true;
	int rc = IDR_OK;

	while (rc == IDR_OK && more && res->rc == HDL_RC_SUCCESS) {
		hdlc_reply_init(&rep);
		if (c->http != NULL) {
			rc = http_next(c, &rep);
		} else {
			rc = c->tcp != NULL ? hdlc_tcp_read(c->tcp, c->net.timeout_ms, &rep)
			                    : IDR_EPROTO;
		}
		if (rc == IDR_OK) {
			rc = hadmin_result_read(&rep.msg, res, fn, arg, &more);
		}
		hdlc_reply_deinit(&rep);
	}
	return rc;
}

static bool
session_refused(uint32_t rc)
{
	return rc >= HDL_RC_SESSION_TIMEOUT && rc <= HDL_RC_SESSION_REJECTED;
}

int
hadmin_do(struct hadmin *c, const struct hadmin_op *op, struct hadmin_result *res,
          hadmin_list_fn list_fn, void *arg)
{
	struct hdlc_reply rep;
	struct wbuf w;
	bool more = false, fresh, retried = false;
	int rc;

	memset(res, 0, sizeof(*res));
	c->err[0] = '\0';
	if (!c->has_net) {
		return IDR_EINVAL;
	}
	wbuf_init_heap(&w, HDL_MAX_UNIT_LEN);
	for (;;) {
		struct hadmin_msg_opts o = {now_s(), c->net.keep_alive && c->http == NULL};
		bool sess = c->net.session && op->opcode != HDL_OC_LIST_HANDLES &&
		            op->opcode != HDL_OC_LOGIN_ID_SYSTEM;

		fresh = false;
		hdlc_reply_init(&rep);
		if (sess && c->sid == 0) {
			rc = setup(c, res);
			if (rc != IDR_OK || res->rc != HDL_RC_SUCCESS) {
				break;
			}
			fresh = true;
		}
		wbuf_reset(&w);
		rc = hadmin_request_encode(c, &w, op, &o);
		if (rc == IDR_OK) {
			rc = send_answering(c,
			                    op->opcode == HDL_OC_LOGIN_ID_SYSTEM ? ident_handle(c)
			                                                         : op->handle,
			                    &w, res, &rep);
		}
		if (rc == IDR_OK && sess && !fresh && !retried && session_refused(rep.msg.hdr.rc)) {
			hdlc_reply_deinit(&rep);
			tcp_drop(c);
			hadmin_session_drop(c);
			retried = true;
			continue;
		}
		if (rc == IDR_OK) {
			unsigned ch = res->challenges;
			bool ns = res->new_session;

			rc = hadmin_result_read(&rep.msg, res, list_fn, arg, &more);
			res->challenges = ch;
			res->new_session = ns;
		}
		if (rc == IDR_OK && more) {
			rc = read_more(c, res, list_fn, arg);
		}
		break;
	}
	hdlc_reply_deinit(&rep);
	wbuf_deinit(&w);
	if (rc != IDR_OK) {
		tcp_drop(c);
		res->rc = 0;
	} else {
		tcp_done(c);
	}
	return rc;
}

/* A GET_SITEINFO request (as a resolver asks it). */
static int
site_request(struct wbuf *w)
{
	struct hdl_req_opts ro;
	uint32_t rid;
	int rc = hdlc_request_id(&rid);

	if (rc == IDR_OK) {
		hdl_req_opts_init(&ro, rid, now_s() + HDLC_EXPIRATION_SEC);
		rc = hdl_req_handle_encode(w, &ro, HDL_OC_GET_SITEINFO, SLICE_LIT("/"));
	}
	return rc;
}

/* The public key of the first server with one in the answer rep to the GET_SITEINFO unit. */
static int
site_decode(const struct hdlc_reply *rep, struct slice unit, struct crypto_key **out)
{
	struct value_site *site;
	struct slice data;
	struct rbuf rest;
	int rc;

	rc = hdlc_reply_check(rep, unit, &rest);
	if (rc != IDR_OK) {
		return rc;
	}
	if (rep->msg.hdr.rc != HDL_RC_SUCCESS) {
		return IDR_EPROTO;
	}
	site = malloc(sizeof(*site));
	if (site == NULL) {
		return IDR_ENOMEM;
	}
	rc = IDR_EPROTO;
	if (hdl_siteinfo_resp_parse(&rest, &data) == IDR_OK &&
	    value_site_decode(data, site) == IDR_OK) {
		rc = IDR_ENOENT;
	}
	for (size_t i = 0; rc == IDR_ENOENT && i < site->nservers; i++) {
		struct slice k = site->servers[i].pubkey;

		if (k.len > 0) {
			rc = crypto_key_from_hs_pubkey(out, k.p, k.len);
		}
	}
	free(site);
	return rc;
}

int
hadmin_site_key(const struct addr *srv, unsigned timeout_ms, struct crypto_key **out)
{
	unsigned t_ms = timeout_ms == 0 ? DEFAULT_TIMEOUT : timeout_ms;
	struct hdlc_reply rep;
	struct hdlc_tcp *t = NULL;
	struct wbuf w;
	int rc;

	*out = NULL;
	hdlc_reply_init(&rep);
	wbuf_init_heap(&w, SITE_UNIT_MAX);
	rc = site_request(&w);
	if (rc == IDR_OK) {
		rc = hdlc_tcp_open(&t, srv, t_ms);
	}
	if (rc == IDR_OK) {
		rc = hdlc_tcp_exchange(t, wbuf_slice(&w), t_ms, &rep);
	}
	if (rc == IDR_OK) {
		rc = site_decode(&rep, wbuf_slice(&w), out);
	}
	hdlc_tcp_close(t);
	hdlc_reply_deinit(&rep);
	wbuf_deinit(&w);
	return rc;
}

int
hadmin_site_key_http(const struct httpc_base *base, const struct httpc_opts *o,
                     struct crypto_key **out, char *err, size_t errcap)
{
	struct hadmin_http_body b;
	struct hdlc_reply rep;
	struct httpc *h = NULL;
	struct slice body;
	struct wbuf w;
	int rc;

	*out = NULL;
	if (err != NULL && errcap > 0) {
		err[0] = '\0';
	}
	hdlc_reply_init(&rep);
	wbuf_init_heap(&w, SITE_UNIT_MAX);
	rc = site_request(&w);
	if (rc == IDR_OK) {
		rc = httpc_new(&h, base, o);
	}
	if (rc == IDR_OK) {
		rc = http_post(h, SLICE_LIT("/"), wbuf_slice(&w), &body, err,
		               err != NULL ? errcap : 0);
	}
	if (rc == IDR_OK) {
		hadmin_http_body_init(&b, body, unit_request_id(wbuf_slice(&w)));
		rc = hadmin_http_body_next(&b, &rep.msg);
	}
	if (rc == IDR_OK) {
		rc = site_decode(&rep, wbuf_slice(&w), out);
	}
	httpc_free(h);
	wbuf_deinit(&w);
	return rc;
}
