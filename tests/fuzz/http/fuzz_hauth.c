/*
 * fuzz_hauth.c - the Authorization header parsers of the REST API (http/hauth.h) on arbitrary
 * bytes: the parameters of `Authorization: Handle ...` and the user part of Basic credentials.
 * Invariants (abort() on a break): every slice parsed lies inside the input; a parse that
 * succeeds on the input succeeds the same on a copy (no reads beyond len: ASan); a Basic user
 * that parses gives an index 1..2^31-1 and a non-empty handle of at most IDENT_HARD_MAX bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/hauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static void
inside(struct slice s, const uint8_t *p, size_t len)
{
	check(s.p == NULL || (s.p >= p && s.p + s.len <= p + len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size > 0 ? size : 1);
	struct hauth_params p;
	const char *why = NULL;
	char buf[AUTH_ID_MAX];
	struct auth_id id;

	if (copy == NULL) {
		return 0;
	}
	memcpy(copy, data, size);
	if (hauth_params_parse(slice_make(copy, size), &p, &why) == IDR_OK) {
		const struct slice *all[] = {&p.version,    &p.session_id, &p.id,        &p.type,
		                             &p.cnonce,     &p.alg,        &p.signature, &p.salt,
		                             &p.iterations, &p.length};

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
			inside(*all[i], copy, size);
		}
	} else {
		check(why != NULL);
	}
	if (hauth_basic_user(slice_make(copy, size), buf, sizeof(buf), &id) == IDR_OK) {
		check(id.index >= 1 && id.index <= INT32_MAX);
		check(id.handle.len > 0 && id.handle.len <= IDENT_HARD_MAX);
		check(id.handle.p >= (const uint8_t *)buf &&
		      id.handle.p + id.handle.len <= (const uint8_t *)buf + sizeof(buf));
	}
	free(copy);
	return 0;
}
