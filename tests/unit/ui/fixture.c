/* fixture.c: the shared test picture (see fixture.h). */
#include "fixture.h"

#include <stdio.h>

#include "ui/theme.h"

static struct canvas_style role(unsigned r, unsigned attr)
{
	return canvas_style_fg(canvas_role(r), attr);
}

void fixture_draw(struct canvas *c, bool clusters)
{
	struct canvas_style text = role(THEME_TEXT, 0);
	canvas_clear(c, canvas_style_plain());
	canvas_box(c, (struct ui_rect){0, 0, 44, 9}, role(THEME_BORDER, 0),
	           "GPU 0 \xC2\xB7 NVIDIA H200", role(THEME_TITLE, CANVAS_BOLD));
	int x = 2;
	x += canvas_put_str(c, x, 1, "\xE4\xB8\xAD\xE6\x96\x87 ", text, -1); /* 中文 */
	x += canvas_put_str(c, x, 1, "\xE5\x90\x8D\xE5\x89\x8D", role(THEME_HEADER, 0), -1);
	canvas_put_str(c, x, 1, " CJK", role(THEME_DIM, CANVAS_DIM), -1);
	x = 2;
	x += canvas_put_str(c, x, 2, "\xF0\x9F\x98\x80 emoji", text, -1); /* 😀 */
	if (clusters) {
		x += canvas_put_str(c, x, 2, " \xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB zwj",
		                    text, -1);
		canvas_put_str(c, x, 2, " \xF0\x9F\x87\xBA\xF0\x9F\x87\xB8 flag", text, -1);
	}
	x = 2;
	x += canvas_put_str(c, x, 3, "e\xCC\x81 combining ", text, -1);
	canvas_put_str(c, x, 3, "<a & \"b\">'", role(THEME_WARN, CANVAS_UNDERLINE), -1);
	/* a memory bar: four processes, no-process, free */
	static const char *const glyph[] = {"\xE2\x96\x88", "\xE2\x96\x93", "\xE2\x96\x92",
	                                    "\xE2\x96\x91"};
	x = 2;
	for (unsigned i = 0; i < 4; i++) {
		canvas_fill(c, (struct ui_rect){x, 4, 6, 1}, glyph[i], role(THEME_BAR0 + i, 0));
		x += 6;
	}
	canvas_fill(c, (struct ui_rect){x, 4, 4, 1}, "\xE2\x96\x91", role(THEME_BAR_NOPROC, 0));
	x += 4;
	canvas_fill(c, (struct ui_rect){x, 4, 40 - x, 1}, " ",
	            (struct canvas_style){canvas_default(), canvas_role(THEME_BAR_FREE), 0});
	x = 2;
	x += canvas_put_str(c, x, 5,
	                    "!!! OOM ~60\xE2\x80\x93"
	                    "120 s",
	                    role(THEME_ALERT, CANVAS_BOLD), -1);
	x += canvas_put_str(c, x, 5, "  ", text, -1);
	canvas_put_str(c, x, 5, "ok", role(THEME_OK, CANVAS_ITALIC), -1);
	canvas_put_str(c, 1, 6, "\xE2\x96\xB6 4242 python train.py", /* ▶ */
	               (struct canvas_style){canvas_role(THEME_TEXT), canvas_role(THEME_SELECTION),
	                                     CANVAS_BOLD},
	               42);
	x = 2;
	x += canvas_put_str(c, x, 7, "idx",
	                    (struct canvas_style){canvas_index(15), canvas_index(196), 0}, -1);
	x += canvas_put_str(c, x, 7, " rgb", canvas_style_fg(canvas_rgb(0x00FF88), 0), -1);
	canvas_put_str(c, x, 7, " rev", role(THEME_BADGE, CANVAS_REVERSE), -1);
	char size[64];
	snprintf(size, sizeof(size), "size %dx%d", canvas_width(c), canvas_height(c));
	canvas_put_str(c, 0, canvas_height(c) - 1, size, text, -1);
}
