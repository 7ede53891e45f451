/*
 * test_ntp_options.c: the association commands in both spellings
 * (`ntp-service unicast-server ...` and VRP8's `ntp unicast-server ...`),
 * every option turned into the edit cfgd gets, the rendered line parsing
 * back to the same edit, `ntp [ ipv6 ] source-interface`, wrong values
 * refused at the right word, and the trace and packet statistics displays
 * formatted from ntpd's replies (cmd_session.h's fake backend).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_ntp_disp.h"
#include "cmd_session.h"
#include "log.h"
#include "pbtext.h"

static Config *LAST_SET;      /* the fragment of the last SET */
static NtpReply *NTP_ANSWER;  /* what the fake ntpd answers */
static int NTP_CASE;          /* request case it got last */
static struct cli_session *S;

/* The fake cfgd logs each edit as text and keeps the fragment of the last
 * SET. */
static void log_hook(const CfgRequest *req, CfgReply *rep)
{
	if (req->req_case != CFG_REQUEST__REQ_EDIT)
		return;
	for (size_t i = 0; i < req->edit->n_edit; i++) {
		const Edit *e = req->edit->edit[i];

		cmd_fake_edit_text(&cmd_fake.log, e);
		if (e->op == EDIT__OP__SET) {
			if (LAST_SET)
				config__free_unpacked(LAST_SET, NULL);
			LAST_SET = (Config *)cmd_fake_copy(&e->value->base);
		}
	}
}

/* The fake ntpd answers NTP_ANSWER (or an empty reply). */
static int ntp_hook(const NtpRequest *req, NtpReply *rep)
{
	NTP_CASE = req->req_case;
	if (NTP_ANSWER)
		*rep = *NTP_ANSWER;
	return 0;
}

static void setup(void)
{
	LAST_SET = NULL;
	NTP_ANSWER = NULL;
	cmd_fake_setup(log_hook, false);
	cmd_fake.ntp_hook = ntp_hook;
	S = cmd_session_in(NULL);
}

static void teardown(void)
{
	cli_session_free(S);
	cmd_fake_teardown();
	if (LAST_SET)
		config__free_unpacked(LAST_SET, NULL);
}

TestSuite(ntpopt, .init = setup, .fini = teardown);

static void run(const char *line, const char *edits_want, const char *output)
{
	cmd_run(S, line, edits_want, output);
}

/* The line, its edit, then the configuration text of that edit parsed
 * again gives the same edit. */
static void round_trip(const char *line, const char *rendered)
{
	struct sbuf r = { 0 };
	char *first, *again;

	cli_exec(S, line);
	cr_assert_str_eq(cmd_printed(), "", "'%s' accepted", line);
	cmd_edits();
	cr_assert_not_null(LAST_SET);
	first = pbtext(&LAST_SET->base);
	cmd_ntp_render(LAST_SET, &r);
	cr_assert_str_eq(r.buf, rendered);
	r.buf[r.len - 2] = '\0';   /* "\r\n" */
	cli_exec(S, r.buf);
	cr_assert_str_eq(cmd_printed(), "", "'%s' accepted", r.buf);
	cmd_edits();
	again = pbtext(&LAST_SET->base);
	cr_assert_str_eq(again, first);
	free(first);
	free(again);
	sbuf_free(&r);
}

