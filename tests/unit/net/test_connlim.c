/* test_connlim.c - connection caps: total, per address, IPv6 /64 groups, release, reload. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

#include "lib/sockaddr_util.h"
#include "net/connlim.h"

static void
test_connlim_per_address(void **state)
{
	struct connlim *c;
	struct sockaddr_storage a = addr4("10.0.0.1", 1000);
	struct sockaddr_storage a2 = addr4("10.0.0.1", 2000); /* same address, other port */
	struct sockaddr_storage b = addr4("10.0.0.2", 1000);

	(void)state;
	assert_int_equal(connlim_new(&c, 100, 2), IDR_OK);
	assert_true(connlim_acquire(c, SA(a)));
	assert_true(connlim_acquire(c, SA(a2)));
	assert_false(connlim_acquire(c, SA(a))); /* third from 10.0.0.1 */
	assert_true(connlim_acquire(c, SA(b)));
	assert_int_equal(connlim_total(c), 3);
	connlim_release(c, SA(a));
	assert_int_equal(connlim_total(c), 2);
	assert_true(connlim_acquire(c, SA(a)));
	assert_false(connlim_acquire(c, SA(a2)));
	connlim_free(c);
}

static void
test_connlim_total(void **state)
{
	struct connlim *c;
	struct sockaddr_storage a = addr4("10.0.0.1", 1);
	struct sockaddr_storage b = addr4("10.0.0.2", 1);
	struct sockaddr_storage d = addr4("10.0.0.3", 1);

	(void)state;
	assert_int_equal(connlim_new(&c, 2, 10), IDR_OK);
	assert_true(connlim_acquire(c, SA(a)));
	assert_true(connlim_acquire(c, SA(b)));
	assert_false(connlim_acquire(c, SA(d)));
	assert_false(connlim_acquire(c, SA(a)));
	assert_int_equal(connlim_total(c), 2);
	connlim_release(c, SA(b));
	assert_true(connlim_acquire(c, SA(d)));
	assert_int_equal(connlim_total(c), 2);
	connlim_free(c);
}

static void
test_connlim_ipv6_groups(void **state)
{
	struct connlim *c;
	struct sockaddr_storage a = addr6("2001:db8:1:2::1", 1);
	struct sockaddr_storage same64 = addr6("2001:db8:1:2:ffff:ffff:ffff:ffff", 2);
	struct sockaddr_storage other64 = addr6("2001:db8:1:3::1", 1);
	struct sockaddr_storage mapped = addr6("::ffff:10.0.0.1", 1);
	struct sockaddr_storage plain = addr4("10.0.0.1", 1);

	(void)state;
	assert_int_equal(connlim_new(&c, 100, 1), IDR_OK);
	assert_true(connlim_acquire(c, SA(a)));
	assert_false(connlim_acquire(c, SA(same64))); /* same /64 */
	assert_true(connlim_acquire(c, SA(other64)));
	/* an IPv4-mapped IPv6 address counts as the IPv4 address */
	assert_true(connlim_acquire(c, SA(mapped)));
	assert_false(connlim_acquire(c, SA(plain)));
	connlim_release(c, SA(mapped));
	assert_true(connlim_acquire(c, SA(plain)));
	connlim_release(c, SA(a));
	assert_true(connlim_acquire(c, SA(same64)));
	assert_int_equal(connlim_total(c), 3);
	connlim_free(c);
}

