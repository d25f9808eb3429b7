/* secrets.c: secrets from the environment first, then from a private
 * secrets.toml (mode and owner checked on the open descriptor). */
#include "config/secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/toml.h"
#include "core/error.h"
#include "core/sanitize.h"
#include "core/xalloc.h"

#define SECRETS_MAX_FILE (64u * 1024)

static const char *const known_names[] = {"webhook_url", "webhook_token"};
#define N_KNOWN (sizeof known_names / sizeof known_names[0])

static char secrets_path[4096];
static uid_t owner_uid = (uid_t)-1;

void secrets_set_path(const char *path)
{
	if (path)
		vt_strlcpy(secrets_path, path, sizeof secrets_path);
	else
		secrets_path[0] = '\0';
}

void secrets_set_owner_uid(uid_t uid)
{
	owner_uid = uid;
}

char *secrets_path_beside(const char *config_path, char *buf, size_t len)
{
	const char *slash = strrchr(config_path, '/');
	if (!slash)
		snprintf(buf, len, "secrets.toml");
	else
		snprintf(buf, len, "%.*s/secrets.toml", (int)(slash - config_path), config_path);
	return buf;
}

/* Opens and reads path after checking type, owner and mode on the open file
 * (no window between check and use). Returns 0, -ENOENT when there is no
 * file, or -1 with err set. */
static int secrets_read(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		if (errno == ELOOP)
			snprintf(err, errlen, "is a symbolic link; refused");
		else
			snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	uid_t uid = owner_uid == (uid_t)-1 ? getuid() : owner_uid;
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat: %s", strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file; refused");
	} else if (st.st_uid != uid) {
		snprintf(err, errlen, "owned by uid %u, not by you (uid %u); refused",
		         (unsigned)st.st_uid, (unsigned)uid);
	} else if (st.st_mode & 077) {
		snprintf(err, errlen,
		         "mode %04o lets group or others read it; refused (run: chmod 600 %s)",
		         (unsigned)(st.st_mode & 07777), path);
	} else if (st.st_size > (off_t)SECRETS_MAX_FILE) {
		snprintf(err, errlen, "file too large");
	} else {
		char *buf = xmalloc((size_t)st.st_size + 1);
		size_t n = 0;
		ssize_t r;
		while (n <= (size_t)st.st_size &&
		       ((r = read(fd, buf + n, (size_t)st.st_size + 1 - n)) > 0 ||
		        (r < 0 && errno == EINTR)))
			n += r > 0 ? (size_t)r : 0;
		close(fd);
		*out = buf;
		*len = n;
		return 0;
	}
	close(fd);
	return -1;
}

static bool name_ok(const char *name)
{
	size_t n = 0;
	for (; name[n]; n++)
		if (!((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= '0' && name[n] <= '9') ||
		      name[n] == '_'))
			return false;
	return n > 0 && n < 64;
}

static const char *current_path(char *buf, size_t len)
{
	if (secrets_path[0])
		return secrets_path;
	char cfg[4096];
	return secrets_path_beside(config_default_path(cfg, sizeof cfg), buf, len);
}

