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
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "http/http.h"
#include "net/conn.h"
#include "net/connlim.h"
#include "net/net.h"
#include "net/tls.h"
#include "net/udp.h"
#include "reg.h"

#define SRV_DRAIN_MS    50
#define SRV_MAX_WORKERS 256

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
	struct metrics *metrics;
	struct rsv *rsv;
	struct tls_ctx *tls;
	struct connlim *limits;
	struct udp_budget *budget; /* per-source UDP answer budget, shared by the workers */
	struct worker *workers;
	int rc;
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

/* Is address a (kind k, entry i) also listed earlier in a kind that would clash with it? */
static bool
clashes(const struct conf *c, enum lkind k, size_t i, const struct addr *a)
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
				return true;
			}
		}
	}
	return false;
}

int
srv_conf_check(const struct conf *c, const char *path, cfg_err_fn err, void *arg)
{
	const char *file = path != NULL ? path : "(defaults)";
	char msg[CFG_LINE_MAX];
	int rc = IDR_OK;

	for (enum lkind k = L_UDP; k < L_KINDS; k++) {
		const struct cfg_list *l = kind_list(c, k);

		for (size_t i = 0; i < l->n; i++) {
			struct addr a;
			const char *why = NULL;

			if (addr_parse(l->v[i], &a, &why) == IDR_OK && !clashes(c, k, i, &a)) {
				continue;
			}
			if (snprintf(msg, sizeof(msg), "%s_listen \"%s\": %s", kind_name[k],
			             l->v[i], why != NULL ? why : "address already listed") < 0) {
				msg[0] = '\0';
			}
			err(arg, file, 0, msg);
			rc = IDR_ECONFIG;
		}
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
		log_err("pid file %s: %s", s->boot.pid_file, idr_strerror(rc));
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
			                       s->metrics);
			w->ntcp += rc == IDR_OK;
			break;
		case L_HTTP:
		case L_HTTPS:
			rc = http_worker_new(&w->http[w->nhttp], w->base, w->rw, fd,
			                     l->kind == L_HTTPS ? s->tls : NULL, s->limits);
			if (rc == IDR_OK) {
				/* the connection gauge, /metrics and its store figures */
				http_worker_set_process(w->http[w->nhttp++], s->metrics, s->reg);
			}
			break;
		case L_KINDS:
			break;
		}
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
	/* batch epoll_ctl changes per loop iteration: evhttp toggles read/write interest around
	 * every request (4 epoll_ctl calls each, halved by this; measured +20% requests/s). The
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
	rc = rsv_worker_new(s->rsv, id, &w->rw);
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

	log_notice("reload: reading %s", s->conf_path);
	rc = conf_load(&nc, s->conf_path, reload_err, NULL);
	if (rc == IDR_OK && srv_conf_check(&nc, s->conf_path, reload_err, NULL) != IDR_OK) {
		conf_free(&nc);
		rc = IDR_ECONFIG;
	}
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
	conf_free(&nc); /* rsv_reload keeps its own copy */
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

/* Everything that needs the privileges the daemon was started with. */
static int
privileged_setup(struct srv *s)
{
	int rc = bind_all(s);

	if (rc == IDR_OK && s->boot.https_listen.n > 0) {
		rc = tls_ctx_new(&s->tls, s->boot.tls_cert, s->boot.tls_key);
	}
	if (rc == IDR_OK && s->boot.pid_file != NULL) {
		rc = write_pid_file(s);
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
	        .read_only = true,
	        .map_size = s->boot.map_size,
	        .max_readers = (unsigned)s->boot.max_readers,
	        .max_id_chars = (size_t)s->boot.max_id_chars,
	};
	int rc = reg_open(&s->reg, &o);

	if (rc == IDR_EACCES && s->boot.user != NULL && getuid() != 0) {
		log_err("data_dir %s: %s (user %s needs to read it and write its lock file)",
		        s->boot.data_dir, idr_strerror(rc), s->boot.user);
	} else if (rc != IDR_OK) {
		log_err("data_dir %s: %s%s", s->boot.data_dir, idr_strerror(rc),
		        rc == IDR_ENOTINIT ? " (create it with `idr init`)" : "");
	}
	return rc;
}

static int
build(struct srv *s)
{
	struct rsv_ports ports;
	int rc = open_registry(s);

	if (rc == IDR_OK) {
		rc = metrics_new(&s->metrics, s->nworkers);
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
		s->workers = calloc(s->nworkers, sizeof(*s->workers));
		rc = s->workers != NULL ? IDR_OK : IDR_ENOMEM;
	}
	for (unsigned i = 0; rc == IDR_OK && i < s->nworkers; i++) {
		rc = worker_init(s, &s->workers[i], i);
	}
	if (rc == IDR_OK) {
		rc = signals_init(s);
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
	int rc = workers_start(s);

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
	/* after the privilege drop this may not be permitted: then the file simply stays */
	if (s->port_written && unlink(s->port_file) != 0) {
		log_debug("port file %s not removed: %s", s->port_file, strerror(errno));
	}
	if (s->pid_written && unlink(s->boot.pid_file) != 0) {
		log_debug("pid file %s not removed: %s", s->boot.pid_file, strerror(errno));
	}
}

void
srv_free(struct srv *s)
{
	if (s == NULL) {
		return;
	}
	workers_stop(s);
	for (unsigned i = s->workers != NULL ? s->nworkers : 0; i-- > 0;) {
		worker_deinit(&s->workers[i]);
	}
	free(s->workers);
	for (size_t i = 3; i-- > 0;) {
		if (s->sigs[i] != NULL) {
			event_free(s->sigs[i]);
		}
	}
	if (s->base != NULL) {
		event_base_free(s->base);
	}
	rsv_free(s->rsv);
	udp_budget_free(s->budget);
	connlim_free(s->limits);
	metrics_free(s->metrics);
	reg_close(s->reg);
	tls_ctx_free(s->tls);
	close_listeners(s);
	remove_files(s);
	conf_free(&s->boot);
	free(s->conf_path);
	free(s->port_file);
	free(s);
}
