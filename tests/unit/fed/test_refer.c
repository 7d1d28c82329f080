/* test_refer.c - 302/303 referrals of the top-level role (fed/refer.h), and their answer on
 * the wire through rsv_handle with `role toplevel`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rbuf.h"
#include "base/wbuf.h"
#include "core/conf.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "fed/refer.h"
#include "hdl/hdl.h"
#include "lib/conf_text.h"
#include "model/value.h"
#include "reg.h"

#define PUB  VALUE_PERM_DEFAULT
#define PRIV (VALUE_PERM_ADMIN_READ | VALUE_PERM_ADMIN_WRITE)

static struct value
mkvalue(uint32_t index, const char *type, const char *data, uint8_t perms)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.timestamp = 0x60000000;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = perms;
	v.type = slice_cstr(type);
	v.data = slice_cstr(data);
	return v;
}

static void
add_prefix(struct reg_wtxn *wt, const char *prefix, const struct value *v, size_t n)
{
	char h[64];

	assert_int_equal(
	        reg_prefix_add(wt, slice_cstr(prefix), SLICE_LIT("node"), PFX_ENABLED, NULL),
	        IDR_OK);
	if (n > 0) {
		snprintf(h, sizeof(h), "0.NA/%s", prefix);
		assert_int_equal(reg_add_values(wt, slice_cstr(h), v, n), IDR_OK);
	}
}

/*
 * The top level "88": node 88.118 (HS_SITE, HS_SITE.PREFIX), its enterprise 88.118.9 also
 * registered here (its own HS_SITE.PREFIX), node 88.200 (HS_SERV, HS_SERV.PREFIX and a
 * non-public HS_SITE.PREFIX), 88.300 without location values.
 */
static struct reg *
make_reg(void)
{
	struct value n118[] = {mkvalue(1, "HS_SITE", "site-118", PUB),
	                       mkvalue(2, "HS_SITE.PREFIX", "prefix-site-118", PUB),
	                       mkvalue(3, "URL", "https://example.com", PUB)};
	struct value n1189[] = {mkvalue(2, "HS_SITE.PREFIX", "prefix-site-118.9", PUB)};
	struct value n200[] = {mkvalue(1, "HS_SERV", "0.NA/88.118", PUB),
	                       mkvalue(2, "HS_SERV.PREFIX", "0.NA/88.118", PUB),
	                       mkvalue(3, "HS_SITE.PREFIX", "hidden", PRIV)};
	struct reg_wtxn *wt;
	struct reg_opts o;
	struct reg *r;

	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&r, &o, "88", "top"), IDR_OK);
	assert_int_equal(reg_write_begin(r, REG_IDENTITY_LOCAL, &wt), IDR_OK);
	add_prefix(wt, "88.118", n118, 3);
	add_prefix(wt, "88.118.9", n1189, 1);
	add_prefix(wt, "88.200", n200, 3);
	add_prefix(wt, "88.300", NULL, 0);
	assert_int_equal(reg_write_commit(wt), IDR_OK);
	return r;
}

struct refer_case {
	const char *handle;
	bool dnrf;
	uint32_t rc;      /* 0, 302, 303 */
	const char *from; /* the record referred from ("" for none) */
	const char *data; /* the data of the first value, or NULL */
	size_t n;
};

