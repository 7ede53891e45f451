/*
 * test_vtyclient.c: tools/vtyclient against a scripted fake telnet server
 * (a forked child on an ephemeral loopback port): negotiation (NAWS 80 x
 * VTY_DEFAULT_ROWS, or a window set before login),
 * login, prompts, echo and output split, terminal rendering (backspace,
 * CR, erase, cursor left, tabs), "---- More ----" paging (answered by the
 * client, or by hand, with clid's erasure of the prompt), Y/N questions,
 * wrong credentials, deadlines and a closed connection.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vtyclient.h"

#define IAC 255
#define SB 250
#define SE 240

struct fake {
	int fd;
	int naws_w, naws_h;
	bool do_echo, do_sga;
};

static void put(struct fake *f, const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(f->fd, s, n);
		if (w <= 0)
			_exit(0);
		s += w;
		n -= (size_t)w;
	}
}

/* One data byte, telnet commands consumed on the way; -1 at EOF. */
static int get_byte(struct fake *f)
{
	unsigned char c;
	for (;;) {
		if (read(f->fd, &c, 1) != 1)
			return -1;
		if (c != IAC)
			return c;
		if (read(f->fd, &c, 1) != 1)
			return -1;
		if (c == IAC)
			return IAC;
		if (c == SB) {
			unsigned char sb[64];
			size_t n = 0;
			unsigned char prev = 0;
			while (read(f->fd, &c, 1) == 1) {
				if (prev == IAC && c == SE)
					break;
				if (n < sizeof(sb))
					sb[n++] = c;
				prev = c;
			}
			if (n >= 5 && sb[0] == 31) {
				f->naws_w = sb[1] << 8 | sb[2];
				f->naws_h = sb[3] << 8 | sb[4];
			}
			continue;
		}
		if (c >= 251 && c <= 254) {
			unsigned char opt;
			if (read(f->fd, &opt, 1) != 1)
				return -1;
			if (c == 253 && opt == 1)   /* DO ECHO: the client lets us echo */
				f->do_echo = true;
			if (c == 253 && opt == 3)
				f->do_sga = true;
		}
	}
}

