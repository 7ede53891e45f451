/*
 * test_linklocal.c: link-local IPv6 servers and peers (fe80::/10).
 *
 *  - naddr: the scope (an ifindex) of a link-local address, kept by the
 *    socket conversions and the comparison, ignored by the text, the
 *    reference id and every other address;
 *  - in a private network namespace (root; skipped otherwise), on a veth
 *    pair whose two ends are the two cores' GigabitEthernet0/1/0 (S on
 *    mrdp, C on mrd), with the link-local addresses the kernel gave them
 *    after DAD: C synchronizes to S's link-local address through its
 *    source-interface, sending from its own link-local address; S answers
 *    a client of its link-local address by the interface the request came
 *    in on, as a server everywhere, as `server source-interface` and as a
 *    symmetric passive peer; displays show the addresses as VRP does;
 *  - one address on two interfaces is two associations, and replies are
 *    matched by address and interface; an association follows its
 *    interface (ifindex changed, gone, back) and waits for a link-local
 *    address that is on its way.
 * The cores are pair_world.h's; ifmgrd is played by the test (IfStates).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netns.h"
#include "ntpd.h"
#include "pair_world.h"

#define GE "GigabitEthernet0/1/0"
#define GE2 "GigabitEthernet0/2/0"

/* ---- naddr ------------------------------------------------------------- */

static const struct naddr g_unscoped = { .family = AF_INET6, .v6 = { { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } } } };

Test(naddr, link_local_scope)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct naddr a, a3, a4, g, back;
	char txt[NADDR_STRLEN];

	cr_assert_eq(naddr_parse("fe80::1", &a), 0);
	cr_assert(naddr_is_linklocal(&a));
	cr_assert_eq(a.scope, 0, "text has no scope");
	a3 = naddr_scoped(&a, 3);
	a4 = naddr_scoped(&a, 4);
	cr_assert_eq(a3.scope, 3);
	cr_assert_not(naddr_eq(&a3, &a4), "one address on two interfaces: two hosts");
	cr_assert_not(naddr_eq(&a3, &a));
	cr_assert(naddr_eq(&a3, &(struct naddr){ .family = AF_INET6, .v6 = a.v6, .scope = 3 }));
	/* The text, the reference id and the hash ignore it. */
	cr_assert_str_eq(naddr_str(&a3, txt, sizeof(txt)), "FE80::1");
	cr_assert_eq(naddr_refid(&a3), naddr_refid(&a4));
	cr_assert_eq(naddr_hash(&a3), naddr_hash(&a));
	/* Logs name the interface (lo is ifindex 1; 4000000 is no interface). */
	{
		char ltxt[NADDR_LOGLEN];
		struct naddr lo = naddr_scoped(&a, 1), none = naddr_scoped(&a, 4000000);

		cr_assert_str_eq(naddr_log_str(&lo, ltxt, sizeof(ltxt)), "FE80::1%lo");
		cr_assert_str_eq(naddr_log_str(&none, ltxt, sizeof(ltxt)), "FE80::1%4000000");
		cr_assert_str_eq(naddr_log_str(&g_unscoped, ltxt, sizeof(ltxt)), "2001:DB8::1");
	}
	/* Socket addresses carry it both ways. */
	cr_assert_eq(naddr_to_sockaddr(&a3, 123, &ss), sizeof(struct sockaddr_in6));
	cr_assert_eq(s6->sin6_scope_id, 3);
	cr_assert_eq(naddr_from_sockaddr((struct sockaddr *)&ss, sizeof(*s6), &back, NULL), 0);
	cr_assert(naddr_eq(&back, &a3));
	/* Other addresses have none, whatever a socket address says. */
	cr_assert_eq(naddr_parse("2001:db8::1", &g), 0);
	cr_assert_not(naddr_is_linklocal(&g));
	cr_assert_eq(naddr_scoped(&g, 3).scope, 0);
	naddr_to_sockaddr(&g, 123, &ss);
	s6->sin6_scope_id = 3;
	cr_assert_eq(naddr_from_sockaddr((struct sockaddr *)&ss, sizeof(*s6), &back, NULL), 0);
	cr_assert(naddr_eq(&back, &g));
	cr_assert_eq(naddr_scoped(NADDR_V4P(inet_addr("10.0.1.31")), 3).scope, 0);
	cr_assert_eq(naddr_parse("febf::1", &a), 0);
	cr_assert(naddr_is_linklocal(&a), "fe80::/10");
	cr_assert_eq(naddr_parse("fec0::1", &a), 0);
	cr_assert_not(naddr_is_linklocal(&a));
}

/* ---- a veth pair in a private namespace -------------------------------- */

