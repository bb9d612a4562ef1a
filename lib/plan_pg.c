/*
 * plan_pg.c: a diff (diff.h) -> SQL for PostgreSQL.
 *
 * PostgreSQL alters what it has in place, so every change is one or a few
 * ALTER statements, in the diff's order. What the engine cannot do in one
 * step is spelled out:
 *   - a type change gets USING col::type when no assignment cast may exist
 *     (never for a length-limited character type, whose explicit cast would
 *     truncate silently where the assignment cast fails loudly), and the
 *     column's default is dropped first and set again after, since an old
 *     default need not cast;
 *   - foreign keys and CHECKs on existing tables are added NOT VALID and
 *     then validated: the long scan holds a lighter lock;
 *   - an enum that loses or reorders values is replaced: the old type is
 *     renamed away, the new one made, the columns moved over through text,
 *     the old one dropped;
 *   - a generated column whose expression changes is dropped and added
 *     (PostgreSQL 15 cannot alter the expression; the values are computed);
 *   - with concurrent indexes, indexes on existing tables are built
 *     CONCURRENTLY, which cannot run in a transaction: *no_tx says so;
 *   - with o->safe (generate's default), what locks an existing table for
 *     a scan or a build moves to a late part of its own (diff.h,
 *     PLAN_SAFE_*): CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT,
 *     SET NOT NULL through a validated CHECK (col IS NOT NULL), and
 *     UNIQUE / PRIMARY KEY USING INDEX on an index built CONCURRENTLY.
 * Every name goes through schema_add_ident / schema_add_qname.
 */
#include "diff.h"

#include <stdlib.h>
#include <string.h>

#include "strata.h"

static void qn(struct sbuf *sb, const char *nsp, const char *name)
{
	schema_add_qname(sb, nsp, name);
}

static void id(struct sbuf *sb, const char *name)
{
	schema_add_ident(sb, name);
}

static void end(struct sbuf *sb)
{
	sbuf_adds(sb, ";\n");
}

static void alter_table(struct sbuf *sb, const struct schema_table *t)
{
	sbuf_adds(sb, "ALTER TABLE ");
	qn(sb, t->schema, t->name);
	sbuf_addc(sb, ' ');
}

/* Text without the trailing semicolon and blanks the catalogs sometimes keep. */
static void add_stmt(struct sbuf *sb, const char *sql)
{
	size_t n = strlen(sql);

	while (n && (sql[n - 1] == ';' || sql[n - 1] == ' ' || sql[n - 1] == '\n' || sql[n - 1] == '\t'))
		n--;
	sbuf_add(sb, sql, n);
	end(sb);
}

static void alter_add(struct sbuf *sb, const struct schema_table *t, const char *name);
/* Partitioning and inheritance (issue 22), at the end of this file. */
static void partition_plan(struct sbuf *sb, const struct diff *d, const struct diff_change *c);
static int done_by_parent(const struct diff *d, const struct diff_change *c);
static int is_partitioned(const struct diff *d, const char *nsp, const char *name);

/* ---- the lock-safe forms' late part (diff.h, PLAN_SAFE_*) ------------------ */

/* 1 when the foreign key change c is on a table this diff creates. */
static int fk_on_new_table(const struct diff_change *c)
{
	return c->implied && c->pair && !c->pair->a;
}

/* The name of the CHECK (col IS NOT NULL) that stands in for SET NOT NULL
 * until it is validated: "<table>_<column>_not_null", cut to PostgreSQL's
 * 63 bytes on a character boundary. */
static void not_null_check_name(struct sbuf *sb, const struct schema_table *t,
                                const struct schema_column *c)
{
	struct sbuf n = SBUF_INIT;
	size_t len;

	sbuf_addf(&n, "%s_%s_not_null", t->name, c->name);
	len = n.len;
	if (len > 63) {
		len = 63;
		while (len && ((unsigned char)n.buf[len] & 0xC0) == 0x80)
			len--;
	}
	if (!sbuf_failed(&n))
		sbuf_truncate(&n, len);
	id(sb, sbuf_failed(&n) ? "strata_not_null" : n.buf);
	sbuf_release(&n);
}

/*
 * 1 when index ix, created by up diff d, is built CONCURRENTLY in the late
 * part: its table is in both models (a table made here is empty and
 * unseen), and no foreign key this diff adds references the table, since
 * one may need a unique index of it to exist first.
 */
static int late_index(const struct diff *d, const struct schema_index *ix)
{
	size_t k;
	int old = 0;

	for (k = 0; k < d->npairs && !old; k++) {
		const struct schema_table *t = d->pairs[k]->b;
		if (d->pairs[k]->a && t && !schema_name_cmp(d->b, t->name, ix->table) &&
		    !schema_name_cmp(d->b, t->schema, ix->schema))
			old = 1;
	}
	if (!old || is_partitioned(d, ix->schema, ix->table))
		return 0; /* no CONCURRENTLY on a partitioned table */
	for (k = 0; k < d->n; k++) {
		const struct diff_change *c = &d->v[k];
		if (c->kind == DIFF_ADD_FK && c->fb->ref_table &&
		    !schema_name_cmp(d->b, c->fb->ref_table, ix->table))
			return 0;
	}
	return 1;
}

/* 1 when the down diff's drop of index ix is done by the late part's down
 * of up diff up (its index, built there). */
static int late_index_dropped(const struct diff *up, const struct schema_index *ix)
{
	size_t k;

	for (k = 0; up && k < up->n; k++) {
		const struct diff_change *c = &up->v[k];
		if (c->kind == DIFF_CREATE_INDEX && !schema_name_cmp(up->b, c->ib->name, ix->name) &&
		    !schema_name_cmp(up->b, c->ib->schema, ix->schema))
			return late_index(up, c->ib);
	}
	return 0;
}

/*
 * 1 when the UNIQUE or PRIMARY KEY change c of up diff d is made in the
 * late part, on an index built CONCURRENTLY: a named constraint on a table
 * in both models, not partitioned (no CONCURRENTLY there), that no foreign
 * key this diff adds references (the key must exist before it). 0 when it
 * is not such a change, or the table is new; else, on an existing table
 * that has no lock-free form here, why not (KEY_*).
 */
enum { KEY_PARTITIONED = -1, KEY_REFERENCED = -2 };

static int late_key(const struct diff *d, const struct diff_change *c)
{
	const struct schema_table *t;
	size_t k;

	if ((c->kind != DIFF_ADD_UNIQUE && c->kind != DIFF_ADD_PRIMARY_KEY) || !c->pair ||
	    !c->pair->a || !(t = c->pair->b))
		return 0;
	if (!(c->kind == DIFF_ADD_PRIMARY_KEY ? t->pk.name : c->ub->name))
		return 0;
	if (t->partition_key || is_partitioned(d, t->schema, t->name))
		return KEY_PARTITIONED;
	for (k = 0; k < d->n; k++) {
		const struct diff_change *f = &d->v[k];
		if (f->kind == DIFF_ADD_FK && f->fb->ref_table &&
		    !schema_name_cmp(d->b, f->fb->ref_table, t->name))
			return KEY_REFERENCED;
	}
	return 1;
}

/* In the main part of the lock-safe forms, a key late_key() keeps there on
 * an existing table: the lint finding is a deliberate choice, said so. */
static void key_kept_plain(struct sbuf *sb, int why)
{
	if (why == KEY_PARTITIONED)
		sbuf_adds(sb, "-- strata:lint-ignore add-unique-constraint: PostgreSQL cannot build a "
		          "partitioned table's index CONCURRENTLY\n");
	else if (why == KEY_REFERENCED)
		sbuf_adds(sb, "-- strata:lint-ignore add-unique-constraint: a foreign key this migration "
		          "adds references the key, which must exist before it\n");
}

/* The key a late_key() change c adds: its name, columns, deferrability. */
static const char *key_name(const struct diff_change *c)
{
	return c->kind == DIFF_ADD_PRIMARY_KEY ? c->pair->b->pk.name : c->ub->name;
}

/*
 * UNIQUE or PRIMARY KEY USING INDEX, on a unique index of the key's name
 * built CONCURRENTLY just before: the ACCESS EXCLUSIVE lock of the ADD
 * is brief, the build took SHARE UPDATE EXCLUSIVE. What a run stopped
 * partway left (the constraint, or an INVALID index) goes first, so the
 * part can run again. A primary key's columns are NOT NULL by then (the
 * diff orders its ALTER COLUMN first), so the ADD scans nothing.
 */
