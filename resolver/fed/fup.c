/* fup.c - the federation thread and upward registration (fup.h); reports in fup_rep.c. */
#include "fed/fup.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/log.h"
#include "base/num.h"
#include "base/rbuf.h"
#include "client/hadmin.h"
#include "client/hdlc.h"
#include "fed/fup_int.h"
#include "fed/node.h"
#include "model/ident.h"
#include "model/value.h"
#include "model/vjson.h"

#define FUP_TIMEOUT_MS 5000

static uint64_t
unix_now(void)
{
	return (uint64_t)time(NULL);
}

bool
fup_wanted(const struct conf *c)
{
	return !conf_toplevel(c) && c->toplevel.n > 0 && c->node_key != NULL;
}

unsigned
fup_backoff(unsigned n, unsigned cap)
{
	unsigned s = n == 0 ? 1 : (n - 1 >= 20 ? 1u << 20 : 1u << (n - 1));

	return s < cap ? s : cap;
}

/* ---------------------------------------------------------------- HS_SITE helpers */

bool
fup_site_same(struct slice a, struct slice b)
{
	struct value_site *x = malloc(sizeof(*x)), *y = malloc(sizeof(*y));
	struct wbuf wa, wb;
	bool same = false;

	if (x == NULL || y == NULL || value_site_decode(a, x) != IDR_OK ||
	    value_site_decode(b, y) != IDR_OK) {
		free(x);
		free(y);
		return false;
	}
	x->serial = y->serial = 0;
	wbuf_init_heap(&wa, HDL_MAX_MESSAGE_LEN);
	wbuf_init_heap(&wb, HDL_MAX_MESSAGE_LEN);
	value_site_encode(&wa, x);
	value_site_encode(&wb, y);
	same = wbuf_error(&wa) == IDR_OK && wbuf_error(&wb) == IDR_OK && wa.len == wb.len &&
	       memcmp(wa.p, wb.p, wa.len) == 0;
	wbuf_deinit(&wa);
	wbuf_deinit(&wb);
	free(x);
	free(y);
	return same;
}

int
fup_site_serial(struct wbuf *out, struct slice site, uint16_t serial)
{
	struct value_site *s = malloc(sizeof(*s));
	size_t mark = out->len;
	int rc;

	if (s == NULL) {
		return IDR_ENOMEM;
	}
	rc = value_site_decode(site, s);
	if (rc == IDR_OK) {
		s->serial = serial;
		value_site_encode(out, s);
		rc = wbuf_error(out);
		if (rc != IDR_OK) {
			out->len = mark;
		}
	} else {
		rc = IDR_EPROTO;
	}
	free(s);
	return rc;
}

/* ---------------------------------------------------------------- set-up */

static int
ident_setup(struct fup *u, const struct conf *c)
{
	const char *colon;
	uint64_t idx;

	if (c->node_key_id == NULL) {
		if (snprintf(u->ident, sizeof(u->ident), "%d:%s", NODE_KEY_INDEX, u->zna) < 0) {
			return IDR_ECONFIG;
		}
	} else if (snprintf(u->ident, sizeof(u->ident), "%s", c->node_key_id) >=
	           (int)sizeof(u->ident)) {
		log_err("node_key_id: too long");
		return IDR_ECONFIG;
	}
	colon = strchr(u->ident, ':');
	if (colon == NULL || colon[1] == '\0' ||
	    num_parse_u64_n(u->ident, (size_t)(colon - u->ident), 1, INT32_MAX, &idx) != IDR_OK) {
		log_err("node_key_id: INDEX:HANDLE expected, e.g. 300:0.NA/88.118");
		return IDR_ECONFIG;
	}
	u->ident_index = (uint32_t)idx;
	u->ident_handle = colon + 1;
	return IDR_OK;
}

static int
key_setup(struct fup *u, const struct conf *c)
{
	int rc = crypto_key_load(&u->key, c->node_key);

	if (rc == IDR_OK && !crypto_key_has_private(u->key)) {
		rc = IDR_EINVAL;
	}
	if (rc != IDR_OK) {
		log_err("node_key %s: %s", c->node_key,
		        rc == IDR_EINVAL ? "not a private key" : idr_strerror(rc));
		return IDR_ECONFIG;
	}
	return IDR_OK;
}