struct link {
	char ll[INET6_ADDRSTRLEN];    /* the link-local address after DAD */
	char upper[INET6_ADDRSTRLEN]; /* the same as VRP prints it */
	unsigned ifindex;
};

static struct link link_s, link_c;   /* S's end (mrdp), C's end (mrd) */

static void link_read(struct link *l, const char *dev)
{
	nl_wait_link_local(dev, l->ll, sizeof(l->ll), 10000);
	l->ifindex = if_nametoindex(dev);
	cr_assert_gt(l->ifindex, 0);
	for (size_t i = 0; i <= strlen(l->ll); i++)
		l->upper[i] = (char)toupper((unsigned char)l->ll[i]);
}

/* Enter a namespace with the veth pair mrd <-> mrdp up (a carrier: DAD
 * runs) and wait for both link-local addresses. */
static void links_up(void)
{
	nl_enter_namespace();
	if (access("/proc/sys/net/ipv6/conf/default/disable_ipv6", F_OK) != 0)
		cr_skip_test("no IPv6 in this kernel");
	nl_new_veth("mrd");
	nl_set_up("mrd");
	nl_set_up("mrdp");
	link_read(&link_s, "mrdp");
	link_read(&link_c, "mrd");
}

/* What ifmgrd would publish: interfaces names[i] with ifindex[i] (0: the
 * netdev is absent) and link-local address ll[i] ("" or NULL: none). */
static void set_links(struct ntpd *core, size_t n, const char *const *names,
		      const unsigned *ifindex, const char *const *ll)
{
	IfStates st = IF_STATES__INIT;
	IfState is[2] = { IF_STATE__INIT, IF_STATE__INIT };
	IfState *list[2] = { &is[0], &is[1] };

	cr_assert_leq(n, 2);
	for (size_t i = 0; i < n; i++) {
		is[i].name = (char *)names[i];
		is[i].primary_ipv4 = "";
		is[i].has_oper_up = is[i].oper_up = ifindex[i] != 0;
		is[i].has_ifindex = true;
		is[i].ifindex = ifindex[i];
		is[i].ipv6_link_local = (char *)(ll[i] ? ll[i] : "");
	}
	st.n_interface = n;
	st.interface = list;
	ntpd_apply_ifstates(core, &st);
}

static void set_link(struct ntpd *core, const struct link *l)
{
	const char *name = GE, *ll = l->ll;

	set_links(core, 1, &name, &l->ifindex, &ll);
}

/* links_up(), then pair_world's cores, each told of its end of the pair. */
static void links_world(struct pair *f)
{
	links_up();
	pair_init(f);
	set_link(f->s, &link_s);
	set_link(f->c, &link_c);
}

/* The address text on interface ifindex. */
static struct naddr scoped(const char *text, unsigned ifindex)
{
	struct naddr a;

	cr_assert_eq(naddr_parse(text, &a), 0, "%s", text);
	return naddr_scoped(&a, ifindex);
}

static void check_session(struct ntpd *core, const char *source, const char *local)
{
	NtpReply *r = pair_ask_sessions(core, true);

	cr_assert_eq(r->n_session, 1);
	cr_assert_str_eq(r->session[0]->source, source);
	cr_assert_str_eq(r->session[0]->local, local);
	cr_assert_str_eq(r->session[0]->peer_interface, GE);
	ctl_reply_free(r);
}

Test(linklocal, client_of_a_link_local_server, .timeout = 90)
{
	struct pair f;
	struct assoc *p;
	struct naddr want;

	links_world(&f);
	pair_config_server(&f, NULL);
	cr_assert_eq(pair_config_client(&f, link_s.ll, true, GE, NULL, NULL, 0), 0);

	/* Keyed by S's address on C's interface, sent from C's link-local
	 * address there. */
	p = f.c->assocs;
	cr_assert_not_null(p);
	want = scoped(link_s.ll, link_c.ifindex);
	cr_assert(naddr_eq(&p->addr, &want));
	cr_assert_str_eq(p->addr_text, link_s.upper);
	want = scoped(link_c.ll, link_c.ifindex);
	cr_assert(naddr_eq(&p->src_addr, &want));
	cr_assert_not_null(p->sock);
	cr_assert(naddr_eq(&p->sock->addr, &want), "bound to C's link-local address");

	cr_assert(pair_run_until(&f, pair_c_synced, 60.0), "C did not synchronize over link-local");
	cr_assert_eq(f.c->sys.stratum, 3);
	cr_assert_eq(f.c->sys.peer, p);
	cr_assert_eq(f.c->sys.refid, naddr_refid(&p->addr));
	cr_assert_str_eq(f.c->sys.refid_text, link_s.upper);
	/* S answered on the wildcard, from its link-local address, out of the
	 * interface the requests came in on (C got the answers). */
	cr_assert_gt(f.s->stats6.answered, 3);
	cr_assert_eq(f.c->stats.send_err, 0);
	cr_assert(naddr_eq(&p->dst_addr, &want), "our address on the answers, with its interface");
	check_session(f.c, link_s.upper, link_c.upper);
	cr_assert_eq(f.c->n_op_errs, 0);
	pair_fini(&f);
}

