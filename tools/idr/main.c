/* main.c - `idr`: git-style dispatch to the subcommands in cmd_<name>.c. */
#include <stdio.h>
#include <string.h>

#include "common/cli.h"
#include "idr/cmd.h"

static const struct cli_cmd *const cmds[] = {
        &cmd_init,   &cmd_prefix, &cmd_register, &cmd_get,     &cmd_import,
        &cmd_export, &cmd_audit,  &cmd_stats,    &cmd_resolve, &cmd_bench,
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct cli_cmd *
find(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i]->name, name) == 0) {
			return cmds[i];
		}
	}
	return NULL;
}

static void
overview(FILE *f)
{
	size_t i;

	fputs("usage: idr COMMAND [options] [arguments]\n"
	      "\n"
	      "idr manages the identifier registry of an industrial internet identifier\n"
	      "resolution secondary node. Local commands work on the data directory given by\n"
	      "--data DIR (default: $IDR_DATA, then ./idr-data).\n"
	      "\n"
	      "commands:\n",
	      f);
	for (i = 0; i < NCMDS; i++) {
		fprintf(f, "  %-10s %s\n", cmds[i]->name, cmds[i]->summary);
	}
	fputs("\n"
	      "'idr help COMMAND' or 'idr COMMAND --help' shows a command's options.\n"
	      "\n"
	      "exit status:\n"
	      "  0   success\n"
	      "  1   failure: the operation was not done (store error, conflict, not\n"
	      "      initialised, invalid identifier, ...)\n"
	      "  2   import: bad input rows were skipped (with --strict or --dry-run: found,\n"
	      "      nothing written)\n"
	      "  3   get, resolve: identifier not found\n"
	      "  4   audit verify: the journal does not verify\n"
	      "  64  usage error (unknown command or option, missing argument)\n",
	      f);
}

static int
help(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 3) {
		overview(stdout);
		return CLI_EXIT_OK;
	}
	c = find(argv[2]);
	if (c == NULL) {
		fprintf(stderr, "idr help: unknown command '%s'\n", argv[2]);
		overview(stderr);
		return CLI_EXIT_USAGE;
	}
	return cli_help(c);
}

int
main(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		overview(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		return help(argc, argv);
	}
	if (strcmp(argv[1], "--version") == 0) {
		puts("idr 0.1.0");
		return CLI_EXIT_OK;
	}
	c = find(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "idr: unknown command '%s' (see 'idr help')\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	return c->run(c, argc - 1, argv + 1);
}
