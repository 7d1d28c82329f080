/*
 * fuzz_evcsv.c - CSV rows to lifecycle events (tools/common/evcsv.h) on arbitrary bytes: the
 * parser accepts (every event then passes life_event_check and has a line) or refuses with a
 * message naming a line; never both events and an error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/evcsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

static void
count(void *arg, const char *msg)
{
	check(strncmp(msg, "line ", 5) == 0);
	(*(size_t *)arg)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[EVCSV_ERR_LEN], why[LIFE_ERR_LEN];
	struct evcsv_doc d;
	size_t bad = 0;
	uint8_t *copy = malloc(size > 0 ? size : 1); /* exact size: ASan sees over-reads */
	int rc;

	check(copy != NULL);
	if (size > 0) {
		memcpy(copy, data, size);
	}
	rc = evcsv_parse(copy, size, "https://n.example", 1706752800000LL, count, &bad, &d, err,
	                 sizeof(err));
	if (rc == IDR_OK) {
		check(bad == 0);
		for (size_t i = 0; i < d.doc.n; i++) {
			check(life_event_check(&d.doc.ev[i], why, sizeof(why)) == IDR_OK);
			check(d.line[i] >= 2);
		}
	} else {
		check(d.doc.n == 0 && d.doc.ev == NULL);
		check(rc == IDR_ENOMEM || strncmp(err, "line ", 5) == 0);
		check(rc != IDR_EPROTO || bad >= 1);
	}
	evcsv_free(&d);
	free(copy);
	return 0;
}
