/*
 * srv.c - process structure of idrd: listeners, privilege drop, workers, signals, reload.
 *
 * The main thread never serves requests. It tells a worker to stop through an eventfd the
 * worker watches (so the worker bases need no locks); the worker then stops accepting and
 * reading, waits for its TCP connections to finish (checked every SRV_DRAIN_MS, bounded by
 * SRV_GRACE_SECONDS) and leaves its loop. Everything is freed by the main thread after the
 * workers are joined.
 */
#define _GNU_SOURCE /* setresuid, setresgid, setgroups, sched_getaffinity, eventfd */
#include "daemon/srv.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "core/admin.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "core/token.h"
#include "fed/backup.h"
#include "fed/frdb.h"
#include "fed/fstat.h"
#include "fed/fup.h"
#include "fed/mirror.h"
#include "fed/rec.h"
#include "http/api_journal.h"
#include "http/hauth.h"
#include "http/route.h"
#include "http/server.h"
#include "net/accept.h"
#include "net/conn.h"
#include "net/connlim.h"
#include "net/net.h"
#include "net/tls.h"
#include "net/udp.h"
#include "reg.h"
#include "write/jfold.h"
#include "write/writer.h"

#define SRV_DRAIN_MS    50
#define SRV_MAX_WORKERS 256
#define SRV_FD_RESERVE  64 /* store, log, pid/port files, TLS files, signals */

enum lkind { L_UDP, L_TCP, L_HTTP, L_HTTPS, L_KINDS };

static const char *const kind_name[L_KINDS] = {"udp", "tcp", "http", "https"};

/* One configured address of one protocol: a socket per worker. */
struct listener {
	enum lkind kind;
	struct addr addr; /* as bound: port 0 replaced by the port the kernel chose */
	int *fds;         /* nworkers sockets, -1 when not open */
};

struct worker {
	struct srv *s;
	unsigned id;
	pthread_t thread;
	bool started;
	struct event_base *base;
	struct rsv_worker *rw;
	struct frec *frec; /* recursive resolver, NULL without toplevel */
	struct accept_gate *gate;
	struct udp_worker *udp;
	struct conn_listener **tcp;
	size_t ntcp;
	struct http_worker **http;
	size_t nhttp;
	int notify_fd;
	struct event *notify_ev;
	struct event *drain_ev;
	struct timeval deadline;
	int rc;
};

struct srv {
	struct conf boot; /* the configuration started with (static options stay as here) */
	char *conf_path;
	char *port_file;
	bool debug;
	bool pid_written;
	bool port_written;
	unsigned nworkers;
	struct listener *ls;
	size_t nls;
	struct event_base *base;
	struct event *sigs[3];
	struct reg *reg;
	struct writer *writer; /* the only writer of the store */
	struct jfold *jfold;   /* periodic journal fold, on the main loop */
	struct metrics *metrics;
	struct rsv *rsv;
	struct admin *admin; /* Handle admin operations, sessions, signed answers */
	struct tls_ctx *tls;
	struct connlim *limits;
	struct udp_budget *budget; /* per-source UDP answer budget, shared by the workers */
	struct rsv_fed fed;        /* upward link, reports received, resolution counters */
	struct worker *workers;
	int rc;
	/* role mirror: the journal follower of `primary` (fed/mirror.h) */
	struct fed_mirror *mirror;
	struct fed_mirror_opts mirror_opts;
	char mirror_secret[1024];
};

/* ---------------------------------------------------------------- configuration checks */

static const struct cfg_list *
kind_list(const struct conf *c, enum lkind k)
{
	switch (k) {
	case L_UDP:
		return &c->udp_listen;
	case L_TCP:
		return &c->tcp_listen;
	case L_HTTP:
		return &c->http_listen;
	case L_HTTPS:
	case L_KINDS:
		break;
	}
	return &c->https_listen;
}

/* The entry listed before (kind k, entry i) that address a would clash with: its kind and line. */
static bool
clashes(const struct conf *c, enum lkind k, size_t i, const struct addr *a, enum lkind *with,
        unsigned *line)
{
	for (enum lkind k2 = L_UDP; k2 <= k; k2++) {
		const struct cfg_list *l = kind_list(c, k2);
		size_t end = k2 == k ? i : l->n;

		if ((k == L_UDP) != (k2 == L_UDP)) {
			continue; /* UDP and TCP ports are separate spaces */
		}
		for (size_t j = 0; j < end; j++) {
			struct addr b;

			if (addr_parse(l->v[j], &b, NULL) == IDR_OK && addr_equal(a, &b) &&
			    (k == k2 || addr_port(a) != 0)) {
				*with = k2;
				*line = l->line[j];
				return true;
			}
		}
	}
	return false;
}

/* Check entry i of kind k; on a problem, write the message and the line to report it at. */
static bool
listener_ok(const struct conf *c, enum lkind k, size_t i, char *msg, size_t cap, unsigned *line)
{
	const struct cfg_list *l = kind_list(c, k);
	const char *why = NULL;
	struct addr a;
	enum lkind with;
	unsigned wline = 0;
	int n;

	*line = l->line[i];
	if (addr_parse(l->v[i], &a, &why) != IDR_OK) {
		n = snprintf(msg, cap, "%s_listen \"%s\": %s", kind_name[k], l->v[i], why);
	} else if (clashes(c, k, i, &a, &with, &wline)) {
		/* a default clashing with the file is reported where the file lists it */
		*line = *line != 0 ? *line : wline;
		n = wline > 0 ? snprintf(msg, cap,
		                         "%s_listen \"%s\": address already listed (%s_listen, "
		                         "line %u)",
		                         kind_name[k], l->v[i], kind_name[with], wline)
		              : snprintf(msg, cap,
		                         "%s_listen \"%s\": address already listed (%s_listen, "
		                         "default)",
		                         kind_name[k], l->v[i], kind_name[with]);
	} else {
		return true;
	}
	if (n < 0) {
		msg[0] = '\0';
	}
	return false;
}

