/*
 * cmd_federation.c - `idr federation status --node URL`: a node's place in the hierarchy, read
 * from its GET /healthz (a secondary's upward registration and reports, fed/fup.h) and GET
 * /api/v1/nodes (a top level's nodes with their heartbeat, state and report totals).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/httpc.h"
#include "common/cli.h"
#include "idr/cmd.h"

#define FED_BODY_MAX (8u << 20)

struct fed_args {
	const char *node;
	const char *cacert;
	bool insecure;
	bool json;
	int nargs;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct fed_args *a)
{
	static const struct option longopts[] = {
	        {"node", required_argument, NULL, 'n'}, {"cacert", required_argument, NULL, 'c'},
	        {"insecure", no_argument, NULL, 'k'},   {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":hk", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			a->node = optarg;
			break;
		case 'c':
			a->cacert = optarg;
			break;
		case 'k':
			a->insecure = true;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	a->nargs = argc - optind;
	return CLI_EXIT_OK;
}

/* GET path; the body parsed as JSON when it is JSON (NULL otherwise). @return the status or -1. */
static int
get_json(struct httpc *h, const char *path, json_t **out, const char *cmd)
{
	struct httpc_req req;
	struct httpc_resp resp;

	*out = NULL;
	memset(&req, 0, sizeof(req));
	req.method = HTTPC_GET;
	req.path = path;
	if (httpc_request(h, &req, &resp) != IDR_OK) {
		cli_errorf(cmd, "%s", httpc_errmsg(h));
		return -1;
	}
	if (resp.content_type != NULL && strstr(resp.content_type, "json") != NULL) {
		*out = json_loadb((const char *)resp.body.p, resp.body.len, 0, NULL);
	}
	return resp.status;
}

static const char *
str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : dflt;
}

static long long
num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void
print_upstream(const json_t *health)
{
	const json_t *up = json_object_get(health, "upstream");
	const json_t *rep = json_object_get(health, "reports");

	printf("upstream %s: %s", str(up, "toplevel", "?"),
	       json_is_true(json_object_get(up, "registered")) ? "registered" : "NOT registered");
	if (json_is_integer(json_object_get(up, "serial"))) {
		printf(", serial %lld", num(up, "serial"));
	}
	if (json_is_string(json_object_get(up, "registered_at"))) {
		printf(", last checked %s", str(up, "registered_at", ""));
	}
	printf("\n");
	if (json_is_string(json_object_get(up, "error"))) {
		printf("  error: %s\n", str(up, "error", ""));
	}
	if (json_is_string(json_object_get(up, "next_try"))) {
		printf("  next try: %s\n", str(up, "next_try", ""));
	}
	if (!json_is_string(json_object_get(rep, "url"))) {
		printf("reports: off (no toplevel_http)\n");
		return;
	}
	printf("reports to %s every %lld s: ", str(rep, "url", "?"), num(rep, "interval"));
	if (json_is_integer(json_object_get(rep, "last_acked_period"))) {
		printf("last acknowledged period %lld at %s", num(rep, "last_acked_period"),
		       str(rep, "last_report", "?"));
	} else {
		printf("none acknowledged yet");
	}
	printf(", %lld pending\n", num(rep, "pending"));
	if (json_is_string(json_object_get(rep, "error"))) {
		printf("  error: %s\n", str(rep, "error", ""));
	}
}

static void
print_nodes(const json_t *nodes)
{
	size_t i;
	const json_t *n;

	printf("%-16s %-5s %-21s %6s %8s %8s %8s %8s %12s\n", "NODE", "STATE", "HEARTBEAT",
	       "SERIAL", "REPORTS", "CREATES", "UPDATES", "DELETES", "RESOLUTIONS");
	json_array_foreach(nodes, i, n)
	{
		const json_t *t = json_object_get(json_object_get(n, "report"), "totals");
		char serial[24] = "-";

		if (json_is_integer(json_object_get(n, "serial"))) {
			snprintf(serial, sizeof(serial), "%lld", num(n, "serial"));
		}
		printf("%-16s %-5s %-21s %6s %8lld %8lld %8lld %8lld %12lld\n",
		       str(n, "prefix", "?"), str(n, "state", "?"), str(n, "heartbeat", "-"),
		       serial, num(t, "reports"), num(t, "creates"), num(t, "updates"),
		       num(t, "deletes"), num(t, "resolutions"));
	}
}

