/*
 * mirror.c - the journal follower (mirror.h) over libcurl's easy interface.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/log.h"
#include "model/vjson.h"
#include "reg_follow.h"
#include "repl.h"

#define BODY_MAX     ((size_t)64 << 20) /* a journal answer is about 16 MiB at most */
#define BACKOFF_MIN  1000               /* ms */
#define BACKOFF_MAX  30000              /* ms */
#define POLL_TIMEOUT 60000              /* ms, a request (the primary waits <= 30 s) */
#define URL_MAX      2048

struct fed_mirror {
	struct reg *reg;
	bool own_reg;       /* fed_mirror_new_dir: opened (and closed) by the follower */
	struct reg *opened; /* own_reg: reg once open, for readers of other threads (mu) */
	struct fed_mirror_opts o;
	char user[512]; /* index:handle with ':' and '%' percent-encoded (http/hauth.h) */
	pthread_t thread;
	bool started;
	atomic_bool stop;
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

struct sink {
	struct wbuf *body; /* or */
	int fd;
	size_t bytes;
	bool over;
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	if (s->body != NULL) {
		if (wbuf_len(s->body) + len > BODY_MAX) {
			s->over = true;
			return 0;
		}
		wbuf_bytes(s->body, p, len);
		return wbuf_error(s->body) == IDR_OK ? len : 0;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(s->fd, p + off, len - off);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return 0;
		}
		off += (size_t)w;
	}
	s->bytes += len;
	return len;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const atomic_bool *stop = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return atomic_load(stop) ? 1 : 0;
}

/*
 * GET url into s. @return IDR_OK with *status, or an error with why filled.
 */
static int
get(CURL *c, struct fed_mirror *m, const char *url, struct sink *s, long timeout_ms, long *status,
    char *why, size_t cap)
{
	CURLcode cc;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(c, CURLOPT_USERNAME, m->user);
	curl_easy_setopt(c, CURLOPT_PASSWORD, m->o.secret);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &m->stop);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (m->o.cacert != NULL) {
		curl_easy_setopt(c, CURLOPT_CAINFO, m->o.cacert);
	}
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		snprintf(why, cap, "GET %.160s: %.80s", url,
		         s->over ? "answer over its size cap" : curl_easy_strerror(cc));
		return IDR_EIO;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	return IDR_OK;
}

/* ---------------------------------------------------------------- bootstrap */

int
fed_mirror_bootstrap(const char *dir, const struct fed_mirror_opts *o)
{
	char data[4096], part[4096 + 8], url[URL_MAX], why[FED_MIRROR_ERR_MAX];
	struct fed_mirror m;
	struct sink s = {NULL, -1, 0, false};
	struct stat st;
	long status = 0;
	CURL *c;
	int rc;

	if (snprintf(data, sizeof(data), "%s/data.mdb", dir) >= (int)sizeof(data) ||
	    snprintf(part, sizeof(part), "%s.part", data) >= (int)sizeof(part) ||
	    snprintf(url, sizeof(url), "%s/api/v1/journal/snapshot", o->primary) >=
	            (int)sizeof(url)) {
		return IDR_ELIMIT;
	}
	if (stat(data, &st) == 0) {
		return IDR_OK;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		log_err_errno("mirror: cannot make data_dir %s", dir);
		return IDR_EIO;
	}
	memset(&m, 0, sizeof(m));
	m.o = *o;
	user_encode(o->identity, m.user, sizeof(m.user));
	s.fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (s.fd < 0) {
		log_err_errno("mirror: cannot write %s", part);
		return IDR_EIO;
	}
	c = curl_easy_init();
	rc = c == NULL ? IDR_ENOMEM : get(c, &m, url, &s, 0, &status, why, sizeof(why));
	curl_easy_cleanup(c);
	if (rc == IDR_OK && status != 200) {
		snprintf(why, sizeof(why), "GET %.160s: HTTP %ld", url, status);
		rc = IDR_EPROTO;
	}
	if (rc == IDR_OK && (fsync(s.fd) != 0 || s.bytes == 0)) {
		snprintf(why, sizeof(why), "%.200s: cannot be written", part);
		rc = IDR_EIO;
	}
	close(s.fd);
	if (rc == IDR_OK && rename(part, data) != 0) {
		snprintf(why, sizeof(why), "cannot rename %.160s: %.60s", part, strerror(errno));
		rc = IDR_EIO;
	}
	if (rc != IDR_OK) {
		(void)unlink(part);
		log_err("mirror: bootstrap from a snapshot failed: %s", why);
		return rc;
	}
	log_notice("mirror: store bootstrapped from a snapshot of %s (%zu bytes)", o->primary,
	           s.bytes);
	return IDR_OK;
}

/* ---------------------------------------------------------------- following */

