/*
 * test_ifdisp.c: the interface displays (clid/cmd_ifdisp.c): each
 * formatter against the manuals' layouts, and the commands over a fake
 * backend whose ifmgrd answers from a table (or not at all), with VRP's
 * errors for a wrong or unknown interface.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd_ifdisp.h"
#include "cmd_session.h"

/* ---- fixtures ---- */

static IfState st_ge, st_lo;
static IfDetail d_ge, d_lo;
static IfCounters c_ge;
static IfDetail *dv[2];
static IfDetails ds;
static uint8_t mac[6] = { 0x00, 0xe0, 0xfc, 0x12, 0x34, 0x56 };
static char *ge_ipv6[] = { "2001:db8::1" };

static void fixtures(void)
{
	if_state__init(&st_ge);
	st_ge.name = "GigabitEthernet0/1/0";
	st_ge.netdev = "veth0";
	st_ge.has_ifindex = st_ge.has_admin_up = st_ge.has_oper_up = st_ge.has_prefix_len = true;
	st_ge.ifindex = 6;
	st_ge.admin_up = true;
	st_ge.oper_up = true;
	st_ge.primary_ipv4 = "10.0.1.1";
	st_ge.prefix_len = 24;
	if_state__init(&st_lo);
	st_lo.name = "LoopBack0";
	st_lo.has_ifindex = st_lo.has_admin_up = st_lo.has_oper_up = true;
	st_lo.ifindex = 1;
	st_lo.admin_up = true;
	st_lo.oper_up = true;
	st_lo.primary_ipv4 = "";
	if_counters__init(&c_ge);
	c_ge.has_rx_packets = c_ge.has_rx_bytes = c_ge.has_rx_multicast = c_ge.has_rx_errors = true;
	c_ge.has_rx_dropped = c_ge.has_tx_packets = c_ge.has_tx_bytes = c_ge.has_tx_errors = true;
	c_ge.rx_packets = 120;
	c_ge.rx_bytes = 9000;
	c_ge.rx_multicast = 20;
	c_ge.rx_errors = 3;
	c_ge.rx_dropped = 1;
	c_ge.tx_packets = 100;
	c_ge.tx_bytes = 8000;
	c_ge.tx_errors = 0;
	if_detail__init(&d_ge);
	d_ge.state = &st_ge;
	d_ge.has_mtu = true;
	d_ge.mtu = 1500;
	d_ge.has_mac = true;
	d_ge.mac.data = mac;
	d_ge.mac.len = 6;
	d_ge.has_last_change = true;
	d_ge.last_change = 1796620811;   /* 2026-12-07 05:20:11 UTC */
	d_ge.counters = &c_ge;
	if_detail__init(&d_lo);
	d_lo.state = &st_lo;
	d_lo.has_mtu = d_lo.has_loopback = true;
	d_lo.mtu = 65536;
	d_lo.loopback = true;
	dv[0] = &d_ge;
	dv[1] = &d_lo;
	if_details__init(&ds);
	ds.n_interface = 2;
	ds.interface = dv;
}

static const char *fmt_brief(void (*fmt)(const IfDetails *, struct sbuf *))
{
	struct sbuf b = { 0 };

	fmt(&ds, &b);
	return cmd_take(&b);
}

/* ---- formatters ---- */

#define BRIEF_HEAD \
	"PHY: Physical\r\n" \
	"*down: administratively down\r\n" \
	"^down: standby\r\n" \
	"(l): loopback\r\n" \
	"(s): spoofing\r\n" \
	"InUti/OutUti: input utility/output utility\r\n" \
	"Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors\r\n"

