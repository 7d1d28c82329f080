/* row.c - CSV record splitter, JSON-line decoder and item-row values for `idr import`. */
#include "common/row.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/text.h"
#include "reg.h"

static void
limits_fill(struct row_limits *dst, const struct row_limits *src)
{
	struct row_limits d = {ROW_MAX_LINE, ROW_MAX_COLS, ROW_MAX_FIELD};

	if (src != NULL) {
		d.max_line = src->max_line != 0 ? src->max_line : d.max_line;
		d.max_cols = src->max_cols != 0 ? src->max_cols : d.max_cols;
		d.max_field = src->max_field != 0 ? src->max_field : d.max_field;
	}
	*dst = d;
}

static int fail(char *err, int rc, const char *fmt, ...) IDR_PRINTF(3, 4);

static int
fail(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* the analyzer misses va_start above (clang-tidy 14) */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(err, ROW_ERR_LEN, fmt, ap);
	va_end(ap);
	return rc;
}

/* Quote a key for a message: printable text as is, anything else elided. */
static const char *
key_text(struct slice key, char *buf, size_t cap)
{
	if (key.len == 0) {
		return "";
	}
	if (!text_is_clean(key.p, key.len) || slice_to_cstr(key, buf, cap) != IDR_OK) {
		snprintf(buf, cap, "(%zu bytes, not printable)", key.len);
	}
	return buf;
}

/* ---------------------------------------------------------------- CSV splitter */

int
row_csv_init(struct row_csv *c, const struct row_limits *lim)
{
	memset(c, 0, sizeof(*c));
	limits_fill(&c->lim, lim);
	c->line = 1;
	c->col_id = c->col_kind = c->col_url = -1;
	c->scratch = malloc(c->lim.max_line);
	c->fields = calloc(c->lim.max_cols, sizeof(*c->fields));
	c->attrs = calloc(c->lim.max_cols, sizeof(*c->attrs));
	if (c->scratch == NULL || c->fields == NULL || c->attrs == NULL) {
		row_csv_deinit(c);
		return IDR_ENOMEM;
	}
	return IDR_OK;
}

void
row_csv_deinit(struct row_csv *c)
{
	free(c->scratch);
	free(c->fields);
	free(c->attrs);
	free(c->names);
	free(c->names_mem);
	free(c->col_index);
	c->scratch = NULL;
	c->fields = NULL;
	c->attrs = NULL;
	c->names = NULL;
	c->names_mem = NULL;
	c->col_index = NULL;
}

/* The scan of one record: in[start..pos) is done; sc bytes of scratch are used. */
struct scan {
	const uint8_t *in;
	size_t len;
	size_t start;
	size_t pos;
	size_t sc;
	uint64_t nl; /* newlines inside quoted fields */
	size_t end;  /* where the record's content ends (before its line ending) */
	bool eof;
	bool unclosed; /* a quoted field runs to the end of the input */
};

enum field_end { FIELD_SEP, FIELD_END, FIELD_MORE };

/* Column name for messages: the header's when known. */
static const char *
col_name(const struct row_csv *c, size_t col, char *buf, size_t cap)
{
	char kb[96];

	if (c->names != NULL && col < c->ncols) {
		snprintf(buf, cap, "column %zu (%s)", col + 1,
		         key_text(c->names[col], kb, sizeof(kb)));
	} else {
		snprintf(buf, cap, "column %zu", col + 1);
	}
	return buf;
}

/* After a field's content: separator, end of record, or need more bytes. */
static int
field_after(struct row_csv *c, struct scan *s, enum field_end *end)
{
	char nb[160];

	s->end = s->pos;
	if (s->pos == s->len) {
		*end = s->eof ? FIELD_END : FIELD_MORE;
		return IDR_OK;
	}
	switch (s->in[s->pos]) {
	case ',':
		s->pos++;
		*end = FIELD_SEP;
		return IDR_OK;
	case '\n':
		s->pos++;
		*end = FIELD_END;
		return IDR_OK;
	case '\r':
		if (s->pos + 1 == s->len && !s->eof) {
			*end = FIELD_MORE;
			return IDR_OK;
		}
		if (s->pos + 1 < s->len && s->in[s->pos + 1] == '\n') {
			s->pos += 2;
			*end = FIELD_END;
			return IDR_OK;
		}
		break;
	default:
		break;
	}
	return fail(c->err, IDR_EPROTO, "%s: unexpected character after the closing quote",
	            col_name(c, c->nfields, nb, sizeof(nb)));
}

