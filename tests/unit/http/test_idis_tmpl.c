/*
 * test_idis_tmpl.c - the template requests of the national-style API (http/idis_tmpl.h): the
 * ref's create, update and delete bodies (snms/v5/template.md), templateState on create and
 * update, the key's limits and one past them, every missing or mistyped key member named,
 * every truncation of each body, the query-parameter form, and the message of every outcome.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/idis.h"
#include "http/idis_tmpl.h"
#include "model/ident.h"

#define NONE slice_make(NULL, 0)

/* template.md 新增数据模板 请求示例 (idIndex as the string the ref sends) */
static const char CREATE[] =
        "{\"prefix\":\"88.101.5\",\"version\":\"1.0.0\",\"industryCategory\":\"A\","
        "\"industrySpecific\":\"01\",\"industryTrade\":\"011\",\"industrySubclass\":\"0111\","
        "\"type\":1,\"description\":\"测试模板\",\"items\":[{\"name\":\"e1\",\"idType\":\"ip\","
        "\"idIndex\":\"2000\",\"metadata\":{\"type\":\"string\",\"minLength\":1,"
        "\"maxLength\":10},\"required\":false}]}";

/* template.md 修改数据模板 请求示例, plus an item without idIndex (added) */
static const char UPDATE[] =
        "{\"prefix\":\"88.101.5\",\"version\":\"1.0.0\",\"industryCategory\":\"A\","
        "\"industrySpecific\":\"01\",\"industryTrade\":\"011\",\"industrySubclass\":\"0111\","
        "\"type\":1,\"description\":\"测试模板\",\"items\":[{\"name\":\"e1\",\"idType\":\"ip\","
        "\"idIndex\":\"2000\",\"metadata\":{\"type\":\"string\",\"minLength\":1,"
        "\"maxLength\":10},\"required\":false,\"state\":1},{\"name\":\"e2\",\"idType\":\"mac\","
        "\"metadata\":{\"type\":\"string\"},\"state\":0}]}";

/* template.md 删除数据模板 请求示例 */
static const char DELETE[] = "{\"prefix\":\"88.101.0042\",\"version\":\"1.0.1\"}";

static int
parse(const char *body, enum idis_tmpl_op op, struct idis_tmpl_req *r, char *msg, size_t cap)
{
	return idis_tmpl_parse(slice_cstr(body), op, NONE, NONE, r, msg, cap);
}

static void
test_idis_tmpl_create_example(void **state)
{
	struct idis_tmpl_req r;
	char msg[IDIS_MSG_MAX];

	(void)state;
	assert_int_equal(parse(CREATE, IDIS_TMPL_CREATE, &r, msg, sizeof(msg)), IDR_OK);
	assert_int_equal(r.op, IDIS_TMPL_CREATE);
	assert_string_equal(r.prefix, "88.101.5");
	assert_string_equal(r.version, "1.0.0");
	assert_false(r.publish);
	assert_non_null(r.tmpl);
	assert_string_equal(r.tmpl->prefix, "88.101.5");
	assert_string_equal(r.tmpl->industry[3], "0111");
	assert_int_equal(r.tmpl->obj_type, 1);
	assert_int_equal(r.tmpl->nitems, 1);
	assert_int_equal(r.tmpl->items[0].index, 2000);
	assert_string_equal(r.tmpl->items[0].key, "ip");
	assert_int_equal(r.tmpl->items[0].max_len, 10);
	assert_true(r.tmpl->items[0].enabled);
	idis_tmpl_req_deinit(&r);
	idis_tmpl_req_deinit(&r); /* twice: the second is a no-op */
	idis_tmpl_req_deinit(NULL);
}

static void
test_idis_tmpl_update_example(void **state)
{
	struct idis_tmpl_req r;
	char msg[IDIS_MSG_MAX];

	(void)state;
	assert_int_equal(parse(UPDATE, IDIS_TMPL_UPDATE, &r, msg, sizeof(msg)), IDR_OK);
	assert_int_equal(r.tmpl->nitems, 2);
	assert_true(r.tmpl->items[0].enabled);
	assert_false(r.tmpl->items[0].index_auto);
	assert_false(r.tmpl->items[1].enabled);
	assert_true(r.tmpl->items[1].index_auto); /* the next free index, at the merge */
	assert_false(r.publish);
	idis_tmpl_req_deinit(&r);
}

