/* edit.c - record changes from rows and KEY=VALUE arguments, as differences applied through
 * the registry's value operations. */
#include "common/edit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "common/cli.h"
#include "common/row.h"

int
edit_init(struct edit *e)
{
	memset(e, 0, sizeof(*e));
	e->have = calloc(VALUE_MAX_VALUES, sizeof(*e->have));
	e->want = calloc(EDIT_WANT_CAP, sizeof(*e->want));
	e->diff = calloc(EDIT_DIFF_CAP, sizeof(*e->diff));
	e->scratch = calloc(EDIT_WANT_CAP, sizeof(*e->scratch));
	e->indexes = calloc(VALUE_MAX_VALUES, sizeof(*e->indexes));
	if (e->have == NULL || e->want == NULL || e->diff == NULL || e->scratch == NULL ||
	    e->indexes == NULL) {
		edit_deinit(e);
		return IDR_ENOMEM;
	}
	return IDR_OK;
}

void
edit_deinit(struct edit *e)
{
	free(e->have);
	free(e->want);
	free(e->diff);
	free(e->scratch);
	free(e->indexes);
	memset(e, 0, sizeof(*e));
}

int
edit_load(struct edit *e, struct reg_wtxn *w, struct slice id)
{
	int rc;

	e->nhave = e->nwant = e->ndiff = 0;
	rc = reg_write_get(w, id, &e->view);
	if (rc == IDR_OK) {
		rc = rec_values(&e->view, e->have, VALUE_MAX_VALUES, &e->nhave);
	}
	return rc;
}

int
edit_load_values(struct edit *e, const struct value *values, size_t n)
{
	size_t i;

	memset(&e->view, 0, sizeof(e->view));
	e->nhave = e->nwant = e->ndiff = 0;
	if (n > VALUE_MAX_VALUES) {
		return IDR_EREC_TOOMANY;
	}
	memcpy(e->have, values, n * sizeof(*values));
	rec_values_sort(e->have, n);
	for (i = 1; i < n; i++) {
		if (e->have[i].index == e->have[i - 1].index) {
			return IDR_EREC_INDEX;
		}
	}
	e->nhave = n;
	return IDR_OK;
}

/* A text value as `idr register` and `idr import` make them (row.h). */
static void
text_value(struct value *v, uint32_t index, struct slice type, struct slice data)
{
	memset(v, 0, sizeof(*v));
	v->index = index;
	v->ttl_type = VALUE_TTL_RELATIVE;
	v->ttl = VALUE_DEFAULT_TTL;
	v->perms = ROW_DEFAULT_PERM;
	v->type = type;
	v->data = data;
}

/* Binary search by index in v[0..n) sorted by index. */
static struct value *
find_index(struct value *v, size_t n, uint32_t index)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].index == index) {
			return &v[mid];
		}
		if (v[mid].index < index) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return NULL;
}

static bool
is_hs_type(struct slice type)
{
	return type.len >= 3 && slice_caseeq(slice_make(type.p, 3), SLICE_LIT("HS_"));
}

int
edit_want_row(struct edit *e, enum rec_kind kind, const struct value *values, size_t n)
{
	size_t i, nrow;

	e->nwant = e->ndiff = 0;
	if (n > VALUE_MAX_VALUES) {
		return IDR_EREC_TOOMANY;
	}
	memcpy(e->want, values, n * sizeof(*values));
	rec_values_sort(e->want, n);
	for (i = 1; i < n; i++) {
		if (e->want[i].index == e->want[i - 1].index) {
			return IDR_EREC_INDEX;
		}
	}
	nrow = n;
	/* the kind value a create adds (reg.h) */
	if (kind != REC_KIND_NONE && find_index(e->want, nrow, REC_KIND_INDEX) == NULL) {
		text_value(&e->kind_value, REC_KIND_INDEX, SLICE_LIT(REC_KIND_TYPE),
		           slice_cstr(rec_kind_name(kind)));
		e->want[n++] = e->kind_value;
	}
	/* the stored HS_ values the row does not replace are kept */
	for (i = 0; i < e->nhave; i++) {
		if (is_hs_type(e->have[i].type) &&
		    find_index(e->want, nrow, e->have[i].index) == NULL &&
		    e->have[i].index != REC_KIND_INDEX) {
			e->want[n++] = e->have[i];
		}
	}
	rec_values_sort(e->want, n);
	e->nwant = n;
	return IDR_OK;
}

