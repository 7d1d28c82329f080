/* trc.c - a trace across nodes: graph, answer parser, walk and writers (trc.h). */
#include "common/trc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hdl/hdl.h"
#include "model/ident.h"
#include "model/vjson.h"

/* ---------------------------------------------------------------- graph */

void
trc_graph_init(struct trc_graph *g)
{
	memset(g, 0, sizeof(*g));
}

static void
node_free(struct trc_node *n)
{
	free(n->id);
	free(n->key);
	free(n->parent);
	free(n->kind);
	free(n->unreachable);
}

void
trc_graph_deinit(struct trc_graph *g)
{
	for (size_t i = 0; i < g->n; i++) {
		node_free(&g->v[i]);
	}
	free(g->v);
	free(g->slots);
	trc_graph_init(g);
}

char *
trc_key_dup(const char *id)
{
	size_t n = strlen(id);
	char *k = malloc(n + 1);
	struct ident parsed;

	if (k == NULL) {
		return NULL;
	}
	memcpy(k, id, n + 1);
	if (ident_parse(&parsed, id, n, NULL) == IDR_OK) {
		ident_fold((const uint8_t *)id, n, (uint8_t *)k);
	}
	return k;
}

static size_t
hash(const char *s)
{
	size_t h = 1469598103934665603u;

	for (; *s != '\0'; s++) {
		h = (h ^ (uint8_t)*s) * 1099511628211u;
	}
	return h;
}

long
trc_graph_find(const struct trc_graph *g, const char *key)
{
	if (g->nslots == 0) {
		return -1;
	}
	for (size_t i = hash(key) & (g->nslots - 1);; i = (i + 1) & (g->nslots - 1)) {
		size_t s = g->slots[i];

		if (s == 0) {
			return -1;
		}
		if (strcmp(g->v[s - 1].key, key) == 0) {
			return (long)(s - 1);
		}
	}
}

static void
slot_put(struct trc_graph *g, size_t idx)
{
	size_t i = hash(g->v[idx].key) & (g->nslots - 1);

	while (g->slots[i] != 0) {
		i = (i + 1) & (g->nslots - 1);
	}
	g->slots[i] = idx + 1;
}

