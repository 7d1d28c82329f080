/*
 * test_vjson.c - JSON form of Handle values: the ref/handle.md §7 example byte for byte, the
 * value -> JSON -> value round trip of every data format (identical value clumps), the choice
 * between string/base64 and the structured formats (with fallbacks for data that does not
 * decode, every truncation point of admin/vlist/site data), string escaping, dates, filters,
 * and parser errors naming the field, with every limit tested at and one past its value.
 */
#include "model/vjson.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/crypto.h"
#include "base/err.h"
#include "model/ident.h"
#include "model/rec.h"
#include "model/value.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A value with the defaults of a fresh Handle value and the given type and data. */
static struct value
mkval(uint32_t index, const char *type, const void *data, size_t len)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = slice_cstr(type);
	v.data = slice_make(data, len);
	return v;
}

/* vjson_write_value into a heap NUL-terminated string (caller frees). */
static char *
value_json(const struct value *v)
{
	struct wbuf w;
	char *s;

	wbuf_init_heap(&w, 8u << 20);
	assert_int_equal(vjson_write_value(&w, v), IDR_OK);
	wbuf_terminate(&w);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	s = (char *)wbuf_steal(&w, NULL);
	wbuf_deinit(&w);
	return s;
}

/* The encoded clump of v in a heap wbuf (caller deinits). */
static void
encode(const struct value *v, struct wbuf *w)
{
	wbuf_init_heap(w, 8u << 20);
	value_encode(w, v);
	assert_int_equal(wbuf_error(w), IDR_OK);
}

static json_t *
load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);

	if (j == NULL) {
		fail_msg("invalid JSON (%s) in: %.200s", jerr.text, text);
	}
	return j;
}

/*
 * value -> JSON -> value: the data format must be fmt, and the parsed value must encode to
 * exactly the same clump as v. Also runs through the array form.
 */
static void
roundtrip(const struct value *v, const char *fmt)
{
	char want[64], err[VJSON_ERR_LEN];
	struct vjson_values vals;
	struct wbuf a, b;
	char *text = value_json(v);
	json_t *j = load(text);

	snprintf(want, sizeof(want), "\"data\":{\"format\":\"%s\",", fmt);
	if (strstr(text, want) == NULL) {
		fail_msg("expected %s in %.300s", want, text);
	}
	/* strict: everything the writer produces is a known member */
	if (vjson_parse_values_opt(j, VJSON_STRICT, &vals, err, sizeof(err)) != IDR_OK) {
		fail_msg("parse failed: %s in %.300s", err, text);
	}
	assert_int_equal(vals.n, 1);
	assert_false(vals.has_handle);
	encode(v, &a);
	encode(&vals.v[0], &b);
	assert_int_equal(wbuf_len(&a), wbuf_len(&b));
	assert_memory_equal(wbuf_data(&a), wbuf_data(&b), wbuf_len(&a));
	vjson_values_free(&vals);
	json_decref(j);
	wbuf_deinit(&a);
	wbuf_deinit(&b);
	free(text);
}

static void
admin_data(struct wbuf *w, uint16_t perms, const char *handle, uint32_t index)
{
	struct value_admin a = {perms, slice_cstr(handle), index};

	wbuf_init_heap(w, 1 << 16);
	value_admin_encode(w, &a);
	assert_int_equal(wbuf_error(w), IDR_OK);
}

/* ---- the ref/handle.md §7 example ---- */

static void
test_vjson_handle_example(void **state)
{
	static const char expect[] =
	        "{\"responseCode\":1,\"handle\":\"4263537/4000\",\"values\":["
	        "{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\",\"value\":"
	        "{\"handle\":\"0.NA/4263537\",\"index\":200,\"permissions\":\"011111111111\"}},"
	        "\"ttl\":86400,\"timestamp\":\"2000-04-10T22:41:46Z\"},"
	        "{\"index\":1,\"type\":\"URL\",\"data\":{\"format\":\"string\",\"value\":"
	        "\"http://www.handle.net/index.html\"},\"ttl\":86400,"
	        "\"timestamp\":\"2001-11-21T16:21:35Z\"}]}";
	static const char url[] = "http://www.handle.net/index.html";
	struct wbuf adm, clumps, out;
	struct value v[2];
	struct rec_view rec;

	(void)state;
	admin_data(&adm, 0x07FF, "0.NA/4263537", 200);
	v[0] = mkval(100, "HS_ADMIN", wbuf_data(&adm), wbuf_len(&adm));
	v[0].timestamp = 955406506; /* 2000-04-10T22:41:46Z */
	v[1] = mkval(1, "URL", url, strlen(url));
	v[1].timestamp = 1006359695; /* 2001-11-21T16:21:35Z */
	/* a wire-order body (HS_ADMIN first, as in the example), not a sorted stored record */
	wbuf_init_heap(&clumps, 1 << 16);
	value_encode(&clumps, &v[0]);
	value_encode(&clumps, &v[1]);
	memset(&rec, 0, sizeof(rec));
	rec.handle = SLICE_LIT("4263537/4000");
	rec.nvalues = 2;
	rec.values = wbuf_slice(&clumps);

	wbuf_init_heap(&out, 1 << 16);
	assert_int_equal(vjson_write_record(&out, &rec, NULL, NULL), 2);
	wbuf_terminate(&out);
	assert_string_equal((const char *)wbuf_data(&out), expect);
	wbuf_deinit(&out);
	wbuf_deinit(&clumps);
	wbuf_deinit(&adm);
}

/* A stored record (rec_encode, sorted) through rec_view_parse. */
static void
test_vjson_stored_record(void **state)
{
	static const char expect[] =
	        "{\"responseCode\":1,\"handle\":\"88.118.8/P-1\",\"values\":["
	        "{\"index\":1,\"type\":\"URL\",\"data\":{\"format\":\"string\",\"value\":"
	        "\"https://example.com/a\"},\"ttl\":86400},"
	        "{\"index\":10,\"type\":\"ITEM_KIND\",\"data\":{\"format\":\"string\","
	        "\"value\":\"part\"},\"ttl\":86400}]}";
	struct value v[2];
	struct rec_view rec;
	struct wbuf st, out;

	(void)state;
	v[0] = mkval(1, "URL", "https://example.com/a", 21);
	v[1] = mkval(REC_KIND_INDEX, REC_KIND_TYPE, "part", 4);
	wbuf_init_heap(&st, 1 << 16);
	assert_int_equal(rec_encode(&st, REC_KIND_PART, 7, SLICE_LIT("88.118.8/P-1"), v, 2),
	                 IDR_OK);
	assert_int_equal(rec_view_parse(wbuf_slice(&st), &rec), IDR_OK);
	wbuf_init_heap(&out, 1 << 16);
	assert_int_equal(vjson_write_record(&out, &rec, NULL, NULL), 2);
	wbuf_terminate(&out);
	assert_string_equal((const char *)wbuf_data(&out), expect);
	wbuf_deinit(&out);
	wbuf_deinit(&st);
}

/* ---- round trips of every data format ---- */

static void
test_vjson_roundtrip_string(void **state)
{
	static const char text[] =
	        "line 1\n\tline \"2\" \\ \r\xe6\xa0\x87\xe8\xaf\x86 \xf0\x9f\x98\x80";
	struct value v = mkval(1, "URL", text, strlen(text));

	(void)state;
	roundtrip(&v, "string");
	v.data = slice_make("", 0);
	roundtrip(&v, "string");
	/* timestamp, absolute TTL, permissions, all at once */
	v.data = slice_cstr(text);
	v.timestamp = 0xFFFFFFFFu;
	v.ttl_type = VALUE_TTL_ABSOLUTE;
	v.ttl = INT32_MIN; /* 2038-01-19T03:14:08Z as an unsigned time */
	v.perms = VALUE_PERM_ADMIN_READ | VALUE_PERM_PUBLIC_WRITE;
	roundtrip(&v, "string");
	v.ttl = 0;
	v.perms = 0;
	roundtrip(&v, "string");
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = -1;
	v.perms = 0x0F;
	roundtrip(&v, "string");
}

static void
test_vjson_roundtrip_base64(void **state)
{
	uint8_t bin[256];
	struct value v;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bin); i++) {
		bin[i] = (uint8_t)(255 - i);
	}
	/* every length mod 3 and the whole byte range */
	for (n = 1; n <= sizeof(bin); n += (n < 8 ? 1 : 61)) {
		v = mkval(300, "HS_SECKEY", bin, n);
		v.perms = VALUE_PERM_ADMIN_READ | VALUE_PERM_ADMIN_WRITE;
		roundtrip(&v, "base64");
	}
}

