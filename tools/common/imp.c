/* imp.c - the import engine: block reads, row decoding, batched registry writes. */
#include "common/imp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/err.h"
#include "base/text.h"
#include "common/cli.h"
#include "common/edit.h"
#include "core/shard.h"
#include "life/alias.h"
#include "model/rec.h"

#define PROGRESS_EVERY 256        /* rows between progress callbacks */
#define MAX_PENDING    1024       /* prefixes whose exported state is set at the end */
#define SEEN_MIN       1024       /* first size of the table of identifiers seen */
#define SEEN_MAX       (1u << 24) /* its largest size: 256 MiB, 12.5 million identifiers */

struct pending_state {
	char *prefix;
	int state;
};

/*
 * The identifiers of this input written or found unchanged so far, as 64-bit hashes of their
 * folded form with the first line of their row, so that a repeat names the earlier line
 * (open addressing, 16 bytes a slot, at most 3/4 full). Past SEEN_MAX slots, or without
 * memory, new identifiers are no longer added: repeats of those read as store conflicts.
 */
struct seen {
	uint64_t *hash; /* 0: free slot */
	uint64_t *line;
	size_t cap, n;
};

struct imp {
	struct reg *r;
	const struct imp_opts *o;
	struct imp_stats *st;
	size_t batch;
	bool one_txn; /* strict or dry run: everything in one transaction */
	struct reg_wtxn *w;
	size_t rows_in_txn;
	/* input buffer: buf[off..have) is unconsumed */
	uint8_t *buf;
	size_t cap, have, off;
	bool eof;
	int fd;
	struct row_csv csv;
	struct row_json json;
	bool header_done;
	uint64_t first, last; /* the lines of the current record */
	bool open_line;       /* the input so far ends inside a line (no line feed yet) */
	struct value *values; /* VALUE_MAX_VALUES */
	struct seen seen;
	struct edit edit; /* updates and conflict messages; allocated when first needed */
	bool edit_ready;
	struct pending_state pending[MAX_PENDING];
	size_t npending;
};

static int fatal(struct imp *im, int rc, const char *fmt, ...) IDR_PRINTF(3, 4);

static int
fatal(struct imp *im, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* the analyzer misses va_start above (clang-tidy 14) */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(im->st->fatal, sizeof(im->st->fatal), fmt, ap);
	va_end(ap);
	return rc;
}

/* Report the current record as bad: "<id>: <reason>" when the identifier is printable, else
 * the reason; with every line it covered. */
static void
bad_row(struct imp *im, struct slice id, const char *reason)
{
	char msg[IMP_MSG_LEN];

	im->st->bad++;
	if (im->o->report == NULL) {
		return;
	}
	if (id.len > 0 && id.len <= 512 && text_is_clean(id.p, id.len)) {
		snprintf(msg, sizeof(msg), "%.*s: %s", (int)id.len, (const char *)id.p, reason);
	} else {
		snprintf(msg, sizeof(msg), "%s", reason);
	}
	im->o->report(im->o->arg, im->first, im->last, msg);
}

/* The message for an error that stops the import (with what to do about a full map). */
static const char *
stop_reason(int rc)
{
	if (rc == IDR_ENOSPC) {
		return "no space left: the store reached its map size (run again with a larger "
		       "--map-size) or the disk is full (make room on the file system of the data "
		       "directory)";
	}
	return reg_write_strerror(rc);
}

/* Errors that reject one row; anything else (storage, memory, I/O) stops the import. */
static bool
is_row_error(int rc)
{
	if (rc <= IDR_EID_EMPTY && rc > IDR_EREC_LASTVALUE - 100) {
		return true; /* identifier, prefix and record rules */
	}
	if (rc <= IDR_ETMPL_UNKNOWN && rc >= IDR_ETMPL_RECORD) {
		return true; /* metadata template rules */
	}
	switch (rc) {
	case IDR_ECONFLICT:
	case IDR_EUTF8:
	case IDR_ECTRL:
	case IDR_EPROTO:
	case IDR_ELIMIT:
	case IDR_EINVAL:
	case IDR_EEXIST:
	case IDR_ETOOBIG:
		return true;
	default:
		return false;
	}
}

