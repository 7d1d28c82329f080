/*
 * reg_split.c - the lifecycle data of a store copied into the per-server stores of a site
 * (reg.h, "split"): timeline entries, links, the events they name and aliases, as stored.
 */
#include "reg.h"

#include <string.h>

#include "reg_int.h"
#include "store/store.h"

#define SPLIT_ID_LEN   REG_EVENT_ID_LEN
#define SPLIT_JOIN_TAG 1 /* reg_alias.c: 0x01 + event key -> handle */

/* Copy the event id (the last SPLIT_ID_LEN bytes of key) from src into dst once. */
static int
copy_event(struct reg_rtxn *src, struct reg_wtxn *dst, struct slice key, struct reg_split_stats *st)
{
	struct slice id, stored, found;
	int rc;

	if (key.len < SPLIT_ID_LEN) {
		return IDR_EPROTO;
	}
	id = slice_make(key.p + key.len - SPLIT_ID_LEN, SPLIT_ID_LEN);
	rc = store_get(dst->txn, STORE_DB_EVENTS, id, &found);
	if (rc != IDR_ENOENT) {
		return rc;
	}
	rc = store_get(src->txn, STORE_DB_EVENTS, id, &stored);
	if (rc == IDR_OK) {
		rc = store_put(dst->txn, STORE_DB_EVENTS, id, stored, 0, NULL);
	}
	if (rc == IDR_OK) {
		st->events++;
	}
	return rc;
}

/* The key before the first 0x00 of k (the subject or node of an index or link entry). */
static int
head_of(struct slice k, struct slice *out)
{
	const uint8_t *z = k.len > 0 ? memchr(k.p, 0, k.len) : NULL;

	if (z == NULL || z == k.p) {
		return IDR_EPROTO;
	}
	*out = slice_make(k.p, (size_t)(z - k.p));
	return IDR_OK;
}

/* Timelines (db STORE_DB_EVINDEX, kind REG_SPLIT_TIMELINE) or links (STORE_DB_LINKS). */
static int
copy_indexed(struct reg_rtxn *src, struct reg_wtxn *dst, enum store_db db, enum reg_split_kind kind,
             reg_split_fn take, void *arg, struct reg_split_stats *st)
{
	struct store_cursor *c;
	struct slice k, v, node;
	int rc = store_cursor_open(src->txn, db, &c);

	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_first(c, &k, &v); rc == IDR_OK; rc = store_cursor_next(c, &k, &v)) {
		if ((rc = head_of(k, &node)) != IDR_OK) {
			break;
		}
		if (!take(arg, kind, node)) {
			continue;
		}
		rc = store_put(dst->txn, db, k, v, 0, NULL);
		if (rc == IDR_OK) {
			rc = copy_event(src, dst, k, st);
		}
		if (rc != IDR_OK) {
			break;
		}
		if (kind == REG_SPLIT_TIMELINE) {
			st->timeline++;
		} else {
			st->links++;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

/* Aliases, their reverse index and the event joins, by the handle each leads to. */
static int
copy_aliases(struct reg_rtxn *src, struct reg_wtxn *dst, reg_split_fn take, void *arg,
             struct reg_split_stats *st)
{
	struct store_cursor *c;
	struct slice k, v, handle;
	int rc = store_cursor_open(src->txn, STORE_DB_ALIASES, &c);

	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_first(c, &k, &v); rc == IDR_OK; rc = store_cursor_next(c, &k, &v)) {
		if (k.len == 0) {
			rc = IDR_EPROTO;
			break;
		}
		if (k.p[0] == 0) { /* 0x00 + folded handle + 0x00 + alias key */
			rc = head_of(slice_make(k.p + 1, k.len - 1), &handle);
			if (rc != IDR_OK) {
				break;
			}
		} else {
			handle = v; /* alias key or 0x01 + event key -> the handle */
		}
		if (handle.len == 0 || !take(arg, REG_SPLIT_ALIAS, handle)) {
			continue;
		}
		if ((rc = store_put(dst->txn, STORE_DB_ALIASES, k, v, 0, NULL)) != IDR_OK) {
			break;
		}
		if (k.p[0] != 0 && k.p[0] != SPLIT_JOIN_TAG) {
			st->aliases++;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

int
reg_split_copy(struct reg_rtxn *src, struct reg_wtxn *dst, reg_split_fn take, void *arg,
               struct reg_split_stats *st)
{
	int rc = reg_write_status(dst);

	memset(st, 0, sizeof(*st));
	if (rc != IDR_OK) {
		return rc;
	}
	rc = copy_aliases(src, dst, take, arg, st);
	if (rc == IDR_OK) {
		rc = copy_indexed(src, dst, STORE_DB_EVINDEX, REG_SPLIT_TIMELINE, take, arg, st);
	}
	if (rc == IDR_OK) {
		rc = copy_indexed(src, dst, STORE_DB_LINKS, REG_SPLIT_LINK, take, arg, st);
	}
	if (rc == IDR_EPROTO) {
		return rc; /* the source is malformed: dst is unchanged only if the caller aborts */
	}
	return rc != IDR_OK ? reg_wtxn_fail(dst, rc) : IDR_OK;
}

int
reg_link_walk(struct reg_rtxn *t, reg_link_fn cb, void *arg)
{
	struct store_cursor *c;
	struct slice k, from, to;
	int rc = store_cursor_open(t->txn, STORE_DB_LINKS, &c);

	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_first(c, &k, NULL); rc == IDR_OK;
	     rc = store_cursor_next(c, &k, NULL)) {
		/* node 0x00 dir other 0x00 id: each link is stored from both ends, visit 'B' */
		if (head_of(k, &from) != IDR_OK || k.len < from.len + 3 + SPLIT_ID_LEN) {
			rc = IDR_EPROTO;
			break;
		}
		if (k.p[from.len + 1] != 'B') {
			continue;
		}
		to = slice_make(k.p + from.len + 2, k.len - from.len - 3 - SPLIT_ID_LEN);
		if (to.len == 0 || k.p[k.len - SPLIT_ID_LEN - 1] != 0) {
			rc = IDR_EPROTO;
			break;
		}
		if ((rc = cb(arg, from, to)) != 0) {
			break;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}
