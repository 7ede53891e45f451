/*
 * test_ping.c: `ping` and `tracert` (clid/cmd_ping.c): each line's
 * formatter against the manual's layout, the grammar's VRP errors, and
 * the stream over a fake ifmgrd (start, polls, Ctrl-C and stop).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd_ifdisp.h"
#include "cmd_ping.h"
#include "cmd_session.h"

static const char *take(struct sbuf *b)
{
	return cmd_take(b);
}

static ProbeEvent reply(uint32_t seq, const char *from, uint32_t rtt_us)
{
	ProbeEvent e = PROBE_EVENT__INIT;

	e.has_seq = e.has_bytes = e.has_ttl = e.has_rtt_us = true;
	e.seq = seq;
	e.from = (char *)from;
	e.bytes = 56;
	e.ttl = 255;
	e.rtt_us = rtt_us;
	return e;
}

static ProbeEvent lost(uint32_t seq, uint32_t probe)
{
	ProbeEvent e = PROBE_EVENT__INIT;

	e.has_seq = e.has_probe = e.has_timeout = true;
	e.seq = seq;
	e.probe = probe;
	e.timeout = true;
	return e;
}

Test(ping_fmt, the_manuals_sample)
{
	struct sbuf b = { 0 };
	ProbeEvent r1 = reply(1, "10.1.1.2", 400), t2 = lost(2, 0);
	ProbeStatus st = PROBE_STATUS__INIT;

	ping_fmt_header("10.1.1.2", false, 56, &b);
	ping_fmt_event(&r1, false, &b);
	ping_fmt_event(&t2, false, &b);
	st.sent = 2;
	st.received = 1;
	st.rtt_min_us = st.rtt_max_us = 400;
	st.rtt_sum_us = 400;
	ping_fmt_stats("10.1.1.2", false, &st, &b);
	cr_assert_str_eq(take(&b),
		"  PING 10.1.1.2: 56  data bytes, press CTRL_C to break\r\n"
		"    Reply from 10.1.1.2: bytes=56 Sequence=1 ttl=255 time=1 ms\r\n"
		"    Request time out\r\n"
		"\r\n"
		"  --- 10.1.1.2 ping statistics ---\r\n"
		"    2 packet(s) transmitted\r\n"
		"    1 packet(s) received\r\n"
		"    50.00% packet loss\r\n"
		"    round-trip min/avg/max = 1/1/1 ms\r\n");
}

Test(ping_fmt, all_lost_has_no_round_trip)
{
	struct sbuf b = { 0 };
	ProbeStatus st = PROBE_STATUS__INIT;

	st.sent = 5;
	ping_fmt_stats("10.0.9.2", false, &st, &b);
	cr_assert_str_eq(take(&b),
		"\r\n"
		"  --- 10.0.9.2 ping statistics ---\r\n"
		"    5 packet(s) transmitted\r\n"
		"    0 packet(s) received\r\n"
		"    100.00% packet loss\r\n");
}

Test(ping_fmt, round_trip_and_ipv6)
{
	struct sbuf b = { 0 };
	ProbeStatus st = PROBE_STATUS__INIT;
	ProbeEvent r = reply(3, "2001:db8::2", 12345);

	cr_assert_eq(ping_ms(0), 0);
	cr_assert_eq(ping_ms(1), 1);
	cr_assert_eq(ping_ms(1000), 1);
	cr_assert_eq(ping_ms(1001), 2);
	st.sent = 3;
	st.received = 3;
	st.rtt_min_us = 1000;
	st.rtt_max_us = 40000;
	st.rtt_sum_us = 1000 + 20000 + 40000;
	ping_fmt_stats("10.0.0.1", false, &st, &b);
	cr_assert(strstr(take(&b), "    0.00% packet loss\r\n"
			 "    round-trip min/avg/max = 1/21/40 ms\r\n"));
	r.ttl = 64;
	ping_fmt_header("2001:db8::2", true, 56, &b);
	ping_fmt_event(&r, true, &b);
	cr_assert_str_eq(take(&b),
		"  PING 2001:DB8::2 : 56  data bytes, press CTRL_C to break\r\n"
		"    Reply from 2001:DB8::2\r\n"
		"    bytes=56 Sequence=3 hop limit=64 time=13 ms\r\n");
}

Test(tracert_fmt, hops_and_stars)
{
	struct sbuf b = { 0 };
	struct tracert_line l = { 0 };
	ProbeEvent h1[3], h2[3], h3[3];

	for (uint32_t k = 0; k < 3; k++) {
		h1[k] = reply(1, "10.0.12.1", k ? 21000 : 40000);
		h1[k].probe = k;
		h2[k] = lost(2, k);
		h3[k] = reply(3, "10.0.13.3", 2000);
		h3[k].probe = k;
	}
	h3[1] = lost(3, 1);
	tracert_fmt_header("10.0.13.3", "10.0.13.3", 30, &b);
	for (int k = 0; k < 3; k++)
		tracert_fmt_event(&h1[k], 3, &l, &b);
	for (int k = 0; k < 3; k++)
		tracert_fmt_event(&h2[k], 3, &l, &b);
	for (int k = 0; k < 3; k++)
		tracert_fmt_event(&h3[k], 3, &l, &b);
	cr_assert_str_eq(take(&b),
		" traceroute to  10.0.13.3(10.0.13.3), max hops: 30 ,packet length: 40,"
		"press CTRL_C to break\r\n"
		" 1 10.0.12.1 40 ms  21 ms  21 ms\r\n"
		" 2 * * *\r\n"
		" 3 10.0.13.3 2 ms * 2 ms\r\n");
	h1[0].unreachable = "!H";
	tracert_fmt_event(&h1[0], 1, &l, &b);
	cr_assert_str_eq(take(&b), " 1 10.0.12.1 40 ms !H\r\n");
}

/* ---- the commands over a fake ifmgrd ---- */

