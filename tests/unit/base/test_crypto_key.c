/*
 * test_crypto_key.c - public keys: generation, PEM files (modes, O_EXCL), HS_PUBKEY encoding and
 * its parser (every truncation point, over-long lengths, trailing bytes, unknown types),
 * signatures (round trips, flipped bits, fixtures made by the openssl command line and ours
 * checked by it), Diffie-Hellman agreement.
 */
#include "base/crypto.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static const char msg[] = "Handle.Net signed message";

static const char *
key_path(const char *name)
{
	static char path[4096];
	const char *data = getenv("IDR_TEST_DATA");

	assert_non_null(data);
	snprintf(path, sizeof(path), "%s/keys/%s", data, name);
	return path;
}

static struct crypto_key *
load(const char *name)
{
	struct crypto_key *k = NULL;

	assert_int_equal(crypto_key_load(&k, key_path(name)), IDR_OK);
	return k;
}

static void
unhex(const char *hex, uint8_t *out, size_t *len)
{
	*len = strlen(hex) / 2;
	assert_int_equal(crypto_unhex(hex, 2 * *len, out, *len), IDR_OK);
}

/* Sign with every hash, verify, and check that one flipped bit anywhere fails. */
static void
check_sign(const struct crypto_key *k, enum crypto_alg hash, struct slice id)
{
	uint8_t m[sizeof(msg)], sigbuf[1024];
	struct wbuf sig;
	size_t i, len = sizeof(msg) - 1;

	memcpy(m, msg, sizeof(msg));
	wbuf_init(&sig, sigbuf, sizeof(sigbuf));
	assert_int_equal(crypto_sign(k, hash, id, m, len, &sig), IDR_OK);
	assert_true(wbuf_len(&sig) > 0);
	assert_int_equal(crypto_verify(k, hash, id, m, len, sigbuf, wbuf_len(&sig)), IDR_OK);
	for (i = 0; i < len; i += 5) {
		m[i] ^= 0x10;
		assert_int_equal(crypto_verify(k, hash, id, m, len, sigbuf, wbuf_len(&sig)),
		                 IDR_EAUTH);
		m[i] ^= 0x10;
	}
	for (i = 0; i < wbuf_len(&sig); i += 7) {
		sigbuf[i] ^= 0x01;
		assert_int_equal(crypto_verify(k, hash, id, m, len, sigbuf, wbuf_len(&sig)),
		                 IDR_EAUTH);
		sigbuf[i] ^= 0x01;
	}
	assert_int_equal(crypto_verify(k, hash, id, m, len, sigbuf, wbuf_len(&sig) - 1), IDR_EAUTH);
	assert_int_equal(crypto_verify(k, hash, id, m, len, sigbuf, 0), IDR_EAUTH);
	assert_int_equal(crypto_verify(k, hash, id, m, len - 1, sigbuf, wbuf_len(&sig)), IDR_EAUTH);
}

static void
test_crypto_key_sign_rsa(void **state)
{
	struct crypto_key *k = NULL, *pub = NULL;
	uint8_t buf[1024];
	struct wbuf w;

	(void)state;
	assert_int_equal(crypto_key_generate(&k, CRYPTO_KEY_RSA, 1024), IDR_OK);
	assert_int_equal(crypto_key_type(k), CRYPTO_KEY_RSA);
	assert_true(crypto_key_has_private(k));
	assert_int_equal(crypto_key_bits(k), 1024);
	check_sign(k, CRYPTO_SHA1, slice_make(NULL, 0));
	check_sign(k, CRYPTO_SHA256, slice_make(NULL, 0));
	/* unsupported combinations */
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_sign(k, CRYPTO_SM3, slice_make(NULL, 0), msg, 3, &w), IDR_EINVAL);
	assert_int_equal(crypto_sign(k, CRYPTO_MD5, slice_make(NULL, 0), msg, 3, &w), IDR_EINVAL);
	assert_int_equal(crypto_verify(k, CRYPTO_SM3, slice_make(NULL, 0), msg, 3, buf, 128),
	                 IDR_EINVAL);
	/* a public key verifies but cannot sign */
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_key_hs_pubkey(k, &w), IDR_OK);
	assert_int_equal(crypto_key_from_hs_pubkey(&pub, buf, wbuf_len(&w)), IDR_OK);
	assert_false(crypto_key_has_private(pub));
	assert_true(crypto_key_public_equal(k, pub));
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_sign(pub, CRYPTO_SHA256, slice_make(NULL, 0), msg, 3, &w),
	                 IDR_EINVAL);
	assert_int_equal(crypto_sign(k, CRYPTO_SHA256, slice_make(NULL, 0), msg, 3, &w), IDR_OK);
	assert_int_equal(
	        crypto_verify(pub, CRYPTO_SHA256, slice_make(NULL, 0), msg, 3, buf, wbuf_len(&w)),
	        IDR_OK);
	/* output too small: nothing appended */
	wbuf_init(&w, buf, 100);
	assert_int_equal(crypto_sign(k, CRYPTO_SHA256, slice_make(NULL, 0), msg, 3, &w),
	                 IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 0);
	crypto_key_free(pub);
	assert_int_equal(crypto_key_generate(&pub, CRYPTO_KEY_RSA, 512), IDR_EINVAL);
	assert_null(pub);
	crypto_key_free(k);
}

