/*
 * test_auth.c - identities, HS_ADMIN / HS_VLIST authorization and secret checks (core/auth.h)
 * over an in-memory registry: direct admins, groups, nested groups, cycles, the depth bound,
 * permission bits, create authorities, key lookup, clear and hashed secrets, and the HS_SECKEY
 * challenge-answer forms against independently computed MACs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/crypto.h"
#include "base/wbuf.h"
#include "core/auth.h"
#include "reg.h"

static struct reg *R;

/* value helpers: data kept in static buffers per call site */
static struct value
mkval(uint32_t index, const char *type, struct slice data)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.ttl = 86400;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = slice_cstr(type);
	v.data = data;
	return v;
}

static struct slice
admin_data(uint8_t *buf, size_t cap, uint16_t perms, const char *h, uint32_t idx)
{
	struct value_admin a = {perms, slice_cstr(h), idx};
	struct wbuf w;

	wbuf_init(&w, buf, cap);
	value_admin_encode(&w, &a);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	return wbuf_slice(&w);
}

static struct slice
vlist_data(uint8_t *buf, size_t cap, const struct value_ref *refs, size_t n)
{
	struct wbuf w;

	wbuf_init(&w, buf, cap);
	value_vlist_encode(&w, refs, n);
	assert_int_equal(wbuf_error(&w), IDR_OK);
	return wbuf_slice(&w);
}

static void
create(struct reg_wtxn *t, const char *h, const struct value *v, size_t n)
{
	assert_int_equal(reg_create(t, slice_cstr(h), REC_KIND_NONE, v, n, 0, NULL), IDR_OK);
}

/*
 * Node 88.100, prefix 88.100.1 (its prefix handle names 0.NA/88.100.1:300, made by the
 * registry). Records:
 *  88.100.1/rec    HS_ADMIN(ADD_VALUE|MODIFY_VALUE -> 88.100.1/alice:300),
 *                  HS_ADMIN(ALL -> 88.100.1/group:200)
 *  88.100.1/group  200 HS_VLIST [88.100.1/bob:300, 88.100.1/inner:200]
 *  88.100.1/inner  200 HS_VLIST [88.100.1/carol:300, 88.100.1/group:200 (a cycle)]
 *  88.100.1/deep0..9: a chain of groups, deep9 lists dave
 *  88.100.1/deeprec  HS_ADMIN(ALL -> deep0:200)
 *  88.100.1/alice  300 HS_SECKEY "pw" ; 88.100.1/hashed 300 HS_SECKEY hex(sha1("pw2"))
 *  0.NA/88.100.1 gets 300 HS_VLIST [88.100.1/alice:300] (group of the prefix admins)
 */
