/* site.c - this node's HS_SITE from the configuration (ref/handle.md §4.1). */
#include "core/site.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/log.h"
#include "base/num.h"
#include "core/shard.h"
#include "hdl/addr.h"
#include "hdl/hdl.h"
#include "model/value.h"

#define SITE_ADDR_TEXT_MAX 64 /* longest address literal accepted, brackets excluded */
#define SITE_KEY_MAX       ((size_t)64 * 1024)

static int
parse_host(const char *p, size_t len, uint8_t addr[16])
{
	char host[SITE_ADDR_TEXT_MAX];
	uint8_t v4[4];

	if (len == 0 || len >= sizeof(host)) {
		return IDR_EINVAL;
	}
	memcpy(host, p, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, v4) == 1) {
		memset(addr, 0, 12);
		memcpy(addr + 12, v4, 4);
		return IDR_OK;
	}
	return inet_pton(AF_INET6, host, addr) == 1 ? IDR_OK : IDR_EINVAL;
}

static int
parse_port(const char *p, uint16_t *port)
{
	uint64_t v;

	if (*p == '\0' || num_parse_u64(p, 0, 65535, &v) != IDR_OK) {
		return IDR_EINVAL;
	}
	*port = (uint16_t)v;
	return IDR_OK;
}

/* Split text into host and optional port: `[v6]:port`, `v4:port`, or a host alone. */
static int
split_addr(const char *text, const char **host, size_t *hlen, const char **port)
{
	const char *colon, *end;

	*port = NULL;
	if (text[0] == '[') {
		end = strchr(text, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':')) {
			return IDR_EINVAL;
		}
		*host = text + 1;
		*hlen = (size_t)(end - text - 1);
		*port = end[1] == ':' ? end + 2 : NULL;
		return IDR_OK;
	}
	*host = text;
	colon = strchr(text, ':');
	if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		*hlen = (size_t)(colon - text); /* exactly one ':' : IPv4 with a port */
		*port = colon + 1;
	} else {
		*hlen = strlen(text); /* no ':' (IPv4) or several (a bare IPv6 address) */
	}
	return IDR_OK;
}

int
site_addr_parse(const char *text, uint8_t addr[16], uint16_t *port, bool *has_port)
{
	uint8_t a[16];
	const char *host, *portstr;
	uint16_t pn = 0;
	size_t hlen;

	if (text == NULL || split_addr(text, &host, &hlen, &portstr) != IDR_OK) {
		return IDR_EINVAL;
	}
	if (parse_host(host, hlen, a) != IDR_OK) {
		return IDR_EINVAL;
	}
	if (portstr != NULL && parse_port(portstr, &pn) != IDR_OK) {
		return IDR_EINVAL;
	}
	memcpy(addr, a, sizeof(a));
	if (port != NULL) {
		*port = pn;
	}
	if (has_port != NULL) {
		*has_port = portstr != NULL;
	}
	return IDR_OK;
}

bool
site_addr_is_wildcard(const uint8_t addr[16])
{
	static const uint8_t zero[16];

	return memcmp(addr, zero, sizeof(zero)) == 0;
}

static uint16_t
first_port(const struct cfg_list *l)
{
	uint8_t addr[16];
	uint16_t port;
	bool has_port;

	if (l->n == 0 || site_addr_parse(l->v[0], addr, &port, &has_port) != IDR_OK || !has_port) {
		return 0;
	}
	return port;
}

void
site_ports_from_conf(const struct conf *c, struct site_ports *out)
{
	out->udp = first_port(&c->udp_listen);
	out->tcp = first_port(&c->tcp_listen);
	out->http = first_port(&c->http_listen);
	out->https = first_port(&c->https_listen);
}

/* A socket address in HS_SITE form (IPv4 as 12 zero bytes + 4). */
static void
addr16(const struct addr *a, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (a->ss.ss_family == AF_INET) {
		memcpy(addr + 12, &((const struct sockaddr_in *)&a->ss)->sin_addr, 4);
	} else {
		memcpy(addr, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, 16);
	}
}

