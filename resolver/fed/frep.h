/*
 * frep.h - the report a secondary node sends to its top level every report_interval seconds
 * (POST /api/v1/reports): its registrations and resolutions per enterprise prefix over one
 * period, and its health. Sans-I/O codec, signature and check; the sender is fed/fup.h, the
 * receiver fed/frdb.h.
 *
 * The body is UTF-8 text, one field per line (LF), in this order, each exactly once:
 *
 *   idr-report 1
 *   node 88.118                  the node prefix (the identity 300:0.NA/<node> signs)
 *   period 5678901               periods are numbered: period P is [P*interval,
 *   interval 300                 (P+1)*interval) in unix seconds, so a missed one is sent
 *   from 1703640300              later under its own number; [from, to) within it (the
 *   to 1703640600                first after a start is partial)
 *   uptime 3600                  seconds the node has run at `to`
 *   store_bytes 1048576          bytes of its store in use
 *   journal_head 1234            its journal's last sequence number at `to`
 *   prefix 88.118.8 3 1 0 17     creates updates deletes resolutions, zero or more lines,
 *                                prefixes in strictly ascending byte order (upper-case form)
 *   end
 *
 * Nothing may follow "end\n". Numbers are decimal without sign or leading zeros (0 itself
 * excepted), at most FREP_MAX_NUMBER; prefixes pass ident_prefix_check and are at most
 * PFX_MAX_LEN bytes; 1 <= interval <= FREP_MAX_SPAN; P*interval <= from < to <=
 * (P+1)*interval; at most FREP_MAX_PREFIXES prefix lines and FREP_MAX_BODY bytes.
 *
 * The signature travels in the Authorization field: "IdrReport <hash> <hex signature>" over
 * the exact body bytes, made with the node key (crypto_sign: SHA256 for RSA and DSA keys, SM3
 * for SM2 with the signer's identity "300:0.NA/<node>" as SM2 id). The top level verifies it
 * with the HS_PUBKEY at index 300 of the node's prefix record.
 *
 * Pure functions; thread-safe. Parsed slices borrow the body.
 */
#ifndef IDR_RESOLVER_FED_FREP_H
#define IDR_RESOLVER_FED_FREP_H

#include <stddef.h>
#include <stdint.h>

#include "base/crypto.h"
#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"

#define FREP_VERSION      1
#define FREP_MAX_PREFIXES 4096
#define FREP_MAX_BODY     (1u << 20)
#define FREP_MAX_NUMBER   1000000000000000ULL /* 10^15: exact in a JSON number */
#define FREP_MAX_SPAN     2678400ULL          /* seconds of one period at most: 31 days */
#define FREP_AUTH_SCHEME  "IdrReport"
#define FREP_AUTH_MAX     (sizeof(FREP_AUTH_SCHEME) + 8 + 2048) /* a 8192-bit signature */
#define FREP_CTYPE        "text/plain; charset=utf-8"

/** Counts of one enterprise prefix over a period. */
struct frep_count {
	struct slice prefix;
	uint64_t creates, updates, deletes, resolutions;
};

/** A report. counts: caller's array of cap entries (parse fills ncounts of them). */
struct frep {
	struct slice node;
	uint64_t period, interval, from, to;
	uint64_t uptime, store_bytes, journal_head;
	struct frep_count *counts;
	size_t ncounts, cap;
};

/**
 * Append the body of r.
 * @return IDR_OK; IDR_EINVAL (a field out of its range, a bad prefix or node, counts not in
 *         strictly ascending order, more than FREP_MAX_PREFIXES); the wbuf's error. On error
 *         w's length is unchanged.
 */
int frep_encode(struct wbuf *w, const struct frep *r) IDR_MUSTCHECK;

/**
 * Parse a body. out->counts and out->cap must be set (cap < ncounts in the body: IDR_ELIMIT).
 * @param why  on error, what is wrong ("line 4: period: not a number"), NUL-terminated in
 *             whycap bytes (may be NULL).
 * @return IDR_OK, IDR_EPROTO (malformed: names the line) or IDR_ELIMIT (over a limit).
 */
int frep_parse(struct slice body, struct frep *out, char *why, size_t whycap) IDR_MUSTCHECK;

/**
 * The Authorization value for body: "IdrReport <hash> <hex>", signed with key (a private key)
 * as identity (e.g. "300:0.NA/88.118", the SM2 id). Appended to auth.
 * @return IDR_OK, IDR_EINVAL (no private key, a DH key), IDR_ETOOBIG, IDR_ECRYPTO.
 */
int frep_sign(const struct crypto_key *key, struct slice identity, struct slice body,
              struct wbuf *auth) IDR_MUSTCHECK;

/**
 * Check an Authorization value against body with the node's public key.
 * @return IDR_OK, IDR_EAUTH (does not verify, or a hash that does not suit the key),
 *         IDR_EPROTO (not "IdrReport <hash> <hex>"), IDR_ENOMEM.
 */
int frep_verify(const struct crypto_key *key, struct slice identity, struct slice body,
                struct slice auth) IDR_MUSTCHECK;

/** Sum of each count over all prefixes (into *total, its prefix left empty). */
void frep_total(const struct frep *r, struct frep_count *total);

#endif /* IDR_RESOLVER_FED_FREP_H */
