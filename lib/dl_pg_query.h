/*
 * dl_pg_query.h: libpg_query, loaded on first use (dl.h says how, dl.c
 * why). Include it instead of <pg_query.h>: the types and names are
 * libpg_query's own; each name below is redirected to the table dl.c fills.
 * Until the library is loaded, or when it cannot be, the table holds
 * stand-ins whose results carry the loader's message as their error.
 */
#ifndef STRATA_DL_PG_QUERY_H
#define STRATA_DL_PG_QUERY_H

#include <pg_query.h>
#include "dl.h"

#define DL_PG_QUERY_FUNCS(X) \
	X(pg_query_free_parse_result) \
	X(pg_query_free_plpgsql_parse_result) \
	X(pg_query_free_split_result) \
	X(pg_query_parse) \
	X(pg_query_parse_plpgsql) \
	X(pg_query_split_with_parser) \
	X(pg_query_split_with_scanner)

struct dl_pg_query_api {
#define DL_PG_QUERY_SLOT(f) __typeof__(f) *f_##f;
	DL_PG_QUERY_FUNCS(DL_PG_QUERY_SLOT)
#undef DL_PG_QUERY_SLOT
};
/* Through dl_pg_query(): the table, loading the library on the first call. */
const struct dl_pg_query_api *dl_pg_query(void);

#define pg_query_free_parse_result (dl_pg_query()->f_pg_query_free_parse_result)
#define pg_query_free_plpgsql_parse_result (dl_pg_query()->f_pg_query_free_plpgsql_parse_result)
#define pg_query_free_split_result (dl_pg_query()->f_pg_query_free_split_result)
#define pg_query_parse (dl_pg_query()->f_pg_query_parse)
#define pg_query_parse_plpgsql (dl_pg_query()->f_pg_query_parse_plpgsql)
#define pg_query_split_with_parser (dl_pg_query()->f_pg_query_split_with_parser)
#define pg_query_split_with_scanner (dl_pg_query()->f_pg_query_split_with_scanner)

#endif
