/*
 * test_paging.c: `---- More ----` and the display pipes over real telnet
 * against a one-device lab (issue 11, items 1 and 2).
 *
 *  - a window of 10 rows (NAWS): `display current-configuration` stops
 *    after 9 lines; Space shows 9 more, Enter one, `q` drops the rest and
 *    the prompt comes back; the next command works;
 *  - a pipe on a paged display: only the matching lines, paged; `| count`
 *    and `| no-more` are not paged; a bad regular expression is an error;
 *  - `screen-length 0 temporary` turns paging off for the session only;
 *  - a reader that never answers More holds only its own session: another
 *    session displays and commits meanwhile;
 *  - `screen-length 5` in `user-interface vty 0 63`, committed, pages a
 *    session that logs in afterwards (with a tall window), and `display
 *    current-configuration configuration user-interface` shows it.
 *
 * The sessions that configure are the lab's (a tall window, More answered
 * by the client); the paging ones are opened here with auto_more off.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "vtyclient.h"

#define DEV "DeviceC"
#define RULES 40

static struct vty *device_up(void)
{
	return lab_up_vty(DEV);
}

static void cmd_ok(struct vty *v, const char *line)
{
	lab_cmd_ok(v, DEV, line);
}

/* RULES rules in ACL 2000: a configuration of some 60 lines. */
static void long_config(struct vty *v)
{
	char line[128];

	cmd_ok(v, "system-view");
	cmd_ok(v, "acl number 2000");
	for (int i = 1; i <= RULES; i++) {
		snprintf(line, sizeof(line), "rule %d permit source 10.1.%d.0 0.0.0.255", i * 5, i);
		cmd_ok(v, line);
	}
	cmd_ok(v, "commit");
	cmd_ok(v, "return");
}

/* A session with a window of `rows` rows that pages by hand. */
static struct vty *pager_vty(int rows)
{
	char err[256];
	struct vty *v = vty_connect(lab_dev(DEV)->ns, "127.0.0.1", 23, 5000, err, sizeof(err));

	cr_assert(v, "connect: %s", err);
	if (rows > 0)
		vty_set_window(v, 80, rows);
	vty_set_auto_more(v, false);
	cr_assert_eq(vty_login(v, "admin", "admin@123", 10000), 0, "login:\n%s",
		     vty_transcript(v));
	return v;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Every line of out contains needle. */
static bool all_lines_have(const char *out, const char *needle)
{
	const char *p = out;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *l = strndup(p, n);
		bool ok = strstr(l, needle) != NULL;

		free(l);
		if (!ok)
			return false;
		p += n + (e ? 1 : 0);
	}
	return true;
}

static int page_cmd(struct vty *v, const char *line, char **out)
{
	int r = vty_cmd(v, line, out, 20000);

	fprintf(stderr, "[%s paged] %s -> %d\n%s", DEV, vty_echo(v), r, *out ? *out : "");
	return r;
}

static int page_keys(struct vty *v, const char *keys, char **out)
{
	int r;

	cr_assert_eq(vty_more_keys(v, keys, strlen(keys)), 0);
	r = vty_wait(v, out, 20000);
	fprintf(stderr, "[%s paged] key %02x -> %d\n%s", DEV, (unsigned char)keys[0], r,
		*out ? *out : "");
	return r;
}

Test(paging, space_enter_q, .fini = lab_down, .timeout = 300)
{
	struct vty *a = device_up(), *p;
	char *out, *full;

	long_config(a);
	cr_assert_eq(lab_cmd(a, DEV, "display current-configuration", &full), 0);
	cr_assert_gt(count_lines(full), 30);

	p = pager_vty(10);
	cr_assert_eq(page_cmd(p, "display current-configuration", &out), VTY_MORE);
	cr_assert_eq(count_lines(out), 9, "a page is 9 lines and the More line");
	cr_assert(!strncmp(full, out, strlen(out)), "the first page is the start");
	size_t shown = strlen(out);
	free(out);
	cr_assert_eq(page_keys(p, " ", &out), VTY_MORE);
	cr_assert_eq(count_lines(out), 9);
	cr_assert(!strncmp(full + shown, out, strlen(out)), "the second page follows:\n%s", out);
	shown += strlen(out);
	free(out);
	cr_assert_eq(page_keys(p, "\r\n", &out), VTY_MORE);
	cr_assert_eq(count_lines(out), 1, "Enter shows one line");
	cr_assert(!strncmp(full + shown, out, strlen(out)));
	free(out);
	cr_assert_eq(page_keys(p, "q", &out), 0);
	cr_assert_str_eq(out, "", "q drops the rest");
	free(out);
	cr_assert_str_eq(vty_prompt(p), "<HUAWEI>");

	/* The session goes on; a short display is not paged. */
	cr_assert_eq(page_cmd(p, "display users", &out), 0);
	cr_assert(strstr(out, "User-Intf"));
	free(out);
	/* Ctrl-C stops too. */
	cr_assert_eq(page_cmd(p, "display current-configuration", &out), VTY_MORE);
	free(out);
	cr_assert_eq(page_keys(p, "\x03", &out), 0);
	free(out);
	/* Space to the end: the whole configuration, then the prompt. */
	cr_assert_eq(page_cmd(p, "display current-configuration", &out), VTY_MORE);
	char *all = out;
	int r;

	do {
		r = page_keys(p, " ", &out);
		cr_assert(r == 0 || r == VTY_MORE);
		all = realloc(all, strlen(all) + strlen(out) + 1);
		strcat(all, out);
		free(out);
	} while (r == VTY_MORE);
	cr_assert_str_eq(all, full, "paged, the text is the same");
	free(all);
	free(full);
	vty_close(p);
}

