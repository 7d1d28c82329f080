/* b64.c - standard base64 (b64.h). */
#include "base/b64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
digit(uint8_t ch)
{
	if (ch >= 'A' && ch <= 'Z') {
		return ch - 'A';
	}
	if (ch >= 'a' && ch <= 'z') {
		return ch - 'a' + 26;
	}
	if (ch >= '0' && ch <= '9') {
		return ch - '0' + 52;
	}
	if (ch == '+') {
		return 62;
	}
	return ch == '/' ? 63 : -1;
}

/* Characters before the padding in *m; SIZE_MAX if length or padding are impossible. */
static size_t
decoded_len(struct slice s, size_t *m)
{
	size_t pad = 0;

	while (pad < 2 && pad < s.len && s.p[s.len - 1 - pad] == '=') {
		pad++;
	}
	*m = s.len - pad;
	if ((pad > 0 && s.len % 4 != 0) || *m % 4 == 1) {
		return SIZE_MAX;
	}
	return *m / 4 * 3 + (*m % 4 == 0 ? 0 : *m % 4 - 1);
}

size_t
b64_decoded_len(struct slice text)
{
	size_t m;

	return decoded_len(text, &m);
}

int
b64_decode(struct slice text, uint8_t *out, size_t cap, size_t *n)
{
	size_t m, len = decoded_len(text, &m), o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (len == SIZE_MAX) {
		return IDR_EPROTO;
	}
	if (len > cap) {
		return IDR_ETOOBIG;
	}
	for (size_t i = 0; i < m; i++) {
		int d = digit(text.p[i]);

		if (d < 0) {
			return IDR_EPROTO;
		}
		acc = (acc << 6 | (uint32_t)d) & 0xFFFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	*n = o;
	return IDR_OK;
}

void
b64_encode(struct wbuf *w, struct slice s)
{
	char out[1024];
	size_t i = 0, o = 0;
	uint32_t v;

	for (; s.len - i >= 3; i += 3) {
		v = (uint32_t)s.p[i] << 16 | (uint32_t)s.p[i + 1] << 8 | s.p[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 0x3F];
		out[o++] = alphabet[(v >> 6) & 0x3F];
		out[o++] = alphabet[v & 0x3F];
		if (o == sizeof(out)) {
			wbuf_bytes(w, out, o);
			o = 0;
		}
	}
	if (s.len - i > 0) {
		v = (uint32_t)s.p[i] << 16 | (s.len - i == 2 ? (uint32_t)s.p[i + 1] << 8 : 0);
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 0x3F];
		out[o++] = s.len - i == 2 ? alphabet[(v >> 6) & 0x3F] : '=';
		out[o++] = '=';
	}
	wbuf_bytes(w, out, o);
}