Test(ntpopt, server_every_option_both_spellings)
{
	const char *want =
		"DELETE ntp/vpn/v1/unicast_server/10.0.1.31\n"
		"SET ntp {vpn {name: \"v1\" unicast_server {address: \"10.0.1.31\" "
		"vpn_instance: \"v1\" version: 4 "
		"authentication_keyid: 7 source_interface: \"GigabitEthernet0/1/0\" preferred: true "
		"priority: true minpoll: 4 maxpoll: 12 burst: true iburst: true preempt: true "
		"port: 1123}}}\n";

	run("ntp-service unicast-server vpn-instance v1 10.0.1.31 version 4 authentication-keyid 7 "
	    "source-interface GigabitEthernet 0/1/0 preferred priority minpoll 4 maxpoll 12 burst "
	    "iburst preempt port 1123", want, "");
	run("ntp unicast-server 10.0.1.31 port 1123 preempt iburst burst maxpoll 12 minpoll 4 "
	    "priority preferred source-interface GigabitEthernet0/1/0 authentication-keyid 7 "
	    "vpn-instance v1 version 4", want, "");
	/* vrp-ntp.md: vpn-instance among the options after the address. */
	run("ntp-service unicast-server 10.0.1.31 port 1123 preempt iburst burst maxpoll 12 "
	    "minpoll 4 priority preferred source-interface GigabitEthernet0/1/0 "
	    "authentication-keyid 7 vpn-instance v1 version 4", want, "");
	run("ntp-service unicast-server vpn-instance v1 10.0.1.31 vpn-instance v2", "",
	    cmd_caret(9 + 53, "Wrong parameter"));
	run("ntp-service unicast-peer 10.0.1.32 vpn-instance v1",
	    "DELETE ntp/vpn/v1/unicast_peer/10.0.1.32\n"
	    "SET ntp {vpn {name: \"v1\" unicast_peer {address: \"10.0.1.32\" "
	    "vpn_instance: \"v1\"}}}\n", "");
	/* The undo with the instance: that instance's association (here the
	 * candidate has none, so the instance's element goes). */
	run("undo ntp-service unicast-server 10.0.1.31 vpn-instance v1", "DELETE ntp/vpn/v1\n",
	    "");
	run("undo ntp unicast-server 10.0.1.31", "DELETE ntp/unicast_server/10.0.1.31\n", "");
	run("undo ntp-service unicast-server 10.0.1.31", "DELETE ntp/unicast_server/10.0.1.31\n", "");
}

Test(ntpopt, peer_domain_and_ipv6)
{
	run("ntp unicast-peer domain peer.example.net version 3 preferred",
	    "DELETE ntp/unicast_peer/peer.example.net\n"
	    "SET ntp {unicast_peer {address: \"peer.example.net\" version: 3 preferred: true "
	    "domain: true}}\n", "");
	run("ntp-service unicast-peer domain peer.example.net",
	    "DELETE ntp/unicast_peer/peer.example.net\n"
	    "SET ntp {unicast_peer {address: \"peer.example.net\" domain: true}}\n", "");
	run("ntp unicast-server time.example.org iburst",
	    "DELETE ntp/unicast_server/time.example.org\n"
	    "SET ntp {unicast_server {address: \"time.example.org\" iburst: true domain: true}}\n",
	    "");
	/* IPv6 kept canonical: the list key must match however it is typed. */
	run("ntp unicast-server ipv6 2001:DB8:0:0::1 minpoll 5",
	    "DELETE ntp/unicast_server/2001:db8::1\n"
	    "SET ntp {unicast_server {address: \"2001:db8::1\" ipv6: true minpoll: 5}}\n", "");
	run("undo ntp-service unicast-server ipv6 2001:db8:0::1",
	    "DELETE ntp/unicast_server/2001:db8::1\n", "");
	run("ntp unicast-peer ipv6 fe80::2", "DELETE ntp/unicast_peer/fe80::2\n"
	    "SET ntp {unicast_peer {address: \"fe80::2\" ipv6: true}}\n", "");
}

