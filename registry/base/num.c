/* num.c - bounded decimal parsing. */
#include "base/num.h"

#include <string.h>

#include "base/err.h"

int
num_parse_u64_n(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s == NULL || len == 0) {
		return IDR_EINVAL;
	}
	unsigned d;

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return IDR_EINVAL;
		}
	}
	for (i = 0; i < len; i++) {
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10) {
			return IDR_ELIMIT;
		}
		v = v * 10 + d;
	}
	if (v < min || v > max) {
		return IDR_ELIMIT;
	}
	*out = v;
	return IDR_OK;
}

int
num_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (s == NULL) {
		return IDR_EINVAL;
	}
	return num_parse_u64_n(s, strlen(s), min, max, out);
}

int
num_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	size_t len;
	unsigned shift = 0;
	uint64_t v;
	int rc;

	if (s == NULL || (len = strlen(s)) == 0) {
		return IDR_EINVAL;
	}
	switch (s[len - 1]) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	default:
		break;
	}
	if (shift != 0) {
		len--;
	}
	rc = num_parse_u64_n(s, len, 0, UINT64_MAX >> shift, &v);
	if (rc != IDR_OK) {
		return rc;
	}
	v <<= shift;
	if (v < min || v > max) {
		return IDR_ELIMIT;
	}
	*out = v;
	return IDR_OK;
}

int
num_parse_duration(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	static const char units[] = "smhdw";
	static const uint64_t secs[] = {1, 60, 3600, 86400, 604800};
	const char *u;
	uint64_t v, mul = 1;
	size_t len;
	int rc;

	if (s == NULL || (len = strlen(s)) == 0) {
		return IDR_EINVAL;
	}
	u = strchr(units, s[len - 1]);
	if (u != NULL && *u != '\0') {
		mul = secs[u - units];
		len--;
	}
	rc = num_parse_u64_n(s, len, 0, UINT64_MAX / mul, &v);
	if (rc != IDR_OK) {
		return rc;
	}
	v *= mul;
	if (v < min || v > max) {
		return IDR_ELIMIT;
	}
	*out = v;
	return IDR_OK;
}
