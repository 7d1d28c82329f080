/*
 * test_idis.c - the request bodies of the national-style API (http/idis.h): the ref's
 * examples, each field's limit and one past it, every missing or mistyped field named in its
 * message, every truncation of a body, batch sizes 2000 and 2001, login bodies, usernames
 * and the envelope.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/idis.h"

#define NONE slice_make(NULL, 0)

/* the ref's register example (snms/v5/handle-operate.md 注册标识) */
static const char REGISTER[] =
        "{\"handle\":\"88.1021.150/xx002\",\"templateVersion\":\"1.0\",\"value\":[{\"data\":"
        "{\"format\":\"string\",\"value\":\"小型机械01\"},\"auth\":\"\",\"index\":2000,"
        "\"type\":\"name\"}]}";

static void
test_idis_register_example(void **state)
{
	struct idis_items it;
	char msg[IDIS_MSG_MAX];

	(void)state;
	assert_int_equal(idis_items_parse(slice_cstr(REGISTER), IDIS_CREATE, false, NONE, &it, msg,
	                                  sizeof(msg)),
	                 IDR_OK);
	assert_int_equal(it.n, 1);
	assert_null(it.v[0].err);
	assert_true(slice_eq(it.v[0].handle, SLICE_LIT("88.1021.150/xx002")));
	assert_int_equal(it.v[0].nvalues, 2);
	assert_int_equal(it.v[0].values[0].index, IDIS_TEMPLATE_INDEX);
	assert_true(slice_eq(it.v[0].values[0].type, SLICE_LIT("TEMPLATE")));
	assert_true(slice_eq(it.v[0].values[0].data, SLICE_LIT("1.0")));
	assert_int_equal(it.v[0].values[1].index, 2000);
	assert_true(slice_eq(it.v[0].values[1].type, SLICE_LIT("name")));
	assert_true(slice_eq(it.v[0].values[1].data, SLICE_LIT("小型机械01")));
	assert_int_equal(it.v[0].values[1].ttl, VALUE_DEFAULT_TTL);
	assert_int_equal(it.v[0].values[1].perms, VALUE_PERM_DEFAULT);
	idis_items_free(&it);
}

/* A body with one field replaced: {"handle":H,"templateVersion":V,"value":[{...A...}]} */
static char *
body(const char *handle, const char *tver, const char *attr)
{
	size_t n = strlen(handle) + strlen(tver) + strlen(attr) + 128;
	char *b = malloc(n);

	assert_non_null(b);
	snprintf(b, n, "{\"handle\":%s,\"templateVersion\":%s,\"value\":[%s]}", handle, tver, attr);
	return b;
}

static char *
rep(char c, size_t n)
{
	char *s = malloc(n + 3);

	assert_non_null(s);
	s[0] = '"';
	memset(s + 1, c, n);
	s[n + 1] = '"';
	s[n + 2] = '\0';
	return s;
}

/* item error of a single register body, or NULL */
static void
expect_item(const char *b, const char *want_err)
{
	struct idis_items it;
	char msg[IDIS_MSG_MAX];

	assert_int_equal(
	        idis_items_parse(slice_cstr(b), IDIS_CREATE, false, NONE, &it, msg, sizeof(msg)),
	        IDR_OK);
	assert_int_equal(it.n, 1);
	if (want_err == NULL) {
		if (it.v[0].err != NULL) {
			fail_msg("unexpected error: %s", it.v[0].err);
		}
	} else {
		assert_non_null(it.v[0].err);
		if (strstr(it.v[0].err, want_err) == NULL) {
			fail_msg("error '%s' lacks '%s'", it.v[0].err, want_err);
		}
	}
	idis_items_free(&it);
}

#define A(idx, type, fmt, val)                                                                     \
	"{\"index\":" idx ",\"type\":" type ",\"data\":{\"format\":" fmt ",\"value\":" val "}}"

