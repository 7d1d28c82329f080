/*
 * test_admin.c - the Handle admin protocol (core/admin.h) in memory, driven by our own client's
 * message layer (client/hadmin.h): no sockets. A registry in a temporary LMDB directory, the
 * writer thread, a dispatcher with one worker on an event base, admin_new with an RSA
 * server_key.
 *
 * Identities (all under the enterprise prefixes' prefix handles, which the registry makes
 * with HS_ADMIN naming index 300 of themselves):
 *   A   300:0.NA/88.118.8  RSA (HS_PUBKEY)       admin of 88.118.8
 *   AS  301:0.NA/88.118.8  HS_SECKEY "s3cret"     (named by an HS_ADMIN of 0.NA/88.118.8)
 *   B   300:0.NA/88.118.9  SM2 (HS_PUBKEY)       admin of 88.118.9
 *   W   300:88.118.8/writer RSA                  ADD_HANDLE only on 0.NA/88.118.8 (no LIST)
 *   X   300:88.118.8/stranger RSA                in no HS_ADMIN
 *
 * Covered: the DH session key equal on both sides; signed answers to CT verifying with the
 * HS_SITE key (crypto_verify and the openssl command line); create -> 402 -> answer -> 1 and
 * later requests of the session without a challenge; every refusal with its code and nothing
 * written (the journal's sequence number unchanged): wrong key, wrong index, expired
 * challenge, replayed answer, replayed session counter, bad MAC, no credential, unknown
 * session, not in HS_ADMIN, another enterprise's prefix, LIST_HANDLES permission; MINT and
 * OVRW; SM2 and HS_SECKEY identities; the IDIS login (2001) authenticating a connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/crypto.h"
#include "client/hadmin.h"
#include "core/admin.h"
#include "core/conf.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "hdl/hdl.h"
#include "hdl/hdl_admin.h"
#include "hdl/hdl_auth.h"
#include "lib/tmpdir.h"
#include "reg.h"
#include "write/writer.h"

#define ANSWER_MAX (256 * 1024)

/* keys made once for the whole run */
static struct crypto_key *KS, *KA, *KB, *KW, *KX, *KBAD;

struct got {
	int calls;
	uint8_t answer[ANSWER_MAX];
	size_t len;
};

struct fix {
	char dir[256], data[300], keyfile[300];
	struct reg *reg;
	struct conf c;
	struct metrics *m;
	struct rsv *r;
	struct event_base *base;
	struct rsv_worker *w;
	struct writer *wr;
	struct admin *a;
	struct rsv_conn *udp, *tcp, *tcp2;
	struct crypto_key *site; /* the public key HS_SITE publishes */
	struct got got;
	struct wbuf out, req;
	uint8_t ans[ANSWER_MAX]; /* the last answer unit */
	size_t ans_len;
	struct hdl_msg am; /* parsed from ans */
};

/* ------------------------------------------------------------------ helpers */

static uint32_t
now_s(void)
{
	return (uint32_t)time(NULL);
}

static void
record(void *arg, const struct rsv_done *d)
{
	struct got *g = arg;

	assert_true(d->answer.len <= sizeof(g->answer));
	memcpy(g->answer, d->answer.p, d->answer.len);
	g->len = d->answer.len;
	g->calls++;
}

/* Hand one unit to the dispatcher on conn; wait for a deferred answer. The answer in f->am. */
static void
send_unit(struct fix *f, struct rsv_conn *conn, struct slice unit)
{
	struct addr peer;
	struct rsv_ctx ctx = {conn == f->udp ? RSV_PROTO_UDP : RSV_PROTO_TCP, &peer, conn, 7};
	enum rsv_action act;
	struct rbuf r;
	int calls = f->got.calls;

	assert_int_equal(addr_parse("127.0.0.1:4000", &peer, NULL), IDR_OK);
	wbuf_reset(&f->out);
	act = rsv_handle(f->w, &ctx, unit.p, unit.len, now_s(), &f->out);
	if (act == RSV_PENDING) {
		while (f->got.calls == calls) {
			assert_int_equal(event_base_loop(f->base, EVLOOP_ONCE), 0);
		}
		memcpy(f->ans, f->got.answer, f->got.len);
		f->ans_len = f->got.len;
	} else {
		assert_int_equal(act, RSV_REPLY);
		assert_true(wbuf_len(&f->out) <= sizeof(f->ans));
		memcpy(f->ans, wbuf_data(&f->out), wbuf_len(&f->out));
		f->ans_len = wbuf_len(&f->out);
	}
	rbuf_init(&r, f->ans, f->ans_len);
	assert_int_equal(hdl_msg_parse(&r, &f->am), IDR_OK);
	assert_int_equal(rbuf_left(&r), 0);
}

static uint64_t
changes(struct fix *f)
{
	struct reg_rtxn *t;
	uint64_t seq = 0;

	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_changes(t, &seq), IDR_OK);
	reg_read_end(t);
	return seq;
}

static bool
exists(struct fix *f, const char *h)
{
	struct reg_rtxn *t;
	struct rec_view v;
	bool found;

	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	found = reg_get(t, slice_cstr(h), &v) == IDR_OK;
	reg_read_end(t);
	return found;
}

static struct value
mkval(uint32_t index, const char *type, struct slice data)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.ttl = 86400;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = slice_cstr(type);
	v.data = data;
	return v;
}

static struct value
url(const char *u)
{
	return mkval(1, "URL", slice_cstr(u));
}

static struct hadmin *
client_new(const char *handle, uint32_t index, const struct crypto_key *key, const char *secret,
           const struct crypto_key *site)
{
	struct hadmin_ident id = {slice_cstr(handle), index, key, slice_cstr(secret), site};
	struct hadmin *c;

	assert_int_equal(hadmin_new(&c, &id), IDR_OK);
	return c;
}

static const struct hadmin_msg_opts MO = {0, false};

static struct hadmin_msg_opts
mo(void)
{
	struct hadmin_msg_opts o = MO;

	o.now = now_s();
	return o;
}

/* Set up a session for c (over the UDP front end); expects success. */
static void
session(struct fix *f, struct hadmin *c)
{
	struct hadmin_msg_opts o = mo();
	struct hadmin_result res;

	memset(&res, 0, sizeof(res));
	wbuf_reset(&f->req);
	assert_int_equal(hadmin_setup_encode(c, &f->req, &o), IDR_OK);
	send_unit(f, f->udp, wbuf_slice(&f->req));
	assert_int_equal(hadmin_setup_finish(c, &f->am, &res), IDR_OK);
	assert_int_equal(res.rc, HDL_RC_SUCCESS);
	assert_int_not_equal(hadmin_session_id(c), 0);
	assert_int_equal(hadmin_session_key(c).len, 32);
}

/* Send op's request (f->req keeps it); the first answer in f->am. */
static void
request(struct fix *f, struct hadmin *c, struct rsv_conn *conn, const struct hadmin_op *op)
{
	struct hadmin_msg_opts o = mo();

	wbuf_reset(&f->req);
	assert_int_equal(hadmin_request_encode(c, &f->req, op, &o), IDR_OK);
	send_unit(f, conn, wbuf_slice(&f->req));
}

/* Answer the 402 in f->am (the answer unit stays in f->req); the answer's answer in f->am. */
static void
answer(struct fix *f, struct hadmin *c, struct rsv_conn *conn)
{
	struct hadmin_msg_opts o = mo();

	assert_int_equal(f->am.hdr.rc, HDL_RC_AUTHENTICATION_NEEDED);
	wbuf_reset(&f->req);
	assert_int_equal(hadmin_answer_encode(c, &f->req, &f->am, &o), IDR_OK);
	send_unit(f, conn, wbuf_slice(&f->req));
}

