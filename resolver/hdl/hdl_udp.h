/*
 * hdl_udp.h - the Handle protocol over UDP (ref/handle.md §5): server-side triage of
 * datagrams, fragmentation of answers into datagrams, and reassembly of multi-datagram
 * requests. Sans-I/O; the reassembly buffer is the only allocation. Thread-safe: no shared
 * state (a struct hdl_reasm belongs to one thread).
 */
#ifndef IDR_RESOLVER_HDL_HDL_UDP_H
#define IDR_RESOLVER_HDL_HDL_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "hdl/hdl.h"

/** Triage verdict for an incoming request datagram. */
enum hdl_udp_verdict {
	HDL_UDP_WHOLE = 0,     /* the datagram holds the whole message: hdl_msg_parse it */
	HDL_UDP_FRAGMENT,      /* one fragment of a longer message: feed a struct hdl_reasm */
	HDL_UDP_DROP_SHORT,    /* shorter than an envelope */
	HDL_UDP_DROP_LENGTH,   /* MessageLength over the limit or shorter than a header */
	HDL_UDP_DROP_VERSION,  /* major version other than 2 */
	HDL_UDP_DROP_FLAGS,    /* CP or EC set (see hdl_envelope_check) */
	HDL_UDP_DROP_FRAGMENT, /* payload size or sequence number inconsistent with the length */
	HDL_UDP_DROP_RESPONSE  /* carries a response code: never answer (reply loops) */
};

/**
 * Server-side triage of a datagram, before any allocation. Whole: sequence 0 and the payload
 * is exactly MessageLength (TC may be set). Fragment: TC set, sequence below the fragment
 * count, and the payload exactly 492 bytes (the last: the remainder). A datagram holding the
 * header (sequence 0) with a nonzero response code is dropped.
 * @param max_msg_len  configured cap on MessageLength (0 = 262144).
 * @param env          receives the envelope for every verdict except DROP_SHORT.
 */
enum hdl_udp_verdict hdl_udp_triage(const uint8_t *dgram, size_t len, size_t max_msg_len,
                                    struct hdl_envelope *env);

/** Name of a verdict for logs/statistics ("whole", "drop-short", ...). Static string. */
const char *hdl_udp_verdict_name(enum hdl_udp_verdict v);

/**
 * Number of datagrams an encoded unit (envelope + message) takes.
 * @return >= 1, or IDR_EPROTO if unit is not an envelope followed by exactly MessageLength bytes.
 */
int hdl_udp_fragment_count(struct slice unit) IDR_MUSTCHECK;

/**
 * Write datagram i of a unit into out: the unit's envelope with SequenceNumber i, TC set when
 * there is more than one datagram, the full MessageLength, then bytes [i*492, i*492+492) of
 * the message. out needs room for HDL_UDP_PACKET_MAX bytes.
 * @return IDR_OK, IDR_EPROTO (bad unit), IDR_EINVAL (i out of range) or IDR_ETOOBIG.
 */
int hdl_udp_fragment(struct slice unit, size_t i, struct wbuf *out) IDR_MUSTCHECK;

/**
 * Reassembly of one multi-datagram message (the network layer keys these by source address
 * and request id and expires them). Fragments may come in any order; duplicates are ignored;
 * the message lands at offset seq*492. The TC flag is not required (a Handle.Net server does
 * not set it on responses), but every fragment must agree with the first on version, suggested
 * version, CP/EC flags, session id, request id and MessageLength.
 */
struct hdl_reasm;

/**
 * Allocate a reassembly buffer for the message an envelope announces.
 * @param env          envelope of any fragment (from hdl_udp_triage or hdl_envelope_parse).
 * @param max_msg_len  the caller's cap (0 = 262144).
 * @return IDR_OK, IDR_ELIMIT / IDR_EPROTO (hdl_envelope_check) or IDR_ENOMEM. Free with
 *         hdl_reasm_free.
 */
int hdl_reasm_new(struct hdl_reasm **out, const struct hdl_envelope *env,
                  size_t max_msg_len) IDR_MUSTCHECK;

/** Free a reassembly object (NULL is accepted). */
void hdl_reasm_free(struct hdl_reasm *r);

/**
 * Add one datagram (envelope included). Nothing changes on error.
 * @return 1 (new fragment stored), 0 (duplicate, ignored) or IDR_EPROTO (short, or envelope,
 *         sequence or payload size inconsistent with this message).
 */
int hdl_reasm_feed(struct hdl_reasm *r, const uint8_t *dgram, size_t len) IDR_MUSTCHECK;

/** True once every fragment arrived. */
bool hdl_reasm_done(const struct hdl_reasm *r);

/** Bytes of memory the object holds (for the network layer's global cap). */
size_t hdl_reasm_size(const struct hdl_reasm *r);

/** Envelope of the message (SequenceNumber 0). Valid until hdl_reasm_free. */
const struct hdl_envelope *hdl_reasm_envelope(const struct hdl_reasm *r);

/**
 * Parse the reassembled message (hdl_msg_parse_message); slices borrow r, valid until
 * hdl_reasm_free.
 * @return IDR_OK, IDR_EAGAIN (fragments missing) or a parse error.
 */
int hdl_reasm_parse(const struct hdl_reasm *r, struct hdl_msg *out) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_HDL_HDL_UDP_H */
