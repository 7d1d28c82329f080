/*
 * test_jrn.c - journal entry format (jrn.h): keys, change bytes, both hashes against
 * independently computed SHA-256 vectors, encode/decode round trip, every truncation point,
 * every length field one past its limit, and each malformed field. The journal as written by
 * the registry (chain, head, audit) is tested in test_reg.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/crypto.h"
#include "base/wbuf.h"
#include "jrn.h"
#include "model/ident.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* offsets in an encoded entry value */
#define OFF_FORMAT   0
#define OFF_OP       1
#define OFF_RESERVED 2
#define OFF_TIME     4
#define OFF_IDENTITY 12

static const char change_vector[] =
        "bb074a3a31d7fdf8f313b34fde5d9259b33ab5b272ed2fcfc6ac4643b5fb0238";
static const char delete_vector[] =
        "6fa1f9331ea3736cdb26e25291e9b39e0bd5126f7aba136750e22ae8ef5e4d54";
static const char entry_vector[] =
        "c138fb0b769607a47365792bcb933b87b3e2c0fe080750c6985c8622e7a480fb";

static void
sample_entry(struct jrn_entry *e)
{
	size_t i;

	memset(e, 0, sizeof(*e));
	e->seq = 42;
	e->op = JRN_OP_CREATE;
	e->time_ms = 1700000000123ULL;
	e->identity = SLICE_LIT("local");
	e->identifier = SLICE_LIT("88.118.8/P-001");
	e->payload = SLICE_LIT("hello");
	for (i = 0; i < 32; i++) {
		e->change_hash[i] = (uint8_t)i;
	}
}

/* Encode the sample entry into buf; returns its length. */
static size_t
sample_value(uint8_t *buf, size_t cap)
{
	struct jrn_entry e;
	struct wbuf w;

	sample_entry(&e);
	wbuf_init(&w, buf, cap);
	jrn_entry_encode(&w, &e);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	return wbuf_len(&w);
}

static void
assert_hex(const uint8_t *h, const char *hex)
{
	char got[65];

	crypto_hex(h, 32, got);
	assert_string_equal(got, hex);
}

static void
test_jrn_key(void **state)
{
	uint8_t k[JRN_KEY_LEN];
	static const uint8_t want[JRN_KEY_LEN] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

	(void)state;
	jrn_key(0x0102030405060708ULL, k);
	assert_memory_equal(k, want, JRN_KEY_LEN);
}

static void
test_jrn_change_bytes(void **state)
{
	static const uint8_t want[] = {3, 0, 0, 0, 3, 'a', '/', 'b', 0, 0, 0, 2, 'x', 'y'};
	struct wbuf w;
	struct slice pl;
	size_t mark;

	(void)state;
	wbuf_init_heap(&w, 1024);
	wbuf_bytes(&w, "junk", 4); /* begin resets */
	mark = jrn_change_begin(&w, JRN_OP_CREATE, SLICE_LIT("a/b"));
	wbuf_bytes(&w, "xy", 2);
	pl = jrn_change_end(&w, mark);
	assert_int_equal(wbuf_len(&w), sizeof(want));
	assert_memory_equal(wbuf_data(&w), want, sizeof(want));
	assert_int_equal(pl.len, 2);
	assert_memory_equal(pl.p, "xy", 2);

	/* an error in the buffer gives an empty payload */
	wbuf_deinit(&w);
	wbuf_init_heap(&w, 8);
	mark = jrn_change_begin(&w, JRN_OP_CREATE, SLICE_LIT("a/b"));
	wbuf_bytes(&w, "xy", 2);
	pl = jrn_change_end(&w, mark);
	assert_int_equal(wbuf_error(&w), IDR_ETOOBIG);
	assert_int_equal(pl.len, 0);
	wbuf_deinit(&w);
}

static void
test_jrn_change_hash_vectors(void **state)
{
	uint8_t h[32];
	struct wbuf scratch;

	(void)state;
	wbuf_init_heap(&scratch, 4096);
	assert_int_equal(jrn_change_hash(&scratch, JRN_OP_CREATE, SLICE_LIT("88.118.8/P-001"),
	                                 SLICE_LIT("hello"), h),
	                 IDR_OK);
	assert_hex(h, change_vector);
	assert_int_equal(
	        jrn_change_hash(&scratch, JRN_OP_DELETE, SLICE_LIT("a/b"), SLICE_LIT(""), h),
	        IDR_OK);
	assert_hex(h, delete_vector);
	wbuf_deinit(&scratch);

	wbuf_init_heap(&scratch, 8);
	assert_int_equal(jrn_change_hash(&scratch, JRN_OP_CREATE, SLICE_LIT("88.118.8/P-001"),
	                                 SLICE_LIT("hello"), h),
	                 IDR_ETOOBIG);
	wbuf_deinit(&scratch);
}