int
srv_conf_check(const struct conf *c, const char *path, cfg_err_fn err, void *arg)
{
	const char *file = path != NULL ? path : "(defaults)";
	char msg[CFG_LINE_MAX];
	unsigned line;
	int rc = IDR_OK;

	for (enum lkind k = L_UDP; k < L_KINDS; k++) {
		for (size_t i = 0; i < kind_list(c, k)->n; i++) {
			if (!listener_ok(c, k, i, msg, sizeof(msg), &line)) {
				err(arg, file, line, msg);
				rc = IDR_ECONFIG;
			}
		}
	}
	return rc;
}

/* The problem with data_dir as the daemon words it at start-up (and `idrd -n` too). */
static void
registry_problem(const struct conf *c, int rc, char *msg, size_t cap)
{
	int n;

	if (rc == IDR_EACCES && c->user != NULL && getuid() != 0) {
		n = snprintf(msg, cap, "data_dir %s: %s (user %s needs to read and write it)",
		             c->data_dir, idr_strerror(rc), c->user);
	} else {
		n = snprintf(msg, cap, "data_dir %s: %s", c->data_dir, idr_strerror(rc));
	}
	if (n < 0) {
		msg[0] = '\0';
	}
}

/* May uid (with only its primary group gid, as after drop_privileges) add files to dir st? */
static bool
dir_writable_by(const struct stat *st, uid_t uid, gid_t gid)
{
	mode_t need = st->st_uid == uid   ? S_IWUSR | S_IXUSR
	              : st->st_gid == gid ? S_IWGRP | S_IXGRP
	                                  : S_IWOTH | S_IXOTH;

	return uid == 0 || (st->st_mode & need) == need;
}

/*
 * The pid file is written and removed after the privilege drop: its directory must exist and
 * be writable by the user idrd will run as (`user` when started as root, else the caller).
 */
static bool
pid_dir_ok(const struct conf *c, char *msg, size_t cap)
{
	const char *slash = strrchr(c->pid_file, '/');
	const struct passwd *pw = NULL;
	char dir[4096] = ".";
	struct stat st;
	bool ok;
	int e;

	if (slash == c->pid_file) {
		snprintf(dir, sizeof(dir), "/");
	} else if (slash != NULL) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - c->pid_file), c->pid_file);
	}
	e = stat(dir, &st) != 0 ? errno : (S_ISDIR(st.st_mode) ? 0 : ENOTDIR);
	if (e != 0) {
		snprintf(msg, cap, "pid_file %s: %s: %s", c->pid_file, dir, strerror(e));
		return false;
	}
	if (geteuid() == 0 && c->user != NULL) {
		pw = getpwnam(c->user);
		ok = pw == NULL || dir_writable_by(&st, pw->pw_uid, pw->pw_gid); /* NULL: told */
	} else {
		ok = access(dir, W_OK | X_OK) == 0;
	}
	if (!ok) {
		snprintf(msg, cap,
		         "pid_file %s: directory %s is not writable by %s%s (idrd writes and "
		         "removes the pid file after dropping privileges)",
		         c->pid_file, dir, pw != NULL ? "user " : "idrd",
		         pw != NULL ? pw->pw_name : "");
	}
	return ok;
}

/*
 * What the file names on this host: data_dir holds an initialised registry (opened read-only
 * without its lock file, so that a check run as root creates nothing the service user could
 * not open later), `user` exists, and that user may write the pid file.
 */
static int
host_check(const struct conf *c, const char *file, cfg_err_fn err, void *arg)
{
	struct reg_opts o = {.data_dir = c->data_dir, .read_only = true, .no_lock = true};
	char msg[CFG_LINE_MAX];
	struct reg *r = NULL;
	int rc = IDR_OK, e;

	/* a mirror without a store makes one from a snapshot of its primary at start */
	if (c->data_dir != NULL && (e = reg_open(&r, &o)) != IDR_OK &&
	    !(conf_mirror(c) && e == IDR_ENOTINIT)) {
		registry_problem(c, e, msg, sizeof(msg));
		err(arg, file, conf_line(c, &c->data_dir), msg);
		rc = IDR_ECONFIG;
	}
	reg_close(r);
	errno = 0;
	if (c->user != NULL && getpwnam(c->user) == NULL) {
		if (snprintf(msg, sizeof(msg), "user %s: %s", c->user,
		             errno == 0 ? "no such user" : strerror(errno)) < 0) {
			msg[0] = '\0';
		}
		err(arg, file, conf_line(c, &c->user), msg);
		rc = IDR_ECONFIG;
	}
	if (c->pid_file != NULL && !pid_dir_ok(c, msg, sizeof(msg))) {
		err(arg, file, conf_line(c, &c->pid_file), msg);
		rc = IDR_ECONFIG;
	}
	return rc;
}

