/*
 * test_core_new.c: every daemon core's constructor reports a failed start
 * the one way daemon.h asks for: NULL, errno set, one sentence in err, no
 * ERROR line of its own (the skeleton says it once), and nothing left
 * allocated (AddressSanitizer's leak check at exit).
 *
 * One file, built once per daemon (tests/unit/common/meson.build defines
 * CORE_CFGD, CORE_CLID, CORE_IFMGRD or CORE_NTPD): the daemons' libraries
 * cannot share an executable (each has its own access_free).  Each core
 * is started with a RUN_DIR that is a regular file, so no socket can be
 * bound there, and clid with its telnet port already taken (its sockets to
 * the other daemons connect later, so binding is not what stops it).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "testutil.h"

#if defined(CORE_CFGD)
#include "cfgd.h"
#define CORE_NAME "cfgd"
#define CORE_NEW cfgd_new
#define CORE_FREE cfgd_free
#elif defined(CORE_CLID)
#include "clid.h"
#define CORE_NAME "clid"
#define CORE_NEW clid_new
#define CORE_FREE clid_free
#elif defined(CORE_IFMGRD)
#include "ifmgrd.h"
#define CORE_NAME "ifmgrd"
#define CORE_NEW ifmgrd_new
#define CORE_FREE ifmgrd_free
#elif defined(CORE_NTPD)
#include "ntpd.h"
#define CORE_NAME "ntpd"
#define CORE_NEW ntpd_new
#define CORE_FREE ntpd_free
#else
#error "define CORE_CFGD, CORE_CLID, CORE_IFMGRD or CORE_NTPD"
#endif

/* A TCP socket listening on 127.0.0.1 at an ephemeral port; its port. */
static int busy_port(int *fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(*fd, 0);
	cr_assert_eq(bind(*fd, (struct sockaddr *)&a, sizeof(a)), 0, "%s", strerror(errno));
	cr_assert_eq(listen(*fd, 1), 0);
	cr_assert_eq(getsockname(*fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

/* Defaults, with these directories and clid on 127.0.0.1:port; ntpd on a
 * virtual clock. */
static void core_bootstrap(struct bootstrap *bs, const char *run_dir, const char *state_dir,
			   int port)
{
	bootstrap_defaults(bs);
	free(bs->run_dir);
	free(bs->state_dir);
	free(bs->cli.address);
	bs->run_dir = xstrdup(run_dir);
	bs->state_dir = xstrdup(state_dir);
	bs->cli.address = xstrdup("127.0.0.1");
	bs->cli.port = port;
	bs->clock.type = BS_CLOCK_VIRTUAL;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = calloc(1, 65536);
	size_t n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(core_new, fails_with_errno_and_one_sentence, .timeout = 30)
{
	char *dir = tmpdir_new();
	char path[512], log_path[512], err[1024], *out;
	struct bootstrap bs;
	struct loop *loop = loop_new();
	void *zctx = zmq_ctx_new();
	void *core;
	int fd, saved, e;

	snprintf(path, sizeof(path), "%s/not-a-directory", dir);
	write_file(path, "a file where RUN_DIR should be\n");
	core_bootstrap(&bs, path, dir, busy_port(&fd));

	/* stderr into a file while the constructor runs. */
	snprintf(log_path, sizeof(log_path), "%s/stderr", dir);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	cr_assert(freopen(log_path, "w", stderr));
	memset(err, 0, sizeof(err));
	errno = 0;
	core = CORE_NEW(loop, zctx, &bs, err, sizeof(err));
	e = errno;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);

	cr_assert_null(core, CORE_NAME "_new succeeded with RUN_DIR a regular file");
	cr_assert_neq(e, 0, CORE_NAME "_new left errno 0");
	cr_assert(err[0], CORE_NAME "_new said nothing in err");
	cr_assert_null(strchr(err, '\n'), "more than one line: %s", err);
	fprintf(stderr, "%s_new: %s (%s)\n", CORE_NAME, err, strerror(e));
	out = slurp(log_path);
	cr_assert_null(strstr(out, "ERROR"), CORE_NAME "_new logged its failure itself:\n%s", out);
	free(out);

	close(fd);
	bootstrap_free(&bs);
	zmq_ctx_term(zctx);
	loop_free(loop);
	tmpdir_free(dir);
}

/* The same constructor's success, so the failure above is the run_dir's:
 * a real RUN_DIR and a free port. */
Test(core_new, succeeds_with_a_usable_run_dir, .timeout = 30)
{
	char *dir = tmpdir_new();
	char err[1024];
	struct bootstrap bs;
	struct loop *loop = loop_new();
	void *zctx = zmq_ctx_new();
	void *core;
	int fd;

	core_bootstrap(&bs, dir, dir, busy_port(&fd));   /* a port free a moment ago */
	close(fd);
	err[0] = '\0';
	core = CORE_NEW(loop, zctx, &bs, err, sizeof(err));
	cr_assert_not_null(core, CORE_NAME "_new: %s", err);
	CORE_FREE(core);
	bootstrap_free(&bs);
	zmq_ctx_term(zctx);
	loop_free(loop);
	tmpdir_free(dir);
}
