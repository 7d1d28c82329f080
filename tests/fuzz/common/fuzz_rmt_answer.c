/*
 * fuzz_rmt_answer.c - the parsers of a node's answers in the remote mode (tools/common/rmt.h):
 * rmt_session_parse and rmt_answer_parse on arbitrary bytes. An accepted session has a
 * sessionId of 1..8 hex digits and a nonce of 1..RMT_NONCE_MAX bytes; messages are
 * NUL-terminated within their buffers and hold no control characters.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/rmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

static void
check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	check(n < cap);
	for (size_t i = 0; i < n; i++) {
		check((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rmt_session s;
	struct rmt_answer a;
	const char *why = NULL;
	int rc = rmt_session_parse(slice_make(data, size), &s, &why);

	if (rc == IDR_OK) {
		size_t n = strlen(s.id);

		check(n >= 1 && n <= RMT_SESSION_MAX);
		check(strspn(s.id, "0123456789abcdefABCDEF") == n);
		check(s.nonce_len >= 1 && s.nonce_len <= RMT_NONCE_MAX);
		check_text(s.error, sizeof(s.error));
	} else {
		check((rc == IDR_EPROTO || rc == IDR_ELIMIT) && why != NULL);
	}
	rc = rmt_answer_parse(slice_make(data, size), &a);
	check(rc == IDR_OK || (rc == IDR_ELIMIT && size > RMT_JSON_MAX));
	check(a.response_code >= -1 && a.response_code <= INT32_MAX);
	check_text(a.message, sizeof(a.message));
	return 0;
}
