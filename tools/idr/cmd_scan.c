/*
 * cmd_scan.c - `idr scan --parse-only`: what a scanner delivered, recognised offline
 * (registry/life/scan.h) and printed as one JSON object per scan. The lookup of the
 * recognised identifier on a node builds on this.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cli.h"
#include "idr/cmd.h"
#include "life/scan.h"

struct scan_args {
	bool parse_only;
	struct scan_opts o;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct scan_args *a)
{
	static const struct option longopts[] = {
	        {"parse-only", no_argument, NULL, 'p'},
	        {"gs", required_argument, NULL, 'g'},
	        {"gs-text", no_argument, NULL, 't'},
	        {"gcp", required_argument, NULL, 'c'},
	        {"dl-domain", required_argument, NULL, 'D'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c;
	uint64_t v;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			a->parse_only = true;
			break;
		case 'g':
			if (strlen(optarg) != 1 || (optarg[0] >= '0' && optarg[0] <= '9')) {
				return cli_usage_errorf(self, "--gs takes one non-digit character");
			}
			a->o.gs_subst = optarg[0];
			break;
		case 't':
			a->o.gs_text = true;
			break;
		case 'c':
			if (cli_parse_u64(self, "--gcp", optarg, 6, 12, &v) != CLI_EXIT_OK) {
				return CLI_EXIT_USAGE;
			}
			a->o.gcp_len = (unsigned)v;
			break;
		case 'D':
			a->o.dl_domain = optarg;
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	if (!a->parse_only) {
		return cli_usage_errorf(self, "only --parse-only is implemented so far");
	}
	if (argc - optind > 1) {
		return cli_usage_errorf(self, "unexpected argument '%s'", argv[optind + 1]);
	}
	return CLI_EXIT_OK;
}

static json_t *
to_json(int rc, const struct scan_result *r)
{
	json_t *o = json_object();
	json_t *els = json_array();

	json_object_set_new(o, "ok", json_boolean(rc == IDR_OK));
	if (rc != IDR_OK) {
		json_object_set_new(o, "error", json_string(r->err));
		json_decref(els);
		return o;
	}
	json_object_set_new(o, "kind", json_string(scan_kind_name(r->kind)));
	json_object_set_new(o, "form", json_string(scan_form_name(r->form)));
	json_object_set_new(o, "symbology", json_string(r->symbology));
	if (r->kind == SCAN_HANDLE) {
		json_object_set_new(o, "handle", json_string(r->handle));
	}
	for (size_t i = 0; i < r->gs1.n; i++) {
		json_array_append_new(els, json_pack("{s:s,s:s}", "ai", r->gs1.el[i].ai, "value",
		                                     r->gs1.el[i].value));
	}
	json_object_set_new(o, "elements", els);
	if (r->gs1.key >= 0) {
		json_object_set_new(o, "key", json_string(r->gs1.el[r->gs1.key].ai));
	}
	json_object_set_new(o, "epc_scheme", json_string(scan_epc_name(r->epc)));
	json_object_set_new(o, "epc_urn", json_string(r->epc_urn));
	json_object_set_new(o, "epc_tag_urn", json_string(r->epc_tag_urn));
	json_object_set_new(o, "dl", json_string(r->dl));
	return o;
}

static int
scan_one(const struct scan_args *a, const char *p, size_t n)
{
	struct scan_result *r = malloc(sizeof(*r));
	if (r == NULL) {
		fputs("idr scan: out of memory\n", stderr);
		return CLI_EXIT_FAIL;
	}
	int rc = scan_parse(p, n, &a->o, r);
	json_t *j = to_json(rc, r);
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s != NULL) {
		puts(s);
	}
	free(s);
	json_decref(j);
	free(r);
	return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* one scan per line, as a keyboard-wedge scanner types them (the line end is the terminator) */
static int
scan_lines(const struct scan_args *a)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = CLI_EXIT_OK;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (scan_one(a, line, (size_t)n) != CLI_EXIT_OK) {
			ret = CLI_EXIT_FAIL;
		}
		fflush(stdout);
	}
	free(line);
	return ret;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct scan_args a = {false, {0, false, 0, NULL}};
	int rc = parse(self, argc, argv, &a);

	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		return scan_one(&a, argv[optind], strlen(argv[optind]));
	}
	return scan_lines(&a);
}

const struct cli_cmd cmd_scan = {
        "scan",
        "recognise what a barcode scanner or RFID reader delivered",
        "usage: idr scan --parse-only [--gs C] [--gs-text] [--gcp N] [--dl-domain URL] [CODE | -]\n"
        "\n"
        "Recognise a scan and print it as JSON: a handle (bare, hdl:, or in a URL path or\n"
        "?code=), a GS1 Digital Link URI, a GS1 element string with or without a symbology\n"
        "identifier (]d2 ]Q3 ]C1 ]e0) and GS separators, the (01)...(21)... form, an EAN/UPC,\n"
        "a 96-bit RFID EPC in hex or an EPC URN. Check digits, dates and AI formats are\n"
        "checked; an error names the AI and the rule. Without CODE (or with -), read one\n"
        "scan per line from standard input and print one JSON object per line.\n"
        "\n"
        "options:\n"
        "  --parse-only     recognise only, do not look the identifier up (required for now)\n"
        "  --gs C           the character the scanner sends instead of GS (0x1D)\n"
        "  --gs-text        read the four characters <GS> as GS\n"
        "  --gcp N          GS1 company prefix length (6-12), to print the EPC URN of GS1 codes\n"
        "  --dl-domain URL  scheme and host of the Digital Link printed (default\n"
        "                   https://id.gs1.org)\n"
        "\n"
        "exit status: 0 every scan recognised, 1 some scan was not, 64 usage error\n",
        run,
};
