/* rec.c - recursive resolution through the top level, with cache and coalescing (rec.h). */
#include "fed/rec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/crypto.h"
#include "base/log.h"
#include "fed/cache.h"
#include "model/ident.h"

#define FREC_KEY_MAX  (HDL_MAX_HANDLE_LEN + 2)
#define FREC_MSG_MAX  256
#define FREC_ZNA      "0.NA/"
#define FREC_ZNA_LEN  5
#define FREC_MAX_FILT 2048

/* A waiter of a lookup. */
struct frec_wait {
	struct flook *l;
	struct frec_wait *next, *prev;
	frec_done_fn done;
	void *arg;
};

/* One upstream resolution of a handle, shared by its waiters. */
struct flook {
	struct frec *f;
	struct flook *next, *prev;
	struct frec_wait *waiters;
	struct upq *q;
	bool handle_phase; /* asking the handle itself (else a prefix / service record) */
	unsigned hops;
	unsigned top_tries; /* top-level addresses tried for the current record */
	size_t top;         /* the top-level address asked last */
	bool at_top;        /* the query out goes to the top level (failover applies) */
	uint64_t deadline;  /* CLOCK_MONOTONIC ms */
	size_t klen;        /* "H" + folded handle */
	uint8_t key[FREC_KEY_MAX];
	size_t hlen; /* the handle as asked */
	uint8_t handle[HDL_MAX_HANDLE_LEN];
	bool sibling; /* asking another server of this site: not cached */
	size_t plen;  /* the record asked for now: "0.NA/P" or a service handle */
	uint8_t pname[HDL_MAX_HANDLE_LEN];
	char msg[FREC_MSG_MAX];
};

struct frec {
	struct event_base *base;
	struct frec_opts o;
	struct fcache *cache;
	struct flook *looks;
	struct value_site *site; /* scratch (large) */
	struct wbuf pub;         /* scratch: an answer's public values */
	bool stale_logged;
	size_t top_pref; /* the top-level address that answered last: asked first */
	uint32_t indexes[FREC_MAX_FILT];
	struct slice types[FREC_MAX_FILT];
	struct slice clumps[HDL_MAX_VALUES];
	uint8_t kbuf[FREC_KEY_MAX];
};

static void lookup_step(struct flook *l);
static bool query_sites(struct flook *l, struct slice clumps);
static bool parent_of(struct flook *l);

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint32_t
unix_now(void)
{
	return (uint32_t)time(NULL);
}

int
frec_opts_from_conf(struct frec_opts *o, const struct conf *c)
{
	memset(o, 0, sizeof(*o));
	if (shard_init(&o->site, &c->site_servers, c->site_server_index, c->site_hash_option, NULL,
	               0, NULL, NULL) != IDR_OK) {
		return IDR_ECONFIG;
	}
	if (c->toplevel.n == 0 && o->site.n <= 1) {
		return IDR_ENOENT;
	}
	for (size_t i = 0; i < c->toplevel.n && o->ntop < FREC_MAX_TOPLEVEL; i++) {
		if (addr_parse(c->toplevel.v[i], &o->toplevel[o->ntop++], NULL) != IDR_OK) {
			return IDR_ECONFIG;
		}
	}
	o->timeout_ms = (unsigned)c->recursion_timeout_ms;
	o->max_referrals = (unsigned)c->recursion_max_referrals;
	o->cache_max = (size_t)c->recursion_cache_max;
	o->cache_bytes = (size_t)c->recursion_cache_bytes;
	o->ttl_max = (uint32_t)c->recursion_ttl_max;
	o->negative_ttl = (uint32_t)c->recursion_negative_ttl;
	o->stale_max = (uint32_t)c->recursion_stale_max;
	return IDR_OK;
}

int
frec_new(struct frec **out, struct event_base *base, const struct frec_opts *o)
{
	struct fcache_opts co = {o->cache_max, o->cache_bytes, o->stale_max};
	struct frec *f;
	int rc;

	*out = NULL;
	if (o->ntop == 0 && o->site.n <= 1) {
		return IDR_EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		return IDR_ENOMEM;
	}
	f->site = malloc(sizeof(*f->site));
	rc = f->site == NULL ? IDR_ENOMEM : fcache_new(&f->cache, &co);
	if (rc != IDR_OK) {
		free(f->site);
		free(f);
		return rc;
	}
	f->base = base;
	f->o = *o;
	wbuf_init_heap(&f->pub, HDL_MAX_MESSAGE_LEN);
	*out = f;
	return IDR_OK;
}