static int
setup(void **state)
{
	struct reg_opts o;
	struct reg_wtxn *t;
	uint8_t b1[256], b2[256], b3[256];
	struct value v[3];
	char name[64], next[64];
	(void)state;

	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&R, &o, "88.100", "test"), IDR_OK);
	assert_int_equal(reg_write_begin(R, "test", &t), IDR_OK);
	assert_int_equal(
	        reg_prefix_add(t, SLICE_LIT("88.100.1"), SLICE_LIT("t"), PFX_ENABLED, NULL),
	        IDR_OK);

	v[0] = mkval(100, "HS_ADMIN",
	             admin_data(b1, sizeof(b1), VALUE_ADMIN_ADD_VALUE | VALUE_ADMIN_MODIFY_VALUE,
	                        "88.100.1/alice", 300));
	v[1] = mkval(101, "HS_ADMIN",
	             admin_data(b2, sizeof(b2), VALUE_ADMIN_ALL, "88.100.1/group", 200));
	v[2] = mkval(1, "URL", SLICE_LIT("https://example.com/"));
	create(t, "88.100.1/rec", v, 3);
	{
		struct value_ref g[2] = {{SLICE_LIT("88.100.1/bob"), 300},
		                         {SLICE_LIT("88.100.1/inner"), 200}};
		struct value_ref in[2] = {{SLICE_LIT("88.100.1/carol"), 300},
		                          {SLICE_LIT("88.100.1/group"), 200}};

		v[0] = mkval(200, "HS_VLIST", vlist_data(b1, sizeof(b1), g, 2));
		create(t, "88.100.1/group", v, 1);
		v[0] = mkval(200, "HS_VLIST", vlist_data(b1, sizeof(b1), in, 2));
		create(t, "88.100.1/inner", v, 1);
	}
	for (int i = 0; i < 10; i++) {
		struct value_ref r;

		snprintf(name, sizeof(name), "88.100.1/deep%d", i);
		snprintf(next, sizeof(next), i < 9 ? "88.100.1/deep%d" : "88.100.1/dave", i + 1);
		r.handle = slice_cstr(next);
		r.index = i < 9 ? 200 : 300;
		v[0] = mkval(200, "HS_VLIST", vlist_data(b1, sizeof(b1), &r, 1));
		create(t, name, v, 1);
	}
	v[0] = mkval(100, "HS_ADMIN",
	             admin_data(b1, sizeof(b1), VALUE_ADMIN_ALL, "88.100.1/deep0", 200));
	create(t, "88.100.1/deeprec", v, 1);
	v[0] = mkval(300, "HS_SECKEY", SLICE_LIT("pw"));
	create(t, "88.100.1/alice", v, 1);
	{
		uint8_t sha[CRYPTO_SHA1_LEN];
		static char hex[2 * CRYPTO_SHA1_LEN + 1];

		assert_int_equal(crypto_hash(CRYPTO_SHA1, "pw2", 3, sha), IDR_OK);
		crypto_hex(sha, sizeof(sha), hex);
		v[0] = mkval(300, "HS_SECKEY", slice_cstr(hex));
		create(t, "88.100.1/hashed", v, 1);
	}
	v[0] = mkval(1, "URL", SLICE_LIT("x"));
	create(t, "88.100.1/nokey", v, 1);
	{
		struct value_ref a = {SLICE_LIT("88.100.1/alice"), 300};
		enum reg_outcome oc;

		v[0] = mkval(300, "HS_VLIST", vlist_data(b3, sizeof(b3), &a, 1));
		assert_int_equal(reg_set_values(t, SLICE_LIT("0.NA/88.100.1"), v, 1, &oc), IDR_OK);
		assert_int_equal(oc, REG_CREATED);
	}
	assert_int_equal(reg_write_commit(t), IDR_OK);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	reg_close(R);
	return 0;
}

static int
allowed(const char *who, const char *handle, uint16_t need)
{
	struct reg_rtxn *t;
	struct auth_id id;
	int rc;

	assert_int_equal(auth_id_parse(slice_cstr(who), &id), IDR_OK);
	assert_int_equal(reg_read_begin(R, &t), IDR_OK);
	rc = auth_allowed(t, &id, slice_cstr(handle), need);
	reg_read_end(t);
	return rc;
}

static void
test_id_parse(void **state)
{
	static const struct {
		const char *in;
		int rc;
		uint32_t index;
		const char *handle;
	} cases[] = {
	        {"300:88.100.1/ADMIN", IDR_OK, 300, "88.100.1/ADMIN"},
	        {"1:0.NA/88", IDR_OK, 1, "0.NA/88"},
	        {"2147483647:a/b", IDR_OK, 2147483647u, "a/b"},
	        {"2147483648:a/b", IDR_EINVAL, 0, NULL},
	        {"0:a/b", IDR_EINVAL, 0, NULL},
	        {"300:", IDR_EINVAL, 0, NULL},
	        {":a/b", IDR_EINVAL, 0, NULL},
	        {"a/b", IDR_EINVAL, 0, NULL},
	        {"-3:a/b", IDR_EINVAL, 0, NULL},
	        {"30x:a/b", IDR_EINVAL, 0, NULL},
	        {"00000000300:a/b", IDR_EINVAL, 0, NULL}, /* 11 digits */
	        {"300:a:b", IDR_OK, 300, "a:b"},          /* the handle may hold a colon */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct auth_id id;
		int rc = auth_id_parse(slice_cstr(cases[i].in), &id);

		assert_int_equal(rc, cases[i].rc);
		if (rc == IDR_OK) {
			char buf[AUTH_ID_MAX];

			assert_int_equal(id.index, cases[i].index);
			assert_true(slice_caseeq_cstr(id.handle, cases[i].handle));
			assert_string_equal(auth_id_format(&id, buf, sizeof(buf)), cases[i].in);
		}
	}
}