static int
field_push(struct row_csv *c, struct slice f)
{
	char nb[160];

	if (c->nfields == c->lim.max_cols) {
		return fail(c->err, IDR_ELIMIT, "more than %zu columns", c->lim.max_cols);
	}
	if (f.len > c->lim.max_field) {
		return fail(c->err, IDR_ELIMIT, "%s: field longer than %zu bytes",
		            col_name(c, c->nfields, nb, sizeof(nb)), c->lim.max_field);
	}
	c->fields[c->nfields++] = f;
	return IDR_OK;
}

/* Copy a quoted field's content with "" unescaped into scratch. */
static struct slice
unescape(struct row_csv *c, struct scan *s, const uint8_t *p, size_t n)
{
	uint8_t *dst = c->scratch + s->sc;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		dst[o++] = p[i];
		if (p[i] == '"') {
			i++; /* the second quote of a "" pair */
		}
	}
	s->sc += o;
	return slice_make(dst, o);
}

static int
field_quoted(struct row_csv *c, struct scan *s, enum field_end *end)
{
	const uint8_t *q, *body = s->in + s->pos + 1;
	size_t p = s->pos + 1, n, i;
	bool esc = false;
	struct slice f;
	char nb[160];
	int rc;

	for (;;) {
		q = p < s->len ? memchr(s->in + p, '"', s->len - p) : NULL;
		if (q == NULL) {
			if (!s->eof) {
				*end = FIELD_MORE;
				return IDR_OK;
			}
			s->unclosed = true;
			return fail(
			        c->err, IDR_EPROTO,
			        "%s: the quoted field opened on line %llu is not closed before the "
			        "end of the input",
			        col_name(c, c->nfields, nb, sizeof(nb)),
			        (unsigned long long)c->rec_line + s->nl);
		}
		p = (size_t)(q - s->in);
		if (p + 1 == s->len && !s->eof) {
			*end = FIELD_MORE; /* a "" pair or the closing quote: need the next byte */
			return IDR_OK;
		}
		if (p + 1 < s->len && s->in[p + 1] == '"') {
			esc = true;
			p += 2;
			continue;
		}
		break;
	}
	n = p - (s->pos + 1);
	for (i = 0; i < n; i++) {
		s->nl += body[i] == '\n';
	}
	if (p + 1 - s->start > c->lim.max_line) { /* also bounds the scratch space used */
		return fail(c->err, IDR_ELIMIT, "record longer than %zu bytes", c->lim.max_line);
	}
	f = esc ? unescape(c, s, body, n) : slice_make(body, n);
	s->pos = p + 1;
	rc = field_after(c, s, end);
	if (rc != IDR_OK || *end == FIELD_MORE) {
		return rc;
	}
	return field_push(c, f);
}

static int
field_plain(struct row_csv *c, struct scan *s, enum field_end *end)
{
	size_t p = s->pos;
	char nb[160];
	uint8_t ch;
	int rc;

	while (p < s->len) {
		ch = s->in[p];
		if (ch == ',' || ch == '\n') {
			break;
		}
		if (ch == '"') {
			return fail(c->err, IDR_EPROTO,
			            "%s: quote character inside an unquoted field (quote the whole "
			            "field and double the quote)",
			            col_name(c, c->nfields, nb, sizeof(nb)));
		}
		if (ch == '\r' && (p + 1 == s->len || s->in[p + 1] == '\n')) {
			break; /* CRLF, or a CR whose next byte is not here yet */
		}
		p++;
	}
	if (p == s->len && !s->eof) {
		*end = FIELD_MORE;
		return IDR_OK;
	}
	{
		struct slice f = slice_make(s->in + s->pos, p - s->pos);

		s->pos = p;
		rc = field_after(c, s, end);
		if (rc != IDR_OK || *end == FIELD_MORE) {
			return rc;
		}
		return field_push(c, f);
	}
}

/* Discard bytes of a rejected record up to its end; quote-aware if the record was complete
 * in syntax so far (over-long) or a quoted field is open, raw to the end of the line
 * otherwise. */
static int
skip_bytes(struct row_csv *c, const uint8_t *in, size_t len, bool eof, size_t *pos)
{
	size_t p = *pos;

	while (p < len) {
		uint8_t ch = in[p++];

		c->skip_nl = ch == '\n';
		if (ch == '"' && c->skip_quoted) {
			c->skip_inq = !c->skip_inq;
		} else if (ch == '\n') {
			c->line++;
			if (!c->skip_inq) {
				c->skipping = false;
				break;
			}
		}
	}
	*pos = p;
	if (c->skipping && eof) {
		c->skipping = false;
	}
	return c->skipping ? IDR_EAGAIN : IDR_OK;
}