static void add_key_late(struct sbuf *sb, const struct diff_change *c)
{
	const struct schema_table *t = c->pair->b;
	int pk = c->kind == DIFF_ADD_PRIMARY_KEY;
	const char *name = key_name(c);

	alter_table(sb, t);
	sbuf_adds(sb, "DROP CONSTRAINT IF EXISTS ");
	id(sb, name);
	end(sb);
	sbuf_adds(sb, "DROP INDEX CONCURRENTLY IF EXISTS ");
	qn(sb, t->schema, name);
	end(sb);
	sbuf_adds(sb, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ");
	id(sb, name);
	sbuf_adds(sb, " ON ");
	qn(sb, t->schema, t->name);
	sbuf_addc(sb, ' ');
	schema_add_names(sb, pk ? &t->pk.columns : &c->ub->columns);
	schema_render_include(pk ? &t->pk.include : &c->ub->include, sb);
	if (!pk && c->ub->nulls_not_distinct)
		sbuf_adds(sb, " NULLS NOT DISTINCT");
	end(sb);
	alter_add(sb, t, name);
	sbuf_adds(sb, pk ? "PRIMARY KEY USING INDEX " : "UNIQUE USING INDEX ");
	id(sb, name);
	if (pk)
		schema_render_deferrable(t->pk.deferrable, t->pk.initially_deferred, sb);
	else
		schema_render_deferrable(c->ub->deferrable, c->ub->initially_deferred, sb);
	end(sb);
}

/* 1 when the down diff's drop of a key (change c) is done by the late
 * part's down of up diff up (its key, added there). */
static int late_key_dropped(const struct diff *up, const struct diff_change *c)
{
	const struct schema_table *t = c->pair ? c->pair->a : NULL;
	const char *name = c->kind == DIFF_DROP_PRIMARY_KEY ? c->old_name
	                 : c->kind == DIFF_DROP_UNIQUE ? c->ua->name : NULL;
	size_t k;

	if (!up || !t || !name)
		return 0;
	for (k = 0; k < up->n; k++) {
		const struct diff_change *u = &up->v[k];
		if (u->kind == (c->kind == DIFF_DROP_PRIMARY_KEY ? DIFF_ADD_PRIMARY_KEY : DIFF_ADD_UNIQUE) &&
		    u->pair && u->pair->b && !schema_name_cmp(up->b, u->pair->b->name, t->name) &&
		    !schema_name_cmp(up->b, u->pair->b->schema, t->schema) && key_name(u) &&
		    !schema_name_cmp(up->b, key_name(u), name))
			return late_key(up, u) == 1;
	}
	return 0;
}

/* CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS, after a DROP INDEX
 * CONCURRENTLY IF EXISTS: a build that failed leaves an INVALID index of
 * that name, which the next run drops and builds again. */
static void create_index_late(struct sbuf *sb, const struct schema_index *ix)
{
	struct sbuf tmp = SBUF_INIT;
	const char *sql;

	sbuf_adds(sb, "DROP INDEX CONCURRENTLY IF EXISTS ");
	qn(sb, ix->schema, ix->name);
	end(sb);
	if (ix->sql) {
		sql = ix->sql;
	} else {
		schema_render_create_index(ix, SCHEMA_PG, &tmp);
		sql = tmp.buf;
	}
	if (!strncmp(sql, "CREATE UNIQUE INDEX ", 20)) {
		sbuf_adds(sb, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ");
		add_stmt(sb, sql + 20);
	} else if (!strncmp(sql, "CREATE INDEX ", 13)) {
		sbuf_adds(sb, "CREATE INDEX CONCURRENTLY IF NOT EXISTS ");
		add_stmt(sb, sql + 13);
	} else {
		add_stmt(sb, sql);
	}
	sbuf_release(&tmp);
}

/* COMMENT ON the object of cm IS its text (NULL: none; initdb's for public). */
static void set_comment(struct sbuf *sb, const struct schema_comment *cm, int has_text)
{
	sbuf_adds(sb, "COMMENT ON ");
	schema_render_comment_target(cm, sb);
	sbuf_adds(sb, " IS ");
	if (has_text)
		sbuf_add_literal(sb, cm->text);
	else if (cm->kind == SCHEMA_OBJ_SCHEMA && !strcmp(cm->name, "public"))
		/* initdb's, which the model leaves out (introspect_pg.c) */
		sbuf_add_literal(sb, "standard public schema");
	else
		sbuf_adds(sb, "NULL");
	end(sb);
}

/* The comment model m holds on index ix, or NULL. */
static const struct schema_comment *index_comment(const struct schema *m,
                                                  const struct schema_index *ix)
{
	size_t k;

	for (k = 0; k < m->ncomments; k++) {
		const struct schema_comment *cm = m->comments[k];
		if (cm->kind == SCHEMA_OBJ_INDEX && !schema_name_cmp(m, cm->name, ix->name) &&
		    !schema_name_cmp(m, cm->schema, ix->schema))
			return cm;
	}
	return NULL;
}

/* 1 when cm is on an index up diff d builds in the late part: the comment
 * goes there too, after the build (the index does not exist before). */
static int comment_on_late_index(const struct diff *d, const struct schema_comment *cm)
{
	size_t k;

	if (cm->kind != SCHEMA_OBJ_INDEX)
		return 0;
	for (k = 0; k < d->n; k++) {
		const struct diff_change *c = &d->v[k];
		if (c->kind == DIFF_CREATE_INDEX && !schema_name_cmp(d->b, c->ib->name, cm->name) &&
		    !schema_name_cmp(d->b, c->ib->schema, cm->schema) && late_index(d, c->ib))
			return 1;
	}
	return 0;
}

/* 1 when cm is on a constraint up diff d adds in the late part (late_key()):
 * set there too, after the ADD. */
static int comment_on_late_key(const struct diff *d, const struct schema_comment *cm)
{
	size_t k;

	if (cm->kind != SCHEMA_OBJ_CONSTRAINT || !cm->sub)
		return 0;
	for (k = 0; k < d->n; k++) {
		const struct diff_change *c = &d->v[k];
		if (late_key(d, c) == 1 && !schema_name_cmp(d->b, key_name(c), cm->sub) &&
		    !schema_name_cmp(d->b, c->pair->b->name, cm->name) &&
		    !schema_name_cmp(d->b, c->pair->b->schema, cm->schema))
			return 1;
	}
	return 0;
}

/* The comment model m holds on constraint name of table t, or NULL. */
static const struct schema_comment *key_comment(const struct schema *m, const struct schema_table *t,
                                                const char *name)
{
	size_t k;

	for (k = 0; k < m->ncomments; k++) {
		const struct schema_comment *cm = m->comments[k];
		if (cm->kind == SCHEMA_OBJ_CONSTRAINT && cm->sub && !schema_name_cmp(m, cm->sub, name) &&
		    !schema_name_cmp(m, cm->name, t->name) && !schema_name_cmp(m, cm->schema, t->schema))
			return cm;
	}
	return NULL;
}

static void validate(struct sbuf *sb, const struct schema_table *t, const char *name)
{
	alter_table(sb, t);
	sbuf_adds(sb, "VALIDATE CONSTRAINT ");
	id(sb, name);
	end(sb);
}

/* The late part of up diff d (o->safe PLAN_SAFE_LATE), or its down
 * (PLAN_SAFE_LATE_DOWN): every statement stands alone, outside a
 * transaction, and may run again after a failure. */
static void plan_late(const struct diff *d, const struct plan_opts *o, struct sbuf *sb)
{
	int down = o->safe == PLAN_SAFE_LATE_DOWN;
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct diff_change *c = &d->v[i];

		if (!plan_selects(o, c) || done_by_parent(d, c))
			continue;
		switch (c->kind) {
		case DIFF_CREATE_INDEX:
			if (!late_index(d, c->ib))
				break;
			if (down) {
				sbuf_adds(sb, "DROP INDEX CONCURRENTLY IF EXISTS ");
				qn(sb, c->ib->schema, c->ib->name);
				end(sb);
			} else {
				const struct schema_comment *cm = index_comment(d->b, c->ib);
				create_index_late(sb, c->ib);
				if (cm)
					set_comment(sb, cm, 1);
			}
			break;
		case DIFF_ADD_UNIQUE:
		case DIFF_ADD_PRIMARY_KEY:
			if (late_key(d, c) != 1)
				break;
			if (down) {
				alter_table(sb, c->pair->b);
				sbuf_adds(sb, "DROP CONSTRAINT IF EXISTS ");
				id(sb, key_name(c));
				end(sb);
				sbuf_adds(sb, "DROP INDEX CONCURRENTLY IF EXISTS ");
				qn(sb, c->pair->b->schema, key_name(c));
				end(sb);
			} else {
				const struct schema_comment *cm = key_comment(d->b, c->pair->b, key_name(c));
				add_key_late(sb, c);
				if (cm)
					set_comment(sb, cm, 1);
			}
			break;
		case DIFF_ADD_CHECK:
			if (!down && c->kb->name && !c->kb->not_valid)
				validate(sb, c->pair->b, c->kb->name);
			break;
		case DIFF_ADD_FK:
			if (!down && c->fb->name && !c->fb->not_valid && !fk_on_new_table(c) &&
			    !c->fk_table->partition_key)
				validate(sb, c->fk_table, c->fb->name);
			break;
		case DIFF_ALTER_COLUMN:
			if (c->phase < DIFF_P_RENAME_TABLE || !(c->what & DIFF_COL_NULL) || !c->cb->not_null)
				break;
			if (down)
				break; /* the main part's down makes it nullable */
			alter_table(sb, c->pair->b);
			sbuf_adds(sb, "VALIDATE CONSTRAINT ");
			not_null_check_name(sb, c->pair->b, c->cb);
			end(sb);
			/* PostgreSQL 12+ takes the validated CHECK as proof: no scan. */
			sbuf_adds(sb, "-- strata:lint-ignore set-not-null: the validated CHECK above spares the scan "
			          "(PostgreSQL 12+)\n");
			alter_table(sb, c->pair->b);
			sbuf_adds(sb, "ALTER COLUMN ");
			id(sb, c->cb->name);
			sbuf_adds(sb, " SET NOT NULL");
			end(sb);
			alter_table(sb, c->pair->b);
			sbuf_adds(sb, "DROP CONSTRAINT IF EXISTS ");
			not_null_check_name(sb, c->pair->b, c->cb);
			end(sb);
			break;
		case DIFF_ALTER_TYPE:
			plan_pg_types_late(d, c, down, sb);
			break;
		default:
			break;
		}
	}
}

/* ---- columns ------------------------------------------------------------- */

/* A type whose explicit cast truncates instead of failing. */
static int length_limited(const char *type)
{
	return !strncmp(type, "character varying(", 18) || !strncmp(type, "character(", 10) ||
	       !strncmp(type, "bit(", 4) || !strncmp(type, "bit varying(", 12);
}

/* Types whose values the assignment cast from the old type takes without
 * USING: the numeric family among itself, the character family, and the
 * same base type with another length or precision. */
static int family(const char *t)
{
	if (!strcmp(t, "smallint") || !strcmp(t, "integer") || !strcmp(t, "bigint") ||
	    !strcmp(t, "real") || !strcmp(t, "double precision") || !strcmp(t, "numeric") ||
	    !strncmp(t, "numeric(", 8))
		return 1;
	if (!strcmp(t, "text") || !strcmp(t, "character varying") || length_limited(t) ||
	    !strcmp(t, "character") || !strcmp(t, "\"char\""))
		return 2;
	if (!strncmp(t, "timestamp", 9) || !strcmp(t, "date"))
		return 3;
	return 0;
}

static void column_type(struct sbuf *sb, const struct schema_table *t, const struct schema_column *ca,
                        const struct schema_column *cb)
{
	int fa = family(ca->type), fb = family(cb->type);

	alter_table(sb, t);
	sbuf_adds(sb, "ALTER COLUMN ");
	id(sb, cb->name);
	sbuf_adds(sb, " TYPE ");
	sbuf_adds(sb, cb->type);
	if (cb->collation) {
		sbuf_adds(sb, " COLLATE ");
		id(sb, cb->collation);
	}
	if (!(fa && fa == fb) && !length_limited(cb->type)) {
		sbuf_adds(sb, " USING ");
		id(sb, cb->name);
		/* Enums have no cast from other types but through text. */
		if (strchr(cb->type, '.') || strchr(ca->type, '.'))
			sbuf_adds(sb, "::text");
		sbuf_adds(sb, "::");
		sbuf_adds(sb, cb->type);
	}
	end(sb);
}

static void set_default(struct sbuf *sb, const struct schema_table *t, const struct schema_column *c)
{
	alter_table(sb, t);
	sbuf_adds(sb, "ALTER COLUMN ");
	id(sb, c->name);
	if (c->default_sql) {
		sbuf_adds(sb, " SET DEFAULT ");
		sbuf_adds(sb, c->default_sql);
	} else {
		sbuf_adds(sb, " DROP DEFAULT");
	}
	end(sb);
}

static void add_column(struct sbuf *sb, const struct schema_table *t, const struct schema_column *c)
{
	alter_table(sb, t);
	sbuf_adds(sb, "ADD COLUMN ");
	schema_render_column(c, SCHEMA_PG, sb);
	end(sb);
	schema_render_column_settings(t, NULL, c, sb);
}

static void drop_column(struct sbuf *sb, const struct schema_table *t, const char *name)
{
	alter_table(sb, t);
	sbuf_adds(sb, "DROP COLUMN ");
	id(sb, name);
	end(sb);
}

/* Statements as one DO block, for a value that must pass from one to the
 * next. The dollar-quote tag is one the body does not hold (names are
 * the user's, and may hold anything). */
static void add_do_block(struct sbuf *sb, const char *body)
{
	struct sbuf tag = SBUF_INIT;
	int n = 0;

	sbuf_adds(&tag, "$strata$");
	while (!sbuf_failed(&tag) && strstr(body, tag.buf))
		sbuf_setf(&tag, "$strata%d$", ++n);
	sbuf_addf(sb, "DO %s\nDECLARE\n    v bigint;\n    called boolean;\nBEGIN\n%sEND\n%s", tag.buf,
	          body, tag.buf);
	if (sbuf_failed(&tag))
		sb->failed = 1;
	sbuf_release(&tag);
	end(sb);
}

static int seq_owned_by(const struct schema_sequence *q, const struct schema_table *t,
                        const char *column)
{
	return q->owned_by_table && q->owned_by_column && !strcmp(q->owned_by_table, t->name) &&
	       !strcmp(q->owned_by_column, column) &&
	       !strcmp(q->schema ? q->schema : "", t->schema ? t->schema : "");
}

/* A serial column that becomes an identity: the sequence it owned in A,
 * when the diff drops it. NULL otherwise. */
static const struct schema_sequence *serial_dropped(const struct diff *d, const struct diff_change *c)
{
	size_t i;

	if (c->kind != DIFF_ALTER_COLUMN || c->ca->identity != SCHEMA_IDENTITY_NONE ||
	    c->cb->identity == SCHEMA_IDENTITY_NONE || !c->ca->default_sql)
		return NULL;
	for (i = 0; i < d->n; i++)
		if (d->v[i].kind == DIFF_DROP_SEQUENCE && seq_owned_by(d->v[i].oa, c->pair->a, c->ca->name))
			return d->v[i].oa;
	return NULL;
}

/* An identity column that becomes serial: the sequence it owns in B, when
 * the diff creates it. NULL otherwise. */
static const struct schema_sequence *serial_created(const struct diff *d, const struct diff_change *c)
{
	size_t i;

	if (c->kind != DIFF_ALTER_COLUMN || c->ca->identity == SCHEMA_IDENTITY_NONE ||
	    c->cb->identity != SCHEMA_IDENTITY_NONE)
		return NULL;
	for (i = 0; i < d->n; i++)
		if (d->v[i].kind == DIFF_CREATE_SEQUENCE && seq_owned_by(d->v[i].ob, c->pair->b, c->cb->name))
			return d->v[i].ob;
	return NULL;
}

/* 1 when sequence q is made or dropped by the column change that moves its
 * column between serial and identity (alter_column), not on its own. */
static int seq_moved_by_column(const struct diff *d, const struct plan_opts *o,
                               const struct schema_sequence *q)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].kind == DIFF_ALTER_COLUMN && plan_selects(o, &d->v[i]) &&
		    (serial_dropped(d, &d->v[i]) == q || serial_created(d, &d->v[i]) == q))
			return 1;
	return 0;
}

