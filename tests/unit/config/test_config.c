/* test_config.c: the configuration schema -- defaults, every range edge,
 * every error class on its line, "did you mean", precedence, reload,
 * --check-config and a seeded round trip of config_print. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "core/error.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/vt-config-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	setenv("XDG_CONFIG_HOME", dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Loads text on top of defaults; returns the status, diags in *d. */
static int load(struct config *c, const char *text, struct config_diags *d)
{
	config_defaults(c);
	return config_load_buffer(c, "cfg.toml", text, strlen(text), d);
}

/* text must be refused with exactly one message, equal to want. */
static void expect_one(const char *text, const char *want)
{
	struct config c, before;
	struct config_diags d = {0};
	int rc = load(&c, text, &d);
	config_defaults(&before);
	if (rc != VT_ERR || d.n != 1 || strcmp(d.items[0].text, want) != 0)
		fail_msg("for:\n%s\nwant: %s\ngot rc %d, %zu: %s", text, want, rc, d.n,
		         d.n ? d.items[0].text : "");
	assert_memory_equal(&c, &before, sizeof c); /* untouched */
	config_diags_free(&d);
}

static void expect_ok(const char *text, struct config *c)
{
	struct config_diags d = {0};
	int rc = load(c, text, &d);
	if (rc != VT_OK)
		fail_msg("refused:\n%s\n%s", text, d.n ? d.items[0].text : "");
	config_diags_free(&d);
}

static void test_defaults(void **state)
{
	(void)state;
	struct config c;
	config_defaults(&c);
	assert_true(c.refresh_rate == 1.0);
	assert_int_equal(c.history_length, 300);
	assert_true(c.oom_warning_seconds == 300);
	assert_int_equal(c.temp_warning_celsius, 85);
	assert_true(c.oom_min_confidence == 0.3);
	assert_string_equal(c.theme, "dark");
	assert_string_equal(c.layout, "auto");
	assert_false(c.show_other_users);
	assert_true(c.enable_kill);
	assert_true(c.phase_indicator);
	assert_false(c.accessible);
	assert_true(c.scraping_enable);
	assert_true(c.rate_limit_seconds == 5);
	assert_int_equal(c.timeout_ms, 500);
	assert_int_equal(c.n_allowed_ports, 4);
	assert_int_equal(c.allowed_ports[0], 8000);
	assert_int_equal(c.allowed_ports[1], 8080);
	assert_int_equal(c.allowed_ports[2], 11434);
	assert_int_equal(c.allowed_ports[3], 3000);
	assert_string_equal(c.algorithm, "envelope");
	assert_int_equal(c.min_sustained_samples, 10);
	assert_true(c.min_rate_mb_per_sec == 1.0);
	assert_string_equal(c.prometheus_bind, "127.0.0.1");
	assert_int_equal(c.prometheus_port, 0);
	assert_int_equal(c.cli_mask, 0);
}

/* Each numeric key: both edges accepted, one step beyond refused. */
static const struct range_case {
	const char *section, *key, *lo, *hi, *below, *above, *range;
} ranges[] = {
    {"general", "refresh_rate", "0.5", "10", "0.49", "10.01", "0.5 to 10.0"},
    {"general", "history_length", "10", "86400", "9", "86401", "10 to 86400"},
    {"alerts", "oom_warning_seconds", "1", "86400", "0.99", "86400.5", "1.0 to 86400.0"},
    {"alerts", "temp_warning_celsius", "30", "120", "29", "121", "30 to 120"},
    {"alerts", "oom_min_confidence", "0.0", "1.0", "-0.01", "1.01", "0.0 to 1.0"},
    {"scraping", "rate_limit_seconds", "1", "3600", "0.5", "3600.5", "1.0 to 3600.0"},
    {"scraping", "timeout_ms", "50", "10000", "49", "10001", "50 to 10000"},
    {"oom_prediction", "min_sustained_samples", "3", "1000", "2", "1001", "3 to 1000"},
    {"oom_prediction", "min_rate_mb_per_sec", "0", "100000", "-0.5", "100000.5", "0.0 to 100000.0"},
    {"export", "prometheus_port", "0", "65535", "-1", "65536", "0 to 65535"},
};

