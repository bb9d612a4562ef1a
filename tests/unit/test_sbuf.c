/*
 * test_sbuf.c: the growable string buffer (lib/sbuf.h): its invariants
 * (never NULL, always terminated), the size cap, the sticky failure that
 * lets a caller check once, detach and release, and the escapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

static void test_sbuf__init_is_an_empty_terminated_string(void **state)
{
	struct sbuf sb = SBUF_INIT;
	(void)state;

	assert_non_null(sb.buf);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	assert_false(sbuf_failed(&sb));
	sbuf_release(&sb); /* releasing an unused buffer is fine */
	sbuf_release(&sb); /* and so is releasing twice */
	assert_string_equal(sb.buf, "");
}

static void test_sbuf__appends_grow_and_stay_terminated(void **state)
{
	struct sbuf sb = SBUF_INIT;
	size_t i;
	(void)state;

	sbuf_adds(&sb, "abc");
	sbuf_addc(&sb, '-');
	sbuf_addf(&sb, "%d:%s", 42, "x");
	assert_string_equal(sb.buf, "abc-42:x");
	assert_int_equal(sb.len, 8);
	for (i = 0; i < 10000; i++)
		sbuf_addc(&sb, 'z');
	assert_int_equal(sb.len, 10008);
	assert_int_equal(strlen(sb.buf), sb.len);
	assert_true(sb.alloc > sb.len);
	sbuf_adds(&sb, NULL); /* NULL appends nothing */
	sbuf_add(&sb, "q", 0);
	assert_int_equal(sb.len, 10008);
	sbuf_release(&sb);
}

static void test_sbuf__setf_truncate_and_reset(void **state)
{
	struct sbuf sb = SBUF_INIT;
	(void)state;

	sbuf_adds(&sb, "old contents");
	sbuf_setf(&sb, "%s=%u", "n", 7u);
	assert_string_equal(sb.buf, "n=7");
	sbuf_truncate(&sb, 1);
	assert_string_equal(sb.buf, "n");
	sbuf_truncate(&sb, 100); /* longer than the contents: no change */
	assert_string_equal(sb.buf, "n");
	sbuf_reset(&sb);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	assert_true(sb.alloc > 0); /* reset keeps the memory */
	sbuf_release(&sb);
}

static void test_sbuf__over_the_cap_fails_without_allocating(void **state)
{
	struct sbuf sb = SBUF_INIT;
	(void)state;

	sbuf_adds(&sb, "kept");
	assert_int_equal(sbuf_grow(&sb, SBUF_MAX), -1);
	assert_true(sbuf_failed(&sb));
	/* The contents so far are intact and still terminated. */
	assert_string_equal(sb.buf, "kept");
	sbuf_release(&sb);

	/* A length that would wrap around size_t is over the cap too. */
	assert_int_equal(sbuf_grow(&sb, (size_t)-1), -1);
	assert_true(sbuf_failed(&sb));
	sbuf_release(&sb);
	assert_false(sbuf_failed(&sb)); /* release clears the failure */
}

static void test_sbuf__failure_is_sticky_until_reset(void **state)
{
	struct sbuf sb = SBUF_INIT;
	(void)state;

	sbuf_adds(&sb, "a");
	assert_int_equal(sbuf_grow(&sb, SBUF_MAX), -1);
	sbuf_adds(&sb, "b");
	sbuf_addc(&sb, 'c');
	sbuf_addf(&sb, "%s", "d");
	assert_true(sbuf_failed(&sb));
	assert_string_equal(sb.buf, "a"); /* every append after it a no-op */
	assert_int_equal(sbuf_grow(&sb, 1), -1);
	sbuf_reset(&sb);
	assert_false(sbuf_failed(&sb));
	sbuf_adds(&sb, "again");
	assert_string_equal(sb.buf, "again");
	sbuf_release(&sb);
}

static void test_sbuf__detach_hands_over_or_returns_null_on_failure(void **state)
{
	struct sbuf sb = SBUF_INIT;
	char *s;
	(void)state;

	s = sbuf_detach(&sb); /* never-used buffer: an empty, freeable string */
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);

	sbuf_adds(&sb, "mine now");
	s = sbuf_detach(&sb);
	assert_string_equal(s, "mine now");
	assert_string_equal(sb.buf, ""); /* the buffer is back to SBUF_INIT */
	assert_int_equal(sb.alloc, 0);
	free(s);

	sbuf_adds(&sb, "lost");
	sbuf_grow(&sb, SBUF_MAX);
	assert_null(sbuf_detach(&sb));
	assert_false(sbuf_failed(&sb));
	assert_int_equal(sb.alloc, 0);
}

static void test_sbuf__quoting_doubles_the_quote(void **state)
{
	struct sbuf sb = SBUF_INIT;
	(void)state;

	sbuf_add_ident(&sb, "we\"ird");
	sbuf_addc(&sb, ' ');
	sbuf_add_literal(&sb, "it's");
	assert_string_equal(sb.buf, "\"we\"\"ird\" 'it''s'");
	sbuf_release(&sb);
}

static void test_sbuf__escape_controls_from_an_offset(void **state)
{
	struct sbuf sb = SBUF_INIT;
	(void)state;

	sbuf_adds(&sb, "\x1b keep: ");
	sbuf_adds(&sb, "a\x1b[2Jb\tc\nd\x7f");
	sbuf_escape_controls(&sb, 8);
	assert_string_equal(sb.buf, "\x1b keep: a\\x1b[2Jb\tc\\x0ad\\x7f");
	assert_int_equal(strlen(sb.buf), sb.len);
	sbuf_release(&sb);

	sbuf_adds(&sb, "nothing to do");
	sbuf_escape_controls(&sb, 0);
	assert_string_equal(sb.buf, "nothing to do");
	sbuf_release(&sb);
}

static void test_sbuf__xstrndup_stops_at_n_or_nul(void **state)
{
	char *s;
	(void)state;

	s = sbuf_strndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = sbuf_strndup("ab", 10);
	assert_string_equal(s, "ab");
	free(s);
	assert_null(xstrdup_or_null(NULL));
	s = xstrdup_or_null("x");
	assert_string_equal(s, "x");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sbuf__init_is_an_empty_terminated_string),
		cmocka_unit_test(test_sbuf__appends_grow_and_stay_terminated),
		cmocka_unit_test(test_sbuf__setf_truncate_and_reset),
		cmocka_unit_test(test_sbuf__over_the_cap_fails_without_allocating),
		cmocka_unit_test(test_sbuf__failure_is_sticky_until_reset),
		cmocka_unit_test(test_sbuf__detach_hands_over_or_returns_null_on_failure),
		cmocka_unit_test(test_sbuf__quoting_doubles_the_quote),
		cmocka_unit_test(test_sbuf__escape_controls_from_an_offset),
		cmocka_unit_test(test_sbuf__xstrndup_stops_at_n_or_nul),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
