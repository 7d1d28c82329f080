/*
 * cli.h - helpers shared by the `idr` subcommands: exit codes, the data directory, opening the
 * registry with an error message, option errors and help, and text output (display width of
 * UTF-8 for aligned tables, dates, sizes).
 *
 * Messages go to stderr as "idr <command>: <message>". Functions returning an exit code print
 * their own message. Not thread-safe where noted (getopt state); the text helpers are pure.
 */
#ifndef IDR_TOOLS_COMMON_CLI_H
#define IDR_TOOLS_COMMON_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "base/slice.h"
#include "reg.h"

/* exit codes of every idr command (documented in `idr help` and README.md) */
#define CLI_EXIT_OK       0  /* success */
#define CLI_EXIT_FAIL     1  /* not done: store error, conflict, not initialised */
#define CLI_EXIT_BADROWS  2  /* import: bad rows skipped (--strict: nothing written) */
#define CLI_EXIT_NOTFOUND 3  /* get: no such identifier */
#define CLI_EXIT_AUDIT    4  /* audit verify: the journal does not verify */
#define CLI_EXIT_USAGE    64 /* bad command line (EX_USAGE) */

#define CLI_DEFAULT_DATA "./idr-data"
#define CLI_ENV_DATA     "IDR_DATA"

/** Description of one subcommand (defined by tools/idr/cmd_<name>.c). */
struct cli_cmd {
	const char *name;
	const char *summary; /* one line for `idr help` */
	const char *usage;   /* full help text, starts with the synopsis line(s) */
	int (*run)(const struct cli_cmd *self, int argc, char **argv);
};

/**
 * The data directory: the command's --data option if given, else the global one (`idr --data
 * DIR COMMAND`, cli_data_dir_set), else $IDR_DATA if set and non-empty, else "./idr-data".
 * The result is borrowed (from argv or the environment).
 */
const char *cli_data_dir(const char *opt);

/** Set the global --data given before the command (dir borrowed: argv). Not thread-safe. */
void cli_data_dir_set(const char *dir);

/** Print "idr <cmd>: <message>\n" to stderr. */
void cli_errorf(const char *cmd, const char *fmt, ...) IDR_PRINTF(2, 3);

/**
 * Report a usage error: the message, then "try 'idr help <cmd>'".
 * @return CLI_EXIT_USAGE.
 */
int cli_usage_errorf(const struct cli_cmd *cmd, const char *fmt, ...) IDR_PRINTF(2, 3);

/** Print cmd's help to stdout. @return CLI_EXIT_OK. */
int cli_help(const struct cli_cmd *cmd);

/**
 * Prepare getopt_long for a (sub)command parse: resets glibc's state (optind = 0) and
 * silences its messages (the caller reports through cli_bad_option).
 */
void cli_getopt_reset(void);

/**
 * Report the option getopt_long just rejected ('?' unknown, ':' missing argument; the
 * optstring must start with ':'). @return CLI_EXIT_USAGE.
 */
int cli_bad_option(const struct cli_cmd *cmd, int c, char **argv);

/**
 * Open the registry in dir for a command, printing "idr <cmd>: <dir>: <reason>" on failure.
 * @param base  options to start from (may be NULL: defaults); data_dir is set to dir.
 * @return CLI_EXIT_OK with *out open (close with reg_close), or CLI_EXIT_FAIL.
 */
int cli_open(const char *cmd, const char *dir, bool read_only, const struct reg_opts *base,
             struct reg **out);

/**
 * Finish a write transaction: commit it when rc is IDR_OK, else abort it.
 * @return rc, or the commit's error.
 */
int cli_write_end(struct reg_wtxn *w, int rc);

/**
 * Parse a decimal number in [min, max] given to option `name`, printing a usage error.
 * @return CLI_EXIT_OK or CLI_EXIT_USAGE.
 */
int cli_parse_u64(const struct cli_cmd *cmd, const char *name, const char *s, uint64_t min,
                  uint64_t max, uint64_t *out);

/**
 * Terminal display width of UTF-8 text: East Asian wide and fullwidth characters count 2,
 * combining marks 0, other characters 1; bytes that are not valid UTF-8 count 1 each.
 */
size_t cli_text_width(const uint8_t *p, size_t len);

/**
 * Write s padded with spaces to `width` display columns (s is written whole even when wider).
 * Control characters and invalid UTF-8 are written as '?', so a table cannot be garbled.
 */
void cli_put_padded(FILE *f, struct slice s, size_t width);

/** Write s with control characters and invalid UTF-8 bytes replaced by '?'. */
void cli_put_text(FILE *f, struct slice s);

/**
 * Copy s into buf for a message, control characters and invalid UTF-8 replaced by '?' and
 * cut (with "...") to fit cap bytes. @return buf.
 */
const char *cli_safe(const char *s, char *buf, size_t cap);

/** Format a byte count as "123 B", "4.0 KiB", "1.5 GiB" into out. */
void cli_format_size(uint64_t bytes, char *out, size_t cap);

/** Format unix seconds as "YYYY-MM-DD HH:MM:SS" (UTC) into out ("-" for 0). */
void cli_format_time(uint64_t secs, char *out, size_t cap);

#endif /* IDR_TOOLS_COMMON_CLI_H */
