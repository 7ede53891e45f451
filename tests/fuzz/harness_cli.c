/*
 * harness_cli.c: run lines through clid's command engine from every view
 * and check the invariants of harness_cli.h.
 *
 * The backend (and so the compiled grammar) is made once and reset between
 * inputs, so an input's result depends on nothing before it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "cli.h"
#include "fake_backend.h"
#include "harness_cli.h"
#include "log.h"
#include "secret.h"

struct out {
	char *buf;
	size_t len, cap;
	bool overflow;
};

static struct {
	struct cli_backend *be;
	struct out out;
	char *empty;              /* the empty configuration's text */
} H;

struct fuzz_cli_stats fuzz_cli_stats;

/* The lines that bring a new session (in user view) to each view. */
static const char *const view_setup[][3] = {
	{ NULL },
	{ "system-view", NULL },
	{ "system-view", "interface GigabitEthernet0/1/0", NULL },
	{ "system-view", "acl number 2000", NULL },
	{ "system-view", "acl ipv6 number 2001", NULL },
};
#define N_VIEWS (sizeof(view_setup) / sizeof(view_setup[0]))
static const char *const view_prompt[N_VIEWS] = {
	"<HUAWEI>", "[~HUAWEI]", "[~HUAWEI-GigabitEthernet0/1/0]", "[~HUAWEI-acl-basic-2000]",
	"[~HUAWEI-acl6-basic-2001]",
};

static int fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static void on_output(void *arg, const char *buf, size_t len)
{
	struct out *o = arg;

	if (len == 0)
		return;   /* the engine may write (NULL, 0): an empty display */
	if (o->len + len > FUZZ_CLI_MAX_OUTPUT) {
		o->overflow = true;
		return;
	}
	if (o->len + len + 1 > o->cap) {
		o->cap = (o->len + len + 1) * 2;
		o->buf = xrealloc(o->buf, o->cap);
	}
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
	o->buf[o->len] = '\0';
}

/* A device key, so that key commands reach the sealing code as on a
 * device: made in a temporary STATE_DIR that goes at once (the key stays
 * loaded). */
static void device_key(void)
{
	char dir[] = "/tmp/meridian-fuzz-XXXXXX", path[64];

	if (secret_device_key())
		return;
	if (!mkdtemp(dir) || secret_init(dir) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/" SECRET_KEY_FILE, dir);
	unlink(path);
	rmdir(dir);
}

static void harness_init(void)
{
	if (H.be)
		return;
	log_init("fuzz_cli", LOG_LVL_ERR);
	device_key();
	H.be = fake_backend_new();
}

void fuzz_cli_cleanup(void)
{
	if (H.be)
		cli_backend_free(H.be);
	free(H.out.buf);
	free(H.empty);
	memset(&H, 0, sizeof(H));
}

static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* The checks on what one line printed (o) after prompt `prompt` (its
 * length plen) for the line `line`. */
static int check_output(const struct out *o, size_t plen, const char *line, bool *error,
			char *why, size_t whylen)
{
	const char *p = o->buf ? o->buf : "", *end = p + o->len;
	const char *prev = NULL;
	size_t prev_len = 0;

	*error = false;
	if (o->overflow)
		return fail(why, whylen, "'%s' printed more than %d bytes", line,
			    FUZZ_CLI_MAX_OUTPUT);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (!nl) {
			/* A last line without its end: only a question's
			 * prompt or a help redraw may do that; it must still
			 * be text. */
			if (!printable(p, (size_t)(end - p)))
				return fail(why, whylen, "'%s' printed a control byte", line);
			break;
		}
		if (nl == p || nl[-1] != '\r')
			return fail(why, whylen, "'%s' printed a bare '\\n'", line);
		n = (size_t)(nl - 1 - p);
		if (!printable(p, n))
			return fail(why, whylen, "'%s' printed a control byte in \"%.*s\"", line,
				    (int)n, p);
		if (n >= 6 && memcmp(p, "Error:", 6) == 0) {
			char last = p[n - 1];

			*error = true;
			if (n < 9 || p[6] != ' ' || p[7] == ' ' || (last != '.' && last != ':'))
				return fail(why, whylen, "'%s': not a VRP error sentence: \"%.*s\"",
					    line, (int)n, p);
			if (n >= 22 && memcmp(p + n - 22, "found at '^' position.", 22) == 0) {
				size_t col;

				if (!prev || prev_len == 0 || prev[prev_len - 1] != '^' ||
				    strspn(prev, " ") != prev_len - 1)
					return fail(why, whylen, "'%s': \"%.*s\" without its caret "
						    "line", line, (int)n, p);
				col = prev_len - 1;
				if (col > plen + strlen(line))
					return fail(why, whylen, "'%s': the caret at column %zu is "
						    "past the line (prompt %zu + %zu)", line, col,
						    plen, strlen(line));
			}
		}
		prev = p;
		prev_len = n;
		p = nl + 1;
	}
	return 0;
}

