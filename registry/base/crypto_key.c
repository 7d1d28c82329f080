/*
 * crypto_key.c - public keys (RSA, DSA, SM2, DH) over OpenSSL 3's EVP_PKEY: PEM files, the
 * Handle HS_PUBKEY encoding, signatures as Java's java.security.Signature makes them, and
 * Diffie-Hellman as Java's KeyAgreement. Declared in base/crypto.h.
 */
#include "base/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "base/rbuf.h"

struct crypto_key {
	EVP_PKEY *pkey;
	enum crypto_key_type type;
	bool priv;
};

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

static int
pkey_type(const EVP_PKEY *k, enum crypto_key_type *type)
{
	/* SM2 first: OpenSSL 3 may also answer "EC" for a key on the SM2 curve */
	if (EVP_PKEY_is_a(k, "SM2")) {
		*type = CRYPTO_KEY_SM2;
	} else if (EVP_PKEY_is_a(k, "RSA")) {
		*type = CRYPTO_KEY_RSA;
	} else if (EVP_PKEY_is_a(k, "DSA")) {
		*type = CRYPTO_KEY_DSA;
	} else if (EVP_PKEY_is_a(k, "DH")) {
		*type = CRYPTO_KEY_DH;
	} else if (EVP_PKEY_is_a(k, "EC")) {
		char group[32];

		if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group,
		                                   sizeof(group), NULL) != 1 ||
		    strcmp(group, "SM2") != 0) {
			return IDR_EINVAL;
		}
		*type = CRYPTO_KEY_SM2;
	} else {
		return IDR_EINVAL;
	}
	return IDR_OK;
}

/* Wrap pkey (taken over, freed on error). */
static int
key_wrap(struct crypto_key **out, EVP_PKEY *pkey, bool priv)
{
	struct crypto_key *k;
	enum crypto_key_type type;
	int rc = pkey_type(pkey, &type);

	if (rc != IDR_OK) {
		EVP_PKEY_free(pkey);
		return rc;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		EVP_PKEY_free(pkey);
		return IDR_ENOMEM;
	}
	k->pkey = pkey;
	k->type = type;
	k->priv = priv;
	*out = k;
	return IDR_OK;
}

void
crypto_key_free(struct crypto_key *k)
{
	if (k == NULL) {
		return;
	}
	EVP_PKEY_free(k->pkey);
	free(k);
}

enum crypto_key_type
crypto_key_type(const struct crypto_key *k)
{
	return k->type;
}

bool
crypto_key_has_private(const struct crypto_key *k)
{
	return k->priv;
}

unsigned
crypto_key_bits(const struct crypto_key *k)
{
	int n = EVP_PKEY_get_bits(k->pkey);

	return n > 0 ? (unsigned)n : 0;
}

bool
crypto_key_public_equal(const struct crypto_key *a, const struct crypto_key *b)
{
	int eq;

	if (a->type != b->type) {
		return false;
	}
	eq = EVP_PKEY_eq(a->pkey, b->pkey);
	ERR_clear_error();
	return eq == 1;
}

/* ------------------------------------------------------------------ generation */

