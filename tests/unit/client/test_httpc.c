/* test_httpc.c - the HTTP(S) client: server address parsing, the response head collector, and
 * requests against a fake HTTP/1.1 server thread on 127.0.0.1 (TLS: tests/integration), bodies
 * streamed to a sink, requests stopped through a flag, the Basic authorization line. */
#define _GNU_SOURCE /* strcasestr */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client/httpc.h"

#define WAIT_MS  3000 /* the fake gives up waiting for the client after this */
#define REQ_MAX  8192
#define NREQ_MAX 4
#define SECRET   "Handle sessionId=\"s\", signature=\"TOP-SECRET-SIG\""

/* ======================================================================================== */
/* server addresses                                                                         */
/* ======================================================================================== */

struct base_case {
	const char *in;
	int rc;
	bool tls;
	const char *host;
	unsigned port;
	const char *url;
};

static const struct base_case base_cases[] = {
        {"127.0.0.1:8000", IDR_OK, false, "127.0.0.1", 8000, "http://127.0.0.1:8000"},
        {"127.0.0.1", IDR_OK, false, "127.0.0.1", 9, "http://127.0.0.1:9"},
        {"localhost:1", IDR_OK, false, "localhost", 1, "http://localhost:1"},
        {"[::1]:8443", IDR_OK, false, "[::1]", 8443, "http://[::1]:8443"},
        {"[::1]", IDR_OK, false, "[::1]", 9, "http://[::1]:9"},
        {"http://a.example", IDR_OK, false, "a.example", 80, "http://a.example:80"},
        {"https://a.example", IDR_OK, true, "a.example", 443, "https://a.example:443"},
        {"HTTPS://A-1.example:65535/", IDR_OK, true, "A-1.example", 65535,
         "https://A-1.example:65535"},
        {"https://[2001:db8::1]:8443", IDR_OK, true, "[2001:db8::1]", 8443,
         "https://[2001:db8::1]:8443"},
        {"", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://", IDR_EINVAL, false, NULL, 0, NULL},
        {"ftp://a.example", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://http://a", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://user:pw@a.example", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://a.example/api", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://a.example?x", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://a.example#x", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://a.example:", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://a.example:0", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://a.example:65536", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://a.example:80x", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://a..example", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://-a.example", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://a-.example", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://a_b.example", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://a.example.", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://[::1", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://[]:1", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://[x::1]:1", IDR_EINVAL, false, NULL, 0, NULL},
        {"https://[::1]x", IDR_EINVAL, false, NULL, 0, NULL},
        {"a b:1", IDR_EINVAL, false, NULL, 0, NULL},
};

static void
test_httpc_base_table(void **state)
{
	struct httpc_base b;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(base_cases) / sizeof(base_cases[0]); i++) {
		const struct base_case *c = &base_cases[i];

		why = NULL;
		if (httpc_base_parse(c->in, 9, &b, &why) != c->rc) {
			fail_msg("case %zu (%s): wrong result", i, c->in);
		}
		if (c->rc != IDR_OK) {
			assert_non_null(why);
			continue;
		}
		assert_int_equal(b.tls, c->tls);
		assert_string_equal(b.host, c->host);
		assert_int_equal(b.port, c->port);
		assert_string_equal(b.url, c->url);
	}
}

/* Lengths at their limits: a label of 63 bytes, a name of 253, the text of 300. */
static void
test_httpc_base_limits(void **state)
{
	char text[400], label[70];
	struct httpc_base b;
	const char *why;

	(void)state;
	memset(label, 'a', 63);
	label[63] = '\0';
	assert_int_equal(httpc_base_parse(label, 1, &b, &why), IDR_OK);
	label[63] = 'a';
	label[64] = '\0';
	assert_int_equal(httpc_base_parse(label, 1, &b, &why), IDR_EINVAL);
	/* 4 x 63 + 3 dots = 255: over; 253 exactly: fine */
	snprintf(text, sizeof(text), "%.63s.%.63s.%.63s.%.61s", label, label, label, label);
	assert_int_equal(strlen(text), 253);
	assert_int_equal(httpc_base_parse(text, 1, &b, &why), IDR_OK);
	assert_int_equal(strlen(b.url), strlen("http://") + 253 + strlen(":1"));
	snprintf(text, sizeof(text), "%.63s.%.63s.%.63s.%.62s", label, label, label, label);
	assert_int_equal(httpc_base_parse(text, 1, &b, &why), IDR_EINVAL);
	/* every truncation of a valid URL parses or fails cleanly; the scheme alone fails */
	snprintf(text, sizeof(text), "https://[2001:db8::1]:8443/");
	for (size_t cut = 0; cut <= strlen(text); cut++) {
		char part[64];
		int rc;

		snprintf(part, sizeof(part), "%.*s", (int)cut, text);
		rc = httpc_base_parse(part, 1, &b, &why);
		assert_true(rc == IDR_OK || rc == IDR_EINVAL);
		if (cut >= strlen("https://") && cut < strlen("https://[2001:db8::1]")) {
			assert_int_equal(rc, IDR_EINVAL);
		}
	}
	memset(text, 'a', 301);
	text[301] = '\0';
	assert_int_equal(httpc_base_parse(text, 1, &b, &why), IDR_EINVAL);
	assert_non_null(strstr(why, "too long"));
}

/* ======================================================================================== */
/* response heads                                                                           */
/* ======================================================================================== */

struct head_case {
	const char *lines; /* the head; fed line by line (cut after each LF) */
	int rc;
	const char *content_type, *www_authenticate, *location;
};

static const struct head_case head_cases[] = {
        {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n", IDR_OK,
         "application/json", NULL, NULL},
        {"HTTP/1.1 302 Found\r\nlocation:   https://a/b?c \t\r\n\r\n", IDR_OK, NULL, NULL,
         "https://a/b?c"},
        {"HTTP/1.1 401 x\r\nWWW-Authenticate: Handle a=1\r\nwww-authenticate: Basic\r\n\r\n",
         IDR_OK, NULL, "Handle a=1, Basic", NULL},
        {"HTTP/1.1 200 OK\nContent-Type: a\nContent-Type: a\n\n", IDR_OK, "a", NULL, NULL},
        {"HTTP/1.1 100 Continue\r\nLocation: /old\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", IDR_OK, NULL,
         NULL, NULL},
        {"HTTP/1.1 200 OK\r\nLocation: /\xe4\xb8\xad\r\n\r\n", IDR_OK, NULL, NULL, "/\xe4\xb8\xad"},
        {"HTTP/1.1 200 OK\r\nX-Empty:\r\n\r\nTrailer: Location\r\n", IDR_OK, NULL, NULL, NULL},
        {"HTTP/1.1 200 OK\r\nContent-Type: a\r\nContent-Type: b\r\n\r\n", IDR_EPROTO, NULL, NULL,
         NULL},
        {"HTTP/1.1 200 OK\r\nLocation: /a\r\nLocation: /b\r\n\r\n", IDR_EPROTO, NULL, NULL, NULL},
        {"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", IDR_EPROTO, NULL, NULL, NULL},
        {"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", IDR_EPROTO, NULL, NULL, NULL},
        {"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", IDR_EPROTO, NULL, NULL, NULL},
        {"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", IDR_EPROTO, NULL, NULL, NULL},
        {"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", IDR_EPROTO, NULL, NULL, NULL},
        {"HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n", IDR_EPROTO, NULL, NULL, NULL},
        {"HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n", IDR_EPROTO, NULL, NULL, NULL},
};

/* Feed a head line by line. @return the first error or IDR_OK. */
static int
head_feed(struct httpc_head *h, const char *text, size_t len)
{
	const char *why = NULL, *lf;
	size_t off = 0, n;
	int rc = IDR_OK;

	while (off < len && rc == IDR_OK) {
		lf = memchr(text + off, '\n', len - off);
		n = lf != NULL ? (size_t)(lf - (text + off)) + 1 : len - off;
		rc = httpc_head_line(h, slice_make(text + off, n), &why);
		assert_true(rc == IDR_OK || why != NULL);
		off += n;
	}
	return rc;
}

static void
str_check(const char *got, const char *want)
{
	if (want == NULL) {
		assert_null(got);
	} else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

/* The last response of a head text: from its last status line on. */
static const char *
last_response(const char *text)
{
	const char *last = text, *p = text;

	while ((p = strstr(p + 1, "\nHTTP/")) != NULL) {
		last = p + 1;
	}
	return last;
}

static void
head_case_check(size_t i, const struct head_case *c)
{
	struct httpc_head h;
	size_t len = strlen(c->lines), cut;

	httpc_head_init(&h);
	if (head_feed(&h, c->lines, len) != c->rc) {
		fail_msg("head case %zu: wrong result", i);
	}
	if (c->rc == IDR_OK) {
		assert_true(h.ended);
		assert_int_equal(h.bytes, strlen(last_response(c->lines)));
		str_check(h.content_type, c->content_type);
		str_check(h.www_authenticate, c->www_authenticate);
		str_check(h.location, c->location);
	}
	httpc_head_deinit(&h);
	/* cut before any LF: the partial line is refused (a line comes whole or not at all) */
	for (cut = 1; cut < len; cut++) {
		if (c->lines[cut] != '\n' || c->lines[cut - 1] == '\n') {
			continue;
		}
		httpc_head_init(&h);
		if (head_feed(&h, c->lines, cut) == IDR_OK) {
			fail_msg("head case %zu cut at %zu: accepted", i, cut);
		}
		httpc_head_deinit(&h);
	}
}

static void
test_httpc_head_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(head_cases) / sizeof(head_cases[0]); i++) {
		head_case_check(i, &head_cases[i]);
	}
}

