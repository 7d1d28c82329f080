/*
 * httpc.h - the HTTP(S) client of the idr tool and of idrd's federation thread, over libcurl's
 * easy interface (this module is the only user of <curl/curl.h>): `idr resolve --http`, the
 * remote mode (register, set, import, delete, template ... --node https://HOST:PORT) and the
 * reports a secondary node sends to its top level (fed/fup.h).
 *
 * A struct httpc talks to one server (a base URL, httpc_base_parse) and keeps its connection
 * open between requests (HTTP/1.1 keep-alive), so a batch of requests pays for one TCP and TLS
 * handshake. Each request has a method (GET, PUT, POST, DELETE), a path, extra header lines
 * (e.g. Authorization) and an optional body; the answer is the status code, the body (bounded
 * by a cap) and the headers WWW-Authenticate, Content-Type and Location. Redirects are not
 * followed (the caller sees Location), proxies are not used (http_proxy and friends in the
 * environment are ignored), only HTTP/1.1 over http:// and https:// is spoken, TLS 1.2 at
 * least. TLS verification is on unless opts.insecure: the server's certificate must chain to
 * opts.cacert (or the system's CAs) and name the host of the URL.
 *
 * Every request is bounded in time (opts.timeout_ms) and size (opts.max_body for the body,
 * HTTPC_HEAD_MAX for the header lines of a response, HTTPC_VALUE_MAX for a kept header). A
 * request may instead stream its answer's body to a sink (req.sink, capped by req.sink_max),
 * e.g. a large download written to a file, and may be aborted by another thread through a
 * flag (req.stop, looked at about once a second and whenever data arrives). On
 * an error, httpc_errmsg names the method and URL and says what went wrong (curl's message, or
 * which cap or timeout was hit). Header values given by the caller never appear in messages:
 * an Authorization header stays secret.
 *
 * Errors: IDR_OK (whatever the HTTP status), HTTPC_ETIMEDOUT, HTTPC_ESTOPPED (req.stop was
 * set), IDR_ETLS (handshake, certificate or CA file), IDR_ELIMIT (a response over a cap),
 * IDR_EPROTO (a malformed response), IDR_EINVAL (a bad request: path, header line, GET with a
 * body), -ECONNREFUSED (could not connect), -EHOSTUNREACH (host name not resolved), IDR_EIO (other
 * transfer failure), IDR_ENOMEM, or the error a sink returned. Basic authentication is an
 * Authorization header line (httpc_basic_auth). Not thread-safe: a struct httpc is used by one
 * thread at a time; separate handles may be used by separate threads.
 */
#ifndef IDR_RESOLVER_CLIENT_HTTPC_H
#define IDR_RESOLVER_CLIENT_HTTPC_H

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"

#define HTTPC_ETIMEDOUT    (-ETIMEDOUT)
#define HTTPC_ESTOPPED     (-ECANCELED)          /* the request was aborted through req.stop */
#define HTTPC_BODY_MAX     (64u << 20)           /* default cap on a response body, bytes */
#define HTTPC_HEAD_MAX     65536                 /* cap on the header lines of a response */
#define HTTPC_VALUE_MAX    8192                  /* cap on a kept header value (combined) */
#define HTTPC_TIMEOUT_MS   10000                 /* default bound on one request */
#define HTTPC_TIMEOUT_NONE UINT_MAX              /* opts: no bound (a download ended by stop) */
#define HTTPC_HOST_MAX     255                   /* host in a URL: name, IPv4 or [IPv6] */
#define HTTPC_URL_MAX      (HTTPC_HOST_MAX + 16) /* "https://" HOST ":" PORT, NUL */
#define HTTPC_ERR_MAX      512                   /* httpc_errmsg, NUL included */

/** A server: scheme, host and port, parsed by httpc_base_parse. */
struct httpc_base {
	bool tls;                      /* https */
	char host[HTTPC_HOST_MAX + 1]; /* as in the URL; an IPv6 address keeps its brackets */
	uint16_t port;
	char url[HTTPC_URL_MAX]; /* "http[s]://HOST:PORT" (port always written, no slash) */
};

/**
 * Parse a server given on the command line: "HOST[:PORT]" (plain HTTP, port bare_port when
 * absent) or "http://HOST[:PORT][/]" and "https://HOST[:PORT][/]" (scheme case-insensitive;
 * ports 80 and 443 when absent). HOST is a DNS name (letters, digits, '-', '.', at most 253
 * bytes), an IPv4 address or an IPv6 address in brackets. User info, paths other than "/",
 * queries and fragments are refused.
 * @param why  on IDR_EINVAL, a static text saying what is wrong.
 * @return IDR_OK or IDR_EINVAL.
 */
int httpc_base_parse(const char *text, uint16_t bare_port, struct httpc_base *out,
                     const char **why) IDR_MUSTCHECK;

/**
 * The header lines of one response as they arrive (sans-I/O, fed by httpc_request; exposed for
 * tests and the fuzzer). Kept values are heap strings without NUL or control characters other
 * than tab (bytes >= 0x80 are kept as they are), NULL when absent.
 */
struct httpc_head {
	size_t bytes;           /* header bytes of the current response */
	bool ended;             /* its empty line has been seen */
	char *content_type;     /* Content-Type (repeated only with the same value) */
	char *www_authenticate; /* WWW-Authenticate; several joined with ", " */
	char *location;         /* Location (repeated only with the same value) */
};

/** Make h empty (nothing to free). */
void httpc_head_init(struct httpc_head *h);

/** Free what h keeps and make it empty; accepts an empty head. */
void httpc_head_deinit(struct httpc_head *h);

