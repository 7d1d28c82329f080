/*
 * fuzz_lang.c - the Accept-Language parser (http/lang.h) on arbitrary bytes. Invariants
 * (abort() on a break): every range lies inside the input and is non-empty, q is 0..1000,
 * at most cap ranges are stored, a field over LANG_MAX_FIELD yields nothing; the choice is one
 * of our languages and the same on a copy (no reads beyond len: ASan); with a smaller
 * capacity the ranges found are a prefix of those found with the full one.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/lang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lang_range r[LANG_MAX_RANGES], small[4];
	uint8_t *copy = malloc(size > 0 ? size : 1);
	size_t n, bad, ns, bads, i;
	enum lang_id id;
	int rc;

	if (copy == NULL) {
		return 0;
	}
	memcpy(copy, data, size);
	rc = lang_accept_parse(slice_make(copy, size), r, LANG_MAX_RANGES, &n, &bad);
	check(rc == IDR_OK || rc == IDR_ELIMIT);
	check(n <= LANG_MAX_RANGES);
	check(size <= LANG_MAX_FIELD || (n == 0 && rc == IDR_ELIMIT));
	for (i = 0; i < n; i++) {
		check(r[i].tag.len > 0 && r[i].tag.p >= copy &&
		      r[i].tag.p + r[i].tag.len <= copy + size);
		check(r[i].q <= LANG_Q_MAX);
	}
	(void)lang_accept_parse(slice_make(copy, size), small, 4, &ns, &bads);
	check(ns <= 4 && ns <= n);
	for (i = 0; i < ns; i++) {
		check(small[i].tag.p == r[i].tag.p && small[i].tag.len == r[i].tag.len &&
		      small[i].q == r[i].q);
	}
	id = lang_choose(slice_make(copy, size));
	check(id == LANG_ZH || id == LANG_EN);
	check(id == lang_choose(slice_make(data, size)));
	free(copy);
	return 0;
}
