/* cmd_stats.c - `idr stats`: record counts by prefix and kind, store size. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/wbuf.h"
#include "common/cli.h"
#include "idr/cmd.h"
#include "model/rec.h"
#include "model/vjson.h"
#include "reg.h"

struct stat_row {
	char *prefix;
	int kind;
	uint64_t count;
};

struct stats {
	struct stat_row *v;
	size_t n, cap;
	uint64_t by_kind[REC_KIND_COUNT];
	uint64_t counted;
	struct reg_store_info info;
	struct reg_journal_info jrn;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, const char **data, bool *json)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"json", no_argument, NULL, 'j'},
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
		case 'j':
			*json = true;
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
	return CLI_EXIT_OK;
}

static int
on_stat(void *arg, struct slice prefix, enum rec_kind kind, uint64_t count)
{
	struct stats *s = arg;

	if (s->n == s->cap) {
		size_t cap = s->cap != 0 ? s->cap * 2 : 32;
		struct stat_row *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL) {
			return IDR_ENOMEM;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].prefix = slice_strdup(prefix);
	if (s->v[s->n].prefix == NULL) {
		return IDR_ENOMEM;
	}
	s->v[s->n].kind = (int)kind;
	s->v[s->n].count = count;
	s->n++;
	if ((int)kind >= 0 && kind < REC_KIND_COUNT) {
		s->by_kind[kind] += count;
	}
	s->counted += count;
	return 0;
}

static int
load(struct reg *r, struct stats *s)
{
	struct reg_rtxn *t = NULL;
	int rc = reg_read_begin(r, &t);

	if (rc != IDR_OK) {
		return rc;
	}
	rc = reg_stats(t, on_stat, s);
	if (rc == IDR_OK) {
		rc = reg_journal_info(t, &s->jrn);
	}
	reg_read_end(t);
	if (rc == IDR_OK) {
		rc = reg_store_info(r, &s->info);
	}
	return rc;
}

static const char *
kind_name(int kind)
{
	const char *n = rec_kind_name((enum rec_kind)kind);

	return n != NULL ? n : "?";
}

/* percent of b in a, one decimal, for the journal's share */
static double
share(uint64_t part, uint64_t whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

static void
print_journal(const struct stats *s)
{
	char jb[32], sb[32], when[32];

	cli_format_size(s->jrn.journal_bytes, jb, sizeof(jb));
	cli_format_size(s->jrn.store_bytes, sb, sizeof(sb));
	printf("journal:         %s of %s in the databases (%.1f%%), head seq %" PRIu64 "\n", jb,
	       sb, share(s->jrn.journal_bytes, s->jrn.store_bytes), s->jrn.head_seq);
	if (s->jrn.ckpt.seq == 0) {
		printf("checkpoint:      none (nothing folded)\n");
		return;
	}
	cli_format_time(s->jrn.ckpt.fold_ms / 1000, when, sizeof(when));
	printf("checkpoint:      seq %" PRIu64 " (folded %s UTC)\n", s->jrn.ckpt.seq, when);
}

static void
print_text(const struct stats *s)
{
	char file[32], used[32], map[32];
	size_t i, wp = 6;
	int k;

	for (i = 0; i < s->n; i++) {
		size_t w = strlen(s->v[i].prefix);

		wp = w > wp ? w : wp;
	}
	printf("%-*s  %-8s %12s\n", (int)wp, "PREFIX", "KIND", "RECORDS");
	for (i = 0; i < s->n; i++) {
		printf("%-*s  %-8s %12" PRIu64 "\n", (int)wp, s->v[i].prefix,
		       kind_name(s->v[i].kind), s->v[i].count);
	}
	printf("\nby kind:");
	for (k = 0; k < REC_KIND_COUNT; k++) {
		if (s->by_kind[k] > 0) {
			printf("  %s %" PRIu64, kind_name(k), s->by_kind[k]);
		}
	}
	cli_format_size(s->info.file_bytes, file, sizeof(file));
	cli_format_size(s->info.used_bytes, used, sizeof(used));
	cli_format_size(s->info.map_size, map, sizeof(map));
	printf("\n\nrecords:         %" PRIu64 "\n", s->info.records);
	printf("prefixes:        %" PRIu64 "\n", s->info.prefixes);
	printf("journal entries: %" PRIu64 "\n", s->info.journal_entries);
	print_journal(s);
	printf("store:           file %s, used %s, map size %s\n", file, used, map);
}

static void
print_json(const struct stats *s)
{
	struct wbuf w;
	size_t i;
	int k;
	bool first = true;

	wbuf_init_heap(&w, SIZE_MAX);
	wbuf_printf(&w,
	            "{\"records\":%" PRIu64 ",\"prefixes\":%" PRIu64 ",\"journal_entries\":%" PRIu64
	            ",\"store\":{\"file_bytes\":%" PRIu64 ",\"used_bytes\":%" PRIu64
	            ",\"map_size\":%" PRIu64 "},\"by_kind\":{",
	            s->info.records, s->info.prefixes, s->info.journal_entries, s->info.file_bytes,
	            s->info.used_bytes, s->info.map_size);
	for (k = 0; k < REC_KIND_COUNT; k++) {
		if (s->by_kind[k] > 0) {
			wbuf_printf(&w, "%s\"%s\":%" PRIu64, first ? "" : ",", kind_name(k),
			            s->by_kind[k]);
			first = false;
		}
	}
	wbuf_printf(&w,
	            "},\"journal\":{\"entries\":%" PRIu64 ",\"head_seq\":%" PRIu64
	            ",\"bytes\":%" PRIu64 ",\"store_bytes\":%" PRIu64 ",\"checkpoint_seq\":%" PRIu64
	            ",\"checkpoint_ms\":%" PRIu64 "",
	            s->jrn.entries, s->jrn.head_seq, s->jrn.journal_bytes, s->jrn.store_bytes,
	            s->jrn.ckpt.seq, s->jrn.ckpt.fold_ms);
	wbuf_cstr(&w, "},\"by_prefix\":[");
	for (i = 0; i < s->n; i++) {
		wbuf_cstr(&w, i > 0 ? ",{\"prefix\":" : "{\"prefix\":");
		vjson_write_str(&w, slice_cstr(s->v[i].prefix));
		wbuf_printf(&w, ",\"kind\":\"%s\",\"records\":%" PRIu64 "}",
		            kind_name(s->v[i].kind), s->v[i].count);
	}
	wbuf_cstr(&w, "]}\n");
	if (wbuf_error(&w) == IDR_OK) {
		fwrite(wbuf_data(&w), 1, wbuf_len(&w), stdout);
	}
	wbuf_deinit(&w);
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct stats s;
	struct reg *r = NULL;
	const char *data = NULL;
	bool json = false;
	size_t i;
	int rc;

	rc = parse(self, argc, argv, &data, &json);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if ((rc = cli_open(self->name, cli_data_dir(data), true, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	memset(&s, 0, sizeof(s));
	rc = load(r, &s);
	reg_close(r);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s", idr_strerror(rc));
	} else if (json) {
		print_json(&s);
	} else {
		print_text(&s);
	}
	for (i = 0; i < s.n; i++) {
		free(s.v[i].prefix);
	}
	free(s.v);
	return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

const struct cli_cmd cmd_stats = {
        "stats",
        "record counts by prefix and kind, store size, journal entries",
        "usage: idr stats [--json] [--data DIR]\n"
        "\n"
        "Print the number of records per hosted prefix and item kind (from the counters kept\n"
        "with every write), totals by kind, the number of records, prefixes and journal\n"
        "entries, the journal's share of the pages in use and its checkpoint (idr journal\n"
        "fold), and the store's size: data file, bytes in use, LMDB map size.\n"
        "\n"
        "options:\n"
        "  --json       JSON output\n"
        "  --data DIR   data directory (default: $IDR_DATA, then ./idr-data)\n",
        run,
};
