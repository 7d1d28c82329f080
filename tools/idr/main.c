/* main.c - `idr`: global options, then git-style dispatch to the subcommands in cmd_<name>.c. */
#include <stdio.h>
#include <string.h>

#include "common/cli.h"
#include "idr/cmd.h"

#ifndef IDR_VERSION
#error "IDR_VERSION must be defined (tools/CMakeLists.txt passes the project version)"
#endif

static const struct cli_cmd *const cmds[] = {
        &cmd_init,   &cmd_prefix, &cmd_template,   &cmd_register,   &cmd_set,   &cmd_unset,
        &cmd_delete, &cmd_get,    &cmd_event,      &cmd_events_any, &cmd_trace, &cmd_import,
        &cmd_export, &cmd_split,  &cmd_audit,      &cmd_journal,    &cmd_stats, &cmd_resolve,
        &cmd_bench,  &cmd_keygen, &cmd_admin,      &cmd_gen,        &cmd_label, &cmd_scan,
        &cmd_alias,  &cmd_node,   &cmd_federation,
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

	fputs("usage: idr [--data DIR] COMMAND [options] [arguments]\n"
	      "       idr version | -V | --version\n"
	      "\n"
	      "idr manages the identifier registry of an industrial internet identifier\n"
	      "resolution secondary node. Local commands work on the data directory given by\n"
	      "--data DIR, before or after the command (default: $IDR_DATA, then ./idr-data).\n"
	      "\n"
	      "commands:\n",
	      f);
	for (i = 0; i < NCMDS; i++) {
		fprintf(f, "  %-10s %s\n", cmds[i]->name, cmds[i]->summary);
	}
	fputs("  version    print the version of idr\n"
	      "\n"
	      "'idr help COMMAND' or 'idr COMMAND --help' shows a command's options.\n"
	      "\n"
	      "exit status:\n"
	      "  0   success\n"
	      "  1   failure: the operation was not done (store error, conflict, not\n"
	      "      initialised, invalid identifier, ...)\n"
	      "  2   import: bad input rows were skipped (with --strict or --dry-run: found,\n"
	      "      nothing written)\n"
	      "  3   get, resolve, set, unset, delete, label: identifier not found (not\n"
	      "      registered)\n"
	      "  4   audit verify: the journal does not verify\n"
	      "  64  usage error (unknown command or option, missing argument)\n",
	      f);
}

static int
version(void)
{
	puts("idr " IDR_VERSION);
	return CLI_EXIT_OK;
}

static int
help(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		overview(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "version") == 0) {
		puts("usage: idr version (or idr -V, idr --version): print the version of idr");
		return CLI_EXIT_OK;
	}
	c = find(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "idr help: unknown command '%s'\n", argv[1]);
		overview(stderr);
		return CLI_EXIT_USAGE;
	}
	return cli_help(c);
}

/*
 * Options before the command: --data DIR (or --data=DIR) for every local command, -h/--help
 * and -V/--version. Returns the index of the command in argv, or -1 - the exit code when
 * done or on a usage error.
 */
static int
global_options(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--") == 0) {
			return i + 1;
		}
		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			return -1 - help(argc - i, argv + i);
		}
		if (strcmp(o, "-V") == 0 || strcmp(o, "--version") == 0) {
			return -1 - version();
		}
		if (strncmp(o, "--data=", 7) == 0) {
			cli_data_dir_set(o + 7);
		} else if (strcmp(o, "--data") == 0 && i + 1 < argc) {
			cli_data_dir_set(argv[++i]);
		} else if (strcmp(o, "--data") == 0) {
			fprintf(stderr, "idr: option '--data' needs a value (see 'idr help')\n");
			return -1 - CLI_EXIT_USAGE;
		} else {
			fprintf(stderr,
			        "idr: unknown option '%s' before the command (see 'idr help')\n",
			        o);
			return -1 - CLI_EXIT_USAGE;
		}
	}
	return i;
}

int
main(int argc, char **argv)
{
	const struct cli_cmd *c;
	int i = global_options(argc, argv);

	if (i < 0) {
		return -1 - i;
	}
	if (i >= argc) {
		overview(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		return help(argc - i, argv + i);
	}
	if (strcmp(argv[i], "version") == 0) {
		return version();
	}
	c = find(argv[i]);
	if (c == NULL) {
		fprintf(stderr, "idr: unknown command '%s' (see 'idr help')\n", argv[i]);
		return CLI_EXIT_USAGE;
	}
	return c->run(c, argc - i, argv + i);
}
