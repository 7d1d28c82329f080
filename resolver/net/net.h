/*
 * net.h - listening sockets for idrd's front ends, bound to addresses of hdl/addr.h. Sockets
 * are non-blocking and close-on-exec; IPv6 sockets are IPv6-only, so `*` and `[::]` may be
 * used side by side; port 0 asks the kernel for any free port (read it back with
 * net_local_addr). Also the client address groups that per-client limits count by (connlim,
 * the UDP answer budget). Thread-safe: no shared state.
 */
#ifndef IDR_RESOLVER_NET_NET_H
#define IDR_RESOLVER_NET_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

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

/**
 * A client address group: an IPv4 address (IPv4-mapped IPv6 addresses included) or an IPv6
 * /64, which one subscriber usually holds whole; family 0 groups every other address.
 */
struct net_group {
	uint64_t bits;  /* the IPv4 address, or the /64 network */
	uint8_t family; /* 4, 6 or 0 */
};

/** The group of a client address (AF_INET or AF_INET6; the port does not count). */
struct net_group net_group_of(const struct sockaddr *sa);

/** True if a and b are the same group. */
bool net_group_eq(struct net_group a, struct net_group b);

/** A hash of g keyed with seed: a random seed keeps clients from picking colliding addresses. */
uint64_t net_group_hash(struct net_group g, uint64_t seed);

/** The murmur3 64-bit finaliser: every input bit flips about half of the output bits. */
uint64_t net_mix64(uint64_t h);

#endif /* IDR_RESOLVER_NET_NET_H */
