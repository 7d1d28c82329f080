/*
 * value.h - Handle value encoding (ref/handle.md §1, §2.5, §4): the value "clump" and the data
 * formats HS_ADMIN, HS_VLIST and HS_SITE. This is also the storage format: records are kept in
 * this encoding so that a resolution answer is assembled from stored bytes.
 *
 * Decoders read through struct rbuf and return views (slices) borrowing the input bytes; they
 * check every length and count against the protocol limits below and the bytes remaining
 * before using it. Encoders write through struct wbuf. Pure; thread-safe; no allocation.
 */
#ifndef IDR_REGISTRY_MODEL_VALUE_H
#define IDR_REGISTRY_MODEL_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rbuf.h"
#include "base/slice.h"
#include "base/wbuf.h"

#define VALUE_MAX_ARRAY   (1u << 20) /* MAX_ARRAY_SIZE: longest UTF8-String/byte array */
#define VALUE_MAX_VALUES  2048       /* MAX_HANDLE_VALUES per record */
#define VALUE_MAX_TYPE    1024       /* our limit on a type name, bytes */
#define VALUE_MAX_REFS    1024       /* our limit on references per value */
#define VALUE_FIXED_LEN   26 /* index+timestamp+ttltype+ttl+perms+typelen+datalen+refcount */
#define VALUE_DEFAULT_TTL 86400

/* permission bits (octet at offset 13 of a clump) */
#define VALUE_PERM_ADMIN_READ   0x08
#define VALUE_PERM_ADMIN_WRITE  0x04
#define VALUE_PERM_PUBLIC_READ  0x02
#define VALUE_PERM_PUBLIC_WRITE 0x01
#define VALUE_PERM_DEFAULT      0x0E /* admin read/write, public read */

#define VALUE_TTL_RELATIVE 0
#define VALUE_TTL_ABSOLUTE 1

/* conventional indexes and types (ref/idis.md §3.1) */
#define VALUE_INDEX_URL    1
#define VALUE_INDEX_ADMIN  100
#define VALUE_INDEX_VLIST  200
#define VALUE_INDEX_PUBKEY 300

/* HS_ADMIN permission bits (ref/handle.md §4.2) */
#define VALUE_ADMIN_ADD_HANDLE    0x0001
#define VALUE_ADMIN_DELETE_HANDLE 0x0002
#define VALUE_ADMIN_ADD_NA        0x0004
#define VALUE_ADMIN_DELETE_NA     0x0008
#define VALUE_ADMIN_MODIFY_VALUE  0x0010
#define VALUE_ADMIN_REMOVE_VALUE  0x0020
#define VALUE_ADMIN_ADD_VALUE     0x0040
#define VALUE_ADMIN_MODIFY_ADMIN  0x0080
#define VALUE_ADMIN_REMOVE_ADMIN  0x0100
#define VALUE_ADMIN_ADD_ADMIN     0x0200
#define VALUE_ADMIN_READ_VALUE    0x0400
#define VALUE_ADMIN_LIST_HANDLES  0x0800
#define VALUE_ADMIN_ALL           0x0FFF

/** One Handle value. Slices borrow the decoded input (or caller memory when encoding). */
struct value {
	uint32_t index;
	uint32_t timestamp; /* unix seconds of last change */
	uint8_t ttl_type;   /* VALUE_TTL_RELATIVE or VALUE_TTL_ABSOLUTE */
	int32_t ttl;
	uint8_t perms;
	struct slice type;
	struct slice data;
	uint32_t nrefs;
	struct slice refs; /* nrefs x (UTF8 handle, int4 index), already validated */
};

struct value_ref {
	struct slice handle;
	uint32_t index;
};

/**
 * Decode one value clump. Checks: type <= VALUE_MAX_TYPE, data <= VALUE_MAX_ARRAY, reference
 * count <= VALUE_MAX_REFS and within the bytes left, each reference handle <= 2048 bytes.
 * Index 0 is accepted here (policy belongs to callers).
 * @return IDR_OK, IDR_EPROTO (truncated) or IDR_ELIMIT (a length over its limit); the error
 *         is also left sticky in r.
 */