/* Start discarding the rest of a record rejected with rc, returned once it is skipped. */
static void
skip_begin(struct row_csv *c, int rc, bool quote_aware, bool hint)
{
	c->skipping = true;
	c->skip_quoted = quote_aware;
	c->skip_inq = false;
	c->skip_nl = false;
	c->pending = rc;
	c->pending_hint = hint;
}

/* After a message about a record that ran over several lines: say what usually causes it. */
static void
span_hint(struct row_csv *c)
{
	size_t n = strlen(c->err);

	if (c->rec_last > c->rec_line && n < sizeof(c->err)) {
		snprintf(c->err + n, sizeof(c->err) - n,
		         " (a quoted field runs over lines %llu-%llu: is a closing quote missing?)",
		         (unsigned long long)c->rec_line, (unsigned long long)c->rec_last);
	}
}

/* The rejected record is skipped to its end: its last line, and the error kept for it. */
static int
skip_done(struct row_csv *c)
{
	int rc = c->pending;

	c->pending = IDR_OK;
	c->rec_last = c->line - (c->skip_nl ? 1 : 0);
	if (c->rec_last < c->rec_line) {
		c->rec_last = c->rec_line;
	}
	if (c->pending_hint) {
		span_hint(c);
	}
	return rc;
}

/* Skip a BOM at the very start and blank lines; returns IDR_EAGAIN if undecidable yet. */
static int
skip_blank(struct row_csv *c, const uint8_t *in, size_t len, bool eof, size_t *pos)
{
	static const uint8_t bom[3] = {0xEF, 0xBB, 0xBF};
	size_t p = *pos;

	if (!c->started) {
		if (len < 3 && !eof && memcmp(in, bom, len) == 0) {
			return IDR_EAGAIN;
		}
		if (len >= 3 && memcmp(in, bom, 3) == 0) {
			p = 3;
		}
		c->started = true;
	}
	for (;;) {
		if (p < len && in[p] == '\n') {
			p++;
			c->line++;
		} else if (p + 1 < len && in[p] == '\r' && in[p + 1] == '\n') {
			p += 2;
			c->line++;
		} else if (p + 1 == len && in[p] == '\r' && !eof) {
			*pos = p;
			return IDR_EAGAIN;
		} else {
			break;
		}
	}
	*pos = p;
	return IDR_OK;
}

/* Split fields until the record ends; IDR_EAGAIN when more bytes are needed. */
static int
split_record(struct row_csv *c, struct scan *s)
{
	enum field_end end = FIELD_SEP;
	int rc;

	while (end == FIELD_SEP) {
		if (s->pos - s->start > c->lim.max_line) {
			return fail(c->err, IDR_ELIMIT, "record longer than %zu bytes",
			            c->lim.max_line);
		}
		if (s->pos < s->len && s->in[s->pos] == '"') {
			rc = field_quoted(c, s, &end);
		} else {
			rc = field_plain(c, s, &end);
		}
		if (rc != IDR_OK) {
			return rc;
		}
		if (end == FIELD_MORE) {
			return IDR_EAGAIN;
		}
	}
	if (s->end - s->start > c->lim.max_line) {
		return fail(c->err, IDR_ELIMIT, "record longer than %zu bytes", c->lim.max_line);
	}
	return IDR_OK;
}

int
row_csv_next(struct row_csv *c, const uint8_t *in, size_t len, bool eof, size_t *used)
{
	struct scan s;
	size_t pos = 0;
	int rc;

	*used = 0;
	c->nfields = 0;
	if (c->skipping) {
		rc = skip_bytes(c, in, len, eof, &pos);
		*used = pos;
		return rc != IDR_OK ? rc : skip_done(c);
	}
	c->err[0] = '\0';
	rc = skip_blank(c, in, len, eof, &pos);
	*used = pos;
	if (rc != IDR_OK) {
		return rc;
	}
	if (pos == len) {
		return eof ? IDR_ENOENT : IDR_EAGAIN;
	}
	memset(&s, 0, sizeof(s));
	s.in = in;
	s.len = len;
	s.start = s.pos = pos;
	s.eof = eof;
	c->rec_line = c->line;
	rc = split_record(c, &s);
	if (rc == IDR_EAGAIN && len - s.start > c->lim.max_line + 2) { /* + a line ending */
		rc = fail(c->err, IDR_ELIMIT, "record longer than %zu bytes", c->lim.max_line);
	}
	if (rc == IDR_EAGAIN) {
		c->nfields = 0;
		return rc;
	}
	if (rc != IDR_OK) {
		/* over-long records are skipped quote-aware from their start, an unclosed quoted
		 * field from its quote (to the end: it is unclosed at eof only), other syntax
		 * errors to the end of the physical line where the error was found; the error is
		 * returned when the whole record is consumed, so rec_last is its last line */
		c->nfields = 0;
		skip_begin(c, rc, rc == IDR_ELIMIT || s.unclosed, !s.unclosed);
		pos = rc == IDR_ELIMIT ? s.start : s.pos;
		c->line += rc == IDR_ELIMIT ? 0 : s.nl;
		rc = skip_bytes(c, in, len, eof, &pos);
		*used = pos;
		return rc != IDR_OK ? rc : skip_done(c);
	}
	c->rec_last = c->rec_line + s.nl;
	c->line += s.nl + 1;
	*used = s.pos;
	return IDR_OK;
}

