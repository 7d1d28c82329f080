/* fuzz_cfg.c - the configuration parser on arbitrary bytes: no crash, no leak; on success
 * every value is within its declared range. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct conf {
	bool flag;
	uint64_t num;
	uint64_t size;
	char *str;
	char *mode;
	struct cfg_list list;
};

static const struct cfg_opt table[] = {
        {"flag", CFG_BOOL, offsetof(struct conf, flag), 0, 0, "no", NULL, true, "flag"},
        {"num", CFG_UINT, offsetof(struct conf, num), 1, 1000, "1", NULL, false, "number"},
        {"size", CFG_SIZE, offsetof(struct conf, size), 0, 1ULL << 40, "1k", NULL, true, "size"},
        {"str", CFG_STRING, offsetof(struct conf, str), 0, 0, NULL, NULL, true, "text"},
        {"mode", CFG_ENUM, offsetof(struct conf, mode), 0, 0, "a", "a|b", false, "mode"},
        {"list", CFG_LIST, offsetof(struct conf, list), 0, 0, "x y", NULL, false, "list"},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	int rc;

	memset(&c, 0, sizeof(c));
	if (cfg_defaults(table, 6, &c) != IDR_OK) {
		abort();
	}
	rc = cfg_parse_buf(table, 6, "fuzz", (const char *)data, size, &c, NULL, NULL);
	if (rc == IDR_OK &&
	    (c.list.n > CFG_LIST_MAX || c.num < 1 || c.num > 1000 || c.mode == NULL ||
	     (strcmp(c.mode, "a") != 0 && strcmp(c.mode, "b") != 0))) {
		abort();
	}
	cfg_free_values(table, 6, &c);
	return 0;
}
