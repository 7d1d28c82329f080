/* cmd_export.c - `idr export`: prefixes and full records as JSON lines. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/wbuf.h"
#include "common/cli.h"
#include "idr/cmd.h"
#include "model/ident.h"
#include "model/rec.h"
#include "model/vjson.h"
#include "reg.h"

#define OUT_BUF (1u << 20)

struct export_args {
	const char *data;
	const char *prefix;
	const char *out;
};

struct exporter {
	FILE *f;
	struct wbuf w;
	struct slice only; /* --prefix: only this enterprise prefix ("" = all) */
	char **hosted;     /* names of hosted prefixes (their 0.NA handles are not exported) */
	size_t nhosted;
	size_t cap;
	uint64_t records;
	uint64_t prefixes;
	int err;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct export_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"prefix", required_argument, NULL, 'p'},
	        {"output", required_argument, NULL, 'o'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'p':
			a->prefix = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	if (optind < argc) {
		return cli_usage_errorf(self, "unexpected argument '%s'", argv[optind]);
	}
	return CLI_EXIT_OK;
}

/* Write the wbuf as one line and reset it. */
static int
flush_line(struct exporter *x)
{
	wbuf_cstr(&x->w, "\n");
	if (wbuf_error(&x->w) != IDR_OK) {
		return wbuf_error(&x->w);
	}
	if (fwrite(wbuf_data(&x->w), 1, wbuf_len(&x->w), x->f) != wbuf_len(&x->w)) {
		return -errno != 0 ? -errno : IDR_EIO;
	}
	wbuf_reset(&x->w);
	return IDR_OK;
}

static int
remember_hosted(struct exporter *x, struct slice name)
{
	if (x->nhosted == x->cap) {
		size_t cap = x->cap != 0 ? x->cap * 2 : 16;
		char **v = realloc(x->hosted, cap * sizeof(*v));

		if (v == NULL) {
			return IDR_ENOMEM;
		}
		x->hosted = v;
		x->cap = cap;
	}
	x->hosted[x->nhosted] = slice_strdup(name);
	if (x->hosted[x->nhosted] == NULL) {
		return IDR_ENOMEM;
	}
	x->nhosted++;
	return IDR_OK;
}

static int
on_prefix(void *arg, const struct pfx_info *p)
{
	struct exporter *x = arg;
	int rc = remember_hosted(x, p->name);

	if (rc != IDR_OK) {
		return rc;
	}
	if (!p->node && x->only.len > 0 && !slice_caseeq(p->name, x->only)) {
		return 0;
	}
	wbuf_cstr(&x->w, "{\"prefix\":");
	vjson_write_str(&x->w, p->name);
	wbuf_cstr(&x->w, ",\"owner\":");
	vjson_write_str(&x->w, p->owner);
	wbuf_printf(&x->w, ",\"state\":%d%s}", p->state, p->node ? ",\"node\":true" : "");
	x->prefixes++;
	return flush_line(x);
}

/* 0.NA/<hosted prefix> records are made by `prefix add` (prefix lines recreate them). */
static bool
is_hosted_prefix_handle(const struct exporter *x, struct slice handle)
{
	struct slice zero = SLICE_LIT(IDENT_ZERO_NA "/"), rest;
	size_t i;

	if (handle.len <= zero.len || !slice_caseeq(slice_make(handle.p, zero.len), zero)) {
		return false;
	}
	rest = slice_make(handle.p + zero.len, handle.len - zero.len);
	for (i = 0; i < x->nhosted; i++) {
		if (slice_caseeq_cstr(rest, x->hosted[i])) {
			return true;
		}
	}
	return false;
}

