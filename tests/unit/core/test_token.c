/*
 * test_token.c - the national API's tokens (core/token.h): issue and verify, expiry at the
 * second, every truncation and every single-byte change refused, another key, another header,
 * the length limit; the node secret file (made 0600, read back, a malformed one refused);
 * the login check in its plain and dated "cipher" forms with the ref's vector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crypto.h"
#include "core/token.h"

#define T0 1565841600u /* 2019-08-15T04:00:00Z = 12:00 China Standard Time */

static const struct token_key K1 = {{1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                     12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                     23, 24, 25, 26, 27, 28, 29, 30, 31, 32}};
static const uint8_t FP[TOKEN_FP_LEN] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};

static size_t
issue(const struct token_key *k, const char *sub, uint64_t now, char *out, size_t cap)
{
	struct wbuf w;

	wbuf_init(&w, out, cap);
	assert_int_equal(token_issue(k, sub, FP, now, &w), IDR_OK);
	return wbuf_len(&w);
}

static void
test_token_roundtrip(void **state)
{
	char tok[TOKEN_MAX];
	struct token_claims c;
	size_t n;

	(void)state;
	n = issue(&K1, "300:88.118.8/ADMIN", T0, tok, sizeof(tok));
	assert_memory_equal(tok, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37);
	assert_int_equal(token_verify(&K1, slice_make(tok, n), T0, &c), IDR_OK);
	assert_string_equal(c.sub, "300:88.118.8/ADMIN");
	assert_int_equal(c.iat, T0);
	assert_int_equal(c.exp, T0 + TOKEN_TTL);
	assert_memory_equal(c.fp, FP, TOKEN_FP_LEN);
	/* a subject with quotes and non-ASCII survives the JSON */
	n = issue(&K1, "300:88.118.8/\"管理员\"", T0, tok, sizeof(tok));
	assert_int_equal(token_verify(&K1, slice_make(tok, n), T0, &c), IDR_OK);
	assert_string_equal(c.sub, "300:88.118.8/\"管理员\"");
}

static void
test_token_expiry(void **state)
{
	char tok[TOKEN_MAX];
	struct token_claims c;
	size_t n = issue(&K1, "300:88/A", T0, tok, sizeof(tok));
	struct slice s = slice_make(tok, n);

	(void)state;
	assert_int_equal(token_verify(&K1, s, T0 + TOKEN_TTL - 1, &c), IDR_OK);
	assert_int_equal(token_verify(&K1, s, T0 + TOKEN_TTL, &c), IDR_EEXPIRED);
	assert_int_equal(token_verify(&K1, s, T0 + 10 * TOKEN_TTL, &c), IDR_EEXPIRED);
	/* issued in the future (a clock that jumped back) */
	assert_int_equal(token_verify(&K1, s, T0 - TOKEN_SKEW, &c), IDR_OK);
	assert_int_equal(token_verify(&K1, s, T0 - TOKEN_SKEW - 1, &c), IDR_EEXPIRED);
}

static void
test_token_tampered(void **state)
{
	static const struct token_key k2 = {{9}};
	char tok[TOKEN_MAX], bad[TOKEN_MAX + 2];
	struct token_claims c;
	size_t n = issue(&K1, "300:88.118.8/ADMIN", T0, tok, sizeof(tok));

	(void)state;
	/* every truncation */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(token_verify(&K1, slice_make(tok, i), T0, &c), IDR_EAUTH);
	}
	/* every single-byte change, including the unused bits of the last character */
	for (size_t i = 0; i < n; i++) {
		for (int delta = 1; delta < 4; delta++) {
			memcpy(bad, tok, n);
			bad[i] = (char)(bad[i] + delta);
			assert_int_equal(token_verify(&K1, slice_make(bad, n), T0, &c), IDR_EAUTH);
		}
	}
	/* a byte more */
	memcpy(bad, tok, n);
	bad[n] = 'A';
	assert_int_equal(token_verify(&K1, slice_make(bad, n + 1), T0, &c), IDR_EAUTH);
	/* another node's key */
	assert_int_equal(token_verify(&k2, slice_make(tok, n), T0, &c), IDR_EAUTH);
	/* alg none with the same payload and no signature */
	n = (size_t)snprintf(bad, sizeof(bad), "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.%s",
	                     strchr(tok, '.') + 1);
	assert_int_equal(token_verify(&K1, slice_make(bad, n), T0, &c), IDR_EAUTH);
	/* over the length limit */
	memset(bad, 'A', sizeof(bad));
	assert_int_equal(token_verify(&K1, slice_make(bad, TOKEN_MAX + 1), T0, &c), IDR_EAUTH);
	assert_int_equal(token_verify(&K1, slice_make(NULL, 0), T0, &c), IDR_EAUTH);
}

