/*
 * sandbox.c: a desired-state schema file runs in the scratch database with
 * the power to define a schema and no more (docs/security.md).
 *
 * A schema file is input from others (a pull request, a generated file), yet
 * diff, generate --dry-run and push --dry-run execute it to read it. Run as
 * is, it had the full power of the connection: ATTACH another SQLite file and
 * delete from it, or on PostgreSQL CREATE DATABASE, COPY, DO, and DML on the
 * scratch database of a server that also holds production.
 *
 * SQLite: the scratch database is a private in-memory one; an authorizer
 * allows creating, altering and dropping tables, indexes, views, triggers
 * and virtual tables in main, the reads and function calls those need, and a
 * short list of PRAGMAs; it refuses ATTACH, DML on user tables,
 * load_extension and the rest, and no database may be attached at all (which
 * also stops VACUUM INTO a file).
 *
 * PostgreSQL: every statement is parsed (libpg_query) before the first one
 * runs, and only schema definition passes; the statements then run one by
 * one. A materialized view is made WITH NO DATA, so that no query of the
 * file is executed. Refused statements are named with file:line.
 */
#include "scratch.h"
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include "dl_pg_query.h"
#include <sqlite3.h>

/* SQL the engine rejects is the input's fault, not the database's. */
static int input_code(int code)
{
	return code == STRATA_ESQL ? STRATA_EPARSE : code;
}

/* The engine's error for sql (which starts at byte base of text) as
 * "path:LINE: message". */
static int engine_error(strata_db *db, struct drv_err *e, const char *text, size_t base,
                        const char *path)
{
	struct sbuf ctx = SBUF_INIT;
	size_t off = base;
	int rc;

	if (e->offset >= 0)
		off += (size_t)e->offset;
	if (off > strlen(text))
		off = base;
	sbuf_addf(&ctx, "%s:%ld", path, util_line_of(text, off));
	e->code = input_code(e->code ? e->code : STRATA_ESQL);
	rc = db_error_drv(db, e, ctx.buf);
	sbuf_release(&ctx);
	return rc;
}

/* ---- SQLite -------------------------------------------------------------------- */

struct sq_box {
	char why[200];      /* the first refusal, for the message */
	char dropping[200]; /* the table DROP TABLE is about to empty */
	char vtab[200];     /* the last virtual table created: its module fills
	                       its shadow tables (<name>_data ...) */
};

/* PRAGMAs a schema file may set: how the schema behaves, nothing that
 * reaches outside the connection or is process-wide. */
static const char *const sq_pragmas[] = {
	"foreign_keys", "defer_foreign_keys", "recursive_triggers", "journal_mode", "synchronous",
	"encoding", "auto_vacuum", "page_size", "user_version", "application_id",
	"legacy_alter_table",
	/* reads (FTS5 asks for data_version while it makes its tables) */
	"data_version", "table_info", "table_xinfo", "table_list", "index_list", "index_info",
	"index_xinfo", "foreign_key_list", "collation_list", "function_list", "module_list",
	"pragma_list", NULL,
};

static int in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcasecmp(*list, s) == 0)
			return 1;
	return 0;
}

/* The tables SQLite itself writes while it defines a schema. */
static int is_schema_table(const char *t)
{
	return t && (strcasecmp(t, "sqlite_master") == 0 || strcasecmp(t, "sqlite_schema") == 0 ||
	             strcasecmp(t, "sqlite_sequence") == 0);
}

static int sq_deny(struct sq_box *b, const char *what, const char *name)
{
	if (!b->why[0])
		snprintf(b->why, sizeof b->why, "%s%s%s", what, name ? " " : "", name ? name : "");
	return SQLITE_DENY;
}

static int sq_authorize(void *arg, int action, const char *a1, const char *a2, const char *dbname,
                        const char *trigger)
{
	struct sq_box *b = arg;
	int in_main = dbname && strcmp(dbname, "main") == 0;

	(void)trigger;
	/* DROP TABLE asks for DELETE on the table it drops, right after
	 * SQLITE_DROP_TABLE: that one DELETE is part of the drop. */
	if (action == SQLITE_DELETE && b->dropping[0] && a1 && strcmp(a1, b->dropping) == 0) {
		b->dropping[0] = '\0';
		return SQLITE_OK;
	}
	b->dropping[0] = '\0';
	if ((action == SQLITE_DROP_TABLE || action == SQLITE_DROP_VIEW ||
	     action == SQLITE_DROP_VTABLE) && in_main && a1)
		snprintf(b->dropping, sizeof b->dropping, "%s", a1);
	if (action == SQLITE_CREATE_VTABLE && in_main && a1)
		snprintf(b->vtab, sizeof b->vtab, "%s_", a1);
	switch (action) {
	case SQLITE_CREATE_TABLE:
	case SQLITE_CREATE_INDEX:
	case SQLITE_CREATE_VIEW:
	case SQLITE_CREATE_TRIGGER:
	case SQLITE_CREATE_VTABLE:
	case SQLITE_DROP_TABLE:
	case SQLITE_DROP_INDEX:
	case SQLITE_DROP_VIEW:
	case SQLITE_DROP_TRIGGER:
	case SQLITE_DROP_VTABLE:
		return in_main ? SQLITE_OK : sq_deny(b, "an object outside the main database:", a1);
	case SQLITE_ALTER_TABLE:
		/* a1 is the database here, a2 the table */
		return a1 && strcmp(a1, "main") == 0 ? SQLITE_OK : sq_deny(b, "ALTER TABLE outside main:", a2);
	case SQLITE_CREATE_TEMP_TABLE:
	case SQLITE_CREATE_TEMP_INDEX:
	case SQLITE_CREATE_TEMP_VIEW:
	case SQLITE_CREATE_TEMP_TRIGGER:
	case SQLITE_DROP_TEMP_TABLE:
	case SQLITE_DROP_TEMP_INDEX:
	case SQLITE_DROP_TEMP_VIEW:
	case SQLITE_DROP_TEMP_TRIGGER:
		return sq_deny(b, "a TEMP object:", a1);
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		if (in_main && (is_schema_table(a1) ||
		                (a1 && b->vtab[0] && strncmp(a1, b->vtab, strlen(b->vtab)) == 0)))
			return SQLITE_OK;
		/* ALTER TABLE RENAME also updates the (empty) temp schema */
		if (a1 && strcasecmp(a1, "sqlite_temp_master") == 0)
			return action == SQLITE_INSERT ? sq_deny(b, "a TEMP object", NULL) : SQLITE_OK;
		return sq_deny(b, action == SQLITE_INSERT ? "INSERT into" :
		                  action == SQLITE_UPDATE ? "UPDATE of" : "DELETE from", a1);
	case SQLITE_REINDEX:  /* what CREATE INDEX asks for */
	case SQLITE_READ:
	case SQLITE_SELECT:
	case SQLITE_RECURSIVE:
	case SQLITE_TRANSACTION:
	case SQLITE_SAVEPOINT:
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		if (a2 && (strcasecmp(a2, "load_extension") == 0 || strcasecmp(a2, "fts3_tokenizer") == 0))
			return sq_deny(b, "the function", a2);
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		return in_list(sq_pragmas, a1) ? SQLITE_OK : sq_deny(b, "PRAGMA", a1);
	case SQLITE_ATTACH:
		/* VACUUM attaches its copy: "" for VACUUM, the file for VACUUM INTO */
		if (!a1 || !*a1)
			return sq_deny(b, "VACUUM", NULL);
		return sq_deny(b, "ATTACH (or VACUUM INTO) of", a1);
	case SQLITE_DETACH:
		return sq_deny(b, "DETACH", a1);
	case SQLITE_ANALYZE:
		return sq_deny(b, "ANALYZE", NULL);
	default:
		return sq_deny(b, "this statement", NULL);
	}
}

