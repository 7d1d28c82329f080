/*
 * fuzz_udp_reasm.c - the UDP request path before dispatch: datagrams from a few sources go
 * through hdl_udp_triage and, when they are fragments, through the reassembly table (small
 * memory cap, short time-out, advancing clock). No crash, no leak; the table never holds more
 * than its cap; a completed message parses or is rejected cleanly.
 * Input: records of [source 1 byte][clock step 1 byte][length 2 bytes BE][datagram].
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hdl/hdl.h"
#include "hdl/hdl_udp.h"
#include "net/udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MEMORY ((size_t)65536 * 2)

static void
source(struct sockaddr_storage *ss, uint8_t sel)
{
	memset(ss, 0, sizeof(*ss));
	if ((sel & 4) != 0) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)(1000 + (sel & 3)));
		s6->sin6_addr.s6_addr[15] = (uint8_t)(sel >> 3);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)(1000 + (sel & 3)));
		s4->sin_addr.s_addr = htonl(0x7f000001u + (sel >> 3));
	}
}

static void
one(struct udp_reasm_table *t, uint8_t sel, const uint8_t *d, size_t len, uint64_t now)
{
	struct sockaddr_storage src;
	struct hdl_envelope env;
	struct hdl_reasm *r = NULL;
	struct hdl_msg m;
	int rc;

	if (hdl_udp_triage(d, len, 0, &env) != HDL_UDP_FRAGMENT) {
		return;
	}
	source(&src, sel);
	rc = udp_reasm_table_feed(t, (const struct sockaddr *)&src, &env, d, len, 0, now, &r);
	if (udp_reasm_table_memory(t) > FUZZ_MEMORY || (rc == UDP_REASM_DONE) != (r != NULL)) {
		abort();
	}
	if (r != NULL) {
		if (hdl_reasm_parse(r, &m) == IDR_OK &&
		    (m.raw.len < HDL_HEADER_LEN || m.raw.len > m.env.msg_len)) {
			abort();
		}
		hdl_reasm_free(r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udp_reasm_table *t;
	uint64_t now = 0;
	size_t off = 0;

	if (udp_reasm_table_new(&t, FUZZ_MEMORY, 300) != IDR_OK) {
		abort();
	}
	while (size - off >= 4) {
		uint8_t sel = data[off];
		size_t len = (size_t)data[off + 2] << 8 | data[off + 3];

		now += (uint64_t)data[off + 1] * 10;
		off += 4;
		if (len > size - off) {
			len = size - off;
		}
		one(t, sel, data + off, len, now);
		off += len;
	}
	udp_reasm_table_expire(t, now + 1000);
	if (udp_reasm_table_count(t) != 0 || udp_reasm_table_memory(t) != 0) {
		abort();
	}
	udp_reasm_table_free(t);
	return 0;
}