void
edit_want_have(struct edit *e)
{
	memcpy(e->want, e->have, e->nhave * sizeof(*e->have));
	e->nwant = e->nhave;
	e->ndiff = 0;
}

/* A key for a message (printable text, cut). */
static const char *
key_text(struct slice key, char *buf, size_t cap)
{
	rec_quote(key, buf, cap);
	return buf;
}

/*
 * The value of e->want whose type is key: IDR_OK (*pos its position), IDR_ENOENT, or
 * IDR_EINVAL when several values have that type (err names their indexes).
 */
static int
find_type(const struct edit *e, struct slice key, size_t *pos, char *err, size_t errlen)
{
	char kb[REC_QUOTE_CHARS * 4 + 16], list[96];
	size_t i, found = 0, off = 0;
	int n;

	list[0] = '\0';
	for (i = 0; i < e->nwant; i++) {
		if (!slice_caseeq(e->want[i].type, key)) {
			continue;
		}
		if (found++ == 0) {
			*pos = i;
		}
		n = snprintf(list + off, sizeof(list) - off, "%s%lu", off > 0 ? ", " : "",
		             (unsigned long)e->want[i].index);
		if (n > 0 && (size_t)n < sizeof(list) - off) {
			off += (size_t)n;
		}
	}
	if (found == 0) {
		return IDR_ENOENT;
	}
	if (found > 1) {
		snprintf(err, errlen,
		         "%zu values have type %s (indexes %s): change them with a "
		         "Handle client",
		         found, key_text(key, kb, sizeof(kb)), list);
		return IDR_EINVAL;
	}
	return IDR_OK;
}

/* Insert v into e->want keeping it sorted. */
static int
want_insert(struct edit *e, const struct value *v)
{
	size_t i = e->nwant;

	if (e->nwant >= VALUE_MAX_VALUES) {
		return IDR_EREC_TOOMANY;
	}
	while (i > 0 && e->want[i - 1].index > v->index) {
		e->want[i] = e->want[i - 1];
		i--;
	}
	e->want[i] = *v;
	e->nwant++;
	return IDR_OK;
}

int
edit_set_attr(struct edit *e, struct slice key, struct slice val, char *err, size_t errlen)
{
	uint32_t next = ROW_ATTR_INDEX;
	struct value v;
	size_t pos = 0;
	int rc = find_type(e, key, &pos, err, errlen);

	if (rc == IDR_OK) {
		e->want[pos].data = val; /* index, type, TTL, permissions stay */
		return IDR_OK;
	}
	if (rc != IDR_ENOENT) {
		return rc;
	}
	if (e->nwant > 0 && e->want[e->nwant - 1].index >= ROW_ATTR_INDEX) {
		if (e->want[e->nwant - 1].index >= INT32_MAX) {
			snprintf(err, errlen, "no index left after %lu for a new value",
			         (unsigned long)e->want[e->nwant - 1].index);
			return IDR_ELIMIT;
		}
		next = e->want[e->nwant - 1].index + 1;
	}
	text_value(&v, next, key, val);
	rc = want_insert(e, &v);
	if (rc != IDR_OK) {
		snprintf(err, errlen, "%s", idr_strerror(rc));
	}
	return rc;
}

