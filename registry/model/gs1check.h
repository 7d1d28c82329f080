/*
 * gs1check.h - check characters for identifiers: the GS1 mod-10 check digit (GS1 General
 * Specifications §7.9: GTIN-8/12/13/14, SSCC, GLN, ... weights 3,1,3,... from the right) and
 * ISO/IEC 7064 MOD 37,36 (the hybrid system over 0-9 A-Z, one check character 0-9 A-Z: used
 * for alphanumeric serial numbers, e.g. by ISAN).
 *
 * Pure functions over caller bytes (any length up to the limits below, no NUL needed);
 * thread-safe, no allocation.
 */
#ifndef IDR_REGISTRY_MODEL_GS1CHECK_H
#define IDR_REGISTRY_MODEL_GS1CHECK_H

#include <stdbool.h>
#include <stddef.h>

#define GS1CHECK_MAX_DIGITS 17  /* longest GS1 key body (SSCC: 17 digits + check) */
#define GS1CHECK_MAX_ALNUM  256 /* longest input to the MOD 37,36 functions */

/**
 * GS1 mod-10 check digit of the body s[0..len) (digits only, 1..GS1CHECK_MAX_DIGITS).
 * @param out  the check digit '0'..'9'.
 * @return IDR_OK, or IDR_EPROTO when s is empty, too long or holds a non-digit.
 */
int gs1check_mod10(const char *s, size_t len, char *out);

/** True if s[0..len) (2..GS1CHECK_MAX_DIGITS+1 digits) ends in its correct mod-10 digit. */
bool gs1check_mod10_ok(const char *s, size_t len);

/**
 * ISO/IEC 7064 MOD 37,36 check character of s[0..len): characters 0-9, A-Z and a-z (taken
 * as upper case), 1..GS1CHECK_MAX_ALNUM of them.
 * @param out  the check character '0'..'9' or 'A'..'Z'.
 * @return IDR_OK, or IDR_EPROTO when s is empty, too long or holds another character.
 */
int gs1check_mod37_36(const char *s, size_t len, char *out);

/** True if s[0..len) (2..GS1CHECK_MAX_ALNUM+1 characters) ends in its MOD 37,36 character. */
bool gs1check_mod37_36_ok(const char *s, size_t len);

#endif /* IDR_REGISTRY_MODEL_GS1CHECK_H */
