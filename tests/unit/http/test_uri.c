/* test_uri.c - request-target parsing: percent-decoding, query parameters, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/uri.h"

#define CAP 16

static struct uri_param params[CAP];
static uint8_t scratch[URI_MAX_TARGET + 16];

static int
parse(struct uri_target *t, const char *s)
{
	return uri_parse(t, s, strlen(s), params, CAP, scratch, sizeof(scratch));
}

static void
assert_slice(struct slice s, const char *want)
{
	size_t n = strlen(want);

	if (s.len != n || (n > 0 && memcmp(s.p, want, n) != 0)) {
		fail_msg("got '%.*s', want '%s'", (int)s.len, (const char *)s.p, want);
	}
}

static void
test_uri_query(void **state)
{
	struct uri_target t;

	(void)state;
	assert_int_equal(parse(&t, "/x?a=1&a=2&&b=&c&d=%3D%26&e==f&q=a+b%20c%2B&"), IDR_OK);
	assert_int_equal(t.nparams, 7);
	assert_slice(t.params[0].key, "a");
	assert_slice(t.params[0].value, "1");
	assert_true(t.params[0].has_value);
	assert_slice(t.params[1].value, "2");
	assert_slice(t.params[2].key, "b");
	assert_slice(t.params[2].value, "");
	assert_true(t.params[2].has_value);
	assert_slice(t.params[3].key, "c");
	assert_slice(t.params[3].value, "true");
	assert_false(t.params[3].has_value);
	assert_slice(t.params[4].value, "=&");
	assert_slice(t.params[5].key, "e");
	assert_slice(t.params[5].value, "=f");
	assert_slice(t.params[6].value, "a b c+");
	assert_int_equal(uri_param_count(&t, "a"), 2);
	assert_int_equal(uri_param_count(&t, "A"), 0);
	assert_int_equal(uri_param_count(&t, "zz"), 0);
	assert_slice(uri_param_get(&t, "a")->value, "1");
	assert_null(uri_param_get(&t, "zz"));

	/* a bare '?' and a query of only separators give no parameter */
	assert_int_equal(parse(&t, "/x?"), IDR_OK);
	assert_int_equal(t.nparams, 0);
	assert_int_equal(parse(&t, "/x?&&&"), IDR_OK);
	assert_int_equal(t.nparams, 0);
	/* '?' inside the query is data */
	assert_int_equal(parse(&t, "/x?u=http://a/?b=c"), IDR_OK);
	assert_slice(t.params[0].value, "http://a/?b=c");
	/* key decoding: '+' and escapes */
	assert_int_equal(parse(&t, "/x?a%62+c=1"), IDR_OK);
	assert_slice(t.params[0].key, "ab c");
}

struct bad_case {
	const char *target;
	int rc;
};

static void
test_uri_malformed(void **state)
{
	static const struct bad_case cases[] = {
	        {"", IDR_EPROTO},
	        {"x", IDR_EPROTO},
	        {"*", IDR_EPROTO},
	        {"?a=1", IDR_EPROTO},
	        {"/a b", IDR_EPROTO},
	        {"/a#b", IDR_EPROTO},
	        {"/a?b#c", IDR_EPROTO},
	        {"/a\x01", IDR_EPROTO},
	        {"/a\x7f", IDR_EPROTO},
	        {"/a\x80", IDR_EPROTO},
	        {"/\xE4\xB8\xAD", IDR_EPROTO},
	        {"/%", IDR_EPROTO},
	        {"/%4", IDR_EPROTO},
	        {"/%G0", IDR_EPROTO},
	        {"/%0G", IDR_EPROTO},
	        {"/%%41", IDR_EPROTO},
	        {"/% 1", IDR_EPROTO},
	        {"/%00", IDR_EPROTO},
	        {"/x?a=%00", IDR_EPROTO},
	        {"/x?%00=1", IDR_EPROTO},
	        {"/x?a=%", IDR_EPROTO},
	        {"/x?a=%a", IDR_EPROTO},
	        {"/x?%=1", IDR_EPROTO},
	        {"/x?=1", IDR_EPROTO},
	        {"/x?a&=1", IDR_EPROTO},
	        {"/%C0%80", IDR_EUTF8},
	        {"/%C1%BF", IDR_EUTF8},
	        {"/%E0%80%80", IDR_EUTF8},
	        {"/%ED%A0%80", IDR_EUTF8},
	        {"/%F4%90%80%80", IDR_EUTF8},
	        {"/%F5%80%80%80", IDR_EUTF8},
	        {"/%FF", IDR_EUTF8},
	        {"/%80", IDR_EUTF8},
	        {"/x?a=%E4%B8", IDR_EUTF8},
	        {"/x?%E4=1", IDR_EUTF8},
	        {"http://", IDR_EPROTO},
	        {"http:///x", IDR_EPROTO},
	        {"http://?x", IDR_EPROTO},
	        {"ftp://h/x", IDR_EPROTO},
	};
	struct uri_target t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(&t, cases[i].target);

		if (rc != cases[i].rc) {
			fail_msg("'%s': got %d, want %d", cases[i].target, rc, cases[i].rc);
		}
		assert_non_null(t.why);
	}
}

