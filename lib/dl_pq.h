/*
 * dl_pq.h: libpq, loaded on first use (dl.h says how, dl.c why). Include it
 * instead of <libpq-fe.h>: the types and names are libpq's own; each name
 * below is redirected to the table dl.c fills. A libpq function not listed
 * here is an undefined reference at link time (strata does not link libpq):
 * add it to DL_PQ_FUNCS and to the #defines, in alphabetical order.
 */
#ifndef STRATA_DL_PQ_H
#define STRATA_DL_PQ_H

#include <libpq-fe.h>
#include "dl.h"

#define DL_PQ_FUNCS(X) \
	X(PQbackendPID) \
	X(PQcancel) \
	X(PQclear) \
	X(PQcmdStatus) \
	X(PQconndefaults) \
	X(PQconnectdbParams) \
	X(PQconninfoFree) \
	X(PQconninfoParse) \
	X(PQconsumeInput) \
	X(PQdb) \
	X(PQenterPipelineMode) \
	X(PQerrorMessage) \
	X(PQescapeIdentifier) \
	X(PQescapeLiteral) \
	X(PQexec) \
	X(PQexecParams) \
	X(PQexitPipelineMode) \
	X(PQfinish) \
	X(PQflush) \
	X(PQfname) \
	X(PQfreeCancel) \
	X(PQfreemem) \
	X(PQgetCancel) \
	X(PQgetCopyData) \
	X(PQgetResult) \
	X(PQgetisnull) \
	X(PQgetvalue) \
	X(PQhost) \
	X(PQisBusy) \
	X(PQnfields) \
	X(PQntuples) \
	X(PQparameterStatus) \
	X(PQpass) \
	X(PQpipelineSync) \
	X(PQport) \
	X(PQputCopyEnd) \
	X(PQresultErrorField) \
	X(PQresultErrorMessage) \
	X(PQresultStatus) \
	X(PQsendQuery) \
	X(PQsendQueryParams) \
	X(PQserverVersion) \
	X(PQsetNoticeReceiver) \
	X(PQsetnonblocking) \
	X(PQsocket) \
	X(PQstatus) \
	X(PQtransactionStatus)

/* __typeof__ (GCC and Clang) takes each type from libpq-fe.h itself, so the
 * table cannot disagree with the library's prototypes. */
struct dl_pq_api {
#define DL_PQ_SLOT(f) __typeof__(f) *f_##f;
	DL_PQ_FUNCS(DL_PQ_SLOT)
#undef DL_PQ_SLOT
};
extern struct dl_pq_api dl_pq_api;

#define PQbackendPID (dl_pq_api.f_PQbackendPID)
#define PQcancel (dl_pq_api.f_PQcancel)
#define PQclear (dl_pq_api.f_PQclear)
#define PQcmdStatus (dl_pq_api.f_PQcmdStatus)
#define PQconndefaults (dl_pq_api.f_PQconndefaults)
#define PQconnectdbParams (dl_pq_api.f_PQconnectdbParams)
#define PQconninfoFree (dl_pq_api.f_PQconninfoFree)
#define PQconninfoParse (dl_pq_api.f_PQconninfoParse)
#define PQconsumeInput (dl_pq_api.f_PQconsumeInput)
#define PQdb (dl_pq_api.f_PQdb)
#define PQenterPipelineMode (dl_pq_api.f_PQenterPipelineMode)
#define PQerrorMessage (dl_pq_api.f_PQerrorMessage)
#define PQescapeIdentifier (dl_pq_api.f_PQescapeIdentifier)
#define PQescapeLiteral (dl_pq_api.f_PQescapeLiteral)
#define PQexec (dl_pq_api.f_PQexec)
#define PQexecParams (dl_pq_api.f_PQexecParams)
#define PQexitPipelineMode (dl_pq_api.f_PQexitPipelineMode)
#define PQfinish (dl_pq_api.f_PQfinish)
#define PQflush (dl_pq_api.f_PQflush)
#define PQfname (dl_pq_api.f_PQfname)
#define PQfreeCancel (dl_pq_api.f_PQfreeCancel)
#define PQfreemem (dl_pq_api.f_PQfreemem)
#define PQgetCancel (dl_pq_api.f_PQgetCancel)
#define PQgetCopyData (dl_pq_api.f_PQgetCopyData)
#define PQgetResult (dl_pq_api.f_PQgetResult)
#define PQgetisnull (dl_pq_api.f_PQgetisnull)
#define PQgetvalue (dl_pq_api.f_PQgetvalue)
#define PQhost (dl_pq_api.f_PQhost)
#define PQisBusy (dl_pq_api.f_PQisBusy)
#define PQnfields (dl_pq_api.f_PQnfields)
#define PQntuples (dl_pq_api.f_PQntuples)
#define PQparameterStatus (dl_pq_api.f_PQparameterStatus)
#define PQpass (dl_pq_api.f_PQpass)
#define PQpipelineSync (dl_pq_api.f_PQpipelineSync)
#define PQport (dl_pq_api.f_PQport)
#define PQputCopyEnd (dl_pq_api.f_PQputCopyEnd)
#define PQresultErrorField (dl_pq_api.f_PQresultErrorField)
#define PQresultErrorMessage (dl_pq_api.f_PQresultErrorMessage)
#define PQresultStatus (dl_pq_api.f_PQresultStatus)
#define PQsendQuery (dl_pq_api.f_PQsendQuery)
#define PQsendQueryParams (dl_pq_api.f_PQsendQueryParams)
#define PQserverVersion (dl_pq_api.f_PQserverVersion)
#define PQsetNoticeReceiver (dl_pq_api.f_PQsetNoticeReceiver)
#define PQsetnonblocking (dl_pq_api.f_PQsetnonblocking)
#define PQsocket (dl_pq_api.f_PQsocket)
#define PQstatus (dl_pq_api.f_PQstatus)
#define PQtransactionStatus (dl_pq_api.f_PQtransactionStatus)

#endif
