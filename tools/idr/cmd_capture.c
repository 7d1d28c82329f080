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
#include <strings.h>
#include <time.h>

#include "common/cli.h"
#include "common/evcsv.h"
#include "common/rcmd.h"
#include "common/revt.h"
#include "common/rmt.h"
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
	struct rmt_opts remote;
};

/* An identifier as a URI: a handle becomes node/handle; a URI (has "://" or "urn:") stays. */
static char *
as_uri(const char *node, const char *id)
{
	return evcsv_uri(node, id);
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

static bool
http_url(const char *s)
{
	return s != NULL && (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0);
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
	        RMT_LONGOPTS,
	        {NULL, 0, NULL, 0},
	};
	const char *why = NULL;
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
			if (rmt_opt_take(&a->remote, c, optarg)) {
				break;
			}
			return cli_bad_option(self, c, argv);
		}
	}
	if (argc - optind != 1) {
		return cli_usage_errorf(self, "usage: idr event add ID --biz-step STEP [options]");
	}
	if (rmt_opts_check(&a->remote, a->data != NULL, &why) != IDR_OK) {
		return cli_usage_errorf(self, "%s", why);
	}
	a->id = argv[optind];
	if (a->parent != NULL && (a->inputs != NULL || a->outputs != NULL)) {
		return cli_usage_errorf(self, "--parent (packing) and --input/--output (a "
		                              "transformation) do not go together");
	}
	if (a->outputs != NULL && a->inputs == NULL) {
		return cli_usage_errorf(self, "--output needs --input");
	}
	if (!http_url(a->node)) {
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

/*
 * Send ev to the node of o and print the outcome: recorded for item (a URI) when that is a
 * handle the event names, else through POST /events.
 */
static int
send_one(const struct cli_cmd *self, const struct rmt_opts *o, const char *item,
         const struct life_event *ev)
{
	char h[IDENT_HARD_MAX + 1], msg[REVT_MSG_MAX];
	struct rmt_cred *cred = NULL;
	struct rmt *r = NULL;
	struct revt_added got;
	int rc;

	if (rcmd_open(self->name, o, &cred, &r) != CLI_EXIT_OK) {
		return CLI_EXIT_FAIL;
	}
	rc = revt_add(r, item != NULL && life_uri_handle(item, h, sizeof(h)) > 0 ? h : NULL, ev,
	              &got, msg, sizeof(msg));
	rmt_free(r);
	rmt_cred_free(cred);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s", msg);
		return CLI_EXIT_FAIL;
	}
	printf("%s %s\n", got.created ? "captured" : "unchanged (captured before)", got.id);
	return CLI_EXIT_OK;
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
	if (a.remote.node != NULL) { /* with --output, ID itself may not be in the event */
		ex = send_one(self, &a.remote, a.outputs == NULL ? one[0] : NULL, &ev);
	} else {
		ex = capture_one(self, a.data, &ev);
	}
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

struct import_args {
	const char *data, *node_url, *file;
	bool csv;
	uint64_t batch;
	struct rmt_opts remote;
};

static int
import_parse(const struct cli_cmd *self, int argc, char **argv, struct import_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"csv", no_argument, NULL, 'c'},
	        {"batch", required_argument, NULL, 'B'},
	        {"node-url", required_argument, NULL, 'n'},
	        {"help", no_argument, NULL, 'h'},
	        RMT_LONGOPTS,
	        {NULL, 0, NULL, 0},
	};
	const char *why = NULL, *dot;
	int c, rc = CLI_EXIT_OK;

	a->node_url = DEFAULT_NODE;
	a->batch = REVT_BATCH_DEFAULT;
	cli_getopt_reset();
	while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'd') {
			a->data = optarg;
		} else if (c == 'c') {
			a->csv = true;
		} else if (c == 'B') {
			rc = cli_parse_u64(self, "--batch", optarg, 1, LIFE_MAX_EVENTS, &a->batch);
		} else if (c == 'n') {
			a->node_url = optarg;
		} else if (c == 'h') {
			return -1;
		} else if (!rmt_opt_take(&a->remote, c, optarg)) {
			return cli_bad_option(self, c, argv);
		}
	}
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (argc - optind != 1) {
		return cli_usage_errorf(self,
		                        "usage: idr event import FILE (an EPCIS 2.0 document, "
		                        "or CSV rows: FILE.csv or --csv)");
	}
	if (rmt_opts_check(&a->remote, a->data != NULL, &why) != IDR_OK) {
		return cli_usage_errorf(self, "%s", why);
	}
	if (!http_url(a->node_url)) {
		return cli_usage_errorf(self,
		                        "--node-url: an http(s) URL such as https://idr.example");
	}
	a->file = argv[optind];
	dot = strrchr(a->file, '.');
	a->csv = a->csv || (dot != NULL && strcasecmp(dot, ".csv") == 0);
	return CLI_EXIT_OK;
}

