/*
 * test_cli_input.c: line editing over a real telnet session (clid, through
 * tools/vtyclient's terminal model): TAB cycling in place through
 * ambiguous keywords as VRP does, VRP's Ctrl-X / Ctrl-Y and Esc-B / Esc-F /
 * Esc-D, a quoted label and description, and `display history-command`
 * afterwards.
 *
 * Each key is sent as typed and the test waits, with a deadline, until the
 * line being edited reads what the key must make of it (prompt included):
 * what a person at the terminal would see.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "vtyclient.h"

#define DEV "DeviceC"
#define KEY_MS 5000

/* Type keys; the line must then read prompt + `want`. */
static void keys(struct vty *v, const char *prompt, const char *k, const char *want)
{
	char full[600];

	snprintf(full, sizeof(full), "%s%s", prompt, want);
	int r = vty_keys(v, k, full, KEY_MS);
	char *line = vty_line(v);

	cr_assert_eq(r, 0, "after %s: the line reads '%s', want '%s' (%s)", k, line, full,
		     strerror(-r));
	free(line);
}

/* Run a line that must succeed; its output in *out (malloc'd) if wanted. */
static void cmd_ok(struct vty *v, const char *line, char **out)
{
	char *o = NULL, seen[2048];
	int r = lab_cmd(v, DEV, line, &o);
	bool failed = r < 0 || !o || strstr(o, "Error:");

	snprintf(seen, sizeof(seen), "%s", o ? o : "");
	if (out && !failed)
		*out = o;
	else
		free(o);
	cr_assert(!failed, "'%s' failed (%s):\n%s", line, r < 0 ? strerror(-r) : "", seen);
}

Test(cli_input, tab_keys_history, .fini = lab_down, .timeout = 200)
{
	lab_require_root();
	cr_assert_eq(lab_up(DEV, NULL), 0, "the lab did not come up");
	struct vty *v = lab_vty(DEV, 20000);
	cr_assert(v, "no VTY session");

	cmd_ok(v, "system-view", NULL);
	char prompt[64];
	snprintf(prompt, sizeof(prompt), "%s", vty_prompt(v));

	/* TAB on an ambiguous word: the candidates in turn, in place. */
	keys(v, prompt, "display configuration c", "display configuration c");
	keys(v, prompt, "\t", "display configuration candidate");
	keys(v, prompt, "\t", "display configuration commit");
	keys(v, prompt, "\t", "display configuration candidate");
	/* The common prefix first, then the cycle. */
	keys(v, prompt, "\x18", "");                       /* Ctrl-X: all left of the cursor */
	keys(v, prompt, "dis co\t", "dis configuration");
	keys(v, prompt, "\t", "dis configuration-occupied");
	keys(v, prompt, "\t", "dis configuration");
	/* A unique word completes with a space; typing goes on after it. */
	keys(v, prompt, "-o\t", "dis configuration-occupied");
	keys(v, prompt, "u\t", "dis configuration-occupied user");

	/* Esc-B / Esc-F / Esc-D and Ctrl-Y, as the terminal shows them. */
	keys(v, prompt, "\x1b" "b\x1b" "b", "dis configuration-occupied user");
	keys(v, prompt, "\x1b" "d", "dis  user");             /* deletes the word at the cursor */
	keys(v, prompt, "\x1b" "f", "dis  user");
	keys(v, prompt, "X", "dis  userX");                   /* the cursor was after "user" */
	keys(v, prompt, "\x01\x1b" "f\x19", "dis");           /* Ctrl-A, Esc-F, Ctrl-Y */
	keys(v, prompt, "\x18", "");

	/* Strings in double quotes: a label, a description with blanks (cfgd
	 * takes no blank in a label, though VRP's quotes would allow one). */
	cmd_ok(v, "sysname Quoted", NULL);
	cmd_ok(v, "commit label \"L1\" description \"first try\"", NULL);
	char *out = NULL;
	cmd_ok(v, "display configuration commit list verbose", &out);
	cr_assert(strstr(out, "L1") && strstr(out, "first try"), "the label:\n%s", out);
	cr_assert_null(strstr(out, "\"first"), "the quotes kept:\n%s", out);
	free(out);
	/* An unterminated quote: the caret under it. */
	cr_assert_eq(lab_cmd(v, DEV, "commit label \"half", &out), 0);
	cr_assert(strstr(out, "Error: Wrong parameter found at '^' position."), "%s", out);
	free(out);

	/* display history-command: what was run before it, as typed, two
	 * spaces in; the keys above ran nothing. */
	cmd_ok(v, "dis  this", NULL);
	cmd_ok(v, "display history-command", &out);
	cr_assert_str_eq(out,
			 "  system-view\n"
			 "  sysname Quoted\n"
			 "  commit label \"L1\" description \"first try\"\n"
			 "  display configuration commit list verbose\n"
			 "  commit label \"half\n"
			 "  dis  this\n");
	free(out);
	/* A repeated command keeps one place, its latest. */
	cmd_ok(v, "sysname Quoted", NULL);
	cmd_ok(v, "display history-command", &out);
	cr_assert_str_eq(out,
			 "  system-view\n"
			 "  commit label \"L1\" description \"first try\"\n"
			 "  display configuration commit list verbose\n"
			 "  commit label \"half\n"
			 "  dis  this\n"
			 "  sysname Quoted\n");
	free(out);
	/* Up arrow walks the same history, the newest first. */
	snprintf(prompt, sizeof(prompt), "%s", vty_prompt(v));
	keys(v, prompt, "\x1b[A", "display history-command");
	keys(v, prompt, "\x1b[A", "sysname Quoted");
	keys(v, prompt, "\x18", "");
	cr_assert_eq(lab_finish(), 0);
}
