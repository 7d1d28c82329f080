/* rec.c - stored record format (header + Handle resolution body) and item kinds. */
#include "model/rec.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "model/ident.h"

/* smallest encoded reference: empty handle (int4 length) + int4 index */
#define REF_MIN_LEN 8
/* below this many values insertion sort beats the merge's allocation */
#define SORT_SMALL 16

static const char *const kind_names[REC_KIND_COUNT] = {"-",       "part", "wip",    "process",
                                                       "product", "lot",  "package"};

static const char *const kind_labels[REC_KIND_COUNT] = {"",     "零部件", "在制品", "工序",
                                                        "产品", "批次",   "包装"};

const char *
rec_kind_name(enum rec_kind k)
{
	if ((unsigned)k >= REC_KIND_COUNT) {
		return NULL;
	}
	return kind_names[k];
}

const char *
rec_kind_label(enum rec_kind k)
{
	if ((unsigned)k >= REC_KIND_COUNT) {
		return NULL;
	}
	return kind_labels[k];
}

int
rec_kind_parse(struct slice name, enum rec_kind *out)
{
	unsigned k;

	/* the Chinese labels are accepted too: CSV exports from Chinese MES systems use them */
	for (k = REC_KIND_PART; k < REC_KIND_COUNT; k++) {
		if (slice_caseeq_cstr(name, kind_names[k]) ||
		    slice_eq(name, slice_cstr(kind_labels[k]))) {
			*out = (enum rec_kind)k;
			return IDR_OK;
		}
	}
	return IDR_EREC_KIND;
}

/* Walk exactly n clumps from r and require that they end exactly where r ends. */
static int
check_clumps(struct rbuf *r, uint32_t n)
{
	struct value v;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (value_decode(r, &v) != IDR_OK) {
			return IDR_EPROTO;
		}
	}
	return rbuf_left(r) == 0 ? IDR_OK : IDR_EPROTO;
}

int
rec_view_open(struct slice stored, struct rec_view *out)
{
	struct rec_view view;
	struct rbuf r, body;

	/* the format byte first: another format may have another header length */
	if (stored.len == 0) {
		return IDR_EPROTO;
	}
	if (stored.p[0] != REC_FORMAT) {
		return IDR_ESCHEMA;
	}
	rbuf_init(&r, stored.p, stored.len);
	rbuf_skip(&r, 1);
	view.kind = rbuf_u8(&r);
	view.flags = rbuf_u16(&r);
	view.seq = rbuf_u64(&r);
	view.body = rbuf_bytes(&r, rbuf_left(&r));
	if (rbuf_error(&r) != IDR_OK || view.kind >= REC_KIND_COUNT) {
		return IDR_EPROTO;
	}
	rbuf_init(&body, view.body.p, view.body.len);
	view.handle = rbuf_str(&body, IDENT_HARD_MAX);
	view.nvalues = rbuf_count(&body, VALUE_MAX_VALUES, VALUE_FIXED_LEN);
	view.values = rbuf_bytes(&body, rbuf_left(&body));
	if (rbuf_error(&body) != IDR_OK) {
		return IDR_EPROTO;
	}
	*out = view;
	return IDR_OK;
}

int
rec_view_parse(struct slice stored, struct rec_view *out)
{
	struct rec_view view;
	struct rbuf r;
	int rc;

	rc = rec_view_open(stored, &view);
	if (rc != IDR_OK) {
		return rc;
	}
	rbuf_init(&r, view.values.p, view.values.len);
	if (check_clumps(&r, view.nvalues) != IDR_OK) {
		return IDR_EPROTO;
	}
	*out = view;
	return IDR_OK;
}

/* The references of a value must be exactly nrefs well-formed references. */
static bool
refs_ok(const struct value *v)
{
	struct rbuf r;
	uint32_t i;

	if (v->nrefs > VALUE_MAX_REFS || v->nrefs > v->refs.len / REF_MIN_LEN) {
		return false;
	}
	rbuf_init(&r, v->refs.p, v->refs.len);
	for (i = 0; i < v->nrefs; i++) {
		(void)rbuf_str(&r, IDENT_HARD_MAX);
		(void)rbuf_u32(&r);
	}
	return rbuf_error(&r) == IDR_OK && rbuf_left(&r) == 0;
}

