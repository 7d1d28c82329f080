/*
 * test_api_nodes.c - the bodies of the top level's node changes (http/api_nodes.h,
 * http_nodes_body_parse): an add (base64 and hex keys, valid, every truncation point, each
 * member missing, not a string, with a NUL, one byte past its limit, unknown and duplicate
 * members, keys that are no HS_PUBKEY), a takeover (empty, with a site, a bad site, unknown
 * members), a release (empty only), and a body one byte past NODES_BODY_MAX.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/b64.h"
#include "base/crypto.h"
#include "base/wbuf.h"
#include "http/api_nodes.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static char key_b64[2 * NODEOP_KEY_MAX]; /* an RSA key's HS_PUBKEY, base64 */
static char key_hex[2 * NODEOP_KEY_MAX + 1];
static size_t key_len;

static int
setup(void **state)
{
	struct crypto_key *k = NULL;
	struct wbuf w, b;

	(void)state;
	wbuf_init_heap(&w, NODEOP_KEY_MAX);
	wbuf_init(&b, key_b64, sizeof(key_b64) - 1);
	if (crypto_key_generate(&k, CRYPTO_KEY_RSA, 1024) != IDR_OK ||
	    crypto_key_hs_pubkey(k, &w) != IDR_OK) {
		return -1;
	}
	key_len = wbuf_len(&w);
	b64_encode(&b, wbuf_slice(&w));
	key_b64[wbuf_len(&b)] = '\0';
	crypto_hex(wbuf_data(&w), key_len, key_hex);
	crypto_key_free(k);
	wbuf_deinit(&w);
	return wbuf_error(&b) == IDR_OK ? 0 : -1;
}

static struct nodeop op;

static int
parse(enum nodeop_kind kind, const char *prefix, const char *body, char *msg)
{
	msg[0] = '\0';
	return http_nodes_body_parse(slice_cstr(body), kind, slice_cstr(prefix), &op, msg,
	                             NODEOP_MSG_MAX);
}

/* An add body with the base64 key and the given extra members (",..." or ""). */
static char *
add_body(const char *extra)
{
	size_t cap = strlen(key_b64) + strlen(extra) + 128;
	char *b = malloc(cap);

	assert_non_null(b);
	snprintf(
	        b, cap,
	        "{\"prefix\":\"88.118\",\"public_key\":{\"format\":\"base64\",\"value\":\"%s\"}%s}",
	        key_b64, extra);
	return b;
}

static void
test_api_nodes_add_valid(void **state)
{
	char msg[NODEOP_MSG_MAX],
	        *b = add_body(",\"site\":\"127.0.0.1:2641\",\"owner\":\"node one\"");
	char hex[sizeof(key_hex) + 128];

	(void)state;
	assert_int_equal(parse(NODEOP_ADD, "", b, msg), IDR_OK);
	assert_string_equal(op.prefix, "88.118");
	assert_string_equal(op.owner, "node one");
	assert_int_equal(op.key_len, key_len);
	assert_true(op.site_len > 0);
	assert_int_equal(op.kind, NODEOP_ADD);
	free(b);
	snprintf(hex, sizeof(hex),
	         "{\"prefix\":\"88.200\",\"public_key\":{\"format\":\"hex\",\"value\":\"%s\"}}",
	         key_hex);
	assert_int_equal(parse(NODEOP_ADD, "", hex, msg), IDR_OK);
	assert_string_equal(op.prefix, "88.200");
	assert_int_equal(op.key_len, key_len);
	assert_int_equal(op.site_len, 0);
	assert_string_equal(op.owner, "");
}

static void
test_api_nodes_add_truncated(void **state)
{
	char msg[NODEOP_MSG_MAX], *b = add_body("");
	size_t len = strlen(b);

	(void)state;
	for (size_t n = 0; n < len; n++) {
		char c = b[n];

		b[n] = '\0';
		assert_int_equal(parse(NODEOP_ADD, "", b, msg), IDR_EPROTO);
		assert_true(msg[0] != '\0');
		b[n] = c;
	}
	free(b);
}

