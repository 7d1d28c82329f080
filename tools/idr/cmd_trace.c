/*
 * cmd_trace.c - `idr trace` and `idr events`: an item's lifecycle from the local data
 * directory — the link graph walked back (what it is made of, where its parts came from) or
 * forward (where a part or lot went), and its timeline of events.
 *
 * Identifiers are looked up as the registry keys them: a handle folded to upper case (ASCII),
 * anything else (an EPC URN) as given.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/crypto.h"
#include "client/httpc.h"
#include "common/cli.h"
#include "common/trc.h"
#include "idr/cmd.h"
#include "life/capture.h"
#include "life/event.h"
#include "model/ident.h"
#include "model/rec.h"
#include "model/vjson.h"
#include "reg.h"

enum trace_format { FMT_TREE = 0, FMT_JSON, FMT_DOT, FMT_SVG, FMT_EPCIS };

#define TRACE_ENV_PEERS "IDR_PEERS"
#define TRACE_HTTP_MAX  100000 /* max= a node's trace API takes */
#define TRACE_PEERS_TXT (TRC_PEERS_MAX * (HTTPC_URL_MAX + 8))

struct trace_args {
	const char *data;
	const char *id;
	const char *node, *cacert;
	bool insecure;
	const char *peers[TRC_PEERS_MAX];
	size_t npeers;
	char peers_env[TRACE_PEERS_TXT]; /* IDR_PEERS split in place */
	enum reg_trace_dir dir;
	uint64_t depth, max;
	int64_t at_ms, from_ms, to_ms;
	uint64_t limit;
	enum trace_format fmt;
	bool json, stats;
};

/* ISO-8601 time (as the JSON API writes it) into milliseconds. */
static int
time_opt(const struct cli_cmd *self, const char *name, const char *s, int64_t *out)
{
	uint32_t t;

	if (vjson_time_parse(s, strlen(s), &t) != IDR_OK) {
		return cli_usage_errorf(self, "%s: a time such as 2024-02-01T10:00:00Z", name);
	}
	*out = (int64_t)t * 1000;
	return CLI_EXIT_OK;
}

static int
format_opt(const struct cli_cmd *self, const char *v, struct trace_args *a)
{
	static const char *const names[] = {"tree", "json", "dot", "svg", "epcis"};
	static const enum trace_format fmts[] = {FMT_TREE, FMT_JSON, FMT_DOT, FMT_SVG, FMT_EPCIS};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(v, names[i]) == 0) {
			a->fmt = fmts[i];
			return CLI_EXIT_OK;
		}
	}
	return cli_usage_errorf(self, "--format: tree, json, epcis, dot or svg");
}

/* --node, --peer, --cacert, --insecure. */
static int
remote_opt(const struct cli_cmd *self, int c, const char *v, struct trace_args *a)
{
	switch (c) {
	case 'N':
		a->node = v;
		break;
	case 'P':
		if (a->npeers == TRC_PEERS_MAX) {
			return cli_usage_errorf(self, "--peer: at most %u peers", TRC_PEERS_MAX);
		}
		a->peers[a->npeers++] = v;
		break;
	case 'C':
		a->cacert = v;
		break;
	default:
		a->insecure = true;
		break;
	}
	return CLI_EXIT_OK;
}

/* Without --peer: the peers of $IDR_PEERS (comma-separated URLs). */
static int
peers_env(const struct cli_cmd *self, struct trace_args *a)
{
	const char *env = getenv(TRACE_ENV_PEERS);
	char *save = NULL;

	if (a->npeers > 0 || env == NULL || env[0] == '\0') {
		return CLI_EXIT_OK;
	}
	if (strlen(env) >= sizeof(a->peers_env)) {
		return cli_usage_errorf(self, "$%s: too long", TRACE_ENV_PEERS);
	}
	memcpy(a->peers_env, env, strlen(env) + 1);
	for (char *p = strtok_r(a->peers_env, ",", &save); p != NULL;
	     p = strtok_r(NULL, ",", &save)) {
		if (a->npeers == TRC_PEERS_MAX) {
			return cli_usage_errorf(self, "$%s: at most %u peers", TRACE_ENV_PEERS,
			                        TRC_PEERS_MAX);
		}
		a->peers[a->npeers++] = p;
	}
	return CLI_EXIT_OK;
}

