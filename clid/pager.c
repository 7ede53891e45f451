/*
 * pager.c: the More pager (see pager.h).
 *
 * States: PASS (no paging: written as it comes), RUN (counting the lines
 * of the page shown so far), WAIT (More shown; output is kept), STOP (a
 * key stopped the output: discarded until the next command).  A page ends
 * when `page` lines have been shown and more output comes: the More line
 * goes up only when there is something to show after it.
 *
 * Pacing: before each line (or piece without a line end) the pager asks
 * room(); without room the rest waits as if behind a More prompt, and
 * pager_resume() takes it up, in PASS and RUN alike.
 *
 * The bound: at most max_pending bytes wait.  Output past it is dropped
 * (and everything after it in the same command, so the reader never sees
 * a gap), and once the reader has read all that was kept, one line says
 * so.  The writer (the session) is never stopped: the pager is what a
 * reader who does not answer costs, and only that reader's VTY.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pager.h"

/* At most this much is written between two looks at the room (a line
 * longer than that goes in pieces). */
#define PAGER_PIECE 16384

enum pager_state { PG_PASS = 0, PG_RUN, PG_WAIT, PG_STOP };

struct pager {
	pager_write_fn write;
	pager_room_fn room;
	void *arg;
	size_t max_pending;
	enum pager_state state;
	unsigned page;          /* lines of output per page */
	unsigned shown;         /* lines shown of the current page */
	bool skip_nl;           /* a CR answered: its LF or NUL is ours */
	bool cut;               /* output was dropped past the bound */
	char *buf;              /* waiting output: buf[off..len) */
	size_t off, len, cap;
};

struct pager *pager_new(size_t max_pending, pager_write_fn w, pager_room_fn room, void *arg)
{
	struct pager *p = xcalloc(1, sizeof(*p));

	p->write = w;
	p->room = room;
	p->arg = arg;
	p->max_pending = max_pending;
	return p;
}

void pager_free(struct pager *p)
{
	if (!p)
		return;
	free(p->buf);
	free(p);
}

size_t pager_pending(const struct pager *p)
{
	return p->len - p->off;
}

static void pending_clear(struct pager *p)
{
	p->off = p->len = 0;
}

void pager_start(struct pager *p, unsigned rows)
{
	pending_clear(p);
	p->cut = false;
	p->shown = 0;
	p->page = rows > 1 ? rows - 1 : 1;
	p->state = rows > 0 ? PG_RUN : PG_PASS;
}

void pager_no_more(struct pager *p)
{
	if (p->state == PG_RUN)
		p->state = PG_PASS;
}

/* Keep output for later, within the bound. */
static void pending_add(struct pager *p, const char *buf, size_t len)
{
	size_t room;

	if (p->cut)
		return;
	room = p->max_pending > pager_pending(p) ? p->max_pending - pager_pending(p) : 0;
	if (len > room) {
		len = room;
		p->cut = true;
	}
	if (len == 0)
		return;
	if (p->off > 0 && p->len + len > p->cap) {
		memmove(p->buf, p->buf + p->off, p->len - p->off);
		p->len -= p->off;
		p->off = 0;
	}
	if (p->len + len > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;

		while (cap < p->len + len)
			cap *= 2;
		p->buf = xrealloc(p->buf, cap);
		p->cap = cap;
	}
	memcpy(p->buf + p->len, buf, len);
	p->len += len;
}

/* Show what fits on the page (RUN) and the terminal from buf; returns how
 * much was shown.  Sets WAIT (and shows More) when the page is full and
 * bytes remain. */
static size_t show(struct pager *p, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (p->state == PG_RUN && p->shown >= p->page) {
			p->write(p->arg, PAGER_PROMPT, strlen(PAGER_PROMPT));
			p->state = PG_WAIT;
			break;
		}
		if (p->room && !p->room(p->arg))
			break;
		size_t avail = len - i < PAGER_PIECE ? len - i : PAGER_PIECE;
		const char *nl = memchr(buf + i, '\n', avail);
		size_t n = nl ? (size_t)(nl - (buf + i)) + 1 : avail;

		p->write(p->arg, buf + i, n);
		i += n;
		if (nl)
			p->shown++;
	}
	return i;
}

/* Show the waiting output as the page and the room allow; once it is all
 * out after a cut, say so and take no more. */
static void flush_pending(struct pager *p)
{
	size_t n = show(p, p->buf + p->off, pager_pending(p));

	p->off += n;
	if (p->off == p->len)
		pending_clear(p);
	if (p->state != PG_WAIT && p->cut && pager_pending(p) == 0) {
		char msg[128];

		snprintf(msg, sizeof(msg),
			 "Info: The output was cut: more than %zu bytes waited to be read.\r\n",
			 p->max_pending);
		p->write(p->arg, msg, strlen(msg));
		/* Nothing more of this command: it was cut. */
		p->state = PG_STOP;
	}
}

void pager_write(struct pager *p, const char *buf, size_t len)
{
	size_t n;

	if (len == 0)
		return;
	switch (p->state) {
	case PG_PASS:
	case PG_RUN:
		if (pager_pending(p) > 0) {
			/* Behind what waits for room. */
			pending_add(p, buf, len);
			break;
		}
		n = show(p, buf, len);
		if (n < len)
			pending_add(p, buf + n, len - n);
		break;
	case PG_WAIT:
		pending_add(p, buf, len);
		break;
	case PG_STOP:
		break;
	}
}

void pager_resume(struct pager *p)
{
	if ((p->state == PG_PASS || p->state == PG_RUN) && (pager_pending(p) > 0 || p->cut))
		flush_pending(p);
}

bool pager_busy(const struct pager *p)
{
	return p->state == PG_WAIT || pager_pending(p) > 0 ||
	       (p->cut && p->state != PG_STOP);
}

/* After a key: show the waiting output as the page allows. */
static void drain(struct pager *p)
{
	p->state = PG_RUN;
	flush_pending(p);
}

bool pager_waiting(const struct pager *p)
{
	return p->state == PG_WAIT;
}

bool pager_wants_input(const struct pager *p)
{
	return p->state == PG_WAIT || p->skip_nl;
}

bool pager_stopped(const struct pager *p)
{
	return p->state == PG_STOP;
}

size_t pager_keys(struct pager *p, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)buf[i];

		if (p->skip_nl) {
			p->skip_nl = false;
			if (c == '\n' || c == '\0') {
				i++;
				continue;
			}
		}
		if (p->state != PG_WAIT)
			break;
		i++;
		p->write(p->arg, PAGER_ERASE, strlen(PAGER_ERASE));
		if (c == ' ') {
			p->shown = 0;
			drain(p);
		} else if (c == '\r' || c == '\n') {
			p->skip_nl = c == '\r';
			p->shown = p->page - 1;
			drain(p);
		} else {
			/* Any other key stops; an escape sequence (an arrow
			 * key) is taken whole as far as it has arrived. */
			if (c == 0x1b && i < len && (buf[i] == '[' || buf[i] == 'O')) {
				i++;
				while (i < len && !((unsigned char)buf[i] >= 0x40 &&
						    (unsigned char)buf[i] <= 0x7e))
					i++;
				if (i < len)
					i++;
			}
			pending_clear(p);
			p->state = PG_STOP;
		}
	}
	return i;
}
