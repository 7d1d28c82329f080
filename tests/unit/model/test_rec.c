/*
 * test_rec.c - stored records: exact layout (the body is the ref/handle.md §8 RESOLUTION
 * response body), framing errors, every truncation point, encode checks, stable sort, item
 * kinds and content comparison.
 */
#include "model/rec.h"

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

/* §8: body of the RESOLUTION response to `88.100.1/abc` (handle, count, URL and HS_ADMIN) */
#define VEC_BODY                                                                                   \
	"0000000c38382e3130302e312f61626300000002000000016000000000000151800e0000000355524c000000" \
	"1568747470733a2f2f6578616d706c652e636f6d2f6100000000000000646000000000000151800e00000008" \
	"48535f41444d494e000000170fff0000000d302e4e412f38382e3130302e310000012c00000000"
#define VEC_HEADER                                                                                 \
	"01010000"                                                                                 \
	"0102030405060708"

static const uint8_t admin_data[] = {0x0f, 0xff, 0,   0,   0,   13,  '0', '.', 'N', 'A', '/', '8',
                                     '8',  '.',  '1', '0', '0', '.', '1', 0,   0,   1,   0x2c};

static void
vector_values(struct value v[2])
{
	v[0] = (struct value){.index = 1,
	                      .timestamp = 0x60000000,
	                      .ttl = 86400,
	                      .perms = 0x0E,
	                      .type = SLICE_LIT("URL"),
	                      .data = SLICE_LIT("https://example.com/a")};
	v[1] = (struct value){.index = 100,
	                      .timestamp = 0x60000000,
	                      .ttl = 86400,
	                      .perms = 0x0E,
	                      .type = SLICE_LIT("HS_ADMIN"),
	                      .data = slice_make(admin_data, sizeof(admin_data))};
}

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

/* The vector record encoded into a heap wbuf (caller deinits). */
static void
encode_vector(struct wbuf *w, enum rec_kind kind)
{
	struct value v[2];

	vector_values(v);
	wbuf_init_heap(w, 1u << 20);
	assert_int_equal(
	        rec_encode(w, kind, 0x0102030405060708ull, SLICE_LIT("88.100.1/abc"), v, 2),
	        IDR_OK);
}

/* Parse in exactly-sized heap memory so ASan sees any read past the end. */
static int
parse_copy_with(int (*parse)(struct slice, struct rec_view *), const uint8_t *p, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	struct rec_view view;
	int rc;

	assert_non_null(copy);
	if (len > 0) {
		memcpy(copy, p, len);
	}
	rc = parse(slice_make(copy, len), &view);
	free(copy);
	return rc;
}

static int
parse_copy(const uint8_t *p, size_t len)
{
	return parse_copy_with(rec_view_parse, p, len);
}

static void
test_rec_kind_names(void **state)
{
	static const char *const names[] = {"-",       "part", "wip",    "process",
	                                    "product", "lot",  "package"};
	static const char *const labels[] = {"",     "零部件", "在制品", "工序",
	                                     "产品", "批次",   "包装"};
	enum rec_kind k;
	unsigned i;

	(void)state;
	assert_int_equal(REC_KIND_COUNT, ARRAY_LEN(names));
	for (i = 0; i < REC_KIND_COUNT; i++) {
		assert_string_equal(rec_kind_name((enum rec_kind)i), names[i]);
		assert_string_equal(rec_kind_label((enum rec_kind)i), labels[i]);
		if (i == REC_KIND_NONE) {
			continue;
		}
		k = REC_KIND_NONE;
		assert_int_equal(rec_kind_parse(slice_cstr(names[i]), &k), IDR_OK);
		assert_int_equal(k, i);
		k = REC_KIND_NONE;
		assert_int_equal(rec_kind_parse(slice_cstr(labels[i]), &k), IDR_OK);
		assert_int_equal(k, i);
	}
	assert_null(rec_kind_name(REC_KIND_COUNT));
	assert_null(rec_kind_label(REC_KIND_COUNT));
	assert_null(rec_kind_name((enum rec_kind)255));

	assert_int_equal(rec_kind_parse(SLICE_LIT("PART"), &k), IDR_OK);
	assert_int_equal(k, REC_KIND_PART);
	assert_int_equal(rec_kind_parse(SLICE_LIT("Package"), &k), IDR_OK);
	assert_int_equal(k, REC_KIND_PACKAGE);
	k = REC_KIND_LOT;
	assert_int_equal(rec_kind_parse(SLICE_LIT("parts"), &k), IDR_EREC_KIND);
	assert_int_equal(rec_kind_parse(SLICE_LIT("par"), &k), IDR_EREC_KIND);
	assert_int_equal(rec_kind_parse(SLICE_LIT(""), &k), IDR_EREC_KIND);
	assert_int_equal(rec_kind_parse(SLICE_LIT("-"), &k), IDR_EREC_KIND);
	assert_int_equal(rec_kind_parse(SLICE_LIT("part\0"), &k), IDR_EREC_KIND);
	assert_int_equal(k, REC_KIND_LOT); /* untouched on error */
}

