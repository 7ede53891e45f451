/*
 * test_lineedit.c: the VTY line editor driven with byte strings: typing,
 * editing keys and their echo (VRP's Ctrl-X / Ctrl-Y, Esc-B / Esc-F /
 * Esc-D among them), history (VRP's one copy per command), '?' and TAB
 * callbacks (repeated TABs replacing the word in place, as cycling does),
 * CR LF / CR NUL handling, over-long lines, password mode and a random byte
 * storm.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lineedit.h"

#define MAX_LINES 64

struct cap {
	char out[1 << 20];
	size_t outlen;
	char lines[MAX_LINES][CLI_MAX_LINE + 1];
	int nlines;
	char help[CLI_MAX_LINE + 1];
	int nhelp;
	char comp[CLI_MAX_LINE + 1];
	int ncomp;
	const char *comp_result;     /* what TAB returns (copied) */
	const char *const *comp_seq; /* else these in turn, NULL-terminated */
	bool comp_writes;            /* TAB "lists candidates" */
	bool restart;                /* on_line calls lineedit_start */
	struct lineedit *le;
};

static void cap_write(void *arg, const char *buf, size_t len)
{
	struct cap *c = arg;

	if (c->outlen + len >= sizeof(c->out))
		c->outlen = 0;  /* the storm test only cares about not crashing */
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	c->out[c->outlen] = '\0';
}

static void cap_line(void *arg, const char *line)
{
	struct cap *c = arg;

	if (c->nlines < MAX_LINES)
		snprintf(c->lines[c->nlines], sizeof(c->lines[0]), "%s", line);
	c->nlines++;
	if (c->restart)
		lineedit_start(c->le);
}

static void cap_help(void *arg, const char *line)
{
	struct cap *c = arg;

	snprintf(c->help, sizeof(c->help), "%s", line);
	c->nhelp++;
	cap_write(c, "\r\n  HELP\r\n", 10);
}

static char *cap_complete(void *arg, const char *line, bool *redraw)
{
	struct cap *c = arg;

	snprintf(c->comp, sizeof(c->comp), "%s", line);
	c->ncomp++;
	if (c->comp_writes) {
		cap_write(c, "\r\n  a  b\r\n", 10);
		*redraw = true;
	}
	if (c->comp_seq && c->comp_seq[c->ncomp - 1])
		return strdup(c->comp_seq[c->ncomp - 1]);
	return c->comp_result ? strdup(c->comp_result) : NULL;
}

static struct cap *cap;

static void setup(void)
{
	static const struct lineedit_ops ops = {
		.write = cap_write,
		.on_line = cap_line,
		.on_help = cap_help,
		.on_complete = cap_complete,
	};

	cap = calloc(1, sizeof(*cap));
	cap->le = lineedit_new(&ops, cap);
	lineedit_set_prompt(cap->le, "<R>");
	lineedit_start(cap->le);
	cap->outlen = 0;
}

static void teardown(void)
{
	lineedit_free(cap->le);
	free(cap);
}

static void feed(const char *s)
{
	lineedit_feed(cap->le, s, strlen(s));
}

static void feedn(const char *s, size_t n)
{
	lineedit_feed(cap->le, s, n);
}

TestSuite(lineedit, .init = setup, .fini = teardown);

Test(lineedit, typing_and_enter)
{
	feed("display clock\r\n");
	cr_assert_eq(cap->nlines, 1);
	cr_assert_str_eq(cap->lines[0], "display clock");
	cr_assert_str_eq(cap->out, "display clock\r\n");
	cr_assert_str_eq(lineedit_line(cap->le), "");
}

Test(lineedit, line_endings)
{
	feedn("ab\r\0cd\r\nef\ngh\r\r", 15);
	cr_assert_eq(cap->nlines, 5);
	cr_assert_str_eq(cap->lines[0], "ab");
	cr_assert_str_eq(cap->lines[1], "cd");
	cr_assert_str_eq(cap->lines[2], "ef");
	cr_assert_str_eq(cap->lines[3], "gh");
	cr_assert_str_eq(cap->lines[4], "");
	/* CR then LF split across two feeds. */
	feed("x\r");
	feed("\ny\r\n");
	cr_assert_eq(cap->nlines, 7);
	cr_assert_str_eq(cap->lines[5], "x");
	cr_assert_str_eq(cap->lines[6], "y");
}

Test(lineedit, insert_in_middle_echo)
{
	feed("ab\x1b[DX");
	cr_assert_str_eq(lineedit_line(cap->le), "aXb");
	cr_assert_eq(lineedit_cursor(cap->le), 2);
	cr_assert_str_eq(cap->out, "ab\bXb\b");
}

