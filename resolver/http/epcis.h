/*
 * epcis.h - the lifecycle capture and query APIs over HTTP (issue 9): EPCIS 2.0 documents in
 * and out of the registry's events (life/event.h, life/capture.h, reg.h).
 *
 * Routes (route.c):
 *   POST /api/v1/items/{handle}/events   one EPCIS 2.0 event about that item: it must name the
 *                                        item in epcList, parentID, childEPCs, inputEPCList or
 *                                        outputEPCList (as a handle or https://<node>/<handle>)
 *   GET  /api/v1/items/{handle}/events   its timeline: an EPCISQueryDocument; from / to (RFC
 *                                        3339 times), perPage, nextPageToken
 *   POST /capture                        an EPCISDocument, all or nothing: 202 with
 *                                        Location: /capture/{captureID}, the job already done
 *   GET  /capture/{captureID}            {captureID, running:false, success,
 *                                        captureErrorBehaviour:"rollback", errors}; the last
 *                                        EPCIS_CAPTURE_KEEP capture jobs of this process
 *   POST /events                         one event: 201 with Location: /events/{eventID}
 *   GET  /events                         SimpleEventQuery (below)
 *   GET  /api/v1/trace/{handle}          direction=back|forward, depth, max, at, format=json|dot
 *                                        (the JSON of `idr trace --format json`)
 *
 * Writes (the POSTs) need HTTPS (403 over plain HTTP, before credentials are read) and an
 * identity (http/hauth.h; 401 without one). Authorization, decided per event: the identity
 * is a node administrator, or it may write the record of a handle the event names in
 * epcList, parentID, childEPCs, inputEPCList or outputEPCList — ADD_VALUE in the HS_ADMIN of a
 * record registered here, or, for a handle not registered, ADD_HANDLE on its prefix
 * (0.NA/<prefix>) with the prefix hosted and enabled here. So an enterprise records what
 * happened to its own items (and may name other firms' items beside them: a pallet of its
 * own holding bought parts, a product made from them); an event naming only other firms'
 * items, or only identifiers that are not handles (EPC URNs, Digital Link URIs: aliases map
 * them later), is refused 403 unless a node administrator sends it. The item route checks
 * the item itself. A document is checked whole before anything is written (every event's
 * rules, keys, limits and authorization: life_capture_check) and written in one writer job:
 * one bad event refuses the document and nothing is stored. The answer follows the durable
 * commit. Capturing an event already stored (same CBV 2.0 hash) changes nothing and succeeds.
 *
 * Queries read the registry's timeline index, never scan: GET /events needs one identifier
 * parameter — MATCH_anyEPC (any of epcList, childEPCs, parentID, inputEPCList,
 * outputEPCList), MATCH_epc (epcList, childEPCs), MATCH_parentID, MATCH_inputEPC or
 * MATCH_outputEPC — with one value; without one it is 400 naming the parameters it takes.
 * eventType, GE_eventTime / LT_eventTime, EQ_bizStep and EQ_disposition filter the
 * identifier's timeline (lists repeat the parameter or separate values with '|'; CBV words
 * bare or in their URN / https://ref.gs1.org/cbv/ form). perPage (1..EPCIS_PAGE_MAX, default
 * EPCIS_PAGE_DEFAULT) bounds a page; when more may follow, a
 * `Link: <target&nextPageToken=T>; rel="next"` header gives the next page (EPCIS 2.0 REST
 * binding). A page reads at most EPCIS_EXAMINE_MAX timeline entries. Unknown parameters are
 * 400 (QueryParameterException).
 *
 * Emitted documents name handles as https://<Host of the request>/<handle>; other identifiers
 * as captured. Errors are RFC 7807 problem JSON as in the EPCIS 2.0 REST binding:
 * {"type":"epcisException:<Name>","title":...,"status":N,"detail":"<what is wrong>"}.
 *
 * Thread-safety: handlers run on the worker of their request; the table of capture jobs is
 * shared by the workers (a mutex).
 */
