/*
 * test_pfx.c - prefix records (pfx.h) and prefix state names (reg.h): round trip, every
 * truncation point, every length field one past its limit, each malformed field, encoder
 * refusals, state names/labels/parsing; format 2 (an application): round trip, truncation,
 * each of its lengths one past its limit, format 2 without an application, a format 1 record
 * read with empty application fields; the JSON form. Hosting rules are tested in test_reg.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/wbuf.h"
#include "model/ident.h"
#include "pfx.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define OFF_FORMAT   0
#define OFF_STATE    1
#define OFF_FLAGS    2
#define OFF_RESERVED 3
#define OFF_NAMELEN  20

static size_t
sample(uint8_t *buf, size_t cap, struct pfx_info *p)
{
	struct wbuf w;

	memset(p, 0, sizeof(*p));
	p->name = SLICE_LIT("88.118.Ab");
	p->owner = SLICE_LIT("Acme 制造有限公司");
	p->state = PFX_REVIEWING;
	p->node = true;
	p->created = 1700000000;
	p->changed = 1700000500;
	wbuf_init(&w, buf, cap);
	assert_int_equal(pfx_encode(&w, p), IDR_OK);
	return wbuf_len(&w);
}

static void
test_pfx_roundtrip(void **state)
{
	uint8_t buf[256];
	struct pfx_info in, out;
	size_t len;

	(void)state;
	len = sample(buf, sizeof(buf), &in);
	assert_int_equal(len, PFX_FIXED_LEN + in.name.len + in.owner.len);
	assert_int_equal(buf[OFF_FORMAT], PFX_FORMAT);
	assert_int_equal(buf[OFF_FLAGS], PFX_FLAG_NODE);
	assert_int_equal(pfx_decode(slice_make(buf, len), &out), IDR_OK);
	assert_true(slice_eq(out.name, in.name));
	assert_true(slice_eq(out.owner, in.owner));
	assert_int_equal(out.state, PFX_REVIEWING);
	assert_true(out.node);
	assert_int_equal(out.created, in.created);
	assert_int_equal(out.changed, in.changed);

	/* an enterprise prefix with an empty owner */
	in.node = false;
	in.owner = SLICE_LIT("");
	in.state = PFX_DISABLED;
	{
		struct wbuf w;

		wbuf_init(&w, buf, sizeof(buf));
		assert_int_equal(pfx_encode(&w, &in), IDR_OK);
		len = wbuf_len(&w);
	}
	assert_int_equal(buf[OFF_FLAGS], 0);
	assert_int_equal(pfx_decode(slice_make(buf, len), &out), IDR_OK);
	assert_false(out.node);
	assert_int_equal(out.owner.len, 0);
	assert_int_equal(out.state, PFX_DISABLED);
}

static void
test_pfx_truncated(void **state)
{
	uint8_t buf[256];
	struct pfx_info in, out;
	size_t len, i;

	(void)state;
	len = sample(buf, sizeof(buf), &in);
	for (i = 0; i < len; i++) {
		out.state = 77;
		assert_int_equal(pfx_decode(slice_make(buf, i), &out), IDR_EPROTO);
		assert_int_equal(out.state, 77); /* untouched on error */
	}
}

static void
test_pfx_malformed(void **state)
{
	static const struct {
		size_t off;
		uint8_t val;
		int rc;
	} cases[] = {
	        {OFF_FORMAT, 0, IDR_ESCHEMA},  {OFF_FORMAT, 3, IDR_ESCHEMA},
	        {OFF_STATE, 6, IDR_EPROTO},    {OFF_STATE, 0xff, IDR_EPROTO},
	        {OFF_FLAGS, 0x02, IDR_EPROTO}, {OFF_FLAGS, 0x81, IDR_EPROTO},
	        {OFF_RESERVED, 1, IDR_EPROTO}, {OFF_NAMELEN + 2, 1, IDR_EPROTO},
	};
	uint8_t buf[256];
	struct pfx_info in, out;
	size_t len, i;

	(void)state;
	len = sample(buf, sizeof(buf), &in);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		uint8_t copy[256];

		memcpy(copy, buf, len);
		copy[cases[i].off] = cases[i].val;
		assert_int_equal(pfx_decode(slice_make(copy, len), &out), cases[i].rc);
	}
	buf[len] = 'x';
	assert_int_equal(pfx_decode(slice_make(buf, len + 1), &out), IDR_EPROTO);
}