static void
test_crypto_key_sign_dsa_sm2(void **state)
{
	struct crypto_key *dsa = load("dsa1024.pem"), *sm2 = NULL;
	uint8_t buf[256];
	struct wbuf w;

	(void)state;
	assert_int_equal(crypto_key_type(dsa), CRYPTO_KEY_DSA);
	check_sign(dsa, CRYPTO_SHA1, slice_make(NULL, 0));
	check_sign(dsa, CRYPTO_SHA256, slice_make(NULL, 0));
	crypto_key_free(dsa);
	dsa = NULL;
	assert_int_equal(crypto_key_generate(&dsa, CRYPTO_KEY_DSA, 0), IDR_OK);
	assert_int_equal(crypto_key_type(dsa), CRYPTO_KEY_DSA);
	assert_int_equal(crypto_key_bits(dsa), 2048);
	check_sign(dsa, CRYPTO_SHA256, slice_make(NULL, 0));

	assert_int_equal(crypto_key_generate(&sm2, CRYPTO_KEY_SM2, 0), IDR_OK);
	assert_int_equal(crypto_key_type(sm2), CRYPTO_KEY_SM2);
	assert_int_equal(crypto_key_bits(sm2), 256);
	check_sign(sm2, CRYPTO_SM3, slice_make(NULL, 0));
	check_sign(sm2, CRYPTO_SM3, SLICE_LIT("88.111.1/admin"));
	/* the user id is part of what is signed; an empty id is the default id */
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_sign(sm2, CRYPTO_SM3, SLICE_LIT("alice"), msg, 5, &w), IDR_OK);
	assert_int_equal(
	        crypto_verify(sm2, CRYPTO_SM3, SLICE_LIT("bob"), msg, 5, buf, wbuf_len(&w)),
	        IDR_EAUTH);
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_sign(sm2, CRYPTO_SM3, slice_make(NULL, 0), msg, 5, &w), IDR_OK);
	assert_int_equal(crypto_verify(sm2, CRYPTO_SM3, SLICE_LIT(CRYPTO_SM2_DEFAULT_ID), msg, 5,
	                               buf, wbuf_len(&w)),
	                 IDR_OK);
	/* SM2 only with SM3, SM3 only with SM2 */
	assert_int_equal(crypto_sign(sm2, CRYPTO_SHA256, slice_make(NULL, 0), msg, 5, &w),
	                 IDR_EINVAL);
	assert_int_equal(crypto_sign(dsa, CRYPTO_SM3, slice_make(NULL, 0), msg, 5, &w), IDR_EINVAL);
	crypto_key_free(dsa);
	crypto_key_free(sm2);
}

