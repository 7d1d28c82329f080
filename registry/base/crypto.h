/*
 * crypto.h - hashes, MACs, randomness, session ciphers, public keys (RSA, DSA, SM2, DH),
 * signatures and Diffie-Hellman over OpenSSL 3 (crypto.c, crypto_key.c: the only OpenSSL users
 * outside resolver/net/tls.c). No OpenSSL type appears here.
 * Thread-safe: every function works on its arguments only; a struct crypto_key may be shared
 * between threads for signing, verifying and deriving once it is built. Incremental contexts
 * and keys are heap objects owned by the caller.
 */
#ifndef IDR_REGISTRY_BASE_CRYPTO_H
#define IDR_REGISTRY_BASE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"

#define CRYPTO_MD5_LEN    16
#define CRYPTO_SHA1_LEN   20
#define CRYPTO_SHA256_LEN 32
#define CRYPTO_SM3_LEN    32
#define CRYPTO_MAX_LEN    64

enum crypto_alg {
	CRYPTO_MD5 = 1, /* numbering follows the Handle request-digest hash type byte */
	CRYPTO_SHA1 = 2,
	CRYPTO_SHA256 = 3,
	CRYPTO_SM3 = 16 /* not a Handle hash type byte: named "SM3" in IDIS credentials */
};

/** Digest length of alg, or 0 if unknown. */
size_t crypto_hash_len(enum crypto_alg alg);

/**
 * One-shot digest of p[0..len) into out (crypto_hash_len(alg) bytes).
 * @return IDR_OK, IDR_EINVAL (unknown alg) or IDR_ECRYPTO.
 */
int crypto_hash(enum crypto_alg alg, const void *p, size_t len, uint8_t *out);

/**
 * SHA-256 of p[0..len), with a digest context kept per thread.
 * @return IDR_OK, IDR_ENOMEM (no context) or IDR_ECRYPTO (the library failed).
 */
int crypto_sha256(const void *p, size_t len, uint8_t out[CRYPTO_SHA256_LEN]) IDR_MUSTCHECK;

struct crypto_hash;

/** Start an incremental digest. @return IDR_OK, IDR_ENOMEM, IDR_EINVAL or IDR_ECRYPTO. */
int crypto_hash_new(struct crypto_hash **out, enum crypto_alg alg);
/** Add bytes; a failure is kept and reported by crypto_hash_final. */
void crypto_hash_update(struct crypto_hash *h, const void *p, size_t len);
/**
 * Finish into out and reset the context for reuse with the same algorithm.
 * @return IDR_OK or IDR_ECRYPTO (this or an earlier update failed; out is not valid).
 */
int crypto_hash_final(struct crypto_hash *h, uint8_t *out) IDR_MUSTCHECK;
void crypto_hash_free(struct crypto_hash *h);

/** Fill p with cryptographically secure random bytes. @return IDR_OK or IDR_ECRYPTO. */
int crypto_random(void *p, size_t len);

/** Lower-case hex of p[0..len) into out (2*len+1 bytes, NUL-terminated). */
void crypto_hex(const uint8_t *p, size_t len, char *out);

/**
 * Parse 2*outlen hex digits (either case) into out.
 * @return IDR_OK or IDR_EINVAL.
 */
int crypto_unhex(const char *hex, size_t hexlen, uint8_t *out, size_t outlen);

/**
 * Look up a hash by the name Handle.Net and IDIS put in credentials and challenge answers
 * (Common.HASH_ALG_*): "MD5", "SHA1", "SHA-1", "SHA256", "SHA-256", "SM3"; ASCII case is
 * ignored. MAC names ("HMAC-SHA256", "PBKDF2-HMAC-SHA1") and one-byte hash codes are not hash
 * names and are not accepted here.
 * @return IDR_OK or IDR_EINVAL (unknown name; *out unchanged).
 */
int crypto_alg_from_name(struct slice name, enum crypto_alg *out);

/**
 * The spelling Handle.Net itself sends (Util.getHashAlgIdFromSigId): "MD5", "SHA1",
 * "SHA-256", "SM3"; "" for an unknown alg. Static string.
 */
const char *crypto_alg_name(enum crypto_alg a);

/**
 * HMAC (RFC 2104) of msg under key with hash (MD5, SHA1, SHA256 or SM3).
 * @param out  crypto_hash_len(hash) bytes.
 * @return IDR_OK, IDR_EINVAL (unknown hash) or IDR_ECRYPTO.
 */
int crypto_hmac(enum crypto_alg hash, const void *key, size_t klen, const void *msg, size_t mlen,
                uint8_t *out);

