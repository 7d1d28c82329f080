/*
 * idis_int.h - what the handlers of the national-style API share inside resolver/http
 * (idis.c, idis_tmpl.c): the envelope answers and the authentication of a request. Not for
 * use outside this directory. Same thread rules as idis.h.
 */
#ifndef IDR_RESOLVER_HTTP_IDIS_INT_H
#define IDR_RESOLVER_HTTP_IDIS_INT_H

#include <stdbool.h>

#include "base/slice.h"
#include "http/hauth.h"
#include "http/req.h"
#include "reg.h"

/** Answer q now: HTTP status http, envelope {message, status, data} (data JSON; empty: null). */
void idis_reply(struct http_req *q, int http, int status, const char *msg, struct slice data);

/** Answer q with status and msg, data null, the HTTP status that goes with status. */
void idis_fail(struct http_req *q, int status, const char *msg);

/** The HTTP status of an envelope status (200 for 1 and -2; 401, 403, 500). */
int idis_http_status(int status);

/**
 * Who sent q (Bearer token, or the schemes of hauth.h), in the read transaction t. On
 * failure the answer (-1 or -4) is sent and false returned; t stays open either way.
 */
bool idis_authenticate(struct http_req *q, struct reg_rtxn *t, struct hauth *a);

/**
 * On a top level: if handle (or a bare prefix) belongs to a node taken over (fed/takeover.h),
 * answer 503 with Retry-After and a message naming the takeover, and return true. Opens its
 * own read transaction: call outside rsv_read_begin/end.
 */
bool idis_takeover_refused(struct http_req *q, struct slice handle);

#endif /* IDR_RESOLVER_HTTP_IDIS_INT_H */
