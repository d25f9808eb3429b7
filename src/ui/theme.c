/* theme.c: the themes' palettes, colour depth detection and step-down. */
#include "ui/theme.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static const char *const theme_names[THEME_COUNT] = {
    [THEME_DARK] = "dark",       [THEME_LIGHT] = "light",
    [THEME_NORD] = "nord",       [THEME_CATPPUCCIN] = "catppuccin",
    [THEME_DRACULA] = "dracula", [THEME_SOLARIZED] = "solarized",
};

static const char *const role_names[THEME_ROLE_COUNT] = {
    [THEME_BACKGROUND] = "background",
    [THEME_TEXT] = "text",
    [THEME_DIM] = "dim",
    [THEME_BORDER] = "border",
    [THEME_TITLE] = "title",
    [THEME_HEADER] = "header",
    [THEME_SELECTION] = "selection",
    [THEME_BADGE] = "badge",
    [THEME_BAR0] = "bar0",
    [THEME_BAR1] = "bar1",
    [THEME_BAR2] = "bar2",
    [THEME_BAR3] = "bar3",
    [THEME_BAR4] = "bar4",
    [THEME_BAR5] = "bar5",
    [THEME_BAR6] = "bar6",
    [THEME_BAR7] = "bar7",
    [THEME_BAR_NOPROC] = "bar-noproc",
    [THEME_BAR_FREE] = "bar-free",
    [THEME_PHASE_STABLE] = "stable",
    [THEME_PHASE_GROWING] = "growing",
    [THEME_PHASE_SHRINKING] = "shrinking",
    [THEME_PHASE_VOLATILE] = "volatile",
    [THEME_FORECAST] = "forecast",
    [THEME_ALERT] = "alert",
    [THEME_WARN] = "warn",
    [THEME_OK] = "ok",
};

/* One row per theme, in enum theme_role order: background, text, dim,
 * border, title, header, selection, badge, bar0-7, no-process, free, stable,
 * growing, shrinking, volatile, forecast, alert, warn, ok. The palettes are
 * the themes' published ones (nord, catppuccin mocha, dracula, solarized
 * dark); dark and light are our own. */
static const uint32_t palette[THEME_COUNT][THEME_ROLE_COUNT] = {
    [THEME_DARK] = {0x1C1C1C, 0xD0D0D0, 0x8A8A8A, 0x5F87AF, 0xFFFFFF, 0x87AFD7, 0x3A3A3A,
                    0xAF87D7, 0x5FAFFF, 0xFFAF5F, 0x87D787, 0xD787D7, 0xFFD75F, 0x5FD7D7,
                    0xFF8787, 0xAFAFFF, 0x6C6C6C, 0x303030, 0x87D787, 0xFF5F5F, 0x5FAFFF,
                    0xFFD75F, 0xAF5F5F, 0xFF3030, 0xFFAF00, 0x5FD75F},
    [THEME_LIGHT] = {0xFAFAFA, 0x262626, 0x6C6C6C, 0x8A8A8A, 0x000000, 0x005F87, 0xD0D0D0,
                     0x5F00AF, 0x0060C0, 0xC05F00, 0x008700, 0xAF00AF, 0x876F00, 0x00878A,
                     0xC00030, 0x5F5FD7, 0xA8A8A8, 0xE4E4E4, 0x008700, 0xC00000, 0x0060C0,
                     0x876F00, 0xE0A0A0, 0xD70000, 0xAF5F00, 0x008700},
    [THEME_NORD] = {0x2E3440, 0xD8DEE9, 0x7B88A1, 0x4C566A, 0xECEFF4, 0x88C0D0, 0x434C5E,
                    0xB48EAD, 0x88C0D0, 0xD08770, 0xA3BE8C, 0xB48EAD, 0xEBCB8B, 0x8FBCBB,
                    0xBF616A, 0x5E81AC, 0x616E88, 0x3B4252, 0xA3BE8C, 0xBF616A, 0x81A1C1,
                    0xEBCB8B, 0x8C4B55, 0xD0616A, 0xEBCB8B, 0xA3BE8C},
    [THEME_CATPPUCCIN] = {0x1E1E2E, 0xCDD6F4, 0x9399B2, 0x6C7086, 0xB4BEFE, 0x89B4FA, 0x45475A,
                          0xCBA6F7, 0x89B4FA, 0xFAB387, 0xA6E3A1, 0xF5C2E7, 0xF9E2AF, 0x94E2D5,
                          0xF38BA8, 0xB4BEFE, 0x7F849C, 0x313244, 0xA6E3A1, 0xF38BA8, 0x74C7EC,
                          0xF9E2AF, 0xEBA0AC, 0xF38BA8, 0xFAB387, 0xA6E3A1},
    [THEME_DRACULA] = {0x282A36, 0xF8F8F2, 0x8C94C0, 0x6272A4, 0xF8F8F2, 0xBD93F9, 0x44475A,
                       0xFF79C6, 0xBD93F9, 0xFFB86C, 0x50FA7B, 0xFF79C6, 0xF1FA8C, 0x8BE9FD,
                       0xFF5555, 0x6272A4, 0x7C7F93, 0x343746, 0x50FA7B, 0xFF5555, 0x8BE9FD,
                       0xF1FA8C, 0xA04060, 0xFF5555, 0xFFB86C, 0x50FA7B},
    [THEME_SOLARIZED] = {0x002B36, 0x93A1A1, 0x839496, 0x586E75, 0xEEE8D5, 0x268BD2, 0x073642,
                         0x6C71C4, 0x268BD2, 0xCB4B16, 0x859900, 0xD33682, 0xB58900, 0x2AA198,
                         0xDC322F, 0x6C71C4, 0x657B83, 0x073642, 0x859900, 0xDC322F, 0x268BD2,
                         0xB58900, 0x8A3A2A, 0xDC322F, 0xCB4B16, 0x859900},
};