static void
test_idis_item_fields(void **state)
{
	static const struct {
		const char *handle, *tver, *attr, *err;
	} cases[] = {
	        {"\"88.1/a\"", "\"1\"", A("2000", "\"t\"", "\"string\"", "\"v\""), NULL},
	        {"\"88.1/a\"", "\"1\"", "", NULL}, /* no attributes: the template value only */
	        {"null", "\"1\"", "", "缺少必要的请求参数: handle"},
	        {"\"\"", "\"1\"", "", "缺少必要的请求参数: handle"},
	        {"5", "\"1\"", "", "handle 应为字符串"},
	        {"\"88.1/a\"", "null", "", "缺少必要的请求参数: templateVersion"},
	        {"\"88.1/a\"", "\"\"", "", "缺少必要的请求参数: templateVersion"},
	        {"\"88.1/a\"", "1", "", "templateVersion 应为字符串"},
	        {"\"88.1/a\"", "\"1\"", "5", "value[0] 应为对象"},
	        {"\"88.1/a\"", "\"1\"", A("1001", "\"t\"", "\"string\"", "\"v\""),
	         "索引1001为保留"},
	        {"\"88.1/a\"", "\"1\"", A("0", "\"t\"", "\"string\"", "\"v\""),
	         "value[0].index 应在"},
	        {"\"88.1/a\"", "\"1\"", A("2147483648", "\"t\"", "\"string\"", "\"v\""), "应在1到"},
	        {"\"88.1/a\"", "\"1\"", A("2147483647", "\"t\"", "\"string\"", "\"v\""), NULL},
	        {"\"88.1/a\"", "\"1\"", A("\"2000\"", "\"t\"", "\"string\"", "\"v\""),
	         "index 应为整数"},
	        {"\"88.1/a\"", "\"1\"", A("2000.5", "\"t\"", "\"string\"", "\"v\""),
	         "index 应为整数"},
	        {"\"88.1/a\"", "\"1\"", A("2000", "null", "\"string\"", "\"v\""), "value[0].type"},
	        {"\"88.1/a\"", "\"1\"", A("2000", "\"HS_ADMIN\"", "\"string\"", "\"v\""),
	         "HS_ADMIN"},
	        {"\"88.1/a\"", "\"1\"", A("2000", "\"hs_seckey\"", "\"string\"", "\"v\""),
	         "hs_seckey"},
	        {"\"88.1/a\"", "\"1\"", A("2000", "\"t\"", "\"base64\"", "\"v\""), "只支持string"},
	        {"\"88.1/a\"", "\"1\"", A("2000", "\"t\"", "null", "\"v\""), "data.format"},
	        {"\"88.1/a\"", "\"1\"", A("2000", "\"t\"", "\"string\"", "7"),
	         "data.value 应为字符串"},
	        {"\"88.1/a\"", "\"1\"", A("2000", "\"t\"", "\"string\"", "\"\""), NULL},
	        {"\"88.1/a\"", "\"1\"", "{\"index\":2000,\"type\":\"t\"}", "value[0].data"},
	        {"\"88.1/a\"", "\"1\"",
	         "{\"index\":2000,\"type\":\"t\",\"data\":{\"format\":\"string\"}}",
	         "value[0].data.value"},
	        {"\"88.1/a\"", "\"1\"",
	         "{\"type\":\"t\",\"data\":{\"format\":\"string\",\"value\":\"\"}}",
	         "value[0].index"},
	        {"\"88.1/a\"", "\"1\"",
	         "{\"index\":2,\"type\":\"t\",\"auth\":5,\"data\":{\"format\":\"string\",\"value\":"
	         "\"\"}}",
	         "value[0].auth"},
	        {"\"88.1/a\"", "\"1\"",
	         "{\"index\":2,\"type\":\"t\",\"x\":1,\"data\":{\"format\":\"string\",\"value\":"
	         "\"\"}}",
	         NULL}, /* unknown members are ignored, as the national system does */
	};
	char *b;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = body(cases[i].handle, cases[i].tver, cases[i].attr);
		expect_item(b, cases[i].err);
		free(b);
	}
	/* value missing, or not an array */
	expect_item("{\"handle\":\"88.1/a\",\"templateVersion\":\"1\"}",
	            "缺少必要的请求参数: value");
	expect_item("{\"handle\":\"88.1/a\",\"templateVersion\":\"1\",\"value\":{}}",
	            "value 应为数组");
}