static void
test_idis_tmpl_delete_example(void **state)
{
	struct idis_tmpl_req r;
	char msg[IDIS_MSG_MAX];

	(void)state;
	assert_int_equal(parse(DELETE, IDIS_TMPL_WITHDRAW, &r, msg, sizeof(msg)), IDR_OK);
	assert_string_equal(r.prefix, "88.101.0042");
	assert_string_equal(r.version, "1.0.1");
	assert_null(r.tmpl);
	/* the same for publish, and the members the national system ignores are ignored */
	assert_int_equal(parse("{\"prefix\":\"88.1\",\"version\":\"v\",\"id\":7}",
	                       IDIS_TMPL_PUBLISH, &r, msg, sizeof(msg)),
	                 IDR_OK);
	assert_null(r.tmpl);
	/* with no body, the query parameters */
	assert_int_equal(idis_tmpl_parse(NONE, IDIS_TMPL_WITHDRAW, SLICE_LIT("88.1"),
	                                 SLICE_LIT("2.0"), &r, msg, sizeof(msg)),
	                 IDR_OK);
	assert_string_equal(r.prefix, "88.1");
	assert_string_equal(r.version, "2.0");
	assert_int_equal(idis_tmpl_parse(NONE, IDIS_TMPL_PUBLISH, SLICE_LIT("88.1"), NONE, &r, msg,
	                                 sizeof(msg)),
	                 IDR_EINVAL);
	assert_string_equal(msg, "缺少必要的请求参数: version");
	/* a create always needs its body */
	assert_int_equal(idis_tmpl_parse(NONE, IDIS_TMPL_CREATE, SLICE_LIT("88.1"),
	                                 SLICE_LIT("2.0"), &r, msg, sizeof(msg)),
	                 IDR_EPROTO);
	assert_null(r.tmpl);
}

/* CREATE with one member added before "items" (JSON text, e.g. "\"templateState\":\"x\",") */
static char *
create_with(const char *member, const char *items)
{
	size_t n = strlen(member) + strlen(items) + 256;
	char *b = malloc(n);

	assert_non_null(b);
	snprintf(b, n,
	         "{\"prefix\":\"88.101.5\",\"version\":\"1.0.0\",\"industryCategory\":\"A\","
	         "\"type\":1,%s\"items\":[%s]}",
	         member, items);
	return b;
}

#define META     "\"metadata\":{\"type\":\"string\"}"
#define ITEM_ON  "{\"name\":\"e1\",\"idType\":\"ip\",\"idIndex\":2000,\"state\":1," META "}"
#define ITEM_OFF "{\"name\":\"e1\",\"idType\":\"ip\",\"idIndex\":2000,\"state\":0," META "}"

static void
test_idis_tmpl_state(void **state)
{
	static const struct {
		enum idis_tmpl_op op;
		const char *member, *items;
		int rc;
		bool publish;
		const char *msg;
	} cases[] = {
	        {IDIS_TMPL_CREATE, "", ITEM_ON, IDR_OK, false, NULL},
	        {IDIS_TMPL_CREATE, "\"templateState\":\"draft\",", ITEM_ON, IDR_OK, false, NULL},
	        {IDIS_TMPL_CREATE, "\"templateState\":\"published\",", ITEM_ON, IDR_OK, true, NULL},
	        {IDIS_TMPL_CREATE, "\"templateState\":\"withdrawn\",", ITEM_ON, IDR_EINVAL, false,
	         "参数错误: templateState: a new version is draft or published"},
	        {IDIS_TMPL_CREATE, "\"templateState\":\"gone\",", ITEM_ON, IDR_EINVAL, false,
	         "参数错误: templateState: 'gone' is not draft, published or withdrawn"},
	        {IDIS_TMPL_CREATE, "\"templateState\":\"published\",", ITEM_OFF, IDR_EINVAL, false,
	         "非法操作，template 88.101.5 version 1.0.0 has no enabled item: nothing to "
	         "publish"},
	        {IDIS_TMPL_CREATE, "\"templateState\":\"published\",", "", IDR_EINVAL, false,
	         "非法操作，template 88.101.5 version 1.0.0 has no enabled item: nothing to "
	         "publish"},
	        {IDIS_TMPL_CREATE, "", ITEM_OFF, IDR_OK, false, NULL}, /* a draft may have none */
	        /* PUT ignores the state: publish and DELETE change it */
	        {IDIS_TMPL_UPDATE, "\"templateState\":\"published\",", ITEM_ON, IDR_OK, false,
	         NULL},
	        {IDIS_TMPL_UPDATE, "\"templateState\":\"withdrawn\",", ITEM_OFF, IDR_OK, false,
	         NULL},
	};
	char msg[IDIS_MSG_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *b = create_with(cases[i].member, cases[i].items);
		struct idis_tmpl_req r;
		int rc = parse(b, cases[i].op, &r, msg, sizeof(msg));

		if (rc != cases[i].rc) {
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, cases[i].rc, msg);
		}
		if (rc == IDR_OK) {
			assert_non_null(r.tmpl);
			assert_int_equal(r.publish, cases[i].publish);
		} else {
			assert_null(r.tmpl);
			assert_string_equal(msg, cases[i].msg);
		}
		idis_tmpl_req_deinit(&r);
		free(b);
	}
}

