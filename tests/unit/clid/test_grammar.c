/*
 * test_grammar.c: the notation compiler and matcher: keywords and their
 * prefixes, parameter types and precedence, { | }, [ | ], [ | ] *, { | } *, undo
 * forms, help listings, every error with its caret position, and strings
 * in double quotes (VRP: `commit label "my label"`) with the error for an
 * unterminated one.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "grammar.h"

static int h_dummy(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return 0;
}

static const struct cmd_param params[] = {
	{ "ip-address", GP_IPV4, 0, 0, "IP address" },
	{ "stratum", GP_INT, 1, 15, "Stratum" },
	{ "host-name", GP_STRING, 1, 246, "Host name" },
	{ "number", GP_INT, 1, 4, "Version" },
	{ "p", GP_INT, 1, 65535, "Port" },
	{ "name", GP_STRING, 1, 32, "Name" },
	{ "mask", GP_MASK, 0, 0, "Mask" },
	{ "mask-length", GP_INT, 0, 32, "Mask length" },
	{ "interface-name", GP_IFNAME, 0, 0, "Interface name" },
	{ "interface-type", GP_IFTYPE, 0, 0, "Interface type" },
	{ "interface-number", GP_IFNUM, 0, 0, "Interface number" },
	{ "text", GP_TEXT, 1, 20, "Text" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cmd_kwhelp kw[] = {
	{ "display", "Display information" },
	{ "refclock-master", "Local clock" },
	{ "ntp-service", "NTP" },
	{ NULL, NULL },
};

static const struct cmd_entry entries[] = {
	{ CLI_V_ALL, "display current-configuration", NULL, params, kw, h_dummy },
	{ CLI_V_ALL, "display configuration candidate", NULL, params, kw, h_dummy },
	{ CLI_V_USER, "system-view", NULL, params, kw, h_dummy },
	{ CLI_V_SYSTEM, "sysname host-name", "undo sysname", params, kw, h_dummy },
	{ CLI_V_SYSTEM, "ntp-service refclock-master [ ip-address ] [ stratum ]",
	  "undo ntp-service refclock-master", params, kw, h_dummy },
	{ CLI_V_SYSTEM, "ntp-service unicast-server { ip-address | name } "
	  "[ version number | preferred | port p | source-interface { interface-name | "
	  "interface-type interface-number } ]*", NULL, params, kw, h_dummy },
	{ CLI_V_SYSTEM, "ntp unsync", NULL, params, kw, h_dummy },
	{ CLI_V_SYSTEM, "pick { ip-address | stratum | interface-name | name }", NULL, params, kw,
	  h_dummy },
	{ CLI_V_SYSTEM, "ip address ip-address { mask | mask-length }", NULL, params, kw, h_dummy },
	{ CLI_V_SYSTEM, "describe text", NULL, params, kw, h_dummy },
	{ CLI_V_SYSTEM, "grant { stratum | port p } *", NULL, params, kw, h_dummy },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};

static struct grammar *g;

static void setup(void)
{
	char err[128];

	g = gram_new();
	for (const struct cmd_entry *e = entries; e->syntax; e++)
		cr_assert_eq(gram_add(g, e, err, sizeof(err)), 0, "%s: %s", e->syntax, err);
}

static void teardown(void)
{
	gram_free(g);
}

/* Parse in a view; returns the result (caller clears). */
static struct gram_result parse(enum cli_view v, const char *line)
{
	struct gram_tokens t;
	struct gram_result r;

	gram_tokenize(line, &t);
	gram_parse(g, v, &t, &r);
	gram_tokens_free(&t);
	return r;
}

static void expect_ok(enum cli_view v, const char *line, const char *syntax)
{
	struct gram_result r = parse(v, line);

	cr_assert_eq(r.err, GRAM_OK, "'%s': error %d at %zu", line, r.err, r.err_col);
	cr_assert_str_eq(r.entry->syntax, syntax, "'%s'", line);
	gram_result_clear(&r);
}

