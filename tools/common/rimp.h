/*
 * rimp.h - `idr import FILE --node URL`: the rows of a CSV or JSON-lines file (rowsrc.h, the
 * local import's formats) registered on a running node over HTTPS (rcmd.h), several requests
 * in flight.
 *
 * The reading thread decodes rows, checks what can be checked locally (kind, values,
 * identifiers repeated in the file: "<id> is a duplicate of line N (same|different content)")
 * and queues one PUT ?overwrite=false per row; `jobs` worker threads, each with its own
 * connection and session, send them (the node's writer commits concurrent writes together).
 * A row already registered identically is "unchanged" (200), so a re-run after a failure
 * finishes the rest and skips what landed; one registered with other content is a bad row
 * naming the values that differ, or with update is changed to the row's values (its HS_
 * values kept). A row the node refuses (permissions, rules) is a bad row with the node's
 * message; a failure of the transport, the authentication or the node (5xx) stops the import.
 * Prefix lines (`idr export`) are skipped: prefixes are managed on the node.
 * Reports and progress come from several threads, one at a time (under a lock).
 */
#ifndef IDR_TOOLS_COMMON_RIMP_H
#define IDR_TOOLS_COMMON_RIMP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/imp.h"
#include "common/rmt.h"

#define RIMP_DEFAULT_JOBS 8
#define RIMP_MAX_JOBS     64

struct rimp_opts {
	const struct rmt_opts *remote;
	unsigned jobs; /* connections and threads; 0 = RIMP_DEFAULT_JOBS */
	bool update;
	struct row_limits lim;    /* zeroes: defaults */
	imp_report_fn report;     /* may be NULL */
	imp_progress_fn progress; /* may be NULL */
	void *arg;
};

struct rimp_stats {
	struct imp_stats s;    /* rows, created, updated, unchanged, bad, conflicts, lines,
	                          bytes, json, written, fatal */
	uint64_t prefix_lines; /* prefix lines skipped */
};

/**
 * Import everything readable from fd to o->remote's node.
 * @return IDR_OK when the input was read to its end and every row was answered (bad rows are
 *         counted); otherwise the import stopped: st->s.fatal says why (credentials, the
 *         connection, the authentication, a node failure, a read error); rows answered before
 *         stay written.
 */
int rimp_run(int fd, const struct rimp_opts *o, struct rimp_stats *st) IDR_MUSTCHECK;

#endif /* IDR_TOOLS_COMMON_RIMP_H */
