/*
 * connlim.h - connection caps shared by the stream front ends (Handle TCP, HTTP, HTTPS):
 * connections in total and per client address (IPv4 address, or IPv6 /64). Thread-safe (one
 * mutex; acquire/release are O(1) on a small open-addressing table). The caps can change on
 * reload; connections already open are not closed by a lower cap.
 */
#ifndef IDR_RESOLVER_NET_CONNLIM_H
#define IDR_RESOLVER_NET_CONNLIM_H

#include <stdbool.h>
#include <sys/socket.h>

#include "base/err.h"

struct connlim;

int connlim_new(struct connlim **out, unsigned max_total, unsigned max_per_addr) IDR_MUSTCHECK;
void connlim_free(struct connlim *c);

/** Change the caps (reload). */
void connlim_set(struct connlim *c, unsigned max_total, unsigned max_per_addr);

/**
 * Count a new connection from sa.
 * @return true if it may proceed (then connlim_release exactly once when it closes), false
 *         if a cap is reached (nothing counted).
 */
bool connlim_acquire(struct connlim *c, const struct sockaddr *sa);
void connlim_release(struct connlim *c, const struct sockaddr *sa);

/** Connections counted now. */
unsigned connlim_total(struct connlim *c);

#endif /* IDR_RESOLVER_NET_CONNLIM_H */