static int
on_record(void *arg, struct slice key, const struct rec_view *rec)
{
	struct exporter *x = arg;
	const char *kind = rec_kind_name((enum rec_kind)rec->kind);
	int rc;

	(void)key;
	if (is_hosted_prefix_handle(x, rec->handle)) {
		return 0;
	}
	wbuf_cstr(&x->w, "{\"handle\":");
	vjson_write_str(&x->w, rec->handle);
	if (rec->kind != REC_KIND_NONE && kind != NULL) {
		wbuf_printf(&x->w, ",\"kind\":\"%s\"", kind);
	}
	wbuf_cstr(&x->w, ",\"values\":");
	rc = vjson_write_values(&x->w, rec, NULL, NULL);
	if (rc < 0) {
		return rc;
	}
	wbuf_cstr(&x->w, "}");
	x->records++;
	return flush_line(x);
}

static int
export_all(struct reg *r, struct exporter *x)
{
	struct reg_rtxn *t = NULL;
	int rc = reg_read_begin(r, &t);

	if (rc != IDR_OK) {
		return rc;
	}
	rc = reg_prefix_list(t, on_prefix, x);
	if (rc == IDR_OK) {
		rc = reg_list(t, x->only, slice_make(NULL, 0), REC_KIND_NONE, 0, on_record, x);
	}
	reg_read_end(t);
	return rc;
}

static int
export_to(const struct cli_cmd *self, struct reg *r, const struct export_args *a, FILE *f)
{
	struct exporter x;
	size_t i;
	int rc;

	memset(&x, 0, sizeof(x));
	x.f = f;
	x.only = slice_cstr(a->prefix);
	wbuf_init_heap(&x.w, (size_t)VALUE_MAX_VALUES * VALUE_MAX_ARRAY * 2);
	rc = export_all(r, &x);
	if (rc == IDR_OK && fflush(f) != 0) {
		rc = -errno;
	}
	wbuf_deinit(&x.w);
	for (i = 0; i < x.nhosted; i++) {
		free(x.hosted[i]);
	}
	free(x.hosted);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s", idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	fprintf(stderr, "exported %" PRIu64 " prefixes and %" PRIu64 " records\n", x.prefixes,
	        x.records);
	return CLI_EXIT_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct export_args a;
	struct reg *r = NULL;
	FILE *f = stdout;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if ((rc = cli_open(self->name, cli_data_dir(a.data), true, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	if (a.out != NULL && strcmp(a.out, "-") != 0) {
		f = fopen(a.out, "w");
		if (f == NULL) {
			cli_errorf(self->name, "%s: %s", a.out, strerror(errno));
			reg_close(r);
			return CLI_EXIT_FAIL;
		}
	}
	setvbuf(f, NULL, _IOFBF, OUT_BUF);
	rc = export_to(self, r, &a, f);
	if (f != stdout && fclose(f) != 0 && rc == CLI_EXIT_OK) {
		cli_errorf(self->name, "%s: %s", a.out, strerror(errno));
		rc = CLI_EXIT_FAIL;
	}
	reg_close(r);
	return rc;
}

const struct cli_cmd cmd_export = {
        "export",
        "write prefixes and records as JSON lines (idr import reads them back)",
        "usage: idr export [--prefix PREFIX] [-o FILE] [--data DIR]\n"
        "\n"
        "Write one JSON object per line: first the node prefix and the hosted enterprise\n"
        "prefixes ({\"prefix\":..,\"owner\":..,\"state\":..}), then every record in key order\n"
        "({\"handle\":..,\"kind\":..,\"values\":[...]}, values in the Handle.Net REST form with\n"
        "their timestamps). 'idr import' of the file into a data directory initialised with\n"
        "the same node prefix recreates identical records. Prefix handles (0.NA/<prefix>) of\n"
        "hosted prefixes are not written: the prefix lines recreate them.\n"
        "\n"
        "options:\n"
        "  --prefix PREFIX   only this prefix's records (and its prefix line)\n"
        "  -o, --output FILE write to FILE instead of standard output\n"
        "  --data DIR        data directory (default: $IDR_DATA, then ./idr-data)\n",
        run,
};