static int check_prompt(struct cli_session *s, const char *line, char *why, size_t whylen)
{
	const char *p = cli_prompt(s);
	size_t n = p ? strlen(p) : 0;

	if (!p || n == 0)
		return fail(why, whylen, "no prompt after '%s'", line);
	if (!printable(p, n))
		return fail(why, whylen, "the prompt after '%s' holds a control byte", line);
	if (cli_awaiting_answer(s))
		return 0;
	if (p[0] == '<' && p[n - 1] == '>' && n > 2)
		return 0;
	if (p[0] == '[' && (p[1] == '~' || p[1] == '*') && p[n - 1] == ']' && n > 3)
		return 0;
	return fail(why, whylen, "the prompt after '%s' is \"%s\"", line, p);
}

/* A new session brought to view; on an empty configuration (exact) its
 * prompt must be that view's. */
static struct cli_session *session_in(size_t view, bool exact, char *why, size_t whylen)
{
	struct cli_session *s = cli_session_new(H.be, "admin", "VTY 0", on_output, &H.out);

	if (!s) {
		fail(why, whylen, "cli_session_new failed on the fake backend");
		return NULL;
	}
	for (size_t i = 0; view_setup[view][i]; i++)
		cli_exec(s, view_setup[view][i]);
	/* '~' or '*' (entering an ACL view creates the ACL). */
	if (exact && (strcmp(cli_prompt(s) + 2 * (view > 0), view_prompt[view] + 2 * (view > 0)) != 0 ||
	    cli_prompt(s)[0] != view_prompt[view][0])) {
		fail(why, whylen, "view %zu: prompt \"%s\", want \"%s\" (printed: %s)", view,
		     cli_prompt(s), view_prompt[view], H.out.buf ? H.out.buf : "");
		cli_session_free(s);
		return NULL;
	}
	H.out.len = 0;
	return s;
}

/* Run one line (NUL-terminated, sanitized) in *s. */
static int run_line(struct cli_session **s, char *line, char *why, size_t whylen)
{
	size_t n = strlen(line), plen = strlen(cli_prompt(*s));
	bool error = false, open = true, exec = false;
	char *c;
	int rc;

	H.out.len = 0;
	H.out.overflow = false;
	if (H.out.buf)
		H.out.buf[0] = '\0';
	fuzz_cli_stats.lines++;
	if (n > 0 && line[n - 1] == '?') {
		line[n - 1] = '\0';
		cli_help(*s, line);
		fuzz_cli_stats.helps++;
	} else if (n > 0 && line[n - 1] == '\t') {
		line[n - 1] = '\0';
		c = cli_complete(*s, line);
		fuzz_cli_stats.completions++;
		if (c && (strlen(c) > CLI_MAX_LINE + 64 || !printable(c, strlen(c)))) {
			rc = fail(why, whylen, "completion of '%s' is %zu bytes or not text", line,
				  strlen(c));
			free(c);
			return rc;
		}
		free(c);
	} else {
		open = cli_exec(*s, line);
		exec = true;
		fuzz_cli_stats.execs++;
	}
	rc = check_output(&H.out, plen, line, &error, why, whylen);
	if (rc < 0)
		return rc;
	if (error)
		fuzz_cli_stats.errors++;
	else if (exec)
		fuzz_cli_stats.quiet++;
	if (!open) {
		fuzz_cli_stats.sessions_ended++;
		cli_session_free(*s);
		*s = session_in(0, false, why, whylen);
		return *s ? 0 : -1;
	}
	return check_prompt(*s, line, why, whylen);
}

/* What `display current-configuration` prints in a new session (malloc'd),
 * after a `commit` from system view when commit_first (the fake keeps one
 * candidate for all sessions: what the input left uncommitted). */