static int
http_setup(struct fup *u, const struct conf *c)
{
	struct httpc_opts ho;
	struct httpc_base base;
	const char *why = NULL;

	if (c->toplevel_http == NULL) {
		return IDR_OK;
	}
	if (httpc_base_parse(c->toplevel_http, 443, &base, &why) != IDR_OK) {
		log_err("toplevel_http %s: %s", c->toplevel_http, why != NULL ? why : "not a URL");
		return IDR_ECONFIG;
	}
	memset(&ho, 0, sizeof(ho));
	ho.timeout_ms = u->timeout_ms;
	ho.max_body = 65536;
	ho.cacert = c->toplevel_cacert;
	snprintf(u->url, sizeof(u->url), "%s", base.url);
	return httpc_new(&u->http, &base, &ho);
}

static int
addr_setup(struct fup *u, const struct conf *c)
{
	for (size_t i = 0; i < c->toplevel.n && u->ntop < FUP_MAX_TOPLEVEL; i++) {
		if (addr_parse(c->toplevel.v[i], &u->top[u->ntop++], NULL) != IDR_OK) {
			log_err("toplevel %s: not a HOST:PORT address", c->toplevel.v[i]);
			return IDR_ECONFIG;
		}
	}
	snprintf(u->top_text, sizeof(u->top_text), "%s", c->toplevel.v[0]);
	return IDR_OK;
}

static int
dir_setup(struct fup *u, const struct conf *c)
{
	size_t len = strlen(c->data_dir) + sizeof("/" FUP_DIR);

	u->dir = malloc(len);
	if (u->dir == NULL) {
		return IDR_ENOMEM;
	}
	snprintf(u->dir, len, "%s/%s", c->data_dir, FUP_DIR);
	if (mkdir(u->dir, 0750) != 0 && errno != EEXIST) {
		int rc = -errno;

		log_err_errno("%s: cannot create", u->dir);
		return rc;
	}
	return IDR_OK;
}

int
fup_new(struct fup **out, const struct conf *c, const struct fup_env *env)
{
	struct fup *u = calloc(1, sizeof(*u));
	const char *pfx = reg_node_prefix(env->reg);
	int rc;

	*out = NULL;
	if (u == NULL) {
		return IDR_ENOMEM;
	}
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->cv, NULL);
	u->env = *env;
	u->timeout_ms = (unsigned)c->recursion_timeout_ms > FUP_TIMEOUT_MS
	                        ? (unsigned)c->recursion_timeout_ms
	                        : FUP_TIMEOUT_MS;
	u->interval = c->report_interval;
	u->retry_max = (unsigned)c->upstream_retry_max;
	u->started = unix_now();
	snprintf(u->prefix, sizeof(u->prefix), "%s", pfx);
	rc = ident_zero_na(slice_cstr(pfx), u->zna, sizeof(u->zna));
	if (rc == IDR_OK) {
		rc = ident_setup(u, c);
	}
	if (rc == IDR_OK) {
		rc = key_setup(u, c);
	}
	if (rc == IDR_OK) {
		rc = addr_setup(u, c);
	}
	if (rc == IDR_OK) {
		rc = dir_setup(u, c);
	}
	if (rc == IDR_OK) {
		rc = http_setup(u, c);
	}
	if (rc == IDR_OK) {
		rc = fup_rep_load(u);
	}
	if (rc != IDR_OK) {
		fup_free(u);
		return rc;
	}
	u->open_period = u->started / u->interval;
	u->open_from = u->started;
	*out = u;
	return IDR_OK;
}

/* ---------------------------------------------------------------- registration */

/* Record why the registration failed: the message in u->scratch, n what snprintf returned
 * making it (called without mu). */
static void
reg_fail(struct fup *u, int n)
{
	if (n < 0) {
		u->scratch[0] = '\0';
	}
	pthread_mutex_lock(&u->mu);
	if (strcmp(u->scratch, u->reg_err) != 0) {
		log_warn("upward registration of %s at %s: %s", u->zna, u->top_text, u->scratch);
	}
	memcpy(u->reg_err, u->scratch, sizeof(u->reg_err));
	pthread_mutex_unlock(&u->mu);
}

/* Index 1 and 2 of the top level's record, copied. */
struct current {
	uint8_t *site, *psite;
	size_t site_len, psite_len;
	bool has_site, has_psite;
};

