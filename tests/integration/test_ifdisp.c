/*
 * test_ifdisp.c: the interface displays end to end (telnet -> clid ->
 * ifmgrd -> rtnetlink) on two lab devices on 10.0.1.0/24:
 *
 *   DeviceC 10.0.1.31  GigabitEthernet0/1/0 brought up (`undo shutdown`)
 *   DeviceD            GigabitEthernet0/1/0 left in its factory state (shut)
 *
 *  - `display interface brief` shows C's interface up and D's as "*down";
 *  - `display ip interface brief` shows C's address and the UP/DOWN counts;
 *  - once D is up too, datagrams sent from D's namespace to C move the
 *    input counters of C's `display interface GigabitEthernet0/1/0`;
 *  - an interface the device does not have gets VRP's caret error.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab.h"

static const char *const conf_c[] = {
	"system-view", "sysname DeviceC", "interface GigabitEthernet0/1/0", "undo shutdown",
	"ip address 10.0.1.31 255.255.255.0", "description to DeviceD", "quit", "commit",
	"return", NULL,
};
static const char *const conf_d[] = {
	"system-view", "sysname DeviceD", "interface GigabitEthernet0/1/0",
	"ip address 10.0.1.32 255.255.255.0", "quit", "commit", "return", NULL,
};
static const char *const d_up[] = {
	"system-view", "interface GigabitEthernet0/1/0", "undo shutdown", "quit", "commit",
	"return", NULL,
};

/* The packets count of "    Input:   N packets, M bytes". */
static long long input_packets(const char *out)
{
	const char *p = strstr(out, "    Input:");

	return p ? strtoll(p + strlen("    Input:"), NULL, 10) : -1;
}

static void send_datagrams(const char *from, const char *to, int count)
{
	int ns = lab_netns_enter(from);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9) };
	int fd;

	cr_assert_geq(ns, 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(fd, 0);
	inet_pton(AF_INET, to, &sa.sin_addr);
	for (int i = 0; i < count; i++)
		sendto(fd, "discard me", 10, 0, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	lab_netns_leave(ns);
}

Test(ifdisp, brief_detail_counters, .fini = lab_down, .timeout = 280)
{
	char *out = NULL;
	bool ok;

	lab_require_root();
	cr_assert_eq(lab_up("DeviceC", "DeviceD", NULL), 0, "the lab did not come up");
	struct vty *vc = lab_vty("DeviceC", 20000);
	struct vty *vd = lab_vty("DeviceD", 20000);
	cr_assert(vc && vd, "no VTY session");
	lab_lines(vc, "DeviceC", conf_c);
	lab_lines(vd, "DeviceD", conf_d);

	static const char *const want_c[] = {
		"Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors\n",
		"GigabitEthernet0/1/0        up    up ", NULL,
	};
	ok = lab_wait_output(vc, "display interface brief", want_c, 10000, &out);
	cr_assert(ok, "DeviceC's interface not up:\n%s", out ? out : "");
	free(out);
	static const char *const want_d[] = { "GigabitEthernet0/1/0       *down  down ", NULL };
	ok = lab_wait_output(vd, "display interface brief", want_d, 10000, &out);
	cr_assert(ok, "DeviceD's shut interface not *down:\n%s", out ? out : "");
	free(out);

	static const char *const want_ip[] = {
		"The number of interface that is UP in Physical is ",
		"GigabitEthernet0/1/0        10.0.1.31/24       up       up       --", NULL,
	};
	lab_expect_output(vc, "DeviceC", "display ip interface brief", want_ip);

	/* D up: its datagrams reach C's interface and move its counters. */
	lab_lines(vd, "DeviceD", d_up);
	static const char *const want_up[] = { "GigabitEthernet0/1/0 current state : UP",
					       "Line protocol current state : UP\n", NULL };
	ok = lab_wait_output(vd, "display interface GigabitEthernet0/1/0", want_up, 10000, &out);
	cr_assert(ok, "DeviceD's interface not up:\n%s", out ? out : "");
	free(out);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display interface GE0/1/0", &out), 0);
	cr_assert(strstr(out, "Description:to DeviceD\n"), "%s", out);
	cr_assert(strstr(out, "Internet Address is 10.0.1.31/24\n"), "%s", out);
	cr_assert(strstr(out, "Route Port,The Maximum Transmit Unit is 1500\n"), "%s", out);
	cr_assert(strstr(out, ", Hardware address is "), "%s", out);
	long long before = input_packets(out);
	cr_assert_geq(before, 0, "%s", out);
	free(out);
	send_datagrams("DeviceD", "10.0.1.31", 20);
	double deadline = lab_now() + 10;
	long long after = before;
	while (after < before + 20 && lab_now() < deadline) {
		cr_assert_eq(lab_cmd(vc, "DeviceC", "display interface GE0/1/0", &out), 0);
		after = input_packets(out);
		free(out);
		if (after < before + 20)
			lab_pause_ms(200);
	}
	cr_assert_geq(after, before + 20, "input packets %lld -> %lld", before, after);
	lab_note("ifdisp: DeviceC input packets %lld -> %lld after 20 datagrams", before, after);

	/* An interface the device does not have. */
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display interface GigabitEthernet0/9/0", &out), 0);
	cr_assert(strstr(out, "Error: Wrong parameter found at '^' position."), "%s", out);
	free(out);

	lab_vty_close(vc);
	lab_vty_close(vd);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
