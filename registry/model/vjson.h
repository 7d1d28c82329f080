/*
 * vjson.h - the JSON form of Handle values and records (ref/handle.md §7, the Handle.Net REST
 * API shapes), used by `idr get --json`, `idr export`/`idr import` and the HTTP API.
 *
 * Writer: compact JSON straight into a struct wbuf, no JSON library, one pass over the stored
 * value clumps. Member order follows Handle.Net (index, type, data, permissions, ttl,
 * timestamp, references). Every output is valid UTF-8 JSON whatever the input bytes are; data
 * is written as "admin"/"vlist"/"site" only when the JSON form reproduces the bytes exactly,
 * so that value -> JSON -> value gives the identical value clump (export/import round trip).
 * Writer errors are the wbuf's sticky error (IDR_ETOOBIG, IDR_ENOMEM).
 *
 * Parser: jansson trees (json_t) into struct value arrays whose bytes are owned by a
 * struct vjson_values. Errors name the value and the field ("values[2].data.value: invalid
 * base64").
 *
 * Dates are "YYYY-MM-DDTHH:MM:SSZ" (UTC) computed with days-from-civil arithmetic: no timegm,
 * no locale, no global state. All functions are thread-safe; a wbuf or vjson_values is used
 * by one thread at a time.
 */
#ifndef IDR_REGISTRY_MODEL_VJSON_H
#define IDR_REGISTRY_MODEL_VJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "base/wbuf.h"
#include "model/rec.h"
#include "model/value.h"

struct json_t; /* jansson's json_t */

#define VJSON_TIME_LEN 21  /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */
#define VJSON_ERR_LEN  256 /* a comfortable size for parser error messages */

/* HTTP response codes written by vjson_write_record (ref/handle.md §2.4) */
#define VJSON_RC_SUCCESS          1
#define VJSON_RC_VALUES_NOT_FOUND 200

/**
 * Value filter called once per value while the values are written: return > 0 to write the
 * value, 0 to skip it, or a negative IDR_E* code to stop (the write functions then return that
 * code). The value and its slices are valid only during the call.
 */
typedef int (*vjson_filter_fn)(void *ctx, const struct value *v);

/**
 * Standard Handle resolution filter (ref/handle.md §3.1, §7 GET parameters), for use as
 * vjson_filter_fn with ctx = struct vjson_filter *: a value passes when no index and no type
 * is requested, or its index is listed, or its type matches a listed type (value_type_match:
 * case-insensitive, a trailing '.' includes sub-types). With public_only it must also carry
 * VALUE_PERM_PUBLIC_READ. Arrays are borrowed for the duration of the write.
 * Callers needing more (e.g. noticing non-public values to ask for authentication) wrap it.
 */
struct vjson_filter {
	const uint32_t *indexes;
	size_t nindexes;
	const struct slice *types;
	size_t ntypes;
	bool public_only;
};

/** vjson_filter_fn over a struct vjson_filter. @return 1 (write) or 0 (skip). */
int vjson_filter_match(void *ctx, const struct value *v);

/**
 * Write s as a JSON string (with the quotes). Escapes '"', '\\', C0 controls (\b \f \n \r \t,
 * others \u00XX) and DEL (\u007f); other bytes are copied. Each byte that is not part of a
 * valid UTF-8 sequence (overlong forms, surrogates and > U+10FFFF included) becomes \ufffd, so
 * the output is always valid JSON in valid UTF-8.
 * @return IDR_OK or the wbuf's sticky error.
 */
int vjson_write_str(struct wbuf *w, struct slice s);

/**
 * Write one value as a JSON object:
 * {"index":1,"type":"URL","data":{"format":"string","value":"..."},"ttl":86400,
 *  "timestamp":"2001-11-21T16:21:35Z"}
 * "permissions" ("1110" style: admin read, admin write, public read, public write) only when
 * the permissions differ from VALUE_PERM_DEFAULT; "ttl" an integer for a relative TTL or a
 * date for an absolute one; "timestamp" omitted when 0; "references" only when there are any.
 * data.format: "admin" (HS_ADMIN), "vlist" (HS_VLIST), "site" (HS_SITE, HS_SITE.6,
 * HS_SITE.PREFIX, HS_NA_DELEGATE) when the data decodes and its JSON form reproduces it
 * exactly; else "string" for valid UTF-8 without control characters other than tab, LF, CR;
 * else "base64". v's slices are only read.
 * @return IDR_OK, the wbuf's sticky error, IDR_ENOMEM (HS_SITE decoding scratch memory) or
 *         IDR_EPROTO (v->refs shorter than v->nrefs references; value_decode never gives
 *         that). On error the wbuf holds partial output that the caller discards.
 */
int vjson_write_value(struct wbuf *w, const struct value *v);