static int
copy_value(uint8_t **dst, size_t *len, struct slice data)
{
	*dst = malloc(data.len > 0 ? data.len : 1);
	if (*dst == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(*dst, data.p, data.len);
	*len = data.len;
	return IDR_OK;
}

static int
read_current(struct rbuf *rest, struct current *cur)
{
	struct hdl_value_list vl;
	struct slice clump;
	struct value v;
	struct rbuf r;
	int rc = hdl_res_resp_parse(rest, &vl);

	if (rc != IDR_OK) {
		return rc;
	}
	rbuf_init(&r, vl.clumps.p, vl.clumps.len);
	while (rc == IDR_OK && hdl_clump_next(&r, &v, &clump) == IDR_OK) {
		if (v.index == NODE_SITE_INDEX && !cur->has_site) {
			rc = copy_value(&cur->site, &cur->site_len, v.data);
			cur->has_site = slice_caseeq_cstr(v.type, "HS_SITE");
		} else if (v.index == NODE_PREFIX_SITE_INDEX && !cur->has_psite) {
			rc = copy_value(&cur->psite, &cur->psite_len, v.data);
			cur->has_psite = slice_caseeq_cstr(v.type, "HS_SITE.PREFIX");
		}
	}
	return rc;
}

/*
 * Resolve 0.NA/<prefix> at the top level, the address that answered last first.
 * @return IDR_OK (*which: the address), IDR_ENOENT (not there), or an error (reg_fail called).
 */
static int
fetch_current(struct fup *u, struct current *cur, size_t *which)
{
	struct hdlc_query q;
	int rc = IDR_EIO;

	memset(&q, 0, sizeof(q));
	q.handle = slice_cstr(u->zna);
	q.public_only = true;
	q.no_recursion = true;
	for (size_t i = 0; i < u->ntop; i++) {
		size_t t = (u->top_pref + i) % u->ntop;
		struct hdlc_reply rep;
		struct rbuf rest;

		hdlc_reply_init(&rep);
		rc = hdlc_resolve(&u->top[t], HDLC_PROTO_TCP, &q, u->timeout_ms, &rep, NULL, &rest);
		if (rc != IDR_OK) {
			hdlc_reply_deinit(&rep);
			continue;
		}
		*which = t;
		if (rep.msg.hdr.rc == HDL_RC_HANDLE_NOT_FOUND) {
			reg_fail(u, snprintf(u->scratch, sizeof(u->scratch),
			                     "%s is not at the top level: the node is not "
			                     "onboarded there "
			                     "(`idr node add %s --key ...` on the top level)",
			                     u->zna, u->prefix));
			rc = IDR_ENOENT;
		} else if (rep.msg.hdr.rc != HDL_RC_SUCCESS) {
			reg_fail(u,
			         snprintf(u->scratch, sizeof(u->scratch), "resolving %s: %s",
			                  u->zna,
			                  hdl_rc_name(rep.msg.hdr.rc) ? hdl_rc_name(rep.msg.hdr.rc)
			                                              : "error"));
			rc = IDR_EPROTO;
		} else {
			rc = read_current(&rest, cur);
			if (rc != IDR_OK) {
				reg_fail(u, snprintf(u->scratch, sizeof(u->scratch),
				                     "resolving %s: malformed answer", u->zna));
			}
		}
		hdlc_reply_deinit(&rep);
		return rc;
	}
	reg_fail(u, snprintf(u->scratch, sizeof(u->scratch), "top level unreachable: %s",
	                     idr_strerror(rc)));
	return rc;
}

static struct value
mkvalue(uint32_t index, const char *type, struct slice data)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.timestamp = (uint32_t)unix_now();
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = slice_cstr(type);
	v.data = data;
	return v;
}

