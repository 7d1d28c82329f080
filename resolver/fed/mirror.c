/*
 * mirror.c - the journal follower (mirror.h) over the HTTP(S) client (client/httpc.h): journal
 * answers in memory, the snapshot streamed to a file, both aborted when the follower stops.
 */
#include "fed/mirror.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "base/log.h"
#include "client/httpc.h"
#include "model/vjson.h"
#include "reg_follow.h"
#include "repl.h"

#define BODY_MAX     ((size_t)64 << 20) /* a journal answer is about 16 MiB at most */
#define BACKOFF_MIN  1000               /* ms */
#define BACKOFF_MAX  30000              /* ms */
#define POLL_TIMEOUT 60000              /* ms, a request (the primary waits <= 30 s) */
#define CONNECT_MS   5000               /* ms, connecting (TCP and TLS) */
#define JPATH_MAX    128                /* a journal request's path */
#define AUTH_MAX     2048               /* the Authorization line */
#define SNAPSHOT     "/api/v1/journal/snapshot"
#define REBOOT_DIR   ".rebootstrap" /* beside the copy: where a fresh snapshot is checked */

struct fed_mirror {
	struct reg *reg;
	bool own_reg;       /* fed_mirror_new_dir: opened (and closed) by the follower */
	struct reg *opened; /* own_reg: reg once open, for readers of other threads (mu) */
	struct fed_mirror_opts o;
	struct httpc *http; /* journal requests: made with the follower, used by its thread */
	struct wbuf auth;   /* the Authorization line (secret) */
	pthread_t thread;
	bool started;
	atomic_bool stop;
	atomic_bool kick; /* fed_mirror_kick: end the back-off wait now */
	pthread_mutex_t mu;
	struct fed_mirror_status st;
	uint64_t caught_ms; /* when last caught up (CLOCK_REALTIME ms) */
};

static struct fed_mirror *global;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int
fed_mirror_secret(const struct conf *c, char *buf, size_t cap)
{
	FILE *f = fopen(c->primary_secret_file, "r");
	size_t n;

	if (f == NULL || fgets(buf, (int)cap, f) == NULL) {
		log_err("mirror: cannot read primary_secret_file %s", c->primary_secret_file);
		if (f != NULL) {
			fclose(f);
		}
		return IDR_ECONFIG;
	}
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return n > 0 ? IDR_OK : IDR_ECONFIG;
}

