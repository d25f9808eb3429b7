/* screenshot.h: a canvas written out as plain text, as SVG, and as the text
 * and style layers the golden tests compare. Each function returns a new
 * NUL-terminated string that the caller frees. */
#ifndef VT_UI_SCREENSHOT_H
#define VT_UI_SCREENSHOT_H

#include "ui/canvas.h"
#include "ui/theme.h"

/* One line per row, each ending in '\n': the cells' clusters (a wide glyph
 * once), trailing spaces removed. What a terminal would show, as UTF-8. */
char *screenshot_text(const struct canvas *c);

/* A standalone SVG 1.1 document of the canvas at truecolor in theme id: the
 * theme's background, a rect per run of cells with a background of their own,
 * a monospace text element per run of equal style (its width pinned to the
 * run's columns with textLength, so wide glyphs stay on the grid whatever the
 * font), text XML-escaped. Reverse swaps the colours, dim lowers the opacity,
 * bold, italic and underline map to the font. */
char *screenshot_svg(const struct canvas *c, enum theme_id id);

/* The golden-test form of a canvas:
 *   "# text\n"   the screenshot_text lines;
 *   "# style\n"  one character per cell (a continuation repeats its head's):
 *                '.' for the plain style, then 'a'-'z', 'A'-'Z', '0'-'9' for
 *                each other style in order of first appearance, '?' past 62;
 *   "# legend\n" one line per letter: "a fg=role:alert bg=default bold".
 * Styles are written as intent (roles, indices, RGB), so the golden files do
 * not depend on the theme or the colour depth. */
char *screenshot_golden(const struct canvas *c);

#endif
