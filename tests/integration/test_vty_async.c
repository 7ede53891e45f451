/*
 * test_vty_async.c: VTY sessions never wait on each other (issue 10, item
 * 4), over real telnet against a one-device lab.
 *
 *  - ntpd stopped (SIGSTOP): a commit of an NTP change waits for ntpd's
 *    apply; meanwhile another session's empty line and `display
 *    current-configuration` come back, before the commit answers;
 *  - cfgd stopped (SIGSTOP): an edit waits and then says the service is not
 *    available; meanwhile another session's line comes back; once cfgd
 *    runs again the waiting session works;
 *  - cfgd killed while a commit waits: the session learns it at once (long
 *    before the 10 s commit timeout) and works once cfgd is back;
 *  - 64 sessions (cli.max_vty = 64) each display the configuration; a 65th
 *    is refused;
 *  - a pasted block (one write of many lines on a raw socket) whose edits
 *    are pipelined shows each line's error and prompt in place, exactly as
 *    lines typed one by one would, and a refused line changes nothing;
 *  - three operator bugs: another session's `sysname` commit shows in the
 *    prompt, Ctrl-C at a question gives a new prompt of the view, `clear
 *    configuration candidate` keeps the interface view.
 *
 * The waiting session runs in a thread of its own (one vty per thread).
 * Bounds are generous, relative to the waiting call ("answered before it"),
 * never tight timings: the machine is shared.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab.h"

#define DEV "DeviceC"

/* A command run in a thread: the waiting session. */
struct waiter {
	struct vty *v;
	const char *line;
	int r;
	char *out;
	atomic_bool started, done;
	double t_done;
	pthread_t th;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;

	atomic_store(&w->started, true);
	w->r = vty_cmd(w->v, w->line, &w->out, 60000);
	w->t_done = lab_now();
	atomic_store(&w->done, true);
	return NULL;
}

static void waiter_start(struct waiter *w, struct vty *v, const char *line)
{
	memset(w, 0, sizeof(*w));
	w->v = v;
	w->line = line;
	cr_assert_eq(pthread_create(&w->th, NULL, waiter_main, w), 0);
	while (!atomic_load(&w->started))
		lab_pause_ms(1);
}

/* The line's output collected in a thread, after the line was typed here
 * and clid has taken it (its echo and line end are back): what comes next
 * (a daemon killed) happens with the call in flight, not before it. */
static void *waiter_wait_main(void *arg)
{
	struct waiter *w = arg;

	w->r = vty_wait(w->v, &w->out, 60000);
	w->t_done = lab_now();
	atomic_store(&w->done, true);
	return NULL;
}

static void waiter_start_taken(struct waiter *w, struct vty *v, const char *line)
{
	size_t mark = strlen(vty_transcript(v));
	char typed[256], echo[260];

	memset(w, 0, sizeof(*w));
	w->v = v;
	w->line = line;
	snprintf(typed, sizeof(typed), "%s\r\n", line);
	snprintf(echo, sizeof(echo), "%s\n", line);   /* after the prompt, in the transcript */
	cr_assert_eq(vty_more_keys(v, typed, strlen(typed)), 0);
	cr_assert_eq(vty_wait_text(v, mark, echo, NULL, 10000), 0, "'%s' was not taken:\n%s", line,
		     vty_transcript(v) + mark);
	cr_assert_eq(pthread_create(&w->th, NULL, waiter_wait_main, w), 0);
}

static void waiter_join(struct waiter *w)
{
	pthread_join(w->th, NULL);
	fprintf(stderr, "[%s] waiter '%s' -> %d:\n%s\n", DEV, w->line, w->r, w->out ? w->out : "");
}

static struct vty *device_up(void)
{
	return lab_up_vty(DEV);
}

static void cmd_ok(struct vty *v, const char *line)
{
	lab_cmd_ok(v, DEV, line);
}

static void signal_daemon(const char *daemon, int sig)
{
	pid_t pid = lab_pid(DEV, daemon);

	cr_assert_gt(pid, 0, "no %s", daemon);
	cr_assert_eq(kill(pid, sig), 0);
}

