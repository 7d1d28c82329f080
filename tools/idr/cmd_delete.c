/* cmd_delete.c - `idr delete`: remove registered records, printing what was removed. */
#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/cli.h"
#include "common/rcmd.h"
#include "common/rmt.h"
#include "idr/cmd.h"
#include "idr/recopt.h"
#include "model/ident.h"
#include "model/rec.h"
#include "model/vjson.h"
#include "reg.h"

struct delete_args {
	struct recopt o;
	bool json;
	int nargs;
	char **args; /* ID... */
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct delete_args *a)
{
	static const struct option longopts[] = {
	        {"json", no_argument, NULL, 'j'},
	        RECOPT_LONGOPTS,
	        RMT_LONGOPTS,
	        {NULL, 0, NULL, 0},
	};
	int c, rc;

	a->o.remote_ok = true;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'j') {
			a->json = true;
		} else if ((rc = recopt_take(self, &a->o, c, optarg, argv)) != CLI_EXIT_OK) {
			return rc;
		}
	}
	a->nargs = argc - optind;
	a->args = argv + optind;
	if ((rc = recopt_finish(self, &a->o, a->nargs)) != CLI_EXIT_OK) {
		return rc;
	}
	return CLI_EXIT_OK;
}

/* Prefix handles belong to `idr prefix`; an identifier given twice is a mistake. */
static int
check(const struct cli_cmd *self, const struct delete_args *a)
{
	struct slice zero = SLICE_LIT(IDENT_ZERO_NA "/");
	char idb[300];
	int i, j;

	for (i = 0; i < a->nargs; i++) {
		struct slice id = slice_cstr(a->args[i]);

		if (id.len >= zero.len && slice_caseeq(slice_make(id.p, zero.len), zero)) {
			cli_errorf(self->name,
			           "%s: a prefix handle; prefixes are managed with idr "
			           "prefix",
			           cli_safe(a->args[i], idb, sizeof(idb)));
			return CLI_EXIT_FAIL;
		}
		for (j = 0; j < i; j++) {
			if (slice_caseeq(id, slice_cstr(a->args[j]))) {
				cli_errorf(self->name, "%s is given twice",
				           cli_safe(a->args[i], idb, sizeof(idb)));
				return CLI_EXIT_FAIL;
			}
		}
	}
	return CLI_EXIT_OK;
}

/* What is about to be deleted, as a line of out: text, or the JSON line of idr export. */
static int
describe(struct wbuf *out, const struct rec_view *rec, bool json)
{
	const char *kind = rec_kind_name((enum rec_kind)rec->kind);
	int rc;

	if (!json) {
		wbuf_cstr(out, "deleted ");
		wbuf_bytes(out, rec->handle.p, rec->handle.len);
		wbuf_printf(out, " (%s%s%lu value%s)\n",
		            rec->kind != REC_KIND_NONE && kind != NULL ? kind : "",
		            rec->kind != REC_KIND_NONE && kind != NULL ? ", " : "",
		            (unsigned long)rec->nvalues, rec->nvalues == 1 ? "" : "s");
		return wbuf_error(out);
	}
	wbuf_cstr(out, "{\"handle\":");
	vjson_write_str(out, rec->handle);
	if (rec->kind != REC_KIND_NONE && kind != NULL) {
		wbuf_printf(out, ",\"kind\":\"%s\"", kind);
	}
	wbuf_cstr(out, ",\"values\":");
	rc = vjson_write_values(out, rec, NULL, NULL);
	wbuf_cstr(out, "}\n");
	return rc < 0 ? rc : wbuf_error(out);
}

/* Delete every identifier in w, describing each into out; stops at the first failure. */
static int
delete_all(const struct cli_cmd *self, struct reg *r, struct reg_wtxn *w,
           const struct delete_args *a, struct wbuf *out, bool *missing)
{
	char idb[300], msg[IDENT_ERR_LEN];
	struct rec_view rec;
	int i, rc = IDR_OK;

	for (i = 0; i < a->nargs && rc == IDR_OK; i++) {
		struct slice id = slice_cstr(a->args[i]);

		rc = reg_write_get(w, id, &rec);
		if (rc == IDR_OK) {
			/* described before the delete: rec borrows the store */
			rc = describe(out, &rec, a->json);
		}
		if (rc == IDR_OK) {
			rc = reg_delete(w, id);
		}
		if (rc == IDR_ENOENT) {
			*missing = true;
			cli_errorf(self->name, "%s: not registered%s",
			           cli_safe(a->args[i], idb, sizeof(idb)),
			           a->nargs > 1 ? " (nothing was deleted)" : "");
		} else if (rc != IDR_OK) {
			cli_errorf(self->name, "%s: %s", cli_safe(a->args[i], idb, sizeof(idb)),
			           reg_strerror(r, rc, msg, sizeof(msg)));
		}
	}
	return rc;
}

static int
delete_run(const struct cli_cmd *self, struct reg *r, const struct delete_args *a)
{
	char msg[IDENT_ERR_LEN];
	struct reg_wtxn *w = NULL;
	bool missing = false;
	struct wbuf out;
	int rc;

	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s", reg_strerror(r, rc, msg, sizeof(msg)));
		return CLI_EXIT_FAIL;
	}
	wbuf_init_heap(&out, (size_t)VALUE_MAX_VALUES * VALUE_MAX_ARRAY * 2);
	rc = delete_all(self, r, w, a, &out, &missing);
	if (rc == IDR_OK) {
		rc = reg_write_commit(w);
		if (rc != IDR_OK) {
			cli_errorf(self->name, "%s", reg_strerror(r, rc, msg, sizeof(msg)));
		}
	} else {
		reg_write_abort(w);
	}
	if (rc == IDR_OK && fwrite(wbuf_data(&out), 1, wbuf_len(&out), stdout) != wbuf_len(&out)) {
		cli_errorf(self->name, "writing the output failed (the records were deleted)");
		rc = IDR_EIO;
	}
	wbuf_deinit(&out);
	if (rc == IDR_OK) {
		return CLI_EXIT_OK;
	}
	return missing ? CLI_EXIT_NOTFOUND : CLI_EXIT_FAIL;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct delete_args a;
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
		return rcmd_delete(self->name, &a.o.remote, a.args, a.nargs, a.json);
	}
	if ((rc = recopt_open(self, &a.o, false, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = delete_run(self, r, &a);
	reg_close(r);
	return rc;
}

const struct cli_cmd cmd_delete = {
        "delete",
        "delete registered records (prints what it deleted)",
        "usage: idr delete ID... [--json] [--data DIR] [--max-id-chars N]\n"
        "       idr delete ID... [--json] --node URL --id INDEX:HANDLE (--key FILE |\n"
        "                  --secret-file FILE) [--cacert FILE | --insecure]\n"
        "\n"
        "Delete the records of the identifiers given, all in one transaction: if one is not\n"
        "registered, nothing is deleted (exit status 3). Asks nothing; prints a line per\n"
        "record deleted: 'deleted ID (kind, N values)', or with --json the record as a line\n"
        "of idr export, which idr import restores. Each deletion is journaled. Prefix\n"
        "handles (0.NA/...) belong to idr prefix and are refused.\n"
        "\n"
        "options:\n"
        "  --json             print the deleted records as JSON lines (idr export form)\n"
        "  --max-id-chars N   identifier length limit in characters (default 255)\n"
        "  --data DIR         data directory (default: $IDR_DATA, then ./idr-data)\n"
        "\n" RMT_HELP "  With --node every record is read first (one not registered: nothing is\n"
        "  deleted, exit status 3), then each is deleted with its own request.\n",
        run,
};