/* ---------------------------------------------------------------- transactions */

static int
txn_open(struct imp *im)
{
	int rc;

	if (im->w != NULL) {
		return IDR_OK;
	}
	rc = reg_write_begin(im->r, REG_IDENTITY_LOCAL, &im->w);
	if (rc != IDR_OK) {
		return fatal(im, rc, "cannot start a write transaction: %s", idr_strerror(rc));
	}
	im->rows_in_txn = 0;
	return IDR_OK;
}

static int
txn_commit(struct imp *im)
{
	int rc;

	size_t changes;

	if (im->w == NULL) {
		return IDR_OK;
	}
	changes = reg_write_changes(im->w);
	rc = reg_write_commit(im->w);
	im->w = NULL;
	if (rc != IDR_OK) {
		return fatal(im, rc, "commit failed: %s", stop_reason(rc));
	}
	im->st->commits++;
	im->st->written = im->st->written || changes > 0;
	return IDR_OK;
}

/* After each row: commit when the batch is full (never in one-transaction mode). */
static int
txn_row_done(struct imp *im)
{
	im->rows_in_txn++;
	if (im->one_txn || im->rows_in_txn < im->batch) {
		return IDR_OK;
	}
	return txn_commit(im);
}

/* ---------------------------------------------------------------- identifiers seen */

/* FNV-1a over the folded identifier, then a finalizer so the low bits index well; never 0. */
static uint64_t
seen_hash(struct slice id)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < id.len; i++) {
		uint8_t c = id.p[i];

		h = (h ^ (c >= 'a' && c <= 'z' ? (uint8_t)(c - 'a' + 'A') : c)) * 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h != 0 ? h : 1;
}

/* The slot of h: where it is, or the free slot where it would go. */
static size_t
seen_slot(const struct seen *t, uint64_t h)
{
	size_t i = (size_t)h & (t->cap - 1);

	while (t->hash[i] != 0 && t->hash[i] != h) {
		i = (i + 1) & (t->cap - 1);
	}
	return i;
}

/* The first line of an earlier row with this identifier, or 0. */
static uint64_t
seen_find(const struct seen *t, struct slice id)
{
	uint64_t h = seen_hash(id);
	size_t i;

	if (t->cap == 0) {
		return 0;
	}
	i = seen_slot(t, h);
	return t->hash[i] == h ? t->line[i] : 0;
}

static bool
seen_grow(struct seen *t)
{
	size_t cap = t->cap != 0 ? t->cap * 2 : SEEN_MIN, i, j;
	uint64_t *hash, *line;

	if (cap > SEEN_MAX) {
		return false;
	}
	hash = calloc(cap, sizeof(*hash));
	line = calloc(cap, sizeof(*line));
	if (hash == NULL || line == NULL) {
		free(hash);
		free(line);
		return false;
	}
	for (i = 0; i < t->cap; i++) {
		if (t->hash[i] != 0) {
			j = (size_t)t->hash[i] & (cap - 1);
			while (hash[j] != 0) {
				j = (j + 1) & (cap - 1);
			}
			hash[j] = t->hash[i];
			line[j] = t->line[i];
		}
	}
	free(t->hash);
	free(t->line);
	t->hash = hash;
	t->line = line;
	t->cap = cap;
	return true;
}

/* Remember that id's row starts at line (when there is room). */
static void
seen_add(struct seen *t, struct slice id, uint64_t line)
{
	uint64_t h = seen_hash(id);
	size_t i;

	if ((t->n + 1) * 4 > t->cap * 3 && !seen_grow(t)) {
		return;
	}
	i = seen_slot(t, h);
	if (t->hash[i] == 0) {
		t->hash[i] = h;
		t->line[i] = line;
		t->n++;
	}
}

static void
seen_free(struct seen *t)
{
	free(t->hash);
	free(t->line);
	memset(t, 0, sizeof(*t));
}

