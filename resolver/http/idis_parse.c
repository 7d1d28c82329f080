/* idis_parse.c - the request bodies and the envelope of the national-style API (idis.h). */
#include "http/idis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/num.h"
#include "base/text.h"
#include "model/vjson.h"

#define TYPE_STRING "字符串"
#define TYPE_INT    "整数"
#define TYPE_ARRAY  "数组"
#define TYPE_OBJECT "对象"

/* A message into msg (cut at cap: messages are for people; a cut one still names the field). */
#define say(msg, cap, ...) ((void)snprintf((msg), (cap), __VA_ARGS__))

/* Code points of a JSON string (jansson keeps them valid UTF-8). */
static size_t
nchars(const json_t *s)
{
	size_t n = 0;
	bool ctrl;

	if (text_utf8_check((const uint8_t *)json_string_value(s), json_string_length(s), &n,
	                    &ctrl) != IDR_OK) {
		return SIZE_MAX;
	}
	return n;
}

/*
 * A string member: present (else "missing"), a string, non-empty when required, at most max
 * characters. @return true with *out set, or false with msg.
 */
static bool
str_member(const json_t *obj, const char *key, const char *path, size_t max, bool required,
           struct slice *out, char *msg, size_t cap)
{
	const json_t *s = json_object_get(obj, key);

	*out = slice_make(NULL, 0);
	if (s == NULL || json_is_null(s)) {
		if (required) {
			say(msg, cap, "缺少必要的请求参数: %s", path);
		}
		return !required;
	}
	if (!json_is_string(s)) {
		say(msg, cap, "参数格式错误: %s 应为" TYPE_STRING, path);
		return false;
	}
	if (required && json_string_length(s) == 0) {
		say(msg, cap, "缺少必要的请求参数: %s", path);
		return false;
	}
	if (nchars(s) > max) {
		say(msg, cap, "参数过长: %s 最多%zu个字符", path, max);
		return false;
	}
	*out = slice_make(json_string_value(s), json_string_length(s));
	return true;
}

static struct value
make_value(uint32_t index, struct slice type, struct slice data)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = type;
	v.data = data;
	return v;
}

/* value[i].data = {format:"string", value}. */
static bool
attr_data(const json_t *d, size_t i, struct slice *out, char *msg, size_t cap)
{
	char path[48];
	struct slice format;

	snprintf(path, sizeof(path), "value[%zu].data", i);
	if (d == NULL || json_is_null(d)) {
		say(msg, cap, "缺少必要的请求参数: %s", path);
		return false;
	}
	if (!json_is_object(d)) {
		say(msg, cap, "参数格式错误: %s 应为" TYPE_OBJECT, path);
		return false;
	}
	snprintf(path, sizeof(path), "value[%zu].data.format", i);
	if (!str_member(d, "format", path, 16, true, &format, msg, cap)) {
		return false;
	}
	if (!slice_eq(format, SLICE_LIT("string"))) {
		say(msg, cap, "非法操作，%s 只支持string", path);
		return false;
	}
	snprintf(path, sizeof(path), "value[%zu].data.value", i);
	if (json_object_get(d, "value") == NULL) {
		say(msg, cap, "缺少必要的请求参数: %s", path);
		return false;
	}
	return str_member(d, "value", path, IDIS_DATA_MAX, false, out, msg, cap);
}

/* One element of value[]. */
static bool
attr(const json_t *a, size_t i, struct value *out, char *msg, size_t cap)
{
	char path[48];
	const json_t *ix;
	struct slice type, auth, data;
	json_int_t index;

	if (!json_is_object(a)) {
		say(msg, cap, "参数格式错误: value[%zu] 应为" TYPE_OBJECT, i);
		return false;
	}
	ix = json_object_get(a, "index");
	if (ix == NULL || json_is_null(ix)) {
		say(msg, cap, "缺少必要的请求参数: value[%zu].index", i);
		return false;
	}
	if (!json_is_integer(ix)) {
		say(msg, cap, "参数格式错误: value[%zu].index 应为" TYPE_INT, i);
		return false;
	}
	index = json_integer_value(ix);
	if (index < 1 || index > INT32_MAX) {
		say(msg, cap, "参数错误: value[%zu].index 应在1到2147483647之间", i);
		return false;
	}
	if (index == IDIS_TEMPLATE_INDEX) {
		say(msg, cap, "非法操作，索引1001为保留索引（模板版本）");
		return false;
	}
	snprintf(path, sizeof(path), "value[%zu].type", i);
	if (!str_member(a, "type", path, IDIS_TYPE_MAX, true, &type, msg, cap)) {
		return false;
	}
	if (type.len >= 3 && slice_caseeq(slice_make(type.p, 3), SLICE_LIT("HS_"))) {
		say(msg, cap, "非法操作，类型%.*s不能通过此接口写入", (int)type.len,
		    (const char *)type.p);
		return false;
	}
	snprintf(path, sizeof(path), "value[%zu].auth", i);
	if (!str_member(a, "auth", path, IDIS_AUTH_MAX, false, &auth, msg, cap)) {
		return false;
	}
	if (auth.len > IDIS_AUTH_MAX) {
		say(msg, cap, "参数过长: %s 最多%d个字符", path, IDIS_AUTH_MAX);
		return false;
	}
	if (!attr_data(json_object_get(a, "data"), i, &data, msg, cap)) {
		return false;
	}
	*out = make_value((uint32_t)index, type, data);
	return true;
}