static void
user_encode(const char *identity, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = identity; *p != '\0' && n + 4 < cap; p++) {
		if (*p == ':' || *p == '%') {
			n += (size_t)snprintf(out + n, cap - n, "%%%02X", (unsigned char)*p);
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

/* ---------------------------------------------------------------- HTTP */

/* A client of o->primary: bounded by timeout_ms (HTTPC_TIMEOUT_NONE: no bound) and max_body. */
static int
client_new(const struct fed_mirror_opts *o, unsigned timeout_ms, size_t max_body,
           struct httpc **out, char *why, size_t cap)
{
	struct httpc_opts ho = {.cacert = o->cacert,
	                        .timeout_ms = timeout_ms,
	                        .connect_timeout_ms = CONNECT_MS,
	                        .max_body = max_body};
	struct httpc_base b;
	const char *bad;
	int rc = httpc_base_parse(o->primary, 80, &b, &bad);

	*out = NULL;
	if (rc != IDR_OK) {
		snprintf(why, cap, "primary %.150s: %.90s", o->primary, bad);
		return rc;
	}
	rc = httpc_new(out, &b, &ho);
	if (rc != IDR_OK) {
		snprintf(why, cap, "cannot make an HTTP client: %s", idr_strerror(rc));
	}
	return rc;
}

/* The Authorization line of o's identity and secret into w (a heap wbuf of AUTH_MAX). */
static int
auth_line(const struct fed_mirror_opts *o, struct wbuf *w)
{
	char user[512]; /* index:handle with ':' and '%' percent-encoded (http/hauth.h) */

	user_encode(o->identity, user, sizeof(user));
	wbuf_init_heap(w, AUTH_MAX);
	return httpc_basic_auth(w, user, o->secret);
}

/* Forget a secret line. */
static void
auth_free(struct wbuf *w)
{
	if (w->p != NULL) {
		memset(w->p, 0, w->len);
	}
	wbuf_deinit(w);
}

/*
 * GET q->path (sink, stop flag set by the caller) with the Authorization line auth.
 * @return IDR_OK with *r (any status), or an error with why filled.
 */
static int
get(struct httpc *c, const char *auth, struct httpc_req *q, struct httpc_resp *r, char *why,
    size_t cap)
{
	const char *hdrs[1] = {auth};
	int rc;

	q->method = HTTPC_GET;
	q->headers = hdrs;
	q->nheaders = 1;
	rc = httpc_request(c, q, r);
	q->headers = NULL;
	q->nheaders = 0;
	if (rc != IDR_OK) {
		snprintf(why, cap, "%s", httpc_errmsg(c));
	}
	return rc;
}

/* ---------------------------------------------------------------- bootstrap */

struct file_sink {
	int fd;
	int err; /* errno of a failed write */
};

static int
file_write(void *arg, const void *p, size_t n)
{
	struct file_sink *f = arg;

	for (size_t off = 0; off < n;) {
		ssize_t w = write(f->fd, (const char *)p + off, n - off);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			f->err = w < 0 ? errno : ENOSPC;
			return IDR_EIO;
		}
		off += (size_t)w;
	}
	return IDR_OK;
}

/* GET the snapshot into part (an open file). @return IDR_OK with *bytes, or an error (why). */
static int
snapshot_fetch(const struct fed_mirror_opts *o, const atomic_bool *stop, struct file_sink *f,
               const char *part, uint64_t *bytes, char *why, size_t cap)
{
	struct httpc_req q = {.path = SNAPSHOT, .sink = file_write, .sink_arg = f, .stop = stop};
	struct httpc_resp r;
	struct httpc *c;
	struct wbuf auth;
	int rc = client_new(o, HTTPC_TIMEOUT_NONE, 0, &c, why, cap);

	if (rc != IDR_OK) {
		return rc;
	}
	rc = auth_line(o, &auth);
	if (rc == IDR_OK) {
		rc = get(c, (const char *)wbuf_data(&auth), &q, &r, why, cap);
	} else {
		snprintf(why, cap, "identity or secret too long");
	}
	if (rc == IDR_EIO && f->err != 0) {
		snprintf(why, cap, "%.200s: cannot be written: %.40s", part, strerror(f->err));
	}
	if (rc == IDR_OK && r.status != 200) {
		snprintf(why, cap, "GET %.160s" SNAPSHOT ": HTTP %d", httpc_url(c), r.status);
		rc = IDR_EPROTO;
	}
	*bytes = rc == IDR_OK ? r.sunk : 0;
	auth_free(&auth);
	httpc_free(c);
	return rc;
}

/* fed_mirror_bootstrap, aborted when *stop is set (stop may be NULL). */
static int
bootstrap(const char *dir, const struct fed_mirror_opts *o, const atomic_bool *stop)
{
	char data[4096], part[4096 + 8], why[FED_MIRROR_ERR_MAX];
	struct file_sink f = {-1, 0};
	uint64_t bytes = 0;
	struct stat st;
	int rc;

	if (snprintf(data, sizeof(data), "%s/data.mdb", dir) >= (int)sizeof(data) ||
	    snprintf(part, sizeof(part), "%s.part", data) >= (int)sizeof(part)) {
		return IDR_ELIMIT;
	}
	if (stat(data, &st) == 0) {
		return IDR_OK;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		log_err_errno("mirror: cannot make data_dir %s", dir);
		return IDR_EIO;
	}
	f.fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (f.fd < 0) {
		log_err_errno("mirror: cannot write %s", part);
		return IDR_EIO;
	}
	rc = snapshot_fetch(o, stop, &f, part, &bytes, why, sizeof(why));
	if (rc == IDR_OK && (fsync(f.fd) != 0 || bytes == 0)) {
		snprintf(why, sizeof(why), "%.200s: cannot be written", part);
		rc = IDR_EIO;
	}
	close(f.fd);
	if (rc == IDR_OK && rename(part, data) != 0) {
		snprintf(why, sizeof(why), "cannot rename %.160s: %.60s", part, strerror(errno));
		rc = IDR_EIO;
	}
	if (rc != IDR_OK) {
		(void)unlink(part);
		if (rc == HTTPC_ESTOPPED) {
			log_notice("mirror: bootstrap from a snapshot stopped");
		} else {
			log_err("mirror: bootstrap from a snapshot failed: %s", why);
		}
		return rc;
	}
	log_notice("mirror: store bootstrapped from a snapshot of %s (%" PRIu64 " bytes)",
	           o->primary, bytes);
	return IDR_OK;
}

int
fed_mirror_bootstrap(const char *dir, const struct fed_mirror_opts *o)
{
	return bootstrap(dir, o, NULL);
}

/* ---------------------------------------------------------------- following */

static void
set_error(struct fed_mirror *m, const char *why, bool refused)
{
	pthread_mutex_lock(&m->mu);
	/* a long reason keeps its start */
	snprintf(m->st.last_error, sizeof(m->st.last_error), "%.*s",
	         (int)sizeof(m->st.last_error) - 1, why);
	m->st.ok = false;
	if (refused) {
		m->st.refused++;
	} else {
		m->st.errors++;
	}
	pthread_mutex_unlock(&m->mu);
}

/* Apply one journal answer. @return IDR_OK or an error (m's state says why). */
static int
apply(struct fed_mirror *m, struct slice body)
{
	struct repl_result res;
	struct slice frames;
	uint64_t head;
	char why[FED_MIRROR_ERR_MAX + 64];
	int rc = repl_copy_open(body, &head, &frames);

	if (rc != IDR_OK) {
		set_error(m, "journal answer shorter than its head", true);
		return rc;
	}
	/* until the batch is applied, the copy is as far behind as the answer says */
	pthread_mutex_lock(&m->mu);
	m->st.primary_head = head;
	m->st.lag_entries = head > m->st.local_head ? head - m->st.local_head : 0;
	pthread_mutex_unlock(&m->mu);
	rc = repl_apply_frames(m->reg, frames, &res);
	if (rc != IDR_OK) {
		snprintf(why, sizeof(why), "journal copy refused: %s", res.why);
		log_err("%s: %s (nothing applied; retrying later)", m->o.name, why);
		set_error(m, why, rc == IDR_EJOURNAL || rc == IDR_EPROTO);
		return rc;
	}
	pthread_mutex_lock(&m->mu);
	if (res.applied > 0 || m->st.local_head == 0) {
		m->st.local_head = res.head;
	}
	m->st.primary_head = head;
	m->st.applied += res.applied;
	m->st.lag_entries = head > m->st.local_head ? head - m->st.local_head : 0;
	if (m->st.lag_entries == 0) {
		m->caught_ms = now_ms();
	}
	m->st.ok = true;
	m->st.last_error[0] = '\0';
	pthread_mutex_unlock(&m->mu);
	return IDR_OK;
}

static bool
nap(struct fed_mirror *m, unsigned ms)
{
	for (unsigned t = 0; t < ms && !atomic_load(&m->stop) && !atomic_load(&m->kick); t += 50) {
		struct timespec ts = {0, 50 * 1000000L};

		nanosleep(&ts, NULL);
	}
	return atomic_exchange(&m->kick, false);
}

/* Forget the acknowledgements a snapshot brought along; note the head. */
static int
adopt(struct fed_mirror *m)
{
	struct reg_wtxn *w;
	struct jrn_head h;
	int rc = reg_write_begin(m->reg, REPL_IDENTITY, &w);

	if (rc == IDR_OK) {
		rc = reg_follow_clear(w);
		if (rc == IDR_OK) {
			rc = reg_write_commit(w);
		} else {
			reg_write_abort(w);
		}
	}
	if (rc == IDR_OK) {
		rc = repl_head(m->reg, &h);
	}
	if (rc == IDR_OK) {
		pthread_mutex_lock(&m->mu);
		m->st.local_head = h.seq;
		pthread_mutex_unlock(&m->mu);
	}
	return rc;
}

/* fed_mirror_new_dir: bootstrap (if needed) and open the copy in o.dir. */
static int
open_copy(struct fed_mirror *m, char *why, size_t cap)
{
	struct reg_opts o = {.data_dir = m->o.dir, .random = true};
	int rc = bootstrap(m->o.dir, &m->o, &m->stop);

	if (rc == IDR_OK) {
		rc = reg_open(&m->reg, &o);
	}
	if (rc == IDR_OK) {
		rc = adopt(m);
	}
	if (rc != IDR_OK) {
		reg_close(m->reg);
		m->reg = NULL;
		snprintf(why, cap, "copy in %.150s not ready: %s", m->o.dir, idr_strerror(rc));
		return rc;
	}
	pthread_mutex_lock(&m->mu);
	m->opened = m->reg;
	pthread_mutex_unlock(&m->mu);
	log_notice("%s: following the journal of %s from entry %" PRIu64, m->o.name, m->o.primary,
	           m->st.local_head + 1);
	return IDR_OK;
}

/* Remove a re-bootstrap directory and the files it can hold (a snapshot, its lock file). */
static void
reboot_clean(const char *tmp)
{
	static const char *const files[] = {"data.mdb", "data.mdb.part", "lock.mdb"};
	char path[4096 + 32];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (snprintf(path, sizeof(path), "%s/%s", tmp, files[i]) < (int)sizeof(path)) {
			(void)unlink(path);
		}
	}
	(void)rmdir(tmp);
}

