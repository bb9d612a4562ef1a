/*
 * render_int.h: what the renderers share (render.c builds it; render_json.c
 * and render_diagram.c use it): name lookups over the model and the render
 * context of dependency orders and attached objects. Internal to the
 * library.
 */
#ifndef STRATA_RENDER_INT_H
#define STRATA_RENDER_INT_H

#include "schema.h"

/*
 * The objects of one kind, sorted by name for lookups: entries point into
 * the model's array by index.
 */
struct name_index {
	int engine;
	size_t n;
	struct name_entry {
		const char *schema;
		const char *name;
		size_t i;
	} *v;
};

/*
 * Indexes and triggers grouped by the table or view they are on, so that
 * each renderer finds an object's dependents without scanning them all
 * (a 2,000-table schema has 4,000 indexes). Owners are numbered tables
 * first, then views; bucket nowners holds those whose owner is not in the
 * model. Each bucket keeps the model's order.
 */
struct attach {
	size_t nowners;
	size_t *start;   /* nowners + 2 entries */
	size_t *items;
};

/* Everything the renderers share, built once per call. */
struct rctx {
	const struct schema *s;
	struct name_index tables, views;
	struct attach indexes, triggers;
	size_t *torder, *vorder;
};

/* ASCII lower case; names compared as the engine compares them. */
int render_lower_ascii(int c);
int render_name_cmp(int engine, const char *a, const char *b);
/* Index s's tables into ix (free ix->v); its position of (nsp, name), or -1. */
int render_name_index_tables(struct name_index *ix, const struct schema *s);
long render_name_index_find(const struct name_index *ix, const char *nsp, const char *name);
/* Build r for s (with_order: the dependency orders too); release with rctx_release. */
int render_ctx_init(struct rctx *r, const struct schema *s, int with_order);
void render_ctx_release(struct rctx *r);

#endif
