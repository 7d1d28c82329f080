/*
 * reg_alias.c - aliases of handles (reg.h): alias key -> handle, the reverse index and the
 * event joins in the `aliases` database, journaled as JRN_OP_ALIAS.
 */
#include "reg.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/wbuf.h"
#include "jrn.h"
#include "life/alias.h"
#include "model/ident.h"
#include "reg_int.h"
#include "store/store.h"

#define ALIAS_ADD    1
#define ALIAS_DEL    2
#define REV_KEY_MAX  (1 + REG_ALIAS_HANDLE_MAX + 1 + REG_ALIAS_MAX)
#define JOIN_TAG     1 /* 0x01 + event key -> handle: the join of an identity's events */
#define JOIN_KEY_MAX (1 + REG_EVENT_KEY_MAX)

_Static_assert(REV_KEY_MAX <= STORE_KEY_MAX, "alias keys must fit the store");
_Static_assert(REG_ALIAS_MAX == ALIAS_KEY_MAX, "one limit for alias keys");

/* a possible key: 1..REG_ALIAS_MAX bytes, not starting with 0x00 or 0x01 (the other indexes) */
static int
key_check(struct slice alias)
{
	if (alias.len == 0 || alias.p[0] == 0 || alias.p[0] == JOIN_TAG ||
	    memchr(alias.p, 0, alias.len) != NULL) {
		return IDR_EINVAL;
	}
	return alias.len > REG_ALIAS_MAX ? IDR_ELIMIT : IDR_OK;
}

/* 0x00 + folded handle + 0x00 [+ alias] into buf (REV_KEY_MAX) */
static size_t
rev_key(uint8_t *buf, struct slice handle, struct slice alias)
{
	buf[0] = 0;
	ident_fold(handle.p, handle.len, buf + 1);
	buf[1 + handle.len] = 0;
	if (alias.len > 0) {
		memcpy(buf + 2 + handle.len, alias.p, alias.len);
	}
	return 2 + handle.len + alias.len;
}

/* journal the change: identifier = handle, payload = action + alias */
static int
journal(struct reg_wtxn *w, int action, struct slice handle, struct slice alias)
{
	size_t mark = jrn_change_begin(&w->chg, JRN_OP_ALIAS, handle);

	wbuf_u8(&w->chg, (uint8_t)action);
	wbuf_bytes(&w->chg, alias.p, alias.len);
	(void)jrn_change_end(&w->chg, mark);
	return reg_jrn_append(w);
}

/* the alias must be its own canonical form (life/alias.h) */
static int
canonical(struct reg_wtxn *w, struct slice alias)
{
	char key[ALIAS_KEY_MAX + 1], err[ALIAS_ERR_MAX];
	int n = alias_key((const char *)alias.p, alias.len, key, err);

	if (n < 0) {
		snprintf(w->detail, sizeof(w->detail), "%s", err);
		return IDR_EINVAL;
	}
	if ((size_t)n != alias.len || memcmp(key, alias.p, alias.len) != 0) {
		snprintf(w->detail, sizeof(w->detail), "not the canonical form of the alias, %s",
		         key);
		return IDR_EINVAL;
	}
	return IDR_OK;
}

/*
 * 0x01 + the event key of alias into buf: life/capture.h life_capture_key of the alias text,
 * which for an alias (never a handle) is its alias_event_key or the alias itself. @return the
 * length, 0 when the key is too long to key events.
 */
static size_t
join_key(struct slice alias, uint8_t *buf)
{
	char in[REG_ALIAS_MAX + 1], ek[ALIAS_KEY_MAX + 1];
	size_t n;

	if (alias.len == 0 || alias.len > REG_ALIAS_MAX) {
		return 0;
	}
	memcpy(in, alias.p, alias.len);
	in[alias.len] = '\0';
	n = alias_event_key(in, alias.len, ek);
	if (n == 0) {
		memcpy(ek, in, alias.len + 1);
		n = alias.len;
	}
	if (n > REG_EVENT_KEY_MAX) {
		return 0;
	}
	buf[0] = JOIN_TAG;
	memcpy(buf + 1, ek, n);
	return 1 + n;
}

