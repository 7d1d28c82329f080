/* test_site.c - this node's HS_SITE from the configuration, and the server key encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "core/conf.h"
#include "core/site.h"
#include "lib/conf_text.h"
#include "model/value.h"

/* ref/handle.md §8: ver 1, proto 2.11, serial 1, primary, hash 2, desc=test, server 1 at
 * 127.0.0.1, no key, interfaces (3,TCP,2641) (2,UDP,2641) (3,HTTP,8000): the site of the
 * default listeners (HTTP serves Handle messages) */
static const char site_vector[] =
        "0001020b0001800200000000000000010000000464657363000000047465737400000001000000010000"
        "000000000000000000007f0000010000000000000003030100000a51020000000a51030200001f40";

/* HS_PUBKEY encodings of tests/data/keys/{rsa1024,dsa1024}.pem, written down from
 * `openssl pkey -text` (which prints each number as Java's BigInteger.toByteArray()). */
static const char rsa_hs[] =
        "0000000b5253415f5055425f4b45590000000000030100010000008100c7f145750cc3a1b4f858c4e98b"
        "e43360dc4cac901d3ea771b1810969a78feb380b4be8952b810bf461bbb20e164b7d52d8ec827e7c0250"
        "a2194ce95cee2d6457e7be748abc877677cf63c0fd8df51e98114c42f3486455b351ad72a4dc273eb10c"
        "f83db826abd27a9aa0c8c85f58d63cf6e580ddd860dd0186ca8b68655551a1";
static const char dsa_hs[] =
        "0000000b4453415f5055425f4b455900000000001500c58624c9e500be99380ea8913c22ac270c0fbf17"
        "0000008100ef0829d62b3cc646efd2e673dfcb80fc422a5483023ddbc1fe63b4305e8aff161488f01bae"
        "813bbf974155aba1ac128aded0e777c45dcb7ffcc6395790e089b42525ef825fbb6106e0b8115318962a"
        "0502b7e915ffb6daba284b8625fe84be6ea5c149d381fb504b8dd1a33d8ae97850afb70f7dff1bcc427f"
        "02722117a41d39000000804d93e0a2c6cfe4a6a9d703cc5cfc4c7b067a078abf08687404bc419efee9b2"
        "1217759c4470a9fa96984370072dbb9db9a6f51d49b1012476e35c17daf514fbf19eca1d2543b3420043"
        "8efa5fc31fd634dc4f54ae6cce049686c72ac66825743fccd5cba533f482ba979b131b42c5b80552abd5"
        "308c3b688a5e11f6532c9ebec8000000810084be570501eaa7881564d745203f3cf45c9e6ce59fd3ec1a"
        "b9b26ce10b96182d67d3c3b3417895c8e14777ac1bda0190385287617f851fb9092eca8bcc2399a7450a"
        "e95021cfffee47e81e5a902e728ff28d297525000761fbe27730536564d3ef572f05e90503418bf3a81f"
        "e4b319b719f75b3dd2d309478728e26b8e4f92ec";

struct fix {
	struct conf c;
	struct wbuf out;
	struct value_site *site;
};

static void
unhex(const char *hex, uint8_t *out, size_t *len)
{
	*len = strlen(hex) / 2;
	assert_int_equal(crypto_unhex(hex, strlen(hex), out, *len), IDR_OK);
}

static void
assert_bytes(struct slice got, const char *hex)
{
	static uint8_t want[4096];
	size_t len;

	unhex(hex, want, &len);
	if (got.len != len || memcmp(got.p, want, len) != 0) {
		char *g = malloc(got.len * 2 + 1);

		assert_non_null(g);
		crypto_hex(got.p, got.len, g);
		fail_msg("bytes differ\nwant %s\ngot  %s", hex, g);
	}
}

/* Defaults, then the given `key value` lines. */
static void
load(struct fix *f, const char *text)
{
	conf_free(&f->c);
	conf_text_load(&f->c, text);
	wbuf_reset(&f->out);
}

/* The configuration file cannot empty a list option: tests do it on the struct. */
static void
clear_list(struct cfg_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i]);
		l->v[i] = NULL;
	}
	l->n = 0;
}