/* Every truncation of a target made of escapes: mid-escape is EPROTO, mid-UTF-8 EUTF8. */
static void
test_uri_truncations(void **state)
{
	static const char path[] = "/%E4%B8%AD";
	static const int want_path[] = {IDR_EPROTO, IDR_OK,     IDR_EPROTO, IDR_EPROTO,
	                                IDR_EUTF8,  IDR_EPROTO, IDR_EPROTO, IDR_EUTF8,
	                                IDR_EPROTO, IDR_EPROTO, IDR_OK};
	static const char query[] = "/x?k%41=v%C3%A9";
	/* lengths 0..15: "/x?k" ok, "%" "%4" bad, "%41" ok, "=" "v" ok, "%" "%C" bad,
	 * "%C3" lone lead byte, "%" "%A" bad, "%A9" ok */
	static const int want_query[] = {IDR_EPROTO, IDR_OK,     IDR_OK,     IDR_OK,
	                                 IDR_OK,     IDR_EPROTO, IDR_EPROTO, IDR_OK,
	                                 IDR_OK,     IDR_OK,     IDR_EPROTO, IDR_EPROTO,
	                                 IDR_EUTF8,  IDR_EPROTO, IDR_EPROTO, IDR_OK};
	struct uri_target t;
	size_t n;

	(void)state;
	assert_int_equal(sizeof(want_path) / sizeof(want_path[0]), sizeof(path));
	for (n = 0; n < sizeof(path); n++) {
		int rc = uri_parse(&t, path, n, params, CAP, scratch, sizeof(scratch));

		if (rc != want_path[n]) {
			fail_msg("'%.*s': got %d, want %d", (int)n, path, rc, want_path[n]);
		}
	}
	assert_int_equal(sizeof(want_query) / sizeof(want_query[0]), sizeof(query));
	for (n = 0; n < sizeof(query); n++) {
		int rc = uri_parse(&t, query, n, params, CAP, scratch, sizeof(scratch));

		if (rc != want_query[n]) {
			fail_msg("'%.*s': got %d, want %d", (int)n, query, rc, want_query[n]);
		}
	}
	/* the complete query: key "kA", value "vé" */
	assert_int_equal(parse(&t, query), IDR_OK);
	assert_slice(t.params[0].key, "kA");
	assert_slice(t.params[0].value, "v\xC3\xA9");
}

static void
test_uri_limits(void **state)
{
	char *big = malloc(URI_MAX_TARGET + 2);
	char key[URI_MAX_KEY + 8];
	struct uri_target t;
	uint8_t small[8];

	(void)state;
	assert_non_null(big);
	/* the target: URI_MAX_TARGET bytes accepted, one more refused */
	big[0] = '/';
	memset(big + 1, 'a', URI_MAX_TARGET);
	assert_int_equal(uri_parse(&t, big, URI_MAX_TARGET, params, CAP, scratch, sizeof(scratch)),
	                 IDR_OK);
	assert_int_equal(t.path.len, URI_MAX_TARGET);
	assert_int_equal(
	        uri_parse(&t, big, URI_MAX_TARGET + 1, params, CAP, scratch, sizeof(scratch)),
	        IDR_ELIMIT);
	free(big);

	/* a key of URI_MAX_KEY bytes accepted, one more refused */
	key[0] = '/';
	key[1] = '?';
	memset(key + 2, 'k', URI_MAX_KEY);
	key[2 + URI_MAX_KEY] = '\0';
	assert_int_equal(parse(&t, key), IDR_OK);
	assert_int_equal(t.params[0].key.len, URI_MAX_KEY);
	key[2 + URI_MAX_KEY] = 'k';
	key[3 + URI_MAX_KEY] = '\0';
	assert_int_equal(parse(&t, key), IDR_ELIMIT);

	/* the parameter array: cap parameters accepted, one more refused */
	assert_int_equal(uri_parse(&t, "/x?a&b&c&d", 10, params, 4, scratch, sizeof(scratch)),
	                 IDR_OK);
	assert_int_equal(t.nparams, 4);
	assert_int_equal(uri_parse(&t, "/x?a&b&c&d&e", 12, params, 4, scratch, sizeof(scratch)),
	                 IDR_ELIMIT);
	assert_int_equal(uri_parse(&t, "/x?a", 4, params, 0, scratch, sizeof(scratch)), IDR_ELIMIT);

	/* scratch smaller than the decoded bytes */
	assert_int_equal(uri_parse(&t, "/abcdefghij", 11, params, CAP, small, sizeof(small)),
	                 IDR_ETOOBIG);
	/* scratch of exactly the target's length always suffices */
	assert_int_equal(uri_parse(&t, "/a?b=c&d", 8, params, CAP, small, 8), IDR_OK);
}

