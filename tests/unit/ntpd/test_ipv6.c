/*
 * test_ipv6.c: ntpd over IPv6: the address type (naddr.c), a client
 * synchronizing to a server over ::1 with real sockets, IPv6 source
 * addresses (`source-interface`, `ntp-service ipv6 source-interface`,
 * `server source-interface`), the reference id of an IPv6 peer (RFC 5905
 * section 7.3: an MD5 digest) and the loop test on it, symmetric peers and
 * domain names over IPv6, packet statistics per family, and access control
 * of IPv6 sources.  Two cores in one process, each on its own port.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access.h"
#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"
#include "pair_world.h"

/* ---- naddr ------------------------------------------------------------- */

Test(naddr, parse_and_text)
{
	struct naddr a, b;
	char txt[NADDR_STRLEN];

	cr_assert_eq(naddr_parse("2001:db8::1", &a), 0);
	cr_assert_eq(a.family, AF_INET6);
	cr_assert_str_eq(naddr_str(&a, txt, sizeof(txt)), "2001:DB8::1");
	cr_assert_eq(naddr_parse("2001:0DB8:0:0::1", &b), 0);
	cr_assert(naddr_eq(&a, &b), "one address, two spellings");
	cr_assert_eq(naddr_parse("10.0.1.31", &b), 0);
	cr_assert_eq(b.family, AF_INET);
	cr_assert_str_eq(naddr_str(&b, txt, sizeof(txt)), "10.0.1.31");
	cr_assert_not(naddr_eq(&a, &b));
	cr_assert_eq(naddr_parse("2001:db8::g", &a), -EINVAL);
	cr_assert_eq(naddr_parse("ntp.example", &a), -EINVAL);
	cr_assert_eq(naddr_parse(NULL, &a), -EINVAL);
	a = naddr_any(AF_UNSPEC);
	cr_assert_not(naddr_isset(&a));
	cr_assert_str_eq(naddr_str(&a, txt, sizeof(txt)), "");
	a = naddr_any(AF_INET6);
	cr_assert(naddr_is_any(&a));
	cr_assert_str_eq(naddr_str(&a, txt, sizeof(txt)), "::");
}

Test(naddr, socket_addresses)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 s6;
	struct naddr a, b;
	uint16_t port = 0;
	socklen_t len;

	cr_assert_eq(naddr_parse("2001:db8::7", &a), 0);
	len = naddr_to_sockaddr(&a, 4123, &ss);
	cr_assert_eq(len, sizeof(struct sockaddr_in6));
	cr_assert_eq(naddr_from_sockaddr((struct sockaddr *)&ss, len, &b, &port), 0);
	cr_assert(naddr_eq(&a, &b));
	cr_assert_eq(port, 4123);
	/* An IPv4-mapped address is the IPv4 host. */
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	cr_assert_eq(inet_pton(AF_INET6, "::ffff:10.0.1.31", &s6.sin6_addr), 1);
	cr_assert_eq(naddr_from_sockaddr((struct sockaddr *)&s6, sizeof(s6), &b, NULL), 0);
	cr_assert_eq(b.family, AF_INET);
	cr_assert_eq(b.v4.s_addr, inet_addr("10.0.1.31"));
	/* Short or foreign socket addresses are refused. */
	cr_assert_eq(naddr_from_sockaddr((struct sockaddr *)&s6, 8, &b, NULL), -EAFNOSUPPORT);
	ss.ss_family = AF_UNIX;
	cr_assert_eq(naddr_from_sockaddr((struct sockaddr *)&ss, sizeof(ss), &b, NULL),
		     -EAFNOSUPPORT);
	a = naddr_any(AF_UNSPEC);
	cr_assert_eq(naddr_to_sockaddr(&a, 123, &ss), 0);
}

