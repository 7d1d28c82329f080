/*
 * fuzz_parse.c - HTTP/1.1 request heads and chunked bodies (http/parse.h) on arbitrary bytes,
 * the way the connection layer calls them, under generous and under tight limits. Crashes and
 * sanitizer reports are findings; so is any broken invariant (abort()):
 *   - a head answers IDR_OK, IDR_EAGAIN, or the code of one of the documented statuses with a
 *     reason; on success *used <= len and <= max_head, the head ends with CRLF CRLF, every
 *     slice lies inside it, the counts and lengths are within the limits, the method is one
 *     HTTP_M_* bit, names are tokens and values carry no CR, LF, NUL or outer whitespace;
 *   - the bytes arriving in two reads change nothing: a prefix answers IDR_EAGAIN or the same
 *     as the whole; the head alone parses the same, one byte less of it is IDR_EAGAIN;
 *   - a head within the tight limits is the same head under the generous ones;
 *   - the body after a chunked head (or, when the input is no chunked head, the input itself)
 *     decodes the same in one call, in two pieces and a byte at a time; the payload is never
 *     longer than the raw bytes nor than max_body; an unfinished body consumed every byte.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "http/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 64

static const struct http_parse_limits limits[] = {
        {.max_target = 8192, .max_head = 16384, .max_headers = 48, .max_body = 1u << 20},
        {.max_target = 16, .max_head = 200, .max_headers = 4, .max_body = 64},
};

static struct http_field fields[CAP];

static void
check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static bool
inside(struct slice s, const uint8_t *buf, size_t len)
{
	return s.len == 0 || (s.p >= buf && s.len <= len && s.p - buf <= (ptrdiff_t)(len - s.len));
}

/* The code that goes with a status the head parser documents; 1 (no code) for another. */
static int
head_code(int status)
{
	switch (status) {
	case 413:
	case 414:
	case 431:
		return IDR_ELIMIT;
	case 400:
	case 417:
	case 501:
	case 505:
		return IDR_EPROTO;
	default:
		return 1;
	}
}

/* The same for the chunk decoder. */
static int
chunk_code(int status)
{
	return status == 400 ? IDR_EPROTO : status == 413 || status == 431 ? IDR_ELIMIT : 1;
}

static void
check_field(const struct http_field *f, const uint8_t *head, size_t used)
{
	size_t i;

	check(inside(f->name, head, used) && inside(f->value, head, used));
	check(f->name.len > 0 && memchr(f->name.p, ':', f->name.len) == NULL);
	for (i = 0; i < f->name.len; i++) {
		check(f->name.p[i] > 0x20 && f->name.p[i] < 0x7f);
	}
	for (i = 0; i < f->value.len; i++) {
		check(f->value.p[i] != '\r' && f->value.p[i] != '\n' && f->value.p[i] != 0);
	}
	if (f->value.len > 0) {
		check(f->value.p[0] != ' ' && f->value.p[0] != '\t');
		check(f->value.p[f->value.len - 1] != ' ' && f->value.p[f->value.len - 1] != '\t');
	}
}

static void
check_head(const struct http_head *h, int rc, const uint8_t *data, size_t size, size_t used,
           const struct http_parse_limits *l)
{
	size_t i;

	if (rc == IDR_EAGAIN) {
		check(h->status == 0 && h->why == NULL && used == 0);
		return;
	}
	if (rc != IDR_OK) {
		check(rc == head_code(h->status) && h->why != NULL && used == 0);
		return;
	}
	check(h->status == 0 && h->why == NULL);
	check(used >= 4 && used <= size && used <= l->max_head);
	check(memcmp(data + used - 4, "\r\n\r\n", 4) == 0);
	check(h->method != 0 && (h->method & (h->method - 1)) == 0 && h->method <= HTTP_M_OTHER);
	check(h->method_name.len > 0 && inside(h->method_name, data, used));
	check(h->target.len > 0 && h->target.len <= l->max_target && inside(h->target, data, used));
	check(inside(h->host, data, used) && inside(h->content_type, data, used));
	check(h->minor <= 1 && h->fields == fields);
	check(h->nfields <= CAP && h->nfields <= l->max_headers);
	for (i = 0; i < h->nfields; i++) {
		check_field(&h->fields[i], data, used);
	}
	check(h->framing == HTTP_BODY_LENGTH ? h->content_length <= l->max_body
	                                     : h->content_length == 0);
	check(h->framing != HTTP_BODY_CHUNKED || h->minor == 1);
	check(!h->expect_continue || h->minor == 1);
}