static void
lookup_free(struct flook *l)
{
	struct frec_wait *w, *next;

	upq_cancel(l->q);
	for (w = l->waiters; w != NULL; w = next) {
		next = w->next;
		free(w);
	}
	if (l->prev == l) {
		free(l); /* already out of the table (deliver) */
		return;
	}
	if (l->prev != NULL) {
		l->prev->next = l->next;
	} else {
		l->f->looks = l->next;
	}
	if (l->next != NULL) {
		l->next->prev = l->prev;
	}
	free(l);
}

void
frec_free(struct frec *f)
{
	if (f == NULL) {
		return;
	}
	while (f->looks != NULL) {
		lookup_free(f->looks);
	}
	fcache_free(f->cache);
	wbuf_deinit(&f->pub);
	free(f->site);
	free(f);
}

/* kind + folded name into f->kbuf. */
static struct slice
make_key(struct frec *f, char kind, struct slice name)
{
	f->kbuf[0] = (uint8_t)kind;
	ident_fold(name.p, name.len, f->kbuf + 1);
	return slice_make(f->kbuf, name.len + 1);
}

int
frec_cached(struct frec *f, struct slice handle, uint32_t now, struct frec_answer *out)
{
	struct fcache_view v;

	if (handle.len == 0 || handle.len > HDL_MAX_HANDLE_LEN ||
	    fcache_get(f->cache, make_key(f, 'H', handle), now, &v) != FCACHE_FRESH) {
		return IDR_ENOENT;
	}
	metrics_fed(f->o.ms, METRICS_FED_CACHE_HIT);
	out->rc = v.rc;
	out->body = v.rc == HDL_RC_SUCCESS ? v.data : slice_make(NULL, 0);
	out->msg = "";
	out->stale = false;
	return IDR_OK;
}

/* A cache failure (out of memory, an answer over the byte bound) only costs a later miss. */
static void
cache_put(struct fcache *c, struct slice key, uint32_t rc, struct slice data, uint32_t ttl,
          uint32_t now)
{
	int err = fcache_put(c, key, rc, data, ttl, now);

	if (err != IDR_OK) {
		log_debug("recursion: answer not cached: %s", idr_strerror(err));
	}
}

/* ---------------------------------------------------------------- finishing */

static void
deliver(struct flook *l, const struct frec_answer *a)
{
	struct frec_wait *w;

	/* out of the table first: a done that starts a lookup of the same handle gets a new one */
	if (l->prev != NULL) {
		l->prev->next = l->next;
	} else {
		l->f->looks = l->next;
	}
	if (l->next != NULL) {
		l->next->prev = l->prev;
	}
	l->prev = l->next = l; /* marks it unlinked for lookup_free */

	/* each done may cancel other waiters of l (a connection with two of them going away) */
	while ((w = l->waiters) != NULL) {
		l->waiters = w->next;
		if (l->waiters != NULL) {
			l->waiters->prev = NULL;
		}
		w->done(w->arg, a);
		free(w);
	}
	lookup_free(l);
}

/* Upstream failed: a stale answer if there is one, else RC_ERROR with why. */
static void
fail(struct flook *l, const char *what, int err)
{
	struct frec *f = l->f;
	struct fcache_view v;
	struct frec_answer a = {HDL_RC_ERROR, {NULL, 0}, l->msg, false};

	if (fcache_get(f->cache, slice_make(l->key, l->klen), unix_now(), &v) != FCACHE_MISS) {
		metrics_fed(f->o.ms, METRICS_FED_CACHE_STALE);
		if (!f->stale_logged) {
			log_warn(
			        "recursion: upstream unreachable (%s: %s); serving expired answers "
			        "(serve-stale) until it answers again",
			        what, err != IDR_OK ? idr_strerror(err) : "no answer");
			f->stale_logged = true;
		}
		a.rc = v.rc;
		a.body = v.rc == HDL_RC_SUCCESS ? v.data : slice_make(NULL, 0);
		a.msg = "";
		a.stale = true;
		deliver(l, &a);
		return;
	}
	if (snprintf(l->msg, sizeof(l->msg), "recursion failed for %.*s: %s%s%s",
	             (int)(l->hlen < 100 ? l->hlen : 100), (const char *)l->handle, what,
	             err != IDR_OK ? ": " : "", err != IDR_OK ? idr_strerror(err) : "") < 0) {
		l->msg[0] = '\0';
	}
	deliver(l, &a);
}

