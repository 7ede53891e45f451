/*
 * test_ntp_bcast.c: NTP broadcast and multicast modes end to end (issue 3,
 * seeds 000/001): two devices in network namespaces on the lab bridge,
 * configured over real telnet sessions.
 *
 *   DeviceC  10.0.1.31  refclock-master 2, broadcast-server (then
 *                       multicast-server) on GigabitEthernet0/1/0
 *   DeviceD  10.0.1.32  broadcast-client (then multicast-client), clock
 *                       +0.4 s and +12 ppm off
 *
 * DeviceD is configured first, so it listens when DeviceC's first packet
 * goes out.  Expected: DeviceD synchronized at stratum 3 with reference
 * 10.0.1.31, its association to 10.0.1.31 in local mode "bclient" (the
 * delay calibration is over and samples come from the broadcasts), and the
 * configuration lines in `display current-configuration`.  Then the same
 * with multicast on 224.0.1.1 (the lab bridge floods multicast:
 * scripts/lab sets mcast_snooping 0).  Broadcasts stay on the lab's veths
 * and bridge.  Every wait has a deadline.
 *
 * Signed broadcasts (second test): DeviceC signs with MD5 key 1; DeviceD,
 * with `authentication enable`, first holds key 1 with another secret: the
 * broadcasts are counted as authentication failures and DeviceD stays
 * unsynchronized; with the right secret it synchronizes.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

/* DeviceD synchronized to DeviceC through a bclient association. */
static void wait_synced(struct vty *vd, const char *mode, double t0)
{
	static const char *const status[] = {
		"clock status: synchronized", "clock stratum: 3", "reference clock ID: 10.0.1.31",
		NULL,
	};
	static const char *const session[] = {
		"clock source: 10.0.1.31", "local mode: bclient", "peer mode: broadcast", NULL,
	};
	char *out = NULL;
	bool ok = lab_wait_output(vd, "display ntp-service status", status, 60000, &out);

	fprintf(stderr, "[DeviceD] %s: display ntp-service status (%.1f s):\n%s", mode,
		lab_now() - t0, out ? out : "");
	cr_assert(ok, "%s: DeviceD did not synchronize to DeviceC:\n%s", mode, out ? out : "");
	free(out);
	lab_note("ntp_bcast: %s: DeviceD synchronized %.1f s after the commits", mode,
		 lab_now() - t0);
	/* The calibration ends at the first broadcast after 4 answered
	 * exchanges; DeviceC's gaps grow 2, 4, 8, 16 s ... */
	ok = lab_wait_output(vd, "display ntp-service sessions verbose", session, 60000, &out);
	fprintf(stderr, "[DeviceD] %s: display ntp-service sessions verbose (%.1f s):\n%s", mode,
		lab_now() - t0, out ? out : "");
	cr_assert(ok, "%s: DeviceD's association is not listening to broadcasts:\n%s", mode,
		  out ? out : "");
	free(out);
	lab_note("ntp_bcast: %s: DeviceD listening (bclient) %.1f s after the commits", mode,
		 lab_now() - t0);
	/* And still synchronized from the broadcasts alone. */
	ok = lab_wait_output(vd, "display ntp-service status", status, 5000, &out);
	cr_assert(ok, "%s: DeviceD lost synchronization:\n%s", mode, out ? out : "");
	free(out);
}

