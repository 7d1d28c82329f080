/*
 * fuzz_tmpl.c - the metadata template JSON parser (tmpl_from_json), its writer, the stored
 * form and the record check.
 *
 * Input: any bytes as template JSON. When the parser accepts it, the template is written back
 * (tmpl_write_json, with and without state) and must parse again to the identical JSON; the
 * stored encoding must decode to it; and the input bytes, split into value data, are checked
 * against every item (tmpl_check_data, tmpl_check_values) — these must never crash and must
 * leave clean messages. The item parser (tmpl_item_from_json) sees the input too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/text.h"
#include "base/wbuf.h"
#include "model/tmpl.h"
#include "model/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_tmpl: %s%s%s\n", what, detail != NULL ? ": " : "",
	        detail != NULL ? detail : "");
	abort();
}

static void
write_or_die(struct wbuf *w, const struct tmpl *t, unsigned flags)
{
	wbuf_reset(w);
	if (tmpl_write_json(w, t, flags) != IDR_OK) {
		die("write failed", NULL);
	}
}

static void
round_trip(const struct tmpl *t)
{
	struct wbuf a, b;
	struct tmpl *t2 = NULL, *t3 = NULL;
	char err[TMPL_ERR_LEN];

	wbuf_init_heap(&a, (size_t)TMPL_MAX_JSON * 4);
	wbuf_init_heap(&b, (size_t)TMPL_MAX_JSON * 4);
	write_or_die(&a, t, TMPL_JSON_STATE);
	if (tmpl_from_json(&t2, wbuf_data(&a), wbuf_len(&a), err, sizeof(err)) != IDR_OK) {
		die("written JSON does not parse", err);
	}
	write_or_die(&b, t2, TMPL_JSON_STATE);
	if (!slice_eq(wbuf_slice(&a), wbuf_slice(&b))) {
		die("round trip differs", NULL);
	}
	wbuf_reset(&b);
	if (tmpl_encode(&b, t) != IDR_OK || tmpl_decode(wbuf_slice(&b), &t3) != IDR_OK) {
		die("stored form does not decode", NULL);
	}
	wbuf_reset(&b);
	if (tmpl_write_json(&b, t3, TMPL_JSON_STATE) != IDR_OK ||
	    !slice_eq(wbuf_slice(&a), wbuf_slice(&b))) {
		die("stored form differs", NULL);
	}
	tmpl_free(t2);
	tmpl_free(t3);
	wbuf_deinit(&a);
	wbuf_deinit(&b);
}

static void
check_all(const struct tmpl *t, const uint8_t *data, size_t size)
{
	struct value v[8];
	struct tmpl_report rep;
	char err[TMPL_ERR_LEN];
	size_t i, n = t->nitems < 8 ? t->nitems : 8;

	memset(v, 0, sizeof(v));
	for (i = 0; i < t->nitems; i++) {
		err[0] = '\0';
		if (tmpl_check_data(&t->items[i], slice_make(data, size), err, sizeof(err)) !=
		            IDR_OK &&
		    text_utf8_check((const uint8_t *)err, strlen(err), NULL, NULL) != IDR_OK) {
			die("check message is not UTF-8", NULL);
		}
	}
	for (i = 0; i < n; i++) {
		v[i].index = t->items[i].index;
		v[i].type = slice_cstr(t->items[i].key);
		v[i].data = slice_make(data + i * size / n, size / n);
	}
	(void)tmpl_check_values(t, v, n, &rep);
	if (strlen(rep.text) != rep.len) {
		die("report length", NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmpl *t = NULL;
	struct tmpl_item it;
	char err[TMPL_ERR_LEN];

	if (tmpl_from_json(&t, data, size, err, sizeof(err)) == IDR_OK) {
		round_trip(t);
		check_all(t, data, size);
		tmpl_free(t);
	}
	if (tmpl_item_from_json(&it, data, size, err, sizeof(err)) == IDR_OK) {
		tmpl_item_deinit(&it);
	}
	return 0;
}
