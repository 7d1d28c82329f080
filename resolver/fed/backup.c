/*
 * backup.c - the top level's journal followers of its nodes (backup.h).
 */
#include "fed/backup.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/log.h"
#include "fed/mirror.h"

#define FIELD_MAX 4096

struct copy {
	struct fed_mirror *m;
	char prefix[FIELD_MAX];
	char url[FIELD_MAX];
	char identity[FIELD_MAX];
	char secret[1024];
	char dir[FIELD_MAX];
	char name[FIELD_MAX + 16];
};

static struct copy *copies;
static size_t ncopies;

static void
copy_str(char *dst, struct slice s)
{
	memcpy(dst, s.p, s.len);
	dst[s.len] = '\0';
}

/* Fill k from a line; the secret is read now. */
static int
copy_init(struct copy *k, const struct conf *c, const char *line)
{
	struct conf_backup l;
	struct conf one = {0};
	char file[FIELD_MAX];
	const char *why = NULL;
	struct fed_mirror_opts o;
	int rc = conf_backup_parse(line, &l, &why);

	if (rc != IDR_OK) {
		log_err("%s", why);
		return rc;
	}
	copy_str(k->prefix, l.prefix);
	copy_str(k->url, l.url);
	while (strlen(k->url) > 0 && k->url[strlen(k->url) - 1] == '/') {
		k->url[strlen(k->url) - 1] = '\0';
	}
	copy_str(k->identity, l.identity);
	copy_str(file, l.secret_file);
	one.primary_secret_file = file;
	if ((rc = fed_mirror_secret(&one, k->secret, sizeof(k->secret))) != IDR_OK) {
		return rc;
	}
	if (snprintf(k->dir, sizeof(k->dir), "%s/" FED_BACKUP_DIR, c->data_dir) >=
	            (int)sizeof(k->dir) ||
	    (mkdir(k->dir, 0750) != 0 && errno != EEXIST) ||
	    snprintf(k->dir, sizeof(k->dir), "%s/" FED_BACKUP_DIR "/%s", c->data_dir, k->prefix) >=
	            (int)sizeof(k->dir)) {
		log_err("backup of %s: cannot make %s/" FED_BACKUP_DIR, k->prefix, c->data_dir);
		return IDR_EIO;
	}
	snprintf(k->name, sizeof(k->name), "backup %s", k->prefix);
	memset(&o, 0, sizeof(o));
	o.primary = k->url;
	o.identity = k->identity;
	o.secret = k->secret;
	o.cacert = c->backup_cacert;
	o.max = c->journal_batch_max;
	o.name = k->name;
	o.dir = k->dir;
	rc = fed_mirror_new_dir(&k->m, &o);
	return rc == IDR_OK ? fed_mirror_start(k->m) : rc;
}

int
fed_backup_start(const struct conf *c)
{
	int rc = IDR_OK;

	if (!conf_toplevel(c) || c->backup.n == 0) {
		return IDR_OK;
	}
	copies = calloc(c->backup.n, sizeof(*copies));
	if (copies == NULL) {
		return IDR_ENOMEM;
	}
	for (size_t i = 0; i < c->backup.n && rc == IDR_OK; i++) {
		rc = copy_init(&copies[i], c, c->backup.v[i]);
		ncopies = i + 1;
		if (rc == IDR_OK) {
			log_notice("backup of %s: following %s into %s", copies[i].prefix,
			           copies[i].url, copies[i].dir);
		}
	}
	return rc;
}

void
fed_backup_stop(void)
{
	for (size_t i = 0; i < ncopies; i++) {
		fed_mirror_free(copies[i].m);
		memset(copies[i].secret, 0, sizeof(copies[i].secret));
	}
	free(copies);
	copies = NULL;
	ncopies = 0;
}

/* The running copy of prefix (case-insensitive), or NULL. */
static struct copy *
copy_of(struct slice prefix)
{
	for (size_t i = 0; i < ncopies; i++) {
		if (copies[i].m != NULL && strlen(copies[i].prefix) == prefix.len &&
		    strncasecmp(copies[i].prefix, (const char *)prefix.p, prefix.len) == 0) {
			return &copies[i];
		}
	}
	return NULL;
}

struct reg *
fed_backup_reg(struct slice prefix)
{
	struct copy *k = copy_of(prefix);

	return k != NULL ? fed_mirror_copy(k->m) : NULL;
}

void
fed_backup_kick(struct slice prefix)
{
	struct copy *k = copy_of(prefix);

	if (k != NULL) {
		log_notice("%s: the node is back: following again now", k->name);
		fed_mirror_kick(k->m);
	}
}

void
fed_backup_json(struct slice prefix, struct wbuf *w)
{
	struct copy *k = copy_of(prefix);

	if (k != NULL) {
		fed_mirror_json(k->m, w);
	} else {
		wbuf_lit(w, "null");
	}
}

void
fed_backup_health(struct wbuf *w)
{
	for (size_t i = 0; i < ncopies; i++) {
		if (copies[i].m != NULL) {
			fed_mirror_health(copies[i].m, w);
		}
	}
}

void
fed_backup_metrics(struct wbuf *w)
{
	static const char *const names[] = {"head", "lag_entries", "rebootstraps_total",
	                                    "rebootstrapping"};
	static const char *const types[] = {"gauge", "gauge", "counter", "gauge"};

	for (size_t k = 0; k < 4 && ncopies > 0; k++) {
		wbuf_printf(w, "# TYPE idr_backup_%s %s\n", names[k], types[k]);
		for (size_t i = 0; i < ncopies; i++) {
			struct fed_mirror_status st;
			uint64_t v[4];

			if (copies[i].m == NULL) {
				continue;
			}
			fed_mirror_status(copies[i].m, &st);
			v[0] = st.local_head;
			v[1] = st.lag_entries;
			v[2] = st.rebootstraps;
			v[3] = st.rebootstrapping ? 1 : 0;
			wbuf_printf(w, "idr_backup_%s{prefix=\"%s\"} %" PRIu64 "\n", names[k],
			            copies[i].prefix, v[k]);
		}
	}
}
