/*
 * test_value.c - value clumps, HS_ADMIN, HS_VLIST, HS_SITE: the ref/handle.md §8 vectors byte
 * for byte in both directions, every truncation point, every length field one past its limit
 * and one past the bytes present, trailing bytes, type matching and content comparison.
 */
#include "model/value.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/crypto.h"
#include "base/err.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ref/handle.md §8 (hdllib 9.2.0 encoder output) */
#define VEC_URL_VALUE                                                                              \
	"000000016000000000000151800e0000000355524c0000001568747470733a2f2f6578616d706c652e636f6d" \
	"2f6100000000"
#define VEC_ADMIN_DATA "0fff0000000d302e4e412f38382e3130302e310000012c"
#define VEC_ADMIN_VALUE                                                                            \
	"000000646000000000000151800e0000000848535f41444d494e000000170fff0000000d302e4e412f38382e" \
	"3130302e310000012c00000000"
#define VEC_VLIST_DATA                                                                             \
	"000000020000000f38382e3130302e312f61646d696e730000012c0000000d302e4e412f38382e3130302e31" \
	"000000c8"
#define VEC_SITE_DATA                                                                              \
	"0001020b00018002000000000000000100000004646573630000000474657374000000010000000100000000" \
	"00"                                                                                       \
	"000000000000007f0000010000000000000003030100000a51020000000a51030200001f40"
/* the value list of the §8 RESOLUTION response (count + URL value + HS_ADMIN value) */
#define VEC_VALUE_LIST "00000002" VEC_URL_VALUE VEC_ADMIN_VALUE

enum dec { DEC_VALUE, DEC_LIST, DEC_ADMIN, DEC_VLIST, DEC_SITE };

/* Heap copy of the bytes of a hex string, exactly sized so ASan catches overreads. */
static uint8_t *
unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex) / 2;
	uint8_t *p = malloc(n > 0 ? n : 1);

	assert_non_null(p);
	assert_int_equal(crypto_unhex(hex, strlen(hex), p, n), IDR_OK);
	*len = n;
	return p;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
assert_slice_str(struct slice s, const char *want)
{
	assert_int_equal(s.len, strlen(want));
	if (s.len > 0) {
		assert_memory_equal(s.p, want, s.len);
	}
}

static void
assert_wbuf_hex(const struct wbuf *w, const char *hex)
{
	size_t len;
	uint8_t *want = unhex(hex, &len);

	assert_int_equal(wbuf_error(w), IDR_OK);
	assert_int_equal(wbuf_len(w), len);
	assert_memory_equal(wbuf_data(w), want, len);
	free(want);
}

/* Run one decoder over p[0..len); a copy in exactly-sized heap memory. */
static int
decode_as(enum dec d, const uint8_t *p, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	struct value v, *list;
	struct value_admin a;
	struct value_ref refs[8];
	struct value_site *site;
	struct rbuf r;
	size_t n;
	int rc = IDR_EINVAL;

	assert_non_null(copy);
	if (len > 0) {
		memcpy(copy, p, len);
	}
	rbuf_init(&r, copy, len);
	switch (d) {
	case DEC_VALUE:
		rc = value_decode(&r, &v);
		assert_int_equal(rbuf_error(&r), rc); /* the error is also sticky */
		break;
	case DEC_LIST:
		list = calloc(VALUE_MAX_VALUES, sizeof(*list));
		assert_non_null(list);
		rc = value_list_decode(&r, list, VALUE_MAX_VALUES, &n);
		free(list);
		break;
	case DEC_ADMIN:
		rc = value_admin_decode(slice_make(copy, len), &a);
		break;
	case DEC_VLIST:
		rc = value_vlist_decode(slice_make(copy, len), refs, ARRAY_LEN(refs), &n);
		break;
	case DEC_SITE:
		site = calloc(1, sizeof(*site));
		assert_non_null(site);
		rc = value_site_decode(slice_make(copy, len), site);
		free(site);
		break;
	}
	free(copy);
	return rc;
}

