/*
 * test_access.c: access control, rate limiting and KoD (ntpd/access.c).
 *
 *  - ACL matching (rule order, wildcards, any, deny, no match) and the
 *    levels peer > server > synchronization > query;
 *  - the leaky-bucket rate limit and the global KoD budget;
 *  - through ntpd_input(): a denied client gets KoD DENY (kod-enable) or
 *    silence; a client over the rate limit gets KoD RATE; `server disable`;
 *    `max-dynamic-sessions`; `in-interface disable`;
 *  - end to end between two cores without sockets: a client association
 *    of core B receives core A's KoD RATE (polls less often) and DENY
 *    (stops);
 *  - a commit's objects (ntpd_apply_objects): a changed rule is put in
 *    place in its ACL alone and is in force for the next packet, the other
 *    ACLs keep their compiled form, a commit of ACLs only reconciles
 *    nothing else, and the result equals what the whole configuration
 *    compiles to.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access.h"
#include "bootstrap.h"
#include "cfgsub.h"
#include "cfgtree.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"
#include "ntpd_rig.h"
#include "pbreflect.h"

static uint32_t ip(const char *s)
{
	uint32_t a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static uint32_t hip(const char *s)
{
	return ntohl(ip(s));
}

/* A source address (IPv4 or IPv6) as a pointer to a static slot: up to
 * four live at once. */
static const struct naddr *src(const char *s)
{
	static struct naddr slot[4];
	static unsigned next;
	struct naddr *a = &slot[next++ % 4];

	cr_assert_eq(naddr_parse(s, a), 0, "%s", s);
	return a;
}

static struct acl_rule rule4(uint32_t id, bool deny, const char *addr, const char *wild)
{
	return (struct acl_rule){ .id = id, .deny = deny, .family = AF_INET,
				  .addr = addr ? hip(addr) : 0,
				  .wild = addr ? hip(wild) : 0xffffffffu };
}

static struct acl_rule rule6(uint32_t id, bool deny, const char *addr, unsigned plen)
{
	struct acl_rule r = { .id = id, .deny = deny, .family = AF_INET6, .plen = plen };

	if (addr)
		cr_assert_eq(inet_pton(AF_INET6, addr, &r.addr6), 1);
	return r;
}

Test(access, acl_match)
{
	struct acl_rule rules[] = {
		rule4(5, true, "10.0.1.33", "0.0.0.0"),
		rule4(10, false, "10.0.1.0", "0.0.0.255"),
		rule4(15, true, NULL, NULL),
	};
	struct acl a = { .number = 2000, .rule = rules, .n = 3 };
	struct acl none = { .number = 2001, .rule = NULL, .n = 0 };

	cr_assert_eq(acl_match(&a, src("10.0.1.33")), 0);
	cr_assert_eq(acl_match(&a, src("10.0.1.32")), 1);
	cr_assert_eq(acl_match(&a, src("10.0.2.1")), 0);   /* rule 15: deny any */
	/* An IPv4 ACL says nothing of IPv6 sources, `any` included. */
	cr_assert_eq(acl_match(&a, src("2001:db8::1")), -1);
	a.n = 2;
	cr_assert_eq(acl_match(&a, src("10.0.2.1")), -1);
	cr_assert_eq(acl_match(&none, src("10.0.2.1")), -1);
	cr_assert_eq(acl_match(NULL, src("10.0.2.1")), -1);
}

Test(access, acl6_match)
{
	struct acl_rule rules[] = {
		rule6(5, true, "2001:db8:1::33", 128),
		rule6(10, false, "2001:db8:1::", 64),
		rule6(12, false, "2001:db8:ff80::", 41),   /* a prefix that ends inside a byte */
		rule6(15, true, NULL, 0),
	};
	struct acl a = { .number = 2000, .rule = rules, .n = 4 };

	cr_assert_eq(acl_match(&a, src("2001:db8:1::33")), 0);
	cr_assert_eq(acl_match(&a, src("2001:db8:1::32")), 1);
	cr_assert_eq(acl_match(&a, src("2001:db8:1:0:ffff::1")), 1);
	cr_assert_eq(acl_match(&a, src("2001:db8:1:1::1")), 0);          /* deny any */
	cr_assert_eq(acl_match(&a, src("2001:db8:ffc0::1")), 1);         /* bit 41 clear */
	cr_assert_eq(acl_match(&a, src("2001:db8:ffff::1")), 1);
	cr_assert_eq(acl_match(&a, src("2001:db8:ff00::1")), 0);         /* bit 40 differs */
	/* An IPv6 ACL says nothing of IPv4 sources. */
	cr_assert_eq(acl_match(&a, src("10.0.1.32")), -1);
	a.n = 3;
	cr_assert_eq(acl_match(&a, src("2001:db8:2::1")), -1);
}

