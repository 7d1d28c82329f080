/*
 * api_nodes.h - GET /api/v1/nodes on a top level (role toplevel): every onboarded secondary
 * node (fed/node.h) with its prefix record's sites, HS_SITE serial and last update:
 *
 *   {"responseCode":1,"nodes":[{"prefix":"88.118","owner":...,"key":"RSA_PUB_KEY",
 *     "sites":[{"server":1,"address":"127.0.0.1","interfaces":[...]}],"serial":3,
 *     "updated":"2026-12-07T01:02:03Z","created":...,
 *     "state":"up","heartbeat":"2026-12-07T01:05:00Z","report":{"interval":300,
 *     "last_period":...,"periods":...,"uptime":...,"store_bytes":...,"journal_head":...,
 *     "totals":{"reports","creates","updates","deletes","resolutions"}}}, ...]}
 *
 * The state, heartbeat and report fields come from the reports the nodes send
 * (fed/frdb.h, POST /api/v1/reports).
 *
 * The same facts stock clients resolve from the prefix records, so no authentication. A node
 * that is not a top level answers 404 (responseCode 100); a store failure 500.
 *
 * Changes (`idr node add|takeover|release --node URL`), each a job of the writer whose answer
 * is sent once it is durable (fed/nodeop.h: the same operation as the local commands):
 *
 *   POST /api/v1/nodes                     onboard a node (or update its key and site)
 *        {"prefix":"88.118","public_key":{"format":"base64"|"hex","value":"<HS_PUBKEY>"},
 *         "site":"IP:PORT,..."?,"owner":"..."?}                   201 new, 200 otherwise
 *   POST /api/v1/nodes/{prefix}/takeover   emergency takeover   [{"site":"IP:PORT,..."}]
 *   POST /api/v1/nodes/{prefix}/release    hand the prefix back
 *
 * Answers: {"responseCode":1,"node":P,"message":"took over node ..."}; refusals
 * {"responseCode":N,"node":P,"message":...}: 400 bad body (202), 404 unknown node (100), 409
 * no backup copy / already taken over / not taken over / no site of the top level (101), 403
 * over plain HTTP, 401/403 without credentials or for another identity, 503 busy.
 *
 * Who may: the top level's administrators are the identities of its server_admins
 * configuration (core/conf.h), authenticated as for every REST write (http/hauth.h: Basic
 * or a session with its key or secret), over HTTPS only: the operator's list of the
 * national top level, as for approving prefixes (http/api_prefix.h) and the Handle admin
 * operations it may do on any record. A node's own key (300:0.NA/<prefix>) may not: a node
 * that could take over or release itself, or onboard others, would defeat the point.
 */
#ifndef IDR_RESOLVER_HTTP_API_NODES_H
#define IDR_RESOLVER_HTTP_API_NODES_H

#include <stddef.h>

#include "base/err.h"
#include "base/slice.h"
#include "fed/nodeop.h"
#include "http/req.h"

#define NODES_BODY_MAX 16384 /* bytes of a change's body */

/** GET /api/v1/nodes. */
void http_api_nodes(struct http_req *q);

/**
 * Parse the body of a change into op (nodeop_init included): for NODEOP_ADD a JSON object
 * with "prefix" and "public_key" ({"format":"base64"|"hex","value":...}, an HS_PUBKEY that
 * crypto.h loads) and optional "site" (IP:PORT,...) and "owner"; for NODEOP_TAKEOVER empty or
 * {"site":...}; for NODEOP_RELEASE empty. prefix: the node of the URL (takeover, release).
 * Members are strings without NUL characters; unknown and duplicate members are refused.
 * @param msg  on error, what is wrong (naming the member).
 * @return IDR_OK, IDR_EPROTO (malformed), IDR_EINVAL (a bad prefix, site or key), IDR_ELIMIT
 *         (body over NODES_BODY_MAX, owner too long).
 */
int http_nodes_body_parse(struct slice body, enum nodeop_kind kind, struct slice prefix,
                          struct nodeop *op, char *msg, size_t cap) IDR_MUSTCHECK;

/** POST /api/v1/nodes. */
void http_api_nodes_add(struct http_req *q);

/** POST /api/v1/nodes/{prefix}/takeover and /release. */
void http_api_nodes_item(struct http_req *q);

#endif /* IDR_RESOLVER_HTTP_API_NODES_H */
