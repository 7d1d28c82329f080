/* test_takeover.c - emergency takeover of a node by the top level (fed/takeover.h): state
 * transitions, the prefix record's values and serials, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/rbuf.h"
#include "base/wbuf.h"
#include "core/conf.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "fed/node.h"
#include "fed/refer.h"
#include "fed/takeover.h"
#include "hdl/hdl.h"
#include "lib/conf_text.h"
#include "model/value.h"
#include "reg.h"

/* HS_SITE-shaped data: version 1, protocol 2.11, serial, then a tag naming the site */
static struct slice
site(uint8_t *buf, uint16_t serial, char tag)
{
	buf[0] = 0;
	buf[1] = 1;
	buf[2] = 2;
	buf[3] = 11;
	buf[4] = (uint8_t)(serial >> 8);
	buf[5] = (uint8_t)serial;
	buf[6] = (uint8_t)tag;
	return slice_make(buf, 7);
}

static struct reg *
make_reg(bool with_site)
{
	uint8_t sb[8];
	struct node_spec s = {SLICE_LIT("88.118"), SLICE_LIT("node 1"), SLICE_LIT("key"),
	                      with_site ? site(sb, 5, 'N') : slice_make(NULL, 0)};
	struct reg_wtxn *w;
	struct reg_opts o;
	struct reg *r;

	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&r, &o, "88", "top"), IDR_OK);
	assert_int_equal(reg_write_begin(r, REG_IDENTITY_LOCAL, &w), IDR_OK);
	assert_int_equal(node_add(w, &s, NULL), IDR_OK);
	/* a hosted prefix that is no node (no HS_PUBKEY) */
	assert_int_equal(reg_prefix_add(w, SLICE_LIT("88.300"), SLICE_LIT("x"), PFX_ENABLED, NULL),
	                 IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	return r;
}

static int
begin(struct reg *r, const char *prefix, struct slice s, uint32_t now)
{
	struct reg_wtxn *w;
	int rc;

	assert_int_equal(reg_write_begin(r, REG_IDENTITY_LOCAL, &w), IDR_OK);
	rc = takeover_begin(w, slice_cstr(prefix), s, now);
	if (rc == IDR_OK) {
		assert_int_equal(reg_write_commit(w), IDR_OK);
	} else {
		reg_write_abort(w);
	}
	return rc;
}

static int
release(struct reg *r, const char *prefix)
{
	struct reg_wtxn *w;
	int rc;

	assert_int_equal(reg_write_begin(r, REG_IDENTITY_LOCAL, &w), IDR_OK);
	rc = takeover_release(w, slice_cstr(prefix), 2000);
	if (rc == IDR_OK) {
		assert_int_equal(reg_write_commit(w), IDR_OK);
	} else {
		reg_write_abort(w);
	}
	return rc;
}

/* The value at index in 0.NA/88.118: its data's tag (byte 6) and serial; 0 tag: absent. */
static void
value_at(struct reg *r, uint32_t index, char *tag, uint16_t *serial, uint8_t *perms)
{
	struct reg_rtxn *t;
	struct rec_view rec;
	struct slice clump;
	struct value v;
	struct rbuf b;

	*tag = 0;
	*serial = 0;
	assert_int_equal(reg_read_begin(r, &t), IDR_OK);
	assert_int_equal(reg_get(t, SLICE_LIT("0.NA/88.118"), &rec), IDR_OK);
	rbuf_init(&b, rec.values.p, rec.values.len);
	while (hdl_clump_next(&b, &v, &clump) == IDR_OK) {
		if (v.index == index) {
			*tag = v.data.len >= 7 ? (char)v.data.p[6] : '?';
			assert_int_equal(takeover_site_serial(v.data, serial), IDR_OK);
			if (perms != NULL) {
				*perms = v.perms;
			}
		}
	}
	reg_read_end(t);
}

static void
state(struct reg *r, const char *prefix, int want_rc, bool active, uint32_t since)
{
	struct takeover_info ti;
	struct reg_rtxn *t;

	assert_int_equal(reg_read_begin(r, &t), IDR_OK);
	assert_int_equal(takeover_get(t, slice_cstr(prefix), &ti), want_rc);
	if (want_rc == IDR_OK) {
		assert_true(ti.active == active);
		assert_true(since == 0 ? ti.since == 0 : ti.since >= since);
	}
	reg_read_end(t);
}