static void test_ranges(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
		const struct range_case *r = &ranges[i];
		char text[256], want[256];
		const char *ok[] = {r->lo, r->hi};
		for (int k = 0; k < 2; k++) {
			struct config c;
			snprintf(text, sizeof text, "# edge\n[%s]\n%s = %s\n", r->section, r->key,
			         ok[k]);
			expect_ok(text, &c);
		}
		const char *bad[] = {r->below, r->above};
		for (int k = 0; k < 2; k++) {
			snprintf(text, sizeof text, "# edge\n[%s]\n\n%s = %s\n", r->section, r->key,
			         bad[k]);
			snprintf(want, sizeof want, "cfg.toml:4: %s.%s: %s is out of range (%s)",
			         r->section, r->key, bad[k], r->range);
			expect_one(text, want);
		}
	}
	/* the values land in the struct */
	struct config c;
	expect_ok("[general]\nrefresh_rate = 0.5\nhistory_length = 86400\n[export]\n"
	          "prometheus_port = 9400\nprometheus_bind = \"::1\"\n",
	          &c);
	assert_true(c.refresh_rate == 0.5);
	assert_int_equal(c.history_length, 86400);
	assert_int_equal(c.prometheus_port, 9400);
	assert_string_equal(c.prometheus_bind, "::1");
	expect_one("[general]\nrefresh_rate = nan\n",
	           "cfg.toml:2: general.refresh_rate: nan is out of range (0.5 to 10.0)");
}

static void test_enums_and_lists(void **state)
{
	(void)state;
	struct config c;
	const char *themes[] = {"dark", "light", "nord", "catppuccin", "dracula", "solarized"};
	for (size_t i = 0; i < 6; i++) {
		char text[96];
		snprintf(text, sizeof text, "[display]\ntheme = \"%s\"\n", themes[i]);
		expect_ok(text, &c);
		assert_string_equal(c.theme, themes[i]);
	}
	const char *layouts[] = {"auto", "full", "compact", "mini"};
	for (size_t i = 0; i < 4; i++) {
		char text[96];
		snprintf(text, sizeof text, "[display]\nlayout = '%s'\n", layouts[i]);
		expect_ok(text, &c);
		assert_string_equal(c.layout, layouts[i]);
	}
	expect_ok("[oom_prediction]\nalgorithm = \"variance\"\n", &c);
	assert_string_equal(c.algorithm, "variance");
	expect_one("[oom_prediction]\nalgorithm = \"envelop\"\n",
	           "cfg.toml:2: oom_prediction.algorithm: \"envelop\" is not one of envelope, "
	           "variance (did you mean \"envelope\"?)");
	expect_one("[display]\ntheme = \"blue\"\n",
	           "cfg.toml:2: display.theme: \"blue\" is not one of dark, light, nord, "
	           "catppuccin, dracula, solarized");
	expect_ok(
	    "[display]\nshow_other_users = true\nenable_kill = false\nphase_indicator = false\n"
	    "[scraping]\nenable = false\nallowed_ports = [\n 1,\n 65535,\n]\n",
	    &c);
	assert_true(c.show_other_users);
	assert_false(c.enable_kill);
	assert_false(c.phase_indicator);
	assert_false(c.scraping_enable);
	assert_int_equal(c.n_allowed_ports, 2);
	assert_int_equal(c.allowed_ports[1], 65535);
	expect_ok("[scraping]\nallowed_ports = []\n", &c);
	assert_int_equal(c.n_allowed_ports, 0);
	expect_one("[scraping]\nallowed_ports = [8000, 0]\n",
	           "cfg.toml:2: scraping.allowed_ports: port 0 is out of range (1 to 65535)");
	expect_one("[scraping]\nallowed_ports = [8000, 65536]\n",
	           "cfg.toml:2: scraping.allowed_ports: port 65536 is out of range (1 to 65535)");
	expect_one("[scraping]\nallowed_ports = [8000, \"8080\"]\n",
	           "cfg.toml:2: scraping.allowed_ports: element 2 is a string, not a port number");
	expect_one("[scraping]\nallowed_ports = [8000, 8000]\n",
	           "cfg.toml:2: scraping.allowed_ports: port 8000 is listed twice");
	char many[512];
	size_t used = (size_t)snprintf(many, sizeof many, "[scraping]\nallowed_ports = [");
	for (int i = 1; i <= 33; i++)
		used += (size_t)snprintf(many + used, sizeof many - used, "%d,", 1000 + i);
	snprintf(many + used, sizeof many - used, "]\n");
	expect_one(many, "cfg.toml:2: scraping.allowed_ports: at most 32 ports");
	expect_one("[export]\nprometheus_bind = \"localhost\"\n",
	           "cfg.toml:2: export.prometheus_bind: \"localhost\" is not an IP address (use "
	           "127.0.0.1, ::1, 0.0.0.0 or ::)");
}

