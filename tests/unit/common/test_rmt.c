/* test_rmt.c - the remote mode's client: option rules, secret files, the parsers of session
 * and write answers (valid, every truncation, every limit one past), paths and bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/rcmd.h"
#include "common/rmt.h"

/* ---------------------------------------------------------------- options */

struct opts_case {
	const char *node, *key, *secret, *id, *cacert;
	bool insecure, data;
	int rc;
	const char *why; /* a word of the message */
};

static const struct opts_case opts_cases[] = {
        {NULL, NULL, NULL, NULL, NULL, false, false, IDR_OK, NULL},
        {NULL, NULL, NULL, NULL, NULL, false, true, IDR_OK, NULL},
        {"https://n:1", "k", NULL, "300:a/B", NULL, false, false, IDR_OK, NULL},
        {"https://n:1", NULL, "s", "300:a/B", "ca", true, false, IDR_OK, NULL},
        {"https://n:1", "k", NULL, "300:a/B", NULL, false, true, IDR_EINVAL, "--data"},
        {"https://n:1", "k", NULL, NULL, NULL, false, false, IDR_EINVAL, "--id"},
        {"https://n:1", NULL, NULL, "300:a/B", NULL, false, false, IDR_EINVAL, "--key"},
        {"https://n:1", "k", "s", "300:a/B", NULL, false, false, IDR_EINVAL, "not both"},
        {NULL, "k", NULL, NULL, NULL, false, false, IDR_EINVAL, "need --node"},
        {NULL, NULL, "s", NULL, NULL, false, false, IDR_EINVAL, "need --node"},
        {NULL, NULL, NULL, "300:a/B", NULL, false, false, IDR_EINVAL, "need --node"},
        {NULL, NULL, NULL, NULL, "ca", false, false, IDR_EINVAL, "need --node"},
        {NULL, NULL, NULL, NULL, NULL, true, false, IDR_EINVAL, "need --node"},
};

static void
test_rmt_opts_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(opts_cases) / sizeof(opts_cases[0]); i++) {
		const struct opts_case *c = &opts_cases[i];
		struct rmt_opts o = {c->node, c->key, c->secret, c->id, c->cacert, c->insecure};
		const char *why = NULL;

		assert_int_equal(rmt_opts_check(&o, c->data, &why), c->rc);
		if (c->why != NULL) {
			assert_non_null(why);
			assert_non_null(strstr(why, c->why));
		}
	}
}

static void
test_rmt_opt_take(void **state)
{
	struct rmt_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_true(rmt_opt_take(&o, RMT_OPT_NODE, "https://x"));
	assert_true(rmt_opt_take(&o, RMT_OPT_KEY, "k"));
	assert_true(rmt_opt_take(&o, RMT_OPT_SECRET, "s"));
	assert_true(rmt_opt_take(&o, RMT_OPT_ID, "300:a/B"));
	assert_true(rmt_opt_take(&o, RMT_OPT_CACERT, "ca"));
	assert_true(rmt_opt_take(&o, RMT_OPT_INSECURE, NULL));
	assert_false(rmt_opt_take(&o, 'd', "x"));
	assert_string_equal(o.node, "https://x");
	assert_string_equal(o.key_file, "k");
	assert_string_equal(o.secret_file, "s");
	assert_string_equal(o.id, "300:a/B");
	assert_string_equal(o.cacert, "ca");
	assert_true(o.insecure);
}

/* ---------------------------------------------------------------- credentials */

struct secret_case {
	const char *content;
	size_t len; /* 0: strlen */
	int rc;
	const char *why;
};

static void
secret_try(const struct secret_case *c)
{
	char path[] = "/tmp/idr-test-rmt-XXXXXX", err[RMT_ERR_MAX];
	struct rmt_opts o = {"https://n:1", NULL, path, "300:88.118.8/ADMIN", NULL, false};
	struct rmt_cred *cred = NULL;
	size_t len = c->len != 0 ? c->len : strlen(c->content);
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, c->content, len), (ssize_t)len);
	close(fd);
	assert_int_equal(rmt_cred_load(&cred, &o, err, sizeof(err)), c->rc);
	if (c->rc == IDR_OK) {
		assert_non_null(cred);
		assert_string_equal(rmt_cred_id(cred), "300:88.118.8/ADMIN");
	} else {
		assert_null(cred);
		assert_non_null(strstr(err, c->why));
		assert_non_null(strstr(err, path)); /* the file is named */
	}
	rmt_cred_free(cred);
	unlink(path);
}

