/* test_row.c - the import row parser: CSV splitter, header/rows, JSON lines, item values. */
#include "common/row.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "reg.h"

#define OUT_MAX 8192

/* Append to a NUL-terminated transcript. */
static void out_add(char *out, const char *fmt, ...) IDR_PRINTF(2, 3);

static void
out_add(char *out, const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	/* the analyzer misses va_start above (clang-tidy 14) */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(out + n, OUT_MAX - n, fmt, ap);
	va_end(ap);
}

/* "L<line>" or, for a record over several lines, "L<first>-<last>". */
static void
out_lines(char *out, const struct row_csv *c)
{
	assert_true(c->rec_last >= c->rec_line);
	out_add(out, "L%llu", (unsigned long long)c->rec_line);
	if (c->rec_last > c->rec_line) {
		out_add(out, "-%llu", (unsigned long long)c->rec_last);
	}
	out_add(out, ":");
}

static void
out_record(char *out, const struct row_csv *c)
{
	size_t i;

	out_lines(out, c);
	for (i = 0; i < c->nfields; i++) {
		out_add(out, "%s%.*s", i > 0 ? "|" : "", (int)c->fields[i].len,
		        (const char *)c->fields[i].p);
	}
	out_add(out, ";");
}

/*
 * Split all of in[0..len) the way the importer does, feeding `step` more bytes each time
 * (0: everything at once), into a transcript "L<line>:f1|f2;" per record and
 * "L<line>:E<code>;" per bad record ("L<first>-<last>" for one over several lines).
 */
static void
split_all(const char *in, size_t len, size_t step, const struct row_limits *lim, char *out)
{
	struct row_csv c;
	size_t have = step == 0 ? len : 0, off = 0, used;
	int rc;

	out[0] = '\0';
	assert_int_equal(row_csv_init(&c, lim), IDR_OK);
	for (;;) {
		bool eof = have == len;

		rc = row_csv_next(&c, (const uint8_t *)in + off, have - off, eof, &used);
		assert_true(used <= have - off);
		off += used;
		if (rc == IDR_EAGAIN) {
			assert_false(eof);
			have = have + step > len ? len : have + step;
			continue;
		}
		if (rc == IDR_ENOENT) {
			assert_true(eof);
			break;
		}
		if (rc == IDR_OK) {
			out_record(out, &c);
		} else {
			assert_true(rc == IDR_EPROTO || rc == IDR_ELIMIT);
			assert_true(c.err[0] != '\0');
			out_lines(out, &c);
			out_add(out, "E%d;", rc);
		}
	}
	assert_int_equal(off, len);
	row_csv_deinit(&c);
}

struct csv_case {
	const char *in;
	const char *want;
};

static const struct csv_case csv_valid[] = {
        {"a,b,c\n", "L1:a|b|c;"},
        {"a,b,c", "L1:a|b|c;"},
        {"a,b\r\nc,d\r\n", "L1:a|b;L2:c|d;"},
        {"\n\r\n\na,b\n\n", "L4:a|b;"},
        {",,\n", "L1:||;"},
        {"\"\"\n", "L1:;"},
        {"\"a,b\",c\n", "L1:a,b|c;"},
        {"\"say \"\"hi\"\"\",x\n", "L1:say \"hi\"|x;"},
        {"\"two\nlines\",x\ny,z\n", "L1-2:two\nlines|x;L3:y|z;"},
        {"\"crlf\r\ninside\",x\r\n", "L1-2:crlf\r\ninside|x;"},
        {"\xEF\xBB\xBFid,kind\n", "L1:id|kind;"},
        {"a\rb,c\n", "L1:a\rb|c;"},
        {"\"\"\"\",\"\"\n", "L1:\"|;"},
        {"\xE5\x9E\x8B\xE5\x8F\xB7,x\n", "L1:\xE5\x9E\x8B\xE5\x8F\xB7|x;"},
        {"a,\"b\"\n\"c\"", "L1:a|b;L2:c;"},
        {"", ""},
        {"\n\n", ""},
};

static void
test_row_csv_valid(void **state)
{
	char out[OUT_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(csv_valid) / sizeof(csv_valid[0]); i++) {
		split_all(csv_valid[i].in, strlen(csv_valid[i].in), 0, NULL, out);
		assert_string_equal(out, csv_valid[i].want);
	}
}

/* Every truncation point: feeding the input byte by byte gives the same records. */
static void
test_row_csv_every_truncation(void **state)
{
	char out[OUT_MAX];
	size_t i, step;

	(void)state;
	for (i = 0; i < sizeof(csv_valid) / sizeof(csv_valid[0]); i++) {
		for (step = 1; step <= 3; step++) {
			split_all(csv_valid[i].in, strlen(csv_valid[i].in), step, NULL, out);
			assert_string_equal(out, csv_valid[i].want);
		}
	}
}

