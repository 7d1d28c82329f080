/* test_trc.c - traces across nodes: the graph, the parser of a node's trace answer (valid,
 * every truncation, every limit one past), the walk grafting from peers (fake sources), and
 * the tree, JSON and DOT writers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/trc.h"

#define EV  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define EV2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static const char answer[] =
        "{\"root\":\"88.2/car\",\"direction\":\"back\",\"nodes\":["
        "{\"id\":\"88.2/Car\",\"depth\":0,\"kind\":\"product\",\"hosted\":true},"
        "{\"id\":\"88.1/P1\",\"depth\":1,\"parent\":\"88.2/CAR\",\"link\":\"transformation\","
        "\"event\":\"" EV "\",\"hosted\":false},"
        "{\"id\":\"urn:epc:id:sgtin:1.2.3\",\"depth\":2,\"parent\":\"88.1/P1\","
        "\"link\":\"aggregation\",\"event\":\"" EV2 "\"}"
        "],\"truncated\":true}";

static void
test_trc_parse_valid(void **state)
{
	struct trc_graph g;
	char err[256] = "";

	(void)state;
	trc_graph_init(&g);
	assert_int_equal(trc_parse(slice_cstr(answer), 2, 10, &g, err, sizeof(err)), IDR_OK);
	assert_int_equal(g.n, 3);
	assert_true(g.truncated);
	assert_string_equal(g.v[0].id, "88.2/Car");
	assert_string_equal(g.v[0].key, "88.2/CAR");
	assert_string_equal(g.v[0].kind, "product");
	assert_null(g.v[0].parent);
	assert_true(g.v[0].hosted);
	assert_false(g.v[1].hosted);
	assert_string_equal(g.v[1].link, "transformation");
	assert_string_equal(g.v[1].event, EV);
	assert_int_equal(g.v[1].src, 2);
	assert_true(g.v[2].hosted); /* absent: hosted */
	assert_string_equal(g.v[2].key, "urn:epc:id:sgtin:1.2.3");
	assert_int_equal(trc_graph_find(&g, "88.1/P1"), 1);
	assert_int_equal(trc_graph_find(&g, "88.1/p1"), -1);
	/* too many nodes for the cap */
	assert_int_equal(trc_parse(slice_cstr(answer), 2, 2, &g, err, sizeof(err)), IDR_ELIMIT);
	assert_int_equal(g.n, 0);
	trc_graph_deinit(&g);
}

static void
test_trc_parse_truncated(void **state)
{
	struct trc_graph g;
	char err[256];

	(void)state;
	trc_graph_init(&g);
	for (size_t n = 0; n < sizeof(answer) - 1; n++) {
		err[0] = '\0';
		assert_int_equal(trc_parse(slice_make(answer, n), -1, 10, &g, err, sizeof(err)),
		                 IDR_EPROTO);
		assert_int_equal(g.n, 0);
		assert_true(err[0] != '\0');
	}
	trc_graph_deinit(&g);
}

struct bad_case {
	const char *nodes; /* the members of "nodes" after a valid root */
	int rc;
	const char *why;
};

#define ROOT "{\"id\":\"88.2/R\",\"depth\":0}"
#define CHILD(extra)                                                                               \
	",{\"id\":\"88.2/C\",\"depth\":1,\"parent\":\"88.2/R\",\"link\":\"aggregation\"," extra "}"

