/*
 * grammar.c: compile the manuals' notation into token graphs and match lines.
 *
 * Compilation (Glushkov style): a syntax is parsed into a small tree
 * (keyword, parameter, one-of, optional, any-of), then compiled right to left
 * so that each token node points at the token nodes that may follow it
 * ("follow set"); the end of a command is a GN_END node naming the entry.
 * A `[ a | b ] *` group becomes a GN_JOIN node whose successors are the first
 * tokens of every branch plus what follows the group, and each branch ends
 * back at the join: a cycle.  `{ a | b } *` is the same cycle entered only
 * by the first tokens of its branches (at least one is taken).  The first token(s) of a branch carry a bit;
 * a path that entered a branch has its bit set and may not enter it again,
 * which is "each at most once".  The leading keywords of all entries of a
 * view are merged into a shared prefix tree ("display" -> "ntp-service" ->
 * ...), so one view has one graph and help lists each keyword once.
 *
 * Matching keeps a set of paths ("threads": last node, used branch bits,
 * the chain of matched steps).  For each word every thread offers the nodes
 * that may come next; the word is scored against each; only the best score
 * survives (exact keyword > prefix > IPv4 > integer > interface > string >
 * text).  Two different keywords sharing the best prefix score is an
 * ambiguity.  No fit gives the error VRP prints, at that word.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grammar.h"
#include "ifname.h"
#include "log.h"

enum gn_kind { GN_KW, GN_PARAM, GN_JOIN, GN_END };

struct gnode {
	enum gn_kind kind;
	const char *word;              /* keyword as written, or parameter name */
	const struct cmd_param *param; /* GN_PARAM */
	const char *help;
	struct gnode **next;
	size_t n_next, cap_next;
	const struct cmd_entry *entry; /* GN_END */
	bool undo;                     /* GN_END: compiled from the undo form */
	bool shared;                   /* merged leading keyword */
	int branch;                    /* bit of the `[ ] *` branch it starts, or -1 */
	struct gnode *all;             /* allocation list */
};

struct grammar {
	struct gnode *root[CLI_VIEW_COUNT];
	struct gnode *all;
	char **words;                  /* copies of syntax words the nodes point at */
	size_t n_words;
};

/* ------------------------------------------------------------------ */
/* Small helpers */

struct nset {
	struct gnode **v;
	size_t n, cap;
};

static void nset_add(struct nset *s, struct gnode *n)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == n)
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = n;
}

static void nset_addall(struct nset *s, const struct nset *o)
{
	for (size_t i = 0; i < o->n; i++)
		nset_add(s, o->v[i]);
}

