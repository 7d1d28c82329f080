/*
 * cmd_node.c - `idr node add|list|takeover|release` on a top level (role toplevel): onboard
 * secondary nodes (fed/node.h), take one over (fed/takeover.h), in the local store or, with
 * --node, on a running top level over HTTPS (http/api_nodes.h). Both forms build and word
 * the same operation (fed/nodeop.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/b64.h"
#include "base/crypto.h"
#include "base/wbuf.h"
#include "common/cli.h"
#include "common/rcmd.h"
#include "common/rmt.h"
#include "fed/backup.h"
#include "fed/node.h"
#include "fed/nodeop.h"
#include "idr/cmd.h"
#include "reg.h"
#include "repl.h"

#define SUBCOMMANDS "add, list, takeover or release"

struct node_args {
	const char *data;
	const char *key;
	const char *node_key;
	const char *site;
	const char *owner;
	bool json;
	struct rmt_opts remote;
	int nargs;
	char **args;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct node_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"node-key", required_argument, NULL, 'n'},
	        {"site", required_argument, NULL, 's'},
	        {"owner", required_argument, NULL, 'o'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        RMT_LONGOPTS,
	        {NULL, 0, NULL, 0},
	};
	const char *why;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'n':
			a->node_key = optarg;
			break;
		case 's':
			a->site = optarg;
			break;
		case 'o':
			a->owner = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			return -1;
		case RMT_OPT_KEY:
			a->key =
			        optarg; /* the node's key locally; the identity's key with --node */
			break;
		default:
			if (rmt_opt_take(&a->remote, c, optarg)) {
				break;
			}
			return cli_bad_option(self, c, argv);
		}
	}
	a->nargs = argc - optind;
	a->args = argv + optind;
	if (a->remote.node != NULL) {
		a->remote.key_file = a->key;
	} else if (a->node_key == NULL) {
		a->node_key = a->key;
	}
	if (a->remote.node == NULL && a->key != NULL && a->node_key != a->key) {
		return cli_usage_errorf(self, "--key and --node-key both name the node's key: "
		                              "give one");
	}
	if (a->remote.node == NULL && a->remote.id == NULL && a->remote.secret_file == NULL &&
	    a->remote.cacert == NULL && !a->remote.insecure) {
		return CLI_EXIT_OK;
	}
	if (rmt_opts_check(&a->remote, a->data != NULL, &why) != IDR_OK) {
		return cli_usage_errorf(self, "%s", why);
	}
	return CLI_EXIT_OK;
}

/* The outcome of op (rc) as the command prints it. */
static int
report(const struct cli_cmd *self, struct nodeop *op, int rc)
{
	const char *msg = nodeop_message(op, rc);

	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s", msg);
		return CLI_EXIT_FAIL;
	}
	printf("%s\n", msg);
	return CLI_EXIT_OK;
}

/* Does the top level in data hold a backup copy of prefix (data/backup/PREFIX)? */
static bool
copy_seq(const char *data, struct slice prefix, uint64_t *seq)
{
	char dir[4096];
	struct reg_opts o = {.read_only = true};
	struct jrn_head h;
	struct reg *r = NULL;
	bool ok;

	if (snprintf(dir, sizeof(dir), "%s/" FED_BACKUP_DIR "/%.*s", data, (int)prefix.len,
	             (const char *)prefix.p) >= (int)sizeof(dir)) {
		return false;
	}
	o.data_dir = dir;
	ok = reg_open(&r, &o) == IDR_OK && repl_head(r, &h) == IDR_OK;
	if (ok) {
		*seq = h.seq;
	}
	reg_close(r);
	return ok;
}