/* ---------------------------------------------------------------- upstream */

static void on_answer(void *arg, int err, const struct hdl_msg *resp, struct rbuf *rest);

/* Ask name (resolution, PO, no REC) of target, waiting at most budget_ms (0: until the
 * lookup's deadline). */
static void
ask(struct flook *l, const struct upq_target *t, struct slice name, uint64_t budget_ms)
{
	struct frec *f = l->f;
	uint8_t buf[HDL_MAX_HANDLE_LEN + 128];
	struct hdl_req_opts o;
	uint64_t now = mono_ms(), left;
	uint32_t id;
	struct wbuf w;
	int rc;

	if (now >= l->deadline) {
		fail(l, "time-out", UPQ_ETIMEDOUT);
		return;
	}
	left = l->deadline - now;
	if (budget_ms > 0 && budget_ms < left) {
		left = budget_ms;
	}
	if (crypto_random(&id, sizeof(id)) != IDR_OK) {
		id = (uint32_t)now; /* unpredictability is a defence in depth only */
	}
	id &= 0x7fffffffu;
	hdl_req_opts_init(&o, id != 0 ? id : 1, unix_now() + 43200);
	o.flags = HDL_FLAG_PO;
	o.recursion = 1;
	wbuf_init(&w, buf, sizeof(buf));
	rc = hdl_req_resolution_encode(&w, &o, name, NULL, 0, NULL, 0);
	if (rc == IDR_OK) {
		rc = upq_start(&l->q, f->base, t, wbuf_slice(&w), (unsigned)left, f->o.ms,
		               on_answer, l);
	}
	if (rc != IDR_OK) {
		fail(l, "query", rc);
	}
}

/* A resolver for the site only (no top level): a foreign prefix is answered as without one. */
static void
no_toplevel(struct flook *l)
{
	struct frec_answer a = {HDL_RC_SERVER_NOT_RESP, {NULL, 0}, l->msg, false};

	if (snprintf(l->msg, sizeof(l->msg), "no top level configured: %.*s is not served here",
	             (int)(l->hlen < 100 ? l->hlen : 100), (const char *)l->handle) < 0) {
		l->msg[0] = '\0';
	}
	deliver(l, &a);
}

/*
 * Ask the top level for name: the address that answered last first, then the others in
 * configuration order (on_answer moves on when one fails). Each try gets an equal share of
 * the time left, so a silent first address leaves time for the next ones.
 */
static void
ask_toplevel(struct flook *l, struct slice name)
{
	struct frec *f = l->f;
	size_t left = f->o.ntop - l->top_tries;
	uint64_t now = mono_ms(), budget = 0;
	struct upq_target t;

	if (l->f->o.ntop == 0) {
		no_toplevel(l);
		return;
	}
	memset(&t, 0, sizeof(t));
	l->top = (f->top_pref + l->top_tries) % f->o.ntop;
	l->at_top = true;
	t.udp = t.tcp = f->o.toplevel[l->top];
	t.has_udp = t.has_tcp = true;
	if (left > 1 && now < l->deadline) {
		budget = (l->deadline - now) / left;
		budget = budget > 0 ? budget : 1;
	}
	ask(l, &t, name, budget);
}

static bool
type_is(struct slice type, const char *name)
{
	return value_type_match(type, slice_cstr(name));
}

int
frec_site_target(const struct value_site *s, struct slice handle, struct upq_target *out)
{
	const struct value_site_server *sv;
	int idx;

	memset(out, 0, sizeof(*out));
	if (s->nservers == 0) {
		return IDR_ENOENT;
	}
	idx = hdl_server_hash(handle, s->hash_option, (uint32_t)s->nservers);
	if (idx < 0) {
		return idx;
	}
	sv = &s->servers[idx];
	for (size_t i = 0; i < sv->nifaces; i++) {
		const struct value_site_iface *it = &sv->ifaces[i];
		struct addr *a = it->proto == VALUE_PROTO_UDP ? &out->udp : &out->tcp;
		bool *has = it->proto == VALUE_PROTO_UDP ? &out->has_udp : &out->has_tcp;
		static const uint8_t v4[12] = {0};

		if ((it->type & VALUE_IFACE_QUERY) == 0 || it->port == 0 || it->port > 65535 ||
		    (it->proto != VALUE_PROTO_UDP && it->proto != VALUE_PROTO_TCP) || *has) {
			continue;
		}
		memset(a, 0, sizeof(*a));
		if (memcmp(sv->addr, v4, sizeof(v4)) == 0) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, sv->addr + 12, 4);
			a->len = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, sv->addr, 16);
			a->len = sizeof(*sin6);
		}
		addr_set_port(a, (uint16_t)it->port);
		*has = true;
	}
	return out->has_udp || out->has_tcp ? IDR_OK : IDR_ENOENT;
}

