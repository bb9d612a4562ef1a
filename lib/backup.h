/*
 * backup.h: what the runner asks of backup.c. The public half (strata_backup,
 * strata_backups, strata_restore) is in strata.h; these two are the hooks a
 * run calls around its changes on SQLite.
 */
#ifndef STRATA_BACKUP_H
#define STRATA_BACKUP_H

#include "internal.h"

/*
 * The automatic backup before a run changes a SQLite database. May be called
 * inside the run's write transaction (BEGIN IMMEDIATE taken, nothing changed
 * yet that other connections can see): the copy is read through a second
 * connection, which sees exactly the last committed state, and no other
 * writer can commit while the run holds the write lock.
 * ^On success *path_out is the backup's path (to free()), or NULL when there
 * is nothing to back up (in-memory database, other engines). Older automatic
 * backups beyond db->keep_backups are pruned; the new one never is.
 * ^On failure (disk full, read-only folder ...) nothing is left in the backup
 * folder, the database is untouched, and the error is on the handle.
 */
int backup_auto(strata_db *db, char **path_out);

/*
 * 1 when a backup taken now would keep nothing: the database's last
 * committed state has no page (a new, empty file: the run's own open
 * transaction does not count) and no backup of this database is recorded
 * in its folder. 0 otherwise, and on any doubt (an in-memory database, a
 * folder or file that cannot be read: backup_auto() then says what is
 * wrong). Called between the steps of a run that succeeded so far: it
 * leaves the handle's error clear.
 * A run whose changes are all in its one transaction may skip the backup
 * then: a failure rolls the file back to no page, and `strata restore` has
 * no earlier backup of this database to go back to in its place.
 */
int backup_nothing_to_keep(strata_db *db);

/*
 * After a failed run that had committed part of its work (transaction:false
 * segments): put the backup at path back into the live database, and say so
 * in one line (STRATA_LOG_NOTICE). Must be called outside a transaction.
 * Never changes the handle's error (the run's error is what the caller
 * reports); if the restore itself fails, a warning names the backup so the
 * user can run `strata restore` by hand.
 */
void backup_restore_after_failure(strata_db *db, const char *path);

#endif
