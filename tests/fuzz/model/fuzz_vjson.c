/*
 * fuzz_vjson.c - the JSON value parser (vjson_parse_values) and the writer behind it.
 *
 * Input: any bytes, loaded with jansson (any top-level value, NUL allowed in strings). When the
 * parser accepts it, the values are written back twice (as a value array with
 * vjson_write_value and as a record with vjson_write_record); each output must load with
 * jansson's default (strict) flags, parse again, and give value clumps identical to the first
 * parse. The raw input also goes through vjson_write_str (output must be valid JSON) and
 * vjson_time_parse (a success must format back to a date that parses to the same time).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/wbuf.h"
#include "model/rec.h"
#include "model/value.h"
#include "model/vjson.h"

#define FUZZ_OUT_MAX (256u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_vjson: %s%s%s\n", what, detail != NULL ? ": " : "",
	        detail != NULL ? detail : "");
	abort();
}

/* Encoded clumps of vals[0..n) into w. */
static void
encode_all(const struct vjson_values *vals, struct wbuf *w)
{
	size_t i;

	for (i = 0; i < vals->n; i++) {
		value_encode(w, &vals->v[i]);
	}
	if (wbuf_error(w) != IDR_OK) {
		die("value_encode failed", idr_strerror(wbuf_error(w)));
	}
}

/* Parse JSON text out again (strict jansson flags) and compare with the clumps in want. */
static void
reparse_same(const struct wbuf *out, const struct wbuf *want)
{
	char err[VJSON_ERR_LEN];
	struct vjson_values again;
	struct wbuf enc;
	json_error_t jerr;
	json_t *j;

	j = json_loadb((const char *)wbuf_data(out), wbuf_len(out), 0, &jerr);
	if (j == NULL) {
		die("writer output is not JSON", jerr.text);
	}
	/* strict: the writer uses only members the parser knows */
	if (vjson_parse_values_opt(j, VJSON_STRICT, &again, err, sizeof(err)) != IDR_OK) {
		die("writer output does not parse", err);
	}
	wbuf_init_heap(&enc, FUZZ_OUT_MAX);
	encode_all(&again, &enc);
	if (!slice_eq(wbuf_slice(&enc), wbuf_slice(want))) {
		die("round trip changed the values", NULL);
	}
	wbuf_deinit(&enc);
	vjson_values_free(&again);
	json_decref(j);
}

static void
check_values(const struct vjson_values *vals)
{
	struct wbuf clumps, out;
	struct rec_view rec;
	size_t i;

	wbuf_init_heap(&clumps, FUZZ_OUT_MAX);
	encode_all(vals, &clumps);

	wbuf_init_heap(&out, FUZZ_OUT_MAX);
	wbuf_u8(&out, '[');
	for (i = 0; i < vals->n; i++) {
		if (i > 0) {
			wbuf_u8(&out, ',');
		}
		if (vjson_write_value(&out, &vals->v[i]) != IDR_OK) {
			die("vjson_write_value failed", idr_strerror(wbuf_error(&out)));
		}
	}
	wbuf_u8(&out, ']');
	reparse_same(&out, &clumps);

	memset(&rec, 0, sizeof(rec));
	rec.handle = SLICE_LIT("fuzz/1");
	rec.nvalues = (uint32_t)vals->n;
	rec.values = wbuf_slice(&clumps);
	wbuf_reset(&out);
	if (vjson_write_record(&out, &rec, NULL, NULL) != (int)vals->n) {
		die("vjson_write_record failed", idr_strerror(wbuf_error(&out)));
	}
	reparse_same(&out, &clumps);
	wbuf_deinit(&out);
	wbuf_deinit(&clumps);
}

static void
check_str_and_time(const uint8_t *data, size_t size)
{
	char back[VJSON_TIME_LEN];
	uint32_t t, t2;
	struct wbuf out;
	json_t *j;

	wbuf_init_heap(&out, FUZZ_OUT_MAX);
	if (vjson_write_str(&out, slice_make(data, size)) != IDR_OK) {
		die("vjson_write_str failed", NULL);
	}
	j = json_loadb((const char *)wbuf_data(&out), wbuf_len(&out),
	               JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!json_is_string(j)) {
		die("vjson_write_str output is not a JSON string", NULL);
	}
	json_decref(j);
	wbuf_deinit(&out);

	if (vjson_time_parse((const char *)data, size, &t) == IDR_OK) {
		vjson_time_format(t, back);
		if (vjson_time_parse(back, VJSON_TIME_LEN - 1, &t2) != IDR_OK || t2 != t) {
			die("time does not round trip", back);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[VJSON_ERR_LEN];
	struct vjson_values vals;
	json_t *j;

	check_str_and_time(data, size);
	j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (j == NULL) {
		return 0;
	}
	if (vjson_parse_values(j, &vals, err, sizeof(err)) == IDR_OK) {
		check_values(&vals);
		vjson_values_free(&vals);
	} else if (err[0] == '\0') {
		die("parser error without a message", NULL);
	}
	json_decref(j);
	return 0;
}
