/*
 * fuzz_trc_site.c - trc_site_read and trc_site_order (tools/common/trc.h) on arbitrary bytes:
 * a site read has 1..TRC_SITE_MAX servers with an HTTP(S) URL, each a NUL-terminated
 * "http[s]://" URL of a server the HS_SITE lists (ascending), and the order of any identifier
 * is a permutation of them that starts with the server the hash picks; a refused answer
 * leaves the site empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/trc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ids[] = {"88.118.8/P-1", "88.118.8/P-2", "x", NULL};
	struct trc_site site;
	size_t order[TRC_SITE_MAX];

	if (trc_site_read(slice_make(data, size), &site) != IDR_OK) {
		check(site.n == 0);
		return 0;
	}
	check(site.n >= 1 && site.n <= TRC_SITE_MAX && site.n <= site.nservers);
	for (size_t i = 0; i < site.n; i++) {
		check(memchr(site.url[i], '\0', TRC_URL_MAX) != NULL);
		check(strncmp(site.url[i], "http://", 7) == 0 ||
		      strncmp(site.url[i], "https://", 8) == 0);
		check(site.server[i] < site.nservers &&
		      (i == 0 || site.server[i] > site.server[i - 1]));
	}
	for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
		bool seen[TRC_SITE_MAX] = {false};
		long pick = trc_site_order(&site, ids[k], order);

		for (size_t i = 0; i < site.n; i++) {
			check(order[i] < site.n && !seen[order[i]]);
			seen[order[i]] = true;
		}
		check(pick < 0 || site.server[order[0]] == (uint32_t)pick);
	}
	return 0;
}
