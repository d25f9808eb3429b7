/* test_screenshot.c: plain text (wide glyphs once, trailing spaces cut), the
 * golden text + style layers, and SVG that parses as XML and renders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "golden.h"
#include "core/textwidth.h"
#include "ui/screenshot.h"

static void test_text(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(6, 3);
	canvas_put_str(c, 0, 0,
	               "\xE4\xB8\xAD"
	               "a",
	               canvas_style_plain(), -1);
	canvas_put_str(c, 1, 1, "b", canvas_style_fg(canvas_role(THEME_ALERT), 0), -1);
	char *t = screenshot_text(c);
	assert_string_equal(t, "\xE4\xB8\xAD"
	                       "a\n b\n\n");
	free(t);
	canvas_free(c);
	c = canvas_new(0, 0);
	t = screenshot_text(c);
	assert_string_equal(t, "");
	free(t);
	canvas_free(c);
}

static void test_fixture_text(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(46, 11);
	fixture_draw(c, true);
	char *t = screenshot_text(c);
	assert_string_equal(t, "╭ GPU 0 · NVIDIA H200 ─────────────────────╮\n"
	                       "│ 中文 名前 CJK                            │\n"
	                       "│ 😀 emoji 👩‍💻 zwj 🇺🇸 flag                  │\n"
	                       "│ e\xCC\x81 combining <a & \"b\">'                   │\n"
	                       "│ ██████▓▓▓▓▓▓▒▒▒▒▒▒░░░░░░░░░░             │\n"
	                       "│ !!! OOM ~60–120 s  ok                    │\n"
	                       "│▶ 4242 python train.py                    │\n"
	                       "│ idx rgb rev                              │\n"
	                       "╰──────────────────────────────────────────╯\n"
	                       "\n"
	                       "size 46x11\n");
	/* every line of the box is 44 columns wide, whatever its glyphs */
	const char *line = t;
	for (int y = 0; y < 9; y++) {
		size_t n = strcspn(line, "\n");
		assert_int_equal(vt_text_width(line, n), 44);
		line += n + 1;
	}
	free(t);
	canvas_free(c);
}

static void test_golden_layers(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(46, 11);
	fixture_draw(c, true);
	char *g = screenshot_golden(c);
	assert_true(golden_check("fixture", g));
	free(g);
	if (!golden_updating()) {
		/* the style layer sees a change the text layer cannot */
		canvas_put_str(c, 2, 1, "\xE4\xB8\xAD", canvas_style_fg(canvas_role(THEME_OK), 0),
		               -1);
		g = screenshot_golden(c);
		assert_false(golden_check("fixture", g));
		free(g);
	}
	canvas_free(c);
}

static void test_golden_legend(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(4, 1);
	canvas_put_str(c, 0, 0, "ab", canvas_style_fg(canvas_role(THEME_ALERT), CANVAS_BOLD), -1);
	canvas_put_str(c, 2, 0, "\xE4\xB8\xAD",
	               (struct canvas_style){canvas_rgb(0x12AB34), canvas_index(7),
	                                     CANVAS_REVERSE | CANVAS_ITALIC},
	               -1);
	char *g = screenshot_golden(c);
	assert_string_equal(g, "# text\nab\xE4\xB8\xAD\n# style\naabb\n# legend\n"
	                       "a fg=role:alert bg=default bold\n"
	                       "b fg=#12AB34 bg=index:7 reverse italic\n");
	free(g);
	canvas_free(c);
}

static char tmpdir[64];

static int run(const char *cmd)
{
	int rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

static void test_svg(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(46, 11);
	fixture_draw(c, true);
	char *svg = screenshot_svg(c, THEME_NORD);
	assert_non_null(strstr(svg, "fill=\"#2E3440\"")); /* nord background */
	assert_non_null(strstr(svg, "&lt;a &amp; &quot;b&quot;&gt;&apos;"));
	assert_non_null(strstr(svg, "font-weight=\"bold\""));
	assert_non_null(strstr(svg, "fill=\"#FF0000\"")); /* index 196 background */
	assert_null(strstr(svg, "<a &"));

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vt-svg-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	char path[128], cmd[1024];
	snprintf(path, sizeof(path), "%s/shot.svg", tmpdir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(svg, 1, strlen(svg), f), strlen(svg));
	assert_int_equal(fclose(f), 0);
	/* well-formed XML whose text holds what the canvas holds */
	snprintf(cmd, sizeof(cmd),
	         "python3 -c 'import sys, xml.etree.ElementTree as E\n"
	         "r = E.parse(sys.argv[1]).getroot()\n"
	         "assert r.tag == \"{http://www.w3.org/2000/svg}svg\", r.tag\n"
	         "t = \"\".join(e.text or \"\" for e in "
	         "r.iter(\"{http://www.w3.org/2000/svg}text\"))\n"
	         "for w in sys.argv[2:]: assert w in t, w\n' %s "
	         "'<a & \"b\">'\"'\" '中文' '👩‍💻' 'e\xCC\x81'",
	         path);
	assert_int_equal(run(cmd), 0);
	if (run("command -v rsvg-convert >/dev/null") != 0) {
		fprintf(stderr, "rsvg-convert not installed (librsvg2-bin): not rendered\n");
	} else {
		snprintf(cmd, sizeof(cmd),
		         "rsvg-convert -o %s/shot.png %s && "
		         "head -c 8 %s/shot.png | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'",
		         tmpdir, path, tmpdir);
		assert_int_equal(run(cmd), 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	(void)run(cmd);
	free(svg);
	canvas_free(c);
}

static void test_svg_escapes_noncharacters(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(3, 1);
	canvas_put_str(c, 0, 0, "\xEF\xBF\xBF&", canvas_style_plain(), -1); /* U+FFFF */
	char *svg = screenshot_svg(c, THEME_DARK);
	assert_non_null(strstr(svg, ">\xEF\xBF\xBD&amp;</text>"));
	assert_null(strstr(svg, "\xEF\xBF\xBF"));
	free(svg);
	canvas_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text),          cmocka_unit_test(test_fixture_text),
	    cmocka_unit_test(test_golden_layers), cmocka_unit_test(test_golden_legend),
	    cmocka_unit_test(test_svg),           cmocka_unit_test(test_svg_escapes_noncharacters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
