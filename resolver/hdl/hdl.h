/*
 * hdl.h - Handle protocol codec (ref/handle.md §1-§6): message envelope and header, message
 * framing with the credential section, request bodies (parse and encode), response bodies
 * (encode and parse), the request digest (RD), version negotiation, UDP fragmentation and
 * reassembly, and the server hash of a multi-server site.
 *
 * Sans-I/O: no sockets, clocks or globals. Parsers read through struct rbuf, check every length
 * and count against the protocol limit, the caller's limit and the bytes remaining before using
 * it, and return views (slices) borrowing the input bytes, so a parsed message lives as long as
 * the buffer it was parsed from. Output arrays have caller-given capacity. Encoders append to a
 * struct wbuf; their failures are IDR_ETOOBIG (wbuf full) or IDR_ELIMIT (a protocol limit), after
 * which the wbuf holds a partial message the caller discards (wbuf_reset()). The only
 * allocating object is the UDP reassembly buffer (hdl_reasm_new). All functions are reentrant;
 * a struct hdl_reasm or struct hdl_build is used by one thread at a time.
 *
 * Error convention: IDR_EPROTO malformed or truncated input, IDR_ELIMIT a length or count over
 * its limit, IDR_EAGAIN need more bytes (stream framing only), IDR_EINVAL a caller mistake.
 */
#ifndef IDR_RESOLVER_HDL_HDL_H
#define IDR_RESOLVER_HDL_HDL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rbuf.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "model/value.h"

/* ---- sizes and limits (ref/handle.md §1) ---- */

#define HDL_ENVELOPE_LEN    20
#define HDL_HEADER_LEN      24
#define HDL_CRED_LEN_LEN    4      /* the int4 CredentialLength after the body */
#define HDL_MAX_MESSAGE_LEN 262144 /* MessageLength limit (header + body + credential) */
#define HDL_MAX_UNIT_LEN    (HDL_ENVELOPE_LEN + HDL_MAX_MESSAGE_LEN)
#define HDL_UDP_PACKET_MAX  512
#define HDL_UDP_DATA_MAX    492 /* message bytes per datagram */
#define HDL_UDP_MAX_FRAGS   ((HDL_MAX_MESSAGE_LEN + HDL_UDP_DATA_MAX - 1) / HDL_UDP_DATA_MAX)
#define HDL_MAX_HANDLE_LEN  2048
#define HDL_MAX_VALUES      VALUE_MAX_VALUES /* 2048 values per message */
#define HDL_MAX_TYPE_LEN    VALUE_MAX_TYPE   /* a requested type name, bytes */
#define HDL_MAX_ARRAY       VALUE_MAX_ARRAY  /* any UTF8-String / byte array */
#define HDL_MAX_RECURSION   40 /* hops a stock client allows; a server answers RC 6 above */

/* ---- versions (ref/handle.md §2.1) ---- */

#define HDL_VERSION_MAJOR 2 /* the highest version we speak: 2.11 */
#define HDL_VERSION_MINOR 11
#define HDL_COMPAT_MAJOR  2 /* what a stock client sends to a server it does not know: 2.3 */
#define HDL_COMPAT_MINOR  3

struct hdl_version {
	uint8_t major;
	uint8_t minor;
};

/* ---- envelope flags (byte 2; the low two bits carry the suggested major version) ---- */

#define HDL_ENV_CP        0x80 /* compressed: never produced by Handle.Net, unsupported */
#define HDL_ENV_EC        0x40 /* encrypted with a session key: unsupported (no sessions) */
#define HDL_ENV_TC        0x20 /* truncated: more than one UDP datagram */
#define HDL_ENV_FLAGS     (HDL_ENV_CP | HDL_ENV_EC | HDL_ENV_TC)
#define HDL_ENV_SUGG_MASK 0x03

/* ---- opcodes (ref/handle.md §2.3) ---- */

