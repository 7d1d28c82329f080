/* fuzz_fed_report.c - the report body parser (frep_parse) on arbitrary bytes: no crash, no
 * read past the body; an accepted body encodes back to the same bytes (the format has one
 * spelling), and the counts come out in strictly ascending prefix order. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fed/frep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct frep_count counts[FREP_MAX_PREFIXES];
	struct frep r;
	struct wbuf w;
	char why[160];
	int rc;

	memset(&r, 0, sizeof(r));
	r.counts = counts;
	r.cap = FREP_MAX_PREFIXES;
	rc = frep_parse(slice_make(data, size), &r, why, sizeof(why));
	if (rc != IDR_OK) {
		if (why[0] == '\0') {
			abort(); /* every refusal says why */
		}
		return 0;
	}
	wbuf_init_heap(&w, FREP_MAX_BODY + 1);
	if (frep_encode(&w, &r) != IDR_OK || w.len != size || memcmp(w.p, data, size) != 0) {
		abort();
	}
	wbuf_deinit(&w);
	return 0;
}