/*
 * A quoted field cut at every point before its closing quote: more bytes are needed, and at
 * eof it is an unclosed field, unless the cut lands right after a quote that can close it
 * (an even number of quotes so far), which is a valid shorter field.
 */
static void
test_row_csv_quoted_truncated(void **state)
{
	static const char full[] = "\"a,\"\"b\"\"\nc\"";
	struct row_csv c;
	size_t k, i, quotes, used;
	int rc;

	(void)state;
	for (k = 1; k < sizeof(full) - 1; k++) {
		for (i = 0, quotes = 0; i < k; i++) {
			quotes += full[i] == '"';
		}
		assert_int_equal(row_csv_init(&c, NULL), IDR_OK);
		rc = row_csv_next(&c, (const uint8_t *)full, k, false, &used);
		assert_int_equal(rc, IDR_EAGAIN);
		assert_int_equal(used, 0);
		rc = row_csv_next(&c, (const uint8_t *)full, k, true, &used);
		if (full[k - 1] == '"' && quotes % 2 == 0) {
			assert_int_equal(rc, IDR_OK);
			assert_int_equal(c.nfields, 1);
		} else {
			assert_int_equal(rc, IDR_EPROTO);
			assert_non_null(strstr(c.err, "not closed"));
			assert_int_equal(used, k);
		}
		row_csv_deinit(&c);
	}
}

static const struct csv_case csv_errors[] = {
        /* a stray quote: the rest of that line is skipped, the next record is fine */
        {"a,b\"c\nx,y\n", "L1:E-1000;L2:x|y;"},
        {"\"ab\"c,d\nx\n", "L1:E-1000;L2:x;"},
        {"a,\"open\n", "L1:E-1000;"},
        {"a,\"open\nmore\nlines", "L1-3:E-1000;"},
        /* an unterminated quote takes the rows after it: every line is named */
        {"a,b\nc,\"open\nd,e\n", "L1:a|b;L2-3:E-1000;"},
        /* ... or runs to a later quote and fails there: named to the end of that line */
        {"a,\"x\nb,c\nd,\"q\"\ne,f\n", "L1-3:E-1000;L4:e|f;"},
};

static void
test_row_csv_errors(void **state)
{
	char out[OUT_MAX];
	size_t i, step;

	(void)state;
	for (i = 0; i < sizeof(csv_errors) / sizeof(csv_errors[0]); i++) {
		for (step = 0; step <= 2; step++) {
			split_all(csv_errors[i].in, strlen(csv_errors[i].in), step, NULL, out);
			assert_string_equal(out, csv_errors[i].want);
		}
	}
}

/* The messages of records over several lines name the lines and the likely cause. */
static void
test_row_csv_span_messages(void **state)
{
	static const char open[] = "id,kind,note\n88.118.8/A,part,\"x\n88.118.8/B,part,y\n";
	static const char later[] = "a,\"x\nb\nc,\"q\"\n";
	struct row_csv c;
	size_t used, off;

	(void)state;
	assert_int_equal(row_csv_init(&c, NULL), IDR_OK);
	assert_int_equal(row_csv_next(&c, (const uint8_t *)open, sizeof(open) - 1, true, &used),
	                 IDR_OK);
	off = used;
	assert_int_equal(
	        row_csv_next(&c, (const uint8_t *)open + off, sizeof(open) - 1 - off, true, &used),
	        IDR_EPROTO);
	assert_int_equal(c.rec_line, 2);
	assert_int_equal(c.rec_last, 3);
	assert_non_null(strstr(c.err, "column 3: the quoted field opened on line 2 is not closed"));
	row_csv_deinit(&c);

	assert_int_equal(row_csv_init(&c, NULL), IDR_OK);
	assert_int_equal(row_csv_next(&c, (const uint8_t *)later, sizeof(later) - 1, true, &used),
	                 IDR_EPROTO);
	assert_int_equal(used, sizeof(later) - 1);
	assert_int_equal(c.rec_last, 3);
	assert_non_null(strstr(c.err, "unexpected character after the closing quote"));
	assert_non_null(strstr(c.err, "lines 1-3: is a closing quote missing?"));
	row_csv_deinit(&c);
}

static void
test_row_csv_error_messages(void **state)
{
	struct row_csv c;
	size_t used;

	(void)state;
	assert_int_equal(row_csv_init(&c, NULL), IDR_OK);
	assert_int_equal(row_csv_next(&c, (const uint8_t *)"a,b\"c\n", 6, true, &used), IDR_EPROTO);
	assert_non_null(strstr(c.err, "column 2"));
	assert_non_null(strstr(c.err, "quote"));
	row_csv_deinit(&c);
}