static void nset_free(struct nset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void node_link(struct gnode *from, struct gnode *to)
{
	for (size_t i = 0; i < from->n_next; i++)
		if (from->next[i] == to)
			return;
	if (from->n_next == from->cap_next) {
		from->cap_next = from->cap_next ? from->cap_next * 2 : 4;
		from->next = xrealloc(from->next, from->cap_next * sizeof(*from->next));
	}
	from->next[from->n_next++] = to;
}

static struct gnode *node_new(struct grammar *g, enum gn_kind kind)
{
	struct gnode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->branch = -1;
	n->all = g->all;
	g->all = n;
	return n;
}

static const char *save_word(struct grammar *g, const char *w)
{
	g->words = xrealloc(g->words, (g->n_words + 1) * sizeof(*g->words));
	g->words[g->n_words] = xstrdup(w);
	return g->words[g->n_words++];
}

const char *gram_err_text(enum gram_err err)
{
	switch (err) {
	case GRAM_UNRECOGNIZED: return "Unrecognized command found at '^' position.";
	case GRAM_WRONG_PARAM:  return "Wrong parameter found at '^' position.";
	case GRAM_INCOMPLETE:   return "Incomplete command found at '^' position.";
	case GRAM_TOO_MANY:     return "Too many parameters found at '^' position.";
	case GRAM_AMBIGUOUS:    return "Ambiguous command found at '^' position.";
	case GRAM_OK:           break;
	}
	return "";
}

/* ------------------------------------------------------------------ */
/* Tokenizer */

/* A word that starts with a double quote runs to the next double quote
 * (blanks included) or, unterminated, to the end of the line. */
void gram_tokenize(const char *line, struct gram_tokens *t)
{
	size_t len = strlen(line), cap = 0;

	memset(t, 0, sizeof(*t));
	t->line = line;
	for (size_t i = 0; i < len;) {
		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i >= len)
			break;
		size_t s = i, vs, ve;
		enum gram_quote q = GQ_NONE;

		if (line[i] == '"') {
			const char *close = strchr(line + i + 1, '"');

			vs = i + 1;
			if (close) {
				q = GQ_CLOSED;
				ve = (size_t)(close - line);
				i = ve + 1;
			} else {
				q = GQ_OPEN;
				ve = i = len;
			}
		} else {
			while (i < len && !isspace((unsigned char)line[i]))
				i++;
			vs = s;
			ve = i;
		}
		if (t->n == cap) {
			cap = cap ? cap * 2 : 8;
			t->word = xrealloc(t->word, cap * sizeof(*t->word));
			t->off = xrealloc(t->off, cap * sizeof(*t->off));
			t->end = xrealloc(t->end, cap * sizeof(*t->end));
			t->quote = xrealloc(t->quote, cap * sizeof(*t->quote));
		}
		t->word[t->n] = xmalloc(ve - vs + 1);
		memcpy(t->word[t->n], line + vs, ve - vs);
		t->word[t->n][ve - vs] = '\0';
		t->off[t->n] = s;
		t->end[t->n] = i;
		t->quote[t->n] = q;
		t->n++;
	}
	t->trailing_space = (len == 0) ||
		(isspace((unsigned char)line[len - 1]) && !(t->n && t->quote[t->n - 1] == GQ_OPEN));
}

void gram_tokens_free(struct gram_tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->word[i]);
	free(t->word);
	free(t->off);
	free(t->end);
	free(t->quote);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------ */
/* Syntax parser: notation -> tree */

enum syn_kind { SY_KW, SY_PARAM, SY_ALT, SY_OPT, SY_MULTI };

struct syn_seq;
struct syn {
	enum syn_kind kind;
	const char *word;
	const struct cmd_param *param;
	struct syn_seq *br;
	size_t n_br;
	bool required;     /* SY_MULTI written `{ a | b } *`: at least one branch */
};
struct syn_seq {
	struct syn *it;
	size_t n;
};

struct synparse {
	struct gram_tokens tok;
	size_t pos;
	const struct cmd_entry *e;
	struct grammar *g;
	char *err;
	size_t errlen;
	bool failed;
};

