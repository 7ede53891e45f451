/* test_bootstrap.c: defaults, a full file, and every kind of error naming
 * FILE:LINE and the key. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "testutil.h"

static char *dir;
static char path[512];

static void setup(void)
{
	dir = tmpdir_new();
	cr_assert_not_null(dir);
	snprintf(path, sizeof(path), "%s/meridian.conf", dir);
}

static void teardown(void)
{
	tmpdir_free(dir);
}

TestSuite(bootstrap, .init = setup, .fini = teardown);

Test(bootstrap, defaults)
{
	struct bootstrap bs;
	char ep[256];

	bootstrap_defaults(&bs);
	cr_assert_str_eq(bs.run_dir, "/run/meridian");
	cr_assert_str_eq(bs.state_dir, "/var/lib/meridian");
	cr_assert_eq(bs.log_level, LOG_LVL_INFO);
	cr_assert_str_eq(bs.sysname, "HUAWEI");
	cr_assert_eq(bs.cli.port, 23);
	cr_assert_str_eq(bs.cli.address, "0.0.0.0");
	cr_assert_eq(bs.cli.max_vty, 5);
	cr_assert_eq(bs.cli.ssh_port, 0);
	cr_assert_eq(bs.clock.type, BS_CLOCK_SYSTEM);
	cr_assert_float_eq(bs.clock.tick_hz, 64.0029, 1e-9);
	cr_assert_eq(bs.ntp.port, 123);
	cr_assert_eq(bs.n_interfaces, 0);
	cr_assert_eq(bootstrap_endpoint(&bs, "cfgd", "ctl", ep, sizeof(ep)), 0);
	cr_assert_str_eq(ep, "ipc:///run/meridian/cfgd.ctl");
	cr_assert_eq(bootstrap_endpoint(&bs, "cfgd", "ctl", ep, 10), -ENAMETOOLONG);
	bootstrap_free(&bs);
	bootstrap_free(&bs); /* idempotent */
}

