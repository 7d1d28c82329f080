/* admin.c - Handle admin operations, sessions, challenge-response and signed answers (admin.h). */
#include "core/admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/crypto.h"
#include "base/log.h"
#include "base/rbuf.h"
#include "core/auth.h"
#include "core/quota.h"
#include "core/sess.h"
#include "core/shard.h"
#include "hdl/hdl_admin.h"
#include "hdl/hdl_auth.h"
#include "model/ident.h"
#include "write/wop.h"
#include "write/writer.h"

#define MSG_MAX        256
#define LIST_MAX       1000000u /* handles one LIST_HANDLES answers at most */
#define SIG_MAX        8192
#define MAC_DATA_SLACK 256

struct admin {
	struct rsv *r;
	struct writer *wr;
	struct crypto_key *key; /* the server's private key, NULL: answers go unsigned */
	struct sess_table *sessions;
	struct sess_table *challenges;
};

/* A request waiting for the writer, with the message it answers. */
struct ajob {
	struct wop *op;
	struct rsv_pending *p;
	struct hdl_msg orig; /* slices into bytes */
	uint8_t bytes[];
};

/* A challenged request as kept in the challenge table. */
struct blob_head {
	struct hdl_envelope env;
	uint32_t raw_len;
	uint32_t cred_len;
	bool cred_len_present;
};

static uint64_t
now_ms(void)
{
	return sess_now_ms();
}

/* Answer m (which may differ from q's own message) with an error. */
static int
answer_error_to(struct rsv_req *q, const struct hdl_msg *m, uint32_t rc, const char *msg)
{
	rsv_req_set_rc(q, rc);
	return hdl_resp_error(rsv_req_out(q), m, rc, slice_cstr(msg), rsv_req_opts(q));
}

/* ------------------------------------------------------------------ signed answers */

/* Hash for an HS_SIGNED answer of version v with key k (Java Util.getDefaultSigId). */
static enum crypto_alg
sign_hash(const struct crypto_key *k, struct hdl_version v)
{
	bool v27 = v.major > 2 || (v.major == 2 && v.minor >= 7);
	bool v211 = v.major > 2 || (v.major == 2 && v.minor >= 11);

	switch (crypto_key_type(k)) {
	case CRYPTO_KEY_SM2:
		return CRYPTO_SM3;
	case CRYPTO_KEY_DSA:
		return v211 ? CRYPTO_SHA256 : CRYPTO_SHA1;
	default:
		return v27 ? CRYPTO_SHA256 : CRYPTO_SHA1;
	}
}

/* An HS_SIGNED credential on the answer at out[mark..]. */
static int
sign_answer(struct admin *a, struct wbuf *out, size_t mark)
{
	struct hdl_msg m;
	struct rbuf r;
	struct wbuf data, sig;
	struct hdl_cred c;
	enum crypto_alg hash;
	int rc;

	rbuf_init(&r, wbuf_data(out) + mark, wbuf_len(out) - mark);
	rc = hdl_msg_parse(&r, &m);
	if (rc != IDR_OK) {
		return rc;
	}
	if (rbuf_left(&r) != 0 || m.cred.len > 0) {
		return IDR_OK; /* a stream of messages (LIST_HANDLES) or already signed */
	}
	hash = sign_hash(a->key, m.env.ver);
	wbuf_init_heap(&data, m.raw.len + HDL_AUTH_PREFIX_MAX);
	wbuf_init_heap(&sig, SIG_MAX);
	rc = hdl_auth_signed_data(&data, &m.env, 0, m.raw);
	if (rc == IDR_OK) {
		rc = crypto_sign(a->key, hash, slice_make(NULL, 0), wbuf_data(&data),
		                 wbuf_len(&data), &sig);
	}
	if (rc == IDR_OK) {
		memset(&c, 0, sizeof(c));
		c.type = SLICE_LIT(HDL_CRED_TYPE_SIGNED);
		c.digest_alg = slice_cstr(crypto_alg_name(hash));
		c.signature = wbuf_slice(&sig);
		rc = hdl_auth_cred_attach(out, mark, &c);
	}
	wbuf_deinit(&data);
	wbuf_deinit(&sig);
	return rc;
}

/* The session cipher: AES from 2.4 (CBC with its IV in front), DES in ECB below. */
static enum crypto_cipher
sess_cipher(const struct sess *s, bool *ecb)
{
	bool modern = s->major > 2 || (s->major == 2 && s->minor >= 4);

	*ecb = !modern;
	if (s->cipher != 0) {
		return (enum crypto_cipher)s->cipher;
	}
	return modern ? CRYPTO_CIPHER_AES : CRYPTO_CIPHER_DES;
}

/* Encrypt the answer at out[mark..] with session s (envelope flag EC, new MessageLength). */
static int
seal_answer(const struct sess *s, struct wbuf *out, size_t mark)
{
	struct hdl_envelope env;
	struct wbuf ct, env_out;
	uint8_t head[HDL_ENVELOPE_LEN];
	struct rbuf r;
	bool ecb;
	enum crypto_cipher c = sess_cipher(s, &ecb);
	int rc;

	rbuf_init(&r, wbuf_data(out) + mark, wbuf_len(out) - mark);
	rc = hdl_envelope_parse(&r, &env);
	if (rc != IDR_OK || rbuf_left(&r) != env.msg_len) {
		return IDR_OK; /* several messages (a listing) are not sealed */
	}
	wbuf_init_heap(&ct, env.msg_len + 64);
	rc = crypto_cipher_encrypt(c, ecb, s->key, s->key_len, rbuf_bytes(&r, env.msg_len).p,
	                           env.msg_len, &ct);
	if (rc == IDR_OK) {
		env.flags |= HDL_ENV_EC;
		env.msg_len = (uint32_t)wbuf_len(&ct);
		wbuf_init(&env_out, head, sizeof(head));
		hdl_envelope_encode(&env_out, &env);
		out->len = mark;
		wbuf_bytes(out, head, sizeof(head));
		wbuf_bytes(out, wbuf_data(&ct), wbuf_len(&ct));
		rc = wbuf_error(out);
	}
	wbuf_deinit(&ct);
	return rc;
}

/* rsv_sign_fn: sign (CT) and encrypt (ENC, in a session) the answer at out[mark..]. */
static int
finish_answer(void *arg, const struct hdl_msg *req, struct wbuf *out, size_t mark)
{
	struct admin *a = arg;
	struct sess s;
	int rc = IDR_OK;

	if ((req->hdr.flags & HDL_FLAG_CT) != 0 && a->key != NULL) {
		rc = sign_answer(a, out, mark);
	}
	if (rc == IDR_OK && (req->hdr.flags & HDL_FLAG_ENC) != 0 && req->env.session_id != 0 &&
	    sess_get(a->sessions, req->env.session_id, sess_now_ms(), &s) == IDR_OK) {
		rc = seal_answer(&s, out, mark);
		memset(s.key, 0, sizeof(s.key));
	}
	return rc;
}

