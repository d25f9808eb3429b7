/* analyze_driver.c: `analyze_driver analyze ARGS...` runs cmd_analyze as
 * `vramtop analyze ARGS...` would, so the analysis tests do not depend on
 * main.c's dispatch. */
#include "cmd/cmd.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	return cmd_analyze(argc - 1, argv + 1);
}
