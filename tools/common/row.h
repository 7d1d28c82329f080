/*
 * row.h - the import row parser of `idr import`: a CSV record splitter and a JSON-line
 * decoder producing struct row, plus the mapping of an item row to Handle values.
 *
 * Sans-I/O and bounded: the CSV splitter works on a caller buffer and says when it needs more
 * bytes (a quoted field may span lines); every record, field and column count is checked
 * against struct row_limits before use. Fields are slices into the caller's buffer, or into
 * a scratch buffer allocated once (quoted fields with "" escapes), so no per-field malloc.
 * Errors are IDR_EPROTO (malformed) or IDR_ELIMIT (a limit exceeded) with a message in the
 * parser's err[] that names the column or JSON field.
 *
 * Input forms (the first non-blank character '{' means JSON lines, anything else CSV):
 *  - CSV (RFC 4180, UTF-8, optional BOM) with a header row: `id` (or `handle`) and `kind`
 *    required, `url` optional (case-insensitive names), every other column an attribute key.
 *    An empty cell means no attribute.
 *  - JSON line {"id":..,"kind":..,"url":..,"attrs":{"k":"v",...}}     -> ROW_ITEM
 *  - JSON line {"handle":..,"kind":..,"values":[ref/handle.md §7]}    -> ROW_RECORD
 *  - JSON line {"prefix":..,"owner":..,"state":1[,"node":true]}        -> ROW_PREFIX
 *
 * Item rows become values (row_item_values): URL at index 1 (type URL), attribute columns at
 * 2000, 2001, ... in column order (a column keeps its index when a cell is empty), type = the
 * key; the kind value (index 10) is added by the registry. One parser object per thread.
 */
#ifndef IDR_TOOLS_COMMON_ROW_H
#define IDR_TOOLS_COMMON_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "model/value.h"
#include "model/vjson.h"

#define ROW_MAX_LINE     (1u << 20) /* bytes in one CSV record or JSON line */
#define ROW_MAX_COLS     2048       /* CSV columns / JSON attributes */
#define ROW_MAX_FIELD    (1u << 16) /* bytes in one CSV field */
#define ROW_ERR_LEN      320
#define ROW_ATTR_INDEX   2000 /* first attribute index */
#define ROW_DEFAULT_PERM VALUE_PERM_DEFAULT

struct row_limits {
	size_t max_line;  /* 0 = ROW_MAX_LINE */
	size_t max_cols;  /* 0 = ROW_MAX_COLS */
	size_t max_field; /* 0 = ROW_MAX_FIELD */
};

enum row_form {
	ROW_ITEM = 1,   /* id, kind, url, attributes */
	ROW_RECORD = 2, /* handle, kind, full values (export form) */
	ROW_PREFIX = 3  /* a hosted prefix (export writes these first) */
};

struct row_attr {
	struct slice key;
	struct slice val;
	uint32_t index;
};

/**
 * One decoded row. Slices borrow the parser's input or memory and live until the next call
 * on the same parser (or its deinit).
 */
struct row {
	enum row_form form;
	struct slice id;            /* ITEM, RECORD: identifier; PREFIX: the prefix */
	struct slice kind;          /* ITEM (required), RECORD (empty: not a lifecycle item) */
	struct slice url;           /* ITEM: empty = none */
	size_t nattrs;              /* ITEM */
	struct row_attr *attrs;     /* ITEM: parser memory */
	const struct value *values; /* RECORD: parser memory, input order */
	size_t nvalues;
	struct slice owner; /* PREFIX */
	int state;          /* PREFIX */
	bool node;          /* PREFIX: the node prefix line */
};

/* ---------------------------------------------------------------- CSV */

/** CSV splitter and header state. Initialise with row_csv_init, free with row_csv_deinit. */
struct row_csv {
	struct row_limits lim;
	uint8_t *scratch;     /* lim.max_line bytes: unescaped quoted fields */
	struct slice *fields; /* lim.max_cols entries: the last record */
	size_t nfields;
	uint64_t line;     /* physical line (1-based) where the next record starts */
	uint64_t rec_line; /* line where the record just returned (or rejected) started */
	uint64_t rec_last; /* its last line: after rec_line when a quoted field spans lines */
	bool started;      /* a leading BOM has been looked for */
	bool skipping;     /* discarding the rest of a rejected record */
	bool skip_quoted;  /* ... quote-aware (over-long record) or to the end of the line */
	bool skip_inq;     /* ... currently inside a quoted field */
	bool skip_nl;      /* ... the last byte discarded was a line feed */
	bool pending_hint; /* ... its message gets a hint if it spans lines */
	int pending;       /* ... the error returned once it is discarded */
	/* header (row_csv_header) */
	size_t ncols;
	int col_id, col_kind, col_url; /* column numbers (0-based), -1 if absent */
	struct slice *names;           /* column names, copies owned here */
	uint8_t *names_mem;
	uint32_t *col_index; /* attribute index per column (0: id/kind/url) */
	struct row_attr *attrs;
	char err[ROW_ERR_LEN];
};

/**
 * Allocate the buffers (scratch, field and attribute arrays) once for all records.
 * @param lim  NULL for the defaults.
 * @return IDR_OK or IDR_ENOMEM (c is then deinit-safe).
 */
int row_csv_init(struct row_csv *c, const struct row_limits *lim) IDR_MUSTCHECK;

/** Free everything c owns (accepts a zeroed struct). */
void row_csv_deinit(struct row_csv *c);

