/*
 * cfgdready.c: how long a restarted cfgd takes to be ready (issue 10), for
 * tests/bench/config and by hand.
 *
 *   cfgdready fill    --run-dir DIR --rules N [--commits C]
 *   cfgdready restart --cfgd BIN --conf FILE --run-dir DIR [--restarts R]
 *                     [--log FILE] [--timeout-ms MS]
 *
 * fill: against the cfgd serving ipc://DIR/cfgd.ctl, what the benchmark's
 *   telnet sessions do, over the ctl socket: one session sets `acl number
 *   2000` with N rules `rule I permit source 10.X.Y.Z 0` (in edit requests
 *   of 1,000 rules) and commits them, then C (100) times adds
 *   `ntp-service unicast-server 10.9.X.Y` and commits.  So cfgd's own code
 *   writes RUN_DIR/checkpoint and RUN_DIR/journal as a device beside N
 *   lines has them (the big commit's record in the journal, a checkpoint
 *   written in the background after CKPT_EVERY commits).  Prints one line,
 *   fill_s=... commit_s=... (the big commit alone).
 *
 * restart: R (5) times: start BIN -f FILE (stdout and stderr appended to
 *   --log, default /dev/null), and time from just before the fork until
 *   the first answer (status 0) on its ctl socket to a HistoryRequest
 *   for the newest commit (what `display configuration commit list` asks;
 *   it needs nothing but the history's metadata).  The request is queued
 *   on a DEALER connected before the fork with a 1 ms reconnect interval,
 *   so the answer comes within about a millisecond of cfgd's loop first
 *   reading its socket: "ready" is "serves a request", which includes the
 *   exec, the dynamic linker, reading the checkpoint and the journal, the
 *   candidates' log and binding the sockets.  Then SIGTERM and wait for
 *   the exit, and the next start.  A stale ctl socket file is removed
 *   first.  Prints restart_ms=T1,T2,... restart_cpu_ms=C1,C2,... (the CPU
 *   time cfgd's main thread had used when it answered, from
 *   /proc/PID/schedstat: less noisy than the wall time on a busy machine)
 *   and a line "cfgd restart to ready: MEDIAN ms [MIN-MAX] ..." on stderr.  Exit 1 when cfgd exits or does not
 *   answer within --timeout-ms (10000).
 *
 * Build (tests/bench/config does): cc -I BUILD/proto cfgdready.c benchctl.c
 * BUILD/proto/libmproto.a -lprotobuf-c -lzmq.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "benchctl.h"

#define CHUNK 1000

/* Rules from..to-1 of acl 2000 as one SET. */
static void edit_rules(void *s, uint64_t session, unsigned from, unsigned to)
{
	Config cfg = CONFIG__INIT;
	Acl acl = ACL__INIT, *acls[1] = { &acl };
	AclRule *rules = xcalloc(to - from, sizeof(*rules));
	AclRule **rv = xcalloc(to - from, sizeof(*rv));

	for (unsigned i = from; i < to; i++) {
		AclRule *r = &rules[i - from];

		acl_rule__init(r);
		r->id = xasprintf("%u", i);
		r->source = xasprintf("10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		r->wildcard = strdup("0.0.0.0");
		rv[i - from] = r;
	}
	acl.number = "2000";
	acl.n_rule = to - from;
	acl.rule = rv;
	cfg.n_acl = 1;
	cfg.acl = acls;
	edit_root(s, session, &cfg);
	for (unsigned i = 0; i < to - from; i++) {
		free(rules[i].id);
		free(rules[i].source);
		free(rules[i].wildcard);
	}
	free(rules);
	free(rv);
}

static void edit_server(void *s, uint64_t session, unsigned i)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpAssociation a = NTP_ASSOCIATION__INIT, *av[1] = { &a };

	a.address = xasprintf("10.9.%u.%u", (i >> 8) & 255, i & 255);
	ntp.n_unicast_server = 1;
	ntp.unicast_server = av;
	cfg.ntp = &ntp;
	edit_root(s, session, &cfg);
	free(a.address);
}

static int fill(const char *run_dir, unsigned rules, unsigned commits)
{
	void *zctx = zmq_ctx_new();
	void *s = ctl_socket(zctx, run_dir);
	uint64_t session = session_open(s, "cfgdready"), t0 = now_us(), t1;

	for (unsigned i = 1; i <= rules; i += CHUNK)
		edit_rules(s, session, i, i + CHUNK <= rules + 1 ? i + CHUNK : rules + 1);
	t1 = now_us();
	cfg_reply__free_unpacked(commit_now(s, session), NULL);
	t1 = now_us() - t1;
	for (unsigned i = 0; i < commits; i++) {
		edit_server(s, session, i);
		cfg_reply__free_unpacked(commit_now(s, session), NULL);
	}
	session_close(s, session);
	printf("fill_s=%.3f commit_s=%.3f\n", (now_us() - t0) / 1e6, t1 / 1e6);
	zmq_close(s);
	zmq_ctx_term(zctx);
	return 0;
}