static void sequence_options(struct sbuf *sb, const struct schema_sequence *q, int alter);

/*
 * In a DO block: v := where sequence seq (a regclass literal, or with
 * expr set an expression giving its name) stands, called := whether it
 * has handed out a value. pg_sequence_last_value() is content with USAGE,
 * where reading the sequence as a table needs SELECT, and says NULL for a
 * sequence not yet called (pg_sequences says NULL as well to a role that
 * may not read it: not called, to the plan, which would start again at 1).
 */
static void last_value_into_v_(struct sbuf *sb, const char *seq, int expr)
{
	sbuf_adds(sb, "    v := pg_catalog.pg_sequence_last_value(");
	if (expr)
		sbuf_adds(sb, seq);
	else
		sbuf_add_literal(sb, seq);
	sbuf_adds(sb, "::pg_catalog.regclass);\n    called := v IS NOT NULL;\n");
}

static void last_value_into_v(struct sbuf *sb, const char *seq)
{
	last_value_into_v_(sb, seq, 0);
}

/*
 * New bounds for a sequence: ALTER SEQUENCE refuses them while the current
 * value lies outside (a sequence never used sits at its old START). So the
 * sequence restarts at its new START, then goes back to where it was, moved
 * inside the bounds: values it handed out are not handed out again.
 */
static void alter_sequence_bounds(struct sbuf *sb, const struct schema_sequence *q)
{
	struct sbuf body = SBUF_INIT, name = SBUF_INIT;

	qn(&name, q->schema, q->name);
	last_value_into_v(&body, name.buf);
	sbuf_adds(&body, "    ALTER SEQUENCE ");
	qn(&body, q->schema, q->name);
	sequence_options(&body, q, 1);
	sbuf_addf(&body, " RESTART;\n    IF called AND v < %lld THEN\n        PERFORM setval(", q->min_value);
	sbuf_add_literal(&body, name.buf);
	sbuf_addf(&body, ", %lld, false);\n    ELSIF called AND v > %lld THEN\n        PERFORM setval(",
	          q->min_value, q->max_value);
	sbuf_add_literal(&body, name.buf);
	sbuf_addf(&body, ", %lld);\n    ELSIF called THEN\n        PERFORM setval(", q->max_value);
	sbuf_add_literal(&body, name.buf);
	sbuf_adds(&body, ", v);\n    END IF;\n");
	add_do_block(sb, body.buf);
	if (sbuf_failed(&body) || sbuf_failed(&name))
		sb->failed = 1;
	sbuf_release(&body);
	sbuf_release(&name);
}

/* LOGGED or UNLOGGED; storage parameters: A's reset, B's set ("k=v, k=v"
 * lists, as the catalog's reloptions). */
