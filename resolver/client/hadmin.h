/*
 * hadmin.h - a client of the Handle admin protocol (ref/handle.md §2.7, §3.3-3.7), speaking as
 * a stock Handle.Net 9 client does (/work/hdljava/FLOW.md): a Diffie-Hellman session (mode 4)
 * set up with a certified request whose HS_SIGNED answer is verified against the server's
 * HS_SITE key, admin requests in the session with an HS_MAC credential (session counter from
 * 1), 402 challenges answered with the identity's key (HS_PUBKEY: SHA256withRSA, DSA, SM2
 * over SM3 with the identity as SM2 id; HS_SECKEY: the PBKDF2-HMAC-SHA1 form), and the admin
 * operations CREATE / ADD / MODIFY / REMOVE / DELETE / LIST_HANDLES and the IDIS login (2001).
 *
 * Two layers:
 *  - messages (sans-I/O): hadmin_setup_encode / hadmin_setup_finish, hadmin_request_encode,
 *    hadmin_answer_encode, hadmin_result_read, hadmin_signed_verify. They build request units
 *    into a wbuf and read answer units; the tests drive a server in memory with them.
 *  - transport: hadmin_connect then hadmin_do moves those messages over UDP (session setup,
 *    then TCP if UDP stays silent) and TCP (admin requests; one connection per message as
 *    Java, or one kept-alive connection with KC), or every message over HTTP(S)
 *    (Handle-over-HTTP, ref/handle.md §5: a POST of application/x-hdl-message to
 *    /<handle>, one kept-alive connection of client/httpc.h); answers challenges, sets up a
 *    new session when the server forgot the old one (rc 500) and reads LIST_HANDLES streams
 *    (over HTTP: every message of the stream in the one answer body, hadmin_http_body_next).
 *
 * A struct hadmin is used by one thread at a time; several may run in parallel. Keys given to
 * it are borrowed and must outlive it; the secret is copied. Errors: IDR_OK or a negative
 * code (hdlc.h's transport errors; IDR_EPROTO for a malformed or mismatched answer; IDR_EAUTH
 * when the server's signature or a challenge's digest does not verify; IDR_ECRYPTO). A Handle
 * error answer is not an error of these functions: it is reported in struct hadmin_result.
 */
#ifndef IDR_RESOLVER_CLIENT_HADMIN_H
#define IDR_RESOLVER_CLIENT_HADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/crypto.h"
#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "client/hdlc.h"
#include "client/httpc.h"
#include "hdl/addr.h"
#include "hdl/hdl.h"
#include "model/value.h"

#define HADMIN_SESSION_TIMEOUT 86400 /* seconds asked for in SESSION_SETUP (Java's default) */
#define HADMIN_DH_BITS         1024  /* DH group of the session (Java's: RFC 2409 group 2) */
#define HADMIN_PBKDF2_ITER     10000 /* HS_SECKEY answers, as Java */
#define HADMIN_PBKDF2_BITS     160
#define HADMIN_MAX_SECRET      1024 /* bytes of an HS_SECKEY secret */
#define HADMIN_MAX_CHALLENGES  2    /* consecutive 402s answered for one request (Java: 2) */
#define HADMIN_MSG_MAX         512  /* bytes of an error message kept in a result */
#define HADMIN_ERR_MAX         (HTTPC_ERR_MAX + 64) /* hadmin_errmsg, NUL included */

/** Who the client is: an identity (handle + index of its key value) and its key. */
struct hadmin_ident {
	struct slice handle;           /* e.g. "0.NA/88.118" (copied) */
	uint32_t index;                /* e.g. 300 */
	const struct crypto_key *key;  /* HS_PUBKEY identity: its private key (borrowed), or */
	struct slice secret;           /* HS_SECKEY identity: the secret (copied) */
	const struct crypto_key *site; /* the server's public key (HS_SITE), NULL: answers to
	                                  certified requests are not checked (tests only) */
};

struct hadmin;

/**
 * A client without a transport (the message layer only; hadmin_connect adds one).
 * @return IDR_OK (*out: free with hadmin_free), IDR_EINVAL (no key and no secret, both, an
 *         empty handle or index 0), IDR_ELIMIT (handle > 2048, secret > HADMIN_MAX_SECRET) or
 *         IDR_ENOMEM.
 */