static void test_types(void **state)
{
	(void)state;
	struct config c;
	expect_ok("[general]\nrefresh_rate = 2\n", &c); /* an integer is a fine number */
	assert_true(c.refresh_rate == 2.0);
	expect_one("[general]\nrefresh_rate = \"2\"\n",
	           "cfg.toml:2: general.refresh_rate: expected a number, got a string");
	expect_one("[general]\nhistory_length = 300.0\n",
	           "cfg.toml:2: general.history_length: expected an integer, got a float");
	expect_one("[display]\nenable_kill = 1\n",
	           "cfg.toml:2: display.enable_kill: expected true or false, got an integer");
	expect_one("[display]\ntheme = [\"dark\"]\n",
	           "cfg.toml:2: display.theme: expected a string, got an array");
	expect_one("[scraping]\nallowed_ports = 8000\n",
	           "cfg.toml:2: scraping.allowed_ports: expected an array of port numbers, got an "
	           "integer");
}

static void test_unknown_and_suggestions(void **state)
{
	(void)state;
	expect_one("[general]\nrefersh_rate = 2.0\n",
	           "cfg.toml:2: unknown key 'refersh_rate' in [general] (did you mean "
	           "'refresh_rate'?)");
	expect_one("\n[dispaly]\ntheme = \"nord\"\n",
	           "cfg.toml:2: unknown section [dispaly] (did you mean [display]?)");
	expect_one("[display]\nfoo = 1\n", "cfg.toml:2: unknown key 'foo' in [display]");
	expect_one("[general]\ntheme = \"nord\"\n",
	           "cfg.toml:2: unknown key 'theme' in [general] (it belongs in [display])");
	expect_one("refresh_rate = 2.0\n",
	           "cfg.toml:1: key 'refresh_rate' is outside any section (it belongs in "
	           "[general])");
	expect_one("[zzz]\na = 1\nb = 2\n", "cfg.toml:1: unknown section [zzz]");
	expect_one("[general.sub]\nx = 1\n", "cfg.toml:1: unknown section [general.sub]");
	expect_one("[display]\naccessible = true\n",
	           "cfg.toml:2: display.accessible can only be set on the command line "
	           "(--accessible)");
	expect_one("[general]\nrefresh_rate = 1.0 x\n",
	           "cfg.toml:2: syntax error: unexpected text 'x' after the value");
	/* dotted keys reach the same place as sections */
	struct config c;
	expect_ok("general.refresh_rate = 3.5\n", &c);
	assert_true(c.refresh_rate == 3.5);
	/* several problems: all reported, in line order, nothing applied */
	struct config_diags d = {0};
	assert_int_equal(load(&c,
	                      "[general]\nrefresh_rate = 0.1\n[bogus]\n[display]\n"
	                      "theme = 7\nenable_kil = true\n",
	                      &d),
	                 VT_ERR);
	assert_int_equal(d.n, 4);
	assert_int_equal(d.items[0].line, 2);
	assert_int_equal(d.items[1].line, 3);
	assert_int_equal(d.items[2].line, 5);
	assert_int_equal(d.items[3].line, 6);
	assert_non_null(strstr(d.items[3].text, "did you mean 'enable_kill'?"));
	assert_true(c.refresh_rate == 1.0);
	char sum[600];
	config_diags_summary(&d, sum, sizeof sum);
	assert_string_equal(sum, "config: cfg.toml:2: general.refresh_rate: 0.1 is out of range "
	                         "(0.5 to 10.0) (and 3 more problems)");
	config_diags_free(&d);
}

