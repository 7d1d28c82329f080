/*
 * pfx.h - hosted prefix records: the codec of the `prefixes` database (the prefixes are
 * added, changed and read through reg.h).
 *
 * Key = ident_fold(prefix). Value (integers big-endian, UTF8 = int4 length + bytes):
 *
 *   u8   format   PFX_FORMAT (1)
 *   u8   state    enum reg_pfx_state (0..5)
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

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "base/wbuf.h"
#include "reg.h"

#define PFX_FORMAT    1
#define PFX_FLAG_NODE 0x01
#define PFX_FIXED_LEN (4 + 8 + 8 + 4 + 4) /* record with an empty name and owner */
#define PFX_MAX_OWNER 1024                /* bytes */

/**
 * Encode a prefix record. @return IDR_OK, IDR_EPFX_STATE (state out of range), IDR_ELIMIT
 * (name or owner too long) or the wbuf error (IDR_ETOOBIG, IDR_ENOMEM).
 */
int pfx_encode(struct wbuf *w, const struct reg_prefix *p);

/**
 * Decode a prefix record; every length is checked against its limit and the bytes left;
 * trailing bytes, unknown flags, a non-zero reserved byte or a state above 5 are malformed.
 * @return IDR_OK, IDR_EPROTO, IDR_ELIMIT or IDR_ESCHEMA (unknown format); *out is filled only
 *         on success, its slices borrow stored.
 */
int pfx_decode(struct slice stored, struct reg_prefix *out);

#endif /* IDR_REGISTRY_PFX_H */
