/*
 * cli.h: what the strata program's files share: the global options, the
 * command table entry, the option parser (opts.c), configuration from
 * flags, environment and .env (config.c) and output helpers (output.c).
 *
 * A command is `int cmd_x(struct cli *cli, int argc, char **argv)`, with
 * argv[0] its own name; it parses its own flags with opts_parse(), talks to
 * the library through strata.h only, and returns an exit status (never exits).
 */
#ifndef STRATA_CLI_H
#define STRATA_CLI_H

#include <stdio.h>
#include "strata.h"

/* Exit statuses (docs/exit-status.md). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_FOUND = 3,
       EXIT_COMMITTED = 4 /* the database changed, then output (or --dump-schema) failed */ };

struct cli {
	const char *url;          /* -u/--url, DATABASE_URL */
	const char *dir;          /* -d/--dir, STRATA_DIR */
	const char *schema_file;  /* -s/--schema, STRATA_SCHEMA */
	const char *table;        /* --table */
	const char *dev_url;      /* --dev-url */
	const char *pg_schema;    /* --pg-schema */
	const char *dump_schema;  /* --dump-schema, STRATA_DUMP */
	const char *before_each;  /* --before-each, STRATA_BEFORE_EACH (hook.c) */
	const char *after_each;   /* --after-each, STRATA_AFTER_EACH */
	long lock_timeout_ms, statement_timeout_ms;
	long keep;                /* --keep */
	int json, yes, quiet, verbose, color, all;
	int no_backup;
	int may_create;           /* the command writes: a missing SQLite file may be created */
	int ssl;                  /* DATABASE_SSL=true */
	int committed;            /* the command changed the database: a later failure
	                             (writing the output) exits EXIT_COMMITTED, never 1 */
	int complete;             /* --completion-helper: opts_parse() lists the
	                             command's options and returns -1 */
	int progress_shown;       /* output.c: a progress line is on the terminal */
	char *owned[16];          /* strings config.c allocated (from .env) */
	int nowned;
};

/* Command flags: what main() checks before calling. CMD_MAY_CREATE: the
 * command changes the database, so a SQLite file that is not there yet may
 * be created; every other command fails on one ("read-only commands never
 * create a database"). */
#define CMD_MAY_CREATE 2

struct cmd {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	unsigned flags;
	const char *help;
};

/* Option table of a command, as git's parse-options, terminated by OPT_END. */
enum opt_type { OPT_T_END, OPT_T_BOOL, OPT_T_STRING, OPT_T_LONG, OPT_T_DURATION };
struct opt {
	enum opt_type type;
	char shrt;            /* 0: none */
	const char *lng;
	void *dest;           /* int*, const char**, long* (durations: milliseconds) */
	const char *argname;  /* for usage */
	const char *help;
};
#define OPT_BOOL(s, l, d, h)            { OPT_T_BOOL, s, l, d, NULL, h }
#define OPT_STRING(s, l, d, a, h)       { OPT_T_STRING, s, l, d, a, h }
#define OPT_LONG(s, l, d, a, h)         { OPT_T_LONG, s, l, d, a, h }
#define OPT_DURATION(s, l, d, h)        { OPT_T_DURATION, s, l, d, "DURATION", h }
#define OPT_END()                       { OPT_T_END, 0, NULL, NULL, NULL, NULL }
/* Flags many commands share, so they are spelled alike everywhere. */
#define OPT_DRY_RUN(d) OPT_BOOL(0, "dry-run", d, "show what would be done, change nothing")

/*
 * Parse argv (argv[0] is the command) against opts. Positional arguments
 * are gathered at the front of argv; returns their count (>= 0), or -1 when
 * -h/--help printed the usage (exit 0), or -2 after printing a one-line
 * usage error (exit 2). Global options are accepted after the command too.
 */
int opts_parse(struct cli *cli, const char *usage, const struct opt *opts, int argc, char **argv);
void opts_usage(FILE *f, const char *usage, const struct opt *opts);
/* For the shell completions (scripts/gen-completions): one line per option
 * of opts, or of the global options when opts is NULL:
 * "--long<TAB>-s<TAB>ARG<TAB>help", with an empty field for no short
 * option and for a flag that takes no value. */
void opts_complete(FILE *f, struct cli *cli, const struct opt *opts);
/* 1 when a is a global option whose value is the next argument ("--url",
 * "-u"; not "--url=URL", "-uURL" or a flag such as --json): main() skips
 * it to find the command name, from the same table opts_parse() reads. */
int opts_global_takes_value(const char *a);
/* For "did you mean": the names of names[0..n) nearest to word, within two
 * edits (and fewer than half its length), into out; returns how many (0, 1
 * or 2: more as near as each other are no suggestion). */
size_t cli_suggest(const char *word, const char *const *names, size_t n, const char *out[2]);
/* Shorthand: the return of a command whose opts_parse returned r < 0. */
#define OPTS_EXIT(r) ((r) == -1 ? EXIT_OK : EXIT_USAGE)
/* Parse "500ms", "5s", "2min", "1h" (or "0") into *ms. Returns 0, -2 for a
 * number without a unit (5 what?), -1 for anything else. */
int parse_duration(const char *s, long *ms);

/* hook.c: the strata_hook_fn of up and down (payload: the cli), running
 * cli->before_each or cli->after_each through /bin/sh. */
