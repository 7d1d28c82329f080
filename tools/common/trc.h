/*
 * trc.h - a trace as `idr trace` shows it, across nodes: the nodes reached (a graph kept in
 * the order they were reached, each identifier once), the parser of a node's trace answer
 * (GET /api/v1/trace/{h}?format=json), the walk that grafts the subtrees of identifiers the
 * asked store or node does not host from a list of peer nodes, and the writers of the tree,
 * JSON and DOT forms.
 *
 * Sources are numbered: TRC_SRC_HERE is the store or node asked first, 0..npeers-1 the peers.
 * A source is asked through a trc_fetch_fn, so the walk itself does no I/O (unit-tested with
 * fakes). Identifiers are matched by key: a handle folded to upper case (ASCII), anything else
 * (an EPC URN) as given, as the registry keys them.
 *
 * Ownership: a struct trc_graph owns every string of its nodes (trc_graph_deinit frees them).
 * Not thread-safe; a graph is used by one thread.
 */
#ifndef IDR_TOOLS_COMMON_TRC_H
#define IDR_TOOLS_COMMON_TRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"

#define TRC_JSON_MAX   (64u << 20) /* bytes of a node's trace answer */
#define TRC_ID_MAX     2048u       /* bytes of an identifier in a trace answer */
#define TRC_KIND_MAX   64u         /* bytes of a kind in a trace answer */
#define TRC_REASON_MAX 512u        /* bytes of an unreachable reason, NUL included */
#define TRC_DEPTH_MAX  64u         /* levels (REG_TRACE_MAX_DEPTH) */
#define TRC_PEERS_MAX  16u         /* peer nodes */
#define TRC_EVENT_HEX  64u         /* hex digits of an event id */
#define TRC_SRC_HERE   (-1)        /* the store or node asked first */

/** One node reached. */
struct trc_node {
	char *id;       /* as its source names it (a handle's registered spelling) */
	char *key;      /* registry key (trc_key_dup of id) */
	char *parent;   /* key of the node it was reached from; NULL for the root */
	unsigned depth; /* 0 for the root */
	char link[16];  /* "aggregation", "transformation", "association"; "" for the root */
	char event[TRC_EVENT_HEX + 1]; /* id of the event that made the link (hex), or "" */
	char *kind;                    /* NULL when not known */
	bool hosted;                   /* its prefix is hosted by the source that reported it */
	int src;           /* that source: TRC_SRC_HERE or a peer index (holds the event) */
	int grafted;       /* the peer whose subtree was grafted here, or TRC_SRC_HERE */
	char *unreachable; /* NULL, or why its subtree could not be asked of any peer */
};

/** The nodes of a trace, in the order reached; each key once. */
struct trc_graph {
	struct trc_node *v;
	size_t n, cap;
	bool truncated; /* a depth-independent cap (max nodes) stopped a walk */
	size_t *slots;  /* open addressing over keys: index + 1, 0 empty */
	size_t nslots;
};

/** Make g empty (nothing to free). */
void trc_graph_init(struct trc_graph *g);

/** Free what g owns and make it empty. Accepts an empty graph. */
void trc_graph_deinit(struct trc_graph *g);

/**
 * The key of an identifier: a handle (ident_parse) folded to upper case, anything else as is.
 * @return a malloc'ed string the caller frees, or NULL (out of memory).
 */
char *trc_key_dup(const char *id);

/**
 * Append a copy of n (its strings copied; key computed from id when NULL).
 * @return IDR_OK, IDR_EEXIST (that key is there: nothing added) or IDR_ENOMEM.
 */
int trc_graph_add(struct trc_graph *g, const struct trc_node *n) IDR_MUSTCHECK;

/** The index of the node with that key, or -1. */
long trc_graph_find(const struct trc_graph *g, const char *key);

/**
 * Parse a node's trace answer ({"root":..,"direction":..,"nodes":[{"id","depth","kind",
 * "parent","link","event","hosted"}..],"truncated":bool}) into out (emptied first), every node
 * marked with src. The first node is the root (depth 0); every other node names as parent an
 * earlier node one level up; keys are distinct; "hosted" absent means hosted.
 * @param err  on error, what is wrong ("nodes[3].parent: ...").
 * @return IDR_OK, IDR_EPROTO (not such an answer), IDR_ELIMIT (body over TRC_JSON_MAX, more
 *         than max_nodes nodes, a string over its cap) or IDR_ENOMEM.
 */
int trc_parse(struct slice body, int src, size_t max_nodes, struct trc_graph *out, char *err,
              size_t errlen) IDR_MUSTCHECK;

/**
 * Ask source src for the trace of id, at most depth levels and max nodes, into out (empty).
 * @param err  on error, why (shown as the unreachable reason of a peer).
 * @return IDR_OK or an error.
 */
