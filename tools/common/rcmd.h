/*
 * rcmd.h - `idr register|set|unset|delete ... --node URL`: the local commands' changes sent to
 * a node through the REST API (rmt.h), with the local commands' messages and exit codes, and
 * the record operations the remote import (rimp.h) shares:
 *  - create: PUT /api/handles/{id}?overwrite=false with the values `idr register` builds
 *    (kind value at 10 included); 201 created, 200 unchanged (identical content), 409: the
 *    record is fetched (GET) and the values that differ are named (edit.h);
 *  - change (set, unset, import --update): GET the record, compute the change as edit.h does
 *    locally, then PUT ?index=various with the changed and added values and DELETE ?index=...
 *    for the removed ones (two requests: the PUT goes first, so a record never loses every
 *    value). GET shows public values only: values a node hides are neither seen nor touched.
 * Not thread-safe per struct rmt / struct edit; separate ones may be used by threads.
 */
#ifndef IDR_TOOLS_COMMON_RCMD_H
#define IDR_TOOLS_COMMON_RCMD_H

#include <stdbool.h>
#include <stddef.h>

#include "common/edit.h"
#include "common/rmt.h"
#include "model/rec.h"
#include "model/vjson.h"

#define RCMD_MSG_MAX 1024

/** What happened to one record. */
enum rcmd_outcome {
	RCMD_CREATED = 1,
	RCMD_UNCHANGED,
	RCMD_UPDATED,
	RCMD_CONFLICT, /* registered with other content (msg names the values) */
	RCMD_MISSING,  /* not registered */
	RCMD_REFUSED,  /* the node refused the row (msg: its message) */
	RCMD_FAILED    /* transport, authentication or server failure: stop (msg) */
};

/**
 * The values of an item (kind value at REC_KIND_INDEX added, as reg_create adds it, unless a
 * value has that index) as a PUT body into w, sorted by index. @return IDR_OK or the wbuf's error.
 */
int rcmd_item_body(struct wbuf *w, enum rec_kind kind, const struct value *values,
                   size_t n) IDR_MUSTCHECK;

/**
 * Create id from body (rcmd_item_body, or a record's values as JSON) with overwrite=false.
 * On 409 the record is fetched and compared with body (edit_want_row: its HS_ values are kept):
 * a conflict names the values that differ, or with update the record is changed to body's
 * values (rcmd_apply). e is scratch.
 * @param b_name  the other side in conflict messages (EDIT_IN_ROW, EDIT_IN_COMMAND).
 * @return the outcome; msg says why for CONFLICT, REFUSED, MISSING and FAILED.
 */
enum rcmd_outcome rcmd_create(struct rmt *r, struct edit *e, struct slice id, struct slice body,
                              bool update, const char *b_name, char *msg, size_t cap);

/**
 * GET id's record into vals (freed first; free with vjson_values_free).
 * @return RCMD_UNCHANGED (found), RCMD_MISSING, RCMD_REFUSED or RCMD_FAILED (msg).
 */
enum rcmd_outcome rcmd_fetch(struct rmt *r, struct slice id, struct vjson_values *vals, char *msg,
                             size_t cap);

/**
 * Make id's record hold e->want (after edit_diff > 0) with PUT ?index=various and DELETE
 * ?index=... (see the file comment).
 * @return RCMD_UPDATED, RCMD_MISSING, RCMD_REFUSED or RCMD_FAILED (msg).
 */
enum rcmd_outcome rcmd_apply(struct rmt *r, const struct edit *e, struct slice id, char *msg,
                             size_t cap);

/** `idr register ... --node`: create one item. @return a CLI_EXIT_* code. */
int rcmd_register(const char *cmd, const struct rmt_opts *o, const char *id, enum rec_kind kind,
                  const struct value *values, size_t n);

/** `idr set|unset ... --node`: build as edit_cli_run does, applied remotely. @return CLI_EXIT_*. */
int rcmd_edit(const char *cmd, const struct rmt_opts *o, const char *id, edit_build_fn build,
              void *arg);

/**
 * `idr delete ... --node`: every identifier is fetched first (one not registered: nothing is
 * deleted, exit 3), then deleted one by one, each printed as the local command prints it.
 * @return a CLI_EXIT_* code.
 */
int rcmd_delete(const char *cmd, const struct rmt_opts *o, char **ids, int n, bool json);

/**
 * Load the credentials and connect for a command, printing "idr <cmd>: <reason>" on failure.
 * @return CLI_EXIT_OK (free both with rmt_free, rmt_cred_free) or CLI_EXIT_FAIL.
 */
int rcmd_open(const char *cmd, const struct rmt_opts *o, struct rmt_cred **cred, struct rmt **r);

#endif /* IDR_TOOLS_COMMON_RCMD_H */
