/* test_rsv.c - request dispatch through rsv_handle with an in-memory registry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/crypto.h"
#include "core/conf.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "hdl/hdl.h"
#include "lib/conf_text.h"
#include "reg.h"

#define EXPIRY 0x5f5e1000u /* the §8 vectors' expiration */
#define NOW    (EXPIRY - 43200u)

/* ---- ref/handle.md §8 ---- */
static const char s8_req1[] = "0201020100000000010203040000000000000034"
                              "000000010000000019000000ffff00005f5e100000000018"
                              "0000000c38382e3130302e312f616263000000000000000000000000";
static const char s8_resp1[] =
        "0201020b0000000001020304000000000000009b"
        "000000010000000119000000ffff00005f5e10000000007f0000000c38382e3130302e312f61626300000002"
        "000000016000000000000151800e0000000355524c0000001568747470733a2f2f6578616d706c652e636f"
        "6d2f6100000000000000646000000000000151800e0000000848535f41444d494e000000170fff0000000d"
        "302e4e412f38382e3130302e310000012c0000000000000000";
static const char s8_req2[] =
        "020a020b0000000000000007000000000000004c"
        "000000010000000099800000ffff00005f5e1000000000300000000c38382e3130302e312f616263000000"
        "020000000100000064000000020000000355524c00000005454d41494c00000000";
static const char s8_resp2[] =
        "020b020b00000000000000070000000000000083"
        "000000010000000199800000ffff00005f5e10000000006703063a9f17f376ded3c77460cc23f8da84dd2f"
        "0c60fcc7e229fb55c5cb8d7e67000000000c38382e3130302e312f61626300000001000000016000000000"
        "000151800e0000000355524c0000001568747470733a2f2f6578616d706c652e636f6d2f61000000000000"
        "0000";
static const char s8_err100[] = "0201020b00000000010203040000000000000020"
                                "000000010000006419000000ffff00005f5e1000000000040000000000000000";
static const char s8_siteinfo_req[] = "0201020100000000000000090000000000000021"
                                      "000000020000000019000000ffff00005f5e100000000005000000012f00"
                                      "000000";
static const char s8_admin_data[] = "0fff0000000d302e4e412f38382e3130302e310000012c";

struct fix {
	struct reg *reg;
	struct conf c;
	struct metrics *m;
	struct rsv *r;
	struct rsv_worker *w;
	struct wbuf out, req;
	uint8_t admin[64];
	size_t admin_len;
};

/* A parsed answer; slices borrow fix.out until the next request. */
struct answer {
	enum rsv_action action;
	size_t len;
	struct hdl_msg m;
	uint32_t rc;
	struct slice message;
	struct hdl_value_list list;
	struct slice site;
	bool has_rd;
	struct hdl_digest rd;
};

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t len = strlen(hex) / 2;

	assert_true(len <= cap);
	assert_int_equal(crypto_unhex(hex, strlen(hex), out, len), IDR_OK);
	return len;
}

static void
assert_hex(struct slice got, const char *hex)
{
	static uint8_t want[4096];
	size_t len = unhex(hex, want, sizeof(want));
	char *g;

	if (got.len == len && memcmp(got.p, want, len) == 0) {
		return;
	}
	g = malloc(got.len * 2 + 1);
	assert_non_null(g);
	crypto_hex(got.p, got.len, g);
	fail_msg("bytes differ\nwant %s\ngot  %s", hex, g);
}

static struct value
mkvalue(uint32_t index, const char *type, struct slice data, uint8_t perms)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.timestamp = 0x60000000;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = perms;
	v.type = slice_cstr(type);
	v.data = data;
	return v;
}

static void
populate(struct fix *f)
{
	struct slice admin = slice_make(f->admin, f->admin_len);
	struct value abc[2], item[6];
	struct reg_wtxn *wt;

	abc[0] = mkvalue(1, "URL", SLICE_LIT("https://example.com/a"), 0x0e);
	abc[1] = mkvalue(100, "HS_ADMIN", admin, 0x0e);
	item[0] = mkvalue(1, "URL", SLICE_LIT("https://example.com/1"), 0x0e);
	item[1] = mkvalue(2, "URL.alt", SLICE_LIT("https://example.com/2"), 0x0e);
	item[2] = mkvalue(3, "URLX", SLICE_LIT("x"), 0x0e);
	item[3] = mkvalue(4, "EMAIL", SLICE_LIT("a@example.com"), 0x0e);
	item[4] = mkvalue(5, "SECRET", SLICE_LIT("s"), 0x0c);
	item[5] = mkvalue(100, "HS_ADMIN", admin, 0x0e);
	assert_int_equal(reg_write_begin(f->reg, REG_IDENTITY_LOCAL, &wt), IDR_OK);
	assert_int_equal(
	        reg_prefix_add(wt, SLICE_LIT("88.100.1"), SLICE_LIT("ACME"), PFX_ENABLED, NULL),
	        IDR_OK);
	assert_int_equal(
	        reg_prefix_add(wt, SLICE_LIT("88.100.2"), SLICE_LIT("Off"), PFX_DISABLED, NULL),
	        IDR_OK);
	assert_int_equal(reg_create(wt, SLICE_LIT("88.100.1/abc"), REC_KIND_NONE, abc, 2,
	                            REG_KEEP_TIMESTAMPS, NULL),
	                 IDR_OK);
	assert_int_equal(reg_create(wt, SLICE_LIT("88.100.1/item"), REC_KIND_NONE, item, 6,
	                            REG_KEEP_TIMESTAMPS, NULL),
	                 IDR_OK);
	assert_int_equal(reg_write_commit(wt), IDR_OK);
}

/* §8 vectors carry serial 0xffff and no AT: Handle.Net's bare encoder, not its server */
static const char vector_conf[] = "site_serial 65535\nsite_primary no\nsite_description test\n";

