/* theme.h: colours as semantic roles, the six themes that map them to RGB,
 * the terminal's colour depth, and stepping RGB down to what it can show.
 * Everything here is a pure function of its arguments. */
#ifndef VT_UI_THEME_H
#define VT_UI_THEME_H

#include <stdbool.h>
#include <stdint.h>

#include "ui/canvas.h"

/* What a colour means; widgets draw with canvas_role(THEME_...). */
enum theme_role {
	THEME_BACKGROUND, /* the screen's background */
	THEME_TEXT,       /* ordinary text */
	THEME_DIM,        /* secondary text: units, hints, N/A */
	THEME_BORDER,     /* card borders and rules */
	THEME_TITLE,      /* card titles */
	THEME_HEADER,     /* the top line and the table's column heads */
	THEME_SELECTION,  /* background of the selected row */
	THEME_BADGE,      /* small labels: layout, replay, paused */
	THEME_BAR0,       /* memory bar segments of processes, biggest first; */
	THEME_BAR1,       /* a process keeps its colour while it lives */
	THEME_BAR2,
	THEME_BAR3,
	THEME_BAR4,
	THEME_BAR5,
	THEME_BAR6,
	THEME_BAR7,
	THEME_BAR_NOPROC, /* used memory that no listed process holds */
	THEME_BAR_FREE,   /* free memory */
	THEME_PHASE_STABLE,
	THEME_PHASE_GROWING,
	THEME_PHASE_SHRINKING,
	THEME_PHASE_VOLATILE,
	THEME_FORECAST, /* the forecast band on the timeline */
	THEME_ALERT,    /* OOM: bold, never blinking */
	THEME_WARN,
	THEME_OK,
	THEME_ROLE_COUNT
};

enum theme_id {
	THEME_DARK,
	THEME_LIGHT,
	THEME_NORD,
	THEME_CATPPUCCIN,
	THEME_DRACULA,
	THEME_SOLARIZED,
	THEME_COUNT
};

/* Colours the terminal can show, fewest first. */
enum color_depth {
	COLOR_DEPTH_NONE, /* NO_COLOR, or a terminal without colour: attributes only */
	COLOR_DEPTH_8,
	COLOR_DEPTH_16,
	COLOR_DEPTH_256,
	COLOR_DEPTH_TRUECOLOR,
};

/* "dark", "light", ... (static strings); NULL for an id out of range. */
const char *theme_name(enum theme_id id);

/* The theme called name (as the config spells it); false if there is none. */
bool theme_from_name(const char *name, enum theme_id *out);

/* The next theme in the `t` cycle, wrapping. */
enum theme_id theme_next(enum theme_id id);

/* A role's name for legends and messages ("text", "bar0", ...); static. */
const char *theme_role_name(enum theme_role role);

/* The theme's colour for role as 0xRRGGBB. Roles out of range give THEME_TEXT. */
uint32_t theme_rgb(enum theme_id id, enum theme_role role);

/* The depth to draw at. no_color is $NO_COLOR: set and not empty means none
 * (no-color.org). colorterm is $COLORTERM: "truecolor" or "24bit" means
 * truecolor. Otherwise terminfo_colors, the terminfo `colors` capability
 * (tigetnum("colors"), -1 or 0 when absent): >= 256, >= 16, >= 8, else none.
 * NULL strings count as unset. */
enum color_depth theme_detect_depth(const char *colorterm, const char *no_color,
                                    int terminfo_colors);

/* Parses a depth override: "truecolor" (or "24bit"), "256", "16", "8", "none". */
bool theme_depth_from_name(const char *name, enum color_depth *out);

/* The RGB that xterm shows by default for palette index i (the 16 ANSI
 * colours, the 6x6x6 cube on levels 0/95/135/175/215/255, the grey ramp
 * 8, 18, ..., 238). */
uint32_t theme_index_rgb(uint8_t index);

/* The 256-colour index nearest to rgb (squared distance), among the cube
 * (16-231) and the grey ramp (232-255); the 16 ANSI colours are never chosen,
 * since users redefine them. */
uint8_t theme_rgb_to_256(uint32_t rgb);

/* The ANSI colour (0-15) that keeps rgb's meaning: greys by lightness
 * (0, 8, 7, 15), other colours by hue sector (red, yellow, green, cyan, blue,
 * magenta), bright (8-15) when light. Distance would send most muted theme
 * colours to grey and lose the difference between "growing" and "ok". */
uint8_t theme_rgb_to_16(uint32_t rgb);

/* Same within the first eight (0-7). */
uint8_t theme_rgb_to_8(uint32_t rgb);

/* What to send to a terminal of this depth for colour c in theme id: returns
 * CANVAS_COLOR_RGB only at truecolor, CANVAS_COLOR_INDEX within the depth's
 * palette, or CANVAS_COLOR_DEFAULT (always at COLOR_DEPTH_NONE; and at 8 or 16
 * colours for THEME_TEXT and THEME_BACKGROUND, which the terminal's own
 * colours show best). */
struct canvas_color theme_resolve(enum theme_id id, enum color_depth depth, struct canvas_color c);

/* Resolves c to RGB as a truecolor terminal would show it in theme id; for
 * DEFAULT, the theme's text (fg true) or background colour. For screenshots. */
uint32_t theme_resolve_rgb(enum theme_id id, struct canvas_color c, bool fg);

#endif
