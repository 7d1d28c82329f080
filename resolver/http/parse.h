/*
 * parse.h - HTTP/1.1 request heads and chunked bodies, parsed sans-I/O (RFC 9110, RFC 9112):
 * no sockets, no clocks, no allocation. The connection layer hands in the bytes it has read,
 * gets back "a whole head", "need more" or "answer this status and close".
 *
 * Everything that would let two parsers disagree about where a request ends is rejected
 * (request smuggling), even where RFC 9112 allows leniency:
 *   - CRLF ends every line of the head, the chunk-size lines and the trailers; a bare LF or a
 *     bare CR is 400 (RFC 9112 §2.2 lets a server accept a bare LF; we do not);
 *   - obs-fold, whitespace between a field name and its colon, and any control character but
 *     HTAB in a field value are 400;
 *   - Content-Length is digits only; several values (fields or a comma list) must agree
 *     (RFC 9110 §8.6); with Transfer-Encoding, or Transfer-Encoding in HTTP/1.0, it is 400;
 *   - the only transfer coding is "chunked", once and last: "chunked" before another coding
 *     (e.g. "chunked, gzip") or twice is 400 (RFC 9112 §6.3); another coding with chunked last
 *     or alone ("gzip, chunked", "gzip", "identity") is 501; empty list elements in
 *     Transfer-Encoding and Content-Length are 400;
 *   - exactly one SP between the parts of the request line; no leading whitespace; the
 *     HTTP-name is case-sensitive "HTTP".
 * Methods are case-sensitive. CONNECT is answered 501 (we are not a proxy); the other methods
 * come out as HTTP_M_* bits (HTTP_M_OTHER for the rest) for the route table to answer.
 *
 * Limits are enforced while bytes arrive, not only on a whole head, so that IDR_EAGAIN never
 * asks the caller to keep more than max_head bytes.
 *
 * Pure functions; thread-safe. Output slices borrow the caller's buffer.
 */
#ifndef IDR_RESOLVER_HTTP_PARSE_H
#define IDR_RESOLVER_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "http/req.h"

/* bytes of a chunk-size line, chunk extensions included: more -> 400 */
#define HTTP_CHUNK_MAX_LINE 4096

/** Limits, from the configuration. */
struct http_parse_limits {
	size_t max_target;  /* bytes of the request-target: longer -> 414 */
	size_t max_head;    /* bytes of the whole head (leading empty lines, request line, headers,
	                       CRLF CRLF): more -> 431 */
	size_t max_headers; /* header fields: more -> 431 */
	uint64_t max_body;  /* payload bytes: a Content-Length above it -> 413; so does a chunked
	                       body growing past it */
};

struct http_field {
	struct slice name;
	struct slice value; /* without surrounding OWS */
};

enum http_framing { HTTP_BODY_NONE = 0, HTTP_BODY_LENGTH, HTTP_BODY_CHUNKED };

struct http_head {
	unsigned method;           /* one HTTP_M_* bit (http/req.h); HTTP_M_OTHER for the rest */
	struct slice method_name;  /* as sent */
	struct slice target;       /* as sent, not decoded (uri_parse decodes it) */
	unsigned minor;            /* HTTP/1.minor: 0 or 1 */
	struct http_field *fields; /* the caller's array, nfields used, in the order sent */
	size_t nfields;
	struct slice host;         /* the Host value; empty when sent empty or absent (absent:
	                              allowed for 1.0 only) */
	struct slice content_type; /* empty when absent */
	enum http_framing framing;
	uint64_t content_length; /* with HTTP_BODY_LENGTH */
	bool keep_alive;         /* 1.1 unless "Connection: close"; 1.0 only with "Connection:
	                            keep-alive" (tokens, case-insensitive, comma lists) */
	bool expect_continue;    /* "Expect: 100-continue" in a 1.1 request (ignored in 1.0) */
	int status;              /* on error: the status to answer (400, 413, 414, 417, 431, 501,
	                            505); 0 otherwise */
	const char *why;         /* on error: a short static reason; NULL otherwise */
};

