/*
 * fuzz_value.c - the value decoders on arbitrary bytes: value_decode, value_list_decode,
 * value_admin_decode, value_vlist_decode, value_site_decode and rec_view_parse. Every
 * successful decode is re-encoded and must give back exactly the bytes it consumed (HS_ADMIN:
 * minus the two tolerated legacy bytes; stored records: with the reserved flags zeroed).
 * Crashes, sanitizer reports and broken round trips (abort()) are findings.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "model/rec.h"
#include "model/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct value values[VALUE_MAX_VALUES];
static struct value_ref refs[VALUE_MAX_REFS];

static void
check(bool ok)
{
	if (!ok) {
		abort();
	}
}

/* The writer holds exactly want[0..len). Frees the writer. */
static void
check_same(struct wbuf *w, const uint8_t *want, size_t len)
{
	check(wbuf_error(w) == IDR_OK && wbuf_len(w) == len);
	check(len == 0 || memcmp(wbuf_data(w), want, len) == 0);
	wbuf_deinit(w);
}

static void
fuzz_value(const uint8_t *data, size_t size)
{
	struct value v;
	struct rbuf r, rr;
	struct value_ref ref;
	struct wbuf w;
	uint32_t i;
	int rc;

	rbuf_init(&r, data, size);
	rc = value_decode(&r, &v);
	check(rc == rbuf_error(&r));
	if (rc != IDR_OK) {
		check(rc == IDR_EPROTO || rc == IDR_ELIMIT);
		return;
	}
	check(value_encoded_len(&v) == rbuf_offset(&r));
	wbuf_init_heap(&w, size);
	value_encode(&w, &v);
	check_same(&w, data, rbuf_offset(&r));
	/* the references were validated: iterating them yields exactly nrefs */
	rbuf_init(&rr, v.refs.p, v.refs.len);
	for (i = 0; i < v.nrefs; i++) {
		check(value_ref_next(&rr, &ref) == IDR_OK);
	}
	check(value_ref_next(&rr, &ref) == IDR_ENOENT);
	(void)value_type_match(v.type, v.data);
	check(value_type_match(v.type, v.type));
}

static void
fuzz_list(const uint8_t *data, size_t size)
{
	struct rbuf r;
	struct wbuf w;
	size_t n = 0, i;
	int rc;

	rbuf_init(&r, data, size);
	rc = value_list_decode(&r, values, VALUE_MAX_VALUES, &n);
	if (rc != IDR_OK) {
		check(rc == IDR_EPROTO || rc == IDR_ELIMIT);
		return;
	}
	wbuf_init_heap(&w, size);
	wbuf_u32(&w, (uint32_t)n);
	for (i = 0; i < n; i++) {
		value_encode(&w, &values[i]);
	}
	check_same(&w, data, rbuf_offset(&r));
}

static void
fuzz_admin_vlist(const uint8_t *data, size_t size)
{
	struct value_admin a;
	struct wbuf w;
	size_t n = 0;

	if (value_admin_decode(slice_make(data, size), &a) == IDR_OK) {
		wbuf_init_heap(&w, size);
		value_admin_encode(&w, &a);
		check(wbuf_len(&w) == size || wbuf_len(&w) + 2 == size);
		check_same(&w, data, wbuf_len(&w));
	}
	if (value_vlist_decode(slice_make(data, size), refs, VALUE_MAX_REFS, &n) == IDR_OK) {
		wbuf_init_heap(&w, size);
		value_vlist_encode(&w, refs, n);
		check_same(&w, data, size);
	}
}

static void
fuzz_site(const uint8_t *data, size_t size)
{
	struct value_site *s = malloc(sizeof(*s));
	struct wbuf w;
	int rc;

	if (s == NULL) {
		return;
	}
	rc = value_site_decode(slice_make(data, size), s);
	if (rc == IDR_OK) {
		wbuf_init_heap(&w, size);
		value_site_encode(&w, s);
		check_same(&w, data, size);
	} else {
		check(rc == IDR_EPROTO || rc == IDR_ELIMIT);
	}
	free(s);
}

static void
fuzz_rec(const uint8_t *data, size_t size)
{
	struct rec_view view;
	struct wbuf w;
	size_t n = 0;
	int rc;

	struct rec_view opened;
	struct rbuf r;
	struct value v;
	int orc = rec_view_open(slice_make(data, size), &opened);

	if (orc == IDR_OK) { /* whatever the fast path admits must be walkable within bounds */
		rbuf_init(&r, opened.values.p, opened.values.len);
		while (rec_value_next(&r, &v) == IDR_OK) {
			check(v.type.p >= data && v.type.p + v.type.len <= data + size);
		}
	}
	rc = rec_view_parse(slice_make(data, size), &view);
	if (rc != IDR_OK) {
		check(rc == IDR_EPROTO || rc == IDR_ESCHEMA);
		return;
	}
	check(orc == IDR_OK && opened.nvalues == view.nvalues && opened.values.p == view.values.p);
	check(rec_values(&view, values, VALUE_MAX_VALUES, &n) == IDR_OK && n == view.nvalues);
	check(rec_same_content(&view, &view));
	/* the parser accepts what rec_encode may refuse (index policy); compare when it agrees */
	wbuf_init_heap(&w, size);
	if (rec_encode(&w, (enum rec_kind)view.kind, view.seq, view.handle, values, n) == IDR_OK) {
		/* all but the reserved flags (bytes 2-3), which are written as zero */
		check(wbuf_len(&w) == size && memcmp(wbuf_data(&w), data, 2) == 0);
		check(memcmp(wbuf_data(&w) + 4, data + 4, size - 4) == 0);
	}
	wbuf_deinit(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_value(data, size);
	fuzz_list(data, size);
	fuzz_admin_vlist(data, size);
	fuzz_site(data, size);
	fuzz_rec(data, size);
	return 0;
}
