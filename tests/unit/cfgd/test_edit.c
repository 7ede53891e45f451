/*
 * test_edit.c: cfgd/edit.c, generic SET/DELETE and the comparison helpers.
 */
#include <errno.h>

#include "cfgd_fixtures.h"

static void apply_ok(Config **c, Edit *e)
{
	char err[256] = "";

	cr_assert_eq(edit_apply(c, e, err, sizeof(err)), 0, "edit_apply: %s", err);
	edit_free(e);
}

static void apply_fails(Config **c, Edit *e, const char *want)
{
	char err[256] = "";
	Config *before = *c;
	Config *copy = config_dup(*c);

	cr_assert_eq(edit_apply(c, e, err, sizeof(err)), -EINVAL);
	cr_assert_eq(*c, before, "the candidate must be untouched on failure");
	cr_assert(config_equal(*c, copy));
	if (want)
		cr_assert_str_eq(err, want);
	cfg_free(copy);
	edit_free(e);
}

Test(edit, set_scalar_into_empty)
{
	Config *c = config_new_empty();

	apply_ok(&c, edit_set("system = { sysname = \"DeviceC\"; };"));
	assert_cfg(c, "system = { sysname = \"DeviceC\"; };");
	apply_ok(&c, edit_set("system = { sysname = \"DeviceD\"; };"));
	assert_cfg(c, "system = { sysname = \"DeviceD\"; };");
	cfg_free(c);
}

Test(edit, set_merges_messages_and_keyed_lists)
{
	Config *c = cfg("ntp = { refclock_master = { stratum = 2; };"
			" unicast_server = ( { address = \"10.0.1.31\"; version = 4; } ); };");

	/* Same key: merged field by field; a new key is appended. */
	apply_ok(&c, edit_set("ntp = { unicast_server = ( { address = \"10.0.1.31\"; preferred = true; },"
			      " { address = \"10.0.1.32\"; } ); };"));
	/* Nested message merges without losing its other fields. */
	apply_ok(&c, edit_set("ntp = { refclock_master = { address = \"127.127.1.1\"; }; };"));
	assert_cfg(c, "ntp = { refclock_master = { address = \"127.127.1.1\"; stratum = 2; };"
		      " unicast_server = ( { address = \"10.0.1.31\"; version = 4; preferred = true; },"
		      " { address = \"10.0.1.32\"; } ); };");
	cfg_free(c);
}

Test(edit, interface_keys_compare_case_insensitively)
{
	Config *c = cfg("interface = ( { name = \"GigabitEthernet0/1/0\"; } );");

	apply_ok(&c, edit_set("interface = ( { name = \"gigabitethernet0/1/0\";"
			      " address = { address = \"10.0.1.31\"; prefix_len = 24; }; } );"));
	cr_assert_eq(c->n_interface, 1);
	cr_assert_str_eq(c->interface[0]->name, "GigabitEthernet0/1/0");
	cr_assert_str_eq(c->interface[0]->address->address, "10.0.1.31");
	apply_ok(&c, edit_set("interface = ( { name = \"GIGABITETHERNET0/1/0\"; shutdown = false; } );"));
	apply_ok(&c, edit_del("interface", "GIGABITETHERNET0/1/0", "address", NULL));
	assert_cfg(c, "interface = ( { name = \"GigabitEthernet0/1/0\"; shutdown = false; } );");
	cfg_free(c);
}

/* A list element left with its key alone by a DELETE of its last field
 * goes (no command makes an interface by its name alone); one left so by
 * removing the last element of a list below it stays (`acl number 2000`). */
Test(edit, element_emptied_by_a_field_delete_goes)
{
	Config *c = cfg("acl = ( { number = \"2000\"; rule = ( { id = \"5\"; } ); } );");

	apply_ok(&c, edit_set("interface = ( { name = \"GigabitEthernet0/1/0\";"
			      " address = { address = \"10.0.1.3\"; prefix_len = 24; }; } );"));
	apply_ok(&c, edit_del("interface", "GigabitEthernet0/1/0", "address", NULL));
	apply_ok(&c, edit_del("acl", "2000", "rule", "5", NULL));
	assert_cfg(c, "acl = ( { number = \"2000\"; } );");
	cfg_free(c);
}

Test(edit, set_empty_message_marks_presence)
{
	Config *c = config_new_empty();

	apply_ok(&c, edit_set("ntp = { refclock_master = { }; };"));
	cr_assert_not_null(c->ntp);
	cr_assert_not_null(c->ntp->refclock_master);
	cfg_free(c);
}

