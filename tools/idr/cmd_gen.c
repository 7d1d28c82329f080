/* cmd_gen.c - `idr gen`: identifiers from a pattern, with GS1 keys, as CSV for idr import. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/gen.h"
#include "idr/cmd.h"
#include "model/ident.h"
#include "model/rec.h"

#define GEN_DEFAULT_DL "https://id.gs1.org"
#define GEN_MAX_COUNT  10000000u
#define GEN_LINE_MAX   4096
#define GEN_URL_MAX    1024
#define GEN_ID_MAX     600

struct gen_args {
	const char *prefix, *kind_name, *pattern, *serial, *date, *gtin, *lot, *sscc;
	const char *url_base, *node_url, *dl_base, *out;
	uint64_t count, start, indicator, ext;
	bool have_count;
	enum rec_kind kind;
};

/* Everything fixed for the run, checked before the first row is written. */
struct gen_plan {
	struct gen_pattern id_pat, serial_pat;
	struct gen_date date;
	char gtin[15];
	bool use_gtin, use_sscc;
};

static int
parse_opt(const struct cli_cmd *self, int c, struct gen_args *a)
{
	switch (c) {
	case 'p':
		a->prefix = optarg;
		break;
	case 'k':
		a->kind_name = optarg;
		break;
	case 'P':
		a->pattern = optarg;
		break;
	case 'S':
		a->serial = optarg;
		break;
	case 'D':
		a->date = optarg;
		break;
	case 'g':
		a->gtin = optarg;
		break;
	case 'l':
		a->lot = optarg;
		break;
	case 's':
		a->sscc = optarg;
		break;
	case 'u':
		a->url_base = optarg;
		break;
	case 'n':
		a->node_url = optarg;
		break;
	case 'L':
		a->dl_base = optarg;
		break;
	case 'o':
		a->out = optarg;
		break;
	case 'c':
		a->have_count = true;
		return cli_parse_u64(self, "--count", optarg, 1, GEN_MAX_COUNT, &a->count);
	case 'f':
		return cli_parse_u64(self, "--start", optarg, 0, UINT64_MAX / 2, &a->start);
	case 'i':
		return cli_parse_u64(self, "--indicator", optarg, 0, 9, &a->indicator);
	case 'e':
		return cli_parse_u64(self, "--extension", optarg, 0, 9, &a->ext);
	default:
		return -2;
	}
	return CLI_EXIT_OK;
}

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct gen_args *a)
{
	static const struct option longopts[] = {
	        {"prefix", required_argument, NULL, 'p'},
	        {"kind", required_argument, NULL, 'k'},
	        {"count", required_argument, NULL, 'c'},
	        {"start", required_argument, NULL, 'f'},
	        {"pattern", required_argument, NULL, 'P'},
	        {"serial", required_argument, NULL, 'S'},
	        {"date", required_argument, NULL, 'D'},
	        {"gtin", required_argument, NULL, 'g'},
	        {"indicator", required_argument, NULL, 'i'},
	        {"lot", required_argument, NULL, 'l'},
	        {"sscc", required_argument, NULL, 's'},
	        {"extension", required_argument, NULL, 'e'},
	        {"url-base", required_argument, NULL, 'u'},
	        {"node-url", required_argument, NULL, 'n'},
	        {"dl-base", required_argument, NULL, 'L'},
	        {"output", required_argument, NULL, 'o'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c, rc;

	a->start = 1;
	a->dl_base = GEN_DEFAULT_DL;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
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
	if (optind < argc && argv[optind] != NULL) {
		return cli_usage_errorf(self, "unexpected argument '%s'", argv[optind]);
	}
	if (a->prefix == NULL || a->kind_name == NULL || !a->have_count) {
		return cli_usage_errorf(self, "--prefix, --kind and --count are required");
	}
	if (ident_prefix_check(slice_cstr(a->prefix)) != IDR_OK) {
		return cli_usage_errorf(self, "--prefix '%s' is not a prefix such as 88.118.8",
		                        a->prefix);
	}
	if (rec_kind_parse(slice_cstr(a->kind_name), &a->kind) != IDR_OK) {
		return cli_usage_errorf(self,
		                        "--kind '%s': one of part wip process product lot "
		                        "package",
		                        a->kind_name);
	}
	return CLI_EXIT_OK;
}

/* The largest counter the patterns and keys can hold, and whether a row differs from the next. */
static int
check_range(const struct cli_cmd *self, const struct gen_args *a, const struct gen_plan *p)
{
	uint64_t last = a->start + a->count - 1, max = gen_pattern_max_seq(&p->id_pat);
	const char *what = "the --pattern counter";
	bool varies = p->id_pat.seq_width > 0 || (p->id_pat.uses & GEN_ALLOW_SSCC) != 0;

	if (p->use_gtin) {
		if (gen_pattern_max_seq(&p->serial_pat) < max) {
			max = gen_pattern_max_seq(&p->serial_pat);
			what = "the --serial counter";
		}
		varies = varies ||
		         ((p->id_pat.uses & GEN_ALLOW_SERIAL) != 0 && p->serial_pat.seq_width > 0);
	}
	if (a->sscc != NULL && gen_sscc_max_ref(strlen(a->sscc)) < max) {
		max = gen_sscc_max_ref(strlen(a->sscc));
		what = "the SSCC serial reference";
	}
	if (a->count > 1 && !varies) {
		cli_errorf(self->name,
		           "the pattern has no counter ({seq:W}%s): all %llu identifiers "
		           "would be the same",
		           p->use_gtin   ? ", or {serial} with one"
		           : p->use_sscc ? " or {sscc}"
		                         : "",
		           (unsigned long long)a->count);
		return CLI_EXIT_USAGE;
	}
	if (last > max) {
		cli_errorf(self->name,
		           "%llu identifiers from %llu need counters up to %llu, but %s "
		           "holds at most %llu",
		           (unsigned long long)a->count, (unsigned long long)a->start,
		           (unsigned long long)last, what, (unsigned long long)max);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

static int
today(struct gen_date *d)
{
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL) {
		return IDR_EINVAL;
	}
	d->year = (unsigned)tm.tm_year + 1900;
	d->month = (unsigned)tm.tm_mon + 1;
	d->day = (unsigned)tm.tm_mday;
	return IDR_OK;
}

static int
plan_make(const struct cli_cmd *self, const struct gen_args *a, struct gen_plan *p)
{
	char err[GEN_ERR_LEN];
	const char *pat = a->pattern;
	unsigned allow = 0;

	memset(p, 0, sizeof(*p));
	p->use_gtin = a->gtin != NULL;
	p->use_sscc = a->sscc != NULL;
	if (p->use_gtin && p->use_sscc) {
		return cli_usage_errorf(self, "give --gtin or --sscc, not both");
	}
	if ((!p->use_gtin && (a->serial != NULL || a->lot != NULL || a->indicator != 0)) ||
	    (!p->use_sscc && a->ext != 0)) {
		return cli_usage_errorf(self, "--serial, --lot and --indicator go with --gtin, "
		                              "--extension with --sscc");
	}
	if (p->use_gtin) {
		allow = GEN_ALLOW_GTIN | GEN_ALLOW_SERIAL;
		pat = pat != NULL ? pat : "{gtin}.{serial}";
		if (gen_gtin(a->gtin, (unsigned)a->indicator, p->gtin, err, sizeof(err)) !=
		            IDR_OK ||
		    (a->lot != NULL && gen_cset82_check(a->lot, err, sizeof(err)) != IDR_OK) ||
		    gen_pattern_parse(&p->serial_pat, a->serial != NULL ? a->serial : "{seq:6}", 0,
		                      err, sizeof(err)) != IDR_OK) {
			return cli_usage_errorf(self, "%s", err);
		}
	} else if (p->use_sscc) {
		char probe[19];

		allow = GEN_ALLOW_SSCC;
		pat = pat != NULL ? pat : "{sscc}";
		if (gen_sscc((unsigned)a->ext, a->sscc, 0, probe) != IDR_OK) {
			return cli_usage_errorf(
			        self, "--sscc '%s': a GS1 company prefix of 6..12 digits", a->sscc);
		}
	}
	if (gen_pattern_parse(&p->id_pat, pat != NULL ? pat : "{seq:6}", allow, err, sizeof(err)) !=
	    IDR_OK) {
		return cli_usage_errorf(self, "--pattern: %s", err);
	}
	if (a->date != NULL ? gen_date_parse(a->date, &p->date) != IDR_OK
	                    : today(&p->date) != IDR_OK) {
		return cli_usage_errorf(self, "--date '%s': give YYYY-MM-DD",
		                        a->date != NULL ? a->date : "");
	}
	return check_range(self, a, p);
}

/* Columns: id,kind[,url][,gtin,serial[,lot]][,sscc][,gs1,dl][,link] */
static int
put_header(FILE *f, const struct gen_args *a, const struct gen_plan *p)
{
	fputs("id,kind", f);
	fputs(a->url_base != NULL ? ",url" : "", f);
	fputs(p->use_gtin ? ",gtin,serial" : "", f);
	fputs(a->lot != NULL ? ",lot" : "", f);
	fputs(p->use_sscc ? ",sscc" : "", f);
	fputs(p->use_gtin || p->use_sscc ? ",gs1,dl" : "", f);
	fputs(a->node_url != NULL ? ",link\n" : "\n", f);
	return ferror(f) ? IDR_EIO : IDR_OK;
}

struct gen_row {
	char id[GEN_ID_MAX], serial[GEN_MAX_OUT], sscc[19], url[GEN_URL_MAX], gs1[256];
	char dl[GEN_URL_MAX], link[GEN_URL_MAX];
};

/* The GS1 columns of one row: element string and Digital Link. */
static int
row_gs1(const struct gen_args *a, const struct gen_plan *p, struct gen_row *r)
{
	struct gen_ai ais[3];
	size_t n = 0;

	if (p->use_sscc) {
		ais[n++] = (struct gen_ai){"00", r->sscc};
	} else {
		ais[n++] = (struct gen_ai){"01", p->gtin};
		if (a->lot != NULL) {
			ais[n++] = (struct gen_ai){"10", a->lot};
		}
		ais[n++] = (struct gen_ai){"21", r->serial};
	}
	if (gen_gs1_hri(ais, n, r->gs1, sizeof(r->gs1)) != IDR_OK ||
	    gen_gs1_dl(a->dl_base, ais, n, r->dl, sizeof(r->dl)) != IDR_OK) {
		return IDR_ETOOBIG;
	}
	return IDR_OK;
}

static int
row_make(const struct gen_args *a, const struct gen_plan *p, uint64_t seq, struct gen_row *r,
         char *err, size_t errlen)
{
	struct gen_vars v = {seq, p->date, NULL, NULL, NULL};
	char suffix[GEN_MAX_OUT];
	struct ident id;
	int rc, n;

	if (p->use_gtin) {
		v.gtin = p->gtin;
		rc = gen_pattern_expand(&p->serial_pat, &v, r->serial, sizeof(r->serial), err,
		                        errlen);
		if (rc != IDR_OK || (rc = gen_cset82_check(r->serial, err, errlen)) != IDR_OK) {
			return rc;
		}
		v.serial = r->serial;
	}
	if (p->use_sscc) {
		if ((rc = gen_sscc((unsigned)a->ext, a->sscc, seq, r->sscc)) != IDR_OK) {
			return rc;
		}
		v.sscc = r->sscc;
	}
	if ((rc = gen_pattern_expand(&p->id_pat, &v, suffix, sizeof(suffix), err, errlen)) !=
	    IDR_OK) {
		return rc;
	}
	n = snprintf(r->id, sizeof(r->id), "%s/%s", a->prefix, suffix);
	if (n < 0 || (size_t)n >= sizeof(r->id) ||
	    ident_parse(&id, r->id, (size_t)n, NULL) != IDR_OK) {
		snprintf(err, errlen, "'%s' is not a valid identifier", r->id);
		return IDR_EPROTO;
	}
	if ((a->url_base != NULL && gen_url_join(a->url_base, suffix, r->url, sizeof(r->url))) ||
	    (a->node_url != NULL && gen_url_join(a->node_url, r->id, r->link, sizeof(r->link))) ||
	    ((p->use_gtin || p->use_sscc) && row_gs1(a, p, r) != IDR_OK)) {
		snprintf(err, errlen, "%s: a URL or element string is too long", r->id);
		return IDR_ETOOBIG;
	}
	return IDR_OK;
}

static int
row_write(FILE *f, const struct gen_args *a, const struct gen_plan *p, const struct gen_row *r)
{
	const char *cols[10];
	char line[GEN_LINE_MAX];
	size_t n = 0, len = 0, i;

	line[0] = '\0';
	cols[n++] = r->id;
	cols[n++] = rec_kind_name(a->kind);
	if (a->url_base != NULL) {
		cols[n++] = r->url;
	}
	if (p->use_gtin) {
		cols[n++] = p->gtin;
		cols[n++] = r->serial;
	}
	if (a->lot != NULL) {
		cols[n++] = a->lot;
	}
	if (p->use_sscc) {
		cols[n++] = r->sscc;
	}
	if (p->use_gtin || p->use_sscc) {
		cols[n++] = r->gs1;
		cols[n++] = r->dl;
	}
	if (a->node_url != NULL) {
		cols[n++] = r->link;
	}
	for (i = 0; i < n; i++) {
		if (i > 0 && len + 1 < sizeof(line)) {
			line[len++] = ',';
		}
		if (gen_csv_field(cols[i], line, sizeof(line), &len) != IDR_OK) {
			return IDR_ETOOBIG;
		}
	}
	fputs(line, f);
	fputc('\n', f);
	return ferror(f) ? IDR_EIO : IDR_OK;
}

static int
generate(const struct cli_cmd *self, const struct gen_args *a, const struct gen_plan *p, FILE *f)
{
	struct gen_row *r = calloc(1, sizeof(*r));
	char err[GEN_ERR_LEN] = "";
	uint64_t i;
	int rc = r == NULL ? IDR_ENOMEM : put_header(f, a, p);

	for (i = 0; rc == IDR_OK && i < a->count; i++) {
		err[0] = '\0';
		rc = row_make(a, p, a->start + i, r, err, sizeof(err));
		if (rc == IDR_OK) {
			rc = row_write(f, a, p, r);
		}
	}
	free(r);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "row %llu: %s", (unsigned long long)i,
		           err[0] != '\0' ? err : idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct gen_args a;
	struct gen_plan *p = NULL;
	FILE *f = stdout;
	int rc, e;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if ((p = malloc(sizeof(*p))) == NULL) {
		cli_errorf(self->name, "out of memory");
		return CLI_EXIT_FAIL;
	}
	rc = plan_make(self, &a, p);
	if (rc == CLI_EXIT_OK && a.out != NULL && (f = fopen(a.out, "w")) == NULL) {
		e = errno;
		cli_errorf(self->name, "cannot write %s: %s", a.out, strerror(e));
		rc = CLI_EXIT_FAIL;
	}
	if (rc == CLI_EXIT_OK) {
		bool to_file = f != stdout;

		rc = generate(self, &a, p, f);
		if (to_file && fclose(f) != 0 && rc == CLI_EXIT_OK) {
			e = errno;
			cli_errorf(self->name, "cannot write %s: %s", a.out, strerror(e));
			rc = CLI_EXIT_FAIL;
		} else if (!to_file && fflush(stdout) != 0 && rc == CLI_EXIT_OK) {
			cli_errorf(self->name, "cannot write the output");
			rc = CLI_EXIT_FAIL;
		}
		if (rc != CLI_EXIT_OK && a.out != NULL) {
			unlink(a.out); /* no half file for idr import to read */
		}
	}
	free(p);
	return rc;
}

const struct cli_cmd cmd_gen = {
        "gen",
        "serial numbers and GS1 keys as CSV for idr import and labels",
        "usage: idr gen --prefix P --kind KIND --count N [--start S] [--pattern PAT]\n"
        "               [--date YYYY-MM-DD] [--url-base URL] [--node-url URL] [-o FILE]\n"
        "       idr gen ... --gtin CP.ITEMREF|GTIN [--indicator D] [--serial PAT] [--lot LOT]\n"
        "       idr gen ... --sscc CP [--extension D]          [--dl-base URL]\n"
        "\n"
        "Write N rows of CSV for 'idr import': id (P/<pattern>), kind, then url (--url-base +\n"
        "the suffix), the GS1 columns, and link (--node-url + the identifier: what 'idr label\n"
        "--qr' encodes). The counter runs from S (default 1); the same options give the same\n"
        "rows (fix the date with --date; it defaults to today). A count the pattern cannot\n"
        "hold is refused before anything is written.\n"
        "\n"
        "Pattern placeholders (anything else is literal):\n"
        "  {seq:W}            the counter, W digits (1..18) zero-padded\n"
        "  {yyyy} {yy} {mm} {dd}   the date\n"
        "  {check}            ISO/IEC 7064 MOD 37,36 check character (0-9 A-Z) over the\n"
        "                     letters and digits before it\n"
        "  {mod10}            GS1 mod-10 check digit over the digits before it\n"
        "  {gtin} {serial}    with --gtin: the GTIN-14 and the AI (21) serial\n"
        "  {sscc}             with --sscc: the SSCC\n"
        "Default pattern: {seq:6}; with --gtin {gtin}.{serial}; with --sscc {sscc}.\n"
        "\n"
        "GS1 keys (check digits: GS1 mod-10):\n"
        "  --gtin CP.ITEMREF  company prefix (6..12 digits) and item reference, 12 digits\n"
        "                     together: GTIN-13, or GTIN-14 with --indicator D (1..9); or a\n"
        "                     whole GTIN-8/12/13/14 (its check digit is verified)\n"
        "  --serial PAT       the AI (21) serial (default {seq:6}; CSET 82, 1..20 chars)\n"
        "  --lot LOT          AI (10) on every row\n"
        "  --sscc CP          SSCC: extension digit (--extension, default 0), company prefix,\n"
        "                     the counter as serial reference (16 - digits of CP), check digit\n"
        "  Columns gtin, serial, lot, sscc, gs1 (element string: (01)...(10)...(21)..., what\n"
        "  'idr label --datamatrix' encodes) and dl (GS1 Digital Link on --dl-base URL,\n"
        "  default " GEN_DEFAULT_DL ").\n"
        "\n"
        "Examples:\n"
        "  idr gen --prefix 88.118.8 --kind part --count 1000 --pattern "
        "'P-{yyyy}{mm}-{seq:6}{check}'\n"
        "  idr gen --prefix 88.118.8 --kind product --count 500 --gtin 6901234.56789 --lot L7 \\\n"
        "      --pattern 'M-{serial}' --serial 'SN{seq:6}' -o m.csv && idr import m.csv\n",
        run,
};