/* The address of a listen option in HS_SITE form, parsed exactly as the listeners parse it
 * (so `*:2641` and `localhost:2641` work too). */
static int
listen_addr(const char *text, uint8_t addr[16])
{
	struct addr a;

	if (addr_parse(text, &a, NULL) != IDR_OK) {
		return IDR_EINVAL;
	}
	addr16(&a, addr);
	return IDR_OK;
}

int
site_address(const struct conf *c, uint8_t addr[16], bool *wildcard)
{
	const struct cfg_list *lists[] = {&c->udp_listen, &c->tcp_listen, &c->http_listen,
	                                  &c->https_listen};
	const char *names[] = {"udp_listen", "tcp_listen", "http_listen", "https_listen"};
	bool has_port;
	size_t i;

	memset(addr, 0, 16);
	if (c->site_address.n > 0) {
		if (site_addr_parse(c->site_address.v[0], addr, NULL, &has_port) != IDR_OK ||
		    has_port) {
			log_err("site_address %s: expected an IPv4 or IPv6 address without a port",
			        c->site_address.v[0]);
			return IDR_ECONFIG;
		}
	} else {
		i = 0;
		while (i < sizeof(lists) / sizeof(lists[0]) && lists[i]->n == 0) {
			i++;
		}
		if (i < sizeof(lists) / sizeof(lists[0]) &&
		    listen_addr(lists[i]->v[0], addr) != IDR_OK) {
			log_err("%s %s: expected address:port with an IP address", names[i],
			        lists[i]->v[0]);
			return IDR_ECONFIG;
		}
	}
	if (wildcard != NULL) {
		*wildcard = site_addr_is_wildcard(addr);
	}
	return IDR_OK;
}

static void
add_iface(struct value_site_server *srv, uint8_t type, uint8_t proto, uint16_t port)
{
	if (port == 0) {
		return;
	}
	srv->ifaces[srv->nifaces].type = type;
	srv->ifaces[srv->nifaces].proto = proto;
	srv->ifaces[srv->nifaces].port = port;
	srv->nifaces++;
}

/* Handle.Net's default interfaces, in its order: (3,TCP) (2,UDP) (3,HTTP), then (3,HTTPS). */
void
site_ifaces(struct value_site_server *srv, const struct site_ports *p, bool http_hdl)
{
	const uint8_t both = VALUE_IFACE_ADMIN | VALUE_IFACE_QUERY;

	add_iface(srv, both, VALUE_PROTO_TCP, p->tcp);
	add_iface(srv, VALUE_IFACE_QUERY, VALUE_PROTO_UDP, p->udp);
	if (http_hdl) {
		add_iface(srv, both, VALUE_PROTO_HTTP, p->http);
		add_iface(srv, both, VALUE_PROTO_HTTPS, p->https);
	}
}

static void
warn_wildcard(const struct conf *c)
{
	const char *src = c->udp_listen.n > 0   ? c->udp_listen.v[0]
	                  : c->tcp_listen.n > 0 ? c->tcp_listen.v[0]
	                                        : "the listen address";

	log_warn("HS_SITE publishes the wildcard address of %s, which clients cannot use: "
	         "set site_address to this node's public address",
	         src);
}

/*
 * The servers of a sharded site (core/shard.h), ids 1..n in site_servers order: each with
 * TCP admin+query and UDP query on its configured port; this server also with its HTTP and
 * HTTPS listeners and its public key (the keys of the others are not known here).
 */
static int
site_servers(struct value_site *s, const struct conf *c, const struct site_ports *ports,
             struct slice pubkey)
{
	struct shard *sh = malloc(sizeof(*sh));
	const char *why = NULL;
	char buf[200];
	int rc = IDR_OK;