static struct {
	struct cli_session *s;
	unsigned starts, polls, stops;
	ProbeStart last;
	char host[64], source[64], ifname[64];
	bool interrupt_at_poll;     /* Ctrl-C while the second poll waits */
	bool lose_all;
} fk;

/* ifmgrd's answers; rep is copied after the hook returns, so what it
 * points at may live in statics. */
static int if_hook(const IfRequest *r, IfReply *rep)
{
	static ProbeStatus st;
	static ProbeEvent e1, e2, *ev[2] = { &e1, &e2 };

	probe_status__init(&st);
	e1 = reply(1, "10.0.1.32", 800);
	e2 = lost(2, 0);
	rep->has_status = true;
	rep->probe = &st;
	st.has_id = true;
	st.id = 7;
	switch (r->req_case) {
	case IF_REQUEST__REQ_PROBE_START:
		fk.starts++;
		fk.polls = 0;
		fk.last = *r->probe_start;
		snprintf(fk.host, sizeof(fk.host), "%s", r->probe_start->host);
		snprintf(fk.source, sizeof(fk.source), "%s",
			 r->probe_start->source ? r->probe_start->source : "");
		snprintf(fk.ifname, sizeof(fk.ifname), "%s",
			 r->probe_start->interface ? r->probe_start->interface : "");
		break;
	case IF_REQUEST__REQ_PROBE_POLL:
		fk.polls++;
		cr_assert_eq(r->probe_poll->id, 7);
		if (fk.lose_all) {
			e1 = lost(1, 0);
			st.event = ev;
			st.n_event = 2;
			st.sent = 2;
			st.done = true;
		} else if (fk.polls == 1) {
			cr_assert_eq(r->probe_poll->next, 0);
			st.event = ev;
			st.n_event = 1;
			st.sent = st.received = 1;
			st.rtt_min_us = st.rtt_max_us = st.rtt_sum_us = 800;
		} else {
			cr_assert_eq(r->probe_poll->next, 1);
			if (fk.interrupt_at_poll) {
				/* Ctrl-C while this poll waits: nothing new yet. */
				cr_assert(cli_interrupt(fk.s));
				st.sent = 2;
				st.received = 1;
				break;
			}
			st.event = ev + 1;
			st.n_event = 1;
			st.sent = 2;
			st.received = 1;
			st.rtt_min_us = st.rtt_max_us = st.rtt_sum_us = 800;
			st.done = true;
		}
		break;
	case IF_REQUEST__REQ_PROBE_STOP:
		fk.stops++;
		st.sent = 2;
		st.received = 1;
		st.rtt_min_us = st.rtt_max_us = st.rtt_sum_us = 800;
		st.done = true;
		break;
	default:
		cr_assert_fail("unexpected request %d", r->req_case);
	}
	/* Fields present as ifmgrd sends them (proto2 has_ flags). */
	st.has_done = st.has_sent = st.has_received = true;
	st.has_rtt_min_us = st.has_rtt_max_us = st.has_rtt_sum_us = true;
	return 0;
}

static struct cli_session *start(void)
{
	static const char *const ifs[] = { "GigabitEthernet0/1/0", "LoopBack0" };

	memset(&fk, 0, sizeof(fk));
	cmd_fake_setup_ifs(NULL, false, ifs, 2);
	cmd_fake.if_hook = if_hook;
	fk.s = cmd_session_new("VTY 0");
	return fk.s;
}

static void stop(struct cli_session *s)
{
	cli_session_free(s);
	cmd_fake_teardown();
}

#define STATS_2_1 \
	"\r\n" \
	"  --- 10.0.1.32 ping statistics ---\r\n" \
	"    2 packet(s) transmitted\r\n" \
	"    1 packet(s) received\r\n" \
	"    50.00% packet loss\r\n" \
	"    round-trip min/avg/max = 1/1/1 ms\r\n"

