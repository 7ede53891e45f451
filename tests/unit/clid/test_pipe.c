/*
 * test_pipe.c: the display pipes (clid/pipe.c): VRP's regular expressions
 * translated to POSIX extended ones (good and bad patterns), the pipe
 * parser (keywords, abbreviations, modifiers, errors with their columns),
 * the filters on text written in pieces, and the help after a "|".
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "grammar.h"
#include "pipe.h"

static void ere_is(const char *vrp, const char *ere)
{
	char *out = NULL;
	const char *why = NULL;

	cr_assert_eq(pipe_regex_translate(vrp, &out, &why), 0, "%s: %s", vrp, why);
	cr_assert_str_eq(out, ere, "%s", vrp);
	free(out);
}

Test(pipe, regex_translation)
{
	ere_is("ntp", "ntp");
	ere_is("^interface", "^interface");
	ere_is("a^b", "a\\^b");          /* a non-initial ^ is literal */
	ere_is("100$", "100$");
	ere_is("1$0", "1\\$0");          /* a non-final $ is literal */
	ere_is("*abc", "\\*abc");        /* nothing to repeat: literal */
	ere_is("+1", "\\+1");
	ere_is("^*", "^\\*");
	ere_is("(+a|*b)", "(\\+a|\\*b)");
	ere_is("ab*c+d?", "ab*c+d?");
	ere_is("a{2}", "a\\{2\\}");      /* no intervals in VRP */
	ere_is("\\.", "\\.");
	ere_is("\\d", "d");              /* no classes: the letter */
	ere_is("a\\", "a\\\\");          /* a final backslash is itself */
	ere_is("[^a-z]+", "[^a-z]+");
	ere_is("[]x]", "[]x]");
	ere_is("[[:digit:]]+", "[[:digit:]]+");
	ere_is("[$^*]", "[$^*]");        /* brackets are copied as they are */
	ere_is("10.0.1.3(1|2)", "10.0.1.3(1|2)");
}

Test(pipe, regex_errors)
{
	char *out = NULL;
	const char *why = NULL;

	cr_assert_eq(pipe_regex_translate("[abc", &out, &why), -EINVAL);
	cr_assert_str_eq(why, "unmatched [");
	cr_assert_null(out);
	cr_assert_eq(pipe_regex_translate("[[:digit:]", &out, &why), -EINVAL);
}

/* Every translated pattern compiles, and matches as VRP means it. */
static bool matches(const char *vrp, const char *text)
{
	char *ere;
	const char *why;
	regex_t re;
	bool m;

	cr_assert_eq(pipe_regex_translate(vrp, &ere, &why), 0);
	cr_assert_eq(regcomp(&re, ere, REG_EXTENDED | REG_NOSUB), 0, "%s -> %s", vrp, ere);
	m = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	free(ere);
	return m;
}

Test(pipe, regex_meaning)
{
	cr_assert(matches("*", "a*b"));
	cr_assert_not(matches("*", "ab"));
	cr_assert(matches("a^b", "xa^b"));
	cr_assert(matches("$5", "cost $5"));
	cr_assert(matches("^ ntp", " ntp-service broadcast-client"));
	cr_assert_not(matches("^ntp", " ntp-service broadcast-client"));
	cr_assert(matches("a{2}", "a{2}"));
	cr_assert_not(matches("a{2}", "aa"));
}

/* ---- parsing ---- */

struct parsed {
	struct gram_tokens t;
	struct pipe_chain *pc;
	struct pipe_error e;
	int r;
};

static void parse(struct parsed *p, const char *line)
{
	memset(p, 0, sizeof(*p));
	gram_tokenize(line, &p->t);
	p->r = pipe_parse(&p->t, pipe_find_bar(&p->t), &p->pc, &p->e);
}

static void parsed_free(struct parsed *p)
{
	pipe_free(p->pc);
	gram_tokens_free(&p->t);
}

static void parse_fails(const char *line, enum gram_err err, size_t col)
{
	struct parsed p;

	parse(&p, line);
	cr_assert_eq(p.r, -EINVAL, "%s", line);
	cr_assert_eq(p.e.err, err, "%s: %d", line, p.e.err);
	cr_assert_eq(p.e.col, col, "%s: column %zu", line, p.e.col);
	parsed_free(&p);
}

