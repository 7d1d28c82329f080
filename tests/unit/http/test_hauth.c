/*
 * test_hauth.c - the Authorization header parsers of the REST API (http/hauth.h): the
 * parameters of `Authorization: Handle` (valid forms, every truncation point of a valid
 * header, repeated and malformed parameters) and the user part of Basic credentials (escapes,
 * every truncation point, the length bound and one past it), and the session id text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/hauth.h"

static void
test_params_valid(void **state)
{
	static const char full[] =
	        "sessionId=\"0a1b2c3d\", id=\"300:88.118.8/ADMIN\", type=\"HS_PUBKEY\", "
	        "cnonce=\"AAEC\", alg=SHA256,signature=\"c2ln\" ,version=0";
	struct hauth_params p;
	const char *why = NULL;
	(void)state;

	assert_int_equal(hauth_params_parse(SLICE_LIT(full), &p, &why), IDR_OK);
	assert_true(slice_caseeq_cstr(p.session_id, "0a1b2c3d"));
	assert_true(slice_caseeq_cstr(p.id, "300:88.118.8/ADMIN"));
	assert_true(slice_caseeq_cstr(p.type, "HS_PUBKEY"));
	assert_true(slice_caseeq_cstr(p.cnonce, "AAEC"));
	assert_true(slice_caseeq_cstr(p.alg, "SHA256")); /* a token */
	assert_true(slice_caseeq_cstr(p.signature, "c2ln"));
	assert_true(slice_caseeq_cstr(p.version, "0"));
	assert_null(p.salt.p);
	/* keys are case-insensitive; unknown keys are ignored; empty input has nothing */
	assert_int_equal(
	        hauth_params_parse(SLICE_LIT("SESSIONID=ab, clientCert=\"true\""), &p, &why),
	        IDR_OK);
	assert_true(slice_caseeq_cstr(p.session_id, "ab"));
	assert_int_equal(hauth_params_parse(SLICE_LIT(""), &p, &why), IDR_OK);
	assert_null(p.session_id.p);
	assert_int_equal(hauth_params_parse(SLICE_LIT("a=\"\""), &p, &why), IDR_OK);
}

static void
test_params_malformed(void **state)
{
	static const char *const bad[] = {
	        "sessionId",          /* no value */
	        "=x",                 /* no key */
	        "id=\"x\", id=\"y\"", /* repeated */
	        "sessionId=\"abc",    /* unterminated */
	        "id=\"a\\\"b\"",      /* escapes refused */
	        "sessionId x",        /* no '=' */
	};
	struct hauth_params p;
	const char *why;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(hauth_params_parse(slice_cstr(bad[i]), &p, &why), IDR_EPROTO);
		assert_non_null(why);
	}
}

/* Every prefix of a valid header parses or fails cleanly; a cut inside a quoted value fails. */
static void
test_params_truncations(void **state)
{
	static const char full[] = "sessionId=\"0a1b2c3d\", id=\"300:88.1/A\", alg=SHA1";
	struct hauth_params p;
	const char *why;
	(void)state;

	for (size_t n = 0; n <= sizeof(full) - 1; n++) {
		int quotes = 0;

		for (size_t i = 0; i < n; i++) {
			quotes += full[i] == '"';
		}
		why = NULL;
		int rc = hauth_params_parse(slice_make(full, n), &p, &why);
		if (quotes % 2 == 1) {
			assert_int_equal(rc, IDR_EPROTO); /* inside a quoted value */
		}
		if (rc == IDR_OK) {
			assert_true(p.session_id.p == NULL ||
			            p.session_id.p + p.session_id.len <= (const uint8_t *)full + n);
		} else {
			assert_non_null(why);
		}
	}
}

static void
test_basic_user(void **state)
{
	static const struct {
		const char *in;
		int rc;
		uint32_t index;
		const char *handle;
	} cases[] = {
	        {"300%3A88.118.8/ADMIN", IDR_OK, 300, "88.118.8/ADMIN"},
	        {"300%3a0.NA/88.118", IDR_OK, 300, "0.NA/88.118"},
	        {"300:88.118.8/ADMIN", IDR_OK, 300, "88.118.8/ADMIN"}, /* a bare ':' works too */
	        {"300%3A88.118.8/A%25B", IDR_OK, 300, "88.118.8/A%B"},
	        {"300%3A88.118.8/A%3AB", IDR_OK, 300, "88.118.8/A:B"},
	        {"300%3", IDR_EINVAL, 0, NULL},
	        {"300%", IDR_EINVAL, 0, NULL},
	        {"300%ZZ88.1/A", IDR_EINVAL, 0, NULL},
	        {"88.118.8/ADMIN", IDR_EINVAL, 0, NULL},
	        {"0%3A88.1/A", IDR_EINVAL, 0, NULL},
	        {"", IDR_EINVAL, 0, NULL},
	};
	char buf[AUTH_ID_MAX];
	struct auth_id id;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = hauth_basic_user(slice_cstr(cases[i].in), buf, sizeof(buf), &id);

		assert_int_equal(rc, cases[i].rc);
		if (rc == IDR_OK) {
			assert_int_equal(id.index, cases[i].index);
			assert_int_equal(id.handle.len, strlen(cases[i].handle));
			assert_memory_equal(id.handle.p, cases[i].handle, id.handle.len);
		}
	}
}

static void
test_basic_user_truncations_and_limit(void **state)
{
	static const char full[] = "300%3A88.118.8/ADMIN";
	static char big[IDENT_HARD_MAX + 16];
	char buf[AUTH_ID_MAX];
	struct auth_id id;
	size_t n;
	(void)state;

	/* prefixes: invalid until the colon is complete and a handle byte follows */
	for (n = 0; n <= sizeof(full) - 1; n++) {
		int rc = hauth_basic_user(slice_make(full, n), buf, sizeof(buf), &id);

		assert_int_equal(rc, n >= 7 ? IDR_OK : IDR_EINVAL);
	}
	/* the handle at IDENT_HARD_MAX bytes, and one past */
	n = (size_t)snprintf(big, sizeof(big), "1:");
	memset(big + n, 'a', IDENT_HARD_MAX);
	assert_int_equal(
	        hauth_basic_user(slice_make(big, n + IDENT_HARD_MAX), buf, sizeof(buf), &id),
	        IDR_OK);
	assert_int_equal(id.handle.len, IDENT_HARD_MAX);
	big[n + IDENT_HARD_MAX] = 'a';
	assert_int_equal(
	        hauth_basic_user(slice_make(big, n + IDENT_HARD_MAX + 1), buf, sizeof(buf), &id),
	        IDR_EINVAL);
}

static void
test_session_text(void **state)
{
	char out[9];
	(void)state;

	hauth_session_text(0x0a1b2c3du, out);
	assert_string_equal(out, "0a1b2c3d");
	hauth_session_text(1, out);
	assert_string_equal(out, "00000001");
	hauth_session_text(0x7fffffffu, out);
	assert_string_equal(out, "7fffffff");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_params_valid),
	        cmocka_unit_test(test_params_malformed),
	        cmocka_unit_test(test_params_truncations),
	        cmocka_unit_test(test_basic_user),
	        cmocka_unit_test(test_basic_user_truncations_and_limit),
	        cmocka_unit_test(test_session_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
