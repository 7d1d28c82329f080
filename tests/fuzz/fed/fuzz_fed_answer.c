/* fuzz_fed_answer.c - what the recursive resolver does with an upstream answer, on arbitrary
 * bytes: parse the unit, check it against the request it answers (hdl_resp_check), read the
 * value list of a success or referral, the TTL to cache it for (frec_body_ttl), and the
 * server each HS_SITE value points at (value_site_decode, frec_site_target). No crash, no
 * leak; an answer passing the check carries the request's id and opcode. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fed/rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ref/handle.md §8: RESOLUTION of 88.100.1/abc, request id 0x01020304 (the seeds answer it) */
static const uint8_t request[] = {
        0x02, 0x01, 0x02, 0x01, 0,    0,   0,    0,    0x01, 0x02, 0x03, 0x04, 0,   0,    0,
        0,    0,    0,    0,    0x34, 0,   0,    0,    1,    0,    0,    0,    0,   0x19, 0,
        0,    0,    0xff, 0xff, 0,    0,   0x5f, 0x5e, 0x10, 0,    0,    0,    0,   0x18, 0,
        0,    0,    0x0c, '8',  '8',  '.', '1',  '0',  '0',  '.',  '1',  '/',  'a', 'b',  'c',
        0,    0,    0,    0,    0,    0,   0,    0,    0,    0,    0,    0};

static void
sites(struct slice clumps)
{
	static struct value_site site;
	struct upq_target t;
	struct slice clump;
	struct value v;
	struct rbuf r;

	rbuf_init(&r, clumps.p, clumps.len);
	while (hdl_clump_next(&r, &v, &clump) == IDR_OK) {
		if (value_type_match(v.type, SLICE_LIT("HS_SITE")) &&
		    value_site_decode(v.data, &site) == IDR_OK) {
			(void)frec_site_target(&site, SLICE_LIT("88.100.1/abc"), &t);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hdl_msg req, resp;
	struct hdl_value_list vl;
	struct rbuf in, rest;

	rbuf_init(&in, request, sizeof(request));
	if (hdl_msg_parse(&in, &req) != IDR_OK) {
		abort();
	}
	rbuf_init(&in, data, size);
	if (hdl_msg_parse(&in, &resp) != IDR_OK || hdl_resp_check(&resp, &req, &rest) != IDR_OK) {
		return 0;
	}
	if (resp.env.request_id != req.env.request_id || resp.hdr.opcode != req.hdr.opcode) {
		abort();
	}
	if (resp.hdr.rc == HDL_RC_SUCCESS) {
		struct slice body = slice_make(rest.p + rest.off, rbuf_left(&rest));

		if (hdl_res_resp_parse(&rest, &vl) == IDR_OK) {
			if (frec_body_ttl(body, 1600000000u, 86400) > 86400) {
				abort();
			}
			sites(vl.clumps);
		}
	} else if (resp.hdr.rc == HDL_RC_SERVICE_REFERRAL ||
	           resp.hdr.rc == HDL_RC_PREFIX_REFERRAL) {
		if (hdl_referral_resp_parse(&rest, &vl) == IDR_OK) {
			sites(vl.clumps);
		}
	}
	return 0;
}
