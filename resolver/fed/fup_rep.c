/* fup_rep.c - reports of a secondary node to its top level (fup.h). */
#include "fed/fup.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/num.h"
#include "fed/fup_int.h"
#include "fed/node.h"
#include "jrn.h"
#include "model/ident.h"

#define FUP_STATE_MAX 256 /* bytes of the state file */

/* ---------------------------------------------------------------- files */

static int
path_of(const struct fup *u, const char *name, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", u->dir, name);

	return n < 0 || (size_t)n >= cap ? IDR_ELIMIT : IDR_OK;
}

/* Write a file atomically (temporary + rename). */
static int
write_file(const struct fup *u, const char *name, const void *p, size_t len)
{
	char path[4096], tmp[4096 + 8];
	FILE *f;
	int rc = path_of(u, name, path, sizeof(path));

	if (rc != IDR_OK) {
		return rc;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (f == NULL) {
		return -errno;
	}
	if (fwrite(p, 1, len, f) != len) {
		rc = IDR_EIO;
	}
	if (fclose(f) != 0 && rc == IDR_OK) {
		rc = IDR_EIO;
	}
	if (rc == IDR_OK && rename(tmp, path) != 0) {
		rc = -errno;
	}
	if (rc != IDR_OK) {
		(void)unlink(tmp);
	}
	return rc;
}

/* Read at most max bytes of a file (heap, NUL-terminated). */
static int
read_file(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	size_t n;

	*out = NULL;
	if (f == NULL) {
		return -errno;
	}
	b = malloc(max + 1);
	if (b == NULL) {
		fclose(f);
		return IDR_ENOMEM;
	}
	n = fread(b, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		free(b);
		return IDR_ELIMIT;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return IDR_OK;
}

static void
state_save(struct fup *u)
{
	char text[FUP_STATE_MAX];
	int n = u->have_acked
	                ? snprintf(text, sizeof(text), "jseq %llu\nacked %llu\n",
	                           (unsigned long long)u->jseq, (unsigned long long)u->acked)
	                : snprintf(text, sizeof(text), "jseq %llu\n", (unsigned long long)u->jseq);
	int rc = n > 0 ? write_file(u, "state", text, (size_t)n) : IDR_EIO;

	if (rc != IDR_OK) {
		log_warn("%s/state: not written: %s", u->dir, idr_strerror(rc));
	}
}

static void
report_name(uint64_t period, char *out, size_t cap)
{
	snprintf(out, cap, "%llu.report", (unsigned long long)period);
}

/* "jseq N\n[acked P\n]" */
static int
state_load(struct fup *u)
{
	char path[4096], *text = NULL, *save = NULL, *line;
	size_t len;
	int rc = path_of(u, "state", path, sizeof(path));

	if (rc == IDR_OK) {
		rc = read_file(path, FUP_STATE_MAX, &text, &len);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "jseq ", 5) == 0 &&
		    num_parse_u64(line + 5, 0, UINT64_MAX, &u->jseq) == IDR_OK) {
			continue;
		}
		if (strncmp(line, "acked ", 6) == 0 &&
		    num_parse_u64(line + 6, 0, FREP_MAX_NUMBER, &u->acked) == IDR_OK) {
			u->have_acked = true;
			continue;
		}
		log_warn("%s: line \"%.40s\" ignored", path, line);
	}
	free(text);
	return IDR_OK;
}

