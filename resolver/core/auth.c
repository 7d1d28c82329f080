/* auth.c - identities, HS_ADMIN / HS_VLIST authorization and secret-key checks (auth.h). */
#include "core/auth.h"

#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "base/num.h"
#include "base/rbuf.h"
#include "model/ident.h"
#include "model/rec.h"

#define TYPE_ADMIN  "HS_ADMIN"
#define TYPE_VLIST  "HS_VLIST"
#define TYPE_PUBKEY "HS_PUBKEY"
#define TYPE_SECKEY "HS_SECKEY"
#define VLIST_MAX   1024 /* members of one group read at most */

int
auth_id_parse(struct slice text, struct auth_id *out)
{
	const uint8_t *colon = memchr(text.p, ':', text.len);
	uint64_t index;
	size_t ilen;

	if (colon == NULL) {
		return IDR_EINVAL;
	}
	ilen = (size_t)(colon - text.p);
	if (ilen == 0 || ilen > 10 ||
	    num_parse_u64_n((const char *)text.p, ilen, 1, INT32_MAX, &index) != IDR_OK) {
		return IDR_EINVAL;
	}
	out->index = (uint32_t)index;
	out->handle = slice_make(colon + 1, text.len - ilen - 1);
	if (out->handle.len == 0 || out->handle.len > IDENT_HARD_MAX) {
		return IDR_EINVAL;
	}
	return IDR_OK;
}

const char *
auth_id_format(const struct auth_id *id, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u:%.*s", id->index, (int)id->handle.len, (const char *)id->handle.p);
	return buf;
}

bool
auth_id_equal(const struct auth_id *a, const struct auth_id *b)
{
	return a->index == b->index && slice_caseeq(a->handle, b->handle);
}

bool
auth_is_node_admin(const struct cfg_list *admins, const struct auth_id *id)
{
	for (size_t i = 0; admins != NULL && i < admins->n; i++) {
		struct auth_id a;

		if (auth_id_parse(slice_cstr(admins->v[i]), &a) == IDR_OK &&
		    auth_id_equal(&a, id)) {
			return true;
		}
	}
	return false;
}

uint16_t
auth_value_perm(uint16_t op, struct slice type)
{
	if (!slice_caseeq(type, SLICE_LIT(TYPE_ADMIN))) {
		return op;
	}
	switch (op) {
	case VALUE_ADMIN_ADD_VALUE:
		return VALUE_ADMIN_ADD_ADMIN;
	case VALUE_ADMIN_MODIFY_VALUE:
		return VALUE_ADMIN_MODIFY_ADMIN;
	default:
		return VALUE_ADMIN_REMOVE_ADMIN;
	}
}

int
auth_create_authority(struct slice handle, char *out, size_t cap, uint16_t *need)
{
	struct ident id;
	struct ident_opts o = {IDENT_HARD_MAX, false};
	struct slice pfx, parent;
	int rc = ident_parse(&id, handle.p, handle.len, &o);

	if (rc != IDR_OK) {
		return rc;
	}
	pfx = id.prefix;
	*need = VALUE_ADMIN_ADD_HANDLE;
	if (id.zero_na) {
		*need = VALUE_ADMIN_ADD_NA;
		pfx = id.suffix;
		if (ident_prefix_parent(id.suffix, &parent)) {
			pfx = parent;
		}
	}
	return ident_zero_na(pfx, out, cap);
}

/* State of one authorization walk: the values visited are bounded. */
struct walk {
	struct reg_rtxn *t;
	const struct auth_id *id;
	unsigned visits;
};

/*
 * Is the identity the reference (h, i), or a member of the HS_VLIST group at (h, i)?
 * @return 1 yes, 0 no, < 0 a store error.
 */
static int
member_of(struct walk *wk, const struct value_ref *ref, unsigned depth)
{
	struct auth_id rid = {ref->handle, ref->index};
	struct value_ref members[64];
	struct rec_view rec;
	struct value v;
	struct rbuf r;
	size_t n;
	int rc;

	if (auth_id_equal(&rid, wk->id)) {
		return 1;
	}
	if (depth >= AUTH_GROUP_DEPTH || ++wk->visits > AUTH_GROUP_VISITS) {
		return 0;
	}
	rc = reg_get(wk->t, ref->handle, &rec);
	if (rc != IDR_OK) {
		return rc == IDR_ENOENT || rc <= IDR_EID_EMPTY ? 0
		                                               : rc; /* absent or not a handle */
	}
	rbuf_init(&r, rec.values.p, rec.values.len);
	while (rec_value_next(&r, &v) == IDR_OK) {
		if (v.index != ref->index || !slice_caseeq(v.type, SLICE_LIT(TYPE_VLIST))) {
			continue;
		}
		if (value_vlist_decode(v.data, members, sizeof(members) / sizeof(members[0]), &n) !=
		    IDR_OK) {
			return 0; /* a malformed or oversized group grants nothing */
		}
		for (size_t i = 0; i < n; i++) {
			/* the record view may be reused below: members borrow the transaction only
			 */
			rc = member_of(wk, &members[i], depth + 1);
			if (rc != 0) {
				return rc;
			}
		}
		return 0;
	}
	return 0;
}