Test(ntpopt, wrong_values_refused_at_the_word)
{
	/* Peers have no burst/iburst; ranges come from the grammar. */
	cli_exec(S, "ntp unicast-peer 10.0.1.32 burst");
	cr_assert(strstr(cmd_printed(), "Error: Unrecognized command found at '^' position."));
	cli_exec(S, "ntp unicast-server 10.0.1.31 version 5");
	cr_assert(strstr(cmd_printed(), "Error: Wrong parameter found at '^' position."));
	cli_exec(S, "ntp unicast-server 10.0.1.31 minpoll 2");
	cr_assert(strstr(cmd_printed(), "Error: Wrong parameter found at '^' position."));
	cli_exec(S, "ntp unicast-server 10.0.1.31 maxpoll 18");
	cr_assert(strstr(cmd_printed(), "Error: Wrong parameter found at '^' position."));
	cli_exec(S, "ntp unicast-server 10.0.1.31 port 0");
	cr_assert(strstr(cmd_printed(), "Error: Wrong parameter found at '^' position."));
	cli_exec(S, "ntp unicast-server ipv6 10.0.1.31");
	cr_assert_str_eq(cmd_printed(), "                                 ^\r\n"
			 "Error: Wrong parameter found at '^' position.\r\n");
	cli_exec(S, "ntp unicast-server 10.0.1.31 burst burst");
	cr_assert(strstr(cmd_printed(), "Error:"));
	cr_assert_str_eq(cmd_edits(), "");
}

Test(ntpopt, source_interface_both_spellings)
{
	/* Given again without a VPN instance, the command drops one given before. */
	const char *v4 = "DELETE ntp/source_interface_vpn_instance\n"
			 "SET ntp {source_interface: \"LoopBack0\"}\n";
	const char *v6 = "DELETE ntp/ipv6_source_interface_vpn_instance\n"
			 "SET ntp {ipv6_source_interface: \"GigabitEthernet0/1/0\"}\n";

	run("ntp source-interface LoopBack0", v4, "");
	run("ntp-service source-interface loopback 0", v4, "");
	run("ntp ipv6 source-interface GigabitEthernet 0/1/0", v6, "");
	run("ntp-service ipv6 source-interface GigabitEthernet0/1/0", v6, "");
	run("undo ntp ipv6 source-interface",
	    "DELETE ntp/ipv6_source_interface\nDELETE ntp/ipv6_source_interface_vpn_instance\n",
	    "");
	run("undo ntp source-interface",
	    "DELETE ntp/source_interface\nDELETE ntp/source_interface_vpn_instance\n", "");
	/* Seeds 002/003: [ vpn-instance V ] after the interface. */
	run("ntp-service source-interface LoopBack0 vpn-instance blue",
	    "DELETE ntp/source_interface_vpn_instance\n"
	    "SET ntp {source_interface: \"LoopBack0\" source_interface_vpn_instance: \"blue\"}\n",
	    "");
	run("ntp ipv6 source-interface GigabitEthernet 0/1/0 vpn-instance blue",
	    "DELETE ntp/ipv6_source_interface_vpn_instance\n"
	    "SET ntp {ipv6_source_interface: \"GigabitEthernet0/1/0\" "
	    "ipv6_source_interface_vpn_instance: \"blue\"}\n", "");
	run("ntp-service server source-interface LoopBack0 vpn-instance blue", "",
	    cmd_caret(9 + 46, "Too many parameters"));
	run("ntp unsync max-poll-interval 6 dec-step 2",
	    "DELETE ntp/unsync\nSET ntp {unsync {max_poll_interval: 6 dec_step: 2}}\n", "");
}

Test(ntpopt, rendered_lines_parse_back)
{
	round_trip("ntp unicast-server 10.0.1.31 version 4 port 1123 burst iburst preempt "
		   "preferred priority minpoll 4 maxpoll 12 source-interface LoopBack0 "
		   "authentication-keyid 3",
		   "ntp-service unicast-server 10.0.1.31 version 4 authentication-keyid 3 "
		   "source-interface LoopBack0 preferred priority minpoll 4 maxpoll 12 burst "
		   "iburst preempt port 1123\r\n");
	round_trip("ntp unicast-peer domain peer.example.net vpn-instance blue version 2",
		   "ntp-service unicast-peer vpn-instance blue peer.example.net version 2\r\n");
	round_trip("ntp source-interface LoopBack0 vpn-instance blue",
		   "ntp-service source-interface LoopBack0 vpn-instance blue\r\n");
	round_trip("ntp unicast-server ipv6 2001:db8::7 iburst",
		   "ntp-service unicast-server ipv6 2001:DB8::7 iburst\r\n");
	round_trip("ntp ipv6 source-interface LoopBack0",
		   "ntp-service ipv6 source-interface LoopBack0\r\n");
}

