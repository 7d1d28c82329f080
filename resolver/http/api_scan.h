/*
 * api_scan.h - the scanner API (issue 9 "Scanners"), public and read-only like
 * GET /api/handles:
 *   GET  /api/v1/scan?code=CODE[&events=N][&pretty]   CODE percent-encoded
 *   POST /api/v1/scan[?events=N]                       the body: exactly the bytes the
 *                                                      scanner sent (GS, CR/LF included)
 * Any form scan_parse reads (a handle, a handle URL, GS1 element strings with or without a
 * symbology identifier, the HRI form, Digital Link, EPC hex and URNs) and oid:/ecode:/ma:
 * codes; GS1 keys and EPCs are mapped to a handle through the registry's aliases
 * (life/scanfind.h). The answer is scanfind_json's object: 200 with the record's public values
 * and the item's recent events (default 5, at most 50, newest last); 400 when the code is
 * not recognised, 404 when it names no item here (no alias, or the handle not registered),
 * the status of the Handle code otherwise (a prefix not served here: 400), each with a
 * "message" naming what was wrong.
 */
#ifndef IDR_RESOLVER_HTTP_API_SCAN_H
#define IDR_RESOLVER_HTTP_API_SCAN_H

#include "http/req.h"

/** The route handler of /api/v1/scan (GET, HEAD, POST). */
void http_api_scan(struct http_req *q);

#endif /* IDR_RESOLVER_HTTP_API_SCAN_H */
