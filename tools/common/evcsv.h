/*
 * evcsv.h - lifecycle events from CSV rows (`idr event import FILE.csv`): the common cases of
 * EPCIS 2.0 events written one per row, each turned into the event model of life/event.h
 * through its JSON form (life_event_from_json), so a row is checked by the same rules as an
 * event of an EPCIS document, and life_capture_check on top.
 *
 * The file is RFC 4180 CSV (UTF-8, optional BOM; the splitter of row.h) whose first record
 * names the columns (case-insensitive, any order; every column is optional, but one must name
 * identifiers):
 *   type               object (default), aggregation, transformation or association
 *   action             ADD, OBSERVE or DELETE (default: ADD for commissioning, aggregation
 *                      and association, else OBSERVE; none for a transformation)
 *   id (or epcs)       the items: epcList of an object event, a child of an aggregation or
 *                      association, the output of a transformation
 *   parent             parentID (aggregation, association)
 *   children           more childEPCs
 *   inputs, outputs    inputEPCList, outputEPCList (transformation)
 *   time               eventTime, RFC 3339 with its zone (default: now at +08:00)
 *   biz_step, disposition   CBV 2.0 bare words or URIs
 *   read_point, biz_location, transformation_id
 * Lists are separated by ',' or ';' (quote the cell when it holds a comma). An identifier with
 * "://" or starting "urn:" is a URI taken as it is; anything else must be a handle
 * (prefix/suffix) and becomes "<node>/<handle>". An empty cell means absent.
 *
 * Every row is checked; each bad one is reported with its line and column ("line 4, column
 * time: ...") and the result is then IDR_EPROTO with no events, so a file is taken all or
 * nothing. Sans-I/O: the whole file is given in memory. Thread-safe (no globals).
 */
#ifndef IDR_TOOLS_COMMON_EVCSV_H
#define IDR_TOOLS_COMMON_EVCSV_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "life/event.h"

#define EVCSV_MAX_ROWS   LIFE_MAX_EVENTS /* events in one file */
#define EVCSV_ERR_LEN    512             /* a row's message, NUL included */
#define EVCSV_DEFAULT_TZ 480             /* +08:00, China Standard Time */

/** A file's events: doc.ev[i] came from the row starting at line[i]. */
struct evcsv_doc {
	struct life_doc doc;
	uint64_t *line;
};

/** Called with each bad row's message ("line N, column C: why"). */
typedef void (*evcsv_report_fn)(void *arg, const char *msg);

/**
 * Parse a CSV file of events.
 * @param node    the node URL handles are written under ("https://localhost"), no slash at end.
 * @param now_ms  the time of rows without one (unix ms; zone +08:00).
 * @param report  called for each bad row (may be NULL); err gets the first message.
 * @param out     on IDR_OK the events (free with evcsv_free); on error left empty.
 * @return IDR_OK, IDR_EPROTO (a bad header or row), IDR_ELIMIT (over EVCSV_MAX_ROWS rows or a
 *         limit of row.h) or IDR_ENOMEM.
 */
int evcsv_parse(const void *text, size_t len, const char *node, int64_t now_ms,
                evcsv_report_fn report, void *arg, struct evcsv_doc *out, char *err,
                size_t errlen) IDR_MUSTCHECK;

/** Free what d holds and zero it (NULL and a zeroed struct accepted). */
void evcsv_free(struct evcsv_doc *d);

/**
 * An identifier as a URI: one with "://" or starting "urn:" as it is, anything else as
 * "<node>/<id>" (not checked here).
 * @return a malloc'ed string the caller frees, or NULL (out of memory).
 */
char *evcsv_uri(const char *node, const char *id);

#endif /* IDR_TOOLS_COMMON_EVCSV_H */
