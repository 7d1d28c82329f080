/*
 * cfg.h - `key value` configuration files driven by one option table (Redis static_configs[],
 * Knot schema ranges, httpd -n).
 *
 * A table of struct cfg_opt describes every option: name, type, range, default, whether a
 * reload (SIGHUP) may change it, and a help line. cfg_parse reads a file into a caller's
 * struct (fields located by offset), starting from the defaults; every unknown key, malformed
 * or out-of-range value and repeated non-list key is an error reported as "file:line: message"
 * through a callback, and parsing continues so that all errors are shown at once. The same
 * table generates the sample configuration (cfg_write_sample), so the sample lists every
 * option with its default and meaning.
 *
 * File syntax: one option per line, `name value`; value runs to the end of the line with
 * surrounding blanks removed; it may be double-quoted to keep blanks or '#' ("\"" and "\\"
 * escapes). '#' starts a comment outside quotes. Blank lines are ignored. A list option
 * given the single value `none` becomes empty (other values for it then are an error). Lines are at
 * most CFG_LINE_MAX bytes; the file at most CFG_FILE_MAX bytes.
 *
 * Strings and lists in the target struct are heap copies owned by the struct: release them
 * with cfg_free_values(table, struct). Thread-safety: none needed (parsing happens at start
 * and on reload in the main thread; the result is then read-only).
 */
#ifndef IDR_REGISTRY_BASE_CFG_H
#define IDR_REGISTRY_BASE_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

#define CFG_LINE_MAX 4096
#define CFG_FILE_MAX (1u << 20)
#define CFG_LIST_MAX 64  /* entries in a list option */
#define CFG_OPTS_MAX 128 /* options in one table (bound of a lines array, see cfg_parse_file) */

enum cfg_type {
	CFG_BOOL,   /* yes/no, on/off, true/false, 1/0 -> bool */
	CFG_UINT,   /* decimal in [min, max] -> uint64_t */
	CFG_SIZE,   /* decimal with optional k/M/G/T suffix in [min, max] -> uint64_t */
	CFG_STRING, /* any clean UTF-8 text -> char * (NULL when empty) */
	CFG_ENUM,   /* one of choices ("a|b|c") -> char * */
	CFG_LIST    /* repeatable; each occurrence appends a string -> struct cfg_list */
};

struct cfg_list {
	size_t n;
	char *v[CFG_LIST_MAX];
	unsigned line[CFG_LIST_MAX]; /* line of each entry in the file (0: a default) */
};

struct cfg_opt {
	const char *name;
	enum cfg_type type;
	size_t offset;       /* offsetof(target struct, field) */
	uint64_t min, max;   /* CFG_UINT / CFG_SIZE range */
	const char *def;     /* default as text (NULL: empty / none) */
	const char *choices; /* CFG_ENUM: "a|b|c" */
	bool reload;         /* may change on reload */
	const char *help;    /* one line: meaning and unit */
};

/** Error callback: file and line of the problem (line 0: the file itself) and a message. */
typedef void (*cfg_err_fn)(void *arg, const char *file, unsigned line, const char *msg);

/**
 * Set every option of the table to its default in dst.
 * @return IDR_OK or IDR_ENOMEM (dst then holds what was set; free with cfg_free_values).
 */
int cfg_defaults(const struct cfg_opt *table, size_t n, void *dst);

/**
 * Parse a configuration file into dst (which must already hold defaults, see cfg_defaults).
 * @param lines  NULL, or n entries: lines[i] becomes the line where table[i] was (last) set in
 *               the file, 0 where it kept its default; so checks beyond the table can name
 *               the line of the value they reject (list entries carry their own lines).
 * @return IDR_OK, or IDR_ECONFIG after reporting every error through err (may be NULL);
 *         IDR_ENOENT/IDR_EACCES/... when the file cannot be read (also reported through err);
 *         IDR_ENOMEM.
 */
int cfg_parse_file(const struct cfg_opt *table, size_t n, const char *path, void *dst,
                   unsigned *lines, cfg_err_fn err, void *arg) IDR_MUSTCHECK;

/** Same over a buffer; name is used in messages. */
int cfg_parse_buf(const struct cfg_opt *table, size_t n, const char *name, const char *buf,
                  size_t len, void *dst, cfg_err_fn err, void *arg) IDR_MUSTCHECK;

/** Free the heap strings and lists in dst (the struct itself is the caller's). */
void cfg_free_values(const struct cfg_opt *table, size_t n, void *dst);

/**
 * Names of options whose values differ between a and b and whose reload flag is false,
 * written comma-separated into out (empty when a reload may apply b).
 */
void cfg_diff_static(const struct cfg_opt *table, size_t n, const void *a, const void *b, char *out,
                     size_t cap);

/** Write a sample file: every option commented with its help, type/range and default. */
int cfg_write_sample(const struct cfg_opt *table, size_t n, const char *title, FILE *f);

#endif /* IDR_REGISTRY_BASE_CFG_H */
