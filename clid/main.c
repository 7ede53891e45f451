/*
 * main.c: meridian-clid, the VTY (telnet) command-line daemon.
 *
 * The command engine's backend (to reach cfgd and ntpd) and the telnet
 * server on cli.address:cli.port (plus the IPv6 wildcard when listening on
 * 0.0.0.0), and the SSH server on cli.ssh_port when set (ssh.h), on the
 * common daemon skeleton (daemon.h): READY=1 once listening.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "backend.h"
#include "cli.h"
#include "daemon.h"
#include "log.h"
#include "secret.h"
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

static int clid_start(struct daemon *d, char *err, size_t errlen)
{
	struct clid *c;
	const char *addr;
	int port, r;

	/* The device key that seals the configuration's secrets (common/secret.c),
	 * created at the device's first start by whichever daemon comes first. */
	if (secret_start(d->bs.state_dir, err, errlen) < 0)
		return -EIO;
	c = xcalloc(1, sizeof(*c));
	c->be = cli_backend_new(d->zctx, d->loop, &d->bs);
	if (!c->be) {
		r = errno ? errno : EIO;
		snprintf(err, errlen, "CLI backend: %s", strerror(r));
		free(c);
		return -r;
	}
	c->srv = vty_server_new(d->loop, &d->bs, c->be);
	addr = d->bs.cli.address && d->bs.cli.address[0] ? d->bs.cli.address : "0.0.0.0";
	port = d->bs.cli.port > 0 ? d->bs.cli.port : 23;
	/* SSH first (its host keys may take a moment to create): once telnet
	 * listens, both do. */
	c->bs = &d->bs;
	c->addr = addr;
	c->ssh = ssh_server_new(d->loop, &d->bs, c->be, c->srv);
	if (d->bs.cli.ssh_port > 0) {
		r = ssh_server_listen(c->ssh, addr, d->bs.cli.ssh_port, err, errlen);
		if (r < 0) {
			ssh_server_free(c->ssh);
			vty_server_free(c->srv);
			cli_backend_free(c->be);
			free(c);
			return r;
		}
		log_info("listening for SSH on %s port %d", addr, ssh_server_port(c->ssh));
	}
	c->be->ssh = c->ssh;      /* display ssh server */
	access_on_change(cli_backend_access(c->be), clid_follow, c);
	r = vty_server_listen(c->srv, addr, port);
	if (r < 0) {
		snprintf(err, errlen, "cannot listen on %s port %d: %s", addr, port, strerror(-r));
		ssh_server_free(c->ssh);
		vty_server_free(c->srv);
		cli_backend_free(c->be);
		free(c);
		return r;
	}
	if (strcmp(addr, "0.0.0.0") == 0) {
		r = vty_server_listen(c->srv, "::", port);
		if (r < 0)
			log_debug("no IPv6 listener on port %d: %s", port, strerror(-r));
	}
	log_info("listening for telnet on %s port %d", addr, vty_server_port(c->srv));
	d->state = c;
	return 0;
}

static void clid_stop(struct daemon *d)
{
	struct clid *c = d->state;

	ssh_server_free(c->ssh);
	vty_server_free(c->srv);
	cli_backend_free(c->be);
	free(c);
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = { "clid", clid_start, clid_stop };

	return daemon_main(argc, argv, &ops);
}