/* The combinations `idr trace` refuses, then the peers of $IDR_PEERS. */
static int
trace_check(const struct cli_cmd *self, struct trace_args *a)
{
	if (a->dir == 0) {
		return cli_usage_errorf(self, "give --back or --forward");
	}
	if (a->node != NULL && a->data != NULL) {
		return cli_usage_errorf(self, "give --node or --data, not both");
	}
	if ((a->cacert != NULL || a->insecure) && a->node == NULL && a->npeers == 0 &&
	    getenv(TRACE_ENV_PEERS) == NULL) {
		return cli_usage_errorf(self, "--cacert and --insecure go with --node or --peer");
	}
	return peers_env(self, a);
}

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct trace_args *a, bool trace)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},   {"back", no_argument, NULL, 'b'},
	        {"forward", no_argument, NULL, 'f'},      {"depth", required_argument, NULL, 'D'},
	        {"max", required_argument, NULL, 'M'},    {"at", required_argument, NULL, 'a'},
	        {"format", required_argument, NULL, 'F'}, {"from", required_argument, NULL, 'r'},
	        {"to", required_argument, NULL, 't'},     {"limit", required_argument, NULL, 'l'},
	        {"json", no_argument, NULL, 'j'},         {"stats", no_argument, NULL, 's'},
	        {"node", required_argument, NULL, 'N'},   {"peer", required_argument, NULL, 'P'},
	        {"cacert", required_argument, NULL, 'C'}, {"insecure", no_argument, NULL, 'k'},
	        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	int c, rc = CLI_EXIT_OK;

	a->depth = 16;
	a->max = 10000;
	a->at_ms = INT64_MAX;
	a->from_ms = INT64_MIN;
	a->to_ms = INT64_MAX;
	cli_getopt_reset();
	while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (!trace && strchr("bfDMaFNPCks", c) != NULL) {
			return cli_bad_option(self, c, argv);
		}
		if (trace && strchr("rtlj", c) != NULL) {
			return cli_bad_option(self, c, argv);
		}
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'b':
		case 'f':
			if (a->dir != 0) {
				return cli_usage_errorf(self, "give one of --back and --forward");
			}
			a->dir = c == 'b' ? REG_TRACE_BACK : REG_TRACE_FORWARD;
			break;
		case 'D':
			rc = cli_parse_u64(self, "--depth", optarg, 1, REG_TRACE_MAX_DEPTH,
			                   &a->depth);
			break;
		case 'M':
			rc = cli_parse_u64(self, "--max", optarg, 1, 1000000, &a->max);
			break;
		case 'l':
			rc = cli_parse_u64(self, "--limit", optarg, 1, 1000000, &a->limit);
			break;
		case 'a':
			rc = time_opt(self, "--at", optarg, &a->at_ms);
			break;
		case 'r':
			rc = time_opt(self, "--from", optarg, &a->from_ms);
			break;
		case 't':
			rc = time_opt(self, "--to", optarg, &a->to_ms);
			break;
		case 'j':
			a->json = true;
			break;
		case 's':
			a->stats = true;
			break;
		case 'N':
		case 'P':
		case 'C':
		case 'k':
			rc = remote_opt(self, c, optarg, a);
			break;
		case 'F':
			rc = format_opt(self, optarg, a);
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (argc - optind != 1) {
		return cli_usage_errorf(self, argc - optind == 0 ? "missing the identifier"
		                                                 : "give exactly one identifier");
	}
	a->id = argv[optind];
	return trace ? trace_check(self, a) : CLI_EXIT_OK;
}

/*
 * The registry key of an identifier (life/capture.h life_capture_subject: a handle, its URL,
 * its EPC URN or Digital Link alike); as given if it has none.
 */
static struct slice
key_of(struct reg_rtxn *t, const char *id, uint8_t *buf, size_t cap)
{
	int n = life_capture_subject(t, id, (char *)buf, cap);

	return n > 0 ? slice_make(buf, (size_t)n) : slice_cstr(id);
}

static const char *
link_name(enum reg_link_kind k)
{
	switch (k) {
	case REG_LINK_AGGREGATION:
		return "aggregation";
	case REG_LINK_TRANSFORMATION:
		return "transformation";
	case REG_LINK_ASSOCIATION:
		return "association";
	default:
		return "";
	}
}

/* The sources of a trace: the local store or --node (TRC_SRC_HERE), and the peers. */
struct tsrc {
	const struct trace_args *a;
	struct reg_rtxn *t;                /* local mode */
	struct httpc *node;                /* --node */
	struct httpc *peer[TRC_PEERS_MAX]; /* made when first asked */
	/* peers found through the federation: their site (NULL: a --peer URL), the clients of
	 * its servers made when first asked */
	struct trc_site *site[TRC_PEERS_MAX];
	struct httpc *sc[TRC_PEERS_MAX][TRC_SITE_MAX];
	struct trc_graph *g; /* local fetch: where steps go */
	int rc;
};

/* Is key's prefix hosted (and enabled) by the store? Not a handle: keyed here, so yes. */
static bool
key_hosted(struct reg_rtxn *t, struct slice key)
{
	struct ident id;

	if (ident_parse(&id, key.p, key.len, NULL) != IDR_OK || !id.has_slash) {
		return true;
	}
	return reg_prefix_check(t, id.prefix) == IDR_OK;
}

/* reg_trace callback of a local fetch: the step as a node of the graph. */
static int
on_step(void *arg, const struct reg_trace_step *st)
{
	struct tsrc *s = arg;
	struct trc_node n;
	struct rec_view rec;
	char id[REG_EVENT_KEY_MAX + 1], key[REG_EVENT_KEY_MAX + 1], parent[REG_EVENT_KEY_MAX + 1];
	char kind[TRC_KIND_MAX + 1];
	struct slice name = st->node;

	memset(&n, 0, sizeof(n));
	if (reg_get(s->t, st->node, &rec) == IDR_OK) {
		name = rec.handle;
		if (rec.kind != REC_KIND_NONE) {
			(void)snprintf(kind, sizeof(kind), "%s",
			               rec_kind_name((enum rec_kind)rec.kind));
			n.kind = kind;
		}
	}
	if (name.len > REG_EVENT_KEY_MAX || st->node.len > REG_EVENT_KEY_MAX ||
	    st->parent.len > REG_EVENT_KEY_MAX) {
		s->rc = IDR_ELIMIT;
		return 1;
	}
	memcpy(id, name.p, name.len);
	id[name.len] = '\0';
	memcpy(key, st->node.p, st->node.len);
	key[st->node.len] = '\0';
	n.id = id;
	n.key = key;
	n.depth = st->depth;
	n.hosted = key_hosted(s->t, st->node);
	n.src = TRC_SRC_HERE;
	n.grafted = TRC_SRC_HERE;
	if (st->depth > 0) {
		memcpy(parent, st->parent.p, st->parent.len);
		parent[st->parent.len] = '\0';
		n.parent = parent;
		(void)snprintf(n.link, sizeof(n.link), "%s", link_name(st->kind));
		crypto_hex(st->event_id, REG_EVENT_ID_LEN, n.event);
	}
	s->rc = trc_graph_add(s->g, &n);
	return s->rc != IDR_OK ? 1 : 0;
}

