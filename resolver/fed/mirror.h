/*
 * mirror.h - the follower side of journal shipping (registry/repl.h): a thread that pulls a
 * primary's journal over HTTP(S) (GET /api/v1/journal, http/api_journal.h) and applies it to
 * the local registry, one write transaction per answer, durable before the next request (whose
 * `from` acknowledges it). A crash loses nothing acknowledged: the next start resumes from the
 * local journal head. An answer with a malformed frame, a broken hash chain or a change that
 * does not fit is refused whole (nothing applied), logged and counted, and asked again after a
 * back-off (1 s doubling to 30 s); so are network errors.
 *
 * Falling behind: a follower that gets 410 (the entries it needs were folded away at the
 * primary, e.g. after it was stopped for longer than the primary's journal_follower_expire)
 * re-bootstraps by itself, while it goes on serving its copy:
 *   1. it downloads a fresh snapshot (GET /api/v1/journal/snapshot) into DIR/.rebootstrap/
 *      beside its copy (left-overs of an interrupted attempt are removed first);
 *   2. checks it: it opens as a registry of this schema, its journal head is not behind the
 *      copy's (else: a different history, refused), and `audit_verify` passes (hash chain
 *      from the snapshot's checkpoint, every record against its entry);
 *   3. swaps it in with repl_replace (registry/repl.h): one write transaction of the copy's
 *      own environment empties it and fills it from the snapshot. The swap is LMDB's commit:
 *      readers that began before it (a worker's request, a takeover read) keep seeing the
 *      old content, later ones the new, never a mix; the environment itself is never
 *      closed or reopened, so no worker, writer or other thread holding the registry can
 *      meet a closed env, and no per-request reference counting is needed. The price: the
 *      copy's file grows by the snapshot's size during the transaction (its old pages are
 *      free afterwards and reused by later writes; the map must hold both: else IDR_ENOSPC,
 *      logged, the old copy untouched and the attempt repeated after the back-off);
 *   4. removes DIR/.rebootstrap (the snapshot's files), clears the acknowledgements the
 *      snapshot brought and follows from the snapshot's head.
 * It is logged, counted (idr_mirror_rebootstraps_total) and shown in /healthz while it runs.
 * The same path serves a copy found behind the primary's checkpoint at start-up (its first
 * request gets 410): no manual step.
 *
 * Used by `role mirror` (fed_mirror_bootstrap before the registry opens, then a follower on it).
 * HTTP goes through client/httpc.h: journal answers kept in memory (capped at 64 MiB), the
 * snapshot streamed to its file; stopping the follower aborts a request under way.
 *
 * Thread-safety: fed_mirror_status and fed_mirror_global from any thread; the rest from the
 * thread that made the follower.
 */
#ifndef IDR_RESOLVER_FED_MIRROR_H
#define IDR_RESOLVER_FED_MIRROR_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/wbuf.h"
#include "core/conf.h"
#include "reg.h"

#define FED_MIRROR_ERR_MAX 256

struct fed_mirror;

/** What the follower knows (fed_mirror_status). */
struct fed_mirror_status {
	uint64_t local_head;   /* seq of the last entry applied here */
	uint64_t primary_head; /* the primary's head at its last answer */
	uint64_t lag_entries;  /* primary_head - local_head (0 when caught up) */
	uint64_t lag_ms;       /* milliseconds since this copy was last caught up (0: it is) */
	uint64_t applied;      /* entries applied since start */
	uint64_t refused;      /* answers refused (chain, hash, malformed) since start */
	uint64_t errors;       /* failed requests (network, HTTP status) since start */
	uint64_t rebootstraps; /* re-bootstraps from a snapshot completed since start */
	bool rebootstrapping;  /* one is under way */
	bool ok;               /* the last request and its apply succeeded */
	char last_error[FED_MIRROR_ERR_MAX]; /* "" if none yet */
};

