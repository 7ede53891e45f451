/*
 * test_ssh.c: an operator at Debian's OpenSSH client logged into a lab
 * device's SSH (STelnet) server.
 *
 * The lab is brought up with LAB_SSH_PORT=22 (cli.ssh_port).  Each client
 * runs under forkpty() inside the device's namespace (`ip netns exec NS
 * sshpass -p PASSWORD ssh ... admin@127.0.0.1`), so ssh asks for a pty and
 * a shell as from a person's terminal; the test types and reads the
 * screen.  It checks the session is the VTY engine's (prompts, `?`, a
 * commit, the running configuration), that two clients are served at
 * once, that a wrong password is refused, and that ssh-keyscan sees the
 * ed25519 and RSA host keys of the files under STATE_DIR (mode 0600).
 * Without cli.ssh_port, `stelnet server enable` and `ssh server port`
 * start SSH from the configuration, and `undo telnet server enable` stops
 * new telnet sessions.  Public keys (ed25519 and RSA in OpenSSH encoding,
 * ecdsa as VRP's hex) log in through `ssh user` and the peer-public-key
 * views; SSH also listens on ::1; a client offering only weak algorithms
 * is refused and logged; SSH sessions count against maximum-vty.
 * Every wait has a deadline; clients still there at teardown are killed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/base64.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"
#include "pubkey.h"

#define TERM_TIMEOUT_MS 20000
#define N_TERMS 2

struct term {
	pid_t pid;
	int fd;
	char screen[1 << 16];
	size_t len, seen;
};

static struct term terms[N_TERMS] = { { .pid = -1, .fd = -1 }, { .pid = -1, .fd = -1 } };

static void term_close(struct term *t)
{
	if (t->pid > 0) {
		int st;

		kill(t->pid, SIGKILL);
		waitpid(t->pid, &st, 0);
		t->pid = -1;
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static void teardown(void)
{
	for (int i = 0; i < N_TERMS; i++)
		term_close(&terms[i]);
	lab_down();
}

static void term_open_host(struct term *t, const char *dev, const char *password,
			   const char *port, const char *host)
{
	const struct lab_device *d = lab_dev(dev);
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };

	cr_assert_not_null(d);
	t->len = t->seen = 0;
	t->pid = forkpty(&t->fd, NULL, NULL, &ws);
	cr_assert_geq(t->pid, 0, "forkpty: %s", strerror(errno));
	if (t->pid == 0) {
		setenv("TERM", "vt100", 1);
		execlp("ip", "ip", "netns", "exec", d->ns, "sshpass", "-p", password, "ssh",
		       "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
		       "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		       "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
		       "-o", "NumberOfPasswordPrompts=1",
		       "-p", port, "-l", LAB_USER, host, (char *)NULL);
		_exit(127);
	}
	fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK);
}

static void term_open_port(struct term *t, const char *dev, const char *password,
			   const char *port)
{
	term_open_host(t, dev, password, port, "127.0.0.1");
}

static void term_open(struct term *t, const char *dev, const char *password)
{
	term_open_port(t, dev, password, "22");
}

/* ssh with the private key file `key` only (no password asked). */
static void term_open_key(struct term *t, const char *dev, const char *key)
{
	const struct lab_device *d = lab_dev(dev);
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };

	cr_assert_not_null(d);
	t->len = t->seen = 0;
	t->pid = forkpty(&t->fd, NULL, NULL, &ws);
	cr_assert_geq(t->pid, 0, "forkpty: %s", strerror(errno));
	if (t->pid == 0) {
		setenv("TERM", "vt100", 1);
		execlp("ip", "ip", "netns", "exec", d->ns, "ssh",
		       "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
		       "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		       "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		       "-o", "PreferredAuthentications=publickey", "-i", key,
		       "-p", "22", LAB_USER "@127.0.0.1", (char *)NULL);
		_exit(127);
	}
	fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK);
}

/* Read the terminal until `needle` appears past what earlier calls
 * consumed, or the deadline; true when found. */
