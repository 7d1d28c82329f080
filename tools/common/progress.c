/* progress.c - terminal progress bar for long imports. */
#include "common/progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_CELLS 24

double
progress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
progress_init(struct progress *p, int fd, bool enabled, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->enabled = enabled && isatty(fd) == 1;
	p->total = total;
	p->start = progress_now();
	p->last = 0;
}

static void
eta_format(char *out, size_t cap, double secs)
{
	uint64_t s = secs > 0 ? (uint64_t)(secs + 0.5) : 0;

	if (s >= 3600) {
		snprintf(out, cap, "%" PRIu64 ":%02u:%02u", s / 3600, (unsigned)(s / 60 % 60),
		         (unsigned)(s % 60));
	} else {
		snprintf(out, cap, "%u:%02u", (unsigned)(s / 60), (unsigned)(s % 60));
	}
}

int
progress_format(char *out, size_t cap, uint64_t bytes, uint64_t total, uint64_t rows,
                double elapsed)
{
	char bar[BAR_CELLS + 1], eta[32];
	double rate = elapsed > 0 ? (double)rows / elapsed : 0, frac;
	size_t i, full;

	if (total == 0) {
		return snprintf(out, cap, "%" PRIu64 " rows  %.0f rows/s", rows, rate);
	}
	frac = bytes >= total ? 1.0 : (double)bytes / (double)total;
	full = (size_t)(frac * BAR_CELLS);
	for (i = 0; i < BAR_CELLS; i++) {
		bar[i] = i < full ? '#' : '.';
	}
	bar[BAR_CELLS] = '\0';
	if (frac > 0 && elapsed > 0) {
		eta_format(eta, sizeof(eta), elapsed / frac - elapsed);
	} else {
		snprintf(eta, sizeof(eta), "-:--");
	}
	return snprintf(out, cap, "[%s] %3u%%  %" PRIu64 " rows  %.0f rows/s  ETA %s", bar,
	                (unsigned)(frac * 100), rows, rate, eta);
}

static void
draw(struct progress *p, double now)
{
	char line[PROGRESS_WIDTH + 8];
	int n;

	line[0] = '\r';
	n = progress_format(line + 1, PROGRESS_WIDTH, p->bytes, p->total, p->rows, now - p->start);
	if (n < 0) {
		return;
	}
	n = n >= PROGRESS_WIDTH ? PROGRESS_WIDTH - 1 : n;
	/* erase the rest of a longer previous line */
	memcpy(line + 1 + n, "\033[K", 3);
	if (write(p->fd, line, (size_t)n + 4) < 0) {
		p->enabled = false; /* the terminal went away: stop drawing */
	}
	p->drawn = true;
	p->last = now;
}

void
progress_update(struct progress *p, uint64_t bytes, uint64_t rows)
{
	double now;

	p->bytes = bytes;
	p->rows = rows;
	if (!p->enabled) {
		return;
	}
	now = progress_now();
	if (now - p->last >= 1.0 / PROGRESS_HZ) {
		draw(p, now);
	}
}

void
progress_clear(struct progress *p)
{
	static const char erase[] = "\r\033[K";

	if (!p->enabled || !p->drawn) {
		return;
	}
	if (write(p->fd, erase, sizeof(erase) - 1) < 0) {
		p->enabled = false;
	}
	p->drawn = false; /* the next update redraws when the rate limit allows */
}

void
progress_finish(struct progress *p)
{
	if (!p->enabled) {
		return;
	}
	if (p->total > 0) {
		p->bytes = p->total;
	}
	draw(p, progress_now());
	if (write(p->fd, "\n", 1) < 0) {
		p->enabled = false;
	}
	p->drawn = false;
}