static NtpTraceHop *hop(const char *server, unsigned stratum, double off, double dist)
{
	NtpTraceHop *h = xcalloc(1, sizeof(*h));

	ntp_trace_hop__init(h);
	h->server = (char *)server;
	h->has_stratum = h->has_offset = h->has_sync_distance = true;
	h->stratum = stratum;
	h->offset = off;
	h->sync_distance = dist;
	return h;
}

Test(ntpopt, display_trace)
{
	NtpReply rep = NTP_REPLY__INIT;
	NtpTrace tr = NTP_TRACE__INIT;
	NtpTraceHop *hops[2];

	hops[0] = hop("10.0.1.32", 3, 0.000024, 0.063374);
	hops[1] = hop("10.0.1.31", 2, -0.0000000001, 0.00575);
	tr.hop = hops;
	tr.n_hop = 2;
	tr.refid_text = "LOCAL(0)";
	rep.trace = &tr;
	NTP_ANSWER = &rep;
	run("display ntp-service trace", "",
	    " server 10.0.1.32,stratum 3, offset 0.000024 s, synch distance 0.06337\r\n"
	    " server 10.0.1.31,stratum 2, offset 0.000000 s, synch distance 0.00575\r\n"
	    " refid LOCAL(0)\r\n");
	cr_assert_eq(NTP_CASE, NTP_REQUEST__REQ_TRACE);
	tr.n_hop = 1;
	tr.stopped = "no answer from 10.0.1.31";
	run("display ntp-service trace", "",
	    " server 10.0.1.32,stratum 3, offset 0.000024 s, synch distance 0.06337\r\n"
	    " Info: The trace stopped: no answer from 10.0.1.31.\r\n");
	free(hops[0]);
	free(hops[1]);
}

Test(ntpopt, display_statistics_packet)
{
	NtpReply rep = NTP_REPLY__INIT;
	NtpPacketStats ps = NTP_PACKET_STATS__INIT;
	NtpCounter c1 = NTP_COUNTER__INIT, c2 = NTP_COUNTER__INIT;
	NtpCounter *tests[2] = { &c1, &c2 };

	ps.has_sent = ps.has_received = ps.has_dropped = ps.has_processed = true;
	ps.has_send_failures = ps.has_validity_failures = ps.has_auth_failures = true;
	ps.has_invalid = ps.has_access_denied = ps.has_max_dynamic = ps.has_others = true;
	ps.sent = 100;
	ps.send_failures = 10;
	ps.received = 1000;
	ps.processed = 800;
	ps.dropped = 200;
	ps.validity_failures = 50;
	ps.auth_failures = 20;
	ps.invalid = 50;
	ps.access_denied = 50;
	ps.max_dynamic = 1;
	ps.others = 49;
	c1.name = "duplicate";
	c1.has_count = true;
	c1.count = 3;
	c2.name = "bogus origin";
	tests[1]->has_count = true;
	tests[1]->count = 47;
	ps.test = tests;
	ps.n_test = 2;
	rep.packet_stats = &ps;
	NTP_ANSWER = &rep;
	run("display ntp-service statistics packet", "",
	    " NTP IPv4 Packet Statistical Information\r\n"
	    " ---------------------------------------\r\n"
	    " Sent                                  : 100\r\n"
	    "    Send failures                      : 10\r\n"
	    " Received                              : 1000\r\n"
	    "    Processed                          : 800\r\n"
	    "    Dropped                            : 200\r\n"
	    "       Validity test failures          : 50\r\n"
	    "          Authentication failures      : 20\r\n"
	    "       Invalid packets                 : 50\r\n"
	    "       Access denied                   : 50\r\n"
	    "       Rate-limited                    : 0\r\n"
	    "       Processing delay                : 0\r\n"
	    "       Interface disabled              : 0\r\n"
	    "       Max dynamic association reached : 1\r\n"
	    "       Others                          : 49\r\n"
	    " Packet test failures\r\n"
	    "    duplicate                          : 3\r\n"
	    "    bogus origin                       : 47\r\n");
	cr_assert_eq(NTP_CASE, NTP_REQUEST__REQ_PACKET_STATS);
	/* Abbreviated, from user view too. */
	cli_exec(S, "return");
	cmd_printed();
	cli_exec(S, "dis ntp-s stati p");
	{
		const char *o = cmd_printed();

		cr_assert(strstr(o, "Max dynamic association reached : 1\r\n"), "%s", o);
	}
}

