/*
 * fuzz_alias.c - alias keys (life/alias.h) on arbitrary bytes. Findings besides crashes and
 * sanitizer reports (abort()): a key that is not its own canonical form, a failure without a
 * message or with a key left behind, a key over ALIAS_KEY_MAX.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "life/alias.h"

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
	static char key[ALIAS_KEY_MAX + 1], again[ALIAS_KEY_MAX + 1], err[ALIAS_ERR_MAX];
	static char keys[ALIAS_KEYS][ALIAS_KEY_MAX + 1];
	int n = alias_key((const char *)data, size, key, err);

	if (n < 0) {
		check(key[0] == '\0' && err[0] != '\0');
	} else {
		check(n > 0 && (size_t)n == strlen(key) && n <= ALIAS_KEY_MAX);
		check(alias_key(key, (size_t)n, again, err) == n && strcmp(key, again) == 0);
	}
	(void)alias_keys_of_text((const char *)data, size, keys);
	return 0;
}