static const struct refer_case cases[] = {
        /* the prefix record itself is served, not referred */
        {"0.NA/88.118", false, 0, "", NULL, 0},
        {"0.na/88.118", false, 0, "", NULL, 0},
        /* derived prefixes, one and two levels below the node prefix */
        {"0.NA/88.118.8", false, 303, "0.NA/88.118", "prefix-site-118", 1},
        {"0.NA/88.118.8.1", false, 303, "0.NA/88.118", "prefix-site-118", 1},
        {"88.118.8", false, 303, "0.NA/88.118", "prefix-site-118", 1}, /* bare X = 0.NA/X */
        /* the nearest ancestor with derived-prefix values wins */
        {"0.NA/88.118.9.4", false, 303, "0.NA/88.118.9", "prefix-site-118.9", 1},
        /* no ancestor: nothing to refer to */
        {"0.NA/99.1", false, 0, "", NULL, 0},
        {"0.NA/77", false, 0, "", NULL, 0},
        /* ancestors without location values are passed over, up to the top: none */
        {"0.NA/88.300.1", false, 0, "", NULL, 0},
        {"0.NA/88.300.1.2", false, 0, "", NULL, 0},
        /* DNRF suppresses every referral */
        {"0.NA/88.118.8", true, 0, "", NULL, 0},
        {"88.118/X", true, 0, "", NULL, 0},
        {"88.118.8/X", true, 0, "", NULL, 0},
        /* HS_SERV.PREFIX; the non-public HS_SITE.PREFIX is never sent */
        {"0.NA/88.200.3", false, 303, "0.NA/88.200", "0.NA/88.118", 1},
        /* a handle under a node prefix: service referral with HS_SITE / HS_SERV */
        {"88.118/X", false, 302, "0.NA/88.118", "site-118", 1},
        {"88.200/X", false, 302, "0.NA/88.200", "0.NA/88.118", 1},
        /* a handle under an unknown derived prefix: prefix referral from its ancestors */
        {"88.118.8/X", false, 303, "0.NA/88.118", "prefix-site-118", 1},
        {"88.118.8.1/X/y", false, 303, "0.NA/88.118", "prefix-site-118", 1},
        /* a prefix record without location values: no referral */
        {"88.300/X", false, 0, "", NULL, 0},
        {"88/X", false, 0, "", NULL, 0},
};

static void
check_first(const struct refer *f, const char *data)
{
	struct slice clump;
	struct value v;
	struct rbuf r;

	rbuf_init(&r, f->clumps[0].p, f->clumps[0].len);
	assert_int_equal(hdl_clump_next(&r, &v, &clump), IDR_OK);
	assert_int_equal(v.data.len, strlen(data));
	assert_memory_equal(v.data.p, data, v.data.len);
	assert_true((v.perms & VALUE_PERM_PUBLIC_READ) != 0);
}

static void
test_refer_table(void **state)
{
	struct reg *r = make_reg();
	struct reg_rtxn *t;
	struct refer *f = malloc(sizeof(*f));

	(void)state;
	assert_non_null(f);
	assert_int_equal(reg_read_begin(r, &t), IDR_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct refer_case *c = &cases[i];

		print_message("%s dnrf=%d\n", c->handle, c->dnrf);
		assert_int_equal(refer_find(t, slice_cstr(c->handle), c->dnrf, f), IDR_OK);
		assert_int_equal(f->rc, c->rc);
		assert_int_equal(f->n, c->n);
		assert_string_equal(f->from, c->from);
		if (c->data != NULL) {
			check_first(f, c->data);
		}
	}
	/* a handle that does not parse is an error, nothing referred */
	assert_int_not_equal(refer_find(t, SLICE_LIT(""), false, f), IDR_OK);
	assert_int_equal(f->rc, 0);
	reg_read_end(t);
	reg_close(r);
	free(f);
}

/* ---- the answer on the wire ---- */

/* Resolve handle through rsv_handle; the answer's rc, and its values in *list. */
static uint32_t
ask(struct rsv_worker *w, const char *handle, uint32_t flags, struct wbuf *out,
    struct hdl_value_list *list)
{
	struct rsv_ctx ctx = {RSV_PROTO_UDP, NULL, NULL, 0};
	struct hdl_req_opts o;
	struct hdl_digest rd;
	struct hdl_msg m;
	struct wbuf req;
	struct rbuf in, rest;
	bool has_rd;