static void
test_vjson_roundtrip_references(void **state)
{
	struct value_ref refs[3] = {{SLICE_LIT("88.118.8/a"), 1},
	                            {SLICE_LIT("0.NA/88.118.8"), 0xFFFFFFFFu},
	                            {SLICE_LIT(""), 0}};
	struct wbuf rw;
	struct value v = mkval(5, "EMAIL", "a@b.c", 5);
	char *text;

	(void)state;
	wbuf_init_heap(&rw, 1 << 16);
	value_refs_encode(&rw, refs, 3);
	v.nrefs = 3;
	v.refs = wbuf_slice(&rw);
	roundtrip(&v, "string");
	text = value_json(&v);
	assert_non_null(strstr(text, ",\"references\":[{\"handle\":\"88.118.8/a\",\"index\":1},"
	                             "{\"handle\":\"0.NA/88.118.8\",\"index\":4294967295},"
	                             "{\"handle\":\"\",\"index\":0}]}"));
	free(text);
	wbuf_deinit(&rw);
}

static void
test_vjson_roundtrip_admin(void **state)
{
	struct wbuf d;
	struct value v;
	char *text;

	(void)state;
	admin_data(&d, 0x0FFF, "0.NA/88.100.1", 300);
	v = mkval(100, "HS_ADMIN", wbuf_data(&d), wbuf_len(&d));
	roundtrip(&v, "admin");
	text = value_json(&v);
	assert_non_null(strstr(text,
	                       "{\"format\":\"admin\",\"value\":{\"handle\":\"0.NA/88.100.1\","
	                       "\"index\":300,\"permissions\":\"111111111111\"}}"));
	free(text);
	/* lower-case type still counts as HS_ADMIN */
	v.type = SLICE_LIT("hs_admin");
	roundtrip(&v, "admin");
	/* the two legacy trailing zero bytes */
	wbuf_u16(&d, 0);
	v = mkval(100, "HS_ADMIN", wbuf_data(&d), wbuf_len(&d));
	roundtrip(&v, "admin");
	text = value_json(&v);
	assert_non_null(strstr(text, ",\"legacyByteLength\":true}}"));
	free(text);
	wbuf_deinit(&d);
	admin_data(&d, 0, "", 0);
	v = mkval(100, "HS_ADMIN", wbuf_data(&d), wbuf_len(&d));
	roundtrip(&v, "admin");
	wbuf_deinit(&d);
}

static void
test_vjson_roundtrip_vlist(void **state)
{
	struct value_ref refs[2] = {{SLICE_LIT("88.100.1/admins"), 300},
	                            {SLICE_LIT("0.NA/88.100.1"), 200}};
	struct wbuf d;
	struct value v;
	char *text;

	(void)state;
	wbuf_init_heap(&d, 1 << 16);
	value_vlist_encode(&d, refs, 2);
	v = mkval(200, "HS_VLIST", wbuf_data(&d), wbuf_len(&d));
	roundtrip(&v, "vlist");
	text = value_json(&v);
	assert_non_null(strstr(text, "{\"format\":\"vlist\",\"value\":["
	                             "{\"handle\":\"88.100.1/admins\",\"index\":300},"
	                             "{\"handle\":\"0.NA/88.100.1\",\"index\":200}]}"));
	free(text);
	wbuf_reset(&d);
	value_vlist_encode(&d, refs, 0);
	v = mkval(200, "HS_VLIST", wbuf_data(&d), wbuf_len(&d));
	roundtrip(&v, "vlist");
	wbuf_deinit(&d);
}

/* The ref/handle.md §8 HS_SITE vector as a struct. */
static struct value_site *
sample_site(void)
{
	struct value_site *s = calloc(1, sizeof(*s));
	struct value_site_server *sv;

	assert_non_null(s);
	s->version = 1;
	s->proto_major = 2;
	s->proto_minor = 11;
	s->serial = 1;
	s->primary_mask = VALUE_SITE_PRIMARY;
	s->hash_option = 2;
	s->hash_filter = SLICE_LIT("");
	s->nattrs = 1;
	s->attrs[0].name = SLICE_LIT("desc");
	s->attrs[0].value = SLICE_LIT("test");
	s->nservers = 1;
	sv = &s->servers[0];
	sv->id = 1;
	sv->addr[12] = 127;
	sv->addr[15] = 1;
	sv->pubkey = SLICE_LIT("");
	sv->nifaces = 3;
	sv->ifaces[0] = (struct value_site_iface){3, VALUE_PROTO_TCP, 2641};
	sv->ifaces[1] = (struct value_site_iface){2, VALUE_PROTO_UDP, 2641};
	sv->ifaces[2] = (struct value_site_iface){3, VALUE_PROTO_HTTP, 8000};
	return s;
}

static void
site_value(const struct value_site *s, struct wbuf *d, struct value *v)
{
	wbuf_init_heap(d, 1 << 20);
	value_site_encode(d, s);
	assert_int_equal(wbuf_error(d), IDR_OK);
	*v = mkval(1, "HS_SITE", wbuf_data(d), wbuf_len(d));
}

static void
test_vjson_roundtrip_site(void **state)
{
	static const char expect[] =
	        "{\"format\":\"site\",\"value\":{\"version\":1,\"protocolVersion\":\"2.11\","
	        "\"serialNumber\":1,\"primarySite\":true,\"multiPrimary\":false,\"hashFilter\":"
	        "\"\","
	        "\"attributes\":[{\"name\":\"desc\",\"value\":\"test\"}],\"servers\":[{"
	        "\"serverId\":1,"
	        "\"address\":\"127.0.0.1\",\"interfaces\":["
	        "{\"query\":true,\"admin\":true,\"protocol\":\"TCP\",\"port\":2641},"
	        "{\"query\":true,\"admin\":false,\"protocol\":\"UDP\",\"port\":2641},"
	        "{\"query\":true,\"admin\":true,\"protocol\":\"HTTP\",\"port\":8000}]}]}}";
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t key[5] = {0, 1, 2, 0xfe, 0xff};
	struct value_site *s = sample_site();
	struct value v;
	struct wbuf d;
	char *text;

	(void)state;
	site_value(s, &d, &v);
	assert_int_equal(wbuf_len(&d), 82); /* the §8 vector's size */
	roundtrip(&v, "site");
	text = value_json(&v);
	assert_non_null(strstr(text, expect));
	free(text);
	wbuf_deinit(&d);

	/* every other field: two servers, IPv6, a key, hash option 0, a numeric protocol,
	 * HTTPS, an out-of-service interface, multi-primary, the other site types */
	s->primary_mask = VALUE_SITE_PRIMARY | VALUE_SITE_MULTIPRIMARY;
	s->hash_option = 0;
	s->hash_filter = SLICE_LIT("x");
	s->nservers = 2;
	s->servers[1] = s->servers[0];
	s->servers[1].id = 0xFFFFFFFFu;
	memcpy(s->servers[1].addr, v6, 16);
	s->servers[1].pubkey = slice_make(key, sizeof(key));
	s->servers[1].ifaces[0] = (struct value_site_iface){0, VALUE_PROTO_HTTPS, 443};
	s->servers[1].ifaces[1] = (struct value_site_iface){1, 9, 0};
	s->servers[1].ifaces[2] = (struct value_site_iface){2, VALUE_PROTO_TCP, 65535};
	site_value(s, &d, &v);
	roundtrip(&v, "site");
	text = value_json(&v);
	assert_non_null(strstr(text, "\"hashOption\":0,\"hashFilter\":\"x\""));
	assert_non_null(strstr(text, "\"address\":\"2001:db8::1\",\"publicKey\":{\"format\":"
	                             "\"base64\",\"value\":\"AAEC/v8=\"}"));
	assert_non_null(strstr(text, "\"protocol\":9,\"port\":0}"));
	free(text);
	v.type = SLICE_LIT("HS_SITE.PREFIX");
	roundtrip(&v, "site");
	v.type = SLICE_LIT("HS_SITE.6");
	roundtrip(&v, "site");
	v.type = SLICE_LIT("HS_NA_DELEGATE");
	roundtrip(&v, "site");
	/* the same bytes under another type are just binary */
	v.type = SLICE_LIT("HS_SITEX");
	roundtrip(&v, "base64");
	wbuf_deinit(&d);
	free(s);
}

/* Site data whose JSON form would lose bits falls back to base64. */
static void
test_vjson_site_fallback(void **state)
{
	struct value_site *s = sample_site();
	struct value v;
	struct wbuf d;

	(void)state;
	s->primary_mask = 0x81; /* a bit with no JSON member */
	site_value(s, &d, &v);
	roundtrip(&v, "base64");
	wbuf_deinit(&d);
	s->primary_mask = VALUE_SITE_PRIMARY;
	s->servers[0].ifaces[0].type = 4; /* an interface type beyond admin|query */
	site_value(s, &d, &v);
	roundtrip(&v, "base64");
	wbuf_deinit(&d);
	s->servers[0].ifaces[0].type = 3;
	s->servers[0].ifaces[0].port = 65536;
	site_value(s, &d, &v);
	roundtrip(&v, "base64");
	wbuf_deinit(&d);
	s->servers[0].ifaces[0].port = 2641;
	s->attrs[0].value = slice_make("a\0b", 3); /* NUL does not survive default JSON parsing */
	site_value(s, &d, &v);
	roundtrip(&v, "base64");
	wbuf_deinit(&d);
	s->attrs[0].value = slice_make("\xff", 1); /* not UTF-8 */
	site_value(s, &d, &v);
	roundtrip(&v, "base64");
	wbuf_deinit(&d);
	free(s);
}

