/*
 * parse.c - request heads are read left to right through an rbuf over the bytes that may still
 * belong to the head (at most max_head of them), so running out of bytes means "need more"
 * below the limit and 431 at it, and nothing past len is ever looked at; the meaning of the
 * fields comes after, over the parsed fields. Chunked bodies go through a state machine that
 * takes one byte at a time (chunk data in runs), so a body split anywhere decodes the same and
 * no byte is read twice.
 */
#include "http/parse.h"

#include <assert.h>
#include <string.h>

#include "base/num.h"
#include "base/rbuf.h"
#include "base/text.h"

typedef bool (*byte_class_fn)(uint8_t c);

static bool
is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* tchar (RFC 9110 §5.6.2): methods, field names, list tokens */
static bool
is_tchar(uint8_t c)
{
	return is_alnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* visible ASCII: what a request-target may hold */
static bool
is_vchar(uint8_t c)
{
	return c >= 0x21 && c <= 0x7e;
}

static bool
is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* field-vchar, obs-text, SP, HTAB: what a field value may hold */
static bool
is_value(uint8_t c)
{
	return is_ows(c) || (c >= 0x21 && c != 0x7f);
}

/* unreserved and sub-delims (RFC 3986): a reg-name without its %XX */
static bool
is_regname(uint8_t c)
{
	return is_alnum(c) || (c != 0 && strchr("-._~!$&'()*+,;=", c) != NULL);
}

/* inside the brackets of an IP-literal (IPv6address, IPvFuture) */
static bool
is_ipliteral(uint8_t c)
{
	return is_regname(c) || c == ':';
}

static int
code_of(int status)
{
	return status == 413 || status == 414 || status == 431 ? IDR_ELIMIT : IDR_EPROTO;
}

/* The byte i places after the reader's position; the caller checked i < rbuf_left(r). */
static uint8_t
byte_at(const struct rbuf *r, size_t i)
{
	assert(i < rbuf_left(r));
	return r->p[r->off + i];
}

/* Length of the run of bytes of class fn at the reader's position (nothing consumed). */
static size_t
run(const struct rbuf *r, byte_class_fn fn)
{
	size_t i, left = rbuf_left(r);

	for (i = 0; i < left && fn(byte_at(r, i)); i++) {
	}
	return i;
}

static struct slice
trim_ows(struct slice s)
{
	struct rbuf r;
	size_t n;

	rbuf_init(&r, s.p, s.len);
	rbuf_skip(&r, run(&r, is_ows));
	for (n = rbuf_left(&r); n > 0 && is_ows(byte_at(&r, n - 1)); n--) {
	}
	return rbuf_bytes(&r, n);
}

/* Elements of a comma-separated list (RFC 9110 §5.6.1), OWS trimmed, empty ones included. */
struct list_iter {
	struct rbuf r;
	bool done;
};

static void
list_init(struct list_iter *it, struct slice s)
{
	rbuf_init(&it->r, s.p, s.len);
	it->done = false;
}

static bool
is_not_comma(uint8_t c)
{
	return c != ',';
}

static bool
list_next(struct list_iter *it, struct slice *elem)
{
	if (it->done) {
		return false;
	}
	*elem = trim_ows(rbuf_bytes(&it->r, run(&it->r, is_not_comma)));
	if (rbuf_left(&it->r) > 0) {
		rbuf_skip(&it->r, 1);
	} else {
		it->done = true;
	}
	return true;
}

static bool
is_token(struct slice s)
{
	struct rbuf r;

	rbuf_init(&r, s.p, s.len);
	return s.len > 0 && run(&r, is_tchar) == s.len;
}

/* --- the head, syntax --- */

struct head_parser {
	struct rbuf r; /* buf[0..min(len, max_head)) */
	bool capped;   /* len > max_head: the end of r is the limit, not the end of the data */
	const struct http_parse_limits *lim;
	struct http_head *out;
	struct http_field *fields;
	size_t maxf; /* min(max_headers, cap) */
};

static int
fail(struct http_head *out, int status, const char *why)
{
	out->status = status;
	out->why = why;
	return code_of(status);
}

/* The reader ran out: more bytes may complete the head, or the head is over max_head. */
static int
more(struct head_parser *p)
{
	return p->capped ? fail(p->out, 431, "request head too large") : IDR_EAGAIN;
}

/* CR LF at the reader's position; another byte there is "why". */
static int
end_line(struct head_parser *p, const char *why)
{
	if (rbuf_left(&p->r) == 0) {
		return more(p);
	}
	switch (rbuf_u8(&p->r)) {
	case '\r':
		break;
	case '\n':
		return fail(p->out, 400, "bare LF");
	default:
		return fail(p->out, 400, why);
	}
	if (rbuf_left(&p->r) == 0) {
		return more(p);
	}
	if (rbuf_u8(&p->r) != '\n') {
		return fail(p->out, 400, "bare CR");
	}
	return IDR_OK;
}

/* RFC 9112 §2.2: empty lines before the request line are ignored. */
static int
skip_empty_lines(struct head_parser *p)
{
	int rc;

	while (rbuf_left(&p->r) > 0 && byte_at(&p->r, 0) == '\r') {
		rc = end_line(p, "");
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return IDR_OK;
}

static unsigned
method_bit(struct slice m)
{
	static const struct {
		const char *name;
		unsigned bit;
	} methods[] = {
	        {"GET", HTTP_M_GET}, {"HEAD", HTTP_M_HEAD},     {"POST", HTTP_M_POST},
	        {"PUT", HTTP_M_PUT}, {"DELETE", HTTP_M_DELETE}, {"OPTIONS", HTTP_M_OPTIONS},
	};
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (slice_eq(m, slice_cstr(methods[i].name))) {
			return methods[i].bit;
		}
	}
	return HTTP_M_OTHER;
}

/*
 * A run of class fn ended by one SP, taken with the SP; the first byte that ends the run
 * otherwise is "why". Longer than max (as soon as that many bytes arrived) is 414.
 */
static int
take_part(struct head_parser *p, byte_class_fn fn, size_t max, const char *why, struct slice *part)
{
	size_t n = run(&p->r, fn);

	if (n > max) {
		return fail(p->out, 414, "request-target too long");
	}
	if (n == rbuf_left(&p->r)) {
		return more(p);
	}
	if (byte_at(&p->r, n) != ' ' || n == 0) {
		return fail(p->out, 400, n == 0 ? "empty part in the request line" : why);
	}
	*part = rbuf_bytes(&p->r, n);
	rbuf_skip(&p->r, 1);
	return IDR_OK;
}

static bool
starts_with_case(struct slice s, const char *lit)
{
	struct slice l = slice_cstr(lit);

	return s.len >= l.len && slice_caseeq(slice_make(s.p, l.len), l);
}

/* absolute-form with a scheme we serve and a non-empty authority */
static bool
is_absolute(struct slice t)
{
	size_t skip;

	if (starts_with_case(t, "http://")) {
		skip = 7;
	} else if (starts_with_case(t, "https://")) {
		skip = 8;
	} else {
		return false;
	}
	return t.len > skip && t.p[skip] != '/' && t.p[skip] != '?' && t.p[skip] != '#';
}

/* RFC 9112 §3.2: which form of request-target goes with which method. */
static int
check_target(struct http_head *out)
{
	struct slice t = out->target;

	if (slice_eq(out->method_name, SLICE_LIT("CONNECT"))) {
		return fail(out, 501, "CONNECT is not implemented");
	}
	if (slice_eq(t, SLICE_LIT("*"))) {
		if (out->method != HTTP_M_OPTIONS) {
			return fail(out, 400, "'*' target with a method other than OPTIONS");
		}
		return IDR_OK;
	}
	if (t.p[0] == '/' || is_absolute(t)) {
		return IDR_OK;
	}
	return fail(out, 400, "request-target neither origin-form nor absolute-form");
}

/* "HTTP/" DIGIT "." DIGIT CRLF (RFC 9112 §2.3); the digits must say 1.0 or 1.1. */
static int
parse_version(struct head_parser *p)
{
	static const char pattern[] = "HTTP/#.#";
	uint8_t v[sizeof(pattern) - 1];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(v); i++) {
		if (rbuf_left(&p->r) == 0) {
			return more(p);
		}
		v[i] = rbuf_u8(&p->r);
		if (pattern[i] == '#' ? !is_digit(v[i]) : v[i] != (uint8_t)pattern[i]) {
			return fail(p->out, 400, "malformed HTTP version");
		}
	}
	rc = end_line(p, "malformed HTTP version");
	if (rc != IDR_OK) {
		return rc;
	}
	if (v[5] != '1' || v[7] > '1') {
		return fail(p->out, 505, "HTTP version not supported");
	}
	p->out->minor = (unsigned)(v[7] - '0');
	return IDR_OK;
}

