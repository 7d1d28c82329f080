/* rowsrc.c - rows from a file descriptor (rowsrc.h), read as the import engine reads them. */
#include "common/rowsrc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"

/* Move the unconsumed bytes to the front and read once more (up to the buffer's room);
 * sets eof at the end of input. */
static int
refill(struct rowsrc *s)
{
	ssize_t n;

	if (s->off > 0) {
		memmove(s->buf, s->buf + s->off, s->have - s->off);
		s->have -= s->off;
		s->off = 0;
	}
	while (s->have < s->cap) {
		n = read(s->fd, s->buf + s->have, s->cap - s->have);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			int rc = -errno;

			snprintf(s->err, sizeof(s->err), "read error: %s", idr_strerror(rc));
			return rc;
		}
		if (n == 0) {
			s->eof = true;
			break;
		}
		s->have += (size_t)n;
		break; /* parse what came: rows from a pipe go out as they arrive */
	}
	return IDR_OK;
}

/* used bytes at buf[off] were consumed by the parser: count them and the lines they end. */
static void
consumed(struct rowsrc *s, size_t used)
{
	const uint8_t *p = s->buf + s->off;
	size_t i = 0;

	while (i < used) {
		const uint8_t *nl = memchr(p + i, '\n', used - i);

		if (nl == NULL) {
			break;
		}
		s->lines++;
		i = (size_t)(nl - p) + 1;
	}
	if (used > 0) {
		s->open_line = p[used - 1] != '\n';
	}
	s->off += used;
	s->bytes += used;
}

int
rowsrc_open(struct rowsrc *s, int fd, const struct row_limits *lim)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	if (row_csv_init(&s->csv, lim) != IDR_OK || row_json_init(&s->json_p, lim) != IDR_OK) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		return IDR_ENOMEM;
	}
	/* room for one whole record plus a read block, so a record never needs a bigger buffer */
	s->cap = s->csv.lim.max_line + ROWSRC_BLOCK + 16;
	s->buf = malloc(s->cap);
	if (s->buf == NULL) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		return IDR_ENOMEM;
	}
	rc = refill(s);
	if (rc == IDR_OK) {
		s->json = row_input_is_json(s->buf, s->have);
	}
	return rc;
}

void
rowsrc_close(struct rowsrc *s)
{
	row_csv_deinit(&s->csv);
	row_json_deinit(&s->json_p);
	free(s->buf);
	s->buf = NULL;
}

/* The next CSV record after the header (read first) as a row. */
static int
next_csv(struct rowsrc *s, struct row *row)
{
	size_t used;
	int rc;

	for (;;) {
		rc = row_csv_next(&s->csv, s->buf + s->off, s->have - s->off, s->eof, &used);
		consumed(s, used);
		if (rc == IDR_EAGAIN && !s->eof) {
			if ((rc = refill(s)) != IDR_OK) {
				return rc;
			}
			continue;
		}
		if (rc == IDR_ENOENT) {
			return rc;
		}
		s->first = s->csv.rec_line;
		s->last = s->csv.rec_last;
		if (rc != IDR_OK || s->header_done) {
			break;
		}
		if (row_csv_header(&s->csv) != IDR_OK) {
			snprintf(s->err, sizeof(s->err), "line %llu: %s",
			         (unsigned long long)s->first, s->csv.err);
			return IDR_EPROTO;
		}
		s->header_done = true;
	}
	if (rc == IDR_OK) {
		rc = row_csv_row(&s->csv, row);
	}
	if (rc != IDR_OK) {
		snprintf(s->err, sizeof(s->err), "%s%s",
		         s->header_done ? "" : "header: ", s->csv.err);
		return s->header_done ? IDR_EAGAIN : IDR_EPROTO;
	}
	return IDR_OK;
}

static int
next_json(struct rowsrc *s, struct row *row)
{
	struct slice l;
	size_t used;
	int rc;

	for (;;) {
		rc = row_json_next(&s->json_p, s->buf + s->off, s->have - s->off, s->eof, &l,
		                   &used);
		consumed(s, used);
		if (rc != IDR_EAGAIN || s->eof) {
			break;
		}
		if ((rc = refill(s)) != IDR_OK) {
			return rc;
		}
	}
	if (rc == IDR_ENOENT) {
		return rc;
	}
	s->first = s->last = s->json_p.rec_line;
	if (rc == IDR_OK) {
		rc = row_json_decode(&s->json_p, l.p, l.len, row);
		if (rc == IDR_ENOMEM) {
			snprintf(s->err, sizeof(s->err), "out of memory");
			return rc;
		}
	}
	if (rc != IDR_OK) {
		s->bad_id = row->id;
		snprintf(s->err, sizeof(s->err), "%s", s->json_p.err);
		return IDR_EAGAIN;
	}
	return IDR_OK;
}

int
rowsrc_next(struct rowsrc *s, struct row *row)
{
	int rc;

	memset(row, 0, sizeof(*row));
	s->bad_id = slice_make(NULL, 0);
	s->err[0] = '\0';
	rc = s->json ? next_json(s, row) : next_csv(s, row);
	if (rc == IDR_ENOENT) {
		s->lines += s->open_line; /* the last line has no line feed */
		s->open_line = false;
	}
	return rc;
}
