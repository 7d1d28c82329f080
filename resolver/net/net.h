/*
 * net.h - listening sockets for idrd's front ends, bound to addresses of hdl/addr.h. Sockets
 * are non-blocking and close-on-exec; IPv6 sockets are IPv6-only, so `*` and `[::]` may be
 * used side by side; port 0 asks the kernel for any free port (read it back with
 * net_local_addr). Thread-safe: no shared state.
 */
#ifndef IDR_RESOLVER_NET_NET_H
#define IDR_RESOLVER_NET_NET_H

#include <stdbool.h>

#include "base/err.h"
#include "hdl/addr.h"

#define NET_BACKLOG 1024

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
int net_bind(const struct addr *a, const struct net_bind_opts *o, int *fd) IDR_MUSTCHECK;

/**
 * Check that no other socket holds a (fixed-port) address, by binding a throw-away socket
 * without SO_REUSEPORT. Needed because SO_REUSEPORT lets a second process of the same user
 * join the port silently and take a share of the traffic. Streams set SO_REUSEADDR on the
 * probe, so connections of a previous run in TIME_WAIT do not count.
 * @return IDR_OK, -EADDRINUSE, IDR_EINVAL or another negated errno.
 */
int net_probe_free(const struct addr *a, int type) IDR_MUSTCHECK;

/**
 * The address a socket is bound to (getsockname), e.g. to learn the port picked for port 0.
 * @return IDR_OK, IDR_EINVAL or a negated errno.
 */
int net_local_addr(int fd, struct addr *out) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_NET_NET_H */