Test(ntpopt, display_sessions_verbose_layout)
{
	NtpSession s = NTP_SESSION__INIT;
	NtpSession *v[1] = { &s };
	NtpFilterStage st[8], *stp[8];
	char *status[] = { "configured", "master", "sane", "valid" };
	struct sbuf b = { 0 };

	s.source = "127.127.1.0";
	s.has_stratum = true;
	s.stratum = 1;
	s.n_status = 4;
	s.status = status;
	s.refid_text = "LOCAL(0)";
	s.reach = 255;
	s.poll = 6;
	s.peer_poll = 6;
	s.local_mode = 3;   /* client */
	s.peer_mode = 4;    /* server */
	s.dispersion = 0.00008;
	s.root_dispersion = 0.010;
	s.sync_distance = 0.0101;
	s.sync_state = 4;
	s.precision = -17;
	s.version = 3;
	s.peer_interface = "InLoopBack0";
	for (int i = 0; i < 8; i++) {
		ntp_filter_stage__init(&st[i]);
		st[i].delay = 0.001 * i;
		st[i].offset = -0.0001 * i;
		st[i].dispersion = 0.00002;
		stp[i] = &st[i];
	}
	s.filter = stp;
	s.n_filter = 8;
	ntp_fmt_sessions(v, 1, true, &b);
	cr_assert_str_eq(b.buf,
		" clock source: 127.127.1.0\r\n"
		" clock stratum: 1\r\n"
		" clock status: configured, master, sane, valid\r\n"
		" reference clock ID: LOCAL(0)\r\n"
		" local mode: client, local poll: 64, current poll: 64\r\n"
		" peer mode: server, peer poll: 64, now: 0\r\n"
		" offset: 0.0000 ms, delay: 0.00 ms, disper: 0.08 ms\r\n"
		" root delay: 0.00 ms, root disper: 10.00 ms\r\n"
		" reach: 255, sync dist: 0.010, sync state: 4\r\n"
		" precision: 2^17, version: 3, peer interface: InLoopBack0\r\n"
		" reftime: 00:00:00.000 UTC Jan 1 1900(00000000.00000000)\r\n"
		" orgtime: 00:00:00.000 UTC Jan 1 1900(00000000.00000000)\r\n"
		" rcvtime: 00:00:00.000 UTC Jan 1 1900(00000000.00000000)\r\n"
		" xmttime: 00:00:00.000 UTC Jan 1 1900(00000000.00000000)\r\n"
		" filter delay :    0.00    1.00    2.00    3.00    4.00    5.00    6.00    7.00\r\n"
		" filter offset:    0.00   -0.10   -0.20   -0.30   -0.40   -0.50   -0.60   -0.70\r\n"
		" filter disper:    0.02    0.02    0.02    0.02    0.02    0.02    0.02    0.02\r\n"
		" reference clock status: normal\r\n");
	sbuf_free(&b);
}
