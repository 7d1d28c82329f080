/* test_frec.c - recursion helpers: the server of a multi-server site by the Handle hash rule
 * (ref/handle.md §6.7, vectors in §8), its query interfaces, and the TTL of an answer; failover
 * between configured top-level addresses against fake UDP servers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fed/rec.h"

/* A site of n servers 10.0.0.(i+1), each with UDP port 2000+i and TCP port 3000+i. */
static struct value_site *
site_of(size_t n, uint8_t hash_option)
{
	struct value_site *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->hash_option = hash_option;
	s->nservers = n;
	for (size_t i = 0; i < n; i++) {
		struct value_site_server *sv = &s->servers[i];

		sv->id = (uint32_t)i + 1;
		sv->addr[12] = 10;
		sv->addr[15] = (uint8_t)(i + 1);
		sv->nifaces = 3;
		sv->ifaces[0] = (struct value_site_iface){3, VALUE_PROTO_TCP, 3000 + (uint32_t)i};
		sv->ifaces[1] = (struct value_site_iface){2, VALUE_PROTO_UDP, 2000 + (uint32_t)i};
		sv->ifaces[2] = (struct value_site_iface){3, VALUE_PROTO_HTTP, 8000};
	}
	return s;
}

/* The server index a target points at (from its UDP port). */
static unsigned
server_of(const struct upq_target *t)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&t->udp.ss;

	assert_true(t->has_udp && t->has_tcp);
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(addr_port(&t->tcp) - 3000, addr_port(&t->udp) - 2000);
	assert_int_equal(((const uint8_t *)&sin->sin_addr)[3], addr_port(&t->udp) - 2000 + 1);
	return addr_port(&t->udp) - 2000u;
}

/* ref/handle.md §8: hashes by prefix / suffix / whole handle. */
static const struct {
	const char *handle;
	uint32_t hash[3];
	unsigned mod3_whole;
} vectors[] = {
        {"88.100.1/abc", {626612451u, 891676978u, 1235060187u}, 0},
        {"0.NA/88.100.1", {36223079u, 626612451u, 252776214u}, 0},
        {"10.1000/1", {2091615925u, 1869972635u, 1515935840u}, 2},
        {"20.500.12345/XYZ", {1502227973u, 1906389438u, 1146214018u}, 1},
};

static void
test_rec_site_target_hash(void **state)
{
	static const size_t sizes[] = {1, 2, 3, 5, 7, 16};

	(void)state;
	for (size_t v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++) {
		struct slice h = slice_cstr(vectors[v].handle);

		for (uint8_t opt = 0; opt < 3; opt++) {
			for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
				struct value_site *s = site_of(sizes[k], opt);
				struct upq_target t;

				assert_int_equal(frec_site_target(s, h, &t), IDR_OK);
				if (server_of(&t) != vectors[v].hash[opt] % sizes[k]) {
					fail_msg("%s option %u, %zu servers: server %u, want %u",
					         vectors[v].handle, opt, sizes[k], server_of(&t),
					         (unsigned)(vectors[v].hash[opt] % sizes[k]));
				}
				if (opt == 2 && sizes[k] == 3) {
					assert_int_equal(server_of(&t), vectors[v].mod3_whole);
				}
				free(s);
			}
		}
	}
}

