/* test_cli.c - helpers of the idr tool: data directory, text width and sanitising, sizes,
 * times, and the progress bar's text (tools/common/cli.h, progress.h). */
#include "common/cli.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/progress.h"

static void
test_cli_data_dir(void **state)
{
	(void)state;
	assert_int_equal(setenv(CLI_ENV_DATA, "/srv/idr", 1), 0);
	assert_string_equal(cli_data_dir("/opt/d"), "/opt/d");
	assert_string_equal(cli_data_dir(NULL), "/srv/idr");
	assert_int_equal(setenv(CLI_ENV_DATA, "", 1), 0);
	assert_string_equal(cli_data_dir(NULL), CLI_DEFAULT_DATA);
	assert_int_equal(unsetenv(CLI_ENV_DATA), 0);
	assert_string_equal(cli_data_dir(NULL), "./idr-data");
}

struct width_case {
	const char *s;
	size_t width;
};

static void
test_cli_text_width(void **state)
{
	static const struct width_case cases[] = {
	        {"", 0},
	        {"abc", 3},
	        {"\xE6\x9F\x90\xE6\x9F\x90", 4},           /* 某某 */
	        {"88.118.8 \xE5\x90\xAF\xE7\x94\xA8", 13}, /* 启用 */
	        {"e\xCC\x81", 1},                          /* combining acute */
	        {"\xEF\xBC\xA1", 2},                       /* fullwidth A */
	        {"a\xFF", 2},                              /* invalid byte counts 1 */
	        {"\xE6\x9F", 2},                           /* truncated sequence: 2 bytes */
	        {"\t", 1},
	        {"\xF0\xA0\x80\x80", 2}, /* U+20000 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cli_text_width((const uint8_t *)cases[i].s, strlen(cases[i].s)),
		                 cases[i].width);
	}
}

static void
test_cli_safe(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(cli_safe("88.118.8/P-1", buf, sizeof(buf)), "88.118.8/P-1");
	assert_string_equal(cli_safe("a\001b\nc", buf, sizeof(buf)), "a?b?c");
	assert_string_equal(cli_safe("bad\377x", buf, sizeof(buf)), "bad?x");
	assert_string_equal(cli_safe("\xC2\x85", buf, sizeof(buf)), "?"); /* C1 control */
	assert_string_equal(cli_safe("\xE6\x9F\x90", buf, sizeof(buf)), "\xE6\x9F\x90");
	/* cut to fit, never splitting a character */
	assert_string_equal(cli_safe("0123456789abcdefghij", buf, sizeof(buf)), "0123456789ab...");
	assert_string_equal(
	        cli_safe("\xE6\x9F\x90\xE6\x9F\x90\xE6\x9F\x90\xE6\x9F\x90", buf, sizeof(buf)),
	        "\xE6\x9F\x90\xE6\x9F\x90\xE6\x9F\x90\xE6\x9F\x90");
	assert_string_equal(cli_safe("\xE6\x9F\x90\xE6\x9F\x90\xE6\x9F\x90\xE6\x9F\x90\xE6\x9F\x90",
	                             buf, sizeof(buf)),
	                    "\xE6\x9F\x90\xE6\x9F\x90\xE6\x9F\x90\xE6\x9F\x90...");
	assert_string_equal(cli_safe("abc", buf, 3), "");
}

static void
test_cli_put_padded(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	cli_put_padded(f, slice_cstr("\xE6\x9F\x90\xE6\x9F\x90"), 6);
	fputc('|', f);
	cli_put_padded(f, slice_cstr("toolongvalue"), 4);
	fputc('|', f);
	cli_put_padded(f, slice_make("a\nb", 3), 4);
	fputc('|', f);
	fclose(f);
	assert_string_equal(text, "\xE6\x9F\x90\xE6\x9F\x90  |toolongvalue|a?b |");
	free(text);
}

static void
test_cli_format_size(void **state)
{
	char buf[32];

	(void)state;
	cli_format_size(0, buf, sizeof(buf));
	assert_string_equal(buf, "0 B");
	cli_format_size(1023, buf, sizeof(buf));
	assert_string_equal(buf, "1023 B");
	cli_format_size(1024, buf, sizeof(buf));
	assert_string_equal(buf, "1.0 KiB");
	cli_format_size(3ULL << 29, buf, sizeof(buf));
	assert_string_equal(buf, "1.5 GiB");
	cli_format_size(16ULL << 40, buf, sizeof(buf));
	assert_string_equal(buf, "16.0 TiB");
}

static void
test_cli_format_time(void **state)
{
	char buf[32];

	(void)state;
	cli_format_time(0, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	cli_format_time(86400 + 3661, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-02 01:01:01");
	cli_format_time(1704067200, buf, sizeof(buf));
	assert_string_equal(buf, "2024-01-01 00:00:00");
}

static void
test_cli_progress_format(void **state)
{
	char buf[128];

	(void)state;
	progress_format(buf, sizeof(buf), 0, 0, 1000, 2.0);
	assert_string_equal(buf, "1000 rows  500 rows/s");
	progress_format(buf, sizeof(buf), 50, 100, 2000, 10.0);
	assert_string_equal(buf,
	                    "[############............]  50%  2000 rows  200 rows/s  ETA 0:10");
	progress_format(buf, sizeof(buf), 100, 100, 10, 1.0);
	assert_non_null(strstr(buf, "100%"));
	assert_non_null(strstr(buf, "ETA 0:00"));
	progress_format(buf, sizeof(buf), 1, 1000, 1, 10.0);
	assert_non_null(strstr(buf, "ETA 2:46:30"));
	progress_format(buf, sizeof(buf), 0, 1000, 0, 0.0);
	assert_non_null(strstr(buf, "ETA -:--"));
	/* truncated to the buffer */
	assert_true(progress_format(buf, 8, 50, 100, 2000, 10.0) > 8);
	assert_int_equal(strlen(buf), 7);
}

/* Not a terminal: the bar is disabled and draws nothing. */
static void
test_cli_progress_disabled(void **state)
{
	struct progress p;
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	progress_init(&p, fileno(f), true, 100);
	assert_false(p.enabled);
	progress_update(&p, 50, 10);
	progress_clear(&p);
	progress_finish(&p);
	assert_int_equal(ftell(f), 0);
	fseek(f, 0, SEEK_END);
	assert_int_equal(ftell(f), 0);
	fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cli_data_dir),
	        cmocka_unit_test(test_cli_text_width),
	        cmocka_unit_test(test_cli_safe),
	        cmocka_unit_test(test_cli_put_padded),
	        cmocka_unit_test(test_cli_format_size),
	        cmocka_unit_test(test_cli_format_time),
	        cmocka_unit_test(test_cli_progress_format),
	        cmocka_unit_test(test_cli_progress_disabled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