Test(access, levels)
{
	static struct access_state s;   /* large: not on the stack */
	struct acl_rule r_peer[] = { rule4(5, false, "10.0.1.31", "0.0.0.0") };
	struct acl_rule r_sync[] = {
		rule4(5, true, "10.0.1.33", "0.0.0.0"),
		rule4(10, false, "10.0.1.0", "0.0.0.255"),
	};
	struct acl acls[] = {
		{ .number = 2000, .rule = r_peer, .n = 1 },
		{ .number = 2001, .rule = r_sync, .n = 2 },
	};
	struct access_family *f = &s.fam[ACCESS_V4];

	memset(&s, 0, sizeof(s));
	cr_assert_eq(access_level_of(&s, src("1.2.3.4")), ACCESS_PEER);
	f->acls = acls;
	f->n_acls = 2;
	f->level_set[ACL_L_PEER] = true;
	f->level_acl[ACL_L_PEER] = 2000;
	f->level_set[ACL_L_SYNC] = true;
	f->level_acl[ACL_L_SYNC] = 2001;
	cr_assert_eq(access_level_of(&s, src("10.0.1.31")), ACCESS_PEER);
	cr_assert_eq(access_level_of(&s, src("10.0.1.32")), ACCESS_SYNC);
	cr_assert_eq(access_level_of(&s, src("10.0.1.33")), ACCESS_NONE);
	cr_assert_eq(access_level_of(&s, src("10.9.9.9")), ACCESS_NONE);
	/* IPv6 sources are judged by the IPv6 levels: none set, peer rights. */
	cr_assert_eq(access_level_of(&s, src("2001:db8::1")), ACCESS_PEER);
	/* A level naming a missing ACL permits nobody. */
	f->level_set[ACL_L_SERVER] = true;
	f->level_acl[ACL_L_SERVER] = 2999;
	cr_assert_eq(access_level_of(&s, src("10.0.1.32")), ACCESS_SYNC);
	/* limited alone grants nothing and denies nothing. */
	memset(f->level_set, 0, sizeof(f->level_set));
	f->level_set[ACL_L_LIMITED] = true;
	f->level_acl[ACL_L_LIMITED] = 2000;
	cr_assert_eq(access_level_of(&s, src("10.9.9.9")), ACCESS_PEER);

	cr_assert(access_allows(ACCESS_PEER, ACCESS_W_PEER));
	cr_assert(access_allows(ACCESS_PEER, ACCESS_W_TIME));
	cr_assert(access_allows(ACCESS_PEER, ACCESS_W_CONTROL));
	cr_assert_not(access_allows(ACCESS_SERVER, ACCESS_W_PEER));
	cr_assert(access_allows(ACCESS_SERVER, ACCESS_W_TIME));
	cr_assert(access_allows(ACCESS_SERVER, ACCESS_W_CONTROL));
	cr_assert(access_allows(ACCESS_SYNC, ACCESS_W_TIME));
	cr_assert_not(access_allows(ACCESS_SYNC, ACCESS_W_CONTROL));
	cr_assert_not(access_allows(ACCESS_QUERY, ACCESS_W_TIME));
	cr_assert(access_allows(ACCESS_QUERY, ACCESS_W_CONTROL));
	cr_assert_not(access_allows(ACCESS_NONE, ACCESS_W_TIME));
}

Test(access, rate_limit)
{
	static struct access_state s;
	uint32_t a = ip("10.0.1.32"), b = ip("10.0.1.33");
	double t = 1000;
	int limited = 0;

	memset(&s, 0, sizeof(s));
	s.min_exp = 1;   /* 2 s */
	s.avg_exp = 3;   /* 8 s */
	cr_assert_not(access_rate_limited(&s, NADDR_V4P(a), t));
	cr_assert(access_rate_limited(&s, NADDR_V4P(a), t + 1.0));        /* under 2 s */
	cr_assert_not(access_rate_limited(&s, NADDR_V4P(b), t + 1.0));    /* per source */
	/* Every 8 s forever: never limited. */
	t += 100;
	for (int i = 0; i < 50; i++)
		cr_assert_not(access_rate_limited(&s, NADDR_V4P(a), t += 8.0));
	/* Every 3 s: above the minimum, but the average catches up after
	 * the burst allowance (score grows 5 s per request up to 64 s). */
	for (int i = 0; i < 20; i++)
		limited += access_rate_limited(&s, NADDR_V4P(a), t += 3.0);
	cr_assert_gt(limited, 5);
	cr_assert_lt(limited, 20);
}

Test(access, rate_table_is_fixed_size)
{
	static struct access_state s;

	memset(&s, 0, sizeof(s));
	s.min_exp = 1;
	s.avg_exp = 3;
	/* Far more sources than slots: old ones are reused, nothing breaks. */
	for (uint32_t i = 1; i <= 5 * ACCESS_RATE_SLOTS; i++)
		access_rate_limited(&s, NADDR_V4P(htonl(0x0a000000u + i)), (double)i);
	cr_assert_not(access_rate_limited(&s, NADDR_V4P(htonl(0x0a000000u + 5 * ACCESS_RATE_SLOTS)),
					  5.0 * ACCESS_RATE_SLOTS + 10));
}