int
srv_conf_load(struct conf *c, const char *path, cfg_err_fn err, void *arg)
{
	int rc = conf_load(c, path, err, arg);

	if (rc != IDR_OK && rc != IDR_ECONFIG) {
		return rc; /* the file could not be read: nothing more to check */
	}
	if (srv_conf_check(c, path, err, arg) != IDR_OK) {
		rc = IDR_ECONFIG;
	}
	if (host_check(c, path, err, arg) != IDR_OK) {
		rc = IDR_ECONFIG;
	}
	if (rc != IDR_OK) {
		conf_free(c);
	}
	return rc;
}

/* ---------------------------------------------------------------- listeners */

static int
bind_listener(struct srv *s, struct listener *l)
{
	struct net_bind_opts o = {
	        .type = l->kind == L_UDP ? SOCK_DGRAM : SOCK_STREAM,
	        .reuseport = true,
	        .backlog = 0,
	        .rcvbuf = l->kind == L_UDP ? 4 << 20 : 0,
	};
	char text[ADDR_STRLEN];
	int rc = IDR_OK;

	/* a fixed port held by another process would be shared silently (SO_REUSEPORT) */
	if (addr_port(&l->addr) != 0) {
		rc = net_probe_free(&l->addr, o.type);
	}
	for (unsigned w = 0; rc == IDR_OK && w < s->nworkers; w++) {
		rc = net_bind(&l->addr, &o, &l->fds[w]);
		if (rc == IDR_OK && w == 0 && addr_port(&l->addr) == 0) {
			struct addr bound;

			rc = net_local_addr(l->fds[0], &bound);
			if (rc == IDR_OK) {
				addr_set_port(&l->addr, addr_port(&bound));
			}
		}
	}
	if (rc != IDR_OK) {
		if (addr_format((const struct sockaddr *)&l->addr.ss, text, sizeof(text)) !=
		    IDR_OK) {
			text[0] = '\0';
		}
		log_err("%s %s: cannot listen: %s", kind_name[l->kind], text, idr_strerror(rc));
		return rc;
	}
	return IDR_OK;
}

static int
bind_all(struct srv *s)
{
	size_t total = 0;

	for (enum lkind k = L_UDP; k < L_KINDS; k++) {
		total += kind_list(&s->boot, k)->n;
	}
	s->ls = calloc(total, sizeof(*s->ls));
	if (total > 0 && s->ls == NULL) {
		return IDR_ENOMEM;
	}
	for (enum lkind k = L_UDP; k < L_KINDS; k++) {
		const struct cfg_list *l = kind_list(&s->boot, k);

		for (size_t i = 0; i < l->n; i++) {
			struct listener *li = &s->ls[s->nls];
			int rc;

			li->kind = k;
			li->fds = malloc(s->nworkers * sizeof(int));
			if (li->fds == NULL) {
				return IDR_ENOMEM;
			}
			memset(li->fds, 0xff, s->nworkers * sizeof(int)); /* all -1 */
			s->nls++;
			if (addr_parse(l->v[i], &li->addr, NULL) != IDR_OK) {
				return IDR_ECONFIG; /* srv_conf_check ran before */
			}
			rc = bind_listener(s, li);
			if (rc != IDR_OK) {
				return rc;
			}
		}
	}
	return IDR_OK;
}

static void
close_listeners(struct srv *s)
{
	for (size_t i = 0; i < s->nls; i++) {
		for (unsigned w = 0; w < s->nworkers && s->ls[i].fds != NULL; w++) {
			if (s->ls[i].fds[w] >= 0) {
				close(s->ls[i].fds[w]);
			}
		}
		free(s->ls[i].fds);
	}
	free(s->ls);
	s->ls = NULL;
	s->nls = 0;
}

static struct rsv_ports
bound_ports(const struct srv *s)
{
	struct rsv_ports p = {0, 0, 0, 0};
	uint16_t *slot[L_KINDS] = {&p.udp, &p.tcp, &p.http, &p.https};

	for (size_t i = s->nls; i-- > 0;) {
		*slot[s->ls[i].kind] = addr_port(&s->ls[i].addr); /* the first one wins */
	}
	return p;
}

/* ---------------------------------------------------------------- files */

/* Write text to path through a temporary file and rename, so readers never see half of it. */
static int
write_atomic(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	int fd;
	ssize_t n;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		return IDR_ETOOBIG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		return -errno;
	}
	n = write(fd, text, len);
	if (n != (ssize_t)len || close(fd) != 0) {
		int e = n < 0 ? -errno : IDR_EIO;

		unlink(tmp);
		return e;
	}
	if (rename(tmp, path) != 0) {
		int e = -errno;

		unlink(tmp);
		return e;
	}
	return IDR_OK;
}

static int
write_port_file(struct srv *s)
{
	struct wbuf w;
	char addr[ADDR_STRLEN];
	int rc;

	wbuf_init_heap(&w, 1 << 20);
	for (size_t i = 0; i < s->nls; i++) {
		if (addr_format((const struct sockaddr *)&s->ls[i].addr.ss, addr, sizeof(addr)) ==
		    IDR_OK) {
			wbuf_printf(&w, "%s %s\n", kind_name[s->ls[i].kind], addr);
		}
	}
	rc = wbuf_error(&w);
	if (rc == IDR_OK) {
		rc = write_atomic(s->port_file, (const char *)wbuf_data(&w), wbuf_len(&w));
	}
	wbuf_deinit(&w);
	if (rc != IDR_OK) {
		log_err("port file %s: %s", s->port_file, idr_strerror(rc));
		return rc;
	}
	s->port_written = true;
	return IDR_OK;
}