static void
test_api_nodes_add_bad(void **state)
{
	static const struct {
		const char *extra; /* added to a valid add body */
		int rc;
		const char *msg; /* in the message */
	} cases[] = {
	        {",\"other\":1", IDR_EPROTO, "unknown member \"other\""},
	        {",\"prefix\":\"88.200\"", IDR_EPROTO, "duplicate"},
	        {",\"site\":5", IDR_EPROTO, "strings"},
	        {",\"owner\":null", IDR_EPROTO, "strings"},
	        {",\"owner\":\"a\\u0000b\"", IDR_EPROTO, "not JSON"},
	        {",\"site\":\"nowhere\"", IDR_EINVAL, "IP:PORT"},
	        {",\"site\":\"127.0.0.1\"", IDR_EINVAL, "IP:PORT"},
	        {",\"site\":\"127.0.0.1:0\"", IDR_EINVAL, "IP:PORT"},
	};
	char msg[NODEOP_MSG_MAX];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *b = add_body(cases[i].extra);

		int rc = parse(NODEOP_ADD, "", b, msg);

		free(b);
		if (rc != cases[i].rc || strstr(msg, cases[i].msg) == NULL) {
			fail_msg("case %zu: %d %s", i, rc, msg);
		}
	}
}

static void
test_api_nodes_add_members(void **state)
{
	static const struct {
		const char *body;
		int rc;
		const char *msg;
	} cases[] = {
	        {"{}", IDR_EPROTO, "\"prefix\""},
	        {"[]", IDR_EPROTO, "JSON object"},
	        {"", IDR_EPROTO, "not JSON"},
	        {"{\"prefix\":5}", IDR_EPROTO, "\"prefix\""},
	        {"{\"prefix\":\"88.1\\u00008\"}", IDR_EPROTO, "not JSON"},
	        {"{\"prefix\":\"\"}", IDR_EINVAL, "prefix"},
	        {"{\"prefix\":\"88.118\"}", IDR_EPROTO, "public_key must be"},
	        {"{\"prefix\":\"88.118\",\"public_key\":\"abc\"}", IDR_EPROTO,
	         "public_key must be"},
	        {"{\"prefix\":\"88.118\",\"public_key\":{\"format\":\"pem\",\"value\":\"AA==\"}}",
	         IDR_EPROTO, "not base64"},
	        {"{\"prefix\":\"88.118\",\"public_key\":{\"format\":\"hex\",\"value\":\"0\"}}",
	         IDR_EPROTO, "not hex"},
	        {"{\"prefix\":\"88.118\",\"public_key\":{\"format\":\"hex\",\"value\":\"zz\"}}",
	         IDR_EPROTO, "not hex"},
	        {"{\"prefix\":\"88.118\",\"public_key\":{\"format\":\"base64\",\"value\":\"!!\"}}",
	         IDR_EPROTO, "not base64"},
	        {"{\"prefix\":\"88.118\",\"public_key\":{\"format\":\"hex\",\"value\":\"0001\"}}",
	         IDR_EINVAL, "HS_PUBKEY"},
	        {"{\"prefix\":\"88.118\",\"public_key\":{\"format\":\"hex\",\"value\":\"00\",\"x\":"
	         "1}}",
	         IDR_EPROTO, "public_key must be"},
	};
	char msg[NODEOP_MSG_MAX];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int rc = parse(NODEOP_ADD, "", cases[i].body, msg);

		if (rc != cases[i].rc || strstr(msg, cases[i].msg) == NULL) {
			fail_msg("case %zu: %d %s", i, rc, msg);
		}
	}
}