Test(access, kod_budget)
{
	static struct access_state s;
	int sent = 0;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 1000; i++)
		sent += access_kod_budget(&s, 50.0 + i * 0.001);   /* 1000 in 1 s */
	cr_assert_leq(sent, 2 * ACCESS_KOD_PER_S + 1);
	cr_assert_geq(sent, ACCESS_KOD_PER_S / 2);
}

/* ---- through the daemon core ---- */

struct fx {
	struct bootstrap bs;
	struct loop *loop;
	struct ntpd *core;
	uint32_t me, client;
};

static void core_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	log_init("test_access", LOG_LVL_WARN);
	ntpd_rig_bootstrap(&f->bs, 0, 0);
	f->loop = loop_new();
	f->core = ntpd_new(f->loop, NULL, &f->bs, NULL, 0);
	cr_assert_not_null(f->core);
	f->me = ip("127.0.0.1");
	f->client = ip("127.0.0.9");
}

static void fx_fini(struct fx *f)
{
	ntpd_free(f->core);
	loop_free(f->loop);
	bootstrap_free(&f->bs);
}

static void apply(struct fx *f, const Config *cfg)
{
	cr_assert_eq(ntpd_rig_apply(f->core, (Config *)cfg, NULL, 0), 0);
}

/* A server at stratum 3 with: ACL 2000 (rule 5 deny 127.0.0.9, rule 10
 * permit any); `access synchronization 2000` if sync; `access limited
 * 2000`-style rate limiting of everyone with discard if discard; kod. */
struct opts {
	bool sync_acl, discard, kod, server_disable;
	int max_dyn;    /* -1: default */
};

static void configure(struct fx *f, const struct opts *o)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;
	NtpAccess acc = NTP_ACCESS__INIT;
	NtpDiscard disc = NTP_DISCARD__INIT;
	Acl acl = ACL__INIT;
	AclRule r5 = ACL_RULE__INIT, r10 = ACL_RULE__INIT;
	AclRule *rules[2] = { &r10, &r5 };   /* out of order on purpose */
	Acl *acls[1] = { &acl };

	rm.has_stratum = true;
	rm.stratum = 3;
	ntp.refclock_master = &rm;
	acl.number = "2000";
	r5.id = "5";
	r5.has_deny = r5.deny = true;
	r5.source = "127.0.0.9";
	r5.wildcard = "0.0.0.0";
	r10.id = "10";
	acl.rule = rules;
	acl.n_rule = 2;
	cfg.acl = acls;
	cfg.n_acl = 1;
	if (o->sync_acl) {
		acc.has_synchronization = true;
		acc.synchronization = 2000;
		ntp.access = &acc;
	}
	if (o->discard) {
		disc.has_min_interval = true;
		disc.min_interval = 3;   /* 8 s */
		ntp.discard = &disc;
	}
	ntp.has_kod_enable = true;
	ntp.kod_enable = o->kod;
	ntp.has_server_disable = true;
	ntp.server_disable = o->server_disable;
	if (o->max_dyn >= 0) {
		ntp.has_max_dynamic_sessions = true;
		ntp.max_dynamic_sessions = (uint32_t)o->max_dyn;
	}
	cfg.ntp = &ntp;
	apply(f, &cfg);
}

static int send_from(struct fx *f, uint32_t src, int mode, uint64_t xmt, uint8_t *reply,
		     size_t rlen)
{
	struct ntp_packet q;
	struct ntpd_rx rx;
	uint8_t buf[64];
	int len;

	memset(&q, 0, sizeof(q));
	q.version = 4;
	q.mode = (uint8_t)mode;
	q.poll = 6;
	q.xmt = xmt;
	len = ntp_packet_encode(&q, buf, sizeof(buf));
	memset(&rx, 0, sizeof(rx));
	rx.buf = buf;
	rx.len = (size_t)len;
	rx.src = naddr_v4(src);
	rx.src_port = 40000;
	rx.dst = naddr_v4(f->me);
	rx.ts = ntp_clock_now(f->core->clock);
	rx.serving = true;
	return ntpd_input(f->core, &rx, reply, rlen);
}

static void assert_kod(const uint8_t *reply, int n, const char *code, uint64_t xmt)
{
	struct ntp_packet a;

	cr_assert_gt(n, 0);
	cr_assert_eq(ntp_packet_decode(reply, (size_t)n, &a), 0);
	cr_assert_eq(a.stratum, 0);
	cr_assert_eq(a.leap, NTP_LEAP_NOSYNC);
	cr_assert_eq(memcmp(&a.refid, code, 4), 0);
	cr_assert_eq(a.org, xmt, "a KoD must pass the client's origin test");
}

