/*
 * test_parse.c - HTTP/1.1 request heads and chunked bodies (http/parse.h): valid forms, every
 * truncation point, each limit at and one past its value, every ambiguity with its status,
 * chunked bodies fed in every split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/parse.h"

#define CAP 64

static const struct http_parse_limits lim_default = {
        .max_target = 1024,
        .max_head = 8192,
        .max_headers = 32,
        .max_body = 1u << 20,
};

static struct http_field fields[CAP];
static uint8_t *copy; /* what the last head parsed points into */

/*
 * Parse s[0..len) from an exact-size copy, so that a read past len is a sanitizer report. The
 * copy lives until the next call.
 */
static int
parse_n(const char *s, size_t len, const struct http_parse_limits *l, size_t cap,
        struct http_head *h, size_t *used)
{
	free(copy);
	copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	memcpy(copy, s, len);
	return http_parse_head(copy, len, l, h, fields, cap, used);
}

static int
parse(const char *s, struct http_head *h, size_t *used)
{
	return parse_n(s, strlen(s), &lim_default, CAP, h, used);
}

static int
code_for(int status)
{
	return status == 413 || status == 414 || status == 431 ? IDR_ELIMIT : IDR_EPROTO;
}

static void
expect_slice(const char *what, struct slice s, const char *want)
{
	size_t n = strlen(want);

	if (s.len != n || (n > 0 && memcmp(s.p, want, n) != 0)) {
		fail_msg("%s: got '%.*s', want '%s'", what, (int)s.len, (const char *)s.p, want);
	}
}

/* The value of the first field named name (case-insensitive), or NULL. */
static const struct http_field *
field_get(const struct http_head *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nfields; i++) {
		if (slice_caseeq_cstr(h->fields[i].name, name)) {
			return &h->fields[i];
		}
	}
	return NULL;
}

/* The length of a case; the ones named "NUL" hold one NUL in the middle. */
static size_t
case_len(const char *s, const char *name)
{
	size_t n = strlen(s);

	return strstr(name, "NUL") != NULL ? n + 1 + strlen(s + n + 1) : n;
}

/* --- valid heads --- */

struct valid_case {
	const char *name;
	const char *head;
	const char *target;
	const char *host;
	const char *field, *value; /* a field to look at, if not NULL */
	uint64_t cl;
	size_t nfields;
	unsigned method;
	unsigned minor;
	enum http_framing framing;
	bool keep_alive;
	bool expect_continue;
};

#define H11 " HTTP/1.1\r\nHost: example.org\r\n"