static int sandbox_sqlite(strata_db *db, drv_conn *c, sqlite3 *h, const char *text, const char *path)
{
	struct sq_box box;
	struct drv_err e;
	int rc, attached;

	memset(&box, 0, sizeof box);
	drv_err_init(&e);
	attached = sqlite3_limit(h, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_db_config(h, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)NULL);
	sqlite3_set_authorizer(h, sq_authorize, &box);
	rc = drv_exec(c, text, &e);
	sqlite3_set_authorizer(h, NULL, NULL);
	sqlite3_limit(h, SQLITE_LIMIT_ATTACHED, attached);
	if (rc && box.why[0]) {
		size_t off = e.offset >= 0 && (size_t)e.offset <= strlen(text) ? (size_t)e.offset : 0;
		rc = db_error(db, STRATA_EPARSE, "%s:%ld: %s is not allowed in a schema file: it may "
		              "only define the schema", path, util_line_of(text, off), box.why);
	} else if (rc) {
		rc = engine_error(db, &e, text, 0, path);
	}
	drv_err_release(&e);
	return rc;
}

/* ---- PostgreSQL ------------------------------------------------------------------ */

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Settings a schema file may SET: those pg_dump writes, and search_path. */
static const char *const pg_settings[] = {
	"search_path", "check_function_bodies", "client_min_messages", "statement_timeout",
	"lock_timeout", "idle_in_transaction_session_timeout", "timezone", "datestyle",
	"intervalstyle", "standard_conforming_strings", "xmloption", "row_security",
	"default_tablespace", "default_table_access_method", "default_toast_compression",
	"extra_float_digits", "bytea_output", "escape_string_warning", NULL,
};

/* Extensions that reach outside the database (other databases, the server's
 * files, jobs elsewhere) or run untrusted code. */
static const char *const pg_bad_extensions[] = {
	"dblink", "postgres_fdw", "file_fdw", "adminpack", "pg_cron", "pg_background", "plsh", NULL,
};

/* Untrusted procedural languages are spelled pl*u by convention (plperlu,
 * plpython3u, pltclu); c and internal load server code. */
static int bad_language(const char *lang)
{
	size_t n = lang ? strlen(lang) : 0;

	if (!lang)
		return 0;
	if (strcasecmp(lang, "c") == 0 || strcasecmp(lang, "internal") == 0)
		return 1;
	return n > 2 && strncasecmp(lang, "pl", 2) == 0 && (lang[n - 1] == 'u' || lang[n - 1] == 'U');
}

/* The value of the first A_Const string in list, or NULL. */
static const char *first_sval(json_t *list)
{
	return jstr(json_object_get(json_object_get(json_array_get(list, 0), "A_Const"), "sval"), "sval");
}

/* client_encoding is allowed at its one value strata speaks: UTF8. */
static int utf8_name(const char *v)
{
	return v && (strcasecmp(v, "utf8") == 0 || strcasecmp(v, "utf-8") == 0 ||
	             strcasecmp(v, "unicode") == 0);
}

static int setting_ok(const char *name, json_t *args)
{
	if (!name)
		return 0;
	if (strcasecmp(name, "client_encoding") == 0)
		return utf8_name(first_sval(args));
	return in_list(pg_settings, name);
}

/* pg_dump's "SELECT pg_catalog.set_config('search_path', '', false)": a
 * SELECT of one set_config() call of an allowed setting, and nothing else. */
static int is_set_config(json_t *sel)
{
	json_t *tl = json_object_get(sel, "targetList"), *fc, *names, *args, *a;
	const char *fn, *schema = "pg_catalog", *name;
	size_t n, i;

	if (json_array_size(tl) != 1 || json_object_get(sel, "fromClause") ||
	    json_object_get(sel, "whereClause") || json_object_get(sel, "withClause"))
		return 0;
	fc = json_object_get(json_object_get(json_object_get(json_array_get(tl, 0), "ResTarget"), "val"),
	                     "FuncCall");
	names = json_object_get(fc, "funcname");
	n = json_array_size(names);
	if (n < 1 || n > 2)
		return 0;
	fn = jstr(json_object_get(json_array_get(names, n - 1), "String"), "sval");
	if (n == 2)
		schema = jstr(json_object_get(json_array_get(names, 0), "String"), "sval");
	if (!fn || !schema || strcmp(fn, "set_config") != 0 || strcmp(schema, "pg_catalog") != 0)
		return 0;
	args = json_object_get(fc, "args");
	if (json_array_size(args) != 3)
		return 0;
	json_array_foreach(args, i, a)
		if (!json_object_get(a, "A_Const"))
			return 0;
	name = first_sval(args);
	return name && strcasecmp(name, "client_encoding") != 0 && in_list(pg_settings, name);
}

/* Object kinds that live outside the database (or are it): a schema file
 * may not COMMENT on, rename, re-own or GRANT on them. */
