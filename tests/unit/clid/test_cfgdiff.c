/*
 * test_cfgdiff.c: the difference between two rendered configurations
 * (cfgdiff.c), as `display configuration candidate changes` and `display
 * configuration commit changes` print it: leaves as "-"/"+" pairs, views
 * with their unchanged top-level line and their changed lines, whole
 * sections added or removed, "#" between groups, nothing when equal.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgdiff.h"

static void expect_diff(const char *old, const char *new, const char *want)
{
	struct sbuf b = { 0 };

	cfgdiff_render(old, new, &b);
	cr_expect_str_eq(b.buf ? b.buf : "", want);
	sbuf_free(&b);
}

#define BASE                                                             \
	"#\r\nsysname DeviceA\r\n"                                       \
	"#\r\nacl number 2000\r\n rule 5 permit source 10.0.0.0 0.0.0.255\r\n" \
	"#\r\nntp-service authentication enable\r\n"                     \
	"ntp-service unicast-server 10.1.1.1\r\n"                        \
	"#\r\ninterface GigabitEthernet0/1/0\r\n undo shutdown\r\n"      \
	" ip address 10.1.1.2 255.255.255.0\r\n"                         \
	"#\r\ninterface GigabitEthernet0/1/1\r\n undo shutdown\r\n"      \
	"#\r\nreturn\r\n"

Test(cfgdiff, equal_configurations_print_nothing)
{
	expect_diff(BASE, BASE, "");
	expect_diff("", "", "");
}

Test(cfgdiff, a_changed_leaf_is_a_minus_and_a_plus)
{
	char new[2048];

	snprintf(new, sizeof(new), "%s", BASE);
	memcpy(strstr(new, "DeviceA"), "DeviceB", 7);
	expect_diff(BASE, new, "#\r\n-sysname DeviceA\r\n+sysname DeviceB\r\n#\r\n");
}

Test(cfgdiff, a_view_shows_its_head_and_changed_lines)
{
	const char *new =
		"#\r\nsysname DeviceA\r\n"
		"#\r\nacl number 2000\r\n rule 5 permit source 10.0.0.0 0.0.0.255\r\n"
		"#\r\nntp-service authentication enable\r\n"
		"ntp-service unicast-server 10.1.1.1\r\n"
		"ntp-service unicast-server 10.1.1.9 iburst\r\n"
		"#\r\ninterface GigabitEthernet0/1/0\r\n undo shutdown\r\n"
		" ip address 10.1.1.3 255.255.255.0\r\n"
		" ntp-service broadcast-server\r\n"
		"#\r\ninterface GigabitEthernet0/1/1\r\n undo shutdown\r\n"
		"#\r\nreturn\r\n";

	expect_diff(BASE, new,
		    "#\r\n+ntp-service unicast-server 10.1.1.9 iburst\r\n"
		    "#\r\ninterface GigabitEthernet0/1/0\r\n"
		    "- ip address 10.1.1.2 255.255.255.0\r\n"
		    "+ ip address 10.1.1.3 255.255.255.0\r\n"
		    "+ ntp-service broadcast-server\r\n#\r\n");
}

Test(cfgdiff, whole_sections_added_and_removed)
{
	const char *new =
		"#\r\nsysname DeviceA\r\n"
		"#\r\nntp-service authentication enable\r\n"
		"ntp-service unicast-server 10.1.1.1\r\n"
		"#\r\ninterface GigabitEthernet0/1/0\r\n undo shutdown\r\n"
		" ip address 10.1.1.2 255.255.255.0\r\n"
		"#\r\ninterface GigabitEthernet0/1/1\r\n undo shutdown\r\n"
		"#\r\ninterface GigabitEthernet0/1/2\r\n ipv6 enable\r\n"
		"#\r\nreturn\r\n";

	expect_diff(BASE, new,
		    "#\r\n-acl number 2000\r\n- rule 5 permit source 10.0.0.0 0.0.0.255\r\n"
		    "#\r\n+interface GigabitEthernet0/1/2\r\n+ ipv6 enable\r\n#\r\n");
}

/* The first commit: everything is new ("\n" line ends are read too). */
Test(cfgdiff, from_nothing_everything_is_added)
{
	expect_diff("#\nreturn\n", "#\nsysname DeviceC\n#\nntp-service refclock-master 2\n"
		    "#\nreturn\n",
		    "#\r\n+sysname DeviceC\r\n#\r\n+ntp-service refclock-master 2\r\n#\r\n");
	expect_diff("#\r\nsysname DeviceC\r\n#\r\nreturn\r\n", "#\r\nreturn\r\n",
		    "#\r\n-sysname DeviceC\r\n#\r\n");
}

/* n interfaces, each with a description: in the new configuration the
 * odd ones are renamed (0/i/1 for 0/i/0) and every description changes.
 * Counts the "-" and "+" lines of the difference. */
static void diff_many(int n, size_t *minus, size_t *plus, struct sbuf *b)
{
	struct sbuf old = { 0 }, new = { 0 };

	sbuf_puts(&old, "#\r\nsysname A\r\n");
	sbuf_puts(&new, "#\r\nsysname A\r\n");
	for (int i = 0; i < n; i++) {
		sbuf_printf(&old, "#\r\ninterface GigabitEthernet0/%d/0\r\n description old%d\r\n",
			    i, i);
		sbuf_printf(&new, "#\r\ninterface GigabitEthernet0/%d/%d\r\n description new%d\r\n",
			    i, i % 2, i);
	}
	sbuf_puts(&old, "#\r\nreturn\r\n");
	sbuf_puts(&new, "#\r\nreturn\r\n");
	cfgdiff_render(old.buf, new.buf, b);
	*minus = *plus = 0;
	for (size_t i = 0; i + 2 < b->len; i++) {
		if (b->buf[i] != '\n')
			continue;
		*minus += b->buf[i + 1] == '-';
		*plus += b->buf[i + 1] == '+';
	}
	sbuf_free(&old);
	sbuf_free(&new);
}

/* A long configuration: the even interfaces keep their head (one line
 * each way), the odd ones are removed and added whole (two lines each
 * way). */
Test(cfgdiff, long_configurations)
{
	struct sbuf b = { 0 };
	size_t minus, plus;

	diff_many(1000, &minus, &plus, &b);
	cr_expect_eq(minus, 500 + 2 * 500, "%zu", minus);
	cr_expect_eq(plus, 500 + 2 * 500, "%zu", plus);
	cr_expect(strstr(b.buf, "#\r\ninterface GigabitEthernet0/2/0\r\n- description old2\r\n"
			 "+ description new2\r\n#\r\n") != NULL);
	sbuf_free(&b);
}

/* Too large for the table: after the common head (sysname, interface
 * 0/0/0) everything is shown removed and added, still a true difference. */
Test(cfgdiff, too_long_for_the_table)
{
	struct sbuf b = { 0 };
	size_t minus, plus;

	diff_many(3000, &minus, &plus, &b);
	cr_expect_eq(minus, 1 + 2 * 2999, "%zu", minus);
	cr_expect_eq(plus, 1 + 2 * 2999, "%zu", plus);
	sbuf_free(&b);
}
