/*
 * pfx.h - hosted prefix records: states, the codec of the `prefixes` database and lookups in it
 * within a store transaction (prefixes are added and changed through reg.h, which journals
 * them and creates their prefix handles).
 *
 * Key = ident_fold(prefix). Value (integers big-endian, UTF8 = int4 length + bytes):
 *
 *   u8   format   PFX_FORMAT (1)
 *   u8   state    enum pfx_state (0..5)
 *   u8   flags    PFX_FLAG_NODE: this is the node prefix
 *   u8   0        reserved
 *   u64  created  unix seconds
 *   u64  changed  unix seconds of the last state change
 *   UTF8 name     the prefix as spelled when added (<= IDENT_HARD_MAX bytes)
 *   UTF8 owner    enterprise / owner name (<= PFX_MAX_OWNER bytes)
 *
 * Rules on hosting (reg.h): the node prefix is hosted at init with state 1 and never changes
 * state; an enterprise prefix must be strictly beneath it; a record may be created only under
 * a hosted prefix in state 1; each hosted prefix has a prefix handle 0.NA/<prefix> (HS_ADMIN
 * at index 100 naming 0.NA/<prefix> index 300) which this node serves.
 *
 * Pure functions; thread-safe; decoded records borrow the input bytes.
 */
#ifndef IDR_REGISTRY_PFX_H
#define IDR_REGISTRY_PFX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "store/store.h"

#define PFX_FORMAT    1
#define PFX_FLAG_NODE 0x01
#define PFX_FIXED_LEN (4 + 8 + 8 + 4 + 4) /* record with an empty name and owner */
#define PFX_MAX_OWNER 1024                /* bytes */
/* longest hosted prefix in bytes: keeps every store key within STORE_KEY_MAX (store.h) */
#define PFX_MAX_LEN 255

enum pfx_state {
	PFX_DISABLED = 0, /* 停用 */
	PFX_ENABLED = 1,  /* 启用 */
	PFX_DELETING = 2, /* 待删除 */
	PFX_REJECTED = 3, /* 被驳回 */
	PFX_PENDING = 4,  /* 待审核 */
	PFX_REVIEWING = 5 /* 审核中 */
};

/** "disabled", "enabled", ... and the Chinese label; NULL when out of range. */
const char *pfx_state_name(int state);
const char *pfx_state_label(int state);
/** Parse a state given as 0..5 or by name. @return IDR_OK or IDR_EPFX_STATE. */
int pfx_state_parse(const char *s, int *state);

struct pfx_info {
	struct slice name;  /* spelling as added */
	struct slice owner; /* enterprise / owner name (UTF-8) */
	int state;
	bool node;        /* the node prefix itself */
	uint64_t created; /* unix seconds */
	uint64_t changed; /* unix seconds of the last state change */
};

typedef int (*pfx_fn)(void *arg, const struct pfx_info *p);

/**
 * Encode a prefix record. @return IDR_OK, IDR_EPFX_STATE (state out of range), IDR_ELIMIT
 * (name or owner too long) or the wbuf error (IDR_ETOOBIG, IDR_ENOMEM).
 */
int pfx_encode(struct wbuf *w, const struct pfx_info *p);

/**
 * Decode a prefix record; every length is checked against its limit and the bytes left;
 * trailing bytes, unknown flags, a non-zero reserved byte or a state above 5 are malformed.
 * @return IDR_OK, IDR_EPROTO, IDR_ELIMIT or IDR_ESCHEMA (unknown format); *out is filled only
 *         on success, its slices borrow stored.
 */
int pfx_decode(struct slice stored, struct pfx_info *out);

/* ---------------------------------------------------------------- the prefixes database */

/**
 * The hosted prefix record of prefix (any case). out borrows store memory (valid until the
 * transaction ends or its next write). @return IDR_OK, IDR_ENOENT (not hosted), or a store or
 * decode error.
 */
int pfx_lookup(struct store_txn *t, struct slice prefix, struct pfx_info *out) IDR_MUSTCHECK;

/**
 * The hosting rule for records under prefix: IDR_OK (hosted, state enabled),
 * IDR_EPFX_UNKNOWN (not hosted here), IDR_EPFX_DISABLED (hosted in another state), or a store
 * or decode error.
 */
int pfx_served(struct store_txn *t, struct slice prefix) IDR_MUSTCHECK;

/** Visit hosted prefixes in key order; cb returns non-zero to stop (that value is returned). */
int pfx_list(struct store_txn *t, pfx_fn cb, void *arg);

#endif /* IDR_REGISTRY_PFX_H */
