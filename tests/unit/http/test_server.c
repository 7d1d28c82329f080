/*
 * test_server.c - idrd's HTTP/1.1 layer (http/server.h) fed bytes without a socket
 * (http_worker_feed): pipelined requests answered in order, whatever the size of the reads;
 * HTTP/1.0 keep-alive; HEAD without a body; 100 Continue; chunked and Handle-message bodies;
 * framing errors answered once and closed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/rsv.h"
#include "hdl/hdl.h"
#include "http/server.h"
#include "lib/reg_abc.h"

struct fix {
	struct reg *reg;
	struct conf conf;
	struct rsv *r;
	struct rsv_worker *w;
	struct http_worker *h;
	struct wbuf out;
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(reg_abc(&f->reg), IDR_OK);
	assert_int_equal(conf_load(&f->conf, NULL, NULL, NULL), IDR_OK);
	assert_int_equal(rsv_new(&f->r, f->reg, &f->conf, NULL, NULL), IDR_OK);
	assert_int_equal(rsv_worker_new(f->r, 0, NULL, &f->w), IDR_OK);
	assert_int_equal(http_worker_new(&f->h, NULL, f->w, -1, NULL, NULL, NULL), IDR_OK);
	wbuf_init_heap(&f->out, 1u << 20);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	http_worker_free(f->h);
	rsv_worker_free(f->w);
	rsv_free(f->r);
	conf_free(&f->conf);
	reg_close(f->reg);
	wbuf_deinit(&f->out);
	free(f);
	return 0;
}

/* Feed text in reads of step bytes; the output, NUL-terminated, with Date values blanked. */
static const char *
feed(struct fix *f, const char *in, size_t len, size_t step)
{
	char *p, *e;

	wbuf_reset(&f->out);
	assert_int_equal(http_worker_feed(f->h, (const uint8_t *)in, len, step, &f->out), IDR_OK);
	wbuf_terminate(&f->out);
	assert_int_equal(wbuf_error(&f->out), IDR_OK);
	for (p = (char *)f->out.p; (p = strstr(p, "\r\nDate: ")) != NULL; p = e) {
		p += 8;
		e = strstr(p, "\r\n");
		assert_non_null(e);
		memset(p, 'D', (size_t)(e - p));
	}
	return (const char *)f->out.p;
}

static const char *
feeds(struct fix *f, const char *in, size_t step)
{
	return feed(f, in, strlen(in), step);
}

/* The status codes of the answers in out, as "200 404 ...": each answer's head is read and
 * its Content-Length skipped (HEAD answers, with nothing after them, are cut short).
 * @return the start of the last answer's head. */
static const char *
statuses(const char *out, char *buf, size_t cap)
{
	const char *last = out;

	const char *p = out, *end = out + strlen(out);
	size_t n = 0;

	buf[0] = '\0';
	while (p < end && strncmp(p, "HTTP/1.1 ", 9) == 0 && n + 5 < cap) {
		const char *head_end = strstr(p, "\r\n\r\n"), *cl;
		size_t blen = 0;
		int st = atoi(p + 9);

		assert_non_null(head_end);
		last = p;
		n += (size_t)snprintf(buf + n, cap - n, "%s%.3s", n > 0 ? " " : "", p + 9);
		cl = strstr(p, "Content-Length: ");
		if (st >= 200 && st != 204 && cl != NULL && cl < head_end) {
			blen = (size_t)strtoul(cl + 16, NULL, 10);
		}
		p = head_end + 4;
		p += blen <= (size_t)(end - p) ? blen : (size_t)(end - p);
	}
	if (p < end) {
		snprintf(buf + n, cap - n, " junk");
	}
	return last;
}

static void
assert_statuses(const char *out, const char *want)
{
	char got[256];

	statuses(out, got, sizeof(got));
	if (strcmp(got, want) != 0) {
		fail_msg("answers '%s', want '%s' in:\n%s", got, want, out);
	}
}

static void
test_server_pipelined_any_reads(void **state)
{
	static const char in[] = "GET /api/handles/88.100.1/abc HTTP/1.1\r\nHost: x\r\n\r\n"
	                         "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	                         "GET /api/handles/88.100.1/none HTTP/1.1\r\nHost: x\r\n\r\n";
	struct fix *f = *state;
	char *whole;

	whole = strdup(feeds(f, in, sizeof(in)));
	assert_non_null(whole);
	assert_statuses(whole, "200 200 404");
	assert_non_null(strstr(whole, "\"handle\":\"88.100.1/abc\""));
	for (size_t step = 1; step < 80; step += 7) {
		assert_string_equal(feeds(f, in, step), whole); /* the same bytes, read by read */
	}
	free(whole);
}

