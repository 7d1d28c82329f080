/* net.c - listening sockets (net.h). */
#define _GNU_SOURCE /* SOCK_NONBLOCK, SOCK_CLOEXEC, SO_REUSEPORT */
#include "net/net.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

static int
set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v)) == 0 ? IDR_OK : -errno;
}

static int
setup(int fd, const struct addr *a, const struct net_bind_opts *o)
{
	int rc = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);

	if (rc == IDR_OK && o->reuseport) {
		rc = set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	}
	if (rc == IDR_OK && a->ss.ss_family == AF_INET6) {
		rc = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	}
	if (rc == IDR_OK && o->rcvbuf > 0) {
		/* best effort: the kernel caps it at net.core.rmem_max */
		(void)set_int(fd, SOL_SOCKET, SO_RCVBUF, o->rcvbuf);
	}
	if (rc == IDR_OK && bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
		rc = -errno;
	}
	if (rc == IDR_OK && o->type == SOCK_STREAM &&
	    listen(fd, o->backlog > 0 ? o->backlog : NET_BACKLOG) != 0) {
		rc = -errno;
	}
	return rc;
}

int
net_bind(const struct addr *a, const struct net_bind_opts *o, int *fd)
{
	int s;
	int rc;

	if ((o->type != SOCK_DGRAM && o->type != SOCK_STREAM) ||
	    (a->ss.ss_family != AF_INET && a->ss.ss_family != AF_INET6)) {
		return IDR_EINVAL;
	}
	s = socket(a->ss.ss_family, o->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		return -errno;
	}
	rc = setup(s, a, o);
	if (rc != IDR_OK) {
		close(s);
		return rc;
	}
	*fd = s;
	return IDR_OK;
}

int
net_probe_free(const struct addr *a, int type)
{
	int s;
	int rc = IDR_OK;

	if ((type != SOCK_DGRAM && type != SOCK_STREAM) ||
	    (a->ss.ss_family != AF_INET && a->ss.ss_family != AF_INET6)) {
		return IDR_EINVAL;
	}
	s = socket(a->ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (s < 0) {
		return -errno;
	}
	if (type == SOCK_STREAM) {
		rc = set_int(s, SOL_SOCKET, SO_REUSEADDR, 1);
	}
	if (rc == IDR_OK && a->ss.ss_family == AF_INET6) {
		rc = set_int(s, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	}
	if (rc == IDR_OK && bind(s, (const struct sockaddr *)&a->ss, a->len) != 0) {
		rc = -errno;
	}
	close(s);
	return rc;
}

int
net_local_addr(int fd, struct addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		return -errno;
	}
	return addr_from(out, (const struct sockaddr *)&ss, len);
}

static uint64_t
load_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++) {
		v = v << 8 | p[i];
	}
	return v;
}

struct net_group
net_group_of(const struct sockaddr *sa)
{
	struct net_group g = {0, 0};

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		g.family = 4;
		g.bits = ntohl(sin->sin_addr.s_addr);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *b = sin6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			g.family = 4;
			g.bits = (uint64_t)b[12] << 24 | (uint64_t)b[13] << 16 |
			         (uint64_t)b[14] << 8 | b[15];
		} else {
			g.family = 6;
			g.bits = load_be64(b); /* the /64 network */
		}
	}
	return g;
}

bool
net_group_eq(struct net_group a, struct net_group b)
{
	return a.family == b.family && a.bits == b.bits;
}

uint64_t
net_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t
net_group_hash(struct net_group g, uint64_t seed)
{
	return net_mix64(seed ^ (g.bits + g.family));
}
