/* analyze_cmd.h: `vramtop analyze FILE`, the offline analysis of a trace --
 * resampled at the refresh rate as the live program would see it, the
 * chosen predictor per GPU, survival verdicts per process, PELT segments on
 * request; JSONL on stdout (docs/analysis.md). */
#ifndef VT_ANALYZE_CMD_H
#define VT_ANALYZE_CMD_H

/* argv[0] is the subcommand's name ("analyze"), options follow (GNU
 * getopt_long; reentrant: resets optind). Returns the exit status: 0, 1 when
 * the trace cannot be read, 2 for a usage error. */
int cmd_analyze(int argc, char **argv);

#endif