static int
parse_request_line(struct head_parser *p)
{
	struct http_head *out = p->out;
	int rc;

	rc = take_part(p, is_tchar, SIZE_MAX, "invalid character in the method", &out->method_name);
	if (rc != IDR_OK) {
		return rc;
	}
	out->method = method_bit(out->method_name);
	rc = take_part(p, is_vchar, p->lim->max_target,
	               "invalid character in the request-target (or no HTTP version)",
	               &out->target);
	if (rc == IDR_OK) {
		rc = check_target(out);
	}
	return rc != IDR_OK ? rc : parse_version(p);
}

/* name ":" OWS value OWS CRLF (RFC 9112 §5) */
static int
parse_field(struct head_parser *p, struct http_field *f)
{
	size_t n = run(&p->r, is_tchar);
	uint8_t c;

	if (n == rbuf_left(&p->r)) {
		return more(p);
	}
	c = byte_at(&p->r, n);
	if (c != ':') {
		return fail(p->out, 400,
		            is_ows(c) ? "whitespace before a colon"
		                      : "invalid character in a field name");
	}
	if (n == 0) {
		return fail(p->out, 400, "empty field name");
	}
	f->name = rbuf_bytes(&p->r, n);
	rbuf_skip(&p->r, 1);
	n = run(&p->r, is_value);
	if (n == rbuf_left(&p->r)) {
		return more(p);
	}
	f->value = trim_ows(rbuf_bytes(&p->r, n));
	return end_line(p, "invalid character in a field value");
}