/**
 * Split the next CSV record from in[0..len), which starts where the previous call's *used
 * ended. Blank lines are skipped; a UTF-8 BOM at the very start is skipped. A quoted field may
 * hold line breaks (RFC 4180), so a record covers lines c->rec_line..c->rec_last.
 * @param eof   no more bytes will follow in[0..len).
 * @param used  bytes consumed (also on IDR_EAGAIN and on errors: the bad record is skipped).
 * @return IDR_OK: c->fields[0..nfields) hold the record (slices into in or c->scratch, valid
 *         until the next call and while in[] is unchanged), c->rec_line..c->rec_last its
 *         lines;
 *         IDR_EAGAIN: the record is incomplete, call again with more bytes;
 *         IDR_ENOENT: eof and nothing left;
 *         IDR_EPROTO / IDR_ELIMIT: a bad record (c->err says why, naming the column), returned
 *         once all of it is consumed, so c->rec_line..c->rec_last are every line it covered
 *         (a quoted field left open runs to the end of the input; over-long records are
 *         skipped quote-aware, other syntax errors to the end of their line); the next call
 *         continues after it.
 */
int row_csv_next(struct row_csv *c, const uint8_t *in, size_t len, bool eof, size_t *used);

/**
 * Take the record just split as the header row: finds id/handle, kind and url, copies the
 * column names and assigns attribute indexes. Checks: names non-empty clean UTF-8 without
 * '=', unique (case-insensitive), id and kind present, attribute keys not reserved (see
 * row_attr_key_check). @return IDR_OK or IDR_EPROTO (c->err names the column).
 */
int row_csv_header(struct row_csv *c) IDR_MUSTCHECK;

/**
 * Turn the record just split into an item row (after row_csv_header). Checks the field count
 * against the header, and for a record spanning lines that no line inside a quoted field reads
 * as a row of its own (the header's column count, an identifier with '/' in the id column, a
 * known kind: a closing quote is missing and that row would vanish into this one). The id is
 * checked later by the registry. @return IDR_OK or IDR_EPROTO (c->err names the column and
 * the lines).
 */
int row_csv_row(struct row_csv *c, struct row *out) IDR_MUSTCHECK;

/* ---------------------------------------------------------------- JSON lines */

/** True if the input starts (after a BOM and white space) with '{': JSON lines, else CSV. */
bool row_input_is_json(const uint8_t *in, size_t len);

struct row_json {
	struct row_limits lim;
	struct json_t *root; /* the last parsed line */
	struct row_attr *attrs;
	struct vjson_values vals;
	uint64_t line;     /* line (1-based) where the next line starts */
	uint64_t rec_line; /* line number of the line just returned (or rejected) */
	bool started;      /* a leading BOM has been looked for */
	bool skipping;     /* discarding the rest of an over-long line */
	char err[ROW_ERR_LEN];
};

/** Allocate the attribute array once. @return IDR_OK or IDR_ENOMEM (j is deinit-safe). */
int row_json_init(struct row_json *j, const struct row_limits *lim) IDR_MUSTCHECK;

/** Free what j owns (accepts a zeroed struct). */
void row_json_deinit(struct row_json *j);

/**
 * Split the next non-blank line from in[0..len) (same contract as row_csv_next). *line is
 * the line without its '\n' (a trailing '\r' is left to the JSON parser, which treats it as
 * white space), borrowing in[]; j->rec_line is its number.
 * @return IDR_OK, IDR_EAGAIN, IDR_ENOENT (eof, nothing left) or IDR_ELIMIT (a line longer
 *         than lim.max_line: skipped, j->err says so).
 */
int row_json_next(struct row_json *j, const uint8_t *in, size_t len, bool eof, struct slice *line,
                  size_t *used);

/**
 * Decode one JSON line in[0..len) (without its newline) into out. Unknown members are errors
 * (they are typos), also inside the values of a record line (VJSON_STRICT), each naming the
 * member and the known one it is close to; the form is chosen by the members present (see the
 * file comment).
 * @return IDR_OK, IDR_EPROTO or IDR_ELIMIT (j->err names the field), IDR_ENOMEM.
 */
int row_json_decode(struct row_json *j, const uint8_t *in, size_t len,
                    struct row *out) IDR_MUSTCHECK;

/* ---------------------------------------------------------------- values */

/**
 * Check an attribute key: non-empty, valid UTF-8 without control characters, no '=', at most
 * VALUE_MAX_TYPE bytes, and not reserved: "URL", "ITEM_KIND" and "HS_*" (case-insensitive).
 * @return IDR_OK, IDR_EREC_TYPE or IDR_EREC_RESERVED; err (if not NULL) names the key.
 */
int row_attr_key_check(struct slice key, char *err, size_t errlen);

/**
 * Build the values of an item row: URL (index 1) when url is not empty, then each attribute
 * with a non-empty value at its index, type = key. TTL 86400 relative, permissions 0x0E,
 * timestamp 0 (the registry sets it), no references. Slices borrow r.
 * @return IDR_OK, IDR_EUTF8 (url/value not UTF-8), IDR_ECTRL (url has a control character)
 *         or IDR_ELIMIT (more than cap); err names the field.
 */
int row_item_values(const struct row *r, struct value *out, size_t cap, size_t *n, char *err,
                    size_t errlen);

#endif /* IDR_TOOLS_COMMON_ROW_H */
