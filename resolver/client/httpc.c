/* httpc.c - HTTP(S) client over libcurl's easy interface (the only user of <curl/curl.h>). */
#include "client/httpc.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/b64.h"
#include "base/num.h"
#include "base/wbuf.h"

#define BASE_TEXT_MAX  300 /* longest server text httpc_base_parse looks at */
#define DNS_NAME_MAX   253
#define DNS_LABEL_MAX  63
#define PATH_SHOW_MAX  200 /* bytes of a path shown in an error message */
#define USER_AGENT     "idr"
#define STATUS_MIN     100
#define STATUS_MAX     599
#define HEADER_SEP     ", "
#define HEADER_SEP_LEN 2
#define STR_(x)        #x
#define STR(x)         STR_(x) /* a number macro as a string literal */

struct httpc {
	CURL *easy;
	struct httpc_base base;
	struct httpc_opts opts; /* defaults filled in; cacert points to our copy */
	char *cacert;
	struct wbuf body;
	struct httpc_head head;
	int cb_rc;          /* error found in a callback (the transfer was stopped for it) */
	const char *cb_why; /* its text */
	bool over_cap;      /* the body went over its cap */
	bool stopped;       /* req->stop was seen set */
	const struct httpc_req *req; /* the request under way (its sink and stop flag) */
	uint64_t cap;                /* the cap on its body (0: none) */
	uint64_t sunk;               /* body bytes given to its sink */
	char curlerr[CURL_ERROR_SIZE];
	char err[HTTPC_ERR_MAX];
};

/* ---- base URL ---- */

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A DNS name or an IPv4 address: labels of letters, digits and '-' (not at either end). */
static bool
dns_name_ok(const char *s, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > DNS_NAME_MAX) {
		return false;
	}
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-') {
				return false;
			}
			label = 0;
			continue;
		}
		if (!is_alnum(s[i]) && !(s[i] == '-' && label > 0)) {
			return false;
		}
		if (++label > DNS_LABEL_MAX) {
			return false;
		}
	}
	return s[len - 1] != '-' && s[len - 1] != '.';
}