/* Everything rec_encode refuses, so that whatever it writes rec_view_parse accepts. */
static int
check_values(const struct value *values, size_t n)
{
	size_t i;

	if (n > VALUE_MAX_VALUES) {
		return IDR_EREC_TOOMANY;
	}
	for (i = 0; i < n; i++) {
		const struct value *v = &values[i];

		if (v->index == 0 || v->index > INT32_MAX ||
		    (i > 0 && v->index <= values[i - 1].index)) {
			return IDR_EREC_INDEX;
		}
		if (v->type.len == 0 || v->type.len > VALUE_MAX_TYPE ||
		    text_utf8_check(v->type.p, v->type.len, NULL, NULL) != IDR_OK) {
			return IDR_EREC_TYPE;
		}
		if (v->data.len > VALUE_MAX_ARRAY || !refs_ok(v)) {
			return IDR_ELIMIT;
		}
	}
	return IDR_OK;
}

int
rec_encode(struct wbuf *w, enum rec_kind kind, uint64_t seq, struct slice handle,
           const struct value *values, size_t n)
{
	size_t i;
	int rc;

	if ((unsigned)kind >= REC_KIND_COUNT) {
		return IDR_EREC_KIND;
	}
	if (handle.len > IDENT_HARD_MAX) {
		return IDR_EID_HARDLIMIT;
	}
	rc = check_values(values, n);
	if (rc != IDR_OK) {
		return rc;
	}
	wbuf_u8(w, REC_FORMAT);
	wbuf_u8(w, (uint8_t)kind);
	wbuf_u16(w, 0);
	wbuf_u64(w, seq);
	wbuf_slice_str(w, handle);
	wbuf_u32(w, (uint32_t)n);
	for (i = 0; i < n; i++) {
		value_encode(w, &values[i]);
	}
	return wbuf_error(w);
}

static void
insertion_sort(struct value *values, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct value v = values[i];

		for (j = i; j > 0 && values[j - 1].index > v.index; j--) {
			values[j] = values[j - 1];
		}
		values[j] = v;
	}
}

/* Merge the sorted runs v[lo..mid) and v[mid..hi) into out[lo..hi); ties from the left run. */
static void
merge_runs(const struct value *v, struct value *out, size_t lo, size_t mid, size_t hi)
{
	size_t i = lo, j = mid, k;

	for (k = lo; k < hi; k++) {
		if (i < mid && (j >= hi || v[i].index <= v[j].index)) {
			out[k] = v[i++];
		} else {
			out[k] = v[j++];
		}
	}
}

/* Bottom-up merge sort through tmp[0..n); taking from the left run on ties keeps it stable. */
static void
merge_sort(struct value *values, struct value *tmp, size_t n)
{
	size_t width, lo, mid, hi;

	for (width = 1; width < n; width *= 2) {
		for (lo = 0; lo < n; lo += 2 * width) {
			mid = lo + width < n ? lo + width : n;
			hi = mid + width < n ? mid + width : n;
			merge_runs(values, tmp, lo, mid, hi);
		}
		memcpy(values, tmp, n * sizeof(*values));
	}
}

void
rec_values_sort(struct value *values, size_t n)
{
	struct value *tmp;

	if (n <= SORT_SMALL) {
		insertion_sort(values, n);
		return;
	}
	tmp = calloc(n, sizeof(*tmp));
	if (tmp == NULL) {
		insertion_sort(values, n); /* slower, but this function cannot fail */
		return;
	}
	merge_sort(values, tmp, n);
	free(tmp);
}

int
rec_values(const struct rec_view *view, struct value *out, size_t cap, size_t *n)
{
	struct rbuf r;
	uint32_t i;

	if (view->nvalues > cap) {
		return IDR_ELIMIT;
	}
	rbuf_init(&r, view->values.p, view->values.len);
	for (i = 0; i < view->nvalues; i++) {
		int rc = value_decode(&r, &out[i]);

		if (rc != IDR_OK) {
			return rc;
		}
	}
	if (rbuf_left(&r) != 0) {
		return IDR_EPROTO;
	}
	*n = view->nvalues;
	return IDR_OK;
}