static EVP_PKEY *
gen_rsa(unsigned bits)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *k = NULL;

	if (ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) == 1) {
		(void)EVP_PKEY_generate(ctx, &k);
	}
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* A key pair from a parameter template (DSA and DH). */
static EVP_PKEY *
gen_from_params(EVP_PKEY *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
	EVP_PKEY *k = NULL;

	if (ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1) {
		(void)EVP_PKEY_generate(ctx, &k);
	}
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* A key pair of a type that takes its parameters from settable keygen params. */
static EVP_PKEY *
gen_named(const char *type, const OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *k = NULL;

	if (ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1 &&
	    (params == NULL || EVP_PKEY_CTX_set_params(ctx, params) == 1)) {
		(void)EVP_PKEY_generate(ctx, &k);
	}
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static EVP_PKEY *
gen_dsa(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
	EVP_PKEY *params = NULL, *k = NULL;

	if (ctx != NULL && EVP_PKEY_paramgen_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_dsa_paramgen_bits(ctx, 2048) == 1 &&
	    EVP_PKEY_CTX_set_dsa_paramgen_q_bits(ctx, 256) == 1 &&
	    EVP_PKEY_paramgen(ctx, &params) == 1) {
		k = gen_from_params(params);
	}
	EVP_PKEY_free(params);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* A DH key from p and g (taken over), as the peer's group or a fixed group. */
static EVP_PKEY *
dh_from_pg(BIGNUM *p, BIGNUM *g, const BIGNUM *pub)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;

	if (bld == NULL || p == NULL || g == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) != 1 ||
	    (pub != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub) != 1)) {
		goto done;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, pub != NULL ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEY_PARAMETERS,
	                      params) != 1) {
		k = NULL;
	}
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(g);
	return k;
}

static EVP_PKEY *
gen_dh(unsigned bits)
{
	static const struct {
		unsigned bits;
		const char *group;
	} groups[] = {
	        {1536, "modp_1536"}, {2048, "ffdhe2048"}, {3072, "ffdhe3072"},
	        {4096, "ffdhe4096"}, {6144, "ffdhe6144"}, {8192, "ffdhe8192"},
	};
	EVP_PKEY *params, *k;
	size_t i;

	if (bits == 1024) {
		/* RFC 2409 group 2: what 1024-bit Java peers commonly use; no named group in 3.0 */
		BIGNUM *g = BN_new();

		if (g != NULL && BN_set_word(g, 2) != 1) {
			BN_free(g);
			g = NULL;
		}
		params = dh_from_pg(BN_get_rfc2409_prime_1024(NULL), g, NULL);
		k = params != NULL ? gen_from_params(params) : NULL;
		EVP_PKEY_free(params);
		return k;
	}
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (groups[i].bits == bits) {
			OSSL_PARAM p[2];

			p[0] = OSSL_PARAM_construct_utf8_string(
			        OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)groups[i].group, 0);
			p[1] = OSSL_PARAM_construct_end();
			return gen_named("DH", p);
		}
	}
	return NULL;
}

static bool
dh_bits_ok(unsigned bits)
{
	static const unsigned ok[] = {1024, 1536, 2048, 3072, 4096, 6144, 8192};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (ok[i] == bits) {
			return true;
		}
	}
	return false;
}

int
crypto_key_generate(struct crypto_key **out, enum crypto_key_type type, unsigned bits)
{
	EVP_PKEY *k;

	*out = NULL;
	switch (type) {
	case CRYPTO_KEY_RSA:
		bits = bits == 0 ? 2048 : bits;
		if (bits < 1024 || bits > 16384) {
			return IDR_EINVAL;
		}
		k = gen_rsa(bits);
		break;
	case CRYPTO_KEY_DSA:
		k = gen_dsa();
		break;
	case CRYPTO_KEY_SM2:
		k = gen_named("SM2", NULL);
		break;
	case CRYPTO_KEY_DH:
		bits = bits == 0 ? 2048 : bits;
		if (!dh_bits_ok(bits)) {
			return IDR_EINVAL;
		}
		k = gen_dh(bits);
		break;
	default:
		return IDR_EINVAL;
	}
	ERR_clear_error();
	if (k == NULL) {
		return IDR_ECRYPTO;
	}
	return key_wrap(out, k, true);
}

/* ------------------------------------------------------------------ PEM files */

int
crypto_key_from_pem(struct crypto_key **out, const void *pem, size_t len)
{
	BIO *bio;
	EVP_PKEY *k;
	bool priv = true;

	*out = NULL;
	if (len > INT32_MAX) {
		return IDR_ELIMIT;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL) {
		return IDR_ENOMEM;
	}
	k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	if (k == NULL) {
		priv = false;
		(void)BIO_reset(bio);
		k = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	}
	BIO_free(bio);
	ERR_clear_error(); /* the failed first attempt leaves entries behind */
	if (k == NULL) {
		return IDR_EPROTO;
	}
	return key_wrap(out, k, priv);
}

