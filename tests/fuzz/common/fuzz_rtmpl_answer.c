/*
 * fuzz_rtmpl_answer.c - the parser of the node's template API answers in the remote mode
 * (tools/common/rtmpl.h): rtmpl_answer_parse on arbitrary bytes, for each kind of data. An
 * accepted answer has a status within -1000..1000, a NUL-terminated message without control
 * characters, templates only for status 1 (one for RTMPL_DATA_ONE), each within the model's
 * limits; a refused one holds nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/rtmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

static void
check_answer(const struct rtmpl_answer *a, enum rtmpl_data want)
{
	size_t n = strnlen(a->message, sizeof(a->message));

	check(n < sizeof(a->message));
	for (size_t i = 0; i < n; i++) {
		check((unsigned char)a->message[i] >= 0x20 && a->message[i] != 0x7f);
	}
	check(a->status >= -1000 && a->status <= 1000);
	check(a->status == RTMPL_OK || a->ntmpls == 0);
	check(want != RTMPL_DATA_NONE || a->ntmpls == 0);
	check(want != RTMPL_DATA_ONE || a->status != RTMPL_OK || a->ntmpls == 1);
	check(a->ntmpls <= RTMPL_LIST_MAX);
	for (size_t i = 0; i < a->ntmpls; i++) {
		const struct tmpl *t = a->tmpls[i];

		check(t != NULL && t->prefix != NULL && t->version != NULL);
		check(strlen(t->version) <= TMPL_MAX_VERSION && t->nitems <= TMPL_MAX_ITEMS);
		check(tmpl_state_name((int)t->state) != NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum rtmpl_data wants[] = {RTMPL_DATA_NONE, RTMPL_DATA_ONE, RTMPL_DATA_LIST};
	struct rtmpl_answer a;
	char err[RTMPL_MSG_MAX];

	for (size_t w = 0; w < sizeof(wants) / sizeof(wants[0]); w++) {
		int rc = rtmpl_answer_parse(slice_make(data, size), wants[w], &a, err, sizeof(err));

		if (rc == IDR_OK) {
			check_answer(&a, wants[w]);
		} else {
			check(rc == IDR_EPROTO || rc == IDR_ELIMIT || rc == IDR_ENOMEM);
			check(a.tmpls == NULL && a.ntmpls == 0);
			check(strnlen(err, sizeof(err)) < sizeof(err) && err[0] != '\0');
		}
		rtmpl_answer_deinit(&a);
	}
	return 0;
}
