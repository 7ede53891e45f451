/*
 * naddr.h: an IPv4 or IPv6 host address as ntpd keeps it (associations,
 * sockets, received datagrams), with the conversions to and from socket
 * addresses and text, and the reference identifier of RFC 5905 section 7.3.
 *
 * family AF_UNSPEC (0) means "no address"; AF_INET/AF_INET6 with all-zero
 * bytes is the wildcard of that family.  Addresses are compared byte for
 * byte: IPv4-mapped IPv6 addresses are turned into IPv4 when they are read
 * from a socket, so one host has one key.  The text form is VRP's: dotted
 * quad, or the RFC 5952 compressed IPv6 form in upper case (2001:DB8::1).
 *
 * Link-local IPv6 addresses (fe80::/10) are only meaningful with the
 * interface they are reached on: `scope` holds that interface's ifindex
 * (the sin6_scope_id of RFC 3493) and is 0 for every other address.  Two
 * link-local peers with the same address on two interfaces are two hosts,
 * so naddr_eq compares the scope as well; naddr_to_sockaddr and
 * naddr_from_sockaddr carry it to and from sin6_scope_id, so a socket
 * bound to, or a datagram sent to, a scoped address uses that interface,
 * and a received datagram names the interface it came in on.  We chose a
 * member of the address rather than an interface beside it in each user
 * (associations, sockets, datagrams) because every comparison and every
 * socket call already goes through these functions: the scope follows the
 * address everywhere without a change at each use.  The text form, the
 * reference identifier and the hash ignore the scope (VRP prints FE80::1;
 * RFC 5905 digests the 16 octets; equal addresses still hash equal).
 */
#ifndef MERIDIAN_NTPD_NADDR_H
#define MERIDIAN_NTPD_NADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define NADDR_STRLEN INET6_ADDRSTRLEN
/* naddr_log_str: the address, '%' and the interface's name. */
#define NADDR_LOGLEN (INET6_ADDRSTRLEN + 1 + 16)

struct naddr {
	sa_family_t family;       /* AF_INET, AF_INET6; AF_UNSPEC: none */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	uint32_t scope;           /* link-local IPv6: the interface's ifindex; else 0 */
};

/* An IPv4 address from its wire-order value (0 is the IPv4 wildcard). */
static inline struct naddr naddr_v4(uint32_t wire)
{
	struct naddr a = { .family = AF_INET };

	a.v4.s_addr = wire;
	return a;
}

/* The same as a pointer to a temporary (the enclosing block's), for the
 * functions that take const struct naddr *. */
#define NADDR_V4P(wire) (&(struct naddr){ .family = AF_INET, .v4 = { .s_addr = (wire) } })

/* The wildcard of a family (AF_INET or AF_INET6). */
struct naddr naddr_any(int family);
static inline bool naddr_isset(const struct naddr *a)
{
	return a->family != AF_UNSPEC;
}
/* Set and all zero: INADDR_ANY or in6addr_any. */
bool naddr_is_any(const struct naddr *a);
/* An IPv6 link-local unicast address (fe80::/10): one that needs a scope. */
bool naddr_is_linklocal(const struct naddr *a);
/* a in the scope of interface ifindex (link-local only; others keep 0). */
struct naddr naddr_scoped(const struct naddr *a, uint32_t ifindex);
/* Same family, bytes and scope (two unset addresses are equal). */
bool naddr_eq(const struct naddr *a, const struct naddr *b);
/* A dotted quad or an IPv6 literal (scope 0): 0, or -EINVAL (out
 * untouched). */
int naddr_parse(const char *text, struct naddr *out);
/* The VRP text of a, without the scope; "" when unset.  Returns buf. */
const char *naddr_str(const struct naddr *a, char *buf, size_t len);
/* For logs: naddr_str, then "%IFNAME" (or "%IFINDEX" for an interface that
 * is gone) when a has a scope.  Returns buf. */
const char *naddr_log_str(const struct naddr *a, char *buf, size_t len);
/* Fill ss with a and port (host order), sin6_scope_id = a->scope; the
 * length to pass to the socket call, 0 when a is unset. */
socklen_t naddr_to_sockaddr(const struct naddr *a, uint16_t port, struct sockaddr_storage *ss);
/* Read a socket address (IPv4-mapped IPv6 becomes IPv4; sin6_scope_id is
 * kept for a link-local address only): 0, or -EAFNOSUPPORT for another
 * family (out unset).  port (host order) may be NULL. */
int naddr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct naddr *out,
			uint16_t *port);
/* The reference identifier naming a as a server (wire order): the IPv4
 * address itself, or the first four octets of the MD5 digest of the IPv6
 * address (RFC 5905 section 7.3).  0 when unset. */
uint32_t naddr_refid(const struct naddr *a);
/* A well-mixed hash of the address (for tables keyed by source). */
uint32_t naddr_hash(const struct naddr *a);

#endif
