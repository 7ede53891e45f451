/*
 * test_units.c: the systemd units (systemd/).
 *
 *  - the installed units have every placeholder replaced and start the
 *    daemon from the installed sbindir with the bootstrap file;
 *  - each unit keeps the policy DESIGN.md asks for: Type=notify, restart on
 *    failure, the shared preserved RUN_DIR and STATE_DIR, least privilege
 *    (only its own capabilities), ordering after cfgd, a watchdog;
 *  - `systemd-analyze verify` accepts copies of the units whose ExecStart
 *    points at the binaries of this build (verify checks they exist) and
 *    prints nothing: an unknown key is only a warning with exit status 0,
 *    so any output is a failure;
 *  - `systemd-analyze security` on each unit is printed (stderr), and each
 *    unit's overall exposure is at or below that of chrony's packaged unit
 *    on this machine (Debian's chrony, which the interop tests use).
 *
 * Paths come from the environment set by tests/systemd/meson.build.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <criterion/criterion.h>

static const char *const daemons[] = { "cfgd", "ifmgrd", "ntpd", "clid" };
#define N_DAEMONS (sizeof(daemons) / sizeof(daemons[0]))

static const char *env_or_skip(const char *name)
{
	const char *v = getenv(name);

	if (!v || !v[0])
		cr_skip_test("%s is not set: run through `meson test --suite systemd`", name);
	return v;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* The value of the last `key=` line in text (systemd: later assignments
 * win, except for lists, which the callers do not mix), or NULL. */
static char *value_of(const char *text, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);
	const char *p = text;
	bool found = false;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);

		if (ll > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			snprintf(buf, len, "%.*s", (int)(ll - kl - 1), p + kl + 1);
			found = true;
		} else if (ll == kl + 1 && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			buf[0] = '\0';
			found = true;
		}
		p = eol ? eol + 1 : NULL;
	}
	return found ? buf : NULL;
}

static char *unit_text(const char *dir_env, const char *daemon)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/meridian-%s.service", env_or_skip(dir_env), daemon);
	return slurp(path);
}

/* A configure_file placeholder, @NAME@ (not @system-service, a syscall set). */
static bool has_placeholder(const char *t)
{
	for (const char *p = strchr(t, '@'); p; p = strchr(p + 1, '@')) {
		const char *q = p + 1;

		while ((*q >= 'A' && *q <= 'Z') || *q == '_')
			q++;
		if (q > p + 1 && *q == '@')
			return true;
	}
	return false;
}

Test(systemd, installed_units_start_the_installed_daemons)
{
	const char *sbindir = env_or_skip("MERIDIAN_SBINDIR");

	for (size_t i = 0; i < N_DAEMONS; i++) {
		char *t = unit_text("MERIDIAN_UNITS_INSTALLED", daemons[i]);
		char want[1024], v[1024];

		cr_assert_not(has_placeholder(t), "meridian-%s.service: a placeholder is left",
			      daemons[i]);
		snprintf(want, sizeof(want), "%s/meridian-%s -f /etc/meridian/meridian.conf",
			 sbindir, daemons[i]);
		cr_assert_not_null(value_of(t, "ExecStart", v, sizeof(v)));
		cr_assert_str_eq(v, want);
		free(t);
	}
}

static void expect(const char *t, const char *daemon, const char *key, const char *want)
{
	char v[1024];

	cr_assert_not_null(value_of(t, key, v, sizeof(v)), "meridian-%s.service: no %s=",
			   daemon, key);
	cr_assert_str_eq(v, want, "meridian-%s.service: %s=%s, want %s", daemon, key, v, want);
}

Test(systemd, policy_and_least_privilege)
{
	static const char *const caps[] = {
		"", "CAP_NET_ADMIN CAP_NET_RAW",   /* CAP_NET_RAW: ping and tracert (probe.c) */
		"CAP_SYS_TIME CAP_NET_BIND_SERVICE", "CAP_NET_BIND_SERVICE",
	};

	for (size_t i = 0; i < N_DAEMONS; i++) {
		const char *d = daemons[i];
		char *t = unit_text("MERIDIAN_UNITS_INSTALLED", d);
		char v[1024];

		expect(t, d, "Type", "notify");
		expect(t, d, "Restart", "on-failure");
		expect(t, d, "RestartSec", "1");
		expect(t, d, "RuntimeDirectory", "meridian");
		expect(t, d, "RuntimeDirectoryPreserve", "yes");
		expect(t, d, "StateDirectory", "meridian");
		/* One user for the four: they share RUN_DIR's sockets and files. */
		expect(t, d, "User", "meridian");
		expect(t, d, "Group", "meridian");
		expect(t, d, "UMask", "0007");
		expect(t, d, "RuntimeDirectoryMode", "0750");
		expect(t, d, "StateDirectoryMode", "0750");
		expect(t, d, "CapabilityBoundingSet", caps[i]);
		expect(t, d, "AmbientCapabilities", caps[i]);
		expect(t, d, "NoNewPrivileges", "yes");
		expect(t, d, "ProtectSystem", "strict");
		expect(t, d, "ReadWritePaths", "/run/meridian /var/lib/meridian");
		expect(t, d, "ProtectHome", "yes");
		expect(t, d, "PrivateTmp", "yes");
		expect(t, d, "PartOf", "meridian.target");
		expect(t, d, "WantedBy", "meridian.target");
		/* The loop sends WATCHDOG=1 at half of it (common/daemon.c). */
		expect(t, d, "WatchdogSec", "10s");
		if (strcmp(d, "cfgd") != 0) {
			expect(t, d, "Wants", "meridian-cfgd.service");
			cr_assert_not_null(value_of(t, "After", v, sizeof(v)));
			cr_assert_not_null(strstr(v, "meridian-cfgd.service"),
					   "meridian-%s.service: not after cfgd", d);
		}
		if (strcmp(d, "clid") == 0) {
			cr_assert_not_null(strstr(v, "meridian-ifmgrd.service"));
			cr_assert_not_null(strstr(v, "meridian-ntpd.service"));
		}
		free(t);
	}
}