static void
test_takeover_begin_release(void **st)
{
	struct reg *r = make_reg(true);
	uint8_t tb[8], perms = 0;
	uint16_t serial;
	char tag;

	(void)st;
	state(r, "88.118", IDR_OK, false, 0);
	assert_int_equal(begin(r, "88.118", site(tb, 2, 'T'), 1000), IDR_OK);
	state(r, "88.118", IDR_OK, true, 1000000000);
	/* the top level's site at 1 and 2, serial above the node's 5; the node's kept, private */
	value_at(r, NODE_SITE_INDEX, &tag, &serial, NULL);
	assert_int_equal(tag, 'T');
	assert_int_equal(serial, 6);
	value_at(r, NODE_PREFIX_SITE_INDEX, &tag, &serial, NULL);
	assert_int_equal(tag, 'T');
	value_at(r, TAKEOVER_SAVED_SITE_INDEX, &tag, &serial, &perms);
	assert_int_equal(tag, 'N');
	assert_int_equal(serial, 5);
	assert_int_equal(perms & VALUE_PERM_PUBLIC_READ, 0);
	/* twice: refused, nothing changed */
	assert_int_equal(begin(r, "88.118", site(tb, 9, 'U'), 1500), IDR_ESTATE);
	state(r, "88.118", IDR_OK, true, 1000000000);
	value_at(r, NODE_SITE_INDEX, &tag, &serial, NULL);
	assert_int_equal(tag, 'T');
	/* release: the node's site back with a serial above the takeover's */
	assert_int_equal(release(r, "88.118"), IDR_OK);
	state(r, "88.118", IDR_OK, false, 0);
	value_at(r, NODE_SITE_INDEX, &tag, &serial, NULL);
	assert_int_equal(tag, 'N');
	assert_int_equal(serial, 7);
	value_at(r, NODE_PREFIX_SITE_INDEX, &tag, &serial, NULL);
	assert_int_equal(tag, 'N');
	assert_int_equal(serial, 7);
	value_at(r, TAKEOVER_SAVED_SITE_INDEX, &tag, &serial, NULL);
	assert_int_equal(tag, 0);
	value_at(r, TAKEOVER_MARK_INDEX, &tag, &serial, NULL);
	assert_int_equal(tag, 0);
	/* released twice: refused */
	assert_int_equal(release(r, "88.118"), IDR_ESTATE);
	/* and it can be taken over again */
	assert_int_equal(begin(r, "88.118", site(tb, 2, 'T'), 3000), IDR_OK);
	state(r, "88.118", IDR_OK, true, 1000000000);
	reg_close(r);
}

/* A node that never sent a site: release removes the top level's values again. */
static void
test_takeover_node_without_site(void **st)
{
	struct reg *r = make_reg(false);
	uint8_t tb[8];
	uint16_t serial;
	char tag;

	(void)st;
	assert_int_equal(begin(r, "88.118", site(tb, 2, 'T'), 1000), IDR_OK);
	value_at(r, NODE_SITE_INDEX, &tag, &serial, NULL);
	assert_int_equal(tag, 'T');
	assert_int_equal(release(r, "88.118"), IDR_OK);
	value_at(r, NODE_SITE_INDEX, &tag, &serial, NULL);
	assert_int_equal(tag, 0);
	value_at(r, NODE_PREFIX_SITE_INDEX, &tag, &serial, NULL);
	assert_int_equal(tag, 0);
	reg_close(r);
}

static void
test_takeover_errors(void **st)
{
	struct reg *r = make_reg(true);
	uint8_t tb[8];

	(void)st;
	/* release without takeover */
	assert_int_equal(release(r, "88.118"), IDR_ESTATE);
	/* unknown node, a hosted prefix that is no node, not a prefix at all */
	assert_int_equal(begin(r, "88.999", site(tb, 2, 'T'), 1000), IDR_ENOENT);
	assert_int_equal(release(r, "88.999"), IDR_ENOENT);
	assert_int_equal(begin(r, "88.300", site(tb, 2, 'T'), 1000), IDR_ENOENT);
	assert_int_equal(begin(r, "", site(tb, 2, 'T'), 1000), IDR_ENOENT);
	state(r, "88.999", IDR_ENOENT, false, 0);
	/* site data too short for an HS_SITE header */
	assert_int_equal(begin(r, "88.118", slice_make(tb, 5), 1000), IDR_EINVAL);
	state(r, "88.118", IDR_OK, false, 0);
	reg_close(r);
}

/* While taken over, referrals for the node's handles point at the top level's site. */
static void
test_takeover_referral(void **st)
{
	struct reg *r = make_reg(true);
	struct refer *ref = calloc(1, sizeof(*ref));
	struct reg_rtxn *t;
	struct value v;
	struct rbuf b;
	struct slice c;
	uint8_t tb[8];

	(void)st;
	assert_non_null(ref);
	assert_int_equal(begin(r, "88.118", site(tb, 2, 'T'), 1000), IDR_OK);
	assert_int_equal(reg_read_begin(r, &t), IDR_OK);
	assert_int_equal(refer_find(t, SLICE_LIT("88.118.8/X"), false, ref), IDR_OK);
	assert_int_equal(ref->rc, 303);
	assert_int_equal(ref->n, 1); /* the kept values are private: not sent */
	rbuf_init(&b, ref->clumps[0].p, ref->clumps[0].len);
	assert_int_equal(hdl_clump_next(&b, &v, &c), IDR_OK);
	assert_int_equal(v.data.p[6], 'T');
	reg_read_end(t);
	free(ref);
	reg_close(r);
}

