/*
 * grammar.h: the command grammar compiler and matcher.
 *
 * Commands are data (struct cmd_entry): the syntax is written in the
 * manuals' own notation and compiled at start into ONE token graph per view.
 * Notation: keywords; parameters (words listed in the entry's parameter
 * table, with a type); `{ a | b }` one of; `[ a | b ]` optional one of;
 * `[ a | b ] *` any of them, each at most once, in any order; `{ a | b } *`
 * the same with at least one; nesting.
 * An entry may also declare its `undo` form, compiled into the same graph.
 *
 * Matching a line walks the graph word by word, keeping every path that fits
 * (an NFA simulation; `[ ] *` groups are cycles whose branches are marked
 * used on the path).  When several nodes fit one word, the most specific wins:
 * exact keyword > keyword prefix > IPv4/mask > integer > interface > string >
 * text.  Keywords and interface types are case-insensitive and may be
 * abbreviated to a unique prefix.  Help ('?'), completion (TAB) and error
 * positions come from the same walk.
 */
#ifndef MERIDIAN_CLID_GRAMMAR_H
#define MERIDIAN_CLID_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cli_view { CLI_VIEW_USER = 0, CLI_VIEW_SYSTEM, CLI_VIEW_INTERFACE, CLI_VIEW_ACL,
		CLI_VIEW_ACL6, CLI_VIEW_UI, CLI_VIEW_AAA, CLI_VIEW_PKEY, CLI_VIEW_PKEY_CODE,
		CLI_VIEW_VPN, CLI_VIEW_VPN_AF4, CLI_VIEW_VPN_AF6, CLI_VIEW_COUNT };
#define CLI_V_USER   (1u << CLI_VIEW_USER)
#define CLI_V_SYSTEM (1u << CLI_VIEW_SYSTEM)
#define CLI_V_IF     (1u << CLI_VIEW_INTERFACE)
#define CLI_V_ACL    (1u << CLI_VIEW_ACL)     /* basic ACL view, [~sysname-acl-basic-2000] */
#define CLI_V_ACL6   (1u << CLI_VIEW_ACL6)    /* basic IPv6 ACL view, [~sysname-acl6-basic-2000] */
#define CLI_V_UI     (1u << CLI_VIEW_UI)      /* user-interface view, [~sysname-ui-vty0-4] */
#define CLI_V_AAA    (1u << CLI_VIEW_AAA)     /* aaa view, [~sysname-aaa] */
/* `rsa|ecc peer-public-key K` view, [~sysname-rsa-public-key] */
#define CLI_V_PKEY   (1u << CLI_VIEW_PKEY)
/* its `public-key-code begin` view, [~sysname-rsa-public-key-rsa-key-code]:
 * every line but `public-key-code end` is key text (cli.c) */
#define CLI_V_PKEY_CODE (1u << CLI_VIEW_PKEY_CODE)
#define CLI_V_VPN    (1u << CLI_VIEW_VPN)     /* [~sysname-vpn-instance-vrf1] */
#define CLI_V_VPN_AF4 (1u << CLI_VIEW_VPN_AF4) /* [~sysname-vpn-instance-vrf1-af-ipv4] */
#define CLI_V_VPN_AF6 (1u << CLI_VIEW_VPN_AF6) /* [~sysname-vpn-instance-vrf1-af-ipv6] */
/* The views of system-view and below, where the candidate is edited. */
#define CLI_V_CONFIG (CLI_V_SYSTEM | CLI_V_IF | CLI_V_ACL | CLI_V_ACL6 | CLI_V_UI | CLI_V_AAA | \
		      CLI_V_PKEY | CLI_V_VPN | CLI_V_VPN_AF4 | CLI_V_VPN_AF6)
#define CLI_V_ALL    (CLI_V_USER | CLI_V_CONFIG)

enum gram_ptype {
	GP_IPV4,     /* dotted quad */
	GP_MASK,     /* dotted quad, contiguous mask */
	GP_INT,      /* decimal, min..max */
	GP_STRING,   /* one word, length min..max */
	GP_TEXT,     /* the rest of the line, length min..max */
	GP_IFTYPE,   /* interface type keyword (gigabitethernet, GE, loopback, ...) */
	GP_IFNUM,    /* interface number, "0/1/0" or "10" */
	GP_IFNAME,   /* whole interface name, "GigabitEthernet0/1/0" */
};

