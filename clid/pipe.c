/*
 * pipe.c: the output pipes of `display` commands (see pipe.h).
 *
 * Syntax, as VRP8 writes it (NE40E V800R012 and CE6800 V300R023 command
 * references, "Filtering the command output"): after the command, any
 * number (at most PIPE_MAX_STAGES) of stages, applied left to right:
 *
 *   | [ ignore-case ] [ section ] { include | exclude | begin } REGEX
 *   | count            "Total lines: N." for the lines that reach it
 *   | no-more          the output is not paged
 *
 * Keywords may be abbreviated to a unique prefix, case-insensitively.  The
 * modifiers come before the filter, in either order (NE40E: they need a
 * filter; CE only says they combine with one: we take NE40E's reading).
 * REGEX is every word up to the next word "|" (so a pattern may hold
 * spaces, but an alternation written with a "|" between blanks is read as
 * the next stage: write `a|b`).  `ignore-case` makes the match case-
 * insensitive.  `section` works on sections: a line that does not start
 * with a blank heads a section, the blank-indented lines after it belong to
 * it; the filter looks only at the head and keeps (include), drops
 * (exclude) or starts the output at (begin) the whole section.
 * Not implemented: `| refresh` (periodic redisplay) and `> file` /
 * `>> file` (no file system is offered to operators).
 *
 * Regular expressions: VRP's are POSIX-like (CE6800 "Regular
 * Expressions"): `\ ^ $ * + ? . ( ) | [..] [^..]`, with no `\d`-style
 * classes and no `{m,n}` intervals.  pipe_regex_translate() maps them to
 * POSIX extended (regcomp(3)); where the two differ:
 *   - `^` anchors only as the first character and `$` only as the last;
 *     anywhere else they are literal characters;
 *   - `*`, `+` and `?` with nothing to repeat (at the start, after `(`,
 *     after `|`, after the leading `^`) are literal;
 *   - `{` and `}` are literal (ERE would read an interval);
 *   - `\` before a letter or digit is that character (`\d` is a "d"; ERE
 *     leaves it undefined), before anything else it escapes it, and a
 *     final `\` is a literal backslash;
 *   - `[..]` is copied as it is (POSIX bracket expressions, classes such
 *     as `[[:digit:]]` included); an unclosed `[` is an error;
 *   - VRP's `_` (a delimiter) is not supported: it is a literal underscore.
 * What regcomp() still refuses (an unmatched parenthesis, say) is an error
 * with regerror()'s words.
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "log.h"
#include "pipe.h"

/* A partial line longer than this is filtered as a line. */
#define PIPE_LINE_MAX (64 * 1024)

enum stage_kind { ST_INCLUDE, ST_EXCLUDE, ST_BEGIN, ST_COUNT, ST_NOMORE };

struct stage {
	enum stage_kind kind;
	bool icase, section;
	regex_t re;
	bool have_re;
	bool begun;            /* ST_BEGIN: the first match was seen */
	bool keep;             /* section: the current section passes */
	unsigned long count;   /* ST_COUNT */
};

struct pipe_chain {
	struct stage st[PIPE_MAX_STAGES];
	size_t n;
	bool no_more;
	pipe_out_fn out;
	void *out_arg;
	struct sbuf part;      /* the line not ended yet */
};

/* ---- regular expressions ---- */

static void add_ch(struct sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}

int pipe_regex_translate(const char *vrp, char **out, const char **why)
{
	struct sbuf b = { 0 };
	size_t n = strlen(vrp);
	bool atom = false;   /* something before that a quantifier may repeat */

	sbuf_add(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		char c = vrp[i];

		switch (c) {
		case '\\':
			if (i + 1 == n) {
				sbuf_add(&b, "\\\\", 2);
			} else {
				char d = vrp[++i];

				if (!isalnum((unsigned char)d))
					add_ch(&b, '\\');
				add_ch(&b, d);
			}
			atom = true;
			break;
		case '^':
			if (i == 0) {
				add_ch(&b, '^');
			} else {
				sbuf_add(&b, "\\^", 2);
				atom = true;
			}
			break;
		case '$':
			if (i + 1 == n) {
				add_ch(&b, '$');
			} else {
				sbuf_add(&b, "\\$", 2);
				atom = true;
			}
			break;
		case '*':
		case '+':
		case '?':
			if (!atom)
				add_ch(&b, '\\');
			add_ch(&b, c);
			atom = true;
			break;
		case '{':
		case '}':
			add_ch(&b, '\\');
			add_ch(&b, c);
			atom = true;
			break;
		case '(':
		case '|':
			add_ch(&b, c);
			atom = false;
			break;
		case '[': {
			size_t j = i + 1;

			if (j < n && vrp[j] == '^')
				j++;
			if (j < n && vrp[j] == ']')
				j++;   /* a leading ']' is a member */
			while (j < n && vrp[j] != ']') {
				if (vrp[j] == '[' && j + 1 < n &&
				    (vrp[j + 1] == ':' || vrp[j + 1] == '.' || vrp[j + 1] == '=')) {
					const char *close = strstr(vrp + j + 2,
								   vrp[j + 1] == ':' ? ":]" :
								   vrp[j + 1] == '.' ? ".]" : "=]");
					if (!close)
						break;
					j = (size_t)(close - vrp) + 2;
					continue;
				}
				j++;
			}
			if (j >= n) {
				free(b.buf);
				*why = "unmatched [";
				return -EINVAL;
			}
			sbuf_add(&b, vrp + i, j - i + 1);
			i = j;
			atom = true;
			break;
		}
		default:
			add_ch(&b, c);
			atom = true;
			break;
		}
	}
	*out = b.buf;
	return 0;
}

