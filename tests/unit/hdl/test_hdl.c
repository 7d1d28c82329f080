/*
 * test_hdl.c - Handle codec: the normative byte vectors of ref/handle.md §8 (encode and
 * decode), truncation at every point, every length/count one past its limit, version
 * negotiation, request digests, response flags, UDP triage, fragmentation and reassembly,
 * and the server hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "hdl/hdl.h"
#include "hdl/hdl_udp.h"

#include "lib/hdl_vectors.h"

#define EXPIRATION 0x5f5e1000u
#define HANDLE     "88.100.1/abc"
#define BUF_MAX    (HDL_MAX_UNIT_LEN + 4096)

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_int_equal(strlen(hex) % 2, 0);
	assert_true(n <= cap);
	assert_int_equal(crypto_unhex(hex, strlen(hex), out, n), IDR_OK);
	return n;
}

static void
assert_bytes_hex(const uint8_t *p, size_t len, const char *hex)
{
	uint8_t want[4096];
	size_t n = unhex(hex, want, sizeof(want));

	assert_int_equal(len, n);
	assert_memory_equal(p, want, n);
}

static void
assert_wbuf_hex(const struct wbuf *w, const char *hex)
{
	assert_int_equal(wbuf_error(w), IDR_OK);
	assert_bytes_hex(wbuf_data(w), wbuf_len(w), hex);
}

/* Parse a whole unit given as hex; bytes are copied into buf, which the result borrows. */
static void
parse_hex(const char *hex, uint8_t *buf, size_t cap, struct hdl_msg *m)
{
	size_t n = unhex(hex, buf, cap);
	struct rbuf r;

	rbuf_init(&r, buf, n);
	assert_int_equal(hdl_msg_parse(&r, m), IDR_OK);
	assert_int_equal(rbuf_left(&r), 0);
}

static void
opts_v(struct hdl_req_opts *o, uint8_t maj, uint8_t min, uint8_t smaj, uint8_t smin, uint32_t reqid,
       uint32_t flags)
{
	hdl_req_opts_init(o, reqid, EXPIRATION);
	o->ver.major = maj;
	o->ver.minor = min;
	o->sugg.major = smaj;
	o->sugg.minor = smin;
	o->flags = flags;
}

static const struct hdl_resp_opts resp_opts = {EXPIRATION, 0xffff, 0};

/* ---- §8 requests ---- */

static void
test_hdl_vector_requests_encode(void **state)
{
	static const uint32_t idx[] = {1, 100};
	const struct slice types[] = {SLICE_LIT("URL"), SLICE_LIT("EMAIL")};
	struct hdl_req_opts o;
	struct wbuf w;

	(void)state;
	wbuf_init_heap(&w, BUF_MAX);
	opts_v(&o, 2, 1, 2, 1, 0x01020304, 0x19000000);
	assert_int_equal(hdl_req_resolution_encode(&w, &o, SLICE_LIT(HANDLE), NULL, 0, NULL, 0),
	                 IDR_OK);
	assert_wbuf_hex(&w, V1_ENV V1_MSG);

	wbuf_reset(&w);
	opts_v(&o, 2, 10, 2, 11, 7, HDL_FLAG_CLIENT_DEFAULT | HDL_FLAG_AT | HDL_FLAG_RD);
	assert_int_equal(hdl_req_resolution_encode(&w, &o, SLICE_LIT(HANDLE), idx, 2, types, 2),
	                 IDR_OK);
	assert_wbuf_hex(&w, V2_ENV V2_MSG);

	wbuf_reset(&w);
	opts_v(&o, 2, 1, 2, 1, 9, HDL_FLAG_CLIENT_DEFAULT);
	assert_int_equal(hdl_req_handle_encode(&w, &o, HDL_OC_GET_SITEINFO, SLICE_LIT("/")),
	                 IDR_OK);
	assert_wbuf_hex(&w, GS_ENV GS_MSG);
	wbuf_deinit(&w);
}

static void
test_hdl_vector_requests_decode(void **state)
{
	uint8_t buf[512];
	uint32_t idx[8];
	struct slice types[8];
	struct hdl_res_req q;
	struct hdl_msg m;
	struct slice h;
	struct rbuf body;

	(void)state;
	parse_hex(V1_ENV V1_MSG, buf, sizeof(buf), &m);
	assert_int_equal(m.env.ver.major, 2);
	assert_int_equal(m.env.ver.minor, 1);
	assert_int_equal(m.env.sugg.major, 2);
	assert_int_equal(m.env.sugg.minor, 1);
	assert_int_equal(m.env.flags, 0);
	assert_int_equal(m.env.session_id, 0);
	assert_int_equal(m.env.request_id, 0x01020304);
	assert_int_equal(m.env.seq, 0);
	assert_int_equal(m.env.msg_len, 0x34);
	assert_int_equal(m.hdr.opcode, HDL_OC_RESOLUTION);
	assert_int_equal(m.hdr.rc, 0);
	assert_int_equal(m.hdr.flags, HDL_FLAG_REC | HDL_FLAG_CA | HDL_FLAG_PO);
	assert_int_equal(m.hdr.site_serial, 0xffff);
	assert_int_equal(m.hdr.recursion, 0);
	assert_int_equal(m.hdr.expiration, EXPIRATION);
	assert_int_equal(m.hdr.body_len, 0x18);
	assert_int_equal(m.raw.len, 24 + 0x18);
	assert_ptr_equal(m.raw.p, buf + 20);
	assert_true(m.cred_len_present);
	assert_int_equal(m.cred.len, 0);
	rbuf_init(&body, m.body.p, m.body.len);
	assert_int_equal(hdl_res_req_parse(&body, &q, idx, 8, types, 8), IDR_OK);
	assert_true(slice_eq(q.handle, SLICE_LIT(HANDLE)));
	assert_int_equal(q.nindexes, 0);
	assert_int_equal(q.ntypes, 0);

	parse_hex(V2_ENV V2_MSG, buf, sizeof(buf), &m);
	assert_int_equal(m.env.ver.minor, 10);
	assert_int_equal(m.env.sugg.minor, 11);
	assert_int_equal(m.env.request_id, 7);
	assert_int_equal(m.hdr.flags, 0x99800000u);
	assert_int_equal(m.hdr.body_len, 0x30);
	rbuf_init(&body, m.body.p, m.body.len);
	assert_int_equal(hdl_res_req_parse(&body, &q, idx, 8, types, 8), IDR_OK);
	assert_true(slice_eq(q.handle, SLICE_LIT(HANDLE)));
	assert_int_equal(q.nindexes, 2);
	assert_int_equal(q.indexes[0], 1);
	assert_int_equal(q.indexes[1], 100);
	assert_int_equal(q.ntypes, 2);
	assert_true(slice_eq(q.types[0], SLICE_LIT("URL")));
	assert_true(slice_eq(q.types[1], SLICE_LIT("EMAIL")));

	parse_hex(GS_ENV GS_MSG, buf, sizeof(buf), &m);
	assert_int_equal(m.hdr.opcode, HDL_OC_GET_SITEINFO);
	assert_int_equal(m.env.request_id, 9);
	assert_int_equal(hdl_req_body_kind(m.hdr.opcode), HDL_BODY_HANDLE);
	rbuf_init(&body, m.body.p, m.body.len);
	assert_int_equal(hdl_handle_req_parse(&body, &h), IDR_OK);
	assert_true(slice_eq(h, SLICE_LIT("/")));
}

/* ---- §8 responses ---- */

static void
test_hdl_vector_responses_encode(void **state)
{
	uint8_t req[512], clumpbuf[512], stored[512];
	struct slice clumps[2];
	struct hdl_msg m;
	struct wbuf w, sb;
	size_t n1, n2;

	(void)state;
	n1 = unhex(VAL_URL, clumpbuf, sizeof(clumpbuf));
	n2 = unhex(VAL_ADMIN, clumpbuf + n1, sizeof(clumpbuf) - n1);
	clumps[0] = slice_make(clumpbuf, n1);
	clumps[1] = slice_make(clumpbuf + n1, n2);
	wbuf_init_heap(&w, BUF_MAX);

	parse_hex(V1_ENV V1_MSG, req, sizeof(req), &m);
	assert_int_equal(hdl_resp_resolution(&w, &m, SLICE_LIT(HANDLE), clumps, 2, &resp_opts),
	                 IDR_OK);
	assert_wbuf_hex(&w, R1_ENV R1_MSG);

	/* the stored-record fast path copies the same body verbatim */
	wbuf_init(&sb, stored, sizeof(stored));
	wbuf_slice_str(&sb, SLICE_LIT(HANDLE));
	wbuf_u32(&sb, 2);
	wbuf_bytes(&sb, clumpbuf, n1 + n2);
	wbuf_reset(&w);
	assert_int_equal(hdl_resp_resolution_stored(&w, &m, wbuf_slice(&sb), &resp_opts), IDR_OK);
	assert_wbuf_hex(&w, R1_ENV R1_MSG);

	wbuf_reset(&w);
	assert_int_equal(
	        hdl_resp_error(&w, &m, HDL_RC_HANDLE_NOT_FOUND, slice_make(NULL, 0), &resp_opts),
	        IDR_OK);
	assert_wbuf_hex(&w, E100_ENV E100_MSG);

	parse_hex(V2_ENV V2_MSG, req, sizeof(req), &m);
	wbuf_reset(&w);
	assert_int_equal(hdl_resp_resolution(&w, &m, SLICE_LIT(HANDLE), clumps, 1, &resp_opts),
	                 IDR_OK);
	assert_wbuf_hex(&w, RD_ENV RD_MSG);
	wbuf_deinit(&w);
}