static char *
repeat(const char *head, char c, size_t n)
{
	size_t h = strlen(head);
	char *s = malloc(h + n + 1);

	assert_non_null(s);
	memcpy(s, head, h);
	memset(s + h, c, n);
	s[h + n] = '\0';
	return s;
}

/* The key, as query parameters and as body members: limits and one past them. */
static void
test_idis_tmpl_key_limits(void **state)
{
	char *p255 = repeat("88.", '1', TMPL_MAX_PREFIX - 3);
	char *p256 = repeat("88.", '1', TMPL_MAX_PREFIX - 2);
	char *v128 = repeat("", 'v', TMPL_MAX_VERSION);
	char *v129 = repeat("", 'v', TMPL_MAX_VERSION + 1);
	const struct {
		const char *prefix, *version, *msg;
	} cases[] = {
	        {p255, v128, NULL},
	        {p256, "1", "参数过长: prefix 最多255字节"},
	        {"88.1", v129, "参数过长: version 最多128字节"},
	        {"", "1", "缺少必要的请求参数: prefix"},
	        {"88.1", "", "缺少必要的请求参数: version"},
	        {"88.1/x", "1",
	         "参数错误: prefix: expected a prefix, found an identifier with a '/'"},
	        {"88 1", "1",
	         "参数错误: prefix: prefix may contain only ASCII letters, digits, '-', '_' and "
	         "'.'"},
	        {"88.1", "1\n", "参数错误: version: must be UTF-8 text without control characters"},
	        {"88.1", "版本一", NULL},
	};
	char msg[IDIS_MSG_MAX];

	(void)state;
	assert_int_equal(ident_prefix_check(slice_cstr(p255)), IDR_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct idis_tmpl_req r;
		int rc = idis_tmpl_key(slice_cstr(cases[i].prefix), slice_cstr(cases[i].version),
		                       &r, msg, sizeof(msg));
		size_t n = strlen(cases[i].prefix) + strlen(cases[i].version) + 64;
		char *b = malloc(n);

		assert_int_equal(rc, cases[i].msg == NULL ? IDR_OK : IDR_EINVAL);
		if (cases[i].msg != NULL) {
			assert_string_equal(msg, cases[i].msg);
		} else {
			assert_string_equal(r.prefix, cases[i].prefix);
			assert_string_equal(r.version, cases[i].version);
		}
		/* the same through a body (JSON-escape the one control character used) */
		assert_non_null(b);
		snprintf(b, n, "{\"prefix\":\"%s\",\"version\":\"%s\"}", cases[i].prefix,
		         strcmp(cases[i].version, "1\n") == 0 ? "1\\n" : cases[i].version);
		rc = parse(b, IDIS_TMPL_WITHDRAW, &r, msg, sizeof(msg));
		assert_int_equal(rc, cases[i].msg == NULL ? IDR_OK : IDR_EINVAL);
		if (cases[i].msg != NULL) {
			assert_string_equal(msg, cases[i].msg);
		}
		free(b);
	}
	free(p255);
	free(p256);
	free(v128);
	free(v129);
}