/* The client of source src (of its site's server k when the peer is a site), made on first
 * use. */
static int
client(struct tsrc *s, int src, size_t k, struct httpc **out, char *err, size_t errlen)
{
	const struct trc_site *site = src == TRC_SRC_HERE ? NULL : s->site[src];
	struct httpc **c = src == TRC_SRC_HERE ? &s->node
	                   : site != NULL      ? &s->sc[src][k]
	                                       : &s->peer[src];
	const char *url = src == TRC_SRC_HERE ? s->a->node
	                  : site != NULL      ? site->url[k]
	                                      : s->a->peers[src];
	struct httpc_base base;
	struct httpc_opts ho;
	const char *why;

	if (*c == NULL) {
		if (httpc_base_parse(url, 443, &base, &why) != IDR_OK) {
			(void)snprintf(err, errlen, "%s: %s", url, why);
			return IDR_EINVAL;
		}
		memset(&ho, 0, sizeof(ho));
		ho.cacert = s->a->cacert;
		ho.insecure = s->a->insecure;
		ho.max_body = TRC_JSON_MAX;
		if (httpc_new(c, &base, &ho) != IDR_OK) {
			(void)snprintf(err, errlen, "out of memory");
			return IDR_ENOMEM;
		}
	}
	*out = *c;
	return IDR_OK;
}

/* Append s percent-encoded (unreserved characters and "/:@" kept). */
static void
path_escape(struct wbuf *w, const char *s)
{
	for (; *s != '\0'; s++) {
		uint8_t c = (uint8_t)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-._~/:@", c) != NULL) {
			wbuf_u8(w, c);
		} else {
			wbuf_printf(w, "%%%02X", c);
		}
	}
}

/* GET path from one server (k: of a site); *answered: it answered below 500. */
static int
get_one(struct tsrc *s, int src, size_t k, const char *path, struct httpc_resp *resp,
        bool *answered, char *err, size_t errlen)
{
	struct httpc_req req = {.method = HTTPC_GET, .path = path};
	struct httpc *c;
	int rc = client(s, src, k, &c, err, errlen);

	*answered = false;
	if (rc != IDR_OK) {
		return rc;
	}
	if ((rc = httpc_request(c, &req, resp)) != IDR_OK) {
		(void)snprintf(err, errlen, "%s", httpc_errmsg(c));
		return rc;
	}
	*answered = resp->status < 500;
	if (resp->status != 200) {
		(void)snprintf(err, errlen, "GET %s%s: HTTP status %d: %.*s", httpc_url(c), path,
		               resp->status, (int)(resp->body.len > 200 ? 200 : resp->body.len),
		               (const char *)resp->body.p);
		return resp->status == 404 ? IDR_ENOENT : IDR_EPROTO;
	}
	return IDR_OK;
}

/*
 * GET path from src; on IDR_OK *resp holds a 200 answer (valid until the next request). A
 * peer that is a site of several servers is asked at the server the site's Handle hash picks
 * for id (trc_site_order), then at the others in HS_SITE order while a server does not answer
 * (no connection, 5xx); id NULL (not an identifier's request): HS_SITE order, the next server
 * on any failure. err then names each server tried.
 */
static int
get(struct tsrc *s, int src, const char *id, const char *path, struct httpc_resp *resp, char *err,
    size_t errlen)
{
	const struct trc_site *site = src == TRC_SRC_HERE ? NULL : s->site[src];
	size_t order[TRC_SITE_MAX], used = 0;
	char e[TRC_REASON_MAX];
	bool answered;
	int rc = IDR_ENOENT;

	if (site == NULL) {
		return get_one(s, src, 0, path, resp, &answered, err, errlen);
	}
	(void)trc_site_order(site, id, order);
	err[0] = '\0';
	for (size_t i = 0; i < site->n; i++) {
		rc = get_one(s, src, order[i], path, resp, &answered, e, sizeof(e));
		if (rc == IDR_OK || (answered && id != NULL)) {
			if (rc != IDR_OK) {
				(void)snprintf(err, errlen, "%s", e);
			}
			return rc;
		}
		if (used < errlen) {
			int n = snprintf(err + used, errlen - used, "%s%s: %s",
			                 used > 0 ? "; " : "", site->url[order[i]], e);

			used += n > 0 ? (size_t)n : 0;
		}
	}
	return rc;
}

