/*
 * test_ping.c: `ping` and `tracert` end to end (telnet -> clid -> ifmgrd
 * -> ICMP and UDP in the lab's namespaces), between two devices on
 * 10.0.1.0/24 (DeviceC 10.0.1.31, DeviceD 10.0.1.32):
 *  - `ping -c 3` from C to D: three replies, 0.00% loss, a round-trip line;
 *  - `ping` to 10.0.1.99, which nobody has: "Request time out" per probe,
 *    100.00% loss and no round-trip line;
 *  - a long `ping` stopped by Ctrl-C: the statistics of what was sent,
 *    then the prompt; meanwhile another session's display is answered at
 *    once (a pinging session holds no other);
 *  - `tracert` to the neighbour: hop 1 is D itself.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "vtyclient.h"

static const char *const conf_c[] = {
	"system-view", "sysname DeviceC", "interface GigabitEthernet0/1/0", "undo shutdown",
	"ip address 10.0.1.31 255.255.255.0", "quit", "commit", "return", NULL,
};
static const char *const conf_d[] = {
	"system-view", "sysname DeviceD", "interface GigabitEthernet0/1/0", "undo shutdown",
	"ip address 10.0.1.32 255.255.255.0", "quit", "commit", "return", NULL,
};

static long count_of(const char *out, const char *what)
{
	long n = 0;

	for (const char *p = out; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

Test(ping, between_devices, .fini = lab_down, .timeout = 280)
{
	char *out = NULL;
	bool ok;

	lab_require_root();
	cr_assert_eq(lab_up("DeviceC", "DeviceD", NULL), 0, "the lab did not come up");
	struct vty *vc = lab_vty("DeviceC", 20000);
	struct vty *vc2 = lab_vty("DeviceC", 20000);
	struct vty *vd = lab_vty("DeviceD", 20000);
	cr_assert(vc && vc2 && vd, "no VTY session");
	lab_lines(vc, "DeviceC", conf_c);
	lab_lines(vd, "DeviceD", conf_d);
	static const char *const up[] = { "GigabitEthernet0/1/0        up    up ", NULL };
	ok = lab_wait_output(vc, "display interface brief", up, 10000, &out);
	cr_assert(ok, "DeviceC's interface not up:\n%s", out ? out : "");
	free(out);
	ok = lab_wait_output(vd, "display interface brief", up, 10000, &out);
	cr_assert(ok, "DeviceD's interface not up:\n%s", out ? out : "");
	free(out);

	/* The neighbour answers. */
	double t0 = lab_now();
	cr_assert_eq(lab_cmd(vc, "DeviceC", "ping -c 3 10.0.1.32", &out), 0);
	cr_assert(strstr(out, "  PING 10.0.1.32: 56  data bytes, press CTRL_C to break\n"), "%s",
		  out);
	cr_assert_eq(count_of(out, "    Reply from 10.0.1.32: bytes=56 Sequence="), 3, "%s", out);
	cr_assert(strstr(out, "  --- 10.0.1.32 ping statistics ---\n"
			 "    3 packet(s) transmitted\n"
			 "    3 packet(s) received\n"
			 "    0.00% packet loss\n"
			 "    round-trip min/avg/max = "), "%s", out);
	free(out);
	lab_note("ping: 3 echo requests to the neighbour answered in %.2f s", lab_now() - t0);

	/* Nobody has 10.0.1.99. */
	cr_assert_eq(lab_cmd(vc, "DeviceC", "ping -c 2 -t 300 10.0.1.99", &out), 0);
	cr_assert_eq(count_of(out, "    Request time out\n"), 2, "%s", out);
	cr_assert(strstr(out, "    2 packet(s) transmitted\n"
			 "    0 packet(s) received\n"
			 "    100.00% packet loss"), "%s", out);
	cr_assert(!strstr(out, "round-trip"), "%s", out);
	free(out);

	/* A long ping, interrupted: vty_cmd gives up waiting for its prompt
	 * after 1.5 s (the replies so far), then Ctrl-C. */
	int r = vty_cmd(vc, "ping -c 1000 10.0.1.32", &out, 1500);
	cr_assert_eq(r, -ETIMEDOUT, "the long ping ended by itself:\n%s", out ? out : "");
	fprintf(stderr, "[DeviceC] (1.5 s into ping -c 1000)\n%s", out);
	cr_assert_geq(count_of(out, "    Reply from 10.0.1.32"), 1, "%s", out);
	free(out);
	/* Meanwhile another session of the same device is answered at once. */
	double t1 = lab_now();
	cr_assert_eq(lab_cmd(vc2, "DeviceC", "display ip interface brief", &out), 0);
	cr_assert(strstr(out, "10.0.1.31/24"), "%s", out);
	free(out);
	cr_expect_lt(lab_now() - t1, 2.0, "the other session waited for the ping");
	t1 = lab_now();
	cr_assert_eq(vty_cmd(vc, "\x03", &out, 10000), 0, "no prompt after Ctrl-C: %s",
		     out ? out : "");
	double stop_s = lab_now() - t1;
	fprintf(stderr, "[DeviceC] ^C\n%s", out);
	cr_assert(strstr(out, "  --- 10.0.1.32 ping statistics ---\n"), "%s", out);
	cr_assert(strstr(out, " packet(s) transmitted\n"), "%s", out);
	cr_assert(!strstr(out, "1000 packet(s) transmitted"), "%s", out);
	free(out);
	lab_note("ping: Ctrl-C to the statistics and prompt in %.2f s", stop_s);
	cr_expect_lt(stop_s, 2.0);
	/* The session is usable; the CR sent after ^C gave one more prompt. */
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display interface brief", &out), 0);
	free(out);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display interface brief", &out), 0);
	cr_assert(strstr(out, "GigabitEthernet0/1/0"), "%s", out);
	free(out);

	/* tracert: the neighbour is hop 1 and the destination. */
	cr_assert_eq(lab_cmd(vc, "DeviceC", "tracert -w 1000 10.0.1.32", &out), 0);
	cr_assert(strstr(out, " traceroute to  10.0.1.32(10.0.1.32), max hops: 30 ,packet length: "
			 "40,press CTRL_C to break\n 1 10.0.1.32 "), "%s", out);
	cr_assert(!strstr(out, " 2 "), "one hop only:\n%s", out);
	free(out);

	/* An unresolvable host ends at once. */
	cr_assert_eq(lab_cmd(vc, "DeviceC", "ping no.such.host", &out), 0);
	cr_assert(strstr(out, "Error: Unknown host no.such.host."), "%s", out);
	free(out);

	lab_vty_close(vc);
	lab_vty_close(vc2);
	lab_vty_close(vd);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