static void
test_hdl_vector_responses_decode(void **state)
{
	uint8_t buf[512], req[512];
	struct hdl_value_list l;
	struct hdl_digest d;
	struct hdl_msg m, q;
	struct value v;
	struct slice clump, msg;
	struct rbuf rest, it;
	bool has_rd;

	(void)state;
	parse_hex(R1_ENV R1_MSG, buf, sizeof(buf), &m);
	assert_int_equal(m.env.ver.minor, 1);
	assert_int_equal(m.env.sugg.minor, 11);
	assert_int_equal(m.env.request_id, 0x01020304);
	assert_int_equal(m.hdr.rc, HDL_RC_SUCCESS);
	assert_int_equal(hdl_resp_open(&m, &d, &has_rd, &rest), IDR_OK);
	assert_false(has_rd);
	assert_int_equal(hdl_res_resp_parse(&rest, &l), IDR_OK);
	assert_true(slice_eq(l.handle, SLICE_LIT(HANDLE)));
	assert_int_equal(l.count, 2);
	rbuf_init(&it, l.clumps.p, l.clumps.len);
	assert_int_equal(hdl_clump_next(&it, &v, &clump), IDR_OK);
	assert_int_equal(v.index, 1);
	assert_true(slice_eq(v.type, SLICE_LIT("URL")));
	assert_true(slice_eq(v.data, SLICE_LIT("https://example.com/a")));
	assert_int_equal(v.timestamp, 0x60000000);
	assert_int_equal(v.ttl, 86400);
	assert_int_equal(v.perms, 0x0e);
	assert_bytes_hex(clump.p, clump.len, VAL_URL);
	assert_int_equal(hdl_clump_next(&it, &v, &clump), IDR_OK);
	assert_int_equal(v.index, 100);
	assert_true(slice_eq(v.type, SLICE_LIT("HS_ADMIN")));
	assert_bytes_hex(clump.p, clump.len, VAL_ADMIN);
	assert_int_equal(hdl_clump_next(&it, &v, &clump), IDR_ENOENT);

	parse_hex(E100_ENV E100_MSG, buf, sizeof(buf), &m);
	assert_int_equal(m.hdr.rc, HDL_RC_HANDLE_NOT_FOUND);
	assert_true(hdl_rc_is_error(m.hdr.rc));
	assert_int_equal(hdl_resp_open(&m, &d, &has_rd, &rest), IDR_OK);
	assert_int_equal(hdl_error_resp_parse(&rest, m.env.ver, &msg), IDR_OK);
	assert_int_equal(msg.len, 0);

	parse_hex(RD_ENV RD_MSG, buf, sizeof(buf), &m);
	assert_int_equal(hdl_resp_open(&m, &d, &has_rd, &rest), IDR_OK);
	assert_true(has_rd);
	assert_int_equal(d.type, HDL_RD_SHA256);
	assert_int_equal(d.len, 32);
	assert_bytes_hex(d.bytes, d.len, RD_DIGEST);
	parse_hex(V2_ENV V2_MSG, req, sizeof(req), &q);
	assert_int_equal(hdl_rd_verify(&d, q.raw), IDR_OK);
	parse_hex(V1_ENV V1_MSG, req, sizeof(req), &q);
	assert_int_equal(hdl_rd_verify(&d, q.raw), IDR_EPROTO);
	assert_int_equal(hdl_res_resp_parse(&rest, &l), IDR_OK);
	assert_int_equal(l.count, 1);
}

static void
test_hdl_siteinfo_roundtrip(void **state)
{
	uint8_t req[256], site[256];
	struct value_site *vs;
	struct hdl_digest d;
	struct hdl_msg m, r;
	struct slice got;
	struct rbuf rest;
	struct wbuf w;
	bool has_rd;
	size_t n;

	(void)state;
	n = unhex(SITE, site, sizeof(site));
	assert_int_equal(n, 82);
	parse_hex(GS_ENV GS_MSG, req, sizeof(req), &m);
	wbuf_init_heap(&w, BUF_MAX);
	assert_int_equal(hdl_resp_siteinfo(&w, &m, slice_make(site, n), &resp_opts), IDR_OK);
	rbuf_init(&rest, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_msg_parse(&rest, &r), IDR_OK);
	assert_int_equal(r.hdr.opcode, HDL_OC_GET_SITEINFO);
	assert_int_equal(r.env.request_id, 9);
	assert_int_equal(r.hdr.body_len, 82);
	assert_int_equal(hdl_resp_open(&r, &d, &has_rd, &rest), IDR_OK);
	assert_int_equal(hdl_siteinfo_resp_parse(&rest, &got), IDR_OK);
	assert_true(slice_eq(got, slice_make(site, n)));
	vs = calloc(1, sizeof(*vs));
	assert_non_null(vs);
	assert_int_equal(value_site_decode(got, vs), IDR_OK);
	assert_int_equal(vs->nservers, 1);
	free(vs);
	wbuf_deinit(&w);
}

/* ---- truncation ---- */

static void
check_truncations(const char *hex)
{
	uint8_t buf[512];
	size_t n = unhex(hex, buf, sizeof(buf));
	struct hdl_envelope env;
	struct hdl_msg m;
	struct rbuf r;
	size_t k;

	for (k = 0; k < n; k++) {
		uint8_t *cut = malloc(k > 0 ? k : 1); /* exact size: ASan catches over-reads */

		assert_non_null(cut);
		memcpy(cut, buf, k);
		/* a stream waits for more */
		rbuf_init(&r, cut, k);
		assert_int_equal(hdl_msg_parse(&r, &m), IDR_EAGAIN);
		assert_int_equal(rbuf_offset(&r), 0);
		/* a datagram of k bytes is never accepted */
		assert_true(hdl_udp_triage(cut, k, 0, &env) >= HDL_UDP_DROP_SHORT);
		/* a message of k bytes under a matching envelope: only the credential may go */
		if (k >= HDL_ENVELOPE_LEN) {
			int rc;

			rbuf_init(&r, buf, HDL_ENVELOPE_LEN);
			assert_int_equal(hdl_envelope_parse(&r, &env), IDR_OK);
			env.msg_len = (uint32_t)(k - HDL_ENVELOPE_LEN);
			rc = hdl_msg_parse_message(
			        &env, slice_make(cut + HDL_ENVELOPE_LEN, k - HDL_ENVELOPE_LEN), &m);
			if (rc == IDR_OK) {
				assert_int_equal(k, n - 4);
				assert_false(m.cred_len_present);
			} else {
				assert_int_equal(rc, IDR_EPROTO);
			}
		}
		free(cut);
	}
}

/* Every proper prefix of the body fails to parse. */
static void
check_body_truncations(const char *hex)
{
	uint8_t buf[512];
	uint32_t idx[8];
	struct slice types[8], h;
	struct hdl_res_req q;
	struct hdl_msg m;
	struct rbuf body;
	size_t k;

	parse_hex(hex, buf, sizeof(buf), &m);
	for (k = 0; k < m.body.len; k++) {
		uint8_t *cut = malloc(k > 0 ? k : 1);

		assert_non_null(cut);
		memcpy(cut, m.body.p, k);
		rbuf_init(&body, cut, k);
		if (m.hdr.opcode == HDL_OC_RESOLUTION) {
			assert_int_equal(hdl_res_req_parse(&body, &q, idx, 8, types, 8),
			                 IDR_EPROTO);
		} else {
			assert_int_equal(hdl_handle_req_parse(&body, &h), IDR_EPROTO);
		}
		free(cut);
	}
}

static void
test_hdl_truncation_requests(void **state)
{
	(void)state;
	check_truncations(V1_ENV V1_MSG);
	check_truncations(V2_ENV V2_MSG);
	check_truncations(GS_ENV GS_MSG);
	check_body_truncations(V1_ENV V1_MSG);
	check_body_truncations(V2_ENV V2_MSG);
	check_body_truncations(GS_ENV GS_MSG);
}

