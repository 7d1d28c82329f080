/*
 * hdl_auth.h - Handle codec for authentication and sessions (ref/handle.md §2.7, §3.5-§3.7):
 * the challenge (rc 402) and its answer (op 200), the inner signed responses of HS_PUBKEY and
 * HS_SECKEY answers, VERIFY_CHALLENGE (op 201), the IDIS login (op 2001), SESSION_SETUP (op
 * 400), SESSION_EXCHANGEKEY (op 402), the credential section (encode and attach) and the exact
 * byte strings a message signature or MAC covers.
 *
 * Pure bytes: no keys are used, nothing is signed or verified here (the caller feeds the byte
 * strings built here to registry/base/crypto). Like hdl.h: parsers read through struct rbuf,
 * check every length against its limit and the bytes left, return slices borrowing the input
 * and write their output only on success; encoders append to a struct wbuf and fail with
 * IDR_ETOOBIG (wbuf full) or IDR_ELIMIT (protocol limit), leaving a partial message the caller
 * discards. Reentrant, no globals.
 *
 * Checked against Handle.Net 9.2 (hdllib Encoder, AbstractMessage, Util,
 * PublicKeyAuthenticationInfo, SecretKeyAuthenticationInfo, server/HandleServer) and, for op
 * 2001, teleinfo-dev/id-pointer-sdk (MsgConverter.convertLoginIDSystemReqToBytes).
 */
#ifndef IDR_RESOLVER_HDL_HDL_AUTH_H
#define IDR_RESOLVER_HDL_HDL_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rbuf.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "hdl/hdl.h"

/* ---- sizes and limits ---- */

#define HDL_AUTH_NONCE_LEN    16    /* Common.CHALLENGE_NONCE_SIZE: what a server sends */
#define HDL_AUTH_MAX_NONCE    64    /* accepted in a VERIFY_CHALLENGE from another server */
#define HDL_AUTH_MAX_RESPONSE 8192  /* a signedResponse: hash id + signature or a MAC form */
#define HDL_AUTH_MAX_SIG      4096  /* signature bytes inside a signedResponse / credential */
#define HDL_AUTH_MAX_KEY      16384 /* a public key or exchange-key blob in session messages */
#define HDL_AUTH_MAX_SALT     1024  /* PBKDF2 salt (Java sends 16 bytes) */
#define HDL_AUTH_MAX_ITER                                                                          \
	100000                     /* PBKDF2 iterations (Java sends 10000); caps the work an       \
	                              answer can ask the verifier to do */
#define HDL_AUTH_MAX_KEY_BITS 4096 /* PBKDF2 derived key length (Java sends 160) */
#define HDL_AUTH_PREFIX_MAX   16   /* longest signed-data prefix (versions >= 2.8) */

/* ---- names on the wire ---- */

#define HDL_AUTH_TYPE_PUBKEY "HS_PUBKEY"    /* authType of an answer signed with a private key */
#define HDL_AUTH_TYPE_SECKEY "HS_SECKEY"    /* authType of an answer MACed with a secret key */
#define HDL_CRED_TYPE_SIGNED "HS_SIGNED"    /* credential signed with the sender's private key */
#define HDL_CRED_TYPE_MAC    "HS_MAC"       /* credential MACed with the session key */
#define HDL_CRED_TYPE_OLDSIG "HS_DSAPUBKEY" /* legacy name Java still accepts as HS_SIGNED */

/* ---- session key exchange modes (SESSION_SETUP, Common.KEY_EXCHANGE_*) ---- */

#define HDL_KEX_CIPHER_CLIENT 1 /* server encrypts a session key with the client's key */
#define HDL_KEX_CIPHER_SERVER 2 /* server sends its RSA public key */
#define HDL_KEX_CIPHER_HDL    3 /* server encrypts a session key with a key found in a handle */
#define HDL_KEX_DH            4 /* Diffie-Hellman (the stock client's default) */

/* ---- session ciphers named in the DH answer (HdlSecurityProvider.ENCRYPT_ALG_*) ---- */

#define HDL_CIPHER_DES    1
#define HDL_CIPHER_DESEDE 2
#define HDL_CIPHER_AES    3

/* ---- hash / MAC algorithm identifiers ---- */

