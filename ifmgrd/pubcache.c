/*
 * pubcache.c: the packed IfStates publish() sends, built from a cache of
 * each interface's packed IfState.
 *
 * An entry is filled and packed again only when what ifs_state_fill reads
 * of it (its desired and observed state, name and netdev) differs from
 * what it was filled from last time: that is kept as a compact key and
 * compared byte for byte, so no code path that changes an entry can leave
 * a stale copy.  The wire format of a repeated message field is the
 * concatenation of its tagged, length-delimited entries, so IfStates is
 * the cached entries, each behind tag 1 and its length, followed by the
 * VPN instances (field 2) packed on their own: the bytes protobuf-c gives
 * for the whole message (tests/unit/ifmgrd/test_pubcache.c checks it).
 */
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "log.h"
#include "ifmgrd_int.h"

struct keybuf {
	uint8_t *p;
	size_t len, cap;
};

static void key_put(struct keybuf *k, const void *v, size_t n)
{
	if (k->len + n > k->cap) {
		k->cap = (k->len + n) * 2 + 64;
		k->p = xrealloc(k->p, k->cap);
	}
	memcpy(k->p + k->len, v, n);
	k->len += n;
}

#define KEY(k, v) do { __typeof__(v) _v = (v); key_put((k), &_v, sizeof(_v)); } while (0)

static void key_addr6(struct keybuf *k, const struct ifs_addr6 *a)
{
	key_put(k, &a->addr, sizeof(a->addr));
	KEY(k, a->plen);
	KEY(k, a->scope);
	KEY(k, a->flags);
}

/* Everything ifmgrd_fill_state reads of ifp, field by field (no padding). */
static void key_build(const struct ifm_if *ifp, struct keybuf *k)
{
	const struct ifs_desired *w = &ifp->want;
	const struct ifs_observed *h = &ifp->have;

	k->len = 0;
	KEY(k, (uintptr_t)ifp->bs);
	KEY(k, (uintptr_t)ifp->bs->name);
	KEY(k, (uintptr_t)ifp->bs->netdev);
	KEY(k, ifp->loopback);
	KEY(k, w->admin_up);
	KEY(k, w->has_addr);
	KEY(k, w->addr.s_addr);
	KEY(k, w->plen);
	KEY(k, w->n_sub);
	for (size_t i = 0; i < w->n_sub && i < IFS_MAX_SUB; i++) {
		KEY(k, w->sub[i].addr.s_addr);
		KEY(k, w->sub[i].plen);
	}
	KEY(k, w->mtu);
	KEY(k, w->ipv6_enable);
	KEY(k, w->n_addr6);
	for (size_t i = 0; i < w->n_addr6 && i < IFS_MAX_ADDR6; i++)
		key_addr6(k, &w->addr6[i]);
	key_put(k, w->vpn, strnlen(w->vpn, sizeof(w->vpn)) + 1);
	KEY(k, h->present);
	KEY(k, h->ifindex);
	KEY(k, h->flags);
	KEY(k, h->mtu);
	KEY(k, h->master);
	KEY(k, h->n_addrs);
	for (size_t i = 0; i < h->n_addrs; i++) {
		KEY(k, h->addrs[i].local.s_addr);
		KEY(k, h->addrs[i].peer.s_addr);
		KEY(k, h->addrs[i].plen);
		KEY(k, h->addrs[i].scope);
		KEY(k, h->addrs[i].secondary);
	}
	KEY(k, h->n_addrs6);
	for (size_t i = 0; i < h->n_addrs6; i++)
		key_addr6(k, &h->addrs6[i]);
}

/* Fill and pack ifp again unless its key is the cached one. */
static void refresh(struct ifm_if *ifp, struct keybuf *k)
{
	struct ifm_pubc *c = &ifp->pub;
	IfState st;

	key_build(ifp, k);
	if (c->bytes && c->key_len == k->len && memcmp(c->key, k->p, k->len) == 0)
		return;
	free(c->key);
	c->key = xmalloc(k->len ? k->len : 1);
	memcpy(c->key, k->p, k->len);
	c->key_len = k->len;
	ifmgrd_fill_state(ifp, &st);
	c->oper_up = st.has_oper_up && st.oper_up;
	free(c->bytes);
	c->len = if_state__get_packed_size(&st);
	c->bytes = xmalloc(c->len ? c->len : 1);
	if_state__pack(&st, c->bytes);
	ifs_state_clear(&st);
	c->fills++;
}

static size_t varint_len(size_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t varint_put(uint8_t *out, size_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

bool ifmgrd_pub_shown(const struct ifm_if *ifp)
{
	return !(ifp->loopback && !ifp->configured);
}

uint8_t *ifmgrd_pack_states(struct ifmgrd *im, size_t *len)
{
	struct keybuf k = { 0 };
	IfStates vpn;
	size_t total = 0, off = 0;
	uint8_t *buf;

	for (size_t i = 0; i < im->n_ifs; i++) {
		struct ifm_if *ifp = &im->ifs[i];

		if (!ifmgrd_pub_shown(ifp))
			continue;
		refresh(ifp, &k);
		total += 1 + varint_len(ifp->pub.len) + ifp->pub.len;
	}
	free(k.p);
	if_states__init(&vpn);
	ifm_vpn_fill(im, &vpn);
	total += if_states__get_packed_size(&vpn);
	buf = xmalloc(total ? total : 1);
	for (size_t i = 0; i < im->n_ifs; i++) {
		const struct ifm_if *ifp = &im->ifs[i];

		if (!ifmgrd_pub_shown(ifp))
			continue;
		buf[off++] = 0x0a;      /* field 1 (interface), length-delimited */
		off += varint_put(buf + off, ifp->pub.len);
		memcpy(buf + off, ifp->pub.bytes, ifp->pub.len);
		off += ifp->pub.len;
	}
	off += if_states__pack(&vpn, buf + off);
	ifm_vpn_free_states(&vpn);
	*len = off;
	return buf;
}

void ifmgrd_pubc_free(struct ifm_pubc *c)
{
	free(c->key);
	free(c->bytes);
	memset(c, 0, sizeof(*c));
}