static int
setup(void **state)
{
	struct rsv_ports ports = {2641, 2641, 8000, 0};
	struct reg_opts o;
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->admin_len = unhex(s8_admin_data, f->admin, sizeof(f->admin));
	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&f->reg, &o, "88.100", "test"), IDR_OK);
	populate(f);
	conf_text_load(&f->c, vector_conf);
	assert_int_equal(metrics_new(&f->m, 2, NULL, 0), IDR_OK);
	assert_int_equal(rsv_new(&f->r, f->reg, &f->c, &ports, f->m), IDR_OK);
	assert_int_equal(rsv_worker_new(f->r, 0, NULL, &f->w), IDR_OK);
	wbuf_init_heap(&f->out, HDL_MAX_UNIT_LEN);
	wbuf_init_heap(&f->req, HDL_MAX_UNIT_LEN);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	rsv_worker_free(f->w);
	rsv_free(f->r);
	metrics_free(f->m);
	reg_close(f->reg);
	conf_free(&f->c);
	wbuf_deinit(&f->out);
	wbuf_deinit(&f->req);
	free(f);
	return 0;
}

static void
parse_answer(struct answer *a, struct slice unit)
{
	struct rbuf r, rest;

	rbuf_init(&r, unit.p, unit.len);
	assert_int_equal(hdl_msg_parse(&r, &a->m), IDR_OK);
	assert_int_equal(rbuf_left(&r), 0);
	a->rc = a->m.hdr.rc;
	assert_int_equal(hdl_resp_open(&a->m, &a->rd, &a->has_rd, &rest), IDR_OK);
	if (a->rc == HDL_RC_SUCCESS && a->m.hdr.opcode == HDL_OC_RESOLUTION) {
		assert_int_equal(hdl_res_resp_parse(&rest, &a->list), IDR_OK);
	} else if (a->rc == HDL_RC_SUCCESS && a->m.hdr.opcode == HDL_OC_GET_SITEINFO) {
		assert_int_equal(hdl_siteinfo_resp_parse(&rest, &a->site), IDR_OK);
	} else {
		assert_true(hdl_rc_is_error(a->rc)); /* only codes a stock client knows */
		assert_int_equal(hdl_error_resp_parse(&rest, a->m.env.ver, &a->message), IDR_OK);
	}
}

/* Send a unit; parse the answer if there is one. */
static void
ask_unit(struct fix *f, struct slice unit, enum rsv_proto p, uint32_t now, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	wbuf_reset(&f->out);
	a->action = rsv_handle(f->w, &(struct rsv_ctx){p, NULL, NULL, 0}, unit.p, unit.len, now,
	                       &f->out);
	a->len = wbuf_len(&f->out);
	if (a->len > 0) {
		parse_answer(a, wbuf_slice(&f->out));
	}
}

static struct slice
hex_unit(struct fix *f, const char *hex)
{
	wbuf_reset(&f->req);
	assert_true(wbuf_reserve(&f->req, strlen(hex) / 2));
	f->req.len = unhex(hex, f->req.p, f->req.cap);
	return wbuf_slice(&f->req);
}

/* A RESOLUTION request as a stock client sends it (2.3 suggesting 2.11), flags given. */
static struct slice
res_unit(struct fix *f, const char *handle, const uint32_t *idx, size_t ni,
         const char *const *types, size_t nt, uint32_t flags)
{
	struct slice t[8];
	struct hdl_req_opts o;
	size_t i;

	assert_true(nt <= 8);
	for (i = 0; i < nt; i++) {
		t[i] = slice_cstr(types[i]);
	}
	hdl_req_opts_init(&o, 42, EXPIRY);
	o.flags = flags;
	wbuf_reset(&f->req);
	assert_int_equal(hdl_req_resolution_encode(&f->req, &o, slice_cstr(handle), idx, ni, t, nt),
	                 IDR_OK);
	return wbuf_slice(&f->req);
}

static void
ask(struct fix *f, const char *handle, struct answer *a)
{
	ask_unit(f, res_unit(f, handle, NULL, 0, NULL, 0, HDL_FLAG_CLIENT_DEFAULT), RSV_PROTO_UDP,
	         NOW, a);
}

static void
assert_error(const struct answer *a, uint32_t rc, const char *message)
{
	assert_int_equal(a->action, RSV_REPLY);
	assert_int_equal(a->rc, rc);
	if (!slice_eq(a->message, slice_cstr(message))) {
		fail_msg("message \"%.*s\", want \"%s\"", (int)a->message.len,
		         (const char *)a->message.p, message);
	}
}

/* The indexes of the values in a success answer, in order, as "1,2,100". */
static void
assert_indexes(const struct answer *a, const char *want)
{
	char got[256] = "";
	struct value v;
	struct slice clump;
	struct rbuf r;
	size_t n = 0;

	assert_int_equal(a->rc, HDL_RC_SUCCESS);
	rbuf_init(&r, a->list.clumps.p, a->list.clumps.len);
	while (hdl_clump_next(&r, &v, &clump) == IDR_OK) {
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%u", n > 0 ? "," : "", v.index);
	}
	assert_string_equal(got, want);
}

/* ---------------------------------------------------------------- §8 vectors */

static void
test_rsv_s8_resolution(void **state)
{
	struct fix *f = *state;
	struct answer a;

	ask_unit(f, hex_unit(f, s8_req1), RSV_PROTO_UDP, NOW, &a);
	assert_int_equal(a.action, RSV_REPLY);
	assert_hex(wbuf_slice(&f->out), s8_resp1);
	/* the same request over TCP: the same bytes, the stream stays open */
	ask_unit(f, hex_unit(f, s8_req1), RSV_PROTO_TCP, NOW, &a);
	assert_int_equal(a.action, RSV_REPLY);
	assert_hex(wbuf_slice(&f->out), s8_resp1);
}

static void
test_rsv_s8_rd_sha256(void **state)
{
	struct value admin;
	struct reg_wtxn *wt;
	struct fix *f = *state;
	struct answer a;

	/* the §8 RD answer holds the URL value only: make HS_ADMIN not public (never served) */
	admin = mkvalue(100, "HS_ADMIN", slice_make(f->admin, f->admin_len), 0x0c);
	assert_int_equal(reg_write_begin(f->reg, REG_IDENTITY_LOCAL, &wt), IDR_OK);
	assert_int_equal(reg_modify_values(wt, SLICE_LIT("88.100.1/abc"), &admin, 1), IDR_OK);
	assert_int_equal(reg_write_commit(wt), IDR_OK);
	ask_unit(f, hex_unit(f, s8_req2), RSV_PROTO_UDP, NOW, &a);
	assert_int_equal(a.action, RSV_REPLY);
	assert_hex(wbuf_slice(&f->out), s8_resp2);
	assert_true(a.has_rd);
	assert_int_equal(a.rd.type, HDL_RD_SHA256);
}

