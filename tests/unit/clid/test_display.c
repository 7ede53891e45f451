/*
 * test_display.c: `display ntp-service status` and `sessions` formatted
 * from ntpd's structured state, against the figures of seed 004.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "cmd.h"

Test(display, timestamps)
{
	char buf[64];

	ntp_fmt_timestamp(0xC7B7AC31773E89A8ull, buf, sizeof(buf));
	cr_assert_str_eq(buf, "06:52:33.465 UTC Mar 7 2006(C7B7AC31.773E89A8)");
	ntp_fmt_timestamp(0xC7B7ACF6C8D002E2ull, buf, sizeof(buf));
	cr_assert_str_eq(buf, "06:55:50.784 UTC Mar 7 2006(C7B7ACF6.C8D002E2)");
	ntp_fmt_timestamp(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "00:00:00.000 UTC Jan 1 1900(00000000.00000000)");
	/* 2036-02-07 06:28:15, the last second of era 0. */
	ntp_fmt_timestamp(0xFFFFFFFF00000000ull, buf, sizeof(buf));
	cr_assert_str_eq(buf, "06:28:15.000 UTC Feb 7 2036(FFFFFFFF.00000000)");
}

static NtpSysStatus synced(uint32_t stratum, const char *ref, double rdelay, double rdisp,
			   double pdisp, uint64_t reftime)
{
	NtpSysStatus st = NTP_SYS_STATUS__INIT;

	st.has_synchronized = st.synchronized = true;
	st.has_stratum = true;
	st.stratum = stratum;
	st.refid_text = (char *)ref;
	st.has_precision = true;
	st.precision = -7;
	st.has_offset = true;
	st.offset = 0.0000000123;
	st.has_root_delay = true;
	st.root_delay = rdelay;
	st.has_root_dispersion = true;
	st.root_dispersion = rdisp;
	st.has_peer_dispersion = true;
	st.peer_dispersion = pdisp;
	st.has_reference_time = true;
	st.reference_time = reftime;
	st.has_frequency_ppm = true;
	st.frequency_ppm = 0.0;
	st.has_nominal_hz = true;
	st.nominal_hz = 64.0029;
	return st;
}

Test(display, status_seed_device_d)
{
	NtpSysStatus st = synced(3, "10.0.1.31", 0.0625, 0.0002, 0.00781, 0xC7B7AC31773E89A8ull);
	struct sbuf b = { 0 };

	ntp_fmt_status(&st, &b);
	cr_assert_str_eq(b.buf,
		" clock status: synchronized\r\n"
		" clock stratum: 3\r\n"
		" reference clock ID: 10.0.1.31\r\n"
		" nominal frequency: 64.0029 Hz\r\n"
		" actual frequency: 64.0029 Hz\r\n"
		" clock precision: 2^7\r\n"
		" clock offset: 0.0000 ms\r\n"
		" root delay: 62.50 ms\r\n"
		" root dispersion: 0.20 ms\r\n"
		" peer dispersion: 7.81 ms\r\n"
		" reference time: 06:52:33.465 UTC Mar 7 2006(C7B7AC31.773E89A8)\r\n"
		" synchronization state: clock synchronized\r\n");
	sbuf_free(&b);
}

Test(display, status_seed_device_e)
{
	NtpSysStatus st = synced(4, "10.0.1.32", 0.12498, 0.00015, 0.01096, 0xC7B7ACF6C8D002E2ull);
	struct sbuf b = { 0 };

	ntp_fmt_status(&st, &b);
	cr_assert_str_eq(b.buf,
		" clock status: synchronized\r\n"
		" clock stratum: 4\r\n"
		" reference clock ID: 10.0.1.32\r\n"
		" nominal frequency: 64.0029 Hz\r\n"
		" actual frequency: 64.0029 Hz\r\n"
		" clock precision: 2^7\r\n"
		" clock offset: 0.0000 ms\r\n"
		" root delay: 124.98 ms\r\n"
		" root dispersion: 0.15 ms\r\n"
		" peer dispersion: 10.96 ms\r\n"
		" reference time: 06:55:50.784 UTC Mar 7 2006(C7B7ACF6.C8D002E2)\r\n"
		" synchronization state: clock synchronized\r\n");
	sbuf_free(&b);
}

Test(display, status_frequency_and_negative_offset)
{
	NtpSysStatus st = synced(2, "LOCAL(0)", 0, 0.01, 0, 0);
	struct sbuf b = { 0 };

	st.frequency_ppm = 100.0;       /* 64.0029 * 1.0001 = 64.0093 */
	st.offset = -0.00012345;
	ntp_fmt_status(&st, &b);
	cr_assert(strstr(b.buf, " reference clock ID: LOCAL(0)\r\n"));
	cr_assert(strstr(b.buf, " actual frequency: 64.0093 Hz\r\n"), "%s", b.buf);
	cr_assert(strstr(b.buf, " clock offset: -0.1235 ms\r\n") ||
		  strstr(b.buf, " clock offset: -0.1234 ms\r\n"), "%s", b.buf);
	cr_assert(strstr(b.buf, " root delay: 0.00 ms\r\n"));
	sbuf_free(&b);
}

