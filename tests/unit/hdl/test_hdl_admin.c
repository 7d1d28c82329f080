/*
 * test_hdl_admin.c - Handle codec for administration: the admin requests and answers the stock
 * Handle.Net 9.2 library encodes (decoded, and re-encoded byte for byte), LIST_HANDLES streaming
 * with CN, and the answer parsers over valid bodies, truncations, trailing bytes and lengths at
 * and one past their limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdl/hdl.h"
#include "hdl/hdl_admin.h"

#include "lib/hdl_body.h"

#define MSG_MAX 8192

enum which { P_CREATE_RESP, P_LIST_RESP, P_VALUES, P_REMOVE, P_HANDLE };

static int
parse(int which, const uint8_t *p, size_t n)
{
	struct hdl_msg m;
	struct hdl_admin_handle_list l;
	struct hdl_values_req vq;
	struct hdl_remove_req rq;
	struct value vals[4];
	uint32_t idx[4];
	struct slice h;
	bool present;
	struct rbuf r;

	memset(&m, 0, sizeof(m));
	rbuf_init(&r, p, n);
	switch (which) {
	case P_CREATE_RESP:
		return hdl_admin_create_resp_parse(&r, &h, &present);
	case P_LIST_RESP:
		return hdl_admin_list_resp_parse(&m, &r, &l);
	case P_VALUES:
		return hdl_values_req_parse(&r, &vq, vals, 4);
	case P_REMOVE:
		return hdl_remove_req_parse(&r, &rq, idx, 4);
	default:
		return hdl_handle_req_parse(&r, &h);
	}
}

#define F(k, v)                                                                                    \
	{                                                                                          \
		HB_##k, (v)                                                                        \
	}
#define END                                                                                        \
	{                                                                                          \
		HB_END, 0                                                                          \
	}
#define NO_OK                                                                                      \
	{                                                                                          \
		SIZE_MAX, 0                                                                        \
	}

struct body_case {
	const char *name;
	int which;
	struct hb_field f[8];
	int want;
	bool cut;
	size_t ok[2];
};

static const struct body_case cases[] = {
        {"create resp", P_CREATE_RESP, {F(STR, 12), END}, IDR_OK, true, {0, SIZE_MAX}},
        {"create resp empty", P_CREATE_RESP, {END}, IDR_OK, false, NO_OK},
        {"create resp at limit", P_CREATE_RESP, {F(STR, 2048), END}, IDR_OK, false, NO_OK},
        {"create resp +1", P_CREATE_RESP, {F(STR, 2049), END}, IDR_ELIMIT, false, NO_OK},
        {"list resp", P_LIST_RESP, {F(U32, 2), F(STR, 10), F(STR, 11), END}, IDR_OK, true, NO_OK},
        {"list resp empty", P_LIST_RESP, {F(U32, 0), END}, IDR_OK, true, NO_OK},
        {"list resp handle at limit",
         P_LIST_RESP,
         {F(U32, 1), F(STR, 2048), END},
         IDR_OK,
         false,
         NO_OK},
        {"list resp handle +1",
         P_LIST_RESP,
         {F(U32, 1), F(STR, 2049), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"list resp count over bytes",
         P_LIST_RESP,
         {F(U32, 3), F(STR, 0), F(STR, 0), END},
         IDR_EPROTO,
         false,
         NO_OK},
        {"list resp huge count",
         P_LIST_RESP,
         {F(U32, 0x40000000), F(STR, 0), END},
         IDR_EPROTO,
         false,
         NO_OK},
        {"delete / list req", P_HANDLE, {F(STR, 13), END}, IDR_OK, true, NO_OK},
        {"delete req +1", P_HANDLE, {F(STR, 2049), END}, IDR_ELIMIT, false, NO_OK},
        {"remove req",
         P_REMOVE,
         {F(STR, 12), F(U32, 2), F(U32, 1), F(U32, 100), END},
         IDR_OK,
         true,
         NO_OK},
        {"remove req handle +1",
         P_REMOVE,
         {F(STR, 2049), F(U32, 0), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"remove req indexes +1",
         P_REMOVE,
         {F(STR, 1), F(U32, 5), F(RAW, 20), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"values req handle +1",
         P_VALUES,
         {F(STR, 2049), F(U32, 0), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"values req count +1",
         P_VALUES,
         {F(STR, 1), F(U32, 5), F(RAW, 130), END},
         IDR_ELIMIT,
         false,
         NO_OK},
};

static void
test_hdl_admin_body_table(void **state)
{
	static uint8_t buf[HB_MAX];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct body_case *c = &cases[i];

		n = hb_build(buf, c->f);
		if (parse(c->which, buf, n) != c->want) {
			fail_msg("%s: got %d, want %d", c->name, parse(c->which, buf, n), c->want);
		}
		if (c->cut) {
			hb_truncations(parse, c->which, buf, n, c->ok);
		}
	}
}

/* Java's CREATE/ADD/MODIFY/REMOVE/DELETE/LIST requests decode, and re-encode byte for byte;
 * every truncation of their bodies fails. */
