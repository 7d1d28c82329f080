/* cmd_get.c - `idr get`: show one record as a table or as Handle.Net JSON. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "crypto.h"
#include "rbuf.h"
#include "rec.h"
#include "reg.h"
#include "text.h"
#include "vjson.h"
#include "wbuf.h"

#define DATA_SHOW_MAX 64 /* bytes of binary data shown as hex */
#define TYPE_COL_MAX  24

struct get_args {
	const char *data;
	bool json;
	uint64_t max_id_chars;
	const char *id;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct get_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"json", no_argument, NULL, 'j'},
	        {"max-id-chars", required_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'm':
			rc = cli_parse_u64(self, "--max-id-chars", optarg, 1, 2048,
			                   &a->max_id_chars);
			if (rc != CLI_EXIT_OK) {
				return rc;
			}
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	if (argc - optind != 1) {
		return cli_usage_errorf(self, argc - optind == 0 ? "missing the identifier"
		                                                 : "give exactly one identifier");
	}
	a->id = argv[optind];
	return CLI_EXIT_OK;
}

/* UTF-8 text with C0 controls and DEL written as \n, \t, \r or \xNN. */
static void
text_escaped(struct wbuf *w, struct slice t)
{
	size_t i;

	for (i = 0; i < t.len; i++) {
		uint8_t c = t.p[i];

		if (c == '\n') {
			wbuf_cstr(w, "\\n");
		} else if (c == '\t') {
			wbuf_cstr(w, "\\t");
		} else if (c == '\r') {
			wbuf_cstr(w, "\\r");
		} else if (c < 0x20 || c == 0x7F) {
			wbuf_printf(w, "\\x%02x", c);
		} else {
			wbuf_u8(w, c);
		}
	}
}

/* Data as text when it is UTF-8, HS_ADMIN decoded, else a hex marker. */
static void
data_render(struct wbuf *w, const struct value *v)
{
	struct value_admin adm;
	char hex[DATA_SHOW_MAX * 2 + 1];
	size_t n;

	if (slice_caseeq_cstr(v->type, "HS_ADMIN") && value_admin_decode(v->data, &adm) == IDR_OK) {
		wbuf_printf(w, "admin %.*s:%" PRIu32 " perms=%03x", (int)adm.handle.len,
		            (const char *)adm.handle.p, adm.index, adm.perms);
		return;
	}
	if (text_utf8_check(v->data.p, v->data.len, NULL, NULL) == IDR_OK) {
		text_escaped(w, v->data);
		return;
	}
	n = v->data.len < DATA_SHOW_MAX ? v->data.len : DATA_SHOW_MAX;
	crypto_hex(v->data.p, n, hex);
	wbuf_printf(w, "<hex %s%s, %zu bytes>", hex, n < v->data.len ? "..." : "", v->data.len);
}

static void
perms_render(uint8_t p, char out[6])
{
	out[0] = (p & VALUE_PERM_ADMIN_READ) ? 'r' : '-';
	out[1] = (p & VALUE_PERM_ADMIN_WRITE) ? 'w' : '-';
	out[2] = '/';
	out[3] = (p & VALUE_PERM_PUBLIC_READ) ? 'r' : '-';
	out[4] = (p & VALUE_PERM_PUBLIC_WRITE) ? 'w' : '-';
	out[5] = '\0';
}

static size_t
type_width(const struct rec_view *view)
{
	struct rbuf r;
	struct value v;
	size_t w = 4, t;

	rbuf_init(&r, view->values.p, view->values.len);
	while (rec_value_next(&r, &v) == IDR_OK) {
		t = cli_text_width(v.type.p, v.type.len);
		w = t > w ? t : w;
	}
	return w > TYPE_COL_MAX ? TYPE_COL_MAX : w;
}

