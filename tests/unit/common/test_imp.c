/* test_imp.c - the import engine on an in-memory registry: what is reported for which lines,
 * and the counts of the summary. */
#include "common/imp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"

#define NODE    "88.118"
#define ENT     "88.118.8"
#define LOG_MAX 4096

struct fx {
	struct reg *r;
	char log[LOG_MAX]; /* "<first>[-<last>]: <message>\n" per bad row */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct reg_opts o;
	struct reg_wtxn *w;

	assert_non_null(f);
	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&f->r, &o, NODE, "node"), IDR_OK);
	assert_int_equal(reg_write_begin(f->r, REG_IDENTITY_LOCAL, &w), IDR_OK);
	assert_int_equal(reg_prefix_add(w, SLICE_LIT(ENT), SLICE_LIT("Acme"), PFX_ENABLED, NULL),
	                 IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	reg_close(f->r);
	free(f);
	return 0;
}

static void
report(void *arg, uint64_t first, uint64_t last, const char *msg)
{
	struct fx *f = arg;
	size_t n = strlen(f->log);

	if (last > first) {
		snprintf(f->log + n, LOG_MAX - n, "%llu-%llu: %s\n", (unsigned long long)first,
		         (unsigned long long)last, msg);
	} else {
		snprintf(f->log + n, LOG_MAX - n, "%llu: %s\n", (unsigned long long)first, msg);
	}
}

/* Import text with --update (a dry run unless write); the bad rows land in f->log. */
static void
import_opt(struct fx *f, const char *text, bool write, bool update, struct imp_stats *st)
{
	FILE *tmp = tmpfile();
	struct imp_opts o;

	assert_non_null(tmp);
	assert_int_equal(fwrite(text, 1, strlen(text), tmp), strlen(text));
	assert_int_equal(fflush(tmp), 0);
	rewind(tmp);
	memset(&o, 0, sizeof(o));
	o.dry_run = !write;
	o.update = update;
	o.report = report;
	o.arg = f;
	f->log[0] = '\0';
	assert_int_equal(imp_run(f->r, fileno(tmp), &o, st), IDR_OK);
	fclose(tmp);
}

/* Import text (a dry run unless write) into f's registry; the bad rows land in f->log. */
static void
import(struct fx *f, const char *text, bool write, struct imp_stats *st)
{
	import_opt(f, text, write, false, st);
}

/* The records over several lines: how many, and the lines of the first. */
static void
assert_spans(const struct imp_stats *st, uint64_t n, uint64_t first, uint64_t last)
{
	assert_int_equal(st->multiline, n);
	assert_int_equal(st->multi_first, first);
	assert_int_equal(st->multi_last, last);
}

/* An unterminated quote takes the next row: the report names both lines, the counts add up. */
static void
test_imp_csv_span_reported(void **state)
{
	struct fx *f = *state;
	struct imp_stats st;

	import(f, "id,kind,note\n" ENT "/A,part,ok\n" ENT "/B,part,\"open\n" ENT "/C,part,fine\n",
	       false, &st);
	assert_string_equal(f->log, "3-4: column 3 (note): the quoted field opened on line 3 is "
	                            "not closed before the end of the input\n");
	assert_int_equal(st.rows, 2);
	assert_int_equal(st.created, 1);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.lines, 4);
	assert_spans(&st, 1, 3, 4);
}

/* Good records over several lines are counted too; lines without a final line feed count. */
static void
test_imp_csv_lines_counted(void **state)
{
	struct fx *f = *state;
	struct imp_stats st;

	import(f,
	       "id,kind,note\n\n" ENT "/A,part,\"two\nlines\"\n" ENT
	       "/B,lot,\"x\r\ny\r\nz\"\r\n" ENT "/C,wip,w",
	       true, &st);
	assert_string_equal(f->log, "");
	assert_int_equal(st.rows, 3);
	assert_int_equal(st.created, 3);
	assert_int_equal(st.lines, 8);
	assert_spans(&st, 2, 3, 4);
	/* JSON lines: one line per row */
	import(f, "{\"id\":\"" ENT "/J\",\"kind\":\"part\"}\n\n{\"id\":\"" ENT "/K\"}\n", false,
	       &st);
	assert_string_equal(f->log, "3: " ENT "/K: field 'kind' is missing\n");
	assert_int_equal(st.lines, 3);
	assert_spans(&st, 0, 0, 0);
}