static void table_options(struct sbuf *sb, const struct schema_table *ta,
                          const struct schema_table *tb)
{
	const char *s = ta->options;

	if (ta->unlogged != tb->unlogged) {
		alter_table(sb, tb);
		sbuf_adds(sb, tb->unlogged ? "SET UNLOGGED" : "SET LOGGED");
		end(sb);
	}
	if (!strcmp(ta->options ? ta->options : "", tb->options ? tb->options : ""))
		return;
	if (s && *s) {
		/* The names alone: each item is name='value' ('' doubles a quote). */
		alter_table(sb, tb);
		sbuf_adds(sb, "RESET (");
		while (*s) {
			size_t n = strcspn(s, "=");
			int quoted = 0;
			sbuf_add(sb, s, n);
			for (s += n; *s && (quoted || *s != ','); s++)
				if (*s == '\'')
					quoted = !quoted;
			if (*s == ',') {
				sbuf_adds(sb, ", ");
				s++;
				s += strspn(s, " ");
			}
		}
		sbuf_addc(sb, ')');
		end(sb);
	}
	if (tb->options && *tb->options) {
		alter_table(sb, tb);
		sbuf_addf(sb, "SET (%s)", tb->options);
		end(sb);
	}
}

/* "pg_get_serial_sequence('s.t', 'c')": the sequence behind t.c. */
static void serial_sequence_of(struct sbuf *sb, const struct schema_table *t, const char *column)
{
	struct sbuf name = SBUF_INIT;

	qn(&name, t->schema, t->name);
	sbuf_adds(sb, "pg_get_serial_sequence(");
	sbuf_add_literal(sb, name.buf);
	sbuf_adds(sb, ", ");
	sbuf_add_literal(sb, column);
	sbuf_addc(sb, ')');
	if (sbuf_failed(&name))
		sb->failed = 1;
	sbuf_release(&name);
}

/*
 * serial -> identity: the identity must hand out keys after those the
 * serial's sequence gave (the rows hold them), and have the name a fresh
 * identity gets, which the old sequence holds until dropped. So: read the
 * old sequence, drop it, add the identity, move it on; one DO block, as a
 * value passes between statements.
 */
static void serial_to_identity(struct sbuf *sb, const struct diff_change *c,
                               const struct schema_sequence *old)
{
	const struct schema_table *t = c->pair->b;
	const struct schema_column *cb = c->cb;
	struct sbuf body = SBUF_INIT, name = SBUF_INIT;

	qn(&name, old->schema, old->name);
	last_value_into_v(&body, name.buf);
	sbuf_adds(&body, "    DROP SEQUENCE ");
	qn(&body, old->schema, old->name);
	sbuf_adds(&body, ";\n    ");
	alter_table(&body, t);
	sbuf_adds(&body, "ALTER COLUMN ");
	id(&body, cb->name);
	sbuf_adds(&body, cb->identity == SCHEMA_IDENTITY_ALWAYS ? " ADD GENERATED ALWAYS AS IDENTITY"
	                                                       : " ADD GENERATED BY DEFAULT AS IDENTITY");
	schema_render_identity_opts(&cb->ident, cb->type, &body);
	sbuf_adds(&body, ";\n    IF called THEN\n        PERFORM setval(");
	serial_sequence_of(&body, t, cb->name);
	sbuf_adds(&body, ", v);\n    END IF;\n");
	add_do_block(sb, body.buf);
	if (sbuf_failed(&body) || sbuf_failed(&name))
		sb->failed = 1;
	sbuf_release(&body);
	sbuf_release(&name);
}

/* identity -> serial: the same the other way; the new sequence takes the
 * name the identity's sequence holds until DROP IDENTITY. */
static void identity_to_serial(struct sbuf *sb, const struct diff_change *c,
                               const struct schema_sequence *q)
{
	const struct schema_table *t = c->pair->b;
	struct sbuf body = SBUF_INIT, name = SBUF_INIT, of = SBUF_INIT;

	serial_sequence_of(&of, t, c->cb->name);
	if (!sbuf_failed(&of))
		last_value_into_v_(&body, of.buf, 1);
	sbuf_adds(&body, "    ");
	alter_table(&body, t);
	sbuf_adds(&body, "ALTER COLUMN ");
	id(&body, c->cb->name);
	sbuf_adds(&body, " DROP IDENTITY;\n    CREATE SEQUENCE ");
	qn(&body, q->schema, q->name);
	sequence_options(&body, q, 0);
	sbuf_adds(&body, ";\n    IF called THEN\n        PERFORM setval(");
	qn(&name, q->schema, q->name);
	sbuf_add_literal(&body, name.buf);
	sbuf_adds(&body, ", v);\n    END IF;\n");
	add_do_block(sb, body.buf);
	if (sbuf_failed(&body) || sbuf_failed(&name) || sbuf_failed(&of))
		sb->failed = 1;
	sbuf_release(&body);
	sbuf_release(&name);
	sbuf_release(&of);
}

static void identity_sets(struct sbuf *sb, const struct schema_identity_opts *q)
{
	sbuf_addf(sb, " SET START WITH %lld SET INCREMENT BY %lld SET MINVALUE %lld"
	              " SET MAXVALUE %lld SET CACHE %lld SET %s",
	          q->start, q->increment, q->min_value, q->max_value, q->cache,
	          q->cycle ? "CYCLE" : "NO CYCLE");
}

/*
 * New bounds for an identity column's sequence: as alter_sequence_bounds,
 * since ALTER COLUMN ... SET MINVALUE is refused while the current value
 * (a sequence never used sits at its old START) lies outside. RESTART goes
 * to the new START; a sequence that handed out values goes back to where it
 * was, moved inside the bounds.
 */
static void identity_bounds(struct sbuf *sb, const struct schema_table *t,
                            const struct schema_column *cb)
{
	const struct schema_identity_opts *q = &cb->ident;
	struct sbuf body = SBUF_INIT, of = SBUF_INIT;

	serial_sequence_of(&of, t, cb->name);
	if (!sbuf_failed(&of))
		last_value_into_v_(&body, of.buf, 1);
	sbuf_adds(&body, "    ");
	alter_table(&body, t);
	sbuf_adds(&body, "ALTER COLUMN ");
	id(&body, cb->name);
	identity_sets(&body, q);
	sbuf_addf(&body, " RESTART;\n    IF called AND v < %lld THEN\n        PERFORM setval(",
	          q->min_value);
	sbuf_adds(&body, of.buf);
	sbuf_addf(&body, ", %lld, false);\n    ELSIF called AND v > %lld THEN\n        PERFORM setval(",
	          q->min_value, q->max_value);
	sbuf_adds(&body, of.buf);
	sbuf_addf(&body, ", %lld);\n    ELSIF called THEN\n        PERFORM setval(", q->max_value);
	sbuf_adds(&body, of.buf);
	sbuf_adds(&body, ", v);\n    END IF;\n");
	add_do_block(sb, body.buf);
	if (sbuf_failed(&body) || sbuf_failed(&of))
		sb->failed = 1;
	sbuf_release(&body);
	sbuf_release(&of);
}

