/*
 * rowsrc.h - rows from a file descriptor for the remote import (`idr import --node`): block
 * reads, CSV or JSON lines detected from the first bytes, records split and decoded with
 * row.h, each with the lines it covered. The same reading rules as the local import engine
 * (imp.h): a CSV header first, blank lines skipped, a bad record reported once all of it is
 * consumed so the next one starts clean.
 *
 * Not thread-safe: one reader per thread. Rows borrow the reader's memory until the next
 * rowsrc_next.
 */
#ifndef IDR_TOOLS_COMMON_ROWSRC_H
#define IDR_TOOLS_COMMON_ROWSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/row.h"

#define ROWSRC_BLOCK   (1u << 20) /* bytes per read(2) */
#define ROWSRC_ERR_LEN (ROW_ERR_LEN + 64)

struct rowsrc {
	int fd;
	uint8_t *buf; /* buf[off..have) is unconsumed */
	size_t cap, have, off;
	bool eof;
	bool json; /* the input is JSON lines */
	bool header_done;
	bool open_line; /* the input so far ends inside a line */
	struct row_csv csv;
	struct row_json json_p;
	uint64_t first, last; /* the lines of the record just returned (or rejected) */
	uint64_t bytes;       /* input bytes consumed */
	uint64_t lines;       /* input lines read */
	struct slice bad_id;  /* a rejected JSON line's identifier when it decoded that far */
	char err[ROWSRC_ERR_LEN];
};

/**
 * Start reading fd (borrowed; not closed): allocate the buffers, read the first block and
 * tell CSV from JSON lines.
 * @return IDR_OK, IDR_ENOMEM or a read error (s->err says which); s is close-safe either way.
 */
int rowsrc_open(struct rowsrc *s, int fd, const struct row_limits *lim) IDR_MUSTCHECK;

/** Free what s holds (accepts a zeroed or failed struct). */
void rowsrc_close(struct rowsrc *s);

/**
 * The next row.
 * @return IDR_OK (*row filled; s->first..s->last its lines), IDR_ENOENT (end of input),
 *         IDR_EAGAIN (a bad record was skipped: s->err says why, s->first..s->last are its
 *         lines, s->bad_id its identifier when known), or a fatal error (s->err: an unreadable
 *         CSV header, a read error, no memory).
 */
int rowsrc_next(struct rowsrc *s, struct row *row) IDR_MUSTCHECK;

#endif /* IDR_TOOLS_COMMON_ROWSRC_H */
