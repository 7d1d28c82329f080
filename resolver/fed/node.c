/* node.c - secondary nodes onboarded on the top level. */
#include "fed/node.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/rbuf.h"
#include "core/site.h"
#include "hdl/hdl.h"
#include "model/ident.h"
#include "model/value.h"
#include "model/vjson.h"

static struct value
mkvalue(uint32_t index, const char *type, struct slice data, uint8_t perms, uint32_t now)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.timestamp = now;
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = perms;
	v.type = slice_cstr(type);
	v.data = data;
	return v;
}

int
node_add(struct reg_wtxn *w, const struct node_spec *s, enum reg_outcome *outcome)
{
	char handle[PFX_MAX_LEN + sizeof("0.NA/")];
	uint8_t admin_buf[PFX_MAX_LEN + 32];
	enum reg_outcome added = REG_UNCHANGED, set = REG_UNCHANGED;
	uint32_t now = (uint32_t)time(NULL);
	struct value_admin adm;
	struct value v[4];
	struct wbuf ab;
	size_t n = 0;
	int rc;

	if (s->pubkey.len == 0 || s->owner.len == 0) {
		return IDR_EINVAL;
	}
	if (s->prefix.len > PFX_MAX_LEN) {
		return IDR_ELIMIT;
	}
	rc = reg_prefix_add(w, s->prefix, s->owner, PFX_ENABLED, &added);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = ident_zero_na(s->prefix, handle, sizeof(handle));
	if (rc != IDR_OK) {
		return rc;
	}
	adm.perms = NODE_PERMS;
	adm.handle = slice_cstr(handle);
	adm.index = NODE_KEY_INDEX;
	wbuf_init(&ab, admin_buf, sizeof(admin_buf));
	value_admin_encode(&ab, &adm);
	if (wbuf_error(&ab) != IDR_OK) {
		return wbuf_error(&ab);
	}
	v[n++] = mkvalue(NODE_ADMIN_INDEX, "HS_ADMIN", wbuf_slice(&ab), VALUE_PERM_DEFAULT, now);
	v[n++] = mkvalue(NODE_KEY_INDEX, "HS_PUBKEY", s->pubkey, VALUE_PERM_DEFAULT, now);
	if (s->site.len > 0) {
		v[n++] = mkvalue(NODE_SITE_INDEX, "HS_SITE", s->site, VALUE_PERM_DEFAULT, now);
		v[n++] = mkvalue(NODE_PREFIX_SITE_INDEX, "HS_SITE.PREFIX", s->site,
		                 VALUE_PERM_DEFAULT, now);
	}
	rc = reg_set_values(w, slice_cstr(handle), v, n, &set);
	if (rc != IDR_OK) {
		return rc;
	}
	if (outcome != NULL) {
		*outcome = added == REG_CREATED
		                   ? REG_CREATED
		                   : (set == REG_UNCHANGED ? REG_UNCHANGED : REG_UPDATED);
	}
	return IDR_OK;
}

struct list_ctx {
	struct reg_rtxn *t;
	node_fn cb;
	void *arg;
};