static void
test_rmt_secret_file(void **state)
{
	static char big[RMT_SECRET_MAX + 2], max[RMT_SECRET_MAX + 2];
	const struct secret_case cases[] = {
	        {"s3cret", 0, IDR_OK, NULL},
	        {"s3cret\n", 0, IDR_OK, NULL},
	        {"s3cret\r\n", 0, IDR_OK, NULL},
	        {"with space:and colon", 0, IDR_OK, NULL},
	        {"\n", 0, IDR_EINVAL, "empty"},
	        {"", 0, IDR_EINVAL, "empty"},
	        {"a\nb\n", 0, IDR_EINVAL, "more than one line"},
	        {max, 0, IDR_OK, NULL},
	        {big, 0, IDR_ELIMIT, "longer than"},
	};

	(void)state;
	memset(max, 'x', RMT_SECRET_MAX);
	max[RMT_SECRET_MAX] = '\n';
	memset(big, 'x', RMT_SECRET_MAX + 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		secret_try(&cases[i]);
	}
}

static void
test_rmt_cred_errors(void **state)
{
	struct rmt_opts o = {"https://n:1", "/nonexistent/key.pem", NULL, "300:88.118.8/A", NULL,
	                     false};
	struct rmt_cred *cred = NULL;
	char err[RMT_ERR_MAX];

	(void)state;
	assert_int_not_equal(rmt_cred_load(&cred, &o, err, sizeof(err)), IDR_OK);
	assert_null(cred);
	assert_non_null(strstr(err, "/nonexistent/key.pem"));
	o.id = "ADMIN";
	assert_int_equal(rmt_cred_load(&cred, &o, err, sizeof(err)), IDR_EINVAL);
	assert_non_null(strstr(err, "INDEX:HANDLE"));
	o.id = "300:";
	assert_int_equal(rmt_cred_load(&cred, &o, err, sizeof(err)), IDR_EINVAL);
}

/* ---------------------------------------------------------------- session answers */

#define SESSION_OK                                                                                 \
	"{\"sessionId\":\"0a1b2c3d\",\"nonce\":\"AAECAwQFBgcICQoLDA0ODw==\",\"authenticated\":"    \
	"true,\"id\":\"300:88.118.8/ADMIN\",\"error\":\"x\\u0001y\"}"

static void
test_rmt_session_valid(void **state)
{
	struct rmt_session s;
	const char *why = NULL;

	(void)state;
	assert_int_equal(rmt_session_parse(slice_cstr(SESSION_OK), &s, &why), IDR_OK);
	assert_string_equal(s.id, "0a1b2c3d");
	assert_int_equal(s.nonce_len, 16);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(s.nonce[i], i);
	}
	assert_true(s.authenticated);
	assert_string_equal(s.error, "x?y"); /* control characters never reach the terminal */
	assert_int_equal(rmt_session_parse(slice_cstr("{\"sessionId\":\"1\",\"nonce\":\"AA==\","
	                                              "\"more\":[1,2]}"),
	                                   &s, &why),
	                 IDR_OK);
	assert_false(s.authenticated);
	assert_string_equal(s.error, "");
}

/* Every cut of a valid answer is refused: the object is never complete. */
static void
test_rmt_session_truncated(void **state)
{
	const char *full = SESSION_OK;
	struct rmt_session s;
	const char *why;

	(void)state;
	for (size_t n = 0; n < strlen(full); n++) {
		why = NULL;
		assert_int_equal(rmt_session_parse(slice_make(full, n), &s, &why), IDR_EPROTO);
		assert_non_null(why);
		assert_string_equal(s.id, "");
	}
}

struct session_case {
	const char *body;
	int rc;
	const char *why;
};