static const struct bad_case bad_cases[] = {
        {"", IDR_OK, NULL},
        {CHILD("\"event\":\"" EV "\""), IDR_OK, NULL},
        {CHILD("\"event\":\"" EV "0\""), IDR_EPROTO, "event"},
        {CHILD("\"event\":\"0123\""), IDR_EPROTO, "event"},
        {CHILD("\"event\":\"" EV "\",\"hosted\":1"), IDR_EPROTO, "hosted"},
        {",{\"id\":\"88.2/C\",\"depth\":1,\"parent\":\"88.2/R\",\"link\":\"glue\",\"event\":\"" EV
         "\"}",
         IDR_EPROTO, "link"},
        {",{\"id\":\"88.2/C\",\"depth\":2,\"parent\":\"88.2/R\",\"link\":\"aggregation\","
         "\"event\":\"" EV "\"}",
         IDR_EPROTO, "parent"},
        {",{\"id\":\"88.2/C\",\"depth\":1,\"parent\":\"88.2/X\",\"link\":\"aggregation\","
         "\"event\":\"" EV "\"}",
         IDR_EPROTO, "parent"},
        {",{\"id\":\"88.2/C\",\"depth\":1,\"link\":\"aggregation\",\"event\":\"" EV "\"}",
         IDR_EPROTO, "parent"},
        {",{\"id\":\"88.2/r\",\"depth\":1,\"parent\":\"88.2/R\",\"link\":\"aggregation\","
         "\"event\":\"" EV "\"}",
         IDR_EPROTO, "twice"},
        {",{\"id\":\"88.2/C\",\"depth\":0}", IDR_EPROTO, "depth"},
        {",{\"id\":\"88.2/C\",\"depth\":65,\"parent\":\"88.2/R\"}", IDR_EPROTO, "depth"},
        {",{\"id\":\"\",\"depth\":1}", IDR_EPROTO, "id"},
        {",{\"id\":7,\"depth\":1}", IDR_EPROTO, "id"},
        {",{\"id\":\"a\\u0000b\",\"depth\":1}", IDR_EPROTO, "JSON"},
        {",[]", IDR_EPROTO, "object"},
};

static void
test_trc_parse_bad(void **state)
{
	struct trc_graph g;
	char err[256], text[1024];

	(void)state;
	trc_graph_init(&g);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		err[0] = '\0';
		snprintf(text, sizeof(text), "{\"nodes\":[" ROOT "%s]}", bad_cases[i].nodes);
		assert_int_equal(trc_parse(slice_cstr(text), -1, 10, &g, err, sizeof(err)),
		                 bad_cases[i].rc);
		if (bad_cases[i].why != NULL) {
			assert_non_null(strstr(err, bad_cases[i].why));
			assert_int_equal(g.n, 0);
		}
	}
	static const char *const docs[] = {
	        "[]",
	        "{}",
	        "{\"nodes\":[]}",
	        "{\"nodes\":{}}",
	        "{\"nodes\":[" ROOT "],\"truncated\":1}",
	        "{\"nodes\":[" ROOT "],\"nodes\":[" ROOT "]}",
	        "{\"nodes\":[{\"id\":\"88.2/R\",\"depth\":1}]}",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		assert_int_equal(trc_parse(slice_cstr(docs[i]), -1, 10, &g, err, sizeof(err)),
		                 IDR_EPROTO);
	}
	trc_graph_deinit(&g);
}

/* Strings at their cap parse; one past is IDR_ELIMIT; a body over TRC_JSON_MAX too. */
static void
test_trc_parse_limits(void **state)
{
	size_t cap = TRC_ID_MAX + TRC_KIND_MAX + 128;
	char *text = malloc(cap), *id = malloc(TRC_ID_MAX + 2), kind[TRC_KIND_MAX + 2];
	struct trc_graph g;
	char err[256];

	(void)state;
	trc_graph_init(&g);
	for (size_t extra = 0; extra < 2; extra++) {
		memset(id, 'x', TRC_ID_MAX + extra);
		memcpy(id, "urn:", 4);
		id[TRC_ID_MAX + extra] = '\0';
		snprintf(text, cap, "{\"nodes\":[{\"id\":\"%s\",\"depth\":0}]}", id);
		assert_int_equal(trc_parse(slice_cstr(text), -1, 10, &g, err, sizeof(err)),
		                 extra == 0 ? IDR_OK : IDR_ELIMIT);
		memset(kind, 'k', TRC_KIND_MAX + extra);
		kind[TRC_KIND_MAX + extra] = '\0';
		snprintf(text, cap, "{\"nodes\":[{\"id\":\"a\",\"kind\":\"%s\",\"depth\":0}]}",
		         kind);
		assert_int_equal(trc_parse(slice_cstr(text), -1, 10, &g, err, sizeof(err)),
		                 extra == 0 ? IDR_OK : IDR_ELIMIT);
	}
	assert_int_equal(
	        trc_parse(slice_make(text, (size_t)TRC_JSON_MAX + 1), -1, 10, &g, err, sizeof(err)),
	        IDR_ELIMIT);
	trc_graph_deinit(&g);
	free(text);
	free(id);
}

/* ---------------------------------------------------------------- walk with fake sources */

struct edge {
	const char *from, *to;
};

struct fake_src {
	const struct edge *edges; /* NULL-terminated */
	const char *hosts;        /* the prefix it hosts */
	bool down;
	int asked;
};