static bool term_expect(struct term *t, const char *needle, int timeout_ms)
{
	double deadline = lab_now() + timeout_ms / 1000.0;

	for (;;) {
		char *at;

		t->screen[t->len] = '\0';
		at = strstr(t->screen + t->seen, needle);
		if (at) {
			t->seen = (size_t)(at - t->screen) + strlen(needle);
			return true;
		}
		double left = deadline - lab_now();
		if (left <= 0 || t->len + 1 >= sizeof(t->screen))
			return false;
		struct pollfd p = { .fd = t->fd, .events = POLLIN };
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		ssize_t n = read(t->fd, t->screen + t->len, sizeof(t->screen) - 1 - t->len);
		if (n <= 0 && errno != EAGAIN && errno != EINTR)
			return false;   /* the client has gone (EIO on the pty) */
		if (n > 0)
			t->len += (size_t)n;
	}
}

static void expect(struct term *t, const char *needle)
{
	cr_assert(term_expect(t, needle, TERM_TIMEOUT_MS),
		  "the terminal did not show '%s'; it shows:\n%s", needle, t->screen + t->seen);
}

static void type(struct term *t, const char *keys)
{
	for (const char *k = keys; *k; k++)
		cr_assert_eq(write(t->fd, k, 1), 1);
}

/* Paste text at the terminal in one go (as a terminal's paste does),
 * reading the screen meanwhile so that neither side blocks. */
static void paste(struct term *t, const char *text)
{
	size_t off = 0, len = strlen(text);
	double deadline = lab_now() + TERM_TIMEOUT_MS / 1000.0;

	while (off < len) {
		struct pollfd p = { .fd = t->fd, .events = POLLIN | POLLOUT };

		cr_assert(lab_now() < deadline, "the paste did not go through (%zu of %zu)", off,
			  len);
		if (poll(&p, 1, 1000) <= 0)
			continue;
		if ((p.revents & POLLIN) && t->len + 1 < sizeof(t->screen)) {
			ssize_t n = read(t->fd, t->screen + t->len, sizeof(t->screen) - 1 - t->len);

			if (n > 0)
				t->len += (size_t)n;
		}
		if (p.revents & POLLOUT) {
			ssize_t n = write(t->fd, text + off, len - off);

			if (n > 0)
				off += (size_t)n;
		}
	}
}

