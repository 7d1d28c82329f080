/*
 * mbox.h - a mailbox that runs work posted from any thread on one event loop.
 *
 * Each worker thread owns one mailbox on its event base. Other threads (the writer thread,
 * later the upstream resolver) hand it messages; the worker runs them in its loop, in the
 * order they were posted. This is how a request that went pending completes on the worker
 * that received it without any lock on the request path.
 *
 * Messages are intrusive (struct mbox_msg inside the caller's object): posting allocates
 * nothing and cannot fail. A message's fn is called exactly once: with run = true from the
 * loop, or with run = false when the mailbox is freed before it ran (release what the message
 * holds, do not touch the worker). The poster gives up the message until then.
 *
 * Wake-ups: an eventfd written only when the queue goes from empty to non-empty, so a burst of
 * completions costs one write(2) and one read(2).
 * Thread-safety: mbox_post from any thread; everything else from the owning thread.
 */
#ifndef IDR_RESOLVER_CORE_MBOX_H
#define IDR_RESOLVER_CORE_MBOX_H

#include <event2/event.h>
#include <stdbool.h>

#include "base/err.h"

struct mbox;
struct mbox_msg;

typedef void (*mbox_fn)(struct mbox_msg *m, bool run);

struct mbox_msg {
	struct mbox_msg *next; /* owned by the mailbox while posted */
	mbox_fn fn;
};

/**
 * Create a mailbox whose messages run on base (borrowed; it must outlive the mailbox).
 * @return IDR_OK, IDR_ENOMEM or the eventfd error.
 */
int mbox_new(struct mbox **out, struct event_base *base) IDR_MUSTCHECK;

/** Free the mailbox: messages not run yet get fn(m, false). Accepts NULL. */
void mbox_free(struct mbox *b);

/** Post m (m->fn set by the caller) from any thread. */
void mbox_post(struct mbox *b, struct mbox_msg *m);

/** Run the messages posted so far now, on the owning thread (tests; shutdown drains). */
void mbox_run(struct mbox *b);

#endif /* IDR_RESOLVER_CORE_MBOX_H */
