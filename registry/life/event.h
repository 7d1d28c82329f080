/*
 * event.h - the lifecycle event model: GS1 EPCIS 2.0 events (ref/traceability.md §1) parsed
 * from and written as EPCIS 2.0 JSON-LD, with the validation the JSON schema misses.
 *
 * Event types: ObjectEvent, AggregationEvent, TransformationEvent, AssociationEvent and
 * TransactionEvent (the last so that documents of other EPCIS systems capture unchanged).
 * A parsed event is a struct life_event: the standard members as C fields, every other member
 * (bizTransactionList, sourceList, destinationList, sensorElementList, ilmd,
 * persistentDisposition, certificationInfo, "prefix:name" extensions, ...) kept verbatim in
 * ev->ext, in input order. Identifiers (epcList, parentID, readPoint.id, ...) are URIs kept as
 * given; life_uri_handle() maps one to a handle. bizStep, disposition and errorDeclaration
 * reason are CBV 2.0 bare words (checked against the CBV 2.0 lists) or any URI (extensions;
 * the CBV URN and Web URI forms are refused in JSON as by the GS1 schema).
 *
 * Times are unix milliseconds (UTC, int64) plus the zone offset in minutes; sub-millisecond
 * digits are rounded half up (the CBV 2.0 hash rule 9). The JSON written has
 * "YYYY-MM-DDTHH:MM:SS.mmm+hh:mm" in the event's own zone.
 *
 * Memory: a parsed event or document owns one jansson tree; the const char * fields point
 * into it and live until life_event_deinit() / life_doc_free(). Events built by callers may
 * point anywhere (the caller's strings; ext and ns NULL or json objects the caller owns:
 * life_event_deinit() releases only what the parser made, see owned/owns_lists).
 * life_event_to_json() writes a standard object member (readPoint, bizLocation,
 * errorDeclaration) from ext instead of the C fields when ext has a member of that name: the
 * parser keeps such an object there verbatim when it carries extension members. All functions are
 * thread-safe; an event is used by one thread at a time (jansson reference counts are not atomic).
 *
 * Errors: IDR_EPROTO (malformed or breaks a rule), IDR_ELIMIT (a LIFE_MAX_* limit), IDR_ENOMEM.
 * The message names the member and the rule, with the document path when parsing a document:
 * "eventList[3].parentID: required for an AggregationEvent with action ADD".
 */
#ifndef IDR_REGISTRY_LIFE_EVENT_H
#define IDR_REGISTRY_LIFE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct json_t; /* jansson's json_t */

#define LIFE_MAX_DOC    (8u << 20)  /* bytes of one JSON document or event */
#define LIFE_MAX_EVENTS 10000u      /* events in one document */
#define LIFE_MAX_LIST   10000u      /* items in one epc or quantity list */
#define LIFE_MAX_URI    2048u       /* bytes of one identifier or vocabulary URI */
#define LIFE_MAX_EXT    (64u << 10) /* bytes of an event's other members, as compact JSON */
#define LIFE_ERR_LEN    256u        /* a comfortable size for error messages */
#define LIFE_TIME_LEN   30u         /* "YYYY-MM-DDTHH:MM:SS.mmm+hh:mm" + NUL */
#define LIFE_HASH_LEN   90u         /* "ni:///sha-256;" + 64 hex + "?ver=CBV2.0" + NUL */

enum life_type {
	LIFE_OBJECT = 1,
	LIFE_AGGREGATION = 2,
	LIFE_TRANSFORMATION = 3,
	LIFE_ASSOCIATION = 4,
	LIFE_TRANSACTION = 5,
};

enum life_action {
	LIFE_ACTION_NONE = 0, /* TransformationEvent only */
	LIFE_ACTION_ADD = 1,
	LIFE_ACTION_OBSERVE = 2,
	LIFE_ACTION_DELETE = 3,
};

/** A list of URIs (epcList, childEPCs, ...); v[0..n) borrowed per the file comment. */
struct life_uris {
	const char **v;
	size_t n;
};

/** One quantityElement: epcClass (required), quantity (has_quantity), uom (NULL if absent). */
struct life_qty {
	const char *epc_class;
	bool has_quantity;
	double quantity;
	const char *uom;
};

struct life_qtys {
	struct life_qty *v;
	size_t n;
};