Test(access, denied_client_gets_kod_deny_or_silence)
{
	struct fx f;
	uint8_t r[NTPD_PKT_MAX];
	struct opts o = { .sync_acl = true, .kod = true, .max_dyn = -1 };
	int n;

	core_init(&f);
	configure(&f, &o);
	n = send_from(&f, f.client, NTP_MODE_CLIENT, 111, r, sizeof(r));
	assert_kod(r, n, "DENY", 111);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_ACCESS], 1);
	/* Another host is permitted by rule 10: a normal answer. */
	n = send_from(&f, ip("127.0.0.8"), NTP_MODE_CLIENT, 112, r, sizeof(r));
	cr_assert_eq(n, 48);
	cr_assert_eq(r[1], 3);
	/* Synchronization rights do not include peering. */
	n = send_from(&f, ip("127.0.0.8"), NTP_MODE_ACTIVE, 113, r, sizeof(r));
	assert_kod(r, n, "DENY", 113);
	cr_assert_eq(f.core->n_dynamic, 0);
	/* Without kod-enable: silence. */
	o.kod = false;
	configure(&f, &o);
	cr_assert_eq(send_from(&f, f.client, NTP_MODE_CLIENT, 114, r, sizeof(r)), 0);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_ACCESS], 3);
	fx_fini(&f);
}

Test(access, rate_limited_client_gets_kod_rate)
{
	struct fx f;
	uint8_t r[NTPD_PKT_MAX];
	struct opts o = { .discard = true, .kod = true, .max_dyn = -1 };
	int n;

	core_init(&f);
	configure(&f, &o);
	n = send_from(&f, f.client, NTP_MODE_CLIENT, 200, r, sizeof(r));
	cr_assert_eq(n, 48);
	n = send_from(&f, f.client, NTP_MODE_CLIENT, 201, r, sizeof(r));
	assert_kod(r, n, "RATE", 201);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_RATE], 1);
	o.kod = false;
	configure(&f, &o);
	cr_assert_eq(send_from(&f, f.client, NTP_MODE_CLIENT, 202, r, sizeof(r)), 0);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_RATE], 2);
	fx_fini(&f);
}

Test(access, server_disable_and_max_dynamic)
{
	struct fx f;
	uint8_t r[NTPD_PKT_MAX];
	struct opts o = { .server_disable = true, .max_dyn = 1 };

	core_init(&f);
	configure(&f, &o);
	cr_assert_eq(send_from(&f, f.client, NTP_MODE_CLIENT, 300, r, sizeof(r)), 0);
	cr_assert_eq(send_from(&f, f.client, NTP_MODE_ACTIVE, 301, r, sizeof(r)), 0);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_SERVER_DISABLED], 2);
	o.server_disable = false;
	configure(&f, &o);
	cr_assert_gt(send_from(&f, f.client, NTP_MODE_ACTIVE, 302, r, sizeof(r)), 0);
	cr_assert_eq(f.core->n_dynamic, 1);
	cr_assert_eq(send_from(&f, ip("127.0.0.8"), NTP_MODE_ACTIVE, 303, r, sizeof(r)), 0);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_DYN_LIMIT], 1);
	o.max_dyn = 0;
	configure(&f, &o);
	cr_assert_eq(send_from(&f, ip("127.0.0.7"), NTP_MODE_ACTIVE, 304, r, sizeof(r)), 0);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_DYN_LIMIT], 2);
	fx_fini(&f);
}

/* The same as send_from, arriving on the serving socket (so a dynamic
 * association has a socket and survives reconciliations). */
static int send_on_server_sock(struct fx *f, uint32_t src, uint64_t xmt, uint8_t *reply,
			       size_t rlen)
{
	struct ntp_packet q;
	struct ntpd_rx rx;
	uint8_t buf[64];

	memset(&q, 0, sizeof(q));
	q.version = 4;
	q.mode = NTP_MODE_ACTIVE;
	q.poll = 6;
	q.xmt = xmt;
	memset(&rx, 0, sizeof(rx));
	rx.buf = buf;
	rx.len = (size_t)ntp_packet_encode(&q, buf, sizeof(buf));
	rx.src = naddr_v4(src);
	rx.src_port = 40000;
	rx.dst = naddr_v4(f->me);
	rx.ts = ntp_clock_now(f->core->clock);
	rx.sock = f->core->server_sock;
	rx.serving = true;
	return ntpd_input(f->core, &rx, reply, rlen);
}