/* Run a shell command; its exit status, its output (stdout and stderr) in buf. */
static int run(const char *cmd, char *buf, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	int st;

	cr_assert_not_null(p, "popen %s", cmd);
	while (n + 1 < len) {
		size_t r = fread(buf + n, 1, len - 1 - n, p);

		if (r == 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(systemd, analyze_verify)
{
	const char *dir = env_or_skip("MERIDIAN_UNITS_TEST");
	const char *build = env_or_skip("MERIDIAN_BUILD_ROOT");
	char cmd[8192], out[8192], missing[256] = "";
	int n = 0, rc;

	if (system("command -v systemd-analyze >/dev/null 2>&1") != 0)
		cr_skip_test("systemd-analyze is not installed (Debian: apt-get install systemd)");
	n = snprintf(cmd, sizeof(cmd), "cd '%s' && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no",
		     dir);
	for (size_t i = 0; i < N_DAEMONS; i++) {
		char bin[1024];

		snprintf(bin, sizeof(bin), "%s/%s/meridian-%s", build, daemons[i], daemons[i]);
		if (access(bin, X_OK) != 0) {
			/* A partial build (-Dcomponents=...): that daemon is not built. */
			size_t ml = strlen(missing);

			snprintf(missing + ml, sizeof(missing) - ml, " %s", daemons[i]);
			continue;
		}
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " ./meridian-%s.service", daemons[i]);
	}
	if (!strstr(cmd, ".service"))
		cr_skip_test("no daemon is built in this configuration (missing:%s)", missing);
	/* The target references every service; verify loads them without
	 * checking their binaries, so it is always verified. */
	n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " ./meridian.target");
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, " 2>&1");
	rc = run(cmd, out, sizeof(out));
	cr_assert_eq(rc, 0, "systemd-analyze verify failed (%d):\n%s", rc, out);
	cr_assert_str_empty(out, "systemd-analyze verify complained:\n%s", out);
	/* (cr_log_warn would turn the run's exit status into a failure.) */
	if (missing[0])
		fprintf(stderr, "# not verified, not built in this configuration:%s\n", missing);
}

/* The overall exposure `systemd-analyze security` printed for unit, or -1. */
static double exposure_of(const char *out)
{
	const char *p = strstr(out, "Overall exposure level for ");

	if (!p || !(p = strstr(p, ": ")))
		return -1;
	return strtod(p + 2, NULL);
}

/* Run `systemd-analyze security --offline` on the unit file at path, print
 * its table to stderr as TAP comments and return the overall exposure. */
static double security_of(const char *dir, const char *unit)
{
	static char out[65536];
	char cmd[2048];
	double e;
	int rc;

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && SYSTEMD_LOG_COLOR=0 SYSTEMD_COLORS=0 systemd-analyze security "
		 "--offline=true --no-pager './%s' 2>&1", dir, unit);
	rc = run(cmd, out, sizeof(out));
	for (const char *p = out; *p;) {
		const char *eol = strchr(p, '\n');
		int ll = eol ? (int)(eol - p) : (int)strlen(p);

		fprintf(stderr, "# %.*s\n", ll, p);
		p = eol ? eol + 1 : p + ll;
	}
	cr_assert_eq(rc, 0, "systemd-analyze security %s failed (%d):\n%s", unit, rc, out);
	e = exposure_of(out);
	cr_assert(e >= 0, "no overall exposure for %s in:\n%s", unit, out);
	return e;
}

Test(systemd, security_exposure_at_most_chronys)
{
	static const char *const chrony_units[] = {
		"/lib/systemd/system/chrony.service", "/usr/lib/systemd/system/chrony.service",
	};
	const char *dir = env_or_skip("MERIDIAN_UNITS_TEST");
	const char *chrony = NULL;
	char chrony_dir[1024];
	double ref;

	if (system("command -v systemd-analyze >/dev/null 2>&1") != 0)
		cr_skip_test("systemd-analyze is not installed (Debian: apt-get install systemd)");
	for (size_t i = 0; i < sizeof(chrony_units) / sizeof(chrony_units[0]); i++)
		if (access(chrony_units[i], R_OK) == 0) {
			chrony = chrony_units[i];
			break;
		}
	if (!chrony)
		cr_skip_test("no chrony.service to compare with (scripts/deps installs chrony)");
	snprintf(chrony_dir, sizeof(chrony_dir), "%.*s", (int)(strrchr(chrony, '/') - chrony),
		 chrony);
	ref = security_of(chrony_dir, "chrony.service");
	for (size_t i = 0; i < N_DAEMONS; i++) {
		char unit[64];
		double e;

		snprintf(unit, sizeof(unit), "meridian-%s.service", daemons[i]);
		e = security_of(dir, unit);
		fprintf(stderr, "# exposure: %s %.1f, chrony.service %.1f\n", unit, e, ref);
		cr_expect_leq(e, ref, "%s: exposure %.1f is above chrony.service's %.1f", unit, e,
			      ref);
	}
}