static void expect_err(enum cli_view v, const char *line, enum gram_err err, size_t col)
{
	struct gram_result r = parse(v, line);

	cr_assert_eq(r.err, err, "'%s': error %d, want %d", line, r.err, err);
	cr_assert_eq(r.err_col, col, "'%s': caret at %zu, want %zu", line, r.err_col, col);
	gram_result_clear(&r);
}

static const char *arg(const struct gram_result *r, const char *name)
{
	for (size_t i = r->args.n; i-- > 0;)
		if (!strcmp(r->args.v[i].name, name))
			return r->args.v[i].value;
	return NULL;
}

TestSuite(grammar, .init = setup, .fini = teardown);

Test(grammar, bad_syntax_is_refused)
{
	struct cmd_entry bad[] = {
		{ CLI_V_USER, "x { a | b", NULL, params, kw, h_dummy },
		{ CLI_V_USER, "x [ a ] ]", NULL, params, kw, h_dummy },
		{ CLI_V_USER, "x { }", NULL, params, kw, h_dummy },
		{ CLI_V_USER, "stratum x", NULL, params, kw, h_dummy },
		{ CLI_V_USER, "x * a", NULL, params, kw, h_dummy },
	};
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_lt(gram_add(g, &bad[i], err, sizeof(err)), 0, "%s", bad[i].syntax);
}

Test(grammar, keywords_and_prefixes)
{
	expect_ok(CLI_VIEW_USER, "display current-configuration", "display current-configuration");
	expect_ok(CLI_VIEW_USER, "dis cu", "display current-configuration");
	expect_ok(CLI_VIEW_USER, "DIS CU", "display current-configuration");
	expect_ok(CLI_VIEW_USER, "  d   conf  cand  ", "display configuration candidate");
	expect_ok(CLI_VIEW_USER, "sys", "system-view");
	/* Views keep their own commands. */
	expect_err(CLI_VIEW_SYSTEM, "system-view", GRAM_UNRECOGNIZED, 0);
}

Test(grammar, exact_keyword_beats_prefix)
{
	/* "ntp" is a keyword and a prefix of "ntp-service". */
	expect_ok(CLI_VIEW_SYSTEM, "ntp unsync", "ntp unsync");
	expect_err(CLI_VIEW_SYSTEM, "nt unsync", GRAM_AMBIGUOUS, 0);
	expect_ok(CLI_VIEW_SYSTEM, "ntp- refclock", "ntp-service refclock-master [ ip-address ] [ stratum ]");
}

Test(grammar, parameter_precedence)
{
	struct gram_result r;

	r = parse(CLI_VIEW_SYSTEM, "pick 1.2.3.4");
	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "ip-address"), "1.2.3.4");
	cr_assert_null(arg(&r, "name"));
	gram_result_clear(&r);

	r = parse(CLI_VIEW_SYSTEM, "pick 7");
	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "stratum"), "7");
	cr_assert_null(arg(&r, "name"));
	gram_result_clear(&r);

	r = parse(CLI_VIEW_SYSTEM, "pick ge0/1/0");
	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "interface-name"), "ge0/1/0");
	cr_assert_null(arg(&r, "name"));
	gram_result_clear(&r);

	/* 99 is out of the stratum range: the string takes it. */
	r = parse(CLI_VIEW_SYSTEM, "pick 99");
	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "name"), "99");
	gram_result_clear(&r);

	r = parse(CLI_VIEW_SYSTEM, "pick abc");
	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "name"), "abc");
	gram_result_clear(&r);
}

Test(grammar, optional_and_args)
{
	struct gram_result r;

	r = parse(CLI_VIEW_SYSTEM, "ntp-service refclock-master 2");
	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "stratum"), "2");
	cr_assert_null(arg(&r, "ip-address"));
	cr_assert_not(r.args.undo);
	gram_result_clear(&r);

	r = parse(CLI_VIEW_SYSTEM, "ntp-service refclock-master 127.127.1.1 3");
	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "stratum"), "3");
	cr_assert_str_eq(arg(&r, "ip-address"), "127.127.1.1");
	gram_result_clear(&r);

	expect_ok(CLI_VIEW_SYSTEM, "ntp-service refclock-master", "ntp-service refclock-master [ ip-address ] [ stratum ]");
	/* Order matters outside '*' groups. */
	expect_err(CLI_VIEW_SYSTEM, "ntp-service refclock-master 3 127.127.1.1", GRAM_TOO_MANY, 30);
}