static void
test_rec_site_target_interfaces(void **state)
{
	struct value_site *s = site_of(1, 2);
	struct upq_target t;

	(void)state;
	/* no query interface over UDP/TCP: nothing to ask */
	s->servers[0].ifaces[0].type = VALUE_IFACE_ADMIN;
	s->servers[0].ifaces[1].type = 0;
	assert_int_equal(frec_site_target(s, SLICE_LIT("88.1/x"), &t), IDR_ENOENT);
	/* TCP only */
	s->servers[0].ifaces[0].type = 3;
	assert_int_equal(frec_site_target(s, SLICE_LIT("88.1/x"), &t), IDR_OK);
	assert_false(t.has_udp);
	assert_true(t.has_tcp);
	assert_int_equal(addr_port(&t.tcp), 3000);
	/* port out of range is skipped */
	s->servers[0].ifaces[0].port = 70000;
	assert_int_equal(frec_site_target(s, SLICE_LIT("88.1/x"), &t), IDR_ENOENT);
	/* IPv6 server */
	s->servers[0].ifaces[0].port = 2641;
	memset(s->servers[0].addr, 0, 16);
	s->servers[0].addr[0] = 0xfd;
	s->servers[0].addr[15] = 1;
	assert_int_equal(frec_site_target(s, SLICE_LIT("88.1/x"), &t), IDR_OK);
	assert_int_equal(t.tcp.ss.ss_family, AF_INET6);
	/* no server, unknown hash option */
	s->nservers = 0;
	assert_int_equal(frec_site_target(s, SLICE_LIT("88.1/x"), &t), IDR_ENOENT);
	s->nservers = 1;
	s->hash_option = 9;
	assert_true(frec_site_target(s, SLICE_LIT("88.1/x"), &t) < 0);
	free(s);
}

/* A RESOLUTION body of values with the given TTLs (type, ttl pairs). */
static struct slice
body_of(struct wbuf *w, const uint8_t *ttl_types, const int32_t *ttls, size_t n)
{
	wbuf_reset(w);
	wbuf_u32(w, 6);
	wbuf_bytes(w, "88.1/x", 6);
	wbuf_u32(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		struct value v = {0};

		v.index = (uint32_t)i + 1;
		v.ttl_type = ttl_types[i];
		v.ttl = ttls[i];
		v.perms = VALUE_PERM_PUBLIC_READ;
		v.type = SLICE_LIT("URL");
		v.data = SLICE_LIT("https://e");
		value_encode(w, &v);
	}
	assert_int_equal(wbuf_error(w), IDR_OK);
	return wbuf_slice(w);
}

static void
test_rec_body_ttl(void **state)
{
	static const struct {
		uint8_t types[3];
		int32_t ttls[3];
		size_t n;
		uint32_t max, want;
	} cases[] = {
	        {{0, 0, 0}, {86400, 300, 600}, 3, 86400, 300}, /* smallest relative TTL */
	        {{0}, {86400}, 1, 3600, 3600},                 /* capped */
	        {{0}, {-5}, 1, 3600, 0},                       /* negative: not cached */
	        {{1, 0}, {1000100, 500}, 2, 3600, 100},        /* absolute: minus now */
	        {{1}, {999000}, 1, 3600, 0},                   /* absolute, past */
	        {{0}, {0}, 0, 3600, 3600},                     /* no values: the cap */
	};
	struct wbuf w;

	(void)state;
	wbuf_init_heap(&w, 4096);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct slice b = body_of(&w, cases[i].types, cases[i].ttls, cases[i].n);

		if (frec_body_ttl(b, 1000000, cases[i].max) != cases[i].want) {
			fail_msg("case %zu: %u, want %u", i,
			         frec_body_ttl(b, 1000000, cases[i].max), cases[i].want);
		}
	}
	/* a malformed body is never cached */
	assert_int_equal(frec_body_ttl(SLICE_LIT("\x00\x00"), 1000000, 3600), 0);
	wbuf_deinit(&w);
}

/* A fake top level over UDP: silent, or answering 100 (handle not found) to every query. */
struct ftop {
	int fd;
	struct event *ev;
	struct addr addr;
	bool silent;
	unsigned seen;
};

static void
ftop_read(evutil_socket_t fd, short what, void *arg)
{
	struct hdl_resp_opts o = {0x5f5e1000, 0xffff, 0};
	struct ftop *t = arg;
	uint8_t buf[2048], out[2048];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
	struct hdl_msg m;
	struct wbuf w;
	struct rbuf r;

	(void)what;
	if (n <= 0) {
		return;
	}
	t->seen++;
	if (t->silent) {
		return;
	}
	rbuf_init(&r, buf, (size_t)n);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	wbuf_init(&w, out, sizeof(out));
	assert_int_equal(hdl_resp_error(&w, &m, HDL_RC_HANDLE_NOT_FOUND, SLICE_LIT(""), &o),
	                 IDR_OK);
	assert_true(sendto(fd, out, w.len, 0, (struct sockaddr *)&ss, sl) > 0);
}