/* Small limits: each exactly at the limit passes, one past fails and is skipped. */
static const struct csv_case csv_limits[] = {
        {"12345,b,c\n", "L1:12345|b|c;"},
        {"123456,b\nx\n", "L1:E-1002;L2:x;"},
        {"\"12345\",b\n", "L1:12345|b;"},
        {"\"123456\",b\nx\n", "L1:E-1002;L2:x;"},
        {"\"1\"\"345\"\n", "L1:1\"345;"},
        {"a,b,c\n", "L1:a|b|c;"},
        {"a,b,c,d\nx\n", "L1:E-1002;L2:x;"},
        {"12345,12345,1234\n", "L1:12345|12345|1234;"},
        {"12345,12345,12345\nx\n", "L1:E-1002;L2:x;"},
        {"12345,12345,1234\r\n", "L1:12345|12345|1234;"},
        {"12345,12345,1234", "L1:12345|12345|1234;"},
        {"\"1234\",\"12\",\"12\"\nx", "L1:1234|12|12;L2:x;"},
        {"\"1234\",\"12\",\"123\"\nx", "L1:E-1002;L2:x;"},
        /* an over-long record with a quoted newline is skipped as a whole */
        {"\"12345\n\",12345,\"1\n\"\nx\n", "L1-3:E-1002;L4:x;"},
};

static void
test_row_csv_limits(void **state)
{
	struct row_limits lim = {16, 3, 5};
	char out[OUT_MAX];
	size_t i, step;

	(void)state;
	for (i = 0; i < sizeof(csv_limits) / sizeof(csv_limits[0]); i++) {
		for (step = 0; step <= 1; step++) {
			split_all(csv_limits[i].in, strlen(csv_limits[i].in), step, &lim, out);
			assert_string_equal(out, csv_limits[i].want);
		}
	}
}

/* The default limits, at and one past each. */
static void
test_row_csv_default_limits(void **state)
{
	size_t n = ROW_MAX_LINE + 8, cols = ROW_MAX_COLS, i, used;
	char *in = malloc(n);
	struct row_csv c;

	(void)state;
	assert_non_null(in);
	assert_int_equal(row_csv_init(&c, NULL), IDR_OK);
	/* columns: 2048 ok, 2049 too many (two bytes per column: "x,") */
	for (i = 0; i < cols; i++) {
		in[2 * i] = 'x';
		in[2 * i + 1] = ',';
	}
	in[2 * cols - 1] = '\n';
	assert_int_equal(row_csv_next(&c, (uint8_t *)in, 2 * cols, true, &used), IDR_OK);
	assert_int_equal(c.nfields, ROW_MAX_COLS);
	in[2 * cols - 1] = ',';
	in[2 * cols] = 'y';
	in[2 * cols + 1] = '\n';
	assert_int_equal(row_csv_next(&c, (uint8_t *)in, 2 * cols + 2, true, &used), IDR_ELIMIT);
	/* field: 64 KiB ok, one more byte too long */
	memset(in, 'f', ROW_MAX_FIELD + 1);
	in[ROW_MAX_FIELD] = '\n';
	assert_int_equal(row_csv_next(&c, (uint8_t *)in, ROW_MAX_FIELD + 1, true, &used), IDR_OK);
	in[ROW_MAX_FIELD] = 'f';
	in[ROW_MAX_FIELD + 1] = '\n';
	assert_int_equal(row_csv_next(&c, (uint8_t *)in, ROW_MAX_FIELD + 2, true, &used),
	                 IDR_ELIMIT);
	/* record: 1 MiB ok, one more byte too long */
	for (i = 0; i < ROW_MAX_LINE; i++) {
		in[i] = (i % 1024 == 1023) ? ',' : 'r';
	}
	in[ROW_MAX_LINE - 1] = 'r';
	in[ROW_MAX_LINE] = '\n';
	assert_int_equal(row_csv_next(&c, (uint8_t *)in, ROW_MAX_LINE + 1, true, &used), IDR_OK);
	assert_int_equal(used, ROW_MAX_LINE + 1);
	in[ROW_MAX_LINE] = 'r';
	in[ROW_MAX_LINE + 1] = '\n';
	assert_int_equal(row_csv_next(&c, (uint8_t *)in, ROW_MAX_LINE + 2, true, &used),
	                 IDR_ELIMIT);
	assert_non_null(strstr(c.err, "record longer"));
	row_csv_deinit(&c);
	free(in);
}

/* ---------------------------------------------------------------- header and rows */

static int
header_of(struct row_csv *c, const char *line)
{
	size_t used;

	assert_int_equal(row_csv_next(c, (const uint8_t *)line, strlen(line), true, &used), IDR_OK);
	return row_csv_header(c);
}

