/*
 * test_cli_errors.c: wrong command lines over a real telnet session get the
 * VRP error with a caret under the offending token, and change nothing: the
 * running configuration is the same and the prompt keeps its '~'.
 *
 * The multicast server address is refused by cfgd's validation, which may
 * word its error without a caret; if a caret is shown it must point at the
 * address.
 *
 * Note on the misspelt keyword: "ntp-servic" is a unique prefix of
 * "ntp-service" and therefore a valid abbreviation on VRP; the unrecognized
 * keyword used here is one longer than the real one ("ntp-services").
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

#define DEV "DeviceC"

/* Column of the caret in the output ("      ^" line), or -1. */
static int caret_column(const char *out)
{
	for (const char *p = out; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		size_t i = 0;
		while (i < n && p[i] == ' ')
			i++;
		if (i < n && p[i] == '^') {
			size_t j = i + 1;
			while (j < n && (p[j] == ' ' || p[j] == '\r'))
				j++;
			if (j == n)
				return (int)i;
		}
		p = e ? e + 1 : p + n;
	}
	return -1;
}

/* Column where `token` starts in the echoed command line (the last line of
 * the echo: prompt and command). */
static int echo_column(struct vty *v, const char *token)
{
	const char *echo = vty_echo(v);
	const char *last = strrchr(echo, '\n');
	last = last ? last + 1 : echo;
	const char *t = strstr(last, token);
	return t ? (int)(t - last) : -1;
}

static char *running(struct vty *v)
{
	char *out = NULL;
	cr_assert_eq(lab_cmd(v, DEV, "display current-configuration", &out), 0);
	char *n = lab_normalize(out);
	free(out);
	return n;
}

struct bad_line {
	const char *line;
	const char *error;   /* the whole "Error: ..." sentence expected */
	const char *token;   /* where the caret points (NULL: first column of the command) */
	bool caret_optional; /* a semantic check (cfgd) may answer without a caret */
};

static void check_bad(struct vty *v, const struct bad_line *b, const char *prompt)
{
	char *out = NULL;
	int r = lab_cmd(v, DEV, b->line, &out);
	cr_assert_eq(r, 0, "no prompt after a wrong line: %s", strerror(-r));
	cr_expect(strstr(out, "Error:"), "no error for '%.60s':\n%s", b->line, out);
	if (b->error)
		cr_expect(strstr(out, b->error), "'%.60s': want '%s', got:\n%s", b->line, b->error,
			  out);
	int col = caret_column(out);
	cr_expect(col >= 0 || b->caret_optional, "no caret line for '%.60s':\n%s", b->line, out);
	if (col >= 0) {
		int want = b->token ? echo_column(v, b->token) : (int)strlen(prompt);
		if (!b->token) {
			/* The command starts after the prompt and any blank the
			 * server prints after it. */
			const char *echo = vty_echo(v);
			while (echo[want] == ' ')
				want++;
		}
		cr_expect_eq(col, want, "'%.60s': caret at column %d, want %d (under '%s'):\n%s\n%s",
			     b->line, col, want, b->token ? b->token : "the command",
			     vty_echo(v), out);
	}
	cr_expect_str_eq(vty_prompt(v), prompt, "the prompt changed after '%.60s'", b->line);
	free(out);
}

Test(cli_errors, wrong_lines_change_nothing, .fini = lab_down, .timeout = 200)
{
	lab_require_root();
	cr_assert_eq(lab_up(DEV, NULL), 0, "the lab did not come up");
	struct vty *v = lab_vty(DEV, 20000);
	cr_assert(v, "no VTY session");

	/* Something committed, so that "nothing changed" means something. */
	static const char *const setup[] = {
		"system-view", "sysname DeviceC", "interface GigabitEthernet0/1/0", "undo shutdown",
		"ip address 10.0.1.31 255.255.255.0", "quit", "ntp-service refclock-master 2",
		"commit", NULL,
	};
	for (size_t i = 0; setup[i]; i++) {
		char *out = NULL;
		cr_assert_eq(lab_cmd(v, DEV, setup[i], &out), 0);
		cr_assert(!strstr(out, "Error:"), "'%s' failed:\n%s", setup[i], out);
		free(out);
	}
	cr_assert_str_eq(vty_prompt(v), "[~DeviceC]");
	char *before = running(v);

	char long_line[601];
	memset(long_line, 'x', 600);
	long_line[600] = '\0';
	const struct bad_line bad[] = {
		{ "ntp-services unicast-server 1.1.1.1",
		  "Error: Unrecognized command found at '^' position.", "ntp-services" },
		{ "ntp-service unicast-server 224.0.0.1", NULL, "224.0.0.1", true },
		{ "ntp-service refclock-master 16", "Error: Wrong parameter found at '^' position.",
		  "16" },
		{ "ntp-service unicast-server vpn-instance blue 10.0.1.40",
		  "Error: The VPN instance blue of NTP server 10.0.1.40 does not exist.", NULL, true },
		{ long_line, NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(v, &bad[i], "[~DeviceC]");

	/* Nothing reached running, and the prompt says the candidate equals it. */
	char *after = running(v);
	cr_expect_str_eq(after, before, "the running configuration changed");
	cr_expect_str_eq(vty_prompt(v), "[~DeviceC]");

	/* The session still works. */
	cr_assert_eq(lab_cmd(v, DEV, "return", NULL), 0);
	cr_expect_str_eq(vty_prompt(v), "<DeviceC>");

	free(before);
	free(after);
	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