struct fake {
	struct fake_src here;
	struct fake_src peer[3];
};

static bool
hosted_by(const struct fake_src *s, const char *id)
{
	size_t n = strlen(s->hosts);

	return strncmp(id, s->hosts, n) == 0 && id[n] == '/';
}

/* A breadth-first walk of the source's edges, as a node answers. */
static int
fake_fetch(void *arg, int src, const char *id, unsigned depth, size_t max, struct trc_graph *out,
           char *err, size_t errlen)
{
	struct fake *f = arg;
	struct fake_src *s = src == TRC_SRC_HERE ? &f->here : &f->peer[src];
	struct trc_node n;
	char buf[64];

	s->asked++;
	if (s->down) {
		snprintf(err, errlen, "connection refused");
		return -111;
	}
	memset(&n, 0, sizeof(n));
	snprintf(buf, sizeof(buf), "%s", id);
	n.id = buf;
	n.hosted = hosted_by(s, id);
	n.src = src;
	assert_int_equal(trc_graph_add(out, &n), IDR_OK);
	for (size_t i = 0; i < out->n; i++) {
		if (out->v[i].depth == depth) {
			continue;
		}
		for (const struct edge *e = s->edges; e->from != NULL; e++) {
			if (strcmp(e->from, out->v[i].key) != 0 ||
			    trc_graph_find(out, e->to) >= 0) {
				continue;
			}
			if (out->n == max) {
				out->truncated = true;
				return IDR_OK;
			}
			memset(&n, 0, sizeof(n));
			snprintf(buf, sizeof(buf), "%s", e->to);
			n.id = buf;
			n.parent = out->v[i].key;
			n.depth = out->v[i].depth + 1;
			n.hosted = hosted_by(s, e->to);
			n.src = src;
			snprintf(n.link, sizeof(n.link), "transformation");
			snprintf(n.event, sizeof(n.event), "%s", src == TRC_SRC_HERE ? EV : EV2);
			assert_int_equal(trc_graph_add(out, &n), IDR_OK);
		}
	}
	return IDR_OK;
}

/* B (88.2): the car from two parts of A; A (88.1): part 1 from a casting, part 2 from B's
 * scrap; B: the scrap from the car (a cycle across nodes). */
static const struct edge b_edges[] = {
        {"88.2/CAR", "88.1/P1"}, {"88.2/CAR", "88.1/P2"}, {"88.2/SCRAP", "88.2/CAR"}, {NULL, NULL}};
static const struct edge a_edges[] = {
        {"88.1/P1", "88.1/CAST"}, {"88.1/P2", "88.2/SCRAP"}, {NULL, NULL}};
static const char *const names[] = {"http://a", "http://b", "http://c"};

static void
fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->here = (struct fake_src){b_edges, "88.2", false, 0};
	f->peer[0] = (struct fake_src){a_edges, "88.1", false, 0};
	f->peer[1] = (struct fake_src){b_edges, "88.2", false, 0};
}

static const char *
unreachable_of(const struct trc_graph *g, const char *key)
{
	long i = trc_graph_find(g, key);

	assert_true(i >= 0);
	return g->v[i].unreachable;
}

static void
test_trc_walk_graft(void **state)
{
	struct fake f;
	struct trc_walk w = {16, 100, 1, names, fake_fetch, &f};
	struct trc_graph g;
	char err[256];

	(void)state;
	fake_init(&f);
	trc_graph_init(&g);
	assert_int_equal(trc_walk_run(&w, "88.2/CAR", &g, err, sizeof(err)), IDR_OK);
	assert_int_equal(g.n, 5); /* CAR P1 P2 CAST SCRAP */
	assert_int_equal(g.v[trc_graph_find(&g, "88.1/CAST")].depth, 2);
	assert_int_equal(g.v[trc_graph_find(&g, "88.1/CAST")].src, 0);
	assert_int_equal(g.v[trc_graph_find(&g, "88.1/P1")].grafted, 0);
	assert_null(unreachable_of(&g, "88.1/P1"));
	assert_string_equal(unreachable_of(&g, "88.2/SCRAP"),
	                    "no peer answers: http://a: does not host it");
	assert_false(g.truncated);
	/* both nodes as peers: the scrap leads back to the car, which is not walked again */
	w.npeers = 2;
	assert_int_equal(trc_walk_run(&w, "88.2/CAR", &g, err, sizeof(err)), IDR_OK);
	assert_int_equal(g.n, 5);
	assert_null(unreachable_of(&g, "88.2/SCRAP"));
	assert_int_equal(g.v[trc_graph_find(&g, "88.2/SCRAP")].grafted, 1);
	trc_graph_deinit(&g);
}

