/* test_net.c - listen address parsing and formatting, listening sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "net/net.h"

struct valid_case {
	const char *text;
	int family;
	uint16_t port;
	const char *formatted; /* net_addr_format of the result */
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
test_net_parse_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct net_addr a;
		char text[NET_ADDRSTRLEN];
		const char *why = NULL;

		if (net_addr_parse(valid[i].text, &a, &why) != IDR_OK) {
			fail_msg("%s rejected: %s", valid[i].text, why);
		}
		assert_int_equal(a.ss.ss_family, valid[i].family);
		assert_int_equal(a.len, valid[i].family == AF_INET ? sizeof(struct sockaddr_in)
		                                                   : sizeof(struct sockaddr_in6));
		assert_int_equal(net_addr_port(&a), valid[i].port);
		assert_int_equal(
		        net_addr_format((const struct sockaddr *)&a.ss, text, sizeof(text)),
		        IDR_OK);
		assert_string_equal(text, valid[i].formatted);
	}
}

static void
test_net_parse_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct net_addr a;
		const char *why = NULL;

		memset(&a, 0x5a, sizeof(a));
		if (net_addr_parse(bad[i].text, &a, &why) != IDR_EINVAL) {
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
		struct net_addr a;

		assert_int_equal(net_addr_parse(NULL, &a, NULL), IDR_EINVAL);
		assert_int_equal(net_addr_parse("x", &a, NULL), IDR_EINVAL);
	}
}

/* Every proper prefix of t is rejected, except those that only shorten the port number. */
static void
check_truncations(const char *t)
{
	const char *colon = strrchr(t, ':');
	size_t n = strlen(t);
	size_t keep = colon != NULL ? (size_t)(colon - t) + 1 : n;
	char buf[NET_ADDR_TEXT_MAX + 1];

	for (size_t k = 0; k < n && k <= keep; k++) {
		struct net_addr a;

		memcpy(buf, t, k);
		buf[k] = '\0';
		if (net_addr_parse(buf, &a, NULL) == IDR_OK) {
			fail_msg("truncation \"%s\" of %s accepted", buf, t);
		}
	}
}

static void
test_net_parse_truncations(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		check_truncations(valid[i].text);
	}
}

static void
test_net_addr_helpers(void **state)
{
	struct net_addr a;
	struct net_addr b;
	struct sockaddr_un_like {
		sa_family_t family;
		char path[20];
	} un = {AF_UNIX, "x"};

	(void)state;
	assert_int_equal(net_addr_parse("*:1", &a, NULL), IDR_OK);
	assert_true(net_addr_is_wildcard(&a));
	assert_int_equal(net_addr_parse("[::]:1", &a, NULL), IDR_OK);
	assert_true(net_addr_is_wildcard(&a));
	assert_int_equal(net_addr_parse("[::1]:1", &a, NULL), IDR_OK);
	assert_false(net_addr_is_wildcard(&a));
	assert_int_equal(net_addr_parse("10.0.0.1:5", &a, NULL), IDR_OK);
	assert_false(net_addr_is_wildcard(&a));

	assert_int_equal(net_addr_parse("10.0.0.1:5", &b, NULL), IDR_OK);
	assert_true(net_addr_equal(&a, &b));
	net_addr_set_port(&b, 6);
	assert_int_equal(net_addr_port(&b), 6);
	assert_false(net_addr_equal(&a, &b));
	assert_int_equal(net_addr_parse("[::ffff:10.0.0.1]:5", &b, NULL), IDR_OK);
	assert_false(net_addr_equal(&a, &b)); /* different families */
	assert_int_equal(net_addr_parse("[::1]:5", &a, NULL), IDR_OK);
	assert_int_equal(net_addr_parse("[::1]:5", &b, NULL), IDR_OK);
	assert_true(net_addr_equal(&a, &b));
	net_addr_set_port(&b, 7);
	assert_false(net_addr_equal(&a, &b));

	/* net_addr_from: only IPv4/IPv6 with a full length */
	assert_int_equal(net_addr_from(&b, (const struct sockaddr *)&a.ss, a.len), IDR_OK);
	assert_int_equal(net_addr_port(&b), 5);
	assert_int_equal(net_addr_from(&b, (const struct sockaddr *)&a.ss, a.len - 1), IDR_EINVAL);
	assert_int_equal(net_addr_from(&b, (const struct sockaddr *)&un, sizeof(un)), IDR_EINVAL);
}

static void
test_net_format_limits(void **state)
{
	struct net_addr a;
	char small[8];
	char exact[sizeof("[2001:db8::1]:65535")];
	struct sockaddr fam = {AF_UNIX, {0}};

	(void)state;
	assert_int_equal(net_addr_parse("[2001:db8::1]:65535", &a, NULL), IDR_OK);
	memset(small, 'x', sizeof(small));
	assert_int_equal(net_addr_format((const struct sockaddr *)&a.ss, small, sizeof(small)),
	                 IDR_ETOOBIG);
	assert_string_equal(small, "");
	assert_int_equal(net_addr_format((const struct sockaddr *)&a.ss, exact, sizeof(exact)),
	                 IDR_OK);
	assert_string_equal(exact, "[2001:db8::1]:65535");
	assert_int_equal(net_addr_format((const struct sockaddr *)&a.ss, exact, sizeof(exact) - 1),
	                 IDR_ETOOBIG);
	assert_int_equal(net_addr_format(&fam, exact, sizeof(exact)), IDR_EINVAL);
}

