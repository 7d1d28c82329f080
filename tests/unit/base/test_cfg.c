/* test_cfg.c - the table-driven configuration parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cfg.h"

struct conf {
	bool flag;
	uint64_t workers;
	uint64_t size;
	char *name;
	char *mode;
	struct cfg_list listen;
};

static const struct cfg_opt table[] = {
        {"flag", CFG_BOOL, offsetof(struct conf, flag), 0, 0, "no", NULL, true, "a flag"},
        {"workers", CFG_UINT, offsetof(struct conf, workers), 0, 64, "4", NULL, false, "threads"},
        {"size", CFG_SIZE, offsetof(struct conf, size), 1024, 1ULL << 40, "64M", NULL, true,
         "bytes"},
        {"name", CFG_STRING, offsetof(struct conf, name), 0, 0, NULL, NULL, true, "a name"},
        {"mode", CFG_ENUM, offsetof(struct conf, mode), 0, 0, "fast", "fast|safe", false, "mode"},
        {"listen", CFG_LIST, offsetof(struct conf, listen), 0, 0, "127.0.0.1:1 [::1]:1", NULL,
         false, "addresses"},
};
#define NOPT (sizeof(table) / sizeof(table[0]))

struct errs {
	unsigned n;
	unsigned line[16];
	char msg[16][256];
};

static void
collect(void *arg, const char *file, unsigned line, const char *msg)
{
	struct errs *e = arg;

	(void)file;
	if (e->n < 16) {
		e->line[e->n] = line;
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	}
	e->n++;
}

static int
parse(const char *text, struct conf *c, struct errs *e)
{
	memset(c, 0, sizeof(*c));
	memset(e, 0, sizeof(*e));
	assert_int_equal(cfg_defaults(table, NOPT, c), IDR_OK);
	return cfg_parse_buf(table, NOPT, "t.conf", text, strlen(text), c, collect, e);
}

static void
test_cfg_defaults(void **state)
{
	struct conf c;
	struct errs e;

	(void)state;
	assert_int_equal(parse("", &c, &e), IDR_OK);
	assert_false(c.flag);
	assert_int_equal(c.workers, 4);
	assert_int_equal(c.size, 64u << 20);
	assert_null(c.name);
	assert_string_equal(c.mode, "fast");
	assert_int_equal(c.listen.n, 2);
	assert_string_equal(c.listen.v[1], "[::1]:1");
	cfg_free_values(table, NOPT, &c);
}

static void
test_cfg_values(void **state)
{
	struct conf c;
	struct errs e;
	const char *text = "# comment\n\nflag yes\nworkers 64   # trailing\r\nsize 2G\n"
	                   "name \"a # b \\\"q\\\"\"\nmode safe\nlisten 0.0.0.0:2641\n"
	                   "listen 10.0.0.1:2641\n";

	(void)state;
	assert_int_equal(parse(text, &c, &e), IDR_OK);
	assert_true(c.flag);
	assert_int_equal(c.workers, 64);
	assert_int_equal(c.size, 2ULL << 30);
	assert_string_equal(c.name, "a # b \"q\"");
	assert_string_equal(c.mode, "safe");
	assert_int_equal(c.listen.n, 2); /* the file replaces the default list */
	assert_string_equal(c.listen.v[0], "0.0.0.0:2641");
	assert_string_equal(c.listen.v[1], "10.0.0.1:2641");
	cfg_free_values(table, NOPT, &c);
}

static void
test_cfg_errors_name_line(void **state)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *needle;
	} cases[] = {
	        {"bogus 1\n", 1, "unknown option \"bogus\""},
	        {"\nworkers 65\n", 2, "out of range 0..64"},
	        {"workers -1\n", 1, "expected a number"},
	        {"workers 99999999999999999999999\n", 1, "out of range"},
	        {"size 1023\n", 1, "out of range"},
	        {"size 12Q\n", 1, "expected a size"},
	        {"flag maybe\n", 1, "expected yes or no"},
	        {"mode slow\n", 1, "expected one of fast|safe"},
	        {"workers\n", 1, "missing value"},
	        {"name \"open\n", 1, "unterminated"},
	        {"name \"a\" b\n", 1, "after the quoted value"},
	        {"flag yes\nflag no\n", 2, "given more than once"},
	        {"name \x01x\n", 1, "not clean UTF-8"},
	        {"name \xff\n", 1, "not clean UTF-8"},
	};
	struct conf c;
	struct errs e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text, &c, &e), IDR_ECONFIG);
		assert_int_equal(e.n, 1);
		assert_int_equal(e.line[0], cases[i].line);
		if (strstr(e.msg[0], cases[i].needle) == NULL) {
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.msg[0], cases[i].needle);
		}
		cfg_free_values(table, NOPT, &c);
	}
}

static void
test_cfg_list_none(void **state)
{
	struct conf c;
	struct errs e;

	(void)state;
	assert_int_equal(parse("listen none\n", &c, &e), IDR_OK);
	assert_int_equal(c.listen.n, 0);
	cfg_free_values(table, NOPT, &c);
}

static void
test_cfg_all_errors_reported(void **state)
{
	struct conf c;
	struct errs e;

	(void)state;
	assert_int_equal(parse("a 1\nworkers 100\nb 2\n", &c, &e), IDR_ECONFIG);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.line[0], 1);
	assert_int_equal(e.line[1], 2);
	assert_int_equal(e.line[2], 3);
	cfg_free_values(table, NOPT, &c);
}