/* "[v6]" at the start of s: its length with the brackets, 0 if not a valid IPv6 literal. */
static size_t
ipv6_literal(const char *s)
{
	const char *end = strchr(s, ']');
	char buf[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	size_t n;

	if (end == NULL) {
		return 0;
	}
	n = (size_t)(end - s) - 1;
	if (n == 0 || n >= sizeof(buf)) {
		return 0;
	}
	memcpy(buf, s + 1, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, bin) == 1 ? n + 2 : 0;
}

/* The scheme prefix of text: sets tls and *port, returns the length taken (0: none). */
static size_t
scheme_take(const char *text, bool *tls, unsigned *port, const char **why)
{
	if (strncasecmp(text, "https://", 8) == 0) {
		*tls = true;
		*port = 443;
		return 8;
	}
	if (strncasecmp(text, "http://", 7) == 0) {
		*port = 80;
		return 7;
	}
	if (strstr(text, "://") != NULL) {
		*why = "unknown scheme (use http:// or https://)";
	}
	return 0;
}

/* ":PORT" then an optional "/" at s, to the end. */
static int
port_take(const char *s, unsigned *port, const char **why)
{
	size_t n;
	uint64_t v;

	if (*s == ':') {
		s++;
		n = strspn(s, "0123456789");
		if (n == 0 || num_parse_u64_n(s, n, 1, 65535, &v) != IDR_OK) {
			*why = "the port must be a number 1-65535";
			return IDR_EINVAL;
		}
		*port = (unsigned)v;
		s += n;
	}
	if (*s == '/') {
		s++;
	}
	if (*s != '\0') {
		*why = "only scheme, host and port are allowed (no path, query or fragment)";
		return IDR_EINVAL;
	}
	return IDR_OK;
}

int
httpc_base_parse(const char *text, uint16_t bare_port, struct httpc_base *out, const char **why)
{
	unsigned port = bare_port;
	size_t hlen;
	int n;

	*why = "bad server address";
	memset(out, 0, sizeof(*out));
	if (strnlen(text, BASE_TEXT_MAX + 1) > BASE_TEXT_MAX) {
		*why = "server address too long";
		return IDR_EINVAL;
	}
	text += scheme_take(text, &out->tls, &port, why);
	if (strstr(text, "://") != NULL) {
		return IDR_EINVAL;
	}
	if (strchr(text, '@') != NULL) {
		*why = "user information (USER@) is not allowed in the server address";
		return IDR_EINVAL;
	}
	if (text[0] == '[') {
		hlen = ipv6_literal(text);
		if (hlen == 0) {
			*why = "not an IPv6 address in brackets";
			return IDR_EINVAL;
		}
	} else {
		hlen = strcspn(text, ":/?#");
		if (!dns_name_ok(text, hlen)) {
			*why = "the host must be a DNS name, an IPv4 address or [an IPv6 address]";
			return IDR_EINVAL;
		}
	}
	if (port_take(text + hlen, &port, why) != IDR_OK) {
		return IDR_EINVAL;
	}
	memcpy(out->host, text, hlen);
	out->host[hlen] = '\0';
	out->port = (uint16_t)port;
	n = snprintf(out->url, sizeof(out->url), "%s://%s:%u", out->tls ? "https" : "http",
	             out->host, port);
	if (n < 0 || (size_t)n >= sizeof(out->url)) {
		*why = "server address too long";
		return IDR_EINVAL;
	}
	return IDR_OK;
}

/* ---- response head ---- */

void
httpc_head_init(struct httpc_head *h)
{
	memset(h, 0, sizeof(*h));
}

void
httpc_head_deinit(struct httpc_head *h)
{
	free(h->content_type);
	free(h->www_authenticate);
	free(h->location);
	httpc_head_init(h);
}

/* tchar of RFC 9110 §5.6.2 */
static bool
is_tchar(uint8_t c)
{
	return is_alnum((char)c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* A field value: tab, visible ASCII, space, or bytes >= 0x80 (no other control character). */
static bool
value_ok(struct slice v)
{
	size_t i;

	for (i = 0; i < v.len; i++) {
		if ((v.p[i] < 0x20 && v.p[i] != '\t') || v.p[i] == 0x7f) {
			return false;
		}
	}
	return true;
}

/* Keep a single-valued header: set it, or check a repeat has the same value. */
static int
keep_single(char **slot, struct slice v, const char **why, const char *dup_why)
{
	if (*slot != NULL) {
		if (strlen(*slot) != v.len || memcmp(*slot, v.p, v.len) != 0) {
			*why = dup_why;
			return IDR_EPROTO;
		}
		return IDR_OK;
	}
	*slot = slice_strdup(v);
	return *slot != NULL ? IDR_OK : IDR_ENOMEM;
}

/* Append a list-valued header (WWW-Authenticate) with ", " between occurrences. */
static int
keep_list(char **slot, struct slice v, const char **why)
{
	size_t old = *slot != NULL ? strlen(*slot) : 0;
	size_t add = (old > 0 ? HEADER_SEP_LEN : 0) + v.len;
	char *p;

	if (add > HTTPC_VALUE_MAX - old) {
		*why = "WWW-Authenticate header over the cap of " STR(HTTPC_VALUE_MAX) " bytes";
		return IDR_ELIMIT;
	}
	p = realloc(*slot, old + add + 1);
	if (p == NULL) {
		return IDR_ENOMEM;
	}
	if (old > 0) {
		memcpy(p + old, HEADER_SEP, HEADER_SEP_LEN);
	}
	memcpy(p + old + add - v.len, v.p, v.len);
	p[old + add] = '\0';
	*slot = p;
	return IDR_OK;
}

/* A header line without its line end: "name: value". */
static int
header_take(struct httpc_head *h, struct slice line, const char **why)
{
	struct slice name, v;
	size_t i = 0;

	while (i < line.len && is_tchar(line.p[i])) {
		i++;
	}
	if (i == 0 || i == line.len || line.p[i] != ':') {
		*why = i == 0          ? "header line without a name"
		       : i == line.len ? "header line without a colon"
		                       : "bad character in a header name";
		return IDR_EPROTO;
	}
	name = slice_make(line.p, i);
	v = slice_make(line.p + i + 1, line.len - i - 1);
	while (v.len > 0 && is_ows(v.p[0])) {
		v = slice_make(v.p + 1, v.len - 1);
	}
	while (v.len > 0 && is_ows(v.p[v.len - 1])) {
		v.len--;
	}
	if (!value_ok(v)) {
		*why = "control character in a header value";
		return IDR_EPROTO;
	}
	if (slice_caseeq_cstr(name, "WWW-Authenticate")) {
		return keep_list(&h->www_authenticate, v, why);
	}
	if (v.len > HTTPC_VALUE_MAX &&
	    (slice_caseeq_cstr(name, "Content-Type") || slice_caseeq_cstr(name, "Location"))) {
		*why = "Content-Type or Location header over the cap of " STR(
		        HTTPC_VALUE_MAX) " bytes";
		return IDR_ELIMIT;
	}
	if (slice_caseeq_cstr(name, "Content-Type")) {
		return keep_single(&h->content_type, v, why, "two different Content-Type headers");
	}
	if (slice_caseeq_cstr(name, "Location")) {
		return keep_single(&h->location, v, why, "two different Location headers");
	}
	return IDR_OK;
}

int
httpc_head_line(struct httpc_head *h, struct slice line, const char **why)
{
	*why = "malformed response head";
	if (line.len >= 5 && memcmp(line.p, "HTTP/", 5) == 0) {
		httpc_head_deinit(h); /* a new response: drop what an interim (1xx) one said */
	}
	if (line.len > HTTPC_HEAD_MAX - h->bytes) {
		*why = "response head over the cap of " STR(HTTPC_HEAD_MAX) " bytes";
		return IDR_ELIMIT;
	}
	h->bytes += line.len;
	if (line.len == 0 || line.p[line.len - 1] != '\n') {
		*why = "header line without a line end";
		return IDR_EPROTO;
	}
	line.len--;
	if (line.len > 0 && line.p[line.len - 1] == '\r') {
		line.len--;
	}
	if (memchr(line.p, '\r', line.len) != NULL || memchr(line.p, '\n', line.len) != NULL) {
		*why = "bare CR or LF in a header line";
		return IDR_EPROTO;
	}
	if (line.len >= 5 && memcmp(line.p, "HTTP/", 5) == 0) {
		return IDR_OK; /* the status code itself comes from libcurl */
	}
	if (line.len == 0) {
		h->ended = true;
		return IDR_OK;
	}
	if (h->ended) {
		return IDR_OK; /* a trailer: bounded, not kept */
	}
	if (is_ows(line.p[0])) {
		*why = "folded header line";
		return IDR_EPROTO;
	}
	return header_take(h, line, why);
}

/* ---- client ---- */

int
httpc_new(struct httpc **out, const struct httpc_base *base, const struct httpc_opts *o)
{
	struct httpc *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return IDR_ENOMEM;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(c);
		return IDR_ENOMEM;
	}
	c->base = *base;
	if (o != NULL) {
		c->opts = *o;
	}
	c->opts.timeout_ms = c->opts.timeout_ms != 0 ? c->opts.timeout_ms : HTTPC_TIMEOUT_MS;
	if (c->opts.connect_timeout_ms == 0) {
		c->opts.connect_timeout_ms = c->opts.timeout_ms;
	}
	c->opts.max_body = c->opts.max_body != 0 ? c->opts.max_body : HTTPC_BODY_MAX;
	if (c->opts.cacert != NULL) {
		c->cacert = strdup(c->opts.cacert);
		c->opts.cacert = c->cacert;
	}
	c->easy = curl_easy_init();
	if (c->easy == NULL || (o != NULL && o->cacert != NULL && c->cacert == NULL)) {
		httpc_free(c);
		return IDR_ENOMEM;
	}
	wbuf_init_heap(&c->body, c->opts.max_body);
	httpc_head_init(&c->head);
	*out = c;
	return IDR_OK;
}

void
httpc_free(struct httpc *c)
{
	if (c == NULL) {
		return;
	}
	if (c->easy != NULL) {
		curl_easy_cleanup(c->easy);
	}
	wbuf_deinit(&c->body);
	httpc_head_deinit(&c->head);
	free(c->cacert);
	free(c);
	curl_global_cleanup();
}

const char *
httpc_url(const struct httpc *c)
{
	return c->base.url;
}

const char *
httpc_errmsg(const struct httpc *c)
{
	return c->err;
}

const char *
httpc_method_name(enum httpc_method m)
{
	switch (m) {
	case HTTPC_GET:
		return "GET";
	case HTTPC_PUT:
		return "PUT";
	case HTTPC_POST:
		return "POST";
	case HTTPC_DELETE:
		return "DELETE";
	default:
		return "?";
	}
}

static void fail_msg(struct httpc *c, const struct httpc_req *req, const char *fmt, ...)
        IDR_PRINTF(3, 4);

/* "METHOD URL: " into c->err, the path cut to PATH_SHOW_MAX bytes. @return its length. */
static size_t
msg_prefix(struct httpc *c, const struct httpc_req *req)
{
	size_t plen = req->path != NULL ? strnlen(req->path, PATH_SHOW_MAX + 1) : 0;
	int n;

	n = snprintf(c->err, sizeof(c->err), "%s %s%.*s%s: ", httpc_method_name(req->method),
	             c->base.url, (int)(plen > PATH_SHOW_MAX ? PATH_SHOW_MAX : plen),
	             req->path != NULL ? req->path : "", plen > PATH_SHOW_MAX ? "..." : "");
	return n < 0 ? 0 : (size_t)n;
}

/* The message of a failed request: the prefix, then the problem (cut to fit c->err). */
static void
fail_msg(struct httpc *c, const struct httpc_req *req, const char *fmt, ...)
{
	size_t n = msg_prefix(c, req);
	va_list ap;

	va_start(ap, fmt);
	if (n < sizeof(c->err)) {
		(void)vsnprintf(c->err + n, sizeof(c->err) - n, fmt, ap);
	}
	va_end(ap);
}

/* The path is sent as is: '/' first, then visible ASCII only (no space, no control). */
static bool
path_ok(const char *p)
{
	if (p == NULL || p[0] != '/') {
		return false;
	}
	for (; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			return false;
		}
	}
	return true;
}

/* "Name: value": a token name, then a value without CR, LF or NUL (the string ends it). */
static bool
header_ok(const char *h)
{
	size_t i = 0;

	if (h == NULL) {
		return false;
	}
	while (is_tchar((uint8_t)h[i])) {
		i++;
	}
	return i > 0 && h[i] == ':' && strpbrk(h + i, "\r\n") == NULL;
}

static int
req_check(struct httpc *c, const struct httpc_req *req)
{
	size_t i;

	if (req->method < HTTPC_GET || req->method > HTTPC_DELETE) {
		fail_msg(c, req, "unknown method");
		return IDR_EINVAL;
	}
	if (!path_ok(req->path)) {
		fail_msg(c, req, "the path must start with '/' and hold visible ASCII only");
		return IDR_EINVAL;
	}
	if (req->method == HTTPC_GET && req->body.len > 0) {
		fail_msg(c, req, "a GET request has no body");
		return IDR_EINVAL;
	}
	for (i = 0; i < req->nheaders; i++) {
		if (!header_ok(req->headers[i])) {
			/* the value may be a secret: name the position, never the text */
			fail_msg(c, req, "request header %zu is not a \"Name: value\" line", i + 1);
			return IDR_EINVAL;
		}
	}
	if (req->content_type != NULL &&
	    (strpbrk(req->content_type, "\r\n") != NULL || req->content_type[0] == '\0')) {
		fail_msg(c, req, "bad Content-Type");
		return IDR_EINVAL;
	}
	return IDR_OK;
}

/* The body to the caller's sink. @return len, or 0 to stop the transfer. */
static size_t
sink_take(struct httpc *c, const char *p, size_t len)
{
	int rc;

	if (c->cap != 0 && len > c->cap - c->sunk) {
		c->over_cap = true;
		return 0;
	}
	rc = c->req->sink(c->req->sink_arg, p, len);
	if (rc != IDR_OK) {
		c->cb_rc = rc;
		c->cb_why = "the body sink failed";
		return 0;
	}
	c->sunk += len;
	return len;
}

static size_t
body_cb(char *p, size_t size, size_t n, void *arg)
{
	struct httpc *c = arg;
	size_t len = size * n;

	if (len == 0) {
		return 0;
	}
	if (c->req->sink != NULL) {
		return sink_take(c, p, len);
	}
	if (len > c->opts.max_body - wbuf_len(&c->body)) {
		c->over_cap = true;
		return 0; /* stops the transfer (CURLE_WRITE_ERROR) */
	}
	wbuf_bytes(&c->body, p, len);
	if (wbuf_error(&c->body) != IDR_OK) {
		c->cb_rc = IDR_ENOMEM;
		c->cb_why = "out of memory";
		return 0;
	}
	return len;
}

/* Called by libcurl about once a second and as data moves: non-zero aborts the transfer. */
static int
progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct httpc *c = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	if (atomic_load(c->req->stop)) {
		c->stopped = true;
		return 1; /* CURLE_ABORTED_BY_CALLBACK */
	}
	return 0;
}

