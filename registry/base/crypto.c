/* crypto.c - digests, MACs, randomness and session ciphers over OpenSSL's EVP interface (keys,
 * signatures and DH are in crypto_key.c). */
#include "base/crypto.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "base/text.h"

struct crypto_hash {
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
	int err; /* sticky: the first failure since the last final */
};

static const EVP_MD *
alg_md(enum crypto_alg alg)
{
	switch (alg) {
	case CRYPTO_MD5:
		return EVP_md5();
	case CRYPTO_SHA1:
		return EVP_sha1();
	case CRYPTO_SHA256:
		return EVP_sha256();
	case CRYPTO_SM3:
		return EVP_sm3();
	default:
		return NULL;
	}
}

size_t
crypto_hash_len(enum crypto_alg alg)
{
	switch (alg) {
	case CRYPTO_MD5:
		return CRYPTO_MD5_LEN;
	case CRYPTO_SHA1:
		return CRYPTO_SHA1_LEN;
	case CRYPTO_SHA256:
		return CRYPTO_SHA256_LEN;
	case CRYPTO_SM3:
		return CRYPTO_SM3_LEN;
	default:
		return 0;
	}
}

int
crypto_hash(enum crypto_alg alg, const void *p, size_t len, uint8_t *out)
{
	const EVP_MD *md = alg_md(alg);
	unsigned int n = 0;

	if (md == NULL) {
		return IDR_EINVAL;
	}
	if (EVP_Digest(p, len, out, &n, md, NULL) != 1) {
		return IDR_ECRYPTO;
	}
	return IDR_OK;
}

/*
 * SHA-256 is on the write hot path (two digests per journal entry). OpenSSL 3's one-shot
 * SHA256() looks the algorithm up under a lock on every call (~40% of its cost for a 600-byte
 * input), so the algorithm is fetched once and each thread reuses its own digest context,
 * freed by the key's destructor when the thread exits.
 */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static pthread_key_t sha256_key;
static EVP_MD *sha256_md;

static void
sha256_ctx_free(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

static bool sha256_ready;

static void
sha256_init_once(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	sha256_ready = sha256_md != NULL && pthread_key_create(&sha256_key, sha256_ctx_free) == 0;
}

int
crypto_sha256(const void *p, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
	EVP_MD_CTX *ctx;
	unsigned int n = 0;

	pthread_once(&sha256_once, sha256_init_once);
	if (!sha256_ready) {
		return IDR_ECRYPTO; /* no SHA-256 in this OpenSSL, or no key for the contexts */
	}
	ctx = pthread_getspecific(sha256_key);
	if (ctx == NULL) {
		ctx = EVP_MD_CTX_new();
		if (ctx == NULL) {
			return IDR_ENOMEM;
		}
		if (pthread_setspecific(sha256_key, ctx) != 0) {
			EVP_MD_CTX_free(ctx);
			return IDR_ENOMEM;
		}
	}
	if (EVP_DigestInit_ex2(ctx, sha256_md, NULL) != 1 || EVP_DigestUpdate(ctx, p, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &n) != 1) {
		ERR_clear_error();
		return IDR_ECRYPTO;
	}
	return IDR_OK;
}

int
crypto_hash_new(struct crypto_hash **out, enum crypto_alg alg)
{
	struct crypto_hash *h;

	*out = NULL;
	if (alg_md(alg) == NULL) {
		return IDR_EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		return IDR_ENOMEM;
	}
	h->md = alg_md(alg);
	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1) {
		crypto_hash_free(h);
		return IDR_ECRYPTO;
	}
	*out = h;
	return IDR_OK;
}

void
crypto_hash_update(struct crypto_hash *h, const void *p, size_t len)
{
	if (len > 0 && h->err == IDR_OK && EVP_DigestUpdate(h->ctx, p, len) != 1) {
		ERR_clear_error();
		h->err = IDR_ECRYPTO;
	}
}

int
crypto_hash_final(struct crypto_hash *h, uint8_t *out)
{
	unsigned int n = 0;
	int rc = h->err;

	if (rc == IDR_OK && EVP_DigestFinal_ex(h->ctx, out, &n) != 1) {
		rc = IDR_ECRYPTO;
	}
	h->err = EVP_DigestInit_ex(h->ctx, h->md, NULL) == 1 ? IDR_OK : IDR_ECRYPTO;
	if (rc != IDR_OK) {
		ERR_clear_error();
	}
	return rc;
}

