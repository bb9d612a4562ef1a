/*
 * hook.c: the before-each and after-each hooks of a run. strata_up() and
 * strata_down() lend the caller's callbacks to the handle for the length of
 * the call (db->hooks); the runner calls hook_call() around each migration,
 * inside the run's transaction, so that a hook that says stop is one more
 * failure of the run and rolls back with it (docs/c-api.md, "Hooks").
 * The library runs no command itself: the strata program's hooks are shell
 * commands because its callback runs them (src/hook.c).
 */
#include "internal.h"

#include <stdlib.h>

int hook_call(strata_db *db, int after, const char *direction, const char *version,
              const char *name, int no_tx)
{
	strata_hook_fn fn;
	strata_hook_info info;
	char *msg = NULL;
	int ret;

	if (!db->hooks)
		return 0;
	fn = after ? db->hooks->after : db->hooks->before;
	if (!fn)
		return 0;
	info.when = after ? "after" : "before";
	info.direction = direction;
	info.version = version;
	info.name = name;
	info.url = db->url.redacted ? db->url.redacted : "";
	info.no_transaction = no_tx;
	ret = fn(db->hooks->payload, &info, &msg);
	if (ret == 0) {
		free(msg);
		return 0;
	}
	if (msg)
		db_error(db, STRATA_EHOOK, "the %s-each hook stopped the run at %s_%s (%s): %s",
		         info.when, version, name, direction, msg);
	else
		db_error(db, STRATA_EHOOK, "the %s-each hook stopped the run at %s_%s (%s): it "
		         "returned %d", info.when, version, name, direction, ret);
	free(msg);
	return STRATA_EHOOK;
}
