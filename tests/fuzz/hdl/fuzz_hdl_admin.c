/*
 * fuzz_hdl_admin.c - the admin, authentication and session decoders of hdl_admin.h and
 * hdl_auth.h on arbitrary bytes. The first input byte picks the body kind, the rest is the
 * body; a body that decodes is re-encoded and must decode to the same fields (and, where the
 * encoding is canonical, to the same bytes). The whole input is also read as a stream of
 * messages whose credential sections, challenges and signed data are exercised.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hdl/hdl.h"
#include "hdl/hdl_admin.h"
#include "hdl/hdl_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* results of decoders whose outcome is not checked further */
static volatile int sink;

#define OUT_MAX (HDL_MAX_UNIT_LEN + 65536)

enum kind {
	K_ANSWER,
	K_PUBSIG,
	K_SECKEY,
	K_SECKEY_OLD,
	K_VERIFY_REQ,
	K_LOGIN,
	K_SETUP,
	K_SETUP_RESP,
	K_EXKEY,
	K_VERIFY_RESP,
	K_DH,
	K_CREATE_RESP,
	K_LIST_RESP,
	K_NKINDS
};

static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

/* The body of the single message an encoder wrote into w. */
static struct slice
body_of(struct wbuf *w)
{
	struct rbuf r;
	struct hdl_msg m;

	rbuf_init(&r, wbuf_data(w), wbuf_len(w));
	check(hdl_msg_parse(&r, &m) == IDR_OK);
	return m.body;
}

static void
fuzz_answer(struct rbuf *r, struct wbuf *w, const struct hdl_req_opts *o)
{
	struct hdl_auth_answer a, b;
	struct hdl_auth_pubkey_sig ps;
	struct hdl_auth_seckey_sig ss;
	struct slice body;
	struct rbuf again;

	if (hdl_auth_answer_parse(r, &a) != IDR_OK) {
		return;
	}
	check(hdl_auth_answer_encode(w, o, &a) == IDR_OK);
	body = body_of(w);
	check(body.len == rbuf_offset(r) && memcmp(body.p, r->p, body.len) == 0);
	rbuf_init(&again, body.p, body.len);
	check(hdl_auth_answer_parse(&again, &b) == IDR_OK && b.key_index == a.key_index);
	sink += hdl_auth_pubkey_sig_parse(a.signed_response, &ps);
	sink += hdl_auth_seckey_sig_parse(a.signed_response, o->ver, &ss);
}

static void
fuzz_sigs(int kind, struct slice in, struct wbuf *w)
{
	struct hdl_version v = {2, kind == K_SECKEY_OLD ? 0 : 11};
	struct hdl_auth_pubkey_sig ps;
	struct hdl_auth_seckey_sig ss, ss2;

	if (kind == K_PUBSIG) {
		if (hdl_auth_pubkey_sig_parse(in, &ps) == IDR_OK) {
			check(hdl_auth_pubkey_sig_encode(w, &ps) == IDR_OK);
			check(slice_eq(wbuf_slice(w), in));
		}
		return;
	}
	if (hdl_auth_seckey_sig_parse(in, v, &ss) == IDR_OK) {
		check(hdl_auth_seckey_sig_encode(w, &ss) == IDR_OK);
		check(slice_eq(wbuf_slice(w), in));
		check(hdl_auth_seckey_sig_parse(wbuf_slice(w), v, &ss2) == IDR_OK);
		check(ss2.alg == ss.alg && slice_eq(ss2.mac, ss.mac));
	}
}

static void
fuzz_requests(int kind, struct rbuf *r, struct wbuf *w, const struct hdl_req_opts *o)
{
	struct hdl_auth_verify_req vr;
	struct hdl_auth_login l;
	struct hdl_auth_session_setup s, s2;
	struct slice key, body;
	struct rbuf again;

	switch (kind) {
	case K_VERIFY_REQ:
		if (hdl_auth_verify_req_parse(r, &vr) == IDR_OK) {
			check(hdl_auth_verify_req_encode(w, o, &vr) == IDR_OK);
			body = body_of(w);
			check(body.len == rbuf_offset(r) && memcmp(body.p, r->p, body.len) == 0);
		}
		break;
	case K_LOGIN:
		if (hdl_auth_login_parse(r, &l) == IDR_OK) {
			check(hdl_auth_login_encode(w, o, &l) == IDR_OK);
			check(body_of(w).len == rbuf_offset(r));
		}
		break;
	case K_SETUP:
		if (hdl_auth_session_setup_parse(r, &s) == IDR_OK) {
			check(hdl_auth_session_setup_encode(w, o, &s) == IDR_OK);
			body = body_of(w);
			rbuf_init(&again, body.p, body.len);
			check(hdl_auth_session_setup_parse(&again, &s2) == IDR_OK);
			check(s2.mode == s.mode && slice_eq(s2.pubkey, s.pubkey) &&
			      slice_eq(s2.key_handle, s.key_handle));
		}
		break;
	default: /* K_EXKEY */
		if (hdl_auth_exchange_key_parse(r, &key) == IDR_OK) {
			check(hdl_auth_exchange_key_encode(w, o, key) == IDR_OK);
			/* an empty key is sent as an empty body */
			check(body_of(w).len == (key.len > 0 ? rbuf_offset(r) : 0));
		}
	}
}

