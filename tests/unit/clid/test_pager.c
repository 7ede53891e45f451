/*
 * test_pager.c: the More pager's state machine (clid/pager.c) without a
 * terminal: pages of rows - 1 lines, Space for a page, Enter (CR, LF, CR
 * LF, CR NUL) for a line, any other key to stop, output arriving while the
 * prompt waits, the bound on what waits, `| no-more`, and no More at all
 * when the output ends exactly at a page's end.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "pager.h"

static struct sbuf screen;

static void w(void *arg, const char *buf, size_t len)
{
	sbuf_printf(&screen, "%.*s", (int)len, buf);
}

/* What was written since the last call, with the More prompt as "<MORE>"
 * and its erasure as "<ERASE>". */
static const char *written(void)
{
	static char out[1 << 16];
	const char *p = screen.buf ? screen.buf : "";
	size_t o = 0;

	while (*p && o + 16 < sizeof(out)) {
		if (!strncmp(p, PAGER_PROMPT, strlen(PAGER_PROMPT))) {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "<MORE>");
			p += strlen(PAGER_PROMPT);
		} else if (!strncmp(p, PAGER_ERASE, strlen(PAGER_ERASE))) {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "<ERASE>");
			p += strlen(PAGER_ERASE);
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	sbuf_free(&screen);
	return out;
}

static void lines(struct pager *p, int from, int to)
{
	char b[32];

	for (int i = from; i <= to; i++) {
		snprintf(b, sizeof(b), "l%d\r\n", i);
		pager_write(p, b, strlen(b));
	}
}

Test(pager, page_line_stop)
{
	struct pager *p = pager_new(PAGER_MAX_PENDING, w, NULL, NULL);

	pager_start(p, 4);   /* 3 lines and More */
	lines(p, 1, 10);
	cr_assert_str_eq(written(), "l1\r\nl2\r\nl3\r\n<MORE>");
	cr_assert(pager_waiting(p));
	cr_assert(pager_wants_input(p));
	cr_assert_eq(pager_pending(p), strlen("l4\r\nl5\r\nl6\r\nl7\r\nl8\r\nl9\r\nl10\r\n"));

	/* Space: the next page. */
	cr_assert_eq(pager_keys(p, " ", 1), 1);
	cr_assert_str_eq(written(), "<ERASE>l4\r\nl5\r\nl6\r\n<MORE>");
	/* Enter (CR LF): one more line; the LF is the pager's. */
	cr_assert_eq(pager_keys(p, "\r\n", 2), 2);
	cr_assert_str_eq(written(), "<ERASE>l7\r\n<MORE>");
	/* A lone LF is Enter too. */
	cr_assert_eq(pager_keys(p, "\n", 1), 1);
	cr_assert_str_eq(written(), "<ERASE>l8\r\n<MORE>");
	/* q stops: the rest is dropped, later output too, and what follows
	 * the key is the line editor's. */
	cr_assert_eq(pager_keys(p, "qdisplay", 8), 1);
	cr_assert_str_eq(written(), "<ERASE>");
	cr_assert_not(pager_waiting(p));
	cr_assert(pager_stopped(p));
	cr_assert_eq(pager_pending(p), 0);
	lines(p, 11, 12);
	cr_assert_str_eq(written(), "");
	cr_assert_eq(pager_keys(p, "x", 1), 0);

	/* The next command starts afresh. */
	pager_start(p, 4);
	lines(p, 1, 2);
	cr_assert_str_eq(written(), "l1\r\nl2\r\n");
	pager_free(p);
}

Test(pager, ctrl_c_and_other_keys_stop)
{
	struct pager *p = pager_new(PAGER_MAX_PENDING, w, NULL, NULL);

	pager_start(p, 2);
	lines(p, 1, 3);
	cr_assert_str_eq(written(), "l1\r\n<MORE>");
	cr_assert_eq(pager_keys(p, "\x03", 1), 1);
	cr_assert(pager_stopped(p));
	cr_assert_str_eq(written(), "<ERASE>");

	/* An arrow key is one key: its sequence is taken whole. */
	pager_start(p, 2);
	lines(p, 1, 3);
	written();
	cr_assert_eq(pager_keys(p, "\x1b[Ab", 4), 3);
	cr_assert(pager_stopped(p));
	pager_free(p);
}

Test(pager, last_page_ends_without_more)
{
	struct pager *p = pager_new(PAGER_MAX_PENDING, w, NULL, NULL);

	/* Exactly a page: no More (nothing would follow it). */
	pager_start(p, 4);
	lines(p, 1, 3);
	cr_assert_str_eq(written(), "l1\r\nl2\r\nl3\r\n");
	cr_assert_not(pager_waiting(p));
	/* Output that comes later still pages (a command answered late). */
	lines(p, 4, 4);
	cr_assert_str_eq(written(), "<MORE>");
	cr_assert(pager_waiting(p));
	/* Space shows it; the output is over, so the pager is through. */
	pager_keys(p, " ", 1);
	cr_assert_str_eq(written(), "<ERASE>l4\r\n");
	cr_assert_not(pager_waiting(p));
	cr_assert_not(pager_wants_input(p));
	pager_free(p);
}