/* The whole file (at most LIFE_MAX_DOC bytes) into *text. */
static int
read_file(const struct cli_cmd *self, const char *path, char **text, size_t *len)
{
	FILE *f = path == NULL ? NULL : strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;

	if (f == NULL) {
		cli_errorf(self->name, "%s: cannot open", path != NULL ? path : "");
		return CLI_EXIT_FAIL;
	}
	buf = malloc(LIFE_MAX_DOC + 1);
	*len = buf != NULL ? fread(buf, 1, LIFE_MAX_DOC + 1, f) : 0;
	if (f != stdin) {
		fclose(f);
	}
	if (buf == NULL || *len > LIFE_MAX_DOC) {
		cli_errorf(self->name, "%s: %s", path,
		           buf == NULL ? "out of memory" : "larger than 8 MiB");
		free(buf);
		return CLI_EXIT_FAIL;
	}
	*text = buf;
	return CLI_EXIT_OK;
}

struct report_ctx {
	const char *file;
};

static void
report_row(void *arg, const char *msg)
{
	const struct report_ctx *c = arg;

	fprintf(stderr, "%s: %s\n", c->file, msg);
}

/* The events of the file: a document, or CSV rows (line[] set). */
static int
load_events(const struct cli_cmd *self, const struct import_args *a, struct evcsv_doc *out)
{
	char err[EVCSV_ERR_LEN], *text = NULL;
	struct report_ctx rc_ctx = {a->file};
	struct timespec ts;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_file(self, a->file, &text, &len)) != CLI_EXIT_OK) {
		return rc;
	}
	if (a->csv) {
		clock_gettime(CLOCK_REALTIME, &ts);
		rc = evcsv_parse(text, len, a->node_url,
		                 (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, report_row,
		                 &rc_ctx, out, err, sizeof(err));
		free(text);
		if (rc == IDR_EPROTO) {
			cli_errorf(self->name, "%s: bad rows, nothing captured", a->file);
		} else if (rc != IDR_OK) {
			cli_errorf(self->name, "%s: %s", a->file, err);
		}
		return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	rc = life_doc_parse(text, len, &out->doc, err, sizeof(err));
	free(text);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->file, err);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/*
 * Capture the events in one transaction. A document's events that break a rule are reported
 * and skipped; CSV rows were all checked, so any failure there rolls the whole file back.
 */
static int
import_local(const struct cli_cmd *self, const struct import_args *a, const struct evcsv_doc *d)
{
	const struct life_doc *doc = &d->doc;
	struct reg_opts ro;
	struct reg *r = NULL;
	struct reg_wtxn *w = NULL;
	char err[LIFE_ERR_LEN];
	size_t created = 0, unchanged = 0, bad = 0;
	int rc;

	memset(&ro, 0, sizeof(ro));
	if ((rc = cli_open(self->name, cli_data_dir(a->data), false, &ro, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	for (size_t i = 0; rc == IDR_OK && i < doc->n; i++) {
		enum reg_outcome oc;
		int one = life_capture(w, &doc->ev[i], NULL, &oc, err, sizeof(err));

		if (one == IDR_OK) {
			oc == REG_CREATED ? created++ : unchanged++;
		} else if (reg_write_status(w) == IDR_OK && d->line == NULL) {
			fprintf(stderr, "%s: eventList[%zu]: %s\n", a->file, i, err);
			bad++; /* a rule broken: nothing of it was stored, the others go on */
		} else {
			if (d->line != NULL && reg_write_status(w) == IDR_OK) {
				fprintf(stderr, "%s: line %llu: %s\n", a->file,
				        (unsigned long long)d->line[i], err);
			}
			rc = one;
		}
	}
	if (w != NULL) {
		rc = cli_write_end(w, rc);
	}
	reg_close(r);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s%s", a->file, idr_strerror(rc),
		           d->line != NULL ? ", nothing captured" : "");
		return CLI_EXIT_FAIL;
	}
	printf("%zu captured, %zu unchanged, %zu bad events\n", created, unchanged, bad);
	return bad > 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* Send the events to the node in documents of a->batch events. */
static int
import_remote(const struct cli_cmd *self, const struct import_args *a, const struct evcsv_doc *d)
{
	const struct life_doc *doc = &d->doc;
	struct rmt_cred *cred = NULL;
	struct rmt *r = NULL;
	struct revt_sent sent;
	char msg[REVT_MSG_MAX];
	int rc;

	if (rcmd_open(self->name, &a->remote, &cred, &r) != CLI_EXIT_OK) {
		return CLI_EXIT_FAIL;
	}
	rc = revt_capture(r, doc->ev, doc->n, doc->n > 0 ? doc->ev[0].ns : NULL, (size_t)a->batch,
	                  d->line, &sent, msg, sizeof(msg));
	rmt_free(r);
	rmt_cred_free(cred);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->file, msg);
		return CLI_EXIT_FAIL;
	}
	printf("%zu events captured in %zu documents\n", sent.captured, sent.docs);
	return CLI_EXIT_OK;
}

int
event_import_run(const struct cli_cmd *self, int argc, char **argv)
{
	struct import_args a;
	struct evcsv_doc d;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = import_parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if ((rc = load_events(self, &a, &d)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = a.remote.node != NULL ? import_remote(self, &a, &d) : import_local(self, &a, &d);
	evcsv_free(&d);
	return rc;
}