static void
print_value(const struct value *v, size_t tw, struct wbuf *data)
{
	char ttl[40], perms[6], when[32];

	if (v->ttl_type == VALUE_TTL_ABSOLUTE) {
		char t[32];

		cli_format_time((uint32_t)v->ttl, t, sizeof(t));
		snprintf(ttl, sizeof(ttl), "until %s", t);
	} else {
		snprintf(ttl, sizeof(ttl), "%" PRId32, v->ttl);
	}
	perms_render(v->perms, perms);
	cli_format_time(v->timestamp, when, sizeof(when));
	wbuf_reset(data);
	data_render(data, v);
	printf("%6" PRIu32 "  ", v->index);
	cli_put_padded(stdout, v->type, tw + 2);
	printf("%-7s %-6s %-20s ", ttl, perms, when);
	cli_put_text(stdout, wbuf_slice(data));
	putchar('\n');
}

static int
print_table(const struct rec_view *view)
{
	const char *kname = rec_kind_name((enum rec_kind)view->kind);
	const char *klabel = rec_kind_label((enum rec_kind)view->kind);
	size_t tw = type_width(view);
	struct wbuf data;
	struct rbuf r;
	struct value v;
	int rc;

	cli_put_text(stdout, view->handle);
	if (view->kind != REC_KIND_NONE && kname != NULL) {
		printf("\n  kind: %s (%s)", kname, klabel != NULL ? klabel : "");
	}
	printf("\n  %" PRIu32 " values\n\n", view->nvalues);
	printf("%6s  ", "INDEX");
	cli_put_padded(stdout, SLICE_LIT("TYPE"), tw + 2);
	printf("%-7s %-6s %-20s %s\n", "TTL", "PERMS", "TIMESTAMP (UTC)", "DATA");
	wbuf_init_heap(&data, VALUE_MAX_ARRAY + 256);
	rbuf_init(&r, view->values.p, view->values.len);
	while ((rc = rec_value_next(&r, &v)) == IDR_OK) {
		print_value(&v, tw, &data);
	}
	wbuf_deinit(&data);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

static int
print_json(const struct rec_view *view)
{
	struct wbuf w;
	int rc;

	wbuf_init_heap(&w, SIZE_MAX);
	rc = vjson_write_record(&w, view, NULL, NULL);
	wbuf_cstr(&w, "\n");
	if (rc >= 0 && wbuf_error(&w) == IDR_OK) {
		fwrite(wbuf_data(&w), 1, wbuf_len(&w), stdout);
		rc = IDR_OK;
	} else if (rc >= 0) {
		rc = wbuf_error(&w);
	}
	wbuf_deinit(&w);
	return rc;
}

static int
show(const struct cli_cmd *self, struct reg *r, const struct get_args *a)
{
	struct reg_rtxn *t = NULL;
	struct rec_view view;
	char idb[300];
	int rc = reg_read_begin(r, &t);

	if (rc == IDR_OK) {
		rc = reg_get(t, slice_cstr(a->id), &view);
	}
	if (rc == IDR_ENOENT) {
		fprintf(stderr, "not found: %s\n", cli_safe(a->id, idb, sizeof(idb)));
		reg_read_end(t);
		return CLI_EXIT_NOTFOUND;
	}
	if (rc == IDR_OK) {
		rc = a->json ? print_json(&view) : print_table(&view);
	}
	reg_read_end(t);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", cli_safe(a->id, idb, sizeof(idb)),
		           idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct get_args a;
	struct reg_opts o;
	struct reg *r = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	memset(&o, 0, sizeof(o));
	o.max_id_chars = (size_t)a.max_id_chars;
	if ((rc = cli_open(self->name, cli_data_dir(a.data), true, &o, &r)) != CLI_EXIT_OK) {
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
        "index, type, TTL (seconds, or 'until' a time), permissions (admin/public read and\n"
        "write), timestamp (UTC) and data (text; HS_ADMIN decoded; other binary data as\n"
        "<hex ...>). --json prints {\"responseCode\":1,\"handle\":..,\"values\":[..]} as the\n"
        "Handle.Net REST API does. Exit status 3 when there is no such record.\n"
        "\n"
        "options:\n"
        "  --json             JSON output\n"
        "  --max-id-chars N   identifier length limit in characters (default 255)\n"
        "  --data DIR         data directory (default: $IDR_DATA, then ./idr-data)\n",
        run,
};
