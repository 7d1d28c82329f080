/*
 * fuzz_prefix_body.c - the JSON bodies of the HTTP onboarding API (http/api_prefix.h).
 *
 * Input: any bytes, parsed as an application and as the decision body of an approval and of
 * a rejection. An accepted application must have every field NUL-terminated within its array,
 * non-empty, with a credit code and industry that pass their checks; an accepted approval
 * must carry an administrator key (HS_PUBKEY as given, or HS_SECKEY of a generated secret).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_prefix.h"
#include "model/ent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_field(const char *f, size_t cap)
{
	size_t n = strnlen(f, cap);

	if (n == 0 || n == cap) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[HTTP_MSG_MAX];
	struct pop *op;

	if (pop_new(&op, POP_APPLY, "anonymous") != IDR_OK) {
		return 0;
	}
	if (http_prefix_app_parse(slice_make(data, size), op, msg, sizeof(msg)) == IDR_OK) {
		check_field(op->prefix, sizeof(op->prefix));
		check_field(op->owner, sizeof(op->owner));
		check_field(op->contact, sizeof(op->contact));
		if (ent_uscc_check(slice_cstr(op->uscc)) != IDR_OK ||
		    ent_industry_check(slice_cstr(op->industry)) != IDR_OK) {
			abort();
		}
	}
	pop_free(op);
	for (int k = 0; k < 2; k++) {
		if (pop_new(&op, k == 0 ? POP_APPROVE : POP_REJECT, "300:88.118/A") != IDR_OK) {
			return 0;
		}
		if (http_prefix_decision_parse(slice_make(data, size), op, msg, sizeof(msg)) ==
		    IDR_OK) {
			if (strnlen(op->reason, sizeof(op->reason)) == sizeof(op->reason)) {
				abort();
			}
			if (k == 0 && (op->key_len == 0 || op->key_len > sizeof(op->key))) {
				abort();
			}
			if (k == 1 && op->key_len != 0) {
				abort();
			}
		}
		pop_free(op);
	}
	return 0;
}
