/*
 * nodeop.h - one change to the secondary nodes of a top level (role toplevel): onboard a node
 * (fed/node.h), take it over or release it (fed/takeover.h). The one code path of both forms
 * of `idr node add|takeover|release`: the local command applies it in its own write
 * transaction; POST /api/v1/nodes[/{prefix}/takeover|release] (http/api_nodes.h) applies it
 * as a job of idrd's writer. Both print the same message (nodeop_message).
 *
 * An operation is filled by the caller (nodeop_init, then the setters), applied once inside a
 * write transaction (nodeop_apply), and its outcome is read back. Thread-safety: none (one
 * operation is used by one thread at a time; operations are independent).
 */
#ifndef IDR_RESOLVER_FED_NODEOP_H
#define IDR_RESOLVER_FED_NODEOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "pfx.h"
#include "reg.h"

#define NODEOP_KEY_MAX  4096 /* bytes of a node key's HS_PUBKEY encoding */
#define NODEOP_SITE_MAX 8192 /* bytes of HS_SITE data */
#define NODEOP_MSG_MAX  1024

/** What to do. */
enum nodeop_kind { NODEOP_ADD = 1, NODEOP_TAKEOVER, NODEOP_RELEASE };

/** Why an operation failed (beyond its registry code), for the message and HTTP status. */
enum nodeop_why {
	NODEOP_WHY_NONE = 0,
	NODEOP_WHY_INPUT,     /* bad input (400) */
	NODEOP_WHY_NO_NODE,   /* no such node (404) */
	NODEOP_WHY_NO_BACKUP, /* takeover: the top level has no backup copy of it (409) */
	NODEOP_WHY_NO_SITE,   /* takeover: no --site and no HS_SITE of the top level (409) */
	NODEOP_WHY_TAKEN,     /* takeover: already taken over (409) */
	NODEOP_WHY_NOT_TAKEN, /* release: not taken over (409) */
	NODEOP_WHY_CONFLICT,  /* add: the prefix is hosted with another owner (409) */
	NODEOP_WHY_STORE      /* a store failure (500) */
};

/** One operation (about 13 KB: allocate it on the heap in request paths). */
struct nodeop {
	enum nodeop_kind kind;
	char prefix[PFX_MAX_LEN + 1];  /* the node's prefix, e.g. "88.118" */
	char top[PFX_MAX_LEN + 1];     /* the top level's node prefix ("" unknown) */
	char owner[PFX_MAX_OWNER + 1]; /* add: the operator's name ("" = "node PREFIX") */
	uint8_t key[NODEOP_KEY_MAX];   /* add: HS_PUBKEY encoding of the node key */
	size_t key_len;
	uint8_t site[NODEOP_SITE_MAX]; /* add: the node's site; takeover: the top level's */
	size_t site_len;               /* 0: none given */
	bool backup;                   /* takeover: the top level has a backup copy */
	uint32_t now;                  /* unix seconds of the change */

	/* the outcome, set by nodeop_apply */
	enum reg_outcome outcome; /* add: created, updated or unchanged */
	enum nodeop_why why;
	char msg[NODEOP_MSG_MAX]; /* what happened, for people (success or failure) */
};

/**
 * Start an operation of kind on node prefix (now: the change's time).
 * @return IDR_OK, or IDR_EINVAL (prefix empty, longer than PFX_MAX_LEN or with a NUL; msg set).
 */
int nodeop_init(struct nodeop *op, enum nodeop_kind kind, struct slice prefix,
                uint32_t now) IDR_MUSTCHECK;

/**
 * Servers as "IP:PORT[,IP:PORT...]" (node_site_build): the node's site (add) or the top
 * level's (takeover). @return IDR_OK or IDR_EINVAL (msg names the problem).
 */
int nodeop_set_site(struct nodeop *op, const char *list) IDR_MUSTCHECK;

/**
 * The node key (add) as its HS_PUBKEY encoding (checked: a key crypto.h can load).
 * @return IDR_OK, IDR_EINVAL or IDR_ELIMIT (msg set).
 */
int nodeop_set_key(struct nodeop *op, struct slice hs_pubkey) IDR_MUSTCHECK;

/** The operator's name (add). @return IDR_OK or IDR_ELIMIT/IDR_EINVAL (msg set). */
int nodeop_set_owner(struct nodeop *op, struct slice owner) IDR_MUSTCHECK;

/**
 * Apply op in w. A takeover without a site given takes the HS_SITE of the top level's own
 * prefix record 0.NA/<op->top>; a takeover is refused unless op->backup. A failure changes
 * nothing. Sets op->why and op->msg on every outcome.
 * @return IDR_OK or an error (op->why says which kind).
 */
int nodeop_apply(struct nodeop *op, struct reg_wtxn *w) IDR_MUSTCHECK;

/**
 * The outcome message for rc (nodeop_apply's result, or a failure before it, e.g. the
 * writer's store error): op->msg when apply set it, else a text built for rc. Lives as long
 * as op.
 */
const char *nodeop_message(struct nodeop *op, int rc);

/** The HTTP status of op's outcome rc (200 for success; 201 for a new node). */
int nodeop_http_status(const struct nodeop *op, int rc);

#endif /* IDR_RESOLVER_FED_NODEOP_H */