Test(display, status_unsynchronized)
{
	NtpSysStatus st = NTP_SYS_STATUS__INIT;
	struct sbuf b = { 0 };

	st.has_synchronized = true;
	st.synchronized = false;
	st.has_stratum = true;
	st.stratum = 16;
	st.has_precision = true;
	st.precision = -20;
	st.has_nominal_hz = true;
	st.nominal_hz = 64.0029;
	ntp_fmt_status(&st, &b);
	cr_assert_str_eq(b.buf,
		" clock status: unsynchronized\r\n"
		" clock stratum: 16\r\n"
		" reference clock ID: none\r\n"
		" nominal frequency: 64.0029 Hz\r\n"
		" actual frequency: 64.0029 Hz\r\n"
		" clock precision: 2^20\r\n"
		" clock offset: 0.0000 ms\r\n"
		" root delay: 0.00 ms\r\n"
		" root dispersion: 0.00 ms\r\n"
		" peer dispersion: 0.00 ms\r\n"
		" reference time: 00:00:00.000 UTC Jan 1 1900(00000000.00000000)\r\n"
		" synchronization state: clock not synchronized\r\n");
	sbuf_free(&b);

	/* ntpd's reason, when it gives one, follows on a line of its own. */
	st.reason = "no majority of truechimers: 3 of 5 sources disagree";
	ntp_fmt_status(&st, &b);
	cr_assert(strstr(b.buf, " synchronization state: clock not synchronized\r\n"
			 " unsynchronized reason: no majority of truechimers: 3 of 5 sources "
			 "disagree\r\n") != NULL, "%s", b.buf);
	sbuf_free(&b);
}

Test(display, sessions)
{
	NtpSession s = NTP_SESSION__INIT;
	NtpSession *v[2] = { &s, &s };
	char *status[] = { "configured", "master", "sane", "valid" };
	struct sbuf b = { 0 };
	const char *one =
		" clock source: 10.1.1.1\r\n"
		" clock stratum: 8\r\n"
		" clock status: configured, master, sane, valid\r\n"
		" reference clock ID: LOCAL(0)\r\n"
		" reach: 255\r\n"
		" current poll: 1024\r\n"
		" now: 355\r\n"
		" offset: 0.5995 ms\r\n"
		" delay: 3.01 ms\r\n"
		" disper: 25.42 ms\r\n";

	s.source = "10.1.1.1";
	s.has_stratum = true;
	s.stratum = 8;
	s.n_status = 4;
	s.status = status;
	s.refid_text = "LOCAL(0)";
	s.has_reach = true;
	s.reach = 255;
	s.has_poll = true;
	s.poll = 10;
	s.has_now = true;
	s.now = 355;
	s.has_offset = true;
	s.offset = 0.0005995;
	s.has_delay = true;
	s.delay = 0.00301;
	s.has_dispersion = true;
	s.dispersion = 0.02542;
	ntp_fmt_sessions(v, 1, false, &b);
	cr_assert_str_eq(b.buf, one);
	sbuf_free(&b);

	ntp_fmt_sessions(v, 2, false, &b);
	cr_assert_eq(b.len, 2 * strlen(one) + 2);
	sbuf_free(&b);

	ntp_fmt_sessions(v, 1, true, &b);
	cr_assert(strstr(b.buf, " reftime: 00:00:00.000 UTC Jan 1 1900(00000000.00000000)\r\n"));
	cr_assert(strstr(b.buf, " local mode: unspec, local poll: 1024, current poll: 1024\r\n"),
		  "%s", b.buf);
	cr_assert(strstr(b.buf, " filter delay :\r\n"));
	sbuf_free(&b);
	/* The discipline asks 1024 s; the association still polls every 16 s
	 * (its filter is filling). */
	s.has_local_poll = true;
	s.local_poll = 10;
	s.poll = 4;
	ntp_fmt_sessions(v, 1, true, &b);
	cr_assert(strstr(b.buf, " local mode: unspec, local poll: 1024, current poll: 16\r\n"),
		  "%s", b.buf);
	sbuf_free(&b);

	/* Unreachable through a source interface that is down: one more line
	 * at the end of the block, in both forms (Meridian's, not VRP's). */
	s.unreachable = "source-interface GigabitEthernet0/1/0 is down";
	ntp_fmt_sessions(v, 1, false, &b);
	cr_assert(strstr(b.buf, " disper: 25.42 ms\r\n unreachable reason: source-interface "
			 "GigabitEthernet0/1/0 is down\r\n"), "%s", b.buf);
	sbuf_free(&b);
	ntp_fmt_sessions(v, 1, true, &b);
	cr_assert(strstr(b.buf, " unreachable reason: source-interface GigabitEthernet0/1/0 is "
			 "down\r\n"), "%s", b.buf);
	sbuf_free(&b);
}