static void
set_error(struct fed_mirror *m, const char *why, bool refused)
{
	pthread_mutex_lock(&m->mu);
	snprintf(m->st.last_error, sizeof(m->st.last_error), "%s", why);
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

static void
nap(struct fed_mirror *m, unsigned ms)
{
	for (unsigned t = 0; t < ms && !atomic_load(&m->stop); t += 50) {
		struct timespec ts = {0, 50 * 1000000L};

		nanosleep(&ts, NULL);
	}
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
	int rc = fed_mirror_bootstrap(m->o.dir, &m->o);

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

static void *
follow(void *arg)
{
	struct fed_mirror *m = arg;
	char url[URL_MAX], why[FED_MIRROR_ERR_MAX];
	unsigned backoff = BACKOFF_MIN;
	struct wbuf body;
	CURL *c = curl_easy_init();

	wbuf_init_heap(&body, BODY_MAX);
	while (c != NULL && !atomic_load(&m->stop)) {
		struct sink s = {&body, -1, 0, false};
		struct jrn_head h;
		long status = 0;
		int rc = m->reg == NULL ? open_copy(m, why, sizeof(why)) : IDR_OK;

		if (rc != IDR_OK) {
			set_error(m, why, false);
			nap(m, backoff);
			backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
			continue;
		}
		rc = repl_head(m->reg, &h);

		if (rc != IDR_OK) {
			snprintf(why, sizeof(why), "local journal head: %s", idr_strerror(rc));
		} else if (snprintf(url, sizeof(url),
		                    "%s/api/v1/journal?from=%" PRIu64 "&max=%" PRIu64, m->o.primary,
		                    h.seq + 1, m->o.max) >= (int)sizeof(url)) {
			snprintf(why, sizeof(why), "primary URL too long");
			rc = IDR_ELIMIT;
		} else {
			wbuf_reset(&body);
			rc = get(c, m, url, &s, POLL_TIMEOUT, &status, why, sizeof(why));
		}
		if (rc == IDR_OK && status != 200) {
			snprintf(why, sizeof(why), "GET %.100s: HTTP %ld%.130s", url, status,
			         status == 410 ? " (entries gone at the primary: remove data_dir "
			                         "and restart to bootstrap from a snapshot)"
			                       : "");
			rc = IDR_EPROTO;
		}
		if (rc != IDR_OK) {
			if (!atomic_load(&m->stop)) {
				log_warn("%s: %s", m->o.name, why);
				set_error(m, why, false);
			}
		} else {
			rc = apply(m, wbuf_slice(&body));
		}
		if (rc != IDR_OK) {
			nap(m, backoff);
			backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
			continue;
		}
		backoff = BACKOFF_MIN;
	}
	wbuf_deinit(&body);
	curl_easy_cleanup(c);
	return NULL;
}

int
fed_mirror_new(struct fed_mirror **out, struct reg *reg, const struct fed_mirror_opts *o)
{
	struct fed_mirror *m;
	int rc;

	*out = NULL;
	if (o->primary == NULL ||
	    (strncmp(o->primary, "http://", 7) != 0 && strncmp(o->primary, "https://", 8) != 0)) {
		return IDR_EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return IDR_ENOMEM;
	}
	m->reg = reg;
	m->o = *o;
	user_encode(o->identity, m->user, sizeof(m->user));
	pthread_mutex_init(&m->mu, NULL);
	atomic_init(&m->stop, false);
	m->st.ok = true; /* no failure yet */
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
	             "mirror of %s: %s, head %" PRIu64 ", primary %" PRIu64 ", lag %" PRIu64
	             " entries %" PRIu64 ".%03" PRIu64 " s%s%s\n",
	             m->o.primary, st.ok ? "following" : "failing", st.local_head, st.primary_head,
	             st.lag_entries, st.lag_ms / 1000, st.lag_ms % 1000,
	             st.last_error[0] != '\0' ? ", last error: " : "", st.last_error);
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
	        "# TYPE idr_mirror_errors_total counter\nidr_mirror_errors_total %" PRIu64 "\n",
	        st.local_head, st.lag_entries, st.lag_ms / 1000, st.lag_ms % 1000, st.applied,
	        st.refused, st.errors);
	if (n > 0 && (size_t)n < sizeof(text)) {
		wbuf_bytes(w, text, (size_t)n);
	}
}

void
fed_mirror_json(struct fed_mirror *m, struct wbuf *w)
{
	struct fed_mirror_status st;
	char text[256];
	int n;

	fed_mirror_status(m, &st);
	n = snprintf(text, sizeof(text),
	             "{\"seq\":%" PRIu64 ",\"primaryHead\":%" PRIu64 ",\"lag\":%" PRIu64
	             ",\"lagSeconds\":%" PRIu64 ".%03" PRIu64 ",\"ok\":%s,\"error\":",
	             st.local_head, st.primary_head, st.lag_entries, st.lag_ms / 1000,
	             st.lag_ms % 1000, st.ok ? "true" : "false");
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
