/*
 * ent.h - the enterprise fields of a prefix application (ref/idis.md §2.3): the unified social
 * credit code (统一社会信用代码, GB 32100-2015) and the industry code (GB/T 4754-2017
 * 国民经济行业分类).
 *
 * Credit code: 18 characters from "0123456789ABCDEFGHJKLMNPQRTUWXY" (digits and upper-case
 * letters without I, O, S, V, Z; their values are their positions 0..30), positions 3-8 the
 * administrative division (digits); the 18th is the check character: 31 - (sum of value_i x
 * weight_i over the first 17, weights 3^(i-1) mod 31) mod 31, 31 written as 0. Lower case is
 * refused, not folded, so that the stored code is the one printed on the licence.
 *
 * Industry: a section letter A-T alone, or a division (2 digits, 01-97), group (3) or class
 * (4) with or without its section letter ("C", "C13", "C131", "C1311", "1311"); a letter given
 * with digits must be the section of that division. The existence of groups and classes is
 * not checked (no table of the 1,380 classes).
 *
 * Pure functions; thread-safe.
 */
#ifndef IDR_REGISTRY_MODEL_ENT_H
#define IDR_REGISTRY_MODEL_ENT_H

#include "base/err.h"
#include "base/slice.h"

#define ENT_USCC_LEN     18
#define ENT_INDUSTRY_MAX 5 /* section letter + class */

/**
 * Check a unified social credit code.
 * @return IDR_OK, IDR_EPFX_USCC_LEN (not 18 bytes), IDR_EPFX_USCC_CHAR (a character outside
 *         the set, or a non-digit in positions 3-8), IDR_EPFX_USCC_CHECK (check character).
 */
int ent_uscc_check(struct slice code) IDR_MUSTCHECK;

/** The check character of the first 17 characters of code; '\0' if one is outside the set. */
char ent_uscc_check_char(const char code[17]);

/** Check a GB/T 4754 industry code. @return IDR_OK or IDR_EPFX_INDUSTRY. */
int ent_industry_check(struct slice code) IDR_MUSTCHECK;

#endif /* IDR_REGISTRY_MODEL_ENT_H */