/**
 * Take one line of a response head, its line end (CRLF or LF) included: a status line
 * ("HTTP/...") starts a new response (a 1xx interim answer's headers are dropped), an empty
 * line ends the head, lines after it (trailers) are counted but not kept. Header lines are
 * "name: value" with a token name; the value's surrounding spaces and tabs are dropped.
 * @param why  on an error, a static text naming the problem (and the header).
 * @return IDR_OK, IDR_EPROTO (no line end, folded line, no colon, bad name, control character
 *         in a value, two different Content-Type or Location values), IDR_ELIMIT (head over
 *         HTTPC_HEAD_MAX, a kept value over HTTPC_VALUE_MAX) or IDR_ENOMEM.
 */
int httpc_head_line(struct httpc_head *h, struct slice line, const char **why) IDR_MUSTCHECK;

/** Options of a client; zero values are the defaults. */
struct httpc_opts {
	const char *cacert;          /* PEM file of the CAs to verify the server with (NULL:
	                                the system's); copied by httpc_new */
	bool insecure;               /* do not verify the certificate or the host name */
	unsigned timeout_ms;         /* bound on one request, connecting included (0:
	                                HTTPC_TIMEOUT_MS; HTTPC_TIMEOUT_NONE: none) */
	unsigned connect_timeout_ms; /* bound on connecting, TCP and TLS (0: timeout_ms;
	                                HTTPC_TIMEOUT_NONE: libcurl's default of 300 s) */
	size_t max_body;             /* cap on a response body (0: HTTPC_BODY_MAX) */
};

/** A client of one server; keeps its connection between requests. */
struct httpc;

/**
 * Make a client of base (nothing is sent yet).
 * @param o  options (NULL: all defaults); copied.
 * @return IDR_OK (free with httpc_free) or IDR_ENOMEM (also when libcurl cannot start).
 */
int httpc_new(struct httpc **out, const struct httpc_base *base,
              const struct httpc_opts *o) IDR_MUSTCHECK;

/** Close the connection and free c (NULL accepted). */
void httpc_free(struct httpc *c);

/** The base URL of c: "http[s]://HOST:PORT". Lives as long as c. */
const char *httpc_url(const struct httpc *c);

enum httpc_method { HTTPC_GET = 0, HTTPC_PUT, HTTPC_POST, HTTPC_DELETE };

/** "GET", "PUT", "POST", "DELETE" ("?" for anything else). Static string. */
const char *httpc_method_name(enum httpc_method m);

/**
 * A body sink (httpc_req.sink): takes the next n bytes (n > 0) of the answer's body, in order.
 * @return IDR_OK, or an error that ends the request (httpc_request returns it).
 */
typedef int (*httpc_sink_fn)(void *arg, const void *p, size_t n);

/** A request. Everything is borrowed for the duration of httpc_request. */
struct httpc_req {
	enum httpc_method method;
	const char *path;           /* "/..." as sent (percent-encoded): bytes 0x21..0x7e */
	const char *const *headers; /* nheaders lines "Name: value" (no CR, LF or NUL); may hold
	                               secrets (Authorization), never shown in messages */
	size_t nheaders;
	const char *content_type; /* of the body; NULL: no Content-Type header */
	struct slice body;        /* request body; empty: none (GET must not have one) */
	httpc_sink_fn sink;       /* NULL: the answer's body is kept (resp.body, opts.max_body);
	                             else it goes to sink(sink_arg, ...) and resp.body is empty */
	void *sink_arg;
	uint64_t sink_max;       /* with a sink: cap on the body, bytes (0: none) */
	const atomic_bool *stop; /* NULL, or a flag another thread may set to abort the request
	                            (HTTPC_ESTOPPED; also when set before it starts) */
};

/** An answer. Strings and the body are owned by the client: valid until its next request or
 *  httpc_free. */
struct httpc_resp {
	int status;                   /* 100..599 */
	struct slice body;            /* at most opts.max_body bytes; empty with a sink */
	uint64_t sunk;                /* body bytes given to req.sink */
	const char *content_type;     /* NULL when absent */
	const char *www_authenticate; /* NULL when absent; several joined with ", " */
	const char *location;         /* NULL when absent */
	unsigned connects;            /* connections opened for this request (0: one reused) */
};

/**
 * Send req to c's server and wait for the whole answer, at most opts.timeout_ms. Any HTTP
 * status is IDR_OK: the caller reads out->status. After an error the connection is closed and
 * the next request opens a new one.
 * @param out  filled on IDR_OK; zeroed on error.
 * @return IDR_OK or an error of the list at the top (httpc_errmsg says more).
 */
int httpc_request(struct httpc *c, const struct httpc_req *req,
                  struct httpc_resp *out) IDR_MUSTCHECK;

/**
 * Write into an empty w the header line of HTTP Basic authentication (RFC 7617):
 * "Authorization: Basic " and the base64 of "user:password", NUL-terminated (wbuf_data(w) is
 * the line, for req.headers). Secret: pass it in
 * req.headers, never log it.
 * @return wbuf_error(w): IDR_OK, IDR_ETOOBIG (w is full) or IDR_ENOMEM.
 */
int httpc_basic_auth(struct wbuf *w, const char *user, const char *password) IDR_MUSTCHECK;

/**
 * What went wrong in c's last failed request: "METHOD URL: problem", e.g. "GET
 * https://127.0.0.1:8443/api/handles/x: SSL certificate problem: self-signed certificate" or
 * "...: response body over the cap of 100 bytes". Empty after a success. Lives until the next
 * request.
 */
const char *httpc_errmsg(const struct httpc *c);

#endif /* IDR_RESOLVER_CLIENT_HTTPC_H */