int
crypto_key_load(struct crypto_key **out, const char *path)
{
	int fd, rc, err;
	uint8_t *buf;
	size_t len = 0;
	ssize_t n;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return err != 0 ? -err : IDR_EIO;
	}
	buf = malloc(CRYPTO_KEY_MAX_FILE + 1);
	if (buf == NULL) {
		close(fd);
		return IDR_ENOMEM;
	}
	/* one byte more than the limit, to tell "exactly at the limit" from "too large" */
	while (len <= CRYPTO_KEY_MAX_FILE) {
		n = read(fd, buf + len, CRYPTO_KEY_MAX_FILE + 1 - len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		len += (size_t)n;
	}
	err = n < 0 ? errno : 0;
	close(fd);
	if (err != 0) {
		rc = -err;
	} else if (len > CRYPTO_KEY_MAX_FILE) {
		rc = IDR_ELIMIT;
	} else {
		rc = crypto_key_from_pem(out, buf, len);
	}
	OPENSSL_cleanse(buf, len);
	free(buf);
	return rc;
}

/* Write bytes to a new file; remove it if anything fails. */
static int
file_create(const char *path, mode_t mode, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	size_t off = 0;
	int err = 0;

	if (fd < 0) {
		err = errno;
		return err != 0 ? -err : IDR_EIO;
	}
	/* the umask may only have taken bits away; the mode is exactly what was asked for */
	if (fchmod(fd, mode) != 0) {
		err = errno;
	}
	while (err == 0 && off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	if (err == 0 && fsync(fd) != 0) {
		err = errno;
	}
	if (close(fd) != 0 && err == 0) {
		err = errno;
	}
	if (err != 0) {
		unlink(path);
		return -err;
	}
	return IDR_OK;
}

/* PEM of the key (private or public) into memory, then into a new file. */
static int
pem_write(const struct crypto_key *k, bool priv, const char *path, mode_t mode)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL;
	long len;
	int ok, rc;

	if (bio == NULL) {
		return IDR_ENOMEM;
	}
	ok = priv ? PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL)
	          : PEM_write_bio_PUBKEY(bio, k->pkey);
	len = BIO_get_mem_data(bio, &data);
	if (ok != 1 || len <= 0) {
		rc = IDR_ECRYPTO;
	} else {
		rc = file_create(path, mode, data, (size_t)len);
	}
	if (priv && len > 0) {
		OPENSSL_cleanse(data, (size_t)len);
	}
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

int
crypto_key_write_private(const struct crypto_key *k, const char *path)
{
	if (!k->priv) {
		return IDR_EINVAL;
	}
	return pem_write(k, true, path, 0600);
}

int
crypto_key_write_public(const struct crypto_key *k, const char *path)
{
	return pem_write(k, false, path, 0644);
}

/* ------------------------------------------------------------------ HS_PUBKEY */

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
put_sm2(struct wbuf *w, const EVP_PKEY *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long len;
	int rc = IDR_ECRYPTO;

	if (bio == NULL) {
		return IDR_ENOMEM;
	}
	if (PEM_write_bio_PUBKEY(bio, k) == 1) {
		len = BIO_get_mem_data(bio, &pem);
		if (len > 0) {
			wbuf_str(w, pem, (size_t)len);
			rc = IDR_OK;
		}
	}
	BIO_free(bio);
	return rc;
}

static const char *const rsa_fields[] = {OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_N, NULL};
static const char *const dsa_fields[] = {OSSL_PKEY_PARAM_FFC_Q, OSSL_PKEY_PARAM_FFC_P,
                                         OSSL_PKEY_PARAM_FFC_G, OSSL_PKEY_PARAM_PUB_KEY, NULL};
static const char *const dh_fields[] = {OSSL_PKEY_PARAM_PUB_KEY, OSSL_PKEY_PARAM_FFC_P,
                                        OSSL_PKEY_PARAM_FFC_G, NULL};

