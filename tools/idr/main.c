/* main.c - placeholder until the idr tool lands (replaced by the tools work). */
#include <stdio.h>

int
main(void)
{
	fputs("idr: not built yet\n", stderr);
	return 1;
}