bool
rec_same_content(const struct rec_view *a, const struct rec_view *b)
{
	struct rbuf ra, rb;
	struct value va, vb;
	uint32_t i;

	if (a->kind != b->kind || a->nvalues != b->nvalues) {
		return false;
	}
	rbuf_init(&ra, a->values.p, a->values.len);
	rbuf_init(&rb, b->values.p, b->values.len);
	for (i = 0; i < a->nvalues; i++) {
		if (value_decode(&ra, &va) != IDR_OK || value_decode(&rb, &vb) != IDR_OK ||
		    !value_same_content(&va, &vb)) {
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------- differences */

static bool
sorted_unique(const struct value *v, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++) {
		if (v[i].index <= v[i - 1].index) {
			return false;
		}
	}
	return true;
}

/* What differs between two values of the same index (0: the same content). */
static unsigned
changed_fields(const struct value *a, const struct value *b)
{
	unsigned f = 0;

	if (!slice_eq(a->type, b->type)) {
		f |= REC_DIFF_TYPE;
	}
	if (!slice_eq(a->data, b->data)) {
		f |= REC_DIFF_DATA;
	}
	if (a->ttl_type != b->ttl_type || a->ttl != b->ttl) {
		f |= REC_DIFF_TTL;
	}
	if (a->perms != b->perms) {
		f |= REC_DIFF_PERMS;
	}
	if (a->nrefs != b->nrefs || !slice_eq(a->refs, b->refs)) {
		f |= REC_DIFF_REFS;
	}
	return f;
}

int
rec_diff(const struct value *a, size_t na, const struct value *b, size_t nb, struct rec_diff *out,
         size_t cap)
{
	size_t i = 0, j = 0, total = 0;

	if (!sorted_unique(a, na) || !sorted_unique(b, nb)) {
		return IDR_EREC_INDEX;
	}
	if (na > INT_MAX / 2 || nb > INT_MAX / 2) {
		return IDR_ELIMIT;
	}
	while (i < na || j < nb) {
		struct rec_diff d;

		memset(&d, 0, sizeof(d));
		if (j == nb || (i < na && a[i].index < b[j].index)) {
			d.kind = REC_DIFF_ONLY_A;
			d.index = a[i].index;
			d.a = &a[i++];
		} else if (i == na || b[j].index < a[i].index) {
			d.kind = REC_DIFF_ONLY_B;
			d.index = b[j].index;
			d.b = &b[j++];
		} else {
			d.fields = changed_fields(&a[i], &b[j]);
			d.kind = REC_DIFF_CHANGED;
			d.index = a[i].index;
			d.a = &a[i++];
			d.b = &b[j++];
			if (d.fields == 0) {
				continue;
			}
		}
		if (total < cap) {
			out[total] = d;
		}
		total++;
	}
	return (int)total;
}

const char *
rec_quote(struct slice s, char *buf, size_t cap)
{
	size_t i = 0, o = 0, chars = 0, n, need;
	uint32_t cp;

	if (!text_is_clean(s.p, s.len)) {
		snprintf(buf, cap, "<%zu bytes>", s.len);
		return buf;
	}
	buf[o++] = '"';
	while (i < s.len) {
		n = text_utf8_next(s.p + i, s.len - i, &cp);
		need = n + (s.p[i] == '"' || s.p[i] == '\\');
		/* room for this character and then ...", NUL */
		if (n == 0 || chars == REC_QUOTE_CHARS || o + need + 5 > cap) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (need > n) {
			buf[o++] = '\\';
		}
		memcpy(buf + o, s.p + i, n);
		o += n;
		i += n;
		chars++;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* A bounded text being built: once full, it ends in "..." and takes nothing more. */
struct text_out {
	char *buf;
	size_t cap, len;
	bool full;
};

static void
out_put(struct text_out *o, const char *s)
{
	size_t n = strlen(s), room, cut;

	if (o->full) {
		return;
	}
	room = o->cap - 1 - o->len;
	memcpy(o->buf + o->len, s, n <= room ? n : room);
	if (n <= room) {
		o->len += n;
		o->buf[o->len] = '\0';
		return;
	}
	/* the end of the text (of s, or before it) makes way for "..." */
	cut = o->cap - 1 >= 3 ? o->cap - 1 - 3 : 0;
	while (cut > 0 && ((uint8_t)o->buf[cut] & 0xC0) == 0x80) {
		cut--; /* never cut a UTF-8 sequence */
	}
	memcpy(o->buf + cut, "...", o->cap - 1 - cut < 3 ? o->cap - 1 - cut : 3);
	o->len = cut + (o->cap - 1 - cut < 3 ? o->cap - 1 - cut : 3);
	o->buf[o->len] = '\0';
	o->full = true;
}

static void out_printf(struct text_out *o, const char *fmt, ...) IDR_PRINTF(2, 3);

static void
out_printf(struct text_out *o, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;

	va_start(ap, fmt);
	/* the analyzer misses va_start above (clang-tidy 14) */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	out_put(o, tmp);
}

/* A value's type for "value N (type)": its quoted form without the quotes. */
static const char *
type_label(const struct value *v, char *buf, size_t cap)
{
	size_t n;

	rec_quote(v->type, buf, cap);
	n = strlen(buf);
	if (buf[0] == '"' && n >= 2) {
		memmove(buf, buf + 1, n - 2);
		buf[n - 2] = '\0';
	}
	return buf;
}

static void
ttl_text(const struct value *v, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%ld", v->ttl_type == VALUE_TTL_ABSOLUTE ? "until " : "",
	         (long)v->ttl);
}

static void
perms_text(const struct value *v, char *buf, size_t cap)
{
	snprintf(buf, cap, "%c%c%c%c", (v->perms & VALUE_PERM_ADMIN_READ) ? 'r' : '-',
	         (v->perms & VALUE_PERM_ADMIN_WRITE) ? 'w' : '-',
	         (v->perms & VALUE_PERM_PUBLIC_READ) ? 'r' : '-',
	         (v->perms & VALUE_PERM_PUBLIC_WRITE) ? 'w' : '-');
}

/* The fields after the first one described: " (and its TTL, permissions)". */
static void
other_fields(struct text_out *o, unsigned fields)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{REC_DIFF_TYPE, "type"},
	             {REC_DIFF_DATA, "data"},
	             {REC_DIFF_TTL, "TTL"},
	             {REC_DIFF_PERMS, "permissions"},
	             {REC_DIFF_REFS, "references"}};
	bool first = true, skipped = false;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((fields & names[i].bit) == 0) {
			continue;
		}
		if (!skipped) {
			skipped = true; /* the one already described */
			continue;
		}
		out_put(o, first ? " (and its " : ", ");
		out_put(o, names[i].name);
		first = false;
	}
	if (!first) {
		out_put(o, ")");
	}
}