/* A line without LF at every length of a header line. */
static void
test_httpc_head_truncated(void **state)
{
	static const char line[] = "Content-Type: text/plain\r\n";
	struct httpc_head h;
	const char *why;
	size_t cut;

	(void)state;
	for (cut = 0; cut < sizeof(line) - 1; cut++) {
		httpc_head_init(&h);
		assert_int_equal(httpc_head_line(&h, SLICE_LIT("HTTP/1.1 200 OK\r\n"), &why),
		                 IDR_OK);
		assert_int_equal(httpc_head_line(&h, slice_make(line, cut), &why), IDR_EPROTO);
		assert_null(h.content_type);
		httpc_head_deinit(&h);
	}
}

/* "NAME: " + n times c + CRLF into line. @return its length. */
static size_t
line_make(char *line, size_t cap, const char *name, char c, size_t n)
{
	char *v = malloc(n + 1);
	int len;

	assert_non_null(v);
	memset(v, c, n);
	v[n] = '\0';
	len = snprintf(line, cap, "%s: %s\r\n", name, v);
	free(v);
	assert_true(len > 0 && (size_t)len < cap);
	return (size_t)len;
}

/* The kept-value cap and the head cap, at the limit and one past it. */
static void
test_httpc_head_limits(void **state)
{
	size_t cap = HTTPC_HEAD_MAX + 64, n;
	char *line = malloc(cap);
	struct httpc_head h;
	const char *why;

	(void)state;
	assert_non_null(line);
	for (size_t extra = 0; extra <= 1; extra++) {
		n = line_make(line, cap, "Location", 'x', HTTPC_VALUE_MAX + extra);
		httpc_head_init(&h);
		assert_int_equal(httpc_head_line(&h, slice_make(line, n), &why),
		                 extra == 0 ? IDR_OK : IDR_ELIMIT);
		if (extra == 1) {
			assert_non_null(strstr(why, "8192"));
		}
		httpc_head_deinit(&h);
	}
	/* WWW-Authenticate joined up to the cap, then over it */
	httpc_head_init(&h);
	n = line_make(line, cap, "WWW-Authenticate", 'a', HTTPC_VALUE_MAX - 2);
	assert_int_equal(httpc_head_line(&h, slice_make(line, n), &why), IDR_OK);
	assert_int_equal(httpc_head_line(&h, SLICE_LIT("WWW-Authenticate:\r\n"), &why), IDR_OK);
	assert_int_equal(strlen(h.www_authenticate), HTTPC_VALUE_MAX);
	assert_int_equal(httpc_head_line(&h, SLICE_LIT("WWW-Authenticate: b\r\n"), &why),
	                 IDR_ELIMIT);
	httpc_head_deinit(&h);
	/* the head: exactly HTTPC_HEAD_MAX bytes pass, one more does not */
	for (size_t extra = 0; extra <= 1; extra++) {
		httpc_head_init(&h);
		assert_int_equal(httpc_head_line(&h, SLICE_LIT("HTTP/1.1 200 OK\r\n"), &why),
		                 IDR_OK);
		n = HTTPC_HEAD_MAX - strlen("HTTP/1.1 200 OK\r\n") + extra;
		assert_int_equal(line_make(line, cap, "X", 'y', n - 5), n);
		assert_int_equal(httpc_head_line(&h, slice_make(line, n), &why),
		                 extra == 0 ? IDR_OK : IDR_ELIMIT);
		if (extra == 1) {
			assert_non_null(strstr(why, "65536"));
		}
		httpc_head_deinit(&h);
	}
	free(line);
}