/** A time: unix milliseconds (UTC) and the zone offset it was written in (minutes). */
struct life_time {
	int64_t ms;
	int16_t tz_min;
};

/** errorDeclaration (a correction): present when has_error_decl. */
struct life_error_decl {
	struct life_time declaration_time;
	const char *reason; /* bare word or URI, NULL if absent */
	struct life_uris corrective_ids;
};

struct life_event {
	enum life_type type;
	struct life_time event_time; /* tz_min is eventTimeZoneOffset */
	bool has_record_time;
	struct life_time record_time;
	const char *event_id;          /* as given, NULL if absent */
	enum life_action action;       /* LIFE_ACTION_NONE only for TransformationEvent */
	const char *biz_step;          /* NULL if absent */
	const char *disposition;       /* NULL if absent */
	const char *read_point;        /* readPoint.id, NULL if absent */
	const char *biz_location;      /* bizLocation.id, NULL if absent */
	const char *parent_id;         /* NULL if absent */
	const char *transformation_id; /* NULL if absent */
	struct life_uris epcs;         /* epcList (Object, Transaction) */
	struct life_uris child_epcs;
	struct life_uris input_epcs;
	struct life_uris output_epcs;
	struct life_qtys quantities; /* quantityList */
	struct life_qtys child_quantities;
	struct life_qtys input_quantities;
	struct life_qtys output_quantities;
	bool has_error_decl;
	struct life_error_decl error_decl;
	/* other members verbatim (JSON object, may be NULL), and the namespace map from the
	 * document's @context (JSON object prefix -> URI, may be NULL) used to expand
	 * "prefix:name" keys when hashing */
	struct json_t *ext;
	struct json_t *ns;
	/* internal: what life_event_deinit releases */
	struct json_t *owned; /* the parsed object (a reference), NULL for caller-built events */
	bool owns_lists;      /* the list arrays were allocated by the parser */
};

/** A parsed EPCISDocument: ev[0..n) in document order, all owned. */
struct life_doc {
	struct life_event *ev;
	size_t n;
	struct json_t *root;
};

/**
 * Parse one event object (a JSON text of at most LIFE_MAX_DOC bytes). Its own "@context"
 * (if any) gives the namespaces.
 * @param out  overwritten; on success release with life_event_deinit(), on error left zeroed.
 * @param err  receives a message naming the member ("parentID: required ...").
 * @return IDR_OK, IDR_EPROTO, IDR_ELIMIT or IDR_ENOMEM.
 */
int life_event_parse(const void *text, size_t len, struct life_event *out, char *err,
                     size_t errlen) IDR_MUSTCHECK;

/**
 * life_event_parse on a jansson object (borrowed; out keeps a reference to it). ns is the
 * namespace map to use (borrowed, referenced; NULL: the object's own @context). path prefixes
 * error messages ("eventList[3]"; NULL or "" for none).
 */
int life_event_from_json(struct json_t *j, struct json_t *ns, const char *path,
                         struct life_event *out, char *err, size_t errlen) IDR_MUSTCHECK;

/** Release what ev owns and zero it. Accepts NULL and a zeroed event. */
void life_event_deinit(struct life_event *ev);

/**
 * Parse an EPCISDocument (epcisBody.eventList) or EPCISQueryDocument
 * (epcisBody.queryResults.resultsBody.eventList) of at most LIFE_MAX_DOC bytes. "@context",
 * "type", "schemaVersion", "creationDate" are required; every event must be valid (the first
 * bad one is named: "eventList[3].parentID: ..."). An empty eventList is valid.
 * @param out  on success free with life_doc_free(); on error left empty.
 */
int life_doc_parse(const void *text, size_t len, struct life_doc *out, char *err,
                   size_t errlen) IDR_MUSTCHECK;

/** Release what doc owns and zero it. Accepts NULL. */
void life_doc_free(struct life_doc *doc);

/**
 * Check the rules of ref §1.3 on an event built by a caller (life_event_parse applies them
 * too): required members per type and action, parentID on Aggregation ADD/DELETE and on every
 * AssociationEvent, no action on TransformationEvent, CBV words, URI syntax, quantity and uom
 * formats, limits. @return IDR_OK, IDR_EPROTO or IDR_ELIMIT with err naming the rule.
 */