/* Set the data of the value at index (type type), or add it. */
static int
set_fixed(struct edit *e, uint32_t index, const char *type, struct slice data, char *err,
          size_t errlen)
{
	struct value *old = find_index(e->want, e->nwant, index), v;
	char tb[REC_QUOTE_CHARS * 4 + 16];
	int rc;

	if (old != NULL && !slice_caseeq_cstr(old->type, type)) {
		snprintf(err, errlen, "value %lu has type %s, not %s", (unsigned long)index,
		         key_text(old->type, tb, sizeof(tb)), type);
		return IDR_EREC_RESERVED;
	}
	if (old != NULL) {
		old->data = data;
		return IDR_OK;
	}
	text_value(&v, index, slice_cstr(type), data);
	rc = want_insert(e, &v);
	if (rc != IDR_OK) {
		snprintf(err, errlen, "%s", idr_strerror(rc));
	}
	return rc;
}

int
edit_set_url(struct edit *e, struct slice url, char *err, size_t errlen)
{
	return set_fixed(e, VALUE_INDEX_URL, "URL", url, err, errlen);
}

int
edit_set_kind(struct edit *e, enum rec_kind kind, char *err, size_t errlen)
{
	return set_fixed(e, REC_KIND_INDEX, REC_KIND_TYPE, slice_cstr(rec_kind_name(kind)), err,
	                 errlen);
}

int
edit_unset(struct edit *e, struct slice key, char *err, size_t errlen)
{
	char kb[REC_QUOTE_CHARS * 4 + 16];
	struct value *v;
	size_t pos = 0;
	int rc;

	if (slice_caseeq_cstr(key, "kind") || slice_caseeq_cstr(key, REC_KIND_TYPE)) {
		snprintf(err, errlen,
		         "the kind of an item cannot be removed (change it with idr "
		         "set ID --kind KIND)");
		return IDR_EREC_RESERVED;
	}
	if (slice_caseeq_cstr(key, "url")) {
		v = find_index(e->want, e->nwant, VALUE_INDEX_URL);
		if (v == NULL || !slice_caseeq_cstr(v->type, "URL")) {
			snprintf(err, errlen, "no URL (value 1) to remove");
			return IDR_ENOENT;
		}
		pos = (size_t)(v - e->want);
	} else {
		rc = row_attr_key_check(key, err, errlen);
		if (rc != IDR_OK) {
			return rc;
		}
		rc = find_type(e, key, &pos, err, errlen);
		if (rc == IDR_ENOENT) {
			snprintf(err, errlen, "no value with key %s to remove",
			         key_text(key, kb, sizeof(kb)));
		}
		if (rc != IDR_OK) {
			return rc;
		}
	}
	memmove(&e->want[pos], &e->want[pos + 1], (e->nwant - pos - 1) * sizeof(*e->want));
	e->nwant--;
	return IDR_OK;
}

int
edit_diff(struct edit *e)
{
	int n = rec_diff(e->have, e->nhave, e->want, e->nwant, e->diff, EDIT_DIFF_CAP);

	e->ndiff = n > 0 ? (size_t)n : 0;
	return n;
}

/* Refuse what the registry would refuse after an earlier call of edit_apply succeeded. */
static int
apply_check(const struct edit *e, size_t ndel)
{
	size_t i;

	if (e->nwant > VALUE_MAX_VALUES) {
		return IDR_EREC_TOOMANY;
	}
	if (e->nwant == 0 && ndel > 0) {
		return IDR_EREC_LASTVALUE;
	}
	for (i = 0; i < e->ndiff; i++) {
		const struct rec_diff *d = &e->diff[i];

		if (d->kind == REC_DIFF_ONLY_A && d->index == REC_KIND_INDEX &&
		    e->view.kind != REC_KIND_NONE && slice_caseeq_cstr(d->a->type, REC_KIND_TYPE)) {
			return IDR_EREC_RESERVED;
		}
	}
	return IDR_OK;
}

/* The values of one kind of difference (CHANGED or ONLY_B: their new form) into scratch. */
static size_t
collect(struct edit *e, enum rec_diff_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < e->ndiff; i++) {
		if (e->diff[i].kind == kind) {
			e->scratch[n++] = *e->diff[i].b;
		}
	}
	return n;
}

static int
apply_add(struct edit *e, struct reg_wtxn *w, struct slice id)
{
	size_t n = collect(e, REC_DIFF_ONLY_B);

	return n > 0 ? reg_add_values(w, id, e->scratch, n) : IDR_OK;
}