/* {handle, templateVersion, value:[...]} into it (values allocated). */
static bool
item_values(const json_t *o, struct idis_item *it, char *msg, size_t cap)
{
	const json_t *arr = json_object_get(o, "value");
	struct slice tver;
	size_t n;

	if (!str_member(o, "templateVersion", "templateVersion", IDIS_TVER_MAX, true, &tver, msg,
	                cap)) {
		return false;
	}
	if (arr == NULL || json_is_null(arr)) {
		say(msg, cap, "缺少必要的请求参数: value");
		return false;
	}
	if (!json_is_array(arr)) {
		say(msg, cap, "参数格式错误: value 应为" TYPE_ARRAY);
		return false;
	}
	n = json_array_size(arr);
	if (n > VALUE_MAX_VALUES - 2) { /* room for the template value and HS_ADMIN */
		say(msg, cap, "参数过多: value 最多%d项", VALUE_MAX_VALUES - 2);
		return false;
	}
	it->values = calloc(n + 1, sizeof(struct value));
	if (it->values == NULL) {
		say(msg, cap, "系统内部错误");
		return false;
	}
	it->values[0] = make_value(IDIS_TEMPLATE_INDEX, SLICE_LIT(IDIS_TEMPLATE_TYPE), tver);
	it->nvalues = 1;
	for (size_t i = 0; i < n; i++) {
		if (!attr(json_array_get(arr, i), i, &it->values[it->nvalues], msg, cap)) {
			return false;
		}
		it->nvalues++;
	}
	return true;
}

/* The handle of an item: a string member of o, or o itself (batch delete). */
static bool
item_handle(const json_t *h, struct idis_item *it, char *msg, size_t cap)
{
	if (h == NULL || json_is_null(h)) {
		say(msg, cap, "缺少必要的请求参数: handle");
		return false;
	}
	if (!json_is_string(h)) {
		say(msg, cap, "参数格式错误: handle 应为" TYPE_STRING);
		return false;
	}
	it->handle = slice_make(json_string_value(h), json_string_length(h));
	it->has_handle = true;
	if (json_string_length(h) == 0) {
		say(msg, cap, "缺少必要的请求参数: handle");
		return false;
	}
	if (nchars(h) > IDIS_HANDLE_MAX) {
		say(msg, cap, "参数过长: handle 最多%d个字符", IDIS_HANDLE_MAX);
		return false;
	}
	return true;
}

/* One item; a problem goes into it->err. @return IDR_OK or IDR_ENOMEM. */
static int
item_parse(const json_t *j, enum idis_op op, bool bare_handle, struct idis_item *it)
{
	char msg[IDIS_MSG_MAX];
	bool ok;

	memset(it, 0, sizeof(*it));
	msg[0] = '\0';
	if (bare_handle) {
		ok = item_handle(j, it, msg, sizeof(msg));
	} else if (!json_is_object(j)) {
		say(msg, sizeof(msg), "参数格式错误: 标识数据应为" TYPE_OBJECT);
		ok = false;
	} else {
		ok = item_handle(json_object_get(j, "handle"), it, msg, sizeof(msg)) &&
		     (op == IDIS_DELETE || item_values(j, it, msg, sizeof(msg)));
	}
	if (!ok) {
		it->err = strdup(msg);
		if (it->err == NULL) {
			return IDR_ENOMEM;
		}
	}
	return IDR_OK;
}