static size_t
head_cb(char *p, size_t size, size_t n, void *arg)
{
	struct httpc *c = arg;
	const char *why = NULL;
	int rc = httpc_head_line(&c->head, slice_make(p, size * n), &why);

	if (rc != IDR_OK) {
		c->cb_rc = rc;
		c->cb_why = why;
		return 0;
	}
	return size * n;
}

/* The header list: no "Expect: 100-continue" (a body is sent at once; waiting for 100 would
 * cost a round trip or a second), the Content-Type ("Content-Type:" removes curl's default
 * for a body), then the caller's lines. */
static int
headers_build(const struct httpc_req *req, struct curl_slist **out)
{
	char ct[HTTPC_VALUE_MAX + 32] = "Content-Type:";
	struct curl_slist *l = NULL, *n;
	size_t i;
	int len;

	if (req->content_type != NULL) {
		len = snprintf(ct, sizeof(ct), "Content-Type: %s", req->content_type);
		if (len < 0 || (size_t)len >= sizeof(ct)) {
			return IDR_EINVAL;
		}
	}
	for (i = 0; i < 2 + req->nheaders; i++) {
		n = curl_slist_append(l, i == 0 ? "Expect:" : i == 1 ? ct : req->headers[i - 2]);
		if (n == NULL) {
			curl_slist_free_all(l);
			return IDR_ENOMEM;
		}
		l = n;
	}
	*out = l;
	return IDR_OK;
}

