/*
 * cmd_trace.c - `idr trace` and `idr events`: an item's lifecycle from the local data
 * directory — the link graph walked back (what it is made of, where its parts came from) or
 * forward (where a part or lot went), and its timeline of events.
 *
 * Identifiers are looked up as the registry keys them: a handle folded to upper case (ASCII),
 * anything else (an EPC URN) as given.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cli.h"
#include "idr/cmd.h"
#include "life/capture.h"
#include "life/event.h"
#include "model/ident.h"
#include "model/rec.h"
#include "model/vjson.h"
#include "reg.h"

enum trace_format { FMT_TREE = 0, FMT_JSON, FMT_DOT };

struct trace_args {
	const char *data;
	const char *id;
	enum reg_trace_dir dir;
	uint64_t depth, max;
	int64_t at_ms, from_ms, to_ms;
	uint64_t limit;
	enum trace_format fmt;
	bool json;
};

/* ISO-8601 time (as the JSON API writes it) into milliseconds. */
static int
time_opt(const struct cli_cmd *self, const char *name, const char *s, int64_t *out)
{
	uint32_t t;

	if (vjson_time_parse(s, strlen(s), &t) != IDR_OK) {
		return cli_usage_errorf(self, "%s: a time such as 2024-02-01T10:00:00Z", name);
	}
	*out = (int64_t)t * 1000;
	return CLI_EXIT_OK;
}

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct trace_args *a, bool trace)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"back", no_argument, NULL, 'b'},
	        {"forward", no_argument, NULL, 'f'},
	        {"depth", required_argument, NULL, 'D'},
	        {"max", required_argument, NULL, 'M'},
	        {"at", required_argument, NULL, 'a'},
	        {"format", required_argument, NULL, 'F'},
	        {"from", required_argument, NULL, 'r'},
	        {"to", required_argument, NULL, 't'},
	        {"limit", required_argument, NULL, 'l'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c, rc = CLI_EXIT_OK;

	a->depth = 16;
	a->max = 10000;
	a->at_ms = INT64_MAX;
	a->from_ms = INT64_MIN;
	a->to_ms = INT64_MAX;
	cli_getopt_reset();
	while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (!trace && strchr("bfDMaF", c) != NULL) {
			return cli_bad_option(self, c, argv);
		}
		if (trace && strchr("rtlj", c) != NULL) {
			return cli_bad_option(self, c, argv);
		}
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'b':
		case 'f':
			if (a->dir != 0) {
				return cli_usage_errorf(self, "give one of --back and --forward");
			}
			a->dir = c == 'b' ? REG_TRACE_BACK : REG_TRACE_FORWARD;
			break;
		case 'D':
			rc = cli_parse_u64(self, "--depth", optarg, 1, REG_TRACE_MAX_DEPTH,
			                   &a->depth);
			break;
		case 'M':
			rc = cli_parse_u64(self, "--max", optarg, 1, 1000000, &a->max);
			break;
		case 'l':
			rc = cli_parse_u64(self, "--limit", optarg, 1, 1000000, &a->limit);
			break;
		case 'a':
			rc = time_opt(self, "--at", optarg, &a->at_ms);
			break;
		case 'r':
			rc = time_opt(self, "--from", optarg, &a->from_ms);
			break;
		case 't':
			rc = time_opt(self, "--to", optarg, &a->to_ms);
			break;
		case 'j':
			a->json = true;
			break;
		case 'F':
			if (strcmp(optarg, "tree") == 0) {
				a->fmt = FMT_TREE;
			} else if (strcmp(optarg, "json") == 0) {
				a->fmt = FMT_JSON;
			} else if (strcmp(optarg, "dot") == 0) {
				a->fmt = FMT_DOT;
			} else {
				return cli_usage_errorf(self, "--format: tree, json or dot");
			}
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (argc - optind != 1) {
		return cli_usage_errorf(self, argc - optind == 0 ? "missing the identifier"
		                                                 : "give exactly one identifier");
	}
	if (trace && a->dir == 0) {
		return cli_usage_errorf(self, "give --back or --forward");
	}
	a->id = argv[optind];
	return CLI_EXIT_OK;
}

/*
 * The registry key of an identifier (life/capture.h life_capture_subject: a handle, its URL,
 * its EPC URN or Digital Link alike); as given if it has none.
 */
