/*
 * clid.c: the clid daemon's core (clid.h): the backend, the telnet server
 * and the SSH server, and the rule that starts and stops the servers as
 * the configuration changes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "backend.h"
#include "bootstrap.h"
#include "cli.h"
#include "clid.h"
#include "log.h"
#include "ssh.h"
#include "vty.h"

struct clid {
	struct cli_backend *be;
	struct vty_server *srv;
	struct ssh_server *ssh;
	const struct bootstrap *bs;
	const char *addr;
};

/* The configuration's servers: SSH while `stelnet server enable` says so
 * (absent: while the bootstrap's cli.ssh_port is set) on `ssh server port`
 * (absent: cli.ssh_port, else 22); telnet unless `undo telnet server
 * enable`. */
static void clid_follow(void *arg)
{
	struct clid *c = arg;
	const Config *cfg = access_config(cli_backend_access(c->be));
	const Ssh *s = cfg->ssh;
	bool on = s && s->has_server_enable ? s->server_enable : c->bs->cli.ssh_port > 0;
	int port = s && s->has_port ? (int)s->port
		   : c->bs->cli.ssh_port > 0 ? c->bs->cli.ssh_port : 22;

	vty_server_set_telnet(c->srv, !(cfg->telnet && cfg->telnet->has_server_enable &&
				       !cfg->telnet->server_enable));
	ssh_server_set(c->ssh, on, c->addr, port);
}

struct clid *clid_new(struct loop *loop, void *zctx, const struct bootstrap *bs,
		      char *err, size_t errlen)
{
	struct clid *c = xcalloc(1, sizeof(*c));
	int port, r;

	c->bs = bs;
	c->addr = bs->cli.address && bs->cli.address[0] ? bs->cli.address : "0.0.0.0";
	port = bs->cli.port > 0 ? bs->cli.port : 23;
	c->be = cli_backend_new(zctx, loop, bs, err, errlen);
	if (!c->be) {
		r = errno;
		free(c);
		errno = r;
		return NULL;
	}
	c->srv = vty_server_new(loop, bs, c->be);
	/* SSH first (its host keys may take a moment to create): once telnet
	 * listens, both do. */
	c->ssh = ssh_server_new(loop, bs, c->be, c->srv);
	if (bs->cli.ssh_port > 0) {
		r = ssh_server_listen(c->ssh, c->addr, bs->cli.ssh_port, err, errlen);
		if (r < 0)
			goto fail;
		log_info("listening for SSH on %s port %d", c->addr, ssh_server_port(c->ssh));
	}
	c->be->ssh = c->ssh;      /* display ssh server */
	access_on_change(cli_backend_access(c->be), clid_follow, c);
	r = vty_server_listen(c->srv, c->addr, port);
	if (r < 0) {
		snprintf(err, errlen, "cannot listen on %s port %d: %s", c->addr, port,
			 strerror(-r));
		goto fail;
	}
	if (strcmp(c->addr, "0.0.0.0") == 0) {
		r = vty_server_listen(c->srv, "::", port);
		if (r < 0)
			log_debug("no IPv6 listener on port %d: %s", port, strerror(-r));
	}
	log_info("listening for telnet on %s port %d", c->addr, vty_server_port(c->srv));
	return c;
fail:
	clid_free(c);
	errno = -r;
	return NULL;
}

void clid_free(struct clid *c)
{
	if (!c)
		return;
	ssh_server_free(c->ssh);
	vty_server_free(c->srv);
	cli_backend_free(c->be);
	free(c);
}