static void syn_fail(struct synparse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void syn_fail(struct synparse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
}

static bool is_punct(const char *w)
{
	return !strcmp(w, "{") || !strcmp(w, "}") || !strcmp(w, "[") || !strcmp(w, "]") ||
	       !strcmp(w, "|") || !strcmp(w, "*");
}

static void syn_seq_free(struct syn_seq *s);

static void syn_free(struct syn *it)
{
	for (size_t i = 0; i < it->n_br; i++)
		syn_seq_free(&it->br[i]);
	free(it->br);
}

static void syn_seq_free(struct syn_seq *s)
{
	for (size_t i = 0; i < s->n; i++)
		syn_free(&s->it[i]);
	free(s->it);
	memset(s, 0, sizeof(*s));
}

static const struct cmd_param *find_param(const struct cmd_entry *e, const char *w)
{
	for (const struct cmd_param *p = e->params; p && p->name; p++)
		if (!strcmp(p->name, w))
			return p;
	return NULL;
}

static void syn_parse_seq(struct synparse *p, struct syn_seq *out);

/* Branches up to the closing `close`, separated by '|'. */
static void syn_parse_group(struct synparse *p, const char *close, struct syn *it)
{
	for (;;) {
		struct syn_seq s = { 0 };
		syn_parse_seq(p, &s);
		it->br = xrealloc(it->br, (it->n_br + 1) * sizeof(*it->br));
		it->br[it->n_br++] = s;
		if (p->failed)
			return;
		if (s.n == 0) {
			syn_fail(p, "empty branch");
			return;
		}
		if (p->pos >= p->tok.n) {
			syn_fail(p, "missing '%s'", close);
			return;
		}
		const char *w = p->tok.word[p->pos++];
		if (!strcmp(w, "|"))
			continue;
		if (strcmp(w, close))
			syn_fail(p, "'%s' where '%s' was expected", w, close);
		return;
	}
}

static void syn_parse_seq(struct synparse *p, struct syn_seq *out)
{
	while (!p->failed && p->pos < p->tok.n) {
		const char *w = p->tok.word[p->pos];
		struct syn it = { 0 };

		if (!strcmp(w, "|") || !strcmp(w, "}") || !strcmp(w, "]"))
			return;
		p->pos++;
		if (!strcmp(w, "{")) {
			it.kind = SY_ALT;
			syn_parse_group(p, "}", &it);
			if (p->pos < p->tok.n && !strcmp(p->tok.word[p->pos], "*")) {
				it.kind = SY_MULTI;
				it.required = true;
				p->pos++;
			}
		} else if (!strcmp(w, "[")) {
			it.kind = SY_OPT;
			syn_parse_group(p, "]", &it);
			if (p->pos < p->tok.n && !strcmp(p->tok.word[p->pos], "*")) {
				it.kind = SY_MULTI;
				p->pos++;
			}
		} else if (!strcmp(w, "*")) {
			syn_fail(p, "'*' not after ']' or '}'");
		} else if ((it.param = find_param(p->e, w))) {
			it.kind = SY_PARAM;
			it.word = it.param->name;
		} else {
			it.kind = SY_KW;
			it.word = save_word(p->g, w);
		}
		out->it = xrealloc(out->it, (out->n + 1) * sizeof(*out->it));
		out->it[out->n++] = it;
	}
}

/* Split glued punctuation ("]*", "{a") into separate words. */
static char *syn_spread(const char *s)
{
	size_t len = strlen(s);
	char *o = xmalloc(len * 3 + 1), *q = o;

	for (const char *c = s; *c; c++) {
		if (strchr("{}[]|*", *c)) {
			*q++ = ' ';
			*q++ = *c;
			*q++ = ' ';
		} else {
			*q++ = *c;
		}
	}
	*q = '\0';
	return o;
}

/* ------------------------------------------------------------------ */
/* Compiler: tree -> graph */

struct cctx {
	struct grammar *g;
	const struct cmd_entry *e;
	int nbits;
	bool failed;
};

static const char *kw_help(const struct cmd_entry *e, const char *w)
{
	for (const struct cmd_kwhelp *k = e->kwhelp; k && k->word; k++)
		if (!strcmp(k->word, w))
			return k->help;
	if (!strcmp(w, "undo"))
		return "Negate a command or set its default";
	if (!strcmp(w, "display"))
		return "Display information";
	return "";
}

static void compile_seq(struct cctx *c, const struct syn_seq *s, size_t from,
			const struct nset *follow, struct nset *first);

static void compile_item(struct cctx *c, const struct syn *it, const struct nset *follow,
			 struct nset *first)
{
	switch (it->kind) {
	case SY_KW:
	case SY_PARAM: {
		struct gnode *n = node_new(c->g, it->kind == SY_KW ? GN_KW : GN_PARAM);
		n->word = it->word;
		n->param = it->param;
		n->help = it->kind == SY_KW ? kw_help(c->e, it->word) : it->param->help;
		for (size_t i = 0; i < follow->n; i++)
			node_link(n, follow->v[i]);
		nset_add(first, n);
		break;
	}
	case SY_ALT:
	case SY_OPT:
		for (size_t b = 0; b < it->n_br; b++) {
			struct nset f = { 0 };
			compile_seq(c, &it->br[b], 0, follow, &f);
			nset_addall(first, &f);
			nset_free(&f);
		}
		if (it->kind == SY_OPT)
			nset_addall(first, follow);
		break;
	case SY_MULTI: {
		/* `{ } *` enters by a branch's first token (never straight to
		 * what follows); `[ ] *` by the join. */
		struct gnode *join = node_new(c->g, GN_JOIN);
		struct nset js = { 0 }, starts = { 0 };
		nset_add(&js, join);
		for (size_t b = 0; b < it->n_br; b++) {
			struct nset f = { 0 };
			int bit = c->nbits++;
			if (bit >= 64)
				c->failed = true;
			compile_seq(c, &it->br[b], 0, &js, &f);
			for (size_t i = 0; i < f.n; i++) {
				if (f.v[i] == join)
					continue;
				if (f.v[i]->kind == GN_KW || f.v[i]->kind == GN_PARAM)
					f.v[i]->branch = bit;
				node_link(join, f.v[i]);
				nset_add(&starts, f.v[i]);
			}
			nset_free(&f);
		}
		for (size_t i = 0; i < follow->n; i++)
			node_link(join, follow->v[i]);
		nset_free(&js);
		if (it->required)
			nset_addall(first, &starts);
		else
			nset_add(first, join);
		nset_free(&starts);
		break;
	}
	}
}

static void compile_seq(struct cctx *c, const struct syn_seq *s, size_t from,
			const struct nset *follow, struct nset *first)
{
	struct nset cur = { 0 };

	nset_addall(&cur, follow);
	for (size_t i = s->n; i-- > from;) {
		struct nset f = { 0 };
		compile_item(c, &s->it[i], &cur, &f);
		nset_free(&cur);
		cur = f;
	}
	*first = cur;
}

/* Compile one form of an entry into the graph of view v. */
static void compile_form(struct cctx *c, const struct syn_seq *s, enum cli_view v, bool undo)
{
	struct gnode *at = c->g->root[v], *end;
	struct nset follow = { 0 }, first = { 0 };
	size_t i = 0;

	/* The leading keywords go into the view's shared prefix tree. */
	for (; i < s->n && s->it[i].kind == SY_KW; i++) {
		struct gnode *found = NULL;
		for (size_t k = 0; k < at->n_next; k++) {
			struct gnode *n = at->next[k];
			if (n->kind == GN_KW && n->shared && !strcasecmp(n->word, s->it[i].word)) {
				found = n;
				break;
			}
		}
		if (!found) {
			found = node_new(c->g, GN_KW);
			found->word = s->it[i].word;
			found->help = kw_help(c->e, s->it[i].word);
			found->shared = true;
			node_link(at, found);
		} else if (!found->help[0]) {
			found->help = kw_help(c->e, s->it[i].word);
		}
		at = found;
	}
	end = node_new(c->g, GN_END);
	end->entry = c->e;
	end->undo = undo;
	nset_add(&follow, end);
	compile_seq(c, s, i, &follow, &first);
	for (size_t k = 0; k < first.n; k++)
		node_link(at, first.v[k]);
	nset_free(&follow);
	nset_free(&first);
}

struct grammar *gram_new(void)
{
	struct grammar *g = xcalloc(1, sizeof(*g));

	for (int v = 0; v < CLI_VIEW_COUNT; v++)
		g->root[v] = node_new(g, GN_JOIN);
	return g;
}

void gram_free(struct grammar *g)
{
	if (!g)
		return;
	for (struct gnode *n = g->all, *nx; n; n = nx) {
		nx = n->all;
		free(n->next);
		free(n);
	}
	for (size_t i = 0; i < g->n_words; i++)
		free(g->words[i]);
	free(g->words);
	free(g);
}

static int parse_form(struct grammar *g, const struct cmd_entry *e, const char *syntax,
		      struct syn_seq *out, char *err, size_t errlen)
{
	struct synparse p = { .e = e, .g = g, .err = err, .errlen = errlen };
	char *spread = syn_spread(syntax);

	gram_tokenize(spread, &p.tok);
	syn_parse_seq(&p, out);
	if (!p.failed && p.pos < p.tok.n)
		syn_fail(&p, "unbalanced '%s'", p.tok.word[p.pos]);
	if (!p.failed && (out->n == 0 || out->it[0].kind != SY_KW))
		syn_fail(&p, "a command must start with a keyword");
	for (size_t i = 0; !p.failed && i < p.tok.n; i++) {
		const char *w = p.tok.word[i];
		if (!is_punct(w) && !find_param(e, w) && isupper((unsigned char)w[0]))
			syn_fail(&p, "keyword '%s' is not lowercase", w);
	}
	gram_tokens_free(&p.tok);
	free(spread);
	if (p.failed) {
		syn_seq_free(out);
		return -EINVAL;
	}
	return 0;
}

int gram_add(struct grammar *g, const struct cmd_entry *e, char *err, size_t errlen)
{
	struct syn_seq fwd = { 0 }, undo = { 0 };
	int r;

	r = parse_form(g, e, e->syntax, &fwd, err, errlen);
	if (r < 0)
		return r;
	if (e->undo) {
		r = parse_form(g, e, e->undo, &undo, err, errlen);
		if (r < 0) {
			syn_seq_free(&fwd);
			return r;
		}
	}
	for (int v = 0; v < CLI_VIEW_COUNT; v++) {
		if (!(e->views & (1u << v)))
			continue;
		struct cctx c = { .g = g, .e = e };
		compile_form(&c, &fwd, v, false);
		if (e->undo) {
			c.nbits = 0;
			compile_form(&c, &undo, v, true);
		}
		if (c.failed) {
			snprintf(err, errlen, "more than 64 branches in '[ ] *' groups");
			r = -EINVAL;
		}
	}
	syn_seq_free(&fwd);
	syn_seq_free(&undo);
	return r;
}

/* ------------------------------------------------------------------ */
/* Word matching */

enum {
	SC_NONE = 0,
	SC_TEXT = 10,
	SC_STRING = 20,
	SC_IF = 40,
	SC_INT = 50,
	SC_IPV4 = 60,
	SC_KWPREFIX = 90,
	SC_KWEXACT = 100,
};

static bool parse_ipv4(const char *w, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, w, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static bool parse_u32(const char *w, uint32_t *out)
{
	uint64_t v = 0;
	size_t n = strlen(w);

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)w[i]))
			return false;
		v = v * 10 + (uint64_t)(w[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* The text a GP_TEXT parameter starting at word tok takes: the rest of the
 * line with its trailing blanks dropped, or the words of a quoted string
 * that is all of it (`description "a b"`).  Malloc'd. */
static char *text_value(const struct gram_tokens *t, size_t tok)
{
	const char *s = t->line + t->off[tok];
	size_t len = strlen(s);

	if (tok + 1 == t->n && t->quote[tok] != GQ_NONE)
		return xstrdup(t->word[tok]);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	char *v = xmalloc(len + 1);
	memcpy(v, s, len);
	v[len] = '\0';
	return v;
}

/* Score word i of t against a token node.  *range_bad is set when the word
 * has the parameter's form but not its range.  A quoted word is a string:
 * it fits only GP_STRING and GP_TEXT (its length without the quotes). */
static int match_word(const struct gnode *n, const struct gram_tokens *t, size_t i,
		      bool *range_bad)
{
	const char *w = t->word[i];
	bool quoted = t->quote[i] != GQ_NONE;

	if (quoted && (n->kind != GN_PARAM ||
		       (n->param->type != GP_STRING && n->param->type != GP_TEXT)))
		return SC_NONE;
	if (n->kind == GN_KW) {
		if (!strcasecmp(n->word, w))
			return SC_KWEXACT;
		if (!strncasecmp(n->word, w, strlen(w)))
			return SC_KWPREFIX;
		return SC_NONE;
	}
	const struct cmd_param *p = n->param;
	uint32_t v;
	size_t len;
	char buf[64];
	const struct iftype *type;

	switch (p->type) {
	case GP_IPV4:
		return parse_ipv4(w, &v) ? SC_IPV4 : SC_NONE;
	case GP_MASK:
		if (!parse_ipv4(w, &v))
			return SC_NONE;
		/* Contiguous when the inverted mask has the form 0..01..1. */
		if (((~v) & ((~v) + 1)) != 0) {
			*range_bad = true;
			return SC_NONE;
		}
		return SC_IPV4;
	case GP_INT:
		if (!parse_u32(w, &v))
			return SC_NONE;
		if (v < p->min || v > p->max) {
			*range_bad = true;
			return SC_NONE;
		}
		return SC_INT;
	case GP_STRING:
		len = strlen(w);
		if (len < p->min || len > p->max) {
			*range_bad = true;
			return SC_NONE;
		}
		return SC_STRING;
	case GP_TEXT: {
		char *text = text_value(t, i);

		len = strlen(text);
		free(text);
		if (len < p->min || len > p->max) {
			*range_bad = true;
			return SC_NONE;
		}
		return SC_TEXT;
	}
	case GP_IFTYPE:
		return ifname_type_lookup(w, &type) == 0 ? SC_IF : SC_NONE;
	case GP_IFNUM:
		return ifname_number_form(w) ? SC_IF : SC_NONE;
	case GP_IFNAME: {
		int r = ifname_canon(w, buf, sizeof(buf));
		if (r == -EINVAL)
			*range_bad = true;
		return r == 0 ? SC_IF : SC_NONE;
	}
	}
	return SC_NONE;
}

/* ------------------------------------------------------------------ */
/* The walk */

struct step {
	const struct gnode *node;
	size_t tok;
	struct step *prev;
	struct step *all;
};

struct thread {
	const struct gnode *at;
	uint64_t used;
	struct step *last;
	bool text_done;
};

struct walk {
	const struct gram_tokens *t;
	struct thread *th;
	size_t n_th;
	struct step *steps;     /* allocation list */
	enum gram_err err;
	size_t err_col;
};

struct cand {
	const struct gnode *node;
	uint64_t used;
};

struct candv {
	struct cand *v;
	size_t n, cap;
};

static void candv_add(struct candv *c, const struct gnode *n, uint64_t used)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].node == n && c->v[i].used == used)
			return;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n].node = n;
	c->v[c->n].used = used;
	c->n++;
}

