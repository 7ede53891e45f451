/*
 * test_robustness.c: daemons survive bad input and restarts.
 *
 *  - garbage on cfgd's and ntpd's ctl sockets (random bytes, wrong frame
 *    counts, empty frames, undecodable protobufs): both keep answering;
 *  - malformed and short NTP packets sent to port 123 from inside the
 *    device's namespace: ntpd keeps serving (a well-formed client request
 *    still gets its answer) and the CLI still displays;
 *  - cfgd killed with SIGKILL and started again: the committed
 *    configuration is intact and the next commit works;
 *  - cfgd killed and restarted while two VTYs hold sessions, one with
 *    uncommitted changes: each VTY learns its session is gone (the ids of
 *    the earlier cfgd are never given out again), the one whose changes
 *    were lost is told so, and neither ever commits the other's edits;
 *  - clid killed with SIGKILL mid-session: the restarted clid has cfgd close
 *    the orphaned session, whose uncommitted change stays uncommitted;
 *  - a reboot (every daemon stopped, cfgd's files in RUN_DIR gone, as /run
 *    is on tmpfs): the device comes back with what `save` wrote, not with
 *    what was committed after it, and serves time again.
 *
 * Each Test has its own one-device lab (tests may run in parallel: the
 * prefixes differ).  Random input uses fixed seeds, printed, so a failure
 * can be replayed.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include "bus.h"
#include "cfgd.pb-c.h"
#include "lab.h"

#define DEV "DeviceC"
#define DEV_ADDR "10.0.1.31"

/* A device serving time: its own clock at stratum 2, listening on GE0/1/0. */
static const char *const setup_lines[] = {
	"system-view",
	"sysname DeviceC",
	"interface GigabitEthernet0/1/0",
	"undo shutdown",
	"ip address " DEV_ADDR " 255.255.255.0",
	"quit",
	"ntp-service refclock-master 2",
	"ntp-service server source-interface gigabitethernet 0/1/0",
	"commit",
	NULL,
};

static struct vty *setup_device(void)
{
	lab_require_root();
	cr_assert_eq(lab_up(DEV, NULL), 0, "the lab did not come up");
	struct vty *v = lab_vty(DEV, 20000);
	cr_assert(v, "no VTY session");
	for (size_t i = 0; setup_lines[i]; i++) {
		char *out = NULL;
		cr_assert_eq(lab_cmd(v, DEV, setup_lines[i], &out), 0);
		cr_assert(!strstr(out, "Error:"), "'%s' failed:\n%s", setup_lines[i], out);
		free(out);
	}
	cr_assert_str_eq(vty_prompt(v), "[~DeviceC]");
	return v;
}

static void expect_display_works(struct vty *v)
{
	static const char *const want[] = { "clock status:", "clock stratum:", NULL };
	char *out = NULL;
	bool ok = lab_wait_output(v, "display ntp-service status", want, 10000, &out);
	cr_expect(ok, "display ntp-service status no longer works:\n%s", out ? out : "");
	free(out);
}

static int cfgd_get_running(void *zctx, const char *run_dir)
{
	char ep[400];
	snprintf(ep, sizeof(ep), "ipc://%s/cfgd.ctl", run_dir);
	struct bus_client *cli = bus_client_new(zctx, ep);
	if (!cli)
		return -EIO;
	CfgRequest req = CFG_REQUEST__INIT;
	GetRequest get = GET_REQUEST__INIT;
	get.has_which = 1;
	get.which = GET_REQUEST__WHICH__RUNNING;
	req.req_case = CFG_REQUEST__REQ_GET;
	req.get = &get;
	ProtobufCMessage *rep = NULL;
	int r = bus_client_call(cli, &req.base, &cfg_reply__descriptor, 5000, &rep);
	bus_client_free(cli);
	if (r < 0)
		return r;
	CfgReply *cr = (CfgReply *)rep;
	r = cr->status;
	if (r == 0 && !cr->config)
		r = -EBADMSG;
	cfg_reply__free_unpacked(cr, NULL);
	return r;
}

/* Sends `count` random frame sequences to a ROUTER through a raw DEALER.
 * No assertion while the socket is open (an open socket would block the
 * context's termination at teardown): false on failure. */