Test(grammar, undo_forms)
{
	struct gram_result r = parse(CLI_VIEW_SYSTEM, "undo ntp-service refclock-master");

	cr_assert_eq(r.err, GRAM_OK);
	cr_assert(r.args.undo);
	cr_assert_str_eq(r.entry->syntax, "ntp-service refclock-master [ ip-address ] [ stratum ]");
	gram_result_clear(&r);
	r = parse(CLI_VIEW_SYSTEM, "un sysn");
	cr_assert_eq(r.err, GRAM_OK);
	cr_assert(r.args.undo);
	gram_result_clear(&r);
	expect_err(CLI_VIEW_SYSTEM, "undo ntp-service refclock-master 2", GRAM_TOO_MANY, 33);
}

Test(grammar, any_order_each_once)
{
	struct gram_result r;

	r = parse(CLI_VIEW_SYSTEM, "ntp-service unicast-server 10.0.1.31 port 1234 preferred version 4");
	cr_assert_eq(r.err, GRAM_OK, "err %d", r.err);
	cr_assert_str_eq(arg(&r, "ip-address"), "10.0.1.31");
	cr_assert_str_eq(arg(&r, "p"), "1234");
	cr_assert_str_eq(arg(&r, "number"), "4");
	cr_assert_str_eq(arg(&r, "preferred"), "preferred");
	cr_assert_null(arg(&r, "name"));
	gram_result_clear(&r);

	r = parse(CLI_VIEW_SYSTEM, "ntp-service unicast-server ntp.example p so ge 0/1/0 ver 2");
	cr_assert_eq(r.err, GRAM_AMBIGUOUS);   /* p: preferred or port */
	gram_result_clear(&r);

	r = parse(CLI_VIEW_SYSTEM, "ntp-service unicast-server ntp.example pre so ge 0/1/0 ver 2");
	cr_assert_eq(r.err, GRAM_OK, "err %d", r.err);
	cr_assert_str_eq(arg(&r, "name"), "ntp.example");
	cr_assert_str_eq(arg(&r, "interface-type"), "ge");
	cr_assert_str_eq(arg(&r, "interface-number"), "0/1/0");
	gram_result_clear(&r);

	/* Each at most once. */
	expect_err(CLI_VIEW_SYSTEM, "ntp-service unicast-server 10.0.1.31 preferred preferred",
		   GRAM_UNRECOGNIZED, 47);
	expect_err(CLI_VIEW_SYSTEM, "ntp-service unicast-server 10.0.1.31 version 2 version 3",
		   GRAM_UNRECOGNIZED, 47);
}

/* `{ a | b } *`: at least one, each at most once, any order. */
Test(grammar, at_least_one_each_once)
{
	struct gram_result r;

	expect_ok(CLI_VIEW_SYSTEM, "grant 3", "grant { stratum | port p } *");
	expect_ok(CLI_VIEW_SYSTEM, "grant port 5", "grant { stratum | port p } *");
	r = parse(CLI_VIEW_SYSTEM, "grant port 5 3");
	cr_assert_eq(r.err, GRAM_OK, "err %d", r.err);
	cr_assert_str_eq(arg(&r, "p"), "5");
	cr_assert_str_eq(arg(&r, "stratum"), "3");
	gram_result_clear(&r);
	expect_err(CLI_VIEW_SYSTEM, "grant", GRAM_INCOMPLETE, 5);
	expect_err(CLI_VIEW_SYSTEM, "grant 3 4", GRAM_UNRECOGNIZED, 8);
	expect_err(CLI_VIEW_SYSTEM, "grant port 5 port 6", GRAM_WRONG_PARAM, 13);
}