Test(edit, delete_list_element)
{
	Config *c = cfg("ntp = { unicast_server = ( { address = \"10.0.1.31\"; },"
			" { address = \"10.0.1.32\"; }, { address = \"10.0.1.33\"; } ); };");

	apply_ok(&c, edit_del("ntp", "unicast_server", "10.0.1.32", NULL));
	assert_cfg(c, "ntp = { unicast_server = ( { address = \"10.0.1.31\"; },"
		      " { address = \"10.0.1.33\"; } ); };");
	apply_ok(&c, edit_del("ntp", "unicast_server", "10.0.1.31", NULL));
	apply_ok(&c, edit_del("ntp", "unicast_server", "10.0.1.33", NULL));
	/* The emptied ntp {} is pruned: equal to a configuration without NTP. */
	cr_assert(config_equal(c, NULL));
	cfg_free(c);
}

Test(edit, delete_scalar_prunes_empty_parents)
{
	Config *c = cfg("system = { sysname = \"DeviceC\"; };");

	apply_ok(&c, edit_del("system", "sysname", NULL));
	cr_assert_null(c->system);
	cr_assert(config_equal(c, NULL));
	cfg_free(c);
}

Test(edit, delete_whole_message)
{
	Config *c = cfg("ntp = { refclock_master = { stratum = 2; };"
			" server_source_interface = \"GigabitEthernet0/1/0\"; };");

	apply_ok(&c, edit_del("ntp", "refclock_master", NULL));
	assert_cfg(c, "ntp = { server_source_interface = \"GigabitEthernet0/1/0\"; };");
	cfg_free(c);
}

Test(edit, delete_absent_is_fine)
{
	Config *c = cfg("system = { sysname = \"DeviceC\"; };");

	apply_ok(&c, edit_del("ntp", "unicast_server", "10.9.9.9", NULL));
	apply_ok(&c, edit_del("ntp", "refclock_master", "stratum", NULL));
	apply_ok(&c, edit_del("interface", "GigabitEthernet0/1/0", "address", NULL));
	assert_cfg(c, "system = { sysname = \"DeviceC\"; };");
	cfg_free(c);
}

Test(edit, bad_paths_are_refused)
{
	Config *c = cfg("system = { sysname = \"DeviceC\"; };");

	apply_fails(&c, edit_del("ntp", "no_such_field", NULL),
		    "The configuration path 'ntp no_such_field' is unknown.");
	apply_fails(&c, edit_del("bogus", NULL), NULL);
	apply_fails(&c, edit_del("system", "sysname", "extra", NULL), NULL);
	apply_fails(&c, edit_del("interface", "GigabitEthernet0/1/0", "name", NULL), NULL);
	apply_fails(&c, edit_del("interface", "GigabitEthernet0/1/0", "address", "address", NULL),
		    NULL);
	apply_fails(&c, edit_del(NULL), "The configuration path is empty.");

	Edit *e = malloc(sizeof(*e));

	edit__init(e);
	e->op = EDIT__OP__SET;
	apply_fails(&c, e, "The edit has no value to set.");
	e = edit_set("system = { };");
	e->op = (Edit__Op)7;
	apply_fails(&c, e, NULL);
	cfg_free(c);
}

Test(edit, set_element_with_empty_key_is_refused)
{
	Config *c = config_new_empty();

	apply_fails(&c, edit_set("ntp = { unicast_server = ( { address = \"\"; } ); };"), NULL);
	cfg_free(c);
}

Test(edit, replace_element_by_delete_then_set)
{
	Config *c = cfg("ntp = { unicast_server = ( { address = \"10.0.1.31\"; version = 4;"
			" preferred = true; } ); };");

	apply_ok(&c, edit_del("ntp", "unicast_server", "10.0.1.31", NULL));
	apply_ok(&c, edit_set("ntp = { unicast_server = ( { address = \"10.0.1.31\"; version = 2; } ); };"));
	assert_cfg(c, "ntp = { unicast_server = ( { address = \"10.0.1.31\"; version = 2; } ); };");
	cfg_free(c);
}

Test(edit, dup_and_equal)
{
	Config *a = cfg("system = { sysname = \"X\"; }; ntp = { unicast_server = ( { address = \"1.2.3.4\"; } ); };");
	Config *b = config_dup(a);

	cr_assert_neq(a, b);
	cr_assert(config_equal(a, b));
	apply_ok(&b, edit_set("ntp = { unicast_server = ( { address = \"1.2.3.4\"; iburst = true; } ); };"));
	cr_assert_not(config_equal(a, b));
	cr_assert(config_equal(NULL, NULL));
	cfg_free(a);
	cfg_free(b);
}

