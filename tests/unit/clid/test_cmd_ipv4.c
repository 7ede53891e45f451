/*
 * test_cmd_ipv4.c: the IPv4 address commands of the interface view
 * (clid/cmd_interface.c) against cfgd's own edit and validation code, with
 * the fake cfgd of test_cmd_ipv6.c:
 *  - a primary and sub addresses in both mask forms, their edits and their
 *    rendering (primary first, then the subs in the order entered);
 *  - undo of one sub, of the primary (refused while subs are left), of an
 *    address the interface does not have, and of all;
 *  - cfgd's refusals reach the operator: a sub address without a primary,
 *    a sub in its primary's subnet, subnets overlapping another interface's;
 *  - a LoopBack needs no mapping and takes a /32;
 *  - `mtu N` in VRP's range (caret outside it), rendered after undo
 *    shutdown, refused on a LoopBack, `undo mtu`.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "cmd.h"
#include "cmd_session.h"
#include "edit.h"
#include "log.h"
#include "validate.h"

static Config *CAND;
static struct bootstrap BS;

/* All edits of the request or none, as cfgd/session.c does; each edit is
 * logged as text first, accepted or not. */
static int apply_edits(const EditRequest *req, char *err, size_t len)
{
	Config *work = CAND ? config_dup(CAND) : NULL;

	for (size_t i = 0; i < req->n_edit; i++) {
		const Edit *e = req->edit[i];
		int rc;

		cmd_fake_edit_text(&cmd_fake.log, e);
		rc = edit_apply(&work, e, err, len);
		if (rc == 0) {
			validate_canonicalize(work, &BS);
			rc = validate_change(CAND, work, &BS, VALIDATE_EDIT, err, len);
		}
		if (rc < 0) {
			if (work)
				config__free_unpacked(work, NULL);
			return rc;
		}
	}
	if (CAND)
		config__free_unpacked(CAND, NULL);
	CAND = work;
	return 0;
}

/* The fake cfgd applies and checks each edit, refusing with cfgd's
 * sentence, and answers `get` with the candidate. */
static void cand_hook(const CfgRequest *req, CfgReply *rep)
{
	static char err[512];

	if (req->req_case == CFG_REQUEST__REQ_EDIT) {
		err[0] = '\0';
		if (apply_edits(req->edit, err, sizeof(err)) < 0) {
			rep->status = -EINVAL;
			rep->error = err;
		}
	} else if (req->req_case == CFG_REQUEST__REQ_GET) {
		rep->config = CAND;
	}
}

static const char *const IFS[] = { "GigabitEthernet0/1/0", "GigabitEthernet0/2/0", "LoopBack0" };

static void setup(void)
{
	CAND = NULL;
	log_init("test", LOG_LVL_ERR);
	bootstrap_defaults(&BS);
	BS.interfaces = xcalloc(3, sizeof(*BS.interfaces));
	for (size_t i = 0; i < 3; i++) {
		BS.interfaces[i].name = xstrdup(IFS[i]);
		BS.interfaces[i].netdev = xstrdup(i == 2 ? "lo" : i ? "eth2" : "eth1");
	}
	BS.n_interfaces = 3;
	cmd_fake_setup_ifs(cand_hook, true, IFS, 3);
}

static void teardown(void)
{
	cmd_fake_teardown();
	if (CAND)
		config__free_unpacked(CAND, NULL);
	bootstrap_free(&BS);
}

TestSuite(ipv4_cli, .init = setup, .fini = teardown);

#define GE "interface/GigabitEthernet0/1/0"
#define SET_GE(body) "SET interface {name: \"GigabitEthernet0/1/0\" " body "}\n"

static char *render(void)
{
	struct sbuf b = { 0 };

	cmd_render_config(CAND, "HUAWEI", &b);
	return b.buf;
}