static void test_files(void **state)
{
	(void)state;
	struct config c;
	struct config_diags d = {0};
	char def[256], want[320];
	/* no file at the default path: defaults, no error */
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, NULL, &d), VT_OK);
	assert_int_equal(d.n, 0);
	snprintf(want, sizeof want, "%s/vramtop/config.toml", dir);
	assert_string_equal(config_default_path(def, sizeof def), want);
	/* an explicit missing file is an error */
	snprintf(want, sizeof want, "%s/nope.toml", dir);
	assert_int_equal(config_load_file(&c, want, &d), VT_ERR);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.items[0].text, "nope.toml: cannot open: No such file"));
	config_diags_free(&d);
	/* the default path is used when present */
	snprintf(want, sizeof want, "%s/vramtop", dir);
	mkdir(want, 0700);
	write_file("vramtop/config.toml", "[display]\ntheme = \"nord\"\n");
	assert_int_equal(config_load_file(&c, NULL, &d), VT_OK);
	assert_string_equal(c.theme, "nord");
	const char *bad = write_file("bad.toml", "[display]\ntheme = \"nord\n");
	assert_int_equal(config_load_file(&c, bad, &d), VT_ERR);
	snprintf(want, sizeof want, "%s:2: syntax error: unterminated string", bad);
	assert_string_equal(d.items[0].text, want);
	config_diags_free(&d);
	unlink(def);
}

static void test_precedence_and_reload(void **state)
{
	(void)state;
	struct config live;
	struct config_diags d = {0};
	char err[256];
	const char *path =
	    write_file("p.toml", "[general]\nrefresh_rate = 2.0\nhistory_length = 50\n"
	                         "[display]\ntheme = \"nord\"\n");
	/* defaults < file < command line */
	config_defaults(&live);
	assert_int_equal(config_load_file(&live, path, &d), VT_OK);
	assert_int_equal(config_set_cli(&live, "general.refresh_rate", "0.5", err, sizeof err),
	                 VT_OK);
	assert_int_equal(config_set_cli(&live, "display.accessible", "true", err, sizeof err),
	                 VT_OK);
	assert_int_equal(config_set_cli(&live, "display.enable_kill", "no", err, sizeof err),
	                 VT_OK);
	assert_true(live.refresh_rate == 0.5);
	assert_int_equal(live.history_length, 50);
	assert_string_equal(live.theme, "nord");
	assert_string_equal(live.layout, "auto");
	/* reload: the new file wins over the old file, the command line still wins */
	write_file("p.toml", "[general]\nrefresh_rate = 5.0\n[display]\ntheme = \"light\"\n"
	                     "enable_kill = true\n");
	struct config before = live;
	assert_int_equal(config_reload(&live, path, &d), VT_OK);
	assert_true(live.refresh_rate == 0.5);      /* CLI */
	assert_int_equal(live.history_length, 300); /* removed from the file: default */
	assert_string_equal(live.theme, "light");   /* new file */
	assert_false(live.enable_kill);             /* CLI --no-kill beats the file */
	assert_true(live.accessible);
	char changes[256];
	assert_string_equal(config_changes(&before, &live, changes, sizeof changes),
	                    "general.history_length, display.theme");
	/* a bad new file: the live config stays exactly as it was */
	write_file("p.toml", "[general]\nrefresh_rate = 50\n");
	before = live;
	assert_int_equal(config_reload(&live, path, &d), VT_ERR);
	assert_memory_equal(&live, &before, sizeof live);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.items[0].text, "p.toml:2: general.refresh_rate: 50.0 is out of "
	                                        "range"));
	config_diags_free(&d);
	write_file("p.toml", "[general\n");
	assert_int_equal(config_reload(&live, path, &d), VT_ERR);
	assert_memory_equal(&live, &before, sizeof live);
	config_diags_free(&d);
}

