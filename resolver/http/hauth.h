/*
 * hauth.h - who sent an HTTP request: the Authorization schemes of the Handle.Net REST API
 * (ref/handle.md §7), checked against the identities of the registry (core/auth.h).
 *
 * - `Basic base64("<index>%3A<handle>:<secret>")`: the user is index:handle with '%' and ':'
 *   percent-encoded; the password must match the identity's HS_SECKEY (auth_secret_match).
 * - `Handle sessionId="..."` (and the challenge-response that authenticates a session): see
 *   http/sessions.h when present.
 * - `Bearer <token>`: a token of the national API's login (http/idis.h, core/token.h).
 * Credentials count only over TLS: over plain HTTP a write is refused before they are looked at.
 * Secrets never reach a log or an answer.
 */
#ifndef IDR_RESOLVER_HTTP_HAUTH_H
#define IDR_RESOLVER_HTTP_HAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/auth.h"
#include "core/token.h"
#include "http/req.h"

#define HAUTH_SECRET_MAX 1024 /* bytes of a Basic password */

/** An authenticated client. */
struct hauth {
	struct auth_id id;           /* handle points into idbuf */
	char idbuf[AUTH_ID_MAX];     /* the handle, NUL-terminated */
	char text[AUTH_ID_MAX + 12]; /* "index:handle", for the journal and logs */
	bool node_admin;             /* one of the configured server_admins */
};

/** Outcome of http_authenticate. */
enum hauth_result {
	HAUTH_OK = 0,     /* *a is the client */
	HAUTH_NONE = 1,   /* no Authorization field */
	HAUTH_BAD = 2,    /* malformed or unknown scheme (msg says what) */
	HAUTH_FAILED = 3, /* unknown identity, wrong secret, not a secret-key identity (msg) */
	HAUTH_ERROR = 4   /* store failure */
};

/**
 * Authenticate q in the worker's read transaction t.
 * @param msg  receives a message for the client on failure (never the secret).
 */
enum hauth_result http_authenticate(struct http_req *q, struct reg_rtxn *t, struct hauth *a,
                                    char *msg, size_t cap);

/**
 * Decode the user part of Basic credentials: "<index>%3A<handle>" percent-decoded into buf.
 * @return IDR_OK or IDR_EINVAL (bad escape, not index:handle, too long).
 */
int hauth_basic_user(struct slice user, char *buf, size_t cap, struct auth_id *id) IDR_MUSTCHECK;

/** Set the node secret for bearer tokens (copied; before the workers start). NULL: none. */
void hauth_set_token_key(const struct token_key *k);

/** The node secret for tokens, or NULL when none is set (valid until the next set). */
const struct token_key *hauth_token_key(void);

/**
 * Authenticate a bearer token (core/token.h) in the read transaction t: its signature, its
 * expiry, and the identity's key still being the one it logged in with (kfp).
 * @return HAUTH_OK (a filled, node_admin set), HAUTH_FAILED (msg says why: expired, invalid,
 *         the key changed, no token key) or HAUTH_ERROR (store failure).
 */
enum hauth_result hauth_bearer(struct http_req *q, struct slice token, struct reg_rtxn *t,
                               struct hauth *a, char *msg, size_t cap);

#endif /* IDR_RESOLVER_HTTP_HAUTH_H */