int value_decode(struct rbuf *r, struct value *v);

/** Encode one value clump (refs are copied as already-encoded bytes). */
void value_encode(struct wbuf *w, const struct value *v);

/** Size of value_encode's output. */
size_t value_encoded_len(const struct value *v);

/** Next reference from a value's refs slice (init rbuf over v->refs). @return IDR_OK or error */
int value_ref_next(struct rbuf *refs, struct value_ref *out);

/** Encode a reference list (int4 count is NOT written; it goes in value.nrefs). */
void value_refs_encode(struct wbuf *w, const struct value_ref *refs, size_t n);

/**
 * Decode `int4 count` + count value clumps into out[0..cap).
 * @return IDR_OK, IDR_EPROTO, IDR_ELIMIT (count > VALUE_MAX_VALUES or > cap).
 */
int value_list_decode(struct rbuf *r, struct value *out, size_t cap, size_t *n);

/**
 * Type match per Handle resolution (ref/handle.md §3.1): ASCII case-insensitive equality, or
 * when want ends in '.', type equals want without the dot or starts with want.
 */
bool value_type_match(struct slice type, struct slice want);

/** True if all of the two values except the timestamp are equal. */
bool value_same_content(const struct value *a, const struct value *b);

/* HS_ADMIN: int2 permissions, UTF8 admin handle, int4 admin index */
struct value_admin {
	uint16_t perms;
	struct slice handle;
	uint32_t index;
};

/** Decode HS_ADMIN data (exactly two trailing legacy bytes are tolerated, more are not). */
int value_admin_decode(struct slice data, struct value_admin *a);
void value_admin_encode(struct wbuf *w, const struct value_admin *a);

/** Decode HS_VLIST data (int4 count + count refs, no trailing bytes) into out[0..cap). */
int value_vlist_decode(struct slice data, struct value_ref *out, size_t cap, size_t *n);
void value_vlist_encode(struct wbuf *w, const struct value_ref *refs, size_t n);

/* HS_SITE (ref/handle.md §4.1) */
#define VALUE_SITE_MAX_ATTRS   64
#define VALUE_SITE_MAX_SERVERS 64
#define VALUE_SITE_MAX_IFACES  16

#define VALUE_SITE_PRIMARY      0x80
#define VALUE_SITE_MULTIPRIMARY 0x40

enum value_iface_proto {
	VALUE_PROTO_UDP = 0,
	VALUE_PROTO_TCP = 1,
	VALUE_PROTO_HTTP = 2,
	VALUE_PROTO_HTTPS = 3
};

/* interface type: 0 out of service, 1 admin, 2 query, 3 admin+query */
#define VALUE_IFACE_ADMIN 1
#define VALUE_IFACE_QUERY 2

struct value_site_iface {
	uint8_t type;
	uint8_t proto;
	uint32_t port;
};

struct value_site_server {
	uint32_t id;
	uint8_t addr[16]; /* IPv6; IPv4 as 12 zero bytes + 4 */
	struct slice pubkey;
	size_t nifaces;
	struct value_site_iface ifaces[VALUE_SITE_MAX_IFACES];
};

struct value_site_attr {
	struct slice name;
	struct slice value;
};

struct value_site {
	uint16_t version; /* data format version, Java writes 1 */
	uint8_t proto_major;
	uint8_t proto_minor;
	uint16_t serial;
	uint8_t primary_mask;
	uint8_t hash_option; /* 0 prefix, 1 suffix, 2 whole handle */
	struct slice hash_filter;
	size_t nattrs;
	struct value_site_attr attrs[VALUE_SITE_MAX_ATTRS];
	size_t nservers;
	struct value_site_server servers[VALUE_SITE_MAX_SERVERS];
};

/**
 * Decode HS_SITE data; trailing bytes are rejected (IDR_EPROTO); counts above the
 * VALUE_SITE_MAX_* limits give IDR_ELIMIT. The struct is large (~12 KiB): allocate it.
 */
int value_site_decode(struct slice data, struct value_site *s);
void value_site_encode(struct wbuf *w, const struct value_site *s);

#endif /* IDR_REGISTRY_MODEL_VALUE_H */