static const struct valid_case valid_cases[] = {
        /* name, head, target, host, field, value, cl, nfields, method, minor, framing,
           keep_alive, expect_continue */
        {"GET origin-form", "GET /api/handles/20.500/1?pretty" H11 "\r\n",
         "/api/handles/20.500/1?pretty", "example.org", NULL, NULL, 0, 1, HTTP_M_GET, 1,
         HTTP_BODY_NONE, true, false},
        {"absolute-form", "GET http://example.org:8080/x?y=1 HTTP/1.1\r\nHost: other\r\n\r\n",
         "http://example.org:8080/x?y=1", "other", NULL, NULL, 0, 1, HTTP_M_GET, 1, HTTP_BODY_NONE,
         true, false},
        {"absolute-form https", "GET HTTPS://a" H11 "\r\n", "HTTPS://a", "example.org", NULL, NULL,
         0, 1, HTTP_M_GET, 1, HTTP_BODY_NONE, true, false},
        {"OPTIONS *", "OPTIONS *" H11 "\r\n", "*", "example.org", NULL, NULL, 0, 1, HTTP_M_OPTIONS,
         1, HTTP_BODY_NONE, true, false},
        {"HEAD", "HEAD /healthz" H11 "Accept: */*\r\n\r\n", "/healthz", "example.org", "accept",
         "*/*", 0, 2, HTTP_M_HEAD, 1, HTTP_BODY_NONE, true, false},
        {"POST Content-Length",
         "POST /api/handles" H11 "Content-Type: application/json\r\nContent-Length: 5\r\n\r\n",
         "/api/handles", "example.org", "content-type", "application/json", 5, 3, HTTP_M_POST, 1,
         HTTP_BODY_LENGTH, true, false},
        {"POST chunked", "POST /x" H11 "Transfer-Encoding: chunked\r\n\r\n", "/x", "example.org",
         NULL, NULL, 0, 2, HTTP_M_POST, 1, HTTP_BODY_CHUNKED, true, false},
        {"chunked any case", "PUT /x" H11 "transfer-encoding:\tChunKed \r\n\r\n", "/x",
         "example.org", NULL, NULL, 0, 2, HTTP_M_PUT, 1, HTTP_BODY_CHUNKED, true, false},
        {"DELETE", "DELETE /x" H11 "\r\n", "/x", "example.org", NULL, NULL, 0, 1, HTTP_M_DELETE, 1,
         HTTP_BODY_NONE, true, false},
        {"extension method", "PATCH /x" H11 "\r\n", "/x", "example.org", NULL, NULL, 0, 1,
         HTTP_M_OTHER, 1, HTTP_BODY_NONE, true, false},
        {"lower-case get is another method", "get /x" H11 "\r\n", "/x", "example.org", NULL, NULL,
         0, 1, HTTP_M_OTHER, 1, HTTP_BODY_NONE, true, false},
        {"1.0 without keep-alive", "GET / HTTP/1.0\r\n\r\n", "/", "", NULL, NULL, 0, 0, HTTP_M_GET,
         0, HTTP_BODY_NONE, false, false},
        {"1.0 with keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", "/", "", NULL,
         NULL, 0, 1, HTTP_M_GET, 0, HTTP_BODY_NONE, true, false},
        {"1.0 keep-alive and close", "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", "/",
         "", NULL, NULL, 0, 1, HTTP_M_GET, 0, HTTP_BODY_NONE, false, false},
        {"1.1 Connection: close", "GET /" H11 "Connection: close\r\n\r\n", "/", "example.org", NULL,
         NULL, 0, 2, HTTP_M_GET, 1, HTTP_BODY_NONE, false, false},
        {"several Connection tokens",
         "GET /" H11 "Connection: keep-alive, Upgrade,,\tCLOSE\r\n\r\n", "/", "example.org", NULL,
         NULL, 0, 2, HTTP_M_GET, 1, HTTP_BODY_NONE, false, false},
        {"Connection tokens over two fields",
         "GET /" H11 "Connection: upgrade\r\nConnection: Close\r\n\r\n", "/", "example.org", NULL,
         NULL, 0, 3, HTTP_M_GET, 1, HTTP_BODY_NONE, false, false},
        {"Connection token inside another", "GET /" H11 "Connection: closed, x-close\r\n\r\n", "/",
         "example.org", NULL, NULL, 0, 2, HTTP_M_GET, 1, HTTP_BODY_NONE, true, false},
        {"Host with port", "GET / HTTP/1.1\r\nHOST: example.org:8000\r\n\r\n", "/",
         "example.org:8000", NULL, NULL, 0, 1, HTTP_M_GET, 1, HTTP_BODY_NONE, true, false},
        {"Host IPv6 literal", "GET / HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n", "/",
         "[2001:db8::1]:443", NULL, NULL, 0, 1, HTTP_M_GET, 1, HTTP_BODY_NONE, true, false},
        {"Host empty", "GET / HTTP/1.1\r\nHost:\r\n\r\n", "/", "", NULL, NULL, 0, 1, HTTP_M_GET, 1,
         HTTP_BODY_NONE, true, false},
        {"Host escaped", "GET / HTTP/1.1\r\nHost: a%2Db.example\r\n\r\n", "/", "a%2Db.example",
         NULL, NULL, 0, 1, HTTP_M_GET, 1, HTTP_BODY_NONE, true, false},
        {"leading CRLFs", "\r\n\r\nGET /" H11 "\r\n", "/", "example.org", NULL, NULL, 0, 1,
         HTTP_M_GET, 1, HTTP_BODY_NONE, true, false},
        {"obs-text in a value", "GET /" H11 "X-Name: caf\xc3\xa9 \x80\xff\r\n\r\n", "/",
         "example.org", "x-name", "caf\xc3\xa9 \x80\xff", 0, 2, HTTP_M_GET, 1, HTTP_BODY_NONE, true,
         false},
        {"empty value", "GET /" H11 "X-Empty:\r\n\r\n", "/", "example.org", "x-empty", "", 0, 2,
         HTTP_M_GET, 1, HTTP_BODY_NONE, true, false},
        {"value of only OWS", "GET /" H11 "X-Empty: \t \r\n\r\n", "/", "example.org", "x-empty", "",
         0, 2, HTTP_M_GET, 1, HTTP_BODY_NONE, true, false},
        {"OWS around a value", "GET /" H11 "X-A:\t a \t b \t\r\n\r\n", "/", "example.org", "x-a",
         "a \t b", 0, 2, HTTP_M_GET, 1, HTTP_BODY_NONE, true, false},
        {"value with a colon", "GET /" H11 "X-A: b: c\r\n\r\n", "/", "example.org", "x-a", "b: c",
         0, 2, HTTP_M_GET, 1, HTTP_BODY_NONE, true, false},
        {"identical Content-Lengths",
         "POST /x" H11 "Content-Length: 7\r\ncontent-length: 7\r\n\r\n", "/x", "example.org", NULL,
         NULL, 7, 3, HTTP_M_POST, 1, HTTP_BODY_LENGTH, true, false},
        {"Content-Length list", "POST /x" H11 "Content-Length: 7 , 7,007\r\n\r\n", "/x",
         "example.org", NULL, NULL, 7, 2, HTTP_M_POST, 1, HTTP_BODY_LENGTH, true, false},
        {"Content-Length 0", "POST /x" H11 "Content-Length: 0\r\n\r\n", "/x", "example.org", NULL,
         NULL, 0, 2, HTTP_M_POST, 1, HTTP_BODY_LENGTH, true, false},
        {"GET with a body", "GET /x" H11 "Content-Length: 3\r\n\r\n", "/x", "example.org", NULL,
         NULL, 3, 2, HTTP_M_GET, 1, HTTP_BODY_LENGTH, true, false},
        {"HEAD chunked", "HEAD /x" H11 "Transfer-Encoding: chunked\r\n\r\n", "/x", "example.org",
         NULL, NULL, 0, 2, HTTP_M_HEAD, 1, HTTP_BODY_CHUNKED, true, false},
        {"Expect 100-continue", "PUT /x" H11 "Expect: 100-Continue\r\nContent-Length: 2\r\n\r\n",
         "/x", "example.org", NULL, NULL, 2, 3, HTTP_M_PUT, 1, HTTP_BODY_LENGTH, true, true},
        {"Expect with empty elements", "GET /x" H11 "Expect: , 100-continue,\r\n\r\n", "/x",
         "example.org", NULL, NULL, 0, 2, HTTP_M_GET, 1, HTTP_BODY_NONE, true, true},
        {"Expect in 1.0 ignored", "PUT /x HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", "/x", "", NULL,
         NULL, 0, 1, HTTP_M_PUT, 0, HTTP_BODY_NONE, false, false},
        {"Host in 1.0", "GET /x HTTP/1.0\r\nHost: a\r\n\r\n", "/x", "a", NULL, NULL, 0, 1,
         HTTP_M_GET, 0, HTTP_BODY_NONE, false, false},
        {"tchar in names", "GET /" H11 "!#$%&'*+-.^_`|~09azAZ: x\r\n\r\n", "/", "example.org",
         "!#$%&'*+-.^_`|~09azAZ", "x", 0, 2, HTTP_M_GET, 1, HTTP_BODY_NONE, true, false},
        {"every visible character in a target",
         "GET /!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~" H11 "\r\n",
         "/!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~", "example.org", NULL, NULL, 0, 1, HTTP_M_GET,
         1, HTTP_BODY_NONE, true, false},
};

