/*
 * site.h - this node's HS_SITE (ref/handle.md §4.1), built from the daemon configuration and the
 * ports its listeners are bound to. OC_GET_SITEINFO answers with these bytes and clients use
 * them to find our interfaces, our protocol version and our public key.
 *
 * A sharded site (site_servers, core/shard.h) lists every server, ids 1..n in site_servers order,
 * each with TCP admin+query and UDP query on its configured port; this server (site_server_index)
 * also with its HTTP and HTTPS interfaces and its public key; hash option site_hash_option.
 * Otherwise the site has one server (id 1). Its address is the first site_address, else the address
 * of the first UDP, TCP, HTTP or HTTPS listener, in that order; a wildcard listener address
 * (0.0.0.0 or ::) is published as it is, with a warning in the log, because no address clients
 * could use is known (set site_address). Interfaces follow the Handle.Net defaults for each
 * bound listener: TCP admin+query, UDP query, and HTTP and HTTPS admin+query only once those
 * listeners serve Handle-over-HTTP (SITE_HTTP_SERVES_HDL: they do). Version 1,
 * protocol 2.11, hash option site_hash_option (default 2, whole handle), attribute desc =
 * site_description, primary mask 0x80 when site_primary. The public key is the HS_PUBKEY encoding
 * of server_key (RSA or DSA, see crypto_hs_pubkey_file), empty when no key is configured.
 *
 * Functions run at start and on reload (main thread); they keep no state.
 */
#ifndef IDR_RESOLVER_CORE_SITE_H
#define IDR_RESOLVER_CORE_SITE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "core/conf.h"

#define SITE_SERVER_ID 1

struct value_site_server; /* model/value.h */

/*
 * Whether the HTTP and HTTPS listeners answer Handle-over-HTTP (ref/handle.md §5: a POST of
 * application/x-hdl-message carrying envelope and message). HS_SITE lists an interface for
 * them only when they do: a stock client falls back to a published HTTP interface when UDP and
 * TCP fail, and a listener that answers it with anything else (405) makes the client wait for
 * its whole time-out (60 s). They do (http/native.h).
 */
#define SITE_HTTP_SERVES_HDL true

/** Bound ports of the listeners (0 = no such listener). */
struct site_ports {
	uint16_t udp, tcp, http, https;
};

/**
 * Parse an address as written in the configuration: `a.b.c.d`, `a.b.c.d:port`, `[v6]`,
 * `[v6]:port` or a bare IPv6 address, into the 16-byte HS_SITE form (IPv4 as 12 zero bytes and
 * the 4 address bytes, not ::ffff-mapped).
 * @param port      receives the port, 0 when none was given (may be NULL).
 * @param has_port  set to whether a port was given (may be NULL).
 * @return IDR_OK or IDR_EINVAL (not an IP literal, bad brackets or port > 65535).
 */
int site_addr_parse(const char *text, uint8_t addr[16], uint16_t *port,
                    bool *has_port) IDR_MUSTCHECK;

/** True if addr is all zeros (0.0.0.0 or ::). */
bool site_addr_is_wildcard(const uint8_t addr[16]);

/**
 * Ports from the configuration: the port of the first entry of each listen list (0 if the list
 * is empty or the entry has no readable port). Front ends that bind port 0 pass the real ports
 * to site_encode instead.
 */
void site_ports_from_conf(const struct conf *c, struct site_ports *out);

/**
 * Choose the published server address (see the header comment).
 * @param wildcard  set when the chosen address is a wildcard (may be NULL).
 * @return IDR_OK or IDR_ECONFIG (an unparsable site_address or listen address; logged).
 */
int site_address(const struct conf *c, uint8_t addr[16], bool *wildcard) IDR_MUSTCHECK;

/**
 * Add the interfaces of this node's server for the bound listeners (a port of 0 adds none), in
 * Handle.Net's order: TCP admin+query, UDP query, then HTTP and HTTPS admin+query only if
 * http_hdl says those listeners serve Handle-over-HTTP. site_build passes
 * SITE_HTTP_SERVES_HDL. srv->ifaces needs room for 4 more.
 */
void site_ifaces(struct value_site_server *srv, const struct site_ports *p, bool http_hdl);

/**
 * Append this node's HS_SITE data to out.
 * @param ports   bound ports; NULL means site_ports_from_conf.
 * @param pubkey  HS_PUBKEY encoding of the server key (empty: no key published).
 * @return IDR_OK, IDR_ECONFIG (bad address, logged), IDR_ETOOBIG (out full) or IDR_ENOMEM.
 *         On error out's length is unchanged.
 */
int site_build(struct wbuf *out, const struct conf *c, const struct site_ports *ports,
               struct slice pubkey) IDR_MUSTCHECK;

/**
 * site_build with the public key read from server_key (if set).
 * @return as site_build, plus IDR_ECONFIG when server_key cannot be read or is not an RSA/DSA
 *         key (logged with the reason), IDR_ENOMEM.
 */
int site_encode(struct wbuf *out, const struct conf *c,
                const struct site_ports *ports) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_CORE_SITE_H */
