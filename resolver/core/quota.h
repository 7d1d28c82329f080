/*
 * quota.h - daily quotas per prefix and a rate limit on writes per client address (ref/idis.md
 * §2.7: the national system answers 603 RC_REQUEST_LIMIT_DAILY and 604
 * RC_REGISTER_COUNT_LIMIT).
 *
 * Per prefix per day: write requests (every authenticated write under the prefix: create,
 * change, delete) and registrations (creates) are counted against limits from the
 * configuration (quota_requests_per_day, quota_registrations_per_day; quota_prefix overrides
 * them for one prefix; 0 = no limit). A request over a limit is refused and counts nothing. A
 * registration that created nothing (it existed, or failed) is given back (quota_refund).
 * Days are calendar days in the local time zone of idrd (TZ; the national system works in
 * China Standard Time): every counter is reset when the first request after local midnight
 * arrives, and a clock stepped back before the day's start resets them too. The prefix table
 * holds at most `prefixes` prefixes a day; a prefix that finds it full is not limited that day
 * (counted in untracked: hosted prefixes are few, so this means the table is too small).
 *
 * Per client address (IPv4 address, IPv6 /64): a token bucket of `burst` writes refilled at
 * `rate` writes per second (0 = no limit), in a set-associative table of fixed size; a new
 * address in a full set replaces the entry with the most credit (a full bucket forgets
 * nothing), so many addresses cannot exhaust memory.
 *
 * Which answer a refusal gets: HTTP 429 with Retry-After (the REST and national APIs); on the
 * Handle protocol 603/604 to IDIS clients, which know these codes, and 3 RC_SERVER_BUSY to
 * every other client (quota_hdl_rc).
 *
 * Thread-safety: every function may be called from any thread (one mutex; the write path is
 * not the resolution path: nothing here is on it).
 */
#ifndef IDR_RESOLVER_CORE_QUOTA_H
#define IDR_RESOLVER_CORE_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"

#define QUOTA_PREFIX_MAX    255 /* bytes of a prefix counted (PFX_MAX_LEN) */
#define QUOTA_OVERRIDES_MAX 64  /* quota_prefix lines */
#define QUOTA_WAYS          4   /* client table associativity */
#define QUOTA_RATE_MAX      1000000u
#define QUOTA_BURST_MAX     1000000u

/** Limits of one prefix (quota_prefix PREFIX REQUESTS REGISTRATIONS). */
struct quota_override {
	char prefix[QUOTA_PREFIX_MAX + 1];
	uint64_t requests;      /* per day; 0 = no limit */
	uint64_t registrations; /* per day; 0 = no limit */
};

/** Limits in force (from the configuration; they may change on reload). */
struct quota_limits {
	uint64_t requests_per_day;      /* 0 = no limit */
	uint64_t registrations_per_day; /* 0 = no limit */
	uint64_t rate;                  /* writes per second per client address; 0 = no limit */
	uint64_t burst;                 /* writes a client may make at once (bucket size) */
	struct quota_override ov[QUOTA_OVERRIDES_MAX];
	size_t nov;
};

/** Why a request was refused. */
enum quota_verdict {
	QUOTA_OK = 0,
	QUOTA_REQUESTS = 1,      /* the prefix's requests today */
	QUOTA_REGISTRATIONS = 2, /* the prefix's registrations today */
	QUOTA_RATE = 3           /* the client address's write rate */
};

/** Counters of one prefix today (quota_visit). */
struct quota_usage {
	struct slice prefix; /* folded (upper case); valid during the callback */
	uint64_t requests, registrations;
	uint64_t requests_limit, registrations_limit; /* 0 = no limit */
};

/** Totals since creation (for /metrics). */
struct quota_stats {
	uint64_t refused[4]; /* by enum quota_verdict (index 0 unused) */
	uint64_t untracked;  /* requests of prefixes the full table could not count */
	uint64_t evictions;  /* client addresses forgotten to make room */
	uint64_t day_start;  /* unix seconds of the current day's local midnight */
};

struct quota;

/**
 * Create the counters.
 * @param prefixes  prefixes counted per day at most (1..1048576).
 * @param clients   client addresses tracked at once, rounded up to a power of two (at least
 *                  QUOTA_WAYS, at most 2^24).
 * @return IDR_OK, IDR_EINVAL (a size out of range) or IDR_ENOMEM.
 */
int quota_new(struct quota **out, size_t prefixes, size_t clients,
              const struct quota_limits *l) IDR_MUSTCHECK;

/** Free (accepts NULL); no thread may be using it. */
void quota_free(struct quota *q);

/** Replace the limits (a reload); counters are kept. */
void quota_set_limits(struct quota *q, const struct quota_limits *l);

/**
 * Parse a quota_prefix line "PREFIX REQUESTS REGISTRATIONS" (numbers per day, 0 = no limit;
 * fields separated by spaces or tabs). @return IDR_OK or IDR_EINVAL (*why says what is wrong).
 */
int quota_override_parse(const char *text, struct quota_override *out,
                         const char **why) IDR_MUSTCHECK;

/**
 * Count one write request under prefix (and a registration if registration) at unix time
 * now, unless that would pass a limit: then nothing is counted.
 * @param retry_after  on refusal, seconds until the next day starts.
 * @return QUOTA_OK, QUOTA_REQUESTS or QUOTA_REGISTRATIONS.
 */
enum quota_verdict quota_take(struct quota *q, struct slice prefix, bool registration, uint64_t now,
                              uint32_t *retry_after);

/** Give back a registration counted by quota_take that created nothing (same day only). */
void quota_refund(struct quota *q, struct slice prefix, uint64_t now);

/**
 * Take one write from the bucket of the client address src (AF_INET/AF_INET6; port ignored).
 * @param now_ms       a millisecond clock shared by every caller (e.g. CLOCK_MONOTONIC).
 * @param retry_after  on refusal, seconds until a write is allowed again (at least 1).
 * @return QUOTA_OK or QUOTA_RATE. Always QUOTA_OK when the rate is 0.
 */
enum quota_verdict quota_rate_take(struct quota *q, const struct sockaddr *src, uint64_t now_ms,
                                   uint32_t *retry_after);

/**
 * The Handle response code of a refusal: 603 (QUOTA_REQUESTS) and 604 (QUOTA_REGISTRATIONS)
 * when idis, else 3 RC_SERVER_BUSY; QUOTA_RATE is always 3; QUOTA_OK is 1. A front end calls a
 * client IDIS when it used something only IDIS clients send on the connection: the national
 * login (opcode 2001) or the trusted-resolution flags (DT/TR); Handle.Net clients do not know
 * the 6xx codes and would report an unknown error instead of retrying later.
 */
uint32_t quota_hdl_rc(enum quota_verdict v, bool idis);

/** What a refusal says to the client (static text, no prefix names). */
const char *quota_message(enum quota_verdict v);

/** Visit the prefixes counted today (under the lock: cb must not call back into q). */
void quota_visit(struct quota *q, uint64_t now, void (*cb)(void *arg, const struct quota_usage *u),
                 void *arg);

/** A copy of the totals. */
void quota_stats(struct quota *q, struct quota_stats *out);

/** The prefix whose quotas a write of handle counts against: its prefix; for 0.NA/P, P. */
struct slice quota_prefix(struct slice handle);

#endif /* IDR_RESOLVER_CORE_QUOTA_H */
