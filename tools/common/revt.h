/*
 * revt.h - lifecycle events sent to and read from a running node (`idr event add|import
 * --node`, `idr events --node`) through its capture and query API (resolver/http/epcis.h),
 * over the connection and session of rmt.h:
 *  - one event: POST /api/v1/items/{handle}/events (or POST /events for an identifier that is
 *    no handle); the node answers its CBV 2.0 id and whether it was new (201) or captured
 *    before (200, or created false);
 *  - many events: EPCIS 2.0 documents of at most `batch` events, each POST /capture (202 and
 *    a capture job), the job then read with GET /capture/{id} until it is finished. Documents
 *    go one at a time, in order; the node captures a document all or nothing, so when one
 *    fails the events of the documents before it are captured and none after it is sent;
 *  - an item's timeline: GET /api/v1/items/{handle}/events (or GET /events?MATCH_anyEPC= for
 *    other identifiers), page after page (perPage, nextPageToken made from the last event).
 *
 * The parsers of the node's answers (revt_added_parse, revt_job_parse, revt_problem_parse)
 * are sans-I/O and bounded, for the unit tests and the fuzzer. Not thread-safe per struct rmt.
 */
#ifndef IDR_TOOLS_COMMON_REVT_H
#define IDR_TOOLS_COMMON_REVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "common/rmt.h"
#include "life/event.h"

#define REVT_BATCH_DEFAULT 1000
#define REVT_JOB_ID_MAX    64     /* characters of a capture job id */
#define REVT_MSG_MAX       1024   /* messages, NUL included */
#define REVT_WAIT_MS       600000 /* how long a capture job is waited for */

/** The answer to one event: {"eventID": "ni:///sha-256;...", "created": bool}. */
struct revt_added {
	char id[LIFE_HASH_LEN];
	bool created;
};

/**
 * Parse the answer to one event (at most RMT_JSON_MAX bytes).
 * @return IDR_OK, IDR_EPROTO (no such object, eventID not a CBV 2.0 hash URI) or IDR_ELIMIT.
 */
int revt_added_parse(struct slice body, struct revt_added *out) IDR_MUSTCHECK;

/** A capture job: {"captureID":..,"running":..,"success":..,"errors":[..]}. */
struct revt_job {
	char id[REVT_JOB_ID_MAX + 1]; /* letters, digits, '-' and '_' */
	bool running;
	bool success;
	char error[RMT_MSG_MAX]; /* the first of "errors" ("" if none), control characters '?' */
};

/**
 * Parse a capture job (at most RMT_JSON_MAX bytes).
 * @return IDR_OK, IDR_EPROTO (not such an object, a bad id) or IDR_ELIMIT.
 */
int revt_job_parse(struct slice body, struct revt_job *out) IDR_MUSTCHECK;

/**
 * The "detail" (else "title", else "message") of an error answer into out, control characters
 * as '?', "" when the body is no such JSON object or over RMT_JSON_MAX bytes.
 */
void revt_problem_parse(struct slice body, char *out, size_t cap);

/**
 * Send one event. handle: the item it is recorded for (NULL: POST /events).
 * @param msg  on failure, what went wrong (the node's detail, or the transport's message).
 * @return IDR_OK; IDR_EDENIED (401/403), IDR_EPROTO (the node refused the event: 4xx, or an
 *         answer that does not parse), IDR_EIO (5xx), or an error of rmt_request.
 */
int revt_add(struct rmt *r, const char *handle, const struct life_event *ev, struct revt_added *out,
             char *msg, size_t cap) IDR_MUSTCHECK;

/** Progress of revt_capture. */
struct revt_sent {
	size_t captured; /* events of the documents the node finished */
	size_t docs;     /* documents finished */
};

/**
 * Send ev[0..n) as documents of at most batch events (0: REVT_BATCH_DEFAULT), each waited
 * for (see the file comment). ns: the namespace map of the document the events came from
 * (may be NULL). line: when not NULL, line[i] is the input line of ev[i], for messages.
 * @param msg  on failure: the document and events it held, the event that broke a rule (as
 *             "eventList[I]" of the whole input, or "line L"), the node's reason.
 * @return IDR_OK, or the error of the first document that failed (sent says how far it got).
 */
int revt_capture(struct rmt *r, const struct life_event *ev, size_t n, const struct json_t *ns,
                 size_t batch, const uint64_t *line, struct revt_sent *sent, char *msg,
                 size_t cap) IDR_MUSTCHECK;

/** Called with each event of a timeline (a borrowed EPCIS 2.0 event object). Non-zero stops. */
typedef int (*revt_event_fn)(void *arg, const struct json_t *ev);

/**
 * Read id's timeline, oldest first: events with from <= eventTime < to (RFC 3339 texts, NULL
 * for no bound), at most limit (0: all).
 * @return IDR_OK, IDR_ENOENT (404), IDR_EPROTO (400 or an answer that does not parse: msg),
 *         IDR_EDENIED, IDR_EIO or an error of rmt_request.
 */
int revt_events(struct rmt *r, const char *id, const char *from, const char *to, uint64_t limit,
                bool auth, revt_event_fn fn, void *arg, char *msg, size_t cap) IDR_MUSTCHECK;

#endif /* IDR_TOOLS_COMMON_REVT_H */
