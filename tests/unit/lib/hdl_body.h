/*
 * hdl_body.h - test helpers for Handle body parsers: build a body from a field list, load a
 * vector of hdl_auth_vectors.h as a parsed message, and run a parser over every truncation
 * point and with a trailing byte. Included by cmocka tests only (uses assert_*).
 */
#ifndef IDR_TESTS_UNIT_HDL_BODY_H
#define IDR_TESTS_UNIT_HDL_BODY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/crypto.h"
#include "hdl/hdl.h"
#include "lib/hdl_auth_vectors.h"

#define HB_MAX 40000 /* longest body a field list builds */

enum hb_kind { HB_END = 0, HB_U8, HB_U16, HB_U32, HB_STR, HB_RAW };

/* One field: an integer of value v, a UTF8-String of v bytes ('a'..'z'), or v raw bytes. */
struct hb_field {
	enum hb_kind k;
	uint32_t v;
};

/* Append the fields up to HB_END; returns the body length. */
static inline size_t
hb_build(uint8_t *buf, const struct hb_field *f)
{
	struct wbuf w;
	uint32_t i;

	wbuf_init(&w, buf, HB_MAX);
	for (; f->k != HB_END; f++) {
		switch (f->k) {
		case HB_U8:
			wbuf_u8(&w, (uint8_t)f->v);
			break;
		case HB_U16:
			wbuf_u16(&w, (uint16_t)f->v);
			break;
		case HB_U32:
			wbuf_u32(&w, f->v);
			break;
		case HB_STR:
			wbuf_u32(&w, f->v);
			IDR_FALLTHROUGH;
		default:
			for (i = 0; i < f->v; i++) {
				wbuf_u8(&w, (uint8_t)(f->k == HB_STR ? 'a' + i % 26 : i));
			}
		}
	}
	assert_int_equal(wbuf_error(&w), IDR_OK);
	return wbuf_len(&w);
}

static inline size_t
hb_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= cap);
	assert_int_equal(crypto_unhex(hex, strlen(hex), out, n), IDR_OK);
	return n;
}

static inline const struct hdl_auth_vector *
hb_vector(const char *name)
{
	size_t i;

	for (i = 0; i < HDL_AUTH_NVECTORS; i++) {
		if (strcmp(hdl_auth_vectors[i].name, name) == 0) {
			return &hdl_auth_vectors[i];
		}
	}
	fail_msg("no vector %s", name);
	return NULL;
}

/* Parse vector `name` (message bytes into buf) as a message; returns its length. */
static inline size_t
hb_load(const char *name, uint8_t *buf, size_t cap, struct hdl_msg *m)
{
	const struct hdl_auth_vector *v = hb_vector(name);
	struct hdl_envelope env;
	size_t n = hb_unhex(v->hex, buf, cap);

	memset(&env, 0, sizeof(env));
	env.ver.major = v->major;
	env.ver.minor = v->minor;
	env.sugg.major = v->sugg_major;
	env.sugg.minor = v->sugg_minor;
	env.session_id = v->session_id;
	env.request_id = v->request_id;
	env.msg_len = (uint32_t)n;
	assert_int_equal(hdl_msg_parse_message(&env, slice_make(buf, n), m), IDR_OK);
	return n;
}

/* Request options that reproduce a parsed request's envelope and header. */
static inline void
hb_opts_from(const struct hdl_msg *m, struct hdl_req_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ver = m->env.ver;
	o->sugg = m->env.sugg;
	o->session_id = m->env.session_id;
	o->request_id = m->env.request_id;
	o->flags = m->hdr.flags;
	o->site_serial = m->hdr.site_serial;
	o->recursion = m->hdr.recursion;
	o->expiration = m->hdr.expiration;
}

/* A unit we encoded (envelope + message) equals the vector's message bytes. */
static inline void
hb_assert_unit(const struct wbuf *w, const uint8_t *msg, size_t n)
{
	assert_int_equal(wbuf_len(w), HDL_ENVELOPE_LEN + n);
	assert_memory_equal(wbuf_data(w) + HDL_ENVELOPE_LEN, msg, n);
}

/* A parser over a body: returns an IDR_* code. */
typedef int (*hb_parse_fn)(int which, const uint8_t *p, size_t n);

/* Every prefix of a valid body fails, except lengths listed in ok (terminated by SIZE_MAX);
 * the body plus one trailing byte fails. */
static inline void
hb_truncations(hb_parse_fn parse, int which, const uint8_t *p, size_t n, const size_t *ok)
{
	uint8_t more[HB_MAX + 1];
	size_t k, i;

	assert_int_equal(parse(which, p, n), IDR_OK);
	for (k = 0; k < n; k++) {
		bool allowed = false;

		for (i = 0; ok != NULL && ok[i] != SIZE_MAX; i++) {
			allowed = allowed || ok[i] == k;
		}
		if (allowed) {
			assert_int_equal(parse(which, p, k), IDR_OK);
		} else if (parse(which, p, k) == IDR_OK) {
			fail_msg("parser %d accepted a body cut to %zu of %zu bytes", which, k, n);
		}
	}
	memcpy(more, p, n);
	more[n] = 0x5a;
	if (parse(which, more, n + 1) == IDR_OK) {
		fail_msg("parser %d accepted a trailing byte after %zu bytes", which, n);
	}
}

#endif /* IDR_TESTS_UNIT_HDL_BODY_H */
