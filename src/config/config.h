/* config.h: vramtop's configuration -- the schema of SPEC §6, defaults, loading
 * from TOML with FILE:LINE errors, precedence (defaults < file < flags) and
 * reload. The implementation lives in config.c; the TOML parser in toml.c. */
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
	char prometheus_bind[64];
	int prometheus_port; /* 0 = off */
};

/* One problem found while loading: "FILE:LINE: message". */
struct config_diag {
	char text[512];
};

struct config_diags {
	struct config_diag *items;
	size_t n, cap;
};

void config_defaults(struct config *c);
/* Parse FILE on top of *c (which should hold defaults). On any problem *c is
 * left untouched, every problem is appended to diags, and VT_ERR is returned.
 * A missing file at the default path is not an error (VT_OK, nothing read). */
int config_load_file(struct config *c, const char *path, struct config_diags *diags);
/* The path used when --config is not given: $XDG_CONFIG_HOME/vramtop/config.toml
 * or ~/.config/vramtop/config.toml. Writes into buf; returns buf. */
char *config_default_path(char *buf, size_t len);
/* Print *c as TOML that config_load_file accepts unchanged. */
void config_print(const struct config *c, FILE *out);
void config_diags_free(struct config_diags *d);

#endif
