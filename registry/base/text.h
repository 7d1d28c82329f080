/*
 * text.h - checks on untrusted text: strict UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF) and control characters (C0, DEL, C1); the closest known word for a message
 * about an unknown one. Pure functions; thread-safe.
 */
#ifndef IDR_REGISTRY_BASE_TEXT_H
#define IDR_REGISTRY_BASE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Validate UTF-8 and count code points.
 * @param nchars  if not NULL, receives the number of code points (only on success).
 * @param ctrl    if not NULL, set to true when a control character (U+0000..U+001F, U+007F,
 *                U+0080..U+009F) occurs.
 * @return IDR_OK or IDR_EUTF8.
 */
int text_utf8_check(const uint8_t *p, size_t len, size_t *nchars, bool *ctrl);

/**
 * Decode the UTF-8 sequence at p (strict as above).
 * @param left  bytes available at p (>= 1).
 * @return its length (1..4) with *cp its code point, or 0 if p does not start a valid one.
 */
size_t text_utf8_next(const uint8_t *p, size_t left, uint32_t *cp);

/** Value of an ASCII hex digit (either case), or -1. */
int text_hex_digit(int c);

/** True if p[0..len) is valid UTF-8 without control characters. */
bool text_is_clean(const uint8_t *p, size_t len);

#define TEXT_SUGGEST_MAX 64 /* longer words get no suggestion */

/**
 * The known word a misspelt word probably meant, for "did you mean ...?": one that equals it
 * ignoring ASCII case, else the nearest within a few edits (insertions, deletions,
 * substitutions, swaps of neighbours: at most 1, or a third of the shorter word's length),
 * else one it abbreviates (at least 3 characters, the same first letter, its letters in order:
 * "refs" for "references").
 * @param known  NULL-terminated list.
 * @return an entry of known (the first of the best), or NULL.
 */
const char *text_suggest(const char *word, const char *const *known);

#endif /* IDR_REGISTRY_BASE_TEXT_H */