Test(ifdisp, states)
{
	struct ifdisp_state s;

	fixtures();
	ifdisp_state_of(&st_ge, &s);
	cr_assert_str_eq(s.phy, "up");
	cr_assert_str_eq(s.protocol, "up");
	st_ge.oper_up = false;
	ifdisp_state_of(&st_ge, &s);
	cr_assert_str_eq(s.phy, "down");
	cr_assert_str_eq(s.protocol, "down");
	st_ge.admin_up = false;
	ifdisp_state_of(&st_ge, &s);
	cr_assert_str_eq(s.phy, "*down");
	cr_assert_str_eq(s.protocol, "down");
	/* Up without an address: a routed port's protocol is down. */
	st_ge.admin_up = st_ge.oper_up = true;
	st_ge.primary_ipv4 = "";
	ifdisp_state_of(&st_ge, &s);
	cr_assert_str_eq(s.protocol, "down");
	st_ge.n_ipv6 = 1;
	st_ge.ipv6 = ge_ipv6;
	ifdisp_state_of(&st_ge, &s);
	cr_assert_str_eq(s.protocol, "up");
	ifdisp_state_of(&st_lo, &s);
	cr_assert_str_eq(s.protocol, "up(s)", "a LoopBack is spoofing");
}

Test(ifdisp, brief_columns_as_the_manual)
{
	fixtures();
	cr_assert_str_eq(fmt_brief(ifdisp_fmt_brief), BRIEF_HEAD
		"GigabitEthernet0/1/0        up    up           --      --          3          0\r\n"
		"LoopBack0                   up    up(s)        --      --          0          0\r\n");
	/* Shut: "*down" one column left of "up", as the manual's rows. */
	st_ge.admin_up = false;
	st_ge.oper_up = false;
	cr_assert_str_eq(fmt_brief(ifdisp_fmt_brief), BRIEF_HEAD
		"GigabitEthernet0/1/0       *down  down         --      --          3          0\r\n"
		"LoopBack0                   up    up(s)        --      --          0          0\r\n");
}

Test(ifdisp, ip_brief)
{
	fixtures();
	st_lo.oper_up = false;
	cr_assert_str_eq(fmt_brief(ifdisp_fmt_ip_brief),
		"*down: administratively down\r\n"
		"!down: FIB overload down\r\n"
		"^down: standby\r\n"
		"(l): loopback\r\n"
		"(s): spoofing\r\n"
		"The number of interface that is UP in Physical is 1\r\n"
		"The number of interface that is DOWN in Physical is 1\r\n"
		"The number of interface that is UP in Protocol is 1\r\n"
		"The number of interface that is DOWN in Protocol is 1\r\n"
		"\r\n"
		"Interface                   IP Address/Mask    Physical Protocol VPN\r\n"
		"GigabitEthernet0/1/0        10.0.1.1/24        up       up       --\r\n"
		"LoopBack0                   unassigned         down     down     --\r\n");
}

Test(ifdisp, ipv6_brief_lists_enabled_interfaces)
{
	Config cfg = CONFIG__INIT;
	Interface ifc = INTERFACE__INIT, *ifv[] = { &ifc };
	struct sbuf b = { 0 };

	fixtures();
	ifc.name = "GigabitEthernet0/1/0";
	ifc.has_ipv6_enable = true;
	ifc.ipv6_enable = true;
	cfg.n_interface = 1;
	cfg.interface = ifv;
	st_ge.ipv6_link_local = "fe80::1";
	ifdisp_fmt_ipv6_brief(&ds, &cfg, &b);
	cr_assert_str_eq(cmd_take(&b),
		"*down: administratively down\r\n"
		"(l): loopback\r\n"
		"(s): spoofing\r\n"
		"Interface                         Physical              Protocol\r\n"
		"GigabitEthernet0/1/0              up                    up\r\n"
		"[IPv6 Address] FE80::1\r\n");
	st_ge.n_ipv6 = 1;
	st_ge.ipv6 = ge_ipv6;
	ifdisp_fmt_ipv6_brief(&ds, &cfg, &b);
	cr_assert(strstr(cmd_take(&b), "up\r\n[IPv6 Address] 2001:DB8::1\r\n"));
}