static void
test_hdl_truncation_responses(void **state)
{
	static const char *const units[] = {R1_ENV R1_MSG, RD_ENV RD_MSG, E100_ENV E100_MSG};
	uint8_t buf[512];
	struct hdl_value_list l;
	struct hdl_digest d;
	struct hdl_msg m;
	struct slice s;
	struct rbuf rest;
	bool has_rd;
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		check_truncations(units[i]);
		parse_hex(units[i], buf, sizeof(buf), &m);
		for (k = 0; k < m.body.len; k++) {
			struct hdl_msg cut = m;
			int rc;

			cut.body.len = k;
			rc = hdl_resp_open(&cut, &d, &has_rd, &rest);
			if (rc == IDR_OK && m.hdr.rc == HDL_RC_SUCCESS) {
				rc = hdl_res_resp_parse(&rest, &l);
			} else if (rc == IDR_OK) {
				rc = hdl_error_resp_parse(&rest, m.env.ver, &s);
			}
			assert_int_equal(rc, IDR_EPROTO);
		}
	}
}

/* ---- limits: every length and count one past its limit ---- */

static void
test_hdl_limit_handle(void **state)
{
	static uint8_t big[HDL_MAX_HANDLE_LEN + 1];
	uint8_t bodybuf[4096];
	struct slice h;
	struct hdl_res_req q;
	struct wbuf w;
	struct rbuf r;
	size_t len;

	(void)state;
	memset(big, 'a', sizeof(big));
	for (len = HDL_MAX_HANDLE_LEN; len <= HDL_MAX_HANDLE_LEN + 1; len++) {
		int want = len == HDL_MAX_HANDLE_LEN ? IDR_OK : IDR_ELIMIT;

		wbuf_init(&w, bodybuf, sizeof(bodybuf));
		wbuf_str(&w, big, len);
		rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
		assert_int_equal(hdl_handle_req_parse(&r, &h), want);
		wbuf_u32(&w, 0);
		wbuf_u32(&w, 0);
		rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
		assert_int_equal(hdl_res_req_parse(&r, &q, NULL, 0, NULL, 0), want);
		assert_int_equal(hdl_server_hash(slice_make(big, len), 2, 3) >= 0, want == IDR_OK);
	}
}

static void
test_hdl_limit_message_length(void **state)
{
	uint8_t buf[64];
	struct hdl_envelope env;
	struct rbuf r;

	(void)state;
	unhex(V1_ENV, buf, sizeof(buf));
	buf[16] = 0x00; /* 262144 = 0x00040000 */
	buf[17] = 0x04;
	buf[18] = 0x00;
	buf[19] = 0x00;
	rbuf_init(&r, buf, 20);
	assert_int_equal(hdl_envelope_parse(&r, &env), IDR_OK);
	assert_int_equal(env.msg_len, HDL_MAX_MESSAGE_LEN);
	assert_int_equal(hdl_envelope_check(&env, 0), IDR_OK);
	assert_int_equal(hdl_envelope_check(&env, 1000), IDR_ELIMIT);
	buf[19] = 0x01; /* 262145 */
	rbuf_init(&r, buf, 20);
	assert_int_equal(hdl_envelope_parse(&r, &env), IDR_ELIMIT);
	assert_int_equal(env.msg_len, HDL_MAX_MESSAGE_LEN + 1);
	assert_int_equal(rbuf_offset(&r), 0);
	assert_int_equal(hdl_udp_triage(buf, 20, 0, &env), HDL_UDP_DROP_LENGTH);
	{
		struct hdl_reasm *ra = NULL;

		assert_int_equal(hdl_reasm_new(&ra, &env, 0), IDR_ELIMIT);
		assert_null(ra);
	}
	/* a stream rejects it as soon as the envelope is in, without waiting */
	rbuf_init(&r, buf, 20);
	{
		struct hdl_msg m;

		assert_int_equal(hdl_msg_parse(&r, &m), IDR_ELIMIT);
	}
	/* shorter than a header */
	buf[16] = buf[17] = buf[18] = 0;
	buf[19] = HDL_HEADER_LEN - 1;
	rbuf_init(&r, buf, 20);
	assert_int_equal(hdl_envelope_parse(&r, &env), IDR_OK);
	assert_int_equal(hdl_envelope_check(&env, 0), IDR_EPROTO);
}

static void
test_hdl_limit_body_length(void **state)
{
	uint8_t buf[512];
	struct hdl_envelope env;
	struct hdl_msg m;
	struct rbuf r;
	size_t n;

	(void)state;
	n = unhex(V1_ENV V1_MSG, buf, sizeof(buf));
	rbuf_init(&r, buf, n);
	assert_int_equal(hdl_envelope_parse(&r, &env), IDR_OK);
	/* BodyLength = MessageLength - 24 + 1: one byte past the message */
	buf[20 + 23] = (uint8_t)(env.msg_len - HDL_HEADER_LEN + 1);
	rbuf_init(&r, buf, n);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_EPROTO);
	/* BodyLength = MessageLength - 24 fits (the body then swallows the credential length) */
	buf[20 + 23] = (uint8_t)(env.msg_len - HDL_HEADER_LEN);
	rbuf_init(&r, buf, n);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	assert_false(m.cred_len_present);
	/* the header parser alone: BodyLength beyond the reader */
	rbuf_init(&r, buf + 20, 24 + 3);
	{
		struct hdl_header h;

		buf[20 + 23] = 4;
		assert_int_equal(hdl_header_parse(&r, &h), IDR_EPROTO);
		rbuf_init(&r, buf + 20, 24 + 4);
		assert_int_equal(hdl_header_parse(&r, &h), IDR_OK);
	}
}

static void
test_hdl_limit_credential(void **state)
{
	uint8_t buf[512];
	struct hdl_msg m;
	struct rbuf r;
	size_t n;

	(void)state;
	n = unhex(V1_ENV V1_MSG "aabbcc", buf, sizeof(buf));
	/* MessageLength + 3 with CredentialLength 3: the credential covers the rest */
	buf[19] = 0x34 + 3;
	buf[n - 4] = 3;
	rbuf_init(&r, buf, n);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	assert_int_equal(m.cred.len, 3);
	/* CredentialLength one past the end */
	buf[n - 4] = 4;
	rbuf_init(&r, buf, n);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_EPROTO);
	/* CredentialLength short of the end: trailing bytes */
	buf[n - 4] = 2;
	rbuf_init(&r, buf, n);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_EPROTO);
	/* 1-3 bytes after the body are not a credential length */
	n = unhex(V1_ENV V1_MSG, buf, sizeof(buf));
	buf[19] = 0x34 - 1;
	rbuf_init(&r, buf, n - 1);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_EPROTO);
}

static void
test_hdl_limit_indexes(void **state)
{
	uint8_t bodybuf[4096];
	uint32_t idx[4];
	struct slice types[4];
	struct hdl_res_req q;
	struct wbuf w;
	struct rbuf r;
	size_t len;

	(void)state;
	/* index count 1 with no element: beyond the bytes left */
	wbuf_init(&w, bodybuf, sizeof(bodybuf));
	wbuf_slice_str(&w, SLICE_LIT(HANDLE));
	wbuf_u32(&w, 1);
	wbuf_u32(&w, 0);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_res_req_parse(&r, &q, idx, 4, types, 4), IDR_EPROTO);
	/* index count one past the caller's cap */
	wbuf_init(&w, bodybuf, sizeof(bodybuf));
	wbuf_slice_str(&w, SLICE_LIT(HANDLE));
	wbuf_u32(&w, 5);
	for (len = 0; len < 5; len++) {
		wbuf_u32(&w, (uint32_t)len);
	}
	wbuf_u32(&w, 0);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_res_req_parse(&r, &q, idx, 4, types, 4), IDR_ELIMIT);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	{
		uint32_t idx5[5];

		assert_int_equal(hdl_res_req_parse(&r, &q, idx5, 5, types, 4), IDR_OK);
		assert_int_equal(q.nindexes, 5);
		assert_int_equal(q.indexes[4], 4);
	}
}