void
crypto_hash_free(struct crypto_hash *h)
{
	if (h == NULL) {
		return;
	}
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

int
crypto_random(void *p, size_t len)
{
	if (len > (size_t)INT32_MAX || RAND_bytes(p, (int)len) != 1) {
		return IDR_ECRYPTO;
	}
	return IDR_OK;
}

void
crypto_hex(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

int
crypto_unhex(const char *hex, size_t hexlen, uint8_t *out, size_t outlen)
{
	size_t i;

	if (hexlen != 2 * outlen) {
		return IDR_EINVAL;
	}
	for (i = 0; i < outlen; i++) {
		int hi = text_hex_digit(hex[2 * i]), lo = text_hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			return IDR_EINVAL;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return IDR_OK;
}

static const struct {
	const char *name;
	enum crypto_alg alg;
} alg_names[] = {
        /* the first spelling of each is the one Handle.Net sends (Common.HASH_ALG_*) */
        {"MD5", CRYPTO_MD5},        {"SHA1", CRYPTO_SHA1},     {"SHA-1", CRYPTO_SHA1},
        {"SHA-256", CRYPTO_SHA256}, {"SHA256", CRYPTO_SHA256}, {"SM3", CRYPTO_SM3},
};

int
crypto_alg_from_name(struct slice name, enum crypto_alg *out)
{
	size_t i;

	for (i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
		if (slice_caseeq_cstr(name, alg_names[i].name)) {
			*out = alg_names[i].alg;
			return IDR_OK;
		}
	}
	return IDR_EINVAL;
}

const char *
crypto_alg_name(enum crypto_alg a)
{
	size_t i;

	for (i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
		if (alg_names[i].alg == a) {
			return alg_names[i].name;
		}
	}
	return "";
}

int
crypto_hmac(enum crypto_alg hash, const void *key, size_t klen, const void *msg, size_t mlen,
            uint8_t *out)
{
	static const uint8_t empty[1];
	const EVP_MD *md = alg_md(hash);
	unsigned int n = 0;

	if (md == NULL) {
		return IDR_EINVAL;
	}
	if (klen > INT32_MAX) {
		return IDR_EINVAL;
	}
	if (HMAC(md, klen > 0 ? key : empty, (int)klen, mlen > 0 ? msg : empty, mlen, out, &n) ==
	    NULL) {
		ERR_clear_error();
		return IDR_ECRYPTO;
	}
	return IDR_OK;
}

int
crypto_pbkdf2_hmac_sha1(const void *pass, size_t plen, const void *salt, size_t slen,
                        unsigned iterations, uint8_t *out, size_t outlen)
{
	static const uint8_t empty[1];

	if (iterations < 1 || iterations > 10000000 || outlen < 1 || outlen > 4096 ||
	    plen > INT32_MAX || slen > INT32_MAX) {
		return IDR_EINVAL;
	}
	if (PKCS5_PBKDF2_HMAC_SHA1(plen > 0 ? pass : (const void *)empty, (int)plen,
	                           slen > 0 ? salt : empty, (int)slen, (int)iterations, (int)outlen,
	                           out) != 1) {
		ERR_clear_error();
		return IDR_ECRYPTO;
	}
	return IDR_OK;
}

int
crypto_memeq(const void *a, const void *b, size_t len)
{
	return len == 0 || CRYPTO_memcmp(a, b, len) == 0;
}

size_t
crypto_cipher_key_len(enum crypto_cipher c)
{
	switch (c) {
	case CRYPTO_CIPHER_DES:
		return 8;
	case CRYPTO_CIPHER_DESEDE:
		return 24;
	case CRYPTO_CIPHER_AES:
		return 16;
	default:
		return 0;
	}
}

size_t
crypto_cipher_iv_len(enum crypto_cipher c)
{
	switch (c) {
	case CRYPTO_CIPHER_DES:
	case CRYPTO_CIPHER_DESEDE:
		return 8;
	case CRYPTO_CIPHER_AES:
		return 16;
	default:
		return 0;
	}
}

/*
 * The EVP cipher and its 16- or 24-byte key. Single DES lives in OpenSSL 3's legacy provider,
 * which a node should not need to load: DES with key K is triple DES (EDE) with K, K, K.
 */
static const EVP_CIPHER *
cipher_setup(enum crypto_cipher c, bool ecb, const uint8_t *key, size_t klen, uint8_t k[24])
{
	size_t n = crypto_cipher_key_len(c);

	if (n == 0 || klen < n) {
		return NULL;
	}
	switch (c) {
	case CRYPTO_CIPHER_DES:
		memcpy(k, key, 8);
		memcpy(k + 8, key, 8);
		memcpy(k + 16, key, 8);
		return ecb ? EVP_des_ede3_ecb() : EVP_des_ede3_cbc();
	case CRYPTO_CIPHER_DESEDE:
		memcpy(k, key, 24);
		return ecb ? EVP_des_ede3_ecb() : EVP_des_ede3_cbc();
	case CRYPTO_CIPHER_AES:
		memcpy(k, key, 16);
		return ecb ? EVP_aes_128_ecb() : EVP_aes_128_cbc();
	default:
		return NULL;
	}
}

/* Run the cipher over in[0..len) into out (which has room for len + one block). */
static int
cipher_run(const EVP_CIPHER *ciph, const uint8_t *k, const uint8_t *iv, int enc, const void *in,
           size_t len, uint8_t *out, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0, rc = IDR_ECRYPTO;

	if (ctx == NULL) {
		return IDR_ENOMEM;
	}
	if (EVP_CipherInit_ex(ctx, ciph, NULL, k, iv, enc) != 1) {
		goto done;
	}
	if (len > 0 && EVP_CipherUpdate(ctx, out, &n1, in, (int)len) != 1) {
		goto done;
	}
	if (EVP_CipherFinal_ex(ctx, out + n1, &n2) != 1) {
		rc = enc ? IDR_ECRYPTO : IDR_EAUTH; /* decrypting: the padding is wrong */
		goto done;
	}
	*outlen = (size_t)n1 + (size_t)n2;
	rc = IDR_OK;
done:
	EVP_CIPHER_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

int
crypto_cipher_encrypt(enum crypto_cipher c, bool ecb, const uint8_t *key, size_t klen,
                      const void *in, size_t len, struct wbuf *out)
{
	uint8_t k[24], iv[16];
	const EVP_CIPHER *ciph = cipher_setup(c, ecb, key, klen, k);
	size_t ivlen = ecb ? 0 : crypto_cipher_iv_len(c), block = crypto_cipher_iv_len(c), n = 0;
	size_t mark = out->len;
	int rc;

	if (ciph == NULL) {
		return IDR_EINVAL;
	}
	if (len > INT32_MAX - 64) {
		return IDR_ETOOBIG;
	}
	if (ivlen > 0 && crypto_random(iv, ivlen) != IDR_OK) {
		return IDR_ECRYPTO;
	}
	/* the IV, then the ciphertext: at most one block of padding */
	if (!wbuf_reserve(out, ivlen + len + block)) {
		return wbuf_error(out);
	}
	memcpy(out->p + out->len, iv, ivlen);
	rc = cipher_run(ciph, k, ivlen > 0 ? iv : NULL, 1, in, len, out->p + out->len + ivlen, &n);
	OPENSSL_cleanse(k, sizeof(k));
	if (rc != IDR_OK) {
		out->len = mark;
		return rc;
	}
	out->len += ivlen + n;
	return IDR_OK;
}

int
crypto_cipher_decrypt(enum crypto_cipher c, bool ecb, const uint8_t *key, size_t klen,
                      const void *in, size_t len, struct wbuf *out)
{
	uint8_t k[24];
	const EVP_CIPHER *ciph = cipher_setup(c, ecb, key, klen, k);
	size_t ivlen = ecb ? 0 : crypto_cipher_iv_len(c), block = crypto_cipher_iv_len(c), n = 0;
	const uint8_t *p = in;
	int rc;

	if (ciph == NULL) {
		return IDR_EINVAL;
	}
	if (len < ivlen + block || (len - ivlen) % block != 0) {
		OPENSSL_cleanse(k, sizeof(k));
		return IDR_EPROTO;
	}
	if (len > INT32_MAX) {
		OPENSSL_cleanse(k, sizeof(k));
		return IDR_ETOOBIG;
	}
	if (!wbuf_reserve(out, len - ivlen + block)) {
		OPENSSL_cleanse(k, sizeof(k));
		return wbuf_error(out);
	}
	rc = cipher_run(ciph, k, ivlen > 0 ? p : NULL, 0, p + ivlen, len - ivlen, out->p + out->len,
	                &n);
	OPENSSL_cleanse(k, sizeof(k));
	if (rc == IDR_OK) {
		out->len += n;
	}
	return rc;
}

int
crypto_session_key_from_dh(enum crypto_cipher c, const uint8_t *secret, size_t len,
                           struct wbuf *out)
{
	size_t i = 0, n;

	switch (c) {
	case CRYPTO_CIPHER_AES:
		/* GenericProvider.stripLeadingZerosAndTruncate(secret, 32) */
		n = 32;
		while (i + n < len && secret[i] == 0) {
			i++;
		}
		break;
	case CRYPTO_CIPHER_DES:
	case CRYPTO_CIPHER_DESEDE:
		n = crypto_cipher_key_len(c);
		break;
	default:
		return IDR_EINVAL;
	}
	if (len - i < n) {
		return IDR_EINVAL;
	}
	if (!wbuf_reserve(out, n)) {
		return wbuf_error(out);
	}
	memcpy(out->p + out->len, secret + i, n);
	if (c != CRYPTO_CIPHER_AES) {
		/* GenericProvider.generateSecretWithAlgorithm: odd parity in the low bit */
		for (i = 0; i < n; i++) {
			uint8_t b = out->p[out->len + i] & 0xfe;

			out->p[out->len + i] = (uint8_t)(b | ((__builtin_popcount(b) & 1) ^ 1));
		}
	}
	out->len += n;
	return IDR_OK;
}
