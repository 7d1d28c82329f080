/*
 * jfold.c - the periodic journal fold of idrd (jfold.h): a timer, the bound, and a chain of
 * writer jobs of one fold step each.
 */
#include "write/jfold.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "base/log.h"
#include "core/mbox.h"
#include "reg_follow.h"

struct jfold {
	struct event_base *base;
	struct reg *reg;
	struct writer *wr;
	struct jfold_opts o;
	struct mbox *mbox;
	struct event *timer;
	struct writer_job job;
	bool busy;      /* a step is queued or running */
	uint64_t bound; /* of the current run */
	uint64_t run_folded;
	struct jrn_fold_result res; /* written on the writer thread, read after done */
	struct jfold_stats st;
};

static uint64_t
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/*
 * The fold bound: entries with seq < it may go. The retention rule, and nothing a follower (a
 * mirror, the top level's backup) has not acknowledged: min(rule, reg_follow_min + 1), in one
 * read transaction. A follower that never acknowledged anything, or whose last acknowledgement
 * is older than follower_expire_s, does not hold retention back: it starts again from a
 * snapshot (fed/mirror.h).
 * @return the bound, 0 when nothing may be folded or on error (logged).
 */
static uint64_t
fold_bound(struct jfold *jf)
{
	struct reg_rtxn *t = NULL;
	uint64_t bound = 0;
	int rc = reg_read_begin(jf->reg, &t);

	if (rc == IDR_OK) {
		rc = reg_journal_bound(t, &jf->o.keep, now_ms(), &bound);
	}
	if (rc == IDR_OK) {
		uint64_t acked;

		rc = reg_follow_min(t, now_ms() / 1000, jf->o.follower_expire_s, &acked);
		if (rc == IDR_OK && acked + 1 < bound) {
			bound = acked + 1;
		}
		rc = rc == IDR_ENOENT ? IDR_OK : rc;
	}
	reg_read_end(t);
	if (rc != IDR_OK) {
		log_warn("journal fold: the retention bound cannot be computed: %s",
		         idr_strerror(rc));
		return 0;
	}
	return bound;
}

static void
arm(struct jfold *jf, uint64_t ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

	evtimer_add(jf->timer, &tv);
}

/* writer_job.apply, on the writer thread */
static int
step_apply(void *arg, struct reg_wtxn *w)
{
	struct jfold *jf = arg;

	return reg_journal_fold(w, jf->bound, JRN_FOLD_BATCH, &jf->res);
}

static void
submit(struct jfold *jf)
{
	jf->busy = true;
	if (writer_submit(jf->wr, &jf->job) != IDR_OK) {
		jf->busy = false; /* the queue is full or the writer stops: try at the next tick */
		arm(jf, jf->o.interval_ms);
	}
}

static void
run_end(struct jfold *jf, int rc)
{
	if (rc != IDR_OK) {
		log_warn("journal fold: stopped at checkpoint %" PRIu64 ": %s", jf->st.ckpt,
		         idr_strerror(rc));
	} else if (jf->run_folded > 0) {
		log_info("journal fold: %" PRIu64 " entries folded, checkpoint seq %" PRIu64,
		         jf->run_folded, jf->st.ckpt);
	}
	arm(jf, jf->o.interval_ms);
}

/* writer_job.done, on the loop */
static void
step_done(void *arg, int rc, bool ran)
{
	struct jfold *jf = arg;

	jf->busy = false;
	if (!ran) {
		return; /* the mailbox is being freed */
	}
	if (rc == IDR_OK) {
		jf->st.steps++;
		jf->st.folded += jf->res.folded;
		jf->st.ckpt = jf->res.ckpt.seq;
		jf->run_folded += jf->res.folded;
	}
	if (rc == IDR_OK && jf->res.more && jf->res.folded > 0) {
		submit(jf); /* the next step: other writes queued meanwhile go first */
		return;
	}
	run_end(jf, rc);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct jfold *jf = arg;

	(void)fd;
	(void)what;
	if (jf->busy) {
		return;
	}
	jf->bound = fold_bound(jf);
	jf->run_folded = 0;
	if (jf->bound <= jf->st.ckpt + 1) {
		arm(jf, jf->o.interval_ms);
		return;
	}
	jf->st.runs++;
	submit(jf);
}

int
jfold_new(struct jfold **out, struct event_base *base, struct reg *reg, struct writer *wr,
          const struct jfold_opts *o)
{
	struct jfold *jf;
	int rc;

	*out = NULL;
	jf = calloc(1, sizeof(*jf));
	if (jf == NULL) {
		return IDR_ENOMEM;
	}
	jf->base = base;
	jf->reg = reg;
	jf->wr = wr;
	jf->o = *o;
	jf->o.keep.before = UINT64_MAX;
	if (o->interval_ms == 0 || (o->keep.age_ms == 0 && o->keep.keep_bytes == 0)) {
		*out = jf; /* folding is off */
		return IDR_OK;
	}
	rc = mbox_new(&jf->mbox, base);
	jf->timer = rc == IDR_OK ? evtimer_new(base, on_timer, jf) : NULL;
	if (rc == IDR_OK && jf->timer == NULL) {
		rc = IDR_ENOMEM;
	}
	if (rc != IDR_OK) {
		jfold_free(jf);
		return rc;
	}
	jf->job.apply = step_apply;
	jf->job.done = step_done;
	jf->job.arg = jf;
	jf->job.identity = NULL;
	jf->job.reply_to = jf->mbox;
	arm(jf, o->interval_ms);
	*out = jf;
	return IDR_OK;
}

void
jfold_stats(const struct jfold *jf, struct jfold_stats *out)
{
	*out = jf->st;
}

void
jfold_free(struct jfold *jf)
{
	if (jf == NULL) {
		return;
	}
	if (jf->timer != NULL) {
		event_free(jf->timer);
	}
	mbox_free(jf->mbox);
	free(jf);
}