/**
 * Parse a request head from buf[0..len). Sans-I/O, no allocation; never reads buf[len].
 *
 * Leading empty lines (CRLF) before the request line are skipped (RFC 9112 §2.2); they count
 * in *used and against max_head. Field syntax is checked as bytes arrive; the meaning of the
 * fields (Host, Content-Length, Transfer-Encoding, Connection, Expect, Content-Type) once the
 * head is whole. The first problem found reading left to right wins, so a prefix of a head
 * gives either IDR_EAGAIN or the answer the whole head gives.
 *
 * Status on error: 400 malformed or ambiguous (see the file comment; also a missing Host in
 * 1.1, two Hosts, a Host that is not uri-host[:port], two Content-Types, '*' with a method
 * other than OPTIONS, a target neither origin-form nor http(s) absolute-form); 413
 * Content-Length above max_body; 414 target longer than max_target (as soon as max_target + 1
 * bytes of it arrived); 417 an expectation other than 100-continue; 431 head over max_head
 * (as soon as max_head bytes arrived without its end) or more than max_headers or cap fields;
 * 501 CONNECT or a transfer coding other than chunked; 505 a well-formed HTTP-version other
 * than 1.0 and 1.1 ("HTTP/2.0", "HTTP/0.9"; a malformed one is 400).
 *
 * @param lim     the limits; the effective field limit is min(lim->max_headers, cap).
 * @param out     the head; its slices point into buf and live as long as those bytes.
 * @param fields  caller array for the fields, capacity cap.
 * @param used    on IDR_OK, the length of the head including the final CRLF CRLF; the body
 *                or the next request starts at buf[*used].
 * @return IDR_OK (a whole head), IDR_EAGAIN (incomplete: nothing is kept; call again with
 *         more bytes from the start), or an error with out->status and out->why set (the
 *         connection answers out->status and closes): IDR_ELIMIT for 413, 414 and 431,
 *         IDR_EPROTO for 400, 417, 501 and 505.
 */
int http_parse_head(const uint8_t *buf, size_t len, const struct http_parse_limits *lim,
                    struct http_head *out, struct http_field *fields, size_t cap,
                    size_t *used) IDR_MUSTCHECK;

/**
 * State of a chunked body decoder (RFC 9112 §7.1). Zero it to start a body
 * (struct http_chunk c = {0};); the fields are the decoder's.
 */
struct http_chunk {
	unsigned state;
	uint64_t size;   /* the chunk-size being read, then the data left in that chunk */
	uint64_t total;  /* payload bytes decoded so far */
	size_t line;     /* bytes of the current chunk-size line */
	size_t trailers; /* bytes of the trailer section so far */
	size_t ntrailers;
	int err;    /* after an error: the code, returned again by later calls */
	int status; /* after an error: the status */
};

/**
 * Decode chunked bytes, incrementally and in place.
 *
 * On entry buf[0..*out) is the payload decoded by earlier calls on this body (*out = 0 the
 * first time) and buf[*out..*len) the raw bytes that follow it, not decoded yet. The decoder
 * moves payload bytes down to the end of the payload, skips the framing, and moves what it did
 * not consume down behind the payload, so on return buf[0..*out) is all the payload so far and
 * buf[*out..*len) the raw bytes not consumed (*len shrinks by the framing bytes consumed):
 *   - IDR_EAGAIN: every raw byte was consumed (*len == *out); append the next raw bytes at
 *     buf[*len] and call again;
 *   - IDR_OK: the body ended (last chunk, trailer fields skipped, final CRLF); buf[*out..*len)
 *     are the bytes after it (a pipelined request). Later calls return IDR_OK again;
 *   - an error, with *status: 400 (IDR_EPROTO: bad chunk-size, chunk data not followed by
 *     CRLF, bare CR or LF, a malformed trailer field, a chunk-size line over
 *     HTTP_CHUNK_MAX_LINE), 413 (IDR_ELIMIT: the payload would exceed lim->max_body, said as
 *     soon as a chunk-size line announces it) or 431 (IDR_ELIMIT: the trailer section is over
 *     lim->max_head bytes or lim->max_headers fields). Later calls return it again.
 * A connection with one contiguous buffer thus needs room for max_body payload bytes plus
 * what one read brings; the payload never moves once decoded. Chunk extensions and trailer
 * fields are checked (visible characters, CRLF) and dropped.
 *
 * Example, the body starting at b[hlen] in a connection buffer b with n bytes read:
 *
 *	struct http_chunk c = {0};
 *	uint8_t *body = b + hlen;
 *	size_t blen = n - hlen, out = 0;
 *	int status;
 *
 *	while ((rc = http_chunk_decode(&c, &lim, body, &blen, &out, &status)) == IDR_EAGAIN) {
 *		blen += read(fd, body + blen, room);   (error handling left out)
 *	}
 *	if (rc != IDR_OK) -> answer status, close;
 *	payload: body[0..out); the next request: body[out..blen).
 *
 * @return IDR_OK, IDR_EAGAIN or IDR_EPROTO / IDR_ELIMIT as above.
 */
int http_chunk_decode(struct http_chunk *c, const struct http_parse_limits *lim, uint8_t *buf,
                      size_t *len, size_t *out, int *status) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_HTTP_PARSE_H */