/* A node's trace of id (format=json). */
static int
fetch_remote(struct tsrc *s, int src, const char *id, unsigned depth, size_t max,
             struct trc_graph *out, char *err, size_t errlen)
{
	struct httpc_resp resp;
	struct wbuf w;
	char at[LIFE_TIME_LEN];
	int rc;

	wbuf_init_heap(&w, 2 * TRC_ID_MAX + 256);
	wbuf_lit(&w, "/api/v1/trace/");
	path_escape(&w, id);
	wbuf_printf(&w, "?direction=%s&depth=%u&max=%zu&format=json",
	            s->a->dir == REG_TRACE_BACK ? "back" : "forward", depth,
	            max > TRACE_HTTP_MAX ? (size_t)TRACE_HTTP_MAX : max);
	if (s->a->at_ms != INT64_MAX) {
		life_time_format((struct life_time){s->a->at_ms, 0}, true, at);
		wbuf_printf(&w, "&at=%s", at);
	}
	wbuf_terminate(&w);
	rc = wbuf_error(&w);
	if (rc == IDR_OK) {
		rc = get(s, src, id, (const char *)wbuf_data(&w), &resp, err, errlen);
	}
	if (rc == IDR_OK) {
		rc = trc_parse(resp.body, src, max, out, err, errlen);
	}
	wbuf_deinit(&w);
	return rc;
}

static int
fetch(void *arg, int src, const char *id, unsigned depth, size_t max, struct trc_graph *out,
      char *err, size_t errlen)
{
	struct tsrc *s = arg;
	uint8_t kb[IDENT_HARD_MAX];
	int rc;

	if (src != TRC_SRC_HERE || s->t == NULL) {
		return fetch_remote(s, src, id, depth, max, out, err, errlen);
	}
	s->g = out;
	s->rc = IDR_OK;
	rc = reg_trace(s->t, key_of(s->t, id, kb, sizeof(kb)), s->a->dir, depth, max, s->a->at_ms,
	               on_step, s, &out->truncated);
	rc = rc == 1 ? s->rc : rc;
	if (rc != IDR_OK) {
		(void)snprintf(err, errlen, "%s", idr_strerror(rc));
	}
	return rc;
}

/* ---------------------------------------------------------------- through the federation */

#define TRACE_FED_ROUNDS   4  /* walks at most: each may find the nodes of new prefixes */
#define TRACE_FED_PREFIXES 64 /* prefixes looked up at most */

/* The prefixes looked up through --node, and the nodes found (peers appended to a->peers). */
struct tfed {
	char prefix[TRACE_FED_PREFIXES][IDENT_HARD_MAX + 1];
	char why[TRACE_FED_PREFIXES][TRC_REASON_MAX]; /* "" when found */
	bool failed[TRACE_FED_PREFIXES]; /* the lookup failed (upstream down), not "no node" */
	size_t nprefixes;
};

/*
 * The HTTP interfaces of the site serving prefix, found through --node (whose HTTP API resolves
 * recursively): the HS_SITE of 0.NA/<prefix>, else of its parent prefixes. *failed tells a
 * lookup that failed (the node unreachable, or answering 5xx: its upstream is down) from a node
 * that says the prefix is not served (4xx: a node without federation).
 */
static int
fed_find(struct tsrc *s, const char *prefix, struct trc_site *site, char *why, size_t whylen,
         bool *failed)
{
	char p[IDENT_HARD_MAX + 1], e[TRC_REASON_MAX];
	struct httpc_resp resp;
	struct wbuf w;
	char *dot;
	int rc = IDR_ENOENT;

	(void)snprintf(p, sizeof(p), "%s", prefix);
	(void)snprintf(why, whylen, "no HS_SITE with an HTTP interface for 0.NA/%s", prefix);
	memset(site, 0, sizeof(*site));
	while (p[0] != '\0' && site->n == 0) {
		wbuf_init_heap(&w, sizeof(p) * 3 + 64);
		wbuf_lit(&w, "/api/handles/0.NA/");
		path_escape(&w, p);
		wbuf_lit(&w, "?type=HS_SITE&type=HS_SITE.PREFIX");
		wbuf_terminate(&w);
		rc = wbuf_error(&w);
		memset(&resp, 0, sizeof(resp));
		if (rc == IDR_OK) {
			rc = get(s, TRC_SRC_HERE, NULL, (const char *)wbuf_data(&w), &resp, e,
			         sizeof(e));
		}
		wbuf_deinit(&w);
		if (rc == IDR_OK && trc_site_read(resp.body, site) != IDR_OK) {
			memset(site, 0, sizeof(*site)); /* no site with HTTP: the parent prefix */
		} else if (rc != IDR_OK && rc != IDR_ENOENT) {
			(void)snprintf(why, whylen, "0.NA/%s: %s", p, e);
			*failed = rc != IDR_EPROTO || resp.status >= 500;
			return rc;
		}
		dot = strrchr(p, '.');
		if (dot == NULL) {
			break;
		}
		*dot = '\0';
	}
	return site->n > 0 ? IDR_OK : IDR_ENOENT;
}

/* Is a server of site --node, a peer, or a server of a peer's site already? */
static bool
fed_known(const struct tsrc *s, const struct trace_args *a, const struct trc_site *site)
{
	for (size_t k = 0; k < site->n; k++) {
		const char *url = site->url[k];

		if (strcmp(url, a->node) == 0) {
			return true;
		}
		for (size_t i = 0; i < a->npeers; i++) {
			const struct trc_site *o = s->site[i];

			if (strcmp(url, a->peers[i]) == 0) {
				return true;
			}
			for (size_t j = 0; o != NULL && j < o->n; j++) {
				if (strcmp(url, o->url[j]) == 0) {
					return true;
				}
			}
		}
	}
	return false;
}

