/* cmd_args.h - the command-line values the subcommands share the reading of */
#ifndef TR_CMD_ARGS_H
#define TR_CMD_ARGS_H

/* tr_cmd_number - s as a decimal number in [min, max] (digits only: no
 * sign, no space, nothing after), or -1 */
long tr_cmd_number(const char *s, long min, long max);

#endif
