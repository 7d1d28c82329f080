/* log.c - stderr/file/syslog logging. */
#include "base/log.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048
#define LOG_PATH_MAX 4096

static struct {
	enum log_dest dest;
	int fd;
	int level;
	char ident[32];
	char path[LOG_PATH_MAX]; /* LOG_DEST_FILE: reopened by log_reopen */
} logger = {LOG_DEST_STDERR, STDERR_FILENO, LOG_INFO, "idr", ""};

static int
open_file(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const prio_names[] = {"emerg",   "alert",  "crit", "err",
                                         "warning", "notice", "info", "debug"};

int
log_open(const char *ident, enum log_dest dest, const char *path, int level)
{
	int fd;

	log_close();
	snprintf(logger.ident, sizeof(logger.ident), "%s", ident != NULL ? ident : "idr");
	logger.level = level;
	switch (dest) {
	case LOG_DEST_SYSLOG:
		openlog(logger.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		logger.dest = LOG_DEST_SYSLOG;
		return IDR_OK;
	case LOG_DEST_FILE:
		if (path == NULL || strlen(path) >= sizeof(logger.path)) {
			return IDR_EINVAL;
		}
		fd = open_file(path);
		if (fd < 0) {
			return -errno;
		}
		memcpy(logger.path, path, strlen(path) + 1);
		logger.fd = fd;
		logger.dest = LOG_DEST_FILE;
		return IDR_OK;
	case LOG_DEST_STDERR:
	default:
		return IDR_OK;
	}
}

int
log_reopen(void)
{
	int fd, rc = IDR_OK;

	if (logger.dest != LOG_DEST_FILE) {
		return IDR_OK;
	}
	fd = open_file(logger.path);
	if (fd < 0) {
		return -errno;
	}
	/* replace in place: threads writing meanwhile never see a closed descriptor */
	if (dup2(fd, logger.fd) < 0 || fcntl(logger.fd, F_SETFD, FD_CLOEXEC) < 0) {
		rc = -errno;
	}
	close(fd);
	return rc;
}

void
log_close(void)
{
	if (logger.dest == LOG_DEST_SYSLOG) {
		closelog();
	} else if (logger.dest == LOG_DEST_FILE && logger.fd > STDERR_FILENO) {
		close(logger.fd);
	}
	logger.dest = LOG_DEST_STDERR;
	logger.fd = STDERR_FILENO;
}

void
log_set_level(int level)
{
	logger.level = level;
}

int
log_get_level(void)
{
	return logger.level;
}

bool
log_enabled(int prio)
{
	return prio <= logger.level;
}

int
log_level_parse(const char *name)
{
	int i;

	for (i = LOG_ERR; i <= LOG_DEBUG; i++) {
		if (strcmp(name, prio_names[i]) == 0) {
			return i;
		}
	}
	if (strcmp(name, "error") == 0) {
		return LOG_ERR;
	}
	if (strcmp(name, "warn") == 0) {
		return LOG_WARNING;
	}
	return -1;
}

void
log_vmsg(int prio, bool with_errno, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int saved = errno;
	size_t n = 0;
	int r;

	if (prio > logger.level) {
		return;
	}
	if (logger.dest != LOG_DEST_SYSLOG) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		r = snprintf(line + n, sizeof(line) - n,
		             ".%03ldZ %s[%d] %s: ", ts.tv_nsec / 1000000, logger.ident,
		             (int)getpid(), prio_names[prio & 7]);
		n += r > 0 ? (size_t)r : 0;
	}
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	n = r < 0 ? n : (n + (size_t)r >= sizeof(line) ? sizeof(line) - 1 : n + (size_t)r);
	if (with_errno) {
		r = snprintf(line + n, sizeof(line) - n, ": %s", strerror(saved));
		n = r < 0 ? n : (n + (size_t)r >= sizeof(line) ? sizeof(line) - 1 : n + (size_t)r);
	}
	if (logger.dest == LOG_DEST_SYSLOG) {
		syslog(prio, "%s", line);
		return;
	}
	if (n >= sizeof(line) - 1) {
		n = sizeof(line) - 2;
	}
	line[n++] = '\n';
	/* one write per line keeps lines whole across threads; nothing useful to do on failure */
	if (write(logger.fd, line, n) < 0) {
		errno = saved;
	}
	errno = saved;
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, false, fmt, ap);
	va_end(ap);
}

#define LOG_FN(name, prio, witherr)                                                                \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_vmsg(prio, witherr, fmt, ap);                                                  \
		va_end(ap);                                                                        \
	}

LOG_FN(log_err, LOG_ERR, false)
LOG_FN(log_warn, LOG_WARNING, false)
LOG_FN(log_notice, LOG_NOTICE, false)
LOG_FN(log_info, LOG_INFO, false)
LOG_FN(log_debug, LOG_DEBUG, false)
LOG_FN(log_err_errno, LOG_ERR, true)
LOG_FN(log_warn_errno, LOG_WARNING, true)

bool
log_ratelimit_ok(struct log_ratelimit *rl, unsigned burst, unsigned period)
{
	long now = (long)time(NULL);
	bool ok;

	pthread_mutex_lock(&rl_lock);
	if (period == 0) {
		period = 1;
	}
	if (now - rl->window >= (long)period) {
		if (rl->suppressed > 0) {
			unsigned s = rl->suppressed;

			rl->suppressed = 0;
			pthread_mutex_unlock(&rl_lock);
			log_warn("%u similar messages suppressed", s);
			pthread_mutex_lock(&rl_lock);
		}
		rl->window = now;
		rl->count = 0;
	}
	ok = rl->count < burst;
	if (ok) {
		rl->count++;
	} else {
		rl->suppressed++;
	}
	pthread_mutex_unlock(&rl_lock);
	return ok;
}