/* ---------------------------------------------------------------- rows */

static int
kind_of(struct slice name, bool required, enum rec_kind *kind, char *err, size_t cap)
{
	char kb[64];
	int rc;

	*kind = REC_KIND_NONE;
	if (name.len == 0) {
		if (!required) {
			return IDR_OK;
		}
		snprintf(err, cap, "%s", idr_strerror(IDR_EREC_NOKIND));
		return IDR_EREC_NOKIND;
	}
	rc = rec_kind_parse(name, kind);
	if (rc != IDR_OK) {
		if (!text_is_clean(name.p, name.len) ||
		    slice_to_cstr(name, kb, sizeof(kb)) != IDR_OK) {
			snprintf(kb, sizeof(kb), "(%zu bytes)", name.len);
		}
		snprintf(err, cap, "kind '%s': %s", kb, idr_strerror(rc));
	}
	return rc;
}

/*
 * The record is in the store already (unchanged or a conflict): when an earlier row of this
 * input put it there, the row is a duplicate naming that line. @return true if so.
 */
static bool
duplicate(struct imp *im, const struct row *row, bool same)
{
	uint64_t earlier = seen_find(&im->seen, row->id);
	char msg[IMP_MSG_LEN];

	if (earlier == 0) {
		return false;
	}
	snprintf(msg, sizeof(msg), "%.*s is a duplicate of line %llu (%s content)",
	         (int)(row->id.len > 512 ? 512 : row->id.len), (const char *)row->id.p,
	         (unsigned long long)earlier, same ? "same" : "different");
	bad_row(im, slice_make(NULL, 0), msg);
	return true;
}

/* A registry error on the current row: a bad row, or (storage, memory) the end of the import. */
static int
row_failed(struct imp *im, struct slice id, int rc)
{
	char msg[IDENT_ERR_LEN];

	if (!is_row_error(rc)) {
		return fatal(im, rc, "line %llu: %s", (unsigned long long)im->first,
		             stop_reason(rc));
	}
	if (rc <= IDR_ETMPL_UNKNOWN && rc >= IDR_ETMPL_RECORD &&
	    reg_write_detail(im->w)[0] != '\0') {
		bad_row(im, id, reg_write_detail(im->w)); /* names the field and the rule */
		return IDR_OK;
	}
	bad_row(im, id, reg_strerror(im->r, rc, msg, sizeof(msg)));
	return IDR_OK;
}

static int
edit_prepare(struct imp *im)
{
	if (im->edit_ready) {
		return IDR_OK;
	}
	if (edit_init(&im->edit) != IDR_OK) {
		return fatal(im, IDR_ENOMEM, "out of memory");
	}
	im->edit_ready = true;
	return IDR_OK;
}

/* The row's identifier is registered with other content: a bad row naming what differs. */
static int
conflict(struct imp *im, const struct row *row, enum rec_kind kind, const struct value *values,
         size_t n)
{
	char msg[IMP_MSG_LEN];
	int rc = edit_prepare(im);

	if (rc != IDR_OK) {
		return rc;
	}
	edit_conflict_text(&im->edit, im->w, row->id, kind, values, n, EDIT_IN_ROW, msg,
	                   sizeof(msg));
	im->st->conflicts++;
	bad_row(im, row->id, msg);
	return IDR_OK;
}

/* --update: make the registered record hold what the row says (edit.h). */
static int
update(struct imp *im, const struct row *row, enum rec_kind kind, const struct value *values,
       size_t n)
{
	int rc = edit_prepare(im), ndiff = 0;

	if (rc != IDR_OK) {
		return rc;
	}
	rc = edit_load(&im->edit, im->w, row->id);
	if (rc == IDR_OK) {
		rc = edit_want_row(&im->edit, kind, values, n);
	}
	if (rc == IDR_OK) {
		ndiff = edit_diff(&im->edit);
		rc = ndiff < 0 ? ndiff : IDR_OK;
	}
	if (rc == IDR_OK && ndiff > 0) {
		rc = edit_apply(&im->edit, im->w, row->id);
	}
	if (rc != IDR_OK) {
		return row_failed(im, row->id, rc);
	}
	if (ndiff > 0) {
		im->st->updated++;
	} else {
		im->st->unchanged++; /* it differs only in the HS_ values a row does not set */
	}
	seen_add(&im->seen, row->id, im->first);
	return IDR_OK;
}

