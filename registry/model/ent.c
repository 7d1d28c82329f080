/* ent.c - credit code and industry code checks (ent.h). */
#include "model/ent.h"

#include <string.h>

static const char uscc_set[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const unsigned uscc_weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                          29, 25, 13, 8,  24, 10, 30, 28};

/* Value 0..30 of a credit-code character, -1 outside the set. */
static int
uscc_value(char c)
{
	const char *p;

	if (c == '\0') {
		return -1;
	}
	p = strchr(uscc_set, c);
	return p != NULL ? (int)(p - uscc_set) : -1;
}

char
ent_uscc_check_char(const char code[17])
{
	unsigned sum = 0;

	for (int i = 0; i < 17; i++) {
		int v = uscc_value(code[i]);

		if (v < 0) {
			return '\0';
		}
		sum += (unsigned)v * uscc_weights[i];
	}
	return uscc_set[(31 - sum % 31) % 31];
}

int
ent_uscc_check(struct slice code)
{
	const char *c = (const char *)code.p;

	if (code.len != ENT_USCC_LEN) {
		return IDR_EPFX_USCC_LEN;
	}
	for (size_t i = 0; i < ENT_USCC_LEN; i++) {
		if (uscc_value(c[i]) < 0 || (i >= 2 && i < 8 && (c[i] < '0' || c[i] > '9'))) {
			return IDR_EPFX_USCC_CHAR;
		}
	}
	return ent_uscc_check_char(c) == c[17] ? IDR_OK : IDR_EPFX_USCC_CHECK;
}

/* GB/T 4754-2017: the last division of each section A..T (the first is one past the last of
 * the section before, 01 for A). */
static const unsigned section_last[20] = {5,  12, 43, 46, 50, 52, 60, 62, 65, 69,
                                          70, 72, 75, 79, 82, 83, 85, 90, 96, 97};

/* The section letter of a division 1..97. */
static char
section_of(unsigned division)
{
	for (unsigned i = 0; i < 20; i++) {
		if (division <= section_last[i]) {
			return (char)('A' + i);
		}
	}
	return '\0';
}

int
ent_industry_check(struct slice code)
{
	const char *c = (const char *)code.p;
	size_t n = code.len, i = 0;
	char section = '\0';
	unsigned division;

	if (n == 0 || n > ENT_INDUSTRY_MAX) {
		return IDR_EPFX_INDUSTRY;
	}
	if (c[0] >= 'A' && c[0] <= 'T') {
		section = c[0];
		i = 1;
	}
	if (i == n) {
		return IDR_OK; /* a section alone */
	}
	if (n - i < 2 || n - i > 4) {
		return IDR_EPFX_INDUSTRY;
	}
	for (size_t k = i; k < n; k++) {
		if (c[k] < '0' || c[k] > '9') {
			return IDR_EPFX_INDUSTRY;
		}
	}
	division = (unsigned)(c[i] - '0') * 10 + (unsigned)(c[i + 1] - '0');
	if (division < 1 || division > 97) {
		return IDR_EPFX_INDUSTRY;
	}
	return section == '\0' || section == section_of(division) ? IDR_OK : IDR_EPFX_INDUSTRY;
}
