/*
 * test_cli.c: the engine end to end against a fake cfgd and ntpd
 * (cmd_session.h's, with hooks that record requests as text and keep the
 * dirty flag and sysname).
 * Seed 004's command lines produce the expected edits and prompts; bad
 * lines produce VRP's errors and no edit; the Y/N/C question; matched
 * upper-view; help and completion; the services being down.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd_session.h"
#include "log.h"

/* What the fake daemons do beyond cmd_session.h's fake (which keeps the
 * dirty flag and the sysname reported, cmd_fake.cfgd_down for cfgd being
 * down, and one line per request that changes something in cmd_fake.log). */
struct fake {
	uint64_t next_sid;
	bool ntpd_down;
	char pending[64];         /* the sysname the next commit sets */
	Config *running;          /* returned by GetRequest (NULL: empty) */
	const char *refuse;       /* refuse the next edit with this error */
	const char *commit_warning;
	bool forget_session;      /* answer the next session request "no such session" */
	NtpSysStatus *sys;
	Config *saved;            /* the startup configuration (NULL: none saved) */
	CommitRecord **history;   /* answered to HistoryRequest */
	size_t n_history;
	const char *save_error;   /* refuse `save` with this error */
};

static struct fake F;

static void find_sysname(const Config *c)
{
	if (c && c->system && c->system->sysname)
		snprintf(F.pending, sizeof(F.pending), "%s", c->system->sysname);
}

static void cfg_hook(const CfgRequest *req, CfgReply *rep)
{
	if (F.forget_session && (req->req_case == CFG_REQUEST__REQ_EDIT ||
				 req->req_case == CFG_REQUEST__REQ_COMMIT)) {
		F.forget_session = false;
		rep->status = -ENOENT;
		rep->error = "no such session";
		rep->state = NULL;
		return;
	}
	switch (req->req_case) {
	case CFG_REQUEST__REQ_SESSION_OPEN:
		rep->state->session = ++F.next_sid;
		sbuf_printf(&cmd_fake.log, "OPEN %s\n", req->session_open->user);
		cmd_fake.dirty = false;
		F.pending[0] = '\0';
		break;
	case CFG_REQUEST__REQ_SESSION_CLOSE:
		sbuf_printf(&cmd_fake.log, "CLOSE %llu\n",
			    (unsigned long long)req->session_close->session);
		cmd_fake.dirty = false;
		F.pending[0] = '\0';
		break;
	case CFG_REQUEST__REQ_EDIT:
		if (F.refuse) {
			rep->status = -EINVAL;
			rep->error = (char *)F.refuse;
			F.refuse = NULL;
			break;
		}
		for (size_t i = 0; i < req->edit->n_edit; i++) {
			const Edit *e = req->edit->edit[i];

			cmd_fake_edit_text(&cmd_fake.log, e);
			if (e->op == EDIT__OP__SET)
				find_sysname(e->value);
		}
		break;
	case CFG_REQUEST__REQ_GET:
		if (req->get->has_which && req->get->which == GET_REQUEST__WHICH__STARTUP) {
			rep->config = F.saved;
			if (!F.saved) {
				rep->status = -ENODATA;
				rep->error = "There is no saved configuration.";
			}
			break;
		}
		rep->config = F.running;
		break;
	case CFG_REQUEST__REQ_ROLLBACK: {
		const RollbackRequest *rb = req->rollback;

		if (rb->to_case == ROLLBACK_REQUEST__TO_COMMIT_ID)
			sbuf_printf(&cmd_fake.log, "ROLLBACK commit-id %llu\n",
				    (unsigned long long)rb->commit_id);
		else if (rb->to_case == ROLLBACK_REQUEST__TO_LABEL)
			sbuf_printf(&cmd_fake.log, "ROLLBACK label %s\n", rb->label);
		else
			sbuf_printf(&cmd_fake.log, "ROLLBACK last %u\n", rb->last);
		if (F.refuse) {
			rep->status = -ENODATA;
			rep->error = (char *)F.refuse;
			F.refuse = NULL;
			break;
		}
		rep->has_commit_id = true;
		rep->commit_id = 1000000007;
		break;
	}
	case CFG_REQUEST__REQ_REFRESH:
		sbuf_printf(&cmd_fake.log, "%s %llu\n", req->refresh->discard ? "DISCARD" : "REFRESH",
			    (unsigned long long)req->refresh->session);
		if (req->refresh->discard) {
			cmd_fake.dirty = false;
			F.pending[0] = '\0';
		}
		break;
	case CFG_REQUEST__REQ_HISTORY:
		rep->n_history = F.n_history;
		rep->history = F.history;
		break;
	case CFG_REQUEST__REQ_SAVE:
		sbuf_printf(&cmd_fake.log, "SAVE %llu\n", (unsigned long long)req->save->session);
		if (F.save_error) {
			rep->status = -EACCES;
			rep->error = (char *)F.save_error;
		}
		break;
	case CFG_REQUEST__REQ_COMMIT:
		sbuf_printf(&cmd_fake.log, "COMMIT%s%s%s%s\n",
			    req->commit->label ? " label=" : "", req->commit->label ? req->commit->label : "",
			    req->commit->description ? " description=" : "",
			    req->commit->description ? req->commit->description : "");
		if (F.pending[0])
			snprintf(cmd_fake.sysname, sizeof(cmd_fake.sysname), "%s", F.pending);
		cmd_fake.dirty = false;
		if (F.commit_warning) {
			rep->n_warning = 1;
			rep->warning = (char **)&F.commit_warning;
		}
		break;
	default:
		rep->status = -EINVAL;
		break;
	}
}