#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (e == CURLE_OK) {                                                               \
			e = curl_easy_setopt(c->easy, (opt), (val));                               \
		}                                                                                  \
	} while (0)

/* A bound in ms to libcurl's (0: none). */
static long
ms_long(unsigned ms)
{
	return ms == HTTPC_TIMEOUT_NONE ? 0L : (long)ms;
}

/* Options of every request (curl_easy_reset clears them; connections stay). */
static CURLcode
opts_apply(struct httpc *c, const char *url, struct curl_slist *hdrs)
{
	CURLcode e = CURLE_OK;

	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_USERAGENT, USER_AGENT);
	SET(CURLOPT_ERRORBUFFER, c->curlerr);
	SET(CURLOPT_TIMEOUT_MS, ms_long(c->opts.timeout_ms));
	SET(CURLOPT_CONNECTTIMEOUT_MS, ms_long(c->opts.connect_timeout_ms));
	if (c->cap != 0 && c->cap <= (uint64_t)INT64_MAX) {
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->cap);
	}
	if (c->req->stop != NULL) {
		SET(CURLOPT_NOPROGRESS, 0L);
		SET(CURLOPT_XFERINFOFUNCTION, progress_cb);
		SET(CURLOPT_XFERINFODATA, c);
	}
	SET(CURLOPT_WRITEFUNCTION, body_cb);
	SET(CURLOPT_WRITEDATA, c);
	SET(CURLOPT_HEADERFUNCTION, head_cb);
	SET(CURLOPT_HEADERDATA, c);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_SSL_VERIFYPEER, c->opts.insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, c->opts.insecure ? 0L : 2L);
	if (c->opts.cacert != NULL) {
		SET(CURLOPT_CAINFO, c->opts.cacert);
	}
	return e;
}