Test(bootstrap, empty_file_gives_defaults)
{
	struct bootstrap bs;
	char err[256];

	write_file(path, "# nothing\n");
	cr_assert_eq(bootstrap_load(path, &bs, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(bs.cli.port, 23);
	cr_assert_str_eq(bs.path, path);
	bootstrap_free(&bs);
}

Test(bootstrap, full_file)
{
	struct bootstrap bs;
	char err[256], ep[256];
	const struct bs_interface *itf;

	write_file(path,
		   "device = \"DeviceC\";\n"
		   "run_dir = \"/tmp/run-c\";\n"
		   "state_dir = \"/tmp/state-c\";\n"
		   "log_level = \"debug\";\n"
		   "sysname = \"DeviceC\";\n"
		   "cli = { port = 2323; address = \"127.0.0.1\"; max_vty = 15; ssh_port = 2222;\n"
		   "        users = ( { name = \"admin\"; password = \"$y$j9T$abc\"; },\n"
		   "                  { name = \"ops\"; password = \"\"; } ); };\n"
		   "interfaces = ( { name = \"GigabitEthernet0/1/0\"; netdev = \"veth-c0\"; },\n"
		   "               { name = \"LoopBack0\"; netdev = \"lo\"; } );\n"
		   "clock = { type = \"virtual\"; offset = 0.25; frequency = -12;\n"
		   "          noise = 1e-6; tick_hz = 64.0; };\n"
		   "ntp = { port = 10123; };\n");
	cr_assert_eq(bootstrap_load(path, &bs, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(bs.device, "DeviceC");
	cr_assert_str_eq(bs.run_dir, "/tmp/run-c");
	cr_assert_str_eq(bs.state_dir, "/tmp/state-c");
	cr_assert_eq(bs.log_level, LOG_LVL_DEBUG);
	cr_assert_str_eq(bs.sysname, "DeviceC");
	cr_assert_eq(bs.cli.port, 2323);
	cr_assert_str_eq(bs.cli.address, "127.0.0.1");
	cr_assert_eq(bs.cli.max_vty, 15);
	cr_assert_eq(bs.cli.ssh_port, 2222);
	cr_assert_eq(bs.cli.n_users, 2);
	cr_assert_str_eq(bs.cli.users[0].name, "admin");
	cr_assert_str_eq(bs.cli.users[0].password_hash, "$y$j9T$abc");
	cr_assert_str_eq(bs.cli.users[1].password_hash, "");
	cr_assert_eq(bs.n_interfaces, 2);
	itf = bootstrap_interface(&bs, "gigabitethernet0/1/0");
	cr_assert_not_null(itf);
	cr_assert_str_eq(itf->netdev, "veth-c0");
	cr_assert_null(bootstrap_interface(&bs, "Vlanif10"));
	cr_assert_eq(bs.clock.type, BS_CLOCK_VIRTUAL);
	cr_assert_float_eq(bs.clock.offset, 0.25, 1e-12);
	cr_assert_float_eq(bs.clock.frequency_ppm, -12.0, 1e-12);
	cr_assert_float_eq(bs.clock.noise, 1e-6, 1e-15);
	cr_assert_float_eq(bs.clock.tick_hz, 64.0, 1e-12);
	cr_assert_eq(bs.ntp.port, 10123);
	cr_assert_eq(bootstrap_endpoint(&bs, "ntpd", "pub", ep, sizeof(ep)), 0);
	cr_assert_str_eq(ep, "ipc:///tmp/run-c/ntpd.pub");
	bootstrap_free(&bs);
}

/* Load text expecting an error containing "FILE:LINE: " and `needle`. */
static void expect_error(const char *text, int line, const char *needle)
{
	struct bootstrap bs;
	char err[512], where[600];

	write_file(path, text);
	cr_assert_eq(bootstrap_load(path, &bs, err, sizeof(err)), -EINVAL,
		     "accepted: %s", text);
	snprintf(where, sizeof(where), "%s:%d: ", path, line);
	cr_assert(strncmp(err, where, strlen(where)) == 0, "error '%s' lacks '%s'", err, where);
	cr_assert_not_null(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
	/* *bs is left empty. */
	cr_assert_null(bs.run_dir);
	cr_assert_null(bs.interfaces);
	bootstrap_free(&bs);
}

Test(bootstrap, unknown_keys)
{
	expect_error("cli = {\n  prot = 23;\n};\n", 2, "unknown key 'cli.prot'");
	expect_error("\nfoo = 1;\n", 2, "unknown key 'foo'");
	expect_error("interfaces = (\n { name = \"A\"; netdev = \"a\";\n nic = 1; } );\n", 3,
		     "unknown key 'interfaces[0].nic'");
	expect_error("clock = { type = \"system\";\n\n drift = 1.0; };\n", 3,
		     "unknown key 'clock.drift'");
	expect_error("ntp = {\n port = 123; bind = 1; };\n", 2, "unknown key 'ntp.bind'");
	expect_error("cli = { users = ( { name = \"a\"; password = \"b\";\n salt = \"c\"; } ); };\n",
		     2, "unknown key 'cli.users[0].salt'");
}

Test(bootstrap, wrong_types)
{
	expect_error("cli = {\n port = \"23\"; };\n", 2, "key 'cli.port': expected an integer");
	expect_error("run_dir = 5;\n", 1, "key 'run_dir': expected a string");
	expect_error("cli = 5;\n", 1, "key 'cli': expected a group");
	expect_error("\ninterfaces = { };\n", 2, "key 'interfaces': expected a list");
	expect_error("clock = { offset = \"x\"; };\n", 1, "key 'clock.offset': expected a number");
	expect_error("cli = { max_vty = 2.5; };\n", 1, "key 'cli.max_vty': expected an integer");
}

Test(bootstrap, ranges)
{
	expect_error("cli = { port = 0; };\n", 1, "key 'cli.port': must be 1..65535");
	expect_error("cli = { port = 70000; };\n", 1, "key 'cli.port': must be 1..65535");
	expect_error("\ncli = { max_vty = 65; };\n", 2, "key 'cli.max_vty': must be 1..64");
	expect_error("cli = { ssh_port = 65536; };\n", 1, "key 'cli.ssh_port': must be 0..65535");
	expect_error("ntp = { port = -1; };\n", 1, "key 'ntp.port'");
	expect_error("clock = { type = \"atomic\"; };\n", 1, "key 'clock.type'");
	expect_error("clock = { offset = 1e7; };\n", 1, "key 'clock.offset'");
	expect_error("clock = { frequency = 500.5; };\n", 1, "key 'clock.frequency'");
	expect_error("clock = { noise = -0.1; };\n", 1, "key 'clock.noise'");
	expect_error("clock = { tick_hz = 0.0; };\n", 1, "key 'clock.tick_hz'");
	expect_error("log_level = \"chatty\";\n", 1, "key 'log_level'");
}

Test(bootstrap, lists)
{
	expect_error("interfaces = (\n { name = \"A\"; } );\n", 2, "missing 'netdev'");
	expect_error("interfaces = ( { netdev = \"a\"; } );\n", 1, "missing 'name'");
	expect_error("interfaces = ( { name = \"A\"; netdev = \"a\"; },\n"
		     "  { name = \"a\"; netdev = \"b\"; } );\n", 2, "duplicate interface");
	expect_error("cli = { users = ( { name = \"x\"; } ); };\n", 1, "missing 'password'");
	expect_error("cli = { users = ( { password = \"x\"; } ); };\n", 1, "missing 'name'");
}

/* A syntax error names the file, the line and the key the line starts
 * with, and quotes the line. */
Test(bootstrap, syntax_error)
{
	expect_error("cli = {\n port = ;\n};\n", 2, "syntax error at key 'port' (port = ;)");
	expect_error("log_level = \"info;\n", 2, "syntax error");
	expect_error("device = \"a\";\n  ) stray\n", 2, "syntax error () stray)");
}

Test(bootstrap, missing_file)
{
	struct bootstrap bs;
	char err[512];

	cr_assert_eq(bootstrap_load("/nonexistent/meridian.conf", &bs, err, sizeof(err)),
		     -ENOENT);
	cr_assert_not_null(strstr(err, "/nonexistent/meridian.conf"));
	bootstrap_free(&bs);
}

Test(bootstrap, from_args)
{
	struct bootstrap bs;
	char *argv[] = { "meridian-test", "-d", "-f", path, NULL };

	write_file(path, "log_level = \"error\";\nsysname = \"X\";\n");
	bootstrap_from_args(4, argv, "meridian-test", &bs);
	cr_assert_str_eq(bs.sysname, "X");
	cr_assert_eq(log_get_level(), LOG_LVL_DEBUG); /* -d wins */
	bootstrap_free(&bs);
}

Test(bootstrap, from_args_bad_option, .exit_code = 2)
{
	struct bootstrap bs;
	char *argv[] = { "meridian-test", "-x", NULL };

	bootstrap_from_args(2, argv, "meridian-test", &bs);
}

Test(bootstrap, from_args_bad_file, .exit_code = 2)
{
	struct bootstrap bs;
	char *argv[] = { "meridian-test", "-f", path, NULL };

	write_file(path, "cli = { prot = 1; };\n");
	bootstrap_from_args(3, argv, "meridian-test", &bs);
}

/* Load text expecting exactly the sentence "FILE:LINE: msg". */
static void expect_exact(const char *text, int line, const char *msg)
{
	struct bootstrap bs;
	char err[512], want[700];

	write_file(path, text);
	cr_assert_eq(bootstrap_load(path, &bs, err, sizeof(err)), -EINVAL,
		     "accepted: %s", text);
	snprintf(want, sizeof(want), "%s:%d: %s", path, line, msg);
	cr_assert_str_eq(err, want);
	bootstrap_free(&bs);
}

/* The groups of string keys (users, interfaces): every sentence in full. */
Test(bootstrap, string_groups)
{
	expect_exact("cli = { users = (\n 5 ); };\n", 2, "key 'cli.users[0]': expected a group { ... }");
	expect_exact("interfaces = ( { name = \"A\"; netdev = \"a\"; },\n \"b\" );\n", 2,
		     "key 'interfaces[1]': expected a group { ... }");
	expect_exact("cli = { users = ( { name = \"\"; password = \"x\"; } ); };\n", 1,
		     "key 'cli.users[0].name': must not be empty");
	expect_exact("cli = { users = ( { name = \"a\";\n password = 1; } ); };\n", 2,
		     "key 'cli.users[0].password': expected a string");
	expect_exact("interfaces = ( { name = \"A\";\n netdev = \"\"; } );\n", 2,
		     "key 'interfaces[0].netdev': must not be empty");
	expect_exact("interfaces = ( { name = 1; netdev = \"a\"; } );\n", 1,
		     "key 'interfaces[0].name': expected a string");
	expect_exact("interfaces = ( { name = \"A\"; netdev = \"a\"; },\n { nic = 1; } );\n", 2,
		     "unknown key 'interfaces[1].nic'");
	expect_exact("cli = { users = (\n { } ); };\n", 2, "key 'cli.users[0]': missing 'name'");
	expect_exact("interfaces = (\n { } );\n", 2, "key 'interfaces[0]': missing 'name'");
	expect_exact("interfaces = ( { name = \"A\"; netdev = \"a\"; },\n"
		     " { name = \"B\"; } );\n", 2, "key 'interfaces[1]': missing 'netdev'");
	expect_exact("cli = { users = ( { name = \"a\"; password = \"\"; },\n"
		     " { name = \"a\"; password = \"\"; } ); };\n", 2,
		     "key 'cli.users[1].name': duplicate user 'a'");
}

/* LoopBack N needs no mapping: the names it covers, and those it does not. */
Test(bootstrap, loopback_names)
{
	cr_assert(bootstrap_is_loopback("LoopBack0"));
	cr_assert(bootstrap_is_loopback("loopback0"));
	cr_assert(bootstrap_is_loopback("LOOPBACK1023"));
	cr_assert(bootstrap_is_loopback("LoopBack10"));
	cr_assert_not(bootstrap_is_loopback("LoopBack"));
	cr_assert_not(bootstrap_is_loopback("LoopBack1024"));
	cr_assert_not(bootstrap_is_loopback("LoopBack01"));
	cr_assert_not(bootstrap_is_loopback("LoopBack 0"));
	cr_assert_not(bootstrap_is_loopback("LoopBack0/1/0"));
	cr_assert_not(bootstrap_is_loopback("LoopBack99999"));
	cr_assert_not(bootstrap_is_loopback("GigabitEthernet0/1/0"));
	cr_assert_not(bootstrap_is_loopback(NULL));
}

/* bs's settings that have defaults equal those of bootstrap_defaults(). */
static void expect_defaults(const struct bootstrap *bs, const char *what)
{
	struct bootstrap d;

	bootstrap_defaults(&d);
	cr_assert_str_eq(bs->run_dir, d.run_dir, "%s: run_dir", what);
	cr_assert_str_eq(bs->state_dir, d.state_dir, "%s: state_dir", what);
	cr_assert_eq(bs->log_level, d.log_level, "%s: log_level", what);
	cr_assert_str_eq(bs->sysname, d.sysname, "%s: sysname", what);
	cr_assert_eq(bs->cli.port, d.cli.port, "%s: cli.port", what);
	cr_assert_str_eq(bs->cli.address, d.cli.address, "%s: cli.address", what);
	cr_assert_eq(bs->cli.max_vty, d.cli.max_vty, "%s: cli.max_vty", what);
	cr_assert_eq(bs->cli.ssh_port, d.cli.ssh_port, "%s: cli.ssh_port", what);
	cr_assert_eq(bs->clock.type, d.clock.type, "%s: clock.type", what);
	cr_assert_float_eq(bs->clock.offset, d.clock.offset, 1e-12, "%s: clock.offset", what);
	cr_assert_float_eq(bs->clock.frequency_ppm, d.clock.frequency_ppm, 1e-12,
			   "%s: clock.frequency", what);
	cr_assert_float_eq(bs->clock.noise, d.clock.noise, 1e-12, "%s: clock.noise", what);
	cr_assert_float_eq(bs->clock.tick_hz, d.clock.tick_hz, 1e-9, "%s: clock.tick_hz", what);
	cr_assert_eq(bs->ntp.port, d.ntp.port, "%s: ntp.port", what);
	bootstrap_free(&d);
}

/* The packaged conffile (doc/meridian.conf, /etc/meridian/meridian.conf):
 * as shipped it sets nothing; with its commented settings uncommented it
 * is a valid file whose values are the defaults, so the comments tell the
 * truth.  A commented setting is a line "#KEY..." or "#  KEY..." (inside a
 * group); "# Prose" stays a comment. */
Test(bootstrap, packaged_file_holds_the_defaults)
{
	const char *src = getenv("MERIDIAN_SOURCE_ROOT");
	char conf[1024], line[1024], err[512];
	struct bootstrap bs;
	FILE *in, *out;
	int settings = 0;

	if (!src)
		cr_skip_test("MERIDIAN_SOURCE_ROOT is not set: run through meson test");
	snprintf(conf, sizeof(conf), "%s/doc/meridian.conf", src);
	cr_assert_eq(bootstrap_load(conf, &bs, err, sizeof(err)), 0, "%s", err);
	expect_defaults(&bs, "as shipped");
	cr_assert_null(bs.device);
	cr_assert_eq(bs.cli.n_users, 0);
	cr_assert_eq(bs.n_interfaces, 0);
	bootstrap_free(&bs);

	in = fopen(conf, "re");
	cr_assert_not_null(in, "%s", conf);
	out = fopen(path, "we");
	cr_assert_not_null(out);
	while (fgets(line, sizeof(line), in)) {
		if (line[0] == '#' && (line[1] != ' ' || strncmp(line, "#  ", 3) == 0) &&
		    line[1] != '\n') {
			fputs(line + 1, out);
			settings++;
		} else {
			fputs(line, out);
		}
	}
	fclose(in);
	fclose(out);
	cr_assert_gt(settings, 20, "only %d commented settings", settings);
	/* Every key bootstrap.c reads is there (a new key needs its line). */
	static const char *const keys[] = {
		"device", "run_dir", "state_dir", "log_level", "sysname", "cli", "port",
		"address", "max_vty", "ssh_port", "users", "interfaces", "clock", "type",
		"offset", "frequency", "noise", "tick_hz", "ntp", "vpn", "backend",
		"netns_prefix", "instances", "netns",
	};
	char *text = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");

	cr_assert_not_null(f);
	cr_assert_gt(getdelim(&text, &cap, '\0', f), 0);
	fclose(f);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char needle[64];

		snprintf(needle, sizeof(needle), "%s = ", keys[i]);
		cr_assert_not_null(strstr(text, needle), "no '%s' setting in %s", keys[i], conf);
	}
	free(text);
	cr_assert_eq(bootstrap_load(path, &bs, err, sizeof(err)), 0, "uncommented: %s", err);
	expect_defaults(&bs, "uncommented");
	/* The examples: a device name, a user, an interface. */
	cr_assert_not_null(bs.device);
	cr_assert_eq(bs.cli.n_users, 1);
	cr_assert_eq(bs.n_interfaces, 1);
	bootstrap_free(&bs);
}

/* `vpn`: the backend, the namespaces' prefix, instances mapped to
 * namespaces the operator made; the name of an instance's namespace. */
Test(bootstrap, vpn)
{
	struct bootstrap bs;
	char err[512], ns[64];

	write_file(path, "run_dir = \"/run/x\";\n"
		   "vpn = { backend = \"netns\"; netns_prefix = \"lab1-\";\n"
		   "  instances = ( { name = \"blue\"; netns = \"ops-blue\"; } ); };\n");
	cr_assert_eq(bootstrap_load(path, &bs, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(bs.vpn.backend, BS_VPN_NETNS);
	cr_assert(bootstrap_vpn_netns(&bs, "blue", ns, sizeof(ns)), "blue is mapped");
	cr_assert_str_eq(ns, "ops-blue");
	cr_assert_not(bootstrap_vpn_netns(&bs, "red", ns, sizeof(ns)));
	cr_assert_str_eq(ns, "lab1-red");
	bootstrap_free(&bs);

	/* No prefix: one of its own per run_dir, so two devices never share. */
	write_file(path, "run_dir = \"/run/x\";\n");
	cr_assert_eq(bootstrap_load(path, &bs, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(bs.vpn.backend, BS_VPN_AUTO);
	bootstrap_vpn_netns(&bs, "red", ns, sizeof(ns));
	cr_assert_eq(strncmp(ns, "mrd", 3), 0, "%s", ns);
	cr_assert_str_eq(ns + strlen(ns) - 4, "-red");
	bootstrap_free(&bs);

	expect_error("vpn = {\n backend = \"vlan\"; };\n", 2, "key 'vpn.backend'");
	expect_error("vpn = { netns_prefix = \"a/b\"; };\n", 1, "key 'vpn.netns_prefix'");
	expect_error("vpn = { instances = ( { name = \"blue\"; } ); };\n", 1, "missing 'netns'");
	expect_error("vpn = { mode = 1; };\n", 1, "unknown key 'vpn.mode'");
}
