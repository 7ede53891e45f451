/*
 * cfgdiff.c: the difference between two rendered configurations (see
 * cfgdiff.h).
 *
 * Both texts are split into sections, sections are aligned by their
 * top-level lines and the lines of a view in both by content, each with a
 * longest common subsequence after the common head and tail are set aside.
 * A middle part too large for the table (more than ALIGN_MAX_CELLS) is
 * shown as removed and added whole: still a true difference, only not the
 * shortest one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfgdiff.h"
#include "log.h"

#define ALIGN_MAX_CELLS (4u << 20)

struct section {
	const char *head;     /* the top-level line */
	const char **kids;    /* the indented lines under it */
	size_t n_kids;
	const char *block;    /* the first line of its "#" block */
};

struct doc {
	char *text;           /* a copy, cut into lines in place */
	struct section *secs;
	size_t n;
	const char **lines;   /* storage for every section's kids */
};

static void doc_parse(struct doc *d, const char *text)
{
	size_t n_lines = 1, k = 0;
	struct section *cur = NULL;
	const char *block = NULL;
	char *p, *nl;

	memset(d, 0, sizeof(*d));
	d->text = xstrdup(text ? text : "");
	for (p = d->text; *p; p++)
		n_lines += *p == '\n';
	d->secs = xcalloc(n_lines, sizeof(*d->secs));
	d->lines = xcalloc(n_lines, sizeof(*d->lines));
	for (p = d->text; p && *p; p = nl) {
		size_t len;

		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		len = strlen(p);
		if (len && p[len - 1] == '\r')
			p[--len] = '\0';
		if (len == 0)
			continue;
		if (strcmp(p, "#") == 0) {
			block = NULL;
			cur = NULL;
			continue;
		}
		if (p[0] == ' ' && cur) {
			if (cur->n_kids == 0)
				cur->kids = &d->lines[k];
			d->lines[k++] = p;
			cur->n_kids++;
			continue;
		}
		if (strcmp(p, "return") == 0)
			continue;
		if (!block)
			block = p;
		cur = &d->secs[d->n++];
		cur->head = p;
		cur->block = block;
	}
}

static void doc_free(struct doc *d)
{
	free(d->secs);
	free(d->lines);
	free(d->text);
}

/* ---- alignment ---------------------------------------------------- */

enum step { SAME, DEL, ADD };

struct edit {
	enum step step;
	size_t a, b;          /* indexes in the old and the new sequence */
};

struct script {
	struct edit *v;
	size_t n, cap;
};

static void script_add(struct script *s, enum step step, size_t a, size_t b)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = (struct edit){ step, a, b };
}

/* Align a[0..na) with b[0..nb) (strings compared whole): the steps that
 * turn a into b, in order, removals before additions at each place. */
static void align(const char *const *a, size_t na, const char *const *b, size_t nb,
		  struct script *out)
{
	size_t pre = 0, suf = 0, ma, mb;
	uint32_t *len = NULL;

	memset(out, 0, sizeof(*out));
	while (pre < na && pre < nb && strcmp(a[pre], b[pre]) == 0)
		pre++;
	while (suf < na - pre && suf < nb - pre &&
	       strcmp(a[na - 1 - suf], b[nb - 1 - suf]) == 0)
		suf++;
	ma = na - pre - suf;
	mb = nb - pre - suf;
	for (size_t i = 0; i < pre; i++)
		script_add(out, SAME, i, i);
	if ((ma + 1) * (mb + 1) <= ALIGN_MAX_CELLS) {
		/* len[i][j]: the longest common subsequence of a[pre+i..] and
		 * b[pre+j..] within the middle. */
#define L(i, j) len[(i) * (mb + 1) + (j)]
		len = xcalloc((ma + 1) * (mb + 1), sizeof(*len));
		for (size_t i = ma; i-- > 0;)
			for (size_t j = mb; j-- > 0;)
				L(i, j) = strcmp(a[pre + i], b[pre + j]) == 0
					  ? L(i + 1, j + 1) + 1
					  : (L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1));
	}
	for (size_t i = 0, j = 0; i < ma || j < mb;) {
		if (len && i < ma && j < mb && strcmp(a[pre + i], b[pre + j]) == 0) {
			script_add(out, SAME, pre + i++, pre + j++);
		} else if (i < ma && (j == mb || !len || L(i + 1, j) >= L(i, j + 1))) {
			script_add(out, DEL, pre + i++, pre + j);
		} else {
			script_add(out, ADD, pre + i, pre + j++);
		}
	}