static int
create(struct imp *im, const struct row *row, enum rec_kind kind, const struct value *values,
       size_t n, unsigned flags)
{
	enum reg_outcome oc = REG_UNCHANGED;
	int rc = reg_create(im->w, row->id, kind, values, n, flags, &oc);

	if ((rc == IDR_OK || rc == IDR_ECONFLICT) && oc != REG_CREATED &&
	    duplicate(im, row, rc == IDR_OK)) {
		return IDR_OK;
	}
	if (rc == IDR_ECONFLICT) {
		return im->o->update ? update(im, row, kind, values, n)
		                     : conflict(im, row, kind, values, n);
	}
	if (rc == IDR_OK) {
		if (oc == REG_CREATED) {
			im->st->created++;
		} else {
			im->st->unchanged++;
		}
		seen_add(&im->seen, row->id, im->first);
		return IDR_OK;
	}
	return row_failed(im, row->id, rc);
}

static bool
alias_col(const struct imp *im, struct slice key)
{
	for (size_t i = 0; i < im->o->nalias_cols; i++) {
		const char *c = im->o->alias_cols[i];

		if (strlen(c) == key.len && strncasecmp(c, (const char *)key.p, key.len) == 0) {
			return true;
		}
	}
	return false;
}

/* the aliases of an item row written (alias_cols) */
static int
row_aliases(struct imp *im, const struct row *row)
{
	char key[ALIAS_KEY_MAX + 1], err[ALIAS_ERR_MAX], msg[IMP_MSG_LEN];
	enum reg_outcome oc;
	int rc;

	for (size_t i = 0; i < row->nattrs; i++) {
		const struct row_attr *at = &row->attrs[i];

		if (at->val.len == 0 || !alias_col(im, at->key)) {
			continue;
		}
		if (alias_key((const char *)at->val.p, at->val.len, key, err) < 0) {
			snprintf(msg, sizeof(msg), "column %.*s: %s", (int)at->key.len,
			         (const char *)at->key.p, err);
			bad_row(im, row->id, msg);
			return IDR_OK;
		}
		rc = reg_alias_add(im->w, slice_cstr(key), row->id, &oc);
		if (rc == IDR_ECONFLICT || rc == IDR_EINVAL) {
			snprintf(msg, sizeof(msg), "column %.*s: %s", (int)at->key.len,
			         (const char *)at->key.p, reg_write_detail(im->w));
			bad_row(im, row->id, msg);
			return IDR_OK;
		}
		if (rc != IDR_OK) {
			return row_failed(im, row->id, rc);
		}
		im->st->aliases += oc == REG_CREATED;
	}
	return IDR_OK;
}

static int
do_item(struct imp *im, const struct row *row)
{
	char err[ROW_ERR_LEN];
	enum rec_kind kind;
	uint64_t bad = im->st->bad;
	size_t n = 0;
	int rc;

	if (kind_of(row->kind, true, &kind, err, sizeof(err)) != IDR_OK ||
	    row_item_values(row, im->values, VALUE_MAX_VALUES, &n, err, sizeof(err)) != IDR_OK) {
		bad_row(im, row->id, err);
		return IDR_OK;
	}
	rc = create(im, row, kind, im->values, n, 0);
	if (rc == IDR_OK && im->st->bad == bad && im->o->nalias_cols > 0) {
		rc = row_aliases(im, row);
	}
	return rc;
}

