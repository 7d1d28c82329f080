/* cli.c - exit codes, data directory, option errors, help and table text for `idr`. */
#include "common/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/num.h"
#include "base/text.h"

static const char *global_data; /* `idr --data DIR COMMAND` */

void
cli_data_dir_set(const char *dir)
{
	global_data = dir;
}

const char *
cli_data_dir(const char *opt)
{
	const char *env;

	if (opt != NULL) {
		return opt;
	}
	if (global_data != NULL) {
		return global_data;
	}
	env = getenv(CLI_ENV_DATA);
	if (env != NULL && env[0] != '\0') {
		return env;
	}
	return CLI_DEFAULT_DATA;
}

void
cli_errorf(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "idr %s: ", cmd);
	va_start(ap, fmt);
	/* the analyzer misses va_start above (clang-tidy 14) */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_usage_errorf(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "idr %s: ", cmd->name);
	va_start(ap, fmt);
	/* the analyzer misses va_start above (clang-tidy 14) */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry 'idr help %s'\n", cmd->name);
	return CLI_EXIT_USAGE;
}

int
cli_help(const struct cli_cmd *cmd)
{
	fputs(cmd->usage, stdout);
	return CLI_EXIT_OK;
}

void
cli_getopt_reset(void)
{
	optind = 0; /* glibc: 0 re-initialises, so a second parse (subcommands) starts clean */
	opterr = 0;
}

int
cli_bad_option(const struct cli_cmd *cmd, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':') {
		return cli_usage_errorf(cmd, "option '%s' needs a value", arg);
	}
	if (optopt != 0) {
		return cli_usage_errorf(cmd, "unknown option '-%c'", optopt);
	}
	return cli_usage_errorf(cmd, "unknown option '%s'", arg);
}

int
cli_open(const char *cmd, const char *dir, bool read_only, const struct reg_opts *base,
         struct reg **out)
{
	struct reg_opts o;
	int rc;

	if (base != NULL) {
		o = *base;
	} else {
		memset(&o, 0, sizeof(o));
	}
	o.data_dir = dir;
	o.read_only = read_only;
	rc = reg_open(out, &o);
	if (rc != IDR_OK) {
		cli_errorf(cmd, "%s: %s", dir, idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

int
cli_write_end(struct reg_wtxn *w, int rc)
{
	if (rc != IDR_OK) {
		reg_write_abort(w);
		return rc;
	}
	return reg_write_commit(w);
}

int
cli_parse_u64(const struct cli_cmd *cmd, const char *name, const char *s, uint64_t min,
              uint64_t max, uint64_t *out)
{
	int rc = num_parse_u64(s, min, max, out);

	if (rc == IDR_ELIMIT) {
		return cli_usage_errorf(cmd, "%s: %s is out of range (%" PRIu64 "..%" PRIu64 ")",
		                        name, s, min, max);
	}
	if (rc != IDR_OK) {
		return cli_usage_errorf(cmd, "%s: '%s' is not a number", name, s);
	}
	return CLI_EXIT_OK;
}

struct cp_range {
	uint32_t lo, hi;
};

/* East Asian Wide (W) and Fullwidth (F) blocks, coarse but covering CJK text in practice. */
static const struct cp_range wide[] = {
        {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF}, {0x3400, 0x4DBF},
        {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3}, {0xF900, 0xFAFF},
        {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6}, {0x1F300, 0x1F64F},
        {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD},
};

static size_t
cp_width(uint32_t cp)
{
	size_t i;

	if ((cp >= 0x0300 && cp <= 0x036F) || cp == 0x200B || (cp >= 0xFE00 && cp <= 0xFE0F)) {
		return 0; /* combining marks, zero width space, variation selectors */
	}
	for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
		if (cp >= wide[i].lo && cp <= wide[i].hi) {
			return 2;
		}
	}
	return 1;
}

static bool
cp_is_ctrl(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

size_t
cli_text_width(const uint8_t *p, size_t len)
{
	size_t i = 0, w = 0, n;
	uint32_t cp;

	while (i < len) {
		n = text_utf8_next(p + i, len - i, &cp);
		if (n == 0) {
			w++;
			i++;
			continue;
		}
		w += cp_is_ctrl(cp) ? 1 : cp_width(cp);
		i += n;
	}
	return w;
}

void
cli_put_text(FILE *f, struct slice s)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < s.len) {
		n = text_utf8_next(s.p + i, s.len - i, &cp);
		if (n == 0 || cp_is_ctrl(cp)) {
			fputc('?', f);
			i += n == 0 ? 1 : n;
			continue;
		}
		fwrite(s.p + i, 1, n, f);
		i += n;
	}
}

const char *
cli_safe(const char *s, char *buf, size_t cap)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len = strlen(s), i = 0, o = 0, n;
	uint32_t cp;

	if (cap < 4) {
		buf[0] = '\0';
		return buf;
	}
	while (i < len) {
		bool bad;

		n = text_utf8_next(p + i, len - i, &cp);
		bad = n == 0 || cp_is_ctrl(cp);
		if (o + (bad ? 1 : n) + 4 > cap) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (bad) {
			buf[o++] = '?';
		} else {
			memcpy(buf + o, p + i, n);
			o += n;
		}
		i += n == 0 ? 1 : n;
	}
	buf[o] = '\0';
	return buf;
}

void
cli_put_padded(FILE *f, struct slice s, size_t width)
{
	size_t w = cli_text_width(s.p, s.len);

	cli_put_text(f, s);
	for (; w < width; w++) {
		fputc(' ', f);
	}
}

void
cli_format_size(uint64_t bytes, char *out, size_t cap)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(out, cap, "%" PRIu64 " B", bytes);
		return;
	}
	v /= 1024.0;
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	snprintf(out, cap, "%.1f %s", v, units[u]);
}

void
cli_format_time(uint64_t secs, char *out, size_t cap)
{
	struct tm tm;
	time_t t = (time_t)secs;

	if (secs == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(out, cap, "-");
	}
}