static int
apply_remove(struct reg_wtxn *w, struct slice id, const uint32_t *indexes, size_t n)
{
	return n > 0 ? reg_remove_values(w, id, indexes, n) : IDR_OK;
}

int
edit_apply(struct edit *e, struct reg_wtxn *w, struct slice id)
{
	size_t i, nmod, ndel = 0;
	int rc;

	/* everything needed is copied out before the first write: e->have borrows the store */
	for (i = 0; i < e->ndiff; i++) {
		if (e->diff[i].kind == REC_DIFF_ONLY_A) {
			e->indexes[ndel++] = e->diff[i].index;
		}
	}
	rc = apply_check(e, ndel);
	if (rc != IDR_OK) {
		return rc;
	}
	nmod = collect(e, REC_DIFF_CHANGED);
	if (nmod > 0 && (rc = reg_modify_values(w, id, e->scratch, nmod)) != IDR_OK) {
		return rc;
	}
	/* removing first keeps the count low, unless it would remove every value */
	if (nmod == 0 && ndel == e->nhave) {
		rc = apply_add(e, w, id);
		return rc == IDR_OK ? apply_remove(w, id, e->indexes, ndel) : rc;
	}
	rc = apply_remove(w, id, e->indexes, ndel);
	return rc == IDR_OK ? apply_add(e, w, id) : rc;
}

/* One line of edit_print. */
static void
print_one(FILE *f, const struct rec_diff *d)
{
	char lb[REC_QUOTE_CHARS * 4 + 16], qa[sizeof(lb)], qb[sizeof(lb)];
	const struct value *v = d->b != NULL ? d->b : d->a;

	/* the type without quotes when it is plain text */
	rec_quote(v->type, lb, sizeof(lb));
	if (lb[0] == '"' && strlen(lb) >= 2) {
		memmove(lb, lb + 1, strlen(lb) - 2);
		lb[strlen(lb) - 2] = '\0';
	}
	fprintf(f, "  %lu %s: ", (unsigned long)d->index, lb);
	if (d->a == NULL) {
		fprintf(f, "added %s\n", rec_quote(d->b->data, qb, sizeof(qb)));
	} else if (d->b == NULL) {
		fprintf(f, "removed %s\n", rec_quote(d->a->data, qa, sizeof(qa)));
	} else if (d->fields & REC_DIFF_DATA) {
		fprintf(f, "%s -> %s\n", rec_quote(d->a->data, qa, sizeof(qa)),
		        rec_quote(d->b->data, qb, sizeof(qb)));
	} else {
		fprintf(f, "changed%s%s%s%s\n", (d->fields & REC_DIFF_TYPE) ? " type" : "",
		        (d->fields & REC_DIFF_TTL) ? " TTL" : "",
		        (d->fields & REC_DIFF_PERMS) ? " permissions" : "",
		        (d->fields & REC_DIFF_REFS) ? " references" : "");
	}
}

int
edit_print(FILE *f, const struct edit *e)
{
	size_t i;

	for (i = 0; i < e->ndiff; i++) {
		print_one(f, &e->diff[i]);
	}
	return ferror(f) ? IDR_EIO : IDR_OK;
}

size_t
edit_describe(const struct edit *e, const char *b_name, char *buf, size_t cap)
{
	return rec_diff_format(e->diff, e->ndiff, e->ndiff, EDIT_MAX_LISTED, EDIT_HERE, b_name, buf,
	                       cap);
}

const char *
edit_conflict_text(struct edit *e, struct reg_wtxn *w, struct slice id, enum rec_kind kind,
                   const struct value *values, size_t n, const char *b_name, char *buf, size_t cap)
{
	const char *plain = idr_strerror(IDR_ECONFLICT);
	size_t len;
	int rc;

	if (edit_load(e, w, id) != IDR_OK || edit_want_row(e, kind, values, n) != IDR_OK ||
	    (rc = edit_diff(e)) < 0) {
		snprintf(buf, cap, "%s", plain);
		return buf;
	}
	if (rc == 0) {
		snprintf(buf, cap,
		         "%s: its HS_ values (administrators, keys) differ from those a new "
		         "record gets",
		         plain);
		return buf;
	}
	len = (size_t)snprintf(buf, cap, "%s: ", plain);
	if (len < cap) {
		edit_describe(e, b_name, buf + len, cap - len);
	}
	return buf;
}