static const struct {
	enum crypto_key_type type;
	const char *name;
	const char *const *fields; /* NULL: SM2, one PEM string */
} hs_types[] = {
        {CRYPTO_KEY_RSA, "RSA_PUB_KEY", rsa_fields},
        {CRYPTO_KEY_DSA, "DSA_PUB_KEY", dsa_fields},
        {CRYPTO_KEY_DH, "DH_PUB_KEY", dh_fields},
        {CRYPTO_KEY_SM2, "SM2_PUB_KEY", NULL},
};

#define HS_NTYPES (sizeof(hs_types) / sizeof(hs_types[0]))

int
crypto_key_hs_pubkey(const struct crypto_key *k, struct wbuf *out)
{
	size_t mark = out->len, t, i;
	int rc = wbuf_error(out);

	for (t = 0; t < HS_NTYPES && hs_types[t].type != k->type; t++) {
	}
	if (rc != IDR_OK || t == HS_NTYPES) {
		return rc != IDR_OK ? rc : IDR_EINVAL;
	}
	wbuf_str(out, hs_types[t].name, strlen(hs_types[t].name));
	wbuf_u16(out, 0); /* flags, reserved */
	if (hs_types[t].fields == NULL) {
		rc = put_sm2(out, k->pkey);
	}
	for (i = 0; rc == IDR_OK && hs_types[t].fields != NULL && hs_types[t].fields[i] != NULL;
	     i++) {
		rc = put_bn(out, k->pkey, hs_types[t].fields[i]);
	}
	ERR_clear_error();
	if (rc == IDR_OK) {
		rc = wbuf_error(out);
	}
	if (rc != IDR_OK) {
		out->len = mark; /* a half-written key is never left behind */
	}
	return rc;
}

int
crypto_hs_pubkey_file(const char *path, struct wbuf *out)
{
	struct crypto_key *k = NULL;
	int rc = crypto_key_load(&k, path);

	if (rc != IDR_OK) {
		return rc;
	}
	rc = crypto_key_hs_pubkey(k, out);
	crypto_key_free(k);
	return rc;
}

/* Read n integers (UTF8 byte arrays, unsigned magnitudes, non-zero). */
static int
read_bns(struct rbuf *r, BIGNUM **bn, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct slice s = rbuf_str(r, CRYPTO_KEY_MAX_INT);

		if (rbuf_error(r) != IDR_OK) {
			return IDR_EPROTO; /* truncated, or a length past its limit */
		}
		bn[i] = BN_bin2bn(s.p != NULL ? s.p : (const uint8_t *)"", (int)s.len, NULL);
		if (bn[i] == NULL) {
			return IDR_ENOMEM;
		}
		if (BN_is_zero(bn[i])) {
			return IDR_EPROTO;
		}
	}
	return rbuf_left(r) == 0 ? IDR_OK : IDR_EPROTO;
}

/* Build a public key of type name ("RSA", "DSA", "DH") from n (param, BIGNUM) pairs. */
static int
pub_fromdata(EVP_PKEY **out, const char *name, const char *const *fields, BIGNUM **bn)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int rc = IDR_ENOMEM;
	size_t i;

	*out = NULL;
	if (bld == NULL) {
		return IDR_ENOMEM;
	}
	for (i = 0; fields[i] != NULL; i++) {
		if (OSSL_PARAM_BLD_push_BN(bld, fields[i], bn[i]) != 1) {
			goto done;
		}
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL);
	if (params == NULL || ctx == NULL) {
		goto done;
	}
	rc = IDR_EPROTO;
	if (EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) == 1) {
		rc = IDR_OK;
	}
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

