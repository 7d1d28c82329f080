/* test_shard.c - a site of several servers sharding by the Handle hash: the decision table
 * (ref/handle.md §6.7 and the §8 vectors), the 0.NA exemptions, the site_servers syntax and
 * the HS_SITE a sharded server publishes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/shard.h"
#include "core/site.h"
#include "hdl/hdl.h"
#include "model/value.h"

static void
list_set(struct cfg_list *l, const char *const *v, size_t n)
{
	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < n; i++) {
		l->v[i] = (char *)(uintptr_t)v[i]; /* read only by shard_init */
		l->line[i] = (unsigned)(i + 10);
	}
	l->n = n;
}

/* ref/handle.md §8: whole-handle hash mod 3, and mod 2 / by prefix / by suffix from the
 * printed hash values; prefix handles and slash-less names go to every server. */
static void
test_shard_owner_table(void **state)
{
	static const struct {
		const char *handle;
		unsigned option;
		uint32_t n;
		uint32_t want;
	} t[] = {
	        {"88.100.1/abc", HDL_HASH_BY_HANDLE, 3, 0}, /* 1235060187 % 3 */
	        {"10.1000/1", HDL_HASH_BY_HANDLE, 3, 2},    /* 1515935840 % 3 */
	        {"20.500.12345/XYZ", HDL_HASH_BY_HANDLE, 3, 1},
	        {"88.100.1/abc", HDL_HASH_BY_HANDLE, 2, 1}, /* 1235060187 % 2 */
	        {"10.1000/1", HDL_HASH_BY_HANDLE, 2, 0},    /* 1515935840 % 2 */
	        {"20.500.12345/XYZ", HDL_HASH_BY_HANDLE, 2, 0},
	        {"88.100.1/abc", HDL_HASH_BY_PREFIX, 3, 0}, /* 626612451 % 3 */
	        {"88.100.1/abc", HDL_HASH_BY_SUFFIX, 3, 1}, /* 891676978 % 3 */
	        {"10.1000/1", HDL_HASH_BY_PREFIX, 3, 1},    /* 2091615925 % 3 */
	        {"10.1000/1", HDL_HASH_BY_SUFFIX, 3, 2},    /* 1869972635 % 3 */
	        {"88.100.1/ABC", HDL_HASH_BY_HANDLE, 3, 0}, /* case-insensitive */
	        {"88.100.1/abc", HDL_HASH_BY_HANDLE, 1, 0}, /* one server */
	        {"0.NAX/1", HDL_HASH_BY_HANDLE, 3, 1},      /* not a prefix handle: hashed */
	        {"0.NA/88.100.1", HDL_HASH_BY_HANDLE, 3, SHARD_EVERY}, /* would hash to 0 */
	        {"0.NA/88.100.1", HDL_HASH_BY_HANDLE, 2, SHARD_EVERY},
	        {"0.na/88.100.1", HDL_HASH_BY_SUFFIX, 2, SHARD_EVERY},
	        {"0.Na/x", HDL_HASH_BY_PREFIX, 2, SHARD_EVERY},
	        {"88.100.1", HDL_HASH_BY_HANDLE, 3, SHARD_EVERY}, /* slash-less: 0.NA/88.100.1 */
	        {"abc", HDL_HASH_BY_PREFIX, 3, SHARD_EVERY},
	};
	uint32_t got;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = 12345;
		assert_int_equal(shard_owner(slice_cstr(t[i].handle), t[i].option, t[i].n, &got),
		                 IDR_OK);
		if (got != t[i].want) {
			fail_msg("%s option %u n %u: got %u want %u", t[i].handle, t[i].option,
			         t[i].n, got, t[i].want);
		}
	}
	assert_int_equal(shard_owner(SLICE_LIT("a/b"), HDL_HASH_BY_HANDLE, 0, &got), IDR_EINVAL);
	assert_int_equal(shard_owner(SLICE_LIT("a/b"), 3, 2, &got), IDR_EINVAL);
}