/* ---- parsing ---- */

static const struct {
	const char *word;
	const char *help;
} pipe_kw[] = {
	{ "begin", "Begin with the line that matches" },
	{ "count", "Count the number of lines" },
	{ "exclude", "Exclude lines that match" },
	{ "ignore-case", "Match regardless of case" },
	{ "include", "Include lines that match" },
	{ "no-more", "Display the output without pausing" },
	{ "section", "Filter whole sections (a line and the indented lines after it)" },
};
#define N_PIPE_KW (sizeof(pipe_kw) / sizeof(pipe_kw[0]))

enum kw_class { KW_FILTER, KW_MODIFIER, KW_ALONE };

static enum kw_class kw_class(const char *w)
{
	if (!strcmp(w, "ignore-case") || !strcmp(w, "section"))
		return KW_MODIFIER;
	if (!strcmp(w, "count") || !strcmp(w, "no-more"))
		return KW_ALONE;
	return KW_FILTER;
}

/* The keyword `word` abbreviates among those `allowed` (a bit per pipe_kw
 * entry): its index, -1 for none, -2 when ambiguous. */
static int kw_match(const char *word, unsigned allowed)
{
	size_t len = strlen(word);
	int found = -1;

	for (size_t i = 0; i < N_PIPE_KW; i++) {
		if (!(allowed & (1u << i)) || len > strlen(pipe_kw[i].word) ||
		    strncasecmp(word, pipe_kw[i].word, len))
			continue;
		if (len == strlen(pipe_kw[i].word))
			return (int)i;
		found = found == -1 ? (int)i : -2;
	}
	return found;
}

static unsigned kw_bit(const char *w)
{
	for (size_t i = 0; i < N_PIPE_KW; i++)
		if (!strcmp(pipe_kw[i].word, w))
			return 1u << i;
	return 0;
}

#define KW_ALL ((1u << N_PIPE_KW) - 1)
#define KW_FILTERS (kw_bit("include") | kw_bit("exclude") | kw_bit("begin"))

/* What may follow a stage's modifiers so far. */
static unsigned kw_after(bool icase, bool section)
{
	unsigned m = KW_FILTERS;

	if (!icase)
		m |= kw_bit("ignore-case");
	if (!section)
		m |= kw_bit("section");
	return m;
}

static int perr(struct pipe_error *e, enum gram_err err, size_t col)
{
	e->err = err;
	e->col = col;
	e->msg[0] = '\0';
	return -EINVAL;
}

size_t pipe_find_bar(const struct gram_tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->word[i], "|"))
			return i;
	return t->n;
}

static void stage_clear(struct stage *s)
{
	if (s->have_re)
		regfree(&s->re);
	s->have_re = false;
}

void pipe_free(struct pipe_chain *pc)
{
	if (!pc)
		return;
	for (size_t i = 0; i < pc->n; i++)
		stage_clear(&pc->st[i]);
	sbuf_free(&pc->part);
	free(pc);
}

/* The regular expression of a filter: words [from, to) of t. */
static int stage_regex(struct stage *s, const struct gram_tokens *t, size_t from, size_t to,
		       struct pipe_error *e)
{
	size_t len = t->end[to - 1] - t->off[from];
	char *vrp, *ere = NULL;
	const char *why = NULL;
	int r;

