/*
 * test_vpn.c: VPN instances end to end, on the namespace backend (the
 * test kernel has no VRF).  Three devices and two segments, the same
 * subnet 10.0.1.0/24 on both:
 *
 *   segment 1 (the lab's bridge): Client GigabitEthernet0/1/0 10.0.1.1,
 *       bound to instance va; SrvA GigabitEthernet0/1/0 10.0.1.31 (public
 *       network), refclock-master 2;
 *   segment 2 (`scripts/lab wire`): Client GigabitEthernet0/2/0 10.0.1.1,
 *       bound to instance vb; SrvB GigabitEthernet0/2/0 10.0.1.31 bound to
 *       its own instance vb (the server side in an instance),
 *       refclock-master 3.
 *
 * The client has the same server address in two instances, typed as the
 * seeds write it with `vpn-instance` added (seed 004's `ntp-service
 * unicast-server`, seed 002's `ntp unicast-server`), and `ntp-service
 * source-interface ... vpn-instance va`: two associations, each reaching
 * its own server through its own instance (strata 2 and 3), and the client
 * synchronized.  `display ntp-service sessions` names each one's instance;
 * `display current-configuration` and `display ip interface brief` show
 * the instances; `ping` and `tracert -vpn-instance` reach each instance's
 * server; `display ntp-service trace` walks in the system peer's instance.  A second lab: broadcast mode with both ends in one
 * instance.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

static const char *const conf_srva[] = {
	"system-view", "sysname SrvA", "interface GigabitEthernet0/1/0", "undo shutdown",
	"ip address 10.0.1.31 255.255.255.0", "quit", "ntp-service refclock-master 2", "commit",
	"return", NULL,
};

static const char *const conf_srvb[] = {
	"system-view", "sysname SrvB", "ip vpn-instance vb", "ipv4-family",
	"route-distinguisher 100:2", "quit", "quit", "interface GigabitEthernet0/2/0",
	"ip binding vpn-instance vb", "undo shutdown", "ip address 10.0.1.31 255.255.255.0",
	"quit", "ntp-service refclock-master 3", "commit", "return", NULL,
};

static const char *const conf_client[] = {
	"system-view", "sysname Client",
	"ip vpn-instance va", "ipv4-family", "route-distinguisher 100:1", "quit", "quit",
	"ip vpn-instance vb", "ipv4-family", "route-distinguisher 100:2", "quit", "quit",
	"interface GigabitEthernet0/1/0", "ip binding vpn-instance va", "undo shutdown",
	"ip address 10.0.1.1 255.255.255.0", "quit",
	"interface GigabitEthernet0/2/0", "ip binding vpn-instance vb", "undo shutdown",
	"ip address 10.0.1.1 255.255.255.0", "quit",
	"ntp-service unicast-server 10.0.1.31 vpn-instance va",
	"ntp unicast-server 10.0.1.31 vpn-instance vb",
	"ntp-service source-interface GigabitEthernet0/1/0 vpn-instance va",
	"commit", "return", NULL,
};

Test(vpn, two_instances_same_subnet, .fini = lab_down, .timeout = 400)
{
	char *out = NULL;
	bool ok;

	lab_require_root();
	setenv("LAB_IFACES", "GigabitEthernet0/2/0=eth1", 1);
	cr_assert_eq(lab_up("Client", "SrvA", "SrvB", NULL), 0, "the lab did not come up");
	cr_assert_eq(lab_script("wire", "Client", "eth1", "seg2", NULL), 0);
	cr_assert_eq(lab_script("wire", "SrvB", "eth1", "seg2", NULL), 0);

	struct vty *a = lab_vty("SrvA", 20000), *b = lab_vty("SrvB", 20000);
	struct vty *c = lab_vty("Client", 20000);
	cr_assert(a && b && c, "no VTY session");
	lab_lines(a, "SrvA", conf_srva);
	lab_lines(b, "SrvB", conf_srvb);

	/* The binding's Info line, as VRP prints it. */
	static const char *const client_vpn_first[] = {
		"system-view", "ip vpn-instance va", "quit", "interface GigabitEthernet0/1/0", NULL,
	};
	lab_lines(c, "Client", client_vpn_first);
	cr_assert_eq(lab_cmd(c, "Client", "ip binding vpn-instance va", &out), 0);
	cr_expect(out && strstr(out, "Info: All IPv4 and IPv6 related configurations on this "
				"interface are removed."), "no Info line:\n%s", out ? out : "");
	free(out);
	out = NULL;
	/* Overlapping subnets in one instance are refused. */
	static const char *const overlap[] = {
		"undo shutdown", "ip address 10.0.1.1 255.255.255.0", "quit",
		"interface LoopBack1", "ip binding vpn-instance va", NULL,
	};
	lab_lines(c, "Client", overlap);
	cr_assert_eq(lab_cmd(c, "Client", "ip address 10.0.1.9 255.255.255.255", &out), 0);
	cr_expect(out && strstr(out, "Error: The address 10.0.1.9/32 of interface LoopBack1 "
				"overlaps with the address 10.0.1.1/24 of interface "
				"GigabitEthernet0/1/0."), "overlap not refused:\n%s",
		  out ? out : "");
	free(out);
	out = NULL;
	/* Binding to an instance that does not exist is refused at the edit. */
	cr_assert_eq(lab_cmd(c, "Client", "ip binding vpn-instance nosuch", &out), 0);
	cr_expect(out && strstr(out, "Error: The VPN instance nosuch of interface LoopBack1 "
				"does not exist."), "binding not refused:\n%s", out ? out : "");
	free(out);
	out = NULL;
	static const char *const back[] = { "undo ip binding vpn-instance va", "quit",
					    "clear configuration candidate", "return", NULL };
	lab_lines(c, "Client", back);
	lab_lines(c, "Client", conf_client);

	/* Two associations to 10.0.1.31, one per instance, each answered by
	 * its own server: strata 2 (SrvA) and 3 (SrvB). */
	static const char *const want_sessions[] = {
		"vpn-instance: va", "vpn-instance: vb", "clock stratum: 2", "clock stratum: 3", NULL,
	};
	ok = lab_wait_output(c, "display ntp-service sessions", want_sessions, 60000, &out);
	cr_assert(ok, "the instances' servers do not both answer:\n%s", out ? out : "");
	char *n = lab_normalize(out);
	cr_expect(strstr(n, " clock source: 10.0.1.31\n vpn-instance: va\n clock stratum: 2\n") &&
		  strstr(n, " clock source: 10.0.1.31\n vpn-instance: vb\n clock stratum: 3\n"),
		  "each instance's server is not its own:\n%s", n);
	free(n);
	free(out);
	out = NULL;
	static const char *const want_sync[] = { "clock status: synchronized",
						 "clock stratum: 3", NULL };
	ok = lab_wait_output(c, "display ntp-service status", want_sync, 60000, &out);
	cr_assert(ok, "the client is not synchronized:\n%s", out ? out : "");
	free(out);
	out = NULL;
	/* The trace walks from the system peer's instance (va: SrvA, stratum
	 * 2 on its local clock). */
	static const char *const want_trace[] = {
		" server 127.0.0.1,stratum 3, offset ", " server 10.0.1.31,stratum 2, offset ",
		" refid LOCAL(0)", NULL,
	};
	ok = lab_wait_output(c, "display ntp-service trace", want_trace, 20000, &out);
	cr_expect(ok, "the trace does not walk in va:\n%s", out ? out : "");
	free(out);
	out = NULL;
	/* The log names the source's instance (VRP's VpnInstance field). */
	static const char *const want_log[] = { "NTP state changed from unsynchronized to "
						"synchronized. (SynchronizationSourceAddress = "
						"10.0.1.31 , VpnInstance = v", NULL };
	ok = lab_wait_output(c, "display logbuffer", want_log, 10000, &out);
	cr_expect(ok, "no VpnInstance in the log:\n%s", out ? out : "");
	free(out);
	out = NULL;

	static const char *const want_cfg[] = {
		"ip vpn-instance va\n ipv4-family\n  route-distinguisher 100:1\n",
		"ip vpn-instance vb\n ipv4-family\n  route-distinguisher 100:2\n",
		"ntp-service source-interface GigabitEthernet0/1/0 vpn-instance va\n",
		"ntp-service unicast-server vpn-instance va 10.0.1.31\n",
		"ntp-service unicast-server vpn-instance vb 10.0.1.31\n",
		"interface GigabitEthernet0/1/0\n undo shutdown\n ip binding vpn-instance va\n"
		" ip address 10.0.1.1 255.255.255.0\n", NULL,
	};
	lab_expect_output(c, "Client", "display current-configuration", want_cfg);
	static const char *const want_brief[] = {
		"GigabitEthernet0/1/0        10.0.1.1/24        up       up       va",
		"GigabitEthernet0/2/0        10.0.1.1/24        up       up       vb", NULL,
	};
	ok = lab_wait_output(c, "display ip interface brief", want_brief, 10000, &out);
	cr_expect(ok, "the interfaces' instances not shown:\n%s", out ? out : "");
	free(out);
	out = NULL;

	/* ping and tracert in an instance (VRP's `-vpn-instance`): each
	 * instance's 10.0.1.31 answers; the public network has no route. */
	cr_assert_eq(lab_cmd(c, "Client", "ping -vpn-instance va -c 2 10.0.1.31", &out), 0);
	cr_expect(out && strstr(out, "    Reply from 10.0.1.31: bytes=56 Sequence=") &&
		  strstr(out, "    2 packet(s) received\n"), "no answer in va:\n%s",
		  out ? out : "");
	free(out);
	out = NULL;
	cr_assert_eq(lab_cmd(c, "Client", "ping -c 1 -t 300 10.0.1.31", &out), 0);
	cr_expect(out && strstr(out, "    0 packet(s) received\n"),
		  "answered outside the instances:\n%s", out ? out : "");
	free(out);
	out = NULL;
	cr_assert_eq(lab_cmd(c, "Client", "tracert -vpn-instance vb -w 1000 10.0.1.31", &out), 0);
	cr_expect(out && strstr(out, "press CTRL_C to break\n 1 10.0.1.31 "),
		  "tracert in vb:\n%s", out ? out : "");
	free(out);
	out = NULL;
	cr_assert_eq(lab_cmd(c, "Client", "ping -vpn-instance nosuch 10.0.1.31", &out), 0);
	cr_expect(out && strstr(out, "Error: The VPN instance nosuch does not exist."),
		  "an unknown instance:\n%s", out ? out : "");
	free(out);

	lab_vty_close(a);
	lab_vty_close(b);
	lab_vty_close(c);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* Broadcast mode inside an instance: a broadcast server and a broadcast
 * client whose interfaces are both bound to instance vx (on the lab's
 * bridge): the client hears the broadcasts in vx, calibrates with client
 * exchanges from vx and synchronizes; its association is vx's. */