/* rsv_open_fn: decrypt a request sealed with its session's key. */
static int
open_request(void *arg, const struct hdl_envelope *env, struct slice sealed, struct wbuf *plain)
{
	struct admin *a = arg;
	struct sess s;
	bool ecb;
	enum crypto_cipher c;
	int rc = sess_get(a->sessions, env->session_id, sess_now_ms(), &s);

	if (rc != IDR_OK) {
		return rc;
	}
	c = sess_cipher(&s, &ecb);
	rc = crypto_cipher_decrypt(c, ecb, s.key, s.key_len, sealed.p, sealed.len, plain);
	memset(s.key, 0, sizeof(s.key));
	return rc;
}

/* ------------------------------------------------------------------ message copies */

static int
blob_make(const struct hdl_msg *m, uint8_t **out, size_t *len)
{
	struct blob_head h;
	uint8_t *b;

	h.env = m->env;
	h.raw_len = (uint32_t)m->raw.len;
	h.cred_len = (uint32_t)m->cred.len;
	h.cred_len_present = m->cred_len_present;
	*len = sizeof(h) + m->raw.len + m->cred.len;
	b = malloc(*len);
	if (b == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(b, &h, sizeof(h));
	memcpy(b + sizeof(h), m->raw.p, m->raw.len);
	if (m->cred.len > 0) {
		memcpy(b + sizeof(h) + m->raw.len, m->cred.p, m->cred.len);
	}
	*out = b;
	return IDR_OK;
}

/* A message over bytes[0..raw_len + cred_len) (header + body, credential). */
static int
msg_over(const struct hdl_envelope *env, const uint8_t *bytes, size_t raw_len, size_t cred_len,
         bool cred_len_present, struct hdl_msg *m)
{
	struct rbuf r;
	int rc;

	memset(m, 0, sizeof(*m));
	m->env = *env;
	rbuf_init(&r, bytes, raw_len);
	rc = hdl_header_parse(&r, &m->hdr);
	if (rc != IDR_OK || HDL_HEADER_LEN + m->hdr.body_len != raw_len) {
		return IDR_EPROTO;
	}
	m->raw = slice_make(bytes, raw_len);
	m->body = slice_make(bytes + HDL_HEADER_LEN, m->hdr.body_len);
	m->cred = slice_make(bytes + raw_len, cred_len);
	m->cred_len_present = cred_len_present;
	return IDR_OK;
}

static int
blob_msg(const uint8_t *b, size_t len, struct hdl_msg *m)
{
	struct blob_head h;

	if (len < sizeof(h)) {
		return IDR_EPROTO;
	}
	memcpy(&h, b, sizeof(h));
	if (sizeof(h) + (size_t)h.raw_len + h.cred_len != len) {
		return IDR_EPROTO;
	}
	return msg_over(&h.env, b + sizeof(h), h.raw_len, h.cred_len, h.cred_len_present, m);
}

/* ------------------------------------------------------------------ challenges */

/* Answer m with a 402 challenge kept under session_id (0: a new id). */
static int
challenge(struct admin *a, struct rsv_req *q, const struct hdl_msg *m, uint32_t session_id)
{
	const struct conf *cf = rsv_worker_conf(rsv_req_worker(q));
	struct hdl_version v = hdl_version_negotiate(&m->env);
	struct hdl_digest dg;
	struct sess c;
	uint8_t *blob;
	size_t len;
	int rc;

	rc = hdl_rd_compute(v, m->raw, &dg);
	if (rc == IDR_OK) {
		rc = blob_make(m, &blob, &len);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	memset(&c, 0, sizeof(c));
	c.id = session_id;
	c.kind = SESS_CHALLENGE;
	c.idle_ms = cf->max_auth_time_ms;
	c.session_id = session_id;
	c.hash_type = dg.type;
	c.digest_len = dg.len;
	memcpy(c.digest, dg.bytes, dg.len);
	rc = sess_create(a->challenges, &c, slice_make(blob, len), now_ms());
	free(blob);
	if (rc == IDR_EAGAIN) {
		return rsv_req_busy(q);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	rsv_req_set_rc(q, HDL_RC_AUTHENTICATION_NEEDED);
	return hdl_auth_challenge_encode(rsv_req_out(q), m, c.id,
	                                 slice_make(c.nonce, HDL_AUTH_NONCE_LEN), rsv_req_opts(q));
}

/* ------------------------------------------------------------------ sessions */

/*
 * Check the HS_MAC of a request in session s and its counter (window of 64 below the highest).
 * @return 0 (good; s updated) or the Handle response code to answer.
 */
static uint32_t
check_mac(const struct hdl_msg *m, struct sess *s)
{
	uint8_t mac[CRYPTO_MAX_LEN];
	enum hdl_auth_mac_kind kind;
	enum hdl_auth_hash alg;
	struct hdl_cred c;
	struct wbuf d;
	size_t n = 0;
	uint32_t ctr;
	int rc;

	if (m->cred.len == 0 || hdl_cred_parse(m->cred, &c) != IDR_OK ||
	    !slice_caseeq(c.type, SLICE_LIT(HDL_CRED_TYPE_MAC))) {
		return HDL_RC_INVALID_CREDENTIAL;
	}
	alg = hdl_auth_hash_id(c.digest_alg);
	wbuf_init_heap(&d, m->raw.len + 2 * s->key_len + MAC_DATA_SLACK);
	rc = hdl_auth_mac_data(&d, &m->env, c.signer_index, m->raw, slice_make(s->key, s->key_len),
	                       alg, &kind);
	if (rc == IDR_OK && kind == HDL_AUTH_MAC_HMAC) {
		enum crypto_alg h = alg == HDL_AUTH_HASH_HMAC_SHA1 ? CRYPTO_SHA1 : CRYPTO_SHA256;

		n = crypto_hash_len(h);
		rc = crypto_hmac(h, s->key, s->key_len, wbuf_data(&d), wbuf_len(&d), mac);
	} else if (rc == IDR_OK) {
		enum crypto_alg h = alg == HDL_AUTH_HASH_MD5      ? CRYPTO_MD5
		                    : alg == HDL_AUTH_HASH_SHA256 ? CRYPTO_SHA256
		                                                  : CRYPTO_SHA1;

		n = crypto_hash_len(h);
		rc = crypto_hash(h, wbuf_data(&d), wbuf_len(&d), mac);
	}
	wbuf_deinit(&d);
	if (rc != IDR_OK || c.signature.len != n || crypto_memeq(mac, c.signature.p, n) != 1) {
		return HDL_RC_INVALID_SESSION_KEY;
	}
	ctr = c.signer_index;
	if (ctr > s->counter) {
		uint32_t shift = ctr - s->counter;

		s->seen = shift >= 64 ? 1 : (s->seen << shift) | 1;
		s->counter = ctr;
	} else {
		uint32_t back = s->counter - ctr;

		if (back >= 64 || ((s->seen >> back) & 1) != 0) {
			return HDL_RC_SESSION_REJECTED;
		}
		s->seen |= (uint64_t)1 << back;
	}
	return 0;
}

static bool
version_at_least(struct hdl_version v, uint8_t major, uint8_t minor)
{
	return v.major > major || (v.major == major && v.minor >= minor);
}

#define SESSION_KEY_LEN 16 /* AES-128 key made for the RSA key-transport modes */

/*
 * The session key and the answer's data for a key exchange mode:
 *  4 DH: a key pair in the client's group; data = int4 3 (AES) ‖ our DH_PUB_KEY (>= 2.4), or
 *    the bare key with a DES session below;
 *  1 CIPHER_CLIENT / 3 CIPHER_HDL: a random AES key, sent RSA-encrypted (PKCS#1 v1.5) to the
 *    client's key (1: the one in the request; 3: the HS_PUBKEY at key handle:index here), as
 *    int4 3 ‖ key from 2.2, the bare key below;
 *  2 CIPHER_SERVER: no key yet; data = our HS_PUBKEY (RSA), the client sends the key with
 *    SESSION_EXCHANGEKEY.
 * @return IDR_OK, or the response code to answer in *code with IDR_EINVAL.
 */
static int
exchange(struct admin *a, struct rsv_req *q, const struct hdl_auth_session_setup *ss,
         struct hdl_version v, struct sess *s, struct wbuf *data, uint32_t *code, const char **why)
{
	struct crypto_key *peer = NULL, *mine = NULL;
	struct wbuf secret, key, pub;
	uint8_t raw[4 + SESSION_KEY_LEN];
	int rc = IDR_OK;

	*code = HDL_RC_INVALID_SESSION_SETUP;
	wbuf_init_heap(&secret, 2048);
	wbuf_init_heap(&key, SESS_KEY_MAX);
	wbuf_init_heap(&pub, HDL_AUTH_MAX_KEY);
	if (ss->mode == HDL_KEX_DH) {
		bool modern = version_at_least(v, 2, 4);

		if (crypto_key_from_hs_pubkey(&peer, ss->pubkey.p, ss->pubkey.len) != IDR_OK ||
		    crypto_key_type(peer) != CRYPTO_KEY_DH) {
			*why = "the session setup does not carry a valid DH_PUB_KEY";
			rc = IDR_EINVAL;
		}
		if (rc == IDR_OK) {
			rc = crypto_dh_keypair_like(&mine, peer);
		}
		if (rc == IDR_OK) {
			rc = crypto_dh_derive(mine, peer, &secret);
		}
		if (rc == IDR_OK) {
			s->cipher = modern ? CRYPTO_CIPHER_AES : CRYPTO_CIPHER_DES;
			rc = crypto_session_key_from_dh(s->cipher, wbuf_data(&secret),
			                                wbuf_len(&secret), &key);
		}
		if (rc == IDR_OK) {
			rc = crypto_key_hs_pubkey(mine, &pub);
		}
		if (rc == IDR_OK && modern) {
			hdl_auth_dh_data_encode(data, HDL_CIPHER_AES, wbuf_slice(&pub));
		} else if (rc == IDR_OK) {
			wbuf_bytes(data, wbuf_data(&pub), wbuf_len(&pub));
		}
	} else if (ss->mode == HDL_KEX_CIPHER_CLIENT || ss->mode == HDL_KEX_CIPHER_HDL) {
		bool modern = version_at_least(v, 2, 2);

		if (ss->mode == HDL_KEX_CIPHER_CLIENT) {
			rc = crypto_key_from_hs_pubkey(&peer, ss->pubkey.p, ss->pubkey.len);
		} else {
			struct auth_id kid = {ss->key_handle, ss->key_index};
			enum auth_key_kind kind;
			struct slice kv;
			struct reg_rtxn *t;

			rc = rsv_read_begin(rsv_req_worker(q), &t);
			if (rc == IDR_OK) {
				rc = auth_key_get(t, &kid, &kind, &kv);
				if (rc == IDR_OK && kind == AUTH_KEY_PUB) {
					rc = crypto_key_from_hs_pubkey(&peer, kv.p, kv.len);
				} else if (rc == IDR_OK) {
					rc = IDR_EINVAL;
				}
				rsv_read_end(rsv_req_worker(q));
			}
		}
		if (rc != IDR_OK || crypto_key_type(peer) != CRYPTO_KEY_RSA) {
			*why = "key transport needs an RSA public key (in the request, or at the "
			       "key "
			       "handle named)";
			rc = IDR_EINVAL;
		}
		if (rc == IDR_OK) {
			memset(raw, 0, 4);
			raw[3] = HDL_CIPHER_AES;
			rc = crypto_random(raw + 4, SESSION_KEY_LEN);
		}
		if (rc == IDR_OK) {
			s->cipher = CRYPTO_CIPHER_AES;
			wbuf_bytes(&key, raw + 4, SESSION_KEY_LEN);
			rc = crypto_rsa_encrypt(peer, modern ? raw : raw + 4,
			                        modern ? sizeof(raw) : SESSION_KEY_LEN, data);
		}
		memset(raw, 0, sizeof(raw));
	} else if (ss->mode == HDL_KEX_CIPHER_SERVER) {
		if (a->key == NULL || crypto_key_type(a->key) != CRYPTO_KEY_RSA) {
			*code = HDL_RC_NEED_RSAKEY;
			*why = "this node has no RSA server_key to receive a session key";
			rc = IDR_EINVAL;
		} else {
			rc = crypto_key_hs_pubkey(a->key, data);
		}
	} else {
		*why = "unknown key exchange mode";
		rc = IDR_EINVAL;
	}
	if (rc == IDR_OK && wbuf_len(&key) > 0 && wbuf_len(&key) <= SESS_KEY_MAX) {
		memcpy(s->key, wbuf_data(&key), wbuf_len(&key));
		s->key_len = wbuf_len(&key);
	}
	if (rc == IDR_OK) {
		rc = wbuf_error(data);
	}
	if (rc != IDR_OK && rc != IDR_EINVAL) {
		*code = HDL_RC_SESSION_FAILED;
		*why = "session setup failed";
		rc = IDR_EINVAL;
	}
	crypto_key_free(peer);
	crypto_key_free(mine);
	if (key.p != NULL) {
		memset(key.p, 0, key.len);
	}
	if (secret.p != NULL) {
		memset(secret.p, 0, secret.len);
	}
	wbuf_deinit(&secret);
	wbuf_deinit(&key);
	wbuf_deinit(&pub);
	return rc;
}

static int
op_session_setup(void *arg, struct rsv_req *q)
{
	struct admin *a = arg;
	const struct hdl_msg *m = rsv_req_msg(q);
	const struct conf *cf = rsv_worker_conf(rsv_req_worker(q));
	struct hdl_version v = hdl_version_negotiate(&m->env);
	struct hdl_auth_session_setup ss;
	struct hdl_msg answer;
	const char *why = "";
	uint32_t code;
	struct wbuf data;
	struct sess s;
	struct rbuf r;
	uint64_t idle;
	int rc;

	rbuf_init(&r, m->body.p, m->body.len);
	if (hdl_auth_session_setup_parse(&r, &ss) != IDR_OK) {
		return rsv_req_error(q, HDL_RC_INVALID_SESSION_SETUP,
		                     "malformed SESSION_SETUP body");
	}
	memset(&s, 0, sizeof(s));
	s.kind = SESS_HANDLE;
	s.mode = ss.mode;
	s.major = v.major;
	s.minor = v.minor;
	idle = ss.timeout > 0 && ss.timeout < cf->session_timeout ? ss.timeout
	                                                          : cf->session_timeout;
	s.idle_ms = idle * 1000u;
	if (ss.identity.len > 0) {
		struct auth_id id = {ss.identity, ss.identity_index};

		auth_id_format(&id, s.identity, sizeof(s.identity));
	}
	wbuf_init_heap(&data, HDL_AUTH_MAX_KEY + 8);
	rc = exchange(a, q, &ss, v, &s, &data, &code, &why);
	if (rc == IDR_OK) {
		rc = sess_create(a->sessions, &s, slice_make(NULL, 0), now_ms());
		memset(s.key, 0, sizeof(s.key));
		if (rc == IDR_OK) {
			answer = *m;
			answer.env.session_id = s.id;
			rsv_req_set_rc(q, HDL_RC_SUCCESS);
			rc = hdl_auth_session_setup_resp_encode(rsv_req_out(q), &answer, ss.mode,
			                                        wbuf_slice(&data), rsv_req_opts(q));
			log_debug("handle session %u (mode %u) set up for %s", s.id,
			          (unsigned)ss.mode,
			          s.identity[0] != '\0' ? s.identity : "(anonymous)");
		} else if (rc == IDR_EAGAIN) {
			rc = rsv_req_busy(q);
		}
	} else {
		rc = rsv_req_error(q, code, why);
	}
	wbuf_deinit(&data);
	return rc;
}

/* SESSION_EXCHANGEKEY (mode 2): the session key, RSA-encrypted to our server_key. */
static int
op_exchange_key(void *arg, struct rsv_req *q)
{
	struct admin *a = arg;
	const struct hdl_msg *m = rsv_req_msg(q);
	struct slice enc;
	struct wbuf plain;
	struct sess s;
	struct rbuf r;
	int rc;

	rbuf_init(&r, m->body.p, m->body.len);
	if (hdl_auth_exchange_key_parse(&r, &enc) != IDR_OK || enc.len == 0) {
		return rsv_req_error(q, HDL_RC_PROTOCOL_ERROR,
		                     "malformed SESSION_EXCHANGEKEY body");
	}
	if (sess_get(a->sessions, m->env.session_id, now_ms(), &s) != IDR_OK) {
		return rsv_req_error(q, HDL_RC_SESSION_TIMEOUT, "session expired or unknown");
	}
	if (s.mode != HDL_KEX_CIPHER_SERVER || a->key == NULL) {
		return rsv_req_error(q, HDL_RC_INVALID_SESSION_SETUP,
		                     "SESSION_EXCHANGEKEY belongs to key exchange mode 2");
	}
	wbuf_init_heap(&plain, 1024);
	rc = crypto_rsa_decrypt(a->key, enc.p, enc.len, &plain);
	if (rc == IDR_OK) {
		const uint8_t *p = wbuf_data(&plain);
		size_t n = wbuf_len(&plain);
		uint32_t alg = n > 4 ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		                               (uint32_t)p[2] << 8 | p[3]
		                     : 0;

		/* int4 algorithm ‖ key from 2.2; a bare key before (DES) */
		if (alg >= HDL_CIPHER_DES && alg <= HDL_CIPHER_AES &&
		    n - 4 >= crypto_cipher_key_len((enum crypto_cipher)alg)) {
			s.cipher = (uint8_t)alg;
			p += 4;
			n -= 4;
		} else {
			s.cipher = CRYPTO_CIPHER_DES;
		}
		if (n > SESS_KEY_MAX || n < crypto_cipher_key_len((enum crypto_cipher)s.cipher)) {
			rc = IDR_EPROTO;
		} else {
			memcpy(s.key, p, n);
			s.key_len = n;
			rc = sess_put(a->sessions, &s);
		}
		memset(plain.p, 0, plain.len);
	}
	wbuf_deinit(&plain);
	memset(s.key, 0, sizeof(s.key));
	if (rc != IDR_OK) {
		return rsv_req_error(q, HDL_RC_INVALID_SESSION_KEY,
		                     "the session key does not decrypt with this server's key");
	}
	rsv_req_set_rc(q, HDL_RC_SUCCESS);
	return hdl_resp_generic(rsv_req_out(q), m, rsv_req_opts(q));
}

static int
op_session_terminate(void *arg, struct rsv_req *q)
{
	struct admin *a = arg;
	const struct hdl_msg *m = rsv_req_msg(q);

	sess_drop(a->sessions, m->env.session_id);
	rsv_req_set_rc(q, HDL_RC_SUCCESS);
	return hdl_resp_generic(rsv_req_out(q), m, rsv_req_opts(q));
}

/* ------------------------------------------------------------------ writes */

/* The answer to the request a finished write carried out (rsv_op_fn of the completion). */
static int
answer_write(void *arg, struct rsv_req *q)
{
	struct ajob *j = arg;
	struct wop *op = j->op;
	struct hdl_resp_opts o = *rsv_req_opts(q);
	uint32_t code;

	if (op->rc != IDR_OK) {
		code = wop_hdl_rc(op->rc);
		rsv_req_set_rc(q, code);
		return hdl_resp_error(rsv_req_out(q), &j->orig, code, slice_cstr(wop_message(op)),
		                      &o);
	}
	rsv_req_set_rc(q, HDL_RC_SUCCESS);
	if (op->outcome == REG_UPDATED && op->kind == WOP_CREATE) {
		o.add_flags |= HDL_FLAG_OVRW; /* did overwrite */
	}
	if (op->kind == WOP_CREATE) {
		return hdl_admin_create_resp_encode(rsv_req_out(q), &j->orig, &op->handle, &o);
	}
	return hdl_resp_generic(rsv_req_out(q), &j->orig, &o);
}

/* Free op, giving back a registration counted against its prefix's quota that created
 * nothing (it failed, or never reached the writer: rc and outcome are still 0). */
static void
op_release(struct wop *op)
{
	if (op->quota != NULL && (op->rc != IDR_OK || op->outcome != REG_CREATED)) {
		quota_refund(op->quota, slice_cstr(op->quota_prefix), (uint64_t)time(NULL));
	}
	wop_free(op);
}

static void
ajob_free(struct ajob *j)
{
	op_release(j->op);
	free(j);
}

/* writer_job.done, on the worker's loop. */
static void
on_written(void *arg, int rc, bool ran)
{
	struct wop *op = arg;
	struct ajob *j = op->owner;

	(void)rc; /* also in op->rc */
	if (ran) {
		rsv_pending_complete(j->p, answer_write, j);
	}
	ajob_free(j);
}

static void
on_cancel(void *arg, struct rsv_pending *p)
{
	(void)arg; /* the writer finishes; on_written releases p */
	(void)p;
}

static int
answer_busy_to(void *arg, struct rsv_req *q)
{
	struct ajob *j = arg;

	return answer_error_to(q, &j->orig, HDL_RC_SERVER_BUSY, "the writer is busy");
}

/* Hand op (answering orig) to the writer. Takes op. */
static int
submit(struct admin *a, struct rsv_req *q, const struct hdl_msg *orig, struct wop *op)
{
	struct ajob *j = malloc(sizeof(*j) + orig->raw.len + orig->cred.len);
	int rc;

	if (j == NULL) {
		op_release(op);
		return IDR_ENOMEM;
	}
	j->op = op;
	memcpy(j->bytes, orig->raw.p, orig->raw.len);
	if (orig->cred.len > 0) {
		memcpy(j->bytes + orig->raw.len, orig->cred.p, orig->cred.len);
	}
	rc = msg_over(&orig->env, j->bytes, orig->raw.len, orig->cred.len, orig->cred_len_present,
	              &j->orig);
	if (rc != IDR_OK) {
		ajob_free(j);
		return rc;
	}
	j->p = rsv_req_defer(q, on_cancel, j);
	if (j->p == NULL) {
		ajob_free(j);
		return answer_error_to(q, orig, HDL_RC_SERVER_BUSY,
		                       "too many requests in progress");
	}
	op->owner = j;
	op->job.done = on_written;
	op->job.reply_to = rsv_worker_mbox(rsv_req_worker(q));
	if (writer_submit(a->wr, &op->job) != IDR_OK) {
		rsv_pending_complete(j->p, answer_busy_to, j);
		ajob_free(j);
	}
	return IDR_OK;
}

/* LIST_HANDLES: collect handles, then answer them 50 per message. */
struct listing {
	struct wbuf names; /* UTF8-less concatenation; lengths in lens */
	size_t *lens;
	size_t n, cap;
};

static int
list_one(void *arg, struct slice handle)
{
	struct listing *l = arg;

	if (l->n == LIST_MAX) {
		return 1;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap == 0 ? 256 : l->cap * 2;
		size_t *nl = realloc(l->lens, ncap * sizeof(*nl));

		if (nl == NULL) {
			return 1;
		}
		l->lens = nl;
		l->cap = ncap;
	}
	wbuf_bytes(&l->names, handle.p, handle.len);
	l->lens[l->n++] = handle.len;
	return wbuf_error(&l->names) != IDR_OK;
}

static int
do_list(struct rsv_req *q, const struct hdl_msg *orig, struct slice prefix_handle,
        const struct auth_id *id, bool node_admin)
{
	struct rsv_worker *w = rsv_req_worker(q);
	struct rsv_list_req lr = {prefix_handle, 0, LIST_MAX, {NULL, 0}};
	struct rsv_list_info info;
	struct listing l = {{0}, NULL, 0, 0};
	struct slice page[HDL_LIST_HANDLES_PER_MSG];
	struct reg_rtxn *t;
	uint32_t code;
	size_t off = 0;
	int rc = IDR_OK;

	if (!node_admin) {
		if (rsv_read_begin(w, &t) != IDR_OK) {
			return answer_error_to(q, orig, HDL_RC_ERROR, "internal error");
		}
		rc = auth_allowed(t, id, prefix_handle, VALUE_ADMIN_LIST_HANDLES);
		rsv_read_end(w);
		if (rc != IDR_OK) {
			return answer_error_to(
			        q, orig, HDL_RC_INSUFFICIENT_PERMS,
			        "LIST_HANDLES needs that permission on the prefix handle");
		}
	}
	wbuf_init_heap(&l.names, (size_t)1 << 30);
	code = rsv_list(w, &lr, list_one, &l, &info);
	if (code != HDL_RC_SUCCESS) {
		rc = answer_error_to(q, orig, code, rsv_worker_message(w));
	} else {
		size_t i = 0;

		rsv_req_set_rc(q, HDL_RC_SUCCESS);
		do {
			size_t k = 0;

			for (; k < HDL_LIST_HANDLES_PER_MSG && i < l.n; k++, i++) {
				page[k] = slice_make(wbuf_data(&l.names) + off, l.lens[i]);
				off += l.lens[i];
			}
			rc = hdl_admin_list_resp_encode(rsv_req_out(q), orig, page, k, i < l.n,
			                                rsv_req_opts(q));
		} while (rc == IDR_OK && i < l.n);
	}
	wbuf_deinit(&l.names);
	free(l.lens);
	return rc;
}

/* Parse orig's body into a write request. @return IDR_OK or an error answered already. */
static int
make_wop(struct rsv_req *q, const struct hdl_msg *orig, const char *identity, struct wop **out,
         bool *answered)
{
	uint32_t op = orig->hdr.opcode;
	bool ovrw = (orig->hdr.flags & HDL_FLAG_OVRW) != 0;
	struct value *values = NULL;
	uint32_t *indexes = NULL;
	struct rbuf r;
	int rc;

	*answered = false;
	rbuf_init(&r, orig->body.p, orig->body.len);
	if (op == HDL_OC_CREATE_HANDLE || op == HDL_OC_ADD_VALUE || op == HDL_OC_MODIFY_VALUE) {
		struct hdl_values_req vr;
		enum wop_kind kind = op == HDL_OC_CREATE_HANDLE  ? WOP_CREATE
		                     : op == HDL_OC_MODIFY_VALUE ? WOP_MODIFY
		                     : ovrw                      ? WOP_SET
		                                                 : WOP_ADD;

		values = calloc(VALUE_MAX_VALUES, sizeof(*values));
		if (values == NULL) {
			return IDR_ENOMEM;
		}
		rc = hdl_values_req_parse(&r, &vr, values, VALUE_MAX_VALUES);
		if (rc == IDR_OK && vr.nvalues == 0) {
			rc = IDR_EPROTO;
		}
		if (rc == IDR_OK) {
			char minted[IDENT_HARD_MAX + 1];
			struct slice h = vr.handle;

			if (op == HDL_OC_CREATE_HANDLE && (orig->hdr.flags & HDL_FLAG_MINT) != 0) {
				rc = wop_mint(vr.handle, minted, sizeof(minted));
				h = slice_cstr(minted);
			}
			if (rc == IDR_OK) {
				rc = wop_new(out, kind, h, values, vr.nvalues, NULL, 0, identity);
			}
		}
		free(values);
		if (rc == IDR_OK) {
			(*out)->overwrite = ovrw;
			(*out)->exclusive = kind == WOP_CREATE && !ovrw;
		}
	} else if (op == HDL_OC_REMOVE_VALUE) {
		struct hdl_remove_req rr;

		indexes = calloc(VALUE_MAX_VALUES, sizeof(*indexes));
		if (indexes == NULL) {
			return IDR_ENOMEM;
		}
		rc = hdl_remove_req_parse(&r, &rr, indexes, VALUE_MAX_VALUES);
		if (rc == IDR_OK && rr.nindexes == 0) {
			rc = IDR_EPROTO;
		}
		if (rc == IDR_OK) {
			rc = wop_new(out, WOP_REMOVE, rr.handle, NULL, 0, rr.indexes, rr.nindexes,
			             identity);
		}
		free(indexes);
	} else {
		struct slice h;

		rc = hdl_handle_req_parse(&r, &h);
		if (rc == IDR_OK) {
			rc = wop_new(out, WOP_DELETE, h, NULL, 0, NULL, 0, identity);
		}
	}
	if (rc == IDR_EPROTO || rc == IDR_ELIMIT || rc == IDR_EINVAL) {
		*answered = true;
		return answer_error_to(q, orig, HDL_RC_PROTOCOL_ERROR,
		                       rc == IDR_ELIMIT ? "request body over a protocol limit"
		                                        : "malformed request body");
	}
	return rc;
}

/*
 * The daily quotas of the prefix op writes under (core/quota.h; node administrators are not
 * limited). A refusal is answered 603/604 to IDIS clients, which know these codes: a client
 * is IDIS when its connection logged in with the national opcode 2001 or the request carries
 * the IDIS trusted-resolution flags (DT/TR); every other client gets 3 (busy), which stock
 * Handle.Net clients understand. @return true if op may go on (else the answer is written).
 */
static bool
quota_ok(struct rsv_req *q, const struct hdl_msg *orig, struct wop *op, bool node_admin, int *rc)
{
	struct quota *qt = rsv_quota(rsv_req_worker(q));
	const struct rsv_ctx *ctx = rsv_req_ctx(q);
	struct slice pfx = quota_prefix(op->handle);
	uint32_t retry = 1;
	enum quota_verdict v;
	bool idis;

	if (node_admin) {
		return true;
	}
	v = quota_take(qt, pfx, op->kind == WOP_CREATE, (uint64_t)time(NULL), &retry);
	if (v == QUOTA_OK) {
		if (op->kind == WOP_CREATE && pfx.len < sizeof(op->quota_prefix)) {
			op->quota = qt;
			memcpy(op->quota_prefix, pfx.p, pfx.len);
			op->quota_prefix[pfx.len] = '\0';
		}
		return true;
	}
	idis = (ctx->conn != NULL && rsv_conn_identity(ctx->conn) != NULL) ||
	       (orig->hdr.flags & (HDL_FLAG_DT | HDL_FLAG_TR)) != 0;
	log_notice("handle admin op %u on %.*s refused: %s", (unsigned)orig->hdr.opcode,
	           (int)op->handle.len, (const char *)op->handle.p, quota_message(v));
	*rc = answer_error_to(q, orig, quota_hdl_rc(v, idis), quota_message(v));
	return false;
}

/* Carry out orig as identity (authenticated). Answers to orig, now or once written. */
static int
execute(struct admin *a, struct rsv_req *q, const struct hdl_msg *orig, const char *identity)
{
	const struct conf *cf = rsv_worker_conf(rsv_req_worker(q));
	struct auth_id id;
	struct reg_rtxn *t;
	struct wop *op;
	bool node_admin, answered;
	char msg[MSG_MAX], node[PFX_MAX_LEN + 1];
	int rc;

	if (auth_id_parse(slice_cstr(identity), &id) != IDR_OK) {
		return answer_error_to(q, orig, HDL_RC_INVALID_ADMIN, "malformed identity");
	}
	node_admin = auth_is_node_admin(&cf->server_admins, &id);
	if (orig->hdr.opcode == HDL_OC_LIST_HANDLES) {
		struct slice h;
		struct rbuf r;

		rbuf_init(&r, orig->body.p, orig->body.len);
		if (hdl_handle_req_parse(&r, &h) != IDR_OK) {
			return answer_error_to(q, orig, HDL_RC_PROTOCOL_ERROR,
			                       "malformed request body");
		}
		return do_list(q, orig, h, &id, node_admin);
	}
	if (a->wr == NULL) {
		return answer_error_to(q, orig, HDL_RC_SERVER_BACKUP, "this node takes no writes");
	}
	if (rsv_req_ctx(q)->peer != NULL) {
		uint32_t retry;

		if (quota_rate_take(rsv_quota(rsv_req_worker(q)),
		                    (const struct sockaddr *)&rsv_req_ctx(q)->peer->ss,
		                    rsv_mono_ns() / 1000000u, &retry) != QUOTA_OK) {
			return answer_error_to(q, orig, HDL_RC_SERVER_BUSY,
			                       quota_message(QUOTA_RATE));
		}
	}
	rc = make_wop(q, orig, identity, &op, &answered);
	if (rc != IDR_OK || answered) {
		return rc;
	}
	if (!shard_mine(rsv_worker_shard(rsv_req_worker(q)), op->handle)) {
		wop_free(op); /* another server of this site holds it (core/shard.h) */
		return answer_error_to(q, orig, HDL_RC_SERVER_NOT_RESP, SHARD_MSG_WRONG_SERVER);
	}
	if (rsv_takeover_of(rsv_req_worker(q), op->handle, node, sizeof(node))) {
		wop_free(op); /* served read-only from the top level's backup (fed/takeover.h) */
		rsv_takeover_message(node, msg, sizeof(msg));
		return answer_error_to(q, orig, HDL_RC_SERVER_BACKUP, msg);
	}
	if (rsv_read_begin(rsv_req_worker(q), &t) != IDR_OK) {
		wop_free(op);
		return answer_error_to(q, orig, HDL_RC_ERROR, "internal error");
	}
	rc = wop_authorize(op, t, &id, node_admin, NULL);
	rsv_read_end(rsv_req_worker(q));
	if (rc != IDR_OK) {
		uint32_t code = rc == IDR_EDENIED ? HDL_RC_INSUFFICIENT_PERMS : wop_hdl_rc(rc);

		snprintf(msg, sizeof(msg), "%.200s",
		         rc == IDR_EDENIED  ? "not an administrator of the handle (HS_ADMIN)"
		         : rc == IDR_ENOENT ? ""
		                            : idr_strerror(rc));
		if (rc == IDR_EDENIED) {
			log_notice("handle admin op %u on %.*s by %s refused: not authorized",
			           (unsigned)orig->hdr.opcode, (int)op->handle.len,
			           (const char *)op->handle.p, identity);
		}
		wop_free(op);
		return answer_error_to(q, orig, code, msg);
	}
	if (!quota_ok(q, orig, op, node_admin, &rc)) {
		wop_free(op);
		return rc;
	}
	return submit(a, q, orig, op);
}

/*
 * True if m is a write (100-104) on a handle another server of the site holds: it is answered
 * 301 before any challenge, as the reference server checks the hash first (HandleServer
 * errorIfNotHaveHandle), so a client that hashes to the wrong server is redirected without
 * authenticating. Every such body starts with the handle; a body too short for one is left to
 * the later checks, as is a minting create (the server draws a suffix it holds). site_wide:
 * a write on a 0.NA/ or slash-less handle of a site of several servers, which every server
 * holds (refused: it goes through the HTTP API, which sends it to every server).
 */
static bool
hashed_elsewhere(struct rsv_req *q, const struct hdl_msg *m, bool *site_wide)
{
	const struct shard *s = rsv_worker_shard(rsv_req_worker(q));
	uint32_t op = m->hdr.opcode, owner;
	struct slice h;
	struct rbuf r;

	*site_wide = false;
	if (s->n <= 1 || op < HDL_OC_CREATE_HANDLE || op > HDL_OC_MODIFY_VALUE ||
	    (op == HDL_OC_CREATE_HANDLE && (m->hdr.flags & HDL_FLAG_MINT) != 0)) {
		return false;
	}
	rbuf_init(&r, m->body.p, m->body.len);
	h = rbuf_str(&r, HDL_MAX_HANDLE_LEN);
	if (rbuf_error(&r) != IDR_OK || shard_owner(h, s->option, s->n, &owner) != IDR_OK) {
		return false;
	}
	*site_wide = owner == SHARD_EVERY;
	return owner != SHARD_EVERY && owner != s->self;
}

/* Admin requests: 100-105 (and 2001, the IDIS login). */
static int
op_admin(void *arg, struct rsv_req *q)
{
	struct admin *a = arg;
	const struct hdl_msg *m = rsv_req_msg(q);
	const struct rsv_ctx *ctx = rsv_req_ctx(q);
	const char *conn_id = rsv_conn_identity(ctx->conn);
	uint32_t sid = m->env.session_id;
	bool site_wide;
	struct sess s;

	if (hashed_elsewhere(q, m, &site_wide)) {
		return rsv_req_error(q, HDL_RC_SERVER_NOT_RESP, SHARD_MSG_WRONG_SERVER);
	}
	if (site_wide) { /* one server's copy would differ from the others' (core/shard.h) */
		return rsv_req_error(q, HDL_RC_OPERATION_NOT_SUPPORTED, SHARD_MSG_SITE_WIDE);
	}
	if (sid != 0 && m->hdr.opcode != HDL_OC_LOGIN_ID_SYSTEM &&
	    m->hdr.opcode != HDL_OC_LIST_HANDLES) {
		int rc = sess_get(a->sessions, sid, now_ms(), &s);
		uint32_t code;

		if (rc != IDR_OK) {
			if (m->cred.len == 0) {
				return challenge(a, q, m,
				                 0); /* not a session of ours: no MAC to check */
			}
			return rsv_req_error(q, HDL_RC_SESSION_TIMEOUT,
			                     "session expired or unknown: set up a new one");
		}
		if (m->cred.len == 0 && s.authenticated) {
			return rsv_req_error(q, HDL_RC_INVALID_CREDENTIAL,
			                     "a request in a session must carry its HS_MAC");
		}
		if (m->cred.len > 0) {
			code = check_mac(m, &s);
			if (code != 0) {
				return rsv_req_error(
				        q, code,
				        code == HDL_RC_SESSION_REJECTED
				                ? "session counter already used (replay)"
				        : code == HDL_RC_INVALID_SESSION_KEY
				                ? "Session authentication failed."
				                : "malformed session credential");
			}
			if (sess_put(a->sessions, &s) != IDR_OK) {
				return rsv_req_error(q, HDL_RC_SESSION_TIMEOUT, "session expired");
			}
		}
		if (s.authenticated) {
			return execute(a, q, m, s.identity);
		}
		return challenge(a, q, m, sid);
	}
	if (m->hdr.opcode == HDL_OC_LOGIN_ID_SYSTEM) {
		struct hdl_auth_login l;
		struct rbuf r;

		rbuf_init(&r, m->body.p, m->body.len);
		if (hdl_auth_login_parse(&r, &l) != IDR_OK) {
			return rsv_req_error(q, HDL_RC_PROTOCOL_ERROR, "malformed login body");
		}
		return challenge(a, q, m, 0);
	}
	if (conn_id != NULL && ctx->proto == RSV_PROTO_TCP) {
		return execute(a, q, m, conn_id); /* a channel the IDIS login authenticated */
	}
	return challenge(a, q, m, 0);
}

/* CHALLENGE_RESPONSE: verify, then carry out the challenged request. */
static int
op_answer(void *arg, struct rsv_req *q)
{
	struct admin *a = arg;
	const struct hdl_msg *m = rsv_req_msg(q);
	const struct rsv_ctx *ctx = rsv_req_ctx(q);
	struct hdl_auth_answer ans;
	struct hdl_msg orig;
	struct auth_id id;
	struct reg_rtxn *t;
	char idtext[AUTH_ID_MAX];
	struct sess c, s;
	uint8_t *blob = NULL;
	size_t len = 0;
	struct rbuf r;
	int rc;

	rbuf_init(&r, m->body.p, m->body.len);
	if (hdl_auth_answer_parse(&r, &ans) != IDR_OK) {
		return rsv_req_error(q, HDL_RC_PROTOCOL_ERROR, "malformed challenge answer");
	}
	rc = sess_take(a->challenges, m->env.session_id, now_ms(), &c, &blob, &len);
	if (rc != IDR_OK) {
		return rsv_req_error(
		        q, HDL_RC_AUTHEN_TIMEOUT,
		        "no challenge pending under this session id (expired or answered)");
	}
	rc = blob_msg(blob, len, &orig);
	if (rc != IDR_OK) {
		free(blob);
		return rc;
	}
	orig.env.request_id = m->env.request_id; /* the answer answers the challenge answer */
	orig.env.session_id = m->env.session_id;
	id.handle = ans.key_handle;
	id.index = ans.key_index;
	auth_id_format(&id, idtext, sizeof(idtext));
	if (rsv_read_begin(rsv_req_worker(q), &t) != IDR_OK) {
		free(blob);
		return rsv_req_error(q, HDL_RC_ERROR, "internal error");
	}
	rc = auth_verify_answer(t, &id, ans.auth_type, ans.signed_response,
	                        slice_make(c.nonce, HDL_AUTH_NONCE_LEN),
	                        slice_make(c.digest, c.digest_len));
	rsv_read_end(rsv_req_worker(q));
	if (rc != IDR_OK) {
		char msg[MSG_MAX];

		log_notice("handle challenge answer from %s failed: %s", idtext, idr_strerror(rc));
		snprintf(msg, sizeof(msg), "authentication of %.200s failed", idtext);
		rc = answer_error_to(q, &orig, HDL_RC_AUTHENTICATION_FAILED, msg);
		free(blob);
		return rc;
	}
	if (c.session_id != 0 && sess_get(a->sessions, c.session_id, now_ms(), &s) == IDR_OK &&
	    (s.identity[0] == '\0' || slice_caseeq(slice_cstr(s.identity), slice_cstr(idtext)))) {
		s.authenticated = true;
		memcpy(s.identity, idtext, sizeof(idtext));
		if (sess_put(a->sessions, &s) != IDR_OK) {
			log_debug("session %u ended while its challenge was answered", s.id);
		}
	}
	if (orig.hdr.opcode == HDL_OC_LOGIN_ID_SYSTEM) {
		/* only a TCP channel is one client's: over HTTP a proxy may share a connection
		 * between clients, so there the login proves the identity and trusts nothing */
		if (ctx->conn != NULL && ctx->proto == RSV_PROTO_TCP &&
		    rsv_conn_set_identity(ctx->conn, idtext) != IDR_OK) {
			free(blob);
			return IDR_ENOMEM;
		}
		rsv_req_set_rc(q, HDL_RC_SUCCESS);
		rc = hdl_resp_generic(rsv_req_out(q), &orig, rsv_req_opts(q));
	} else {
		rc = execute(a, q, &orig, idtext);
	}
	free(blob);
	return rc;
}

/* VERIFY_CHALLENGE: is this HS_SECKEY answer right? (for another server) */
static int
op_verify(void *arg, struct rsv_req *q)
{
	const struct hdl_msg *m = rsv_req_msg(q);
	struct hdl_auth_verify_req v;
	struct auth_id id;
	struct reg_rtxn *t;
	struct rbuf r;
	bool valid;
	(void)arg;

	rbuf_init(&r, m->body.p, m->body.len);
	if (hdl_auth_verify_req_parse(&r, &v) != IDR_OK) {
		return rsv_req_error(q, HDL_RC_PROTOCOL_ERROR, "malformed VERIFY_CHALLENGE body");
	}
	id.handle = v.key_handle;
	id.index = v.key_index;
	if (rsv_read_begin(rsv_req_worker(q), &t) != IDR_OK) {
		return rsv_req_error(q, HDL_RC_ERROR, "internal error");
	}
	valid = auth_verify_answer(t, &id, SLICE_LIT(HDL_AUTH_TYPE_SECKEY), v.signed_response,
	                           v.nonce, v.digest) == IDR_OK;
	rsv_read_end(rsv_req_worker(q));
	rsv_req_set_rc(q, HDL_RC_SUCCESS);
	return hdl_auth_verify_resp_encode(rsv_req_out(q), m, valid, rsv_req_opts(q));
}

/* ------------------------------------------------------------------ set-up */

static const uint32_t admin_ops[] = {
        HDL_OC_CREATE_HANDLE, HDL_OC_DELETE_HANDLE, HDL_OC_ADD_VALUE,      HDL_OC_REMOVE_VALUE,
        HDL_OC_MODIFY_VALUE,  HDL_OC_LIST_HANDLES,  HDL_OC_LOGIN_ID_SYSTEM};

int
admin_new(struct admin **out, struct rsv *r, struct writer *wr, const struct conf *conf)
{
	struct admin *a = calloc(1, sizeof(*a));
	int rc;

	if (a == NULL) {
		return IDR_ENOMEM;
	}
	a->r = r;
	a->wr = wr;
	rc = sess_table_new(&a->sessions, ADMIN_SESSIONS_MAX);
	if (rc == IDR_OK) {
		rc = sess_table_new(&a->challenges, ADMIN_CHALLENGES_MAX);
	}
	if (rc == IDR_OK && conf->server_key != NULL) {
		rc = crypto_key_load(&a->key, conf->server_key);
		if (rc != IDR_OK || !crypto_key_has_private(a->key)) {
			log_err("server_key %s: %s", conf->server_key,
			        rc != IDR_OK
			                ? idr_strerror(rc)
			                : "a public key only: answers to certified requests need "
			                  "the private key");
			rc = IDR_ECONFIG;
		}
	}
	for (size_t i = 0; rc == IDR_OK && i < sizeof(admin_ops) / sizeof(admin_ops[0]); i++) {
		rc = rsv_set_op(r, admin_ops[i], op_admin, a);
	}
	if (rc == IDR_OK) {
		rc = rsv_set_op(r, HDL_OC_CHALLENGE_RESPONSE, op_answer, a);
	}
	if (rc == IDR_OK) {
		rc = rsv_set_op(r, HDL_OC_VERIFY_RESPONSE, op_verify, a);
	}
	if (rc == IDR_OK) {
		rc = rsv_set_op(r, HDL_OC_SESSION_SETUP, op_session_setup, a);
	}
	if (rc == IDR_OK) {
		rc = rsv_set_op(r, HDL_OC_SESSION_TERMINATE, op_session_terminate, a);
	}
	if (rc == IDR_OK) {
		rc = rsv_set_op(r, HDL_OC_SESSION_EXCHANGEKEY, op_exchange_key, a);
	}
	if (rc != IDR_OK) {
		admin_free(a);
		return rc;
	}
	rsv_set_signer(r, finish_answer, a);
	rsv_set_opener(r, open_request, a);
	*out = a;
	return IDR_OK;
}

void
admin_free(struct admin *a)
{
	if (a == NULL) {
		return;
	}
	crypto_key_free(a->key);
	sess_table_free(a->sessions);
	sess_table_free(a->challenges);
	free(a);
}