static void test_set_cli(void **state)
{
	(void)state;
	struct config c;
	char err[256];
	config_defaults(&c);
	struct config before = c;
	assert_int_equal(config_set_cli(&c, "general.refresh_rate", "20", err, sizeof err),
	                 VT_E_USAGE);
	assert_string_equal(err, "general.refresh_rate: 20.0 is out of range (0.5 to 10.0)");
	assert_int_equal(config_set_cli(&c, "general.refresh_rate", "fast", err, sizeof err),
	                 VT_E_USAGE);
	assert_string_equal(err, "general.refresh_rate: 'fast' is not a number");
	assert_int_equal(config_set_cli(&c, "general.history_length", "1.5", err, sizeof err),
	                 VT_E_USAGE);
	assert_int_equal(config_set_cli(&c, "display.theme", "neon", err, sizeof err), VT_E_USAGE);
	assert_int_equal(config_set_cli(&c, "display.layout", "huge", err, sizeof err), VT_E_USAGE);
	assert_int_equal(config_set_cli(&c, "display.enable_kill", "maybe", err, sizeof err),
	                 VT_E_USAGE);
	assert_int_equal(config_set_cli(&c, "general.nope", "1", err, sizeof err), VT_E_USAGE);
	assert_string_equal(err, "unknown setting 'general.nope'");
	assert_int_equal(config_set_cli(&c, "scraping.allowed_ports", "80,x", err, sizeof err),
	                 VT_E_USAGE);
	assert_memory_equal(&c, &before, sizeof c);
	assert_int_equal(config_set_cli(&c, "scraping.allowed_ports", "80,8080", err, sizeof err),
	                 VT_OK);
	assert_int_equal(c.n_allowed_ports, 2);
	assert_int_equal(c.allowed_ports[0], 80);
	assert_int_equal(config_set_cli(&c, "display.layout", "mini", err, sizeof err), VT_OK);
	assert_string_equal(c.layout, "mini");
	assert_int_equal(config_set_cli(&c, "export.prometheus_port", "9400", err, sizeof err),
	                 VT_OK);
	assert_int_equal(c.prometheus_port, 9400);
}

static void test_check_file(void **state)
{
	(void)state;
	struct config_diags d = {0};
	char out[2048];
	FILE *f = fmemopen(out, sizeof out, "w");
	char good[128];
	snprintf(good, sizeof good, "%s",
	         write_file("good.toml", "[general]\nrefresh_rate = 2.0\n"));
	assert_int_equal(config_check_file(good, &d, f), VT_OK);
	fflush(f);
	assert_string_equal(out, "ok\n");
	fclose(f);
	const char *bad = write_file("badc.toml", "[general]\nrefresh_rate = 0\n[x]\n");
	f = fmemopen(out, sizeof out, "w");
	assert_int_equal(config_check_file(bad, &d, f), VT_ERR);
	fclose(f);
	char want[512];
	snprintf(want, sizeof want,
	         "%s:2: general.refresh_rate: 0.0 is out of range (0.5 to 10.0)\n%s:3: unknown "
	         "section [x]\n",
	         bad, bad);
	assert_string_equal(out, want);
	config_diags_free(&d);
	/* a readable secrets.toml beside the config fails the check */
	const char *sec = write_file("secrets.toml", "webhook_url = \"https://x\"\n");
	chmod(sec, 0644);
	f = fmemopen(out, sizeof out, "w");
	assert_int_equal(config_check_file(good, &d, f), VT_ERR);
	fclose(f);
	assert_non_null(strstr(out, "secrets.toml: mode 0644 lets group or others read it"));
	chmod(sec, 0600);
	config_diags_free(&d);
	f = fmemopen(out, sizeof out, "w");
	int rc = config_check_file(good, &d, f);
	fflush(f);
	if (rc != VT_OK)
		fail_msg("%s", out);
	fclose(f);
	unlink(sec);
}

