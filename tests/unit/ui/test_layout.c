/* test_layout.c: the size thresholds, the card shrinking order, and a
 * property test over every size from 1x1 to 300x100 with 0..16 GPUs and
 * every `layout` setting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>

#include "ui/layout.h"

static void test_kinds(void **state)
{
	(void)state;
	assert_int_equal(layout_compute(120, 30, 2, LAYOUT_AUTO).kind, LAYOUT_FULL);
	assert_int_equal(layout_compute(119, 30, 2, LAYOUT_AUTO).kind, LAYOUT_COMPACT);
	assert_int_equal(layout_compute(120, 29, 2, LAYOUT_AUTO).kind, LAYOUT_COMPACT);
	assert_int_equal(layout_compute(80, 20, 2, LAYOUT_AUTO).kind, LAYOUT_COMPACT);
	assert_int_equal(layout_compute(79, 20, 2, LAYOUT_AUTO).kind, LAYOUT_MINI);
	assert_int_equal(layout_compute(40, 10, 2, LAYOUT_AUTO).kind, LAYOUT_MINI);
	assert_int_equal(layout_compute(39, 10, 2, LAYOUT_AUTO).kind, LAYOUT_TOO_SMALL);
	assert_int_equal(layout_compute(40, 9, 2, LAYOUT_AUTO).kind, LAYOUT_TOO_SMALL);
	assert_int_equal(layout_compute(-5, -5, -1, LAYOUT_AUTO).kind, LAYOUT_TOO_SMALL);
	/* forcing works on any terminal that is not too small */
	assert_int_equal(layout_compute(200, 60, 2, LAYOUT_FORCE_MINI).kind, LAYOUT_MINI);
	assert_int_equal(layout_compute(40, 10, 2, LAYOUT_FORCE_FULL).kind, LAYOUT_FULL);
	assert_int_equal(layout_compute(30, 10, 2, LAYOUT_FORCE_FULL).kind, LAYOUT_TOO_SMALL);
	assert_string_equal(layout_kind_name(LAYOUT_COMPACT), "compact");
	assert_string_equal(layout_kind_name(LAYOUT_TOO_SMALL), "too-small");
}

static void test_full_two_gpus(void **state)
{
	(void)state;
	struct layout l = layout_compute(120, 30, 2, LAYOUT_AUTO);
	assert_int_equal(l.card_style, LAYOUT_CARD_TIMELINE);
	assert_int_equal(l.header.y, 0);
	assert_int_equal(l.header.h, 1);
	assert_int_equal(l.cards.y, 1);
	assert_int_equal(l.cards.h, 16);
	assert_int_equal(l.card[1].y, 9);
	assert_int_equal(l.card[1].w, 120);
	assert_int_equal(l.table.y, 17);
	assert_int_equal(l.table.h, 11);
	assert_int_equal(l.notices.y, 28);
	assert_int_equal(l.footer.y, 29);
	assert_int_equal(l.gpus_shown, 2);
	assert_int_equal(l.gpus_hidden, 0);
}

static void test_cards_shrink(void **state)
{
	(void)state;
	/* 8 GPUs at 120x30: 27 rows for cards and table, 21 for cards: boxed
	 * (24) does not fit either, so one line each */
	struct layout l = layout_compute(120, 30, 8, LAYOUT_AUTO);
	assert_int_equal(l.card_style, LAYOUT_CARD_LINE);
	assert_int_equal(l.gpus_shown, 8);
	assert_int_equal(l.table.h, 27 - 8);
	/* 8 GPUs at 120x40: 31 rows for cards, boxed (24) fits */
	l = layout_compute(120, 40, 8, LAYOUT_AUTO);
	assert_int_equal(l.card_style, LAYOUT_CARD_BOXED);
	assert_int_equal(l.cards.h, 24);
	/* 8 GPUs at 120x80: timelines for all (64 rows) */
	l = layout_compute(120, 80, 8, LAYOUT_AUTO);
	assert_int_equal(l.card_style, LAYOUT_CARD_TIMELINE);
	/* compact and mini: one line per card */
	l = layout_compute(100, 24, 2, LAYOUT_AUTO);
	assert_int_equal(l.card_style, LAYOUT_CARD_LINE);
	assert_int_equal(l.cards.h, 2);
	/* 16 GPUs in MINI 40x10: 8 rows, 3 kept for the table, 5 cards */
	l = layout_compute(40, 10, 16, LAYOUT_AUTO);
	assert_int_equal(l.gpus_shown, 5);
	assert_int_equal(l.gpus_hidden, 11);
	assert_true(ui_rect_empty(l.footer));
	assert_int_equal(l.table.h, 3);
	/* no GPU: no cards, the table takes the room */
	l = layout_compute(120, 30, 0, LAYOUT_AUTO);
	assert_int_equal(l.card_style, LAYOUT_CARD_NONE);
	assert_true(ui_rect_empty(l.cards));
	assert_int_equal(l.table.h, 27);
}