static void
test_cfg_limits(void **state)
{
	struct conf c;
	struct errs e;
	char *text;
	size_t i, len = 0;

	(void)state;
	/* a line one byte past the limit */
	text = malloc(CFG_LINE_MAX + 16);
	assert_non_null(text);
	memcpy(text, "name ", 5);
	memset(text + 5, 'x', CFG_LINE_MAX - 4);
	text[CFG_LINE_MAX + 1] = '\n';
	text[CFG_LINE_MAX + 2] = '\0';
	assert_int_equal(parse(text, &c, &e), IDR_ECONFIG);
	assert_non_null(strstr(e.msg[0], "longer than"));
	cfg_free_values(table, NOPT, &c);
	/* exactly at the limit is fine */
	text[CFG_LINE_MAX] = '\n';
	text[CFG_LINE_MAX + 1] = '\0';
	assert_int_equal(parse(text, &c, &e), IDR_OK);
	assert_int_equal(strlen(c.name), CFG_LINE_MAX - 5);
	cfg_free_values(table, NOPT, &c);
	free(text);
	/* list entries: CFG_LIST_MAX fine, one more is an error */
	text = malloc((CFG_LIST_MAX + 1) * 16 + 1);
	assert_non_null(text);
	for (i = 0; i < CFG_LIST_MAX + 1; i++) {
		len += (size_t)sprintf(text + len, "listen a%zu\n", i);
	}
	assert_int_equal(parse(text, &c, &e), IDR_ECONFIG);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.line[0], CFG_LIST_MAX + 1);
	assert_int_equal(c.listen.n, CFG_LIST_MAX);
	cfg_free_values(table, NOPT, &c);
	free(text);
}

static void
test_cfg_sample_parses_to_defaults(void **state)
{
	struct conf c, d;
	struct errs e;
	char *buf = NULL;
	size_t len = 0;
	char diff[256];
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(cfg_write_sample(table, NOPT, "test", f), IDR_OK);
	fclose(f);
	assert_int_equal(parse(buf, &c, &e), IDR_OK);
	memset(&d, 0, sizeof(d));
	assert_int_equal(cfg_defaults(table, NOPT, &d), IDR_OK);
	cfg_diff_static(table, NOPT, &c, &d, diff, sizeof(diff));
	assert_string_equal(diff, "");
	assert_non_null(strstr(buf, "# threads [0..64]\nworkers 4\n"));
	assert_non_null(strstr(buf, "#name\n"));
	free(buf);
	cfg_free_values(table, NOPT, &c);
	cfg_free_values(table, NOPT, &d);
}

/* Where each option and each list entry was set, so later checks can name the line. */
static void
test_cfg_lines(void **state)
{
	static const char text[] = "# lines\nworkers 3\nlisten 1.2.3.4:1\n\nflag maybe\n"
	                           "listen 5.6.7.8:2 # second\nname x\nworkers 4\n";
	char path[] = "/tmp/test_cfg.XXXXXX";
	unsigned lines[NOPT];
	struct conf c;
	struct errs e;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	assert_int_equal(close(fd), 0);
	memset(&c, 0, sizeof(c));
	memset(&e, 0, sizeof(e));
	assert_int_equal(cfg_defaults(table, NOPT, &c), IDR_OK);
	assert_int_equal(c.listen.line[0], 0); /* defaults come from no line */
	memset(lines, 0xff, sizeof(lines));
	assert_int_equal(cfg_parse_file(table, NOPT, path, &c, lines, collect, &e), IDR_ECONFIG);
	assert_int_equal(e.n, 2);      /* flag maybe, workers twice */
	assert_int_equal(lines[0], 0); /* flag: its value was rejected */
	assert_int_equal(lines[1], 2); /* workers: the first occurrence counts */
	assert_int_equal(lines[2], 0); /* size: default */
	assert_int_equal(lines[3], 7); /* name */
	assert_int_equal(lines[4], 0); /* mode: default */
	assert_int_equal(lines[5], 6); /* listen: its last entry */
	assert_int_equal(c.listen.n, 2);
	assert_int_equal(c.listen.line[0], 3);
	assert_int_equal(c.listen.line[1], 6);
	cfg_free_values(table, NOPT, &c);
	/* a file that cannot be read leaves no stale lines */
	memset(lines, 0xff, sizeof(lines));
	assert_int_equal(cfg_defaults(table, NOPT, &c), IDR_OK);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(cfg_parse_file(table, NOPT, path, &c, lines, collect, &e), IDR_ENOENT);
	assert_int_equal(lines[1], 0);
	cfg_free_values(table, NOPT, &c);
}

static void
test_cfg_diff_static(void **state)
{
	struct conf a, b;
	struct errs e;
	char diff[256];

	(void)state;
	assert_int_equal(parse("workers 2\nflag yes\n", &a, &e), IDR_OK);
	memset(&b, 0, sizeof(b));
	assert_int_equal(cfg_defaults(table, NOPT, &b), IDR_OK);
	assert_int_equal(
	        cfg_parse_buf(table, NOPT, "b", "workers 3\nflag no\n", 18, &b, NULL, NULL),
	        IDR_OK);
	cfg_diff_static(table, NOPT, &a, &b, diff, sizeof(diff));
	assert_string_equal(diff, "workers"); /* flag is reloadable */
	cfg_free_values(table, NOPT, &a);
	cfg_free_values(table, NOPT, &b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cfg_defaults),
	        cmocka_unit_test(test_cfg_values),
	        cmocka_unit_test(test_cfg_errors_name_line),
	        cmocka_unit_test(test_cfg_list_none),
	        cmocka_unit_test(test_cfg_all_errors_reported),
	        cmocka_unit_test(test_cfg_limits),
	        cmocka_unit_test(test_cfg_sample_parses_to_defaults),
	        cmocka_unit_test(test_cfg_lines),
	        cmocka_unit_test(test_cfg_diff_static),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
