/*
 * pipe.h: the output pipes of `display` commands (`| include REGEX`,
 * `| exclude REGEX`, `| begin REGEX`, `| count`, `| no-more`, with the
 * `ignore-case` and `section` modifiers) and VRP's regular expressions.
 *
 * cli.c splits a display line at its first "|" word: the words before go
 * to the grammar, the words after to pipe_parse(), which compiles a chain of
 * stages.  While the command runs, everything it writes goes through
 * pipe_feed() a line at a time, each stage passing lines left to right;
 * pipe_finish() ends the output (`count` prints its total then).
 *
 * Independent of telnet and of the session: tests drive it directly.
 */
#ifndef MERIDIAN_CLID_PIPE_H
#define MERIDIAN_CLID_PIPE_H

#include <stdbool.h>
#include <stddef.h>

#include "grammar.h"

/* VRP allows at most 32 filters on one display (NE40E, CE6800). */
#define PIPE_MAX_STAGES 32
/* A regular expression is 1..255 characters (VRP). */
#define PIPE_REGEX_MAX 255

/* VRP's regular expression `vrp` as a POSIX extended one (regcomp with
 * REG_EXTENDED), malloc'd into *out.  0, or -EINVAL with *why saying what
 * is wrong (a static sentence without a final period).  See pipe.c for the
 * rules. */
int pipe_regex_translate(const char *vrp, char **out, const char **why);

typedef void (*pipe_out_fn)(void *arg, const char *buf, size_t len);

struct pipe_chain;

/* What pipe_parse() found wrong: a grammar error with the column of its
 * caret (offset in the line), and for a bad regular expression a sentence
 * of its own in msg (then err is GRAM_WRONG_PARAM). */
struct pipe_error {
	enum gram_err err;
	size_t col;
	char msg[192];
};

/* The pipes of a line: the words of t from index `bar` (a word "|") on.
 * 0 with *out (pipe_free()), or -EINVAL with *e filled. */
int pipe_parse(const struct gram_tokens *t, size_t bar, struct pipe_chain **out,
	       struct pipe_error *e);
void pipe_free(struct pipe_chain *pc);

/* Where the chain writes what passes ("\r\n" line ends). */
void pipe_set_out(struct pipe_chain *pc, pipe_out_fn out, void *arg);
/* Command output, any slicing; lines end in "\n" (a "\r" before it is
 * dropped and written back on output). */
void pipe_feed(struct pipe_chain *pc, const char *buf, size_t len);
/* The command's output is over: a last line without its end is filtered,
 * then `count` writes "Total lines: N.". */
void pipe_finish(struct pipe_chain *pc);
/* True when the chain has `| no-more`: the output is not paged. */
bool pipe_no_more(const struct pipe_chain *pc);

/* The index of the first word "|" of t, or t->n when there is none. */
size_t pipe_find_bar(const struct gram_tokens *t);

/* '?' and TAB after a "|": what may come at the end of t (the words from
 * `bar` on), in gram_help's form (gram_help_clear() frees it). */
void pipe_help(const struct gram_tokens *t, size_t bar, struct gram_help *out);

#endif
