/*
 * mkcorpus_cli.c: write the seed corpus of the CLI fuzzer (harness_cli.h)
 * into a directory:
 *   - for every entry of clid's command tables (clid/cmd_*.c), its syntax
 *     and its undo form instantiated four ways (optional parts left out,
 *     then included with the first, second and third alternative of each
 *     choice; parameters given a value of their type at the bounds of
 *     their range), '?' after its first word and TAB in the middle of it;
 *   - the lines of the documents in SEEDS_DIR (../shared/seeds, every .txt file: the
 *     manuals' examples, with their prompts cut off), 32 to a seed;
 *   - a few sessions: edit, commit, display, leave with a question
 *     answered.
 *
 *   mkcorpus_cli DIR [SEEDS_DIR]      (DIR is made if missing; the build
 *                                      runs it into BUILD/tests/fuzz/corpus-cli)
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "cmd_acl.h"
#include "cmd_ntp_auth.h"
#include "cmd_ntp_bcast.h"
#include "cmd_ntp_disp.h"
#include "grammar.h"

/* The tables clid/backend.c compiles (feature_tables there). */
static const struct {
	const char *name;
	const struct cmd_entry *v;
} tables[] = {
	{ "system", cmd_system_entries },     { "interface", cmd_interface_entries },
	{ "ntp", cmd_ntp_entries },           { "ntp-bcast", cmd_ntp_bcast_entries },
	{ "ntp-auth", cmd_ntp_auth_entries }, { "acl", cmd_acl_entries },
	{ "ntp-disp", cmd_ntp_disp_entries }, { "config", cmd_config_entries },
};

static int bad;

struct text {
	char buf[65536];
	size_t len;
};

static void add(struct text *t, const char *line)
{
	size_t n = strlen(line);

	if (t->len + n + 2 > sizeof(t->buf))
		return;
	memcpy(t->buf + t->len, line, n);
	t->len += n;
	t->buf[t->len++] = '\n';
}

static void save(const char *dir, const char *name, struct text *t)
{
	char path[4096];
	FILE *f;

	if (t->len == 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(t->buf, 1, t->len, f) != t->len) {
		perror(path);
		bad = 1;
	}
	if (f && fclose(f) != 0)
		bad = 1;
	t->len = 0;
}

/* --- instantiating a syntax -------------------------------------------- */

struct gen {
	char **tok;
	size_t n, i;
	unsigned k;               /* which alternative; optional parts when k > 0 */
	const struct cmd_param *params;
	char out[1024];
	size_t len;
};

static void emit(struct gen *g, const char *w)
{
	int r = snprintf(g->out + g->len, sizeof(g->out) - g->len, "%s%s", g->len ? " " : "", w);

	if (r > 0 && (size_t)r < sizeof(g->out) - g->len)
		g->len += (size_t)r;
}

static bool has(const char *name, const char *part)
{
	return strstr(name, part) != NULL;
}

static void param_value(const struct gen *g, const struct cmd_param *p, char *v, size_t vlen)
{
	static const char *const ipv4[] = { "10.0.1.31", "192.168.1.1", "127.127.1.0" };
	static const char *const ipv6[] = { "2001:db8::1", "fe80::1", "2001:db8:1::" };
	unsigned k = g->k;

	switch (p->type) {
	case GP_IPV4:
		snprintf(v, vlen, "%s", ipv4[k % 3]);
		return;
	case GP_MASK:
		snprintf(v, vlen, "%s", k % 2 ? "255.255.255.0" : "255.255.0.0");
		return;
	case GP_INT:
		snprintf(v, vlen, "%lu", k % 3 == 0 ? (unsigned long)p->min :
			 k % 3 == 1 ? (unsigned long)p->max :
			 ((unsigned long)p->min + p->max) / 2);
		return;
	case GP_IFTYPE:
		snprintf(v, vlen, "%s", k % 2 ? "LoopBack" : "GigabitEthernet");
		return;
	case GP_IFNUM:
		snprintf(v, vlen, "%s", k % 2 ? "0" : "0/1/0");
		return;
	case GP_IFNAME:
		snprintf(v, vlen, "%s", k % 2 ? "LoopBack0" : "GigabitEthernet0/1/0");
		return;
	case GP_TEXT:
		snprintf(v, vlen, "%s", k % 2 ? "a description with words" : "x");
		break;
	case GP_STRING:
		if (has(p->name, "ipv6"))
			snprintf(v, vlen, "%s", ipv6[k % 3]);
		else if (has(p->name, "vpn"))
			snprintf(v, vlen, "vpn1");
		else if (has(p->name, "server") || has(p->name, "peer") || has(p->name, "domain"))
			snprintf(v, vlen, "%s", k % 2 ? "ntp.example.com" : "10.0.1.31");
		else if (has(p->name, "key") || has(p->name, "password") || has(p->name, "cipher"))
			snprintf(v, vlen, "Secret-123");
		else if (has(p->name, "address") || has(p->name, "ip"))
			snprintf(v, vlen, "%s", ipv4[k % 3]);
		else if (has(p->name, "interface"))
			snprintf(v, vlen, "GigabitEthernet0/1/0");
		else
			snprintf(v, vlen, "%s", k % 2 ? "DeviceC" : "lbl1");
		break;
	}
	/* Strings and texts: at least min characters, at most max. */
	if (p->min && strlen(v) < p->min && p->min < vlen) {
		size_t n = strlen(v);

		memset(v + n, 'x', p->min - n);
		v[p->min] = '\0';
	}
	if (p->max && strlen(v) > p->max)
		v[p->max] = '\0';
}

