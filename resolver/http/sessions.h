/*
 * sessions.h - the REST API's sessions (ref/handle.md §7, Handle.Net SessionsServlet), HTTPS
 * only (403 over plain HTTP):
 *  - POST /api/sessions: a new session, 201 with Location /api/sessions/this and
 *    {"sessionId","nonce"}; with Basic credentials the session is authenticated at once
 *    ("authenticated":true,"id"), else "error" says why not.
 *  - GET /api/sessions/this (Authorization: Handle sessionId=...): the session; 403 if unknown.
 *  - PUT (or POST) /api/sessions/this: authenticate the session by challenge-response, with the
 *    fields of Authorization: Handle in the header or as a JSON body {sessionId, id, type,
 *    cnonce, alg, signature[, salt, iterations, length]}: 200, or 401 with "error".
 *  - DELETE /api/sessions/this: end it, 204; 403 if unknown.
 * The session id is 8 hex digits, the nonce 16 random bytes in base64; signatures cover
 * nonce ‖ cnonce (http/hauth.h).
 */
#ifndef IDR_RESOLVER_HTTP_SESSIONS_H
#define IDR_RESOLVER_HTTP_SESSIONS_H

#include "http/req.h"

void http_sessions_new(struct http_req *q);
void http_sessions_this(struct http_req *q);

#endif /* IDR_RESOLVER_HTTP_SESSIONS_H */
