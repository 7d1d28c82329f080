/*
 * reg_follow.c - follower acknowledgements in `meta` (reg_follow.h).
 */
#include "reg_follow.h"

#include <string.h>

#include "base/rbuf.h"
#include "base/wbuf.h"
#include "reg_int.h"
#include "store/store.h"

#define FKEY_MAX (sizeof(REG_FOLLOW_PREFIX) - 1 + REG_FOLLOW_NAME_MAX)
#define PLEN     (sizeof(REG_FOLLOW_PREFIX) - 1)

static int
fkey(struct slice follower, uint8_t *buf, struct slice *out)
{
	if (follower.len == 0) {
		return IDR_EINVAL;
	}
	if (follower.len > REG_FOLLOW_NAME_MAX) {
		return IDR_ELIMIT;
	}
	memcpy(buf, REG_FOLLOW_PREFIX, PLEN);
	memcpy(buf + PLEN, follower.p, follower.len);
	*out = slice_make(buf, PLEN + follower.len);
	return IDR_OK;
}

/* The stored value: seq (8 bytes) and, since times are kept, the ack time (8 more). */
static void
info_of(struct slice v, struct reg_follow_info *fi)
{
	struct rbuf r;

	rbuf_init(&r, v.p, v.len);
	fi->seq = v.len == 8 || v.len == 16 ? rbuf_u64(&r) : 0;
	fi->ack_s = v.len == 16 ? rbuf_u64(&r) : 0;
}

int
reg_follow_ack(struct reg_wtxn *w, struct slice follower, uint64_t seq, uint64_t now_s)
{
	uint8_t kb[FKEY_MAX], vb[16];
	struct reg_follow_info fi = {0, 0};
	struct slice key, cur;
	struct wbuf b;
	int rc = reg_write_status(w);

	if (rc != IDR_OK) {
		return rc;
	}
	if ((rc = fkey(follower, kb, &key)) != IDR_OK) {
		return rc;
	}
	rc = store_get(w->txn, STORE_DB_META, key, &cur);
	if (rc == IDR_OK) {
		info_of(cur, &fi);
	} else if (rc != IDR_ENOENT) {
		return reg_wtxn_fail(w, rc);
	}
	if (fi.seq >= seq && fi.ack_s == now_s) {
		return IDR_OK;
	}
	wbuf_init(&b, vb, sizeof(vb));
	wbuf_u64(&b, fi.seq > seq ? fi.seq : seq);
	wbuf_u64(&b, now_s);
	return reg_wtxn_fail(w, store_put(w->txn, STORE_DB_META, key, wbuf_slice(&b), 0, NULL));
}

/* Visit the follow/ keys of txn; cb as reg_follow_fn. */
static int
walk(struct store_txn *txn, reg_follow_fn cb, void *arg)
{
	struct store_cursor *c;
	struct slice k, v;
	int rc = store_cursor_open(txn, STORE_DB_META, &c);

	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_seek(c, SLICE_LIT(REG_FOLLOW_PREFIX), &k, &v); rc == IDR_OK;
	     rc = store_cursor_next(c, &k, &v)) {
		if (k.len <= PLEN || memcmp(k.p, REG_FOLLOW_PREFIX, PLEN) != 0) {
			rc = IDR_ENOENT;
			break;
		}
		struct reg_follow_info fi;

		info_of(v, &fi);
		rc = cb(arg, slice_make(k.p + PLEN, k.len - PLEN), &fi);
		if (rc != 0) {
			break;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

int
reg_follow_list(struct reg_rtxn *t, reg_follow_fn cb, void *arg)
{
	return walk(t->txn, cb, arg);
}

bool
reg_follow_expired(const struct reg_follow_info *fi, uint64_t now_s, uint64_t expire_s)
{
	return expire_s != 0 && fi->ack_s < now_s && now_s - fi->ack_s > expire_s;
}

struct min_ctx {
	uint64_t min, now_s, expire_s;
	bool any;
};

static int
min_cb(void *arg, struct slice follower, const struct reg_follow_info *fi)
{
	struct min_ctx *m = arg;

	(void)follower;
	if (reg_follow_expired(fi, m->now_s, m->expire_s)) {
		return 0;
	}
	if (!m->any || fi->seq < m->min) {
		m->min = fi->seq;
	}
	m->any = true;
	return 0;
}

int
reg_follow_min(struct reg_rtxn *t, uint64_t now_s, uint64_t expire_s, uint64_t *out)
{
	struct min_ctx m = {0, now_s, expire_s, false};
	int rc = walk(t->txn, min_cb, &m);

	*out = m.min;
	if (rc != IDR_OK) {
		return rc;
	}
	return m.any ? IDR_OK : IDR_ENOENT;
}

int
reg_follow_forget(struct reg_wtxn *w, struct slice follower)
{
	uint8_t kb[FKEY_MAX];
	struct slice key, cur;
	int rc = reg_write_status(w);

	if (rc != IDR_OK) {
		return rc;
	}
	if ((rc = fkey(follower, kb, &key)) != IDR_OK) {
		return rc;
	}
	rc = store_get(w->txn, STORE_DB_META, key, &cur);
	if (rc == IDR_ENOENT) {
		return rc; /* nothing written: w stays usable */
	}
	if (rc == IDR_OK) {
		rc = store_del(w->txn, STORE_DB_META, key);
	}
	return reg_wtxn_fail(w, rc);
}

int
reg_follow_clear(struct reg_wtxn *w)
{
	struct store_cursor *c;
	struct slice k;
	int rc = reg_write_status(w);

	if (rc != IDR_OK) {
		return rc;
	}
	rc = store_cursor_open(w->txn, STORE_DB_META, &c);
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	/* a cursor keeps its place across deletes (store.h): the next key follows */
	for (rc = store_cursor_seek(c, SLICE_LIT(REG_FOLLOW_PREFIX), &k, NULL); rc == IDR_OK;
	     rc = store_cursor_next(c, &k, NULL)) {
		if (k.len <= PLEN || memcmp(k.p, REG_FOLLOW_PREFIX, PLEN) != 0) {
			break;
		}
		rc = store_del(w->txn, STORE_DB_META, k);
		if (rc != IDR_OK) {
			break;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT || rc == IDR_OK ? IDR_OK : reg_wtxn_fail(w, rc);
}
