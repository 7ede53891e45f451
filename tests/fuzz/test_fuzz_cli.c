/*
 * test_fuzz_cli.c: the CLI fuzz harness without clang.  Replays the seed
 * corpus (BUILD/tests/fuzz/corpus-cli, made by mkcorpus_cli) through
 * fuzz_cli_one() under gcc's ASan and UBSan, then a deterministic sweep:
 * every word prefix of every seed line, as is, with '?' and with TAB, so
 * the invariants of harness_cli.h are checked on every machine.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_load.h"
#include "harness_cli.h"

#define MAX_SEED 65536

static void run(const char *name, const char *buf, size_t len, const char *what)
{
	char why[512] = "";

	cr_assert_eq(fuzz_cli_one((const uint8_t *)buf, len, why, sizeof(why)), 0,
		     "%s (%s): %s\n--- input ---\n%.*s", name, what, why, (int)len, buf);
}

Test(fuzz_cli, seeds_keep_the_invariants, .timeout = 120)
{
	struct fuzz_seed *v;
	int n = fuzz_corpus_load("MERIDIAN_BUILD_ROOT", "tests/fuzz/corpus-cli", MAX_SEED, &v);

	cr_assert_geq(n, 50, "only %d seeds", n);
	for (int i = 0; i < n; i++)
		run(v[i].name, (const char *)v[i].buf, v[i].len, "as is");
	cr_log_info("%llu lines: %llu run (%llu quiet), %llu help, %llu completions, "
		    "%llu errors, %llu sessions ended, %llu configurations round-tripped",
		    (unsigned long long)fuzz_cli_stats.lines,
		    (unsigned long long)fuzz_cli_stats.execs,
		    (unsigned long long)fuzz_cli_stats.quiet,
		    (unsigned long long)fuzz_cli_stats.helps,
		    (unsigned long long)fuzz_cli_stats.completions,
		    (unsigned long long)fuzz_cli_stats.errors,
		    (unsigned long long)fuzz_cli_stats.sessions_ended,
		    (unsigned long long)fuzz_cli_stats.round_trips);
	/* Most command lines of the tables run in some view without error. */
	cr_assert_gt(fuzz_cli_stats.quiet, fuzz_cli_stats.execs / 4);
	cr_assert_gt(fuzz_cli_stats.errors, 0);
	cr_assert_gt(fuzz_cli_stats.sessions_ended, 0);
	cr_assert_gt(fuzz_cli_stats.round_trips, 20);
	fuzz_cli_cleanup();
	fuzz_corpus_free(v, n);
}

/* Append line to in (len *n). */
static void append(char *in, size_t *n, size_t cap, const char *line, size_t len,
		   const char *tail)
{
	size_t t = strlen(tail);

	if (*n + len + t + 1 >= cap)
		return;
	memcpy(in + *n, line, len);
	memcpy(in + *n + len, tail, t);
	*n += len + t;
	in[(*n)++] = '\n';
}

Test(fuzz_cli, word_prefixes_keep_the_invariants, .timeout = 300)
{
	static char in[16384];
	struct fuzz_seed *v;
	int n = fuzz_corpus_load("MERIDIAN_BUILD_ROOT", "tests/fuzz/corpus-cli", MAX_SEED, &v);

	for (int i = 0; i < n; i++) {
		size_t len = 0, lines = 0;
		const char *p = (const char *)v[i].buf, *end = p + v[i].len;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);

			for (size_t c = 1; c <= ll; c++) {
				if (c < ll && p[c] != ' ')
					continue;
				append(in, &len, sizeof(in), p, c, "");
				append(in, &len, sizeof(in), p, c, " ?");
				append(in, &len, sizeof(in), p, c, "\t");
				lines += 3;
				if (lines >= 60) {
					run(v[i].name, in, len, "word prefixes");
					len = lines = 0;
				}
			}
			p = nl ? nl + 1 : end;
		}
		if (len)
			run(v[i].name, in, len, "word prefixes");
	}
	fuzz_cli_cleanup();
	fuzz_corpus_free(v, n);
}

/*
 * Issue 10, fixed: a no-op pair of edits left an empty interface in the
 * candidate.  In system view: `interface GigabitEthernet0/1/0`, `ip
 * address 10.0.1.3 24`, `undo ip address`: the edits are SET
 * Config{interface[{name, address}]} then DELETE [interface,
 * GigabitEthernet0/1/0, address]; the interface was kept with its name
 * alone, so the session stayed '*', `commit` added a bare interface and
 * `display current-configuration` printed an "interface
 * GigabitEthernet0/1/0" block that typed back creates nothing.  Now the
 * element the address made goes with it (cfgd/cand.c, cfgd/edit.c).
 * FUZZ_CLI_KNOWN_BUGS keeps the round trip from hiding bare interfaces.
 */
Test(fuzz_cli, empty_interface_round_trip)
{
	static const char in[] = "interface GigabitEthernet0/1/0\nip address 10.0.1.3 24\n"
				 "undo ip address\n";
	char why[2048] = "";

	setenv("FUZZ_CLI_KNOWN_BUGS", "1", 1);
	cr_assert_eq(fuzz_cli_one((const uint8_t *)in, sizeof(in) - 1, why, sizeof(why)), 0,
		     "%s", why);
	fuzz_cli_cleanup();
}
