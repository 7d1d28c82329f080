/*
 * test_nodeop.c - one change to a top level's nodes (fed/nodeop.h), as the local command and
 * POST /api/v1/nodes apply it: the setters' checks (prefix, site, key, owner at their limits
 * and one past), an add (created, then unchanged), a takeover refused for an unknown node,
 * without a backup copy, without a site, when already taken over, a release when not taken
 * over, and the messages and HTTP statuses of each outcome.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/wbuf.h"
#include "fed/node.h"
#include "fed/nodeop.h"
#include "fed/takeover.h"
#include "model/value.h"
#include "reg.h"

static uint8_t key[NODEOP_KEY_MAX];
static size_t key_len;
static struct nodeop op;

static int
setup(void **state)
{
	struct crypto_key *k = NULL;
	struct wbuf w;
	int rc;

	(void)state;
	wbuf_init(&w, key, sizeof(key));
	rc = crypto_key_generate(&k, CRYPTO_KEY_RSA, 1024);
	if (rc == IDR_OK) {
		rc = crypto_key_hs_pubkey(k, &w);
	}
	key_len = wbuf_len(&w);
	crypto_key_free(k);
	return rc == IDR_OK ? 0 : -1;
}

static struct reg *
make_reg(void)
{
	struct reg_opts o;
	struct reg *r;

	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&r, &o, "88", "top"), IDR_OK);
	return r;
}

/* Apply op in its own transaction (committed on success). */
static int
apply(struct reg *r)
{
	struct reg_wtxn *w;
	int rc;

	assert_int_equal(reg_write_begin(r, REG_IDENTITY_LOCAL, &w), IDR_OK);
	rc = nodeop_apply(&op, w);
	if (rc == IDR_OK) {
		assert_int_equal(reg_write_commit(w), IDR_OK);
	} else {
		reg_write_abort(w);
	}
	return rc;
}

static bool
taken(struct reg *r)
{
	struct takeover_info ti;
	struct reg_rtxn *t;

	assert_int_equal(reg_read_begin(r, &t), IDR_OK);
	assert_int_equal(takeover_get(t, SLICE_LIT("88.118"), &ti), IDR_OK);
	reg_read_end(t);
	return ti.active;
}

static void
test_nodeop_setters(void **state)
{
	char p[PFX_MAX_LEN + 2], *owner = malloc(PFX_MAX_OWNER + 2);

	(void)state;
	assert_non_null(owner);
	assert_int_equal(nodeop_init(&op, NODEOP_ADD, SLICE_LIT(""), 1), IDR_EINVAL);
	assert_int_equal(op.why, NODEOP_WHY_INPUT);
	assert_int_equal(nodeop_init(&op, NODEOP_ADD, slice_make("88\0.1", 5), 1), IDR_EINVAL);
	memset(p, '8', sizeof(p));
	assert_int_equal(nodeop_init(&op, NODEOP_ADD, slice_make(p, PFX_MAX_LEN), 1), IDR_OK);
	assert_int_equal(nodeop_init(&op, NODEOP_ADD, slice_make(p, PFX_MAX_LEN + 1), 1),
	                 IDR_EINVAL);
	assert_int_equal(nodeop_init(&op, NODEOP_ADD, SLICE_LIT("88.118"), 1), IDR_OK);
	assert_int_equal(nodeop_set_site(&op, "nowhere"), IDR_EINVAL);
	assert_non_null(strstr(op.msg, "IP:PORT"));
	assert_int_equal(op.site_len, 0);
	assert_int_equal(nodeop_set_site(&op, "127.0.0.1:2641,[::1]:2641"), IDR_OK);
	assert_true(op.site_len > 0);
	assert_int_equal(nodeop_set_key(&op, SLICE_LIT("")), IDR_EINVAL);
	assert_int_equal(nodeop_set_key(&op, SLICE_LIT("not a key")), IDR_EINVAL);
	assert_non_null(strstr(op.msg, "HS_PUBKEY"));
	assert_int_equal(nodeop_set_key(&op, slice_make(key, NODEOP_KEY_MAX + 1)), IDR_ELIMIT);
	assert_int_equal(op.key_len, 0);
	assert_int_equal(nodeop_set_key(&op, slice_make(key, key_len)), IDR_OK);
	assert_int_equal(op.key_len, key_len);
	memset(owner, 'o', PFX_MAX_OWNER + 1);
	assert_int_equal(nodeop_set_owner(&op, slice_make(owner, PFX_MAX_OWNER)), IDR_OK);
	assert_int_equal(strlen(op.owner), PFX_MAX_OWNER);
	assert_int_equal(nodeop_set_owner(&op, slice_make(owner, PFX_MAX_OWNER + 1)), IDR_ELIMIT);
	free(owner);
}