	if (len > PIPE_REGEX_MAX)
		return perr(e, GRAM_WRONG_PARAM, t->off[from]);
	vrp = xmalloc(len + 1);
	memcpy(vrp, t->line + t->off[from], len);
	vrp[len] = '\0';
	if (pipe_regex_translate(vrp, &ere, &why) < 0) {
		perr(e, GRAM_WRONG_PARAM, t->off[from]);
		snprintf(e->msg, sizeof(e->msg), "Invalid regular expression \"%s\": %s.", vrp,
			 why);
		free(vrp);
		return -EINVAL;
	}
	r = regcomp(&s->re, ere, REG_EXTENDED | REG_NOSUB | (s->icase ? REG_ICASE : 0));
	if (r != 0) {
		char msg[128];

		regerror(r, &s->re, msg, sizeof(msg));
		if (msg[0])
			msg[0] = (char)tolower((unsigned char)msg[0]);
		perr(e, GRAM_WRONG_PARAM, t->off[from]);
		snprintf(e->msg, sizeof(e->msg), "Invalid regular expression \"%s\": %s.", vrp,
			 msg);
		free(vrp);
		free(ere);
		return -EINVAL;
	}
	s->have_re = true;
	free(vrp);
	free(ere);
	return 0;
}

int pipe_parse(const struct gram_tokens *t, size_t bar, struct pipe_chain **out,
	       struct pipe_error *e)
{
	struct pipe_chain *pc = xcalloc(1, sizeof(*pc));
	size_t i = bar;
	size_t line_end = strlen(t->line);

	while (i < t->n) {
		/* t->word[i] is "|" */
		struct stage *s;
		bool icase = false, section = false;
		int k;

		if (pc->n == PIPE_MAX_STAGES) {
			perr(e, GRAM_TOO_MANY, t->off[i]);
			goto fail;
		}
		s = &pc->st[pc->n];
		memset(s, 0, sizeof(*s));
		if (++i == t->n) {
			perr(e, GRAM_INCOMPLETE, line_end);
			goto fail;
		}
		for (;;) {
			unsigned allowed = icase || section ? kw_after(icase, section) : KW_ALL;

			k = kw_match(t->word[i], allowed);
			if (k < 0) {
				perr(e, k == -2 ? GRAM_AMBIGUOUS : GRAM_UNRECOGNIZED, t->off[i]);
				goto fail;
			}
			if (kw_class(pipe_kw[k].word) != KW_MODIFIER)
				break;
			if (!strcmp(pipe_kw[k].word, "ignore-case"))
				icase = true;
			else
				section = true;
			if (++i == t->n) {
				perr(e, GRAM_INCOMPLETE, line_end);
				goto fail;
			}
		}
		s->icase = icase;
		s->section = section;
		pc->n++;
		i++;
		if (!strcmp(pipe_kw[k].word, "count") || !strcmp(pipe_kw[k].word, "no-more")) {
			s->kind = pipe_kw[k].word[0] == 'c' ? ST_COUNT : ST_NOMORE;
			if (s->kind == ST_NOMORE)
				pc->no_more = true;
			if (i < t->n && strcmp(t->word[i], "|")) {
				perr(e, GRAM_TOO_MANY, t->off[i]);
				goto fail;
			}
			continue;
		}
		s->kind = pipe_kw[k].word[0] == 'i' ? ST_INCLUDE
			  : pipe_kw[k].word[0] == 'e' ? ST_EXCLUDE : ST_BEGIN;
		size_t from = i;

		while (i < t->n && strcmp(t->word[i], "|"))
			i++;
		if (i == from) {
			perr(e, GRAM_INCOMPLETE, i < t->n ? t->off[i] : line_end);
			goto fail;
		}
		if (stage_regex(s, t, from, i, e) < 0)
			goto fail;
	}
	*out = pc;
	return 0;
fail:
	pipe_free(pc);
	return -EINVAL;
}

/* ---- help ---- */

static void help_add(struct gram_help *h, const char *name, const char *help, bool kw)
{
	h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
	h->v[h->n].name = xstrdup(name);
	h->v[h->n].help = help;
	h->v[h->n].keyword = kw;
	h->n++;
}

static void help_keywords(struct gram_help *h, unsigned allowed, const char *prefix)
{
	size_t len = prefix ? strlen(prefix) : 0;

	for (size_t i = 0; i < N_PIPE_KW; i++)
		if ((allowed & (1u << i)) && (!prefix || !strncasecmp(prefix, pipe_kw[i].word, len)))
			help_add(h, pipe_kw[i].word, pipe_kw[i].help, true);
}