/* Check the snapshot in src against the copy (mirror.h step 2). */
static int
reboot_check(struct fed_mirror *m, struct reg *src, char *why, size_t cap)
{
	struct audit_report ar;
	struct jrn_head sh, lh;
	int rc = repl_head(src, &sh);

	if (rc == IDR_OK) {
		rc = repl_head(m->reg, &lh);
	}
	if (rc != IDR_OK) {
		snprintf(why, cap, "journal head of the snapshot or the copy: %s",
		         idr_strerror(rc));
		return rc;
	}
	if (sh.seq < lh.seq) {
		snprintf(why, cap,
		         "the snapshot stands at entry %" PRIu64 ", behind this copy's %" PRIu64
		         ": a different history, refused",
		         sh.seq, lh.seq);
		return IDR_EJOURNAL;
	}
	rc = audit_verify(src, &ar);
	if (rc != IDR_OK) {
		snprintf(why, cap, "the snapshot does not verify: entry %" PRIu64 ": %.120s",
		         ar.bad_seq, rc == IDR_EJOURNAL ? ar.reason : idr_strerror(rc));
	}
	return rc;
}

/* Download, check and swap in a fresh snapshot while the copy serves (mirror.h). */
static int
rebootstrap(struct fed_mirror *m, char *why, size_t cap)
{
	char tmp[4096];
	struct reg *src = NULL;
	struct reg_opts ro = {.read_only = true, .random = true};
	uint64_t t0 = now_ms(), copied = 0;
	int rc;

	if (m->o.dir == NULL ||
	    snprintf(tmp, sizeof(tmp), "%s/" REBOOT_DIR, m->o.dir) >= (int)sizeof(tmp)) {
		snprintf(why, cap,
		         "entries gone at the primary (410) and no data directory to "
		         "re-bootstrap in");
		return IDR_EINVAL;
	}
	reboot_clean(tmp);
	pthread_mutex_lock(&m->mu);
	m->st.rebootstrapping = true;
	pthread_mutex_unlock(&m->mu);
	log_notice("%s: entries gone at the primary (410): re-bootstrapping from a snapshot in %s "
	           "while serving the current copy",
	           m->o.name, tmp);
	rc = bootstrap(tmp, &m->o, &m->stop);
	if (rc != IDR_OK) {
		snprintf(why, cap, "re-bootstrap: the snapshot could not be fetched: %s",
		         idr_strerror(rc));
	} else {
		ro.data_dir = tmp;
		rc = reg_open(&src, &ro);
		if (rc != IDR_OK) {
			snprintf(why, cap, "re-bootstrap: the snapshot does not open: %s",
			         idr_strerror(rc));
		}
	}
	if (rc == IDR_OK) {
		rc = reboot_check(m, src, why, cap);
	}
	if (rc == IDR_OK) {
		rc = repl_replace(m->reg, src, &copied);
		if (rc != IDR_OK) {
			snprintf(why, cap, "re-bootstrap: the snapshot cannot replace the copy: %s",
			         idr_strerror(rc));
		}
	}
	reg_close(src);
	reboot_clean(tmp);
	if (rc == IDR_OK) {
		rc = adopt(m);
	}
	pthread_mutex_lock(&m->mu);
	m->st.rebootstrapping = false;
	if (rc == IDR_OK) {
		m->st.rebootstraps++;
	}
	pthread_mutex_unlock(&m->mu);
	if (rc == IDR_OK) {
		log_notice("%s: re-bootstrapped from a snapshot of %s in %" PRIu64 " ms (%" PRIu64
		           " keys): following from entry %" PRIu64,
		           m->o.name, m->o.primary, now_ms() - t0, copied, m->st.local_head + 1);
	} else if (!atomic_load(&m->stop)) {
		log_err("%s: %s (the current copy is kept and served; retrying later)", m->o.name,
		        why);
	}
	return rc;
}

