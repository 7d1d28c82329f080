/*
 * shard.h - a site of several servers that shard identifiers by the Handle hash
 * (ref/handle.md §4.1 HS_SITE, §6.7 hash rule).
 *
 * The configuration names every server of the site in HS_SITE order (site_servers), this
 * server's position in that list (site_server_index) and the site's hash option
 * (site_hash_option). A handle belongs to the server hdl_server_hash picks over that list;
 * stock clients compute the same index from the published HS_SITE, so they ask the right
 * server at once. A server asked for a handle that belongs to another answers 301 with the
 * reference server's message (SHARD_MSG_WRONG_SERVER).
 *
 * Exempt, held and answered by every server of the site: prefix handles `0.NA/...` and
 * slash-less names (looked up as `0.NA/X`). The reference server hashes them too; here every
 * server holds the prefix records (`idr split` copies them to each), because each server needs
 * them to check that it hosts a prefix and to expand its templates, so any server answers them.
 *
 * Writes follow the same rule: a Handle admin operation on another server's handle is answered
 * 301 with the same message before any challenge (as HandleServer checks the hash first), a
 * Handle admin write of a record every server holds (0.NA/...) is refused on a site of several
 * servers (SHARD_MSG_SITE_WIDE); mintNewSuffix draws suffixes until this server holds the
 * handle. Over HTTP, with site_http_servers, a request about another server's identifier is
 * forwarded to it and a site-wide change is sent to every server (http/sfwd.h); without, record
 * reads go through the Handle protocol (fed/rec.h) and writes get 421 Misdirected Request
 * (responseCode 301, naming the server to send it to).
 *
 * Pure functions over a caller-owned struct shard; no state, thread-safe.
 */
#ifndef IDR_RESOLVER_CORE_SHARD_H
#define IDR_RESOLVER_CORE_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/cfg.h"
#include "base/err.h"
#include "base/slice.h"
#include "hdl/addr.h"

#define SHARD_MAX_SERVERS 64         /* VALUE_SITE_MAX_SERVERS */
#define SHARD_EVERY       UINT32_MAX /* shard_owner: every server holds the handle */

/* The reference server's text for a handle hashed to another server (HandleServer.java,
 * MSG_WRONG_SERVER_HASH). */
#define SHARD_MSG_WRONG_SERVER "Request was hashed incorrectly"

/* A Handle admin write on a record every server of a site of several holds (0.NA/...). */
#define SHARD_MSG_SITE_WIDE                                                                        \
	"0.NA/ records are held by every server of this site: change them through the HTTP "       \
	"API (PUT /api/handles/0.NA/..., the prefix API), which sends the change to every "        \
	"server (site_http_servers)"

/** The site this server belongs to. n == 1: a site of one server, nothing is sharded. */
struct shard {
	uint32_t n;
	uint32_t self;
	unsigned option;                        /* HDL_HASH_BY_PREFIX, _SUFFIX or _HANDLE */
	struct addr servers[SHARD_MAX_SERVERS]; /* Handle address (UDP and TCP) of each server */
	uint32_t nhttp;                         /* 0 (not given) or n */
	struct addr http[SHARD_MAX_SERVERS];    /* HTTP listener of each server (http/sfwd.h) */
};

/**
 * Parse a hash option name: "prefix", "suffix" or "handle" (HDL_HASH_BY_*).
 * @return IDR_OK or IDR_EINVAL.
 */
int shard_option_parse(const char *text, unsigned *out) IDR_MUSTCHECK;

/** The name of a hash option ("prefix", "suffix", "handle"; "?" for others). */
const char *shard_option_name(unsigned option);

/**
 * Build the site from the configuration values. Each entry of servers is a comma-separated
 * list of `ADDR:PORT` (addr_parse syntax, not a wildcard: the address clients use and the
 * port of its Handle UDP and TCP listeners), in HS_SITE order; no entries means a site of
 * this server alone.
 * @param option  hash option name (NULL: "handle").
 * @param why     receives what is wrong (static text or written into whybuf), may be NULL.
 * @param line    receives the line of the servers entry that is wrong (0: another option).
 * @return IDR_OK, or IDR_ECONFIG (a bad entry, more than SHARD_MAX_SERVERS servers, index
 *         not in the list, unknown option). *s is unspecified after an error.
 */
int shard_init(struct shard *s, const struct cfg_list *servers, uint64_t index, const char *option,
               char *whybuf, size_t whycap, const char **why, unsigned *line) IDR_MUSTCHECK;

/**
 * The HTTP listener of every server of the site (site_http_servers: `ADDR:PORT` entries as in
 * shard_init, same order), where the others forward HTTP requests for the identifiers it holds
 * (http/sfwd.h). No entries: nothing is forwarded. Call after shard_init.
 * @return IDR_OK, or IDR_ECONFIG (a bad entry, or not as many entries as site_servers).
 */
int shard_http_init(struct shard *s, const struct cfg_list *http, char *whybuf, size_t whycap,
                    const char **why, unsigned *line) IDR_MUSTCHECK;

/** True if addr (any port) is the address of one of the site's HTTP listeners. */
bool shard_http_peer(const struct shard *s, const struct addr *a);

/**
 * The server of a site of n servers that holds handle: SHARD_EVERY for `0.NA/...` and
 * slash-less names (case-insensitive), else hdl_server_hash(handle, option, n).
 * @return IDR_OK (*out set) or the hdl_server_hash error (IDR_EINVAL: n 0 or a bad option,
 *         IDR_ELIMIT: handle over 2048 bytes, IDR_ECRYPTO).
 */
int shard_owner(struct slice handle, unsigned option, uint32_t n, uint32_t *out) IDR_MUSTCHECK;

/**
 * The server of the site that holds handle, or SHARD_EVERY: as shard_owner, and SHARD_EVERY
 * for a site of one server or a handle the hash cannot take (over 2048 bytes: the request's
 * own checks answer it).
 */
uint32_t shard_pick(const struct shard *s, struct slice handle);

/** True if this server answers for handle (shard_pick is SHARD_EVERY or s->self). */
bool shard_mine(const struct shard *s, struct slice handle);

#endif /* IDR_RESOLVER_CORE_SHARD_H */