/* ---------------------------------------------------------------- CSV header and rows */

int
row_attr_key_check(struct slice key, char *err, size_t errlen)
{
	char kb[96], tmp[ROW_ERR_LEN];
	const char *k = key_text(key, kb, sizeof(kb));
	int rc = IDR_OK;

	if (key.len == 0) {
		rc = fail(tmp, IDR_EREC_TYPE, "attribute key is empty");
	} else if (key.len > VALUE_MAX_TYPE) {
		rc = fail(tmp, IDR_EREC_TYPE, "attribute key is longer than %d bytes",
		          VALUE_MAX_TYPE);
	} else if (!text_is_clean(key.p, key.len)) {
		rc = fail(tmp, IDR_EREC_TYPE,
		          "attribute key %s is not UTF-8 text without control characters", k);
	} else if (memchr(key.p, '=', key.len) != NULL) {
		rc = fail(tmp, IDR_EREC_TYPE, "attribute key '%s' contains '='", k);
	} else if (slice_caseeq_cstr(key, "URL") || slice_caseeq_cstr(key, REC_KIND_TYPE) ||
	           (key.len >= 3 && slice_caseeq(slice_make(key.p, 3), SLICE_LIT("HS_")))) {
		rc = fail(tmp, IDR_EREC_RESERVED,
		          "attribute key '%s' is reserved (URL, ITEM_KIND and HS_* are set by idr)",
		          k);
	}
	if (rc != IDR_OK && err != NULL && errlen > 0) {
		snprintf(err, errlen, "%s", tmp);
	}
	return rc;
}

static void
header_free(struct row_csv *c)
{
	free(c->names);
	free(c->names_mem);
	free(c->col_index);
	c->names = NULL;
	c->names_mem = NULL;
	c->col_index = NULL;
	c->ncols = 0;
	c->col_id = c->col_kind = c->col_url = -1;
}

/* Assign a role to column i; IDR_EPROTO on a duplicate or bad name. */
static int
header_role(struct row_csv *c, size_t i, uint32_t *next)
{
	struct slice name = c->fields[i];
	int *role = NULL;
	char msg[ROW_ERR_LEN];
	size_t j;

	if (slice_caseeq_cstr(name, "id") || slice_caseeq_cstr(name, "handle")) {
		role = &c->col_id;
	} else if (slice_caseeq_cstr(name, "kind")) {
		role = &c->col_kind;
	} else if (slice_caseeq_cstr(name, "url")) {
		role = &c->col_url;
	}
	if (role != NULL) {
		if (*role >= 0) {
			return fail(c->err, IDR_EPROTO, "header column %zu: a second %s column",
			            i + 1,
			            role == &c->col_id     ? "id/handle"
			            : role == &c->col_kind ? "kind"
			                                   : "url");
		}
		*role = (int)i;
		return IDR_OK;
	}
	if (row_attr_key_check(name, msg, sizeof(msg)) != IDR_OK) {
		return fail(c->err, IDR_EPROTO, "header column %zu: %s", i + 1, msg);
	}
	for (j = 0; j < i; j++) {
		if (slice_caseeq(c->fields[j], name)) {
			return fail(c->err, IDR_EPROTO,
			            "header column %zu: duplicate column name (same as column %zu)",
			            i + 1, j + 1);
		}
	}
	c->col_index[i] = (*next)++;
	return IDR_OK;
}

static int
header_copy_names(struct row_csv *c)
{
	size_t i, total = 0, off = 0;

	for (i = 0; i < c->nfields; i++) {
		total += c->fields[i].len;
	}
	c->names = calloc(c->nfields > 0 ? c->nfields : 1, sizeof(*c->names));
	c->names_mem = malloc(total + 1);
	if (c->names == NULL || c->names_mem == NULL) {
		return IDR_ENOMEM;
	}
	for (i = 0; i < c->nfields; i++) {
		if (c->fields[i].len > 0) {
			memcpy(c->names_mem + off, c->fields[i].p, c->fields[i].len);
		}
		c->names[i] = slice_make(c->names_mem + off, c->fields[i].len);
		off += c->fields[i].len;
	}
	c->ncols = c->nfields;
	return IDR_OK;
}