static int
write_pid_file(struct srv *s)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	int rc = write_atomic(s->boot.pid_file, text, (size_t)n);

	if (rc != IDR_OK) {
		log_err("pid file %s: %s (idrd writes it after dropping privileges: its directory "
		        "must be writable by the user idrd runs as)",
		        s->boot.pid_file, idr_strerror(rc));
		return rc;
	}
	s->pid_written = true;
	return IDR_OK;
}

/* ---------------------------------------------------------------- privileges */

static int
drop_privileges(const struct conf *c)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		if (c->user != NULL) {
			log_notice("not started as root: user %s not switched to", c->user);
		}
		return IDR_OK;
	}
	if (c->user == NULL) {
		log_warn("running as root: set `user` in the configuration to drop privileges");
		return IDR_OK;
	}
	errno = 0;
	pw = getpwnam(c->user);
	if (pw == NULL) {
		log_err("user %s: no such user; refusing to run as root", c->user);
		return IDR_ECONFIG;
	}
	if (setgroups(1, &pw->pw_gid) != 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
		log_err_errno("cannot switch to user %s", c->user);
		return IDR_EACCES;
	}
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_err("user %s: root privileges could be regained", c->user);
		return IDR_EACCES;
	}
	log_info("running as user %s (uid %lu)", c->user, (unsigned long)pw->pw_uid);
	return IDR_OK;
}

/* ---------------------------------------------------------------- workers */

static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval now;
	size_t open = 0;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < w->ntcp; i++) {
		open += conn_listener_open(w->tcp[i]);
	}
	for (size_t i = 0; i < w->nhttp; i++) {
		open += http_worker_open(w->http[i]);
	}
	event_base_gettimeofday_cached(w->base, &now);
	if (open == 0 || now.tv_sec > w->deadline.tv_sec ||
	    (now.tv_sec == w->deadline.tv_sec && now.tv_usec >= w->deadline.tv_usec)) {
		event_base_loopbreak(w->base);
	}
}

static void
on_notify(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval grace = {SRV_GRACE_SECONDS, 0};
	struct timeval tick = {0, (suseconds_t)SRV_DRAIN_MS * 1000};
	struct timeval now;
	uint64_t v;

	(void)what;
	if (read(fd, &v, sizeof(v)) < 0) {
		return; /* spurious wake-up */
	}
	event_del(w->notify_ev);
	accept_gate_close(w->gate);
	udp_worker_stop(w->udp);
	for (size_t i = 0; i < w->nhttp; i++) {
		http_worker_stop_accepting(w->http[i]);
	}
	for (size_t i = 0; i < w->ntcp; i++) {
		conn_listener_stop(w->tcp[i]);
	}
	event_base_gettimeofday_cached(w->base, &now);
	timeradd(&now, &grace, &w->deadline);
	w->drain_ev = event_new(w->base, -1, EV_PERSIST, on_drain, w);
	if (w->drain_ev == NULL || event_add(w->drain_ev, &tick) != 0) {
		event_base_loopbreak(w->base);
		return;
	}
	on_drain(-1, 0, w);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	if (event_base_dispatch(w->base) < 0) {
		log_err("worker %u: event loop failed", w->id);
		w->rc = IDR_EIO;
	}
	return NULL;
}

static int
worker_front_ends(struct srv *s, struct worker *w)
{
	int rc = udp_worker_new(&w->udp, w->base, w->rw, s->budget, (unsigned)s->boot.udp_batch);

	for (size_t i = 0; rc == IDR_OK && i < s->nls; i++) {
		const struct listener *l = &s->ls[i];
		int fd = l->fds[w->id];

		switch (l->kind) {
		case L_UDP:
			rc = udp_worker_add(w->udp, fd);
			break;
		case L_TCP:
			rc = conn_listener_new(&w->tcp[w->ntcp], w->base, w->rw, fd, s->limits,
			                       s->metrics, w->gate);
			w->ntcp += rc == IDR_OK;
			break;
		case L_HTTP:
		case L_HTTPS:
			rc = http_worker_new(&w->http[w->nhttp], w->base, w->rw, fd,
			                     l->kind == L_HTTPS ? s->tls : NULL, s->limits,
			                     w->gate);
			w->nhttp += rc == IDR_OK;
			break;
		case L_KINDS:
			break;
		}
	}
	return rc;
}

/* The worker's recursive resolver (fed/rec.h), when a top level or a sharded site is
 * configured. */
static int
worker_recursion(struct srv *s, struct worker *w)
{
	struct frec_opts o;
	int rc = frec_opts_from_conf(&o, &s->boot);

	if (rc == IDR_ENOENT) {
		return IDR_OK;
	}
	if (rc == IDR_OK) {
		o.ms = rsv_worker_metrics(w->rw);
		rc = frec_new(&w->frec, w->base, &o);
	}
	if (rc == IDR_OK) {
		/* the Handle path recurses (REC) only through a top level; without one the
		 * resolver serves the HTTP API's handles of the other servers of the site */
		rsv_worker_set_recursion(w->rw, w->frec, o.ntop > 0 ? frec_handle_req : NULL);
	}
	return rc;
}