Test(grammar, masks)
{
	struct gram_result r = parse(CLI_VIEW_SYSTEM, "ip address 10.0.1.31 255.255.255.0");

	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "mask"), "255.255.255.0");
	gram_result_clear(&r);
	r = parse(CLI_VIEW_SYSTEM, "ip address 10.0.1.31 24");
	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "mask-length"), "24");
	gram_result_clear(&r);
	expect_err(CLI_VIEW_SYSTEM, "ip address 10.0.1.31 255.0.255.0", GRAM_WRONG_PARAM, 21);
	expect_err(CLI_VIEW_SYSTEM, "ip address 10.0.1.31 33", GRAM_WRONG_PARAM, 21);
}

Test(grammar, text_takes_the_rest)
{
	struct gram_result r = parse(CLI_VIEW_SYSTEM, "describe to  core router  ");

	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "text"), "to  core router");
	gram_result_clear(&r);
	expect_err(CLI_VIEW_SYSTEM, "describe 012345678901234567890", GRAM_WRONG_PARAM, 9);
}

Test(grammar, errors_and_carets)
{
	expect_err(CLI_VIEW_USER, "dispaly current-configuration", GRAM_UNRECOGNIZED, 0);
	expect_err(CLI_VIEW_USER, "display foo", GRAM_UNRECOGNIZED, 8);
	expect_err(CLI_VIEW_USER, "display", GRAM_INCOMPLETE, 7);
	expect_err(CLI_VIEW_USER, "d c", GRAM_AMBIGUOUS, 2);
	expect_err(CLI_VIEW_USER, "display current-configuration x", GRAM_TOO_MANY, 30);
	expect_err(CLI_VIEW_SYSTEM, "ntp-service refclock-master 16", GRAM_WRONG_PARAM, 28);
	expect_err(CLI_VIEW_SYSTEM, "ntp-service refclock-master 2 x", GRAM_TOO_MANY, 30);
	expect_err(CLI_VIEW_SYSTEM, "ntp-service unicast-server", GRAM_INCOMPLETE, 26);
	expect_err(CLI_VIEW_SYSTEM, "ntp-service unicast-server 1.1.1.1 bogus", GRAM_UNRECOGNIZED, 35);
	expect_err(CLI_VIEW_SYSTEM, "ntp-service unicast-server 1.1.1.1 version 5", GRAM_WRONG_PARAM, 43);
	expect_err(CLI_VIEW_SYSTEM, "ntp-service unicast-server 1.1.1.1 source-interface foo",
		   GRAM_WRONG_PARAM, 52);
	expect_err(CLI_VIEW_SYSTEM, "sysname 01234567890123456789012345678901234567890123456789"
		   "01234567890123456789012345678901234567890123456789"
		   "01234567890123456789012345678901234567890123456789"
		   "01234567890123456789012345678901234567890123456789"
		   "01234567890123456789012345678901234567890123456789", GRAM_WRONG_PARAM, 8);
}

static struct gram_help help(enum cli_view v, const char *line)
{
	struct gram_tokens t;
	struct gram_help h;

	gram_tokenize(line, &t);
	gram_help(g, v, &t, &h);
	gram_tokens_free(&t);
	return h;
}

static const char *names(const struct gram_help *h)
{
	static char buf[512];

	buf[0] = '\0';
	for (size_t i = 0; i < h->n; i++) {
		strcat(buf, h->v[i].name);
		strcat(buf, "|");
	}
	if (h->cr)
		strcat(buf, "<cr>");
	return buf;
}

