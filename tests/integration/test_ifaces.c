/*
 * test_ifaces.c: interface names and LoopBacks end to end (telnet -> clid
 * -> cfgd -> ifmgrd -> rtnetlink) on one lab device whose bootstrap maps
 * only GigabitEthernet0/1/0:
 *
 *  - `interface loopback 0` (any case, two words) enters LoopBack0, which
 *    needs no mapping; its address goes on the device's lo and
 *    `display ip interface brief` shows it up, with the spoofing protocol;
 *  - `mtu 1400` set on the netdev (`display interface`);
 *  - a primary and a sub address on GigabitEthernet0/1/0, shown in
 *    `display current-configuration` as VRP writes them;
 *  - interface names typed in another form or case are stored and shown
 *    in the manuals' canonical form (`ge 0/1/0` -> GigabitEthernet0/1/0).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

static const char *const conf[] = {
	"system-view", "sysname DeviceC", "interface loopback 0",
	"ip address 192.0.2.1 255.255.255.255", "quit", "interface GigabitEthernet0/1/0",
	"undo shutdown", "mtu 1400", "ip address 10.0.1.31 24", "ip address 10.0.2.31 255.255.255.0 sub",
	"quit",
	"ntp-service source-interface ge 0/1/0", "commit", "return", NULL,
};

Test(ifaces, loopback_and_canonical_names, .fini = lab_down, .timeout = 280)
{
	char *out = NULL;
	bool ok;

	lab_require_root();
	cr_assert_eq(lab_up("DeviceC", NULL), 0, "the lab did not come up");
	struct vty *v = lab_vty("DeviceC", 20000);
	cr_assert(v, "no VTY session");
	lab_lines(v, "DeviceC", conf);

	static const char *const want_brief[] = {
		"LoopBack0                   192.0.2.1/32       up       up(s)    --", NULL,
	};
	ok = lab_wait_output(v, "display ip interface brief", want_brief, 10000, &out);
	cr_assert(ok, "LoopBack0 not up with its address:\n%s", out ? out : "");
	free(out);

	static const char *const want_cfg[] = {
		"ntp-service source-interface GigabitEthernet0/1/0\n",
		"interface GigabitEthernet0/1/0\n undo shutdown\n mtu 1400\n ip address 10.0.1.31 255.255.255.0\n"
		" ip address 10.0.2.31 255.255.255.0 sub\n",
		"interface LoopBack0\n ip address 192.0.2.1 255.255.255.255\n", NULL,
	};
	lab_expect_output(v, "DeviceC", "display current-configuration", want_cfg);

	/* The MTU is the netdev's, as the kernel reports it. */
	static const char *const want_mtu[] = { "The Maximum Transmit Unit is 1400\n", NULL };
	ok = lab_wait_output(v, "display interface GigabitEthernet0/1/0", want_mtu, 10000, &out);
	cr_assert(ok, "MTU not set on the netdev:\n%s", out ? out : "");
	free(out);

	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
