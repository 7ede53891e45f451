/*
 * test_daemon.c: the daemon skeleton (common/daemon.c) as systemd sees it.
 *
 * Each test runs daemon_main() in a forked child with a small bootstrap
 * file and NOTIFY_SOCKET pointing at a datagram socket of the test, which
 * records every notification with the time it arrived:
 *  - READY=1, then WATCHDOG=1 every WATCHDOG_USEC/2 while the loop turns,
 *    none while a loop callback blocks (the sleep is the thing under test),
 *    petting again once the loop turns, STOPPING=1 and exit status 0;
 *  - no WATCHDOG=1 when systemd did not ask, or asked another pid;
 *  - a failed start: STATUS= says why, no READY=1, exit status 1;
 *  - a bad bootstrap file: exit status 2 (the units' RestartPreventExitStatus);
 *  - the bind helpers: a socket at RUN_DIR/DAEMON.KIND, or a sentence.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "clone.h"
#include "daemon.h"
#include "loop.h"
#include "testutil.h"

#define MAX_NOTES 256

struct note {
	uint64_t t_us;
	char text[512];
};

struct rig {
	char *dir;
	char bootstrap[512];
	char notify_path[512];
	int notify_fd;
	struct note notes[MAX_NOTES];
	size_t n;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void rig_init(struct rig *r, const char *extra)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char text[1024];

	memset(r, 0, sizeof(*r));
	r->dir = tmpdir_new();
	cr_assert_not_null(r->dir);
	snprintf(r->bootstrap, sizeof(r->bootstrap), "%s/meridian.conf", r->dir);
	snprintf(text, sizeof(text), "run_dir = \"%s/run\";\nstate_dir = \"%s/state\";\n%s",
		 r->dir, r->dir, extra ? extra : "");
	write_file(r->bootstrap, text);
	snprintf(r->notify_path, sizeof(r->notify_path), "%s/notify", r->dir);
	r->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(r->notify_fd, 0);
	cr_assert_lt(strlen(r->notify_path), sizeof(sa.sun_path));
	memcpy(sa.sun_path, r->notify_path, strlen(r->notify_path) + 1);
	cr_assert_eq(bind(r->notify_fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind %s: %s",
		     r->notify_path, strerror(errno));
}

static void rig_fini(struct rig *r)
{
	close(r->notify_fd);
	tmpdir_free(r->dir);
}

/* Run ops in a child with this environment (watchdog_pid: "self" for the
 * child's own pid, NULL to leave it unset); collect notifications until
 * the child has exited and the socket is empty, or timeout_ms.  The
 * child's exit status, or -1 when it had to be killed. */