static int
do_record(struct imp *im, const struct row *row)
{
	char err[ROW_ERR_LEN];
	enum rec_kind kind;

	if (kind_of(row->kind, false, &kind, err, sizeof(err)) != IDR_OK) {
		bad_row(im, row->id, err);
		return IDR_OK;
	}
	if (row->nvalues > VALUE_MAX_VALUES) {
		bad_row(im, row->id, idr_strerror(IDR_EREC_TOOMANY));
		return IDR_OK;
	}
	/* reg_create does not modify values, but takes them sorted or not */
	return create(im, row, kind, row->values, row->nvalues, REG_KEEP_TIMESTAMPS);
}

static int
pending_add(struct imp *im, struct slice prefix, int state)
{
	if (im->npending == MAX_PENDING) {
		bad_row(im, prefix, "too many prefixes in one import to restore their state");
		return IDR_OK;
	}
	im->pending[im->npending].prefix = slice_strdup(prefix);
	if (im->pending[im->npending].prefix == NULL) {
		return fatal(im, IDR_ENOMEM, "out of memory");
	}
	im->pending[im->npending++].state = state;
	return IDR_OK;
}

/* An owner for a message: control characters and invalid UTF-8 replaced, cut to fit. */
static const char *
owner_text(struct slice owner, char *buf, size_t cap)
{
	char tmp[PFX_MAX_OWNER + 1];

	if (slice_to_cstr(owner, tmp, sizeof(tmp)) != IDR_OK) {
		snprintf(buf, cap, "(%zu bytes)", owner.len);
		return buf;
	}
	return cli_safe(tmp, buf, cap);
}

/*
 * The row's owner for a prefix hosted here (reg_prefix_adopt_owner): kept when the same,
 * taken when this node has none, a bad row when different. *hosted false: not hosted yet.
 */
static int
prefix_owner(struct imp *im, const struct row *row, bool *hosted)
{
	enum reg_outcome oc = REG_UNCHANGED;
	struct slice cur = slice_make(NULL, 0);
	char msg[IMP_MSG_LEN], a[160], b[160];
	int rc = reg_prefix_adopt_owner(im->w, row->id, row->owner, &cur, &oc);

	*hosted = rc != IDR_EPFX_UNKNOWN;
	if (rc == IDR_EPFX_UNKNOWN) {
		return IDR_OK;
	}
	if (rc == IDR_ECONFLICT) {
		snprintf(msg, sizeof(msg),
		         "hosted here with owner '%s', the input says '%s' (left as it is)",
		         owner_text(cur, a, sizeof(a)), owner_text(row->owner, b, sizeof(b)));
		bad_row(im, row->id, msg);
		return IDR_OK;
	}
	if (rc != IDR_OK) {
		return row_failed(im, row->id, rc);
	}
	if (oc == REG_UPDATED) {
		im->st->owners_set++;
	} else {
		im->st->prefixes_unchanged++;
	}
	return IDR_OK;
}

static int
do_node_prefix(struct imp *im, const struct row *row)
{
	const char *node = reg_node_prefix(im->r);
	char msg[ROW_ERR_LEN];
	bool hosted;

	if (slice_caseeq_cstr(row->id, node)) {
		return prefix_owner(im, row, &hosted);
	}
	snprintf(msg, sizeof(msg),
	         "the input was exported by node %.*s but this node's prefix is %s (%s)",
	         (int)(row->id.len > 64 ? 64 : row->id.len), (const char *)row->id.p, node,
	         idr_strerror(IDR_EPFX_DIFFNODE));
	bad_row(im, slice_make(NULL, 0), msg);
	return IDR_OK;
}

static int
do_prefix(struct imp *im, const struct row *row)
{
	enum reg_outcome oc = REG_UNCHANGED;
	bool hosted;
	int rc;

	if (row->node) {
		return do_node_prefix(im, row);
	}
	if (slice_caseeq_cstr(row->id, reg_node_prefix(im->r))) {
		bad_row(im, row->id, idr_strerror(IDR_EPFX_NODE));
		return IDR_OK;
	}
	/* hosted already: its state is kept, its owner checked (or taken if it has none) */
	rc = prefix_owner(im, row, &hosted);
	if (rc != IDR_OK || hosted) {
		return rc;
	}
	/* new: enabled while records are imported, the exported state is set at the end */
	rc = reg_prefix_add(im->w, row->id, row->owner, PFX_ENABLED, &oc);
	if (rc != IDR_OK) {
		return row_failed(im, row->id, rc);
	}
	im->st->prefixes_created++;
	return row->state != PFX_ENABLED ? pending_add(im, row->id, row->state) : IDR_OK;
}