static void word(struct gen *g, const char *w, bool on)
{
	char v[256];

	if (!on)
		return;
	for (const struct cmd_param *p = g->params; p && p->name; p++) {
		if (strcmp(p->name, w) == 0) {
			param_value(g, p, v, sizeof(v));
			emit(g, v);
			return;
		}
	}
	emit(g, w);
}

static void seq(struct gen *g, bool on);

/* After '{' or '[': the alternatives up to the closing bracket, the
 * chosen one emitted when `on`. */
static void choice(struct gen *g, bool on)
{
	size_t start = g->i, nalt = 1;
	unsigned depth = 0, pick;

	/* Count the alternatives at this level. */
	for (size_t j = start; j < g->n; j++) {
		const char *t = g->tok[j];

		if (!strcmp(t, "{") || !strcmp(t, "["))
			depth++;
		else if (!strcmp(t, "}") || !strcmp(t, "]")) {
			if (depth == 0)
				break;
			depth--;
		} else if (!strcmp(t, "|") && depth == 0)
			nalt++;
	}
	pick = (g->k ? g->k - 1 : 0) % nalt;
	for (size_t a = 0; a < nalt; a++) {
		seq(g, on && a == pick);
		if (g->i < g->n && !strcmp(g->tok[g->i], "|"))
			g->i++;
	}
	if (g->i < g->n)
		g->i++;   /* the closing bracket */
	if (g->i < g->n && !strcmp(g->tok[g->i], "*"))
		g->i++;
}

static void seq(struct gen *g, bool on)
{
	while (g->i < g->n) {
		const char *t = g->tok[g->i];

		if (!strcmp(t, "|") || !strcmp(t, "}") || !strcmp(t, "]"))
			return;
		g->i++;
		if (!strcmp(t, "{"))
			choice(g, on);
		else if (!strcmp(t, "["))
			choice(g, on && g->k > 0);
		else if (strcmp(t, "*") != 0)
			word(g, t, on);
	}
}

/* syntax instantiated the k-th way into out. */
static void instantiate(const char *syntax, const struct cmd_param *params, unsigned k,
			char *out, size_t outlen)
{
	struct gen g = { .k = k, .params = params };
	char *copy = strdup(syntax), *save = NULL;

	g.tok = calloc(strlen(syntax) + 1, sizeof(char *));
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		g.tok[g.n++] = w;
	seq(&g, true);
	snprintf(out, outlen, "%s", g.out);
	free(g.tok);
	free(copy);
}

