/*
 * clid.h: the clid daemon's core, what meridian-clid runs on the common
 * skeleton (daemon.h): the command engine's backend (cli.h: the way to
 * cfgd, ntpd and ifmgrd), the telnet server (vty.h) and the SSH server
 * (ssh.h), started and stopped as the configuration's `telnet server
 * enable`, `stelnet server enable` and `ssh server port` say.
 */
#ifndef MERIDIAN_CLID_H
#define MERIDIAN_CLID_H

#include <stddef.h>

struct loop;
struct bootstrap;
struct clid;

/* Listen for telnet on cli.address:cli.port (plus the IPv6 wildcard when
 * that is 0.0.0.0), and for SSH on cli.ssh_port when it is set.  bs must
 * outlive the core.  NULL with errno set and a sentence in err, as every
 * daemon core's constructor (daemon.h). */
struct clid *clid_new(struct loop *loop, void *zctx, const struct bootstrap *bs,
		      char *err, size_t errlen);
/* Close every session and the listening sockets. */
void clid_free(struct clid *c);

#endif