typedef int (*trc_fetch_fn)(void *arg, int src, const char *id, unsigned depth, size_t max,
                            struct trc_graph *out, char *err, size_t errlen);

/** A walk across nodes. */
struct trc_walk {
	unsigned depth;           /* levels at most (1..TRC_DEPTH_MAX) */
	size_t max;               /* nodes at most (>= 1) */
	size_t npeers;            /* peers 0..npeers-1, asked in order */
	const char *const *peers; /* their names, for reasons */
	trc_fetch_fn fetch;
	void *arg;
};

/**
 * Trace root: ask TRC_SRC_HERE, then, in the order nodes were reached, for each node whose
 * prefix its source does not host (and with levels left), ask the peers in order for its
 * subtree (depth: the levels left; max: the room left) until one hosts it, and graft that
 * subtree's nodes not reached before (a visited set across grafts: cycles across nodes do not
 * loop). A node no peer answers gets unreachable = "no peer answers: NAME: why; ...". Without
 * peers nothing is grafted or marked.
 * @param err  on error, why the first source failed.
 * @return IDR_OK, or the first source's error (out then holds nothing).
 */
int trc_walk_run(const struct trc_walk *w, const char *root, struct trc_graph *out, char *err,
                 size_t errlen) IDR_MUSTCHECK;

/* ---- the site of a node found through prefix records */

#define TRC_SITE_MAX 16u  /* servers with an HTTP interface kept of a site */
#define TRC_URL_MAX  300u /* "https://[ADDR]:PORT" and its NUL */

/** The HTTP(S) query interfaces of a site (an HS_SITE value of a prefix record). */
struct trc_site {
	unsigned hash_option; /* the site's hash option (HDL_HASH_BY_*; hashOption, default 2) */
	uint32_t nservers;    /* servers the HS_SITE lists, with an HTTP interface or not */
	size_t n;             /* servers with one (url[0..n-1]), in HS_SITE order */
	uint32_t server[TRC_SITE_MAX];       /* url[i]'s server: its position in the HS_SITE */
	char url[TRC_SITE_MAX][TRC_URL_MAX]; /* "http[s]://HOST:PORT" ([ADDR] for IPv6) */
};

/**
 * Read the site of a REST API answer for a prefix record (GET /api/handles/0.NA/P, values in
 * the vjson form): the first HS_SITE or HS_SITE.PREFIX value that names a server with an
 * HTTP(S) query interface; of each server its first such interface (a port 1..65535; an
 * interface with "query":false is skipped). Servers past TRC_SITE_MAX with an interface, and
 * a server whose URL would not fit, are left out (still counted in nservers, so that the hash
 * picks as stock clients do).
 * @return IDR_OK, IDR_ENOENT (no such site; out zeroed), IDR_EPROTO (not a JSON object, or
 *         out of memory) or IDR_ELIMIT (body over TRC_JSON_MAX).
 */
int trc_site_read(struct slice body, struct trc_site *out) IDR_MUSTCHECK;

/**
 * The order in which site's servers are asked for id (order: site->n indexes into url): the
 * server the site's Handle hash picks for id, as stock clients do (hdl_server_hash over the
 * HS_SITE's nservers servers with its hash option), then the others in HS_SITE order (the
 * fallback when it does not answer). When the hash picks no server of url (id NULL, a hash
 * error, or the chosen server has no HTTP interface): HS_SITE order.
 * @return the position in the HS_SITE of the server the hash picked, or -1.
 */
long trc_site_order(const struct trc_site *site, const char *id, size_t *order);

/**
 * The indented tree: the root, then each node's children under it, two spaces a level:
 * "ID (kind)  [link]  (unreachable: why)". @return IDR_OK, IDR_ENOMEM or the wbuf's error.
 */
int trc_write_tree(const struct trc_graph *g, struct wbuf *w) IDR_MUSTCHECK;

/**
 * The JSON form, as the HTTP trace API answers plus "unreachable" members:
 * {"root":root,"direction":dir,"nodes":[...],"truncated":bool}, a node a line.
 * @return IDR_OK or the wbuf's error.
 */
int trc_write_json(const struct trc_graph *g, const char *root, const char *dir,
                   struct wbuf *w) IDR_MUSTCHECK;

/**
 * Graphviz DOT: an edge per link ("PARENT" -> "NODE" [label="link"]), by key; an unreachable
 * node is dashed with its reason in its label. @return IDR_OK or the wbuf's error.
 */
int trc_write_dot(const struct trc_graph *g, struct wbuf *w) IDR_MUSTCHECK;

#endif /* IDR_TOOLS_COMMON_TRC_H */