static int
parse_fields(struct head_parser *p)
{
	struct http_head *out = p->out;
	uint8_t c;
	int rc;

	for (;;) {
		if (rbuf_left(&p->r) == 0) {
			return more(p);
		}
		c = byte_at(&p->r, 0);
		if (c == '\r' || c == '\n') {
			return end_line(p, "");
		}
		if (is_ows(c)) {
			return fail(out, 400,
			            out->nfields == 0 ? "whitespace before the first field"
			                              : "obs-fold");
		}
		if (out->nfields == p->maxf) {
			return fail(out, 431, "too many header fields");
		}
		rc = parse_field(p, &p->fields[out->nfields]);
		if (rc != IDR_OK) {
			return rc;
		}
		out->nfields++;
	}
}

/* --- the head, meaning --- */

struct meaning {
	bool host, ctype, length;
	uint64_t cl;
	bool te, te_misplaced, te_other, te_chunked_last;
	bool close, keep_alive, expect_100, expect_other;
};

/* uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2); empty is allowed (RFC 9112 §3.2). */
static bool
host_valid(struct slice h)
{
	struct rbuf r;

	rbuf_init(&r, h.p, h.len);
	if (rbuf_left(&r) > 0 && byte_at(&r, 0) == '[') {
		rbuf_skip(&r, 1);
		rbuf_skip(&r, run(&r, is_ipliteral));
		if (rbuf_offset(&r) == 1 || rbuf_left(&r) == 0 || rbuf_u8(&r) != ']') {
			return false;
		}
	} else {
		while (rbuf_left(&r) > 0) {
			if (is_regname(byte_at(&r, 0))) {
				rbuf_skip(&r, 1);
			} else if (byte_at(&r, 0) == '%' && rbuf_left(&r) >= 3 &&
			           text_hex_digit(byte_at(&r, 1)) >= 0 &&
			           text_hex_digit(byte_at(&r, 2)) >= 0) {
				rbuf_skip(&r, 3);
			} else {
				break;
			}
		}
	}
	if (rbuf_left(&r) == 0) {
		return true;
	}
	return rbuf_u8(&r) == ':' && run(&r, is_digit) == rbuf_left(&r);
}

