/*
 * test_scope_itf.c: an interface change is validated in its own scope (the
 * interface, the interfaces whose subnets overlap its, NTP and the VPN
 * instances: cfgd/scope.c) beside many other interfaces, through cfgd's
 * edits and commits: the overlap refusals and their sentences are those a
 * check of every interface gives.
 */
#include <stdio.h>

#include "cfgd_rig.h"

TestSuite(scope_itf, .init = rig_setup, .fini = rig_teardown, .timeout = 60);

#define N_LOOP 64

/* Running: VPN instance va, LoopBack0..63 at 10.1.i.1/24 in the public
 * network. */
static void many_loopbacks(void)
{
	uint64_t s = open_session("root");
	static char b[N_LOOP * 128];
	size_t n;

	n = (size_t)snprintf(b, sizeof(b), "vpn_instance = ( { name = \"va\"; ipv4_family = true;"
			     " } ); interface = (");
	for (int i = 0; i < N_LOOP; i++)
		n += (size_t)snprintf(b + n, sizeof(b) - n, "%s { name = \"LoopBack%d\"; address = {"
				      " address = \"10.1.%d.1\"; prefix_len = 24; }; }",
				      i ? "," : "", i, i);
	snprintf(b + n, sizeof(b) - n, " );");
	edit_ok(s, edit_set(b), NULL);
	commit_ok(s);
}

static void refused(uint64_t s, const char *text, const char *sentence)
{
	CfgReply *r = edit(s, edit_set(text), NULL);

	cr_assert_eq(r->status, -EINVAL, "accepted: %s", text);
	cr_assert_str_eq(r->error, sentence);
	cfg_reply__free_unpacked(r, NULL);
}

#define ITF(name, addr, more) "interface = ( { name = \"" name "\"; address = { address = \"" \
	addr "\"; prefix_len = 24; }; " more " } );"

Test(scope_itf, same_instance_refused_other_instance_allowed)
{
	uint64_t s;

	many_loopbacks();
	s = open_session("alice");
	refused(s, ITF("LoopBack100", "10.1.5.9", ""),
		"The address 10.1.5.9/24 of interface LoopBack100 overlaps with the address "
		"10.1.5.1/24 of interface LoopBack5.");
	/* A wider subnet holding two of them: both pairs, the first named. */
	refused(s, "interface = ( { name = \"LoopBack100\"; address = { address = \"10.1.0.9\";"
		" prefix_len = 16; }; } );",
		"The address 10.1.0.9/16 of interface LoopBack100 overlaps with the address "
		"10.1.0.1/24 of interface LoopBack0.");
	edit_ok(s, edit_set(ITF("LoopBack100", "10.1.5.9", "vpn_instance = \"va\";")), NULL);
	commit_ok(s);
	/* In va now: a second one there is refused, the public one is not. */
	refused(s, ITF("LoopBack101", "10.1.5.10", "vpn_instance = \"va\";"),
		"The address 10.1.5.10/24 of interface LoopBack101 overlaps with the address "
		"10.1.5.9/24 of interface LoopBack100.");
	/* Moving LoopBack100 into the public network brings the overlap. */
	refused(s, "interface = ( { name = \"LoopBack100\"; vpn_instance = \"\"; } );",
		"The address 10.1.5.9/24 of interface LoopBack100 overlaps with the address "
		"10.1.5.1/24 of interface LoopBack5.");
}

Test(scope_itf, sub_addresses)
{
	uint64_t s;

	many_loopbacks();
	s = open_session("alice");
	refused(s, "interface = ( { name = \"LoopBack7\"; sub_address = ( { address = \"10.1.9.2\";"
		" prefix_len = 24; } ); } );",
		/* LoopBack9 comes later in the configuration: named first. */
		"The address 10.1.9.1/24 of interface LoopBack9 overlaps with the address "
		"10.1.9.2/24 of interface LoopBack7.");
	refused(s, "interface = ( { name = \"LoopBack7\"; sub_address = ( { address = \"10.1.7.2\";"
		" prefix_len = 25; } ); } );",
		"The address 10.1.7.2/25 of interface LoopBack7 overlaps with the address "
		"10.1.7.1/24 of interface LoopBack7.");
	refused(s, ITF("LoopBack102", "10.1.7.200", ""),
		"The address 10.1.7.200/24 of interface LoopBack102 overlaps with the address "
		"10.1.7.1/24 of interface LoopBack7.");
	edit_ok(s, edit_set("interface = ( { name = \"LoopBack7\"; sub_address = ( { address ="
			    " \"10.7.0.1\"; prefix_len = 24; } ); } );"), NULL);
	commit_ok(s);
	refused(s, ITF("LoopBack102", "10.7.0.200", ""),
		"The address 10.7.0.200/24 of interface LoopBack102 overlaps with the address "
		"10.7.0.1/24 of interface LoopBack7.");
}

Test(scope_itf, readdressed_overlap_disappears)
{
	uint64_t s1, s2, s3;
	CfgReply *r;

	many_loopbacks();
	s1 = open_session("alice");
	s2 = open_session("bob");
	s3 = open_session("carol");
	/* Re-addressed in the candidate: the old subnet is free there ... */
	edit_ok(s1, edit_set(ITF("LoopBack4", "10.4.0.1", "")), NULL);
	edit_ok(s1, edit_set(ITF("LoopBack110", "10.1.4.5", "")), NULL);
	/* ... the new one is taken there, not in running. */
	refused(s1, ITF("LoopBack111", "10.4.0.9", ""),
		"The address 10.4.0.9/24 of interface LoopBack111 overlaps with the address "
		"10.4.0.1/24 of interface LoopBack4.");
	edit_ok(s2, edit_set(ITF("LoopBack111", "10.4.0.9", "")), NULL);
	refused(s2, ITF("LoopBack112", "10.1.4.6", ""),
		"The address 10.1.4.6/24 of interface LoopBack112 overlaps with the address "
		"10.1.4.1/24 of interface LoopBack4.");
	commit_ok(s1);
	/* Committed: s2's edit, fine alone, now overlaps at its commit. */
	r = commit(s2);
	cr_assert_eq(r->status, -EINVAL);
	cr_assert_str_eq(r->error, "The address 10.4.0.9/24 of interface LoopBack111 overlaps "
			 "with the address 10.4.0.1/24 of interface LoopBack4.");
	cfg_reply__free_unpacked(r, NULL);
	/* Running follows the commit: LoopBack4's old subnet is LoopBack110's,
	 * and free again where the candidate removes LoopBack110. */
	refused(s3, ITF("LoopBack112", "10.1.4.6", ""),
		"The address 10.1.4.6/24 of interface LoopBack112 overlaps with the address "
		"10.1.4.5/24 of interface LoopBack110.");
	edit_ok(s3, edit_del("interface", "LoopBack110", NULL), NULL);
	edit_ok(s3, edit_set(ITF("LoopBack112", "10.1.4.6", "")), NULL);
	refused(s3, ITF("LoopBack113", "10.4.0.7", ""),
		"The address 10.4.0.7/24 of interface LoopBack113 overlaps with the address "
		"10.4.0.1/24 of interface LoopBack4.");
	refused(s3, ITF("LoopBack113", "10.1.4.7", ""),
		"The address 10.1.4.7/24 of interface LoopBack113 overlaps with the address "
		"10.1.4.6/24 of interface LoopBack112.");
	commit_ok(s3);
}