Test(edit, changed_subtrees)
{
	Config *a = cfg("system = { sysname = \"X\"; }; ntp = { unicast_server = ( { address = \"1.2.3.4\"; } ); };");
	Config *b = cfg("system = { sysname = \"X\"; }; ntp = { unicast_server = ( { address = \"1.2.3.5\"; } ); };");
	const char *names[8];

	cr_assert_eq(config_changed_subtrees(a, a, names, 8), 0);
	cr_assert_eq(config_changed_subtrees(a, b, names, 8), 1);
	cr_assert_str_eq(names[0], "ntp");
	cr_assert_eq(config_changed_subtrees(NULL, b, names, 8), 2);
	cr_assert_str_eq(names[0], "system");
	cr_assert_str_eq(names[1], "ntp");
	cfg_free(a);
	cfg_free(b);
}

Test(edit, subtree_at_path)
{
	Config *a = cfg("ntp = { refclock_master = { stratum = 2; }; unicast_server = ("
			" { address = \"1.2.3.4\"; }, { address = \"1.2.3.5\"; version = 4; } ); };");
	Config *b = cfg("ntp = { refclock_master = { stratum = 3; }; unicast_server = ("
			" { address = \"1.2.3.4\"; }, { address = \"1.2.3.5\"; version = 2; } ); };");
	char *p1[] = { "ntp", "unicast_server", "1.2.3.4" };
	char *p2[] = { "ntp", "unicast_server", "1.2.3.5" };
	char *p3[] = { "ntp", "refclock_master", "stratum" };
	char *p4[] = { "system", "sysname" };
	char *p5[] = { "ntp", "unicast_server" };
	char *bad[] = { "ntp", "nope" };
	uint8_t *buf;
	size_t len;

	cr_assert(config_subtree_equal(a, b, p1, 3));
	cr_assert_not(config_subtree_equal(a, b, p2, 3));
	cr_assert_not(config_subtree_equal(a, b, p3, 3));
	cr_assert(config_subtree_equal(a, b, p4, 2));
	cr_assert_not(config_subtree_equal(a, b, p5, 2));
	cr_assert_not(config_subtree_equal(a, NULL, p1, 3));
	cr_assert_eq(config_subtree(a, p4, 2, &buf, &len), 0);
	cr_assert_null(buf);
	cr_assert_eq(len, 0);
	cr_assert_eq(config_subtree(a, bad, 2, &buf, &len), -EINVAL);
	cfg_free(a);
	cfg_free(b);
}

static bool has_path(const struct edit_pathset *ps, const char *joined)
{
	for (size_t i = 0; i < ps->n; i++) {
		char buf[256] = "";

		for (size_t k = 0; k < ps->v[i].n; k++) {
			strcat(buf, k ? "/" : "");
			strcat(buf, ps->v[i].comp[k]);
		}
		if (strcmp(buf, joined) == 0)
			return true;
	}
	return false;
}

Test(edit, paths_of_edits)
{
	struct edit_pathset ps = { 0 };
	Edit *e1 = edit_set("system = { sysname = \"X\"; }; ntp = { unicast_server = ("
			    " { address = \"10.0.1.31\"; version = 4; } ); refclock_master = { }; };");
	Edit *e2 = edit_set("ntp = { unsync = { dec_step = 2; }; };"
			    " interface = ( { name = \"LoopBack0\"; description = \"x\"; } );");
	Edit *e3 = edit_del("ntp", "unicast_peer", "10.0.1.40", NULL);

	edit_paths_collect(e1, &ps);
	edit_paths_collect(e2, &ps);
	edit_paths_collect(e3, &ps);
	edit_paths_collect(e3, &ps);
	cr_assert_eq(ps.n, 6, "got %zu paths", ps.n);
	cr_assert(has_path(&ps, "system/sysname"));
	cr_assert(has_path(&ps, "ntp/unicast_server/10.0.1.31"));
	cr_assert(has_path(&ps, "ntp/refclock_master"));
	cr_assert(has_path(&ps, "ntp/unsync/dec_step"));
	cr_assert(has_path(&ps, "interface/LoopBack0"));
	cr_assert(has_path(&ps, "ntp/unicast_peer/10.0.1.40"));
	edit_pathset_free(&ps);
	edit_free(e1);
	edit_free(e2);
	edit_free(e3);
}