static void
check_valid(const struct valid_case *c, const struct http_head *h)
{
	const struct http_field *f;

	if (h->method != c->method || h->minor != c->minor || h->framing != c->framing ||
	    h->content_length != c->cl || h->keep_alive != c->keep_alive ||
	    h->expect_continue != c->expect_continue || h->nfields != c->nfields) {
		fail_msg(
		        "%s: method %u minor %u framing %d cl %llu keep-alive %d expect %d nfields "
		        "%zu",
		        c->name, h->method, h->minor, (int)h->framing,
		        (unsigned long long)h->content_length, h->keep_alive, h->expect_continue,
		        h->nfields);
	}
	expect_slice(c->name, h->target, c->target);
	expect_slice(c->name, h->host, c->host);
	assert_ptr_equal(h->fields, fields);
	assert_int_equal(h->status, 0);
	assert_null(h->why);
	if (c->field != NULL) {
		f = field_get(h, c->field);
		if (f == NULL) {
			fail_msg("%s: no field %s", c->name, c->field);
		} else {
			expect_slice(c->name, f->value, c->value);
		}
	}
}

static void
test_http_parse_valid(void **state)
{
	char buf[512];
	struct http_head h;
	size_t i, used, n;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct valid_case *c = &valid_cases[i];

		rc = parse(c->head, &h, &used);
		if (rc != IDR_OK) {
			fail_msg("%s: rc %d status %d (%s)", c->name, rc, h.status, h.why);
		}
		assert_int_equal(used, strlen(c->head));
		check_valid(c, &h);
		/* a body or the next request after the head is not part of it */
		n = (size_t)snprintf(buf, sizeof(buf), "%sGET / HTTP/1.1\r\n", c->head);
		assert_true(n < sizeof(buf));
		assert_int_equal(parse_n(buf, n, &lim_default, CAP, &h, &used), IDR_OK);
		assert_int_equal(used, strlen(c->head));
		check_valid(c, &h);
	}
}

/* The method name is the bytes sent; the slices point into the caller's buffer. */
static void
test_http_parse_slices(void **state)
{
	static const char req[] = "\r\nM-SEARCH /a HTTP/1.1\r\nHost: h\r\nX: 1\r\n\r\n";
	const uint8_t *b = (const uint8_t *)req;
	struct http_head h;
	size_t used;

	(void)state;
	assert_int_equal(http_parse_head(b, sizeof(req) - 1, &lim_default, &h, fields, CAP, &used),
	                 IDR_OK);
	assert_int_equal(used, sizeof(req) - 1);
	expect_slice("method", h.method_name, "M-SEARCH");
	assert_int_equal(h.method, HTTP_M_OTHER);
	assert_ptr_equal(h.method_name.p, b + 2);
	assert_ptr_equal(h.target.p, b + 11);
	assert_ptr_equal(h.host.p, b + 30);
	expect_slice("name", h.fields[1].name, "X");
	assert_ptr_equal(h.fields[1].value.p, b + 36);
}

/*
 * Every proper prefix of s[0..len) needs more bytes or, when status is not 0, is already known
 * to be wrong the same way.
 */
static void
check_prefixes(const char *name, const char *s, size_t len, int status)
{
	struct http_head h;
	size_t k, used;
	int rc;

	for (k = 0; k < len; k++) {
		used = 99;
		rc = parse_n(s, k, &lim_default, CAP, &h, &used);
		if (used != 0 || (rc == IDR_EAGAIN ? h.status != 0
		                                   : status == 0 || rc != code_for(status) ||
		                                             h.status != status)) {
			fail_msg("%s: prefix of %zu bytes: rc %d status %d (%s)", name, k, rc,
			         h.status, h.why);
		}
	}
}

static void
test_http_parse_truncations(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		check_prefixes(valid_cases[i].name, valid_cases[i].head,
		               strlen(valid_cases[i].head), 0);
	}
}

/* --- malformed and ambiguous heads --- */

struct bad_case {
	const char *name;
	const char *head;
	int status;
	const char *why; /* if not NULL: the reason, where the status alone would not tell */
};

#define RL "GET / HTTP/1.1\r\n"
#define PL "POST /x HTTP/1.1\r\nHost: a\r\n"