/* ---------------------------------------------------------------- idr set / unset */

/* What edit_cli_run works with. */
struct cli_edit {
	const char *cmd;
	struct reg *r;
	struct reg_wtxn *w;
	const char *id;
	struct edit e;
	char *text; /* the change list (malloc) */
	bool missing;
};

/* Load, build, diff and apply; the change list is rendered into c->text. */
static int
cli_change(struct cli_edit *c, edit_build_fn build, void *arg)
{
	char err[EDIT_ERR_LEN], idb[300], msg[IDENT_ERR_LEN];
	size_t len = 0;
	FILE *mem;
	int rc = edit_load(&c->e, c->w, slice_cstr(c->id));

	if (rc == IDR_ENOENT) {
		c->missing = true;
		cli_errorf(c->cmd,
		           "%s: not registered (create it with idr register ID --kind KIND "
		           "[KEY=VALUE...])",
		           cli_safe(c->id, idb, sizeof(idb)));
		return rc;
	}
	err[0] = '\0';
	if (rc == IDR_OK) {
		edit_want_have(&c->e);
		rc = build(&c->e, arg, err, sizeof(err));
	}
	if (rc == IDR_OK && (rc = edit_diff(&c->e)) > 0) {
		/* listed before the writes: e.have borrows the store */
		mem = open_memstream(&c->text, &len);
		rc = mem == NULL ? IDR_ENOMEM : edit_print(mem, &c->e);
		if (mem != NULL && fclose(mem) != 0 && rc == IDR_OK) {
			rc = IDR_ENOMEM;
		}
		if (rc == IDR_OK) {
			rc = edit_apply(&c->e, c->w, slice_cstr(c->id));
		}
		rc = rc == IDR_OK ? 1 : rc;
	}
	if (rc < 0) {
		cli_errorf(c->cmd, "%s: %s", cli_safe(c->id, idb, sizeof(idb)),
		           err[0] != '\0' ? err : reg_strerror(c->r, rc, msg, sizeof(msg)));
	}
	return rc;
}

int
edit_cli_run(const char *cmd, struct reg *r, const char *id, edit_build_fn build, void *arg)
{
	struct cli_edit c;
	char idb[300], msg[IDENT_ERR_LEN];
	int rc, changed;

	memset(&c, 0, sizeof(c));
	c.cmd = cmd;
	c.r = r;
	c.id = id;
	if (edit_init(&c.e) != IDR_OK) {
		cli_errorf(cmd, "out of memory");
		return CLI_EXIT_FAIL;
	}
	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &c.w);
	if (rc != IDR_OK) {
		cli_errorf(cmd, "%s", reg_strerror(r, rc, msg, sizeof(msg)));
		edit_deinit(&c.e);
		return CLI_EXIT_FAIL;
	}
	changed = cli_change(&c, build, arg);
	edit_deinit(&c.e);
	if (changed <= 0) {
		reg_write_abort(c.w); /* an error, or nothing to change: nothing is written */
		rc = changed;
	} else {
		rc = reg_write_commit(c.w);
		if (rc != IDR_OK) {
			cli_errorf(cmd, "%s: %s", cli_safe(id, idb, sizeof(idb)),
			           reg_strerror(r, rc, msg, sizeof(msg)));
		}
	}
	if (rc == IDR_OK && changed == 0) {
		printf("unchanged %s (it already holds these values)\n", id);
	} else if (rc == IDR_OK) {
		printf("updated %s\n%s", id, c.text != NULL ? c.text : "");
	}
	free(c.text);
	if (rc == IDR_OK) {
		return CLI_EXIT_OK;
	}
	return c.missing ? CLI_EXIT_NOTFOUND : CLI_EXIT_FAIL;
}
