/*
 * cmd_journal.c - `idr journal fold`: fold the oldest journal entries into the checkpoint;
 * `idr journal followers` and `forget` are in cmd_jfollow.c.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/num.h"
#include "common/cli.h"
#include "idr/cmd.h"
#include "jrn.h"
#include "reg.h"
#include "reg_follow.h"

#define FOLD_BATCH_MAX 1000000

struct fold_args {
	const char *data;
	struct jrn_retention keep;
	uint64_t batch;
	uint64_t expire_s; /* followers silent longer do not hold the fold (0: never expire) */
	bool dry_run;
	bool rule;      /* --before, --age or --keep-bytes given */
	bool followers; /* live followers bound the fold (not --ignore-followers) */
};

static int
parse_opt(const struct cli_cmd *self, int c, struct fold_args *a)
{
	uint64_t v;

	switch (c) {
	case 'd':
		a->data = optarg;
		return CLI_EXIT_OK;
	case 'b':
		if (num_parse_u64(optarg, 1, UINT64_MAX, &a->keep.before) != IDR_OK) {
			return cli_usage_errorf(self, "--before: '%s' is not a journal seq >= 1",
			                        optarg);
		}
		break;
	case 'a':
		if (num_parse_duration(optarg, 1, UINT64_MAX / 1000, &v) != IDR_OK) {
			return cli_usage_errorf(
			        self,
			        "--age: '%s' is not a duration >= 1s (e.g. 3600, 90m, "
			        "12h, 30d, 2w)",
			        optarg);
		}
		a->keep.age_ms = v * 1000;
		break;
	case 'k':
		if (num_parse_size(optarg, 1, UINT64_MAX, &a->keep.keep_bytes) != IDR_OK) {
			return cli_usage_errorf(self,
			                        "--keep-bytes: '%s' is not a size >= 1 (e.g. "
			                        "512M, 4G)",
			                        optarg);
		}
		break;
	case 'n':
		if (num_parse_u64(optarg, 1, FOLD_BATCH_MAX, &a->batch) != IDR_OK) {
			return cli_usage_errorf(self, "--batch: '%s' is not a number in 1..%d",
			                        optarg, FOLD_BATCH_MAX);
		}
		return CLI_EXIT_OK;
	case 'r':
		a->dry_run = true;
		return CLI_EXIT_OK;
	case 'e':
		if (num_parse_duration(optarg, 0, UINT64_MAX / 1000, &a->expire_s) != IDR_OK) {
			return cli_usage_errorf(self,
			                        "--expire: '%s' is not a duration (e.g. 0, 12h, "
			                        "7d; 0 = never)",
			                        optarg);
		}
		return CLI_EXIT_OK;
	case 'i':
		a->followers = false;
		return CLI_EXIT_OK;
	default:
		return -2;
	}
	a->rule = true;
	return CLI_EXIT_OK;
}

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct fold_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"before", required_argument, NULL, 'b'},
	        {"age", required_argument, NULL, 'a'},
	        {"keep-bytes", required_argument, NULL, 'k'},
	        {"batch", required_argument, NULL, 'n'},
	        {"dry-run", no_argument, NULL, 'r'},
	        {"expire", required_argument, NULL, 'e'},
	        {"ignore-followers", no_argument, NULL, 'i'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			return -1;
		}
		rc = parse_opt(self, c, a);
		if (rc == -2) {
			return cli_bad_option(self, c, argv);
		}
		if (rc != CLI_EXIT_OK) {
			return rc;
		}
	}
	if (argc - optind != 1 || strcmp(argv[optind], "fold") != 0) {
		return cli_usage_errorf(
		        self, argc - optind == 0 ? "missing subcommand (fold, followers, forget)"
		                                 : "unknown subcommand (fold, followers, forget)");
	}
	if (!a->rule) {
		return cli_usage_errorf(self, "say what to fold: --before SEQ, --age DUR and/or "
		                              "--keep-bytes SIZE");
	}
	return CLI_EXIT_OK;
}

/*
 * The bound of the rules and the checkpoint now; as idrd's fold, nothing a live follower has
 * not acknowledged (reg_follow.h) unless --ignore-followers. *held: the followers lowered it.
 */
static int
plan(struct reg *r, const struct fold_args *a, uint64_t *bound, struct reg_journal_info *ji,
     bool *held)
{
	struct reg_rtxn *t = NULL;
	uint64_t now_s = (uint64_t)time(NULL), acked = 0;
	int rc = reg_read_begin(r, &t);

	*held = false;
	if (rc == IDR_OK) {
		rc = reg_journal_bound(t, &a->keep, now_s * 1000, bound);
	}
	if (rc == IDR_OK && a->followers) {
		rc = reg_follow_min(t, now_s, a->expire_s, &acked);
		if (rc == IDR_OK && acked + 1 < *bound) {
			*bound = acked + 1;
			*held = true;
		}
		rc = rc == IDR_ENOENT ? IDR_OK : rc;
	}
	if (rc == IDR_OK) {
		rc = reg_journal_info(t, ji);
	}
	reg_read_end(t);
	if (rc == IDR_OK && *bound > ji->head_seq + 1) {
		*bound = ji->head_seq + 1;
	}
	return rc;
}

