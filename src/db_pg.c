/* db_pg.c - the PostgreSQL driver of db.h (libpq) */
#include <stdio.h>
#include <string.h>

#include "db.h"

/* tr_db_redact - target for messages, a password in it as "***" */
void
tr_db_redact(const char *target, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s", target);
}

enum tr_err
tr_db_pg_open(const char *target, const char *password_file,
    struct tr_db **out, struct tr_error *err)
{
	char shown[256];

	*out = NULL;
	tr_db_redact(target, shown, sizeof(shown));
	return tr_error_set(err, TR_ERR_STORE, "%s: this build has no "
	    "PostgreSQL driver yet", shown);
}
