/*
 * main.c: meridian-clid, the VTY (telnet) command-line daemon.
 *
 * The command engine's backend (to reach cfgd and ntpd) and the telnet
 * server on cli.address:cli.port (plus the IPv6 wildcard when listening on
 * 0.0.0.0), and the SSH server on cli.ssh_port when set (ssh.h), on the
 * common daemon skeleton (daemon.h): READY=1 once listening.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

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
	if (d->bs.cli.ssh_port > 0) {
		c->ssh = ssh_server_new(d->loop, &d->bs, c->be, c->srv, err, errlen);
		r = c->ssh ? ssh_server_listen(c->ssh, addr, d->bs.cli.ssh_port, err, errlen)
			   : -EIO;
		if (r < 0) {
			ssh_server_free(c->ssh);
			vty_server_free(c->srv);
			cli_backend_free(c->be);
			free(c);
			return r;
		}
		log_info("listening for SSH on %s port %d", addr, ssh_server_port(c->ssh));
	}
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