static struct slice
key_of(struct reg_rtxn *t, const char *id, uint8_t *buf, size_t cap)
{
	int n = life_capture_subject(t, id, (char *)buf, cap);

	return n > 0 ? slice_make(buf, (size_t)n) : slice_cstr(id);
}

static const char *
link_name(enum reg_link_kind k)
{
	switch (k) {
	case REG_LINK_AGGREGATION:
		return "aggregation";
	case REG_LINK_TRANSFORMATION:
		return "transformation";
	case REG_LINK_ASSOCIATION:
		return "association";
	default:
		return "";
	}
}

struct out {
	struct reg_rtxn *t;
	const struct trace_args *a;
	size_t n;
	struct wbuf w;
};

/* A node as shown: the registered spelling and kind of a handle held here, else the key. */
static void
describe(struct out *o, struct slice node, struct slice *name, const char **kind)
{
	struct rec_view rec;

	*name = node;
	*kind = NULL;
	if (reg_get(o->t, node, &rec) == IDR_OK) {
		*name = rec.handle;
		*kind = rec.kind != REC_KIND_NONE ? rec_kind_name((enum rec_kind)rec.kind) : NULL;
	}
}

static int
on_step(void *arg, const struct reg_trace_step *st)
{
	struct out *o = arg;
	struct slice name;
	const char *kind;
	char hex[2 * REG_EVENT_ID_LEN + 1] = "";

	describe(o, st->node, &name, &kind);
	if (st->event_id != NULL) {
		static const char digits[] = "0123456789abcdef";

		for (size_t i = 0; i < REG_EVENT_ID_LEN; i++) {
			hex[2 * i] = digits[st->event_id[i] >> 4];
			hex[2 * i + 1] = digits[st->event_id[i] & 0xF];
		}
		hex[2 * REG_EVENT_ID_LEN] = '\0';
	}
	switch (o->a->fmt) {
	case FMT_TREE:
		printf("%*s%.*s", (int)(2 * st->depth), "", (int)name.len, (const char *)name.p);
		if (kind != NULL) {
			printf(" (%s)", kind);
		}
		if (st->depth > 0) {
			printf("  [%s]", link_name(st->kind));
		}
		putchar('\n');
		break;
	case FMT_JSON:
		wbuf_reset(&o->w);
		wbuf_cstr(&o->w, o->n == 0 ? "\n{\"id\":" : ",\n{\"id\":");
		(void)vjson_write_str(&o->w, name);
		wbuf_printf(&o->w, ",\"depth\":%u", st->depth);
		if (kind != NULL) {
			wbuf_lit(&o->w, ",\"kind\":");
			(void)vjson_write_str(&o->w, slice_cstr(kind));
		}
		if (st->depth > 0) {
			wbuf_lit(&o->w, ",\"parent\":");
			(void)vjson_write_str(&o->w, st->parent);
			wbuf_printf(&o->w, ",\"link\":\"%s\",\"event\":\"%s\"", link_name(st->kind),
			            hex);
		}
		wbuf_lit(&o->w, "}");
		fwrite(wbuf_data(&o->w), 1, wbuf_len(&o->w), stdout);
		break;
	case FMT_DOT:
		if (st->depth > 0) {
			wbuf_reset(&o->w);
			(void)vjson_write_str(&o->w, st->parent);
			wbuf_lit(&o->w, " -> ");
			(void)vjson_write_str(&o->w, st->node);
			wbuf_printf(&o->w, " [label=\"%s\"];\n", link_name(st->kind));
			fwrite(wbuf_data(&o->w), 1, wbuf_len(&o->w), stdout);
		}
		break;
	}
	o->n++;
	return 0;
}

