/*
 * dl_mhd.c: libmicrohttpd, loaded with lib/dl.c's loader the first time
 * `strata studio` asks (cmd_studio.c, before anything else happens), so
 * that no other command maps an HTTP server; why loading rather than
 * linking: lib/dl.c.
 */
#include "dl_mhd.h"
#include "dl.h"

#ifndef STRATA_LIBMICROHTTPD_SONAME
#error "STRATA_LIBMICROHTTPD_SONAME: meson.build defines it"
#endif

struct dl_mhd_api dl_mhd_api;

static const char *mhd_bind(void *h)
{
	struct dl_mhd_api t;

#define DL_MHD_BIND(f) \
	if (!(*(void **)(&t.f_##f) = dl_sym(h, #f))) \
		return #f;
	DL_MHD_FUNCS(DL_MHD_BIND)
#undef DL_MHD_BIND
	dl_mhd_api = t;
	return NULL;
}

static struct dl_lib mhd_lib = DL_LIB_INIT("strata studio", STRATA_LIBMICROHTTPD_SONAME,
                                           "libmicrohttpd", mhd_bind);

static void mhd_once(void)
{
	dl_load(&mhd_lib);
}

const char *dl_mhd_missing(void)
{
	pthread_once(&mhd_lib.once, mhd_once);
	return mhd_lib.rc ? mhd_lib.msg : NULL;
}