/*
 * Join the events of alias's identity to handle: the join entry, and what was captured under
 * its event key before, moved under the folded handle.
 */
static int
join_add(struct reg_wtxn *w, struct slice alias, struct slice handle)
{
	uint8_t jk[JOIN_KEY_MAX], fh[REG_ALIAS_HANDLE_MAX];
	size_t jl = join_key(alias, jk);
	int rc;

	if (jl == 0) {
		return IDR_OK;
	}
	rc = store_put(w->txn, STORE_DB_ALIASES, slice_make(jk, jl), handle, 0, NULL);
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	ident_fold(handle.p, handle.len, fh);
	return reg_event_rekey(w, slice_make(jk + 1, jl - 1), slice_make(fh, handle.len));
}

struct still {
	struct slice jk; /* the join key looked for */
	bool found;
};

static int
still_one(void *arg, struct slice alias)
{
	struct still *s = arg;
	uint8_t jk[JOIN_KEY_MAX];
	size_t jl = join_key(alias, jk);

	s->found = jl == s->jk.len && memcmp(jk, s->jk.p, jl) == 0;
	return s->found ? 1 : 0;
}

static int list_aliases(struct store_txn *txn, struct slice handle, reg_alias_fn cb, void *arg);

/* After alias (of handle) went: drop its join unless another alias of handle keeps it. */
static int
join_drop(struct reg_wtxn *w, struct slice alias, struct slice handle)
{
	uint8_t jk[JOIN_KEY_MAX];
	struct still s;
	struct slice found;
	int rc;

	s.jk = slice_make(jk, join_key(alias, jk));
	s.found = false;
	if (s.jk.len == 0) {
		return IDR_OK;
	}
	rc = store_get(w->txn, STORE_DB_ALIASES, s.jk, &found);
	if (rc == IDR_ENOENT ||
	    (rc == IDR_OK &&
	     (found.len != handle.len ||
	      strncasecmp((const char *)found.p, (const char *)handle.p, handle.len) != 0))) {
		return IDR_OK; /* joined elsewhere by a later alias */
	}
	if (rc == IDR_OK) {
		rc = list_aliases(w->txn, handle, still_one, &s);
	}
	if ((rc == IDR_OK || rc == 1) && !s.found) {
		rc = store_del(w->txn, STORE_DB_ALIASES, s.jk);
	}
	return rc == IDR_OK || rc == 1 ? IDR_OK : reg_wtxn_fail(w, rc);
}

int
reg_alias_add(struct reg_wtxn *w, struct slice alias, struct slice handle,
              enum reg_outcome *outcome)
{
	uint8_t rk[REV_KEY_MAX], hb[REG_ALIAS_HANDLE_MAX];
	struct rec_view rec;
	struct slice found, reg_handle;
	int rc = reg_write_status(w);

	w->detail[0] = '\0';
	if (rc != IDR_OK) {
		return rc;
	}
	if ((rc = key_check(alias)) != IDR_OK || (rc = canonical(w, alias)) != IDR_OK) {
		return rc;
	}
	if (handle.len > REG_ALIAS_HANDLE_MAX) {
		return IDR_ELIMIT;
	}
	if ((rc = reg_write_get(w, handle, &rec)) != IDR_OK) {
		return rc;
	}
	if (rec.handle.len > REG_ALIAS_HANDLE_MAX) {
		return IDR_ELIMIT;
	}
	/* the registered spelling, copied: store memory moves with the writes below */
	memcpy(hb, rec.handle.p, rec.handle.len);
	reg_handle = slice_make(hb, rec.handle.len);
	rc = store_get(w->txn, STORE_DB_ALIASES, alias, &found);
	if (rc == IDR_OK) {
		if (found.len == reg_handle.len &&
		    strncasecmp((const char *)found.p, (const char *)hb, found.len) == 0) {
			if (outcome != NULL) {
				*outcome = REG_UNCHANGED;
			}
			return IDR_OK;
		}
		snprintf(w->detail, sizeof(w->detail), "%.*s is an alias of %.*s already",
		         (int)alias.len, (const char *)alias.p, (int)found.len,
		         (const char *)found.p);
		return IDR_ECONFLICT;
	}
	if (rc != IDR_ENOENT) {
		return reg_wtxn_fail(w, rc);
	}
	rc = store_put(w->txn, STORE_DB_ALIASES, alias, reg_handle, 0, NULL);
	if (rc == IDR_OK) {
		rc = store_put(w->txn, STORE_DB_ALIASES,
		               slice_make(rk, rev_key(rk, reg_handle, alias)), slice_make(rk, 0), 0,
		               NULL);
	}
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	if ((rc = join_add(w, alias, reg_handle)) != IDR_OK) {
		return rc;
	}
	if (outcome != NULL) {
		*outcome = REG_CREATED;
	}
	return journal(w, ALIAS_ADD, reg_handle, alias);
}