static void
fuzz_answers(int kind, struct rbuf *r)
{
	struct hdl_admin_handle_list l;
	struct hdl_msg m;
	struct slice s;
	struct rbuf it;
	uint16_t mode;
	uint32_t c, n = 0;
	bool b;

	memset(&m, 0, sizeof(m));
	switch (kind) {
	case K_SETUP_RESP:
		if (hdl_auth_session_setup_resp_parse(r, &mode, &s) == IDR_OK) {
			sink += hdl_auth_dh_data_parse(s, &c, &s);
		}
		break;
	case K_VERIFY_RESP:
		sink += hdl_auth_verify_resp_parse(r, &b);
		break;
	case K_DH:
		sink += hdl_auth_dh_data_parse(slice_make(r->p, r->len), &c, &s);
		break;
	case K_CREATE_RESP:
		sink += hdl_admin_create_resp_parse(r, &s, &b);
		break;
	default: /* K_LIST_RESP */
		if (hdl_admin_list_resp_parse(&m, r, &l) == IDR_OK) {
			rbuf_init(&it, l.handles.p, l.handles.len);
			while (hdl_admin_list_next(&it, &s) == IDR_OK) {
				n++;
			}
			check(n == l.count && rbuf_error(&it) == IDR_OK);
		}
	}
}

/* Messages: credentials re-encode exactly; signed and MACed data and challenges build. */
static void
fuzz_messages(const uint8_t *data, size_t size, struct wbuf *w)
{
	static const struct hdl_resp_opts ro = {0x5f5e1000u, 0xffff, 0};
	struct hdl_auth_challenge ch;
	enum hdl_auth_mac_kind mk;
	struct hdl_cred c;
	struct hdl_msg m;
	struct rbuf in;

	rbuf_init(&in, data, size);
	while (hdl_msg_parse(&in, &m) == IDR_OK) {
		wbuf_reset(w);
		if (m.cred.len > 0 && hdl_cred_parse(m.cred, &c) == IDR_OK) {
			check(hdl_auth_cred_encode(w, &c) == IDR_OK);
			/* exact unless the ignored reserved byte was not 0 */
			check(m.cred.p[1] != 0 || slice_eq(wbuf_slice(w), m.cred));
			wbuf_reset(w);
			check(hdl_auth_signed_data(w, &m.env, c.signer_index, m.raw) == IDR_OK);
			wbuf_reset(w);
			sink += hdl_auth_mac_data(w, &m.env, c.signer_index, m.raw, c.signature,
			                          hdl_auth_hash_id(c.digest_alg), &mk);
		}
		if (m.hdr.rc == HDL_RC_AUTHENTICATION_NEEDED) {
			sink += hdl_auth_challenge_parse(&m, &ch);
		} else if (m.hdr.rc == HDL_RC_RESERVED) {
			wbuf_reset(w);
			check(hdl_auth_challenge_encode(w, &m, 1, SLICE_LIT("0123456789abcdef"),
			                                &ro) == IDR_OK);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[OUT_MAX];
	struct hdl_req_opts o;
	struct rbuf r;
	struct wbuf w;
	int kind;

	if (size == 0) {
		return 0;
	}
	kind = data[0] % K_NKINDS;
	rbuf_init(&r, data + 1, size - 1);
	wbuf_init(&w, out, sizeof(out));
	hdl_req_opts_init(&o, 1, 0x5f5e1000u);
	o.ver.minor = 11;
	switch (kind) {
	case K_ANSWER:
		fuzz_answer(&r, &w, &o);
		break;
	case K_PUBSIG:
	case K_SECKEY:
	case K_SECKEY_OLD:
		fuzz_sigs(kind, slice_make(data + 1, size - 1), &w);
		break;
	case K_VERIFY_REQ:
	case K_LOGIN:
	case K_SETUP:
	case K_EXKEY:
		fuzz_requests(kind, &r, &w, &o);
		break;
	default:
		fuzz_answers(kind, &r);
	}
	wbuf_reset(&w);
	fuzz_messages(data, size, &w);
	return 0;
}
