/* cmd.h - the subcommands of the tlsrptd binary */
#ifndef TR_CMD_H
#define TR_CMD_H

struct tr_cmd {
	const char *name;
	const char *usage;	/* the argument synopsis */
	const char *help;	/* what it does, and its options */
	int (*exec)(int argc, char **argv);	/* argv[0] is the command name */
};

/* exit statuses (sysexits.h values where one fits) */
#define TR_EXIT_OK		0
#define TR_EXIT_QUARANTINED	1	/* ingest: some messages were quarantined */
#define TR_EXIT_USAGE		64
#define TR_EXIT_NOINPUT		66	/* an input could not be read */
#define TR_EXIT_SOFTWARE	70
#define TR_EXIT_TEMPFAIL	75	/* ingest: DKIM keys not found for now: run again later */
#define TR_EXIT_IOERR		74	/* the database could not be opened or written */
#define TR_EXIT_TEMPFAIL	75	/* ingest: some messages could not be analysed now */
#define TR_EXIT_CONFIG		78

extern const struct tr_cmd tr_cmd_ingest;
extern const struct tr_cmd tr_cmd_run;
extern const struct tr_cmd tr_cmd_check_config;
extern const struct tr_cmd tr_cmd_query;
extern const struct tr_cmd tr_cmd_prune;
extern const struct tr_cmd tr_cmd_dashboard;
extern const struct tr_cmd tr_cmd_migrate;

/* tr_cmd_usage - print "usage: tlsrptd NAME USAGE" to stderr, return 64 */
int tr_cmd_usage(const struct tr_cmd *cmd);

/* tr_cmd_help - print the full help of cmd to stdout, return 0 */
int tr_cmd_help(const struct tr_cmd *cmd);

#endif
