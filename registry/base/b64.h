/*
 * b64.h - standard base64 (RFC 4648 §4): the JSON form of binary data, HTTP Basic and Handle
 * authorization headers, nonces. No whitespace is accepted; padding is optional on input.
 */
#ifndef IDR_REGISTRY_BASE_B64_H
#define IDR_REGISTRY_BASE_B64_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"

/**
 * Decoded size of text, or SIZE_MAX when its length or padding is impossible (the characters
 * themselves are checked by b64_decode).
 */
size_t b64_decoded_len(struct slice text);

/**
 * Decode text into out[0..cap).
 * @param n  receives the decoded length.
 * @return IDR_OK, IDR_EPROTO (a character outside the alphabet, bad length or padding) or
 *         IDR_ETOOBIG (more than cap bytes).
 */
int b64_decode(struct slice text, uint8_t *out, size_t cap, size_t *n) IDR_MUSTCHECK;

/** Append the base64 of data (padded) to w. */
void b64_encode(struct wbuf *w, struct slice data);

#endif /* IDR_REGISTRY_BASE_B64_H */
