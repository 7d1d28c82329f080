/*
 * fuzz_admin.c - sequences of messages through the dispatcher with the Handle admin protocol
 * registered (core/admin.h) over an in-memory registry: session setups, admin bodies in and
 * out of sessions (HS_MAC credentials), challenge answers, IDIS logins, VERIFY_CHALLENGE,
 * SESSION_TERMINATE. The writer exists but is never started, so authorized writes end in a
 * busy answer without a thread touching the single-threaded memory store.
 *
 * Input: up to MAX_MSGS records `octet flags, int2 length, length bytes (one unit)`. flags:
 * bit 0 over UDP (else TCP), bit 1 on a connection authenticated as 300:0.NA/88.100.1 (as
 * after an IDIS login), bit 2 replace the envelope's session id with the last session id an
 * answer carried (so an input can name the sessions and challenges the server made for it).
 * Every answer must be one well-formed response unit (or a drop / close).
 *
 * Seeds: FUZZ_ADMIN_SEEDS=DIR ./fuzz_admin EMPTYFILE writes valid sequences made with our
 * client (client/hadmin.h) into DIR: setups, MACed requests, challenge answers with the
 * identity's key (RSA, HS_SECKEY), logins.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "base/crypto.h"
#include "client/hadmin.h"
#include "core/admin.h"
#include "core/conf.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "hdl/hdl.h"
#include "hdl/hdl_auth.h"
#include "lib/reg_abc.h"
#include "write/writer.h"

#define MAX_MSGS 8
#define NOW      1700000000u
#define IDENTITY "300:0.NA/88.100.1"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	struct reg *reg;
	struct conf conf;
	struct metrics *m;
	struct rsv *r;
	struct event_base *base;
	struct rsv_worker *w;
	struct writer *wr;
	struct admin *a;
	struct rsv_conn *udp, *tcp, *authed;
	struct crypto_key *key, *site;
	struct wbuf out;
	uint8_t last[HDL_MAX_UNIT_LEN];
	size_t last_len;
	int answers;
	uint32_t last_sid;
} fx;

static void
check_unit(const uint8_t *p, size_t len)
{
	struct rbuf in;
	struct hdl_msg m;

	/* whole units (a listing is several), each an answer (rc != 0) or sealed with the
	 * session key when the request asked for encryption */
	rbuf_init(&in, p, len);
	while (rbuf_left(&in) > 0) {
		struct rbuf env;
		struct hdl_envelope e;

		rbuf_init(&env, p + rbuf_offset(&in), rbuf_left(&in));
		if (hdl_envelope_parse(&env, &e) != IDR_OK) {
			abort();
		}
		if (hdl_envelope_sealed(&e)) {
			if (rbuf_left(&env) < e.msg_len) {
				abort();
			}
			rbuf_skip(&in, HDL_ENVELOPE_LEN + e.msg_len);
			continue;
		}
		if (hdl_msg_parse(&in, &m) != IDR_OK || m.hdr.rc == 0) {
			abort();
		}
		if (m.env.session_id != 0) {
			fx.last_sid = m.env.session_id;
		}
	}
}

static void
on_done(void *arg, const struct rsv_done *d)
{
	(void)arg;
	if (d->answer.len > 0) {
		check_unit(d->answer.p, d->answer.len);
		if (d->answer.len <= sizeof(fx.last)) {
			memcpy(fx.last, d->answer.p, d->answer.len);
			fx.last_len = d->answer.len;
		}
	}
	fx.answers++;
}

static void
registry(void)
{
	struct reg_wtxn *t;
	struct value v[2];
	uint8_t buf[4096];
	struct wbuf w;

	if (reg_abc(&fx.reg) != IDR_OK || reg_write_begin(fx.reg, "test", &t) != IDR_OK) {
		abort();
	}
	wbuf_init(&w, buf, sizeof(buf));
	if (crypto_key_hs_pubkey(fx.key, &w) != IDR_OK) {
		abort();
	}
	memset(v, 0, sizeof(v));
	v[0].index = 300;
	v[0].type = SLICE_LIT("HS_PUBKEY");
	v[0].data = wbuf_slice(&w);
	v[0].perms = VALUE_PERM_DEFAULT;
	v[1].index = 301;
	v[1].type = SLICE_LIT("HS_SECKEY");
	v[1].data = SLICE_LIT("s3cret");
	v[1].perms = VALUE_PERM_DEFAULT;
	if (reg_add_values(t, SLICE_LIT("0.NA/88.100.1"), v, 2) != IDR_OK ||
	    reg_write_commit(t) != IDR_OK) {
		abort();
	}
}