int hadmin_new(struct hadmin **out, const struct hadmin_ident *id) IDR_MUSTCHECK;

/** Free (accepts NULL). Closes a kept-alive connection; sends nothing. */
void hadmin_free(struct hadmin *c);

/* ---- one admin operation ---- */

/** An admin request. Arrays and slices are borrowed for the call. */
struct hadmin_op {
	uint32_t opcode;            /* HDL_OC_CREATE_HANDLE, ADD_VALUE, MODIFY_VALUE, REMOVE_VALUE,
	                               DELETE_HANDLE, LIST_HANDLES (handle = "0.NA/<prefix>") or
	                               LOGIN_ID_SYSTEM (handle ignored: the identity logs in) */
	struct slice handle;        /* the handle acted on */
	const struct value *values; /* CREATE / ADD / MODIFY */
	size_t nvalues;
	const uint32_t *indexes; /* REMOVE */
	size_t nindexes;
	uint32_t flags; /* extra request flags: HDL_FLAG_OVRW, HDL_FLAG_MINT */
};

/** How an operation ended (a Handle answer; not a transport error). */
struct hadmin_result {
	uint32_t rc;                  /* the final answer's response code (1 = success) */
	char message[HADMIN_MSG_MAX]; /* an error answer's message (control bytes replaced) */
	char handle[HDL_MAX_HANDLE_LEN + 1]; /* CREATE: the handle created (minted with MINT) */
	bool overwritten;                    /* CREATE with OVRW: an existing handle was replaced */
	unsigned challenges;                 /* 402 challenges answered */
	bool new_session;                    /* a session was set up for this operation */
	size_t listed;                       /* LIST_HANDLES: handles received */
};

/* ---- the message layer ---- */

/** Options of the messages a client builds. */
struct hadmin_msg_opts {
	uint32_t now;    /* unix seconds: expiration = now + 12 h */
	bool keep_alive; /* set KC (ask the server to keep the TCP connection open) */
};

/**
 * Append a SESSION_SETUP request (op 400, mode 4, CT|RD|REC|CA|PO, version 2.11): a new
 * 1024-bit DH key pair is made and kept until hadmin_setup_finish; the identity is named.
 * Any session the client had is forgotten.
 * @return IDR_OK, IDR_ETOOBIG, IDR_ENOMEM or IDR_ECRYPTO.
 */
int hadmin_setup_encode(struct hadmin *c, struct wbuf *w,
                        const struct hadmin_msg_opts *o) IDR_MUSTCHECK;

/**
 * Read the answer to the last SESSION_SETUP: request id and opcode must match; an error
 * answer is reported in res (IDR_OK, res->rc != 1, no session). A success must carry the
 * request digest (RD) of the setup request, an HS_SIGNED credential verifying with the site
 * key (unless the identity gave none), mode 4 and AES; the session key is then derived
 * (crypto_dh_derive + crypto_session_key_from_dh) and the session id taken from the envelope.
 * @param answer  the parsed answer (hdl_msg_parse of one unit).
 * @return IDR_OK; IDR_EINVAL (no setup pending); IDR_EPROTO (malformed or mismatched answer,
 *         session id 0, another mode or cipher); IDR_EAUTH (signature or digest missing or
 *         wrong); IDR_ECRYPTO.
 */
int hadmin_setup_finish(struct hadmin *c, const struct hdl_msg *answer,
                        struct hadmin_result *res) IDR_MUSTCHECK;

/** The session key the client derived (valid until the next setup), or an empty slice. */
struct slice hadmin_session_key(const struct hadmin *c);

/** The current session id (0: none). */
uint32_t hadmin_session_id(const struct hadmin *c);

/** Forget the session (the next hadmin_do sets up a new one). */
void hadmin_session_drop(struct hadmin *c);