Test(vty_async, ntpd_stopped_commit_waits_alone, .fini = lab_down, .timeout = 300)
{
	struct vty *a = device_up(), *b = lab_vty(DEV, 20000);
	static const char *const want[] = { "ntp-service unicast-server 10.1.1.1", NULL };
	struct waiter w;
	char *out = NULL;

	cr_assert(b);
	cmd_ok(a, "system-view");
	cmd_ok(a, "ntp-service unicast-server 10.1.1.1");
	cmd_ok(b, "system-view");
	signal_daemon("ntpd", SIGSTOP);
	waiter_start(&w, a, "commit");
	/* Running has the server once cfgd published the commit, which then
	 * waits for ntpd's apply (ntpd is stopped). */
	bool published = lab_wait_output(b, "display current-configuration", want, 20000, &out);
	free(out);
	out = NULL;
	cr_expect(published, "the commit was not published");
	bool early = !atomic_load(&w.done);
	cr_assert_eq(lab_cmd(b, DEV, "", NULL), 0, "no echo of an empty line");
	cr_assert_eq(lab_cmd(b, DEV, "display current-configuration", &out), 0);
	bool still = !atomic_load(&w.done);
	cr_expect(strstr(out, "return") != NULL, "display current-configuration:\n%s", out);
	free(out);
	lab_note("vty_async: commit waiting for stopped ntpd: other session answered while it "
		 "waited: %s", early && still ? "yes" : "no");
	cr_expect(!early || still, "the other session waited for the commit");
	cr_expect(early, "the commit answered before the other session could ask");
	signal_daemon("ntpd", SIGCONT);
	waiter_join(&w);
	cr_expect_eq(w.r, 0, "the commit got no prompt");
	free(w.out);
	cr_expect_str_eq(vty_prompt(a), "[~HUAWEI]");
	cr_expect_eq(lab_finish(), 0);
}

Test(vty_async, cfgd_stopped_edit_times_out_alone, .fini = lab_down, .timeout = 300)
{
	struct vty *a = device_up(), *b = lab_vty(DEV, 20000);
	struct waiter w;
	char *out = NULL;

	cr_assert(b);
	cmd_ok(a, "system-view");
	cmd_ok(b, "system-view");
	signal_daemon("cfgd", SIGSTOP);
	waiter_start(&w, a, "sysname Stopped");
	for (int i = 0; i < 5; i++)
		cr_assert_eq(lab_cmd(b, DEV, "", NULL), 0, "no echo while cfgd is stopped");
	bool waiting = !atomic_load(&w.done);
	waiter_join(&w);
	cr_expect(waiting, "the other session's lines waited for cfgd's timeout");
	cr_expect_eq(w.r, 0);
	cr_expect(w.out && strstr(w.out, "Error: The configuration service is not available."),
		  "no clear error after the timeout:\n%s", w.out ? w.out : "");
	free(w.out);
	signal_daemon("cfgd", SIGCONT);
	/* The session stays usable. */
	cr_assert_eq(lab_cmd(a, DEV, "sysname Again", &out), 0);
	cr_expect(!strstr(out, "Error:"), "after cfgd came back:\n%s", out);
	free(out);
	cmd_ok(a, "commit");
	cr_expect_str_eq(vty_prompt(a), "[~Again]");
	cr_expect_eq(lab_finish(), 0);
}

Test(vty_async, cfgd_killed_mid_commit_fails_at_once, .fini = lab_down, .timeout = 300)
{
	struct vty *a = device_up(), *b = lab_vty(DEV, 20000);
	struct waiter w;
	char *out = NULL;

	cr_assert(b);
	cmd_ok(a, "system-view");
	cmd_ok(a, "sysname Killed");
	signal_daemon("cfgd", SIGSTOP);
	waiter_start_taken(&w, a, "commit");
	cr_assert_eq(lab_cmd(b, DEV, "", NULL), 0, "no echo while cfgd is stopped");
	pid_t pid = lab_pid(DEV, "cfgd");
	double t_kill = lab_now();
	cr_assert_eq(kill(pid, SIGKILL), 0);
	waiter_join(&w);
	/* The commit timeout is 10 s: learning it "at once" is well before. */
	lab_note("vty_async: commit answered %.3f s after cfgd was killed", w.t_done - t_kill);
	cr_expect_lt(w.t_done - t_kill, 8.0, "the session waited for the commit's timeout");
	cr_expect(w.out && strstr(w.out, "Error: The configuration service is not available."),
		  "commit after cfgd died:\n%s", w.out ? w.out : "");
	free(w.out);
	double deadline = lab_now() + 10;
	while (kill(pid, 0) == 0 && lab_now() < deadline)
		lab_pause_ms(20);
	cr_assert_eq(lab_script("start", DEV, "cfgd", NULL), 0, "cfgd did not start again");
	/* The session works again (a new cfgd session, as before). */
	deadline = lab_now() + 30;
	for (;;) {
		cr_assert_eq(lab_cmd(a, DEV, "sysname Back", &out), 0);
		if (!strstr(out, "not available") || lab_now() > deadline)
			break;
		free(out);
		lab_pause_ms(200);
	}
	cr_expect(!strstr(out, "Error:") || strstr(out, "Warning: The configuration service was "
						   "restarted"), "after cfgd's restart:\n%s", out);
	free(out);
	cmd_ok(a, "commit");
	cr_expect_str_eq(vty_prompt(a), "[~Back]");
	cr_expect_eq(lab_finish(), 0);
}