static int
worker_init(struct srv *s, struct worker *w, unsigned id)
{
	struct event_config *cfg = event_config_new();
	int rc;

	w->s = s;
	w->id = id;
	w->notify_fd = -1;
	if (cfg == NULL) {
		return IDR_ENOMEM;
	}
	/* only this worker's thread touches its base (stop requests come through an eventfd) */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	/* batch epoll_ctl changes per loop iteration: Handle TCP's bufferevents toggle read/write
	 * interest around requests, and a change undone in the same iteration costs nothing. The
	 * one caveat, dup()ed descriptors in the same base, does not apply here. */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	w->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	w->tcp = calloc(s->nls + 1, sizeof(struct conn_listener *));
	w->http = calloc(s->nls + 1, sizeof(struct http_worker *));
	w->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->base == NULL || w->tcp == NULL || w->http == NULL || w->notify_fd < 0) {
		return IDR_ENOMEM;
	}
	w->notify_ev = event_new(w->base, w->notify_fd, EV_READ | EV_PERSIST, on_notify, w);
	if (w->notify_ev == NULL || event_add(w->notify_ev, NULL) != 0) {
		return IDR_ENOMEM;
	}
	rc = rsv_worker_new(s->rsv, id, w->base, &w->rw);
	if (rc == IDR_OK) {
		rc = worker_recursion(s, w);
	}
	if (rc == IDR_OK) {
		rc = accept_gate_new(&w->gate, w->base);
	}
	if (rc == IDR_OK) {
		rc = worker_front_ends(s, w);
	}
	if (rc != IDR_OK) {
		log_err("worker %u: %s", id, idr_strerror(rc));
	}
	return rc;
}

static void
worker_deinit(struct worker *w)
{
	for (size_t i = w->nhttp; i-- > 0;) {
		http_worker_free(w->http[i]);
	}
	for (size_t i = w->ntcp; i-- > 0;) {
		conn_listener_free(w->tcp[i]);
	}
	udp_worker_free(w->udp);
	accept_gate_free(w->gate);
	if (w->rw != NULL) {
		rsv_worker_set_recursion(w->rw, NULL, NULL);
	}
	frec_free(w->frec); /* after the connections: their pending lookups are cancelled */
	rsv_worker_free(w->rw);
	if (w->drain_ev != NULL) {
		event_free(w->drain_ev);
	}
	if (w->notify_ev != NULL) {
		event_free(w->notify_ev);
	}
	if (w->notify_fd >= 0) {
		close(w->notify_fd);
	}
	if (w->base != NULL) {
		event_base_free(w->base);
	}
	free(w->tcp);
	free(w->http);
}

static void
workers_stop(struct srv *s)
{
	uint64_t one = 1;

	for (unsigned i = 0; s->workers != NULL && i < s->nworkers; i++) {
		if (s->workers[i].started &&
		    write(s->workers[i].notify_fd, &one, sizeof(one)) < 0) {
			log_warn_errno("worker %u: cannot signal stop", i);
		}
	}
	for (unsigned i = 0; s->workers != NULL && i < s->nworkers; i++) {
		if (s->workers[i].started) {
			pthread_join(s->workers[i].thread, NULL);
			s->workers[i].started = false;
			if (s->workers[i].rc != IDR_OK) {
				s->rc = s->workers[i].rc;
			}
		}
	}
}

static int
workers_start(struct srv *s)
{
	sigset_t block;
	sigset_t old;
	int rc = IDR_OK;

	/* workers inherit a mask with the signals the main thread handles blocked */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (unsigned i = 0; i < s->nworkers; i++) {
		int e = pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]);

		if (e != 0) {
			log_err("worker %u: cannot start thread: %s", i, strerror(e));
			rc = -e;
			break;
		}
		s->workers[i].started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* ---------------------------------------------------------------- reload and signals */

static void
reload_err(void *arg, const char *file, unsigned line, const char *msg)
{
	(void)arg;
	if (line > 0) {
		log_warn("reload: %s:%u: %s", file, line, msg);
	} else {
		log_warn("reload: %s: %s", file, msg);
	}
}

static int
level_of(const struct srv *s, const struct conf *c)
{
	int level = log_level_parse(c->log_level);

	return s->debug ? LOG_DEBUG : (level >= 0 ? level : LOG_INFO);
}