Test(access, lowering_max_dynamic_keeps_existing_sessions)
{
	struct fx f;
	uint8_t r[NTPD_PKT_MAX];
	struct opts o = { .max_dyn = 3 };

	core_init(&f);
	configure(&f, &o);
	cr_assert_not_null(f.core->server_sock);
	for (uint32_t i = 0; i < 3; i++)
		cr_assert_gt(send_on_server_sock(&f, ip("127.0.0.7") + htonl(i), 400 + i, r,
						 sizeof(r)), 0);
	cr_assert_eq(f.core->n_dynamic, 3);
	/* Down to 1: the three stay (VRP: the limit applies to new sessions)
	 * and keep answering; a fourth peer is refused. */
	o.max_dyn = 1;
	configure(&f, &o);
	cr_assert_eq(f.core->n_dynamic, 3);
	cr_assert_gt(send_on_server_sock(&f, ip("127.0.0.8"), 410, r, sizeof(r)), 0);
	cr_assert_eq(send_on_server_sock(&f, ip("127.0.0.20"), 411, r, sizeof(r)), 0);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_DYN_LIMIT], 1);
	cr_assert_eq(f.core->n_dynamic, 3);
	/* When one goes, the count is still above the limit: still refused. */
	assoc_free(ntpd_assoc_find(f.core, NADDR_V4P(ip("127.0.0.7")), 0));
	cr_assert_eq(f.core->n_dynamic, 2);
	cr_assert_eq(send_on_server_sock(&f, ip("127.0.0.20"), 412, r, sizeof(r)), 0);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_DYN_LIMIT], 2);
	fx_fini(&f);
}

Test(access, in_interface_disable)
{
	struct fx f;
	uint8_t r[NTPD_PKT_MAX];
	Config cfg = CONFIG__INIT;
	Interface in = INTERFACE__INIT;
	Interface *ifs[1] = { &in };
	Ipv4Address ad = IPV4_ADDRESS__INIT;

	core_init(&f);
	in.name = "LoopBack0";
	ad.address = "127.0.0.1";
	ad.prefix_len = 8;
	in.address = &ad;
	in.has_ntp_in_interface_disable = in.ntp_in_interface_disable = true;
	cfg.interface = ifs;
	cfg.n_interface = 1;
	apply(&f, &cfg);
	ntpd_rig_iface_up(f.core, "LoopBack0", "127.0.0.1", 0);
	cr_assert_eq(send_from(&f, f.client, NTP_MODE_CLIENT, 400, r, sizeof(r)), 0);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_IF_DISABLED], 1);
	in.ntp_in_interface_disable = false;
	apply(&f, &cfg);
	cr_assert_gt(send_from(&f, f.client, NTP_MODE_CLIENT, 401, r, sizeof(r)), 0);
	fx_fini(&f);
}

/* Core B is a client of core A (127.0.0.1); A limits and denies with KoD. */
Test(access, kod_received_by_our_client)
{
	struct fx a, b;
	struct opts o = { .discard = true, .kod = true, .max_dyn = -1 };
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpAssociation na = NTP_ASSOCIATION__INIT;
	NtpAssociation *list[1] = { &na };
	struct assoc *p;
	uint8_t q[NTPD_PKT_MAX], r[NTPD_PKT_MAX], junk[NTPD_PKT_MAX];
	struct ntpd_rx rx;
	int n;

	core_init(&a);
	configure(&a, &o);
	core_init(&b);
	na.address = "127.0.0.1";
	ntp.unicast_server = list;
	ntp.n_unicast_server = 1;
	cfg.ntp = &ntp;
	apply(&b, &cfg);
	p = ntpd_assoc_find(b.core, NADDR_V4P(a.me), 0);
	cr_assert_not_null(p);

	for (int i = 0; i < 3; i++) {
		n = assoc_prepare(p, q, sizeof(q));
		cr_assert_gt(n, 0);
		memset(&rx, 0, sizeof(rx));
		rx.buf = q;
		rx.len = (size_t)n;
		rx.src = naddr_v4(a.client);
		rx.src_port = 40000;
		rx.dst = naddr_v4(a.me);
		rx.ts = ntp_clock_now(a.core->clock);
		rx.serving = true;
		n = ntpd_input(a.core, &rx, r, sizeof(r));
		cr_assert_gt(n, 0);
		memset(&rx, 0, sizeof(rx));
		rx.buf = r;
		rx.len = (size_t)n;
		rx.src = naddr_v4(a.me);
		rx.src_port = p->opts.port;
		rx.dst = naddr_v4(a.client);
		rx.ts = ntp_clock_now(b.core->clock);
		ntpd_input(b.core, &rx, junk, sizeof(junk));
	}
	/* The first answered, the next two were RATE kisses. */
	cr_assert_eq(p->cnt.rej[ASSOC_R_KOD], 2);
	cr_assert_geq(p->rate_floor, 2);
	cr_assert_not(p->denied);

	/* Now A denies B altogether. */
	o.discard = false;
	o.sync_acl = true;
	configure(&a, &o);
	n = assoc_prepare(p, q, sizeof(q));
	memset(&rx, 0, sizeof(rx));
	rx.buf = q;
	rx.len = (size_t)n;
	rx.src = naddr_v4(a.client);
	rx.src_port = 40000;
	rx.dst = naddr_v4(a.me);
	rx.ts = ntp_clock_now(a.core->clock);
	rx.serving = true;
	n = ntpd_input(a.core, &rx, r, sizeof(r));
	cr_assert_gt(n, 0);
	memset(&rx, 0, sizeof(rx));
	rx.buf = r;
	rx.len = (size_t)n;
	rx.src = naddr_v4(a.me);
	rx.src_port = p->opts.port;
	rx.dst = naddr_v4(a.client);
	rx.ts = ntp_clock_now(b.core->clock);
	ntpd_input(b.core, &rx, junk, sizeof(junk));
	cr_assert(p->denied);
	cr_assert_eq(p->timer, 0);
	fx_fini(&b);
	fx_fini(&a);
}

