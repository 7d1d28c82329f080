/*
 * sockaddr_util.h - socket addresses from text for unit tests (include after cmocka.h: a bad
 * literal fails the test).
 */
#ifndef IDR_TESTS_UNIT_SOCKADDR_UTIL_H
#define IDR_TESTS_UNIT_SOCKADDR_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#define SA(ss) ((const struct sockaddr *)&(ss))

static inline struct sockaddr_storage
addr4(const char *text, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, text, &sin->sin_addr), 1);
	return ss;
}

static inline struct sockaddr_storage
addr6(const char *text, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, text, &sin6->sin6_addr), 1);
	return ss;
}

#endif /* IDR_TESTS_UNIT_SOCKADDR_UTIL_H */