static void
test_idis_tmpl_fields(void **state)
{
	static const struct {
		const char *body;
		const char *msg; /* a part of the message */
		enum idis_tmpl_op op;
		int rc;
	} cases[] = {
	        {"{\"version\":\"1\"}", "缺少必要的请求参数: prefix", IDIS_TMPL_WITHDRAW,
	         IDR_EINVAL},
	        {"{\"prefix\":null,\"version\":\"1\"}", "缺少必要的请求参数: prefix",
	         IDIS_TMPL_WITHDRAW, IDR_EINVAL},
	        {"{\"prefix\":88,\"version\":\"1\"}", "参数格式错误: prefix 应为字符串",
	         IDIS_TMPL_WITHDRAW, IDR_EINVAL},
	        {"{\"prefix\":\"88.1\",\"version\":1.0}", "参数格式错误: version 应为字符串",
	         IDIS_TMPL_WITHDRAW, IDR_EINVAL},
	        {"[\"88.1\",\"1\"]", "参数格式错误: 请求体应为对象", IDIS_TMPL_WITHDRAW,
	         IDR_EPROTO},
	        {"\"88.1\"", "请求体应为对象", IDIS_TMPL_WITHDRAW, IDR_EPROTO},
	        {"{\"prefix\":\"88.1\",\"prefix\":\"88.2\",\"version\":\"1\"}", "请求体不是JSON",
	         IDIS_TMPL_WITHDRAW, IDR_EPROTO},
	        {"{", "请求体不是JSON", IDIS_TMPL_CREATE, IDR_EPROTO},
	        {"{\"prefix\":\"88.1\",\"version\":\"1\"}", "参数错误: industryCategory",
	         IDIS_TMPL_CREATE, IDR_EINVAL},
	        {"{\"prefix\":\"88.1\",\"version\":\"1\",\"industryCategory\":\"A\",\"type\":3,"
	         "\"items\":[]}",
	         "参数错误: type", IDIS_TMPL_CREATE, IDR_EINVAL},
	        {"{\"prefix\":\"88.1\",\"version\":\"1\",\"industryCategory\":\"A\",\"type\":1,"
	         "\"items\":[{\"name\":\"e1\",\"idType\":\"ip\",\"idIndex\":1999}]}",
	         "参数错误: items[0].idIndex: 1999 is not in 2000..2147483647", IDIS_TMPL_CREATE,
	         IDR_EINVAL},
	        {"{\"prefix\":\"88.1\",\"version\":\"1\",\"industryCategory\":\"A\",\"type\":1,"
	         "\"items\":[{\"name\":\"e1\",\"idType\":\"ip\",\"metadata\":{\"maxLenght\":3}}]}",
	         "items[0].metadata.maxLenght: unknown member (did you mean", IDIS_TMPL_UPDATE,
	         IDR_EINVAL},
	        {"{\"prefix\":\"88.1\",\"version\":\"1\",\"industryCategory\":\"A\",\"type\":1,"
	         "\"colour\":1,\"items\":[]}",
	         "参数错误: colour: unknown member", IDIS_TMPL_UPDATE, IDR_EINVAL},
	};
	char msg[IDIS_MSG_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct idis_tmpl_req r;
		int rc = parse(cases[i].body, cases[i].op, &r, msg, sizeof(msg));

		if (rc != cases[i].rc || strstr(msg, cases[i].msg) == NULL) {
			fail_msg("case %zu: rc %d (want %d), message '%s' lacks '%s'", i, rc,
			         cases[i].rc, msg, cases[i].msg);
		}
		assert_null(r.tmpl);
		idis_tmpl_req_deinit(&r);
	}
}

/* Every truncation of each example is refused with a message and leaves nothing owned. */
static void
test_idis_tmpl_truncations(void **state)
{
	static const struct {
		const char *body;
		enum idis_tmpl_op op;
	} bodies[] = {{CREATE, IDIS_TMPL_CREATE},
	              {UPDATE, IDIS_TMPL_UPDATE},
	              {DELETE, IDIS_TMPL_WITHDRAW}};
	char msg[IDIS_MSG_MAX];

	(void)state;
	for (size_t b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
		size_t len = strlen(bodies[b].body);

		for (size_t n = 1; n < len; n++) {
			struct idis_tmpl_req r;
			int rc = idis_tmpl_parse(slice_make(bodies[b].body, n), bodies[b].op, NONE,
			                         NONE, &r, msg, sizeof(msg));

			assert_int_equal(rc, IDR_EPROTO);
			assert_true(msg[0] != '\0');
			assert_null(r.tmpl);
		}
	}
}