static void
test_pfx_limits(void **state)
{
	static uint8_t big[8192];
	struct pfx_info p, out;
	struct wbuf w;
	uint8_t *v;
	size_t len;

	(void)state;
	memset(big, 'a', sizeof(big));
	memset(&p, 0, sizeof(p));
	p.state = PFX_ENABLED;
	p.name = slice_make(big, IDENT_HARD_MAX);
	p.owner = slice_make(big, PFX_MAX_OWNER);
	wbuf_init_heap(&w, 1u << 16);
	assert_int_equal(pfx_encode(&w, &p), IDR_OK);
	v = wbuf_steal(&w, &len);
	assert_int_equal(pfx_decode(slice_make(v, len), &out), IDR_OK);
	/* name length one past the limit */
	v[OFF_NAMELEN + 3] = (uint8_t)((IDENT_HARD_MAX + 1) & 0xff);
	v[OFF_NAMELEN + 2] = (uint8_t)((IDENT_HARD_MAX + 1) >> 8);
	assert_int_equal(pfx_decode(slice_make(v, len), &out), IDR_ELIMIT);
	v[OFF_NAMELEN + 3] = (uint8_t)(IDENT_HARD_MAX & 0xff);
	v[OFF_NAMELEN + 2] = (uint8_t)(IDENT_HARD_MAX >> 8);
	/* owner length one past the limit */
	v[OFF_NAMELEN + 4 + IDENT_HARD_MAX + 3] = (uint8_t)((PFX_MAX_OWNER + 1) & 0xff);
	v[OFF_NAMELEN + 4 + IDENT_HARD_MAX + 2] = (uint8_t)((PFX_MAX_OWNER + 1) >> 8);
	assert_int_equal(pfx_decode(slice_make(v, len), &out), IDR_ELIMIT);
	free(v);

	/* the encoder refuses what the decoder would */
	p.name = slice_make(big, IDENT_HARD_MAX + 1);
	wbuf_init_heap(&w, 1u << 16);
	assert_int_equal(pfx_encode(&w, &p), IDR_ELIMIT);
	p.name = SLICE_LIT("88.1");
	p.owner = slice_make(big, PFX_MAX_OWNER + 1);
	assert_int_equal(pfx_encode(&w, &p), IDR_ELIMIT);
	p.owner = SLICE_LIT("o");
	p.state = 6;
	assert_int_equal(pfx_encode(&w, &p), IDR_EPFX_STATE);
	p.state = -1;
	assert_int_equal(pfx_encode(&w, &p), IDR_EPFX_STATE);
	assert_int_equal(wbuf_len(&w), 0);
	wbuf_deinit(&w);
	p.state = 0;
	wbuf_init(&w, big, PFX_FIXED_LEN); /* too small for name and owner */
	assert_int_equal(pfx_encode(&w, &p), IDR_ETOOBIG);
}

/* A record with an application (format 2). */
static size_t
sample_app(uint8_t *buf, size_t cap, struct pfx_info *p)
{
	struct wbuf w;

	memset(p, 0, sizeof(*p));
	p->name = SLICE_LIT("88.118.8");
	p->owner = SLICE_LIT("甲公司");
	p->state = PFX_PENDING;
	p->created = p->changed = p->applied = 1700000000;
	p->uscc = SLICE_LIT("91350100M000100Y43");
	p->industry = SLICE_LIT("C13");
	p->contact = SLICE_LIT("张三 010-1");
	p->applicant = SLICE_LIT("anonymous");
	p->decided_by = SLICE_LIT("300:88.118/AUDITOR");
	p->reason = SLICE_LIT("ok");
	p->decided = 1700000600;
	wbuf_init(&w, buf, cap);
	assert_int_equal(pfx_encode(&w, p), IDR_OK);
	return wbuf_len(&w);
}