#define HDL_OC_RESERVED            0
#define HDL_OC_RESOLUTION          1
#define HDL_OC_GET_SITEINFO        2
#define HDL_OC_CREATE_HANDLE       100
#define HDL_OC_DELETE_HANDLE       101
#define HDL_OC_ADD_VALUE           102
#define HDL_OC_REMOVE_VALUE        103
#define HDL_OC_MODIFY_VALUE        104
#define HDL_OC_LIST_HANDLES        105
#define HDL_OC_LIST_NA             106
#define HDL_OC_CHALLENGE_RESPONSE  200
#define HDL_OC_VERIFY_RESPONSE     201
#define HDL_OC_HOME_NA             300
#define HDL_OC_UNHOME_NA           301
#define HDL_OC_LIST_HOMED_NAS      302
#define HDL_OC_SESSION_SETUP       400
#define HDL_OC_SESSION_TERMINATE   401
#define HDL_OC_SESSION_EXCHANGEKEY 402
#define HDL_OC_GET_NEXT_TXN_ID     1000
#define HDL_OC_RETRIEVE_TXN_LOG    1001
#define HDL_OC_DUMP_HANDLES        1002
#define HDL_OC_BACKUP_SERVER       1003
#define HDL_OC_LOGIN               2000 /* IDIS */
#define HDL_OC_LOGIN_ID_SYSTEM     2001 /* IDIS */

/* ---- response codes: only codes a stock client decodes (ref/handle.md §2.4) ---- */

#define HDL_RC_RESERVED                0 /* requests */
#define HDL_RC_SUCCESS                 1
#define HDL_RC_ERROR                   2
#define HDL_RC_SERVER_BUSY             3
#define HDL_RC_PROTOCOL_ERROR          4
#define HDL_RC_OPERATION_NOT_SUPPORTED 5
#define HDL_RC_RECURSION_LIMIT         6
#define HDL_RC_SERVER_BACKUP           7 /* sent as 303 to clients below 2.5 */
#define HDL_RC_HANDLE_NOT_FOUND        100
#define HDL_RC_HANDLE_ALREADY_EXISTS   101
#define HDL_RC_INVALID_HANDLE          102
#define HDL_RC_VALUES_NOT_FOUND        200
#define HDL_RC_VALUE_ALREADY_EXISTS    201
#define HDL_RC_INVALID_VALUE           202 /* sent as 201 to clients below 2.5 */
#define HDL_RC_OUT_OF_DATE_SITE_INFO   300
#define HDL_RC_SERVER_NOT_RESP         301
#define HDL_RC_SERVICE_REFERRAL        302
#define HDL_RC_PREFIX_REFERRAL         303
#define HDL_RC_INVALID_ADMIN           400
#define HDL_RC_INSUFFICIENT_PERMS      401
#define HDL_RC_AUTHENTICATION_NEEDED   402
#define HDL_RC_AUTHENTICATION_FAILED   403
#define HDL_RC_INVALID_CREDENTIAL      404
#define HDL_RC_AUTHEN_TIMEOUT          405
#define HDL_RC_AUTHEN_ERROR            406
#define HDL_RC_SESSION_TIMEOUT         500
#define HDL_RC_SESSION_FAILED          501
#define HDL_RC_INVALID_SESSION_KEY     502
#define HDL_RC_NEED_RSAKEY             503
#define HDL_RC_INVALID_SESSION_SETUP   504
#define HDL_RC_SESSION_REJECTED        505
#define HDL_RC_REQUEST_LIMIT_DAILY     603 /* IDIS clients only */
#define HDL_RC_REGISTER_COUNT_LIMIT    604 /* IDIS clients only */
#define HDL_RC_PREFIX_LIMIT            605 /* IDIS clients only */

/* ---- OpFlag bits (ref/handle.md §2.2) ---- */

#define HDL_FLAG_AT   0x80000000u /* authoritative */
#define HDL_FLAG_CT   0x40000000u /* certify (sign the response) */
#define HDL_FLAG_ENC  0x20000000u /* encrypt the response */
#define HDL_FLAG_REC  0x10000000u /* recursion allowed */
#define HDL_FLAG_CA   0x08000000u /* cache must certify */
#define HDL_FLAG_CN   0x04000000u /* continued: more messages follow */
#define HDL_FLAG_KC   0x02000000u /* keep the TCP connection open */
#define HDL_FLAG_PO   0x01000000u /* public values only */
#define HDL_FLAG_RD   0x00800000u /* response carries a digest of the request */
#define HDL_FLAG_OVRW 0x00400000u /* overwrite (request) / did overwrite (response) */
#define HDL_FLAG_MINT 0x00200000u /* create: mint a suffix */
#define HDL_FLAG_DNRF 0x00100000u /* do not refer */
#define HDL_FLAG_DT   0x00000002u /* IDIS trusted query */
#define HDL_FLAG_TR   0x00000001u /* IDIS trusted result */

/* Request flags a response copies (Java takeValuesFrom); a response also always carries REC */
#define HDL_FLAG_RESPONSE_COPY                                                                     \
	(HDL_FLAG_AT | HDL_FLAG_CT | HDL_FLAG_ENC | HDL_FLAG_CA | HDL_FLAG_PO | HDL_FLAG_RD |      \
	 HDL_FLAG_DNRF)

