/*
 * dl_mhd.h: libmicrohttpd, loaded when `strata studio` starts (src/dl_mhd.c,
 * on lib/dl.c's loader): no other command maps it. Include it instead of
 * <microhttpd.h>: the types and names are the library's own; each name
 * below is redirected to the table dl_mhd.c fills. A function not listed
 * here is an undefined reference at link time: add it to DL_MHD_FUNCS and
 * to the #defines.
 */
#ifndef STRATA_DL_MHD_H
#define STRATA_DL_MHD_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <microhttpd.h>

#define DL_MHD_FUNCS(X) \
	X(MHD_add_response_header) \
	X(MHD_create_response_from_buffer) \
	X(MHD_destroy_response) \
	X(MHD_get_daemon_info) \
	X(MHD_lookup_connection_value) \
	X(MHD_queue_response) \
	X(MHD_start_daemon) \
	X(MHD_stop_daemon)

struct dl_mhd_api {
#define DL_MHD_SLOT(f) __typeof__(f) *f_##f;
	DL_MHD_FUNCS(DL_MHD_SLOT)
#undef DL_MHD_SLOT
};
extern struct dl_mhd_api dl_mhd_api;

/* NULL when libmicrohttpd is loaded (loading it on the first call), else
 * why not, one line: "strata studio needs libmicrohttpd.so.12: ...". */
const char *dl_mhd_missing(void);

#define MHD_add_response_header (dl_mhd_api.f_MHD_add_response_header)
#define MHD_create_response_from_buffer (dl_mhd_api.f_MHD_create_response_from_buffer)
#define MHD_destroy_response (dl_mhd_api.f_MHD_destroy_response)
#define MHD_get_daemon_info (dl_mhd_api.f_MHD_get_daemon_info)
#define MHD_lookup_connection_value (dl_mhd_api.f_MHD_lookup_connection_value)
#define MHD_queue_response (dl_mhd_api.f_MHD_queue_response)
#define MHD_start_daemon (dl_mhd_api.f_MHD_start_daemon)
#define MHD_stop_daemon (dl_mhd_api.f_MHD_stop_daemon)

#endif