int
auth_allowed(struct reg_rtxn *t, const struct auth_id *id, struct slice handle, uint16_t need)
{
	struct walk wk = {t, id, 0};
	struct rec_view rec;
	struct value v;
	struct rbuf r;
	int rc = reg_get(t, handle, &rec);

	if (rc == IDR_ENOENT || (rc != IDR_OK && rc <= IDR_EID_EMPTY)) {
		return IDR_EDENIED;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	rbuf_init(&r, rec.values.p, rec.values.len);
	while (rec_value_next(&r, &v) == IDR_OK) {
		struct value_admin a;
		struct value_ref ref;

		if (!slice_caseeq(v.type, SLICE_LIT(TYPE_ADMIN)) ||
		    value_admin_decode(v.data, &a) != IDR_OK || (a.perms & need) != need) {
			continue;
		}
		ref.handle = a.handle;
		ref.index = a.index;
		rc = member_of(&wk, &ref, 0);
		if (rc == 1) {
			return IDR_OK;
		}
		if (rc < 0) {
			return rc;
		}
	}
	return IDR_EDENIED;
}

int
auth_key_get(struct reg_rtxn *t, const struct auth_id *id, enum auth_key_kind *kind,
             struct slice *data)
{
	struct rec_view rec;
	struct value v;
	struct rbuf r;
	int rc = reg_get(t, id->handle, &rec);

	if (rc != IDR_OK) {
		return rc == IDR_ENOENT || rc <= IDR_EID_EMPTY ? IDR_ENOENT : rc;
	}
	rbuf_init(&r, rec.values.p, rec.values.len);
	while (rec_value_next(&r, &v) == IDR_OK) {
		if (v.index != id->index) {
			continue;
		}
		if (slice_caseeq(v.type, SLICE_LIT(TYPE_PUBKEY))) {
			*kind = AUTH_KEY_PUB;
		} else if (slice_caseeq(v.type, SLICE_LIT(TYPE_SECKEY))) {
			*kind = AUTH_KEY_SEC;
		} else {
			return IDR_EINVAL;
		}
		*data = v.data;
		return IDR_OK;
	}
	return IDR_ENOENT;
}

bool
auth_secret_match(struct slice stored, struct slice given)
{
	uint8_t sha[CRYPTO_SHA1_LEN];
	char hex[2 * CRYPTO_SHA1_LEN + 1];
	bool ok = false;

	if (stored.len == given.len && stored.len > 0) {
		ok = crypto_memeq(stored.p, given.p, stored.len) == 1;
	}
	if (stored.len == 2 * CRYPTO_SHA1_LEN &&
	    crypto_hash(CRYPTO_SHA1, given.p, given.len, sha) == IDR_OK) {
		crypto_hex(sha, sizeof(sha), hex);
		ok |= crypto_memeq(stored.p, hex, stored.len) == 1;
	}
	return ok;
}

/* HS_SECKEY answer forms (ref/handle.md §3.6) */
#define SECKEY_SHA1     0x02
#define SECKEY_PBKDF2   0x22
#define PBKDF2_MAX_ITER 1000000u
#define PBKDF2_MAX_BITS 512u

int
auth_seckey_verify(struct slice key, struct slice mac, struct slice nonce, struct slice digest)
{
	uint8_t want[CRYPTO_MAX_LEN];
	struct rbuf r;
	uint8_t alg;

	if (mac.len < 1) {
		return IDR_EPROTO;
	}
	alg = mac.p[0];
	rbuf_init(&r, mac.p + 1, mac.len - 1);
	if (alg == SECKEY_SHA1) {
		struct crypto_hash *h;
		int rc = crypto_hash_new(&h, CRYPTO_SHA1);

		if (rc != IDR_OK) {
			return rc;
		}
		crypto_hash_update(h, key.p, key.len);
		crypto_hash_update(h, nonce.p, nonce.len);
		crypto_hash_update(h, digest.p, digest.len);
		crypto_hash_update(h, key.p, key.len);
		rc = crypto_hash_final(h, want);
		crypto_hash_free(h);
		if (rc != IDR_OK) {
			return rc;
		}
		return rbuf_left(&r) == CRYPTO_SHA1_LEN &&
		                       crypto_memeq(want, mac.p + 1, CRYPTO_SHA1_LEN) == 1
		               ? IDR_OK
		               : IDR_EAUTH;
	}
	if (alg == SECKEY_PBKDF2) {
		struct slice salt, got;
		uint32_t iter, bits;
		uint8_t derived[PBKDF2_MAX_BITS / 8];
		uint8_t msg[2 * CRYPTO_MAX_LEN + 64];
		int rc;

		salt = rbuf_str(&r, 1024);
		iter = rbuf_u32(&r);
		bits = rbuf_u32(&r);
		got = rbuf_str(&r, CRYPTO_MAX_LEN);
		if (rbuf_error(&r) != IDR_OK || rbuf_left(&r) != 0) {
			return IDR_EPROTO;
		}
		if (iter == 0 || iter > PBKDF2_MAX_ITER || bits == 0 || bits % 8 != 0 ||
		    bits > PBKDF2_MAX_BITS || nonce.len + digest.len > sizeof(msg)) {
			return IDR_ELIMIT;
		}
		rc = crypto_pbkdf2_hmac_sha1(key.p, key.len, salt.p, salt.len, iter, derived,
		                             bits / 8);
		if (rc != IDR_OK) {
			return rc;
		}
		memcpy(msg, nonce.p, nonce.len);
		memcpy(msg + nonce.len, digest.p, digest.len);
		rc = crypto_hmac(CRYPTO_SHA1, derived, bits / 8, msg, nonce.len + digest.len, want);
		if (rc != IDR_OK) {
			return rc;
		}
		return got.len == CRYPTO_SHA1_LEN && crypto_memeq(want, got.p, got.len) == 1
		               ? IDR_OK
		               : IDR_EAUTH;
	}
	return IDR_EPROTO;
}

/* nonce ‖ digest, the bytes every challenge answer covers */
#define ANSWER_MSG_MAX (2 * CRYPTO_MAX_LEN + 1024)

static int
pubkey_verify(const struct auth_id *id, struct slice key, struct slice answer, struct slice msg)
{
	struct crypto_key *k;
	enum crypto_alg hash;
	struct slice alg, sig;
	struct rbuf r;
	int rc;

	rbuf_init(&r, answer.p, answer.len);
	alg = rbuf_str(&r, 64);
	sig = rbuf_str(&r, 8192);
	if (rbuf_error(&r) != IDR_OK || rbuf_left(&r) != 0) {
		return IDR_EPROTO;
	}
	if (crypto_alg_from_name(alg, &hash) != IDR_OK) {
		return IDR_EINVAL;
	}
	rc = crypto_key_from_hs_pubkey(&k, key.p, key.len);
	if (rc != IDR_OK) {
		return rc == IDR_EINVAL ? IDR_EINVAL : IDR_EPROTO;
	}
	rc = crypto_verify(k, hash,
	                   crypto_key_type(k) == CRYPTO_KEY_SM2 ? id->handle : slice_make(NULL, 0),
	                   msg.p, msg.len, sig.p, sig.len);
	crypto_key_free(k);
	return rc;
}

int
auth_verify_answer(struct reg_rtxn *t, const struct auth_id *id, struct slice type,
                   struct slice signed_response, struct slice nonce, struct slice digest)
{
	uint8_t buf[ANSWER_MSG_MAX];
	enum auth_key_kind kind;
	struct slice key;
	int rc;

	if (nonce.len + digest.len > sizeof(buf)) {
		return IDR_EPROTO;
	}
	rc = auth_key_get(t, id, &kind, &key);
	if (rc == IDR_ENOENT || rc == IDR_EINVAL) {
		return IDR_EAUTH;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (slice_caseeq(type, SLICE_LIT(TYPE_PUBKEY)) && kind == AUTH_KEY_PUB) {
		memcpy(buf, nonce.p, nonce.len);
		memcpy(buf + nonce.len, digest.p, digest.len);
		return pubkey_verify(id, key, signed_response,
		                     slice_make(buf, nonce.len + digest.len));
	}
	if (slice_caseeq(type, SLICE_LIT(TYPE_SECKEY)) && kind == AUTH_KEY_SEC) {
		return auth_seckey_verify(key, signed_response, nonce, digest);
	}
	return IDR_EAUTH;
}
