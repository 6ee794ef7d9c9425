/* cmd_config.c - tlsrptd check-config: load the configuration as run would */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "config.h"

#define DEFAULT_CONF	"/etc/tlsrptd/tlsrptd.conf"

static const struct option check_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "dump", no_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* cmd_check_config - tlsrptd check-config [-c FILE] [--dump] */
static int
cmd_check_config(int argc, char **argv)
{
	struct tr_config c;
	struct tr_error err;
	const char *path = DEFAULT_CONF;
	int ch, dump = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:dh", check_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			dump = 1;
			break;
		case 'h':
			return tr_cmd_help(&tr_cmd_check_config);
		default:
			return tr_cmd_usage(&tr_cmd_check_config);
		}
	}
	if (optind != argc)
		return tr_cmd_usage(&tr_cmd_check_config);

	if (tr_config_load(path, &c, &err) != TR_OK) {
		fprintf(stderr, "tlsrptd check-config: %s\n", err.msg);
		return TR_EXIT_CONFIG;
	}
	/* the dump shows what was read even when run would refuse it */
	if (dump)
		tr_config_dump(&c, stdout);
	if (tr_config_check_run(&c, &err) != TR_OK) {
		fprintf(stderr, "tlsrptd check-config: %s\n", err.msg);
		tr_config_free(&c);
		return TR_EXIT_CONFIG;
	}
	/* with --dump, standard output stays a loadable configuration file */
	if (!dump)
		printf("%s: OK\n", path);
	tr_config_free(&c);
	if (fflush(stdout) == EOF) {
		perror("tlsrptd check-config: standard output");
		return TR_EXIT_IOERR;
	}
	return TR_EXIT_OK;
}

const struct tr_cmd tr_cmd_check_config = {
	.name = "check-config",
	.usage = "[-c FILE] [--dump]",
	.help =
	    "Check the configuration file as the daemon would read it: every\n"
	    "key known, every value in range, at least one rua address and a\n"
	    "listener. Relative paths are resolved against the directory of\n"
	    "the file. Prints \"FILE: OK\", or the first error as FILE:LINE:\n"
	    "and what is wrong. See tlsrptd.conf(5).\n"
	    "\n"
	    "  -c, --config FILE  the file (default " DEFAULT_CONF ")\n"
	    "  --dump             print the effective configuration, every key\n"
	    "                     with its value or default, in the file's\n"
	    "                     syntax, instead of the OK line\n"
	    "\n"
	    "Exit status: 0 the configuration is usable; 64 usage error;\n"
	    "78 it is not (the reason is on standard error).\n",
	.exec = cmd_check_config,
};
