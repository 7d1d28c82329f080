/*
 * frdb.h - the reports a top level has received from its secondary nodes (fed/frep.h): per
 * node the last FRDB_HISTORY reports (by period), the totals of every report ever accepted,
 * and the time of the last one (the node's heartbeat).
 *
 * Reports are kept in memory and appended to a file (data_dir/fed-reports) as they arrive, so
 * that a restarted top level still knows what it has (replays and totals). A record of the
 * file is "R <received> <length>\n" + the body, or "T <node> <creates> <updates> <deletes>
 * <resolutions> <reports>\n" (totals of reports no longer in the history); when the file holds
 * more than twice the history it is rewritten from memory (T lines + the history), so it stays
 * bounded. A damaged record ends the load (what was read is kept; logged).
 *
 * Thread-safety: every function takes the db's mutex (workers put, the nodes API reads).
 */
#ifndef IDR_RESOLVER_FED_FRDB_H
#define IDR_RESOLVER_FED_FRDB_H

#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "fed/frep.h"

#define FRDB_HISTORY   64   /* reports kept per node */
#define FRDB_MAX_NODES 1024 /* nodes with reports */
#define FRDB_FILE      "fed-reports"
#define FRDB_LATE      2 /* intervals without a report: late */
#define FRDB_DOWN      5 /* intervals without a report: down */

struct frdb;

/**
 * Open (or create) the report file path and load it.
 * @return IDR_OK (*out: free with frdb_free), a negated errno (cannot open or create the
 *         file), IDR_ENOMEM.
 */
int frdb_open(struct frdb **out, const char *path) IDR_MUSTCHECK;

/** Close (NULL accepted). */
void frdb_free(struct frdb *db);

/** How frdb_put ended. */
enum frdb_outcome {
	FRDB_STORED = 1,   /* a new report */
	FRDB_DUPLICATE = 2 /* the same body was stored before: nothing changed */
};

/**
 * Accept a verified report (body parsed into r) received at now (unix seconds).
 * @return IDR_OK (*out tells which), IDR_ECONFLICT (this period is stored with another body),
 *         IDR_ESTATE (the period is older than every report kept: refused as a possible
 *         replay), IDR_ELIMIT (FRDB_MAX_NODES nodes have reports), IDR_ENOMEM, or a file
 *         error (the report is then not stored).
 */
int frdb_put(struct frdb *db, const struct frep *r, struct slice body, uint64_t now,
             enum frdb_outcome *out) IDR_MUSTCHECK;

/**
 * Append the report fields of a node to w (members of a JSON object, no braces):
 * "heartbeat": ISO time of the last report or null, "state": "up" | "late" (no report for
 * more than FRDB_LATE intervals) | "down" (more than FRDB_DOWN, or never), "report": {
 * "interval", "last_period", "periods" (kept), "uptime", "store_bytes", "journal_head" of the
 * last one, "totals": {"reports", "creates", "updates", "deletes", "resolutions"}} or null.
 * @return the wbuf's error.
 */
int frdb_node_json(struct frdb *db, struct slice node, uint64_t now, struct wbuf *w);

#endif /* IDR_RESOLVER_FED_FRDB_H */
