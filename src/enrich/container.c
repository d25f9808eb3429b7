/* container.c: a process's container from its cgroup paths (pure parser).
 *
 * The shapes recognised (v1 lines "N:controllers:/path", v2 "0::/path"):
 *   docker      /docker/<id>                     (cgroupfs)
 *               /system.slice/docker-<id>.scope  (systemd)
 *   containerd  .../cri-containerd-<id>.scope, .../nerdctl-<id>.scope
 *   cri-o       .../crio-<id>.scope, .../crio/<id>
 *   podman      .../libpod-<id>.scope, /libpod_parent/libpod-<id>
 *   kubepods    /kubepods/<qos>/pod<uid>/<id>    (cgroupfs: runtime "kubernetes"
 *               unless a prefix above names it)
 *               /kubepods.slice/...-pod<uid_with_underscores>.slice/<prefix>-<id>.scope
 * where <id> is 64 hex digits. */
#include "enrich/enrich.h"

#include <stdio.h>
#include <string.h>

#define ID_LEN 64

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Is [s, s+n) at least 64 hex digits followed by nothing, '.', or '/'? */
static bool hex_id_at(const char *s, const char *end)
{
	if (end - s < ID_LEN)
		return false;
	for (int i = 0; i < ID_LEN; i++)
		if (!is_hex(s[i]))
			return false;
	return s + ID_LEN == end || s[ID_LEN] == '.' || s[ID_LEN] == '/';
}

static void set_id(struct enrich_container *c, const char *rt, const char *id)
{
	if (rt)
		memcpy(c->runtime, rt, strlen(rt) + 1);
	memcpy(c->id, id, ID_LEN);
	c->id[ID_LEN] = '\0';
}

/* The pod UID of a "pod<uid>" segment: 36 characters of hex and '-' (or
 * '_' under systemd, given back as '-'). */
static void find_pod(const char *p, const char *end, struct enrich_container *c)
{
	for (const char *s = p; s + 3 + 36 <= end; s++) {
		if (memcmp(s, "pod", 3) != 0 || (s > p && s[-1] != '/' && s[-1] != '-'))
			continue;
		const char *u = s + 3;
		bool ok = true;
		for (int i = 0; i < 36 && ok; i++) {
			bool dash = i == 8 || i == 13 || i == 18 || i == 23;
			ok = dash ? (u[i] == '-' || u[i] == '_') : is_hex(u[i]);
		}
		if (!ok || (u + 36 < end && u[36] != '/' && u[36] != '.'))
			continue;
		for (int i = 0; i < 36; i++)
			c->pod[i] = u[i] == '_' ? '-' : u[i];
		c->pod[36] = '\0';
		return;
	}
}

/* One cgroup path. */
static bool parse_path(const char *p, const char *end, struct enrich_container *c)
{
	static const struct {
		const char *prefix;
		const char *runtime;
	} pre[] = {
	    {"docker-", "docker"},      {"cri-containerd-", "containerd"},
	    {"nerdctl-", "containerd"}, {"crio-", "cri-o"},
	    {"libpod-", "podman"},      {"/docker/", "docker"},
	    {"/crio/", "cri-o"},
	};
	bool kube = memmem(p, (size_t)(end - p), "kubepods", 8) != NULL;

	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		size_t k = strlen(pre[i].prefix);
		for (const char *s = p; s + k <= end; s++) {
			if (memcmp(s, pre[i].prefix, k) != 0)
				continue;
			/* a systemd unit name starts a segment */
			if (pre[i].prefix[0] != '/' && s > p && s[-1] != '/')
				continue;
			if (!hex_id_at(s + k, end))
				continue;
			set_id(c, pre[i].runtime, s + k);
			if (kube)
				find_pod(p, end, c);
			return true;
		}
	}
	if (!kube)
		return false;
	/* cgroupfs kubepods: the last segment is the id */
	const char *slash = memrchr(p, '/', (size_t)(end - p));
	if (slash && hex_id_at(slash + 1, end))
		set_id(c, "kubernetes", slash + 1);
	else
		memcpy(c->runtime, "kubernetes", sizeof("kubernetes"));
	find_pod(p, end, c);
	return c->id[0] || c->pod[0];
}

bool enrich_cgroup_parse(const char *buf, size_t len, struct enrich_container *out)
{
	const char *p = buf, *end = buf + len;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		/* "hierarchy:controllers:path": the path follows the second ':' */
		const char *c1 = memchr(p, ':', (size_t)(eol - p));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		if (c2 && parse_path(c2 + 1, eol, out))
			return true;
		memset(out, 0, sizeof(*out));
		p = eol + 1;
	}
	return false;
}

void enrich_container_format(const struct enrich_container *c, char *buf, size_t cap)
{
	if (!c->runtime[0]) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, cap, "%s:%s", c->runtime, c->id);
}

void enrich_container_from_text(const char *text, struct enrich_container *out)
{
	static const char *const runtimes[] = {"docker", "containerd", "cri-o", "podman",
	                                       "kubernetes"};
	const char *colon = strchr(text, ':');
	size_t n = colon ? (size_t)(colon - text) : strlen(text);

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
		if (strlen(runtimes[i]) != n || memcmp(text, runtimes[i], n) != 0)
			continue;
		memcpy(out->runtime, runtimes[i], n + 1);
		if (colon && strlen(colon + 1) == ID_LEN &&
		    hex_id_at(colon + 1, colon + 1 + ID_LEN))
			set_id(out, NULL, colon + 1);
		return;
	}
}