static const char *
key_path(const char *name)
{
	static char path[4096];
	const char *data = getenv("IDR_TEST_DATA");

	assert_non_null(data);
	snprintf(path, sizeof(path), "%s/keys/%s", data, name);
	return path;
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->site = calloc(1, sizeof(*f->site));
	assert_non_null(f->site);
	wbuf_init_heap(&f->out, 1u << 20);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	conf_free(&f->c);
	wbuf_deinit(&f->out);
	free(f->site);
	free(f);
	return 0;
}

static const struct value_site *
decoded(struct fix *f)
{
	assert_int_equal(value_site_decode(wbuf_slice(&f->out), f->site), IDR_OK);
	return f->site;
}

/* No interface for the HTTP or HTTPS listeners while they serve no Handle-over-HTTP. */
static void
assert_no_http(const struct value_site_server *srv)
{
	for (size_t i = 0; i < srv->nifaces; i++) {
		assert_int_not_equal(srv->ifaces[i].proto, VALUE_PROTO_HTTP);
		assert_int_not_equal(srv->ifaces[i].proto, VALUE_PROTO_HTTPS);
	}
}

static void
test_site_vector_from_listeners(void **state)
{
	struct fix *f = *state;

	/* the defaults listen on 127.0.0.1:2641 (UDP, TCP) and 127.0.0.1:8000 (HTTP) */
	load(f, "site_serial 1\nsite_description test\nsite_primary yes\n");
	assert_int_equal(site_encode(&f->out, &f->c, NULL), IDR_OK);
	/* HTTP serves Handle messages (http/native.h): the HTTP interface is published */
	assert_bytes(wbuf_slice(&f->out), site_vector);
}

/* Once the HTTP listeners serve Handle-over-HTTP (SITE_HTTP_SERVES_HDL), the same site gains
 * the HTTP interface in Handle.Net's order: the §8 vector. */
static void
test_site_ifaces_http_hdl(void **state)
{
	struct site_ports p = {2641, 2641, 8000, 8443};
	struct value_site_server *srv;
	struct fix *f = *state;
	uint8_t buf[256];
	struct wbuf w;

	assert_true(SITE_HTTP_SERVES_HDL);
	load(f, "site_serial 1\nsite_description test\nsite_primary yes\n");
	assert_int_equal(site_encode(&f->out, &f->c, NULL), IDR_OK);
	(void)decoded(f);
	srv = &f->site->servers[0];
	srv->nifaces = 0;
	site_ifaces(srv, &p, false);
	assert_int_equal(srv->nifaces, 2);
	assert_no_http(srv);
	srv->nifaces = 0;
	p.https = 0;
	site_ifaces(srv, &p, true);
	wbuf_init(&w, buf, sizeof(buf)); /* f->site borrows f->out */
	value_site_encode(&w, f->site);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	assert_bytes(wbuf_slice(&w), site_vector);
	/* HTTPS after HTTP, admin+query */
	srv->nifaces = 0;
	p.https = 8443;
	site_ifaces(srv, &p, true);
	assert_int_equal(srv->nifaces, 4);
	assert_int_equal(srv->ifaces[3].type, 3);
	assert_int_equal(srv->ifaces[3].proto, VALUE_PROTO_HTTPS);
	assert_int_equal(srv->ifaces[3].port, 8443);
}

static void
test_site_vector_from_bound_ports(void **state)
{
	struct site_ports p = {2641, 2641, 8000, 0};
	struct fix *f = *state;

	/* listening on port 0; the bound ports and site_address make the same site */
	load(f, "site_description test\nudp_listen 0.0.0.0:0\ntcp_listen 0.0.0.0:0\n"
	        "http_listen [::]:0\nsite_address 127.0.0.1\n");
	assert_int_equal(site_encode(&f->out, &f->c, &p), IDR_OK);
	assert_bytes(wbuf_slice(&f->out), site_vector);
}