static void
test_value_url_vector(void **state)
{
	struct value v = {0};
	struct wbuf w;
	struct rbuf r;
	size_t len;
	uint8_t *bytes = unhex(VEC_URL_VALUE, &len);

	(void)state;
	/* decode gives the fields */
	rbuf_init(&r, bytes, len);
	assert_int_equal(value_decode(&r, &v), IDR_OK);
	assert_int_equal(rbuf_left(&r), 0);
	assert_int_equal(v.index, 1);
	assert_int_equal(v.timestamp, 0x60000000);
	assert_int_equal(v.ttl_type, VALUE_TTL_RELATIVE);
	assert_int_equal(v.ttl, 86400);
	assert_int_equal(v.perms, VALUE_PERM_DEFAULT);
	assert_slice_str(v.type, "URL");
	assert_slice_str(v.data, "https://example.com/a");
	assert_int_equal(v.nrefs, 0);
	assert_int_equal(v.refs.len, 0);
	assert_int_equal(value_encoded_len(&v), len);
	free(bytes);

	/* encode gives the bytes, from fields built by hand */
	v = (struct value){.index = VALUE_INDEX_URL,
	                   .timestamp = 0x60000000,
	                   .ttl_type = VALUE_TTL_RELATIVE,
	                   .ttl = VALUE_DEFAULT_TTL,
	                   .perms = VALUE_PERM_DEFAULT,
	                   .type = SLICE_LIT("URL"),
	                   .data = SLICE_LIT("https://example.com/a")};
	wbuf_init_heap(&w, 4096);
	value_encode(&w, &v);
	assert_wbuf_hex(&w, VEC_URL_VALUE);
	assert_int_equal(value_encoded_len(&v), wbuf_len(&w));
	wbuf_deinit(&w);
}

static void
test_value_admin_vector(void **state)
{
	struct value_admin a = {0};
	struct value v = {0};
	struct wbuf w, dw;
	struct rbuf r;
	size_t len;
	uint8_t *bytes = unhex(VEC_ADMIN_DATA, &len);
	uint8_t data[64];

	(void)state;
	assert_int_equal(value_admin_decode(slice_make(bytes, len), &a), IDR_OK);
	assert_int_equal(a.perms, VALUE_ADMIN_ALL);
	assert_slice_str(a.handle, "0.NA/88.100.1");
	assert_int_equal(a.index, 300);
	free(bytes);

	a = (struct value_admin){VALUE_ADMIN_ALL, SLICE_LIT("0.NA/88.100.1"), 300};
	wbuf_init(&dw, data, sizeof(data));
	value_admin_encode(&dw, &a);
	assert_wbuf_hex(&dw, VEC_ADMIN_DATA);

	/* the whole HS_ADMIN value, data from the encoder above */
	v = (struct value){.index = VALUE_INDEX_ADMIN,
	                   .timestamp = 0x60000000,
	                   .ttl = 86400,
	                   .perms = 0x0E,
	                   .type = SLICE_LIT("HS_ADMIN"),
	                   .data = wbuf_slice(&dw)};
	wbuf_init_heap(&w, 4096);
	value_encode(&w, &v);
	assert_wbuf_hex(&w, VEC_ADMIN_VALUE);
	wbuf_deinit(&w);

	bytes = unhex(VEC_ADMIN_VALUE, &len);
	rbuf_init(&r, bytes, len);
	assert_int_equal(value_decode(&r, &v), IDR_OK);
	assert_int_equal(rbuf_left(&r), 0);
	assert_int_equal(v.index, 100);
	assert_int_equal(v.timestamp, 0x60000000);
	assert_int_equal(v.ttl, 86400);
	assert_int_equal(v.perms, 0x0E);
	assert_slice_str(v.type, "HS_ADMIN");
	assert_int_equal(v.data.len, 23);
	assert_int_equal(value_admin_decode(v.data, &a), IDR_OK);
	assert_int_equal(a.perms, 0x0FFF);
	assert_slice_str(a.handle, "0.NA/88.100.1");
	assert_int_equal(a.index, 300);
	free(bytes);
}

