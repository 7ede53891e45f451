/*
 * harness_cli.h: the fuzz harness of clid's command engine (clid/cli.h),
 * shared by the libFuzzer target (fuzz_cli.c, built with clang by
 * tests/fuzz/run-smoke --target cli) and the corpus replay
 * (test_fuzz_cli.c, Criterion with gcc+ASan).
 *
 * What it feeds: one input is text, split into lines at '\n' (at most
 * FUZZ_CLI_MAX_LINES; a line may run past CLI_MAX_LINE).  Bytes outside
 * 0x20..0x7e become spaces, as the line editor never hands the engine
 * anything else (a '\t' at the end of a line is kept: see below).  The
 * lines run through the real engine (grammar, every cmd_*.c handler, the
 * display renderers) on a fake cfgd and ntpd (fake_backend.h: edits go
 * through cfgd's generic edit code, commits succeed), once from each view:
 * a session of user admin on "VTY 0" is opened and moved to user view,
 * system view, interface view (GigabitEthernet0/1/0), ACL view (2000) and
 * IPv6 ACL view (2001) in turn, and the input's lines are run in it.  A
 * line ending in '?' is help (cli_help with what comes before the '?'), one
 * ending in '\t' is completion (cli_complete), any other one is run
 * (cli_exec); a session that ends (`quit` in user view) is replaced by a
 * new one in user view.
 *
 * What it checks, after every line:
 *   - the engine gives a prompt back: while a question waits for its
 *     answer any non-empty text; otherwise "<sysname>" in user view and
 *     "[~...]" or "[*...]" in the other views;
 *   - what it printed is text: printable ASCII with "\r\n" line ends (no
 *     bare '\n', no control byte), less than FUZZ_CLI_MAX_OUTPUT bytes;
 *   - errors are VRP's sentences: a line that starts with "Error:" goes on
 *     with ' ' and a sentence that ends in '.' or ':' (a question repeated),
 *     and an error "found at '^' position." comes right after a caret line
 *     (spaces and one '^'), the caret under the line typed (its column at
 *     most the prompt's length plus the line's);
 *   - a completion is a line no longer than CLI_MAX_LINE + 64, printable;
 * and after the lines of each view:
 *   - the configuration round-trips: what the lines left is committed (a
 *     new session's `commit` from system view) and `display
 *     current-configuration`'s text, typed back line by line into an empty
 *     configuration from system view and committed, prints the same text.
 * ASan/UBSan and libFuzzer's leak check cover the rest.
 */
#ifndef MERIDIAN_FUZZ_HARNESS_CLI_H
#define MERIDIAN_FUZZ_HARNESS_CLI_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_CLI_MAX_LINES 64
#define FUZZ_CLI_MAX_OUTPUT (1024 * 1024)

struct fuzz_cli_stats {
	uint64_t inputs, lines;
	uint64_t execs, helps, completions;
	uint64_t errors;          /* lines that printed an "Error:" */
	uint64_t quiet;           /* cli_exec lines that printed no error */
	uint64_t sessions_ended;
	uint64_t round_trips;     /* of a configuration other than the empty one */
};
extern struct fuzz_cli_stats fuzz_cli_stats;

/* Run one input.  0, or -1 with a sentence in why (a broken invariant). */
int fuzz_cli_one(const uint8_t *data, size_t size, char *why, size_t whylen);
/* Free what is kept between inputs (the backend and its grammar). */
void fuzz_cli_cleanup(void);

#endif