static int rig_run(struct rig *r, const struct daemon_ops *ops, const char *watchdog_usec,
		   const char *watchdog_pid, int timeout_ms)
{
	uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000u;
	int status = -1;
	bool exited = false;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char *argv[] = { "meridian-test", "-f", r->bootstrap, NULL };
		char pidbuf[32];

		setenv("NOTIFY_SOCKET", r->notify_path, 1);
		unsetenv("WATCHDOG_USEC");
		unsetenv("WATCHDOG_PID");
		if (watchdog_usec)
			setenv("WATCHDOG_USEC", watchdog_usec, 1);
		if (watchdog_pid && strcmp(watchdog_pid, "self") == 0) {
			snprintf(pidbuf, sizeof(pidbuf), "%ld", (long)getpid());
			setenv("WATCHDOG_PID", pidbuf, 1);
		} else if (watchdog_pid) {
			setenv("WATCHDOG_PID", watchdog_pid, 1);
		}
		_exit(daemon_main(3, argv, ops));
	}
	for (;;) {
		struct pollfd pfd = { .fd = r->notify_fd, .events = POLLIN };
		uint64_t t = now_us();
		int w;

		if (t >= deadline)
			break;
		w = poll(&pfd, 1, exited ? 0 : 10);
		if (w > 0) {
			char buf[sizeof(r->notes[0].text)];
			ssize_t n = recv(r->notify_fd, buf, sizeof(buf) - 1, 0);

			if (n > 0 && r->n < MAX_NOTES) {
				buf[n] = '\0';
				r->notes[r->n].t_us = now_us();
				memcpy(r->notes[r->n].text, buf, (size_t)n + 1);
				r->n++;
			}
			continue;
		}
		if (exited)
			break;
		if (waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
	}
	if (!exited) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static ssize_t find_note(const struct rig *r, const char *text, size_t from)
{
	for (size_t i = from; i < r->n; i++)
		if (strcmp(r->notes[i].text, text) == 0)
			return (ssize_t)i;
	return -1;
}

/* --- a daemon whose loop blocks for a while, then stops ------------------- */

#define WATCHDOG_US   200000u   /* WATCHDOG_USEC: pets every 100 ms */
#define TURN_US       450000u   /* the loop turns this long before and after */
#define BLOCK_US      700000u   /* the callback that blocks the loop */

static void stop_now(struct loop *loop, void *arg)
{
	(void)arg;
	loop_stop(loop);
}

static void block_loop(struct loop *loop, void *arg)
{
	(void)arg;
	sd_notify(0, "STATUS=blocked");
	usleep(BLOCK_US);
	sd_notify(0, "STATUS=unblocked");
	loop_timer_add(loop, TURN_US, stop_now, NULL);
}

static int blocking_start(struct daemon *d, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	loop_timer_add(d->loop, TURN_US, block_loop, NULL);
	return 0;
}

static int quick_start(struct daemon *d, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	loop_timer_add(d->loop, TURN_US, stop_now, NULL);
	return 0;
}

static int failing_start(struct daemon *d, char *err, size_t errlen)
{
	(void)d;
	snprintf(err, errlen, "the test says no");
	return -EADDRINUSE;
}

static void nothing_to_stop(struct daemon *d)
{
	(void)d;
}

Test(daemon, watchdog_pets_only_while_the_loop_turns, .timeout = 30)
{
	static const struct daemon_ops ops = { .name = "testd", .start = blocking_start, .stop = nothing_to_stop };
	struct rig r;
	ssize_t ready, blocked, unblocked, stopping;
	size_t before = 0, after = 0;
	uint64_t last = 0;
	char usec[32];

	rig_init(&r, NULL);
	snprintf(usec, sizeof(usec), "%u", WATCHDOG_US);
	cr_assert_eq(rig_run(&r, &ops, usec, "self", 20000), 0);

	ready = find_note(&r, "READY=1", 0);
	blocked = find_note(&r, "STATUS=blocked", 0);
	unblocked = find_note(&r, "STATUS=unblocked", 0);
	stopping = find_note(&r, "STOPPING=1", 0);
	cr_assert_eq(ready, 0, "the first notification is READY=1");
	cr_assert(blocked > ready && unblocked == blocked + 1 && stopping > unblocked,
		  "READY %zd, blocked %zd, unblocked %zd, STOPPING %zd", ready, blocked, unblocked,
		  stopping);
	cr_assert_eq((size_t)stopping, r.n - 1, "STOPPING=1 is the last notification");

	/* While the loop turns: one pet every WATCHDOG_US/2, never sooner
	 * (a loop timer never fires early), later by at most what a loaded
	 * test machine under ASan delays a timer. */
	last = r.notes[ready].t_us;
	for (ssize_t i = ready + 1; i < blocked; i++) {
		cr_assert_str_eq(r.notes[i].text, "WATCHDOG=1");
		cr_assert_geq(r.notes[i].t_us - last, WATCHDOG_US / 2 - 5000,
			      "pet %zd came %.1f ms after the previous one", i,
			      (r.notes[i].t_us - last) / 1000.0);
		cr_assert_leq(r.notes[i].t_us - last, WATCHDOG_US / 2 + 250000,
			      "pet %zd came %.1f ms after the previous one", i,
			      (r.notes[i].t_us - last) / 1000.0);
		last = r.notes[i].t_us;
		before++;
	}
	cr_assert_geq(before, 2, "%zu pets in the %u ms before the block", before,
		      TURN_US / 1000);
	/* The block: nothing between "blocked" and "unblocked" (adjacent), and
	 * those are as far apart as the callback slept. */
	cr_assert_geq(r.notes[unblocked].t_us - r.notes[blocked].t_us, BLOCK_US - 5000);
	/* Turning again: petting resumes. */
	for (ssize_t i = unblocked + 1; i < stopping; i++) {
		cr_assert_str_eq(r.notes[i].text, "WATCHDOG=1");
		after++;
	}
	cr_assert_geq(after, 2, "%zu pets after the block", after);
	rig_fini(&r);
}

Test(daemon, no_watchdog_unless_asked_for_this_pid, .timeout = 30)
{
	static const struct daemon_ops ops = { .name = "testd", .start = quick_start, .stop = nothing_to_stop };
	struct rig r;

	rig_init(&r, NULL);
	cr_assert_eq(rig_run(&r, &ops, NULL, NULL, 20000), 0);
	cr_assert_eq(r.n, 2, "%zu notifications", r.n);
	cr_assert_str_eq(r.notes[0].text, "READY=1");
	cr_assert_str_eq(r.notes[1].text, "STOPPING=1");
	rig_fini(&r);

	rig_init(&r, NULL);
	cr_assert_eq(rig_run(&r, &ops, "200000", "1", 20000), 0);   /* for pid 1, not us */
	cr_assert_eq(find_note(&r, "WATCHDOG=1", 0), -1);
	rig_fini(&r);
}

Test(daemon, a_failed_start_says_why_and_exits_1, .timeout = 30)
{
	static const struct daemon_ops ops = { .name = "testd", .start = failing_start, .stop = nothing_to_stop };
	struct rig r;

	rig_init(&r, NULL);
	cr_assert_eq(rig_run(&r, &ops, "200000", "self", 20000), 1);
	cr_assert_eq(r.n, 1, "%zu notifications", r.n);
	cr_assert_str_eq(r.notes[0].text, "STATUS=cannot start: the test says no");
	rig_fini(&r);
}

Test(daemon, a_bad_bootstrap_file_exits_2, .timeout = 30)
{
	static const struct daemon_ops ops = { .name = "testd", .start = quick_start, .stop = nothing_to_stop };
	struct rig r;

	rig_init(&r, "no_such_key = 1;\n");
	cr_assert_eq(rig_run(&r, &ops, NULL, NULL, 20000), 2);
	cr_assert_eq(find_note(&r, "READY=1", 0), -1);
	rig_fini(&r);
}

/* --- the bind helpers ------------------------------------------------------ */

static void no_request(struct bus_server *srv, const struct bus_peer *peer, const uint8_t *data,
		       size_t len, void *arg)
{
	(void)srv;
	(void)peer;
	(void)data;
	(void)len;
	(void)arg;
}

Test(daemon, bind_helpers)
{
	struct bootstrap bs;
	struct loop *loop = loop_new();
	void *zctx = zmq_ctx_new();
	char *dir = tmpdir_new();
	char path[1024], err[256] = "";
	struct bus_server *srv;
	struct clone_pub *pub;
	char *long_dir;

	bootstrap_defaults(&bs);
	free(bs.run_dir);
	bs.run_dir = xasprintf("%s/run/sub", dir);   /* parents made as needed */
	srv = daemon_bind_server(loop, zctx, &bs, "testd", "ctl", no_request, NULL, err,
				 sizeof(err));
	cr_assert_not_null(srv, "%s", err);
	pub = daemon_bind_pub(loop, zctx, &bs, "testd", "pub", "test", err, sizeof(err));
	cr_assert_not_null(pub, "%s", err);
	snprintf(path, sizeof(path), "%s/testd.ctl", bs.run_dir);
	cr_assert_eq(access(path, F_OK), 0, "%s", path);
	snprintf(path, sizeof(path), "%s/testd.pub", bs.run_dir);
	cr_assert_eq(access(path, F_OK), 0, "%s", path);
	clone_pub_free(pub);
	bus_server_free(srv);

	long_dir = xmalloc(5000);
	memset(long_dir, 'x', 4999);
	long_dir[0] = '/';
	long_dir[4999] = '\0';
	free(bs.run_dir);
	bs.run_dir = long_dir;
	errno = 0;
	cr_assert_null(daemon_bind_server(loop, zctx, &bs, "testd", "ctl", no_request, NULL, err,
					  sizeof(err)));
	cr_assert_eq(errno, ENAMETOOLONG);
	cr_assert_not_null(strstr(err, "run_dir too long"), "%s", err);
	cr_assert_null(daemon_bind_pub(loop, zctx, &bs, "testd", "pub", "test", err, sizeof(err)));
	cr_assert_eq(errno, ENAMETOOLONG);

	free(bs.run_dir);
	bs.run_dir = xstrdup("/proc/no-such-dir");   /* cannot be made */
	cr_assert_null(daemon_bind_server(loop, zctx, &bs, "testd", "ctl", no_request, NULL, err,
					  sizeof(err)));
	cr_assert_not_null(strstr(err, "cannot bind ipc:///proc/no-such-dir/testd.ctl: "), "%s",
			   err);

	bootstrap_free(&bs);
	zmq_ctx_term(zctx);
	loop_free(loop);
	tmpdir_free(dir);
}