static int
status(const struct cli_cmd *self, const struct fed_args *a)
{
	struct httpc_opts o;
	struct httpc_base base;
	struct httpc *h = NULL;
	const char *why = NULL;
	json_t *health = NULL, *nodes = NULL;
	int hs, ns, rc = CLI_EXIT_OK;

	if (httpc_base_parse(a->node, 80, &base, &why) != IDR_OK) {
		return cli_usage_errorf(self, "--node %s: %s", a->node,
		                        why != NULL ? why : "bad URL");
	}
	memset(&o, 0, sizeof(o));
	o.cacert = a->cacert;
	o.insecure = a->insecure;
	o.max_body = FED_BODY_MAX;
	if (httpc_new(&h, &base, &o) != IDR_OK) {
		cli_errorf(self->name, "out of memory");
		return CLI_EXIT_FAIL;
	}
	hs = get_json(h, "/healthz", &health, self->name);
	ns = hs < 0 ? -1 : get_json(h, "/api/v1/nodes", &nodes, self->name);
	if (hs < 0 || ns < 0) {
		rc = CLI_EXIT_FAIL;
	} else if (a->json) {
		json_t *all = json_pack("{s:O?,s:O?}", "health", health, "nodes",
		                        ns == 200 ? json_object_get(nodes, "nodes") : NULL);
		char *text = all != NULL ? json_dumps(all, JSON_COMPACT) : NULL;

		printf("%s\n", text != NULL ? text : "{}");
		free(text);
		json_decref(all);
	} else {
		printf("node %s: %s\n", base.url, hs == 200 ? "serving" : "NOT serving");
		if (json_is_object(json_object_get(health, "upstream"))) {
			print_upstream(health);
		}
		if (ns == 200 && json_is_array(json_object_get(nodes, "nodes"))) {
			printf("top level: %zu nodes\n",
			       json_array_size(json_object_get(nodes, "nodes")));
			print_nodes(json_object_get(nodes, "nodes"));
		} else if (!json_is_object(json_object_get(health, "upstream"))) {
			printf("no federation role here: not a top level, no upward link "
			       "(toplevel and node_key)\n");
		}
	}
	json_decref(health);
	json_decref(nodes);
	httpc_free(h);
	return rc;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct fed_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	if (argc < 2) {
		return cli_usage_errorf(self, "missing subcommand (status)");
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		return cli_help(self);
	}
	rc = parse(self, argc - 1, argv + 1, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if (strcmp(argv[1], "status") != 0) {
		return cli_usage_errorf(self, "unknown subcommand '%s' (status)", argv[1]);
	}
	if (a.node == NULL || a.nargs != 0) {
		return cli_usage_errorf(self, "usage: idr federation status --node URL [--json]");
	}
	return status(self, &a);
}

const struct cli_cmd cmd_federation = {
        "federation",
        "a node's place in the hierarchy: upward registration, reports, nodes",
        "usage: idr federation status --node URL [--json] [--cacert FILE] [--insecure]\n"
        "\n"
        "status  on a secondary node: its upward registration at the top level (registered,\n"
        "        HS_SITE serial, error, next try) and its reports (last acknowledged period,\n"
        "        pending); on a top level: every node with its state (up, late, down),\n"
        "        heartbeat (last report) and report totals. Reads GET /healthz and\n"
        "        GET /api/v1/nodes of the node.\n"
        "\n"
        "options:\n"
        "  --node URL     the node's HTTP API: http[s]://HOST:PORT\n"
        "  --json         one JSON object {\"health\":..., \"nodes\":[...]}\n"
        "  --cacert FILE  CA certificates to verify an https node with\n"
        "  --insecure     do not verify the node's certificate\n",
        run,
};
