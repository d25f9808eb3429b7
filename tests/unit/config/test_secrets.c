/* test_secrets.c: secrets -- environment first, then a private secrets.toml
 * whose mode and owner are checked (the owner through an injected uid, so the
 * check is testable as root). */
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

#include "config/secrets.h"
#include "core/error.h"

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/vt-secrets-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/secrets.toml", dir);
	setenv("XDG_CONFIG_HOME", dir, 1);
	unsetenv("VRAMTOP_WEBHOOK_URL");
	unsetenv("VRAMTOP_WEBHOOK_TOKEN");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_secrets(const char *text, mode_t mode)
{
	unlink(path);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_file_and_env(void **state)
{
	(void)state;
	char out[256], err[512];
	secrets_set_path(path);
	secrets_set_owner_uid((uid_t)-1);
	/* nothing anywhere */
	assert_int_equal(secrets_get("webhook_url", out, sizeof out, err, sizeof err),
	                 SECRETS_NOT_SET);
	assert_string_equal(out, "");
	/* the file, mode 0600, owned by us */
	write_secrets("# private\nwebhook_url = \"https://hooks.example/abc\"\n", 0600);
	assert_int_equal(secrets_get("webhook_url", out, sizeof out, err, sizeof err), VT_OK);
	assert_string_equal(out, "https://hooks.example/abc");
	assert_int_equal(secrets_get("webhook_token", out, sizeof out, err, sizeof err),
	                 SECRETS_NOT_SET);
	/* the environment comes first */
	setenv("VRAMTOP_WEBHOOK_URL", "https://from-env/", 1);
	assert_int_equal(secrets_get("webhook_url", out, sizeof out, err, sizeof err), VT_OK);
	assert_string_equal(out, "https://from-env/");
	/* even when the file would be refused */
	chmod(path, 0644);
	assert_int_equal(secrets_get("webhook_url", out, sizeof out, err, sizeof err), VT_OK);
	assert_string_equal(out, "https://from-env/");
	/* an empty variable counts as unset */
	setenv("VRAMTOP_WEBHOOK_URL", "", 1);
	chmod(path, 0600);
	assert_int_equal(secrets_get("webhook_url", out, sizeof out, err, sizeof err), VT_OK);
	assert_string_equal(out, "https://hooks.example/abc");
	unsetenv("VRAMTOP_WEBHOOK_URL");
	/* too long for the caller's buffer */
	char tiny[8];
	assert_int_equal(secrets_get("webhook_url", tiny, sizeof tiny, err, sizeof err), VT_ERR);
	assert_non_null(strstr(err, ":2: webhook_url is too long"));
	assert_int_equal(secrets_get("Webhook-URL", out, sizeof out, err, sizeof err), VT_ERR);
	assert_string_equal(err, "invalid secret name 'Webhook-URL'");
}

static void test_modes_refused(void **state)
{
	(void)state;
	char out[256], err[512], want[512];
	secrets_set_path(path);
	secrets_set_owner_uid((uid_t)-1);
	const mode_t bad[] = {0640, 0644, 0604, 0660, 0602, 0620};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_secrets("webhook_url = \"https://secret\"\n", bad[i]);
		assert_int_equal(secrets_get("webhook_url", out, sizeof out, err, sizeof err),
		                 VT_ERR);
		snprintf(want, sizeof want,
		         "%s: mode %04o lets group or others read it; refused (run: chmod 600 %s)",
		         path, (unsigned)bad[i], path);
		assert_string_equal(err, want);
		assert_string_equal(out, "");
		struct config_diags d = {0};
		assert_int_equal(secrets_check(path, &d), VT_ERR);
		assert_int_equal(d.n, 1);
		config_diags_free(&d);
	}
	write_secrets("webhook_url = \"https://secret\"\n", 0400);
	assert_int_equal(secrets_get("webhook_url", out, sizeof out, err, sizeof err), VT_OK);
}