static void
test_site_fields(void **state)
{
	struct site_ports p = {0, 3000, 0, 8443};
	const struct value_site *s;
	struct fix *f = *state;

	load(f, "site_serial 65535\nsite_primary no\nsite_description \"node 88.100\"\n"
	        "udp_listen [2001:db8::7]:2641\n");
	assert_int_equal(site_encode(&f->out, &f->c, &p), IDR_OK);
	s = decoded(f);
	assert_int_equal(s->version, 1);
	assert_int_equal(s->proto_major, 2);
	assert_int_equal(s->proto_minor, 11);
	assert_int_equal(s->serial, 65535);
	assert_int_equal(s->primary_mask, 0);
	assert_int_equal(s->hash_option, 2);
	assert_int_equal(s->nattrs, 1);
	assert_true(slice_eq(s->attrs[0].name, SLICE_LIT("desc")));
	assert_true(slice_eq(s->attrs[0].value, SLICE_LIT("node 88.100")));
	assert_int_equal(s->nservers, 1);
	assert_int_equal(s->servers[0].id, SITE_SERVER_ID);
	assert_memory_equal(s->servers[0].addr,
	                    "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07", 16);
	assert_int_equal(s->servers[0].pubkey.len, 0);
	/* interfaces only for bound listeners: TCP admin+query, HTTPS admin+query */
	assert_int_equal(s->servers[0].nifaces, 2);
	assert_int_equal(s->servers[0].ifaces[0].type, 3);
	assert_int_equal(s->servers[0].ifaces[0].proto, VALUE_PROTO_TCP);
	assert_int_equal(s->servers[0].ifaces[0].port, 3000);
	assert_int_equal(s->servers[0].ifaces[1].type, 3);
	assert_int_equal(s->servers[0].ifaces[1].proto, VALUE_PROTO_HTTPS);
	assert_int_equal(s->servers[0].ifaces[1].port, 8443);
}

static void
test_site_no_description(void **state)
{
	struct fix *f = *state;

	load(f, "site_description \"\"\n");
	assert_null(f->c.site_description);
	assert_int_equal(site_encode(&f->out, &f->c, NULL), IDR_OK);
	assert_int_equal(decoded(f)->nattrs, 0);
}