/* xterm's default ANSI colours. */
static const uint32_t ansi_rgb[16] = {
    0x000000, 0xCD0000, 0x00CD00, 0xCDCD00, 0x0000EE, 0xCD00CD, 0x00CDCD, 0xE5E5E5,
    0x7F7F7F, 0xFF0000, 0x00FF00, 0xFFFF00, 0x5C5CFF, 0xFF00FF, 0x00FFFF, 0xFFFFFF,
};

static const int cube_level[6] = {0, 95, 135, 175, 215, 255};

const char *theme_name(enum theme_id id)
{
	return (unsigned)id < THEME_COUNT ? theme_names[id] : NULL;
}

bool theme_from_name(const char *name, enum theme_id *out)
{
	for (unsigned i = 0; i < THEME_COUNT; i++) {
		if (strcmp(name, theme_names[i]) == 0) {
			*out = (enum theme_id)i;
			return true;
		}
	}
	return false;
}

enum theme_id theme_next(enum theme_id id)
{
	return (enum theme_id)(((unsigned)id + 1) % THEME_COUNT);
}

const char *theme_role_name(enum theme_role role)
{
	return (unsigned)role < THEME_ROLE_COUNT ? role_names[role] : "?";
}

uint32_t theme_rgb(enum theme_id id, enum theme_role role)
{
	if ((unsigned)id >= THEME_COUNT)
		id = THEME_DARK;
	if ((unsigned)role >= THEME_ROLE_COUNT)
		role = THEME_TEXT;
	return palette[id][role];
}

enum color_depth theme_detect_depth(const char *colorterm, const char *no_color,
                                    int terminfo_colors)
{
	if (no_color && *no_color)
		return COLOR_DEPTH_NONE;
	if (colorterm &&
	    (strcasecmp(colorterm, "truecolor") == 0 || strcasecmp(colorterm, "24bit") == 0))
		return COLOR_DEPTH_TRUECOLOR;
	if (terminfo_colors >= 256)
		return COLOR_DEPTH_256;
	if (terminfo_colors >= 16)
		return COLOR_DEPTH_16;
	if (terminfo_colors >= 8)
		return COLOR_DEPTH_8;
	return COLOR_DEPTH_NONE;
}

bool theme_depth_from_name(const char *name, enum color_depth *out)
{
	static const struct {
		const char *name;
		enum color_depth depth;
	} names[] = {
	    {"truecolor", COLOR_DEPTH_TRUECOLOR},
	    {"24bit", COLOR_DEPTH_TRUECOLOR},
	    {"256", COLOR_DEPTH_256},
	    {"16", COLOR_DEPTH_16},
	    {"8", COLOR_DEPTH_8},
	    {"none", COLOR_DEPTH_NONE},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].depth;
			return true;
		}
	}
	return false;
}

uint32_t theme_index_rgb(uint8_t index)
{
	if (index < 16)
		return ansi_rgb[index];
	if (index >= 232) {
		uint32_t v = 8u + 10u * (index - 232u);
		return v << 16 | v << 8 | v;
	}
	unsigned i = index - 16u;
	return (uint32_t)cube_level[i / 36] << 16 | (uint32_t)cube_level[i / 6 % 6] << 8 |
	       (uint32_t)cube_level[i % 6];
}

static int red_of(uint32_t rgb)
{
	return (int)(rgb >> 16 & 0xFF);
}

static int green_of(uint32_t rgb)
{
	return (int)(rgb >> 8 & 0xFF);
}

static int blue_of(uint32_t rgb)
{
	return (int)(rgb & 0xFF);
}

static int dist2(int r, int g, int b, uint32_t to)
{
	int dr = r - red_of(to), dg = g - green_of(to), db = b - blue_of(to);
	return dr * dr + dg * dg + db * db;
}

/* The cube level nearest to v: the levels' midpoints are 47, 115, 155, ... */
static int cube_nearest(int v)
{
	if (v < 48)
		return 0;
	if (v < 115)
		return 1;
	return (v - 35) / 40;
}