static int ntp_hook(const NtpRequest *req, NtpReply *rep)
{
	if (F.ntpd_down)
		return -ETIMEDOUT;
	rep->has_status = true;
	rep->sys = F.sys;
	return 0;
}

#define Q_PROMPT_LEAVE "Warning: Uncommitted configurations found, commit them before exiting? " \
	"[Y(yes)/N(no)/C(cancel)]:"
#define Q_PROMPT_AGAIN "Error: Please choose 'YES', 'NO' or 'CANCEL' first before pressing " \
	"'Enter'. [Y/N/C]:"

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	cmd_fake_setup(cfg_hook, false);
	cmd_fake.ntp_hook = ntp_hook;
}

static void teardown(void)
{
	cmd_fake_teardown();
	if (F.running)
		config__free_unpacked(F.running, NULL);
}

TestSuite(cli, .init = setup, .fini = teardown);

/* A session in user view, its OPEN not logged. */
static struct cli_session *open_session(void)
{
	struct cli_session *s = cmd_session_new("VTY 0");

	sbuf_free(&cmd_fake.log);
	return s;
}

/* Run a line at the expected prompt: it makes exactly `want_edits` and
 * prints exactly `output`. */
static void run(struct cli_session *s, const char *prompt, const char *line,
		const char *want_edits, const char *output)
{
	cr_assert_str_eq(cli_prompt(s), prompt, "before '%s' (%s)", line, cli_prompt(s));
	cmd_run(s, line, want_edits, output);
}

Test(cli, seed_device_c)
{
	struct cli_session *s = open_session();

	run(s, "<HUAWEI>", "system-view", "", "");
	run(s, "[~HUAWEI]", "sysname DeviceC", "SET system {sysname: \"DeviceC\"}\n", "");
	run(s, "[*HUAWEI]", "commit ", "COMMIT\n", "");
	run(s, "[~DeviceC]", "ntp-service refclock-master 2",
	    "DELETE ntp/refclock_master\nSET ntp {refclock_master {stratum: 2}}\n", "");
	cr_assert_str_eq(cli_prompt(s), "[*DeviceC]");
	cli_exec(s, "commit");
	cmd_edits();
	run(s, "[~DeviceC]", "ntp-service server source-interface gigabitethernet 0/1/0 ",
	    "SET ntp {server_source_interface: \"GigabitEthernet0/1/0\"}\n", "");
	run(s, "[*DeviceC]", "commit", "COMMIT\n", "");
	run(s, "[~DeviceC]", "interface GigabitEthernet0/1/0", "", "");
	run(s, "[~DeviceC-GigabitEthernet0/1/0]", "undo shutdown",
	    "SET interface {name: \"GigabitEthernet0/1/0\" shutdown: false}\n", "");
	run(s, "[*DeviceC-GigabitEthernet0/1/0]", "ip address 10.0.1.31 255.255.255.0",
	    "SET interface {name: \"GigabitEthernet0/1/0\" address {address: \"10.0.1.31\" "
	    "prefix_len: 24}}\n", "");
	run(s, "[*DeviceC-GigabitEthernet0/1/0]", "commit", "COMMIT\n", "");
	run(s, "[~DeviceC-GigabitEthernet0/1/0]", "quit", "", "");
	run(s, "[~DeviceC]", "quit", "", "");
	cr_assert_str_eq(cli_prompt(s), "<DeviceC>");
	cr_assert_not(cli_exec(s, "quit"));
	cli_session_free(s);
	cr_assert_str_eq(cmd_edits(), "CLOSE 1\n");
}

Test(cli, seed_device_d_and_e)
{
	struct cli_session *s = open_session();

	cli_exec(s, "system-view");
	cli_exec(s, "sysname DeviceD");
	cli_exec(s, "commit");
	cmd_edits();
	run(s, "[~DeviceD]", "ntp-service unicast-server 10.0.1.31",
	    "DELETE ntp/unicast_server/10.0.1.31\nSET ntp {unicast_server {address: \"10.0.1.31\"}}\n", "");
	run(s, "[*DeviceD]", "ntp-service unicast-peer 10.0.1.32",
	    "DELETE ntp/unicast_peer/10.0.1.32\nSET ntp {unicast_peer {address: \"10.0.1.32\"}}\n", "");
	run(s, "[*DeviceD]", "ntp-service unicast-server vpn-instance v1 ntp.example.org version 4 "
	    "iburst source-interface ge 0/1/0 port 1123 preferred minpoll 4 maxpoll 12 "
	    "authentication-keyid 9 priority burst preempt",
	    "DELETE ntp/vpn/v1/unicast_server/ntp.example.org\n"
	    "SET ntp {vpn {name: \"v1\" unicast_server {address: \"ntp.example.org\" "
	    "vpn_instance: \"v1\" version: 4 "
	    "authentication_keyid: 9 source_interface: \"GigabitEthernet0/1/0\" preferred: true "
	    "priority: true minpoll: 4 maxpoll: 12 burst: true iburst: true preempt: true "
	    "port: 1123 domain: true}}}\n", "");
	run(s, "[*DeviceD]", "undo ntp-service unicast-server 10.0.1.31",
	    "DELETE ntp/unicast_server/10.0.1.31\n", "");
	run(s, "[*DeviceD]", "ntp-service source-interface LoopBack0",
	    "DELETE ntp/source_interface_vpn_instance\nSET ntp {source_interface: \"LoopBack0\"}\n",
	    "");
	run(s, "[*DeviceD]", "undo ntp-service server source-interface",
	    "DELETE ntp/server_source_interface\n", "");
	run(s, "[*DeviceD]", "ntp unsync max-poll-interval 10 dec-step 2",
	    "DELETE ntp/unsync\nSET ntp {unsync {max_poll_interval: 10 dec_step: 2}}\n", "");
	run(s, "[*DeviceD]", "undo ntp unsync max-poll-interval", "DELETE ntp/unsync\n", "");
	run(s, "[*DeviceD]", "ntp-service refclock-master 127.127.1.1",
	    "DELETE ntp/refclock_master\nSET ntp {refclock_master {address: \"127.127.1.1\"}}\n", "");
	run(s, "[*DeviceD]", "undo ntp-service refclock-master", "DELETE ntp/refclock_master\n", "");
	run(s, "[*DeviceD]", "undo sysname", "DELETE system/sysname\n", "");
	run(s, "[*DeviceD]", "commit label L1 description first try", "COMMIT label=L1 description=first try\n", "");
	cli_session_free(s);
}