static const char *const conf_bserver[] = {
	"system-view", "sysname BcServer", "ip vpn-instance vx", "quit",
	"interface GigabitEthernet0/1/0", "ip binding vpn-instance vx", "undo shutdown",
	"ip address 10.0.1.31 255.255.255.0", "ntp-service broadcast-server", "quit",
	"ntp-service refclock-master 2", "commit", "return", NULL,
};

static const char *const conf_bclient[] = {
	"system-view", "sysname BcClient", "ip vpn-instance vx", "quit",
	"interface GigabitEthernet0/1/0", "ip binding vpn-instance vx", "undo shutdown",
	"ip address 10.0.1.32 255.255.255.0", "ntp-service broadcast-client", "quit",
	"commit", "return", NULL,
};

Test(vpn, broadcast_in_an_instance, .fini = lab_down, .timeout = 400)
{
	char *out = NULL;
	bool ok;

	lab_require_root();
	cr_assert_eq(lab_up("BcServer", "BcClient:0.3", NULL), 0, "the lab did not come up");
	struct vty *s = lab_vty("BcServer", 20000), *c = lab_vty("BcClient", 20000);
	cr_assert(s && c, "no VTY session");
	lab_lines(s, "BcServer", conf_bserver);
	lab_lines(c, "BcClient", conf_bclient);

	static const char *const want[] = { "clock status: synchronized", "clock stratum: 3",
					    "reference clock ID: 10.0.1.31", NULL };
	ok = lab_wait_output(c, "display ntp-service status", want, 90000, &out);
	cr_assert(ok, "the broadcast client is not synchronized:\n%s", out ? out : "");
	free(out);
	out = NULL;
	static const char *const want_s[] = { "clock source: 10.0.1.31", "vpn-instance: vx",
					      NULL };
	ok = lab_wait_output(c, "display ntp-service sessions", want_s, 10000, &out);
	cr_expect(ok, "the association is not vx's:\n%s", out ? out : "");
	free(out);
	lab_vty_close(s);
	lab_vty_close(c);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