/*
 * Follow the values of a prefix record or a referral: ask the site's server for the handle,
 * or (HS_SERV) set l->pname to the service handle whose record names the site.
 * @return true when l->pname was set: resolve it next (lookup_step); false when a query went
 *         out or l finished.
 */
static bool
query_sites(struct flook *l, struct slice clumps)
{
	struct frec *f = l->f;
	struct slice serv = {NULL, 0}, clump;
	struct upq_target t;
	struct value v;
	struct rbuf r;

	rbuf_init(&r, clumps.p, clumps.len);
	while (hdl_clump_next(&r, &v, &clump) == IDR_OK) {
		if (type_is(v.type, "HS_SITE") || type_is(v.type, "HS_SITE.PREFIX") ||
		    type_is(v.type, "HS_SITE.6")) {
			if (value_site_decode(v.data, f->site) == IDR_OK &&
			    frec_site_target(f->site, slice_make(l->handle, l->hlen), &t) ==
			            IDR_OK) {
				l->handle_phase = true;
				l->at_top = false;
				ask(l, &t, slice_make(l->handle, l->hlen), 0);
				return false;
			}
		} else if ((type_is(v.type, "HS_SERV") || type_is(v.type, "HS_SERV.PREFIX")) &&
		           serv.len == 0 && v.data.len > 0 && v.data.len <= HDL_MAX_HANDLE_LEN) {
			serv = v.data;
		}
	}
	if (serv.len == 0) {
		fail(l, "the prefix record has no usable HS_SITE or HS_SERV value", IDR_OK);
		return false;
	}
	if (++l->hops > f->o.max_referrals) {
		fail(l, "too many referrals", IDR_OK);
		return false;
	}
	memmove(l->pname, serv.p, serv.len); /* serv may point into the cache */
	l->plen = serv.len;
	return true;
}

/* The body of a referral or resolution answer, and the clumps of its value list. */
static int
value_list(struct rbuf *rest, bool referral, struct hdl_value_list *vl)
{
	return referral ? hdl_referral_resp_parse(rest, vl) : hdl_res_resp_parse(rest, vl);
}

/* The prefix (or service) record came back. */
static void
on_prefix(struct flook *l, const struct hdl_msg *resp, struct rbuf *rest)
{
	struct frec *f = l->f;
	uint32_t rc = resp->hdr.rc, now = unix_now();
	struct hdl_value_list vl;
	struct slice body = slice_make(rest->p + rest->off, rbuf_left(rest));
	struct slice name = slice_make(l->pname, l->plen);
	size_t was;

	if (rc == HDL_RC_SUCCESS || rc == HDL_RC_PREFIX_REFERRAL || rc == HDL_RC_SERVICE_REFERRAL) {
		if (value_list(rest, rc != HDL_RC_SUCCESS, &vl) != IDR_OK) {
			fail(l, "malformed prefix record answer", IDR_EPROTO);
			return;
		}
		if (rc == HDL_RC_SUCCESS) {
			cache_put(f->cache, make_key(f, 'P', name), rc, body,
			          frec_body_ttl(body, now, f->o.ttl_max), now);
		} else if (++l->hops > f->o.max_referrals) {
			fail(l, "too many referrals", IDR_OK);
			return;
		}
		if (query_sites(l, vl.clumps)) {
			lookup_step(l);
		}
		return;
	}
	/* a top level without the derived prefix's record: ask for its parent's (see rec.h),
	 * remembered like a negative answer so that the next lookup goes to the parent at once */
	was = l->plen;
	if ((rc == HDL_RC_HANDLE_NOT_FOUND || rc == HDL_RC_SERVER_NOT_RESP) && parent_of(l)) {
		cache_put(f->cache, make_key(f, 'P', slice_make(l->pname, was)),
		          HDL_RC_HANDLE_NOT_FOUND, slice_make(NULL, 0), f->o.negative_ttl, now);
		lookup_step(l);
		return;
	}
	if (snprintf(l->msg, sizeof(l->msg), "prefix record %.*s: %s from the top level",
	             (int)(l->plen < 100 ? l->plen : 100), (const char *)l->pname,
	             hdl_rc_name(rc) != NULL ? hdl_rc_name(rc) : "error") < 0) {
		l->msg[0] = '\0';
	}
	{
		struct frec_answer a = {rc == HDL_RC_HANDLE_NOT_FOUND ? rc : HDL_RC_ERROR,
		                        {NULL, 0},
		                        l->msg,
		                        false};

		deliver(l, &a);
	}
}

