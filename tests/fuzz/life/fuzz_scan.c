/*
 * fuzz_scan.c - scanner input on arbitrary bytes, with and without a GS substitute and a
 * company prefix length. Crashes, sanitizer reports and broken invariants (abort()) are findings:
 *   - failure: kind SCAN_NONE, a non-empty message, no elements;
 *   - success: a non-empty message never; GS1 results re-read from their raw element string and
 *     from their Digital Link give the same elements; an EPC URN converts back to the elements.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "life/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static bool
same(const struct scan_gs1 *a, const struct scan_gs1 *b)
{
	if (a->n != b->n) {
		return false;
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct scan_ai *x = scan_gs1_find(b, a->el[i].ai);
		if (x == NULL || strcmp(x->value, a->el[i].value) != 0) {
			return false;
		}
	}
	return true;
}

static void
check_result(int rc, const struct scan_result *r)
{
	static struct scan_gs1 g;
	static char buf[SCAN_INPUT_MAX], err[SCAN_ERR_MAX];
	enum scan_epc e;

	if (rc != IDR_OK) {
		check(r->kind == SCAN_NONE && r->err[0] != '\0' && r->gs1.n == 0);
		return;
	}
	check(r->kind != SCAN_NONE && r->err[0] == '\0');
	if (r->kind == SCAN_HANDLE) {
		check(r->handle[0] != '\0' && strchr(r->handle, '/') != NULL);
		return;
	}
	check(r->gs1.n > 0);
	if (scan_gs1_format(&r->gs1, SCAN_STYLE_RAW, buf, sizeof(buf)) == IDR_OK) {
		check(scan_gs1_parse(buf, strlen(buf), NULL, &g, err) == IDR_OK);
		check(same(&g, &r->gs1));
	}
	if (r->dl[0] != '\0') {
		check(scan_dl_parse(r->dl, strlen(r->dl), &g, err) == IDR_OK);
		check(same(&g, &r->gs1));
	}
	if (r->epc_urn[0] != '\0') {
		check(scan_epc_to_gs1(r->epc_urn, strlen(r->epc_urn), &e, &g, err) == IDR_OK);
		check(g.n <= r->gs1.n);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scan_result r;
	static const struct scan_opts opts[] = {
	        {0, false, 0, NULL},
	        {'|', true, 7, "https://res.example.cn"},
	        {'~', false, 9, NULL},
	};
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		int rc = scan_parse(data, size, &opts[i], &r);
		check_result(rc, &r);
	}
	return 0;
}
