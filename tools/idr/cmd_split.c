/*
 * cmd_split.c - `idr split`: a store split into the per-server stores of a site that shards
 * identifiers by the Handle hash (resolver/core/shard.h).
 *
 * The source is exported (cmd_export) to a temporary file next to the outputs, then each
 * output store is initialised with the source's node prefix and gets, in this order: every
 * prefix line (import), every metadata template version in its state, and the records that
 * hash to it plus every 0.NA/ record (import with imp_opts.shard_*). Records keep their
 * timestamps (export/import). Then the lifecycle data (reg_split_copy): the aliases of its
 * handles (with their event joins), the timeline entries of the identifiers it holds (events
 * naming several servers' items go to each), and the links of every identifier connected
 * through links to one it holds, so that a trace from any of its items walks the same graph
 * as on the whole store; identifiers every server answers (no slash: a GS1 key, an EPC URN)
 * go to every server.
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
#include "core/token.h"
#include "hdl/hdl.h"
#include "idr/cmd.h"
#include "model/tmpl.h"
#include "reg.h"

#define SPLIT_PATH_MAX 4096
#define SPLIT_ALL      UINT64_MAX /* every output (SHARD_MAX_SERVERS is 64) */

_Static_assert(SHARD_MAX_SERVERS <= 64, "an output mask is 64 bits");

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

/* ---------------------------------------------------------------- link components */

/* The identifiers connected by links (union-find over an open-addressing map), each
 * component with the mask of the outputs holding one of its identifiers. */
struct comp_node {
	char *key; /* NULL: empty slot */
	size_t len;
	uint64_t hash;
	size_t parent; /* slot index */
	uint64_t mask;
};

struct comps {
	struct comp_node *v;
	size_t cap, used;
	const struct split_args *a;
};

static uint64_t
key_hash(struct slice k)
{
	uint64_t h = 1469598103934665603u;

	for (size_t i = 0; i < k.len; i++) {
		h = (h ^ k.p[i]) * 1099511628211u;
	}
	return h;
}

/* The slot of k, or the empty slot it would take. */
static size_t
comp_slot(const struct comps *c, struct slice k, uint64_t h)
{
	size_t i = (size_t)h & (c->cap - 1);

	while (c->v[i].key != NULL && (c->v[i].hash != h || c->v[i].len != k.len ||
	                               memcmp(c->v[i].key, k.p, k.len) != 0)) {
		i = (i + 1) & (c->cap - 1);
	}
	return i;
}

static size_t
comp_root(struct comps *c, size_t i)
{
	while (c->v[i].parent != i) {
		c->v[i].parent = c->v[c->v[i].parent].parent;
		i = c->v[i].parent;
	}
	return i;
}

/* The outputs that hold the identifier k (SPLIT_ALL for one every server answers). */
static uint64_t
owner_mask(const struct split_args *a, struct slice k)
{
	uint32_t owner;

	if (shard_owner(k, a->option, (uint32_t)a->servers, &owner) != IDR_OK ||
	    owner == SHARD_EVERY) {
		return SPLIT_ALL;
	}
	return (uint64_t)1 << owner;
}

static int
comp_grow(struct comps *c)
{
	struct comps n = {NULL, c->cap == 0 ? 1024 : c->cap * 2, 0, c->a};
	size_t *moved;

	n.v = calloc(n.cap, sizeof(*n.v));
	moved = calloc(c->cap + 1, sizeof(*moved));
	if (n.v == NULL || moved == NULL) {
		free(n.v);
		free(moved);
		return IDR_ENOMEM;
	}
	for (size_t i = 0; i < c->cap; i++) {
		if (c->v[i].key != NULL) {
			struct comp_node *e = &c->v[i];

			moved[i] = comp_slot(&n, slice_make(e->key, e->len), e->hash);
			n.v[moved[i]] = *e;
		}
	}
	for (size_t i = 0; i < n.cap; i++) {
		if (n.v[i].key != NULL) {
			n.v[i].parent = moved[n.v[i].parent];
		}
	}
	free(moved);
	free(c->v);
	n.used = c->used;
	*c = n;
	return IDR_OK;
}