/* ---- restart ---- */

/* CPU time of pid's main thread so far (ms), from /proc/PID/schedstat
 * (nanoseconds on the CPU), or -1. */
static double cpu_ms(pid_t pid)
{
	char path[64];
	unsigned long long ns;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fscanf(f, "%llu", &ns);
	fclose(f);
	return n == 1 ? ns / 1e6 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Start cfgd and time it to its first answer (*cpu: its main thread's CPU
 * time then); stop it again.  ms. */
static double one_restart(void *zctx, const char *bin, const char *conf, const char *run_dir,
			  const char *log, int timeout_ms, double *cpu)
{
	char *sock = xasprintf("%s/cfgd.ctl", run_dir);
	CfgRequest req = CFG_REQUEST__INIT;
	HistoryRequest hr = HISTORY_REQUEST__INIT;
	CfgReply *r = NULL;
	uint64_t t0, deadline;
	double ms = -1;
	void *s;
	pid_t pid;
	int status;

	(void)unlink(sock);
	free(sock);
	hr.has_max = 1;
	hr.max = 1;
	req.req_case = CFG_REQUEST__REQ_HISTORY;
	req.history = &hr;
	s = ctl_socket(zctx, run_dir);
	t0 = now_us();
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setsid();
		execl(bin, bin, "-f", conf, (char *)NULL);
		_exit(127);
	}
	/* One request, queued on the pipe the DEALER made at connect: it
	 * reaches cfgd once cfgd binds and accepts the connection. */
	send_req(s, 1, &req);
	deadline = t0 + (uint64_t)timeout_ms * 1000u;
	while (now_us() < deadline) {
		r = recv_reply(s, 1, 20);
		if (r) {
			if (r->status != 0)
				die("cfgd answered with status %d: %s", r->status,
				    r->error ? r->error : "?");
			ms = (now_us() - t0) / 1000.0;
			*cpu = cpu_ms(pid);
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			die("%s exited (status %d) before answering; see %s", bin, status, log);
	}
	if (r)
		cfg_reply__free_unpacked(r, NULL);
	zmq_close(s);
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	if (ms < 0)
		die("%s did not answer within %d ms; see %s", bin, timeout_ms, log);
	return ms;
}

static int restart(const char *bin, const char *conf, const char *run_dir, const char *log,
		   unsigned n, int timeout_ms)
{
	void *zctx = zmq_ctx_new();
	double *ms = xcalloc(n, sizeof(*ms)), *cpu = xcalloc(n, sizeof(*cpu));

	for (unsigned i = 0; i < n; i++)
		ms[i] = one_restart(zctx, bin, conf, run_dir, log, timeout_ms, &cpu[i]);
	printf("restart_ms=");
	for (unsigned i = 0; i < n; i++)
		printf("%s%.1f", i ? "," : "", ms[i]);
	printf(" restart_cpu_ms=");
	for (unsigned i = 0; i < n; i++)
		printf("%s%.1f", i ? "," : "", cpu[i]);
	printf("\n");
	qsort(ms, n, sizeof(*ms), cmp_double);
	qsort(cpu, n, sizeof(*cpu), cmp_double);
	fprintf(stderr, "cfgd restart to ready: %.1f ms [%.1f-%.1f] over %u restarts "
		"(main thread's CPU time by then: %.1f ms [%.1f-%.1f])\n",
		ms[(n - 1) / 2], ms[0], ms[n - 1], n, cpu[(n - 1) / 2], cpu[0], cpu[n - 1]);
	free(ms);
	free(cpu);
	zmq_ctx_term(zctx);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: cfgdready fill --run-dir DIR --rules N [--commits C]\n"
			"       cfgdready restart --cfgd BIN --conf FILE --run-dir DIR [--restarts R]\n"
			"                         [--log FILE] [--timeout-ms MS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "run-dir", required_argument, NULL, 'd' },
		{ "rules", required_argument, NULL, 'n' },
		{ "commits", required_argument, NULL, 'c' },
		{ "cfgd", required_argument, NULL, 'b' },
		{ "conf", required_argument, NULL, 'f' },
		{ "restarts", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *run_dir = NULL, *bin = NULL, *conf = NULL, *log = "/dev/null";
	unsigned rules = 0, commits = 100, restarts = 5;
	int timeout_ms = 10000, c;

	if (argc < 2)
		usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': run_dir = optarg; break;
		case 'n': rules = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': commits = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b': bin = optarg; break;
		case 'f': conf = optarg; break;
		case 'r': restarts = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': log = optarg; break;
		case 't': timeout_ms = atoi(optarg); break;
		default: usage();
		}
	}
	if (run_dir == NULL)
		usage();
	bench_prog = "cfgdready";
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[1], "fill") == 0 && rules > 0)
		return fill(run_dir, rules, commits);
	if (strcmp(argv[1], "restart") == 0 && bin && conf && restarts > 0 && timeout_ms > 0)
		return restart(bin, conf, run_dir, log, restarts, timeout_ms);
	usage();
}
