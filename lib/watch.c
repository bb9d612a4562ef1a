/*
 * watch.c: the engine-neutral half of "a run says what it waits for"
 * (watch.h). The drivers know what a statement does (SQLite: rows written,
 * through its update hook; PostgreSQL: the lock it waits for and who holds
 * it, from a second connection); this file knows when to say it and how.
 *
 * Rhythm: the first report after a second, then every two seconds, the
 * gap growing to a tenth of the time run once that is longer, so that a
 * log of plain lines (no terminal) stays short for an hour-long index
 * build. The clock is read only where a driver asks whether a report is
 * due, and the line a statement is on is counted only when one is made.
 *
 * Test builds (STRATA_FAULT_INJECTION, as driver.c's seam) read
 * STRATA_TEST_WATCH_MS at connect time: first report and gap in
 * milliseconds, so that a test needs no statement of seconds whose length
 * depends on the machine's speed.
 */
#include "watch.h"
#include "internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define WATCH_FIRST_MS 1000
#define WATCH_GAP_MS 2000

void watch_init(struct watch *w, const struct drv_open_opts *o)
{
	memset(w, 0, sizeof *w);
	w->first_ms = WATCH_FIRST_MS;
	w->gap_ms = WATCH_GAP_MS;
	if (o && o->progress && o->log) {
		w->log = o->log;
		w->payload = o->log_payload;
	}
#ifdef STRATA_FAULT_INJECTION
	{
		const char *t = getenv("STRATA_TEST_WATCH_MS");
		long ms = t ? strtol(t, NULL, 10) : 0;
		if (ms > 0 && ms < 60000)
			w->first_ms = w->gap_ms = ms;
	}
#endif
}

void watch_start(struct watch *w, const drv_conn *c, const char *sql, size_t offset)
{
	if (!w->log)
		return;
	w->where = c->watch_where;
	w->first_line = c->watch_line;
	w->sql = sql;
	w->offset = offset;
	w->said = 0;
	w->t0 = util_ms();
	w->next = w->t0 + w->first_ms;
}

int watch_due(const struct watch *w)
{
	return w->log && util_ms() >= w->next;
}

long watch_left_ms(const struct watch *w)
{
	long left;

	if (!w->log)
		return -1;
	left = w->next - util_ms();
	return left > 0 ? left : 0;
}

long watch_elapsed_s(const struct watch *w)
{
	return (util_ms() - w->t0 + 500) / 1000;
}

void watch_say(struct watch *w, const char *fmt, ...)
{
	struct sbuf sb = SBUF_INIT;
	long now = util_ms(), gap = (now - w->t0) / 10;
	va_list ap;

	if (!w->log)
		return;
	if (w->where && w->sql) {
		long line = w->first_line + util_line_of(w->sql, w->offset) - 1;
		sbuf_addf(&sb, "%s:%ld: ", w->where, line);
	} else if (w->where) {
		sbuf_addf(&sb, "%s: ", w->where);
	}
	va_start(ap, fmt);
	sbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	sbuf_escape_controls(&sb, 0);
	w->next = now + (gap > w->gap_ms ? gap : w->gap_ms);
	if (!sbuf_failed(&sb)) {
		w->log(w->payload, STRATA_LOG_PROGRESS, sb.buf);
		w->said = 1;
	}
	sbuf_release(&sb);
}

void watch_note(struct watch *w, int level, const char *msg)
{
	if (w->log)
		w->log(w->payload, level, msg);
}

void watch_end(struct watch *w)
{
	if (w->log && w->said)
		w->log(w->payload, STRATA_LOG_PROGRESS, "");
	w->said = 0;
	w->where = NULL;
	w->sql = NULL;
}
