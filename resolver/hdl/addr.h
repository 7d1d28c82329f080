/*
 * addr.h - the syntax of addresses in the configuration and on the command line (listen
 * addresses, servers), shared by idrd and idr; no sockets.
 *
 * Address syntax (configuration and command line), never resolved through DNS so that loading a
 * configuration cannot block:
 *   1.2.3.4:2641      IPv4, dotted decimal
 *   [::1]:2641        IPv6, always in brackets
 *   localhost:2641    127.0.0.1
 *   *:2641            0.0.0.0 (every IPv4 address; use [::]:PORT for every IPv6 address)
 * The port is decimal 0-65535; 0 asks the kernel for any free port (net.h). Thread-safe: no
 * shared state.
 */
#ifndef IDR_RESOLVER_HDL_ADDR_H
#define IDR_RESOLVER_HDL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/err.h"

#define ADDR_TEXT_MAX 64 /* longest address accepted by addr_parse, bytes */
#define ADDR_STRLEN   56 /* addr_format output incl. NUL: "[v6]:65535" */

/** A socket address (IPv4 or IPv6) with its length; a plain value, copy freely. */
struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/**
 * Parse "address:port" (syntax above).
 * @param why  on error, set to a static message naming what is wrong (may be NULL).
 * @return IDR_OK or IDR_EINVAL; *out is only written on success.
 */
int addr_parse(const char *text, struct addr *out, const char **why) IDR_MUSTCHECK;

/**
 * Copy a socket address from the kernel (recvfrom, accept, getsockname) into a net_addr.
 * @return IDR_OK, or IDR_EINVAL for a family other than AF_INET/AF_INET6 or a bad length.
 */
int addr_from(struct addr *out, const struct sockaddr *sa, socklen_t len) IDR_MUSTCHECK;

/** The port of an IPv4/IPv6 address (host order). */
uint16_t addr_port(const struct addr *a);

/** Replace the port (host order). */
void addr_set_port(struct addr *a, uint16_t port);

/** True for 0.0.0.0 and [::] (the kernel picks the source address of replies). */
bool addr_is_wildcard(const struct addr *a);

/** Same family, address and port. */
bool addr_equal(const struct addr *a, const struct addr *b);

/**
 * Format an IPv4/IPv6 socket address as "1.2.3.4:80" or "[::1]:80" (the syntax
 * addr_parse reads; IPv4-mapped IPv6 addresses stay in IPv6 form).
 * @param cap  at least ADDR_STRLEN guarantees success.
 * @return IDR_OK, IDR_EINVAL (other family) or IDR_ETOOBIG (buf is then "").
 */
int addr_format(const struct sockaddr *sa, char *buf, size_t cap) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_HDL_ADDR_H */
