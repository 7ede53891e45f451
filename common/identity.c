/*
 * identity.c: who this daemon is (see identity.h).
 *
 * The start of the process is read from /proc/self/stat (field 22, clock
 * ticks after boot), so every daemon reports when it really started
 * without keeping a timestamp of its own; the uptime is CLOCK_BOOTTIME
 * since then, which neither a step of the wall clock nor a suspended
 * machine disturbs.  The start time in unix seconds is derived from the
 * machine's CLOCK_REALTIME now minus that uptime.  Without /proc, the
 * first call counts as the start.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "identity.h"
#include "version.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Seconds after boot at which this process started, or -1. */
static double proc_start(void)
{
	char buf[1024], *p;
	unsigned long long ticks;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces and parentheses: the
	 * fields after it start after its last ')'.  Field 22 is then the
	 * 20th word. */
	p = strrchr(buf, ')');
	if (!p || hz <= 0)
		return -1;
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	if (sscanf(p, " %llu", &ticks) != 1)
		return -1;
	return (double)ticks / (double)hz;
}

void identity_fill(DaemonIdentity *id, const char *name)
{
	static double started = -1;   /* CLOCK_BOOTTIME seconds */
	double now = clock_s(CLOCK_BOOTTIME), up;

	if (started < 0) {
		started = proc_start();
		if (started < 0 || started > now)
			started = now;
	}
	up = now - started;
	daemon_identity__init(id);
	id->name = (char *)name;
	id->has_pid = true;
	id->pid = (uint32_t)getpid();
	id->has_uptime = true;
	id->uptime = up;
	id->has_start_time = true;
	id->start_time = (int64_t)(clock_s(CLOCK_REALTIME) - up);
	id->version = (char *)meridian_version();
}
