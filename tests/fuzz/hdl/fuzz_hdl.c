/*
 * fuzz_hdl.c - the Handle codec on arbitrary bytes: the input is read as a stream of units
 * and each message parsed as a request (every body kind, re-encoded and compared where the
 * encoding is canonical, then answered) and as a response (every response body); the input is
 * also triaged and fed to the UDP reassembler in 512-byte datagrams.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hdl/hdl.h"
#include "hdl/hdl_udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_IDX    256
#define FUZZ_MAX_TYPES  64
#define FUZZ_MAX_VALUES 64

static const struct hdl_resp_opts fuzz_resp_opts = {0x5f5e1000u, 0xffff, 0};

/* Abort on a broken codec invariant (libFuzzer reports it as a crash). */
static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

static void
opts_from(const struct hdl_msg *m, struct hdl_req_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ver = m->env.ver;
	o->sugg = m->env.sugg;
	o->session_id = m->env.session_id;
	o->request_id = m->env.request_id;
	o->flags = m->hdr.flags;
	o->site_serial = m->hdr.site_serial;
	o->recursion = m->hdr.recursion;
	o->expiration = m->hdr.expiration;
}

/* Our encoders produce exactly this unit iff it has no reserved bits, no fragment fields,
 * a CredentialLength of 0, and is a request. */
static int
canonical(const struct hdl_msg *m, struct slice unit)
{
	return m->hdr.rc == 0 && m->env.flags == 0 && m->env.seq == 0 && m->cred_len_present &&
	       m->cred.len == 0 && (unit.p[2] & 0x1c) == 0 && m->raw.p[15] == 0;
}

/* Parse the body by kind; on success re-encode it into w. @return IDR_OK if w holds it. */
static int
request_reencode(const struct hdl_msg *m, struct wbuf *w)
{
	uint32_t idx[FUZZ_MAX_IDX];
	struct slice types[FUZZ_MAX_TYPES], h;
	struct value vals[FUZZ_MAX_VALUES];
	struct hdl_res_req rq;
	struct hdl_values_req vq;
	struct hdl_remove_req dq;
	struct hdl_req_opts o;
	struct rbuf body;
	int rc = IDR_EINVAL;

	opts_from(m, &o);
	rbuf_init(&body, m->body.p, m->body.len);
	switch (hdl_req_body_kind(m->hdr.opcode)) {
	case HDL_BODY_RESOLUTION:
		if (hdl_res_req_parse(&body, &rq, idx, FUZZ_MAX_IDX, types, FUZZ_MAX_TYPES) ==
		    IDR_OK) {
			rc = hdl_req_resolution_encode(w, &o, rq.handle, rq.indexes, rq.nindexes,
			                               rq.types, rq.ntypes);
		}
		break;
	case HDL_BODY_HANDLE:
		if (hdl_handle_req_parse(&body, &h) == IDR_OK) {
			rc = hdl_req_handle_encode(w, &o, m->hdr.opcode, h);
		}
		break;
	case HDL_BODY_VALUES:
		if (hdl_values_req_parse(&body, &vq, vals, FUZZ_MAX_VALUES) == IDR_OK) {
			rc = hdl_req_values_encode(w, &o, m->hdr.opcode, vq.handle, vq.values,
			                           vq.nvalues);
		}
		break;
	case HDL_BODY_INDEXES:
		if (hdl_remove_req_parse(&body, &dq, idx, FUZZ_MAX_IDX) == IDR_OK) {
			rc = hdl_req_remove_encode(w, &o, dq.handle, dq.indexes, dq.nindexes);
		}
		break;
	default:
		break;
	}
	return rc;
}

/* Answer a request and read the answer back as a client would. */
static void
answer(const struct hdl_msg *req, struct wbuf *w)
{
	struct hdl_digest d;
	struct hdl_msg m;
	struct slice text;
	struct rbuf r, rest;
	bool has_rd;

	wbuf_reset(w);
	if (hdl_resp_error(w, req, HDL_RC_PROTOCOL_ERROR, SLICE_LIT("malformed"),
	                   &fuzz_resp_opts) != IDR_OK) {
		return;
	}
	rbuf_init(&r, wbuf_data(w), wbuf_len(w));
	check(hdl_msg_parse(&r, &m) == IDR_OK);
	check(m.env.request_id == req->env.request_id);
	check(hdl_version_cmp(m.env.ver, hdl_version_negotiate(&req->env)) == 0);
	check(hdl_resp_open(&m, &d, &has_rd, &rest) == IDR_OK);
	check(has_rd == ((req->hdr.flags & HDL_FLAG_RD) != 0));
	if (has_rd) {
		check(hdl_rd_verify(&d, req->raw) == IDR_OK);
	}
	check(hdl_error_resp_parse(&rest, m.env.ver, &text) == IDR_OK);
	check(slice_eq(text, SLICE_LIT("malformed")));
}

/* unit: the bytes m was parsed from, or NULL when it was reassembled */
static void
as_request(const struct hdl_msg *m, const struct slice *unit, struct wbuf *w)
{
	int rc;

	if (m->hdr.rc != HDL_RC_RESERVED) {
		return;
	}
	wbuf_reset(w);
	rc = request_reencode(m, w);
	if (rc == IDR_OK && unit != NULL && canonical(m, *unit)) {
		check(slice_eq(wbuf_slice(w), *unit));
	}
	answer(m, w);
}