/* Flags a stock client sets on a resolution request: REC | CA | PO */
#define HDL_FLAG_CLIENT_DEFAULT (HDL_FLAG_REC | HDL_FLAG_CA | HDL_FLAG_PO)

/* ---- request digest hash types (ref/handle.md §2.6) ---- */

#define HDL_RD_LEGACY  0 /* < 2.1: no type byte, MD5 as a UTF8-String */
#define HDL_RD_MD5     1
#define HDL_RD_SHA1    2
#define HDL_RD_SHA256  3
#define HDL_RD_MAX_LEN 32

/* ---- server hash options (HS_SITE HashOption, ref/handle.md §6.7) ---- */

#define HDL_HASH_BY_PREFIX 0
#define HDL_HASH_BY_SUFFIX 1
#define HDL_HASH_BY_HANDLE 2

/* ======================================================================================== */
/* names and versions                                                                        */
/* ======================================================================================== */

/** Symbolic name of a response code ("HANDLE_NOT_FOUND"), or NULL for a code outside the
 *  table above. The string is static. */
const char *hdl_rc_name(uint32_t rc);

/** True if rc is an error code whose body is `[RD] UTF8 message` (every code in the table
 *  except 0, 1, 302, 303 and 402). */
bool hdl_rc_is_error(uint32_t rc);

/** Symbolic name of an opcode ("RESOLUTION"), or NULL if unknown. Static string. */
const char *hdl_op_name(uint32_t opcode);

/** Compare two versions. @return <0, 0 or >0 like memcmp. */
int hdl_version_cmp(struct hdl_version a, struct hdl_version b);

/** True if v >= major.minor. */
bool hdl_version_ge(struct hdl_version v, uint8_t major, uint8_t minor);

/* ======================================================================================== */
/* envelope and header                                                                       */
/* ======================================================================================== */

/** Message envelope (20 bytes, ref/handle.md §2.1). */
struct hdl_envelope {
	struct hdl_version ver;  /* version of this message */
	struct hdl_version sugg; /* suggested version as on the wire; major 0 = none given */
	uint8_t flags;           /* HDL_ENV_CP | HDL_ENV_EC | HDL_ENV_TC */
	uint32_t session_id;
	uint32_t request_id;
	uint32_t seq; /* UDP fragment index; 0 on TCP */
	uint32_t msg_len;
};

/**
 * Read a 20-byte envelope. Byte 2 splits into flags (top three bits) and the suggested major
 * version (low two bits); the three bits between are ignored, as Handle.Net does.
 * @param in   reader positioned at the envelope; advanced by 20 on success only.
 * @param out  filled on IDR_OK, and on IDR_ELIMIT so the caller can log the request id.
 * @return IDR_OK, IDR_EPROTO (fewer than 20 bytes) or IDR_ELIMIT (MessageLength > 262144).
 */
int hdl_envelope_parse(struct rbuf *in, struct hdl_envelope *out) IDR_MUSTCHECK;

/** Append a 20-byte envelope. sugg.major must be <= 3 (two bits on the wire; asserted). */
void hdl_envelope_encode(struct wbuf *w, const struct hdl_envelope *env);

/**
 * Decide whether an envelope announces a message this codec handles, before reading or
 * allocating anything more. Rules: MessageLength within max_msg_len (0 means 262144) and at
 * least a header long; major version 2 (any minor; negotiation caps it); CP and EC clear.
 * CP/EC are dropped rather than answered: both hide the header, so no answer can name the
 * operation, stock clients never compress, and they encrypt only inside a session, which this
 * node never grants (SESSION_SETUP gets RC_OPERATION_NOT_SUPPORTED).
 * @return IDR_OK, IDR_ELIMIT (length over the limit) or IDR_EPROTO (too short, version, flags).
 */
int hdl_envelope_check(const struct hdl_envelope *env, size_t max_msg_len) IDR_MUSTCHECK;

/**
 * A message encrypted with a session key (EC set, CP not, a session id): it can be read once
 * opened with the session's key. hdl_envelope_check refuses it as it stands; front ends that
 * can open it check a copy without EC.
 */
bool hdl_envelope_sealed(const struct hdl_envelope *env);