static void
test_direct_and_bits(void **state)
{
	(void)state;
	assert_int_equal(allowed("300:88.100.1/alice", "88.100.1/rec", VALUE_ADMIN_ADD_VALUE),
	                 IDR_OK);
	assert_int_equal(allowed("300:88.100.1/ALICE", "88.100.1/REC", VALUE_ADMIN_MODIFY_VALUE),
	                 IDR_OK); /* case-insensitive handles */
	assert_int_equal(allowed("300:88.100.1/alice", "88.100.1/rec",
	                         VALUE_ADMIN_ADD_VALUE | VALUE_ADMIN_MODIFY_VALUE),
	                 IDR_OK);
	/* a bit alice's value does not grant, and every bit must be granted by one value */
	assert_int_equal(allowed("300:88.100.1/alice", "88.100.1/rec", VALUE_ADMIN_DELETE_HANDLE),
	                 IDR_EDENIED);
	assert_int_equal(allowed("300:88.100.1/alice", "88.100.1/rec",
	                         VALUE_ADMIN_ADD_VALUE | VALUE_ADMIN_REMOVE_VALUE),
	                 IDR_EDENIED);
	/* another index of the same handle is another identity */
	assert_int_equal(allowed("301:88.100.1/alice", "88.100.1/rec", VALUE_ADMIN_ADD_VALUE),
	                 IDR_EDENIED);
	/* absent record grants nothing */
	assert_int_equal(allowed("300:88.100.1/alice", "88.100.1/none", VALUE_ADMIN_ADD_VALUE),
	                 IDR_EDENIED);
}

static void
test_groups(void **state)
{
	(void)state;
	/* bob is in group; carol in inner, which is in group; inner lists group back (cycle) */
	assert_int_equal(allowed("300:88.100.1/bob", "88.100.1/rec", VALUE_ADMIN_DELETE_HANDLE),
	                 IDR_OK);
	assert_int_equal(allowed("300:88.100.1/carol", "88.100.1/rec", VALUE_ADMIN_ALL), IDR_OK);
	assert_int_equal(allowed("300:88.100.1/mallory", "88.100.1/rec", VALUE_ADMIN_ADD_VALUE),
	                 IDR_EDENIED); /* terminates despite the cycle */
	/* the group reference itself (the group's own key) is an admin too */
	assert_int_equal(allowed("200:88.100.1/group", "88.100.1/rec", VALUE_ADMIN_ADD_VALUE),
	                 IDR_OK);
	/* dave is 10 groups deep: beyond AUTH_GROUP_DEPTH */
	assert_true(AUTH_GROUP_DEPTH < 10);
	assert_int_equal(allowed("300:88.100.1/dave", "88.100.1/deeprec", VALUE_ADMIN_ADD_VALUE),
	                 IDR_EDENIED);
	/* a member AUTH_GROUP_DEPTH - 1 levels down is found */
	{
		char who[64];

		snprintf(who, sizeof(who), "200:88.100.1/deep%d", AUTH_GROUP_DEPTH - 1);
		assert_int_equal(allowed(who, "88.100.1/deeprec", VALUE_ADMIN_ADD_VALUE), IDR_OK);
	}
}

static void
test_create_authority(void **state)
{
	static const struct {
		const char *handle;
		const char *authority;
		uint16_t need;
	} cases[] = {
	        {"88.100.1/x", "0.NA/88.100.1", VALUE_ADMIN_ADD_HANDLE},
	        {"88.100.1/a/b", "0.NA/88.100.1", VALUE_ADMIN_ADD_HANDLE},
	        {"0.NA/88.100.2", "0.NA/88.100", VALUE_ADMIN_ADD_NA},
	        {"0.NA/88", "0.NA/88", VALUE_ADMIN_ADD_NA},
	};
	char out[64];
	uint16_t need;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		        auth_create_authority(slice_cstr(cases[i].handle), out, sizeof(out), &need),
		        IDR_OK);
		assert_string_equal(out, cases[i].authority);
		assert_int_equal(need, cases[i].need);
	}
	assert_int_not_equal(auth_create_authority(SLICE_LIT("noslash"), out, sizeof(out), &need),
	                     IDR_OK);
	/* alice is in the prefix handle's group at index 300, which its HS_ADMIN names */
	assert_int_equal(allowed("300:88.100.1/alice", "0.NA/88.100.1", VALUE_ADMIN_ADD_HANDLE),
	                 IDR_OK);
	assert_int_equal(allowed("300:88.100.1/bob", "0.NA/88.100.1", VALUE_ADMIN_ADD_HANDLE),
	                 IDR_EDENIED);
}