static void
test_row_csv_header_roles(void **state)
{
	struct row_csv c;
	struct row row;
	size_t used;
	static const char rec[] = "88.118.8/P-1,,part,https://u,B7\n";

	(void)state;
	assert_int_equal(row_csv_init(&c, NULL), IDR_OK);
	assert_int_equal(header_of(&c, "Handle,model,KIND,Url,batch\n"), IDR_OK);
	assert_int_equal(c.col_id, 0);
	assert_int_equal(c.col_kind, 2);
	assert_int_equal(c.col_url, 3);
	assert_int_equal(row_csv_next(&c, (const uint8_t *)rec, sizeof(rec) - 1, true, &used),
	                 IDR_OK);
	assert_int_equal(row_csv_row(&c, &row), IDR_OK);
	assert_int_equal(row.form, ROW_ITEM);
	assert_true(slice_eq(row.id, SLICE_LIT("88.118.8/P-1")));
	assert_true(slice_eq(row.kind, SLICE_LIT("part")));
	assert_true(slice_eq(row.url, SLICE_LIT("https://u")));
	/* model is empty: no attribute, but batch keeps its column's index 2001 */
	assert_int_equal(row.nattrs, 1);
	assert_true(slice_eq(row.attrs[0].key, SLICE_LIT("batch")));
	assert_true(slice_eq(row.attrs[0].val, SLICE_LIT("B7")));
	assert_int_equal(row.attrs[0].index, ROW_ATTR_INDEX + 1);
	row_csv_deinit(&c);
}

struct header_case {
	const char *line;
	const char *err; /* substring of the error; NULL: valid */
};

static const struct header_case headers[] = {
        {"id,kind\n", NULL},
        {"id,kind,url,\xE5\x9E\x8B\xE5\x8F\xB7\n", NULL},
        {"kind,model\n", "no id (or handle) column"},
        {"id,model\n", "no kind column"},
        {"id,kind,,x\n", "column 3: empty column name"},
        {"id,kind,model,MODEL\n", "duplicate column name"},
        {"id,handle,kind\n", "a second id/handle column"},
        {"id,kind,kind\n", "a second kind column"},
        {"id,kind,url,URL\n", "a second url column"},
        {"id,kind,HS_ADMIN\n", "reserved"},
        {"id,kind,item_kind\n", "reserved"},
        {"id,kind,a=b\n", "contains '='"},
        {"id,kind,\"a\tb\"\n", "control characters"},
        {"id,kind,\xff\n", "control characters"},
};

/* Case i's error message contains want (when want is not NULL). */
static void
expect_msg(size_t i, const char *err, const char *want)
{
	if (want != NULL && strstr(err, want) == NULL) {
		fail_msg("case %zu: '%s' lacks '%s'", i, err, want);
	}
}

static void
test_row_csv_header_errors(void **state)
{
	struct row_csv c;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		assert_int_equal(row_csv_init(&c, NULL), IDR_OK);
		rc = header_of(&c, headers[i].line);
		assert_int_equal(rc, headers[i].err == NULL ? IDR_OK : IDR_EPROTO);
		expect_msg(i, c.err, headers[i].err);
		row_csv_deinit(&c);
	}
}

static void
test_row_csv_row_field_count(void **state)
{
	struct row_csv c;
	struct row row;
	size_t used;

	(void)state;
	assert_int_equal(row_csv_init(&c, NULL), IDR_OK);
	assert_int_equal(row_csv_row(&c, &row), IDR_EPROTO); /* no header yet */
	assert_int_equal(header_of(&c, "id,kind,a\n"), IDR_OK);
	assert_int_equal(row_csv_next(&c, (const uint8_t *)"x,y\n", 4, true, &used), IDR_OK);
	assert_int_equal(row_csv_row(&c, &row), IDR_EPROTO);
	assert_non_null(strstr(c.err, "2 fields, the header has 3"));
	row_csv_deinit(&c);
}

/* Split rec (after the header "id,kind,note") and make it a row: the result code. */
static int
row_of(struct row_csv *c, const char *rec)
{
	size_t used;

	assert_int_equal(row_csv_init(c, NULL), IDR_OK);
	assert_int_equal(header_of(c, "id,kind,note\n"), IDR_OK);
	assert_int_equal(row_csv_next(c, (const uint8_t *)rec, strlen(rec), true, &used), IDR_OK);
	return row_csv_row(c, &(struct row){0});
}

/*
 * A record that swallowed the next row is rejected, naming the lines; a line break in a
 * quoted field is still fine (RFC 4180) when its lines do not read as rows.
 */
