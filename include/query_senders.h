/* query_senders.h - the senders: tr_query_senders and tr_query_silent_senders,
 * declared in query.h */
#ifndef TR_QUERY_SENDERS_H
#define TR_QUERY_SENDERS_H

#include "query.h"

#endif
