/* test_net.c - listening sockets (net/net.h). */
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
#include <sys/un.h>
#include <unistd.h>

#include "lib/sockaddr_util.h"
#include "net/net.h"

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
	struct addr a;
	struct addr bound;
	struct addr again;
	int fd1;
	int fd2;
	int fd3;

	(void)state;
	assert_int_equal(addr_parse("127.0.0.1:0", &a, NULL), IDR_OK);
	assert_int_equal(net_bind(&a, &udp, &fd1), IDR_OK);
	assert_socket_flags(fd1);
	assert_int_equal(net_local_addr(fd1, &bound), IDR_OK);
	assert_int_not_equal(addr_port(&bound), 0);
	/* a second SO_REUSEPORT socket on the port the first one got */
	assert_int_equal(net_bind(&bound, &udp, &fd2), IDR_OK);
	assert_int_equal(net_local_addr(fd2, &again), IDR_OK);
	assert_true(addr_equal(&bound, &again));
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
	struct addr a;
	struct addr bound;
	struct addr wild;
	int fd;

	(void)state;
	assert_int_equal(addr_parse("127.0.0.1:0", &a, NULL), IDR_OK);
	assert_int_equal(net_bind(&a, &udp, &fd), IDR_OK);
	assert_int_equal(net_local_addr(fd, &bound), IDR_OK);
	assert_int_equal(net_probe_free(&bound, SOCK_DGRAM), -EADDRINUSE);
	/* the same port on the wildcard address overlaps too */
	wild = bound;
	assert_int_equal(addr_parse("*:0", &wild, NULL), IDR_OK);
	addr_set_port(&wild, addr_port(&bound));
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
	struct addr a;
	struct addr bound;
	int fd;
	int rc;

	(void)state;
	assert_int_equal(addr_parse("[::1]:0", &a, NULL), IDR_OK);
	rc = net_bind(&a, &tcp, &fd);
	if (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT) {
		skip(); /* no IPv6 loopback in this environment */
	}
	assert_int_equal(rc, IDR_OK);
	assert_int_equal(net_local_addr(fd, &bound), IDR_OK);
	assert_int_equal(bound.ss.ss_family, AF_INET6);
	assert_int_not_equal(addr_port(&bound), 0);
	close(fd);
}

static void
test_net_bind_errors(void **state)
{
	struct net_bind_opts bad_type = {SOCK_RAW, false, 0, 0};
	struct net_bind_opts udp = {SOCK_DGRAM, false, 0, 0};
	struct addr a;
	int fd = -7;

	(void)state;
	assert_int_equal(addr_parse("127.0.0.1:0", &a, NULL), IDR_OK);
	assert_int_equal(net_bind(&a, &bad_type, &fd), IDR_EINVAL);
	assert_int_equal(fd, -7);
	/* an address of this host it does not have */
	assert_int_equal(addr_parse("192.0.2.1:0", &a, NULL), IDR_OK);
	assert_int_equal(net_bind(&a, &udp, &fd), -EADDRNOTAVAIL);
	assert_int_equal(fd, -7);
	assert_int_not_equal(net_local_addr(-1, &a), IDR_OK);
}

static void
test_net_group_of(void **state)
{
	static const struct {
		const char *addr;
		uint8_t family;
		uint64_t bits;
	} cases[] = {
	        {"192.0.2.1", 4, 0xc0000201},
	        {"::ffff:192.0.2.1", 4, 0xc0000201}, /* IPv4-mapped: the IPv4 address */
	        {"2001:db8:1:2::1", 6, 0x20010db800010002ULL},
	        {"2001:db8:1:2:ffff:ffff:ffff:ffff", 6, 0x20010db800010002ULL}, /* same /64 */
	        {"2001:db8:1:3::1", 6, 0x20010db800010003ULL},
	        {"::1", 6, 0},
	};
	struct sockaddr_storage ss;
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	struct net_group g;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ss = strchr(cases[i].addr, ':') != NULL ? addr6(cases[i].addr, (uint16_t)i)
		                                        : addr4(cases[i].addr, (uint16_t)i);
		g = net_group_of(SA(ss));
		assert_int_equal(g.family, cases[i].family);
		assert_int_equal(g.bits, cases[i].bits);
	}
	g = net_group_of((const struct sockaddr *)&un);
	assert_int_equal(g.family, 0);
	/* IPv4 0.0.10.0 and the IPv6 /64 0:0:0:a00:: have the same bits: not the same group */
	ss = addr4("0.0.10.0", 1);
	g = net_group_of(SA(ss));
	ss = addr6("0:0:0:a00::", 1);
	assert_false(net_group_eq(g, net_group_of(SA(ss))));
	assert_true(net_group_eq(g, g));
	assert_int_not_equal(net_group_hash(g, 1), net_group_hash(g, 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_net_bind_port_zero), cmocka_unit_test(test_net_probe_free),
	        cmocka_unit_test(test_net_bind_ipv6),      cmocka_unit_test(test_net_bind_errors),
	        cmocka_unit_test(test_net_group_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
