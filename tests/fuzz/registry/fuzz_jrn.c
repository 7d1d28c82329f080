/*
 * fuzz_jrn.c - journal entry and prefix record decoders on arbitrary bytes. Journals are
 * shipped between nodes, so both are outside input. Input: 8 bytes of key, then the value;
 * the whole input is also tried as a prefix record. Whatever decodes must re-encode to the
 * same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jrn.h"
#include "pfx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_jrn(const uint8_t *data, size_t size)
{
	struct jrn_entry e;
	struct wbuf w;

	if (size < JRN_KEY_LEN) {
		return;
	}
	if (jrn_entry_decode(slice_make(data, JRN_KEY_LEN),
	                     slice_make(data + JRN_KEY_LEN, size - JRN_KEY_LEN), &e) != IDR_OK) {
		return;
	}
	wbuf_init_heap(&w, size + 64);
	jrn_entry_encode(&w, &e);
	if (wbuf_error(&w) != IDR_OK || wbuf_len(&w) != size - JRN_KEY_LEN ||
	    memcmp(wbuf_data(&w), data + JRN_KEY_LEN, wbuf_len(&w)) != 0) {
		abort();
	}
	wbuf_deinit(&w);
}

static void
check_pfx(const uint8_t *data, size_t size)
{
	struct pfx_info p;
	struct wbuf w;

	if (pfx_decode(slice_make(data, size), &p) != IDR_OK) {
		return;
	}
	wbuf_init_heap(&w, size + 64);
	if (pfx_encode(&w, &p) != IDR_OK || wbuf_len(&w) != size ||
	    memcmp(wbuf_data(&w), data, size) != 0) {
		abort();
	}
	wbuf_deinit(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_jrn(data, size);
	check_pfx(data, size);
	return 0;
}