static void
test_hdl_limit_types(void **state)
{
	static uint8_t type[HDL_MAX_TYPE_LEN + 1];
	uint8_t bodybuf[4096];
	uint32_t idx[4];
	struct slice types[4];
	struct hdl_res_req q;
	struct wbuf w;
	struct rbuf r;
	size_t len;

	(void)state;
	/* type count 2 with one type present */
	wbuf_init(&w, bodybuf, sizeof(bodybuf));
	wbuf_slice_str(&w, SLICE_LIT(HANDLE));
	wbuf_u32(&w, 0);
	wbuf_u32(&w, 2);
	wbuf_slice_str(&w, SLICE_LIT("URL"));
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_res_req_parse(&r, &q, idx, 4, types, 4), IDR_EPROTO);
	/* type count one past the cap */
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_res_req_parse(&r, &q, idx, 4, types, 1), IDR_ELIMIT);
	/* a type string of the limit and one past it */
	memset(type, 'T', sizeof(type));
	for (len = HDL_MAX_TYPE_LEN; len <= HDL_MAX_TYPE_LEN + 1; len++) {
		wbuf_init(&w, bodybuf, sizeof(bodybuf));
		wbuf_slice_str(&w, SLICE_LIT(HANDLE));
		wbuf_u32(&w, 0);
		wbuf_u32(&w, 1);
		wbuf_str(&w, type, len);
		rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
		assert_int_equal(hdl_res_req_parse(&r, &q, idx, 4, types, 4),
		                 len == HDL_MAX_TYPE_LEN ? IDR_OK : IDR_ELIMIT);
	}
	/* a type string length one past the bytes left */
	wbuf_init(&w, bodybuf, sizeof(bodybuf));
	wbuf_slice_str(&w, SLICE_LIT(HANDLE));
	wbuf_u32(&w, 0);
	wbuf_u32(&w, 1);
	wbuf_u32(&w, 4);
	wbuf_bytes(&w, "URL", 3);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_res_req_parse(&r, &q, idx, 4, types, 4), IDR_EPROTO);
	/* trailing bytes after the type list */
	wbuf_init(&w, bodybuf, sizeof(bodybuf));
	wbuf_slice_str(&w, SLICE_LIT(HANDLE));
	wbuf_u32(&w, 0);
	wbuf_u32(&w, 0);
	wbuf_u8(&w, 0);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_res_req_parse(&r, &q, idx, 4, types, 4), IDR_EPROTO);
}

static void
test_hdl_limit_values(void **state)
{
	uint8_t bodybuf[512];
	struct value vals[4];
	struct hdl_values_req q;
	struct hdl_remove_req rq;
	uint32_t idx[2];
	struct wbuf w;
	struct rbuf r;

	(void)state;
	/* value count 2049: over the protocol limit whatever the cap */
	wbuf_init(&w, bodybuf, sizeof(bodybuf));
	wbuf_slice_str(&w, SLICE_LIT(HANDLE));
	wbuf_u32(&w, HDL_MAX_VALUES + 1);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_values_req_parse(&r, &q, vals, SIZE_MAX), IDR_ELIMIT);
	/* value count 2048: allowed by the limit, but beyond the bytes left */
	wbuf_init(&w, bodybuf, sizeof(bodybuf));
	wbuf_slice_str(&w, SLICE_LIT(HANDLE));
	wbuf_u32(&w, HDL_MAX_VALUES);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_values_req_parse(&r, &q, vals, SIZE_MAX), IDR_EPROTO);
	/* one value, cap 0 */
	wbuf_init(&w, bodybuf, sizeof(bodybuf));
	wbuf_slice_str(&w, SLICE_LIT(HANDLE));
	wbuf_u32(&w, 1);
	{
		uint8_t clump[128];
		size_t n = unhex(VAL_URL, clump, sizeof(clump));

		wbuf_bytes(&w, clump, n);
		rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
		assert_int_equal(hdl_values_req_parse(&r, &q, vals, 0), IDR_ELIMIT);
		rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
		assert_int_equal(hdl_values_req_parse(&r, &q, vals, 1), IDR_OK);
		assert_int_equal(q.nvalues, 1);
		assert_true(slice_eq(q.clumps, slice_make(clump, n)));
	}
	/* REMOVE_VALUE: index count one past the cap, and beyond the bytes left */
	wbuf_init(&w, bodybuf, sizeof(bodybuf));
	wbuf_slice_str(&w, SLICE_LIT(HANDLE));
	wbuf_u32(&w, 3);
	wbuf_u32(&w, 1);
	wbuf_u32(&w, 2);
	wbuf_u32(&w, 3);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_remove_req_parse(&r, &rq, idx, 2), IDR_ELIMIT);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w) - 1);
	assert_int_equal(hdl_remove_req_parse(&r, &rq, idx, 4), IDR_EPROTO);
}

static void
test_hdl_limit_response_size(void **state)
{
	uint8_t req[512], clump[128];
	struct slice *many;
	struct hdl_msg m;
	struct wbuf w;
	uint8_t *text;
	size_t n, i;

	(void)state;
	parse_hex(V1_ENV V1_MSG, req, sizeof(req), &m);
	wbuf_init_heap(&w, (size_t)4 * BUF_MAX);
	n = unhex(VAL_URL, clump, sizeof(clump));
	many = calloc(HDL_MAX_VALUES + 1, sizeof(*many));
	assert_non_null(many);
	for (i = 0; i <= HDL_MAX_VALUES; i++) {
		many[i] = slice_make(clump, n);
	}
	assert_int_equal(
	        hdl_resp_resolution(&w, &m, SLICE_LIT(HANDLE), many, HDL_MAX_VALUES, &resp_opts),
	        IDR_OK);
	wbuf_reset(&w);
	assert_int_equal(hdl_resp_resolution(&w, &m, SLICE_LIT(HANDLE), many, HDL_MAX_VALUES + 1,
	                                     &resp_opts),
	                 IDR_ELIMIT);
	free(many);
	/* an error message that makes MessageLength exactly the limit, and one byte more */
	text = calloc(1, HDL_MAX_MESSAGE_LEN);
	assert_non_null(text);
	n = HDL_MAX_MESSAGE_LEN - HDL_HEADER_LEN - 4 - 4;
	wbuf_reset(&w);
	assert_int_equal(hdl_resp_error(&w, &m, HDL_RC_ERROR, slice_make(text, n), &resp_opts),
	                 IDR_OK);
	assert_int_equal(wbuf_len(&w), HDL_MAX_UNIT_LEN);
	wbuf_reset(&w);
	assert_int_equal(hdl_resp_error(&w, &m, HDL_RC_ERROR, slice_make(text, n + 1), &resp_opts),
	                 IDR_ELIMIT);
	free(text);
	/* a fixed buffer that is too small */
	{
		uint8_t small[40];
		struct wbuf sw;

		wbuf_init(&sw, small, sizeof(small));
		assert_int_equal(hdl_resp_generic(&sw, &m, &resp_opts), IDR_ETOOBIG);
	}
	wbuf_deinit(&w);
}

/* ---- versions, digests, flags ---- */

static void
test_hdl_negotiation(void **state)
{
	static const struct {
		uint8_t v[2], s[2], want[2];
	} t[] = {
	        {{2, 1}, {0, 0}, {2, 1}},   {{2, 1}, {0, 9}, {2, 1}},    {{2, 3}, {2, 11}, {2, 11}},
	        {{2, 3}, {2, 99}, {2, 11}}, {{2, 10}, {2, 11}, {2, 11}}, {{2, 1}, {2, 1}, {2, 1}},
	        {{2, 5}, {2, 6}, {2, 6}},   {{2, 11}, {3, 0}, {2, 11}},  {{2, 11}, {2, 3}, {2, 3}},
	        {{2, 0}, {0, 0}, {2, 0}},   {{2, 20}, {0, 0}, {2, 11}},  {{2, 5}, {1, 9}, {2, 5}},
	};
	struct hdl_envelope e;
	struct hdl_version v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.ver.major = t[i].v[0];
		e.ver.minor = t[i].v[1];
		e.sugg.major = t[i].s[0];
		e.sugg.minor = t[i].s[1];
		v = hdl_version_negotiate(&e);
		assert_int_equal(v.major, t[i].want[0]);
		assert_int_equal(v.minor, t[i].want[1]);
	}
	{
		struct hdl_version a = {2, 10}, b = {2, 9}, c = {3, 0};

		assert_true(hdl_version_cmp(a, b) > 0);
		assert_true(hdl_version_cmp(b, a) < 0);
		assert_true(hdl_version_cmp(a, a) == 0);
		assert_true(hdl_version_cmp(c, a) > 0);
		assert_true(hdl_version_ge(a, 2, 7));
		assert_false(hdl_version_ge(b, 2, 10));
	}
}

static void
test_hdl_envelope_byte2(void **state)
{
	uint8_t buf[20];
	struct hdl_envelope e;
	struct rbuf r;
	struct wbuf w;

	(void)state;
	unhex("020a3f0b00000001000000020000000300000040", buf, sizeof(buf));
	rbuf_init(&r, buf, sizeof(buf));
	assert_int_equal(hdl_envelope_parse(&r, &e), IDR_OK);
	assert_int_equal(e.flags, HDL_ENV_TC); /* 0x3f: TC, reserved 0x1c ignored, sugg 3 */
	assert_int_equal(e.sugg.major, 3);
	assert_int_equal(e.sugg.minor, 11);
	assert_int_equal(e.session_id, 1);
	assert_int_equal(e.request_id, 2);
	assert_int_equal(e.seq, 3);
	assert_int_equal(e.msg_len, 0x40);
	wbuf_init(&w, buf, sizeof(buf));
	hdl_envelope_encode(&w, &e);
	assert_wbuf_hex(&w, "020a230b00000001000000020000000300000040");
	/* CP, EC and foreign majors are refused */
	e.flags = HDL_ENV_EC;
	assert_int_equal(hdl_envelope_check(&e, 0), IDR_EPROTO);
	e.flags = HDL_ENV_CP;
	assert_int_equal(hdl_envelope_check(&e, 0), IDR_EPROTO);
	e.flags = HDL_ENV_TC;
	assert_int_equal(hdl_envelope_check(&e, 0), IDR_OK);
	e.ver.major = 1;
	assert_int_equal(hdl_envelope_check(&e, 0), IDR_EPROTO);
}