static CURLcode
method_apply(struct httpc *c, const struct httpc_req *req)
{
	CURLcode e = CURLE_OK;

	if (req->method == HTTPC_GET || (req->method == HTTPC_DELETE && req->body.len == 0)) {
		SET(CURLOPT_HTTPGET, 1L);
	} else {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDS, req->body.len > 0 ? (const char *)req->body.p : "");
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
	}
	if (req->method == HTTPC_PUT || req->method == HTTPC_DELETE) {
		SET(CURLOPT_CUSTOMREQUEST, httpc_method_name(req->method));
	}
	return e;
}

#undef SET

/* libcurl's code to ours (the one place foreign codes are converted). */
static int
curl_to_idr(CURLcode e)
{
	switch (e) {
	case CURLE_OK:
		return IDR_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTPC_ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_OUT_OF_MEMORY:
		return IDR_ENOMEM;
	case CURLE_FILESIZE_EXCEEDED:
		return IDR_ELIMIT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return IDR_ETLS;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return IDR_EPROTO;
	case CURLE_URL_MALFORMAT:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		return IDR_EINVAL;
	default:
		return IDR_EIO;
	}
}

/* After curl_easy_perform failed: our code and message. */
static int
perform_failed(struct httpc *c, const struct httpc_req *req, CURLcode e)
{
	const char *text = c->curlerr[0] != '\0' ? c->curlerr : curl_easy_strerror(e);

	if (c->stopped || e == CURLE_ABORTED_BY_CALLBACK) {
		fail_msg(c, req, "stopped before the answer was complete");
		return HTTPC_ESTOPPED;
	}
	if (c->over_cap || e == CURLE_FILESIZE_EXCEEDED) {
		fail_msg(c, req, "response body over the cap of %" PRIu64 " bytes", c->cap);
		return IDR_ELIMIT;
	}
	if (c->cb_rc != IDR_OK) {
		fail_msg(c, req, "%s", c->cb_why);
		return c->cb_rc;
	}
	if (e == CURLE_OPERATION_TIMEDOUT) {
		fail_msg(c, req, "no complete answer within the timeout of %u ms (%s)",
		         c->opts.timeout_ms, text);
		return HTTPC_ETIMEDOUT;
	}
	fail_msg(c, req, "%s", text);
	return curl_to_idr(e);
}

