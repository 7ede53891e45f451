/*
 * test_ntp_auth.c: NTP authentication and access control end to end, with
 * the real daemons in a namespace lab configured over telnet:
 *
 *  1. DeviceC (refclock-master 2) enables authentication with key 1 (md5,
 *     reliable).  DeviceD uses key 1 toward DeviceC but with the wrong
 *     text: DeviceC drops its requests (its "authentication failed" count
 *     grows), DeviceD stays unsynchronized and its clock never moves.
 *  2. DeviceD gets the right text: it synchronizes to DeviceC (stratum 3).
 *     DeviceC's configuration shows the key only sealed (common/secret.c),
 *     neither in clear nor in the Base64 earlier versions showed.
 *  3. DeviceC denies DeviceD with ACL 2000 (`access synchronization 2000`,
 *     rule 5 deny DeviceD) and `kod-enable`: DeviceD's association receives
 *     KoD DENY and stops ("denied"), DeviceC counts the refusals.
 *
 * One Test: the steps build on each other.  Every wait has a deadline.
 *
 * A second Test checks MD5 interoperability with chronyd (Debian package
 * chrony): a bare namespace "Peer" (10.0.1.50) attached to the lab's bridge
 * runs chronyd -x (never touches a clock; `local stratum 5`, a keyfile with
 * `1 MD5 HEX:...`, every file under the lab's directory); DeviceA uses it
 * as unicast-server with key 1 and synchronizes at stratum 6 only if both
 * MACs check out (chronyd answers an authenticated request only when its
 * MAC is right, and DeviceA accepts only authenticated answers).  Skipped
 * without chronyd.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus.h"
#include "lab.h"

/* ntpd's packet statistics of a device, from its ctl socket. */
static int packet_stats(const char *dev, uint64_t *auth_failures, uint64_t *access_denied)
{
	const struct lab_device *d = lab_dev(dev);
	NtpRequest req = NTP_REQUEST__INIT;
	NtpPacketStatsRequest pr = NTP_PACKET_STATS_REQUEST__INIT;
	ProtobufCMessage *reply = NULL;
	struct bus_client *cli;
	char ep[400];
	int r;

	if (!d)
		return -ENOENT;
	snprintf(ep, sizeof(ep), "ipc://%s/ntpd.ctl", d->run_dir);
	cli = bus_client_new(lab_zctx(), ep);
	if (!cli)
		return -EIO;
	req.req_case = NTP_REQUEST__REQ_PACKET_STATS;
	req.packet_stats = &pr;
	r = bus_client_call(cli, &req.base, &ntp_reply__descriptor, 3000, &reply);
	/* One slow answer on a loaded machine is not the failure looked for. */
	for (int tries = 1; r == -ETIMEDOUT && tries < 3; tries++)
		r = bus_client_call(cli, &req.base, &ntp_reply__descriptor, 3000, &reply);
	bus_client_free(cli);
	if (r < 0) {
		fprintf(stderr, "%s: packet statistics over ntpd's ctl socket: %s\n", dev,
			strerror(-r));
		return r;
	}
	NtpReply *rep = (NtpReply *)reply;
	r = rep->packet_stats ? 0 : -EPROTO;
	if (rep->packet_stats) {
		*auth_failures = rep->packet_stats->auth_failures;
		*access_denied = rep->packet_stats->access_denied;
	}
	ntp_reply__free_unpacked(rep, NULL);
	return r;
}

static const char *const setup_c[] = {
	"system-view",
	"sysname DeviceC",
	"interface GigabitEthernet0/1/0",
	"undo shutdown",
	"ip address 10.0.1.31 255.255.255.0",
	"quit",
	"ntp-service refclock-master 2",
	"ntp-service authentication enable",
	"ntp-service authentication-keyid 1 authentication-mode md5 Meridian-Key1",
	"ntp-service reliable authentication-keyid 1",
	"commit",
	NULL,
};

static const char *const setup_d[] = {
	"system-view",
	"sysname DeviceD",
	"interface GigabitEthernet0/1/0",
	"undo shutdown",
	"ip address 10.0.1.32 255.255.255.0",
	"quit",
	"ntp-service authentication enable",
	"ntp-service authentication-keyid 1 authentication-mode md5 Not-The-Key",
	"ntp-service reliable authentication-keyid 1",
	"ntp-service unicast-server 10.0.1.31 authentication-keyid 1",
	"commit",
	NULL,
};

static const char *const right_key_d[] = {
	"ntp-service authentication-keyid 1 authentication-mode md5 Meridian-Key1",
	"commit",
	NULL,
};

static const char *const deny_d[] = {
	"acl number 2000",
	"rule 5 deny source 10.0.1.32 0",
	"rule 10 permit",
	"quit",
	"ntp-service access synchronization 2000",
	"ntp-service kod-enable",
	"commit",
	NULL,
};