static void
test_value_vlist_vector(void **state)
{
	const struct value_ref want[] = {{SLICE_LIT("88.100.1/admins"), 300},
	                                 {SLICE_LIT("0.NA/88.100.1"), 200}};
	struct value_ref got[2];
	struct wbuf w;
	size_t len, n = 99;
	uint8_t *bytes = unhex(VEC_VLIST_DATA, &len);

	(void)state;
	assert_int_equal(value_vlist_decode(slice_make(bytes, len), got, 2, &n), IDR_OK);
	assert_int_equal(n, 2);
	assert_slice_str(got[0].handle, "88.100.1/admins");
	assert_int_equal(got[0].index, 300);
	assert_slice_str(got[1].handle, "0.NA/88.100.1");
	assert_int_equal(got[1].index, 200);
	/* more entries than the caller's array */
	assert_int_equal(value_vlist_decode(slice_make(bytes, len), got, 1, &n), IDR_ELIMIT);
	free(bytes);

	wbuf_init_heap(&w, 4096);
	value_vlist_encode(&w, want, 2);
	assert_wbuf_hex(&w, VEC_VLIST_DATA);
	wbuf_reset(&w);
	value_vlist_encode(&w, NULL, 0);
	assert_wbuf_hex(&w, "00000000");
	wbuf_deinit(&w);
}

static void
fill_vector_site(struct value_site *s)
{
	static const uint8_t lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 127, 0, 0, 1};

	memset(s, 0, sizeof(*s));
	s->version = 1;
	s->proto_major = 2;
	s->proto_minor = 11;
	s->serial = 1;
	s->primary_mask = VALUE_SITE_PRIMARY;
	s->hash_option = 2;
	s->nattrs = 1;
	s->attrs[0].name = SLICE_LIT("desc");
	s->attrs[0].value = SLICE_LIT("test");
	s->nservers = 1;
	s->servers[0].id = 1;
	memcpy(s->servers[0].addr, lo, sizeof(lo));
	s->servers[0].nifaces = 3;
	s->servers[0].ifaces[0] = (struct value_site_iface){3, VALUE_PROTO_TCP, 2641};
	s->servers[0].ifaces[1] = (struct value_site_iface){2, VALUE_PROTO_UDP, 2641};
	s->servers[0].ifaces[2] = (struct value_site_iface){3, VALUE_PROTO_HTTP, 8000};
}

static void
test_value_site_vector(void **state)
{
	struct value_site *s = calloc(1, sizeof(*s)), *want = calloc(1, sizeof(*want));
	struct wbuf w;
	size_t len, i;
	uint8_t *bytes = unhex(VEC_SITE_DATA, &len);

	(void)state;
	assert_non_null(s);
	assert_non_null(want);
	fill_vector_site(want);
	wbuf_init_heap(&w, 4096);
	value_site_encode(&w, want);
	assert_wbuf_hex(&w, VEC_SITE_DATA);
	wbuf_deinit(&w);

	assert_int_equal(value_site_decode(slice_make(bytes, len), s), IDR_OK);
	assert_int_equal(s->version, 1);
	assert_int_equal(s->proto_major, 2);
	assert_int_equal(s->proto_minor, 11);
	assert_int_equal(s->serial, 1);
	assert_int_equal(s->primary_mask, 0x80);
	assert_int_equal(s->hash_option, 2);
	assert_int_equal(s->hash_filter.len, 0);
	assert_int_equal(s->nattrs, 1);
	assert_slice_str(s->attrs[0].name, "desc");
	assert_slice_str(s->attrs[0].value, "test");
	assert_int_equal(s->nservers, 1);
	assert_int_equal(s->servers[0].id, 1);
	assert_memory_equal(s->servers[0].addr, want->servers[0].addr, 16);
	assert_int_equal(s->servers[0].pubkey.len, 0);
	assert_int_equal(s->servers[0].nifaces, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(s->servers[0].ifaces[i].type, want->servers[0].ifaces[i].type);
		assert_int_equal(s->servers[0].ifaces[i].proto, want->servers[0].ifaces[i].proto);
		assert_int_equal(s->servers[0].ifaces[i].port, want->servers[0].ifaces[i].port);
	}
	free(bytes);
	free(s);
	free(want);
}

