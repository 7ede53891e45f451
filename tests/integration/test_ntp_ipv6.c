/*
 * test_ntp_ipv6.c: NTP over IPv6 end to end (issue 3): two devices in
 * network namespaces on the lab bridge, configured over real telnet
 * sessions with IPv6 addresses only on their link.
 *
 *   DeviceC  2001:DB8:1::31/64  refclock-master 2
 *   DeviceD  2001:DB8:1::32/64  ntp-service unicast-server ipv6 2001:DB8:1::31,
 *                               ntp-service ipv6 source-interface
 *                               GigabitEthernet 0/1/0; clock +0.3 s, +15 ppm
 *
 * ifmgrd programs the addresses (duplicate address detection runs for real
 * on the bridge) and publishes them once usable; ntpd binds DeviceD's
 * association to its IPv6 address then.  Expected: DeviceD synchronized at
 * stratum 3 with reference 2001:DB8:1::31; `display ntp-service sessions
 * verbose` shows the IPv6 source, our IPv6 address's interface; `display
 * ntp-service trace` walks to LOCAL(0); `display ntp-service statistics
 * packet` counts the packets in its IPv6 block; `display current-configuration`
 * holds the IPv6 lines as VRP prints them; the clocks agree within 1 ms.
 * Then DeviceC's IPv6 ACL (`acl ipv6 number`, `ntp-service access server
 * 2001 ipv6 2001`) refuses DeviceD: its requests are counted as access
 * denied and its association is stopped by the KoD DENY.
 * Every wait has a deadline.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

Test(ntp_ipv6, client_of_an_ipv6_server, .fini = lab_down, .timeout = 200)
{
	lab_require_root();
	cr_assert_eq(lab_up("DeviceC:0:0", "DeviceD:0.3:15", NULL), 0, "the lab did not come up");

	struct vty *vc = lab_vty("DeviceC", 20000);
	struct vty *vd = lab_vty("DeviceD", 20000);
	cr_assert(vc && vd, "no VTY session");

	static const char *const c_cfg[] = {
		"system-view", "sysname DeviceC", "interface GigabitEthernet0/1/0", "undo shutdown",
		"ipv6 enable", "ipv6 address 2001:DB8:1::31 64", "quit",
		"ntp-service refclock-master 2", "commit", NULL,
	};
	static const char *const d_cfg[] = {
		"system-view", "sysname DeviceD", "interface GigabitEthernet0/1/0", "undo shutdown",
		"ipv6 enable", "ipv6 address 2001:DB8:1::32/64", "quit",
		"ntp-service ipv6 source-interface GigabitEthernet 0/1/0",
		"ntp-service unicast-server ipv6 2001:DB8:1::31", "commit", NULL,
	};
	lab_lines(vc, "DeviceC", c_cfg);
	lab_lines(vd, "DeviceD", d_cfg);
	double t0 = lab_now();

	static const char *const status[] = {
		"clock status: synchronized", "clock stratum: 3",
		"reference clock ID: 2001:DB8:1::31", NULL,
	};
	char *out = NULL;
	bool ok = lab_wait_output(vd, "display ntp-service status", status, 90000, &out);
	fprintf(stderr, "[DeviceD] display ntp-service status (%.1f s):\n%s", lab_now() - t0,
		out ? out : "");
	cr_assert(ok, "DeviceD did not synchronize to DeviceC over IPv6:\n%s", out ? out : "");
	free(out);
	lab_note("ntp_ipv6: DeviceD synchronized over IPv6 %.1f s after the commits",
		 lab_now() - t0);

	static const char *const verbose[] = {
		"clock source: 2001:DB8:1::31", "clock status: configured, master",
		"local mode: client", "peer interface: GigabitEthernet0/1/0", NULL,
	};
	lab_expect_output(vd, "DeviceD", "display ntp-service sessions verbose", verbose);
	static const char *const trace[] = {
		"server 2001:DB8:1::31,stratum 2", "refid LOCAL(0)", NULL,
	};
	lab_expect_output(vd, "DeviceD", "display ntp-service trace", trace);
	/* The statistics count D's packets in the IPv6 block. */
	cr_assert_eq(lab_cmd(vd, "DeviceD", "display ntp-service statistics packet", &out), 0);
	const char *six = strstr(out, " NTP IPv6 Packet Statistical Information");
	cr_assert(six, "no IPv6 block in:\n%s", out);
	cr_expect_gt(lab_stat_value(six, " Received "), 3, "%s", out);
	cr_expect_gt(lab_stat_value(six, " Sent "), 3, "%s", out);
	free(out);
	out = NULL;
	static const char *const d_conf[] = {
		"interface GigabitEthernet0/1/0\n undo shutdown\n ipv6 enable\n"
		" ipv6 address 2001:DB8:1::32/64\n",
		"ntp-service ipv6 source-interface GigabitEthernet0/1/0\n",
		"ntp-service unicast-server ipv6 2001:DB8:1::31\n", NULL,
	};
	lab_expect_output(vd, "DeviceD", "display current-configuration", d_conf);

	double deadline = lab_now() + 60, ec = 0, ed = 0;
	for (;;) {
		ec = lab_true_error("DeviceC");
		ed = lab_true_error("DeviceD");
		if (fabs(ed - ec) < 1e-3 || lab_now() > deadline)
			break;
		lab_pause_ms(500);
	}
	lab_note("ntp_ipv6: DeviceD is %+.3f ms from DeviceC", (ed - ec) * 1e3);
	cr_expect(fabs(ed - ec) < 1e-3, "DeviceD is %.3f ms from DeviceC", (ed - ec) * 1e3);

	/* IPv6 access control: DeviceC serves 2001:DB8:1::/64 but DeviceD
	 * (rule 5 comes first); the IPv4 `any` rule of ACL 2001 says nothing
	 * of IPv6.  DeviceD's requests are refused and counted, answered by
	 * KoD DENY, and its association stops. */
	static const char *const acl_cfg[] = {
		"acl number 2001", "rule 5 permit source any", "quit",
		"acl ipv6 number 2001", "rule 5 deny source 2001:DB8:1::32/128",
		"rule 10 permit source 2001:DB8:1:: 64", "quit",
		"ntp-service access server 2001 ipv6 2001", "ntp-service kod-enable", "commit", NULL,
	};
	lab_lines(vc, "DeviceC", acl_cfg);
	static const char *const c_acl_conf[] = {
		"acl ipv6 number 2001\n rule 5 deny source 2001:DB8:1::32/128\n"
		" rule 10 permit source 2001:DB8:1::/64\n",
		"ntp-service access server 2001 ipv6 2001\n", NULL,
	};
	lab_expect_output(vc, "DeviceC", "display current-configuration", c_acl_conf);
	static const char *const denied[] = { "clock source: 2001:DB8:1::31", "denied", NULL };
	ok = lab_wait_output(vd, "display ntp-service sessions", denied, 60000, &out);
	cr_assert(ok, "DeviceD's association was not denied:\n%s", out ? out : "");
	free(out);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display ntp-service statistics packet", &out), 0);
	six = strstr(out, " NTP IPv6 Packet Statistical Information");
	cr_assert(six, "no IPv6 block in:\n%s", out);
	cr_expect_gt(lab_stat_value(six, " Access denied "), 0, "%s", out);
	free(out);

	lab_vty_close(vc);
	lab_vty_close(vd);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