/* shard_owner agrees with hdl_server_hash (no second implementation of the rule). */
static void
test_shard_owner_is_server_hash(void **state)
{
	char h[64];
	uint32_t got;

	(void)state;
	for (unsigned i = 0; i < 200; i++) {
		snprintf(h, sizeof(h), "88.118.8/P-%u", i);
		for (unsigned opt = 0; opt < 3; opt++) {
			for (uint32_t n = 1; n <= 5; n++) {
				assert_int_equal(shard_owner(slice_cstr(h), opt, n, &got), IDR_OK);
				assert_int_equal((int)got, hdl_server_hash(slice_cstr(h), opt, n));
			}
		}
	}
}

static void
test_shard_mine(void **state)
{
	static const char *const servers[] = {"127.0.0.1:2641", "127.0.0.2:2641", "127.0.0.3:2641"};
	struct shard *s = malloc(sizeof(*s));
	struct cfg_list l;

	(void)state;
	assert_non_null(s);
	list_set(&l, servers, 3);
	for (uint32_t self = 0; self < 3; self++) {
		assert_int_equal(shard_init(s, &l, self, "handle", NULL, 0, NULL, NULL), IDR_OK);
		assert_int_equal(s->n, 3);
		assert_int_equal(s->self, self);
		/* 88.100.1/abc -> 0, 10.1000/1 -> 2, 20.500.12345/XYZ -> 1 */
		assert_int_equal(shard_mine(s, SLICE_LIT("88.100.1/abc")), self == 0);
		assert_int_equal(shard_mine(s, SLICE_LIT("10.1000/1")), self == 2);
		assert_int_equal(shard_mine(s, SLICE_LIT("20.500.12345/XYZ")), self == 1);
		assert_int_equal(shard_pick(s, SLICE_LIT("10.1000/1")), 2);
		/* exempt everywhere */
		assert_true(shard_mine(s, SLICE_LIT("0.NA/88.100.1")));
		assert_true(shard_mine(s, SLICE_LIT("88.100.1")));
	}
	/* one server (no site_servers): everything is mine */
	list_set(&l, servers, 0);
	assert_int_equal(shard_init(s, &l, 0, NULL, NULL, 0, NULL, NULL), IDR_OK);
	assert_int_equal(s->n, 1);
	assert_true(shard_mine(s, SLICE_LIT("10.1000/1")));
	assert_int_equal(shard_pick(s, SLICE_LIT("10.1000/1")), SHARD_EVERY);
	free(s);
}

static void
test_shard_init_forms(void **state)
{
	static const char *const one_line[] = {" 127.0.0.1:2641 , [::1]:2642,localhost:2643"};
	static const char *const lines[] = {"127.0.0.1:2641", "127.0.0.2:2642,127.0.0.3:2643"};
	struct shard *s = malloc(sizeof(*s));
	struct cfg_list l;
	unsigned opt;

	(void)state;
	assert_non_null(s);
	list_set(&l, one_line, 1);
	assert_int_equal(shard_init(s, &l, 2, "suffix", NULL, 0, NULL, NULL), IDR_OK);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->option, HDL_HASH_BY_SUFFIX);
	assert_int_equal(addr_port(&s->servers[0]), 2641);
	assert_int_equal(s->servers[1].ss.ss_family, AF_INET6);
	assert_int_equal(addr_port(&s->servers[2]), 2643);
	list_set(&l, lines, 2);
	assert_int_equal(shard_init(s, &l, 1, "prefix", NULL, 0, NULL, NULL), IDR_OK);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->option, HDL_HASH_BY_PREFIX);
	assert_int_equal(addr_port(&s->servers[2]), 2643);
	assert_int_equal(shard_option_parse("handle", &opt), IDR_OK);
	assert_int_equal(opt, HDL_HASH_BY_HANDLE);
	assert_int_equal(shard_option_parse("Handle", &opt), IDR_EINVAL);
	assert_string_equal(shard_option_name(HDL_HASH_BY_SUFFIX), "suffix");
	assert_string_equal(shard_option_name(7), "?");
	free(s);
}