/**
 * PBKDF2 (RFC 8018) with HMAC-SHA1, as Handle.Net's "PBKDF2-HMAC-SHA1" secret-key answers
 * (Util.doPBKDF2: the key length there is in bits, here outlen is in bytes).
 * @param iterations  1 .. 10,000,000.
 * @param outlen      1 .. 4096 bytes.
 * @return IDR_OK, IDR_EINVAL (iterations or outlen out of range) or IDR_ECRYPTO.
 */
int crypto_pbkdf2_hmac_sha1(const void *pass, size_t plen, const void *salt, size_t slen,
                            unsigned iterations, uint8_t *out, size_t outlen);

/** Constant-time comparison of a[0..len) and b[0..len). @return 1 if equal, else 0. */
int crypto_memeq(const void *a, const void *b, size_t len);

/* ------------------------------------------------------------------ session ciphers */

/*
 * Handle session encryption (net.handle.security.HdlSecurityProvider ENCRYPT_ALG_*, numbered
 * as the algorithm code on the wire; /work/hdljava/SESSION-CRYPTO.md has the whole story).
 * From protocol 2.4 on: CBC with PKCS#5 padding, a fresh random IV sent in front of the
 * ciphertext; before 2.4 ("ecb"): ECB with PKCS#5 padding and no IV. The key is the session
 * key; like Java only its first crypto_cipher_key_len() bytes are used.
 */
enum crypto_cipher {
	CRYPTO_CIPHER_DES = 1,    /* DES, key = first 8 bytes, IV 8 */
	CRYPTO_CIPHER_DESEDE = 2, /* 3-key triple DES, key = first 24 bytes, IV 8 */
	CRYPTO_CIPHER_AES = 3     /* AES-128, key = first 16 bytes, IV 16 (the Java default) */
};

/** Bytes of the session key used by c (8, 24, 16), or 0 for an unknown c. */
size_t crypto_cipher_key_len(enum crypto_cipher c);

/** IV length (= block size) of c: 8, 8, 16, or 0 for an unknown c. */
size_t crypto_cipher_iv_len(enum crypto_cipher c);

/**
 * Encrypt in[0..len) as SessionInfo.encryptBuffer does: out gets IV || ciphertext (CBC), or
 * the ciphertext alone (ecb). The IV comes from the system's secure random generator.
 * @param key   the session key, at least crypto_cipher_key_len(c) bytes (extra bytes ignored).
 * @param out   appended to; on error its length is unchanged.
 * @return IDR_OK, IDR_EINVAL (unknown c, key too short), IDR_ETOOBIG (out full) or
 *         IDR_ECRYPTO.
 */
int crypto_cipher_encrypt(enum crypto_cipher c, bool ecb, const uint8_t *key, size_t klen,
                          const void *in, size_t len, struct wbuf *out);

/**
 * Decrypt what crypto_cipher_encrypt (or Java's SessionInfo.encryptBuffer) produced.
 * @param out   appended to; on error its length is unchanged.
 * @return IDR_OK; IDR_EPROTO (shorter than IV + one block, or not whole blocks);
 *         IDR_EAUTH (the padding is wrong: wrong key or damaged message); IDR_EINVAL (unknown
 *         c, key too short); IDR_ETOOBIG; IDR_ECRYPTO.
 */
int crypto_cipher_decrypt(enum crypto_cipher c, bool ecb, const uint8_t *key, size_t klen,
                          const void *in, size_t len, struct wbuf *out);

/**
 * The session key Handle.Net derives from a DH shared secret for cipher c (GenericProvider
 * getKeyFromDH, without its 4-byte algorithm prefix): AES: leading zero bytes stripped (as
 * long as more than 32 bytes remain), then the first 32 bytes (the HS_MAC key; AES uses the
 * first 16); DES / DESEDE: the first 8 / 24 bytes with each byte's low bit set to odd parity.
 * @param secret  crypto_dh_derive's output.
 * @param out     appended to; on error unchanged.
 * @return IDR_OK, IDR_EINVAL (unknown c, or the secret is shorter than the key) or
 *         IDR_ETOOBIG.
 */
int crypto_session_key_from_dh(enum crypto_cipher c, const uint8_t *secret, size_t len,
                               struct wbuf *out);

/* ------------------------------------------------------------------ public keys */

/** A public key, or a key pair (opaque). Immutable once built; free with crypto_key_free. */
struct crypto_key;

enum crypto_key_type {
	CRYPTO_KEY_RSA = 1,
	CRYPTO_KEY_DSA = 2,
	CRYPTO_KEY_SM2 = 3, /* EC key on the SM2 curve */
	CRYPTO_KEY_DH = 4   /* finite-field Diffie-Hellman (Handle sessions, key exchange 4) */
};

