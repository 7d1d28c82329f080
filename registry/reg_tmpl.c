/*
 * reg_tmpl.c - the metadata template operations of the registry (reg.h): versions of a hosted
 * prefix's template in the `templates` database, journaled; the template check of creates
 * (cached per transaction); reads. The model, its JSON and stored forms and the value checks
 * are model/tmpl.[ch]; the rules are listed in reg.h.
 */
#include "reg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "jrn.h"
#include "model/ident.h"
#include "model/tmpl.h"
#include "pfx.h"
#include "reg_int.h"
#include "store/store.h"

#define TKEY_MAX (TMPL_MAX_PREFIX + 1 + TMPL_MAX_VERSION)

static void vdetail(struct reg_wtxn *w, const char *fmt, va_list ap) IDR_PRINTF(2, 0);

static void
vdetail(struct reg_wtxn *w, const char *fmt, va_list ap)
{
	if (vsnprintf(w->detail, sizeof(w->detail), fmt, ap) < 0) {
		w->detail[0] = '\0';
	}
}

static int detailf(struct reg_wtxn *w, int rc, const char *fmt, ...) IDR_PRINTF(3, 4);

static int
detailf(struct reg_wtxn *w, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdetail(w, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
reg_write_detail(const struct reg_wtxn *w)
{
	return w->detail;
}

/* Key folded prefix | 0x00 | version; false if they do not fit (not a valid template). */
static bool
tkey(struct slice prefix, struct slice version, uint8_t *buf, struct slice *out)
{
	if (prefix.len == 0 || prefix.len > TMPL_MAX_PREFIX || version.len == 0 ||
	    version.len > TMPL_MAX_VERSION) {
		return false;
	}
	ident_fold(prefix.p, prefix.len, buf);
	buf[prefix.len] = 0;
	memcpy(buf + prefix.len + 1, version.p, version.len);
	*out = slice_make(buf, prefix.len + 1 + version.len);
	return true;
}

/* Load a version (heap copy). @return IDR_OK, IDR_ETMPL_UNKNOWN or a store/decode error. */
static int
tmpl_load(struct store_txn *txn, struct slice prefix, struct slice version, struct tmpl **out)
{
	uint8_t buf[TKEY_MAX];
	struct slice key, v;
	int rc;

	*out = NULL;
	if (!tkey(prefix, version, buf, &key)) {
		return IDR_ETMPL_UNKNOWN;
	}
	rc = store_get(txn, STORE_DB_TEMPLATES, key, &v);
	if (rc == IDR_ENOENT) {
		return IDR_ETMPL_UNKNOWN;
	}
	return rc != IDR_OK ? rc : tmpl_decode(v, out);
}

/* Store t and journal it (t->changed is set to now). */
static int
tmpl_store(struct reg_wtxn *w, struct tmpl *t)
{
	uint8_t buf[TKEY_MAX];
	struct slice key, payload;
	size_t mark;
	int rc;

	if (!tkey(slice_cstr(t->prefix), slice_cstr(t->version), buf, &key)) {
		return IDR_ELIMIT;
	}
	t->changed = reg_now_s();
	mark = jrn_change_begin(&w->chg, JRN_OP_TEMPLATE, slice_cstr(t->prefix));
	rc = tmpl_encode(&w->chg, t);
	payload = jrn_change_end(&w->chg, mark);
	if (rc != IDR_OK) {
		return rc;
	}
	tmpl_free(w->tmpl_cache);
	w->tmpl_cache = NULL;
	rc = store_put(w->txn, STORE_DB_TEMPLATES, key, payload, 0, NULL);
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	return reg_jrn_append(w);
}

/* The checks of every change: a usable transaction, a valid prefix hosted here. */
static int
hosted(struct reg_wtxn *w, struct slice prefix)
{
	struct pfx_info p;
	int rc;

	w->detail[0] = '\0';
	if (w->failed != IDR_OK) {
		return w->failed;
	}
	rc = ident_prefix_check(prefix);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = pfx_lookup(w->txn, prefix, &p);
	return rc == IDR_ENOENT ? IDR_EPFX_UNKNOWN : rc;
}

/* Load a version for a change; *t is NULL on error. */
static int
load_for_change(struct reg_wtxn *w, struct slice prefix, struct slice version, bool draft_only,
                struct tmpl **t)
{
	int rc = hosted(w, prefix);

	*t = NULL;
	if (rc == IDR_OK) {
		rc = tmpl_load(w->txn, prefix, version, t);
	}
	if (rc == IDR_ETMPL_UNKNOWN) {
		(void)detailf(w, rc, "template %.*s version %.*s does not exist", (int)prefix.len,
		              (const char *)prefix.p, (int)(version.len < 128 ? version.len : 128),
		              (const char *)version.p);
		return IDR_ETMPL_UNKNOWN;
	}
	if (rc == IDR_OK && draft_only && (*t)->state != TMPL_DRAFT) {
		(void)detailf(w, IDR_ETMPL_PUBLISHED,
		              "template %s version %s is %s: a published version never changes "
		              "(create a new version)",
		              (*t)->prefix, (*t)->version, tmpl_state_name((*t)->state));
		rc = IDR_ETMPL_PUBLISHED;
		tmpl_free(*t);
		*t = NULL;
	}
	return rc;
}

/* Same definition (state and times aside)? */
static int
same_definition(const struct tmpl *a, const struct tmpl *b, bool *same)
{
	struct wbuf x, y;
	int rc;

	wbuf_init_heap(&x, (size_t)TMPL_MAX_JSON * 2);
	wbuf_init_heap(&y, (size_t)TMPL_MAX_JSON * 2);
	rc = tmpl_write_json(&x, a, 0);
	if (rc == IDR_OK) {
		rc = tmpl_write_json(&y, b, 0);
	}
	*same = rc == IDR_OK && slice_eq(wbuf_slice(&x), wbuf_slice(&y));
	wbuf_deinit(&x);
	wbuf_deinit(&y);
	return rc;
}

int
reg_tmpl_create(struct reg_wtxn *w, const struct tmpl *t, enum reg_outcome *outcome)
{
	struct tmpl *cur = NULL, *n = NULL;
	bool same = false;
	int rc = hosted(w, slice_cstr(t->prefix));

	if (rc == IDR_OK) {
		rc = tmpl_rules(t, w->detail, sizeof(w->detail));
	}
	if (rc == IDR_OK) {
		rc = tmpl_load(w->txn, slice_cstr(t->prefix), slice_cstr(t->version), &cur);
	}
	if (rc == IDR_OK) {
		rc = same_definition(cur, t, &same);
		if (rc == IDR_OK && !same) {
			rc = cur->state == TMPL_DRAFT ? detailf(w, IDR_ECONFLICT,
			                                        "template %s version %s exists "
			                                        "with another definition "
			                                        "(update the draft instead)",
			                                        cur->prefix, cur->version)
			                              : detailf(w, IDR_ETMPL_PUBLISHED,
			                                        "template %s version %s is %s with "
			                                        "another definition",
			                                        cur->prefix, cur->version,
			                                        tmpl_state_name(cur->state));
		}
		tmpl_free(cur);
		if (rc == IDR_OK && outcome != NULL) {
			*outcome = REG_UNCHANGED;
		}
		return rc;
	}
	if (rc != IDR_ETMPL_UNKNOWN) {
		return rc;
	}
	rc = tmpl_copy(t, &n);
	if (rc == IDR_OK) {
		n->state = TMPL_DRAFT;
		n->created = reg_now_s();
		rc = tmpl_store(w, n);
	}
	tmpl_free(n);
	if (rc == IDR_OK && outcome != NULL) {
		*outcome = REG_CREATED;
	}
	return rc;
}

int
reg_tmpl_update(struct reg_wtxn *w, const struct tmpl *upd)
{
	struct tmpl *t;
	int rc = load_for_change(w, slice_cstr(upd->prefix), slice_cstr(upd->version), true, &t);

	if (rc == IDR_OK) {
		rc = tmpl_merge(t, upd, w->detail, sizeof(w->detail));
	}
	if (rc == IDR_OK) {
		rc = tmpl_store(w, t);
	}
	tmpl_free(t);
	return rc;
}

static bool
has_enabled_item(const struct tmpl *t)
{
	size_t i;

	for (i = 0; i < t->nitems; i++) {
		if (t->items[i].enabled) {
			return true;
		}
	}
	return false;
}

int
reg_tmpl_publish(struct reg_wtxn *w, struct slice prefix, struct slice version,
                 enum reg_outcome *outcome)
{
	struct tmpl *t;
	int rc = load_for_change(w, prefix, version, false, &t);

	if (rc != IDR_OK) {
		return rc;
	}
	if (outcome != NULL) {
		*outcome = t->state == TMPL_PUBLISHED ? REG_UNCHANGED : REG_UPDATED;
	}
	if (t->state != TMPL_PUBLISHED && !has_enabled_item(t)) {
		rc = detailf(w, IDR_ETMPL_INVALID,
		             "template %s version %s has no enabled item: nothing to publish",
		             t->prefix, t->version);
	} else if (t->state != TMPL_PUBLISHED) {
		t->state = TMPL_PUBLISHED;
		rc = tmpl_store(w, t);
	}
	tmpl_free(t);
	return rc;
}

int
reg_tmpl_withdraw(struct reg_wtxn *w, struct slice prefix, struct slice version,
                  enum reg_outcome *outcome)
{
	struct tmpl *t;
	int rc = load_for_change(w, prefix, version, false, &t);

	if (rc != IDR_OK) {
		return rc;
	}
	if (outcome != NULL) {
		*outcome = t->state == TMPL_WITHDRAWN ? REG_UNCHANGED : REG_UPDATED;
	}
	if (t->state == TMPL_DRAFT) {
		rc = detailf(w, IDR_ETMPL_STATE,
		             "template %s version %s is a draft: only a published version can be "
		             "withdrawn",
		             t->prefix, t->version);
	} else if (t->state == TMPL_PUBLISHED) {
		t->state = TMPL_WITHDRAWN;
		rc = tmpl_store(w, t);
	}
	tmpl_free(t);
	return rc;
}

int
reg_tmpl_item_add(struct reg_wtxn *w, struct slice prefix, struct slice version,
                  const struct tmpl_item *it, uint32_t *index)
{
	struct tmpl *t;
	int rc = load_for_change(w, prefix, version, true, &t);

	if (rc == IDR_OK) {
		rc = tmpl_item_add(t, it, w->detail, sizeof(w->detail));
	}
	if (rc == IDR_OK) {
		if (index != NULL) {
			*index = t->items[t->nitems - 1].index;
		}
		rc = tmpl_store(w, t);
	}
	tmpl_free(t);
	return rc;
}

/* The item named by a decimal index or a key. */
static struct tmpl_item *
item_named(struct tmpl *t, struct slice name)
{
	bool numeric = name.len > 0 && name.len <= 10;
	uint64_t index = 0;
	size_t i;

	for (i = 0; numeric && i < name.len; i++) {
		numeric = name.p[i] >= '0' && name.p[i] <= '9';
		index = index * 10 + (uint64_t)(name.p[i] - '0');
	}
	for (i = 0; i < t->nitems; i++) {
		if ((numeric && index == t->items[i].index) ||
		    slice_caseeq_cstr(name, t->items[i].key)) {
			return &t->items[i];
		}
	}
	return NULL;
}

int
reg_tmpl_item_disable(struct reg_wtxn *w, struct slice prefix, struct slice version,
                      struct slice item, enum reg_outcome *outcome)
{
	struct tmpl_item *it;
	struct tmpl *t;
	int rc = load_for_change(w, prefix, version, true, &t);

	if (rc != IDR_OK) {
		return rc;
	}
	it = item_named(t, item);
	if (it == NULL) {
		rc = detailf(w, IDR_ETMPL_ITEM, "template %s version %s has no item %.*s",
		             t->prefix, t->version, (int)(item.len < 128 ? item.len : 128),
		             (const char *)item.p);
	} else if (!it->enabled) {
		if (outcome != NULL) {
			*outcome = REG_UNCHANGED;
		}
	} else {
		it->enabled = false;
		rc = tmpl_store(w, t);
		if (rc == IDR_OK && outcome != NULL) {
			*outcome = REG_UPDATED;
		}
	}
	tmpl_free(t);
	return rc;
}

/* ---------------------------------------------------------------- registration check */

/* The value naming the template version: index 1001 with type TEMPLATE. */
static const struct value *
version_value(const struct value *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].index == TMPL_INDEX_VERSION &&
		    slice_caseeq_cstr(v[i].type, TMPL_TYPE_VERSION)) {
			return &v[i];
		}
	}
	return NULL;
}