static void
reload(struct srv *s)
{
	const struct cfg_opt *table;
	struct conf nc;
	char changed[1024];
	size_t n;
	int rc;

	/* first, and whatever the file holds: logrotate has renamed the log file */
	rc = log_reopen();
	if (rc != IDR_OK) {
		log_warn("reload: log file not reopened: %s; still writing to the old one",
		         idr_strerror(rc));
	}
	log_notice("reload: reading %s", s->conf_path);
	rc = srv_conf_load(&nc, s->conf_path, reload_err, NULL);
	if (rc != IDR_OK) {
		log_warn("reload: %s: %s; keeping the running configuration", s->conf_path,
		         idr_strerror(rc));
		return;
	}
	table = conf_table(&n);
	cfg_diff_static(table, n, &s->boot, &nc, changed, sizeof(changed));
	if (changed[0] != '\0') {
		log_warn("reload: changes to %s need a restart and were ignored", changed);
	}
	rc = rsv_reload(s->rsv, &nc);
	if (rc != IDR_OK) {
		log_warn("reload: %s; keeping the running configuration", idr_strerror(rc));
		conf_free(&nc);
		return;
	}
	connlim_set(s->limits, (unsigned)nc.max_connections, (unsigned)nc.max_connections_per_ip);
	log_set_level(level_of(s, &nc));
	/* the certificate and key are read again (renewed files, or other paths); a pair that
	 * does not load keeps the old one */
	if (s->tls != NULL && tls_ctx_reload(s->tls, nc.tls_cert, nc.tls_key) != IDR_OK) {
		log_warn("reload: HTTPS keeps its current certificate");
	}
	conf_free(&nc); /* rsv_reload keeps its own copy */
	if (s->fed.up != NULL && fup_set_site(s->fed.up, rsv_site(s->rsv)) != IDR_OK) {
		log_warn("reload: upward registration not restarted (out of memory)");
	}
	log_notice("reload: configuration applied");
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct srv *s = arg;

	(void)what;
	if (sig == SIGHUP) {
		reload(s);
		return;
	}
	log_notice("%s received: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(s->base);
}

static int
signals_init(struct srv *s)
{
	static const int sigs[3] = {SIGTERM, SIGINT, SIGHUP};

	signal(SIGPIPE, SIG_IGN);
	s->base = event_base_new();
	if (s->base == NULL) {
		return IDR_ENOMEM;
	}
	for (size_t i = 0; i < 3; i++) {
		s->sigs[i] = evsignal_new(s->base, sigs[i], on_signal, s);
		if (s->sigs[i] == NULL || event_add(s->sigs[i], NULL) != 0) {
			return IDR_ENOMEM;
		}
	}
	return IDR_OK;
}

/* ---------------------------------------------------------------- life cycle */

static unsigned
worker_count(const struct conf *c)
{
	cpu_set_t set;
	long n;

	if (c->workers > 0) {
		return (unsigned)c->workers;
	}
	/* the CPUs this process may run on (taskset, cgroups), else the online ones */
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
		n = CPU_COUNT(&set);
	} else {
		n = sysconf(_SC_NPROCESSORS_ONLN);
	}
	return n < 1 ? 1 : (n > SRV_MAX_WORKERS ? SRV_MAX_WORKERS : (unsigned)n);
}

/* libevent's own messages, through our logger; its warnings are rate-limited (a failing call
 * in a loop must not write a million lines). */
static void
on_libevent_log(int severity, const char *msg)
{
	static struct log_ratelimit rl;

	if (severity == EVENT_LOG_DEBUG) {
		log_debug("libevent: %s", msg);
	} else if (log_ratelimit_ok(&rl, 5, 60)) {
		if (severity == EVENT_LOG_ERR) {
			log_err("libevent: %s", msg);
		} else {
			log_warn("libevent: %s", msg);
		}
	}
}

/*
 * Descriptors: raise the soft limit to the hard one, then say so if the connections allowed
 * and the sockets the workers listen on (plus a reserve for the store, logs, event fds and
 * TLS files) could still exceed it. Out of descriptors the workers pause accepting
 * (net/accept.h) rather than fail, but an operator should know in advance.
 */
static void
fd_budget(const struct srv *s)
{
	struct rlimit rl;
	size_t sockets = 0, need;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t old = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			rl.rlim_cur = old;
		}
	}
	for (enum lkind k = L_UDP; k < L_KINDS; k++) {
		sockets += kind_list(&s->boot, k)->n * s->nworkers;
	}
	need = (size_t)s->boot.max_connections + sockets + SRV_FD_RESERVE + 3 * s->nworkers;
	if (rl.rlim_cur != RLIM_INFINITY && need > rl.rlim_cur) {
		log_warn("max_connections %llu and %zu listening sockets need about %zu file "
		         "descriptors; the limit is %llu: raise it (LimitNOFILE=, ulimit -n) or "
		         "lower max_connections",
		         (unsigned long long)s->boot.max_connections, sockets, need,
		         (unsigned long long)rl.rlim_cur);
	}
}

/* Everything that needs the privileges the daemon was started with. */
static int
privileged_setup(struct srv *s)
{
	int rc;

	event_set_log_callback(on_libevent_log);
	fd_budget(s);
	rc = bind_all(s);

	if (rc == IDR_OK && s->boot.https_listen.n > 0) {
		rc = tls_ctx_new(&s->tls, s->boot.tls_cert, s->boot.tls_key);
	}
	if (rc == IDR_OK) {
		rc = drop_privileges(&s->boot);
	}
	return rc;
}

static int
open_registry(struct srv *s)
{
	struct reg_opts o = {
	        .data_dir = s->boot.data_dir,
	        .read_only = false, /* the writer thread writes; `idr` may write too (LMDB lock) */
	        .random = true,     /* point lookups: no read-ahead into the working set */
	        .map_size = s->boot.map_size,
	        .max_readers = (unsigned)s->boot.max_readers,
	        .max_id_chars = (size_t)s->boot.max_id_chars,
	};
	char msg[CFG_LINE_MAX];
	int rc = reg_open(&s->reg, &o);

	if (rc != IDR_OK) {
		registry_problem(&s->boot, rc, msg, sizeof(msg));
		log_err("%s", msg);
	}
	return rc;
}