/* Nodes that may come after `n` on a path with `used` branches taken. */
static void closure(const struct gnode *n, uint64_t used, struct candv *out, int depth)
{
	if (depth > 16)
		return;
	for (size_t i = 0; i < n->n_next; i++) {
		const struct gnode *x = n->next[i];
		if (x->kind == GN_JOIN) {
			closure(x, used, out, depth + 1);
			continue;
		}
		if (x->branch >= 0) {
			uint64_t bit = 1ull << x->branch;
			if (used & bit)
				continue;
			candv_add(out, x, used | bit);
		} else {
			candv_add(out, x, used);
		}
	}
}

static void walk_init(struct walk *w, const struct grammar *g, enum cli_view v,
		      const struct gram_tokens *t)
{
	memset(w, 0, sizeof(*w));
	w->t = t;
	w->th = xcalloc(1, sizeof(*w->th));
	w->th[0].at = g->root[v];
	w->n_th = 1;
}

static void walk_free(struct walk *w)
{
	for (struct step *s = w->steps, *nx; s; s = nx) {
		nx = s->all;
		free(s);
	}
	free(w->th);
	memset(w, 0, sizeof(*w));
}

struct match {
	size_t thread;
	const struct gnode *node;   /* NULL: a finished text thread carried on */
	uint64_t used;
	int score;
};