/* ======================================================================================== */
/* the fake server                                                                          */
/* ======================================================================================== */

struct fake {
	int lfd;
	uint16_t port;
	pthread_t th;
	const char *answers[NREQ_MAX]; /* one per request, in order; NULL: stay silent */
	size_t nanswers;
	bool close_each; /* close the connection after each answer */
	char req[NREQ_MAX][REQ_MAX];
	int nreq;
	int accepts;
	bool joined;
};

static bool
wait_in(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, ms) == 1;
}

/* Read one request (head, then a Content-Length body) into buf. @return false at the end. */
static bool
read_request(int fd, char *buf, size_t cap)
{
	size_t got = 0, want = 0;
	const char *end = NULL, *cl;

	while (got + 1 < cap && (end == NULL || got < want) && wait_in(fd, WAIT_MS)) {
		ssize_t k = recv(fd, buf + got, 1, 0);

		if (k <= 0) {
			return false;
		}
		got++;
		buf[got] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			cl = strcasestr(buf, "\r\nContent-Length: ");
			want = (size_t)(end - buf) + 4 +
			       (cl != NULL && cl < end ? strtoul(cl + 18, NULL, 10) : 0);
		}
	}
	return end != NULL && got >= want;
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	int fd = -1;
	char drain;

	while (f->nreq < (int)f->nanswers) {
		if (fd < 0) {
			if (!wait_in(f->lfd, WAIT_MS)) {
				break;
			}
			fd = accept(f->lfd, NULL, NULL);
			f->accepts++;
		}
		if (!read_request(fd, f->req[f->nreq], REQ_MAX)) {
			close(fd);
			fd = -1;
			continue;
		}
		if (f->answers[f->nreq] == NULL) { /* silent: wait for the client to give up */
			f->nreq++;
			while (wait_in(fd, WAIT_MS) && recv(fd, &drain, 1, 0) > 0) {
			}
			break;
		}
		(void)send(fd, f->answers[f->nreq], strlen(f->answers[f->nreq]), MSG_NOSIGNAL);
		f->nreq++;
		if (f->close_each) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0) {
		while (wait_in(fd, 200) && recv(fd, &drain, 1, 0) > 0) {
		}
		close(fd);
	}
	return NULL;
}

