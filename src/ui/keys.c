/* keys.c: the one key table -- every key of the TUI, its action and help. */
#include "ui/keys.h"

#include "ui/state.h"
#include "ui/term.h"

/* Choices where keys would collide, decided once here:
 *  - `k` kills (SPEC §5 names it), so vi's `k` does not move up; `j` is
 *    kept as an alias of ↓ only because it collides with nothing.
 *  - `n` / `N` are the replay's next / previous event, so sorting by name
 *    is `a` (alphabetical) in live and replay alike: one key, one meaning.
 *  - `y` / `n` answer the kill dialogs, where no other key applies.
 * An entry whose help is NULL is an alias: help lists it in the label of
 * the entry before it. The first entry of an action is its primary key
 * (the footer shows it). */

#define M(mode) (1u << (mode))
#define MAIN    M(UI_MAIN)
#define OVERLAYS                                                                                   \
	(M(UI_FILTER) | M(UI_DETAIL) | M(UI_HELP) | M(UI_KILL_CONFIRM) | M(UI_KILL_ESCALATE))
#define DIALOGS  (M(UI_KILL_CONFIRM) | M(UI_KILL_ESCALATE))
#define SK(kind) UI_KEY_SPECIAL(TERM_KEY_##kind)

static const struct ui_key keys[] = {
    {SK(UP), "↑", UA_UP, "select the process above", MAIN, 0},
    {SK(DOWN), "↓ j", UA_DOWN, "select the process below", MAIN, 0},
    {'j', "j", UA_DOWN, NULL, MAIN, 0},
    {SK(PGUP), "PgUp", UA_PGUP, "a page up", MAIN, 0},
    {SK(PGDN), "PgDn", UA_PGDN, "a page down", MAIN, 0},
    {SK(HOME), "Home", UA_HOME, "the first process", MAIN, 0},
    {SK(END), "End", UA_END, "the last process", MAIN, 0},
    {SK(ENTER), "Enter d", UA_DETAIL, "details of the selected process", MAIN, 0},
    {'d', "d", UA_DETAIL, NULL, MAIN, 0},
    {SK(ESC), "Esc", UA_BACK, "close the panel, dialog or filter", MAIN | OVERLAYS, 0},
    {'/', "/", UA_FILTER, "filter by name, command or PID", MAIN, 0},
    {'>', ">", UA_SORT_NEXT, "sort by the next column", MAIN, 0},
    {'<', "<", UA_SORT_PREV, "sort by the previous column", MAIN, 0},
    {'m', "m", UA_SORT_MEM, "sort by memory used", MAIN, 0},
    {'r', "r", UA_SORT_RATE, "sort by growth rate", MAIN, 0},
    {'p', "p", UA_SORT_PID, "sort by PID", MAIN, 0},
    {'a', "a", UA_SORT_NAME, "sort by name (alphabetical)", MAIN, 0},
    {'o', "o", UA_SORT_OOM, "sort by time to OOM", MAIN, 0},
    {'k', "k", UA_KILL, "kill the selected process (asks first)", MAIN, 0},
    {'t', "t", UA_THEME, "next colour theme", MAIN, 0},
    {'s', "s", UA_SCREENSHOT, "save a screenshot (SVG and text)", MAIN | M(UI_DETAIL), 0},
    {'?', "?", UA_HELP, "this help", MAIN | M(UI_HELP), 0},
    {0x0C, "Ctrl+L", UA_REDRAW, "redraw the screen", MAIN | OVERLAYS, 0},
    {'q', "q", UA_QUIT, "quit", MAIN, 0},
    {'y', "y", UA_YES, "yes: send the signal", DIALOGS, 0},
    {'n', "n", UA_NO, "no: leave the process alone", DIALOGS, 0},
    {' ', "space", UA_PAUSE, "pause or resume the replay", MAIN, 1},
    {'+', "+", UA_FASTER, "replay faster", MAIN, 1},
    {'=', "=", UA_FASTER, NULL, MAIN, 1},
    {'-', "-", UA_SLOWER, "replay slower", MAIN, 1},
    {SK(LEFT), "←", UA_SEEK_BACK, "seek 10 s back", MAIN, 1},
    {SK(RIGHT), "→", UA_SEEK_FWD, "seek 10 s ahead", MAIN, 1},
    {'n', "n", UA_NEXT_EVENT, "next OOM warning or phase change", MAIN, 1},
    {'N', "N", UA_PREV_EVENT, "previous OOM warning or phase change", MAIN, 1},
};

const struct ui_key *ui_keys(size_t *n)
{
	*n = sizeof(keys) / sizeof(keys[0]);
	return keys;
}