static int
run_trace(const struct cli_cmd *self, int argc, char **argv)
{
	struct trace_args a;
	struct reg_opts ro;
	struct reg *r = NULL;
	struct out o;
	uint8_t kb[IDENT_HARD_MAX];
	bool truncated = false;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a, true);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	memset(&ro, 0, sizeof(ro));
	if ((rc = cli_open(self->name, cli_data_dir(a.data), true, &ro, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	memset(&o, 0, sizeof(o));
	o.a = &a;
	wbuf_init_heap(&o.w, 1 << 16);
	rc = reg_read_begin(r, &o.t);
	if (a.fmt == FMT_JSON) {
		printf("{\"root\":");
		wbuf_reset(&o.w);
		(void)vjson_write_str(&o.w, slice_cstr(a.id));
		fwrite(wbuf_data(&o.w), 1, wbuf_len(&o.w), stdout);
		printf(",\"direction\":\"%s\",\"nodes\":[",
		       a.dir == REG_TRACE_BACK ? "back" : "forward");
	} else if (a.fmt == FMT_DOT) {
		printf("digraph trace {\n");
	}
	if (rc == IDR_OK) {
		rc = reg_trace(o.t, key_of(o.t, a.id, kb, sizeof(kb)), a.dir, (unsigned)a.depth,
		               (size_t)a.max, a.at_ms, on_step, &o, &truncated);
	}
	if (a.fmt == FMT_JSON) {
		printf("\n],\"truncated\":%s}\n", truncated ? "true" : "false");
	} else if (a.fmt == FMT_DOT) {
		printf("}\n");
	} else if (truncated) {
		printf("(stopped at --max %" PRIu64 " nodes)\n", a.max);
	}
	reg_read_end(o.t);
	wbuf_deinit(&o.w);
	reg_close(r);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a.id, idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

struct evout {
	const struct trace_args *a;
	struct wbuf w;
};

/* A member of the stored event, or "" (for the summary line). */
static const char *
member(json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));

	return v != NULL ? v : "";
}

static int
on_event(void *arg, const struct reg_event_view *ev)
{
	struct evout *o = arg;
	struct life_time lt = {ev->time_ms, ev->tz_min};
	char when[LIFE_TIME_LEN];
	json_t *j;

	if (o->a->json) {
		fwrite(ev->doc.p, 1, ev->doc.len, stdout);
		putchar('\n');
		return 0;
	}
	life_time_format(lt, false, when);
	j = json_loadb((const char *)ev->doc.p, ev->doc.len, 0, NULL);
	printf("%s  %-20s %-8s %-14s %s\n", when, member(j, "type"), member(j, "action"),
	       member(j, "bizStep"), member(j, "disposition"));
	json_decref(j);
	return 0;
}

static int
run_events(const struct cli_cmd *self, int argc, char **argv)
{
	struct trace_args a;
	struct reg_opts ro;
	struct reg *r = NULL;
	struct reg_rtxn *t = NULL;
	struct evout o;
	uint8_t kb[IDENT_HARD_MAX];
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a, false);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	memset(&ro, 0, sizeof(ro));
	if ((rc = cli_open(self->name, cli_data_dir(a.data), true, &ro, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	o.a = &a;
	rc = reg_read_begin(r, &t);
	if (rc == IDR_OK) {
		rc = reg_events(t, key_of(t, a.id, kb, sizeof(kb)), a.from_ms, a.to_ms,
		                (size_t)a.limit, on_event, &o);
	}
	reg_read_end(t);
	reg_close(r);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a.id, idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

const struct cli_cmd cmd_trace = {
        "trace",
        "walk an item's links: what it is made of (--back) or where it went (--forward)",
        "usage: idr trace ID --back|--forward [--depth N] [--max N] [--at TIME]\n"
        "                 [--format tree|json|dot] [--data DIR]\n"
        "\n"
        "Walk the link graph the lifecycle events made (aggregation: a package or product\n"
        "contains its parts; transformation: an output was made from its inputs), breadth\n"
        "first, each item once. --back lists what ID is made of and where those came from;\n"
        "--forward lists where ID went (a lot's parts, the products they are in): a recall.\n"
        "--at TIME takes the packing as it was then (ISO 8601, e.g. 2024-02-01T10:00:00Z).\n"
        "\n"
        "options:\n"
        "  --depth N    levels at most (default 16, at most 64)\n"
        "  --max N      items at most (default 10000); the output says when it stopped there\n"
        "  --format F   tree (indented, with kinds), json, or dot (Graphviz)\n"
        "  --data DIR   data directory (default: $IDR_DATA, then ./idr-data)\n",
        run_trace,
};

const struct cli_cmd cmd_events = {
        "events",
        "list an item's lifecycle events in time order",
        "usage: idr events ID [--from TIME] [--to TIME] [--limit N] [--json] [--data DIR]\n"
        "\n"
        "The events recorded for ID, oldest first: time with its zone offset, then the\n"
        "event. --json prints each stored event document on a line of its own.\n"
        "\n"
        "options:\n"
        "  --from, --to TIME   only events at or after / before TIME (ISO 8601)\n"
        "  --limit N           at most N events\n"
        "  --data DIR          data directory (default: $IDR_DATA, then ./idr-data)\n",
        run_events,
};
