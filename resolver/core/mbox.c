/* mbox.c - cross-thread mailbox on an event loop (mbox.h). */
#define _GNU_SOURCE /* eventfd */
#include "core/mbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/log.h"

struct mbox {
	pthread_mutex_t lock;
	struct mbox_msg *head; /* posted, oldest first */
	struct mbox_msg **tail;
	int fd;
	struct event *ev;
};

/* Take every posted message (oldest first). */
static struct mbox_msg *
take_all(struct mbox *b)
{
	struct mbox_msg *list;

	pthread_mutex_lock(&b->lock);
	list = b->head;
	b->head = NULL;
	b->tail = &b->head;
	pthread_mutex_unlock(&b->lock);
	return list;
}

static void
run_list(struct mbox_msg *m, bool run)
{
	while (m != NULL) {
		struct mbox_msg *next = m->next;

		m->next = NULL;
		m->fn(m, run);
		m = next;
	}
}

void
mbox_run(struct mbox *b)
{
	run_list(take_all(b), true);
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	uint64_t v;

	(void)what;
	/* clear the counter before taking the list: a post after this wakes us again */
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
		log_warn_errno("mailbox: read");
	}
	mbox_run(arg);
}

int
mbox_new(struct mbox **out, struct event_base *base)
{
	struct mbox *b;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		return IDR_ENOMEM;
	}
	b->tail = &b->head;
	b->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->fd < 0) {
		int e = -errno;

		free(b);
		return e;
	}
	if (pthread_mutex_init(&b->lock, NULL) != 0) {
		close(b->fd);
		free(b);
		return IDR_ENOMEM;
	}
	b->ev = event_new(base, b->fd, EV_READ | EV_PERSIST, on_wake, b);
	if (b->ev == NULL || event_add(b->ev, NULL) != 0) {
		mbox_free(b);
		return IDR_ENOMEM;
	}
	*out = b;
	return IDR_OK;
}

void
mbox_free(struct mbox *b)
{
	if (b == NULL) {
		return;
	}
	if (b->ev != NULL) {
		event_free(b->ev);
	}
	run_list(take_all(b), false);
	close(b->fd);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

void
mbox_post(struct mbox *b, struct mbox_msg *m)
{
	static struct log_ratelimit rl;
	uint64_t one = 1;
	bool wake;

	m->next = NULL;
	pthread_mutex_lock(&b->lock);
	wake = b->head == NULL;
	*b->tail = m;
	b->tail = &m->next;
	pthread_mutex_unlock(&b->lock);
	/* an eventfd counter cannot overflow here; a failure would leave the message waiting for
	 * the next wake-up, so it is worth a line in the log */
	if (wake && write(b->fd, &one, sizeof(one)) < 0 && log_ratelimit_ok(&rl, 1, 60)) {
		log_warn_errno("mailbox: write");
	}
}