static void
setup(void)
{
	struct writer_opts wo = {16, 0};
	char path[] = "/tmp/fuzz_admin.XXXXXX";
	int fd = mkstemp(path);
	const char *dir = getenv("IDR_TEST_DATA");
	char keyfile[512];

	/* a fixed identity key (so seeds name it) and a server key made now */
	snprintf(keyfile, sizeof(keyfile), "%s/keys/rsa1024.pem", dir != NULL ? dir : "tests/data");
	if (fd < 0 || crypto_key_load(&fx.key, keyfile) != IDR_OK ||
	    crypto_key_generate(&fx.site, CRYPTO_KEY_RSA, 1024) != IDR_OK) {
		abort();
	}
	close(fd);
	unlink(path);
	if (crypto_key_write_private(fx.site, path) != IDR_OK) {
		abort();
	}
	registry();
	if (conf_load(&fx.conf, NULL, NULL, NULL) != IDR_OK) {
		abort();
	}
	fx.conf.error_rate = 0;
	fx.conf.server_key = strdup(path);
	if (fx.conf.server_key == NULL || metrics_new(&fx.m, 1, NULL, 0) != IDR_OK ||
	    rsv_new(&fx.r, fx.reg, &fx.conf, NULL, fx.m) != IDR_OK ||
	    writer_new(&fx.wr, fx.reg, &wo) != IDR_OK ||
	    admin_new(&fx.a, fx.r, fx.wr, &fx.conf) != IDR_OK) {
		abort();
	}
	unlink(path);
	rsv_set_writer(fx.r, fx.wr);
	fx.base = event_base_new();
	if (fx.base == NULL || rsv_worker_new(fx.r, 0, fx.base, &fx.w) != IDR_OK ||
	    rsv_conn_new(fx.w, RSV_PROTO_UDP, on_done, NULL, &fx.udp) != IDR_OK ||
	    rsv_conn_new(fx.w, RSV_PROTO_TCP, on_done, NULL, &fx.tcp) != IDR_OK ||
	    rsv_conn_new(fx.w, RSV_PROTO_TCP, on_done, NULL, &fx.authed) != IDR_OK ||
	    rsv_conn_set_identity(fx.authed, IDENTITY) != IDR_OK) {
		abort();
	}
	wbuf_init_heap(&fx.out, HDL_MAX_UNIT_LEN);
}

/* One message; its answer (immediate or deferred) checked and kept in fx.last. */
static void
one(uint8_t flags, uint8_t *unit, size_t len)
{
	struct rsv_conn *c = (flags & 2) != 0 ? fx.authed : (flags & 1) != 0 ? fx.udp : fx.tcp;
	struct rsv_ctx ctx = {(flags & 1) != 0 ? RSV_PROTO_UDP : RSV_PROTO_TCP, NULL, c, 0};
	enum rsv_action a;

	if ((flags & 4) != 0 && len >= 8) {
		unit[4] = (uint8_t)(fx.last_sid >> 24);
		unit[5] = (uint8_t)(fx.last_sid >> 16);
		unit[6] = (uint8_t)(fx.last_sid >> 8);
		unit[7] = (uint8_t)fx.last_sid;
	}
	wbuf_reset(&fx.out);
	a = rsv_handle(fx.w, &ctx, unit, len, NOW, &fx.out);
	if (a == RSV_DROP && wbuf_len(&fx.out) != 0) {
		abort();
	}
	if ((a == RSV_REPLY || a == RSV_CLOSE) && wbuf_len(&fx.out) > 0) {
		check_unit(wbuf_data(&fx.out), wbuf_len(&fx.out));
		memcpy(fx.last, wbuf_data(&fx.out), wbuf_len(&fx.out));
		fx.last_len = wbuf_len(&fx.out);
	}
	while (rsv_conn_pending(c) > 0) {
		if (event_base_loop(fx.base, EVLOOP_ONCE) != 0) {
			abort();
		}
	}
}

