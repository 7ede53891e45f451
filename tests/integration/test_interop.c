/*
 * test_interop.c: Meridian's ntpd against real NTP implementations from
 * Debian (issue 3): chronyd (package chrony) and ntpsec's ntpdig (package
 * ntpsec-ntpdate).
 *
 *  1. ntpd as a client of chronyd (`local stratum 5`): synchronized at
 *     stratum 6 with chronyd's address as reference.
 *  2. chronyd -Q and ntpdig as clients of a device with `ntp-service
 *     refclock-master 2`: valid answers, stratum 2, reference ID "LOCL",
 *     timestamps that give the device's true clock error as offset.
 *     The same over IPv6 (the device with `ipv6 address`, the peer
 *     namespace with an address added by the test).
 *  3. chronyd `peer` (with `local stratum 3`) against `ntp-service
 *     unicast-peer`: the device synchronizes to it at stratum 4, and
 *     chronyd accepts the device's symmetric packets (reach, tests, delay).
 *
 * Each Test brings up a lab with one device (DeviceA, 10.0.1.31, configured
 * through telnet) and attaches a bare namespace "Peer" (10.0.1.50) to its
 * bridge with `scripts/lab attach`; chronyd, chronyd -Q and ntpdig run in
 * that namespace.  chronyd never touches a clock: always -x (or -Q, which
 * only measures), its own configuration file, pid file, drift file and log
 * directory under the lab's directory, `cmdport 0` (chronyc talks to it
 * over a Unix socket there) and `-u root` (no privilege drop: its files are
 * ours).  Started chronyds are stopped from the Test's .fini and from
 * atexit; `scripts/lab down` also kills whatever still runs in the
 * namespace.  Waits poll with deadlines.  Skipped without root, or without
 * chronyd, chronyc or ntpdig.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

#define DEV "DeviceA"
#define DEV_ADDR "10.0.1.31"
#define PEER "Peer"
#define PEER_ADDR "10.0.1.50"
#define SYNC_TIMEOUT_MS 90000

/* ---- tools ---------------------------------------------------------------- */

static const char *chronyd_bin, *chronyc_bin, *ntpdig_bin, *ip_bin;

static void require_peers(void)
{
	lab_require_root();
	ip_bin = lab_tool("ip");
	chronyd_bin = lab_tool("chronyd");
	chronyc_bin = lab_tool("chronyc");
	ntpdig_bin = lab_tool("ntpdig");
	if (!chronyd_bin || !chronyc_bin)
		cr_skip_test("chronyd/chronyc missing (Debian package chrony; scripts/deps)");
	if (!ntpdig_bin)
		cr_skip_test("ntpdig missing (Debian package ntpsec-ntpdate; scripts/deps)");
}

/* Run argv (in the peer's namespace when in_ns) with a deadline: lab_run(). */
static int run(bool in_ns, const char *const argv[], int timeout_ms, char **out)
{
	char ns[96];

	if (in_ns) {
		const struct lab_device *d = lab_dev(DEV);
		/* The peer's namespace: the lab's prefix + PEER. */
		size_t plen = strlen(d->ns) - strlen(d->name);
		snprintf(ns, sizeof(ns), "%.*s%s", (int)plen, d->ns, PEER);
	}
	return lab_run(in_ns ? ns : NULL, in_ns ? PEER : "host", argv, timeout_ms, out);
}

/* ---- the peer namespace and chronyd --------------------------------------- */

static struct {
	pid_t pid;            /* chronyd -d (0: none) */
	char dir[300];        /* DIR/Peer */
	char sock[340];       /* its command socket */
	bool atexit_done;
} chrony;

static void chrony_stop(void)
{
	if (chrony.pid <= 0)
		return;
	kill(chrony.pid, SIGTERM);
	double deadline = lab_now() + 5;
	int st;
	for (;;) {
		pid_t r = waitpid(chrony.pid, &st, WNOHANG);
		if (r == chrony.pid || (r < 0 && errno != EINTR))
			break;
		if (lab_now() > deadline) {
			kill(chrony.pid, SIGKILL);
			waitpid(chrony.pid, &st, 0);
			break;
		}
		lab_pause_ms(50);
	}
	chrony.pid = 0;
}

static void teardown(void)
{
	chrony_stop();
	lab_down();
}