static bool get_line(struct fake *f, char *buf, size_t len)
{
	size_t n = 0;
	for (;;) {
		int c = get_byte(f);
		if (c < 0)
			return false;
		if (c == '\r') {
			get_byte(f);   /* the LF (or NUL) after CR */
			break;
		}
		if (c == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return true;
}

static void serve(struct fake *f)
{
	char line[1024];
	static const unsigned char neg[] = { IAC, 251, 1, IAC, 251, 3, IAC, 253, 31 };
	if (write(f->fd, neg, sizeof(neg)) != sizeof(neg))
		_exit(0);
	put(f, "\r\nWelcome to the fake VTY\r\n\r\nUsername:");
	for (;;) {
		if (!get_line(f, line, sizeof(line)))
			_exit(0);
		put(f, line);
		put(f, "\r\nPassword:");
		char pw[128];
		if (!get_line(f, pw, sizeof(pw)))
			_exit(0);
		put(f, "\r\n");
		if (strcmp(pw, "admin@123") == 0)
			break;
		put(f, "Error: Authentication failed.\r\n\r\nUsername:");
	}
	const char *prompt = "<HUAWEI>";
	for (;;) {
		put(f, prompt);
		if (!get_line(f, line, sizeof(line)))
			_exit(0);
		put(f, line);
		put(f, "\r\n");
		if (strcmp(line, "system-view") == 0)
			prompt = "[~HUAWEI]";
		else if (strncmp(line, "sysname", 7) == 0)
			prompt = "[*HUAWEI]";
		else if (strcmp(line, "bad") == 0)
			put(f, "         ^\r\nError: Unrecognized command found at '^' position.\r\n");
		else if (strcmp(line, "render") == 0)
			put(f, "abc\b\bXY\r\n12345\r\x1b[K9\r\nab\x1b[1Dc\r\ntab\tx\r\n\x1b[1mbold\x1b[0m\r\n");
		else if (strcmp(line, "naws") == 0) {
			char b[64];
			snprintf(b, sizeof(b), "%dx%d echo=%d sga=%d\r\n", f->naws_w, f->naws_h,
				 f->do_echo, f->do_sga);
			put(f, b);
		} else if (strcmp(line, "more") == 0) {
			put(f, "a\r\nb\r\n  ---- More ----");
			if (get_byte(f) != ' ')
				put(f, "\r\nno space\r\n");
			put(f, "\r\x1b[Kc\r\n");
		} else if (strcmp(line, "more42") == 0) {
			/* clid's pager: the prompt erased with blanks, then a
			 * page of two lines, the prompt again, and q. */
			static const char erase[] = "\x1b[42D                                          "
						    "\x1b[42D";
			put(f, "a\r\nb\r\n  ---- More ----");
			if (get_byte(f) != ' ')
				put(f, "\r\nno space\r\n");
			put(f, erase);
			put(f, "c\r\nd\r\n  ---- More ----");
			int k = get_byte(f);
			put(f, erase);
			if (k == ' ')
				put(f, "e\r\n");
		} else if (strcmp(line, "ask") == 0) {
			put(f, "Warning: Uncommitted configurations found, commit them before "
			       "exiting? [Y(yes)/N(no)/C(cancel)]:");
			if (!get_line(f, line, sizeof(line)))
				_exit(0);
			put(f, line);
			put(f, "\r\n");
			prompt = "<HUAWEI>";
		} else if (strcmp(line, "silent") == 0) {
			pause();
		} else if (strcmp(line, "quit") == 0) {
			_exit(0);
		}
	}
}

static pid_t server_pid;
static int server_port;

static void start_server(void)
{
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(ls >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	cr_assert_eq(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(ls, 4), 0);
	socklen_t al = sizeof(a);
	getsockname(ls, (struct sockaddr *)&a, &al);
	server_port = ntohs(a.sin_port);
	server_pid = fork();
	cr_assert(server_pid >= 0);
	if (server_pid == 0) {
		struct fake f = { 0 };
		f.fd = accept(ls, NULL, NULL);
		if (f.fd < 0)
			_exit(1);
		serve(&f);
		_exit(0);
	}
	close(ls);
}

static void stop_server(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
		server_pid = 0;
	}
}

static struct vty *connect_login(void)
{
	char err[128];
	struct vty *v = vty_connect(NULL, "127.0.0.1", server_port, 2000, err, sizeof(err));
	cr_assert(v, "connect: %s", err);
	cr_assert_eq(vty_login(v, "admin", "admin@123", 2000), 0);
	return v;
}

TestSuite(vtyclient, .init = start_server, .fini = stop_server, .timeout = 30);

Test(vtyclient, prompts_echo_and_output)
{
	struct vty *v = connect_login();
	cr_assert_str_eq(vty_prompt(v), "<HUAWEI>");
	char *out = NULL;
	cr_assert_eq(vty_cmd(v, "system-view", &out, 2000), 0);
	cr_assert_str_eq(out, "");
	cr_assert_str_eq(vty_echo(v), "<HUAWEI>system-view");
	cr_assert_str_eq(vty_prompt(v), "[~HUAWEI]");
	free(out);
	cr_assert_eq(vty_cmd(v, "sysname DeviceC", &out, 2000), 0);
	cr_assert_str_eq(vty_prompt(v), "[*HUAWEI]");
	free(out);
	cr_assert_eq(vty_cmd(v, "bad", &out, 2000), 0);
	cr_assert_str_eq(out, "         ^\nError: Unrecognized command found at '^' position.\n");
	cr_assert_str_eq(vty_echo(v), "[*HUAWEI]bad");
	free(out);
	cr_assert_eq(vty_cmd(v, "naws", &out, 2000), 0);
	cr_assert_str_eq(out, "80x65535 echo=1 sga=1\n");
	free(out);
	cr_assert_eq(vty_cmd(v, "a?b", &out, 2000), -EINVAL);
	cr_assert_null(out);
	vty_close(v);
}

Test(vtyclient, terminal_rendering)
{
	struct vty *v = connect_login();
	char *out = NULL;
	cr_assert_eq(vty_cmd(v, "render", &out, 2000), 0);
	cr_assert_str_eq(out, "aXY\n9\nac\ntab     x\nbold\n");
	free(out);
	cr_assert_eq(vty_cmd(v, "more", &out, 2000), 0);
	cr_assert_str_eq(out, "a\nb\nc\n");
	free(out);
	/* clid's erasure leaves no blanks in the lines written over it. */
	cr_assert_eq(vty_cmd(v, "more42", &out, 2000), 0);
	cr_assert_str_eq(out, "a\nb\nc\nd\ne\n");
	free(out);
	cr_assert_str_eq(vty_prompt(v), "<HUAWEI>");
	vty_close(v);
}

Test(vtyclient, paging_by_hand)
{
	char err[128], *out;
	struct vty *v = vty_connect(NULL, "127.0.0.1", server_port, 2000, err, sizeof(err));

	cr_assert(v, "connect: %s", err);
	vty_set_window(v, 100, 10);
	cr_assert_eq(vty_login(v, "admin", "admin@123", 2000), 0);
	cr_assert_eq(vty_cmd(v, "naws", &out, 2000), 0);
	cr_assert_str_eq(out, "100x10 echo=1 sga=1\n");
	free(out);
	vty_set_auto_more(v, false);
	cr_assert_eq(vty_cmd(v, "more42", &out, 2000), VTY_MORE);
	cr_assert_str_eq(out, "a\nb\n");
	free(out);
	cr_assert_eq(vty_more_keys(v, " ", 1), 0);
	cr_assert_eq(vty_wait(v, &out, 2000), VTY_MORE);
	cr_assert_str_eq(out, "c\nd\n");
	free(out);
	cr_assert_eq(vty_more_keys(v, "q", 1), 0);
	cr_assert_eq(vty_wait(v, &out, 2000), 0);
	cr_assert_str_eq(out, "");
	free(out);
	cr_assert_str_eq(vty_prompt(v), "<HUAWEI>");
	/* The next command's echo is written over the erasure's blanks. */
	cr_assert_eq(vty_cmd(v, "naws", &out, 2000), 0);
	cr_assert_str_eq(out, "100x10 echo=1 sga=1\n");
	cr_assert_str_eq(vty_echo(v), "<HUAWEI>naws");
	free(out);
	vty_close(v);
}

Test(vtyclient, question_prompt)
{
	struct vty *v = connect_login();
	char *out = NULL;
	cr_assert_eq(vty_cmd(v, "system-view", NULL, 2000), 0);
	cr_assert_eq(vty_cmd(v, "ask", &out, 2000), 0);
	cr_assert(strstr(vty_prompt(v), "[Y(yes)/N(no)/C(cancel)]:"), "%s", vty_prompt(v));
	free(out);
	cr_assert_eq(vty_cmd(v, "N", &out, 2000), 0);
	cr_assert_str_eq(vty_prompt(v), "<HUAWEI>");
	free(out);
	vty_close(v);
}

Test(vtyclient, deadline_and_close)
{
	struct vty *v = connect_login();
	char *out = NULL;
	cr_assert_eq(vty_cmd(v, "silent", &out, 300), -ETIMEDOUT);
	free(out);
	vty_close(v);
	stop_server();
	start_server();
	v = connect_login();
	cr_assert_eq(vty_cmd(v, "quit", &out, 2000), -ECONNRESET);
	cr_assert(vty_closed(v));
	free(out);
	vty_close(v);
}

Test(vtyclient, wrong_password)
{
	char err[128];
	struct vty *v = vty_connect(NULL, "127.0.0.1", server_port, 2000, err, sizeof(err));
	cr_assert(v, "connect: %s", err);
	cr_assert_eq(vty_login(v, "admin", "nope", 2000), -EACCES);
	cr_assert(strstr(vty_transcript(v), "Authentication failed"));
	vty_close(v);
}

Test(vtyclient, connection_refused)
{
	char err[128] = "";
	stop_server();
	struct vty *v = vty_connect(NULL, "127.0.0.1", server_port, 1000, err, sizeof(err));
	cr_assert_null(v);
	cr_assert(strstr(err, "refused"), "%s", err);
	cr_assert_null(vty_connect("no-such-namespace-xyz", "127.0.0.1", 23, 1000, err,
				   sizeof(err)));
	cr_assert(strstr(err, "namespace"), "%s", err);
}

Test(vtyclient, is_prompt)
{
	cr_assert(vty_is_prompt("<HUAWEI>"));
	cr_assert(vty_is_prompt("[~DeviceC]"));
	cr_assert(vty_is_prompt("[*DeviceC-GigabitEthernet0/1/0] "));
	cr_assert(vty_is_prompt("Continue? [Y/N]:"));
	cr_assert(!vty_is_prompt("[DeviceC]"));
	cr_assert(!vty_is_prompt("<a>b>"));
	cr_assert(!vty_is_prompt(" clock status: synchronized"));
	cr_assert(!vty_is_prompt("#"));
	cr_assert(!vty_is_prompt(""));
}
