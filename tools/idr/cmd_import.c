/* cmd_import.c - `idr import`: load CSV or JSON lines (see tools/common/imp.h). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/num.h"
#include "common/cli.h"
#include "common/imp.h"
#include "common/progress.h"
#include "common/rimp.h"
#include "common/rmt.h"
#include "core/shard.h"
#include "hdl/hdl.h"
#include "idr/cmd.h"
#include "reg.h"

#define MAP_MIN (1ULL << 20)
#define MAP_MAX (1ULL << 42)

struct import_args {
	const char *data;
	const char *file;
	uint64_t batch;
	uint64_t max_id_chars;
	uint64_t map_size;
	bool strict;
	bool dry_run;
	bool update;
	const char *alias_cols[IMP_ALIAS_COLS];
	size_t nalias_cols;
	uint64_t jobs;
	uint64_t site_servers; /* --site-servers: 0 = not given */
	uint64_t shard;
	bool has_shard;
	unsigned hash_option;
	bool has_option;
	struct rmt_opts remote;
};

static int
parse_opt(const struct cli_cmd *self, int c, struct import_args *a)
{
	switch (c) {
	case 'd':
		a->data = optarg;
		return CLI_EXIT_OK;
	case 'b':
		return cli_parse_u64(self, "--batch", optarg, 1, 10000000, &a->batch);
	case 'c':
		return cli_parse_u64(self, "--max-id-chars", optarg, 1, 2048, &a->max_id_chars);
	case 'm':
		if (num_parse_size(optarg, MAP_MIN, MAP_MAX, &a->map_size) != IDR_OK) {
			return cli_usage_errorf(self,
			                        "--map-size: '%s' is not a size between 1M and "
			                        "4T (e.g. 16G)",
			                        optarg);
		}
		return CLI_EXIT_OK;
	case 's':
		a->strict = true;
		return CLI_EXIT_OK;
	case 'n':
		a->dry_run = true;
		return CLI_EXIT_OK;
	case 'U':
		a->update = true;
		return CLI_EXIT_OK;
	case 'j':
		return cli_parse_u64(self, "--jobs", optarg, 1, RIMP_MAX_JOBS, &a->jobs);
	case 'S':
		return cli_parse_u64(self, "--site-servers", optarg, 1, SHARD_MAX_SERVERS,
		                     &a->site_servers);
	case 'I':
		a->has_shard = true;
		return cli_parse_u64(self, "--shard", optarg, 0, SHARD_MAX_SERVERS - 1, &a->shard);
	case 'H':
		a->has_option = true;
		if (shard_option_parse(optarg, &a->hash_option) != IDR_OK) {
			return cli_usage_errorf(self,
			                        "--site-hash-option: '%s' is not prefix, suffix or "
			                        "handle",
			                        optarg);
		}
		return CLI_EXIT_OK;
	case 'A':
		if (a->nalias_cols == IMP_ALIAS_COLS || optarg[0] == '\0') {
			return cli_usage_errorf(self, "--alias: at most %d non-empty column names",
			                        IMP_ALIAS_COLS);
		}
		a->alias_cols[a->nalias_cols++] = optarg;
		return CLI_EXIT_OK;
	default:
		return rmt_opt_take(&a->remote, c, optarg) ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
}

/* --site-servers N and --shard I go together; I < N; local imports only. */
static int
check_shard(const struct cli_cmd *self, const struct import_args *a)
{
	if (a->site_servers == 0 && !a->has_shard && !a->has_option) {
		return CLI_EXIT_OK;
	}
	if (a->site_servers == 0 || !a->has_shard) {
		return cli_usage_errorf(self, "--site-servers N and --shard I go together "
		                              "(--site-hash-option only with them)");
	}
	if (a->shard >= a->site_servers) {
		return cli_usage_errorf(self, "--shard %llu: the servers are numbered 0 to %llu",
		                        (unsigned long long)a->shard,
		                        (unsigned long long)(a->site_servers - 1));
	}
	if (a->remote.node != NULL) {
		return cli_usage_errorf(self, "--shard is for a local data directory, not --node");
	}
	return CLI_EXIT_OK;
}

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct import_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"batch", required_argument, NULL, 'b'},
	        {"strict", no_argument, NULL, 's'},
	        {"dry-run", no_argument, NULL, 'n'},
	        {"update", no_argument, NULL, 'U'},
	        {"alias", required_argument, NULL, 'A'},
	        {"max-id-chars", required_argument, NULL, 'c'},
	        {"map-size", required_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {"jobs", required_argument, NULL, 'j'},
	        {"site-servers", required_argument, NULL, 'S'},
	        {"site-hash-option", required_argument, NULL, 'H'},
	        {"shard", required_argument, NULL, 'I'},
	        RMT_LONGOPTS,
	        {NULL, 0, NULL, 0},
	};
	const char *why = NULL;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			return -1;
		}
		if (c == '?' || c == ':') {
			return cli_bad_option(self, c, argv);
		}
		if ((rc = parse_opt(self, c, a)) != CLI_EXIT_OK) {
			return rc;
		}
	}
	if (argc - optind != 1) {
		return cli_usage_errorf(self, argc - optind == 0 ? "missing the input file (or - "
		                                                   "for standard input)"
		                                                 : "give exactly one input file");
	}
	a->file = argv[optind];
	if (rmt_opts_check(&a->remote, a->data != NULL, &why) != IDR_OK) {
		return cli_usage_errorf(self, "%s", why);
	}
	if (a->remote.node != NULL && (a->strict || a->dry_run || a->batch != 0 ||
	                               a->map_size != 0 || a->max_id_chars != 0)) {
		return cli_usage_errorf(self, "--strict, --dry-run, --batch, --map-size and "
		                              "--max-id-chars are for a local data directory, not "
		                              "--node");
	}
	if (a->remote.node == NULL && a->jobs != 0) {
		return cli_usage_errorf(self, "--jobs is for --node");
	}
	if (a->remote.node != NULL && a->nalias_cols > 0) {
		return cli_usage_errorf(self, "--alias is for a local data directory, not --node");
	}
	return check_shard(self, a);
}