/* Insert a report by period (the oldest is dropped when full). Takes body. */
static void
pend_add(struct fup *u, uint64_t period, char *body, size_t len)
{
	size_t at = u->npend;

	if (u->npend == FUP_PENDING_MAX) {
		char name[64];
		char path[4096];

		log_warn("reports: %zu waiting for the top level; period %llu dropped",
		         (size_t)FUP_PENDING_MAX, (unsigned long long)u->pend[0].period);
		report_name(u->pend[0].period, name, sizeof(name));
		if (path_of(u, name, path, sizeof(path)) == IDR_OK) {
			(void)unlink(path);
		}
		free(u->pend[0].body);
		memmove(&u->pend[0], &u->pend[1], (FUP_PENDING_MAX - 1) * sizeof(u->pend[0]));
		u->npend--;
		u->dropped_total++;
		at = u->npend;
	}
	while (at > 0 && u->pend[at - 1].period > period) {
		at--;
	}
	memmove(&u->pend[at + 1], &u->pend[at], (u->npend - at) * sizeof(u->pend[0]));
	u->pend[at].period = period;
	u->pend[at].body = body;
	u->pend[at].len = len;
	u->npend++;
}

static void
pend_pop(struct fup *u)
{
	char name[64], path[4096];

	report_name(u->pend[0].period, name, sizeof(name));
	if (path_of(u, name, path, sizeof(path)) == IDR_OK) {
		(void)unlink(path);
	}
	free(u->pend[0].body);
	memmove(&u->pend[0], &u->pend[1], (u->npend - 1) * sizeof(u->pend[0]));
	u->npend--;
}

static void
pending_load(struct fup *u)
{
	DIR *d = opendir(u->dir);
	struct dirent *e;

	if (d == NULL) {
		return;
	}
	while ((e = readdir(d)) != NULL) {
		const char *dot = strchr(e->d_name, '.');
		char path[4096], *body = NULL;
		uint64_t period = 0;
		size_t len = 0;

		if (dot == NULL || strcmp(dot, ".report") != 0 ||
		    num_parse_u64_n(e->d_name, (size_t)(dot - e->d_name), 0, FREP_MAX_NUMBER,
		                    &period) != IDR_OK ||
		    path_of(u, e->d_name, path, sizeof(path)) != IDR_OK ||
		    read_file(path, FREP_MAX_BODY, &body, &len) != IDR_OK) {
			continue;
		}
		pend_add(u, period, body, len);
	}
	closedir(d);
}

int
fup_rep_load(struct fup *u)
{
	struct reg_rtxn *t;
	int rc = state_load(u);

	if (rc != IDR_OK) {
		/* no state yet: count from the journal's head on */
		if (reg_read_begin(u->env.reg, &t) == IDR_OK) {
			(void)reg_changes(t, &u->jseq);
			reg_read_end(t);
		}
	}
	pending_load(u);
	u->counts = calloc(FREP_MAX_PREFIXES, sizeof(*u->counts));
	return u->counts != NULL ? IDR_OK : IDR_ENOMEM;
}

void
fup_rep_free(struct fup *u)
{
	for (size_t i = 0; i < u->npend; i++) {
		free(u->pend[i].body);
	}
	u->npend = 0;
	free(u->counts);
	u->counts = NULL;
}

/* ---------------------------------------------------------------- counting */

static int
cmp_name(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c != 0 ? c : (alen > blen) - (alen < blen);
}

