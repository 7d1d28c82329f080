/*
 * imp.h - the import engine behind `idr import`: reads CSV or JSON lines from a file
 * descriptor in large blocks, decodes rows with row.h and writes them through the registry in
 * big transactions.
 *
 * Semantics:
 *  - each row is created with reg_create: identical content already present is "unchanged"
 *    (nothing written), so re-running a file, or resuming after a crash, writes only what is
 *    missing; every --batch rows are one transaction (durable at commit);
 *  - a bad row (syntax, identifier, prefix, kind, conflict, ...) is reported through
 *    opts.report with every line it covered and skipped; storage failures stop the import;
 *    a conflict (the identifier is registered with other content) names the values that
 *    differ (edit.h: "value 2000 (colour) is "red" here, "blue" in the row; ...");
 *  - update: a row whose identifier is registered with other content updates the record to
 *    the row's content instead (edit.h: the stored HS_ values are kept), counted in
 *    st->updated; in the same transaction as the batch, so dry_run and strict apply too;
 *  - an identifier repeated in the input (ASCII case folded) is a bad row "<id> is a duplicate
 *    of line N (same|different content)", N the first line of its earlier row (up to 12.5
 *    million identifiers are remembered, 16 bytes each);
 *  - strict: the whole input is one transaction, committed only if no row is bad;
 *  - dry_run: the whole input is one transaction that is always rolled back, so the counts
 *    say exactly what an import would do (including duplicates inside the file);
 *  - prefix lines ({"prefix":...}, written first by `idr export`): the node prefix must be
 *    this node's; an enterprise prefix not hosted yet is added (enabled while the import runs,
 *    its exported state set at the end, so records under a disabled prefix can be restored);
 *    one already hosted (the node prefix too) keeps its state and its owner, except that a
 *    prefix without an owner (`idr init` without --owner) takes the input's; a different
 *    owner is a bad row naming both. So export -> import into a fresh directory -> export
 *    gives the same prefix owners.
 * Not thread-safe; one import at a time per process.
 */
#ifndef IDR_TOOLS_COMMON_IMP_H
#define IDR_TOOLS_COMMON_IMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/row.h"
#include "reg.h"

#define IMP_DEFAULT_BATCH 10000
#define IMP_READ_BLOCK    (1u << 20) /* bytes per read(2) */
#define IMP_MSG_LEN       (ROW_ERR_LEN + 320)
#define IMP_ALIAS_COLS    8 /* columns that may create aliases */

/**
 * Called for each bad row: the lines it covered, first..last (1-based; last > first when a
 * CSV record spans lines, a quoted field holding line breaks or left open), and the reason
 * (NUL-terminated).
 */
typedef void (*imp_report_fn)(void *arg, uint64_t first, uint64_t last, const char *msg);

/** Called every few hundred rows and at the end with bytes consumed and rows seen. */
typedef void (*imp_progress_fn)(void *arg, uint64_t bytes, uint64_t rows);

struct imp_opts {
	size_t batch; /* rows per transaction; 0 = IMP_DEFAULT_BATCH */
	bool strict;
	bool dry_run;
	bool update; /* update records registered with other content (idr import --update) */
	/* item rows: the non-empty cells of these attribute columns (names, case-insensitive;
	 * e.g. "gs1" as idr gen writes it) are also registered as aliases of the row's item
	 * (life/alias.h canonical form, reg_alias_add) in the row's transaction; a cell that is
	 * not an alias, or an alias of another item, is a bad row (the record stays written) */
	const char *alias_cols[IMP_ALIAS_COLS];
	size_t nalias_cols;
	/* a sharded site (resolver/core/shard.h): with shard_n > 1 only the item and record
	 * rows held by server shard_index of shard_n (shard_option the site's hash option) are
	 * imported, with every prefix line, `0.NA/...` record and identity record (one with an
	 * HS_PUBKEY, HS_SECKEY or HS_VLIST value: each server authenticates administrators from
	 * its own store); the others are counted in st->other_shard and skipped.
	 * prefixes_only: only prefix lines (idr split) */
	uint32_t shard_n;
	uint32_t shard_index;
	unsigned shard_option;
	bool prefixes_only;
	struct row_limits lim;    /* zeroes: defaults */
	imp_report_fn report;     /* may be NULL */
	imp_progress_fn progress; /* may be NULL */
	void *arg;                /* for report and progress */
};

struct imp_stats {
	uint64_t rows; /* data rows seen (not the CSV header, not blank lines) */
	uint64_t created;
	uint64_t updated; /* update: records changed to the row's content */
	uint64_t unchanged;
	uint64_t bad;
	uint64_t conflicts;   /* of the bad rows: registered with other content (not update) */
	uint64_t aliases;     /* aliases added (alias_cols) */
	uint64_t other_shard; /* rows skipped: held by another server (shard_n) */
	uint64_t prefixes_created;
	uint64_t prefixes_unchanged;
	uint64_t owners_set;  /* hosted prefixes without an owner that got the input's */
	uint64_t lines;       /* input lines read (header and blank lines too): with rows and
	                         multiline, no line goes unaccounted for */
	uint64_t multiline;   /* CSV records (good or bad) over several lines */
	uint64_t multi_first; /* the lines of the first of them */
	uint64_t multi_last;
	uint64_t bytes;          /* input bytes consumed */
	uint64_t commits;        /* transactions committed */
	bool json;               /* the input was JSON lines */
	bool written;            /* something was committed */
	char fatal[IMP_MSG_LEN]; /* why the import stopped (when imp_run fails) */
};

/**
 * Import everything readable from fd into r (identity "local").
 * @return IDR_OK when the input was read to its end (bad rows are counted in st->bad, and
 *         with strict or dry_run nothing was written); otherwise the import stopped:
 *         st->fatal says why (an unreadable header, a read error, a storage error such as
 *         IDR_ENOSPC); batches committed before stay committed.
 */
int imp_run(struct reg *r, int fd, const struct imp_opts *o, struct imp_stats *st) IDR_MUSTCHECK;

#endif /* IDR_TOOLS_COMMON_IMP_H */