/* The secret of the national API's tokens, kept in the data directory (core/token.h). */
static int
token_setup(struct srv *s)
{
	struct token_key k;
	int rc = token_key_load(s->boot.data_dir, &k);

	if (rc != IDR_OK) {
		log_err("data_dir %s: cannot read or make %s: %s", s->boot.data_dir, TOKEN_FILE,
		        idr_strerror(rc));
		return rc;
	}
	hauth_set_token_key(&k);
	memset(&k, 0, sizeof(k));
	return IDR_OK;
}

/*
 * Federation objects (fed/): on a top level the reports received (data_dir/fed-reports); on a
 * secondary with toplevel and node_key the upward link (fed/fup.h) and the resolution
 * counters its reports need. Made before the workers, which take their counter shards.
 */
static int
fed_setup(struct srv *s)
{
	struct fup_env env = {s->reg, NULL};
	int rc = IDR_OK;

	if (conf_toplevel(&s->boot)) {
		size_t len = strlen(s->boot.data_dir) + sizeof("/" FRDB_FILE);
		char *path = malloc(len);

		if (path == NULL) {
			return IDR_ENOMEM;
		}
		snprintf(path, len, "%s/%s", s->boot.data_dir, FRDB_FILE);
		rc = frdb_open(&s->fed.reports, path);
		if (rc != IDR_OK) {
			log_err("%s: %s", path, idr_strerror(rc));
		}
		free(path);
	}
	if (rc == IDR_OK && fup_wanted(&s->boot)) {
		rc = s->boot.toplevel_http != NULL ? fstat_new(&s->fed.stats, s->nworkers) : IDR_OK;
		env.stats = s->fed.stats;
		if (rc == IDR_OK) {
			rc = fup_new(&s->fed.up, &s->boot, &env);
		}
	}
	if (rc == IDR_OK) {
		rsv_set_fed(s->rsv, &s->fed);
	}
	return rc;
}

static int
jfold_start(struct srv *s)
{
	struct jfold_opts o;

	memset(&o, 0, sizeof(o));
	o.interval_ms = s->boot.journal_fold_interval * 1000;
	o.keep.age_ms = s->boot.journal_retention_age * 1000;
	o.keep.keep_bytes = s->boot.journal_retention_bytes;
	o.follower_expire_s = s->boot.journal_follower_expire;
	return jfold_new(&s->jfold, s->base, s->reg, s->writer, &o);
}

/* role mirror: the follower's settings; a snapshot of the primary when there is no store. */
static int
mirror_setup(struct srv *s)
{
	struct fed_mirror_opts *o = &s->mirror_opts;
	int rc;

	if (!conf_mirror(&s->boot)) {
		return IDR_OK;
	}
	rc = fed_mirror_secret(&s->boot, s->mirror_secret, sizeof(s->mirror_secret));
	if (rc != IDR_OK) {
		return rc;
	}
	o->primary = s->boot.primary;
	o->identity = s->boot.primary_identity;
	o->secret = s->mirror_secret;
	o->cacert = s->boot.primary_cacert;
	o->max = s->boot.journal_batch_max;
	o->name = "mirror";
	o->dir = s->boot.data_dir; /* re-bootstraps download beside the copy */
	return fed_mirror_bootstrap(s->boot.data_dir, o);
}

static int
build(struct srv *s)
{
	struct rsv_ports ports;
	struct writer_opts wo = {0, 0};
	int rc = mirror_setup(s);

	if (rc == IDR_OK) {
		rc = open_registry(s);
	}
	if (rc == IDR_OK && conf_mirror(&s->boot)) {
		rc = fed_mirror_new(&s->mirror, s->reg, &s->mirror_opts);
	}

	if (rc == IDR_OK) {
		rc = token_setup(s);
	}
	if (rc == IDR_OK) {
		/* every pending write is bounded per worker, so the queue never needs more */
		wo.queue_max = (size_t)s->boot.max_pending * s->nworkers;
		wo.batch_max = (size_t)s->boot.write_batch_max;
		rc = writer_new(&s->writer, s->reg, &wo);
	}
	if (rc == IDR_OK) {
		size_t nlabels;
		const char *const *labels = http_route_labels(&nlabels);

		rc = metrics_new(&s->metrics, s->nworkers, labels, nlabels);
	}
	if (rc == IDR_OK) {
		rc = connlim_new(&s->limits, (unsigned)s->boot.max_connections,
		                 (unsigned)s->boot.max_connections_per_ip);
	}
	if (rc == IDR_OK && s->boot.udp_listen.n > 0) {
		rc = udp_budget_new(&s->budget, (size_t)s->boot.udp_source_table);
	}
	if (rc == IDR_OK) {
		ports = bound_ports(s);
		rc = rsv_new(&s->rsv, s->reg, &s->boot, &ports, s->metrics);
	}
	if (rc == IDR_OK) {
		/* a mirror takes no writes: they are referred to its primary */
		struct writer *wr = conf_mirror(&s->boot) ? NULL : s->writer;

		rsv_set_writer(s->rsv, wr);
		http_journal_set_writer(wr);
		rc = admin_new(&s->admin, s->rsv, wr, &s->boot);
	}
	if (rc == IDR_OK) {
		rc = fed_setup(s);
	}
	if (rc == IDR_OK) {
		s->workers = calloc(s->nworkers, sizeof(*s->workers));
		rc = s->workers != NULL ? IDR_OK : IDR_ENOMEM;
	}
	for (unsigned i = 0; rc == IDR_OK && i < s->nworkers; i++) {
		rc = worker_init(s, &s->workers[i], i);
	}
	if (rc == IDR_OK) {
		rc = signals_init(s);
	}
	if (rc == IDR_OK) {
		rc = jfold_start(s);
	}
	return rc;
}