static void
test_hdl_admin_java_requests(void **state)
{
	static const char *const vals[] = {"req_create", "req_add", "req_modify"};
	static const uint32_t ops[] = {HDL_OC_CREATE_HANDLE, HDL_OC_ADD_VALUE, HDL_OC_MODIFY_VALUE};
	uint8_t msg[MSG_MAX], out[MSG_MAX];
	struct hdl_values_req vq;
	struct hdl_remove_req rq;
	struct value v[4];
	uint32_t idx[4];
	struct hdl_req_opts o;
	struct hdl_msg m;
	struct slice h;
	struct rbuf r;
	struct wbuf w;
	size_t i, n;

	(void)state;
	for (i = 0; i < 3; i++) {
		n = hb_load(vals[i], msg, sizeof(msg), &m);
		assert_int_equal(m.hdr.opcode, ops[i]);
		rbuf_init(&r, m.body.p, m.body.len);
		assert_int_equal(hdl_values_req_parse(&r, &vq, v, 4), IDR_OK);
		assert_true(slice_eq(vq.handle, SLICE_LIT("88.100.1/abc")));
		assert_int_equal(vq.nvalues, 1);
		assert_int_equal(v[0].index, 1);
		assert_true(slice_eq(v[0].type, SLICE_LIT("URL")));
		hb_opts_from(&m, &o);
		wbuf_init(&w, out, sizeof(out));
		assert_int_equal(hdl_req_values_encode(&w, &o, ops[i], vq.handle, v, 1), IDR_OK);
		hb_assert_unit(&w, msg, n);
		hb_truncations(parse, P_VALUES, m.body.p, m.body.len, NULL);
	}
	n = hb_load("req_remove", msg, sizeof(msg), &m);
	rbuf_init(&r, m.body.p, m.body.len);
	assert_int_equal(hdl_remove_req_parse(&r, &rq, idx, 4), IDR_OK);
	assert_int_equal(rq.nindexes, 2);
	assert_int_equal(idx[1], 100);
	hb_opts_from(&m, &o);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_req_remove_encode(&w, &o, rq.handle, idx, 2), IDR_OK);
	hb_assert_unit(&w, msg, n);

	n = hb_load("req_delete", msg, sizeof(msg), &m);
	rbuf_init(&r, m.body.p, m.body.len);
	assert_int_equal(hdl_handle_req_parse(&r, &h), IDR_OK);
	hb_opts_from(&m, &o);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_req_handle_encode(&w, &o, HDL_OC_DELETE_HANDLE, h), IDR_OK);
	hb_assert_unit(&w, msg, n);

	n = hb_load("req_list", msg, sizeof(msg), &m);
	assert_int_equal(hdl_req_body_kind(m.hdr.opcode), HDL_BODY_HANDLE);
	rbuf_init(&r, m.body.p, m.body.len);
	assert_int_equal(hdl_handle_req_parse(&r, &h), IDR_OK);
	assert_true(slice_eq(h, SLICE_LIT("0.NA/88.100.1")));
	hb_opts_from(&m, &o);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_req_handle_encode(&w, &o, HDL_OC_LIST_HANDLES, h), IDR_OK);
	hb_assert_unit(&w, msg, n);
}

static void
load_pair(const char *req, const char *resp, uint8_t *qbuf, struct hdl_msg *q, uint8_t *abuf,
          size_t *alen, struct hdl_msg *a, struct hdl_resp_opts *opts)
{
	hb_load(req, qbuf, MSG_MAX, q);
	*alen = hb_load(resp, abuf, MSG_MAX, a);
	opts->expiration = a->hdr.expiration; /* Java answers now + 12 h */
	opts->site_serial = 0xffff;
	opts->add_flags = 0;
}

