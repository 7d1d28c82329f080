/*
 * addr.c - listen and server address syntax (addr.h); no sockets are opened here.
 */
#include "hdl/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "base/num.h"

static int
fail(const char **why, const char *msg)
{
	if (why != NULL) {
		*why = msg;
	}
	return IDR_EINVAL;
}

static int
parse_port(const char *s, uint16_t *port, const char **why)
{
	uint64_t v;
	size_t n = strlen(s);

	if (n == 0) {
		return fail(why, "missing port number after ':'");
	}
	if (strspn(s, "0123456789") != n) {
		return fail(why, "port must be a decimal number");
	}
	if (n > 5 || num_parse_u64(s, 0, 65535, &v) != IDR_OK) {
		return fail(why, "port out of range (0-65535)");
	}
	*port = (uint16_t)v;
	return IDR_OK;
}

static int
parse_v6(const char *text, struct addr *out, const char **why)
{
	char host[INET6_ADDRSTRLEN];
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
	const char *close = strchr(text, ']');
	size_t hlen;
	uint16_t port;

	if (close == NULL) {
		return fail(why, "'[' without ']'");
	}
	hlen = (size_t)(close - text - 1);
	if (hlen == 0) {
		return fail(why, "empty IPv6 address in brackets");
	}
	if (hlen >= sizeof(host)) {
		return fail(why, "IPv6 address too long");
	}
	if (close[1] != ':') {
		return fail(why, close[1] == '\0' ? "missing :port after ']'"
		                                  : "expected ':' after ']'");
	}
	memcpy(host, text + 1, hlen);
	host[hlen] = '\0';
	if (strchr(host, '%') != NULL) {
		return fail(why, "IPv6 scope ids (%) are not supported");
	}
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
		return fail(why, "not a valid IPv6 address");
	}
	if (parse_port(close + 2, &port, why) != IDR_OK) {
		return IDR_EINVAL;
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	out->len = sizeof(*sin6);
	return IDR_OK;
}

static int
parse_v4(const char *text, struct addr *out, const char **why)
{
	char host[INET_ADDRSTRLEN];
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	const char *colon = strrchr(text, ':');
	size_t hlen;
	uint16_t port;

	if (colon == NULL) {
		return fail(why, "missing :port");
	}
	if (strchr(text, ':') != colon) {
		return fail(why, "IPv6 addresses must be in brackets: [addr]:port");
	}
	hlen = (size_t)(colon - text);
	if (hlen == 0) {
		return fail(why, "missing address before ':'");
	}
	if (parse_port(colon + 1, &port, why) != IDR_OK) {
		return IDR_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (hlen == 1 && text[0] == '*') {
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	} else if (hlen == 9 && memcmp(text, "localhost", 9) == 0) {
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		if (strspn(text, "0123456789.") != hlen) {
			return fail(why, "not an IP address (host names are not resolved; use a "
			                 "numeric address, localhost or *)");
		}
		if (hlen >= sizeof(host)) {
			return fail(why, "not a valid IPv4 address");
		}
		memcpy(host, text, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			return fail(why, "not a valid IPv4 address");
		}
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	out->len = sizeof(*sin);
	return IDR_OK;
}

int
addr_parse(const char *text, struct addr *out, const char **why)
{
	struct addr a;
	size_t n;
	int rc;

	if (text == NULL || text[0] == '\0') {
		return fail(why, "empty address");
	}
	n = strlen(text);
	if (n > ADDR_TEXT_MAX) {
		return fail(why, "address too long");
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)text[i] <= ' ' || (unsigned char)text[i] >= 0x7f) {
			return fail(why, "blank or non-ASCII character in address");
		}
	}
	rc = text[0] == '[' ? parse_v6(text, &a, why) : parse_v4(text, &a, why);
	if (rc == IDR_OK) {
		*out = a;
	}
	return rc;
}

int
addr_from(struct addr *out, const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		len = sizeof(struct sockaddr_in);
	} else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		len = sizeof(struct sockaddr_in6);
	} else {
		return IDR_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, sa, len);
	out->len = len;
	return IDR_OK;
}

uint16_t
addr_port(const struct addr *a)
{
	if (a->ss.ss_family == AF_INET6) {
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	}
	return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
}

void
addr_set_port(struct addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
	} else {
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	}
}

bool
addr_is_wildcard(const struct addr *a)
{
	if (a->ss.ss_family == AF_INET6) {
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
	}
	return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr == htonl(INADDR_ANY);
}

bool
addr_equal(const struct addr *a, const struct addr *b)
{
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)&b->ss;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&a->ss;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)&b->ss;

	if (a->ss.ss_family != b->ss.ss_family) {
		return false;
	}
	if (a->ss.ss_family == AF_INET6) {
		return a6->sin6_port == b6->sin6_port &&
		       memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
	}
	return a4->sin_port == b4->sin_port && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
}

int
addr_format(const struct sockaddr *sa, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN];
	int n;

	if (cap > 0) {
		buf[0] = '\0';
	}
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		if (inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host)) == NULL) {
			return IDR_EINVAL;
		}
		n = snprintf(buf, cap, "%s:%u", host, (unsigned)ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		if (inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host)) == NULL) {
			return IDR_EINVAL;
		}
		n = snprintf(buf, cap, "[%s]:%u", host, (unsigned)ntohs(sin6->sin6_port));
	} else {
		return IDR_EINVAL;
	}
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0) {
			buf[0] = '\0';
		}
		return IDR_ETOOBIG;
	}
	return IDR_OK;
}