Test(pipe, parse_errors)
{
	/*               0         1         2         3
	 *               0123456789012345678901234567890123456 */
	parse_fails("display x |", GRAM_INCOMPLETE, 11);
	parse_fails("display x | include", GRAM_INCOMPLETE, 19);
	parse_fails("display x | include | count", GRAM_INCOMPLETE, 20);
	parse_fails("display x | bogus y", GRAM_UNRECOGNIZED, 12);
	parse_fails("display x | i ntp", GRAM_AMBIGUOUS, 12);  /* include, ignore-case */
	parse_fails("display x | count 3", GRAM_TOO_MANY, 18);
	parse_fails("display x | section count", GRAM_UNRECOGNIZED, 20);
	parse_fails("display x | section section include a", GRAM_UNRECOGNIZED, 20);
	parse_fails("display x | ignore-case", GRAM_INCOMPLETE, 23);

	struct parsed p;

	parse(&p, "display x | include a(b");
	cr_assert_eq(p.r, -EINVAL);
	cr_assert_eq(p.e.err, GRAM_WRONG_PARAM);
	cr_assert_eq(p.e.col, 20);
	cr_assert(strstr(p.e.msg, "Invalid regular expression \"a(b\": "), "%s", p.e.msg);
	parsed_free(&p);
	parse(&p, "display x | exclude [a-");
	cr_assert_eq(p.r, -EINVAL);
	cr_assert_str_eq(p.e.msg, "Invalid regular expression \"[a-\": unmatched [.");
	parsed_free(&p);

	/* 255 characters at most. */
	char line[400];
	snprintf(line, sizeof(line), "display x | include %0256d", 0);
	parse_fails(line, GRAM_WRONG_PARAM, 20);

	/* 32 stages at most. */
	size_t o = (size_t)snprintf(line, sizeof(line), "display x");
	for (int i = 0; i < 33; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, " | count");
	parse_fails(line, GRAM_TOO_MANY, 9 + 32 * 8 + 1);
}

/* ---- filtering ---- */

static struct sbuf got;

static void out(void *arg, const char *buf, size_t len)
{
	sbuf_printf(&got, "%.*s", (int)len, buf);
}

static const char config[] =
	"#\r\n"
	"sysname DeviceC\r\n"
	"#\r\n"
	"ntp-service refclock-master 2\r\n"
	"ntp-service unicast-server 10.0.1.31\r\n"
	"#\r\n"
	"interface GigabitEthernet0/1/0\r\n"
	" ip address 10.0.1.31 255.255.255.0\r\n"
	" ntp-service broadcast-client\r\n"
	"#\r\n"
	"interface LoopBack0\r\n"
	" description NTP loopback\r\n"
	"#\r\n"
	"return\r\n";

/* config through the pipes of `line`, written in slices of `slice` bytes. */
static char *filter(const char *line, size_t slice)
{
	struct parsed p;
	char *r;

	parse(&p, line);
	cr_assert_eq(p.r, 0, "%s: error %d at %zu %s", line, p.e.err, p.e.col, p.e.msg);
	pipe_set_out(p.pc, out, NULL);
	for (size_t i = 0; i < strlen(config); i += slice) {
		size_t n = strlen(config) - i < slice ? strlen(config) - i : slice;

		pipe_feed(p.pc, config + i, n);
	}
	pipe_finish(p.pc);
	parsed_free(&p);
	r = strdup(got.buf ? got.buf : "");
	sbuf_free(&got);
	return r;
}

static void filters_to(const char *line, const char *want)
{
	size_t slices[] = { 1, 3, 7, 1000 };

	for (size_t i = 0; i < sizeof(slices) / sizeof(slices[0]); i++) {
		char *r = filter(line, slices[i]);

		cr_assert_str_eq(r, want, "%s (slices of %zu)", line, slices[i]);
		free(r);
	}
}