/* Build a RESOLUTION request with RD at the given version and check the response digest. */
static void
check_rd_version(uint8_t minor, uint8_t want_type, size_t want_len, enum crypto_alg alg)
{
	uint8_t reqbuf[256], expect[32];
	struct hdl_req_opts o;
	struct hdl_digest d;
	struct hdl_msg q, m;
	struct rbuf r, rest;
	struct wbuf qw, w;
	bool has_rd;

	opts_v(&o, 2, minor, 0, 0, 42, HDL_FLAG_RD);
	wbuf_init(&qw, reqbuf, sizeof(reqbuf));
	assert_int_equal(hdl_req_resolution_encode(&qw, &o, SLICE_LIT(HANDLE), NULL, 0, NULL, 0),
	                 IDR_OK);
	rbuf_init(&r, reqbuf, wbuf_len(&qw));
	assert_int_equal(hdl_msg_parse(&r, &q), IDR_OK);
	wbuf_init_heap(&w, BUF_MAX);
	assert_int_equal(hdl_resp_generic(&w, &q, &resp_opts), IDR_OK);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	assert_int_equal(m.env.ver.minor, minor);
	assert_true((m.hdr.flags & HDL_FLAG_RD) != 0);
	assert_int_equal(hdl_rd_type(m.env.ver), want_type);
	assert_int_equal(crypto_hash(alg, q.raw.p, q.raw.len, expect), IDR_OK);
	if (want_type == HDL_RD_LEGACY) {
		/* UTF8-String: int4 16 + MD5, no type byte */
		assert_int_equal(m.body.len, 4 + 16);
		assert_memory_equal(m.body.p, "\0\0\0\x10", 4);
		assert_memory_equal(m.body.p + 4, expect, 16);
	} else {
		assert_int_equal(m.body.len, 1 + want_len);
		assert_int_equal(m.body.p[0], want_type);
		assert_memory_equal(m.body.p + 1, expect, want_len);
	}
	assert_int_equal(hdl_resp_open(&m, &d, &has_rd, &rest), IDR_OK);
	assert_true(has_rd);
	assert_int_equal(d.type, want_type);
	assert_int_equal(d.len, want_len);
	assert_int_equal(hdl_rd_verify(&d, q.raw), IDR_OK);
	assert_int_equal(rbuf_left(&rest), 0);
	wbuf_deinit(&w);
}

static void
test_hdl_rd_by_version(void **state)
{
	(void)state;
	check_rd_version(0, HDL_RD_LEGACY, 16, CRYPTO_MD5);
	check_rd_version(1, HDL_RD_SHA1, 20, CRYPTO_SHA1);
	check_rd_version(6, HDL_RD_SHA1, 20, CRYPTO_SHA1);
	check_rd_version(7, HDL_RD_SHA256, 32, CRYPTO_SHA256);
	check_rd_version(11, HDL_RD_SHA256, 32, CRYPTO_SHA256);
}

static void
test_hdl_rd_parse_rejects(void **state)
{
	struct hdl_digest d;
	struct rbuf r;

	(void)state;
	/* unknown type */
	rbuf_init(&r, "\x04", 1);
	assert_int_equal(hdl_rd_parse(&r, &d), IDR_EPROTO);
	/* SHA-1 digest one byte short */
	rbuf_init(&r,
	          "\x02"
	          "0123456789012345678",
	          20);
	assert_int_equal(hdl_rd_parse(&r, &d), IDR_EPROTO);
	/* legacy with a length other than 16 */
	rbuf_init(&r,
	          "\0\0\0\x11"
	          "01234567890123456",
	          21);
	assert_int_equal(hdl_rd_parse(&r, &d), IDR_EPROTO);
	rbuf_init(&r,
	          "\0\0\0\x10"
	          "0123456789012345",
	          20);
	assert_int_equal(hdl_rd_parse(&r, &d), IDR_OK);
	assert_int_equal(d.type, HDL_RD_LEGACY);
	assert_int_equal(rbuf_left(&r), 0);
	/* MD5 (type 1) */
	rbuf_init(&r,
	          "\x01"
	          "0123456789012345",
	          17);
	assert_int_equal(hdl_rd_parse(&r, &d), IDR_OK);
	assert_int_equal(d.len, 16);
}

static void
test_hdl_response_flags_and_codes(void **state)
{
	uint8_t reqbuf[256];
	struct hdl_req_opts o;
	struct hdl_resp_opts ro = {1, 7, HDL_FLAG_KC};
	struct hdl_msg q, m;
	struct rbuf r;
	struct wbuf qw, w;

	(void)state;
	opts_v(&o, 2, 4, 2, 4, 5, 0xfff00003u & ~HDL_FLAG_REC & ~HDL_FLAG_RD);
	o.session_id = 77;
	o.recursion = 3;
	wbuf_init(&qw, reqbuf, sizeof(reqbuf));
	assert_int_equal(hdl_req_handle_encode(&qw, &o, HDL_OC_DELETE_HANDLE, SLICE_LIT(HANDLE)),
	                 IDR_OK);
	rbuf_init(&r, reqbuf, wbuf_len(&qw));
	assert_int_equal(hdl_msg_parse(&r, &q), IDR_OK);
	wbuf_init_heap(&w, BUF_MAX);
	/* 2.4 < 2.5: INVALID_VALUE goes out as VALUE_ALREADY_EXISTS */
	assert_int_equal(hdl_resp_error(&w, &q, HDL_RC_INVALID_VALUE, SLICE_LIT("bad"), &ro),
	                 IDR_OK);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	assert_int_equal(m.hdr.rc, HDL_RC_VALUE_ALREADY_EXISTS);
	assert_int_equal(m.hdr.flags, HDL_FLAG_AT | HDL_FLAG_CT | HDL_FLAG_ENC | HDL_FLAG_REC |
	                                      HDL_FLAG_CA | HDL_FLAG_PO | HDL_FLAG_DNRF |
	                                      HDL_FLAG_KC);
	assert_int_equal(m.hdr.opcode, HDL_OC_DELETE_HANDLE);
	assert_int_equal(m.hdr.recursion, 3);
	assert_int_equal(m.hdr.site_serial, 7);
	assert_int_equal(m.hdr.expiration, 1);
	assert_int_equal(m.env.session_id, 77);
	assert_int_equal(m.env.request_id, 5);
	assert_int_equal(m.env.sugg.major, 2);
	assert_int_equal(m.env.sugg.minor, 11);
	wbuf_reset(&w);
	assert_int_equal(hdl_resp_error(&w, &q, HDL_RC_SERVER_BACKUP, SLICE_LIT(""), &ro), IDR_OK);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	assert_int_equal(m.hdr.rc, HDL_RC_PREFIX_REFERRAL);
	/* codes that are not errors */
	wbuf_reset(&w);
	assert_int_equal(hdl_resp_error(&w, &q, HDL_RC_SUCCESS, SLICE_LIT(""), &ro), IDR_EINVAL);
	assert_int_equal(hdl_resp_error(&w, &q, 999, SLICE_LIT(""), &ro), IDR_EINVAL);
	assert_int_equal(hdl_resp_error(&w, &q, HDL_RC_SERVICE_REFERRAL, SLICE_LIT(""), &ro),
	                 IDR_EINVAL);
	wbuf_deinit(&w);
}

static void
test_hdl_challenge_carries_digest(void **state)
{
	uint8_t reqbuf[512];
	struct hdl_build b;
	struct hdl_msg q, m;
	struct rbuf r;
	struct wbuf w;

	(void)state;
	parse_hex(V1_ENV V1_MSG, reqbuf, sizeof(reqbuf), &q); /* RD not requested */
	wbuf_init_heap(&w, BUF_MAX);
	assert_int_equal(hdl_resp_begin(&b, &w, &q, HDL_RC_AUTHENTICATION_NEEDED, &resp_opts),
	                 IDR_OK);
	wbuf_slice_str(&w, SLICE_LIT("0123456789abcdef"));
	assert_int_equal(hdl_build_end(&b), IDR_OK);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	assert_true((m.hdr.flags & HDL_FLAG_RD) != 0);
	assert_int_equal(m.body.p[0], HDL_RD_SHA1); /* response version 2.1 */
	assert_int_equal(m.body.len, 1 + 20 + 4 + 16);
	wbuf_deinit(&w);
}

/* ---- other bodies ---- */