Test(cli, interface_view)
{
	struct cli_session *s = open_session();

	cli_exec(s, "sys");
	run(s, "[~HUAWEI]", "int ge 0/1/0", "", "");
	run(s, "[~HUAWEI-GigabitEthernet0/1/0]", "ip address 10.0.1.31 24",
	    "SET interface {name: \"GigabitEthernet0/1/0\" address {address: \"10.0.1.31\" "
	    "prefix_len: 24}}\n", "");
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "undo ip address",
	    "DELETE interface/GigabitEthernet0/1/0/sub_address\n"
	    "DELETE interface/GigabitEthernet0/1/0/address\n", "");
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "shutdown",
	    "SET interface {name: \"GigabitEthernet0/1/0\" shutdown: true}\n", "");
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "description to DeviceD  ",
	    "SET interface {name: \"GigabitEthernet0/1/0\" description: \"to DeviceD\"}\n", "");
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "undo description",
	    "DELETE interface/GigabitEthernet0/1/0/description\n", "");
	/* Other spellings of the name. */
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "return", "", Q_PROMPT_LEAVE);
	cr_assert(cli_awaiting_answer(s));
	run(s, Q_PROMPT_LEAVE, "c", "", "");
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "quit", "", "");
	run(s, "[*HUAWEI]", "interface gigabitethernet0/1/0", "", "");
	cli_exec(s, "quit");
	run(s, "[*HUAWEI]", "interface GE0/1/0", "", "");
	cli_exec(s, "quit");
	run(s, "[*HUAWEI]", "interface LoopBack 0", "", "");
	cli_exec(s, "quit");
	/* A LoopBack needs no mapping: any case and either form, canonical. */
	run(s, "[*HUAWEI]", "interface loopback 5", "", "");
	run(s, "[*HUAWEI-LoopBack5]", "ip address 192.0.2.5 32",
	    "SET interface {name: \"LoopBack5\" address {address: \"192.0.2.5\" prefix_len: 32}}\n",
	    "");
	cli_exec(s, "quit");
	run(s, "[*HUAWEI]", "interface LOOPBACK1023", "", "");
	cli_exec(s, "quit");
	run(s, "[*HUAWEI]", "interface LoopBack1024", "", cmd_caret(9 + 10, "Wrong parameter"));
	/* Other types do need one. */
	run(s, "[*HUAWEI]", "interface Vlanif10", "", cmd_caret(9 + 10, "Wrong parameter"));
	run(s, "[*HUAWEI]", "interface xge 0/0/1", "", cmd_caret(9 + 14, "Wrong parameter"));
	/* Not in the bootstrap. */
	run(s, "[*HUAWEI]", "interface GigabitEthernet0/1/7", "",
	    cmd_caret(9 + 10, "Wrong parameter"));
	run(s, "[*HUAWEI]", "interface ge 0/1", "", cmd_caret(9 + 13, "Wrong parameter"));
	run(s, "[*HUAWEI]", "interface ge 0/1/9999", "", cmd_caret(9 + 13, "Wrong parameter"));
	cli_session_free(s);
}

Test(cli, errors_make_no_edit)
{
	struct cli_session *s = open_session();

	run(s, "<HUAWEI>", "sysname X", "", cmd_caret(8, "Unrecognized command"));
	run(s, "<HUAWEI>", "display", "", cmd_caret(8 + 7, "Incomplete command"));
	run(s, "<HUAWEI>", "d cu", "", "#\r\nsysname HUAWEI\r\n#\r\nreturn\r\n");
	run(s, "<HUAWEI>", "system-view now", "", cmd_caret(8 + 12, "Too many parameters"));
	cli_exec(s, "system-view");
	run(s, "[~HUAWEI]", "ntp-service refclock-master 20", "",
	    cmd_caret(9 + 28, "Wrong parameter"));
	run(s, "[~HUAWEI]", "ntp-service refclock-master 10.0.0.1", "", cmd_caret(9 + 28, "Wrong parameter"));
	run(s, "[~HUAWEI]", "ntp-service refclock-master 2 3", "", cmd_caret(9 + 30, "Too many parameters"));
	run(s, "[~HUAWEI]", "ntp-service unicast-server 10.0.1.31 p", "", cmd_caret(9 + 37, "Ambiguous command"));
	run(s, "[~HUAWEI]", "ntp-service unicast-server 10.0.1.31 version 5", "",
	    cmd_caret(9 + 45, "Wrong parameter"));
	run(s, "[~HUAWEI]", "ntp-service unicast-server 10.0.1.300", "", cmd_caret(9 + 27, "Wrong parameter"));
	run(s, "[~HUAWEI]", "ntp-service unicast-peer 10.0.1.31 burst", "",
	    cmd_caret(9 + 35, "Unrecognized command"));
	run(s, "[~HUAWEI]", "ntp-service", "", cmd_caret(9 + 11, "Incomplete command"));
	run(s, "[~HUAWEI]", "   ", "", "");
	run(s, "[~HUAWEI]", "#", "", "");
	/* Too long. */
	char line[600];
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	run(s, "[~HUAWEI]", line, "", "Error: The command is too long (at most 510 characters).\r\n");
	/* cfgd refuses the edit: its sentence, and the prompt stays clean. */
	F.refuse = "The interface does not exist.";
	run(s, "[~HUAWEI]", "ntp-service source-interface vlanif 5", "",
	    "Error: The interface does not exist.\r\n");
	run(s, "[~HUAWEI]", "quit", "", "");
	cli_session_free(s);
}