/* Signatures made once by the openssl command line over msg (see tests/data/keys/README). */
static void
test_crypto_key_openssl_fixtures(void **state)
{
	static const struct {
		const char *key;
		enum crypto_alg hash;
		const char *id;
		const char *sig;
	} v[] = {
	        {"rsa1024.pem", CRYPTO_SHA1, NULL,
	         "55fb4bf98d5e0c6878b76001aaad929779cb9b5cee70c5022ff760c2c7da5d5529ed77f2716e6424"
	         "d422086056d8f39ec4e4cdeaf487e26aecc73d4b08e3a260fd8b730a71e94cfd012711138596e158"
	         "f763f94d5a942eaff104a70edacda7c67bc90d662848da991ed476d1053a3a4ca5899e20f9f633d8"
	         "951bd565e528bbfc"},
	        {"rsa1024.pub.pem", CRYPTO_SHA256, NULL,
	         "1443a23c090a807516225a4a0cf495d086dfd7eb81e453baa065a31a6b72c9bb6cccae4eec8337dc"
	         "34664ea50aea467f124fd891f67490d78968ccbf4adbecbcb15e3f7a04ac0c90c33da76ae9876420"
	         "44348b0ec9b4a279d871fa17232437eeae526e7ed59a3c927a857eb4e58db02e267ef60c3c0f4fb1"
	         "8543edaf92aff176"},
	        {"dsa1024.pem", CRYPTO_SHA256, NULL,
	         "302d021462e40c951b9034c6bb780d3df5cdd6c4dcddf3f3021500b42c2cd6757231e7e52c3aec6e"
	         "aa76f365d5b542"},
	        {"sm2.pub.pem", CRYPTO_SM3, "88.111.1/admin",
	         "30450220273195a61dd98396430671f49d40efb94603cfd3149d49981c6ae9062f11fb1f022100a7"
	         "1842fa6f20de81e67c244beba21600497dcb01ebb6fb77111760f76bd36bda"},
	        {"sm2.pub.pem", CRYPTO_SM3, NULL, /* -pkeyopt distid:1234567812345678 */
	         "3046022100d9ec64fc4b923a4b8548c8cb9e0824f5f80402432d9c5584570f67d5eca98edc022100"
	         "a59656772efc13613011876918a02f4b50bd8ab34f2660e687865bc41b7fc940"},
	};
	uint8_t sig[512];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct crypto_key *k = load(v[i].key);
		struct slice id = slice_cstr(v[i].id);

		unhex(v[i].sig, sig, &n);
		assert_int_equal(crypto_verify(k, v[i].hash, id, msg, strlen(msg), sig, n), IDR_OK);
		sig[n / 2] ^= 0x40;
		assert_int_equal(crypto_verify(k, v[i].hash, id, msg, strlen(msg), sig, n),
		                 IDR_EAUTH);
		crypto_key_free(k);
	}
}