static void commands(const char *dir)
{
	struct text t = { 0 };
	char line[1100], prev[4][1024], name[128];

	for (size_t ti = 0; ti < sizeof(tables) / sizeof(tables[0]); ti++) {
		size_t idx = 0;

		for (const struct cmd_entry *e = tables[ti].v; e->syntax; e++, idx++) {
			const char *forms[2] = { e->syntax, e->undo };

			for (int f = 0; f < 2; f++) {
				if (!forms[f])
					continue;
				for (unsigned k = 0; k < 4; k++) {
					bool dup = false;

					instantiate(forms[f], e->params, k, prev[k], sizeof(prev[k]));
					for (unsigned j = 0; j < k; j++)
						dup |= strcmp(prev[j], prev[k]) == 0;
					if (!dup)
						add(&t, prev[k]);
				}
			}
			/* Help after the first word, TAB in the middle of the
			 * full line. */
			snprintf(line, sizeof(line), "%.*s ?", (int)strcspn(prev[1], " "), prev[1]);
			add(&t, line);
			snprintf(line, sizeof(line), "%.*s\t", (int)(strlen(prev[1]) / 2), prev[1]);
			add(&t, line);
			snprintf(name, sizeof(name), "cmd-%s-%02zu", tables[ti].name, idx);
			save(dir, name, &t);
		}
	}
}

/* --- the documents' lines ------------------------------------------------ */

/* Cut a leading prompt ("<DeviceC>", "[~DeviceC-GigabitEthernet0/1/0]")
 * and blank space. */
static const char *unprompt(const char *l)
{
	while (*l == ' ')
		l++;
	if (*l == '<' || *l == '[') {
		const char *e = strchr(l, *l == '<' ? '>' : ']');

		if (e && e - l < 64)
			l = e + 1;
	}
	while (*l == ' ')
		l++;
	return l;
}

static void documents(const char *dir, const char *seeds)
{
	struct text t = { 0 };
	struct dirent *de;
	DIR *d = opendir(seeds);
	unsigned part = 0;
	char name[300];

	if (!d) {
		fprintf(stderr, "mkcorpus_cli: no %s: the documents' lines left out\n", seeds);
		return;
	}
	while ((de = readdir(d))) {
		char path[4096], buf[1100];
		size_t lines = 0, nlen = strlen(de->d_name);
		FILE *f;

		if (nlen < 5 || strcmp(de->d_name + nlen - 4, ".txt") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", seeds, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(buf, sizeof(buf), f)) {
			const char *l;

			buf[strcspn(buf, "\r\n")] = '\0';
			l = unprompt(buf);
			if (!*l || strlen(l) > 200)
				continue;
			add(&t, l);
			if (++lines % 32 == 0) {
				snprintf(name, sizeof(name), "doc-%.8s-%u", de->d_name, part++);
				save(dir, name, &t);
			}
		}
		fclose(f);
		snprintf(name, sizeof(name), "doc-%.8s-%u", de->d_name, part++);
		save(dir, name, &t);
	}
	closedir(d);
}

/* --- sessions ------------------------------------------------------------ */

static void sessions(const char *dir)
{
	static const char *const s[][16] = {
		{ "system-view", "sysname DeviceC", "ntp-service unicast-server 10.0.1.31",
		  "commit", "display current-configuration", "display configuration candidate changes",
		  "return", "quit", NULL },
		{ "system-view", "interface GigabitEthernet0/1/0", "ip address 10.0.1.3 24",
		  "undo shutdown", "display this", "quit", "return", "Y", "quit", NULL },
		{ "system-view", "ntp-service refclock-master 3", "return", "C", "return", "N",
		  NULL },
		{ "sys", "acl 2000", "rule 5 permit source 10.0.0.0 0.0.0.255", "rule deny",
		  "commit", "display acl 2000", "undo rule 5", "quit", "undo acl 2000", "commit",
		  NULL },
		{ "dis cu", "display ntp-service status", "display ntp-service sessions verbose",
		  "display users", "dis  ?", "display ntp\t", "ntp-service ?", "?", NULL },
		{ "system-view", "commit trial 60", "ntp-service authentication enable",
		  "commit label l1", "rollback configuration to label l1",
		  "display configuration commit list", "clear configuration candidate", NULL },
	};
	struct text t = { 0 };
	char name[32];

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		for (size_t j = 0; s[i][j]; j++)
			add(&t, s[i][j]);
		snprintf(name, sizeof(name), "session-%zu", i);
		save(dir, name, &t);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: mkcorpus_cli DIR [SEEDS_DIR]\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) < 0 && errno != EEXIST) {
		perror(argv[1]);
		return 1;
	}
	commands(argv[1]);
	if (argc == 3)
		documents(argv[1], argv[2]);
	sessions(argv[1]);
	return bad;
}