/* The whole exchange: request, answer a challenge if one comes. @return the final rc. */
static uint32_t
op_do(struct fix *f, struct hadmin *c, struct rsv_conn *conn, const struct hadmin_op *op,
      struct hadmin_result *res, unsigned *challenges)
{
	memset(res, 0, sizeof(*res));
	request(f, c, conn, op);
	*challenges = 0;
	if (f->am.hdr.rc == HDL_RC_AUTHENTICATION_NEEDED) {
		(*challenges)++;
		answer(f, c, conn);
	}
	assert_int_equal(hadmin_result_read(&f->am, res, NULL, NULL, NULL), IDR_OK);
	return res->rc;
}

static struct hadmin_op
create_op(const char *h, const struct value *v)
{
	struct hadmin_op op;

	memset(&op, 0, sizeof(op));
	op.opcode = HDL_OC_CREATE_HANDLE;
	op.handle = slice_cstr(h);
	op.values = v;
	op.nvalues = 1;
	return op;
}

/* ------------------------------------------------------------------ fixture */

static void
add_key(struct reg_wtxn *t, const char *h, uint32_t idx, const struct crypto_key *k, bool create)
{
	uint8_t buf[4096];
	struct wbuf w;
	struct value v;

	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(crypto_key_hs_pubkey(k, &w), IDR_OK);
	v = mkval(idx, "HS_PUBKEY", wbuf_slice(&w));
	if (create) {
		assert_int_equal(reg_create(t, slice_cstr(h), REC_KIND_NONE, &v, 1, 0, NULL),
		                 IDR_OK);
	} else {
		assert_int_equal(reg_add_values(t, slice_cstr(h), &v, 1), IDR_OK);
	}
}

static void
add_admin(struct reg_wtxn *t, const char *on, uint32_t idx, uint16_t perms, const char *h,
          uint32_t hidx)
{
	struct value_admin ad = {perms, slice_cstr(h), hidx};
	uint8_t buf[512];
	struct wbuf w;
	struct value v;

	wbuf_init(&w, buf, sizeof(buf));
	value_admin_encode(&w, &ad);
	v = mkval(idx, "HS_ADMIN", wbuf_slice(&w));
	assert_int_equal(reg_add_values(t, slice_cstr(on), &v, 1), IDR_OK);
}

static void
registry_fill(struct fix *f)
{
	struct reg_wtxn *t;
	struct value v;

	assert_int_equal(reg_write_begin(f->reg, NULL, &t), IDR_OK);
	assert_int_equal(
	        reg_prefix_add(t, SLICE_LIT("88.118.8"), SLICE_LIT("A"), PFX_ENABLED, NULL),
	        IDR_OK);
	assert_int_equal(
	        reg_prefix_add(t, SLICE_LIT("88.118.9"), SLICE_LIT("B"), PFX_ENABLED, NULL),
	        IDR_OK);
	add_key(t, "0.NA/88.118.8", 300, KA, false);
	v = mkval(301, "HS_SECKEY", SLICE_LIT("s3cret"));
	assert_int_equal(reg_add_values(t, SLICE_LIT("0.NA/88.118.8"), &v, 1), IDR_OK);
	add_admin(t, "0.NA/88.118.8", 101, VALUE_ADMIN_ALL, "0.NA/88.118.8", 301);
	add_key(t, "0.NA/88.118.9", 300, KB, false);
	add_key(t, "88.118.8/writer", 300, KW, true);
	add_admin(t, "0.NA/88.118.8", 102, VALUE_ADMIN_ADD_HANDLE, "88.118.8/writer", 300);
	add_key(t, "88.118.8/stranger", 300, KX, true);
	v = url("https://example.com/old");
	assert_int_equal(reg_create(t, SLICE_LIT("88.118.8/old"), REC_KIND_NONE, &v, 1, 0, NULL),
	                 IDR_OK);
	assert_int_equal(reg_write_commit(t), IDR_OK);
}