static void
test_rmt_session_table(void **state)
{
	/* base64 of 64 bytes decodes, of 65 does not fit */
	static const char n64[] =
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	        "AAAAAAAAAAAAAAA==";
	static const char n65[] =
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	        "AAAAAAAAAAAAAAAA=";
	char b64[200], b65[200];
	const struct session_case cases[] = {
	        {"{\"sessionId\":\"12345678\",\"nonce\":\"AA==\"}", IDR_OK, NULL},
	        {"{\"sessionId\":\"123456789\",\"nonce\":\"AA==\"}", IDR_EPROTO, "sessionId"},
	        {"{\"sessionId\":\"\",\"nonce\":\"AA==\"}", IDR_EPROTO, "sessionId"},
	        {"{\"sessionId\":\"12g4\",\"nonce\":\"AA==\"}", IDR_EPROTO, "sessionId"},
	        {"{\"sessionId\":1234,\"nonce\":\"AA==\"}", IDR_EPROTO, "sessionId"},
	        {"{\"nonce\":\"AA==\"}", IDR_EPROTO, "sessionId"},
	        {"{\"sessionId\":\"1\"}", IDR_EPROTO, "nonce"},
	        {"{\"sessionId\":\"1\",\"nonce\":\"\"}", IDR_EPROTO, "nonce"},
	        {"{\"sessionId\":\"1\",\"nonce\":\"!!\"}", IDR_EPROTO, "nonce"},
	        {"{\"sessionId\":\"1\",\"nonce\":\"AA==\",\"authenticated\":1}", IDR_EPROTO,
	         "authenticated"},
	        {"{\"sessionId\":\"1\",\"sessionId\":\"2\",\"nonce\":\"AA==\"}", IDR_EPROTO,
	         "JSON"},
	        {"[]", IDR_EPROTO, "JSON"},
	        {"<html>", IDR_EPROTO, "JSON"},
	        {"", IDR_EPROTO, "JSON"},
	        {b64, IDR_OK, NULL},
	        {b65, IDR_EPROTO, "nonce"},
	};

	(void)state;
	assert_int_equal(strlen(n64), 88);
	assert_int_equal(strlen(n65), 88);
	snprintf(b64, sizeof(b64), "{\"sessionId\":\"1\",\"nonce\":\"%s\"}", n64);
	snprintf(b65, sizeof(b65), "{\"sessionId\":\"1\",\"nonce\":\"%s\"}", n65);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rmt_session s;
		const char *why = NULL;

		assert_int_equal(rmt_session_parse(slice_cstr(cases[i].body), &s, &why),
		                 cases[i].rc);
		if (cases[i].why != NULL) {
			assert_non_null(strstr(why, cases[i].why));
		}
	}
}

static void
test_rmt_session_limit(void **state)
{
	size_t n = RMT_JSON_MAX + 1;
	char *big = malloc(n);
	struct rmt_session s;
	struct rmt_answer a;
	const char *why = NULL;
	const char *head = "{\"sessionId\":\"1\",\"nonce\":\"AA==\",\"pad\":\"";

	(void)state;
	assert_non_null(big);
	memset(big, 'x', n);
	memcpy(big, head, strlen(head));
	big[n - 2] = '"';
	big[n - 1] = '}';
	assert_int_equal(rmt_session_parse(slice_make(big, n), &s, &why), IDR_ELIMIT);
	assert_int_equal(rmt_answer_parse(slice_make(big, n), &a), IDR_ELIMIT);
	assert_int_equal(a.response_code, -1);
	/* one byte less is within the cap */
	big[n - 3] = '"';
	big[n - 2] = '}';
	assert_int_equal(rmt_session_parse(slice_make(big, n - 1), &s, &why), IDR_OK);
	free(big);
}

/* ---------------------------------------------------------------- write answers */

#define ANSWER_OK "{\"responseCode\":101,\"handle\":\"88.118.8/X\",\"message\":\"already\\nthere\"}"

static void
test_rmt_answer(void **state)
{
	const char *full = ANSWER_OK;
	struct rmt_answer a;
	char longmsg[RMT_MSG_MAX + 64];

	(void)state;
	assert_int_equal(rmt_answer_parse(slice_cstr(full), &a), IDR_OK);
	assert_int_equal(a.response_code, 101);
	assert_string_equal(a.message, "already?there");
	for (size_t n = 0; n < strlen(full); n++) {
		assert_int_equal(rmt_answer_parse(slice_make(full, n), &a), IDR_OK);
		assert_int_equal(a.response_code, -1);
		assert_string_equal(a.message, "");
	}
	assert_int_equal(rmt_answer_parse(slice_cstr("{\"responseCode\":-1}"), &a), IDR_OK);
	assert_int_equal(a.response_code, -1);
	assert_int_equal(rmt_answer_parse(slice_cstr("{\"responseCode\":\"1\"}"), &a), IDR_OK);
	assert_int_equal(a.response_code, -1);
	assert_int_equal(rmt_answer_parse(slice_cstr("{\"responseCode\":2147483648}"), &a), IDR_OK);
	assert_int_equal(a.response_code, -1);
	assert_int_equal(rmt_answer_parse(slice_cstr("{\"message\":7}"), &a), IDR_OK);
	assert_string_equal(a.message, "");
	/* a message longer than the cap is cut, never overrun */
	memset(longmsg, 0, sizeof(longmsg));
	memcpy(longmsg, "{\"message\":\"", 12);
	memset(longmsg + 12, 'm', RMT_MSG_MAX + 20);
	memcpy(longmsg + 12 + RMT_MSG_MAX + 20, "\"}", 2);
	assert_int_equal(rmt_answer_parse(slice_cstr(longmsg), &a), IDR_OK);
	assert_true(strlen(a.message) < RMT_MSG_MAX);
	assert_true(strlen(a.message) > RMT_MSG_MAX / 2);
}