int
row_csv_header(struct row_csv *c)
{
	uint32_t next = ROW_ATTR_INDEX;
	size_t i;
	int rc;

	header_free(c);
	c->col_index = calloc(c->nfields > 0 ? c->nfields : 1, sizeof(*c->col_index));
	if (c->col_index == NULL) {
		return IDR_ENOMEM;
	}
	for (i = 0; i < c->nfields; i++) {
		if (c->fields[i].len == 0) {
			rc = fail(c->err, IDR_EPROTO, "header column %zu: empty column name",
			          i + 1);
			goto free_header;
		}
		rc = header_role(c, i, &next);
		if (rc != IDR_OK) {
			goto free_header;
		}
	}
	if (c->col_id < 0 || c->col_kind < 0) {
		rc = fail(c->err, IDR_EPROTO,
		          "header has no %s column (the first row names the "
		          "columns: id, kind, url and attribute keys)",
		          c->col_id < 0 ? "id (or handle)" : "kind");
		goto free_header;
	}
	rc = header_copy_names(c);
	if (rc != IDR_OK) {
		goto free_header;
	}
	return IDR_OK;
free_header:
	header_free(c);
	return rc;
}

/* Column `col` (0-based) of a line split at every ',' (no quotes: see swallowed_line). */
static struct slice
line_column(struct slice line, size_t col, size_t *ncols)
{
	struct slice f = slice_make(line.p, 0);
	size_t i, start = 0, n = 0;

	for (i = 0; i <= line.len; i++) {
		if (i == line.len || line.p[i] == ',') {
			if (n == col) {
				f = slice_make(line.p + start, i - start);
			}
			n++;
			start = i + 1;
		}
	}
	*ncols = n;
	return f;
}

/* A line inside a quoted field that reads as a data row of this file on its own: the
 * header's number of columns, an identifier with a '/' in the id column and a known kind. */
static bool
looks_like_row(const struct row_csv *c, struct slice line)
{
	struct slice id, kind;
	enum rec_kind k;
	size_t n;

	if (line.len > 0 && line.p[line.len - 1] == '\r') {
		line.len--;
	}
	id = line_column(line, (size_t)c->col_id, &n);
	if (n != c->ncols || id.len == 0 || memchr(id.p, '/', id.len) == NULL ||
	    memchr(id.p, ' ', id.len) != NULL) {
		return false;
	}
	kind = line_column(line, (size_t)c->col_kind, &n);
	return rec_kind_parse(kind, &k) == IDR_OK;
}

/*
 * RFC 4180 lets a quoted field hold line breaks, but when a line inside one reads as a row of
 * its own, a closing quote is missing and that row would vanish into this one's field: reject
 * the record, naming the line. Only records that span lines are looked at.
 */
static int
swallowed_line(struct row_csv *c)
{
	uint64_t line = c->rec_line, open;
	const uint8_t *nl;
	char nb[160], ib[96];
	struct slice f, row;
	size_t i, n;

	if (c->rec_last == c->rec_line) {
		return IDR_OK;
	}
	for (i = 0; i < c->nfields; i++) {
		f = c->fields[i];
		open = line;
		while ((nl = f.len > 0 ? memchr(f.p, '\n', f.len) : NULL) != NULL) {
			line++;
			f = slice_make(nl + 1, f.len - (size_t)(nl + 1 - f.p));
			nl = f.len > 0 ? memchr(f.p, '\n', f.len) : NULL;
			row = slice_make(f.p, nl != NULL ? (size_t)(nl - f.p) : f.len);
			if (!looks_like_row(c, row)) {
				continue;
			}
			return fail(
			        c->err, IDR_EPROTO,
			        "%s: the quoted field opened on line %llu runs over line %llu, "
			        "which "
			        "reads as a row of its own (%s): is a closing quote missing?",
			        col_name(c, i, nb, sizeof(nb)), (unsigned long long)open,
			        (unsigned long long)line,
			        key_text(line_column(row, (size_t)c->col_id, &n), ib, sizeof(ib)));
		}
	}
	return IDR_OK;
}

