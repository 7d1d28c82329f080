/* test_crypto.c - known answers for SHA-256/SHA-1/MD5, incremental hashing, random, hex. */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_crypto_known_answers),
	        cmocka_unit_test(test_crypto_incremental),
	        cmocka_unit_test(test_crypto_random),
	        cmocka_unit_test(test_crypto_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