/* One ADD_VALUE / MODIFY_VALUE of the record with the node key. */
static int
admin_set(struct fup *u, struct hadmin *c, bool exists, const struct value *v)
{
	struct hadmin_op op;
	struct hadmin_result res;
	int rc;

	memset(&op, 0, sizeof(op));
	op.opcode = exists ? HDL_OC_MODIFY_VALUE : HDL_OC_ADD_VALUE;
	op.handle = slice_cstr(u->zna);
	op.values = v;
	op.nvalues = 1;
	rc = hadmin_do(c, &op, &res, NULL, NULL);
	if (rc != IDR_OK) {
		reg_fail(u, snprintf(u->scratch, sizeof(u->scratch), "%s index %u: %s%s%s",
		                     exists ? "MODIFY_VALUE" : "ADD_VALUE", (unsigned)v->index,
		                     idr_strerror(rc), hadmin_errmsg(c)[0] ? ": " : "",
		                     hadmin_errmsg(c)));
		return rc;
	}
	if (res.rc != HDL_RC_SUCCESS) {
		reg_fail(u, snprintf(u->scratch, sizeof(u->scratch),
		                     "%s index %u refused: %s (%u)%s%s",
		                     exists ? "MODIFY_VALUE" : "ADD_VALUE", (unsigned)v->index,
		                     hdl_rc_name(res.rc) ? hdl_rc_name(res.rc) : "error",
		                     (unsigned)res.rc, res.message[0] ? ": " : "", res.message));
		return IDR_EAUTH;
	}
	return IDR_OK;
}

/* An admin client of top-level address t, with the node key. */
static int
admin_client(struct fup *u, size_t t, struct hadmin **out, struct crypto_key **site)
{
	struct hadmin_ident id;
	struct hadmin_net net;
	int rc;

	*site = NULL;
	rc = hadmin_site_key(&u->top[t], u->timeout_ms, site);
	if (rc != IDR_OK && rc != IDR_ENOENT) {
		reg_fail(u, snprintf(u->scratch, sizeof(u->scratch), "the top level's HS_SITE: %s",
		                     idr_strerror(rc)));
		return rc;
	}
	memset(&id, 0, sizeof(id));
	id.handle = slice_cstr(u->ident_handle);
	id.index = u->ident_index;
	id.key = u->key;
	id.site = *site;
	memset(&net, 0, sizeof(net));
	net.server = u->top[t];
	net.setup_proto = HDLC_PROTO_TCP;
	net.session = false; /* every request challenged and answered with the node key */
	net.timeout_ms = u->timeout_ms;
	rc = hadmin_new(out, &id);
	if (rc == IDR_OK) {
		rc = hadmin_connect(*out, &net);
	}
	if (rc != IDR_OK) {
		reg_fail(u, snprintf(u->scratch, sizeof(u->scratch), "admin client: %s",
		                     idr_strerror(rc)));
	}
	return rc;
}

/* Write what differs. @return IDR_OK (*serial: what the record says now) or an error. */
static int
update(struct fup *u, size_t t, const struct current *cur, struct slice want, uint16_t *serial)
{
	struct slice have = slice_make(cur->site, cur->site_len);
	struct slice phave = slice_make(cur->psite, cur->psite_len);
	bool site_ok = cur->has_site && fup_site_same(have, want);
	bool psite_ok = cur->has_psite && fup_site_same(phave, want);
	struct value_site *old = malloc(sizeof(*old));
	struct crypto_key *skey = NULL;
	struct hadmin *c = NULL;
	struct value v;
	struct wbuf nb;
	int rc;

	if (old == NULL) {
		return IDR_ENOMEM;
	}
	*serial = cur->has_site && value_site_decode(have, old) == IDR_OK ? old->serial : 0;
	free(old);
	if (site_ok && psite_ok) {
		return IDR_OK;
	}
	if (!site_ok) {
		*serial = (uint16_t)(*serial == 0xffff ? 1 : *serial + 1);
	}
	wbuf_init_heap(&nb, HDL_MAX_MESSAGE_LEN);
	rc = fup_site_serial(&nb, want, *serial);
	if (rc == IDR_OK) {
		rc = admin_client(u, t, &c, &skey);
	}
	if (rc == IDR_OK && !site_ok) {
		v = mkvalue(NODE_SITE_INDEX, "HS_SITE", wbuf_slice(&nb));
		rc = admin_set(u, c, cur->site != NULL, &v);
	}
	if (rc == IDR_OK && !psite_ok) {
		v = mkvalue(NODE_PREFIX_SITE_INDEX, "HS_SITE.PREFIX", wbuf_slice(&nb));
		rc = admin_set(u, c, cur->psite != NULL, &v);
	}
	if (rc == IDR_OK) {
		log_notice("upward registration: %s at %s now has this node's site (serial %u)",
		           u->zna, u->top_text, (unsigned)*serial);
	}
	hadmin_free(c);
	crypto_key_free(skey);
	wbuf_deinit(&nb);
	return rc;
}