static int
on_host(struct http_head *out, struct slice v, struct meaning *m)
{
	if (m->host) {
		return fail(out, 400, "more than one Host");
	}
	if (!host_valid(v)) {
		return fail(out, 400, "invalid Host");
	}
	m->host = true;
	out->host = v;
	return IDR_OK;
}

static int
on_content_type(struct http_head *out, struct slice v, struct meaning *m)
{
	if (m->ctype) {
		return fail(out, 400, "more than one Content-Type");
	}
	m->ctype = true;
	out->content_type = v;
	return IDR_OK;
}

/* RFC 9110 §8.6: 1*DIGIT; repeated values (fields or list elements) must all be equal. */
static int
on_content_length(struct http_head *out, struct slice e, struct meaning *m)
{
	uint64_t n;

	if (num_parse_u64_n((const char *)e.p, e.len, 0, UINT64_MAX, &n) != IDR_OK) {
		return fail(out, 400, "invalid Content-Length");
	}
	if (m->length && n != m->cl) {
		return fail(out, 400, "conflicting Content-Length values");
	}
	m->length = true;
	m->cl = n;
	return IDR_OK;
}

/* The codings in order, over every Transfer-Encoding field; judged in finish(). */
static int
on_transfer_encoding(struct http_head *out, struct slice e, struct meaning *m)
{
	if (!is_token(e)) {
		return fail(out, 400, "invalid Transfer-Encoding");
	}
	m->te_misplaced |= m->te_chunked_last;
	m->te_chunked_last = slice_caseeq_cstr(e, "chunked");
	m->te_other |= !m->te_chunked_last;
	m->te = true;
	return IDR_OK;
}

static int
on_connection(struct http_head *out, struct slice e, struct meaning *m)
{
	(void)out;
	m->close |= slice_caseeq_cstr(e, "close");
	m->keep_alive |= slice_caseeq_cstr(e, "keep-alive");
	return IDR_OK;
}

static int
on_expect(struct http_head *out, struct slice e, struct meaning *m)
{
	(void)out;
	if (slice_caseeq_cstr(e, "100-continue")) {
		m->expect_100 = true;
	} else if (e.len > 0) {
		m->expect_other = true;
	}
	return IDR_OK;
}

/* What a field means: a function of its value, or of each element when it is a list. */
typedef int (*field_fn)(struct http_head *out, struct slice v, struct meaning *m);

static const struct {
	const char *name;
	field_fn fn;
	bool list;
} known_fields[] = {
        {"host", on_host, false},
        {"content-type", on_content_type, false},
        {"content-length", on_content_length, true},
        {"transfer-encoding", on_transfer_encoding, true},
        {"connection", on_connection, true},
        {"expect", on_expect, true},
};