int
row_csv_row(struct row_csv *c, struct row *out)
{
	size_t i, n = 0;
	int rc;

	if (c->names == NULL) {
		return fail(c->err, IDR_EPROTO, "no header row");
	}
	if (c->nfields != c->ncols) {
		rc = fail(c->err, IDR_EPROTO, "record has %zu fields, the header has %zu",
		          c->nfields, c->ncols);
		span_hint(c);
		return rc;
	}
	if ((rc = swallowed_line(c)) != IDR_OK) {
		return rc;
	}
	memset(out, 0, sizeof(*out));
	out->form = ROW_ITEM;
	out->id = c->fields[c->col_id];
	out->kind = c->fields[c->col_kind];
	if (c->col_url >= 0) {
		out->url = c->fields[c->col_url];
	}
	for (i = 0; i < c->ncols; i++) {
		if (c->col_index[i] != 0 && c->fields[i].len > 0) {
			c->attrs[n].key = c->names[i];
			c->attrs[n].val = c->fields[i];
			c->attrs[n].index = c->col_index[i];
			n++;
		}
	}
	out->attrs = c->attrs;
	out->nattrs = n;
	return IDR_OK;
}

/* ---------------------------------------------------------------- values */

static void
value_text(struct value *v, uint32_t index, struct slice type, struct slice data)
{
	memset(v, 0, sizeof(*v));
	v->index = index;
	v->ttl_type = VALUE_TTL_RELATIVE;
	v->ttl = VALUE_DEFAULT_TTL;
	v->perms = ROW_DEFAULT_PERM;
	v->type = type;
	v->data = data;
}

int
row_item_values(const struct row *r, struct value *out, size_t cap, size_t *n, char *err,
                size_t errlen)
{
	char tmp[ROW_ERR_LEN], kb[96];
	bool ctrl = false;
	size_t i, k = 0;
	int rc = IDR_OK;

	if (r->url.len > 0) {
		if (text_utf8_check(r->url.p, r->url.len, NULL, &ctrl) != IDR_OK) {
			rc = fail(tmp, IDR_EUTF8, "url: not valid UTF-8");
		} else if (ctrl) {
			rc = fail(tmp, IDR_ECTRL, "url: contains a control character");
		} else if (cap == 0) {
			rc = fail(tmp, IDR_ELIMIT, "more than %zu values", cap);
		} else {
			value_text(&out[k++], VALUE_INDEX_URL, SLICE_LIT("URL"), r->url);
		}
	}
	for (i = 0; rc == IDR_OK && i < r->nattrs; i++) {
		const struct row_attr *a = &r->attrs[i];

		if (a->val.len == 0) {
			continue;
		}
		if (text_utf8_check(a->val.p, a->val.len, NULL, NULL) != IDR_OK) {
			rc = fail(tmp, IDR_EUTF8, "attribute '%s': value is not valid UTF-8",
			          key_text(a->key, kb, sizeof(kb)));
		} else if (k == cap) {
			rc = fail(tmp, IDR_ELIMIT, "more than %zu values", cap);
		} else {
			value_text(&out[k++], a->index, a->key, a->val);
		}
	}
	if (rc != IDR_OK && err != NULL && errlen > 0) {
		snprintf(err, errlen, "%s", tmp);
	}
	*n = rc == IDR_OK ? k : 0;
	return rc;
}

/* ---------------------------------------------------------------- JSON lines */

int
row_json_init(struct row_json *j, const struct row_limits *lim)
{
	memset(j, 0, sizeof(*j));
	limits_fill(&j->lim, lim);
	j->line = 1;
	j->attrs = calloc(j->lim.max_cols, sizeof(*j->attrs));
	return j->attrs != NULL ? IDR_OK : IDR_ENOMEM;
}

static void
json_clear(struct row_json *j)
{
	if (j->root != NULL) {
		json_decref((json_t *)j->root);
		j->root = NULL;
	}
	vjson_values_free(&j->vals);
}

void
row_json_deinit(struct row_json *j)
{
	json_clear(j);
	free(j->attrs);
	j->attrs = NULL;
}

bool
row_input_is_json(const uint8_t *in, size_t len)
{
	size_t i = 0;

	if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) {
		i = 3;
	}
	while (i < len && (in[i] == ' ' || in[i] == '\t' || in[i] == '\r' || in[i] == '\n')) {
		i++;
	}
	return i < len && in[i] == '{';
}

static bool
blank(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
			return false;
		}
	}
	return true;
}

/* Skip the rest of an over-long line. */
static int
json_skip(struct row_json *j, const uint8_t *in, size_t len, bool eof, size_t *pos)
{
	const uint8_t *nl = *pos < len ? memchr(in + *pos, '\n', len - *pos) : NULL;

	if (nl == NULL) {
		*pos = len;
		j->skipping = !eof;
		return j->skipping ? IDR_EAGAIN : IDR_OK;
	}
	*pos = (size_t)(nl - in) + 1;
	j->line++;
	j->skipping = false;
	return IDR_OK;
}