/* One registration attempt (called without mu). */
static int
register_once(struct fup *u, struct slice want, uint16_t *serial, size_t *which)
{
	struct current cur;
	int rc;

	memset(&cur, 0, sizeof(cur));
	rc = fetch_current(u, &cur, which);
	if (rc == IDR_OK) {
		rc = update(u, *which, &cur, want, serial);
	}
	free(cur.site);
	free(cur.psite);
	return rc;
}

/* Run a due registration (called with mu held; dropped during the exchange). */
static void
registration(struct fup *u, uint64_t now)
{
	struct slice want;
	uint8_t *copy;
	uint16_t serial = 0;
	size_t which = u->top_pref;
	int rc;

	copy = malloc(u->site_len);
	if (copy == NULL) {
		u->reg_next = now + 1;
		return;
	}
	memcpy(copy, u->site, u->site_len);
	want = slice_make(copy, u->site_len);
	u->reg_due = false;
	pthread_mutex_unlock(&u->mu);
	rc = register_once(u, want, &serial, &which);
	pthread_mutex_lock(&u->mu);
	free(copy);
	now = unix_now();
	u->top_pref = which;
	if (rc == IDR_OK) {
		u->registered = true;
		u->have_serial = true;
		u->serial = serial;
		u->reg_err[0] = '\0';
		u->reg_fails = 0;
		u->reg_next = 0;
		u->reg_at = now;
		u->reg_ok_total++;
		return;
	}
	u->registered = false;
	u->reg_fail_total++;
	u->reg_fails++;
	u->reg_next = now + fup_backoff(u->reg_fails, u->retry_max);
	u->reg_due = true;
}

/* ---------------------------------------------------------------- the thread */

static uint64_t
next_wake(const struct fup *u)
{
	uint64_t t = (u->open_period + 1) * u->interval; /* the end of the open period */

	if (u->http == NULL) {
		t = UINT64_MAX;
	}
	if (u->reg_due && u->reg_next < t) {
		t = u->reg_next;
	}
	if (u->http != NULL && u->npend > 0 && u->rep_next < t) {
		t = u->rep_next;
	}
	return t;
}

static void *
thread_main(void *arg)
{
	struct fup *u = arg;

	pthread_mutex_lock(&u->mu);
	while (!u->stop) {
		uint64_t now = unix_now(), wake;
		struct timespec ts;

		if (u->reg_due && u->site != NULL && now >= u->reg_next) {
			registration(u, now);
			continue;
		}
		if (u->http != NULL && now >= (u->open_period + 1) * u->interval) {
			fup_rep_close(u, now);
			continue;
		}
		if (u->http != NULL && u->npend > 0 && now >= u->rep_next) {
			fup_rep_send(u, now);
			continue;
		}
		wake = next_wake(u);
		ts.tv_sec = wake > (uint64_t)INT32_MAX * 2 ? (time_t)INT32_MAX * 2 : (time_t)wake;
		ts.tv_nsec = 0;
		pthread_cond_timedwait(&u->cv, &u->mu, &ts);
	}
	pthread_mutex_unlock(&u->mu);
	return NULL;
}

int
fup_start(struct fup *u)
{
	sigset_t block, old;
	int e;

	sigfillset(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	e = pthread_create(&u->thread, NULL, thread_main, u);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		return -e;
	}
	u->running = true;
	return IDR_OK;
}

