/*
 * cmd_node.c - `idr node add|list` on a top level (role toplevel): onboard secondary nodes
 * (fed/node.h) in the local store.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/crypto.h"
#include "base/wbuf.h"
#include "common/cli.h"
#include "fed/backup.h"
#include "fed/node.h"
#include "fed/takeover.h"
#include "hdl/hdl.h"
#include "idr/cmd.h"
#include "model/ident.h"
#include "model/value.h"
#include "reg.h"
#include "repl.h"

#define SUBCOMMANDS "add, list, takeover or release"

struct node_args {
	const char *data;
	const char *key;
	const char *site;
	const char *owner;
	bool json;
	int nargs;
	char **args;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct node_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"key", required_argument, NULL, 'k'},
	        {"site", required_argument, NULL, 's'},
	        {"owner", required_argument, NULL, 'o'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'k':
			a->key = optarg;
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
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	a->nargs = argc - optind;
	a->args = argv + optind;
	return CLI_EXIT_OK;
}

static int
do_add(const struct cli_cmd *self, struct node_args *a)
{
	enum reg_outcome oc = REG_UNCHANGED;
	struct wbuf key, site;
	struct reg_wtxn *w = NULL;
	struct reg *r = NULL;
	struct node_spec s;
	char owner[300];
	int rc;

	if (a->nargs != 1 || a->key == NULL) {
		return cli_usage_errorf(self, "usage: idr node add PREFIX --key FILE [--site "
		                              "HOST:PORT,...] [--owner NAME]");
	}
	wbuf_init_heap(&key, 65536);
	wbuf_init_heap(&site, 65536);
	rc = crypto_hs_pubkey_file(a->key, &key);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "--key %s: %s", a->key, idr_strerror(rc));
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	if (a->site != NULL && node_site_build(&site, a->site, 1) != IDR_OK) {
		rc = cli_usage_errorf(
		        self,
		        "--site %s: give IP:PORT[,IP:PORT...] (IPv6 as [addr]:port), at "
		        "most %d servers",
		        a->site, NODE_MAX_SITES);
		goto out;
	}
	snprintf(owner, sizeof(owner), "node %.250s", a->args[0]);
	s.prefix = slice_cstr(a->args[0]);
	s.owner = slice_cstr(a->owner != NULL ? a->owner : owner);
	s.pubkey = wbuf_slice(&key);
	s.site = wbuf_slice(&site);
	if ((rc = cli_open(self->name, cli_data_dir(a->data), false, NULL, &r)) != CLI_EXIT_OK) {
		goto out;
	}
	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	if (rc == IDR_OK) {
		rc = node_add(w, &s, &oc);
		rc = cli_write_end(w, rc);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->args[0], reg_write_strerror(rc));
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	printf("%s node %s: identity 300:0.NA/%s may maintain its prefix record 0.NA/%s\n",
	       oc == REG_CREATED ? "added" : (oc == REG_UPDATED ? "updated" : "unchanged"),
	       a->args[0], a->args[0], a->args[0]);
	rc = CLI_EXIT_OK;
out:
	reg_close(r);
	wbuf_deinit(&key);
	wbuf_deinit(&site);
	return rc;
}

/* The top level's own HS_SITE: the first in its prefix record 0.NA/<node prefix>. */
static int
own_site(struct reg *r, struct wbuf *out)
{
	char handle[PFX_MAX_LEN + sizeof("0.NA/")];
	struct reg_rtxn *t = NULL;
	struct rec_view rec;
	struct slice clump;
	struct value v;
	struct rbuf b;
	int rc;

	if (reg_node_prefix(r) == NULL ||
	    ident_zero_na(slice_cstr(reg_node_prefix(r)), handle, sizeof(handle)) != IDR_OK) {
		return IDR_ENOENT;
	}
	if ((rc = reg_read_begin(r, &t)) != IDR_OK) {
		return rc;
	}
	rc = reg_get(t, slice_cstr(handle), &rec);
	if (rc == IDR_OK) {
		rc = IDR_ENOENT;
		rbuf_init(&b, rec.values.p, rec.values.len);
		while (rc == IDR_ENOENT && hdl_clump_next(&b, &v, &clump) == IDR_OK) {
			if (slice_caseeq_cstr(v.type, "HS_SITE")) {
				wbuf_bytes(out, v.data.p, v.data.len);
				rc = wbuf_error(out);
			}
		}
	}
	reg_read_end(t);
	return rc;
}

