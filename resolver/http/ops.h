/*
 * ops.h - operations endpoints: GET /healthz (200 "ok" while the store is readable, else 503)
 * and GET /metrics (Prometheus text format, core/metrics.h). Handlers of the route table.
 */
#ifndef IDR_RESOLVER_HTTP_OPS_H
#define IDR_RESOLVER_HTTP_OPS_H

#include "http/req.h"

void http_ops_healthz(struct http_req *q);
void http_ops_metrics(struct http_req *q);

#endif /* IDR_RESOLVER_HTTP_OPS_H */