struct cmd_param {
	const char *name;     /* as written in the syntax: "ip-address" */
	enum gram_ptype type;
	uint32_t min, max;    /* GP_INT: value range; GP_STRING/GP_TEXT: length range */
	const char *help;
};

struct cmd_kwhelp {
	const char *word;
	const char *help;
};

struct cmd_ctx;
struct cmd_args;
/* A handler turns parsed arguments into edits or a query.  0, or -1 after
 * it has written its error. */
typedef int (*cmd_handler_fn)(struct cmd_ctx *ctx, const struct cmd_args *args);

struct cmd_entry {
	unsigned views;                  /* CLI_V_* mask */
	const char *syntax;
	const char *undo;                /* "undo ..." form, or NULL */
	const struct cmd_param *params;  /* {NULL}-terminated, or NULL */
	const struct cmd_kwhelp *kwhelp; /* {NULL}-terminated, or NULL */
	cmd_handler_fn handler;
};

/* One parsed argument: a parameter (name = its name, value = the word, or
 * the rest of the line for GP_TEXT) or a keyword present (name = value =
 * the keyword as written in the syntax). */
struct cmd_arg {
	const char *name;
	char *value;
	size_t tok;        /* index of the word in the line */
	bool keyword;
};

struct cmd_args {
	struct cmd_arg *v;
	size_t n;
	bool undo;         /* the line matched the entry's undo form */
	const struct cmd_entry *entry;
};

enum gram_err {
	GRAM_OK = 0,
	GRAM_UNRECOGNIZED,
	GRAM_WRONG_PARAM,
	GRAM_INCOMPLETE,
	GRAM_TOO_MANY,
	GRAM_AMBIGUOUS,
};

/* The sentence VRP prints for an error, e.g. "Unrecognized command found at
 * '^' position." (without "Error: "). */
const char *gram_err_text(enum gram_err err);

/* How a word was written: plain, or a string in double quotes (VRP:
 * `commit label "my label"`), perhaps not closed before the line ends. */
enum gram_quote { GQ_NONE = 0, GQ_CLOSED, GQ_OPEN };

/* A line split into words at blanks, with each word's offsets in the line
 * (a quoted word's from its opening quote to past its closing one).  A word
 * starting with '"' runs to the next '"', blanks included; word[] holds it
 * without the quotes.  A quoted word is a string: it fits only string and
 * text parameters; a text that is one quoted word is that word.  An
 * unterminated quote fits nothing: the error points at it. */
struct gram_tokens {
	const char *line;
	char **word;
	size_t *off, *end;
	enum gram_quote *quote;
	size_t n;
	bool trailing_space;  /* the line ends in blank space (or is empty), not in an open quote */
};
void gram_tokenize(const char *line, struct gram_tokens *t);
void gram_tokens_free(struct gram_tokens *t);

struct grammar;
struct grammar *gram_new(void);
void gram_free(struct grammar *g);
/* Compile one entry (both its forms) into the graphs of its views.
 * 0, or -EINVAL with a sentence in err when the syntax does not parse. */
int gram_add(struct grammar *g, const struct cmd_entry *e, char *err, size_t errlen);

struct gram_result {
	enum gram_err err;
	size_t err_col;                 /* offset in the line where '^' goes */
	const struct cmd_entry *entry;  /* GRAM_OK */
	struct cmd_args args;           /* GRAM_OK; freed by gram_result_clear */
};
/* Match a whole line (at least one word) in a view. */
void gram_parse(const struct grammar *g, enum cli_view view, const struct gram_tokens *t,
		struct gram_result *res);
void gram_result_clear(struct gram_result *res);

/* Help and completion: what may come at the end of the line. */
struct gram_cand {
	char *name;        /* keyword, or the parameter's display form "INTEGER<1-15>" */
	const char *help;
	bool keyword;
};
struct gram_help {
	struct gram_cand *v;   /* sorted by name */
	size_t n;
	bool cr;               /* the line is complete as it stands */
	bool partial;          /* listing for a partial last word */
	enum gram_err err;     /* the words before could not be matched */
	size_t err_col;
};
/* After blank space: every keyword and parameter that may come next.
 * After a partial word: the keywords (and interface types) it abbreviates;
 * when there is none, the parameters the word fits. */
void gram_help(const struct grammar *g, enum cli_view view, const struct gram_tokens *t,
	       struct gram_help *out);
void gram_help_clear(struct gram_help *h);

#endif