Test(naddr, reference_ids)
{
	struct naddr a;
	uint8_t b[4];
	uint32_t r;

	/* IPv4: the address itself. */
	cr_assert_eq(naddr_parse("10.0.1.31", &a), 0);
	cr_assert_eq(naddr_refid(&a), inet_addr("10.0.1.31"));
	/* IPv6: the first four octets of the MD5 digest of the address
	 * (RFC 5905 section 7.3); figures from Python's hashlib. */
	cr_assert_eq(naddr_parse("::1", &a), 0);
	r = naddr_refid(&a);
	memcpy(b, &r, 4);
	cr_assert(b[0] == 0xcf && b[1] == 0x40 && b[2] == 0x4d && b[3] == 0xc8);
	cr_assert_eq(naddr_parse("2001:db8::5", &a), 0);
	r = naddr_refid(&a);
	memcpy(b, &r, 4);
	cr_assert(b[0] == 0x10 && b[1] == 0x4e && b[2] == 0x2d && b[3] == 0xa3);
	a = naddr_any(AF_UNSPEC);
	cr_assert_eq(naddr_refid(&a), 0);
}

Test(naddr, hash_spreads_sources)
{
	struct naddr a;
	bool seen[64] = { false };
	int distinct = 0;

	cr_assert_eq(naddr_parse("2001:db8::", &a), 0);
	for (int i = 0; i < 256; i++) {
		a.v6.s6_addr[15] = (uint8_t)i;
		seen[naddr_hash(&a) % 64] = true;
	}
	for (int i = 0; i < 64; i++)
		distinct += seen[i];
	cr_assert_gt(distinct, 48, "256 neighbours fill %d of 64 buckets", distinct);
}

/* ---- two cores over ::1 (pair_world.h) ---------------------------------- */

/* LoopBack0 with 127.0.0.1 (unless v4 is NULL) and the IPv6 address v6
 * (unless NULL). */
static void set_lo(struct ntpd *core, const char *v4, const char *v6)
{
	IfStates st = IF_STATES__INIT;
	IfState lo = IF_STATE__INIT;
	IfState *list[1] = { &lo };
	char *six[1] = { (char *)v6 };

	lo.name = "LoopBack0";
	lo.primary_ipv4 = (char *)(v4 ? v4 : "");
	if (v6) {
		lo.n_ipv6 = 1;
		lo.ipv6 = six;
	}
	lo.has_oper_up = lo.oper_up = true;
	lo.has_ifindex = true;
	lo.ifindex = 1;
	st.n_interface = 1;
	st.interface = list;
	ntpd_apply_ifstates(core, &st);
}

Test(ipv6, client_synchronizes_over_ipv6, .timeout = 90)
{
	struct pair f;
	struct naddr lo6;
	struct assoc *p;
	NtpReply *r;

	pair_init(&f);
	set_lo(f.s, "127.0.0.1", "::1");
	pair_config_server(&f, NULL);
	cr_assert_not_null(f.s->server_sock6, "S serves on the IPv6 wildcard too");
	cr_assert_eq(pair_config_client(&f, "::1", true, NULL, NULL, NULL, 0), 0);
	p = f.c->assocs;
	cr_assert_not_null(p);
	cr_assert_eq(p->addr.family, AF_INET6);
	cr_assert_str_eq(p->addr_text, "::1");
	cr_assert_not_null(p->sock);
	cr_assert_eq(p->sock->addr.family, AF_INET6);
	cr_assert(pair_run_until(&f, pair_c_synced, 60.0), "C did not synchronize over IPv6");
	cr_assert_eq(f.c->sys.stratum, 3);
	cr_assert_eq(f.c->sys.peer, p);
	/* The reference id names an IPv6 server by a digest; the display says
	 * the address. */
	cr_assert_eq(naddr_parse("::1", &lo6), 0);
	cr_assert_eq(f.c->sys.refid, naddr_refid(&lo6));
	cr_assert_str_eq(f.c->sys.refid_text, "::1");
	cr_assert_gt(f.s->stats.answered, 3);
	cr_assert_eq(p->dst_addr.family, AF_INET6);

	/* `display ntp-service statistics packet`: C's packets are all IPv6. */
	{
		NtpReply pr = NTP_REPLY__INIT;

		pr.packet_stats = calloc(1, sizeof(*pr.packet_stats));
		pr.packet_stats6 = calloc(1, sizeof(*pr.packet_stats6));
		ctl_fill_packet_stats(f.c, pr.packet_stats);
		ctl_fill_packet_stats6(f.c, pr.packet_stats6);
		cr_assert_eq(pr.packet_stats->received, 0);
		cr_assert_eq(pr.packet_stats->sent, 0);
		cr_assert_gt(pr.packet_stats6->received, 3);
		cr_assert_gt(pr.packet_stats6->sent, 3);
		cr_assert_eq(f.c->stats.received, f.c->stats6.received);
		/* ctl_reply_free frees what the fills allocated (and pr itself). */
		ctl_reply_free(memcpy(malloc(sizeof(pr)), &pr, sizeof(pr)));
	}

	r = pair_ask_sessions(f.c, false);
	cr_assert_eq(r->n_session, 1);
	cr_assert_str_eq(r->session[0]->source, "::1");
	cr_assert_str_eq(r->session[0]->local, "::1");
	ctl_reply_free(r);
	pair_fini(&f);
}

