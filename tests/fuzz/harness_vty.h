/*
 * harness_vty.h: the fuzz harness of clid's telnet front end (clid/vty.c
 * with libtelnet, the line editor and the login dialogue), shared by the
 * libFuzzer target (fuzz_vty.c, built with clang by tests/fuzz/run-smoke
 * --target vty) and the corpus replay (test_fuzz_vty.c, Criterion with
 * gcc+ASan).
 *
 * It uses nothing of vty.h but its public server API: vty_server_new,
 * vty_server_set_idle_timeout, vty_server_listen, vty_server_port,
 * vty_server_sessions and vty_server_free.  The server listens on
 * 127.0.0.1 (ephemeral port) in the harness's loop, over the real command
 * engine on the fake cfgd and ntpd of fake_backend.h; the bootstrap has one
 * user, FUZZ_VTY_USER with password FUZZ_VTY_PASSWORD (an MD5-crypt hash,
 * cheap to check), max_vty 5, no idle timeout.
 *
 * What it feeds: one input is a mode byte and then the bytes a telnet
 * client sends on one connection.  Mode bit 0 clear: the harness logs in
 * first (the user and password lines, after the server's greeting) and the
 * bytes follow at the prompt; set: the bytes go from the start (the login
 * dialogue is fuzzed too).  Bytes are written as the socket takes them
 * while the loop runs (option negotiation, NAWS, IAC commands, line
 * editing and control keys, '?', TAB, command lines all come from them);
 * then the client closes its side and the server's loop runs until
 * nothing moves.
 *
 * What it checks:
 *   - the server never crashes, and reaches quiet (nothing to read on either
 *     side, three loop turns in a row) within FUZZ_VTY_MAX_TURNS turns: no
 *     livelock;
 *   - what the server sends is well-formed telnet: every IAC is followed
 *     by IAC (a doubled 0xff data byte), WILL/WONT/DO/DONT and an option,
 *     SB ... IAC SE, or one of the commands 240..249; the stream never
 *     stops in the middle of a command;
 *   - after the client's close the connection is gone:
 *     vty_server_sessions() is 0 (no VTY line leaked);
 *   - with the harness's login, the prompt <HUAWEI> was shown.
 * Memory stays bounded by the server's own limit (VTY_MAX_OUTQ, the
 * harness reads everything); ASan and libFuzzer's leak check and
 * -rss_limit_mb cover the rest.
 */
#ifndef MERIDIAN_FUZZ_HARNESS_VTY_H
#define MERIDIAN_FUZZ_HARNESS_VTY_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_VTY_USER "admin"
#define FUZZ_VTY_PASSWORD "Fuzz-Passw0rd"
#define FUZZ_VTY_MAX_TURNS 200000

struct fuzz_vty_stats {
	uint64_t inputs, bytes_in, bytes_out;
	uint64_t logged_in;       /* inputs where the prompt came */
	uint64_t closed_by_server;
	uint64_t iac_commands;    /* telnet commands the server sent */
};
extern struct fuzz_vty_stats fuzz_vty_stats;

/* Run one input.  0, or -1 with a sentence in why (a broken invariant). */
int fuzz_vty_one(const uint8_t *data, size_t size, char *why, size_t whylen);

/*
 * The login path (fuzz_login.c, run-smoke --target login; replayed by
 * test_fuzz_login.c), on the same server.  One input is a mode byte and
 * then:
 *  - mode bit 7 clear: a telnet login.  The bytes up to the first '\n' go
 *    before anything else (option negotiation, IAC commands, NAWS: what a
 *    client sends before the Username: prompt is answered), then each
 *    further '\n'-separated field is typed as a line (CR LF added): user
 *    name, password, user name, ... (at most FUZZ_LOGIN_FIELDS fields),
 *    each after the server has gone quiet.  Checked, besides the telnet
 *    invariants above: a session (in the engine's list of sessions) only
 *    when the input holds the right user name and password (as
 *    subsequences: the line editor may delete, never invent), and no VTY
 *    line held after the client closes.
 *  - mode bit 7 set: the text of an SSH client's public key as the peer
 *    public-key views take it (common/pubkey.h; bit 0: ECC, else RSA; bit
 *    1: OpenSSH encoding, else hex).  Checked: a key that parses keeps the
 *    same wire form through its stored (normalised) form, and a wire form
 *    never exceeds PUBKEY_BLOB_MAX.
 */
#define FUZZ_LOGIN_FIELDS 8
struct fuzz_login_stats {
	uint64_t inputs, sessions, refused, keys, keys_ok;
};
extern struct fuzz_login_stats fuzz_login_stats;
int fuzz_login_one(const uint8_t *data, size_t size, char *why, size_t whylen);
/* Free the server, backend and loop kept between inputs. */
void fuzz_vty_cleanup(void);

#endif