/* The slot of k, added as a component of its own if new. */
static int
comp_find_add(struct comps *c, struct slice k, size_t *out)
{
	uint64_t h = key_hash(k);
	size_t i;

	if ((c->used + 1) * 2 > c->cap && comp_grow(c) != IDR_OK) {
		return IDR_ENOMEM;
	}
	i = comp_slot(c, k, h);
	if (c->v[i].key == NULL) {
		c->v[i].key = malloc(k.len + 1);
		if (c->v[i].key == NULL) {
			return IDR_ENOMEM;
		}
		memcpy(c->v[i].key, k.p, k.len);
		c->v[i].key[k.len] = '\0';
		c->v[i].len = k.len;
		c->v[i].hash = h;
		c->v[i].parent = i;
		c->v[i].mask = owner_mask(c->a, k);
		c->used++;
	}
	*out = i;
	return IDR_OK;
}

static int
on_link(void *arg, struct slice from, struct slice to)
{
	struct comps *c = arg;
	size_t i, j;

	if (comp_find_add(c, from, &i) != IDR_OK || comp_find_add(c, to, &j) != IDR_OK) {
		return IDR_ENOMEM;
	}
	i = comp_root(c, i);
	j = comp_root(c, j);
	if (i != j) {
		c->v[j].parent = i;
		c->v[i].mask |= c->v[j].mask;
	}
	return 0;
}

/* Every link of the source into c. */
static int
comps_build(struct reg *src, struct comps *c)
{
	struct reg_rtxn *t;
	int rc = reg_read_begin(src, &t);

	if (rc != IDR_OK) {
		return rc;
	}
	rc = reg_link_walk(t, on_link, c);
	reg_read_end(t);
	return rc;
}

static void
comps_free(struct comps *c)
{
	for (size_t i = 0; i < c->cap; i++) {
		free(c->v[i].key);
	}
	free(c->v);
}

/* What output `self` takes of the lifecycle data. */
struct take_arg {
	struct comps *c;
	uint64_t self;
};

static bool
take(void *arg, enum reg_split_kind kind, struct slice key)
{
	struct take_arg *t = arg;
	uint64_t bit = (uint64_t)1 << t->self, mask = owner_mask(t->c->a, key);
	size_t i;

	if (kind == REG_SPLIT_LINK && t->c->cap > 0) {
		i = comp_slot(t->c, key, key_hash(key));
		if (t->c->v[i].key != NULL) {
			mask |= t->c->v[comp_root(t->c, i)].mask;
		}
	}
	return (mask & bit) != 0;
}

/* Copy the lifecycle data output i takes from the source (data) into dir. */
static int
lifecycle_copy(const struct cli_cmd *self, const char *data, const char *dir, struct comps *c,
               uint64_t i)
{
	struct take_arg ta = {c, i};
	struct reg_split_stats st;
	struct reg *src = NULL, *dst = NULL;
	struct reg_rtxn *t = NULL;
	struct reg_wtxn *w = NULL;
	int rc;

	if (cli_open(self->name, data, true, NULL, &src) != CLI_EXIT_OK) {
		return IDR_EIO;
	}
	rc = cli_open(self->name, dir, false, NULL, &dst) == CLI_EXIT_OK ? IDR_OK : IDR_EIO;
	if (rc == IDR_OK) {
		rc = reg_read_begin(src, &t);
	}
	if (rc == IDR_OK) {
		rc = reg_write_begin(dst, "local", &w);
	}
	if (rc == IDR_OK) {
		rc = reg_split_copy(t, w, take, &ta, &st);
		if (rc == IDR_OK) {
			rc = reg_write_commit(w);
		} else {
			reg_write_abort(w);
		}
		if (rc != IDR_OK) {
			cli_errorf(self->name, "%s: lifecycle data: %s", dir,
			           reg_write_strerror(rc));
		}
	}
	if (rc == IDR_OK) {
		printf("%s: %" PRIu64 " aliases, %" PRIu64 " events, %" PRIu64
		       " timeline entries, %" PRIu64 " link entries\n",
		       dir, st.aliases, st.events, st.timeline, st.links);
	}
	reg_read_end(t);
	reg_close(dst);
	reg_close(src);
	return rc;
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

/* ---------------------------------------------------------------- token.key */

/* Zero memory in a way the compiler does not drop as a dead store. */
static void
wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n-- > 0) {
		*v++ = 0;
	}
}

/* Read a small file (at most cap - 1 bytes) into buf. @return its length or a negated errno. */
static ssize_t
read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		return -errno;
	}
	n = read(fd, buf, cap - 1);
	n = n < 0 ? -errno : n;
	close(fd);
	return n;
}

/*
 * One token.key for every output (core/token.h: the servers of a site share it, so that an
 * IDIS token one issued is taken by the others): the source's if it has one, else one made in
 * the first output. @return IDR_OK or an error (reported).
 */