/* Lab with DEV (clock OFFSET s off, FREQ ppm) and the peer namespace. */
static void lab_with_peer(double offset, double freq)
{
	char spec[64];

	if (!chrony.atexit_done) {
		atexit(chrony_stop);
		chrony.atexit_done = true;
	}
	snprintf(spec, sizeof(spec), DEV ":%g:%g", offset, freq);
	cr_assert_eq(lab_up(spec, NULL), 0, "the lab did not come up");
	cr_assert_eq(lab_script("attach", PEER, PEER_ADDR "/24", NULL), 0,
		     "scripts/lab attach failed");
	snprintf(chrony.dir, sizeof(chrony.dir), "%s/%s", lab_dir(), PEER);
	mkdir(chrony.dir, 0700);
	/* chronyd refuses a command socket in a directory others can enter. */
	cr_assert_eq(chmod(chrony.dir, 0700), 0);
	snprintf(chrony.sock, sizeof(chrony.sock), "%s/chronyd.sock", chrony.dir);
}

/* Write DIR/Peer/NAME.conf: `body` plus the settings that keep chronyd to
 * itself.  The path in conf. */
static void chrony_conf(const char *name, const char *body, char *conf, size_t len)
{
	snprintf(conf, len, "%s/%s.conf", chrony.dir, name);
	FILE *f = fopen(conf, "w");
	cr_assert(f, "%s: %s", conf, strerror(errno));
	fprintf(f,
		"# written by tests/integration/test_interop.c\n"
		"%s"
		"cmdport 0\n"
		"bindcmdaddress %s\n"
		"pidfile %s/%s.pid\n"
		"driftfile %s/%s.drift\n"
		"dumpdir %s\n"
		"logdir %s/%s-logs\n"
		"log measurements rawmeasurements\n",
		body, chrony.sock, chrony.dir, name, chrony.dir, name, chrony.dir, chrony.dir,
		name);
	fclose(f);
	char logs[400];
	snprintf(logs, sizeof(logs), "%s/%s-logs", chrony.dir, name);
	mkdir(logs, 0700);
	fprintf(stderr, "[%s] %s:\n%s", PEER, conf, body);
}

/* chronyd -x -d in the peer namespace; returns once its command socket
 * answers. */
static void chrony_start(const char *conf)
{
	char log[400], ns[96];
	const struct lab_device *d = lab_dev(DEV);
	size_t plen = strlen(d->ns) - strlen(d->name);

	snprintf(ns, sizeof(ns), "%.*s%s", (int)plen, d->ns, PEER);
	snprintf(log, sizeof(log), "%s/chronyd.log", chrony.dir);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int null = open("/dev/null", O_RDONLY);
		setsid();
		dup2(null, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		/* ip netns exec execs chronyd: the pid stays chronyd's. */
		execl(ip_bin, "ip", "netns", "exec", ns, chronyd_bin, "-x", "-d", "-u", "root",
		       "-f", conf, (char *)NULL);
		_exit(127);
	}
	chrony.pid = pid;
	double deadline = lab_now() + 15;
	for (;;) {
		const char *argv[] = { chronyc_bin, "-h", chrony.sock, "-n", "tracking", NULL };
		char *out = NULL;
		int st = run(false, argv, 5000, &out);
		bool ok = st == 0 && out && strstr(out, "Stratum");
		free(out);
		if (ok)
			return;
		cr_assert(waitpid(pid, &st, WNOHANG) == 0, "chronyd exited (see %s)", log);
		cr_assert(lab_now() < deadline, "chronyd does not answer on %s", chrony.sock);
		lab_pause_ms(300);
	}
}

/* ---- the device ------------------------------------------------------------- */

#define SETUP_INTERFACE                                               \
	"system-view", "interface GigabitEthernet0/1/0", "undo shutdown", \
	"ip address " DEV_ADDR " 255.255.255.0", "quit"