static void
changed_text(struct text_out *o, const struct rec_diff *d, const char *an, const char *bn)
{
	char qa[REC_QUOTE_CHARS * 4 + 16], qb[sizeof(qa)], lb[sizeof(qa)];

	if (d->fields & REC_DIFF_TYPE) {
		out_printf(o, "value %lu has type %s %s, %s %s", (unsigned long)d->index,
		           rec_quote(d->a->type, qa, sizeof(qa)), an,
		           rec_quote(d->b->type, qb, sizeof(qb)), bn);
	} else if (d->fields & REC_DIFF_DATA) {
		out_printf(o, "value %lu (%s) is %s %s, %s %s", (unsigned long)d->index,
		           type_label(d->a, lb, sizeof(lb)), rec_quote(d->a->data, qa, sizeof(qa)),
		           an, rec_quote(d->b->data, qb, sizeof(qb)), bn);
	} else if (d->fields & REC_DIFF_TTL) {
		ttl_text(d->a, qa, sizeof(qa));
		ttl_text(d->b, qb, sizeof(qb));
		out_printf(o, "value %lu (%s) has TTL %s %s, %s %s", (unsigned long)d->index,
		           type_label(d->a, lb, sizeof(lb)), qa, an, qb, bn);
	} else if (d->fields & REC_DIFF_PERMS) {
		perms_text(d->a, qa, sizeof(qa));
		perms_text(d->b, qb, sizeof(qb));
		out_printf(o, "value %lu (%s) has permissions %s %s, %s %s",
		           (unsigned long)d->index, type_label(d->a, lb, sizeof(lb)), qa, an, qb,
		           bn);
	} else {
		out_printf(o, "value %lu (%s) has other references %s", (unsigned long)d->index,
		           type_label(d->a, lb, sizeof(lb)), bn);
	}
	other_fields(o, d->fields);
}

size_t
rec_diff_format(const struct rec_diff *d, size_t n, size_t total, size_t max_listed,
                const char *a_name, const char *b_name, char *buf, size_t cap)
{
	struct text_out o = {buf, cap, 0, false};
	char lb[REC_QUOTE_CHARS * 4 + 16];
	size_t i, shown = n < max_listed ? n : max_listed;

	buf[0] = '\0';
	for (i = 0; i < shown; i++) {
		if (i > 0) {
			out_put(&o, "; ");
		}
		if (d[i].kind == REC_DIFF_CHANGED) {
			changed_text(&o, &d[i], a_name, b_name);
		} else {
			const struct value *v = d[i].kind == REC_DIFF_ONLY_A ? d[i].a : d[i].b;

			out_printf(&o, "value %lu (%s) only %s", (unsigned long)d[i].index,
			           type_label(v, lb, sizeof(lb)),
			           d[i].kind == REC_DIFF_ONLY_A ? a_name : b_name);
		}
	}
	if (total > shown) {
		out_printf(&o, "%sand %zu more", shown > 0 ? "; " : "", total - shown);
	}
	return o.len;
}
