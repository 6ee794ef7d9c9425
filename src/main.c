/* main.c - command dispatch */
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("tlsrptd %s\n", TLSRPTD_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: tlsrptd command [args]\n");
	return 64;
}
