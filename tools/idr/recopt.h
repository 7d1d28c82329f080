/*
 * recopt.h - what the record commands of `idr` (get, register, set, unset, delete) share:
 * the options --data, --max-id-chars, --help and the remote options of common/rmt.h, the
 * checks after getopt, opening the registry, and KEY=VALUE attribute arguments.
 *
 * A command lists RECOPT_LONGOPTS (and RMT_LONGOPTS when it takes --node) beside its own
 * options and hands every getopt code it does not handle itself to recopt_take.
 */
#ifndef IDR_TOOLS_IDR_RECOPT_H
#define IDR_TOOLS_IDR_RECOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cli.h"
#include "common/rmt.h"
#include "common/row.h"
#include "reg.h"

/** The shared options of one command (strings borrowed from argv). */
struct recopt {
	const char *data;      /* --data DIR */
	uint64_t max_id_chars; /* --max-id-chars N (0: the registry's default) */
	struct rmt_opts remote;
	bool remote_ok; /* set by the command: it takes --node and the remote options */
};

#define RECOPT_LONGOPTS                                                                            \
	{"data", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'},                  \
	{                                                                                          \
		"max-id-chars", required_argument, NULL, 'm'                                       \
	}

/**
 * Take one getopt_long code the command did not handle: --data, --max-id-chars, --help, a
 * remote option (when o->remote_ok), else an unknown option (cli_bad_option).
 * @param arg  optarg of that code.
 * @return CLI_EXIT_OK, -1 for --help, or a usage exit status (the error printed).
 */
int recopt_take(const struct cli_cmd *self, struct recopt *o, int c, const char *arg, char **argv);

/**
 * After getopt: the remote options checked against each other and --data, and at least one
 * identifier among the nargs operands.
 * @return CLI_EXIT_OK or a usage exit status (the error printed).
 */
int recopt_finish(const struct cli_cmd *self, const struct recopt *o, int nargs);

/**
 * Open the registry of --data (cli_data_dir) with --max-id-chars.
 * @return CLI_EXIT_OK with *out set, or an exit status (the error printed).
 */
int recopt_open(const struct cli_cmd *self, const struct recopt *o, bool read_only,
                struct reg **out);

/**
 * The KEY=VALUE operands args[0..n) as attributes at ROW_ATTR_INDEX, ROW_ATTR_INDEX + 1, ...
 * (slices into args): each with a non-empty value, a valid key (row_attr_key_check), a
 * value in valid UTF-8, no key twice (ASCII case-insensitive). attrs holds n entries.
 * @param hint  said after the form error, e.g. "(to remove one: idr unset ID KEY)", or "".
 * @return CLI_EXIT_OK, or an exit status (the error printed, naming the operand).
 */
int recopt_attrs(const struct cli_cmd *self, char *const *args, int n, const char *hint,
                 struct row_attr *attrs);

#endif /* IDR_TOOLS_IDR_RECOPT_H */
