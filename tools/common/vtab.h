/*
 * vtab.h - the value table that `idr get` and `idr resolve` print, in the manner of the
 * reference hdl-qresolve: the handle, the item kind when the record carries one, then one line
 * per value: index, type, TTL, permissions (admin read/write, public read/write: "rwr-"),
 * timestamp (UTC) and data — text with control characters escaped, HS_ADMIN and HS_VLIST
 * decoded, other binary data as <hex ...>; and the JSON both print with --json, in the form of
 * the HTTP API. Output goes to a stdio stream; not thread-safe.
 */
#ifndef IDR_TOOLS_COMMON_VTAB_H
#define IDR_TOOLS_COMMON_VTAB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/slice.h"
#include "model/rec.h"
#include "model/value.h"

/**
 * Print the table of values[0..n) of handle.
 * @param note  appended to the "N values" line (e.g. "via UDP 127.0.0.1:2641 in 1.2 ms"),
 *              or NULL.
 * @return IDR_OK or IDR_ENOMEM.
 */
int vtab_print(FILE *f, struct slice handle, const struct value *values, size_t n,
               const char *note);

/**
 * Print {"responseCode":1,"handle":..,"values":[..]} and a newline: a record found, in the
 * Handle.Net REST form (vjson_write_record; only view->handle and view->values are used).
 * @return IDR_OK, IDR_ENOMEM, or IDR_EPROTO/IDR_ELIMIT for a value that does not decode
 *         (nothing is printed then).
 */
int vtab_print_json_record(FILE *f, const struct rec_view *view);

/**
 * Print {"responseCode":rc,"handle":handle} and a newline: an answer without values as the
 * HTTP API writes it, with "values":[] for 200 (no value passed the filters) or else the
 * message when it is not empty. `idr resolve --json` and `idr get --json` (not found: 100).
 * @return IDR_OK or IDR_ENOMEM.
 */
int vtab_print_json_answer(FILE *f, uint32_t rc, struct slice handle, struct slice message);

#endif /* IDR_TOOLS_COMMON_VTAB_H */