static int
list_one(void *arg, const struct pfx_info *p)
{
	char handle[PFX_MAX_LEN + sizeof("0.NA/")];
	struct list_ctx *c = arg;
	struct node_info ni;
	struct rec_view rec;
	struct slice clump;
	struct value v;
	struct rbuf r;
	int rc;

	if (p->node || ident_zero_na(p->name, handle, sizeof(handle)) != IDR_OK) {
		return IDR_OK;
	}
	rc = reg_get(c->t, slice_cstr(handle), &rec);
	if (rc == IDR_ENOENT) {
		return IDR_OK;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	memset(&ni, 0, sizeof(ni));
	ni.prefix = p->name;
	ni.owner = p->owner;
	ni.created = p->created;
	rbuf_init(&r, rec.values.p, rec.values.len);
	while ((rc = hdl_clump_next(&r, &v, &clump)) == IDR_OK) {
		if (v.index == NODE_KEY_INDEX && slice_caseeq_cstr(v.type, "HS_PUBKEY")) {
			ni.pubkey = v.data;
		} else if (v.index == NODE_SITE_INDEX && slice_caseeq_cstr(v.type, "HS_SITE")) {
			ni.site = v.data;
			ni.site_changed = v.timestamp;
		} else if (v.index == NODE_TAKEOVER_INDEX &&
		           slice_caseeq_cstr(v.type, NODE_TAKEOVER_TYPE)) {
			ni.takeover = true;
			ni.takeover_since = v.timestamp;
		}
	}
	if (rc != IDR_ENOENT) {
		return IDR_EPROTO;
	}
	return ni.pubkey.len > 0 ? c->cb(c->arg, &ni) : IDR_OK;
}

int
node_list(struct reg_rtxn *t, node_fn cb, void *arg)
{
	struct list_ctx c = {t, cb, arg};

	return reg_prefix_list(t, list_one, &c);
}

int
node_site_build(struct wbuf *out, const char *list, uint16_t serial)
{
	struct value_site *s = calloc(1, sizeof(*s));
	const char *p = list;
	char entry[80];
	int rc = IDR_OK;

	if (s == NULL) {
		return IDR_ENOMEM;
	}
	s->version = 1;
	s->proto_major = 2;
	s->proto_minor = 11;
	s->serial = serial;
	s->primary_mask = 0x80;
	s->hash_option = 2;
	while (rc == IDR_OK && *p != '\0') {
		size_t len = strcspn(p, ",");
		struct value_site_server *srv;
		uint16_t port = 0;
		bool has_port = false;

		if (len == 0 || len >= sizeof(entry) || s->nservers >= NODE_MAX_SITES) {
			rc = IDR_EINVAL;
			break;
		}
		memcpy(entry, p, len);
		entry[len] = '\0';
		srv = &s->servers[s->nservers];
		if (site_addr_parse(entry, srv->addr, &port, &has_port) != IDR_OK || !has_port ||
		    port == 0) {
			rc = IDR_EINVAL;
			break;
		}
		srv->id = (uint32_t)++s->nservers;
		srv->ifaces[0] = (struct value_site_iface){VALUE_IFACE_ADMIN | VALUE_IFACE_QUERY,
		                                           VALUE_PROTO_TCP, port};
		srv->ifaces[1] =
		        (struct value_site_iface){VALUE_IFACE_QUERY, VALUE_PROTO_UDP, port};
		srv->nifaces = 2;
		p += len;
		if (*p == ',') {
			p++;
			if (*p == '\0') {
				rc = IDR_EINVAL;
			}
		}
	}
	if (rc == IDR_OK && s->nservers == 0) {
		rc = IDR_EINVAL;
	}
	if (rc == IDR_OK) {
		size_t mark = out->len;

		value_site_encode(out, s);
		rc = wbuf_error(out);
		if (rc != IDR_OK) {
			out->len = mark;
		}
	}
	free(s);
	return rc;
}

/* The 16-byte HS_SITE address as text: IPv4 (12 zero bytes + 4) or IPv6. */
static void
site_addr_text(const uint8_t a[16], char *out, size_t cap)
{
	static const uint8_t zero[12];

	if (memcmp(a, zero, 12) == 0) {
		snprintf(out, cap, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
		return;
	}
	(void)inet_ntop(AF_INET6, a, out, (socklen_t)cap);
}

static const char *
proto_name(uint8_t p)
{
	static const char *const names[] = {"udp", "tcp", "http", "https"};

	return p < 4 ? names[p] : "unknown";
}

static void
write_sites(struct wbuf *w, const struct value_site *s)
{
	char addr[INET6_ADDRSTRLEN];

	wbuf_cstr(w, "[");
	for (size_t i = 0; i < s->nservers; i++) {
		const struct value_site_server *srv = &s->servers[i];

		site_addr_text(srv->addr, addr, sizeof(addr));
		wbuf_printf(w, "%s{\"server\":%u,\"address\":\"%s\",\"interfaces\":[", i ? "," : "",
		            (unsigned)srv->id, addr);
		for (size_t j = 0; j < srv->nifaces; j++) {
			const struct value_site_iface *f = &srv->ifaces[j];

			wbuf_printf(w,
			            "%s{\"protocol\":\"%s\",\"port\":%u,\"admin\":%s,\"query\":%s}",
			            j ? "," : "", proto_name(f->proto), (unsigned)f->port,
			            (f->type & VALUE_IFACE_ADMIN) ? "true" : "false",
			            (f->type & VALUE_IFACE_QUERY) ? "true" : "false");
		}
		wbuf_cstr(w, "]}");
	}
	wbuf_cstr(w, "]");
}

int
node_json(struct wbuf *w, const struct node_info *n)
{
	struct value_site *s = NULL;
	char when[VJSON_TIME_LEN];
	struct slice ktype = {NULL, 0};
	struct rbuf kr;
	int rc = IDR_OK;

	rbuf_init(&kr, n->pubkey.p, n->pubkey.len);
	ktype = rbuf_str(&kr, 64);
	wbuf_cstr(w, "{\"prefix\":");
	(void)vjson_write_str(w, n->prefix);
	wbuf_cstr(w, ",\"owner\":");
	(void)vjson_write_str(w, n->owner);
	wbuf_cstr(w, ",\"key\":");
	(void)vjson_write_str(w, rbuf_error(&kr) == IDR_OK ? ktype : SLICE_LIT("unknown"));
	wbuf_cstr(w, ",\"sites\":");
	if (n->site.len > 0) {
		s = calloc(1, sizeof(*s));
		if (s == NULL) {
			return IDR_ENOMEM;
		}
		rc = value_site_decode(n->site, s);
	}
	if (s != NULL && rc == IDR_OK) {
		write_sites(w, s);
		vjson_time_format(n->site_changed, when);
		wbuf_printf(w, ",\"serial\":%u,\"updated\":\"%s\"", (unsigned)s->serial, when);
	} else {
		wbuf_cstr(w, "[],\"serial\":null,\"updated\":null");
		if (rc != IDR_OK) {
			wbuf_printf(w, ",\"error\":\"stored HS_SITE does not decode: %s\"",
			            idr_strerror(rc));
			rc = IDR_EPROTO;
		}
	}
	vjson_time_format((uint32_t)n->created, when);
	wbuf_printf(w, ",\"created\":\"%s\",\"takeover\":%s", when, n->takeover ? "true" : "false");
	if (n->takeover) {
		vjson_time_format(n->takeover_since, when);
		wbuf_printf(w, ",\"takeoverSince\":\"%s\"}", when);
	} else {
		wbuf_cstr(w, ",\"takeoverSince\":null}");
	}
	free(s);
	return wbuf_error(w) != IDR_OK ? wbuf_error(w) : rc;
}
