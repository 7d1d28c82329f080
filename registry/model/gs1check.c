/* gs1check.c - GS1 mod-10 check digits and ISO/IEC 7064 MOD 37,36 check characters. */
#include "model/gs1check.h"

#include "base/err.h"

int
gs1check_mod10(const char *s, size_t len, char *out)
{
	unsigned sum = 0;
	size_t i;

	if (len == 0 || len > GS1CHECK_MAX_DIGITS) {
		return IDR_EPROTO;
	}
	/* weights 3, 1, 3, ... counted from the rightmost digit of the body */
	for (i = 0; i < len; i++) {
		char c = s[len - 1 - i];

		if (c < '0' || c > '9') {
			return IDR_EPROTO;
		}
		sum += (unsigned)(c - '0') * (i % 2 == 0 ? 3u : 1u);
	}
	*out = (char)('0' + (10 - sum % 10) % 10);
	return IDR_OK;
}

bool
gs1check_mod10_ok(const char *s, size_t len)
{
	char c;

	return len >= 2 && gs1check_mod10(s, len - 1, &c) == IDR_OK && c == s[len - 1];
}

static int
alnum_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'A' && c <= 'Z') {
		return c - 'A' + 10;
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 10;
	}
	return -1;
}

int
gs1check_mod37_36(const char *s, size_t len, char *out)
{
	static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	unsigned p = 36;
	size_t i;

	if (len == 0 || len > GS1CHECK_MAX_ALNUM) {
		return IDR_EPROTO;
	}
	/* ISO/IEC 7064 hybrid system, M = 36: P = M; S = (P + a) mod M (0 -> M); P = 2S mod M+1 */
	for (i = 0; i < len; i++) {
		int v = alnum_value(s[i]);

		if (v < 0) {
			return IDR_EPROTO;
		}
		p = (p + (unsigned)v) % 36;
		if (p == 0) {
			p = 36;
		}
		p = (p * 2) % 37;
	}
	*out = alphabet[(37 - p) % 36];
	return IDR_OK;
}

bool
gs1check_mod37_36_ok(const char *s, size_t len)
{
	char c;
	int last;

	if (len < 2 || gs1check_mod37_36(s, len - 1, &c) != IDR_OK) {
		return false;
	}
	last = alnum_value(s[len - 1]);
	return last >= 0 && alnum_value(c) == last;
}
