/* pop.c - one client's prefix operation, applied by the writer (pop.h). */
#include "write/pop.h"

#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"

/* Zero memory in a way the compiler does not drop as a dead store. */
static void
wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n-- > 0) {
		*v++ = 0;
	}
}

int
pop_new(struct pop **out, enum pop_kind kind, const char *identity)
{
	size_t n = identity != NULL ? strlen(identity) : 0;
	struct pop *op;

	if (n == 0 || n >= POP_IDENTITY_MAX) {
		return IDR_EINVAL;
	}
	op = calloc(1, sizeof(*op));
	if (op == NULL) {
		return IDR_ENOMEM;
	}
	op->kind = kind;
	memcpy(op->identity, identity, n + 1);
	op->job.identity = op->identity;
	op->job.apply = pop_apply;
	op->job.arg = op;
	*out = op;
	return IDR_OK;
}

void
pop_free(struct pop *op)
{
	if (op == NULL) {
		return;
	}
	wipe(op->secret, sizeof(op->secret));
	free(op);
}

int
pop_set(char *field, size_t cap, struct slice s)
{
	if (s.len >= cap) {
		return IDR_ELIMIT;
	}
	if (s.len > 0) {
		memcpy(field, s.p, s.len);
	}
	field[s.len] = '\0';
	return IDR_OK;
}

int
pop_admin_key(struct pop *op, struct slice pubkey)
{
	uint8_t raw[POP_SECRET_LEN / 2], sha[CRYPTO_SHA1_LEN];

	if (pubkey.len > 0) {
		if (pubkey.len > sizeof(op->key)) {
			return IDR_ELIMIT;
		}
		memcpy(op->key, pubkey.p, pubkey.len);
		op->key_len = pubkey.len;
		memcpy(op->key_type, "HS_PUBKEY", sizeof("HS_PUBKEY"));
		return IDR_OK;
	}
	if (crypto_random(raw, sizeof(raw)) != IDR_OK) {
		return IDR_ECRYPTO;
	}
	crypto_hex(raw, sizeof(raw), op->secret);
	if (crypto_hash(CRYPTO_SHA1, op->secret, POP_SECRET_LEN, sha) != IDR_OK) {
		return IDR_ECRYPTO;
	}
	crypto_hex(sha, sizeof(sha), (char *)op->key);
	op->key_len = 2 * CRYPTO_SHA1_LEN;
	memcpy(op->key_type, "HS_SECKEY", sizeof("HS_SECKEY"));
	return IDR_OK;
}

int
pop_apply(void *arg, struct reg_wtxn *t)
{
	struct pop *op = arg;
	struct reg_prefix_decision d;
	struct reg_prefix_app a;

	op->outcome = REG_UPDATED;
	if (op->kind == POP_APPLY) {
		a.prefix = slice_cstr(op->prefix);
		a.owner = slice_cstr(op->owner);
		a.uscc = slice_cstr(op->uscc);
		a.industry = slice_cstr(op->industry);
		a.contact = slice_cstr(op->contact);
		op->rc = reg_prefix_apply(t, &a, &op->outcome);
		return op->rc;
	}
	memset(&d, 0, sizeof(d));
	d.prefix = slice_cstr(op->prefix);
	d.approve = op->kind == POP_APPROVE;
	d.reason = slice_cstr(op->reason);
	d.key_type = slice_cstr(op->key_type);
	d.key_data = slice_make(op->key, op->key_len);
	op->rc = reg_prefix_decide(t, &d);
	return op->rc;
}
