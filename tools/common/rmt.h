/*
 * rmt.h - the remote mode of `idr` (register, set, unset, delete, import --node URL): writes
 * sent to a running node through the Handle.Net REST API over HTTPS, authenticated as an
 * identity (--id INDEX:HANDLE) with its private key (--key FILE, HS_PUBKEY: challenge-response
 * over /api/sessions, RSA with SHA-256 or SM2 with SM3 and the identity handle as SM2 id) or
 * its secret (--secret-file FILE, HS_SECKEY: Basic credentials on POST /api/sessions).
 *
 * A struct rmt is one connection (kept alive, httpc.h) with one session: the session is set
 * up on the first request and sent as `Authorization: Handle sessionId="..."` afterwards;
 * when the node answers 401, or 403 with responseCode 403 (an unknown or expired session),
 * the session is set up again once and the request repeated. Writes are idempotent here
 * (PUT overwrite=false of identical content, DELETE), so a repeat cannot do harm.
 *
 * The parsers of the node's answers (rmt_session_parse, rmt_answer_parse) are sans-I/O and
 * bounded, for the unit tests and the fuzzer.
 *
 * Thread-safety: a struct rmt_cred is read-only once loaded and may be shared by threads; a
 * struct rmt is used by one thread at a time. Create every struct rmt before starting
 * threads (libcurl's global start-up is not thread-safe).
 */
#ifndef IDR_TOOLS_COMMON_RMT_H
#define IDR_TOOLS_COMMON_RMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "client/httpc.h"
#include "model/value.h"

#define RMT_SESSION_MAX 8     /* hex digits of a session id */
#define RMT_NONCE_MAX   64    /* bytes of a decoded nonce */
#define RMT_MSG_MAX     512   /* a message of the node, NUL included */
#define RMT_ERR_MAX     1024  /* rmt_errmsg, NUL included */
#define RMT_JSON_MAX    65536 /* bytes of a session or error answer that are parsed */
#define RMT_SECRET_MAX  1024  /* bytes of a secret file (the node's Basic password cap) */

/** The options shared by the remote commands (borrowed from argv). */
struct rmt_opts {
	const char *node;        /* --node https://HOST:PORT */
	const char *key_file;    /* --key FILE */
	const char *secret_file; /* --secret-file FILE */
	const char *id;          /* --id INDEX:HANDLE */
	const char *cacert;      /* --cacert FILE */
	bool insecure;           /* --insecure */
};

/* getopt_long codes of the remote options (rmt_opt_take); above any character */
enum {
	RMT_OPT_NODE = 0x300,
	RMT_OPT_KEY,
	RMT_OPT_SECRET,
	RMT_OPT_ID,
	RMT_OPT_CACERT,
	RMT_OPT_INSECURE
};

/* The struct option entries of the remote options, for a command's longopts table. */
#define RMT_LONGOPTS                                                                               \
	{"node", required_argument, NULL, RMT_OPT_NODE},                                           \
	        {"key", required_argument, NULL, RMT_OPT_KEY},                                     \
	        {"secret-file", required_argument, NULL, RMT_OPT_SECRET},                          \
	        {"id", required_argument, NULL, RMT_OPT_ID},                                       \
	        {"cacert", required_argument, NULL, RMT_OPT_CACERT},                               \
	{                                                                                          \
		"insecure", no_argument, NULL, RMT_OPT_INSECURE                                    \
	}

/* Help text of the remote options (for a command's usage). */
#define RMT_HELP                                                                                   \
	"remote mode (send the change to a running node over HTTPS instead of --data):\n"          \
	"  --node URL         the node's HTTPS address, e.g. https://node.example:8443\n"          \
	"  --id INDEX:HANDLE  the identity to write as, e.g. 300:88.118.8/ADMIN\n"                 \
	"  --key FILE         its private key (PEM, from idr keygen; HS_PUBKEY identities)\n"      \
	"  --secret-file FILE its secret (HS_SECKEY identities; one line)\n"                       \
	"  --cacert FILE      CA certificates to verify the node with (default: the system's)\n"   \
	"  --insecure         do not verify the node's certificate\n"

/**
 * Take option c (a RMT_OPT_* code) with its argument into o.
 * @return true if c was a remote option.
 */
bool rmt_opt_take(struct rmt_opts *o, int c, const char *arg);

/**
 * Check the combination of options: --node needs --id and exactly one of --key and
 * --secret-file; --key, --secret-file, --id, --cacert and --insecure need --node; --node
 * excludes --data (data_given).
 * @param why  on error, a static text for a usage error.
 * @return IDR_OK (remote when o->node is set) or IDR_EINVAL.
 */
int rmt_opts_check(const struct rmt_opts *o, bool data_given, const char **why);

