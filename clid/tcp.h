/*
 * tcp.h: what clid's telnet (vty.c) and SSH (ssh.c) servers share about
 * their TCP sockets: making a listening socket, and naming a peer.
 */
#ifndef MERIDIAN_CLID_TCP_H
#define MERIDIAN_CLID_TCP_H

#include <stddef.h>
#include <sys/socket.h>

/* A listening TCP socket (non-blocking, close-on-exec, SO_REUSEADDR; an
 * IPv6 one IPV6_V6ONLY) on address (an IPv4 or IPv6 literal) and port (0:
 * ephemeral), the port bound in *bound_port: the fd, or -errno (-EINVAL:
 * not an address literal or not a port). */
int tcp_listen(const char *address, int port, int backlog, int *bound_port);
/* A peer's address as text ("?" when not IPv4 or IPv6) into addr
 * (INET6_ADDRSTRLEN is enough) and its port into *port (0 when unknown). */
void tcp_addr_name(const struct sockaddr_storage *ss, char *addr, size_t len, int *port);

#endif