static void
test_trc_walk_unreachable(void **state)
{
	struct fake f;
	struct trc_walk w = {16, 100, 2, names, fake_fetch, &f};
	struct trc_graph g;
	char err[256];

	(void)state;
	fake_init(&f);
	f.peer[0].down = true;
	trc_graph_init(&g);
	assert_int_equal(trc_walk_run(&w, "88.2/CAR", &g, err, sizeof(err)), IDR_OK);
	assert_int_equal(g.n, 3);
	assert_string_equal(unreachable_of(&g, "88.1/P1"),
	                    "no peer answers: http://a: connection refused; "
	                    "http://b: does not host it");
	assert_non_null(unreachable_of(&g, "88.1/P2"));
	/* without peers nothing is asked or marked */
	w.npeers = 0;
	f.peer[0].asked = 0;
	assert_int_equal(trc_walk_run(&w, "88.2/CAR", &g, err, sizeof(err)), IDR_OK);
	assert_int_equal(g.n, 3);
	assert_null(unreachable_of(&g, "88.1/P1"));
	assert_int_equal(f.peer[0].asked, 0);
	/* the first source down: an error */
	f.here.down = true;
	assert_int_equal(trc_walk_run(&w, "88.2/CAR", &g, err, sizeof(err)), -111);
	assert_string_equal(err, "connection refused");
	assert_int_equal(g.n, 0);
	trc_graph_deinit(&g);
}

static void
test_trc_walk_caps(void **state)
{
	struct fake f;
	struct trc_walk w = {1, 100, 1, names, fake_fetch, &f};
	struct trc_graph g;
	char err[256];

	(void)state;
	fake_init(&f);
	trc_graph_init(&g);
	/* depth 1: the parts are at the last level, no peer is asked */
	assert_int_equal(trc_walk_run(&w, "88.2/CAR", &g, err, sizeof(err)), IDR_OK);
	assert_int_equal(g.n, 3);
	assert_int_equal(f.peer[0].asked, 0);
	assert_null(unreachable_of(&g, "88.1/P1"));
	/* depth 2: A's answers one level deep */
	w.depth = 2;
	assert_int_equal(trc_walk_run(&w, "88.2/CAR", &g, err, sizeof(err)), IDR_OK);
	assert_int_equal(g.n, 5);
	for (size_t i = 0; i < g.n; i++) {
		assert_true(g.v[i].depth <= 2);
	}
	/* max 4: the graft stops there, truncated */
	w.depth = 16;
	w.max = 4;
	assert_int_equal(trc_walk_run(&w, "88.2/CAR", &g, err, sizeof(err)), IDR_OK);
	assert_int_equal(g.n, 4);
	assert_true(g.truncated);
	trc_graph_deinit(&g);
}

/* ---------------------------------------------------------------- writers */

static void
test_trc_write(void **state)
{
	struct fake f;
	struct trc_walk w = {16, 100, 1, names, fake_fetch, &f};
	struct trc_graph g;
	struct wbuf out;
	char err[256];

	(void)state;
	fake_init(&f);
	trc_graph_init(&g);
	assert_int_equal(trc_walk_run(&w, "88.2/CAR", &g, err, sizeof(err)), IDR_OK);
	wbuf_init_heap(&out, 1 << 20);
	assert_int_equal(trc_write_tree(&g, &out), IDR_OK);
	wbuf_terminate(&out);
	assert_string_equal((const char *)wbuf_data(&out),
	                    "88.2/CAR\n"
	                    "  88.1/P1  [transformation]\n"
	                    "    88.1/CAST  [transformation]\n"
	                    "  88.1/P2  [transformation]\n"
	                    "    88.2/SCRAP  [transformation]  (unreachable: no peer answers: "
	                    "http://a: does not host it)\n");
	wbuf_reset(&out);
	assert_int_equal(trc_write_json(&g, "88.2/car", "back", &out), IDR_OK);
	wbuf_terminate(&out);
	assert_non_null(strstr((const char *)wbuf_data(&out),
	                       "{\"root\":\"88.2/car\",\"direction\":\"back\",\"nodes\":[\n"
	                       "{\"id\":\"88.2/CAR\",\"depth\":0,\"hosted\":true},\n"));
	assert_non_null(strstr((const char *)wbuf_data(&out),
	                       "\"hosted\":false,\"unreachable\":\"no peer answers: http://a: "
	                       "does not host it\"}\n],\"truncated\":false}\n"));
	wbuf_reset(&out);
	assert_int_equal(trc_write_dot(&g, &out), IDR_OK);
	wbuf_terminate(&out);
	assert_non_null(strstr((const char *)wbuf_data(&out),
	                       "\"88.1/P1\" -> \"88.1/CAST\" [label=\"transformation\"];\n"));
	assert_non_null(strstr((const char *)wbuf_data(&out),
	                       "\"88.2/SCRAP\" [style=dashed,label=\"88.2/SCRAP\\nunreachable: no "
	                       "peer answers: http://a: does not host it\"];\n}\n"));
	wbuf_deinit(&out);
	trc_graph_deinit(&g);
}

