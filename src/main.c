/* main.c: placeholder until the CLI lands. */
#include <stdio.h>
int main(void)
{
	puts("vramtop " VT_VERSION);
	return 0;
}