Test(lineedit, backspace_and_delete)
{
	feed("abc\x7f");
	cr_assert_str_eq(lineedit_line(cap->le), "ab");
	cr_assert_str_eq(cap->out, "abc\b\x1b[K");
	feed("\b");
	cr_assert_str_eq(lineedit_line(cap->le), "a");
	feed("xyz\x01\x1b[3~");
	cr_assert_str_eq(lineedit_line(cap->le), "xyz");
	cr_assert_eq(lineedit_cursor(cap->le), 0);
	feed("\x04");   /* Ctrl-D deletes at the cursor */
	cr_assert_str_eq(lineedit_line(cap->le), "yz");
	feed("\x7f");   /* nothing before the cursor */
	cr_assert_str_eq(lineedit_line(cap->le), "yz");
}

Test(lineedit, cursor_keys)
{
	feed("bc\x01" "a\x05" "d");                 /* Ctrl-A, Ctrl-E */
	cr_assert_str_eq(lineedit_line(cap->le), "abcd");
	feed("\x1b[H" "0\x1b[F" "5");              /* Home, End */
	cr_assert_str_eq(lineedit_line(cap->le), "0abcd5");
	feed("\x1bOD\x1bOD" "-\x1bOC" "+");        /* SS3 arrows */
	cr_assert_str_eq(lineedit_line(cap->le), "0abc-d+5");
	feed("\x1b[1~" "<\x1b[4~" ">");           /* vt220 Home/End */
	cr_assert_str_eq(lineedit_line(cap->le), "<0abc-d+5>");
	feed("\x02\x02\x06");                      /* Ctrl-B twice, Ctrl-F */
	cr_assert_eq(lineedit_cursor(cap->le), strlen("<0abc-d+5>") - 1);
	feed("\x1b[C\x1b[C\x1b[C");                /* Right stops at the end */
	cr_assert_eq(lineedit_cursor(cap->le), strlen("<0abc-d+5>"));
}

Test(lineedit, kill_keys)
{
	feed("display ntp-service status\x1b[D\x1b[D\x0b");  /* Ctrl-K */
	cr_assert_str_eq(lineedit_line(cap->le), "display ntp-service stat");
	feed("\x17");                                          /* Ctrl-W */
	cr_assert_str_eq(lineedit_line(cap->le), "display ntp-service ");
	feed("\x17");
	cr_assert_str_eq(lineedit_line(cap->le), "display ");
	feed("abc\x1b[D\x1b[D\x15");                           /* Ctrl-U */
	cr_assert_str_eq(lineedit_line(cap->le), "bc");
	cr_assert_eq(lineedit_cursor(cap->le), 0);
}

/* VRP's Ctrl-X: everything left of the cursor; Ctrl-Y: the cursor's
 * character and everything right of it. */
Test(lineedit, ctrl_x_ctrl_y)
{
	feed("display clock\x1b[D\x1b[D\x1b[D");   /* cursor on the 'o' of clock */
	cap->outlen = 0;
	feed("\x18");                            /* Ctrl-X */
	cr_assert_str_eq(lineedit_line(cap->le), "ock");
	cr_assert_eq(lineedit_cursor(cap->le), 0);
	/* Back to the start of the input, the tail re-printed, the rest erased. */
	cr_assert_str_eq(cap->out, "\b\b\b\b\b\b\b\b\b\b" "ock\x1b[K\b\b\b");
	feed("\x18");                            /* nothing left of the cursor */
	cr_assert_str_eq(lineedit_line(cap->le), "ock");
	feed("\x05\x02\x02");                    /* End, two left: on the 'c' */
	cap->outlen = 0;
	feed("\x19");                            /* Ctrl-Y */
	cr_assert_str_eq(lineedit_line(cap->le), "o");
	cr_assert_eq(lineedit_cursor(cap->le), 1);
	cr_assert_str_eq(cap->out, "\x1b[K");
	feed("\x19");                            /* at the end: nothing */
	cr_assert_str_eq(lineedit_line(cap->le), "o");
	feed("\x01\x19");                        /* from the start: all */
	cr_assert_str_eq(lineedit_line(cap->le), "");
}

