/*
 * fuzz_nodes_body.c - the bodies of the top level's node changes (http/api_nodes.h,
 * http_nodes_body_parse).
 *
 * Input: any bytes, parsed as the body of an add, a takeover and a release. An accepted add
 * must have a NUL-terminated prefix of 1..PFX_MAX_LEN bytes, a key of 1..NODEOP_KEY_MAX bytes
 * and a site and owner within their arrays; an accepted takeover a site within its array and
 * no key; an accepted release an empty body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_nodes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct nodeop op;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum nodeop_kind kinds[] = {NODEOP_ADD, NODEOP_TAKEOVER, NODEOP_RELEASE};
	char msg[NODEOP_MSG_MAX];

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		int rc = http_nodes_body_parse(slice_make(data, size), kinds[k],
		                               SLICE_LIT("88.118"), &op, msg, sizeof(msg));

		if (rc != IDR_OK) {
			if (strnlen(msg, sizeof(msg)) == 0 ||
			    strnlen(msg, sizeof(msg)) == sizeof(msg)) {
				abort(); /* every refusal says why */
			}
			continue;
		}
		if (strnlen(op.prefix, sizeof(op.prefix)) == 0 ||
		    strnlen(op.prefix, sizeof(op.prefix)) == sizeof(op.prefix) ||
		    strnlen(op.owner, sizeof(op.owner)) == sizeof(op.owner) ||
		    op.site_len > sizeof(op.site) || op.kind != kinds[k]) {
			abort();
		}
		if (kinds[k] == NODEOP_ADD && (op.key_len == 0 || op.key_len > sizeof(op.key))) {
			abort();
		}
		if (kinds[k] != NODEOP_ADD && op.key_len != 0) {
			abort();
		}
		if (kinds[k] == NODEOP_RELEASE && (size != 0 || op.site_len != 0)) {
			abort();
		}
	}
	return 0;
}
