/* proc_cache.c: resolved processes kept across refreshes, checked by pidfd. */
#include "sys/proc_cache.h"

#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "sys/identity.h"

#define HSIZE ((size_t)PROC_CACHE_MAX * 4) /* power of two, load <= 1/4 */

struct entry {
	struct snap_proc resolved; /* the fields proc_resolve filled */
	int pidfd;
	size_t slot; /* where idx points at this entry */
	bool dead;
	unsigned long seen, resolved_at; /* refresh numbers */
};

struct proc_cache {
	struct proc_resolve_opts o;
	bool enabled;
	unsigned long gen;
	struct entry *e; /* dense, n used */
	size_t n;
	int *idx; /* pid hash -> entry index, -1 empty */
	struct pollfd *pfd;
	struct proc_cache_stats stats;
};

static size_t slot(pid_t pid)
{
	return (size_t)((uint32_t)pid * 2654435761u) & (HSIZE - 1);
}

static struct entry *find(struct proc_cache *c, pid_t pid)
{
	for (size_t s = slot(pid);; s = (s + 1) & (HSIZE - 1)) {
		if (c->idx[s] < 0)
			return NULL;
		if (c->e[c->idx[s]].resolved.pid == pid)
			return &c->e[c->idx[s]];
	}
}

static void index_put(struct proc_cache *c, size_t i)
{
	size_t s = slot(c->e[i].resolved.pid);
	while (c->idx[s] >= 0)
		s = (s + 1) & (HSIZE - 1);
	c->idx[s] = (int)i;
	c->e[i].slot = s;
}

size_t proc_cache_cap(unsigned long long nofile)
{
	unsigned long long reserve =
	    nofile / 4 > PROC_CACHE_FD_RESERVE ? nofile / 4 : PROC_CACHE_FD_RESERVE;
	if (nofile <= reserve)
		return 0;
	return nofile - reserve < PROC_CACHE_MAX ? (size_t)(nofile - reserve) : PROC_CACHE_MAX;
}

struct proc_cache *proc_cache_new(const struct proc_resolve_opts *o)
{
	struct proc_cache *c = xcalloc(1, sizeof(*c));
	struct rlimit rl;
	c->stats.cap = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
	                   ? proc_cache_cap((unsigned long long)rl.rlim_cur)
	                   : PROC_CACHE_MAX;
	c->o = *o;
	c->enabled = o->proc_root && strcmp(o->proc_root, "/proc") == 0;
	c->e = xcalloc((size_t)PROC_CACHE_MAX, sizeof(*c->e));
	c->pfd = xcalloc((size_t)PROC_CACHE_MAX, sizeof(*c->pfd));
	c->idx = xmalloc(HSIZE * sizeof(*c->idx));
	memset(c->idx, 0xff, HSIZE * sizeof(*c->idx));
	return c;
}

void proc_cache_begin(struct proc_cache *c)
{
	c->gen++;
	if (!c->n)
		return;
	for (size_t i = 0; i < c->n; i++)
		c->pfd[i] = (struct pollfd){.fd = c->e[i].pidfd, .events = POLLIN};
	if (poll(c->pfd, c->n, 0) <= 0)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (c->pfd[i].revents) {
			c->e[i].dead = true;
			c->stats.exited++;
		}
}

/* Remember p (just resolved) with a pidfd verified to be that very process. */
static void remember(struct proc_cache *c, struct entry *e, const struct snap_proc *p)
{
	struct proc_identity id = {.pid = p->pid, .starttime = p->starttime};
	int fd = -1;
	if (!(p->flags & PF_START_VALID) || proc_identity_pidfd(c->o.proc_root, &id, &fd) != VT_OK)
		return; /* not cacheable: resolved afresh next time */
	if (!e) {
		if (c->n >= c->stats.cap) {
			close(fd);
			return;
		}
		e = &c->e[c->n];
		e->resolved.pid = p->pid; /* index_put hashes it */
		index_put(c, c->n++);
	} else if (e->pidfd >= 0) {
		close(e->pidfd);
	}
	e->resolved = *p;
	e->pidfd = fd;
	e->dead = false;
	e->seen = e->resolved_at = c->gen;
}

void proc_cache_resolve(struct proc_cache *c, struct snap_proc *p)
{
	if (!c->enabled) {
		proc_resolve(p, &c->o);
		return;
	}
	struct entry *e = find(c, p->pid);
	if (e && !e->dead && c->gen - e->resolved_at < PROC_CACHE_REFRESH) {
		/* the source's own fields (gpu, used, type) stay; ours are copied */
		p->starttime = e->resolved.starttime;
		p->uid = e->resolved.uid;
		p->flags = (p->flags & ~(uint32_t)(PF_START_VALID | PF_UID_VALID | PF_SAME_USER |
		                                   PF_GONE | PF_NAME_VALID | PF_CMD_VALID)) |
		           (e->resolved.flags & (PF_START_VALID | PF_UID_VALID | PF_SAME_USER |
		                                 PF_NAME_VALID | PF_CMD_VALID));
		memcpy(p->user, e->resolved.user, sizeof(p->user));
		if (e->resolved.flags & PF_NAME_VALID)
			memcpy(p->name, e->resolved.name, sizeof(p->name));
		if (e->resolved.flags & PF_CMD_VALID)
			memcpy(p->cmd, e->resolved.cmd, sizeof(p->cmd));
		e->seen = c->gen;
		c->stats.hits++;
		return;
	}
	c->stats.misses++;
	proc_resolve(p, &c->o);
	if (e && e->dead && e->pidfd >= 0) {
		close(e->pidfd);
		e->pidfd = -1;
	}
	remember(c, e, p);
}

void proc_cache_end(struct proc_cache *c)
{
	/* empty the index slot by slot: O(entries), not O(table) */
	for (size_t i = 0; i < c->n; i++)
		c->idx[c->e[i].slot] = -1;
	size_t w = 0;
	for (size_t r = 0; r < c->n; r++) {
		struct entry *e = &c->e[r];
		if (e->seen != c->gen || e->dead || e->pidfd < 0) {
			if (e->pidfd >= 0)
				close(e->pidfd);
			continue;
		}
		if (w != r)
			c->e[w] = *e;
		w++;
	}
	c->n = w;
	for (size_t i = 0; i < c->n; i++)
		index_put(c, i);
}

const struct proc_cache_stats *proc_cache_stats(const struct proc_cache *c)
{
	return &c->stats;
}

void proc_cache_free(struct proc_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (c->e[i].pidfd >= 0)
			close(c->e[i].pidfd);
	free(c->e);
	free(c->pfd);
	free(c->idx);
	free(c);
}
