/* cmd_quarantine.h - tlsrptd query quarantine: list, show, retry
 * (the pipeline again, in batches of one transaction) and delete */
#ifndef TR_CMD_QUARANTINE_H
#define TR_CMD_QUARANTINE_H

#include "cmd_query.h"
#include "store.h"

/* tr_cq_quarantine_run - argv[0] is "quarantine"; argv[1], when there,
 * show, retry or delete with their arguments. The exit status. */
int tr_cq_quarantine_run(struct tr_cq_opts *o, struct tr_store *st,
    int argc, char **argv);

#endif