static void *
follow(void *arg)
{
	struct fed_mirror *m = arg;
	char path[JPATH_MAX], why[FED_MIRROR_ERR_MAX + 128]; /* set_error keeps its start */
	unsigned backoff = BACKOFF_MIN;
	struct httpc *c = m->http;
	const char *auth = (const char *)wbuf_data(&m->auth);
	int rc;

	while (!atomic_load(&m->stop)) {
		struct httpc_req q = {.path = path, .stop = &m->stop};
		struct httpc_resp r = {0};
		struct jrn_head h;

		rc = m->reg == NULL ? open_copy(m, why, sizeof(why)) : IDR_OK;
		if (rc != IDR_OK) {
			if (!atomic_load(&m->stop)) {
				set_error(m, why, false);
			}
			backoff = nap(m, backoff)             ? BACKOFF_MIN
			          : backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX
			                                      : backoff * 2;
			continue;
		}
		rc = repl_head(m->reg, &h);
		if (rc != IDR_OK) {
			snprintf(why, sizeof(why), "local journal head: %s", idr_strerror(rc));
		} else {
			snprintf(path, sizeof(path),
			         "/api/v1/journal?from=%" PRIu64 "&max=%" PRIu64, h.seq + 1,
			         m->o.max);
			rc = get(c, auth, &q, &r, why, sizeof(why));
		}
		if (rc == IDR_OK && r.status == 410) {
			rc = rebootstrap(m, why, sizeof(why));
			if (rc != IDR_OK && !atomic_load(&m->stop)) {
				set_error(m, why, false);
			}
		} else if (rc == IDR_OK && r.status != 200) {
			snprintf(why, sizeof(why), "GET %.100s%.60s: HTTP %d", httpc_url(c), path,
			         r.status);
			rc = IDR_EPROTO;
		}
		if (rc != IDR_OK) {
			if (!atomic_load(&m->stop) && r.status != 410) {
				log_warn("%s: %s", m->o.name, why);
				set_error(m, why, false);
			}
		} else if (r.status == 200) {
			rc = apply(m, r.body);
		}
		if (rc != IDR_OK) {
			backoff = nap(m, backoff)             ? BACKOFF_MIN
			          : backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX
			                                      : backoff * 2;
			continue;
		}
		backoff = BACKOFF_MIN;
	}
	return NULL;
}