/* Consume word i.  false (with w->err set) when no path fits it. */
static bool walk_word(struct walk *w, size_t i)
{
	struct match *m = NULL;
	size_t n_m = 0, cap_m = 0;
	bool any_tok = false, any_param = false, range_bad = false;
	bool open_quote = w->t->quote[i] == GQ_OPEN;
	int best = SC_NONE;

	for (size_t k = 0; k < w->n_th; k++) {
		const struct thread *th = &w->th[k];
		struct candv cv = { 0 };

		if (th->text_done && open_quote) {
			/* An unterminated string is refused, in a text too. */
			any_tok = any_param = true;
			continue;
		}
		if (th->text_done) {
			if (n_m == cap_m) {
				cap_m = cap_m ? cap_m * 2 : 16;
				m = xrealloc(m, cap_m * sizeof(*m));
			}
			m[n_m++] = (struct match){ k, NULL, th->used, SC_TEXT };
			any_tok = true;
			continue;
		}
		closure(th->at, th->used, &cv, 0);
		for (size_t c = 0; c < cv.n; c++) {
			const struct gnode *x = cv.v[c].node;
			if (x->kind == GN_END)
				continue;
			any_tok = true;
			if (x->kind == GN_PARAM)
				any_param = true;
			if (open_quote)
				continue;
			int sc = match_word(x, w->t, i, &range_bad);
			if (sc == SC_NONE)
				continue;
			if (n_m == cap_m) {
				cap_m = cap_m ? cap_m * 2 : 16;
				m = xrealloc(m, cap_m * sizeof(*m));
			}
			m[n_m++] = (struct match){ k, x, cv.v[c].used, sc };
		}
		free(cv.v);
	}
	for (size_t k = 0; k < n_m; k++)
		if (m[k].score > best)
			best = m[k].score;
	if (best == SC_NONE) {
		w->err = !any_tok ? GRAM_TOO_MANY
			: (any_param || range_bad) ? GRAM_WRONG_PARAM : GRAM_UNRECOGNIZED;
		w->err_col = w->t->off[i];
		free(m);
		return false;
	}
	if (best == SC_KWPREFIX) {
		const char *kw = NULL;
		for (size_t k = 0; k < n_m; k++) {
			if (m[k].score != best)
				continue;
			if (!kw) {
				kw = m[k].node->word;
			} else if (strcasecmp(kw, m[k].node->word)) {
				w->err = GRAM_AMBIGUOUS;
				w->err_col = w->t->off[i];
				free(m);
				return false;
			}
		}
	}

	struct thread *nth = xcalloc(n_m, sizeof(*nth));
	size_t n_nth = 0;
	for (size_t k = 0; k < n_m; k++) {
		if (m[k].score != best)
			continue;
		const struct thread *old = &w->th[m[k].thread];
		if (!m[k].node) {
			nth[n_nth++] = *old;
			continue;
		}
		bool dup = false;
		for (size_t d = 0; d < n_nth; d++)
			if (nth[d].at == m[k].node && nth[d].used == m[k].used)
				dup = true;
		if (dup)
			continue;
		struct step *s = xcalloc(1, sizeof(*s));
		s->node = m[k].node;
		s->tok = i;
		s->prev = old->last;
		s->all = w->steps;
		w->steps = s;
		nth[n_nth++] = (struct thread){
			.at = m[k].node,
			.used = m[k].used,
			.last = s,
			.text_done = m[k].node->kind == GN_PARAM && m[k].node->param->type == GP_TEXT,
		};
	}
	free(m);
	free(w->th);
	w->th = nth;
	w->n_th = n_nth;
	return true;
}