/* Every truncation of admin, vlist and site data, and one trailing byte: base64, lossless. */
static void
test_vjson_structured_truncations(void **state)
{
	static const char *const types[3] = {"HS_ADMIN", "HS_VLIST", "HS_SITE"};
	struct value_ref refs[2] = {{SLICE_LIT("88.100.1/admins"), 300},
	                            {SLICE_LIT("0.NA/88.100.1"), 200}};
	struct value_site *s = sample_site();
	struct wbuf d[3];
	struct value v;
	size_t t, cut;

	(void)state;
	admin_data(&d[0], 0x0FFF, "0.NA/88.100.1", 300);
	wbuf_init_heap(&d[1], 1 << 16);
	value_vlist_encode(&d[1], refs, 2);
	site_value(s, &d[2], &v);
	for (t = 0; t < 3; t++) {
		for (cut = 0; cut < wbuf_len(&d[t]); cut++) {
			v = mkval(7, types[t], wbuf_data(&d[t]), cut);
			roundtrip(&v, cut == 0 ? "string" : "base64");
		}
		wbuf_u8(&d[t], 1); /* trailing non-zero byte (admin: 1 byte is not the legacy 2) */
		v = mkval(7, types[t], wbuf_data(&d[t]), wbuf_len(&d[t]));
		roundtrip(&v, "base64");
		wbuf_u8(&d[t], 0); /* admin: 2 trailing bytes, but not zero */
		v = mkval(7, types[t], wbuf_data(&d[t]), wbuf_len(&d[t]));
		roundtrip(&v, "base64");
		wbuf_deinit(&d[t]);
	}
	free(s);
}

static void
test_vjson_admin_fallback(void **state)
{
	struct wbuf d;
	struct value v;

	(void)state;
	admin_data(&d, 0x1FFF, "0.NA/88", 300); /* LIST_NA bit: not in the 12-bit string */
	v = mkval(100, "HS_ADMIN", wbuf_data(&d), wbuf_len(&d));
	roundtrip(&v, "base64");
	wbuf_deinit(&d);
	admin_data(&d, 0x0FFF, "0.NA/\xc0\x80", 300); /* overlong: not UTF-8 */
	v = mkval(100, "HS_ADMIN", wbuf_data(&d), wbuf_len(&d));
	roundtrip(&v, "base64");
	wbuf_deinit(&d);
	wbuf_init_heap(&d, 1 << 16);
	{
		struct value_ref r = {slice_make("a\0", 2), 1};

		value_vlist_encode(&d, &r, 1);
	}
	v = mkval(200, "HS_VLIST", wbuf_data(&d), wbuf_len(&d));
	roundtrip(&v, "base64");
	wbuf_deinit(&d);
}

/* ---- string or base64 ---- */

static void
test_vjson_text_or_base64(void **state)
{
	static const struct {
		const char *data;
		size_t len;
		const char *format;
	} cases[] = {
	        {"tab\there", 8, "string"},
	        {"nl\ncr\r", 6, "string"},
	        {"nul\0", 4, "base64"},
	        {"bell\a", 5, "base64"},
	        {"esc\x1b", 4, "base64"},
	        {"del\x7f", 4, "base64"},
	        {"c1\xc2\x85", 4, "base64"},          /* U+0085 NEL */
	        {"nbsp\xc2\xa0", 6, "string"},        /* U+00A0 is not a control */
	        {"bad\xc3\x28", 5, "base64"},         /* broken 2-byte sequence */
	        {"over\xc0\xaf", 6, "base64"},        /* overlong '/' */
	        {"surr\xed\xa0\x80", 7, "base64"},    /* UTF-16 surrogate */
	        {"big\xf4\x90\x80\x80", 7, "base64"}, /* above U+10FFFF */
	        {"cut\xe2\x82", 5, "base64"},         /* truncated 3-byte sequence */
	        {"\xef\xbb\xbf", 3, "string"},        /* BOM is a character */
	        {"u2028\xe2\x80\xa8", 8, "string"},
	};
	static const uint8_t bin[3] = {0x00, 0xff, 0x10};
	struct value v;
	size_t i;
	char *text;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		v = mkval(1, "DESC", cases[i].data, cases[i].len);
		roundtrip(&v, cases[i].format);
	}
	v = mkval(2, "BIN", bin, sizeof(bin));
	text = value_json(&v);
	assert_string_equal(text, "{\"index\":2,\"type\":\"BIN\",\"data\":{\"format\":\"base64\","
	                          "\"value\":\"AP8Q\"},\"ttl\":86400}");
	free(text);
}

/* ---- escaping ---- */

static char *
str_json(const void *p, size_t len)
{
	struct wbuf w;

	wbuf_init_heap(&w, 1 << 16);
	assert_int_equal(vjson_write_str(&w, slice_make(p, len)), IDR_OK);
	wbuf_terminate(&w);
	return (char *)wbuf_steal(&w, NULL);
}

static void
test_vjson_escape(void **state)
{
	static const char *const short_esc[32] = {
	        [0x08] = "\\b", [0x09] = "\\t", [0x0a] = "\\n", [0x0c] = "\\f", [0x0d] = "\\r"};
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
	        {"\"", 1, "\"\\\"\""},
	        {"\\", 1, "\"\\\\\""},
	        {"/<>&'", 5, "\"/<>&'\""},
	        {"\x7f", 1, "\"\\u007f\""},
	        {"a\xc3\x28z", 4, "\"a\\ufffd(z\""},
	        {"\xc0\xaf", 2, "\"\\ufffd\\ufffd\""},
	        {"\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""},
	        {"\xf8\x88\x80\x80\x80", 5, "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\""},
	        {"\xe2\x82", 2, "\"\\ufffd\\ufffd\""},
	        {"\xe2\x82\xac", 3, "\"\xe2\x82\xac\""},
	        {"\xf0\x9f\x98\x80!", 5, "\"\xf0\x9f\x98\x80!\""},
	        {"\xc2\x85", 2, "\"\xc2\x85\""}, /* C1 is legal in JSON strings */
	        {"", 0, "\"\""},
	};
	char want[16], *s;
	unsigned c;
	size_t i;

	(void)state;
	for (c = 0; c < 0x20; c++) {
		uint8_t b = (uint8_t)c;

		if (short_esc[c] != NULL) {
			snprintf(want, sizeof(want), "\"%s\"", short_esc[c]);
		} else {
			snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		}
		s = str_json(&b, 1);
		assert_string_equal(s, want);
		free(s);
	}
	/* every byte at every place of a 17-byte string (the writer scans 8 bytes at a time):
	 * escaped as it is alone, the plain bytes around it copied */
	for (c = 0; c < 256; c++) {
		uint8_t b = (uint8_t)c, in[17];
		char *alone = str_json(&b, 1), got_want[64];

		for (i = 0; i < sizeof(in); i++) {
			memset(in, 'a', sizeof(in));
			in[i] = b;
			snprintf(got_want, sizeof(got_want), "\"%.*s%.*s%.*s\"", (int)i,
			         "aaaaaaaaaaaaaaaaa", (int)(strlen(alone) - 2), alone + 1,
			         (int)(sizeof(in) - 1 - i), "aaaaaaaaaaaaaaaaa");
			s = str_json(in, sizeof(in));
			assert_string_equal(s, got_want);
			free(s);
		}
		free(alone);
	}
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		json_t *j;

		s = str_json(cases[i].in, cases[i].len);
		assert_string_equal(s, cases[i].out);
		/* and a strict parser accepts it */
		j = json_loads(s, JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		json_decref(j);
		free(s);
	}
}

/* The JSON string of in[0..n) loads with jansson; fails the test if not. */
static void
assert_loads(const uint8_t *in, size_t n)
{
	char *s = str_json(in, n);
	json_t *j = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

	if (!json_is_string(j)) {
		fail_msg("not a JSON string for %02x %02x: %s", in[0], in[1], s);
	}
	json_decref(j);
	free(s);
}

/* Every 1- and 2-byte input gives JSON that jansson accepts (jansson checks UTF-8). */
static void
test_vjson_escape_exhaustive(void **state)
{
	uint8_t in[2];
	unsigned ab;

	(void)state;
	for (ab = 0; ab < 65536; ab++) {
		in[0] = (uint8_t)(ab >> 8);
		in[1] = (uint8_t)ab;
		assert_loads(in, 2);
		if (in[1] == 0) {
			assert_loads(in, 1);
		}
	}
}

