/*
 * fup.h - a secondary node's link upward: upward registration and reports, run by one
 * federation thread in idrd (blocking I/O with deadlines; the workers never wait for it).
 *
 * Upward registration (when `toplevel` and `node_key` are set): at start and whenever the
 * daemon hands it a new HS_SITE (fup_set_site: start-up, SIGHUP), the thread makes the prefix
 * record 0.NA/<node prefix> at the top level match: it resolves the record (TCP, the top-level
 * addresses in order, the one that answered last first), compares index 1 HS_SITE and index 2
 * HS_SITE.PREFIX with this node's HS_SITE ignoring the serial, and sends ADD_VALUE or
 * MODIFY_VALUE only for what differs, with the serial bumped (the top level's + 1), as
 * authenticated Handle admin operations (client/hadmin.h: each request challenged and answered
 * with the node key, identity node_key_id, by default 300:0.NA/<node prefix>, the identity
 * `idr node add` registers). A failure is retried with capped exponential back-off
 * (fup_backoff: 1, 2, 4 ... upstream_retry_max seconds).
 *
 * Reports (when toplevel_http is set too): periods of report_interval seconds are numbered
 * (period P = [P*interval, (P+1)*interval) unix seconds). When one ends, its report
 * (fed/frep.h) is made: resolutions per prefix taken from the workers' counters (fed/fstat.h),
 * creates / updates / deletes per prefix from the journal entries since the last report's
 * journal sequence, and health (uptime, store bytes, journal head). It is kept (in memory and
 * as data_dir/fed-upward/<P>.report) until the top level acknowledges it (2xx: stored or
 * duplicate; 409: refused for good, logged and dropped), and POSTed signed to
 * <toplevel_http>/api/v1/reports, oldest first, so reports missed while the top level was
 * unreachable are caught up. At most FUP_PENDING_MAX wait; beyond, the oldest is dropped
 * (logged, counted). data_dir/fed-upward/state keeps the journal sequence counted up to and
 * the last period acknowledged.
 *
 * State is shown by fup_health_json (GET /healthz) and fup_metrics (/metrics).
 *
 * Thread-safety: fup_set_site, fup_health_json and fup_metrics may be called from any thread;
 * fup_new, fup_start and fup_free from the main thread.
 */
#ifndef IDR_RESOLVER_FED_FUP_H
#define IDR_RESOLVER_FED_FUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "core/conf.h"
#include "fed/fstat.h"
#include "reg.h"

#define FUP_PENDING_MAX 288 /* reports waiting for an acknowledgement (a day of 5 min) */
#define FUP_DIR         "fed-upward"
#define FUP_ERR_MAX     256

struct fup;

/** What the thread needs besides the configuration (borrowed: must outlive the fup). */
struct fup_env {
	struct reg *reg;     /* journal, store figures, node prefix */
	struct fstat *stats; /* resolutions per prefix (may be NULL: none counted) */
};

/**
 * Whether the configuration asks for an upward link: a secondary (not role toplevel) with
 * toplevel and node_key set.
 */
bool fup_wanted(const struct conf *c);

/**
 * Make the link from the configuration (nothing is sent yet): loads node_key, parses the
 * top-level addresses, toplevel_http and node_key_id, creates data_dir/fed-upward and loads
 * its state and unacknowledged reports, makes the HTTP client (libcurl's start-up happens
 * here, before other threads run).
 * @return IDR_OK (*out: free with fup_free), IDR_ECONFIG (logged: unreadable key, bad
 *         address, URL or identity), IDR_ENOMEM, or the error creating the directory.
 */
int fup_new(struct fup **out, const struct conf *c, const struct fup_env *env) IDR_MUSTCHECK;

/** Start the federation thread. @return IDR_OK or a negated errno. */
int fup_start(struct fup *u) IDR_MUSTCHECK;

/**
 * The HS_SITE this node publishes (core/site.h; copied). A site that differs from the last
 * one given (or the first) starts a registration at once, resetting the back-off; the same
 * site given again (SIGHUP without change) also checks the record again.
 * @return IDR_OK or IDR_ENOMEM.
 */
int fup_set_site(struct fup *u, struct slice site) IDR_MUSTCHECK;

/** Stop the thread (an exchange in progress ends within its time-out) and free. NULL ok. */
void fup_free(struct fup *u);

/**
 * The link's state as JSON members (no braces) for /healthz:
 * "upstream":{"toplevel":"HOST:PORT","registered":bool,"serial":n|null,"error":"..."|null,
 * "next_try":"ISO time"|null,"registered_at":"ISO time"|null},
 * "reports":{"interval":n,"url":"..."|null,"last_acked_period":n|null,"last_report":"ISO"|null,
 * "pending":n,"error":"..."|null,"next_try":"ISO"|null}.
 * @return the wbuf's error.
 */
int fup_health_json(struct fup *u, struct wbuf *w) IDR_MUSTCHECK;

/** Prometheus lines: idr_upstream_registered, idr_upstream_serial,
 *  idr_upstream_registrations_total{result}, idr_reports_total{result}, idr_reports_pending,
 *  idr_reports_dropped_total, idr_report_last_acked_period. */
void fup_metrics(struct fup *u, struct wbuf *w);

/** Seconds to wait after the n-th failure in a row (n >= 1): 1, 2, 4, ... at most cap. */
unsigned fup_backoff(unsigned n, unsigned cap);

/**
 * Whether two HS_SITE values say the same apart from their serial numbers (both must decode;
 * otherwise they differ).
 */
bool fup_site_same(struct slice a, struct slice b);

/**
 * Append site with its serial replaced.
 * @return IDR_OK, IDR_EPROTO (site does not decode), IDR_ENOMEM or the wbuf's error.
 */
int fup_site_serial(struct wbuf *out, struct slice site, uint16_t serial) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_FED_FUP_H */