static int
share_token_key(const struct cli_cmd *self, const char *data, const struct split_args *a)
{
	char path[SPLIT_PATH_MAX], dir[SPLIT_PATH_MAX], key[256];
	struct token_key tk;
	uint64_t first = 0;
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", data, TOKEN_FILE) >= (int)sizeof(path)) {
		return IDR_ETOOBIG;
	}
	n = read_small(path, key, sizeof(key));
	if (n == -ENOENT) {
		if (out_dir(a, 0, dir, sizeof(dir)) != IDR_OK ||
		    token_key_load(dir, &tk) != IDR_OK ||
		    snprintf(path, sizeof(path), "%s/%s", dir, TOKEN_FILE) >= (int)sizeof(path)) {
			cli_errorf(self->name, "%s: cannot make %s", dir, TOKEN_FILE);
			return IDR_EIO;
		}
		wipe(&tk, sizeof(tk));
		first = 1;
		n = read_small(path, key, sizeof(key));
	}
	if (n <= 0) {
		cli_errorf(self->name, "%s: %s", path, n < 0 ? strerror((int)-n) : "empty");
		return IDR_EIO;
	}
	for (uint64_t i = first; i < a->servers; i++) {
		if (out_dir(a, i, dir, sizeof(dir)) != IDR_OK ||
		    snprintf(path, sizeof(path), "%s/%s", dir, TOKEN_FILE) >= (int)sizeof(path)) {
			return IDR_ETOOBIG;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, key, (size_t)n) != n) {
			cli_errorf(self->name, "%s: %s", path, strerror(errno));
			if (fd >= 0) {
				close(fd);
			}
			wipe(key, sizeof(key));
			return IDR_EIO;
		}
		close(fd);
	}
	wipe(key, sizeof(key));
	return IDR_OK;
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
	struct comps comps;
	char dir[SPLIT_PATH_MAX];
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
	memset(&comps, 0, sizeof(comps));
	comps.a = &a;
	/* node prefix and templates first: LMDB allows one open of an environment per process */
	if ((rc = cli_open(self->name, data, true, NULL, &src)) != CLI_EXIT_OK) {
		return rc;
	}
	if (snprintf(node, sizeof(node), "%s", reg_node_prefix(src)) >= (int)sizeof(node) ||
	    templates_read(src, &tc) != IDR_OK || comps_build(src, &comps) != IDR_OK) {
		cli_errorf(self->name, "%s: cannot read the node prefix, templates or links", data);
		rc = CLI_EXIT_FAIL;
	}
	reg_close(src);
	if (rc == CLI_EXIT_OK) {
		rc = export_source(self, data, &a, &fd);
	}
	for (uint64_t i = 0; rc == CLI_EXIT_OK && i < a.servers; i++) {
		if (split_one(self, &a, i, node, fd, &tc) != IDR_OK ||
		    out_dir(&a, i, dir, sizeof(dir)) != IDR_OK ||
		    lifecycle_copy(self, data, dir, &comps, i) != IDR_OK) {
			rc = CLI_EXIT_FAIL;
		}
	}
	if (rc == CLI_EXIT_OK && share_token_key(self, data, &a) != IDR_OK) {
		rc = CLI_EXIT_FAIL;
	}
	if (fd >= 0) {
		close(fd);
	}
	templates_free(&tc);
	comps_free(&comps);
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
        "its prefixes, templates and administrators alone. Records keep their timestamps.\n"
        "Lifecycle data follows the records: server I gets the aliases of its handles, the\n"
        "events naming its identifiers with their timeline entries (an event naming\n"
        "identifiers of several servers goes to each), and the links of every identifier\n"
        "linked, directly or through others, to one of its own, so that a trace from its\n"
        "items walks the whole graph (nodes held by another server show without their\n"
        "kind). Identifiers without a slash (GS1 keys, EPC URNs) go to every server. Every\n"
        "output gets the same token.key (the source's, else a new one), so that the servers\n"
        "take each other's IDIS tokens. The source is read only; the outputs must not exist.\n"
        "\n"
        "options:\n"
        "  --servers N        servers in the site (2 to 64)\n"
        "  --hash-option OPT  prefix, suffix or handle (default handle)\n"
        "  --out DIR_PREFIX   output directories are DIR_PREFIX followed by 0, 1, ...\n"
        "  --data DIR         source data directory (default: $IDR_DATA, then ./idr-data)\n",
        run,
};