static void
test_row_csv_swallowed_row(void **state)
{
	struct row_csv c;

	(void)state;
	assert_int_equal(row_of(&c, "88.118.8/A,part,\"x\n88.118.8/B,part,y\"\n"), IDR_EPROTO);
	assert_int_equal(c.rec_line, 2);
	assert_int_equal(c.rec_last, 3);
	assert_non_null(strstr(c.err, "column 3 (note): the quoted field opened on line 2 runs "
	                              "over line 3, which reads as a row of its own "
	                              "(88.118.8/B): is a closing quote missing?"));
	row_csv_deinit(&c);
	/* a row further down, after CRLF line ends */
	assert_int_equal(row_of(&c, "88.118.8/A,part,\"x\r\nmore\r\n88.118.8/C,lot,\r\nz\"\r\n"),
	                 IDR_EPROTO);
	assert_non_null(strstr(c.err, "runs over line 4"));
	row_csv_deinit(&c);
	/* text that is not a row: another column count, no identifier, not a kind */
	assert_int_equal(row_of(&c, "88.118.8/A,part,\"two\nlines, with, commas\"\n"), IDR_OK);
	assert_int_equal(c.rec_last, 3);
	row_csv_deinit(&c);
	assert_int_equal(row_of(&c, "88.118.8/A,part,\"see\n88.118.8/B,part\"\n"), IDR_OK);
	row_csv_deinit(&c);
	assert_int_equal(row_of(&c, "88.118.8/A,part,\"see\n88.118.8/B,gizmo,y\"\n"), IDR_OK);
	row_csv_deinit(&c);
	/* a wrong field count over several lines says what usually causes it */
	assert_int_equal(row_of(&c, "88.118.8/A,\"x\ny\"\n"), IDR_EPROTO);
	assert_non_null(strstr(c.err, "record has 2 fields, the header has 3 (a quoted field runs "
	                              "over lines 2-3: is a closing quote missing?)"));
	row_csv_deinit(&c);
}

/* ---------------------------------------------------------------- JSON lines */

struct json_case {
	const char *line;
	int rc;
	const char *want; /* error substring, or a summary of the row */
};

static void
row_summary(const struct row *r, char *out)
{
	size_t i;

	out[0] = '\0';
	switch (r->form) {
	case ROW_ITEM:
		out_add(out, "item %.*s %.*s url=%.*s", (int)r->id.len, (const char *)r->id.p,
		        (int)r->kind.len, (const char *)r->kind.p, (int)r->url.len,
		        (const char *)r->url.p);
		for (i = 0; i < r->nattrs; i++) {
			out_add(out, " %u:%.*s=%.*s", r->attrs[i].index, (int)r->attrs[i].key.len,
			        (const char *)r->attrs[i].key.p, (int)r->attrs[i].val.len,
			        (const char *)r->attrs[i].val.p);
		}
		break;
	case ROW_RECORD:
		out_add(out, "record %.*s kind=%.*s values=%zu", (int)r->id.len,
		        (const char *)r->id.p, (int)r->kind.len, (const char *)r->kind.p,
		        r->nvalues);
		for (i = 0; i < r->nvalues; i++) {
			out_add(out, " %u:%.*s", r->values[i].index, (int)r->values[i].type.len,
			        (const char *)r->values[i].type.p);
		}
		break;
	case ROW_PREFIX:
		out_add(out, "prefix %.*s owner=%.*s state=%d node=%d", (int)r->id.len,
		        (const char *)r->id.p, (int)r->owner.len, (const char *)r->owner.p,
		        r->state, r->node);
		break;
	}
}