/* --check-config when there is no file: it says so and that the defaults
 * apply (exit 0), rather than a bare "ok" that reads as "your file is fine".
 * An explicit path that does not exist is still an error. */
static void test_check_no_file(void **state)
{
	(void)state;
	struct config_diags d = {0};
	char out[1024] = "", want[512], def[4096];
	config_default_path(def, sizeof def);
	unlink(def);
	FILE *f = fmemopen(out, sizeof out, "w");
	assert_int_equal(config_check_file(NULL, &d, f), VT_OK);
	fclose(f);
	snprintf(want, sizeof want, "%s: no configuration file; the defaults apply\n", def);
	assert_string_equal(out, want);
	assert_int_equal(d.n, 0);
	/* the default path named explicitly reads the same */
	f = fmemopen(out, sizeof out, "w");
	assert_int_equal(config_check_file(def, &d, f), VT_OK);
	fclose(f);
	assert_string_equal(out, want);
	/* another path that does not exist is an error */
	char other[128];
	snprintf(other, sizeof other, "%s/nonexistent.toml", dir);
	f = fmemopen(out, sizeof out, "w");
	assert_int_equal(config_check_file(other, &d, f), VT_ERR);
	fclose(f);
	snprintf(want, sizeof want, "%s: cannot open: No such file or directory\n", other);
	assert_string_equal(out, want);
	config_diags_free(&d);
}

/* No byte of a diagnostic may be a control: text from the file (a value, a
 * quoted key, a table name, a key the parser quotes) and the file's own name
 * go through vt_sanitize, so an OSC title or OSC 52 (clipboard) sequence, or
 * a C1 CSI, never reaches the terminal. */
static void assert_clean(const char *what, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((*p < 0x20 && !(*p == '\n' && strcmp(what, "check-config") == 0)) ||
		    *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			fail_msg("%s: control byte 0x%02x at %zu in: %s", what, *p,
			         (size_t)(p - (const unsigned char *)text), text);
}

static void test_diags_sanitised(void **state)
{
	(void)state;
	static const char *const files[] = {
	    /* a value */
	    "[display]\ntheme = \"\\u001b]0;pwned\\u0007dark\"\n",
	    /* a quoted key */
	    "[general]\n\"\\u001b]52;c;aGVsbG8=\\u0007\" = 1\n",
	    /* a quoted table name, with a C1 CSI */
	    "[\"x\\u009b2J\\u001b[31m\"]\nk = 1\n",
	    /* a string the TOML parser itself quotes (duplicate key) */
	    "[general]\n\"a\\u001b]0;t\\u0007\" = 1\n\"a\\u001b]0;t\\u0007\" = 2\n",
	    /* an address string */
	    "[export]\nprometheus_bind = \"\\u001b]0;x\\u0007\"\n",
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		struct config c;
		struct config_diags d = {0};
		assert_int_equal(load(&c, files[i], &d), VT_ERR);
		assert_true(d.n >= 1);
		for (size_t j = 0; j < d.n; j++)
			assert_clean(files[i], d.items[j].text);
		char sum[600];
		assert_clean("summary", config_diags_summary(&d, sum, sizeof sum));
		config_diags_free(&d);
	}
	/* what survives is still the message, with the escape gone whole */
	struct config c;
	struct config_diags d = {0};
	assert_int_equal(load(&c, files[1], &d), VT_ERR);
	assert_string_equal(d.items[0].text, "cfg.toml:2: unknown key '' in [general]");
	config_diags_free(&d);
	/* a file name holding an escape, and --check-config's output */
	const char *path = write_file("a\033]0;t\007.toml", files[0]);
	char out[2048] = "";
	FILE *f = fmemopen(out, sizeof out, "w");
	assert_int_equal(config_check_file(path, &d, f), VT_ERR);
	fclose(f);
	assert_clean("check-config", out);
	assert_non_null(strstr(out, "display.theme: \""));
	config_diags_free(&d);
	/* command-line values are echoed the same way */
	char err[256];
	config_defaults(&c);
	assert_int_equal(config_set_cli(&c, "display.theme", "\033]52;c;eA==\007", err, sizeof err),
	                 VT_E_USAGE);
	assert_clean("cli", err);
	assert_int_equal(config_set_cli(&c, "general.refresh_rate", "1\033[2J", err, sizeof err),
	                 VT_E_USAGE);
	assert_clean("cli", err);
	assert_int_equal(config_set_cli(&c, "x\033[2J.y", "1", err, sizeof err), VT_E_USAGE);
	assert_clean("cli", err);
}

/* A tiny seeded PRNG (xorshift64*), so failures reproduce. */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}
static double rnd_in(double lo, double hi)
{
	return lo + (hi - lo) * ((double)(rnd() >> 11) / 9007199254740992.0);
}