Test(ping_cmd, streams_replies_then_statistics)
{
	struct cli_session *s = start();

	cmd_run(s, "ping -c 2 -a 10.0.1.31 -i ge0/1/0 10.0.1.32", "",
		"  PING 10.0.1.32: 56  data bytes, press CTRL_C to break\r\n"
		"    Reply from 10.0.1.32: bytes=56 Sequence=1 ttl=255 time=1 ms\r\n"
		"    Request time out\r\n" STATS_2_1);
	cr_assert_str_eq(fk.host, "10.0.1.32");
	cr_assert_str_eq(fk.source, "10.0.1.31");
	cr_assert_str_eq(fk.ifname, "GigabitEthernet0/1/0");
	cr_assert_eq(fk.last.count, 2);
	cr_assert_eq(fk.last.size, 56);
	cr_assert_eq(fk.last.timeout_ms, 2000);
	cr_assert_eq(fk.polls, 2);
	cr_assert_eq(fk.stops, 0);
	stop(s);
}

Test(ping_cmd, ctrl_c_stops_and_prints_statistics)
{
	struct cli_session *s = start();

	fk.interrupt_at_poll = true;
	cmd_run(s, "ping 10.0.1.32", "",
		"  PING 10.0.1.32: 56  data bytes, press CTRL_C to break\r\n"
		"    Reply from 10.0.1.32: bytes=56 Sequence=1 ttl=255 time=1 ms\r\n" STATS_2_1);
	cr_assert_eq(fk.stops, 1);
	cr_assert_str_eq(cli_prompt(s), "<HUAWEI>");
	/* Not running: Ctrl-C is not the ping's any more. */
	cr_assert(!cli_interrupt(s));
	stop(s);
}

Test(ping_cmd, nothing_answers)
{
	struct cli_session *s = start();

	fk.lose_all = true;
	cmd_run(s, "ping -c 2 -t 100 -s 100 10.0.9.2", "",
		"  PING 10.0.9.2: 100  data bytes, press CTRL_C to break\r\n"
		"    Request time out\r\n"
		"    Request time out\r\n"
		"\r\n"
		"  --- 10.0.9.2 ping statistics ---\r\n"
		"    2 packet(s) transmitted\r\n"
		"    0 packet(s) received\r\n"
		"    100.00% packet loss\r\n");
	cr_assert_eq(fk.last.timeout_ms, 100);
	cr_assert_eq(fk.last.size, 100);
	stop(s);
}

Test(ping_cmd, ipv6_and_tracert_options)
{
	struct cli_session *s = start();

	cli_exec(s, "ping ipv6 -c 2 2001:DB8::2");
	cr_assert(strstr(cmd_printed(), "  PING 2001:DB8::2 : 56  data bytes"));
	cr_assert_str_eq(fk.host, "2001:db8::2");
	cli_exec(s, "tracert -f 2 -m 5 -q 1 -w 300 10.0.1.32");
	cr_assert(strstr(cmd_printed(), " traceroute to  10.0.1.32(10.0.1.32), max hops: 5 ,"));
	cr_assert(fk.last.tracert);
	cr_assert_eq(fk.last.first_ttl, 2);
	cr_assert_eq(fk.last.max_ttl, 5);
	cr_assert_eq(fk.last.probes, 1);
	cr_assert_eq(fk.last.timeout_ms, 300);
	stop(s);
}

Test(ping_cmd, vrp_errors)
{
	struct cli_session *s = start();

	cmd_run(s, "ping", "", cmd_caret(8 + 4, "Incomplete command"));
	cmd_run(s, "ping -c 0 10.0.0.1", "", cmd_caret(8 + 8, "Wrong parameter"));
	cmd_run(s, "ping -c 4294967296 10.0.0.1", "", cmd_caret(8 + 8, "Wrong parameter"));
	cmd_run(s, "ping -s 19 10.0.0.1", "", cmd_caret(8 + 8, "Wrong parameter"));
	cmd_run(s, "ping -s 9601 10.0.0.1", "", cmd_caret(8 + 8, "Wrong parameter"));
	cmd_run(s, "ping -t 65536 10.0.0.1", "", cmd_caret(8 + 8, "Wrong parameter"));
	cmd_run(s, "ping -a 10.0.0 10.0.0.1", "", cmd_caret(8 + 8, "Wrong parameter"));
	cmd_run(s, "ping -c 5", "", cmd_caret(8 + 9, "Incomplete command"));
	cmd_run(s, "ping -i ge0/9/0 10.0.0.1", "", cmd_caret(8 + 8, "Wrong parameter"));
	cmd_run(s, "ping 2001:db8::1", "", cmd_caret(8 + 5, "Wrong parameter"));
	cmd_run(s, "ping ipv6 10.0.0.1", "", cmd_caret(8 + 10, "Wrong parameter"));
	cmd_run(s, "ping 10.0.0.1 extra", "", cmd_caret(8 + 14, "Too many parameters"));
	cmd_run(s, "ping router.example", "", "Error: Unknown host router.example.\r\n");
	cmd_run(s, "tracert -m 256 10.0.0.1", "", cmd_caret(8 + 11, "Wrong parameter"));
	cmd_run(s, "tracert -f 9 -m 5 10.0.0.1", "", cmd_caret(8 + 11, "Wrong parameter"));
	cr_assert_eq(fk.starts, 0, "no error reaches ifmgrd");
	stop(s);
}
