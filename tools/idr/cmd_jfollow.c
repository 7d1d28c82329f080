/*
 * cmd_jfollow.c - `idr journal followers` (the journal's followers and what they acknowledged)
 * and `idr journal forget IDENTITY` (drop one, so it no longer holds journal retention back).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/num.h"
#include "base/wbuf.h"
#include "common/cli.h"
#include "idr/cmd.h"
#include "model/vjson.h"
#include "reg.h"
#include "reg_follow.h"

#define EXPIRE_DEFAULT 604800 /* idrd's journal_follower_expire default (7 days) */
#define NAME_COL       28

struct jf_args {
	const char *data;
	uint64_t expire_s;
	bool json;
};

/* Options shared by both subcommands; argv[0] is the subcommand. @return CLI_EXIT_OK, -1 help */
static int
parse(const struct cli_cmd *self, int argc, char **argv, struct jf_args *a, bool list)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"expire", required_argument, NULL, 'e'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			return -1;
		} else if (c == 'd') {
			a->data = optarg;
		} else if (c == 'e' && list) {
			if (num_parse_duration(optarg, 0, UINT64_MAX / 1000, &a->expire_s) !=
			    IDR_OK) {
				return cli_usage_errorf(self,
				                        "--expire: '%s' is not a duration (e.g. 0, "
				                        "3600, 12h, 7d; 0 = never)",
				                        optarg);
			}
		} else if (c == 'j' && list) {
			a->json = true;
		} else {
			return cli_bad_option(self, c, argv);
		}
	}
	return CLI_EXIT_OK;
}

struct listing {
	uint64_t head, now_s, expire_s;
	bool json;
	size_t n;
	struct wbuf *w;
};

static int
row(void *arg, struct slice follower, const struct reg_follow_info *fi)
{
	struct listing *l = arg;
	bool expired = reg_follow_expired(fi, l->now_s, l->expire_s);
	uint64_t lag = l->head > fi->seq ? l->head - fi->seq : 0;
	char when[32];

	if (l->json) {
		wbuf_cstr(l->w, l->n > 0 ? ",{\"identity\":" : "{\"identity\":");
		vjson_write_str(l->w, follower);
		wbuf_printf(l->w,
		            ",\"acknowledged\":%" PRIu64 ",\"lastAck\":%" PRIu64 ",\"lag\":%" PRIu64
		            ",\"expired\":%s}",
		            fi->seq, fi->ack_s, lag, expired ? "true" : "false");
	} else {
		cli_format_time(fi->ack_s, when, sizeof(when));
		cli_put_padded(stdout, follower, NAME_COL);
		printf(" %12" PRIu64 "  %-19s %10" PRIu64 "  %s\n", fi->seq, when, lag,
		       expired ? "expired" : "live");
	}
	l->n++;
	return 0;
}

/* List in one read transaction. */
static int
list(struct reg *r, struct listing *l)
{
	struct reg_journal_info ji;
	struct reg_rtxn *t = NULL;
	int rc = reg_read_begin(r, &t);

	if (rc == IDR_OK) {
		rc = reg_journal_info(t, &ji);
	}
	if (rc == IDR_OK) {
		l->head = ji.head_seq;
		if (l->json) {
			wbuf_printf(l->w,
			            "{\"head\":%" PRIu64 ",\"expireSeconds\":%" PRIu64
			            ",\"followers\":[",
			            l->head, l->expire_s);
		} else {
			cli_put_padded(stdout, SLICE_LIT("FOLLOWER"), NAME_COL);
			printf(" %12s  %-19s %10s  %s\n", "ACKNOWLEDGED", "LAST ACK (UTC)", "LAG",
			       "STATE");
		}
		rc = reg_follow_list(t, row, l);
	}
	reg_read_end(t);
	return rc;
}

int
journal_followers_run(const struct cli_cmd *self, int argc, char **argv)
{
	struct jf_args a = {NULL, EXPIRE_DEFAULT, false};
	struct wbuf w;
	struct listing l;
	struct reg *r = NULL;
	char msg[256];
	int rc = parse(self, argc, argv, &a, true);

	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if (argc - optind != 0) {
		return cli_usage_errorf(self, "followers takes no operand");
	}
	rc = cli_open(self->name, cli_data_dir(a.data), true, NULL, &r);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	wbuf_init_heap(&w, SIZE_MAX);
	memset(&l, 0, sizeof(l));
	l.now_s = (uint64_t)time(NULL);
	l.expire_s = a.expire_s;
	l.json = a.json;
	l.w = &w;
	rc = list(r, &l);
	if (rc == IDR_OK && a.json) {
		wbuf_cstr(&w, "]}\n");
		rc = wbuf_error(&w);
		if (rc == IDR_OK) {
			fwrite(wbuf_data(&w), 1, wbuf_len(&w), stdout);
		}
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s", reg_strerror(r, rc, msg, sizeof(msg)));
	}
	wbuf_deinit(&w);
	reg_close(r);
	return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int
journal_forget_run(const struct cli_cmd *self, int argc, char **argv)
{
	struct jf_args a = {NULL, 0, false};
	struct reg_wtxn *w;
	struct reg *r = NULL;
	char msg[256], safe[128];
	const char *who;
	int rc = parse(self, argc, argv, &a, false);

	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if (argc - optind != 1) {
		return cli_usage_errorf(self,
		                        "forget takes one IDENTITY (see idr journal followers)");
	}
	who = argv[optind];
	rc = cli_open(self->name, cli_data_dir(a.data), false, NULL, &r);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	if (rc == IDR_OK) {
		rc = reg_follow_forget(w, slice_cstr(who));
		rc = cli_write_end(w, rc);
	}
	if (rc == IDR_OK) {
		printf("forgot follower %s\n", cli_safe(who, safe, sizeof(safe)));
	} else if (rc == IDR_ENOENT) {
		cli_errorf(self->name, "no follower %s (see idr journal followers)",
		           cli_safe(who, safe, sizeof(safe)));
	} else if (rc == IDR_EINVAL || rc == IDR_ELIMIT) {
		cli_errorf(self->name, "'%s' is not a follower identity (1..%d bytes)",
		           cli_safe(who, safe, sizeof(safe)), REG_FOLLOW_NAME_MAX);
	} else {
		cli_errorf(self->name, "%s", reg_strerror(r, rc, msg, sizeof(msg)));
	}
	reg_close(r);
	return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
