/*
 * fuzz_http_conn.c - arbitrary bytes through a whole HTTP connection of idrd's HTTP layer
 * (http/server.h), without a socket: parsing, routing, the handlers over an in-memory
 * registry, pipelining, chunked bodies, Handle messages over HTTP, and the answers. The first
 * input byte chooses the size of the reads (1 to 256 bytes), so every split of the input is
 * tried. Findings are crashes, sanitizer reports, and broken invariants (abort()):
 *   - the output is a sequence of whole HTTP/1.1 answers: a status line, headers ending in an
 *     empty line, and exactly Content-Length bytes of body (1xx and 204 have none; HEAD
 *     answers have Content-Length but no body);
 *   - never more final answers than requests could be in the input; at most one answer after
 *     a "Connection: close".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/conf.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "http/server.h"
#include "lib/reg_abc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	struct reg *reg;
	struct conf conf;
	struct rsv *r;
	struct rsv_worker *w;
	struct http_worker *h;
	struct wbuf out;
} fx;

static void
check(int ok)
{
	if (!ok) {
		abort();
	}
}

static void
setup(void)
{
	static const char text[] = "http_max_header_size 4k\nhttp_max_body_size 8k\n"
	                           "http_max_pipeline 8\nerror_rate 0\n";
	const struct cfg_opt *t;
	size_t n;

	check(reg_abc(&fx.reg) == IDR_OK);
	check(conf_load(&fx.conf, NULL, NULL, NULL) == IDR_OK);
	t = conf_table(&n);
	check(cfg_parse_buf(t, n, "fuzz", text, sizeof(text) - 1, &fx.conf, NULL, NULL) == IDR_OK);
	check(rsv_new(&fx.r, fx.reg, &fx.conf, NULL, NULL) == IDR_OK);
	check(rsv_worker_new(fx.r, 0, NULL, &fx.w) == IDR_OK);
	check(http_worker_new(&fx.h, NULL, fx.w, -1, NULL, NULL, NULL) == IDR_OK);
	wbuf_init_heap(&fx.out, 16u << 20);
}

static size_t
count(const uint8_t *p, size_t n, const char *needle)
{
	size_t k = strlen(needle), c = 0;

	for (size_t i = 0; i + k <= n; i++) {
		c += memcmp(p + i, needle, k) == 0;
	}
	return c;
}

/* A header's value in head[0..n) (case-insensitive name), or NULL. */
static const uint8_t *
header(const uint8_t *head, size_t n, const char *name, size_t *len)
{
	size_t k = strlen(name);

	for (size_t i = 0; i + k + 2 < n; i++) {
		if ((i == 0 || head[i - 1] == '\n') &&
		    strncasecmp((const char *)head + i, name, k) == 0 && head[i + k] == ':') {
			const uint8_t *v = head + i + k + 1, *e;

			while (*v == ' ') {
				v++;
			}
			e = memchr(v, '\r', (size_t)(head + n - v));
			check(e != NULL);
			*len = (size_t)(e - v);
			return v;
		}
	}
	return NULL;
}

/* Walk the answers in out; the number of final answers and whether one said close. */
static void
check_answers(const uint8_t *p, size_t n, size_t *finals, int *closes)
{
	size_t off = 0;

	*finals = 0;
	*closes = 0;
	while (off < n) {
		const uint8_t *end = NULL;
		size_t hlen, blen = 0, vlen = 0;
		const uint8_t *cl;
		int status;

		for (size_t i = off; i + 3 < n; i++) {
			if (memcmp(p + i, "\r\n\r\n", 4) == 0) {
				end = p + i + 4;
				break;
			}
		}
		check(end != NULL);
		check(n - off > 13 && memcmp(p + off, "HTTP/1.1 ", 9) == 0);
		status = (p[off + 9] - '0') * 100 + (p[off + 10] - '0') * 10 + (p[off + 11] - '0');
		check(status >= 100 && status <= 599);
		hlen = (size_t)(end - (p + off));
		cl = header(p + off, hlen, "Content-Length", &vlen);
		if (status >= 200 && status != 204) {
			check(cl != NULL && vlen > 0 && vlen < 20);
			for (size_t i = 0; i < vlen; i++) {
				check(cl[i] >= '0' && cl[i] <= '9');
				blen = blen * 10 + (size_t)(cl[i] - '0');
			}
			(*finals)++;
		}
		*closes += header(p + off, hlen, "Connection", &vlen) != NULL &&
		           vlen == 5; /* "close" */
		off += hlen;
		/* a HEAD answer has no body: then the next answer, or nothing, follows at once (no
		 * body of ours starts with a status line) */
		if (blen > 0 && off < n &&
		    !(n - off >= 9 && memcmp(p + off, "HTTP/1.1 ", 9) == 0)) {
			check(n - off >= blen);
			off += blen;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t finals;
	int closes;

	if (fx.h == NULL) {
		setup();
	}
	if (size == 0) {
		return 0;
	}
	wbuf_reset(&fx.out);
	check(http_worker_feed(fx.h, data + 1, size - 1, (size_t)data[0] + 1, &fx.out) == IDR_OK);
	check(wbuf_error(&fx.out) == IDR_OK);
	check_answers(wbuf_data(&fx.out), wbuf_len(&fx.out), &finals, &closes);
	/* every answer needs a request line, or one error for the garbage that ended the stream */
	check(finals <= count(data, size, "\n") + 1);
	check(closes <= 1);
	return 0;
}
