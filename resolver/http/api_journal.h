/*
 * api_journal.h - journal shipping, the primary's side (registry/repl.h for the format):
 *
 *   GET /api/v1/journal?from=SEQ[&max=N]   the journal entries from SEQ (>= 1) as stored, at
 *       most N (journal_batch_max, and about 16 MiB), as application/x-idr-journal: u64 head
 *       seq of this node, then frames (u64 seq, u32 length, the stored entry). A follower that
 *       is caught up (SEQ = head + 1) waits up to journal_wait_ms for new entries (long poll;
 *       new entries are seen within about 5 ms) and then gets the head alone. 409: SEQ is past
 *       the head + 1 (the follower holds entries this node does not: a different history);
 *       410: SEQ is no longer in the journal (folded by retention): bootstrap from a snapshot.
 *       The request acknowledges every entry before SEQ: per follower, SEQ - 1 is recorded
 *       (registry/reg_follow.h) through the writer, coalesced (one acknowledgement job in
 *       flight at a time, carrying the latest seq of every follower), with its time: a
 *       caught-up follower's is refreshed every quarter of journal_follower_expire (at most
 *       every 60 s), so that only a silent follower expires and stops holding the fold.
 *   GET /api/v1/journal/snapshot   a consistent compacted copy of the store (LMDB data.mdb of
 *       one read transaction; its own meta "jrn_head" is the seq it stands at), as
 *       application/octet-stream, streamed: a thread copies (mdb_env_copyfd2, compacting)
 *       into a pipe that the worker sends on chunked as the client takes it, so memory stays
 *       at the pipe, LMDB's copy buffers and ~256 KiB of output whatever the store's size,
 *       and no disk is used. A failed copy cuts the answer without its last chunk (the
 *       client sees it truncated); a client that goes away closes the pipe, the copy fails
 *       with EPIPE and its thread ends. At most 4 at once (503 beyond). HEAD
 *       answers 200 without a body.
 *
 * Who may: identities listed in journal_followers, and server_admins, authenticated with
 * HTTP Basic (index:handle and the secret of its HS_SECKEY, http/hauth.h) or a Handle session.
 * Plain HTTP is accepted (a mirror on the same host); use HTTPS between machines.
 *
 * Thread-safety: handlers run on their worker; the acknowledgement state is shared (mutex).
 */
#ifndef IDR_RESOLVER_HTTP_API_JOURNAL_H
#define IDR_RESOLVER_HTTP_API_JOURNAL_H

#include <stdbool.h>

#include "http/req.h"

struct writer;

/**
 * Where acknowledgements go (NULL: nowhere, e.g. a mirror, which has no writer). Call before
 * the workers start, and with NULL after they stopped and before the writer is freed.
 */
void http_journal_set_writer(struct writer *wr);

/**
 * On a mirror (role mirror): a write over HTTP (PUT, POST or DELETE to the REST API, the
 * national API, EPCIS capture, prefix applications; not Handle messages, whose admin
 * operations answer 7 RC_SERVER_BACKUP, nor queries sent with POST) is answered 307 Temporary
 * Redirect to the same target at `primary`, with a JSON body {"responseCode":7,...} naming
 * it: clients that follow redirects repeat the request (method and body kept, which 301/302
 * do not promise) at the primary, the others read where to go. @return true if q was answered.
 */
bool http_mirror_refer(struct http_req *q);

/** GET /api/v1/journal. */
void http_api_journal(struct http_req *q);

/** GET /api/v1/journal/snapshot. */
void http_api_journal_snapshot(struct http_req *q);

/**
 * Wait until every snapshot thread has ended. Call after the HTTP workers are freed (their
 * connections closed, so every copy ends at its closed pipe) and before the store is closed.
 */
void http_journal_snapshots_wait(void);

#endif /* IDR_RESOLVER_HTTP_API_JOURNAL_H */