static void
test_rec_layout(void **state)
{
	struct wbuf w;
	size_t blen, hlen;
	uint8_t *body = unhex(VEC_BODY, &blen), *hdr = unhex(VEC_HEADER, &hlen);

	(void)state;
	assert_int_equal(hlen, REC_HDR_LEN);
	encode_vector(&w, REC_KIND_PART);
	assert_int_equal(wbuf_len(&w), hlen + blen);
	assert_memory_equal(wbuf_data(&w), hdr, hlen);
	assert_memory_equal(wbuf_data(&w) + hlen, body, blen);
	wbuf_deinit(&w);
	free(body);
	free(hdr);
}

static void
test_rec_view_fields(void **state)
{
	struct rec_view view = {0};
	struct value vals[2], one = {0};
	struct wbuf w;
	struct rbuf r;
	size_t blen, n = 0;
	uint8_t *body = unhex(VEC_BODY, &blen);

	(void)state;
	encode_vector(&w, REC_KIND_WIP);
	assert_int_equal(rec_view_parse(wbuf_slice(&w), &view), IDR_OK);
	assert_int_equal(view.kind, REC_KIND_WIP);
	assert_int_equal(view.flags, 0);
	assert_true(view.seq == 0x0102030405060708ull);
	assert_true(slice_eq(view.handle, SLICE_LIT("88.100.1/abc")));
	assert_int_equal(view.nvalues, 2);
	assert_true(slice_eq(view.body, slice_make(body, blen)));
	assert_true(slice_eq(view.values, slice_make(body + 20, blen - 20)));

	assert_int_equal(rec_values(&view, vals, 2, &n), IDR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(vals[0].index, 1);
	assert_true(slice_eq(vals[0].data, SLICE_LIT("https://example.com/a")));
	assert_int_equal(vals[1].index, 100);
	assert_true(slice_eq(vals[1].type, SLICE_LIT("HS_ADMIN")));
	assert_int_equal(rec_values(&view, vals, 1, &n), IDR_ELIMIT);

	rbuf_init(&r, view.values.p, view.values.len);
	assert_int_equal(rec_value_next(&r, &one), IDR_OK);
	assert_int_equal(one.index, 1);
	assert_int_equal(rec_value_next(&r, &one), IDR_OK);
	assert_int_equal(one.index, 100);
	assert_int_equal(rec_value_next(&r, &one), IDR_ENOENT);
	wbuf_deinit(&w);
	free(body);
}

static void
test_rec_empty_record(void **state)
{
	struct rec_view view;
	struct wbuf w;
	size_t n = 9;

	(void)state;
	wbuf_init_heap(&w, 1024);
	assert_int_equal(rec_encode(&w, REC_KIND_NONE, 0, SLICE_LIT("0.NA/88"), NULL, 0), IDR_OK);
	assert_int_equal(rec_view_parse(wbuf_slice(&w), &view), IDR_OK);
	assert_int_equal(view.nvalues, 0);
	assert_int_equal(view.values.len, 0);
	assert_int_equal(rec_values(&view, NULL, 0, &n), IDR_OK);
	assert_int_equal(n, 0);
	wbuf_deinit(&w);
}

static void
test_rec_truncation(void **state)
{
	struct wbuf w;
	size_t cut;

	(void)state;
	encode_vector(&w, REC_KIND_PART);
	assert_int_equal(parse_copy(wbuf_data(&w), wbuf_len(&w)), IDR_OK);
	for (cut = 0; cut < wbuf_len(&w); cut++) {
		assert_int_equal(parse_copy(wbuf_data(&w), cut), IDR_EPROTO);
	}
	wbuf_deinit(&w);
}

struct frame_case {
	size_t off;   /* byte offset in the record */
	size_t width; /* 1 or 4 */
	uint32_t val;
	int rc;      /* rec_view_parse: everything */
	int open_rc; /* rec_view_open: header, handle and count only */
};

static void
test_rec_framing(void **state)
{
	/* record offsets: 0 format, 1 kind, 12 handle length, 28 count, 32 first clump */
	static const struct frame_case cases[] = {
	        {0, 1, 0, IDR_ESCHEMA, IDR_ESCHEMA},
	        {0, 1, 2, IDR_ESCHEMA, IDR_ESCHEMA},
	        {0, 1, 0xFF, IDR_ESCHEMA, IDR_ESCHEMA},
	        {1, 1, REC_KIND_COUNT, IDR_EPROTO, IDR_EPROTO},
	        {1, 1, REC_KIND_PACKAGE, IDR_OK, IDR_OK},
	        {2, 1, 0x80, IDR_OK, IDR_OK}, /* reserved flags are not interpreted */
	        {12, 4, 13, IDR_EPROTO, IDR_EPROTO},
	        {12, 4, 11, IDR_EPROTO, IDR_EPROTO},
	        {12, 4, 2049, IDR_EPROTO, IDR_EPROTO},
	        {28, 4, 3, IDR_EPROTO, IDR_OK}, /* count larger than the clumps present */
	        {28, 4, 1, IDR_EPROTO, IDR_OK}, /* trailing bytes after the last clump */
	        {28, 4, 0, IDR_EPROTO, IDR_OK},
	        {28, 4, 6, IDR_EPROTO, IDR_EPROTO}, /* more clumps than could fit */
	        {28, 4, 2049, IDR_EPROTO, IDR_EPROTO},
	        {32 + 14, 4, 1025, IDR_EPROTO, IDR_OK}, /* a clump's type over its limit */
	};
	struct wbuf w;
	size_t i;

	(void)state;
	encode_vector(&w, REC_KIND_PART);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		uint8_t *p = malloc(wbuf_len(&w));
		size_t off = cases[i].off;
		int rc;

		assert_non_null(p);
		memcpy(p, wbuf_data(&w), wbuf_len(&w));
		if (cases[i].width == 1) {
			p[off] = (uint8_t)cases[i].val;
		} else {
			p[off] = (uint8_t)(cases[i].val >> 24);
			p[off + 1] = (uint8_t)(cases[i].val >> 16);
			p[off + 2] = (uint8_t)(cases[i].val >> 8);
			p[off + 3] = (uint8_t)cases[i].val;
		}
		rc = parse_copy(p, wbuf_len(&w));
		if (rc != cases[i].rc) {
			print_error("case %zu: got %d want %d\n", i, rc, cases[i].rc);
		}
		assert_int_equal(rc, cases[i].rc);
		rc = parse_copy_with(rec_view_open, p, wbuf_len(&w));
		free(p);
		if (rc != cases[i].open_rc) {
			print_error("case %zu (open): got %d want %d\n", i, rc, cases[i].open_rc);
		}
		assert_int_equal(rc, cases[i].open_rc);
	}
	wbuf_deinit(&w);
}