/* Fold step by step, one transaction each, until nothing below bound is left. */
static int
fold(struct reg *r, const struct fold_args *a, uint64_t bound, struct jrn_fold_result *sum,
     unsigned *steps)
{
	struct jrn_fold_result res;
	struct reg_wtxn *w;
	int rc;

	do {
		rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
		if (rc != IDR_OK) {
			return rc;
		}
		rc = cli_write_end(w, reg_journal_fold(w, bound, (size_t)a->batch, &res));
		if (rc != IDR_OK) {
			return rc;
		}
		(*steps)++;
		sum->folded += res.folded;
		sum->bytes += res.bytes;
		sum->ckpt = res.ckpt;
	} while (res.more && res.folded > 0);
	return IDR_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct fold_args a = {NULL, {UINT64_MAX, 0, 0}, JRN_FOLD_BATCH, 604800, false, false, true};
	struct jrn_fold_result sum;
	struct reg_journal_info ji;
	struct reg *r = NULL;
	char size[32], msg[256];
	uint64_t bound = 0;
	unsigned steps = 0;
	bool held = false;
	int rc;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		return cli_help(self);
	}
	if (argc >= 2 && strcmp(argv[1], "followers") == 0) {
		return journal_followers_run(self, argc - 1, argv + 1);
	}
	if (argc >= 2 && strcmp(argv[1], "forget") == 0) {
		return journal_forget_run(self, argc - 1, argv + 1);
	}
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	rc = cli_open(self->name, cli_data_dir(a.data), a.dry_run, NULL, &r);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	memset(&sum, 0, sizeof(sum));
	rc = plan(r, &a, &bound, &ji, &held);
	if (rc == IDR_OK && held) {
		printf("held back by a journal follower at seq %" PRIu64
		       " (idr journal followers; --ignore-followers folds anyway)\n",
		       bound > 0 ? bound - 1 : 0);
	}
	if (rc == IDR_OK && a.dry_run) {
		printf("would fold %" PRIu64 " entries (seq %" PRIu64 " to %" PRIu64
		       "), keeping %" PRIu64 "\n",
		       bound > ji.ckpt.seq + 1 ? bound - ji.ckpt.seq - 1 : 0, ji.ckpt.seq + 1,
		       bound > 0 ? bound - 1 : 0, ji.head_seq - (bound > 0 ? bound - 1 : 0));
	} else if (rc == IDR_OK) {
		sum.ckpt = ji.ckpt;
		rc = fold(r, &a, bound, &sum, &steps);
	}
	if (rc == IDR_OK && !a.dry_run) {
		cli_format_size(sum.bytes, size, sizeof(size));
		printf("folded %" PRIu64 " entries (%s) in %u transactions; checkpoint seq %" PRIu64
		       ", head %" PRIu64 "\n",
		       sum.folded, size, steps, sum.ckpt.seq, ji.head_seq);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s%s", reg_strerror(r, rc, msg, sizeof(msg)),
		           rc == IDR_EJOURNAL ? " (run idr audit verify)" : "");
	}
	reg_close(r);
	return rc == IDR_OK ? CLI_EXIT_OK : rc == IDR_EJOURNAL ? CLI_EXIT_AUDIT : CLI_EXIT_FAIL;
}

const struct cli_cmd cmd_journal = {
        "journal",
        "fold the oldest journal entries (retention); list or forget journal followers",
        "usage: idr journal fold [--before SEQ] [--age DUR] [--keep-bytes SIZE]\n"
        "                        [--batch N] [--expire DUR] [--ignore-followers]\n"
        "                        [--dry-run] [--data DIR]\n"
        "       idr journal followers [--expire DUR] [--json] [--data DIR]\n"
        "       idr journal forget IDENTITY [--data DIR]\n"
        "\n"
        "Remove the oldest journal entries and record the last one removed (its seq and entry\n"
        "hash) as the checkpoint, so `idr audit verify` still proves the chain from there on.\n"
        "Entries are checked before they go; a broken chain stops the fold (exit status 4).\n"
        "The fold runs in transactions of --batch entries (default 10000), so idrd and other\n"
        "writers wait at most one of them; an interrupted fold leaves a valid checkpoint.\n"
        "An entry is folded when it is below --before and, if --age or --keep-bytes is given,\n"
        "older than DUR or beyond the newest SIZE bytes of journal. Records and exports do\n"
        "not change; followers behind the checkpoint re-bootstrap from a snapshot.\n"
        "\n"
        "options:\n"
        "  --before SEQ       fold entries with seq < SEQ\n"
        "  --age DUR          fold entries older than DUR (seconds, or 90m, 12h, 30d, 2w)\n"
        "  --keep-bytes SIZE  keep the newest SIZE bytes of entries (e.g. 512M)\n"
        "  --batch N          entries per transaction (default 10000)\n"
        "  --expire DUR       as idrd's fold, entries a journal follower (mirror, backup) has\n"
        "                     not acknowledged are kept, unless it has been silent for\n"
        "                     longer than DUR (default 7d; 0 = never expire)\n"
        "  --ignore-followers fold what the rules say even if followers lack it (they\n"
        "                     re-bootstrap from a snapshot)\n"
        "  --dry-run          say what would be folded, change nothing\n"
        "  --data DIR         data directory (default: $IDR_DATA, then ./idr-data)\n"
        "\n"
        "followers lists the journal's followers (mirrors, the top level's backup): identity,\n"
        "the seq acknowledged, the last acknowledgement (UTC), the lag in entries behind the\n"
        "head and whether it is expired (silent for longer than --expire DUR, default 7d, as\n"
        "idrd's journal_follower_expire; 0 = never): idrd's fold no longer waits for an\n"
        "expired follower, which starts again from a snapshot. --json prints\n"
        "{\"head\":N,\"expireSeconds\":S,\"followers\":[{\"identity\",\"acknowledged\",\n"
        "\"lastAck\",\"lag\",\"expired\"}]}.\n"
        "forget IDENTITY drops one follower at once (it holds nothing back any more; if it\n"
        "asks again it is recorded again). Acknowledgements are this node's bookkeeping, not\n"
        "journaled, so forget writes no journal entry either.\n",
        run,
};
