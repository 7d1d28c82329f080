/*
 * native.h - Handle-over-HTTP (ref/handle.md §5, "the HTTP interface"): a POST whose
 * Content-Type is application/x-hdl-message carries one Handle message (envelope + message)
 * for the dispatcher, on any path (stock clients post to /<handle>); the answer goes back as
 * application/x-hdl-message, byte for byte what UDP or TCP would carry. A message the
 * dispatcher defers is answered when it completes, in its place among the connection's
 * answers. A request the dispatcher does not answer (a response, a rate-limited error) gets
 * 400 with no message, so a client fails at once instead of waiting. A handler of the route
 * table.
 *
 * Admin messages (CREATE/ADD/MODIFY/REMOVE/DELETE/LIST, the IDIS login) are taken over plain
 * HTTP as over HTTPS, as Handle.Net's HTTP interface does and as our TCP 2641 listener does.
 * The REST and national APIs refuse writes over plain HTTP because their credentials (Basic
 * passwords, session tokens) are bearer secrets an eavesdropper could reuse; a Handle message
 * carries none: a challenge answer signs a one-time nonce and the digest of the request it
 * answers (tests/integration/hdl_admin_http.sh replays one: 405), an HS_MAC is keyed by a DH
 * session key never sent and counted (a replay: 505), and a tampered request is challenged
 * with a digest the client refuses to sign. Refusing plain HTTP here would add nothing while
 * plain TCP takes the same messages. What plain HTTP does not give is confidentiality of the
 * values written (nor does TCP); use https_listen for that.
 */
#ifndef IDR_RESOLVER_HTTP_NATIVE_H
#define IDR_RESOLVER_HTTP_NATIVE_H

#include "http/req.h"

void http_native(struct http_req *q);

#endif /* IDR_RESOLVER_HTTP_NATIVE_H */