/* ---------------------------------------------------------------- site */

#define IF_HTTP(port)  "{\"query\":true,\"admin\":false,\"protocol\":\"HTTP\",\"port\":" #port "}"
#define IF_HTTPS(port) "{\"query\":true,\"admin\":false,\"protocol\":\"HTTPS\",\"port\":" #port "}"
#define IF_TCP(port)   "{\"query\":true,\"admin\":true,\"protocol\":\"TCP\",\"port\":" #port "}"
#define SERVER(id, addr, ifs)                                                                      \
	"{\"serverId\":" #id ",\"address\":\"" addr "\",\"interfaces\":[" ifs "]}"
#define SITE_VALUE(index, type, hash, servers)                                                     \
	"{\"index\":" #index ",\"type\":\"" type "\",\"data\":{\"format\":\"site\",\"value\":{"    \
	"\"version\":1,\"serialNumber\":1" hash ",\"servers\":[" servers "]}}}"
#define ANSWER(values) "{\"responseCode\":1,\"handle\":\"0.NA/88.118.8\",\"values\":[" values "]}"

/* three servers, each with an HTTP(S) interface; the hash option absent: the whole handle */
static const char site3[] = ANSWER(
        SITE_VALUE(1, "HS_SITE", "",
                   SERVER(1, "127.0.0.1", IF_TCP(2641) "," IF_HTTP(8001)) "," SERVER(
                           2, "::1", IF_HTTPS(8443)) "," SERVER(3, "10.0.0.3", IF_HTTP(8003))));

static void
assert_order(const struct trc_site *site, const char *id, long pick, const char *want)
{
	size_t order[TRC_SITE_MAX];
	char got[64] = "";

	assert_int_equal(trc_site_order(site, id, order), pick);
	for (size_t i = 0; i < site->n; i++) {
		size_t len = strlen(got);

		(void)snprintf(got + len, sizeof(got) - len, "%s%zu", i > 0 ? "," : "", order[i]);
	}
	assert_string_equal(got, want);
}

/* the server the Handle hash picks comes first (MD5 of the upper-cased handle, or its prefix
 * or suffix, last 4 bytes as a big-endian int, abs, mod 3: computed independently with
 * Python's hashlib), then the others in HS_SITE order */
