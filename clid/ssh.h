/*
 * ssh.h: clid's SSH (STelnet) server, libssh's server API in the daemon's
 * loop.
 *
 * A client authenticates with a password, checked by access.c exactly as
 * a telnet login is (local users, else the bootstrap's users; service-type
 * ssh; the wrong-password block), or with a public key that `ssh user`
 * assigns it (access_authenticate_key), then asks for a pty and a shell: the
 * shell is a VTY session of vty.c's engine (views, prompts, `?`, TAB,
 * paging), bridged to the SSH channel through a socketpair
 * (vty_server_adopt); pty-req and window-change set its size like NAWS.
 * The host keys (ed25519 and RSA) are created under STATE_DIR at the first
 * start, mode 0600, and reused afterwards.
 */
#ifndef MERIDIAN_SSH_H
#define MERIDIAN_SSH_H

#include <stdbool.h>
#include <stddef.h>

struct bootstrap;
struct cli_backend;
struct loop;
struct sbuf;
struct ssh_server;
struct vty_server;

#define SSH_HOSTKEY_ED25519 "ssh_host_ed25519_key"
#define SSH_HOSTKEY_RSA "ssh_host_rsa_key"
#define SSH_RSA_BITS 3072
/* A client that has not authenticated after this long is disconnected. */
#define SSH_LOGIN_GRACE_US (60ULL * 1000000)
/* Password attempts per connection (as LOGIN_MAX_FAILURES for telnet). */
#define SSH_MAX_AUTH_FAILURES 3
/* Public keys a connection may offer (OpenSSH's client offers each key it
 * holds in turn, then signs with the one accepted). */
#define SSH_MAX_KEY_OFFERS 20
/* Connections at once (authenticated or not). */
#define SSH_MAX_CONNS 32
/* Connections not yet authenticated: in all before the limits below
 * apply, and from one address past that (ssh.c, conn_accept). */
#define SSH_PREAUTH_PER_SOURCE 3
#define SSH_MAX_PREAUTH 16
/* Connections accepted per wake-up of the listening socket. */
#define SSH_ACCEPT_BURST 32

/* The algorithms offered (names as OpenSSH and libssh spell them). */
#define SSH_KEX_ALGORITHMS "curve25519-sha256,curve25519-sha256@libssh.org," \
	"ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521," \
	"diffie-hellman-group16-sha512,diffie-hellman-group18-sha512," \
	"diffie-hellman-group14-sha256"
#define SSH_CIPHERS "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com," \
	"aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr"
#define SSH_MACS "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com," \
	"hmac-sha2-256,hmac-sha2-512"
#define SSH_HOSTKEY_ALGORITHMS "ssh-ed25519,rsa-sha2-512,rsa-sha2-256"
#define SSH_PUBKEY_ALGORITHMS "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384," \
	"ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256"

/* Make sure both host keys exist in dir (created 0600 when missing, through
 * a temporary file and rename); their paths go to ed25519/rsa (len bytes
 * each).  0, or -errno with a sentence in err. */
int ssh_hostkeys_ensure(const char *dir, char *ed25519, char *rsa, size_t len,
			char *err, size_t errlen);

/* A server, not listening yet, whose sessions are vty's (loop, bs, be and
 * vty outlive it; be may be NULL: the bootstrap users only). */
struct ssh_server *ssh_server_new(struct loop *loop, const struct bootstrap *bs,
				  struct cli_backend *be, struct vty_server *vty);
/* Disconnect every client and stop listening. */
void ssh_server_free(struct ssh_server *srv);
/* Listen on address (IPv4 or IPv6 literal; 0.0.0.0 brings the IPv6
 * wildcard too, as telnet) and port (0: ephemeral), after making the host
 * keys ready in bs->state_dir (the first time).  -EALREADY
 * while listening.  0 or -errno with a sentence in err. */
int ssh_server_listen(struct ssh_server *srv, const char *address, int port,
		      char *err, size_t errlen);
/* Stop listening (connected clients stay). */
void ssh_server_stop(struct ssh_server *srv);
/* Listen on port when on (moving if listening elsewhere), else stop: the
 * configuration's `stelnet server enable` and `ssh server port`.  A
 * failure is logged; 0 or -errno. */
int ssh_server_set(struct ssh_server *srv, bool on, const char *address, int port);
/* `display ssh server status`: VRP's fields ("STELNET IPv4 server" says
 * whether it listens) and our counters. */
void ssh_server_render_status(const struct ssh_server *srv, struct sbuf *out);
/* `display ssh server session`: a block per authenticated client
 * (nothing when there is none). */
void ssh_server_render_sessions(const struct ssh_server *srv, struct sbuf *out);
/* The bound port, or -1. */
int ssh_server_port(const struct ssh_server *srv);
/* SSH connections now. */
size_t ssh_server_conns(const struct ssh_server *srv);

#endif
