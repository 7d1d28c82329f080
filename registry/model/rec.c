/* rec.c - stored record format (header + Handle resolution body) and item kinds. */
#include "model/rec.h"

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
