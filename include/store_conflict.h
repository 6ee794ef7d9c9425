/* store_conflict.h - a stored report's DKIM verdict and its conflicting copies:
 * tr_store_put_dkim, tr_store_report_state, tr_store_put_conflict,
 * tr_store_supersede and tr_store_link_conflicts, declared in store.h */
#ifndef TR_STORE_CONFLICT_H
#define TR_STORE_CONFLICT_H

#include "store.h"

#endif
