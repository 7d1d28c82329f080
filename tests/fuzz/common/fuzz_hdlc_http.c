/*
 * fuzz_hdlc_http.c - the HTTP response parsers of the Handle client (tools/common/hdlc.h) on
 * arbitrary bytes: the head, then the body as chunked encoding, checking the invariants the
 * client relies on (the head length within the input and the head limit, the head alone
 * parsing the same and one byte less asking for more, a decoded body no longer than its
 * encoding).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/hdlc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_BODY_MAX 65536

static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

static void
body(struct slice b)
{
	struct wbuf w;
	int rc;

	wbuf_init_heap(&w, FUZZ_BODY_MAX);
	rc = hdlc_http_dechunk(b, &w);
	check(rc == IDR_OK || rc == IDR_EAGAIN || rc == IDR_EPROTO || rc == IDR_ETOOBIG);
	check(wbuf_len(&w) <= b.len);
	wbuf_deinit(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hdlc_http_head h;
	struct rbuf r;
	int rc;

	rc = hdlc_http_head_parse(slice_make(data, size), &h);
	check(rc == IDR_OK || rc == IDR_EAGAIN || rc == IDR_EPROTO || rc == IDR_ELIMIT);
	if (rc == IDR_OK) {
		check(h.head_len >= 4 && h.head_len <= size && h.head_len <= HDLC_HTTP_HEAD_MAX);
		check(h.status >= 200 && h.status <= 599);
		/* the head alone parses the same; one byte less is incomplete */
		check(hdlc_http_head_parse(slice_make(data, h.head_len), &h) == IDR_OK);
		check(hdlc_http_head_parse(slice_make(data, h.head_len - 1), &h) == IDR_EAGAIN);
		rbuf_init(&r, data, size);
		rbuf_skip(&r, h.head_len);
		body(rbuf_bytes(&r, rbuf_left(&r)));
	}
	body(slice_make(data, size));
	return 0;
}
