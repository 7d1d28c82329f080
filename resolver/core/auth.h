/*
 * auth.h - who may change what: identities, the HS_ADMIN / HS_VLIST authorization of the
 * Handle System, and the checks of secret keys (ref/handle.md §3.6, §4.2, §4.3).
 *
 * An identity is a handle and a value index, written "index:handle" (300:88.118.8/ADMIN): the
 * value at that index holds the identity's key, HS_PUBKEY (a public key) or HS_SECKEY (a
 * secret). An identity may change a record when an HS_ADMIN value of the record grants the
 * permission the change needs to an admin reference that is the identity, or that names an
 * HS_VLIST group the identity belongs to (directly or through nested groups, at most
 * AUTH_GROUP_DEPTH deep; groups must be hosted here). Creating a record asks the HS_ADMIN of
 * its prefix handle 0.NA/<prefix> for ADD_HANDLE; creating a prefix handle 0.NA/<p> asks the
 * parent prefix handle for ADD_NA. The node's administrators (conf server_admins) may do
 * everything. So an enterprise writes only under its own prefix: its identity is named only in
 * the HS_ADMIN values of its own prefix handle and records.
 *
 * Everything here reads one read transaction and never writes. Thread-safe (no state).
 */
#ifndef IDR_RESOLVER_CORE_AUTH_H
#define IDR_RESOLVER_CORE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/cfg.h"
#include "base/err.h"
#include "base/slice.h"
#include "model/value.h"
#include "reg.h"

#define AUTH_GROUP_DEPTH  8                     /* nested HS_VLIST groups followed at most */
#define AUTH_GROUP_VISITS 64                    /* group values read at most for one check */
#define AUTH_ID_MAX       (IDENT_HARD_MAX + 12) /* "index:handle" with its NUL */

/** An identity: a handle and the index of its key value. */
struct auth_id {
	struct slice handle;
	uint32_t index;
};

/**
 * Parse "index:handle" (index 1..2^31-1 in decimal; the handle as the registry's rules allow,
 * at most IDENT_HARD_MAX bytes). The handle slice points into text.
 * @return IDR_OK or IDR_EINVAL (no colon, bad index, empty handle).
 */
int auth_id_parse(struct slice text, struct auth_id *out) IDR_MUSTCHECK;

/** Format as "index:handle" into buf (AUTH_ID_MAX bytes). @return buf. */
const char *auth_id_format(const struct auth_id *id, char *buf, size_t cap);

/** Same identity: equal index, handles equal ASCII case-insensitively. */
bool auth_id_equal(const struct auth_id *a, const struct auth_id *b);

/** True if id is one of the configured node administrators (malformed entries never match). */
bool auth_is_node_admin(const struct cfg_list *admins, const struct auth_id *id);

/**
 * Is id allowed `need` (VALUE_ADMIN_* bits, all required) by the HS_ADMIN values of the record
 * `handle`? Follows HS_VLIST groups (see above). A record that does not exist grants nothing.
 * @return IDR_OK (allowed), IDR_EDENIED, or a store error.
 */
int auth_allowed(struct reg_rtxn *t, const struct auth_id *id, struct slice handle,
                 uint16_t need) IDR_MUSTCHECK;

/**
 * The permission a change of one value needs: admin values (type HS_ADMIN) need the *_ADMIN
 * bit of the operation, others the *_VALUE bit.
 * @param op  VALUE_ADMIN_ADD_VALUE, VALUE_ADMIN_MODIFY_VALUE or VALUE_ADMIN_REMOVE_VALUE.
 */
uint16_t auth_value_perm(uint16_t op, struct slice type);

/** The handle whose HS_ADMIN decides a create of `handle`: 0.NA/<prefix>, or for a prefix
 *  handle 0.NA/<p> its parent 0.NA/<parent> (0.NA/<p> itself for a top prefix). The
 *  permission is ADD_HANDLE, or ADD_NA for prefix handles (*need).
 * @return IDR_OK or an identifier syntax error. */
int auth_create_authority(struct slice handle, char *out, size_t cap, uint16_t *need) IDR_MUSTCHECK;

/** Kinds of identity key. */
enum auth_key_kind { AUTH_KEY_PUB = 1, AUTH_KEY_SEC = 2 };

/**
 * The key value of an identity: the value at id->index of record id->handle, of type
 * HS_PUBKEY or HS_SECKEY. The data borrows the transaction.
 * @return IDR_OK, IDR_ENOENT (no such record or value), IDR_EINVAL (the value is not a key), or
 *         a store error.
 */
int auth_key_get(struct reg_rtxn *t, const struct auth_id *id, enum auth_key_kind *kind,
                 struct slice *data) IDR_MUSTCHECK;

/**
 * Does a secret given in clear (HTTP Basic) match a stored HS_SECKEY? The stored value is the
 * secret itself, or its hashed form: lower-case hex of SHA-1(secret) (Handle.Net's "hashed"
 * secret keys; what `idr` stores). Constant time in the secret's content.
 */
bool auth_secret_match(struct slice stored, struct slice given);

/**
 * Verify an HS_SECKEY challenge answer (ref/handle.md §3.6): mac is the signedResponse, in the
 * SHA-1 form (0x02: SHA1(key ‖ nonce ‖ digest ‖ key)) or the PBKDF2-HMAC-SHA1 form (0x22:
 * salt, iterations, key bits, HMAC-SHA1(PBKDF2(key), nonce ‖ digest)). key is the stored
 * HS_SECKEY value. @return IDR_OK, IDR_EAUTH, IDR_EPROTO (malformed answer) or IDR_ELIMIT.
 */
int auth_seckey_verify(struct slice key, struct slice mac, struct slice nonce,
                       struct slice digest) IDR_MUSTCHECK;

/**
 * Verify the answer to a challenge — a Handle CHALLENGE_RESPONSE (op 200, digest = the request
 * digest) or an HTTP `Authorization: Handle` (digest = the client's cnonce): the identity's key
 * signs or MACs nonce ‖ digest.
 *  - type "HS_PUBKEY": signed_response = UTF8 hash name ("SHA-256", "SHA1", "SM3") + UTF8
 *    signature; RSA PKCS#1 v1.5, DSA, or SM2 with the identity's handle as SM2 user id.
 *  - type "HS_SECKEY": the forms of auth_seckey_verify.
 * The identity's key value must be of that type.
 * @return IDR_OK; IDR_EAUTH (does not verify, no such key, key of the other type); IDR_EPROTO
 *         (malformed answer or stored key); IDR_EINVAL (unsupported algorithm); a store error.
 */
int auth_verify_answer(struct reg_rtxn *t, const struct auth_id *id, struct slice type,
                       struct slice signed_response, struct slice nonce,
                       struct slice digest) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_CORE_AUTH_H */