uint8_t theme_rgb_to_256(uint32_t rgb)
{
	int r = red_of(rgb), g = green_of(rgb), b = blue_of(rgb);
	int cube = 16 + 36 * cube_nearest(r) + 6 * cube_nearest(g) + cube_nearest(b);
	int avg = (r + g + b) / 3;
	int grey = avg <= 8 ? 232 : avg >= 238 ? 255 : 232 + (avg - 8 + 5) / 10;
	if (grey > 255)
		grey = 255;
	int dc = dist2(r, g, b, theme_index_rgb((uint8_t)cube));
	int dg = dist2(r, g, b, theme_index_rgb((uint8_t)grey));
	return (uint8_t)(dg < dc ? grey : cube);
}

/* The ANSI colour of a hue (degrees): red 1, yellow 3, green 2, cyan 6,
 * blue 4, magenta 5. The sectors are not even: orange (15-45) reads as yellow,
 * the "warn" colour, not as red; yellow ends at 67 (dracula's yellow is at
 * 65, solarized's green at 68); azure (200-240, the blue of most themes)
 * as blue, not cyan. */
static uint8_t hue_ansi(int r, int g, int b, int max, int chroma)
{
	static const struct {
		int below;
		uint8_t ansi;
	} sectors[] = {{15, 1}, {67, 3}, {150, 2}, {200, 6}, {275, 4}, {345, 5}, {360, 1}};
	int hue;
	if (max == r)
		hue = 60 * (g - b) / chroma;
	else if (max == g)
		hue = 120 + 60 * (b - r) / chroma;
	else
		hue = 240 + 60 * (r - g) / chroma;
	if (hue < 0)
		hue += 360;
	size_t i = 0;
	while (i + 1 < sizeof(sectors) / sizeof(sectors[0]) && hue >= sectors[i].below)
		i++;
	return sectors[i].ansi;
}

static uint8_t to_ansi(uint32_t rgb, bool bright_ok)
{
	int r = red_of(rgb), g = green_of(rgb), b = blue_of(rgb);
	int max = r > g ? (r > b ? r : b) : (g > b ? g : b);
	int min = r < g ? (r < b ? r : b) : (g < b ? g : b);
	int chroma = max - min, light = (max + min) / 2;
	if (chroma < 48 || (chroma < 64 && light > 200)) {
		if (!bright_ok)
			return light < 96 ? 0 : 7;
		/* midpoints between xterm's 0, 127, 229 and 255 */
		return light < 64 ? 0 : light < 178 ? 8 : light < 242 ? 7 : 15;
	}
	uint8_t base = hue_ansi(r, g, b, max, chroma);
	/* bright: a light tint, or a colour at full intensity (FF0000 is 9) */
	return (uint8_t)(bright_ok && (light >= 150 || max >= 240) ? base + 8 : base);
}

uint8_t theme_rgb_to_16(uint32_t rgb)
{
	return to_ansi(rgb, true);
}

uint8_t theme_rgb_to_8(uint32_t rgb)
{
	return to_ansi(rgb, false);
}

struct canvas_color theme_resolve(enum theme_id id, enum color_depth depth, struct canvas_color c)
{
	uint32_t rgb;

	if (depth == COLOR_DEPTH_NONE || c.kind == CANVAS_COLOR_DEFAULT)
		return canvas_default();
	switch (c.kind) {
	case CANVAS_COLOR_ROLE:
		if (depth <= COLOR_DEPTH_16 &&
		    (c.value == THEME_TEXT || c.value == THEME_BACKGROUND))
			return canvas_default();
		rgb = theme_rgb(id, (enum theme_role)c.value);
		break;
	case CANVAS_COLOR_INDEX:
		if (depth >= COLOR_DEPTH_256 || (depth == COLOR_DEPTH_16 && c.value < 16) ||
		    c.value < 8)
			return c;
		if (depth == COLOR_DEPTH_8 && c.value < 16)
			return canvas_index(c.value - 8);
		rgb = theme_index_rgb((uint8_t)c.value);
		break;
	default:
		rgb = c.value;
		break;
	}
	switch (depth) {
	case COLOR_DEPTH_TRUECOLOR:
		return canvas_rgb(rgb);
	case COLOR_DEPTH_256:
		return canvas_index(theme_rgb_to_256(rgb));
	case COLOR_DEPTH_16:
		return canvas_index(theme_rgb_to_16(rgb));
	default:
		return canvas_index(theme_rgb_to_8(rgb));
	}
}

uint32_t theme_resolve_rgb(enum theme_id id, struct canvas_color c, bool fg)
{
	switch (c.kind) {
	case CANVAS_COLOR_ROLE:
		return theme_rgb(id, (enum theme_role)c.value);
	case CANVAS_COLOR_INDEX:
		return theme_index_rgb((uint8_t)c.value);
	case CANVAS_COLOR_RGB:
		return c.value;
	default:
		return theme_rgb(id, fg ? THEME_TEXT : THEME_BACKGROUND);
	}
}