int cli_hook(void *payload, const strata_hook_info *info, char **msg);

/* config.c */
int config_load(struct cli *cli);         /* .env, then the environment; 0 or an exit status */
void config_release(struct cli *cli);
/*
 * Open the database with the global options. On failure prints the error
 * and returns the exit status to use (> 0); on success 0 and *out set.
 */
int cli_open(struct cli *cli, strata_db **out);

/*
 * Before a command that reads the migrations opens the database: a missing
 * directory (a mistyped -d, or dbmate's db/migrations) is said as such,
 * with what to do, and code returned; nothing is opened or created. 0 when
 * the directory is there (or cannot be looked at: the library says why).
 */
int cli_check_dir(struct cli *cli, int code);

/* output.c */
/* The exit status for a library result code. */
int cli_exit_code(int rc);
/* "strata: error: ..." on stderr (one line). */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;
/* Report a library failure on db: prints strata_errmsg and returns the exit status. */
/* Ask question on the terminal; 1 for a "y". 0 without asking when stdin
 * is no terminal or the output is --json (scripts never hang on a prompt). */
int cli_ask_yes(struct cli *cli, const char *question);
int cli_fail(strata_db *db, int rc);
/* strata_errmsg(db) with the program's advice for strata_errwhy(db)
 * appended (the way out in strata's commands); lent until the next call. */
const char *cli_errmsg(strata_db *db);
/* Human output unless --quiet. */
void cli_say(struct cli *cli, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* s with control characters shown as \xNN (s itself when it has none), for
 * names and messages from files and databases in human output; valid until
 * eight more calls. */
const char *cli_esc(const char *s);
/* Colour escapes when colour is on, "" otherwise. */
const char *cli_color(struct cli *cli, const char *which); /* "green","red","yellow","dim","bold","reset" */
/* The log callback the program gives the library: notices to stderr, and
 * STRATA_LOG_PROGRESS as one updating line on a terminal, plain lines with
 * -v elsewhere. */
void cli_log(void *payload, int level, const char *msg);
/* Whether stderr is a terminal to draw a progress line on (not --quiet). */
int cli_stderr_tty(const struct cli *cli);
/* Print a JSON value (jansson's json_t*, passed as void*) to stdout and free it. */
void cli_print_json(void *json);
/* --json: the format of every document (docs/json.md), raised only when a
 * field changes meaning or goes; fields are added without raising it. */
#define CLI_JSON_FORMAT 1
/* At the end of a command: with --json, its document (or none) in the
 * envelope, with ok and error from the exit status; without, nothing. */
void cli_json_begin(const struct cli *cli);
void cli_json_end(struct cli *cli, const char *command, int status);
/* SQL to stdout without its trailing blanks, then one newline; nothing when it is empty. */
void cli_print_sql(const char *sql);

/* A run's report as JSON (json_t*): the shape of docs/json.md. */
void *cli_report_json(struct cli *cli, strata_db *db, const strata_report *r, const char *command,
                      int with_sql);
void *cli_entry_json(const strata_entry *e, int with_sql);
/* After up/down changed something: write --dump-schema FILE if asked. */
int cli_after_change(struct cli *cli, strata_db *db);

/* Commands (one file each). */
int cmd_new(struct cli *, int, char **);
int cmd_up(struct cli *, int, char **);
int cmd_down(struct cli *, int, char **);
int cmd_redo(struct cli *, int, char **);
int cmd_reset(struct cli *, int, char **);
int cmd_refresh(struct cli *, int, char **);
int cmd_status(struct cli *, int, char **);
int cmd_show(struct cli *, int, char **);
int cmd_baseline(struct cli *, int, char **);
int cmd_mark(struct cli *, int, char **);
int cmd_hash(struct cli *, int, char **);
int cmd_adopt(struct cli *, int, char **);  /* cmd_adopt.c */
int cmd_squash(struct cli *, int, char **); /* cmd_squash.c */
int cmd_embed(struct cli *, int, char **);  /* cmd_embed.c */
int cmd_create(struct cli *, int, char **);   /* cmd_db.c */
int cmd_drop(struct cli *, int, char **);
/* cmd_inspect.c */
int cmd_inspect(struct cli *, int, char **);
int cmd_dump(struct cli *, int, char **);
int cmd_stats(struct cli *, int, char **);
/* cmd_diff.c */
int cmd_diff(struct cli *, int, char **);
int cmd_generate(struct cli *, int, char **);
int cmd_push(struct cli *, int, char **);
int cmd_verify(struct cli *, int, char **);
int cmd_check(struct cli *, int, char **);
/* cmd_backup.c */
int cmd_backup(struct cli *, int, char **);
int cmd_backups(struct cli *, int, char **);
int cmd_restore(struct cli *, int, char **);
/* cmd_lint.c */
int cmd_lint(struct cli *, int, char **);
/* cmd_fleet.c */
int cmd_fleet(struct cli *, int, char **);
/* cmd_studio.c */
int cmd_studio(struct cli *, int, char **);
/* strata.c */
/* Whether name is one of strata's commands (strata up down: two commands). */
int cli_is_command(const char *name);
int cmd_help(struct cli *, int, char **);
/* Write `dump` output to path (cmd_inspect.c; --dump-schema). */
int cli_write_dump(struct cli *cli, strata_db *db, const char *path);

#endif
