/*
 * scan_int.h - declarations shared by the scan_*.c files of registry/life only.
 */
#ifndef IDR_REGISTRY_LIFE_SCAN_INT_H
#define IDR_REGISTRY_LIFE_SCAN_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "life/scan.h"

/** Write a message into err (SCAN_ERR_MAX bytes). @return IDR_EPROTO. */
int scan_fail(char *err, const char *fmt, ...) IDR_PRINTF(2, 3);

/** True if ai is a primary key (00, 01, 253, 255, 401, 402, 414, 417, 8003, 8004, ...). */
bool scan_ai_is_key(const char *ai);

/** True if ai is in the AI table (including 310n..369n families). */
bool scan_ai_known(const char *ai);

/** True if the value of ai has a fixed length (no separator needed after it). */
bool scan_ai_fixed(const char *ai);

/**
 * Percent-decode in[0..len) into out (cap bytes, NUL-terminated).
 * @return IDR_OK, IDR_EPROTO (bad %XX or a decoded NUL), IDR_ETOOBIG.
 */
int scan_pct_decode(const char *in, size_t len, char *out, size_t cap, size_t *outlen);

/** Render byte c for a message: "'A'" or "0x1D". buf at least 8 bytes. */
const char *scan_char_name(unsigned char c, char *buf, size_t cap);

#endif /* IDR_REGISTRY_LIFE_SCAN_INT_H */