Test(linklocal, global_source_interface_and_server_source_interface, .timeout = 90)
{
	struct pair f;
	struct naddr ll;

	links_world(&f);
	/* S serves only on its interface, which has a link-local address and
	 * nothing else: no error, a serving socket there. */
	pair_config_server(&f, GE);
	cr_assert_eq(f.s->n_op_errs, 0, "%s", f.s->n_op_errs ? f.s->op_errs[0] : "");
	cr_assert_null(f.s->server_sock);
	cr_assert_null(f.s->server_sock6);
	cr_assert_eq(f.s->n_socks, 1);
	ll = scoped(link_s.ll, link_s.ifindex);
	cr_assert(naddr_eq(&f.s->socks[0]->addr, &ll));
	cr_assert(f.s->socks[0]->serves);
	/* C names the interface once, for every IPv6 server. */
	cr_assert_eq(pair_config_client(&f, link_s.ll, true, NULL, GE, NULL, 0), 0);
	cr_assert(pair_run_until(&f, pair_c_synced, 60.0), "C did not synchronize");
	cr_assert_eq(f.c->sys.stratum, 3);
	cr_assert_eq(f.s->stats.drop[NTPD_DROP_NOT_SERVING], 0);
	pair_fini(&f);
}

static bool c_synced_and_s_has_peer(struct pair *f)
{
	return pair_c_synced(f) && f->s->assocs && f->s->assocs->reach;
}

Test(linklocal, symmetric_peers_over_link_local, .timeout = 90)
{
	struct pair f;
	struct naddr want;
	struct assoc *dyn;

	links_world(&f);
	pair_config_server(&f, NULL);
	cr_assert_eq(pair_config_assoc(&f, true, link_s.ll, true, GE, NULL, NULL, 0), 0);
	cr_assert(pair_run_until(&f, c_synced_and_s_has_peer, 60.0), "C did not synchronize to S");
	/* S's dynamic passive association: C's address on S's interface. */
	dyn = f.s->assocs;
	cr_assert(dyn->dynamic);
	want = scoped(link_c.ll, link_s.ifindex);
	cr_assert(naddr_eq(&dyn->addr, &want));
	cr_assert_str_eq(dyn->addr_text, link_c.upper);
	pair_fini(&f);
}

/* A datagram of mode `mode` from fe80::1 port core->port on interface
 * ifindex, through ntpd_input. */
static void input_from(struct ntpd *core, int mode, unsigned ifindex)
{
	struct ntp_packet pkt;
	uint8_t buf[NTP_HEADER_LEN], reply[NTPD_PKT_MAX];
	struct ntpd_rx rx;

	memset(&pkt, 0, sizeof(pkt));
	pkt.version = 4;
	pkt.mode = (uint8_t)mode;
	pkt.stratum = 2;
	pkt.org = 1;
	pkt.xmt = ntp_clock_now(core->clock);
	cr_assert_eq(ntp_packet_encode(&pkt, buf, sizeof(buf)), NTP_HEADER_LEN);
	memset(&rx, 0, sizeof(rx));
	rx.buf = buf;
	rx.len = sizeof(buf);
	rx.src = scoped("fe80::1", ifindex);
	rx.src_port = core->port;
	rx.dst = naddr_any(AF_INET6);
	rx.ifindex = ifindex;
	rx.ts = ntp_clock_now(core->clock);
	rx.serving = true;
	ntpd_input(core, &rx, reply, sizeof(reply));
}

static struct assoc *assoc_with_mode(struct ntpd *core, int hmode)
{
	for (struct assoc *p = core->assocs; p; p = p->next)
		if (p->opts.hmode == hmode)
			return p;
	return NULL;
}

/* unicast-server fe80::1 source-interface GE and unicast-peer fe80::1
 * source-interface GE2 (on our own port); interface GE configured up
 * when ge_up.  The number of errors, the first in err. */