/* Our signatures checked by `openssl` (skipped when the command is not installed). */
static void
test_crypto_key_openssl_verifies_ours(void **state)
{
	static const struct {
		const char *key, *pub, *hash;
		enum crypto_alg alg;
		const char *id;
	} v[] = {
	        {"rsa1024.pem", "rsa1024.pub.pem", "sha1", CRYPTO_SHA1, NULL},
	        {"rsa1024.pem", "rsa1024.pub.pem", "sha256", CRYPTO_SHA256, NULL},
	        {"sm2.pem", "sm2.pub.pem", "sm3", CRYPTO_SM3, "88.111.1/admin"},
	        {"sm2.sec1.pem", "sm2.pub.pem", "sm3", CRYPTO_SM3, "1234567812345678"},
	};
	char dir[] = "/tmp/idr-crypto-XXXXXX", path[4200], cmd[8800];
	uint8_t buf[512];
	size_t i;

	(void)state;
	if (system("openssl version >/dev/null 2>&1") != 0) {
		skip();
	}
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct crypto_key *k = load(v[i].key);
		struct slice id = v[i].id != NULL && strcmp(v[i].id, CRYPTO_SM2_DEFAULT_ID) == 0
		                          ? slice_make(NULL, 0)
		                          : slice_cstr(v[i].id);
		struct wbuf w;
		FILE *f;
		int rc;

		wbuf_init(&w, buf, sizeof(buf));
		assert_int_equal(crypto_sign(k, v[i].alg, id, msg, strlen(msg), &w), IDR_OK);
		snprintf(path, sizeof(path), "%s/sig", dir);
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, wbuf_len(&w), f), wbuf_len(&w));
		fclose(f);
		snprintf(path, sizeof(path), "%s/msg", dir);
		f = fopen(path, "wb");
		assert_non_null(f);
		fputs(msg, f);
		fclose(f);
		if (v[i].id == NULL) {
			rc = snprintf(
			        cmd, sizeof(cmd),
			        "openssl dgst -%s -verify %s -signature %s/sig %s/msg >/dev/null",
			        v[i].hash, key_path(v[i].pub), dir, dir);
		} else {
			rc = snprintf(cmd, sizeof(cmd),
			              "openssl pkeyutl -verify -rawin -digest %s -pubin -inkey %s "
			              "-sigfile %s/sig -in %s/msg -pkeyopt distid:%s >/dev/null",
			              v[i].hash, key_path(v[i].pub), dir, dir, v[i].id);
		}
		assert_true(rc > 0 && (size_t)rc < sizeof(cmd));
		assert_int_equal(system(cmd), 0);
		crypto_key_free(k);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_crypto_key_load(void **state)
{
	static const struct {
		const char *file;
		int rc;
		enum crypto_key_type type;
		bool priv;
	} v[] = {
	        {"rsa1024.pem", IDR_OK, CRYPTO_KEY_RSA, true},
	        {"rsa1024.pkcs1.pem", IDR_OK, CRYPTO_KEY_RSA, true},
	        {"rsa1024.pub.pem", IDR_OK, CRYPTO_KEY_RSA, false},
	        {"dsa1024.pem", IDR_OK, CRYPTO_KEY_DSA, true},
	        {"sm2.pem", IDR_OK, CRYPTO_KEY_SM2, true},
	        {"sm2.sec1.pem", IDR_OK, CRYPTO_KEY_SM2, true},
	        {"sm2.pub.pem", IDR_OK, CRYPTO_KEY_SM2, false},
	        {"ec256.pem", IDR_EINVAL, 0, false},       /* EC, but not the SM2 curve */
	        {"rsa1024.enc.pem", IDR_EPROTO, 0, false}, /* encrypted: never prompts */
	        {"README", IDR_EPROTO, 0, false},
	        {"no-such-file.pem", IDR_ENOENT, 0, false},
	};
	struct crypto_key *k, *pub;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		k = (struct crypto_key *)1;
		assert_int_equal(crypto_key_load(&k, key_path(v[i].file)), v[i].rc);
		if (v[i].rc != IDR_OK) {
			assert_null(k);
			continue;
		}
		assert_int_equal(crypto_key_type(k), v[i].type);
		assert_int_equal(crypto_key_has_private(k), v[i].priv);
		crypto_key_free(k);
	}
	/* the three SM2 files hold one key */
	k = load("sm2.sec1.pem");
	pub = load("sm2.pub.pem");
	assert_true(crypto_key_public_equal(k, pub));
	crypto_key_free(pub);
	pub = load("rsa1024.pub.pem");
	assert_false(crypto_key_public_equal(k, pub));
	crypto_key_free(pub);
	crypto_key_free(k);
	crypto_key_free(NULL);
	assert_int_equal(crypto_key_from_pem(&k, "", 0), IDR_EPROTO);
}