/**
 * Write the values of a record as a JSON array "[...]" (not the "values": key), walking the
 * clumps once. Only rec->values is used, so a caller holding a wire RESOLUTION body may fill
 * just that field. filter (may be NULL: every value) chooses values as they are met.
 * @return the number of values written (>= 0), a negative code returned by the filter, the
 *         wbuf's sticky error, or IDR_EPROTO/IDR_ELIMIT for a clump that does not decode.
 */
int vjson_write_values(struct wbuf *w, const struct rec_view *rec, vjson_filter_fn filter,
                       void *ctx);

/**
 * Write {"responseCode":1,"handle":"<rec->handle>","values":[...]}. When a filter is given
 * and no value passes, responseCode is 200 (VALUES_NOT_FOUND) with "values":[] (Handle.Net
 * GET behaviour). Uses rec->handle and rec->values only.
 * @return as vjson_write_values (the number of values written, or a negative code; on error
 *         the wbuf holds a partial object that the caller discards).
 */
int vjson_write_record(struct wbuf *w, const struct rec_view *rec, vjson_filter_fn filter,
                       void *ctx);

/** Format unix time t as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out (NUL-terminated). */
void vjson_time_format(uint32_t t, char out[VJSON_TIME_LEN]);

/**
 * Parse an ISO-8601 / RFC 3339 date-time s[0..len) (need not be NUL-terminated):
 * "YYYY-MM-DDTHH:MM:SS" + optional fraction ".d+" (dropped) + "Z" or "+hh:mm" / "-hh:mm".
 * Calendar dates are checked (month lengths, leap years), seconds 0..59.
 * @return IDR_OK (*out = unix seconds), IDR_EINVAL (syntax or invalid date) or IDR_ELIMIT
 *         (before 1970-01-01T00:00:00Z or after 2106-02-07T06:28:15Z); *out untouched on error.
 */
int vjson_time_parse(const char *s, size_t len, uint32_t *out);

struct vjson_chunk; /* owned byte storage (internal) */

/**
 * Values parsed from JSON. v[0..n) in input order (not sorted: see rec_values_sort); each
 * value's type, data and refs point into memory owned by this struct. handle is the
 * {"handle": ...} member of the {"values":[...]} form (has_handle false otherwise), also
 * owned. Everything lives until vjson_values_free().
 */
struct vjson_values {
	struct value *v;
	size_t n;
	bool has_handle;
	struct slice handle;
	struct vjson_chunk *chunks;
};

/**
 * Release what vals owns (the struct itself is the caller's) and leave it empty (n == 0).
 * Accepts NULL and an already empty or zeroed struct.
 */
void vjson_values_free(struct vjson_values *vals);

/**
 * Parse JSON values: an array of value objects, or {"values":[...]} (optional "handle"
 * string exposed in out->handle), or one value object. Per value: "index" (required,
 * 1..2147483647, unique), "type" (required, 1..VALUE_MAX_TYPE bytes, no control characters),
 * "data" (required: {"format":"string"|"base64"|"hex"|"admin"|"vlist"|"site","value":...}
 * or a bare string), "ttl" (integer = relative, date string = absolute; default 86400
 * relative), "timestamp" (date; default 0), "permissions" (4 characters of 0/1; default
 * "1110"), "references" ([{"handle":..,"index":..}], at most VALUE_MAX_REFS). Unknown members
 * are ignored. Data is at most VALUE_MAX_ARRAY bytes after decoding; at most VALUE_MAX_VALUES
 * values. Every form vjson_write_value produces is accepted and gives back identical bytes.
 * @param j       the parsed document (borrowed; out does not point into it).
 * @param out     overwritten (not freed first); on success free with vjson_values_free(), on
 *                error it is left empty.
 * @param err     receives a message naming the value and field, e.g.
 *                "values[2].data.value: invalid base64" (may be NULL if errlen is 0).
 * @return IDR_OK, IDR_EPROTO (malformed), IDR_ELIMIT (a limit exceeded) or IDR_ENOMEM.
 */
int vjson_parse_values(const struct json_t *j, struct vjson_values *out, char *err,
                       size_t errlen) IDR_MUSTCHECK;

#define VJSON_STRICT 0x1u /* unknown members are errors */

/**
 * vjson_parse_values with flags. VJSON_STRICT: a member no form above knows (in a value, its
 * data, references, admin, vlist and site objects, or the {"responseCode","handle","values"}
 * wrapper) is
 * IDR_EPROTO, err naming it and the known member it probably meant ("values[0]: unknown
 * member 'refs' (did you mean 'references'?)"), so a typo does not drop data silently (the
 * import of JSON lines). Without it unknown members are ignored (answers of other servers).
 */
int vjson_parse_values_opt(const struct json_t *j, unsigned flags, struct vjson_values *out,
                           char *err, size_t errlen) IDR_MUSTCHECK;

/** The name of an HS_SITE interface protocol in the JSON form ("UDP", "TCP", "HTTP", "HTTPS"
 *  for 0..3), NULL for others (written as numbers). */
const char *vjson_proto_name(size_t proto);

#endif /* IDR_REGISTRY_MODEL_VJSON_H */
