/* test_log.c: log levels, the x* allocators, fatal(). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "log.h"

Test(log, level_parse)
{
	enum log_level l;

	cr_assert_eq(log_level_parse("error", &l), 0);
	cr_assert_eq(l, LOG_LVL_ERR);
	cr_assert_eq(log_level_parse("warning", &l), 0);
	cr_assert_eq(l, LOG_LVL_WARN);
	cr_assert_eq(log_level_parse("INFO", &l), 0);
	cr_assert_eq(l, LOG_LVL_INFO);
	cr_assert_eq(log_level_parse("debug", &l), 0);
	cr_assert_eq(l, LOG_LVL_DEBUG);
	cr_assert_eq(log_level_parse("loud", &l), -EINVAL);
	cr_assert_eq(log_level_parse(NULL, &l), -EINVAL);
}

Test(log, set_get_level)
{
	log_init("test", LOG_LVL_WARN);
	cr_assert_eq(log_get_level(), LOG_LVL_WARN);
	log_set_level(LOG_LVL_DEBUG);
	cr_assert_eq(log_get_level(), LOG_LVL_DEBUG);
	log_debug("a debug line %d", 42);
}

Test(log, xasprintf_and_friends)
{
	char *s = xasprintf("%s-%d", "a", 7);
	char *d = xstrdup("xyz");
	int *v = xcalloc(4, sizeof(int));

	cr_assert_str_eq(s, "a-7");
	cr_assert_str_eq(d, "xyz");
	cr_assert_eq(v[3], 0);
	v = xrealloc(v, 8 * sizeof(int));
	v[7] = 1;
	free(v);
	free(s);
	free(d);
	free(xmalloc(0));
}

Test(log, fatal_exits_1, .exit_code = 1)
{
	log_init("test", LOG_LVL_ERR);
	fatal("broken invariant %d", 1);
}