Test(paging, pipes_and_screen_length_temporary, .fini = lab_down, .timeout = 300)
{
	struct vty *a = device_up(), *p;
	char *out;

	long_config(a);
	p = pager_vty(10);
	/* A pipe on a paged display: the matching lines, paged. */
	cr_assert_eq(page_cmd(p, "display current-configuration | include rule", &out), VTY_MORE);
	cr_assert_eq(count_lines(out), 9);
	cr_assert(all_lines_have(out, "rule"), "%s", out);
	free(out);
	cr_assert_eq(page_keys(p, " ", &out), VTY_MORE);
	cr_assert(all_lines_have(out, "rule"), "%s", out);
	free(out);
	cr_assert_eq(page_keys(p, "q", &out), 0);
	free(out);
	cr_assert_eq(page_cmd(p, "display current-configuration | include rule | count", &out), 0);
	cr_assert_str_eq(out, "Total lines: 40.\n");
	free(out);
	cr_assert_eq(page_cmd(p, "display current-configuration | include ^(acl| rule) | no-more",
			      &out), 0);
	cr_assert_eq(count_lines(out), RULES + 1, "%s", out);
	free(out);
	cr_assert_eq(page_cmd(p, "display current-configuration | begin rule 195 | include rule",
			      &out), 0);
	cr_assert_str_eq(out, " rule 195 permit source 10.1.39.0 0.0.0.255\n"
			 " rule 200 permit source 10.1.40.0 0.0.0.255\n");
	free(out);
	cr_assert_eq(page_cmd(p, "display current-configuration | include (rule", &out), 0);
	cr_assert(strstr(out, "Error: Invalid regular expression \"(rule\""), "%s", out);
	free(out);
	cr_assert_eq(page_cmd(p, "display current-configuration | include acl", &out), 0);
	cr_assert_str_eq(out, "acl number 2000\n");
	free(out);

	/* screen-length 0 temporary: this session is not paged ... */
	cr_assert_eq(page_cmd(p, "screen-length 0 temporary", &out), 0);
	cr_assert(strstr(out, "Info: The configuration takes effect on the current user "
			      "terminal interface only."), "%s", out);
	free(out);
	cr_assert_eq(page_cmd(p, "display current-configuration", &out), 0);
	cr_assert_gt(count_lines(out), RULES);
	free(out);
	/* ... and another session with the same window still is. */
	struct vty *q = pager_vty(10);
	cr_assert_eq(page_cmd(q, "display current-configuration", &out), VTY_MORE);
	free(out);
	cr_assert_eq(page_keys(q, "q", &out), 0);
	free(out);
	vty_close(q);
	/* screen-length 20 temporary: 19 lines a page, whatever the window. */
	cr_assert_eq(page_cmd(p, "screen-length 20 temporary", &out), 0);
	free(out);
	cr_assert_eq(page_cmd(p, "display current-configuration", &out), VTY_MORE);
	cr_assert_eq(count_lines(out), 19);
	free(out);
	cr_assert_eq(page_keys(p, "q", &out), 0);
	free(out);
	vty_close(p);
}

