/* crypto.c - digests, randomness and HS_PUBKEY export over OpenSSL's EVP interface. */
#include "base/crypto.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
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

/* Never prompt for a passphrase: an encrypted key fails to load instead. */
static int
no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

/* A private key, else a public key, from a PEM file. */
static int
pem_load(const char *path, EVP_PKEY **out)
{
	FILE *f = fopen(path, "r");
	int err;

	if (f == NULL) {
		err = errno;
		return err != 0 ? -err : IDR_EIO;
	}
	*out = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	if (*out == NULL) {
		rewind(f);
		*out = PEM_read_PUBKEY(f, NULL, no_passphrase, NULL);
	}
	fclose(f);
	ERR_clear_error(); /* the failed first attempt leaves entries behind */
	return *out != NULL ? IDR_OK : IDR_EPROTO;
}

/* Java BigInteger.toByteArray() of a non-negative number, as a UTF8-String byte array. */
static int
put_bn(struct wbuf *w, const EVP_PKEY *k, const char *param)
{
	uint8_t *buf;
	BIGNUM *bn = NULL;
	int n, skip;

	if (EVP_PKEY_get_bn_param(k, param, &bn) != 1) {
		return IDR_ECRYPTO;
	}
	n = BN_num_bytes(bn);
	buf = malloc((size_t)n + 1);
	if (buf == NULL) {
		BN_free(bn);
		return IDR_ENOMEM;
	}
	buf[0] = 0;
	BN_bn2bin(bn, buf + 1);
	/* keep the 0x00 when the top bit is set (or the number is 0): a positive two's complement
	 */
	skip = n > 0 && (buf[1] & 0x80) == 0;
	wbuf_str(w, buf + skip, (size_t)(n + 1 - skip));
	free(buf);
	BN_free(bn);
	return IDR_OK;
}

static int
put_key(struct wbuf *w, const EVP_PKEY *k)
{
	static const char *const rsa[] = {OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_N};
	static const char *const dsa[] = {OSSL_PKEY_PARAM_FFC_Q, OSSL_PKEY_PARAM_FFC_P,
	                                  OSSL_PKEY_PARAM_FFC_G, OSSL_PKEY_PARAM_PUB_KEY};
	const char *const *fields;
	size_t i, n;
	int rc;

	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		wbuf_str(w, "RSA_PUB_KEY", 11);
		fields = rsa;
		n = sizeof(rsa) / sizeof(rsa[0]);
		break;
	case EVP_PKEY_DSA:
		wbuf_str(w, "DSA_PUB_KEY", 11);
		fields = dsa;
		n = sizeof(dsa) / sizeof(dsa[0]);
		break;
	default:
		return IDR_EINVAL;
	}
	wbuf_u16(w, 0); /* flags, reserved */
	for (i = 0; i < n; i++) {
		rc = put_bn(w, k, fields[i]);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return wbuf_error(w);
}

int
crypto_hs_pubkey_file(const char *path, struct wbuf *out)
{
	size_t mark = out->len;
	EVP_PKEY *k = NULL;
	int rc;

	rc = pem_load(path, &k);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = wbuf_error(out) != IDR_OK ? wbuf_error(out) : put_key(out, k);
	EVP_PKEY_free(k);
	ERR_clear_error();
	if (rc != IDR_OK) {
		out->len = mark; /* a half-written key is never left behind */
	}
	return rc;
}

/* (interim, replaced by the crypto branch) */
int
crypto_memeq(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

int
crypto_hmac(enum crypto_alg hash, const void *key, size_t klen, const void *msg, size_t mlen,
            uint8_t *out)
{
	const EVP_MD *md = hash == CRYPTO_SHA1 ? EVP_sha1() : hash == CRYPTO_SHA256 ? EVP_sha256() : NULL;
	unsigned int n = 0;

	if (md == NULL) {
		return IDR_EINVAL;
	}
	return HMAC(md, key, (int)klen, msg, mlen, out, &n) != NULL ? IDR_OK : IDR_ECRYPTO;
}

int
crypto_pbkdf2_hmac_sha1(const void *pass, size_t plen, const void *salt, size_t slen,
                        unsigned iterations, uint8_t *out, size_t outlen)
{
	return PKCS5_PBKDF2_HMAC(pass, (int)plen, salt, (int)slen, (int)iterations, EVP_sha1(),
	                         (int)outlen, out) == 1
	           ? IDR_OK
	           : IDR_ECRYPTO;
}