static void
test_rec_trailing_bytes(void **state)
{
	struct wbuf w;

	(void)state;
	encode_vector(&w, REC_KIND_PART);
	wbuf_u8(&w, 0);
	assert_int_equal(parse_copy(wbuf_data(&w), wbuf_len(&w)), IDR_EPROTO);
	wbuf_deinit(&w);
}

static int
encode_rc(const struct value *v, size_t n, struct wbuf *w)
{
	wbuf_reset(w);
	return rec_encode(w, REC_KIND_PART, 1, SLICE_LIT("88.1/x"), v, n);
}

static void
test_rec_encode_checks(void **state)
{
	struct value v[3];
	struct wbuf w;
	uint8_t *big = calloc(1, VALUE_MAX_ARRAY + 1);

	(void)state;
	assert_non_null(big);
	wbuf_init_heap(&w, 4u << 20);
	vector_values(v);
	v[2] = v[1];
	v[2].index = 200;
	assert_int_equal(encode_rc(v, 3, &w), IDR_OK);

	v[0].index = 0;
	assert_int_equal(encode_rc(v, 3, &w), IDR_EREC_INDEX);
	assert_int_equal(wbuf_len(&w), 0); /* nothing written */
	v[0].index = 100;                  /* duplicate */
	assert_int_equal(encode_rc(v, 3, &w), IDR_EREC_INDEX);
	v[0].index = 150; /* unsorted */
	assert_int_equal(encode_rc(v, 3, &w), IDR_EREC_INDEX);
	v[0].index = 1;
	v[2].index = 0x80000000u; /* negative as int4 */
	assert_int_equal(encode_rc(v, 3, &w), IDR_EREC_INDEX);
	v[2].index = INT32_MAX;
	assert_int_equal(encode_rc(v, 3, &w), IDR_OK);

	v[1].type = SLICE_LIT("");
	assert_int_equal(encode_rc(v, 3, &w), IDR_EREC_TYPE);
	v[1].type = SLICE_LIT("HS_\xff");
	assert_int_equal(encode_rc(v, 3, &w), IDR_EREC_TYPE);
	memset(big, 'T', VALUE_MAX_TYPE + 1);
	v[1].type = slice_make(big, VALUE_MAX_TYPE + 1);
	assert_int_equal(encode_rc(v, 3, &w), IDR_EREC_TYPE);
	v[1].type = slice_make(big, VALUE_MAX_TYPE);
	assert_int_equal(encode_rc(v, 3, &w), IDR_OK);
	v[1].type = SLICE_LIT("HS_ADMIN");

	v[1].data = slice_make(big, VALUE_MAX_ARRAY + 1);
	assert_int_equal(encode_rc(v, 3, &w), IDR_ELIMIT);
	v[1].data = slice_make(big, VALUE_MAX_ARRAY);
	assert_int_equal(encode_rc(v, 3, &w), IDR_OK);
	v[1].data = SLICE_LIT("");

	/* references must be exactly nrefs well-formed entries */
	v[1].nrefs = 1;
	v[1].refs = SLICE_LIT("\0\0\0\1a\0\0\0\5");
	assert_int_equal(encode_rc(v, 3, &w), IDR_OK);
	v[1].nrefs = 2;
	assert_int_equal(encode_rc(v, 3, &w), IDR_ELIMIT);
	v[1].nrefs = 1;
	v[1].refs = SLICE_LIT("\0\0\0\1a\0\0\0\5\0");
	assert_int_equal(encode_rc(v, 3, &w), IDR_ELIMIT);
	wbuf_deinit(&w);
	free(big);
}

