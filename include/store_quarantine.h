/* store_quarantine.h - the quarantine's writes: tr_store_put_quarantine and
 * tr_store_put_quarantine_keyed, declared in store.h */
#ifndef TR_STORE_QUARANTINE_H
#define TR_STORE_QUARANTINE_H

#include "store.h"

#endif