static bool spray_garbage(void *zctx, const char *endpoint, unsigned seed, int count)
{
	void *s = zmq_socket(zctx, ZMQ_DEALER);
	if (!s)
		return false;
	int zero = 0, hwm = 100000;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	bool ok = zmq_connect(s, endpoint) == 0;
	fprintf(stderr, "robustness: %d garbage sequences to %s (seed %u)\n", count, endpoint, seed);
	srandom(seed);

	uint8_t buf[600];
	for (int i = 0; ok && i < count; i++) {
		int frames = 1 + (int)(random() % 4);    /* a request is 2 frames */
		for (int f = 0; ok && f < frames; f++) {
			size_t len;
			switch (random() % 5) {
			case 0: len = 0; break;
			case 1: len = 8; break;          /* looks like a request id */
			case 2: len = 1 + random() % 16; break;
			default: len = (size_t)(random() % sizeof(buf)); break;
			}
			for (size_t k = 0; k < len; k++)
				buf[k] = (uint8_t)random();
			/* Sometimes a plausible protobuf start: field 15, length-delimited. */
			if (len > 2 && random() % 3 == 0) {
				buf[0] = 0x7a;
				buf[1] = (uint8_t)(random() % 200);
			}
			if (zmq_send(s, buf, len, f + 1 < frames ? ZMQ_SNDMORE : 0) < 0) {
				fprintf(stderr, "robustness: zmq_send: %s\n", zmq_strerror(errno));
				ok = false;
			}
		}
	}
	/* Drain whatever came back (error replies are fine), briefly. */
	zmq_pollitem_t it = { .socket = s, .events = ZMQ_POLLIN };
	while (ok && zmq_poll(&it, 1, 200) > 0) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		int r = zmq_msg_recv(&m, s, ZMQ_DONTWAIT);
		zmq_msg_close(&m);
		if (r < 0)
			break;
	}
	zmq_close(s);
	return ok;
}