struct ui {
	const char *name; /* file name in messages */
	struct progress bar;
};

static void
on_bad_row(void *arg, uint64_t first, uint64_t last, const char *msg)
{
	struct ui *ui = arg;

	progress_clear(&ui->bar);
	if (last > first) {
		fprintf(stderr, "%s:%" PRIu64 "-%" PRIu64 ": %s\n", ui->name, first, last, msg);
	} else {
		fprintf(stderr, "%s:%" PRIu64 ": %s\n", ui->name, first, msg);
	}
}

static void
on_progress(void *arg, uint64_t bytes, uint64_t rows)
{
	struct ui *ui = arg;

	progress_update(&ui->bar, bytes, rows);
}

/* "N created, M updated, K unchanged" (updated only with --update), or the dry-run form. */
static void
counts(const struct import_args *a, const struct imp_stats *st, bool dry)
{
	printf("%" PRIu64 " %s", st->created, dry ? "to create" : "created");
	if (a->update) {
		printf(", %" PRIu64 " %s", st->updated, dry ? "to update" : "updated");
	}
	printf(", %" PRIu64 " unchanged", st->unchanged);
	if (st->aliases > 0) {
		printf(", %" PRIu64 " %s", st->aliases, dry ? "aliases to add" : "aliases added");
	}
}