/* Esc-B / Esc-F move by words, Esc-D deletes to the end of the word. */
Test(lineedit, esc_word_keys)
{
	feed("display ntp-service  status");
	cap->outlen = 0;
	feed("\x1b" "b");                         /* to the start of "status" */
	cr_assert_eq(lineedit_cursor(cap->le), strlen("display ntp-service  "));
	cr_assert_str_eq(cap->out, "\b\b\b\b\b\b");
	feed("\x1b" "B");                         /* over the blanks to "ntp-service" */
	cr_assert_eq(lineedit_cursor(cap->le), strlen("display "));
	feed("\x1b" "b\x1b" "b");                 /* stops at the start of the line */
	cr_assert_eq(lineedit_cursor(cap->le), 0);
	cap->outlen = 0;
	feed("\x1b" "f");                         /* to the end of "display" */
	cr_assert_eq(lineedit_cursor(cap->le), strlen("display"));
	cr_assert_str_eq(cap->out, "display");
	feed("\x1b" "F");                         /* to the end of "ntp-service" */
	cr_assert_eq(lineedit_cursor(cap->le), strlen("display ntp-service"));
	cap->outlen = 0;
	feed("\x1b" "d");                         /* deletes "  status" */
	cr_assert_str_eq(lineedit_line(cap->le), "display ntp-service");
	cr_assert_eq(lineedit_cursor(cap->le), strlen("display ntp-service"));
	cr_assert_str_eq(cap->out, "\x1b[K");
	feed("\x1b" "d");                         /* nothing after the cursor */
	cr_assert_str_eq(lineedit_line(cap->le), "display ntp-service");
	feed("\x01\x1b" "D");                     /* from the start: the first word */
	cr_assert_str_eq(lineedit_line(cap->le), " ntp-service");
	cr_assert_eq(lineedit_cursor(cap->le), 0);
	feed("\x1b" "f\x1b" "f");                 /* Esc-F stops at the end */
	cr_assert_eq(lineedit_cursor(cap->le), strlen(" ntp-service"));
	/* Other Alt+keys are still ignored. */
	feed("\x1b" "x\x1b" "q");
	cr_assert_str_eq(lineedit_line(cap->le), " ntp-service");
	/* Esc-D in the middle of a word deletes its rest and re-prints the tail. */
	feed("\x01\x1b" "f\x02\x02\x02");         /* on the 'i' of "ntp-service" */
	cap->outlen = 0;
	feed("\x1b" "d");
	cr_assert_str_eq(lineedit_line(cap->le), " ntp-serv");
	cr_assert_str_eq(cap->out, "\x1b[K");
}

Test(lineedit, history)
{
	feed("one\r\ntwo\r\ntwo\r\n\r\nthree\r\n");
	cr_assert_eq(lineedit_history_len(cap->le), 3);
	cr_assert_str_eq(lineedit_history_get(cap->le, 0), "one");
	cr_assert_str_eq(lineedit_history_get(cap->le, 2), "three");
	feed("par");
	feed("\x1b[A");
	cr_assert_str_eq(lineedit_line(cap->le), "three");
	feed("\x1b[A\x1b[A\x1b[A\x1b[A");
	cr_assert_str_eq(lineedit_line(cap->le), "one");
	feed("\x1b[B");
	cr_assert_str_eq(lineedit_line(cap->le), "two");
	feed("\x0e\x0e");   /* Ctrl-N back to the line being typed */
	cr_assert_str_eq(lineedit_line(cap->le), "par");
	feed("\x10\r\n");   /* Ctrl-P and run it */
	cr_assert_str_eq(cap->lines[cap->nlines - 1], "three");
	cr_assert_eq(lineedit_history_len(cap->le), 3);
}

/* VRP keeps one copy of a command: running it again moves it to the
 * newest place; blank lines are no commands. */
Test(lineedit, history_one_copy_per_command)
{
	feed("sys\r\ndisplay this\r\ncommit\r\n   \r\ndisplay this\r\n");
	cr_assert_eq(lineedit_history_len(cap->le), 3);
	cr_assert_str_eq(lineedit_history_get(cap->le, 0), "sys");
	cr_assert_str_eq(lineedit_history_get(cap->le, 1), "commit");
	cr_assert_str_eq(lineedit_history_get(cap->le, 2), "display this");
	/* As typed: "dis  this" is another command. */
	feed("dis  this\r\n");
	cr_assert_eq(lineedit_history_len(cap->le), 4);
	feed("\x10\x10");
	cr_assert_str_eq(lineedit_line(cap->le), "display this");
}

