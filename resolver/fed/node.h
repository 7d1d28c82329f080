/*
 * node.h - the secondary nodes onboarded on a top level (role toplevel): each is a hosted
 * prefix (beneath the top level's node prefix, e.g. 88.118 under 88) whose prefix record
 * 0.NA/<node prefix> holds
 *
 *   index 1    HS_SITE         the node's servers (what stock clients are referred to, 302)
 *   index 2    HS_SITE.PREFIX  the same site, for the node's derived prefixes (303)
 *   index 100  HS_ADMIN        300:0.NA/<node prefix> with NODE_PERMS only
 *   index 300  HS_PUBKEY       the node key (the identity 300:0.NA/<node prefix>)
 *
 * NODE_PERMS lets the node add, modify and remove values of its own prefix record and nothing
 * else: no records under its prefix on the top level (ADD_HANDLE), no derived prefix records
 * (ADD_NA), no change of HS_ADMIN values. The node keeps indexes 1 and 2 up to date itself
 * with authenticated Handle admin operations (upward registration).
 *
 * Functions run in the caller's transaction; thread-safe (no state).
 */
#ifndef IDR_RESOLVER_FED_NODE_H
#define IDR_RESOLVER_FED_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "reg.h"

#define NODE_SITE_INDEX        1
#define NODE_PREFIX_SITE_INDEX 2
#define NODE_ADMIN_INDEX       100
#define NODE_KEY_INDEX         300
#define NODE_TAKEOVER_INDEX    10 /* the takeover mark (fed/takeover.h) */
#define NODE_TAKEOVER_TYPE     "IDR.TAKEOVER"
#define NODE_PERMS                                                                                 \
	(VALUE_ADMIN_ADD_VALUE | VALUE_ADMIN_MODIFY_VALUE | VALUE_ADMIN_REMOVE_VALUE |             \
	 VALUE_ADMIN_READ_VALUE)
#define NODE_MAX_SITES 16 /* servers in a --site list */

/** A node to onboard. */
struct node_spec {
	struct slice prefix; /* e.g. "88.118": strictly beneath the top level's node prefix */
	struct slice owner;  /* operator's name for it (non-empty) */
	struct slice pubkey; /* HS_PUBKEY encoding of the node key */
	struct slice site;   /* HS_SITE data for indexes 1 and 2, or empty: the node sends it */
};

/**
 * Onboard a node (or update its key and site): hosts the prefix (reg_prefix_add, state
 * enabled) and sets the values above. Running it again with the same data changes nothing.
 * @param outcome  REG_CREATED (new node), REG_UPDATED or REG_UNCHANGED (may be NULL).
 * @return IDR_OK, IDR_EINVAL (empty key or owner), IDR_ECONFLICT (hosted with another owner),
 *         the errors of reg_prefix_add / reg_set_values.
 */
int node_add(struct reg_wtxn *w, const struct node_spec *s,
             enum reg_outcome *outcome) IDR_MUSTCHECK;

/** An onboarded node as the top level holds it (slices borrow the transaction). */
struct node_info {
	struct slice prefix; /* as hosted */
	struct slice owner;
	struct slice pubkey;     /* HS_PUBKEY data at index 300 */
	struct slice site;       /* HS_SITE data at index 1, empty if the node has none yet */
	uint32_t site_changed;   /* unix seconds of that value's timestamp (0: none) */
	uint64_t created;        /* unix seconds the prefix was hosted */
	bool takeover;           /* taken over by the top level (fed/takeover.h) */
	uint32_t takeover_since; /* unix seconds of the takeover (0: none) */
};

typedef int (*node_fn)(void *arg, const struct node_info *n);

/**
 * Every node, in prefix order: the hosted prefixes (not the node prefix itself) whose prefix
 * record has an HS_PUBKEY at index 300. A non-zero return of cb stops and is returned.
 * @return IDR_OK, cb's return, IDR_EPROTO (a damaged record) or a store error.
 */
int node_list(struct reg_rtxn *t, node_fn cb, void *arg);

/**
 * One node as a JSON object: {"prefix", "owner", "key" (the HS_PUBKEY key type), "sites":
 * [{"server", "address", "interfaces": [{"protocol", "port", "admin", "query"}]}], "serial"
 * (of its HS_SITE; null without one), "updated" (ISO time of the HS_SITE value; null),
 * "created", "takeover" (true while the top level serves it from backup, fed/takeover.h),
 * "takeoverSince" (ISO time; null)}. @return the wbuf's error, or IDR_EPROTO when the stored
 * HS_SITE does not decode (written with "sites": [] and "error").
 */
int node_json(struct wbuf *w, const struct node_info *n) IDR_MUSTCHECK;

/**
 * HS_SITE data for a list of servers "host:port,host:port" (IP literals as site_addr_parse
 * reads them; the port serves Handle over TCP, admin and query, and UDP, query): version 1,
 * protocol 2.11, primary, hash option 2 (whole handle), servers numbered from 1.
 * @return IDR_OK, IDR_EINVAL (an entry without a port, not an IP literal, port 0, more than
 *         NODE_MAX_SITES), IDR_ETOOBIG.
 */
int node_site_build(struct wbuf *out, const char *list, uint16_t serial) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_FED_NODE_H */