/** An algorithm named in a credential, an HS_PUBKEY answer or an HS_SECKEY answer. */
enum hdl_auth_hash {
	HDL_AUTH_HASH_UNKNOWN = 0,
	HDL_AUTH_HASH_MD5,
	HDL_AUTH_HASH_SHA1,
	HDL_AUTH_HASH_SHA256,
	HDL_AUTH_HASH_HMAC_SHA1,
	HDL_AUTH_HASH_HMAC_SHA256,
	HDL_AUTH_HASH_PBKDF2_HMAC_SHA1,
	HDL_AUTH_HASH_SM3 /* IDIS SM2 answers */
};

/* One-byte codes (Common.HASH_CODE_*): the HS_SECKEY answer's alg byte, and a credential's
 * digest algorithm below 2.6. */
#define HDL_HASH_CODE_MD5_OLD     0x00
#define HDL_HASH_CODE_MD5         0x01
#define HDL_HASH_CODE_SHA1        0x02
#define HDL_HASH_CODE_SHA256      0x03
#define HDL_HASH_CODE_HMAC_SHA1   0x12
#define HDL_HASH_CODE_HMAC_SHA256 0x13
#define HDL_HASH_CODE_PBKDF2      0x22

/**
 * Name an algorithm identifier as Java does (Util.doDigest/doMac/getSigIdFromHashAlgId): a
 * one-byte string is a HASH_CODE; "MD5", "SHA1", "SHA-1", "SHA-256", "SHA256" exactly;
 * "HMAC-SHA1", "HMAC-SHA256", "PBKDF2-HMAC-SHA1" ignoring case and punctuation; "SM3" (IDIS).
 * @return the algorithm or HDL_AUTH_HASH_UNKNOWN.
 */
enum hdl_auth_hash hdl_auth_hash_id(struct slice name);

/** Output length of a hash/HMAC algorithm in bytes (MD5 16, SHA-1 and HMAC-SHA1 20, SHA-256,
 *  HMAC-SHA256 and SM3 32), 0 for PBKDF2 and unknown. */
size_t hdl_auth_hash_len(enum hdl_auth_hash alg);

/* ======================================================================================== */
/* challenge (response rc 402) and answer (request op 200)                                   */
/* ======================================================================================== */

/**
 * Encode the 402 challenge to a request. From 2.1 on (the response version): `[RD] UTF8
 * nonce`, RD flag set, the digest always present (Java ChallengeResponse). Below 2.1 the
 * legacy layout `UTF8 nonce, UTF8 MD5(request)` without the RD flag (Java encodeChallenge).
 * @param session_id  the envelope SessionId that keys the pending challenge (Java assigns a
 *                    new one unless the request is in a session).
 * @param nonce       the challenge nonce (HDL_AUTH_NONCE_LEN random bytes; <= 64 accepted).
 * @return IDR_OK, IDR_ELIMIT (nonce too long), IDR_ETOOBIG or IDR_ECRYPTO (digest).
 */
int hdl_auth_challenge_encode(struct wbuf *w, const struct hdl_msg *req, uint32_t session_id,
                              struct slice nonce, const struct hdl_resp_opts *opts) IDR_MUSTCHECK;

/** A decoded challenge (client side). */
struct hdl_auth_challenge {
	struct slice nonce;
	struct hdl_digest digest; /* of the request, as the server computed it */
};

/**
 * Decode a 402 body. @param m the parsed response (rc 402). From 2.1 the digest is the RD
 * (required: RD must be set), then UTF8 nonce; below 2.1 UTF8 nonce then UTF8 MD5 digest.
 * Nothing may follow.
 * @return IDR_OK, IDR_EINVAL (m is not a 402), IDR_EPROTO or IDR_ELIMIT (nonce > 64).
 */
int hdl_auth_challenge_parse(const struct hdl_msg *m, struct hdl_auth_challenge *out) IDR_MUSTCHECK;

/**
 * The bytes a challenge answer signs or MACs: nonce ‖ request digest (the digest bytes only,
 * without the type byte), both as in the challenge.
 * @return IDR_OK or IDR_ETOOBIG.
 */
int hdl_auth_challenge_data(struct wbuf *out, struct slice nonce,
                            const struct hdl_digest *digest) IDR_MUSTCHECK;