static struct fake *
fake_start(const char *a0, const char *a1)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_non_null(f);
	f->answers[0] = a0;
	f->answers[1] = a1;
	f->nanswers = a1 != NULL ? 2 : 1;
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->lfd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&sin, &len), 0);
	f->port = ntohs(sin.sin_port);
	return f;
}

static void
fake_run(struct fake *f)
{
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

/* Wait for the script to end (the client closed or the fake gave up); then f's records are
 * complete. */
static void
fake_wait(struct fake *f)
{
	assert_int_equal(pthread_join(f->th, NULL), 0);
	f->joined = true;
}

static void
fake_end(struct fake *f)
{
	if (!f->joined) {
		fake_wait(f);
	}
	close(f->lfd);
	free(f);
}

static struct httpc *
client(const struct fake *f, unsigned timeout_ms, size_t max_body)
{
	struct httpc_opts o = {.timeout_ms = timeout_ms, .max_body = max_body};
	struct httpc_base b;
	struct httpc *c;
	char text[32];
	const char *why;

	snprintf(text, sizeof(text), "127.0.0.1:%u", f->port);
	assert_int_equal(httpc_base_parse(text, 1, &b, &why), IDR_OK);
	assert_int_equal(httpc_new(&c, &b, &o), IDR_OK);
	return c;
}

static int
get(struct httpc *c, const char *path, struct httpc_resp *r)
{
	static const char *const hdrs[] = {"Authorization: " SECRET};
	struct httpc_req q = {.method = HTTPC_GET, .path = path, .headers = hdrs, .nheaders = 1};

	return httpc_request(c, &q, r);
}

/* ======================================================================================== */
/* requests                                                                                 */
/* ======================================================================================== */

/* GET, then PUT on the same connection: status, body, headers, what went on the wire. */
static void
test_httpc_keepalive(void **state)
{
	struct fake *f =
	        fake_start("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
	                   "WWW-Authenticate: Handle nonce=\"n1\"\r\n"
	                   "Content-Length: 18\r\n\r\n{\"responseCode\":1}",
	                   "HTTP/1.1 201 Created\r\nLocation: /api/handles/x/y\r\n"
	                   "Transfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n"
	                   "0\r\n\r\n");
	static const char *const hdrs[] = {"Authorization: " SECRET, "X-Batch: 7"};
	struct httpc_req q = {.method = HTTPC_PUT,
	                      .path = "/api/handles/x/y?overwrite=true",
	                      .headers = hdrs,
	                      .nheaders = 2,
	                      .content_type = "application/json",
	                      .body = SLICE_LIT("{\"values\":[]}")};
	struct httpc_resp r;
	struct httpc *c;
	char want[64];

	(void)state;
	fake_run(f);
	c = client(f, 3000, 0);
	assert_string_equal(httpc_url(c), strchr(httpc_url(c), 'h'));
	assert_int_equal(get(c, "/api/handles/x/y?type=URL", &r), IDR_OK);
	assert_int_equal(r.status, 401);
	assert_int_equal(r.body.len, 18);
	assert_memory_equal(r.body.p, "{\"responseCode\":1}", 18);
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.www_authenticate, "Handle nonce=\"n1\"");
	assert_null(r.location);
	assert_int_equal(r.connects, 1);
	assert_string_equal(httpc_errmsg(c), "");
	assert_int_equal(httpc_request(c, &q, &r), IDR_OK);
	assert_int_equal(r.status, 201);
	assert_int_equal(r.body.len, 7);
	assert_memory_equal(r.body.p, "{\"a\":1}", 7);
	assert_string_equal(r.location, "/api/handles/x/y");
	assert_null(r.www_authenticate);
	assert_int_equal(r.connects, 0); /* the connection was reused */
	httpc_free(c);
	fake_wait(f);
	assert_int_equal(f->accepts, 1);
	assert_int_equal(f->nreq, 2);
	assert_non_null(strstr(f->req[0], "GET /api/handles/x/y?type=URL HTTP/1.1\r\n"));
	snprintf(want, sizeof(want), "\r\nHost: 127.0.0.1:%u\r\n", f->port);
	assert_non_null(strstr(f->req[0], want));
	assert_non_null(strstr(f->req[0], "\r\nAuthorization: " SECRET "\r\n"));
	assert_null(strstr(f->req[0], "Content-Type"));
	assert_non_null(strstr(f->req[1], "PUT /api/handles/x/y?overwrite=true HTTP/1.1\r\n"));
	assert_non_null(strstr(f->req[1], "\r\nContent-Type: application/json\r\n"));
	assert_non_null(strstr(f->req[1], "\r\nContent-Length: 13\r\n"));
	assert_non_null(strstr(f->req[1], "\r\nX-Batch: 7\r\n"));
	assert_null(strstr(f->req[1], "Expect"));
	assert_non_null(strstr(f->req[1], "\r\n\r\n{\"values\":[]}"));
	fake_end(f);
}

