/*
 * takeover.h - emergency takeover of a secondary node by its top level (role toplevel): while
 * node P is down, the top level points P's prefix record 0.NA/P at itself and serves P's
 * records from its backup copy (fed/backup.h), read-only; release hands the prefix back.
 *
 * The state lives in the prefix record itself, so it is persisted and journalled like any
 * change of the top level's store:
 *
 *   index 1   HS_SITE                      the top level's site while taken over
 *   index 2   HS_SITE.PREFIX               the same
 *   index 10  IDR.TAKEOVER                 present while taken over; its timestamp is "since"
 *   index 11  IDR.TAKEOVER.HS_SITE         the node's HS_SITE before the takeover (if any)
 *   index 12  IDR.TAKEOVER.HS_SITE.PREFIX  the node's HS_SITE.PREFIX before (if any)
 *
 * Indexes 10 to 12 are not publicly readable (never sent in answers or referrals). Each change
 * of HS_SITE bumps the site serial (so clients drop cached site information). Functions run
 * in the caller's transaction; thread-safe (no state).
 */
#ifndef IDR_RESOLVER_FED_TAKEOVER_H
#define IDR_RESOLVER_FED_TAKEOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "fed/node.h"
#include "reg.h"

#define TAKEOVER_MARK_INDEX         10
#define TAKEOVER_SAVED_SITE_INDEX   11
#define TAKEOVER_SAVED_PREFIX_INDEX 12
#define TAKEOVER_MARK_TYPE          "IDR.TAKEOVER"
#define TAKEOVER_SAVED_SITE_TYPE    "IDR.TAKEOVER.HS_SITE"
#define TAKEOVER_SAVED_PREFIX_TYPE  "IDR.TAKEOVER.HS_SITE.PREFIX"

/** The takeover state of a node. */
struct takeover_info {
	bool active;    /* taken over by the top level */
	uint32_t since; /* unix seconds the takeover began (0 when not active) */
};

/**
 * Take over node `prefix`: keep its HS_SITE / HS_SITE.PREFIX (indexes 1, 2) at 11, 12 and put
 * `site` (HS_SITE data of the top level's servers) at 1 and 2 with a serial above the node's.
 * @param now  unix seconds for the values (the registry stamps them with the write time,
 *             which "since" reports).
 * @return IDR_OK, IDR_EINVAL (empty or malformed site data, shorter than an HS_SITE header),
 *         IDR_ENOENT (prefix is no onboarded node: no prefix record with HS_PUBKEY at 300),
 *         IDR_ESTATE (already taken over; nothing changed), or a registry error.
 */
int takeover_begin(struct reg_wtxn *w, struct slice prefix, struct slice site,
                   uint32_t now) IDR_MUSTCHECK;

/**
 * Release node `prefix`: put its kept HS_SITE / HS_SITE.PREFIX back at 1 and 2 (serial above
 * the top level's, so clients refresh) or remove 1 and 2 when the node had none, and remove
 * indexes 10 to 12.
 * @return IDR_OK, IDR_ENOENT (no such node), IDR_ESTATE (not taken over; nothing changed),
 *         IDR_EPROTO (a damaged record) or a registry error.
 */
int takeover_release(struct reg_wtxn *w, struct slice prefix, uint32_t now) IDR_MUSTCHECK;

/**
 * The takeover state of node `prefix` (a read transaction).
 * @return IDR_OK, IDR_ENOENT (no prefix record), IDR_EPROTO or a store error.
 */
int takeover_get(struct reg_rtxn *t, struct slice prefix, struct takeover_info *out) IDR_MUSTCHECK;

/**
 * The takeover state of node `prefix` inside a write transaction (to check before a change).
 * @return IDR_OK, IDR_ENOENT (prefix is no onboarded node), IDR_EPROTO or a registry error.
 */
int takeover_peek(struct reg_wtxn *w, struct slice prefix, struct takeover_info *out) IDR_MUSTCHECK;

/**
 * The serial number of HS_SITE data (ref/handle.md: version 2 bytes, protocol 2 bytes,
 * serial 2 bytes). @return IDR_OK or IDR_EINVAL (data too short).
 */
int takeover_site_serial(struct slice site, uint16_t *out) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_FED_TAKEOVER_H */