static void
test_nodeop_add(void **state)
{
	struct reg *r = make_reg();

	(void)state;
	assert_int_equal(nodeop_init(&op, NODEOP_ADD, SLICE_LIT("88.118"), 100), IDR_OK);
	assert_int_equal(apply(r), IDR_EINVAL); /* no key */
	assert_non_null(strstr(nodeop_message(&op, IDR_EINVAL), "key is missing"));
	assert_int_equal(nodeop_http_status(&op, IDR_EINVAL), 400);
	assert_int_equal(nodeop_set_key(&op, slice_make(key, key_len)), IDR_OK);
	assert_int_equal(apply(r), IDR_OK);
	assert_int_equal(op.outcome, REG_CREATED);
	assert_string_equal(nodeop_message(&op, IDR_OK),
	                    "added node 88.118: identity 300:0.NA/88.118 may maintain its prefix "
	                    "record 0.NA/88.118");
	assert_int_equal(nodeop_http_status(&op, IDR_OK), 201);
	assert_int_equal(apply(r), IDR_OK);
	assert_int_equal(op.outcome, REG_UNCHANGED);
	assert_int_equal(nodeop_http_status(&op, IDR_OK), 200);
	assert_non_null(strstr(nodeop_message(&op, IDR_OK), "unchanged node 88.118"));
	/* a store failure after apply: its message, 500 */
	assert_non_null(strstr(nodeop_message(&op, IDR_ENOSPC), "88.118"));
	assert_int_equal(nodeop_http_status(&op, IDR_ENOSPC), 500);
	reg_close(r);
}

static void
test_nodeop_takeover(void **state)
{
	struct reg *r = make_reg();

	(void)state;
	assert_int_equal(nodeop_init(&op, NODEOP_ADD, SLICE_LIT("88.118"), 100), IDR_OK);
	assert_int_equal(nodeop_set_key(&op, slice_make(key, key_len)), IDR_OK);
	assert_int_equal(nodeop_set_site(&op, "127.0.0.1:2000"), IDR_OK);
	assert_int_equal(apply(r), IDR_OK);

	/* an unknown node */
	assert_int_equal(nodeop_init(&op, NODEOP_TAKEOVER, SLICE_LIT("88.999"), 200), IDR_OK);
	op.backup = true;
	assert_int_equal(apply(r), IDR_ENOENT);
	assert_int_equal(op.why, NODEOP_WHY_NO_NODE);
	assert_string_equal(op.msg, "88.999 is no node of this top level (see idr node list)");
	assert_int_equal(nodeop_http_status(&op, IDR_ENOENT), 404);
	/* no backup copy */
	assert_int_equal(nodeop_init(&op, NODEOP_TAKEOVER, SLICE_LIT("88.118"), 200), IDR_OK);
	assert_int_equal(nodeop_set_site(&op, "127.0.0.1:3000"), IDR_OK);
	assert_int_equal(apply(r), IDR_ENOENT);
	assert_int_equal(op.why, NODEOP_WHY_NO_BACKUP);
	assert_non_null(strstr(op.msg, "no backup copy of node 88.118"));
	assert_int_equal(nodeop_http_status(&op, IDR_ENOENT), 409);
	assert_false(taken(r));
	/* no site given, and the top level's prefix record has none */
	assert_int_equal(nodeop_init(&op, NODEOP_TAKEOVER, SLICE_LIT("88.118"), 200), IDR_OK);
	op.backup = true;
	snprintf(op.top, sizeof(op.top), "88");
	assert_int_equal(apply(r), IDR_ENOENT);
	assert_int_equal(op.why, NODEOP_WHY_NO_SITE);
	assert_non_null(strstr(op.msg, "no HS_SITE in its prefix record 0.NA/88"));
	assert_false(taken(r));
	/* with a site: taken over */
	assert_int_equal(nodeop_set_site(&op, "127.0.0.1:3000"), IDR_OK);
	assert_int_equal(apply(r), IDR_OK);
	assert_non_null(strstr(nodeop_message(&op, IDR_OK), "took over node 88.118"));
	assert_true(taken(r));
	assert_int_equal(apply(r), IDR_ESTATE);
	assert_int_equal(op.why, NODEOP_WHY_TAKEN);
	assert_non_null(strstr(op.msg, "already taken over"));
	assert_int_equal(nodeop_http_status(&op, IDR_ESTATE), 409);
	/* release, then once more */
	assert_int_equal(nodeop_init(&op, NODEOP_RELEASE, SLICE_LIT("88.118"), 300), IDR_OK);
	assert_int_equal(apply(r), IDR_OK);
	assert_non_null(strstr(nodeop_message(&op, IDR_OK), "released node 88.118"));
	assert_false(taken(r));
	assert_int_equal(apply(r), IDR_ESTATE);
	assert_int_equal(op.why, NODEOP_WHY_NOT_TAKEN);
	assert_string_equal(op.msg, "88.118 is not taken over: nothing to release");
	reg_close(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_nodeop_setters),
	        cmocka_unit_test(test_nodeop_add),
	        cmocka_unit_test(test_nodeop_takeover),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