static const struct bad_case bad_cases[] = {
        /* Content-Length */
        {"differing duplicate Content-Length", PL "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
         400, NULL},
        {"differing Content-Length list", PL "Content-Length: 5, 6\r\n\r\n", 400, NULL},
        {"empty element in Content-Length", PL "Content-Length: 5,\r\n\r\n", 400, NULL},
        {"empty Content-Length", PL "Content-Length:\r\n\r\n", 400, NULL},
        {"signed Content-Length", PL "Content-Length: +5\r\n\r\n", 400, NULL},
        {"negative Content-Length", PL "Content-Length: -1\r\n\r\n", 400, NULL},
        {"space inside Content-Length", PL "Content-Length: 5 5\r\n\r\n", 400, NULL},
        {"hex Content-Length", PL "Content-Length: 0x5\r\n\r\n", 400, NULL},
        {"Content-Length overflow", PL "Content-Length: 18446744073709551616\r\n\r\n", 400, NULL},
        {"Content-Length with Transfer-Encoding",
         PL "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400, NULL},
        {"Transfer-Encoding with Content-Length",
         PL "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400, NULL},
        /* Transfer-Encoding */
        {"gzip", PL "Transfer-Encoding: gzip\r\n\r\n", 501, NULL},
        {"gzip, chunked", PL "Transfer-Encoding: gzip, chunked\r\n\r\n", 501, NULL},
        {"identity", PL "Transfer-Encoding: identity\r\n\r\n", 501, NULL},
        {"unknown coding", PL "Transfer-Encoding: x-foo\r\n\r\n", 501, NULL},
        {"chunked, gzip", PL "Transfer-Encoding: chunked, gzip\r\n\r\n", 400, NULL},
        {"chunked not last over two fields",
         PL "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400, NULL},
        {"chunked twice", PL "Transfer-Encoding: chunked, chunked\r\n\r\n", 400, NULL},
        {"empty element in Transfer-Encoding", PL "Transfer-Encoding: chunked,\r\n\r\n", 400, NULL},
        {"empty Transfer-Encoding", PL "Transfer-Encoding:\r\n\r\n", 400, NULL},
        {"coding with a parameter", PL "Transfer-Encoding: chunked;q=1\r\n\r\n", 400, NULL},
        {"quoted coding", PL "Transfer-Encoding: \"chunked\"\r\n\r\n", 400, NULL},
        {"Transfer-Encoding in 1.0", "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
         NULL},
        /* field syntax */
        {"space before colon", RL "Host : a\r\n\r\n", 400, "whitespace before a colon"},
        {"tab before colon", RL "Host\t: a\r\n\r\n", 400, "whitespace before a colon"},
        {"space before colon, other field", RL "Host: a\r\nTransfer-Encoding : chunked\r\n\r\n",
         400, "whitespace before a colon"},
        {"space before colon, unknown field", RL "Host: a\r\nX-Foo : bar\r\n\r\n", 400, NULL},
        {"obs-fold", RL "Host: a\r\nX: b\r\n c\r\n\r\n", 400, "obs-fold"},
        {"obs-fold with tab", RL "Host: a\r\nX: b\r\n\tc\r\n\r\n", 400, "obs-fold"},
        {"whitespace before the first field", RL " Host: a\r\n\r\n", 400, NULL},
        {"bracket in a name", RL "Host: a\r\nX(: b\r\n\r\n", 400, NULL},
        {"control in a name", RL "Host: a\r\nX\x01Y: b\r\n\r\n", 400, NULL},
        {"0x80 in a name", RL "Host: a\r\n\x80X: b\r\n\r\n", 400, NULL},
        {"'@' in a name", RL "Host: a\r\nX@: b\r\n\r\n", 400, NULL},
        {"empty name", RL "Host: a\r\n: b\r\n\r\n", 400, NULL},
        {"line without colon", RL "Host: a\r\nXY\r\n\r\n", 400, NULL},
        {"NUL in a value", RL "Host: a\r\nX: a\0b\r\n\r\n", 400, NULL},
        {"DEL in a value", RL "Host: a\r\nX: a\x7f\r\n\r\n", 400, NULL},
        {"control in a value", RL "Host: a\r\nX: a\x1b[0m\r\n\r\n", 400, NULL},
        /* line endings */
        {"bare LF after the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400, "bare LF"},
        {"bare LF after a field", RL "Host: a\nX: b\r\n\r\n", 400, "bare LF"},
        {"bare LF ending the head", RL "Host: a\r\n\n", 400, "bare LF"},
        {"bare LF before the request line", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"bare CR in a value", RL "Host: a\r\nX: a\rb\r\n\r\n", 400, "bare CR"},
        {"bare CR after a field", RL "Host: a\rX: b\r\n\r\n", 400, "bare CR"},
        {"bare CR ending the head", RL "Host: a\r\n\rX", 400, "bare CR"},
        {"bare CR before the request line", "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bare CR"},
        {"bare CR after the version", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400, "bare CR"},
        /* Host */
        {"1.1 without Host", RL "Accept: */*\r\n\r\n", 400, NULL},
        {"two Hosts", RL "Host: a\r\nHost: a\r\n\r\n", 400, NULL},
        {"two Hosts, differing", RL "Host: a\r\nX: y\r\nhost: b\r\n\r\n", 400, NULL},
        {"Host with a space", RL "Host: a b\r\n\r\n", 400, NULL},
        {"Host with a slash", RL "Host: a/b\r\n\r\n", 400, NULL},
        {"Host with userinfo", RL "Host: u@a\r\n\r\n", 400, NULL},
        {"Host with a bad port", RL "Host: a:80x\r\n\r\n", 400, NULL},
        {"Host with a bad escape", RL "Host: a%zz\r\n\r\n", 400, NULL},
        {"Host unclosed bracket", RL "Host: [::1\r\n\r\n", 400, NULL},
        {"Host empty brackets", RL "Host: []\r\n\r\n", 400, NULL},
        {"Host junk after brackets", RL "Host: [::1]x\r\n\r\n", 400, NULL},
        {"Host short escape", RL "Host: a%2\r\n\r\n", 400, NULL},
        {"Host list", RL "Host: a, b\r\n\r\n", 400, NULL},
        {"two Content-Types", RL "Host: a\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n\r\n", 400,
         NULL},
        /* request line */
        {"space in the target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"control in the target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"tab in the target", "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"DEL in the target", "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"0x80 in the target", "GET /a\x80 HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"'*' with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"authority-form with GET", "GET a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"other scheme", "GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"absolute-form without a host", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"absolute-form, nothing after the scheme", "GET http:// HTTP/1.1\r\nHost: a\r\n\r\n", 400,
         NULL},
        {"absolute-form, query for a host", "GET https://?a HTTP/1.1\r\nHost: a\r\n\r\n", 400,
         NULL},
        {"CONNECT", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 501, NULL},
        {"two spaces after the method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"two spaces before the version", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"tab as separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"bad character in the method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"no version (0.9)", "GET /\r\n\r\n", 400, NULL},
        {"version 2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, NULL},
        {"version 1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505, NULL},
        {"version 0.9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505, NULL},
        {"lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"version 1.10", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400, NULL},
        {"version 11.1", "GET / HTTP/11.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"version 1", "GET / HTTP/1\r\nHost: a\r\n\r\n", 400, NULL},
        {"version with a space after", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, NULL},
        {"version 1.x", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400, NULL},
        {"not HTTP", "GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400, NULL},
        {"TLS handshake", "\x16\x03\x01\x02\x31\x01\x02\x2d\xfc\x03\x03", 400, NULL},
        /* Expect */
        {"Expect other", RL "Host: a\r\nExpect: 200-ok\r\n\r\n", 417, NULL},
        {"Expect 100-continue and other", RL "Host: a\r\nExpect: 100-continue, x\r\n\r\n", 417,
         NULL},
        {"Expect other after an empty element", RL "Host: a\r\nExpect: ,x\r\n\r\n", 417, NULL},
        {"Expect with a parameter", RL "Host: a\r\nExpect: 100-continue;a=b\r\n\r\n", 417, NULL},
};

static void
test_http_parse_bad(void **state)
{
	struct http_head h;
	size_t i, len, used;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		len = case_len(c->head, c->name);
		rc = parse_n(c->head, len, &lim_default, CAP, &h, &used);
		if (rc != code_for(c->status) || h.status != c->status || h.why == NULL ||
		    (c->why != NULL && strcmp(h.why, c->why) != 0)) {
			fail_msg("%s: rc %d status %d (%s), want %d", c->name, rc, h.status, h.why,
			         c->status);
		}
		check_prefixes(c->name, c->head, len, c->status);
	}
}

/* --- limits: at the limit accepted, one past it rejected --- */

/* "GET <target> HTTP/1.1\r\nHost: a\r\n" + nfields "X-n: v\r\n" + pad bytes in one value +
 * the final CRLF (when end) */
static size_t
build(char *buf, size_t cap, size_t target, size_t nfields, size_t pad, bool end)
{
	size_t n = 0, i;

	n += (size_t)snprintf(buf + n, cap - n, "GET /");
	for (i = 1; i < target; i++) {
		buf[n++] = 'a';
	}
	n += (size_t)snprintf(buf + n, cap - n, " HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < nfields; i++) {
		n += (size_t)snprintf(buf + n, cap - n, "X-%zu: v\r\n", i);
	}
	if (pad > 0) {
		n += (size_t)snprintf(buf + n, cap - n, "P: ");
		for (i = 0; i < pad; i++) {
			buf[n++] = 'p';
		}
		n += (size_t)snprintf(buf + n, cap - n, "\r\n");
	}
	if (end) {
		n += (size_t)snprintf(buf + n, cap - n, "\r\n");
	}
	assert_true(n < cap);
	return n;
}

static void
expect_rc(const char *what, const char *buf, size_t len, const struct http_parse_limits *l,
          size_t cap, int status)
{
	struct http_head h;
	size_t used;
	int rc = parse_n(buf, len, l, cap, &h, &used);
	int want = status == 0 ? IDR_OK : status < 0 ? status : code_for(status);

	if (rc != want || (status > 0 && h.status != status)) {
		fail_msg("%s: rc %d status %d (%s), want %d", what, rc, h.status, h.why, status);
	}
	if (rc == IDR_OK && used != len) {
		fail_msg("%s: used %zu of %zu", what, used, len);
	}
}

static void
test_http_parse_limit_target(void **state)
{
	struct http_parse_limits l = lim_default;
	char buf[4096];
	size_t n;

	(void)state;
	l.max_target = 100;
	n = build(buf, sizeof(buf), 100, 0, 0, true);
	expect_rc("target at the limit", buf, n, &l, CAP, 0);
	n = build(buf, sizeof(buf), 101, 0, 0, true);
	expect_rc("target one past", buf, n, &l, CAP, 414);
	/* before the rest arrives: 100 target bytes may still end, 101 cannot */
	expect_rc("incomplete target at the limit", buf, 4 + 100, &l, CAP, IDR_EAGAIN);
	expect_rc("incomplete target one past", buf, 4 + 101, &l, CAP, 414);
	/* the target limit is not the head limit */
	l.max_head = 4 + 101;
	expect_rc("incomplete target one past, head at its limit", buf, 4 + 101, &l, CAP, 414);
}

static void
test_http_parse_limit_head(void **state)
{
	struct http_parse_limits l = lim_default;
	struct http_head h;
	char buf[4096];
	size_t n, k, used;

	(void)state;
	n = build(buf, sizeof(buf), 10, 3, 500, true);
	l.max_head = n;
	expect_rc("head at the limit", buf, n, &l, CAP, 0);
	l.max_head = n - 1;
	expect_rc("head one past", buf, n, &l, CAP, 431);
	/* leading empty lines count */
	l.max_head = n + 2;
	memmove(buf + 2, buf, n);
	buf[0] = '\r';
	buf[1] = '\n';
	expect_rc("head with a leading CRLF at the limit", buf, n + 2, &l, CAP, 0);
	l.max_head = n + 1;
	expect_rc("head with a leading CRLF one past", buf, n + 2, &l, CAP, 431);
	/* without its end: max_head bytes may still end, one more cannot */
	n = build(buf, sizeof(buf), 10, 3, 2000, false);
	l.max_head = 1000;
	expect_rc("incomplete head at the limit", buf, 1000, &l, CAP, IDR_EAGAIN);
	expect_rc("incomplete head one past", buf, 1001, &l, CAP, 431);
	expect_rc("incomplete head far past", buf, n, &l, CAP, 431);
	/* a complete head within the limit, then more bytes: the head is parsed */
	n = build(buf, sizeof(buf), 10, 0, 0, true);
	l.max_head = n;
	k = (size_t)snprintf(buf + n, sizeof(buf) - n, "GET / HTTP/1.1\r\n");
	assert_int_equal(parse_n(buf, n + k, &l, CAP, &h, &used), IDR_OK);
	assert_int_equal(used, n);
}

static void
test_http_parse_limit_fields(void **state)
{
	struct http_parse_limits l = lim_default;
	char buf[4096];
	size_t n;

	(void)state;
	l.max_headers = 20;
	n = build(buf, sizeof(buf), 1, 19, 0, true); /* Host + 19 */
	expect_rc("fields at the limit", buf, n, &l, CAP, 0);
	n = build(buf, sizeof(buf), 1, 20, 0, true);
	expect_rc("fields one past", buf, n, &l, CAP, 431);
	/* as soon as the extra field starts */
	n = build(buf, sizeof(buf), 1, 20, 0, false);
	expect_rc("incomplete, fields one past", buf, n - 5, &l, CAP, 431);
	/* the caller's capacity is a limit too */
	l.max_headers = 100;
	n = build(buf, sizeof(buf), 1, 19, 0, true);
	expect_rc("fields at the capacity", buf, n, &l, 20, 0);
	n = build(buf, sizeof(buf), 1, 20, 0, true);
	expect_rc("fields one past the capacity", buf, n, &l, 20, 431);
}

static void
test_http_parse_limit_body(void **state)
{
	struct http_parse_limits l = lim_default;
	struct http_head h;
	size_t used;

	(void)state;
	l.max_body = 1000;
	expect_rc("Content-Length at the limit", PL "Content-Length: 1000\r\n\r\n",
	          strlen(PL "Content-Length: 1000\r\n\r\n"), &l, CAP, 0);
	expect_rc("Content-Length one past", PL "Content-Length: 1001\r\n\r\n",
	          strlen(PL "Content-Length: 1001\r\n\r\n"), &l, CAP, 413);
	l.max_body = UINT64_MAX;
	assert_int_equal(parse_n(PL "Content-Length: 18446744073709551615\r\n\r\n",
	                         strlen(PL "Content-Length: 18446744073709551615\r\n\r\n"), &l, CAP,
	                         &h, &used),
	                 IDR_OK);
	assert_true(h.content_length == UINT64_MAX);
}

/* --- chunked bodies --- */

struct chunk_result {
	int rc, status;
	uint8_t payload[512];
	size_t npayload;
	uint8_t rest[512]; /* the bytes after the body: not consumed, or not fed yet */
	size_t nrest;
};

/*
 * Feed raw to the decoder the way a connection with one buffer does: first bytes, then step
 * bytes at a time appended after what the decoder left, until it stops asking for more.
 */
static void
feed(const struct http_parse_limits *l, const void *raw, size_t n, size_t first, size_t step,
     struct chunk_result *res)
{
	struct http_chunk c = {0};
	uint8_t *buf = malloc(n > 0 ? n : 1);
	size_t fed = 0, len = 0, out = 0, piece;

	assert_non_null(buf);
	memset(res, 0, sizeof(*res));
	res->rc = IDR_EAGAIN;
	for (piece = first; res->rc == IDR_EAGAIN && fed < n; piece = step) {
		piece = piece < n - fed ? piece : n - fed;
		memcpy(buf + len, (const uint8_t *)raw + fed, piece);
		len += piece;
		fed += piece;
		res->rc = http_chunk_decode(&c, l, buf, &len, &out, &res->status);
		assert_true(out <= len && len <= fed);
		if (res->rc == IDR_EAGAIN) {
			assert_int_equal(len, out);
		}
	}
	assert_true(out <= sizeof(res->payload) && len - out + n - fed <= sizeof(res->rest));
	memcpy(res->payload, buf, out);
	res->npayload = out;
	memcpy(res->rest, buf + out, len - out);
	memcpy(res->rest + len - out, (const uint8_t *)raw + fed, n - fed);
	res->nrest = len - out + n - fed;
	free(buf);
}

struct chunk_case {
	const char *name;
	const char *raw;
	int status; /* 0: valid, -1: incomplete */
	const char *payload;
	const char *rest;
};

#define TAIL "GET / HTTP/1.1\r\n"

static const struct chunk_case chunk_cases[] = {
        {"one chunk", "5\r\nhello\r\n0\r\n\r\n", 0, "hello", ""},
        {"empty body", "0\r\n\r\n", 0, "", ""},
        {"several chunks, hex both cases",
         "5\r\nhello\r\n1\r\n \r\na\r\n0123456789\r\nA\r\n"
         "abcdefghij\r\n0\r\n\r\n",
         0, "hello 0123456789abcdefghij", ""},
        {"leading zeros", "0005\r\nhello\r\n000\r\n\r\n", 0, "hello", ""},
        {"extensions", "5;a=b;c=\"d e\"\r\nhello\r\n6 \t; x\t;y\r\n world\r\n0;last\r\n\r\n", 0,
         "hello world", ""},
        {"trailers", "5\r\nhello\r\n0\r\nX-Sum: abc\r\nEmpty:\r\nV: \xc3\xa9 \t x\r\n\r\n", 0,
         "hello", ""},
        {"CRLF in data", "4\r\n\r\n\r\n\r\n0\r\n\r\n", 0, "\r\n\r\n", ""},
        {"pipelined request after", "3\r\nabc\r\n0\r\n\r\n" TAIL, 0, "abc", TAIL},
        {"incomplete", "5\r\nhello\r\n0\r\n", -1, "hello", ""},
        {"bad hex", "5\r\nhello\r\ng\r\n\r\n", 400, NULL, NULL},
        {"no size", "\r\nhello\r\n0\r\n\r\n", 400, NULL, NULL},
        {"0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", 400, NULL, NULL},
        {"sign", "+5\r\nhello\r\n0\r\n\r\n", 400, NULL, NULL},
        {"leading whitespace", " 5\r\nhello\r\n0\r\n\r\n", 400, NULL, NULL},
        {"trailing whitespace", "5 \r\nhello\r\n0\r\n\r\n", 400, NULL, NULL},
        {"junk after the size", "5x\r\nhello\r\n0\r\n\r\n", 400, NULL, NULL},
        {"missing CRLF after data", "5\r\nhelloX\r\n0\r\n\r\n", 400, NULL, NULL},
        {"junk then LF after data", "5\r\nhelloX\n0\r\n\r\n", 400, NULL, NULL},
        {"LF only after data", "5\r\nhello\n0\r\n\r\n", 400, NULL, NULL},
        {"CR only after data", "5\r\nhello\r0\r\n\r\n", 400, NULL, NULL},
        {"data shorter than its size", "6\r\nhello\r\n0\r\n\r\n", 400, NULL, NULL},
        {"bare LF after the size", "5\nhello\r\n0\r\n\r\n", 400, NULL, NULL},
        {"bare CR after the size", "5\rhello\r\n0\r\n\r\n", 400, NULL, NULL},
        {"size overflow", "10000000000000000\r\n", 400, NULL, NULL},
        {"size over max_body", "FFFFFFFFFFFFFFFF\r\n", 413, NULL, NULL},
        {"control in an extension", "5;a\x01\r\nhello\r\n0\r\n\r\n", 400, NULL, NULL},
        {"bare LF in an extension", "5;a\nb\r\nhello\r\n0\r\n\r\n", 400, NULL, NULL},
        {"whitespace then junk", "5 x\r\nhello\r\n0\r\n\r\n", 400, NULL, NULL},
        {"trailer obs-fold", "0\r\nA: b\r\n c\r\n\r\n", 400, NULL, NULL},
        {"trailer space before colon", "0\r\nA : b\r\n\r\n", 400, NULL, NULL},
        {"trailer without colon", "0\r\nAB\r\n\r\n", 400, NULL, NULL},
        {"trailer bare LF", "0\r\nA: b\n\r\n", 400, NULL, NULL},
        {"trailer bare CR", "0\r\nA: b\rX\r\n\r\n", 400, NULL, NULL},
        {"trailer NUL", "0\r\nA: \0\r\n\r\n", 400, NULL, NULL},
        {"final bare LF", "0\r\n\n", 400, NULL, NULL},
        {"final CR then junk", "0\r\n\rX", 400, NULL, NULL},
};

static void
expect_same(const char *what, size_t k, const struct chunk_result *a, const struct chunk_result *b)
{
	if (a->rc != b->rc || a->status != b->status || a->npayload != b->npayload ||
	    memcmp(a->payload, b->payload, a->npayload) != 0 || a->nrest != b->nrest ||
	    memcmp(a->rest, b->rest, a->nrest) != 0) {
		fail_msg("%s: split at %zu: rc %d/%d status %d/%d payload %zu/%zu rest %zu/%zu",
		         what, k, a->rc, b->rc, a->status, b->status, a->npayload, b->npayload,
		         a->nrest, b->nrest);
	}
}

static void
check_chunk_case(const struct chunk_case *c, const struct chunk_result *r)
{
	int want = c->status == 0 ? IDR_OK : c->status < 0 ? IDR_EAGAIN : code_for(c->status);

	if (r->rc != want || r->status != (c->status > 0 ? c->status : 0)) {
		fail_msg("%s: rc %d status %d, want %d", c->name, r->rc, r->status, c->status);
	}
	if (c->payload != NULL) {
		expect_slice(c->name, slice_make(r->payload, r->npayload), c->payload);
		expect_slice(c->name, slice_make(r->rest, r->nrest), c->rest);
	}
}

static void
test_http_chunk_cases(void **state)
{
	struct chunk_result one, r;
	size_t i, k, n;

	(void)state;
	for (i = 0; i < sizeof(chunk_cases) / sizeof(chunk_cases[0]); i++) {
		const struct chunk_case *c = &chunk_cases[i];

		n = case_len(c->raw, c->name);
		feed(&lim_default, c->raw, n, n, n, &one);
		check_chunk_case(c, &one);
		/* in two pieces, split anywhere; then a byte at a time */
		for (k = 0; k <= n; k++) {
			feed(&lim_default, c->raw, n, k, n, &r);
			expect_same(c->name, k, &one, &r);
		}
		feed(&lim_default, c->raw, n, 1, 1, &r);
		expect_same(c->name, 1, &one, &r);
	}
}

/* After the end or an error, later calls answer the same and consume nothing. */
static void
test_http_chunk_sticky(void **state)
{
	uint8_t buf[64];
	struct http_chunk c = {0};
	size_t len, out = 0;
	int status;

	(void)state;
	len = 10;
	memcpy(buf, "0\r\n\r\nnext", len);
	assert_int_equal(http_chunk_decode(&c, &lim_default, buf, &len, &out, &status), IDR_OK);
	assert_int_equal(out, 0);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "next", 4);
	assert_int_equal(http_chunk_decode(&c, &lim_default, buf, &len, &out, &status), IDR_OK);
	assert_int_equal(len, 5);

	memset(&c, 0, sizeof(c));
	out = 0;
	len = 4;
	memcpy(buf, "z\r\n0", len);
	assert_int_equal(http_chunk_decode(&c, &lim_default, buf, &len, &out, &status), IDR_EPROTO);
	assert_int_equal(status, 400);
	assert_int_equal(http_chunk_decode(&c, &lim_default, buf, &len, &out, &status), IDR_EPROTO);
	assert_int_equal(status, 400);
}

/* A body of total payload bytes in chunks of at most 7 bytes, then trailers. */
static size_t
build_chunked(char *buf, size_t cap, size_t total, size_t ntrailers, size_t ext)
{
	size_t n = 0, i, k;

	for (i = 0; i < total; i += k) {
		k = total - i < 7 ? total - i : 7;
		n += (size_t)snprintf(buf + n, cap - n, "%zx", k);
		if (ext > 0) {
			buf[n++] = ';';
			for (k = 0; k + 1 < ext; k++) {
				buf[n++] = 'e';
			}
			k = total - i < 7 ? total - i : 7;
		}
		n += (size_t)snprintf(buf + n, cap - n, "\r\n");
		memset(buf + n, 'd', k);
		n += k;
		n += (size_t)snprintf(buf + n, cap - n, "\r\n");
	}
	n += (size_t)snprintf(buf + n, cap - n, "0\r\n");
	for (i = 0; i < ntrailers; i++) {
		n += (size_t)snprintf(buf + n, cap - n, "T-%zu: v\r\n", i);
	}
	n += (size_t)snprintf(buf + n, cap - n, "\r\n");
	assert_true(n < cap);
	return n;
}

static void
expect_chunk(const char *what, const struct http_parse_limits *l, const char *raw, size_t n,
             int status)
{
	struct chunk_result r;

	feed(l, raw, n, n, n, &r);
	if (r.rc != (status == 0 ? IDR_OK : code_for(status)) || r.status != status) {
		fail_msg("%s: rc %d status %d, want %d", what, r.rc, r.status, status);
	}
}

static void
test_http_chunk_limits(void **state)
{
	static char big[HTTP_CHUNK_MAX_LINE + 64];
	struct http_parse_limits l = lim_default;
	char buf[2048];
	size_t n;

	(void)state;
	l.max_body = 100;
	n = build_chunked(buf, sizeof(buf), 100, 0, 0);
	expect_chunk("chunked total at the limit", &l, buf, n, 0);
	n = build_chunked(buf, sizeof(buf), 101, 0, 0);
	expect_chunk("chunked total one past", &l, buf, n, 413);
	/* said by the size line, before the data arrives */
	expect_chunk("chunked total one past, data not yet there", &l, buf, n - 8, 413);

	l.max_headers = 5;
	n = build_chunked(buf, sizeof(buf), 3, 5, 0);
	expect_chunk("trailers at the limit", &l, buf, n, 0);
	n = build_chunked(buf, sizeof(buf), 3, 6, 0);
	expect_chunk("trailers one past", &l, buf, n, 431);

	l.max_headers = lim_default.max_headers;
	n = build_chunked(buf, sizeof(buf), 3, 5, 0);
	l.max_head = n - strlen("3\r\nddd\r\n0\r\n");
	expect_chunk("trailer bytes at the limit", &l, buf, n, 0);
	l.max_head--;
	expect_chunk("trailer bytes one past", &l, buf, n, 431);

	/* "3;eee...\r\n" is HTTP_CHUNK_MAX_LINE bytes */
	n = build_chunked(big, sizeof(big), 3, 0, HTTP_CHUNK_MAX_LINE - 3);
	expect_chunk("chunk line at the limit", &lim_default, big, n, 0);
	n = build_chunked(big, sizeof(big), 3, 0, HTTP_CHUNK_MAX_LINE - 2);
	expect_chunk("chunk line one past", &lim_default, big, n, 400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_http_parse_valid),
	        cmocka_unit_test(test_http_parse_slices),
	        cmocka_unit_test(test_http_parse_truncations),
	        cmocka_unit_test(test_http_parse_bad),
	        cmocka_unit_test(test_http_parse_limit_target),
	        cmocka_unit_test(test_http_parse_limit_head),
	        cmocka_unit_test(test_http_parse_limit_fields),
	        cmocka_unit_test(test_http_parse_limit_body),
	        cmocka_unit_test(test_http_chunk_cases),
	        cmocka_unit_test(test_http_chunk_sticky),
	        cmocka_unit_test(test_http_chunk_limits),
	};

	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(copy);
	return rc;
}