/* The count of prefix (folded), added in order; NULL when the table is full. */
static struct fup_count *
count_of(struct fup *u, struct slice prefix)
{
	uint8_t name[PFX_MAX_LEN];
	size_t lo = 0, hi = u->ncounts;
	struct fup_count *c;

	if (prefix.len == 0 || prefix.len > PFX_MAX_LEN) {
		return NULL;
	}
	ident_fold(prefix.p, prefix.len, name);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = cmp_name(u->counts[mid].name, u->counts[mid].len, name, prefix.len);

		if (d == 0) {
			return &u->counts[mid];
		}
		if (d < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (u->ncounts >= FREP_MAX_PREFIXES || ident_prefix_check(prefix) != IDR_OK) {
		return NULL;
	}
	memmove(&u->counts[lo + 1], &u->counts[lo], (u->ncounts - lo) * sizeof(*c));
	c = &u->counts[lo];
	memset(c, 0, sizeof(*c));
	memcpy(c->name, name, prefix.len);
	c->len = (uint16_t)prefix.len;
	u->ncounts++;
	return c;
}

static void
on_resolutions(void *arg, struct slice prefix, uint64_t n)
{
	struct fup_count *c = count_of(arg, prefix);

	if (c != NULL) {
		c->resolutions += n;
	}
}

struct jwalk {
	struct fup *u;
	uint64_t last;
};

static int
on_entry(void *arg, const struct jrn_entry *e)
{
	struct jwalk *j = arg;
	const uint8_t *slash = memchr(e->identifier.p, '/', e->identifier.len);
	struct fup_count *c;

	j->last = e->seq;
	if (slash == NULL ||
	    (e->op != JRN_OP_CREATE && e->op != JRN_OP_DELETE && e->op != JRN_OP_ADD_VALUES &&
	     e->op != JRN_OP_MODIFY_VALUES && e->op != JRN_OP_REMOVE_VALUES)) {
		return 0;
	}
	c = count_of(j->u, slice_make(e->identifier.p, (size_t)(slash - e->identifier.p)));
	if (c == NULL) {
		return 0;
	}
	if (e->op == JRN_OP_CREATE) {
		c->creates++;
	} else if (e->op == JRN_OP_DELETE) {
		c->deletes++;
	} else {
		c->updates++;
	}
	return 0;
}

/* Count the period's registrations and resolutions and make its report (without mu). */
static int
make_report(struct fup *u, struct frep *r, struct wbuf *body)
{
	struct frep_count *fc = calloc(FREP_MAX_PREFIXES, sizeof(*fc));
	struct jwalk j = {u, u->jseq};
	struct reg_store_info info;
	struct reg_rtxn *t;
	int rc;

	if (fc == NULL) {
		return IDR_ENOMEM;
	}
	u->ncounts = 0;
	(void)fstat_take(u->env.stats, on_resolutions, u);
	rc = reg_read_begin(u->env.reg, &t);
	if (rc == IDR_OK) {
		rc = reg_journal_walk(t, u->jseq + 1, on_entry, &j);
		if (rc == IDR_OK) {
			rc = reg_changes(t, &r->journal_head);
		}
		reg_read_end(t);
	}
	r->store_bytes = reg_store_info(u->env.reg, &info) == IDR_OK ? info.used_bytes : 0;
	for (size_t i = 0; i < u->ncounts; i++) {
		fc[i].prefix = slice_make(u->counts[i].name, u->counts[i].len);
		fc[i].creates = u->counts[i].creates;
		fc[i].updates = u->counts[i].updates;
		fc[i].deletes = u->counts[i].deletes;
		fc[i].resolutions = u->counts[i].resolutions;
	}
	r->node = slice_cstr(u->prefix);
	r->counts = fc;
	r->ncounts = r->cap = u->ncounts;
	if (rc == IDR_OK) {
		rc = frep_encode(body, r);
	}
	if (rc == IDR_OK) {
		u->jseq = j.last;
	}
	free(fc);
	return rc;
}

void
fup_rep_close(struct fup *u, uint64_t now)
{
	struct frep r;
	struct wbuf body;
	char name[64];
	int rc;

	memset(&r, 0, sizeof(r));
	r.period = u->open_period;
	r.interval = u->interval;
	r.from = u->open_from;
	r.to = (u->open_period + 1) * u->interval;
	r.uptime = r.to - u->started;
	u->open_period = now / u->interval;
	u->open_from = u->open_period * u->interval;
	wbuf_init_heap(&body, FREP_MAX_BODY);
	pthread_mutex_unlock(&u->mu);
	rc = make_report(u, &r, &body);
	pthread_mutex_lock(&u->mu);
	if (rc != IDR_OK) {
		log_warn("report of period %llu not made: %s", (unsigned long long)r.period,
		         idr_strerror(rc));
		wbuf_deinit(&body);
		return;
	}
	report_name(r.period, name, sizeof(name));
	rc = write_file(u, name, body.p, body.len);
	if (rc != IDR_OK) {
		log_warn("%s/%s: not written (kept in memory): %s", u->dir, name, idr_strerror(rc));
	}
	{
		char *copy = malloc(body.len);

		if (copy != NULL) {
			memcpy(copy, body.p, body.len);
			pend_add(u, r.period, copy, body.len);
		}
	}
	state_save(u);
	wbuf_deinit(&body);
	if (u->rep_fails == 0) {
		u->rep_next = now;
	}
}

/* ---------------------------------------------------------------- sending */

/* POST one report. @return the HTTP status, or a negative error (errmsg filled). */
static int
post(struct fup *u, struct slice body, char *msg, size_t cap)
{
	char ident[PFX_MAX_LEN + 32], *header;
	const char *headers[1];
	struct httpc_resp resp;
	struct httpc_req req;
	struct wbuf auth;
	int rc;

	snprintf(ident, sizeof(ident), "%d:%s", NODE_KEY_INDEX, u->zna);
	wbuf_init_heap(&auth, FREP_AUTH_MAX + 32);
	wbuf_cstr(&auth, "Authorization: ");
	rc = frep_sign(u->key, slice_cstr(ident), body, &auth);
	wbuf_terminate(&auth);
	if (rc != IDR_OK || wbuf_error(&auth) != IDR_OK) {
		snprintf(msg, cap, "signing: %s",
		         idr_strerror(rc != IDR_OK ? rc : wbuf_error(&auth)));
		wbuf_deinit(&auth);
		return rc != IDR_OK ? rc : IDR_ETOOBIG;
	}
	header = (char *)auth.p;
	headers[0] = header;
	memset(&req, 0, sizeof(req));
	req.method = HTTPC_POST;
	req.path = "/api/v1/reports";
	req.headers = headers;
	req.nheaders = 1;
	req.content_type = FREP_CTYPE;
	req.body = body;
	rc = httpc_request(u->http, &req, &resp);
	wbuf_deinit(&auth);
	if (rc != IDR_OK) {
		snprintf(msg, cap, "%s", httpc_errmsg(u->http));
		return rc;
	}
	if (resp.status / 100 != 2) {
		snprintf(msg, cap, "POST %s/api/v1/reports: HTTP %d: %.*s", u->url, resp.status,
		         (int)(resp.body.len < 160 ? resp.body.len : 160),
		         (const char *)resp.body.p);
	}
	return resp.status;
}

void
fup_rep_send(struct fup *u, uint64_t now)
{
	while (u->npend > 0 && !u->stop) {
		struct fup_pending p = u->pend[0];
		char msg[FUP_ERR_MAX] = "";
		int status;

		/* the fed thread alone removes pending reports: p.body stays valid unlocked */
		pthread_mutex_unlock(&u->mu);
		status = post(u, slice_make(p.body, p.len), msg, sizeof(msg));
		pthread_mutex_lock(&u->mu);
		now = (uint64_t)time(NULL);
		if (status / 100 == 2 || status == 409) {
			if (status == 409) {
				log_warn("report of period %llu refused for good: %s",
				         (unsigned long long)p.period, msg);
				u->refused_total++;
			} else {
				u->sent_total++;
				u->acked = p.period;
				u->have_acked = true;
				u->ack_at = now;
				u->rep_err[0] = '\0';
			}
			pend_pop(u);
			state_save(u);
			u->rep_fails = 0;
			continue;
		}
		if (strcmp(msg, u->rep_err) != 0) {
			log_warn("report of period %llu not delivered: %s",
			         (unsigned long long)p.period, msg);
		}
		snprintf(u->rep_err, sizeof(u->rep_err), "%s", msg);
		u->failed_total++;
		u->rep_fails++;
		u->rep_next = now + fup_backoff(u->rep_fails, u->retry_max);
		return;
	}
}