static void
test_jrn_entry_hash_vector(void **state)
{
	uint8_t buf[256], h[32];
	struct wbuf scratch;
	size_t len;

	(void)state;
	len = sample_value(buf, sizeof(buf));
	assert_int_equal(len, 112);
	wbuf_init_heap(&scratch, 4096);
	assert_int_equal(jrn_entry_hash(&scratch, 42, slice_make(buf, len), h), IDR_OK);
	assert_hex(h, entry_vector);
	wbuf_deinit(&scratch);
}

static void
test_jrn_entry_roundtrip(void **state)
{
	uint8_t buf[256], k[JRN_KEY_LEN];
	struct jrn_entry in, out;
	size_t len;
	int op;

	(void)state;
	sample_entry(&in);
	len = sample_value(buf, sizeof(buf));
	jrn_key(42, k);
	assert_int_equal(jrn_entry_decode(slice_make(k, 8), slice_make(buf, len), &out), IDR_OK);
	assert_int_equal(out.seq, 42);
	assert_int_equal(out.op, JRN_OP_CREATE);
	assert_int_equal(out.time_ms, in.time_ms);
	assert_true(slice_eq(out.identity, in.identity));
	assert_true(slice_eq(out.identifier, in.identifier));
	assert_true(slice_eq(out.payload, in.payload));
	assert_memory_equal(out.change_hash, in.change_hash, 32);
	assert_memory_equal(out.prev_hash, in.prev_hash, 32);
	/* payloads borrow the input */
	assert_true(out.payload.p >= buf && out.payload.p < buf + len);
	for (op = JRN_OP_INIT; op <= JRN_OP_DELETE; op++) {
		buf[OFF_OP] = (uint8_t)op;
		assert_int_equal(jrn_entry_decode(slice_make(k, 8), slice_make(buf, len), &out),
		                 IDR_OK);
		assert_int_equal(out.op, op);
		assert_non_null(jrn_op_name(op));
	}
}

static void
test_jrn_entry_truncated(void **state)
{
	uint8_t buf[256], k[JRN_KEY_LEN];
	struct jrn_entry out;
	size_t len, i;

	(void)state;
	len = sample_value(buf, sizeof(buf));
	jrn_key(1, k);
	for (i = 0; i < len; i++) {
		out.seq = 777;
		assert_int_equal(jrn_entry_decode(slice_make(k, 8), slice_make(buf, i), &out),
		                 IDR_EPROTO);
		assert_int_equal(out.seq, 777); /* untouched on error */
	}
	assert_int_equal(jrn_entry_decode(slice_make(k, 8), slice_make(buf, len), &out), IDR_OK);
}

static void
test_jrn_entry_malformed(void **state)
{
	static const struct {
		size_t off;
		uint8_t val;
		int rc;
	} cases[] = {
	        {OFF_FORMAT, 0, IDR_ESCHEMA},
	        {OFF_FORMAT, 2, IDR_ESCHEMA},
	        {OFF_OP, 0, IDR_EPROTO},
	        {OFF_OP, 11, IDR_EPROTO},
	        {OFF_OP, 0xff, IDR_EPROTO},
	        {OFF_RESERVED, 1, IDR_EPROTO},
	        {OFF_RESERVED + 1, 1, IDR_EPROTO},
	        {OFF_IDENTITY + 2, 1, IDR_EPROTO}, /* identity longer than what follows */
	};
	uint8_t buf[256], k[JRN_KEY_LEN + 1] = {0};
	struct jrn_entry out;
	size_t len, i;

	(void)state;
	len = sample_value(buf, sizeof(buf));
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		uint8_t copy[256];

		memcpy(copy, buf, len);
		copy[cases[i].off] = cases[i].val;
		assert_int_equal(jrn_entry_decode(slice_make(k, 8), slice_make(copy, len), &out),
		                 cases[i].rc);
	}
	buf[len] = 0; /* a trailing byte */
	assert_int_equal(jrn_entry_decode(slice_make(k, 8), slice_make(buf, len + 1), &out),
	                 IDR_EPROTO);
	assert_int_equal(jrn_entry_decode(slice_make(k, 7), slice_make(buf, len), &out),
	                 IDR_EPROTO);
	assert_int_equal(jrn_entry_decode(slice_make(k, 9), slice_make(buf, len), &out),
	                 IDR_EPROTO);
}

