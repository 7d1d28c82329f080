/*
 * sess.h - sessions and pending authentication challenges, shared by every worker: a client
 * may send its challenge answer over another connection, UDP datagram or worker than the
 * request that was challenged, and an HTTP session lives across connections.
 *
 * An entry is keyed by a random 32-bit id (never 0) and holds: a nonce (the challenge sent),
 * an expiry (monotonic milliseconds, pushed forward on use), the identity once authenticated,
 * the request waiting for the answer of its challenge (owned bytes), and for Handle sessions
 * the session key and the last session counter seen (replay defence). The table is bounded
 * (max entries); when full, expired entries are dropped first and a create that still finds
 * no room fails with IDR_EAGAIN (answer busy). Callers work on copies (struct sess): get,
 * change, put back.
 *
 * Thread-safety: all functions may be called from any thread (one mutex; entries are small
 * and operations rare next to resolutions).
 */
#ifndef IDR_RESOLVER_CORE_SESS_H
#define IDR_RESOLVER_CORE_SESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "core/auth.h"

#define SESS_NONCE_LEN   16
#define SESS_KEY_MAX     64
#define SESS_DIGEST_MAX  64
#define SESS_REQUEST_MAX (256u * 1024) /* a challenged request kept at most */

enum sess_kind {
	SESS_CHALLENGE = 1, /* a Handle request waiting for the answer to its challenge */
	SESS_HANDLE = 2,    /* a Handle session (SESSION_SETUP) */
	SESS_HTTP = 3       /* a REST API session (/api/sessions, Authorization: Handle) */
};

struct sess {
	uint32_t id;
	enum sess_kind kind;
	uint8_t nonce[SESS_NONCE_LEN];
	uint64_t expires_ms; /* monotonic */
	uint64_t idle_ms;    /* expiry is pushed to now + idle_ms on each sess_get */
	bool authenticated;
	char identity[AUTH_ID_MAX]; /* "index:handle" once authenticated (or claimed at setup) */
	/* the challenge of a Handle request: digest of the request and its hash type */
	uint8_t digest[SESS_DIGEST_MAX];
	size_t digest_len;
	uint8_t hash_type;
	uint32_t session_id; /* SESS_CHALLENGE: the Handle session it belongs to (0: none) */
	/* a Handle session */
	uint8_t key[SESS_KEY_MAX];
	size_t key_len;
	uint32_t counter;     /* highest session counter accepted */
	uint64_t seen;        /* bit i: counter - i was accepted (replay window of 64) */
	uint16_t mode;        /* key exchange mode */
	uint8_t cipher;       /* the session cipher (crypto.h enum crypto_cipher), 0: by version */
	uint8_t major, minor; /* protocol version the session was set up with */
	bool encrypt;         /* answers encrypted (EC) */
};

struct sess_table;

/** @return IDR_OK, IDR_EINVAL (max 0) or IDR_ENOMEM. */
int sess_table_new(struct sess_table **out, size_t max) IDR_MUSTCHECK;
void sess_table_free(struct sess_table *t); /* accepts NULL */

/**
 * Create an entry from s (expires_ms = now + idle_ms; the nonce is chosen here, random; the id
 * too unless s->id is set, then an entry with that id is replaced)
 * with an optional copy of a request (bytes, at most SESS_REQUEST_MAX).
 * @return IDR_OK (s->id, s->nonce set), IDR_EAGAIN (table full of live entries), IDR_ELIMIT
 *         (request too large), IDR_ENOMEM or IDR_ECRYPTO (no randomness).
 */
int sess_create(struct sess_table *t, struct sess *s, struct slice request,
                uint64_t now_ms) IDR_MUSTCHECK;

/**
 * Copy the entry id into *out and push its expiry forward (idle_ms).
 * @return IDR_OK, IDR_ENOENT (unknown; also id 0) or IDR_EEXPIRED (it expired: it is dropped).
 */
int sess_get(struct sess_table *t, uint32_t id, uint64_t now_ms, struct sess *out) IDR_MUSTCHECK;

/** Write back a changed copy (same id). @return IDR_OK or IDR_ENOENT (dropped meanwhile). */
int sess_put(struct sess_table *t, const struct sess *s) IDR_MUSTCHECK;

/**
 * Take the request stored with entry id (the caller frees it with free()) and drop the entry:
 * a challenge is answered once. @return IDR_OK, IDR_ENOENT or IDR_EEXPIRED.
 */
int sess_take(struct sess_table *t, uint32_t id, uint64_t now_ms, struct sess *out,
              uint8_t **request, size_t *request_len) IDR_MUSTCHECK;

/** Drop an entry (no-op if absent). */
void sess_drop(struct sess_table *t, uint32_t id);

/** Entries held now (expired ones not yet swept included). */
size_t sess_count(struct sess_table *t);

/** CLOCK_MONOTONIC in milliseconds. */
uint64_t sess_now_ms(void);

#endif /* IDR_RESOLVER_CORE_SESS_H */
