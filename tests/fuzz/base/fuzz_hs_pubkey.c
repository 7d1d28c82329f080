/*
 * fuzz_hs_pubkey.c - the HS_PUBKEY parser on arbitrary bytes: no crash, no leak; a key that
 * parses encodes again, parses again to an equal key, and cannot sign (it is public only).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypto_key *k = NULL, *again = NULL;
	struct wbuf w;
	int rc;

	rc = crypto_key_from_hs_pubkey(&k, data, size);
	if (rc != IDR_OK) {
		if (k != NULL || (rc != IDR_EPROTO && rc != IDR_EINVAL && rc != IDR_ENOMEM)) {
			abort();
		}
		return 0;
	}
	if (crypto_key_has_private(k)) {
		abort();
	}
	wbuf_init_heap(&w, 1 << 20);
	if (crypto_key_hs_pubkey(k, &w) != IDR_OK ||
	    crypto_key_from_hs_pubkey(&again, wbuf_data(&w), wbuf_len(&w)) != IDR_OK ||
	    !crypto_key_public_equal(k, again)) {
		abort();
	}
	if (crypto_verify(k, CRYPTO_SHA256, slice_make(NULL, 0), data, size, data, size) ==
	    IDR_OK) {
		abort(); /* the input is no signature over itself */
	}
	wbuf_deinit(&w);
	crypto_key_free(again);
	crypto_key_free(k);
	return 0;
}