int
fed_mirror_new(struct fed_mirror **out, struct reg *reg, const struct fed_mirror_opts *o)
{
	struct fed_mirror *m;
	char why[FED_MIRROR_ERR_MAX];
	int rc;

	*out = NULL;
	if (o->primary == NULL || strncasecmp(o->primary, "https://", 8) != 0) {
		return IDR_EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return IDR_ENOMEM;
	}
	m->reg = reg;
	m->o = *o;
	pthread_mutex_init(&m->mu, NULL);
	atomic_init(&m->stop, false);
	m->st.ok = true; /* no failure yet */
	/* the client is made here, before the thread: libcurl starts up in the caller's thread */
	rc = client_new(o, POLL_TIMEOUT, BODY_MAX, &m->http, why, sizeof(why));
	if (rc == IDR_OK && auth_line(o, &m->auth) != IDR_OK) {
		snprintf(why, sizeof(why), "identity or secret too long");
		rc = IDR_EINVAL;
	}
	if (rc != IDR_OK) {
		log_err("%s: %s", o->name, why);
		fed_mirror_free(m);
		return rc == IDR_ENOMEM ? rc : IDR_EINVAL;
	}
	rc = reg != NULL ? adopt(m) : IDR_OK;
	if (rc != IDR_OK) {
		fed_mirror_free(m);
		return rc;
	}
	m->caught_ms = now_ms();
	*out = m;
	return IDR_OK;
}