static void
test_hdl_values_roundtrip(void **state)
{
	uint8_t clumps[256], reqbuf[512];
	struct value vals[2], got[4];
	struct hdl_values_req vq;
	struct hdl_remove_req rq;
	struct hdl_req_opts o;
	struct hdl_msg m;
	struct rbuf r, body;
	struct wbuf w;
	uint32_t idx[4];
	static const uint32_t rm[] = {1, 100, 7};
	size_t n;

	(void)state;
	n = unhex(VAL_URL VAL_ADMIN, clumps, sizeof(clumps));
	rbuf_init(&r, clumps, n);
	assert_int_equal(value_decode(&r, &vals[0]), IDR_OK);
	assert_int_equal(value_decode(&r, &vals[1]), IDR_OK);
	hdl_req_opts_init(&o, 11, EXPIRATION);
	wbuf_init(&w, reqbuf, sizeof(reqbuf));
	assert_int_equal(
	        hdl_req_values_encode(&w, &o, HDL_OC_CREATE_HANDLE, SLICE_LIT(HANDLE), vals, 2),
	        IDR_OK);
	rbuf_init(&r, reqbuf, wbuf_len(&w));
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	assert_int_equal(hdl_req_body_kind(m.hdr.opcode), HDL_BODY_VALUES);
	rbuf_init(&body, m.body.p, m.body.len);
	assert_int_equal(hdl_values_req_parse(&body, &vq, got, 4), IDR_OK);
	assert_true(slice_eq(vq.handle, SLICE_LIT(HANDLE)));
	assert_int_equal(vq.nvalues, 2);
	assert_int_equal(got[1].index, 100);
	assert_true(slice_eq(vq.clumps, slice_make(clumps, n)));

	wbuf_reset(&w);
	assert_int_equal(hdl_req_remove_encode(&w, &o, SLICE_LIT(HANDLE), rm, 3), IDR_OK);
	rbuf_init(&r, reqbuf, wbuf_len(&w));
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	assert_int_equal(hdl_req_body_kind(m.hdr.opcode), HDL_BODY_INDEXES);
	rbuf_init(&body, m.body.p, m.body.len);
	assert_int_equal(hdl_remove_req_parse(&body, &rq, idx, 4), IDR_OK);
	assert_int_equal(rq.nindexes, 3);
	assert_int_equal(rq.indexes[2], 7);
}

static void
test_hdl_referral(void **state)
{
	uint8_t req[512], clump[128];
	struct hdl_value_list l;
	struct hdl_digest d;
	struct hdl_msg q, m;
	struct slice one;
	struct rbuf r, rest;
	struct wbuf w;
	bool has_rd;

	(void)state;
	one = slice_make(clump, unhex(VAL_URL, clump, sizeof(clump)));
	parse_hex(V2_ENV V2_MSG, req, sizeof(req), &q);
	wbuf_init_heap(&w, BUF_MAX);
	/* 303 as Handle.Net sends it: empty handle, no value list */
	assert_int_equal(hdl_resp_referral(&w, &q, HDL_RC_PREFIX_REFERRAL, slice_make(NULL, 0),
	                                   NULL, 0, &resp_opts),
	                 IDR_OK);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	assert_int_equal(hdl_resp_open(&m, &d, &has_rd, &rest), IDR_OK);
	assert_true(has_rd);
	assert_int_equal(hdl_referral_resp_parse(&rest, &l), IDR_OK);
	assert_false(l.present);
	assert_int_equal(l.handle.len, 0);
	/* 302 with one value */
	wbuf_reset(&w);
	assert_int_equal(hdl_resp_referral(&w, &q, HDL_RC_SERVICE_REFERRAL, SLICE_LIT("0.NA/88"),
	                                   &one, 1, &resp_opts),
	                 IDR_OK);
	rbuf_init(&r, wbuf_data(&w), wbuf_len(&w));
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	assert_int_equal(m.hdr.rc, HDL_RC_SERVICE_REFERRAL);
	assert_int_equal(hdl_resp_open(&m, &d, &has_rd, &rest), IDR_OK);
	assert_int_equal(hdl_referral_resp_parse(&rest, &l), IDR_OK);
	assert_true(l.present);
	assert_int_equal(l.count, 1);
	assert_true(slice_eq(l.clumps, one));
	assert_int_equal(
	        hdl_resp_referral(&w, &q, HDL_RC_HANDLE_NOT_FOUND, one, NULL, 0, &resp_opts),
	        IDR_EINVAL);
	wbuf_deinit(&w);
}

static void
test_hdl_error_body_versions(void **state)
{
	struct hdl_version v20 = {2, 0}, v21 = {2, 1};
	struct slice msg;
	struct rbuf r;

	(void)state;
	rbuf_init(&r, NULL, 0);
	assert_int_equal(hdl_error_resp_parse(&r, v20, &msg), IDR_OK);
	assert_int_equal(msg.len, 0);
	rbuf_init(&r, NULL, 0);
	assert_int_equal(hdl_error_resp_parse(&r, v21, &msg), IDR_EPROTO);
	rbuf_init(&r, "\0\0\0\x02hi", 6);
	assert_int_equal(hdl_error_resp_parse(&r, v21, &msg), IDR_OK);
	assert_true(slice_eq(msg, SLICE_LIT("hi")));
	rbuf_init(&r, "\0\0\0\x02hi!", 7);
	assert_int_equal(hdl_error_resp_parse(&r, v21, &msg), IDR_EPROTO);
	/* a request is not a response */
	{
		uint8_t buf[256];
		struct hdl_digest d;
		struct hdl_msg m;
		bool has_rd;

		parse_hex(V1_ENV V1_MSG, buf, sizeof(buf), &m);
		assert_int_equal(hdl_resp_open(&m, &d, &has_rd, &r), IDR_EINVAL);
	}
}

static void
test_hdl_credential(void **state)
{
	uint8_t buf[256];
	struct hdl_cred c;
	struct wbuf w;
	size_t n, k;

	(void)state;
	wbuf_init(&w, buf, sizeof(buf));
	wbuf_u8(&w, 0);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, 0);
	wbuf_str(&w, "", 0);
	wbuf_u32(&w, 5);
	wbuf_str(&w, "HS_MAC", 6);
	wbuf_u32(&w, 4 + 11 + 4 + 3);
	wbuf_str(&w, "HMAC-SHA256", 11);
	wbuf_str(&w, "sig", 3);
	n = wbuf_len(&w);
	assert_int_equal(hdl_cred_parse(slice_make(buf, n), &c), IDR_OK);
	assert_int_equal(c.signer_index, 5);
	assert_true(slice_eq(c.type, SLICE_LIT("HS_MAC")));
	assert_true(slice_eq(c.digest_alg, SLICE_LIT("HMAC-SHA256")));
	assert_true(slice_eq(c.signature, SLICE_LIT("sig")));
	for (k = 0; k < n; k++) {
		assert_int_equal(hdl_cred_parse(slice_make(buf, k), &c), IDR_EPROTO);
	}
	wbuf_u8(&w, 0);
	assert_int_equal(hdl_cred_parse(slice_make(buf, n + 1), &c), IDR_EPROTO);
}

/* ---- stream framing ---- */

static void
test_hdl_stream_units(void **state)
{
	uint8_t buf[512];
	struct hdl_msg m;
	struct rbuf r;
	size_t n;

	(void)state;
	n = unhex(V1_ENV V1_MSG GS_ENV GS_MSG, buf, sizeof(buf));
	rbuf_init(&r, buf, n);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	assert_int_equal(m.hdr.opcode, HDL_OC_RESOLUTION);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	assert_int_equal(m.hdr.opcode, HDL_OC_GET_SITEINFO);
	assert_int_equal(rbuf_left(&r), 0);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_EAGAIN);
	/* EC set: refused once the envelope is in */
	buf[2] |= HDL_ENV_EC;
	rbuf_init(&r, buf, 20);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_EPROTO);
}

/* ---- UDP ---- */

