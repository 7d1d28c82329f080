/*
 * fuzz_httpc_head.c - the response head collector of the HTTP(S) client (resolver/client/httpc.h)
 * on arbitrary bytes cut into lines at each LF, as libcurl hands them over: checks the result
 * codes, the head bound and that kept values are bounded and free of control characters.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/httpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

static void
value_check(const char *v)
{
	size_t i, n;

	if (v == NULL) {
		return;
	}
	n = strlen(v);
	check(n <= HTTPC_VALUE_MAX);
	for (i = 0; i < n; i++) {
		check((uint8_t)v[i] >= 0x20 || v[i] == '\t');
		check((uint8_t)v[i] != 0x7f);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpc_head h;
	const uint8_t *lf;
	const char *why;
	size_t off = 0, n;
	int rc = IDR_OK;

	httpc_head_init(&h);
	while (off < size && rc == IDR_OK) {
		lf = memchr(data + off, '\n', size - off);
		n = lf != NULL ? (size_t)(lf - (data + off)) + 1 : size - off;
		why = NULL;
		rc = httpc_head_line(&h, slice_make(data + off, n), &why);
		check(rc == IDR_OK || rc == IDR_EPROTO || rc == IDR_ELIMIT || rc == IDR_ENOMEM);
		check(rc == IDR_OK || why != NULL);
		check(h.bytes <= HTTPC_HEAD_MAX);
		value_check(h.content_type);
		value_check(h.www_authenticate);
		value_check(h.location);
		off += n;
	}
	httpc_head_deinit(&h);
	return 0;
}
