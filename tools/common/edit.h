/*
 * edit.h - changing registered records from the command line (`idr set`, `idr unset`) and
 * from import rows (`idr import --update`, the conflict message of `idr register` and
 * `idr import`): what a row or a KEY=VALUE argument means for a record that exists, the
 * differences (rec_diff) and their application through the registry's value operations.
 *
 * The mapping is the one of `idr register` and `idr import` (row.h): the URL at index 1 (type
 * URL), the kind at index 10 (type ITEM_KIND), attributes at 2000, 2001, ... with type = key.
 * `set`: an attribute already there (a value whose type equals the key, ASCII case-insensitive)
 * keeps its index, type spelling, TTL and permissions, only its data changes; a new one goes
 * after the highest index >= 2000 (2000 if none).
 *
 * Updating a record to a row (the row wins): the record's values become what a create of the
 * row would store (the row's values and its kind value), except that stored values whose type
 * starts with HS_ (administrators, keys, ...: a row cannot carry them) are kept unless the row
 * has a value at their index. edit_apply makes at most three registry calls, each journaled:
 * modify (changed values), remove, add.
 *
 * Usage: edit_init once; per record edit_load (inside the write transaction), build e->want
 * (edit_want_row, or edit_want_have then edit_set_* / edit_unset), edit_diff, then
 * edit_apply or edit_describe. e->have borrows store memory, valid until the next write in
 * the transaction. Not thread-safe: one struct edit per thread.
 */
#ifndef IDR_TOOLS_COMMON_EDIT_H
#define IDR_TOOLS_COMMON_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/slice.h"
#include "model/rec.h"
#include "model/value.h"
#include "reg.h"

#define EDIT_ERR_LEN    320
#define EDIT_MAX_LISTED 3 /* differences named in a conflict message */
#define EDIT_WANT_CAP   (2 * VALUE_MAX_VALUES + 2)
#define EDIT_DIFF_CAP   (3 * VALUE_MAX_VALUES + 4)
#define EDIT_HERE       "here"       /* the stored record in messages */
#define EDIT_IN_ROW     "in the row" /* an import row in messages */
#define EDIT_IN_COMMAND "in the command"

struct edit {
	struct rec_view view; /* the stored record (edit_load) */
	struct value *have;   /* its values, by index; borrow the store */
	size_t nhave;
	struct value *want; /* what it should hold, by index (EDIT_WANT_CAP entries) */
	size_t nwant;
	struct rec_diff *diff; /* have -> want (EDIT_DIFF_CAP entries, all differences fit) */
	size_t ndiff;
	struct value *scratch; /* edit_apply: the values of one registry call */
	uint32_t *indexes;     /* edit_apply: the indexes to remove */
	struct value kind_value;
};

/** Allocate the arrays once. @return IDR_OK or IDR_ENOMEM (e is deinit-safe). */
int edit_init(struct edit *e) IDR_MUSTCHECK;

/** Free what e owns (accepts a zeroed struct). */
void edit_deinit(struct edit *e);

/**
 * Load the stored record of id in w into e->view and e->have; e->want and e->diff are
 * emptied. @return IDR_OK, IDR_ENOENT, an IDR_EID_* error, IDR_EPROTO or a store error.
 */
int edit_load(struct edit *e, struct reg_wtxn *w, struct slice id) IDR_MUSTCHECK;

/**
 * Load a record's values from elsewhere (the remote mode: a node's GET answer) into e->have,
 * sorted by index; e->view is emptied (kind REC_KIND_NONE), e->want and e->diff too. The
 * values' slices are borrowed and must outlive e's use of them.
 * @return IDR_OK, IDR_EREC_TOOMANY (more than VALUE_MAX_VALUES) or IDR_EREC_INDEX (two
 *         values share an index).
 */
int edit_load_values(struct edit *e, const struct value *values, size_t n) IDR_MUSTCHECK;

/**
 * e->want = what a create of (kind, values) would store, with the stored HS_ values the row
 * does not replace (see the file comment). values need not be sorted; they are copied (their
 * slices must outlive e's use of them).
 * @return IDR_OK, IDR_EREC_INDEX (two values share an index) or IDR_EREC_TOOMANY.
 */
int edit_want_row(struct edit *e, enum rec_kind kind, const struct value *values,
                  size_t n) IDR_MUSTCHECK;

/** e->want = e->have: the start of edit_set_* and edit_unset. */
void edit_want_have(struct edit *e);

