/* cmd_register.c - `idr register`: create one item record from the command line. */
#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/edit.h"
#include "common/rcmd.h"
#include "common/rmt.h"
#include "common/row.h"
#include "idr/cmd.h"
#include "idr/recopt.h"
#include "model/rec.h"
#include "reg.h"

struct register_args {
	struct recopt o;
	const char *kind;
	const char *url;
	int nargs;
	char **args; /* ID KEY=VALUE... */
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct register_args *a)
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
			a->kind = optarg;
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
	if (a->kind == NULL) {
		return cli_usage_errorf(self, "--kind is required (part wip process product lot "
		                              "package)");
	}
	return CLI_EXIT_OK;
}

/* What differs from the registered record (the plain message without memory). */
static void
conflict_text(struct reg_wtxn *w, const struct row *row, enum rec_kind kind,
              const struct value *values, size_t n, char *msg, size_t cap)
{
	struct edit e;

	if (edit_init(&e) != IDR_OK) {
		snprintf(msg, cap, "%s", idr_strerror(IDR_ECONFLICT));
		return;
	}
	edit_conflict_text(&e, w, row->id, kind, values, n, EDIT_IN_COMMAND, msg, cap);
	edit_deinit(&e);
}

static int
create(const struct cli_cmd *self, const struct register_args *a, const struct row *row,
       enum rec_kind kind)
{
	struct value *values = calloc(ROW_MAX_COLS + 1, sizeof(*values));
	enum reg_outcome oc = REG_UNCHANGED;
	struct reg_wtxn *w = NULL;
	struct reg *r = NULL;
	char err[ROW_ERR_LEN], msg[EDIT_ERR_LEN * 2];
	char idb[300];
	size_t n = 0;
	int rc;

	if (values == NULL) {
		cli_errorf(self->name, "out of memory");
		return CLI_EXIT_FAIL;
	}
	if (row_item_values(row, values, ROW_MAX_COLS + 1, &n, err, sizeof(err)) != IDR_OK) {
		cli_errorf(self->name, "%s", err);
		free(values);
		return CLI_EXIT_FAIL;
	}
	if (a->o.remote.node != NULL) {
		rc = rcmd_register(self->name, &a->o.remote, a->args[0], kind, values, n);
		free(values);
		return rc;
	}
	if ((rc = recopt_open(self, &a->o, false, &r)) != CLI_EXIT_OK) {
		free(values);
		return rc;
	}
	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	if (rc == IDR_OK) {
		rc = reg_create(w, row->id, kind, values, n, 0, &oc);
		if (rc == IDR_ECONFLICT) {
			conflict_text(w, row, kind, values, n, msg, sizeof(msg));
		}
		rc = cli_write_end(w, rc);
	}
	if (rc == IDR_ECONFLICT) {
		cli_errorf(self->name, "%s: %s", cli_safe(a->args[0], idb, sizeof(idb)), msg);
		cli_errorf(self->name, "to change a registered record: idr set ID KEY=VALUE... "
		                       "(or idr import --update)");
	} else if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", cli_safe(a->args[0], idb, sizeof(idb)),
		           reg_strerror(r, rc, err, sizeof(err)));
	}
	reg_close(r);
	free(values);
	if (rc != IDR_OK) {
		return CLI_EXIT_FAIL;
	}
	if (oc == REG_CREATED) {
		printf("created %s\n", a->args[0]);
	} else {
		printf("unchanged %s (already registered with the same content)\n", a->args[0]);
	}
	return CLI_EXIT_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct register_args a;
	struct row_attr *attrs;
	struct row row;
	enum rec_kind kind;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if (a.nargs - 1 > ROW_MAX_COLS) {
		return cli_usage_errorf(self, "more than %d attributes", ROW_MAX_COLS);
	}
	rc = rec_kind_parse(slice_cstr(a.kind), &kind);
	if (rc != IDR_OK) {
		char kb[80];

		cli_errorf(self->name, "kind '%s': %s", cli_safe(a.kind, kb, sizeof(kb)),
		           idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	attrs = calloc((size_t)a.nargs + 1, sizeof(*attrs));
	if (attrs == NULL) {
		cli_errorf(self->name, "out of memory");
		return CLI_EXIT_FAIL;
	}
	assert(a.nargs >= 1); /* parse() succeeds only with an identifier */
	memset(&row, 0, sizeof(row));
	row.form = ROW_ITEM;
	row.id = slice_cstr(a.args[0]);
	row.kind = slice_cstr(a.kind);
	row.url = slice_cstr(a.url);
	row.attrs = attrs;
	row.nattrs = (size_t)a.nargs - 1;
	rc = recopt_attrs(self, a.args + 1, a.nargs - 1, "", attrs);
	if (rc == CLI_EXIT_OK) {
		rc = create(self, &a, &row, kind);
	}
	free(attrs);
	return rc;
}

const struct cli_cmd cmd_register = {
        "register",
        "register one item (part, wip, process, product, lot, package)",
        "usage: idr register ID --kind KIND [--url URL] [KEY=VALUE ...] [--data DIR]\n"
        "                   [--max-id-chars N]\n"
        "       idr register ID --kind KIND ... --node URL --id INDEX:HANDLE\n"
        "                   (--key FILE | --secret-file FILE) [--cacert FILE | --insecure]\n"
        "\n"
        "Create the record of item ID (e.g. 88.118.8/P-000001) under an enabled prefix hosted\n"
        "by this node. Values: the kind at index 10 (type ITEM_KIND), the URL at index 1\n"
        "(type URL), each KEY=VALUE at index 2000, 2001, ... in the order given, with type\n"
        "KEY. Registering the same content again changes nothing ('unchanged'); different\n"
        "content for an existing identifier is a conflict (exit status 1) whose message\n"
        "names the values that differ; change a registered record with idr set / unset.\n"
        "\n"
        "kinds: part 零部件, wip 在制品, process 工序, product 产品, lot 批次, package 包装\n"
        "keys:  non-empty UTF-8 text without '=' or control characters; URL, ITEM_KIND and\n"
        "       HS_* are reserved\n"
        "\n"
        "options:\n"
        "  --kind KIND        item kind (required)\n"
        "  --url URL          the item's URL (a scanner or browser is redirected there)\n"
        "  --max-id-chars N   identifier length limit in characters (default 255)\n"
        "  --data DIR         data directory (default: $IDR_DATA, then ./idr-data)\n"
        "\n" RMT_HELP,
        run,
};