static bool walk_words(struct walk *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!walk_word(w, i))
			return false;
	return true;
}

void gram_parse(const struct grammar *g, enum cli_view view, const struct gram_tokens *t,
		struct gram_result *res)
{
	struct walk w;

	memset(res, 0, sizeof(*res));
	walk_init(&w, g, view, t);
	if (t->n == 0) {
		res->err = GRAM_INCOMPLETE;
		walk_free(&w);
		return;
	}
	if (!walk_words(&w, t->n)) {
		res->err = w.err;
		res->err_col = w.err_col;
		walk_free(&w);
		return;
	}
	for (size_t k = 0; k < w.n_th && !res->entry; k++) {
		struct candv cv = { 0 };
		closure(w.th[k].at, w.th[k].used, &cv, 0);
		for (size_t c = 0; c < cv.n; c++) {
			const struct gnode *x = cv.v[c].node;
			if (x->kind != GN_END)
				continue;
			size_t n = 0;
			for (struct step *s = w.th[k].last; s; s = s->prev)
				n++;
			res->entry = x->entry;
			res->args.entry = x->entry;
			res->args.undo = x->undo;
			res->args.v = xcalloc(n ? n : 1, sizeof(*res->args.v));
			res->args.n = n;
			size_t idx = n;
			for (struct step *s = w.th[k].last; s; s = s->prev) {
				struct cmd_arg *a = &res->args.v[--idx];
				a->name = s->node->word;
				a->tok = s->tok;
				a->keyword = s->node->kind == GN_KW;
				if (a->keyword)
					a->value = xstrdup(s->node->word);
				else if (s->node->param->type == GP_TEXT)
					a->value = text_value(t, s->tok);
				else
					a->value = xstrdup(t->word[s->tok]);
			}
			break;
		}
		free(cv.v);
	}
	if (!res->entry) {
		res->err = GRAM_INCOMPLETE;
		res->err_col = t->end[t->n - 1];
	}
	walk_free(&w);
}