Test(vty_async, sixty_four_sessions, .fini = lab_down, .timeout = 300)
{
	enum { N = 64 };
	struct vty *v[N] = { 0 };
	const struct lab_device *d;
	char err[256];

	lab_require_root();
	setenv("LAB_MAX_VTY", "64", 1);
	cr_assert_eq(lab_up(DEV, NULL), 0, "the lab did not come up");
	unsetenv("LAB_MAX_VTY");
	d = lab_dev(DEV);
	for (int i = 0; i < N; i++) {
		v[i] = vty_connect(d->ns, "127.0.0.1", 23, 10000, err, sizeof(err));
		cr_assert(v[i], "session %d: %s", i, err);
		cr_assert_eq(vty_login(v[i], LAB_USER, LAB_PASSWORD, 20000), 0, "login %d:\n%s", i,
			     vty_transcript(v[i]));
	}
	/* Every one is served. */
	for (int i = 0; i < N; i++) {
		char *out = NULL;

		cr_assert_eq(vty_cmd(v[i], "display current-configuration", &out, 20000), 0,
			     "session %d", i);
		cr_expect(strstr(out, "return") != NULL, "session %d:\n%s", i, out);
		free(out);
	}
	/* The 65th is refused. */
	struct vty *extra = vty_connect(d->ns, "127.0.0.1", 23, 10000, err, sizeof(err));
	cr_assert(extra, "%s", err);
	cr_expect_neq(vty_login(extra, LAB_USER, LAB_PASSWORD, 10000), 0);
	cr_expect(strstr(vty_transcript(extra), "The number of VTY users has reached the maximum"),
		  "65th session:\n%s", vty_transcript(extra));
	vty_close(extra);
	for (int i = 0; i < N; i++)
		vty_close(v[i]);
	cr_expect_eq(lab_finish(), 0);
}

/* Read from fd until `want` is in buf (len so far) or the deadline; the
 * new length.  Telnet negotiation bytes stay in buf (the checks ignore
 * them). */