static void
test_token_issue_limits(void **state)
{
	char sub[AUTH_ID_MAX + 1], tok[4 * TOKEN_MAX];
	struct wbuf w;

	(void)state;
	memset(sub, 'a', sizeof(sub));
	sub[AUTH_ID_MAX - 1] = '\0'; /* the longest subject */
	wbuf_init(&w, tok, sizeof(tok));
	assert_int_equal(token_issue(&K1, sub, FP, T0, &w), IDR_OK);
	sub[AUTH_ID_MAX - 1] = 'a';
	sub[AUTH_ID_MAX] = '\0'; /* one more */
	wbuf_reset(&w);
	assert_int_equal(token_issue(&K1, sub, FP, T0, &w), IDR_EINVAL);
	assert_int_equal(token_issue(&K1, "", FP, T0, &w), IDR_EINVAL);
	assert_int_equal(token_issue(&K1, "300:a\nb", FP, T0, &w), IDR_EINVAL);
	wbuf_init(&w, tok, 40); /* no room */
	assert_int_not_equal(token_issue(&K1, "300:88/A", FP, T0, &w), IDR_OK);
}

static void
test_token_key_file(void **state)
{
	char dir[] = "/tmp/test_token.XXXXXX", path[128];
	struct token_key a, b;
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, TOKEN_FILE);
	assert_int_equal(token_key_load(dir, &a), IDR_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 65);
	assert_int_equal(token_key_load(dir, &b), IDR_OK);
	assert_memory_equal(a.k, b.k, TOKEN_KEY_LEN); /* survives a restart */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not hex\n", f);
	fclose(f);
	assert_int_equal(token_key_load(dir, &b), IDR_ECONFIG);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", f); /* 63 */
	fclose(f);
	assert_int_equal(token_key_load(dir, &b), IDR_ECONFIG);
	unlink(path);
	assert_int_equal(token_key_load("/nonexistent/dir", &b), IDR_ENOENT);
	rmdir(dir);
}

static void
sha256hex(const char *s, char out[65])
{
	uint8_t h[32];

	assert_int_equal(crypto_sha256(s, strlen(s), h), IDR_OK);
	crypto_hex(h, 32, out);
}

static void
test_token_cipher_vector(void **state)
{
	char base[65], out[65];

	(void)state;
	/* ref/idis.md §4.1, id-guide snms/v5/identity-auth.md 密文传输 */
	sha256hex("123456", base);
	token_cipher(slice_make(base, 64), "2019-08-15", out);
	assert_string_equal(out,
	                    "58e2c92c46485fdbc35fdcd0814d6c0f000cad5aa156848ca5edaf29406b7661");
	token_date(T0, 8 * 3600, out);
	assert_string_equal(out, "2019-08-15");
	token_date(T0 + 12 * 3600, 8 * 3600, out); /* 00:00 CST */
	assert_string_equal(out, "2019-08-16");
	token_date(T0 + 12 * 3600, 0, out);
	assert_string_equal(out, "2019-08-15");
}

