/*
 * ident.h - identifier syntax (DESIGN.md §3, ref/handle.md §1, §6).
 *
 * An identifier is `prefix/suffix`, split at the FIRST '/' (the suffix may contain '/').
 * Prefix: dot-separated segments of ASCII letters, digits, '-' and '_'; case-insensitive.
 * A prefix handle is `0.NA/<prefix>`. Suffix: UTF-8 without control characters.
 * Limits: a configurable number of characters (default 255, the national HTTP API's limit)
 * and a hard 2048 bytes (protocol MAX_HANDLE_LENGTH). Lookups fold ASCII case (upper case,
 * like the Handle reference server); the spelling as registered is preserved by callers.
 * Each rejection returns an IDR_EID_* code whose idr_strerror() names the rule broken.
 * Pure functions; thread-safe; no allocation. Parsed slices borrow the caller's bytes.
 */
#ifndef IDR_REGISTRY_MODEL_IDENT_H
#define IDR_REGISTRY_MODEL_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

#define IDENT_HARD_MAX          2048 /* bytes */
#define IDENT_DEFAULT_MAX_CHARS 255  /* characters (code points) */
#define IDENT_ZERO_NA           "0.NA"
#define IDENT_ERR_LEN           96 /* room for ident_strerror's message */

struct ident {
	struct slice full;   /* the whole identifier as given */
	struct slice prefix; /* before the first '/' (the whole input when there is no '/') */
	struct slice suffix; /* after the first '/'; empty when has_slash is false */
	size_t nchars;       /* code points in full */
	bool has_slash;
	bool zero_na; /* prefix is 0.NA (any case): a prefix handle; suffix names a prefix */
};

struct ident_opts {
	size_t max_chars;    /* 0 means IDENT_DEFAULT_MAX_CHARS; never above IDENT_HARD_MAX */
	bool allow_no_slash; /* accept a bare prefix name (Handle: `X` means `0.NA/X`) */
};

/**
 * Parse and validate an identifier. Checks, in order: empty, hard byte limit, UTF-8, control
 * characters, character limit, missing '/' (IDR_EID_NOSLASH unless o->allow_no_slash), empty
 * prefix, prefix segments and characters, empty suffix; for a `0.NA/` handle the suffix must itself
 * be a valid prefix.
 * @param o  NULL for defaults (255 characters, '/' required).
 * @return IDR_OK or an IDR_EID_* code; *out is filled only on success.
 */
int ident_parse(struct ident *out, const void *p, size_t len, const struct ident_opts *o);

/**
 * The message of an ident_parse error under the options in force: IDR_EID_TOOLONG names the
 * character limit of o (NULL: the default), e.g. "identifier is longer than the configured
 * limit of 5 characters"; any other code gives idr_strerror(rc).
 * @param buf  at least IDENT_ERR_LEN bytes, used for IDR_EID_TOOLONG.
 * @return buf or a static string.
 */
const char *ident_strerror(int rc, const struct ident_opts *o, char *buf, size_t cap);

/**
 * Validate a bare prefix name such as `88.118.8` (no '/', segments as above, at most
 * IDENT_HARD_MAX bytes). @return IDR_OK, IDR_EID_NOTPREFIX (contains '/'), IDR_EID_EMPTY,
 * IDR_EID_SEGMENT, IDR_EID_PREFIXCHAR or IDR_EID_HARDLIMIT.
 */
int ident_prefix_check(struct slice prefix);

/**
 * Fold ASCII letters to upper case: out[0..len) = upper(p[0..len)). Bytes >= 0x80 are
 * copied unchanged. out may equal p. This is the lookup-key form of identifiers and prefixes.
 */
void ident_fold(const uint8_t *p, size_t len, uint8_t *out);

/**
 * Parent of a prefix: `88.118.8` -> `88.118`, `88` -> none.
 * @return true and *parent (a sub-slice of prefix) if there is a parent.
 */
bool ident_prefix_parent(struct slice prefix, struct slice *parent);

/**
 * True if child is strictly beneath parent: child == parent + "." + more (ASCII case-insens.).
 */
bool ident_prefix_is_below(struct slice child, struct slice parent);

/**
 * Write the prefix handle of a prefix: "0.NA/" + prefix, NUL-terminated.
 * @return IDR_OK or IDR_ETOOBIG if it does not fit in cap bytes.
 */
int ident_zero_na(struct slice prefix, char *out, size_t cap);

#endif /* IDR_REGISTRY_MODEL_IDENT_H */