/*
 * Look up, through --node, the nodes serving the prefixes of g's branches that no source
 * hosts and no peer answered; append the new ones to a->peers.
 * @return the number of peers added.
 */
static size_t
fed_discover(struct tsrc *s, struct trace_args *a, struct tfed *fed, const struct trc_graph *g)
{
	size_t added = 0;

	for (size_t i = 0; i < g->n; i++) {
		const struct trc_node *n = &g->v[i];
		char prefix[IDENT_HARD_MAX + 1];
		struct trc_site *site;
		struct ident id;
		size_t k;

		if (n->hosted || n->grafted != TRC_SRC_HERE || n->depth >= a->depth ||
		    ident_parse(&id, n->id, strlen(n->id), NULL) != IDR_OK || !id.has_slash ||
		    id.prefix.len >= sizeof(prefix)) {
			continue;
		}
		memcpy(prefix, id.prefix.p, id.prefix.len);
		prefix[id.prefix.len] = '\0';
		for (k = 0; k < fed->nprefixes && strcasecmp(fed->prefix[k], prefix) != 0; k++) {
		}
		if (k < fed->nprefixes || k == TRACE_FED_PREFIXES) {
			continue; /* looked up already (or too many) */
		}
		fed->nprefixes++;
		memcpy(fed->prefix[k], prefix, sizeof(prefix));
		if (a->npeers == TRC_PEERS_MAX) {
			continue;
		}
		if (s->site[a->npeers] == NULL &&
		    (s->site[a->npeers] = calloc(1, sizeof(struct trc_site))) == NULL) {
			(void)snprintf(fed->why[k], sizeof(fed->why[k]), "out of memory");
			continue;
		}
		site = s->site[a->npeers]; /* a peer only when added below */
		if (fed_find(s, prefix, site, fed->why[k], sizeof(fed->why[k]), &fed->failed[k]) !=
		    IDR_OK) {
			continue;
		}
		fed->why[k][0] = '\0';
		if (fed_known(s, a, site)) {
			continue;
		}
		if (site->n > 1) {
			fprintf(stderr,
			        "prefix %s: node %s (found through %s; a site of %" PRIu32
			        " servers, %zu with HTTP, each identifier asked at the server its "
			        "Handle "
			        "hash picks)\n",
			        prefix, site->url[0], a->node, site->nservers, site->n);
		} else {
			fprintf(stderr, "prefix %s: node %s (found through %s)\n", prefix,
			        site->url[0], a->node);
		}
		a->peers[a->npeers] = site->url[0];
		a->npeers++;
		added++;
	}
	return added;
}

/*
 * The branches whose node the federation could not be asked for (the lookup failed: node or
 * upstream down) are marked unreachable with the reason, as a peer that does not answer.
 * @return IDR_OK or IDR_ENOMEM.
 */
static int
fed_mark(const struct tfed *fed, struct trc_graph *g)
{
	for (size_t i = 0; i < g->n; i++) {
		struct trc_node *n = &g->v[i];
		struct ident id;

		if (n->hosted || n->unreachable != NULL || n->grafted != TRC_SRC_HERE ||
		    ident_parse(&id, n->id, strlen(n->id), NULL) != IDR_OK || !id.has_slash) {
			continue;
		}
		for (size_t k = 0; k < fed->nprefixes; k++) {
			if (fed->failed[k] && strlen(fed->prefix[k]) == id.prefix.len &&
			    strncasecmp(fed->prefix[k], (const char *)id.prefix.p, id.prefix.len) ==
			            0) {
				size_t len = sizeof("no node found for : ") + id.prefix.len +
				             strlen(fed->why[k]);

				if ((n->unreachable = malloc(len)) == NULL) {
					return IDR_ENOMEM;
				}
				(void)snprintf(n->unreachable, len, "no node found for %s: %s",
				               fed->prefix[k], fed->why[k]);
				break;
			}
		}
	}
	return IDR_OK;
}

/* The prefixes the federation gave no node for, and why, on stderr (the output stays as the
 * node alone answers, as without peers, unless the lookup failed: fed_mark). */
static void
fed_report(const struct trace_args *a, const struct tfed *fed)
{
	for (size_t k = 0; k < fed->nprefixes; k++) {
		if (fed->why[k][0] != '\0') {
			fprintf(stderr, "prefix %s: no node found through %s: %s\n", fed->prefix[k],
			        a->node, fed->why[k]);
		}
	}
}

/*
 * The walk: as given, or (--node without peers) repeated while the branches no source hosts
 * lead, through the node's recursive resolution, to nodes not asked yet.
 */
