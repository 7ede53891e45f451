/*
 * reply.c: filling and sending a ctl reply (see reply.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bootstrap.h"
#include "bus.h"
#include "cfgd_int.h"
#include "log.h"
#include "reply.h"

void ctl_out_init(struct ctl_out *o)
{
	memset(o, 0, sizeof(*o));
	cfg_reply__init(&o->r);
	o->r.has_status = 1;
	o->r.status = 0;
}

int ctl_fail(struct ctl_out *o, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->error, sizeof(o->error), fmt, ap);
	va_end(ap);
	o->r.status = status;
	o->r.error = o->error;
	return status;
}

void ctl_state(struct cfgd *d, uint64_t session, struct ctl_out *o)
{
	static char *sys_path[] = { "system" };
	const struct ct_node *sys = ct_lookup(d->run, sys_path, 1, NULL);
	const System *run = sys ? (const System *)sys->own : NULL;
	struct session *s = session_find(&d->sessions, session);

	session_state__init(&o->st);
	o->st.has_session = 1;
	o->st.session = session;
	o->st.has_dirty = 1;
	o->st.dirty = s ? session_dirty(s) : 0;
	o->st.sysname = d->bs->sysname;
	if (run && run->sysname)
		o->st.sysname = run->sysname;
	o->r.state = &o->st;
}

void ctl_info(struct ctl_out *o, const char *info)
{
	if (info == NULL)
		return;
	snprintf(o->info_text, sizeof(o->info_text), "%s", info);
	o->info[0] = o->info_text;
	o->r.n_info = 1;
	o->r.info = o->info;
}

void ctl_own(struct ctl_out *o, void *p, void (*fn)(void *))
{
	if (p == NULL)
		return;
	if (o->n_own == CTL_OUT_OWN_MAX)
		fatal("ctl: a reply owns more than %d things", CTL_OUT_OWN_MAX);
	o->own[o->n_own] = p;
	o->own_free[o->n_own] = fn;
	o->n_own++;
}

void ctl_send(struct cfgd *d, const struct bus_peer *peer, struct ctl_out *o)
{
	int rc = bus_server_reply(d->ctl, peer, &o->r.base);

	if (rc < 0)
		log_debug("ctl: reply not sent: %s", strerror(-rc));
	for (size_t i = 0; i < o->n_own; i++)
		o->own_free[i](o->own[i]);
	o->n_own = 0;
}