#define GE_FULL \
	"GigabitEthernet0/1/0 current state : UP (ifindex: 6)\r\n" \
	"Line protocol current state : UP\r\n" \
	"Last physical up time   : 2026-12-07 05:20:11\r\n" \
	"Description:uplink to D\r\n" \
	"Route Port,The Maximum Transmit Unit is 1500\r\n" \
	"Internet Address is 10.0.1.1/24\r\n" \
	"IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is 00e0-fc12-3456\r\n" \
	"Current system time: 2026-12-07 05:30:00\r\n" \
	"    Input:                 120 packets,               9000 bytes\r\n" \
	"      Unicast:                     100,  Multicast:                   20\r\n" \
	"      Discard:                       1,  Total Error:                  3\r\n" \
	"    Output:                100 packets,               8000 bytes\r\n" \
	"      Discard:                       0,  Total Error:                  0\r\n"

Test(ifdisp, interface_full)
{
	struct sbuf b = { 0 };
	char *subs[] = { "10.0.1.5/24" };

	fixtures();
	ifdisp_fmt_interface(&d_ge, "uplink to D", 1796621400, &b);
	cr_assert_str_eq(cmd_take(&b), GE_FULL);

	st_ge.admin_up = false;
	st_ge.oper_up = false;
	st_ge.n_sub_ipv4 = 1;
	st_ge.sub_ipv4 = subs;
	ifdisp_fmt_interface(&d_ge, NULL, 1796621400, &b);
	const char *t = cmd_take(&b);
	cr_assert(strstr(t, "GigabitEthernet0/1/0 current state : Administratively DOWN "
			 "(ifindex: 6)\r\nLine protocol current state : DOWN\r\n"
			 "Last physical down time : 2026-12-07 05:20:11\r\nDescription:\r\n"), "%s", t);
	cr_assert(strstr(t, "Internet Address is 10.0.1.5/24 Sub\r\n"), "%s", t);

	ifdisp_fmt_interface(&d_lo, NULL, 1796621400, &b);
	t = cmd_take(&b);
	cr_assert(strstr(t, "LoopBack0 current state : UP (ifindex: 1)\r\n"
			 "Line protocol current state : UP (spoofing)\r\n"), "%s", t);
	cr_assert(strstr(t, "Internet protocol processing : disabled\r\n"
			 "Physical is Loopback\r\n"), "%s", t);
	cr_assert(strstr(t, "    Input:                   0 packets,"), "%s", t);
}

/* DOWN though configured up: Meridian's reason line under the states;
 * administratively DOWN needs none (and ifmgrd gives none). */
Test(ifdisp, interface_down_says_why)
{
	struct sbuf b = { 0 };
	const char *t;

	fixtures();
	st_ge.ifindex = 0;
	st_ge.oper_up = false;
	st_ge.primary_ipv4 = "";
	d_ge.has_mtu = d_ge.has_mac = false;
	d_ge.counters = NULL;
	d_ge.down_reason = "netdev veth0 does not exist";
	ifdisp_fmt_interface(&d_ge, NULL, 1796621400, &b);
	t = cmd_take(&b);
	cr_assert(strstr(t, "GigabitEthernet0/1/0 current state : DOWN (ifindex: 0)\r\n"
			 "Line protocol current state : DOWN\r\n"
			 "Down reason : netdev veth0 does not exist\r\n"), "%s", t);
	st_ge.oper_up = true;   /* stale: up now, no reason shown */
	ifdisp_fmt_interface(&d_ge, NULL, 1796621400, &b);
	t = cmd_take(&b);
	cr_assert_null(strstr(t, "Down reason"), "%s", t);
}

/* ---- the commands, over a fake backend ---- */

static bool ifmgrd_down;
static unsigned ifmgrd_calls;
static char asked[64];

static int if_hook(const IfRequest *r, IfReply *rep)
{
	static IfDetail *one[1];
	static IfDetails ones;

	ifmgrd_calls++;
	if (ifmgrd_down)
		return -ETIMEDOUT;
	cr_assert_eq(r->req_case, IF_REQUEST__REQ_DETAIL);
	snprintf(asked, sizeof(asked), "%s", r->detail->name ? r->detail->name : "(all)");
	rep->has_status = true;
	if (r->detail->name && strcmp(r->detail->name, "GigabitEthernet0/1/0") == 0) {
		one[0] = &d_ge;
		if_details__init(&ones);
		ones.n_interface = 1;
		ones.interface = one;
		rep->details = &ones;
	} else {
		rep->details = &ds;
	}
	return 0;
}