/* An entry whose strings have the given lengths (contents 'a'), in a heap buffer. */
static uint8_t *
sized_entry(size_t identity, size_t identifier, size_t payload, size_t *len)
{
	struct jrn_entry e;
	struct wbuf w;
	uint8_t *fill = malloc(identity + identifier + payload + 1);

	assert_non_null(fill);
	memset(fill, 'a', identity + identifier + payload + 1);
	memset(&e, 0, sizeof(e));
	e.op = JRN_OP_CREATE;
	e.identity = slice_make(fill, identity);
	e.identifier = slice_make(fill, identifier);
	e.payload = slice_make(fill, payload);
	wbuf_init_heap(&w, SIZE_MAX);
	jrn_entry_encode(&w, &e);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	free(fill);
	return wbuf_steal(&w, len);
}

static void
set_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
test_jrn_entry_limits(void **state)
{
	uint8_t k[JRN_KEY_LEN] = {0};
	struct jrn_entry out;
	uint8_t *v;
	size_t len;

	(void)state;
	/* every string at its limit decodes */
	v = sized_entry(JRN_MAX_IDENTITY, IDENT_HARD_MAX, 3000, &len);
	assert_int_equal(jrn_entry_decode(slice_make(k, 8), slice_make(v, len), &out), IDR_OK);
	assert_int_equal(out.identity.len, JRN_MAX_IDENTITY);
	assert_int_equal(out.identifier.len, IDENT_HARD_MAX);
	free(v);

	/* each length field one past its limit (the bytes would even be there) */
	v = sized_entry(JRN_MAX_IDENTITY + 1, 1, 1, &len);
	assert_int_equal(jrn_entry_decode(slice_make(k, 8), slice_make(v, len), &out), IDR_ELIMIT);
	free(v);
	v = sized_entry(1, IDENT_HARD_MAX + 1, 1, &len);
	assert_int_equal(jrn_entry_decode(slice_make(k, 8), slice_make(v, len), &out), IDR_ELIMIT);
	free(v);
	v = sized_entry(1, 1, 1, &len);
	set_be32(v + OFF_IDENTITY + 4 + 1 + 4 + 1, JRN_MAX_PAYLOAD + 1);
	assert_int_equal(jrn_entry_decode(slice_make(k, 8), slice_make(v, len), &out), IDR_ELIMIT);
	set_be32(v + OFF_IDENTITY + 4 + 1 + 4 + 1, JRN_MAX_PAYLOAD);
	assert_int_equal(jrn_entry_decode(slice_make(k, 8), slice_make(v, len), &out), IDR_EPROTO);
	free(v);
}

static void
test_jrn_op_names(void **state)
{
	(void)state;
	assert_string_equal(jrn_op_name(JRN_OP_INIT), "init");
	assert_string_equal(jrn_op_name(JRN_OP_PREFIX), "prefix");
	assert_string_equal(jrn_op_name(JRN_OP_CREATE), "create");
	assert_string_equal(jrn_op_name(JRN_OP_ADD_VALUES), "add_values");
	assert_string_equal(jrn_op_name(JRN_OP_MODIFY_VALUES), "modify_values");
	assert_string_equal(jrn_op_name(JRN_OP_REMOVE_VALUES), "remove_values");
	assert_string_equal(jrn_op_name(JRN_OP_DELETE), "delete");
	assert_string_equal(jrn_op_name(JRN_OP_TEMPLATE), "template");
	assert_string_equal(jrn_op_name(JRN_OP_EVENT), "event");
	assert_string_equal(jrn_op_name(JRN_OP_ALIAS), "alias");
	assert_null(jrn_op_name(0));
	assert_null(jrn_op_name(11));
	assert_null(jrn_op_name(-1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_jrn_key),
	        cmocka_unit_test(test_jrn_change_bytes),
	        cmocka_unit_test(test_jrn_change_hash_vectors),
	        cmocka_unit_test(test_jrn_entry_hash_vector),
	        cmocka_unit_test(test_jrn_entry_roundtrip),
	        cmocka_unit_test(test_jrn_entry_truncated),
	        cmocka_unit_test(test_jrn_entry_malformed),
	        cmocka_unit_test(test_jrn_entry_limits),
	        cmocka_unit_test(test_jrn_op_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