static void
test_value_list_vector(void **state)
{
	struct value vals[4], one;
	struct wbuf w;
	struct rbuf r;
	size_t len, n = 0, i;
	uint8_t *bytes = unhex(VEC_VALUE_LIST, &len);

	(void)state;
	rbuf_init(&r, bytes, len);
	assert_int_equal(value_list_decode(&r, vals, ARRAY_LEN(vals), &n), IDR_OK);
	assert_int_equal(rbuf_left(&r), 0);
	assert_int_equal(n, 2);
	assert_int_equal(vals[0].index, 1);
	assert_slice_str(vals[0].type, "URL");
	assert_int_equal(vals[1].index, 100);
	assert_slice_str(vals[1].type, "HS_ADMIN");

	wbuf_init_heap(&w, 4096);
	wbuf_u32(&w, (uint32_t)n);
	for (i = 0; i < n; i++) {
		value_encode(&w, &vals[i]);
	}
	assert_wbuf_hex(&w, VEC_VALUE_LIST);
	wbuf_deinit(&w);

	/* more values than the caller's array: ELIMIT, sticky */
	rbuf_init(&r, bytes, len);
	assert_int_equal(value_list_decode(&r, &one, 1, &n), IDR_ELIMIT);
	assert_int_equal(rbuf_error(&r), IDR_ELIMIT);
	free(bytes);
}

static const struct {
	const char *hex;
	enum dec dec;
} vectors[] = {
        {VEC_URL_VALUE, DEC_VALUE},  {VEC_ADMIN_VALUE, DEC_VALUE}, {VEC_VALUE_LIST, DEC_LIST},
        {VEC_ADMIN_DATA, DEC_ADMIN}, {VEC_VLIST_DATA, DEC_VLIST},  {VEC_SITE_DATA, DEC_SITE},
};

static void
test_value_truncation(void **state)
{
	size_t v, cut, len;

	(void)state;
	for (v = 0; v < ARRAY_LEN(vectors); v++) {
		uint8_t *bytes = unhex(vectors[v].hex, &len);

		assert_int_equal(decode_as(vectors[v].dec, bytes, len), IDR_OK);
		for (cut = 0; cut < len; cut++) {
			int rc = decode_as(vectors[v].dec, bytes, cut);

			if (rc != IDR_EPROTO) {
				print_error("vector %zu cut at %zu: %d\n", v, cut, rc);
			}
			assert_int_equal(rc, IDR_EPROTO);
		}
		free(bytes);
	}
}

/* Vector plus `extra` zero bytes. */
static int
decode_with_trailer(const char *hex, enum dec d, size_t extra)
{
	size_t len;
	uint8_t *bytes = unhex(hex, &len), *p = calloc(1, len + extra);
	int rc;

	assert_non_null(p);
	memcpy(p, bytes, len);
	rc = decode_as(d, p, len + extra);
	free(p);
	free(bytes);
	return rc;
}

static void
test_value_trailing_bytes(void **state)
{
	size_t extra;

	(void)state;
	/* HS_ADMIN: exactly two legacy bytes are tolerated */
	assert_int_equal(decode_with_trailer(VEC_ADMIN_DATA, DEC_ADMIN, 1), IDR_EPROTO);
	assert_int_equal(decode_with_trailer(VEC_ADMIN_DATA, DEC_ADMIN, 2), IDR_OK);
	assert_int_equal(decode_with_trailer(VEC_ADMIN_DATA, DEC_ADMIN, 3), IDR_EPROTO);
	assert_int_equal(decode_with_trailer(VEC_ADMIN_DATA, DEC_ADMIN, 4), IDR_EPROTO);
	for (extra = 1; extra <= 8; extra++) {
		assert_int_equal(decode_with_trailer(VEC_VLIST_DATA, DEC_VLIST, extra), IDR_EPROTO);
		assert_int_equal(decode_with_trailer(VEC_SITE_DATA, DEC_SITE, extra), IDR_EPROTO);
	}
}

struct patch_case {
	const char *hex;
	enum dec dec;
	size_t off; /* of an int4 length or count field */
	uint32_t val;
	int rc;
};

static void
run_patch_cases(const struct patch_case *cases, size_t n)
{
	size_t i, len;

	for (i = 0; i < n; i++) {
		uint8_t *bytes = unhex(cases[i].hex, &len);
		int rc;

		assert_true(cases[i].off + 4 <= len);
		put_u32(bytes + cases[i].off, cases[i].val);
		rc = decode_as(cases[i].dec, bytes, len);
		if (rc != cases[i].rc) {
			print_error("case %zu: got %d, want %d\n", i, rc, cases[i].rc);
		}
		assert_int_equal(rc, cases[i].rc);
		free(bytes);
	}
}

