/* cmd_unset.c - `idr unset`: remove values of a registered record (see common/edit.h). */
#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/cli.h"
#include "common/edit.h"
#include "common/rcmd.h"
#include "common/rmt.h"
#include "idr/cmd.h"
#include "idr/recopt.h"
#include "reg.h"

struct unset_args {
	struct recopt o;
	int nargs;
	char **args; /* ID KEY... */
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct unset_args *a)
{
	static const struct option longopts[] = {
	        RECOPT_LONGOPTS,
	        RMT_LONGOPTS,
	        {NULL, 0, NULL, 0},
	};
	int c, rc;

	a->o.remote_ok = true;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if ((rc = recopt_take(self, &a->o, c, optarg, argv)) != CLI_EXIT_OK) {
			return rc;
		}
	}
	a->nargs = argc - optind;
	a->args = argv + optind;
	if ((rc = recopt_finish(self, &a->o, a->nargs)) != CLI_EXIT_OK) {
		return rc;
	}
	if (a->nargs < 2) {
		return cli_usage_errorf(self, "nothing to remove: give the KEYs of the values");
	}
	return CLI_EXIT_OK;
}

/* A key given twice would read as "no such value" the second time: say what it is. */
static int
check(const struct cli_cmd *self, const struct unset_args *a)
{
	char kb[160];
	int i, j;

	for (i = 2; i < a->nargs; i++) {
		for (j = 1; j < i; j++) {
			if (slice_caseeq(slice_cstr(a->args[i]), slice_cstr(a->args[j]))) {
				cli_errorf(self->name, "key '%s' is given twice",
				           cli_safe(a->args[i], kb, sizeof(kb)));
				return CLI_EXIT_FAIL;
			}
		}
	}
	return CLI_EXIT_OK;
}

/* edit_build_fn: each KEY removed in order. */
static int
build(struct edit *e, void *arg, char *err, size_t errlen)
{
	const struct unset_args *a = arg;
	int i, rc = IDR_OK;

	for (i = 1; rc == IDR_OK && i < a->nargs; i++) {
		rc = edit_unset(e, slice_cstr(a->args[i]), err, errlen);
	}
	return rc;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct unset_args a;
	struct reg *r = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	assert(a.nargs >= 1); /* parse() succeeds only with an identifier */
	if ((rc = check(self, &a)) != CLI_EXIT_OK) {
		return rc;
	}
	if (a.o.remote.node != NULL) {
		return rcmd_edit(self->name, &a.o.remote, a.args[0], build, &a);
	}
	if ((rc = recopt_open(self, &a.o, false, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = edit_cli_run(self->name, r, a.args[0], build, &a);
	reg_close(r);
	return rc;
}

const struct cli_cmd cmd_unset = {
        "unset",
        "remove values of a registered record",
        "usage: idr unset ID KEY... [--data DIR] [--max-id-chars N]\n"
        "       idr unset ID KEY... --node URL --id INDEX:HANDLE (--key FILE |\n"
        "                 --secret-file FILE) [--cacert FILE | --insecure]\n"
        "\n"
        "Remove values from the record of identifier ID: KEY is an attribute key (the value\n"
        "whose type is KEY, ASCII case-insensitive) or 'url' (the URL at index 1). Every KEY\n"
        "must name a value of the record, else nothing is removed (exit status 1); an\n"
        "identifier not registered is exit status 3. The kind cannot be removed (change it\n"
        "with idr set --kind), nor HS_ values, nor the last value of a record (idr delete\n"
        "removes records). Prints what was removed; one transaction, journaled.\n"
        "\n"
        "options:\n"
        "  --max-id-chars N   identifier length limit in characters (default 255)\n"
        "  --data DIR         data directory (default: $IDR_DATA, then ./idr-data)\n"
        "\n" RMT_HELP,
        run,
};