/* An identity record (a key or a group of admins): every server authenticates locally. */
static bool
is_identity(const struct row *row)
{
	for (size_t i = 0; i < row->nvalues; i++) {
		const struct value *v = &row->values[i];

		if (value_type_match(v->type, SLICE_LIT("HS_PUBKEY")) ||
		    value_type_match(v->type, SLICE_LIT("HS_SECKEY")) ||
		    value_type_match(v->type, SLICE_LIT("HS_VLIST"))) {
			return true;
		}
	}
	return false;
}

/* False for an item or record row another server of the site holds (imp_opts.shard_n). */
static bool
row_wanted(const struct imp_opts *o, const struct row *row)
{
	uint32_t owner;

	if (row->form == ROW_PREFIX) {
		return true;
	}
	if (!o->prefixes_only && row->form == ROW_RECORD && is_identity(row)) {
		return true;
	}
	if (o->prefixes_only) {
		return false;
	}
	if (o->shard_n <= 1 ||
	    shard_owner(row->id, o->shard_option, o->shard_n, &owner) != IDR_OK) {
		return true; /* an identifier the hash cannot take is reported by the import */
	}
	return owner == SHARD_EVERY || owner == o->shard_index;
}

static int
do_row(struct imp *im, const struct row *row)
{
	int rc;

	if (!row_wanted(im->o, row)) {
		im->st->rows++;
		im->st->other_shard++;
		return IDR_OK;
	}
	rc = txn_open(im);
	if (rc != IDR_OK) {
		return rc;
	}
	im->st->rows++;
	switch (row->form) {
	case ROW_ITEM:
		rc = do_item(im, row);
		break;
	case ROW_RECORD:
		rc = do_record(im, row);
		break;
	case ROW_PREFIX:
		rc = do_prefix(im, row);
		break;
	default:
		rc = fatal(im, IDR_EINVAL, "line %llu: unknown row form",
		           (unsigned long long)im->first);
		break;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (im->o->progress != NULL && im->st->rows % PROGRESS_EVERY == 0) {
		im->o->progress(im->o->arg, im->st->bytes, im->st->rows);
	}
	return txn_row_done(im);
}

/* ---------------------------------------------------------------- input */

/* Move the unconsumed bytes to the front and read more; sets eof at the end of input. */
static int
refill(struct imp *im)
{
	ssize_t n;

	if (im->off > 0) {
		memmove(im->buf, im->buf + im->off, im->have - im->off);
		im->have -= im->off;
		im->off = 0;
	}
	while (im->have < im->cap) {
		n = read(im->fd, im->buf + im->have, im->cap - im->have);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return fatal(im, -errno, "read error: %s", idr_strerror(-errno));
		}
		if (n == 0) {
			im->eof = true;
			break;
		}
		im->have += (size_t)n;
		if (im->have - im->off >= IMP_READ_BLOCK) {
			break;
		}
	}
	return IDR_OK;
}

/* used bytes at buf[off] were consumed by the parser: count them and the lines they end. */
static void
consumed(struct imp *im, size_t used)
{
	const uint8_t *p = im->buf + im->off;
	size_t i = 0;

	while (i < used) {
		const uint8_t *nl = memchr(p + i, '\n', used - i);

		if (nl == NULL) {
			break;
		}
		im->st->lines++;
		i = (size_t)(nl - p) + 1;
	}
	if (used > 0) {
		im->open_line = p[used - 1] != '\n';
	}
	im->off += used;
	im->st->bytes += used;
}

/* The record just split spans lines: count it, remember the first such. */
static void
span_seen(struct imp *im)
{
	if (im->last > im->first && im->st->multiline++ == 0) {
		im->st->multi_first = im->first;
		im->st->multi_last = im->last;
	}
}