/* RSTR, like DENY, stops the association (RFC 5905 7.4). */
Test(access, kod_rstr_stops_the_association)
{
	struct fx b;
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpAssociation na = NTP_ASSOCIATION__INIT;
	NtpAssociation *list[1] = { &na };
	struct ntp_packet k;
	struct ntpd_rx rx;
	struct assoc *p;
	uint8_t q[NTPD_PKT_MAX], r[NTPD_PKT_MAX];
	int n;

	core_init(&b);
	na.address = "127.0.0.1";
	ntp.unicast_server = list;
	ntp.n_unicast_server = 1;
	cfg.ntp = &ntp;
	apply(&b, &cfg);
	p = ntpd_assoc_find(b.core, NADDR_V4P(b.me), 0);
	cr_assert_not_null(p);
	cr_assert_gt(assoc_prepare(p, q, sizeof(q)), 0);
	memset(&k, 0, sizeof(k));
	k.leap = NTP_LEAP_NOSYNC;
	k.version = 4;
	k.mode = NTP_MODE_SERVER;
	memcpy(&k.refid, "RSTR", 4);
	k.org = p->xmt;
	k.rec = k.xmt = p->xmt + 1;
	n = ntp_packet_encode(&k, r, sizeof(r));
	memset(&rx, 0, sizeof(rx));
	rx.buf = r;
	rx.len = (size_t)n;
	rx.src = naddr_v4(b.me);
	rx.src_port = p->opts.port;
	rx.dst = naddr_v4(b.client);
	rx.ts = ntp_clock_now(b.core->clock);
	ntpd_input(b.core, &rx, q, sizeof(q));
	cr_assert(p->denied);
	cr_assert_eq(p->cnt.rej[ASSOC_R_KOD], 1);
	fx_fini(&b);
}

/* ntpd_apply_changes (a commit's delta): fields that did not change are
 * neither copied nor their ACLs compiled again; a changed ACL is. */
Test(access, only_changed_fields_are_applied)
{
	struct fx f;
	uint8_t r[NTPD_PKT_MAX];
	struct opts o = { .sync_acl = true, .kod = true, .max_dyn = -1 };
	static const char *const sys[] = { "system" }, *const acl[] = { "acl" };
	uint64_t gen;
	Config *cfg;
	int n;

	core_init(&f);
	configure(&f, &o);
	gen = f.core->access->acl_gen;
	cfg = (Config *)pbr_msg_dup(&f.core->cfg->base);
	cr_assert_eq(ntpd_apply_changes(f.core, cfg, sys, 1, NULL, 0), 0);
	cr_assert_eq(f.core->access->acl_gen, gen, "the ACLs were compiled again");
	n = send_from(&f, f.client, NTP_MODE_CLIENT, 211, r, sizeof(r));
	assert_kod(r, n, "DENY", 211);
	/* Rule 5 turned into a permit: applied as a change of "acl". */
	cfg->acl[0]->rule[1]->deny = false;
	cr_assert_eq(ntpd_apply_changes(f.core, cfg, acl, 1, NULL, 0), 0);
	cr_assert_neq(f.core->access->acl_gen, gen);
	n = send_from(&f, f.client, NTP_MODE_CLIENT, 212, r, sizeof(r));
	cr_assert_eq(n, 48, "the changed ACL is in force");
	config__free_unpacked(cfg, NULL);
	fx_fini(&f);
}

/* ---- a commit's objects (ntpd_apply_objects) ---- */

static AclRule *obj_rule(const char *id, bool deny, const char *source)
{
	AclRule *r = xmalloc(sizeof(*r));

	acl_rule__init(r);
	r->id = xstrdup(id);
	r->has_deny = deny;
	r->deny = deny;
	if (source) {
		r->source = xstrdup(source);
		r->wildcard = xstrdup("0.0.0.0");
	}
	return r;
}

static Acl *obj_acl(const char *number, AclRule **rules, size_t n)
{
	Acl *a = xmalloc(sizeof(*a));

	acl__init(a);
	a->number = xstrdup(number);
	a->rule = xcalloc(n ? n : 1, sizeof(*a->rule));
	for (size_t i = 0; i < n; i++)
		a->rule[a->n_rule++] = rules[i];
	return a;
}