/** What hdl_envelope_check objects to, for front ends that count drops by reason. */
enum hdl_env_fault {
	HDL_ENV_FAULT_NONE = 0,
	HDL_ENV_FAULT_LENGTH,  /* MessageLength over the limit or shorter than a header */
	HDL_ENV_FAULT_VERSION, /* major version other than 2 */
	HDL_ENV_FAULT_FLAGS    /* CP or EC set: compressed or encrypted messages are not read */
};

/** The rule of hdl_envelope_check an envelope breaks (the first one), or HDL_ENV_FAULT_NONE. */
enum hdl_env_fault hdl_envelope_fault(const struct hdl_envelope *env, size_t max_msg_len);

/**
 * Response version for a request (Java AbstractResponse): the request's suggested version, or
 * its own version when the suggested major is 0 (none given) or 1 (no such protocol carries
 * the field; answering 1.x would make a reply no 2.x client accepts), capped at 2.11.
 */
struct hdl_version hdl_version_negotiate(const struct hdl_envelope *req);

/** Message header (24 bytes, ref/handle.md §2.2). The reserved byte is ignored on input. */
struct hdl_header {
	uint32_t opcode;
	uint32_t rc; /* HDL_RC_RESERVED (0) in requests */
	uint32_t flags;
	uint16_t site_serial; /* 0xffff = unknown */
	uint8_t recursion;
	uint32_t expiration; /* unix seconds */
	uint32_t body_len;
};

/**
 * Read a 24-byte header from a reader bounded by the message (MessageLength bytes), so the
 * BodyLength check "fits in what follows the header" is the check against MessageLength.
 * @return IDR_OK or IDR_EPROTO (short header, BodyLength beyond the message).
 */
int hdl_header_parse(struct rbuf *msg, struct hdl_header *out) IDR_MUSTCHECK;

/** Append a 24-byte header (reserved byte 0). */
void hdl_header_encode(struct wbuf *w, const struct hdl_header *h);

/* ======================================================================================== */
/* messages                                                                                  */
/* ======================================================================================== */

/** A parsed message. Slices borrow the parsed bytes. */
struct hdl_msg {
	struct hdl_envelope env;
	struct hdl_header hdr;
	struct slice raw;      /* header + body: what a request digest covers */
	struct slice body;     /* BodyLength bytes */
	struct slice cred;     /* credential section without its length field; empty if none */
	bool cred_len_present; /* the int4 CredentialLength was sent (stock senders always do) */
};

/**
 * Parse one unit (envelope + MessageLength bytes) from a stream or a whole datagram. The
 * envelope goes through hdl_envelope_check (protocol maximum) before the message is awaited,
 * so a stream front end can drop an oversized unit as soon as 20 bytes have arrived.
 * @param in   reader over received bytes; advanced past the unit on success, unchanged on
 *             IDR_EAGAIN or error.
 * @return IDR_OK, IDR_EAGAIN (fewer than 20 bytes, or the message is not complete yet) or an
 *         error from hdl_envelope_check / hdl_msg_parse_message.
 */
int hdl_msg_parse(struct rbuf *in, struct hdl_msg *out) IDR_MUSTCHECK;

/**
 * Parse a message whose envelope was read separately (UDP reassembly).
 * @param env  the envelope; msg.len must equal env->msg_len.
 * @param msg  header + body + credential section.
 * Checks: BodyLength within the message; after the body either nothing (the credential length
 * omitted, which Java tolerates) or an int4 CredentialLength that covers exactly the rest.
 * @return IDR_OK, IDR_EPROTO or IDR_ELIMIT.
 */
int hdl_msg_parse_message(const struct hdl_envelope *env, struct slice msg,
                          struct hdl_msg *out) IDR_MUSTCHECK;

/** Credential section (ref/handle.md §2.7); signatures are not verified by this codec. */
struct hdl_cred {
	uint8_t version;
	uint16_t options;
	struct slice signer; /* signer handle (Handle.Net writes it empty) */
	uint32_t signer_index;
	struct slice type;       /* "HS_SIGNED", "HS_MAC", ... */
	struct slice digest_alg; /* from the signed-info section */
	struct slice signature;
};

/**
 * Parse a non-empty credential section (hdl_msg.cred). Lengths are bounded: signer handle
 * <= 2048, type <= HDL_MAX_TYPE_LEN, the signed-info section opens a sub-reader; nothing may
 * follow it.
 * @return IDR_OK, IDR_EPROTO or IDR_ELIMIT.
 */
int hdl_cred_parse(struct slice cred, struct hdl_cred *out) IDR_MUSTCHECK;

