/* test_addr.c - address syntax: parsing and formatting (hdl/addr.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "hdl/addr.h"

struct valid_case {
	const char *text;
	int family;
	uint16_t port;
	const char *formatted; /* addr_format of the result */
};

static const struct valid_case valid[] = {
        {"1.2.3.4:2641", AF_INET, 2641, "1.2.3.4:2641"},
        {"0.0.0.0:0", AF_INET, 0, "0.0.0.0:0"},
        {"255.255.255.255:65535", AF_INET, 65535, "255.255.255.255:65535"},
        {"127.0.0.1:1", AF_INET, 1, "127.0.0.1:1"},
        {"1.2.3.4:00080", AF_INET, 80, "1.2.3.4:80"},
        {"localhost:0", AF_INET, 0, "127.0.0.1:0"},
        {"localhost:8000", AF_INET, 8000, "127.0.0.1:8000"},
        {"*:2641", AF_INET, 2641, "0.0.0.0:2641"},
        {"[::1]:2641", AF_INET6, 2641, "[::1]:2641"},
        {"[::]:0", AF_INET6, 0, "[::]:0"},
        {"[2001:db8::1]:80", AF_INET6, 80, "[2001:db8::1]:80"},
        {"[2001:DB8:0:0:0:0:0:1]:80", AF_INET6, 80, "[2001:db8::1]:80"},
        {"[::ffff:1.2.3.4]:1", AF_INET6, 1, "[::ffff:1.2.3.4]:1"},
        {"[fe80::1]:65535", AF_INET6, 65535, "[fe80::1]:65535"},
};

struct bad_case {
	const char *text;
	const char *why; /* a substring of the message */
};

static const struct bad_case bad[] = {
        {"", "empty"},
        {"1.2.3.4", "missing :port"},
        {"1.2.3.4:", "missing port"},
        {"1.2.3.4:65536", "out of range"},
        {"1.2.3.4:99999999999999999999", "out of range"},
        {"1.2.3.4:000001", "out of range"},
        {"1.2.3.4:-1", "decimal"},
        {"1.2.3.4:+1", "decimal"},
        {"1.2.3.4:1a", "decimal"},
        {"1.2.3.4:0x10", "decimal"},
        {"1.2.3:80", "not a valid IPv4"},
        {"1.2.3.4.5:80", "not a valid IPv4"},
        {"256.1.1.1:80", "not a valid IPv4"},
        {"01.2.3.4:80", "not a valid IPv4"},
        {"1.2.3.4.:80", "not a valid IPv4"},
        {"1111111111111111.1:80", "not a valid IPv4"},
        {"example.com:80", "host names are not resolved"},
        {"localhost.:80", "host names are not resolved"},
        {"LOCALHOST:80", "host names are not resolved"},
        {"**:80", "host names are not resolved"},
        {":80", "missing address"},
        {"::1:2641", "brackets"},
        {"::1", "brackets"},
        {"[::1]", "missing :port"},
        {"[::1]2641", "expected ':'"},
        {"[::1:2641", "without ']'"},
        {"[]:80", "empty IPv6"},
        {"[fe80::1%eth0]:80", "scope"},
        {"[1.2.3.4]:80", "not a valid IPv6"},
        {"[::g]:80", "not a valid IPv6"},
        {"[*]:80", "not a valid IPv6"},
        {"[::1]:", "missing port"},
        {"[::1]:65536", "out of range"},
        {"[::1]:http", "decimal"},
        {"[0000:0000:0000:0000:0000:0000:0000:0000:1]:80", "not a valid IPv6"},
        {"[0000:0000:0000:0000:0000:0000:0000:0000:0000:00]:1", "IPv6 address too long"},
        {"*", "missing :port"},
        {" 1.2.3.4:80", "blank"},
        {"1.2.3.4:80 ", "blank"},
        {"1.2.3.4 :80", "blank"},
        {"1.2.3.4:8\t0", "blank"},
        {"1.2.3.4:\xc3\xa9"
         "80",
         "non-ASCII"},
        {"[::1]:1111111111111111111111111111111111111111111111111111111111111", "too long"},
};

static void
test_addr_parse_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct addr a;
		char text[ADDR_STRLEN];
		const char *why = NULL;

		if (addr_parse(valid[i].text, &a, &why) != IDR_OK) {
			fail_msg("%s rejected: %s", valid[i].text, why);
		}
		assert_int_equal(a.ss.ss_family, valid[i].family);
		assert_int_equal(a.len, valid[i].family == AF_INET ? sizeof(struct sockaddr_in)
		                                                   : sizeof(struct sockaddr_in6));
		assert_int_equal(addr_port(&a), valid[i].port);
		assert_int_equal(addr_format((const struct sockaddr *)&a.ss, text, sizeof(text)),
		                 IDR_OK);
		assert_string_equal(text, valid[i].formatted);
	}
}

