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
 */
#ifndef IDR_RESOLVER_HTTP_API_NODES_H
#define IDR_RESOLVER_HTTP_API_NODES_H

#include "http/req.h"

/** GET /api/v1/nodes. */
void http_api_nodes(struct http_req *q);

#endif /* IDR_RESOLVER_HTTP_API_NODES_H */
