/*
 * test_hdl_auth.c - Handle codec for authentication and sessions: messages encoded by the
 * stock Handle.Net 9.2 library (decode, and re-encode byte for byte), the bytes Java signs and
 * MACs, every body parser over a table of valid bodies, truncations, trailing bytes and
 * lengths at and one past their limits, and encode -> decode round trips.
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
#include "hdl/hdl_auth.h"

#include "lib/hdl_body.h"

#define MSG_MAX 4096

static const struct hdl_resp_opts resp_opts = {0x5f5e1000u, 0xffff, 0};

/* ---- body parsers under test ---- */

enum which {
	P_ANSWER,
	P_PUBSIG,
	P_SECKEY,
	P_SECKEY_OLD,
	P_VERIFY_REQ,
	P_LOGIN,
	P_SETUP,
	P_SETUP_RESP,
	P_EXKEY,
	P_VERIFY_RESP,
	P_DH
};

static int
parse(int which, const uint8_t *p, size_t n)
{
	struct hdl_version v211 = {2, 11}, v20 = {2, 0};
	struct hdl_auth_answer a;
	struct hdl_auth_pubkey_sig ps;
	struct hdl_auth_seckey_sig ss;
	struct hdl_auth_verify_req vr;
	struct hdl_auth_login l;
	struct hdl_auth_session_setup s;
	struct slice d;
	uint16_t mode;
	uint32_t c;
	bool valid;
	struct rbuf r;

	rbuf_init(&r, p, n);
	switch (which) {
	case P_ANSWER:
		return hdl_auth_answer_parse(&r, &a);
	case P_PUBSIG:
		return hdl_auth_pubkey_sig_parse(slice_make(p, n), &ps);
	case P_SECKEY:
		return hdl_auth_seckey_sig_parse(slice_make(p, n), v211, &ss);
	case P_SECKEY_OLD:
		return hdl_auth_seckey_sig_parse(slice_make(p, n), v20, &ss);
	case P_VERIFY_REQ:
		return hdl_auth_verify_req_parse(&r, &vr);
	case P_LOGIN:
		return hdl_auth_login_parse(&r, &l);
	case P_SETUP:
		return hdl_auth_session_setup_parse(&r, &s);
	case P_SETUP_RESP:
		return hdl_auth_session_setup_resp_parse(&r, &mode, &d);
	case P_EXKEY:
		return hdl_auth_exchange_key_parse(&r, &d);
	case P_VERIFY_RESP:
		return hdl_auth_verify_resp_parse(&r, &valid);
	default:
		return hdl_auth_dh_data_parse(slice_make(p, n), &c, &d);
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
#define TYPE1 (HDL_MAX_TYPE_LEN + 1)

struct body_case {
	const char *name;
	int which;
	struct hb_field f[10];
	int want;
	bool cut;     /* run the truncation / trailing-byte sweep (valid bodies) */
	size_t ok[3]; /* prefixes that are themselves valid, SIZE_MAX-terminated */
};

#define NO_OK                                                                                      \
	{                                                                                          \
		SIZE_MAX, 0, 0                                                                     \
	}

static const struct body_case cases[] = {
        /* challenge answer */
        {"answer",
         P_ANSWER,
         {F(STR, 9), F(STR, 14), F(U32, 300), F(STR, 19), END},
         IDR_OK,
         true,
         NO_OK},
        {"answer type at limit",
         P_ANSWER,
         {F(STR, HDL_MAX_TYPE_LEN), F(STR, 1), F(U32, 0), F(STR, 0), END},
         IDR_OK,
         false,
         NO_OK},
        {"answer type +1",
         P_ANSWER,
         {F(STR, TYPE1), F(STR, 1), F(U32, 0), F(STR, 0), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"answer handle at limit",
         P_ANSWER,
         {F(STR, 9), F(STR, 2048), F(U32, 0), F(STR, 0), END},
         IDR_OK,
         false,
         NO_OK},
        {"answer handle +1",
         P_ANSWER,
         {F(STR, 9), F(STR, 2049), F(U32, 0), F(STR, 0), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"answer response at limit",
         P_ANSWER,
         {F(STR, 9), F(STR, 1), F(U32, 0), F(STR, HDL_AUTH_MAX_RESPONSE), END},
         IDR_OK,
         false,
         NO_OK},
        {"answer response +1",
         P_ANSWER,
         {F(STR, 9), F(STR, 1), F(U32, 0), F(STR, HDL_AUTH_MAX_RESPONSE + 1), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        /* HS_PUBKEY signed response */
        {"pubsig", P_PUBSIG, {F(STR, 7), F(STR, 256), END}, IDR_OK, true, NO_OK},
        {"pubsig alg +1", P_PUBSIG, {F(STR, TYPE1), F(STR, 1), END}, IDR_ELIMIT, false, NO_OK},
        {"pubsig sig at limit",
         P_PUBSIG,
         {F(STR, 3), F(STR, HDL_AUTH_MAX_SIG), END},
         IDR_OK,
         false,
         NO_OK},
        {"pubsig sig +1",
         P_PUBSIG,
         {F(STR, 3), F(STR, HDL_AUTH_MAX_SIG + 1), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        /* HS_SECKEY signed response */
        {"seckey md5", P_SECKEY, {F(U8, 1), F(RAW, 16), END}, IDR_OK, true, NO_OK},
        {"seckey sha1", P_SECKEY, {F(U8, 2), F(RAW, 20), END}, IDR_OK, true, NO_OK},
        {"seckey sha256", P_SECKEY, {F(U8, 3), F(RAW, 32), END}, IDR_OK, true, NO_OK},
        {"seckey hmac-sha1", P_SECKEY, {F(U8, 0x12), F(RAW, 20), END}, IDR_OK, true, NO_OK},
        {"seckey hmac-sha256", P_SECKEY, {F(U8, 0x13), F(RAW, 32), END}, IDR_OK, true, NO_OK},
        {"seckey sha1 short mac", P_SECKEY, {F(U8, 2), F(RAW, 19), END}, IDR_EPROTO, false, NO_OK},
        {"seckey code 0 in new form",
         P_SECKEY,
         {F(U8, 0), F(RAW, 16), END},
         IDR_EPROTO,
         false,
         NO_OK},
        {"seckey unknown alg", P_SECKEY, {F(U8, 7), F(RAW, 20), END}, IDR_EPROTO, false, NO_OK},
        {"seckey pbkdf2",
         P_SECKEY,
         {F(U8, 0x22), F(STR, 16), F(U32, 10000), F(U32, 160), F(STR, 20), END},
         IDR_OK,
         true,
         NO_OK},
        {"seckey pbkdf2 salt at limit",
         P_SECKEY,
         {F(U8, 0x22), F(STR, HDL_AUTH_MAX_SALT), F(U32, 1), F(U32, 8), F(STR, 20), END},
         IDR_OK,
         false,
         NO_OK},
        {"seckey pbkdf2 salt +1",
         P_SECKEY,
         {F(U8, 0x22), F(STR, HDL_AUTH_MAX_SALT + 1), F(U32, 1), F(U32, 8), F(STR, 20), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"seckey pbkdf2 iterations at limit",
         P_SECKEY,
         {F(U8, 0x22), F(STR, 16), F(U32, HDL_AUTH_MAX_ITER), F(U32, 160), F(STR, 20), END},
         IDR_OK,
         false,
         NO_OK},
        {"seckey pbkdf2 iterations +1",
         P_SECKEY,
         {F(U8, 0x22), F(STR, 16), F(U32, HDL_AUTH_MAX_ITER + 1), F(U32, 160), F(STR, 20), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"seckey pbkdf2 iterations 0",
         P_SECKEY,
         {F(U8, 0x22), F(STR, 16), F(U32, 0), F(U32, 160), F(STR, 20), END},
         IDR_EPROTO,
         false,
         NO_OK},
        {"seckey pbkdf2 key bits at limit",
         P_SECKEY,
         {F(U8, 0x22), F(STR, 16), F(U32, 1), F(U32, HDL_AUTH_MAX_KEY_BITS), F(STR, 20), END},
         IDR_OK,
         false,
         NO_OK},
        {"seckey pbkdf2 key bits +8",
         P_SECKEY,
         {F(U8, 0x22), F(STR, 16), F(U32, 1), F(U32, HDL_AUTH_MAX_KEY_BITS + 8), F(STR, 20), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"seckey pbkdf2 key bits not bytes",
         P_SECKEY,
         {F(U8, 0x22), F(STR, 16), F(U32, 1), F(U32, 161), F(STR, 20), END},
         IDR_EPROTO,
         false,
         NO_OK},
        {"seckey pbkdf2 mac 21",
         P_SECKEY,
         {F(U8, 0x22), F(STR, 16), F(U32, 1), F(U32, 160), F(STR, 21), END},
         IDR_EPROTO,
         false,
         NO_OK},
        {"seckey legacy", P_SECKEY_OLD, {F(RAW, 16), END}, IDR_OK, true, NO_OK},
        {"seckey legacy 17", P_SECKEY_OLD, {F(RAW, 17), END}, IDR_EPROTO, false, NO_OK},
        /* VERIFY_CHALLENGE request */
        {"verify req",
         P_VERIFY_REQ,
         {F(STR, 14), F(U32, 301), F(STR, 16), F(STR, 32), F(STR, 21), END},
         IDR_OK,
         true,
         NO_OK},
        {"verify req typed sha256",
         P_VERIFY_REQ,
         {F(STR, 14), F(U32, 301), F(STR, 16), F(U8, 3), F(RAW, 32), F(STR, 21), END},
         IDR_OK,
         true,
         NO_OK},
        {"verify req typed md5",
         P_VERIFY_REQ,
         {F(STR, 14), F(U32, 301), F(STR, 16), F(U8, 1), F(RAW, 16), F(STR, 21), END},
         IDR_OK,
         true,
         NO_OK},
        {"verify req digest type 4",
         P_VERIFY_REQ,
         {F(STR, 14), F(U32, 301), F(STR, 16), F(U8, 4), F(RAW, 32), F(STR, 21), END},
         IDR_EPROTO,
         false,
         NO_OK},
        {"verify req handle +1",
         P_VERIFY_REQ,
         {F(STR, 2049), F(U32, 301), F(STR, 16), F(STR, 32), F(STR, 21), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"verify req nonce at limit",
         P_VERIFY_REQ,
         {F(STR, 1), F(U32, 1), F(STR, HDL_AUTH_MAX_NONCE), F(STR, 32), F(STR, 21), END},
         IDR_OK,
         false,
         NO_OK},
        {"verify req nonce +1",
         P_VERIFY_REQ,
         {F(STR, 1), F(U32, 1), F(STR, HDL_AUTH_MAX_NONCE + 1), F(STR, 32), F(STR, 21), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"verify req digest +1",
         P_VERIFY_REQ,
         {F(STR, 1), F(U32, 1), F(STR, 16), F(STR, HDL_RD_MAX_LEN + 1), F(STR, 21), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"verify req response +1",
         P_VERIFY_REQ,
         {F(STR, 1), F(U32, 1), F(STR, 16), F(STR, 32), F(STR, HDL_AUTH_MAX_RESPONSE + 1), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        /* IDIS login */
        {"login", P_LOGIN, {F(STR, 14), F(U32, 300), END}, IDR_OK, true, NO_OK},
        {"login identity at limit",
         P_LOGIN,
         {F(STR, 2048), F(U32, 300), END},
         IDR_OK,
         false,
         NO_OK},
        {"login identity +1", P_LOGIN, {F(STR, 2049), F(U32, 300), END}, IDR_ELIMIT, false, NO_OK},
        /* SESSION_SETUP request */
        {"setup dh",
         P_SETUP,
         {F(U16, 4), F(U32, 86400), F(STR, 14), F(U32, 300), F(STR, 5), END},
         IDR_OK,
         true,
         NO_OK},
        {"setup dh java padding",
         P_SETUP,
         {F(U16, 4), F(U32, 86400), F(STR, 14), F(U32, 300), F(STR, 5), F(U16, 0), END},
         IDR_OK,
         true,
         {37, SIZE_MAX, 0}},
        {"setup dh bad padding",
         P_SETUP,
         {F(U16, 4), F(U32, 86400), F(STR, 14), F(U32, 300), F(STR, 5), F(U16, 1), END},
         IDR_EPROTO,
         false,
         NO_OK},
        {"setup client",
         P_SETUP,
         {F(U16, 1), F(U32, 600), F(STR, 0), F(U32, 0), F(STR, 100), END},
         IDR_OK,
         true,
         NO_OK},
        {"setup hdl",
         P_SETUP,
         {F(U16, 3), F(U32, 600), F(STR, 14), F(U32, 300), F(STR, 12), F(U32, 301), END},
         IDR_OK,
         true,
         NO_OK},
        {"setup server",
         P_SETUP,
         {F(U16, 2), F(U32, 600), F(STR, 0), F(U32, 0), END},
         IDR_OK,
         true,
         NO_OK},
        {"setup server java padding",
         P_SETUP,
         {F(U16, 2), F(U32, 600), F(STR, 0), F(U32, 0), F(U16, 0), END},
         IDR_OK,
         true,
         {14, SIZE_MAX, 0}},
        {"setup mode 0",
         P_SETUP,
         {F(U16, 0), F(U32, 600), F(STR, 0), F(U32, 0), END},
         IDR_EPROTO,
         false,
         NO_OK},
        {"setup mode 5",
         P_SETUP,
         {F(U16, 5), F(U32, 600), F(STR, 0), F(U32, 0), END},
         IDR_EPROTO,
         false,
         NO_OK},
        {"setup identity +1",
         P_SETUP,
         {F(U16, 2), F(U32, 600), F(STR, 2049), F(U32, 0), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"setup key at limit",
         P_SETUP,
         {F(U16, 4), F(U32, 1), F(STR, 1), F(U32, 0), F(STR, HDL_AUTH_MAX_KEY), END},
         IDR_OK,
         false,
         NO_OK},
        {"setup key +1",
         P_SETUP,
         {F(U16, 4), F(U32, 1), F(STR, 1), F(U32, 0), F(STR, HDL_AUTH_MAX_KEY + 1), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        {"setup key handle +1",
         P_SETUP,
         {F(U16, 3), F(U32, 1), F(STR, 1), F(U32, 0), F(STR, 2049), F(U32, 1), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        /* SESSION_SETUP answer */
        {"setup resp", P_SETUP_RESP, {F(U16, 4), F(STR, 6), END}, IDR_OK, true, NO_OK},
        {"setup resp java padding",
         P_SETUP_RESP,
         {F(U16, 4), F(STR, 6), F(U16, 0), END},
         IDR_OK,
         true,
         {12, SIZE_MAX, 0}},
        {"setup resp data +1",
         P_SETUP_RESP,
         {F(U16, 4), F(STR, HDL_AUTH_MAX_KEY + 1), END},
         IDR_ELIMIT,
         false,
         NO_OK},
        /* SESSION_EXCHANGEKEY */
        {"exchange key", P_EXKEY, {F(STR, 3), END}, IDR_OK, true, {0, SIZE_MAX, 0}},
        {"exchange key empty", P_EXKEY, {END}, IDR_OK, false, NO_OK},
        {"exchange key at limit", P_EXKEY, {F(STR, HDL_AUTH_MAX_KEY), END}, IDR_OK, false, NO_OK},
        {"exchange key +1", P_EXKEY, {F(STR, HDL_AUTH_MAX_KEY + 1), END}, IDR_ELIMIT, false, NO_OK},
        /* VERIFY_CHALLENGE answer */
        {"verify resp", P_VERIFY_RESP, {F(U8, 1), END}, IDR_OK, true, NO_OK},
        /* DH answer data (runs to the end: no trailing-byte rule) */
        {"dh data", P_DH, {F(U32, 3), F(RAW, 10), END}, IDR_OK, false, NO_OK},
        {"dh data short", P_DH, {F(RAW, 3), END}, IDR_EPROTO, false, NO_OK},
};

static void
test_hdl_auth_body_table(void **state)
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

/* ---- Java's requests: decode, and our encoders reproduce them ---- */

static void
test_hdl_auth_java_answer(void **state)
{
	uint8_t msg[MSG_MAX], out[MSG_MAX];
	struct hdl_msg m;
	struct hdl_auth_answer a;
	struct hdl_auth_pubkey_sig ps;
	struct hdl_req_opts o;
	struct rbuf r;
	struct wbuf w;
	size_t n = hb_load("req_answer", msg, sizeof(msg), &m);

	(void)state;
	assert_int_equal(m.hdr.opcode, HDL_OC_CHALLENGE_RESPONSE);
	rbuf_init(&r, m.body.p, m.body.len);
	assert_int_equal(hdl_auth_answer_parse(&r, &a), IDR_OK);
	assert_true(slice_eq(a.auth_type, SLICE_LIT(HDL_AUTH_TYPE_PUBKEY)));
	assert_true(slice_eq(a.key_handle, SLICE_LIT("88.100.1/admin")));
	assert_int_equal(a.key_index, 300);
	assert_int_equal(hdl_auth_pubkey_sig_parse(a.signed_response, &ps), IDR_OK);
	assert_true(slice_eq(ps.hash_alg, SLICE_LIT("SHA-256")));
	assert_int_equal(hdl_auth_hash_id(ps.hash_alg), HDL_AUTH_HASH_SHA256);
	assert_memory_equal(ps.signature.p, "\x01\x02\x03\x04", 4);

	hb_opts_from(&m, &o);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_auth_answer_encode(&w, &o, &a), IDR_OK);
	hb_assert_unit(&w, msg, n);
	/* the inner signed response round-trips too */
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_auth_pubkey_sig_encode(&w, &ps), IDR_OK);
	assert_int_equal(wbuf_len(&w), a.signed_response.len);
	assert_memory_equal(out, a.signed_response.p, a.signed_response.len);
}

/* Java's SESSION_SETUP bodies carry 2 padding bytes; ours equal them without the padding. */
static void
check_setup(const char *name, uint16_t mode)
{
	uint8_t msg[MSG_MAX], out[MSG_MAX];
	struct hdl_msg m, ours;
	struct hdl_auth_session_setup s, s2;
	struct hdl_envelope env;
	struct hdl_req_opts o;
	struct rbuf r;
	struct wbuf w;

	hb_load(name, msg, sizeof(msg), &m);
	rbuf_init(&r, m.body.p, m.body.len);
	assert_int_equal(hdl_auth_session_setup_parse(&r, &s), IDR_OK);
	assert_int_equal(s.mode, mode);
	hb_opts_from(&m, &o);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_auth_session_setup_encode(&w, &o, &s), IDR_OK);
	r = (struct rbuf){0};
	rbuf_init(&r, out, wbuf_len(&w));
	assert_int_equal(hdl_envelope_parse(&r, &env), IDR_OK);
	assert_int_equal(hdl_msg_parse_message(&env,
	                                       slice_make(out + HDL_ENVELOPE_LEN,
	                                                  wbuf_len(&w) - HDL_ENVELOPE_LEN),
	                                       &ours),
	                 IDR_OK);
	assert_int_equal(ours.hdr.body_len + 2, m.hdr.body_len);
	assert_memory_equal(ours.body.p, m.body.p, ours.body.len);
	assert_memory_equal(m.body.p + ours.body.len, "\0\0", 2);
	rbuf_init(&r, ours.body.p, ours.body.len);
	assert_int_equal(hdl_auth_session_setup_parse(&r, &s2), IDR_OK);
	assert_int_equal(s2.timeout, s.timeout);
	assert_true(slice_eq(s2.identity, s.identity));
	assert_int_equal(s2.identity_index, s.identity_index);
	assert_true(slice_eq(s2.pubkey, s.pubkey));
	assert_true(slice_eq(s2.key_handle, s.key_handle));
	assert_int_equal(s2.key_index, s.key_index);
}

static void
test_hdl_auth_java_session_setup(void **state)
{
	uint8_t msg[MSG_MAX];
	struct hdl_msg m;
	struct hdl_auth_session_setup s;
	struct rbuf r;

	(void)state;
	check_setup("req_setup_dh", HDL_KEX_DH);
	check_setup("req_setup_hdl", HDL_KEX_CIPHER_HDL);
	check_setup("req_setup_server", HDL_KEX_CIPHER_SERVER);
	hb_load("req_setup_dh", msg, sizeof(msg), &m);
	rbuf_init(&r, m.body.p, m.body.len);
	assert_int_equal(hdl_auth_session_setup_parse(&r, &s), IDR_OK);
	assert_int_equal(s.timeout, 86400);
	assert_true(slice_eq(s.identity, SLICE_LIT("88.100.1/admin")));
	assert_int_equal(s.identity_index, 300);
	assert_memory_equal(s.pubkey.p, "\x09\x08\x07\x06\x05", 5);
	hb_load("req_setup_hdl", msg, sizeof(msg), &m);
	rbuf_init(&r, m.body.p, m.body.len);
	assert_int_equal(hdl_auth_session_setup_parse(&r, &s), IDR_OK);
	assert_true(slice_eq(s.key_handle, SLICE_LIT("88.100.1/key")));
	assert_int_equal(s.key_index, 301);
}

static void
test_hdl_auth_java_exchange_verify_terminate(void **state)
{
	uint8_t msg[MSG_MAX], out[MSG_MAX];
	struct hdl_msg m;
	struct hdl_auth_verify_req v;
	struct hdl_req_opts o;
	struct slice key, h;
	struct rbuf r;
	struct wbuf w;
	size_t n;

	(void)state;
	n = hb_load("req_exchangekey", msg, sizeof(msg), &m);
	rbuf_init(&r, m.body.p, m.body.len);
	assert_int_equal(hdl_auth_exchange_key_parse(&r, &key), IDR_OK);
	assert_true(slice_eq(key, SLICE_LIT("\x55\x66\x77")));
	hb_opts_from(&m, &o);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_auth_exchange_key_encode(&w, &o, key), IDR_OK);
	hb_assert_unit(&w, msg, n);

	n = hb_load("req_verify", msg, sizeof(msg), &m);
	assert_int_equal(m.hdr.opcode, HDL_OC_VERIFY_RESPONSE);
	rbuf_init(&r, m.body.p, m.body.len);
	assert_int_equal(hdl_auth_verify_req_parse(&r, &v), IDR_OK);
	assert_true(slice_eq(v.key_handle, SLICE_LIT("88.100.1/admin")));
	assert_int_equal(v.key_index, 301);
	assert_int_equal(v.nonce.len, 16);
	assert_int_equal(v.digest_type, HDL_RD_LEGACY); /* Java sends the length-prefixed form */
	assert_int_equal(v.digest.len, 32);
	assert_int_equal(v.signed_response.len, 21);
	hb_opts_from(&m, &o);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_auth_verify_req_encode(&w, &o, &v), IDR_OK);
	hb_assert_unit(&w, msg, n);

	n = hb_load("req_terminate", msg, sizeof(msg), &m);
	rbuf_init(&r, m.body.p, m.body.len);
	assert_int_equal(hdl_handle_req_parse(&r, &h), IDR_OK);
	assert_int_equal(h.len, 0);
	hb_opts_from(&m, &o);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_req_handle_encode(&w, &o, HDL_OC_SESSION_TERMINATE, h), IDR_OK);
	hb_assert_unit(&w, msg, n);
}

/* The IDIS SDK (id-pointer-sdk MsgConverter) sends header + `UTF8 identity, int4 index` with
 * no CredentialLength; built here from that layout. */
static void
test_hdl_auth_login(void **state)
{
	static const char hex[] = "000007d10000000019800000ffff00005f5e100000000016"
	                          "0000000e38382e3130302e312f61646d696e0000012c";
	uint8_t msg[MSG_MAX], out[MSG_MAX];
	struct hdl_envelope env = {{2, 11}, {2, 11}, 0, 5, 6, 0, 0};
	struct hdl_auth_login l;
	struct hdl_req_opts o;
	struct hdl_msg m;
	struct rbuf r;
	struct wbuf w;
	size_t n = hb_unhex(hex, msg, sizeof(msg));

	(void)state;
	env.msg_len = (uint32_t)n;
	assert_int_equal(hdl_msg_parse_message(&env, slice_make(msg, n), &m), IDR_OK);
	assert_false(m.cred_len_present);
	assert_int_equal(m.hdr.opcode, HDL_OC_LOGIN_ID_SYSTEM);
	rbuf_init(&r, m.body.p, m.body.len);
	assert_int_equal(hdl_auth_login_parse(&r, &l), IDR_OK);
	assert_true(slice_eq(l.identity, SLICE_LIT("88.100.1/admin")));
	assert_int_equal(l.index, 300);
	/* ours adds CredentialLength 0 */
	hb_opts_from(&m, &o);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_auth_login_encode(&w, &o, &l), IDR_OK);
	assert_int_equal(wbuf_len(&w), HDL_ENVELOPE_LEN + n + 4);
	assert_memory_equal(out + HDL_ENVELOPE_LEN, msg, n);
	assert_memory_equal(out + HDL_ENVELOPE_LEN + n, "\0\0\0\0", 4);
}

/* ---- Java's answers: our encoders reproduce them, our decoders read them ---- */

/* Load request `req` as if sent at version maj.min, and the Java answer `resp` to it. */
static void
pair(const char *req, const char *resp, uint8_t maj, uint8_t min, uint8_t *qbuf, struct hdl_msg *q,
     uint8_t *abuf, size_t *alen, struct hdl_msg *a, struct hdl_resp_opts *opts)
{
	hb_load(req, qbuf, MSG_MAX, q);
	q->env.ver.major = q->env.sugg.major = maj;
	q->env.ver.minor = q->env.sugg.minor = min;
	*alen = hb_load(resp, abuf, MSG_MAX, a);
	*opts = resp_opts;
	opts->expiration = a->hdr.expiration; /* Java answers now + 12 h */
}

static void
check_challenge(const char *resp, uint8_t maj, uint8_t min, uint8_t rd_type)
{
	uint8_t qbuf[MSG_MAX], abuf[MSG_MAX], out[MSG_MAX];
	struct hdl_msg q, a;
	struct hdl_resp_opts opts;
	struct hdl_auth_challenge c;
	struct hdl_digest mine;
	struct wbuf w;
	size_t n;

	pair("req_create", resp, maj, min, qbuf, &q, abuf, &n, &a, &opts);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(
	        hdl_auth_challenge_encode(
	                &w, &q, 0x4242,
	                SLICE_LIT(
	                        "\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf"),
	                &opts),
	        IDR_OK);
	hb_assert_unit(&w, abuf, n);
	assert_int_equal(hdl_auth_challenge_parse(&a, &c), IDR_OK);
	assert_int_equal(c.nonce.len, HDL_AUTH_NONCE_LEN);
	assert_int_equal(c.nonce.p[0], 0xa0);
	assert_int_equal(c.digest.type, rd_type);
	assert_int_equal(hdl_rd_verify(&c.digest, q.raw), IDR_OK);
	assert_int_equal(hdl_rd_compute(a.env.ver, q.raw, &mine), IDR_OK);
	assert_memory_equal(mine.bytes, c.digest.bytes, mine.len);
}

static void
test_hdl_auth_java_challenge(void **state)
{
	uint8_t data[64];
	struct hdl_auth_challenge c;
	struct hdl_msg a;
	uint8_t abuf[MSG_MAX];
	struct wbuf w;

	(void)state;
	check_challenge("resp_challenge", 2, 11, HDL_RD_SHA256);
	check_challenge("resp_challenge_v26", 2, 6, HDL_RD_SHA1);
	check_challenge("resp_challenge_v20", 2, 0, HDL_RD_LEGACY);
	/* what an answer signs */
	hb_load("resp_challenge", abuf, sizeof(abuf), &a);
	assert_int_equal(hdl_auth_challenge_parse(&a, &c), IDR_OK);
	wbuf_init(&w, data, sizeof(data));
	assert_int_equal(hdl_auth_challenge_data(&w, c.nonce, &c.digest), IDR_OK);
	assert_int_equal(wbuf_len(&w), 48);
	assert_memory_equal(data, c.nonce.p, 16);
	assert_memory_equal(data + 16, c.digest.bytes, 32);
	/* a 402 without a digest cannot be answered; a non-402 is a caller mistake */
	a.hdr.flags &= ~HDL_FLAG_RD;
	a.body = slice_make(a.body.p + 33, a.body.len - 33);
	assert_int_equal(hdl_auth_challenge_parse(&a, &c), IDR_EPROTO);
	a.hdr.rc = HDL_RC_SUCCESS;
	assert_int_equal(hdl_auth_challenge_parse(&a, &c), IDR_EINVAL);
}

static void
test_hdl_auth_java_setup_and_verify_answers(void **state)
{
	uint8_t qbuf[MSG_MAX], abuf[MSG_MAX], out[MSG_MAX];
	struct hdl_msg q, a;
	struct hdl_resp_opts opts;
	struct hdl_digest rd;
	struct slice data, pub;
	uint16_t mode;
	uint32_t cipher;
	bool has_rd, valid;
	struct rbuf rest;
	struct wbuf w;
	size_t n;

	(void)state;
	/* SESSION_SETUP answer: Java asked with RD (flags 0x19800000) */
	pair("req_setup_dh", "resp_setup", 2, 11, qbuf, &q, abuf, &n, &a, &opts);
	qbuf[8] = 0x19;
	qbuf[9] = 0x80;
	q.hdr.flags |= HDL_FLAG_RD;
	assert_int_equal(hdl_resp_open(&a, &rd, &has_rd, &rest), IDR_OK);
	assert_true(has_rd);
	assert_int_equal(hdl_rd_verify(&rd, q.raw), IDR_OK);
	assert_int_equal(hdl_auth_session_setup_resp_parse(&rest, &mode, &data), IDR_OK);
	assert_int_equal(mode, HDL_KEX_DH);
	assert_int_equal(hdl_auth_dh_data_parse(data, &cipher, &pub), IDR_OK);
	assert_int_equal(cipher, HDL_CIPHER_AES);
	assert_true(slice_eq(pub, SLICE_LIT("\x11\x22")));
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_auth_session_setup_resp_encode(&w, &q, mode, data, &opts), IDR_OK);
	/* ours is Java's without the 2 padding bytes: the same up to there */
	assert_int_equal(wbuf_len(&w), HDL_ENVELOPE_LEN + n - 2);
	assert_memory_equal(out + HDL_ENVELOPE_LEN + 24, abuf + 24, n - 24 - 6);
	wbuf_init(&w, out, sizeof(out));
	hdl_auth_dh_data_encode(&w, cipher, pub);
	assert_true(slice_eq(wbuf_slice(&w), data));

	/* VERIFY_CHALLENGE answer */
	pair("req_verify", "resp_verify", 2, 11, qbuf, &q, abuf, &n, &a, &opts);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_auth_verify_resp_encode(&w, &q, true, &opts), IDR_OK);
	hb_assert_unit(&w, abuf, n);
	assert_int_equal(hdl_resp_open(&a, &rd, &has_rd, &rest), IDR_OK);
	assert_int_equal(hdl_auth_verify_resp_parse(&rest, &valid), IDR_OK);
	assert_true(valid);
}

/* ---- credential section and signed data ---- */

static void
test_hdl_auth_java_signed(void **state)
{
	static const char *const names[] = {"signed_2_5", "signed_2_6", "signed_2_7",
	                                    "signed_2_11"};
	uint8_t msg[MSG_MAX], out[MSG_MAX], data[MSG_MAX];
	struct hdl_msg m;
	struct hdl_cred c;
	struct hdl_req_opts o;
	struct wbuf w;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = hb_load(names[i], msg, sizeof(msg), &m);
		assert_int_equal(hdl_cred_parse(m.cred, &c), IDR_OK);
		assert_true(slice_eq(c.type, SLICE_LIT(HDL_CRED_TYPE_SIGNED)));
		assert_true(slice_eq(c.digest_alg, SLICE_LIT("SHA-256")));
		assert_int_equal(c.signer.len, 0);
		assert_int_equal(c.signer_index, 7); /* the session counter */
		/* the capturing signer's "signature" is what Java signed */
		wbuf_init(&w, data, sizeof(data));
		assert_int_equal(hdl_auth_signed_data(&w, &m.env, c.signer_index, m.raw), IDR_OK);
		if (!slice_eq(wbuf_slice(&w), c.signature)) {
			fail_msg("%s: signed data differs", names[i]);
		}
		/* the credential re-encodes byte for byte */
		wbuf_init(&w, out, sizeof(out));
		assert_int_equal(hdl_auth_cred_encode(&w, &c), IDR_OK);
		assert_true(slice_eq(wbuf_slice(&w), m.cred));
		/* and attaches to our unsigned encoding of the same request to give Java's message
		 */
		hb_opts_from(&m, &o);
		wbuf_init(&w, out, sizeof(out));
		assert_int_equal(hdl_req_handle_encode(&w, &o, HDL_OC_DELETE_HANDLE,
		                                       SLICE_LIT("88.100.1/abc")),
		                 IDR_OK);
		assert_int_equal(hdl_auth_cred_attach(&w, 0, &c), IDR_OK);
		hb_assert_unit(&w, msg, n);
		assert_int_equal(out[16] << 24 | out[17] << 16 | out[18] << 8 | out[19], n);
		/* a second attach finds a non-zero CredentialLength */
		assert_int_equal(hdl_auth_cred_attach(&w, 0, &c), IDR_EINVAL);
	}
}

/* HMAC from the streaming hash (the crypto module has no HMAC of its own). */
static void
hmac(enum crypto_alg alg, struct slice key, struct slice data, uint8_t *out)
{
	uint8_t k[64], pad[64], inner[32];
	struct crypto_hash *h;
	size_t i;

	assert_true(key.len <= sizeof(k));
	memset(k, 0, sizeof(k));
	memcpy(k, key.p, key.len);
	assert_int_equal(crypto_hash_new(&h, alg), IDR_OK);
	for (i = 0; i < 64; i++) {
		pad[i] = k[i] ^ 0x36;
	}
	crypto_hash_update(h, pad, 64);
	crypto_hash_update(h, data.p, data.len);
	assert_int_equal(crypto_hash_final(h, inner), IDR_OK);
	for (i = 0; i < 64; i++) {
		pad[i] = k[i] ^ 0x5c;
	}
	crypto_hash_update(h, pad, 64);
	crypto_hash_update(h, inner, crypto_hash_len(alg));
	assert_int_equal(crypto_hash_final(h, out), IDR_OK);
	crypto_hash_free(h);
}

static enum crypto_alg
crypto_of(enum hdl_auth_hash a)
{
	switch (a) {
	case HDL_AUTH_HASH_MD5:
		return CRYPTO_MD5;
	case HDL_AUTH_HASH_SHA1:
	case HDL_AUTH_HASH_HMAC_SHA1:
		return CRYPTO_SHA1;
	default:
		return CRYPTO_SHA256;
	}
}

static void
test_hdl_auth_java_mac(void **state)
{
	static const char *const names[] = {"mac_2_4", "mac_2_5", "mac_2_6", "mac_2_7", "mac_2_11"};
	static const uint8_t key[16] = {0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	                                0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f};
	static const enum hdl_auth_mac_kind kinds[] = {HDL_AUTH_MAC_HASH, HDL_AUTH_MAC_HASH,
	                                               HDL_AUTH_MAC_HASH, HDL_AUTH_MAC_HMAC,
	                                               HDL_AUTH_MAC_HMAC};
	uint8_t msg[MSG_MAX], data[MSG_MAX], mac[32];
	enum hdl_auth_mac_kind kind;
	enum hdl_auth_hash alg;
	struct hdl_msg m;
	struct hdl_cred c;
	struct wbuf w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		hb_load(names[i], msg, sizeof(msg), &m);
		assert_int_equal(hdl_cred_parse(m.cred, &c), IDR_OK);
		assert_true(slice_eq(c.type, SLICE_LIT(HDL_CRED_TYPE_MAC)));
		assert_int_equal(c.signer_index, 9);
		alg = hdl_auth_hash_id(c.digest_alg);
		wbuf_init(&w, data, sizeof(data));
		assert_int_equal(hdl_auth_mac_data(&w, &m.env, c.signer_index, m.raw,
		                                   slice_make(key, sizeof(key)), alg, &kind),
		                 IDR_OK);
		assert_int_equal(kind, kinds[i]);
		if (kind == HDL_AUTH_MAC_HMAC) {
			hmac(crypto_of(alg), slice_make(key, sizeof(key)), wbuf_slice(&w), mac);
		} else {
			assert_int_equal(crypto_hash(crypto_of(alg), data, wbuf_len(&w), mac),
			                 IDR_OK);
		}
		assert_int_equal(c.signature.len, hdl_auth_hash_len(alg));
		if (memcmp(mac, c.signature.p, c.signature.len) != 0) {
			fail_msg("%s: MAC differs", names[i]);
		}
	}
	/* algorithms the data cannot be built for */
	wbuf_init(&w, data, sizeof(data));
	assert_int_equal(hdl_auth_mac_data(&w, &m.env, 0, m.raw, slice_make(key, 16),
	                                   HDL_AUTH_HASH_PBKDF2_HMAC_SHA1, &kind),
	                 IDR_EINVAL);
	m.env.ver.minor = 6;
	assert_int_equal(hdl_auth_mac_data(&w, &m.env, 0, m.raw, slice_make(key, 16),
	                                   HDL_AUTH_HASH_HMAC_SHA256, &kind),
	                 IDR_EINVAL);
}

static void
test_hdl_auth_signed_prefix(void **state)
{
	struct hdl_envelope env = {{2, 11}, {2, 10}, 0, 0x11223344, 0x55667788, 0, 0};
	uint8_t p[HDL_AUTH_PREFIX_MAX];

	(void)state;
	assert_int_equal(hdl_auth_signed_prefix(&env, 7, p), 16);
	assert_memory_equal(p, "\x02\x0b\x02\x0a\x11\x22\x33\x44\x55\x66\x77\x88\0\0\0\x07", 16);
	env.ver.minor = 7;
	assert_int_equal(hdl_auth_signed_prefix(&env, 7, p), 14);
	assert_memory_equal(p, "\x02\x07\x11\x22\x33\x44\x55\x66\x77\x88\0\0\0\x07", 14);
	env.ver.minor = 6;
	assert_int_equal(hdl_auth_signed_prefix(&env, 7, p), 14);
	assert_memory_equal(p, "\x02\x06\x11\x22\0\0\0\x07\0\0\0\0\0\0", 14);
	env.ver.minor = 5;
	assert_int_equal(hdl_auth_signed_prefix(&env, 7, p), 0);
}

static void
test_hdl_auth_hash_names(void **state)
{
	(void)state;
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("SHA1")), HDL_AUTH_HASH_SHA1);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("SHA-1")), HDL_AUTH_HASH_SHA1);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("sha1")), HDL_AUTH_HASH_UNKNOWN);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("SHA256")), HDL_AUTH_HASH_SHA256);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("MD5")), HDL_AUTH_HASH_MD5);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("hmac_sha256")), HDL_AUTH_HASH_HMAC_SHA256);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("HmacSHA1")), HDL_AUTH_HASH_HMAC_SHA1);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("HMAC-SHA2567")), HDL_AUTH_HASH_UNKNOWN);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("PBKDF2WithHmacSHA1")),
	                 HDL_AUTH_HASH_PBKDF2_HMAC_SHA1);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("SM3")), HDL_AUTH_HASH_SM3);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("\x02")), HDL_AUTH_HASH_SHA1);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("\x13")), HDL_AUTH_HASH_HMAC_SHA256);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("\x09")), HDL_AUTH_HASH_UNKNOWN);
	assert_int_equal(hdl_auth_hash_id(SLICE_LIT("")), HDL_AUTH_HASH_UNKNOWN);
}