/** Follower settings (borrowed strings, valid while the follower lives). */
struct fed_mirror_opts {
	const char *primary;  /* base URL http[s]://HOST:PORT */
	const char *identity; /* index:handle */
	const char *secret;   /* its secret */
	const char *cacert;   /* CA file or NULL */
	uint64_t max;         /* entries per request (journal max parameter) */
	const char *name;     /* for logs and /healthz, e.g. "mirror" or "backup 88.118" */
	const char *dir;      /* the data directory of the copy (fed_mirror_new_dir: required;
	                         fed_mirror_new: where re-bootstraps download, NULL: cannot) */
};

/**
 * Read the secret of c->primary_identity from c->primary_secret_file (first line, without
 * the line end) into buf. @return IDR_OK, IDR_ECONFIG (unreadable or empty, logged).
 */
int fed_mirror_secret(const struct conf *c, char *buf, size_t cap) IDR_MUSTCHECK;

/**
 * Before the registry is opened: when dir holds no store (no data.mdb), fetch a snapshot of
 * the primary (GET /api/v1/journal/snapshot) into dir/data.mdb (through a temporary file,
 * renamed when complete), so the follower starts at the snapshot's journal head.
 * @return IDR_OK (also when a store is there), or an error (logged).
 */
int fed_mirror_bootstrap(const char *dir, const struct fed_mirror_opts *o) IDR_MUSTCHECK;

/**
 * Make a follower of o->primary applying to reg (borrowed: it must outlive the follower).
 * Clears the follower acknowledgements a snapshot brought along (reg_follow_clear).
 * @return IDR_OK, IDR_EINVAL (bad URL: only http[s]://HOST[:PORT], or identity and secret
 *         too long; logged), IDR_ENOMEM or a registry error.
 */
int fed_mirror_new(struct fed_mirror **out, struct reg *reg,
                   const struct fed_mirror_opts *o) IDR_MUSTCHECK;

/**
 * Make a follower that keeps its own copy in o->dir (the top level's backup of a node): its
 * thread bootstraps the copy from a snapshot when there is none (retrying with back-off while
 * the primary is unreachable), opens it and follows. The registry is the follower's.
 * @return IDR_OK, IDR_EINVAL (bad URL, no dir) or IDR_ENOMEM.
 */
int fed_mirror_new_dir(struct fed_mirror **out, const struct fed_mirror_opts *o) IDR_MUSTCHECK;

/** Start its thread. @return IDR_OK or a pthread error (negated). */
int fed_mirror_start(struct fed_mirror *m) IDR_MUSTCHECK;

/**
 * Retry now: a back-off wait after a failure ends within 50 ms and the back-off starts over
 * (e.g. the node followed is back). Any thread; accepts NULL.
 */
void fed_mirror_kick(struct fed_mirror *m);

/** Stop the thread (a request in flight is abandoned within ~100 ms) and free. Accepts NULL. */
void fed_mirror_free(struct fed_mirror *m);

/**
 * The copy of a fed_mirror_new_dir follower once its thread has opened it (else NULL), for
 * read transactions of other threads (reg_read_begin) while it follows. Borrowed: valid
 * until fed_mirror_free. Any thread.
 */
struct reg *fed_mirror_copy(struct fed_mirror *m);

/** A consistent copy of the follower's state. */
void fed_mirror_status(struct fed_mirror *m, struct fed_mirror_status *out);

/** The follower of this process (`role mirror`), or NULL; set by fed_mirror_start. */
struct fed_mirror *fed_mirror_global(void);

/**
 * Append the follower's lines for /healthz ("NAME of URL: following, head N, ..." where NAME is
 * o->name) and /metrics (idr_mirror_* in Prometheus text format) to w.
 */
void fed_mirror_health(struct fed_mirror *m, struct wbuf *w);
void fed_mirror_metrics(struct fed_mirror *m, struct wbuf *w);

/**
 * The follower's state as a JSON object: {"seq":N,"primaryHead":N,"lag":N,"lagSeconds":S,
 * "rebootstraps":N,"rebootstrapping":true|false,"ok":true|false,"error":"..."|null}
 * (GET /api/v1/nodes "backup").
 */
void fed_mirror_json(struct fed_mirror *m, struct wbuf *w);

#endif /* IDR_RESOLVER_FED_MIRROR_H */
