/* way_in.c - the ways a report comes in, and the one table of their names */
#include <stddef.h>
#include <string.h>

#include "way_in.h"

/* Stored in the database and used as metric labels: never rename one. */
static const char *const names[TR_WAYS_IN] = {
	[TR_WAY_UNKNOWN] = "unknown",
	[TR_WAY_FILE] = "file",
	[TR_WAY_MILTER] = "milter",
	[TR_WAY_SMTP] = "smtp",
	[TR_WAY_LMTP] = "lmtp",
	[TR_WAY_HTTP] = "http",
	[TR_WAY_HTTPS] = "https",
};

/* tr_way_in_name - the stored name of w */
const char *
tr_way_in_name(enum tr_way_in w)
{
	if ((unsigned)w >= TR_WAYS_IN)
		return names[TR_WAY_UNKNOWN];
	return names[w];
}

/* tr_way_in_parse - the way in a stored name stands for */
enum tr_way_in
tr_way_in_parse(const char *name)
{
	unsigned i;

	for (i = TR_WAY_UNKNOWN + 1; name != NULL && i < TR_WAYS_IN; i++)
		if (strcmp(name, names[i]) == 0)
			return (enum tr_way_in)i;
	return TR_WAY_UNKNOWN;
}

/* tr_way_in_is_bare - an HTTP(S) body is a report, not a mail */
int
tr_way_in_is_bare(enum tr_way_in w)
{
	return w == TR_WAY_HTTP || w == TR_WAY_HTTPS;
}