static size_t raw_wait(int fd, char *buf, size_t cap, size_t len, const char *want,
		       double deadline)
{
	while (!memmem(buf, len, want, strlen(want)) && lab_now() < deadline && len + 1 < cap) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

Test(vty_async, pasted_block_in_order, .fini = lab_down, .timeout = 300)
{
	static const char block[] =
		"system-view\r\n"
		"sysname Pasted\r\n"
		"ntp-service unicast-server 224.0.0.1\r\n"
		"bogus\r\n"
		"ntp-service unicast-server 10.9.9.9\r\n"
		"display configuration candidate changes\r\n"
		"commit\r\n";
	static const char want[] =
		"system-view\r\n"
		"[~HUAWEI]sysname Pasted\r\n"
		"[*HUAWEI]ntp-service unicast-server 224.0.0.1\r\n"
		"Error: The NTP server address 224.0.0.1 is not a unicast host address.\r\n"
		"[*HUAWEI]bogus\r\n"
		"         ^\r\n"
		"Error: Unrecognized command found at '^' position.\r\n"
		"[*HUAWEI]ntp-service unicast-server 10.9.9.9\r\n"
		"[*HUAWEI]display configuration candidate changes\r\n"
		"#\r\n-sysname HUAWEI\r\n+sysname Pasted\r\n#\r\n"
		"+ntp-service unicast-server 10.9.9.9\r\n#\r\n"
		"[*HUAWEI]commit\r\n"
		"[~Pasted]";
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(23) };
	static char buf[1 << 16];
	size_t len = 0;
	int ns, fd;

	lab_require_root();
	cr_assert_eq(lab_up(DEV, NULL), 0, "the lab did not come up");
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	double deadline = lab_now() + 30;
	for (;;) {
		ns = lab_netns_enter(DEV);
		cr_assert_geq(ns, 0);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		lab_netns_leave(ns);
		cr_assert_geq(fd, 0);
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			break;
		close(fd);
		cr_assert_lt(lab_now(), deadline, "cannot connect to clid");
		lab_pause_ms(200);
	}
	deadline = lab_now() + 30;
	len = raw_wait(fd, buf, sizeof(buf), len, "Username:", deadline);
	cr_assert(send(fd, LAB_USER "\r\n", strlen(LAB_USER) + 2, MSG_NOSIGNAL) > 0);
	len = raw_wait(fd, buf, sizeof(buf), len, "Password:", deadline);
	cr_assert(send(fd, LAB_PASSWORD "\r\n", strlen(LAB_PASSWORD) + 2, MSG_NOSIGNAL) > 0);
	len = raw_wait(fd, buf, sizeof(buf), len, "<HUAWEI>", deadline);
	cr_assert(strstr(buf, "<HUAWEI>"), "no login:\n%s", buf);
	len = 0;
	cr_assert_eq(send(fd, block, sizeof(block) - 1, MSG_NOSIGNAL), (ssize_t)(sizeof(block) - 1));
	len = raw_wait(fd, buf, sizeof(buf), len, "[~Pasted]", lab_now() + 60);
	fprintf(stderr, "[%s] pasted:\n%s\n", DEV, buf);
	cr_expect(strstr(buf, want), "the pasted block's transcript differs:\n%s", buf);
	close(fd);
	cr_expect_eq(lab_finish(), 0);
}

/* One lab for the three bugs. */
Test(vty_async, operator_bugs, .fini = lab_down, .timeout = 300)
{
	struct vty *a = device_up(), *b = lab_vty(DEV, 20000);
	char *out = NULL;

	cr_assert(b);
	/* Another session commits `sysname`: the next prompt shows it. */
	cmd_ok(a, "system-view");
	cmd_ok(b, "system-view");
	cmd_ok(b, "sysname Renamed");
	cmd_ok(b, "commit");
	cr_assert_eq(lab_cmd(a, DEV, "", NULL), 0);
	cr_expect_str_eq(vty_prompt(a), "[~Renamed]", "a's prompt after b's commit");

	/* Ctrl-C at the Y/N/C question: a new prompt of system view (the CR
	 * sent after it is then an empty line, not an answer). */
	cmd_ok(a, "ntp-service refclock-master 3");
	cr_assert_eq(lab_cmd(a, DEV, "quit", NULL), 0);
	cr_assert(strstr(vty_prompt(a), "[Y(yes)/N(no)/C(cancel)]:"), "no question: %s",
		  vty_prompt(a));
	cr_assert_eq(lab_cmd(a, DEV, "\x03", &out), 0);
	cr_expect_str_eq(vty_prompt(a), "[*Renamed]", "after Ctrl-C:\n%s", out);
	cr_expect(!strstr(out, "Error:"), "after Ctrl-C:\n%s", out);
	free(out);
	cmd_ok(a, "save");
	cr_assert(strstr(vty_prompt(a), "[Y/N]:"), "no save question: %s", vty_prompt(a));
	cr_assert_eq(lab_cmd(a, DEV, "\x03", NULL), 0);
	cr_expect_str_eq(vty_prompt(a), "[*Renamed]");

	/* clear configuration candidate in interface view stays there. */
	cmd_ok(a, "interface GigabitEthernet0/1/0");
	cmd_ok(a, "description uplink");
	cr_expect_str_eq(vty_prompt(a), "[*Renamed-GigabitEthernet0/1/0]");
	cmd_ok(a, "clear configuration candidate");
	cr_expect_str_eq(vty_prompt(a), "[~Renamed-GigabitEthernet0/1/0]");
	cr_expect_eq(lab_finish(), 0);
}