/* Each length limit: the longest accepted, one more refused (counted in characters). */
static void
test_idis_item_limits(void **state)
{
	static const struct {
		int which; /* 0 handle, 1 templateVersion, 2 type, 3 data.value, 4 auth */
		size_t max;
	} lim[] = {{0, IDIS_HANDLE_MAX},
	           {1, IDIS_TVER_MAX},
	           {2, IDIS_TYPE_MAX},
	           {3, IDIS_DATA_MAX},
	           {4, IDIS_AUTH_MAX}};

	(void)state;
	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		for (size_t extra = 0; extra <= 1; extra++) {
			char *s = rep(lim[i].which == 0 ? 'h' : 'x', lim[i].max + extra);
			char *h = lim[i].which == 0 ? s : strdup("\"88.1/a\"");
			char attr[1024], *b;

			if (lim[i].which == 0) {
				memcpy(h + 1, "88.1/", 5); /* still max+extra characters */
			}
			snprintf(attr, sizeof(attr),
			         "{\"index\":2000,\"type\":%s,\"auth\":%s,\"data\":{\"format\":"
			         "\"string\",\"value\":%s}}",
			         lim[i].which == 2 ? s : "\"t\"", lim[i].which == 4 ? s : "\"\"",
			         lim[i].which == 3 ? s : "\"v\"");
			b = body(h, lim[i].which == 1 ? s : "\"1\"", attr);
			expect_item(b, extra == 0 ? NULL : "参数过长");
			free(b);
			if (h != s) {
				free(h);
			}
			free(s);
		}
	}
	/* characters, not bytes: 255 Chinese characters are a valid value */
	{
		char v[3 * IDIS_DATA_MAX + 3], attr[4 * IDIS_DATA_MAX], *b;

		v[0] = '"';
		for (size_t i = 0; i < IDIS_DATA_MAX; i++) {
			memcpy(v + 1 + 3 * i, "值", 3);
		}
		v[1 + 3 * IDIS_DATA_MAX] = '"';
		v[2 + 3 * IDIS_DATA_MAX] = '\0';
		snprintf(attr, sizeof(attr), A("2000", "\"t\"", "\"string\"", "%s"), v);
		b = body("\"88.1/a\"", "\"1\"", attr);
		expect_item(b, NULL);
		free(b);
	}
}

static void
test_idis_truncations(void **state)
{
	struct idis_items it;
	char msg[IDIS_MSG_MAX];
	size_t n = strlen(REGISTER);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		int rc = idis_items_parse(slice_make(REGISTER, i), IDIS_CREATE, false, NONE, &it,
		                          msg, sizeof(msg));

		assert_int_equal(rc, IDR_EPROTO);
		assert_true(msg[0] != '\0');
		idis_items_free(&it);
	}
}

static char *
batch_of(size_t n, bool del)
{
	size_t cap = n * 96 + 8, len = 1;
	char *b = malloc(cap);

	assert_non_null(b);
	b[0] = '[';
	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(
		        b + len, cap - len,
		        del ? "%s\"88.1/%zu\""
		            : "%s{\"handle\":\"88.1/%zu\",\"templateVersion\":\"1\","
		              "\"value\":[]}",
		        i > 0 ? "," : "", i);
	}
	b[len++] = ']';
	b[len] = '\0';
	return b;
}