/* ---- dates ---- */

static void
test_vjson_time_format(void **state)
{
	static const struct {
		uint32_t t;
		const char *s;
	} cases[] = {
	        {0, "1970-01-01T00:00:00Z"},
	        {951782400, "2000-02-29T00:00:00Z"},
	        {955406506, "2000-04-10T22:41:46Z"},
	        {1709251199, "2024-02-29T23:59:59Z"},
	        {2147483647, "2038-01-19T03:14:07Z"},
	        {2147483648u, "2038-01-19T03:14:08Z"},
	        {4102444800u, "2100-01-01T00:00:00Z"},
	        {4107542400u, "2100-03-01T00:00:00Z"}, /* 2100 is not a leap year */
	        {4294967295u, "2106-02-07T06:28:15Z"},
	};
	char out[VJSON_TIME_LEN];
	uint32_t t;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		vjson_time_format(cases[i].t, out);
		assert_string_equal(out, cases[i].s);
		assert_int_equal(vjson_time_parse(out, strlen(out), &t), IDR_OK);
		assert_int_equal(t, cases[i].t);
	}
	/* format/parse agree over the whole range */
	for (t = 0; t < 4294967295u - 7777777u; t += 7777777u) {
		uint32_t back = 0;

		vjson_time_format(t, out);
		assert_int_equal(vjson_time_parse(out, 20, &back), IDR_OK);
		assert_int_equal(back, t);
	}
}

static void
test_vjson_time_parse(void **state)
{
	static const struct {
		const char *s;
		int rc;
		uint32_t t;
	} cases[] = {
	        {"2001-11-21T16:21:35Z", IDR_OK, 1006359695},
	        {"2001-11-21t16:21:35z", IDR_OK, 1006359695},
	        {"2001-11-21T16:21:35.999Z", IDR_OK, 1006359695},
	        {"2001-11-21T16:21:35.1+00:00", IDR_OK, 1006359695},
	        {"2001-11-22T00:21:35+08:00", IDR_OK, 1006359695},
	        {"2001-11-21T11:21:35-05:00", IDR_OK, 1006359695},
	        {"1970-01-01T08:00:00+08:00", IDR_OK, 0},
	        {"2000-02-29T00:00:00Z", IDR_OK, 951782400},
	        {"2106-02-07T06:28:15Z", IDR_OK, 4294967295u},
	        {"1969-12-31T23:59:59Z", IDR_ELIMIT, 0},
	        {"1970-01-01T00:00:00+00:01", IDR_ELIMIT, 0},
	        {"2106-02-07T06:28:16Z", IDR_ELIMIT, 0},
	        {"9999-12-31T23:59:59Z", IDR_ELIMIT, 0},
	        {"2001-02-29T00:00:00Z", IDR_EINVAL, 0}, /* not a leap year */
	        {"2100-02-29T00:00:00Z", IDR_EINVAL, 0},
	        {"2000-02-30T00:00:00Z", IDR_EINVAL, 0},
	        {"2001-04-31T00:00:00Z", IDR_EINVAL, 0},
	        {"2001-00-10T00:00:00Z", IDR_EINVAL, 0},
	        {"2001-13-10T00:00:00Z", IDR_EINVAL, 0},
	        {"2001-01-00T00:00:00Z", IDR_EINVAL, 0},
	        {"2001-01-01T24:00:00Z", IDR_EINVAL, 0},
	        {"2001-01-01T00:60:00Z", IDR_EINVAL, 0},
	        {"2001-01-01T00:00:60Z", IDR_EINVAL, 0},
	        {"2001-01-01T00:00:00", IDR_EINVAL, 0},
	        {"2001-01-01T00:00:00ZZ", IDR_EINVAL, 0},
	        {"2001-01-01T00:00:00.Z", IDR_EINVAL, 0},
	        {"2001-01-01T00:00:00+0800", IDR_EINVAL, 0},
	        {"2001-01-01T00:00:00+24:00", IDR_EINVAL, 0},
	        {"2001-01-01T00:00:00+08:60", IDR_EINVAL, 0},
	        {"2001-01-01 00:00:00Z", IDR_EINVAL, 0},
	        {"2001-1-01T00:00:00Z", IDR_EINVAL, 0},
	        {"+001-01-01T00:00:00Z", IDR_EINVAL, 0},
	        {"2001-01-01T00:00:0aZ", IDR_EINVAL, 0},
	        {"", IDR_EINVAL, 0},
	};
	uint32_t t;
	size_t i, cut;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		t = 12345;
		if (vjson_time_parse(cases[i].s, strlen(cases[i].s), &t) != cases[i].rc) {
			fail_msg("case %zu \"%s\": want %d", i, cases[i].s, cases[i].rc);
		}
		assert_int_equal(t, cases[i].rc == IDR_OK ? cases[i].t : 12345);
	}
	/* every truncation of a valid date is rejected; the length bounds the read */
	for (cut = 0; cut < 20; cut++) {
		char *p = malloc(cut > 0 ? cut : 1);

		memcpy(p, "2001-11-21T16:21:35Z", cut);
		assert_int_equal(vjson_time_parse(p, cut, &t), IDR_EINVAL);
		free(p);
	}
}

/* ---- filters and records ---- */

struct fixture_rec {
	struct wbuf clumps;
	struct rec_view rec;
};

static void
make_rec(struct fixture_rec *f)
{
	struct value v[4];
	size_t i;

	v[0] = mkval(1, "URL", "http://a/", 9);
	v[1] = mkval(2, "URL.alt", "http://b/", 9);
	v[2] = mkval(3, "EMAIL", "a@b", 3);
	v[3] = mkval(300, "HS_SECKEY", "k", 1);
	v[3].perms = VALUE_PERM_ADMIN_READ | VALUE_PERM_ADMIN_WRITE;
	wbuf_init_heap(&f->clumps, 1 << 16);
	for (i = 0; i < 4; i++) {
		value_encode(&f->clumps, &v[i]);
	}
	memset(&f->rec, 0, sizeof(f->rec));
	f->rec.handle = SLICE_LIT("88.1/x");
	f->rec.nvalues = 4;
	f->rec.values = wbuf_slice(&f->clumps);
}

static int
count_filtered(const struct rec_view *rec, struct vjson_filter *flt)
{
	struct wbuf w;
	int n;

	wbuf_init_heap(&w, 1 << 16);
	n = vjson_write_values(&w, rec, vjson_filter_match, flt);
	if (n >= 0) {
		json_t *j;

		wbuf_terminate(&w);
		j = load((const char *)wbuf_data(&w));
		assert_int_equal(json_array_size(j), (size_t)n);
		json_decref(j);
	}
	wbuf_deinit(&w);
	return n;
}

static int
abort_at_email(void *ctx, const struct value *v)
{
	(void)ctx;
	return slice_caseeq_cstr(v->type, "EMAIL") ? IDR_EACCES : 1;
}

static void
test_vjson_filter(void **state)
{
	static const uint32_t idx[2] = {3, 999};
	const struct slice url[1] = {SLICE_LIT("URL")};
	const struct slice url_sub[1] = {SLICE_LIT("URL.")};
	struct vjson_filter flt;
	struct fixture_rec f;
	struct wbuf w;

	(void)state;
	make_rec(&f);
	memset(&flt, 0, sizeof(flt));
	assert_int_equal(count_filtered(&f.rec, &flt), 4);
	flt.public_only = true;
	assert_int_equal(count_filtered(&f.rec, &flt), 3);
	flt.public_only = false;
	flt.indexes = idx;
	flt.nindexes = 2;
	assert_int_equal(count_filtered(&f.rec, &flt), 1);
	flt.types = url;
	flt.ntypes = 1;
	assert_int_equal(count_filtered(&f.rec, &flt), 2); /* index 3 OR type URL */
	flt.nindexes = 0;
	flt.types = url_sub;
	assert_int_equal(count_filtered(&f.rec, &flt), 2); /* URL and URL.alt */
	flt.types = url;
	assert_int_equal(count_filtered(&f.rec, &flt), 1);

	/* no value passes: responseCode 200 and an empty list, as Handle.Net answers */
	flt.indexes = &idx[1];
	flt.nindexes = 1;
	flt.ntypes = 0;
	wbuf_init_heap(&w, 1 << 16);
	wbuf_cstr(&w, "prefix:"); /* the object may follow other output in the buffer */
	assert_int_equal(vjson_write_record(&w, &f.rec, vjson_filter_match, &flt), 0);
	wbuf_terminate(&w);
	assert_string_equal((const char *)wbuf_data(&w),
	                    "prefix:{\"responseCode\":200,\"handle\":\"88.1/x\",\"values\":[]}");
	wbuf_reset(&w);
	/* a filter can stop the walk with an error */
	assert_int_equal(vjson_write_values(&w, &f.rec, abort_at_email, NULL), IDR_EACCES);
	wbuf_deinit(&w);
	wbuf_deinit(&f.clumps);
}