static int outside_kind(const char *objtype)
{
	static const char *const kinds[] = {
		"OBJECT_DATABASE", "OBJECT_ROLE", "OBJECT_TABLESPACE", "OBJECT_FOREIGN_SERVER",
		"OBJECT_FDW", "OBJECT_LARGEOBJECT", "OBJECT_PARAMETER_ACL", "OBJECT_LANGUAGE",
		"OBJECT_SUBSCRIPTION", "OBJECT_PUBLICATION", "OBJECT_EVENT_TRIGGER", NULL,
	};
	return objtype && in_list(kinds, objtype);
}

/* What the refused statement is, for the message. */
static const char *stmt_label(const char *type)
{
	static const struct { const char *type, *label; } labels[] = {
		{ "InsertStmt", "INSERT" }, { "UpdateStmt", "UPDATE" }, { "DeleteStmt", "DELETE" },
		{ "MergeStmt", "MERGE" }, { "SelectStmt", "SELECT" }, { "CopyStmt", "COPY" },
		{ "DoStmt", "DO" }, { "CallStmt", "CALL" }, { "TruncateStmt", "TRUNCATE" },
		{ "CreatedbStmt", "CREATE DATABASE" }, { "DropdbStmt", "DROP DATABASE" },
		{ "AlterDatabaseStmt", "ALTER DATABASE" }, { "AlterDatabaseSetStmt", "ALTER DATABASE" },
		{ "CreateRoleStmt", "CREATE ROLE" }, { "AlterRoleStmt", "ALTER ROLE" },
		{ "AlterRoleSetStmt", "ALTER ROLE" }, { "DropRoleStmt", "DROP ROLE" },
		{ "GrantRoleStmt", "GRANT of a role" }, { "CreateTableSpaceStmt", "CREATE TABLESPACE" },
		{ "DropTableSpaceStmt", "DROP TABLESPACE" }, { "AlterSystemStmt", "ALTER SYSTEM" },
		{ "VacuumStmt", "VACUUM or ANALYZE" }, { "LoadStmt", "LOAD" }, { "ExplainStmt", "EXPLAIN" },
		{ "CreateEventTrigStmt", "CREATE EVENT TRIGGER" }, { "CreatePLangStmt", "CREATE LANGUAGE" },
		{ "CreateSubscriptionStmt", "CREATE SUBSCRIPTION" },
		{ "CreatePublicationStmt", "CREATE PUBLICATION" },
		{ "RefreshMatViewStmt", "REFRESH MATERIALIZED VIEW" }, { "LockStmt", "LOCK" },
		{ "NotifyStmt", "NOTIFY" }, { "ListenStmt", "LISTEN" }, { "PrepareStmt", "PREPARE" },
		{ "ExecuteStmt", "EXECUTE" }, { "DeclareCursorStmt", "DECLARE CURSOR" },
		{ "CreateForeignServerStmt", "CREATE SERVER" },
		{ "CreateFdwStmt", "CREATE FOREIGN DATA WRAPPER" },
		{ "CreateUserMappingStmt", "CREATE USER MAPPING" },
		{ "CreateForeignTableStmt", "CREATE FOREIGN TABLE" },
		{ "ImportForeignSchemaStmt", "IMPORT FOREIGN SCHEMA" }, { "ClusterStmt", "CLUSTER" },
		{ "ReindexStmt", "REINDEX" }, { "CheckPointStmt", "CHECKPOINT" },
		{ "AlterDefaultPrivilegesStmt", "ALTER DEFAULT PRIVILEGES" },
		{ "AlterExtensionStmt", "ALTER EXTENSION" },
		{ "AlterExtensionContentsStmt", "ALTER EXTENSION" },
		{ "SecLabelStmt", "SECURITY LABEL" }, { "DiscardStmt", "DISCARD" },
		{ "VariableShowStmt", "SHOW" }, { "DropOwnedStmt", "DROP OWNED" },
		{ "ReassignOwnedStmt", "REASSIGN OWNED" },
	};
	size_t i;

	for (i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (strcmp(labels[i].type, type) == 0)
			return labels[i].label;
	return NULL;
}

/* Statement kinds that define a schema and nothing else. */
static const char *const pg_schema_stmts[] = {
	"CreateStmt", "AlterTableStmt", "DropStmt", "IndexStmt", "ViewStmt", "CompositeTypeStmt",
	"CreateEnumStmt", "CreateRangeStmt", "AlterEnumStmt", "CreateDomainStmt", "AlterDomainStmt",
	"CreateSeqStmt", "AlterSeqStmt", "AlterFunctionStmt", "CreateTrigStmt",
	"AlterObjectSchemaStmt", "RuleStmt", "CreatePolicyStmt", "AlterPolicyStmt",
	"CreateStatsStmt", "AlterStatsStmt", "DefineStmt", "AlterTypeStmt", "AlterCollationStmt",
	"CreateOpClassStmt", "CreateOpFamilyStmt", "AlterOpFamilyStmt", "AlterOperatorStmt",
	"AlterTSDictionaryStmt", "AlterTSConfigurationStmt", "CreateConversionStmt", "CreateCastStmt",
	"CreateTransformStmt", NULL,
};

/* PG_UNMODELED: allowed, but the model does not carry it (refused);
 * PG_IGNORE: privileges and owners, not run (see pg_modeled()). */
enum { PG_RUN, PG_SKIP, PG_MATVIEW, PG_REFUSE, PG_UNMODELED, PG_IGNORE };

static int pg_decide(const char *type, json_t *n, struct sbuf *why, long *loc);

/*
 * Whether one parsed statement (type, node) may run: PG_RUN, PG_SKIP
 * (transaction control: the statements run one by one anyway), PG_MATVIEW
 * (run WITH NO DATA), or PG_REFUSE with why filled.
 */
static int pg_allowed(const char *type, json_t *n, struct sbuf *why, long *loc)
{
	const char *s;
	size_t i;
	json_t *it;

	if (in_list(pg_schema_stmts, type))
		return PG_RUN;
	if (strcmp(type, "CreateTableAsStmt") == 0) {
		if ((s = jstr(n, "objtype")) && strcmp(s, "OBJECT_MATVIEW") == 0)
			return PG_MATVIEW;
		sbuf_adds(why, "CREATE TABLE AS (it copies rows; write CREATE TABLE)");
		return PG_REFUSE;
	}
	if (strcmp(type, "CreateFunctionStmt") == 0) {
		json_array_foreach(json_object_get(n, "options"), i, it) {
			json_t *de = json_object_get(it, "DefElem");
			s = jstr(de, "defname");
			if (!s || strcmp(s, "language") != 0)
				continue;
			s = jstr(json_object_get(json_object_get(de, "arg"), "String"), "sval");
			if (bad_language(s)) {
				sbuf_addf(why, "a function in LANGUAGE %s", s);
				return PG_REFUSE;
			}
		}
		return PG_RUN;
	}
	if (strcmp(type, "CreateExtensionStmt") == 0) {
		s = jstr(n, "extname");
		if (s && (in_list(pg_bad_extensions, s) || bad_language(s))) {
			sbuf_addf(why, "CREATE EXTENSION %s (it reaches outside the database)", s);
			return PG_REFUSE;
		}
		return PG_RUN;
	}
	if (strcmp(type, "CreateSchemaStmt") == 0) {
		json_array_foreach(json_object_get(n, "schemaElts"), i, it) {
			const char *t = json_object_iter_key(json_object_iter(it));
			json_t *v = json_object_iter_value(json_object_iter(it));
			int d;
			if (!t)
				continue;
			d = pg_decide(t, v, why, loc);
			if (d == PG_RUN)
				continue;
			if (d == PG_UNMODELED)
				return d;
			if (d != PG_REFUSE)
				sbuf_addf(why, "%s inside CREATE SCHEMA", t);
			return PG_REFUSE;
		}
		return PG_RUN;
	}
	if (strcmp(type, "CommentStmt") == 0 || strcmp(type, "GrantStmt") == 0 ||
	    strcmp(type, "AlterOwnerStmt") == 0 || strcmp(type, "RenameStmt") == 0) {
		s = jstr(n, strcmp(type, "AlterOwnerStmt") == 0 ? "objectType" :
		            strcmp(type, "RenameStmt") == 0 ? "renameType" : "objtype");
		if (outside_kind(s)) {
			sbuf_addf(why, "%s on %s", strcmp(type, "CommentStmt") == 0 ? "COMMENT" :
			          strcmp(type, "GrantStmt") == 0 ? "GRANT or REVOKE" :
			          strcmp(type, "RenameStmt") == 0 ? "RENAME" : "ALTER OWNER",
			          s + strlen("OBJECT_"));
			return PG_REFUSE;
		}
		return PG_RUN;
	}
	if (strcmp(type, "VariableSetStmt") == 0) {
		s = jstr(n, "kind");
		if (s && strcmp(s, "VAR_RESET_ALL") == 0)
			return PG_RUN;
		if (s && strcmp(s, "VAR_SET_MULTI") != 0 && setting_ok(jstr(n, "name"), json_object_get(n, "args")))
			return PG_RUN;
		sbuf_addf(why, "SET %s", jstr(n, "name") ? jstr(n, "name") : "TRANSACTION");
		return PG_REFUSE;
	}
	if (strcmp(type, "SelectStmt") == 0 && is_set_config(n))
		return PG_RUN;
	if (strcmp(type, "TransactionStmt") == 0) {
		s = jstr(n, "kind");
		if (s && (strcmp(s, "TRANS_STMT_BEGIN") == 0 || strcmp(s, "TRANS_STMT_START") == 0 ||
		          strcmp(s, "TRANS_STMT_COMMIT") == 0))
			return PG_SKIP;
		sbuf_adds(why, "this transaction control");
		return PG_REFUSE;
	}
	s = stmt_label(type);
	if (s)
		sbuf_adds(why, s);
	else
		sbuf_addf(why, "this statement (%s)", type);
	return PG_REFUSE;
}

/* ---- what the model carries ------------------------------------------------------ */

/*
 * The model (schema.h) is all diff, generate and push see of a schema file:
 * a statement that makes what the model does not carry would run here, be
 * read back without it, and be left out of the plan without a word (push
 * "in sync" while the database lacks it). So those are refused too, before
 * anything runs, naming the construct and its line (docs/postgresql.md
 * lists them). Each entry goes when the model learns the construct.
 *
 * Carried since issue 22 (pgtypes.c): domains, composite and range types,
 * EXCLUDE constraints (but not their USING INDEX TABLESPACE); INCLUDE on a
 * PRIMARY KEY or UNIQUE (struct schema_pk, struct schema_unique) or an
 * EXCLUDE constraint (in its pg_get_constraintdef() text); CREATE COLLATION
 * (collations.c; ALTER COLLATION stays refused); CREATE STATISTICS
 * (extstats.c; ALTER STATISTICS stays refused); COMMENT ON both.
 *
 * Not refused here: the attributes issue 25 teaches the model (PRIMARY KEY
 * DEFERRABLE, NOT VALID, NO INHERIT, MATCH FULL, index NULLS FIRST/LAST and
 * NULLS NOT DISTINCT, WITH (...) storage parameters, view options).
 *
 * Privileges and owners (GRANT, REVOKE, ALTER ... OWNER TO) are not the
 * schema strata manages: they are skipped, with a warning, and stay as they
 * are in the target (docs/postgresql.md).
 */

/* The "location" of node n (a byte offset in the statement), or -1. */
static long node_loc(json_t *n)
{
	json_t *l = json_object_get(n, "location");

	return json_is_integer(l) ? (long)json_integer_value(l) : -1;
}

static int refuse_at(struct sbuf *why, long *loc, json_t *n, const char *what)
{
	sbuf_adds(why, what);
	if (n && node_loc(n) >= 0)
		*loc = node_loc(n);
	return PG_UNMODELED;
}

/* One Constraint node, of a table or (with its attribute nodes following)
 * of a column. */
static int constraint_unmodeled(json_t *con, struct sbuf *why, long *loc)
{
	const char *t = jstr(con, "contype");

	if (!t)
		return PG_RUN;
	if (jstr(con, "indexspace"))
		return refuse_at(why, loc, con, "USING INDEX TABLESPACE");
	if (json_array_size(json_object_get(con, "fk_del_set_cols")))
		return refuse_at(why, loc, con, "ON DELETE SET NULL/DEFAULT with a column list");
	return PG_RUN;
}

static int column_unmodeled(json_t *col, struct sbuf *why, long *loc)
{
	size_t i;
	json_t *it;
	int d;

	json_array_foreach(json_object_get(col, "constraints"), i, it)
		if ((d = constraint_unmodeled(json_object_get(it, "Constraint"), why, loc)) != PG_RUN)
			return d;
	return PG_RUN;
}

/* relpersistence of a RangeVar: 'u' unlogged, 't' temporary. */
static int persistence_unmodeled(json_t *rv, const char *what, struct sbuf *why, long *loc)
{
	const char *p = jstr(rv, "relpersistence");

	/* UNLOGGED tables are carried (SET LOGGED / SET UNLOGGED); views and
	 * sequences are not. */
	if (p && !strcmp(p, "u") && strcmp(what, "table") != 0) {
		sbuf_addf(why, "an UNLOGGED %s", what);
		return refuse_at(why, loc, rv, "");
	}
	if (p && !strcmp(p, "t")) {
		sbuf_addf(why, "a TEMPORARY %s", what);
		return refuse_at(why, loc, rv, "");
	}
	return PG_RUN;
}

/* CREATE TABLE ... PARTITION OF parent (c WITH OPTIONS ...): a default or
 * NOT NULL of the partition's own, which the model does not carry (its
 * columns are its parent's, schema.h). Table constraints are carried. */
static int partition_columns_unmodeled(json_t *n, struct sbuf *why, long *loc)
{
	json_t *it;
	size_t i;

	json_array_foreach(json_object_get(n, "tableElts"), i, it) {
		json_t *c = json_object_get(it, "ColumnDef");
		if (c)
			return refuse_at(why, loc, c, "column options on a partition (PARTITION OF ... "
			                 "(column WITH OPTIONS ...))");
	}
	return PG_RUN;
}

static int create_table_unmodeled(json_t *n, struct sbuf *why, long *loc)
{
	json_t *rel = json_object_get(n, "relation"), *it;
	const char *am = jstr(n, "accessMethod");
	size_t i;
	int d;

	if ((d = persistence_unmodeled(rel, "table", why, loc)) != PG_RUN)
		return d;
	/* PARTITION BY, PARTITION OF and INHERITS are carried (issue 22); a
	 * partition's columns are its parent's, so options of its own are not. */
	if (json_object_get(n, "partbound") && (d = partition_columns_unmodeled(n, why, loc)) != PG_RUN)
		return d;
	if (json_object_get(n, "ofTypename"))
		return refuse_at(why, loc, rel, "CREATE TABLE ... OF a composite type");
	if (am && strcmp(am, "heap") != 0)
		return refuse_at(why, loc, rel, "a table access method (USING)");
	if (jstr(n, "tablespacename"))
		return refuse_at(why, loc, rel, "TABLESPACE");
	json_array_foreach(json_object_get(n, "tableElts"), i, it) {
		json_t *c;
		if ((c = json_object_get(it, "ColumnDef")) != NULL)
			d = column_unmodeled(c, why, loc);
		else if ((c = json_object_get(it, "Constraint")) != NULL)
			d = constraint_unmodeled(c, why, loc);
		else
			d = PG_RUN;
		if (d != PG_RUN)
			return d;
	}
	return PG_RUN;
}

/* ALTER TABLE (and ALTER INDEX, VIEW, SEQUENCE ...) subcommands whose result
 * the model carries; the rest are refused, named from this table. */
static const char *const alter_carried[] = {
	"AT_AddColumn", "AT_AddColumnToView", "AT_ColumnDefault", "AT_CookedColumnDefault",
	"AT_DropNotNull", "AT_SetNotNull", "AT_DropColumn", "AT_AddConstraint", "AT_AlterConstraint",
	"AT_ValidateConstraint", "AT_DropConstraint", "AT_AlterColumnType", "AT_AddIdentity",
	"AT_SetIdentity", "AT_DropIdentity", "AT_DropExpression", "AT_SetRelOptions",
	"AT_ResetRelOptions", "AT_EnableRowSecurity", "AT_DisableRowSecurity",
	"AT_ForceRowSecurity", "AT_NoForceRowSecurity", "AT_SetLogged", "AT_SetUnLogged",
	"AT_SetStorage", "AT_SetCompression", "AT_SetStatistics",
	/* issue 22 (DETACH ... CONCURRENTLY and FINALIZE stay refused) */
	"AT_AttachPartition", "AT_DetachPartition", "AT_AddInherit", "AT_DropInherit", NULL,
};

static const char *alter_label(const char *subtype)
{
	static const struct { const char *subtype, *label; } labels[] = {
		{ "AT_AttachPartition", "ATTACH PARTITION" }, { "AT_DetachPartition", "DETACH PARTITION" },
		{ "AT_DetachPartitionFinalize", "DETACH PARTITION" },
		{ "AT_AddInherit", "INHERIT (table inheritance)" },
		{ "AT_DropInherit", "NO INHERIT (table inheritance)" },
		{ "AT_SetLogged", "SET LOGGED" }, { "AT_SetUnLogged", "SET UNLOGGED" },
		{ "AT_SetStatistics", "ALTER COLUMN SET STATISTICS" },
		{ "AT_SetOptions", "ALTER COLUMN SET (attribute options)" },
		{ "AT_ResetOptions", "ALTER COLUMN RESET (attribute options)" },
		{ "AT_SetStorage", "ALTER COLUMN SET STORAGE" },
		{ "AT_SetCompression", "ALTER COLUMN SET COMPRESSION" },
		{ "AT_ClusterOn", "CLUSTER ON" }, { "AT_DropCluster", "SET WITHOUT CLUSTER" },
		{ "AT_SetTableSpace", "SET TABLESPACE" }, { "AT_SetAccessMethod", "SET ACCESS METHOD" },
		{ "AT_ReplicaIdentity", "REPLICA IDENTITY" },
		{ "AT_AddOf", "OF a composite type" }, { "AT_DropOf", "NOT OF" },
		{ "AT_EnableTrig", "ENABLE TRIGGER" }, { "AT_EnableAlwaysTrig", "ENABLE ALWAYS TRIGGER" },
		{ "AT_EnableReplicaTrig", "ENABLE REPLICA TRIGGER" },
		{ "AT_DisableTrig", "DISABLE TRIGGER" }, { "AT_EnableTrigAll", "ENABLE TRIGGER ALL" },
		{ "AT_DisableTrigAll", "DISABLE TRIGGER ALL" }, { "AT_EnableTrigUser", "ENABLE TRIGGER USER" },
		{ "AT_DisableTrigUser", "DISABLE TRIGGER USER" }, { "AT_EnableRule", "ENABLE RULE" },
		{ "AT_EnableAlwaysRule", "ENABLE ALWAYS RULE" }, { "AT_EnableReplicaRule", "ENABLE REPLICA RULE" },
		{ "AT_DisableRule", "DISABLE RULE" }, { "AT_GenericOptions", "OPTIONS (...)" },
	};
	size_t i;

	for (i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(labels[i].subtype, subtype))
			return labels[i].label;
	return NULL;
}

static int alter_table_unmodeled(json_t *n, struct sbuf *why, long *loc)
{
	json_t *cmds = json_object_get(n, "cmds"), *it;
	size_t i, owners = 0;
	int d;

	json_array_foreach(cmds, i, it) {
		json_t *cmd = json_object_get(it, "AlterTableCmd"), *def = json_object_get(cmd, "def");
		const char *st = jstr(cmd, "subtype");

		if (!st)
			continue;
		if (!strcmp(st, "AT_ChangeOwner")) {
			owners++;
			continue;
		}
		if (!strcmp(st, "AT_DetachPartition") &&
		    json_is_true(json_object_get(json_object_get(def, "PartitionCmd"), "concurrent"))) {
			sbuf_adds(why, "ALTER ... DETACH PARTITION CONCURRENTLY");
			return refuse_at(why, loc, json_object_get(n, "relation"), "");
		}
		if (!in_list(alter_carried, st)) {
			if (alter_label(st))
				sbuf_addf(why, "ALTER ... %s", alter_label(st));
			else
				sbuf_addf(why, "ALTER ... (%s)", st);
			return refuse_at(why, loc, json_object_get(n, "relation"), "");
		}
		if (json_object_get(def, "ColumnDef"))
			d = column_unmodeled(json_object_get(def, "ColumnDef"), why, loc);
		else if (json_object_get(def, "Constraint"))
			d = constraint_unmodeled(json_object_get(def, "Constraint"), why, loc);
		else
			d = PG_RUN;
		if (d != PG_RUN)
			return d;
	}
	if (owners && owners == json_array_size(cmds))
		return PG_IGNORE;
	if (owners) {
		sbuf_adds(why, "OWNER TO together with other changes in one ALTER");
		return refuse_at(why, loc, json_object_get(n, "relation"), "");
	}
	return PG_RUN;
}

/* Statement kinds the model does not carry at all. */
static const char *unmodeled_label(const char *type, json_t *n)
{
	static const struct { const char *type, *label; } labels[] = {
		{ "RuleStmt", "CREATE RULE" },
		{ "AlterStatsStmt", "ALTER STATISTICS" }, { "AlterTypeStmt", "ALTER TYPE ... SET" },
		{ "AlterCollationStmt", "ALTER COLLATION" },
		{ "CreateOpClassStmt", "CREATE OPERATOR CLASS" },
		{ "CreateOpFamilyStmt", "CREATE OPERATOR FAMILY" },
		{ "AlterOpFamilyStmt", "ALTER OPERATOR FAMILY" }, { "AlterOperatorStmt", "ALTER OPERATOR" },
		{ "AlterTSDictionaryStmt", "ALTER TEXT SEARCH DICTIONARY" },
		{ "AlterTSConfigurationStmt", "ALTER TEXT SEARCH CONFIGURATION" },
		{ "CreateConversionStmt", "CREATE CONVERSION" }, { "CreateCastStmt", "CREATE CAST" },
		{ "CreateTransformStmt", "CREATE TRANSFORM" },
	};
	static const struct { const char *kind, *label; } defines[] = {
		{ "OBJECT_AGGREGATE", "CREATE AGGREGATE" }, { "OBJECT_OPERATOR", "CREATE OPERATOR" },
		{ "OBJECT_TYPE", "CREATE TYPE (a base or shell type)" },
		{ "OBJECT_TSPARSER", "CREATE TEXT SEARCH PARSER" },
		{ "OBJECT_TSDICTIONARY", "CREATE TEXT SEARCH DICTIONARY" },
		{ "OBJECT_TSTEMPLATE", "CREATE TEXT SEARCH TEMPLATE" },
		{ "OBJECT_TSCONFIGURATION", "CREATE TEXT SEARCH CONFIGURATION" },
	};
	const char *k;
	size_t i;

	for (i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(labels[i].type, type))
			return labels[i].label;
	if (strcmp(type, "DefineStmt") != 0)
		return NULL;
	k = jstr(n, "kind");
	if (k && !strcmp(k, "OBJECT_COLLATION")) /* CREATE COLLATION: collations.c */
		return NULL;
	for (i = 0; k && i < sizeof defines / sizeof defines[0]; i++)
		if (!strcmp(defines[i].kind, k))
			return defines[i].label;
	return "this DEFINE statement";
}

/* COMMENT ON the kinds the model keeps comments of (schema_comment). */
static const char *const comment_kinds[] = {
	"OBJECT_TABLE", "OBJECT_COLUMN", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_INDEX",
	"OBJECT_SEQUENCE", "OBJECT_TYPE", "OBJECT_SCHEMA", "OBJECT_TRIGGER", "OBJECT_TABCONSTRAINT",
	"OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE", "OBJECT_EXTENSION",
	"OBJECT_DOMAIN", "OBJECT_COLLATION", "OBJECT_STATISTIC_EXT", NULL,
};

/*
 * A statement pg_allowed() lets run: PG_RUN when the model carries what it
 * makes, PG_IGNORE for privileges and owners, else PG_UNMODELED with why
 * filled and *loc the offset of the construct in the statement (or -1).
 */
static int pg_modeled(const char *type, json_t *n, struct sbuf *why, long *loc)
{
	const char *s;

	if ((s = unmodeled_label(type, n)) != NULL)
		return refuse_at(why, loc, NULL, s);
	if (!strcmp(type, "CreateStmt"))
		return create_table_unmodeled(n, why, loc);
	if (!strcmp(type, "AlterTableStmt"))
		return alter_table_unmodeled(n, why, loc);
	if (!strcmp(type, "IndexStmt")) {
		if (jstr(n, "tableSpace"))
			return refuse_at(why, loc, NULL, "TABLESPACE on an index");
		return PG_RUN;
	}
	if (!strcmp(type, "ViewStmt"))
		return persistence_unmodeled(json_object_get(n, "view"), "view", why, loc);
	if (!strcmp(type, "CreateSeqStmt"))
		return persistence_unmodeled(json_object_get(n, "sequence"), "sequence", why, loc);
	if (!strcmp(type, "CreateTableAsStmt")) {
		json_t *into = json_object_get(n, "into");
		if (jstr(into, "tableSpaceName"))
			return refuse_at(why, loc, NULL, "TABLESPACE on a materialized view");
		if (jstr(into, "accessMethod") && strcmp(jstr(into, "accessMethod"), "heap") != 0)
			return refuse_at(why, loc, NULL, "a materialized view's access method (USING)");
		return PG_RUN;
	}
	if (!strcmp(type, "CommentStmt")) {
		s = jstr(n, "objtype");
		if (s && !in_list(comment_kinds, s)) {
			/* the parser's names, but for the one SQL spells otherwise */
			sbuf_addf(why, "COMMENT ON %s", !strcmp(s, "OBJECT_STATISTIC_EXT") ? "STATISTICS" :
			          s + strlen("OBJECT_"));
			return PG_UNMODELED;
		}
		return PG_RUN;
	}
	if (!strcmp(type, "CreateSchemaStmt") && json_object_get(n, "authrole"))
		return refuse_at(why, loc, NULL, "CREATE SCHEMA ... AUTHORIZATION (owners are not carried)");
	if (!strcmp(type, "GrantStmt") || !strcmp(type, "AlterOwnerStmt"))
		return PG_IGNORE;
	return PG_RUN;
}

/* Decide one parsed statement: pg_allowed(), then pg_modeled() for what may
 * run. */
static int pg_decide(const char *type, json_t *n, struct sbuf *why, long *loc)
{
	int d = pg_allowed(type, n, why, loc), m;

	if (d != PG_RUN && d != PG_MATVIEW)
		return d;
	m = pg_modeled(type, n, why, loc);
	return m == PG_RUN ? d : m;
}

/* Parse one statement; *type and *node borrow from *root (json_decref it). */
static int pg_parse_one(const char *sql, json_t **root, const char **type, json_t **node)
{
	PgQueryParseResult r = pg_query_parse(sql);
	json_t *stmts, *st;
	int ok = 0;

	*root = NULL;
	*type = NULL;
	*node = NULL;
	if (!r.error && r.parse_tree && (*root = json_loads(r.parse_tree, 0, NULL)) != NULL) {
		stmts = json_object_get(*root, "stmts");
		st = json_object_get(json_array_get(stmts, 0), "stmt");
		if (json_array_size(stmts) == 1 && json_is_object(st) && json_object_size(st) == 1) {
			*type = json_object_iter_key(json_object_iter(st));
			*node = json_object_iter_value(json_object_iter(st));
			ok = 1;
		}
	}
	pg_query_free_parse_result(r);
	return ok;
}

/* 1 when sql is one CREATE MATERIALIZED VIEW ... WITH NO DATA. */
static int is_matview_no_data(const char *sql)
{
	json_t *root, *node;
	const char *type;
	int yes = 0;

	if (pg_parse_one(sql, &root, &type, &node) && strcmp(type, "CreateTableAsStmt") == 0)
		yes = json_is_true(json_object_get(json_object_get(node, "into"), "skipData"));
	json_decref(root);
	return yes;
}

/*
 * The materialized view stmt (len bytes) made WITH NO DATA into out: its
 * query is stored, not run. "... WITH NO DATA" appended (on a line of its
 * own, after a trailing comment), or an explicit "WITH DATA" rewritten;
 * the result is parsed again to be sure. 0 when neither works.
 */
static int matview_no_data(const char *stmt, size_t len, struct sbuf *out)
{
	size_t i;

	sbuf_reset(out);
	sbuf_add(out, stmt, len);
	if (!sbuf_failed(out) && is_matview_no_data(out->buf))
		return 1;
	sbuf_adds(out, "\nWITH NO DATA");
	if (!sbuf_failed(out) && is_matview_no_data(out->buf))
		return 1;
	/* The last "data" preceded by "with": WITH DATA, written out. */
	for (i = len; i >= 4; i--) {
		size_t w;
		if (strncasecmp(stmt + i - 4, "data", 4) != 0)
			continue;
		w = i - 4;
		while (w > 0 && (stmt[w - 1] == ' ' || stmt[w - 1] == '\t' || stmt[w - 1] == '\n' ||
		                 stmt[w - 1] == '\r'))
			w--;
		if (w < 4 || strncasecmp(stmt + w - 4, "with", 4) != 0)
			continue;
		sbuf_reset(out);
		sbuf_add(out, stmt, w);
		sbuf_adds(out, " NO ");
		sbuf_add(out, stmt + i - 4, len - (i - 4));
		return !sbuf_failed(out) && is_matview_no_data(out->buf);
	}
	return 0;
}

/*
 * The materialized view stmt creates, as a regclass literal for
 * to_regclass() ("s"."name", or "name" alone as the search_path finds it),
 * into out; 0 when the statement does not say.
 */
static int matview_regclass(const char *stmt, struct sbuf *out)
{
	json_t *root, *node, *rel;
	const char *type, *nsp, *name;
	int ok = 0;

	sbuf_reset(out);
	if (pg_parse_one(stmt, &root, &type, &node) && strcmp(type, "CreateTableAsStmt") == 0) {
		rel = json_object_get(json_object_get(node, "into"), "rel");
		nsp = jstr(rel, "schemaname");
		name = jstr(rel, "relname");
		if (name) {
			if (nsp) {
				sbuf_add_ident(out, nsp);
				sbuf_addc(out, '.');
			}
			sbuf_add_ident(out, name);
			ok = !sbuf_failed(out);
		}
	}
	json_decref(root);
	return ok;
}

/*
 * Every materialized view runs WITH NO DATA here, so the catalog says
 * "not populated" of them all. Those the file leaves populated are noted by
 * oid as they are made (the search_path of that moment names them; a later
 * RENAME or SET SCHEMA keeps the oid), then named in populated as
 * schema, name pairs once the whole file has run.
 */
static int note_populated(strata_db *db, drv_conn *c, const char *stmt, struct sbuf *oids)
{
	struct drv_rows *r = NULL;
	struct drv_err e;
	struct sbuf rel = SBUF_INIT;
	const char *param;
	int rc = 0;

	drv_err_init(&e);
	if (!matview_regclass(stmt, &rel))
		goto out; /* not found: it stays "not populated", the safe side */
	param = rel.buf;
	if ((rc = drv_query(c, "SELECT pg_catalog.to_regclass($1)::pg_catalog.oid", &param, 1, &r,
	                    &e)) != 0) {
		rc = db_error_drv(db, &e, "cannot read the schema file's materialized view back");
		goto out;
	}
	if (r->nrows == 1 && drv_cell(r, 0, 0)) {
		sbuf_addc(oids, oids->len ? ',' : '{');
		sbuf_adds(oids, drv_cell(r, 0, 0));
	}
out:
	drv_rows_free(r);
	drv_err_release(&e);
	sbuf_release(&rel);
	return rc;
}

static int name_populated(strata_db *db, drv_conn *c, struct sbuf *oids,
                          struct schema_names *populated)
{
	struct drv_rows *r = NULL;
	struct drv_err e;
	const char *param;
	size_t i;
	int rc = 0;

	if (!oids->len)
		return 0;
	sbuf_addc(oids, '}');
	if (sbuf_failed(oids))
		return db_error(db, STRATA_ENOMEM, "out of memory");
	drv_err_init(&e);
	param = oids->buf;
	/* Every name qualified: the file has run, and may have SET a
	 * search_path that puts its own operators first. */
	rc = drv_query(c, "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
	               "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
	               "WHERE c.oid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[]) "
	               "AND c.relkind OPERATOR(pg_catalog.=) 'm'",
	               &param, 1, &r, &e);
	if (rc) {
		rc = db_error_drv(db, &e, "cannot read the schema file's materialized views back");
		goto out;
	}
	for (i = 0; i < r->nrows && !rc; i++)
		if (drv_cell(r, i, 0) && drv_cell(r, i, 1) &&
		    (schema_names_add(populated, drv_cell(r, i, 0)) ||
		     schema_names_add(populated, drv_cell(r, i, 1))))
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
out:
	drv_rows_free(r);
	drv_err_release(&e);
	return rc;
}

static int sandbox_pg(strata_db *db, drv_conn *c, const char *text, const char *path,
                      struct schema_names *populated)
{
	struct drv_stmts st = { 0, NULL };
	struct drv_err e;
	struct sbuf one = SBUF_INIT, why = SBUF_INIT, oids = SBUF_INIT;
	unsigned char *what = NULL;
	size_t i, ignored = 0, first_ignored = 0;
	long loc;
	int rc;

	drv_err_init(&e);
	/* The whole file first: nothing runs unless every statement passes. */
	if ((rc = drv_split(c->driver, text, &st, &e)) != 0) {
		/* The server may be newer than the parser: say which syntax is read. */
		if (e.code != STRATA_ENOMEM)
			sbuf_adds(&e.msg, " (strata parses PostgreSQL 15 syntax: newer clauses, such as "
			          "16's column STORAGE, are not read)");
		rc = engine_error(db, &e, text, 0, path);
		goto out;
	}
	if (st.n && !(what = calloc(st.n, 1))) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < st.n; i++) {
		json_t *root, *node;
		const char *type;

		sbuf_reset(&one);
		sbuf_add(&one, text + st.v[i].offset, st.v[i].len);
		if (sbuf_failed(&one)) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		if (!pg_parse_one(one.buf, &root, &type, &node)) {
			json_decref(root);
			rc = db_error(db, STRATA_EPARSE, "%s:%ld: cannot read this statement alone", path,
			              util_line_of(text, st.v[i].offset));
			goto out;
		}
		sbuf_reset(&why);
		loc = -1;
		what[i] = (unsigned char)pg_decide(type, node, &why, &loc);
		json_decref(root);
		if (what[i] == PG_REFUSE) {
			rc = db_error(db, STRATA_EPARSE, "%s:%ld: %s is not allowed in a schema file: it may "
			              "only define the schema", path, util_line_of(text, st.v[i].offset),
			              sbuf_failed(&why) ? "this statement" : why.buf);
			goto out;
		}
		if (what[i] == PG_UNMODELED) {
			size_t at = st.v[i].offset;
			if (loc >= 0 && (size_t)loc < st.v[i].len)
				at += (size_t)loc;
			rc = db_error(db, STRATA_EPARSE, "%s:%ld: %s is not supported in a schema file: "
			              "strata's model does not carry it, so diff, generate and push would "
			              "leave it out", path, util_line_of(text, at),
			              sbuf_failed(&why) ? "this statement" : why.buf);
			goto out;
		}
		if (what[i] == PG_IGNORE && !ignored++)
			first_ignored = st.v[i].offset;
	}
	/* Not silently: push leaves privileges and owners as the target has them. */
	if (ignored)
		db_log(db, STRATA_LOG_WARN, "%s:%ld: GRANT, REVOKE and OWNER TO are not applied (%zu "
		       "statement%s): strata does not manage privileges or owners", path,
		       util_line_of(text, first_ignored), ignored, ignored == 1 ? "" : "s");
	for (i = 0; i < st.n; i++) {
		if (what[i] == PG_SKIP || what[i] == PG_IGNORE)
			continue;
		if (what[i] == PG_MATVIEW) {
			if (!matview_no_data(text + st.v[i].offset, st.v[i].len, &one)) {
				rc = db_error(db, STRATA_EPARSE, "%s:%ld: cannot make this materialized view "
				              "WITH NO DATA to read it (write WITH NO DATA or leave WITH DATA out)",
				              path, util_line_of(text, st.v[i].offset));
				goto out;
			}
		} else {
			sbuf_reset(&one);
			sbuf_add(&one, text + st.v[i].offset, st.v[i].len);
		}
		if (sbuf_failed(&one)) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = drv_exec(c, one.buf, &e)) != 0) {
			rc = engine_error(db, &e, text, st.v[i].offset, path);
			goto out;
		}
		if (what[i] == PG_MATVIEW) {
			sbuf_reset(&one);
			sbuf_add(&one, text + st.v[i].offset, st.v[i].len);
			if (sbuf_failed(&one)) {
				rc = db_error(db, STRATA_ENOMEM, "out of memory");
				goto out;
			}
			if (!is_matview_no_data(one.buf) && (rc = note_populated(db, c, one.buf, &oids)))
				goto out;
		}
	}
	rc = name_populated(db, c, &oids, populated);
out:
	free(what);
	drv_stmts_release(&st);
	drv_err_release(&e);
	sbuf_release(&one);
	sbuf_release(&why);
	sbuf_release(&oids);
	return rc;
}

int sandbox_exec(strata_db *db, drv_conn *c, const char *text, const char *path,
                 struct schema_names *populated)
{
	sqlite3 *h = drv_sqlite_handle(c);

	if (h)
		return sandbox_sqlite(db, c, h, text, path);
	return sandbox_pg(db, c, text, path, populated);
}
