/*
 * net.h - listen addresses and listening sockets for idrd's front ends.
 *
 * Address syntax (configuration and command line), never resolved through DNS so that loading a
 * configuration cannot block:
 *   1.2.3.4:2641      IPv4, dotted decimal
 *   [::1]:2641        IPv6, always in brackets
 *   localhost:2641    127.0.0.1
 *   *:2641            0.0.0.0 (every IPv4 address; use [::]:PORT for every IPv6 address)
 * The port is decimal 0-65535; 0 asks the kernel for any free port (read it back with
 * net_local_addr). Sockets are non-blocking and close-on-exec; IPv6 sockets are IPv6-only, so
 * `*` and `[::]` may be used side by side. Thread-safe: no shared state.
 */
#ifndef IDR_RESOLVER_NET_NET_H
#define IDR_RESOLVER_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/err.h"

#define NET_ADDR_TEXT_MAX 64 /* longest address accepted by net_addr_parse, bytes */
#define NET_ADDRSTRLEN    56 /* net_addr_format output incl. NUL: "[v6]:65535" */
#define NET_BACKLOG       1024

/** A socket address (IPv4 or IPv6) with its length; a plain value, copy freely. */
struct net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/**
 * Parse "address:port" (syntax above).
 * @param why  on error, set to a static message naming what is wrong (may be NULL).
 * @return IDR_OK or IDR_EINVAL; *out is only written on success.
 */
int net_addr_parse(const char *text, struct net_addr *out, const char **why) IDR_MUSTCHECK;

/**
 * Copy a socket address from the kernel (recvfrom, accept, getsockname) into a net_addr.
 * @return IDR_OK, or IDR_EINVAL for a family other than AF_INET/AF_INET6 or a bad length.
 */
int net_addr_from(struct net_addr *out, const struct sockaddr *sa, socklen_t len) IDR_MUSTCHECK;

/** The port of an IPv4/IPv6 address (host order). */
uint16_t net_addr_port(const struct net_addr *a);

/** Replace the port (host order). */
void net_addr_set_port(struct net_addr *a, uint16_t port);

/** True for 0.0.0.0 and [::] (the kernel picks the source address of replies). */
bool net_addr_is_wildcard(const struct net_addr *a);

/** Same family, address and port. */
bool net_addr_equal(const struct net_addr *a, const struct net_addr *b);

/**
 * Format an IPv4/IPv6 socket address as "1.2.3.4:80" or "[::1]:80" (the syntax
 * net_addr_parse reads; IPv4-mapped IPv6 addresses stay in IPv6 form).
 * @param cap  at least NET_ADDRSTRLEN guarantees success.
 * @return IDR_OK, IDR_EINVAL (other family) or IDR_ETOOBIG (buf is then "").
 */
int net_addr_format(const struct sockaddr *sa, char *buf, size_t cap) IDR_MUSTCHECK;

/** How net_bind sets up a socket. */
struct net_bind_opts {
	int type;       /* SOCK_DGRAM or SOCK_STREAM */
	bool reuseport; /* SO_REUSEPORT: one socket per worker on the same address */
	int backlog;    /* listen(2) backlog for streams; 0 = NET_BACKLOG */
	int rcvbuf;     /* SO_RCVBUF to try (datagrams), 0 = kernel default; failure is ignored */
};

/**
 * Create a non-blocking, close-on-exec socket bound to a (SO_REUSEADDR; SO_REUSEPORT if asked;
 * IPV6_V6ONLY for IPv6), listening if it is a stream socket.
 * @param fd  receives the socket (the caller closes it) on success.
 * @return IDR_OK, IDR_EINVAL (bad options) or a negated errno of the failing call
 *         (e.g. -EADDRINUSE, IDR_EACCES).
 */
int net_bind(const struct net_addr *a, const struct net_bind_opts *o, int *fd) IDR_MUSTCHECK;

/**
 * Check that no other socket holds a (fixed-port) address, by binding a throw-away socket
 * without SO_REUSEPORT. Needed because SO_REUSEPORT lets a second process of the same user
 * join the port silently and take a share of the traffic. Streams set SO_REUSEADDR on the
 * probe, so connections of a previous run in TIME_WAIT do not count.
 * @return IDR_OK, -EADDRINUSE, IDR_EINVAL or another negated errno.
 */
int net_probe_free(const struct net_addr *a, int type) IDR_MUSTCHECK;

/**
 * The address a socket is bound to (getsockname), e.g. to learn the port picked for port 0.
 * @return IDR_OK, IDR_EINVAL or a negated errno.
 */
int net_local_addr(int fd, struct net_addr *out) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_NET_NET_H */