Test(ipv6, symmetric_peers_over_ipv6, .timeout = 90)
{
	struct pair f;
	struct assoc *dyn;

	pair_init(&f);
	pair_config_server(&f, NULL);
	/* C is S's symmetric-active peer over IPv6; S answers with a dynamic
	 * passive association keyed by C's IPv6 address and port. */
	cr_assert_eq(pair_config_assoc(&f, true, "::1", true, NULL, NULL, NULL, 0), 0);
	cr_assert_eq(f.c->assocs->opts.hmode, NTP_MODE_ACTIVE);
	cr_assert(pair_run_until(&f, pair_c_synced, 60.0), "C did not synchronize to its IPv6 peer");
	dyn = f.s->assocs;
	cr_assert_not_null(dyn);
	cr_assert(dyn->dynamic);
	cr_assert_eq(dyn->opts.hmode, NTP_MODE_PASSIVE);
	cr_assert_eq(dyn->addr.family, AF_INET6);
	cr_assert_eq(dyn->opts.port, f.bs_c.ntp.port);
	cr_assert_eq(f.c->sys.stratum, 3);
	pair_fini(&f);
}

static int resolve_to_v6(const char *name, struct naddr *addr, void *arg)
{
	return strcmp(name, "ntp6.test") == 0 ? naddr_parse("::1", addr) : -ENXIO;
}

static bool c_has_assoc(struct pair *f)
{
	return f->c->assocs != NULL;
}

Test(ipv6, keyword_literals_and_names)
{
	struct pair f;
	struct assoc *p;
	char err[256];

	pair_init(&f);
	/* A domain name with only IPv6 answers gives an IPv6 association. */
	ntpd_set_resolver(f.c, resolve_to_v6, NULL);
	cr_assert_eq(pair_config_client(&f, "ntp6.test", false, NULL, NULL, NULL, 0), 0);
	cr_assert(pair_run_until(&f, c_has_assoc, 10.0), "the name was not resolved");
	cr_assert_eq(f.c->assocs->addr.family, AF_INET6);
	cr_assert_str_eq(f.c->assocs->opts.host, "ntp6.test");
	/* `ipv6` with an IPv4 literal is refused (cfgd refuses it too). */
	cr_assert_eq(pair_config_client(&f, "127.0.0.1", true, NULL, NULL, err, sizeof(err)), 1);
	cr_assert(strstr(err, "is not an IPv6 address"), "%s", err);
	cr_assert_null(f.c->assocs);
	/* An IPv6 literal without the keyword is still an IPv6 host. */
	cr_assert_eq(pair_config_client(&f, "::1", false, NULL, NULL, NULL, 0), 0);
	p = f.c->assocs;
	cr_assert_not_null(p);
	cr_assert_eq(p->addr.family, AF_INET6);
	pair_fini(&f);
}