/**
 * Append an admin request for op (version 2.11, REC|CA|PO | op->flags [| KC]). In a session
 * (and for every opcode but LIST_HANDLES and LOGIN_ID_SYSTEM, which Java sends outside
 * sessions) it carries the session id and an HS_MAC credential with the next session counter
 * (HMAC-SHA256 over the ≥ 2.8 prefix and header + body). The request is remembered for a
 * challenge to it.
 * @return IDR_OK, IDR_EINVAL (unknown opcode, no values / indexes where needed), IDR_ELIMIT,
 *         IDR_ETOOBIG or IDR_ECRYPTO.
 */
int hadmin_request_encode(struct hadmin *c, struct wbuf *w, const struct hadmin_op *op,
                          const struct hadmin_msg_opts *o) IDR_MUSTCHECK;

/**
 * Append the CHALLENGE_RESPONSE (op 200) to a 402 answer to the last request: the challenge's
 * digest must be that of the request (else IDR_EAUTH, as Java's "asked to sign unidentified
 * request"); nonce ‖ digest is signed with the key (RSA / DSA: SHA-256 from 2.7 on; SM2: SM3
 * with the identity as SM2 id) or MACed with the secret (PBKDF2-HMAC-SHA1, 10000 iterations,
 * 160 bits, random 16-byte salt). Version and session id are the challenge's.
 * @param answer  the parsed 402 answer.
 * @return IDR_OK, IDR_EINVAL (no request remembered), IDR_EPROTO (not a 402 to it), IDR_EAUTH,
 *         IDR_ETOOBIG or IDR_ECRYPTO.
 */
int hadmin_answer_encode(struct hadmin *c, struct wbuf *w, const struct hdl_msg *answer,
                         const struct hadmin_msg_opts *o) IDR_MUSTCHECK;

/**
 * Read the final answer to the last request (or to its challenge answer): rc, an error's
 * message, CREATE's handle and OVRW flag, a LIST_HANDLES message's handles (each passed to
 * list_fn, which may be NULL; res->listed counts them).
 * @param more  set when the answer has CN: another LIST_HANDLES message follows (may be NULL).
 * @return IDR_OK or IDR_EPROTO (malformed body).
 */
typedef int (*hadmin_list_fn)(void *arg, struct slice handle);
int hadmin_result_read(const struct hdl_msg *m, struct hadmin_result *res, hadmin_list_fn list_fn,
                       void *arg, bool *more) IDR_MUSTCHECK;

/**
 * Verify the HS_SIGNED credential of an answer with the server's public key: the signature
 * over hdl_auth_signed_data (versions, session and request ids, counter, header + body) in the
 * hash the credential names ("SHA-256", "SHA1", "SM3").
 * @return IDR_OK, IDR_EAUTH (no credential, another type, does not verify), IDR_EPROTO
 *         (malformed credential), IDR_EINVAL (unknown hash) or IDR_ENOMEM.
 */
int hadmin_signed_verify(const struct hdl_msg *m, const struct crypto_key *site) IDR_MUSTCHECK;

/* ---- Handle-over-HTTP (sans-I/O) ---- */

/**
 * Append the path a Handle message about handle is POSTed to: "/" then the handle
 * percent-encoded as one URI component (all but A-Z a-z 0-9 - . _ ~ as %XX, '/' included),
 * as the Java client does; an empty handle (session setup, challenge answers) gives "/".
 * @return IDR_OK or the wbuf's error (IDR_ETOOBIG).
 */
int hadmin_http_path(struct wbuf *w, struct slice handle) IDR_MUSTCHECK;

/**
 * The answer units in the body of one Handle-over-HTTP answer, read in order. idrd (like
 * Handle.Net) puts every message of a streamed answer (LIST_HANDLES: CN set on all but the
 * last) in the one body; any other answer is one unit.
 */
struct hadmin_http_body {
	struct rbuf r;
	uint32_t request_id; /* every unit must carry it */
	size_t units;        /* units read */
	bool ended;          /* the unit without CN was read: the answer is complete */
};

/** Start reading body (borrowed: it must outlive the reads) for the request request_id. */
void hadmin_http_body_init(struct hadmin_http_body *b, struct slice body, uint32_t request_id);

/**
 * The next answer unit of the body (envelope + message, hdl_msg_parse).
 * @param out  on IDR_OK, the unit (slices into the body).
 * @return IDR_OK; IDR_ENOENT once the unit without CN has been read (the answer is complete);
 *         IDR_EPROTO for an empty body, a truncated or malformed unit, a unit with another
 *         request id or response code 0, bytes after the unit without CN, or a unit with CN
 *         that ends the body (the stream was cut); IDR_ELIMIT (an envelope over the protocol
 *         maximum). After an error every call fails the same way.
 */