/* ======================================================================================== */
/* request digest (RD)                                                                       */
/* ======================================================================================== */

struct hdl_digest {
	uint8_t type; /* HDL_RD_* */
	uint8_t len;  /* digest bytes: 16, 20 or 32 */
	uint8_t bytes[HDL_RD_MAX_LEN];
};

/** RD hash type a response of version v carries: < 2.1 legacy MD5, 2.1-2.6 SHA-1, >= 2.7
 *  SHA-256. */
uint8_t hdl_rd_type(struct hdl_version v);

/**
 * Digest of a request's header + body (hdl_msg.raw) for a response of version v.
 * @return IDR_OK or IDR_ECRYPTO.
 */
int hdl_rd_compute(struct hdl_version v, struct slice req_raw,
                   struct hdl_digest *out) IDR_MUSTCHECK;

/** Append a digest: octet type + bytes, or for HDL_RD_LEGACY a UTF8-String of the MD5. */
void hdl_rd_encode(struct wbuf *w, const struct hdl_digest *d);

/**
 * Read a digest at the start of a response body (the caller checked RD is set).
 * @return IDR_OK, IDR_EPROTO (short, unknown type, legacy length other than 16).
 */
int hdl_rd_parse(struct rbuf *body, struct hdl_digest *out) IDR_MUSTCHECK;

/**
 * Check a received digest against the request we sent.
 * @return IDR_OK (match), IDR_EPROTO (mismatch) or IDR_ECRYPTO.
 */
int hdl_rd_verify(const struct hdl_digest *d, struct slice req_raw) IDR_MUSTCHECK;

/* ======================================================================================== */
/* message builder (requests and responses)                                                 */
/* ======================================================================================== */

/**
 * A message being appended to a wbuf: begin writes the envelope and header with zero lengths,
 * body writers append, end patches BodyLength, MessageLength and an open value count and
 * appends CredentialLength 0. Errors are sticky in the builder (limits) or the wbuf (space)
 * and reported once by end.
 */
struct hdl_build {
	struct wbuf *w;
	size_t start; /* offset of the envelope in w */
	struct hdl_envelope env;
	struct hdl_header hdr;
	size_t count_off; /* offset of an open value count, SIZE_MAX if none */
	size_t count;
	int err;
};

/** Start a message with the given envelope and header (lengths are filled in by end). The
 *  wbuf must outlive the builder. */
void hdl_build_begin(struct hdl_build *b, struct wbuf *w, const struct hdl_envelope *env,
                     const struct hdl_header *hdr);

/** Append a UTF8-String handle; longer than 2048 bytes is IDR_ELIMIT. */
void hdl_build_handle(struct hdl_build *b, struct slice handle);

/** Append raw bytes to the body. */
void hdl_build_bytes(struct hdl_build *b, struct slice bytes);

/** Open a value list: writes an int4 count that end patches. One list per message. */
void hdl_build_values_begin(struct hdl_build *b);

/** Append one pre-encoded value clump (e.g. borrowed from a stored record) to the open list. */
void hdl_build_clump(struct hdl_build *b, struct slice clump);

/** Encode one value into the open list. */
void hdl_build_value(struct hdl_build *b, const struct value *v);

/**
 * Finish the message. Total MessageLength > 262144 or more than 2048 values give IDR_ELIMIT.
 * @return IDR_OK, IDR_ELIMIT, IDR_ETOOBIG (wbuf full) or IDR_EINVAL (list misuse).
 */
int hdl_build_end(struct hdl_build *b) IDR_MUSTCHECK;

/* ======================================================================================== */
/* requests                                                                                  */
/* ======================================================================================== */

/** Envelope and header fields of an outgoing request. */
struct hdl_req_opts {
	struct hdl_version ver;
	struct hdl_version sugg;
	uint32_t session_id;
	uint32_t request_id;
	uint32_t flags;
	uint16_t site_serial;
	uint8_t recursion;
	uint32_t expiration;
};

/** Defaults of a stock client: version 2.3 suggesting 2.11, flags REC|CA|PO, serial 0xffff,
 *  session 0, recursion 0. */
void hdl_req_opts_init(struct hdl_req_opts *o, uint32_t request_id, uint32_t expiration);

/** Begin a request message (then hdl_build_* and hdl_build_end). */
void hdl_req_begin(struct hdl_build *b, struct wbuf *w, const struct hdl_req_opts *o,
                   uint32_t opcode);