static void
test_value_length_over_limit(void **state)
{
	static const struct patch_case cases[] = {
	        {VEC_URL_VALUE, DEC_VALUE, 14, VALUE_MAX_TYPE + 1, IDR_ELIMIT},
	        {VEC_URL_VALUE, DEC_VALUE, 21, VALUE_MAX_ARRAY + 1, IDR_ELIMIT},
	        {VEC_URL_VALUE, DEC_VALUE, 46, VALUE_MAX_REFS + 1, IDR_ELIMIT},
	        {VEC_ADMIN_VALUE, DEC_VALUE, 26, VALUE_MAX_ARRAY + 1, IDR_ELIMIT},
	        {VEC_VALUE_LIST, DEC_LIST, 0, VALUE_MAX_VALUES + 1, IDR_ELIMIT},
	        {VEC_VALUE_LIST, DEC_LIST, 4 + 14, VALUE_MAX_TYPE + 1, IDR_ELIMIT},
	        {VEC_ADMIN_DATA, DEC_ADMIN, 2, 2048 + 1, IDR_ELIMIT},
	        {VEC_VLIST_DATA, DEC_VLIST, 0, VALUE_MAX_REFS + 1, IDR_ELIMIT},
	        {VEC_VLIST_DATA, DEC_VLIST, 4, 2048 + 1, IDR_ELIMIT},
	        {VEC_VLIST_DATA, DEC_VLIST, 27, 2048 + 1, IDR_ELIMIT},
	        {VEC_SITE_DATA, DEC_SITE, 8, VALUE_MAX_ARRAY + 1, IDR_ELIMIT},
	        {VEC_SITE_DATA, DEC_SITE, 12, VALUE_SITE_MAX_ATTRS + 1, IDR_ELIMIT},
	        {VEC_SITE_DATA, DEC_SITE, 16, VALUE_MAX_ARRAY + 1, IDR_ELIMIT},
	        {VEC_SITE_DATA, DEC_SITE, 24, VALUE_MAX_ARRAY + 1, IDR_ELIMIT},
	        {VEC_SITE_DATA, DEC_SITE, 32, VALUE_SITE_MAX_SERVERS + 1, IDR_ELIMIT},
	        {VEC_SITE_DATA, DEC_SITE, 56, VALUE_MAX_ARRAY + 1, IDR_ELIMIT},
	        {VEC_SITE_DATA, DEC_SITE, 60, VALUE_SITE_MAX_IFACES + 1, IDR_ELIMIT},
	        /* negative as int4 */
	        {VEC_URL_VALUE, DEC_VALUE, 21, 0xFFFFFFFFu, IDR_ELIMIT},
	        {VEC_SITE_DATA, DEC_SITE, 32, 0x80000000u, IDR_ELIMIT},
	};

	(void)state;
	run_patch_cases(cases, ARRAY_LEN(cases));
}

/* Each length one past the bytes that remain after it, each count one past the elements. */
static void
test_value_length_past_input(void **state)
{
	static const struct patch_case cases[] = {
	        {VEC_URL_VALUE, DEC_VALUE, 14, 50 - 18 + 1, IDR_EPROTO},
	        {VEC_URL_VALUE, DEC_VALUE, 21, 50 - 25 + 1, IDR_EPROTO},
	        {VEC_URL_VALUE, DEC_VALUE, 46, 1, IDR_EPROTO},
	        {VEC_ADMIN_VALUE, DEC_VALUE, 26, 57 - 30 + 1, IDR_EPROTO},
	        {VEC_VALUE_LIST, DEC_LIST, 0, 3, IDR_EPROTO},
	        {VEC_ADMIN_DATA, DEC_ADMIN, 2, 23 - 6 + 1, IDR_EPROTO},
	        {VEC_VLIST_DATA, DEC_VLIST, 0, 3, IDR_EPROTO},
	        {VEC_VLIST_DATA, DEC_VLIST, 4, 48 - 8 + 1, IDR_EPROTO},
	        {VEC_VLIST_DATA, DEC_VLIST, 27, 48 - 31 + 1, IDR_EPROTO},
	        {VEC_SITE_DATA, DEC_SITE, 8, 82 - 12 + 1, IDR_EPROTO},
	        {VEC_SITE_DATA, DEC_SITE, 12, 2, IDR_EPROTO},
	        {VEC_SITE_DATA, DEC_SITE, 16, 82 - 20 + 1, IDR_EPROTO},
	        {VEC_SITE_DATA, DEC_SITE, 24, 82 - 28 + 1, IDR_EPROTO},
	        {VEC_SITE_DATA, DEC_SITE, 32, 2, IDR_EPROTO},
	        {VEC_SITE_DATA, DEC_SITE, 56, 82 - 60 + 1, IDR_EPROTO},
	        {VEC_SITE_DATA, DEC_SITE, 60, 4, IDR_EPROTO},
	};

	(void)state;
	run_patch_cases(cases, ARRAY_LEN(cases));
}

