/*
 * vtab.h - the value table that `idr get` and `idr resolve` print, in the manner of the
 * reference hdl-qresolve: the handle, the item kind when the record carries one, then one line
 * per value: index, type, TTL, permissions (admin read/write, public read/write: "rwr-"),
 * timestamp (UTC) and data — text with control characters escaped, HS_ADMIN and HS_VLIST
 * decoded, other binary data as <hex ...>. Output goes to a stdio stream; not thread-safe.
 */
#ifndef IDR_TOOLS_COMMON_VTAB_H
#define IDR_TOOLS_COMMON_VTAB_H

#include <stddef.h>
#include <stdio.h>

#include "base/slice.h"
#include "model/value.h"

/**
 * Print the table of values[0..n) of handle.
 * @param note  appended to the "N values" line (e.g. "via UDP 127.0.0.1:2641 in 1.2 ms"),
 *              or NULL.
 * @return IDR_OK or IDR_ENOMEM.
 */
int vtab_print(FILE *f, struct slice handle, const struct value *values, size_t n,
               const char *note);

#endif /* IDR_TOOLS_COMMON_VTAB_H */
