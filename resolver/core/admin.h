/*
 * admin.h - the Handle admin protocol on the dispatcher, as stock Handle.Net 9 clients (their
 * library, admin and batch tools) and the IDIS SDKs speak it (ref/handle.md §2.7, §3.3-3.7;
 * the flow a stock client follows is recorded byte for byte in the test vectors):
 *
 *  - HS_SIGNED answers: every answer to a request with CT (certify) is signed with the node's
 *    server_key (the key HS_SITE publishes): SHA256withRSA at >= 2.7, SHA1withRSA below; DSA
 *    SHA-1 below 2.11; SM2 with SM3. Signing costs CPU only when asked for.
 *  - SESSION_SETUP (400) with Diffie-Hellman (mode 4, the client library's default): the
 *    server makes a key pair in the client's group, answers int4 3 (AES) ‖ its DH_PUB_KEY (a
 *    bare DH key and a DES session key to clients below 2.4), and keeps the session key, the
 *    identity the client named, and a replay window of session counters. SESSION_TERMINATE
 *    (401) ends it. Other modes are answered 504 (they need RSA key transport).
 *  - Admin requests in a session carry an HS_MAC credential (session counter against
 *    replay): no credential -> 404, a wrong MAC -> 502, a counter seen before -> 505, an unknown
 *    or expired session -> 500 (the client sets up a new one). Until the session's identity has
 *    answered a challenge, and for requests outside sessions, the answer is a 402 challenge
 *    (nonce + request digest) kept in a table shared by every worker and transport.
 *  - CHALLENGE_RESPONSE (200): the pending challenge is taken by the envelope's session id
 *    (none: 405), the answer verified against the identity's HS_PUBKEY (RSA, DSA, SM2/SM3 with
 *    the identity as SM2 id) or HS_SECKEY (SHA-1 and PBKDF2-HMAC-SHA1 forms); then the original
 *    request is carried out as that identity and answered with the answer's request id. A
 *    session whose named identity answered becomes authenticated: later requests in it need
 *    their MAC only.
 *  - IDIS login (2001): identity + index, then the same challenge; afterwards a TCP connection
 *    is authenticated for later admin requests on it (over HTTP the login is answered but
 *    trusts nothing: a proxy may share one connection between clients).
 *  - CREATE_HANDLE (OVRW replaces, MINT appends a UUID to the handle), DELETE_HANDLE,
 *    ADD_VALUE (OVRW: replace values that exist), MODIFY_VALUE, REMOVE_VALUE: authorized by
 *    HS_ADMIN / HS_VLIST (write/wop.h), applied by the writer thread, answered after the commit
 *    is durable. LIST_HANDLES (105): the handles under a prefix, 50 per message with CN, for
 *    identities with LIST_HANDLES on its prefix handle.
 *  - VERIFY_CHALLENGE (201): checks an HS_SECKEY answer for another server.
 *
 * Thread-safety: set up before the workers start; the handlers run on any worker.
 */
#ifndef IDR_RESOLVER_CORE_ADMIN_H
#define IDR_RESOLVER_CORE_ADMIN_H

#include "base/err.h"
#include "core/conf.h"
#include "core/rsv.h"

#define ADMIN_SESSIONS_MAX   65536 /* Handle sessions held at most */
#define ADMIN_CHALLENGES_MAX 65536 /* pending challenges held at most */

struct admin;
struct writer;

/**
 * Register the admin operations on r (rsv_set_op) and, when conf->server_key holds a private
 * key, the answer signer (rsv_set_signer). wr may be NULL (a node that takes no writes: admin
 * requests are answered 7, server read-only). Call before the workers start.
 * @return IDR_OK, IDR_ECONFIG (server_key unreadable or not a private key; logged) or
 *         IDR_ENOMEM.
 */
int admin_new(struct admin **out, struct rsv *r, struct writer *wr,
              const struct conf *conf) IDR_MUSTCHECK;

/** Free (accepts NULL); after the workers are gone. */
void admin_free(struct admin *a);

#endif /* IDR_RESOLVER_CORE_ADMIN_H */
