/*
 * fuzz_repl.c - journal frames (repl.h) on arbitrary bytes, as a follower receives them from
 * its primary: every frame that parses must re-encode to the same bytes, and the whole body is
 * applied to a fresh follower registry (in memory, node 88.118, empty journal), which must
 * either take every entry or refuse the batch leaving its head at 0.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reg.h"
#include "reg_int.h"
#include "repl.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_frames(const uint8_t *data, size_t size)
{
	struct repl_frame f;
	struct rbuf r;
	struct wbuf w;

	rbuf_init(&r, data, size);
	wbuf_init_heap(&w, size + 64);
	while (repl_frame_next(&r, &f) == IDR_OK) {
		repl_frame_put(&w, f.seq, f.value);
	}
	if (wbuf_error(&w) != IDR_OK || wbuf_len(&w) != rbuf_offset(&r) ||
	    (wbuf_len(&w) > 0 && memcmp(wbuf_data(&w), data, wbuf_len(&w)) != 0)) {
		abort();
	}
	wbuf_deinit(&w);
}

static struct reg *
follower(struct store **s)
{
	struct store_opts so = {.backend = STORE_BACKEND_MEMORY};
	struct reg_opts o = {.memory = true};
	uint8_t schema[4] = {0, 0, 0, REG_SCHEMA_VERSION};
	struct store_txn *t;
	struct reg *r = NULL;

	if (store_open(s, &so) != IDR_OK) {
		abort();
	}
	if (store_txn_begin(*s, STORE_TXN_WRITE, &t) != IDR_OK ||
	    store_put(t, STORE_DB_META, SLICE_LIT(REG_META_SCHEMA), slice_make(schema, 4), 0,
	              NULL) != IDR_OK ||
	    store_put(t, STORE_DB_META, SLICE_LIT(REG_META_NODE_PREFIX), SLICE_LIT("88.118"), 0,
	              NULL) != IDR_OK ||
	    store_txn_commit(t) != IDR_OK || reg_open_store(&r, *s, &o) != IDR_OK) {
		abort();
	}
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct repl_result res;
	struct jrn_head h;
	struct store *s = NULL;
	struct reg *r;
	int rc;

	check_frames(data, size);
	r = follower(&s);
	rc = repl_apply_frames(r, slice_make(data, size), &res);
	if (repl_head(r, &h) != IDR_OK) {
		abort();
	}
	if ((rc != IDR_OK && h.seq != 0) || (rc == IDR_OK && h.seq != res.applied)) {
		abort();
	}
	reg_close(r);
	store_close(s);
	return 0;
}
