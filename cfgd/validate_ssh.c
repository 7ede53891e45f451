/*
 * validate_ssh.c: the remote access servers' settings (`ssh server port`,
 * clid/cmd_ssh.c): the port is VRP's, 22 or 1025..55535.  The enable
 * flags need no check.
 */
#include "validate.h"

void validate_ssh(const Config *cfg, struct validate_list *out)
{
	const Ssh *s = cfg->ssh;

	if (s && s->has_port && s->port != 22 && (s->port < 1025 || s->port > 55535))
		validate_add(out, "The SSH server port %u is out of range (22 or 1025 to 55535).",
			     s->port);
}