static void
test_addr_parse_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct addr a;
		const char *why = NULL;

		memset(&a, 0x5a, sizeof(a));
		if (addr_parse(bad[i].text, &a, &why) != IDR_EINVAL) {
			fail_msg("\"%s\" accepted", bad[i].text);
		}
		assert_non_null(why);
		if (strstr(why, bad[i].why) == NULL) {
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"", bad[i].text, why,
			         bad[i].why);
		}
		/* nothing is written on error */
		assert_int_equal(((const uint8_t *)&a)[0], 0x5a);
		assert_int_equal(a.len, (socklen_t)0x5a5a5a5a);
	}
	/* NULL text and a NULL why are accepted */
	{
		struct addr a;

		assert_int_equal(addr_parse(NULL, &a, NULL), IDR_EINVAL);
		assert_int_equal(addr_parse("x", &a, NULL), IDR_EINVAL);
	}
}

/* Every proper prefix of t is rejected, except those that only shorten the port number. */
static void
check_truncations(const char *t)
{
	const char *colon = strrchr(t, ':');
	size_t n = strlen(t);
	size_t keep = colon != NULL ? (size_t)(colon - t) + 1 : n;
	char buf[ADDR_TEXT_MAX + 1];

	for (size_t k = 0; k < n && k <= keep; k++) {
		struct addr a;

		memcpy(buf, t, k);
		buf[k] = '\0';
		if (addr_parse(buf, &a, NULL) == IDR_OK) {
			fail_msg("truncation \"%s\" of %s accepted", buf, t);
		}
	}
}

static void
test_addr_parse_truncations(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		check_truncations(valid[i].text);
	}
}

static void
test_addr_helpers(void **state)
{
	struct addr a;
	struct addr b;
	struct sockaddr_un_like {
		sa_family_t family;
		char path[20];
	} un = {AF_UNIX, "x"};

	(void)state;
	assert_int_equal(addr_parse("*:1", &a, NULL), IDR_OK);
	assert_true(addr_is_wildcard(&a));
	assert_int_equal(addr_parse("[::]:1", &a, NULL), IDR_OK);
	assert_true(addr_is_wildcard(&a));
	assert_int_equal(addr_parse("[::1]:1", &a, NULL), IDR_OK);
	assert_false(addr_is_wildcard(&a));
	assert_int_equal(addr_parse("10.0.0.1:5", &a, NULL), IDR_OK);
	assert_false(addr_is_wildcard(&a));

	assert_int_equal(addr_parse("10.0.0.1:5", &b, NULL), IDR_OK);
	assert_true(addr_equal(&a, &b));
	addr_set_port(&b, 6);
	assert_int_equal(addr_port(&b), 6);
	assert_false(addr_equal(&a, &b));
	assert_int_equal(addr_parse("[::ffff:10.0.0.1]:5", &b, NULL), IDR_OK);
	assert_false(addr_equal(&a, &b)); /* different families */
	assert_int_equal(addr_parse("[::1]:5", &a, NULL), IDR_OK);
	assert_int_equal(addr_parse("[::1]:5", &b, NULL), IDR_OK);
	assert_true(addr_equal(&a, &b));
	addr_set_port(&b, 7);
	assert_false(addr_equal(&a, &b));

	/* addr_from: only IPv4/IPv6 with a full length */
	assert_int_equal(addr_from(&b, (const struct sockaddr *)&a.ss, a.len), IDR_OK);
	assert_int_equal(addr_port(&b), 5);
	assert_int_equal(addr_from(&b, (const struct sockaddr *)&a.ss, a.len - 1), IDR_EINVAL);
	assert_int_equal(addr_from(&b, (const struct sockaddr *)&un, sizeof(un)), IDR_EINVAL);
}

static void
test_addr_format_limits(void **state)
{
	struct addr a;
	char small[8];
	char exact[sizeof("[2001:db8::1]:65535")];
	struct sockaddr fam = {AF_UNIX, {0}};

	(void)state;
	assert_int_equal(addr_parse("[2001:db8::1]:65535", &a, NULL), IDR_OK);
	memset(small, 'x', sizeof(small));
	assert_int_equal(addr_format((const struct sockaddr *)&a.ss, small, sizeof(small)),
	                 IDR_ETOOBIG);
	assert_string_equal(small, "");
	assert_int_equal(addr_format((const struct sockaddr *)&a.ss, exact, sizeof(exact)), IDR_OK);
	assert_string_equal(exact, "[2001:db8::1]:65535");
	assert_int_equal(addr_format((const struct sockaddr *)&a.ss, exact, sizeof(exact) - 1),
	                 IDR_ETOOBIG);
	assert_int_equal(addr_format(&fam, exact, sizeof(exact)), IDR_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_addr_parse_valid),
	        cmocka_unit_test(test_addr_parse_rejects),
	        cmocka_unit_test(test_addr_parse_truncations),
	        cmocka_unit_test(test_addr_helpers),
	        cmocka_unit_test(test_addr_format_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