/* A value whose type, data and refs are exactly at their limits decodes. */
static void
test_value_at_limits(void **state)
{
	uint8_t *big = calloc(1, VALUE_MAX_ARRAY);
	struct value_ref *refs = calloc(VALUE_MAX_REFS, sizeof(*refs));
	struct value v = {0}, got;
	struct wbuf w, rw;
	struct rbuf r;
	size_t i;

	(void)state;
	assert_non_null(big);
	assert_non_null(refs);
	memset(big, 'a', VALUE_MAX_ARRAY);
	for (i = 0; i < VALUE_MAX_REFS; i++) {
		refs[i] = (struct value_ref){slice_make(big, i == 0 ? 2048 : 1), (uint32_t)i};
	}
	wbuf_init_heap(&rw, 1u << 20);
	value_refs_encode(&rw, refs, VALUE_MAX_REFS);
	assert_int_equal(wbuf_error(&rw), IDR_OK);
	v.index = 7;
	v.type = slice_make(big, VALUE_MAX_TYPE);
	v.data = slice_make(big, VALUE_MAX_ARRAY);
	v.nrefs = VALUE_MAX_REFS;
	v.refs = wbuf_slice(&rw);
	wbuf_init_heap(&w, 4u << 20);
	value_encode(&w, &v);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	assert_int_equal(wbuf_len(&w), value_encoded_len(&v));
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(value_decode(&r, &got), IDR_OK);
	assert_int_equal(rbuf_left(&r), 0);
	assert_true(value_same_content(&v, &got));
	wbuf_deinit(&w);
	wbuf_deinit(&rw);
	free(refs);
	free(big);
}

static void
test_value_list_at_limit(void **state)
{
	struct value *vals = calloc(VALUE_MAX_VALUES + 1, sizeof(*vals));
	struct wbuf w;
	struct rbuf r;
	size_t i, n = 0;

	(void)state;
	assert_non_null(vals);
	wbuf_init_heap(&w, 1u << 20);
	wbuf_u32(&w, VALUE_MAX_VALUES);
	for (i = 0; i < VALUE_MAX_VALUES; i++) {
		vals[i] = (struct value){.index = (uint32_t)i + 1, .type = SLICE_LIT("T")};
		value_encode(&w, &vals[i]);
	}
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(value_list_decode(&r, vals, VALUE_MAX_VALUES, &n), IDR_OK);
	assert_int_equal(n, VALUE_MAX_VALUES);
	assert_int_equal(vals[VALUE_MAX_VALUES - 1].index, VALUE_MAX_VALUES);
	/* cap one short */
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(value_list_decode(&r, vals, VALUE_MAX_VALUES - 1, &n), IDR_ELIMIT);
	wbuf_deinit(&w);
	free(vals);
}