/* A repeated identifier names the first line of the earlier row, same content or not. */
static void
test_imp_duplicate_names_earlier_line(void **state)
{
	struct fx *f = *state;
	struct imp_stats st;

	import(f,
	       "id,kind,note\n" ENT "/A,part,\"two\nlines\"\n" ENT "/B,part,x\n" ENT
	       "/a,part,\"two\nlines\"\n" ENT "/B,part,y\n",
	       false, &st);
	assert_string_equal(f->log, "5-6: " ENT "/a is a duplicate of line 2 (same content)\n"
	                            "7: " ENT "/B is a duplicate of line 4 (different content)\n");
	assert_int_equal(st.created, 2);
	assert_int_equal(st.unchanged, 0);
	assert_int_equal(st.bad, 2);
	/* JSON lines; the first one already in the store before this import */
	import(f, "{\"id\":\"" ENT "/J\",\"kind\":\"lot\"}\n", true, &st);
	assert_int_equal(st.created, 1);
	import(f,
	       "{\"id\":\"" ENT "/J\",\"kind\":\"lot\"}\n{\"id\":\"" ENT
	       "/K\",\"kind\":\"lot\"}\n{\"id\":\"" ENT "/J\",\"kind\":\"lot\"}\n",
	       false, &st);
	assert_string_equal(f->log, "3: " ENT "/J is a duplicate of line 1 (same content)\n");
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(st.created, 1);
}

/* Many identifiers (the table grows several times): repeats of the first and last found. */
static void
test_imp_duplicate_many(void **state)
{
	enum { N = 5000 };
	struct fx *f = *state;
	struct imp_stats st;
	size_t cap = (size_t)32 * (N + 8), len = 0;
	char *text = malloc(cap);
	int i;

	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "id,kind\n");
	for (i = 1; i <= N; i++) {
		len += (size_t)snprintf(text + len, cap - len, ENT "/M-%05d,part\n", i);
	}
	snprintf(text + len, cap - len, ENT "/M-00001,part\n" ENT "/M-%05d,wip\n", N);
	import(f, text, false, &st);
	assert_string_equal(f->log,
	                    "5002: " ENT "/M-00001 is a duplicate of line 2 (same content)\n"
	                    "5003: " ENT "/M-05000 is a duplicate of line 5001 (different "
	                    "content)\n");
	assert_int_equal(st.created, N);
	assert_int_equal(st.bad, 2);
	free(text);
}

#define BASE_CSV                                                                                   \
	"id,kind,url,colour,weight\n" ENT "/A,part,https://a,red,1kg\n" ENT "/B,part,,blue,\n" ENT \
	"/C,lot,,,\n"
#define NEXT_CSV                                                                                   \
	"id,kind,url,colour,weight\n" ENT "/A,part,https://a,green,1kg\n" ENT                      \
	"/B,part,,blue,\n" ENT "/C,part,,,\n" ENT "/D,wip,,x,\n"                                   \
	"bad,part,,,\n"

/* Without --update a row with other content is a conflict naming the values; with it, the
 * record is updated: created / updated / unchanged / bad counted exactly. */
