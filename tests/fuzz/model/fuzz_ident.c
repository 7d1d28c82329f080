/*
 * fuzz_ident.c - identifier syntax on arbitrary bytes, with several option sets. Crashes and
 * sanitizer reports are findings; so is any broken invariant (abort()):
 *   - a failure is one of the IDR_EID_* codes;
 *   - on success prefix + '/' + suffix == full, the prefix is a valid prefix, a 0.NA handle's
 *     suffix is a valid prefix, the text is clean UTF-8 within both limits;
 *   - folding is idempotent and a folded identifier parses the same way;
 *   - a prefix's parent is a prefix it is below.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/text.h"
#include "model/ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static bool
is_ident_error(int rc)
{
	return rc <= IDR_EID_EMPTY && rc >= IDR_EID_NOSLASH;
}

static void
check_prefix(struct slice prefix)
{
	struct slice parent;

	check(ident_prefix_check(prefix) == IDR_OK);
	if (ident_prefix_parent(prefix, &parent)) {
		check(parent.len < prefix.len && parent.p == prefix.p);
		check(ident_prefix_check(parent) == IDR_OK);
		check(ident_prefix_is_below(prefix, parent));
		check(!ident_prefix_is_below(parent, prefix));
	}
	check(!ident_prefix_is_below(prefix, prefix));
}

static void
check_folded(const struct ident *id, const struct ident_opts *o)
{
	static uint8_t f1[IDENT_HARD_MAX], f2[IDENT_HARD_MAX];
	struct ident fid;

	ident_fold(id->full.p, id->full.len, f1);
	ident_fold(f1, id->full.len, f2);
	check(memcmp(f1, f2, id->full.len) == 0);
	check(ident_parse(&fid, f1, id->full.len, o) == IDR_OK);
	check(fid.prefix.len == id->prefix.len && fid.has_slash == id->has_slash);
	check(fid.zero_na == id->zero_na && fid.nchars == id->nchars);
	check(slice_caseeq(fid.full, id->full));
}

static void
check_success(const struct ident *id, const uint8_t *data, size_t size, const struct ident_opts *o)
{
	size_t max = (o == NULL || o->max_chars == 0) ? IDENT_DEFAULT_MAX_CHARS : o->max_chars;

	check(id->full.p == data && id->full.len == size);
	check(size > 0 && size <= IDENT_HARD_MAX && id->nchars <= max);
	check(text_is_clean(data, size));
	check(id->prefix.p == data && memchr(id->prefix.p, '/', id->prefix.len) == NULL);
	if (id->has_slash) {
		check(id->prefix.len + 1 + id->suffix.len == size);
		check(data[id->prefix.len] == '/' && id->suffix.p == data + id->prefix.len + 1);
		check(id->suffix.len > 0);
	} else {
		check(o != NULL && o->allow_no_slash);
		check(id->prefix.len == size && id->suffix.len == 0 && !id->zero_na);
	}
	check_prefix(id->prefix);
	check(id->zero_na == (id->has_slash && slice_caseeq_cstr(id->prefix, IDENT_ZERO_NA)));
	if (id->zero_na) {
		check_prefix(id->suffix);
	}
	check_folded(id, o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ident_opts opts[] = {
	        {0, false}, {10, false}, {IDENT_HARD_MAX, true}, {100000, true}};
	static char zna[IDENT_HARD_MAX + 8];
	struct ident id;
	size_t i;
	int rc;

	for (i = 0; i <= sizeof(opts) / sizeof(opts[0]); i++) {
		const struct ident_opts *o = i == 0 ? NULL : &opts[i - 1];

		rc = ident_parse(&id, data, size, o);
		if (rc == IDR_OK) {
			check_success(&id, data, size, o);
		} else {
			check(is_ident_error(rc));
		}
	}
	rc = ident_prefix_check(slice_make(data, size));
	check(rc == IDR_OK || is_ident_error(rc));
	if (rc == IDR_OK) {
		check_prefix(slice_make(data, size));
		check(ident_zero_na(slice_make(data, size), zna, sizeof(zna)) == IDR_OK);
		check(strlen(zna) == size + 5 && memcmp(zna + 5, data, size) == 0);
	}
	/* arbitrary splits must not crash the prefix helpers */
	if (size > 1) {
		struct slice a = slice_make(data, size / 2),
		             b = slice_make(data + size / 2, size / 2);

		(void)ident_prefix_is_below(a, b);
		(void)ident_prefix_is_below(b, a);
	}
	return 0;
}