int
row_json_next(struct row_json *j, const uint8_t *in, size_t len, bool eof, struct slice *line,
              size_t *used)
{
	size_t pos = 0, n;
	const uint8_t *nl;
	int rc;

	*used = 0;
	j->err[0] = '\0';
	if (!j->started) {
		if (len < 3 && !eof) {
			return IDR_EAGAIN;
		}
		if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) {
			pos = 3;
		}
		j->started = true;
	}
	if (j->skipping) {
		rc = json_skip(j, in, len, eof, &pos);
		*used = pos;
		if (rc != IDR_OK) {
			return rc;
		}
	}
	for (;;) {
		*used = pos;
		if (pos == len) {
			return eof ? IDR_ENOENT : IDR_EAGAIN;
		}
		nl = memchr(in + pos, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - (in + pos)) : len - pos;
		j->rec_line = j->line;
		if (n - (n > 0 && in[pos + n - 1] == '\r') > j->lim.max_line) {
			j->skipping = true;
			(void)json_skip(j, in, len, eof, &pos);
			*used = pos;
			return fail(j->err, IDR_ELIMIT, "line longer than %zu bytes",
			            j->lim.max_line);
		}
		if (nl == NULL && !eof) {
			return IDR_EAGAIN;
		}
		*line = slice_make(in + pos, n - (n > 0 && in[pos + n - 1] == '\r'));
		pos += n + (nl != NULL);
		j->line += nl != NULL;
		if (!blank(line->p, line->len)) {
			*used = pos;
			return IDR_OK;
		}
	}
}

/*
 * Members allowed in a form; anything else is a typo worth reporting, with the field it
 * probably meant (of any form: a misspelt "values" makes a record line look like an item).
 */
static int
json_check_members(struct row_json *j, const char *const *allowed)
{
	static const char *const any_form[] = {"id",    "handle", "kind",   "url",
	                                       "attrs", "values", "prefix", "owner",
	                                       "state", "node",   NULL};
	const char *key, *near;
	json_t *val;
	char kb[96];
	size_t i;

	json_object_foreach((json_t *)j->root, key, val)
	{
		for (i = 0; allowed[i] != NULL; i++) {
			if (strcmp(key, allowed[i]) == 0) {
				break;
			}
		}
		if (allowed[i] != NULL) {
			continue;
		}
		near = text_suggest(key, allowed);
		near = near != NULL ? near : text_suggest(key, any_form);
		return fail(j->err, IDR_EPROTO, "unknown field '%s'%s%s%s",
		            key_text(slice_cstr(key), kb, sizeof(kb)),
		            near != NULL ? " (did you mean '" : "", near != NULL ? near : "",
		            near != NULL ? "'?)" : "");
	}
	return IDR_OK;
}

/* A string member: IDR_OK (set), IDR_ENOENT (absent; *out empty) or IDR_EPROTO. */
static int
json_str(struct row_json *j, const char *name, bool required, struct slice *out)
{
	json_t *v = json_object_get((json_t *)j->root, name);

	*out = slice_make(NULL, 0);
	if (v == NULL) {
		return required ? fail(j->err, IDR_EPROTO, "field '%s' is missing", name)
		                : IDR_ENOENT;
	}
	if (!json_is_string(v)) {
		return fail(j->err, IDR_EPROTO, "field '%s': expected a string", name);
	}
	*out = slice_make(json_string_value(v), json_string_length(v));
	return IDR_OK;
}

static int
json_state(struct row_json *j, struct row *out)
{
	json_t *v = json_object_get((json_t *)j->root, "state");

	out->state = PFX_ENABLED;
	if (v == NULL) {
		return IDR_OK;
	}
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 5) {
		out->state = (int)json_integer_value(v);
		return IDR_OK;
	}
	if (json_is_string(v) && pfx_state_parse(json_string_value(v), &out->state) == IDR_OK) {
		return IDR_OK;
	}
	return fail(j->err, IDR_EPROTO, "field 'state': %s", idr_strerror(IDR_EPFX_STATE));
}

static int
json_prefix(struct row_json *j, struct row *out)
{
	static const char *const allowed[] = {"prefix", "owner", "state", "node", NULL};
	json_t *node;
	int rc;

	out->form = ROW_PREFIX;
	if ((rc = json_check_members(j, allowed)) != IDR_OK ||
	    (rc = json_str(j, "prefix", true, &out->id)) != IDR_OK) {
		return rc;
	}
	rc = json_str(j, "owner", false, &out->owner);
	if (rc == IDR_EPROTO) {
		return rc;
	}
	node = json_object_get((json_t *)j->root, "node");
	if (node != NULL && !json_is_boolean(node)) {
		return fail(j->err, IDR_EPROTO, "field 'node': expected true or false");
	}
	out->node = node != NULL && json_is_true(node);
	return json_state(j, out);
}