/**
 * Encode a whole RESOLUTION request (envelope + message + CredentialLength 0).
 * @return IDR_OK, IDR_ELIMIT (handle > 2048, type > HDL_MAX_TYPE_LEN, message too long) or
 *         IDR_ETOOBIG.
 */
int hdl_req_resolution_encode(struct wbuf *w, const struct hdl_req_opts *o, struct slice handle,
                              const uint32_t *indexes, size_t nindexes, const struct slice *types,
                              size_t ntypes) IDR_MUSTCHECK;

/** Encode a request whose body is one UTF8 handle (GET_SITEINFO with "/", DELETE_HANDLE,
 *  LIST_HANDLES, SESSION_TERMINATE, ...). @return as hdl_req_resolution_encode. */
int hdl_req_handle_encode(struct wbuf *w, const struct hdl_req_opts *o, uint32_t opcode,
                          struct slice handle) IDR_MUSTCHECK;

/** Encode CREATE_HANDLE / ADD_VALUE / MODIFY_VALUE: handle + count + clumps. */
int hdl_req_values_encode(struct wbuf *w, const struct hdl_req_opts *o, uint32_t opcode,
                          struct slice handle, const struct value *values, size_t n) IDR_MUSTCHECK;

/** Encode REMOVE_VALUE: handle + int4 array of indexes. */
int hdl_req_remove_encode(struct wbuf *w, const struct hdl_req_opts *o, struct slice handle,
                          const uint32_t *indexes, size_t n) IDR_MUSTCHECK;

/** Body layout of a request opcode. */
enum hdl_body_kind {
	HDL_BODY_UNKNOWN = 0, /* opcode this codec does not know: RC_OPERATION_NOT_SUPPORTED */
	HDL_BODY_RESOLUTION,  /* hdl_res_req_parse */
	HDL_BODY_HANDLE,      /* hdl_handle_req_parse */
	HDL_BODY_VALUES,      /* hdl_values_req_parse */
	HDL_BODY_INDEXES,     /* hdl_remove_req_parse */
	HDL_BODY_OTHER        /* known opcode whose body this codec does not decode */
};

/** Which parser reads the body of a request with this opcode. */
enum hdl_body_kind hdl_req_body_kind(uint32_t opcode);

/** RESOLUTION request body. indexes/types point into the caller's arrays, their elements
 *  (type slices) into the message. */
struct hdl_res_req {
	struct slice handle;
	uint32_t *indexes;
	size_t nindexes;
	struct slice *types;
	size_t ntypes;
};

/**
 * Parse a RESOLUTION body: UTF8 handle (<= 2048), int4 array of indexes, string array of types
 * (each <= HDL_MAX_TYPE_LEN). Counts are checked against the bytes left and the capacities
 * (the caller's configured caps) before any element is read. The body must be consumed exactly.
 * @param body       reader over hdl_msg.body.
 * @param indexes    caller array of max_indexes elements (may be NULL if max_indexes is 0).
 * @param types      caller array of max_types elements (may be NULL if max_types is 0).
 * @return IDR_OK, IDR_EPROTO or IDR_ELIMIT; out is only meaningful on IDR_OK.
 */
int hdl_res_req_parse(struct rbuf *body, struct hdl_res_req *out, uint32_t *indexes,
                      size_t max_indexes, struct slice *types, size_t max_types) IDR_MUSTCHECK;

/** Parse a body that is one UTF8 handle (<= 2048) and nothing else.
 *  @return IDR_OK, IDR_EPROTO or IDR_ELIMIT. */
int hdl_handle_req_parse(struct rbuf *body, struct slice *handle) IDR_MUSTCHECK;

/** CREATE_HANDLE / ADD_VALUE / MODIFY_VALUE body. */
struct hdl_values_req {
	struct slice handle;
	struct value *values; /* the caller's array; slices borrow the message */
	size_t nvalues;
	struct slice clumps; /* the encoded values as received */
};

/**
 * Parse handle + int4 count + value clumps (value_decode). The count is checked against 2048,
 * max_values and the bytes left (26 bytes minimum per clump) before decoding.
 * @return IDR_OK, IDR_EPROTO or IDR_ELIMIT.
 */
int hdl_values_req_parse(struct rbuf *body, struct hdl_values_req *out, struct value *values,
                         size_t max_values) IDR_MUSTCHECK;

/** REMOVE_VALUE body. */
struct hdl_remove_req {
	struct slice handle;
	uint32_t *indexes; /* the caller's array */
	size_t nindexes;
};

/** Parse handle + int4 array of indexes (count <= max_indexes and the bytes left).
 *  @return IDR_OK, IDR_EPROTO or IDR_ELIMIT. */
