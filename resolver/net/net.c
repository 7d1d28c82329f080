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
