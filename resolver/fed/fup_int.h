/*
 * fup_int.h - the federation thread's state, shared by fup.c (thread, registration) and
 * fup_rep.c (reports). Not for use outside resolver/fed/fup*.c.
 */
#ifndef IDR_RESOLVER_FED_FUP_INT_H
#define IDR_RESOLVER_FED_FUP_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/crypto.h"
#include "client/httpc.h"
#include "fed/frep.h"
#include "fed/fup.h"
#include "hdl/addr.h"
#include "pfx.h"

#define FUP_MAX_TOPLEVEL 8 /* top-level addresses used (as fed/rec.h) */

/* One prefix's counts in the period being closed. */
struct fup_count {
	uint16_t len;
	uint8_t name[PFX_MAX_LEN]; /* upper-case form */
	uint64_t creates, updates, deletes, resolutions;
};

/* A report waiting for its acknowledgement. */
struct fup_pending {
	uint64_t period;
	char *body;
	size_t len;
};

struct fup {
	/* set by fup_new, read-only afterwards */
	struct fup_env env;
	struct addr top[FUP_MAX_TOPLEVEL];
	size_t ntop;
	char top_text[64];
	char prefix[PFX_MAX_LEN + 1]; /* node prefix */
	char zna[PFX_MAX_LEN + 8];    /* 0.NA/<node prefix> */
	char ident[PFX_MAX_LEN + 32]; /* INDEX:HANDLE */
	uint32_t ident_index;
	const char *ident_handle; /* into ident */
	struct crypto_key *key;
	struct httpc *http; /* NULL: no reports */
	char url[HTTPC_URL_MAX];
	char *dir; /* data_dir/fed-upward */
	unsigned timeout_ms;
	uint64_t interval;
	unsigned retry_max;
	uint64_t started; /* unix seconds */

	pthread_t thread;
	bool running;
	pthread_mutex_t mu; /* everything below */
	pthread_cond_t cv;
	bool stop;

	/* registration */
	uint8_t *site; /* desired HS_SITE (NULL: not given yet) */
	size_t site_len;
	bool reg_due;
	bool registered;
	bool have_serial;
	uint16_t serial;
	char reg_err[FUP_ERR_MAX];
	char scratch[FUP_ERR_MAX]; /* a message being made (federation thread) */
	uint64_t reg_next;         /* unix seconds of the next try (0: none planned) */
	unsigned reg_fails;        /* in a row */
	uint64_t reg_at;
	uint64_t reg_ok_total, reg_fail_total;
	size_t top_pref; /* the address that answered last */

	/* reports */
	uint64_t open_period, open_from;
	uint64_t jseq; /* journal entries counted up to */
	bool have_acked;
	uint64_t acked;  /* last period acknowledged */
	uint64_t ack_at; /* when */
	struct fup_pending pend[FUP_PENDING_MAX];
	size_t npend;
	char rep_err[FUP_ERR_MAX];
	uint64_t rep_next;
	unsigned rep_fails;
	uint64_t sent_total, refused_total, failed_total, dropped_total;
	struct fup_count *counts; /* the period being closed (federation thread) */
	size_t ncounts;
};

/* fup_rep.c */

/** Load data_dir/fed-upward/state and its reports (at fup_new). @return IDR_OK or IDR_ENOMEM. */
int fup_rep_load(struct fup *u);

/** Free the pending reports. */
void fup_rep_free(struct fup *u);

/** Close the periods that ended by now (called with mu held; drops it while reading the
 *  store). */
void fup_rep_close(struct fup *u, uint64_t now);

/** Send pending reports, oldest first, until one fails (called with mu held; drops it during
 *  each exchange). */
void fup_rep_send(struct fup *u, uint64_t now);

#endif /* IDR_RESOLVER_FED_FUP_INT_H */
