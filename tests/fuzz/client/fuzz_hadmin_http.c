/*
 * fuzz_hadmin_http.c - the Handle-over-HTTP answer body reader of the admin client
 * (resolver/client/hadmin.h) on arbitrary bytes: the first 4 bytes are the request id, the rest
 * the body. hadmin_http_body_next returns only IDR_OK, IDR_ENOENT, IDR_EPROTO or IDR_ELIMIT;
 * every unit it hands out carries the request id and a response code, lies inside the body,
 * and all units but the last have CN; IDR_ENOENT comes only after the whole body was read.
 * The same bytes (at most one handle long) go through hadmin_http_path, whose output holds
 * only unreserved characters and %XX escapes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/wbuf.h"
#include "client/hadmin.h"
#include "hdl/hdl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

static int
inside(struct slice s, const uint8_t *p, size_t len)
{
	return s.len == 0 || (s.p >= p && s.p + s.len <= p + len);
}

static void
body(const uint8_t *data, size_t size)
{
	struct hadmin_http_body b;
	struct hdl_msg m;
	uint32_t rid;
	int rc;
	bool last_cn = true;

	if (size < 4) {
		return;
	}
	rid = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
	hadmin_http_body_init(&b, slice_make(data + 4, size - 4), rid);
	while ((rc = hadmin_http_body_next(&b, &m)) == IDR_OK) {
		check(last_cn);
		check(m.env.request_id == rid && m.hdr.rc != HDL_RC_RESERVED);
		check(inside(m.raw, data + 4, size - 4) && inside(m.body, data + 4, size - 4));
		last_cn = (m.hdr.flags & HDL_FLAG_CN) != 0;
	}
	check(rc == IDR_ENOENT || rc == IDR_EPROTO || rc == IDR_ELIMIT);
	if (rc == IDR_ENOENT) {
		check(!last_cn && b.ended && b.units > 0 && rbuf_left(&b.r) == 0);
	}
	check(hadmin_http_body_next(&b, &m) == rc);
}

static void
path(const uint8_t *data, size_t size)
{
	static uint8_t out[1 + 3 * HDL_MAX_HANDLE_LEN];
	struct wbuf w;
	size_t n = size < HDL_MAX_HANDLE_LEN ? size : HDL_MAX_HANDLE_LEN, len;
	const uint8_t *p;

	wbuf_init(&w, out, sizeof(out));
	check(hadmin_http_path(&w, slice_make(data, n)) == IDR_OK);
	p = wbuf_data(&w);
	len = wbuf_len(&w);
	check(len >= 1 && p[0] == '/');
	for (size_t i = 1; i < len; i++) {
		if (p[i] == '%') {
			check(i + 2 < len && strchr("0123456789ABCDEF", p[i + 1]) != NULL &&
			      strchr("0123456789ABCDEF", p[i + 2]) != NULL && p[i + 1] != '\0' &&
			      p[i + 2] != '\0');
			i += 2;
		} else {
			check(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz012345678"
			             "9-._~",
			             p[i]) != NULL &&
			      p[i] != '\0');
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	body(data, size);
	path(data, size);
	return 0;
}
