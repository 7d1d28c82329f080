/* tmpl_check.c - checking a record's values against a metadata template (tmpl.h). */
#include "model/tmpl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/text.h"
#include "model/ident.h"

#define QUOTE_MAX 40 /* bytes of a value quoted in a message */

/* Quote data for a message: at most QUOTE_MAX bytes, control and non-ASCII-safe bytes
 * replaced so the message stays clean text. */
static const char *
quote(struct slice d, char *buf, size_t cap)
{
	size_t i, o = 0, n = d.len < QUOTE_MAX ? d.len : QUOTE_MAX;

	for (i = 0; i < n && o + 4 < cap; i++) {
		uint8_t c = d.p[i];

		buf[o++] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
	}
	/* cut a truncated UTF-8 sequence so the quote stays valid text */
	while (o > 0 && !text_is_clean((const uint8_t *)buf, o)) {
		o--;
	}
	if (n < d.len && o + 4 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static void vformat(char *err, size_t cap, const char *fmt, va_list ap) IDR_PRINTF(3, 0);

static void
vformat(char *err, size_t cap, const char *fmt, va_list ap)
{
	if (err != NULL && cap > 0 && vsnprintf(err, cap, fmt, ap) < 0) {
		err[0] = '\0';
	}
}

static int fail(char *err, size_t cap, int rc, const char *fmt, ...) IDR_PRINTF(4, 5);

static int
fail(char *err, size_t cap, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(err, cap, fmt, ap);
	va_end(ap);
	return rc;
}

/* A limit as written in the template (shortest form that reads back). */
static const char *
real_str(double d, char *buf, size_t cap)
{
	snprintf(buf, cap, "%.15g", d);
	if (strtod(buf, NULL) != d) {
		snprintf(buf, cap, "%.17g", d);
	}
	return buf;
}

/* Decimal number: -?digits(.digits)?; *decimals = digits after the point. */
static bool
number_syntax(struct slice d, size_t *decimals)
{
	size_t i = 0, lead = 0, frac = 0;

	if (d.len == 0 || d.len > TMPL_MAX_NUMBER) {
		return false;
	}
	if (d.p[0] == '-') {
		i++;
	}
	for (; i < d.len && d.p[i] >= '0' && d.p[i] <= '9'; i++) {
		lead++;
	}
	if (i < d.len && d.p[i] == '.') {
		for (i++; i < d.len && d.p[i] >= '0' && d.p[i] <= '9'; i++) {
			frac++;
		}
		if (frac == 0) {
			return false;
		}
	}
	*decimals = frac;
	return lead > 0 && i == d.len;
}

static int
check_number(const struct tmpl_item *it, struct slice d, char *err, size_t cap)
{
	char num[TMPL_MAX_NUMBER + 1], lim[40], q[QUOTE_MAX + 8];
	size_t decimals = 0;
	double v;

	if (!number_syntax(d, &decimals)) {
		return fail(err, cap, IDR_ETMPL_RECORD,
		            "'%s' is not a decimal number (digits, optional '-' and '.')",
		            quote(d, q, sizeof(q)));
	}
	memcpy(num, d.p, d.len);
	num[d.len] = '\0';
	if (it->accuracy >= 0 && decimals > (size_t)it->accuracy) {
		return fail(err, cap, IDR_ETMPL_RECORD, "number %s has more than %d decimal places",
		            num, it->accuracy);
	}
	v = strtod(num, NULL); /* syntax checked above: a plain decimal */
	if (it->has_minimum && v < it->minimum) {
		return fail(err, cap, IDR_ETMPL_RECORD, "number %s below minimum %s", num,
		            real_str(it->minimum, lim, sizeof(lim)));
	}
	if (it->has_maximum && v > it->maximum) {
		return fail(err, cap, IDR_ETMPL_RECORD, "number %s above maximum %s", num,
		            real_str(it->maximum, lim, sizeof(lim)));
	}
	return IDR_OK;
}

/* n ASCII digits at p as a number, or -1. */
static int
digits(const uint8_t *p, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			return -1;
		}
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static bool
date_valid(struct slice d, enum tmpl_datefmt f)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	size_t want = f == TMPL_DATE_YMD ? 10 : 19;
	int y, m, day, max;

	if (d.len != want || d.p[4] != '-' || d.p[7] != '-') {
		return false;
	}
	y = digits(d.p, 4);
	m = digits(d.p + 5, 2);
	day = digits(d.p + 8, 2);
	if (y < 1 || m < 1 || m > 12 || day < 1) {
		return false;
	}
	max = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (day > max) {
		return false;
	}
	if (f == TMPL_DATE_YMD) {
		return true;
	}
	if (d.p[10] != ' ' || d.p[13] != ':' || d.p[16] != ':') {
		return false;
	}
	return digits(d.p + 11, 2) >= 0 && digits(d.p + 11, 2) <= 23 && digits(d.p + 14, 2) >= 0 &&
	       digits(d.p + 14, 2) <= 59 && digits(d.p + 17, 2) >= 0 && digits(d.p + 17, 2) <= 59;
}

static int
check_enum(const struct tmpl_item *it, struct slice d, char *err, size_t cap)
{
	char list[160], q[QUOTE_MAX + 8];
	size_t i, o = 0;

	for (i = 0; i < it->nvalues; i++) {
		if (slice_eq(d, slice_cstr(it->values[i]))) {
			return IDR_OK;
		}
	}
	list[0] = '\0';
	for (i = 0; i < it->nvalues; i++) {
		int n = snprintf(list + o, sizeof(list) - o, "%s%s", i > 0 ? ", " : "",
		                 it->values[i]);

		if (n < 0 || (size_t)n >= sizeof(list) - o) {
			list[o] = '\0';
			snprintf(list + o, sizeof(list) - o, ", ...");
			break;
		}
		o += (size_t)n;
	}
	return fail(err, cap, IDR_ETMPL_RECORD, "'%s' is not one of: %s", quote(d, q, sizeof(q)),
	            list);
}

int
tmpl_check_data(const struct tmpl_item *it, struct slice d, char *err, size_t cap)
{
	char q[QUOTE_MAX + 8];
	struct ident id;
	size_t nchars = 0;
	int rc;

	if (text_utf8_check(d.p, d.len, &nchars, NULL) != IDR_OK) {
		return fail(err, cap, IDR_ETMPL_RECORD, "value is not UTF-8 text");
	}
	if (it->has_min_len && nchars < it->min_len) {
		return fail(err, cap, IDR_ETMPL_RECORD, "%s of %zu characters below minLength %u",
		            tmpl_type_name(it->type), nchars, it->min_len);
	}
	if (it->has_max_len && nchars > it->max_len) {
		return fail(err, cap, IDR_ETMPL_RECORD, "%s of %zu characters above maxLength %u",
		            tmpl_type_name(it->type), nchars, it->max_len);
	}
	switch (it->type) {
	case TMPL_NUMBER:
		return check_number(it, d, err, cap);
	case TMPL_DATE:
		if (!date_valid(d, it->datefmt)) {
			return fail(err, cap, IDR_ETMPL_RECORD, "'%s' is not a date %s",
			            quote(d, q, sizeof(q)),
			            it->datefmt == TMPL_DATE_YMD ? "YYYY-MM-DD"
			                                         : "YYYY-MM-DD HH:mm:ss");
		}
		return IDR_OK;
	case TMPL_ENUM:
		return check_enum(it, d, err, cap);
	case TMPL_HANDLE:
		rc = ident_parse(&id, d.p, d.len, NULL);
		if (rc != IDR_OK) {
			return fail(err, cap, IDR_ETMPL_RECORD, "'%s' is not a handle: %s",
			            quote(d, q, sizeof(q)), idr_strerror(rc));
		}
		return IDR_OK;
	default:
		return IDR_OK;
	}
}

/* ---------------------------------------------------------------- report */

/* Append "; " (after the first) and the message to rep->text, keeping it NUL-terminated. */
static void report_vadd(struct tmpl_report *rep, const char *fmt, va_list ap) IDR_PRINTF(2, 0);

static void
report_vadd(struct tmpl_report *rep, const char *fmt, va_list ap)
{
	size_t room;
	int n;

	if (rep->len + 3 >= sizeof(rep->text)) {
		return;
	}
	if (rep->len > 0) {
		memcpy(rep->text + rep->len, "; ", 3);
		rep->len += 2;
	}
	room = sizeof(rep->text) - rep->len;
	n = vsnprintf(rep->text + rep->len, room, fmt, ap);
	if (n < 0) {
		rep->text[rep->len] = '\0';
		return;
	}
	rep->len += (size_t)n < room ? (size_t)n : room - 1;
}

void
tmpl_report_add(struct tmpl_report *rep, const char *fmt, ...)
{
	va_list ap;

	rep->nerrs++;
	va_start(ap, fmt);
	report_vadd(rep, fmt, ap);
	va_end(ap);
}

/* The values that name the template (1001 version, 1000 handle) agree with t. */
static void
check_names(const struct tmpl *t, const struct value *v, struct tmpl_report *rep)
{
	char q[QUOTE_MAX + 8];

	if (v->index == TMPL_INDEX_VERSION) {
		if (!slice_caseeq_cstr(v->type, TMPL_TYPE_VERSION)) {
			tmpl_report_add(rep,
			                "index %d is reserved for the template version (type %s)",
			                TMPL_INDEX_VERSION, TMPL_TYPE_VERSION);
		} else if (!slice_eq(v->data, slice_cstr(t->version))) {
			tmpl_report_add(rep, "template version '%s' is not %s",
			                quote(v->data, q, sizeof(q)), t->version);
		}
	}
	if (v->index == TMPL_INDEX_HANDLE && t->handle != NULL &&
	    slice_caseeq_cstr(v->type, TMPL_TYPE_HANDLE) &&
	    !slice_caseeq_cstr(v->data, t->handle)) {
		tmpl_report_add(rep, "template handle '%s' is not %s", quote(v->data, q, sizeof(q)),
		                t->handle);
	}
}

static void
check_value(const struct tmpl *t, const struct value *v, struct tmpl_report *rep)
{
	const struct tmpl_item *it = tmpl_item_by_index(t, v->index);
	char err[TMPL_ERR_LEN], q[QUOTE_MAX + 8];

	if (v->index < TMPL_MIN_INDEX) {
		check_names(t, v, rep);
		return;
	}
	if (it == NULL) {
		tmpl_report_add(rep, "%s (%u): index %u is not in template %s",
		                quote(v->type, q, sizeof(q)), v->index, v->index, t->version);
		return;
	}
	if (!it->enabled) {
		tmpl_report_add(rep, "%s (%u): item is disabled", it->key, it->index);
		return;
	}
	if (!slice_caseeq_cstr(v->type, it->key)) {
		tmpl_report_add(rep, "%s (%u): type must be '%s', not '%s'", it->key, it->index,
		                it->key, quote(v->type, q, sizeof(q)));
		return;
	}
	if (tmpl_check_data(it, v->data, err, sizeof(err)) != IDR_OK) {
		tmpl_report_add(rep, "%s (%u): %s", it->key, it->index, err);
	}
}

int
tmpl_check_values(const struct tmpl *t, const struct value *v, size_t n, struct tmpl_report *rep)
{
	size_t i, j;

	memset(rep, 0, sizeof(*rep));
	for (i = 0; i < n; i++) {
		check_value(t, &v[i], rep);
	}
	for (i = 0; i < t->nitems; i++) {
		const struct tmpl_item *it = &t->items[i];

		if (!it->enabled || !it->required) {
			continue;
		}
		for (j = 0; j < n && v[j].index != it->index; j++) {
		}
		if (j == n) {
			tmpl_report_add(rep, "%s (%u): required but missing (%s)", it->key,
			                it->index, it->name);
		} else if (v[j].data.len == 0) {
			tmpl_report_add(rep, "%s (%u): required but empty", it->key, it->index);
		}
	}
	return rep->nerrs == 0 ? IDR_OK : IDR_ETMPL_RECORD;
}
