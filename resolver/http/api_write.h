/*
 * api_write.h - writes through the Handle.Net REST API (ref/handle.md §7): PUT and DELETE of
 * /api/handles/{handle}.
 *
 * - HTTPS only: over plain HTTP a write is refused with 403 before credentials are read.
 * - The client authenticates (http/hauth.h) and must be authorized by the HS_ADMIN values of
 *   the record, or of its prefix handle for a create (core/auth.h); node administrators may do
 *   everything.
 * - PUT without `index`: create the record from the body (an array of values, {"values":[...]}
 *   whose "handle" must match, or one value); an existing record with other content is
 *   replaced unless overwrite=false (409, responseCode 101). PUT with index=i (repeatable; the
 *   body's indexes must be exactly those) or index=various: add or replace those values
 *   (overwrite=false: only add; an index that exists is 409, responseCode 201).
 *   mintNewSuffix=true appends a random suffix (a UUID) to {handle}, which should end in '/'.
 *   201 when something was created, 200 when existing data was overwritten (or nothing
 *   changed); the body is {"responseCode":1,"handle":...}.
 * - DELETE without `index`: delete the record; with index=i...: remove those values.
 * - The answer is sent once the writer's transaction is durable (group commit).
 * - Quotas (core/quota.h): the client address's write rate is checked first (before the
 *   credentials, which also slows the guessing of secrets), then, once the client is
 *   authorized, the daily request and registration quotas of the prefix written under (node
 *   administrators are not limited; a create that creates nothing gives its registration
 *   back). A refusal is 429 with Retry-After (seconds to the next local midnight, or until the
 *   address may write again) and responseCode 3 (busy) with a message naming the quota; nothing
 *   is written.
 */
#ifndef IDR_RESOLVER_HTTP_API_WRITE_H
#define IDR_RESOLVER_HTTP_API_WRITE_H

#include <stdbool.h>

#include "base/slice.h"
#include "http/req.h"

void http_api_put(struct http_req *q);
void http_api_delete(struct http_req *q);

/**
 * The write rate of the client address of q (quota_rate_take): true if it may write; else the
 * 429 answer (Retry-After) is sent. h names the target in the answer. For every write route.
 */
bool http_write_rate_ok(struct http_req *q, struct slice h);

#endif /* IDR_RESOLVER_HTTP_API_WRITE_H */