static void
test_pfx_app(void **state)
{
	uint8_t buf[512], one[256];
	struct pfx_info in, out;
	size_t len, len1;

	(void)state;
	len = sample_app(buf, sizeof(buf), &in);
	assert_int_equal(buf[OFF_FORMAT], PFX_FORMAT_APP);
	assert_true(pfx_has_application(&in));
	assert_int_equal(pfx_decode(slice_make(buf, len), &out), IDR_OK);
	assert_true(slice_eq(out.uscc, in.uscc));
	assert_true(slice_eq(out.industry, in.industry));
	assert_true(slice_eq(out.contact, in.contact));
	assert_true(slice_eq(out.applicant, in.applicant));
	assert_true(slice_eq(out.decided_by, in.decided_by));
	assert_true(slice_eq(out.reason, in.reason));
	assert_int_equal(out.applied, in.applied);
	assert_int_equal(out.decided, in.decided);
	for (size_t i = 0; i < len; i++) {
		out.state = 77;
		assert_int_equal(pfx_decode(slice_make(buf, i), &out), IDR_EPROTO);
		assert_int_equal(out.state, 77);
	}
	buf[len] = 0;
	assert_int_equal(pfx_decode(slice_make(buf, len + 1), &out), IDR_EPROTO);

	/* a format 1 record reads with the application fields empty */
	len1 = sample(one, sizeof(one), &in);
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(pfx_decode(slice_make(one, len1), &out), IDR_OK);
	assert_false(pfx_has_application(&out));
	assert_int_equal(out.uscc.len + out.contact.len + out.reason.len, 0);
	assert_int_equal(out.decided, 0);
	/* format 2 with nothing in the application is never written, so malformed */
	one[OFF_FORMAT] = PFX_FORMAT_APP;
	{
		uint8_t two[256];
		uint8_t zeros[6 * 4 + 2 * 8] = {0};

		memcpy(two, one, len1);
		memcpy(two + len1, zeros, sizeof(zeros));
		assert_int_equal(pfx_decode(slice_make(two, len1 + sizeof(zeros)), &out),
		                 IDR_EPROTO);
	}
}

/* Each length of the application one past its limit, in the decoder and the encoder. */
static void
test_pfx_app_limits(void **state)
{
	static uint8_t big[8192];
	static const struct {
		size_t max;
		size_t field; /* offsetof the slice in struct pfx_info */
	} fields[] = {
	        {ENT_USCC_LEN, offsetof(struct pfx_info, uscc)},
	        {ENT_INDUSTRY_MAX, offsetof(struct pfx_info, industry)},
	        {PFX_MAX_CONTACT, offsetof(struct pfx_info, contact)},
	        {PFX_MAX_IDENTITY, offsetof(struct pfx_info, applicant)},
	        {PFX_MAX_IDENTITY, offsetof(struct pfx_info, decided_by)},
	        {PFX_MAX_REASON, offsetof(struct pfx_info, reason)},
	};

	(void)state;
	memset(big, 'a', sizeof(big));
	for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
		struct pfx_info p, out;
		struct slice *f;
		struct wbuf w;
		uint8_t *v;
		size_t len, at;

		memset(&p, 0, sizeof(p));
		p.state = PFX_PENDING;
		p.name = SLICE_LIT("88.1");
		f = (struct slice *)((char *)&p + fields[i].field);
		*f = slice_make(big, fields[i].max);
		wbuf_init_heap(&w, 1u << 16);
		assert_int_equal(pfx_encode(&w, &p), IDR_OK);
		v = wbuf_steal(&w, &len);
		assert_int_equal(pfx_decode(slice_make(v, len), &out), IDR_OK);
		/* the field's bytes are the only 'a's: its int4 length is just before them */
		at = (size_t)((const uint8_t *)memchr(v, 'a', len) - v) - 4;
		v[at + 3] = (uint8_t)((fields[i].max + 1) & 0xff);
		v[at + 2] = (uint8_t)((fields[i].max + 1) >> 8);
		assert_int_equal(pfx_decode(slice_make(v, len), &out), IDR_ELIMIT);
		free(v);
		*f = slice_make(big, fields[i].max + 1);
		wbuf_init_heap(&w, 1u << 16);
		assert_int_equal(pfx_encode(&w, &p), IDR_ELIMIT);
		wbuf_deinit(&w);
	}
}