int
fup_set_site(struct fup *u, struct slice site)
{
	uint8_t *copy = malloc(site.len > 0 ? site.len : 1);

	if (copy == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(copy, site.p, site.len);
	pthread_mutex_lock(&u->mu);
	free(u->site);
	u->site = copy;
	u->site_len = site.len;
	u->reg_due = true;
	u->reg_next = 0;
	u->reg_fails = 0;
	pthread_cond_signal(&u->cv);
	pthread_mutex_unlock(&u->mu);
	return IDR_OK;
}

void
fup_free(struct fup *u)
{
	if (u == NULL) {
		return;
	}
	if (u->running) {
		pthread_mutex_lock(&u->mu);
		u->stop = true;
		pthread_cond_signal(&u->cv);
		pthread_mutex_unlock(&u->mu);
		pthread_join(u->thread, NULL);
	}
	fup_rep_free(u);
	httpc_free(u->http);
	crypto_key_free(u->key);
	free(u->site);
	free(u->dir);
	pthread_cond_destroy(&u->cv);
	pthread_mutex_destroy(&u->mu);
	free(u);
}

/* ---------------------------------------------------------------- state */

static void
json_time(struct wbuf *w, const char *key, uint64_t t)
{
	char when[VJSON_TIME_LEN];

	if (t == 0) {
		wbuf_printf(w, "\"%s\":null", key);
		return;
	}
	vjson_time_format((uint32_t)t, when);
	wbuf_printf(w, "\"%s\":\"%s\"", key, when);
}

static void
json_err(struct wbuf *w, const char *msg)
{
	if (msg[0] == '\0') {
		wbuf_cstr(w, "\"error\":null");
		return;
	}
	wbuf_cstr(w, "\"error\":");
	(void)vjson_write_str(w, slice_cstr(msg));
}

int
fup_health_json(struct fup *u, struct wbuf *w)
{
	pthread_mutex_lock(&u->mu);
	wbuf_cstr(w, "\"upstream\":{\"toplevel\":");
	(void)vjson_write_str(w, slice_cstr(u->top_text));
	wbuf_printf(w, ",\"registered\":%s,", u->registered ? "true" : "false");
	if (u->have_serial) {
		wbuf_printf(w, "\"serial\":%u,", (unsigned)u->serial);
	} else {
		wbuf_cstr(w, "\"serial\":null,");
	}
	json_err(w, u->reg_err);
	wbuf_cstr(w, ",");
	json_time(w, "next_try", u->reg_due ? u->reg_next : 0);
	wbuf_cstr(w, ",");
	json_time(w, "registered_at", u->reg_at);
	wbuf_printf(w,
	            "},\"reports\":{\"interval\":%llu,\"url\":", (unsigned long long)u->interval);
	if (u->http != NULL) {
		(void)vjson_write_str(w, slice_cstr(u->url));
	} else {
		wbuf_cstr(w, "null");
	}
	if (u->have_acked) {
		wbuf_printf(w, ",\"last_acked_period\":%llu,", (unsigned long long)u->acked);
	} else {
		wbuf_cstr(w, ",\"last_acked_period\":null,");
	}
	json_time(w, "last_report", u->ack_at);
	wbuf_printf(w, ",\"pending\":%zu,\"sent\":%llu,\"dropped\":%llu,", u->npend,
	            (unsigned long long)u->sent_total, (unsigned long long)u->dropped_total);
	json_err(w, u->rep_err);
	wbuf_cstr(w, ",");
	json_time(w, "next_try", u->npend > 0 ? u->rep_next : 0);
	wbuf_cstr(w, "}");
	pthread_mutex_unlock(&u->mu);
	return wbuf_error(w);
}

void
fup_metrics(struct fup *u, struct wbuf *w)
{
	pthread_mutex_lock(&u->mu);
	wbuf_printf(w,
	            "# HELP idr_upstream_registered 1 when the prefix record at the top level "
	            "matches this node's site\n# TYPE idr_upstream_registered gauge\n"
	            "idr_upstream_registered %d\n"
	            "# TYPE idr_upstream_serial gauge\nidr_upstream_serial %u\n"
	            "# TYPE idr_upstream_registrations_total counter\n"
	            "idr_upstream_registrations_total{result=\"ok\"} %llu\n"
	            "idr_upstream_registrations_total{result=\"failed\"} %llu\n"
	            "# TYPE idr_reports_total counter\n"
	            "idr_reports_total{result=\"acknowledged\"} %llu\n"
	            "idr_reports_total{result=\"refused\"} %llu\n"
	            "idr_reports_total{result=\"failed\"} %llu\n"
	            "# TYPE idr_reports_pending gauge\nidr_reports_pending %zu\n"
	            "# TYPE idr_reports_dropped_total counter\nidr_reports_dropped_total %llu\n"
	            "# TYPE idr_report_last_acked_period gauge\n"
	            "idr_report_last_acked_period %llu\n",
	            u->registered ? 1 : 0, (unsigned)u->serial, (unsigned long long)u->reg_ok_total,
	            (unsigned long long)u->reg_fail_total, (unsigned long long)u->sent_total,
	            (unsigned long long)u->refused_total, (unsigned long long)u->failed_total,
	            u->npend, (unsigned long long)u->dropped_total, (unsigned long long)u->acked);
	pthread_mutex_unlock(&u->mu);
}