Test(pager, cr_nul_and_late_lf)
{
	struct pager *p = pager_new(PAGER_MAX_PENDING, w, NULL, NULL);

	pager_start(p, 2);
	lines(p, 1, 2);
	written();
	/* CR answers and ends the output; its LF comes in a later read and
	 * is still the pager's, not an empty line for the editor. */
	cr_assert_eq(pager_keys(p, "\r", 1), 1);
	cr_assert_str_eq(written(), "<ERASE>l2\r\n");
	cr_assert_not(pager_waiting(p));
	cr_assert(pager_wants_input(p));
	cr_assert_eq(pager_keys(p, "\n", 1), 1);
	cr_assert_not(pager_wants_input(p));
	/* CR NUL likewise. */
	pager_start(p, 2);
	lines(p, 1, 3);
	written();
	cr_assert_eq(pager_keys(p, "\r\0", 2), 2);
	cr_assert_str_eq(written(), "<ERASE>l2\r\n<MORE>");
	/* After a CR, a byte that is no LF is a key again. */
	cr_assert_eq(pager_keys(p, "\r", 1), 1);
	cr_assert_str_eq(written(), "<ERASE>l3\r\n");
	cr_assert_eq(pager_keys(p, "a", 1), 0);
	cr_assert_not(pager_wants_input(p));
	pager_free(p);
}

Test(pager, off_and_no_more)
{
	struct pager *p = pager_new(PAGER_MAX_PENDING, w, NULL, NULL);

	pager_start(p, 0);
	lines(p, 1, 50);
	cr_assert_not(pager_waiting(p));
	cr_assert_not(strstr(written(), "<MORE>"));
	pager_start(p, 3);
	pager_no_more(p);
	lines(p, 1, 50);
	cr_assert_not(pager_waiting(p));
	cr_assert_not(strstr(written(), "<MORE>"));
	/* One row: still one line per page. */
	pager_start(p, 1);
	lines(p, 1, 2);
	cr_assert_str_eq(written(), "l1\r\n<MORE>");
	pager_free(p);
}

Test(pager, bounded)
{
	/* 20 bytes may wait: "l3\r\n".."l7\r\n" fit (20), the rest is cut. */
	struct pager *p = pager_new(20, w, NULL, NULL);

	pager_start(p, 3);
	lines(p, 1, 40);
	cr_assert_str_eq(written(), "l1\r\nl2\r\n<MORE>");
	cr_assert_eq(pager_pending(p), 20);
	pager_keys(p, " ", 1);
	cr_assert_str_eq(written(), "<ERASE>l3\r\nl4\r\n<MORE>");
	pager_keys(p, " ", 1);
	cr_assert_str_eq(written(), "<ERASE>l5\r\nl6\r\n<MORE>");
	pager_keys(p, " ", 1);
	cr_assert_str_eq(written(), "<ERASE>l7\r\n"
			 "Info: The output was cut: more than 20 bytes waited to be read.\r\n");
	cr_assert_not(pager_waiting(p));
	/* Nothing more of that command. */
	lines(p, 41, 41);
	cr_assert_str_eq(written(), "");
	pager_free(p);
}

Test(pager, partial_lines)
{
	struct pager *p = pager_new(PAGER_MAX_PENDING, w, NULL, NULL);

	/* Lines written in pieces count once, at their end. */
	pager_start(p, 3);
	pager_write(p, "ab", 2);
	pager_write(p, "c\r\nde", 5);
	pager_write(p, "f\r\ng\r\nh\r\n", 9);
	cr_assert_str_eq(written(), "abc\r\ndef\r\n<MORE>");
	pager_keys(p, " ", 1);
	cr_assert_str_eq(written(), "<ERASE>g\r\nh\r\n");
	pager_free(p);
}

static bool room_now;

static bool room(void *arg)
{
	return room_now;
}

/* Paced by the terminal: without room the output waits (paged or not),
 * in order, and pager_resume() goes on; the page still counts. */
Test(pager, paced_by_room)
{
	struct pager *p = pager_new(PAGER_MAX_PENDING, w, room, NULL);

	room_now = true;
	pager_start(p, 0);
	lines(p, 1, 1);
	room_now = false;
	lines(p, 2, 3);
	cr_assert_str_eq(written(), "l1\r\n");
	cr_assert(pager_busy(p));
	cr_assert_not(pager_waiting(p));
	cr_assert_not(pager_wants_input(p));
	pager_resume(p);
	cr_assert_str_eq(written(), "");
	room_now = true;
	lines(p, 4, 4);   /* behind what waits */
	cr_assert_str_eq(written(), "");
	pager_resume(p);
	cr_assert_str_eq(written(), "l2\r\nl3\r\nl4\r\n");
	cr_assert_not(pager_busy(p));

	/* Paged: the More prompt comes where the page ends, room or not. */
	pager_start(p, 3);
	room_now = false;
	lines(p, 1, 5);
	cr_assert_str_eq(written(), "");
	room_now = true;
	pager_resume(p);
	cr_assert_str_eq(written(), "l1\r\nl2\r\n<MORE>");
	cr_assert(pager_waiting(p));
	pager_resume(p);   /* nothing while it waits for a key */
	cr_assert_str_eq(written(), "");
	pager_keys(p, " ", 1);
	cr_assert_str_eq(written(), "<ERASE>l3\r\nl4\r\n<MORE>");

	/* A long line without an end goes out in pieces between looks. */
	pager_start(p, 0);
	char big[40000];
	memset(big, 'x', sizeof(big));
	room_now = true;
	pager_write(p, big, sizeof(big));
	cr_assert_eq(strlen(written()), sizeof(big));
	pager_free(p);
}