static char *current_config(bool commit_first, char *why, size_t whylen)
{
	struct cli_session *s = session_in(commit_first ? 1 : 0, false, why, whylen);
	char *t;

	if (!s)
		return NULL;
	if (commit_first)
		cli_exec(s, "commit");
	H.out.len = 0;
	H.out.overflow = false;
	cli_exec(s, "display current-configuration");
	t = xstrdup(H.out.len ? H.out.buf : "");
	cli_session_free(s);
	return t;
}

/*
 * The fake backend edits with cfgd/edit.c, which cannot tell how a list
 * element was made: it removes an interface left with its name alone after
 * a field's delete (`undo ip address`), but keeps one emptied by deleting
 * an item of a list under it (`undo ipv6 address A L`), as it must keep an
 * ACL after `undo rule 5`.  Such an interface renders as a bare
 * "interface X" block that typed back creates nothing, so the round trip
 * drops bare interface blocks from the first text, unless
 * FUZZ_CLI_KNOWN_BUGS is set.  (Real cfgd drops an element its session
 * made implicitly either way: cfgd/cand.c.)
 */
static void drop_bare_interfaces(char *t)
{
	char *p = t;

	if (getenv("FUZZ_CLI_KNOWN_BUGS"))
		return;
	while ((p = strstr(p, "interface "))) {
		char *eol = strstr(p, "\r\n");

		if ((p == t || p[-1] == '\n') && eol && strncmp(eol + 2, "#\r\n", 3) == 0) {
			memmove(p, eol + 2 + 3, strlen(eol + 2 + 3) + 1);
			continue;
		}
		p++;
	}
}

/* The configuration the input made (committed), typed back into an empty
 * one and committed, renders the same text again. */
static int round_trip(char *why, size_t whylen)
{
	char *t1 = current_config(true, why, whylen), *t2 = NULL, *copy, *save = NULL;
	struct cli_session *s;
	int rc = 0;

	if (!t1)
		return -1;
	fake_backend_reset(H.be);
	if (!H.empty)
		H.empty = current_config(false, why, whylen);
	if (H.empty && strcmp(t1, H.empty) != 0)
		fuzz_cli_stats.round_trips++;
	drop_bare_interfaces(t1);
	s = session_in(1, true, why, whylen);
	if (!s) {
		free(t1);
		return -1;
	}
	copy = xstrdup(t1);
	for (char *l = strtok_r(copy, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
		if (strcmp(l, "return") == 0)
			continue;
		if (!cli_exec(s, l))
			break;
	}
	free(copy);
	cli_exec(s, "commit");
	cli_session_free(s);
	t2 = current_config(false, why, whylen);
	if (!t2)
		rc = -1;
	else if (strcmp(t1, t2) != 0)
		rc = fail(why, whylen, "display current-configuration typed back renders "
			  "differently:\n--- was ---\n%s--- typed back ---\n%s", t1, t2);
	free(t1);
	free(t2);
	return rc;
}

int fuzz_cli_one(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	char *text = xmalloc(size + 1);
	char *lines[FUZZ_CLI_MAX_LINES];
	size_t n = 0;
	int rc = 0;

	harness_init();
	fuzz_cli_stats.inputs++;
	for (size_t i = 0; i < size; i++) {
		unsigned char c = data[i];

		text[i] = (c >= 0x20 && c <= 0x7e) || c == '\n' || c == '\t' ? (char)c : ' ';
	}
	text[size] = '\0';
	/* Split at '\n'; a '\t' survives only at the end of a line. */
	for (char *p = text; p && n < FUZZ_CLI_MAX_LINES;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		lines[n++] = p;
		for (char *t = p; (t = strchr(t, '\t')) && t[1]; t++)
			*t = ' ';
		p = nl ? nl + 1 : NULL;
	}
	if (n > 0 && size > 0 && lines[n - 1][0] == '\0')
		n--;  /* the text's last '\n' ends a line, it does not start one */
	for (size_t v = 0; v < N_VIEWS && rc == 0; v++) {
		struct cli_session *s;
		char line[1024];

		fake_backend_reset(H.be);
		s = session_in(v, true, why, whylen);
		if (!s) {
			rc = -1;
			break;
		}
		for (size_t i = 0; i < n && rc == 0; i++) {
			snprintf(line, sizeof(line), "%s", lines[i]);
			rc = run_line(&s, line, why, whylen);
			if (rc < 0) {
				size_t w = strlen(why);

				snprintf(why + w, whylen - w, " (view %zu, line %zu)", v, i + 1);
			}
		}
		cli_session_free(s);
		if (rc == 0)
			rc = round_trip(why, whylen);
	}
	free(text);
	return rc;
}