static void test_print_round_trip(void **state)
{
	(void)state;
	static const char *const themes[] = {"dark",       "light",   "nord",
	                                     "catppuccin", "dracula", "solarized"};
	static const char *const layouts[] = {"auto", "full", "compact", "mini"};
	static const char *const binds[] = {"127.0.0.1", "::1", "0.0.0.0", "::", "10.1.2.3"};
	for (int iter = 0; iter < 500; iter++) {
		struct config a, b;
		config_defaults(&a);
		a.refresh_rate = rnd_in(0.5, 10);
		a.history_length = 10 + (int)(rnd() % 86391);
		a.oom_warning_seconds = iter % 7 ? rnd_in(1, 86400) : 300;
		a.temp_warning_celsius = 30 + (int)(rnd() % 91);
		a.oom_min_confidence = iter % 5 ? rnd_in(0, 1) : 1.0;
		snprintf(a.theme, sizeof a.theme, "%s", themes[rnd() % 6]);
		snprintf(a.layout, sizeof a.layout, "%s", layouts[rnd() % 4]);
		a.show_other_users = rnd() & 1;
		a.enable_kill = rnd() & 1;
		a.phase_indicator = rnd() & 1;
		a.scraping_enable = rnd() & 1;
		a.rate_limit_seconds = rnd_in(1, 3600);
		a.timeout_ms = 50 + (int)(rnd() % 9951);
		a.n_allowed_ports = rnd() % (CONFIG_MAX_PORTS + 1);
		for (size_t i = 0; i < a.n_allowed_ports; i++)
			a.allowed_ports[i] = (int)(1 + i * 2000 + rnd() % 2000);
		snprintf(a.algorithm, sizeof a.algorithm, "%s",
		         rnd() & 1 ? "envelope" : "variance");
		a.min_sustained_samples = 3 + (int)(rnd() % 998);
		a.min_rate_mb_per_sec = rnd_in(0, 100000);
		snprintf(a.prometheus_bind, sizeof a.prometheus_bind, "%s", binds[rnd() % 5]);
		a.prometheus_port = (int)(rnd() % 65536);

		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		config_print(&a, f);
		fclose(f);
		struct config_diags d = {0};
		config_defaults(&b);
		if (config_load_buffer(&b, "printed", text, len, &d) != VT_OK)
			fail_msg("iteration %d: %s\n%s", iter, d.items[0].text, text);
		assert_memory_equal(&a, &b, sizeof a);
		free(text);
		config_diags_free(&d);
	}
}

/* The shipped example loads cleanly and equals the defaults. */
static void test_example_file(void **state)
{
	(void)state;
	struct config c, def;
	struct config_diags d = {0};
	config_defaults(&c);
	config_defaults(&def);
	if (config_load_file(&c, VT_EXAMPLE_CONFIG, &d) != VT_OK)
		fail_msg("%s", d.items[0].text);
	assert_memory_equal(&c, &def, sizeof c);
	config_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_enums_and_lists),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_unknown_and_suggestions),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_precedence_and_reload),
	    cmocka_unit_test(test_set_cli),
	    cmocka_unit_test(test_check_file),
	    cmocka_unit_test(test_check_no_file),
	    cmocka_unit_test(test_diags_sanitised),
	    cmocka_unit_test(test_print_round_trip),
	    cmocka_unit_test(test_example_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