static void
summary(const struct import_args *a, const struct imp_stats *st, double secs)
{
	double rate = secs > 0 ? (double)st->rows / secs : 0;

	if (a->dry_run) {
		printf("dry run: ");
		counts(a, st, true);
		printf(", %" PRIu64 " bad rows; nothing was written", st->bad);
	} else if (a->strict && st->bad > 0) {
		printf("strict: %" PRIu64 " bad rows, nothing was written (would have been: ",
		       st->bad);
		counts(a, st, false);
		printf(")");
	} else if (st->created == 0 && st->updated == 0 && st->bad == 0 &&
	           st->prefixes_created == 0 && st->owners_set == 0 && st->unchanged > 0) {
		printf("nothing to do: all %" PRIu64 " records already registered", st->unchanged);
	} else {
		counts(a, st, false);
		printf(", %" PRIu64 " bad rows (skipped)", st->bad);
	}
	if (st->prefixes_created > 0) {
		printf("; %" PRIu64 " prefixes %s", st->prefixes_created,
		       a->dry_run ? "to add" : "added");
	}
	if (st->owners_set > 0) {
		printf("; %" PRIu64 " prefix owner%s %s from the input", st->owners_set,
		       st->owners_set == 1 ? "" : "s", a->dry_run ? "to take" : "taken");
	}
	/* lines as well as rows, so a row taken into a multi-line record is seen missing */
	printf("; %" PRIu64 " rows from %" PRIu64 " lines", st->rows, st->lines);
	if (st->multiline == 1) {
		printf(", 1 of them over lines %" PRIu64 "-%" PRIu64, st->multi_first,
		       st->multi_last);
	} else if (st->multiline > 1) {
		printf(", %" PRIu64 " of them over several lines (the first: lines %" PRIu64
		       "-%" PRIu64 ")",
		       st->multiline, st->multi_first, st->multi_last);
	}
	printf(" in %.1f s (%.0f rows/s)\n", secs, rate);
}