static int
parse_ints(struct rbuf *r, size_t t, EVP_PKEY **pk)
{
	static const char *const names[] = {"RSA", "DSA", "DH"};
	const char *const *fields = hs_types[t].fields;
	BIGNUM *bn[4] = {NULL, NULL, NULL, NULL};
	size_t n = 0, i;
	int rc;

	while (fields[n] != NULL) {
		n++;
	}
	rc = read_bns(r, bn, n);
	if (rc == IDR_OK && hs_types[t].type == CRYPTO_KEY_DH) {
		int bits = BN_num_bits(bn[1]);

		if (bits < CRYPTO_DH_MIN_BITS || bits > CRYPTO_DH_MAX_BITS) {
			rc = IDR_EINVAL;
		}
	}
	if (rc == IDR_OK && hs_types[t].type == CRYPTO_KEY_RSA && BN_num_bits(bn[1]) > 16384) {
		rc = IDR_EPROTO;
	}
	if (rc == IDR_OK) {
		rc = pub_fromdata(pk, names[t], fields, bn);
	}
	for (i = 0; i < n; i++) {
		BN_free(bn[i]);
	}
	return rc;
}

static int
parse_sm2(struct rbuf *r, EVP_PKEY **pk)
{
	struct slice pem = rbuf_str(r, CRYPTO_KEY_MAX_PEM);
	enum crypto_key_type type;
	BIO *bio;

	*pk = NULL;
	if (rbuf_error(r) != IDR_OK || rbuf_left(r) != 0 || pem.len == 0) {
		return IDR_EPROTO;
	}
	bio = BIO_new_mem_buf(pem.p, (int)pem.len);
	if (bio == NULL) {
		return IDR_ENOMEM;
	}
	*pk = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (*pk == NULL || pkey_type(*pk, &type) != IDR_OK || type != CRYPTO_KEY_SM2) {
		EVP_PKEY_free(*pk);
		*pk = NULL;
		return IDR_EPROTO;
	}
	return IDR_OK;
}

int
crypto_key_from_hs_pubkey(struct crypto_key **out, const uint8_t *p, size_t len)
{
	struct rbuf r;
	struct slice name;
	EVP_PKEY *pk = NULL;
	size_t t;
	int rc;

	*out = NULL;
	rbuf_init(&r, p, len);
	name = rbuf_str(&r, CRYPTO_KEY_MAX_TYPE);
	(void)rbuf_u16(&r); /* flags, reserved */
	if (rbuf_error(&r) != IDR_OK) {
		return IDR_EPROTO;
	}
	for (t = 0; t < HS_NTYPES; t++) {
		if (slice_eq(name, slice_cstr(hs_types[t].name))) {
			break;
		}
	}
	if (t == HS_NTYPES) {
		return IDR_EINVAL;
	}
	rc = hs_types[t].fields == NULL ? parse_sm2(&r, &pk) : parse_ints(&r, t, &pk);
	ERR_clear_error();
	if (rc != IDR_OK) {
		return rc;
	}
	return key_wrap(out, pk, false);
}

/* ------------------------------------------------------------------ signatures */

static const EVP_MD *
sign_md(const struct crypto_key *k, enum crypto_alg hash)
{
	switch (k->type) {
	case CRYPTO_KEY_RSA:
	case CRYPTO_KEY_DSA:
		if (hash == CRYPTO_SHA1) {
			return EVP_sha1();
		}
		return hash == CRYPTO_SHA256 ? EVP_sha256() : NULL;
	case CRYPTO_KEY_SM2:
		return hash == CRYPTO_SM3 ? EVP_sm3() : NULL;
	default:
		return NULL;
	}
}

/*
 * A digest-sign or digest-verify context for k, with the SM2 user id set. OpenSSL 3.0 takes
 * the id only after the init (passed to the init it fails); the Z digest is computed later,
 * at the first update.
 */