/*
 * The body with its non-public values left out (upstream was asked PO, but need not obey), so
 * that a cached body can be answered verbatim. Borrows body or f->pub.
 */
static struct slice
public_body(struct frec *f, struct slice body, const struct hdl_value_list *vl)
{
	struct slice clump;
	struct value v;
	struct rbuf r;
	uint32_t n = 0;

	rbuf_init(&r, vl->clumps.p, vl->clumps.len);
	while (hdl_clump_next(&r, &v, &clump) == IDR_OK) {
		n += (v.perms & VALUE_PERM_PUBLIC_READ) != 0;
	}
	if (n == vl->count) {
		return body;
	}
	wbuf_reset(&f->pub);
	wbuf_u32(&f->pub, (uint32_t)vl->handle.len);
	wbuf_bytes(&f->pub, vl->handle.p, vl->handle.len);
	wbuf_u32(&f->pub, n);
	rbuf_init(&r, vl->clumps.p, vl->clumps.len);
	while (hdl_clump_next(&r, &v, &clump) == IDR_OK) {
		if ((v.perms & VALUE_PERM_PUBLIC_READ) != 0) {
			wbuf_bytes(&f->pub, clump.p, clump.len);
		}
	}
	return wbuf_slice(&f->pub);
}

/* The handle's own answer came back. */
static void
on_handle(struct flook *l, const struct hdl_msg *resp, struct rbuf *rest)
{
	struct frec *f = l->f;
	uint32_t rc = resp->hdr.rc, now = unix_now();
	struct slice body = slice_make(rest->p + rest->off, rbuf_left(rest)), msg;
	struct frec_answer a = {rc, {NULL, 0}, "", false};
	struct hdl_value_list vl;

	if (rc == HDL_RC_SERVICE_REFERRAL || rc == HDL_RC_PREFIX_REFERRAL) {
		if (value_list(rest, true, &vl) != IDR_OK || ++l->hops > f->o.max_referrals) {
			fail(l, "bad or too many referrals", IDR_OK);
			return;
		}
		if (query_sites(l, vl.clumps)) {
			lookup_step(l);
		}
		return;
	}
	if (rc == HDL_RC_SUCCESS) {
		if (hdl_res_resp_parse(rest, &vl) != IDR_OK) {
			fail(l, "malformed answer", IDR_EPROTO);
			return;
		}
		a.body = public_body(f, body, &vl);
		if (!l->sibling) {
			cache_put(f->cache, slice_make(l->key, l->klen), rc, a.body,
			          frec_body_ttl(a.body, now, f->o.ttl_max), now);
		}
	} else {
		if (hdl_error_resp_parse(rest, resp->env.ver, &msg) == IDR_OK) {
			if (snprintf(l->msg, sizeof(l->msg), "%.*s",
			             (int)(msg.len < FREC_MSG_MAX - 1 ? msg.len : FREC_MSG_MAX - 1),
			             (const char *)msg.p) < 0) {
				l->msg[0] = '\0';
			}
		}
		a.msg = l->msg;
		if (!l->sibling &&
		    (rc == HDL_RC_HANDLE_NOT_FOUND || rc == HDL_RC_VALUES_NOT_FOUND)) {
			cache_put(f->cache, slice_make(l->key, l->klen), rc, slice_make(NULL, 0),
			          f->o.negative_ttl, now);
		} else if (!hdl_rc_is_error(rc)) {
			a.rc = HDL_RC_ERROR; /* e.g. 402: nothing a resolution client can use */
		}
	}
	deliver(l, &a);
}