static void
test_hdl_udp_triage(void **state)
{
	uint8_t buf[512];
	struct hdl_envelope e;
	size_t n;

	(void)state;
	n = unhex(V1_ENV V1_MSG, buf, sizeof(buf));
	assert_int_equal(hdl_udp_triage(buf, n, 0, &e), HDL_UDP_WHOLE);
	assert_int_equal(e.request_id, 0x01020304);
	assert_int_equal(hdl_udp_triage(buf, 19, 0, &e), HDL_UDP_DROP_SHORT);
	assert_int_equal(hdl_udp_triage(buf, n, 0x33, &e), HDL_UDP_DROP_LENGTH);
	assert_int_equal(hdl_udp_triage(buf, n, 0x34, &e), HDL_UDP_WHOLE);
	/* payload shorter than MessageLength without TC */
	assert_int_equal(hdl_udp_triage(buf, n - 1, 0, &e), HDL_UDP_DROP_FRAGMENT);
	/* payload longer than MessageLength */
	assert_int_equal(hdl_udp_triage(buf, n + 1, 0, &e), HDL_UDP_DROP_FRAGMENT);
	/* TC with a sequence number beyond the single fragment */
	buf[2] |= HDL_ENV_TC;
	buf[15] = 1;
	assert_int_equal(hdl_udp_triage(buf, n, 0, &e), HDL_UDP_DROP_FRAGMENT);
	buf[15] = 0;
	assert_int_equal(hdl_udp_triage(buf, n, 0, &e), HDL_UDP_WHOLE);
	buf[2] = 0x02 | HDL_ENV_CP;
	assert_int_equal(hdl_udp_triage(buf, n, 0, &e), HDL_UDP_DROP_FLAGS);
	buf[2] = 0x02 | HDL_ENV_EC;
	assert_int_equal(hdl_udp_triage(buf, n, 0, &e), HDL_UDP_DROP_FLAGS);
	buf[2] = 0x02;
	buf[0] = 3;
	assert_int_equal(hdl_udp_triage(buf, n, 0, &e), HDL_UDP_DROP_VERSION);
	buf[0] = 2;
	/* a response arriving at the server */
	buf[20 + 7] = 1;
	assert_int_equal(hdl_udp_triage(buf, n, 0, &e), HDL_UDP_DROP_RESPONSE);
	buf[20 + 7] = 0;
	/* MessageLength under a header */
	buf[19] = 10;
	assert_int_equal(hdl_udp_triage(buf, 30, 0, &e), HDL_UDP_DROP_LENGTH);
	assert_string_equal(hdl_udp_verdict_name(HDL_UDP_DROP_RESPONSE), "drop-response");
	assert_string_equal(hdl_udp_verdict_name(HDL_UDP_WHOLE), "whole");
}

/* A RESOLUTION request whose message is exactly 1500 bytes. */
static size_t
make_1500(struct wbuf *w, uint8_t *handle, size_t hlen)
{
	const struct slice prefix = SLICE_LIT("88.100.1/");
	struct hdl_req_opts o;

	hdl_req_opts_init(&o, 0x0a0b0c0d, EXPIRATION);
	memset(handle, 'x', hlen);
	memcpy(handle, prefix.p, prefix.len);
	assert_int_equal(
	        hdl_req_resolution_encode(w, &o, slice_make(handle, hlen), NULL, 0, NULL, 0),
	        IDR_OK);
	return wbuf_len(w);
}

static void
test_hdl_udp_fragment_reassemble(void **state)
{
	static const size_t order[] = {2, 0, 2, 3, 1, 0, 3};
	static const int want[] = {1, 1, 0, 1, 1, 0, 0};
	uint8_t handle[1460], unit[2048], dg[4][HDL_UDP_PACKET_MAX];
	size_t dlen[4], n, i;
	struct hdl_reasm *ra;
	struct hdl_envelope e;
	struct hdl_res_req q;
	struct hdl_msg m;
	struct rbuf body;
	struct wbuf w;

	(void)state;
	wbuf_init(&w, unit, sizeof(unit));
	n = make_1500(&w, handle, sizeof(handle));
	assert_int_equal(n, 20 + 1500);
	assert_int_equal(hdl_udp_fragment_count(slice_make(unit, n)), 4);
	for (i = 0; i < 4; i++) {
		struct wbuf dw;

		wbuf_init(&dw, dg[i], sizeof(dg[i]));
		assert_int_equal(hdl_udp_fragment(slice_make(unit, n), i, &dw), IDR_OK);
		dlen[i] = wbuf_len(&dw);
		assert_int_equal(dlen[i], i < 3 ? 512 : 20 + 1500 - 3 * 492);
		assert_int_equal(hdl_udp_triage(dg[i], dlen[i], 0, &e), HDL_UDP_FRAGMENT);
		assert_int_equal(e.seq, i);
		assert_int_equal(e.msg_len, 1500);
		assert_true((e.flags & HDL_ENV_TC) != 0);
		assert_int_equal(e.request_id, 0x0a0b0c0d);
		assert_memory_equal(dg[i] + 20, unit + 20 + i * 492, dlen[i] - 20);
	}
	{
		struct wbuf dw;

		wbuf_init(&dw, dg[0], sizeof(dg[0]));
		assert_int_equal(hdl_udp_fragment(slice_make(unit, n), 4, &dw), IDR_EINVAL);
		assert_int_equal(hdl_udp_fragment(slice_make(unit, n - 1), 0, &dw), IDR_EPROTO);
	}
	assert_int_equal(hdl_udp_triage(dg[3], dlen[3], 0, &e), HDL_UDP_FRAGMENT);
	assert_int_equal(hdl_reasm_new(&ra, &e, 0), IDR_OK);
	assert_true(hdl_reasm_size(ra) >= 1500);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		assert_false(hdl_reasm_done(ra) && i < 4);
		assert_int_equal(hdl_reasm_parse(ra, &m), hdl_reasm_done(ra) ? IDR_OK : IDR_EAGAIN);
		assert_int_equal(hdl_reasm_feed(ra, dg[order[i]], dlen[order[i]]), want[i]);
	}
	assert_true(hdl_reasm_done(ra));
	assert_int_equal(hdl_reasm_envelope(ra)->seq, 0);
	assert_int_equal(hdl_reasm_parse(ra, &m), IDR_OK);
	assert_int_equal(m.env.request_id, 0x0a0b0c0d);
	assert_memory_equal(m.raw.p, unit + 20, m.raw.len);
	rbuf_init(&body, m.body.p, m.body.len);
	assert_int_equal(hdl_res_req_parse(&body, &q, NULL, 0, NULL, 0), IDR_OK);
	assert_true(slice_eq(q.handle, slice_make(handle, sizeof(handle))));
	hdl_reasm_free(ra);
	hdl_reasm_free(NULL);
}

static void
test_hdl_udp_single_datagram(void **state)
{
	uint8_t unit[256], dg[HDL_UDP_PACKET_MAX];
	struct hdl_envelope e;
	struct wbuf dw;
	size_t n;

	(void)state;
	n = unhex(V2_ENV V2_MSG, unit, sizeof(unit));
	assert_int_equal(hdl_udp_fragment_count(slice_make(unit, n)), 1);
	wbuf_init(&dw, dg, sizeof(dg));
	assert_int_equal(hdl_udp_fragment(slice_make(unit, n), 0, &dw), IDR_OK);
	assert_int_equal(wbuf_len(&dw), n);
	assert_memory_equal(dg, unit, n); /* TC stays clear */
	assert_int_equal(hdl_udp_triage(dg, n, 0, &e), HDL_UDP_WHOLE);
	/* not a unit: no envelope, or fewer bytes than MessageLength */
	assert_int_equal(hdl_udp_fragment_count(slice_make(unit, 0)), IDR_EPROTO);
	assert_int_equal(hdl_udp_fragment_count(slice_make(unit, n - 1)), IDR_EPROTO);
}

static void
test_hdl_reasm_rejects(void **state)
{
	uint8_t handle[1460], unit[2048], other[2048], dg[HDL_UDP_PACKET_MAX];
	uint8_t odg[HDL_UDP_PACKET_MAX];
	struct hdl_reasm *ra;
	struct hdl_envelope e;
	struct wbuf w, dw;
	size_t n, on;

	(void)state;
	wbuf_init(&w, unit, sizeof(unit));
	n = make_1500(&w, handle, sizeof(handle));
	wbuf_init(&dw, dg, sizeof(dg));
	assert_int_equal(hdl_udp_fragment(slice_make(unit, n), 1, &dw), IDR_OK);
	assert_int_equal(hdl_udp_triage(dg, 512, 0, &e), HDL_UDP_FRAGMENT);
	/* the caller's cap */
	assert_int_equal(hdl_reasm_new(&ra, &e, 1499), IDR_ELIMIT);
	assert_null(ra);
	assert_int_equal(hdl_udp_triage(dg, 512, 1499, &e), HDL_UDP_DROP_LENGTH);
	assert_int_equal(hdl_reasm_new(&ra, &e, 1500), IDR_OK);
	/* a fragment of a message with another MessageLength (one handle byte shorter) */
	wbuf_init(&w, other, sizeof(other));
	{
		struct hdl_req_opts o;

		hdl_req_opts_init(&o, 0x0a0b0c0d, EXPIRATION);
		assert_int_equal(hdl_req_resolution_encode(&w, &o, slice_make(handle, 1459), NULL,
		                                           0, NULL, 0),
		                 IDR_OK);
		on = wbuf_len(&w);
	}
	wbuf_init(&dw, odg, sizeof(odg));
	assert_int_equal(hdl_udp_fragment(slice_make(other, on), 1, &dw), IDR_OK);
	assert_int_equal(hdl_reasm_feed(ra, odg, 512), IDR_EPROTO);
	/* another request id */
	memcpy(odg, dg, 512);
	odg[11] ^= 1;
	assert_int_equal(hdl_reasm_feed(ra, odg, 512), IDR_EPROTO);
	/* sequence number out of range */
	memcpy(odg, dg, 512);
	odg[15] = 4;
	assert_int_equal(hdl_reasm_feed(ra, odg, 512), IDR_EPROTO);
	/* wrong payload size for its position */
	assert_int_equal(hdl_reasm_feed(ra, dg, 511), IDR_EPROTO);
	assert_int_equal(hdl_reasm_feed(ra, dg, 10), IDR_EPROTO);
	/* another version */
	memcpy(odg, dg, 512);
	odg[1] = 5;
	assert_int_equal(hdl_reasm_feed(ra, odg, 512), IDR_EPROTO);
	/* nothing was stored by the rejects: the genuine fragment is still new */
	assert_int_equal(hdl_reasm_feed(ra, dg, 512), 1);
	assert_false(hdl_reasm_done(ra));
	hdl_reasm_free(ra);
	/* a message over the protocol maximum */
	e.msg_len = HDL_MAX_MESSAGE_LEN + 1;
	assert_int_equal(hdl_reasm_new(&ra, &e, 0), IDR_ELIMIT);
}

