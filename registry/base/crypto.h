/*
 * crypto.h - hashes, randomness and public-key export over OpenSSL 3 (the only OpenSSL user
 * outside resolver/tls.c).
 * Thread-safe. Incremental contexts are heap objects owned by the caller.
 */
#ifndef IDR_REGISTRY_BASE_CRYPTO_H
#define IDR_REGISTRY_BASE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/wbuf.h"

#define CRYPTO_MD5_LEN    16
#define CRYPTO_SHA1_LEN   20
#define CRYPTO_SHA256_LEN 32
#define CRYPTO_MAX_LEN    64

enum crypto_alg {
	CRYPTO_MD5 = 1, /* numbering follows the Handle request-digest hash type byte */
	CRYPTO_SHA1 = 2,
	CRYPTO_SHA256 = 3
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
 * Read a PEM key file (a private key, PKCS#1 or PKCS#8 unencrypted, or a SubjectPublicKeyInfo
 * public key) and append the HS_PUBKEY encoding of its public part (ref/handle.md §4.4, Java
 * Util.getBytesFromPublicKey): UTF8 key type, int2 flags 0, then the key fields as UTF8 byte
 * arrays holding minimal two's-complement big-endian integers (a leading 0x00 when the top bit
 * is set, as Java's BigInteger.toByteArray()). Supported types: RSA ("RSA_PUB_KEY": exponent,
 * modulus) and DSA ("DSA_PUB_KEY": q, p, g, y). Encrypted keys are not supported (no prompt).
 * @param path  file name.
 * @param out   receives the encoding; on error its length is unchanged.
 * @return IDR_OK; a negated errno when the file cannot be opened (IDR_ENOENT, IDR_EACCES, ...);
 *         IDR_EPROTO (no PEM key in the file, or an encrypted one); IDR_EINVAL (a key type
 *         other than RSA or DSA, e.g. EC); IDR_ETOOBIG (out is full); IDR_ECRYPTO.
 */
int crypto_hs_pubkey_file(const char *path, struct wbuf *out);

/* (interim, replaced by the crypto branch) */
int crypto_memeq(const void *a, const void *b, size_t len);
int crypto_hmac(enum crypto_alg hash, const void *key, size_t klen, const void *msg, size_t mlen,
                uint8_t *out);
int crypto_pbkdf2_hmac_sha1(const void *pass, size_t plen, const void *salt, size_t slen,
                            unsigned iterations, uint8_t *out, size_t outlen);

#endif /* IDR_REGISTRY_BASE_CRYPTO_H */