static int
apply(struct http_head *out, size_t k, struct slice v, struct meaning *m)
{
	struct list_iter it;
	struct slice e;
	int rc;

	if (!known_fields[k].list) {
		return known_fields[k].fn(out, v, m);
	}
	list_init(&it, v);
	while (list_next(&it, &e)) {
		rc = known_fields[k].fn(out, e, m);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return IDR_OK;
}

/* Checks that need the whole head, in this order: 400, 501, 413, 417. */
static int
finish(struct http_head *out, const struct http_parse_limits *lim, const struct meaning *m)
{
	if (out->minor == 1 && !m->host) {
		return fail(out, 400, "no Host header (required in HTTP/1.1)");
	}
	if (m->te) {
		if (m->length) {
			return fail(out, 400, "Transfer-Encoding with Content-Length");
		}
		if (out->minor == 0) {
			return fail(out, 400, "Transfer-Encoding in an HTTP/1.0 request");
		}
		if (m->te_misplaced) {
			return fail(out, 400, "chunked is not the last transfer coding");
		}
		if (m->te_other) {
			return fail(out, 501, "transfer coding not implemented");
		}
		out->framing = HTTP_BODY_CHUNKED;
	} else if (m->length) {
		if (m->cl > lim->max_body) {
			return fail(out, 413, "Content-Length over the body limit");
		}
		out->framing = HTTP_BODY_LENGTH;
		out->content_length = m->cl;
	}
	if (m->expect_other) {
		return fail(out, 417, "unsupported expectation");
	}
	out->expect_continue = m->expect_100 && out->minor == 1;
	out->keep_alive = !m->close && (out->minor == 1 || m->keep_alive);
	return IDR_OK;
}

static int
interpret(struct http_head *out, const struct http_parse_limits *lim)
{
	struct meaning m;
	size_t i, k;
	int rc;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < out->nfields; i++) {
		for (k = 0; k < sizeof(known_fields) / sizeof(known_fields[0]); k++) {
			if (!slice_caseeq_cstr(out->fields[i].name, known_fields[k].name)) {
				continue;
			}
			rc = apply(out, k, out->fields[i].value, &m);
			if (rc != IDR_OK) {
				return rc;
			}
		}
	}
	return finish(out, lim, &m);
}

int
http_parse_head(const uint8_t *buf, size_t len, const struct http_parse_limits *lim,
                struct http_head *out, struct http_field *fields, size_t cap, size_t *used)
{
	struct head_parser p;
	int rc;

	memset(out, 0, sizeof(*out));
	out->fields = fields;
	*used = 0;
	p.capped = len > lim->max_head;
	rbuf_init(&p.r, buf, p.capped ? lim->max_head : len);
	p.lim = lim;
	p.out = out;
	p.fields = fields;
	p.maxf = cap < lim->max_headers ? cap : lim->max_headers;
	rc = skip_empty_lines(&p);
	if (rc == IDR_OK) {
		rc = parse_request_line(&p);
	}
	if (rc == IDR_OK) {
		rc = parse_fields(&p);
	}
	if (rc == IDR_OK) {
		rc = interpret(out, lim);
	}
	if (rc == IDR_OK) {
		*used = rbuf_offset(&p.r);
	}
	return rc;
}

/* --- chunked bodies --- */

enum chunk_state {
	CH_SIZE = 0, /* the first hex digit of a chunk-size */
	CH_DIGITS,   /* more hex digits */
	CH_BWS,      /* whitespace after the size: a ';' must follow */
	CH_EXT,      /* chunk extensions, up to CR */
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER, /* the start of a trailer line, or the final CRLF */
	CH_TNAME,
	CH_TVALUE,
	CH_TLF,
	CH_FINAL_LF,
	CH_DONE,
	CH_ERROR
};

static int
chunk_fail(struct http_chunk *c, int status)
{
	c->state = CH_ERROR;
	c->status = status;
	c->err = code_of(status);
	return status;
}

/* The chunk-size line is whole: account for its data. */
static int
chunk_size_done(struct http_chunk *c, const struct http_parse_limits *lim)
{
	/* c->total <= lim->max_body always holds */
	if (c->size > lim->max_body - c->total) {
		return chunk_fail(c, 413);
	}
	c->total += c->size;
	c->line = 0;
	c->state = c->size == 0 ? CH_TRAILER : CH_DATA;
	return 0;
}