/* The operation a->args[0] of kind, from the options (shared by the local and remote forms). */
static int
build(const struct cli_cmd *self, struct node_args *a, enum nodeop_kind kind, struct nodeop *op)
{
	struct wbuf key;
	int rc;

	if (nodeop_init(op, kind, slice_cstr(a->args[0]), (uint32_t)time(NULL)) != IDR_OK) {
		return cli_usage_errorf(self, "%s", op->msg);
	}
	if (a->site != NULL && kind != NODEOP_RELEASE && nodeop_set_site(op, a->site) != IDR_OK) {
		return cli_usage_errorf(self, "--site: %s", op->msg);
	}
	if (a->owner != NULL && nodeop_set_owner(op, slice_cstr(a->owner)) != IDR_OK) {
		return cli_usage_errorf(self, "--owner: %s", op->msg);
	}
	if (kind != NODEOP_ADD) {
		return CLI_EXIT_OK;
	}
	wbuf_init_heap(&key, NODEOP_KEY_MAX);
	rc = crypto_hs_pubkey_file(a->node_key, &key);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s %s: %s", a->remote.node != NULL ? "--node-key" : "--key",
		           a->node_key, idr_strerror(rc));
		wbuf_deinit(&key);
		return CLI_EXIT_FAIL;
	}
	rc = nodeop_set_key(op, wbuf_slice(&key));
	wbuf_deinit(&key);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s", op->msg);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* add, takeover or release in the local store. */