void pipe_help(const struct gram_tokens *t, size_t bar, struct gram_help *h)
{
	/* The words that are finished (all of them after blank space). */
	size_t done = t->trailing_space ? t->n : t->n - 1;
	size_t i = bar;
	enum { AT_STAGE, AT_MOD, AT_REGEX, AT_REGEX_MORE, AT_END } at = AT_END;
	bool icase = false, section = false;

	memset(h, 0, sizeof(*h));
	while (i < done) {
		/* t->word[i] is "|" */
		icase = section = false;
		at = AT_STAGE;
		if (++i == done)
			break;
		int k;
		for (;;) {
			k = kw_match(t->word[i], at == AT_STAGE ? KW_ALL : kw_after(icase, section));
			if (k < 0) {
				h->err = k == -2 ? GRAM_AMBIGUOUS : GRAM_UNRECOGNIZED;
				h->err_col = t->off[i];
				return;
			}
			if (kw_class(pipe_kw[k].word) != KW_MODIFIER)
				break;
			if (!strcmp(pipe_kw[k].word, "ignore-case"))
				icase = true;
			else
				section = true;
			at = AT_MOD;
			if (++i == done)
				goto out;
		}
		i++;
		if (kw_class(pipe_kw[k].word) == KW_ALONE) {
			at = AT_END;
			if (i < done && strcmp(t->word[i], "|")) {
				h->err = GRAM_TOO_MANY;
				h->err_col = t->off[i];
				return;
			}
			continue;
		}
		at = AT_REGEX;
		size_t from = i;
		while (i < done && strcmp(t->word[i], "|"))
			i++;
		if (i > from)
			at = AT_REGEX_MORE;
	}
out:;
	const char *partial = done < t->n ? t->word[done] : NULL;

	h->partial = partial != NULL;
	switch (at) {
	case AT_STAGE:
		help_keywords(h, KW_ALL, partial);
		break;
	case AT_MOD:
		help_keywords(h, kw_after(icase, section), partial);
		break;
	case AT_REGEX:
		help_add(h, "STRING<1-255>", "Regular expression", false);
		break;
	case AT_REGEX_MORE:
	case AT_END:
		if (partial) {
			/* A word of the expression goes on, or a "|" is typed. */
			if (at == AT_REGEX_MORE || !strcmp(partial, "|"))
				help_add(h, "STRING<1-255>", "Regular expression", false);
			break;
		}
		help_add(h, "|", "Matching output", true);
		h->cr = true;
		break;
	}
}

/* ---- filtering ---- */

void pipe_set_out(struct pipe_chain *pc, pipe_out_fn out, void *arg)
{
	pc->out = out;
	pc->out_arg = arg;
}

bool pipe_no_more(const struct pipe_chain *pc)
{
	return pc && pc->no_more;
}

/* Does stage s match line (NUL-terminated)? */
static bool stage_match(const struct stage *s, const char *line)
{
	return regexec(&s->re, line, 0, NULL, 0) == 0;
}

/* Line (NUL-terminated, without its end) through stages k.. and out. */
static void pass_line(struct pipe_chain *pc, size_t k, const char *line, bool nl)
{
	for (; k < pc->n; k++) {
		struct stage *s = &pc->st[k];
		bool head = line[0] != ' ' && line[0] != '\t';
		bool m;

		switch (s->kind) {
		case ST_NOMORE:
			continue;
		case ST_COUNT:
			s->count++;
			return;
		case ST_BEGIN:
			if (!s->begun && (!s->section || head) && stage_match(s, line))
				s->begun = true;
			if (!s->begun)
				return;
			continue;
		case ST_INCLUDE:
		case ST_EXCLUDE:
			if (s->section && !head) {
				if (!s->keep)
					return;
				continue;
			}
			m = stage_match(s, line);
			s->keep = s->kind == ST_INCLUDE ? m : !m;
			if (!s->keep)
				return;
			continue;
		}
	}
	if (pc->out) {
		pc->out(pc->out_arg, line, strlen(line));
		if (nl)
			pc->out(pc->out_arg, "\r\n", 2);
	}
}

static void part_flush(struct pipe_chain *pc, bool nl)
{
	sbuf_add(&pc->part, "", 0);
	if (nl && pc->part.len > 0 && pc->part.buf[pc->part.len - 1] == '\r')
		pc->part.buf[--pc->part.len] = '\0';
	/* A NUL inside the line would hide the rest from regexec: a blank. */
	for (size_t i = 0; i < pc->part.len; i++)
		if (pc->part.buf[i] == '\0')
			pc->part.buf[i] = ' ';
	pass_line(pc, 0, pc->part.buf, nl);
	pc->part.len = 0;
}

void pipe_feed(struct pipe_chain *pc, const char *buf, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;

		sbuf_add(&pc->part, buf, n);
		if (nl) {
			part_flush(pc, true);
			n++;
		} else if (pc->part.len >= PIPE_LINE_MAX) {
			part_flush(pc, false);
		}
		buf += n;
		len -= n;
	}
}

void pipe_finish(struct pipe_chain *pc)
{
	if (pc->part.len > 0)
		part_flush(pc, false);
	for (size_t k = 0; k < pc->n; k++) {
		char line[64];

		if (pc->st[k].kind != ST_COUNT)
			continue;
		snprintf(line, sizeof(line), "Total lines: %lu.", pc->st[k].count);
		pass_line(pc, k + 1, line, true);
		pc->st[k].count = 0;
	}
}