static void
test_vjson_write_errors(void **state)
{
	struct fixture_rec f;
	struct wbuf w;
	uint8_t small[64];
	size_t cut;

	(void)state;
	make_rec(&f);
	/* output that does not fit: the wbuf's ETOOBIG, at every buffer size */
	for (cut = 0; cut < sizeof(small); cut++) {
		wbuf_init(&w, small, cut);
		assert_int_equal(vjson_write_record(&w, &f.rec, NULL, NULL), IDR_ETOOBIG);
	}
	/* a clump list cut short is a decode error, at every truncation point; a cut between
	 * two clumps is a shorter valid list */
	for (cut = 1; cut < f.rec.values.len; cut++) {
		struct rec_view r = f.rec;
		uint8_t *copy = malloc(cut);
		struct rbuf rb;
		struct value v;
		int n, whole = 0;

		memcpy(copy, f.rec.values.p, cut);
		r.values = slice_make(copy, cut);
		rbuf_init(&rb, f.rec.values.p, f.rec.values.len);
		while (rbuf_offset(&rb) < cut && value_decode(&rb, &v) == IDR_OK) {
			whole += rbuf_offset(&rb) <= cut;
		}
		wbuf_init_heap(&w, 1 << 16);
		n = vjson_write_values(&w, &r, NULL, NULL);
		if (rbuf_offset(&rb) == cut) {
			assert_int_equal(n, whole);
		} else {
			assert_int_equal(n, IDR_EPROTO);
		}
		wbuf_deinit(&w);
		free(copy);
	}
	wbuf_deinit(&f.clumps);
}

/* ---- parser ---- */

static struct vjson_values
parse_ok(const char *text)
{
	char err[VJSON_ERR_LEN];
	struct vjson_values vals;
	json_t *j = load(text);

	if (vjson_parse_values(j, &vals, err, sizeof(err)) != IDR_OK) {
		fail_msg("parse failed: %s in %.300s", err, text);
	}
	json_decref(j);
	return vals;
}

/*
 * VJSON_STRICT: an unknown member at any level is an error naming it (and the member it is
 * close to); without the flag it is ignored.
 */
static void
test_vjson_parse_strict(void **state)
{
#define V(x) "[{\"index\":1,\"type\":\"T\"," x "}]"
#define SITE(x)                                                                                    \
	V("\"data\":{\"format\":\"site\",\"value\":{\"servers\":[{\"serverId\":1,\"address\":"     \
	  "\"1.2.3.4\",\"interfaces\":[{\"query\":true,\"admin\":false,\"port\":2641,"             \
	  "\"protocol\":\"TCP\"" x "}]}]}}")
	static const struct {
		const char *json, *err;
	} cases[] = {
	        {V("\"data\":\"x\",\"refs\":[]"),
	         "values[0]: unknown member 'refs' (did you mean 'references'?)"},
	        {V("\"data\":\"x\",\"zzz\":1"), "values[0]: unknown member 'zzz'"},
	        {V("\"data\":\"x\",\"Timestamp\":\"2024-01-01T00:00:00Z\""),
	         "values[0]: unknown member 'Timestamp' (did you mean 'timestamp'?)"},
	        {V("\"data\":{\"format\":\"string\",\"value\":\"x\",\"valeu\":\"y\"}"),
	         "values[0].data: unknown member 'valeu' (did you mean 'value'?)"},
	        {V("\"data\":\"x\",\"references\":[{\"handle\":\"a/b\",\"index\":1,\"idx\":1}]"),
	         "values[0].references[0]: unknown member 'idx' (did you mean 'index'?)"},
	        {V("\"data\":{\"format\":\"admin\",\"value\":{\"handle\":\"0.NA/x\",\"index\":"
	           "200,\"permissions\":\"111111111111\",\"perms\":1}}"),
	         "values[0].data.value: unknown member 'perms' (did you mean 'permissions'?)"},
	        {V("\"data\":{\"format\":\"vlist\",\"value\":[{\"handle\":\"a/b\",\"index\":1,"
	           "\"indx\":1}]}"),
	         "values[0].data.value[0]: unknown member 'indx' (did you mean 'index'?)"},
	        {V("\"data\":{\"format\":\"site\",\"value\":{\"servers\":[],\"sevrers\":1}}"),
	         "values[0].data.value: unknown member 'sevrers' (did you mean 'servers'?)"},
	        {SITE(",\"proto\":1"), "values[0].data.value.servers[0].interfaces[0]: unknown "
	                               "member 'proto' (did you mean 'protocol'?)"},
	        {"{\"responseCode\":1,\"handle\":\"a/b\",\"values\":[],\"valeus\":1}",
	         "unknown member 'valeus' (did you mean 'values'?)"},
	};
	char err[VJSON_ERR_LEN];
	struct vjson_values vals;
	size_t i;
	json_t *j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		j = load(cases[i].json);
		assert_int_equal(vjson_parse_values_opt(j, VJSON_STRICT, &vals, err, sizeof(err)),
		                 IDR_EPROTO);
		if (strcmp(err, cases[i].err) != 0) {
			fail_msg("case %zu: '%s', want '%s'", i, err, cases[i].err);
		}
		assert_int_equal(vals.n, 0);
		/* not strict: ignored */
		if (vjson_parse_values(j, &vals, err, sizeof(err)) != IDR_OK) {
			fail_msg("case %zu: lenient parse failed: %s", i, err);
		}
		vjson_values_free(&vals);
		json_decref(j);
	}
	/* the known members pass */
	j = load(SITE(""));
	assert_int_equal(vjson_parse_values_opt(j, VJSON_STRICT, &vals, err, sizeof(err)), IDR_OK);
	vjson_values_free(&vals);
	json_decref(j);
#undef SITE
#undef V
}

static void
test_vjson_parse_forms(void **state)
{
	struct vjson_values vals;
	struct value *v;
	char small[1];
	json_t *j;

	(void)state;
	vals = parse_ok("[{\"index\":1,\"type\":\"URL\",\"data\":\"http://x/\"},"
	                "{\"index\":2,\"type\":\"HEX\",\"data\":{\"format\":\"HEX\","
	                "\"value\":\"00fFa0\"},\"ttl\":null,\"extra\":[1,2]}]");
	assert_int_equal(vals.n, 2);
	v = &vals.v[0];
	assert_int_equal(v->index, 1);
	assert_true(slice_eq(v->type, SLICE_LIT("URL")));
	assert_true(slice_eq(v->data, SLICE_LIT("http://x/")));
	assert_int_equal(v->ttl_type, VALUE_TTL_RELATIVE);
	assert_int_equal(v->ttl, VALUE_DEFAULT_TTL);
	assert_int_equal(v->perms, VALUE_PERM_DEFAULT);
	assert_int_equal(v->timestamp, 0);
	assert_int_equal(v->nrefs, 0);
	assert_true(slice_eq(vals.v[1].data, slice_make("\x00\xff\xa0", 3)));
	vjson_values_free(&vals);
	assert_int_equal(vals.n, 0);
	assert_null(vals.v);

	vals = parse_ok("{\"handle\":\"88.1/x\",\"values\":[{\"index\":7,\"type\":\"T\","
	                "\"data\":{\"format\":\"base64\",\"value\":\"QUJD\"},\"ttl\":0,"
	                "\"permissions\":\"0000\",\"timestamp\":\"1970-01-01T00:00:01Z\"}]}");
	assert_true(vals.has_handle);
	assert_true(slice_eq(vals.handle, SLICE_LIT("88.1/x")));
	assert_int_equal(vals.n, 1);
	assert_true(slice_eq(vals.v[0].data, SLICE_LIT("ABC")));
	assert_int_equal(vals.v[0].ttl, 0);
	assert_int_equal(vals.v[0].perms, 0);
	assert_int_equal(vals.v[0].timestamp, 1);
	vjson_values_free(&vals);

	vals = parse_ok("{\"index\":2147483647,\"type\":\"T\",\"data\":{\"format\":\"base64\","
	                "\"value\":\"QQ\"},\"ttl\":\"2038-01-19T03:14:08Z\"}");
	assert_false(vals.has_handle);
	assert_int_equal(vals.n, 1);
	assert_int_equal(vals.v[0].index, 2147483647);
	assert_true(slice_eq(vals.v[0].data, SLICE_LIT("A")));
	assert_int_equal(vals.v[0].ttl_type, VALUE_TTL_ABSOLUTE);
	assert_int_equal(vals.v[0].ttl, INT32_MIN);
	vjson_values_free(&vals);

	/* no error buffer is fine */
	j = load("[{\"index\":0}]");
	assert_int_equal(vjson_parse_values(j, &vals, NULL, 0), IDR_EPROTO);
	assert_int_equal(vjson_parse_values(j, &vals, small, 1), IDR_EPROTO);
	assert_int_equal(small[0], '\0');
	json_decref(j);

	vals = parse_ok("{\"values\":[]}");
	assert_int_equal(vals.n, 0);
	vjson_values_free(&vals);
	vjson_values_free(&vals); /* twice is harmless */
	vjson_values_free(NULL);
}

