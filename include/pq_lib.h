/* pq_lib.h - libpq, loaded when the first PostgreSQL store is opened
 *
 * A daemon on SQLite never maps libpq and what it brings (Kerberos, LDAP,
 * SASL, GnuTLS: some twenty libraries, half of the start-up's symbol
 * lookups). The PostgreSQL driver includes this header instead of
 * <libpq-fe.h>'s functions: each PQ... name below calls through tr_pq,
 * filled by tr_pq_load from libpq.so.5. */
#ifndef TR_PQ_LIB_H
#define TR_PQ_LIB_H

#include <libpq-fe.h>

#include "error.h"

/* every libpq function the driver calls */
#define TR_PQ_FUNCS(X) \
	X(PQcancel) \
	X(PQclear) \
	X(PQcmdStatus) \
	X(PQcmdTuples) \
	X(PQconnectdbParams) \
	X(PQconsumeInput) \
	X(PQerrorMessage) \
	X(PQexec) \
	X(PQfinish) \
	X(PQfreeCancel) \
	X(PQfreemem) \
	X(PQftype) \
	X(PQgetCancel) \
	X(PQgetResult) \
	X(PQgetisnull) \
	X(PQgetlength) \
	X(PQgetvalue) \
	X(PQisBusy) \
	X(PQnfields) \
	X(PQntuples) \
	X(PQreset) \
	X(PQresultErrorField) \
	X(PQresultStatus) \
	X(PQsendPrepare) \
	X(PQsendQuery) \
	X(PQsendQueryPrepared) \
	X(PQsetNoticeProcessor) \
	X(PQsocket) \
	X(PQstatus) \
	X(PQtransactionStatus) \
	X(PQunescapeBytea)

#define TR_PQ_FIELD(f) __typeof__(f) *f;
struct tr_pq {
	TR_PQ_FUNCS(TR_PQ_FIELD)
};
#undef TR_PQ_FIELD

extern struct tr_pq tr_pq;

/*
 * tr_pq_load - load libpq.so.5 once (any thread, any number of times);
 * TR_OK when tr_pq is filled, else TR_ERR_STORE saying what is missing
 * (install libpq5); the same file is not tried again for
 * TR_DL_RETRY_SECONDS (dl_lib.h). tr_pq_load_from - the same from the
 * library named (for tests).
 */
enum tr_err tr_pq_load(struct tr_error *err);
enum tr_err tr_pq_load_from(const char *name, struct tr_error *err);

#ifndef TR_PQ_LIB_C
#define PQcancel               (tr_pq.PQcancel)
#define PQclear                (tr_pq.PQclear)
#define PQcmdStatus            (tr_pq.PQcmdStatus)
#define PQcmdTuples            (tr_pq.PQcmdTuples)
#define PQconnectdbParams      (tr_pq.PQconnectdbParams)
#define PQconsumeInput         (tr_pq.PQconsumeInput)
#define PQerrorMessage         (tr_pq.PQerrorMessage)
#define PQexec                 (tr_pq.PQexec)
#define PQfinish               (tr_pq.PQfinish)
#define PQfreeCancel           (tr_pq.PQfreeCancel)
#define PQfreemem              (tr_pq.PQfreemem)
#define PQftype                (tr_pq.PQftype)
#define PQgetCancel            (tr_pq.PQgetCancel)
#define PQgetResult            (tr_pq.PQgetResult)
#define PQgetisnull            (tr_pq.PQgetisnull)
#define PQgetlength            (tr_pq.PQgetlength)
#define PQgetvalue             (tr_pq.PQgetvalue)
#define PQisBusy               (tr_pq.PQisBusy)
#define PQnfields              (tr_pq.PQnfields)
#define PQntuples              (tr_pq.PQntuples)
#define PQreset                (tr_pq.PQreset)
#define PQresultErrorField     (tr_pq.PQresultErrorField)
#define PQresultStatus         (tr_pq.PQresultStatus)
#define PQsendPrepare          (tr_pq.PQsendPrepare)
#define PQsendQuery            (tr_pq.PQsendQuery)
#define PQsendQueryPrepared    (tr_pq.PQsendQueryPrepared)
#define PQsetNoticeProcessor   (tr_pq.PQsetNoticeProcessor)
#define PQsocket               (tr_pq.PQsocket)
#define PQstatus               (tr_pq.PQstatus)
#define PQtransactionStatus    (tr_pq.PQtransactionStatus)
#define PQunescapeBytea        (tr_pq.PQunescapeBytea)
#endif

#endif