static void
walk_clumps(struct slice clumps, uint32_t count)
{
	struct value v;
	struct slice c;
	struct rbuf r;
	uint32_t n = 0;

	rbuf_init(&r, clumps.p, clumps.len);
	while (hdl_clump_next(&r, &v, &c) == IDR_OK) {
		n++;
	}
	check(n == count);
}

static void
as_response(const struct hdl_msg *m)
{
	struct hdl_value_list l;
	struct hdl_digest d;
	struct hdl_cred cred;
	struct slice s;
	struct rbuf rest;
	bool has_rd;

	if (m->cred.len > 0 && hdl_cred_parse(m->cred, &cred) == IDR_OK) {
		check(cred.signer.len + cred.type.len + cred.signature.len < m->cred.len);
	}
	if (hdl_resp_open(m, &d, &has_rd, &rest) != IDR_OK) {
		return;
	}
	if (m->hdr.rc == HDL_RC_SUCCESS && m->hdr.opcode == HDL_OC_RESOLUTION) {
		if (hdl_res_resp_parse(&rest, &l) == IDR_OK) {
			walk_clumps(l.clumps, l.count);
		}
	} else if (m->hdr.rc == HDL_RC_SUCCESS && m->hdr.opcode == HDL_OC_GET_SITEINFO) {
		if (hdl_siteinfo_resp_parse(&rest, &s) == IDR_OK) {
			check(s.len > 0 && rbuf_left(&rest) == 0);
		}
	} else if (m->hdr.rc == HDL_RC_SERVICE_REFERRAL || m->hdr.rc == HDL_RC_PREFIX_REFERRAL) {
		if (hdl_referral_resp_parse(&rest, &l) == IDR_OK && l.present) {
			walk_clumps(l.clumps, l.count);
		}
	} else if (hdl_rc_is_error(m->hdr.rc)) {
		if (hdl_error_resp_parse(&rest, m->env.ver, &s) == IDR_OK) {
			check(s.len <= m->body.len && rbuf_left(&rest) == 0);
		}
	}
}

static void
fuzz_stream(const uint8_t *data, size_t size, struct wbuf *w)
{
	struct hdl_msg m;
	struct slice unit;
	struct rbuf in, at;

	rbuf_init(&in, data, size);
	for (;;) {
		at = in;
		if (hdl_msg_parse(&in, &m) != IDR_OK) {
			break;
		}
		unit = rbuf_bytes(&at, rbuf_offset(&in) - rbuf_offset(&at));
		check(unit.len == HDL_ENVELOPE_LEN + (size_t)m.env.msg_len);
		as_request(&m, &unit, w);
		as_response(&m);
	}
}

/* Each 512-byte chunk is a datagram; the first one that triages as a fragment or a whole
 * message opens the reassembly. */
static void
fuzz_udp(const uint8_t *data, size_t size, struct wbuf *w)
{
	struct hdl_reasm *ra = NULL;
	struct hdl_envelope env;
	struct hdl_msg m;
	size_t off, n;

	for (off = 0; off < size; off += n) {
		enum hdl_udp_verdict v;

		n = size - off < HDL_UDP_PACKET_MAX ? size - off : HDL_UDP_PACKET_MAX;
		v = hdl_udp_triage(data + off, n, 0, &env);
		(void)hdl_udp_verdict_name(v);
		if (ra == NULL && (v == HDL_UDP_FRAGMENT || v == HDL_UDP_WHOLE) &&
		    hdl_reasm_new(&ra, &env, 0) != IDR_OK) {
			return;
		}
		if (ra != NULL) {
			int fed = hdl_reasm_feed(ra, data + off, n);

			check(fed == 0 || fed == 1 || fed == IDR_EPROTO);
		}
	}
	if (ra != NULL && hdl_reasm_parse(ra, &m) == IDR_OK) {
		check(hdl_reasm_done(ra));
		as_request(&m, NULL, w);
	}
	hdl_reasm_free(ra);
}

/* Fragment whatever parsed as a unit and put it back together. */
static void
fuzz_fragment(const uint8_t *data, size_t size)
{
	uint8_t dg[HDL_UDP_PACKET_MAX];
	struct hdl_reasm *ra = NULL;
	struct hdl_envelope env;
	struct hdl_msg m, again;
	struct slice unit;
	struct rbuf in;
	struct wbuf w;
	int count, i;

	rbuf_init(&in, data, size);
	if (hdl_msg_parse(&in, &m) != IDR_OK) {
		return;
	}
	unit = slice_make(data, rbuf_offset(&in));
	count = hdl_udp_fragment_count(unit);
	check(count >= 1);
	for (i = count - 1; i >= 0; i--) {
		wbuf_init(&w, dg, sizeof(dg));
		check(hdl_udp_fragment(unit, (size_t)i, &w) == IDR_OK);
		if (ra == NULL) {
			rbuf_init(&in, dg, wbuf_len(&w));
			check(hdl_envelope_parse(&in, &env) == IDR_OK);
			if (hdl_reasm_new(&ra, &env, 0) != IDR_OK) {
				return;
			}
		}
		check(hdl_reasm_feed(ra, dg, wbuf_len(&w)) == 1);
	}
	check(hdl_reasm_done(ra));
	check(hdl_reasm_parse(ra, &again) == IDR_OK);
	check(slice_eq(again.raw, m.raw) && slice_eq(again.cred, m.cred));
	hdl_reasm_free(ra);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wbuf w;

	wbuf_init_heap(&w, HDL_MAX_UNIT_LEN + 4096);
	fuzz_stream(data, size, &w);
	fuzz_udp(data, size, &w);
	fuzz_fragment(data, size);
	wbuf_deinit(&w);
	return 0;
}