static void
on_answer(void *arg, int err, const struct hdl_msg *resp, struct rbuf *rest)
{
	struct flook *l = arg;

	l->q = NULL;
	if (err != IDR_OK && l->at_top && ++l->top_tries < l->f->o.ntop &&
	    mono_ms() < l->deadline) {
		log_debug("recursion: top-level address %zu failed (%s), trying the next", l->top,
		          idr_strerror(err));
		ask_toplevel(l, slice_make(l->pname, l->plen));
		return;
	}
	if (err != IDR_OK) {
		fail(l, l->handle_phase ? "the handle's server" : "the top level", err);
		return;
	}
	if (l->at_top) {
		l->f->top_pref = l->top; /* remembered: asked first next time */
	}
	l->top_tries = 0;
	l->f->stale_logged = false; /* upstream answers again */
	if (l->handle_phase) {
		on_handle(l, resp, rest);
	} else {
		on_prefix(l, resp, rest);
	}
}

/* l->pname = 0.NA/<parent prefix> of 0.NA/<prefix>, counted as a hop. @return false: none. */
static bool
parent_of(struct flook *l)
{
	struct slice pfx, parent;

	if (l->plen <= FREC_ZNA_LEN || memcmp(l->pname, FREC_ZNA, FREC_ZNA_LEN) != 0 ||
	    ++l->hops > l->f->o.max_referrals) {
		return false;
	}
	pfx = slice_make(l->pname + FREC_ZNA_LEN, l->plen - FREC_ZNA_LEN);
	if (!ident_prefix_parent(pfx, &parent)) {
		return false;
	}
	l->plen = FREC_ZNA_LEN + parent.len;
	return true;
}

/* Resolve the record l->pname names (cached or from the top level). */
static void
lookup_step(struct flook *l)
{
	struct frec *f = l->f;
	struct fcache_view v;

	/* a loop, not recursion: each HS_SERV hop is counted and bounded in query_sites */
	for (;;) {
		struct slice name = slice_make(l->pname, l->plen);
		struct hdl_value_list vl;
		struct rbuf r;

		l->handle_phase = false;
		if (fcache_get(f->cache, make_key(f, 'P', name), unix_now(), &v) != FCACHE_FRESH) {
			ask_toplevel(l, name);
			return;
		}
		if (v.rc == HDL_RC_HANDLE_NOT_FOUND && parent_of(l)) {
			continue; /* a derived prefix without a record of its own (on_prefix) */
		}
		rbuf_init(&r, v.data.p, v.data.len);
		if (v.rc != HDL_RC_SUCCESS || hdl_res_resp_parse(&r, &vl) != IDR_OK) {
			ask_toplevel(l, name);
			return;
		}
		if (!query_sites(l, vl.clumps)) {
			return;
		}
	}
}

/* ---------------------------------------------------------------- waiting */

/* A handle of another server of this site: ask that server. @return false: not one. */
static bool
ask_sibling(struct flook *l, struct slice h)
{
	const struct shard *s = &l->f->o.site;
	uint32_t i = shard_pick(s, h);
	struct upq_target t;

	if (i == SHARD_EVERY || i == s->self) {
		return false;
	}
	memset(&t, 0, sizeof(t));
	t.udp = t.tcp = s->servers[i];
	t.has_udp = t.has_tcp = true;
	l->handle_phase = true;
	l->sibling = true;
	ask(l, &t, h, 0);
	return true;
}

static void
on_start(evutil_socket_t fd, short what, void *arg)
{
	struct flook *l = arg;
	struct slice h = slice_make(l->handle, l->hlen);
	struct ident id;
	struct ident_opts o = {HDL_MAX_HANDLE_LEN, true};

	(void)fd;
	(void)what;
	if (ask_sibling(l, h)) {
		return;
	}
	if (ident_parse(&id, h.p, h.len, &o) != IDR_OK || !id.has_slash || id.zero_na) {
		/* prefix handles and slash-less names live at the top level itself */
		l->handle_phase = true;
		if (l->f->o.ntop == 0) {
			no_toplevel(l);
			return;
		}
		memcpy(l->pname, h.p, h.len);
		l->plen = h.len;
		ask_toplevel(l, slice_make(l->pname, l->plen));
		return;
	}
	memcpy(l->pname, FREC_ZNA, FREC_ZNA_LEN);
	memcpy(l->pname + FREC_ZNA_LEN, id.prefix.p, id.prefix.len);
	l->plen = FREC_ZNA_LEN + id.prefix.len;
	lookup_step(l);
}

