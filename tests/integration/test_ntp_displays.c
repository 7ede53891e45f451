/*
 * test_ntp_displays.c: the association options and the NTP displays on the
 * seed topology, end to end (telnet -> clid -> cfgd -> ntpd -> UDP):
 *
 *   DeviceC 10.0.1.31  ntp-service refclock-master 2, server source-interface
 *   DeviceD 10.0.1.32  `ntp unicast-server 10.0.1.31 iburst version 3 maxpoll 8`
 *                      (VRP8's spelling), server source-interface
 *   DeviceE 10.0.1.33  `ntp unicast-peer 10.0.1.32` (symmetric active)
 *
 * Once DeviceE is at stratum 4:
 *  - `display ntp-service trace` on DeviceE walks E -> D -> C -> LOCAL(0),
 *    E itself named 127.0.0.1 as the Comware manuals name the local device;
 *  - `display ntp-service statistics packet` on DeviceD counts what it
 *    received, sent and dropped (and a burst of garbage sent to it shows as
 *    invalid packets);
 *  - `display ntp-service sessions` on DeviceD shows E's dynamic passive
 *    association, and `... verbose` the 8-stage filter and version 3;
 *  - `display current-configuration` shows D's server in the ntp-service
 *    spelling with its options.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab.h"

static void run_all(struct vty *v, const char *dev, const char *const *lines)
{
	for (size_t i = 0; lines[i]; i++) {
		char *out = NULL;
		int r = lab_cmd(v, dev, lines[i], &out);

		cr_assert_eq(r, 0, "%s: '%s' got no prompt back", dev, lines[i]);
		cr_assert(!strstr(out, "Error:"), "%s: '%s' failed:\n%s", dev, lines[i], out);
		free(out);
	}
}

#define IFCONF(addr)                                          \
	"system-view", "interface GigabitEthernet0/1/0", "undo shutdown", \
	"ip address " addr " 255.255.255.0", "quit"

static const char *const conf_c[] = {
	IFCONF("10.0.1.31"), "sysname DeviceC", "ntp-service refclock-master 2",
	"ntp-service server source-interface gigabitethernet 0/1/0", "commit", "return", NULL,
};
static const char *const conf_d[] = {
	IFCONF("10.0.1.32"), "sysname DeviceD",
	"ntp unicast-server 10.0.1.31 iburst version 3 maxpoll 8",
	"ntp-service server source-interface gigabitethernet 0/1/0", "commit", "return", NULL,
};
static const char *const conf_e[] = {
	IFCONF("10.0.1.33"), "sysname DeviceE", "ntp unicast-peer 10.0.1.32", "commit", "return",
	NULL,
};

/* The number after "label ... : " in a statistics block. */
static unsigned long long stat_of(const char *out, const char *label)
{
	long long n = lab_stat_value(out, label);

	cr_assert_geq(n, 0, "no '%s' in:\n%s", label, out);
	return (unsigned long long)n;
}