static void
test_rsv_s8_not_found(void **state)
{
	struct reg_wtxn *wt;
	struct fix *f = *state;
	struct answer a;

	assert_int_equal(reg_write_begin(f->reg, REG_IDENTITY_LOCAL, &wt), IDR_OK);
	assert_int_equal(reg_delete(wt, SLICE_LIT("88.100.1/abc")), IDR_OK);
	assert_int_equal(reg_write_commit(wt), IDR_OK);
	ask_unit(f, hex_unit(f, s8_req1), RSV_PROTO_UDP, NOW, &a);
	assert_hex(wbuf_slice(&f->out), s8_err100);
}

static void
test_rsv_siteinfo(void **state)
{
	struct fix *f = *state;
	struct answer a;

	ask_unit(f, hex_unit(f, s8_siteinfo_req), RSV_PROTO_UDP, NOW, &a);
	assert_int_equal(a.action, RSV_REPLY);
	assert_int_equal(a.rc, HDL_RC_SUCCESS);
	assert_int_equal(a.m.env.request_id, 9);
	assert_int_equal(a.m.hdr.site_serial, 0xffff);
	assert_int_equal(a.m.hdr.flags, HDL_FLAG_CLIENT_DEFAULT); /* not primary: no AT */
	assert_int_equal(a.m.hdr.expiration, EXPIRY);
	assert_true(slice_eq(a.site, rsv_site(f->r)));
	/* §8 HS_SITE but for the serial (0xffff here) and the primary mask (none) */
	assert_hex(a.site, "0001020bffff000200000000000000010000000464657363000000047465737400"
	                   "000001000000010000000000000000000000007f0000010000000000000003030100"
	                   "000a51020000000a51030200001f40");
}

/* ---------------------------------------------------------------- response codes */

static void
test_rsv_not_served(void **state)
{
	struct fix *f = *state;
	struct answer a;

	ask(f, "88.200.1/x", &a);
	assert_error(&a, HDL_RC_SERVER_NOT_RESP, "prefix 88.200.1 is not served here");
	ask(f, "88.100.2/x", &a); /* hosted but disabled */
	assert_error(&a, HDL_RC_SERVER_NOT_RESP, "prefix 88.100.2 is not served here");
	ask(f, "88.100.1.7/abc", &a); /* a sub-prefix is not hosted by its parent */
	assert_error(&a, HDL_RC_SERVER_NOT_RESP, "prefix 88.100.1.7 is not served here");
	ask(f, "0.NA/88.100.3", &a);
	assert_error(&a, HDL_RC_SERVER_NOT_RESP, "prefix 88.100.3 is not served here");
}

static void
test_rsv_invalid_handle(void **state)
{
	struct fix *f = *state;
	struct answer a;

	ask(f, "88..1/x", &a);
	assert_error(&a, HDL_RC_INVALID_HANDLE, idr_strerror(IDR_EID_SEGMENT));
	ask(f, "88.100.1/", &a);
	assert_error(&a, HDL_RC_INVALID_HANDLE, idr_strerror(IDR_EID_NOSUFFIX));
	ask(f, "", &a);
	assert_error(&a, HDL_RC_INVALID_HANDLE, idr_strerror(IDR_EID_EMPTY));
}

static void
test_rsv_max_id_chars(void **state)
{
	struct fix *f = *state;
	struct conf c;
	struct answer a;

	conf_text_load(&c, "max_id_chars 12\n");
	assert_int_equal(rsv_reload(f->r, &c), IDR_OK);
	conf_free(&c);
	ask(f, "88.100.1/abc", &a); /* 12 characters */
	assert_int_equal(a.rc, HDL_RC_SUCCESS);
	ask(f, "88.100.1/abcd", &a);
	assert_error(&a, HDL_RC_INVALID_HANDLE,
	             "identifier is longer than the configured limit of 12 characters");
}

static void
test_rsv_found_case_and_echo(void **state)
{
	struct fix *f = *state;
	struct answer a;

	ask(f, "88.100.1/ABC", &a);
	assert_indexes(&a, "1,100");
	assert_true(
	        slice_eq(a.list.handle, SLICE_LIT("88.100.1/ABC"))); /* as the client wrote it */
	ask(f, "88.100.1/none", &a);
	assert_error(&a, HDL_RC_HANDLE_NOT_FOUND, "");
}

static void
test_rsv_slashless_prefix_handle(void **state)
{
	struct fix *f = *state;
	struct answer a;

	/* `88.100.1` means 0.NA/88.100.1, created with the prefix (an HS_ADMIN value); the
	 * node's own HS_SITE is added at index 1 (a stock client needs it after a 303) */
	ask(f, "88.100.1", &a);
	assert_indexes(&a, "100,1");
	assert_true(slice_eq(a.list.handle, SLICE_LIT("88.100.1")));
	{
		struct value v;
		struct slice clump;
		struct rbuf r;

		rbuf_init(&r, a.list.clumps.p, a.list.clumps.len);
		assert_int_equal(hdl_clump_next(&r, &v, &clump), IDR_OK);
		assert_int_equal(hdl_clump_next(&r, &v, &clump), IDR_OK);
		assert_true(slice_eq(v.type, SLICE_LIT("HS_SITE")));
		assert_true(slice_eq(v.data, rsv_site(f->r)));
		assert_int_equal(v.perms, VALUE_PERM_ADMIN_READ | VALUE_PERM_PUBLIC_READ);
	}
	ask(f, "0.na/88.100.1", &a);
	assert_indexes(&a, "100,1");
	ask(f, "88.100.9", &a);
	assert_error(&a, HDL_RC_SERVER_NOT_RESP, "prefix 88.100.9 is not served here");
}