/* Every bad entry is refused with a reason and the line of its entry. */
static void
test_shard_init_errors(void **state)
{
	static const struct {
		const char *entry;
		uint64_t index;
		const char *option;
		const char *why; /* a part of the reason */
		bool has_line;
	} t[] = {
	        {"127.0.0.1", 0, "handle", "expected ADDR:PORT", true},
	        {"127.0.0.1:0", 0, "handle", "port other than 0", true},
	        {"*:2641", 0, "handle", "expected ADDR:PORT", true},
	        {"0.0.0.0:2641", 0, "handle", "expected ADDR:PORT", true},
	        {"example.com:2641", 0, "handle", "expected ADDR:PORT", true},
	        {"127.0.0.1:65536", 0, "handle", "expected ADDR:PORT", true},
	        {"127.0.0.1:2641,", 0, "handle", "empty server entry", true},
	        {",127.0.0.1:2641", 0, "handle", "empty server entry", true},
	        {"127.0.0.1:2641,,127.0.0.1:2642", 0, "handle", "empty server entry", true},
	        {"127.0.0.1:2641,127.0.0.1:2642", 2, "handle", "past the end", false},
	        {"127.0.0.1:2641", 0, "whole", "prefix, suffix or handle", false},
	        {"127.0.0.1:2641 127.0.0.1:2642", 0, "handle", "expected ADDR:PORT", true},
	};
	struct shard *s = malloc(sizeof(*s));
	const char *why;
	unsigned line;
	char buf[200];
	struct cfg_list l;

	(void)state;
	assert_non_null(s);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *v[1] = {t[i].entry};

		list_set(&l, v, 1);
		why = NULL;
		line = 99;
		assert_int_equal(
		        shard_init(s, &l, t[i].index, t[i].option, buf, sizeof(buf), &why, &line),
		        IDR_ECONFIG);
		assert_non_null(why);
		if (strstr(why, t[i].why) == NULL) {
			fail_msg("%s: reason '%s' lacks '%s'", t[i].entry, why, t[i].why);
		}
		assert_int_equal(line, t[i].has_line ? 10u : 0u);
	}
	/* 65 servers: one past the limit */
	{
		static char big[65 * 20];
		const char *v[1] = {big};
		size_t off = 0;

		for (int i = 0; i < 65; i++) {
			off += (size_t)snprintf(big + off, sizeof(big) - off, "%s127.0.0.1:%d",
			                        i > 0 ? "," : "", 1000 + i);
		}
		list_set(&l, v, 1);
		assert_int_equal(shard_init(s, &l, 0, "handle", buf, sizeof(buf), &why, &line),
		                 IDR_ECONFIG);
		assert_non_null(strstr(why, "more than 64"));
		big[off - strlen(",127.0.0.1:1064")] = '\0'; /* 64 servers: fine */
		assert_int_equal(shard_init(s, &l, 63, "handle", buf, sizeof(buf), &why, &line),
		                 IDR_OK);
		assert_int_equal(s->n, 64);
	}
	/* no site_servers: only index 0 */
	list_set(&l, NULL, 0);
	assert_int_equal(shard_init(s, &l, 1, "handle", buf, sizeof(buf), &why, &line),
	                 IDR_ECONFIG);
	free(s);
}