static void
test_value_perm(void **state)
{
	(void)state;
	assert_int_equal(auth_value_perm(VALUE_ADMIN_ADD_VALUE, SLICE_LIT("URL")),
	                 VALUE_ADMIN_ADD_VALUE);
	assert_int_equal(auth_value_perm(VALUE_ADMIN_ADD_VALUE, SLICE_LIT("hs_admin")),
	                 VALUE_ADMIN_ADD_ADMIN);
	assert_int_equal(auth_value_perm(VALUE_ADMIN_MODIFY_VALUE, SLICE_LIT("HS_ADMIN")),
	                 VALUE_ADMIN_MODIFY_ADMIN);
	assert_int_equal(auth_value_perm(VALUE_ADMIN_REMOVE_VALUE, SLICE_LIT("HS_ADMIN")),
	                 VALUE_ADMIN_REMOVE_ADMIN);
	assert_int_equal(auth_value_perm(VALUE_ADMIN_REMOVE_VALUE, SLICE_LIT("HS_ADMINX")),
	                 VALUE_ADMIN_REMOVE_VALUE);
}

static void
test_keys_and_secrets(void **state)
{
	struct reg_rtxn *t;
	struct auth_id id;
	enum auth_key_kind kind;
	struct slice key;
	(void)state;

	assert_int_equal(reg_read_begin(R, &t), IDR_OK);
	assert_int_equal(auth_id_parse(SLICE_LIT("300:88.100.1/alice"), &id), IDR_OK);
	assert_int_equal(auth_key_get(t, &id, &kind, &key), IDR_OK);
	assert_int_equal(kind, AUTH_KEY_SEC);
	assert_true(auth_secret_match(key, SLICE_LIT("pw")));
	assert_false(auth_secret_match(key, SLICE_LIT("pW")));
	assert_false(auth_secret_match(key, SLICE_LIT("pw ")));
	assert_false(auth_secret_match(key, SLICE_LIT("")));
	assert_int_equal(auth_id_parse(SLICE_LIT("300:88.100.1/hashed"), &id), IDR_OK);
	assert_int_equal(auth_key_get(t, &id, &kind, &key), IDR_OK);
	assert_true(auth_secret_match(key, SLICE_LIT("pw2"))); /* stored as hex(SHA-1) */
	assert_true(auth_secret_match(key, key));              /* Handle.Net's hashed form */
	assert_false(auth_secret_match(key, SLICE_LIT("pw3")));
	assert_int_equal(auth_id_parse(SLICE_LIT("1:88.100.1/nokey"), &id), IDR_OK);
	assert_int_equal(auth_key_get(t, &id, &kind, &key), IDR_EINVAL); /* a URL is no key */
	assert_int_equal(auth_id_parse(SLICE_LIT("300:88.100.1/nokey"), &id), IDR_OK);
	assert_int_equal(auth_key_get(t, &id, &kind, &key), IDR_ENOENT);
	assert_int_equal(auth_id_parse(SLICE_LIT("300:88.100.1/none"), &id), IDR_OK);
	assert_int_equal(auth_key_get(t, &id, &kind, &key), IDR_ENOENT);
	reg_read_end(t);
}

static void
test_node_admin(void **state)
{
	struct cfg_list l;
	struct auth_id id;
	char a[] = "300:0.NA/88.100", b[] = "garbage";
	(void)state;

	memset(&l, 0, sizeof(l));
	l.v[0] = b;
	l.v[1] = a;
	l.n = 2;
	assert_int_equal(auth_id_parse(SLICE_LIT("300:0.na/88.100"), &id), IDR_OK);
	assert_true(auth_is_node_admin(&l, &id));
	assert_int_equal(auth_id_parse(SLICE_LIT("301:0.NA/88.100"), &id), IDR_OK);
	assert_false(auth_is_node_admin(&l, &id));
	assert_false(auth_is_node_admin(NULL, &id));
}

