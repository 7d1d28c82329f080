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
 * Format 2 (PFX_FORMAT_APP) is format 1 followed by the application and its decision; it is
 * written only for a prefix that has them (idr prefix apply, POST /api/v1/prefixes/apply), so
 * prefixes added with `idr prefix add` keep format 1 byte for byte, and stores written before
 * format 2 read as they did (no schema change: the format byte tells them apart).
 *
 *   UTF8 uscc        unified social credit code (<= ENT_USCC_LEN bytes)
 *   UTF8 industry    GB/T 4754 code (<= ENT_INDUSTRY_MAX bytes)
 *   UTF8 contact     contact person / telephone / e-mail, free text (<= PFX_MAX_CONTACT)
 *   UTF8 applicant   identity that applied ("index:handle", "local" or "anonymous")
 *   u64  applied     unix seconds of the application
 *   UTF8 decided_by  identity of the auditor who approved or rejected (empty: undecided)
 *   UTF8 reason      the auditor's reason (<= PFX_MAX_REASON)
 *   u64  decided     unix seconds of the decision (0: undecided)
 *
 * Rules on hosting (reg.h): the node prefix is hosted at init with state 1 and never changes
 * state; an enterprise prefix must be strictly beneath it; a record may be created only under
 * a hosted prefix in state 1; each hosted prefix has a prefix handle 0.NA/<prefix> (HS_ADMIN
 * at index 100 naming 0.NA/<prefix> index 300) which this node serves. An approved application
 * puts the enterprise administrator in an HS_VLIST group at that index 300 (reg.h,
 * onboarding).
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
#include "model/ent.h"
#include "model/ident.h"
#include "store/store.h"

#define PFX_FORMAT       1
#define PFX_FORMAT_APP   2 /* with an application (see above) */
#define PFX_FLAG_NODE    0x01
#define PFX_FIXED_LEN    (4 + 8 + 8 + 4 + 4)   /* record with an empty name and owner */
#define PFX_MAX_OWNER    1024                  /* bytes */
#define PFX_MAX_CONTACT  512                   /* bytes */
#define PFX_MAX_REASON   1024                  /* bytes */
#define PFX_MAX_IDENTITY (IDENT_HARD_MAX + 12) /* "index:handle" */
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
	/* the application and its decision (format 2; all empty / 0 in format 1) */
	struct slice uscc;       /* unified social credit code */
	struct slice industry;   /* GB/T 4754 code */
	struct slice contact;    /* contact text */
	struct slice applicant;  /* identity that applied */
	uint64_t applied;        /* unix seconds */
	struct slice decided_by; /* auditor identity */
	struct slice reason;     /* the auditor's reason */
	uint64_t decided;        /* unix seconds, 0 = undecided */
};

/** True if p carries an application (it is then stored in format 2). */
bool pfx_has_application(const struct pfx_info *p);

typedef int (*pfx_fn)(void *arg, const struct pfx_info *p);

/**
 * Encode a prefix record: format 1, or format 2 when pfx_has_application(p).
 * @return IDR_OK, IDR_EPFX_STATE (state out of range), IDR_ELIMIT (a field too long) or the
 * wbuf error (IDR_ETOOBIG, IDR_ENOMEM).
 */
int pfx_encode(struct wbuf *w, const struct pfx_info *p);

/**
 * Decode a prefix record; every length is checked against its limit and the bytes left;
 * trailing bytes, unknown flags, a non-zero reserved byte or a state above 5 are malformed.
 * Formats 1 and 2 are read; format 1 leaves the application fields empty.
 * @return IDR_OK, IDR_EPROTO, IDR_ELIMIT or IDR_ESCHEMA (unknown format); *out is filled only
 *         on success, its slices borrow stored.
 */
int pfx_decode(struct slice stored, struct pfx_info *out);

/**
 * Write p as one JSON object (no newline): prefix, owner, state, state_name, state_label, node,
 * created, changed (UTC times as "YYYY-MM-DDTHH:MM:SSZ"), and when it has an application
 * credit_code, industry, contact, applicant, applied, decided_by, reason, decided (null when
 * undecided). @return the wbuf's error.
 */
int pfx_json(struct wbuf *w, const struct pfx_info *p);

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