static void
test_value_site_at_limits(void **state)
{
	struct value_site *s = calloc(1, sizeof(*s)), *got = calloc(1, sizeof(*got));
	struct wbuf w;
	size_t i, j;

	(void)state;
	assert_non_null(s);
	assert_non_null(got);
	s->version = 1;
	s->hash_filter = SLICE_LIT("f");
	s->nattrs = VALUE_SITE_MAX_ATTRS;
	for (i = 0; i < s->nattrs; i++) {
		s->attrs[i] = (struct value_site_attr){SLICE_LIT("alt_addr"), SLICE_LIT("x")};
	}
	s->nservers = VALUE_SITE_MAX_SERVERS;
	for (i = 0; i < s->nservers; i++) {
		s->servers[i].id = (uint32_t)i;
		s->servers[i].addr[15] = (uint8_t)i;
		s->servers[i].pubkey = SLICE_LIT("key");
		s->servers[i].nifaces = VALUE_SITE_MAX_IFACES;
		for (j = 0; j < VALUE_SITE_MAX_IFACES; j++) {
			s->servers[i].ifaces[j] =
			        (struct value_site_iface){3, (uint8_t)(j % 4), (uint32_t)(j + 1)};
		}
	}
	wbuf_init_heap(&w, 1u << 20);
	value_site_encode(&w, s);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	assert_int_equal(value_site_decode(wbuf_slice(&w), got), IDR_OK);
	assert_int_equal(got->nattrs, VALUE_SITE_MAX_ATTRS);
	assert_int_equal(got->nservers, VALUE_SITE_MAX_SERVERS);
	assert_int_equal(got->servers[63].nifaces, VALUE_SITE_MAX_IFACES);
	assert_int_equal(got->servers[63].addr[15], 63);
	assert_int_equal(got->servers[63].ifaces[15].port, 16);
	assert_slice_str(got->hash_filter, "f");

	/* counts beyond the struct's arrays are refused by the encoder */
	wbuf_reset(&w);
	s->servers[5].nifaces = VALUE_SITE_MAX_IFACES + 1;
	value_site_encode(&w, s);
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	wbuf_reset(&w);
	s->servers[5].nifaces = 1;
	s->nattrs = VALUE_SITE_MAX_ATTRS + 1;
	value_site_encode(&w, s);
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	wbuf_deinit(&w);
	free(s);
	free(got);
}

static void
test_value_refs(void **state)
{
	const struct value_ref refs[] = {
	        {SLICE_LIT("88.1/admins"), 300}, {SLICE_LIT(""), 0}, {SLICE_LIT("0.NA/88.1"), 200}};
	struct value v = {.index = 5, .type = SLICE_LIT("HS_ALIAS")}, got;
	struct value_ref ref;
	struct wbuf rw, w;
	struct rbuf r, rr;
	size_t i;

	(void)state;
	wbuf_init_heap(&rw, 1024);
	value_refs_encode(&rw, refs, ARRAY_LEN(refs));
	v.nrefs = ARRAY_LEN(refs);
	v.refs = wbuf_slice(&rw);
	wbuf_init_heap(&w, 1024);
	value_encode(&w, &v);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(value_decode(&r, &got), IDR_OK);
	assert_int_equal(got.nrefs, 3);
	assert_true(slice_eq(got.refs, v.refs));

	rbuf_init(&rr, got.refs.p, got.refs.len);
	for (i = 0; i < ARRAY_LEN(refs); i++) {
		assert_int_equal(value_ref_next(&rr, &ref), IDR_OK);
		assert_true(slice_eq(ref.handle, refs[i].handle));
		assert_int_equal(ref.index, refs[i].index);
	}
	assert_int_equal(value_ref_next(&rr, &ref), IDR_ENOENT);

	/* a truncated list gives an error, not ENOENT */
	rbuf_init(&rr, got.refs.p, got.refs.len - 1);
	assert_int_equal(value_ref_next(&rr, &ref), IDR_OK);
	assert_int_equal(value_ref_next(&rr, &ref), IDR_OK);
	assert_int_equal(value_ref_next(&rr, &ref), IDR_EPROTO);
	assert_int_equal(value_ref_next(&rr, &ref), IDR_EPROTO);

	/* nrefs larger than the references present */
	wbuf_reset(&w);
	v.nrefs = 4;
	value_encode(&w, &v);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(value_decode(&r, &got), IDR_EPROTO);
	wbuf_deinit(&w);
	wbuf_deinit(&rw);
}