/* ---- server hash ---- */

static void
test_hdl_server_hash_vectors(void **state)
{
	static const struct {
		const char *handle;
		uint32_t by[3];
		int mod3;
	} t[] = {
	        {"88.100.1/abc", {626612451u, 891676978u, 1235060187u}, 0},
	        {"0.NA/88.100.1", {36223079u, 626612451u, 252776214u}, 0},
	        {"10.1000/1", {2091615925u, 1869972635u, 1515935840u}, 2},
	        {"20.500.12345/XYZ", {1502227973u, 1906389438u, 1146214018u}, 1},
	};
	uint32_t h;
	size_t i;
	unsigned opt;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct slice s = slice_cstr(t[i].handle);

		for (opt = 0; opt < 3; opt++) {
			assert_int_equal(hdl_handle_hash(s, opt, &h), IDR_OK);
			assert_int_equal(h, t[i].by[opt]);
		}
		assert_int_equal(hdl_server_hash(s, HDL_HASH_BY_HANDLE, 3), t[i].mod3);
	}
	/* case-insensitive */
	assert_int_equal(hdl_handle_hash(SLICE_LIT("88.100.1/ABC"), 2, &h), IDR_OK);
	assert_int_equal(h, 1235060187u);
	/* no slash: prefix "0.NA", suffix the whole handle */
	assert_int_equal(hdl_handle_hash(SLICE_LIT("abc"), HDL_HASH_BY_PREFIX, &h), IDR_OK);
	assert_int_equal(h, 36223079u);
	assert_int_equal(hdl_handle_hash(SLICE_LIT("abc"), HDL_HASH_BY_SUFFIX, &h), IDR_OK);
	assert_int_equal(h, 891676978u);
	assert_int_equal(hdl_handle_hash(SLICE_LIT("abc"), 3, &h), IDR_EINVAL);
	assert_int_equal(hdl_server_hash(SLICE_LIT("abc"), 2, 0), IDR_EINVAL);
	assert_int_equal(hdl_server_hash(SLICE_LIT("abc"), 2, 1), 0);
}

/* ---- names, kinds, builder misuse ---- */

static void
test_hdl_names_and_kinds(void **state)
{
	(void)state;
	assert_string_equal(hdl_rc_name(HDL_RC_HANDLE_NOT_FOUND), "HANDLE_NOT_FOUND");
	assert_null(hdl_rc_name(8));
	assert_null(hdl_rc_name(900));
	assert_true(hdl_rc_is_error(HDL_RC_VALUES_NOT_FOUND));
	assert_true(hdl_rc_is_error(HDL_RC_PREFIX_LIMIT));
	assert_false(hdl_rc_is_error(HDL_RC_SUCCESS));
	assert_false(hdl_rc_is_error(HDL_RC_AUTHENTICATION_NEEDED));
	assert_false(hdl_rc_is_error(HDL_RC_PREFIX_REFERRAL));
	assert_false(hdl_rc_is_error(12345));
	assert_string_equal(hdl_op_name(HDL_OC_LIST_HANDLES), "LIST_HANDLES");
	assert_null(hdl_op_name(3));
	assert_int_equal(hdl_req_body_kind(HDL_OC_RESOLUTION), HDL_BODY_RESOLUTION);
	assert_int_equal(hdl_req_body_kind(HDL_OC_LIST_HANDLES), HDL_BODY_HANDLE);
	assert_int_equal(hdl_req_body_kind(HDL_OC_MODIFY_VALUE), HDL_BODY_VALUES);
	assert_int_equal(hdl_req_body_kind(HDL_OC_SESSION_SETUP), HDL_BODY_OTHER);
	assert_int_equal(hdl_req_body_kind(HDL_OC_RESERVED), HDL_BODY_UNKNOWN);
	assert_int_equal(hdl_req_body_kind(77), HDL_BODY_UNKNOWN);
}

static void
test_hdl_builder_misuse(void **state)
{
	static uint8_t big[HDL_MAX_HANDLE_LEN + 1];
	uint8_t buf[256];
	struct hdl_req_opts o;
	struct hdl_build b;
	struct wbuf w;

	(void)state;
	hdl_req_opts_init(&o, 1, 0);
	wbuf_init(&w, buf, sizeof(buf));
	hdl_req_begin(&b, &w, &o, HDL_OC_RESOLUTION);
	hdl_build_clump(&b, SLICE_LIT("x"));
	assert_int_equal(hdl_build_end(&b), IDR_EINVAL);
	wbuf_reset(&w);
	hdl_req_begin(&b, &w, &o, HDL_OC_CREATE_HANDLE);
	hdl_build_values_begin(&b);
	hdl_build_values_begin(&b);
	assert_int_equal(hdl_build_end(&b), IDR_EINVAL);
	wbuf_reset(&w);
	assert_int_equal(
	        hdl_req_handle_encode(&w, &o, HDL_OC_DELETE_HANDLE, slice_make(big, sizeof(big))),
	        IDR_ELIMIT);
	wbuf_reset(&w);
	assert_int_equal(hdl_req_handle_encode(&w, &o, HDL_OC_DELETE_HANDLE,
	                                       slice_make(big, sizeof(big) - 1)),
	                 IDR_ETOOBIG);
	{
		struct slice t = slice_make(big, HDL_MAX_TYPE_LEN + 1);
		struct wbuf hw;

		wbuf_init_heap(&hw, BUF_MAX);
		assert_int_equal(
		        hdl_req_resolution_encode(&hw, &o, SLICE_LIT(HANDLE), NULL, 0, &t, 1),
		        IDR_ELIMIT);
		wbuf_deinit(&hw);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hdl_vector_requests_encode),
	        cmocka_unit_test(test_hdl_vector_requests_decode),
	        cmocka_unit_test(test_hdl_vector_responses_encode),
	        cmocka_unit_test(test_hdl_vector_responses_decode),
	        cmocka_unit_test(test_hdl_siteinfo_roundtrip),
	        cmocka_unit_test(test_hdl_truncation_requests),
	        cmocka_unit_test(test_hdl_truncation_responses),
	        cmocka_unit_test(test_hdl_limit_handle),
	        cmocka_unit_test(test_hdl_limit_message_length),
	        cmocka_unit_test(test_hdl_limit_body_length),
	        cmocka_unit_test(test_hdl_limit_credential),
	        cmocka_unit_test(test_hdl_limit_indexes),
	        cmocka_unit_test(test_hdl_limit_types),
	        cmocka_unit_test(test_hdl_limit_values),
	        cmocka_unit_test(test_hdl_limit_response_size),
	        cmocka_unit_test(test_hdl_negotiation),
	        cmocka_unit_test(test_hdl_envelope_byte2),
	        cmocka_unit_test(test_hdl_rd_by_version),
	        cmocka_unit_test(test_hdl_rd_parse_rejects),
	        cmocka_unit_test(test_hdl_response_flags_and_codes),
	        cmocka_unit_test(test_hdl_challenge_carries_digest),
	        cmocka_unit_test(test_hdl_values_roundtrip),
	        cmocka_unit_test(test_hdl_referral),
	        cmocka_unit_test(test_hdl_error_body_versions),
	        cmocka_unit_test(test_hdl_credential),
	        cmocka_unit_test(test_hdl_stream_units),
	        cmocka_unit_test(test_hdl_udp_triage),
	        cmocka_unit_test(test_hdl_udp_fragment_reassemble),
	        cmocka_unit_test(test_hdl_udp_single_datagram),
	        cmocka_unit_test(test_hdl_reasm_rejects),
	        cmocka_unit_test(test_hdl_server_hash_vectors),
	        cmocka_unit_test(test_hdl_names_and_kinds),
	        cmocka_unit_test(test_hdl_builder_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