/* POST and DELETE: methods and bodies; a body without a Content-Type gets none. */
static void
test_httpc_methods(void **state)
{
	struct fake *f = fake_start("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	                            "HTTP/1.1 204 No Content\r\n\r\n");
	struct httpc_req q = {.method = HTTPC_POST, .path = "/a", .body = SLICE_LIT("x=1")};
	struct httpc_resp r;
	struct httpc *c;

	(void)state;
	fake_run(f);
	c = client(f, 3000, 0);
	assert_int_equal(httpc_request(c, &q, &r), IDR_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 0);
	q.method = HTTPC_DELETE;
	q.path = "/b";
	q.body = slice_make(NULL, 0);
	assert_int_equal(httpc_request(c, &q, &r), IDR_OK);
	assert_int_equal(r.status, 204);
	httpc_free(c);
	fake_wait(f);
	assert_non_null(strstr(f->req[0], "POST /a HTTP/1.1\r\n"));
	assert_null(strstr(f->req[0], "Content-Type"));
	assert_non_null(strstr(f->req[0], "\r\n\r\nx=1"));
	assert_non_null(strstr(f->req[1], "DELETE /b HTTP/1.1\r\n"));
	assert_null(strstr(f->req[1], "Content-Length: 3"));
	assert_string_equal(httpc_method_name(HTTPC_DELETE), "DELETE");
	assert_string_equal(httpc_method_name((enum httpc_method)9), "?");
	fake_end(f);
}

/* Body caps: a Content-Length over it, a chunked body growing over it, exactly at it. */
static void
test_httpc_body_cap(void **state)
{
	static const char *const answers[] = {
	        "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789x",
	        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	         "6\r\n012345\r\n5\r\n6789x\r\n0\r\n\r\n"),
	        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
	};
	struct httpc_resp r;
	struct httpc *c;
	struct fake *f;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		f = fake_start(answers[i], NULL);
		f->close_each = true;
		fake_run(f);
		c = client(f, 3000, 10);
		assert_int_equal(get(c, "/x", &r), i < 2 ? IDR_ELIMIT : IDR_OK);
		if (i < 2) {
			assert_non_null(strstr(httpc_errmsg(c), "over the cap of 10 bytes"));
			assert_non_null(strstr(httpc_errmsg(c), "GET http://127.0.0.1:"));
			assert_null(r.body.p);
		} else {
			assert_int_equal(r.body.len, 10);
		}
		httpc_free(c);
		fake_end(f);
	}
}