static void alter_column(struct sbuf *sb, const struct diff *d, const struct diff_change *c, int safe)
{
	const struct schema_table *t = c->pair->b;
	const struct schema_column *ca = c->ca, *cb = c->cb;
	const struct schema_sequence *serial_a = serial_dropped(d, c), *serial_b = serial_created(d, c);
	unsigned w = c->what;
	int default_dropped = 0;

	if (w & DIFF_COL_GENERATED) {
		if (cb->generated) {
			/* No way to alter an expression in place: the column goes
			 * and comes back, computed again. */
			drop_column(sb, t, cb->name);
			add_column(sb, t, cb);
			return;
		}
		alter_table(sb, t);
		sbuf_adds(sb, "ALTER COLUMN ");
		id(sb, cb->name);
		sbuf_adds(sb, " DROP EXPRESSION");
		end(sb);
	}
	if (serial_b) {
		identity_to_serial(sb, c, serial_b);
	} else if (ca->identity != SCHEMA_IDENTITY_NONE && cb->identity == SCHEMA_IDENTITY_NONE) {
		alter_table(sb, t);
		sbuf_adds(sb, "ALTER COLUMN ");
		id(sb, cb->name);
		sbuf_adds(sb, " DROP IDENTITY");
		end(sb);
	}
	if (ca->default_sql && ((w & (DIFF_COL_TYPE | DIFF_COL_COLLATE)) ||
	                        (ca->identity == SCHEMA_IDENTITY_NONE && cb->identity != SCHEMA_IDENTITY_NONE))) {
		/* An old default need not cast to the new type, and an identity
		 * column has none. */
		alter_table(sb, t);
		sbuf_adds(sb, "ALTER COLUMN ");
		id(sb, cb->name);
		sbuf_adds(sb, " DROP DEFAULT");
		end(sb);
		default_dropped = 1;
	}
	if (w & (DIFF_COL_TYPE | DIFF_COL_COLLATE))
		column_type(sb, t, ca, cb);
	if ((w & DIFF_COL_NULL) && cb->not_null && safe == PLAN_SAFE_MAIN) {
		/* The scan, in the late part, under a lighter lock. */
		alter_add(sb, t, NULL);
		sbuf_adds(sb, "CONSTRAINT ");
		not_null_check_name(sb, t, cb);
		sbuf_adds(sb, " CHECK (");
		id(sb, cb->name);
		sbuf_adds(sb, " IS NOT NULL) NOT VALID");
		end(sb);
	} else if (w & DIFF_COL_NULL) {
		if (!cb->not_null && safe == PLAN_SAFE_DOWN && c->pair->a) {
			/* The up's stand-in check, left when its late part never ran. */
			alter_table(sb, t);
			sbuf_adds(sb, "DROP CONSTRAINT IF EXISTS ");
			not_null_check_name(sb, c->pair->a, ca);
			end(sb);
		}
		alter_table(sb, t);
		sbuf_adds(sb, "ALTER COLUMN ");
		id(sb, cb->name);
		sbuf_adds(sb, cb->not_null ? " SET NOT NULL" : " DROP NOT NULL");
		end(sb);
	}
	if (((w & DIFF_COL_DEFAULT) || (default_dropped && cb->default_sql)) &&
	    !(default_dropped && !cb->default_sql))
		set_default(sb, t, cb);
	if (serial_a) {
		serial_to_identity(sb, c, serial_a);
	} else if (cb->identity != SCHEMA_IDENTITY_NONE && ca->identity != cb->identity) {
		alter_table(sb, t);
		sbuf_adds(sb, "ALTER COLUMN ");
		id(sb, cb->name);
		if (ca->identity == SCHEMA_IDENTITY_NONE) {
			sbuf_adds(sb, cb->identity == SCHEMA_IDENTITY_ALWAYS ? " ADD GENERATED ALWAYS AS IDENTITY"
			                                                    : " ADD GENERATED BY DEFAULT AS IDENTITY");
			schema_render_identity_opts(&cb->ident, cb->type, sb);
		} else {
			sbuf_adds(sb, cb->identity == SCHEMA_IDENTITY_ALWAYS ? " SET GENERATED ALWAYS"
			                                                    : " SET GENERATED BY DEFAULT");
		}
		end(sb);
	}
	/* after TYPE, which resets STORAGE to the new type's */
	if (w & (DIFF_COL_STORAGE | DIFF_COL_TYPE))
		schema_render_column_settings(t, ca, cb, sb);
	if (ca->identity != SCHEMA_IDENTITY_NONE && cb->identity != SCHEMA_IDENTITY_NONE &&
	    cb->ident.increment && !schema_identity_opts_equal(&ca->ident, ca->type, &cb->ident, cb->type)) {
		const struct schema_identity_opts *q = &cb->ident;
		if (!ca->ident.increment || ca->ident.min_value != q->min_value ||
		    ca->ident.max_value != q->max_value) {
			identity_bounds(sb, t, cb);
			return;
		}
		/* All of them: each SET is checked against the others once. */
		alter_table(sb, t);
		sbuf_adds(sb, "ALTER COLUMN ");
		id(sb, cb->name);
		identity_sets(sb, q);
		end(sb);
	}
}

/* ---- constraints ----------------------------------------------------------- */

static void drop_constraint(struct sbuf *sb, const struct schema_table *t, const char *name)
{
	alter_table(sb, t);
	sbuf_adds(sb, "DROP CONSTRAINT ");
	id(sb, name);
	end(sb);
}

/* "ALTER TABLE t ADD [CONSTRAINT name] ", the definition to follow. */
static void alter_add(struct sbuf *sb, const struct schema_table *t, const char *name)
{
	alter_table(sb, t);
	sbuf_adds(sb, "ADD ");
	if (name) {
		sbuf_adds(sb, "CONSTRAINT ");
		id(sb, name);
		sbuf_addc(sb, ' ');
	}
}

/* ADD CONSTRAINT ... NOT VALID, then VALIDATE: on a table with rows the
 * scan takes SHARE UPDATE EXCLUSIVE, not the ACCESS EXCLUSIVE of a plain ADD. */
static void add_validated(struct sbuf *sb, const struct schema_table *t, const char *name,
                          const char *def, int new_table, int not_valid, int safe)
{
	alter_add(sb, t, name);
	sbuf_adds(sb, def);
	if (not_valid) {
		/* B's constraint leaves the rows unchecked: so does this one. */
		sbuf_adds(sb, " NOT VALID");
		end(sb);
		return;
	}
	if (new_table || !name) {
		end(sb);
		return;
	}
	sbuf_adds(sb, " NOT VALID");
	end(sb);
	if (safe == PLAN_SAFE_MAIN)
		return; /* validated in the late part, in a transaction of its own */
	alter_table(sb, t);
	sbuf_adds(sb, "VALIDATE CONSTRAINT ");
	id(sb, name);
	end(sb);
}

static void add_fk(struct sbuf *sb, const struct diff_change *c, int safe)
{
	struct sbuf def = SBUF_INIT;
	struct schema_fk tmp = *c->fb;

	/* The name goes through add_validated; render the rest. */
	tmp.name = NULL;
	schema_render_fk(&tmp, &def);
	/* PostgreSQL 15 has no NOT VALID foreign key on a partitioned table. */
	if (c->fk_table->partition_key && !fk_on_new_table(c) && !c->fb->not_valid)
		sbuf_adds(sb, "-- strata:lint-ignore add-foreign-key: PostgreSQL cannot add a foreign key "
		          "NOT VALID on a partitioned table\n");
	add_validated(sb, c->fk_table, c->fb->name, def.buf,
	              fk_on_new_table(c) || c->fk_table->partition_key, c->fb->not_valid, safe);
	sbuf_release(&def);
}

/* ---- the rest -------------------------------------------------------------- */

static void sequence_options(struct sbuf *sb, const struct schema_sequence *q, int alter)
{
	if (q->type)
		sbuf_addf(sb, " AS %s", q->type);
	sbuf_addf(sb, " INCREMENT BY %lld MINVALUE %lld MAXVALUE %lld", q->increment, q->min_value,
	          q->max_value);
	/* ALTER SEQUENCE ... START WITH sets what RESTART goes back to; the
	 * current value is left alone either way. */
	(void)alter;
	sbuf_addf(sb, " START WITH %lld CACHE %lld %s", q->start, q->cache, q->cycle ? "CYCLE" : "NO CYCLE");
}

static const struct schema_view *find_view_created(const struct diff *d, const char *nsp,
                                                   const char *name)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].kind == DIFF_CREATE_VIEW && d->v[i].vb &&
		    !schema_name_cmp(d->b, d->v[i].vb->name, name) &&
		    !schema_name_cmp(d->b, d->v[i].vb->schema, nsp))
			return d->v[i].vb;
	return NULL;
}

static void create_index(struct sbuf *sb, const struct schema_index *ix, int concurrently)
{
	struct sbuf tmp = SBUF_INIT;
	const char *sql;

	if (ix->sql) {
		sql = ix->sql;
	} else {
		schema_render_create_index(ix, SCHEMA_PG, &tmp);
		sql = tmp.buf;
	}
	if (concurrently && !strncmp(sql, "CREATE UNIQUE INDEX ", 20)) {
		sbuf_adds(sb, "CREATE UNIQUE INDEX CONCURRENTLY ");
		add_stmt(sb, sql + 20);
	} else if (concurrently && !strncmp(sql, "CREATE INDEX ", 13)) {
		sbuf_adds(sb, "CREATE INDEX CONCURRENTLY ");
		add_stmt(sb, sql + 13);
	} else {
		add_stmt(sb, sql);
	}
	sbuf_release(&tmp);
}

/* The enum's spelling in a column type: "public.mood", "mood", "public.mood[]". */
static int uses_enum(const char *type, const struct schema_enum *e)
{
	size_t ns = e->schema ? strlen(e->schema) : 0, nn = strlen(e->name);
	const char *p = type;

	if (e->schema && !strncmp(p, e->schema, ns) && p[ns] == '.')
		p += ns + 1;
	else if (e->schema && strchr(p, '.'))
		return 0;
	if (*p == '"') {
		/* a name that needs quotes, as format_type() quotes it */
		struct sbuf q = SBUF_INIT;
		int same;
		id(&q, e->name);
		same = !sbuf_failed(&q) && !strncmp(p, q.buf, q.len) &&
		       (p[q.len] == '\0' || !strcmp(p + q.len, "[]"));
		sbuf_release(&q);
		return same;
	}
	return !strncmp(p, e->name, nn) && (p[nn] == '\0' || !strcmp(p + nn, "[]"));
}