/* ---------------------------------------------------------------- encoders */

static void
test_rmt_path(void **state)
{
	static const struct {
		const char *id, *query, *want;
	} cases[] = {
	        {"88.118.8/P-1", "", "/api/handles/88.118.8/P-1"},
	        {"88.118.8/a b?c#d&e", "?overwrite=false",
	         "/api/handles/88.118.8/a%20b%3Fc%23d%26e?overwrite=false"},
	        {"88.118.8/材", "", "/api/handles/88.118.8/%E6%9D%90"},
	        {"88.118.8/%~_.", "", "/api/handles/88.118.8/%25~_."},
	};
	char buf[256];
	struct wbuf w;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wbuf_init(&w, buf, sizeof(buf));
		assert_int_equal(rmt_path(&w, slice_cstr(cases[i].id), cases[i].query), IDR_OK);
		wbuf_u8(&w, '\0');
		assert_string_equal(buf, cases[i].want);
	}
	wbuf_init(&w, buf, 20);
	assert_int_equal(rmt_path(&w, slice_cstr("88.118.8/P-1"), ""), IDR_ETOOBIG);
}

static void
test_rmt_item_body(void **state)
{
	struct value v[2];
	char buf[1024];
	struct wbuf w;

	(void)state;
	memset(v, 0, sizeof(v));
	v[0].index = 2000;
	v[0].type = SLICE_LIT("model");
	v[0].data = SLICE_LIT("X1");
	v[0].ttl = 86400;
	v[0].perms = VALUE_PERM_DEFAULT;
	v[1].index = 1;
	v[1].type = SLICE_LIT("URL");
	v[1].data = SLICE_LIT("https://e/1");
	v[1].ttl = 86400;
	v[1].perms = VALUE_PERM_DEFAULT;
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(rcmd_item_body(&w, REC_KIND_PART, v, 2), IDR_OK);
	wbuf_u8(&w, '\0');
	assert_string_equal(buf, "[{\"index\":1,\"type\":\"URL\",\"data\":{\"format\":\"string\","
	                         "\"value\":\"https://e/1\"},\"ttl\":86400},"
	                         "{\"index\":10,\"type\":\"ITEM_KIND\",\"data\":{\"format\":"
	                         "\"string\",\"value\":\"part\"},\"ttl\":86400},"
	                         "{\"index\":2000,\"type\":\"model\",\"data\":{\"format\":"
	                         "\"string\",\"value\":\"X1\"},\"ttl\":86400}]");
	/* a record's own kind value is not doubled */
	v[1].index = REC_KIND_INDEX;
	v[1].type = SLICE_LIT("ITEM_KIND");
	v[1].data = SLICE_LIT("lot");
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(rcmd_item_body(&w, REC_KIND_LOT, v, 2), IDR_OK);
	wbuf_u8(&w, '\0');
	assert_null(strstr(strstr(buf, "ITEM_KIND") + 1, "ITEM_KIND"));
	wbuf_init(&w, buf, 30);
	assert_int_equal(rcmd_item_body(&w, REC_KIND_LOT, v, 2), IDR_ETOOBIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rmt_opts_table),
	        cmocka_unit_test(test_rmt_opt_take),
	        cmocka_unit_test(test_rmt_secret_file),
	        cmocka_unit_test(test_rmt_cred_errors),
	        cmocka_unit_test(test_rmt_session_valid),
	        cmocka_unit_test(test_rmt_session_truncated),
	        cmocka_unit_test(test_rmt_session_table),
	        cmocka_unit_test(test_rmt_session_limit),
	        cmocka_unit_test(test_rmt_answer),
	        cmocka_unit_test(test_rmt_path),
	        cmocka_unit_test(test_rmt_item_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