/* A server that never answers: the timeout, named; the Authorization value never shown. */
static void
test_httpc_timeout(void **state)
{
	struct fake *f = fake_start(NULL, NULL);
	struct httpc_resp r;
	struct httpc *c;

	(void)state;
	fake_run(f);
	c = client(f, 300, 0);
	assert_int_equal(get(c, "/slow", &r), HTTPC_ETIMEDOUT);
	assert_non_null(strstr(httpc_errmsg(c), "timeout of 300 ms"));
	assert_non_null(strstr(httpc_errmsg(c), "/slow"));
	assert_null(strstr(httpc_errmsg(c), "TOP-SECRET"));
	httpc_free(c);
	fake_end(f);
}

/* Malformed answers, a connection cut short, nobody listening. */
static void
test_httpc_bad_answers(void **state)
{
	static const struct {
		const char *answer;
		int rc;
		const char *msg;
	} cases[] = {
	        {"garbage\r\n\r\n", IDR_EPROTO, NULL},
	        {"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", IDR_EPROTO, NULL},
	        {"HTTP/1.1 200 OK\r\nLocation: /a\r\nLocation: /b\r\n\r\n", IDR_EPROTO,
	         "two different Location headers"},
	        {"HTTP/1.1 200 OK\r\nX: \x01\r\nContent-Length: 0\r\n\r\n", IDR_EPROTO,
	         "control character"},
	};
	struct httpc_resp r;
	struct httpc *c;
	struct fake *f;
	uint16_t port;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = fake_start(cases[i].answer, NULL);
		f->close_each = true;
		fake_run(f);
		c = client(f, 3000, 0);
		if (get(c, "/x", &r) != cases[i].rc) {
			fail_msg("case %zu: %s", i, httpc_errmsg(c));
		}
		if (cases[i].msg != NULL) {
			assert_non_null(strstr(httpc_errmsg(c), cases[i].msg));
		}
		assert_null(strstr(httpc_errmsg(c), "TOP-SECRET"));
		httpc_free(c);
		port = f->port;
		fake_end(f);
	}
	/* the last fake's port is closed now */
	f = fake_start(NULL, NULL);
	close(f->lfd);
	f->lfd = -1;
	f->port = port;
	c = client(f, 3000, 0);
	assert_int_equal(get(c, "/x", &r), -ECONNREFUSED);
	assert_non_null(strstr(httpc_errmsg(c), "GET http://127.0.0.1:"));
	httpc_free(c);
	free(f);
}

