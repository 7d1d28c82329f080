/*
 * lang.h - the language of the human pages: Chinese (zh, simplified, the default: the people
 * scanning labels are mostly on Chinese shop floors) or English, chosen by the page's `?lang=`
 * parameter, else by the request's Accept-Language field (RFC 9110 §12.5.4).
 *
 * Accept-Language = #( language-range [ OWS ";" OWS "q=" qvalue ] ), language-range =
 * 1*8ALPHA *( "-" 1*8alphanum ) or "*", qvalue = 0[.ddd] or 1[.000]. The parser is tolerant
 * the way browsers need it: an element that does not have this form (`en_US`, `q=2`, a stray
 * parameter) is skipped and counted, the others still count. Bounded: a field longer than
 * LANG_MAX_FIELD bytes is not read at all, at most the caller's capacity of ranges is kept.
 *
 * Choice (lang_choose): each of our languages gets the highest q of the ranges whose primary
 * subtag is its own (zh-CN, zh-TW, zh-Hans and zh all count for zh), else the q of "*" if the
 * field has one; the language with the higher q wins, a tie goes to zh. A language the field
 * does not name ranks below every named q > 0 and above q=0 ("not acceptable"), so
 * `de, zh;q=0` gives en and a field naming neither gives zh.
 *
 * Pure functions, no allocation; thread-safe. Slices returned borrow the input.
 */
#ifndef IDR_RESOLVER_HTTP_LANG_H
#define IDR_RESOLVER_HTTP_LANG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/slice.h"

#define LANG_MAX_FIELD  1024 /* bytes of Accept-Language read; a longer field is ignored */
#define LANG_MAX_RANGES 32   /* ranges lang_choose keeps (the rest are ignored) */
#define LANG_MAX_SUBTAG 8    /* characters of one subtag (RFC 9110 language-range) */
#define LANG_Q_MAX      1000 /* q=1 in thousandths */

/** Our languages; LANG_ZH is the default. */
enum lang_id { LANG_ZH = 0, LANG_EN = 1, LANG_COUNT };

/** One element of Accept-Language. */
struct lang_range {
	struct slice tag; /* the language-range as sent ("zh-CN", "*"), borrowing the field */
	unsigned q;       /* weight in thousandths, 0..LANG_Q_MAX (1000 when absent) */
};

/**
 * Parse an Accept-Language field value into its well-formed elements, in the order sent.
 * Empty elements (",,") are allowed by the list syntax and skipped silently; malformed ones
 * are skipped and counted in *bad.
 * @param out  capacity cap; *n ranges are stored.
 * @return IDR_OK; IDR_ELIMIT when the field is longer than LANG_MAX_FIELD (nothing read, *n
 *         0) or has more well-formed elements than cap (the first cap are kept).
 */
int lang_accept_parse(struct slice field, struct lang_range *out, size_t cap, size_t *n,
                      size_t *bad);

/**
 * Our language for a tag: "zh", "en" or either followed by "-..." (any case; "zh-CN",
 * "en-GB"). @return IDR_OK with *out set, IDR_ENOENT for other tags.
 */
int lang_of_tag(struct slice tag, enum lang_id *out);

/** The language for an Accept-Language field value (rules above); LANG_ZH when empty. */
enum lang_id lang_choose(struct slice accept_language);

/** The language tag of a page in that language: "zh-CN" or "en". */
const char *lang_tag(enum lang_id id);

/** The short code of `?lang=`: "zh" or "en". */
const char *lang_code(enum lang_id id);

#endif /* IDR_RESOLVER_HTTP_LANG_H */