/* ---- the answers of a top level's resolver while a node is taken over ---- */

/* Resolve handle through rsv_handle over UDP: the answer's response code. */
static uint32_t
ask(struct rsv_worker *w, const char *handle, struct wbuf *out)
{
	struct rsv_ctx ctx = {RSV_PROTO_UDP, NULL, NULL, 0};
	struct hdl_req_opts o;
	struct hdl_msg m;
	struct wbuf req;
	struct rbuf in;

	wbuf_init_heap(&req, HDL_MAX_UNIT_LEN);
	hdl_req_opts_init(&o, 7, 2000000000u);
	assert_int_equal(hdl_req_resolution_encode(&req, &o, slice_cstr(handle), NULL, 0, NULL, 0),
	                 IDR_OK);
	wbuf_reset(out);
	assert_int_equal(rsv_handle(w, &ctx, req.p, req.len, 1700000000u, out), RSV_REPLY);
	wbuf_deinit(&req);
	rbuf_init(&in, out->p, out->len);
	assert_int_equal(hdl_msg_parse(&in, &m), IDR_OK);
	return m.hdr.rc;
}

/*
 * Taken over without a backup copy of the node in this process: its handles are an error
 * naming the copy (2), never a referral (which would now point at the top level itself); the
 * prefix record is served; writes are refused (rsv_takeover_of). Released: referrals again.
 */
static void
test_takeover_rsv(void **st)
{
	struct rsv_ports ports = {2641, 2641, 8000, 0};
	struct reg *r = make_reg(true);
	struct rsv_worker *w;
	struct metrics *m;
	struct rsv *rv;
	struct wbuf out;
	struct conf c;
	char node[64];
	uint8_t tb[8];

	(void)st;
	conf_text_load(&c, "role toplevel\n");
	assert_int_equal(metrics_new(&m, 1, NULL, 0), IDR_OK);
	assert_int_equal(rsv_new(&rv, r, &c, &ports, m), IDR_OK);
	assert_int_equal(rsv_worker_new(rv, 0, NULL, &w), IDR_OK);
	wbuf_init_heap(&out, HDL_MAX_UNIT_LEN);
	assert_int_equal(ask(w, "88.118.8/X", &out), HDL_RC_PREFIX_REFERRAL);
	assert_int_equal(ask(w, "88.118/X", &out), HDL_RC_SERVICE_REFERRAL);
	assert_false(rsv_takeover_of(w, SLICE_LIT("88.118.8/X"), node, sizeof(node)));

	assert_int_equal(begin(r, "88.118", site(tb, 2, 'T'), 1000), IDR_OK);
	assert_int_equal(ask(w, "88.118.8/X", &out), HDL_RC_ERROR);
	assert_non_null(strstr(rsv_worker_message(w), "backup copy is not ready"));
	assert_true(rsv_worker_takeover(w));
	assert_int_equal(ask(w, "88.118/X", &out), HDL_RC_ERROR);
	assert_int_equal(ask(w, "0.NA/88.118.8.1", &out), HDL_RC_ERROR);
	assert_int_equal(ask(w, "0.NA/88.118", &out), HDL_RC_SUCCESS); /* held by the top */
	assert_false(rsv_worker_takeover(w));
	assert_int_equal(ask(w, "88.300/X", &out), HDL_RC_HANDLE_NOT_FOUND); /* no node */
	assert_int_equal(ask(w, "0.NA/99.1", &out), HDL_RC_SERVER_NOT_RESP);
	assert_true(rsv_takeover_of(w, SLICE_LIT("88.118.8/X"), node, sizeof(node)));
	assert_string_equal(node, "88.118");
	assert_true(rsv_takeover_of(w, SLICE_LIT("0.NA/88.118"), node, sizeof(node)));
	assert_false(rsv_takeover_of(w, SLICE_LIT("88.300/X"), node, sizeof(node)));
	assert_false(rsv_takeover_of(w, SLICE_LIT("not a handle"), node, sizeof(node)));

	assert_int_equal(release(r, "88.118"), IDR_OK);
	assert_int_equal(ask(w, "88.118.8/X", &out), HDL_RC_PREFIX_REFERRAL);
	assert_false(rsv_takeover_of(w, SLICE_LIT("88.118.8/X"), node, sizeof(node)));
	wbuf_deinit(&out);
	rsv_worker_free(w);
	rsv_free(rv);
	metrics_free(m);
	conf_free(&c);
	reg_close(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_takeover_begin_release),
	        cmocka_unit_test(test_takeover_node_without_site),
	        cmocka_unit_test(test_takeover_errors),
	        cmocka_unit_test(test_takeover_referral),
	        cmocka_unit_test(test_takeover_rsv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