Test(cli, matched_upper_view)
{
	struct cli_session *s = open_session();

	cli_exec(s, "system-view");
	cli_exec(s, "interface GigabitEthernet0/1/0");
	/* A system view command runs there and moves the session. */
	run(s, "[~HUAWEI-GigabitEthernet0/1/0]", "ntp-service refclock-master 2",
	    "DELETE ntp/refclock_master\nSET ntp {refclock_master {stratum: 2}}\n", "");
	run(s, "[*HUAWEI]", "interface LoopBack0", "", "");
	run(s, "[*HUAWEI-LoopBack0]", "interface ge0/1/0", "", "");
	/* undo commands do not go up. */
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "undo sysname", "", cmd_caret(30 + 5, "Unrecognized command"));
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "bogus", "",
	    cmd_caret(30, "Unrecognized command"));
	/* display works in every view. */
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "display current-configuration", "",
	    "#\r\nsysname HUAWEI\r\n#\r\nreturn\r\n");
	cli_session_free(s);
}

Test(cli, leave_question)
{
	struct cli_session *s = open_session();

	cli_exec(s, "system-view");
	cli_exec(s, "sysname DeviceC");
	cmd_edits();
	run(s, "[*HUAWEI]", "quit", "", Q_PROMPT_LEAVE);
	cr_assert(cli_awaiting_answer(s));
	run(s, Q_PROMPT_LEAVE, "maybe", "", Q_PROMPT_AGAIN);
	run(s, Q_PROMPT_AGAIN, "", "", Q_PROMPT_AGAIN);
	run(s, Q_PROMPT_AGAIN, "C", "", "");
	cr_assert_not(cli_awaiting_answer(s));
	/* N: the candidate is dropped (the session stays), then user view. */
	run(s, "[*HUAWEI]", "return", "", Q_PROMPT_LEAVE);
	run(s, Q_PROMPT_LEAVE, "no", "DISCARD 1\n", "");
	run(s, "<HUAWEI>", "system-view", "", "");
	cli_exec(s, "sysname DeviceE");
	cmd_edits();
	/* Y: commit, then leave. */
	run(s, "[*HUAWEI]", "quit", "", Q_PROMPT_LEAVE);
	run(s, Q_PROMPT_LEAVE, " Yes ", "COMMIT\n", "");
	run(s, "<DeviceE>", "system-view", "", "");
	/* Nothing uncommitted: no question. */
	run(s, "[~DeviceE]", "quit", "", "");
	run(s, "<DeviceE>", "display current-configuration", "", "#\r\nsysname HUAWEI\r\n#\r\nreturn\r\n");
	cli_session_free(s);
}

#define Q_SAVE "Warning: The current configuration will be written to the device. " \
	"Continue? [Y/N]:"
#define Q_SAVE_AGAIN "Error: Please choose 'YES' or 'NO' first before pressing 'Enter'. [Y/N]:"

Test(cli, save_question)
{
	struct cli_session *s = open_session();

	/* N saves nothing; a wrong answer (C is no choice here) asks again. */
	run(s, "<HUAWEI>", "save", "", Q_SAVE);
	cr_assert(cli_awaiting_answer(s));
	run(s, Q_SAVE, "c", "", Q_SAVE_AGAIN);
	run(s, Q_SAVE_AGAIN, "n", "", "");
	/* Y: cfgd saves. */
	run(s, "<HUAWEI>", "save", "", Q_SAVE);
	run(s, Q_SAVE, "y", "SAVE 1\n", "Info: Save the configuration successfully.\r\n");
	/* From system view too; uncommitted changes are not saved, and the
	 * operator is told. */
	run(s, "<HUAWEI>", "system-view", "", "");
	cli_exec(s, "sysname DeviceC");
	cmd_edits();
	run(s, "[*HUAWEI]", "save", "", Q_SAVE);
	run(s, Q_SAVE, "YES", "SAVE 1\n", "Info: Save the configuration successfully.\r\n"
	    "Info: The uncommitted configurations of this session were not saved: commit "
	    "them, then save again.\r\n");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");
	/* cfgd cannot write: its sentence. */
	F.save_error = "Failed to save the configuration to /x/startup.conf: Permission denied.";
	run(s, "[*HUAWEI]", "save", "", Q_SAVE);
	run(s, Q_SAVE, "y", "SAVE 1\n", "Error: Failed to save the configuration to "
	    "/x/startup.conf: Permission denied.\r\n");
	cli_session_free(s);
}

Test(cli, display_saved_configuration)
{
	struct cli_session *s = open_session();

	run(s, "<HUAWEI>", "display saved-configuration", "",
	    "Error: There is no saved configuration.\r\n");
	F.saved = frag_new();
	frag_system(F.saved)->sysname = xstrdup("DeviceC");
	run(s, "<HUAWEI>", "display saved-configuration", "",
	    "#\r\nsysname DeviceC\r\n#\r\nreturn\r\n");
	config__free_unpacked(F.saved, NULL);
	F.saved = NULL;
	cli_session_free(s);
}

