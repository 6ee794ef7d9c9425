/* schema_pg.h - the store's schema on PostgreSQL: tr_schema_pg_create,
 * tr_schema_pg_migrations, tr_schema_pg_identify and tr_schema_pg_migrate,
 * declared in schema.h */
#ifndef TR_SCHEMA_PG_H
#define TR_SCHEMA_PG_H

#include "schema.h"

#endif