static void describe(const CfgRequest *req, CfgReply *rep)
{
	static Config cfg = CONFIG__INIT;
	static Interface ifc = INTERFACE__INIT, *ifv[1];

	if (req->req_case != CFG_REQUEST__REQ_GET)
		return;
	ifc.name = "GigabitEthernet0/1/0";
	ifc.description = "uplink to D";
	ifv[0] = &ifc;
	cfg.n_interface = 1;
	cfg.interface = ifv;
	rep->config = &cfg;
}

static struct cli_session *start(void)
{
	static const char *const ifs[] = { "GigabitEthernet0/1/0", "LoopBack0" };

	fixtures();
	cmd_fake_setup_ifs(describe, false, ifs, 2);
	cmd_fake.if_hook = if_hook;
	return cmd_session_new("VTY 0");
}

static void stop(struct cli_session *s)
{
	cli_session_free(s);
	cmd_fake_teardown();
}

Test(ifdisp_cmd, brief_and_ip_brief)
{
	struct cli_session *s = start();

	cmd_run(s, "display interface brief", "", BRIEF_HEAD
		"GigabitEthernet0/1/0        up    up           --      --          3          0\r\n"
		"LoopBack0                   up    up(s)        --      --          0          0\r\n");
	cr_assert_str_eq(asked, "(all)");
	cli_exec(s, "dis ip int br");
	cr_assert(strstr(cmd_printed(), "GigabitEthernet0/1/0        10.0.1.1/24        up"));
	cli_exec(s, "display ipv6 interface brief");
	cr_assert(strstr(cmd_printed(), "Interface                         Physical"));
	stop(s);
}

Test(ifdisp_cmd, one_interface_by_any_name)
{
	struct cli_session *s = start();
	const char *out;

	cli_exec(s, "display interface GE0/1/0");
	out = cmd_printed();
	cr_assert(strstr(out, "GigabitEthernet0/1/0 current state : UP (ifindex: 6)\r\n"), "%s", out);
	cr_assert(strstr(out, "Description:uplink to D\r\n"), "%s", out);
	cr_assert_str_eq(asked, "GigabitEthernet0/1/0");
	cli_exec(s, "display interface gigabitethernet 0/1/0");
	cr_assert_str_eq(asked, "GigabitEthernet0/1/0");
	cmd_printed();
	/* No argument: every interface, an empty line between them. */
	cli_exec(s, "display interface");
	out = cmd_printed();
	cr_assert(strstr(out, "Total Error:                  0\r\n\r\nLoopBack0 current state"),
		  "%s", out);
	stop(s);
}

Test(ifdisp_cmd, vrp_errors)
{
	struct cli_session *s = start();

	/* An interface the device does not have. */
	cmd_run(s, "display interface GigabitEthernet0/2/0", "",
		cmd_caret(8 + 18, "Wrong parameter"));
	cmd_run(s, "display interface ge 0/9/9", "", cmd_caret(8 + 21, "Wrong parameter"));
	cmd_run(s, "display interface brief extra", "", cmd_caret(8 + 24, "Too many parameters"));
	cmd_run(s, "display ip interface", "", cmd_caret(8 + 20, "Incomplete command"));
	cmd_run(s, "display ipv6 interface bogus", "",
		cmd_caret(8 + 23, "Unrecognized command"));
	cr_assert_eq(ifmgrd_calls, 0, "errors never reach ifmgrd");
	/* ifmgrd does not answer. */
	ifmgrd_down = true;
	cmd_run(s, "display interface brief", "",
		"Error: The interface service is not available.\r\n");
	cr_assert_str_eq(cli_prompt(s), "<HUAWEI>");
	stop(s);
}
