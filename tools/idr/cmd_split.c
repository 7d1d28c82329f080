/*
 * cmd_split.c - `idr split`: a store split into the per-server stores of a site that shards
 * identifiers by the Handle hash (resolver/core/shard.h).
 *
 * The source is exported (cmd_export) to a temporary file next to the outputs, then each
 * output store is initialised with the source's node prefix and gets, in this order: every
 * prefix line (import), every metadata template version in its state, and the records that
 * hash to it plus every 0.NA/ record (import with imp_opts.shard_*). Records keep their
 * timestamps (export/import). Aliases and events are not copied (see the help).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/imp.h"
#include "core/shard.h"
#include "hdl/hdl.h"
#include "idr/cmd.h"
#include "model/tmpl.h"
#include "reg.h"

#define SPLIT_PATH_MAX 4096

struct split_args {
	const char *data;
	const char *out;
	uint64_t servers;
	unsigned option;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct split_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"out", required_argument, NULL, 'o'},
	        {"servers", required_argument, NULL, 'n'},
	        {"hash-option", required_argument, NULL, 'H'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c, rc;

	a->option = HDL_HASH_BY_HANDLE;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'n':
			rc = cli_parse_u64(self, "--servers", optarg, 2, SHARD_MAX_SERVERS,
			                   &a->servers);
			if (rc != CLI_EXIT_OK) {
				return rc;
			}
			break;
		case 'H':
			if (shard_option_parse(optarg, &a->option) != IDR_OK) {
				return cli_usage_errorf(self,
				                        "--hash-option: '%s' is not prefix, suffix "
				                        "or handle",
				                        optarg);
			}
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	if (optind < argc) {
		return cli_usage_errorf(self, "unexpected argument '%s'", argv[optind]);
	}
	if (a->servers == 0 || a->out == NULL || a->out[0] == '\0') {
		return cli_usage_errorf(self, "--servers N and --out DIR_PREFIX are required");
	}
	return CLI_EXIT_OK;
}

/* The output directory of server i: DIR_PREFIX followed by i. */
static int
out_dir(const struct split_args *a, uint64_t i, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s%" PRIu64, a->out, i);

	return n < 0 || (size_t)n >= cap ? IDR_ETOOBIG : IDR_OK;
}

/* Every output directory must not exist yet (a split never writes into a store). */
static int
check_outputs(const struct cli_cmd *self, const struct split_args *a)
{
	char dir[SPLIT_PATH_MAX];
	struct stat sb;

	for (uint64_t i = 0; i < a->servers; i++) {
		if (out_dir(a, i, dir, sizeof(dir)) != IDR_OK) {
			cli_errorf(self->name, "--out: path too long");
			return CLI_EXIT_USAGE;
		}
		if (stat(dir, &sb) == 0 || errno != ENOENT) {
			cli_errorf(self->name, "%s: %s", dir,
			           errno == ENOENT || errno == 0
			                   ? "exists already (nothing was written)"
			                   : strerror(errno));
			return CLI_EXIT_FAIL;
		}
	}
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- templates */

struct tcopy {
	struct reg_rtxn *src;
	struct tmpl **v;
	size_t n, cap;
	int err;
};

static int
on_tmpl(void *arg, const struct tmpl *t)
{
	struct tcopy *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap == 0 ? 16 : c->cap * 2;
		struct tmpl **v = realloc(c->v, cap * sizeof(*v));

		if (v == NULL) {
			return IDR_ENOMEM;
		}
		c->v = v;
		c->cap = cap;
	}
	return tmpl_copy(t, &c->v[c->n++]) == IDR_OK ? 0 : IDR_ENOMEM;
}

static int
on_prefix(void *arg, const struct pfx_info *p)
{
	struct tcopy *c = arg;

	return reg_tmpl_list(c->src, p->name, on_tmpl, c);
}

/* Every template version of the source (heap copies into c). */
static int
templates_read(struct reg *src, struct tcopy *c)
{
	int rc = reg_read_begin(src, &c->src);

	if (rc != IDR_OK) {
		return rc;
	}
	rc = reg_prefix_list(c->src, on_prefix, c);
	reg_read_end(c->src);
	c->src = NULL;
	return rc;
}