static const struct json_case json_cases[] = {
        {"{\"id\":\"88.118.8/P-1\",\"kind\":\"part\",\"url\":\"https://u\",\"attrs\":"
         "{\"z\":\"1\",\"a\":\"2\"}}",
         IDR_OK, "item 88.118.8/P-1 part url=https://u 2000:z=1 2001:a=2"},
        {"{\"handle\":\"a/b\",\"kind\":\"wip\"}", IDR_OK, "item a/b wip url="},
        {"  {\"kind\":\"lot\",\"id\":\"a/b\",\"attrs\":{}}  ", IDR_OK, "item a/b lot url="},
        {"{\"prefix\":\"88.118.8\",\"owner\":\"\xE6\x9F\x90\",\"state\":0}", IDR_OK,
         "prefix 88.118.8 owner=\xE6\x9F\x90 state=0 node=0"},
        {"{\"prefix\":\"88.118\",\"state\":\"reviewing\",\"node\":true}", IDR_OK,
         "prefix 88.118 owner= state=5 node=1"},
        {"{\"prefix\":\"88.118.9\"}", IDR_OK, "prefix 88.118.9 owner= state=1 node=0"},
        {"{\"handle\":\"a/b\",\"kind\":\"part\",\"values\":[{\"index\":2000,\"type\":\"m\","
         "\"data\":\"x\"},{\"index\":1,\"type\":\"URL\",\"data\":{\"format\":\"string\","
         "\"value\":\"u\"},\"ttl\":60,\"timestamp\":\"2024-01-02T03:04:05Z\"}]}",
         IDR_OK, "record a/b kind=part values=2 2000:m 1:URL"},
        {"{\"handle\":\"0.NA/x\",\"values\":[]}", IDR_OK, "record 0.NA/x kind= values=0"},
        /* errors, each naming the field */
        {"", IDR_EPROTO, "invalid JSON"},
        {"[1]", IDR_EPROTO, "must be a JSON object"},
        {"{\"id\":\"a/b\",\"id\":\"c/d\",\"kind\":\"part\"}", IDR_EPROTO, "invalid JSON"},
        {"{\"kind\":\"part\"}", IDR_EPROTO, "field 'id' is missing"},
        {"{\"id\":\"a/b\"}", IDR_EPROTO, "field 'kind' is missing"},
        {"{\"id\":1,\"kind\":\"part\"}", IDR_EPROTO, "field 'id': expected a string"},
        {"{\"id\":\"a/b\",\"kind\":[]}", IDR_EPROTO, "field 'kind': expected a string"},
        {"{\"id\":\"a/b\",\"kind\":\"part\",\"url\":5}", IDR_EPROTO, "field 'url'"},
        {"{\"id\":\"a/b\",\"handle\":\"a/b\",\"kind\":\"part\"}", IDR_EPROTO, "not both"},
        {"{\"id\":\"a/b\",\"kind\":\"part\",\"atrs\":{}}", IDR_EPROTO, "unknown field 'atrs'"},
        {"{\"id\":\"a/b\",\"kind\":\"part\",\"attrs\":[]}", IDR_EPROTO,
         "field 'attrs': expected an object"},
        {"{\"id\":\"a/b\",\"kind\":\"part\",\"attrs\":{\"n\":1}}", IDR_EPROTO,
         "attribute 'n': expected a string"},
        {"{\"id\":\"a/b\",\"kind\":\"part\",\"attrs\":{\"Hs_Admin\":\"x\"}}", IDR_EPROTO,
         "reserved"},
        {"{\"id\":\"a/b\",\"kind\":\"part\",\"attrs\":{\"\":\"x\"}}", IDR_EPROTO,
         "attribute key is empty"},
        {"{\"prefix\":1}", IDR_EPROTO, "field 'prefix': expected a string"},
        {"{\"prefix\":\"p\",\"state\":6}", IDR_EPROTO, "field 'state'"},
        {"{\"prefix\":\"p\",\"state\":\"bogus\"}", IDR_EPROTO, "field 'state'"},
        {"{\"prefix\":\"p\",\"node\":1}", IDR_EPROTO, "field 'node'"},
        {"{\"prefix\":\"p\",\"kind\":\"part\"}", IDR_EPROTO, "unknown field 'kind'"},
        {"{\"values\":[]}", IDR_EPROTO, "field 'handle' is missing"},
        {"{\"handle\":\"a/b\",\"values\":{}}", IDR_EPROTO, "field 'values': expected an array"},
        {"{\"handle\":\"a/b\",\"values\":[{\"type\":\"x\",\"data\":\"y\"}]}", IDR_EPROTO,
         "field 'values'"},
        {"{\"handle\":\"a/b\",\"url\":\"x\",\"values\":[]}", IDR_EPROTO, "unknown field 'url'"},
        /* unknown keys name the key, and the known one it is close to; also in values */
        {"{\"id\":\"a/b\",\"kind\":\"part\",\"atrs\":{}}", IDR_EPROTO,
         "unknown field 'atrs' (did you mean 'attrs'?)"},
        {"{\"hanlde\":\"a/b\",\"kind\":\"part\"}", IDR_EPROTO,
         "unknown field 'hanlde' (did you mean 'handle'?)"},
        {"{\"handle\":\"a/b\",\"vals\":[]}", IDR_EPROTO,
         "unknown field 'vals' (did you mean 'values'?)"},
        {"{\"id\":\"a/b\",\"kind\":\"part\",\"colour\":\"red\"}", IDR_EPROTO,
         "unknown field 'colour'"},
        {"{\"handle\":\"a/b\",\"values\":[{\"index\":1,\"type\":\"URL\",\"data\":\"u\","
         "\"refs\":[{\"handle\":\"c/d\",\"index\":1}]}]}",
         IDR_EPROTO,
         "field 'values': values[0]: unknown member 'refs' (did you mean 'references'?)"},
        {"{\"handle\":\"a/b\",\"values\":[{\"index\":1,\"type\":\"URL\",\"data\":{"
         "\"format\":\"string\",\"value\":\"u\",\"fromat\":\"hex\"}}]}",
         IDR_EPROTO, "values[0].data: unknown member 'fromat' (did you mean 'format'?)"},
};

static void
test_row_json_cases(void **state)
{
	struct row_json j;
	struct row row;
	char sum[OUT_MAX];
	size_t i;
	int rc;

	(void)state;
	assert_int_equal(row_json_init(&j, NULL), IDR_OK);
	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		const struct json_case *t = &json_cases[i];

		rc = row_json_decode(&j, (const uint8_t *)t->line, strlen(t->line), &row);
		if (rc != t->rc) {
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, t->rc, j.err);
		}
		if (rc == IDR_OK) {
			row_summary(&row, sum);
			assert_string_equal(sum, t->want);
		} else if (strstr(j.err, t->want) == NULL) {
			fail_msg("case %zu: '%s' lacks '%s'", i, j.err, t->want);
		}
	}
	row_json_deinit(&j);
}