Test(grammar, help_after_space)
{
	struct gram_help h = help(CLI_VIEW_SYSTEM, "ntp-service refclock-master ");

	cr_assert_eq(h.err, GRAM_OK);
	cr_assert_str_eq(names(&h), "INTEGER<1-15>|X.X.X.X|<cr>");
	cr_assert_str_eq(h.v[0].help, "Stratum");
	gram_help_clear(&h);

	h = help(CLI_VIEW_USER, "");
	cr_assert_str_eq(names(&h), "display|system-view|");
	gram_help_clear(&h);

	h = help(CLI_VIEW_USER, "display ");
	cr_assert_str_eq(names(&h), "configuration|current-configuration|");
	gram_help_clear(&h);

	/* Used branches of a '*' group are not offered again. */
	h = help(CLI_VIEW_SYSTEM, "ntp-service unicast-server 1.1.1.1 preferred ");
	cr_assert_str_eq(names(&h), "port|source-interface|version|<cr>");
	gram_help_clear(&h);

	h = help(CLI_VIEW_SYSTEM, "ntp-service unicast-server 1.1.1.1 source-interface ");
	cr_assert_str_eq(names(&h), "Eth-Trunk|GigabitEthernet|LoopBack|Vlanif|XGigabitEthernet|");
	gram_help_clear(&h);

	h = help(CLI_VIEW_SYSTEM, "sysname ");
	cr_assert_str_eq(names(&h), "STRING<1-246>|");
	cr_assert_str_eq(h.v[0].help, "Host name");
	gram_help_clear(&h);

	h = help(CLI_VIEW_SYSTEM, "ntp-service bogus ");
	cr_assert_eq(h.err, GRAM_UNRECOGNIZED);
	cr_assert_eq(h.err_col, 12);
	gram_help_clear(&h);
}

Test(grammar, help_after_partial_word)
{
	struct gram_help h = help(CLI_VIEW_USER, "dis");

	cr_assert(h.partial);
	cr_assert_str_eq(names(&h), "display|");
	gram_help_clear(&h);

	h = help(CLI_VIEW_SYSTEM, "n");
	cr_assert_str_eq(names(&h), "ntp|ntp-service|");
	gram_help_clear(&h);

	h = help(CLI_VIEW_SYSTEM, "ntp-service unicast-server 1.1.1.1 p");
	cr_assert_str_eq(names(&h), "port|preferred|");
	gram_help_clear(&h);

	h = help(CLI_VIEW_SYSTEM, "ntp-service unicast-server 1.1.1.1 source-interface g");
	cr_assert_str_eq(names(&h), "GigabitEthernet|");
	gram_help_clear(&h);

	h = help(CLI_VIEW_USER, "xyz");
	cr_assert_eq(h.err, GRAM_UNRECOGNIZED);
	cr_assert_eq(h.err_col, 0);
	gram_help_clear(&h);
}

Test(grammar, error_texts)
{
	cr_assert_str_eq(gram_err_text(GRAM_UNRECOGNIZED), "Unrecognized command found at '^' position.");
	cr_assert_str_eq(gram_err_text(GRAM_WRONG_PARAM), "Wrong parameter found at '^' position.");
	cr_assert_str_eq(gram_err_text(GRAM_INCOMPLETE), "Incomplete command found at '^' position.");
	cr_assert_str_eq(gram_err_text(GRAM_TOO_MANY), "Too many parameters found at '^' position.");
	cr_assert_str_eq(gram_err_text(GRAM_AMBIGUOUS), "Ambiguous command found at '^' position.");
}

/* VRP's strings in double quotes: one word with its blanks, the quotes not
 * part of it; offsets from the opening quote to past the closing one. */
Test(grammar, tokenizer_quotes)
{
	struct gram_tokens t;

	gram_tokenize("commit label \"my label\"  description x", &t);
	cr_assert_eq(t.n, 5);
	cr_assert_str_eq(t.word[2], "my label");
	cr_assert_eq(t.quote[2], GQ_CLOSED);
	cr_assert_eq(t.quote[1], GQ_NONE);
	cr_assert_eq(t.off[2], 13);
	cr_assert_eq(t.end[2], 23);
	cr_assert_str_eq(t.word[3], "description");
	gram_tokens_free(&t);

	/* Unterminated: the word runs to the end of the line, blanks kept, and
	 * the line does not "end in blank space". */
	gram_tokenize("sysname \"a b ", &t);
	cr_assert_eq(t.n, 2);
	cr_assert_str_eq(t.word[1], "a b ");
	cr_assert_eq(t.quote[1], GQ_OPEN);
	cr_assert_eq(t.off[1], 8);
	cr_assert(!t.trailing_space);
	gram_tokens_free(&t);

	/* A quote inside a word is an ordinary character; "" is an empty word. */
	gram_tokenize("a\"b \"\" c", &t);
	cr_assert_eq(t.n, 3);
	cr_assert_str_eq(t.word[0], "a\"b");
	cr_assert_eq(t.quote[0], GQ_NONE);
	cr_assert_str_eq(t.word[1], "");
	cr_assert_eq(t.quote[1], GQ_CLOSED);
	gram_tokens_free(&t);
}