Test(ntp_auth, key_and_acl, .fini = lab_down, .timeout = 360)
{
	uint64_t auth0 = 0, auth = 0, denied = 0, unused;
	char *out = NULL;
	double t0, err_d;
	bool ok;

	lab_require_root();
	cr_assert_eq(lab_up("DeviceC:0:0", "DeviceD:0.4:12", NULL), 0, "the lab did not come up");
	struct vty *vc = lab_vty("DeviceC", 20000);
	struct vty *vd = lab_vty("DeviceD", 20000);
	cr_assert(vc && vd, "no VTY session");

	/* 1. The wrong key. */
	lab_lines(vc, "DeviceC", setup_c);
	cr_assert_eq(packet_stats("DeviceC", &auth0, &unused), 0);
	lab_lines(vd, "DeviceD", setup_d);
	t0 = lab_now();
	while (lab_now() - t0 < 30) {
		int r = packet_stats("DeviceC", &auth, &unused);

		cr_assert_eq(r, 0, "DeviceC's packet statistics: %s", strerror(-r));
		if (auth >= auth0 + 3)
			break;
		lab_pause_ms(500);
	}
	cr_assert_geq(auth, auth0 + 3, "DeviceC counted %llu authentication failures",
		      (unsigned long long)(auth - auth0));
	lab_note("ntp_auth: DeviceC dropped %llu requests with a bad MAC in %.1f s",
		 (unsigned long long)(auth - auth0), lab_now() - t0);
	cr_assert_eq(lab_cmd(vd, "DeviceD", "display ntp-service status", &out), 0);
	cr_assert(strstr(out, "clock status: unsynchronized"), "DeviceD:\n%s", out);
	free(out);
	out = NULL;
	err_d = lab_true_error("DeviceD");
	cr_assert(fabs(err_d - 0.4) < 0.01, "DeviceD's clock moved: error %.6f s", err_d);

	/* 2. The right key. */
	lab_lines(vd, "DeviceD", right_key_d);
	t0 = lab_now();
	static const char *const want_sync[] = {
		"clock status: synchronized", "clock stratum: 3", "reference clock ID: 10.0.1.31",
		NULL,
	};
	ok = lab_wait_output(vd, "display ntp-service status", want_sync, 60000, &out);
	cr_assert(ok, "DeviceD did not synchronize with the right key:\n%s", out ? out : "");
	free(out);
	out = NULL;
	lab_note("ntp_auth: DeviceD synchronized %.1f s after the right key", lab_now() - t0);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display current-configuration", &out), 0);
	cr_assert(strstr(out, "ntp-service authentication-keyid 1 authentication-mode md5 "
			 "cipher %^%#"), "%s", out);
	cr_assert_null(strstr(out, "Meridian-Key1"), "the key shows in plain text:\n%s", out);
	cr_assert_null(strstr(out, "TWVyaWRpYW4tS2V5MQ"), "the key shows in Base64:\n%s", out);
	free(out);
	out = NULL;

	/* 3. DeviceC denies DeviceD. */
	lab_lines(vc, "DeviceC", deny_d);
	static const char *const want_denied[] = { "clock source: 10.0.1.31", "denied", NULL };
	/* DeviceD may have left its fast polls behind: its next request can be
	 * a full 64 s poll away. */
	ok = lab_wait_output(vd, "display ntp-service sessions", want_denied, 90000, &out);
	cr_assert(ok, "DeviceD's association did not stop on KoD DENY:\n%s", out ? out : "");
	free(out);
	cr_assert_eq(packet_stats("DeviceC", &unused, &denied), 0);
	cr_assert_geq(denied, 1);

	lab_vty_close(vc);
	lab_vty_close(vd);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* ---- chronyd interoperability ---------------------------------------------- */

static pid_t chronyd_pid;

static void chronyd_stop(void)
{
	int st;

	if (chronyd_pid <= 0)
		return;
	kill(chronyd_pid, SIGTERM);
	for (double deadline = lab_now() + 5;;) {
		pid_t r = waitpid(chronyd_pid, &st, WNOHANG);

		if (r == chronyd_pid || (r < 0 && errno != EINTR))
			break;
		if (lab_now() > deadline) {
			kill(chronyd_pid, SIGKILL);
			waitpid(chronyd_pid, &st, 0);
			break;
		}
		lab_pause_ms(50);
	}
	chronyd_pid = 0;
}

static void chrony_teardown(void)
{
	chronyd_stop();
	lab_down();
}

static const char *tool(const char *name)
{
	static char path[2][64];
	static int next;
	char *p = path[next++ % 2];

	snprintf(p, sizeof(path[0]), "/usr/sbin/%s", name);
	if (access(p, X_OK) == 0)
		return p;
	snprintf(p, sizeof(path[0]), "/usr/bin/%s", name);
	if (access(p, X_OK) == 0)
		return p;
	snprintf(p, sizeof(path[0]), "/sbin/%s", name);
	return access(p, X_OK) == 0 ? p : NULL;
}

#define KEY_TEXT "Meridian-Key1"

Test(ntp_auth, chrony_md5_interop, .fini = chrony_teardown, .timeout = 280)
{
	const char *chronyd = tool("chronyd"), *ip = tool("ip");
	char dir[300], conf[400], keys[400], sock[400], log[400], ns[96], hex[2 * 64 + 1];
	const struct lab_device *d;
	FILE *f;
	char *out = NULL;
	double t0;

	lab_require_root();
	if (!chronyd || !ip)
		cr_skip_test("chronyd missing (Debian package chrony)");
	atexit(chronyd_stop);
	cr_assert_eq(lab_up("DeviceA:0.3:-7", NULL), 0, "the lab did not come up");
	cr_assert_eq(lab_script("attach", "Peer", "10.0.1.50/24", NULL), 0);
	d = lab_dev("DeviceA");
	snprintf(ns, sizeof(ns), "%.*sPeer", (int)(strlen(d->ns) - strlen(d->name)), d->ns);

	/* chronyd's files, in a directory only we can enter (its command socket
	 * requires it). */
	snprintf(dir, sizeof(dir), "%s/Peer", lab_dir());
	mkdir(dir, 0700);
	cr_assert_eq(chmod(dir, 0700), 0);
	for (size_t i = 0; i < strlen(KEY_TEXT); i++)
		snprintf(hex + 2 * i, 3, "%02X", (unsigned char)KEY_TEXT[i]);
	snprintf(keys, sizeof(keys), "%s/chrony.keys", dir);
	f = fopen(keys, "w");
	cr_assert(f);
	fprintf(f, "1 MD5 HEX:%s\n", hex);
	fclose(f);
	chmod(keys, 0600);
	snprintf(sock, sizeof(sock), "%s/chronyd.sock", dir);
	snprintf(conf, sizeof(conf), "%s/chrony.conf", dir);
	f = fopen(conf, "w");
	cr_assert(f);
	fprintf(f, "local stratum 5\nallow 10.0.1.0/24\nkeyfile %s\ncmdport 0\n"
		"bindcmdaddress %s\npidfile %s/chronyd.pid\ndriftfile %s/chronyd.drift\n",
		keys, sock, dir, dir);
	fclose(f);
	snprintf(log, sizeof(log), "%s/chronyd.log", dir);
	fflush(stderr);
	chronyd_pid = fork();
	cr_assert(chronyd_pid >= 0);
	if (chronyd_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int null = open("/dev/null", O_RDONLY);

		setsid();
		dup2(null, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execl(ip, "ip", "netns", "exec", ns, chronyd, "-x", "-d", "-u", "root", "-f", conf,
		      (char *)NULL);
		_exit(127);
	}

	struct vty *v = lab_vty("DeviceA", 20000);
	cr_assert(v, "no VTY session");
	static const char *const setup[] = {
		"system-view",
		"interface GigabitEthernet0/1/0",
		"undo shutdown",
		"ip address 10.0.1.31 255.255.255.0",
		"quit",
		"ntp-service authentication enable",
		"ntp-service authentication-keyid 1 authentication-mode md5 " KEY_TEXT,
		"ntp-service reliable authentication-keyid 1",
		"ntp-service unicast-server 10.0.1.50 authentication-keyid 1",
		"commit",
		NULL,
	};
	lab_lines(v, "DeviceA", setup);
	t0 = lab_now();
	static const char *const want[] = {
		"clock status: synchronized", "clock stratum: 6", "reference clock ID: 10.0.1.50",
		NULL,
	};
	bool ok = lab_wait_output(v, "display ntp-service status", want, 90000, &out);
	if (!ok) {
		char *s = NULL;

		lab_cmd(v, "DeviceA", "display ntp-service sessions verbose", &s);
		free(s);
		lab_dump_logs();
	}
	cr_assert(ok, "DeviceA did not synchronize to chronyd with MD5 key 1 (chronyd log: %s):\n%s",
		  log, out ? out : "");
	free(out);
	lab_note("ntp_auth: synchronized to chronyd with MD5 authentication in %.1f s",
		 lab_now() - t0);
	uint64_t auth = 0, unused;
	cr_assert_eq(packet_stats("DeviceA", &auth, &unused), 0);
	cr_assert_eq(auth, 0, "%llu authentication failures against chronyd",
		     (unsigned long long)auth);
	lab_vty_close(v);
	chronyd_stop();
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