/* Create each version in dst and bring it to its state (draft, published, withdrawn). */
static int
templates_write(struct reg *dst, const struct tcopy *c, const char **why)
{
	struct reg_wtxn *w;
	enum reg_outcome oc;
	int rc = reg_write_begin(dst, "local", &w);

	for (size_t i = 0; rc == IDR_OK && i < c->n; i++) {
		const struct tmpl *t = c->v[i];
		struct slice pfx = slice_cstr(t->prefix), ver = slice_cstr(t->version);

		rc = reg_tmpl_create(w, t, &oc);
		if (rc == IDR_OK && t->state != TMPL_DRAFT) {
			rc = reg_tmpl_publish(w, pfx, ver, &oc);
		}
		if (rc == IDR_OK && t->state == TMPL_WITHDRAWN) {
			rc = reg_tmpl_withdraw(w, pfx, ver, &oc);
		}
		if (rc != IDR_OK) {
			*why = t->prefix;
		}
	}
	if (rc == IDR_OK) {
		return reg_write_commit(w);
	}
	reg_write_abort(w);
	return rc;
}

static void
templates_free(struct tcopy *c)
{
	for (size_t i = 0; i < c->n; i++) {
		tmpl_free(c->v[i]);
	}
	free(c->v);
}

/* ---------------------------------------------------------------- one output */

static void
on_bad_row(void *arg, uint64_t first, uint64_t last, const char *msg)
{
	(void)last;
	fprintf(stderr, "idr split: %s:%" PRIu64 ": %s\n", (const char *)arg, first, msg);
}

static int
import_pass(struct reg *dst, int fd, const struct imp_opts *o, struct imp_stats *st,
            const char *dir)
{
	int rc;

	if (lseek(fd, 0, SEEK_SET) != 0) {
		return -errno;
	}
	memset(st, 0, sizeof(*st));
	rc = imp_run(dst, fd, o, st);
	if (rc != IDR_OK) {
		fprintf(stderr, "idr split: %s: %s\n", dir, st->fatal);
		return rc;
	}
	return st->bad > 0 ? IDR_EINVAL : IDR_OK;
}

/* Initialise output i and fill it. */
static int
split_one(const struct cli_cmd *self, const struct split_args *a, uint64_t i, const char *node,
          int fd, const struct tcopy *tc)
{
	char dir[SPLIT_PATH_MAX];
	struct reg_opts ro;
	struct imp_opts o;
	struct imp_stats st;
	const char *why = "";
	struct reg *dst = NULL;
	int rc;

	if (out_dir(a, i, dir, sizeof(dir)) != IDR_OK) {
		return IDR_ETOOBIG;
	}
	memset(&ro, 0, sizeof(ro));
	ro.data_dir = dir;
	rc = reg_init(&dst, &ro, node, "");
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", dir, reg_write_strerror(rc));
		return rc;
	}
	memset(&o, 0, sizeof(o));
	o.report = on_bad_row;
	o.arg = dir;
	o.prefixes_only = true;
	rc = import_pass(dst, fd, &o, &st, dir);
	if (rc == IDR_OK) {
		rc = templates_write(dst, tc, &why);
		if (rc != IDR_OK) {
			cli_errorf(self->name, "%s: template of %s: %s", dir, why,
			           reg_write_strerror(rc));
		}
	}
	if (rc == IDR_OK) {
		o.prefixes_only = false;
		o.shard_n = (uint32_t)a->servers;
		o.shard_index = (uint32_t)i;
		o.shard_option = a->option;
		rc = import_pass(dst, fd, &o, &st, dir);
	}
	if (rc == IDR_OK) {
		printf("%s: server %" PRIu64 " of %" PRIu64 ": %" PRIu64 " records (%" PRIu64
		       " held by other servers), %" PRIu64 " prefixes, %zu template versions\n",
		       dir, i, a->servers, st.created + st.unchanged, st.other_shard,
		       st.prefixes_created + st.prefixes_unchanged, tc->n);
	}
	reg_close(dst);
	return rc;
}