static void
test_imp_update_counts(void **state)
{
	struct fx *f = *state;
	struct imp_stats st;

	import(f, BASE_CSV, true, &st);
	assert_int_equal(st.created, 3);
	import(f, NEXT_CSV, false, &st);
	assert_string_equal(f->log,
	                    "2: " ENT "/A: already exists with different content: value 2000 "
	                    "(colour) is \"red\" here, \"green\" in the row\n"
	                    "4: " ENT "/C: already exists with different content: value 10 "
	                    "(ITEM_KIND) is \"lot\" here, \"part\" in the row\n"
	                    "6: bad: identifier has no '/' separating prefix and suffix (e.g. "
	                    "88.118.8/P-1)\n");
	assert_int_equal(st.created, 1);
	assert_int_equal(st.updated, 0);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(st.bad, 3);
	assert_int_equal(st.conflicts, 2);
	/* a dry run with --update counts, writes nothing */
	import_opt(f, NEXT_CSV, false, true, &st);
	assert_int_equal(st.created, 1);
	assert_int_equal(st.updated, 2);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.conflicts, 0);
	assert_false(st.written);
	import(f, NEXT_CSV, false, &st);
	assert_int_equal(st.conflicts, 2);
	/* written, then the same file again is unchanged, with or without --update */
	import_opt(f, NEXT_CSV, true, true, &st);
	assert_int_equal(st.created, 1);
	assert_int_equal(st.updated, 2);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(st.bad, 1);
	import(f, NEXT_CSV, true, &st);
	assert_int_equal(st.unchanged, 4);
	assert_int_equal(st.bad, 1);
	import_opt(f, NEXT_CSV, true, true, &st);
	assert_int_equal(st.updated, 0);
	assert_int_equal(st.unchanged, 4);
	/* and back */
	import_opt(f, BASE_CSV, true, true, &st);
	assert_int_equal(st.updated, 2);
	assert_int_equal(st.unchanged, 1);
	assert_int_equal(st.bad, 0);
	import(f, BASE_CSV, true, &st);
	assert_int_equal(st.unchanged, 3);
}

/* --update and repeats inside the file: the second row is a duplicate, never an update. */
static void
test_imp_update_duplicate(void **state)
{
	struct fx *f = *state;
	struct imp_stats st;

	import(f, "id,kind,m\n" ENT "/U,part,a\n", true, &st);
	import_opt(f, "id,kind,m\n" ENT "/U,part,b\n" ENT "/u,part,c\n" ENT "/U,part,b\n", true,
	           true, &st);
	assert_string_equal(f->log, "3: " ENT "/u is a duplicate of line 2 (different content)\n"
	                            "4: " ENT "/U is a duplicate of line 2 (same content)\n");
	assert_int_equal(st.updated, 1);
	assert_int_equal(st.bad, 2);
	import(f, "id,kind,m\n" ENT "/U,part,b\n", false, &st);
	assert_int_equal(st.unchanged, 1);
}

/* An update the registry refuses is a bad row that changes nothing (here: an export line
 * without a kind would remove the item's kind value, after its URL was changed). */
static void
test_imp_update_refused(void **state)
{
	struct fx *f = *state;
	struct imp_stats st;

	import(f, "{\"id\":\"" ENT "/R\",\"kind\":\"part\",\"url\":\"https://a\"}\n", true, &st);
	import_opt(f,
	           "{\"handle\":\"" ENT "/R\",\"values\":[{\"index\":1,\"type\":\"URL\","
	           "\"data\":\"https://b\"}]}\n",
	           true, true, &st);
	assert_string_equal(f->log, "1: " ENT "/R: attribute uses a reserved value type or "
	                            "index\n");
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.updated, 0);
	assert_false(st.written);
	import(f, "{\"id\":\"" ENT "/R\",\"kind\":\"part\",\"url\":\"https://a\"}\n", false, &st);
	assert_int_equal(st.unchanged, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_imp_csv_span_reported, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_imp_csv_lines_counted, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_imp_duplicate_names_earlier_line, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_imp_duplicate_many, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_imp_update_counts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_imp_update_duplicate, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_imp_update_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