/* The template of a registration, from the one-entry cache or the store. */
static int
create_template(struct reg_wtxn *w, struct slice prefix, struct slice version,
                const struct tmpl **out)
{
	struct tmpl *t;
	int rc;

	if (w->tmpl_cache != NULL && slice_caseeq_cstr(prefix, w->tmpl_cache->prefix) &&
	    slice_eq(version, slice_cstr(w->tmpl_cache->version))) {
		*out = w->tmpl_cache;
		return IDR_OK;
	}
	rc = tmpl_load(w->txn, prefix, version, &t);
	if (rc != IDR_OK) {
		return rc;
	}
	tmpl_free(w->tmpl_cache);
	w->tmpl_cache = t;
	*out = t;
	return IDR_OK;
}

int
reg_tmpl_check_create(struct reg_wtxn *w, struct slice prefix, const struct value *v, size_t n)
{
	const struct value *ver = version_value(v, n);
	const struct tmpl *t = NULL;
	struct tmpl_report rep;
	int rc;

	w->detail[0] = '\0';
	if (ver == NULL) {
		return IDR_OK;
	}
	rc = create_template(w, prefix, ver->data, &t);
	if (rc == IDR_ETMPL_UNKNOWN) {
		return detailf(w, rc, "template %.*s version %.*s does not exist", (int)prefix.len,
		               (const char *)prefix.p,
		               (int)(ver->data.len < 128 ? ver->data.len : 128),
		               (const char *)ver->data.p);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (t->state != TMPL_PUBLISHED) {
		return detailf(w, IDR_ETMPL_NOTPUBLISHED,
		               "template %s version %s is %s: only a published version accepts "
		               "registrations",
		               t->prefix, t->version, tmpl_state_name(t->state));
	}
	rc = tmpl_check_values(t, v, n, &rep);
	if (rc != IDR_OK) {
		memcpy(w->detail, rep.text,
		       sizeof(w->detail) < sizeof(rep.text) ? sizeof(w->detail) : sizeof(rep.text));
		w->detail[sizeof(w->detail) - 1] = '\0';
	}
	return rc;
}

/* ---------------------------------------------------------------- reads */

int
reg_tmpl_get(struct reg_rtxn *t, struct slice prefix, struct slice version, struct tmpl **out)
{
	int rc = ident_prefix_check(prefix);

	*out = NULL;
	return rc != IDR_OK ? rc : tmpl_load(t->txn, prefix, version, out);
}

int
reg_tmpl_list(struct reg_rtxn *t, struct slice prefix, reg_tmpl_fn cb, void *arg)
{
	uint8_t start[TMPL_MAX_PREFIX + 1];
	struct store_cursor *c = NULL;
	struct tmpl *tm;
	struct slice k, v;
	int rc = ident_prefix_check(prefix);

	if (rc != IDR_OK) {
		return rc;
	}
	if (prefix.len > TMPL_MAX_PREFIX) {
		return IDR_OK; /* no hosted prefix is that long: no templates */
	}
	ident_fold(prefix.p, prefix.len, start);
	start[prefix.len] = 0;
	rc = store_cursor_open(t->txn, STORE_DB_TEMPLATES, &c);
	if (rc == IDR_OK) {
		rc = store_cursor_seek(c, slice_make(start, prefix.len + 1), &k, &v);
	}
	while (rc == IDR_OK && k.len > prefix.len + 1 && memcmp(k.p, start, prefix.len + 1) == 0) {
		rc = tmpl_decode(v, &tm);
		if (rc != IDR_OK) {
			break;
		}
		rc = cb(arg, tm);
		tmpl_free(tm);
		if (rc != 0) {
			break;
		}
		rc = store_cursor_next(c, &k, &v);
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

int
reg_tmpl_check(struct reg_rtxn *t, struct slice prefix, struct slice version, const struct value *v,
               size_t n, struct tmpl_report *rep)
{
	struct tmpl *tm;
	int rc;

	memset(rep, 0, sizeof(*rep));
	rc = reg_tmpl_get(t, prefix, version, &tm);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = tmpl_check_values(tm, v, n, rep);
	tmpl_free(tm);
	return rc;
}