/* ---- encode -> decode round trips and encoder limits ---- */

static void
test_hdl_auth_roundtrips(void **state)
{
	static const uint8_t mac20[32] = {1, 2, 3};
	uint8_t out[HB_MAX];
	struct hdl_auth_seckey_sig s = {0}, s2;
	struct hdl_auth_verify_req v = {0};
	struct hdl_auth_session_setup ss = {0};
	struct hdl_auth_answer a = {0};
	struct hdl_req_opts o;
	struct hdl_version v211 = {2, 11};
	struct wbuf w;
	uint8_t codes[] = {1, 2, 3, 0x12, 0x13};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(codes); i++) {
		s.alg = codes[i];
		s.mac = slice_make(mac20,
		                   hdl_auth_hash_len(hdl_auth_hash_id(slice_make(&codes[i], 1))));
		wbuf_init(&w, out, sizeof(out));
		assert_int_equal(hdl_auth_seckey_sig_encode(&w, &s), IDR_OK);
		assert_int_equal(hdl_auth_seckey_sig_parse(wbuf_slice(&w), v211, &s2), IDR_OK);
		assert_int_equal(s2.alg, s.alg);
		assert_true(slice_eq(s2.mac, s.mac));
	}
	s.alg = HDL_HASH_CODE_PBKDF2;
	s.salt = SLICE_LIT("0123456789abcdef");
	s.iterations = 10000;
	s.key_bits = 160;
	s.mac = slice_make(mac20, 20);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_auth_seckey_sig_encode(&w, &s), IDR_OK);
	assert_int_equal(hdl_auth_seckey_sig_parse(wbuf_slice(&w), v211, &s2), IDR_OK);
	assert_true(slice_eq(s2.salt, s.salt));
	assert_int_equal(s2.iterations, 10000);
	assert_int_equal(s2.key_bits, 160);
	s.alg = 7;
	assert_int_equal(hdl_auth_seckey_sig_encode(&w, &s), IDR_EINVAL);

	hdl_req_opts_init(&o, 1, 0);
	v.key_handle = SLICE_LIT("88.100.1/admin");
	v.nonce = SLICE_LIT("0123456789abcdef");
	v.digest_type = HDL_RD_SHA1;
	v.digest = slice_make(mac20, 19);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_auth_verify_req_encode(&w, &o, &v), IDR_EINVAL);
	v.digest = slice_make(mac20, 20);
	assert_int_equal(hdl_auth_verify_req_encode(&w, &o, &v), IDR_OK);

	ss.mode = 5;
	assert_int_equal(hdl_auth_session_setup_encode(&w, &o, &ss), IDR_EINVAL);
	ss.mode = HDL_KEX_CIPHER_HDL;
	ss.key_handle = slice_make(out, 2049);
	wbuf_init(&w, out + 4096, sizeof(out) - 4096);
	assert_int_equal(hdl_auth_session_setup_encode(&w, &o, &ss), IDR_ELIMIT);

	a.auth_type = SLICE_LIT(HDL_AUTH_TYPE_SECKEY);
	a.signed_response = slice_make(out, HDL_AUTH_MAX_RESPONSE + 1);
	assert_int_equal(hdl_auth_answer_encode(&w, &o, &a), IDR_ELIMIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hdl_auth_body_table),
	        cmocka_unit_test(test_hdl_auth_java_answer),
	        cmocka_unit_test(test_hdl_auth_java_session_setup),
	        cmocka_unit_test(test_hdl_auth_java_exchange_verify_terminate),
	        cmocka_unit_test(test_hdl_auth_login),
	        cmocka_unit_test(test_hdl_auth_java_challenge),
	        cmocka_unit_test(test_hdl_auth_java_setup_and_verify_answers),
	        cmocka_unit_test(test_hdl_auth_java_signed),
	        cmocka_unit_test(test_hdl_auth_java_mac),
	        cmocka_unit_test(test_hdl_auth_signed_prefix),
	        cmocka_unit_test(test_hdl_auth_hash_names),
	        cmocka_unit_test(test_hdl_auth_roundtrips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