static int
walk(struct tsrc *s, struct trace_args *a, struct trc_graph *g, char *err, size_t errlen)
{
	bool fed = a->node != NULL && a->npeers == 0;
	struct tfed *tf = NULL;
	struct trc_walk w;
	int rc;

	if (fed && (tf = calloc(1, sizeof(*tf))) == NULL) {
		return IDR_ENOMEM;
	}
	for (unsigned round = 0;; round++) {
		w = (struct trc_walk){(unsigned)a->depth, (size_t)a->max, a->npeers,
		                      a->peers,           fetch,          s};
		rc = trc_walk_run(&w, a->id, g, err, errlen);
		if (rc != IDR_OK || !fed || round + 1 == TRACE_FED_ROUNDS ||
		    fed_discover(s, a, tf, g) == 0) {
			break;
		}
		trc_graph_deinit(g);
		trc_graph_init(g);
	}
	if (rc == IDR_OK && fed) {
		fed_report(a, tf);
		rc = fed_mark(tf, g);
	}
	free(tf);
	return rc;
}

/* ---------------------------------------------------------------- format epcis */

struct evref {
	const char *hex;
	int src;
};

static int
evref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct evref *)a)->hex, ((const struct evref *)b)->hex);
}

static int
event_cmp(const void *a, const void *b)
{
	const struct life_event *x = a, *y = b;

	if (x->event_time.ms != y->event_time.ms) {
		return x->event_time.ms < y->event_time.ms ? -1 : 1;
	}
	return strcmp(x->event_id != NULL ? x->event_id : "",
	              y->event_id != NULL ? y->event_id : "");
}

/* The event of a link, from the store or the node that reported the link. */
static int
event_load(struct tsrc *s, const struct evref *r, struct life_event *ev, char *err, size_t errlen)
{
	uint8_t raw[REG_EVENT_ID_LEN];
	struct reg_event_view v;
	struct httpc_resp resp;
	char path[96];
	json_t *doc, *e;
	int rc;

	if (r->src == TRC_SRC_HERE && s->t != NULL) {
		rc = crypto_unhex(r->hex, strlen(r->hex), raw, sizeof(raw));
		rc = rc == IDR_OK ? reg_event_get(s->t, raw, &v) : rc;
		return rc == IDR_OK ? life_event_parse(v.doc.p, v.doc.len, ev, err, errlen) : rc;
	}
	(void)snprintf(path, sizeof(path), "/events/%s", r->hex);
	if ((rc = get(s, r->src, NULL, path, &resp, err, errlen)) != IDR_OK) {
		return rc;
	}
	doc = json_loadb((const char *)resp.body.p, resp.body.len, JSON_REJECT_DUPLICATES, NULL);
	e = json_array_get(
	        json_object_get(json_object_get(json_object_get(json_object_get(doc, "epcisBody"),
	                                                        "queryResults"),
	                                        "resultsBody"),
	                        "eventList"),
	        0);
	rc = e != NULL ? life_event_from_json(e, NULL, "event", ev, err, errlen) : IDR_EPROTO;
	if (e == NULL) {
		(void)snprintf(err, errlen, "GET %s: not an EPCISQueryDocument with an event",
		               path);
	}
	json_decref(doc);
	return rc;
}

/* The events of the links reached, each once, in time order, as an EPCISQueryDocument. */
static int
write_epcis(struct tsrc *s, const struct trc_graph *g, char *err, size_t errlen)
{
	struct evref *refs = calloc(g->n + 1, sizeof(*refs));
	struct life_event *ev = calloc(g->n + 1, sizeof(*ev));
	size_t nr = 0, n = 0;
	json_t *doc = NULL;
	char *text = NULL;
	int rc = IDR_OK;

	if (refs == NULL || ev == NULL) {
		free(refs);
		free(ev);
		return IDR_ENOMEM;
	}
	for (size_t i = 0; i < g->n; i++) {
		if (g->v[i].event[0] != '\0') {
			refs[nr++] = (struct evref){g->v[i].event, g->v[i].src};
		}
	}
	qsort(refs, nr, sizeof(*refs), evref_cmp);
	for (size_t i = 0; i < nr && rc == IDR_OK; i++) {
		if (i > 0 && strcmp(refs[i].hex, refs[i - 1].hex) == 0) {
			continue; /* one event made several links */
		}
		if ((rc = event_load(s, &refs[i], &ev[n], err, errlen)) == IDR_OK) {
			n++;
		}
	}
	if (rc == IDR_OK) {
		qsort(ev, n, sizeof(*ev), event_cmp);
		rc = life_query_doc_to_json(ev, n, NULL, (int64_t)time(NULL) * 1000, &doc);
	}
	if (rc == IDR_OK &&
	    (text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
		rc = IDR_ENOMEM;
	}
	if (text != NULL) {
		printf("%s\n", text);
	}
	free(text);
	json_decref(doc);
	for (size_t i = 0; i < n; i++) {
		life_event_deinit(&ev[i]);
	}
	free(ev);
	free(refs);
	return rc;
}

/* ---------------------------------------------------------------- format svg */

/* Is prog an executable in $PATH? */
static bool
in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char dir[4096];

	for (const char *p = path != NULL ? path : "/usr/bin:/bin"; *p != '\0';) {
		size_t len = strcspn(p, ":");

		if (len > 0 && len + strlen(prog) + 2 < sizeof(dir)) {
			(void)snprintf(dir, sizeof(dir), "%.*s/%s", (int)len, p, prog);
			if (access(dir, X_OK) == 0) {
				return true;
			}
		}
		p += len + (p[len] == ':' ? 1 : 0);
	}
	return false;
}

