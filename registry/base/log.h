/*
 * log.h - logging to stderr (default), a file or syslog, with syslog priorities.
 *
 * Thread-safe: each message is formatted into a local buffer and written with one write(2)
 * (or one syslog(3) call). The *_errno variants append strerror(errno) captured at the call
 * site; the plain ones do not. Never log keys, secrets or tokens.
 */
#ifndef IDR_REGISTRY_BASE_LOG_H
#define IDR_REGISTRY_BASE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

#include "base/err.h"

enum log_dest { LOG_DEST_STDERR, LOG_DEST_SYSLOG, LOG_DEST_FILE };

/**
 * Configure logging. ident is copied; path is used with LOG_DEST_FILE (opened for append).
 * level is a syslog priority: messages above it are dropped (LOG_INFO by default).
 * @return IDR_OK or a negated errno if the file cannot be opened (logging stays on stderr).
 */
int log_open(const char *ident, enum log_dest dest, const char *path, int level);

/**
 * Reopen the log file at the path given to log_open (after logrotate renamed it), creating it
 * if missing; other destinations are left alone. Messages written meanwhile by other threads
 * go whole to the old or the new file (the descriptor is replaced with dup2).
 * @return IDR_OK, or a negated errno (logging then stays on the old file).
 */
int log_reopen(void);

/** Close a log file or syslog; logging falls back to stderr. */
void log_close(void);

void log_set_level(int level);
int log_get_level(void);

/** True if a message at this priority would be written (skip expensive formatting). */
bool log_enabled(int prio);

/** Parse "err", "warning", "notice", "info", "debug" into a syslog priority; -1 if unknown. */
int log_level_parse(const char *name);

void log_msg(int prio, const char *fmt, ...) IDR_PRINTF(2, 3);
void log_vmsg(int prio, bool with_errno, const char *fmt, va_list ap) IDR_PRINTF(3, 0);

void log_err(const char *fmt, ...) IDR_PRINTF(1, 2);
void log_warn(const char *fmt, ...) IDR_PRINTF(1, 2);
void log_notice(const char *fmt, ...) IDR_PRINTF(1, 2);
void log_info(const char *fmt, ...) IDR_PRINTF(1, 2);
void log_debug(const char *fmt, ...) IDR_PRINTF(1, 2);
void log_err_errno(const char *fmt, ...) IDR_PRINTF(1, 2);
void log_warn_errno(const char *fmt, ...) IDR_PRINTF(1, 2);

/**
 * Rate limiter for repeated warnings: allows at most `burst` messages per `period` seconds.
 * Callers keep one struct per call site (static, zero-initialised). Thread-safe (a mutex).
 */
struct log_ratelimit {
	long window;         /* start of the current window, seconds */
	unsigned count;      /* messages in this window */
	unsigned suppressed; /* messages dropped in the previous windows */
};

/** @return true if the caller may log now. */
bool log_ratelimit_ok(struct log_ratelimit *rl, unsigned burst, unsigned period);

#endif /* IDR_REGISTRY_BASE_LOG_H */