void gram_result_clear(struct gram_result *res)
{
	for (size_t i = 0; i < res->args.n; i++)
		free(res->args.v[i].value);
	free(res->args.v);
	memset(res, 0, sizeof(*res));
}

/* ------------------------------------------------------------------ */
/* Help and completion */

static void help_add(struct gram_help *h, char *name, const char *help, bool keyword)
{
	for (size_t i = 0; i < h->n; i++) {
		if (!strcmp(h->v[i].name, name)) {
			free(name);
			return;
		}
	}
	h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
	h->v[h->n].name = name;
	h->v[h->n].help = help ? help : "";
	h->v[h->n].keyword = keyword;
	h->n++;
}

static char *param_display(const struct cmd_param *p)
{
	switch (p->type) {
	case GP_IPV4:
	case GP_MASK:
		return xstrdup("X.X.X.X");
	case GP_INT:
		return xasprintf("INTEGER<%u-%u>", p->min, p->max);
	case GP_STRING:
	case GP_TEXT:
		return xasprintf("STRING<%u-%u>", p->min, p->max);
	case GP_IFNUM:
		return xstrdup("X/Y/Z");
	case GP_IFTYPE:
	case GP_IFNAME:
		break;
	}
	return NULL;
}

static int cand_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gram_cand *)a)->name, ((const struct gram_cand *)b)->name);
}