/* SHA1(key ‖ nonce ‖ digest ‖ key) computed here with one buffer, against auth's streaming */
static void
test_seckey_sha1(void **state)
{
	uint8_t nonce[16], digest[32], mac[1 + CRYPTO_SHA1_LEN], buf[64];
	(void)state;

	for (size_t i = 0; i < sizeof(nonce); i++) {
		nonce[i] = (uint8_t)i;
	}
	memset(digest, 0xAB, sizeof(digest));
	memcpy(buf, "k1", 2);
	memcpy(buf + 2, nonce, 16);
	memcpy(buf + 18, digest, 32);
	memcpy(buf + 50, "k1", 2);
	mac[0] = 0x02;
	assert_int_equal(crypto_hash(CRYPTO_SHA1, buf, 52, mac + 1), IDR_OK);
	assert_int_equal(auth_seckey_verify(SLICE_LIT("k1"), slice_make(mac, sizeof(mac)),
	                                    slice_make(nonce, 16), slice_make(digest, 32)),
	                 IDR_OK);
	assert_int_equal(auth_seckey_verify(SLICE_LIT("k2"), slice_make(mac, sizeof(mac)),
	                                    slice_make(nonce, 16), slice_make(digest, 32)),
	                 IDR_EAUTH);
	mac[5] ^= 1;
	assert_int_equal(auth_seckey_verify(SLICE_LIT("k1"), slice_make(mac, sizeof(mac)),
	                                    slice_make(nonce, 16), slice_make(digest, 32)),
	                 IDR_EAUTH);
	/* every truncation of the answer */
	for (size_t n = 0; n < sizeof(mac); n++) {
		int rc = auth_seckey_verify(SLICE_LIT("k1"), slice_make(mac, n),
		                            slice_make(nonce, 16), slice_make(digest, 32));

		assert_true(rc == IDR_EPROTO || rc == IDR_EAUTH);
	}
	mac[0] = 0x07;
	assert_int_equal(auth_seckey_verify(SLICE_LIT("k1"), slice_make(mac, sizeof(mac)),
	                                    slice_make(nonce, 16), slice_make(digest, 32)),
	                 IDR_EPROTO);
}

/* PBKDF2 form: values from RFC 6070 test 2 (P="password", S="salt", c=2, 20 bytes). */
static void
test_seckey_pbkdf2(void **state)
{
	static const uint8_t dk[20] = {0xea, 0x6c, 0x01, 0x4d, 0xc7, 0x2d, 0x6f, 0x8c, 0xcd, 0x1e,
	                               0xd9, 0x2a, 0xce, 0x1d, 0x41, 0xf0, 0xd8, 0xde, 0x89, 0x57};
	uint8_t nonce[16] = {1}, digest[20] = {2}, msg[36], hm[CRYPTO_SHA1_LEN];
	uint8_t ans[1 + 4 + 4 + 4 + 4 + 4 + 20 + 1];
	struct wbuf w;
	(void)state;

	memcpy(msg, nonce, 16);
	memcpy(msg + 16, digest, 20);
	assert_int_equal(crypto_hmac(CRYPTO_SHA1, dk, sizeof(dk), msg, sizeof(msg), hm), IDR_OK);
	wbuf_init(&w, ans, sizeof(ans));
	wbuf_u8(&w, 0x22);
	wbuf_u32(&w, 4);
	wbuf_bytes(&w, "salt", 4);
	wbuf_u32(&w, 2);
	wbuf_u32(&w, 160);
	wbuf_u32(&w, sizeof(hm));
	wbuf_bytes(&w, hm, sizeof(hm));
	assert_int_equal(wbuf_error(&w), IDR_OK);
	assert_int_equal(auth_seckey_verify(SLICE_LIT("password"), wbuf_slice(&w),
	                                    slice_make(nonce, 16), slice_make(digest, 20)),
	                 IDR_OK);
	assert_int_equal(auth_seckey_verify(SLICE_LIT("passwore"), wbuf_slice(&w),
	                                    slice_make(nonce, 16), slice_make(digest, 20)),
	                 IDR_EAUTH);
	for (size_t n = 1; n < wbuf_len(&w); n++) {
		assert_int_equal(auth_seckey_verify(SLICE_LIT("password"), slice_make(ans, n),
		                                    slice_make(nonce, 16), slice_make(digest, 20)),
		                 IDR_EPROTO);
	}
	/* a trailing byte, and iterations over the bound */
	wbuf_u8(&w, 0);
	assert_int_equal(auth_seckey_verify(SLICE_LIT("password"), wbuf_slice(&w),
	                                    slice_make(nonce, 16), slice_make(digest, 20)),
	                 IDR_EPROTO);
	ans[1 + 4 + 4 + 0] = 0x7F;
	assert_int_equal(auth_seckey_verify(SLICE_LIT("password"),
	                                    slice_make(ans, wbuf_len(&w) - 1),
	                                    slice_make(nonce, 16), slice_make(digest, 20)),
	                 IDR_ELIMIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_id_parse),
	        cmocka_unit_test_setup_teardown(test_direct_and_bits, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_create_authority, setup, teardown),
	        cmocka_unit_test(test_value_perm),
	        cmocka_unit_test_setup_teardown(test_keys_and_secrets, setup, teardown),
	        cmocka_unit_test(test_node_admin),
	        cmocka_unit_test(test_seckey_sha1),
	        cmocka_unit_test(test_seckey_pbkdf2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