/* ------------------------------------------------------------------ seeds */

struct seed {
	uint8_t buf[64 * 1024];
	size_t len;
};

static void
seed_add(struct seed *s, uint8_t flags, const struct wbuf *w)
{
	size_t n = wbuf_len(w);
	uint8_t unit[HDL_MAX_UNIT_LEN];

	if (n > 0xffff || s->len + 3 + n > sizeof(s->buf)) {
		abort();
	}
	s->buf[s->len++] = flags;
	s->buf[s->len++] = (uint8_t)(n >> 8);
	s->buf[s->len++] = (uint8_t)n;
	memcpy(s->buf + s->len, wbuf_data(w), n);
	s->len += n;
	memcpy(unit, wbuf_data(w), n);
	one(flags, unit, n); /* run it, so later messages can answer what the server said */
}

static void
seed_write(const char *dir, const char *name, const struct seed *s)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(s->buf, 1, s->len, f) != s->len || fclose(f) != 0) {
		abort();
	}
}

static struct hdl_msg
last_msg(void)
{
	struct hdl_msg m;
	struct rbuf r;

	rbuf_init(&r, fx.last, fx.last_len);
	if (hdl_msg_parse(&r, &m) != IDR_OK) {
		abort();
	}
	return m;
}

/* A client flow: [setup], request, [answer]. */
static void
seed_flow(const char *dir, const char *name, struct hadmin *c, const struct hadmin_op *op,
          bool session, uint8_t req_flags)
{
	struct hadmin_msg_opts o = {NOW, false};
	struct hadmin_result res;
	struct seed *s = calloc(1, sizeof(*s));
	struct wbuf w;
	struct hdl_msg m;

	wbuf_init_heap(&w, HDL_MAX_UNIT_LEN);
	if (s == NULL) {
		abort();
	}
	if (session) {
		if (hadmin_setup_encode(c, &w, &o) != IDR_OK) {
			abort();
		}
		seed_add(s, 1, &w);
		m = last_msg();
		memset(&res, 0, sizeof(res));
		if (hadmin_setup_finish(c, &m, &res) != IDR_OK) {
			abort();
		}
	}
	wbuf_reset(&w);
	if (hadmin_request_encode(c, &w, op, &o) != IDR_OK) {
		abort();
	}
	seed_add(s, req_flags | (session ? 4 : 0), &w);
	m = last_msg();
	if (m.hdr.rc == HDL_RC_AUTHENTICATION_NEEDED) {
		wbuf_reset(&w);
		if (hadmin_answer_encode(c, &w, &m, &o) != IDR_OK) {
			abort();
		}
		seed_add(s, 4, &w);
	}
	seed_write(dir, name, s);
	wbuf_deinit(&w);
	free(s);
}