static void
test_idis_batch_sizes(void **state)
{
	struct idis_items it;
	char msg[IDIS_MSG_MAX];
	char *b;

	(void)state;
	for (int del = 0; del <= 1; del++) {
		enum idis_op op = del ? IDIS_DELETE : IDIS_CREATE;

		b = batch_of(IDIS_BATCH_MAX, del);
		assert_int_equal(
		        idis_items_parse(slice_cstr(b), op, true, NONE, &it, msg, sizeof(msg)),
		        IDR_OK);
		assert_int_equal(it.n, IDIS_BATCH_MAX);
		assert_null(it.v[IDIS_BATCH_MAX - 1].err);
		idis_items_free(&it);
		free(b);
		b = batch_of(IDIS_BATCH_MAX + 1, del);
		assert_int_equal(
		        idis_items_parse(slice_cstr(b), op, true, NONE, &it, msg, sizeof(msg)),
		        IDR_ELIMIT);
		assert_non_null(strstr(msg, "2000"));
		idis_items_free(&it);
		free(b);
	}
	/* an empty batch; the wrong shapes */
	assert_int_equal(
	        idis_items_parse(SLICE_LIT("[]"), IDIS_CREATE, true, NONE, &it, msg, sizeof(msg)),
	        IDR_OK);
	assert_int_equal(it.n, 0);
	idis_items_free(&it);
	assert_int_equal(
	        idis_items_parse(SLICE_LIT("{}"), IDIS_CREATE, true, NONE, &it, msg, sizeof(msg)),
	        IDR_EPROTO);
	idis_items_free(&it);
	assert_int_equal(
	        idis_items_parse(SLICE_LIT("[]"), IDIS_CREATE, false, NONE, &it, msg, sizeof(msg)),
	        IDR_EPROTO);
	idis_items_free(&it);
	assert_int_equal(idis_items_parse(NONE, IDIS_CREATE, false, NONE, &it, msg, sizeof(msg)),
	                 IDR_EPROTO);
	idis_items_free(&it);
	/* batch delete: strings; anything else is a bad row, the others stand */
	assert_int_equal(idis_items_parse(SLICE_LIT("[\"88.1/a\",5,null,\"\"]"), IDIS_DELETE, true,
	                                  NONE, &it, msg, sizeof(msg)),
	                 IDR_OK);
	assert_int_equal(it.n, 4);
	assert_null(it.v[0].err);
	assert_non_null(it.v[1].err);
	assert_non_null(it.v[2].err);
	assert_non_null(it.v[3].err);
	idis_items_free(&it);
	/* a single DELETE by body or by ?handle= */
	assert_int_equal(idis_items_parse(SLICE_LIT("{\"handle\":\"88.1/a\"}"), IDIS_DELETE, false,
	                                  NONE, &it, msg, sizeof(msg)),
	                 IDR_OK);
	assert_null(it.v[0].err);
	idis_items_free(&it);
	assert_int_equal(idis_items_parse(NONE, IDIS_DELETE, false, SLICE_LIT("88.1/b"), &it, msg,
	                                  sizeof(msg)),
	                 IDR_OK);
	assert_true(slice_eq(it.v[0].handle, SLICE_LIT("88.1/b")));
	idis_items_free(&it);
}

static void
test_idis_login_body(void **state)
{
	static const struct {
		const char *body;
		int rc;
		const char *err;
	} cases[] = {
	        {"{\"username\":\"admin\",\"password\":\"123456\"}", IDR_OK, NULL},
	        {"{\"username\":\"admin\"}", IDR_EPROTO, "缺少必要的请求参数: password"},
	        {"{\"password\":\"x\"}", IDR_EPROTO, "缺少必要的请求参数: username"},
	        {"{\"username\":\"\",\"password\":\"x\"}", IDR_EPROTO, "username"},
	        {"{\"username\":1,\"password\":\"x\"}", IDR_EPROTO, "username 应为字符串"},
	        {"[]", IDR_EPROTO, "JSON对象"},
	        {"{\"username\":\"a\",", IDR_EPROTO, "JSON"},
	        {"", IDR_EPROTO, "为空"},
	};
	char msg[IDIS_MSG_MAX], b[256];
	struct slice u, p;
	json_t *doc;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		        idis_login_parse(slice_cstr(cases[i].body), &doc, &u, &p, msg, sizeof(msg)),
		        cases[i].rc);
		if (cases[i].err != NULL && strstr(msg, cases[i].err) == NULL) {
			fail_msg("case %zu: '%s' lacks '%s'", i, msg, cases[i].err);
		}
		json_decref(doc);
	}
	/* username 50 / 51 characters, password 64 / 65 */
	for (size_t extra = 0; extra <= 1; extra++) {
		char *user = rep('u', IDIS_USER_MAX + extra), *pass = rep('p', IDIS_PASS_MAX);

		snprintf(b, sizeof(b), "{\"username\":%s,\"password\":%s}", user, pass);
		assert_int_equal(idis_login_parse(slice_cstr(b), &doc, &u, &p, msg, sizeof(msg)),
		                 extra == 0 ? IDR_OK : IDR_EPROTO);
		json_decref(doc);
		free(user);
		free(pass);
		user = rep('u', IDIS_USER_MAX);
		pass = rep('p', IDIS_PASS_MAX + extra);
		snprintf(b, sizeof(b), "{\"username\":%s,\"password\":%s}", user, pass);
		assert_int_equal(idis_login_parse(slice_cstr(b), &doc, &u, &p, msg, sizeof(msg)),
		                 extra == 0 ? IDR_OK : IDR_EPROTO);
		json_decref(doc);
		free(user);
		free(pass);
	}
}

