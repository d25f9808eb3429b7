/* fixture.h: one canvas picture shared by the screenshot, golden and tmux
 * tests: a box with a title, CJK, emoji, combining marks, XML specials, every
 * attribute and each kind of colour. */
#ifndef VT_TEST_UI_FIXTURE_H
#define VT_TEST_UI_FIXTURE_H

#include <stdbool.h>

#include "ui/canvas.h"

/* Clears c and draws the picture in its top-left corner (a 44 x 9 box; what
 * does not fit is clipped), plus a line at the bottom naming the size.
 * Without `clusters`, ZWJ sequences and flags are left out: tmux 3.3 draws
 * each part of them on its own. */
void fixture_draw(struct canvas *c, bool clusters);

#endif