Test(lineedit, history_bounded)
{
	char buf[32];

	for (int i = 0; i < 40; i++) {
		snprintf(buf, sizeof(buf), "line%d\r\n", i);
		feed(buf);
	}
	cr_assert_eq(lineedit_history_len(cap->le), LINEEDIT_HISTORY);
	cr_assert_str_eq(lineedit_history_get(cap->le, 0), "line8");
	cr_assert_str_eq(lineedit_history_get(cap->le, LINEEDIT_HISTORY - 1), "line39");
}

Test(lineedit, help_question_mark)
{
	feed("dis ?");
	cr_assert_eq(cap->nhelp, 1);
	cr_assert_str_eq(cap->help, "dis ");
	cr_assert_str_eq(lineedit_line(cap->le), "dis ");
	cr_assert_str_eq(cap->out, "dis ?\r\n  HELP\r\n<R>dis ");
	/* Partial word, cursor inside the line: help sees the text before it. */
	feed("clo\x1b[D?");
	cr_assert_str_eq(cap->help, "dis cl");
	cr_assert_str_eq(lineedit_line(cap->le), "dis clo");
	cr_assert_eq(lineedit_cursor(cap->le), 6);
	cr_assert_eq(cap->nlines, 0);
}

Test(lineedit, question_mark_plain_mode)
{
	lineedit_set_mode(cap->le, LINEEDIT_PLAIN);
	feed("a?b\r\n");
	cr_assert_eq(cap->nhelp, 0);
	cr_assert_str_eq(cap->lines[0], "a?b");
	cr_assert_eq(lineedit_history_len(cap->le), 0);
}

Test(lineedit, tab_completion)
{
	cap->comp_result = "display ";
	feed("dis\t");
	cr_assert_eq(cap->ncomp, 1);
	cr_assert_str_eq(cap->comp, "dis");
	cr_assert_str_eq(lineedit_line(cap->le), "display ");
	cr_assert_eq(lineedit_cursor(cap->le), 8);
	cr_assert_str_eq(cap->out, "dis\b\b\bdisplay \x1b[K");
	/* Completion in the middle keeps the tail. */
	cap->comp_result = "display clock";
	feed("x\x1b[D\x1b[D");   /* line "display x", cursor after "display" */
	feed("\t");
	cr_assert_str_eq(cap->comp, "display");
	cr_assert_str_eq(lineedit_line(cap->le), "display clock x");
	cr_assert_eq(lineedit_cursor(cap->le), strlen("display clock"));
}

Test(lineedit, tab_ambiguous_redraws)
{
	cap->comp_result = NULL;
	cap->comp_writes = true;
	feed("d\t");
	cr_assert_str_eq(lineedit_line(cap->le), "d");
	cr_assert_str_eq(cap->out, "d\r\n  a  b\r\n<R>d");
	/* Nothing to complete and nothing written: no change, no output. */
	cap->comp_writes = false;
	cap->outlen = 0;
	cap->out[0] = '\0';
	feed("\t");
	cr_assert_str_eq(cap->out, "");
}

/* Repeated TABs: each answer replaces the text before the cursor in place
 * (the engine cycles through the candidates), the tail kept. */
Test(lineedit, tab_repeated_replaces_in_place)
{
	static const char *const seq[] = {
		"ip route-static default-", "ip route-static default-bfd",
		"ip route-static default-preference", "ip route-static default-bfd", NULL,
	};

	cap->comp_seq = seq;
	feed("ip route-static d");
	feed("\t");
	cr_assert_str_eq(lineedit_line(cap->le), "ip route-static default-");
	feed("\t");
	cr_assert_str_eq(cap->comp, "ip route-static default-");
	cr_assert_str_eq(lineedit_line(cap->le), "ip route-static default-bfd");
	cap->outlen = 0;
	feed("\t");
	cr_assert_str_eq(cap->comp, "ip route-static default-bfd");
	cr_assert_str_eq(lineedit_line(cap->le), "ip route-static default-preference");
	cr_assert_eq(lineedit_cursor(cap->le), strlen("ip route-static default-preference"));
	/* Redrawn from the start of the input, on the same terminal line. */
	cr_assert_null(strchr(cap->out, '\n'));
	feed("\t");
	cr_assert_str_eq(lineedit_line(cap->le), "ip route-static default-bfd");
	cr_assert_eq(cap->ncomp, 4);
}

Test(lineedit, ctrl_c_and_ctrl_z)
{
	feed("garbage\x03");
	cr_assert_eq(cap->nlines, 0);
	cr_assert_str_eq(lineedit_line(cap->le), "");
	cr_assert_str_eq(cap->out, "garbage^C\r\n<R>");
	feed("more\x1a");
	cr_assert_eq(cap->nlines, 1);
	cr_assert_str_eq(cap->lines[0], "return");
	cr_assert_eq(lineedit_history_len(cap->le), 0);
}

