/*
 * accept.h - one accept gate per worker: when accept() fails for want of descriptors or
 * memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), every listener of the worker (Handle TCP, HTTP,
 * HTTPS) stops accepting for a while instead of spinning on the connection still waiting in
 * the backlog, then all resume together. The pause starts at ACCEPT_PAUSE_MIN_MS and doubles
 * while accepting keeps failing, up to ACCEPT_PAUSE_MAX_MS. One warning per pause, at most
 * one a minute. UDP is not affected.
 * Every listener of the worker is paused, not only the one that failed: they share the
 * process's descriptor table, and a listener left accepting would spin on the same error.
 *
 * Thread-safety: a gate belongs to its worker's thread.
 */
#ifndef IDR_RESOLVER_NET_ACCEPT_H
#define IDR_RESOLVER_NET_ACCEPT_H

#include <event2/event.h>
#include <event2/listener.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define ACCEPT_PAUSE_MIN_MS  50
#define ACCEPT_PAUSE_MAX_MS  1000
#define ACCEPT_MAX_LISTENERS 64
#define ACCEPT_CALM_SECONDS  10 /* without failures this long, the next pause is short again */

struct accept_gate;

/** @return IDR_OK or IDR_ENOMEM. */
int accept_gate_new(struct accept_gate **out, struct event_base *base) IDR_MUSTCHECK;

/** Free (accepts NULL); the listeners are not freed. */
void accept_gate_free(struct accept_gate *g);

/**
 * Put a listener under the gate: its error callback becomes the gate's.
 * @return IDR_OK or IDR_ELIMIT (ACCEPT_MAX_LISTENERS).
 */
int accept_gate_add(struct accept_gate *g, struct evconnlistener *l) IDR_MUSTCHECK;

/** Take a listener out (before it is freed). */
void accept_gate_remove(struct accept_gate *g, struct evconnlistener *l);

/** The listeners stop for good (shutdown): no pause ends in resuming them. */
void accept_gate_close(struct accept_gate *g);

/** True while paused (tests, metrics). */
bool accept_gate_paused(const struct accept_gate *g);

/** Pauses so far. */
unsigned long accept_gate_pauses(const struct accept_gate *g);

#endif /* IDR_RESOLVER_NET_ACCEPT_H */
