/*
 * fuzz_idis.c - the request bodies of the national-style API (http/idis.h) and its bearer
 * tokens (core/token.h) on arbitrary bytes. The first byte picks what the rest is:
 *   0..5  a data body: single or batch (bit 0) of create, update, delete (value / 2);
 *   6     a login body, and its username as an identity;
 *   7     a token, verified under a fixed key.
 * Findings: crashes, sanitizer reports, leaks, and broken invariants (abort()):
 *   - a refused body says why; an accepted one has at most IDIS_BATCH_MAX items;
 *   - a well-formed create/update item has its template value first (index 1001) and no
 *     value with index 1001 or an HS_ type after it, every string within its limit;
 *   - a token verifies only if it is exactly one we issue for its claims.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/text.h"
#include "core/token.h"
#include "http/idis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static size_t
chars(struct slice s)
{
	size_t n = 0;
	bool ctrl;

	check(text_utf8_check(s.p, s.len, &n, &ctrl) == IDR_OK);
	return n;
}

static void
data_body(int mode, struct slice b)
{
	enum idis_op op = (enum idis_op)(mode / 2 + 1);
	bool batch = (mode & 1) != 0;
	char msg[IDIS_MSG_MAX];
	struct idis_items it;
	int rc = idis_items_parse(b, op, batch, SLICE_LIT("88.1/p"), &it, msg, sizeof(msg));

	if (rc != IDR_OK) {
		check(rc == IDR_EPROTO || rc == IDR_ELIMIT || rc == IDR_ENOMEM);
		check(rc == IDR_ENOMEM || msg[0] != '\0');
		idis_items_free(&it);
		return;
	}
	check(it.n <= IDIS_BATCH_MAX && (batch || it.n == 1));
	for (size_t i = 0; i < it.n; i++) {
		const struct idis_item *x = &it.v[i];

		if (x->err != NULL) {
			check(x->err[0] != '\0');
			continue;
		}
		check(x->has_handle && x->handle.len > 0 && chars(x->handle) <= IDIS_HANDLE_MAX);
		if (op == IDIS_DELETE) {
			check(x->nvalues == 0);
			continue;
		}
		check(x->nvalues >= 1 && x->values[0].index == IDIS_TEMPLATE_INDEX);
		check(chars(x->values[0].data) <= IDIS_TVER_MAX);
		for (size_t j = 1; j < x->nvalues; j++) {
			const struct value *v = &x->values[j];

			check(v->index != IDIS_TEMPLATE_INDEX && v->index >= 1 &&
			      v->index <= INT32_MAX);
			check(chars(v->type) <= IDIS_TYPE_MAX && v->type.len > 0);
			check(!(v->type.len >= 3 &&
			        slice_caseeq(slice_make(v->type.p, 3), SLICE_LIT("HS_"))));
			check(chars(v->data) <= IDIS_DATA_MAX);
		}
	}
	idis_items_free(&it);
}

static void
login_body(struct slice b)
{
	char msg[IDIS_MSG_MAX], buf[AUTH_ID_MAX];
	struct slice u, p;
	struct auth_id id;
	json_t *doc;

	if (idis_login_parse(b, &doc, &u, &p, msg, sizeof(msg)) == IDR_OK) {
		check(chars(u) <= IDIS_USER_MAX && chars(p) <= IDIS_PASS_MAX);
		if (idis_user_id(u, buf, sizeof(buf), &id) == IDR_OK) {
			check(id.index >= 1 && id.handle.len > 0);
		}
	} else {
		check(msg[0] != '\0');
	}
	json_decref(doc);
}

static void
token(struct slice b)
{
	static const struct token_key k = {{42}};
	struct token_claims c;
	char again[TOKEN_MAX + 64];
	struct wbuf w;
	int rc = token_verify(&k, b, 1700000000, &c);

	check(rc == IDR_OK || rc == IDR_EAUTH || rc == IDR_EEXPIRED);
	if (rc != IDR_OK) {
		return;
	}
	/* the same claims issue the same text: a token has exactly one spelling */
	wbuf_init(&w, again, sizeof(again));
	check(token_issue(&k, c.sub, c.fp, c.iat, &w) == IDR_OK);
	check(wbuf_len(&w) == b.len && memcmp(again, b.p, b.len) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slice rest;

	if (size < 1) {
		return 0;
	}
	rest = slice_make(data + 1, size - 1);
	switch (data[0] % 8) {
	case 6:
		login_body(rest);
		break;
	case 7:
		token(rest);
		break;
	default:
		data_body(data[0] % 8, rest);
		break;
	}
	return 0;
}
