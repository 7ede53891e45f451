/*
 * port.c: free UDP ports for tests (port.h), written once.  No Criterion:
 * the fuzz harness uses it too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "port.h"

int port_try_free_udp(const char *addr)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd, r = 0;

	memset(&ss, 0, sizeof(ss));
	if (addr == NULL)
		addr = "127.0.0.1";
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sl = sizeof(*sin6);
	} else {
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return r;
	return ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
}

uint16_t free_udp_port(const char *addr)
{
	int p = port_try_free_udp(addr);

	if (p <= 0) {
		fprintf(stderr, "no free UDP port on %s: %s\n", addr ? addr : "127.0.0.1",
			strerror(p < 0 ? -p : EADDRNOTAVAIL));
		abort();
	}
	return (uint16_t)p;
}

uint16_t free_port(void)
{
	return free_udp_port(NULL);
}