static void rebuild_enum(struct sbuf *sb, const struct diff *d, const struct diff_change *c)
{
	const struct schema_enum *ea = c->oa, *eb = c->ob;
	struct sbuf old = SBUF_INIT;
	size_t i, j, k;

	sbuf_addf(&old, "%s_strata_old", ea->name);
	sbuf_adds(sb, "ALTER TYPE ");
	qn(sb, ea->schema, ea->name);
	sbuf_adds(sb, " RENAME TO ");
	id(sb, old.buf);
	end(sb);
	sbuf_adds(sb, "CREATE TYPE ");
	qn(sb, eb->schema, eb->name);
	sbuf_adds(sb, " AS ENUM (");
	for (k = 0; k < eb->labels.n; k++) {
		if (k)
			sbuf_adds(sb, ", ");
		sbuf_add_literal(sb, eb->labels.v[k]);
	}
	sbuf_addc(sb, ')');
	end(sb);
	/* Every column of A of that type, by its name in B. */
	for (i = 0; i < d->npairs; i++) {
		const struct diff_table *p = d->pairs[i];
		if (!p->a || !p->b)
			continue;
		for (j = 0; j < p->b->ncolumns; j++) {
			const struct schema_column *ca = p->from[j], *cb = &p->b->columns[j];
			if (!ca || !uses_enum(ca->type, ea))
				continue;
			if (ca->default_sql) {
				alter_table(sb, p->b);
				sbuf_adds(sb, "ALTER COLUMN ");
				id(sb, ca->name);
				sbuf_adds(sb, " DROP DEFAULT");
				end(sb);
			}
			alter_table(sb, p->b);
			sbuf_adds(sb, "ALTER COLUMN ");
			id(sb, ca->name);
			sbuf_adds(sb, " TYPE ");
			qn(sb, eb->schema, eb->name);
			if (strstr(ca->type, "[]"))
				sbuf_adds(sb, "[]");
			sbuf_adds(sb, " USING ");
			id(sb, ca->name);
			sbuf_adds(sb, "::text");
			if (strstr(ca->type, "[]"))
				sbuf_adds(sb, "[]");
			sbuf_adds(sb, "::");
			qn(sb, eb->schema, eb->name);
			if (strstr(ca->type, "[]"))
				sbuf_adds(sb, "[]");
			end(sb);
			if (ca->default_sql && cb->default_sql && uses_enum(cb->type, eb))
				set_default(sb, p->b, cb);
		}
	}
	sbuf_adds(sb, "DROP TYPE ");
	qn(sb, ea->schema, old.buf);
	end(sb);
	sbuf_release(&old);
}

/* Sequences made here and owned by a column: OWNED BY once the table exists. */
static void owned_by(struct sbuf *sb, const struct diff *d, const struct plan_opts *o)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct diff_change *c = &d->v[i];
		const struct schema_sequence *q = c->ob;
		if ((c->kind != DIFF_CREATE_SEQUENCE && c->kind != DIFF_ALTER_SEQUENCE &&
		     c->kind != DIFF_RENAME_SEQUENCE) || !plan_selects(o, c) || !q->owned_by_table)
			continue;
		if (c->kind != DIFF_CREATE_SEQUENCE && !(c->kind == DIFF_ALTER_SEQUENCE &&
		                                         (c->what & DIFF_SEQ_OWNER))) {
			const struct schema_sequence *qa = c->oa;
			if (qa->owned_by_table && !strcmp(qa->owned_by_table, q->owned_by_table) &&
			    qa->owned_by_column && !strcmp(qa->owned_by_column, q->owned_by_column))
				continue;
		}
		sbuf_adds(sb, "ALTER SEQUENCE ");
		qn(sb, q->schema, q->name);
		sbuf_adds(sb, " OWNED BY ");
		qn(sb, q->schema, q->owned_by_table);
		sbuf_addc(sb, '.');
		id(sb, q->owned_by_column);
		end(sb);
	}
}