Test(grammar, quoted_strings)
{
	struct gram_result r = parse(CLI_VIEW_SYSTEM, "sysname \"core router 1\"");

	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "host-name"), "core router 1");
	gram_result_clear(&r);

	/* A text that is one quoted string is its words; else the raw rest. */
	r = parse(CLI_VIEW_SYSTEM, "describe \"to core\" ");
	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "text"), "to core");
	gram_result_clear(&r);
	r = parse(CLI_VIEW_SYSTEM, "describe say \"hi there\"");
	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "text"), "say \"hi there\"");
	gram_result_clear(&r);
	/* The length of a quoted text is without its quotes. */
	expect_ok(CLI_VIEW_SYSTEM, "describe \"01234567890123456789\"", "describe text");
	expect_err(CLI_VIEW_SYSTEM, "describe \"012345678901234567890\"", GRAM_WRONG_PARAM, 9);
	expect_err(CLI_VIEW_SYSTEM, "sysname \"\"", GRAM_WRONG_PARAM, 8);

	/* A quoted word is a string, never a keyword, number or address. */
	expect_err(CLI_VIEW_USER, "\"display\" current-configuration", GRAM_UNRECOGNIZED, 0);
	expect_err(CLI_VIEW_SYSTEM, "ntp-service refclock-master \"3\"", GRAM_WRONG_PARAM, 28);
	r = parse(CLI_VIEW_SYSTEM, "ntp-service unicast-server \"1.1.1.1\"");
	cr_assert_eq(r.err, GRAM_OK);
	cr_assert_str_eq(arg(&r, "name"), "1.1.1.1");   /* the host name, not the address */
	cr_assert_null(arg(&r, "ip-address"));
	gram_result_clear(&r);
}

/* An unterminated quote: the caret under it, "Wrong parameter" where a
 * parameter could come (a text too), "Unrecognized command" where only
 * keywords could. */
Test(grammar, unterminated_quote)
{
	expect_err(CLI_VIEW_SYSTEM, "sysname \"core router", GRAM_WRONG_PARAM, 8);
	expect_err(CLI_VIEW_SYSTEM, "describe \"core router", GRAM_WRONG_PARAM, 9);
	expect_err(CLI_VIEW_SYSTEM, "describe core \"router", GRAM_WRONG_PARAM, 14);
	expect_err(CLI_VIEW_USER, "display \"current", GRAM_UNRECOGNIZED, 8);
	expect_err(CLI_VIEW_SYSTEM, "ntp-service refclock-master 1.1.1.1 \"2", GRAM_WRONG_PARAM, 36);
}

/* '?' inside a quoted word lists the string parameters, no keyword. */
Test(grammar, help_in_quotes)
{
	struct gram_help h = help(CLI_VIEW_SYSTEM, "sysname \"my r");

	cr_assert_eq(h.err, GRAM_OK);
	cr_assert(h.partial);
	cr_assert_str_eq(names(&h), "STRING<1-246>|");
	gram_help_clear(&h);

	h = help(CLI_VIEW_SYSTEM, "ntp-service unicast-server \"p");
	cr_assert_str_eq(names(&h), "STRING<1-32>|");
	gram_help_clear(&h);

	h = help(CLI_VIEW_USER, "\"dis");
	cr_assert_eq(h.err, GRAM_UNRECOGNIZED);
	gram_help_clear(&h);
}