int hadmin_http_body_next(struct hadmin_http_body *b, struct hdl_msg *out) IDR_MUSTCHECK;

/* ---- transport ---- */

/** How hadmin_do reaches the server. */
struct hadmin_net {
	struct addr server;          /* TCP (and UDP unless udp_server is set) */
	struct addr udp_server;      /* UDP when it listens elsewhere (len 0: server) */
	enum hdlc_proto setup_proto; /* SESSION_SETUP: AUTO (UDP, then TCP), UDP or TCP */
	bool session;                /* false: no session; every request is challenged */
	bool keep_alive;             /* one TCP connection with KC, else one per message */
	unsigned timeout_ms;         /* bound on each exchange (0: 10 s) */
	bool http;                   /* Handle-over-HTTP: every message, session setup included,
	                                is POSTed to http_base (server, udp_server, setup_proto
	                                and keep_alive are not used; the one HTTP connection is
	                                kept between messages) */
	struct httpc_base http_base; /* the HTTP(S) server */
	struct httpc_opts http_opts; /* its TLS options (cacert borrowed until hadmin_connect
	                                returns); timeout_ms above bounds each exchange */
};

/**
 * Give a client its transport (with http, an HTTP client of http_base; nothing is sent yet).
 * The server's key (hadmin_ident.site) should come from its HS_SITE: hadmin_site_key (TCP) or
 * hadmin_site_key_http fetches it.
 * @return IDR_OK or IDR_ENOMEM.
 */
int hadmin_connect(struct hadmin *c, const struct hadmin_net *net) IDR_MUSTCHECK;

/**
 * What went wrong in the last failed hadmin_do beyond its error code: for HTTP, the method,
 * URL and problem ("POST https://127.0.0.1:8443/...: HTTP status 403 with no Handle answer",
 * or the HTTP client's message); empty otherwise. Lives until the next hadmin_do.
 */
const char *hadmin_errmsg(const struct hadmin *c);

/**
 * Fetch the server's HS_SITE (GET_SITEINFO over TCP) and build the public key of the server
 * answering at srv (the first server of the site with a key).
 * @return IDR_OK (*out: caller frees with crypto_key_free), IDR_ENOENT (the site publishes no
 *         key), a transport error, IDR_EPROTO or the errors of crypto_key_from_hs_pubkey.
 */
int hadmin_site_key(const struct addr *srv, unsigned timeout_ms,
                    struct crypto_key **out) IDR_MUSTCHECK;

/**
 * As hadmin_site_key, with GET_SITEINFO POSTed over HTTP(S) (Handle-over-HTTP) to base.
 * @param o     the HTTP client's options (TLS); NULL: defaults.
 * @param err   on an HTTP failure, what went wrong (as hadmin_errmsg), NUL-terminated within
 *              errcap bytes (HADMIN_ERR_MAX is enough); may be NULL (errcap then ignored).
 * @return as hadmin_site_key; the HTTP client's errors (httpc.h); IDR_EPROTO when the answer
 *         is not a Handle answer.
 */
int hadmin_site_key_http(const struct httpc_base *base, const struct httpc_opts *o,
                         struct crypto_key **out, char *err, size_t errcap) IDR_MUSTCHECK;

/**
 * Carry out op: set up a session if there is none (and hadmin_net.session), send the request,
 * answer up to HADMIN_MAX_CHALLENGES challenges, and when a session the client had is refused
 * (rc 500-505) set up a new one and send the request once more. LIST_HANDLES answers are read
 * to their last message.
 * @return IDR_OK (res filled: res->rc tells the outcome) or an error (res->rc 0): a transport
 *         error, IDR_EPROTO, IDR_EAUTH, IDR_EINVAL (no transport), ...
 */
int hadmin_do(struct hadmin *c, const struct hadmin_op *op, struct hadmin_result *res,
              hadmin_list_fn list_fn, void *arg) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_CLIENT_HADMIN_H */
