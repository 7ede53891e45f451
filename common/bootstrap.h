/*
 * bootstrap.h: the bootstrap file every daemon of a device reads at start.
 *
 * A libconfig file (default /etc/meridian/meridian.conf, `-f FILE`) shared by
 * the four daemons of one device.  It holds what must be known before the
 * configuration exists: where the sockets and files live, the logical
 * interfaces and the netdevs they map to, the CLI's port and users, and the
 * clock.  Unknown keys, wrong types and out-of-range values are errors naming
 * the file, the line and the key.  Keys (all optional):
 *
 *   device    = "DeviceC";              label used in logs
 *   run_dir   = "/run/meridian";        sockets and the running configuration
 *   state_dir = "/var/lib/meridian";    saved (startup) configuration
 *   log_level = "info";                 error | warning | info | debug
 *   sysname   = "HUAWEI";               factory sysname before any commit
 *   cli = { port = 23; address = "0.0.0.0"; max_vty = 5;      (1..64)
 *           ssh_port = 22;                   SSH (STelnet) port, 0: none (default)
 *           users = ( { name = "admin"; password = "$y$..."; } ); };  crypt(3) hashes
 *   interfaces = ( { name = "GigabitEthernet0/1/0"; netdev = "eth0"; } );
 *   clock = { type = "system";          system | virtual
 *             offset = 0.0;             virtual: initial error, s
 *             frequency = 0.0;          virtual: frequency error, ppm
 *             noise = 0.0;              virtual: read noise (std dev), s
 *             tick_hz = 64.0029; };     nominal clock frequency shown by displays
 *   ntp = { port = 123; };              UDP port ntpd binds and sends to by default
 */
#ifndef MERIDIAN_BOOTSTRAP_H
#define MERIDIAN_BOOTSTRAP_H

#include <stdbool.h>
#include <stddef.h>
#include "log.h"

#define BOOTSTRAP_DEFAULT_PATH "/etc/meridian/meridian.conf"

struct bs_user {
	char *name;
	char *password_hash;
};

struct bs_interface {
	char *name;     /* canonical logical name */
	char *netdev;   /* kernel netdev */
};

enum bs_clock_type { BS_CLOCK_SYSTEM = 0, BS_CLOCK_VIRTUAL };

/* The kernel object of a VPN instance (ifmgrd/vpn.c): a VRF device where
 * the kernel has VRF, else a network namespace (auto), or one forced. */
enum bs_vpn_backend { BS_VPN_AUTO = 0, BS_VPN_NETNS, BS_VPN_VRF };

/* `vpn.instances`: an instance mapped to a network namespace that exists
 * already (made by the operator, `ip netns add`); ifmgrd uses it and never
 * creates nor removes it. */
struct bs_vpn {
	char *name;     /* the VPN instance */
	char *netns;    /* /run/netns/NETNS */
};

struct bootstrap {
	char *path;
	char *device;
	char *run_dir;
	char *state_dir;
	enum log_level log_level;
	char *sysname;
	struct {
		int port;
		char *address;
		int max_vty;
		int ssh_port;   /* 0: no SSH listener */
		struct bs_user *users;
		size_t n_users;
	} cli;
	struct bs_interface *interfaces;
	size_t n_interfaces;
	/* interfaces sorted by name (case-insensitive), made by bootstrap_load
	 * for bootstrap_interface; NULL (a bootstrap built by hand): searched
	 * in order. */
	const struct bs_interface **by_name;
	struct {
		enum bs_clock_type type;
		double offset;
		double frequency_ppm;
		double noise;
		double tick_hz;
	} clock;
	struct {
		int port;
	} ntp;
	struct {
		enum bs_vpn_backend backend;
		char *netns_prefix;   /* namespaces ifmgrd makes: PREFIX + instance;
				       * NULL: "mrd" + a hash of run_dir + "-" */
		struct bs_vpn *instances;
		size_t n_instances;
	} vpn;
};

/* The network namespace of VPN instance `vpn` under the namespace backend
 * (the bootstrap's mapping, else the prefix's name) into buf; whether the
 * bootstrap maps it (then ifmgrd neither makes nor removes it). */
bool bootstrap_vpn_netns(const struct bootstrap *bs, const char *vpn, char *buf, size_t len);

/* Fill *bs with defaults, then read `path`.  0, or a negative errno with a
 * sentence in err ("FILE:LINE: key 'cli.port': must be 1..65535"); *bs is
 * left empty (safe to bootstrap_free) on failure. */
int bootstrap_load(const char *path, struct bootstrap *bs, char *err, size_t errlen);
/* Defaults only (no file). */
void bootstrap_defaults(struct bootstrap *bs);
void bootstrap_free(struct bootstrap *bs);

/* The interface entry with this logical name (case-insensitive), or NULL
 * (O(log n) for a loaded file). */
const struct bs_interface *bootstrap_interface(const struct bootstrap *bs, const char *name);

/* LoopBack interfaces exist without a mapping: "LoopBackN" (any case, N
 * 0..1023, no leading zeros) has its addresses on the kernel's loopback
 * netdev and is always up.  True for such a name. */
#define BS_LOOPBACK_NETDEV "lo"
#define BS_LOOPBACK_MAX 1023
bool bootstrap_is_loopback(const char *name);

/* ipc endpoint of a daemon's socket: kind is "ctl" or "pub".
 * "ipc://RUN_DIR/DAEMON.KIND" into buf.  0 or -ENAMETOOLONG. */
int bootstrap_endpoint(const struct bootstrap *bs, const char *daemon, const char *kind,
		       char *buf, size_t len);

/* Common daemon start: parse `-f FILE` and `-d` (debug) from argv, load the
 * file, init logging with `ident` and the device's name (log.h: stderr, or
 * the journal under systemd).  Exits 2 with a message on error (under
 * systemd also told as STATUS=, which `systemctl status` shows); `-h`,
 * `--help`, `-V` and `--version` print on stdout and exit 0. */
void bootstrap_from_args(int argc, char **argv, const char *ident, struct bootstrap *bs);

#endif