/** Body of a CHALLENGE_RESPONSE request (op 200). Slices borrow the message. */
struct hdl_auth_answer {
	struct slice auth_type;       /* "HS_PUBKEY" or "HS_SECKEY" (<= HDL_MAX_TYPE_LEN) */
	struct slice key_handle;      /* identity handle (<= 2048) */
	uint32_t key_index;           /* 0 = any key value of the right type */
	struct slice signed_response; /* <= HDL_AUTH_MAX_RESPONSE; parse by auth_type below */
};

/**
 * Parse `UTF8 authType, UTF8 keyHandle, int4 keyIndex, UTF8 signedResponse`; nothing may
 * follow. @return IDR_OK, IDR_EPROTO or IDR_ELIMIT.
 */
int hdl_auth_answer_parse(struct rbuf *body, struct hdl_auth_answer *out) IDR_MUSTCHECK;

/** Encode a CHALLENGE_RESPONSE request. o->session_id must be the challenge's SessionId.
 *  @return IDR_OK, IDR_ELIMIT or IDR_ETOOBIG. */
int hdl_auth_answer_encode(struct wbuf *w, const struct hdl_req_opts *o,
                           const struct hdl_auth_answer *a) IDR_MUSTCHECK;

/** signedResponse of an HS_PUBKEY answer: `UTF8 hashAlgId, UTF8 signature` over
 *  hdl_auth_challenge_data. */
struct hdl_auth_pubkey_sig {
	struct slice hash_alg;  /* "SHA1", "SHA-256", "SM3", ... (<= HDL_MAX_TYPE_LEN) */
	struct slice signature; /* RSA PKCS#1 v1.5, DSA DER, SM2 (<= HDL_AUTH_MAX_SIG) */
};

/** Parse an HS_PUBKEY signedResponse; nothing may follow (Java ignores a tail; none is ever
 *  sent). @return IDR_OK, IDR_EPROTO or IDR_ELIMIT. */
int hdl_auth_pubkey_sig_parse(struct slice signed_response,
                              struct hdl_auth_pubkey_sig *out) IDR_MUSTCHECK;

/** Append an HS_PUBKEY signedResponse (the bytes for hdl_auth_answer.signed_response).
 *  @return IDR_OK, IDR_ELIMIT or IDR_ETOOBIG. */
int hdl_auth_pubkey_sig_encode(struct wbuf *w, const struct hdl_auth_pubkey_sig *s) IDR_MUSTCHECK;

/**
 * signedResponse of an HS_SECKEY answer. Forms (Java SecretKeyAuthenticationInfo and
 * HandleServer.verifyChallenge), all computed over d = hdl_auth_challenge_data:
 *  - legacy (answer version < 2.1): 16 raw bytes MD5(key ‖ d ‖ key), alg HDL_HASH_CODE_MD5_OLD;
 *  - 0x01 / 0x02 / 0x03: alg byte + MD5 / SHA-1 / SHA-256 of (key ‖ d ‖ key);
 *  - 0x12 / 0x13: alg byte + HMAC-SHA1 / HMAC-SHA256(key, d);
 *  - 0x22 (Java's choice from 2.7): alg byte + `UTF8 salt, int4 iterations, int4 keyLenBits,
 *    UTF8 HMAC-SHA1(PBKDF2-HMAC-SHA1(key, salt, iterations, keyLenBits), d)`.
 */
struct hdl_auth_seckey_sig {
	uint8_t alg;         /* HDL_HASH_CODE_* */
	struct slice mac;    /* the digest / MAC bytes */
	struct slice salt;   /* 0x22 only */
	uint32_t iterations; /* 0x22 only, 1..HDL_AUTH_MAX_ITER */
	uint32_t key_bits;   /* 0x22 only, a multiple of 8 in 8..HDL_AUTH_MAX_KEY_BITS */
};

/**
 * Parse an HS_SECKEY signedResponse. The MAC length must match the algorithm (16/20/32;
 * PBKDF2's HMAC-SHA1 20); nothing may follow (Java compares the whole re-encoded form).
 * @param ver  version of the answer message: below 2.1 the whole response is the legacy form.
 * @return IDR_OK, IDR_EPROTO (unknown alg, wrong MAC length, truncated) or IDR_ELIMIT (salt,
 *         iterations or key length over its limit).
 */
int hdl_auth_seckey_sig_parse(struct slice signed_response, struct hdl_version ver,
                              struct hdl_auth_seckey_sig *out) IDR_MUSTCHECK;

/** Append an HS_SECKEY signedResponse in the form s->alg names (MD5_OLD = raw).
 *  @return IDR_OK, IDR_EINVAL (unknown alg), IDR_ELIMIT or IDR_ETOOBIG. */