/* site_http_servers: one HTTP listener per server of site_servers, or none. */
static void
test_shard_http_init(void **state)
{
	static const struct {
		const char *entry; /* NULL: no entries */
		int rc;
		const char *why; /* a part of the reason on error */
		bool has_line;
	} t[] = {
	        {NULL, IDR_OK, NULL, false},
	        {"127.0.0.1:8000,127.0.0.1:8001", IDR_OK, NULL, false},
	        {"127.0.0.1:8000", IDR_ECONFIG, "not one entry per server", false},
	        {"127.0.0.1:8000,127.0.0.1:8001,127.0.0.1:8002", IDR_ECONFIG,
	         "not one entry per server", false},
	        {"127.0.0.1:8000,127.0.0.1", IDR_ECONFIG, "site_http_servers: 127.0.0.1", true},
	        {"127.0.0.1:8000,0.0.0.0:8001", IDR_ECONFIG, "expected ADDR:PORT", true},
	        {"127.0.0.1:8000,", IDR_ECONFIG, "site_http_servers: empty server entry", true},
	};
	const char *servers[1] = {"127.0.0.1:2641,127.0.0.1:2642"};
	struct shard *s = malloc(sizeof(*s));
	struct cfg_list sl, hl;
	struct addr a;
	const char *why, *aw;
	unsigned line;
	char buf[200];

	(void)state;
	assert_non_null(s);
	list_set(&sl, servers, 1);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *v[1] = {t[i].entry};

		assert_int_equal(shard_init(s, &sl, 0, "handle", buf, sizeof(buf), &why, &line),
		                 IDR_OK);
		list_set(&hl, v, t[i].entry != NULL ? 1 : 0);
		why = NULL;
		line = 99;
		assert_int_equal(shard_http_init(s, &hl, buf, sizeof(buf), &why, &line), t[i].rc);
		if (t[i].rc == IDR_OK) {
			assert_int_equal(s->nhttp, t[i].entry != NULL ? 2u : 0u);
			continue;
		}
		assert_non_null(why);
		if (strstr(why, t[i].why) == NULL) {
			fail_msg("%s: reason '%s' lacks '%s'", t[i].entry, why, t[i].why);
		}
		assert_int_equal(line, t[i].has_line ? 10u : 0u);
	}
	/* the site's HTTP peers: any port of a listed address, nothing else */
	{
		const char *v[1] = {"127.0.0.1:8000,127.0.0.2:8001"};

		list_set(&hl, v, 1);
		assert_int_equal(shard_http_init(s, &hl, NULL, 0, NULL, NULL), IDR_OK);
		assert_int_equal(addr_parse("127.0.0.2:51000", &a, &aw), IDR_OK);
		assert_true(shard_http_peer(s, &a));
		assert_int_equal(addr_parse("127.0.0.3:8000", &a, &aw), IDR_OK);
		assert_false(shard_http_peer(s, &a));
		assert_false(shard_http_peer(s, NULL));
		assert_int_equal(addr_parse("[::1]:8000", &a, &aw), IDR_OK);
		assert_false(shard_http_peer(s, &a));
	}
	free(s);
}

/* Load the defaults plus text; conf_load's checks report to the counter. */
static void
count_err(void *arg, const char *file, unsigned line, const char *msg)
{
	(void)file;
	(void)line;
	(void)msg;
	(*(int *)arg)++;
}

static int
conf_text(struct conf *c, const char *text, int *errors)
{
	char path[] = "/tmp/test_shard_XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	*errors = 0;
	rc = conf_load(c, path, count_err, errors);
	unlink(path);
	return rc;
}

/* conf_load checks the site options; idrd -n reports them. */
static void
test_shard_conf_checked(void **state)
{
	struct conf c;
	int errors;

	(void)state;
	assert_int_equal(conf_text(&c,
	                           "site_servers 127.0.0.1:2641,127.0.0.1:2642\n"
	                           "site_server_index 1\nsite_hash_option suffix\n",
	                           &errors),
	                 IDR_OK);
	assert_int_equal(c.site_servers.n, 1);
	assert_int_equal(c.site_server_index, 1);
	assert_string_equal(c.site_hash_option, "suffix");
	conf_free(&c);
	assert_int_equal(
	        conf_text(&c, "site_servers 127.0.0.1:2641\nsite_server_index 1\n", &errors),
	        IDR_ECONFIG);
	assert_int_equal(errors, 1);
	conf_free(&c);
	assert_int_equal(conf_text(&c, "site_servers 127.0.0.1\n", &errors), IDR_ECONFIG);
	assert_int_equal(errors, 1);
	conf_free(&c);
	assert_int_equal(conf_text(&c, "site_hash_option all\n", &errors), IDR_ECONFIG);
	conf_free(&c);
	assert_int_equal(conf_text(&c,
	                           "site_servers 127.0.0.1:2641,127.0.0.1:2642\n"
	                           "site_http_servers 127.0.0.1:8000\n",
	                           &errors),
	                 IDR_ECONFIG);
	assert_int_equal(errors, 1);
	conf_free(&c);
	assert_int_equal(conf_text(&c,
	                           "site_servers 127.0.0.1:2641,127.0.0.1:2642\n"
	                           "site_http_servers 127.0.0.1:8000, 127.0.0.1:8001\n",
	                           &errors),
	                 IDR_OK);
	assert_int_equal(c.site_http_servers.n, 1);
	conf_free(&c);
}

