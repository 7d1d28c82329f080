/* test_crypto.c - known answers for SHA-256/SHA-1/MD5/SM3, HMAC (RFC 2202, RFC 4231), PBKDF2
 * (RFC 6070), hash names, session ciphers, DH session keys, incremental hashing, random, hex. */
#include "base/crypto.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static const struct {
	enum crypto_alg alg;
	const char *abc;   /* digest of "abc" */
	const char *empty; /* digest of "" */
} kat[] = {
        {CRYPTO_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {CRYPTO_SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d",
         "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {CRYPTO_MD5, "900150983cd24fb0d6963f7d28e17f72", "d41d8cd98f00b204e9800998ecf8427e"},
        /* GB/T 32905 example 1; the empty string from the reference implementation */
        {CRYPTO_SM3, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
         "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"},
};

static void
assert_hex(const uint8_t *d, size_t len, const char *want)
{
	char hex[2 * CRYPTO_MAX_LEN + 1];

	crypto_hex(d, len, hex);
	assert_string_equal(hex, want);
}

static void
test_crypto_known_answers(void **state)
{
	uint8_t d[CRYPTO_MAX_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		size_t len = crypto_hash_len(kat[i].alg);

		assert_int_equal(len * 2, strlen(kat[i].abc));
		assert_int_equal(crypto_hash(kat[i].alg, "abc", 3, d), IDR_OK);
		assert_hex(d, len, kat[i].abc);
		assert_int_equal(crypto_hash(kat[i].alg, "", 0, d), IDR_OK);
		assert_hex(d, len, kat[i].empty);
	}
	assert_int_equal(crypto_sha256("abc", 3, d), IDR_OK);
	assert_hex(d, CRYPTO_SHA256_LEN, kat[0].abc);
	assert_int_equal(crypto_hash_len((enum crypto_alg)0), 0);
	assert_int_equal(crypto_hash((enum crypto_alg)4, "abc", 3, d), IDR_EINVAL);
}

static void
test_crypto_incremental(void **state)
{
	struct crypto_hash *h = NULL;
	uint8_t d[CRYPTO_MAX_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		size_t len = crypto_hash_len(kat[i].alg);

		assert_int_equal(crypto_hash_new(&h, kat[i].alg), IDR_OK);
		crypto_hash_update(h, "a", 1);
		crypto_hash_update(h, "", 0);
		crypto_hash_update(h, "bc", 2);
		assert_int_equal(crypto_hash_final(h, d), IDR_OK);
		assert_hex(d, len, kat[i].abc);
		/* final resets the context for reuse */
		crypto_hash_update(h, "abc", 3);
		assert_int_equal(crypto_hash_final(h, d), IDR_OK);
		assert_hex(d, len, kat[i].abc);
		assert_int_equal(crypto_hash_final(h, d), IDR_OK);
		assert_hex(d, len, kat[i].empty);
		crypto_hash_free(h);
	}
	h = (struct crypto_hash *)&h; /* must be reset to NULL on failure */
	assert_int_equal(crypto_hash_new(&h, (enum crypto_alg)9), IDR_EINVAL);
	assert_null(h);
	crypto_hash_free(NULL);
}

static void
test_crypto_random(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(crypto_random(a, sizeof(a)), IDR_OK);
	assert_int_equal(crypto_random(b, sizeof(b)), IDR_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(crypto_random(a, 0), IDR_OK);
}

static void
test_crypto_hex(void **state)
{
	static const uint8_t bin[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	uint8_t all[256], back[256];
	char hex[2 * 256 + 1];
	size_t i;

	(void)state;
	crypto_hex(bin, sizeof(bin), hex);
	assert_string_equal(hex, "00017f80abff");
	assert_int_equal(crypto_unhex("00017F80ABff", 12, back, 6), IDR_OK); /* either case */
	assert_memory_equal(back, bin, sizeof(bin));
	crypto_hex(bin, 0, hex);
	assert_string_equal(hex, "");

	for (i = 0; i < 256; i++) {
		all[i] = (uint8_t)i;
	}
	crypto_hex(all, sizeof(all), hex);
	assert_int_equal(strlen(hex), 512);
	assert_int_equal(crypto_unhex(hex, 512, back, sizeof(back)), IDR_OK);
	assert_memory_equal(back, all, sizeof(all));

	assert_int_equal(crypto_unhex("abc", 3, back, 1), IDR_EINVAL);  /* odd */
	assert_int_equal(crypto_unhex("abcd", 4, back, 1), IDR_EINVAL); /* wrong length */
	assert_int_equal(crypto_unhex("0g", 2, back, 1), IDR_EINVAL);
	assert_int_equal(crypto_unhex("g0", 2, back, 1), IDR_EINVAL);
	assert_int_equal(crypto_unhex(" 0", 2, back, 1), IDR_EINVAL);
	assert_int_equal(crypto_unhex("", 0, back, 0), IDR_OK);
}

static void
test_crypto_hmac(void **state)
{
	static const struct {
		enum crypto_alg alg;
		const char *key_hex; /* NULL: key is the text in key */
		const char *key;
		const char *msg;
		const char *want;
	} v[] = {
	        /* RFC 2202 */
	        {CRYPTO_SHA1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", NULL, "Hi There",
	         "b617318655057264e28bc0b6fb378c8ef146be00"},
	        {CRYPTO_SHA1, NULL, "Jefe", "what do ya want for nothing?",
	         "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
	        {CRYPTO_SHA1,
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	         NULL, "Test Using Larger Than Block-Size Key - Hash Key First",
	         "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
	        {CRYPTO_MD5, NULL, "Jefe", "what do ya want for nothing?",
	         "750c783e6ab0b503eaa86e310a5db738"},
	        /* RFC 4231 test cases 1 and 2 */
	        {CRYPTO_SHA256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", NULL, "Hi There",
	         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
	        {CRYPTO_SHA256, NULL, "Jefe", "what do ya want for nothing?",
	         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	};
	uint8_t key[128], out[CRYPTO_MAX_LEN];
	size_t i, klen;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (v[i].key_hex != NULL) {
			klen = strlen(v[i].key_hex) / 2;
			assert_int_equal(crypto_unhex(v[i].key_hex, 2 * klen, key, klen), IDR_OK);
		} else {
			klen = strlen(v[i].key);
			memcpy(key, v[i].key, klen);
		}
		assert_int_equal(crypto_hmac(v[i].alg, key, klen, v[i].msg, strlen(v[i].msg), out),
		                 IDR_OK);
		assert_hex(out, crypto_hash_len(v[i].alg), v[i].want);
	}
	/* empty key and message are valid */
	assert_int_equal(crypto_hmac(CRYPTO_SHA256, NULL, 0, NULL, 0, out), IDR_OK);
	assert_hex(out, 32, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
	assert_int_equal(crypto_hmac((enum crypto_alg)9, "k", 1, "m", 1, out), IDR_EINVAL);
}

static void
test_crypto_pbkdf2(void **state)
{
	/* RFC 6070 */
	static const struct {
		const char *p;
		size_t plen;
		const char *s;
		size_t slen;
		unsigned c;
		const char *want;
	} v[] = {
	        {"password", 8, "salt", 4, 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
	        {"password", 8, "salt", 4, 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
	        {"password", 8, "salt", 4, 4096, "4b007901b765489abead49d926f721d065a429c1"},
	        {"passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096,
	         "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
	        {"pass\0word", 9, "sa\0lt", 5, 4096, "56fa6aa75548099dcc37d7f03425e0c3"},
	};
	uint8_t out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].want) / 2;

		assert_int_equal(crypto_pbkdf2_hmac_sha1(v[i].p, v[i].plen, v[i].s, v[i].slen,
		                                         v[i].c, out, n),
		                 IDR_OK);
		assert_hex(out, n, v[i].want);
	}
	assert_int_equal(crypto_pbkdf2_hmac_sha1("p", 1, "s", 1, 0, out, 20), IDR_EINVAL);
	assert_int_equal(crypto_pbkdf2_hmac_sha1("p", 1, "s", 1, 1, out, 0), IDR_EINVAL);
	assert_int_equal(crypto_pbkdf2_hmac_sha1("p", 1, "s", 1, 10000001, out, 20), IDR_EINVAL);
}

static void
test_crypto_alg_names(void **state)
{
	static const struct {
		const char *name;
		int rc;
		enum crypto_alg alg;
	} v[] = {
	        {"SHA1", IDR_OK, CRYPTO_SHA1},
	        {"sha-1", IDR_OK, CRYPTO_SHA1},
	        {"SHA-256", IDR_OK, CRYPTO_SHA256},
	        {"Sha256", IDR_OK, CRYPTO_SHA256},
	        {"MD5", IDR_OK, CRYPTO_MD5},
	        {"sm3", IDR_OK, CRYPTO_SM3},
	        {"SHA", IDR_EINVAL, CRYPTO_MD5},
	        {"SHA-2561", IDR_EINVAL, CRYPTO_MD5},
	        {"HMAC-SHA256", IDR_EINVAL, CRYPTO_MD5},
	        {"", IDR_EINVAL, CRYPTO_MD5},
	};
	enum crypto_alg a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		a = CRYPTO_MD5;
		assert_int_equal(crypto_alg_from_name(slice_cstr(v[i].name), &a), v[i].rc);
		assert_int_equal(a, v[i].alg);
	}
	assert_string_equal(crypto_alg_name(CRYPTO_SHA1), "SHA1");
	assert_string_equal(crypto_alg_name(CRYPTO_SHA256), "SHA-256");
	assert_string_equal(crypto_alg_name(CRYPTO_MD5), "MD5");
	assert_string_equal(crypto_alg_name(CRYPTO_SM3), "SM3");
	assert_string_equal(crypto_alg_name((enum crypto_alg)99), "");
	assert_int_equal(crypto_memeq("abc", "abc", 3), 1);
	assert_int_equal(crypto_memeq("abc", "abd", 3), 0);
	assert_int_equal(crypto_memeq("a", "b", 0), 1);
}

static void
unhex_into(const char *hex, uint8_t *out, size_t *len)
{
	*len = strlen(hex) / 2;
	assert_int_equal(crypto_unhex(hex, 2 * *len, out, *len), IDR_OK);
}

static void
test_crypto_cipher_known(void **state)
{
	/* FIPS-197 C.1 and the classic DES example (key 133457799bbcdff1), in ECB (< 2.4);
	 * each is followed by one block of PKCS#5 padding */
	static const struct {
		enum crypto_cipher c;
		const char *key, *pt, *ct_first;
	} v[] = {
	        {CRYPTO_CIPHER_AES, "000102030405060708090a0b0c0d0e0f",
	         "00112233445566778899aabbccddeeff", "69c4e0d86a7b0430d8cdb78070b4c55a"},
	        {CRYPTO_CIPHER_DES, "133457799bbcdff1", "0123456789abcdef", "85e813540f0ab405"},
	};
	/* AES-128-CBC made by `openssl enc -aes-128-cbc -K 00..0f -iv a0..af` of the text
	 * below: IV || ciphertext, as Java's SessionInfo.encryptBuffer sends it */
	static const char cbc[] = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
	                          "1e1aa45bdf50245e3c42a9bc6c8ad59faa14779b330c55f028463a0d17c935cc"
	                          "135608552232d93bfd61bfdb397da863";
	static const char text[] = "Handle session message, 32 bytes";
	uint8_t key[32], pt[64], buf[128];
	size_t klen, plen, n;
	struct wbuf w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex_into(v[i].key, key, &klen);
		unhex_into(v[i].pt, pt, &plen);
		wbuf_init(&w, buf, sizeof(buf));
		assert_int_equal(crypto_cipher_encrypt(v[i].c, true, key, klen, pt, plen, &w),
		                 IDR_OK);
		assert_int_equal(wbuf_len(&w), 2 * plen);
		assert_hex(buf, plen, v[i].ct_first);
		n = wbuf_len(&w);
		wbuf_init(&w, buf + n, sizeof(buf) - n);
		assert_int_equal(crypto_cipher_decrypt(v[i].c, true, key, klen, buf, n, &w),
		                 IDR_OK);
		assert_int_equal(wbuf_len(&w), plen);
		assert_memory_equal(buf + n, pt, plen);
	}
	unhex_into("000102030405060708090a0b0c0d0e0f", key, &klen);
	unhex_into(cbc, pt, &plen);
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_cipher_decrypt(CRYPTO_CIPHER_AES, false, key, klen, pt, plen, &w),
	                 IDR_OK);
	assert_int_equal(wbuf_len(&w), strlen(text));
	assert_memory_equal(buf, text, strlen(text));
}

static void
test_crypto_cipher_roundtrip(void **state)
{
	static const enum crypto_cipher cs[] = {CRYPTO_CIPHER_DES, CRYPTO_CIPHER_DESEDE,
	                                        CRYPTO_CIPHER_AES};
	uint8_t key[32], msg[100], ct[200], back[200];
	struct wbuf w, d;
	size_t i, len, ecb;

	(void)state;
	for (i = 0; i < sizeof(key); i++) {
		key[i] = (uint8_t)(i * 7 + 1);
	}
	for (i = 0; i < sizeof(msg); i++) {
		msg[i] = (uint8_t)i;
	}
	for (i = 0; i < 3; i++) {
		size_t iv = crypto_cipher_iv_len(cs[i]);

		for (ecb = 0; ecb < 2; ecb++) {
			for (len = 0; len <= 33; len++) {
				size_t want = (ecb ? 0 : iv) + (len / iv + 1) * iv;

				wbuf_init(&w, ct, sizeof(ct));
				assert_int_equal(
				        crypto_cipher_encrypt(cs[i], ecb, key, 32, msg, len, &w),
				        IDR_OK);
				assert_int_equal(wbuf_len(&w), want);
				wbuf_init(&d, back, sizeof(back));
				assert_int_equal(crypto_cipher_decrypt(cs[i], ecb, key, 32, ct,
				                                       wbuf_len(&w), &d),
				                 IDR_OK);
				assert_int_equal(wbuf_len(&d), len);
				assert_memory_equal(back, msg, len);
				/* not whole blocks, or shorter than IV + one block */
				wbuf_init(&d, back, sizeof(back));
				assert_int_equal(crypto_cipher_decrypt(cs[i], ecb, key, 32, ct,
				                                       wbuf_len(&w) - 1, &d),
				                 IDR_EPROTO);
				assert_int_equal(crypto_cipher_decrypt(cs[i], ecb, key, 32, ct,
				                                       ecb ? 0 : iv, &d),
				                 IDR_EPROTO);
				assert_int_equal(wbuf_len(&d), 0);
			}
		}
		/* the key is too short for the cipher */
		wbuf_init(&w, ct, sizeof(ct));
		assert_int_equal(crypto_cipher_encrypt(cs[i], false, key,
		                                       crypto_cipher_key_len(cs[i]) - 1, msg, 8,
		                                       &w),
		                 IDR_EINVAL);
		assert_int_equal(wbuf_len(&w), 0);
	}
	/* two encryptions of one message differ (a fresh IV each time) */
	wbuf_init(&w, ct, sizeof(ct));
	wbuf_init(&d, back, sizeof(back));
	assert_int_equal(crypto_cipher_encrypt(CRYPTO_CIPHER_AES, false, key, 16, msg, 16, &w),
	                 IDR_OK);
	assert_int_equal(crypto_cipher_encrypt(CRYPTO_CIPHER_AES, false, key, 16, msg, 16, &d),
	                 IDR_OK);
	assert_memory_not_equal(ct, back, 48);
	/* only the first 16 bytes of a longer AES key count, as in Java */
	wbuf_init(&d, back, sizeof(back));
	key[20] ^= 1;
	assert_int_equal(crypto_cipher_decrypt(CRYPTO_CIPHER_AES, false, key, 32, ct, 48, &d),
	                 IDR_OK);
	assert_memory_equal(back, msg, 16);
	/* output full: nothing written */
	wbuf_init(&w, ct, 40);
	assert_int_equal(crypto_cipher_encrypt(CRYPTO_CIPHER_AES, false, key, 16, msg, 16, &w),
	                 IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 0);
	assert_int_equal(crypto_cipher_key_len((enum crypto_cipher)9), 0);
	wbuf_init(&w, ct, sizeof(ct));
	assert_int_equal(crypto_cipher_encrypt((enum crypto_cipher)9, false, key, 32, msg, 1, &w),
	                 IDR_EINVAL);
}

static void
test_crypto_cipher_bad_padding(void **state)
{
	uint8_t key[16] = {1, 2, 3}, block[16] = {0}, ct[64], back[64];
	struct wbuf w, d;

	(void)state;
	/* ECB of a block ending in 0x00 and its padding block; the first block alone decrypts
	 * to a last byte of 0, which is no PKCS#5 padding */
	wbuf_init(&w, ct, sizeof(ct));
	assert_int_equal(crypto_cipher_encrypt(CRYPTO_CIPHER_AES, true, key, 16, block, 16, &w),
	                 IDR_OK);
	wbuf_init(&d, back, sizeof(back));
	assert_int_equal(crypto_cipher_decrypt(CRYPTO_CIPHER_AES, true, key, 16, ct, 16, &d),
	                 IDR_EAUTH);
	assert_int_equal(wbuf_len(&d), 0);
}

static void
test_crypto_session_key_from_dh(void **state)
{
	uint8_t secret[128], buf[64];
	struct wbuf w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(secret); i++) {
		secret[i] = (uint8_t)(i + 1);
	}
	secret[0] = secret[1] = 0;
	/* AES: leading zeros stripped, then 32 bytes; the same from an unpadded secret */
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_session_key_from_dh(CRYPTO_CIPHER_AES, secret, 128, &w), IDR_OK);
	assert_int_equal(wbuf_len(&w), 32);
	assert_memory_equal(buf, secret + 2, 32);
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_session_key_from_dh(CRYPTO_CIPHER_AES, secret + 1, 127, &w),
	                 IDR_OK);
	assert_memory_equal(buf, secret + 2, 32);
	/* no more stripping than leaves 32 bytes */
	memset(secret, 0, 100);
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_session_key_from_dh(CRYPTO_CIPHER_AES, secret, 128, &w), IDR_OK);
	assert_memory_equal(buf, secret + 96, 32);
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_session_key_from_dh(CRYPTO_CIPHER_AES, secret, 31, &w), IDR_EINVAL);
	/* DES: the first 8 bytes with odd parity in the low bit */
	secret[0] = 0x00;
	secret[1] = 0xff;
	secret[2] = 0x03;
	secret[3] = 0x80;
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_session_key_from_dh(CRYPTO_CIPHER_DES, secret, 128, &w), IDR_OK);
	assert_int_equal(wbuf_len(&w), 8);
	assert_hex(buf, 4, "01fe0280");
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_session_key_from_dh(CRYPTO_CIPHER_DESEDE, secret, 128, &w), IDR_OK);
	assert_int_equal(wbuf_len(&w), 24);
	wbuf_init(&w, buf, 8);
	assert_int_equal(crypto_session_key_from_dh(CRYPTO_CIPHER_AES, secret, 128, &w),
	                 IDR_ETOOBIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_crypto_known_answers),
	        cmocka_unit_test(test_crypto_incremental),
	        cmocka_unit_test(test_crypto_random),
	        cmocka_unit_test(test_crypto_hex),
	        cmocka_unit_test(test_crypto_hmac),
	        cmocka_unit_test(test_crypto_pbkdf2),
	        cmocka_unit_test(test_crypto_alg_names),
	        cmocka_unit_test(test_crypto_cipher_known),
	        cmocka_unit_test(test_crypto_cipher_roundtrip),
	        cmocka_unit_test(test_crypto_cipher_bad_padding),
	        cmocka_unit_test(test_crypto_session_key_from_dh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