static void
test_value_type_match(void **state)
{
	static const struct {
		const char *type, *want;
		bool match;
	} cases[] = {
	        {"URL", "URL", true},
	        {"url", "URL", true},
	        {"URL", "url", true},
	        {"URLX", "URL", false},
	        {"URL.x", "URL", false},
	        {"URL", "URL.", true},
	        {"url", "URL.", true},
	        {"url.x", "URL.", true},
	        {"URL.x.y", "URL.", true},
	        {"URLX", "URL.", false},
	        {"UR", "URL.", false},
	        {"URL.", "URL.", true},
	        {"HS_SITE.PREFIX", "HS_SITE.", true},
	        {"HS_SITE", "HS_SITE.PREFIX", false},
	        {"", "", true},
	        {"URL", "", false},
	        {"", ".", true},
	        {".x", ".", true},
	        {"x", ".", false},
	        {"\xc3\xa9", "\xc3\x89", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		bool m = value_type_match(slice_cstr(cases[i].type), slice_cstr(cases[i].want));

		if (m != cases[i].match) {
			print_error("case %zu: %s vs %s\n", i, cases[i].type, cases[i].want);
		}
		assert_true(m == cases[i].match);
	}
}

static void
test_value_same_content(void **state)
{
	const struct value base = {.index = 1,
	                           .timestamp = 10,
	                           .ttl = 86400,
	                           .perms = 0x0E,
	                           .type = SLICE_LIT("URL"),
	                           .data = SLICE_LIT("https://x"),
	                           .nrefs = 0,
	                           .refs = SLICE_LIT("")};
	struct value o = base;

	(void)state;
	assert_true(value_same_content(&base, &o));
	o.timestamp = 99;
	assert_true(value_same_content(&base, &o)); /* timestamps ignored */
	o = base;
	o.index = 2;
	assert_false(value_same_content(&base, &o));
	o = base;
	o.ttl_type = VALUE_TTL_ABSOLUTE;
	assert_false(value_same_content(&base, &o));
	o = base;
	o.ttl = 1;
	assert_false(value_same_content(&base, &o));
	o = base;
	o.perms = 0x0C;
	assert_false(value_same_content(&base, &o));
	o = base;
	o.type = SLICE_LIT("url"); /* content compares bytes, unlike type matching */
	assert_false(value_same_content(&base, &o));
	o = base;
	o.data = SLICE_LIT("https://y");
	assert_false(value_same_content(&base, &o));
	o = base;
	o.nrefs = 1;
	o.refs = SLICE_LIT("\0\0\0\0\0\0\0\1");
	assert_false(value_same_content(&base, &o));
}

static void
test_value_encode_no_room(void **state)
{
	struct value v = {.index = 1, .type = SLICE_LIT("URL"), .data = SLICE_LIT("x")};
	struct value_admin a = {1, SLICE_LIT("0.NA/88"), 300};
	uint8_t buf[64];
	struct wbuf w;

	(void)state;
	wbuf_init(&w, buf, value_encoded_len(&v) - 1);
	value_encode(&w, &v);
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	wbuf_init(&w, buf, value_encoded_len(&v));
	value_encode(&w, &v);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	wbuf_init(&w, buf, 2 + 4 + 7 + 3);
	value_admin_encode(&w, &a);
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
}

static void
test_value_sticky_reader(void **state)
{
	size_t len;
	uint8_t *bytes = unhex(VEC_URL_VALUE, &len);
	struct value v;
	struct rbuf r;

	(void)state;
	/* a reader already in error decodes nothing */
	rbuf_init(&r, bytes, len);
	rbuf_fail(&r, IDR_ELIMIT);
	assert_int_equal(value_decode(&r, &v), IDR_ELIMIT);
	/* the reader is used up after one value: a second decode is truncated */
	rbuf_init(&r, bytes, len);
	assert_int_equal(value_decode(&r, &v), IDR_OK);
	assert_int_equal(value_decode(&r, &v), IDR_EPROTO);
	free(bytes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_value_url_vector),
	        cmocka_unit_test(test_value_admin_vector),
	        cmocka_unit_test(test_value_vlist_vector),
	        cmocka_unit_test(test_value_site_vector),
	        cmocka_unit_test(test_value_list_vector),
	        cmocka_unit_test(test_value_truncation),
	        cmocka_unit_test(test_value_trailing_bytes),
	        cmocka_unit_test(test_value_length_over_limit),
	        cmocka_unit_test(test_value_length_past_input),
	        cmocka_unit_test(test_value_at_limits),
	        cmocka_unit_test(test_value_list_at_limit),
	        cmocka_unit_test(test_value_site_at_limits),
	        cmocka_unit_test(test_value_refs),
	        cmocka_unit_test(test_value_type_match),
	        cmocka_unit_test(test_value_same_content),
	        cmocka_unit_test(test_value_encode_no_room),
	        cmocka_unit_test(test_value_sticky_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
