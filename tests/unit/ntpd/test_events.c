/*
 * test_events.c: the events ntpd gives `display logbuffer` (system.c,
 * through common/evlog.h's listener), on two cores over loopback: S serves
 * its local clock at stratum 2; C has its own local clock at stratum 5
 * (127.127.1.1) and S as a server, so it synchronizes to its local clock
 * first, then changes to S; S removed, back to its local clock; the local
 * clock removed, synchronization lost.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "evlog.h"
#include "ntpd_rig.h"
#include "pair_world.h"

static struct ev heard[16];
static int n_heard;

static void hear(const struct ev *e, void *arg)
{
	(void)arg;
	if (n_heard < 16)
		heard[n_heard++] = *e;
}

static bool s_synced(struct pair *f)
{
	return f->s->sys.synced;
}

static bool c_on_local(struct pair *f)
{
	return f->c->sys.synced && f->c->sys.on_local;
}

static bool c_unsynced(struct pair *f)
{
	return !f->c->sys.synced;
}

static void config_c(struct pair *f, bool local, bool server)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;
	NtpAssociation na = NTP_ASSOCIATION__INIT;
	NtpAssociation *list[1] = { &na };
	char err[256] = "";

	rm.address = "127.127.1.1";
	rm.has_stratum = true;
	rm.stratum = 5;
	ntp.refclock_master = local ? &rm : NULL;
	na.address = "127.0.0.1";
	na.has_port = true;
	na.port = f->bs_s.ntp.port;
	/* C polls at its synchronized rate while on its local clock: a burst
	 * gives the first samples at once. */
	na.has_iburst = na.iburst = true;
	na.has_minpoll = true;
	na.minpoll = 3;
	ntp.unicast_server = list;
	ntp.n_unicast_server = server ? 1 : 0;
	cfg.ntp = &ntp;
	cr_assert_eq(ntpd_rig_apply(f->c, &cfg, err, sizeof(err)), 0, "%s", err);
}

static void expect(int i, unsigned sev, const char *brief, const char *text)
{
	cr_assert_gt(n_heard, i, "event %d missing", i);
	cr_assert_str_eq(heard[i].module, "NTP");
	cr_assert_eq(heard[i].severity, sev, "event %d: %s", i, heard[i].text);
	cr_assert_str_eq(heard[i].brief, brief);
	cr_assert_str_eq(heard[i].text, text);
}

Test(events, synchronized_source_changed_lost, .timeout = 120)
{
	struct pair f;

	pair_init(&f);
	evlog_set_listener(hear, NULL);
	pair_config_server(&f, NULL);
	cr_assert(pair_run_until(&f, s_synced, 10.0));
	expect(0, EV_WARNING, "NTP_SYNCHRONIZE_STATUS",
	       "NTP state changed from unsynchronized to synchronized. "
	       "(SynchronizationSourceAddress = 127.127.1.0 , VpnInstance = , Reason = )");
	n_heard = 0;

	config_c(&f, true, true);
	cr_assert(pair_run_until(&f, pair_c_synced, 60.0), "C did not change to S");
	expect(0, EV_WARNING, "NTP_SYNCHRONIZE_STATUS",
	       "NTP state changed from unsynchronized to synchronized. "
	       "(SynchronizationSourceAddress = 127.127.1.1 , VpnInstance = , Reason = )");
	expect(1, EV_WARNING, "PEER_SELE", "The peer selected by the system is 127.0.0.1.");
	cr_assert_eq(n_heard, 2);

	config_c(&f, true, false);
	cr_assert(pair_run_until(&f, c_on_local, 10.0));
	expect(2, EV_WARNING, "PEER_SELE", "The peer selected by the system is 127.127.1.1.");

	config_c(&f, false, false);
	cr_assert(pair_run_until(&f, c_unsynced, 10.0));
	cr_assert_eq(n_heard, 4, "%d events", n_heard);
	cr_assert_str_eq(heard[3].brief, "NTP_SYNCHRONIZE_STATUS");
	cr_assert_eq(heard[3].severity, EV_CRIT);
	cr_assert(!strncmp(heard[3].text, "NTP state changed from synchronized to unsynchronized. "
				  "(SynchronizationSourceAddress = 127.127.1.1 , VpnInstance = , "
				  "Reason = ", 121), "%s", heard[3].text);
	evlog_set_listener(NULL, NULL);
	pair_fini(&f);
}
