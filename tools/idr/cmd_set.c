/* cmd_set.c - `idr set`: add or change values of a registered record (see common/edit.h). */
#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "common/cli.h"
#include "common/edit.h"
#include "common/rcmd.h"
#include "common/rmt.h"
#include "common/row.h"
#include "idr/cmd.h"
#include "idr/recopt.h"
#include "model/rec.h"
#include "reg.h"

struct set_args {
	struct recopt o;
	const char *kind_name;
	const char *url;
	enum rec_kind kind;
	int nargs;
	char **args;            /* ID KEY=VALUE... */
	struct row_attr *attrs; /* the KEY=VALUE operands (nargs - 1) */
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct set_args *a)
{
	static const struct option longopts[] = {
	        {"kind", required_argument, NULL, 'k'},
	        {"url", required_argument, NULL, 'u'},
	        RECOPT_LONGOPTS,
	        RMT_LONGOPTS,
	        {NULL, 0, NULL, 0},
	};
	int c, rc;

	a->o.remote_ok = true;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'k') {
			a->kind_name = optarg;
		} else if (c == 'u') {
			a->url = optarg;
		} else if ((rc = recopt_take(self, &a->o, c, optarg, argv)) != CLI_EXIT_OK) {
			return rc;
		}
	}
	a->nargs = argc - optind;
	a->args = argv + optind;
	if ((rc = recopt_finish(self, &a->o, a->nargs)) != CLI_EXIT_OK) {
		return rc;
	}
	if (a->nargs == 1 && a->kind_name == NULL && a->url == NULL) {
		return cli_usage_errorf(self, "nothing to set: give KEY=VALUE, --url or --kind");
	}
	if (a->nargs - 1 > ROW_MAX_COLS) {
		return cli_usage_errorf(self, "more than %d attributes", ROW_MAX_COLS);
	}
	return CLI_EXIT_OK;
}

/* The arguments, checked like those of `idr register` before the registry is opened. */
static int
check(const struct cli_cmd *self, struct set_args *a)
{
	char kb[96];
	bool ctrl = false;

	if (a->kind_name != NULL && rec_kind_parse(slice_cstr(a->kind_name), &a->kind) != IDR_OK) {
		cli_errorf(self->name, "kind '%s': %s", cli_safe(a->kind_name, kb, sizeof(kb)),
		           idr_strerror(IDR_EREC_KIND));
		return CLI_EXIT_FAIL;
	}
	if (a->url != NULL &&
	    (a->url[0] == '\0' ||
	     text_utf8_check((const uint8_t *)a->url, strlen(a->url), NULL, &ctrl) != IDR_OK ||
	     ctrl)) {
		cli_errorf(self->name, "--url: %s",
		           a->url[0] == '\0' ? "empty (to remove the URL: idr unset ID url)"
		                             : "not UTF-8 text without control characters");
		return CLI_EXIT_FAIL;
	}
	return recopt_attrs(self, a->args + 1, a->nargs - 1, "(to remove one: idr unset ID KEY)",
	                    a->attrs);
}

/* edit_build_fn: the URL, the kind, then each KEY=VALUE in order. */
static int
build(struct edit *e, void *arg, char *err, size_t errlen)
{
	const struct set_args *a = arg;
	int i, rc = IDR_OK;

	if (a->url != NULL) {
		rc = edit_set_url(e, slice_cstr(a->url), err, errlen);
	}
	if (rc == IDR_OK && a->kind_name != NULL) {
		rc = edit_set_kind(e, a->kind, err, errlen);
	}
	for (i = 0; rc == IDR_OK && i < a->nargs - 1; i++) {
		rc = edit_set_attr(e, a->attrs[i].key, a->attrs[i].val, err, errlen);
	}
	return rc;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct set_args a;
	struct reg *r = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	assert(a.nargs >= 1); /* parse() succeeds only with an identifier */
	a.attrs = calloc((size_t)a.nargs, sizeof(*a.attrs));
	if (a.attrs == NULL) {
		cli_errorf(self->name, "out of memory");
		return CLI_EXIT_FAIL;
	}
	if ((rc = check(self, &a)) != CLI_EXIT_OK) {
		/* the error is printed */
	} else if (a.o.remote.node != NULL) {
		rc = rcmd_edit(self->name, &a.o.remote, a.args[0], build, &a);
	} else if ((rc = recopt_open(self, &a.o, false, &r)) == CLI_EXIT_OK) {
		rc = edit_cli_run(self->name, r, a.args[0], build, &a);
		reg_close(r);
	}
	free(a.attrs);
	return rc;
}

const struct cli_cmd cmd_set = {
        "set",
        "add or change values of a registered record",
        "usage: idr set ID [KEY=VALUE ...] [--url URL] [--kind KIND] [--data DIR]\n"
        "              [--max-id-chars N]\n"
        "       idr set ID [KEY=VALUE ...] ... --node URL --id INDEX:HANDLE\n"
        "              (--key FILE | --secret-file FILE) [--cacert FILE | --insecure]\n"
        "\n"
        "Change the record of identifier ID, which must be registered (idr register creates\n"
        "records; set on an identifier not registered fails with exit status 3, so a typo\n"
        "never creates one). Values map as with idr register: the URL at index 1, the kind\n"
        "at index 10, an attribute KEY=VALUE as a value of type KEY. An attribute already\n"
        "there (same key, ASCII case-insensitive) keeps its index, TTL and permissions and\n"
        "gets the new value; a new one goes after the highest index >= 2000. Prints what\n"
        "changed; values already as given are 'unchanged' and nothing is written. All\n"
        "changes are one transaction, journaled (see idr audit).\n"
        "\n"
        "options:\n"
        "  --url URL          set the URL (remove it with idr unset ID url)\n"
        "  --kind KIND        change the kind (part wip process product lot package)\n"
        "  --max-id-chars N   identifier length limit in characters (default 255)\n"
        "  --data DIR         data directory (default: $IDR_DATA, then ./idr-data)\n"
        "\n"
        "\n" RMT_HELP
        "  With --node the record is read from the node (its public values), the change\n"
        "  computed as above and sent as PUT ?index=various (and DELETE ?index=...).\n"
        "\n"
        "see also: idr unset (remove values), idr delete (remove records), idr import\n"
        "--update (many records from a file)\n",
        run,
};