void gram_help(const struct grammar *g, enum cli_view view, const struct gram_tokens *t,
	       struct gram_help *h)
{
	struct walk w;
	size_t n_full = t->trailing_space ? t->n : t->n - 1;
	const char *partial = t->trailing_space ? NULL : t->word[t->n - 1];
	size_t plen = partial ? strlen(partial) : 0;
	/* A quoted partial word (closed or still open) is a string: no keyword. */
	bool pquoted = partial && t->quote[t->n - 1] != GQ_NONE;
	struct gram_help params = { 0 };

	memset(h, 0, sizeof(*h));
	h->partial = partial != NULL;
	walk_init(&w, g, view, t);
	if (!walk_words(&w, n_full)) {
		h->err = w.err;
		h->err_col = w.err_col;
		walk_free(&w);
		return;
	}
	for (size_t k = 0; k < w.n_th; k++) {
		struct candv cv = { 0 };
		if (w.th[k].text_done) {
			/* Everything after a text parameter belongs to it. */
			if (!partial)
				help_add(&params, param_display(w.th[k].at->param), w.th[k].at->help, false);
		}
		closure(w.th[k].at, w.th[k].used, &cv, 0);
		for (size_t c = 0; c < cv.n; c++) {
			const struct gnode *x = cv.v[c].node;
			if (x->kind == GN_END) {
				if (!partial)
					h->cr = true;
				continue;
			}
			if (w.th[k].text_done)
				continue;
			if (x->kind == GN_KW) {
				if (!partial || (!pquoted && !strncasecmp(x->word, partial, plen)))
					help_add(h, xstrdup(x->word), x->help, true);
				continue;
			}
			if (x->param->type == GP_IFTYPE) {
				for (const struct iftype *it = ifname_types; it->name; it++)
					if (!partial || (!pquoted && !strncasecmp(it->name, partial, plen)))
						help_add(h, xstrdup(it->name), it->help, true);
				continue;
			}
			if (x->param->type == GP_IFNAME)
				continue;
			bool rb = false;
			if (!partial || match_word(x, t, t->n - 1, &rb) != SC_NONE)
				help_add(&params, param_display(x->param), x->param->help, false);
		}
		free(cv.v);
	}
	/* After a partial word, parameters are listed only when no keyword fits. */
	if (!partial || h->n == 0) {
		for (size_t i = 0; i < params.n; i++) {
			help_add(h, params.v[i].name, params.v[i].help, false);
			params.v[i].name = NULL;
		}
	}
	gram_help_clear(&params);
	if (h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), cand_cmp);
	if (partial && h->n == 0 && !h->cr) {
		h->err = GRAM_UNRECOGNIZED;
		h->err_col = t->off[t->n - 1];
	}
	walk_free(&w);
}

void gram_help_clear(struct gram_help *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].name);
	free(h->v);
	memset(h, 0, sizeof(*h));
}
