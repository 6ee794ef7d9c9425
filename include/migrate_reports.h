/* migrate_reports.h - tlsrptd migrate's reports, copied through the store
 * API */
#ifndef TR_MIGRATE_REPORTS_H
#define TR_MIGRATE_REPORTS_H

#include "error.h"
#include "cmd_migrate.h"

/* tr_mig_copy_reports - every stored report of the source into the
 * destination, in id order, m->batch at a time */
enum tr_err tr_mig_copy_reports(struct tr_mig *m, struct tr_error *err);

#endif