static void
assert_socket_flags(int fd)
{
	assert_true((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	assert_true((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
}

static void
test_net_bind_port_zero(void **state)
{
	struct net_bind_opts udp = {SOCK_DGRAM, true, 0, 1 << 16};
	struct net_bind_opts tcp = {SOCK_STREAM, true, 16, 0};
	struct net_addr a;
	struct net_addr bound;
	struct net_addr again;
	int fd1;
	int fd2;
	int fd3;

	(void)state;
	assert_int_equal(net_addr_parse("127.0.0.1:0", &a, NULL), IDR_OK);
	assert_int_equal(net_bind(&a, &udp, &fd1), IDR_OK);
	assert_socket_flags(fd1);
	assert_int_equal(net_local_addr(fd1, &bound), IDR_OK);
	assert_int_not_equal(net_addr_port(&bound), 0);
	/* a second SO_REUSEPORT socket on the port the first one got */
	assert_int_equal(net_bind(&bound, &udp, &fd2), IDR_OK);
	assert_int_equal(net_local_addr(fd2, &again), IDR_OK);
	assert_true(net_addr_equal(&bound, &again));
	close(fd2);
	close(fd1);

	assert_int_equal(net_bind(&a, &tcp, &fd1), IDR_OK);
	assert_socket_flags(fd1);
	assert_int_equal(net_local_addr(fd1, &bound), IDR_OK);
	assert_int_equal(net_bind(&bound, &tcp, &fd2), IDR_OK);
	/* without SO_REUSEPORT the port is taken */
	tcp.reuseport = false;
	assert_int_equal(net_bind(&bound, &tcp, &fd3), -EADDRINUSE);
	close(fd2);
	close(fd1);
}

/* A port held by another socket, with or without SO_REUSEPORT, is not free. */
static void
test_net_probe_free(void **state)
{
	struct net_bind_opts udp = {SOCK_DGRAM, true, 0, 0};
	struct net_bind_opts tcp = {SOCK_STREAM, true, 0, 0};
	struct net_addr a;
	struct net_addr bound;
	struct net_addr wild;
	int fd;

	(void)state;
	assert_int_equal(net_addr_parse("127.0.0.1:0", &a, NULL), IDR_OK);
	assert_int_equal(net_bind(&a, &udp, &fd), IDR_OK);
	assert_int_equal(net_local_addr(fd, &bound), IDR_OK);
	assert_int_equal(net_probe_free(&bound, SOCK_DGRAM), -EADDRINUSE);
	/* the same port on the wildcard address overlaps too */
	wild = bound;
	assert_int_equal(net_addr_parse("*:0", &wild, NULL), IDR_OK);
	net_addr_set_port(&wild, net_addr_port(&bound));
	assert_int_equal(net_probe_free(&wild, SOCK_DGRAM), -EADDRINUSE);
	close(fd);
	assert_int_equal(net_probe_free(&bound, SOCK_DGRAM), IDR_OK);

	assert_int_equal(net_bind(&a, &tcp, &fd), IDR_OK);
	assert_int_equal(net_local_addr(fd, &bound), IDR_OK);
	assert_int_equal(net_probe_free(&bound, SOCK_STREAM), -EADDRINUSE);
	close(fd);
	assert_int_equal(net_probe_free(&bound, SOCK_STREAM), IDR_OK);
	assert_int_equal(net_probe_free(&bound, SOCK_RAW), IDR_EINVAL);
}

static void
test_net_bind_ipv6(void **state)
{
	struct net_bind_opts tcp = {SOCK_STREAM, true, 0, 0};
	struct net_addr a;
	struct net_addr bound;
	int fd;
	int rc;

	(void)state;
	assert_int_equal(net_addr_parse("[::1]:0", &a, NULL), IDR_OK);
	rc = net_bind(&a, &tcp, &fd);
	if (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT) {
		skip(); /* no IPv6 loopback in this environment */
	}
	assert_int_equal(rc, IDR_OK);
	assert_int_equal(net_local_addr(fd, &bound), IDR_OK);
	assert_int_equal(bound.ss.ss_family, AF_INET6);
	assert_int_not_equal(net_addr_port(&bound), 0);
	close(fd);
}

static void
test_net_bind_errors(void **state)
{
	struct net_bind_opts bad_type = {SOCK_RAW, false, 0, 0};
	struct net_bind_opts udp = {SOCK_DGRAM, false, 0, 0};
	struct net_addr a;
	int fd = -7;

	(void)state;
	assert_int_equal(net_addr_parse("127.0.0.1:0", &a, NULL), IDR_OK);
	assert_int_equal(net_bind(&a, &bad_type, &fd), IDR_EINVAL);
	assert_int_equal(fd, -7);
	/* an address of this host it does not have */
	assert_int_equal(net_addr_parse("192.0.2.1:0", &a, NULL), IDR_OK);
	assert_int_equal(net_bind(&a, &udp, &fd), -EADDRNOTAVAIL);
	assert_int_equal(fd, -7);
	assert_int_not_equal(net_local_addr(-1, &a), IDR_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_net_parse_valid),
	        cmocka_unit_test(test_net_parse_rejects),
	        cmocka_unit_test(test_net_parse_truncations),
	        cmocka_unit_test(test_net_addr_helpers),
	        cmocka_unit_test(test_net_format_limits),
	        cmocka_unit_test(test_net_bind_port_zero),
	        cmocka_unit_test(test_net_probe_free),
	        cmocka_unit_test(test_net_bind_ipv6),
	        cmocka_unit_test(test_net_bind_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