Test(ipv6, source_interfaces)
{
	struct pair f;
	struct assoc *p;
	char err[256];

	pair_init(&f);
	/* Per association: LoopBack0's IPv6 address. */
	set_lo(f.c, "127.0.0.1", "::1");
	cr_assert_eq(pair_config_client(&f, "::1", true, "LoopBack0", NULL, NULL, 0), 0);
	p = f.c->assocs;
	cr_assert_not_null(p);
	cr_assert_eq(p->src_addr.family, AF_INET6);
	cr_assert(IN6_IS_ADDR_LOOPBACK(&p->src_addr.v6));
	cr_assert_not_null(p->sock);
	cr_assert(IN6_IS_ADDR_LOOPBACK(&p->sock->addr.v6), "bound to ::1, not the wildcard");

	/* `ntp-service ipv6 source-interface`: the same for every IPv6 server. */
	cr_assert_eq(pair_config_client(&f, "::1", true, NULL, "LoopBack0", NULL, 0), 0);
	p = f.c->assocs;
	cr_assert(IN6_IS_ADDR_LOOPBACK(&p->sock->addr.v6));
	cr_assert_eq(f.c->global_src6.family, AF_INET6);

	/* An interface without IPv6 address: an error naming it, retried when
	 * the address comes. */
	set_lo(f.c, "127.0.0.1", NULL);
	cr_assert_eq(pair_config_client(&f, "::1", true, "LoopBack0", NULL, err, sizeof(err)), 1);
	cr_assert(strstr(err, "LoopBack0 has no IPv6 address"), "%s", err);
	set_lo(f.c, "127.0.0.1", "::1");
	cr_assert_eq(f.c->n_op_errs, 0);
	p = f.c->assocs;
	cr_assert(IN6_IS_ADDR_LOOPBACK(&p->sock->addr.v6));
	pair_fini(&f);
}

Test(ipv6, server_source_interface_with_ipv6_only)
{
	struct pair f;

	pair_init(&f);
	set_lo(f.s, NULL, "::1");
	pair_config_server(&f, "LoopBack0");
	cr_assert_null(f.s->server_sock, "no IPv4 address: no IPv4 serving socket");
	cr_assert_not_null(f.s->server_sock6);
	cr_assert(IN6_IS_ADDR_LOOPBACK(&f.s->server_sock6->addr.v6));
	cr_assert_eq(f.s->n_op_errs, 0);
	/* A client reaches it there. */
	cr_assert_eq(pair_config_client(&f, "::1", true, NULL, NULL, NULL, 0), 0);
	cr_assert(pair_run_until(&f, pair_c_synced, 60.0));
	pair_fini(&f);
}

/* A mode 3 request from src to S, through ntpd_input; the reply length. */
static int request_from(struct pair *f, const char *src)
{
	struct ntp_packet q;
	uint8_t buf[NTP_HEADER_LEN], reply[NTPD_PKT_MAX];
	struct ntpd_rx rx;

	memset(&q, 0, sizeof(q));
	q.version = 4;
	q.mode = NTP_MODE_CLIENT;
	q.xmt = ntp_clock_now(f->c->clock);
	cr_assert_eq(ntp_packet_encode(&q, buf, sizeof(buf)), NTP_HEADER_LEN);
	memset(&rx, 0, sizeof(rx));
	rx.buf = buf;
	rx.len = sizeof(buf);
	cr_assert_eq(naddr_parse(src, &rx.src), 0);
	rx.src_port = 40000;
	rx.dst = rx.src.family == AF_INET6 ? naddr_any(AF_INET6) : naddr_v4(inet_addr("127.0.0.1"));
	rx.ts = ntp_clock_now(f->s->clock);
	rx.serving = true;
	return ntpd_input(f->s, &rx, reply, sizeof(reply));
}