int
srv_new(struct srv **out, struct conf *conf, const struct srv_opts *o)
{
	struct srv *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		conf_free(conf);
		memset(conf, 0, sizeof(*conf));
		return IDR_ENOMEM;
	}
	s->boot = *conf;
	memset(conf, 0, sizeof(*conf));
	s->debug = o->debug;
	s->conf_path = o->conf_path != NULL ? strdup(o->conf_path) : NULL;
	s->port_file = o->port_file != NULL ? strdup(o->port_file) : NULL;
	s->nworkers = worker_count(&s->boot);
	rc = (o->conf_path != NULL && s->conf_path == NULL) ||
	                     (o->port_file != NULL && s->port_file == NULL)
	             ? IDR_ENOMEM
	             : IDR_OK;
	if (rc == IDR_OK) {
		rc = privileged_setup(s);
	}
	/* as the service user, who can then remove it at exit */
	if (rc == IDR_OK && s->boot.pid_file != NULL) {
		rc = write_pid_file(s);
	}
	if (rc == IDR_OK) {
		rc = build(s);
	}
	if (rc != IDR_OK) {
		if (rc == IDR_ENOMEM) {
			log_err("start-up: %s", idr_strerror(rc));
		}
		srv_free(s);
		return rc;
	}
	*out = s;
	return IDR_OK;
}

static void
log_listeners(const struct srv *s)
{
	char addr[ADDR_STRLEN];

	for (size_t i = 0; i < s->nls; i++) {
		if (addr_format((const struct sockaddr *)&s->ls[i].addr.ss, addr, sizeof(addr)) ==
		    IDR_OK) {
			log_info("listening: %s %s", kind_name[s->ls[i].kind], addr);
		}
	}
}

int
srv_run(struct srv *s)
{
	int rc = writer_start(s->writer);

	if (rc == IDR_OK) {
		rc = workers_start(s);
	}
	if (rc == IDR_OK && s->mirror != NULL) {
		rc = fed_mirror_start(s->mirror);
	}
	if (rc == IDR_OK) {
		rc = fed_backup_start(&s->boot); /* role toplevel: copies of the nodes */
	}

	if (rc == IDR_OK && s->fed.up != NULL) {
		/* the site as published, with the bound ports: registered upward */
		rc = fup_set_site(s->fed.up, rsv_site(s->rsv));
		if (rc == IDR_OK) {
			rc = fup_start(s->fed.up);
		}
	}
	if (rc == IDR_OK && s->port_file != NULL) {
		rc = write_port_file(s);
	}
	if (rc == IDR_OK) {
		log_listeners(s);
		log_notice("idrd started: %u workers, data %s", s->nworkers, s->boot.data_dir);
		if (event_base_dispatch(s->base) < 0) {
			log_err("main event loop failed");
			rc = IDR_EIO;
		}
	}
	workers_stop(s);
	fed_mirror_free(s->mirror); /* its last batch commits or is rolled back */
	s->mirror = NULL;
	fed_backup_stop();
	writer_stop(s->writer); /* commits what the workers queued; answers go unread */
	fup_free(s->fed.up);    /* stops the federation thread */
	s->fed.up = NULL;
	if (rc == IDR_OK) {
		rc = s->rc;
	}
	if (rc == IDR_OK) {
		log_notice("idrd stopped");
	}
	return rc;
}

static void
remove_files(struct srv *s)
{
	/* both were written after the privilege drop, so the same user may remove them */
	if (s->port_written && unlink(s->port_file) != 0) {
		log_warn("port file %s not removed: %s", s->port_file, strerror(errno));
	}
	if (s->pid_written && unlink(s->boot.pid_file) != 0) {
		log_warn("pid file %s not removed: %s", s->boot.pid_file, strerror(errno));
	}
}

void
srv_free(struct srv *s)
{
	if (s == NULL) {
		return;
	}
	workers_stop(s);
	fed_mirror_free(s->mirror);
	fed_backup_stop();
	http_journal_set_writer(NULL);
	writer_stop(s->writer);
	for (unsigned i = s->workers != NULL ? s->nworkers : 0; i-- > 0;) {
		worker_deinit(&s->workers[i]);
	}
	free(s->workers);
	http_journal_snapshots_wait(); /* their pipes are closed: each copy ends */
	fup_free(s->fed.up);
	frdb_free(s->fed.reports);
	fstat_free(s->fed.stats);
	jfold_free(s->jfold); /* after writer_stop: its last step was answered */
	for (size_t i = 3; i-- > 0;) {
		if (s->sigs[i] != NULL) {
			event_free(s->sigs[i]);
		}
	}
	if (s->base != NULL) {
		event_base_free(s->base);
	}
	rsv_free(s->rsv);
	admin_free(s->admin);
	udp_budget_free(s->budget);
	connlim_free(s->limits);
	metrics_free(s->metrics);
	writer_free(s->writer);
	reg_close(s->reg);
	tls_ctx_free(s->tls);
	close_listeners(s);
	remove_files(s);
	conf_free(&s->boot);
	free(s->conf_path);
	free(s->port_file);
	free(s);
}
