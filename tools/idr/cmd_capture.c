/*
 * cmd_capture.c - `idr event add` and `idr event import`: record lifecycle events in the local
 * data directory (life/capture.h). Handles given on the command line become node URIs
 * (https://<--node-url>/<handle>), as EPCIS 2.0 wants identifiers; the registry keys them by
 * the handle, so trace and timelines find them whatever host the URI names.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cli.h"
#include "idr/cmd.h"
#include "life/capture.h"
#include "life/event.h"
#include "model/ident.h"

#define MAX_LIST     1000
#define DEFAULT_NODE "https://localhost"
#define DEFAULT_TZ   480 /* +08:00, China Standard Time */
#define URI_MAX      (IDENT_HARD_MAX + 256)

struct add_args {
	const char *data, *biz_step, *disposition, *read_point, *parent, *node;
	const char *action, *inputs, *outputs;
	bool has_time;
	struct life_time when;
	int tz_min;
	const char *id;
};

/* An identifier as a URI: a handle becomes node/handle; a URI (has "://" or "urn:") stays. */
static char *
as_uri(const char *node, const char *id)
{
	size_t n = strlen(node) + strlen(id) + 2;
	char *u;

	if (strstr(id, "://") != NULL || strncmp(id, "urn:", 4) == 0) {
		return strdup(id);
	}
	u = malloc(n);
	if (u != NULL) {
		snprintf(u, n, "%s/%s", node, id);
	}
	return u;
}

/* Split a comma list into URIs (owned strings in v). @return the count or < 0. */
static int
uri_list(const char *node, const char *csv, char **v, size_t cap)
{
	size_t n = 0;
	const char *p = csv;

	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		char *one;

		if (len == 0 || n == cap) {
			return len == 0 ? IDR_EINVAL : IDR_ELIMIT;
		}
		one = strndup(p, len);
		if (one == NULL) {
			return IDR_ENOMEM;
		}
		v[n] = as_uri(node, one);
		free(one);
		if (v[n] == NULL) {
			return IDR_ENOMEM;
		}
		n++;
		p += len + (comma != NULL ? 1 : 0);
	}
	return (int)n;
}

static int
add_parse(const struct cli_cmd *self, int argc, char **argv, struct add_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"biz-step", required_argument, NULL, 'b'},
	        {"disposition", required_argument, NULL, 'D'},
	        {"read-point", required_argument, NULL, 'r'},
	        {"parent", required_argument, NULL, 'p'},
	        {"input", required_argument, NULL, 'i'},
	        {"output", required_argument, NULL, 'o'},
	        {"action", required_argument, NULL, 'a'},
	        {"time", required_argument, NULL, 't'},
	        {"node-url", required_argument, NULL, 'n'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	a->node = DEFAULT_NODE;
	a->tz_min = DEFAULT_TZ;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'b':
			a->biz_step = optarg;
			break;
		case 'D':
			a->disposition = optarg;
			break;
		case 'r':
			a->read_point = optarg;
			break;
		case 'p':
			a->parent = optarg;
			break;
		case 'i':
			a->inputs = optarg;
			break;
		case 'o':
			a->outputs = optarg;
			break;
		case 'a':
			a->action = optarg;
			break;
		case 't':
			if (life_time_parse(optarg, strlen(optarg), &a->when) != IDR_OK) {
				return cli_usage_errorf(self,
				                        "--time: an RFC 3339 time with its zone, "
				                        "e.g. 2024-02-01T10:00:00+08:00");
			}
			a->has_time = true;
			break;
		case 'n':
			a->node = optarg;
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	if (argc - optind != 1) {
		return cli_usage_errorf(self, "usage: idr event add ID --biz-step STEP [options]");
	}
	a->id = argv[optind];
	if (a->parent != NULL && (a->inputs != NULL || a->outputs != NULL)) {
		return cli_usage_errorf(self, "--parent (packing) and --input/--output (a "
		                              "transformation) do not go together");
	}
	if (a->outputs != NULL && a->inputs == NULL) {
		return cli_usage_errorf(self, "--output needs --input");
	}
	if (strncmp(a->node, "https://", 8) != 0 && strncmp(a->node, "http://", 7) != 0) {
		return cli_usage_errorf(self,
		                        "--node-url: an http(s) URL such as https://idr.example");
	}
	return CLI_EXIT_OK;
}