int hdl_remove_req_parse(struct rbuf *body, struct hdl_remove_req *out, uint32_t *indexes,
                         size_t max_indexes) IDR_MUSTCHECK;

/* ======================================================================================== */
/* responses: encoders (server)                                                              */
/* ======================================================================================== */

/** Fields of a response the request does not determine. */
struct hdl_resp_opts {
	uint32_t expiration;  /* unix seconds (Handle.Net: now + 12 h) */
	uint16_t site_serial; /* serial of our HS_SITE, or 0xffff as Handle.Net sends */
	uint32_t add_flags;   /* OR-ed into the flags: HDL_FLAG_CN, KC, OVRW as applicable */
};

/**
 * Begin a response to a parsed request. Envelope: version per hdl_version_negotiate, suggested
 * 2.11, the request's session and request ids, no flags. Header: the request's opcode and
 * recursion count; rc (mapped for versions below 2.5: 7 -> 303, 202 -> 201); flags = the
 * request's HDL_FLAG_RESPONSE_COPY bits | REC | opts->add_flags. When the request set RD, or rc
 * is 402 (a challenge always carries it), the body starts with the digest of req->raw in the
 * algorithm of the response version. The request bytes need to live only during this call.
 * @return IDR_OK or IDR_ECRYPTO (then nothing was written).
 */
int hdl_resp_begin(struct hdl_build *b, struct wbuf *w, const struct hdl_msg *req, uint32_t rc,
                   const struct hdl_resp_opts *opts) IDR_MUSTCHECK;

/**
 * RESOLUTION success built from a stored record's wire body (UTF8 handle + int4 count +
 * clumps, rec_view.body), copied verbatim: the unfiltered fast path. The body's handle length
 * and count are checked (<= 2048 each); the clumps are trusted as stored.
 * @return IDR_OK, IDR_EPROTO (body framing), IDR_ELIMIT, IDR_ETOOBIG or IDR_ECRYPTO.
 */
int hdl_resp_resolution_stored(struct wbuf *w, const struct hdl_msg *req, struct slice body,
                               const struct hdl_resp_opts *opts) IDR_MUSTCHECK;

/**
 * RESOLUTION success with selected clumps (the filtered path; for a value-at-a-time build use
 * hdl_resp_begin, hdl_build_handle, hdl_build_values_begin, hdl_build_clump, hdl_build_end).
 * @param clumps  n encoded values (NULL only with n == 0).
 * @return IDR_OK, IDR_EINVAL, IDR_ELIMIT (n > 2048 or too long), IDR_ETOOBIG or IDR_ECRYPTO.
 */
int hdl_resp_resolution(struct wbuf *w, const struct hdl_msg *req, struct slice handle,
                        const struct slice *clumps, size_t n,
                        const struct hdl_resp_opts *opts) IDR_MUSTCHECK;

/**
 * Error response: [RD] UTF8 message (may be empty; should be UTF-8 text).
 * @return IDR_OK, IDR_EINVAL (rc is not an error code), IDR_ELIMIT, IDR_ETOOBIG, IDR_ECRYPTO.
 */
int hdl_resp_error(struct wbuf *w, const struct hdl_msg *req, uint32_t rc, struct slice message,
                   const struct hdl_resp_opts *opts) IDR_MUSTCHECK;

/** GET_SITEINFO success: [RD] + the HS_SITE data bytes, no length prefix.
 *  @return as hdl_resp_resolution. */
int hdl_resp_siteinfo(struct wbuf *w, const struct hdl_msg *req, struct slice site,
                      const struct hdl_resp_opts *opts) IDR_MUSTCHECK;

/**
 * Referral (rc 302 or 303): [RD] UTF8 handle (Handle.Net sends it empty for 303), then, if
 * clumps is non-NULL, int4 n + the clumps (HS_SITE / HS_SERV values of the referred service).
 * @return IDR_OK, IDR_EINVAL (other rc), IDR_ELIMIT, IDR_ETOOBIG or IDR_ECRYPTO.
 */
int hdl_resp_referral(struct wbuf *w, const struct hdl_msg *req, uint32_t rc, struct slice handle,
                      const struct slice *clumps, size_t n,
                      const struct hdl_resp_opts *opts) IDR_MUSTCHECK;

/** Success without a body beyond [RD] (DELETE, ADD/MODIFY/REMOVE_VALUE, CREATE, ...).
 *  @return IDR_OK, IDR_ELIMIT, IDR_ETOOBIG or IDR_ECRYPTO. */
