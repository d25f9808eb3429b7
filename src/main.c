/* main.c: a table of commands; each parses its own options (src/cmd/). */
#include <string.h>

#include "cmd/cmd.h"

static int top(int argc, char **argv)
{
	return cmd_top(argc, argv, NULL);
}

/* `vramtop record FILE ...`: the command word leaves argv, the program name
 * stays first, so the command's getopt sees what a plain run would. */
static int sub(int argc, char **argv)
{
	const char *name = argv[1];
	argv[1] = argv[0];
	return cmd_top(argc - 1, argv + 1, name);
}

static int analyze(int argc, char **argv)
{
	return cmd_analyze(argc - 1, argv + 1);
}

static int wrap(int argc, char **argv)
{
	return cmd_wrap(argc - 1, argv + 1);
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
    {"analyze", analyze}, {"record", sub}, {"replay", sub}, {"wrap", wrap}, {"serve", sub},
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc, argv);
	return top(argc, argv);
}
