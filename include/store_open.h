/* store_open.h - the store's open path: tr_store_open, tr_store_open_opts,
 * tr_store_instance and tr_store_close, declared in store.h */
#ifndef TR_STORE_OPEN_H
#define TR_STORE_OPEN_H

#include "store.h"

#endif