int
reg_alias_del(struct reg_wtxn *w, struct slice alias)
{
	uint8_t rk[REV_KEY_MAX], hb[REG_ALIAS_HANDLE_MAX];
	struct slice found, handle;
	int rc = reg_write_status(w);

	if (rc != IDR_OK) {
		return rc;
	}
	if ((rc = key_check(alias)) != IDR_OK) {
		return rc;
	}
	rc = store_get(w->txn, STORE_DB_ALIASES, alias, &found);
	if (rc != IDR_OK) {
		return rc == IDR_ENOENT ? rc : reg_wtxn_fail(w, rc);
	}
	if (found.len > REG_ALIAS_HANDLE_MAX) {
		return reg_wtxn_fail(w, IDR_EPROTO);
	}
	memcpy(hb, found.p, found.len); /* found dies with the next write */
	handle = slice_make(hb, found.len);
	rc = store_del(w->txn, STORE_DB_ALIASES, alias);
	if (rc == IDR_OK) {
		rc = store_del(w->txn, STORE_DB_ALIASES,
		               slice_make(rk, rev_key(rk, handle, alias)));
		rc = rc == IDR_ENOENT ? IDR_OK : rc;
	}
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	if ((rc = join_drop(w, alias, handle)) != IDR_OK) {
		return rc;
	}
	return journal(w, ALIAS_DEL, handle, alias);
}

int
reg_alias_get(struct reg_rtxn *t, struct slice alias, struct slice *handle)
{
	int rc = key_check(alias);

	return rc != IDR_OK ? rc : store_get(t->txn, STORE_DB_ALIASES, alias, handle);
}

static int
join_get(struct store_txn *txn, struct slice key, struct slice *handle)
{
	uint8_t jk[JOIN_KEY_MAX];

	if (key.len == 0 || key.len > REG_EVENT_KEY_MAX || memchr(key.p, 0, key.len) != NULL) {
		return key.len == 0 ? IDR_EINVAL : IDR_ELIMIT;
	}
	jk[0] = JOIN_TAG;
	memcpy(jk + 1, key.p, key.len);
	return store_get(txn, STORE_DB_ALIASES, slice_make(jk, 1 + key.len), handle);
}

int
reg_alias_join(struct reg_rtxn *t, struct slice key, struct slice *handle)
{
	return join_get(t->txn, key, handle);
}

int
reg_alias_write_join(struct reg_wtxn *w, struct slice key, struct slice *handle)
{
	int rc = reg_write_status(w);

	return rc != IDR_OK ? rc : join_get(w->txn, key, handle);
}

int
reg_alias_list(struct reg_rtxn *t, struct slice handle, reg_alias_fn cb, void *arg)
{
	return list_aliases(t->txn, handle, cb, arg);
}

