/*
 * test_ui_validate.c: cfgd's checks of the user-interface settings that
 * clid's `user-interface vty` view writes (cfgd/validate.c): VTY numbers
 * 0..63 in canonical decimal, screen-length 0..512.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bootstrap.h"
#include "validate.h"

/* The problems of a configuration holding one VTY line, joined by "|". */
static char *problems(const char *number, bool has_sl, uint32_t sl)
{
	static char buf[1024];
	Config c = CONFIG__INIT;
	UserInterface ui = USER_INTERFACE__INIT;
	VtyLine v = VTY_LINE__INIT;
	VtyLine *vv[1] = { &v };
	struct bootstrap bs;
	struct validate_list l = { 0 };

	memset(&bs, 0, sizeof(bs));
	v.number = (char *)number;
	v.has_screen_length = has_sl;
	v.screen_length = sl;
	ui.n_vty = 1;
	ui.vty = vv;
	c.user_interface = &ui;
	validate_config(&c, &bs, VALIDATE_COMMIT, &l);
	buf[0] = '\0';
	for (size_t i = 0; i < l.n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? "|" : "", l.msg[i]);
	validate_list_free(&l);
	return buf;
}

Test(ui_validate, ranges)
{
	cr_assert_str_eq(problems("0", true, 0), "");
	cr_assert_str_eq(problems("63", true, 512), "");
	cr_assert_str_eq(problems("4", false, 0), "");
	cr_assert_str_eq(problems("4", true, 513),
			 "The screen-length 513 of VTY 4 is out of range (0 to 512).");
	cr_assert_str_eq(problems("64", true, 10), "The VTY number 64 is out of range (0 to 63).");
	cr_assert_str_eq(problems("07", true, 10), "The VTY number 07 is out of range (0 to 63).");
	cr_assert_str_eq(problems("x", true, 10), "The VTY number x is out of range (0 to 63).");
	cr_assert_str_eq(problems("", true, 10), "The VTY number  is out of range (0 to 63).");
}