/* DOT text through `dot -Tsvg` (its stdout is ours). */
static int
write_svg(const struct cli_cmd *self, struct slice dot)
{
	int fd[2], st = 0;
	size_t off = 0;
	pid_t pid;

	if (!in_path("dot")) {
		cli_errorf(self->name,
		           "--format svg needs Graphviz's dot: apt-get install graphviz");
		return CLI_EXIT_FAIL;
	}
	fflush(stdout);
	if (pipe(fd) != 0) {
		cli_errorf(self->name, "cannot run dot: %s", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if ((pid = fork()) < 0) {
		cli_errorf(self->name, "cannot run dot: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return CLI_EXIT_FAIL;
	}
	if (pid == 0) {
		close(fd[1]);
		if (dup2(fd[0], STDIN_FILENO) < 0) {
			_exit(127);
		}
		close(fd[0]);
		execlp("dot", "dot", "-Tsvg", (char *)NULL);
		_exit(127);
	}
	close(fd[0]);
	while (off < dot.len) {
		ssize_t n = write(fd[1], (const char *)dot.p + off, dot.len - off);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break; /* dot went away: its status says why */
		}
		off += (size_t)n;
	}
	close(fd[1]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
	if (off < dot.len || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		cli_errorf(self->name, "dot -Tsvg failed (status %d)", st);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- idr trace */

/* Print g in a.fmt. @return a CLI_EXIT_* code. */
static int
print_trace(const struct cli_cmd *self, struct tsrc *s, const struct trc_graph *g)
{
	const struct trace_args *a = s->a;
	char err[TRC_REASON_MAX] = "";
	struct wbuf w;
	int rc = IDR_OK, ex = CLI_EXIT_OK;

	wbuf_init_heap(&w, (size_t)1 << 30);
	switch (a->fmt) {
	case FMT_TREE:
		rc = trc_write_tree(g, &w);
		if (g->truncated) {
			wbuf_printf(&w, "(stopped at --max %" PRIu64 " nodes)\n", a->max);
		}
		break;
	case FMT_JSON:
		rc = trc_write_json(g, a->id, a->dir == REG_TRACE_BACK ? "back" : "forward", &w);
		break;
	case FMT_DOT:
	case FMT_SVG:
		rc = trc_write_dot(g, &w);
		break;
	case FMT_EPCIS:
		rc = write_epcis(s, g, err, sizeof(err));
		break;
	}
	if (rc == IDR_OK && a->fmt == FMT_SVG) {
		ex = write_svg(self, wbuf_slice(&w));
	} else if (rc == IDR_OK && wbuf_len(&w) > 0) {
		fwrite(wbuf_data(&w), 1, wbuf_len(&w), stdout);
	}
	wbuf_deinit(&w);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->id, err[0] != '\0' ? err : idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return ex;
}

/* --stats, on stderr: the items walked and, from a local store, its reads (gets and cursor
 * moves) per item, and the walk's time. */
static void
print_stats(struct tsrc *s, const struct trc_graph *g, const struct timespec *t0,
            const struct timespec *t1)
{
	double ms =
	        (double)(t1->tv_sec - t0->tv_sec) * 1e3 + (double)(t1->tv_nsec - t0->tv_nsec) / 1e6;

	fflush(stdout);
	if (s->t != NULL) {
		uint64_t reads = reg_rtxn_reads(s->t);

		fprintf(stderr,
		        "trace stats: nodes %zu, reads %" PRIu64 ", reads/node %.2f, %.3f ms\n",
		        g->n, reads, g->n > 0 ? (double)reads / (double)g->n : 0.0, ms);
	} else {
		fprintf(stderr, "trace stats: nodes %zu, %.3f ms (reads: on the node)\n", g->n, ms);
	}
}

static int
run_trace(const struct cli_cmd *self, int argc, char **argv)
{
	struct trace_args a;
	struct reg_opts ro;
	struct reg *r = NULL;
	struct tsrc s;
	struct trc_graph g;
	struct timespec t0, t1;
	char err[TRC_REASON_MAX] = "";
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a, true);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	memset(&s, 0, sizeof(s));
	s.a = &a;
	if (a.node == NULL) {
		memset(&ro, 0, sizeof(ro));
		rc = cli_open(self->name, cli_data_dir(a.data), true, &ro, &r);
		if (rc != CLI_EXIT_OK) {
			return rc;
		}
		if ((rc = reg_read_begin(r, &s.t)) != IDR_OK) {
			cli_errorf(self->name, "%s: %s", a.id, idr_strerror(rc));
			reg_close(r);
			return CLI_EXIT_FAIL;
		}
	}
	trc_graph_init(&g);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = walk(&s, &a, &g, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (a.stats && rc == IDR_OK) {
		print_stats(&s, &g, &t0, &t1);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a.id, err[0] != '\0' ? err : idr_strerror(rc));
		rc = CLI_EXIT_FAIL;
	} else {
		rc = print_trace(self, &s, &g);
	}
	trc_graph_deinit(&g);
	reg_read_end(s.t);
	reg_close(r);
	httpc_free(s.node);
	for (size_t i = 0; i < TRC_PEERS_MAX; i++) {
		httpc_free(s.peer[i]);
		for (size_t k = 0; k < TRC_SITE_MAX; k++) {
			httpc_free(s.sc[i][k]);
		}
		free(s.site[i]);
	}
	return rc;
}

struct evout {
	const struct trace_args *a;
	struct wbuf w;
};

/* A member of the stored event, or "" (for the summary line). */
static const char *
member(json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));

	return v != NULL ? v : "";
}

static int
on_event(void *arg, const struct reg_event_view *ev)
{
	struct evout *o = arg;
	struct life_time lt = {ev->time_ms, ev->tz_min};
	char when[LIFE_TIME_LEN];
	json_t *j;

	if (o->a->json) {
		fwrite(ev->doc.p, 1, ev->doc.len, stdout);
		putchar('\n');
		return 0;
	}
	life_time_format(lt, false, when);
	j = json_loadb((const char *)ev->doc.p, ev->doc.len, 0, NULL);
	printf("%s  %-20s %-8s %-14s %s\n", when, member(j, "type"), member(j, "action"),
	       member(j, "bizStep"), member(j, "disposition"));
	json_decref(j);
	return 0;
}

static int
run_events(const struct cli_cmd *self, int argc, char **argv)
{
	struct trace_args a;
	struct reg_opts ro;
	struct reg *r = NULL;
	struct reg_rtxn *t = NULL;
	struct evout o;
	uint8_t kb[IDENT_HARD_MAX];
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a, false);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	memset(&ro, 0, sizeof(ro));
	if ((rc = cli_open(self->name, cli_data_dir(a.data), true, &ro, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	o.a = &a;
	rc = reg_read_begin(r, &t);
	if (rc == IDR_OK) {
		rc = reg_events(t, key_of(t, a.id, kb, sizeof(kb)), a.from_ms, a.to_ms,
		                (size_t)a.limit, on_event, &o);
	}
	reg_read_end(t);
	reg_close(r);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a.id, idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

const struct cli_cmd cmd_trace = {
        "trace",
        "walk an item's links: what it is made of (--back) or where it went (--forward)",
        "usage: idr trace ID --back|--forward [--depth N] [--max N] [--at TIME]\n"
        "                 [--format tree|json|epcis|dot|svg] [--data DIR | --node URL]\n"
        "                 [--peer URL]... [--cacert FILE] [--insecure] [--stats]\n"
        "\n"
        "Walk the link graph the lifecycle events made (aggregation: a package or product\n"
        "contains its parts; transformation: an output was made from its inputs), breadth\n"
        "first, each item once. --back lists what ID is made of and where those came from;\n"
        "--forward lists where ID went (a lot's parts, the products they are in): a recall.\n"
        "--at TIME takes the packing as it was then (ISO 8601, e.g. 2024-02-01T10:00:00Z).\n"
        "\n"
        "Across nodes: with --node the trace is asked of that node's HTTP API and printed as\n"
        "the local one. With peers (--peer, repeatable, else $IDR_PEERS=URL,URL), an item\n"
        "whose prefix the store or node asked does not host is traced on the first peer\n"
        "that hosts it and its branch grafted (the depth and item caps hold across nodes; an\n"
        "item is walked once whichever node reports it). A branch no peer answers is marked\n"
        "unreachable with the reason (tree: after the name; json: \"unreachable\"; dot/svg:\n"
        "a dashed node) and the command still succeeds.\n"
        "With --node and no peers, the peers come from the federation: for each prefix no\n"
        "source hosts, the node (whose HTTP API resolves recursively through the top level)\n"
        "is asked for 0.NA/<prefix>, then its parent prefixes, until an HS_SITE names an\n"
        "HTTP(S) interface; that node becomes a peer (stderr says so) and the walk is redone\n"
        "(at most 4 walks). A prefix no node is found for is named on stderr. A site of\n"
        "several servers is asked, for each item, at the server the site's Handle hash picks\n"
        "(as stock clients do), then at its other servers in HS_SITE order while one does\n"
        "not answer.\n"
        "\n"
        "options:\n"
        "  --depth N      levels at most (default 16, at most 64)\n"
        "  --max N        items at most (default 10000); the output says when it stopped there\n"
        "  --format F     tree (indented, with kinds), json, epcis (an EPCIS 2.0 query document\n"
        "                 of the events that made the links, each once, in time order), dot\n"
        "                 (Graphviz), or svg (dot -Tsvg: needs the graphviz package)\n"
        "  --data DIR     data directory (default: $IDR_DATA, then ./idr-data)\n"
        "  --node URL     ask a running node instead, e.g. https://node.example:8443\n"
        "  --peer URL     a peer node to ask for items not hosted here (repeatable, in order;\n"
        "                 with --node, given peers replace the federation's)\n"
        "  --cacert FILE  CA certificates to verify nodes with (default: the system's)\n"
        "  --insecure     do not verify the nodes' certificates\n"
        "  --stats        on stderr: items walked, store reads (gets and cursor moves) per\n"
        "                 item from a local store, and the walk's time\n",
        run_trace,
};

const struct cli_cmd cmd_events = {
        "events",
        "list an item's lifecycle events in time order",
        "usage: idr events ID [--from TIME] [--to TIME] [--limit N] [--json] [--data DIR]\n"
        "\n"
        "The events recorded for ID, oldest first: time with its zone offset, then the\n"
        "event. --json prints each stored event document on a line of its own.\n"
        "\n"
        "options:\n"
        "  --from, --to TIME   only events at or after / before TIME (ISO 8601)\n"
        "  --limit N           at most N events\n"
        "  --data DIR          data directory (default: $IDR_DATA, then ./idr-data)\n",
        run_events,
};
