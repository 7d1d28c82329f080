/*
 * uri.h - the request-target of an HTTP request, parsed sans-I/O (RFC 3986 / RFC 9112 §3.2):
 * the percent-decoded path and the query parameters. Which route a path is, and the handle it
 * names, is the route table's (route.h).
 *
 * Accepted: origin-form "/path[?query]" and absolute-form "http[s]://authority/path[?query]".
 * The target must be visible ASCII (0x21..0x7e) without '#'; every "%XY" must be two hex
 * digits and must not decode to NUL; the decoded path, keys and values must be valid UTF-8.
 * In the query '+' means a space (HTML forms); in the path it is a '+'. Parameters are split
 * at '&' (empty pieces skipped) and at the first '='; a key without '=' gets the value "true"
 * (ref/handle.md §7: boolean parameters present without a value mean true). Keys repeat.
 *
 * Pure functions; thread-safe; no allocation. Output slices point into the caller's scratch
 * buffer (decoded bytes) or into static storage ("true").
 */
#ifndef IDR_RESOLVER_HTTP_URI_H
#define IDR_RESOLVER_HTTP_URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"

#define URI_MAX_TARGET 32768 /* bytes of a request-target */
#define URI_MAX_KEY    64    /* bytes of a decoded parameter name */
#define URI_MAX_JSONP  128   /* bytes of a JSONP callback name */

struct uri_param {
	struct slice key;   /* decoded, 1..URI_MAX_KEY bytes */
	struct slice value; /* decoded; "true" when the key came without '=' */
	bool has_value;     /* false when the key came without '=' */
};

struct uri_target {
	struct slice path; /* decoded path, starts with '/' */
	struct uri_param *params;
	size_t nparams;
	const char *why; /* on error: what is wrong (static string) */
};

/**
 * Parse a request-target.
 * @param target   the bytes as received (need not be NUL-terminated).
 * @param params   caller array for the parameters, capacity cap.
 * @param scratch  caller memory for decoded bytes; scratch_cap >= len always suffices.
 * @return IDR_OK; IDR_EPROTO (malformed: bad character, bad or NUL escape, not a path),
 *         IDR_EUTF8 (decoded bytes not UTF-8), IDR_ELIMIT (target over URI_MAX_TARGET, more
 *         than cap parameters, a key over URI_MAX_KEY) or IDR_ETOOBIG (scratch too small).
 *         On error out->why names the problem and the other fields are unspecified.
 */
int uri_parse(struct uri_target *out, const char *target, size_t len, struct uri_param *params,
              size_t cap, uint8_t *scratch, size_t scratch_cap) IDR_MUSTCHECK;

/** First parameter named key (exact match), or NULL. */
const struct uri_param *uri_param_get(const struct uri_target *t, const char *key);

/** Number of parameters named key. */
size_t uri_param_count(const struct uri_target *t, const char *key);

/**
 * Boolean parameter: absent -> def; no value, an empty value, "true", "1", "yes", "on" ->
 * true; "false", "0", "no", "off" -> false (ASCII case-insensitive).
 * @return IDR_OK or IDR_EINVAL (another value; *out untouched).
 */
int uri_param_bool(const struct uri_target *t, const char *key, bool def, bool *out) IDR_MUSTCHECK;

/**
 * Decimal parameter value in [min, max] (num_parse_u64_n rules).
 * @return IDR_OK, IDR_EINVAL (syntax) or IDR_ELIMIT (out of range); *out untouched on error.
 */
int uri_param_u64(const struct uri_param *p, uint64_t min, uint64_t max,
                  uint64_t *out) IDR_MUSTCHECK;

/**
 * True if s is a safe JSONP callback: 1..URI_MAX_JSONP bytes, dot-separated JavaScript
 * identifiers [A-Za-z_$][A-Za-z0-9_$]* (no empty segment).
 */
bool uri_jsonp_valid(struct slice s);

/**
 * Percent-encode s for use in a URL: unreserved characters (RFC 3986), and '/' when
 * keep_slash, are copied; every other byte becomes %XX.
 * @return IDR_OK or the wbuf's sticky error.
 */
int uri_encode(struct wbuf *w, struct slice s, bool keep_slash);

#endif /* IDR_RESOLVER_HTTP_URI_H */