/* Site input written by hand: defaults for what is left out, names in any case. */
static void
test_vjson_parse_site_input(void **state)
{
	struct vjson_values vals;
	struct value_site *s = calloc(1, sizeof(*s));

	(void)state;
	assert_non_null(s);
	vals = parse_ok(
	        "{\"index\":1,\"type\":\"HS_SITE\",\"data\":{\"format\":\"site\",\"value\":"
	        "{\"servers\":[{\"serverId\":1,\"address\":\"::ffff:10.0.0.1\","
	        "\"publicKey\":{\"format\":\"hex\",\"value\":\"0102\"},\"interfaces\":"
	        "[{\"query\":true,\"admin\":false,\"protocol\":\"https\",\"port\":443}]}]}}}");
	assert_int_equal(value_site_decode(vals.v[0].data, s), IDR_OK);
	assert_int_equal(s->version, 1);
	assert_int_equal(s->proto_major, 2);
	assert_int_equal(s->proto_minor, 10);
	assert_int_equal(s->serial, 1);
	assert_int_equal(s->primary_mask, 0);
	assert_int_equal(s->hash_option, 2);
	assert_int_equal(s->nattrs, 0);
	assert_int_equal(s->nservers, 1);
	assert_int_equal(s->servers[0].addr[10], 0xff);
	assert_int_equal(s->servers[0].addr[15], 1);
	assert_true(slice_eq(s->servers[0].pubkey, SLICE_LIT("\x01\x02")));
	assert_int_equal(s->servers[0].ifaces[0].proto, VALUE_PROTO_HTTPS);
	assert_int_equal(s->servers[0].ifaces[0].type, VALUE_IFACE_QUERY);
	vjson_values_free(&vals);
	free(s);
}

struct perr {
	const char *json;
	int rc;
	const char *msg;
};

static void
check_errors(const struct perr *cases, size_t n)
{
	char err[VJSON_ERR_LEN];
	struct vjson_values vals;
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *j = load(cases[i].json);
		int rc = vjson_parse_values(j, &vals, err, sizeof(err));

		if (rc != cases[i].rc || strcmp(err, cases[i].msg) != 0) {
			fail_msg("case %zu %.120s: got %d \"%s\", want %d \"%s\"", i, cases[i].json,
			         rc, err, cases[i].rc, cases[i].msg);
		}
		assert_int_equal(vals.n, 0);
		assert_null(vals.v);
		assert_null(vals.chunks);
		json_decref(j);
	}
}

#define V1(rest) "[{\"index\":1,\"type\":\"URL\",\"data\":\"x\"}," rest "]"
#define DATA(fmt, val)                                                                             \
	V1("{\"index\":2,\"type\":\"T\",\"data\":{\"format\":\"" fmt "\",\"value\":" val "}}")

static const struct perr parse_error_cases[] = {
        {"3", IDR_EPROTO, "must be an array of values, {\"values\":[...]} or a value object"},
        {"{\"values\":{}}", IDR_EPROTO, "values: must be an array"},
        {"{\"handle\":5,\"values\":[]}", IDR_EPROTO, "handle: must be a string"},
        {"[1]", IDR_EPROTO, "values[0]: must be an object"},
        {V1("{\"type\":\"URL\",\"data\":\"x\"}"), IDR_EPROTO,
         "values[1].index: missing (an integer 1..2147483647)"},
        {V1("{\"index\":0,\"type\":\"URL\",\"data\":\"x\"}"), IDR_EPROTO,
         "values[1].index: must be an integer 1..2147483647"},
        {V1("{\"index\":2147483648,\"type\":\"URL\",\"data\":\"x\"}"), IDR_EPROTO,
         "values[1].index: must be an integer 1..2147483647"},
        {V1("{\"index\":\"2\",\"type\":\"URL\",\"data\":\"x\"}"), IDR_EPROTO,
         "values[1].index: must be an integer 1..2147483647"},
        {V1("{\"index\":2.0,\"type\":\"URL\",\"data\":\"x\"}"), IDR_EPROTO,
         "values[1].index: must be an integer 1..2147483647"},
        {"{\"index\":-1,\"type\":\"URL\",\"data\":\"x\"}", IDR_EPROTO,
         "value.index: must be an integer 1..2147483647"},
        {V1("{\"index\":2,\"data\":\"x\"}"), IDR_EPROTO, "values[1].type: missing (a string)"},
        {V1("{\"index\":2,\"type\":7,\"data\":\"x\"}"), IDR_EPROTO,
         "values[1].type: must be a string"},
        {V1("{\"index\":2,\"type\":\"\",\"data\":\"x\"}"), IDR_EPROTO,
         "values[1].type: must not be empty"},
        {V1("{\"index\":2,\"type\":\"a\\nb\",\"data\":\"x\"}"), IDR_EPROTO,
         "values[1].type: must not contain control characters"},
        {V1("{\"index\":2,\"type\":\"T\"}"), IDR_EPROTO, "values[1].data: missing"},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":3}"), IDR_EPROTO,
         "values[1].data: must be a string or an object {\"format\",\"value\"}"},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":{\"value\":\"x\"}}"), IDR_EPROTO,
         "values[1].data.format: missing (a string)"},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":{\"format\":\"string\"}}"), IDR_EPROTO,
         "values[1].data.value: missing"},
        {DATA("key", "\"x\""), IDR_EPROTO,
         "values[1].data.format: unknown format (string, base64, hex, admin, vlist or "
         "site)"},
        {DATA("string", "5"), IDR_EPROTO, "values[1].data.value: must be a string"},
        {DATA("base64", "\"QUJ*\""), IDR_EPROTO, "values[1].data.value: invalid base64"},
        {DATA("base64", "\"Q\""), IDR_EPROTO, "values[1].data.value: invalid base64"},
        {DATA("base64", "\"QQ=\""), IDR_EPROTO, "values[1].data.value: invalid base64"},
        {DATA("base64", "\"Q===\""), IDR_EPROTO, "values[1].data.value: invalid base64"},
        {DATA("base64", "\"QU JD\""), IDR_EPROTO, "values[1].data.value: invalid base64"},
        {DATA("hex", "\"abc\""), IDR_EPROTO,
         "values[1].data.value: invalid hex (odd number of digits)"},
        {DATA("hex", "\"zz\""), IDR_EPROTO, "values[1].data.value: invalid hex"},
        {DATA("admin", "[]"), IDR_EPROTO,
         "values[1].data.value: must be an object {\"handle\",\"index\",\"permissions\"}"},
        {DATA("admin", "{\"index\":1,\"permissions\":\"011111111111\"}"), IDR_EPROTO,
         "values[1].data.value.handle: missing (a string)"},
        {DATA("admin", "{\"handle\":\"a/b\",\"permissions\":\"011111111111\"}"), IDR_EPROTO,
         "values[1].data.value.index: missing (an integer 0..4294967295)"},
        {DATA("admin", "{\"handle\":\"a/b\",\"index\":1,\"permissions\":\"01111111111\"}"),
         IDR_EPROTO,
         "values[1].data.value.permissions: must be 12 characters of 0/1 (LIST_HANDLES "
         "first)"},
        {DATA("admin", "{\"handle\":\"a/b\",\"index\":1,\"permissions\":\"0111111111111\"}"),
         IDR_EPROTO,
         "values[1].data.value.permissions: must be 12 characters of 0/1 (LIST_HANDLES "
         "first)"},
        {DATA("admin", "{\"handle\":\"a/b\",\"index\":1,\"permissions\":\"01111111111x\"}"),
         IDR_EPROTO,
         "values[1].data.value.permissions: must be 12 characters of 0/1 (LIST_HANDLES "
         "first)"},
        {DATA("vlist", "{}"), IDR_EPROTO,
         "values[1].data.value: must be an array of {\"handle\",\"index\"}"},
        {DATA("vlist", "[{\"handle\":\"a/b\",\"index\":1},{\"index\":2}]"), IDR_EPROTO,
         "values[1].data.value[1].handle: missing (a string)"},
        {DATA("vlist", "[{\"handle\":\"a/b\"}]"), IDR_EPROTO,
         "values[1].data.value[0].index: missing (an integer 0..4294967295)"},
        {DATA("vlist", "[\"a/b\"]"), IDR_EPROTO,
         "values[1].data.value[0]: must be an object {\"handle\",\"index\"}"},
        {V1("{\"index\":1,\"type\":\"T\",\"data\":\"y\"}"), IDR_EPROTO,
         "values[1]: duplicate index 1"},
        {"[{\"index\":5,\"type\":\"A\",\"data\":\"\"},{\"index\":100,\"type\":\"A\","
         "\"data\":\"\"},{\"index\":100,\"type\":\"A\",\"data\":\"\"},{\"index\":5,"
         "\"type\":\"A\",\"data\":\"\"}]",
         IDR_EPROTO, "values[2]: duplicate index 100"},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":\"x\",\"ttl\":1.5}"), IDR_EPROTO,
         "values[1].ttl: must be an integer (seconds) or a date (absolute expiry)"},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":\"x\",\"ttl\":2147483648}"), IDR_EPROTO,
         "values[1].ttl: must be an integer (seconds) or a date (absolute expiry)"},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":\"x\",\"ttl\":\"tomorrow\"}"), IDR_EPROTO,
         "values[1].ttl: must be a date such as \"2001-11-21T16:21:35Z\""},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":\"x\",\"timestamp\":12}"), IDR_EPROTO,
         "values[1].timestamp: must be a date such as \"2001-11-21T16:21:35Z\""},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":\"x\","
            "\"timestamp\":\"1960-01-01T00:00:00Z\"}"),
         IDR_EPROTO,
         "values[1].timestamp: date outside 1970-01-01T00:00:00Z..2106-02-07T06:28:15Z"},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":\"x\",\"permissions\":\"111\"}"), IDR_EPROTO,
         "values[1].permissions: must be 4 characters of 0/1 (admin read, admin write, "
         "public read, public write)"},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":\"x\",\"permissions\":\"11a1\"}"), IDR_EPROTO,
         "values[1].permissions: must be 4 characters of 0/1 (admin read, admin write, "
         "public read, public write)"},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":\"x\",\"permissions\":1110}"), IDR_EPROTO,
         "values[1].permissions: must be a string"},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":\"x\",\"references\":{}}"), IDR_EPROTO,
         "values[1].references: must be an array"},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":\"x\",\"references\":[{\"handle\":\"a\"}]"
            "}"),
         IDR_EPROTO, "values[1].references[0].index: missing (an integer 0..4294967295)"},
        {V1("{\"index\":2,\"type\":\"T\",\"data\":\"x\",\"references\":[{\"index\":-1,"
            "\"handle\":\"a\"}]}"),
         IDR_EPROTO, "values[1].references[0].index: must be an integer 0..4294967295"},
};