static int
open_input(const struct cli_cmd *self, const char *file, int *fd, uint64_t *size)
{
	struct stat sb;

	*size = 0;
	if (strcmp(file, "-") == 0) {
		*fd = STDIN_FILENO;
	} else {
		*fd = open(file, O_RDONLY | O_CLOEXEC);
		if (*fd < 0) {
			cli_errorf(self->name, "%s: %s", file, strerror(errno));
			return CLI_EXIT_FAIL;
		}
	}
	if (fstat(*fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		*size = (uint64_t)sb.st_size;
	}
	return CLI_EXIT_OK;
}

static int
import(const struct cli_cmd *self, struct reg *r, const struct import_args *a, int fd,
       uint64_t size)
{
	struct imp_opts o;
	struct imp_stats st;
	struct ui ui;
	double t0 = progress_now();
	int rc;

	ui.name = strcmp(a->file, "-") == 0 ? "stdin" : a->file;
	progress_init(&ui.bar, STDERR_FILENO, true, size);
	memset(&o, 0, sizeof(o));
	o.batch = (size_t)a->batch;
	o.strict = a->strict;
	o.dry_run = a->dry_run;
	o.update = a->update;
	memcpy(o.alias_cols, a->alias_cols, sizeof(o.alias_cols));
	o.nalias_cols = a->nalias_cols;
	o.shard_n = (uint32_t)a->site_servers;
	o.shard_index = (uint32_t)a->shard;
	o.shard_option = a->has_option ? a->hash_option : HDL_HASH_BY_HANDLE;
	o.report = on_bad_row;
	o.progress = on_progress;
	o.arg = &ui;
	rc = imp_run(r, fd, &o, &st);
	if (rc != IDR_OK) {
		progress_clear(&ui.bar);
		cli_errorf(self->name, "%s: %s", ui.name, st.fatal);
		if (st.written) {
			fprintf(stderr, "idr import: rows before the failing batch were committed; "
			                "run the import again to resume\n");
		}
		return CLI_EXIT_FAIL;
	}
	progress_finish(&ui.bar);
	summary(a, &st, progress_now() - t0);
	if (a->site_servers > 0) {
		printf("shard %llu of %llu (hash by %s): %" PRIu64
		       " rows held by other servers skipped\n",
		       (unsigned long long)a->shard, (unsigned long long)a->site_servers,
		       shard_option_name(o.shard_option), st.other_shard);
	}
	if (st.conflicts > 0) {
		fprintf(stderr,
		        "idr import: %" PRIu64 " row%s conflict%s with registered records; "
		        "--update makes the records what the rows say\n",
		        st.conflicts, st.conflicts == 1 ? "" : "s", st.conflicts == 1 ? "s" : "");
	}
	return st.bad > 0 ? CLI_EXIT_BADROWS : CLI_EXIT_OK;
}

/* --node: the rows go to the node (rimp.h); the same messages and summary. */
static int
import_remote(const struct cli_cmd *self, const struct import_args *a, int fd, uint64_t size)
{
	struct rimp_opts o;
	struct rimp_stats st;
	struct ui ui;
	double t0 = progress_now();
	int rc;

	ui.name = strcmp(a->file, "-") == 0 ? "stdin" : a->file;
	progress_init(&ui.bar, STDERR_FILENO, true, size);
	memset(&o, 0, sizeof(o));
	o.remote = &a->remote;
	o.jobs = (unsigned)a->jobs;
	o.update = a->update;
	o.report = on_bad_row;
	o.progress = on_progress;
	o.arg = &ui;
	rc = rimp_run(fd, &o, &st);
	if (rc != IDR_OK) {
		progress_clear(&ui.bar);
		cli_errorf(self->name, "%s: %s", ui.name, st.s.fatal);
		if (st.s.written || st.s.unchanged > 0) {
			fprintf(stderr,
			        "idr import: %" PRIu64 " rows were answered before; run the "
			        "import again to finish the rest\n",
			        st.s.created + st.s.updated + st.s.unchanged);
		}
		return CLI_EXIT_FAIL;
	}
	progress_finish(&ui.bar);
	summary(a, &st.s, progress_now() - t0);
	if (st.prefix_lines > 0) {
		fprintf(stderr,
		        "idr import: %" PRIu64
		        " prefix line%s skipped (prefixes are managed on the "
		        "node: idr prefix)\n",
		        st.prefix_lines, st.prefix_lines == 1 ? "" : "s");
	}
	if (st.s.conflicts > 0) {
		fprintf(stderr,
		        "idr import: %" PRIu64 " row%s conflict%s with registered records; "
		        "--update makes the records what the rows say\n",
		        st.s.conflicts, st.s.conflicts == 1 ? "" : "s",
		        st.s.conflicts == 1 ? "s" : "");
	}
	return st.s.bad > 0 ? CLI_EXIT_BADROWS : CLI_EXIT_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct import_args a;
	struct reg_opts o;
	struct reg *r = NULL;
	uint64_t size;
	int fd = -1, rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	assert(a.file != NULL); /* parse() succeeds only with a file */
	if ((rc = open_input(self, a.file, &fd, &size)) != CLI_EXIT_OK) {
		return rc;
	}
	memset(&o, 0, sizeof(o));
	o.max_id_chars = (size_t)a.max_id_chars;
	o.map_size = a.map_size;
	if (a.remote.node != NULL) {
		rc = import_remote(self, &a, fd, size);
	} else if ((rc = cli_open(self->name, cli_data_dir(a.data), false, &o, &r)) ==
	           CLI_EXIT_OK) {
		rc = import(self, r, &a, fd, size);
		reg_close(r);
	}
	if (fd != STDIN_FILENO) {
		close(fd);
	}
	return rc;
}

const struct cli_cmd cmd_import = {
        "import",
        "import items from CSV or JSON lines (idempotent, resumable)",
        "usage: idr import FILE|- [--update] [--batch N] [--strict] [--dry-run]\n"
        "                  [--max-id-chars N] [--map-size SIZE] [--data DIR]\n"
        "                  [--site-servers N --shard I [--site-hash-option OPT]]\n"
        "       idr import FILE|- [--update] [--jobs N] --node URL --id INDEX:HANDLE\n"
        "                  (--key FILE | --secret-file FILE) [--cacert FILE | --insecure]\n"
        "\n"
        "Register the rows of FILE (- for standard input). Rows already registered with the\n"
        "same content are 'unchanged', so running the same file again, or again after an\n"
        "interruption, writes only what is missing. A bad row is reported as FILE:LINE: reason\n"
        "(FILE:FIRST-LAST: for a CSV record over several lines) and skipped (exit status 2 at\n"
        "the end); an identifier given twice is bad the second time, naming the first line.\n"
        "A row whose identifier is registered with other content is a bad row naming the\n"
        "values that differ, unless --update is given.\n"
        "The summary counts rows and lines, and the rows that span lines.\n"
        "\n"
        "CSV (UTF-8, RFC 4180 quoting: a quoted field may hold line breaks, but not a line\n"
        "that reads as a row of its own; first row = column names):\n"
        "  id (or handle)  the identifier, e.g. 88.118.8/P-000001      (required)\n"
        "  kind            part wip process product lot package          (required)\n"
        "  url             the item's URL, value index 1                 (optional)\n"
        "  any other       an attribute: type = column name, index 2000, 2001, ... by\n"
        "                  column; an empty cell means no attribute\n"
        "JSON lines (the first character is '{'), one object per line:\n"
        "  "
        "{\"id\":\"88.118.8/P-1\",\"kind\":\"part\",\"url\":\"...\",\"attrs\":{\"model\":\"X\"}}\n"
        "  {\"handle\":..,\"kind\":..,\"values\":[...]}   full records as written by idr export\n"
        "                                             (timestamps are kept)\n"
        "  {\"prefix\":\"88.118.8\",\"owner\":..,\"state\":1} prefixes, as written by idr export\n"
        "\n"
        "options:\n"
        "  --alias COL        the cells of attribute column COL (e.g. gs1, as idr gen writes\n"
        "                     it; repeatable, up to 8) also become aliases of the row's item\n"
        "                     (idr alias); a cell that is no alias, or an alias of another\n"
        "                     item, is a bad row (local imports only)\n"
        "  --update           update records registered with other content to what their\n"
        "                     row says: values the row does not have are removed, except\n"
        "                     HS_ values (administrators, keys), which a row cannot set;\n"
        "                     each update is journaled (up to three entries: values\n"
        "                     modified, removed, added)\n"
        "  --batch N          rows per transaction (default 10000); each is durable when\n"
        "                     committed\n"
        "  --strict           write nothing if any row is bad (one transaction; also catches\n"
        "                     conflicts with the store and inside the file)\n"
        "  --dry-run          report what would happen; write nothing\n"
        "  --max-id-chars N   identifier length limit in characters (default 255)\n"
        "  --map-size SIZE    LMDB map size for this run (default 16G)\n"
        "  --data DIR         data directory (default: $IDR_DATA, then ./idr-data)\n"
        "  --site-servers N --shard I [--site-hash-option prefix|suffix|handle]\n"
        "                     import only the share of server I (0 to N-1, HS_SITE order)\n"
        "                     of a site of N servers sharding by the Handle hash (default\n"
        "                     option handle; idrd site_servers): prefix lines, 0.NA/\n"
        "                     records and identity records (HS_PUBKEY, HS_SECKEY, HS_VLIST)\n"
        "                     go to every server, other rows are counted as held by other\n"
        "                     servers\n"
        "\n"
        "On a terminal a progress bar shows percent, rows/s and ETA; otherwise only the\n"
        "summary is printed: N created, M unchanged, K bad rows (skipped); R rows from L\n"
        "lines (with --update: N created, U updated, M unchanged, K bad rows).\n"
        "\n" RMT_HELP
        "  --jobs N           requests in flight, each on its own connection (default 8,\n"
        "                     at most 64)\n"
        "  With --node every row is a PUT /api/handles/ID?overwrite=false on the node: rows\n"
        "  already there identically are 'unchanged', so a re-run after a failure finishes\n"
        "  the rest. --update fetches a conflicting record and sends the differences.\n"
        "  Prefix lines are skipped; --strict, --dry-run, --batch, --map-size and\n"
        "  --max-id-chars are local only.\n",
        run,
};
