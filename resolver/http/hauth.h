/*
 * hauth.h - who sent an HTTP request: the Authorization schemes of the Handle.Net REST API
 * (ref/handle.md §7), checked against the identities of the registry (core/auth.h).
 *
 * - `Basic base64("<index>%3A<handle>:<secret>")`: the user is index:handle with '%' and ':'
 *   percent-encoded; the password must match the identity's HS_SECKEY (auth_secret_match).
 * - `Handle sessionId="...", id="300:88.118.8/ADMIN", type="HS_PUBKEY", cnonce="<b64>",
 *   alg="SHA256", signature="<b64>"` (+ salt, iterations, length for PBKDF2-HMAC-SHA1): the
 *   identity signs (or MACs) nonce ‖ cnonce, where nonce is the session's (a 401 answer's
 *   WWW-Authenticate: Handle header, or POST /api/sessions, hands it out); the session is then
 *   authenticated, and later requests send `Handle sessionId="..."` alone. Sessions live in
 *   rsv_http_sessions, expire after session_timeout seconds idle.
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
	struct auth_id id;       /* handle points into idbuf */
	char idbuf[AUTH_ID_MAX]; /* the handle, NUL-terminated */
	char text[AUTH_ID_MAX];  /* "index:handle", for the journal and logs */
	bool node_admin;         /* one of the configured server_admins */
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

/** Fields of an `Authorization: Handle` header (or the JSON body of PUT /api/sessions/this);
 *  slices into the request. */
struct hauth_params {
	struct slice version, session_id, id, type, cnonce, alg, signature, salt, iterations,
	        length;
};

/**
 * Parse the parameters after "Handle ": comma-separated key=value, values quoted (without
 * backslashes) or tokens; unknown keys are ignored, a repeated key is an error.
 * @return IDR_OK or IDR_EPROTO (malformed; *why says where).
 */
int hauth_params_parse(struct slice text, struct hauth_params *out, const char **why) IDR_MUSTCHECK;

/**
 * Authenticate an HTTP session with p (identity, cnonce, signature), or accept it as already
 * authenticated when p names only the session. On HAUTH_OK *a is the session's identity.
 */
enum hauth_result hauth_session(struct http_req *q, struct reg_rtxn *t,
                                const struct hauth_params *p, struct hauth *a, char *msg,
                                size_t cap);

/**
 * A new unauthenticated session and its challenge, for a 401 answer:
 * `WWW-Authenticate: Handle sessionId="<id>", nonce="<b64>"` is added to q. Sessions exhausted:
 * no header (the Basic challenge still goes). @return IDR_OK or an error.
 */
int hauth_challenge(struct http_req *q) IDR_MUSTCHECK;

/** The session id as sent in headers and JSON (8 lower-case hex digits). */
void hauth_session_text(uint32_t id, char out[9]);

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
