/*
 * test_seed004.c: seed 004 ("Example for Configuring NTP Peer Mode") end to
 * end: three devices in network namespaces on one bridge, configured through
 * real telnet sessions with the seed's own command lines, then checked the
 * way the seed checks them (`display ntp-service status`), against the
 * seed's configuration files (`display current-configuration`), and with
 * the virtual clocks' true errors read from ntpd's ctl socket.
 *
 * One Test, because the steps build on each other and synchronisation takes
 * most of the time.  Every wait has a deadline.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

struct step {
	const char *prompt;   /* the prompt expected before the line */
	const char *line;     /* sent exactly as written (seed lines keep their blanks) */
};

/* Procedure step 1, from the seed's configuration files, ending in user view
 * so that step 2 starts where the seed shows it: "<HUAWEI> system-view". */
#define STEP1(addr)                                                      \
	{ "<HUAWEI>", "system-view" },                                   \
	{ "[~HUAWEI]", "interface GigabitEthernet0/1/0" },               \
	{ "[~HUAWEI-GigabitEthernet0/1/0]", "undo shutdown" },           \
	{ "[*HUAWEI-GigabitEthernet0/1/0]", "ip address " addr " 255.255.255.0" }, \
	{ "[*HUAWEI-GigabitEthernet0/1/0]", "quit" },                    \
	{ "[*HUAWEI]", "commit" },                                       \
	{ "[~HUAWEI]", "return" }

/* Steps 2 and 3: the seed's lines verbatim.  One deliberate difference in
 * the expected prompts: the seed prints "[~DeviceC]" before the second NTP
 * command although `ntp-service refclock-master 2` is not committed yet;
 * by the seed's own rule ('*' = uncommitted changes) that prompt is
 * "[*DeviceC]". */
static const struct step steps_c[] = {
	STEP1("10.0.1.31"),
	{ "<HUAWEI>", "system-view" },
	{ "[~HUAWEI]", "sysname DeviceC" },
	{ "[*HUAWEI]", "commit " },
	{ "[~DeviceC]", "ntp-service refclock-master 2" },
	{ "[*DeviceC]", "ntp-service server source-interface gigabitethernet 0/1/0 " },
	{ "[*DeviceC]", "commit" },
	{ "[~DeviceC]", NULL },
};

static const struct step steps_d[] = {
	STEP1("10.0.1.32"),
	{ "<HUAWEI>", "system-view" },
	{ "[~HUAWEI]", "sysname DeviceD" },
	{ "[*HUAWEI]", "commit " },
	{ "[~DeviceD]", "ntp-service unicast-server 10.0.1.31" },
	{ "[*DeviceD]", "commit" },
	{ "[~DeviceD]", "ntp-service server source-interface gigabitethernet 0/1/0 " },
	{ "[*DeviceD]", "commit" },
	{ "[~DeviceD]", NULL },
};

static const struct step steps_e[] = {
	STEP1("10.0.1.33"),
	{ "<HUAWEI>", "system-view" },
	{ "[~HUAWEI]", "sysname DeviceE" },
	{ "[*HUAWEI]", "commit " },
	{ "[~DeviceE]", "ntp-service unicast-peer 10.0.1.32" },
	{ "[*DeviceE]", "commit" },
	{ "[~DeviceE]", NULL },
};

/* The seed's configuration files. */
static const char config_c[] =
	"#\n"
	"sysname DeviceC\n"
	"#\n"
	"ntp-service refclock-master 2\n"
	"ntp-service server source-interface gigabitethernet 0/1/0 \n"
	"#\n"
	"interface GigabitEthernet0/1/0\n"
	" undo shutdown\n"
	" ip address 10.0.1.31 255.255.255.0\n"
	"#\n"
	"return\n";

static const char config_d[] =
	"#\n"
	"sysname DeviceD\n"
	"#\n"
	"ntp-service unicast-server 10.0.1.31\n"
	"ntp-service server source-interface gigabitethernet 0/1/0 \n"
	"#\n"
	"interface GigabitEthernet0/1/0\n"
	" undo shutdown\n"
	" ip address 10.0.1.32 255.255.255.0\n"
	"#\n"
	"return\n";

static const char config_e[] =
	"#\n"
	"sysname DeviceE\n"
	"#\n"
	"ntp-service unicast-peer 10.0.1.32\n"
	"#\n"
	"interface GigabitEthernet0/1/0\n"
	" undo shutdown\n"
	" ip address 10.0.1.33 255.255.255.0\n"
	"#\n"
	"return\n";

static void configure(struct vty *v, const char *dev, const struct step *steps)
{
	for (size_t i = 0;; i++) {
		cr_assert_str_eq(vty_prompt(v), steps[i].prompt,
				 "%s: prompt before step %zu ('%s'): got '%s', want '%s'", dev, i,
				 steps[i].line ? steps[i].line : "(end)", vty_prompt(v),
				 steps[i].prompt);
		if (!steps[i].line)
			break;
		char *out = NULL;
		int r = lab_cmd(v, dev, steps[i].line, &out);
		cr_assert_eq(r, 0, "%s: '%s' got no prompt back: %s", dev, steps[i].line,
			     strerror(-r));
		cr_assert(!strstr(out, "Error:"), "%s: '%s' failed:\n%s", dev, steps[i].line, out);
		free(out);
	}
}