Test(cli, rollback_and_commit_list)
{
	struct cli_session *s = open_session();
	CommitRecord a = COMMIT_RECORD__INIT, b = COMMIT_RECORD__INIT;
	CommitRecord *v[2] = { &b, &a };
	char when[2][32];

	run(s, "<HUAWEI>", "rollback configuration to commit-id 1000000002",
	    "ROLLBACK commit-id 1000000002\n",
	    "Info: The configuration was rolled back; this is commit 1000000007.\r\n");
	run(s, "<HUAWEI>", "rollback configuration to label before-ntp",
	    "ROLLBACK label before-ntp\n",
	    "Info: The configuration was rolled back; this is commit 1000000007.\r\n");
	run(s, "<HUAWEI>", "rollback configuration last 2", "ROLLBACK last 2\n",
	    "Info: The configuration was rolled back; this is commit 1000000007.\r\n");
	F.refuse = "The commit ID 1000000099 does not exist.";
	run(s, "<HUAWEI>", "rollback configuration to commit-id 1000000099",
	    "ROLLBACK commit-id 1000000099\n", "Error: The commit ID 1000000099 does not exist.\r\n");
	/* Out of range: the grammar refuses; system view has no rollback. */
	cli_exec(s, "rollback configuration last 81");
	cr_assert(strstr(cmd_printed(), "Error: Wrong parameter"));
	cli_exec(s, "system-view");
	cli_exec(s, "rollback configuration last 1");
	cr_assert(strstr(cmd_printed(), "Error: Unrecognized command"));
	cli_exec(s, "quit");

	/* The commit list, newest first, in local time. */
	a.commit_id = 1000000001;
	a.user = "admin";
	a.line = "VTY 0";
	a.has_time = true;
	a.time = 1764921600;
	b.commit_id = 1000000002;
	b.user = "operator";
	b.line = "VTY 1";
	b.label = "before-ntp";
	b.description = "rollback to commit 1000000001";
	b.has_time = true;
	b.time = 1764925200;
	F.history = v;
	F.n_history = 2;
	for (int i = 0; i < 2; i++) {
		time_t t = (time_t)v[i]->time;
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(when[i], sizeof(when[i]), "%Y-%m-%d %H:%M:%S", &tm);
	}
	char want[1024];
	snprintf(want, sizeof(want),
		 "-------------------------------------------------------------------------------\r\n"
		 " No.  CommitId     Label                  User        TimeStamp\r\n"
		 "-------------------------------------------------------------------------------\r\n"
		 " 1    1000000002   before-ntp             operator    %s\r\n"
		 " 2    1000000001   -                      admin       %s\r\n"
		 "-------------------------------------------------------------------------------\r\n",
		 when[0], when[1]);
	run(s, "<HUAWEI>", "display configuration commit list", "", want);
	snprintf(want, sizeof(want),
		 "1) CommitId: 1000000002\r\n   Label: before-ntp\r\n   User: operator\r\n"
		 "   User-Intf: VTY 1\r\n   TimeStamp: %s\r\n"
		 "   Description: rollback to commit 1000000001\r\n"
		 "2) CommitId: 1000000001\r\n   Label: -\r\n   User: admin\r\n"
		 "   User-Intf: VTY 0\r\n   TimeStamp: %s\r\n   Description: \r\n",
		 when[0], when[1]);
	run(s, "<HUAWEI>", "display configuration commit list verbose", "", want);
	F.history = NULL;
	F.n_history = 0;
	cli_session_free(s);
}

Test(cli, commit_warnings_and_errors)
{
	struct cli_session *s = open_session();

	cli_exec(s, "system-view");
	cli_exec(s, "sysname DeviceC");
	cmd_edits();
	F.commit_warning = "ntpd did not apply commit 1000000002 in time.";
	run(s, "[*HUAWEI]", "commit", "COMMIT\n", "Warning: ntpd did not apply commit 1000000002 in time.\r\n");
	F.commit_warning = NULL;
	cmd_fake.cfgd_down = true;
	run(s, "[~DeviceC]", "sysname X", "", "Error: The configuration service is not available.\r\n");
	run(s, "[~DeviceC]", "commit", "", "Error: The configuration service is not available.\r\n"
	    "Info: The commit may have been made before its answer was lost: display "
	    "configuration commit list tells.\r\n");
	cmd_fake.cfgd_down = false;
	cli_session_free(s);
}

Test(cli, cfgd_down_at_login)
{
	cmd_fake.cfgd_down = true;
	cr_assert_null(cli_session_new(cmd_fake.be, "admin", "VTY 0", cmd_fake_out, NULL));
	cr_assert_str_eq(cmd_printed(), "Error: The configuration service is not available.\r\n");
}