static int
load(struct slice body, json_t **doc, char *msg, size_t cap)
{
	json_error_t jerr;

	if (body.len == 0) {
		say(msg, cap, "请求体不能为空");
		return IDR_EPROTO;
	}
	*doc = json_loadb((const char *)body.p, body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (*doc == NULL) {
		say(msg, cap, "请求体不是合法的JSON: %s (line %d)", jerr.text, jerr.line);
		return IDR_EPROTO;
	}
	return IDR_OK;
}

/* A single DELETE without a body: ?handle=. */
static int
param_item(struct slice param, struct idis_items *out)
{
	out->doc = json_stringn((const char *)param.p, param.len);
	out->v = calloc(1, sizeof(*out->v));
	if (out->doc == NULL || out->v == NULL) {
		return out->doc == NULL && out->v != NULL ? IDR_EPROTO : IDR_ENOMEM;
	}
	out->n = 1;
	return item_parse(out->doc, IDIS_DELETE, true, &out->v[0]);
}

int
idis_items_parse(struct slice body, enum idis_op op, bool batch, struct slice param,
                 struct idis_items *out, char *msg, size_t cap)
{
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	msg[0] = '\0';
	if (!batch && op == IDIS_DELETE && body.len == 0 && param.len > 0) {
		rc = param_item(param, out);
		if (rc == IDR_EPROTO) {
			say(msg, cap, "参数格式错误: handle 应为UTF-8文本");
		}
		return rc;
	}
	rc = load(body, &out->doc, msg, cap);
	if (rc != IDR_OK) {
		return rc;
	}
	if (batch && !json_is_array(out->doc)) {
		say(msg, cap, "请求体应为JSON数组");
		return IDR_EPROTO;
	}
	if (!batch && !json_is_object(out->doc)) {
		say(msg, cap, "请求体应为JSON对象");
		return IDR_EPROTO;
	}
	n = batch ? json_array_size(out->doc) : 1;
	if (n > IDIS_BATCH_MAX) {
		say(msg, cap, "批量操作最大支持%d条，本次%zu条", IDIS_BATCH_MAX, n);
		return IDR_ELIMIT;
	}
	out->v = calloc(n > 0 ? n : 1, sizeof(*out->v));
	if (out->v == NULL) {
		return IDR_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *j = batch ? json_array_get(out->doc, i) : out->doc;

		out->n = i + 1;
		rc = item_parse(j, op, batch && op == IDIS_DELETE, &out->v[i]);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return IDR_OK;
}

void
idis_items_free(struct idis_items *it)
{
	if (it == NULL) {
		return;
	}
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].values);
		free(it->v[i].err);
	}
	free(it->v);
	json_decref(it->doc);
	memset(it, 0, sizeof(*it));
}

int
idis_login_parse(struct slice body, json_t **doc, struct slice *user, struct slice *pass, char *msg,
                 size_t cap)
{
	int rc;

	*doc = NULL;
	msg[0] = '\0';
	rc = load(body, doc, msg, cap);
	if (rc != IDR_OK) {
		return rc;
	}
	if (!json_is_object(*doc)) {
		say(msg, cap, "请求体应为JSON对象");
		return IDR_EPROTO;
	}
	if (!str_member(*doc, "username", "username", IDIS_USER_MAX, true, user, msg, cap) ||
	    !str_member(*doc, "password", "password", IDIS_PASS_MAX, true, pass, msg, cap)) {
		return IDR_EPROTO;
	}
	return IDR_OK;
}

int
idis_user_id(struct slice user, char *buf, size_t cap, struct auth_id *id)
{
	const uint8_t *colon = memchr(user.p, ':', user.len);
	const uint8_t *slash = memchr(user.p, '/', user.len);
	int rc;

	if (user.len == 0 || user.len >= cap) {
		return IDR_EINVAL;
	}
	memcpy(buf, user.p, user.len);
	buf[user.len] = '\0';
	if (colon != NULL && (slash == NULL || colon < slash)) {
		rc = auth_id_parse(slice_make(buf, user.len), id);
	} else {
		id->index = IDIS_KEY_INDEX;
		id->handle = slice_make(buf, user.len);
		rc = IDR_OK;
	}
	if (rc == IDR_OK && !text_is_clean(id->handle.p, id->handle.len)) {
		rc = IDR_EINVAL;
	}
	return rc;
}

int
idis_envelope(struct wbuf *w, int status, const char *message, struct slice data)
{
	wbuf_lit(w, "{\"message\":");
	(void)vjson_write_str(w, slice_cstr(message));
	wbuf_lit(w, ",\"status\":");
	if (status < 0) {
		wbuf_u8(w, '-');
	}
	wbuf_dec(w, (uint64_t)(status < 0 ? -(int64_t)status : status));
	wbuf_lit(w, ",\"data\":");
	if (data.len == 0) {
		wbuf_lit(w, "null");
	} else {
		wbuf_bytes(w, data.p, data.len);
	}
	wbuf_u8(w, '}');
	return wbuf_error(w);
}