static int
local_op(const struct cli_cmd *self, struct node_args *a, struct nodeop *op)
{
	struct reg_wtxn *w = NULL;
	struct reg *r = NULL;
	uint64_t seq;
	int rc;

	if ((rc = cli_open(self->name, cli_data_dir(a->data), false, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	if (reg_node_prefix(r) != NULL) {
		snprintf(op->top, sizeof(op->top), "%s", reg_node_prefix(r));
	}
	op->backup = copy_seq(cli_data_dir(a->data), slice_cstr(op->prefix), &seq);
	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	if (rc == IDR_OK) {
		rc = nodeop_apply(op, w);
		rc = cli_write_end(w, rc);
	}
	rc = report(self, op, rc);
	reg_close(r);
	return rc;
}

/* The request path of op on the top level: /api/v1/nodes[/PREFIX/takeover|release]. */
static int
op_path(const struct nodeop *op, struct wbuf *w)
{
	wbuf_cstr(w, "/api/v1/nodes");
	if (op->kind == NODEOP_ADD) {
		return wbuf_error(w);
	}
	wbuf_cstr(w, "/");
	for (const char *c = op->prefix; *c != '\0'; c++) {
		if ((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= 'a' && *c <= 'z') || *c == '.' || *c == '-' || *c == '_') {
			wbuf_bytes(w, c, 1);
		} else {
			wbuf_printf(w, "%%%02X", (unsigned char)*c);
		}
	}
	wbuf_cstr(w, op->kind == NODEOP_TAKEOVER ? "/takeover" : "/release");
	return wbuf_error(w);
}

/* The request body of op (JSON; empty for a release). */
static int
op_body(const struct node_args *a, const struct nodeop *op, struct wbuf *w)
{
	json_t *j = json_object();
	struct wbuf k;
	char *text;
	int rc = IDR_OK;

	if (j == NULL) {
		return IDR_ENOMEM;
	}
	if (op->kind == NODEOP_ADD) {
		wbuf_init_heap(&k, 2 * NODEOP_KEY_MAX);
		b64_encode(&k, slice_make(op->key, op->key_len));
		wbuf_bytes(&k, "", 1);
		rc = wbuf_error(&k);
		if (rc == IDR_OK) {
			json_object_set_new(j, "prefix", json_string(op->prefix));
			json_object_set_new(j, "public_key",
			                    json_pack("{s:s,s:s}", "format", "base64", "value",
			                              (const char *)wbuf_data(&k)));
		}
		wbuf_deinit(&k);
		if (a->owner != NULL) {
			json_object_set_new(j, "owner", json_string(a->owner));
		}
	}
	if (a->site != NULL && op->kind != NODEOP_RELEASE) {
		json_object_set_new(j, "site", json_string(a->site));
	}
	text = rc == IDR_OK && json_object_size(j) > 0 ? json_dumps(j, JSON_COMPACT) : NULL;
	if (text != NULL) {
		wbuf_cstr(w, text);
		free(text);
	}
	json_decref(j);
	return rc == IDR_OK ? wbuf_error(w) : rc;
}

/* add, takeover or release on a running top level over HTTPS, as the identity --id. */
static int
remote_op(const struct cli_cmd *self, struct node_args *a, struct nodeop *op)
{
	struct rmt_cred *cred = NULL;
	struct rmt_resp resp;
	struct rmt *r = NULL;
	struct wbuf path, body;
	int rc;

	wbuf_init_heap(&path, 1024);
	wbuf_init_heap(&body, 4 * NODEOP_KEY_MAX);
	if (op_path(op, &path) != IDR_OK || op_body(a, op, &body) != IDR_OK) {
		cli_errorf(self->name, "out of memory");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	wbuf_bytes(&path, "", 1);
	if ((rc = rcmd_open(self->name, &a->remote, &cred, &r)) != CLI_EXIT_OK) {
		goto out;
	}
	rc = rmt_request(r, HTTPC_POST, (const char *)wbuf_data(&path), wbuf_slice(&body), true,
	                 &resp);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", rmt_url(r), rmt_errmsg(r));
		rc = CLI_EXIT_FAIL;
	} else if (resp.status >= 200 && resp.status < 300) {
		printf("%s\n", resp.an.message[0] != '\0' ? resp.an.message : "done");
		rc = CLI_EXIT_OK;
	} else {
		cli_errorf(self->name, "%s (HTTP %d from %s)",
		           resp.an.message[0] != '\0' ? resp.an.message : "refused", resp.status,
		           rmt_url(r));
		rc = CLI_EXIT_FAIL;
	}
out:
	rmt_free(r);
	rmt_cred_free(cred);
	wbuf_deinit(&path);
	wbuf_deinit(&body);
	return rc;
}

static int
do_op(const struct cli_cmd *self, struct node_args *a, enum nodeop_kind kind)
{
	static const char *const usage[] = {
	        [NODEOP_ADD] = "usage: idr node add PREFIX --key FILE [--site IP:PORT,...] "
	                       "[--owner NAME] [--data DIR]\n"
	                       "       idr node add PREFIX --node-key FILE [...] --node URL --id "
	                       "INDEX:HANDLE (--key FILE | --secret-file FILE)",
	        [NODEOP_TAKEOVER] = "usage: idr node takeover PREFIX [--site IP:PORT,...] "
	                            "[--data DIR | --node URL ...]",
	        [NODEOP_RELEASE] = "usage: idr node release PREFIX [--data DIR | --node URL ...]",
	};
	struct nodeop *op;
	int rc;

	if (a->nargs != 1 || (kind == NODEOP_ADD && a->node_key == NULL)) {
		return cli_usage_errorf(self, "%s", usage[kind]);
	}
	if ((op = malloc(sizeof(*op))) == NULL) {
		cli_errorf(self->name, "out of memory");
		return CLI_EXIT_FAIL;
	}
	rc = build(self, a, kind, op);
	if (rc == CLI_EXIT_OK) {
		rc = a->remote.node != NULL ? remote_op(self, a, op) : local_op(self, a, op);
	}
	free(op);
	return rc;
}

struct list_ctx {
	struct wbuf *w;
	const char *data;
};

/* ,"backup":{"seq":N} of the top level's copy of the node (fed/backup.h), or null */
static void
backup_seq(struct wbuf *w, const char *data, struct slice prefix)
{
	uint64_t seq;

	wbuf_cstr(w, ",\"backup\":");
	if (copy_seq(data, prefix, &seq)) {
		wbuf_printf(w, "{\"seq\":%" PRIu64 "}", seq);
	} else {
		wbuf_cstr(w, "null");
	}
}

static int
print_one(void *arg, const struct node_info *n)
{
	struct list_ctx *c = arg;
	struct wbuf *w = c->w;
	int rc;

	if (w->len > 1) {
		wbuf_cstr(w, ",");
	}
	rc = node_json(w, n);
	if ((rc == IDR_OK || rc == IDR_EPROTO) && w->len > 0 && w->p[w->len - 1] == '}') {
		w->len--; /* reopen the object */
		backup_seq(w, c->data, n->prefix);
		wbuf_cstr(w, "}");
	}
	return rc == IDR_EPROTO ? IDR_OK : rc;
}

/* The servers of a node's sites as "ADDRESS:PORT,..." (each server's first query port). */
static void
print_sites(json_t *sites)
{
	size_t i, k, n = 0;
	json_t *srv, *ifc;

	json_array_foreach(sites, i, srv)
	{
		const char *addr = json_string_value(json_object_get(srv, "address"));

		json_array_foreach(json_object_get(srv, "interfaces"), k, ifc)
		{
			if (json_is_true(json_object_get(ifc, "query"))) {
				printf("%s%s:%" JSON_INTEGER_FORMAT, n++ > 0 ? "," : "",
				       addr != NULL ? addr : "?",
				       json_integer_value(json_object_get(ifc, "port")));
				break;
			}
		}
	}
	if (n == 0) {
		printf("(none yet)");
	}
}

/* The nodes as a table, one line each: what an operator reads (--json gives everything). */
static int
print_table(struct slice text)
{
	json_t *all = json_loadb((const char *)text.p, text.len, 0, NULL), *n;
	size_t i;

	if (!json_is_array(all)) {
		json_decref(all);
		return IDR_EPROTO;
	}
	printf("%-16s %-7s %-10s %-10s %-30s %s\n", "PREFIX", "SERIAL", "STATE", "BACKUP", "SITES",
	       "OWNER");
	json_array_foreach(all, i, n)
	{
		json_t *serial = json_object_get(n, "serial");
		json_t *backup = json_object_get(json_object_get(n, "backup"), "seq");
		char sbuf[24] = "-", bbuf[24] = "-";

		if (json_is_integer(serial)) {
			snprintf(sbuf, sizeof(sbuf), "%" JSON_INTEGER_FORMAT,
			         json_integer_value(serial));
		}
		if (json_is_integer(backup)) {
			snprintf(bbuf, sizeof(bbuf), "%" JSON_INTEGER_FORMAT,
			         json_integer_value(backup));
		}
		printf("%-16s %-7s %-10s %-10s ", json_string_value(json_object_get(n, "prefix")),
		       sbuf, json_is_true(json_object_get(n, "takeover")) ? "taken-over" : "own",
		       bbuf);
		print_sites(json_object_get(n, "sites"));
		printf("  %s\n", json_string_value(json_object_get(n, "owner")) != NULL
		                         ? json_string_value(json_object_get(n, "owner"))
		                         : "");
	}
	json_decref(all);
	return IDR_OK;
}

/* The nodes of a running top level (GET /api/v1/nodes) as the local list's JSON array. */
static int
remote_list(const struct cli_cmd *self, struct node_args *a, struct wbuf *w)
{
	struct rmt_cred *cred = NULL;
	struct rmt_resp resp;
	struct rmt *r = NULL;
	json_t *j = NULL, *nodes;
	char *text = NULL;
	int rc;

	if (rcmd_open(self->name, &a->remote, &cred, &r) != CLI_EXIT_OK) {
		return IDR_EAUTH;
	}
	rc = rmt_request(r, HTTPC_GET, "/api/v1/nodes", slice_make(NULL, 0), false, &resp);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", rmt_url(r), rmt_errmsg(r));
		goto out;
	}
	j = resp.status == 200 ? json_loadb((const char *)resp.body.p, resp.body.len, 0, NULL)
	                       : NULL;
	nodes = json_object_get(j, "nodes");
	if (!json_is_array(nodes) || (text = json_dumps(nodes, JSON_COMPACT)) == NULL) {
		cli_errorf(self->name, "%s (HTTP %d from %s)",
		           resp.an.message[0] != '\0' ? resp.an.message
		                                      : "no list of nodes in the answer",
		           resp.status, rmt_url(r));
		rc = IDR_EPROTO;
		goto out;
	}
	wbuf_reset(w);
	wbuf_cstr(w, text);
	rc = wbuf_error(w);
out:
	free(text);
	json_decref(j);
	rmt_free(r);
	rmt_cred_free(cred);
	return rc;
}

static int
do_list(const struct cli_cmd *self, struct node_args *a)
{
	struct reg_rtxn *t = NULL;
	struct reg *r = NULL;
	struct wbuf w;
	int rc;

	if (a->nargs != 0) {
		return cli_usage_errorf(self, "usage: idr node list [--json] [--data DIR]");
	}
	wbuf_init_heap(&w, 64u << 20);
	if (a->remote.node != NULL) {
		if ((rc = remote_list(self, a, &w)) != IDR_OK) {
			wbuf_deinit(&w);
			return CLI_EXIT_FAIL;
		}
	} else {
		if ((rc = cli_open(self->name, cli_data_dir(a->data), true, NULL, &r)) !=
		    CLI_EXIT_OK) {
			wbuf_deinit(&w);
			return rc;
		}
		wbuf_cstr(&w, "[");
		rc = reg_read_begin(r, &t);
		if (rc == IDR_OK) {
			struct list_ctx lc = {&w, cli_data_dir(a->data)};

			rc = node_list(t, print_one, &lc);
			reg_read_end(t);
		}
		wbuf_cstr(&w, "]");
	}
	if (rc == IDR_OK) {
		rc = wbuf_error(&w);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s", idr_strerror(rc));
	} else {
		/* --json: one JSON array; else a table, one node per line */
		if (a->json) {
			printf("%.*s\n", (int)w.len, (const char *)w.p);
		} else if ((rc = print_table(slice_make(w.p, w.len))) != IDR_OK) {
			cli_errorf(self->name, "%s", idr_strerror(rc));
		}
	}
	wbuf_deinit(&w);
	reg_close(r);
	return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct node_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	if (argc < 2) {
		return cli_usage_errorf(self, "missing subcommand (%s)", SUBCOMMANDS);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		return cli_help(self);
	}
	rc = parse(self, argc - 1, argv + 1, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if (strcmp(argv[1], "add") == 0) {
		return do_op(self, &a, NODEOP_ADD);
	}
	if (strcmp(argv[1], "list") == 0) {
		return do_list(self, &a);
	}
	if (strcmp(argv[1], "takeover") == 0 || strcmp(argv[1], "release") == 0) {
		return do_op(self, &a,
		             strcmp(argv[1], "takeover") == 0 ? NODEOP_TAKEOVER : NODEOP_RELEASE);
	}
	return cli_usage_errorf(self, "unknown subcommand '%s' (%s)", argv[1], SUBCOMMANDS);
}

const struct cli_cmd cmd_node = {
        "node",
        "top level: onboard secondary nodes (add), show them (list), take one over while it "
        "is down (takeover, release)",
        "usage: idr node add PREFIX --key FILE [--site IP:PORT,...] [--owner NAME] [--data DIR]\n"
        "       idr node list [--json] [--data DIR]\n"
        "       idr node takeover PREFIX [--site IP:PORT,...] [--data DIR]\n"
        "       idr node release PREFIX [--data DIR]\n"
        "       idr node add PREFIX --node-key FILE [...] --node URL --id INDEX:HANDLE\n"
        "                (--key FILE | --secret-file FILE) [--cacert FILE]\n"
        "       idr node list|takeover|release ... --node URL --id ... (the same)\n"
        "\n"
        "add   onboard a secondary node on this top level (role toplevel): hosts PREFIX\n"
        "      (beneath this node's prefix) and makes its prefix record 0.NA/PREFIX with the\n"
        "      node key at index 300; the identity 300:0.NA/PREFIX may then add, modify and\n"
        "      remove values of that record (its HS_SITE) and nothing else\n"
        "list  every node: prefix, key type, sites, HS_SITE serial and last change, takeover\n"
        "      state (JSON)\n"
        "takeover  emergency takeover of a node that is down: its prefix record points at\n"
        "      this top level (--site, default the HS_SITE of this top level's own prefix\n"
        "      record; the node's is kept) and idrd serves the node's records from its\n"
        "      backup copy (a `backup` line), read-only; writes are refused (RC 7, HTTP 503)\n"
        "release   hand the prefix back: the node's HS_SITE again (serial bumped)\n"
        "\n"
        "options:\n"
        "  --key FILE   locally: PEM public (or private) key of the node (idr keygen);\n"
        "               with --node: the private key of the identity --id\n"
        "  --node-key FILE  the node's key (the same as --key locally; needed with --node)\n"
        "  --site LIST  add: the node's servers until it registers itself; takeover: this top\n"
        "               level's servers. IP:PORT (TCP and UDP)\n"
        "  --owner NAME the operator's name for the node (default \"node PREFIX\")\n"
        "  --json       list as one JSON array (the default prints the same array)\n"
        "  --data DIR   data directory (default: $IDR_DATA, then ./idr-data)\n"
        "\n"
        "remote mode (--node https://TOP:PORT): the change is made by the running top level\n"
        "(POST /api/v1/nodes, /api/v1/nodes/PREFIX/takeover, .../release) for an identity\n"
        "of its server_admins; list reads GET /api/v1/nodes.\n"
        "  --node URL  --id INDEX:HANDLE  --key FILE | --secret-file FILE  --cacert FILE\n"
        "  --insecure\n",
        run,
};