int life_event_check(const struct life_event *ev, char *err, size_t errlen) IDR_MUSTCHECK;

/**
 * Build the EPCIS 2.0 JSON-LD object of ev (no @context): standard members in the order of
 * the GS1 examples, then ext members verbatim; "eventID" only if ev->event_id is set.
 * @param out  a new reference the caller releases with json_decref().
 * @return IDR_OK or IDR_ENOMEM.
 */
int life_event_to_json(const struct life_event *ev, struct json_t **out) IDR_MUSTCHECK;

/**
 * Build an EPCISDocument holding ev[0..n): "@context" is the EPCIS 2.0 context plus, if ns
 * is given, that namespace object (borrowed); creation_ms is its creationDate (UTC).
 * @param out  a new reference the caller releases with json_decref().
 */
int life_doc_to_json(const struct life_event *ev, size_t n, const struct json_t *ns,
                     int64_t creation_ms, struct json_t **out) IDR_MUSTCHECK;

/**
 * Build an EPCISQueryDocument holding ev[0..n) (as GET /events answers): life_doc_to_json's
 * document with "type" EPCISQueryDocument and its eventList under
 * epcisBody.queryResults (queryName SimpleEventQuery, resultsBody).
 * @param out  a new reference the caller releases with json_decref().
 * @return IDR_OK or IDR_ENOMEM.
 */
int life_query_doc_to_json(const struct life_event *ev, size_t n, const struct json_t *ns,
                           int64_t creation_ms, struct json_t **out) IDR_MUSTCHECK;

/**
 * The CBV 2.0 event hash of ev (ref §2.4): "ni:///sha-256;<64 hex>?ver=CBV2.0", computed as
 * RalphTro/epcis-event-hash-generator does (see event_hash.c), so the same event captured
 * twice, in any member order, time zone or identifier form, gets the same id.
 * eventID, recordTime and errorDeclaration do not take part.
 * @return IDR_OK, IDR_ENOMEM or IDR_ELIMIT (pre-hash string over LIFE_MAX_DOC).
 */
int life_event_hash(const struct life_event *ev, char out[LIFE_HASH_LEN]) IDR_MUSTCHECK;

/**
 * The pre-hash string of ev (the canonical text that is hashed), for tests and debugging.
 * @param out  malloc'ed, NUL-terminated; the caller frees it.
 */
int life_event_prehash(const struct life_event *ev, char **out) IDR_MUSTCHECK;

/**
 * Map an identifier URI to a handle: "https://<host>/<path>" or "http://..." gives the path
 * (without the leading '/', query or fragment, percent-decoded) when the path has the
 * "prefix/suffix" form of a handle: a first segment containing a '.' ("88.118.8/X"), then a
 * non-empty suffix. GS1 Digital Link paths ("/01/..."), other URIs (urn:epc:..., ...) are not
 * handles (aliases map them later).
 * @param out  receives the handle, NUL-terminated.
 * @return the handle's length (> 0), IDR_ENOENT (not a handle URI) or IDR_ETOOBIG.
 */
int life_uri_handle(const char *uri, char *out, size_t outlen);

/** "ObjectEvent", ... for t; NULL for an unknown value. */
const char *life_type_name(enum life_type t);

/** "ADD", "OBSERVE", "DELETE"; NULL for LIFE_ACTION_NONE or an unknown value. */
const char *life_action_name(enum life_action a);

/** true when s is one of the 41 CBV 2.0 bizStep bare words. */
bool life_cbv_biz_step(const char *s);

/** true when s is one of the 33 CBV 2.0 disposition bare words. */
bool life_cbv_disposition(const char *s);

/**
 * Parse an RFC 3339 date-time with zone ("Z" or +hh:mm), fraction optional and rounded half up
 * to milliseconds. @return IDR_OK, IDR_EINVAL (syntax, bad date, no zone).
 */
int life_time_parse(const char *s, size_t len, struct life_time *out);

/** Format t as "YYYY-MM-DDTHH:MM:SS.mmm+hh:mm" (Z when utc or tz_min == 0 and utc). */
void life_time_format(struct life_time t, bool utc, char out[LIFE_TIME_LEN]);

#endif /* IDR_REGISTRY_LIFE_EVENT_H */
