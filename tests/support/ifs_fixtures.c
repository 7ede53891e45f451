/*
 * ifs_fixtures.c: the ifmgrd test inputs of ifs_fixtures.h, written once.
 */
#include "ifs_fixtures.h"
#include "log.h"

struct ifs_observed ifs_test_present(unsigned flags)
{
	struct ifs_observed o;

	ifs_obs_init(&o);
	o.present = true;
	o.ifindex = 7;
	o.flags = flags;
	return o;
}

Config *ifs_test_config_v6(const char *name, bool enable, const char *const *addrs,
			   const unsigned *plens, size_t n)
{
	Config *c = xmalloc(sizeof(*c));
	Interface *itf = xmalloc(sizeof(*itf));

	config__init(c);
	interface__init(itf);
	itf->name = xstrdup(name);
	itf->has_shutdown = true;
	itf->shutdown = false;
	itf->has_ipv6_enable = true;
	itf->ipv6_enable = enable;
	itf->ipv6_address = xcalloc(n ? n : 1, sizeof(*itf->ipv6_address));
	for (size_t i = 0; i < n; i++) {
		Ipv6Address *e = xmalloc(sizeof(*e));

		ipv6_address__init(e);
		e->address = xstrdup(addrs[i]);
		e->prefix_len = plens ? plens[i] : 64;
		itf->ipv6_address[itf->n_ipv6_address++] = e;
	}
	c->interface = xmalloc(sizeof(*c->interface));
	c->interface[c->n_interface++] = itf;
	return c;
}
