/* keys.h: the one key table -- key, action, help text. Help is drawn from
 * it; mouse clicks are turned into actions; the app dispatches on it. */
#ifndef VT_UI_KEYS_H
#define VT_UI_KEYS_H

#include <stddef.h>

enum ui_action {
	UA_NONE,
	UA_QUIT,
	UA_UP,
	UA_DOWN,
	UA_PGUP,
	UA_PGDN,
	UA_HOME,
	UA_END,
	UA_DETAIL,
	UA_BACK, /* Esc: close the panel / dialog / filter */
	UA_FILTER,
	UA_SORT_NEXT,
	UA_SORT_PREV,
	UA_SORT_MEM,
	UA_SORT_RATE,
	UA_SORT_PID,
	UA_SORT_NAME,
	UA_SORT_OOM,
	UA_HELP,
	UA_THEME,
	UA_SCREENSHOT,
	UA_KILL,
	UA_YES,
	UA_NO,
	UA_REDRAW, /* Ctrl+L */
	UA_PAUSE,
	UA_FASTER,
	UA_SLOWER,
	UA_SEEK_BACK,
	UA_SEEK_FWD,
	UA_NEXT_EVENT,
	UA_PREV_EVENT,
};

/* A key that is not a character: a term_key_kind (ui/term.h) above Unicode. */
#define UI_KEY_SPECIAL(kind) (0x110000 + (int)(kind))

struct ui_key {
	int key;           /* a code point, or UI_KEY_SPECIAL(TERM_KEY_...) */
	const char *label; /* how help writes the key: "↑/k", "PgUp", "/" */
	enum ui_action action;
	const char *help; /* NULL: not listed separately (an alias) */
	unsigned modes;   /* bit (1u << enum ui_mode) where it applies; 0: main */
	int replay_only;
};

/* The table and its length. */
const struct ui_key *ui_keys(size_t *n);

#endif