static int
list_aliases(struct store_txn *txn, struct slice handle, reg_alias_fn cb, void *arg)
{
	uint8_t rk[REV_KEY_MAX];
	struct store_cursor *c;
	struct slice k;
	size_t n;
	int rc;

	if (handle.len == 0 || handle.len > REG_ALIAS_HANDLE_MAX) {
		return handle.len == 0 ? IDR_EINVAL : IDR_ELIMIT;
	}
	n = rev_key(rk, handle, slice_make(NULL, 0));
	if ((rc = store_cursor_open(txn, STORE_DB_ALIASES, &c)) != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_seek(c, slice_make(rk, n), &k, NULL); rc == IDR_OK;
	     rc = store_cursor_next(c, &k, NULL)) {
		if (k.len <= n || memcmp(k.p, rk, n) != 0) {
			break;
		}
		rc = cb(arg, slice_make(k.p + n, k.len - n));
		if (rc != 0) {
			break;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

#define DROP_BATCH 64 /* aliases collected per pass (a cursor does not survive the deletes) */

int
reg_alias_drop_all(struct reg_wtxn *w, struct slice handle)
{
	uint8_t rk[REV_KEY_MAX];
	static _Thread_local uint8_t keys[DROP_BATCH][REG_ALIAS_MAX];
	size_t lens[DROP_BATCH], n, got;
	int rc;

	if (handle.len == 0 || handle.len > REG_ALIAS_HANDLE_MAX) {
		return IDR_OK; /* such a handle can have no alias */
	}
	n = rev_key(rk, handle, slice_make(NULL, 0));
	do {
		struct store_cursor *c;
		struct slice k;

		got = 0;
		if ((rc = store_cursor_open(w->txn, STORE_DB_ALIASES, &c)) != IDR_OK) {
			return reg_wtxn_fail(w, rc);
		}
		for (rc = store_cursor_seek(c, slice_make(rk, n), &k, NULL);
		     rc == IDR_OK && got < DROP_BATCH; rc = store_cursor_next(c, &k, NULL)) {
			if (k.len <= n || k.len - n > REG_ALIAS_MAX || memcmp(k.p, rk, n) != 0) {
				break;
			}
			memcpy(keys[got], k.p + n, k.len - n);
			lens[got++] = k.len - n;
		}
		store_cursor_close(c);
		if (rc != IDR_OK && rc != IDR_ENOENT) {
			return reg_wtxn_fail(w, rc);
		}
		for (size_t i = 0; i < got; i++) {
			rc = reg_alias_del(w, slice_make(keys[i], lens[i]));
			if (rc != IDR_OK && rc != IDR_ENOENT) {
				return rc;
			}
		}
	} while (got == DROP_BATCH);
	return IDR_OK;
}

int
reg_alias_replay(struct reg_wtxn *w, struct slice handle, struct slice payload)
{
	uint8_t rk[REV_KEY_MAX];
	struct slice alias, found;
	int rc;

	if (payload.len < 2 || (payload.p[0] != ALIAS_ADD && payload.p[0] != ALIAS_DEL)) {
		return IDR_EPROTO;
	}
	alias = slice_make(payload.p + 1, payload.len - 1);
	if (key_check(alias) != IDR_OK || handle.len == 0 || handle.len > REG_ALIAS_HANDLE_MAX) {
		return IDR_EPROTO;
	}
	rc = store_get(w->txn, STORE_DB_ALIASES, alias, &found);
	if (rc != IDR_OK && rc != IDR_ENOENT) {
		return reg_wtxn_fail(w, rc);
	}
	if (payload.p[0] == ALIAS_ADD) {
		if (rc == IDR_OK) {
			return IDR_EPROTO; /* the primary adds only an alias that is not there */
		}
		rc = store_put(w->txn, STORE_DB_ALIASES, alias, handle, 0, NULL);
		if (rc == IDR_OK) {
			rc = store_put(w->txn, STORE_DB_ALIASES,
			               slice_make(rk, rev_key(rk, handle, alias)),
			               slice_make(rk, 0), 0, NULL);
		}
		if (rc != IDR_OK) {
			return reg_wtxn_fail(w, rc);
		}
		return join_add(w, alias, handle); /* as on the primary: its events follow */
	}
	if (rc == IDR_ENOENT) {
		return IDR_EPROTO;
	}
	rc = store_del(w->txn, STORE_DB_ALIASES, alias);
	if (rc == IDR_OK) {
		rc = store_del(w->txn, STORE_DB_ALIASES,
		               slice_make(rk, rev_key(rk, handle, alias)));
		rc = rc == IDR_ENOENT ? IDR_OK : rc;
	}
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	return join_drop(w, alias, handle);
}