static void
test_vjson_parse_errors(void **state)
{
	(void)state;
	check_errors(parse_error_cases, ARRAY_LEN(parse_error_cases));
}

#define SITE(val)    DATA("site", val)
#define SERVER(body) SITE("{\"servers\":[" body "]}")
#define IFACE(body)  SERVER("{\"serverId\":1,\"address\":\"1.2.3.4\",\"interfaces\":[" body "]}")

static void
test_vjson_parse_site_errors(void **state)
{
	static const struct perr cases[] = {
	        {SITE("[]"), IDR_EPROTO, "values[1].data.value: must be an object"},
	        {SITE("{}"), IDR_EPROTO, "values[1].data.value.servers: missing (an array)"},
	        {SITE("{\"version\":65536,\"servers\":[]}"), IDR_EPROTO,
	         "values[1].data.value.version: must be an integer 0..65535"},
	        {SITE("{\"protocolVersion\":\"2\",\"servers\":[]}"), IDR_EPROTO,
	         "values[1].data.value.protocolVersion: must be \"major.minor\" such as \"2.10\""},
	        {SITE("{\"protocolVersion\":\"2.256\",\"servers\":[]}"), IDR_EPROTO,
	         "values[1].data.value.protocolVersion: must be \"major.minor\" such as \"2.10\""},
	        {SITE("{\"primarySite\":1,\"servers\":[]}"), IDR_EPROTO,
	         "values[1].data.value.primarySite: must be true or false"},
	        {SITE("{\"hashOption\":256,\"servers\":[]}"), IDR_EPROTO,
	         "values[1].data.value.hashOption: must be an integer 0..255"},
	        {SITE("{\"attributes\":[{\"name\":\"a\"}],\"servers\":[]}"), IDR_EPROTO,
	         "values[1].data.value.attributes[0].value: missing (a string)"},
	        {SERVER("3"), IDR_EPROTO, "values[1].data.value.servers[0]: must be an object"},
	        {SERVER("{\"address\":\"1.2.3.4\",\"interfaces\":[]}"), IDR_EPROTO,
	         "values[1].data.value.servers[0].serverId: missing (an integer 0..4294967295)"},
	        {SERVER("{\"serverId\":1,\"address\":\"1.2.3\",\"interfaces\":[]}"), IDR_EPROTO,
	         "values[1].data.value.servers[0].address: must be an IPv4 or IPv6 address"},
	        {SERVER("{\"serverId\":1,\"address\":\"1.2.3.4\"}"), IDR_EPROTO,
	         "values[1].data.value.servers[0].interfaces: missing (an array)"},
	        {SERVER("{\"serverId\":1,\"address\":\"::1\",\"publicKey\":{\"format\":\"base64\","
	                "\"value\":\"*\"},\"interfaces\":[]}"),
	         IDR_EPROTO, "values[1].data.value.servers[0].publicKey.value: invalid base64"},
	        {SERVER("{\"serverId\":1,\"address\":\"::1\",\"publicKey\":{\"format\":\"key\","
	                "\"value\":\"x\"},\"interfaces\":[]}"),
	         IDR_EPROTO,
	         "values[1].data.value.servers[0].publicKey.format: must be base64 or hex"},
	        {IFACE("{\"query\":true,\"admin\":true,\"protocol\":\"TCP\"}"), IDR_EPROTO,
	         "values[1].data.value.servers[0].interfaces[0].port: missing (an integer "
	         "0..65535)"},
	        {IFACE("{\"query\":true,\"admin\":true,\"protocol\":\"TCP\",\"port\":65536}"),
	         IDR_EPROTO,
	         "values[1].data.value.servers[0].interfaces[0].port: must be an integer "
	         "0..65535"},
	        {IFACE("{\"admin\":true,\"protocol\":\"TCP\",\"port\":1}"), IDR_EPROTO,
	         "values[1].data.value.servers[0].interfaces[0].query: missing (true or false)"},
	        {IFACE("{\"query\":true,\"admin\":true,\"protocol\":\"SCTP\",\"port\":1}"),
	         IDR_EPROTO,
	         "values[1].data.value.servers[0].interfaces[0].protocol: must be UDP, TCP, HTTP, "
	         "HTTPS or 0..255"},
	        {IFACE("{\"query\":true,\"admin\":true,\"protocol\":256,\"port\":1}"), IDR_EPROTO,
	         "values[1].data.value.servers[0].interfaces[0].protocol: must be an integer "
	         "0..255"},
	};

	(void)state;
	check_errors(cases, ARRAY_LEN(cases));
}

/* JSON text of n values {"index":i+1,"type":"T","data":""} (caller frees). */
static char *
many_values(size_t n)
{
	struct wbuf w;
	size_t i;

	wbuf_init_heap(&w, 1 << 20);
	wbuf_u8(&w, '[');
	for (i = 0; i < n; i++) {
		wbuf_printf(&w, "%s{\"index\":%zu,\"type\":\"T\",\"data\":\"\"}", i ? "," : "",
		            i + 1);
	}
	wbuf_u8(&w, ']');
	wbuf_terminate(&w);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	return (char *)wbuf_steal(&w, NULL);
}

/* Parse {"index":1,"type":<type>,"data":<data>,<extra>} built from pieces; return rc + err. */
static int
parse_built(const char *type_json, const char *data_json, const char *extra, char *err)
{
	struct vjson_values vals;
	struct wbuf w;
	json_t *j;
	int rc;

	wbuf_init_heap(&w, 8u << 20);
	wbuf_printf(&w, "{\"index\":1,\"type\":%s,\"data\":%s%s}", type_json, data_json, extra);
	wbuf_terminate(&w);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	j = load((const char *)wbuf_data(&w));
	rc = vjson_parse_values(j, &vals, err, VJSON_ERR_LEN);
	if (rc == IDR_OK) {
		assert_int_equal(vals.n, 1);
	}
	vjson_values_free(&vals);
	json_decref(j);
	wbuf_deinit(&w);
	return rc;
}

/* before + a JSON string of n copies of c + after, NUL-terminated (caller frees). */
static char *
repeat(char c, size_t n, const char *before, const char *after)
{
	char block[4096];
	struct wbuf w;
	size_t k;

	memset(block, c, sizeof(block));
	wbuf_init_heap(&w, n + strlen(before) + strlen(after) + 3);
	wbuf_cstr(&w, before);
	wbuf_u8(&w, '"');
	for (k = 0; k < n; k += sizeof(block)) {
		wbuf_bytes(&w, block, n - k < sizeof(block) ? n - k : sizeof(block));
	}
	wbuf_u8(&w, '"');
	wbuf_cstr(&w, after);
	wbuf_terminate(&w);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	return (char *)wbuf_steal(&w, NULL);
}