/* Every truncation of a valid line is rejected cleanly. */
static void
test_row_json_every_truncation(void **state)
{
	struct row_json j;
	struct row row;
	size_t i, k, len;

	(void)state;
	assert_int_equal(row_json_init(&j, NULL), IDR_OK);
	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		if (json_cases[i].rc != IDR_OK) {
			continue;
		}
		len = strlen(json_cases[i].line);
		while (len > 0 && json_cases[i].line[len - 1] == ' ') {
			len--;
		}
		for (k = 0; k < len; k++) {
			assert_int_equal(
			        row_json_decode(&j, (const uint8_t *)json_cases[i].line, k, &row),
			        IDR_EPROTO);
		}
	}
	row_json_deinit(&j);
}

static void
test_row_json_attr_limit(void **state)
{
	struct row_limits lim = {0, 2, 0};
	static const char two[] =
	        "{\"id\":\"a/b\",\"kind\":\"part\",\"attrs\":{\"a\":\"1\",\"b\":\"2\"}}";
	static const char three[] =
	        "{\"id\":\"a/"
	        "b\",\"kind\":\"part\",\"attrs\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}";
	struct row_json j;
	struct row row;

	(void)state;
	assert_int_equal(row_json_init(&j, &lim), IDR_OK);
	assert_int_equal(row_json_decode(&j, (const uint8_t *)two, sizeof(two) - 1, &row), IDR_OK);
	assert_int_equal(row.nattrs, 2);
	assert_int_equal(row_json_decode(&j, (const uint8_t *)three, sizeof(three) - 1, &row),
	                 IDR_ELIMIT);
	assert_non_null(strstr(j.err, "more than 2 attributes"));
	row_json_deinit(&j);
}

/* Lines: blank ones skipped, CRLF, numbering, the line limit at and one past. */
static void
test_row_json_lines(void **state)
{
	static const char in[] =
	        "\xEF\xBB\xBF{\"a\":1}\r\n\n  \n{\"b\":2}\n0123456789AB\n{\"c\":3}";
	struct row_limits lim = {10, 0, 0};
	struct row_json j;
	struct slice line;
	size_t off = 0, used;

	(void)state;
	assert_int_equal(row_json_init(&j, &lim), IDR_OK);
	assert_int_equal(row_json_next(&j, (const uint8_t *)in, 2, false, &line, &used),
	                 IDR_EAGAIN);
	assert_int_equal(row_json_next(&j, (const uint8_t *)in, sizeof(in) - 1, true, &line, &used),
	                 IDR_OK);
	assert_true(slice_eq(line, SLICE_LIT("{\"a\":1}")));
	assert_int_equal(j.rec_line, 1);
	off += used;
	assert_int_equal(row_json_next(&j, (const uint8_t *)in + off, sizeof(in) - 1 - off, true,
	                               &line, &used),
	                 IDR_OK);
	assert_true(slice_eq(line, SLICE_LIT("{\"b\":2}")));
	assert_int_equal(j.rec_line, 4);
	off += used;
	assert_int_equal(row_json_next(&j, (const uint8_t *)in + off, sizeof(in) - 1 - off, true,
	                               &line, &used),
	                 IDR_ELIMIT);
	assert_int_equal(j.rec_line, 5);
	off += used;
	assert_int_equal(row_json_next(&j, (const uint8_t *)in + off, sizeof(in) - 1 - off, true,
	                               &line, &used),
	                 IDR_OK);
	assert_true(slice_eq(line, SLICE_LIT("{\"c\":3}")));
	assert_int_equal(j.rec_line, 6);
	off += used;
	assert_int_equal(off, sizeof(in) - 1);
	assert_int_equal(row_json_next(&j, (const uint8_t *)in + off, 0, true, &line, &used),
	                 IDR_ENOENT);
	/* exactly at the limit (10 bytes) is accepted */
	assert_int_equal(
	        row_json_next(&j, (const uint8_t *)"{\"x\":\"12\"}\n", 11, true, &line, &used),
	        IDR_OK);
	assert_int_equal(line.len, 10);
	row_json_deinit(&j);
}

static void
test_row_input_detect(void **state)
{
	(void)state;
	assert_true(row_input_is_json((const uint8_t *)"{\"id\":1}", 8));
	assert_true(row_input_is_json((const uint8_t *)"\xEF\xBB\xBF \n\t{", 7));
	assert_false(row_input_is_json((const uint8_t *)"id,kind\n", 8));
	assert_false(row_input_is_json((const uint8_t *)"  \n", 3));
	assert_false(row_input_is_json((const uint8_t *)"", 0));
}

/* ---------------------------------------------------------------- values */

struct key_case {
	const char *key;
	size_t len; /* 0: strlen */
	int rc;
};

