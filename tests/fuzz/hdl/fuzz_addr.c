/* fuzz_net_addr.c - listen address parsing on arbitrary text: no crash; a rejection always
 * says why; an accepted address formats to text that parses back to the same address. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hdl/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[ADDR_TEXT_MAX * 2];
	char out[ADDR_STRLEN];
	struct addr a;
	struct addr b;
	const char *why = NULL;

	if (size >= sizeof(text)) {
		size = sizeof(text) - 1;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	if (addr_parse(text, &a, &why) != IDR_OK) {
		if (why == NULL) {
			abort();
		}
		return 0;
	}
	if (addr_format((const struct sockaddr *)&a.ss, out, sizeof(out)) != IDR_OK ||
	    addr_parse(out, &b, NULL) != IDR_OK || !addr_equal(&a, &b) || a.len != b.len) {
		abort();
	}
	return 0;
}