/* Parse data[0..size) and check what came out. */
static int
parse(const uint8_t *data, size_t size, const struct http_parse_limits *l, struct http_head *h,
      size_t *used)
{
	int rc = http_parse_head(data, size, l, h, fields, CAP, used);

	check_head(h, rc, data, size, *used, l);
	return rc;
}

/* A shorter input answers IDR_EAGAIN or the same as the whole. */
static void
check_prefix(const uint8_t *data, size_t k, const struct http_parse_limits *l, int rc,
             const struct http_head *whole, size_t used)
{
	struct http_head h;
	size_t u;
	int rc2 = parse(data, k, l, &h, &u);

	check(rc2 == IDR_EAGAIN || (rc2 == rc && h.status == whole->status && u == used));
}

struct body_result {
	int rc, status;
	uint8_t *buf; /* payload, then the bytes not consumed */
	size_t out, len;
};

/* Feed raw[0..n) in pieces (first bytes, then step at a time) as a connection does. */
static void
decode(const struct http_parse_limits *l, const uint8_t *raw, size_t n, size_t first, size_t step,
       struct body_result *r)
{
	struct http_chunk c = {0};
	size_t fed = 0, piece = first;

	r->buf = malloc(n > 0 ? n : 1);
	check(r->buf != NULL);
	r->out = r->len = 0;
	do { /* at least one call, even with no byte */
		piece = piece < n - fed ? piece : n - fed;
		memcpy(r->buf + r->len, raw + fed, piece);
		r->len += piece;
		fed += piece;
		r->rc = http_chunk_decode(&c, l, r->buf, &r->len, &r->out, &r->status);
		check(r->out <= r->len && r->len <= fed && r->out <= fed);
		check(r->out <= l->max_body && c.total <= l->max_body);
		/* an error has its status; IDR_OK and IDR_EAGAIN have none */
		check(r->status != 0 ? r->rc == chunk_code(r->status)
		                     : r->rc == IDR_OK || r->rc == IDR_EAGAIN);
		check(r->rc != IDR_EAGAIN || r->len == r->out);
		check(r->rc != IDR_OK || r->out == c.total);
		piece = step;
	} while (r->rc == IDR_EAGAIN && fed < n);
	/* the bytes never fed belong with those not consumed (r->len <= fed: they fit) */
	memcpy(r->buf + r->len, raw + fed, n - fed);
	r->len += n - fed;
}

static void
check_same_body(const struct body_result *a, const struct body_result *b)
{
	check(a->rc == b->rc && a->status == b->status && a->out == b->out && a->len == b->len);
	check(a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
}

static void
check_body(const struct http_parse_limits *l, const uint8_t *raw, size_t n)
{
	struct body_result one, two, bytes;

	decode(l, raw, n, n, n, &one);
	decode(l, raw, n, n / 2, n, &two);
	decode(l, raw, n, 1, 1, &bytes);
	check_same_body(&one, &two);
	check_same_body(&one, &bytes);
	free(one.buf);
	free(two.buf);
	free(bytes.buf);
}

/* Returns the length of the head, 0 if there is none. */
static size_t
run(const uint8_t *data, size_t size, const struct http_parse_limits *l)
{
	struct http_head h, again;
	size_t used, u;
	int rc = parse(data, size, l, &h, &used);

	check_prefix(data, size / 2, l, rc, &h, used);
	if (rc != IDR_OK) {
		check_body(l, data, size);
		return 0;
	}
	check(parse(data, used - 1, l, &again, &u) == IDR_EAGAIN);
	check(parse(data, used, l, &again, &u) == IDR_OK && u == used);
	check(again.framing == h.framing && again.nfields == h.nfields);
	if (h.framing == HTTP_BODY_CHUNKED) {
		check_body(l, data + used, size - used);
	}
	return used;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t generous = run(data, size, &limits[0]);
	size_t tight = run(data, size, &limits[1]);

	/* every tight limit is below the generous one: what passes them passes both alike */
	check(tight == 0 || tight == generous);
	return 0;
}