int
frec_start(struct frec *f, struct slice handle, frec_done_fn done, void *arg,
           struct frec_wait **out)
{
	struct slice key;
	struct frec_wait *w;
	struct flook *l;

	*out = NULL;
	if (handle.len == 0 || handle.len > HDL_MAX_HANDLE_LEN - FREC_ZNA_LEN) {
		return IDR_EINVAL;
	}
	key = make_key(f, 'H', handle);
	for (l = f->looks; l != NULL; l = l->next) {
		if (l->klen == key.len && memcmp(l->key, key.p, key.len) == 0) {
			break;
		}
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return IDR_ENOMEM;
	}
	if (l != NULL) {
		metrics_fed(f->o.ms, METRICS_FED_COALESCED);
	} else {
		l = calloc(1, sizeof(*l));
		if (l == NULL) {
			free(w);
			return IDR_ENOMEM;
		}
		l->f = f;
		memcpy(l->key, key.p, key.len);
		l->klen = key.len;
		memcpy(l->handle, handle.p, handle.len);
		l->hlen = handle.len;
		l->deadline = mono_ms() + f->o.timeout_ms;
		/* start from the loop, so that done is never called from inside frec_start */
		if (event_base_once(f->base, -1, EV_TIMEOUT, on_start, l,
		                    &(struct timeval){0, 0}) != 0) {
			free(l);
			free(w);
			return IDR_ENOMEM;
		}
		metrics_fed(f->o.ms, METRICS_FED_CACHE_MISS);
		l->next = f->looks;
		if (f->looks != NULL) {
			f->looks->prev = l;
		}
		f->looks = l;
	}
	w->l = l;
	w->done = done;
	w->arg = arg;
	w->next = l->waiters;
	if (l->waiters != NULL) {
		l->waiters->prev = w;
	}
	l->waiters = w;
	*out = w;
	return IDR_OK;
}

void
frec_wait_cancel(struct frec_wait *w)
{
	if (w == NULL) {
		return;
	}
	if (w->prev != NULL) {
		w->prev->next = w->next;
	} else {
		w->l->waiters = w->next;
	}
	if (w->next != NULL) {
		w->next->prev = w->prev;
	}
	free(w); /* the lookup goes on: its answer still fills the cache */
}

uint32_t
frec_body_ttl(struct slice body, uint32_t now, uint32_t ttl_max)
{
	struct hdl_value_list vl;
	struct slice clump;
	struct value v;
	struct rbuf r;
	uint32_t ttl = ttl_max;

	rbuf_init(&r, body.p, body.len);
	if (hdl_res_resp_parse(&r, &vl) != IDR_OK) {
		return 0;
	}
	rbuf_init(&r, vl.clumps.p, vl.clumps.len);
	while (hdl_clump_next(&r, &v, &clump) == IDR_OK) {
		int64_t t = v.ttl_type == VALUE_TTL_ABSOLUTE ? (int64_t)(uint32_t)v.ttl - now
		                                             : (int64_t)v.ttl;

		if (t < 0) {
			t = 0;
		}
		if ((uint64_t)t < ttl) {
			ttl = (uint32_t)t;
		}
	}
	return ttl;
}

/* ---------------------------------------------------------------- the Handle path */

struct hwait {
	struct frec *f;
	struct rsv_pending *p;
	struct frec_wait *w;
	const struct frec_answer *a;
};

/*
 * An unfiltered answer: the cached body (validated and public-only when it was stored) copied
 * verbatim, under the handle as the client spelled it.
 */
static int
answer_whole(struct rsv_req *q, struct slice body, struct slice asked)
{
	struct hdl_build b;
	struct slice h;
	struct rbuf r;
	uint32_t count;
	size_t at;
	int rc;

	rbuf_init(&r, body.p, body.len);
	h = rbuf_str(&r, HDL_MAX_HANDLE_LEN);
	at = rbuf_offset(&r);
	count = rbuf_u32(&r);
	if (rbuf_error(&r) != IDR_OK) {
		rsv_req_set_rc(q, HDL_RC_ERROR);
		return rsv_req_error(q, HDL_RC_ERROR, "malformed upstream answer");
	}
	if (count == 0) {
		rsv_req_set_rc(q, HDL_RC_VALUES_NOT_FOUND);
		return rsv_req_error(q, HDL_RC_VALUES_NOT_FOUND, "");
	}
	rsv_req_set_rc(q, HDL_RC_SUCCESS);
	if (slice_eq(h, asked)) {
		return hdl_resp_resolution_stored(rsv_req_out(q), rsv_req_msg(q), body,
		                                  rsv_req_opts(q));
	}
	rc = hdl_resp_begin(&b, rsv_req_out(q), rsv_req_msg(q), HDL_RC_SUCCESS, rsv_req_opts(q));
	if (rc != IDR_OK) {
		return rc;
	}
	hdl_build_handle(&b, asked);
	hdl_build_bytes(&b, slice_make(body.p + at, body.len - at));
	return hdl_build_end(&b);
}