static void
ftop_start(struct ftop *t, struct event_base *base, bool silent)
{
	struct sockaddr_in sin = {0};
	socklen_t sl = sizeof(sin);

	memset(t, 0, sizeof(*t));
	t->silent = silent;
	t->fd = socket(AF_INET, SOCK_DGRAM, 0);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(t->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(t->fd, (struct sockaddr *)&sin, &sl), 0);
	assert_int_equal(addr_from(&t->addr, (struct sockaddr *)&sin, sl), IDR_OK);
	t->ev = event_new(base, t->fd, EV_READ | EV_PERSIST, ftop_read, t);
	assert_int_equal(event_add(t->ev, NULL), 0);
}

static void
ftop_stop(struct ftop *t)
{
	event_free(t->ev);
	close(t->fd);
}

struct got {
	bool done;
	uint32_t rc;
};

static void
on_done(void *arg, const struct frec_answer *a)
{
	struct got *g = arg;

	g->done = true;
	g->rc = a->rc;
}

static void
resolve_one(struct frec *f, struct event_base *base, const char *handle, struct got *g)
{
	struct frec_wait *w = NULL;

	memset(g, 0, sizeof(*g));
	assert_int_equal(frec_start(f, slice_cstr(handle), on_done, g, &w), IDR_OK);
	while (!g->done) {
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	}
}

/* The first top-level address is silent: the second answers within the lookup's time-out, and
 * later lookups go to the one that answered without asking the silent one again. */
static void
test_rec_toplevel_failover(void **state)
{
	struct event_base *base = event_base_new();
	struct ftop dead, live;
	struct frec_opts o;
	struct frec *f = NULL;
	struct got g;
	unsigned seen;

	(void)state;
	assert_non_null(base);
	ftop_start(&dead, base, true);
	ftop_start(&live, base, false);
	memset(&o, 0, sizeof(o));
	o.toplevel[0] = dead.addr;
	o.toplevel[1] = live.addr;
	o.ntop = 2;
	o.timeout_ms = 1600;
	o.max_referrals = 4;
	o.cache_max = 16;
	o.cache_bytes = 65536;
	o.negative_ttl = 0; /* nothing cached: every lookup goes upstream */
	assert_int_equal(frec_new(&f, base, &o), IDR_OK);

	resolve_one(f, base, "88.7/x", &g);
	assert_int_equal(g.rc, HDL_RC_HANDLE_NOT_FOUND); /* an answer, not RC_ERROR */
	assert_true(dead.seen >= 1);
	assert_true(live.seen >= 1);

	seen = dead.seen;
	resolve_one(f, base, "88.9/y", &g);
	assert_int_equal(g.rc, HDL_RC_HANDLE_NOT_FOUND);
	assert_int_equal(dead.seen, seen);

	/* both silent or gone: the lookup fails within its time-out */
	ftop_stop(&live);
	live.silent = true;
	ftop_start(&live, base, true);
	frec_free(f);
	o.toplevel[1] = live.addr;
	o.timeout_ms = 400;
	assert_int_equal(frec_new(&f, base, &o), IDR_OK);
	resolve_one(f, base, "88.7/z", &g);
	assert_int_equal(g.rc, HDL_RC_ERROR);
	assert_true(live.seen >= 1);

	frec_free(f);
	ftop_stop(&dead);
	ftop_stop(&live);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rec_site_target_hash),
	        cmocka_unit_test(test_rec_site_target_interfaces),
	        cmocka_unit_test(test_rec_body_ttl),
	        cmocka_unit_test(test_rec_toplevel_failover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