static enum life_action
action_of(const char *s)
{
	if (s == NULL) {
		return LIFE_ACTION_NONE;
	}
	if (strcmp(s, "ADD") == 0 || strcmp(s, "add") == 0) {
		return LIFE_ACTION_ADD;
	}
	if (strcmp(s, "OBSERVE") == 0 || strcmp(s, "observe") == 0) {
		return LIFE_ACTION_OBSERVE;
	}
	if (strcmp(s, "DELETE") == 0 || strcmp(s, "delete") == 0) {
		return LIFE_ACTION_DELETE;
	}
	return (enum life_action) - 1;
}

/* Capture ev in its own transaction and print the outcome. */
static int
capture_one(const struct cli_cmd *self, const char *data, const struct life_event *ev)
{
	struct reg_opts ro;
	struct reg *r = NULL;
	struct reg_wtxn *w = NULL;
	enum reg_outcome oc = REG_CREATED;
	char id[LIFE_HASH_LEN], err[LIFE_ERR_LEN] = "";
	int rc;

	memset(&ro, 0, sizeof(ro));
	if ((rc = cli_open(self->name, cli_data_dir(data), false, &ro, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	if (rc == IDR_OK) {
		rc = life_capture(w, ev, id, &oc, err, sizeof(err));
		rc = cli_write_end(w, rc);
	}
	reg_close(r);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s", err[0] != '\0' ? err : idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	printf("%s %s\n", oc == REG_CREATED ? "captured" : "unchanged (captured before)", id);
	return CLI_EXIT_OK;
}

int
event_add_run(const struct cli_cmd *self, int argc, char **argv)
{
	struct add_args a;
	struct life_event ev;
	char *in[MAX_LIST] = {NULL}, *out[MAX_LIST] = {NULL}, *one[1] = {NULL};
	const char *vin[MAX_LIST], *vout[MAX_LIST], *vone[1];
	char *parent = NULL, *rp = NULL;
	int nin = 0, nout = 0, rc, ex = CLI_EXIT_FAIL;

	memset(&a, 0, sizeof(a));
	rc = add_parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	memset(&ev, 0, sizeof(ev));
	if (a.has_time) {
		ev.event_time = a.when;
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ev.event_time.ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		ev.event_time.tz_min = (int16_t)a.tz_min;
	}
	ev.biz_step = a.biz_step;
	ev.disposition = a.disposition;
	ev.action = action_of(a.action);
	if ((int)ev.action < 0) {
		return cli_usage_errorf(self, "--action: ADD, OBSERVE or DELETE");
	}
	one[0] = as_uri(a.node, a.id);
	rp = a.read_point != NULL ? as_uri(a.node, a.read_point) : NULL;
	ev.read_point = rp;
	if (a.parent != NULL) {
		parent = as_uri(a.node, a.parent);
		ev.type = LIFE_AGGREGATION;
		ev.parent_id = parent;
		vone[0] = one[0];
		ev.child_epcs.v = vone;
		ev.child_epcs.n = 1;
		if (ev.action == LIFE_ACTION_NONE) {
			ev.action = LIFE_ACTION_ADD;
		}
	} else if (a.inputs != NULL) {
		nin = uri_list(a.node, a.inputs, in, MAX_LIST);
		nout = a.outputs != NULL ? uri_list(a.node, a.outputs, out, MAX_LIST) : 0;
		if (nin <= 0 || nout < 0) {
			cli_usage_errorf(self, "--input/--output: comma-separated identifiers");
			goto done;
		}
		if (nout == 0) { /* ID is what was made */
			out[0] = strdup(one[0] != NULL ? one[0] : "");
			nout = 1;
		}
		ev.type = LIFE_TRANSFORMATION;
		ev.action = LIFE_ACTION_NONE;
		for (int i = 0; i < nin; i++) {
			vin[i] = in[i];
		}
		for (int i = 0; i < nout; i++) {
			vout[i] = out[i];
		}
		ev.input_epcs.v = vin;
		ev.input_epcs.n = (size_t)nin;
		ev.output_epcs.v = vout;
		ev.output_epcs.n = (size_t)nout;
	} else {
		ev.type = LIFE_OBJECT;
		vone[0] = one[0];
		ev.epcs.v = vone;
		ev.epcs.n = 1;
		if (ev.action == LIFE_ACTION_NONE) {
			ev.action = a.biz_step != NULL && strcmp(a.biz_step, "commissioning") == 0
			                    ? LIFE_ACTION_ADD
			                    : LIFE_ACTION_OBSERVE;
		}
	}
	if (one[0] == NULL || (a.parent != NULL && parent == NULL) ||
	    (a.read_point != NULL && rp == NULL)) {
		cli_errorf(self->name, "out of memory");
		goto done;
	}
	ex = capture_one(self, a.data, &ev);
done:
	for (int i = 0; i < MAX_LIST; i++) {
		free(in[i]);
		free(out[i]);
	}
	free(one[0]);
	free(parent);
	free(rp);
	return ex;
}

int
event_import_run(const struct cli_cmd *self, int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *data = NULL;
	struct life_doc doc;
	struct reg_opts ro;
	struct reg *r = NULL;
	struct reg_wtxn *w = NULL;
	char err[LIFE_ERR_LEN], *text = NULL;
	size_t len, created = 0, unchanged = 0, bad = 0;
	FILE *f;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'h') {
			return cli_help(self);
		} else {
			return cli_bad_option(self, c, argv);
		}
	}
	if (argc - optind != 1) {
		return cli_usage_errorf(self,
		                        "usage: idr event import FILE (an EPCIS 2.0 document)");
	}
	f = strcmp(argv[optind], "-") == 0 ? stdin : fopen(argv[optind], "rb");
	if (f == NULL) {
		cli_errorf(self->name, "%s: cannot open", argv[optind]);
		return CLI_EXIT_FAIL;
	}
	text = malloc(LIFE_MAX_DOC + 1);
	len = text != NULL ? fread(text, 1, LIFE_MAX_DOC + 1, f) : 0;
	if (f != stdin) {
		fclose(f);
	}
	if (text == NULL || len > LIFE_MAX_DOC) {
		cli_errorf(self->name, "%s: %s", argv[optind],
		           text == NULL ? "out of memory" : "larger than 8 MiB");
		free(text);
		return CLI_EXIT_FAIL;
	}
	rc = life_doc_parse(text, len, &doc, err, sizeof(err));
	free(text);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", argv[optind], err);
		return CLI_EXIT_FAIL;
	}
	memset(&ro, 0, sizeof(ro));
	if ((rc = cli_open(self->name, cli_data_dir(data), false, &ro, &r)) != CLI_EXIT_OK) {
		life_doc_free(&doc);
		return rc;
	}
	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	for (size_t i = 0; rc == IDR_OK && i < doc.n; i++) {
		enum reg_outcome oc;
		int one = life_capture(w, &doc.ev[i], NULL, &oc, err, sizeof(err));

		if (one == IDR_OK) {
			oc == REG_CREATED ? created++ : unchanged++;
		} else if (reg_write_status(w) == IDR_OK) {
			fprintf(stderr, "%s: eventList[%zu]: %s\n", argv[optind], i, err);
			bad++; /* a rule broken: nothing of it was stored, the others go on */
		} else {
			rc = one;
		}
	}
	if (w != NULL) {
		rc = cli_write_end(w, rc);
	}
	reg_close(r);
	life_doc_free(&doc);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", argv[optind], idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	printf("%zu captured, %zu unchanged, %zu bad events\n", created, unchanged, bad);
	return bad > 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
