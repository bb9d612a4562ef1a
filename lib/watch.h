/*
 * watch.h: what a long statement says while it runs (watch.c).
 *
 * A driver keeps one struct watch per connection. exec() starts it for
 * each statement (or, on PostgreSQL, for the script it sends at once),
 * asks watch_due() whether a report is due where it can look cheaply
 * (SQLite's progress handler; the PostgreSQL driver's wait for a result),
 * and when it is, gives watch_say() the words: what the statement does or
 * waits for. watch.c adds where it is (file:line, from what db_exec_at()
 * put on the connection), keeps the rhythm and hands the line to the log
 * as STRATA_LOG_PROGRESS; watch_end() clears what was said. A watch whose
 * log is NULL (the embedder did not ask: strata_config.progress) costs one
 * test per statement.
 */
#ifndef STRATA_WATCH_H
#define STRATA_WATCH_H

#include "driver.h"

struct watch {
	strata_log_fn log;      /* NULL: off */
	void *payload;
	const char *where;      /* the statement's file (lent by db_exec_at()), or NULL */
	long first_line;        /* where's line of the script's first byte */
	const char *sql;        /* the script, and the statement's offset in it: its */
	size_t offset;          /* line is counted only when a report needs it */
	long t0, next;          /* util_ms() at the start; when the next report is due */
	long first_ms, gap_ms;  /* the first report after; the least gap between two */
	int said;               /* something was said since watch_start() */
};

/* Off, or on with o's log when o asks for progress. */
void watch_init(struct watch *w, const struct drv_open_opts *o);
/* A statement at offset of sql starts on c (whose watch_where names its file). */
void watch_start(struct watch *w, const drv_conn *c, const char *sql, size_t offset);
/* Another statement of the same script: where it is, the clock goes on. */
static inline void watch_at(struct watch *w, size_t offset)
{
	w->offset = offset;
}
/* 1 when a report is due now. */
int watch_due(const struct watch *w);
/* Milliseconds until the next report is due (0: now); -1 when off. */
long watch_left_ms(const struct watch *w);
/* Seconds since watch_start(). */
long watch_elapsed_s(const struct watch *w);
/* Report: "FILE:LINE: " + the formatted words, as one line; the next
 * report is due a few seconds later. */
void watch_say(struct watch *w, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* A message at another level (the watcher's own trouble, once), to the
 * same log; nothing when off. */
void watch_note(struct watch *w, int level, const char *msg);
/* The statement ended: when something was said, an empty message says so. */
void watch_end(struct watch *w);

#endif
