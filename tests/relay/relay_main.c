/*
 * relay_main.c: meridian-udp-relay, the impairing relay as a tool.
 *
 *   meridian-udp-relay -l ADDR:PORT -f ADDR:PORT [-d DELAY_MS] [-j JITTER_MS]
 *                      [-p LOSS] [-a ASYM_MS] [-s SEED]
 *
 * Both directions get DELAY_MS, JITTER_MS (gaussian standard deviation)
 * and LOSS (0..1); ASYM_MS makes the path asymmetric: client->server gets
 * DELAY + ASYM/2, server->client DELAY - ASYM/2 (a client synchronizing
 * through it ends ASYM/2 ms ahead).  Runs until SIGINT/SIGTERM, then
 * prints the statistics of each direction.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "relay.h"

static int parse_endpoint(const char *s, uint32_t *addr, uint16_t *port)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	struct in_addr a;
	char *end;
	long p;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	p = strtol(colon + 1, &end, 10);
	if (*end || p < 0 || p > 65535 || inet_pton(AF_INET, host, &a) != 1)
		return -EINVAL;
	*addr = a.s_addr;
	*port = (uint16_t)p;
	return 0;
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	loop_stop(loop);
}

static void usage(void)
{
	fprintf(stderr, "usage: meridian-udp-relay -l ADDR:PORT -f ADDR:PORT [-d DELAY_MS] "
		"[-j JITTER_MS] [-p LOSS] [-a ASYM_MS] [-s SEED]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct relay_cfg cfg;
	double delay = 0, jitter = 0, loss = 0, asym = 0;
	bool have_l = false, have_f = false;
	struct loop *loop;
	struct relay *r;
	int opt;

	memset(&cfg, 0, sizeof(cfg));
	log_init("meridian-udp-relay", LOG_LVL_INFO);
	while ((opt = getopt(argc, argv, "l:f:d:j:p:a:s:h")) != -1) {
		switch (opt) {
		case 'l':
			if (parse_endpoint(optarg, &cfg.listen_addr, &cfg.listen_port) < 0)
				usage();
			have_l = true;
			break;
		case 'f':
			if (parse_endpoint(optarg, &cfg.fwd_addr, &cfg.fwd_port) < 0)
				usage();
			have_f = true;
			break;
		case 'd':
			delay = atof(optarg) / 1e3;
			break;
		case 'j':
			jitter = atof(optarg) / 1e3;
			break;
		case 'p':
			loss = atof(optarg);
			break;
		case 'a':
			asym = atof(optarg) / 1e3;
			break;
		case 's':
			cfg.seed = strtoull(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (!have_l || !have_f)
		usage();
	cfg.path[RELAY_UP] = (struct relay_path){ delay + asym / 2, jitter, loss };
	cfg.path[RELAY_DOWN] = (struct relay_path){ delay - asym / 2, jitter, loss };
	loop = loop_new();
	r = relay_new(loop, &cfg);
	if (!r) {
		fprintf(stderr, "meridian-udp-relay: %s\n", strerror(errno));
		loop_free(loop);
		return 1;
	}
	loop_on_signal(loop, SIGINT, on_signal, NULL);
	loop_on_signal(loop, SIGTERM, on_signal, NULL);
	printf("relaying port %u\n", relay_port(r));
	fflush(stdout);
	loop_run(loop);
	for (int d = 0; d < 2; d++) {
		const struct relay_dir_stats *st = relay_stats(r, (enum relay_dir_id)d);
		double mean = st->queued ? st->delay_sum / (double)st->queued : 0;

		printf("%s: rx %llu sent %llu lost %llu overflow %llu errors %llu, delay mean %.6f"
		       " min %.6f max %.6f s, worst lateness %.6f s\n", d ? "down" : "up",
		       (unsigned long long)st->rx, (unsigned long long)st->sent,
		       (unsigned long long)st->lost, (unsigned long long)st->overflow,
		       (unsigned long long)st->send_err, mean, st->delay_min, st->delay_max,
		       st->late_max);
	}
	relay_free(r);
	loop_free(loop);
	return 0;
}
