/*
 * cmd_events.c - `idr events ID --node URL`: an item's timeline read from a running node
 * (revt.h), printed as `idr events` prints the local one (cmd_trace.c); without --node the
 * local command runs.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cli.h"
#include "common/rcmd.h"
#include "common/revt.h"
#include "common/rmt.h"
#include "idr/cmd.h"
#include "life/event.h"
#include "model/vjson.h"

struct ev_args {
	const char *id, *from, *to;
	uint64_t limit;
	bool json;
	struct rmt_opts remote;
};

static bool
wants_node(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--node") == 0 || strncmp(argv[i], "--node=", 7) == 0) {
			return true;
		}
	}
	return false;
}

static int
time_ok(const struct cli_cmd *self, const char *name, const char *s)
{
	uint32_t t;

	if (vjson_time_parse(s, strlen(s), &t) != IDR_OK) {
		return cli_usage_errorf(self, "%s: a time such as 2024-02-01T10:00:00Z", name);
	}
	return CLI_EXIT_OK;
}

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct ev_args *a)
{
	static const struct option longopts[] = {
	        {"from", required_argument, NULL, 'r'},
	        {"to", required_argument, NULL, 't'},
	        {"limit", required_argument, NULL, 'l'},
	        {"json", no_argument, NULL, 'j'},
	        {"data", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        RMT_LONGOPTS,
	        {NULL, 0, NULL, 0},
	};
	const char *why = NULL;
	int c, rc = CLI_EXIT_OK;

	cli_getopt_reset();
	while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'r') {
			a->from = optarg;
			rc = time_ok(self, "--from", optarg);
		} else if (c == 't') {
			a->to = optarg;
			rc = time_ok(self, "--to", optarg);
		} else if (c == 'l') {
			rc = cli_parse_u64(self, "--limit", optarg, 1, 1000000, &a->limit);
		} else if (c == 'j') {
			a->json = true;
		} else if (c == 'd') {
			return cli_usage_errorf(self, "--data and --node: give one of them");
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
		return cli_usage_errorf(self, argc - optind == 0 ? "missing the identifier"
		                                                 : "give exactly one identifier");
	}
	a->id = argv[optind];
	/* reading needs no identity; one given is checked as the writing commands check it */
	if ((a->remote.id != NULL || a->remote.key_file != NULL || a->remote.secret_file != NULL) &&
	    rmt_opts_check(&a->remote, false, &why) != IDR_OK) {
		return cli_usage_errorf(self, "%s", why);
	}
	return CLI_EXIT_OK;
}

static const char *
member(const json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s != NULL ? s : "";
}

/* One event as the local command prints it. */
static int
on_event(void *arg, const json_t *ev)
{
	const struct ev_args *a = arg;
	const char *t = json_string_value(json_object_get(ev, "eventTime"));
	char when[LIFE_TIME_LEN];
	struct life_time lt;

	if (a->json) {
		char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (s == NULL) {
			return 1;
		}
		printf("%s\n", s);
		free(s);
		return 0;
	}
	if (t != NULL && life_time_parse(t, strlen(t), &lt) == IDR_OK) {
		life_time_format(lt, false, when);
	} else {
		snprintf(when, sizeof(when), "%s", "?");
	}
	printf("%s  %-20s %-8s %-14s %s\n", when, member(ev, "type"), member(ev, "action"),
	       member(ev, "bizStep"), member(ev, "disposition"));
	return 0;
}

static int
run_remote(const struct cli_cmd *self, int argc, char **argv)
{
	struct ev_args a;
	struct rmt_cred *cred = NULL;
	struct rmt *r = NULL;
	char msg[REVT_MSG_MAX], err[RMT_ERR_MAX];
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if (a.remote.id != NULL) {
		rc = rcmd_open(self->name, &a.remote, &cred, &r);
	} else if (rmt_new(&r, &a.remote, NULL, err, sizeof(err)) != IDR_OK) {
		cli_errorf(self->name, "%s", err);
		rc = CLI_EXIT_FAIL;
	}
	if (rc != CLI_EXIT_OK) {
		return CLI_EXIT_FAIL;
	}
	rc = revt_events(r, a.id, a.from, a.to, a.limit, cred != NULL, on_event, &a, msg,
	                 sizeof(msg));
	rmt_free(r);
	rmt_cred_free(cred);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a.id, msg);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	if (!wants_node(argc, argv)) {
		for (int i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
				return cli_help(self);
			}
		}
		return cmd_events.run(&cmd_events, argc, argv);
	}
	return run_remote(self, argc, argv);
}

/* `idr events`, local (cmd_events of cmd_trace.c) or remote. */
const struct cli_cmd cmd_events_any = {
        "events",
        "list an item's lifecycle events in time order",
        "usage: idr events ID [--from TIME] [--to TIME] [--limit N] [--json]\n"
        "                 [--data DIR | --node URL [--id INDEX:HANDLE --key FILE]]\n"
        "\n"
        "The events recorded for ID, oldest first: time with its zone offset, then the\n"
        "event. --json prints each event document on a line of its own. With --node the\n"
        "timeline is read from a running node (GET /api/v1/items/{handle}/events, or\n"
        "GET /events?MATCH_anyEPC= for other identifiers), page by page; no identity is\n"
        "needed to read. A node names its handles https://<the host it was reached as>/...\n"
        "in --json output.\n"
        "\n"
        "options:\n"
        "  --from, --to TIME   only events at or after / before TIME (ISO 8601)\n"
        "  --limit N           at most N events\n"
        "  --data DIR          data directory (default: $IDR_DATA, then ./idr-data)\n"
        "\n" RMT_HELP,
        run,
};