static void
test_hdl_admin_java_answers(void **state)
{
	uint8_t qbuf[MSG_MAX], abuf[MSG_MAX], out[MSG_MAX];
	struct hdl_admin_handle_list l;
	struct hdl_resp_opts opts;
	struct hdl_msg q, a;
	struct hdl_digest rd;
	struct slice h, want = SLICE_LIT("88.100.1/abc");
	bool has_rd, present;
	struct rbuf rest, it;
	struct wbuf w;
	size_t n;

	(void)state;
	/* CREATE_HANDLE answer names the handle */
	load_pair("req_create", "resp_create", qbuf, &q, abuf, &n, &a, &opts);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_admin_create_resp_encode(&w, &q, &want, &opts), IDR_OK);
	hb_assert_unit(&w, abuf, n);
	assert_int_equal(hdl_resp_open(&a, &rd, &has_rd, &rest), IDR_OK);
	assert_int_equal(hdl_admin_create_resp_parse(&rest, &h, &present), IDR_OK);
	assert_true(present);
	assert_true(slice_eq(h, want));

	/* LIST_HANDLES answer: RD, CN, two handles */
	load_pair("req_list", "resp_list", qbuf, &q, abuf, &n, &a, &opts);
	{
		const struct slice hs[] = {SLICE_LIT("88.100.1/a"), SLICE_LIT("88.100.1/bc")};

		wbuf_init(&w, out, sizeof(out));
		assert_int_equal(hdl_admin_list_resp_encode(&w, &q, hs, 2, true, &opts), IDR_OK);
		hb_assert_unit(&w, abuf, n);
	}
	assert_int_equal(hdl_resp_open(&a, &rd, &has_rd, &rest), IDR_OK);
	assert_true(has_rd);
	assert_int_equal(hdl_rd_verify(&rd, q.raw), IDR_OK);
	assert_int_equal(hdl_admin_list_resp_parse(&a, &rest, &l), IDR_OK);
	assert_int_equal(l.count, 2);
	assert_true(l.more);
	rbuf_init(&it, l.handles.p, l.handles.len);
	assert_int_equal(hdl_admin_list_next(&it, &h), IDR_OK);
	assert_true(slice_eq(h, SLICE_LIT("88.100.1/a")));
	assert_int_equal(hdl_admin_list_next(&it, &h), IDR_OK);
	assert_true(slice_eq(h, SLICE_LIT("88.100.1/bc")));
	assert_int_equal(hdl_admin_list_next(&it, &h), IDR_ENOENT);
}

/* 120 handles go out as 50 + 50 + 20 with CN on all but the last, each a complete message. */
static void
test_hdl_admin_list_stream(void **state)
{
	static uint8_t out[65536];
	uint8_t qbuf[MSG_MAX];
	char names[120][16];
	struct slice hs[120], h;
	struct hdl_resp_opts opts = {0x5f5e1000u, 0xffff, 0};
	struct hdl_admin_handle_list l;
	struct hdl_msg q, a;
	struct hdl_digest rd;
	bool has_rd;
	struct rbuf in, rest, it;
	struct wbuf w;
	size_t i, off, seen = 0, msgs = 0;

	(void)state;
	hb_load("req_list", qbuf, sizeof(qbuf), &q);
	for (i = 0; i < 120; i++) {
		assert_true(snprintf(names[i], sizeof(names[i]), "88.100.1/%zu", i) > 0);
		hs[i] = slice_make(names[i], strlen(names[i]));
	}
	wbuf_init(&w, out, sizeof(out));
	for (off = 0; off < 120; off += HDL_LIST_HANDLES_PER_MSG) {
		size_t k =
		        120 - off < HDL_LIST_HANDLES_PER_MSG ? 120 - off : HDL_LIST_HANDLES_PER_MSG;

		assert_int_equal(
		        hdl_admin_list_resp_encode(&w, &q, hs + off, k, off + k < 120, &opts),
		        IDR_OK);
	}
	rbuf_init(&in, out, wbuf_len(&w));
	while (rbuf_left(&in) > 0) {
		assert_int_equal(hdl_msg_parse(&in, &a), IDR_OK);
		assert_int_equal(a.env.request_id, q.env.request_id);
		assert_int_equal(hdl_resp_open(&a, &rd, &has_rd, &rest), IDR_OK);
		assert_true(has_rd);
		assert_int_equal(hdl_admin_list_resp_parse(&a, &rest, &l), IDR_OK);
		msgs++;
		assert_int_equal(l.more, msgs < 3);
		rbuf_init(&it, l.handles.p, l.handles.len);
		while (hdl_admin_list_next(&it, &h) == IDR_OK) {
			assert_true(slice_eq(h, hs[seen]));
			seen++;
		}
	}
	assert_int_equal(msgs, 3);
	assert_int_equal(seen, 120);
	/* limits of the encoder */
	hs[0] = slice_make(out, 2049);
	wbuf_init(&w, out + 4096, sizeof(out) - 4096);
	assert_int_equal(hdl_admin_list_resp_encode(&w, &q, hs, 1, false, &opts), IDR_ELIMIT);
	assert_int_equal(hdl_admin_list_resp_encode(&w, &q, NULL, 1, false, &opts), IDR_EINVAL);
	assert_int_equal(hdl_admin_create_resp_encode(&w, &q, &hs[0], &opts), IDR_ELIMIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hdl_admin_body_table),
	        cmocka_unit_test(test_hdl_admin_java_requests),
	        cmocka_unit_test(test_hdl_admin_java_answers),
	        cmocka_unit_test(test_hdl_admin_list_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