/* Requests refused before anything is sent; the messages never show a header's value. */
static void
test_httpc_bad_requests(void **state)
{
	static const char *const crlf[] = {"Authorization: " SECRET "\r\nX-Injected: 1"};
	static const char *const nocolon[] = {"Authorization " SECRET};
	struct httpc_req q = {.method = HTTPC_GET, .path = "/ok"};
	struct httpc_base b;
	struct httpc_resp r;
	struct httpc *c;
	const char *why;

	(void)state;
	assert_int_equal(httpc_base_parse("127.0.0.1:1", 1, &b, &why), IDR_OK);
	assert_int_equal(httpc_new(&c, &b, NULL), IDR_OK);
	q.path = "no-slash";
	assert_int_equal(httpc_request(c, &q, &r), IDR_EINVAL);
	q.path = "/a b";
	assert_int_equal(httpc_request(c, &q, &r), IDR_EINVAL);
	q.path = "/\xe4\xb8\xad";
	assert_int_equal(httpc_request(c, &q, &r), IDR_EINVAL);
	q.path = "/ok";
	q.body = SLICE_LIT("x");
	assert_int_equal(httpc_request(c, &q, &r), IDR_EINVAL);
	assert_non_null(strstr(httpc_errmsg(c), "GET request has no body"));
	q.body = slice_make(NULL, 0);
	q.headers = crlf;
	q.nheaders = 1;
	assert_int_equal(httpc_request(c, &q, &r), IDR_EINVAL);
	assert_null(strstr(httpc_errmsg(c), "SECRET"));
	assert_non_null(strstr(httpc_errmsg(c), "request header 1"));
	q.headers = nocolon;
	assert_int_equal(httpc_request(c, &q, &r), IDR_EINVAL);
	assert_null(strstr(httpc_errmsg(c), "SECRET"));
	q.headers = NULL;
	q.nheaders = 0;
	q.method = (enum httpc_method)7;
	assert_int_equal(httpc_request(c, &q, &r), IDR_EINVAL);
	httpc_free(c);
	httpc_free(NULL);
}

/* ======================================================================================== */
/* streamed bodies, stopping, Basic authentication                                          */
/* ======================================================================================== */

struct collect {
	char buf[64];
	size_t len;
	size_t calls;
	int fail_at; /* the call (1-based) that fails with IDR_EIO; 0: none */
};

static int
collect_sink(void *arg, const void *p, size_t n)
{
	struct collect *k = arg;

	k->calls++;
	if (k->fail_at != 0 && k->calls == (size_t)k->fail_at) {
		return IDR_EIO;
	}
	assert_true(n > 0 && n <= sizeof(k->buf) - k->len);
	memcpy(k->buf + k->len, p, n);
	k->len += n;
	return IDR_OK;
}

/* A sink takes the body (over opts.max_body: its own cap applies); its cap; its error. */
static void
test_httpc_sink(void **state)
{
	static const char *const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	                                   "6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n";
	static const struct {
		uint64_t sink_max;
		int fail_at;
		int rc;
		const char *msg;
	} cases[] = {
	        {0, 0, IDR_OK, NULL},
	        {10, 0, IDR_OK, NULL},
	        {9, 0, IDR_ELIMIT, "over the cap of 9 bytes"},
	        {0, 1, IDR_EIO, "the body sink failed"},
	};
	struct httpc_req q = {.method = HTTPC_GET, .path = "/snap", .sink = collect_sink};
	struct httpc_resp r;
	struct collect k;
	struct httpc *c;
	struct fake *f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&k, 0, sizeof(k));
		k.fail_at = cases[i].fail_at;
		q.sink_arg = &k;
		q.sink_max = cases[i].sink_max;
		f = fake_start(chunked, NULL);
		f->close_each = true;
		fake_run(f);
		c = client(f, 3000, 4); /* the in-memory cap does not apply to a sink */
		assert_int_equal(httpc_request(c, &q, &r), cases[i].rc);
		if (cases[i].rc == IDR_OK) {
			assert_int_equal(r.status, 200);
			assert_int_equal(r.body.len, 0);
			assert_int_equal(r.sunk, 10);
			assert_int_equal(k.len, 10);
			assert_memory_equal(k.buf, "0123456789", 10);
		} else {
			assert_non_null(strstr(httpc_errmsg(c), cases[i].msg));
			assert_non_null(strstr(httpc_errmsg(c), "GET http://127.0.0.1:"));
			assert_int_equal(r.sunk, 0);
			assert_true(k.len < 10);
		}
		httpc_free(c);
		fake_end(f);
	}
}

