/*
 * num.h - bounded parsing of decimal numbers from text (command line, config, CSV, HTTP query).
 * Never atoi/sscanf: every parse checks syntax, overflow and an explicit [min, max] range.
 * Pure functions; thread-safe.
 */
#ifndef IDR_REGISTRY_BASE_NUM_H
#define IDR_REGISTRY_BASE_NUM_H

#include <stddef.h>
#include <stdint.h>

/**
 * Parse a NUL-terminated unsigned decimal number in [min, max].
 * Accepts only digits (no sign, no spaces); leading zeros are allowed.
 * @return IDR_OK, IDR_EINVAL (syntax) or IDR_ELIMIT (out of range); *out untouched on error.
 */
int num_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/** Same over a length-delimited buffer (may be not NUL-terminated). */
int num_parse_u64_n(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out);

/**
 * Parse a size with an optional binary suffix k, M, G, T (powers of 1024), e.g. "64M".
 * @return IDR_OK, IDR_EINVAL or IDR_ELIMIT.
 */
int num_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/**
 * Parse a duration in seconds with an optional unit s, m, h, d or w (seconds, minutes, hours,
 * days, weeks), e.g. "30d"; lower case only, one unit, no spaces.
 * @return IDR_OK, IDR_EINVAL (syntax) or IDR_ELIMIT (out of [min, max] or overflowing);
 *         *out untouched on error.
 */
int num_parse_duration(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif /* IDR_REGISTRY_BASE_NUM_H */