	if (sh == NULL) {
		return IDR_ENOMEM;
	}
	if (shard_init(sh, &c->site_servers, c->site_server_index, c->site_hash_option, buf,
	               sizeof(buf), &why, NULL) != IDR_OK) {
		log_err("%s", why != NULL ? why : "site_servers: invalid");
		rc = IDR_ECONFIG;
		goto done;
	}
	s->hash_option = (uint8_t)sh->option;
	s->nservers = sh->n;
	for (uint32_t i = 0; i < sh->n; i++) {
		struct value_site_server *sv = &s->servers[i];
		struct site_ports p = {addr_port(&sh->servers[i]), addr_port(&sh->servers[i]), 0,
		                       0};

		sv->id = i + 1;
		addr16(&sh->servers[i], sv->addr);
		if (i == sh->self) {
			p.http = ports->http;
			p.https = ports->https;
			sv->pubkey = pubkey;
		}
		site_ifaces(sv, &p, SITE_HTTP_SERVES_HDL);
	}
done:
	free(sh);
	return rc;
}

int
site_build(struct wbuf *out, const struct conf *c, const struct site_ports *ports,
           struct slice pubkey)
{
	struct site_ports from_conf;
	struct value_site *s;
	size_t mark = out->len;
	bool wildcard;
	int rc;

	if (ports == NULL) {
		site_ports_from_conf(c, &from_conf);
		ports = &from_conf;
	}
	s = calloc(1, sizeof(*s)); /* ~12 KiB: not for the stack */
	if (s == NULL) {
		return IDR_ENOMEM;
	}
	if (c->site_servers.n > 0) {
		rc = site_servers(s, c, ports, pubkey);
		if (rc != IDR_OK) {
			free(s);
			return rc;
		}
		goto encode;
	}
	rc = site_address(c, s->servers[0].addr, &wildcard);
	if (rc != IDR_OK) {
		free(s);
		return rc;
	}
	if (wildcard) {
		warn_wildcard(c);
	}
	{
		unsigned opt = HDL_HASH_BY_HANDLE;

		/* one server: the option changes nothing, but is published as configured */
		if (c->site_hash_option != NULL &&
		    shard_option_parse(c->site_hash_option, &opt) != IDR_OK) {
			opt = HDL_HASH_BY_HANDLE;
		}
		s->hash_option = (uint8_t)opt;
	}
	s->nservers = 1;
	s->servers[0].id = SITE_SERVER_ID;
	s->servers[0].pubkey = pubkey;
	site_ifaces(&s->servers[0], ports, SITE_HTTP_SERVES_HDL);
encode:
	s->version = 1;
	s->proto_major = HDL_VERSION_MAJOR;
	s->proto_minor = HDL_VERSION_MINOR;
	s->serial = (uint16_t)c->site_serial;
	s->primary_mask = c->site_primary ? VALUE_SITE_PRIMARY : 0;
	if (c->site_description != NULL) {
		s->attrs[0].name = SLICE_LIT("desc");
		s->attrs[0].value = slice_cstr(c->site_description);
		s->nattrs = 1;
	}
	value_site_encode(out, s);
	free(s);
	rc = wbuf_error(out);
	if (rc != IDR_OK) {
		out->len = mark;
	}
	return rc;
}

static int
load_key(const char *path, struct wbuf *key)
{
	int rc = crypto_hs_pubkey_file(path, key);

	switch (rc) {
	case IDR_OK:
		return IDR_OK;
	case IDR_ENOMEM:
		return rc;
	case IDR_EPROTO:
		log_err("server_key %s: no PEM private or public key found (encrypted keys are not "
		        "supported)",
		        path);
		break;
	case IDR_EINVAL:
		log_err("server_key %s: only RSA and DSA keys can be published in HS_SITE", path);
		break;
	default:
		log_err("server_key %s: %s", path, idr_strerror(rc));
		break;
	}
	return IDR_ECONFIG;
}

int
site_encode(struct wbuf *out, const struct conf *c, const struct site_ports *ports)
{
	struct wbuf key;
	int rc;

	wbuf_init_heap(&key, SITE_KEY_MAX);
	if (c->server_key != NULL) {
		rc = load_key(c->server_key, &key);
		if (rc != IDR_OK) {
			wbuf_deinit(&key);
			return rc;
		}
	}
	rc = site_build(out, c, ports, wbuf_slice(&key));
	wbuf_deinit(&key);
	return rc;
}