/* chunk-size [ BWS ";" chunk-ext ] CRLF, one byte; returns 0 or an error status. */
static int
chunk_size_byte(struct http_chunk *c, const struct http_parse_limits *lim, uint8_t b)
{
	int d = text_hex_digit(b);

	if (++c->line > HTTP_CHUNK_MAX_LINE) {
		return chunk_fail(c, 400);
	}
	switch (c->state) {
	case CH_SIZE:
	case CH_DIGITS:
		if (d >= 0 && c->size <= UINT64_MAX >> 4) {
			c->size = c->size << 4 | (uint64_t)d;
			c->state = CH_DIGITS;
		} else if (d >= 0 || c->state == CH_SIZE) {
			return chunk_fail(c, 400); /* overflow, or no digit */
		} else {
			c->state = b == ';' ? CH_EXT : is_ows(b) ? CH_BWS : CH_SIZE_LF;
			return b == ';' || is_ows(b) || b == '\r' ? 0 : chunk_fail(c, 400);
		}
		return 0;
	case CH_BWS:
		c->state = b == ';' ? CH_EXT : CH_BWS;
		return b == ';' || is_ows(b) ? 0 : chunk_fail(c, 400);
	case CH_EXT:
		c->state = b == '\r' ? CH_SIZE_LF : CH_EXT;
		return b == '\r' || is_value(b) ? 0 : chunk_fail(c, 400);
	default: /* CH_SIZE_LF */
		return b == '\n' ? chunk_size_done(c, lim) : chunk_fail(c, 400);
	}
}

/* trailer-section CRLF (RFC 9112 §7.1.2), one byte; the fields are checked and dropped. */
static int
chunk_trailer_byte(struct http_chunk *c, const struct http_parse_limits *lim, uint8_t b)
{
	if (++c->trailers > lim->max_head) {
		return chunk_fail(c, 431);
	}
	switch (c->state) {
	case CH_TRAILER:
		if (b == '\r') {
			c->state = CH_FINAL_LF;
			return 0;
		}
		if (!is_tchar(b)) {
			return chunk_fail(c, 400);
		}
		c->state = CH_TNAME;
		return ++c->ntrailers > lim->max_headers ? chunk_fail(c, 431) : 0;
	case CH_TNAME:
		c->state = b == ':' ? CH_TVALUE : CH_TNAME;
		return b == ':' || is_tchar(b) ? 0 : chunk_fail(c, 400);
	case CH_TVALUE:
		c->state = b == '\r' ? CH_TLF : CH_TVALUE;
		return b == '\r' || is_value(b) ? 0 : chunk_fail(c, 400);
	case CH_TLF:
		c->state = CH_TRAILER;
		return b == '\n' ? 0 : chunk_fail(c, 400);
	default: /* CH_FINAL_LF */
		c->state = CH_DONE;
		return b == '\n' ? 0 : chunk_fail(c, 400);
	}
}

/* One framing byte (anything but chunk data); returns 0 or an error status. */
static int
chunk_byte(struct http_chunk *c, const struct http_parse_limits *lim, uint8_t b)
{
	switch (c->state) {
	case CH_DATA_CR:
		c->state = CH_DATA_LF;
		return b == '\r' ? 0 : chunk_fail(c, 400);
	case CH_DATA_LF:
		c->state = CH_SIZE;
		c->size = 0;
		return b == '\n' ? 0 : chunk_fail(c, 400);
	case CH_TRAILER:
	case CH_TNAME:
	case CH_TVALUE:
	case CH_TLF:
	case CH_FINAL_LF:
		return chunk_trailer_byte(c, lim, b);
	default:
		return chunk_size_byte(c, lim, b);
	}
}

int
http_chunk_decode(struct http_chunk *c, const struct http_parse_limits *lim, uint8_t *buf,
                  size_t *len, size_t *out, int *status)
{
	size_t in = *out, o = *out, n;

	assert(*out <= *len);
	while (in < *len && c->state != CH_DONE && c->state != CH_ERROR) {
		if (c->state != CH_DATA) {
			if (chunk_byte(c, lim, buf[in++]) != 0) {
				break;
			}
			continue;
		}
		/* payload moves down over the framing read before it: o <= in always */
		n = *len - in < c->size ? *len - in : (size_t)c->size;
		memmove(buf + o, buf + in, n);
		o += n;
		in += n;
		c->size -= n;
		if (c->size == 0) {
			c->state = CH_DATA_CR;
		}
	}
	memmove(buf + o, buf + in, *len - in);
	*len = o + (*len - in);
	*out = o;
	*status = c->status;
	if (c->state == CH_ERROR) {
		return c->err;
	}
	return c->state == CH_DONE ? IDR_OK : IDR_EAGAIN;
}
