/* wrap.c: `vramtop wrap [-i SECONDS] -- CMD [ARG]...` runs CMD with the
 * deep-mode reporter injected (docs/deep-mode.md): the directory holding the
 * client's sitecustomize goes first on PYTHONPATH, so a Python program
 * starts reporting once it imports torch, with no change to its code.
 * Anything else runs as it would have (the variable is only passed on).
 *
 * Where the client is: the installed copy (VT_DATADIR/python, from meson),
 * else the source tree's clients/python (VT_SRCDIR): a build run from its
 * tree works without installing. VRAMTOP_PYTHON_CLIENT overrides both. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/strnum.h"
#include "core/xalloc.h"

#define SITE_REL "/vramtop/_wrap"

static void usage(FILE *out)
{
	fputs("Usage: vramtop wrap [-i SECONDS] [--] CMD [ARG]...\n"
	      "Run CMD with vramtop's deep-mode reporter injected: a Python program that\n"
	      "imports torch reports its CUDA allocator's figures to vramtop (see\n"
	      "docs/deep-mode.md). Other programs run unchanged.\n"
	      "\n"
	      "  -i, --interval SECONDS  seconds between samples (default 1)\n"
	      "  -h, --help              this help\n"
	      "\n"
	      "Environment: VRAMTOP_PYTHON_CLIENT (the directory holding the vramtop\n"
	      "package; default: the installed copy, else the source tree's).\n"
	      "Exit status: CMD's; 126 if CMD cannot run, 127 if it is not found,\n"
	      "2 on bad usage.\n",
	      out);
}

/* The directory that holds the vramtop package, or NULL. */
static const char *client_root(char *buf, size_t cap)
{
	const char *env = getenv("VRAMTOP_PYTHON_CLIENT");
	const char *cand[] = {env && env[0] ? env : NULL, VT_DATADIR "/python",
	                      VT_SRCDIR "/clients/python"};
	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
		if (!cand[i])
			continue;
		if ((size_t)snprintf(buf, cap, "%s" SITE_REL "/sitecustomize.py", cand[i]) < cap &&
		    access(buf, R_OK) == 0) {
			snprintf(buf, cap, "%s", cand[i]);
			return buf;
		}
		if (i == 0) /* asked for by name: no silent fallback */
			return NULL;
	}
	return NULL;
}

int cmd_wrap(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"interval", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *interval = NULL;
	int c;
	opterr = 0;
	/* "+": stop at the first non-option, CMD's options are CMD's */
	while ((c = getopt_long(argc, argv, "+i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': {
			double v;
			if (!strnum_double(optarg, &v) || v < 0.05 || v > 3600) {
				fprintf(stderr,
				        "vramtop wrap: --interval wants seconds from 0.05 to 3600, "
				        "not \"%s\"\n",
				        optarg);
				return 2;
			}
			interval = optarg;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "vramtop wrap: unknown option \"%s\"\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vramtop wrap: no command to run\n");
		usage(stderr);
		return 2;
	}
	char root[4096];
	if (!client_root(root, sizeof(root))) {
		fprintf(stderr,
		        "vramtop wrap: the Python client is not installed (looked for %s "
		        "and %s); running the command without deep mode\n",
		        VT_DATADIR "/python", VT_SRCDIR "/clients/python");
	} else {
		const char *old = getenv("PYTHONPATH");
		size_t n = strlen(root) + sizeof(SITE_REL) + (old ? strlen(old) + 1 : 0);
		char *pp = xmalloc(n + 1);
		snprintf(pp, n + 1, "%s" SITE_REL "%s%s", root, old && old[0] ? ":" : "",
		         old && old[0] ? old : "");
		if (setenv("PYTHONPATH", pp, 1) != 0 ||
		    (interval && setenv("VRAMTOP_INTERVAL", interval, 1) != 0)) {
			fprintf(stderr, "vramtop wrap: cannot set the environment: %s\n",
			        strerror(errno));
			free(pp);
			return 1;
		}
		free(pp);
	}
	execvp(argv[optind], argv + optind);
	int e = errno;
	fprintf(stderr, "vramtop wrap: cannot run %s: %s\n", argv[optind], strerror(e));
	return e == ENOENT ? 127 : 126;
}
