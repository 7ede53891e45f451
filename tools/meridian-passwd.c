/*
 * meridian-passwd: print a crypt(3) hash of a password with a fresh salt,
 * for the `cli.users` entries of the bootstrap file.
 *
 *   meridian-passwd [PASSWORD]      (without an argument: the first line of stdin)
 *   meridian-passwd --help | --version
 *
 * The hash method is libxcrypt's preferred one (yescrypt, "$y$...").
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: meridian-passwd [PASSWORD]\n"
		   "       meridian-passwd --help | --version\n"
		   "Prints a crypt(3) hash of PASSWORD (else of stdin's first line) for the\n"
		   "bootstrap file's cli.users.\n");
}

int main(int argc, char **argv)
{
	char buf[1024];
	const char *pw;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		version_print(stdout, "meridian-passwd");
		return 0;
	}
	if (argc > 2) {
		usage(stderr);
		return 2;
	}
	if (argc == 2) {
		pw = argv[1];
	} else {
		if (!fgets(buf, sizeof(buf), stdin)) {
			fprintf(stderr, "meridian-passwd: no password on stdin\n");
			return 2;
		}
		buf[strcspn(buf, "\r\n")] = '\0';
		pw = buf;
	}
	char *salt = crypt_gensalt_ra(NULL, 0, NULL, 0);
	if (!salt) {
		perror("meridian-passwd: crypt_gensalt");
		return 1;
	}
	struct crypt_data cd;
	memset(&cd, 0, sizeof(cd));
	const char *hash = crypt_r(pw, salt, &cd);
	free(salt);
	if (!hash || hash[0] == '*') {
		fprintf(stderr, "meridian-passwd: crypt failed\n");
		return 1;
	}
	printf("%s\n", hash);
	return 0;
}