static void test_owner_refused(void **state)
{
	(void)state;
	char out[256], err[512], want[512];
	secrets_set_path(path);
	write_secrets("webhook_url = \"https://secret\"\n", 0600);
	uid_t me = getuid();
	secrets_set_owner_uid(me + 1234);
	assert_int_equal(secrets_get("webhook_url", out, sizeof out, err, sizeof err), VT_ERR);
	snprintf(want, sizeof want, "%s: owned by uid %u, not by you (uid %u); refused", path,
	         (unsigned)me, (unsigned)(me + 1234));
	assert_string_equal(err, want);
	struct config_diags d = {0};
	assert_int_equal(secrets_check(path, &d), VT_ERR);
	config_diags_free(&d);
	secrets_set_owner_uid((uid_t)-1);
	assert_int_equal(secrets_get("webhook_url", out, sizeof out, err, sizeof err), VT_OK);
	/* a symbolic link is refused, whatever it points to */
	char link[160];
	snprintf(link, sizeof link, "%s/link.toml", dir);
	assert_int_equal(symlink(path, link), 0);
	secrets_set_path(link);
	assert_int_equal(secrets_get("webhook_url", out, sizeof out, err, sizeof err), VT_ERR);
	assert_non_null(strstr(err, "is a symbolic link; refused"));
	unlink(link);
}

static void test_check(void **state)
{
	(void)state;
	struct config_diags d = {0};
	char want[512];
	write_secrets(
	    "webhook_url = \"https://x\"\nwebhok_token = \"t\"\n[sec]\nwebhook_token = 5\n", 0600);
	assert_int_equal(secrets_check(path, &d), VT_ERR);
	assert_int_equal(d.n, 2);
	snprintf(want, sizeof want,
	         "%s:2: unknown secret 'webhok_token' (did you mean "
	         "'webhook_token'?)",
	         path);
	assert_string_equal(d.items[0].text, want);
	snprintf(want, sizeof want, "%s:3: secrets.toml has no sections; put keys at the top",
	         path);
	assert_string_equal(d.items[1].text, want);
	config_diags_free(&d);
	write_secrets("webhook_token = 5\n", 0600);
	assert_int_equal(secrets_check(path, &d), VT_ERR);
	snprintf(want, sizeof want, "%s:1: webhook_token must be a string, not integer", path);
	assert_string_equal(d.items[0].text, want);
	config_diags_free(&d);
	write_secrets("\nwebhook_url = \"x\n", 0600);
	assert_int_equal(secrets_check(path, &d), VT_ERR);
	snprintf(want, sizeof want, "%s:2: syntax error: unterminated string", path);
	assert_string_equal(d.items[0].text, want);
	config_diags_free(&d);
	write_secrets("webhook_url = \"https://x\"\nwebhook_token = 't'\n", 0600);
	assert_int_equal(secrets_check(path, &d), VT_OK);
	assert_int_equal(d.n, 0);
	unlink(path);
	assert_int_equal(secrets_check(path, &d), VT_OK); /* no file is fine */
}

/* secrets_get's messages quote the file (a key in a syntax error) and its
 * path: no control byte of either reaches the caller, which prints them. */
static void test_get_error_sanitised(void **state)
{
	(void)state;
	char out[256], err[512];
	secrets_set_path(path);
	secrets_set_owner_uid((uid_t)-1);
	write_secrets(
	    "\"a\\u001b]52;c;eA==\\u0007\" = \"1\"\n\"a\\u001b]52;c;eA==\\u0007\" = \"2\"\n", 0600);
	assert_int_equal(secrets_get("webhook_url", out, sizeof out, err, sizeof err), VT_ERR);
	assert_non_null(strstr(err, "syntax error"));
	for (const char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in: %s", (unsigned char)*p, err);
	unlink(path);
}

static void test_paths(void **state)
{
	(void)state;
	char buf[256], want[256], out[64], err[256];
	assert_string_equal(secrets_path_beside("/etc/vt/config.toml", buf, sizeof buf),
	                    "/etc/vt/secrets.toml");
	assert_string_equal(secrets_path_beside("config.toml", buf, sizeof buf), "secrets.toml");
	/* by default: beside the default config, under XDG_CONFIG_HOME */
	secrets_set_path(NULL);
	secrets_set_owner_uid((uid_t)-1);
	snprintf(want, sizeof want, "%s/vramtop", dir);
	mkdir(want, 0700);
	snprintf(want, sizeof want, "%s/vramtop/secrets.toml", dir);
	FILE *f = fopen(want, "w");
	assert_non_null(f);
	fputs("webhook_token = \"tok\"\n", f);
	fclose(f);
	chmod(want, 0600);
	assert_int_equal(secrets_get("webhook_token", out, sizeof out, err, sizeof err), VT_OK);
	assert_string_equal(out, "tok");
	unlink(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_file_and_env),  cmocka_unit_test(test_modes_refused),
	    cmocka_unit_test(test_owner_refused), cmocka_unit_test(test_check),
	    cmocka_unit_test(test_paths),         cmocka_unit_test(test_get_error_sanitised),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
