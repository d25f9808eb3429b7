/* cmd.h: the commands of `vramtop` -- main() looks the first argument up in
 * a table of these; each parses its own options and returns an exit status
 * (0 ok, 1 error, 2 no usable driver or bad usage). */
#ifndef VT_CMD_H
#define VT_CMD_H

/* Where installed data lives (meson sets both for src/cmd/): the bundled
 * demo trace, the deep-mode client; a build run from its tree falls back to
 * the source tree. */
#ifndef VT_DATADIR
#define VT_DATADIR "/usr/local/share/vramtop"
#endif
#ifndef VT_SRCDIR
#define VT_SRCDIR "."
#endif

/* vramtop [OPTION]..., `record FILE`, `replay FILE` (sub is NULL, "record"
 * or "replay"; argv[0] is the program). */
int cmd_top(int argc, char **argv, const char *sub);
/* vramtop analyze FILE [OPTION]... (argv[0] is "analyze"). */
int cmd_analyze(int argc, char **argv);
/* vramtop wrap [-i S] -- CMD [ARG]... (argv[0] is "wrap"): execs CMD with
 * the deep-mode reporter on PYTHONPATH; returns only when CMD cannot run. */
int cmd_wrap(int argc, char **argv);

#endif