static void
test_row_attr_keys(void **state)
{
	static char k1024[VALUE_MAX_TYPE + 1];
	static const struct key_case keys[] = {
	        {"model", 0, IDR_OK},
	        {"\xE5\x9E\x8B\xE5\x8F\xB7", 0, IDR_OK},
	        {"HSX", 0, IDR_OK},
	        {"URL.mobile", 0, IDR_OK},
	        {"", 0, IDR_EREC_TYPE},
	        {"a=b", 0, IDR_EREC_TYPE},
	        {"a\tb", 0, IDR_EREC_TYPE},
	        {"a\x7f", 0, IDR_EREC_TYPE},
	        {"\xC3\x28", 0, IDR_EREC_TYPE},
	        {"a\0b", 3, IDR_EREC_TYPE},
	        {"URL", 0, IDR_EREC_RESERVED},
	        {"url", 0, IDR_EREC_RESERVED},
	        {"ITEM_KIND", 0, IDR_EREC_RESERVED},
	        {"hs_admin", 0, IDR_EREC_RESERVED},
	        {"HS_", 0, IDR_EREC_RESERVED},
	};
	char err[ROW_ERR_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t len = keys[i].len != 0 ? keys[i].len : strlen(keys[i].key);

		err[0] = '\0';
		assert_int_equal(row_attr_key_check(slice_make(keys[i].key, len), err, sizeof(err)),
		                 keys[i].rc);
		assert_true(keys[i].rc == IDR_OK || err[0] != '\0');
	}
	memset(k1024, 'k', sizeof(k1024));
	assert_int_equal(row_attr_key_check(slice_make(k1024, VALUE_MAX_TYPE), NULL, 0), IDR_OK);
	assert_int_equal(row_attr_key_check(slice_make(k1024, VALUE_MAX_TYPE + 1), NULL, 0),
	                 IDR_EREC_TYPE);
	assert_int_equal(row_attr_key_check(SLICE_LIT("ITEM_KIND"), err, sizeof(err)),
	                 IDR_EREC_RESERVED);
	assert_non_null(strstr(err, "'ITEM_KIND'"));
}

static void
test_row_item_values(void **state)
{
	struct row_attr attrs[3] = {
	        {SLICE_LIT("model"), SLICE_LIT("M1"), 2000},
	        {SLICE_LIT("empty"), SLICE_LIT(""), 2001},
	        {SLICE_LIT("note"), SLICE_LIT("two\nlines"), 2002},
	};
	struct row r;
	struct value v[4];
	char err[ROW_ERR_LEN];
	size_t n;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.form = ROW_ITEM;
	r.url = SLICE_LIT("https://u");
	r.attrs = attrs;
	r.nattrs = 3;
	assert_int_equal(row_item_values(&r, v, 4, &n, err, sizeof(err)), IDR_OK);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].index, VALUE_INDEX_URL);
	assert_true(slice_eq(v[0].type, SLICE_LIT("URL")));
	assert_int_equal(v[0].ttl, VALUE_DEFAULT_TTL);
	assert_int_equal(v[0].perms, VALUE_PERM_DEFAULT);
	assert_int_equal(v[1].index, 2000);
	assert_int_equal(v[2].index, 2002);
	assert_true(slice_eq(v[2].data, SLICE_LIT("two\nlines")));
	/* capacity one short */
	assert_int_equal(row_item_values(&r, v, 2, &n, err, sizeof(err)), IDR_ELIMIT);
	/* URL: not UTF-8, control character; attribute value not UTF-8 */
	r.url = SLICE_LIT("\xff");
	assert_int_equal(row_item_values(&r, v, 4, &n, err, sizeof(err)), IDR_EUTF8);
	assert_non_null(strstr(err, "url"));
	r.url = SLICE_LIT("a\nb");
	assert_int_equal(row_item_values(&r, v, 4, &n, err, sizeof(err)), IDR_ECTRL);
	r.url = SLICE_LIT("");
	attrs[0].val = SLICE_LIT("\xE5\x9E");
	assert_int_equal(row_item_values(&r, v, 4, &n, err, sizeof(err)), IDR_EUTF8);
	assert_non_null(strstr(err, "'model'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_row_csv_valid),
	        cmocka_unit_test(test_row_csv_every_truncation),
	        cmocka_unit_test(test_row_csv_quoted_truncated),
	        cmocka_unit_test(test_row_csv_errors),
	        cmocka_unit_test(test_row_csv_span_messages),
	        cmocka_unit_test(test_row_csv_swallowed_row),
	        cmocka_unit_test(test_row_csv_error_messages),
	        cmocka_unit_test(test_row_csv_limits),
	        cmocka_unit_test(test_row_csv_default_limits),
	        cmocka_unit_test(test_row_csv_header_roles),
	        cmocka_unit_test(test_row_csv_header_errors),
	        cmocka_unit_test(test_row_csv_row_field_count),
	        cmocka_unit_test(test_row_json_cases),
	        cmocka_unit_test(test_row_json_every_truncation),
	        cmocka_unit_test(test_row_json_attr_limit),
	        cmocka_unit_test(test_row_json_lines),
	        cmocka_unit_test(test_row_input_detect),
	        cmocka_unit_test(test_row_attr_keys),
	        cmocka_unit_test(test_row_item_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