int hdl_auth_seckey_sig_encode(struct wbuf *w, const struct hdl_auth_seckey_sig *s) IDR_MUSTCHECK;

/* ======================================================================================== */
/* VERIFY_CHALLENGE (op 201): a server asks the holder of an HS_SECKEY to check an answer     */
/* ======================================================================================== */

/** Body of a VERIFY_CHALLENGE request. */
struct hdl_auth_verify_req {
	struct slice key_handle;      /* <= 2048 */
	uint32_t key_index;           /* 0 = any HS_SECKEY value */
	struct slice nonce;           /* <= HDL_AUTH_MAX_NONCE */
	uint8_t digest_type;          /* HDL_RD_LEGACY: length-prefixed (what Java sends), or
	                                 HDL_RD_MD5/SHA1/SHA256: type byte + fixed-size digest */
	struct slice digest;          /* <= HDL_RD_MAX_LEN */
	struct slice signed_response; /* the answer's, <= HDL_AUTH_MAX_RESPONSE */
};

/**
 * Parse `UTF8 keyHandle, int4 keyIndex, UTF8 nonce, digest, UTF8 signedResponse` where digest
 * is `UTF8 bytes` (first byte 0) or `octet type(1..3) + bytes`. Nothing may follow.
 * @return IDR_OK, IDR_EPROTO or IDR_ELIMIT.
 */
int hdl_auth_verify_req_parse(struct rbuf *body, struct hdl_auth_verify_req *out) IDR_MUSTCHECK;

/** Encode a VERIFY_CHALLENGE request (digest in the form digest_type names).
 *  @return IDR_OK, IDR_EINVAL (digest length does not fit its type), IDR_ELIMIT, IDR_ETOOBIG. */
int hdl_auth_verify_req_encode(struct wbuf *w, const struct hdl_req_opts *o,
                               const struct hdl_auth_verify_req *v) IDR_MUSTCHECK;

/** VERIFY_CHALLENGE success: `[RD] octet` (0x01 valid, 0x00 not).
 *  @return IDR_OK, IDR_ETOOBIG or IDR_ECRYPTO. */
int hdl_auth_verify_resp_encode(struct wbuf *w, const struct hdl_msg *req, bool valid,
                                const struct hdl_resp_opts *opts) IDR_MUSTCHECK;

/** Decode a VERIFY_CHALLENGE success body after hdl_resp_open: one octet, bit 0 = valid
 *  (as Java reads it). @return IDR_OK or IDR_EPROTO (not exactly one byte). */
int hdl_auth_verify_resp_parse(struct rbuf *rest, bool *valid) IDR_MUSTCHECK;

/* ======================================================================================== */
/* IDIS login (op 2001)                                                                      */
/* ======================================================================================== */

/** Body of an IDIS LOGIN_ID_SYSTEM request: the identity to authenticate on this channel. The
 *  server answers with a 402 challenge; after a valid answer, a generic success (the SDK
 *  ignores the body). The SDK sends this message without the CredentialLength field. */
struct hdl_auth_login {
	struct slice identity; /* <= 2048 */
	uint32_t index;
};

/** Parse `UTF8 identity, int4 index`; nothing may follow. @return IDR_OK, IDR_EPROTO or
 *  IDR_ELIMIT. */
int hdl_auth_login_parse(struct rbuf *body, struct hdl_auth_login *out) IDR_MUSTCHECK;

/** Encode a LOGIN_ID_SYSTEM request (with CredentialLength 0, which Java tolerates).
 *  @return IDR_OK, IDR_ELIMIT or IDR_ETOOBIG. */
int hdl_auth_login_encode(struct wbuf *w, const struct hdl_req_opts *o,
                          const struct hdl_auth_login *l) IDR_MUSTCHECK;

/* ======================================================================================== */
/* sessions (op 400-402)                                                                     */
/* ======================================================================================== */

/** Body of a SESSION_SETUP request. */
struct hdl_auth_session_setup {
	uint16_t mode;         /* HDL_KEX_* */
	uint32_t timeout;      /* seconds (Java default 86400) */
	struct slice identity; /* may be empty (anonymous session), <= 2048 */
	uint32_t identity_index;
	struct slice pubkey;     /* modes 1 and 4: HS_PUBKEY encoding, <= HDL_AUTH_MAX_KEY */
	struct slice key_handle; /* mode 3 */
	uint32_t key_index;      /* mode 3 */
};