static void
test_rec_encode_kind_handle_room(void **state)
{
	struct value v[2];
	uint8_t buf[64], *h = calloc(1, 2049);
	struct wbuf w;

	(void)state;
	assert_non_null(h);
	vector_values(v);
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(rec_encode(&w, REC_KIND_COUNT, 0, SLICE_LIT("a/b"), v, 2), IDR_EREC_KIND);
	assert_int_equal(rec_encode(&w, REC_KIND_PART, 0, slice_make(h, 2049), v, 2),
	                 IDR_EID_HARDLIMIT);
	assert_int_equal(wbuf_len(&w), 0);
	/* valid, but 64 bytes are not enough */
	assert_int_equal(rec_encode(&w, REC_KIND_PART, 0, SLICE_LIT("a/b"), v, 2), IDR_ETOOBIG);
	free(h);
}

static void
test_rec_encode_count_limit(void **state)
{
	struct value *v = calloc(VALUE_MAX_VALUES + 1, sizeof(*v));
	struct rec_view view;
	struct wbuf w;
	size_t i;

	(void)state;
	assert_non_null(v);
	for (i = 0; i <= VALUE_MAX_VALUES; i++) {
		v[i] = (struct value){.index = (uint32_t)i + 1, .type = SLICE_LIT("T")};
	}
	wbuf_init_heap(&w, 1u << 20);
	assert_int_equal(encode_rc(v, VALUE_MAX_VALUES + 1, &w), IDR_EREC_TOOMANY);
	assert_int_equal(encode_rc(v, VALUE_MAX_VALUES, &w), IDR_OK);
	assert_int_equal(rec_view_parse(wbuf_slice(&w), &view), IDR_OK);
	assert_int_equal(view.nvalues, VALUE_MAX_VALUES);
	wbuf_deinit(&w);
	free(v);
}

/* Sort stability: data carries the original position. */
static void
check_sorted_stable(struct value *v, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++) {
		assert_true(v[i - 1].index <= v[i].index);
		if (v[i - 1].index == v[i].index) {
			assert_true(v[i - 1].data.len < v[i].data.len);
		}
	}
}