static void
test_idis_tmpl_too_big(void **state)
{
	size_t n = (size_t)TMPL_MAX_JSON + 1;
	char *big = malloc(n);
	struct idis_tmpl_req r;
	char msg[IDIS_MSG_MAX];

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	assert_int_equal(idis_tmpl_parse(slice_make(big, n), IDIS_TMPL_CREATE, NONE, NONE, &r, msg,
	                                 sizeof(msg)),
	                 IDR_EPROTO);
	assert_string_equal(msg, "请求体过大: 最多1048576字节");
	/* at the limit it is parsed (and then lacks its members) */
	assert_int_equal(idis_tmpl_parse(slice_make(big + 1, n - 1), IDIS_TMPL_CREATE, NONE, NONE,
	                                 &r, msg, sizeof(msg)),
	                 IDR_EPROTO); /* " ...}" is not JSON */
	big[1] = '{';
	assert_int_equal(idis_tmpl_parse(slice_make(big + 1, n - 1), IDIS_TMPL_CREATE, NONE, NONE,
	                                 &r, msg, sizeof(msg)),
	                 IDR_EINVAL);
	assert_string_equal(msg, "缺少必要的请求参数: prefix");
	free(big);
}

static void
test_idis_tmpl_messages(void **state)
{
	static const struct {
		const char *detail;
		const char *msg;
		int rc;
		int status;
	} cases[] = {
	        {"", "success", IDR_OK, IDIS_OK},
	        {"template 88.1 version 2 does not exist",
	         "模板不存在：template 88.1 version 2 does not exist", IDR_ETMPL_UNKNOWN,
	         IDIS_FAIL},
	        {"x is published", "模板已发布，不能修改：x is published", IDR_ETMPL_PUBLISHED,
	         IDIS_FAIL},
	        {"another definition", "模板已存在：another definition", IDR_ECONFLICT, IDIS_FAIL},
	        {"prefix 88.9 is not hosted by this node",
	         "前缀不在本节点：prefix 88.9 is not hosted by this node", IDR_EPFX_UNKNOWN,
	         IDIS_FAIL},
	        {"is a draft", "非法操作，is a draft", IDR_ETMPL_STATE, IDIS_FAIL},
	        {"items[0]: bad", "非法操作，items[0]: bad", IDR_ETMPL_INVALID, IDIS_FAIL},
	        {"", "没有权限", IDR_EDENIED, IDIS_DENIED},
	        {"", "系统内部错误", IDR_ENOSPC, IDIS_INTERNAL},
	        {"", "系统内部错误", IDR_EIO, IDIS_INTERNAL},
	        {"", "系统内部错误", IDR_EAGAIN, IDIS_INTERNAL},
	};
	char msg[IDIS_MSG_MAX], want[IDIS_MSG_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(idis_tmpl_message(cases[i].rc, cases[i].detail, msg, sizeof(msg)),
		                 cases[i].status);
		assert_string_equal(msg, cases[i].msg);
	}
	/* no detail: the code's own text */
	assert_int_equal(idis_tmpl_message(IDR_ETMPL_ITEM, NULL, msg, sizeof(msg)), IDIS_FAIL);
	snprintf(want, sizeof(want), "非法操作，%s", idr_strerror(IDR_ETMPL_ITEM));
	assert_string_equal(msg, want);
	/* a small buffer cuts, never overflows */
	assert_int_equal(idis_tmpl_message(IDR_ETMPL_UNKNOWN, "long detail", msg, 8), IDIS_FAIL);
	assert_true(strlen(msg) < 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_idis_tmpl_create_example),
	        cmocka_unit_test(test_idis_tmpl_update_example),
	        cmocka_unit_test(test_idis_tmpl_delete_example),
	        cmocka_unit_test(test_idis_tmpl_state),
	        cmocka_unit_test(test_idis_tmpl_key_limits),
	        cmocka_unit_test(test_idis_tmpl_fields),
	        cmocka_unit_test(test_idis_tmpl_truncations),
	        cmocka_unit_test(test_idis_tmpl_too_big),
	        cmocka_unit_test(test_idis_tmpl_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
