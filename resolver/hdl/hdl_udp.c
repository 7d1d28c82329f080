/*
 * hdl_udp.c - UDP triage, fragmentation and reassembly (hdl_udp.h).
 */
#include "hdl/hdl_udp.h"

#include <stdlib.h>
#include <string.h>

struct hdl_reasm {
	struct hdl_envelope env; /* SequenceNumber 0, TC clear */
	size_t nfrags;
	size_t nseen;
	uint8_t seen[(HDL_UDP_MAX_FRAGS + 7) / 8];
	uint8_t buf[]; /* env.msg_len bytes */
};

static size_t
frag_count(uint32_t msg_len)
{
	return msg_len == 0 ? 1 : ((size_t)msg_len + HDL_UDP_DATA_MAX - 1) / HDL_UDP_DATA_MAX;
}

/* Message bytes fragment seq carries (seq < frag_count). */
static size_t
frag_len(uint32_t msg_len, size_t seq)
{
	size_t off = seq * HDL_UDP_DATA_MAX;

	return msg_len - off < HDL_UDP_DATA_MAX ? msg_len - off : HDL_UDP_DATA_MAX;
}

/* Response code of a datagram whose payload starts with the header. */
static uint32_t
header_rc(const uint8_t *dgram, size_t len)
{
	struct rbuf r;

	rbuf_init(&r, dgram, len);
	rbuf_skip(&r, HDL_ENVELOPE_LEN + 4);
	return rbuf_u32(&r);
}

enum hdl_udp_verdict
hdl_udp_triage(const uint8_t *dgram, size_t len, size_t max_msg_len, struct hdl_envelope *env)
{
	enum hdl_udp_verdict v;
	struct rbuf r;
	size_t payload;

	if (len < HDL_ENVELOPE_LEN) {
		return HDL_UDP_DROP_SHORT;
	}
	rbuf_init(&r, dgram, len);
	if (hdl_envelope_parse(&r, env) == IDR_EPROTO) {
		return HDL_UDP_DROP_SHORT;
	}
	switch (hdl_envelope_fault(env, max_msg_len)) {
	case HDL_ENV_FAULT_LENGTH:
		return HDL_UDP_DROP_LENGTH;
	case HDL_ENV_FAULT_VERSION:
		return HDL_UDP_DROP_VERSION;
	case HDL_ENV_FAULT_FLAGS:
		return HDL_UDP_DROP_FLAGS;
	case HDL_ENV_FAULT_NONE:
		break;
	}
	payload = len - HDL_ENVELOPE_LEN;
	if (env->seq == 0 && payload == env->msg_len) {
		v = HDL_UDP_WHOLE;
	} else if ((env->flags & HDL_ENV_TC) == 0 || env->seq >= frag_count(env->msg_len) ||
	           payload != frag_len(env->msg_len, env->seq)) {
		return HDL_UDP_DROP_FRAGMENT;
	} else {
		v = HDL_UDP_FRAGMENT;
	}
	/* every first fragment holds the header: msg_len >= 24 and 492 >= 24 */
	if (env->seq == 0 && header_rc(dgram, len) != HDL_RC_RESERVED) {
		return HDL_UDP_DROP_RESPONSE;
	}
	return v;
}

const char *
hdl_udp_verdict_name(enum hdl_udp_verdict v)
{
	switch (v) {
	case HDL_UDP_WHOLE:
		return "whole";
	case HDL_UDP_FRAGMENT:
		return "fragment";
	case HDL_UDP_DROP_SHORT:
		return "drop-short";
	case HDL_UDP_DROP_LENGTH:
		return "drop-length";
	case HDL_UDP_DROP_VERSION:
		return "drop-version";
	case HDL_UDP_DROP_FLAGS:
		return "drop-flags";
	case HDL_UDP_DROP_FRAGMENT:
		return "drop-fragment";
	case HDL_UDP_DROP_RESPONSE:
		return "drop-response";
	}
	return "unknown";
}

/* A unit is an envelope followed by exactly MessageLength bytes. */
static int
unit_open(struct slice unit, struct hdl_envelope *env, struct rbuf *msg)
{
	rbuf_init(msg, unit.p, unit.len);
	if (hdl_envelope_parse(msg, env) != IDR_OK || rbuf_left(msg) != env->msg_len) {
		return IDR_EPROTO;
	}
	return IDR_OK;
}

