/*
 * fuzz_referral.c - hdlc_referral_target (resolver/client/hdlc.h) on an arbitrary value list, as
 * a 302/303 answer from another server carries it: any answer is IDR_OK with an address of a
 * known family, IDR_ENOENT with a service handle inside the input (or none), or an error; never
 * a read outside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "client/hdlc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum hdlc_proto protos[] = {HDLC_PROTO_AUTO, HDLC_PROTO_UDP, HDLC_PROTO_TCP};
	uint8_t *copy = malloc(size > 0 ? size : 1); /* exact size: ASan sees any overread */

	check(copy != NULL);
	memcpy(copy, data, size);
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		struct slice serv = {NULL, 0};
		struct addr out;
		int rc;

		memset(&out, 0, sizeof(out));
		rc = hdlc_referral_target(slice_make(copy, size), SLICE_LIT("88.118.8/P-1"),
		                          protos[i], &out, &serv);
		if (rc == IDR_OK) {
			check(out.ss.ss_family == AF_INET || out.ss.ss_family == AF_INET6);
		} else if (rc == IDR_ENOENT && serv.len > 0) {
			check(serv.p >= copy && serv.p + serv.len <= copy + size);
		}
	}
	free(copy);
	return 0;
}