int plan_pg(const struct diff *d, const struct plan_opts *o, struct sbuf *sb, int *no_tx)
{
	size_t i, k;
	int owned_done = 0;

	*no_tx = 0;
	if (o && (o->safe == PLAN_SAFE_LATE || o->safe == PLAN_SAFE_LATE_DOWN)) {
		plan_late(d, o, sb);
		*no_tx = 1;
		return sbuf_failed(sb) ? STRATA_ENOMEM : 0;
	}
	for (i = 0; i <= d->n; i++) {
		const struct diff_change *c = i < d->n ? &d->v[i] : NULL;
		const struct diff_table *p;

		if (!owned_done && (!c || c->phase > DIFF_P_ALTER_TABLE)) {
			owned_by(sb, d, o);
			owned_done = 1;
		}
		if (!c)
			break;
		if (!plan_selects(o, c))
			continue;
		p = c->pair;
		if (done_by_parent(d, c))
			continue;
		switch (c->kind) {
		case DIFF_CREATE_SCHEMA:
			sbuf_adds(sb, "CREATE SCHEMA ");
			id(sb, ((const struct schema_namespace *)c->ob)->name);
			end(sb);
			break;
		case DIFF_DROP_SCHEMA:
			sbuf_adds(sb, "DROP SCHEMA ");
			id(sb, ((const struct schema_namespace *)c->oa)->name);
			end(sb);
			break;
		case DIFF_CREATE_EXTENSION: {
			const struct schema_extension *x = c->ob;
			sbuf_adds(sb, "CREATE EXTENSION IF NOT EXISTS ");
			id(sb, x->name);
			if (x->schema) {
				sbuf_adds(sb, " WITH SCHEMA ");
				id(sb, x->schema);
			}
			if (x->version) {
				sbuf_adds(sb, x->schema ? " VERSION " : " WITH VERSION ");
				sbuf_add_literal(sb, x->version);
			}
			end(sb);
			break;
		}
		case DIFF_ALTER_EXTENSION: {
			const struct schema_extension *x = c->ob;
			sbuf_adds(sb, "ALTER EXTENSION ");
			id(sb, x->name);
			sbuf_adds(sb, " UPDATE TO ");
			sbuf_add_literal(sb, x->version ? x->version : "");
			end(sb);
			break;
		}
		case DIFF_DROP_EXTENSION:
			sbuf_adds(sb, "DROP EXTENSION ");
			id(sb, ((const struct schema_extension *)c->oa)->name);
			end(sb);
			break;
		case DIFF_CREATE_ENUM: {
			const struct schema_enum *e = c->ob;
			sbuf_adds(sb, "CREATE TYPE ");
			qn(sb, e->schema, e->name);
			sbuf_adds(sb, " AS ENUM (");
			for (k = 0; k < e->labels.n; k++) {
				if (k)
					sbuf_adds(sb, ", ");
				sbuf_add_literal(sb, e->labels.v[k]);
			}
			sbuf_addc(sb, ')');
			end(sb);
			break;
		}
		case DIFF_ADD_ENUM_VALUE: {
			const struct schema_enum *e = c->ob;
			for (k = 0; k < e->labels.n && strcmp(e->labels.v[k], c->label); k++)
				;
			sbuf_adds(sb, "ALTER TYPE ");
			qn(sb, e->schema, e->name);
			sbuf_adds(sb, " ADD VALUE ");
			sbuf_add_literal(sb, c->label);
			if (k > 0 && k < e->labels.n) {
				sbuf_adds(sb, " AFTER ");
				sbuf_add_literal(sb, e->labels.v[k - 1]);
			} else if (k + 1 < e->labels.n) {
				sbuf_adds(sb, " BEFORE ");
				sbuf_add_literal(sb, e->labels.v[k + 1]);
			}
			end(sb);
			break;
		}
		case DIFF_RENAME_ENUM_VALUE: {
			const struct schema_enum *e = c->oa;
			sbuf_adds(sb, "ALTER TYPE ");
			qn(sb, e->schema, e->name);
			sbuf_adds(sb, " RENAME VALUE ");
			sbuf_add_literal(sb, c->old_name);
			sbuf_adds(sb, " TO ");
			sbuf_add_literal(sb, c->new_name);
			end(sb);
			break;
		}
		case DIFF_REBUILD_ENUM:
			rebuild_enum(sb, d, c);
			break;
		case DIFF_DROP_ENUM: {
			const struct schema_enum *e = c->oa;
			sbuf_adds(sb, "DROP TYPE ");
			qn(sb, e->schema, e->name);
			end(sb);
			break;
		}
		case DIFF_CREATE_SEQUENCE: {
			const struct schema_sequence *q = c->ob;
			if (seq_moved_by_column(d, o, q))
				break;
			sbuf_adds(sb, "CREATE SEQUENCE ");
			qn(sb, q->schema, q->name);
			sequence_options(sb, q, 0);
			end(sb);
			break;
		}
		case DIFF_ALTER_SEQUENCE: {
			const struct schema_sequence *q = c->ob, *qa = c->oa;
			/* The old owner lets go now, before the tables change: a
			 * sequence goes with the column or table that owns it, and
			 * that may be dropped below. The new one takes it after. */
			if ((c->what & DIFF_SEQ_OWNER) && qa->owned_by_table) {
				sbuf_adds(sb, "ALTER SEQUENCE ");
				qn(sb, qa->schema, qa->name);
				sbuf_adds(sb, " OWNED BY NONE");
				end(sb);
			}
			if (!c->what || (c->what & DIFF_SEQ_OPTIONS)) {
				if (qa && (qa->min_value != q->min_value || qa->max_value != q->max_value)) {
					alter_sequence_bounds(sb, q);
					break;
				}
				sbuf_adds(sb, "ALTER SEQUENCE ");
				qn(sb, q->schema, q->name);
				sequence_options(sb, q, 1);
				end(sb);
			}
			break;
		}
		case DIFF_RENAME_SEQUENCE: {
			const struct schema_sequence *qa = c->oa, *qb = c->ob;
			sbuf_adds(sb, "ALTER SEQUENCE ");
			qn(sb, qa->schema, qa->name);
			sbuf_adds(sb, " RENAME TO ");
			id(sb, qb->name);
			end(sb);
			break;
		}
		case DIFF_DROP_SEQUENCE: {
			/* IF EXISTS: a sequence owned by a dropped column went with it. */
			const struct schema_sequence *q = c->oa;
			if (seq_moved_by_column(d, o, q))
				break;
			sbuf_adds(sb, "DROP SEQUENCE IF EXISTS ");
			qn(sb, q->schema, q->name);
			end(sb);
			break;
		}
		case DIFF_CREATE_FUNCTION:
		case DIFF_REPLACE_FUNCTION:
			add_stmt(sb, ((const struct schema_function *)c->ob)->sql);
			break;
		case DIFF_DROP_FUNCTION: {
			const struct schema_function *f = c->oa;
			sbuf_adds(sb, "DROP FUNCTION ");
			qn(sb, f->schema, f->name);
			sbuf_addf(sb, "(%s)", f->args ? f->args : "");
			end(sb);
			break;
		}
		case DIFF_CREATE_TABLE:
			schema_render_create_table(p->b, SCHEMA_PG, 0, sb);
			end(sb);
			for (k = 0; k < p->b->ncolumns; k++)
				schema_render_column_settings(p->b, NULL, &p->b->columns[k], sb);
			for (k = 0; k < p->b->nchecks; k++)
				if (p->b->checks[k].not_valid) {
					struct sbuf def = SBUF_INIT;
					sbuf_addf(&def, "CHECK (%s)%s", p->b->checks[k].expression,
					          p->b->checks[k].no_inherit ? " NO INHERIT" : "");
					add_validated(sb, p->b, p->b->checks[k].name, def.buf, 1, 1, 0);
					sbuf_release(&def);
				}
			break;
		case DIFF_DROP_TABLE:
			sbuf_adds(sb, "DROP TABLE ");
			qn(sb, p->a->schema, p->a->name);
			end(sb);
			break;
		case DIFF_RENAME_TABLE:
			alter_table(sb, p->a);
			sbuf_adds(sb, "RENAME TO ");
			id(sb, p->b->name);
			end(sb);
			break;
		case DIFF_RENAME_COLUMN:
			alter_table(sb, p->b);
			sbuf_adds(sb, "RENAME COLUMN ");
			id(sb, c->ca->name);
			sbuf_adds(sb, " TO ");
			id(sb, c->cb->name);
			end(sb);
			break;
		case DIFF_ADD_COLUMN:
			add_column(sb, p->b, c->cb);
			break;
		case DIFF_DROP_COLUMN:
			/* Ahead of the table changes (a function its expression
			 * calls is re-made): A's names. */
			if (c->phase < DIFF_P_RENAME_TABLE || !p->b)
				drop_column(sb, p->a, c->ca->name);
			else
				drop_column(sb, p->b, c->ca->name);
			break;
		case DIFF_ALTER_COLUMN:
			if (c->phase < DIFF_P_RENAME_TABLE) {
				/* A default dropped ahead of a function it calls
				 * (diff.c, function_dependents): A's names. */
				alter_table(sb, p->a);
				sbuf_adds(sb, "ALTER COLUMN ");
				id(sb, c->ca->name);
				sbuf_adds(sb, " DROP DEFAULT");
				end(sb);
				break;
			}
			alter_column(sb, d, c, o ? o->safe : 0);
			break;
		case DIFF_ADD_PRIMARY_KEY:
			if (o && o->safe == PLAN_SAFE_MAIN && late_key(d, c) == 1)
				break; /* USING an index built CONCURRENTLY, in the late part */
			if (o && o->safe == PLAN_SAFE_MAIN)
				key_kept_plain(sb, late_key(d, c));
			alter_add(sb, p->b, p->b->pk.name);
			sbuf_adds(sb, "PRIMARY KEY ");
			schema_add_names(sb, &p->b->pk.columns);
			schema_render_include(&p->b->pk.include, sb);
			schema_render_deferrable(p->b->pk.deferrable, p->b->pk.initially_deferred, sb);
			end(sb);
			break;
		case DIFF_DROP_PRIMARY_KEY:
			if (o && o->safe == PLAN_SAFE_DOWN && late_key_dropped(o->up, c))
				break; /* the late part's down drops it */
			drop_constraint(sb, p->b, c->old_name);
			break;
		case DIFF_ADD_UNIQUE:
			if (o && o->safe == PLAN_SAFE_MAIN && late_key(d, c) == 1)
				break; /* USING an index built CONCURRENTLY, in the late part */
			if (o && o->safe == PLAN_SAFE_MAIN)
				key_kept_plain(sb, late_key(d, c));
			alter_table(sb, p->b);
			sbuf_adds(sb, "ADD ");
			schema_render_unique(c->ub, sb);
			end(sb);
			break;
		case DIFF_DROP_UNIQUE:
			if (o && o->safe == PLAN_SAFE_DOWN && late_key_dropped(o->up, c))
				break; /* the late part's down drops it */
			drop_constraint(sb, p->b, c->ua->name);
			break;
		case DIFF_ADD_CHECK: {
			struct sbuf def = SBUF_INIT;
			sbuf_addf(&def, "CHECK (%s)%s", c->kb->expression,
			          c->kb->no_inherit ? " NO INHERIT" : "");
			add_validated(sb, p->b, c->kb->name, def.buf, 0, c->kb->not_valid, o ? o->safe : 0);
			sbuf_release(&def);
			break;
		}
		case DIFF_DROP_CHECK:
			/* Ahead of the table changes (a function it calls is
			 * re-made), the table still has A's name. */
			drop_constraint(sb, c->phase < DIFF_P_RENAME_TABLE || !p->b ? p->a : p->b, c->ka->name);
			break;
		case DIFF_RENAME_CONSTRAINT:
			alter_table(sb, p->b);
			sbuf_adds(sb, "RENAME CONSTRAINT ");
			id(sb, c->old_name);
			sbuf_adds(sb, " TO ");
			id(sb, c->new_name);
			end(sb);
			break;
		case DIFF_DROP_FK:
			/* Before any table is renamed: A's name. */
			drop_constraint(sb, c->fk_table, c->fa->name);
			break;
		case DIFF_ADD_FK:
			add_fk(sb, c, o ? o->safe : 0);
			break;
		case DIFF_CREATE_INDEX: {
			const struct schema_index *ix = c->ib;
			int on_old_table = 0;
			if (!schema_find_table(d->b, ix->schema, ix->table) &&
			    find_view_created(d, ix->schema, ix->table))
				break; /* made with its materialized view, below */
			for (k = 0; k < d->npairs; k++)
				if (d->pairs[k]->a && d->pairs[k]->b &&
				    !schema_name_cmp(d->b, d->pairs[k]->b->name, ix->table) &&
				    !schema_name_cmp(d->b, d->pairs[k]->b->schema, ix->schema))
					on_old_table = 1;
			if (o && o->safe == PLAN_SAFE_MAIN && late_index(d, ix))
				break; /* built CONCURRENTLY in the late part */
			if (on_old_table && is_partitioned(d, ix->schema, ix->table)) {
				sbuf_adds(sb, "-- strata:lint-ignore create-index-non-concurrent: PostgreSQL "
				          "cannot build a partitioned table's index CONCURRENTLY\n");
				on_old_table = 0;
			}
			create_index(sb, ix, o && o->concurrent_indexes && on_old_table);
			if (o && o->concurrent_indexes && on_old_table)
				*no_tx = 1;
			break;
		}
		case DIFF_DROP_INDEX:
			if (o && o->safe == PLAN_SAFE_DOWN && late_index_dropped(o->up, c->ia))
				break; /* the late part's down drops it */
			sbuf_adds(sb, "DROP INDEX ");
			qn(sb, c->ia->schema, c->ia->name);
			end(sb);
			break;
		case DIFF_CREATE_VIEW: {
			const struct schema_view *v = c->vb;
			sbuf_adds(sb, v->materialized ? "CREATE MATERIALIZED VIEW " : "CREATE VIEW ");
			qn(sb, v->schema, v->name);
			if (v->options)
				sbuf_addf(sb, " WITH (%s)", v->options);
			sbuf_adds(sb, " AS\n");
			add_stmt(sb, v->definition ? v->definition : "SELECT");
			if (v->materialized && v->with_no_data) {
				sbuf_truncate(sb, sb->len - 2); /* the ";\n" of add_stmt */
				sbuf_adds(sb, "\nWITH NO DATA");
				end(sb);
			}
			if (v->materialized)
				for (k = 0; k < d->b->nindexes; k++)
					if (!schema_name_cmp(d->b, d->b->indexes[k]->table, v->name) &&
					    !schema_name_cmp(d->b, d->b->indexes[k]->schema, v->schema))
						create_index(sb, d->b->indexes[k], 0);
			break;
		}
		case DIFF_DROP_VIEW:
			sbuf_adds(sb, c->va->materialized ? "DROP MATERIALIZED VIEW " : "DROP VIEW ");
			qn(sb, c->va->schema, c->va->name);
			end(sb);
			break;
		case DIFF_CREATE_TRIGGER:
			add_stmt(sb, c->rb->sql);
			break;
		case DIFF_DROP_TRIGGER:
			sbuf_adds(sb, "DROP TRIGGER ");
			id(sb, c->ra->name);
			sbuf_adds(sb, " ON ");
			qn(sb, c->ra->schema, c->ra->table);
			end(sb);
			break;
		case DIFF_SET_COMMENT: {
			const struct schema_comment *cm = c->ob ? c->ob : c->oa;
			if (o && o->safe == PLAN_SAFE_MAIN &&
			    (comment_on_late_index(d, cm) || comment_on_late_key(d, cm)))
				break; /* set in the late part, after the build */
			set_comment(sb, cm, c->ob != NULL);
			break;
		}
		case DIFF_CREATE_POLICY:
			add_stmt(sb, ((const struct schema_policy *)c->ob)->sql);
			break;
		case DIFF_DROP_POLICY: {
			const struct schema_policy *po = c->oa;
			sbuf_adds(sb, "DROP POLICY ");
			id(sb, po->name);
			sbuf_adds(sb, " ON ");
			qn(sb, po->schema, po->table);
			end(sb);
			break;
		}
		case DIFF_ALTER_ROW_SECURITY: {
			int en = p->a ? p->a->row_security : 0, fo = p->a ? p->a->force_row_security : 0;
			sbuf_adds(sb, "ALTER TABLE ");
			qn(sb, p->b->schema, p->b->name);
			if (en != p->b->row_security)
				sbuf_adds(sb, p->b->row_security ? " ENABLE ROW LEVEL SECURITY" :
				                                   " DISABLE ROW LEVEL SECURITY");
			if (en != p->b->row_security && fo != p->b->force_row_security)
				sbuf_adds(sb, ",");
			if (fo != p->b->force_row_security)
				sbuf_adds(sb, p->b->force_row_security ? " FORCE ROW LEVEL SECURITY" :
				                                         " NO FORCE ROW LEVEL SECURITY");
			end(sb);
			break;
		}
		case DIFF_ALTER_TABLE:
			if (c->what)
				partition_plan(sb, d, c);
			else
				table_options(sb, p->a, p->b);
			break;
		case DIFF_CREATE_TYPE:
		case DIFF_DROP_TYPE:
		case DIFF_ALTER_TYPE:
		case DIFF_ADD_EXCLUDE:
		case DIFF_DROP_EXCLUDE:
			plan_pg_types(d, c, o, sb);
			break;
		case DIFF_CREATE_COLLATION:
		case DIFF_DROP_COLLATION:
			plan_pg_collations(c, sb);
			break;
		case DIFF_CREATE_STATISTICS:
		case DIFF_DROP_STATISTICS:
			plan_pg_extstats(c, sb);
			break;
		case DIFF_REBUILD_TABLE:
		case DIFF_REORDER_COLUMNS:
		case DIFF_KIND_COUNT:
			/* SQLite only. */
			break;
		}
	}
	return sbuf_failed(sb) ? STRATA_ENOMEM : 0;
}

