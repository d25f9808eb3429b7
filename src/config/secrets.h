/* secrets.h: secrets (webhook URLs, tokens) kept out of config.toml. A secret
 * named "webhook_url" comes from the environment variable VRAMTOP_WEBHOOK_URL
 * first, then from the key webhook_url of secrets.toml beside config.toml --
 * a file refused unless it is a regular file owned by the user with no
 * permission bits for group or others (chmod 600). */
#ifndef VT_SECRETS_H
#define VT_SECRETS_H

#include <stddef.h>
#include <sys/types.h>

#include "config/config.h"

#define SECRETS_NOT_SET   1 /* secrets_get: neither the variable nor the key exists */
#define SECRETS_VALUE_MAX 2048

/* Copies the secret `name` (lowercase letters, digits, '_') into out.
 * Returns VT_OK, SECRETS_NOT_SET (out = ""), or VT_ERR with err set when the
 * file is refused or malformed or the value does not fit (err is sanitised,
 * safe to print to a terminal). Reads the file on each call
 * (callers fetch a secret once, at start or on reload). */
int secrets_get(const char *name, char *out, size_t outlen, char *err, size_t errlen);
/* Which secrets.toml secrets_get reads; NULL restores the default (beside
 * config_default_path). The path is copied. */
void secrets_set_path(const char *path);
/* dirname(config_path) + "/secrets.toml" into buf; returns buf. */
char *secrets_path_beside(const char *config_path, char *buf, size_t len);
/* --check-config: mode, owner, syntax, keys and types of the file at path.
 * A missing file is fine. Problems are appended to d; returns VT_OK/VT_ERR. */
int secrets_check(const char *path, struct config_diags *d);
/* Tests: the uid the file must belong to ((uid_t)-1: getuid(), the default). */
void secrets_set_owner_uid(uid_t uid);

#endif