Test(paging, reader_never_answers, .fini = lab_down, .timeout = 300)
{
	struct vty *a = device_up(), *p;
	char *out;

	long_config(a);
	p = pager_vty(5);
	cr_assert_eq(page_cmd(p, "display current-configuration", &out), VTY_MORE);
	free(out);
	/* p never answers; a works: displays, an edit and a commit. */
	double t0 = lab_now();
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(lab_cmd(a, DEV, "display current-configuration", &out), 0);
		cr_assert(strstr(out, "rule 200 permit"), "%s", out);
		free(out);
	}
	cmd_ok(a, "system-view");
	cmd_ok(a, "sysname Paged");
	cmd_ok(a, "commit");
	cmd_ok(a, "return");
	cr_assert_lt(lab_now() - t0, 30.0);
	/* A new session logs in and works too. */
	struct vty *b = lab_vty(DEV, 20000);
	cr_assert(b);
	cr_assert_eq(lab_cmd(b, DEV, "display users", &out), 0);
	free(out);
	/* The reader was held where it was: its next page is still there. */
	cr_assert_eq(page_keys(p, " ", &out), VTY_MORE);
	cr_assert_eq(count_lines(out), 4);
	free(out);
	cr_assert_eq(page_keys(p, "q", &out), 0);
	free(out);
	cr_assert_str_eq(vty_prompt(p), "<Paged>");
	vty_close(p);
}

Test(paging, configured_screen_length, .fini = lab_down, .timeout = 300)
{
	struct vty *a = device_up(), *p;
	char *out;

	long_config(a);
	cmd_ok(a, "system-view");
	cmd_ok(a, "user-interface vty 0 63");
	cr_assert_str_eq(vty_prompt(a), "[~HUAWEI-ui-vty0-63]");
	cmd_ok(a, "screen-length 5");
	cmd_ok(a, "commit");
	cr_assert_eq(lab_cmd(a, DEV, "display this", &out), 0);
	cr_assert_str_eq(out, "#\nuser-interface vty 0 63\n screen-length 5\n#\nreturn\n");
	free(out);
	cmd_ok(a, "return");
	cr_assert_eq(lab_cmd(a, DEV, "display current-configuration configuration user-interface",
			     &out), 0);
	cr_assert_str_eq(out, "#\nuser-interface vty 0 63\n screen-length 5\n#\nreturn\n");
	free(out);

	/* A new session, however tall its window, pages at 5 rows. */
	p = pager_vty(0);
	cr_assert_eq(page_cmd(p, "display current-configuration", &out), VTY_MORE);
	cr_assert_eq(count_lines(out), 4);
	free(out);
	cr_assert_eq(page_keys(p, "q", &out), 0);
	free(out);
	/* temporary wins, for this session. */
	cr_assert_eq(page_cmd(p, "screen-length 0 temporary", &out), 0);
	free(out);
	cr_assert_eq(page_cmd(p, "display current-configuration", &out), 0);
	free(out);
	vty_close(p);

	/* The tools that drive telnet (meridian-vty, so scripts/demo) read
	 * it all even so: the client answers More and leaves no trace. */
	const char *root = getenv("MERIDIAN_BUILD_ROOT");
	char bin[512], lines[512];
	FILE *f;

	cr_assert(root, "MERIDIAN_BUILD_ROOT not set");
	snprintf(bin, sizeof(bin), "%s/tools/meridian-vty", root);
	snprintf(lines, sizeof(lines), "%s/paging-lines", lab_dir());
	f = fopen(lines, "w");
	cr_assert(f);
	fputs("display current-configuration\n", f);
	fclose(f);
	const char *argv[] = { bin, "--netns", lab_dev(DEV)->ns, "--user", "admin", "--password",
			       "admin@123", "--timeout", "30", "--strict", lines, NULL };
	cr_assert_eq(lab_run(NULL, "meridian-vty", argv, 60000, &out), 0);
	cr_assert(strstr(out, " rule 200 permit source 10.1.40.0 0.0.0.255\nuser-interface"
			      " vty 0 63\n screen-length 5\n#\nreturn\n") ||
		  strstr(out, " rule 200 permit source 10.1.40.0 0.0.0.255\n#\nuser-interface"
			      " vty 0 63\n screen-length 5\n#\nreturn\n"), "%s", out);
	cr_assert_null(strstr(out, "More"), "%s", out);
	cr_assert_null(strstr(out, " \n"), "blanks at a line's end:\n%s", out);
	free(out);

	/* Out of range: refused. */
	cmd_ok(a, "system-view");
	cmd_ok(a, "user-interface vty 0 4");
	cr_assert_eq(lab_cmd(a, DEV, "screen-length 513", &out), 0);
	cr_assert(strstr(out, "Error: Wrong parameter"), "%s", out);
	free(out);
	/* undo: a new session is paged by its window again (not at all, tall). */
	cmd_ok(a, "quit");
	cmd_ok(a, "user-interface vty 0 63");
	cmd_ok(a, "undo screen-length");
	cmd_ok(a, "commit");
	cmd_ok(a, "return");
	p = pager_vty(0);
	cr_assert_eq(page_cmd(p, "display current-configuration", &out), 0);
	free(out);
	vty_close(p);
}
