/*
 * test_pubcache.c: the IfStates publish() sends, packed from each
 * interface's cached IfState (ifmgrd/pubcache.c), is byte for byte what
 * packing ifmgrd_states() gives, unpacks, and a change of one interface
 * fills only that one again while the others' bytes stay the same.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "bootstrap.h"
#include "bus.h"
#include "ifmgrd.h"
#include "ifmgrd_int.h"
#include "ifstate.h"
#include "log.h"

#define N 64

struct rig {
	struct ifmgrd im;
	struct bs_interface bs[N];
	struct ifm_ns ns0, vpn1;
	struct ifm_ns *ns[2];
};

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	r->im.ifs = calloc(N, sizeof(*r->im.ifs));
	r->im.n_ifs = N;
	for (int i = 0; i < N; i++) {
		struct ifm_if *ifp = &r->im.ifs[i];
		struct ifs_addr a = { .plen = 24 };

		r->bs[i].name = xasprintf("GigabitEthernet0/1/%d", i);
		r->bs[i].netdev = xasprintf("eth%d", i);
		ifp->bs = &r->bs[i];
		ifs_obs_init(&ifp->have);
		ifp->want.admin_up = true;
		ifp->have.present = i % 7 != 0;
		ifp->have.ifindex = 10 + i;
		ifp->have.flags = IFF_UP | (i % 3 ? IFF_RUNNING : 0);
		a.local.s_addr = htonl(0x0a000001u + ((uint32_t)i << 8));
		a.peer = a.local;
		ifs_obs_addr_add(&ifp->have, &a);
		if (i % 5 == 0) {
			a.local.s_addr = htonl(0xc0a80001u + (uint32_t)i);
			a.peer = a.local;
			a.secondary = true;
			ifs_obs_addr_add(&ifp->have, &a);
		}
		if (i % 4 == 0)
			snprintf(ifp->want.vpn, sizeof(ifp->want.vpn), "blue");
	}
	/* An unconfigured LoopBack is not shown. */
	r->im.ifs[N - 1].loopback = true;
	snprintf(r->vpn1.vpn, sizeof(r->vpn1.vpn), "blue");
	snprintf(r->vpn1.netns, sizeof(r->vpn1.netns), "mr-blue");
	r->vpn1.configured = true;
	r->ns[0] = &r->ns0;
	r->ns[1] = &r->vpn1;
	r->im.ns = r->ns;
	r->im.n_ns = 2;
}

static void rig_free(struct rig *r)
{
	for (int i = 0; i < N; i++) {
		ifs_obs_free(&r->im.ifs[i].have);
		ifmgrd_pubc_free(&r->im.ifs[i].pub);
		free(r->bs[i].name);
		free(r->bs[i].netdev);
	}
	free(r->im.ifs);
}

/* The reference: every interface filled and the message packed whole. */
static uint8_t *full_pack(struct rig *r, size_t *len)
{
	IfStates *st = ifmgrd_states(&r->im, NULL);
	uint8_t *buf = bus_pack(&st->base, len);

	ifmgrd_states_free(st);
	return buf;
}

static void assert_same(struct rig *r)
{
	size_t len, ref_len;
	uint8_t *got = ifmgrd_pack_states(&r->im, &len);
	uint8_t *ref = full_pack(r, &ref_len);
	IfStates *st;

	cr_assert_eq(len, ref_len);
	cr_assert_eq(memcmp(got, ref, len), 0);
	st = if_states__unpack(NULL, len, got);
	cr_assert_not_null(st);
	cr_assert_eq(st->n_interface, N - 1);
	cr_assert_eq(st->n_vpn, 1);
	cr_assert_str_eq(st->interface[3]->name, "GigabitEthernet0/1/3");
	if_states__free_unpacked(st, NULL);
	free(got);
	free(ref);
}

Test(pubcache, equals_full_fill)
{
	struct rig r;

	rig_init(&r);
	assert_same(&r);
	assert_same(&r);
	rig_free(&r);
}

Test(pubcache, one_change_refills_one)
{
	struct rig r;
	uint64_t fills[N];
	uint8_t *before[N];
	struct ifs_addr a = { .plen = 16 };

	rig_init(&r);
	assert_same(&r);
	for (int i = 0; i < N; i++) {
		fills[i] = r.im.ifs[i].pub.fills;
		before[i] = r.im.ifs[i].pub.bytes ? xmalloc(r.im.ifs[i].pub.len + 1) : NULL;
		if (before[i])
			memcpy(before[i], r.im.ifs[i].pub.bytes, r.im.ifs[i].pub.len);
	}
	a.local.s_addr = htonl(0xac100001u);
	a.peer = a.local;
	ifs_obs_addr_add(&r.im.ifs[9].have, &a);
	r.im.ifs[20].have.flags &= ~IFF_RUNNING;
	assert_same(&r);
	for (int i = 0; i < N - 1; i++) {
		if (i == 9 || i == 20) {
			cr_assert_eq(r.im.ifs[i].pub.fills, fills[i] + 1, "entry %d", i);
			continue;
		}
		cr_assert_eq(r.im.ifs[i].pub.fills, fills[i], "entry %d filled again", i);
		cr_assert_eq(memcmp(before[i], r.im.ifs[i].pub.bytes, r.im.ifs[i].pub.len), 0);
	}
	cr_assert_not(r.im.ifs[20].pub.oper_up);
	/* The LoopBack configured: shown, and the same as the full fill. */
	r.im.ifs[N - 1].configured = true;
	{
		size_t len;
		uint8_t *got = ifmgrd_pack_states(&r.im, &len);
		uint8_t *ref;
		size_t ref_len;

		ref = full_pack(&r, &ref_len);
		cr_assert_eq(len, ref_len);
		cr_assert_eq(memcmp(got, ref, len), 0);
		free(got);
		free(ref);
	}
	for (int i = 0; i < N; i++)
		free(before[i]);
	rig_free(&r);
}
