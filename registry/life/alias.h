/*
 * alias.h - the canonical keys under which other identifiers of an item (its GS1 key, EPC,
 * OID, Ecode or MA code) are registered as aliases of its handle (reg.h reg_alias_*), and the
 * keys a scan (scan.h) is looked up under. One spelling per identity, so that a label, a tag
 * and a typed alias meet in one key:
 *   - GS1: the element string (HRI form) of the primary key and the qualifiers that identify
 *     an instance: (01)/(8006) + (22) + (21) if present, else (10) if present — a serial
 *     identifies the item whatever lot the label also carries, as in SGTIN; (414) + (254);
 *     (8010) + (8011); (00), (253), (8003), (8004), ... alone. Attributes ((17), (3103)...)
 *     are dropped: `]d2010690...17261231 10L7 GS 21SN1` -> `(01)06901234567892(21)SN1`.
 *     Any form scan_parse reads is accepted (HRI, element string, Digital Link, bare GTIN).
 *   - EPC: the pure-identity URN (`urn:epc:id:sgtin:...`, `urn:epc:class:lgtin:...`); a
 *     96-bit tag in hex becomes its URN.
 *   - `oid:1.2.156.x` (also `urn:oid:`; arcs without leading zeros), `ecode:DIGITS-OR-LETTERS`,
 *     `ma:MA.156....` (also the bare `MA.` code): the scheme in lower case, the value as given
 *     (MA codes upper-cased: they are case-insensitive).
 * A handle is not an alias (it is scanned directly). Pure functions; thread-safe; no heap.
 */
#ifndef IDR_REGISTRY_LIFE_ALIAS_H
#define IDR_REGISTRY_LIFE_ALIAS_H

#include <stddef.h>

#include "life/scan.h"

#define ALIAS_KEY_MAX 250            /* bytes of a canonical key (reg.h REG_ALIAS_MAX) */
#define ALIAS_KEYS    3              /* keys a scan is looked up under, at most */
#define ALIAS_ERR_MAX SCAN_ERR_MAX   /* message, NUL included */
#define ALIAS_IN_MAX  SCAN_INPUT_MAX /* bytes of alias text accepted */

/**
 * The canonical key of an alias as a person or a file gives it.
 * @param out  ALIAS_KEY_MAX + 1 bytes: the key, NUL-terminated.
 * @param err  ALIAS_ERR_MAX bytes: why it is not an alias (names the form and the rule).
 * @return the key's length, or IDR_EPROTO (not an alias: a handle, GS1 data without a primary
 *         key, an unknown scheme, a malformed value; err set) or IDR_ELIMIT (input over
 *         ALIAS_IN_MAX, a key over ALIAS_KEY_MAX bytes; err set).
 */
int alias_key(const char *in, size_t len, char *out, char *err);

/**
 * The canonical key of GS1 elements (see above).
 * @return the key's length, IDR_ENOENT (no primary key), IDR_EPROTO (a kept value holds '(' or
 *         ')': the key would read back as other elements) or IDR_ELIMIT (over ALIAS_KEY_MAX).
 */
int alias_key_gs1(const struct scan_gs1 *g, char *out);

/**
 * The keys to look a recognised scan up under, best first: for an EPC its URN then its GS1
 * key; for GS1 data its key then (with a company prefix length) its EPC URN. None for a
 * handle. @return the number of keys (0..ALIAS_KEYS) written to keys.
 */
size_t alias_keys_of_scan(const struct scan_result *r, char keys[ALIAS_KEYS][ALIAS_KEY_MAX + 1]);

/**
 * The keys of an alias-scheme code scanned as text (`oid:`, `urn:oid:`, `ecode:`, `ma:`, a
 * bare `MA.` code), which scan_parse does not read: @return 1 with keys[0] set, or 0 when in
 * is not such a code (or malformed).
 */
size_t alias_keys_of_text(const char *in, size_t len, char keys[ALIAS_KEYS][ALIAS_KEY_MAX + 1]);

/**
 * The identity key of an identifier named in an EPCIS event (life/capture.h keys events by
 * it): for an EPC pure-identity URN or a GS1 Digital Link URI (any host), the GS1 key above
 * (an EPC with no GS1 form: its URN), so the URN, the Digital Link and the element string of
 * one item meet; for an oid:, urn:oid:, ecode: or ma: code, its alias key.
 * @param out  ALIAS_KEY_MAX + 1 bytes.
 * @return the key's length, or 0: not such an identifier, or one that does not parse (a
 *         wrong digit count, a bad check digit, an EPC scheme scan.h does not read).
 */
size_t alias_event_key(const char *uri, size_t n, char *out);

#endif /* IDR_REGISTRY_LIFE_ALIAS_H */
