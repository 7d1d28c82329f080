/*
 * fuzz_sfwd_resp.c - the answer of a request forwarded to another server of the site
 * (http/sfwd.h sfwd_resp_parse) on arbitrary bytes. Invariants (abort() on a break): the
 * result is IDR_OK or IDR_EPROTO with a reason; on success the status is 100..599 and the
 * body, Content-Type and Location lie inside the input, the Location at most SFWD_LOC_MAX.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "http/sfwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static bool
inside(struct slice s, const uint8_t *lo, size_t len)
{
	return s.len == 0 || (s.p >= lo && s.p + s.len <= lo + len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sfwd_resp r;
	const char *why = NULL;
	int rc = sfwd_resp_parse(slice_make(data, size), &r, &why);

	check(rc == IDR_OK || rc == IDR_EPROTO);
	if (rc != IDR_OK) {
		check(why != NULL);
		return 0;
	}
	check(r.status >= 100 && r.status <= 599);
	check(inside(r.body, data, size) && inside(r.ctype, data, size) &&
	      inside(r.location, data, size));
	check(r.location.len <= SFWD_LOC_MAX);
	return 0;
}