int hdl_resp_generic(struct wbuf *w, const struct hdl_msg *req,
                     const struct hdl_resp_opts *opts) IDR_MUSTCHECK;

/* ======================================================================================== */
/* responses: decoders (client)                                                              */
/* ======================================================================================== */

/**
 * Open the body of a parsed response: reads the request digest when the response has a
 * nonzero rc and RD set (as Java does), and leaves rest over what follows.
 * @param has_rd  set to whether a digest was read into rd.
 * @return IDR_OK, IDR_EINVAL (m is a request: rc 0) or an hdl_rd_parse error.
 */
int hdl_resp_open(const struct hdl_msg *m, struct hdl_digest *rd, bool *has_rd,
                  struct rbuf *rest) IDR_MUSTCHECK;

/**
 * Check a response against the request it answers (the client side of every exchange, shared
 * by the blocking client of `idr` and the daemon's upstream client): same request id and
 * opcode, a nonzero response code, and when the request set RD, a digest in the response that
 * matches the request's header + body. Then open the body (hdl_resp_open).
 * @param rest  on IDR_OK, a reader over the body after the digest; borrows resp.
 * @return IDR_OK, IDR_EPROTO (mismatch, missing or wrong digest, bad digest encoding) or
 *         IDR_ECRYPTO.
 */
int hdl_resp_check(const struct hdl_msg *resp, const struct hdl_msg *req,
                   struct rbuf *rest) IDR_MUSTCHECK;

/** Values in a response body, validated; walk them with hdl_clump_next. */
struct hdl_value_list {
	struct slice handle;
	bool present; /* referrals only: a value list followed the handle */
	uint32_t count;
	struct slice clumps;
};

/**
 * RESOLUTION success body (after hdl_resp_open): UTF8 handle (<= 2048), int4 count (<= 2048)
 * and that many clumps, each checked by value_decode; nothing may follow.
 * @return IDR_OK, IDR_EPROTO or IDR_ELIMIT.
 */
int hdl_res_resp_parse(struct rbuf *rest, struct hdl_value_list *out) IDR_MUSTCHECK;

/** Referral body: UTF8 handle, then a value list iff bytes remain. @return as above. */
int hdl_referral_resp_parse(struct rbuf *rest, struct hdl_value_list *out) IDR_MUSTCHECK;

/**
 * Error body: UTF8 message (<= 1 MiB). Peers below 2.1 may send nothing: then message is
 * empty. @param ver the response's version. @return IDR_OK, IDR_EPROTO or IDR_ELIMIT.
 */
int hdl_error_resp_parse(struct rbuf *rest, struct hdl_version ver,
                         struct slice *message) IDR_MUSTCHECK;

/** GET_SITEINFO body: the rest is the HS_SITE data (decode with value_site_decode).
 *  @return IDR_OK or IDR_EPROTO (empty). */
int hdl_siteinfo_resp_parse(struct rbuf *rest, struct slice *site) IDR_MUSTCHECK;

/**
 * Decode the next value clump of a list and return its encoded span too (for verbatim copies).
 * @return IDR_OK, IDR_ENOENT (no bytes left) or a value_decode error.
 */
int hdl_clump_next(struct rbuf *clumps, struct value *v, struct slice *clump) IDR_MUSTCHECK;

/* ======================================================================================== */
/* server hash (ref/handle.md §6.7)                                                          */
/* ======================================================================================== */

/**
 * Java SiteInfo.getHandleHash: the part chosen by option (prefix, "0.NA" if there is no
 * slash; suffix, the whole handle if there is no slash; the whole handle) is ASCII upper-cased
 * and MD5-hashed; the last 4 digest bytes as a big-endian int32, absolute value. (Java leaves
 * abs(INT32_MIN) negative; here it is 2147483648.)
 * @return IDR_OK, IDR_EINVAL (unknown option), IDR_ELIMIT (handle > 2048) or IDR_ECRYPTO.
 */
int hdl_handle_hash(struct slice handle, unsigned option, uint32_t *out) IDR_MUSTCHECK;

/**
 * Index of the server in an HS_SITE's server list (list order) responsible for a handle:
 * hdl_handle_hash % nservers.
 * @return the index (>= 0) or IDR_EINVAL (nservers 0, unknown option), IDR_ELIMIT, IDR_ECRYPTO.
 */
int hdl_server_hash(struct slice handle, unsigned option, uint32_t nservers) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_HDL_HDL_H */