	wbuf_init_heap(&req, HDL_MAX_UNIT_LEN);
	hdl_req_opts_init(&o, 7, 2000000000u);
	o.flags |= flags;
	assert_int_equal(hdl_req_resolution_encode(&req, &o, slice_cstr(handle), NULL, 0, NULL, 0),
	                 IDR_OK);
	wbuf_reset(out);
	assert_int_equal(rsv_handle(w, &ctx, req.p, req.len, 1700000000u, out), RSV_REPLY);
	wbuf_deinit(&req);
	rbuf_init(&in, out->p, out->len);
	assert_int_equal(hdl_msg_parse(&in, &m), IDR_OK);
	memset(list, 0, sizeof(*list));
	if (m.hdr.rc == HDL_RC_PREFIX_REFERRAL || m.hdr.rc == HDL_RC_SERVICE_REFERRAL) {
		assert_int_equal(hdl_resp_open(&m, &rd, &has_rd, &rest), IDR_OK);
		assert_int_equal(hdl_referral_resp_parse(&rest, list), IDR_OK);
	}
	return m.hdr.rc;
}

static void
run_role(const char *conf_text, bool top)
{
	struct rsv_ports ports = {2641, 2641, 8000, 0};
	struct reg *r = make_reg();
	struct hdl_value_list l;
	struct rsv_worker *w;
	struct metrics *m;
	struct rsv *rv;
	struct wbuf out;
	struct conf c;

	conf_text_load(&c, conf_text);
	assert_true(conf_toplevel(&c) == top);
	assert_int_equal(metrics_new(&m, 1, NULL, 0), IDR_OK);
	assert_int_equal(rsv_new(&rv, r, &c, &ports, m), IDR_OK);
	assert_int_equal(rsv_worker_new(rv, 0, NULL, &w), IDR_OK);
	wbuf_init_heap(&out, HDL_MAX_UNIT_LEN);
	if (top) {
		assert_int_equal(ask(w, "0.NA/88.118.8", 0, &out, &l), HDL_RC_PREFIX_REFERRAL);
		assert_int_equal(l.handle.len, 0); /* Handle.Net sends the handle empty */
		assert_true(l.present);
		assert_int_equal(l.count, 1);
		assert_int_equal(ask(w, "88.118/X", HDL_FLAG_RD, &out, &l),
		                 HDL_RC_SERVICE_REFERRAL);
		assert_int_equal(l.count, 1);
		/* DNRF: the codes of a node that does not refer */
		assert_int_equal(ask(w, "0.NA/88.118.8", HDL_FLAG_DNRF, &out, &l),
		                 HDL_RC_SERVER_NOT_RESP);
		assert_int_equal(ask(w, "88.118/X", HDL_FLAG_DNRF, &out, &l),
		                 HDL_RC_HANDLE_NOT_FOUND);
	} else {
		assert_int_equal(ask(w, "0.NA/88.118.8", 0, &out, &l), HDL_RC_SERVER_NOT_RESP);
		assert_int_equal(ask(w, "88.118/X", 0, &out, &l), HDL_RC_HANDLE_NOT_FOUND);
	}
	/* both roles serve the prefix record itself, and 301 where nothing refers */
	assert_int_equal(ask(w, "0.NA/88.118", 0, &out, &l), HDL_RC_SUCCESS);
	assert_int_equal(ask(w, "0.NA/99.1", 0, &out, &l), HDL_RC_SERVER_NOT_RESP);
	assert_int_equal(ask(w, "88.300/X", 0, &out, &l), HDL_RC_HANDLE_NOT_FOUND);
	wbuf_deinit(&out);
	rsv_worker_free(w);
	rsv_free(rv);
	metrics_free(m);
	conf_free(&c);
	reg_close(r);
}

static void
test_rsv_toplevel(void **state)
{
	(void)state;
	run_role("role toplevel\n", true);
}

static void
test_rsv_secondary(void **state)
{
	(void)state;
	run_role("", false);
	run_role("role secondary\n", false);
}

static void
test_role_conf(void **state)
{
	const struct cfg_opt *t;
	struct conf c;
	size_t n;

	(void)state;
	assert_int_equal(conf_load(&c, NULL, NULL, NULL), IDR_OK);
	t = conf_table(&n);
	assert_int_not_equal(cfg_parse_buf(t, n, "test", "role top\n", 9, &c, NULL, NULL), IDR_OK);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_refer_table),
	        cmocka_unit_test(test_rsv_toplevel),
	        cmocka_unit_test(test_rsv_secondary),
	        cmocka_unit_test(test_role_conf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