#undef L
	free(len);
	for (size_t i = 0; i < suf; i++)
		script_add(out, SAME, na - suf + i, nb - suf + i);
}

/* ---- printing ----------------------------------------------------- */

struct printer {
	struct sbuf *out;
	bool any;             /* something printed */
	bool last_view;       /* the last group printed was a view */
	const char *last_block;
};

/* The first word of a line: what its "#" block is about. */
static size_t word_len(const char *s)
{
	return strcspn(s, " ");
}

static bool same_block(const char *x, const char *y)
{
	return x && y && word_len(x) == word_len(y) && strncmp(x, y, word_len(x)) == 0;
}

/* Start a group of section sec: a "#" first unless it continues a run of
 * leaves of the same block. */
static void group_start(struct printer *p, const struct section *sec, bool view)
{
	if (!p->any || view || p->last_view || !same_block(p->last_block, sec->block))
		sbuf_puts(p->out, "#\r\n");
	p->any = true;
	p->last_view = view;
	p->last_block = sec->block;
}

static void print_whole(struct printer *p, const struct section *sec, char sign)
{
	group_start(p, sec, sec->n_kids > 0);
	sbuf_printf(p->out, "%c%s\r\n", sign, sec->head);
	for (size_t i = 0; i < sec->n_kids; i++)
		sbuf_printf(p->out, "%c%s\r\n", sign, sec->kids[i]);
}

static void print_changed_view(struct printer *p, const struct section *o,
			       const struct section *n)
{
	struct script s;
	bool changed = false;

	align(o->kids, o->n_kids, n->kids, n->n_kids, &s);
	for (size_t i = 0; i < s.n && !changed; i++)
		changed = s.v[i].step != SAME;
	if (changed) {
		group_start(p, n, true);
		sbuf_printf(p->out, "%s\r\n", n->head);
		for (size_t i = 0; i < s.n; i++) {
			if (s.v[i].step == DEL)
				sbuf_printf(p->out, "-%s\r\n", o->kids[s.v[i].a]);
			else if (s.v[i].step == ADD)
				sbuf_printf(p->out, "+%s\r\n", n->kids[s.v[i].b]);
		}
	}
	free(s.v);
}

void cfgdiff_render(const char *old_text, const char *new_text, struct sbuf *out)
{
	struct doc o, n;
	const char **oh, **nh;
	struct printer p = { out, false, false, NULL };
	struct script s;

	doc_parse(&o, old_text);
	doc_parse(&n, new_text);
	oh = xcalloc(o.n + 1, sizeof(*oh));
	nh = xcalloc(n.n + 1, sizeof(*nh));
	for (size_t i = 0; i < o.n; i++)
		oh[i] = o.secs[i].head;
	for (size_t i = 0; i < n.n; i++)
		nh[i] = n.secs[i].head;
	align(oh, o.n, nh, n.n, &s);
	for (size_t i = 0; i < s.n; i++) {
		const struct edit *e = &s.v[i];

		if (e->step == DEL)
			print_whole(&p, &o.secs[e->a], '-');
		else if (e->step == ADD)
			print_whole(&p, &n.secs[e->b], '+');
		else
			print_changed_view(&p, &o.secs[e->a], &n.secs[e->b]);
	}
	if (p.any)
		sbuf_puts(out, "#\r\n");
	free(s.v);
	free(oh);
	free(nh);
	doc_free(&o);
	doc_free(&n);
}
