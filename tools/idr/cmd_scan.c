/*
 * cmd_scan.c - `idr scan`: what a scanner delivered, recognised (registry/life/scan.h), mapped
 * to a handle directly or through an alias (life/scanfind.h), and answered with the record and
 * its recent events; `--parse-only` recognises offline and prints one JSON object per scan.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/wbuf.h"
#include "common/cli.h"
#include "common/vtab.h"
#include "idr/cmd.h"
#include "life/event.h"
#include "life/scan.h"
#include "life/scanfind.h"
#include "model/rec.h"
#include "reg.h"

struct scan_args {
	bool parse_only;
	bool json;
	uint64_t events;
	const char *data;
	struct scan_opts o;
	/* lookup mode */
	struct reg *r;
	struct scanfind *f;
	struct wbuf w;
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
	        {"data", required_argument, NULL, 'd'},
	        {"json", no_argument, NULL, 'j'},
	        {"events", required_argument, NULL, 'e'},
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
		case 'd':
			a->data = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'e':
			if (cli_parse_u64(self, "--events", optarg, 0, SCANFIND_EVENTS_MAX,
			                  &a->events) != CLI_EXIT_OK) {
				return CLI_EXIT_USAGE;
			}
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
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
print_event(void *arg, const struct reg_event_view *ev)
{
	struct life_time lt = {ev->time_ms, ev->tz_min};
	char when[LIFE_TIME_LEN];
	json_t *j = json_loadb((const char *)ev->doc.p, ev->doc.len, 0, NULL);
	const char *keys[] = {"type", "action", "bizStep", "disposition", "readPoint"};

	(void)arg;
	life_time_format(lt, false, when);
	printf("  %s", when);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(j, keys[i]);

		if (json_is_object(v)) {
			v = json_object_get(v, "id");
		}
		if (json_is_string(v)) {
			printf("  %s", json_string_value(v));
		}
	}
	putchar('\n');
	json_decref(j);
	return 0;
}

/* the table form: what was recognised, the record as idr get shows it, the recent events */
static int
print_found(const struct scan_args *a, struct reg_rtxn *t, const struct rec_view *rec)
{
	struct value *values = calloc(VALUE_MAX_VALUES, sizeof(*values));
	const struct scanfind *f = a->f;
	size_t n = 0;
	int rc = values == NULL ? IDR_ENOMEM : rec_values(rec, values, VALUE_MAX_VALUES, &n);

	printf("scanned %s (%s)", scan_kind_name(f->r.kind), scan_form_name(f->r.form));
	if (f->alias[0] != '\0') {
		printf(", alias %s", f->alias);
	}
	printf(" -> %.*s\n", (int)rec->handle.len, (const char *)rec->handle.p);
	if (rc == IDR_OK) {
		rc = vtab_print(stdout, rec->handle, values, n, NULL);
	}
	free(values);
	if (rc == IDR_OK && a->events > 0) {
		printf("recent events (newest last):\n");
		rc = scanfind_events(t, a->f->handle, (size_t)a->events, print_event, NULL);
	}
	return rc;
}