static void check_config(struct vty *v, const char *dev, const char *want)
{
	char *out = NULL;
	cr_assert_eq(lab_cmd(v, dev, "display current-configuration", &out), 0);
	char *got_n = lab_normalize(out);
	char *want_n = lab_normalize(want);
	cr_expect_str_eq(got_n, want_n,
			 "%s: display current-configuration differs from the seed:\n"
			 "---- got ----\n%s\n---- seed ----\n%s", dev, got_n, want_n);
	free(got_n);
	free(want_n);
	free(out);
}

Test(seed004, ntp_peer_mode, .fini = lab_down, .timeout = 280)
{
	lab_require_root();
	cr_assert_eq(lab_up("DeviceC:0:0", "DeviceD:0.4:12", "DeviceE:-0.3:-9", NULL), 0,
		     "the lab did not come up");

	struct vty *vc = lab_vty("DeviceC", 20000);
	struct vty *vd = lab_vty("DeviceD", 20000);
	struct vty *ve = lab_vty("DeviceE", 20000);
	cr_assert(vc && vd && ve, "no VTY session");

	configure(vc, "DeviceC", steps_c);
	configure(vd, "DeviceD", steps_d);
	configure(ve, "DeviceE", steps_e);
	double t_commit = lab_now();

	/* DeviceD follows DeviceC (seed step 2). */
	static const char *const want_d[] = {
		"clock status: synchronized", "clock stratum: 3", "reference clock ID: 10.0.1.31",
		"synchronization state: clock synchronized", NULL,
	};
	char *out = NULL;
	bool ok = lab_wait_output(vd, "display ntp-service status", want_d, 150000, &out);
	fprintf(stderr, "[DeviceD] display ntp-service status (%.1f s after the last commit):\n%s",
		lab_now() - t_commit, out ? out : "");
	cr_assert(ok, "DeviceD did not synchronize to DeviceC:\n%s", out ? out : "");
	free(out);

	/* DeviceE follows its symmetric passive peer DeviceD (seed step 4),
	 * within 150 s of its last commit. */
	static const char *const want_e[] = {
		"clock status: synchronized", "clock stratum: 4", "reference clock ID: 10.0.1.32",
		"synchronization state: clock synchronized", NULL,
	};
	/* Typically 12-16 s (lab_note below); the deadline leaves room for a
	 * loaded CI machine running twelve sanitized daemons on two cores. */
	double left = 150.0 - (lab_now() - t_commit);
	ok = lab_wait_output(ve, "display ntp-service status", want_e,
			     left > 0 ? (int)(left * 1000) : 0, &out);
	double t_sync = lab_now() - t_commit;
	fprintf(stderr, "[DeviceE] display ntp-service status (%.1f s after the last commit):\n%s",
		t_sync, out ? out : "");
	cr_assert(ok && t_sync <= 150.0,
		  "DeviceE not synchronized at stratum 4 to 10.0.1.32 within 150 s of its "
		  "last commit:\n%s", out ? out : "");
	free(out);
	lab_note("seed004: DeviceE synchronized %.1f s after its last commit", t_sync);

	/* The clocks agree with DeviceC's to 1 ms, measured exactly: each
	 * virtual clock knows its error against the machine's clock. */
	double deadline = lab_now() + 90, ec = 0, ed = 0, ee = 0;
	for (;;) {
		ec = lab_true_error("DeviceC");
		ed = lab_true_error("DeviceD");
		ee = lab_true_error("DeviceE");
		if ((fabs(ed - ec) < 1e-3 && fabs(ee - ec) < 1e-3) || lab_now() > deadline)
			break;
		lab_pause_ms(500);
	}
	lab_note("seed004: true clock errors: C %+.6f s, D %+.6f s (%+.3f ms from C), "
		 "E %+.6f s (%+.3f ms from C)", ec, ed, (ed - ec) * 1e3, ee, (ee - ec) * 1e3);
	cr_expect(fabs(ed - ec) < 1e-3, "DeviceD is %.3f ms from DeviceC", (ed - ec) * 1e3);
	cr_expect(fabs(ee - ec) < 1e-3, "DeviceE is %.3f ms from DeviceC", (ee - ec) * 1e3);

	/* The seed's configuration files. */
	check_config(vc, "DeviceC", config_c);
	check_config(vd, "DeviceD", config_d);
	check_config(ve, "DeviceE", config_e);

	lab_vty_close(vc);
	lab_vty_close(vd);
	lab_vty_close(ve);

	/* Stop the daemons (keeping the logs) and look for sanitizer reports:
	 * leaks show at exit. */
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
