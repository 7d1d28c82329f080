/*
 * scanfind.h - from what a scanner delivered to the handle of the item: scan_parse (scan.h),
 * then the handle itself, or the aliases (reg.h reg_alias_get) under the keys of the scan
 * (alias.h alias_keys_of_scan / alias_keys_of_text); and an item's most recent events. Shared
 * by `idr scan` and the scan API of idrd, so both answer alike.
 *
 * Thread-safety: as the read transaction given. struct scanfind is about 11 KiB.
 */
#ifndef IDR_REGISTRY_LIFE_SCANFIND_H
#define IDR_REGISTRY_LIFE_SCANFIND_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "life/alias.h"
#include "life/scan.h"
#include "model/rec.h"
#include "reg.h"

#define SCANFIND_ERR_MAX    (SCAN_ERR_MAX + ALIAS_KEY_MAX + 64)
#define SCANFIND_EVENTS     5  /* recent events shown by default */
#define SCANFIND_EVENTS_MAX 50 /* ... at most */

/** The outcome of scanfind_run. */
struct scanfind {
	struct scan_result r;             /* what was recognised (r.kind SCAN_NONE: nothing) */
	const char *via;                  /* "handle", "alias" or "" */
	char alias[ALIAS_KEY_MAX + 1];    /* the alias key that led to the handle, or "" */
	char handle[SCAN_HANDLE_MAX + 1]; /* the handle found, or "" */
	char err[SCANFIND_ERR_MAX];       /* what was wrong, when scanfind_run fails */
};

/**
 * Recognise a scan and find its handle. A handle scanned is taken as it is (whether it is
 * registered is the caller's lookup); GS1 data, EPCs and oid:/ecode:/ma: codes are looked up
 * as aliases, best key first, then as event joins (reg.h reg_alias_join: an item aliased by
 * its EPC URN is found by its Digital Link or element string too).
 * @return IDR_OK (out->handle set); IDR_EPROTO or IDR_ELIMIT (not recognised: out->err is
 *         scan_parse's message); IDR_ENOENT (recognised, but no alias leads to a handle here:
 *         out->err "no item with alias (01)...(21)... here"); or a store error.
 */
int scanfind_run(struct reg_rtxn *t, const void *in, size_t len, const struct scan_opts *o,
                 struct scanfind *out) IDR_MUSTCHECK;

/**
 * The last n (<= SCANFIND_EVENTS_MAX) events of handle's timeline, oldest first (newest
 * last). Views borrow the transaction.
 * @return IDR_OK, cb's non-zero value, IDR_EINVAL (n too large) or a store error.
 */
int scanfind_events(struct reg_rtxn *t, const char *handle, size_t n, reg_event_fn cb, void *arg);

/**
 * The JSON answer of a scan, as idrd's scan API and `idr scan --json` give it:
 *   {"code":"<as received>","recognised":{"kind":"gs1","form":"element","symbology":"]d2",
 *    "handle":..|"gs1":"(01)..(21)..","epc":"urn:epc:id:..","dl":"https://.."},
 *    "via":"alias","alias":"(01)..(21)..","handle":"88.118.8/M-1",
 *    "record":{"responseCode":1,"handle":..,"values":[..]},"events":[<stored EPCIS JSON>..]}
 * or, when rc (scanfind_run's, or IDR_ENOENT for a handle not registered) is not IDR_OK, the
 * same head (recognised null when nothing was) with "message":msg instead of record/events.
 * @param rec      the record (rc IDR_OK only).
 * @param public_only  only values with public read permission.
 * @param nevents  recent events to include (<= SCANFIND_EVENTS_MAX).
 * @return IDR_OK or the wbuf's error / a value or store error (w then holds partial output).
 */
int scanfind_json(struct wbuf *w, struct slice code, int rc, const struct scanfind *f,
                  const char *msg, const struct rec_view *rec, bool public_only, struct reg_rtxn *t,
                  size_t nevents);

#endif /* IDR_REGISTRY_LIFE_SCANFIND_H */
