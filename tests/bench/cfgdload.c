/*
 * cfgdload.c: cfgd's start, in process and phase by phase (issue 10), for
 * finding where a restart's time goes without the noise of exec and of
 * other processes.
 *
 *   cfgdload --conf FILE [--rounds N]
 *
 * FILE is a bootstrap file whose RUN_DIR holds a checkpoint and a journal
 * (tests/bench/cfgd-restart --keep leaves one, with 100,000 rules).  Each
 * of N (9) rounds times, in wall and CPU time of this thread:
 *   persist_load  the checkpoint read into the tree and the journal read
 *                 (then freed again);
 *   cfgd_new      the whole start cfgd's main does before its loop
 *                 (persist_load, the candidates' log, the sockets);
 *   first turn    the loop's first iteration after it (the timers due at
 *                 once run there);
 *   materialize   running as one Config (cfgd_running_config), what the
 *                 first Clone snapshot after a start (a subscriber's) and
 *                 the check of running need;
 *   pack          that Config packed, the rest of a first snapshot;
 * and prints the median [min-max] of each.  Nothing is written to RUN_DIR
 * but what a start writes (the session epoch, the candidates' log).
 *
 * Build: cc -I cfgd -I common -I BUILD/proto cfgdload.c BUILD/cfgd/libcfgd.a
 * BUILD/common/libcommon.a BUILD/proto/libmproto.a -lzmq -lprotobuf-c
 * -lconfig -lsystemd -lz -lm (tests/bench/cfgd-restart does, with --load).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "bootstrap.h"
#include "cfgd.h"
#include "cfgd_int.h"
#include "log.h"
#include "loop.h"

#define PHASES 5

static const char *const phase_name[PHASES] = { "persist_load", "cfgd_new", "first turn",
						 "materialize", "pack" };

static double clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void stop_now(struct loop *loop, void *arg)
{
	(void)arg;
	loop_stop(loop);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conf", required_argument, NULL, 'f' },
		{ "rounds", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = NULL;
	unsigned rounds = 9;
	struct bootstrap bs;
	char err[1024];
	double *wall[PHASES], *cpu[PHASES];
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': conf = optarg; break;
		case 'n': rounds = (unsigned)strtoul(optarg, NULL, 10); break;
		default: conf = NULL; rounds = 0; break;
		}
	}
	if (conf == NULL || rounds == 0) {
		fprintf(stderr, "usage: cfgdload --conf FILE [--rounds N]\n");
		return 2;
	}
	if (bootstrap_load(conf, &bs, err, sizeof(err)) < 0) {
		fprintf(stderr, "cfgdload: %s\n", err);
		return 1;
	}
	log_init("cfgdload", LOG_LVL_WARN);
	for (int p = 0; p < PHASES; p++) {
		wall[p] = calloc(rounds, sizeof(double));
		cpu[p] = calloc(rounds, sizeof(double));
	}
	for (unsigned r = 0; r < rounds; r++) {
		struct cfgd *d = calloc(1, sizeof(*d));
		struct loop *loop = loop_new();
		void *zctx = zmq_ctx_new();
		double w0, c0;

		d->bs = &bs;
		d->loop = loop;
		w0 = clock_ms(CLOCK_MONOTONIC);
		c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
		if (persist_load(d, err, sizeof(err)) < 0) {
			fprintf(stderr, "cfgdload: %s\n", err);
			return 1;
		}
		wall[0][r] = clock_ms(CLOCK_MONOTONIC) - w0;
		cpu[0][r] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		persist_fini(d);
		ct_free(d->run);
		free(d);

		w0 = clock_ms(CLOCK_MONOTONIC);
		c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
		d = cfgd_new(loop, zctx, &bs, err, sizeof(err));
		if (d == NULL) {
			fprintf(stderr, "cfgdload: %s\n", err);
			return 1;
		}
		wall[1][r] = clock_ms(CLOCK_MONOTONIC) - w0;
		cpu[1][r] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		w0 = clock_ms(CLOCK_MONOTONIC);
		c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
		loop_timer_add(loop, 0, stop_now, NULL);
		loop_run(loop);
		wall[2][r] = clock_ms(CLOCK_MONOTONIC) - w0;
		cpu[2][r] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		{
			const Config *cfg;
			uint8_t *buf;

			w0 = clock_ms(CLOCK_MONOTONIC);
			c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
			cfg = cfgd_running_config(d);
			wall[3][r] = clock_ms(CLOCK_MONOTONIC) - w0;
			cpu[3][r] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
			w0 = clock_ms(CLOCK_MONOTONIC);
			c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
			buf = malloc(protobuf_c_message_get_packed_size(&cfg->base));
			protobuf_c_message_pack(&cfg->base, buf);
			wall[4][r] = clock_ms(CLOCK_MONOTONIC) - w0;
			cpu[4][r] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
			free(buf);
		}
		cfgd_free(d);
		zmq_ctx_term(zctx);
		loop_free(loop);
	}
	printf("%-14s %-28s %s\n", "phase", "wall ms", "CPU ms (this thread)");
	for (int p = 0; p < PHASES; p++) {
		char w[64], cp[64];

		qsort(wall[p], rounds, sizeof(double), cmp_double);
		qsort(cpu[p], rounds, sizeof(double), cmp_double);
		snprintf(w, sizeof(w), "%.1f [%.1f-%.1f]", wall[p][(rounds - 1) / 2], wall[p][0],
			 wall[p][rounds - 1]);
		snprintf(cp, sizeof(cp), "%.1f [%.1f-%.1f]", cpu[p][(rounds - 1) / 2], cpu[p][0],
			 cpu[p][rounds - 1]);
		printf("%-14s %-28s %s\n", phase_name[p], w, cp);
		free(wall[p]);
		free(cpu[p]);
	}
	bootstrap_free(&bs);
	return 0;
}