Test(ntp_bcast, broadcast_then_multicast, .fini = lab_down, .timeout = 280)
{
	lab_require_root();
	cr_assert_eq(lab_up("DeviceC:0:0", "DeviceD:0.4:12", NULL), 0, "the lab did not come up");

	struct vty *vc = lab_vty("DeviceC", 20000);
	struct vty *vd = lab_vty("DeviceD", 20000);
	cr_assert(vc && vd, "no VTY session");

	static const char *const d_bcast[] = {
		"system-view", "sysname DeviceD", "interface GigabitEthernet0/1/0", "undo shutdown",
		"ip address 10.0.1.32 255.255.255.0", "ntp-service broadcast-client", "commit",
		NULL,
	};
	static const char *const c_bcast[] = {
		"system-view", "sysname DeviceC", "ntp-service refclock-master 2",
		"interface GigabitEthernet0/1/0", "undo shutdown",
		"ip address 10.0.1.31 255.255.255.0", "ntp-service broadcast-server", "commit", NULL,
	};
	lab_lines(vd, "DeviceD", d_bcast);
	lab_lines(vc, "DeviceC", c_bcast);
	double t0 = lab_now();
	wait_synced(vd, "broadcast", t0);

	double d = lab_wait_agreement("DeviceD", "DeviceC", 1e-3, 60000);
	lab_note("ntp_bcast: broadcast: DeviceD is %+.3f ms from DeviceC", d * 1e3);
	cr_expect(fabs(d) < 1e-3, "DeviceD is %.3f ms from DeviceC", d * 1e3);

	static const char *const c_conf[] = { " ntp-service broadcast-server\n", NULL };
	static const char *const d_conf[] = { " ntp-service broadcast-client\n", NULL };
	lab_expect_output(vc, "DeviceC", "display current-configuration", c_conf);
	lab_expect_output(vd, "DeviceD", "display current-configuration", d_conf);

	/* Multicast: the client first, then the server. */
	static const char *const d_mcast[] = {
		"undo ntp-service broadcast-client", "ntp-service multicast-client", "commit", NULL,
	};
	static const char *const c_mcast[] = {
		"undo ntp-service broadcast-server", "ntp-service multicast-server 224.0.1.1 ttl 1",
		"commit", NULL,
	};
	lab_lines(vd, "DeviceD", d_mcast);
	lab_lines(vc, "DeviceC", c_mcast);
	t0 = lab_now();
	wait_synced(vd, "multicast", t0);

	static const char *const c_conf2[] = { " ntp-service multicast-server 224.0.1.1 ttl 1\n",
					       NULL };
	static const char *const d_conf2[] = { " ntp-service multicast-client\n", NULL };
	lab_expect_output(vc, "DeviceC", "display current-configuration", c_conf2);
	lab_expect_output(vd, "DeviceD", "display current-configuration", d_conf2);

	lab_vty_close(vc);
	lab_vty_close(vd);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* `display ntp-service statistics packet` on dev: its authentication failures. */
static long long auth_failures(struct vty *v, const char *dev)
{
	char *out = NULL;
	long long n;

	cr_assert_eq(lab_cmd(v, dev, "display ntp-service statistics packet", &out), 0);
	n = lab_stat_value(out, "Authentication failures");
	cr_assert_geq(n, 0, "%s", out);
	free(out);
	return n;
}

Test(ntp_bcast, signed_broadcasts, .fini = lab_down, .timeout = 200)
{
	lab_require_root();
	cr_assert_eq(lab_up("DeviceC:0:0", "DeviceD:0.2:-8", NULL), 0, "the lab did not come up");

	struct vty *vc = lab_vty("DeviceC", 20000);
	struct vty *vd = lab_vty("DeviceD", 20000);
	cr_assert(vc && vd, "no VTY session");

	static const char *const d_wrong[] = {
		"system-view", "sysname DeviceD", "ntp-service authentication enable",
		"ntp-service authentication-keyid 1 authentication-mode md5 cipher NotTheKey1",
		"ntp-service reliable authentication-keyid 1",
		"interface GigabitEthernet0/1/0", "undo shutdown",
		"ip address 10.0.1.32 255.255.255.0", "ntp-service broadcast-client", "commit",
		"quit", NULL,
	};
	static const char *const c_signed[] = {
		"system-view", "sysname DeviceC", "ntp-service refclock-master 2",
		"ntp-service authentication enable",
		"ntp-service authentication-keyid 1 authentication-mode md5 cipher BcastKey1",
		"ntp-service reliable authentication-keyid 1",
		"interface GigabitEthernet0/1/0", "undo shutdown",
		"ip address 10.0.1.31 255.255.255.0",
		"ntp-service broadcast-server authentication-keyid 1", "commit", NULL,
	};
	lab_lines(vd, "DeviceD", d_wrong);
	lab_lines(vc, "DeviceC", c_signed);
	double t0 = lab_now();

	/* Wrong secret: the broadcasts are refused and counted. */
	long long fails = 0;
	while (fails < 2 && lab_now() < t0 + 40) {
		lab_pause_ms(500);
		fails = auth_failures(vd, "DeviceD");
	}
	cr_assert_geq(fails, 2, "DeviceD counted %lld authentication failures", fails);
	char *out = NULL;
	cr_assert_eq(lab_cmd(vd, "DeviceD", "display ntp-service status", &out), 0);
	cr_assert(strstr(out, "clock status: unsynchronized"), "synchronized by a forged key:\n%s",
		  out);
	free(out);
	lab_note("ntp_bcast: signed: %lld broadcasts refused with the wrong secret in %.1f s",
		 fails, lab_now() - t0);

	/* The right secret: synchronized from the signed broadcasts. */
	static const char *const d_right[] = {
		"ntp-service authentication-keyid 1 authentication-mode md5 cipher BcastKey1",
		"commit", NULL,
	};
	lab_lines(vd, "DeviceD", d_right);
	t0 = lab_now();
	wait_synced(vd, "signed broadcast", t0);

	static const char *const c_conf[] = {
		" ntp-service broadcast-server authentication-keyid 1\n", NULL,
	};
	lab_expect_output(vc, "DeviceC", "display current-configuration", c_conf);
	lab_vty_close(vc);
	lab_vty_close(vd);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