/* ---- partitioning and inheritance (issue 22) ------------------------------ */

/* The table of the diff named nsp.name in A, as it is named during the
 * ALTER phase: B's name when it is renamed (renames come first). NULL when
 * the diff does not know it. */
static const struct schema_table *table_now(const struct diff *d, const char *nsp,
                                            const char *name)
{
	size_t k;

	for (k = 0; k < d->npairs; k++) {
		const struct diff_table *q = d->pairs[k];
		if (q->a && !schema_name_cmp(d->a, q->a->name, name) &&
		    !schema_name_cmp(d->a, q->a->schema, nsp))
			return q->b ? q->b : q->a;
	}
	return NULL;
}

/* The pair whose B (which 'b') or A table is nsp.name. */
static const struct diff_table *pair_named(const struct diff *d, int which, const char *nsp,
                                           const char *name)
{
	size_t k;

	for (k = 0; k < d->npairs; k++) {
		const struct schema_table *t = which == 'b' ? d->pairs[k]->b : d->pairs[k]->a;
		if (t && !schema_name_cmp(d->b, t->name, name) && !schema_name_cmp(d->b, t->schema, nsp))
			return d->pairs[k];
	}
	return NULL;
}

static int is_partitioned(const struct diff *d, const char *nsp, const char *name)
{
	const struct diff_table *q = pair_named(d, 'b', nsp, name);

	return q && q->b->partition_key;
}

static const char *parent_nsp(const struct schema_table *t, size_t i)
{
	return i < t->inherits_schemas.n ? t->inherits_schemas.v[i] : NULL;
}

static int has_parent(const struct schema_table *t, const struct schema_table *parent)
{
	size_t i;

	for (i = 0; parent && i < t->inherits.n; i++)
		if (!strcmp(t->inherits.v[i], parent->name) && !strcmp(parent_nsp(t, i) ? parent_nsp(t, i) : "",
		                                                      parent->schema ? parent->schema : ""))
			return 1;
	return 0;
}

/*
 * DETACH PARTITION from A's parent, ATTACH PARTITION to B's with B's bound
 * (the server checks the rows; none are moved); NO INHERIT the parents B
 * drops, INHERIT those it adds (the child has their columns by then: its
 * column changes come first).
 */
static void partition_plan(struct sbuf *sb, const struct diff *d, const struct diff_change *c)
{
	const struct schema_table *a = c->pair->a, *b = c->pair->b, *t;
	size_t i;

	if (c->what & DIFF_TBL_PARTITION) {
		/* Both hold ACCESS EXCLUSIVE on the partition (a plain DETACH does
		 * anyway), so a CHECK validated ahead would not shorten it. */
		t = table_now(d, a->part_of_schema, a->part_of);
		sbuf_adds(sb, "ALTER TABLE ");
		if (t)
			qn(sb, t->schema, t->name);
		else
			qn(sb, a->part_of_schema, a->part_of);
		sbuf_adds(sb, " DETACH PARTITION ");
		qn(sb, b->schema, b->name);
		end(sb);
		sbuf_adds(sb, "-- strata:lint-ignore attach-partition: attached again with its new "
		          "bound, which the server checks against the rows\n");
		sbuf_adds(sb, "ALTER TABLE ");
		qn(sb, b->part_of_schema, b->part_of);
		sbuf_adds(sb, " ATTACH PARTITION ");
		qn(sb, b->schema, b->name);
		sbuf_addf(sb, " %s", b->partition_bound ? b->partition_bound : "DEFAULT");
		end(sb);
	}
	for (i = 0; (c->what & DIFF_TBL_NO_INHERIT) && i < a->inherits.n; i++) {
		t = table_now(d, parent_nsp(a, i), a->inherits.v[i]);
		if (t && has_parent(b, t))
			continue;
		alter_table(sb, b);
		sbuf_adds(sb, "NO INHERIT ");
		if (t)
			qn(sb, t->schema, t->name);
		else
			qn(sb, parent_nsp(a, i), a->inherits.v[i]);
		end(sb);
	}
	for (i = 0; (c->what & DIFF_TBL_INHERIT) && i < b->inherits.n; i++) {
		size_t j;
		int kept = 0;
		for (j = 0; j < a->inherits.n && !kept; j++) {
			t = table_now(d, parent_nsp(a, j), a->inherits.v[j]);
			kept = t && !strcmp(t->name, b->inherits.v[i]) &&
			       !strcmp(t->schema ? t->schema : "", parent_nsp(b, i) ? parent_nsp(b, i) : "");
		}
		if (kept)
			continue;
		alter_table(sb, b);
		sbuf_adds(sb, "INHERIT ");
		qn(sb, parent_nsp(b, i), b->inherits.v[i]);
		end(sb);
	}
}

/* 1 when change c of an INHERITS child is made by the same change of one of
 * its parents, which PostgreSQL carries down to its children: a column
 * added, dropped or altered, a CHECK added or dropped. */
static int done_by_parent(const struct diff *d, const struct diff_change *c)
{
	const struct diff_table *p = c->pair, *q;
	const struct schema_table *t;
	int adding;
	size_t i, k;

	switch (c->kind) {
	case DIFF_ADD_COLUMN: case DIFF_ADD_CHECK: case DIFF_ALTER_COLUMN:
		adding = 1;
		break;
	case DIFF_DROP_COLUMN: case DIFF_DROP_CHECK:
		adding = 0;
		break;
	default:
		return 0;
	}
	if (!p || !p->a || !p->b || c->phase != DIFF_P_ALTER_TABLE)
		return 0;
	t = adding ? p->b : p->a;
	for (i = 0; i < t->inherits.n; i++) {
		q = pair_named(d, adding ? 'b' : 'a', parent_nsp(t, i), t->inherits.v[i]);
		if (!q || !q->a || !q->b)
			continue;
		for (k = 0; k < d->n; k++) {
			const struct diff_change *o = &d->v[k];
			if (o->pair != q || o->kind != c->kind)
				continue;
			if ((o->kind == DIFF_ADD_COLUMN && !strcmp(o->cb->name, c->cb->name)) ||
			    (o->kind == DIFF_ALTER_COLUMN && !strcmp(o->cb->name, c->cb->name) &&
			     o->what == c->what) ||
			    (o->kind == DIFF_DROP_COLUMN && !strcmp(o->ca->name, c->ca->name)) ||
			    (o->kind == DIFF_ADD_CHECK && o->kb->name && c->kb->name &&
			     !strcmp(o->kb->name, c->kb->name)) ||
			    (o->kind == DIFF_DROP_CHECK && o->ka->name && c->ka->name &&
			     !strcmp(o->ka->name, c->ka->name)))
				return 1;
		}
	}
	return 0;
}