/**
 * Set attribute key to val in e->want: the value whose type is key (ASCII case-insensitive)
 * gets val as data, or a new value is added after the highest index >= 2000. key and val are
 * borrowed and must be checked already (row_attr_key_check, UTF-8).
 * @return IDR_OK, IDR_EINVAL (several values have that type), IDR_EREC_TOOMANY or IDR_ELIMIT
 *         (no index left); err names the key and the indexes.
 */
int edit_set_attr(struct edit *e, struct slice key, struct slice val, char *err, size_t errlen);

/**
 * Set the URL (index 1, type URL) in e->want. @return IDR_OK or IDR_EREC_RESERVED (index 1
 * holds a value of another type; err says which), IDR_EREC_TOOMANY.
 */
int edit_set_url(struct edit *e, struct slice url, char *err, size_t errlen);

/**
 * Set the kind (index 10, type ITEM_KIND) in e->want; the registry checks the record may
 * have one. @return as edit_set_url.
 */
int edit_set_kind(struct edit *e, enum rec_kind kind, char *err, size_t errlen);

/**
 * Remove from e->want the value named by key: "url" (any case) is index 1, anything else the
 * value whose type is key (ASCII case-insensitive). The kind cannot be removed, and HS_ keys
 * are reserved.
 * @return IDR_OK, IDR_ENOENT (no such value), IDR_EINVAL (several), IDR_EREC_RESERVED,
 *         IDR_EREC_TYPE (not a valid key); err names the key.
 */
int edit_unset(struct edit *e, struct slice key, char *err, size_t errlen);

/**
 * Compute e->diff = the differences from e->have to e->want (rec_diff).
 * @return the number of differences (>= 0; 0: nothing to do) or IDR_EREC_INDEX.
 */
int edit_diff(struct edit *e) IDR_MUSTCHECK;

/**
 * Make the record id in w hold e->want (after edit_diff): reg_modify_values for changed
 * values, reg_remove_values, reg_add_values (adding first when every stored value goes).
 * Changes the registry checks that would fail after an earlier call succeeded (removing an
 * item's kind) are refused before any call, so a refused update changes nothing.
 * @return IDR_OK or the registry's error.
 */
int edit_apply(struct edit *e, struct reg_wtxn *w, struct slice id) IDR_MUSTCHECK;

/**
 * The differences for a message (rec_diff_format, "here" for the stored record, b_name for
 * the other side, at most EDIT_MAX_LISTED named).
 * @return the length written (< cap).
 */
size_t edit_describe(const struct edit *e, const char *b_name, char *buf, size_t cap);

/**
 * List e->diff for the user of `idr set` / `idr unset`, one line each:
 * "  2000 colour: "red" -> "blue"", "  2003 weight: added "5kg"", "  2001 batch: removed
 * "B7"" (other changes: "changed TTL", ...). Call before edit_apply: e->have borrows the
 * store. @return IDR_OK or IDR_EIO (a write to f failed).
 */
int edit_print(FILE *f, const struct edit *e);

/**
 * Why a create of (kind, values) conflicted with the stored record of id: "already exists
 * with different content: value 2000 (colour) is "red" here, "blue" <b_name>; ...". When the
 * row differs only in HS_ values it does not set, says that. Falls back to the plain message
 * if the record cannot be read. Loads into e (its previous content is lost).
 * @return buf.
 */
const char *edit_conflict_text(struct edit *e, struct reg_wtxn *w, struct slice id,
                               enum rec_kind kind, const struct value *values, size_t n,
                               const char *b_name, char *buf, size_t cap);

/**
 * Build e->want for edit_cli_run (e->want starts as e->have). On error write the reason to
 * err and return its code (IDR_*).
 */
typedef int (*edit_build_fn)(struct edit *e, void *arg, char *err, size_t errlen);

/**
 * One change of one record for `idr set` / `idr unset`, in one write transaction of r: load
 * id, build, apply the differences, commit. Prints "updated ID" and the changes (edit_print)
 * to stdout, or "unchanged ID (...)" when there is nothing to change (nothing is written);
 * errors to stderr as "idr <cmd>: ID: reason" (a record not registered: with the hint to use
 * idr register). Nothing is written on error.
 * @return CLI_EXIT_OK, CLI_EXIT_NOTFOUND (not registered) or CLI_EXIT_FAIL.
 */
int edit_cli_run(const char *cmd, struct reg *r, const char *id, edit_build_fn build, void *arg);

#endif /* IDR_TOOLS_COMMON_EDIT_H */
