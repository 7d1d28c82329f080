/* cmd_get.c - `idr get`: show one record as a table or as Handle.Net JSON. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/vtab.h"
#include "hdl/hdl.h"
#include "idr/cmd.h"
#include "idr/recopt.h"
#include "model/rec.h"
#include "reg.h"

struct get_args {
	struct recopt o;
	bool json;
	const char *id;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct get_args *a)
{
	static const struct option longopts[] = {
	        {"json", no_argument, NULL, 'j'},
	        RECOPT_LONGOPTS,
	        {NULL, 0, NULL, 0},
	};
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'j') {
			a->json = true;
		} else if ((rc = recopt_take(self, &a->o, c, optarg, argv)) != CLI_EXIT_OK) {
			return rc;
		}
	}
	if (argc - optind != 1) {
		return cli_usage_errorf(self, argc - optind == 0 ? "missing the identifier"
		                                                 : "give exactly one identifier");
	}
	a->id = argv[optind];
	return CLI_EXIT_OK;
}

static int
print_table(const struct rec_view *view)
{
	struct value *values = calloc(VALUE_MAX_VALUES, sizeof(*values));
	size_t n = 0;
	int rc = values == NULL ? IDR_ENOMEM : rec_values(view, values, VALUE_MAX_VALUES, &n);

	if (rc == IDR_OK) {
		rc = vtab_print(stdout, view->handle, values, n, NULL);
	}
	free(values);
	return rc;
}

static int
show(const struct cli_cmd *self, struct reg *r, const struct get_args *a)
{
	struct reg_rtxn *t = NULL;
	struct rec_view view;
	char idb[300], msg[IDENT_ERR_LEN];
	int rc = reg_read_begin(r, &t);

	if (rc == IDR_OK) {
		rc = reg_get(t, slice_cstr(a->id), &view);
	}
	if (rc == IDR_ENOENT) {
		/* --json: what `idr resolve --json` and the HTTP API answer for a record not there
		 */
		if (a->json &&
		    vtab_print_json_answer(stdout, HDL_RC_HANDLE_NOT_FOUND, slice_cstr(a->id),
		                           slice_make(NULL, 0)) != IDR_OK) {
			cli_errorf(self->name, "out of memory");
		}
		fprintf(stderr, "not found: %s\n", cli_safe(a->id, idb, sizeof(idb)));
		reg_read_end(t);
		return CLI_EXIT_NOTFOUND;
	}
	if (rc == IDR_OK) {
		rc = a->json ? vtab_print_json_record(stdout, &view) : print_table(&view);
	}
	reg_read_end(t);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", cli_safe(a->id, idb, sizeof(idb)),
		           reg_strerror(r, rc, msg, sizeof(msg)));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct get_args a;
	struct reg *r = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if ((rc = recopt_open(self, &a.o, true, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = show(self, r, &a);
	reg_close(r);
	return rc;
}

const struct cli_cmd cmd_get = {
        "get",
        "show a record (table, or --json in the Handle.Net REST form)",
        "usage: idr get ID [--json] [--data DIR] [--max-id-chars N]\n"
        "\n"
        "Show the record of identifier ID (ASCII case-insensitive). The table lists each value:\n"
        "index, type, TTL (seconds, or 'until' a time), permissions (admin read/write,\n"
        "public read/write as in Handle.Net: rwr-), timestamp (UTC) and data (text; HS_ADMIN\n"
        "and HS_VLIST decoded; other binary data as <hex ...>). --json prints "
        "{\"responseCode\":1,\"handle\":..,\"values\":[..]} as the\n"
        "Handle.Net REST API does. Exit status 3 when there is no such record (--json prints\n"
        "{\"responseCode\":100,\"handle\":..} then, as idr resolve --json does).\n"
        "\n"
        "options:\n"
        "  --json             JSON output\n"
        "  --max-id-chars N   identifier length limit in characters (default 255)\n"
        "  --data DIR         data directory (default: $IDR_DATA, then ./idr-data)\n",
        run,
};