static void
test_server_http10_and_head(void **state)
{
	struct fix *f = *state;
	const char *out;

	out = feeds(f,
	            "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
	            "GET /healthz HTTP/1.0\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n",
	            4096);
	assert_statuses(out, "200 200"); /* the third is never read: the second closed */
	assert_non_null(strstr(out, "Connection: keep-alive\r\n"));
	assert_non_null(strstr(out, "Connection: close\r\n"));
	out = feeds(f, "HEAD /api/handles/88.100.1/abc HTTP/1.1\r\nHost: x\r\n\r\n", 4096);
	assert_statuses(out, "200");
	assert_non_null(strstr(out, "Content-Length: "));
	assert_non_null(strstr(out, "\r\n\r\n"));
	assert_string_equal(strstr(out, "\r\n\r\n"), "\r\n\r\n"); /* nothing after the head */
}

static void
test_server_continue_and_chunked(void **state)
{
	struct fix *f = *state;
	const char *out;

	static const char head[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
	                           "Content-Length: 3\r\n\r\n";
	char in[sizeof(head) + 3];

	memcpy(in, head, sizeof(head) - 1);
	memcpy(in + sizeof(head) - 1, "abc", 4);
	out = feeds(f, in, sizeof(head) - 1);
	assert_statuses(out, "100 200"); /* the body came in a later read: 100 first */
	out = feeds(f, in, sizeof(in));
	assert_statuses(out, "200"); /* the body came with the head: no 100 needed */
	out = feeds(f,
	            "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	            "2\r\nab\r\n1;x=y\r\nc\r\n0\r\nT: v\r\n\r\nGET /healthz HTTP/1.1\r\nHost: "
	            "x\r\n\r\n",
	            3);
	assert_statuses(out, "200 200");
}

static void
test_server_handle_message(void **state)
{
	struct fix *f = *state;
	struct rsv_ctx ctx = {RSV_PROTO_TCP, NULL, NULL, 0};
	struct hdl_req_opts o;
	uint8_t req[512], direct[2048];
	char in[4096];
	struct wbuf w, d;
	size_t n, dlen;
	const char *body;

	hdl_req_opts_init(&o, 42, 2000000000u);
	wbuf_init(&w, req, sizeof(req));
	assert_int_equal(
	        hdl_req_resolution_encode(&w, &o, SLICE_LIT("88.100.1/abc"), NULL, 0, NULL, 0),
	        IDR_OK);
	wbuf_init(&d, direct, sizeof(direct));
	assert_int_equal(rsv_handle(f->w, &ctx, req, wbuf_len(&w), 1700000000u, &d), RSV_REPLY);
	dlen = wbuf_len(&d);
	/* the same message, chunked in two, over HTTP */
	n = (size_t)snprintf(in, sizeof(in),
	                     "POST /88.100.1%%2Fabc HTTP/1.1\r\nHost: x\r\n"
	                     "Content-Type: application/x-hdl-message\r\n"
	                     "Transfer-Encoding: chunked\r\n\r\n%zx\r\n",
	                     (size_t)10);
	memcpy(in + n, req, 10);
	n += 10;
	n += (size_t)snprintf(in + n, sizeof(in) - n, "\r\n%zx\r\n", wbuf_len(&w) - 10);
	memcpy(in + n, req + 10, wbuf_len(&w) - 10);
	n += wbuf_len(&w) - 10;
	n += (size_t)snprintf(in + n, sizeof(in) - n, "\r\n0\r\n\r\n");
	feed(f, in, n, 5);
	assert_statuses((const char *)f->out.p, "200");
	assert_non_null(strstr((const char *)f->out.p, "Content-Type: application/x-hdl-message"));
	body = strstr((const char *)f->out.p, "\r\n\r\n") + 4;
	assert_int_equal(f->out.len - (size_t)(body - (const char *)f->out.p), dlen);
	/* equal but for the expiration time (header bytes 16..19) */
	assert_memory_equal(body, direct, 36);
	assert_memory_equal(body + 40, direct + 40, dlen - 40);
}

static void
test_server_framing_errors(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
	        {"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: "
	         "6\r\n\r\nhello"
	         "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
	         "400"},
	        {"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: "
	         "chunked\r\n"
	         "\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
	         "400"},
	        {"GET /healthz HTTP/1.1\r\n\r\n", "400"},
	        {"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", "505"},
	        {"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "501"},
	        {"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n"
	         "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
	         "200 400"},
	        {"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\nGET /healthz HTTP/1.1\r\n"
	         "Host: x\r\n\r\n",
	         "200 400"},
	};
	struct fix *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t step = 1; step <= 4096; step *= 8) {
			const char *out = feeds(f, cases[i].in, step);
			char got[256];
			const char *last = statuses(out, got, sizeof(got));

			assert_statuses(out, cases[i].want);
			assert_non_null(strstr(last, "Connection: close\r\n")); /* and closed */
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_server_pipelined_any_reads, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_server_http10_and_head, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_server_continue_and_chunked, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_server_handle_message, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_server_framing_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