/**
 * Parse `int2 mode, int4 timeout, UTF8 identity, int4 index` + mode data (1, 4: UTF8 public
 * key; 3: UTF8 handle + int4 index; 2: nothing). Java's encoder counts the mode as 4 bytes
 * and writes 2, so its bodies end in 2 zero bytes: exactly 0 or 2 zero bytes may follow.
 * @return IDR_OK, IDR_EPROTO (truncated, unknown mode, other trailing bytes) or IDR_ELIMIT.
 */
int hdl_auth_session_setup_parse(struct rbuf *body,
                                 struct hdl_auth_session_setup *out) IDR_MUSTCHECK;

/** Encode a SESSION_SETUP request (without Java's 2 trailing bytes).
 *  @return IDR_OK, IDR_EINVAL (unknown mode), IDR_ELIMIT or IDR_ETOOBIG. */
int hdl_auth_session_setup_encode(struct wbuf *w, const struct hdl_req_opts *o,
                                  const struct hdl_auth_session_setup *s) IDR_MUSTCHECK;

/**
 * SESSION_SETUP success: `[RD] int2 mode, UTF8 data` (no trailing padding; Java pads 2 zero
 * bytes, which its decoder ignores). data: mode 4 (peer >= 2.4) see hdl_auth_dh_data_encode;
 * mode 1/3 the session key encrypted to the client; mode 2 the server's HS_PUBKEY.
 * @return IDR_OK, IDR_ELIMIT (data > HDL_AUTH_MAX_KEY), IDR_ETOOBIG or IDR_ECRYPTO.
 */
int hdl_auth_session_setup_resp_encode(struct wbuf *w, const struct hdl_msg *req, uint16_t mode,
                                       struct slice data,
                                       const struct hdl_resp_opts *opts) IDR_MUSTCHECK;

/** Decode a SESSION_SETUP success body after hdl_resp_open (0 or 2 trailing zero bytes).
 *  @return IDR_OK, IDR_EPROTO or IDR_ELIMIT. */
int hdl_auth_session_setup_resp_parse(struct rbuf *rest, uint16_t *mode,
                                      struct slice *data) IDR_MUSTCHECK;

/** The DH answer's data for peers >= 2.4: `int4 cipher (HDL_CIPHER_*)` + the server's DH
 *  public key in HS_PUBKEY encoding (runs to the end). */
void hdl_auth_dh_data_encode(struct wbuf *w, uint32_t cipher, struct slice pubkey);

/** Split DH answer data. @return IDR_OK or IDR_EPROTO (shorter than 4 bytes). */
int hdl_auth_dh_data_parse(struct slice data, uint32_t *cipher, struct slice *pubkey) IDR_MUSTCHECK;

/**
 * Parse a SESSION_EXCHANGEKEY body: `int4 length + encrypted session key`, or an empty body
 * (Java sends nothing when it has no key). Nothing may follow.
 * @return IDR_OK, IDR_EPROTO or IDR_ELIMIT (> HDL_AUTH_MAX_KEY).
 */
int hdl_auth_exchange_key_parse(struct rbuf *body, struct slice *key) IDR_MUSTCHECK;

/** Encode a SESSION_EXCHANGEKEY request (an empty key gives an empty body, as Java).
 *  @return IDR_OK, IDR_ELIMIT or IDR_ETOOBIG. */
int hdl_auth_exchange_key_encode(struct wbuf *w, const struct hdl_req_opts *o,
                                 struct slice key) IDR_MUSTCHECK;

/* SESSION_TERMINATE (401) is a one-handle body: hdl_handle_req_parse / hdl_req_handle_encode
 * (Java sends an empty handle); its answer is hdl_resp_generic. */

/* ======================================================================================== */
/* credential section and signed data (ref/handle.md §2.7)                                   */
/* ======================================================================================== */

/**
 * Append a credential section (without its int4 length) for c, as Java writes it: version,
 * reserved 0, options, UTF8 signer, int4 signer_index (the session counter), UTF8 type, int4
 * signed-info length, UTF8 digest_alg, UTF8 signature. (hdl_cred_parse in hdl.h decodes it.)
 * @return IDR_OK, IDR_ELIMIT (a field over its hdl_cred_parse limit) or IDR_ETOOBIG.
 */
