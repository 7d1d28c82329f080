/* test_frec.c - recursion helpers: the server of a multi-server site by the Handle hash rule
 * (ref/handle.md §6.7, vectors in §8), its query interfaces, and the TTL of an answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rec_site_target_hash),
	        cmocka_unit_test(test_rec_site_target_interfaces),
	        cmocka_unit_test(test_rec_body_ttl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