/*
 * Is the CSV record just split an item another server of the site holds (imp_opts.shard_n)?
 * Decided from its id field alone, before the row is built and checked: each server of a site
 * reads the whole file, so the rows it does not keep should cost only their split. (CSV rows
 * are items; an id the hash cannot take is left to row_wanted, which keeps it for the import to
 * report.)
 */
static bool
other_shard_csv(const struct imp *im)
{
	const struct row_csv *c = &im->csv;
	uint32_t owner;

	if (im->o->shard_n <= 1 || im->o->prefixes_only || c->col_id < 0 ||
	    (size_t)c->col_id >= c->nfields) {
		return false;
	}
	if (shard_owner(c->fields[c->col_id], im->o->shard_option, im->o->shard_n, &owner) !=
	    IDR_OK) {
		return false;
	}
	return owner != SHARD_EVERY && owner != im->o->shard_index;
}

/* The next CSV record as a row; IDR_ENOENT at the end; IDR_EAGAIN after a bad record. */
static int
next_csv(struct imp *im, struct row *row)
{
	size_t used;
	int rc;

	for (;;) {
		rc = row_csv_next(&im->csv, im->buf + im->off, im->have - im->off, im->eof, &used);
		consumed(im, used);
		if (rc != IDR_EAGAIN || im->eof) {
			break;
		}
		if ((rc = refill(im)) != IDR_OK) {
			return rc;
		}
	}
	if (rc == IDR_ENOENT) {
		return rc;
	}
	im->first = im->csv.rec_line;
	im->last = im->csv.rec_last;
	if (rc == IDR_OK && !im->header_done) {
		rc = row_csv_header(&im->csv);
		if (rc != IDR_OK) {
			return fatal(im, rc, "line %llu: %s", (unsigned long long)im->first,
			             im->csv.err);
		}
		im->header_done = true;
		return IDR_EAGAIN;
	}
	if (im->header_done) {
		span_seen(im);
	}
	if (rc == IDR_OK && other_shard_csv(im)) {
		im->st->rows++;
		im->st->other_shard++;
		return IDR_EAGAIN; /* another server's item: not even built */
	}
	if (rc == IDR_OK) {
		rc = row_csv_row(&im->csv, row);
	}
	if (rc != IDR_OK) {
		if (!im->header_done) {
			return fatal(im, rc, "line %llu: header: %s", (unsigned long long)im->first,
			             im->csv.err);
		}
		im->st->rows++;
		bad_row(im, slice_make(NULL, 0), im->csv.err);
		return IDR_EAGAIN;
	}
	return IDR_OK;
}

/* The next JSON line as a row; IDR_ENOENT at the end; IDR_EAGAIN after a bad line. */
static int
next_json(struct imp *im, struct row *row)
{
	struct slice l;
	size_t used;
	int rc;

	for (;;) {
		rc = row_json_next(&im->json, im->buf + im->off, im->have - im->off, im->eof, &l,
		                   &used);
		consumed(im, used);
		if (rc != IDR_EAGAIN || im->eof) {
			break;
		}
		if ((rc = refill(im)) != IDR_OK) {
			return rc;
		}
	}
	if (rc == IDR_ENOENT) {
		return rc;
	}
	im->first = im->last = im->json.rec_line;
	if (rc == IDR_OK) {
		rc = row_json_decode(&im->json, l.p, l.len, row);
		if (rc == IDR_ENOMEM) {
			return fatal(im, rc, "out of memory");
		}
	}
	if (rc != IDR_OK) {
		im->st->rows++;
		bad_row(im, row->id, im->json.err);
		return IDR_EAGAIN;
	}
	return IDR_OK;
}

