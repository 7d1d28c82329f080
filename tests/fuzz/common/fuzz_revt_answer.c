/*
 * fuzz_revt_answer.c - the parsers of a node's capture answers (tools/common/revt.h):
 * revt_added_parse, revt_job_parse and revt_problem_parse on arbitrary bytes. An accepted
 * event id is a CBV 2.0 hash URI; a job id is 1..REVT_JOB_ID_MAX letters, digits, '-', '_';
 * messages are NUL-terminated within their buffers and hold no control characters.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/revt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

static void
check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	check(n < cap);
	for (size_t i = 0; i < n; i++) {
		check((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct revt_added a;
	struct revt_job j;
	char detail[RMT_MSG_MAX];
	int rc = revt_added_parse(slice_make(data, size), &a);

	if (rc == IDR_OK) {
		check(strlen(a.id) < LIFE_HASH_LEN);
		check(strncmp(a.id, "ni:///sha-256;", 14) == 0);
	} else {
		check(rc == IDR_EPROTO || (rc == IDR_ELIMIT && size > RMT_JSON_MAX));
		check(a.id[0] == '\0');
	}
	rc = revt_job_parse(slice_make(data, size), &j);
	if (rc == IDR_OK) {
		size_t n = strlen(j.id);

		check(n >= 1 && n <= REVT_JOB_ID_MAX);
		check(strspn(j.id,
		             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
		      n);
		check_text(j.error, sizeof(j.error));
	} else {
		check(rc == IDR_EPROTO || (rc == IDR_ELIMIT && size > RMT_JSON_MAX));
	}
	revt_problem_parse(slice_make(data, size), detail, sizeof(detail));
	check_text(detail, sizeof(detail));
	return 0;
}