static void
test_site_address_choice(void **state)
{
	struct fix *f = *state;
	uint8_t addr[16];
	bool wild = true;

	/* site_address wins over the listeners */
	load(f, "site_address 2001:db8::1\nsite_address 192.0.2.9\n");
	assert_int_equal(site_address(&f->c, addr, &wild), IDR_OK);
	assert_memory_equal(addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	assert_false(wild);
	/* no UDP listener: the TCP one */
	load(f, "tcp_listen 192.0.2.1:2641\n");
	clear_list(&f->c.udp_listen);
	assert_int_equal(site_address(&f->c, addr, &wild), IDR_OK);
	assert_memory_equal(addr, "\0\0\0\0\0\0\0\0\0\0\0\0\xc0\x00\x02\x01", 16);
	/* only HTTP: its address */
	load(f, "http_listen 192.0.2.2:80\n");
	clear_list(&f->c.udp_listen);
	clear_list(&f->c.tcp_listen);
	assert_int_equal(site_address(&f->c, addr, &wild), IDR_OK);
	assert_memory_equal(addr, "\0\0\0\0\0\0\0\0\0\0\0\0\xc0\x00\x02\x02", 16);
}

static void
test_site_wildcard_published(void **state)
{
	struct fix *f = *state;
	uint8_t addr[16];
	bool wild = false;

	/* a wildcard listener without site_address: published as it is (and a warning logged) */
	load(f, "udp_listen 0.0.0.0:2641\n");
	assert_int_equal(site_address(&f->c, addr, &wild), IDR_OK);
	assert_true(wild);
	assert_true(site_addr_is_wildcard(addr));
	assert_int_equal(site_encode(&f->out, &f->c, NULL), IDR_OK);
	assert_true(site_addr_is_wildcard(decoded(f)->servers[0].addr));
}

/* listen addresses are read exactly as the listeners read them: `*` and localhost too */
static void
test_site_listen_forms(void **state)
{
	static const uint8_t lo[16] = {[12] = 127, [15] = 1};
	static const uint8_t any[16] = {0};
	struct fix *f = *state;
	uint8_t addr[16];
	bool wild = false;

	load(f, "udp_listen localhost:2641\n");
	assert_int_equal(site_address(&f->c, addr, &wild), IDR_OK);
	assert_memory_equal(addr, lo, 16);
	assert_false(wild);
	load(f, "udp_listen *:2641\n");
	assert_int_equal(site_address(&f->c, addr, &wild), IDR_OK);
	assert_memory_equal(addr, any, 16);
	assert_true(wild);
	load(f, "udp_listen *:2641\nsite_address 192.0.2.7\n");
	assert_int_equal(site_address(&f->c, addr, &wild), IDR_OK);
	assert_int_equal(addr[12], 192);
	assert_int_equal(addr[15], 7);
	assert_false(wild);
}

static void
test_site_bad_addresses(void **state)
{
	static const char *const bad[] = {
	        "site_address 127.0.0.1:2641\n", /* a port in site_address */
	        "site_address node.example\n",   /* names are not published */
	        "site_address 300.1.1.1\n",       "site_address [::1\n",
	        "udp_listen host.example:2641\n", "udp_listen 127.0.0.1:65536\n",
	};
	struct fix *f = *state;
	uint8_t addr[16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		load(f, bad[i]);
		assert_int_equal(site_address(&f->c, addr, NULL), IDR_ECONFIG);
		wbuf_cstr(&f->out, "keep");
		assert_int_equal(site_encode(&f->out, &f->c, NULL), IDR_ECONFIG);
		assert_int_equal(wbuf_len(&f->out), 4); /* nothing appended on error */
	}
}

static void
test_site_addr_parse_table(void **state)
{
	static const struct {
		const char *text;
		const char *addr; /* 16 bytes */
		int rc;
		uint16_t port;
		bool has_port;
	} cases[] = {
	        {"127.0.0.1", "\0\0\0\0\0\0\0\0\0\0\0\0\x7f\0\0\x01", IDR_OK, 0, false},
	        {"127.0.0.1:2641", "\0\0\0\0\0\0\0\0\0\0\0\0\x7f\0\0\x01", IDR_OK, 2641, true},
	        {"0.0.0.0:0", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", IDR_OK, 0, true},
	        {"[::1]:65535", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", IDR_OK, 65535, true},
	        {"[::1]", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", IDR_OK, 0, false},
	        {"::", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", IDR_OK, 0, false},
	        {"::ffff:1.2.3.4", "\0\0\0\0\0\0\0\0\0\0\xff\xff\x01\x02\x03\x04", IDR_OK, 0,
	         false},
	        {"", NULL, IDR_EINVAL, 0, false},
	        {"127.0.0.1:", NULL, IDR_EINVAL, 0, false},
	        {"127.0.0.1:65536", NULL, IDR_EINVAL, 0, false},
	        {"127.0.0.1:-1", NULL, IDR_EINVAL, 0, false},
	        {"127.0.0.1:12x", NULL, IDR_EINVAL, 0, false},
	        {"[::1]2641", NULL, IDR_EINVAL, 0, false},
	        {"[::1", NULL, IDR_EINVAL, 0, false},
	        {"[127.0.0.1]:1", "\0\0\0\0\0\0\0\0\0\0\0\0\x7f\0\0\x01", IDR_OK, 1, true},
	        {"1.2.3", NULL, IDR_EINVAL, 0, false},
	        {"example.com:80", NULL, IDR_EINVAL, 0, false},
	        {"[fe80::1%eth0]:1", NULL, IDR_EINVAL, 0, false},
	        {"1111:2222:3333:4444:5555:6666:7777:8888:9999", NULL, IDR_EINVAL, 0, false},
	};
	uint8_t addr[16];
	uint16_t port;
	bool has_port;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(addr, 0xaa, sizeof(addr));
		port = 7;
		has_port = true;
		assert_int_equal(site_addr_parse(cases[i].text, addr, &port, &has_port),
		                 cases[i].rc);
		if (cases[i].rc != IDR_OK) {
			continue;
		}
		assert_memory_equal(addr, cases[i].addr, 16);
		assert_int_equal(port, cases[i].port);
		assert_int_equal(has_port, cases[i].has_port);
	}
	assert_int_equal(site_addr_parse(NULL, addr, NULL, NULL), IDR_EINVAL);
}

static void
test_site_ports_from_conf(void **state)
{
	struct site_ports p;
	struct fix *f = *state;

	load(f, "udp_listen 127.0.0.1:1\nudp_listen 127.0.0.1:9\ntcp_listen [::1]:2\n"
	        "https_listen 127.0.0.1:4\ntls_cert x\ntls_key y\n");
	clear_list(&f->c.http_listen);
	site_ports_from_conf(&f->c, &p);
	assert_int_equal(p.udp, 1); /* the first entry of each list */
	assert_int_equal(p.tcp, 2);
	assert_int_equal(p.http, 0);
	assert_int_equal(p.https, 4);
}

static void
check_key(struct fix *f, const char *file, const char *hs)
{
	char text[4200];

	snprintf(text, sizeof(text), "server_key %s\n", key_path(file));
	load(f, text);
	assert_int_equal(site_encode(&f->out, &f->c, NULL), IDR_OK);
	assert_bytes(decoded(f)->servers[0].pubkey, hs);
}

static void
test_site_pubkey_rsa(void **state)
{
	struct fix *f = *state;

	check_key(f, "rsa1024.pem", rsa_hs);       /* PKCS#8 private key */
	check_key(f, "rsa1024.pkcs1.pem", rsa_hs); /* traditional "RSA PRIVATE KEY" */
	check_key(f, "rsa1024.pub.pem", rsa_hs);   /* public key only */
}

static void
test_site_pubkey_dsa(void **state)
{
	check_key(*state, "dsa1024.pem", dsa_hs);
}

static void
test_site_pubkey_errors(void **state)
{
	static const struct {
		const char *file;
		int rc;
	} cases[] = {
	        {"ec256.pem", IDR_EINVAL},       /* a key type HS_PUBKEY cannot carry */
	        {"rsa1024.enc.pem", IDR_EPROTO}, /* encrypted: never prompts */
	        {"README", IDR_EPROTO},          /* no PEM key at all */
	        {"no-such-file.pem", IDR_ENOENT},
	};
	struct fix *f = *state;
	char text[4200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wbuf_reset(&f->out);
		wbuf_cstr(&f->out, "keep");
		assert_int_equal(crypto_hs_pubkey_file(key_path(cases[i].file), &f->out),
		                 cases[i].rc);
		assert_int_equal(wbuf_len(&f->out), 4);
		snprintf(text, sizeof(text), "server_key %s\n", key_path(cases[i].file));
		load(f, text);
		assert_int_equal(site_encode(&f->out, &f->c, NULL), IDR_ECONFIG);
		assert_int_equal(wbuf_len(&f->out), 0);
	}
}

static void
test_site_out_full(void **state)
{
	struct fix *f = *state;
	uint8_t small[40];
	struct wbuf w;

	load(f, "");
	wbuf_init(&w, small, sizeof(small));
	assert_int_equal(site_encode(&w, &f->c, NULL), IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 0);
	wbuf_init(&w, small, sizeof(small));
	assert_int_equal(crypto_hs_pubkey_file(key_path("rsa1024.pem"), &w), IDR_ETOOBIG);
	assert_int_equal(wbuf_len(&w), 0);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	        T(test_site_vector_from_listeners),
	        T(test_site_vector_from_bound_ports),
	        T(test_site_ifaces_http_hdl),
	        T(test_site_fields),
	        T(test_site_no_description),
	        T(test_site_address_choice),
	        T(test_site_wildcard_published),
	        T(test_site_listen_forms),
	        T(test_site_bad_addresses),
	        T(test_site_addr_parse_table),
	        T(test_site_ports_from_conf),
	        T(test_site_pubkey_rsa),
	        T(test_site_pubkey_dsa),
	        T(test_site_pubkey_errors),
	        T(test_site_out_full),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