/** An identity with its key or secret. */
struct rmt_cred;

/**
 * Load the identity of o: parse --id, read the key (crypto_key_load: must hold a private RSA
 * or SM2 key) or the secret file (at most RMT_SECRET_MAX bytes, one trailing line end
 * dropped, not empty).
 * @param err  on error, what is wrong, naming the file.
 * @return IDR_OK (free with rmt_cred_free), IDR_EINVAL, IDR_ELIMIT, a negated errno, IDR_ENOMEM.
 */
int rmt_cred_load(struct rmt_cred **out, const struct rmt_opts *o, char *err,
                  size_t cap) IDR_MUSTCHECK;

/** Free c (NULL accepted); the secret is wiped. */
void rmt_cred_free(struct rmt_cred *c);

/** The identity as "INDEX:HANDLE". Lives as long as c. */
const char *rmt_cred_id(const struct rmt_cred *c);

/** The answer of POST /api/sessions or PUT /api/sessions/this. */
struct rmt_session {
	char id[RMT_SESSION_MAX + 1]; /* 1..8 hex digits */
	uint8_t nonce[RMT_NONCE_MAX];
	size_t nonce_len; /* >= 1 */
	bool authenticated;
	char error[RMT_MSG_MAX]; /* "error" member ("" if none), control characters as '?' */
};

/**
 * Parse a session answer: a JSON object with "sessionId" (1..8 hex digits), "nonce" (base64
 * of 1..RMT_NONCE_MAX bytes), optional "authenticated" (boolean), "error" and "id" (strings);
 * other members are ignored.
 * @param why  on error, a static text naming the problem.
 * @return IDR_OK, IDR_EPROTO (not such an object) or IDR_ELIMIT (body over RMT_JSON_MAX).
 */
int rmt_session_parse(struct slice body, struct rmt_session *out, const char **why) IDR_MUSTCHECK;

/** The JSON part of a write answer: {"responseCode":N,"handle":..,"message":..}. */
struct rmt_answer {
	long response_code;        /* -1 when absent or not an integer */
	char message[RMT_MSG_MAX]; /* "" when absent; control characters as '?' */
};

/**
 * Parse a write answer body. A body that is not such an object (empty, HTML, cut off) gives
 * response_code -1 and an empty message; that is not an error.
 * @return IDR_OK, or IDR_ELIMIT (body over RMT_JSON_MAX: nothing parsed).
 */
int rmt_answer_parse(struct slice body, struct rmt_answer *out);

/**
 * Append the REST path of a record: "/api/handles/" and id percent-encoded (unreserved
 * characters and '/' kept), then query ("?..." or "", copied as is).
 * @return IDR_OK or the wbuf's error.
 */
int rmt_path(struct wbuf *w, struct slice id, const char *query);

/**
 * Append values as the JSON array of a PUT body (vjson_write_value each).
 * @return IDR_OK or an error of vjson_write_value.
 */
int rmt_values_json(struct wbuf *w, const struct value *v, size_t n);

/** A connection with its session. */
struct rmt;

/**
 * A client of o->node as cred (borrowed; must outlive the client). Nothing is sent yet.
 * @param err  on error, why (a bad URL, no memory).
 * @return IDR_OK (free with rmt_free), IDR_EINVAL (--node is not a URL) or IDR_ENOMEM.
 */
int rmt_new(struct rmt **out, const struct rmt_opts *o, const struct rmt_cred *cred, char *err,
            size_t cap) IDR_MUSTCHECK;

/** End the session (DELETE /api/sessions/this, errors ignored) and free r (NULL accepted). */
void rmt_free(struct rmt *r);

/** A request's result. Borrowed from the client until its next request. */
struct rmt_resp {
	int status;           /* HTTP status */
	struct slice body;    /* the body as received */
	struct rmt_answer an; /* its JSON part (rmt_answer_parse) */
};

/**
 * Send a request; with auth, inside the session (set up first when there is none, set up
 * again once on a 401 or an authentication 403). body: a JSON document (PUT) or empty.
 * @return IDR_OK (any HTTP status: read out->status); IDR_EAUTH (the session could not be
 *         authenticated: wrong key or secret, unknown identity), IDR_EDENIED (the node refused
 *         to open a session, e.g. over plain HTTP), or a transport error of httpc_request.
 *         rmt_errmsg says more.
 */
int rmt_request(struct rmt *r, enum httpc_method m, const char *path, struct slice body, bool auth,
                struct rmt_resp *out) IDR_MUSTCHECK;

/** Why the last rmt_request failed ("" after a success). Lives until the next request. */
const char *rmt_errmsg(const struct rmt *r);

/** The node's base URL. */
const char *rmt_url(const struct rmt *r);

#endif /* IDR_TOOLS_COMMON_RMT_H */