static void
test_rsv_filters(void **state)
{
	static const char *const url_dot[] = {"URL."}, *const url_lc[] = {"url"},
	                         *const nope[] = {"NOPE"}, *const email[] = {"EMAIL"};
	static const uint32_t i4[] = {4}, i100[] = {100};
	const uint32_t flags = HDL_FLAG_CLIENT_DEFAULT;
	struct fix *f = *state;
	struct answer a;

	ask_unit(f, res_unit(f, "88.100.1/item", NULL, 0, url_dot, 1, flags), RSV_PROTO_UDP, NOW,
	         &a);
	assert_indexes(&a, "1,2"); /* URL and URL.alt, not URLX */
	ask_unit(f, res_unit(f, "88.100.1/item", NULL, 0, url_lc, 1, flags), RSV_PROTO_UDP, NOW,
	         &a);
	assert_indexes(&a, "1");
	ask_unit(f, res_unit(f, "88.100.1/item", i4, 1, NULL, 0, flags), RSV_PROTO_UDP, NOW, &a);
	assert_indexes(&a, "4");
	ask_unit(f, res_unit(f, "88.100.1/item", i100, 1, email, 1, flags), RSV_PROTO_UDP, NOW, &a);
	assert_indexes(&a, "4,100"); /* index OR type */
	ask_unit(f, res_unit(f, "88.100.1/item", NULL, 0, nope, 1, flags), RSV_PROTO_UDP, NOW, &a);
	assert_error(&a, HDL_RC_VALUES_NOT_FOUND, "");
}

static void
test_rsv_public_only(void **state)
{
	static const uint32_t i5[] = {5};
	const uint32_t no_po = HDL_FLAG_REC | HDL_FLAG_CA;
	struct fix *f = *state;
	struct answer a;

	/* PO: the SECRET value (no PUBLIC_READ) is left out */
	ask(f, "88.100.1/item", &a);
	assert_indexes(&a, "1,2,3,4,100");
	/* without PO too: there is no authentication to serve it to */
	ask_unit(f, res_unit(f, "88.100.1/item", NULL, 0, NULL, 0, no_po), RSV_PROTO_UDP, NOW, &a);
	assert_indexes(&a, "1,2,3,4,100");
	assert_int_equal(a.m.hdr.flags & HDL_FLAG_PO, 0);
	ask_unit(f, res_unit(f, "88.100.1/item", i5, 1, NULL, 0, no_po), RSV_PROTO_UDP, NOW, &a);
	assert_error(&a, HDL_RC_VALUES_NOT_FOUND, "");
	ask_unit(f, res_unit(f, "88.100.1/item", i5, 1, NULL, 0, HDL_FLAG_CLIENT_DEFAULT),
	         RSV_PROTO_UDP, NOW, &a);
	assert_error(&a, HDL_RC_VALUES_NOT_FOUND, "");
}

static void
test_rsv_unsupported_opcodes(void **state)
{
	static const struct {
		uint32_t op;
		const char *msg;
	} cases[] = {
	        {HDL_OC_CREATE_HANDLE, "admin operations are not enabled on this node yet"},
	        {HDL_OC_DELETE_HANDLE, "admin operations are not enabled on this node yet"},
	        {HDL_OC_LIST_HANDLES, "admin operations are not enabled on this node yet"},
	        {HDL_OC_UNHOME_NA, "admin operations are not enabled on this node yet"},
	        {HDL_OC_CHALLENGE_RESPONSE, "authentication is not enabled on this node yet"},
	        {HDL_OC_LOGIN_ID_SYSTEM, "authentication is not enabled on this node yet"},
	        {HDL_OC_SESSION_SETUP, "sessions are not supported by this node"},
	        {HDL_OC_SESSION_TERMINATE, "sessions are not supported by this node"},
	        {HDL_OC_DUMP_HANDLES, "replication is not supported by this node"},
	        {3, "unknown operation code"},
	        {0xffffffffu, "unknown operation code"},
	};
	struct hdl_req_opts o;
	struct fix *f = *state;
	struct answer a;
	size_t i;

	hdl_req_opts_init(&o, 5, EXPIRY);
	o.flags |= HDL_FLAG_RD;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wbuf_reset(&f->req);
		assert_int_equal(
		        hdl_req_handle_encode(&f->req, &o, cases[i].op, SLICE_LIT("88.100.1/abc")),
		        IDR_OK);
		ask_unit(f, wbuf_slice(&f->req), RSV_PROTO_TCP, NOW, &a);
		assert_error(&a, HDL_RC_OPERATION_NOT_SUPPORTED, cases[i].msg);
		assert_int_equal(a.m.hdr.opcode, cases[i].op);
		assert_true(a.has_rd); /* the digest is there when asked for */
	}
}

static void
test_rsv_recursion_and_expiry(void **state)
{
	struct fix *f = *state;
	struct answer a;
	struct slice u;

	u = res_unit(f, "88.100.1/abc", NULL, 0, NULL, 0, HDL_FLAG_CLIENT_DEFAULT);
	f->req.p[34] = 41; /* RecursionCount */
	ask_unit(f, u, RSV_PROTO_UDP, NOW, &a);
	assert_error(&a, HDL_RC_RECURSION_LIMIT, "recursion count 41 is over the limit of 40");
	f->req.p[34] = 40;
	ask_unit(f, u, RSV_PROTO_UDP, NOW, &a);
	assert_int_equal(a.rc, HDL_RC_SUCCESS);
	assert_int_equal(a.m.hdr.recursion, 40);
	/* expired long ago: answered anyway */
	f->req.p[34] = 0;
	memset(f->req.p + 36, 0, 4);
	ask_unit(f, u, RSV_PROTO_UDP, NOW, &a);
	assert_int_equal(a.rc, HDL_RC_SUCCESS);
	assert_int_equal(a.m.hdr.expiration, NOW + 43200);
}

/* ---------------------------------------------------------------- malformed input */