Test(cli, displays)
{
	struct cli_session *s = open_session();
	NtpSysStatus st = NTP_SYS_STATUS__INIT;
	Config *c = frag_new();

	frag_system(c)->sysname = xstrdup("DeviceC");
	frag_ntp(c)->server_source_interface = xstrdup("GigabitEthernet0/1/0");
	Interface *ifc = frag_interface(c, "GigabitEthernet0/1/0");
	ifc->has_shutdown = true;
	F.running = c;
	cli_exec(s, "system-view");
	run(s, "[~HUAWEI]", "dis cur", "",
	    "#\r\nsysname DeviceC\r\n#\r\nntp-service server source-interface gigabitethernet 0/1/0\r\n"
	    "#\r\ninterface GigabitEthernet0/1/0\r\n undo shutdown\r\n#\r\nreturn\r\n");
	run(s, "[~HUAWEI]", "display configuration candidate", "",
	    "#\r\nsysname DeviceC\r\n#\r\nntp-service server source-interface gigabitethernet 0/1/0\r\n"
	    "#\r\ninterface GigabitEthernet0/1/0\r\n undo shutdown\r\n#\r\nreturn\r\n");
	cli_exec(s, "interface GE0/1/0");
	run(s, "[~HUAWEI-GigabitEthernet0/1/0]", "display this", "",
	    "#\r\ninterface GigabitEthernet0/1/0\r\n undo shutdown\r\n#\r\nreturn\r\n");

	st.has_synchronized = true;
	st.synchronized = true;
	st.has_stratum = true;
	st.stratum = 3;
	st.refid_text = "10.0.1.31";
	st.has_nominal_hz = true;
	st.nominal_hz = 64.0029;
	st.has_precision = true;
	st.precision = -7;
	st.has_root_delay = true;
	st.root_delay = 0.0625;
	st.has_root_dispersion = true;
	st.root_dispersion = 0.0002;
	st.has_peer_dispersion = true;
	st.peer_dispersion = 0.00781;
	st.has_reference_time = true;
	st.reference_time = 0xC7B7AC31773E89A8ull;
	F.sys = &st;
	run(s, "[~HUAWEI-GigabitEthernet0/1/0]", "display ntp-service status", "",
	    " clock status: synchronized\r\n"
	    " clock stratum: 3\r\n"
	    " reference clock ID: 10.0.1.31\r\n"
	    " nominal frequency: 64.0029 Hz\r\n"
	    " actual frequency: 64.0029 Hz\r\n"
	    " clock precision: 2^7\r\n"
	    " clock offset: 0.0000 ms\r\n"
	    " root delay: 62.50 ms\r\n"
	    " root dispersion: 0.20 ms\r\n"
	    " peer dispersion: 7.81 ms\r\n"
	    " reference time: 06:52:33.465 UTC Mar 7 2006(C7B7AC31.773E89A8)\r\n"
	    " synchronization state: clock synchronized\r\n");
	run(s, "[~HUAWEI-GigabitEthernet0/1/0]", "display ntp-service sessions verbose", "", "");
	F.ntpd_down = true;
	run(s, "[~HUAWEI-GigabitEthernet0/1/0]", "display ntp-service status", "",
	    "Error: The NTP service is not available.\r\n");
	cli_session_free(s);
}

Test(cli, help_listing)
{
	struct cli_session *s = open_session();

	cli_exec(s, "system-view");
	cli_help(s, "ntp-service refclock-master ");
	cr_assert_str_eq(cmd_printed(),
		"  INTEGER<1-15>  Stratum of the local clock\r\n"
		"  X.X.X.X        IP address of the reference clock (127.127.1.u)\r\n"
		"  <cr>\r\n");
	cli_help(s, "sysname ");
	cr_assert_str_eq(cmd_printed(), "  STRING<1-246>  Host name\r\n");
	cli_help(s, "ntp-service u");
	cr_assert_str_eq(cmd_printed(), "  unicast-peer  unicast-server\r\n");
	cli_help(s, "ntp-service bogus ");
	cr_assert_str_eq(cmd_printed(), cmd_caret(9 + 12, "Unrecognized command"));
	cli_help(s, "display ntp-service ");
	cr_assert_str_eq(cmd_printed(),
		"  sessions    Display the NTP sessions\r\n"
		"  statistics  Display NTP statistics\r\n"
		"  status      Display the status of the NTP service\r\n"
		"  trace       Display the path from the local device to the reference clock source\r\n");
	cli_exec(s, "quit");
	cli_help(s, "");
	cr_assert_str_eq(cmd_printed(),
		"  abort          Abort the trial of a commit\r\n"
		"  clear          Clear a candidate or a commit's label\r\n"
		"  clock          Specify the system clock\r\n"
		"  configuration  Configuration\r\n"
		"  display        Display information\r\n"
		"  ping           Ping function\r\n"
		"  quit           Exit from the current mode and into the upper mode\r\n"
		"  rollback       Roll the configuration back\r\n"
		"  save           Save the current configuration\r\n"
		"  screen-length  Set the number of lines displayed on a terminal screen\r\n"
		"  set            Set a commit's label\r\n"
		"  system-view    Enter the system view\r\n"
		"  terminal       Set the terminal line characteristics\r\n"
		"  tracert        Trace route function\r\n"
		"  undo           Negate a command or set its default\r\n");
	cli_session_free(s);
}

Test(cli, completion)
{
	struct cli_session *s = open_session();
	char *r;

	r = cli_complete(s, "dis");
	cr_assert_str_eq(r, "display ");
	free(r);
	r = cli_complete(s, "display cu");
	cr_assert_str_eq(r, "display current-configuration ");
	free(r);
	r = cli_complete(s, "  SYS");
	cr_assert_str_eq(r, "  system-view ");
	free(r);
	cr_assert_null(cli_complete(s, "xyz"));
	cr_assert_str_eq(cmd_printed(), "");
	cli_exec(s, "system-view");
	/* Several: extended to the common prefix, then (VRP) each TAB puts the
	 * next of them in the word's place, round and round, listing nothing. */
	r = cli_complete(s, "ntp-service u");
	cr_assert_str_eq(r, "ntp-service unicast-");
	free(r);
	r = cli_complete(s, "ntp-service unicast-");
	cr_assert_str_eq(r, "ntp-service unicast-peer");
	free(r);
	r = cli_complete(s, "ntp-service unicast-peer");
	cr_assert_str_eq(r, "ntp-service unicast-server");
	free(r);
	r = cli_complete(s, "ntp-service unicast-server");
	cr_assert_str_eq(r, "ntp-service unicast-peer");
	free(r);
	cr_assert_str_eq(cmd_printed(), "");
	r = cli_complete(s, "ntp-service server source-interface gig");
	cr_assert_str_eq(r, "ntp-service server source-interface GigabitEthernet ");
	free(r);
	/* (`ntp-service server disable` also follows "server".) */
	r = cli_complete(s, "ntp-service server s");
	cr_assert_str_eq(r, "ntp-service server source-interface ");
	free(r);
	/* A parameter cannot be completed. */
	cr_assert_null(cli_complete(s, "sysname Dev"));
	cli_session_free(s);
}