Test(ipv4_cli, primary_and_sub_addresses)
{
	struct cli_session *s = cmd_session_in("GigabitEthernet0/1/0");
	char *text;

	cmd_run(s, "ip address 10.0.2.1 255.255.255.0 sub",
	    SET_GE("sub_address {address: \"10.0.2.1\" prefix_len: 24}"),
	    "Error: The interface GigabitEthernet0/1/0 has sub addresses but no primary "
	    "address.\r\n");
	cmd_run(s, "ip address 10.0.1.1 24",
	    SET_GE("address {address: \"10.0.1.1\" prefix_len: 24}"), "");
	cmd_run(s, "ip address 10.0.2.1 255.255.255.0 sub",
	    SET_GE("sub_address {address: \"10.0.2.1\" prefix_len: 24}"), "");
	cmd_run(s, "ip addr 10.0.3.1 25 sub",
	    SET_GE("sub_address {address: \"10.0.3.1\" prefix_len: 25}"), "");
	/* A sub address in its primary's subnet. */
	cmd_run(s, "ip address 10.0.1.7 24 sub",
	    SET_GE("sub_address {address: \"10.0.1.7\" prefix_len: 24}"),
	    "Error: The address 10.0.1.7/24 of interface GigabitEthernet0/1/0 overlaps with "
	    "the address 10.0.1.1/24 of interface GigabitEthernet0/1/0.\r\n");
	text = render();
	cr_assert_str_eq(text, "#\r\nsysname HUAWEI\r\n#\r\ninterface GigabitEthernet0/1/0\r\n"
			 " ip address 10.0.1.1 255.255.255.0\r\n"
			 " ip address 10.0.2.1 255.255.255.0 sub\r\n"
			 " ip address 10.0.3.1 255.255.255.128 sub\r\n#\r\nreturn\r\n");
	free(text);

	/* undo: of what the interface has only, the primary after its subs. */
	cmd_run(s, "undo ip address 10.0.9.1 24 sub", "", "Error: The address does not exist.\r\n");
	cmd_run(s, "undo ip address 10.0.2.1 25 sub", "", "Error: The address does not exist.\r\n");
	cmd_run(s, "undo ip address 10.0.1.1 24", "",
	    "Error: Please delete the sub addresses of the interface first.\r\n");
	cmd_run(s, "undo ip address 10.0.2.1 255.255.255.0 sub",
	    "DELETE " GE "/sub_address/10.0.2.1\n", "");
	cmd_run(s, "undo ip address", "DELETE " GE "/sub_address\nDELETE " GE "/address\n", "");
	text = render();
	cr_assert_str_eq(text, "#\r\nsysname HUAWEI\r\n#\r\nreturn\r\n",
			 "the interface had nothing else: it is gone");
	free(text);
	cli_session_free(s);
}

Test(ipv4_cli, overlap_with_another_interface)
{
	struct cli_session *s = cmd_session_in("GigabitEthernet0/1/0");

	cmd_run(s, "ip address 10.0.1.1 24",
	    SET_GE("address {address: \"10.0.1.1\" prefix_len: 24}"), "");
	cli_session_free(s);
	s = cmd_session_in("GigabitEthernet0/2/0");
	cmd_run(s, "ip address 10.0.0.2 16",
	    "SET interface {name: \"GigabitEthernet0/2/0\" address {address: \"10.0.0.2\" "
	    "prefix_len: 16}}\n",
	    "Error: The address 10.0.0.2/16 of interface GigabitEthernet0/2/0 overlaps with "
	    "the address 10.0.1.1/24 of interface GigabitEthernet0/1/0.\r\n");
	cmd_run(s, "ip address 10.0.1.2 32 sub",
	    "SET interface {name: \"GigabitEthernet0/2/0\" sub_address {address: \"10.0.1.2\" "
	    "prefix_len: 32}}\n",
	    "Error: The interface GigabitEthernet0/2/0 has sub addresses but no primary "
	    "address.\r\n");
	cli_session_free(s);
}

Test(ipv4_cli, loopback_without_mapping)
{
	struct cli_session *s = cmd_session_in("GigabitEthernet0/1/0");
	char *text;

	cli_exec(s, "interface loopback 7");
	cr_assert_str_eq(cmd_printed(), "");
	cmd_run(s, "ip address 192.0.2.7 32",
	    "SET interface {name: \"LoopBack7\" address {address: \"192.0.2.7\" prefix_len: 32}}\n",
	    "");
	text = render();
	cr_assert_str_eq(text, "#\r\nsysname HUAWEI\r\n#\r\ninterface LoopBack7\r\n"
			 " ip address 192.0.2.7 255.255.255.255\r\n#\r\nreturn\r\n");
	free(text);
	cli_session_free(s);
}

Test(ipv4_cli, mtu)
{
	struct cli_session *s = cmd_session_in("GigabitEthernet0/1/0");
	char *text;

	cmd_run(s, "undo shutdown", SET_GE("shutdown: false"), "");
	cmd_run(s, "mtu 1400", SET_GE("mtu: 1400"), "");
	cmd_run(s, "mtu 45", "", cmd_caret(strlen("[*HUAWEI-GigabitEthernet0/1/0]") + 4,
					   "Wrong parameter"));
	cmd_run(s, "mtu 9601", "", cmd_caret(strlen("[*HUAWEI-GigabitEthernet0/1/0]") + 4,
					     "Wrong parameter"));
	text = render();
	cr_assert_str_eq(text, "#\r\nsysname HUAWEI\r\n#\r\ninterface GigabitEthernet0/1/0\r\n"
			 " undo shutdown\r\n mtu 1400\r\n#\r\nreturn\r\n");
	free(text);
	cmd_run(s, "undo mtu", "DELETE " GE "/mtu\n", "");
	cli_exec(s, "interface LoopBack0");
	cmd_run(s, "mtu 1400", "SET interface {name: \"LoopBack0\" mtu: 1400}\n",
		"Error: The MTU of LoopBack interface LoopBack0 cannot be set.\r\n");
	cli_session_free(s);
}