/* Room for one more node and its slot (slots at most half full). */
static int
reserve(struct trc_graph *g)
{
	if (g->n == g->cap) {
		size_t cap = g->cap == 0 ? 16 : 2 * g->cap;
		struct trc_node *v = realloc(g->v, cap * sizeof(*v));

		if (v == NULL) {
			return IDR_ENOMEM;
		}
		g->v = v;
		g->cap = cap;
	}
	if (2 * (g->n + 1) > g->nslots) {
		size_t ns = g->nslots == 0 ? 32 : 2 * g->nslots;
		size_t *slots = calloc(ns, sizeof(*slots));

		if (slots == NULL) {
			return IDR_ENOMEM;
		}
		free(g->slots);
		g->slots = slots;
		g->nslots = ns;
		for (size_t i = 0; i < g->n; i++) {
			slot_put(g, i);
		}
	}
	return IDR_OK;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
trc_graph_add(struct trc_graph *g, const struct trc_node *n)
{
	struct trc_node c = *n;

	c.key = n->key != NULL ? strdup(n->key) : trc_key_dup(n->id);
	if (c.key == NULL) {
		return IDR_ENOMEM;
	}
	if (trc_graph_find(g, c.key) >= 0) {
		free(c.key);
		return IDR_EEXIST;
	}
	c.id = strdup(n->id);
	c.parent = dup_or_null(n->parent);
	c.kind = dup_or_null(n->kind);
	c.unreachable = dup_or_null(n->unreachable);
	if (c.id == NULL || (n->parent != NULL && c.parent == NULL) ||
	    (n->kind != NULL && c.kind == NULL) ||
	    (n->unreachable != NULL && c.unreachable == NULL) || reserve(g) != IDR_OK) {
		node_free(&c);
		return IDR_ENOMEM;
	}
	g->v[g->n] = c;
	slot_put(g, g->n++);
	return IDR_OK;
}

/* ---------------------------------------------------------------- parser */

static int perr(char *err, size_t errlen, int rc, const char *fmt, ...) IDR_PRINTF(4, 5);

static int
perr(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (errlen > 0) {
		(void)vsnprintf(err, errlen, fmt, ap);
	}
	va_end(ap);
	return rc;
}

/* A string member: absent (NULL, if optional), or 1..cap bytes without NUL. */
static int
str_member(json_t *o, const char *name, size_t cap, bool required, const char **out)
{
	json_t *j = json_object_get(o, name);

	*out = NULL;
	if (j == NULL) {
		return required ? IDR_EPROTO : IDR_OK;
	}
	if (!json_is_string(j) || json_string_length(j) == 0 ||
	    strlen(json_string_value(j)) != json_string_length(j)) {
		return IDR_EPROTO;
	}
	if (json_string_length(j) > cap) {
		return IDR_ELIMIT;
	}
	*out = json_string_value(j);
	return IDR_OK;
}

static bool
hex_ok(const char *s)
{
	if (strlen(s) != TRC_EVENT_HEX) {
		return false;
	}
	for (; *s != '\0'; s++) {
		if (strchr("0123456789abcdefABCDEF", *s) == NULL) {
			return false;
		}
	}
	return true;
}

static bool
link_ok(const char *s)
{
	return strcmp(s, "aggregation") == 0 || strcmp(s, "transformation") == 0 ||
	       strcmp(s, "association") == 0;
}

/* n with copies of id, kind and parent added to out (its strings are const here). */
static int
add_copy(struct trc_graph *out, struct trc_node *n, const char *id, const char *kind,
         const char *parent)
{
	int rc = IDR_ENOMEM;

	n->id = strdup(id);
	n->kind = kind != NULL ? strdup(kind) : NULL;
	n->parent = parent != NULL ? strdup(parent) : NULL;
	if (n->id != NULL && (kind == NULL) == (n->kind == NULL) &&
	    (parent == NULL) == (n->parent == NULL)) {
		rc = trc_graph_add(out, n);
	}
	free(n->id);
	free(n->kind);
	free(n->parent);
	return rc;
}

/* One member of "nodes" into out (validated against the nodes before it). */
static int
parse_node(json_t *o, size_t i, int src, struct trc_graph *out, char *err, size_t errlen)
{
	struct trc_node n;
	const char *id, *kind, *parent = NULL, *link = NULL, *event = NULL;
	json_t *depth = json_object_get(o, "depth"), *hosted = json_object_get(o, "hosted");
	long p = -1;
	int rc;

	memset(&n, 0, sizeof(n));
	n.src = src;
	n.grafted = TRC_SRC_HERE;
	if (!json_is_object(o)) {
		return perr(err, errlen, IDR_EPROTO, "nodes[%zu]: not an object", i);
	}
	if ((rc = str_member(o, "id", TRC_ID_MAX, true, &id)) != IDR_OK) {
		return perr(err, errlen, rc, "nodes[%zu].id: a string of 1..%u bytes", i,
		            TRC_ID_MAX);
	}
	if ((rc = str_member(o, "kind", TRC_KIND_MAX, false, &kind)) != IDR_OK) {
		return perr(err, errlen, rc, "nodes[%zu].kind: a string of 1..%u bytes", i,
		            TRC_KIND_MAX);
	}
	if (!json_is_integer(depth) || json_integer_value(depth) < 0 ||
	    json_integer_value(depth) > (json_int_t)TRC_DEPTH_MAX ||
	    (i == 0) != (json_integer_value(depth) == 0)) {
		return perr(err, errlen, IDR_EPROTO,
		            "nodes[%zu].depth: 0 for the first node (the root), else 1..%u", i,
		            TRC_DEPTH_MAX);
	}
	n.depth = (unsigned)json_integer_value(depth);
	if (hosted != NULL && !json_is_boolean(hosted)) {
		return perr(err, errlen, IDR_EPROTO, "nodes[%zu].hosted: true or false", i);
	}
	n.hosted = hosted == NULL || json_is_true(hosted);
	if (i > 0) {
		if (str_member(o, "parent", TRC_ID_MAX, true, &parent) != IDR_OK ||
		    (p = trc_graph_find(out, parent)) < 0 || out->v[p].depth + 1 != n.depth) {
			return perr(
			        err, errlen, IDR_EPROTO,
			        "nodes[%zu].parent: not the key of an earlier node one level up",
			        i);
		}
		if (str_member(o, "link", 16, true, &link) != IDR_OK || !link_ok(link)) {
			return perr(err, errlen, IDR_EPROTO,
			            "nodes[%zu].link: aggregation, transformation or association",
			            i);
		}
		if (str_member(o, "event", TRC_EVENT_HEX, true, &event) != IDR_OK ||
		    !hex_ok(event)) {
			return perr(err, errlen, IDR_EPROTO, "nodes[%zu].event: 64 hex digits", i);
		}
		memcpy(n.link, link, strlen(link) + 1);
		memcpy(n.event, event, TRC_EVENT_HEX + 1);
	}
	rc = add_copy(out, &n, id, kind, parent);
	if (rc == IDR_EEXIST) {
		return perr(err, errlen, IDR_EPROTO, "nodes[%zu].id: reached twice", i);
	}
	return rc == IDR_OK ? rc : perr(err, errlen, rc, "out of memory");
}

int
trc_parse(struct slice body, int src, size_t max_nodes, struct trc_graph *out, char *err,
          size_t errlen)
{
	json_t *doc, *nodes, *trunc;
	json_error_t je;
	int rc = IDR_OK;

	trc_graph_deinit(out);
	if (body.len > TRC_JSON_MAX) {
		return perr(err, errlen, IDR_ELIMIT, "trace answer over %u bytes", TRC_JSON_MAX);
	}
	doc = json_loadb((const char *)body.p, body.len, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL) {
		return perr(err, errlen, IDR_EPROTO, "trace answer: not JSON: %s", je.text);
	}
	nodes = json_object_get(doc, "nodes");
	trunc = json_object_get(doc, "truncated");
	if (!json_is_object(doc) || !json_is_array(nodes) || json_array_size(nodes) == 0 ||
	    (trunc != NULL && !json_is_boolean(trunc))) {
		json_decref(doc);
		return perr(err, errlen, IDR_EPROTO,
		            "trace answer: an object with a non-empty \"nodes\" array is needed");
	}
	if (json_array_size(nodes) > max_nodes) {
		json_decref(doc);
		return perr(err, errlen, IDR_ELIMIT, "trace answer: over %zu nodes", max_nodes);
	}
	for (size_t i = 0; i < json_array_size(nodes) && rc == IDR_OK; i++) {
		rc = parse_node(json_array_get(nodes, i), i, src, out, err, errlen);
	}
	out->truncated = json_is_true(trunc);
	json_decref(doc);
	if (rc != IDR_OK) {
		trc_graph_deinit(out);
	}
	return rc;
}

/* ---------------------------------------------------------------- walk */

/* Append "NAME: why; " to a reason, bounded (cut short rather than failing). */
static void
reason_add(char *r, size_t cap, const char *name, const char *why)
{
	size_t len = strlen(r);

	if (len + 1 < cap) {
		(void)snprintf(r + len, cap - len, "%s%s: %s", len > 0 ? "; " : "", name, why);
	}
}

/* Add sub's nodes (sub->v[0] is out->v[at]) not reached before, reached through added ones. */
static int
graft(struct trc_graph *out, size_t at, const struct trc_graph *sub, int peer, size_t max)
{
	bool *incl = calloc(sub->n, sizeof(*incl));
	unsigned base = out->v[at].depth;
	int rc = IDR_OK;

	if (incl == NULL) {
		return IDR_ENOMEM;
	}
	incl[0] = true;
	out->v[at].grafted = peer;
	if (out->v[at].kind == NULL && sub->v[0].kind != NULL &&
	    (out->v[at].kind = strdup(sub->v[0].kind)) == NULL) {
		rc = IDR_ENOMEM;
	}
	for (size_t j = 1; j < sub->n && rc == IDR_OK; j++) {
		struct trc_node n = sub->v[j];
		long p = trc_graph_find(sub, n.parent);

		if (p < 0 || !incl[p] || trc_graph_find(out, n.key) >= 0) {
			continue;
		}
		if (out->n >= max) {
			out->truncated = true;
			break;
		}
		if (p == 0) {
			n.parent = out->v[at].key; /* the same key, as this graph spells it */
		}
		n.depth += base;
		n.src = peer;
		rc = trc_graph_add(out, &n);
		incl[j] = rc == IDR_OK;
	}
	out->truncated |= sub->truncated;
	free(incl);
	return rc;
}

/* Ask the peers for node at's subtree; mark it unreachable when none answers. */
static int
ask_peers(const struct trc_walk *w, struct trc_graph *out, size_t at)
{
	char reason[TRC_REASON_MAX] = "", why[TRC_REASON_MAX];
	struct trc_graph sub;
	int rc;

	for (size_t p = 0; p < w->npeers; p++) {
		why[0] = '\0';
		trc_graph_init(&sub);
		rc = w->fetch(w->arg, (int)p, out->v[at].id, w->depth - out->v[at].depth,
		              w->max - out->n + 1, &sub, why, sizeof(why));
		if (rc == IDR_OK && sub.n > 0 && sub.v[0].hosted) {
			rc = graft(out, at, &sub, (int)p, w->max);
			trc_graph_deinit(&sub);
			return rc;
		}
		reason_add(reason, sizeof(reason), w->peers[p],
		           rc != IDR_OK ? (why[0] != '\0' ? why : idr_strerror(rc))
		                        : "does not host it");
		trc_graph_deinit(&sub);
	}
	if ((out->v[at].unreachable = malloc(sizeof(reason) + 32)) == NULL) {
		return IDR_ENOMEM;
	}
	(void)snprintf(out->v[at].unreachable, sizeof(reason) + 32, "no peer answers: %s", reason);
	return IDR_OK;
}

int
trc_walk_run(const struct trc_walk *w, const char *root, struct trc_graph *out, char *err,
             size_t errlen)
{
	int rc;

	trc_graph_deinit(out);
	if (errlen > 0) {
		err[0] = '\0';
	}
	rc = w->fetch(w->arg, TRC_SRC_HERE, root, w->depth, w->max, out, err, errlen);
	if (rc != IDR_OK || out->n == 0) {
		trc_graph_deinit(out);
		return rc != IDR_OK ? rc : perr(err, errlen, IDR_EPROTO, "an empty trace");
	}
	for (size_t i = 0; i < out->n && w->npeers > 0; i++) {
		if (out->v[i].hosted || out->v[i].depth >= w->depth) {
			continue;
		}
		if (out->n >= w->max) {
			out->truncated = true;
			break;
		}
		if ((rc = ask_peers(w, out, i)) != IDR_OK) {
			trc_graph_deinit(out);
			return perr(err, errlen, rc, "%s", idr_strerror(rc));
		}
	}
	return IDR_OK;
}

/* ---------------------------------------------------------------- writers */

static void
tree_line(const struct trc_node *n, struct wbuf *w)
{
	wbuf_printf(w, "%*s%s", (int)(2 * n->depth), "", n->id);
	if (n->kind != NULL) {
		wbuf_printf(w, " (%s)", n->kind);
	}
	if (n->depth > 0) {
		wbuf_printf(w, "  [%s]", n->link);
	}
	if (n->unreachable != NULL) {
		wbuf_printf(w, "  (unreachable: %s)", n->unreachable);
	}
	wbuf_u8(w, '\n');
}

int
trc_write_tree(const struct trc_graph *g, struct wbuf *w)
{
	size_t *first = malloc((g->n + 1) * sizeof(size_t));
	size_t *next = malloc((g->n + 1) * sizeof(size_t));
	size_t *last = malloc((g->n + 1) * sizeof(size_t));
	size_t *stack = malloc((g->n + 1) * sizeof(size_t));
	size_t sp = 0, none = SIZE_MAX;

	if (first == NULL || next == NULL || last == NULL || stack == NULL) {
		free(first);
		free(next);
		free(last);
		free(stack);
		return IDR_ENOMEM;
	}
	for (size_t i = 0; i < g->n; i++) {
		first[i] = next[i] = last[i] = none;
	}
	for (size_t i = 1; i < g->n; i++) { /* children in the order reached */
		long p = trc_graph_find(g, g->v[i].parent);

		if (p >= 0 && (size_t)p != i) {
			*(last[p] == none ? &first[p] : &next[last[p]]) = i;
			last[p] = i;
		}
	}
	if (g->n > 0) {
		stack[sp++] = 0;
	}
	while (sp > 0) { /* depth first; a node's next sibling waits under its children */
		size_t i = stack[--sp];

		tree_line(&g->v[i], w);
		if (next[i] != none) {
			stack[sp++] = next[i];
		}
		if (first[i] != none) {
			stack[sp++] = first[i];
		}
	}
	free(first);
	free(next);
	free(last);
	free(stack);
	return wbuf_error(w);
}

int
trc_write_json(const struct trc_graph *g, const char *root, const char *dir, struct wbuf *w)
{
	wbuf_lit(w, "{\"root\":");
	(void)vjson_write_str(w, slice_cstr(root));
	wbuf_printf(w, ",\"direction\":\"%s\",\"nodes\":[", dir);
	for (size_t i = 0; i < g->n; i++) {
		const struct trc_node *n = &g->v[i];

		wbuf_cstr(w, i == 0 ? "\n{\"id\":" : ",\n{\"id\":");
		(void)vjson_write_str(w, slice_cstr(n->id));
		wbuf_printf(w, ",\"depth\":%u", n->depth);
		if (n->kind != NULL) {
			wbuf_lit(w, ",\"kind\":");
			(void)vjson_write_str(w, slice_cstr(n->kind));
		}
		if (n->depth > 0) {
			wbuf_lit(w, ",\"parent\":");
			(void)vjson_write_str(w, slice_cstr(n->parent));
			wbuf_printf(w, ",\"link\":\"%s\",\"event\":\"%s\"", n->link, n->event);
		}
		wbuf_printf(w, ",\"hosted\":%s", n->hosted ? "true" : "false");
		if (n->unreachable != NULL) {
			wbuf_lit(w, ",\"unreachable\":");
			(void)vjson_write_str(w, slice_cstr(n->unreachable));
		}
		wbuf_u8(w, '}');
	}
	wbuf_printf(w, "\n],\"truncated\":%s}\n", g->truncated ? "true" : "false");
	return wbuf_error(w);
}

/* An unreachable node: dashed, labelled with its id and the reason on a second line. */
static int
dashed(const struct trc_node *n, struct wbuf *w)
{
	size_t len = strlen(n->id) + strlen(n->unreachable) + 16;
	char *label = malloc(len);

	if (label == NULL) {
		return IDR_ENOMEM;
	}
	(void)snprintf(label, len, "%s\nunreachable: %s", n->id, n->unreachable);
	(void)vjson_write_str(w, slice_cstr(n->key));
	wbuf_lit(w, " [style=dashed,label=");
	(void)vjson_write_str(w, slice_cstr(label)); /* JSON's \n is DOT's line break too */
	wbuf_lit(w, "];\n");
	free(label);
	return IDR_OK;
}

int
trc_write_dot(const struct trc_graph *g, struct wbuf *w)
{
	wbuf_lit(w, "digraph trace {\n");
	for (size_t i = 0; i < g->n; i++) {
		const struct trc_node *n = &g->v[i];

		if (n->depth > 0) {
			(void)vjson_write_str(w, slice_cstr(n->parent));
			wbuf_lit(w, " -> ");
			(void)vjson_write_str(w, slice_cstr(n->key));
			wbuf_printf(w, " [label=\"%s\"];\n", n->link);
		}
		if (n->unreachable != NULL && dashed(n, w) != IDR_OK) {
			return IDR_ENOMEM;
		}
	}
	wbuf_lit(w, "}\n");
	return wbuf_error(w);
}

/* ---------------------------------------------------------------- site */

/* The URL of server sv's first HTTP(S) query interface into url; false if it has none (or it
 * does not fit). */
static bool
server_url(json_t *sv, char *url, size_t len)
{
	const char *addr = json_string_value(json_object_get(sv, "address"));
	json_t *it;
	size_t k;

	json_array_foreach(json_object_get(sv, "interfaces"), k, it)
	{
		const char *proto = json_string_value(json_object_get(it, "protocol"));
		json_t *pj = json_object_get(it, "port");
		json_int_t port = json_integer_value(pj);
		int n;

		if (addr == NULL || addr[0] == '\0' || proto == NULL || !json_is_integer(pj) ||
		    port <= 0 || port > 65535 || json_is_false(json_object_get(it, "query")) ||
		    (strcmp(proto, "HTTP") != 0 && strcmp(proto, "HTTPS") != 0)) {
			continue;
		}
		n = snprintf(url, len, strchr(addr, ':') != NULL ? "%s://[%s]:%d" : "%s://%s:%d",
		             strcmp(proto, "HTTPS") == 0 ? "https" : "http", addr, (int)port);
		return n > 0 && (size_t)n < len;
	}
	return false;
}

/* One HS_SITE value's data into out; true if a server has an HTTP interface. */
static bool
site_take(json_t *site, struct trc_site *out)
{
	json_t *servers = json_object_get(site, "servers"), *sv;
	json_t *hj = json_object_get(site, "hashOption");
	size_t j;

	memset(out, 0, sizeof(*out));
	out->hash_option = HDL_HASH_BY_HANDLE;
	if (json_is_integer(hj) && json_integer_value(hj) >= 0 && json_integer_value(hj) <= 255) {
		out->hash_option = (unsigned)json_integer_value(hj);
	}
	if (!json_is_array(servers) || json_array_size(servers) > UINT32_MAX) {
		return false;
	}
	out->nservers = (uint32_t)json_array_size(servers);
	json_array_foreach(servers, j, sv)
	{
		if (out->n < TRC_SITE_MAX && server_url(sv, out->url[out->n], TRC_URL_MAX)) {
			out->server[out->n++] = (uint32_t)j;
		}
	}
	return out->n > 0;
}

int
trc_site_read(struct slice body, struct trc_site *out)
{
	json_t *root, *v;
	int rc = IDR_ENOENT;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (body.len > TRC_JSON_MAX) {
		return IDR_ELIMIT;
	}
	root = json_loadb((const char *)body.p, body.len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return IDR_EPROTO;
	}
	json_array_foreach(json_object_get(root, "values"), i, v)
	{
		const char *type = json_string_value(json_object_get(v, "type"));

		if (type != NULL &&
		    (strcmp(type, "HS_SITE") == 0 || strcmp(type, "HS_SITE.PREFIX") == 0) &&
		    site_take(json_object_get(json_object_get(v, "data"), "value"), out)) {
			rc = IDR_OK;
			break;
		}
	}
	if (rc != IDR_OK) {
		memset(out, 0, sizeof(*out));
	}
	json_decref(root);
	return rc;
}

long
trc_site_order(const struct trc_site *site, const char *id, size_t *order)
{
	long pick = -1;
	size_t k = 0, i;
	int h;

	if (id != NULL && site->nservers > 0 && strlen(id) <= HDL_MAX_HANDLE_LEN) {
		h = hdl_server_hash(slice_cstr(id), site->hash_option, site->nservers);
		for (i = 0; h >= 0 && i < site->n; i++) {
			if (site->server[i] == (uint32_t)h) {
				pick = h;
				order[k++] = i;
			}
		}
	}
	for (i = 0; i < site->n; i++) {
		if (pick < 0 || site->server[i] != (uint32_t)pick) {
			order[k++] = i;
		}
	}
	return pick;
}