/* Running: ACL 2000 (rule 5 deny 127.0.0.9, rule 10 permit any), ACL 2001
 * (rule 1 permit 127.0.0.2), `access synchronization 2000 server 2001`,
 * kod-enable, refclock-master 3, and a source-interface that does not
 * exist (so the reconciliation leaves an error behind). */
static Config *obj_running(void)
{
	Config *c = xmalloc(sizeof(*c));
	Ntp *ntp = xmalloc(sizeof(*ntp));

	config__init(c);
	ntp__init(ntp);
	ntp->access = xmalloc(sizeof(*ntp->access));
	ntp_access__init(ntp->access);
	ntp->access->has_synchronization = ntp->access->has_server = true;
	ntp->access->synchronization = 2000;
	ntp->access->server = 2001;
	ntp->has_kod_enable = ntp->kod_enable = true;
	ntp->refclock_master = xmalloc(sizeof(*ntp->refclock_master));
	ntp_refclock_master__init(ntp->refclock_master);
	ntp->refclock_master->has_stratum = true;
	ntp->refclock_master->stratum = 3;
	ntp->source_interface = xstrdup("LoopBack9");
	c->ntp = ntp;
	c->acl = xcalloc(3, sizeof(*c->acl));
	c->acl[c->n_acl++] = obj_acl("2000", (AclRule *[]){ obj_rule("10", false, NULL),
					  obj_rule("5", true, "127.0.0.9") }, 2);
	c->acl[c->n_acl++] = obj_acl("2001", (AclRule *[]){
					  obj_rule("1", false, "127.0.0.2") }, 1);
	return c;
}

/* The Config cfgsub hands after a delta when acl and acl6 are read by
 * path: the other fields whole, the ACLs empty. */
static Config *obj_handed(const struct ct_node *tree)
{
	Config *c = (Config *)ct_materialize(tree);

	pbr_field_clear(&c->base, protobuf_c_message_descriptor_get_field_by_name(
				&config__descriptor, "acl"));
	return c;
}

/* Apply one change at path (NULL-terminated) to tree and to f's core. */
static int obj_commit(struct fx *f, struct ct_node *tree, uint64_t id, const char *const *path,
		      ProtobufCMessage *own, char **errs, int max_errs)
{
	struct cfgsub_change ch = { .path = (char **)path };
	const ProtobufCFieldDescriptor *fld;
	Config *handed;
	int n;

	while (path[ch.n_path])
		ch.n_path++;
	cr_assert_eq(ct_put(tree, ch.path, ch.n_path, own, id), 0);
	ch.removed = ct_lookup(tree, ch.path, ch.n_path, &fld) == NULL;
	handed = obj_handed(tree);
	n = ntpd_apply_objects(f->core, handed, tree, &ch, 1, errs, max_errs);
	config__free_unpacked(handed, NULL);
	return n;
}

/* The compiled ACLs of a family equal those a whole configuration gives. */
static void assert_same_acls(const struct access_family *a, const struct access_family *b)
{
	cr_assert_eq(a->n_acls, b->n_acls);
	for (size_t i = 0; i < b->n_acls; i++) {
		const struct acl *x = access_find_acl(a, b->acls[i].number);

		cr_assert_not_null(x, "ACL %u missing", b->acls[i].number);
		cr_assert_eq(x->n, b->acls[i].n, "ACL %u", x->number);
		for (size_t k = 0; k < x->n; k++)
			cr_assert_eq(memcmp(&x->rule[k], &b->acls[i].rule[k], sizeof(x->rule[k])), 0,
				     "ACL %u rule %zu", x->number, k);
	}
}

