/* term_demo.c: draws the test fixture through term.c until 'q', and after
 * each frame writes the canvas's text screenshot to argv[1] (atomically), so
 * term_e2e.py can compare what tmux shows with what the canvas holds; after a
 * clean quit, writes an empty argv[1].quit. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "ui/screenshot.h"
#include "ui/term.h"

static int write_shot(const char *path, const struct canvas *c)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	char *text = screenshot_text(c);
	fputs(text, f);
	free(text);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

int main(int argc, char **argv)
{
	char err[256];
	if (argc != 2) {
		fprintf(stderr, "usage: term_demo SHOT-FILE\n");
		return 2;
	}
	struct term *t = term_init(true, THEME_DARK, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "term_demo: %s\n", err);
		return 1;
	}
	struct canvas *cur = canvas_new(0, 0), *prev = canvas_new(0, 0);
	bool have_prev = false, dirty = true, quit = false;
	while (!quit) {
		if (dirty) {
			int cols, rows;
			term_size(t, &cols, &rows);
			if (cols != canvas_width(cur) || rows != canvas_height(cur)) {
				canvas_resize(cur, cols, rows);
				have_prev = false;
			}
			fixture_draw(cur, false);
			term_present(t, cur, have_prev ? prev : NULL);
			canvas_copy(prev, cur);
			have_prev = true;
			if (write_shot(argv[1], cur) != 0)
				break;
			dirty = false;
		}
		/* curses turns SIGWINCH into TERM_KEY_RESIZE only when asked for a
		 * key, so read after a poll cut short by the signal too */
		struct pollfd p = {STDIN_FILENO, POLLIN, 0};
		(void)poll(&p, 1, 200);
		struct term_key k;
		while (term_read_key(t, &k)) {
			if (k.kind == TERM_KEY_CHAR && k.ch == 'q')
				quit = true;
			else if (k.kind == TERM_KEY_CHAR && k.ch == 0x0C)
				term_repaint(t), dirty = true;
			else if (k.kind == TERM_KEY_RESIZE)
				dirty = true;
		}
	}
	canvas_free(cur);
	canvas_free(prev);
	term_end(t);
	if (quit) { /* tell the test the terminal was given back */
		char mark[4096];
		snprintf(mark, sizeof(mark), "%s.quit", argv[1]);
		FILE *f = fopen(mark, "w");
		if (!f || fclose(f) != 0)
			return 1;
	}
	return quit ? 0 : 1;
}
