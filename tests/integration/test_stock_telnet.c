/*
 * test_stock_telnet.c: an operator at Debian's own telnet client (package
 * telnet, netkit's), in a pseudo-terminal, logged into a lab device.
 *
 * The client runs under forkpty() inside the device's namespace (`ip netns
 * exec NS telnet 127.0.0.1 23`); the test types at the terminal as a person
 * would and reads the screen.  What it checks is what our own client
 * (tools/vtyclient) cannot show: that the stock client and clid agree on
 * the telnet options (the server echoes, the client goes to character
 * mode: every key reaches clid at once, nothing is echoed twice), that the
 * password is not echoed, and that TAB completion, `?` help, the arrow
 * keys (history), Ctrl-U and the Y/N question work from a real terminal.
 * Every wait has a deadline; the client is killed at teardown if it is
 * still there.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

#define TERM_TIMEOUT_MS 15000

/* The terminal: the client's pid, the pty master, and the screen text
 * read so far (seen: how much of it a term_expect() has consumed). */
static struct {
	pid_t pid;
	int fd;
	char screen[1 << 16];
	size_t len, seen;
} term = { .pid = -1, .fd = -1 };

static void term_close(void)
{
	if (term.pid > 0) {
		int st;

		kill(term.pid, SIGKILL);
		waitpid(term.pid, &st, 0);
		term.pid = -1;
	}
	if (term.fd >= 0)
		close(term.fd);
	term.fd = -1;
}

static void teardown(void)
{
	term_close();
	lab_down();
}

static void term_open(const char *dev)
{
	const struct lab_device *d = lab_dev(dev);
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };

	cr_assert_not_null(d);
	term.len = term.seen = 0;
	term.pid = forkpty(&term.fd, NULL, NULL, &ws);
	cr_assert_geq(term.pid, 0, "forkpty: %s", strerror(errno));
	if (term.pid == 0) {
		setenv("TERM", "vt100", 1);
		execlp("ip", "ip", "netns", "exec", d->ns, "telnet", "127.0.0.1", "23",
		       (char *)NULL);
		_exit(127);
	}
	fcntl(term.fd, F_SETFL, fcntl(term.fd, F_GETFL) | O_NONBLOCK);
}

/* Read what the terminal shows until `needle` appears past what earlier
 * calls consumed, or the deadline; true when found (then consumed up to
 * its end). */
static bool term_expect(const char *needle, int timeout_ms)
{
	double deadline = lab_now() + timeout_ms / 1000.0;

	for (;;) {
		char *at;

		term.screen[term.len] = '\0';
		at = strstr(term.screen + term.seen, needle);
		if (at) {
			term.seen = (size_t)(at - term.screen) + strlen(needle);
			return true;
		}
		double left = deadline - lab_now();
		if (left <= 0 || term.len + 1 >= sizeof(term.screen))
			return false;
		struct pollfd p = { .fd = term.fd, .events = POLLIN };
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		ssize_t n = read(term.fd, term.screen + term.len, sizeof(term.screen) - 1 - term.len);
		if (n <= 0 && errno != EAGAIN && errno != EINTR)
			return false;   /* the client has gone (EIO on the pty) */
		if (n > 0)
			term.len += (size_t)n;
	}
}

/* Assert that the screen shows needle next, saying what it shows instead. */
static void expect(const char *needle)
{
	cr_assert(term_expect(needle, TERM_TIMEOUT_MS), "the terminal did not show '%s'; it shows:\n%s",
		  needle, term.screen + term.seen);
}

/* Type keys at the terminal, one write per key, as a person would. */
static void type(const char *keys)
{
	for (const char *k = keys; *k; k++)
		cr_assert_eq(write(term.fd, k, 1), 1);
}

/* What the screen has shown since `from` (an offset into it), copied. */
static char *shown_since(size_t from)
{
	return strndup(term.screen + from, term.len - from);
}

Test(stock_telnet, operator_session, .fini = teardown, .timeout = 200)
{
	lab_require_root();
	if (access("/usr/bin/telnet", X_OK) != 0)
		cr_skip_test("Debian's telnet client is not installed (scripts/deps installs it)");
	cr_assert_eq(lab_up("DeviceC", NULL), 0, "the lab did not come up");

	/* clid may still be starting: the client says so and exits; retry. */
	double deadline = lab_now() + 20;
	for (;;) {
		term_open("DeviceC");
		if (term_expect("Username:", 3000))
			break;
		term_close();
		cr_assert(lab_now() < deadline, "no login prompt from clid:\n%s", term.screen);
	}

	/* The password is not echoed. */
	type("admin\r");
	expect("Password:");
	size_t mark = term.len;
	type(LAB_PASSWORD "\r");
	expect("<HUAWEI>");
	char *s = shown_since(mark);
	cr_assert_null(strstr(s, LAB_PASSWORD), "the password was echoed: %s", s);
	free(s);

	/* TAB completes a unique prefix; each key is echoed once. */
	type("sys\t");
	expect("system-view");
	type("\r");
	expect("[~HUAWEI]");
	mark = term.len;
	type("display ntp-service status\r");
	expect("clock status: unsynchronized");
	expect("[~HUAWEI]");
	s = shown_since(mark);
	cr_assert_not_null(strstr(s, "display ntp-service status"), "no echo: %s", s);
	cr_assert_null(strstr(s, "ddiissppllaayy"), "echoed twice: %s", s);
	free(s);

	/* `?` lists the next words; the line comes back as typed. */
	type("ntp-service refclock-master ?");
	expect("INTEGER<1-15>  Stratum of the local clock");
	expect("ntp-service refclock-master ");
	/* Ctrl-U clears it; a wrong line gets VRP's caret and error. */
	type("\x15" "sysnme DeviceC\r");
	expect("Error: Unrecognized command found at '^' position.");
	expect("[~HUAWEI]");

	/* A change, then the up arrow brings the last command back. */
	type("sysname DeviceC\r");
	expect("[*HUAWEI]");
	type("\x1b[A");
	expect("sysname DeviceC");
	type("\x15" "commit\r");
	expect("[~DeviceC]");

	/* The uncommitted-changes question at `return`, answered from the
	 * terminal: a wrong answer is refused, N discards. */
	type("sysname Other\r");
	expect("[*DeviceC]");
	type("return\r");
	expect("[Y(yes)/N(no)/C(cancel)]:");
	type("maybe\r");
	expect("Error: Please choose 'YES', 'NO' or 'CANCEL' first before pressing 'Enter'.");
	type("n\r");
	expect("<DeviceC>");

	/* quit in user view ends the session; the client says so and exits. */
	type("quit\r");
	expect("Connection closed by foreign host.");
	int st = 0;
	pid_t r = 0;
	for (deadline = lab_now() + 10; r == 0 && lab_now() < deadline; lab_pause_ms(100))
		r = waitpid(term.pid, &st, WNOHANG);
	cr_assert_eq(r, term.pid, "the telnet client did not exit");
	term.pid = -1;
	cr_expect(WIFEXITED(st), "telnet ended by a signal");
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