Test(pipe, filters)
{
	filters_to("display current-configuration | include ntp",
		   "ntp-service refclock-master 2\r\n"
		   "ntp-service unicast-server 10.0.1.31\r\n"
		   " ntp-service broadcast-client\r\n");
	/* Abbreviated keyword, case-sensitive by default. */
	filters_to("display current-configuration | inc NTP", " description NTP loopback\r\n");
	filters_to("display current-configuration | ignore-case include NTP",
		   "ntp-service refclock-master 2\r\n"
		   "ntp-service unicast-server 10.0.1.31\r\n"
		   " ntp-service broadcast-client\r\n"
		   " description NTP loopback\r\n");
	filters_to("display current-configuration | exclude ^[# ]",
		   "sysname DeviceC\r\n"
		   "ntp-service refclock-master 2\r\n"
		   "ntp-service unicast-server 10.0.1.31\r\n"
		   "interface GigabitEthernet0/1/0\r\n"
		   "interface LoopBack0\r\n"
		   "return\r\n");
	filters_to("display current-configuration | begin LoopBack",
		   "interface LoopBack0\r\n"
		   " description NTP loopback\r\n"
		   "#\r\n"
		   "return\r\n");
	filters_to("display current-configuration | count", "Total lines: 14.\r\n");
	filters_to("display current-configuration | include ntp | count", "Total lines: 3.\r\n");
	/* Left to right: the count line itself goes through what follows. */
	filters_to("display current-configuration | count | include Total", "Total lines: 14.\r\n");
	filters_to("display current-configuration | count | exclude Total", "");
	filters_to("display current-configuration | include ntp | exclude server | no-more",
		   "ntp-service refclock-master 2\r\n"
		   " ntp-service broadcast-client\r\n");
	/* A regular expression with blanks runs to the next "|". */
	filters_to("display current-configuration | include ip address 10",
		   " ip address 10.0.1.31 255.255.255.0\r\n");
	/* Sections: a head and its indented lines, chosen by the head. */
	filters_to("display current-configuration | section include ^interface",
		   "interface GigabitEthernet0/1/0\r\n"
		   " ip address 10.0.1.31 255.255.255.0\r\n"
		   " ntp-service broadcast-client\r\n"
		   "interface LoopBack0\r\n"
		   " description NTP loopback\r\n");
	filters_to("display current-configuration | section exclude ^(interface|#)",
		   "sysname DeviceC\r\n"
		   "ntp-service refclock-master 2\r\n"
		   "ntp-service unicast-server 10.0.1.31\r\n"
		   "return\r\n");
	filters_to("display current-configuration | ignore-case section begin LOOPBACK",
		   "interface LoopBack0\r\n"
		   " description NTP loopback\r\n"
		   "#\r\n"
		   "return\r\n");
}

Test(pipe, no_more_and_last_line)
{
	struct parsed p;

	parse(&p, "display x | no-more");
	cr_assert_eq(p.r, 0);
	cr_assert(pipe_no_more(p.pc));
	parsed_free(&p);
	parse(&p, "display x | include a");
	cr_assert_not(pipe_no_more(p.pc));
	/* A last line without its end is filtered at the finish, and stays
	 * without one. */
	pipe_set_out(p.pc, out, NULL);
	pipe_feed(p.pc, "abc\r\nxyz\r\nbad", 13);
	pipe_finish(p.pc);
	cr_assert_str_eq(got.buf, "abc\r\nbad");
	sbuf_free(&got);
	parsed_free(&p);
	cr_assert_not(pipe_no_more(NULL));
}

/* ---- help ---- */

static char *help(const char *line)
{
	struct gram_tokens t;
	struct gram_help h;
	struct sbuf b = { 0 };
	char *r;

	gram_tokenize(line, &t);
	pipe_help(&t, pipe_find_bar(&t), &h);
	if (h.err)
		sbuf_printf(&b, "error %d at %zu", h.err, h.err_col);
	for (size_t i = 0; i < h.n; i++)
		sbuf_printf(&b, "%s%s", i ? " " : "", h.v[i].name);
	if (h.cr)
		sbuf_puts(&b, " <cr>");
	r = strdup(b.buf ? b.buf : "");
	sbuf_free(&b);
	gram_help_clear(&h);
	gram_tokens_free(&t);
	return r;
}

static void help_is(const char *line, const char *want)
{
	char *r = help(line);

	cr_assert_str_eq(r, want, "help for '%s'", line);
	free(r);
}

Test(pipe, help)
{
	help_is("display x | ", "begin count exclude ignore-case include no-more section");
	help_is("display x | in", "include");
	help_is("display x | i", "ignore-case include");
	help_is("display x | section ", "begin exclude ignore-case include");
	help_is("display x | section ignore-case ", "begin exclude include");
	help_is("display x | include ", "STRING<1-255>");
	help_is("display x | include ntp", "STRING<1-255>");
	help_is("display x | include ntp ", "| <cr>");
	help_is("display x | count ", "| <cr>");
	help_is("display x | count | ", "begin count exclude ignore-case include no-more section");
	help_is("display x | bogus ", "error 1 at 12");
	help_is("display x | count y ", "error 4 at 18");
}
