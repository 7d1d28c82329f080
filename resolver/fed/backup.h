/*
 * backup.h - the top level's backup of its nodes (role toplevel): for each `backup` line of
 * the configuration, "PREFIX URL IDENTITY SECRET_FILE", a journal follower (fed/mirror.h)
 * keeps a copy of node PREFIX's store in data_dir/backup/PREFIX/, authenticated at the node's
 * journal API (URL, e.g. https://node1:8443) as IDENTITY (one of the node's journal_followers)
 * with the secret in SECRET_FILE. A copy starts from a snapshot of the node and then follows
 * its journal with the same checks as a mirror. GET /api/v1/nodes shows each copy's state
 * ("backup"), `idr node list` the seq of each copy.
 *
 * Process-wide state: fed_backup_start/stop from the daemon's main thread; fed_backup_json
 * from any thread.
 */
#ifndef IDR_RESOLVER_FED_BACKUP_H
#define IDR_RESOLVER_FED_BACKUP_H

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "core/conf.h"
#include "reg.h"

#define FED_BACKUP_MAX 256 /* backup lines at most */
#define FED_BACKUP_DIR "backup"

/**
 * Start a follower per `backup` line of c (c must outlive them; nothing to do unless role
 * toplevel). @return IDR_OK or an error (logged; those started keep running until
 * fed_backup_stop).
 */
int fed_backup_start(const struct conf *c) IDR_MUSTCHECK;

/** Stop and free every follower. */
void fed_backup_stop(void);

/**
 * The registry of PREFIX's copy (case-insensitive) once open, for read transactions while its
 * follower runs (an emergency takeover serves from it, fed/takeover.h); NULL without a copy
 * or before it is open. Borrowed: valid until fed_backup_stop. Any thread.
 */
struct reg *fed_backup_reg(struct slice prefix);

/**
 * PREFIX's node is back (its takeover was released): its copy's follower retries now instead
 * of waiting out the back-off it grew while the node was down (fed_mirror_kick). Any thread.
 */
void fed_backup_kick(struct slice prefix);

/** The state of PREFIX's copy as JSON (fed_mirror_json), or null without one. */
void fed_backup_json(struct slice prefix, struct wbuf *w);

/** Append a /healthz line per copy ("backup PREFIX of URL: following, ...") to w. */
void fed_backup_health(struct wbuf *w);

/**
 * Append the copies' /metrics (Prometheus text) to w: idr_backup_head, idr_backup_lag_entries,
 * idr_backup_rebootstraps_total, idr_backup_rebootstrapping, each labelled {prefix="..."}.
 * Nothing without copies.
 */
void fed_backup_metrics(struct wbuf *w);

#endif /* IDR_RESOLVER_FED_BACKUP_H */
