/*
 * pop.h - one prefix operation of a client (onboarding, reg.h: reg_prefix_apply and
 * reg_prefix_decide) as the writer thread applies it: the fields copied into one allocation
 * so it can cross threads, and its result. The HTTP onboarding API (http/api_prefix.h) builds
 * a pop after authorizing the request, submits pop->job to the writer (writer.h) and answers
 * from pop->rc when the job's done callback runs on its worker. The journal records the
 * authenticated identity (the applicant, or the deciding node administrator).
 *
 * Thread-safety: a pop belongs to its submitter, except between writer_submit and done.
 */
#ifndef IDR_RESOLVER_WRITE_POP_H
#define IDR_RESOLVER_WRITE_POP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "reg.h"
#include "write/writer.h"

#define POP_IDENTITY_MAX (IDENT_HARD_MAX + 16)
#define POP_KEY_MAX      8192 /* bytes of an administrator's HS_PUBKEY encoding */
#define POP_SECRET_LEN   32   /* hex digits of a generated administrator secret */

enum pop_kind {
	POP_APPLY = 1,   /* reg_prefix_apply */
	POP_APPROVE = 2, /* reg_prefix_decide, approve */
	POP_REJECT = 3   /* reg_prefix_decide, reject */
};

struct pop {
	struct writer_job job; /* job.arg == this; the submitter sets done and reply_to */
	enum pop_kind kind;
	char prefix[PFX_MAX_LEN + 1];
	char owner[PFX_MAX_OWNER + 1];
	char uscc[ENT_USCC_LEN + 1];
	char industry[ENT_INDUSTRY_MAX + 1];
	char contact[PFX_MAX_CONTACT + 1];
	char reason[PFX_MAX_REASON + 1];
	/* approve: the administrator's key (HS_PUBKEY encoding, or the hashed secret) */
	char key_type[16];
	uint8_t key[POP_KEY_MAX];
	size_t key_len;
	char secret[POP_SECRET_LEN + 1]; /* a generated secret for the answer ("" if none) */
	char identity[POP_IDENTITY_MAX];
	void *owner_ctx; /* the submitter's */
	/* result (after apply) */
	int rc;
	enum reg_outcome outcome;
};

/**
 * A prefix operation by identity (copied; "index:handle", or "anonymous" for an application
 * without credentials). The job's apply is set; the caller fills the fields with pop_set and
 * sets job.done, job.reply_to and owner_ctx.
 * @return IDR_OK, IDR_EINVAL (identity empty or too long) or IDR_ENOMEM.
 */
int pop_new(struct pop **out, enum pop_kind kind, const char *identity) IDR_MUSTCHECK;

/** Free (accepts NULL); the secret is wiped. */
void pop_free(struct pop *op);

/** Copy s into a field of cap bytes (NUL-terminated). @return IDR_OK or IDR_ELIMIT. */
int pop_set(char *field, size_t cap, struct slice s) IDR_MUSTCHECK;

/**
 * Make the administrator's key of an approval: the HS_PUBKEY encoding given (pubkey not
 * empty), else a generated secret (op->secret, for the answer) stored as lower-case hex
 * SHA-1. @return IDR_OK, IDR_ELIMIT (key too long) or IDR_ECRYPTO.
 */
int pop_admin_key(struct pop *op, struct slice pubkey) IDR_MUSTCHECK;

/** Apply in a write transaction (the writer job's apply). Fills op->rc. @return op->rc. */
int pop_apply(void *arg, struct reg_wtxn *t);

#endif /* IDR_RESOLVER_WRITE_POP_H */
