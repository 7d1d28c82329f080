/*
 * refer.h - referrals of the top-level role (ref/handle.md §6.4, §6.5): the answer a top level
 * gives for a prefix it delegates to a secondary node instead of serving it.
 *
 * The top level holds the prefix record 0.NA/<node prefix> of every onboarded node (fed/node.h)
 * with HS_SITE (the node's servers) and HS_SITE.PREFIX / HS_SERV.PREFIX (where its derived
 * prefixes live). Asked for something it does not hold, it refers the client:
 *
 *  - prefix referral (303 RC_PREFIX_REFERRAL), as Handle.Net's
 *    HandleServer.getPrefixReferralResponseIfAppropriate: a prefix handle 0.NA/X that is not
 *    stored, whose nearest ancestor 0.NA/A (walked by stripping the last `.` component of X)
 *    carries public HS_SITE.PREFIX, HS_NA_DELEGATE or HS_SERV.PREFIX values: the answer holds
 *    those values (the handle field empty). An ancestor without such values is passed over and
 *    the walk goes on. A handle P/S whose prefix record 0.NA/P is not stored is referred the
 *    same way (from the ancestors of P).
 *  - service referral (302 RC_SERVICE_REFERRAL): a handle P/S (P not 0.NA) whose prefix record
 *    0.NA/P is stored here and carries public HS_SITE, HS_SITE.6 or HS_SERV values: the prefix
 *    is served by those sites (stock clients follow 302 with HS_SITE / HS_SERV only).
 *
 * DNRF (do not refer) in the request suppresses both. Non-public values are never sent.
 * Pure lookups in one read transaction; thread-safe (no state).
 */
#ifndef IDR_RESOLVER_FED_REFER_H
#define IDR_RESOLVER_FED_REFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "model/ident.h"
#include "reg.h"

#define REFER_MAX_VALUES 64 /* values of one referral at most (more are left out) */

/** A referral found: the response code and the values to send (clumps borrow the txn). */
struct refer {
	uint32_t rc;                                 /* 302, 303, or 0: no referral */
	struct slice clumps[REFER_MAX_VALUES];       /* encoded values (ref/handle.md §2.5) */
	size_t n;                                    /* clumps used */
	char from[IDENT_HARD_MAX + sizeof("0.NA/")]; /* the prefix record they come from */
};

/**
 * The referral for a resolution of `handle` (as the client sent it; a bare `X` means 0.NA/X)
 * that this node cannot answer from its own records, or none (out->rc 0).
 * @param dnrf  the request's DNRF flag: never refer.
 * @return IDR_OK (out filled), an IDR_EID_* error (handle does not parse), IDR_EPROTO (a
 *         stored record does not decode) or a store error.
 */
int refer_find(struct reg_rtxn *t, struct slice handle, bool dnrf, struct refer *out) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_FED_REFER_H */
