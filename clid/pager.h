/*
 * pager.h: the `---- More ----` pager of one VTY, independent of telnet.
 *
 * The front end starts the pager for each command's output with the
 * number of terminal rows (pager_start()), writes the output through it
 * (pager_write()) and, while it waits at the More prompt, hands it the
 * keys typed (pager_keys()).  Output that does not fit waits in the pager,
 * bounded by max_pending bytes; nothing else waits for the reader.
 *
 * Output is also paced by the terminal: while room() says the connection's
 * queue is full, it waits in the pager (paging or not) and pager_resume()
 * goes on once the queue has drained, so a long display never needs more
 * than the pager's bound, however slowly the reader reads.
 *
 * A page is rows - 1 lines of output and the More line under them, so a
 * page fills the screen.  At the prompt: Space shows the next page, Enter
 * (CR, LF, CR LF or CR NUL) one more line, any other key (`q`, Ctrl-C, ...)
 * stops: the rest of the command's output is discarded (VRP8's `+re`,
 * `-re` and `/re` filters typed at the More prompt are not offered: `+`,
 * `-` and `/` stop like any other key).  The prompt
 * `  ---- More ----` is erased with ESC[42D, 42 blanks, ESC[42D before
 * anything else is written.
 */
#ifndef MERIDIAN_CLID_PAGER_H
#define MERIDIAN_CLID_PAGER_H

#include <stdbool.h>
#include <stddef.h>

#define PAGER_PROMPT "  ---- More ----"
#define PAGER_ERASE "\x1b[42D                                          \x1b[42D"
/* What a VTY keeps for a reader at most (a 100,000-line configuration is
 * about 3 MB). */
#define PAGER_MAX_PENDING (8u * 1024 * 1024)

typedef void (*pager_write_fn)(void *arg, const char *buf, size_t len);
/* True when the terminal takes more output now. */
typedef bool (*pager_room_fn)(void *arg);

struct pager;

/* A pager writing to w(arg) while room(arg) (NULL: always), keeping at
 * most max_pending bytes waiting. */
struct pager *pager_new(size_t max_pending, pager_write_fn w, pager_room_fn room, void *arg);
void pager_free(struct pager *p);

/* A command's output starts: pages of `rows` rows, 0 for no paging.
 * Forgets what an earlier command left waiting. */
void pager_start(struct pager *p, unsigned rows);
/* No paging for the rest of this command's output (`| no-more`); output
 * already waiting is still paged. */
void pager_no_more(struct pager *p);
/* Output of the command: written now as far as the page goes, the rest
 * kept (past max_pending it is dropped, and once the reader has seen what
 * was kept a line says the output was cut). Discarded after a stop. */
void pager_write(struct pager *p, const char *buf, size_t len);

/* The terminal has room again: write what waits, as far as the page and
 * the room go. */
void pager_resume(struct pager *p);
/* True while output waits (for a key or for room): the prompt must wait. */
bool pager_busy(const struct pager *p);
/* True while the More prompt waits for a key. */
bool pager_waiting(const struct pager *p);
/* True while typed bytes belong to the pager: it waits, or the LF or NUL
 * after the CR that answered it may still come. */
bool pager_wants_input(const struct pager *p);
/* Typed bytes: returns how many the pager took (0 when it wants none).
 * When it stops waiting, the rest belongs to the line editor. */
size_t pager_keys(struct pager *p, const char *buf, size_t len);
/* True after a key stopped this command's output. */
bool pager_stopped(const struct pager *p);
/* Bytes waiting for the reader. */
size_t pager_pending(const struct pager *p);

#endif