/* prefix, owner and key at their limits and one byte past */
static void
test_api_nodes_add_limits(void **state)
{
	char msg[NODEOP_MSG_MAX], *b, *extra, *big;
	size_t cap = 2 * (PFX_MAX_OWNER + 64) + 4 * NODEOP_KEY_MAX;

	(void)state;
	extra = malloc(cap);
	big = malloc(cap);
	assert_non_null(extra);
	assert_non_null(big);
	for (int past = 0; past <= 1; past++) {
		/* owner */
		snprintf(extra, cap, ",\"owner\":\"%0*d\"", PFX_MAX_OWNER + past, 0);
		b = add_body(extra);
		assert_int_equal(parse(NODEOP_ADD, "", b, msg), past ? IDR_ELIMIT : IDR_OK);
		free(b);
		/* prefix */
		snprintf(big, cap,
		         "{\"prefix\":\"%0*d\",\"public_key\":{\"format\":\"hex\",\"value\":\"%s\"}"
		         "}",
		         PFX_MAX_LEN + past, 8, key_hex);
		assert_int_equal(parse(NODEOP_ADD, "", big, msg), past ? IDR_EINVAL : IDR_OK);
		/* key bytes: NODEOP_KEY_MAX is accepted by the decoder (not an HS_PUBKEY: EINVAL),
		 * one more is refused before decoding */
		{
			static const char head[] = "{\"prefix\":\"88.118\",\"public_key\":{"
			                           "\"format\":\"hex\",\"value\":\"";
			size_t at = sizeof(head) - 1, nhex = 2 * (NODEOP_KEY_MAX + (size_t)past);

			memcpy(big, head, at);
			memset(big + at, '1', nhex);
			memcpy(big + at + nhex, "\"}}", 4);
		}
		assert_int_equal(parse(NODEOP_ADD, "", big, msg), past ? IDR_EPROTO : IDR_EINVAL);
	}
	free(extra);
	free(big);
}

static void
test_api_nodes_takeover_release(void **state)
{
	char msg[NODEOP_MSG_MAX];

	(void)state;
	assert_int_equal(parse(NODEOP_TAKEOVER, "88.118", "", msg), IDR_OK);
	assert_string_equal(op.prefix, "88.118");
	assert_int_equal(op.site_len, 0);
	assert_int_equal(parse(NODEOP_TAKEOVER, "88.118", "{\"site\":\"127.0.0.1:2641\"}", msg),
	                 IDR_OK);
	assert_true(op.site_len > 0);
	assert_int_equal(parse(NODEOP_TAKEOVER, "88.118", "{\"site\":\"x\"}", msg), IDR_EINVAL);
	assert_int_equal(parse(NODEOP_TAKEOVER, "88.118", "{\"owner\":\"x\"}", msg), IDR_EPROTO);
	assert_non_null(strstr(msg, "unknown member \"owner\""));
	assert_int_equal(parse(NODEOP_TAKEOVER, "88.118", "{\"site\":", msg), IDR_EPROTO);
	assert_int_equal(parse(NODEOP_TAKEOVER, "", "", msg), IDR_EINVAL);
	assert_int_equal(parse(NODEOP_RELEASE, "88.118", "", msg), IDR_OK);
	assert_int_equal(op.kind, NODEOP_RELEASE);
	assert_int_equal(parse(NODEOP_RELEASE, "88.118", "{}", msg), IDR_EPROTO);
	assert_non_null(strstr(msg, "no body"));
}

static void
test_api_nodes_body_max(void **state)
{
	char msg[NODEOP_MSG_MAX], *b = malloc(NODES_BODY_MAX + 2);
	const char *json = "{\"site\":\"127.0.0.1:2641\"}";

	(void)state;
	assert_non_null(b);
	for (int past = 0; past <= 1; past++) {
		size_t n = NODES_BODY_MAX + (size_t)past;

		memset(b, ' ', n);
		memcpy(b, json, strlen(json));
		b[n] = '\0';
		assert_int_equal(parse(NODEOP_TAKEOVER, "88.118", b, msg),
		                 past ? IDR_ELIMIT : IDR_OK);
	}
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_api_nodes_add_valid),
	        cmocka_unit_test(test_api_nodes_add_truncated),
	        cmocka_unit_test(test_api_nodes_add_bad),
	        cmocka_unit_test(test_api_nodes_add_members),
	        cmocka_unit_test(test_api_nodes_add_limits),
	        cmocka_unit_test(test_api_nodes_takeover_release),
	        cmocka_unit_test(test_api_nodes_body_max),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
