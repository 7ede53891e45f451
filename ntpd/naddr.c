/*
 * naddr.c: IPv4/IPv6 host addresses for ntpd (see naddr.h, which also
 * says why a link-local address carries its interface as `scope`).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <nettle/md5.h>

#include "naddr.h"

struct naddr naddr_any(int family)
{
	struct naddr a;

	memset(&a, 0, sizeof(a));
	a.family = (sa_family_t)family;
	return a;
}

bool naddr_is_any(const struct naddr *a)
{
	if (a->family == AF_INET)
		return a->v4.s_addr == 0;
	if (a->family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->v6);
	return false;
}

bool naddr_is_linklocal(const struct naddr *a)
{
	return a->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->v6);
}

struct naddr naddr_scoped(const struct naddr *a, uint32_t ifindex)
{
	struct naddr r = *a;

	r.scope = naddr_is_linklocal(a) ? ifindex : 0;
	return r;
}

bool naddr_eq(const struct naddr *a, const struct naddr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	if (a->family == AF_INET6)
		return memcmp(&a->v6, &b->v6, sizeof(a->v6)) == 0 && a->scope == b->scope;
	return true;
}

int naddr_parse(const char *text, struct naddr *out)
{
	struct naddr a;

	memset(&a, 0, sizeof(a));
	if (!text)
		return -EINVAL;
	if (inet_pton(AF_INET, text, &a.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, text, &a.v6) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*out = a;
	return 0;
}

const char *naddr_str(const struct naddr *a, char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = '\0';
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->family == AF_INET ? (const void *)&a->v4 :
			(const void *)&a->v6, buf, (socklen_t)len)) {
		buf[0] = '\0';
		return buf;
	}
	if (a->family == AF_INET6)
		for (char *p = buf; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	return buf;
}

const char *naddr_log_str(const struct naddr *a, char *buf, size_t len)
{
	char ifname[IF_NAMESIZE];
	size_t used;

	naddr_str(a, buf, len);
	used = strlen(buf);
	if (!a->scope || used + 1 >= len)
		return buf;
	if (if_indextoname(a->scope, ifname))
		snprintf(buf + used, len - used, "%%%s", ifname);
	else
		snprintf(buf + used, len - used, "%%%u", a->scope);
	return buf;
}

socklen_t naddr_to_sockaddr(const struct naddr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_addr = a->v4;
		s->sin_port = htons(port);
		return sizeof(*s);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_addr = a->v6;
		s->sin6_port = htons(port);
		s->sin6_scope_id = a->scope;
		return sizeof(*s);
	}
	return 0;
}

int naddr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct naddr *out,
			uint16_t *port)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		out->family = AF_INET;
		out->v4 = s->sin_addr;
		if (port)
			*port = ntohs(s->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr)) {
			out->family = AF_INET;
			memcpy(&out->v4, &s->sin6_addr.s6_addr[12], 4);
		} else {
			out->family = AF_INET6;
			out->v6 = s->sin6_addr;
			*out = naddr_scoped(out, s->sin6_scope_id);
		}
		if (port)
			*port = ntohs(s->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

uint32_t naddr_refid(const struct naddr *a)
{
	struct md5_ctx m;
	uint8_t d[MD5_DIGEST_SIZE];
	uint32_t r;

	if (a->family == AF_INET)
		return a->v4.s_addr;
	if (a->family != AF_INET6)
		return 0;
	md5_init(&m);
	md5_update(&m, sizeof(a->v6), a->v6.s6_addr);
	md5_digest(&m, sizeof(d), d);
	memcpy(&r, d, 4);
	return r;
}

uint32_t naddr_hash(const struct naddr *a)
{
	uint32_t h = 2166136261u;   /* FNV-1a over the address bytes */
	const uint8_t *p = a->family == AF_INET6 ? a->v6.s6_addr : (const uint8_t *)&a->v4;
	size_t n = a->family == AF_INET6 ? 16 : 4;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h ^ (h >> 15);
}