static void
test_vjson_parse_limits(void **state)
{
	char err[VJSON_ERR_LEN];
	struct vjson_values vals;
	char *text, *s;
	json_t *j;

	(void)state;
	/* values: VALUE_MAX_VALUES, then one more */
	text = many_values(VALUE_MAX_VALUES);
	vals = parse_ok(text);
	assert_int_equal(vals.n, VALUE_MAX_VALUES);
	vjson_values_free(&vals);
	free(text);
	text = many_values(VALUE_MAX_VALUES + 1);
	j = load(text);
	assert_int_equal(vjson_parse_values(j, &vals, err, sizeof(err)), IDR_ELIMIT);
	assert_string_equal(err, "values: more than 2048 values");
	json_decref(j);
	free(text);

	/* type: VALUE_MAX_TYPE bytes, then one more */
	s = repeat('t', VALUE_MAX_TYPE, "", "");
	assert_int_equal(parse_built(s, "\"\"", "", err), IDR_OK);
	free(s);
	s = repeat('t', VALUE_MAX_TYPE + 1, "", "");
	assert_int_equal(parse_built(s, "\"\"", "", err), IDR_ELIMIT);
	assert_string_equal(err, "value.type: longer than 1024 bytes");
	free(s);

	/* data: VALUE_MAX_ARRAY bytes after decoding, then one more, in every format */
	s = repeat('d', VALUE_MAX_ARRAY, "", "");
	assert_int_equal(parse_built("\"T\"", s, "", err), IDR_OK);
	free(s);
	s = repeat('d', VALUE_MAX_ARRAY + 1, "", "");
	assert_int_equal(parse_built("\"T\"", s, "", err), IDR_ELIMIT);
	assert_string_equal(err, "value.data: data longer than 1048576 bytes");
	free(s);
	s = repeat('d', VALUE_MAX_ARRAY + 1, "{\"format\":\"string\",\"value\":", "}");
	assert_int_equal(parse_built("\"T\"", s, "", err), IDR_ELIMIT);
	assert_string_equal(err, "value.data.value: data longer than 1048576 bytes");
	free(s);
	/* 349525 groups of 4 (3 bytes each) + 2 characters (1 byte) = 1048576 bytes */
	s = repeat('A', VALUE_MAX_ARRAY / 3 * 4 + 2, "{\"format\":\"base64\",\"value\":", "}");
	assert_int_equal(parse_built("\"T\"", s, "", err), IDR_OK);
	free(s);
	s = repeat('A', VALUE_MAX_ARRAY / 3 * 4 + 3, "{\"format\":\"base64\",\"value\":", "}");
	assert_int_equal(parse_built("\"T\"", s, "", err), IDR_ELIMIT);
	assert_string_equal(err, "value.data.value: data longer than 1048576 bytes");
	free(s);
	s = repeat('a', (size_t)2 * VALUE_MAX_ARRAY, "{\"format\":\"hex\",\"value\":", "}");
	assert_int_equal(parse_built("\"T\"", s, "", err), IDR_OK);
	free(s);
	s = repeat('a', (size_t)2 * VALUE_MAX_ARRAY + 2, "{\"format\":\"hex\",\"value\":", "}");
	assert_int_equal(parse_built("\"T\"", s, "", err), IDR_ELIMIT);
	assert_string_equal(err, "value.data.value: data longer than 1048576 bytes");
	free(s);
}

/* ,"references":[...] with n entries, NUL-terminated, replacing w's contents. */
static void
refs_json(struct wbuf *w, size_t n)
{
	size_t k;

	wbuf_reset(w);
	wbuf_cstr(w, ",\"references\":[");
	for (k = 0; k < n; k++) {
		wbuf_printf(w, "%s{\"handle\":\"a/b\",\"index\":%zu}", k ? "," : "", k);
	}
	wbuf_u8(w, ']');
	wbuf_terminate(w);
	assert_int_equal(wbuf_error(w), IDR_OK);
}

/* Structured formats: the handle limit, the list limits and the encoded size limit. */
static void
test_vjson_parse_structured_limits(void **state)
{
	char err[VJSON_ERR_LEN];
	struct wbuf w;
	char *h;
	size_t i;

	(void)state;
	h = repeat('h', IDENT_HARD_MAX, "{\"format\":\"admin\",\"value\":{\"handle\":",
	           ",\"index\":1,\"permissions\":\"000000000000\"}}");
	assert_int_equal(parse_built("\"HS_ADMIN\"", h, "", err), IDR_OK);
	free(h);
	h = repeat('h', IDENT_HARD_MAX + 1, "{\"format\":\"admin\",\"value\":{\"handle\":",
	           ",\"index\":1,\"permissions\":\"000000000000\"}}");
	assert_int_equal(parse_built("\"HS_ADMIN\"", h, "", err), IDR_ELIMIT);
	assert_string_equal(err, "value.data.value.handle: longer than 2048 bytes");
	free(h);

	/* references: VALUE_MAX_REFS, then one more */
	wbuf_init_heap(&w, 4u << 20);
	refs_json(&w, VALUE_MAX_REFS);
	assert_int_equal(parse_built("\"T\"", "\"\"", (const char *)wbuf_data(&w), err), IDR_OK);
	refs_json(&w, VALUE_MAX_REFS + 1);
	assert_int_equal(parse_built("\"T\"", "\"\"", (const char *)wbuf_data(&w), err),
	                 IDR_ELIMIT);
	assert_string_equal(err, "value.references: more than 1024 entries");

	/* site lists: VALUE_SITE_MAX_SERVERS + 1 servers */
	wbuf_reset(&w);
	wbuf_cstr(&w, "{\"format\":\"site\",\"value\":{\"servers\":[");
	for (i = 0; i <= VALUE_SITE_MAX_SERVERS; i++) {
		wbuf_printf(&w, "%s{\"serverId\":%zu,\"address\":\"::1\",\"interfaces\":[]}",
		            i ? "," : "", i);
	}
	wbuf_cstr(&w, "]}}");
	wbuf_terminate(&w);
	assert_int_equal(parse_built("\"HS_SITE\"", (const char *)wbuf_data(&w), "", err),
	                 IDR_ELIMIT);
	assert_string_equal(err, "value.data.value.servers: more than 64 entries");

	/* a vlist whose encoding passes VALUE_MAX_ARRAY: 2048-byte handles x 512 */
	wbuf_reset(&w);
	wbuf_cstr(&w, "{\"format\":\"vlist\",\"value\":[");
	for (i = 0; i < 512; i++) {
		char *e = repeat('v', IDENT_HARD_MAX,
		                 i ? ",{\"handle\":" : "{\"handle\":", ",\"index\":1}");

		wbuf_cstr(&w, e);
		free(e);
	}
	wbuf_cstr(&w, "]}");
	wbuf_terminate(&w);
	assert_int_equal(parse_built("\"HS_VLIST\"", (const char *)wbuf_data(&w), "", err),
	                 IDR_ELIMIT);
	assert_string_equal(err, "value.data.value: data longer than 1048576 bytes");
	wbuf_deinit(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_vjson_handle_example),
	        cmocka_unit_test(test_vjson_stored_record),
	        cmocka_unit_test(test_vjson_roundtrip_string),
	        cmocka_unit_test(test_vjson_roundtrip_base64),
	        cmocka_unit_test(test_vjson_roundtrip_references),
	        cmocka_unit_test(test_vjson_roundtrip_admin),
	        cmocka_unit_test(test_vjson_roundtrip_vlist),
	        cmocka_unit_test(test_vjson_roundtrip_site),
	        cmocka_unit_test(test_vjson_site_fallback),
	        cmocka_unit_test(test_vjson_structured_truncations),
	        cmocka_unit_test(test_vjson_admin_fallback),
	        cmocka_unit_test(test_vjson_text_or_base64),
	        cmocka_unit_test(test_vjson_escape),
	        cmocka_unit_test(test_vjson_escape_exhaustive),
	        cmocka_unit_test(test_vjson_time_format),
	        cmocka_unit_test(test_vjson_time_parse),
	        cmocka_unit_test(test_vjson_filter),
	        cmocka_unit_test(test_vjson_write_errors),
	        cmocka_unit_test(test_vjson_parse_forms),
	        cmocka_unit_test(test_vjson_parse_site_input),
	        cmocka_unit_test(test_vjson_parse_errors),
	        cmocka_unit_test(test_vjson_parse_site_errors),
	        cmocka_unit_test(test_vjson_parse_limits),
	        cmocka_unit_test(test_vjson_parse_strict),
	        cmocka_unit_test(test_vjson_parse_structured_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