/* ---------------------------------------------------------------- the command */

/* Export the source into a new temporary file beside the outputs; fd open on it, unlinked. */
static int
export_source(const struct cli_cmd *self, const char *data, const struct split_args *a, int *fd)
{
	char tmp[SPLIT_PATH_MAX], dir[SPLIT_PATH_MAX];
	char a0[] = "export", a1[] = "--data", a3[] = "--output";
	char *argv[6];
	int n, rc;

	n = snprintf(tmp, sizeof(tmp), "%s.split-XXXXXX", a->out);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		cli_errorf(self->name, "--out: path too long");
		return CLI_EXIT_USAGE;
	}
	*fd = mkstemp(tmp);
	if (*fd < 0) {
		cli_errorf(self->name, "%s: %s", tmp, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	n = snprintf(dir, sizeof(dir), "%s", data);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		close(*fd);
		unlink(tmp);
		cli_errorf(self->name, "--data: path too long");
		return CLI_EXIT_USAGE;
	}
	argv[0] = a0;
	argv[1] = a1;
	argv[2] = dir;
	argv[3] = a3;
	argv[4] = tmp;
	argv[5] = NULL;
	rc = cmd_export.run(&cmd_export, 5, argv);
	unlink(tmp);
	if (rc != CLI_EXIT_OK) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct split_args a;
	struct tcopy tc;
	struct reg *src = NULL;
	const char *data;
	char node[256];
	int fd = -1, rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	data = cli_data_dir(a.data);
	if ((rc = check_outputs(self, &a)) != CLI_EXIT_OK) {
		return rc;
	}
	memset(&tc, 0, sizeof(tc));
	/* node prefix and templates first: LMDB allows one open of an environment per process */
	if ((rc = cli_open(self->name, data, true, NULL, &src)) != CLI_EXIT_OK) {
		return rc;
	}
	if (snprintf(node, sizeof(node), "%s", reg_node_prefix(src)) >= (int)sizeof(node) ||
	    templates_read(src, &tc) != IDR_OK) {
		cli_errorf(self->name, "%s: cannot read the node prefix or the templates", data);
		rc = CLI_EXIT_FAIL;
	}
	reg_close(src);
	if (rc == CLI_EXIT_OK) {
		rc = export_source(self, data, &a, &fd);
	}
	for (uint64_t i = 0; rc == CLI_EXIT_OK && i < a.servers; i++) {
		if (split_one(self, &a, i, node, fd, &tc) != IDR_OK) {
			rc = CLI_EXIT_FAIL;
		}
	}
	if (fd >= 0) {
		close(fd);
	}
	templates_free(&tc);
	return rc;
}

const struct cli_cmd cmd_split = {
        "split",
        "split a store into the per-server stores of a site sharding by the Handle hash",
        "usage: idr split --servers N [--hash-option prefix|suffix|handle] --out DIR_PREFIX\n"
        "                 [--data DIR]\n"
        "\n"
        "Write N new data directories DIR_PREFIX0 ... DIR_PREFIX<N-1>, one per server of a\n"
        "site of N servers (idrd site_servers, in the same order): server I gets the\n"
        "records whose Handle hash (HS_SITE hash option, default handle: MD5 of the\n"
        "upper-cased identifier) picks it, and every server gets the node and enterprise\n"
        "prefixes, every 0.NA/ record, every identity record (HS_PUBKEY, HS_SECKEY or\n"
        "HS_VLIST values) and every metadata template version, so that each can check\n"
        "its prefixes, templates and administrators alone. Records keep their timestamps. The\n"
        "source is read only; the outputs must not exist. Aliases and lifecycle events are\n"
        "not copied.\n"
        "\n"
        "options:\n"
        "  --servers N        servers in the site (2 to 64)\n"
        "  --hash-option OPT  prefix, suffix or handle (default handle)\n"
        "  --out DIR_PREFIX   output directories are DIR_PREFIX followed by 0, 1, ...\n"
        "  --data DIR         source data directory (default: $IDR_DATA, then ./idr-data)\n",
        run,
};