static void
test_rsv_malformed(void **state)
{
	struct fix *f = *state;
	struct answer a;
	struct slice u;

	/* BodyLength past the end: the header is readable -> 4 */
	u = res_unit(f, "88.100.1/abc", NULL, 0, NULL, 0, HDL_FLAG_CLIENT_DEFAULT);
	f->req.p[43] = 0xff;
	ask_unit(f, u, RSV_PROTO_UDP, NOW, &a);
	assert_error(&a, HDL_RC_PROTOCOL_ERROR, "BodyLength runs past the end of the message");
	assert_int_equal(a.m.env.request_id, 42);
	/* on TCP the stream is closed after the answer */
	ask_unit(f, u, RSV_PROTO_TCP, NOW, &a);
	assert_int_equal(a.action, RSV_CLOSE);
	assert_int_equal(a.rc, HDL_RC_PROTOCOL_ERROR);
	/* a bad body */
	u = res_unit(f, "88.100.1/abc", NULL, 0, NULL, 0, HDL_FLAG_CLIENT_DEFAULT);
	f->req.p[44 + 4 + 12 + 3] = 9; /* index count 9, nothing follows */
	ask_unit(f, u, RSV_PROTO_UDP, NOW, &a);
	assert_error(&a, HDL_RC_PROTOCOL_ERROR, "malformed resolution request body");
	/* truncated everywhere inside the envelope: nothing can be answered */
	u = res_unit(f, "88.100.1/abc", NULL, 0, NULL, 0, HDL_FLAG_CLIENT_DEFAULT);
	for (size_t len = 0; len < HDL_ENVELOPE_LEN; len++) {
		ask_unit(f, slice_make(u.p, len), RSV_PROTO_UDP, NOW, &a);
		assert_int_equal(a.action, RSV_DROP);
		assert_int_equal(a.len, 0);
		ask_unit(f, slice_make(u.p, len), RSV_PROTO_TCP, NOW, &a);
		assert_int_equal(a.action, RSV_CLOSE);
		assert_int_equal(a.len, 0);
	}
	/* truncated inside the header: dropped; after it: protocol error */
	for (size_t len = HDL_ENVELOPE_LEN; len < u.len; len++) {
		ask_unit(f, slice_make(u.p, len), RSV_PROTO_UDP, NOW, &a);
		if (len < HDL_ENVELOPE_LEN + HDL_HEADER_LEN) {
			assert_int_equal(a.action, RSV_DROP);
			assert_int_equal(a.len, 0);
		} else {
			assert_error(&a, HDL_RC_PROTOCOL_ERROR,
			             "message is shorter than its MessageLength");
		}
	}
}

static void
test_rsv_responses_dropped(void **state)
{
	struct fix *f = *state;
	struct hdl_msg m;
	struct answer a;
	struct slice u;
	struct rbuf r;

	/* our own answer fed back: never answered (no reply loops) */
	ask_unit(f, hex_unit(f, s8_req1), RSV_PROTO_UDP, NOW, &a);
	u = hex_unit(f, s8_resp1);
	ask_unit(f, u, RSV_PROTO_UDP, NOW, &a);
	assert_int_equal(a.action, RSV_DROP);
	assert_int_equal(a.len, 0);
	ask_unit(f, u, RSV_PROTO_TCP, NOW, &a);
	assert_int_equal(a.action, RSV_CLOSE);
	assert_int_equal(a.len, 0);
	/* the parsed-message entry point drops it too */
	rbuf_init(&r, u.p, u.len);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	wbuf_reset(&f->out);
	assert_int_equal(rsv_handle_msg(f->w, &(struct rsv_ctx){RSV_PROTO_UDP, NULL, NULL, 0}, &m,
	                                NOW, &f->out),
	                 RSV_DROP);
	assert_int_equal(wbuf_len(&f->out), 0);
}

static void
test_rsv_handle_msg_same_bytes(void **state)
{
	struct fix *f = *state;
	struct hdl_msg m;
	struct slice u;
	struct rbuf r;

	u = hex_unit(f, s8_req1);
	rbuf_init(&r, u.p, u.len);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	wbuf_reset(&f->out);
	assert_int_equal(rsv_handle_msg(f->w, &(struct rsv_ctx){RSV_PROTO_UDP, NULL, NULL, 0}, &m,
	                                NOW, &f->out),
	                 RSV_REPLY);
	assert_hex(wbuf_slice(&f->out), s8_resp1);
}

static void
test_rsv_error_ratelimit(void **state)
{
	struct fix *f = *state;
	struct conf c;
	struct answer a;
	struct slice u;
	struct wbuf text;
	int i;

	conf_text_load(&c, "error_rate 3\n");
	assert_int_equal(rsv_reload(f->r, &c), IDR_OK);
	conf_free(&c);
	u = res_unit(f, "88.100.1/abc", NULL, 0, NULL, 0, HDL_FLAG_CLIENT_DEFAULT);
	f->req.p[43] = 0xff;
	for (i = 0; i < 3; i++) {
		ask_unit(f, u, RSV_PROTO_UDP, 5000, &a);
		assert_int_equal(a.rc, HDL_RC_PROTOCOL_ERROR);
	}
	ask_unit(f, u, RSV_PROTO_UDP, 5000, &a);
	assert_int_equal(a.action, RSV_DROP);
	assert_int_equal(a.len, 0);
	ask_unit(f, u, RSV_PROTO_TCP, 5000, &a);
	assert_int_equal(a.action, RSV_CLOSE);
	assert_int_equal(a.len, 0);
	/* other answers are not limited */
	ask_unit(f, hex_unit(f, s8_req1), RSV_PROTO_UDP, 5000, &a);
	assert_int_equal(a.rc, HDL_RC_SUCCESS);
	/* the next second opens a new window */
	u = res_unit(f, "88.100.1/abc", NULL, 0, NULL, 0, HDL_FLAG_CLIENT_DEFAULT);
	f->req.p[43] = 0xff;
	ask_unit(f, u, RSV_PROTO_UDP, 5001, &a);
	assert_int_equal(a.rc, HDL_RC_PROTOCOL_ERROR);
	wbuf_init_heap(&text, 1u << 20);
	metrics_render(f->m, NULL, &text);
	wbuf_terminate(&text);
	assert_non_null(
	        strstr((const char *)text.p, "idr_dropped_total{reason=\"ratelimit\"} 2\n"));
	wbuf_deinit(&text);
}