int
hdl_udp_fragment_count(struct slice unit)
{
	struct hdl_envelope env;
	struct rbuf msg;

	if (unit_open(unit, &env, &msg) != IDR_OK) {
		return IDR_EPROTO;
	}
	return (int)frag_count(env.msg_len);
}

int
hdl_udp_fragment(struct slice unit, size_t i, struct wbuf *out)
{
	struct hdl_envelope env;
	struct rbuf msg;
	struct slice part;
	size_t n;

	if (unit_open(unit, &env, &msg) != IDR_OK) {
		return IDR_EPROTO;
	}
	n = frag_count(env.msg_len);
	if (i >= n) {
		return IDR_EINVAL;
	}
	env.seq = (uint32_t)i;
	env.flags = (uint8_t)(n > 1 ? env.flags | HDL_ENV_TC : env.flags & ~HDL_ENV_TC);
	rbuf_skip(&msg, i * HDL_UDP_DATA_MAX);
	part = rbuf_bytes(&msg, frag_len(env.msg_len, i));
	hdl_envelope_encode(out, &env);
	wbuf_bytes(out, part.p, part.len);
	return wbuf_error(out);
}

int
hdl_reasm_new(struct hdl_reasm **out, const struct hdl_envelope *env, size_t max_msg_len)
{
	struct hdl_reasm *r;
	int rc;

	*out = NULL;
	rc = hdl_envelope_check(env, max_msg_len);
	if (rc != IDR_OK) {
		return rc;
	}
	/* msg_len <= 262144 was just checked: the sum cannot overflow */
	r = malloc(sizeof(*r) + env->msg_len);
	if (r == NULL) {
		return IDR_ENOMEM;
	}
	memset(r, 0, sizeof(*r));
	r->env = *env;
	r->env.seq = 0;
	r->env.flags &= (uint8_t)~HDL_ENV_TC;
	r->nfrags = frag_count(env->msg_len);
	*out = r;
	return IDR_OK;
}

void
hdl_reasm_free(struct hdl_reasm *r)
{
	free(r);
}

static bool
same_message(const struct hdl_envelope *a, const struct hdl_envelope *b)
{
	return a->ver.major == b->ver.major && a->ver.minor == b->ver.minor &&
	       a->sugg.major == b->sugg.major && a->sugg.minor == b->sugg.minor &&
	       (a->flags & (HDL_ENV_CP | HDL_ENV_EC)) == (b->flags & (HDL_ENV_CP | HDL_ENV_EC)) &&
	       a->session_id == b->session_id && a->request_id == b->request_id &&
	       a->msg_len == b->msg_len;
}

int
hdl_reasm_feed(struct hdl_reasm *r, const uint8_t *dgram, size_t len)
{
	struct hdl_envelope env;
	struct rbuf in;
	struct slice part;
	size_t seq;

	rbuf_init(&in, dgram, len);
	if (hdl_envelope_parse(&in, &env) != IDR_OK || !same_message(&r->env, &env) ||
	    env.seq >= r->nfrags) {
		return IDR_EPROTO;
	}
	seq = env.seq;
	if (rbuf_left(&in) != frag_len(env.msg_len, seq)) {
		return IDR_EPROTO;
	}
	if ((r->seen[seq / 8] & (1u << (seq % 8))) != 0) {
		return 0;
	}
	part = rbuf_bytes(&in, rbuf_left(&in));
	if (part.len > 0) { /* always: every fragment of a >= 24-byte message has bytes */
		memcpy(r->buf + seq * HDL_UDP_DATA_MAX, part.p, part.len);
	}
	r->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	r->nseen++;
	return 1;
}

bool
hdl_reasm_done(const struct hdl_reasm *r)
{
	return r->nseen == r->nfrags;
}

size_t
hdl_reasm_size(const struct hdl_reasm *r)
{
	return sizeof(*r) + r->env.msg_len;
}

const struct hdl_envelope *
hdl_reasm_envelope(const struct hdl_reasm *r)
{
	return &r->env;
}

int
hdl_reasm_parse(const struct hdl_reasm *r, struct hdl_msg *out)
{
	if (!hdl_reasm_done(r)) {
		return IDR_EAGAIN;
	}
	return hdl_msg_parse_message(&r->env, slice_make(r->buf, r->env.msg_len), out);
}