/* The answer of a finished transfer. */
static int
resp_fill(struct httpc *c, const struct httpc_req *req, struct httpc_resp *out)
{
	long status = 0, connects = 0;

	if (curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
	    status < STATUS_MIN || status > STATUS_MAX) {
		fail_msg(c, req, "no valid status code in the answer");
		return IDR_EPROTO;
	}
	if (curl_easy_getinfo(c->easy, CURLINFO_NUM_CONNECTS, &connects) != CURLE_OK) {
		connects = 0;
	}
	out->status = (int)status;
	out->body = wbuf_slice(&c->body);
	out->sunk = c->sunk;
	out->content_type = c->head.content_type;
	out->www_authenticate = c->head.www_authenticate;
	out->location = c->head.location;
	out->connects = connects > 0 ? (unsigned)connects : 0;
	return IDR_OK;
}

/* Forget the previous request's answer and error. */
static void
state_reset(struct httpc *c)
{
	wbuf_reset(&c->body);
	httpc_head_deinit(&c->head);
	c->cb_rc = IDR_OK;
	c->cb_why = NULL;
	c->over_cap = false;
	c->stopped = false;
	c->req = NULL;
	c->cap = 0;
	c->sunk = 0;
	c->curlerr[0] = '\0';
	c->err[0] = '\0';
}

