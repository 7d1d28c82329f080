/* fuzz_num.c - the number parsers of command-line text (num_parse_u64, num_parse_size,
 * num_parse_duration) on arbitrary bytes: no crash; on success the value is within range and
 * the text was only digits and one unit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TEXT 64

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[MAX_TEXT + 1];
	uint64_t v = 7, lo = 10, hi = 1ULL << 50;

	if (size > MAX_TEXT) {
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	size = strlen(text); /* the parsers see a C string: up to the first NUL */
	if (num_parse_duration(text, lo, hi, &v) == IDR_OK) {
		if (v < lo || v > hi || size == 0 || strspn(text, "0123456789") + 1 < size) {
			abort();
		}
	} else if (v != 7) {
		abort(); /* untouched on error */
	}
	if (num_parse_size(text, lo, hi, &v) == IDR_OK && (v < lo || v > hi)) {
		abort();
	}
	if (num_parse_u64(text, lo, hi, &v) == IDR_OK &&
	    (v < lo || v > hi || strspn(text, "0123456789") != size)) {
		abort();
	}
	return 0;
}