/* takeover (begin true) or release of node a->args[0] in the local store. */
static int
do_takeover(const struct cli_cmd *self, struct node_args *a, bool begin)
{
	struct reg_wtxn *w = NULL;
	struct reg *r = NULL;
	struct wbuf site;
	int rc;

	if (a->nargs != 1) {
		return cli_usage_errorf(self,
		                        begin ? "usage: idr node takeover PREFIX [--site "
		                                "IP:PORT,...] [--data DIR]"
		                              : "usage: idr node release PREFIX [--data DIR]");
	}
	wbuf_init_heap(&site, 65536);
	if (begin && a->site != NULL && node_site_build(&site, a->site, 1) != IDR_OK) {
		rc = cli_usage_errorf(self,
		                      "--site %s: give IP:PORT[,IP:PORT...] (IPv6 as [addr]:port), "
		                      "at most %d servers",
		                      a->site, NODE_MAX_SITES);
		goto out;
	}
	if ((rc = cli_open(self->name, cli_data_dir(a->data), false, NULL, &r)) != CLI_EXIT_OK) {
		goto out;
	}
	if (begin && a->site == NULL && own_site(r, &site) != IDR_OK) {
		rc = cli_usage_errorf(self,
		                      "this top level has no HS_SITE in its prefix record "
		                      "0.NA/%s: give its servers with --site IP:PORT,...",
		                      reg_node_prefix(r) != NULL ? reg_node_prefix(r) : "?");
		goto out;
	}
	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	if (rc == IDR_OK) {
		rc = begin ? takeover_begin(w, slice_cstr(a->args[0]), wbuf_slice(&site),
		                            (uint32_t)time(NULL))
		           : takeover_release(w, slice_cstr(a->args[0]), (uint32_t)time(NULL));
		rc = cli_write_end(w, rc);
	}
	if (rc == IDR_ENOENT) {
		cli_errorf(self->name, "%s is no node of this top level (see idr node list)",
		           a->args[0]);
	} else if (rc == IDR_ESTATE) {
		cli_errorf(self->name, "%s is %s", a->args[0],
		           begin ? "already taken over (idr node release hands it back)"
		                 : "not taken over: nothing to release");
	} else if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->args[0], reg_write_strerror(rc));
	} else if (begin) {
		printf("took over node %s: its prefix record points at this top level, which "
		       "serves the node's records from its backup copy, read-only\n",
		       a->args[0]);
	} else {
		printf("released node %s: its prefix record points at the node again\n",
		       a->args[0]);
	}
	rc = rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
out:
	reg_close(r);
	wbuf_deinit(&site);
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
	char dir[4096];
	struct reg_opts o = {.read_only = true};
	struct jrn_head h;
	struct reg *r = NULL;

	wbuf_cstr(w, ",\"backup\":");
	if (snprintf(dir, sizeof(dir), "%s/" FED_BACKUP_DIR "/%.*s", data, (int)prefix.len,
	             (const char *)prefix.p) >= (int)sizeof(dir)) {
		wbuf_cstr(w, "null");
		return;
	}
	o.data_dir = dir;
	if (reg_open(&r, &o) != IDR_OK || repl_head(r, &h) != IDR_OK) {
		wbuf_cstr(w, "null");
	} else {
		wbuf_printf(w, "{\"seq\":%" PRIu64 "}", h.seq);
	}
	reg_close(r);
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
	if ((rc = cli_open(self->name, cli_data_dir(a->data), true, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	wbuf_init_heap(&w, 64u << 20);
	wbuf_cstr(&w, "[");
	rc = reg_read_begin(r, &t);
	if (rc == IDR_OK) {
		struct list_ctx lc = {&w, cli_data_dir(a->data)};

		rc = node_list(t, print_one, &lc);
		reg_read_end(t);
	}
	wbuf_cstr(&w, "]");
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
		return do_add(self, &a);
	}
	if (strcmp(argv[1], "list") == 0) {
		return do_list(self, &a);
	}
	if (strcmp(argv[1], "takeover") == 0 || strcmp(argv[1], "release") == 0) {
		return do_takeover(self, &a, strcmp(argv[1], "takeover") == 0);
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
        "  --key FILE   PEM public (or private) key of the node (idr keygen)\n"
        "  --site LIST  add: the node's servers until it registers itself; takeover: this top\n"
        "               level's servers. IP:PORT (TCP and UDP)\n"
        "  --owner NAME the operator's name for the node (default \"node PREFIX\")\n"
        "  --json       list as one JSON array (the default prints the same array)\n"
        "  --data DIR   data directory (default: $IDR_DATA, then ./idr-data)\n",
        run,
};