/* The HS_SITE of server 1 of a 3-server site: every server, ids 1..3 in order, TCP+UDP on
 * the configured ports, HTTP only for itself, the hash option. */
static void
test_shard_site_published(void **state)
{
	struct value_site *site = calloc(1, sizeof(*site));
	struct site_ports ports = {40000, 40000, 8081, 0};
	struct wbuf out;
	struct conf c;
	int errors;

	(void)state;
	assert_non_null(site);
	assert_int_equal(conf_text(&c,
	                           "site_servers 127.0.0.1:2641, 127.0.0.2:2642\n"
	                           "site_servers [::1]:2643\n"
	                           "site_server_index 1\nsite_hash_option prefix\n",
	                           &errors),
	                 IDR_OK);
	wbuf_init_heap(&out, 1u << 16);
	assert_int_equal(site_build(&out, &c, &ports, SLICE_LIT("KEY")), IDR_OK);
	assert_int_equal(value_site_decode(wbuf_slice(&out), site), IDR_OK);
	assert_int_equal(site->nservers, 3);
	assert_int_equal(site->hash_option, HDL_HASH_BY_PREFIX);
	for (uint32_t i = 0; i < 3; i++) {
		const struct value_site_server *sv = &site->servers[i];

		assert_int_equal(sv->id, i + 1);
		assert_int_equal(sv->nifaces, i == 1 ? 3 : 2);
		assert_int_equal(sv->ifaces[0].proto, VALUE_PROTO_TCP);
		assert_int_equal(sv->ifaces[0].port, 2641 + i);
		assert_int_equal(sv->ifaces[1].proto, VALUE_PROTO_UDP);
		assert_int_equal(sv->ifaces[1].port, 2641 + i);
		assert_int_equal(sv->pubkey.len, i == 1 ? 3 : 0);
	}
	assert_int_equal(site->servers[1].ifaces[2].proto, VALUE_PROTO_HTTP);
	assert_int_equal(site->servers[1].ifaces[2].port, 8081);
	assert_int_equal(site->servers[1].addr[15], 2);
	assert_int_equal(site->servers[2].addr[15], 1); /* ::1 */
	assert_int_equal(site->servers[2].addr[0], 0);
	/* a stock client hashing over this HS_SITE picks what the server decides */
	assert_int_equal(hdl_server_hash(SLICE_LIT("10.1000/1"), site->hash_option, 3), 1);
	wbuf_deinit(&out);
	conf_free(&c);
	/* one server: the hash option is published as configured */
	assert_int_equal(conf_text(&c, "site_hash_option suffix\n", &errors), IDR_OK);
	wbuf_init_heap(&out, 1u << 16);
	assert_int_equal(site_build(&out, &c, &ports, SLICE_LIT("")), IDR_OK);
	assert_int_equal(value_site_decode(wbuf_slice(&out), site), IDR_OK);
	assert_int_equal(site->nservers, 1);
	assert_int_equal(site->hash_option, HDL_HASH_BY_SUFFIX);
	wbuf_deinit(&out);
	conf_free(&c);
	free(site);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_shard_owner_table),
	        cmocka_unit_test(test_shard_owner_is_server_hash),
	        cmocka_unit_test(test_shard_mine),
	        cmocka_unit_test(test_shard_init_forms),
	        cmocka_unit_test(test_shard_init_errors),
	        cmocka_unit_test(test_shard_http_init),
	        cmocka_unit_test(test_shard_conf_checked),
	        cmocka_unit_test(test_shard_site_published),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