static void wait_status(struct vty *v, const char *const want[], const char *what)
{
	char *out = NULL;
	double t0 = lab_now();
	bool ok = lab_wait_output(v, "display ntp-service status", want, SYNC_TIMEOUT_MS, &out);
	fprintf(stderr, "[%s] display ntp-service status (%.1f s):\n%s", DEV, lab_now() - t0,
		out ? out : "");
	if (!ok) {
		char *s = NULL;
		lab_cmd(v, DEV, "display ntp-service sessions verbose", &s);
		free(s);
		lab_dump_logs();
	}
	cr_assert(ok, "%s not reached within %d s:\n%s", what, SYNC_TIMEOUT_MS / 1000,
		  out ? out : "");
	lab_note("interop: %s after %.1f s", what, lab_now() - t0);
	free(out);
}

/* A chronyd measurements.log line (`log measurements rawmeasurements`). */
struct meas {
	char ip[64];
	char leap;
	int stratum;
	char t123[4], t567[4], tabcd[5];
	double offset, delay, disp, root_delay, root_disp;
	unsigned refid;
};

/* How far chronyd -Q's printed offset may be from the true error: NTP's
 * bound for the worst of the samples it combined (half the largest delay,
 * plus 1 ms of reading noise), never under 10 ms.  A sample whose answer
 * the machine's load delayed by tens of ms may pull the result that far. */
static double query_bound(const struct meas *m, int n)
{
	double worst = 0;

	for (int i = 0; i < n; i++)
		if (m[i].delay > worst)
			worst = m[i].delay;
	return worst / 2 + 1e-3 > 0.01 ? worst / 2 + 1e-3 : 0.01;
}

/* Every measurement of `ip` in LOG into m[] (at most max); the count. */
static int read_measurements(const char *log, const char *ip, struct meas *m, int max)
{
	FILE *f = fopen(log, "r");
	char line[512];
	int n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		struct meas x;
		char date[16], tm[16];
		int lp, rp;
		double score;
		memset(&x, 0, sizeof(x));
		if (sscanf(line, "%15s %15s %63s %c %d %3s %3s %4s %d %d %lf %lf %lf %lf %lf %lf %x",
			   date, tm, x.ip, &x.leap, &x.stratum, x.t123, x.t567, x.tabcd, &lp, &rp,
			   &score, &x.offset, &x.delay, &x.disp, &x.root_delay, &x.root_disp,
			   &x.refid) != 17)
			continue;
		if (strcmp(x.ip, ip) == 0)
			m[n++] = x;
	}
	fclose(f);
	return n;
}

/* ---- 1. ntpd as a client of chronyd ---------------------------------------- */