static int
setup(void **state)
{
	struct writer_opts wo = {64, 0};
	const struct cfg_opt *tab;
	struct reg_opts o;
	char text[512];
	size_t n;
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_non_null(tmpdir_make(f->dir, sizeof(f->dir), "test_admin"));
	assert_true(snprintf(f->data, sizeof(f->data), "%s/data", f->dir) < (int)sizeof(f->data));
	assert_true(snprintf(f->keyfile, sizeof(f->keyfile), "%s/server.pem", f->dir) <
	            (int)sizeof(f->keyfile));
	assert_int_equal(crypto_key_write_private(KS, f->keyfile), IDR_OK);
	memset(&o, 0, sizeof(o));
	o.data_dir = f->data;
	o.map_size = 64ULL << 20;
	assert_int_equal(reg_init(&f->reg, &o, "88.118", "node"), IDR_OK);
	registry_fill(f);

	assert_int_equal(conf_load(&f->c, NULL, NULL, NULL), IDR_OK);
	tab = conf_table(&n);
	assert_true(snprintf(text, sizeof(text), "server_key %s\nserver_admins 300:88.118/ADMIN\n",
	                     f->keyfile) < (int)sizeof(text));
	assert_int_equal(cfg_parse_buf(tab, n, "test", text, strlen(text), &f->c, NULL, NULL),
	                 IDR_OK);
	assert_int_equal(metrics_new(&f->m, 1, NULL, 0), IDR_OK);
	assert_int_equal(rsv_new(&f->r, f->reg, &f->c, NULL, f->m), IDR_OK);
	assert_int_equal(writer_new(&f->wr, f->reg, &wo), IDR_OK);
	rsv_set_writer(f->r, f->wr);
	assert_int_equal(admin_new(&f->a, f->r, f->wr, &f->c), IDR_OK);
	f->base = event_base_new();
	assert_non_null(f->base);
	assert_int_equal(rsv_worker_new(f->r, 0, f->base, &f->w), IDR_OK);
	assert_int_equal(writer_start(f->wr), IDR_OK);
	assert_int_equal(rsv_conn_new(f->w, RSV_PROTO_UDP, record, &f->got, &f->udp), IDR_OK);
	assert_int_equal(rsv_conn_new(f->w, RSV_PROTO_TCP, record, &f->got, &f->tcp), IDR_OK);
	assert_int_equal(rsv_conn_new(f->w, RSV_PROTO_TCP, record, &f->got, &f->tcp2), IDR_OK);
	wbuf_init_heap(&f->out, HDL_MAX_UNIT_LEN);
	wbuf_init_heap(&f->req, HDL_MAX_UNIT_LEN);
	{
		/* the site key as a client sees it: from the HS_SITE the node publishes */
		struct value_site *site = malloc(sizeof(*site));

		assert_non_null(site);
		assert_int_equal(value_site_decode(rsv_site(f->r), site), IDR_OK);
		assert_true(site->nservers >= 1);
		assert_int_equal(crypto_key_from_hs_pubkey(&f->site, site->servers[0].pubkey.p,
		                                           site->servers[0].pubkey.len),
		                 IDR_OK);
		assert_true(crypto_key_public_equal(f->site, KS));
		free(site);
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	rsv_conn_free(f->udp);
	rsv_conn_free(f->tcp);
	rsv_conn_free(f->tcp2);
	writer_stop(f->wr);
	rsv_worker_free(f->w);
	event_base_free(f->base);
	admin_free(f->a);
	writer_free(f->wr);
	rsv_free(f->r);
	metrics_free(f->m);
	reg_close(f->reg);
	conf_free(&f->c);
	crypto_key_free(f->site);
	wbuf_deinit(&f->out);
	wbuf_deinit(&f->req);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static int
keys_make(void **state)
{
	(void)state;
	assert_int_equal(crypto_key_generate(&KS, CRYPTO_KEY_RSA, 2048), IDR_OK);
	assert_int_equal(crypto_key_generate(&KA, CRYPTO_KEY_RSA, 2048), IDR_OK);
	assert_int_equal(crypto_key_generate(&KB, CRYPTO_KEY_SM2, 0), IDR_OK);
	assert_int_equal(crypto_key_generate(&KW, CRYPTO_KEY_RSA, 1024), IDR_OK);
	assert_int_equal(crypto_key_generate(&KX, CRYPTO_KEY_RSA, 1024), IDR_OK);
	assert_int_equal(crypto_key_generate(&KBAD, CRYPTO_KEY_RSA, 2048), IDR_OK);
	return 0;
}

static int
keys_free(void **state)
{
	(void)state;
	crypto_key_free(KS);
	crypto_key_free(KA);
	crypto_key_free(KB);
	crypto_key_free(KW);
	crypto_key_free(KX);
	crypto_key_free(KBAD);
	return 0;
}

/* ------------------------------------------------------------------ sessions */

/*
 * The server side of a setup made here exactly as admin.c makes it: the client's DH_PUB_KEY, a
 * key pair in its group, the derived AES session key (into key), the answer signed with KS
 * (into ans, session id 4097). The unsigned answer is refused by the client first.
 */
static void
hand_server(struct hadmin *c, struct wbuf *req_unit, struct wbuf *ans, struct wbuf *key)
{
	struct hdl_auth_session_setup ss;
	struct crypto_key *peer, *mine;
	struct wbuf secret, pub, data, sd, sig;
	struct hdl_resp_opts ro = {now_s() + 3600, 1, 0};
	struct hadmin_result res;
	struct hdl_cred cr;
	struct hdl_msg req, am;
	struct rbuf r;

	rbuf_init(&r, wbuf_data(req_unit), wbuf_len(req_unit));
	assert_int_equal(hdl_msg_parse(&r, &req), IDR_OK);
	assert_int_equal(req.hdr.opcode, HDL_OC_SESSION_SETUP);
	assert_true((req.hdr.flags & (HDL_FLAG_CT | HDL_FLAG_RD)) == (HDL_FLAG_CT | HDL_FLAG_RD));
	rbuf_init(&r, req.body.p, req.body.len);
	assert_int_equal(hdl_auth_session_setup_parse(&r, &ss), IDR_OK);
	assert_int_equal(ss.mode, HDL_KEX_DH);
	assert_true(slice_eq(ss.identity, SLICE_LIT("0.NA/88.118.8")));
	assert_int_equal(ss.identity_index, 300);
	assert_int_equal(crypto_key_from_hs_pubkey(&peer, ss.pubkey.p, ss.pubkey.len), IDR_OK);
	assert_int_equal(crypto_key_type(peer), CRYPTO_KEY_DH);
	assert_int_equal(crypto_key_bits(peer), 1024);
	assert_int_equal(crypto_dh_keypair_like(&mine, peer), IDR_OK);
	wbuf_init_heap(&secret, 4096);
	wbuf_init_heap(&pub, 4096);
	wbuf_init_heap(&data, 4096);
	wbuf_init_heap(&sd, 8192);
	wbuf_init_heap(&sig, 8192);
	assert_int_equal(crypto_dh_derive(mine, peer, &secret), IDR_OK);
	assert_int_equal(crypto_session_key_from_dh(CRYPTO_CIPHER_AES, wbuf_data(&secret),
	                                            wbuf_len(&secret), key),
	                 IDR_OK);
	assert_int_equal(crypto_key_hs_pubkey(mine, &pub), IDR_OK);
	hdl_auth_dh_data_encode(&data, HDL_CIPHER_AES, wbuf_slice(&pub));
	req.env.session_id = 4097;
	assert_int_equal(
	        hdl_auth_session_setup_resp_encode(ans, &req, HDL_KEX_DH, wbuf_slice(&data), &ro),
	        IDR_OK);
	rbuf_init(&r, wbuf_data(ans), wbuf_len(ans));
	assert_int_equal(hdl_msg_parse(&r, &am), IDR_OK);
	memset(&res, 0, sizeof(res));
	assert_int_equal(hadmin_setup_finish(c, &am, &res), IDR_EAUTH); /* unsigned: refused */
	assert_int_equal(hdl_auth_signed_data(&sd, &am.env, 0, am.raw), IDR_OK);
	assert_int_equal(crypto_sign(KS, CRYPTO_SHA256, slice_make(NULL, 0), wbuf_data(&sd),
	                             wbuf_len(&sd), &sig),
	                 IDR_OK);
	memset(&cr, 0, sizeof(cr));
	cr.type = SLICE_LIT("HS_SIGNED");
	cr.digest_alg = SLICE_LIT("SHA-256");
	cr.signature = wbuf_slice(&sig);
	assert_int_equal(hdl_auth_cred_attach(ans, 0, &cr), IDR_OK);
	crypto_key_free(peer);
	crypto_key_free(mine);
	wbuf_deinit(&secret);
	wbuf_deinit(&pub);
	wbuf_deinit(&data);
	wbuf_deinit(&sd);
	wbuf_deinit(&sig);
}

/*
 * The session key: (1) against a server side made here exactly as admin.c makes it the client
 * derives the same 32 bytes; (2) against admin: a request MACed with the client's key is
 * accepted while one whose MAC is one bit off is refused 502.
 */
static void
test_admin_session_key_same_both_sides(void **state)
{
	struct fix *f = *state;
	struct hadmin *c = client_new("0.NA/88.118.8", 300, KA, NULL, KS);
	struct hadmin_msg_opts o = mo();
	struct wbuf key, ans;
	struct hadmin_result res;
	struct hdl_msg am;
	struct rbuf r;
	struct value v = url("https://example.com/k");
	struct hadmin_op op = create_op("88.118.8/k1", &v);
	uint64_t before;

	wbuf_reset(&f->req);
	assert_int_equal(hadmin_setup_encode(c, &f->req, &o), IDR_OK);
	wbuf_init_heap(&key, 64);
	wbuf_init_heap(&ans, 8192);
	hand_server(c, &f->req, &ans, &key);
	rbuf_init(&r, wbuf_data(&ans), wbuf_len(&ans));
	assert_int_equal(hdl_msg_parse(&r, &am), IDR_OK);
	memset(&res, 0, sizeof(res));
	assert_int_equal(hadmin_setup_finish(c, &am, &res), IDR_OK);
	assert_int_equal(res.rc, HDL_RC_SUCCESS);
	assert_int_equal(hadmin_session_id(c), 4097);
	assert_int_equal(hadmin_session_key(c).len, 32);
	assert_int_equal(wbuf_len(&key), 32);
	assert_memory_equal(hadmin_session_key(c).p, wbuf_data(&key), 32);
	wbuf_deinit(&key);
	wbuf_deinit(&ans);

	/* against admin: a fresh session; its signed answer verified inside setup_finish */
	session(f, c);
	before = changes(f);
	request(f, c, f->tcp, &op); /* MAC checked, then the identity is challenged */
	assert_int_equal(f->am.hdr.rc, HDL_RC_AUTHENTICATION_NEEDED);
	assert_int_equal(f->am.env.session_id, hadmin_session_id(c));
	answer(f, c, f->tcp);
	assert_int_equal(f->am.hdr.rc, HDL_RC_SUCCESS);
	assert_int_equal(changes(f), before + 1);
	/* the same request MACed under a key one bit off: 502, nothing written */
	{
		struct hadmin_op op2 = create_op("88.118.8/k2", &v);
		size_t len;

		request(f, c, f->tcp, &op2);
		assert_int_equal(f->am.hdr.rc, HDL_RC_SUCCESS);
		op2.handle = SLICE_LIT("88.118.8/k3");
		wbuf_reset(&f->req);
		assert_int_equal(hadmin_request_encode(c, &f->req, &op2, &o), IDR_OK);
		len = wbuf_len(&f->req);
		f->req.p[len - 1] ^= 0x01; /* the last byte of the MAC */
		before = changes(f);
		send_unit(f, f->tcp, wbuf_slice(&f->req));
		assert_int_equal(f->am.hdr.rc, HDL_RC_INVALID_SESSION_KEY);
		assert_int_equal(changes(f), before);
		assert_false(exists(f, "88.118.8/k3"));
	}
	hadmin_free(c);
}

/* An answer to a setup must be for our request and signed by the site key we know. */
static void
test_admin_setup_answer_checked(void **state)
{
	struct fix *f = *state;
	struct hadmin *c = client_new("0.NA/88.118.8", 300, KA, NULL, KBAD);
	struct hadmin_msg_opts o = mo();
	struct hadmin_result res;

	wbuf_reset(&f->req);
	assert_int_equal(hadmin_setup_encode(c, &f->req, &o), IDR_OK);
	send_unit(f, f->udp, wbuf_slice(&f->req));
	assert_non_null(f->am.cred.p);
	assert_true(f->am.cred.len > 0);
	memset(&res, 0, sizeof(res));
	assert_int_equal(hadmin_setup_finish(c, &f->am, &res), IDR_EAUTH); /* another key */
	assert_int_equal(hadmin_session_id(c), 0);
	hadmin_free(c);
}

/* ------------------------------------------------------------------ signed answers */

static bool
have_openssl(void)
{
	return system("openssl version >/dev/null 2>&1") == 0; /* NOLINT(cert-env33-c): a test */
}

static void
write_file(const char *path, const void *p, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* openssl dgst -verify over the signed bytes. @return the command's output line. */
static void
openssl_verify(struct fix *f, const struct hdl_msg *m, bool expect_ok)
{
	char pub[400], dat[400], sig[400], cmd[1600], line[256] = "";
	struct hdl_cred cr;
	struct wbuf sd;
	FILE *p;

	assert_int_equal(hdl_cred_parse(m->cred, &cr), IDR_OK);
	snprintf(pub, sizeof(pub), "%s/site.pub", f->dir);
	snprintf(dat, sizeof(dat), "%s/signed.bin", f->dir);
	snprintf(sig, sizeof(sig), "%s/sig.bin", f->dir);
	unlink(pub);
	assert_int_equal(crypto_key_write_public(f->site, pub), IDR_OK);
	wbuf_init_heap(&sd, 1 << 20);
	assert_int_equal(hdl_auth_signed_data(&sd, &m->env, cr.signer_index, m->raw), IDR_OK);
	write_file(dat, wbuf_data(&sd), wbuf_len(&sd));
	write_file(sig, cr.signature.p, cr.signature.len);
	wbuf_deinit(&sd);
	snprintf(cmd, sizeof(cmd), "openssl dgst -sha256 -verify %s -signature %s %s 2>&1", pub,
	         sig, dat);
	p = popen(cmd, "r"); /* NOLINT(cert-env33-c): the openssl command line is the check */
	assert_non_null(p);
	if (fgets(line, sizeof(line), p) == NULL) {
		line[0] = '\0';
	}
	if (expect_ok) {
		assert_int_equal(pclose(p), 0);
		assert_non_null(strstr(line, "Verified OK"));
	} else {
		assert_int_not_equal(pclose(p), 0);
		assert_null(strstr(line, "Verified OK"));
	}
}

static void
test_admin_signed_answer_verifies(void **state)
{
	struct fix *f = *state;
	struct hdl_req_opts o;
	struct hdl_cred cr;
	struct wbuf sd;
	enum crypto_alg alg;

	hdl_req_opts_init(&o, 1234, now_s() + 3600);
	o.flags |= HDL_FLAG_CT;
	wbuf_reset(&f->req);
	assert_int_equal(
	        hdl_req_resolution_encode(&f->req, &o, SLICE_LIT("88.118.8/old"), NULL, 0, NULL, 0),
	        IDR_OK);
	send_unit(f, f->udp, wbuf_slice(&f->req));
	assert_int_equal(f->am.hdr.rc, HDL_RC_SUCCESS);
	assert_true((f->am.hdr.flags & HDL_FLAG_CT) != 0);
	assert_int_equal(hadmin_signed_verify(&f->am, f->site), IDR_OK);
	assert_int_equal(hadmin_signed_verify(&f->am, KBAD), IDR_EAUTH);
	/* the same with crypto_verify directly */
	assert_int_equal(hdl_cred_parse(f->am.cred, &cr), IDR_OK);
	assert_true(slice_eq(cr.type, SLICE_LIT("HS_SIGNED")));
	assert_int_equal(crypto_alg_from_name(cr.digest_alg, &alg), IDR_OK);
	assert_int_equal(alg, CRYPTO_SHA256); /* the answer is 2.11: SHA256withRSA */
	wbuf_init_heap(&sd, 1 << 20);
	assert_int_equal(hdl_auth_signed_data(&sd, &f->am.env, cr.signer_index, f->am.raw), IDR_OK);
	assert_int_equal(crypto_verify(f->site, alg, slice_make(NULL, 0), wbuf_data(&sd),
	                               wbuf_len(&sd), cr.signature.p, cr.signature.len),
	                 IDR_OK);
	wbuf_deinit(&sd);
	if (!have_openssl()) {
		print_message("openssl not installed: command-line check skipped\n");
	} else {
		openssl_verify(f, &f->am, true);
		/* a changed answer byte no longer verifies */
		f->ans[HDL_ENVELOPE_LEN + HDL_HEADER_LEN + 3] ^= 0x20;
		openssl_verify(f, &f->am, false);
	}
	/* a request without CT gets no signature */
	o.flags &= ~HDL_FLAG_CT;
	wbuf_reset(&f->req);
	assert_int_equal(
	        hdl_req_resolution_encode(&f->req, &o, SLICE_LIT("88.118.8/old"), NULL, 0, NULL, 0),
	        IDR_OK);
	send_unit(f, f->udp, wbuf_slice(&f->req));
	assert_int_equal(f->am.cred.len, 0);
}

/* ------------------------------------------------------------------ the admin flow */

static int
count_list(void *arg, struct slice h)
{
	size_t *n = arg;

	(void)h;
	(*n)++;
	return 0;
}

static void
test_admin_create_challenge_then_session(void **state)
{
	struct fix *f = *state;
	struct hadmin *c = client_new("0.NA/88.118.8", 300, KA, NULL, f->site);
	struct value v = url("https://example.com/j1"), v2 = mkval(2, "EMAIL", SLICE_LIT("a@b"));
	struct value v3 = mkval(2, "EMAIL", SLICE_LIT("c@d"));
	struct hadmin_op op = create_op("88.118.8/J-1", &v);
	struct hadmin_result res;
	unsigned ch;
	uint64_t before = changes(f);
	uint32_t idx = 2;
	size_t listed = 0;

	session(f, c);
	request(f, c, f->tcp, &op);
	assert_int_equal(f->am.hdr.rc, HDL_RC_AUTHENTICATION_NEEDED);
	assert_int_equal(changes(f), before); /* nothing before the answer */
	assert_false(exists(f, "88.118.8/J-1"));
	answer(f, c, f->tcp2); /* on another connection, as Java */
	assert_int_equal(f->am.hdr.opcode, HDL_OC_CREATE_HANDLE);
	assert_int_equal(hadmin_result_read(&f->am, &res, NULL, NULL, NULL), IDR_OK);
	assert_int_equal(res.rc, HDL_RC_SUCCESS);
	assert_string_equal(res.handle, "88.118.8/J-1");
	assert_true(exists(f, "88.118.8/J-1"));
	assert_int_equal(changes(f), before + 1);

	/* the session is authenticated now: MAC only, no challenge */
	op.opcode = HDL_OC_ADD_VALUE;
	op.values = &v2;
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_int_equal(ch, 0);
	op.opcode = HDL_OC_MODIFY_VALUE;
	op.values = &v3;
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_int_equal(ch, 0);
	memset(&op, 0, sizeof(op));
	op.opcode = HDL_OC_REMOVE_VALUE;
	op.handle = SLICE_LIT("88.118.8/J-1");
	op.indexes = &idx;
	op.nindexes = 1;
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_int_equal(ch, 0);
	assert_int_equal(changes(f), before + 4);

	/* LIST_HANDLES goes outside the session: challenged, then listed */
	memset(&op, 0, sizeof(op));
	op.opcode = HDL_OC_LIST_HANDLES;
	op.handle = SLICE_LIT("0.NA/88.118.8");
	request(f, c, f->tcp, &op);
	assert_int_equal(f->am.env.session_id != 0, true);
	answer(f, c, f->tcp);
	assert_int_equal(f->am.hdr.rc, HDL_RC_SUCCESS);
	memset(&res, 0, sizeof(res));
	assert_int_equal(hadmin_result_read(&f->am, &res, count_list, &listed, NULL), IDR_OK);
	assert_true(listed >= 4); /* writer, stranger, old, J-1 */
	assert_int_equal(res.listed, listed);

	memset(&op, 0, sizeof(op));
	op.opcode = HDL_OC_DELETE_HANDLE;
	op.handle = SLICE_LIT("88.118.8/J-1");
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_int_equal(ch, 0);
	assert_false(exists(f, "88.118.8/J-1"));
	assert_int_equal(changes(f), before + 5);
	hadmin_free(c);
}

/* Sessionless requests are challenged each time (the client can also work without one). */
static void
test_admin_without_session(void **state)
{
	struct fix *f = *state;
	struct hadmin *c = client_new("0.NA/88.118.8", 300, KA, NULL, f->site);
	struct value v = url("https://example.com/ns");
	struct hadmin_op op = create_op("88.118.8/ns-1", &v);
	struct hadmin_result res;
	unsigned ch;

	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_int_equal(ch, 1);
	op.handle = SLICE_LIT("88.118.8/ns-2");
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_int_equal(ch, 1);
	assert_true(exists(f, "88.118.8/ns-2"));
	hadmin_free(c);
}

/* ------------------------------------------------------------------ refusals */

/* op by client c must end in rc with nothing written. */
static void
refused(struct fix *f, struct hadmin *c, const struct hadmin_op *op, uint32_t rc)
{
	struct hadmin_result res;
	uint64_t before = changes(f);
	unsigned ch;

	assert_int_equal(op_do(f, c, f->tcp, op, &res, &ch), rc);
	assert_int_equal(changes(f), before);
	assert_true(res.message[0] != '\0' || rc == HDL_RC_HANDLE_ALREADY_EXISTS);
}

static void
test_admin_wrong_key(void **state)
{
	struct fix *f = *state;
	struct value v = url("https://example.com/x");
	struct hadmin_op op = create_op("88.118.8/wk", &v);
	struct hadmin *c = client_new("0.NA/88.118.8", 300, KBAD, NULL, f->site);

	refused(f, c, &op, HDL_RC_AUTHENTICATION_FAILED);
	hadmin_free(c);
	/* in a session too: the session stays unauthenticated */
	c = client_new("0.NA/88.118.8", 300, KBAD, NULL, f->site);
	session(f, c);
	refused(f, c, &op, HDL_RC_AUTHENTICATION_FAILED);
	request(f, c, f->tcp, &op);
	assert_int_equal(f->am.hdr.rc, HDL_RC_AUTHENTICATION_NEEDED);
	hadmin_free(c);
	/* a wrong secret */
	c = client_new("0.NA/88.118.8", 301, NULL, "wrong", f->site);
	refused(f, c, &op, HDL_RC_AUTHENTICATION_FAILED);
	hadmin_free(c);
	assert_false(exists(f, "88.118.8/wk"));
}

static void
test_admin_wrong_index(void **state)
{
	struct fix *f = *state;
	struct value v = url("https://example.com/x");
	struct hadmin_op op = create_op("88.118.8/wi", &v);
	struct hadmin *c;

	/* index 301 holds the secret key, not a public key */
	c = client_new("0.NA/88.118.8", 301, KA, NULL, f->site);
	refused(f, c, &op, HDL_RC_AUTHENTICATION_FAILED);
	hadmin_free(c);
	/* no value at 399 */
	c = client_new("0.NA/88.118.8", 399, KA, NULL, f->site);
	refused(f, c, &op, HDL_RC_AUTHENTICATION_FAILED);
	hadmin_free(c);
	/* index 300 with the secret: the key there is a public key */
	c = client_new("0.NA/88.118.8", 300, NULL, "s3cret", f->site);
	refused(f, c, &op, HDL_RC_AUTHENTICATION_FAILED);
	hadmin_free(c);
	assert_false(exists(f, "88.118.8/wi"));
}

static void
test_admin_expired_challenge(void **state)
{
	struct fix *f = *state;
	struct value v = url("https://example.com/x");
	struct hadmin_op op = create_op("88.118.8/exp", &v);
	struct hadmin *c = client_new("0.NA/88.118.8", 300, KA, NULL, f->site);
	const struct cfg_opt *tab;
	struct conf c2;
	uint64_t before = changes(f);
	size_t n;
	static const char text[] = "max_auth_time_ms 1000\n";

	assert_int_equal(conf_load(&c2, NULL, NULL, NULL), IDR_OK);
	tab = conf_table(&n);
	assert_int_equal(cfg_parse_buf(tab, n, "test", text, strlen(text), &c2, NULL, NULL),
	                 IDR_OK);
	assert_int_equal(rsv_reload(f->r, &c2), IDR_OK);
	conf_free(&c2);
	request(f, c, f->tcp, &op);
	assert_int_equal(f->am.hdr.rc, HDL_RC_AUTHENTICATION_NEEDED);
	nanosleep(&(struct timespec){1, 300000000}, NULL);
	answer(f, c, f->tcp);
	assert_int_equal(f->am.hdr.rc, HDL_RC_AUTHEN_TIMEOUT);
	assert_int_equal(changes(f), before);
	assert_false(exists(f, "88.118.8/exp"));
	hadmin_free(c);
}

static void
test_admin_replayed_answer(void **state)
{
	struct fix *f = *state;
	struct value v = url("https://example.com/x");
	struct hadmin_op op = create_op("88.118.8/rep", &v);
	struct hadmin *c = client_new("0.NA/88.118.8", 300, KA, NULL, f->site);
	uint8_t saved[8192];
	size_t len;
	uint64_t before;

	request(f, c, f->tcp, &op);
	answer(f, c, f->tcp);
	assert_int_equal(f->am.hdr.rc, HDL_RC_SUCCESS);
	len = wbuf_len(&f->req);
	assert_true(len <= sizeof(saved));
	memcpy(saved, wbuf_data(&f->req), len);
	/* the record is deleted by another admin; the replayed answer must not recreate it */
	{
		struct reg_wtxn *t;

		assert_int_equal(reg_write_begin(f->reg, NULL, &t), IDR_OK);
		assert_int_equal(reg_delete(t, SLICE_LIT("88.118.8/rep")), IDR_OK);
		assert_int_equal(reg_write_commit(t), IDR_OK);
	}
	before = changes(f);
	send_unit(f, f->tcp2, slice_make(saved, len));
	assert_int_equal(f->am.hdr.rc, HDL_RC_AUTHEN_TIMEOUT);
	assert_int_equal(changes(f), before);
	assert_false(exists(f, "88.118.8/rep"));
	hadmin_free(c);
}

/* An authenticated session for A (one create done). */
static struct hadmin *
authenticated(struct fix *f, const char *h)
{
	struct hadmin *c = client_new("0.NA/88.118.8", 300, KA, NULL, f->site);
	struct value v = url("https://example.com/auth");
	struct hadmin_op op = create_op(h, &v);
	struct hadmin_result res;
	unsigned ch;

	session(f, c);
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_int_equal(ch, 1);
	return c;
}

static void
test_admin_session_refusals(void **state)
{
	struct fix *f = *state;
	struct hadmin *c = authenticated(f, "88.118.8/s-1");
	struct value v = url("https://example.com/s");
	struct hadmin_op op = create_op("88.118.8/s-2", &v);
	struct hadmin_msg_opts o = mo();
	uint8_t unit[8192];
	size_t len;
	uint64_t before;

	/* a replayed session counter: the very same request again */
	request(f, c, f->tcp, &op);
	assert_int_equal(f->am.hdr.rc, HDL_RC_SUCCESS);
	len = wbuf_len(&f->req);
	memcpy(unit, wbuf_data(&f->req), len);
	before = changes(f);
	send_unit(f, f->tcp2, slice_make(unit, len));
	assert_int_equal(f->am.hdr.rc, HDL_RC_SESSION_REJECTED);
	assert_int_equal(changes(f), before);

	/* a bad MAC */
	op.handle = SLICE_LIT("88.118.8/s-3");
	wbuf_reset(&f->req);
	assert_int_equal(hadmin_request_encode(c, &f->req, &op, &o), IDR_OK);
	f->req.p[wbuf_len(&f->req) - 5] ^= 0x80;
	send_unit(f, f->tcp, wbuf_slice(&f->req));
	assert_int_equal(f->am.hdr.rc, HDL_RC_INVALID_SESSION_KEY);
	assert_int_equal(changes(f), before);

	/* an unknown session (the id of a session we never had) */
	wbuf_reset(&f->req);
	assert_int_equal(hadmin_request_encode(c, &f->req, &op, &o), IDR_OK);
	f->req.p[7] ^= 0x5a; /* the envelope's session id */
	send_unit(f, f->tcp, wbuf_slice(&f->req));
	assert_int_equal(f->am.hdr.rc, HDL_RC_SESSION_TIMEOUT);
	assert_int_equal(changes(f), before);

	/* a request in the session without a credential */
	{
		struct hdl_req_opts ro;

		hdl_req_opts_init(&ro, 777, now_s() + 3600);
		ro.ver = (struct hdl_version){2, 11};
		ro.session_id = hadmin_session_id(c);
		wbuf_reset(&f->req);
		assert_int_equal(
		        hdl_req_values_encode(&f->req, &ro, HDL_OC_CREATE_HANDLE, op.handle, &v, 1),
		        IDR_OK);
		send_unit(f, f->tcp, wbuf_slice(&f->req));
		assert_int_equal(f->am.hdr.rc, HDL_RC_INVALID_CREDENTIAL);
		assert_int_equal(changes(f), before);
	}
	assert_false(exists(f, "88.118.8/s-3"));

	/* after all that the session still works */
	op.handle = SLICE_LIT("88.118.8/s-4");
	request(f, c, f->tcp, &op);
	assert_int_equal(f->am.hdr.rc, HDL_RC_SUCCESS);
	assert_int_equal(changes(f), before + 1);
	/* SESSION_TERMINATE ends it: the next request is 500 */
	{
		struct hdl_req_opts ro;

		hdl_req_opts_init(&ro, 778, now_s() + 3600);
		ro.session_id = hadmin_session_id(c);
		wbuf_reset(&f->req);
		assert_int_equal(hdl_req_handle_encode(&f->req, &ro, HDL_OC_SESSION_TERMINATE,
		                                       SLICE_LIT("")),
		                 IDR_OK);
		send_unit(f, f->tcp, wbuf_slice(&f->req));
		assert_int_equal(f->am.hdr.rc, HDL_RC_SUCCESS);
	}
	op.handle = SLICE_LIT("88.118.8/s-5");
	request(f, c, f->tcp, &op);
	assert_int_equal(f->am.hdr.rc, HDL_RC_SESSION_TIMEOUT);
	assert_int_equal(changes(f), before + 1);
	hadmin_free(c);
}

static void
test_admin_not_authorized(void **state)
{
	struct fix *f = *state;
	struct value v = url("https://example.com/x");
	struct hadmin_op op = create_op("88.118.8/na", &v);
	struct hadmin *c;

	/* an identity named in no HS_ADMIN */
	c = client_new("88.118.8/stranger", 300, KX, NULL, f->site);
	refused(f, c, &op, HDL_RC_INSUFFICIENT_PERMS);
	op.opcode = HDL_OC_DELETE_HANDLE;
	op.handle = SLICE_LIT("88.118.8/old");
	refused(f, c, &op, HDL_RC_INSUFFICIENT_PERMS);
	assert_true(exists(f, "88.118.8/old"));
	hadmin_free(c);
	/* enterprise A under B's prefix, and B under A's */
	c = client_new("0.NA/88.118.8", 300, KA, NULL, f->site);
	op = create_op("88.118.9/from-a", &v);
	refused(f, c, &op, HDL_RC_INSUFFICIENT_PERMS);
	hadmin_free(c);
	c = client_new("0.NA/88.118.9", 300, KB, NULL, f->site);
	op = create_op("88.118.8/from-b", &v);
	refused(f, c, &op, HDL_RC_INSUFFICIENT_PERMS);
	op.opcode = HDL_OC_DELETE_HANDLE;
	op.handle = SLICE_LIT("88.118.8/old");
	refused(f, c, &op, HDL_RC_INSUFFICIENT_PERMS);
	hadmin_free(c);
	assert_false(exists(f, "88.118.9/from-a"));
	assert_false(exists(f, "88.118.8/from-b"));
}

static void
test_admin_list_permission(void **state)
{
	struct fix *f = *state;
	struct value v = url("https://example.com/w");
	struct hadmin_op op = create_op("88.118.8/by-writer", &v);
	struct hadmin *c = client_new("88.118.8/writer", 300, KW, NULL, f->site);
	struct hadmin_result res;
	unsigned ch;

	/* the writer may create (ADD_HANDLE) ... */
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	/* ... but not list */
	memset(&op, 0, sizeof(op));
	op.opcode = HDL_OC_LIST_HANDLES;
	op.handle = SLICE_LIT("0.NA/88.118.8");
	refused(f, c, &op, HDL_RC_INSUFFICIENT_PERMS);
	hadmin_free(c);
	/* B lists its own prefix, not A's */
	c = client_new("0.NA/88.118.9", 300, KB, NULL, f->site);
	refused(f, c, &op, HDL_RC_INSUFFICIENT_PERMS);
	op.handle = SLICE_LIT("0.NA/88.118.9");
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	hadmin_free(c);
}

static void
test_admin_mint_and_overwrite(void **state)
{
	struct fix *f = *state;
	struct hadmin *c = authenticated(f, "88.118.8/o-0");
	struct value v = url("https://example.com/new"), v2 = url("https://example.com/newer");
	struct hadmin_op op = create_op("88.118.8/old", &v);
	struct hadmin_result res;
	unsigned ch;
	uint64_t before = changes(f);

	/* an existing handle without OVRW: 101, unchanged */
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_HANDLE_ALREADY_EXISTS);
	assert_int_equal(changes(f), before);
	/* with OVRW: replaced, the answer says so */
	op.flags = HDL_FLAG_OVRW;
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_true(res.overwritten);
	assert_int_equal(changes(f), before + 2); /* journaled as a delete and a create */
	{
		struct reg_rtxn *t;
		struct rec_view rv;
		struct value got;
		struct rbuf r;
		bool seen = false;

		assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
		assert_int_equal(reg_get(t, SLICE_LIT("88.118.8/old"), &rv), IDR_OK);
		rbuf_init(&r, rv.values.p, rv.values.len);
		while (rec_value_next(&r, &got) == IDR_OK) {
			if (got.index == 1) {
				seen = slice_eq(got.data, SLICE_LIT("https://example.com/new"));
			}
		}
		reg_read_end(t);
		assert_true(seen);
	}
	/* OVRW on a handle that does not exist: created, not "overwritten" */
	op.handle = SLICE_LIT("88.118.8/o-new");
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_false(res.overwritten);
	/* MINT: a unique suffix appended; twice gives two handles */
	op.flags = HDL_FLAG_MINT;
	op.handle = SLICE_LIT("88.118.8/m-");
	op.values = &v2;
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_true(strncmp(res.handle, "88.118.8/m-", 11) == 0);
	assert_true(strlen(res.handle) > 11);
	assert_true(exists(f, res.handle));
	{
		char first[HDL_MAX_HANDLE_LEN + 1];

		memcpy(first, res.handle, sizeof(first));
		assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
		assert_string_not_equal(first, res.handle);
		assert_true(exists(f, res.handle));
	}
	hadmin_free(c);
}

/* SM2 (SM3, the identity as SM2 id) and HS_SECKEY (PBKDF2-HMAC-SHA1) identities. */
static void
test_admin_sm2_and_secret(void **state)
{
	struct fix *f = *state;
	struct value v = url("https://example.com/sm2");
	struct hadmin_op op = create_op("88.118.9/sm2-1", &v);
	struct hadmin_result res;
	struct hadmin *c = client_new("0.NA/88.118.9", 300, KB, NULL, f->site);
	unsigned ch;

	session(f, c);
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_int_equal(ch, 1);
	assert_true(exists(f, "88.118.9/sm2-1"));
	hadmin_free(c);
	c = client_new("0.NA/88.118.8", 301, NULL, "s3cret", f->site);
	session(f, c);
	op.handle = SLICE_LIT("88.118.8/sec-1");
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_int_equal(ch, 1);
	op.handle = SLICE_LIT("88.118.8/sec-2");
	assert_int_equal(op_do(f, c, f->tcp, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_int_equal(ch, 0);
	assert_true(exists(f, "88.118.8/sec-2"));
	hadmin_free(c);
}

/* The IDIS login authenticates its connection: later requests on it need no challenge. */
static void
test_admin_idis_login(void **state)
{
	struct fix *f = *state;
	struct hadmin *c = client_new("0.NA/88.118.8", 300, KA, NULL, f->site);
	struct value v = url("https://example.com/idis");
	struct hadmin_op op;
	struct hadmin_result res;
	unsigned ch;

	memset(&op, 0, sizeof(op));
	op.opcode = HDL_OC_LOGIN_ID_SYSTEM;
	request(f, c, f->tcp2, &op);
	assert_int_equal(f->am.hdr.rc, HDL_RC_AUTHENTICATION_NEEDED);
	answer(f, c, f->tcp2);
	assert_int_equal(f->am.hdr.rc, HDL_RC_SUCCESS);
	assert_int_equal(f->am.hdr.opcode, HDL_OC_LOGIN_ID_SYSTEM);
	op = create_op("88.118.8/idis-1", &v);
	assert_int_equal(op_do(f, c, f->tcp2, &op, &res, &ch), HDL_RC_SUCCESS);
	assert_int_equal(ch, 0);
	assert_true(exists(f, "88.118.8/idis-1"));
	/* another connection is not authenticated */
	op.handle = SLICE_LIT("88.118.8/idis-2");
	request(f, c, f->tcp, &op);
	assert_int_equal(f->am.hdr.rc, HDL_RC_AUTHENTICATION_NEEDED);
	/* a failed login leaves the connection as it was */
	hadmin_free(c);
	c = client_new("0.NA/88.118.8", 300, KBAD, NULL, f->site);
	memset(&op, 0, sizeof(op));
	op.opcode = HDL_OC_LOGIN_ID_SYSTEM;
	request(f, c, f->tcp, &op);
	answer(f, c, f->tcp);
	assert_int_equal(f->am.hdr.rc, HDL_RC_AUTHENTICATION_FAILED);
	op = create_op("88.118.8/idis-3", &v);
	request(f, c, f->tcp, &op);
	assert_int_equal(f->am.hdr.rc, HDL_RC_AUTHENTICATION_NEEDED);
	hadmin_free(c);
}

/* A challenge whose digest is not of our request is not answered (Java's security alert). */
static void
test_admin_client_refuses_foreign_challenge(void **state)
{
	struct fix *f = *state;
	struct hadmin *c = client_new("0.NA/88.118.8", 300, KA, NULL, f->site);
	struct value v = url("https://example.com/x");
	struct hadmin_op op = create_op("88.118.8/fc", &v);
	struct hadmin_msg_opts o = mo();
	struct hdl_auth_challenge chl;
	uint8_t *d;

	request(f, c, f->tcp, &op);
	assert_int_equal(f->am.hdr.rc, HDL_RC_AUTHENTICATION_NEEDED);
	assert_int_equal(hdl_auth_challenge_parse(&f->am, &chl), IDR_OK);
	d = f->ans + (chl.nonce.p - f->ans) - 4 - 1; /* the last digest byte, before the nonce */
	*d ^= 1;
	wbuf_reset(&f->req);
	assert_int_equal(hadmin_answer_encode(c, &f->req, &f->am, &o), IDR_EAUTH);
	hadmin_free(c);
}

/* ------------------------------------------------------------------ key transport modes */

static struct hdl_req_opts
ropts(uint32_t session_id, uint32_t request_id)
{
	struct hdl_req_opts o;

	hdl_req_opts_init(&o, request_id, now_s() + 3600);
	o.ver.major = o.sugg.major = 2;
	o.ver.minor = o.sugg.minor = 11;
	o.session_id = session_id;
	return o;
}

/* SESSION_SETUP in mode with the given fields; the answer in f->am. */
static void
setup_mode(struct fix *f, uint16_t mode, struct slice pubkey, const char *key_handle,
           uint32_t key_index)
{
	struct hdl_auth_session_setup ss;
	struct hdl_req_opts o = ropts(0, 4242);

	memset(&ss, 0, sizeof(ss));
	ss.mode = mode <= HDL_KEX_DH ? mode : HDL_KEX_CIPHER_SERVER; /* others patched below */
	ss.timeout = 600;
	ss.identity = SLICE_LIT("0.NA/88.118.8");
	ss.identity_index = 300;
	ss.pubkey = pubkey;
	ss.key_handle = key_handle != NULL ? slice_cstr(key_handle) : slice_make(NULL, 0);
	ss.key_index = key_index;
	wbuf_reset(&f->req);
	assert_int_equal(hdl_auth_session_setup_encode(&f->req, &o, &ss), IDR_OK);
	if (mode > HDL_KEX_DH) { /* the int2 mode opens the body */
		f->req.p[HDL_ENVELOPE_LEN + HDL_HEADER_LEN] = (uint8_t)(mode >> 8);
		f->req.p[HDL_ENVELOPE_LEN + HDL_HEADER_LEN + 1] = (uint8_t)mode;
	}
	send_unit(f, f->udp, wbuf_slice(&f->req));
}

/* The data of a successful setup answer (after its RD). */
static struct slice
setup_data(struct fix *f, uint16_t want_mode)
{
	struct hdl_digest rd;
	struct slice data;
	struct rbuf rest;
	uint16_t mode;
	bool has_rd;

	assert_int_equal(f->am.hdr.rc, HDL_RC_SUCCESS);
	assert_int_not_equal(f->am.env.session_id, 0);
	assert_int_equal(hdl_resp_open(&f->am, &rd, &has_rd, &rest), IDR_OK);
	assert_int_equal(hdl_auth_session_setup_resp_parse(&rest, &mode, &data), IDR_OK);
	assert_int_equal(mode, want_mode);
	return data;
}

/* A CREATE in session sid MACed with key (HMAC-SHA256, counter ctr); the answer's rc. */
static uint32_t
mac_create(struct fix *f, uint32_t sid, struct slice key, uint32_t ctr)
{
	struct hdl_req_opts o = ropts(sid, 5000 + ctr);
	struct value v = url("https://example.com/kt");
	enum hdl_auth_mac_kind kind;
	uint8_t mac[CRYPTO_SHA256_LEN];
	struct hdl_cred c;
	struct hdl_msg m;
	struct wbuf d;
	struct rbuf r;

	wbuf_reset(&f->req);
	assert_int_equal(hdl_req_values_encode(&f->req, &o, HDL_OC_CREATE_HANDLE,
	                                       SLICE_LIT("88.118.8/kt"), &v, 1),
	                 IDR_OK);
	rbuf_init(&r, wbuf_data(&f->req), wbuf_len(&f->req));
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	wbuf_init_heap(&d, 4096);
	assert_int_equal(
	        hdl_auth_mac_data(&d, &m.env, ctr, m.raw, key, HDL_AUTH_HASH_HMAC_SHA256, &kind),
	        IDR_OK);
	assert_int_equal(kind, HDL_AUTH_MAC_HMAC);
	assert_int_equal(
	        crypto_hmac(CRYPTO_SHA256, key.p, key.len, wbuf_data(&d), wbuf_len(&d), mac),
	        IDR_OK);
	wbuf_deinit(&d);
	memset(&c, 0, sizeof(c));
	c.type = SLICE_LIT(HDL_CRED_TYPE_MAC);
	c.digest_alg = SLICE_LIT("HMAC-SHA256");
	c.signer_index = ctr;
	c.signature = slice_make(mac, sizeof(mac));
	assert_int_equal(hdl_auth_cred_attach(&f->req, 0, &c), IDR_OK);
	send_unit(f, f->tcp, wbuf_slice(&f->req));
	return f->am.hdr.rc;
}

/* int4 3 (AES) ‖ 16-byte key, decrypted with k from data. */
static void
transported_key(struct crypto_key *k, struct slice data, uint8_t key[16])
{
	struct wbuf plain;

	wbuf_init_heap(&plain, 1024);
	assert_int_equal(crypto_rsa_decrypt(k, data.p, data.len, &plain), IDR_OK);
	assert_int_equal(wbuf_len(&plain), 4 + 16);
	assert_memory_equal(wbuf_data(&plain), "\0\0\0\3", 4);
	memcpy(key, wbuf_data(&plain) + 4, 16);
	wbuf_deinit(&plain);
}

/*
 * Modes 1 (the client's RSA key in the request), 3 (the RSA key at a handle here) and 2 (the
 * server's RSA key, then SESSION_EXCHANGEKEY): the key the server holds is the one sent, shown
 * by a MAC made with it reaching the challenge (402) while one made with another key is 502;
 * the refusals of each mode.
 */
static void
test_admin_key_transport_modes(void **state)
{
	struct fix *f = *state;
	struct wbuf pub, enc;
	uint8_t key[16], wrong[16] = {1};
	uint8_t raw[20] = {0, 0, 0, 3};
	uint32_t sid;
	uint64_t before = changes(f);

	wbuf_init_heap(&pub, 8192);
	wbuf_init_heap(&enc, 1024);
	/* mode 1: the client's RSA key */
	assert_int_equal(crypto_key_hs_pubkey(KA, &pub), IDR_OK);
	setup_mode(f, HDL_KEX_CIPHER_CLIENT, wbuf_slice(&pub), NULL, 0);
	transported_key(KA, setup_data(f, HDL_KEX_CIPHER_CLIENT), key);
	sid = f->am.env.session_id;
	assert_int_equal(mac_create(f, sid, slice_make(wrong, 16), 1), HDL_RC_INVALID_SESSION_KEY);
	assert_int_equal(mac_create(f, sid, slice_make(key, 16), 2), HDL_RC_AUTHENTICATION_NEEDED);
	/* mode 1 with a key that is not RSA (SM2), mode 3 at a handle holding SM2: refused */
	wbuf_reset(&pub);
	assert_int_equal(crypto_key_hs_pubkey(KB, &pub), IDR_OK);
	setup_mode(f, HDL_KEX_CIPHER_CLIENT, wbuf_slice(&pub), NULL, 0);
	assert_int_equal(f->am.hdr.rc, HDL_RC_INVALID_SESSION_SETUP);
	setup_mode(f, HDL_KEX_CIPHER_HDL, slice_make(NULL, 0), "0.NA/88.118.9", 300);
	assert_int_equal(f->am.hdr.rc, HDL_RC_INVALID_SESSION_SETUP);
	setup_mode(f, HDL_KEX_CIPHER_HDL, slice_make(NULL, 0), "88.118.8/nobody", 300);
	assert_int_equal(f->am.hdr.rc, HDL_RC_INVALID_SESSION_SETUP);
	/* mode 3: the HS_PUBKEY at 0.NA/88.118.8:300 (KA) */
	setup_mode(f, HDL_KEX_CIPHER_HDL, slice_make(NULL, 0), "0.NA/88.118.8", 300);
	transported_key(KA, setup_data(f, HDL_KEX_CIPHER_HDL), key);
	assert_int_equal(mac_create(f, f->am.env.session_id, slice_make(key, 16), 1),
	                 HDL_RC_AUTHENTICATION_NEEDED);
	/* mode 2: the server's key in the answer; the client sends the session key */
	setup_mode(f, HDL_KEX_CIPHER_SERVER, slice_make(NULL, 0), NULL, 0);
	{
		struct slice data = setup_data(f, HDL_KEX_CIPHER_SERVER);
		struct crypto_key *server = NULL;
		struct hdl_req_opts o;

		sid = f->am.env.session_id;
		assert_int_equal(crypto_key_from_hs_pubkey(&server, data.p, data.len), IDR_OK);
		assert_true(crypto_key_public_equal(server, KS));
		/* a key encrypted to another key does not open: 502, the session keeps no key */
		assert_int_equal(crypto_random(raw + 4, 16), IDR_OK);
		assert_int_equal(crypto_rsa_encrypt(KBAD, raw, sizeof(raw), &enc), IDR_OK);
		o = ropts(sid, 6000);
		wbuf_reset(&f->req);
		assert_int_equal(hdl_auth_exchange_key_encode(&f->req, &o, wbuf_slice(&enc)),
		                 IDR_OK);
		send_unit(f, f->tcp, wbuf_slice(&f->req));
		assert_int_equal(f->am.hdr.rc, HDL_RC_INVALID_SESSION_KEY);
		wbuf_reset(&enc);
		assert_int_equal(crypto_rsa_encrypt(server, raw, sizeof(raw), &enc), IDR_OK);
		o = ropts(sid, 6001);
		wbuf_reset(&f->req);
		assert_int_equal(hdl_auth_exchange_key_encode(&f->req, &o, wbuf_slice(&enc)),
		                 IDR_OK);
		send_unit(f, f->tcp, wbuf_slice(&f->req));
		assert_int_equal(f->am.hdr.rc, HDL_RC_SUCCESS);
		assert_int_equal(mac_create(f, sid, slice_make(raw + 4, 16), 1),
		                 HDL_RC_AUTHENTICATION_NEEDED);
		/* EXCHANGEKEY outside a mode-2 session, or for an unknown session */
		o = ropts(0x7ffffff0u, 6002);
		wbuf_reset(&f->req);
		assert_int_equal(hdl_auth_exchange_key_encode(&f->req, &o, wbuf_slice(&enc)),
		                 IDR_OK);
		send_unit(f, f->tcp, wbuf_slice(&f->req));
		assert_int_equal(f->am.hdr.rc, HDL_RC_SESSION_TIMEOUT);
		crypto_key_free(server);
	}
	/* an unknown mode */
	setup_mode(f, 9, slice_make(NULL, 0), NULL, 0);
	assert_int_not_equal(f->am.hdr.rc, HDL_RC_SUCCESS);
	assert_int_equal(changes(f), before); /* challenges only: nothing written */
	wbuf_deinit(&pub);
	wbuf_deinit(&enc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_admin_session_key_same_both_sides, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_admin_setup_answer_checked, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_signed_answer_verifies, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_create_challenge_then_session, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_admin_without_session, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_wrong_key, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_wrong_index, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_expired_challenge, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_replayed_answer, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_session_refusals, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_not_authorized, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_list_permission, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_mint_and_overwrite, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_sm2_and_secret, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_idis_login, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_key_transport_modes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_admin_client_refuses_foreign_challenge, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, keys_make, keys_free);
}
