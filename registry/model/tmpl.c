/* tmpl.c - metadata templates (tmpl.h): model, rules, JSON parser (over jansson) and writer,
 * stored encoding. The record check is in tmpl_check.c. */
#include "model/tmpl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "base/err.h"
#include "base/rbuf.h"
#include "base/text.h"
#include "model/ident.h"
#include "model/vjson.h"

static const char *const state_names[] = {"draft", "published", "withdrawn"};
static const char *const type_names[] = {NULL, "string", "number", "date", "enum", "handle"};
static const char *const datefmt_names[] = {"YYYY-MM-DD", "YYYY-MM-DD HH:mm:ss"};

const char *
tmpl_state_name(int state)
{
	return state >= TMPL_DRAFT && state <= TMPL_WITHDRAWN ? state_names[state] : NULL;
}

const char *
tmpl_type_name(int type)
{
	return type >= TMPL_STRING && type <= TMPL_HANDLE ? type_names[type] : NULL;
}

/* ---------------------------------------------------------------- memory */

void
tmpl_item_deinit(struct tmpl_item *it)
{
	size_t i;

	if (it == NULL) {
		return;
	}
	free(it->name);
	free(it->key);
	for (i = 0; i < it->nvalues; i++) {
		free(it->values[i]);
	}
	free(it->values);
	memset(it, 0, sizeof(*it));
}

void
tmpl_free(struct tmpl *t)
{
	size_t i;

	if (t == NULL) {
		return;
	}
	for (i = 0; i < t->nitems; i++) {
		tmpl_item_deinit(&t->items[i]);
	}
	free(t->items);
	free(t->prefix);
	free(t->version);
	free(t->handle);
	free(t->description);
	free(t);
}

/* strdup that keeps NULL. @return false on allocation failure. */
static bool
dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (s == NULL) {
		return true;
	}
	*out = strdup(s);
	return *out != NULL;
}

static int
item_copy(const struct tmpl_item *src, struct tmpl_item *dst)
{
	size_t i;

	*dst = *src;
	dst->name = dst->key = NULL;
	dst->values = NULL;
	dst->nvalues = 0;
	if (!dup_opt(src->name, &dst->name) || !dup_opt(src->key, &dst->key)) {
		goto fail;
	}
	if (src->nvalues > 0) {
		dst->values = calloc(src->nvalues, sizeof(*dst->values));
		if (dst->values == NULL) {
			goto fail;
		}
		for (i = 0; i < src->nvalues; i++) {
			dst->values[i] = strdup(src->values[i]);
			if (dst->values[i] == NULL) {
				dst->nvalues = i;
				goto fail;
			}
		}
		dst->nvalues = src->nvalues;
	}
	return IDR_OK;
fail:
	tmpl_item_deinit(dst);
	return IDR_ENOMEM;
}

int
tmpl_copy(const struct tmpl *t, struct tmpl **out)
{
	struct tmpl *c = calloc(1, sizeof(*c));
	size_t i;

	*out = NULL;
	if (c == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(c->industry, t->industry, sizeof(c->industry));
	c->obj_type = t->obj_type;
	c->state = t->state;
	c->created = t->created;
	c->changed = t->changed;
	if (!dup_opt(t->prefix, &c->prefix) || !dup_opt(t->version, &c->version) ||
	    !dup_opt(t->handle, &c->handle) || !dup_opt(t->description, &c->description)) {
		goto fail;
	}
	if (t->nitems > 0) {
		c->items = calloc(t->nitems, sizeof(*c->items));
		if (c->items == NULL) {
			goto fail;
		}
	}
	for (i = 0; i < t->nitems; i++) {
		if (item_copy(&t->items[i], &c->items[i]) != IDR_OK) {
			goto fail;
		}
		c->nitems++;
	}
	*out = c;
	return IDR_OK;
fail:
	tmpl_free(c);
	return IDR_ENOMEM;
}

/* ---------------------------------------------------------------- errors */

/* Format into err[0..cap) (if given). */
static void vformat(char *err, size_t cap, const char *fmt, va_list ap) IDR_PRINTF(3, 0);

static void
vformat(char *err, size_t cap, const char *fmt, va_list ap)
{
	if (err != NULL && cap > 0 && vsnprintf(err, cap, fmt, ap) < 0) {
		err[0] = '\0';
	}
}

static int errf(char *err, size_t cap, int rc, const char *fmt, ...) IDR_PRINTF(4, 5);

static int
errf(char *err, size_t cap, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(err, cap, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---------------------------------------------------------------- GB/T 4754 */

/* 大类 (two-digit division) ranges of each 门类 (section) A..T, GB/T 4754-2017. */
static const unsigned char section_range[20][2] = {
        {1, 5},   {6, 12},  {13, 43}, {44, 46}, {47, 50}, {51, 52}, {53, 60},
        {61, 62}, {63, 65}, {66, 69}, {70, 70}, {71, 72}, {73, 75}, {76, 79},
        {80, 82}, {83, 83}, {84, 85}, {86, 90}, {91, 96}, {97, 97},
};

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n) {
		return false;
	}
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	return true;
}

static int
industry_levels(const char *const lv[4], char *err, size_t cap)
{
	static const char *const names[4] = {"industryCategory", "industrySpecific",
	                                     "industryTrade", "industrySubclass"};
	size_t i;

	for (i = 1; i < 4; i++) {
		if (lv[i][0] == '\0') {
			continue;
		}
		if (!all_digits(lv[i], i + 1)) {
			return errf(err, cap, IDR_ETMPL_INVALID,
			            "%s: '%.8s' is not a GB/T 4754 code of %zu digits", names[i],
			            lv[i], i + 1);
		}
		if (lv[i - 1][0] == '\0') {
			return errf(err, cap, IDR_ETMPL_INVALID, "%s: given without %s", names[i],
			            names[i - 1]);
		}
		if (i > 1 && strncmp(lv[i], lv[i - 1], i) != 0) {
			return errf(err, cap, IDR_ETMPL_INVALID, "%s: %s does not begin with %s %s",
			            names[i], lv[i], names[i - 1], lv[i - 1]);
		}
	}
	return IDR_OK;
}

int
tmpl_industry_check(const char *category, const char *specific, const char *trade,
                    const char *subclass, char *err, size_t cap)
{
	const char *const lv[4] = {category != NULL ? category : "",
	                           specific != NULL ? specific : "", trade != NULL ? trade : "",
	                           subclass != NULL ? subclass : ""};
	int rc, div;
	unsigned sec;

	if (strlen(lv[0]) != 1 || lv[0][0] < 'A' || lv[0][0] > 'T') {
		return errf(err, cap, IDR_ETMPL_INVALID,
		            "industryCategory: '%.8s' is not a GB/T 4754 section letter A..T",
		            lv[0]);
	}
	rc = industry_levels(lv, err, cap);
	if (rc != IDR_OK || lv[1][0] == '\0') {
		return rc;
	}
	sec = (unsigned)(lv[0][0] - 'A');
	div = (lv[1][0] - '0') * 10 + (lv[1][1] - '0');
	if (div < section_range[sec][0] || div > section_range[sec][1]) {
		return errf(err, cap, IDR_ETMPL_INVALID,
		            "industrySpecific: %s is not in section %c (divisions %02d..%02d)",
		            lv[1], lv[0][0], section_range[sec][0], section_range[sec][1]);
	}
	return IDR_OK;
}

/* ---------------------------------------------------------------- rules */

/* Clean text (UTF-8, no control characters) of 1..max bytes. */
static int
text_rule(const char *what, const char *s, size_t max, bool empty_ok, char *err, size_t cap)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 && !empty_ok) {
		return errf(err, cap, IDR_ETMPL_INVALID, "%s: must not be empty", what);
	}
	if (n > max) {
		return errf(err, cap, IDR_ELIMIT, "%s: longer than %zu bytes", what, max);
	}
	if (n > 0 && !text_is_clean((const uint8_t *)s, n)) {
		return errf(err, cap, IDR_ETMPL_INVALID,
		            "%s: must be UTF-8 text without control characters", what);
	}
	return IDR_OK;
}