/* Junk datagrams to DeviceD's NTP port from inside DeviceE's namespace. */
static void send_junk(int count)
{
	int ns = lab_netns_enter("DeviceE");
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(123) };
	int fd;

	cr_assert_geq(ns, 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(fd, 0);
	inet_pton(AF_INET, "10.0.1.32", &sa.sin_addr);
	for (int i = 0; i < count; i++)
		sendto(fd, "junk", 4, 0, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	lab_netns_leave(ns);
}

Test(ntp_displays, trace_statistics_sessions, .fini = lab_down, .timeout = 280)
{
	char *out = NULL;
	bool ok;

	lab_require_root();
	cr_assert_eq(lab_up("DeviceC:0:0", "DeviceD:0.3:8", "DeviceE:-0.2:-6", NULL), 0,
		     "the lab did not come up");
	struct vty *vc = lab_vty("DeviceC", 20000);
	struct vty *vd = lab_vty("DeviceD", 20000);
	struct vty *ve = lab_vty("DeviceE", 20000);
	cr_assert(vc && vd && ve, "no VTY session");
	run_all(vc, "DeviceC", conf_c);
	run_all(vd, "DeviceD", conf_d);
	run_all(ve, "DeviceE", conf_e);
	double t0 = lab_now();

	static const char *const want_e[] = { "clock status: synchronized", "clock stratum: 4",
					      "reference clock ID: 10.0.1.32", NULL };
	ok = lab_wait_output(ve, "display ntp-service status", want_e, 90000, &out);
	cr_assert(ok, "DeviceE not at stratum 4:\n%s", out ? out : "");
	free(out);
	lab_note("ntp_displays: DeviceE at stratum 4 %.1f s after the commits", lab_now() - t0);

	/* The trace, hop by hop toward DeviceC's local clock. */
	static const char *const want_trace[] = {
		" server 127.0.0.1,stratum 4, offset ", " server 10.0.1.32,stratum 3, offset ",
		" server 10.0.1.31,stratum 2, offset ", " refid LOCAL(0)", NULL,
	};
	ok = lab_wait_output(ve, "display ntp-service trace", want_trace, 20000, &out);
	cr_assert(ok, "trace on DeviceE:\n%s", out ? out : "");
	cr_assert(strstr(out, " s, synch distance 0."), "%s", out);
	cr_assert(strstr(out, "127.0.0.1") < strstr(out, "10.0.1.32") &&
		  strstr(out, "10.0.1.32") < strstr(out, "10.0.1.31"), "order:\n%s", out);
	cr_assert_null(strstr(out, "10.0.1.33"), "DeviceE named by its address:\n%s", out);
	fprintf(stderr, "[DeviceE] display ntp-service trace:\n%s", out);
	free(out);
	/* DeviceC on its own clock: one line. */
	static const char *const want_trace_c[] = { " server 127.0.0.1,stratum 2, offset ",
						    " refid LOCAL(0)", NULL };
	ok = lab_wait_output(vc, "display ntp-service trace", want_trace_c, 5000, &out);
	cr_assert(ok, "trace on DeviceC:\n%s", out ? out : "");
	free(out);

	/* Packet statistics on DeviceD: the server answered C and E, sent its
	 * polls, and counts garbage as invalid packets. */
	cr_assert_eq(lab_cmd(vd, "DeviceD", "display ntp-service statistics packet", &out), 0);
	unsigned long long rx0 = stat_of(out, " Received "), inv0 = stat_of(out, "Invalid packets");
	cr_assert(strstr(out, " NTP IPv4 Packet Statistical Information\n"), "%s", out);
	cr_assert_gt(rx0, 4);
	cr_assert_gt(stat_of(out, " Sent "), 4);
	cr_assert(strstr(out, " Packet test failures\n"), "%s", out);
	cr_assert(strstr(out, "    duplicate "), "%s", out);
	free(out);
	send_junk(5);
	double deadline = lab_now() + 10;
	unsigned long long inv = inv0;
	while (inv < inv0 + 5 && lab_now() < deadline) {
		lab_pause_ms(200);
		cr_assert_eq(lab_cmd(vd, "DeviceD", "display ntp-service statistics packet", &out), 0);
		inv = stat_of(out, "Invalid packets");
		/* Each invalid packet was received first (ntpd may be between
		 * two of the five when the display comes). */
		cr_assert_geq(stat_of(out, " Received "), rx0 + (inv - inv0));
		free(out);
	}
	cr_assert_eq(inv, inv0 + 5, "invalid packets %llu -> %llu", inv0, inv);

	/* Sessions on DeviceD: C configured (master), E dynamic; verbose shows
	 * the 8-stage filter and the version D sends (3). */
	cr_assert_eq(lab_cmd(vd, "DeviceD", "display ntp-service sessions", &out), 0);
	cr_assert(strstr(out, " clock source: 10.0.1.31\n"), "%s", out);
	cr_assert(strstr(out, " clock source: 10.0.1.33\n"), "%s", out);
	cr_assert(strstr(out, " clock status: dynamic"), "%s", out);
	cr_assert(strstr(out, " clock status: configured, master"), "%s", out);
	free(out);
	cr_assert_eq(lab_cmd(vd, "DeviceD", "display ntp-service sessions verbose", &out), 0);
	cr_assert(strstr(out, " filter delay :"), "%s", out);
	cr_assert(strstr(out, " filter offset:"), "%s", out);
	cr_assert(strstr(out, " filter disper:"), "%s", out);
	cr_assert(strstr(out, " local mode: client"), "%s", out);
	cr_assert(strstr(out, " peer mode: active"), "%s", out);
	cr_assert(strstr(out, "version: 3"), "%s", out);
	free(out);

	/* The configuration in the ntp-service spelling. */
	cr_assert_eq(lab_cmd(vd, "DeviceD", "display current-configuration", &out), 0);
	cr_assert(strstr(out, "ntp-service unicast-server 10.0.1.31 maxpoll 8 iburst\n"), "%s",
		  out);
	free(out);

	lab_vty_close(vc);
	lab_vty_close(vd);
	lab_vty_close(ve);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