static void
test_rec_values_sort(void **state)
{
	static const uint32_t small[] = {5, 1, 5, 3, 1, 2};
	static const uint8_t pad[4096] = {0};
	struct value v[1000];
	bool seen[1000];
	size_t i, n;

	(void)state;
	rec_values_sort(NULL, 0);
	for (i = 0; i < ARRAY_LEN(small); i++) {
		v[i] = (struct value){.index = small[i], .data = slice_make(pad, i)};
	}
	rec_values_sort(v, ARRAY_LEN(small));
	check_sorted_stable(v, ARRAY_LEN(small));
	assert_int_equal(v[0].index, 1);
	assert_int_equal(v[0].data.len, 1);
	assert_int_equal(v[1].data.len, 4);

	/* large enough for the merge path, with many duplicates, reversed runs */
	for (n = 17; n <= ARRAY_LEN(v); n = n * 3 + 1) {
		for (i = 0; i < n; i++) {
			v[i] = (struct value){.index = (uint32_t)((n - i) * 7919 % 97),
			                      .data = slice_make(pad, i)};
		}
		rec_values_sort(v, n);
		check_sorted_stable(v, n);
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < n; i++) {
			assert_false(seen[v[i].data.len]); /* a permutation: nothing lost */
			seen[v[i].data.len] = true;
		}
	}
	/* already sorted input stays as is */
	for (i = 0; i < 100; i++) {
		v[i] = (struct value){.index = (uint32_t)i + 1, .data = slice_make(pad, i)};
	}
	rec_values_sort(v, 100);
	for (i = 0; i < 100; i++) {
		assert_int_equal(v[i].data.len, i);
	}
}

static void
parse_into(struct wbuf *w, struct rec_view *view, enum rec_kind kind, uint64_t seq,
           const char *handle, const struct value *v, size_t n)
{
	wbuf_init_heap(w, 1u << 20);
	assert_int_equal(rec_encode(w, kind, seq, slice_cstr(handle), v, n), IDR_OK);
	assert_int_equal(rec_view_parse(wbuf_slice(w), view), IDR_OK);
}

static void
test_rec_same_content(void **state)
{
	struct value a[2], b[2];
	struct rec_view va, vb;
	struct wbuf wa, wb;

	(void)state;
	vector_values(a);
	vector_values(b);
	b[0].timestamp = 1;
	b[1].timestamp = 2;
	parse_into(&wa, &va, REC_KIND_PART, 1, "88.1/x", a, 2);
	/* timestamps, seq and the handle's spelling do not count */
	parse_into(&wb, &vb, REC_KIND_PART, 2, "88.1/X", b, 2);
	assert_true(rec_same_content(&va, &vb));
	wbuf_deinit(&wb);

	parse_into(&wb, &vb, REC_KIND_LOT, 1, "88.1/x", a, 2);
	assert_false(rec_same_content(&va, &vb));
	wbuf_deinit(&wb);

	parse_into(&wb, &vb, REC_KIND_PART, 1, "88.1/x", a, 1);
	assert_false(rec_same_content(&va, &vb));
	wbuf_deinit(&wb);

	b[1].data = SLICE_LIT("other");
	parse_into(&wb, &vb, REC_KIND_PART, 1, "88.1/x", b, 2);
	assert_false(rec_same_content(&va, &vb));
	wbuf_deinit(&wb);

	b[1] = a[1];
	b[1].perms = 0x0C;
	parse_into(&wb, &vb, REC_KIND_PART, 1, "88.1/x", b, 2);
	assert_false(rec_same_content(&va, &vb));
	wbuf_deinit(&wb);
	wbuf_deinit(&wa);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rec_kind_names),
	        cmocka_unit_test(test_rec_layout),
	        cmocka_unit_test(test_rec_view_fields),
	        cmocka_unit_test(test_rec_empty_record),
	        cmocka_unit_test(test_rec_truncation),
	        cmocka_unit_test(test_rec_framing),
	        cmocka_unit_test(test_rec_trailing_bytes),
	        cmocka_unit_test(test_rec_encode_checks),
	        cmocka_unit_test(test_rec_encode_kind_handle_room),
	        cmocka_unit_test(test_rec_encode_count_limit),
	        cmocka_unit_test(test_rec_values_sort),
	        cmocka_unit_test(test_rec_same_content),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