static bool
key_reserved(const char *key)
{
	static const char *const reserved[] = {TMPL_TYPE_HANDLE, TMPL_TYPE_VERSION, "ITEM_KIND",
	                                       "URL", NULL};
	size_t i;

	if (strncasecmp(key, "HS_", 3) == 0) {
		return true;
	}
	for (i = 0; reserved[i] != NULL; i++) {
		if (strcasecmp(key, reserved[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* Rules of one item on its own; where = "items[i]" or the key. */
static int
item_rules(const struct tmpl_item *it, const char *where, char *err, size_t cap)
{
	char what[64];
	int rc;

	snprintf(what, sizeof(what), "%s.name", where);
	rc = text_rule(what, it->name, TMPL_MAX_NAME, false, err, cap);
	if (rc == IDR_OK) {
		snprintf(what, sizeof(what), "%s.idType", where);
		rc = text_rule(what, it->key, TMPL_MAX_NAME, false, err, cap);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (key_reserved(it->key)) {
		return errf(err, cap, IDR_ETMPL_INVALID,
		            "%s.idType: '%s' is a reserved type (HS_*, URL, ITEM_KIND, TEMPLATE, "
		            "TEMPLATE_ID)",
		            where, it->key);
	}
	if (it->index < TMPL_MIN_INDEX || it->index > TMPL_MAX_INDEX) {
		return errf(err, cap, IDR_ETMPL_INVALID, "%s.idIndex: %u is not in %d..%u", where,
		            it->index, TMPL_MIN_INDEX, TMPL_MAX_INDEX);
	}
	if (tmpl_type_name(it->type) == NULL) {
		return errf(err, cap, IDR_ETMPL_INVALID, "%s.metadata.type: unknown", where);
	}
	if (it->has_min_len && it->has_max_len && it->min_len > it->max_len) {
		return errf(err, cap, IDR_ETMPL_INVALID,
		            "%s.metadata: minLength %u is above maxLength %u", where, it->min_len,
		            it->max_len);
	}
	if (it->has_minimum && it->has_maximum && it->minimum > it->maximum) {
		return errf(err, cap, IDR_ETMPL_INVALID, "%s.metadata: minimum is above maximum",
		            where);
	}
	if (it->type == TMPL_ENUM && it->nvalues == 0) {
		return errf(err, cap, IDR_ETMPL_INVALID,
		            "%s.metadata.enum: an enum item needs its allowed values", where);
	}
	return IDR_OK;
}

/* Uniqueness of item i against items 0..i-1. */
static int
item_unique(const struct tmpl *t, size_t i, char *err, size_t cap)
{
	const struct tmpl_item *it = &t->items[i];
	size_t j;

	for (j = 0; j < i; j++) {
		const struct tmpl_item *o = &t->items[j];

		if (o->index == it->index) {
			return errf(err, cap, IDR_ETMPL_INVALID,
			            "items[%zu].idIndex: %u is already item '%s'", i, it->index,
			            o->key);
		}
		if (strcasecmp(o->key, it->key) == 0) {
			return errf(err, cap, IDR_ETMPL_INVALID,
			            "items[%zu].idType: '%s' is already item %u", i, it->key,
			            o->index);
		}
		if (strcmp(o->name, it->name) == 0) {
			return errf(err, cap, IDR_ETMPL_INVALID,
			            "items[%zu].name: '%s' is already item '%s' (%u)", i, it->name,
			            o->key, o->index);
		}
	}
	return IDR_OK;
}

int
tmpl_rules(const struct tmpl *t, char *err, size_t cap)
{
	struct ident id;
	char where[32];
	size_t i;
	int rc;

	if (t->prefix == NULL || ident_prefix_check(slice_cstr(t->prefix)) != IDR_OK ||
	    strlen(t->prefix) > TMPL_MAX_PREFIX) {
		return errf(err, cap, IDR_ETMPL_INVALID, "prefix: '%.80s' is not a valid prefix",
		            t->prefix != NULL ? t->prefix : "");
	}
	rc = text_rule("version", t->version, TMPL_MAX_VERSION, false, err, cap);
	if (rc == IDR_OK) {
		rc = text_rule("description", t->description, TMPL_MAX_DESC, true, err, cap);
	}
	if (rc == IDR_OK) {
		rc = tmpl_industry_check(t->industry[0], t->industry[1], t->industry[2],
		                         t->industry[3], err, cap);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (t->obj_type != 1 && t->obj_type != 2) {
		return errf(err, cap, IDR_ETMPL_INVALID,
		            "type: must be 1 (active carrier 主动标识载体) or 2 (other)");
	}
	if (t->handle != NULL && ident_parse(&id, t->handle, strlen(t->handle), NULL) != IDR_OK) {
		return errf(err, cap, IDR_ETMPL_INVALID, "handle: '%.80s' is not an identifier",
		            t->handle);
	}
	if (t->nitems > TMPL_MAX_ITEMS) {
		return errf(err, cap, IDR_ELIMIT, "items: more than %d", TMPL_MAX_ITEMS);
	}
	for (i = 0; i < t->nitems; i++) {
		snprintf(where, sizeof(where), "items[%zu]", i);
		rc = item_rules(&t->items[i], where, err, cap);
		if (rc == IDR_OK) {
			rc = item_unique(t, i, err, cap);
		}
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return IDR_OK;
}

/* ---------------------------------------------------------------- JSON parser */

struct pctx {
	char *err;
	size_t cap;
	char path[64];
};

static int pfail(struct pctx *c, const char *key, int rc, const char *fmt, ...) IDR_PRINTF(4, 5);

static int
pfail(struct pctx *c, const char *key, int rc, const char *fmt, ...)
{
	char msg[TMPL_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return errf(c->err, c->cap, rc, "%s%s%s: %s", c->path, c->path[0] != '\0' ? "." : "", key,
	            msg);
}

/* Member of obj; JSON null counts as absent. */
static json_t *
member(const json_t *obj, const char *key)
{
	json_t *m = json_object_get(obj, key);

	return json_is_null(m) ? NULL : m;
}

/* Every member must be known or ignored; else an error naming it (with a suggestion). */
static int
members_known(struct pctx *c, const json_t *obj, const char *const *known,
              const char *const *ignored)
{
	union {
		const json_t *c;
		json_t *m; /* jansson iterates over a non-const object without changing it */
	} o = {obj};
	const char *key, *near;
	json_t *val;
	size_t i;

	json_object_foreach(o.m, key, val)
	{
		bool ok = false;

		for (i = 0; known[i] != NULL && !ok; i++) {
			ok = strcmp(key, known[i]) == 0;
		}
		for (i = 0; ignored != NULL && ignored[i] != NULL && !ok; i++) {
			ok = strcmp(key, ignored[i]) == 0;
		}
		if (ok) {
			continue;
		}
		if (strlen(key) > TEXT_SUGGEST_MAX ||
		    !text_is_clean((const uint8_t *)key, strlen(key))) {
			return pfail(c, "?", IDR_ETMPL_INVALID,
			             "unknown member (%zu bytes, not shown)", strlen(key));
		}
		near = text_suggest(key, known);
		if (near != NULL) {
			return pfail(c, key, IDR_ETMPL_INVALID,
			             "unknown member (did you mean '%s'?)", near);
		}
		return pfail(c, key, IDR_ETMPL_INVALID, "unknown member");
	}
	return IDR_OK;
}

/* String member copied to the heap (*out NULL when absent and optional). */
static int
str_member(struct pctx *c, const json_t *obj, const char *key, bool required, size_t max,
           char **out)
{
	const json_t *m = member(obj, key);
	size_t n;

	*out = NULL;
	if (m == NULL) {
		return required ? pfail(c, key, IDR_ETMPL_INVALID, "missing (a string)") : IDR_OK;
	}
	if (!json_is_string(m)) {
		return pfail(c, key, IDR_EPROTO, "must be a string");
	}
	n = json_string_length(m);
	if (n > max) {
		return pfail(c, key, IDR_ELIMIT, "longer than %zu bytes", max);
	}
	if (!text_is_clean((const uint8_t *)json_string_value(m), n)) {
		return pfail(c, key, IDR_ETMPL_INVALID,
		             "must be UTF-8 text without control characters");
	}
	*out = strdup(json_string_value(m));
	return *out != NULL ? IDR_OK : IDR_ENOMEM;
}

/* An integer member in [min, max]; with digits_ok also a string of 1..10 digits. */
static int
int_member(struct pctx *c, const json_t *obj, const char *key, bool digits_ok, int64_t min,
           int64_t max, bool *present, int64_t *out)
{
	const json_t *m = member(obj, key);
	int64_t v = 0;

	*present = m != NULL;
	if (m == NULL) {
		return IDR_OK;
	}
	if (json_is_integer(m)) {
		v = json_integer_value(m);
	} else if (digits_ok && json_is_string(m) && json_string_length(m) >= 1 &&
	           json_string_length(m) <= 10 &&
	           all_digits(json_string_value(m), json_string_length(m))) {
		v = strtoll(json_string_value(m), NULL, 10); /* 1..10 digits: cannot overflow */
	} else {
		return pfail(c, key, IDR_EPROTO, "must be an integer %lld..%lld", (long long)min,
		             (long long)max);
	}
	if (v < min || v > max) {
		return pfail(c, key, IDR_ETMPL_INVALID, "%lld is not in %lld..%lld", (long long)v,
		             (long long)min, (long long)max);
	}
	*out = v;
	return IDR_OK;
}

/* true/false, or 0/1 (the enterprise-node API's flags). */
static int
flag_member(struct pctx *c, const json_t *obj, const char *key, bool def, bool *out)
{
	const json_t *m = member(obj, key);

	*out = def;
	if (m == NULL) {
		return IDR_OK;
	}
	if (json_is_boolean(m)) {
		*out = json_is_true(m);
		return IDR_OK;
	}
	if (json_is_integer(m) && (json_integer_value(m) == 0 || json_integer_value(m) == 1)) {
		*out = json_integer_value(m) == 1;
		return IDR_OK;
	}
	return pfail(c, key, IDR_EPROTO, "must be true or false (or 1 or 0)");
}

static int
real_member(struct pctx *c, const json_t *obj, const char *key, bool *present, double *out)
{
	const json_t *m = member(obj, key);

	*present = m != NULL;
	if (m == NULL) {
		return IDR_OK;
	}
	if (!json_is_number(m) || !isfinite(json_number_value(m))) {
		return pfail(c, key, IDR_EPROTO, "must be a number");
	}
	*out = json_number_value(m);
	return IDR_OK;
}

static int
enum_member(struct pctx *c, const json_t *obj, struct tmpl_item *it)
{
	const json_t *m = member(obj, "enum");
	size_t i, j, n;

	if (m == NULL) {
		return IDR_OK;
	}
	if (!json_is_array(m)) {
		return pfail(c, "enum", IDR_EPROTO, "must be an array of strings");
	}
	n = json_array_size(m);
	if (n == 0 || n > TMPL_MAX_ENUM) {
		return pfail(c, "enum", IDR_ELIMIT, "needs 1..%d values", TMPL_MAX_ENUM);
	}
	it->values = calloc(n, sizeof(*it->values));
	if (it->values == NULL) {
		return IDR_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const json_t *v = json_array_get(m, i);
		size_t len = json_is_string(v) ? json_string_length(v) : 0;

		if (!json_is_string(v) || len == 0 || len > TMPL_MAX_NAME ||
		    !text_is_clean((const uint8_t *)json_string_value(v), len)) {
			return pfail(c, "enum", IDR_ETMPL_INVALID,
			             "value %zu must be text of 1..%d bytes without control "
			             "characters",
			             i, TMPL_MAX_NAME);
		}
		for (j = 0; j < i; j++) {
			if (strcmp(it->values[j], json_string_value(v)) == 0) {
				return pfail(c, "enum", IDR_ETMPL_INVALID, "'%s' is listed twice",
				             it->values[j]);
			}
		}
		it->values[i] = strdup(json_string_value(v));
		if (it->values[i] == NULL) {
			return IDR_ENOMEM;
		}
		it->nvalues = i + 1;
	}
	return IDR_OK;
}

static int
datefmt_parse(const char *s, enum tmpl_datefmt *out)
{
	static const char *const alias[] = {"yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss"};
	int i;

	for (i = 0; i < 2; i++) {
		if (strcmp(s, datefmt_names[i]) == 0 || strcmp(s, alias[i]) == 0) {
			*out = (enum tmpl_datefmt)i;
			return IDR_OK;
		}
	}
	return IDR_ETMPL_INVALID;
}

/* The limits of metadata that apply to its type only. */
static int
meta_applies(struct pctx *c, const json_t *m, const struct tmpl_item *it)
{
	static const char *const number_only[] = {"minimum", "maximum", "accuracy", NULL};
	size_t i;

	for (i = 0; number_only[i] != NULL; i++) {
		if (it->type != TMPL_NUMBER && member(m, number_only[i]) != NULL) {
			return pfail(c, number_only[i], IDR_ETMPL_INVALID,
			             "applies to type number only");
		}
	}
	if (it->type != TMPL_DATE && member(m, "dateFormat") != NULL) {
		return pfail(c, "dateFormat", IDR_ETMPL_INVALID, "applies to type date only");
	}
	if (it->type != TMPL_ENUM && member(m, "enum") != NULL) {
		return pfail(c, "enum", IDR_ETMPL_INVALID, "applies to type enum only");
	}
	return IDR_OK;
}

static int
meta_type(struct pctx *c, const json_t *m, struct tmpl_item *it)
{
	char *type = NULL, *fmt = NULL;
	int rc, i;

	rc = str_member(c, m, "type", false, 16, &type);
	if (rc != IDR_OK) {
		return rc;
	}
	it->type = TMPL_STRING;
	for (i = TMPL_STRING; type != NULL && i <= TMPL_HANDLE; i++) {
		if (strcmp(type, type_names[i]) == 0) {
			break;
		}
	}
	if (type != NULL && i > TMPL_HANDLE) {
		rc = pfail(c, "type", IDR_ETMPL_INVALID,
		           "'%s' is not one of string, number, date, enum, handle", type);
	} else if (type != NULL) {
		it->type = (enum tmpl_type)i;
	}
	free(type);
	if (rc == IDR_OK) {
		rc = meta_applies(c, m, it);
	}
	if (rc == IDR_OK) {
		rc = str_member(c, m, "dateFormat", false, 32, &fmt);
	}
	if (rc == IDR_OK && fmt != NULL && datefmt_parse(fmt, &it->datefmt) != IDR_OK) {
		rc = pfail(c, "dateFormat", IDR_ETMPL_INVALID,
		           "'%s' is not YYYY-MM-DD or YYYY-MM-DD HH:mm:ss", fmt);
	}
	free(fmt);
	return rc;
}

static int
meta_parse(struct pctx *c, const json_t *m, struct tmpl_item *it)
{
	static const char *const known[] = {"type",       "minLength", "maxLength",
	                                    "minimum",    "maximum",   "accuracy",
	                                    "dateFormat", "enum",      NULL};
	int64_t v = 0;
	bool has;
	int rc;

	rc = members_known(c, m, known, NULL);
	if (rc == IDR_OK) {
		rc = meta_type(c, m, it);
	}
	if (rc == IDR_OK) {
		rc = int_member(c, m, "minLength", false, 0, VALUE_MAX_ARRAY, &has, &v);
		it->has_min_len = has;
		it->min_len = (uint32_t)v;
	}
	if (rc == IDR_OK) {
		v = 0;
		rc = int_member(c, m, "maxLength", false, 0, VALUE_MAX_ARRAY, &has, &v);
		it->has_max_len = has;
		it->max_len = (uint32_t)v;
	}
	if (rc == IDR_OK) {
		rc = real_member(c, m, "minimum", &it->has_minimum, &it->minimum);
	}
	if (rc == IDR_OK) {
		rc = real_member(c, m, "maximum", &it->has_maximum, &it->maximum);
	}
	it->accuracy = -1;
	if (rc == IDR_OK) {
		rc = int_member(c, m, "accuracy", false, 0, TMPL_MAX_ACCURACY, &has, &v);
		it->accuracy = has ? (int)v : -1;
	}
	if (rc == IDR_OK) {
		rc = enum_member(c, m, it);
	}
	if (rc == IDR_OK && it->type == TMPL_STRING && !it->has_max_len) {
		it->has_max_len = true; /* the enterprise-node API's default for text */
		it->max_len = TMPL_DEFAULT_MAXLEN;
	}
	return rc;
}

static int
item_parse(struct pctx *c, const json_t *obj, struct tmpl_item *it)
{
	static const char *const known[] = {"name",  "idType",   "idIndex", "required",
	                                    "state", "metadata", NULL};
	static const char *const ignored[] = {"metadataId", "id", NULL};
	const json_t *m;
	int64_t v = 0;
	bool has;
	int rc;

	memset(it, 0, sizeof(*it));
	if (!json_is_object(obj)) {
		return errf(c->err, c->cap, IDR_EPROTO, "%s: must be an object", c->path);
	}
	rc = members_known(c, obj, known, ignored);
	if (rc == IDR_OK) {
		rc = str_member(c, obj, "name", true, TMPL_MAX_NAME, &it->name);
	}
	if (rc == IDR_OK) {
		rc = str_member(c, obj, "idType", true, TMPL_MAX_NAME, &it->key);
	}
	if (rc == IDR_OK) {
		rc = int_member(c, obj, "idIndex", true, TMPL_MIN_INDEX, TMPL_MAX_INDEX, &has, &v);
		it->index = has ? (uint32_t)v : 0;
	}
	if (rc == IDR_OK) {
		rc = flag_member(c, obj, "required", false, &it->required);
	}
	if (rc == IDR_OK) {
		v = 1;
		rc = int_member(c, obj, "state", false, 0, 1, &has, &v);
		it->enabled = v == 1;
	}
	m = rc == IDR_OK ? member(obj, "metadata") : NULL;
	if (rc == IDR_OK && m == NULL) {
		rc = pfail(c, "metadata", IDR_ETMPL_INVALID,
		           "missing (an object with type and limits)");
	} else if (rc == IDR_OK && !json_is_object(m)) {
		rc = pfail(c, "metadata", IDR_EPROTO, "must be an object");
	} else if (rc == IDR_OK) {
		size_t len = strlen(c->path);

		snprintf(c->path + len, sizeof(c->path) - len, "%smetadata", len > 0 ? "." : "");
		rc = meta_parse(c, m, it);
		c->path[len] = '\0';
	}
	if (rc != IDR_OK) {
		tmpl_item_deinit(it);
	}
	return rc;
}

/* Next free index: one above the largest, or 2000. */
static uint32_t
next_index(const struct tmpl *t)
{
	uint32_t max = TMPL_MIN_INDEX - 1;
	size_t i;

	for (i = 0; i < t->nitems; i++) {
		max = t->items[i].index > max ? t->items[i].index : max;
	}
	return max < TMPL_MAX_INDEX ? max + 1 : 0;
}

static int
items_parse(struct pctx *c, const json_t *obj, struct tmpl *t)
{
	const json_t *items = member(obj, "items");
	size_t i, n;
	int rc;

	if (items == NULL) {
		return IDR_OK;
	}
	if (!json_is_array(items)) {
		return pfail(c, "items", IDR_EPROTO, "must be an array");
	}
	n = json_array_size(items);
	if (n > TMPL_MAX_ITEMS) {
		return pfail(c, "items", IDR_ELIMIT, "more than %d items", TMPL_MAX_ITEMS);
	}
	t->items = n > 0 ? calloc(n, sizeof(*t->items)) : NULL;
	if (n > 0 && t->items == NULL) {
		return IDR_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		snprintf(c->path, sizeof(c->path), "items[%zu]", i);
		rc = item_parse(c, json_array_get(items, i), &t->items[i]);
		if (rc != IDR_OK) {
			return rc;
		}
		t->nitems++;
	}
	c->path[0] = '\0';
	for (i = 0; i < n; i++) {
		if (t->items[i].index == 0) {
			t->items[i].index = next_index(t);
			t->items[i].index_auto = true;
		}
	}
	return IDR_OK;
}

static int
industry_parse(struct pctx *c, const json_t *obj, struct tmpl *t)
{
	static const char *const keys[4] = {"industryCategory", "industrySpecific", "industryTrade",
	                                    "industrySubclass"};
	char *s = NULL;
	size_t i;
	int rc;

	for (i = 0; i < 4; i++) {
		rc = str_member(c, obj, keys[i], i == 0, 4, &s);
		if (rc != IDR_OK) {
			return rc;
		}
		if (s != NULL) {
			memcpy(t->industry[i], s, strlen(s) + 1);
		}
		free(s);
	}
	return IDR_OK;
}

static int
state_parse(struct pctx *c, const json_t *obj, struct tmpl *t)
{
	char *s = NULL;
	int rc = str_member(c, obj, "templateState", false, 16, &s);
	int i;

	t->state = TMPL_DRAFT;
	for (i = 0; rc == IDR_OK && s != NULL && i < 3; i++) {
		if (strcmp(s, state_names[i]) == 0) {
			t->state = (enum tmpl_state)i;
			break;
		}
	}
	if (rc == IDR_OK && s != NULL && i == 3) {
		rc = pfail(c, "templateState", IDR_ETMPL_INVALID,
		           "'%s' is not draft, published or withdrawn", s);
	}
	free(s);
	return rc;
}

static int
top_parse(struct pctx *c, const json_t *obj, struct tmpl *t)
{
	static const char *const known[] = {"prefix",
	                                    "version",
	                                    "industryCategory",
	                                    "industrySpecific",
	                                    "industryTrade",
	                                    "industrySubclass",
	                                    "type",
	                                    "description",
	                                    "handle",
	                                    "items",
	                                    "templateState",
	                                    NULL};
	static const char *const ignored[] = {"id", "name", "createdTime", "updatedTime", NULL};
	int64_t v = 0;
	bool has;
	int rc;

	if (!json_is_object(obj)) {
		return errf(c->err, c->cap, IDR_EPROTO, "template: must be a JSON object");
	}
	rc = members_known(c, obj, known, ignored);
	if (rc == IDR_OK) {
		rc = str_member(c, obj, "prefix", true, TMPL_MAX_PREFIX, &t->prefix);
	}
	if (rc == IDR_OK) {
		rc = str_member(c, obj, "version", true, TMPL_MAX_VERSION, &t->version);
	}
	if (rc == IDR_OK) {
		rc = industry_parse(c, obj, t);
	}
	if (rc == IDR_OK) {
		rc = int_member(c, obj, "type", false, 1, 2, &has, &v);
		t->obj_type = has ? (int)v : 0;
		if (rc == IDR_OK && !has) {
			rc = pfail(c, "type", IDR_ETMPL_INVALID,
			           "missing (1 active carrier 主动标识载体, 2 other)");
		}
	}
	if (rc == IDR_OK) {
		rc = str_member(c, obj, "description", false, TMPL_MAX_DESC, &t->description);
	}
	if (rc == IDR_OK) {
		rc = str_member(c, obj, "handle", false, IDENT_HARD_MAX, &t->handle);
	}
	if (rc == IDR_OK) {
		rc = state_parse(c, obj, t);
	}
	if (rc == IDR_OK) {
		rc = items_parse(c, obj, t);
	}
	return rc;
}

int
tmpl_from_json_obj(struct tmpl **out, const struct json_t *obj, char *err, size_t cap)
{
	struct pctx c = {err, cap, ""};
	struct tmpl *t = calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (err != NULL && cap > 0) {
		err[0] = '\0';
	}
	if (t == NULL) {
		return IDR_ENOMEM;
	}
	rc = top_parse(&c, (const json_t *)obj, t);
	if (rc == IDR_OK) {
		rc = tmpl_rules(t, err, cap);
	}
	if (rc != IDR_OK) {
		if (rc == IDR_ENOMEM) {
			errf(err, cap, rc, "out of memory");
		}
		tmpl_free(t);
		return rc;
	}
	*out = t;
	return IDR_OK;
}

/* Load JSON text with jansson (bounded, no duplicate members). */
static int
json_load(const void *text, size_t len, json_t **out, char *err, size_t cap)
{
	json_error_t je;

	*out = NULL;
	if (len > TMPL_MAX_JSON) {
		return errf(err, cap, IDR_ELIMIT, "template JSON is longer than %u bytes",
		            TMPL_MAX_JSON);
	}
	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (*out == NULL) {
		return errf(err, cap, IDR_EPROTO, "not JSON: %s (line %d, column %d)", je.text,
		            je.line, je.column);
	}
	return IDR_OK;
}

int
tmpl_from_json(struct tmpl **out, const void *text, size_t len, char *err, size_t cap)
{
	json_t *root;
	int rc;

	*out = NULL;
	rc = json_load(text, len, &root, err, cap);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = tmpl_from_json_obj(out, root, err, cap);
	json_decref(root);
	return rc;
}

int
tmpl_item_from_json(struct tmpl_item *out, const void *text, size_t len, char *err, size_t cap)
{
	struct pctx c = {err, cap, "item"};
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = json_load(text, len, &root, err, cap);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = item_parse(&c, root, out);
	json_decref(root);
	if (rc == IDR_OK && out->index != 0) {
		rc = item_rules(out, "item", err, cap);
	} else if (rc == IDR_OK) {
		out->index = TMPL_MIN_INDEX; /* the rules hold for any index; the caller assigns */
		rc = item_rules(out, "item", err, cap);
		out->index = 0;
	}
	if (rc != IDR_OK) {
		tmpl_item_deinit(out);
	}
	return rc;
}

/* ---------------------------------------------------------------- JSON writer */

/* A double in the shortest of %.15g / %.17g that reads back equal. */
static void
write_real(struct wbuf *w, double d)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.15g", d);
	if (strtod(buf, NULL) != d) {
		snprintf(buf, sizeof(buf), "%.17g", d);
	}
	/* jansson reads "1e+20" as a real; "10" as an integer, which real_member accepts */
	wbuf_cstr(w, buf);
}

static void
write_key_str(struct wbuf *w, const char *key, const char *s)
{
	wbuf_printf(w, ",\"%s\":", key);
	vjson_write_str(w, slice_cstr(s));
}

static void
write_meta(struct wbuf *w, const struct tmpl_item *it)
{
	size_t i;

	wbuf_printf(w, ",\"metadata\":{\"type\":\"%s\"", type_names[it->type]);
	if (it->has_min_len) {
		wbuf_printf(w, ",\"minLength\":%u", it->min_len);
	}
	if (it->has_max_len) {
		wbuf_printf(w, ",\"maxLength\":%u", it->max_len);
	}
	if (it->has_minimum) {
		wbuf_cstr(w, ",\"minimum\":");
		write_real(w, it->minimum);
	}
	if (it->has_maximum) {
		wbuf_cstr(w, ",\"maximum\":");
		write_real(w, it->maximum);
	}
	if (it->accuracy >= 0) {
		wbuf_printf(w, ",\"accuracy\":%d", it->accuracy);
	}
	if (it->type == TMPL_DATE) {
		wbuf_printf(w, ",\"dateFormat\":\"%s\"", datefmt_names[it->datefmt]);
	}
	if (it->nvalues > 0) {
		wbuf_cstr(w, ",\"enum\":[");
		for (i = 0; i < it->nvalues; i++) {
			wbuf_cstr(w, i > 0 ? "," : "");
			vjson_write_str(w, slice_cstr(it->values[i]));
		}
		wbuf_cstr(w, "]");
	}
	wbuf_cstr(w, "}");
}

static void
write_item(struct wbuf *w, const struct tmpl_item *it)
{
	wbuf_cstr(w, "{\"name\":");
	vjson_write_str(w, slice_cstr(it->name));
	write_key_str(w, "idType", it->key);
	wbuf_printf(w, ",\"idIndex\":%u,\"required\":%s,\"state\":%d", it->index,
	            it->required ? "true" : "false", it->enabled ? 1 : 0);
	write_meta(w, it);
	wbuf_cstr(w, "}");
}

int
tmpl_write_json(struct wbuf *w, const struct tmpl *t, unsigned flags)
{
	static const char *const keys[4] = {"industryCategory", "industrySpecific", "industryTrade",
	                                    "industrySubclass"};
	char when[VJSON_TIME_LEN];
	size_t i;

	wbuf_cstr(w, "{\"prefix\":");
	vjson_write_str(w, slice_cstr(t->prefix));
	write_key_str(w, "version", t->version);
	for (i = 0; i < 4; i++) {
		if (t->industry[i][0] != '\0') {
			write_key_str(w, keys[i], t->industry[i]);
		}
	}
	wbuf_printf(w, ",\"type\":%d", t->obj_type);
	if (t->description != NULL) {
		write_key_str(w, "description", t->description);
	}
	if (t->handle != NULL) {
		write_key_str(w, "handle", t->handle);
	}
	if ((flags & TMPL_JSON_STATE) != 0) {
		write_key_str(w, "templateState", tmpl_state_name(t->state));
		vjson_time_format((uint32_t)t->created, when);
		write_key_str(w, "createdTime", when);
		vjson_time_format((uint32_t)t->changed, when);
		write_key_str(w, "updatedTime", when);
	}
	wbuf_cstr(w, ",\"items\":[");
	for (i = 0; i < t->nitems; i++) {
		wbuf_cstr(w, i > 0 ? "," : "");
		write_item(w, &t->items[i]);
	}
	wbuf_cstr(w, "]}");
	return wbuf_error(w);
}

/* ---------------------------------------------------------------- stored form */

int
tmpl_encode(struct wbuf *w, const struct tmpl *t)
{
	wbuf_u8(w, TMPL_FORMAT);
	wbuf_u8(w, (uint8_t)t->state);
	wbuf_u16(w, 0);
	wbuf_u64(w, t->created);
	wbuf_u64(w, t->changed);
	return tmpl_write_json(w, t, 0);
}

int
tmpl_decode(struct slice stored, struct tmpl **out)
{
	struct rbuf r;
	uint8_t format, state;
	uint16_t reserved;
	uint64_t created, changed;
	int rc;

	*out = NULL;
	rbuf_init(&r, stored.p, stored.len);
	format = rbuf_u8(&r);
	state = rbuf_u8(&r);
	reserved = rbuf_u16(&r);
	created = rbuf_u64(&r);
	changed = rbuf_u64(&r);
	if (rbuf_error(&r) != IDR_OK) {
		return IDR_EPROTO;
	}
	if (format != TMPL_FORMAT) {
		return IDR_ESCHEMA;
	}
	if (reserved != 0 || tmpl_state_name(state) == NULL) {
		return IDR_EPROTO;
	}
	rc = tmpl_from_json(out, stored.p + TMPL_HDR_LEN, stored.len - TMPL_HDR_LEN, NULL, 0);
	if (rc != IDR_OK) {
		return rc == IDR_ENOMEM || rc == IDR_ETMPL_INVALID ? rc : IDR_EPROTO;
	}
	(*out)->state = (enum tmpl_state)state;
	(*out)->created = created;
	(*out)->changed = changed;
	return IDR_OK;
}

/* ---------------------------------------------------------------- items */

const struct tmpl_item *
tmpl_item_by_index(const struct tmpl *t, uint32_t index)
{
	size_t i;

	for (i = 0; i < t->nitems; i++) {
		if (t->items[i].index == index) {
			return &t->items[i];
		}
	}
	return NULL;
}

const struct tmpl_item *
tmpl_item_by_key(const struct tmpl *t, struct slice key)
{
	size_t i;

	for (i = 0; i < t->nitems; i++) {
		if (slice_caseeq_cstr(key, t->items[i].key)) {
			return &t->items[i];
		}
	}
	return NULL;
}

/* Append a copy of it to t (no rule checks). */
static int
item_append(struct tmpl *t, const struct tmpl_item *it)
{
	struct tmpl_item *v;

	if (t->nitems >= TMPL_MAX_ITEMS) {
		return IDR_ELIMIT;
	}
	v = realloc(t->items, (t->nitems + 1) * sizeof(*v));
	if (v == NULL) {
		return IDR_ENOMEM;
	}
	t->items = v;
	if (item_copy(it, &t->items[t->nitems]) != IDR_OK) {
		return IDR_ENOMEM;
	}
	t->nitems++;
	return IDR_OK;
}

int
tmpl_item_add(struct tmpl *t, const struct tmpl_item *it, char *err, size_t cap)
{
	struct tmpl_item *added;
	int rc;

	rc = item_append(t, it);
	if (rc == IDR_ELIMIT) {
		return errf(err, cap, IDR_ETMPL_INVALID, "items: the template has %d already",
		            TMPL_MAX_ITEMS);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	added = &t->items[t->nitems - 1];
	if (added->index == 0) {
		t->nitems--;
		added->index = next_index(t);
		t->nitems++;
	}
	rc = tmpl_rules(t, err, cap);
	if (rc != IDR_OK) {
		t->nitems--;
		tmpl_item_deinit(added);
	}
	return rc;
}

/* Where an update's item goes: the slot of the existing item it replaces (same index and
 * key), or SIZE_MAX for a new one; an index or key of another item is an error. */
static int
merge_slot(const struct tmpl *t, const struct tmpl_item *u, size_t *slot, char *err, size_t cap)
{
	size_t i;

	*slot = SIZE_MAX;
	for (i = 0; i < t->nitems; i++) {
		const struct tmpl_item *o = &t->items[i];
		bool same_index = !u->index_auto && u->index != 0 && o->index == u->index;
		bool same_key = o->key != NULL && u->key != NULL && strcasecmp(o->key, u->key) == 0;

		if (same_key && (same_index || u->index_auto)) {
			*slot = i; /* without an idIndex the key names the item */
			return IDR_OK;
		}
		if (same_index || same_key) {
			return errf(
			        err, cap, IDR_ETMPL_INVALID,
			        "item '%s' (%u): item %u is '%s'; items keep their index and key "
			        "(they are never deleted, only disabled)",
			        u->key, u->index, o->index, o->key);
		}
	}
	return IDR_OK;
}

static int
merge_into(struct tmpl *t, const struct tmpl *upd, char *err, size_t cap)
{
	size_t i, slot;
	int rc;

	memcpy(t->industry, upd->industry, sizeof(t->industry));
	t->obj_type = upd->obj_type;
	free(t->description);
	free(t->handle);
	t->description = t->handle = NULL;
	if (!dup_opt(upd->description, &t->description) || !dup_opt(upd->handle, &t->handle)) {
		return IDR_ENOMEM;
	}
	for (i = 0; i < upd->nitems; i++) {
		rc = merge_slot(t, &upd->items[i], &slot, err, cap);
		if (rc == IDR_OK && slot != SIZE_MAX) {
			uint32_t index = t->items[slot].index;

			tmpl_item_deinit(&t->items[slot]);
			rc = item_copy(&upd->items[i], &t->items[slot]);
			t->items[slot].index = index;
			t->items[slot].index_auto = false;
		} else if (rc == IDR_OK) {
			struct tmpl_item it = upd->items[i];

			it.index =
			        it.index_auto ? 0 : it.index; /* no idIndex given: the next free */
			rc = tmpl_item_add(t, &it, err, cap);
		}
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return tmpl_rules(t, err, cap);
}

int
tmpl_merge(struct tmpl *t, const struct tmpl *upd, char *err, size_t cap)
{
	struct tmpl *work;
	struct tmpl tmp;
	int rc;

	/* merge into a copy, so that t is unchanged on error */
	rc = tmpl_copy(t, &work);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = merge_into(work, upd, err, cap);
	if (rc == IDR_OK) {
		tmp = *t;
		*t = *work;
		*work = tmp;
	}
	tmpl_free(work);
	return rc;
}