Test(cli, cfgd_restarted_session_reopened)
{
	struct cli_session *s = open_session();

	cli_exec(s, "system-view");
	F.forget_session = true;
	run(s, "[~HUAWEI]", "sysname DeviceC", "OPEN admin\nSET system {sysname: \"DeviceC\"}\n",
	    "Warning: The configuration service was restarted; uncommitted configurations "
	    "were discarded.\r\n");
	F.forget_session = true;
	run(s, "[*HUAWEI]", "commit", "OPEN admin\nCOMMIT\n",
	    "Warning: The configuration service was restarted; uncommitted configurations "
	    "were discarded.\r\n");
	cli_session_free(s);
}

/* TAB as VRP: the common prefix first, then the candidates in turn in the
 * word's place; a line that is not what the last TAB left, or '?', starts
 * afresh. */
Test(cli, tab_cycling)
{
	struct cli_session *s = open_session();
	char *r;

	cli_exec(s, "system-view");
	cmd_printed();
	/* "c" is all "candidate" and "commit" share: straight to cycling. */
	r = cli_complete(s, "display configuration c");
	cr_assert_str_eq(r, "display configuration candidate");
	free(r);
	r = cli_complete(s, "display configuration candidate");
	cr_assert_str_eq(r, "display configuration commit");
	free(r);
	r = cli_complete(s, "display configuration commit");
	cr_assert_str_eq(r, "display configuration candidate");
	free(r);
	cr_assert_str_eq(cmd_printed(), "");
	/* A space typed: another line, the words that may follow are listed. */
	cr_assert_null(cli_complete(s, "display configuration candidate "));
	cr_assert_str_eq(cmd_printed(), "  changes  Configuration changes\r\n  <cr>\r\n");
	/* The prefix first; a word already equal to the first candidate goes
	 * on with the next one, so every TAB shows a change. */
	r = cli_complete(s, "display co");
	cr_assert_str_eq(r, "display configuration");
	free(r);
	r = cli_complete(s, "display configuration");
	cr_assert_str_eq(r, "display configuration-occupied");
	free(r);
	r = cli_complete(s, "display configuration-occupied");
	cr_assert_str_eq(r, "display configuration");
	free(r);
	/* '?' ends the cycle: the same line completes on its own merits. */
	cli_help(s, "display configuration-occupied");
	cmd_printed();
	r = cli_complete(s, "display configuration-occupied");
	cr_assert_str_eq(r, "display configuration-occupied ");
	free(r);
	/* So does running a line. */
	r = cli_complete(s, "display configuration c");
	free(r);
	cli_exec(s, "display configuration candidate");
	cmd_printed();
	r = cli_complete(s, "display configuration candidate");
	cr_assert_str_eq(r, "display configuration candidate ");
	free(r);
	/* A wrong word stays as it is. */
	cr_assert_null(cli_complete(s, "display configuration x"));
	cr_assert_str_eq(cmd_printed(), "");
	cli_session_free(s);
}

/* Strings in double quotes: a label with blanks (VRP allows one so), a
 * description given as one quoted string; an unterminated quote is
 * refused with the caret under it and makes no edit. */
Test(cli, quoted_strings)
{
	struct cli_session *s = open_session();

	cli_exec(s, "system-view");
	run(s, "[~HUAWEI]", "interface GigabitEthernet0/1/0", "", "");
	run(s, "[~HUAWEI-GigabitEthernet0/1/0]", "description \"to DeviceD\"",
	    "SET interface {name: \"GigabitEthernet0/1/0\" description: \"to DeviceD\"}\n", "");
	/* The rest of the line as a text keeps quotes inside it. */
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "description link \"D\" east",
	    "SET interface {name: \"GigabitEthernet0/1/0\" description: \"link \"D\" east\"}\n",
	    "");
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "description \"to DeviceD", "",
	    cmd_caret(strlen("[*HUAWEI-GigabitEthernet0/1/0]") + 12, "Wrong parameter"));
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "commit label \"my label\" description \"first try\"",
	    "COMMIT label=my label description=first try\n", "");
	run(s, "[~HUAWEI-GigabitEthernet0/1/0]", "quit", "", "");
	run(s, "[~HUAWEI]", "commit label \"half", "", cmd_caret(9 + 13, "Wrong parameter"));
	run(s, "[~HUAWEI]", "\"commit\"", "", cmd_caret(9, "Unrecognized command"));
	cli_session_free(s);
}

/* display history-command: the session's commands before it, as typed,
 * indented by two spaces, one copy each (the latest place), the last 10;
 * answers to questions are no commands. */
