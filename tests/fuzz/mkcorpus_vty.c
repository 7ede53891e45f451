/*
 * mkcorpus_vty.c: write the seed corpus of the telnet fuzzer
 * (harness_vty.h) into a directory.  Each seed is a mode byte (0: the
 * harness logs in first; 1: the bytes start at the greeting) and what a
 * telnet client sends: the login dialogue (right, wrong three times, a
 * backspace in the password), option negotiation (DO ECHO, DO SGA, WILL
 * NAWS and a window size, WILL TTYPE and other options the server refuses,
 * a NAWS of the wrong length, an IAC IAC data byte, IP, AYT, NOP, an
 * unfinished SB), the line editor's keys (Ctrl-A/E/B/F/D/H/K/U/W/C,
 * Backspace and DEL, the arrows as ESC [ A..D sequences, history up and
 * down, CR NUL and CR LF line ends), '?' and TAB, commands in every view,
 * a Y/N question answered and one interrupted with Ctrl-C, a line longer
 * than the engine takes, and `quit`.
 *
 *   mkcorpus_vty DIR      (made if missing; the build runs it into
 *                          BUILD/tests/fuzz/corpus-vty)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness_vty.h"

#define IAC "\xff"
#define WILL "\xfb"
#define WONT "\xfc"
#define DO "\xfd"
#define DONT "\xfe"
#define SB "\xfa"
#define SE "\xf0"
#define NAWS "\x1f"
#define ECHO "\x01"
#define SGA "\x03"
#define TTYPE "\x18"
#define IP "\xf4"
#define AYT "\xf6"
#define NOP "\xf1"

static int bad;

/* A seed: mode byte then n bytes of s. */
static void seed(const char *dir, const char *name, char mode, const char *s, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fputc(mode, f) == EOF || fwrite(s, 1, n, f) != n) {
		perror(path);
		bad = 1;
	}
	if (f && fclose(f) != 0)
		bad = 1;
}

/* String literals with NULs inside: their size, not strlen. */
#define SEED(dir, name, mode, lit) seed(dir, name, mode, lit, sizeof(lit) - 1)

int main(int argc, char **argv)
{
	static char longline[700];
	const char *d;

	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus_vty DIR\n");
		return 2;
	}
	d = argv[1];
	if (mkdir(d, 0755) < 0 && errno != EEXIST) {
		perror(d);
		return 1;
	}
	/* Logged in by the harness. */
	SEED(d, "commands", 0, "display ntp-service status\r\nsystem-view\r\n"
	     "ntp-service unicast-server 10.0.1.31\r\ncommit\r\ndisplay this\r\nreturn\r\nquit\r\n");
	SEED(d, "views", 0, "system-view\r\ninterface GigabitEthernet0/1/0\r\n"
	     "ip address 10.0.1.3 255.255.255.0\r\nquit\r\nacl 2000\r\nrule 5 permit\r\n"
	     "quit\r\nacl ipv6 2001\r\nquit\r\ndisplay current-configuration\r\n");
	SEED(d, "help-complete", 0, "?dis?\tnt\t?\r\nsystem-view\r\nntp-service ?\r\n"
	     "ntp-service unicast-server ?\r\nnt\tun\t10.0.1.31 ?\r\n");
	SEED(d, "editing", 0, "displ\x7f\x7f" "ay ntp\x08\x08tp\x01\x05 status\x02\x02\x06\r\n"
	     "system-view\x15\x03sys\x17system-view\r\nabc def\x17\x0b\x04\r\n");
	SEED(d, "arrows-history", 0, "display users\r\ndisplay clock\r\n\x1b[A\x1b[A\r\n"
	     "\x1b[B\x1b[D\x1b[D\x1b[C\x1bOA\x1b[1~\x1b[4~\x1b[3~\r\n");
	SEED(d, "line-ends", 0, "display users\r\0system-view\r\nreturn\n\rquit\r");
	SEED(d, "question", 0, "system-view\r\nsysname DeviceC\r\nreturn\r\nN\r\nY\r\n"
	     "system-view\r\nntp-service refclock-master 3\r\nquit\r\n\x03quit\r\nC\r\n");
	SEED(d, "negotiation", 0, IAC DO ECHO IAC DO SGA IAC WILL NAWS IAC SB NAWS "\x00\x50\x00\x18"
	     IAC SE IAC WILL TTYPE IAC DO "\x22" IAC DONT ECHO IAC WONT NAWS "display users\r\n");
	SEED(d, "iac-commands", 0, "disp" IAC IAC "lay" IAC NOP IAC AYT "\r\n" IAC IP
	     "sys" IAC IP "\r\n" IAC SB NAWS "\x00\x50" IAC SE IAC SB "\x18\x01" IAC SE
	     IAC SB NAWS "\xff\xff\xff\xff\x00\x01" IAC SE);
	SEED(d, "naws-tiny", 0, IAC WILL NAWS IAC SB NAWS "\x00\x01\x00\x01" IAC SE
	     "display current-configuration\r\n?\r\n");
	SEED(d, "high-bytes", 0, "disp\x80\xc3\xa9lay \xfe\xfe\r\nsystem-view\r\nsysname \xe2\x82\xac\r\n");
	memset(longline, 'x', sizeof(longline) - 3);
	memcpy(longline + sizeof(longline) - 3, "\r\n", 2);
	seed(d, "long-line", 0, longline, sizeof(longline) - 1);
	SEED(d, "unfinished-sb", 0, "display users\r\n" IAC SB NAWS "\x00\x50\x00");
	/* The login dialogue itself. */
	SEED(d, "login", 1, FUZZ_VTY_USER "\r\n" FUZZ_VTY_PASSWORD "\r\ndisplay users\r\nquit\r\n");
	SEED(d, "login-wrong", 1, "root\r\nx\r\n" FUZZ_VTY_USER "\r\nwrong\r\nnobody\r\n\r\n");
	SEED(d, "login-edit", 1, IAC DO ECHO IAC WILL NAWS FUZZ_VTY_USER "x\x7f\r\n"
	     FUZZ_VTY_PASSWORD "!\x08\r\n?\t\r\n");
	SEED(d, "login-ctrl-c", 1, "adm\x03" FUZZ_VTY_USER "\r\n\x03\x04");
	return bad;
}
