/* test_theme.c: palettes (complete, distinct, legible), depth detection, the
 * exact 256/16/8 step-down of known colours, and resolving roles per depth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "golden.h"
#include "ui/theme.h"

static void test_names(void **state)
{
	(void)state;
	static const char *const want[] = {"dark",       "light",   "nord",
	                                   "catppuccin", "dracula", "solarized"};
	enum theme_id id;
	for (unsigned i = 0; i < THEME_COUNT; i++) {
		assert_string_equal(theme_name((enum theme_id)i), want[i]);
		assert_true(theme_from_name(want[i], &id));
		assert_int_equal(id, i);
	}
	assert_false(theme_from_name("Dark", &id));
	assert_false(theme_from_name("", &id));
	assert_null(theme_name(THEME_COUNT));
	assert_int_equal(theme_next(THEME_DARK), THEME_LIGHT);
	assert_int_equal(theme_next(THEME_SOLARIZED), THEME_DARK);
	assert_string_equal(theme_role_name(THEME_BAR3), "bar3");
	assert_string_equal(theme_role_name(THEME_ALERT), "alert");
	for (unsigned r = 0; r < THEME_ROLE_COUNT; r++)
		assert_non_null(theme_role_name((enum theme_role)r));
}

static double lin(int c)
{
	double v = c / 255.0;
	return v <= 0.03928 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

static double luminance(uint32_t rgb)
{
	return 0.2126 * lin((int)(rgb >> 16 & 0xFF)) + 0.7152 * lin((int)(rgb >> 8 & 0xFF)) +
	       0.0722 * lin((int)(rgb & 0xFF));
}

/* WCAG contrast ratio. */
static double contrast(uint32_t a, uint32_t b)
{
	double la = luminance(a), lb = luminance(b);
	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

static void test_palettes(void **state)
{
	(void)state;
	for (unsigned t = 0; t < THEME_COUNT; t++) {
		enum theme_id id = (enum theme_id)t;
		uint32_t bg = theme_rgb(id, THEME_BACKGROUND);
		/* readable text and alerts on the theme's own background */
		assert_true(contrast(theme_rgb(id, THEME_TEXT), bg) >= 4.5);
		assert_true(contrast(theme_rgb(id, THEME_ALERT), bg) >= 3.0);
		assert_true(contrast(theme_rgb(id, THEME_DIM), bg) >= 2.5);
		/* the eight process colours are told apart, and from free memory */
		for (unsigned i = THEME_BAR0; i <= THEME_BAR7; i++) {
			for (unsigned j = i + 1; j <= THEME_BAR7; j++)
				assert_int_not_equal(theme_rgb(id, i), theme_rgb(id, j));
			assert_int_not_equal(theme_rgb(id, i), theme_rgb(id, THEME_BAR_FREE));
			assert_int_not_equal(theme_rgb(id, i), bg);
		}
		assert_int_not_equal(theme_rgb(id, THEME_ALERT), theme_rgb(id, THEME_OK));
		assert_int_not_equal(theme_rgb(id, THEME_PHASE_GROWING),
		                     theme_rgb(id, THEME_PHASE_STABLE));
		assert_int_not_equal(theme_rgb(id, THEME_SELECTION), bg);
	}
	assert_int_equal(theme_rgb(THEME_NORD, THEME_BACKGROUND), 0x2E3440);
	assert_int_equal(theme_rgb(THEME_DRACULA, THEME_TEXT), 0xF8F8F2);
	assert_int_equal(theme_rgb(THEME_SOLARIZED, THEME_BACKGROUND), 0x002B36);
	assert_int_equal(theme_rgb(THEME_CATPPUCCIN, THEME_ROLE_COUNT),
	                 theme_rgb(THEME_CATPPUCCIN, THEME_TEXT));
}

static void test_detect_depth(void **state)
{
	(void)state;
	assert_int_equal(theme_detect_depth("truecolor", NULL, 8), COLOR_DEPTH_TRUECOLOR);
	assert_int_equal(theme_detect_depth("24bit", NULL, -1), COLOR_DEPTH_TRUECOLOR);
	assert_int_equal(theme_detect_depth("TrueColor", "", 256), COLOR_DEPTH_TRUECOLOR);
	assert_int_equal(theme_detect_depth("truecolor", "1", 256), COLOR_DEPTH_NONE);
	assert_int_equal(theme_detect_depth(NULL, "0", 256), COLOR_DEPTH_NONE);
	assert_int_equal(theme_detect_depth("yes", NULL, 256), COLOR_DEPTH_256);
	assert_int_equal(theme_detect_depth(NULL, NULL, 88), COLOR_DEPTH_16);
	assert_int_equal(theme_detect_depth(NULL, NULL, 16), COLOR_DEPTH_16);
	assert_int_equal(theme_detect_depth(NULL, NULL, 8), COLOR_DEPTH_8);
	assert_int_equal(theme_detect_depth(NULL, NULL, 2), COLOR_DEPTH_NONE);
	assert_int_equal(theme_detect_depth(NULL, NULL, -1), COLOR_DEPTH_NONE);
	enum color_depth d;
	assert_true(theme_depth_from_name("256", &d));
	assert_int_equal(d, COLOR_DEPTH_256);
	assert_true(theme_depth_from_name("none", &d));
	assert_int_equal(d, COLOR_DEPTH_NONE);
	assert_false(theme_depth_from_name("88", &d));
}

static void test_index_rgb(void **state)
{
	(void)state;
	assert_int_equal(theme_index_rgb(1), 0xCD0000);
	assert_int_equal(theme_index_rgb(16), 0x000000);
	assert_int_equal(theme_index_rgb(67), 0x5F87AF);
	assert_int_equal(theme_index_rgb(196), 0xFF0000);
	assert_int_equal(theme_index_rgb(231), 0xFFFFFF);
	assert_int_equal(theme_index_rgb(232), 0x080808);
	assert_int_equal(theme_index_rgb(244), 0x808080);
	assert_int_equal(theme_index_rgb(255), 0xEEEEEE);
}

static void test_to_256(void **state)
{
	(void)state;
	assert_int_equal(theme_rgb_to_256(0x000000), 16);
	assert_int_equal(theme_rgb_to_256(0xFFFFFF), 231);
	assert_int_equal(theme_rgb_to_256(0xFF0000), 196);
	assert_int_equal(theme_rgb_to_256(0x5F87AF), 67);  /* exactly on the cube */
	assert_int_equal(theme_rgb_to_256(0x808080), 244); /* exactly on the ramp */
	assert_int_equal(theme_rgb_to_256(0x0A0A0A), 232); /* near black: the ramp */
	assert_int_equal(theme_rgb_to_256(0x2E3440), 237); /* nord background: grey 58 */
	assert_int_equal(theme_rgb_to_256(0x88C0D0), 110); /* nord frost: 87/AF/D7 */
	assert_int_equal(theme_rgb_to_256(0xBF616A), 131); /* nord red: AF/5F/5F */
	assert_int_equal(theme_rgb_to_256(0x002B36), 234); /* solarized base03 */
	assert_int_equal(theme_rgb_to_256(0x2F5F87), 24);  /* 00/5F/87 beats greys */
	/* every palette index above 15 maps to itself: the search is exact */
	for (unsigned i = 16; i < 256; i++)
		assert_int_equal(theme_rgb_to_256(theme_index_rgb((uint8_t)i)), i);
}

static void test_to_16_and_8(void **state)
{
	(void)state;
	assert_int_equal(theme_rgb_to_16(0x000000), 0);
	assert_int_equal(theme_rgb_to_16(0xFFFFFF), 15);
	assert_int_equal(theme_rgb_to_16(0x808080), 8);
	assert_int_equal(theme_rgb_to_16(0xD0D0D0), 7);
	assert_int_equal(theme_rgb_to_16(0xCD0000), 1);
	assert_int_equal(theme_rgb_to_16(0xFF5555), 9);  /* dracula red */
	assert_int_equal(theme_rgb_to_16(0xBF616A), 1);  /* nord red */
	assert_int_equal(theme_rgb_to_16(0xA3BE8C), 10); /* nord green, light */
	assert_int_equal(theme_rgb_to_16(0x859900), 2);  /* solarized green, hue 68 */
	assert_int_equal(theme_rgb_to_16(0xF1FA8C), 11); /* dracula yellow, hue 65 */
	assert_int_equal(theme_rgb_to_16(0x268BD2), 4);  /* solarized blue */
	assert_int_equal(theme_rgb_to_16(0x88C0D0), 14); /* nord frost */
	assert_int_equal(theme_rgb_to_16(0xD33682), 5);  /* solarized magenta */
	assert_int_equal(theme_rgb_to_16(0xEBCB8B), 11); /* nord yellow */
	assert_int_equal(theme_rgb_to_16(0xCB4B16), 3);  /* solarized orange: warn */
	assert_int_equal(theme_rgb_to_16(0xDC322F), 1);  /* solarized red: alert */
	assert_int_equal(theme_rgb_to_8(0xFF5555), 1);
	assert_int_equal(theme_rgb_to_8(0xFFFFFF), 7);
	assert_int_equal(theme_rgb_to_8(0x303030), 0);
	assert_int_equal(theme_rgb_to_8(0x88C0D0), 6);
	/* the xterm ANSI colours map to themselves */
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(theme_rgb_to_16(theme_index_rgb((uint8_t)i)), i);
	/* alert, warn and ok keep different colours in every theme, at 16 and 8 */
	for (unsigned t = 0; t < THEME_COUNT; t++) {
		uint32_t alert = theme_rgb((enum theme_id)t, THEME_ALERT);
		uint32_t ok = theme_rgb((enum theme_id)t, THEME_OK);
		assert_int_not_equal(theme_rgb_to_16(alert), theme_rgb_to_16(ok));
		assert_int_not_equal(theme_rgb_to_8(alert), theme_rgb_to_8(ok));
		uint32_t warn = theme_rgb((enum theme_id)t, THEME_WARN);
		assert_int_not_equal(theme_rgb_to_8(alert), theme_rgb_to_8(warn));
		assert_int_not_equal(theme_rgb_to_8(ok), theme_rgb_to_8(warn));
	}
}

static void assert_color(struct canvas_color c, unsigned kind, uint32_t value)
{
	assert_int_equal(c.kind, kind);
	assert_int_equal(c.value, value);
}

static void test_resolve(void **state)
{
	(void)state;
	struct canvas_color red = canvas_role(THEME_ALERT);
	assert_color(theme_resolve(THEME_NORD, COLOR_DEPTH_TRUECOLOR, red), CANVAS_COLOR_RGB,
	             0xD0616A);
	assert_color(theme_resolve(THEME_NORD, COLOR_DEPTH_256, red), CANVAS_COLOR_INDEX,
	             theme_rgb_to_256(0xD0616A));
	assert_color(theme_resolve(THEME_NORD, COLOR_DEPTH_16, red), CANVAS_COLOR_INDEX, 9);
	assert_color(theme_resolve(THEME_NORD, COLOR_DEPTH_8, red), CANVAS_COLOR_INDEX, 1);
	assert_color(theme_resolve(THEME_NORD, COLOR_DEPTH_NONE, red), CANVAS_COLOR_DEFAULT, 0);
	/* text and background are the terminal's own at 16 and 8 colours */
	struct canvas_color text = canvas_role(THEME_TEXT);
	assert_color(theme_resolve(THEME_DARK, COLOR_DEPTH_16, text), CANVAS_COLOR_DEFAULT, 0);
	assert_color(theme_resolve(THEME_DARK, COLOR_DEPTH_256, text), CANVAS_COLOR_INDEX, 252);
	/* RGB and indexed intents */
	assert_color(theme_resolve(THEME_DARK, COLOR_DEPTH_TRUECOLOR, canvas_rgb(0x123456)),
	             CANVAS_COLOR_RGB, 0x123456);
	assert_color(theme_resolve(THEME_DARK, COLOR_DEPTH_256, canvas_rgb(0xFF0000)),
	             CANVAS_COLOR_INDEX, 196);
	assert_color(theme_resolve(THEME_DARK, COLOR_DEPTH_8, canvas_index(9)), CANVAS_COLOR_INDEX,
	             1);
	assert_color(theme_resolve(THEME_DARK, COLOR_DEPTH_16, canvas_index(196)),
	             CANVAS_COLOR_INDEX, 9);
	assert_color(theme_resolve(THEME_DARK, COLOR_DEPTH_TRUECOLOR, canvas_index(67)),
	             CANVAS_COLOR_INDEX, 67);
	assert_color(theme_resolve(THEME_DARK, COLOR_DEPTH_TRUECOLOR, canvas_default()),
	             CANVAS_COLOR_DEFAULT, 0);
	/* screenshot colours */
	assert_int_equal(theme_resolve_rgb(THEME_DRACULA, canvas_default(), true), 0xF8F8F2);
	assert_int_equal(theme_resolve_rgb(THEME_DRACULA, canvas_default(), false), 0x282A36);
	assert_int_equal(theme_resolve_rgb(THEME_DRACULA, canvas_index(196), true), 0xFF0000);
	assert_int_equal(theme_resolve_rgb(THEME_DRACULA, canvas_role(THEME_OK), true), 0x50FA7B);
}

/* What each theme sends for each role at every depth, NO_COLOR (none)
 * included, as a golden table: a palette change is a reviewed diff. */
static void test_theme_goldens(void **state)
{
	(void)state;
	static const char *const depth[] = {"none", "8", "16", "256", "truecolor"};
	for (unsigned t = 0; t < THEME_COUNT; t++) {
		enum theme_id id = (enum theme_id)t;
		char buf[8192], name[64];
		size_t n = (size_t)snprintf(
		    buf, sizeof(buf), "# theme %s: role none 8 16 256 truecolor\n", theme_name(id));
		for (unsigned r = 0; r < THEME_ROLE_COUNT; r++) {
			n +=
			    (size_t)snprintf(buf + n, sizeof(buf) - n, "%-14s", theme_role_name(r));
			for (unsigned d = 0; d <= COLOR_DEPTH_TRUECOLOR; d++) {
				struct canvas_color c =
				    theme_resolve(id, (enum color_depth)d,
				                  (struct canvas_color){CANVAS_COLOR_ROLE, r});
				if (c.kind == CANVAS_COLOR_RGB)
					n += (size_t)snprintf(buf + n, sizeof(buf) - n, " #%06X",
					                      c.value);
				else if (c.kind == CANVAS_COLOR_INDEX)
					n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %s:%u",
					                      depth[d], c.value);
				else
					n += (size_t)snprintf(buf + n, sizeof(buf) - n, " default");
			}
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\n");
			assert_true(n < sizeof(buf));
		}
		snprintf(name, sizeof(name), "theme_%s", theme_name(id));
		assert_true(golden_check(name, buf));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),        cmocka_unit_test(test_palettes),
	    cmocka_unit_test(test_detect_depth), cmocka_unit_test(test_index_rgb),
	    cmocka_unit_test(test_to_256),       cmocka_unit_test(test_to_16_and_8),
	    cmocka_unit_test(test_resolve),      cmocka_unit_test(test_theme_goldens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