static void
test_uri_param_bool(void **state)
{
	static const char *const yes[] = {"/x?p",   "/x?p=",    "/x?p=true", "/x?p=TRUE",
	                                  "/x?p=1", "/x?p=yes", "/x?p=on"};
	static const char *const no[] = {"/x?p=false", "/x?p=False", "/x?p=0", "/x?p=no",
	                                 "/x?p=off"};
	struct uri_target t;
	bool b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		assert_int_equal(parse(&t, yes[i]), IDR_OK);
		assert_int_equal(uri_param_bool(&t, "p", false, &b), IDR_OK);
		assert_true(b);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = true;
		assert_int_equal(parse(&t, no[i]), IDR_OK);
		assert_int_equal(uri_param_bool(&t, "p", true, &b), IDR_OK);
		assert_false(b);
	}
	assert_int_equal(parse(&t, "/x?q=1"), IDR_OK);
	b = false;
	assert_int_equal(uri_param_bool(&t, "p", true, &b), IDR_OK);
	assert_true(b);
	assert_int_equal(uri_param_bool(&t, "p", false, &b), IDR_OK);
	assert_false(b);
	assert_int_equal(parse(&t, "/x?p=maybe"), IDR_OK);
	b = true;
	assert_int_equal(uri_param_bool(&t, "p", false, &b), IDR_EINVAL);
	assert_true(b);
}

static void
test_uri_param_u64(void **state)
{
	struct uri_target t;
	uint64_t v = 7;

	(void)state;
	assert_int_equal(parse(&t, "/x?i=42&j=&k=-1&l=4294967296&m=1x&n"), IDR_OK);
	assert_int_equal(uri_param_u64(&t.params[0], 0, UINT32_MAX, &v), IDR_OK);
	assert_int_equal(v, 42);
	assert_int_equal(uri_param_u64(&t.params[1], 0, UINT32_MAX, &v), IDR_EINVAL);
	assert_int_equal(uri_param_u64(&t.params[2], 0, UINT32_MAX, &v), IDR_EINVAL);
	assert_int_equal(uri_param_u64(&t.params[3], 0, UINT32_MAX, &v), IDR_ELIMIT);
	assert_int_equal(uri_param_u64(&t.params[4], 0, UINT32_MAX, &v), IDR_EINVAL);
	assert_int_equal(uri_param_u64(&t.params[5], 0, UINT32_MAX, &v), IDR_EINVAL);
	assert_int_equal(v, 42);
}

static void
test_uri_jsonp(void **state)
{
	static const char *const good[] = {"cb",  "$",       "_",          "a1",
	                                   "a.b", "$.x._y1", "jQuery1_23", "A$b"};
	static const char *const bad[] = {"",     "1a",       "a..b", "a.",          ".a",
	                                  "a-b",  "a(b)",     "a;b",  "a b",         "<x>",
	                                  "a[0]", "alert(1)", "a\"b", "\xE4\xB8\xAD"};
	char name[URI_MAX_JSONP + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!uri_jsonp_valid(slice_cstr(good[i]))) {
			fail_msg("'%s' should be a valid callback", good[i]);
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (uri_jsonp_valid(slice_cstr(bad[i]))) {
			fail_msg("'%s' should be refused", bad[i]);
		}
	}
	memset(name, 'a', sizeof(name));
	assert_true(uri_jsonp_valid(slice_make(name, URI_MAX_JSONP)));
	assert_false(uri_jsonp_valid(slice_make(name, URI_MAX_JSONP + 1)));
}

static void
test_uri_encode(void **state)
{
	uint8_t buf[128];
	struct wbuf w;

	(void)state;
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(uri_encode(&w, SLICE_LIT("a/b c%\xE4\xB8\xAD-._~?#&"), true), IDR_OK);
	assert_slice(wbuf_slice(&w), "a/b%20c%25%E4%B8%AD-._~%3F%23%26");
	wbuf_reset(&w);
	assert_int_equal(uri_encode(&w, SLICE_LIT("a/b"), false), IDR_OK);
	assert_slice(wbuf_slice(&w), "a%2Fb");
	/* what is encoded decodes back to the same bytes */
	{
		struct uri_target t;
		char target[160];

		wbuf_reset(&w);
		assert_int_equal(uri_encode(&w, SLICE_LIT("88.118.8/x y+z/\xC3\xA9"), true),
		                 IDR_OK);
		snprintf(target, sizeof(target), "/%.*s", (int)w.len, (const char *)w.p);
		assert_int_equal(parse(&t, target), IDR_OK);
		assert_slice(t.path, "/88.118.8/x y+z/\xC3\xA9");
	}
	/* out of room is an error, not a truncation */
	wbuf_init(&w, buf, 4);
	assert_int_equal(uri_encode(&w, SLICE_LIT("abc "), true), IDR_ETOOBIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_uri_query),       cmocka_unit_test(test_uri_malformed),
	        cmocka_unit_test(test_uri_truncations), cmocka_unit_test(test_uri_limits),
	        cmocka_unit_test(test_uri_param_bool),  cmocka_unit_test(test_uri_param_u64),
	        cmocka_unit_test(test_uri_jsonp),       cmocka_unit_test(test_uri_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