static void
test_rsv_answer_too_large(void **state)
{
	struct fix *f = *state;
	uint8_t small[128];
	struct answer a;
	struct slice u;
	struct wbuf w;

	/* the 175-byte answer does not fit: RC_ERROR instead, appended after what was there */
	u = hex_unit(f, s8_req1);
	wbuf_init(&w, small, sizeof(small));
	wbuf_cstr(&w, "xyz");
	assert_int_equal(rsv_handle(f->w, &(struct rsv_ctx){RSV_PROTO_UDP, NULL, NULL, 0}, u.p,
	                            u.len, NOW, &w),
	                 RSV_REPLY);
	assert_memory_equal(small, "xyz", 3);
	memset(&a, 0, sizeof(a));
	parse_answer(&a, slice_make(small + 3, wbuf_len(&w) - 3));
	assert_int_equal(a.rc, HDL_RC_ERROR);
	assert_true(slice_eq(a.message,
	                     SLICE_LIT("the answer is larger than a Handle message may be")));
	/* not even that fits: nothing is sent, and what was there stays */
	wbuf_init(&w, small, 40);
	wbuf_cstr(&w, "xyz");
	assert_int_equal(rsv_handle(f->w, &(struct rsv_ctx){RSV_PROTO_UDP, NULL, NULL, 0}, u.p,
	                            u.len, NOW, &w),
	                 RSV_DROP);
	assert_int_equal(wbuf_len(&w), 3);
	assert_int_equal(wbuf_error(&w), IDR_OK);
}

/* ---------------------------------------------------------------- metrics */

static void
test_rsv_metrics_counted(void **state)
{
	struct fix *f = *state;
	struct answer a;
	struct wbuf text;
	const char *s;

	ask_unit(f, hex_unit(f, s8_req1), RSV_PROTO_UDP, NOW, &a);
	ask_unit(f, hex_unit(f, s8_req1), RSV_PROTO_TCP, NOW, &a);
	ask_unit(f, hex_unit(f, s8_req1), RSV_PROTO_HTTP, NOW, &a);
	ask(f, "88.100.1/none", &a);
	ask_unit(f, hex_unit(f, s8_siteinfo_req), RSV_PROTO_UDP, NOW, &a);
	ask_unit(f, slice_make("short", 5), RSV_PROTO_UDP, NOW, &a);
	wbuf_init_heap(&text, 1u << 20);
	metrics_render(f->m, NULL, &text);
	wbuf_terminate(&text);
	s = (const char *)text.p;
	assert_non_null(
	        strstr(s, "idr_requests_total{proto=\"udp\",opcode=\"RESOLUTION\",rc=\"1\"} 1\n"));
	assert_non_null(
	        strstr(s, "idr_requests_total{proto=\"tcp\",opcode=\"RESOLUTION\",rc=\"1\"} 1\n"));
	assert_non_null(
	        strstr(s, "idr_requests_total{proto=\"http\",opcode=\"RESOLUTION\",rc=\"1\"} 1\n"));
	assert_non_null(strstr(
	        s, "idr_requests_total{proto=\"udp\",opcode=\"RESOLUTION\",rc=\"100\"} 1\n"));
	assert_non_null(strstr(
	        s, "idr_requests_total{proto=\"udp\",opcode=\"GET_SITEINFO\",rc=\"1\"} 1\n"));
	assert_non_null(strstr(s, "idr_request_duration_seconds_count{proto=\"udp\"} 3\n"));
	assert_non_null(strstr(s, "idr_dropped_total{reason=\"malformed\"} 1\n"));
	wbuf_deinit(&text);
	assert_ptr_equal(rsv_worker_metrics(f->w), metrics_shard(f->m, 0));
}

static void
test_rsv_rx_time(void **state)
{
	struct fix *f = *state;
	struct answer a;
	struct wbuf text;
	const char *s;

	/* a batch received 3 s ago: latency counts from then (and the clock is read once) */
	rsv_worker_rx_time(f->w, rsv_mono_ns() - 3000000000ULL);
	ask_unit(f, hex_unit(f, s8_req1), RSV_PROTO_UDP, NOW, &a);
	ask_unit(f, hex_unit(f, s8_req1), RSV_PROTO_UDP, NOW, &a);
	rsv_worker_rx_time(f->w, 0); /* back to measuring each call */
	ask_unit(f, hex_unit(f, s8_req1), RSV_PROTO_UDP, NOW, &a);
	wbuf_init_heap(&text, 1u << 20);
	metrics_render(f->m, NULL, &text);
	wbuf_terminate(&text);
	s = (const char *)text.p;
	assert_non_null(strstr(
	        s, "idr_request_duration_seconds_bucket{proto=\"udp\",le=\"2.097152\"} 1\n"));
	assert_non_null(strstr(
	        s, "idr_request_duration_seconds_bucket{proto=\"udp\",le=\"4.194304\"} 3\n"));
	wbuf_deinit(&text);
}

/* ---------------------------------------------------------------- HTTP front-end helpers */

static void
test_rsv_filter_match(void **state)
{
	static const uint32_t idx[] = {7, 100};
	const struct slice types[] = {SLICE_LIT("URL."), SLICE_LIT("email")};
	struct rsv_filter none = {NULL, 0, NULL, 0, false};
	struct rsv_filter f = {idx, 2, types, 2, false};
	struct value v;

	(void)state;
	v = mkvalue(1, "URL", SLICE_LIT("x"), 0x0e);
	assert_true(rsv_filter_match(&none, &v));
	assert_true(rsv_filter_match(&f, &v)); /* URL. matches URL itself */
	v.type = SLICE_LIT("url.mobile");
	assert_true(rsv_filter_match(&f, &v));
	v.type = SLICE_LIT("URLS");
	assert_false(rsv_filter_match(&f, &v));
	v.type = SLICE_LIT("EMAIL");
	assert_true(rsv_filter_match(&f, &v));
	v.type = SLICE_LIT("EMAIL.work"); /* "email" without a dot: exact only */
	assert_false(rsv_filter_match(&f, &v));
	v.index = 100;
	assert_true(rsv_filter_match(&f, &v)); /* by index */
	f.nindexes = 0;
	f.ntypes = 0; /* empty lists: everything */
	assert_true(rsv_filter_match(&f, &v));
	v.perms = 0x0c;
	assert_true(rsv_filter_match(&f, &v));
	f.public_only = true;
	assert_false(rsv_filter_match(&f, &v));
	v.perms = VALUE_PERM_PUBLIC_READ;
	assert_true(rsv_filter_match(&f, &v));
}