Test(interop, ntpd_client_of_chronyd, .fini = teardown, .timeout = 240)
{
	char conf[400];

	require_peers();
	lab_with_peer(0.3, 5);
	chrony_conf("server", "local stratum 5\nallow 10.0.1.0/24\n", conf, sizeof(conf));
	chrony_start(conf);

	struct vty *v = lab_vty(DEV, 20000);
	cr_assert(v, "no VTY session");
	static const char *const cfg[] = {
		SETUP_INTERFACE, "ntp-service unicast-server " PEER_ADDR, "commit", "return", NULL,
	};
	lab_lines(v, DEV, cfg);
	static const char *const want[] = {
		"clock status: synchronized", "clock stratum: 6",
		"reference clock ID: " PEER_ADDR, NULL,
	};
	wait_status(v, want, "client of chronyd: synchronized at stratum 6");

	/* The session as the device sees it: chronyd's local reference. */
	static const char *const want_s[] = {
		"clock source: " PEER_ADDR, "clock stratum: 5", "reference clock ID: 127.127.1.1",
		NULL,
	};
	char *out = NULL;
	cr_assert(lab_wait_output(v, "display ntp-service sessions", want_s, 10000, &out),
		  "sessions:\n%s", out ? out : "");
	free(out);

	/* The clock follows chronyd's (the machine's) time. */
	double e = 0, deadline = lab_now() + 30;
	while ((e = lab_true_error(DEV), fabs(e) > 0.005) && lab_now() < deadline)
		lab_pause_ms(500);
	lab_note("interop: client of chronyd: true clock error %+.6f s", e);
	cr_expect(fabs(e) <= 0.005, "the device's clock is %.6f s off chronyd's", e);

	/* chronyd answered the device: it is among its NTP clients. */
	const char *argv[] = { chronyc_bin, "-h", chrony.sock, "-n", "-c", "clients", NULL };
	cr_assert_eq(run(false, argv, 5000, &out), 0);
	cr_expect(out && strstr(out, DEV_ADDR ","), "chronyd has no client %s:\n%s", DEV_ADDR,
		  out ? out : "");
	free(out);

	lab_vty_close(v);
	chrony_stop();
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* ---- 2. chronyd -Q and ntpdig as clients of ntpd -------------------------- */

/* "xx xx ... xx" hex dump lines of ntpdig -D: the bytes of the n-th packet
 * (0: sent, 1: received) into pkt[48].  true when found. */
static bool ntpdig_packet(const char *out, int which, uint8_t pkt[48])
{
	int line = 0, got = 0;
	const char *p = out;

	while (p && *p) {
		unsigned b[16];
		if (sscanf(p, "%2x %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x",
			   &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7], &b[8], &b[9],
			   &b[10], &b[11], &b[12], &b[13], &b[14], &b[15]) == 16 &&
		    p[2] == ' ' && p[47] == ' ') {
			if (line / 3 == which) {
				for (int i = 0; i < 16; i++)
					pkt[(line % 3) * 16 + i] = (uint8_t)b[i];
				got++;
			}
			line++;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return got == 3;
}

Test(interop, chronyd_and_ntpdig_clients_of_ntpd, .fini = teardown, .timeout = 240)
{
	const double dev_offset = 0.25;
	char conf[400], *out = NULL;

	require_peers();
	lab_with_peer(dev_offset, 0);
	struct vty *v = lab_vty(DEV, 20000);
	cr_assert(v, "no VTY session");
	static const char *const cfg[] = {
		SETUP_INTERFACE, "ntp-service refclock-master 2", "commit", "return", NULL,
	};
	lab_lines(v, DEV, cfg);
	static const char *const want[] = {
		"clock status: synchronized", "clock stratum: 2", "reference clock ID: LOCAL(0)",
		NULL,
	};
	wait_status(v, want, "refclock-master 2: synchronized to the local clock");

	/* The device's clock is its reference: its error against the machine's
	 * clock stays the bootstrap offset, which is what a client at true time
	 * measures (server - client). */
	double e = lab_true_error(DEV);
	cr_assert(fabs(e - dev_offset) < 0.01, "true error %.6f s, bootstrap offset %.3f s", e,
		  dev_offset);

	/* ntpdig: JSON result and the packets (-D 5 dumps them). */
	const char *dig[] = { ntpdig_bin, "-j", "-D", "5", "-t", "3", DEV_ADDR, NULL };
	bool ok = false;
	for (int attempt = 0; attempt < 3 && !ok; attempt++) {
		free(out);
		ok = run(true, dig, 20000, &out) == 0 && out && strstr(out, "{\"time\"");
	}
	cr_assert(ok, "ntpdig got no answer:\n%s", out ? out : "");
	const char *json = strstr(out, "{\"time\"");
	bool has;
	double dig_offset = lab_json_number(json, "offset", &has);
	cr_assert(has, "no offset in %s", json);
	double dig_stratum = lab_json_number(json, "stratum", &has);
	cr_assert(has, "no stratum in %s", json);
	cr_expect_eq((int)dig_stratum, 2, "ntpdig: stratum %g", dig_stratum);
	cr_expect(strstr(json, "\"leap\":\"no-leap\""), "ntpdig: leap in %s", json);
	cr_expect(fabs(dig_offset) < 1.0 && fabs(dig_offset - e) <= lab_ntpdig_bound(json),
		  "ntpdig: offset %+.6f s, the device's clock is %+.6f s off", dig_offset, e);
	lab_note("interop: ntpdig offset %+.6f s, device clock error %+.6f s", dig_offset, e);

	uint8_t req[48], rep[48];
	cr_assert(ntpdig_packet(out, 0, req) && ntpdig_packet(out, 1, rep),
		  "no packet dump in ntpdig -D 5 output");
	cr_expect_eq(rep[0] & 7, 4, "mode %d, want 4 (server)", rep[0] & 7);
	cr_expect_eq(rep[0] >> 6, 0, "leap %d", rep[0] >> 6);
	cr_expect_eq((rep[0] >> 3) & 7, (req[0] >> 3) & 7, "version not the request's");
	cr_expect_eq(rep[1], 2, "stratum %d", rep[1]);
	cr_expect(memcmp(rep + 12, "LOCL", 4) == 0, "reference ID %02x%02x%02x%02x, want LOCL",
		  rep[12], rep[13], rep[14], rep[15]);
	cr_expect(memcmp(rep + 24, req + 40, 8) == 0, "origin is not the request's transmit");
	/* reference <= receive <= transmit, all non-zero */
	uint64_t ts[3];
	for (int k = 0; k < 3; k++) {
		ts[k] = 0;
		for (int i = 0; i < 8; i++)
			ts[k] = ts[k] << 8 | rep[16 + 8 * (k == 0 ? 0 : k + 1) + i];
	}
	cr_expect(ts[0] && ts[1] && ts[2], "a zero timestamp in the reply");
	cr_expect((int64_t)(ts[1] - ts[0]) >= 0 && (int64_t)(ts[2] - ts[1]) >= 0,
		  "reference, receive and transmit timestamps out of order");
	free(out);
	out = NULL;

	/* chronyd -Q: measures (iburst: four samples) and exits, never sets a
	 * clock; the measurements log holds what it thought of each answer. */
	chrony_conf("query", "server " DEV_ADDR " iburst\n", conf, sizeof(conf));
	const char *q[] = { chronyd_bin, "-Q", "-x", "-u", "root", "-f", conf, NULL };
	cr_assert_eq(run(true, q, 60000, &out), 0, "chronyd -Q failed");
	const char *w = out ? strstr(out, "System clock wrong by ") : NULL;
	cr_assert(w, "chronyd -Q printed no offset");
	double q_wrong = strtod(w + strlen("System clock wrong by "), NULL);
	free(out);
	out = NULL;
	/* chronyd prints the offset it measured (server - local, chrony 4.3):
	 * the device is e ahead of the machine's clock. */
	lab_note("interop: chronyd -Q: system clock wrong by %+.6f s, device error %+.6f s",
		 q_wrong, e);

	char log[400];
	snprintf(log, sizeof(log), "%s/query-logs/measurements.log", chrony.dir);
	struct meas m[16];
	int n = read_measurements(log, DEV_ADDR, m, 16);
	cr_assert_gt(n, 0, "no measurement of %s in %s", DEV_ADDR, log);
	cr_expect(fabs(q_wrong - e) <= query_bound(m, n) && fabs(q_wrong) < 1.0,
		  "chronyd -Q: clock wrong by %+.6f s, want %+.6f s", q_wrong, e);
	for (int i = 0; i < n; i++) {
		cr_expect_eq(m[i].leap, 'N', "measurement %d: leap %c", i, m[i].leap);
		cr_expect_eq(m[i].stratum, 2, "measurement %d: stratum %d", i, m[i].stratum);
		cr_expect_eq(m[i].refid, 0x4C4F434Cu, "measurement %d: refid %08X", i, m[i].refid);
		cr_expect_str_eq(m[i].t123, "111", "measurement %d: tests 1-3", i);
		cr_expect_str_eq(m[i].t567, "111", "measurement %d: tests 5-7", i);
		/* NTP's own bound: the error of one measurement is at most half
		 * its delay (plus the clocks' reading noise); a late scheduled
		 * daemon on a loaded machine widens the delay, never the bound.
		 * A wrong timestamp would be off by far more than 0.5 s. */
		cr_expect(fabs(m[i].offset - e) <= m[i].delay / 2 + 1e-3,
			  "measurement %d: offset %+.6f, want %+.6f (delay %.6f)", i, m[i].offset,
			  e, m[i].delay);
		cr_expect(m[i].delay < 0.5, "measurement %d: delay %.6f", i, m[i].delay);
	}

	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* ---- 2b. the same over IPv6 -------------------------------------------------- */

#define DEV_ADDR6 "2001:db8:1::31"
#define PEER_ADDR6 "2001:db8:1::50/64"

Test(interop, ntpdig_and_chronyd_over_ipv6, .fini = teardown, .timeout = 240)
{
	char conf[400], *out = NULL;

	require_peers();
	lab_with_peer(-0.15, 0);
	struct vty *v = lab_vty(DEV, 20000);
	cr_assert(v, "no VTY session");
	static const char *const cfg[] = {
		"system-view", "interface GigabitEthernet0/1/0", "undo shutdown", "ipv6 enable",
		"ipv6 address 2001:DB8:1::31 64", "quit", "ntp-service refclock-master 2",
		"commit", "return", NULL,
	};
	lab_lines(v, DEV, cfg);
	/* The peer's IPv6 address (nodad: it is the only host with it). */
	const char *addr[] = { ip_bin, "-6", "addr", "add", PEER_ADDR6, "dev", "eth0", "nodad",
			       NULL };
	cr_assert_eq(run(true, addr, 5000, &out), 0, "ip addr add: %s", out ? out : "");
	free(out);
	out = NULL;
	double e = lab_true_error(DEV);

	/* ntpdig, until the device's address has passed duplicate address
	 * detection (ifmgrd publishes it then; ntpd serves on the wildcard). */
	const char *dig[] = { ntpdig_bin, "-j", "-t", "2", DEV_ADDR6, NULL };
	double deadline = lab_now() + 30;
	bool ok = false;
	while (!ok && lab_now() < deadline) {
		free(out);
		out = NULL;
		ok = run(true, dig, 20000, &out) == 0 && out && strstr(out, "{\"time\"");
	}
	cr_assert(ok, "ntpdig got no answer over IPv6:\n%s", out ? out : "");
	const char *json = strstr(out, "{\"time\"");
	bool has;
	double dig_offset = lab_json_number(json, "offset", &has);
	cr_assert(has, "no offset in %s", json);
	cr_expect_eq((int)lab_json_number(json, "stratum", &has), 2, "ntpdig: %s", json);
	cr_expect(fabs(dig_offset - e) <= lab_ntpdig_bound(json),
		  "ntpdig over IPv6: offset %+.6f s, want %+.6f s",
		  dig_offset, e);
	lab_note("interop: ntpdig over IPv6: offset %+.6f s, device clock error %+.6f s",
		 dig_offset, e);
	free(out);
	out = NULL;

	chrony_conf("query6", "server " DEV_ADDR6 " iburst\n", conf, sizeof(conf));
	const char *q[] = { chronyd_bin, "-Q", "-x", "-u", "root", "-f", conf, NULL };
	cr_assert_eq(run(true, q, 60000, &out), 0, "chronyd -Q failed");
	const char *w = out ? strstr(out, "System clock wrong by ") : NULL;
	cr_assert(w, "chronyd -Q printed no offset:\n%s", out ? out : "");
	double q_wrong = strtod(w + strlen("System clock wrong by "), NULL);
	free(out);
	lab_note("interop: chronyd -Q over IPv6: system clock wrong by %+.6f s, device error "
		 "%+.6f s", q_wrong, e);
	char log[400];
	snprintf(log, sizeof(log), "%s/query6-logs/measurements.log", chrony.dir);
	struct meas m[16];
	int n = read_measurements(log, DEV_ADDR6, m, 16);
	cr_assert_gt(n, 0, "no measurement of %s in %s", DEV_ADDR6, log);
	cr_expect(fabs(q_wrong - e) <= query_bound(m, n),
		  "chronyd -Q over IPv6: %+.6f s, want %+.6f s", q_wrong, e);
	for (int i = 0; i < n; i++) {
		cr_expect_eq(m[i].stratum, 2, "measurement %d: stratum %d", i, m[i].stratum);
		cr_expect_eq(m[i].refid, 0x4C4F434Cu, "measurement %d: refid %08X", i, m[i].refid);
		cr_expect_str_eq(m[i].t123, "111", "measurement %d: tests 1-3", i);
		cr_expect_str_eq(m[i].t567, "111", "measurement %d: tests 5-7", i);
		cr_expect(fabs(m[i].offset - e) <= m[i].delay / 2 + 1e-3,
			  "measurement %d: offset %+.6f, want %+.6f (delay %.6f)", i, m[i].offset,
			  e, m[i].delay);
	}
	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* ---- 3. symmetric association with chronyd -------------------------------- */

static int session_reach(const char *out)
{
	const char *p = out ? strstr(out, "reach: ") : NULL;
	return p ? atoi(p + strlen("reach: ")) : -1;
}

Test(interop, symmetric_with_chronyd, .fini = teardown, .timeout = 240)
{
	char conf[400], *out = NULL;

	require_peers();
	lab_with_peer(0.3, 5);
	/* minpoll 3: chronyd keeps 8 s between its packets while the device is
	 * unsynchronized, four times our fast poll (the default 64 s would only
	 * make the test long); maxpoll 3 keeps it there. */
	chrony_conf("peer",
		    "peer " DEV_ADDR " minpoll 3 maxpoll 3\n"
		    "local stratum 3\n"
		    "allow 10.0.1.0/24\n", conf, sizeof(conf));
	chrony_start(conf);

	struct vty *v = lab_vty(DEV, 20000);
	cr_assert(v, "no VTY session");
	static const char *const cfg[] = {
		SETUP_INTERFACE, "ntp-service unicast-peer " PEER_ADDR, "commit", "return", NULL,
	};
	lab_lines(v, DEV, cfg);
	static const char *const want[] = {
		"clock status: synchronized", "clock stratum: 4",
		"reference clock ID: " PEER_ADDR, NULL,
	};
	wait_status(v, want, "symmetric peer of chronyd: synchronized at stratum 4");

	/* The device's side: a reachable configured peer at stratum 3. */
	static const char *const want_s[] = {
		"clock source: " PEER_ADDR, "clock stratum: 3", "configured", NULL,
	};
	cr_assert(lab_wait_output(v, "display ntp-service sessions", want_s, 10000, &out),
		  "sessions:\n%s", out ? out : "");
	cr_expect_gt(session_reach(out), 0, "reach 0:\n%s", out);
	free(out);
	out = NULL;

	/* chronyd's side: the device is its peer ('=') and reachable (octal
	 * register, CSV field 6), its symmetric packets valid. */
	const char *src[] = { chronyc_bin, "-h", chrony.sock, "-n", "-c", "sources", NULL };
	double deadline = lab_now() + 60;
	bool reach = false;
	for (;;) {
		free(out);
		out = NULL;
		if (run(false, src, 5000, &out) == 0 && out) {
			const char *l = strstr(out, "=,");
			char ip[64] = "";
			int stratum, poll;
			unsigned r = 0;
			if (l && sscanf(l, "=,%*c,%63[^,],%d,%d,%o", ip, &stratum, &poll, &r) == 4 &&
			    strcmp(ip, DEV_ADDR) == 0 && r != 0)
				reach = true;
		}
		if (reach || lab_now() > deadline)
			break;
		lab_pause_ms(1000);
	}
	cr_expect(reach, "chronyd does not see %s as a reachable peer:\n%s", DEV_ADDR,
		  out ? out : "");
	free(out);
	out = NULL;

	const char *nd[] = { chronyc_bin, "-h", chrony.sock, "-n", "ntpdata", DEV_ADDR, NULL };
	cr_assert_eq(run(false, nd, 5000, &out), 0);
	cr_expect(out && strstr(out, "Symmetric active"), "mode:\n%s", out ? out : "");
	cr_expect(out && strstr(out, "Stratum         : 4"), "stratum:\n%s", out ? out : "");
	free(out);
	out = NULL;

	/* Every symmetric packet of the synchronized device that chronyd took
	 * as valid (tests 1-3, 5-7) measured the LAN, not a clock step: the
	 * receive timestamp we echo follows our steps. */
	char log[400];
	snprintf(log, sizeof(log), "%s/peer-logs/measurements.log", chrony.dir);
	struct meas m[256];
	int n = read_measurements(log, DEV_ADDR, m, 256), used = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(m[i].t123, "111") != 0 || strcmp(m[i].t567, "111") != 0)
			continue;
		used++;
		cr_expect_eq(m[i].stratum, 4, "measurement %d: stratum %d", i, m[i].stratum);
		/* A step leaking into the timestamps would show as its size
		 * (0.3 s and more); 0.15 s leaves room for a loaded machine. */
		cr_expect(m[i].delay < 0.15, "measurement %d: chronyd measured a delay of %.6f s "
			  "to the device", i, m[i].delay);
		cr_expect(fabs(m[i].offset) < 0.15, "measurement %d: offset %+.6f s", i,
			  m[i].offset);
	}
	cr_expect_gt(used, 0, "no valid packet of the synchronized device in %s", log);
	lab_note("interop: chronyd peer: %d valid symmetric packets of the device", used);

	lab_vty_close(v);
	chrony_stop();
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
