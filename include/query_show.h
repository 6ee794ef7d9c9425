/* query_show.h - one report or quarantined message in full:
 * tr_query_report_show, tr_query_quarantine_show, tr_query_quarantine_ids
 * and their frees, declared in query.h */
#ifndef TR_QUERY_SHOW_H
#define TR_QUERY_SHOW_H

#include "query.h"

#endif