int hdl_auth_cred_encode(struct wbuf *w, const struct hdl_cred *c) IDR_MUSTCHECK;

/**
 * Attach a credential to a message finished by hdl_build_end (which ends in CredentialLength
 * 0): that length is replaced by the credential's, the credential appended and MessageLength
 * patched. Sign first: the signed data (header + body) does not change.
 * @param start  offset in w of the message's envelope.
 * @return IDR_OK, IDR_EINVAL (no finished unsigned message at start), IDR_ELIMIT (message over
 *         262144) or IDR_ETOOBIG.
 */
int hdl_auth_cred_attach(struct wbuf *w, size_t start, const struct hdl_cred *c) IDR_MUSTCHECK;

/**
 * The envelope fields an HS_SIGNED signature covers before header + body (Java
 * AbstractMessage.signMessage(Signature) / verifyMessage(PublicKey)), by the message's version:
 *  - below 2.6: nothing (returns 0);
 *  - 2.6: 14 bytes [major, minor, the two high bytes of sessionId, int4 counter, 6 zero bytes]
 *    (Java's "painful bug": the offset is reset to 4 after each int);
 *  - 2.7: [major, minor, int4 sessionId, int4 requestId, int4 counter] (14 bytes);
 *  - 2.8 and later: [major, minor, suggMajor, suggMinor, int4 sessionId, int4 requestId,
 *    int4 counter] (16 bytes).
 * The same prefix (from 2.5 on, without the 2.6 bug) precedes an HS_MAC; see
 * hdl_auth_mac_data.
 * @param env      the message's envelope (version, suggested version, session and request id).
 * @param counter  the session counter (the credential's signer_index; 0 outside sessions).
 * @param out      HDL_AUTH_PREFIX_MAX bytes.
 * @return the prefix length: 0, 14 or 16.
 */
size_t hdl_auth_signed_prefix(const struct hdl_envelope *env, uint32_t counter,
                              uint8_t out[HDL_AUTH_PREFIX_MAX]);

/**
 * Append the whole byte string an HS_SIGNED credential signs: hdl_auth_signed_prefix ‖ raw.
 * @param raw  the message's header + body (hdl_msg.raw).
 * @return IDR_OK or IDR_ETOOBIG.
 */
int hdl_auth_signed_data(struct wbuf *out, const struct hdl_envelope *env, uint32_t counter,
                         struct slice raw) IDR_MUSTCHECK;

/** How the bytes from hdl_auth_mac_data are turned into an HS_MAC signature. */
enum hdl_auth_mac_kind {
	HDL_AUTH_MAC_HMAC, /* HMAC(key, data) */
	HDL_AUTH_MAC_HASH  /* hash(data): the key is already inside data */
};

/**
 * Append the byte string an HS_MAC credential covers (Java AbstractMessage.signMessage(byte[])
 * / verifyMessage(byte[]) with Util.doMac / doDigest), by the message's version and the
 * credential's algorithm alg:
 *  - 2.7 and later: d = prefix ‖ raw; below 2.5: d = raw. Then an HMAC alg gives d (HMAC with
 *    the key) and a plain hash gives key ‖ d ‖ key (hashed). Java sends "HMAC-SHA256" from
 *    2.7 and the one-byte code 0x02 (SHA-1) below 2.5;
 *  - 2.5 and 2.6 (Java's "broken" variant, offsets reset to 4), any alg, hashed: the first 4
 *    bytes of (key ‖ major ‖ minor ‖ int4 sessionId), then raw, key and key.len + 10 zero
 *    bytes. Java sends "SHA1" (2.6) or code 0x02 (2.5).
 * @param raw   the message's header + body.
 * @param key   the session key (copied into the output for the hashed forms).
 * @param alg   the credential's algorithm (hdl_auth_hash_id of its digest_alg).
 * @param kind  set to how the output is to be used.
 * @return IDR_OK, IDR_EINVAL (alg is not MD5, SHA-1, SHA-256 or an HMAC; an HMAC in the 2.5/2.6
 *         variant) or IDR_ETOOBIG.
 */
int hdl_auth_mac_data(struct wbuf *out, const struct hdl_envelope *env, uint32_t counter,
                      struct slice raw, struct slice key, enum hdl_auth_hash alg,
                      enum hdl_auth_mac_kind *kind) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_HDL_HDL_AUTH_H */