Test(ipv6, access_control_of_ipv6_sources)
{
	struct pair f;
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;
	NtpAccess acc = NTP_ACCESS__INIT;
	NtpDiscard disc = NTP_DISCARD__INIT;
	Acl acl = ACL__INIT;
	AclRule rule = ACL_RULE__INIT;
	Acl *acls[1] = { &acl };
	AclRule *rules[1] = { &rule };
	int answered = 0, limited;

	pair_init(&f);
	rm.has_stratum = true;
	rm.stratum = 2;
	ntp.refclock_master = &rm;
	/* Only 10.0.0.0/8 may ask for time. */
	acl.number = "2000";
	acl.n_rule = 1;
	acl.rule = rules;
	rule.id = "5";
	rule.source = "10.0.0.0";
	rule.wildcard = "0.255.255.255";
	acc.has_server = true;
	acc.server = 2000;
	ntp.access = &acc;
	cfg.n_acl = 1;
	cfg.acl = acls;
	cfg.ntp = &ntp;
	cr_assert_eq(ntpd_rig_apply(f.s, &cfg, NULL, 0), 0);
	cr_assert_gt(request_from(&f, "10.1.2.3"), 0);
	cr_assert_eq(request_from(&f, "192.0.2.1"), 0, "outside the ACL");
	/* IPv4 ACLs say nothing about IPv6 sources (VRP: `ntp-service ipv6
	 * access`): answered. */
	cr_assert_gt(request_from(&f, "2001:db8::99"), 0);

	/* `discard` limits every source, IPv6 ones too, each on its own. */
	ntp.access = NULL;
	cfg.n_acl = 0;
	disc.has_min_interval = true;
	disc.min_interval = 4;
	ntp.discard = &disc;
	cr_assert_eq(ntpd_rig_apply(f.s, &cfg, NULL, 0), 0);
	for (int i = 0; i < 5; i++)
		answered += request_from(&f, "2001:db8::99") > 0;
	cr_assert_eq(answered, 1, "the first request only (min-interval 16 s)");
	limited = (int)f.s->stats.drop[NTPD_DROP_RATE];
	cr_assert_eq(limited, 4);
	cr_assert_gt(request_from(&f, "2001:db8::98"), 0, "another source is not limited");
	pair_fini(&f);
}

/* `ntp-service access server 2000 ipv6 2001` and `access limited ipv6
 * 2002`: IPv6 sources are judged by IPv6 ACLs, IPv4 ones by IPv4 ACLs. */