#ifndef IDR_RESOLVER_HTTP_EPCIS_H
#define IDR_RESOLVER_HTTP_EPCIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "http/req.h"
#include "http/uri.h"
#include "reg.h"

#define EPCIS_PAGE_DEFAULT 100
#define EPCIS_PAGE_MAX     1000
#define EPCIS_EXAMINE_MAX  20000 /* timeline entries one page reads at most */
#define EPCIS_LIST_MAX     16    /* values of one list parameter (EQ_bizStep, ...) */
#define EPCIS_CAPTURE_KEEP 256   /* capture jobs remembered for GET /capture/{id} */
#define EPCIS_TOKEN_MAX    96    /* bytes of a nextPageToken */

void http_epcis_item(struct http_req *q);
void http_epcis_capture(struct http_req *q);
void http_epcis_capture_get(struct http_req *q);
void http_epcis_events(struct http_req *q);
void http_epcis_trace(struct http_req *q);

/** Which identifier parameter a query has. */
enum epcis_match {
	EPCIS_MATCH_NONE = 0,
	EPCIS_MATCH_ANY = 1,    /* MATCH_anyEPC */
	EPCIS_MATCH_EPC = 2,    /* MATCH_epc */
	EPCIS_MATCH_PARENT = 3, /* MATCH_parentID */
	EPCIS_MATCH_INPUT = 4,  /* MATCH_inputEPC */
	EPCIS_MATCH_OUTPUT = 5  /* MATCH_outputEPC */
};

/** Which parameters a target may carry. */
enum epcis_query_form {
	EPCIS_FORM_EVENTS = 1, /* GET /events: SimpleEventQuery */
	EPCIS_FORM_ITEM = 2    /* GET /api/v1/items/{handle}/events: from, to, perPage, token */
};

/** A position in a timeline: after the event at (ms, id). */
struct epcis_token {
	int64_t ms;
	uint8_t id[REG_EVENT_ID_LEN];
};

/** A parsed query; slices point into the uri_target's decoded parameters. */
struct epcis_query {
	enum epcis_match match;
	struct slice id; /* the identifier (MATCH_*), empty for EPCIS_FORM_ITEM */
	unsigned types;  /* bit (1 << life_type) per eventType given; 0: every type */
	int64_t from_ms; /* GE_eventTime / from; INT64_MIN when absent */
	int64_t to_ms;   /* LT_eventTime / to (exclusive); INT64_MAX when absent */
	struct slice biz_steps[EPCIS_LIST_MAX]; /* bare CBV words or URIs */
	size_t nbiz_steps;
	struct slice dispositions[EPCIS_LIST_MAX];
	size_t ndispositions;
	size_t per_page;
	bool has_token;
	struct epcis_token token;
};

/**
 * Parse the parameters of a query target (sans-I/O). Names are case-sensitive, as in EPCIS;
 * `pretty` is left to the transport.
 * @param err  receives a message naming the parameter ("GE_eventTime: ...").
 * @return IDR_OK, IDR_EINVAL (malformed or unknown parameter, no identifier for
 *         EPCIS_FORM_EVENTS) or IDR_ELIMIT (a list over EPCIS_LIST_MAX).
 */
int epcis_query_parse(const struct uri_target *t, enum epcis_query_form form,
                      struct epcis_query *out, char *err, size_t errlen) IDR_MUSTCHECK;

/** Write a token as "<ms>.<64 hex>" into out. @return its length. */
size_t epcis_token_format(const struct epcis_token *t, char out[EPCIS_TOKEN_MAX]);

/** Parse a token of epcis_token_format. @return IDR_OK or IDR_EINVAL. */
int epcis_token_parse(struct slice s, struct epcis_token *out) IDR_MUSTCHECK;

/**
 * A CBV word as compared: "urn:epcglobal:cbv:bizstep:X", "urn:epcglobal:cbv:disp:X",
 * "https://ref.gs1.org/cbv/BizStep-X" and ".../Disp-X" become X; anything else stays.
 */
struct slice epcis_cbv_bare(struct slice s);

#endif /* IDR_RESOLVER_HTTP_EPCIS_H */
