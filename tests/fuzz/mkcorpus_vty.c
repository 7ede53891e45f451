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
 *   mkcorpus_vty DIR [LOGIN_DIR]   (made if missing; the build runs it
 *                          into BUILD/tests/fuzz/corpus-vty and corpus-login)
 *
 * LOGIN_DIR gets the seeds of the login target (harness_vty.h,
 * fuzz_login_one): login dialogues cut into fields, with telnet options
 * before them, and SSH public keys' text in both encodings (keys made with
 * ssh-keygen, as in tests/unit/common/test_pubkey.c).
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

#define ED_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGE/7O7tMsmD9LN0QSgEPrh67hTq0YC4yzXdc5LnjuIf"
#define EC_HEX "04D27F24 F1D63CB0 1CC6A77D EAD58FA9 BFCD4959\n1E655F5B 0F8A4F40 7B5C6B64 " \
	"0A882AFE 5AC1A267\n2B8AB4DE EC09DE29 D82253DD D38AD861 67E12240\n02C3A928 72"
#define RSA_KEY "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC+kxflRtT9iOOwFzPBEZ17RAML3Quk6d0BB5kgx" \
	"7rkGaqbnP4yTn2EwQzm/qVsg4gGh5Ni6S+LlKdHdAsrzfIRdVpAkyK0bW0lGpgax/XYiKER/64pvQM+Wmqe\n" \
	"ejST62miFCs3AP0rzHtXGK4BN5TI+L8qW+cdlCqcJgGSYb55qw== op@pc"
#define RSA_HEX "30818902818100BE9317E546D4FD88E3B01733C1119D7B44030BDD0BA4E9DD01079920C7BA" \
	"E419AA9B9CFE324E7D84C10CE6FEA56C838806879362E92F8B94A747740B2BCDF211755A409322B46D6D" \
	"251A981AC7F5D888A111FFAE29BD033E5A6A9E7A3493EB69A2142B3700FD2BCC7B5718AE013794C8F8BF" \
	"2A5BE71D942A9C26019261BE79AB0203010001"

static void login_seeds(const char *d)
{
	if (mkdir(d, 0755) < 0 && errno != EEXIST) {
		perror(d);
		bad = 1;
		return;
	}
	SEED(d, "right", 0, "\n" FUZZ_VTY_USER "\n" FUZZ_VTY_PASSWORD);
	SEED(d, "options-first", 0, IAC DO ECHO IAC DO SGA IAC WILL NAWS IAC SB NAWS
	     "\x00\x50\x00\x18" IAC SE IAC WILL TTYPE IAC DONT ECHO "\n" FUZZ_VTY_USER "\n"
	     FUZZ_VTY_PASSWORD);
	SEED(d, "unfinished-sb", 0, IAC SB NAWS "\x00\x50\n" FUZZ_VTY_USER "\n" FUZZ_VTY_PASSWORD);
	SEED(d, "wrong-thrice", 0, "\nroot\nx\n" FUZZ_VTY_USER "\nwrong\n" FUZZ_VTY_USER "\n");
	SEED(d, "edited", 0, "\n" FUZZ_VTY_USER "x\x7f\n" FUZZ_VTY_PASSWORD "!\x08");
	SEED(d, "iac-in-name", 0, "\nad" IAC IAC "min\n" IAC NOP FUZZ_VTY_PASSWORD IAC AYT);
	SEED(d, "controls", 0, IAC IP "\nadm\x03\n\x15" FUZZ_VTY_USER "\n\x04\x17\x1b[A\n?\t");
	SEED(d, "empty-fields", 0, "\n\n\n\n\n\n\n\n");
	SEED(d, "nul-cr", 0, "\n" FUZZ_VTY_USER "\r\0\n" FUZZ_VTY_PASSWORD "\r");
	SEED(d, "key-ed25519", (char)0x83, ED_KEY " op@pc");
	SEED(d, "key-rsa-openssh", (char)0x82, RSA_KEY);
	SEED(d, "key-rsa-hex", (char)0x80, RSA_HEX);
	SEED(d, "key-ecc-hex", (char)0x81, EC_HEX);
	SEED(d, "key-garbage", (char)0x81, "04 zz\n" IAC);
}

int main(int argc, char **argv)
{
	static char longline[700];
	const char *d;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: mkcorpus_vty DIR [LOGIN_DIR]\n");
		return 2;
	}
	if (argc == 3)
		login_seeds(argv[2]);
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