Test(cli, display_history_command)
{
	struct cli_session *s = open_session();

	run(s, "<HUAWEI>", "display history-command", "", "");
	run(s, "<HUAWEI>", "dis  cu", "", "#\r\nsysname HUAWEI\r\n#\r\nreturn\r\n");
	run(s, "<HUAWEI>", "disp bogus", "", cmd_caret(8 + 5, "Unrecognized command"));
	run(s, "<HUAWEI>", "   ", "", "");
	run(s, "<HUAWEI>", "dis history-command", "",
	    "  display history-command\r\n  dis  cu\r\n  disp bogus\r\n");
	/* Repeated: one copy, at its latest place; this line itself not shown. */
	run(s, "<HUAWEI>", "dis  cu", "", "#\r\nsysname HUAWEI\r\n#\r\nreturn\r\n");
	run(s, "<HUAWEI>", "display history-command", "",
	    "  disp bogus\r\n  dis history-command\r\n  dis  cu\r\n");
	/* The answer to a question is not recorded. */
	run(s, "<HUAWEI>", "save", "", Q_SAVE);
	run(s, Q_SAVE, "n", "", "");
	run(s, "<HUAWEI>", "display history-command", "",
	    "  disp bogus\r\n  dis history-command\r\n  dis  cu\r\n  save\r\n");
	/* The last 10 only. */
	char line[64], want[512] = "";
	for (int i = 0; i < 12; i++) {
		snprintf(line, sizeof(line), "sysname n%d", i);
		cli_exec(s, line);
	}
	cmd_printed();
	for (int i = 2; i < 12; i++) {
		snprintf(line, sizeof(line), "  sysname n%d\r\n", i);
		strcat(want, line);
	}
	run(s, "<HUAWEI>", "display history-command", "", want);
	cli_session_free(s);
}

/* '?' after display and display configuration: each word says what it
 * shows ("commit" is the commits, not the act of committing). */
Test(cli, display_help_texts)
{
	struct cli_session *s = open_session();

	cli_exec(s, "system-view");
	cmd_printed();
	cli_help(s, "display configuration ");
	cr_assert_str_eq(cmd_printed(),
		"  candidate  Candidate configuration\r\n"
		"  commit     Configuration commit information\r\n");
	cli_help(s, "display ");
	const char *out = cmd_printed();
	cr_assert(strstr(out, "  history-command         Display the historical commands of "
			 "this session\r\n"), "%s", out);
	cr_assert(strstr(out, "  ntp-service             NTP (Network Time Protocol) service "
			 "information\r\n"), "%s", out);
	cr_assert_null(strstr(out, "Specify"), "%s", out);
	/* The configuration command keeps its own words. */
	cli_help(s, "com");
	cr_assert_str_eq(cmd_printed(), "  commit\r\n");
	cli_help(s, "commit ");
	out = cmd_printed();
	cr_assert(strstr(out, "  label        Specify a label for the commit\r\n"), "%s", out);
	cli_session_free(s);
}

/* VRP8's VPN instance views (vrp-operator.md section 9), the binding's
 * edits and Info line, and an instance's NTP server. */
Test(cli, vpn_instance_views)
{
	struct cli_session *s = open_session();

	cli_exec(s, "sys");
	run(s, "[~HUAWEI]", "ip vpn-instance vrf1", "SET vpn_instance {name: \"vrf1\"}\n", "");
	run(s, "[*HUAWEI-vpn-instance-vrf1]", "ipv4-family",
	    "SET vpn_instance {name: \"vrf1\" ipv4_family: true}\n", "");
	run(s, "[*HUAWEI-vpn-instance-vrf1-af-ipv4]", "route-distinguisher 100:1",
	    "SET vpn_instance {name: \"vrf1\" ipv4_route_distinguisher: \"100:1\"}\n", "");
	run(s, "[*HUAWEI-vpn-instance-vrf1-af-ipv4]", "undo route-distinguisher",
	    "DELETE vpn_instance/vrf1/ipv4_route_distinguisher\n", "");
	run(s, "[*HUAWEI-vpn-instance-vrf1-af-ipv4]", "quit", "", "");
	run(s, "[*HUAWEI-vpn-instance-vrf1]", "ipv6-family",
	    "SET vpn_instance {name: \"vrf1\" ipv6_family: true}\n", "");
	run(s, "[*HUAWEI-vpn-instance-vrf1-af-ipv6]", "quit", "", "");
	run(s, "[*HUAWEI-vpn-instance-vrf1]", "undo ipv6-family",
	    "DELETE vpn_instance/vrf1/ipv6_route_distinguisher\n"
	    "DELETE vpn_instance/vrf1/ipv6_family\n", "");
	/* A system-view command runs from the instance's view (upper view). */
	run(s, "[*HUAWEI-vpn-instance-vrf1]", "interface ge 0/1/0", "", "");
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "ip binding vpn-instance vrf1",
	    "SET interface {name: \"GigabitEthernet0/1/0\" vpn_instance: \"vrf1\"}\n",
	    "Info: All IPv4 and IPv6 related configurations on this interface are removed.\r\n");
	run(s, "[*HUAWEI-GigabitEthernet0/1/0]", "quit", "", "");
	run(s, "[*HUAWEI]", "ntp-service unicast-server 10.0.1.31 vpn-instance vrf1",
	    "DELETE ntp/vpn/vrf1/unicast_server/10.0.1.31\n"
	    "SET ntp {vpn {name: \"vrf1\" unicast_server {address: \"10.0.1.31\" "
	    "vpn_instance: \"vrf1\"}}}\n", "");
	run(s, "[*HUAWEI]", "ip vpn-instance _public_", "", cmd_caret(9 + 16, "Wrong parameter"));
	run(s, "[*HUAWEI]", "undo ip vpn-instance vrf1", "DELETE vpn_instance/vrf1\n", "");
	cli_session_free(s);
}