/* Build the answer to q from a: the request's filters applied, public values only. */
static int
answer_req(struct frec *f, struct rsv_req *q, const struct frec_answer *a,
           const struct hdl_res_req *rr)
{
	struct rsv_filter flt = {rr->indexes, rr->nindexes, rr->types, rr->ntypes, true};
	struct hdl_value_list vl;
	struct slice clump;
	struct value v;
	struct rbuf r;
	size_t n = 0;

	if (a->rc != HDL_RC_SUCCESS) {
		rsv_req_set_rc(q, a->rc);
		return rsv_req_error(q, a->rc, a->msg);
	}
	if (rr->nindexes == 0 && rr->ntypes == 0) {
		return answer_whole(q, a->body, rr->handle);
	}
	rbuf_init(&r, a->body.p, a->body.len);
	if (hdl_res_resp_parse(&r, &vl) != IDR_OK) {
		rsv_req_set_rc(q, HDL_RC_ERROR);
		return rsv_req_error(q, HDL_RC_ERROR, "malformed upstream answer");
	}
	rbuf_init(&r, vl.clumps.p, vl.clumps.len);
	while (n < HDL_MAX_VALUES && hdl_clump_next(&r, &v, &clump) == IDR_OK) {
		if (rsv_filter_match(&flt, &v)) {
			f->clumps[n++] = clump;
		}
	}
	if (n == 0) {
		rsv_req_set_rc(q, HDL_RC_VALUES_NOT_FOUND);
		return rsv_req_error(q, HDL_RC_VALUES_NOT_FOUND, "");
	}
	rsv_req_set_rc(q, HDL_RC_SUCCESS);
	return hdl_resp_resolution(rsv_req_out(q), rsv_req_msg(q), rr->handle, f->clumps, n,
	                           rsv_req_opts(q));
}

static int
complete(void *arg, struct rsv_req *q)
{
	struct hwait *hw = arg;
	struct hdl_res_req rr;
	struct rbuf body;
	const struct hdl_msg *m = rsv_req_msg(q);

	rbuf_init(&body, m->body.p, m->body.len);
	if (hdl_res_req_parse(&body, &rr, hw->f->indexes, FREC_MAX_FILT, hw->f->types,
	                      FREC_MAX_FILT) != IDR_OK) {
		return rsv_req_error(q, HDL_RC_PROTOCOL_ERROR, "malformed resolution request");
	}
	return answer_req(hw->f, q, hw->a, &rr);
}

static void
on_done(void *arg, const struct frec_answer *a)
{
	struct hwait *hw = arg;

	hw->a = a;
	hw->w = NULL;
	rsv_pending_complete(hw->p, complete, hw);
	free(hw);
}

static void
on_cancel(void *arg, struct rsv_pending *p)
{
	struct hwait *hw = arg;

	frec_wait_cancel(hw->w);
	rsv_pending_complete(p, complete, hw); /* cancelled: only frees p */
	free(hw);
}

int
frec_handle_req(struct frec *f, struct rsv_req *q, const struct hdl_res_req *rr)
{
	struct frec_answer a;
	struct hwait *hw;

	if (frec_cached(f, rr->handle, rsv_req_now(q), &a) == IDR_OK) {
		return answer_req(f, q, &a, rr);
	}
	hw = calloc(1, sizeof(*hw));
	if (hw == NULL) {
		return rsv_req_busy(q);
	}
	hw->f = f;
	/* never answers from inside: done runs from the loop, after this handler returned */
	if (frec_start(f, rr->handle, on_done, hw, &hw->w) != IDR_OK) {
		free(hw);
		return rsv_req_busy(q);
	}
	hw->p = rsv_req_defer(q, on_cancel, hw);
	if (hw->p == NULL) {
		frec_wait_cancel(hw->w);
		free(hw);
		return rsv_req_busy(q);
	}
	return IDR_OK;
}