static void
test_rsv_lookup_for_http(void **state)
{
	struct fix *f = *state;
	struct reg_rtxn *txn;
	struct rec_view rec;

	assert_int_equal(rsv_read_begin(f->w, &txn), IDR_OK);
	assert_non_null(txn);
	assert_int_equal(rsv_lookup(f->w, SLICE_LIT("88.100.1/abc"), &rec), HDL_RC_SUCCESS);
	assert_true(slice_eq(rec.handle, SLICE_LIT("88.100.1/abc")));
	assert_int_equal(rec.nvalues, 2);
	assert_string_equal(rsv_worker_message(f->w), "");
	assert_int_equal(rsv_lookup(f->w, SLICE_LIT("88.100.1/zzz"), &rec),
	                 HDL_RC_HANDLE_NOT_FOUND);
	assert_int_equal(rsv_lookup(f->w, SLICE_LIT("88.100.2/abc"), &rec), HDL_RC_SERVER_NOT_RESP);
	assert_string_equal(rsv_worker_message(f->w), "prefix 88.100.2 is not served here");
	assert_int_equal(rsv_lookup(f->w, SLICE_LIT("88.100.1/a\tb"), &rec), HDL_RC_INVALID_HANDLE);
	assert_string_equal(rsv_worker_message(f->w), idr_strerror(IDR_EID_CTRL));
	rsv_read_end(f->w);
	/* the transaction is renewed per request */
	assert_int_equal(rsv_read_begin(f->w, &txn), IDR_OK);
	assert_int_equal(rsv_lookup(f->w, SLICE_LIT("88.100.1/item"), &rec), HDL_RC_SUCCESS);
	rsv_read_end(f->w);
}

/* rsv_lookup serves a hosted prefix record with the node's HS_SITE, so the REST and national
 * APIs give the values a Handle client gets */
static void
test_rsv_lookup_prefix_site(void **state)
{
	struct fix *f = *state;
	struct reg_rtxn *txn;
	struct rec_view rec;
	struct slice clump;
	struct answer a;
	struct value v;
	struct rbuf r;
	uint32_t t0 = (uint32_t)time(NULL);
	uint8_t *copy;
	size_t len;

	assert_int_equal(rsv_read_begin(f->w, &txn), IDR_OK);
	assert_int_equal(rsv_lookup(f->w, SLICE_LIT("0.NA/88.100.1"), &rec), HDL_RC_SUCCESS);
	assert_int_equal(rec.nvalues, 2);
	/* the body stays whole: the handle, the count, the clumps */
	rbuf_init(&r, rec.body.p, rec.body.len);
	(void)rbuf_str(&r, HDL_MAX_HANDLE_LEN);
	assert_int_equal(rbuf_u32(&r), 2);
	assert_true(slice_eq(rbuf_bytes(&r, rbuf_left(&r)), rec.values));
	rbuf_init(&r, rec.values.p, rec.values.len);
	assert_int_equal(hdl_clump_next(&r, &v, &clump), IDR_OK);
	assert_int_equal(v.index, 100);
	assert_int_equal(hdl_clump_next(&r, &v, &clump), IDR_OK);
	assert_int_equal(v.index, 1);
	assert_true(slice_eq(v.type, SLICE_LIT("HS_SITE")));
	assert_true(slice_eq(v.data, rsv_site(f->r)));
	assert_int_equal(v.ttl, 86400);
	assert_true(v.timestamp >= t0 && v.timestamp <= (uint32_t)time(NULL)); /* the request's */
	assert_int_equal(hdl_clump_next(&r, &v, &clump), IDR_ENOENT);
	len = rec.values.len;
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, rec.values.p, len);
	/* an item is not touched, and a second lookup gives the same bytes */
	assert_int_equal(rsv_lookup(f->w, SLICE_LIT("88.100.1/abc"), &rec), HDL_RC_SUCCESS);
	assert_int_equal(rec.nvalues, 2);
	assert_int_equal(rsv_lookup(f->w, SLICE_LIT("0.na/88.100.1"), &rec), HDL_RC_SUCCESS);
	assert_true(slice_eq(rec.values, slice_make(copy, len)));
	rsv_read_end(f->w);
	/* the Handle protocol answers the same values, the site stamped with its request's time */
	ask(f, "0.NA/88.100.1", &a);
	{
		struct value hv, lv;
		struct slice hc;
		struct rbuf hr;

		rbuf_init(&hr, a.list.clumps.p, a.list.clumps.len);
		rbuf_init(&r, copy, len);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(hdl_clump_next(&hr, &hv, &hc), IDR_OK);
			assert_int_equal(hdl_clump_next(&r, &lv, &clump), IDR_OK);
			assert_int_equal(hv.index, lv.index);
			assert_true(slice_eq(hv.type, lv.type));
			assert_true(slice_eq(hv.data, lv.data));
			assert_int_equal(hv.perms, lv.perms);
			assert_int_equal(hv.ttl, lv.ttl);
		}
		assert_int_equal(hv.timestamp, NOW);
		assert_int_equal(hdl_clump_next(&hr, &hv, &hc), IDR_ENOENT);
	}
	free(copy);
}

/* ---------------------------------------------------------------- reload and snapshots */