static void
test_trc_site_order(void **state)
{
	struct trc_site site;
	static const char by_prefix[] = ANSWER(SITE_VALUE(
	        1, "HS_SITE", ",\"hashOption\":0",
	        SERVER(1, "127.0.0.1", IF_HTTP(8001)) "," SERVER(
	                2, "127.0.0.2", IF_HTTP(8002)) "," SERVER(3, "127.0.0.3", IF_HTTP(8003))));
	static const char by_suffix[] = ANSWER(SITE_VALUE(
	        1, "HS_SITE", ",\"hashOption\":1",
	        SERVER(1, "127.0.0.1", IF_HTTP(8001)) "," SERVER(
	                2, "127.0.0.2", IF_HTTP(8002)) "," SERVER(3, "127.0.0.3", IF_HTTP(8003))));

	(void)state;
	assert_int_equal(trc_site_read(slice_cstr(site3), &site), IDR_OK);
	assert_int_equal(site.hash_option, 2);
	assert_int_equal(site.nservers, 3);
	assert_int_equal(site.n, 3);
	assert_string_equal(site.url[0], "http://127.0.0.1:8001");
	assert_string_equal(site.url[1], "https://[::1]:8443");
	assert_string_equal(site.url[2], "http://10.0.0.3:8003");
	assert_order(&site, "88.118.8/P-1", 0, "0,1,2");
	assert_order(&site, "88.118.8/P-2", 2, "2,0,1");
	assert_order(&site, "88.118.8/P-3", 1, "1,0,2");
	assert_order(&site, "88.118.8/P-4", 0, "0,1,2");
	assert_order(&site, "88.118.8/p-3", 1, "1,0,2"); /* case-insensitive, as the hash */
	assert_order(&site, NULL, -1, "0,1,2");
	/* by prefix: every item of 88.118.8 on server 1; by suffix as computed */
	assert_int_equal(trc_site_read(slice_cstr(by_prefix), &site), IDR_OK);
	assert_int_equal(site.hash_option, 0);
	assert_order(&site, "88.118.8/P-1", 1, "1,0,2");
	assert_order(&site, "88.118.8/P-2", 1, "1,0,2");
	assert_int_equal(trc_site_read(slice_cstr(by_suffix), &site), IDR_OK);
	assert_order(&site, "88.118.8/P-2", 1, "1,0,2");
	assert_order(&site, "88.118.8/P-4", 2, "2,0,1");
	assert_order(&site, "88.118.8/P-5", 0, "0,1,2");
}

/* a server without an HTTP interface still counts in the hash; when the hash picks it, the
 * servers that have one are asked in HS_SITE order */
static void
test_trc_site_no_http(void **state)
{
	struct trc_site site;
	static const char gap[] = ANSWER(SITE_VALUE(
	        1, "HS_SITE", "",
	        SERVER(1, "127.0.0.1", IF_HTTP(8001)) "," SERVER(
	                2, "127.0.0.2", IF_TCP(2641)) "," SERVER(3, "127.0.0.3", IF_HTTP(8003))));
	/* the first site value has no HTTP interface (nor a usable one): the next one is taken */
	static const char later[] =
	        ANSWER("{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\","
	               "\"value\":{}}}," SITE_VALUE(
	                       1, "HS_SITE", "",
	                       SERVER(1, "127.0.0.1",
	                              IF_TCP(2641) ",{\"query\":false,\"protocol\":\"HTTP\","
	                                           "\"port\":80},"
	                                           "{\"protocol\":\"HTTP\",\"port\":0},"
	                                           "{\"protocol\":\"HTTP\",\"port\":65536},"
	                                           "{\"protocol\":\"HTTP\",\"port\":"
	                                           "\"80\"}")) "," SITE_VALUE(2,
	                                                                      "HS_SITE."
	                                                                      "PREFIX",
	                                                                      "",
	                                                                      SERVER(1,
	                                                                             "192.0."
	                                                                             "2.1",
	                                                                             "{\"pro"
	                                                                             "tocol"
	                                                                             "\":"
	                                                                             "\"HTTP"
	                                                                             "S\","
	                                                                             "\"port"
	                                                                             "\":"
	                                                                             "65535"
	                                                                             "}")));

	(void)state;
	assert_int_equal(trc_site_read(slice_cstr(gap), &site), IDR_OK);
	assert_int_equal(site.nservers, 3);
	assert_int_equal(site.n, 2);
	assert_int_equal(site.server[1], 2);
	assert_order(&site, "88.118.8/P-3", -1, "0,1"); /* server 1: no HTTP */
	assert_order(&site, "88.118.8/P-2", 2, "1,0");
	assert_int_equal(trc_site_read(slice_cstr(later), &site), IDR_OK);
	assert_int_equal(site.n, 1);
	assert_int_equal(site.nservers, 1);
	assert_string_equal(site.url[0], "https://192.0.2.1:65535");
}