int
httpc_request(struct httpc *c, const struct httpc_req *req, struct httpc_resp *out)
{
	struct curl_slist *hdrs = NULL;
	struct wbuf url;
	CURLcode e;
	int rc;

	memset(out, 0, sizeof(*out));
	state_reset(c);
	rc = req_check(c, req);
	if (rc != IDR_OK) {
		return rc;
	}
	if (req->stop != NULL && atomic_load(req->stop)) {
		fail_msg(c, req, "stopped before it was sent");
		return HTTPC_ESTOPPED;
	}
	c->req = req;
	c->cap = req->sink != NULL ? req->sink_max : c->opts.max_body;
	wbuf_init_heap(&url, HTTPC_URL_MAX + strlen(req->path) + 1);
	wbuf_cstr(&url, c->base.url);
	wbuf_cstr(&url, req->path);
	wbuf_terminate(&url);
	rc = wbuf_error(&url) == IDR_OK ? headers_build(req, &hdrs) : IDR_ENOMEM;
	if (rc != IDR_OK) {
		fail_msg(c, req, "%s", idr_strerror(rc));
		goto url_free;
	}
	curl_easy_reset(c->easy);
	e = opts_apply(c, (const char *)wbuf_data(&url), hdrs);
	if (e == CURLE_OK) {
		e = method_apply(c, req);
	}
	if (e != CURLE_OK) {
		fail_msg(c, req, "libcurl refused an option: %s", curl_easy_strerror(e));
		rc = e == CURLE_OUT_OF_MEMORY ? IDR_ENOMEM : IDR_EINVAL;
		goto hdrs_free;
	}
	e = curl_easy_perform(c->easy);
	rc = e == CURLE_OK ? resp_fill(c, req, out) : perform_failed(c, req, e);
hdrs_free:
	/* the list is referenced by the handle until the next reset: drop the reference first */
	(void)curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	(void)curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, (const char *)NULL);
	curl_slist_free_all(hdrs);
url_free:
	wbuf_deinit(&url);
	c->req = NULL;
	if (rc != IDR_OK) {
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

int
httpc_basic_auth(struct wbuf *w, const char *user, const char *password)
{
	size_t ulen = strlen(user), plen = strlen(password);
	struct wbuf pair;

	wbuf_init_heap(&pair, ulen + plen + 1);
	wbuf_bytes(&pair, user, ulen);
	wbuf_lit(&pair, ":");
	wbuf_bytes(&pair, password, plen);
	wbuf_lit(w, "Authorization: Basic ");
	if (wbuf_error(&pair) != IDR_OK) {
		wbuf_deinit(&pair);
		return IDR_ENOMEM;
	}
	b64_encode(w, wbuf_slice(&pair));
	wbuf_terminate(w);
	if (pair.p != NULL) {
		memset(pair.p, 0, pair.len); /* the secret */
	}
	wbuf_deinit(&pair);
	return wbuf_error(w);
}
