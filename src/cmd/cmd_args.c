/* cmd_args.c - the command-line values the subcommands share the reading of */
#include <ctype.h>
#include <stdlib.h>

#include "cmd_args.h"

/* tr_cmd_number - a decimal number in [min, max], or -1 */
long
tr_cmd_number(const char *s, long min, long max)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return -1;
	return v;
}
