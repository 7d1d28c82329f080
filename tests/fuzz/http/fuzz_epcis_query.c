/*
 * fuzz_epcis_query.c - the query parameters of the EPCIS routes (http/epcis.h) on arbitrary
 * request-targets, in both forms. Invariants (abort() on a break): the result is IDR_OK,
 * IDR_EINVAL or IDR_ELIMIT with a message on error; on success the identifier and list
 * values lie inside the decoded scratch, lists hold at most EPCIS_LIST_MAX values, perPage is
 * 1..EPCIS_PAGE_MAX, the time range is not empty, the events form has an identifier; a token
 * accepted formats back to the same token.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/epcis.h"
#include "life/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 64

static void
check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static bool
inside(struct slice s, const uint8_t *lo, size_t len)
{
	return s.len == 0 || (s.p >= lo && s.p + s.len <= lo + len);
}

static void
one(const struct uri_target *t, enum epcis_query_form form, const uint8_t *scratch, size_t cap)
{
	struct epcis_query q;
	char err[512] = "";
	int rc = epcis_query_parse(t, form, &q, err, sizeof(err));

	check(rc == IDR_OK || rc == IDR_EINVAL || rc == IDR_ELIMIT);
	if (rc != IDR_OK) {
		check(err[0] != '\0');
		return;
	}
	check(q.per_page >= 1 && q.per_page <= EPCIS_PAGE_MAX);
	check(q.from_ms < q.to_ms);
	check(q.nbiz_steps <= EPCIS_LIST_MAX && q.ndispositions <= EPCIS_LIST_MAX);
	check(form == EPCIS_FORM_ITEM ||
	      (q.match != EPCIS_MATCH_NONE && q.id.len > 0 && q.id.len <= LIFE_MAX_URI));
	check(inside(q.id, scratch, cap));
	for (size_t i = 0; i < q.nbiz_steps; i++) {
		check(q.biz_steps[i].len > 0 && inside(q.biz_steps[i], scratch, cap));
	}
	for (size_t i = 0; i < q.ndispositions; i++) {
		check(q.dispositions[i].len > 0 && inside(q.dispositions[i], scratch, cap));
	}
	if (q.has_token) {
		char text[EPCIS_TOKEN_MAX];
		struct epcis_token back;
		size_t n = epcis_token_format(&q.token, text);

		check(epcis_token_parse(slice_make(text, n), &back) == IDR_OK);
		check(back.ms == q.token.ms && memcmp(back.id, q.token.id, REG_EVENT_ID_LEN) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct uri_param params[CAP];
	uint8_t *scratch;
	struct uri_target t;

	if (size > URI_MAX_TARGET) {
		return 0;
	}
	scratch = malloc(size + 1);
	if (scratch == NULL) {
		return 0;
	}
	if (uri_parse(&t, (const char *)data, size, params, CAP, scratch, size + 1) == IDR_OK) {
		one(&t, EPCIS_FORM_EVENTS, scratch, size + 1);
		one(&t, EPCIS_FORM_ITEM, scratch, size + 1);
	}
	{
		struct epcis_token tok;

		if (epcis_token_parse(slice_make(data, size), &tok) == IDR_OK) {
			char text[EPCIS_TOKEN_MAX];
			struct epcis_token back;
			size_t n = epcis_token_format(&tok, text);

			/* the id part is kept byte for byte; the time may lose leading zeros */
			check(size > 2 * REG_EVENT_ID_LEN && size < EPCIS_TOKEN_MAX);
			check(memcmp(text + n - 2 * REG_EVENT_ID_LEN,
			             data + size - 2 * REG_EVENT_ID_LEN,
			             2 * REG_EVENT_ID_LEN) == 0);
			check(epcis_token_parse(slice_make(text, n), &back) == IDR_OK &&
			      back.ms == tok.ms);
		}
	}
	free(scratch);
	return 0;
}