#define CRYPTO_KEY_MAX_FILE   65536 /* bytes read from a key file */
#define CRYPTO_KEY_MAX_INT    2049  /* bytes of one HS_PUBKEY integer (16384 bits + sign) */
#define CRYPTO_KEY_MAX_PEM    8192  /* bytes of the PEM text in an SM2_PUB_KEY */
#define CRYPTO_KEY_MAX_TYPE   64    /* bytes of the HS_PUBKEY key type string */
#define CRYPTO_DH_MIN_BITS    512   /* DH moduli accepted from a peer (Java's range) */
#define CRYPTO_DH_MAX_BITS    8192
#define CRYPTO_SM2_DEFAULT_ID "1234567812345678" /* GM/T 0009 default user id */

/**
 * Generate a key pair.
 * @param bits  RSA: 0 = 2048, else 1024 .. 16384. DH: 0 = 2048; 1024 (RFC 2409 group 2),
 *              1536 (RFC 3526), 2048, 3072, 4096, 6144, 8192 (RFC 7919 ffdhe groups). SM2 and
 *              DSA: ignored (DSA is 2048/256 bits).
 * @return IDR_OK (*out: caller frees with crypto_key_free), IDR_EINVAL (unsupported bits or
 *         type), IDR_ENOMEM or IDR_ECRYPTO.
 */
int crypto_key_generate(struct crypto_key **out, enum crypto_key_type type, unsigned bits);

/**
 * Read a PEM key file (at most CRYPTO_KEY_MAX_FILE bytes): a private key (PKCS#8, PKCS#1
 * "RSA PRIVATE KEY", SEC1 EC key, unencrypted) or a public key (SubjectPublicKeyInfo). Never
 * prompts for a passphrase.
 * @return IDR_OK (*out: caller frees); a negated errno when the file cannot be read
 *         (IDR_ENOENT, IDR_EACCES, ...); IDR_ELIMIT (file too large); IDR_EPROTO (no PEM key,
 *         or an encrypted one); IDR_EINVAL (a key of another type, e.g. EC on P-256);
 *         IDR_ENOMEM.
 */
int crypto_key_load(struct crypto_key **out, const char *path);

/** As crypto_key_load, from PEM text in memory (pem need not be NUL-terminated). */
int crypto_key_from_pem(struct crypto_key **out, const void *pem, size_t len);

/**
 * Write the private key as unencrypted PKCS#8 PEM to a new file created with mode 0600
 * (O_CREAT|O_EXCL|O_NOFOLLOW): an existing file (or symlink) is never touched. A file left
 * half-written by a failure is removed.
 * @return IDR_OK; IDR_EEXIST; IDR_EINVAL (k has no private part); another negated errno;
 *         IDR_ECRYPTO.
 */
int crypto_key_write_private(const struct crypto_key *k, const char *path);

/** Write the public part as SubjectPublicKeyInfo PEM to a new file, mode 0644, like above. */
int crypto_key_write_public(const struct crypto_key *k, const char *path);

/**
 * Append the HS_PUBKEY encoding of k's public part (ref/handle.md §4.4, Java
 * Util.getBytesFromPublicKey): UTF8 key type, int2 flags 0, then the fields, each a UTF8 byte
 * array holding a minimal two's-complement big-endian integer (a leading 0x00 when the top bit
 * is set, as BigInteger.toByteArray()): "RSA_PUB_KEY" e, n; "DSA_PUB_KEY" q, p, g, y;
 * "DH_PUB_KEY" y, p, g; "SM2_PUB_KEY" one UTF8 holding the SubjectPublicKeyInfo PEM text (IDIS).
 * @return IDR_OK, IDR_ETOOBIG (out full; out's length unchanged), IDR_ENOMEM or IDR_ECRYPTO.
 */
int crypto_key_hs_pubkey(const struct crypto_key *k, struct wbuf *out);

/**
 * Parse an HS_PUBKEY value (the four forms above). Integers are read as unsigned magnitudes
 * (Java: new BigInteger(1, bytes)); each must be non-zero and at most CRYPTO_KEY_MAX_INT bytes.
 * The flags are ignored (reserved). Nothing may follow the last field.
 * @return IDR_OK (*out: a public key, caller frees); IDR_EPROTO (truncated, a length past the
 *         end or past its limit, a zero integer, trailing bytes, SM2 PEM that is not an SM2
 *         public key, a key OpenSSL refuses); IDR_EINVAL (another key type, e.g. "SM9_PUB_KEY";
 *         a DH modulus outside CRYPTO_DH_MIN_BITS..CRYPTO_DH_MAX_BITS); IDR_ENOMEM.
 */
int crypto_key_from_hs_pubkey(struct crypto_key **out, const uint8_t *p, size_t len);

/** The key's type. */
enum crypto_key_type crypto_key_type(const struct crypto_key *k);

/** True if k holds a private key (it can sign / derive). */
bool crypto_key_has_private(const struct crypto_key *k);