static EVP_MD_CTX *
sig_ctx(const struct crypto_key *k, const EVP_MD *md, struct slice sm2_id, bool sign)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	OSSL_PARAM params[2];
	int ok;

	if (ctx == NULL) {
		return NULL;
	}
	ok = sign ? EVP_DigestSignInit_ex(ctx, &pctx, EVP_MD_get0_name(md), NULL, NULL, k->pkey,
	                                  NULL)
	          : EVP_DigestVerifyInit_ex(ctx, &pctx, EVP_MD_get0_name(md), NULL, NULL, k->pkey,
	                                    NULL);
	if (ok == 1 && k->type == CRYPTO_KEY_SM2) {
		if (sm2_id.len == 0) {
			sm2_id = SLICE_LIT(CRYPTO_SM2_DEFAULT_ID);
		}
		params[0] = OSSL_PARAM_construct_octet_string(
		        OSSL_PKEY_PARAM_DIST_ID, (void *)(uintptr_t)sm2_id.p, sm2_id.len);
		params[1] = OSSL_PARAM_construct_end();
		ok = EVP_PKEY_CTX_set_params(pctx, params);
	}
	if (ok != 1) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int
crypto_sign(const struct crypto_key *k, enum crypto_alg hash, struct slice sm2_id, const void *msg,
            size_t len, struct wbuf *sig)
{
	const EVP_MD *md = sign_md(k, hash);
	EVP_MD_CTX *ctx;
	size_t n = 0;
	int rc = IDR_ECRYPTO;

	if (md == NULL || !k->priv) {
		return IDR_EINVAL;
	}
	ctx = sig_ctx(k, md, sm2_id, true);
	if (ctx == NULL) {
		ERR_clear_error();
		return IDR_ECRYPTO;
	}
	/* the size first (an upper bound for DSA and SM2), then the signature itself */
	if (EVP_DigestSign(ctx, NULL, &n, msg, len) == 1) {
		if (!wbuf_reserve(sig, n)) {
			rc = wbuf_error(sig);
		} else if (EVP_DigestSign(ctx, sig->p + sig->len, &n, msg, len) == 1) {
			sig->len += n;
			rc = IDR_OK;
		}
	}
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

int
crypto_verify(const struct crypto_key *k, enum crypto_alg hash, struct slice sm2_id,
              const void *msg, size_t len, const uint8_t *sig, size_t siglen)
{
	const EVP_MD *md = sign_md(k, hash);
	EVP_MD_CTX *ctx;
	int ok;

	if (md == NULL) {
		return IDR_EINVAL;
	}
	ctx = sig_ctx(k, md, sm2_id, false);
	if (ctx == NULL) {
		ERR_clear_error();
		return IDR_ENOMEM;
	}
	ok = EVP_DigestVerify(ctx, siglen > 0 ? sig : (const uint8_t *)"", siglen, msg, len);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok == 1 ? IDR_OK : IDR_EAUTH;
}

/* ------------------------------------------------------------------ RSA key transport */

/* One EVP_PKEY_encrypt / _decrypt with RSA PKCS#1 v1.5 padding into out. */
static int
rsa_crypt(const struct crypto_key *k, bool enc, const uint8_t *in, size_t len, struct wbuf *out)
{
	EVP_PKEY_CTX *ctx;
	size_t n = 0;
	int rc = IDR_ECRYPTO;

	if (k->type != CRYPTO_KEY_RSA || (!enc && !k->priv)) {
		return IDR_EINVAL;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
	if (ctx == NULL) {
		ERR_clear_error();
		return IDR_ENOMEM;
	}
	if ((enc ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
	    (enc ? EVP_PKEY_encrypt(ctx, NULL, &n, in, len)
	         : EVP_PKEY_decrypt(ctx, NULL, &n, in, len)) == 1) {
		uint8_t *p = wbuf_reserve(out, n) ? out->p + out->len : NULL;

		rc = IDR_ETOOBIG;
		if (p != NULL) {
			rc = (enc ? EVP_PKEY_encrypt(ctx, p, &n, in, len)
			          : EVP_PKEY_decrypt(ctx, p, &n, in, len)) == 1
			             ? IDR_OK
			             : (enc ? IDR_ECRYPTO : IDR_EAUTH);
			if (rc == IDR_OK) {
				out->len += n;
			}
		}
	} else if (!enc) {
		rc = IDR_EAUTH;
	}
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

int
crypto_rsa_encrypt(const struct crypto_key *k, const void *in, size_t len, struct wbuf *out)
{
	return rsa_crypt(k, true, in, len, out);
}

int
crypto_rsa_decrypt(const struct crypto_key *k, const void *in, size_t len, struct wbuf *out)
{
	return rsa_crypt(k, false, in, len, out);
}

/* ------------------------------------------------------------------ Diffie-Hellman */

int
crypto_dh_keypair_like(struct crypto_key **out, const struct crypto_key *peer_dh)
{
	BIGNUM *p = NULL, *g = NULL;
	EVP_PKEY *params, *k = NULL;
	int bits;

	*out = NULL;
	if (peer_dh->type != CRYPTO_KEY_DH) {
		return IDR_EINVAL;
	}
	bits = EVP_PKEY_get_bits(peer_dh->pkey);
	if (bits < CRYPTO_DH_MIN_BITS || bits > CRYPTO_DH_MAX_BITS) {
		return IDR_EINVAL;
	}
	/* only p and g: the peer's public value must not become part of the template */
	if (EVP_PKEY_get_bn_param(peer_dh->pkey, OSSL_PKEY_PARAM_FFC_P, &p) != 1 ||
	    EVP_PKEY_get_bn_param(peer_dh->pkey, OSSL_PKEY_PARAM_FFC_G, &g) != 1) {
		BN_free(p);
		BN_free(g);
		ERR_clear_error();
		return IDR_ECRYPTO;
	}
	params = dh_from_pg(p, g, NULL);
	if (params != NULL) {
		k = gen_from_params(params);
		EVP_PKEY_free(params);
	}
	ERR_clear_error();
	if (k == NULL) {
		return IDR_ECRYPTO;
	}
	return key_wrap(out, k, true);
}

/* Same p and g (q is not compared: OpenSSL knows it for named groups only). */
static bool
dh_same_group(const struct crypto_key *a, const struct crypto_key *b)
{
	static const char *const names[] = {OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_G};
	bool same = true;
	size_t i;

	for (i = 0; i < 2 && same; i++) {
		BIGNUM *x = NULL, *y = NULL;

		same = EVP_PKEY_get_bn_param(a->pkey, names[i], &x) == 1 &&
		       EVP_PKEY_get_bn_param(b->pkey, names[i], &y) == 1 && BN_cmp(x, y) == 0;
		BN_free(x);
		BN_free(y);
	}
	ERR_clear_error();
	return same;
}

int
crypto_dh_derive(const struct crypto_key *mine, const struct crypto_key *peer, struct wbuf *secret)
{
	EVP_PKEY_CTX *ctx;
	size_t n = 0;
	int rc = IDR_EAUTH;

	if (mine->type != CRYPTO_KEY_DH || peer->type != CRYPTO_KEY_DH || !mine->priv) {
		return IDR_EINVAL;
	}
	if (!dh_same_group(mine, peer)) {
		return IDR_EINVAL;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine->pkey, NULL);
	if (ctx == NULL) {
		return IDR_ENOMEM;
	}
	/* padded to the size of p, as Java's KeyAgreement.generateSecret() */
	if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_CTX_set_dh_pad(ctx, 1) != 1) {
		rc = IDR_ECRYPTO;
	} else if (EVP_PKEY_derive_set_peer(ctx, peer->pkey) != 1) {
		rc = IDR_EAUTH; /* OpenSSL checks the peer's public value here */
	} else if (EVP_PKEY_derive(ctx, NULL, &n) != 1) {
		rc = IDR_ECRYPTO;
	} else if (!wbuf_reserve(secret, n)) {
		rc = wbuf_error(secret);
	} else if (EVP_PKEY_derive(ctx, secret->p + secret->len, &n) == 1) {
		secret->len += n;
		rc = IDR_OK;
	} else {
		rc = IDR_EAUTH;
	}
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}
