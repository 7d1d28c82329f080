/*
 * fuzz_trc_parse.c - trc_parse (tools/common/trc.h) on arbitrary bytes: an accepted answer
 * gives a graph whose first node is the root and whose other nodes name an earlier node one
 * level up as parent; a refused one leaves the graph empty with a message.
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
	struct trc_graph g;
	char err[256] = "";

	trc_graph_init(&g);
	if (trc_parse(slice_make(data, size), 0, 1000, &g, err, sizeof(err)) != IDR_OK) {
		check(g.n == 0 && err[0] != '\0');
		return 0;
	}
	check(g.n >= 1 && g.n <= 1000 && g.v[0].depth == 0 && g.v[0].parent == NULL);
	for (size_t i = 1; i < g.n; i++) {
		long p = trc_graph_find(&g, g.v[i].parent);

		check(p >= 0 && (size_t)p < i && g.v[p].depth + 1 == g.v[i].depth);
		check(strlen(g.v[i].event) == TRC_EVENT_HEX && g.v[i].link[0] != '\0');
		check(trc_graph_find(&g, g.v[i].key) == (long)i);
	}
	trc_graph_deinit(&g);
	return 0;
}
