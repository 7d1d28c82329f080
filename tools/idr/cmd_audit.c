/* cmd_audit.c - `idr audit verify`: recompute the journal's hash chain. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "base/crypto.h"
#include "common/cli.h"
#include "idr/cmd.h"
#include "reg.h"

static int
parse(const struct cli_cmd *self, int argc, char **argv, const char **data)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			*data = optarg;
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	if (argc - optind != 1 || strcmp(argv[optind], "verify") != 0) {
		return cli_usage_errorf(self, argc - optind == 0
		                                      ? "missing subcommand (verify)"
		                                      : "unknown subcommand (only: verify)");
	}
	return CLI_EXIT_OK;
}

/* "from checkpoint seq N (folded 2026-12-07 02:04:23 UTC); M records predate it" */
static void
print_ckpt(const struct audit_report *au)
{
	char when[32];

	cli_format_time(au->ckpt_fold_ms / 1000, when, sizeof(when));
	printf("from checkpoint seq %" PRIu64 " (folded %s UTC); %" PRIu64
	       " records predate it (checked for form only)\n",
	       au->ckpt_seq, when, au->unchecked);
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct audit_report au;
	struct reg *r = NULL;
	const char *data = NULL;
	char head[2 * CRYPTO_SHA256_LEN + 1];
	int rc;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		return cli_help(self);
	}
	rc = parse(self, argc, argv, &data);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if ((rc = cli_open(self->name, cli_data_dir(data), true, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	memset(&au, 0, sizeof(au));
	rc = audit_verify(r, &au);
	reg_close(r);
	if (rc == IDR_EJOURNAL) {
		printf("journal verification FAILED at entry %" PRIu64 ": %s\n", au.bad_seq,
		       au.reason);
		printf("(%" PRIu64 " entries checked before it)\n", au.entries);
		return CLI_EXIT_AUDIT;
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s", idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	crypto_hex(au.head, sizeof(au.head), head);
	printf("journal OK: %" PRIu64 " entries, %" PRIu64 " records checked\n", au.entries,
	       au.records);
	if (au.ckpt_seq > 0) {
		print_ckpt(&au);
	}
	printf("head %s\n", head);
	return CLI_EXIT_OK;
}

const struct cli_cmd cmd_audit = {
        "audit",
        "verify the journal's hash chain against the records",
        "usage: idr audit verify [--data DIR]\n"
        "\n"
        "Recompute the SHA-256 hash of every journal entry and the chain linking each entry to\n"
        "the previous one, check the sequence has no gap, and cross-check every stored record\n"
        "against the journal entry that last wrote it. After `idr journal fold` the check starts\n"
        "at the checkpoint (the first kept entry must link to it) and says so; records last\n"
        "written before it are checked for form only. Prints the number of entries and\n"
        "records checked and the head hash; on a mismatch prints the first broken entry and\n"
        "why, with exit status 4.\n"
        "\n"
        "options:\n"
        "  --data DIR   data directory (default: $IDR_DATA, then ./idr-data)\n",
        run,
};