/* The client's exit status, waiting up to 10 s; -1 if it is still there. */
static int term_wait_exit(struct term *t)
{
	int st = 0;
	pid_t r = 0;

	for (double deadline = lab_now() + 10; r == 0 && lab_now() < deadline;
	     lab_pause_ms(100))
		r = waitpid(t->pid, &st, WNOHANG);
	if (r != t->pid)
		return -1;
	t->pid = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void lab_with_ssh(void)
{
	lab_require_root();
	if (access("/usr/bin/ssh", X_OK) != 0 || access("/usr/bin/sshpass", X_OK) != 0)
		cr_skip_test("OpenSSH's client or sshpass is not installed (scripts/deps)");
	setenv("LAB_SSH_PORT", "22", 1);
	cr_assert_eq(lab_up("DeviceC", NULL), 0, "the lab did not come up");
}

Test(ssh, operator_session, .fini = teardown, .timeout = 240)
{
	struct term *a = &terms[0], *b = &terms[1];

	lab_with_ssh();
	term_open(a, "DeviceC", LAB_PASSWORD);
	expect(a, "<HUAWEI>");

	/* The VTY engine: display, `?`, TAB, a view, a commit. */
	type(a, "display version\r");
	expect(a, "Meridian software, Version");
	expect(a, "<HUAWEI>");
	type(a, "sys\t");
	expect(a, "system-view");
	type(a, "\r");
	expect(a, "[~HUAWEI]");
	type(a, "ntp-service refclock-master ?");
	expect(a, "INTEGER<1-15>  Stratum of the local clock");
	type(a, "\x15" "sysname DeviceC\r");
	expect(a, "[*HUAWEI]");
	type(a, "commit\r");
	expect(a, "[~DeviceC]");

	/* A pasted block: every line runs, in order (the edits pipelined).
	 * It is larger than the bridge's socket buffer (SSH_BRIDGE_SNDBUF):
	 * the rest waits in libssh and follows when the VTY has read. */
	char *block = malloc(1000 * 24 + 1);
	cr_assert_not_null(block);
	block[0] = '\0';
	for (int i = 0; i < 1000; i++)
		sprintf(block + strlen(block), "sysname Paste%d\r", i);
	strcat(block, "sysname DeviceC\r");
	paste(a, block);
	free(block);
	expect(a, "sysname Paste999");
	expect(a, "[*DeviceC]");   /* the prompt names the running sysname */
	expect(a, "sysname DeviceC");
	type(a, "commit\r");
	expect(a, "[~DeviceC]");

	/* A second client while the first is connected sees the commit. */
	term_open(b, "DeviceC", LAB_PASSWORD);
	expect(b, "<DeviceC>");
	type(b, "display current-configuration\r");
	expect(b, "sysname DeviceC");
	expect(b, "<DeviceC>");
	type(b, "display users\r");
	expect(b, "VTY 0    00:00:");
	expect(b, "SSH    127.0.0.1");
	expect(b, "VTY 1    00:00:00 SSH");
	type(b, "display ssh server session\r");
	expect(b, "Session 1:");
	expect(b, "Conn                          : VTY 1");
	expect(b, "Username                      : admin");
	expect(b, "Session 2:");
	expect(b, "Conn                          : VTY 0");
	/* Two sessions are more than the 24 rows of the pty: the pager stops. */
	expect(b, "---- More ----");
	type(b, " ");
	expect(b, "Service Type                  : stelnet");
	expect(b, "<DeviceC>");
	type(b, "display ssh server status\r");
	expect(b, "STELNET IPv4 server                        : Enable");
	expect(b, "SSH server port                            : 22");
	expect(b, "<DeviceC>");
	type(b, "quit\r");
	int rc = term_wait_exit(b);
	cr_assert_eq(rc, 0, "the second client did not end cleanly (%d):\n%s", rc, b->screen);

	/* The first is still served; a smaller window (window-change, as
	 * NAWS) makes the pager stop sooner. */
	type(a, "return\r");
	expect(a, "<DeviceC>");
	struct winsize ws = { .ws_row = 6, .ws_col = 80 };
	cr_assert_eq(ioctl(a->fd, TIOCSWINSZ, &ws), 0);
	kill(a->pid, SIGWINCH);
	double deadline = lab_now() + 10;
	bool paged = false;
	while (!paged && lab_now() < deadline) {
		/* The window-change may still be on its way: ask until it shows. */
		type(a, "display ssh server status\r");
		paged = term_expect(a, "---- More ----", 2000);
		if (paged)
			type(a, "q");
		expect(a, "<DeviceC>");
	}
	cr_assert(paged, "the pager did not follow the window's 6 rows");
	type(a, "quit\r");
	rc = term_wait_exit(a);
	cr_assert_eq(rc, 0, "the client did not end cleanly (%d):\n%s", rc, a->screen);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

Test(ssh, wrong_password_refused, .fini = teardown, .timeout = 120)
{
	struct term *a = &terms[0];

	lab_with_ssh();
	term_open(a, "DeviceC", "not-the-password");
	expect(a, "Permission denied");
	cr_assert_neq(term_wait_exit(a), 0, "ssh succeeded with a wrong password");
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* The public key (type and base64) of a private key file, from ssh-keygen. */
static char *public_key(const char *path)
{
	const char *argv[] = { "ssh-keygen", "-y", "-f", path, NULL };
	char *out = NULL, *sp;

	int rc = lab_run(NULL, "keygen", argv, 10000, &out);
	if (rc != 0)
		free(out);
	cr_assert_eq(rc, 0, "ssh-keygen -y %s", path);
	/* "ssh-ed25519 AAAA... comment": keep the first two words. */
	sp = strchr(out, ' ');
	cr_assert_not_null(sp);
	sp = strpbrk(sp + 1, " \n");
	if (sp)
		*sp = '\0';
	return out;
}

Test(ssh, host_keys, .fini = teardown, .timeout = 120)
{
	static const char *const names[] = { "ssh_host_ed25519_key", "ssh_host_rsa_key" };
	const struct lab_device *d;
	char *scan = NULL;

	lab_with_ssh();
	d = lab_dev("DeviceC");
	const char *argv[] = { "ssh-keyscan", "-t", "ed25519,rsa", "-p", "22", "127.0.0.1",
			       NULL };
	int rc = lab_run(d->ns, "keyscan", argv, 20000, &scan);
	if (rc != 0)
		free(scan);
	cr_assert_eq(rc, 0, "ssh-keyscan failed");
	for (size_t i = 0; i < 2; i++) {
		char path[512];
		struct stat st;

		snprintf(path, sizeof(path), "%s/state/%s", d->dir, names[i]);
		cr_assert_eq(stat(path, &st), 0, "%s: %s", path, strerror(errno));
		cr_expect_eq(st.st_mode & 0777, 0600, "%s has mode %o", path, st.st_mode & 0777);
		char *pub = public_key(path);
		cr_expect_not_null(strstr(scan, pub), "ssh-keyscan does not show %s:\n%s", pub,
				   scan);
		free(pub);
	}
	free(scan);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

Test(ssh, from_the_configuration, .fini = teardown, .timeout = 240)
{
	static const char *const enable[] = {
		"system-view", "stelnet server enable", "ssh server port 2222", "commit", NULL,
	};
	static const char *const want[] = {
		"stelnet server enable", "ssh server port 2222", "undo telnet server enable", NULL,
	};
	struct term *a = &terms[0];
	struct vty *v;

	lab_require_root();
	if (access("/usr/bin/ssh", X_OK) != 0 || access("/usr/bin/sshpass", X_OK) != 0)
		cr_skip_test("OpenSSH's client or sshpass is not installed (scripts/deps)");
	unsetenv("LAB_SSH_PORT");
	cr_assert_eq(lab_up("DeviceC", NULL), 0, "the lab did not come up");
	v = lab_vty("DeviceC", 20000);
	cr_assert_not_null(v);
	lab_lines(v, "DeviceC", enable);

	/* clid follows the commit: the listener comes (host keys first). */
	double deadline = lab_now() + 30;
	for (;;) {
		term_open_port(a, "DeviceC", LAB_PASSWORD, "2222");
		if (term_expect(a, "<HUAWEI>", 5000))
			break;
		term_close(a);
		cr_assert(lab_now() < deadline, "no SSH session on port 2222:\n%s", a->screen);
		lab_pause_ms(200);
	}

	/* Telnet off: a new telnet session is refused, the SSH one goes on. */
	type(a, "system-view\r");
	expect(a, "[~HUAWEI]");
	type(a, "undo telnet server enable\r");
	expect(a, "[*HUAWEI]");
	type(a, "commit\r");
	expect(a, "[~HUAWEI]");
	struct vty *v2 = NULL;
	for (deadline = lab_now() + 20; lab_now() < deadline; lab_pause_ms(200)) {
		v2 = lab_vty("DeviceC", 1000);
		if (!v2)
			break;
		lab_vty_close(v2);
	}
	cr_assert_null(v2, "telnet still logs in after undo telnet server enable");
	lab_expect_output(v, "DeviceC", "display current-configuration", want);

	/* And back on. */
	type(a, "telnet server enable\r");
	expect(a, "[*HUAWEI]");
	type(a, "commit\r");
	expect(a, "[~HUAWEI]");
	v2 = lab_vty("DeviceC", 20000);
	cr_assert_not_null(v2, "telnet does not come back");
	lab_vty_close(v2);
	lab_vty_close(v);
	type(a, "return\r");
	type(a, "quit\r");
	cr_expect_eq(term_wait_exit(a), 0, "the client did not end cleanly:\n%s", a->screen);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

Test(ssh, refused_by_protocol_inbound, .fini = teardown, .timeout = 120)
{
	static const char *const telnet_only[] = {
		"system-view", "user-interface vty 0 4", "protocol inbound telnet", "commit", NULL,
	};
	struct term *a = &terms[0];
	struct vty *v;

	lab_with_ssh();
	v = lab_vty("DeviceC", 20000);
	cr_assert_not_null(v);
	lab_lines(v, "DeviceC", telnet_only);
	/* clid follows the commit at once, but the subscription is
	 * asynchronous: retry until the session is refused. */
	double deadline = lab_now() + 20;
	for (;;) {
		term_open(a, "DeviceC", LAB_PASSWORD);
		bool prompt = term_expect(a, "<HUAWEI>", 5000);
		int rc = term_wait_exit(a);
		term_close(a);
		if (!prompt && rc >= 0)
			break;
		cr_assert(lab_now() < deadline, "SSH still logs in under protocol inbound telnet");
	}
	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* A fresh key pair made by ssh-keygen in the lab's directory: the private
 * key's path into path, the public key line (malloc'd) returned. */
static char *make_key(const char *type, const char *bits, const char *name, char *path,
		      size_t len)
{
	char pub[600], *line;
	FILE *f;

	snprintf(path, len, "%s/%s", lab_dir(), name);
	const char *argv[] = { "ssh-keygen", "-q", "-t", type, "-b", bits, "-N", "",
			       "-C", "op@pc", "-f", path, NULL };
	cr_assert_eq(lab_run(NULL, "keygen", argv, 30000, NULL), 0, "ssh-keygen -t %s", type);
	snprintf(pub, sizeof(pub), "%s.pub", path);
	f = fopen(pub, "r");
	cr_assert_not_null(f, "%s: %s", pub, strerror(errno));
	line = calloc(1, 4096);
	cr_assert(fgets(line, 4096, f));
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* The curve point of an ecdsa key line as VRP's hex (words of 8). */
static char *ecdsa_point_hex(const char *line)
{
	struct base64_decode_ctx d;
	const char *b64 = strchr(line, ' ') + 1;
	size_t n = strcspn(b64, " "), len = 512;
	uint8_t raw[512];
	char *hex = calloc(1, 1024);

	base64_decode_init(&d);
	cr_assert(base64_decode_update(&d, &len, raw, n, b64) && base64_decode_final(&d));
	/* string type (19), string curve (8), string point: the point last. */
	cr_assert_gt(len, 4 + 19 + 4 + 8 + 4);
	size_t off = 4 + 19 + 4 + 8 + 4;
	for (size_t i = off, k = 0; i < len; i++, k++)
		sprintf(hex + strlen(hex), "%s%02X", k && k % 4 == 0 ? " " : "", raw[i]);
	return hex;
}

/* Log in with a key: the prompt, and display ssh server session names
 * the authentication; then quit. */
static void key_login(struct term *t, const char *key, const char *how)
{
	char want[64];

	term_open_key(t, "DeviceC", key);
	expect(t, "<HUAWEI>");
	type(t, "display ssh server session | include Authentication\r");
	snprintf(want, sizeof(want), "Authentication Type           : %s", how);
	expect(t, want);
	expect(t, "<HUAWEI>");
	type(t, "quit\r");
	cr_assert_eq(term_wait_exit(t), 0, "the key session did not end cleanly:\n%s", t->screen);
	term_close(t);
}

static void key_refused(struct term *t, const char *key)
{
	term_open_key(t, "DeviceC", key);
	expect(t, "Permission denied");
	cr_assert_neq(term_wait_exit(t), 0, "ssh logged in with a key it should not");
	term_close(t);
}

Test(ssh, public_key_logins, .fini = teardown, .timeout = 300)
{
	char ed[512], ec[512], rsa[512], l1[512], l2[512];
	struct term *a = &terms[0];
	struct vty *v;

	lab_with_ssh();
	char *ed_line = make_key("ed25519", "256", "id_ed25519", ed, sizeof(ed));
	char *ec_line = make_key("ecdsa", "256", "id_ecdsa", ec, sizeof(ec));
	char *rsa_line = make_key("rsa", "2048", "id_rsa", rsa, sizeof(rsa));
	char *ec_hex = ecdsa_point_hex(ec_line);
	/* The RSA line is pasted over two lines, as a terminal wraps it. */
	snprintf(l1, sizeof(l1), "%.200s", rsa_line);
	snprintf(l2, sizeof(l2), "%s", rsa_line + strlen(l1));
	const char *const keys[] = {
		"system-view",
		"ecc peer-public-key edkey encoding-type openssh", "public-key-code begin",
		ed_line, "public-key-code end", "peer-public-key end",
		"ecc peer-public-key eckey", "public-key-code begin", ec_hex,
		"public-key-code end", "peer-public-key end",
		"rsa peer-public-key rsakey encoding-type openssh", "public-key-code begin",
		l1, l2, "public-key-code end", "peer-public-key end",
		"ssh user admin", "ssh user admin authentication-type all",
		"ssh user admin assign ecc-key edkey", "ssh user admin assign rsa-key rsakey",
		"commit", NULL,
	};
	const char *const want[] = {
		"ecc peer-public-key edkey encoding-type openssh", " public-key-code begin",
		" peer-public-key end", "ecc peer-public-key eckey", "rsa peer-public-key rsakey",
		"ssh user admin assign ecc-key edkey", "ssh user admin authentication-type all",
		NULL,
	};

	v = lab_vty("DeviceC", 20000);
	cr_assert_not_null(v);
	lab_lines(v, "DeviceC", keys);
	lab_expect_output(v, "DeviceC", "display current-configuration", want);
	lab_expect_output(v, "DeviceC", "display ssh user-information admin",
			  (const char *const[]){ "Username                : admin",
						 "Authentication-type     : all",
						 "User-public-key-name    : rsakey",
						 "User-public-key-type    : RSA",
						 "Total 1, 1 printed", NULL });

	/* A key that is not one is refused when typed. */
	const char *const bad[] = { "ecc peer-public-key bad", "public-key-code begin",
				    "04ABCD", NULL };
	char *out = NULL;
	lab_lines(v, "DeviceC", bad);
	cr_assert_eq(lab_cmd(v, "DeviceC", "public-key-code end", &out), 0);
	cr_assert(out && strstr(out, "Error: The ECC public key is not a point"), "%s", out);
	free(out);
	const char *const leave[] = { "peer-public-key end", NULL };
	lab_lines(v, "DeviceC", leave);

	/* clid follows the commit asynchronously: the first login may wait. */
	double deadline = lab_now() + 20;
	for (;;) {
		term_open_key(a, "DeviceC", ed);
		bool in = term_expect(a, "<HUAWEI>", 5000);
		term_close(a);
		if (in)
			break;
		cr_assert(lab_now() < deadline, "the ed25519 key does not log in:\n%s", a->screen);
		lab_pause_ms(200);
	}
	key_login(a, ed, "ecc");
	key_login(a, rsa, "rsa");
	key_refused(a, ec);        /* not the one assigned */

	/* The ecdsa key (typed as hex) assigned instead; rsa only. */
	const char *const swap[] = { "ssh user admin assign ecc-key eckey",
				     "ssh user admin authentication-type ecc", "commit", NULL };
	lab_lines(v, "DeviceC", swap);
	for (deadline = lab_now() + 20;;) {
		term_open_key(a, "DeviceC", ec);
		bool in = term_expect(a, "<HUAWEI>", 5000);
		term_close(a);
		if (in)
			break;
		cr_assert(lab_now() < deadline, "the ecdsa key does not log in:\n%s", a->screen);
		lab_pause_ms(200);
	}
	key_login(a, ec, "ecc");
	key_refused(a, ed);
	key_refused(a, rsa);       /* authentication-type ecc: no RSA */
	term_open(a, "DeviceC", LAB_PASSWORD);
	expect(a, "Permission denied");   /* nor a password */
	cr_assert_neq(term_wait_exit(a), 0);
	term_close(a);

	/* An assigned key can not go (refused as the edit arrives). */
	cr_assert_eq(lab_cmd(v, "DeviceC", "undo ecc peer-public-key eckey", &out), 0);
	cr_assert(out && strstr(out, "The ECC public key eckey assigned to SSH user admin does "
			       "not exist"), "%s", out);
	free(out);
	lab_vty_close(v);
	free(ed_line);
	free(ec_line);
	free(rsa_line);
	free(ec_hex);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* Whether the device's clid.log holds every needle, waiting up to 10 s. */
static bool clid_log_has(const char *dev, const char *const needles[])
{
	char path[512];

	snprintf(path, sizeof(path), "%s/clid.log", lab_dev(dev)->dir);
	for (double deadline = lab_now() + 10; lab_now() < deadline; lab_pause_ms(100)) {
		FILE *f = fopen(path, "r");
		char *text = calloc(1, 1 << 20);
		size_t n = f ? fread(text, 1, (1 << 20) - 1, f) : 0;
		bool all = n > 0;

		if (f)
			fclose(f);
		for (size_t i = 0; all && needles[i]; i++)
			all = strstr(text, needles[i]) != NULL;
		free(text);
		if (all)
			return true;
	}
	return false;
}

Test(ssh, ipv6_and_weak_algorithms, .fini = teardown, .timeout = 180)
{
	static const struct {
		const char *opt, *val, *client_says, *logged;
	} weak[] = {
		{ "-o", "KexAlgorithms=diffie-hellman-group1-sha1", "no matching key exchange",
		  "client [diffie-hellman-group1-sha1" },
		{ "-c", "3des-cbc", "no matching cipher", "client [3des-cbc" },
		{ "-o", "HostKeyAlgorithms=ssh-dss", "no matching host key type",
		  "client [ssh-dss" },
	};
	struct term *a = &terms[0];
	const struct lab_device *d;

	lab_with_ssh();
	d = lab_dev("DeviceC");

	/* SSH listens on IPv6 as telnet does (cli.address 0.0.0.0). */
	term_open_host(a, "DeviceC", LAB_PASSWORD, "22", "::1");
	expect(a, "<HUAWEI>");
	type(a, "display ssh server status\r");
	expect(a, "STELNET IPv4 server                        : Enable");
	expect(a, "STELNET IPv6 server                        : Enable");
	expect(a, "<HUAWEI>");
	type(a, "display users\r");
	expect(a, "SSH    ::1");
	expect(a, "<HUAWEI>");
	type(a, "quit\r");
	cr_assert_eq(term_wait_exit(a), 0, "the IPv6 client did not end cleanly:\n%s", a->screen);

	/* A client offering only weak algorithms is refused, and the log
	 * names it and what it offered. */
	for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
		const char *argv[] = { "ssh", "-F", "/dev/null", "-o", "BatchMode=yes",
				       "-o", "StrictHostKeyChecking=no",
				       "-o", "UserKnownHostsFile=/dev/null",
				       weak[i].opt, weak[i].val, "-p", "22",
				       "-l", LAB_USER, "127.0.0.1", "true", NULL };
		char *out = NULL;
		int rc = lab_run(d->ns, "weak", argv, 20000, &out);

		cr_expect_neq(rc, 0, "ssh %s %s was let in", weak[i].opt, weak[i].val);
		cr_expect(out && strstr(out, weak[i].client_says), "ssh %s %s says:\n%s",
			  weak[i].opt, weak[i].val, out ? out : "");
		free(out);
		const char *const logged[] = { "refusing 127.0.0.1:", "SSH-2.0-OpenSSH",
					       weak[i].logged, NULL };
		cr_expect(clid_log_has("DeviceC", logged), "clid.log does not say it refused "
			  "the client offering %s", weak[i].val);
	}
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

Test(ssh, session_limit, .fini = teardown, .timeout = 180)
{
	static const char *const two[] = {
		"system-view", "user-interface maximum-vty 2", "commit", NULL,
	};
	struct term *a = &terms[0], *b = &terms[1];
	struct vty *v, *v2;

	lab_with_ssh();
	v = lab_vty("DeviceC", 20000);        /* telnet: VTY 0 */
	cr_assert_not_null(v);
	lab_lines(v, "DeviceC", two);
	term_open(a, "DeviceC", LAB_PASSWORD);   /* SSH: VTY 1 */
	expect(a, "<HUAWEI>");

	/* A third session, SSH or telnet, finds no line (clid follows the
	 * commit asynchronously: retry until it is refused). */
	double deadline = lab_now() + 20;
	for (;;) {
		term_open(b, "DeviceC", LAB_PASSWORD);
		bool full = term_expect(b, "The number of VTY users has reached the maximum",
					5000);
		term_wait_exit(b);
		term_close(b);
		if (full)
			break;
		cr_assert(lab_now() < deadline, "a third session got a line:\n%s", b->screen);
		lab_pause_ms(200);
	}
	v2 = lab_vty("DeviceC", 3000);
	cr_assert_null(v2, "telnet got a line past maximum-vty 2 with an SSH session on one");

	/* The SSH session leaves: its line is free again. */
	type(a, "quit\r");
	cr_assert_eq(term_wait_exit(a), 0);
	term_close(a);
	term_open(b, "DeviceC", LAB_PASSWORD);
	expect(b, "<HUAWEI>");
	type(b, "display users\r");
	expect(b, "VTY 1");
	expect(b, "<HUAWEI>");
	type(b, "quit\r");
	cr_assert_eq(term_wait_exit(b), 0);
	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* n connections to 127.0.0.1:port from 127.0.0.first .. first+srcs-1 in
 * turn, made inside the device's namespace and never finished by us
 * (non-blocking connects; the handshake completes or not, as the server's
 * backlog allows).  With `hello`, each says it once it is connected: an
 * SSH banner, and then nothing more.  The fds go to fds[]. */
static void flood(const char *dev, int port, int n, int first, int srcs, const char *hello,
		  int *fds)
{
	int ns = lab_netns_enter(dev);

	cr_assert_geq(ns, 0);
	for (int i = 0; i < n; i++) {
		struct sockaddr_in src = { .sin_family = AF_INET };
		struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
		char a[32];

		snprintf(a, sizeof(a), "127.0.0.%d", first + i % srcs);
		inet_pton(AF_INET, a, &src.sin_addr);
		inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		cr_assert_geq(fds[i], 0, "socket: %s", strerror(errno));
		cr_assert_eq(bind(fds[i], (struct sockaddr *)&src, sizeof(src)), 0, "bind %s: %s", a,
			     strerror(errno));
		int r = connect(fds[i], (struct sockaddr *)&dst, sizeof(dst));
		cr_assert(r == 0 || errno == EINPROGRESS, "connect: %s", strerror(errno));
	}
	lab_netns_leave(ns);
	if (!hello)
		return;
	for (int i = 0; i < n; i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLOUT };

		if (poll(&p, 1, 2000) == 1 && (p.revents & POLLOUT))
			(void)!write(fds[i], hello, strlen(hello));
	}
}

/* 1,000 telnet connections that never log in and 100 SSH connections that
 * never authenticate, from ten addresses each: a legitimate telnet login
 * and a legitimate SSH login still get in within a second. */
Test(ssh, login_floods, .fini = teardown, .timeout = 240)
{
	static int tfds[1000], sfds[100];
	struct term *a = &terms[0];

	lab_with_ssh();
	/* Warm up: the first SSH login of a device loads its host keys. */
	term_open(a, "DeviceC", LAB_PASSWORD);
	expect(a, "<HUAWEI>");
	type(a, "quit\r");
	term_wait_exit(a);
	term_close(a);

	flood("DeviceC", 23, 1000, 2, 10, NULL, tfds);
	flood("DeviceC", 22, 100, 20, 10, "SSH-2.0-flood\r\n", sfds);

	double t0 = lab_now();
	struct vty *v = lab_vty("DeviceC", 5000);
	double took = lab_now() - t0;
	cr_assert_not_null(v, "no telnet login under the flood");
	lab_note("telnet login under the flood: %.3f s", took);
	cr_expect_lt(took, 1.0, "the telnet login took %.3f s under the flood", took);
	lab_expect_output(v, "DeviceC", "display users",
			  (const char *const[]){ "127.0.0.1", NULL });

	t0 = lab_now();
	term_open(a, "DeviceC", LAB_PASSWORD);
	expect(a, "<HUAWEI>");
	took = lab_now() - t0;
	lab_note("SSH login under the flood: %.3f s", took);
	cr_expect_lt(took, 1.0, "the SSH login took %.3f s under the flood", took);
	type(a, "quit\r");
	cr_expect_eq(term_wait_exit(a), 0);

	for (size_t i = 0; i < 1000; i++)
		close(tfds[i]);
	for (size_t i = 0; i < 100; i++)
		close(sfds[i]);
	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