static void
test_connlim_set_caps(void **state)
{
	struct connlim *c;
	struct sockaddr_storage a = addr4("192.0.2.1", 1);

	(void)state;
	assert_int_equal(connlim_new(&c, 10, 3), IDR_OK);
	for (int i = 0; i < 3; i++) {
		assert_true(connlim_acquire(c, SA(a)));
	}
	/* a lower cap closes nothing, but refuses new connections */
	connlim_set(c, 10, 1);
	assert_int_equal(connlim_total(c), 3);
	assert_false(connlim_acquire(c, SA(a)));
	connlim_release(c, SA(a));
	connlim_release(c, SA(a));
	assert_false(connlim_acquire(c, SA(a)));
	connlim_release(c, SA(a));
	assert_true(connlim_acquire(c, SA(a)));
	connlim_set(c, 1, 5);
	assert_false(connlim_acquire(c, SA(a)));
	connlim_set(c, 2, 5);
	assert_true(connlim_acquire(c, SA(a)));
	connlim_free(c);
}

/* Many distinct addresses grow the table; releasing them all leaves nothing counted, and a
 * release without an acquire does not underflow. */
static void
test_connlim_many_and_release(void **state)
{
	struct connlim *c;
	struct sockaddr_storage stray = addr4("203.0.113.9", 1);

	(void)state;
	assert_int_equal(connlim_new(&c, 100000, 1), IDR_OK);
	for (uint32_t i = 0; i < 5000; i++) {
		struct sockaddr_storage ss = addr4("10.0.0.0", 1);

		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(0x0a000000u + i * 7919u);
		assert_true(connlim_acquire(c, SA(ss)));
	}
	assert_int_equal(connlim_total(c), 5000);
	for (uint32_t i = 0; i < 5000; i++) {
		struct sockaddr_storage ss = addr4("10.0.0.0", 1);

		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(0x0a000000u + i * 7919u);
		assert_false(connlim_acquire(c, SA(ss))); /* each address is at its cap */
	}
	for (uint32_t i = 0; i < 5000; i += 2) {
		struct sockaddr_storage ss = addr4("10.0.0.0", 1);

		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(0x0a000000u + i * 7919u);
		connlim_release(c, SA(ss));
	}
	assert_int_equal(connlim_total(c), 2500);
	/* deletions kept every remaining entry reachable */
	for (uint32_t i = 1; i < 5000; i += 2) {
		struct sockaddr_storage ss = addr4("10.0.0.0", 1);

		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(0x0a000000u + i * 7919u);
		assert_false(connlim_acquire(c, SA(ss)));
		connlim_release(c, SA(ss));
	}
	assert_int_equal(connlim_total(c), 0);
	connlim_release(c, SA(stray));
	assert_int_equal(connlim_total(c), 0);
	assert_true(connlim_acquire(c, SA(stray)));
	assert_int_equal(connlim_total(c), 1);
	connlim_free(c);
	connlim_free(NULL);
}

struct race {
	struct connlim *c;
	int ok;
	uint32_t base;
};

static void *
racer(void *arg)
{
	struct race *r = arg;

	/* no cmocka assertions in threads: build the address by hand */
	for (uint32_t i = 0; i < 20000; i++) {
		struct sockaddr_storage ss;
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		memset(&ss, 0, sizeof(ss));
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(r->base + i % 64);
		if (connlim_acquire(r->c, SA(ss))) {
			r->ok++;
			connlim_release(r->c, SA(ss));
		}
	}
	return NULL;
}

static void
test_connlim_threads(void **state)
{
	struct connlim *c;
	struct race r[4];
	pthread_t t[4];

	(void)state;
	assert_int_equal(connlim_new(&c, 1000, 1000), IDR_OK);
	for (int i = 0; i < 4; i++) {
		r[i] = (struct race){c, 0, 0x0a000000u + (uint32_t)(i % 2) * 32u};
		assert_int_equal(pthread_create(&t[i], NULL, racer, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(r[i].ok, 20000);
	}
	assert_int_equal(connlim_total(c), 0);
	connlim_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_connlim_per_address),
	        cmocka_unit_test(test_connlim_total),
	        cmocka_unit_test(test_connlim_ipv6_groups),
	        cmocka_unit_test(test_connlim_set_caps),
	        cmocka_unit_test(test_connlim_many_and_release),
	        cmocka_unit_test(test_connlim_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