static void
test_crypto_key_files(void **state)
{
	char dir[] = "/tmp/idr-crypto-XXXXXX", priv[4200], pub[4200], lnk[4200], cmd[4300];
	struct crypto_key *k = NULL, *back = NULL, *pubk = NULL;
	struct stat st;
	uint8_t big[CRYPTO_KEY_MAX_FILE + 1];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(priv, sizeof(priv), "%s/key.pem", dir);
	snprintf(pub, sizeof(pub), "%s/key.pem.pub", dir);
	snprintf(lnk, sizeof(lnk), "%s/link.pem", dir);
	assert_int_equal(crypto_key_generate(&k, CRYPTO_KEY_SM2, 0), IDR_OK);
	assert_int_equal(crypto_key_write_private(k, priv), IDR_OK);
	assert_int_equal(crypto_key_write_public(k, pub), IDR_OK);
	assert_int_equal(stat(priv, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(pub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* never overwritten, never through a symlink */
	assert_int_equal(crypto_key_write_private(k, priv), IDR_EEXIST);
	assert_int_equal(crypto_key_write_public(k, pub), IDR_EEXIST);
	assert_int_equal(symlink(pub, lnk), 0);
	assert_int_equal(crypto_key_write_private(k, lnk), IDR_EEXIST);
	snprintf(cmd, sizeof(cmd), "%s/none/key.pem", dir);
	assert_int_equal(crypto_key_write_private(k, cmd), IDR_ENOENT);
	/* read back */
	assert_int_equal(crypto_key_load(&back, priv), IDR_OK);
	assert_true(crypto_key_has_private(back));
	assert_true(crypto_key_public_equal(k, back));
	assert_int_equal(crypto_key_load(&pubk, pub), IDR_OK);
	assert_false(crypto_key_has_private(pubk));
	assert_true(crypto_key_public_equal(k, pubk));
	/* a public key has no private part to write */
	snprintf(cmd, sizeof(cmd), "%s/other.pem", dir);
	assert_int_equal(crypto_key_write_private(pubk, cmd), IDR_EINVAL);
	assert_int_equal(access(cmd, F_OK), -1);
	/* a file over the size limit */
	memset(big, ' ', sizeof(big));
	f = fopen(cmd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(big, 1, sizeof(big), f), sizeof(big));
	fclose(f);
	crypto_key_free(back);
	back = NULL;
	assert_int_equal(crypto_key_load(&back, cmd), IDR_ELIMIT);
	crypto_key_free(k);
	crypto_key_free(pubk);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Encode, parse, compare, encode again: the same bytes. */
static void
check_hs_roundtrip(const struct crypto_key *k, const char *type)
{
	uint8_t a[4096], b[4096];
	struct wbuf wa, wb;
	struct crypto_key *back = NULL;

	wbuf_init(&wa, a, sizeof(a));
	assert_int_equal(crypto_key_hs_pubkey(k, &wa), IDR_OK);
	assert_int_equal(a[3], strlen(type));
	assert_memory_equal(a + 4, type, strlen(type));
	assert_int_equal(crypto_key_from_hs_pubkey(&back, a, wbuf_len(&wa)), IDR_OK);
	assert_int_equal(crypto_key_type(back), crypto_key_type(k));
	assert_true(crypto_key_public_equal(k, back));
	wbuf_init(&wb, b, sizeof(b));
	assert_int_equal(crypto_key_hs_pubkey(back, &wb), IDR_OK);
	assert_int_equal(wbuf_len(&wb), wbuf_len(&wa));
	assert_memory_equal(a, b, wbuf_len(&wa));
	crypto_key_free(back);
}

static void
test_crypto_key_hs_roundtrip(void **state)
{
	struct crypto_key *k;
	uint8_t small[40];
	struct wbuf w;

	(void)state;
	k = load("rsa1024.pem");
	check_hs_roundtrip(k, "RSA_PUB_KEY");
	/* out full: nothing left behind */
	wbuf_init(&w, small, sizeof(small));
	assert_int_equal(crypto_key_hs_pubkey(k, &w), IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 0);
	crypto_key_free(k);
	k = load("dsa1024.pem");
	check_hs_roundtrip(k, "DSA_PUB_KEY");
	crypto_key_free(k);
	k = load("sm2.pem");
	check_hs_roundtrip(k, "SM2_PUB_KEY");
	crypto_key_free(k);
	assert_int_equal(crypto_key_generate(&k, CRYPTO_KEY_DH, 1024), IDR_OK);
	check_hs_roundtrip(k, "DH_PUB_KEY");
	crypto_key_free(k);
}

/* An HS_PUBKEY built by hand: type, flags, then the fields as byte arrays. */
static size_t
build(uint8_t *out, size_t cap, const char *type, const char *const *hexfields, size_t n)
{
	uint8_t tmp[1100];
	struct wbuf w;
	size_t i, len;

	wbuf_init(&w, out, cap);
	wbuf_str(&w, type, strlen(type));
	wbuf_u16(&w, 0);
	for (i = 0; i < n; i++) {
		unhex(hexfields[i], tmp, &len);
		wbuf_str(&w, tmp, len);
	}
	assert_int_equal(wbuf_error(&w), IDR_OK);
	return wbuf_len(&w);
}

static void
test_crypto_key_hs_malformed(void **state)
{
	struct crypto_key *rsa = load("rsa1024.pem"), *dh = NULL, *k;
	uint8_t enc[2][2048], bad[2048];
	size_t len[2], i, j, n;
	struct wbuf w;

	(void)state;
	assert_int_equal(crypto_key_generate(&dh, CRYPTO_KEY_DH, 1024), IDR_OK);
	wbuf_init(&w, enc[0], sizeof(enc[0]));
	assert_int_equal(crypto_key_hs_pubkey(rsa, &w), IDR_OK);
	len[0] = wbuf_len(&w);
	wbuf_init(&w, enc[1], sizeof(enc[1]));
	assert_int_equal(crypto_key_hs_pubkey(dh, &w), IDR_OK);
	len[1] = wbuf_len(&w);
	for (j = 0; j < 2; j++) {
		/* every truncation point */
		for (i = 0; i < len[j]; i++) {
			k = (struct crypto_key *)1;
			assert_int_equal(crypto_key_from_hs_pubkey(&k, enc[j], i), IDR_EPROTO);
			assert_null(k);
		}
		/* a trailing byte */
		memcpy(bad, enc[j], len[j]);
		bad[len[j]] = 0;
		assert_int_equal(crypto_key_from_hs_pubkey(&k, bad, len[j] + 1), IDR_EPROTO);
		/* every length field one longer (past the end) and far past its limit */
		for (i = 4 + bad[3] + 2; i + 4 <= len[j];) {
			uint32_t flen = (uint32_t)bad[i] << 24 | (uint32_t)bad[i + 1] << 16 |
			                (uint32_t)bad[i + 2] << 8 | bad[i + 3];

			bad[i + 3]++;
			assert_int_equal(crypto_key_from_hs_pubkey(&k, bad, len[j]), IDR_EPROTO);
			bad[i + 3]--;
			bad[i] = 0x7f;
			assert_int_equal(crypto_key_from_hs_pubkey(&k, bad, len[j]), IDR_EPROTO);
			bad[i] = 0;
			i += 4 + flen;
		}
		/* the type length one too long: "RSA_PUB_KEY\0" is a type we do not know */
		bad[3]++;
		assert_int_equal(crypto_key_from_hs_pubkey(&k, bad, len[j]), IDR_EINVAL);
		bad[3]--;
		bad[0] = 0x80;
		assert_int_equal(crypto_key_from_hs_pubkey(&k, bad, len[j]), IDR_EPROTO);
	}
	{
		static const char *const one[] = {"01", "00c5"};
		static const char *const zero[] = {"010001", "00"};
		static const char *const empty[] = {"010001", ""};
		static const char *const small_dh[] = {"02", "c5", "02"}; /* p of 8 bits */
		static const char *const sm2_rsa[] = {"00"};
		static const struct {
			const char *type;
			const char *const *fields;
			size_t n;
			int rc;
		} v[] = {
		        {"RSA_PUB_KEY", one, 2, IDR_EPROTO}, /* OpenSSL refuses n = 197 ... */
		        {"RSA_PUB_KEY", zero, 2, IDR_EPROTO},
		        {"RSA_PUB_KEY", empty, 2, IDR_EPROTO},
		        {"DH_PUB_KEY", small_dh, 3, IDR_EINVAL},
		        {"SM2_PUB_KEY", sm2_rsa, 1, IDR_EPROTO}, /* not PEM */
		        {"SM9_PUB_KEY", sm2_rsa, 1, IDR_EINVAL},
		        {"rsa_pub_key", one, 2, IDR_EINVAL}, /* type names are exact */
		        {"", NULL, 0, IDR_EINVAL},
		};

		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			n = build(bad, sizeof(bad), v[i].type, v[i].fields, v[i].n);
			k = NULL;
			if (i == 0) {
				/* a tiny RSA key is accepted by the parser or not, never crashes */
				int rc = crypto_key_from_hs_pubkey(&k, bad, n);

				assert_true(rc == IDR_OK || rc == IDR_EPROTO);
				crypto_key_free(k);
				continue;
			}
			assert_int_equal(crypto_key_from_hs_pubkey(&k, bad, n), v[i].rc);
			assert_null(k);
		}
	}
	/* SM2_PUB_KEY carrying an RSA public key's PEM */
	{
		FILE *f = fopen(key_path("rsa1024.pub.pem"), "rb");
		char pem[1024];
		size_t plen;

		assert_non_null(f);
		plen = fread(pem, 1, sizeof(pem), f);
		fclose(f);
		wbuf_init(&w, bad, sizeof(bad));
		wbuf_str(&w, "SM2_PUB_KEY", 11);
		wbuf_u16(&w, 0);
		wbuf_str(&w, pem, plen);
		assert_int_equal(crypto_key_from_hs_pubkey(&k, bad, wbuf_len(&w)), IDR_EPROTO);
	}
	crypto_key_free(rsa);
	crypto_key_free(dh);
}

static void
test_crypto_key_dh(void **state)
{
	static const unsigned sizes[] = {1024, 2048};
	uint8_t buf[2048], s1[1024], s2[1024];
	struct wbuf w, w1, w2;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct crypto_key *client = NULL, *client_pub = NULL, *server = NULL,
		                  *server_pub = NULL;

		/* the client sends its DH_PUB_KEY; the server answers with a key in that group */
		assert_int_equal(crypto_key_generate(&client, CRYPTO_KEY_DH, sizes[i]), IDR_OK);
		assert_int_equal(crypto_key_bits(client), sizes[i]);
		wbuf_init(&w, buf, sizeof(buf));
		assert_int_equal(crypto_key_hs_pubkey(client, &w), IDR_OK);
		assert_int_equal(crypto_key_from_hs_pubkey(&client_pub, buf, wbuf_len(&w)), IDR_OK);
		assert_int_equal(crypto_dh_keypair_like(&server, client_pub), IDR_OK);
		assert_true(crypto_key_has_private(server));
		wbuf_init(&w, buf, sizeof(buf));
		assert_int_equal(crypto_key_hs_pubkey(server, &w), IDR_OK);
		assert_int_equal(crypto_key_from_hs_pubkey(&server_pub, buf, wbuf_len(&w)), IDR_OK);

		wbuf_init(&w1, s1, sizeof(s1));
		wbuf_init(&w2, s2, sizeof(s2));
		assert_int_equal(crypto_dh_derive(client, server_pub, &w1), IDR_OK);
		assert_int_equal(crypto_dh_derive(server, client_pub, &w2), IDR_OK);
		assert_int_equal(wbuf_len(&w1), sizes[i] / 8); /* padded to the size of p */
		assert_int_equal(wbuf_len(&w2), wbuf_len(&w1));
		assert_memory_equal(s1, s2, wbuf_len(&w1));
		/* no private part; not DH; a key that cannot sign */
		assert_int_equal(crypto_dh_derive(client_pub, server_pub, &w1), IDR_EINVAL);
		assert_int_equal(
		        crypto_sign(client, CRYPTO_SHA256, slice_make(NULL, 0), "m", 1, &w1),
		        IDR_EINVAL);
		crypto_key_free(client);
		crypto_key_free(client_pub);
		crypto_key_free(server);
		crypto_key_free(server_pub);
	}
}

static void
test_crypto_key_dh_bad_peer(void **state)
{
	struct crypto_key *a = NULL, *b = NULL, *rsa = load("rsa1024.pub.pem"), *peer = NULL,
	                  *k = NULL;
	uint8_t buf[2048], sec[512];
	struct wbuf w, s;
	size_t off, plen;
	(void)state;

	assert_int_equal(crypto_key_generate(&a, CRYPTO_KEY_DH, 1024), IDR_OK);
	assert_int_equal(crypto_key_generate(&b, CRYPTO_KEY_DH, 2048), IDR_OK);
	wbuf_init(&s, sec, sizeof(sec));
	assert_int_equal(crypto_dh_derive(a, b, &s), IDR_EINVAL); /* different groups */
	assert_int_equal(crypto_dh_derive(a, rsa, &s), IDR_EINVAL);
	assert_int_equal(crypto_dh_keypair_like(&k, rsa), IDR_EINVAL);
	assert_null(k);
	assert_int_equal(crypto_key_generate(&k, CRYPTO_KEY_DH, 1000), IDR_EINVAL);
	/* a's public value replaced by 1: parsed, but refused when deriving */
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_key_hs_pubkey(a, &w), IDR_OK);
	off = 4 + 10 + 2; /* "DH_PUB_KEY", flags */
	plen = (size_t)buf[off + 2] << 8 | buf[off + 3];
	memmove(buf + off + 5, buf + off + 4 + plen, wbuf_len(&w) - off - 4 - plen);
	buf[off + 2] = 0;
	buf[off + 3] = 1;
	buf[off + 4] = 1;
	assert_int_equal(crypto_key_from_hs_pubkey(&peer, buf, wbuf_len(&w) - plen + 1), IDR_OK);
	assert_int_equal(crypto_dh_derive(a, peer, &s), IDR_EAUTH);
	crypto_key_free(peer);
	assert_int_equal(wbuf_len(&s), 0);
	crypto_key_free(a);
	crypto_key_free(b);
	crypto_key_free(rsa);
}

/* RSA key transport (session modes 1-3): round trip, wrong key, other key types, the openssl
 * command line decrypting ours. */
static void
test_crypto_key_rsa_transport(void **state)
{
	struct crypto_key *k = load("rsa1024.pem"), *pub = load("rsa1024.pub.pem");
	struct crypto_key *dsa = load("dsa1024.pem"), *other = NULL;
	static const uint8_t secret[36] = {0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	struct wbuf ct, pt;
	char dir[] = "/tmp/idr-rsa-XXXXXX", path[4200], cmd[8800];
	FILE *f;
	(void)state;

	wbuf_init_heap(&ct, 4096);
	wbuf_init_heap(&pt, 4096);
	assert_int_equal(crypto_rsa_encrypt(pub, secret, sizeof(secret), &ct), IDR_OK);
	assert_int_equal(wbuf_len(&ct), 128); /* the modulus size */
	assert_int_equal(crypto_rsa_decrypt(k, wbuf_data(&ct), wbuf_len(&ct), &pt), IDR_OK);
	assert_int_equal(wbuf_len(&pt), sizeof(secret));
	assert_memory_equal(wbuf_data(&pt), secret, sizeof(secret));
	/* a public key cannot decrypt; DSA does neither; another key fails to decrypt */
	wbuf_reset(&pt);
	assert_int_equal(crypto_rsa_decrypt(pub, wbuf_data(&ct), wbuf_len(&ct), &pt), IDR_EINVAL);
	assert_int_equal(crypto_rsa_encrypt(dsa, secret, sizeof(secret), &pt), IDR_EINVAL);
	assert_int_equal(crypto_key_generate(&other, CRYPTO_KEY_RSA, 1024), IDR_OK);
	assert_int_equal(crypto_rsa_decrypt(other, wbuf_data(&ct), wbuf_len(&ct), &pt), IDR_EAUTH);
	/* too long for PKCS#1 v1.5 with a 1024-bit key (at most 117 bytes) */
	{
		static const uint8_t big[118];

		assert_int_not_equal(crypto_rsa_encrypt(pub, big, sizeof(big), &pt), IDR_OK);
	}
	/* the openssl command line reads what we encrypted */
	if (system("openssl version >/dev/null 2>&1") == 0) {
		assert_non_null(mkdtemp(dir));
		snprintf(path, sizeof(path), "%s/ct", dir);
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(wbuf_data(&ct), 1, wbuf_len(&ct), f), wbuf_len(&ct));
		fclose(f);
		snprintf(
		        cmd, sizeof(cmd),
		        "openssl pkeyutl -decrypt -inkey %s -pkeyopt rsa_padding_mode:pkcs1 -in %s "
		        "-out %s/pt && cmp -s %s/pt - && rm -rf %s",
		        key_path("rsa1024.pem"), path, dir, dir, dir);
		f = popen(cmd, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(secret, 1, sizeof(secret), f), sizeof(secret));
		assert_int_equal(pclose(f), 0);
	}
	wbuf_deinit(&ct);
	wbuf_deinit(&pt);
	crypto_key_free(k);
	crypto_key_free(pub);
	crypto_key_free(dsa);
	crypto_key_free(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_crypto_key_sign_rsa),
	        cmocka_unit_test(test_crypto_key_sign_dsa_sm2),
	        cmocka_unit_test(test_crypto_key_openssl_fixtures),
	        cmocka_unit_test(test_crypto_key_openssl_verifies_ours),
	        cmocka_unit_test(test_crypto_key_load),
	        cmocka_unit_test(test_crypto_key_files),
	        cmocka_unit_test(test_crypto_key_hs_roundtrip),
	        cmocka_unit_test(test_crypto_key_hs_malformed),
	        cmocka_unit_test(test_crypto_key_dh),
	        cmocka_unit_test(test_crypto_key_dh_bad_peer),
	        cmocka_unit_test(test_crypto_key_rsa_transport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
