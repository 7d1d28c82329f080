/*
 * fuzz_idis_tmpl.c - the template requests of the national-style API (http/idis_tmpl.h) on
 * arbitrary bytes. The first byte picks what the rest is:
 *   0..3  a body of create, update, withdraw (DELETE), publish (value % 4 + 1);
 *   4     query parameters: prefix, a NUL byte, version (the withdraw/publish fallback);
 *   5     an outcome code (4 bytes, negated) and a registry detail (the rest) to a message.
 * Findings: crashes, sanitizer reports, leaks, and broken invariants (abort()):
 *   - a refused request says why and owns nothing; IDR_EPROTO only for a body that is not a
 *     JSON object;
 *   - an accepted key is a valid prefix and a clean version within their limits, and a parsed
 *     template has exactly that key; only create can ask to publish, and only a template
 *     with an enabled item;
 *   - the JSON written for an accepted template parses back to the same JSON;
 *   - every outcome gets a non-empty message and a known status.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "http/idis.h"
#include "http/idis_tmpl.h"
#include "model/ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static void
check_key(const struct idis_tmpl_req *r)
{
	size_t p = strlen(r->prefix), v = strlen(r->version);

	check(p > 0 && p <= TMPL_MAX_PREFIX && ident_prefix_check(slice_cstr(r->prefix)) == IDR_OK);
	check(v > 0 && v <= TMPL_MAX_VERSION && text_is_clean((const uint8_t *)r->version, v));
}

/* The template's JSON form reads back as itself. */
static void
check_roundtrip(const struct tmpl *t)
{
	struct tmpl *again = NULL;
	struct wbuf a, b;
	char err[TMPL_ERR_LEN];

	wbuf_init_heap(&a, (size_t)TMPL_MAX_JSON * 2);
	wbuf_init_heap(&b, (size_t)TMPL_MAX_JSON * 2);
	check(tmpl_write_json(&a, t, 0) == IDR_OK);
	if (wbuf_len(&a) <= TMPL_MAX_JSON) {
		check(tmpl_from_json(&again, wbuf_slice(&a).p, wbuf_len(&a), err, sizeof(err)) ==
		      IDR_OK);
		check(tmpl_write_json(&b, again, 0) == IDR_OK);
		check(slice_eq(wbuf_slice(&a), wbuf_slice(&b)));
	}
	tmpl_free(again);
	wbuf_deinit(&a);
	wbuf_deinit(&b);
}

static void
body(enum idis_tmpl_op op, struct slice b)
{
	char msg[IDIS_MSG_MAX];
	struct idis_tmpl_req r;
	int rc = idis_tmpl_parse(b, op, SLICE_LIT("88.1"), SLICE_LIT("1"), &r, msg, sizeof(msg));

	if (rc != IDR_OK) {
		check(rc == IDR_EPROTO || rc == IDR_EINVAL || rc == IDR_ENOMEM);
		check(msg[0] != '\0' && r.tmpl == NULL);
		return;
	}
	check(r.op == op);
	check_key(&r);
	if (op == IDIS_TMPL_CREATE || op == IDIS_TMPL_UPDATE) {
		check(r.tmpl != NULL && strcmp(r.tmpl->prefix, r.prefix) == 0 &&
		      strcmp(r.tmpl->version, r.version) == 0);
		if (r.publish) {
			bool enabled = false;

			check(op == IDIS_TMPL_CREATE);
			for (size_t i = 0; i < r.tmpl->nitems; i++) {
				enabled = enabled || r.tmpl->items[i].enabled;
			}
			check(enabled);
		}
		check_roundtrip(r.tmpl);
	} else {
		check(r.tmpl == NULL && !r.publish);
	}
	idis_tmpl_req_deinit(&r);
}

static void
query(struct slice q)
{
	const uint8_t *nul = memchr(q.p, 0, q.len);
	struct slice p = q, v = slice_make(NULL, 0);
	char msg[IDIS_MSG_MAX];
	struct idis_tmpl_req r;
	int rc;

	if (nul != NULL) {
		p.len = (size_t)(nul - q.p);
		v = slice_make(nul + 1, q.len - p.len - 1);
	}
	rc = idis_tmpl_parse(slice_make(NULL, 0), IDIS_TMPL_PUBLISH, p, v, &r, msg, sizeof(msg));
	if (rc == IDR_OK) {
		check_key(&r);
		check(strlen(r.prefix) == p.len && strlen(r.version) == v.len);
	} else {
		check(rc == IDR_EINVAL && msg[0] != '\0');
	}
	check(r.tmpl == NULL);
}

static void
outcome(struct slice s)
{
	char msg[IDIS_MSG_MAX], detail[IDIS_MSG_MAX];
	uint32_t code = 0;
	int status;

	if (s.len < 4) {
		return;
	}
	code = (uint32_t)s.p[0] << 24 | (uint32_t)s.p[1] << 16 | (uint32_t)s.p[2] << 8 | s.p[3];
	s = slice_make(s.p + 4, s.len - 4);
	if (s.len >= sizeof(detail)) {
		s.len = sizeof(detail) - 1;
	}
	memcpy(detail, s.p, s.len);
	detail[s.len] = '\0';
	status = idis_tmpl_message(-(int)(code & 0x7fff), detail, msg, sizeof(msg));
	check(status == IDIS_OK || status == IDIS_FAIL || status == IDIS_DENIED ||
	      status == IDIS_INTERNAL);
	check(msg[0] != '\0' && strlen(msg) < sizeof(msg));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slice rest;

	if (size < 1) {
		return 0;
	}
	rest = slice_make(data + 1, size - 1);
	switch (data[0] % 6) {
	case 4:
		query(rest);
		break;
	case 5:
		outcome(rest);
		break;
	default:
		body((enum idis_tmpl_op)(data[0] % 6 + 1), rest);
		break;
	}
	return 0;
}
