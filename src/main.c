/* main.c - tlsrptd: dispatch to the subcommands */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct tr_cmd *const cmds[] = {
	&tr_cmd_ingest,
	&tr_cmd_run,
	&tr_cmd_check_config,
	&tr_cmd_query,
	&tr_cmd_prune,
	&tr_cmd_dashboard,
	&tr_cmd_migrate,
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* usage - the synopsis of every command */
static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tlsrptd [--help | --version] COMMAND [ARGS]\n\n"
	    "commands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %s %s\n", cmds[i]->name, cmds[i]->usage);
	fprintf(f, "\n'tlsrptd COMMAND --help' describes a command; "
	    "see also tlsrptd(8).\n");
}

/* tr_cmd_usage - the command's synopsis on stderr */
int
tr_cmd_usage(const struct tr_cmd *cmd)
{
	fprintf(stderr, "usage: tlsrptd %s %s\n", cmd->name, cmd->usage);
	return TR_EXIT_USAGE;
}

/* tr_cmd_help - the command's full help on stdout */
int
tr_cmd_help(const struct tr_cmd *cmd)
{
	printf("usage: tlsrptd %s %s\n\n%s", cmd->name, cmd->usage, cmd->help);
	return TR_EXIT_OK;
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return TR_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("tlsrptd %s\n", TLSRPTD_VERSION);
		return TR_EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return TR_EXIT_OK;
	}
	for (i = 0; i < NCMDS; i++)
		if (strcmp(argv[1], cmds[i]->name) == 0)
			return cmds[i]->exec(argc - 1, argv + 1);
	fprintf(stderr, "tlsrptd: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return TR_EXIT_USAGE;
}
