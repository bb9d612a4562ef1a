/*
 * fileio.h: reading and writing whole files (util.c), shared by the library
 * and the program (dump files): one place decides how a file is replaced.
 */
#ifndef STRATA_FILEIO_H
#define STRATA_FILEIO_H

#include <stddef.h>
#include "sbuf.h"

/* Read a whole file into sb (appending). Returns 0, STRATA_ENOTFOUND or STRATA_EIO; errno kept. */
int util_read_file(const char *path, struct sbuf *sb);
/* Write data to path atomically (temporary file + rename): a new file gets
 * the umask's mode, a replaced one no more than its old mode. STRATA_EFULL on a full
 * disk, else STRATA_EIO with errno kept. */
int util_write_file(const char *path, const char *data, size_t len);
/* The same for a file that must not exist yet: EEXIST (STRATA_EIO) if it does. */
int util_create_file(const char *path, const char *data, size_t len);
#endif