static void
test_idis_user_id(void **state)
{
	char buf[AUTH_ID_MAX];
	struct auth_id id;

	(void)state;
	assert_int_equal(idis_user_id(SLICE_LIT("300:88.118.8/ADMIN"), buf, sizeof(buf), &id),
	                 IDR_OK);
	assert_int_equal(id.index, 300);
	assert_true(slice_eq(id.handle, SLICE_LIT("88.118.8/ADMIN")));
	assert_int_equal(idis_user_id(SLICE_LIT("88.118.8/ADMIN"), buf, sizeof(buf), &id), IDR_OK);
	assert_int_equal(id.index, IDIS_KEY_INDEX);
	assert_true(slice_eq(id.handle, SLICE_LIT("88.118.8/ADMIN")));
	/* a colon after the slash belongs to the handle */
	assert_int_equal(idis_user_id(SLICE_LIT("88.1/a:b"), buf, sizeof(buf), &id), IDR_OK);
	assert_int_equal(id.index, IDIS_KEY_INDEX);
	assert_int_equal(idis_user_id(SLICE_LIT("x:88.1/a"), buf, sizeof(buf), &id), IDR_EINVAL);
	assert_int_equal(idis_user_id(SLICE_LIT("0:88.1/a"), buf, sizeof(buf), &id), IDR_EINVAL);
	assert_int_equal(idis_user_id(SLICE_LIT("300:"), buf, sizeof(buf), &id), IDR_EINVAL);
	assert_int_equal(idis_user_id(SLICE_LIT(""), buf, sizeof(buf), &id), IDR_EINVAL);
	assert_int_equal(idis_user_id(SLICE_LIT("88.1/a\tb"), buf, sizeof(buf), &id), IDR_EINVAL);
	assert_int_equal(idis_user_id(SLICE_LIT("88.1/abc"), buf, 8, &id), IDR_EINVAL);
}

static void
test_idis_envelope(void **state)
{
	char out[256];
	struct wbuf w;

	(void)state;
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(idis_envelope(&w, IDIS_OK, "success", SLICE_LIT("true")), IDR_OK);
	wbuf_terminate(&w);
	assert_string_equal(out, "{\"message\":\"success\",\"status\":1,\"data\":true}");
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(idis_envelope(&w, IDIS_FAIL, "用户名/密码错误！", NONE), IDR_OK);
	wbuf_terminate(&w);
	assert_string_equal(out, "{\"message\":\"用户名/密码错误！\",\"status\":-2,\"data\":null}");
	wbuf_init(&w, out, 20);
	assert_int_not_equal(idis_envelope(&w, IDIS_FAIL, "x", NONE), IDR_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_idis_register_example),
	        cmocka_unit_test(test_idis_item_fields),
	        cmocka_unit_test(test_idis_item_limits),
	        cmocka_unit_test(test_idis_truncations),
	        cmocka_unit_test(test_idis_batch_sizes),
	        cmocka_unit_test(test_idis_login_body),
	        cmocka_unit_test(test_idis_user_id),
	        cmocka_unit_test(test_idis_envelope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