/** Size of the key in bits (RSA/DH modulus, DSA p, SM2 256). */
unsigned crypto_key_bits(const struct crypto_key *k);

/** True if a and b have the same type and the same public key (and DH/DSA parameters). */
bool crypto_key_public_equal(const struct crypto_key *a, const struct crypto_key *b);

/** Free a key; accepts NULL. */
void crypto_key_free(struct crypto_key *k);

/**
 * Sign msg as Handle.Net's java.security.Signature does: RSA PKCS#1 v1.5 ("SHA256withRSA"),
 * DSA as DER SEQUENCE(r, s) ("SHA256withDSA"), SM2 as DER SEQUENCE(r, s) over SM3 with the
 * user id sm2_id (GM/T 0003: Z = SM3(ENTL || id || curve || key), then SM3(Z || msg)).
 * @param hash    CRYPTO_SHA1 or CRYPTO_SHA256 for RSA and DSA; CRYPTO_SM3 for SM2 (only).
 * @param sm2_id  SM2 user id (IDIS: the identity handle); len 0 means CRYPTO_SM2_DEFAULT_ID.
 *                Ignored for RSA and DSA.
 * @param sig     the signature is appended; on error its length is unchanged.
 * @return IDR_OK; IDR_EINVAL (no private key, a DH key, or the hash/key combination is not
 *         supported); IDR_ETOOBIG; IDR_ECRYPTO.
 */
int crypto_sign(const struct crypto_key *k, enum crypto_alg hash, struct slice sm2_id,
                const void *msg, size_t len, struct wbuf *sig);

/**
 * Verify a signature made as crypto_sign describes (k may be a public key or a pair).
 * @return IDR_OK (valid); IDR_EAUTH (it does not verify, including a malformed signature);
 *         IDR_EINVAL (DH key, or the hash/key combination is not supported); IDR_ENOMEM.
 */
int crypto_verify(const struct crypto_key *k, enum crypto_alg hash, struct slice sm2_id,
                  const void *msg, size_t len, const uint8_t *sig, size_t siglen);

/**
 * A new DH key pair with the group (p, g) of peer_dh, as the Handle server answers a session
 * setup with key exchange mode 4 (HandleServer.doSessionSetup).
 * @return IDR_OK (*out: caller frees); IDR_EINVAL (peer_dh is not DH, or its modulus is
 *         outside CRYPTO_DH_MIN_BITS..CRYPTO_DH_MAX_BITS); IDR_ENOMEM; IDR_ECRYPTO.
 */
int crypto_dh_keypair_like(struct crypto_key **out, const struct crypto_key *peer_dh);

/**
 * The DH shared secret g^(xy) mod p, exactly as Java's KeyAgreement.generateSecret() returns
 * it: big-endian, left-padded with zero bytes to the byte length of p.
 * @param mine    a DH key pair.
 * @param peer    the peer's DH public key, in the same group.
 * @param secret  appended to; on error unchanged.
 * @return IDR_OK; IDR_EINVAL (not DH keys, no private key in mine, different groups);
 *         IDR_EAUTH (the peer's public value is invalid: 0, 1, p-1, >= p); IDR_ETOOBIG;
 *         IDR_ENOMEM; IDR_ECRYPTO.
 */
int crypto_dh_derive(const struct crypto_key *mine, const struct crypto_key *peer,
                     struct wbuf *secret);

/**
 * Read a PEM key file and append the HS_PUBKEY encoding of its public part
 * (crypto_key_load + crypto_key_hs_pubkey).
 * @param out   receives the encoding; on error its length is unchanged.
 * @return IDR_OK; the errors of crypto_key_load; IDR_ETOOBIG (out is full); IDR_ECRYPTO.
 */
int crypto_hs_pubkey_file(const char *path, struct wbuf *out);

/**
 * RSA PKCS#1 v1.5 encryption (Java "RSA/ECB/PKCS1Padding"), the key transport of Handle
 * sessions in modes 1-3: encrypt with the public part of k, decrypt with its private part.
 * @param out  appended to.
 * @return IDR_OK; IDR_EINVAL (not RSA, or no private part to decrypt); IDR_EAUTH (decryption
 *         failed: wrong key or damaged input); IDR_ETOOBIG; IDR_ENOMEM; IDR_ECRYPTO (input
 *         too long for the key).
 */
int crypto_rsa_encrypt(const struct crypto_key *k, const void *in, size_t len,
                       struct wbuf *out) IDR_MUSTCHECK;
int crypto_rsa_decrypt(const struct crypto_key *k, const void *in, size_t len,
                       struct wbuf *out) IDR_MUSTCHECK;

#endif /* IDR_REGISTRY_BASE_CRYPTO_H */
