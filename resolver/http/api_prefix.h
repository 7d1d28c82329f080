/*
 * api_prefix.h - enterprise onboarding over HTTPS for a web front end (reg.h: onboarding;
 * ref/idis.md §2.3):
 *
 *   POST /api/v1/prefixes/apply               apply for a prefix: state 4 (待审核)
 *        {"prefix":"88.118.8","owner":"...","credit_code":"...","industry":"C13",
 *         "contact":"..."}
 *   GET  /api/v1/prefixes[?state=S]           the hosted prefixes with their applications
 *   GET  /api/v1/prefixes/{prefix}            one prefix
 *   POST /api/v1/prefixes/{prefix}/approve    state 1, and the administrator <prefix>/ADMIN
 *        [{"reason":"...","public_key":{"format":"hex"|"base64","value":"<HS_PUBKEY>"}}]
 *   POST /api/v1/prefixes/{prefix}/reject     state 3
 *        [{"reason":"..."}]
 *
 * Who may do what:
 * - An application may be anonymous: the national system's application form
 *   (/snms/api/v3/ent/apply) is what a new enterprise fills in before it has any account, so
 *   requiring an identity would leave nobody able to apply. With credentials (Basic, as for
 *   the REST writes: http/hauth.h) they must be valid and the identity is recorded as the
 *   applicant; without, the applicant is "anonymous". Applications are writes: HTTPS only
 *   (403 over HTTP) and under the per-address write rate (429; core/quota.h).
 * - Approvals, rejections and the list: node administrators only (conf server_admins), over
 *   HTTPS; the deciding identity is recorded in the prefix and the journal.
 * - GET of one prefix: its public part (prefix, owner, state, times) for anyone; the
 *   application (credit code, contact, applicant, decision) only for a node administrator
 *   over HTTPS.
 *
 * Answers are JSON: {"responseCode":1,"prefix":...,"state":N,"state_name":...} on success
 * (201 for a new application; an approval adds "admin":"300:<prefix>/ADMIN" and, when no
 * public key was given, "secret": the administrator's secret, shown this once: only its SHA-1
 * is stored); {"responseCode":N,"prefix":...,"message":...} with the HTTP status on refusal:
 * 400 bad input (responseCode 202), 401/403 authentication and authorization, 404 unknown
 * prefix (100), 409 already applied or not awaiting a decision (101), 503 busy (3).
 * Writes go through the writer (write/pop.h); the answer is sent once they are durable.
 */
#ifndef IDR_RESOLVER_HTTP_API_PREFIX_H
#define IDR_RESOLVER_HTTP_API_PREFIX_H

#include <stddef.h>

#include "base/slice.h"
#include "http/hauth.h"
#include "http/req.h"
#include "write/pop.h"

/**
 * Is q from a node administrator (conf server_admins) over HTTPS, authenticated as hauth.h
 * does (Basic or a session)? Otherwise the refusal is sent (401 without credentials or over
 * HTTP, 400/403 for bad credentials, 403 for another identity) with what (the answer's key,
 * e.g. "node") and name, and false returned. a is filled on success.
 */
bool http_node_admin_at(struct http_req *q, struct hauth *a, const char *what, struct slice name);

void http_prefix_apply(struct http_req *q);
void http_prefix_list(struct http_req *q);
void http_prefix_item(struct http_req *q);

/**
 * Parse the body of an application into op's prefix, owner, uscc, industry and contact:
 * a JSON object with exactly those string members ("credit_code" for uscc), each non-empty
 * and within its limit (pfx.h); the credit code and industry are checked (model/ent.h).
 * @param msg  on error, what is wrong (naming the member).
 * @return IDR_OK, IDR_EPROTO (not JSON, not an object, an unknown or missing member, not a
 *         string), IDR_ELIMIT (a member too long) or an ent_* check's error.
 */
int http_prefix_app_parse(struct slice body, struct pop *op, char *msg, size_t cap) IDR_MUSTCHECK;

/**
 * Parse the optional body of an approval or rejection (empty: none) into op->reason and, for
 * an approval (op->kind POP_APPROVE), the administrator's key (pop_admin_key: the public key
 * given, or a generated secret).
 * @return IDR_OK, IDR_EPROTO (malformed, unknown member, public_key on a rejection),
 *         IDR_ELIMIT or IDR_ECRYPTO.
 */
int http_prefix_decision_parse(struct slice body, struct pop *op, char *msg,
                               size_t cap) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_HTTP_API_PREFIX_H */