static int
run_rows(struct imp *im)
{
	struct row row;
	int rc;

	for (;;) {
		memset(&row, 0, sizeof(row));
		rc = im->st->json ? next_json(im, &row) : next_csv(im, &row);
		if (rc == IDR_ENOENT) {
			im->st->lines += im->open_line; /* the last line has no line feed */
			return IDR_OK;
		}
		if (rc == IDR_EAGAIN) {
			if (im->st->bad > 0 && im->o->progress != NULL &&
			    im->st->rows % PROGRESS_EVERY == 0) {
				im->o->progress(im->o->arg, im->st->bytes, im->st->rows);
			}
			continue;
		}
		if (rc != IDR_OK) {
			return rc;
		}
		rc = do_row(im, &row);
		if (rc != IDR_OK) {
			return rc;
		}
	}
}

/* Set the exported states of prefixes created by this import (in the open transaction). */
static int
apply_pending(struct imp *im)
{
	size_t i;
	int rc;

	if (im->npending == 0) {
		return IDR_OK;
	}
	if ((rc = txn_open(im)) != IDR_OK) {
		return rc;
	}
	for (i = 0; i < im->npending; i++) {
		rc = reg_prefix_set_state(im->w, slice_cstr(im->pending[i].prefix),
		                          im->pending[i].state);
		if (rc != IDR_OK) {
			return fatal(im, rc, "prefix %s: cannot set state %d: %s",
			             im->pending[i].prefix, im->pending[i].state, idr_strerror(rc));
		}
	}
	return IDR_OK;
}

static int
finish(struct imp *im)
{
	int rc = apply_pending(im);

	if (rc != IDR_OK) {
		return rc;
	}
	if (im->o->dry_run || (im->o->strict && im->st->bad > 0)) {
		reg_write_abort(im->w);
		im->w = NULL;
		return IDR_OK;
	}
	return txn_commit(im);
}

static int
imp_setup(struct imp *im, struct reg *r, int fd, const struct imp_opts *o, struct imp_stats *st)
{
	memset(im, 0, sizeof(*im));
	memset(st, 0, sizeof(*st));
	im->r = r;
	im->o = o;
	im->st = st;
	im->fd = fd;
	im->batch = o->batch != 0 ? o->batch : IMP_DEFAULT_BATCH;
	im->one_txn = o->strict || o->dry_run;
	if (row_csv_init(&im->csv, &o->lim) != IDR_OK ||
	    row_json_init(&im->json, &o->lim) != IDR_OK) {
		return fatal(im, IDR_ENOMEM, "out of memory");
	}
	/* room for one whole record plus a read block, so a record never needs a bigger buffer */
	im->cap = im->csv.lim.max_line + IMP_READ_BLOCK + 16;
	im->buf = malloc(im->cap);
	im->values = calloc(VALUE_MAX_VALUES, sizeof(*im->values));
	if (im->buf == NULL || im->values == NULL) {
		return fatal(im, IDR_ENOMEM, "out of memory");
	}
	return IDR_OK;
}

static void
imp_teardown(struct imp *im)
{
	size_t i;

	reg_write_abort(im->w);
	im->w = NULL;
	row_csv_deinit(&im->csv);
	row_json_deinit(&im->json);
	free(im->buf);
	free(im->values);
	for (i = 0; i < im->npending; i++) {
		free(im->pending[i].prefix);
	}
	seen_free(&im->seen);
	if (im->edit_ready) {
		edit_deinit(&im->edit);
	}
}

int
imp_run(struct reg *r, int fd, const struct imp_opts *o, struct imp_stats *st)
{
	struct imp *im = malloc(sizeof(*im));
	int rc;

	if (im == NULL) {
		memset(st, 0, sizeof(*st));
		snprintf(st->fatal, sizeof(st->fatal), "out of memory");
		return IDR_ENOMEM;
	}
	rc = imp_setup(im, r, fd, o, st);
	if (rc == IDR_OK) {
		rc = refill(im);
	}
	if (rc == IDR_OK) {
		st->json = row_input_is_json(im->buf, im->have);
		rc = run_rows(im);
	}
	if (rc == IDR_OK) {
		rc = finish(im);
	}
	if (rc == IDR_OK && o->progress != NULL) {
		o->progress(o->arg, st->bytes, st->rows);
	}
	imp_teardown(im);
	free(im);
	return rc;
}