Test(robustness, ctl_garbage, .fini = lab_down, .timeout = 200)
{
	struct vty *v = setup_device();
	const struct lab_device *d = lab_dev(DEV);
	void *zctx = lab_zctx();
	char ep[400];

	cr_assert_eq(cfgd_get_running(zctx, d->run_dir), 0, "cfgd does not answer before");
	NtpReply *rep = NULL;
	cr_assert_eq(lab_ntp_status(DEV, &rep), 0, "ntpd does not answer before");
	ntp_reply__free_unpacked(rep, NULL);

	snprintf(ep, sizeof(ep), "ipc://%s/cfgd.ctl", d->run_dir);
	cr_assert(spray_garbage(zctx, ep, 4001, 2000), "cannot send to %s", ep);
	snprintf(ep, sizeof(ep), "ipc://%s/ntpd.ctl", d->run_dir);
	cr_assert(spray_garbage(zctx, ep, 4002, 2000), "cannot send to %s", ep);

	/* Both still answer proper requests, and the daemons are the same ones. */
	int r = cfgd_get_running(zctx, d->run_dir);
	cr_expect_eq(r, 0, "cfgd stopped answering: %s", strerror(-r));
	r = lab_ntp_status(DEV, &rep);
	cr_expect_eq(r, 0, "ntpd stopped answering: %s", strerror(-r));
	if (r == 0)
		ntp_reply__free_unpacked(rep, NULL);
	cr_expect_eq(kill(lab_pid(DEV, "cfgd"), 0), 0, "cfgd died");
	cr_expect_eq(kill(lab_pid(DEV, "ntpd"), 0), 0, "ntpd died");
	expect_display_works(v);

	/* A command that goes through cfgd still works. */
	char *out = NULL;
	cr_assert_eq(lab_cmd(v, DEV, "ntp-service unicast-server 10.0.1.99", &out), 0);
	cr_expect(!strstr(out, "Error:"), "%s", out);
	free(out);
	cr_assert_eq(lab_cmd(v, DEV, "commit", &out), 0);
	cr_expect(!strstr(out, "Error:"), "%s", out);
	free(out);
	cr_expect_str_eq(vty_prompt(v), "[~DeviceC]");

	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* An NTP client request (mode 3, version 4) with a recognisable transmit
 * timestamp; the answer must echo it as its origin timestamp. */
static void make_request(uint8_t pkt[48], uint64_t xmt)
{
	memset(pkt, 0, 48);
	pkt[0] = (0 << 6) | (4 << 3) | 3;
	pkt[2] = 6;                       /* poll */
	pkt[3] = (uint8_t)-20;            /* precision */
	for (int i = 0; i < 8; i++)
		pkt[40 + i] = (uint8_t)(xmt >> (56 - 8 * i));
}

Test(robustness, malformed_ntp_packets, .fini = lab_down, .timeout = 200)
{
	struct vty *v = setup_device();

	/* Wait until the device serves time (its own clock, stratum 2). */
	static const char *const synced[] = { "clock status: synchronized", NULL };
	char *out = NULL;
	bool ok = lab_wait_output(v, "display ntp-service status", synced, 60000, &out);
	cr_assert(ok, "DeviceC never synchronized to its local clock:\n%s", out ? out : "");
	free(out);

	int own = lab_netns_enter(DEV);
	cr_assert(own >= 0, "cannot enter the device's namespace");
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	lab_netns_leave(own);   /* the socket stays in the device's namespace */
	cr_assert(fd >= 0);

	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(123) };
	inet_pton(AF_INET, DEV_ADDR, &to.sin_addr);
	struct sockaddr_in lo = to;
	inet_pton(AF_INET, "127.0.0.1", &lo.sin_addr);

	unsigned seed = 4003;
	srandom(seed);
	fprintf(stderr, "robustness: malformed NTP packets to %s:123 and 127.0.0.1:123 (seed %u)\n",
		DEV_ADDR, seed);
	uint8_t pkt[1200];
	static const size_t sizes[] = { 0, 1, 2, 12, 47, 48, 48, 48, 48, 49, 52, 60, 64, 68, 72,
					100, 120, 1200 };
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			size_t len = sizes[i];
			for (size_t k = 0; k < len; k++)
				pkt[k] = (uint8_t)random();
			if (len >= 48) {
				/* Plausible headers with every mode and version,
				 * extension fields with lying lengths. */
				pkt[0] = (uint8_t)((random() % 4) << 6 | (random() % 8) << 3 |
						   (random() % 8));
				if (len >= 52) {
					pkt[48] = 0;
					pkt[49] = 0;
					pkt[50] = (uint8_t)(random() % 256);
					pkt[51] = (uint8_t)(random() % 256);
				}
			}
			sendto(fd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to));
			sendto(fd, pkt, len, 0, (struct sockaddr *)&lo, sizeof(lo));
		}
	}
	/* Drain any answers to the garbage. */
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	while (poll(&pfd, 1, 100) > 0)
		if (recv(fd, pkt, sizeof(pkt), 0) < 0)
			break;

	/* A well-formed request is still answered (resent until a deadline:
	 * UDP, and the server may rate-limit the source that just sprayed). */
	uint64_t xmt = 0x0123456789abcdefULL;
	bool answered = false;
	double deadline = lab_now() + 30;
	while (!answered && lab_now() < deadline) {
		uint8_t req[48];
		make_request(req, ++xmt);
		cr_assert_eq(sendto(fd, req, 48, 0, (struct sockaddr *)&to, sizeof(to)), 48);
		double wait_until = lab_now() + 1.0;
		while (lab_now() < wait_until) {
			if (poll(&pfd, 1, 200) <= 0)
				continue;
			ssize_t n = recv(fd, pkt, sizeof(pkt), 0);
			if (n < 48 || (pkt[0] & 7) != 4)
				continue;
			uint64_t org = 0;
			for (int i = 0; i < 8; i++)
				org = org << 8 | pkt[24 + i];
			if (org == xmt) {
				answered = true;
				fprintf(stderr, "robustness: answered, stratum %u\n", pkt[1]);
				cr_expect_eq(pkt[1], 2, "the server's stratum");
				break;
			}
		}
	}
	close(fd);
	cr_expect(answered, "ntpd no longer answers client requests");
	cr_expect_eq(kill(lab_pid(DEV, "ntpd"), 0), 0, "ntpd died");
	expect_display_works(v);
	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* SIGKILL the device's cfgd, wait until it is gone and start it again. */
static void restart_cfgd(void)
{
	int r = lab_kill(DEV, "cfgd");
	cr_assert_eq(r, 0, "cfgd not killed: %s", strerror(-r));
	cr_assert_eq(lab_script("start", DEV, "cfgd", NULL), 0, "cfgd did not start again");
}