int
fed_mirror_new_dir(struct fed_mirror **out, const struct fed_mirror_opts *o)
{
	int rc;

	*out = NULL;
	if (o->dir == NULL) {
		return IDR_EINVAL;
	}
	rc = fed_mirror_new(out, NULL, o);
	if (rc == IDR_OK) {
		(*out)->own_reg = true;
	}
	return rc;
}

int
fed_mirror_start(struct fed_mirror *m)
{
	int e = pthread_create(&m->thread, NULL, follow, m);

	if (e != 0) {
		return -e;
	}
	m->started = true;
	if (!m->own_reg) {
		global = m;
		log_notice("%s: following the journal of %s from entry %" PRIu64, m->o.name,
		           m->o.primary, m->st.local_head + 1);
	}
	return IDR_OK;
}

void
fed_mirror_kick(struct fed_mirror *m)
{
	if (m != NULL) {
		atomic_store(&m->kick, true);
	}
}

void
fed_mirror_free(struct fed_mirror *m)
{
	if (m == NULL) {
		return;
	}
	if (global == m) {
		global = NULL;
	}
	atomic_store(&m->stop, true);
	if (m->started) {
		pthread_join(m->thread, NULL);
	}
	pthread_mutex_destroy(&m->mu);
	if (m->own_reg) {
		reg_close(m->reg);
	}
	auth_free(&m->auth);
	httpc_free(m->http);
	free(m);
}

struct reg *
fed_mirror_copy(struct fed_mirror *m)
{
	struct reg *r;

	pthread_mutex_lock(&m->mu);
	r = m->opened;
	pthread_mutex_unlock(&m->mu);
	return r;
}

void
fed_mirror_status(struct fed_mirror *m, struct fed_mirror_status *out)
{
	pthread_mutex_lock(&m->mu);
	*out = m->st;
	out->lag_ms = out->lag_entries == 0 ? 0 : now_ms() - m->caught_ms;
	pthread_mutex_unlock(&m->mu);
}