static int n_cancel;

static void cap_cancel(void *arg)
{
	struct cap *c = arg;

	n_cancel++;
	lineedit_set_prompt(c->le, "[~R]");
	lineedit_start(c->le);
}

/* With on_cancel, Ctrl-C hands the next line to the owner (a question
 * abandoned: the view's prompt instead of the question's). */
Test(lineedit, ctrl_c_calls_owner)
{
	static const struct lineedit_ops ops = {
		.write = cap_write,
		.on_line = cap_line,
		.on_cancel = cap_cancel,
	};
	struct lineedit *le = lineedit_new(&ops, cap);

	lineedit_free(cap->le);
	cap->le = le;
	lineedit_set_mode(le, LINEEDIT_PLAIN);
	lineedit_set_prompt(le, "");
	lineedit_start(le);
	feed("y\x03");
	cr_assert_eq(n_cancel, 1);
	cr_assert_eq(cap->nlines, 0);
	cr_assert_str_eq(lineedit_line(le), "");
	cr_assert_str_eq(cap->out, "y^C\r\n[~R]");
}

Test(lineedit, over_long_line_refused)
{
	char big[700];
	size_t bells = 0;

	memset(big, 'a', sizeof(big));
	feedn(big, sizeof(big));
	cr_assert_eq(strlen(lineedit_line(cap->le)), CLI_MAX_LINE);
	for (size_t i = 0; i < cap->outlen; i++)
		bells += cap->out[i] == '\a';
	cr_assert_eq(bells, sizeof(big) - CLI_MAX_LINE);
	feed("\r\n");
	cr_assert_eq(strlen(cap->lines[0]), CLI_MAX_LINE);
}

Test(lineedit, secret_mode_no_echo)
{
	lineedit_set_mode(cap->le, LINEEDIT_SECRET);
	feed("s3cr?t\x7fT\r\n");
	cr_assert_str_eq(cap->lines[0], "s3cr?T");
	cr_assert_str_eq(cap->out, "\r\n");
	cr_assert_eq(lineedit_history_len(cap->le), 0);
}

Test(lineedit, off_mode_ignores_input)
{
	lineedit_set_mode(cap->le, LINEEDIT_OFF);
	feed("quit\r\n");
	cr_assert_eq(cap->nlines, 0);
	cr_assert_eq(cap->outlen, 0);
}

Test(lineedit, escape_sequences_bounded)
{
	char seq[300];

	/* A CSI with far too many parameters is ignored as a whole. */
	seq[0] = 0x1b;
	seq[1] = '[';
	memset(seq + 2, '9', sizeof(seq) - 3);
	seq[sizeof(seq) - 1] = 'D';
	feed("ab");
	feedn(seq, sizeof(seq));
	cr_assert_eq(lineedit_cursor(cap->le), 2);
	/* Endless ESC, unknown finals, Alt+key, aborted sequences. */
	for (int i = 0; i < 1000; i++)
		feed("\x1b");
	feed("[Z\x1b" "x\x1bO\x01" "c");
	cr_assert_str_eq(lineedit_line(cap->le), "cab");
	feed("\r\n");
	cr_assert_str_eq(cap->lines[0], "cab");
}

Test(lineedit, random_storm)
{
	static const char special[] = "\x1b[O~ABCDHF0123\r\n\t?\x7f\b\x01\x03\x0b\x15\x17\x1a";
	unsigned int seed = 12345;
	char buf[256];

	cap->restart = true;
	cap->comp_result = "display current-configuration ";
	for (int round = 0; round < 4000; round++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof(buf));

		for (size_t i = 0; i < n; i++) {
			int r = rand_r(&seed);

			/* Bias towards the interesting bytes. */
			switch (r % 4) {
			case 0: buf[i] = special[(r >> 2) % (sizeof(special) - 1)]; break;
			default: buf[i] = (char)(r >> 8); break;
			}
		}
		if (round % 1000 == 999)
			lineedit_set_mode(cap->le, (enum lineedit_mode)(round / 1000 % 3));
		feedn(buf, n);
		cr_assert_leq(strlen(lineedit_line(cap->le)), CLI_MAX_LINE);
		cr_assert_leq(lineedit_cursor(cap->le), strlen(lineedit_line(cap->le)));
	}
	cr_assert_leq(lineedit_history_len(cap->le), LINEEDIT_HISTORY);
}