Test(ipv6, ipv6_acls_restrict_ipv6_sources)
{
	struct pair f;
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;
	NtpAccess acc = NTP_ACCESS__INIT, acc6 = NTP_ACCESS__INIT;
	Acl acl = ACL__INIT, acl6 = ACL__INIT, lim6 = ACL__INIT;
	AclRule rule = ACL_RULE__INIT, deny6 = ACL_RULE__INIT, permit6 = ACL_RULE__INIT;
	AclRule lim_rule = ACL_RULE__INIT;
	Acl *acls[1] = { &acl }, *acls6[2] = { &acl6, &lim6 };
	AclRule *rules[1] = { &rule }, *rules6[2] = { &permit6, &deny6 }, *lim_rules[1] = { &lim_rule };
	int answered = 0;

	pair_init(&f);
	rm.has_stratum = true;
	rm.stratum = 2;
	ntp.refclock_master = &rm;
	/* IPv4: only 10.0.0.0/8. */
	acl.number = "2000";
	acl.n_rule = 1;
	acl.rule = rules;
	rule.id = "5";
	rule.source = "10.0.0.0";
	rule.wildcard = "0.255.255.255";
	/* IPv6: 2001:db8:1::/48 but its host ::66 (rule 5 is tried first). */
	acl6.number = "2001";
	acl6.n_rule = 2;
	acl6.rule = rules6;
	deny6.id = "5";
	deny6.has_deny = deny6.deny = true;
	deny6.source = "2001:db8:1::66";
	deny6.has_prefix_len = true;
	deny6.prefix_len = 128;
	permit6.id = "10";
	permit6.source = "2001:db8:1::";
	permit6.has_prefix_len = true;
	permit6.prefix_len = 48;
	acc.has_server = true;
	acc.server = 2000;
	acc6.has_server = true;
	acc6.server = 2001;
	ntp.access = &acc;
	ntp.ipv6_access = &acc6;
	cfg.n_acl = 1;
	cfg.acl = acls;
	cfg.n_acl6 = 1;
	cfg.acl6 = acls6;
	cfg.ntp = &ntp;
	cr_assert_eq(ntpd_rig_apply(f.s, &cfg, NULL, 0), 0);
	cr_assert_gt(request_from(&f, "10.1.2.3"), 0);
	cr_assert_eq(request_from(&f, "192.0.2.1"), 0, "outside the IPv4 ACL");
	cr_assert_gt(request_from(&f, "2001:db8:1:2::7"), 0);
	cr_assert_eq(request_from(&f, "2001:db8:1::66"), 0, "denied by rule 5");
	cr_assert_eq(request_from(&f, "2001:db8:2::7"), 0, "outside the IPv6 ACL");
	cr_assert_eq(f.s->stats6.drop[NTPD_DROP_ACCESS], 2);

	/* Only IPv6 access configured: IPv4 sources keep peer rights. */
	ntp.access = NULL;
	cr_assert_eq(ntpd_rig_apply(f.s, &cfg, NULL, 0), 0);
	cr_assert_gt(request_from(&f, "192.0.2.1"), 0);
	cr_assert_eq(request_from(&f, "2001:db8:2::7"), 0);

	/* `limited ipv6 2002`: IPv6 sources of 2002 are rate limited; nothing
	 * else is, `discard` notwithstanding (a limited ACL is configured). */
	ntp.ipv6_access = &acc6;
	acc6.has_server = false;
	acc6.has_limited = true;
	acc6.limited = 2002;
	lim6.number = "2002";
	lim6.n_rule = 1;
	lim6.rule = lim_rules;
	lim_rule.id = "0";
	lim_rule.source = "2001:db8:9::";
	lim_rule.has_prefix_len = true;
	lim_rule.prefix_len = 64;
	cfg.n_acl6 = 2;
	NtpDiscard disc = NTP_DISCARD__INIT;
	disc.has_min_interval = true;
	disc.min_interval = 4;
	ntp.discard = &disc;
	cr_assert_eq(ntpd_rig_apply(f.s, &cfg, NULL, 0), 0);
	for (int i = 0; i < 3; i++)
		answered += request_from(&f, "2001:db8:9::1") > 0;
	cr_assert_eq(answered, 1, "limited: the first request only");
	for (int i = 0; i < 3; i++)
		cr_assert_gt(request_from(&f, "2001:db8:8::1"), 0, "not in the limited ACL");
	for (int i = 0; i < 3; i++)
		cr_assert_gt(request_from(&f, "192.0.2.9"), 0, "IPv4: not limited");
	pair_fini(&f);
}

Test(ipv6, own_ipv6_address_in_a_refid_is_a_loop)
{
	struct pair f;
	struct naddr mine, other;

	pair_init(&f);
	cr_assert_eq(naddr_parse("2001:db8::5", &mine), 0);
	cr_assert_eq(naddr_parse("2001:db8::6", &other), 0);
	set_lo(f.c, "127.0.0.1", "2001:db8::5");
	cr_assert(sys_is_local_refid(f.c, naddr_refid(&mine)));
	cr_assert_not(sys_is_local_refid(f.c, naddr_refid(&other)));
	cr_assert(sys_is_local_refid(f.c, inet_addr("127.0.0.1")));
	pair_fini(&f);
}
