/*
 * wop.h - one write request of a client, as the writer thread applies it: the change (create,
 * add/modify/set/remove values, delete) on one record, copied out of the front end's buffers
 * into one allocation so it can cross threads, and its result.
 *
 * Every front end that writes (Handle admin operations over TCP and HTTP, the REST API, the
 * national API) builds a wop after authorizing the change, submits wop->job to the writer
 * (writer.h) and answers from wop->rc / wop->outcome when the job's done callback runs on its
 * worker. The identity recorded in the journal is the authenticated one.
 *
 * Thread-safety: a wop belongs to its submitter, except between writer_submit and done.
 */
#ifndef IDR_RESOLVER_WRITE_WOP_H
#define IDR_RESOLVER_WRITE_WOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "core/auth.h"
#include "model/value.h"
#include "reg.h"
#include "write/writer.h"

struct quota;

#define WOP_IDENTITY_MAX (IDENT_HARD_MAX + 16)
#define WOP_DETAIL_MAX   256

enum wop_kind {
	WOP_CREATE = 1, /* values = the whole record (HS_ADMIN added by the registry if absent) */
	WOP_ADD = 2,    /* add values; an index already there fails (IDR_EEXIST) */
	WOP_MODIFY = 3, /* replace values by index; an absent index fails */
	WOP_SET = 4,    /* add or replace values by index */
	WOP_REMOVE = 5, /* remove values by index */
	WOP_DELETE = 6  /* delete the record */
};

struct wop {
	struct writer_job job; /* job.arg == this; the submitter sets done and reply_to */
	enum wop_kind kind;
	bool overwrite; /* WOP_CREATE: replace a record that exists with other content */
	bool exclusive; /* WOP_CREATE: a record that exists at all is IDR_ECONFLICT (Handle
	                   CREATE without OVRW), even with the same content */
	struct slice handle;
	struct value *values; /* owned copies */
	size_t nvalues;
	uint32_t *indexes;
	size_t nindexes;
	char identity[WOP_IDENTITY_MAX];
	void *owner; /* the submitter's */
	/* the submitter's: a registration counted against the daily quota of this prefix
	 * (core/quota.h), to be given back if the write creates nothing; NULL: none */
	struct quota *quota;
	char quota_prefix[PFX_MAX_LEN + 1];
	/* result (after apply) */
	int rc;
	enum reg_outcome outcome;    /* REG_CREATED, REG_UPDATED (overwritten) or REG_UNCHANGED */
	char detail[WOP_DETAIL_MAX]; /* what was wrong, naming the field (templates), or "" */
};

/**
 * Make a write request: handle, values and indexes are copied (with their type, data and
 * reference bytes) into the one allocation. The job's apply is set; the caller sets
 * job.done, job.reply_to and owner.
 * @param identity  "index:handle" of the authenticated client (NULL: "local").
 * @return IDR_OK, IDR_EINVAL (a handle over IDENT_HARD_MAX bytes) or IDR_ENOMEM.
 */
int wop_new(struct wop **out, enum wop_kind kind, struct slice handle, const struct value *values,
            size_t nvalues, const uint32_t *indexes, size_t nindexes,
            const char *identity) IDR_MUSTCHECK;

/** Free (accepts NULL). */
void wop_free(struct wop *op);

#define WOP_UUID_LEN 36

/**
 * A minted handle (mintNewSuffix, the MINT flag): base followed by a random version-4 UUID,
 * NUL-terminated in out. @return IDR_OK, IDR_ELIMIT (over IDENT_HARD_MAX bytes) or
 * IDR_ECRYPTO.
 */
int wop_mint(struct slice base, char *out, size_t cap) IDR_MUSTCHECK;

/**
 * Apply the request in a write transaction (the writer job's apply; usable directly by tests
 * and tools). Fills op->rc and op->outcome. @return op->rc.
 */
int wop_apply(void *arg, struct reg_wtxn *t);

/**
 * May id make this change? (core/auth.h; node_admin: everything.) Create: ADD_HANDLE (ADD_NA
 * for a prefix handle) on the authority, and DELETE_HANDLE on a record it would replace;
 * delete: DELETE_HANDLE; values: ADD/MODIFY/REMOVE_VALUE per value (the *_ADMIN bits for
 * HS_ADMIN values, old and new).
 * @param exists  set to whether the record exists (may be NULL).
 * @return IDR_OK, IDR_EDENIED, IDR_ENOENT (a change of values of an absent record), an
 *         identifier syntax error, or a store error.
 */
int wop_authorize(const struct wop *op, struct reg_rtxn *t, const struct auth_id *id,
                  bool node_admin, bool *exists) IDR_MUSTCHECK;

/** The message for a failed write: its detail, else the error's text. */
const char *wop_message(const struct wop *op);

/**
 * The Handle response code of a write's result (ref/handle.md §2.4), the same on every
 * transport: IDR_OK -> 1; IDR_ENOENT -> 100; IDR_ECONFLICT -> 101 (exists); identifier syntax
 * -> 102; IDR_EEXIST -> 201 (value exists); IDR_EREC_NOVALUE -> 200; other record rules
 * (IDR_EREC_*, IDR_EINVAL, IDR_ETMPL_*) -> 202 (invalid value); a prefix not hosted or not
 * enabled -> 301; IDR_EDENIED -> 401; IDR_EAGAIN -> 3 (busy); anything else -> 2.
 */
uint32_t wop_hdl_rc(int rc);

#endif /* IDR_RESOLVER_WRITE_WOP_H */