Test(access, a_changed_acl_alone_is_compiled)
{
	struct fx f, whole;
	uint8_t r[NTPD_PKT_MAX];
	Config *running = obj_running(), *again;
	struct ct_node *tree = ct_root_new(&config__descriptor);
	const struct acl *a2000, *a2001;
	const struct acl_rule *rules2001;
	uint64_t gen2000, gen2001;
	char *errs[4] = { 0 }, *op_err;
	int n;

	core_init(&f);
	ct_load(tree, &running->base, 1);
	/* The snapshot: whole. */
	n = ntpd_apply_objects(f.core, running, NULL, NULL, 0, errs, 4);
	cr_assert_eq(n, 1, "the missing source-interface");
	free(errs[0]);
	op_err = f.core->op_errs[0];
	n = send_from(&f, f.client, NTP_MODE_CLIENT, 301, r, sizeof(r));
	assert_kod(r, n, "DENY", 301);
	a2001 = access_find_acl(&f.core->access->fam[ACCESS_V4], 2001);
	cr_assert_not_null(a2001);
	gen2001 = a2001->gen;
	rules2001 = a2001->rule;
	gen2000 = access_find_acl(&f.core->access->fam[ACCESS_V4], 2000)->gen;

	/* Rule 5 of ACL 2000 becomes a permit: in force for the next packet,
	 * ACL 2001 untouched, nothing else reconciled. */
	n = obj_commit(&f, tree, 2, (const char *[]){ "acl", "2000", "rule", "5", NULL },
		       &obj_rule("5", false, "127.0.0.9")->base, errs, 4);
	cr_assert_eq(n, 1, "the last reconciliation's problems are reported again");
	cr_assert_str_eq(errs[0], op_err);
	free(errs[0]);
	cr_assert_eq(f.core->op_errs[0], op_err, "a commit of ACLs only reconciled");
	n = send_from(&f, f.client, NTP_MODE_CLIENT, 302, r, sizeof(r));
	cr_assert_eq(n, 48, "the changed ACL is in force");
	a2000 = access_find_acl(&f.core->access->fam[ACCESS_V4], 2000);
	a2001 = access_find_acl(&f.core->access->fam[ACCESS_V4], 2001);
	cr_assert_neq(a2000->gen, gen2000);
	cr_assert_eq(a2001->gen, gen2001, "an untouched ACL was compiled again");
	cr_assert_eq(a2001->rule, rules2001);

	/* A rule inserted before the others (rule 3 deny 127.0.0.9). */
	obj_commit(&f, tree, 3, (const char *[]){ "acl", "2000", "rule", "3", NULL },
		   &obj_rule("3", true, "127.0.0.9")->base, NULL, 0);
	a2000 = access_find_acl(&f.core->access->fam[ACCESS_V4], 2000);
	cr_assert_eq(a2000->n, 3);
	cr_assert_eq(a2000->rule[0].id, 3);
	cr_assert_eq(a2000->rule[1].id, 5);
	cr_assert_eq(a2000->rule[2].id, 10);
	n = send_from(&f, f.client, NTP_MODE_CLIENT, 303, r, sizeof(r));
	assert_kod(r, n, "DENY", 303);

	/* A rule removed. */
	obj_commit(&f, tree, 4, (const char *[]){ "acl", "2000", "rule", "3", NULL }, NULL,
		   NULL, 0);
	n = send_from(&f, f.client, NTP_MODE_CLIENT, 304, r, sizeof(r));
	cr_assert_eq(n, 48);

	/* ACL 2001 removed, ACL 2002 added (its node first, then a rule). */
	obj_commit(&f, tree, 5, (const char *[]){ "acl", "2001", NULL }, NULL, NULL, 0);
	cr_assert_null(access_find_acl(&f.core->access->fam[ACCESS_V4], 2001));
	obj_commit(&f, tree, 6, (const char *[]){ "acl", "2002", NULL },
		   &obj_acl("2002", NULL, 0)->base, NULL, 0);
	obj_commit(&f, tree, 6, (const char *[]){ "acl", "2002", "rule", "9", NULL },
		   &obj_rule("9", true, "127.0.0.3")->base, NULL, 0);
	cr_assert_eq(access_find_acl(&f.core->access->fam[ACCESS_V4], 2002)->n, 1);

	/* The access levels change with ntp (a reconciliation): the ACLs
	 * they name are the compiled ones, not compiled again. */
	gen2000 = access_find_acl(&f.core->access->fam[ACCESS_V4], 2000)->gen;
	{
		Ntp *ntp = (Ntp *)ct_materialize(ct_lookup(tree, (char *[]){ "ntp" }, 1, NULL));

		ntp_access__free_unpacked(ntp->access, NULL);
		ntp->access = xmalloc(sizeof(*ntp->access));
		ntp_access__init(ntp->access);
		ntp->access->has_synchronization = true;
		ntp->access->synchronization = 2002;
		obj_commit(&f, tree, 7, (const char *[]){ "ntp", NULL },
			   ct_own_of(&ntp->base), NULL, 0);
		/* ntp's child messages are nodes of their own. */
		obj_commit(&f, tree, 7, (const char *[]){ "ntp", "access", NULL },
			   ct_own_of(&ntp->access->base), NULL, 0);
		ntp__free_unpacked(ntp, NULL);
	}
	cr_assert_neq(f.core->op_errs[0], op_err, "a change of ntp reconciles");
	cr_assert_eq(access_find_acl(&f.core->access->fam[ACCESS_V4], 2000)->gen, gen2000);
	n = send_from(&f, f.client, NTP_MODE_CLIENT, 305, r, sizeof(r));
	assert_kod(r, n, "DENY", 305);   /* the level now names ACL 2002, no permit */

	/* What the objects built is what the whole configuration compiles to. */
	core_init(&whole);
	again = (Config *)ct_materialize(tree);
	cr_assert_eq(ntpd_apply_config(whole.core, again, errs, 4), 1);
	free(errs[0]);
	assert_same_acls(&f.core->access->fam[ACCESS_V4], &whole.core->access->fam[ACCESS_V4]);
	assert_same_acls(&f.core->access->fam[ACCESS_V6], &whole.core->access->fam[ACCESS_V6]);
	config__free_unpacked(again, NULL);
	fx_fini(&whole);

	ct_free(tree);
	config__free_unpacked(running, NULL);
	fx_fini(&f);
}
