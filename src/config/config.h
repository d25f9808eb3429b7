/* config.h: vramtop's configuration -- the schema of SPEC §6, defaults, loading
 * from TOML with FILE:LINE errors, precedence (defaults < file < flags) and
 * reload. The implementation lives in config.c; the TOML parser in toml.c;
 * secrets (webhook URLs, tokens) in secrets.h. docs/configuration.md lists
 * every key with its default and range.
 *
 * Ownership: a struct config is a plain value (no pointers): copy it freely.
 * struct config_diags owns its items; free with config_diags_free. */
#ifndef VT_CONFIG_H
#define VT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_MAX_PORTS 32

struct config {
	/* [general] */
	double refresh_rate; /* seconds, 0.5..10, default 1.0 */
	int history_length;  /* samples, default 300 */
	/* [alerts] */
	double oom_warning_seconds; /* default 300 */
	int temp_warning_celsius;   /* default 85 */
	double oom_min_confidence;  /* 0..1, default 0.3 */
	/* [display] */
	char theme[32];  /* dark light nord catppuccin dracula solarized */
	char layout[16]; /* auto full compact mini */
	bool show_other_users, enable_kill, phase_indicator;
	bool accessible; /* command line only (--accessible) */
	/* [scraping] */
	bool scraping_enable;
	double rate_limit_seconds; /* default 5 */
	int timeout_ms;            /* default 500 */
	int allowed_ports[CONFIG_MAX_PORTS];
	size_t n_allowed_ports;
	/* [oom_prediction] */
	char algorithm[32];         /* the default real-trace predictor, or "variance" */
	int min_sustained_samples;  /* default 10 */
	double min_rate_mb_per_sec; /* default 1.0 */
	/* [export] */
	char prometheus_bind[64];     /* an IPv4 or IPv6 address literal */
	int prometheus_port;          /* 0 = off */
	int prometheus_max_processes; /* process series per GPU, default 20 */

	/* Private: which keys config_set_cli set (bit i = schema entry i), so
	 * that config_reload keeps command-line values over the new file. */
	unsigned long long cli_mask;
};

/* One problem found while loading: "FILE:LINE: message". */
struct config_diag {
	int line; /* 0 when the problem has no line (cannot open, secrets mode) */
	char text[512];
};

struct config_diags {
	struct config_diag *items;
	size_t n, cap;
};

void config_defaults(struct config *c);
/* Parse FILE on top of *c (which should hold defaults). On any problem *c is
 * left untouched, every problem is appended to diags ("FILE:LINE: message",
 * sorted by line), and VT_ERR is returned. path NULL means the default path
 * (config_default_path); a missing file there is not an error (VT_OK, nothing
 * read). A path given explicitly must exist. */
int config_load_file(struct config *c, const char *path, struct config_diags *diags);
/* The same on a buffer; `name` is the FILE of the messages. */
int config_load_buffer(struct config *c, const char *name, const char *buf, size_t len,
                       struct config_diags *diags);
/* SIGHUP: rebuild the configuration from defaults + the file at `path` (NULL:
 * default path) + the command-line values recorded in live->cli_mask. On
 * success *live is replaced and VT_OK returned; on failure *live is not
 * touched, diags says why and VT_ERR is returned. */
int config_reload(struct config *live, const char *path, struct config_diags *diags);
/* --check-config [FILE]: loads FILE (NULL: default path) and the
 * secrets.toml beside it when there is one; prints every problem, one per
 * line, to out, else "ok", or "PATH: no configuration file; the defaults
 * apply" when the default path has no file (not an error). Returns VT_OK or
 * VT_ERR (main exits 0 or 1). */
int config_check_file(const char *path, struct config_diags *diags, FILE *out);
/* A command-line override: key is "section.key" as in the file (e.g.
 * "general.refresh_rate"; --no-kill is "display.enable_kill" with "false";
 * "display.accessible" exists only here, not in the file). The value is
 * text: numbers, true/false (yes/no, on/off, 1/0), strings, ports as
 * "8000,8080". Range-checked like the file. Returns VT_OK, or VT_E_USAGE with
 * err set ("general.refresh_rate: 20 is out of range (0.5 to 10)"). */
int config_set_cli(struct config *c, const char *key, const char *value, char *err, size_t errlen);
/* One line for the screen after a failed reload or a bad file at start:
 * "config: FILE:LINE: message (and 2 more problems)". Returns buf. */
char *config_diags_summary(const struct config_diags *d, char *buf, size_t len);
/* Names of keys whose value differs between a and b, comma-separated
 * ("general.refresh_rate, display.theme"), "" if none. Returns buf. */
char *config_changes(const struct config *a, const struct config *b, char *buf, size_t len);
/* The path used when --config is not given: $XDG_CONFIG_HOME/vramtop/config.toml
 * or ~/.config/vramtop/config.toml. Writes into buf; returns buf. */
char *config_default_path(char *buf, size_t len);
/* Print *c as TOML that config_load_file accepts unchanged. */
void config_print(const struct config *c, FILE *out);
void config_diags_free(struct config_diags *d);

/* Helpers shared with secrets.c. */
__attribute__((format(printf, 4, 5))) void config_diag_add(struct config_diags *d, const char *file,
                                                           int line, const char *fmt, ...);
/* Stable sort of items [from, n) by line, so messages read top to bottom. */
void config_diags_sort(struct config_diags *d, size_t from);
/* The candidate closest to word by edit distance when close enough to be a
 * likely typo, else NULL. */
const char *config_closest(const char *word, const char *const *cands, size_t n);

#endif
