/* accept.c - pausing every listener of a worker when accept() runs out of descriptors. */
#include "net/accept.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

struct accept_gate {
	struct event_base *base;
	struct evconnlistener *ls[ACCEPT_MAX_LISTENERS];
	size_t n;
	struct event *timer;
	unsigned pause_ms; /* the next pause */
	bool paused;
	bool closed;
	unsigned long pauses;
	unsigned long failures;   /* accept errors while paused or at a pause */
	struct timeval resumed;   /* when the last pause ended */
	struct accept_gate *next; /* in all_gates */
};

/*
 * An error callback gets the listener and its owner's argument, not the gate: the gate is
 * found by its listener in this list. Only the error path searches it.
 */
static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct accept_gate *all_gates;

static struct accept_gate *
gate_of(const struct evconnlistener *l)
{
	struct accept_gate *g;

	pthread_mutex_lock(&all_lock);
	for (g = all_gates; g != NULL; g = g->next) {
		size_t i = 0;

		while (i < g->n && g->ls[i] != l) {
			i++;
		}
		if (i < g->n) {
			break;
		}
	}
	pthread_mutex_unlock(&all_lock);
	return g;
}

static void
set_all(struct accept_gate *g, bool on)
{
	for (size_t i = 0; i < g->n; i++) {
		if (on) {
			evconnlistener_enable(g->ls[i]);
		} else {
			evconnlistener_disable(g->ls[i]);
		}
	}
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct accept_gate *g = arg;

	(void)fd;
	(void)what;
	g->paused = false;
	event_base_gettimeofday_cached(g->base, &g->resumed);
	if (!g->closed) {
		set_all(g, true);
	}
}

static void
on_error(struct evconnlistener *l, void *arg)
{
	static struct log_ratelimit rl;
	struct accept_gate *g = gate_of(l);
	int e = EVUTIL_SOCKET_ERROR();
	struct timeval tv;

	(void)arg;
	if (g == NULL) {
		return;
	}
	if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM) {
		/* a connection that went away before accept (ECONNABORTED ...): nothing to do */
		if (log_ratelimit_ok(&rl, 1, 60)) {
			log_info("accept: %s", strerror(e));
		}
		return;
	}
	g->failures++;
	if (g->paused) {
		return;
	}
	event_base_gettimeofday_cached(g->base, &tv);
	if (tv.tv_sec - g->resumed.tv_sec > ACCEPT_CALM_SECONDS) {
		g->pause_ms = ACCEPT_PAUSE_MIN_MS; /* a new streak starts short again */
	}
	if (log_ratelimit_ok(&rl, 1, 60)) {
		log_warn("accept: %s: no new connections for %u ms (raise the descriptor limit or "
		         "lower max_connections)",
		         strerror(e), g->pause_ms);
	}
	set_all(g, false);
	g->paused = true;
	g->pauses++;
	tv.tv_sec = g->pause_ms / 1000;
	tv.tv_usec = (suseconds_t)(g->pause_ms % 1000) * 1000;
	evtimer_add(g->timer, &tv);
	g->pause_ms = g->pause_ms * 2 > ACCEPT_PAUSE_MAX_MS ? ACCEPT_PAUSE_MAX_MS : g->pause_ms * 2;
}

int
accept_gate_new(struct accept_gate **out, struct event_base *base)
{
	struct accept_gate *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (g == NULL) {
		return IDR_ENOMEM;
	}
	g->base = base;
	g->pause_ms = ACCEPT_PAUSE_MIN_MS;
	g->timer = evtimer_new(base, on_resume, g);
	if (g->timer == NULL) {
		free(g);
		return IDR_ENOMEM;
	}
	pthread_mutex_lock(&all_lock);
	g->next = all_gates;
	all_gates = g;
	pthread_mutex_unlock(&all_lock);
	*out = g;
	return IDR_OK;
}

void
accept_gate_free(struct accept_gate *g)
{
	if (g == NULL) {
		return;
	}
	pthread_mutex_lock(&all_lock);
	for (struct accept_gate **pp = &all_gates; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	pthread_mutex_unlock(&all_lock);
	event_free(g->timer);
	free(g);
}

int
accept_gate_add(struct accept_gate *g, struct evconnlistener *l)
{
	if (g->n == ACCEPT_MAX_LISTENERS) {
		return IDR_ELIMIT;
	}
	pthread_mutex_lock(&all_lock);
	g->ls[g->n++] = l;
	pthread_mutex_unlock(&all_lock);
	evconnlistener_set_error_cb(l, on_error);
	return IDR_OK;
}

void
accept_gate_remove(struct accept_gate *g, struct evconnlistener *l)
{
	pthread_mutex_lock(&all_lock);
	for (size_t i = 0; i < g->n; i++) {
		if (g->ls[i] == l) {
			g->ls[i] = g->ls[--g->n];
			break;
		}
	}
	pthread_mutex_unlock(&all_lock);
}

void
accept_gate_close(struct accept_gate *g)
{
	if (g == NULL) {
		return;
	}
	g->closed = true;
	evtimer_del(g->timer);
}

bool
accept_gate_paused(const struct accept_gate *g)
{
	return g->paused;
}

unsigned long
accept_gate_pauses(const struct accept_gate *g)
{
	return g->pauses;
}
