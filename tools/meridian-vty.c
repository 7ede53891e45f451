/*
 * meridian-vty: run CLI lines through a real telnet session with clid and
 * print what a terminal would have shown (prompt, command, output).
 *
 *   meridian-vty [--netns NAME] [--host ADDR] [--port N] --user U --password P
 *                [--timeout S] [--echo] [--strict] [FILE|-]
 *   meridian-vty --help | --version
 *
 * Each input line is sent once the previous one has been answered by a
 * prompt.  --echo also prints the login dialogue (banner, Username:,
 * Password:); without it the transcript starts at the first prompt.
 * Exit status: 0; 1 an "Error:" line with --strict; 2 usage; 3 connection
 * failed; 4 login failed; 5 a deadline passed or the server closed the
 * session while lines were left.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"
#include "vtyclient.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: meridian-vty [--netns NAME] [--host ADDR] [--port N] --user U "
		   "--password P [--timeout S] [--echo] [--strict] [FILE|-]\n"
		   "       meridian-vty --help | --version\n");
}

static bool has_error_line(const char *out)
{
	for (const char *p = out; p && *p;) {
		if (strncmp(p, "Error:", 6) == 0)
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 't' },
		{ "echo", no_argument, NULL, 'e' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *netns = NULL, *host = "127.0.0.1", *user = NULL, *password = NULL;
	int port = 23;
	double timeout_s = 30;
	bool echo = false, strict = false;
	int c;

	while ((c = getopt_long(argc, argv, "n:H:p:u:P:t:eshV", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'n': netns = optarg; break;
		case 'H': host = optarg; break;
		case 'p':
			port = (int)strtol(optarg, &end, 10);
			if (*end || port < 1 || port > 65535) {
				fprintf(stderr, "meridian-vty: bad port '%s'\n", optarg);
				return 2;
			}
			break;
		case 'u': user = optarg; break;
		case 'P': password = optarg; break;
		case 't':
			timeout_s = strtod(optarg, &end);
			if (*end || timeout_s <= 0 || timeout_s > 86400) {
				fprintf(stderr, "meridian-vty: bad timeout '%s'\n", optarg);
				return 2;
			}
			break;
		case 'e': echo = true; break;
		case 's': strict = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': version_print(stdout, "meridian-vty"); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!user || !password || argc - optind > 1) {
		usage(stderr);
		return 2;
	}
	FILE *in = stdin;
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		in = fopen(argv[optind], "r");
		if (!in) {
			fprintf(stderr, "meridian-vty: %s: %s\n", argv[optind], strerror(errno));
			return 2;
		}
	}
	int tmo = (int)(timeout_s * 1000);

	char err[256];
	struct vty *v = vty_connect(netns, host, port, tmo, err, sizeof(err));
	if (!v) {
		fprintf(stderr, "meridian-vty: %s%s%s\n", netns ? netns : "", netns ? ": " : "", err);
		if (in != stdin)
			fclose(in);
		return 3;
	}
	int r = vty_login(v, user, password, tmo);
	if (r < 0) {
		if (echo)
			fputs(vty_transcript(v), stdout);
		fprintf(stderr, "meridian-vty: login failed: %s\n",
			r == -EACCES ? "wrong user name or password"
			: r == -ECONNRESET ? "the server closed the connection"
			: r == -ETIMEDOUT ? "no prompt before the deadline" : strerror(-r));
		if (!echo && r != -EACCES) {
			/* The server's last words, e.g. why it closed. */
			const char *t = vty_transcript(v);
			const char *end = t + strlen(t);
			while (end > t && (end[-1] == '\n' || end[-1] == ' '))
				end--;
			const char *start = end;
			while (start > t && start[-1] != '\n')
				start--;
			if (end > start)
				fprintf(stderr, "meridian-vty: last received: %.*s\n",
					(int)(end - start), start);
		}
		vty_close(v);
		if (in != stdin)
			fclose(in);
		return r == -ETIMEDOUT ? 5 : 4;
	}
	if (echo) {
		/* The whole dialogue up to (not including) the prompt line. */
		const char *t = vty_transcript(v);
		const char *last = strrchr(t, '\n');
		if (last)
			fwrite(t, 1, (size_t)(last - t + 1), stdout);
	}

	int rc = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, in)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		char *out = NULL;
		r = vty_cmd(v, line, &out, tmo);
		if (r == -EINVAL) {
			fprintf(stderr, "meridian-vty: a line must not contain '?' or TAB: %s\n", line);
			rc = 2;
			break;
		}
		printf("%s\n%s", vty_echo(v), out ? out : "");
		fflush(stdout);
		if (strict && has_error_line(out))
			rc = 1;
		free(out);
		if (r < 0) {
			bool more = (n = getline(&line, &cap, in)) >= 0;
			if (r == -ETIMEDOUT || more) {
				fprintf(stderr, "meridian-vty: %s\n",
					r == -ETIMEDOUT ? "no prompt before the deadline"
							: "connection closed by the server");
				rc = 5;
			}
			break;
		}
	}
	if (!vty_closed(v))
		printf("%s\n", vty_prompt(v));
	free(line);
	vty_close(v);
	if (in != stdin)
		fclose(in);
	return rc;
}