Test(robustness, cfgd_killed_and_restarted, .fini = lab_down, .timeout = 200)
{
	struct vty *v = setup_device();
	char *out = NULL;
	cr_assert_eq(lab_cmd(v, DEV, "display current-configuration", &out), 0);
	char *before = lab_normalize(out);
	free(out);
	lab_vty_close(v);

	restart_cfgd();

	/* A new session sees exactly the committed configuration. */
	v = lab_vty(DEV, 30000);
	cr_assert(v, "no VTY session after cfgd's restart");
	cr_expect_str_eq(vty_prompt(v), "<DeviceC>", "sysname lost");
	char *after = NULL;
	double deadline = lab_now() + 30;
	for (;;) {
		cr_assert_eq(lab_cmd(v, DEV, "display current-configuration", &out), 0);
		free(after);
		after = lab_normalize(out);
		free(out);
		if (strcmp(after, before) == 0 || lab_now() > deadline)
			break;
		lab_pause_ms(500);
	}
	cr_expect_str_eq(after, before, "the configuration changed across cfgd's restart");

	/* And the next commit goes through (the subscribers follow the new cfgd). */
	static const char *const more[] = { "system-view", "ntp-service unicast-server 10.0.1.99",
					    "commit", NULL };
	for (size_t i = 0; more[i]; i++) {
		cr_assert_eq(lab_cmd(v, DEV, more[i], &out), 0);
		cr_expect(!strstr(out, "Error:"), "'%s' failed after the restart:\n%s", more[i], out);
		free(out);
	}
	cr_expect_str_eq(vty_prompt(v), "[~DeviceC]");
	cr_assert_eq(lab_cmd(v, DEV, "display current-configuration", &out), 0);
	cr_expect(strstr(out, "ntp-service unicast-server 10.0.1.99"), "%s", out);
	free(out);
	expect_display_works(v);

	free(before);
	free(after);
	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* cfgd restarted under two VTYs in system view (issue 10, items 6 and 7).
 * A opened its cfgd session first and has an uncommitted change; after the
 * restart B types a change, then A commits.  A cfgd that numbered its
 * sessions from 1 again gave B (reopening) A's old id: A's commit was
 * acknowledged but committed B's change, and A's own change vanished
 * without a word.  Now both sessions come back with cfgd (their ids and
 * uncommitted changes are in RUN_DIR/candidates): nobody is told anything
 * was discarded, A commits exactly A's change and B exactly B's. */
Test(robustness, cfgd_restart_keeps_sessions_apart, .fini = lab_down, .timeout = 200)
{
	struct vty *a = setup_device();
	struct vty *b = lab_vty(DEV, 20000);
	cr_assert(b, "no second VTY session");
	char *out = NULL;
	static const char *const sysview[] = { "system-view", NULL };
	lab_lines(b, DEV, sysview);
	static const char *const a_edit[] = { "ntp-service unicast-server 10.1.1.1", NULL };
	lab_lines(a, DEV, a_edit);
	cr_expect_str_eq(vty_prompt(a), "[*DeviceC]");

	restart_cfgd();

	cr_assert_eq(lab_cmd(b, DEV, "ntp-service unicast-server 10.2.2.2", &out), 0);
	cr_expect_null(strstr(out, "Error:"), "%s", out);
	cr_expect_null(strstr(out, "discarded"), "B was told of a loss:\n%s", out);
	free(out);
	cr_expect_str_eq(vty_prompt(b), "[*DeviceC]");

	/* A's commit: A's change, never B's. */
	cr_assert_eq(lab_cmd(a, DEV, "commit", &out), 0);
	cr_expect_null(strstr(out, "discarded"), "A lost its change:\n%s", out);
	cr_expect_null(strstr(out, "Error:"), "%s", out);
	free(out);
	cr_expect_str_eq(vty_prompt(a), "[~DeviceC]");
	cr_assert_eq(lab_cmd(a, DEV, "display current-configuration", &out), 0);
	cr_expect_null(strstr(out, "10.2.2.2"), "A's commit committed B's edit:\n%s", out);
	cr_expect(strstr(out, "ntp-service unicast-server 10.1.1.1"), "A's edit is not in:\n%s",
		  out);
	free(out);

	/* B's candidate still holds B's change, and B's commit puts it in. */
	cr_assert_eq(lab_cmd(b, DEV, "display configuration candidate changes", &out), 0);
	cr_expect(strstr(out, "ntp-service unicast-server 10.2.2.2"), "B's candidate:\n%s", out);
	free(out);
	cr_assert_eq(lab_cmd(b, DEV, "commit", &out), 0);
	cr_expect_null(strstr(out, "Error:"), "%s", out);
	cr_expect_null(strstr(out, "Warning:"), "%s", out);
	free(out);
	cr_expect_str_eq(vty_prompt(b), "[~DeviceC]");
	static const char *const both[] = { "ntp-service unicast-server 10.1.1.1",
					    "ntp-service unicast-server 10.2.2.2", NULL };
	lab_expect_output(a, DEV, "display current-configuration", both);

	lab_vty_close(b);
	lab_vty_close(a);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* Whether dev's log of daemon holds text. */
static bool log_has(const char *daemon, const char *text)
{
	char path[400], line[1024];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.log", lab_dev(DEV)->dir, daemon);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

/* clid killed while a session holds uncommitted changes: the restarted
 * clid has cfgd close that orphaned session, the change is not committed,
 * and new sessions work. */
Test(robustness, clid_killed_mid_session, .fini = lab_down, .timeout = 200)
{
	struct vty *v = setup_device();
	char *out = NULL;
	static const char *const pending[] = { "ntp-service unicast-server 10.0.1.77", NULL };
	lab_lines(v, DEV, pending);
	cr_expect_str_eq(vty_prompt(v), "[*DeviceC]");

	int r = lab_kill(DEV, "clid");
	cr_assert_eq(r, 0, "clid not killed: %s", strerror(-r));
	lab_vty_close(v);
	cr_assert_eq(lab_script("start", DEV, "clid", NULL), 0, "clid did not start again");

	v = lab_vty(DEV, 30000);
	cr_assert(v, "no VTY session after clid's restart");
	double deadline = lab_now() + 10;
	while (!log_has("cfgd", "closed: clid restarted") && lab_now() < deadline)
		lab_pause_ms(100);
	cr_expect(log_has("cfgd", "closed: clid restarted"),
		  "cfgd did not close the session the killed clid left");
	cr_assert_eq(lab_cmd(v, DEV, "display current-configuration", &out), 0);
	cr_expect_null(strstr(out, "10.0.1.77"), "an uncommitted change was committed:\n%s", out);
	free(out);
	static const char *const more[] = { "system-view", "ntp-service unicast-server 10.0.1.78",
					    "commit", "return", NULL };
	lab_lines(v, DEV, more);
	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* The device's daemons stopped and started again without cfgd's files in
 * RUN_DIR (its checkpoint and journal): what a reboot does to a switch. */
static void reboot_device(void)
{
	static const char *const order[] = { "clid", "ntpd", "ifmgrd", "cfgd" };
	static const char *const files[] = { "checkpoint", "journal" };
	char path[400];

	for (size_t i = 0; i < 4; i++)
		cr_assert_eq(lab_script("stop", DEV, order[i], NULL), 0, "%s did not stop", order[i]);
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", lab_dev(DEV)->run_dir, files[i]);
		cr_assert_eq(remove(path), 0, "%s: %s", path, strerror(errno));
	}
	for (size_t i = 4; i-- > 0;)
		cr_assert_eq(lab_script("start", DEV, order[i], NULL), 0, "%s did not start",
			     order[i]);
}

Test(robustness, saved_configuration_survives_a_reboot, .fini = lab_down, .timeout = 200)
{
	struct vty *v = setup_device();
	char *out = NULL;

	cr_assert_eq(lab_cmd(v, DEV, "save", &out), 0);
	cr_expect(strstr(vty_prompt(v), "Continue? [Y/N]:"), "the question: %s", vty_prompt(v));
	free(out);
	cr_assert_eq(lab_cmd(v, DEV, "y", &out), 0);
	cr_assert(strstr(out, "Info: Save the configuration successfully."), "%s", out);
	free(out);
	cr_assert_eq(lab_cmd(v, DEV, "display current-configuration", &out), 0);
	char *saved = lab_normalize(out);
	free(out);
	cr_assert_eq(lab_cmd(v, DEV, "display saved-configuration", &out), 0);
	char *shown = lab_normalize(out);
	free(out);
	cr_expect_str_eq(shown, saved, "display saved-configuration");
	free(shown);

	/* Committed after the save: gone after the reboot, as on VRP. */
	static const char *const later[] = { "ntp-service unicast-server 10.0.1.99", "commit",
					     NULL };
	lab_lines(v, DEV, later);
	lab_vty_close(v);
	reboot_device();

	v = lab_vty(DEV, 30000);
	cr_assert(v, "no VTY session after the reboot");
	cr_expect_str_eq(vty_prompt(v), "<DeviceC>", "sysname lost");
	cr_assert_eq(lab_cmd(v, DEV, "display current-configuration", &out), 0);
	char *after = lab_normalize(out);
	free(out);
	cr_expect_str_eq(after, saved, "the configuration after the reboot");
	/* ntpd applied it: its own clock at stratum 2 again. */
	static const char *const status[] = { "clock status: synchronized", "clock stratum: 2",
					      NULL };
	bool ok = lab_wait_output(v, "display ntp-service status", status, 30000, &out);
	cr_expect(ok, "ntpd did not apply the saved configuration:\n%s", out ? out : "");
	free(out);
	free(saved);
	free(after);
	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
