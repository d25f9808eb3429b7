/* ui_world.h: the picture test_table.c and test_panels.c draw: two H200s
 * with their processes (a growing culprit, a vLLM server, a CJK and emoji
 * name, another user's job), analysed, in a UI state sorted by memory. */
#ifndef VT_TEST_UI_WORLD_H
#define VT_TEST_UI_WORLD_H

#include "config/config.h"
#include "model/model.h"
#include "ui/canvas.h"
#include "ui/state.h"

#define GIB (1024.0 * 1024 * 1024)

extern struct config cfg;
extern struct model m;
extern struct ui_state st;

/* cmocka group setup and teardown: build the world into cfg, m and st, and
 * free it again. */
int setup(void **state);
int teardown(void **state);
/* Back to the main view: no filter, not accessible, unscrolled, sorted by
 * memory, the first row selected. */
void reset_view(void);
/* Asserts that c's golden screenshot matches golden/<name>.golden. */
void check_golden(const struct canvas *c, const char *name);

#endif