static int secrets_lookup(const char *name, char *out, size_t outlen, char *err, size_t errlen)
{
	out[0] = '\0';
	if (!name_ok(name)) {
		snprintf(err, errlen, "invalid secret name '%s'", name);
		return VT_ERR;
	}
	char env[80] = "VRAMTOP_";
	size_t n = strlen(env);
	for (size_t i = 0; name[i]; i++)
		env[n++] =
		    (name[i] >= 'a' && name[i] <= 'z') ? (char)(name[i] - 'a' + 'A') : name[i];
	env[n] = '\0';
	const char *v = getenv(env);
	if (v && *v) {
		if (strlen(v) >= outlen) {
			snprintf(err, errlen, "%s is too long", env);
			return VT_ERR;
		}
		memcpy(out, v, strlen(v) + 1);
		return VT_OK;
	}
	char pbuf[4096], why[VT_ERRMSG_MAX];
	const char *path = current_path(pbuf, sizeof pbuf);
	char *buf;
	size_t len;
	int rc = secrets_read(path, &buf, &len, why, sizeof why);
	if (rc == -ENOENT)
		return SECRETS_NOT_SET;
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return VT_ERR;
	}
	struct toml_doc doc;
	rc = SECRETS_NOT_SET;
	if (toml_parse(&doc, buf, len) < 0) {
		snprintf(err, errlen, "%s:%d: syntax error: %s", path, doc.err_line, doc.err);
		rc = VT_ERR;
	} else {
		uint32_t i = toml_find(&doc, 0, name);
		if (i != TOML_NONE && doc.values[i].kind != TOML_STRING) {
			snprintf(err, errlen, "%s:%d: %s must be a string", path,
			         doc.values[i].line, name);
			rc = VT_ERR;
		} else if (i != TOML_NONE && doc.values[i].u.s.len >= outlen) {
			snprintf(err, errlen, "%s:%d: %s is too long", path, doc.values[i].line,
			         name);
			rc = VT_ERR;
		} else if (i != TOML_NONE) {
			memcpy(out, toml_str(&doc, &doc.values[i]), doc.values[i].u.s.len + 1);
			rc = VT_OK;
		}
	}
	toml_free(&doc);
	free(buf);
	return rc;
}

int secrets_get(const char *name, char *out, size_t outlen, char *err, size_t errlen)
{
	int rc = secrets_lookup(name, out, outlen, err, errlen);
	if (rc == VT_ERR && errlen) {
		/* the message quotes the file and its path: nothing of it escapes */
		char raw[1024];
		vt_strlcpy(raw, err, sizeof raw);
		vt_sanitize_str(err, errlen, raw);
	}
	return rc;
}

int secrets_check(const char *path, struct config_diags *d)
{
	char *buf, why[VT_ERRMSG_MAX];
	size_t len, first = d->n;
	int rc = secrets_read(path, &buf, &len, why, sizeof why);
	if (rc == -ENOENT)
		return VT_OK;
	if (rc < 0) {
		config_diag_add(d, path, 0, "%s", why);
		return VT_ERR;
	}
	struct toml_doc doc;
	if (toml_parse(&doc, buf, len) < 0) {
		config_diag_add(d, path, doc.err_line, "syntax error: %s", doc.err);
	} else {
		for (uint32_t t = 1; t < doc.ntables; t++)
			if (doc.tables[t].is_explicit)
				config_diag_add(
				    d, path, doc.tables[t].line,
				    "secrets.toml has no sections; put keys at the top");
		for (size_t i = 0; i < doc.nvalues; i++) {
			const struct toml_value *v = &doc.values[i];
			if (v->table == TOML_NONE)
				continue;
			if (v->table != 0) {
				if (!doc.tables[v->table].is_explicit)
					config_diag_add(d, path, v->line,
					                "dotted keys are not used here");
				continue;
			}
			const char *key = toml_key(&doc, v);
			bool known = false;
			for (size_t k = 0; k < N_KNOWN; k++)
				known |= strcmp(key, known_names[k]) == 0;
			const char *near = known ? NULL : config_closest(key, known_names, N_KNOWN);
			if (!known && near)
				config_diag_add(d, path, v->line,
				                "unknown secret '%s' (did you mean '%s'?)", key,
				                near);
			else if (!known)
				config_diag_add(d, path, v->line, "unknown secret '%s'", key);
			else if (v->kind != TOML_STRING)
				config_diag_add(d, path, v->line, "%s must be a string, not %s",
				                key, toml_kind_name(v->kind));
		}
	}
	toml_free(&doc);
	free(buf);
	config_diags_sort(d, first);
	return d->n > first ? VT_ERR : VT_OK;
}