static void
test_rsv_reload(void **state)
{
	struct fix *f = *state;
	struct rsv_worker *idle;
	struct answer a;
	struct conf c;
	char text[128];
	int i;

	assert_int_equal(rsv_worker_new(f->r, 1, NULL, &idle), IDR_OK);
	assert_int_equal(rsv_worker_conf(idle)->site_serial, 65535);
	/* several reloads while one worker idles: its snapshot must stay usable */
	for (i = 1; i <= 5; i++) {
		snprintf(text, sizeof(text), "site_serial %d\nsite_description r%d\n", i, i);
		conf_text_load(&c, text);
		assert_int_equal(rsv_reload(f->r, &c), IDR_OK);
		conf_free(&c);
		ask_unit(f, hex_unit(f, s8_siteinfo_req), RSV_PROTO_UDP, NOW, &a);
		assert_int_equal(a.m.hdr.site_serial, i);
		assert_int_equal(a.m.hdr.flags & HDL_FLAG_AT, HDL_FLAG_AT); /* primary by default */
		assert_true(slice_eq(a.site, rsv_site(f->r)));
		assert_int_equal(rsv_worker_conf(f->w)->site_serial, (uint64_t)i);
	}
	/* the idle worker sees the newest at its next request */
	assert_int_equal(rsv_worker_conf(idle)->site_serial, 5);
	assert_string_equal(rsv_worker_conf(idle)->site_description, "r5");
	rsv_worker_free(idle);
	/* a bad configuration is refused and the old snapshot stays */
	conf_text_load(&c, "site_address not-an-address\n");
	assert_int_equal(rsv_reload(f->r, &c), IDR_ECONFIG);
	conf_free(&c);
	assert_int_equal(rsv_worker_conf(f->w)->site_serial, 5);
}

struct churn {
	struct rsv_worker *w;
	const uint8_t *req;
	size_t len;
	int bad;
};

/*
 * GET_SITEINFO touches no store, so threads may run it while the main thread reloads (the
 * in-memory store is single-threaded: workers are made and freed by the main thread).
 */
static void *
churn_thread(void *arg)
{
	struct churn *c = arg;
	struct wbuf out;
	int i;

	wbuf_init_heap(&out, HDL_MAX_UNIT_LEN);
	for (i = 0; i < 2000; i++) {
		wbuf_reset(&out);
		if (rsv_handle(c->w, &(struct rsv_ctx){RSV_PROTO_UDP, NULL, NULL, 0}, c->req,
		               c->len, NOW, &out) != RSV_REPLY ||
		    wbuf_len(&out) < 44 + 76) { /* header and a 76-byte HS_SITE at least */
			c->bad++;
		}
	}
	wbuf_deinit(&out);
	return NULL;
}

static void
test_rsv_reload_concurrent(void **state)
{
	struct churn ch[2];
	pthread_t t[2];
	struct fix *f = *state;
	struct slice u = hex_unit(f, s8_siteinfo_req);
	struct conf c;
	char text[64];
	int i;

	rsv_worker_free(f->w); /* the fixture's worker owns shard 0; the threads take 0 and 1 */
	f->w = NULL;
	for (i = 0; i < 2; i++) {
		ch[i] = (struct churn){NULL, u.p, u.len, 0};
		assert_int_equal(rsv_worker_new(f->r, (unsigned)i, NULL, &ch[i].w), IDR_OK);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, churn_thread, &ch[i]), 0);
	}
	for (i = 0; i < 200; i++) {
		snprintf(text, sizeof(text), "site_serial %d\n", i);
		conf_text_load(&c, text);
		assert_int_equal(rsv_reload(f->r, &c), IDR_OK);
		conf_free(&c);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(ch[i].bad, 0);
		rsv_worker_free(ch[i].w);
	}
	assert_int_equal(rsv_worker_new(f->r, 0, NULL, &f->w), IDR_OK);
}

/* ---------------------------------------------------------------- construction */

static void
test_rsv_new_errors(void **state)
{
	struct fix *f = *state;
	struct rsv_worker *w = (void *)1;
	struct rsv *r = (void *)1;
	struct conf c;

	assert_int_equal(rsv_worker_new(f->r, 2, NULL, &w), IDR_EINVAL); /* 2 metrics shards */
	assert_null(w);
	conf_text_load(&c, "site_address 10.0.0.1:99\n");
	assert_int_equal(rsv_new(&r, f->reg, &c, NULL, f->m), IDR_ECONFIG);
	assert_null(r);
	conf_free(&c);
	/* without metrics and ports: ports from the configuration, nothing counted */
	conf_text_load(&c, vector_conf);
	assert_int_equal(rsv_new(&r, f->reg, &c, NULL, NULL), IDR_OK);
	conf_free(&c); /* the dispatcher keeps its own copy */
	assert_int_equal(rsv_worker_new(r, 9, NULL, &w), IDR_OK);
	assert_null(rsv_worker_metrics(w));
	assert_int_equal(rsv_worker_conf(w)->site_serial, 65535);
	wbuf_reset(&f->out);
	assert_int_equal(rsv_handle(w, &(struct rsv_ctx){RSV_PROTO_UDP, NULL, NULL, 0},
	                            (const uint8_t *)"x", 1, NOW, &f->out),
	                 RSV_DROP);
	rsv_worker_free(w);
	rsv_free(r);
	rsv_free(NULL);
	rsv_worker_free(NULL);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	        T(test_rsv_s8_resolution),
	        T(test_rsv_s8_rd_sha256),
	        T(test_rsv_s8_not_found),
	        T(test_rsv_siteinfo),
	        T(test_rsv_not_served),
	        T(test_rsv_invalid_handle),
	        T(test_rsv_max_id_chars),
	        T(test_rsv_found_case_and_echo),
	        T(test_rsv_slashless_prefix_handle),
	        T(test_rsv_filters),
	        T(test_rsv_public_only),
	        T(test_rsv_unsupported_opcodes),
	        T(test_rsv_recursion_and_expiry),
	        T(test_rsv_malformed),
	        T(test_rsv_responses_dropped),
	        T(test_rsv_handle_msg_same_bytes),
	        T(test_rsv_error_ratelimit),
	        T(test_rsv_answer_too_large),
	        T(test_rsv_metrics_counted),
	        T(test_rsv_rx_time),
	        T(test_rsv_filter_match),
	        T(test_rsv_lookup_for_http),
	        T(test_rsv_lookup_prefix_site),
	        T(test_rsv_reload),
	        T(test_rsv_reload_concurrent),
	        T(test_rsv_new_errors),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