struct fed_mirror *
fed_mirror_global(void)
{
	return global;
}

void
fed_mirror_health(struct fed_mirror *m, struct wbuf *w)
{
	struct fed_mirror_status st;
	char line[FED_MIRROR_ERR_MAX + 256];
	int n;

	fed_mirror_status(m, &st);
	n = snprintf(line, sizeof(line),
	             "%s of %s: %s, head %" PRIu64 ", primary %" PRIu64 ", lag %" PRIu64
	             " entries %" PRIu64 ".%03" PRIu64 " s%s%s\n",
	             m->o.name, m->o.primary,
	             st.rebootstrapping ? "re-bootstrapping from a snapshot"
	             : st.ok            ? "following"
	                                : "failing",
	             st.local_head, st.primary_head, st.lag_entries, st.lag_ms / 1000,
	             st.lag_ms % 1000, st.last_error[0] != '\0' ? ", last error: " : "",
	             st.last_error);
	if (n > 0) {
		wbuf_bytes(w, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
}

void
fed_mirror_metrics(struct fed_mirror *m, struct wbuf *w)
{
	struct fed_mirror_status st;
	char text[1024];
	int n;

	fed_mirror_status(m, &st);
	n = snprintf(
	        text, sizeof(text),
	        "# TYPE idr_mirror_head gauge\nidr_mirror_head %" PRIu64 "\n"
	        "# TYPE idr_mirror_lag_entries gauge\nidr_mirror_lag_entries %" PRIu64 "\n"
	        "# TYPE idr_mirror_lag_seconds gauge\nidr_mirror_lag_seconds %" PRIu64 ".%03" PRIu64
	        "\n"
	        "# TYPE idr_mirror_applied_total counter\nidr_mirror_applied_total %" PRIu64 "\n"
	        "# TYPE idr_mirror_refused_total counter\nidr_mirror_refused_total %" PRIu64 "\n"
	        "# TYPE idr_mirror_errors_total counter\nidr_mirror_errors_total %" PRIu64 "\n"
	        "# TYPE idr_mirror_rebootstraps_total counter\nidr_mirror_rebootstraps_total "
	        "%" PRIu64 "\n"
	        "# TYPE idr_mirror_rebootstrapping gauge\nidr_mirror_rebootstrapping %d\n",
	        st.local_head, st.lag_entries, st.lag_ms / 1000, st.lag_ms % 1000, st.applied,
	        st.refused, st.errors, st.rebootstraps, st.rebootstrapping ? 1 : 0);
	if (n > 0 && (size_t)n < sizeof(text)) {
		wbuf_bytes(w, text, (size_t)n);
	}
}

void
fed_mirror_json(struct fed_mirror *m, struct wbuf *w)
{
	struct fed_mirror_status st;
	char text[512];
	int n;

	fed_mirror_status(m, &st);
	n = snprintf(text, sizeof(text),
	             "{\"seq\":%" PRIu64 ",\"primaryHead\":%" PRIu64 ",\"lag\":%" PRIu64
	             ",\"lagSeconds\":%" PRIu64 ".%03" PRIu64 ",\"rebootstraps\":%" PRIu64
	             ",\"rebootstrapping\":%s,\"ok\":%s,\"error\":",
	             st.local_head, st.primary_head, st.lag_entries, st.lag_ms / 1000,
	             st.lag_ms % 1000, st.rebootstraps, st.rebootstrapping ? "true" : "false",
	             st.ok ? "true" : "false");
	if (n > 0 && (size_t)n < sizeof(text)) {
		wbuf_bytes(w, text, (size_t)n);
	}
	if (st.last_error[0] != '\0') {
		(void)vjson_write_str(w, slice_cstr(st.last_error));
	} else {
		wbuf_lit(w, "null");
	}
	wbuf_lit(w, "}");
}
