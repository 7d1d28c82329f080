/* cmd_label.c - `idr label`: a QR code (node URL) or GS1 DataMatrix (element string) as PNG. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cli.h"
#include "common/gen.h"
#include "common/label.h"
#include "idr/cmd.h"
#include "model/rec.h"
#include "reg.h"

#define LABEL_ENV_NODE_URL "IDR_NODE_URL"
#define LABEL_GS1_TYPE     "gs1" /* the attribute idr gen writes */

struct label_args {
	const char *data, *id, *out, *node_url, *gs1;
	bool qr, dm;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct label_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"qr", no_argument, NULL, 'q'},
	        {"datamatrix", no_argument, NULL, 'm'},
	        {"output", required_argument, NULL, 'o'},
	        {"node-url", required_argument, NULL, 'n'},
	        {"gs1", required_argument, NULL, 'g'},
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
		case 'q':
			a->qr = true;
			break;
		case 'm':
			a->dm = true;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'n':
			a->node_url = optarg;
			break;
		case 'g':
			a->gs1 = optarg;
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
	if (a->qr == a->dm) {
		return cli_usage_errorf(self, "give --qr or --datamatrix");
	}
	if (a->out == NULL) {
		return cli_usage_errorf(self, "give the PNG file to write with -o FILE");
	}
	if (a->qr && a->gs1 != NULL) {
		return cli_usage_errorf(self, "--gs1 goes with --datamatrix");
	}
	if (a->qr && a->node_url == NULL) {
		const char *env = getenv(LABEL_ENV_NODE_URL);

		a->node_url = env != NULL && env[0] != '\0' ? env : NULL;
		if (a->node_url == NULL) {
			return cli_usage_errorf(self,
			                        "no node URL: give --node-url https://host or "
			                        "set " LABEL_ENV_NODE_URL);
		}
	}
	if (a->node_url != NULL && strncmp(a->node_url, "https://", 8) != 0 &&
	    strncmp(a->node_url, "http://", 7) != 0) {
		return cli_usage_errorf(self, "--node-url '%s': an http:// or https:// URL",
		                        a->node_url);
	}
	return CLI_EXIT_OK;
}

/* The record's "gs1" attribute (case-insensitive type) into out; IDR_ENOENT if it has none. */
static int
find_gs1(const struct rec_view *view, char *out, size_t cap)
{
	struct value *values = calloc(VALUE_MAX_VALUES, sizeof(*values));
	size_t n = 0, i;
	int rc = values == NULL ? IDR_ENOMEM : rec_values(view, values, VALUE_MAX_VALUES, &n);

	if (rc == IDR_OK) {
		rc = IDR_ENOENT;
	}
	for (i = 0; rc == IDR_ENOENT && i < n; i++) {
		const struct value *v = &values[i];

		if (v->type.len == strlen(LABEL_GS1_TYPE) &&
		    strncasecmp((const char *)v->type.p, LABEL_GS1_TYPE, v->type.len) == 0) {
			rc = v->data.len < cap ? slice_to_cstr(v->data, out, cap) : IDR_ETOOBIG;
		}
	}
	free(values);
	return rc;
}

static int
draw(const struct cli_cmd *self, const struct label_args *a, const struct rec_view *view)
{
	char text[LABEL_MAX_TEXT + 1], id[GEN_MAX_OUT + 64], err[LABEL_ERR_LEN], safe[300];
	int rc;

	if (slice_to_cstr(view->handle, id, sizeof(id)) != IDR_OK) {
		cli_errorf(self->name, "%s: the identifier is too long for a label",
		           cli_safe(a->id, safe, sizeof(safe)));
		return CLI_EXIT_FAIL;
	}
	if (a->qr) {
		if (gen_url_join(a->node_url, id, text, sizeof(text)) != IDR_OK) {
			cli_errorf(self->name, "%s: the URL is too long for a label", id);
			return CLI_EXIT_FAIL;
		}
		rc = label_qr_png(text, strlen(text), a->out, err, sizeof(err));
	} else {
		if (a->gs1 != NULL) {
			snprintf(text, sizeof(text), "%s", a->gs1);
		} else if (find_gs1(view, text, sizeof(text)) != IDR_OK) {
			cli_errorf(self->name,
			           "%s has no GS1 key (no '" LABEL_GS1_TYPE
			           "' attribute): give --gs1 "
			           "'(01)...(21)...', or register one (idr gen --gtin writes it)",
			           id);
			return CLI_EXIT_FAIL;
		}
		rc = label_gs1_datamatrix_png(text, a->out, err, sizeof(err));
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", id, err);
		return CLI_EXIT_FAIL;
	}
	printf("wrote %s (%s: %s)\n", a->out, a->qr ? "QR" : "GS1 DataMatrix",
	       cli_safe(text, safe, sizeof(safe)));
	return CLI_EXIT_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct label_args a;
	struct reg *r = NULL;
	struct reg_rtxn *t = NULL;
	struct rec_view view;
	char idb[300], msg[IDENT_ERR_LEN];
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if ((rc = cli_open(self->name, cli_data_dir(a.data), true, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = reg_read_begin(r, &t);
	if (rc == IDR_OK) {
		rc = reg_get(t, slice_cstr(a.id), &view);
	}
	if (rc == IDR_ENOENT) {
		cli_errorf(self->name, "%s: not registered here", cli_safe(a.id, idb, sizeof(idb)));
		rc = CLI_EXIT_NOTFOUND;
	} else if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", cli_safe(a.id, idb, sizeof(idb)),
		           reg_strerror(r, rc, msg, sizeof(msg)));
		rc = CLI_EXIT_FAIL;
	} else {
		rc = draw(self, &a, &view);
	}
	reg_read_end(t);
	reg_close(r);
	return rc;
}

const struct cli_cmd cmd_label = {
        "label",
        "draw a label (PNG): QR code of the node URL or GS1 DataMatrix",
        "usage: idr label ID --qr -o FILE.png [--node-url https://host] [--data DIR]\n"
        "       idr label ID --datamatrix -o FILE.png [--gs1 '(01)...(21)...'] [--data DIR]\n"
        "\n"
        "Draw the label of a registered item as a PNG image (4 pixels per module, quiet zone\n"
        "included), for a label printer or a screen:\n"
        "  --qr          a QR code carrying the item's URL on the node: the node URL + '/' +\n"
        "                the identifier (https://host/88.118.8/P-1), which a phone opens and\n"
        "                idr scan reads. The node URL is --node-url, else $" LABEL_ENV_NODE_URL
        ".\n"
        "  --datamatrix  a GS1 DataMatrix carrying the item's GS1 element string: --gs1, else\n"
        "                its 'gs1' attribute (idr gen --gtin/--sscc writes one). Check digits,\n"
        "                AI formats and dates are validated (zint) before anything is drawn.\n"
        "Exit status 3 when ID is not registered; 1 when it has no GS1 key or the file cannot\n"
        "be written.\n"
        "\n"
        "options:\n"
        "  -o, --output FILE   the PNG file to write\n"
        "  --node-url URL      the node's public http(s) base URL\n"
        "  --gs1 STRING        element string in the (AI)value form\n"
        "  --data DIR          data directory (default: $IDR_DATA, then ./idr-data)\n",
        run,
};