struct stopper {
	atomic_bool *flag;
	unsigned ms;
};

static void *
stopper_main(void *arg)
{
	struct stopper *s = arg;
	struct timespec ts = {0, (long)s->ms * 1000000L};

	nanosleep(&ts, NULL);
	atomic_store(s->flag, true);
	return NULL;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A flag set by another thread ends a request the server never answers, well before the
 * timeout; a flag already set stops a request before it is sent. */
static void
test_httpc_stop(void **state)
{
	struct fake *f = fake_start(NULL, NULL);
	atomic_bool flag;
	struct stopper s = {&flag, 200};
	struct httpc_req q = {.method = HTTPC_GET, .path = "/journal", .stop = &flag};
	struct httpc_resp r;
	struct httpc *c;
	pthread_t th;
	uint64_t t0;

	(void)state;
	atomic_init(&flag, false);
	fake_run(f);
	c = client(f, 10000, 0);
	assert_int_equal(pthread_create(&th, NULL, stopper_main, &s), 0);
	t0 = mono_ms();
	assert_int_equal(httpc_request(c, &q, &r), HTTPC_ESTOPPED);
	assert_true(mono_ms() - t0 >= 150 && mono_ms() - t0 < 3000);
	assert_non_null(strstr(httpc_errmsg(c), "GET http://127.0.0.1:"));
	assert_non_null(strstr(httpc_errmsg(c), "stopped"));
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(httpc_request(c, &q, &r), HTTPC_ESTOPPED);
	assert_non_null(strstr(httpc_errmsg(c), "stopped before it was sent"));
	httpc_free(c);
	fake_wait(f);
	assert_int_equal(f->nreq, 1); /* the second request never reached it */
	fake_end(f);
}

/* The Basic authorization line (RFC 7617's example) and its limits. */
static void
test_httpc_basic_auth(void **state)
{
	struct wbuf w;
	char small[24];

	(void)state;
	wbuf_init_heap(&w, 256);
	assert_int_equal(httpc_basic_auth(&w, "Aladdin", "open sesame"), IDR_OK);
	assert_string_equal((const char *)wbuf_data(&w),
	                    "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
	wbuf_reset(&w);
	assert_int_equal(httpc_basic_auth(&w, "300%3A0.NA%2F1", ""), IDR_OK);
	assert_string_equal((const char *)wbuf_data(&w),
	                    "Authorization: Basic MzAwJTNBMC5OQSUyRjE6");
	wbuf_deinit(&w);
	wbuf_init(&w, small, sizeof(small));
	assert_int_equal(httpc_basic_auth(&w, "Aladdin", "open sesame"), IDR_ETOOBIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_httpc_base_table),
	        cmocka_unit_test(test_httpc_base_limits),
	        cmocka_unit_test(test_httpc_head_table),
	        cmocka_unit_test(test_httpc_head_truncated),
	        cmocka_unit_test(test_httpc_head_limits),
	        cmocka_unit_test(test_httpc_keepalive),
	        cmocka_unit_test(test_httpc_methods),
	        cmocka_unit_test(test_httpc_body_cap),
	        cmocka_unit_test(test_httpc_timeout),
	        cmocka_unit_test(test_httpc_bad_answers),
	        cmocka_unit_test(test_httpc_bad_requests),
	        cmocka_unit_test(test_httpc_sink),
	        cmocka_unit_test(test_httpc_stop),
	        cmocka_unit_test(test_httpc_basic_auth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