static int
json_record(struct row_json *j, struct row *out)
{
	static const char *const allowed[] = {"handle", "kind", "values", NULL};
	char msg[VJSON_ERR_LEN];
	int rc;

	out->form = ROW_RECORD;
	if ((rc = json_check_members(j, allowed)) != IDR_OK ||
	    (rc = json_str(j, "handle", true, &out->id)) != IDR_OK) {
		return rc;
	}
	rc = json_str(j, "kind", false, &out->kind);
	if (rc == IDR_EPROTO) {
		return rc;
	}
	if (!json_is_array(json_object_get((json_t *)j->root, "values"))) {
		return fail(j->err, IDR_EPROTO, "field 'values': expected an array");
	}
	msg[0] = '\0';
	rc = vjson_parse_values_opt(json_object_get((json_t *)j->root, "values"), VJSON_STRICT,
	                            &j->vals, msg, sizeof(msg));
	if (rc != IDR_OK) {
		return fail(j->err, rc, "field 'values': %s",
		            msg[0] != '\0' ? msg : idr_strerror(rc));
	}
	out->values = j->vals.v;
	out->nvalues = j->vals.n;
	return IDR_OK;
}

static int
json_attrs(struct row_json *j, struct row *out)
{
	json_t *attrs = json_object_get((json_t *)j->root, "attrs"), *val;
	char msg[ROW_ERR_LEN];
	const char *key;
	size_t n = 0;

	if (attrs == NULL) {
		return IDR_OK;
	}
	if (!json_is_object(attrs)) {
		return fail(j->err, IDR_EPROTO, "field 'attrs': expected an object");
	}
	json_object_foreach(attrs, key, val)
	{
		struct slice k = slice_cstr(key);

		if (n == j->lim.max_cols) {
			return fail(j->err, IDR_ELIMIT, "field 'attrs': more than %zu attributes",
			            j->lim.max_cols);
		}
		if (row_attr_key_check(k, msg, sizeof(msg)) != IDR_OK) {
			return fail(j->err, IDR_EPROTO, "field 'attrs': %s", msg);
		}
		if (!json_is_string(val)) {
			return fail(j->err, IDR_EPROTO,
			            "field 'attrs': attribute '%s': expected a string",
			            key_text(k, msg, sizeof(msg)));
		}
		j->attrs[n].key = k;
		j->attrs[n].val = slice_make(json_string_value(val), json_string_length(val));
		j->attrs[n].index = ROW_ATTR_INDEX + (uint32_t)n;
		n++;
	}
	out->attrs = j->attrs;
	out->nattrs = n;
	return IDR_OK;
}

static int
json_item(struct row_json *j, struct row *out)
{
	static const char *const allowed[] = {"id", "handle", "kind", "url", "attrs", NULL};
	struct slice alt;
	int rc;

	out->form = ROW_ITEM;
	if ((rc = json_check_members(j, allowed)) != IDR_OK) {
		return rc;
	}
	rc = json_str(j, "id", false, &out->id);
	if (rc == IDR_EPROTO) {
		return rc;
	}
	if (json_str(j, "handle", false, &alt) == IDR_OK) {
		if (rc == IDR_OK) {
			return fail(j->err, IDR_EPROTO, "give either 'id' or 'handle', not both");
		}
		out->id = alt;
		rc = IDR_OK;
	}
	if (rc != IDR_OK) {
		return fail(j->err, IDR_EPROTO, "field 'id' is missing");
	}
	if ((rc = json_str(j, "kind", true, &out->kind)) != IDR_OK) {
		return rc;
	}
	rc = json_str(j, "url", false, &out->url);
	if (rc == IDR_EPROTO) {
		return rc;
	}
	return json_attrs(j, out);
}

int
row_json_decode(struct row_json *j, const uint8_t *in, size_t len, struct row *out)
{
	json_error_t e;
	json_t *root;

	json_clear(j);
	memset(out, 0, sizeof(*out));
	j->err[0] = '\0';
	if (len > j->lim.max_line) {
		return fail(j->err, IDR_ELIMIT, "line longer than %zu bytes", j->lim.max_line);
	}
	root = json_loadb((const char *)in, len, JSON_REJECT_DUPLICATES, &e);
	if (root == NULL) {
		return fail(j->err, IDR_EPROTO, "invalid JSON at column %d: %s", e.column, e.text);
	}
	j->root = (struct json_t *)root;
	if (!json_is_object(root)) {
		return fail(j->err, IDR_EPROTO, "a line must be a JSON object");
	}
	if (json_object_get(root, "prefix") != NULL) {
		return json_prefix(j, out);
	}
	if (json_object_get(root, "values") != NULL) {
		return json_record(j, out);
	}
	return json_item(j, out);
}
