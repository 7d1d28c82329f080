/*
 * progress.h - a one-line progress bar on a terminal (stderr): percent of bytes, rows/s and
 * ETA, redrawn at most PROGRESS_HZ times a second. Disabled (every call a no-op) when the
 * output is not a terminal, so logs and pipes get only the caller's plain summary.
 * Not thread-safe: one bar per process.
 */
#ifndef IDR_TOOLS_COMMON_PROGRESS_H
#define IDR_TOOLS_COMMON_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROGRESS_HZ    5
#define PROGRESS_WIDTH 80 /* line width drawn */

struct progress {
	bool enabled;
	bool drawn;     /* a bar is on screen (clear it before printing other lines) */
	int fd;         /* where the bar goes (2) */
	uint64_t total; /* total bytes, 0 when unknown (a pipe) */
	uint64_t bytes;
	uint64_t rows;
	double start; /* monotonic seconds */
	double last;  /* last redraw */
};

/** Monotonic clock in seconds. */
double progress_now(void);

/**
 * Start a bar on fd if fd is a terminal and enabled is true.
 * @param total  bytes expected (0: unknown, the bar then shows rows and rate only).
 */
void progress_init(struct progress *p, int fd, bool enabled, uint64_t total);

/** Record progress; redraws if 1/PROGRESS_HZ s has passed since the last draw. */
void progress_update(struct progress *p, uint64_t bytes, uint64_t rows);

/** Erase the bar (before writing a message to the same terminal); the next update redraws. */
void progress_clear(struct progress *p);

/** Draw a final 100 % state and end the line (no-op when disabled). */
void progress_finish(struct progress *p);

/**
 * Format the bar text (pure, for tests): "[#####.....]  45%  123456 rows  98765 rows/s
 * ETA 0:12" with total > 0, or "123456 rows  98765 rows/s" without.
 * @return the length written (snprintf semantics, truncated to cap - 1).
 */
int progress_format(char *out, size_t cap, uint64_t bytes, uint64_t total, uint64_t rows,
                    double elapsed);

#endif /* IDR_TOOLS_COMMON_PROGRESS_H */