static int config_both(struct ntpd *core, bool ge_up, char *err, size_t len)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	Interface in = INTERFACE__INIT;
	Interface *ins[1] = { &in };
	NtpAssociation srv = NTP_ASSOCIATION__INIT, peer = NTP_ASSOCIATION__INIT;
	NtpAssociation *srvs[1] = { &srv }, *peers[1] = { &peer };

	srv.address = peer.address = "fe80::1";
	srv.has_ipv6 = srv.ipv6 = peer.has_ipv6 = peer.ipv6 = true;
	srv.source_interface = GE;
	peer.source_interface = GE2;
	ntp.unicast_server = srvs;
	ntp.n_unicast_server = 1;
	ntp.unicast_peer = peers;
	ntp.n_unicast_peer = 1;
	cfg.ntp = &ntp;
	in.name = GE;
	in.has_shutdown = true;
	in.shutdown = !ge_up;
	cfg.interface = ins;
	cfg.n_interface = 1;
	return ntpd_rig_apply(core, &cfg, err, len);
}

Test(linklocal, one_address_on_two_interfaces)
{
	struct pair f;
	const char *names[2] = { GE, GE2 };
	unsigned idx[2];
	const char *ll[2];
	struct assoc *srv, *peer;
	char err[256];

	links_up();
	pair_init(&f);
	idx[0] = link_c.ifindex;
	idx[1] = link_s.ifindex;
	ll[0] = link_c.ll;
	ll[1] = link_s.ll;
	set_links(f.c, 2, names, idx, ll);
	cr_assert_eq(config_both(f.c, true, err, sizeof(err)), 0, "%s", err);
	srv = assoc_with_mode(f.c, NTP_MODE_CLIENT);
	peer = assoc_with_mode(f.c, NTP_MODE_ACTIVE);
	cr_assert(srv && peer);
	cr_assert_eq(srv->addr.scope, link_c.ifindex);
	cr_assert_eq(peer->addr.scope, link_s.ifindex);
	cr_assert_str_eq(srv->addr_text, "FE80::1");
	cr_assert_str_eq(peer->addr_text, "FE80::1");

	/* Each answer goes to the association of its interface. */
	input_from(f.c, NTP_MODE_SERVER, link_c.ifindex);
	cr_assert_eq(srv->cnt.rx, 1);
	cr_assert_eq(peer->cnt.rx, 0);
	input_from(f.c, NTP_MODE_PASSIVE, link_s.ifindex);
	cr_assert_eq(peer->cnt.rx, 1);
	cr_assert_eq(srv->cnt.rx, 1);
	/* A server answer on the peer's interface, or without one, has no
	 * association. */
	input_from(f.c, NTP_MODE_SERVER, link_s.ifindex);
	input_from(f.c, NTP_MODE_SERVER, 0);
	cr_assert_eq(f.c->stats.drop[NTPD_DROP_NO_ASSOC], 2);
	cr_assert_eq(srv->cnt.rx + peer->cnt.rx, 2);

	/* GE's netdev comes back with another ifindex: the server follows. */
	idx[0] = link_c.ifindex + 100;
	set_links(f.c, 2, names, idx, ll);
	srv = assoc_with_mode(f.c, NTP_MODE_CLIENT);
	cr_assert_not_null(srv);
	cr_assert_eq(srv->addr.scope, link_c.ifindex + 100);
	cr_assert_eq(srv->src_addr.scope, link_c.ifindex + 100);
	cr_assert_eq(assoc_with_mode(f.c, NTP_MODE_ACTIVE), peer, "the peer is untouched");

	/* GE gone (configured up: on its way, no error), then down in the
	 * configuration too (an error naming it); then back. */
	idx[0] = 0;
	ll[0] = "";
	set_links(f.c, 2, names, idx, ll);
	cr_assert_null(assoc_with_mode(f.c, NTP_MODE_CLIENT));
	cr_assert_eq(f.c->n_op_errs, 0, "%s", f.c->n_op_errs ? f.c->op_errs[0] : "");
	cr_assert_eq(config_both(f.c, false, err, sizeof(err)), 1);
	cr_assert_str_eq(err, "unicast-server fe80::1: source-interface " GE " has no link-local "
			 "IPv6 address");
	idx[0] = link_c.ifindex;
	ll[0] = link_c.ll;
	set_links(f.c, 2, names, idx, ll);
	srv = assoc_with_mode(f.c, NTP_MODE_CLIENT);
	cr_assert_not_null(srv);
	cr_assert_eq(srv->addr.scope, link_c.ifindex);
	cr_assert_eq(f.c->n_op_errs, 0, "%s", f.c->n_op_errs ? f.c->op_errs[0] : "");
	pair_fini(&f);
}

Test(linklocal, needs_an_interface)
{
	struct pair f;
	char err[256];

	pair_init(&f);
	/* cfgd refuses it; ntpd, which never vetoes, says why it does nothing. */
	cr_assert_eq(pair_config_client(&f, "fe80::1", true, NULL, NULL, err, sizeof(err)), 1);
	cr_assert_str_eq(err, "unicast-server fe80::1: a link-local address needs a "
			 "source-interface");
	cr_assert_null(f.c->assocs);
	pair_fini(&f);
}