static void
seeds(const char *dir)
{
	struct value v[2];
	uint32_t idx = 2;
	struct hadmin_ident id = {SLICE_LIT("0.NA/88.100.1"), 300, fx.key, {NULL, 0}, fx.site};
	struct hadmin_ident sid = {SLICE_LIT("0.NA/88.100.1"), 301, NULL, SLICE_LIT("s3cret"),
	                           fx.site};
	struct hadmin *c, *cs;
	struct hadmin_op op;

	memset(v, 0, sizeof(v));
	v[0].index = 1;
	v[0].type = SLICE_LIT("URL");
	v[0].data = SLICE_LIT("https://example.com/s");
	v[0].perms = VALUE_PERM_DEFAULT;
	v[1] = v[0];
	v[1].index = 2;
	v[1].type = SLICE_LIT("EMAIL");
	if (hadmin_new(&c, &id) != IDR_OK || hadmin_new(&cs, &sid) != IDR_OK) {
		abort();
	}
	memset(&op, 0, sizeof(op));
	op.opcode = HDL_OC_CREATE_HANDLE;
	op.handle = SLICE_LIT("88.100.1/seed");
	op.values = v;
	op.nvalues = 2;
	seed_flow(dir, "session_create", c, &op, true, 0);
	seed_flow(dir, "create_challenged", c, &op, false, 0);
	seed_flow(dir, "seckey_create", cs, &op, true, 0);
	op.flags = HDL_FLAG_MINT;
	seed_flow(dir, "authed_create_mint", c, &op, false, 2);
	op.flags = HDL_FLAG_OVRW;
	op.handle = SLICE_LIT("88.100.1/abc");
	seed_flow(dir, "authed_create_ovrw", c, &op, false, 2);
	op.opcode = HDL_OC_ADD_VALUE;
	op.nvalues = 1;
	op.values = &v[1];
	seed_flow(dir, "authed_add", c, &op, false, 2);
	op.opcode = HDL_OC_MODIFY_VALUE;
	op.flags = 0;
	seed_flow(dir, "authed_modify", c, &op, false, 2);
	memset(&op, 0, sizeof(op));
	op.opcode = HDL_OC_REMOVE_VALUE;
	op.handle = SLICE_LIT("88.100.1/abc");
	op.indexes = &idx;
	op.nindexes = 1;
	seed_flow(dir, "authed_remove", c, &op, false, 2);
	op.opcode = HDL_OC_DELETE_HANDLE;
	seed_flow(dir, "session_delete", c, &op, true, 0);
	op.opcode = HDL_OC_LIST_HANDLES;
	op.handle = SLICE_LIT("0.NA/88.100.1");
	seed_flow(dir, "list", c, &op, false, 0);
	op.opcode = HDL_OC_LOGIN_ID_SYSTEM;
	seed_flow(dir, "login", c, &op, false, 0);
	{
		struct seed *s = calloc(1, sizeof(*s));
		struct hdl_req_opts ro;
		struct hdl_auth_verify_req vr;
		struct wbuf w;

		if (s == NULL) {
			abort();
		}
		wbuf_init_heap(&w, 4096);
		hdl_req_opts_init(&ro, 99, NOW + 3600);
		ro.session_id = 5;
		if (hdl_req_handle_encode(&w, &ro, HDL_OC_SESSION_TERMINATE, SLICE_LIT("")) !=
		    IDR_OK) {
			abort();
		}
		seed_add(s, 4, &w);
		wbuf_reset(&w);
		memset(&vr, 0, sizeof(vr));
		vr.key_handle = SLICE_LIT("0.NA/88.100.1");
		vr.key_index = 301;
		vr.nonce = SLICE_LIT("0123456789abcdef");
		vr.digest_type = HDL_RD_SHA256;
		vr.digest = SLICE_LIT("0123456789abcdef0123456789abcdef");
		vr.signed_response = SLICE_LIT("\x02"
		                               "0123456789abcdefghij");
		if (hdl_auth_verify_req_encode(&w, &ro, &vr) != IDR_OK) {
			abort();
		}
		seed_add(s, 0, &w);
		seed_write(dir, "terminate_verify", s);
		wbuf_deinit(&w);
		free(s);
	}
	hadmin_free(c);
	hadmin_free(cs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t unit[HDL_MAX_UNIT_LEN];
	size_t off = 0;

	if (fx.w == NULL) {
		const char *dir = getenv("FUZZ_ADMIN_SEEDS");

		setup();
		if (dir != NULL) {
			seeds(dir);
		}
	}
	fx.last_sid = 0;
	for (int i = 0; i < MAX_MSGS && size - off >= 3; i++) {
		uint8_t flags = data[off];
		size_t len = ((size_t)data[off + 1] << 8) | data[off + 2];

		off += 3;
		if (len > size - off) {
			len = size - off;
		}
		memcpy(unit, data + off, len);
		off += len;
		one(flags, unit, len);
	}
	return 0;
}