static void
test_pfx_json(void **state)
{
	uint8_t buf[512];
	char text[2048];
	struct pfx_info in;
	struct wbuf w;

	(void)state;
	sample_app(buf, sizeof(buf), &in);
	wbuf_init(&w, text, sizeof(text) - 1);
	assert_int_equal(pfx_json(&w, &in), IDR_OK);
	text[wbuf_len(&w)] = '\0';
	assert_non_null(strstr(text, "\"prefix\":\"88.118.8\""));
	assert_non_null(strstr(text, "\"state\":4,\"state_name\":\"pending\""));
	assert_non_null(strstr(text, "\"credit_code\":\"91350100M000100Y43\""));
	assert_non_null(strstr(text, "\"decided\":\"2023-11-14T22:23:20Z\""));
	in.decided = 0;
	wbuf_init(&w, text, sizeof(text) - 1);
	assert_int_equal(pfx_json(&w, &in), IDR_OK);
	text[wbuf_len(&w)] = '\0';
	assert_non_null(strstr(text, "\"decided\":null"));
	memset(&in, 0, sizeof(in)); /* no application: the basic members only */
	in.name = SLICE_LIT("88.1");
	wbuf_init(&w, text, sizeof(text) - 1);
	assert_int_equal(pfx_json(&w, &in), IDR_OK);
	text[wbuf_len(&w)] = '\0';
	assert_null(strstr(text, "credit_code"));
	in.state = 9;
	assert_int_equal(pfx_json(&w, &in), IDR_EPFX_STATE);
}

static void
test_pfx_state_names(void **state)
{
	static const struct {
		const char *in;
		int rc;
		int state;
	} cases[] = {
	        {"0", IDR_OK, 0},
	        {"5", IDR_OK, 5},
	        {"enabled", IDR_OK, 1},
	        {"ENABLED", IDR_OK, 1},
	        {"deleting", IDR_OK, 2},
	        {"rejected", IDR_OK, 3},
	        {"pending", IDR_OK, 4},
	        {"Reviewing", IDR_OK, 5},
	        {"停用", IDR_OK, 0},
	        {"审核中", IDR_OK, 5},
	        {"6", IDR_EPFX_STATE, -1},
	        {"-1", IDR_EPFX_STATE, -1},
	        {"", IDR_EPFX_STATE, -1},
	        {"1 ", IDR_EPFX_STATE, -1},
	        {"enable", IDR_EPFX_STATE, -1},
	};
	size_t i;
	int s;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		s = -1;
		assert_int_equal(pfx_state_parse(cases[i].in, &s), cases[i].rc);
		assert_int_equal(s, cases[i].state);
	}
	for (s = 0; s <= 5; s++) {
		int back = -1;

		assert_non_null(pfx_state_name(s));
		assert_non_null(pfx_state_label(s));
		assert_int_equal(pfx_state_parse(pfx_state_name(s), &back), IDR_OK);
		assert_int_equal(back, s);
		assert_int_equal(pfx_state_parse(pfx_state_label(s), &back), IDR_OK);
		assert_int_equal(back, s);
	}
	assert_string_equal(pfx_state_label(PFX_DELETING), "待删除");
	assert_null(pfx_state_name(6));
	assert_null(pfx_state_label(-1));
}

/* The rejection lists exactly what pfx_state_parse accepts: each number, name and label. */
static void
test_pfx_state_message(void **state)
{
	const char *msg = idr_strerror(IDR_EPFX_STATE);
	char want[64];
	int s, back;

	(void)state;
	for (s = 0; s <= 5; s++) {
		assert_true(snprintf(want, sizeof(want), "%d %s %s", s, pfx_state_name(s),
		                     pfx_state_label(s)) < (int)sizeof(want));
		assert_non_null(strstr(msg, want));
		back = -1;
		assert_int_equal(pfx_state_parse(pfx_state_name(s), &back), IDR_OK);
		assert_int_equal(back, s);
	}
	assert_null(strstr(msg, " 6 "));
	assert_non_null(strstr(msg, "any case"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_pfx_roundtrip),   cmocka_unit_test(test_pfx_truncated),
	        cmocka_unit_test(test_pfx_malformed),   cmocka_unit_test(test_pfx_limits),
	        cmocka_unit_test(test_pfx_state_names), cmocka_unit_test(test_pfx_state_message),
	        cmocka_unit_test(test_pfx_app),         cmocka_unit_test(test_pfx_app_limits),
	        cmocka_unit_test(test_pfx_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