static void
test_trc_site_bad(void **state)
{
	static const char *const none[] = {
	        ANSWER(""),
	        "{\"responseCode\":100}",
	        ANSWER(SITE_VALUE(1, "HS_SITE", "", SERVER(1, "127.0.0.1", IF_TCP(2641)))),
	        ANSWER(SITE_VALUE(1, "HS_SERV", "", SERVER(1, "127.0.0.1", IF_HTTP(80)))),
	        ANSWER(SITE_VALUE(1, "HS_SITE", "", SERVER(1, "", IF_HTTP(80)))),
	        ANSWER("{\"type\":\"HS_SITE\",\"data\":{\"value\":{\"servers\":{}}}}"),
	        ANSWER("{\"type\":\"HS_SITE\",\"data\":\"x\"}"),
	};
	struct trc_site site;
	char cut[sizeof(site3)];

	(void)state;
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		memset(&site, 0xa5, sizeof(site));
		assert_int_equal(trc_site_read(slice_cstr(none[i]), &site), IDR_ENOENT);
		assert_int_equal(site.n, 0);
	}
	assert_int_equal(trc_site_read(slice_cstr("[]"), &site), IDR_EPROTO);
	assert_int_equal(trc_site_read(slice_cstr("{\"a\":1,\"a\":2}"), &site), IDR_EPROTO);
	/* every truncation of a valid answer */
	for (size_t len = 0; len < strlen(site3); len++) {
		memcpy(cut, site3, len);
		assert_int_equal(trc_site_read(slice_make(cut, len), &site), IDR_EPROTO);
		assert_int_equal(site.n, 0);
	}
}

static void
test_trc_site_limits(void **state)
{
	char body[8192], addr[TRC_URL_MAX];
	struct trc_site site;
	size_t len, i;

	(void)state;
	/* TRC_SITE_MAX + 1 servers with HTTP: the last left out, but counted by the hash */
	len = (size_t)snprintf(body, sizeof(body),
	                       "{\"values\":[{\"type\":\"HS_SITE\",\"data\":{\"value\":{"
	                       "\"servers\":[");
	for (i = 0; i <= TRC_SITE_MAX; i++) {
		len += (size_t)snprintf(
		        body + len, sizeof(body) - len,
		        "%s{\"address\":\"10.0.0.%zu\",\"interfaces\":[" IF_HTTP(80) "]}",
		        i > 0 ? "," : "", i);
	}
	(void)snprintf(body + len, sizeof(body) - len, "]}}}]}");
	assert_int_equal(trc_site_read(slice_cstr(body), &site), IDR_OK);
	assert_int_equal(site.nservers, TRC_SITE_MAX + 1);
	assert_int_equal(site.n, TRC_SITE_MAX);
	assert_string_equal(site.url[TRC_SITE_MAX - 1], "http://10.0.0.15:80");
	/* an address whose URL fills TRC_URL_MAX exactly is left out; one byte shorter fits */
	for (int extra = 0; extra <= 1; extra++) {
		size_t alen = TRC_URL_MAX - strlen("http://:65535") - (size_t)extra;

		memset(addr, 'a', alen);
		addr[alen] = '\0';
		(void)snprintf(
		        body, sizeof(body),
		        "{\"values\":[{\"type\":\"HS_SITE\",\"data\":{\"value\":{\"servers\":["
		        "{\"address\":\"%s\",\"interfaces\":[" IF_HTTP(65535) "]}]}}}]}",
		        addr);
		assert_int_equal(trc_site_read(slice_cstr(body), &site),
		                 extra == 0 ? IDR_ENOENT : IDR_OK);
		if (extra == 1) {
			assert_int_equal(strlen(site.url[0]), TRC_URL_MAX - 1);
		}
	}
	/* a body over TRC_JSON_MAX is refused before it is read */
	assert_int_equal(trc_site_read(slice_make(body, (size_t)TRC_JSON_MAX + 1), &site),
	                 IDR_ELIMIT);
	/* an identifier over the hash's limit: HS_SITE order */
	assert_int_equal(trc_site_read(slice_cstr(site3), &site), IDR_OK);
	{
		char *big = malloc(2050);
		size_t order[TRC_SITE_MAX];

		assert_non_null(big);
		memset(big, 'A', 2049);
		big[2049] = '\0';
		assert_int_equal(trc_site_order(&site, big, order), -1);
		assert_int_equal(order[0], 0);
		free(big);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_trc_parse_valid), cmocka_unit_test(test_trc_parse_truncated),
	        cmocka_unit_test(test_trc_parse_bad),   cmocka_unit_test(test_trc_parse_limits),
	        cmocka_unit_test(test_trc_walk_graft),  cmocka_unit_test(test_trc_walk_unreachable),
	        cmocka_unit_test(test_trc_walk_caps),   cmocka_unit_test(test_trc_write),
	        cmocka_unit_test(test_trc_site_order),  cmocka_unit_test(test_trc_site_no_http),
	        cmocka_unit_test(test_trc_site_bad),    cmocka_unit_test(test_trc_site_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