/* look one scan up in the registry; @return a CLI exit code */
static int
find_one(struct scan_args *a, const char *p, size_t n)
{
	struct reg_rtxn *t = NULL;
	struct rec_view rec;
	char msg[SCANFIND_ERR_MAX + 64], safe[300];
	int rc = reg_read_begin(a->r, &t), ret = CLI_EXIT_OK;

	if (rc == IDR_OK) {
		rc = scanfind_run(t, p, n, &a->o, a->f);
	}
	snprintf(msg, sizeof(msg), "%s", a->f->err);
	if (rc == IDR_OK) {
		rc = reg_get(t, slice_cstr(a->f->handle), &rec);
		if (rc != IDR_OK) {
			snprintf(msg, sizeof(msg), "%s: %s",
			         cli_safe(a->f->handle, safe, sizeof(safe)),
			         rc == IDR_ENOENT ? "not registered here" : idr_strerror(rc));
		}
	}
	if (rc == IDR_OK || rc == IDR_ENOENT || rc == IDR_EPROTO || rc == IDR_ELIMIT) {
		ret = rc == IDR_OK       ? CLI_EXIT_OK
		      : rc == IDR_ENOENT ? CLI_EXIT_NOTFOUND
		                         : CLI_EXIT_FAIL;
		if (a->json) {
			while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n')) {
				n--;
			}
			wbuf_reset(&a->w);
			rc = scanfind_json(&a->w, slice_make(p, n), rc, a->f, msg, &rec, false, t,
			                   (size_t)a->events);
			if (rc == IDR_OK) {
				fwrite(wbuf_data(&a->w), 1, wbuf_len(&a->w), stdout);
				putchar('\n');
			}
		} else if (rc == IDR_OK) {
			rc = print_found(a, t, &rec);
		} else {
			cli_errorf("scan", "%s", msg);
			rc = IDR_OK;
		}
	}
	reg_read_end(t);
	if (rc != IDR_OK) {
		cli_errorf("scan", "%s", idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return ret;
}

static int
scan_one(struct scan_args *a, const char *p, size_t n)
{
	if (!a->parse_only) {
		return find_one(a, p, n);
	}
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
scan_lines(struct scan_args *a)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = CLI_EXIT_OK;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		int rc = scan_one(a, line, (size_t)n);

		/* a scan not recognised (1) outweighs one not found (3) */
		if (rc != CLI_EXIT_OK && ret != CLI_EXIT_FAIL) {
			ret = rc;
		}
		fflush(stdout);
	}
	free(line);
	return ret;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct scan_args a;
	struct reg_opts ro;
	int rc;

	memset(&a, 0, sizeof(a));
	a.events = SCANFIND_EVENTS;
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if (!a.parse_only) {
		memset(&ro, 0, sizeof(ro));
		if ((rc = cli_open(self->name, cli_data_dir(a.data), true, &ro, &a.r)) !=
		    CLI_EXIT_OK) {
			return rc;
		}
		a.f = malloc(sizeof(*a.f));
		wbuf_init_heap(&a.w, 64u << 20);
		if (a.f == NULL) {
			reg_close(a.r);
			cli_errorf(self->name, "out of memory");
			return CLI_EXIT_FAIL;
		}
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		rc = scan_one(&a, argv[optind], strlen(argv[optind]));
	} else {
		rc = scan_lines(&a);
	}
	if (!a.parse_only) {
		wbuf_deinit(&a.w);
		free(a.f);
		reg_close(a.r);
	}
	return rc;
}

const struct cli_cmd cmd_scan = {
        "scan",
        "recognise what a barcode scanner or RFID reader delivered",
        "usage: idr scan [--json] [--events N] [--data DIR] [--gs C] [--gs-text] [--gcp N]\n"
        "                [CODE | -]\n"
        "       idr scan --parse-only [--gs C] [--gs-text] [--gcp N] [--dl-domain URL] [CODE | -]\n"
        "\n"
        "Look up the item a scan names and show its record (as idr get does) and its most\n"
        "recent events, newest last: a handle directly; GS1 data, an EPC, oid:/ecode:/ma: codes\n"
        "through the aliases registered for it (idr alias). --json prints what idrd's\n"
        "/api/v1/scan answers. --parse-only only recognises, offline, and prints it as JSON.\n"
        "Recognised: a handle (bare, hdl:, or in a URL path or\n"
        "?code=), a GS1 Digital Link URI, a GS1 element string with or without a symbology\n"
        "identifier (]d2 ]Q3 ]C1 ]e0) and GS separators, the (01)...(21)... form, an EAN/UPC,\n"
        "a 96-bit RFID EPC in hex or an EPC URN. Check digits, dates and AI formats are\n"
        "checked; an error names the AI and the rule. Without CODE (or with -), read one\n"
        "scan per line from standard input and print one JSON object per line.\n"
        "\n"
        "options:\n"
        "  --parse-only     recognise only, do not look the identifier up\n"
        "  --json           one JSON object per scan (also for errors)\n"
        "  --events N       recent events shown (default 5, at most 50; 0: none)\n"
        "  --data DIR       data directory (default $IDR_DATA or ./idr-data)\n"
        "  --gs C           the character the scanner sends instead of GS (0x1D)\n"
        "  --gs-text        read the four characters <GS> as GS\n"
        "  --gcp N          GS1 company prefix length (6-12), to print the EPC URN of GS1 codes\n"
        "  --dl-domain URL  scheme and host of the Digital Link printed (default\n"
        "                   https://id.gs1.org)\n"
        "\n"
        "exit status: 0 every scan found (--parse-only: recognised), 1 some scan was not\n"
        "recognised, 3 some scan names no item here, 64 usage error\n",
        run,
};
