/*
 * cmd.h - the subcommands of `idr`, one per file (tools/idr/cmd_<name>.c), dispatched by
 * main.c. Each definition's run() parses its own options (cli_getopt_reset first) and returns
 * an exit code (cli.h CLI_EXIT_*).
 */
#ifndef IDR_TOOLS_IDR_CMD_H
#define IDR_TOOLS_IDR_CMD_H

#include "common/cli.h"

extern const struct cli_cmd cmd_init;
extern const struct cli_cmd cmd_prefix;
extern const struct cli_cmd cmd_node;
extern const struct cli_cmd cmd_federation;
extern const struct cli_cmd cmd_template;
extern const struct cli_cmd cmd_register;
extern const struct cli_cmd cmd_set;
extern const struct cli_cmd cmd_unset;
extern const struct cli_cmd cmd_delete;
extern const struct cli_cmd cmd_get;
extern const struct cli_cmd cmd_trace;
extern const struct cli_cmd cmd_events;
extern const struct cli_cmd cmd_events_any; /* cmd_events.c: cmd_events or --node */
extern const struct cli_cmd cmd_import;
extern const struct cli_cmd cmd_export;
extern const struct cli_cmd cmd_split;
extern const struct cli_cmd cmd_audit;
extern const struct cli_cmd cmd_stats;
extern const struct cli_cmd cmd_resolve;
extern const struct cli_cmd cmd_bench;
extern const struct cli_cmd cmd_keygen;
extern const struct cli_cmd cmd_admin;
extern const struct cli_cmd cmd_event;
extern const struct cli_cmd cmd_gen;
extern const struct cli_cmd cmd_label;
extern const struct cli_cmd cmd_scan;
extern const struct cli_cmd cmd_alias;
extern const struct cli_cmd cmd_journal;

/* idr event add / import (cmd_capture.c), dispatched by cmd_event */
int event_add_run(const struct cli_cmd *self, int argc, char **argv);
int event_import_run(const struct cli_cmd *self, int argc, char **argv);

/* idr journal followers / forget (cmd_jfollow.c), dispatched by cmd_journal */
int journal_followers_run(const struct cli_cmd *self, int argc, char **argv);
int journal_forget_run(const struct cli_cmd *self, int argc, char **argv);

#endif /* IDR_TOOLS_IDR_CMD_H */