static void
test_token_login_forms(void **state)
{
	static const char vec[] =
	        "58e2c92c46485fdbc35fdcd0814d6c0f000cad5aa156848ca5edaf29406b7661";
	char sha256[65], sha1[41];
	uint8_t h[20];
	struct slice clear = SLICE_LIT("123456"), pw = SLICE_LIT(vec);

	(void)state;
	sha256hex("123456", sha256);
	assert_int_equal(crypto_hash(CRYPTO_SHA1, "123456", 6, h), IDR_OK);
	crypto_hex(h, 20, sha1);
	/* plain: clear, SHA-1 and SHA-256 stored forms */
	assert_true(token_login_match(TOKEN_LOGIN_PLAIN, clear, clear, T0));
	assert_true(token_login_match(TOKEN_LOGIN_PLAIN, slice_cstr(sha1), clear, T0));
	assert_true(token_login_match(TOKEN_LOGIN_PLAIN, slice_cstr(sha256), clear, T0));
	assert_false(token_login_match(TOKEN_LOGIN_PLAIN, clear, SLICE_LIT("12345"), T0));
	assert_false(token_login_match(TOKEN_LOGIN_PLAIN, clear, SLICE_LIT(""), T0));
	assert_false(token_login_match(TOKEN_LOGIN_PLAIN, SLICE_LIT(""), SLICE_LIT(""), T0));
	/* the dated cipher, with the secret stored clear or as SHA-256, upper-case too */
	assert_true(token_login_match(TOKEN_LOGIN_CIPHER, clear, pw, T0));
	assert_true(token_login_match(TOKEN_LOGIN_CIPHER, slice_cstr(sha256), pw, T0));
	for (int i = 0; i < 64; i++) {
		sha256[i] = (char)(sha256[i] >= 'a' ? sha256[i] - 32 : sha256[i]);
	}
	assert_true(token_login_match(TOKEN_LOGIN_CIPHER, slice_cstr(sha256), pw, T0));
	assert_true(token_login_match(
	        TOKEN_LOGIN_CIPHER, clear,
	        SLICE_LIT("58E2C92C46485FDBC35FDCD0814D6C0F000CAD5AA156848CA5EDAF29406B7661"), T0));
	/* the cipher is not the password; the password is not the cipher */
	assert_false(token_login_match(TOKEN_LOGIN_PLAIN, clear, pw, T0));
	assert_false(token_login_match(TOKEN_LOGIN_CIPHER, clear, clear, T0));
	/* a SHA-1 stored form cannot take part */
	assert_false(token_login_match(TOKEN_LOGIN_CIPHER, slice_cstr(sha1), pw, T0));
	/* dates: the day before and after are refused; 15 minutes around midnight CST both */
	assert_false(token_login_match(TOKEN_LOGIN_CIPHER, clear, pw, T0 - 86400));
	assert_false(token_login_match(TOKEN_LOGIN_CIPHER, clear, pw, T0 + 86400));
	assert_true(token_login_match(TOKEN_LOGIN_CIPHER, clear, pw, T0 - 12 * 3600 - 600));
	assert_true(token_login_match(TOKEN_LOGIN_CIPHER, clear, pw, T0 + 20 * 3600)); /* UTC */
	assert_false(token_login_match(TOKEN_LOGIN_CIPHER, clear, pw, T0 - 12 * 3600 - 1000));
	/* one character off, one too many, one too few */
	assert_false(token_login_match(TOKEN_LOGIN_CIPHER, clear, slice_make(vec, 63), T0));
	assert_false(token_login_match(
	        TOKEN_LOGIN_CIPHER, clear,
	        SLICE_LIT("58e2c92c46485fdbc35fdcd0814d6c0f000cad5aa156848ca5edaf29406b76610"),
	        T0));
	assert_false(token_login_match(
	        TOKEN_LOGIN_CIPHER, clear,
	        SLICE_LIT("58e2c92c46485fdbc35fdcd0814d6c0f000cad5aa156848ca5edaf29406b7660"), T0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_token_roundtrip),
	        cmocka_unit_test(test_token_expiry),
	        cmocka_unit_test(test_token_tampered),
	        cmocka_unit_test(test_token_issue_limits),
	        cmocka_unit_test(test_token_key_file),
	        cmocka_unit_test(test_token_cipher_vector),
	        cmocka_unit_test(test_token_login_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