static bool inside(struct ui_rect r, struct ui_rect screen)
{
	return ui_rect_empty(r) ||
	       (r.x >= 0 && r.y >= 0 && r.x + r.w <= screen.w && r.y + r.h <= screen.h);
}

static void check(int cols, int rows, int ngpus, enum layout_force force)
{
	struct layout l = layout_compute(cols, rows, ngpus, force);
	assert_int_equal(l.screen.w, cols);
	assert_int_equal(l.screen.h, rows);
	assert_true(l.gpus_shown >= 0 && l.gpus_shown <= ngpus);
	assert_int_equal(l.gpus_shown + l.gpus_hidden, ngpus);
	if (l.kind == LAYOUT_TOO_SMALL) {
		assert_true(cols < LAYOUT_MIN_COLS || rows < LAYOUT_MIN_ROWS);
		assert_int_equal(l.gpus_shown, 0);
		return;
	}
	if (force == LAYOUT_AUTO)
		assert_int_equal(l.kind, cols >= 120 && rows >= 30  ? LAYOUT_FULL
		                         : cols >= 80 && rows >= 20 ? LAYOUT_COMPACT
		                                                    : LAYOUT_MINI);
	struct ui_rect parts[5] = {l.header, l.cards, l.table, l.notices, l.footer};
	for (int i = 0; i < 5; i++) {
		assert_true(inside(parts[i], l.screen));
		for (int j = i + 1; j < 5; j++)
			assert_false(ui_rect_overlap(parts[i], parts[j]));
	}
	assert_true(l.table.h >= 2);
	assert_int_equal(l.header.h, 1);
	assert_int_equal(l.notices.h, 1);
	assert_int_equal(l.footer.h, l.kind == LAYOUT_MINI ? 0 : 1);
	for (int i = 0; i < l.gpus_shown; i++) {
		struct ui_rect c = l.card[i];
		assert_false(ui_rect_empty(c));
		assert_int_equal(ui_rect_intersect(c, l.cards).h, c.h); /* within the area */
		assert_int_equal(ui_rect_intersect(c, l.cards).w, c.w);
		if (i > 0)
			assert_int_equal(c.y, l.card[i - 1].y + l.card[i - 1].h);
	}
	/* a GPU loses its card only when one more card would push the table
	 * below its floor */
	int floor = l.kind == LAYOUT_FULL ? 6 : l.kind == LAYOUT_COMPACT ? 4 : 3;
	int each = l.card_style == LAYOUT_CARD_TIMELINE ? LAYOUT_CARD_TIMELINE_ROWS
	           : l.card_style == LAYOUT_CARD_BOXED  ? LAYOUT_CARD_BOXED_ROWS
	                                                : 1;
	if (l.gpus_hidden > 0 && l.gpus_shown < LAYOUT_MAX_CARDS)
		assert_true(l.table.h - each < floor);
	/* timelines only when every placeable GPU gets one */
	if (l.card_style == LAYOUT_CARD_TIMELINE)
		assert_int_equal(l.gpus_hidden,
		                 ngpus > LAYOUT_MAX_CARDS ? ngpus - LAYOUT_MAX_CARDS : 0);
}

static void test_property_all_sizes(void **state)
{
	(void)state;
	for (int force = LAYOUT_AUTO; force <= LAYOUT_FORCE_MINI; force++)
		for (int g = 0; g <= 16; g++)
			for (int rows = 1; rows <= 100; rows++)
				for (int cols = 1; cols <= 300; cols++)
					check(cols, rows, g, (enum layout_force)force);
	check(500, 2000, 100, LAYOUT_AUTO); /* more GPUs than cards */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_full_two_gpus),
	    cmocka_unit_test(test_cards_shrink),
	    cmocka_unit_test(test_property_all_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
