/* test_log.c - logging to a file: reopening it after a rotation (logrotate, then SIGHUP). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

/* The whole file at path as a string (caller frees); NULL if it cannot be read. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		return NULL;
	}
	buf = calloc(1, 65536);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_log_reopen(void **state)
{
	char dir[] = "/tmp/test_log.XXXXXX";
	char path[64], rotated[64];
	char *a, *b;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/idrd.log", dir);
	snprintf(rotated, sizeof(rotated), "%s/idrd.log.1", dir);
	assert_int_equal(log_reopen(), IDR_OK); /* stderr: nothing to reopen */
	assert_int_equal(log_open("test", LOG_DEST_FILE, path, LOG_INFO), IDR_OK);
	log_info("before the rotation");
	assert_int_equal(rename(path, rotated), 0);
	log_info("after the rename");
	assert_int_equal(log_reopen(), IDR_OK);
	log_info("after the reopen");
	log_close();
	a = slurp(rotated);
	b = slurp(path);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(strstr(a, "before the rotation"));
	assert_non_null(strstr(a, "after the rename"));
	assert_null(strstr(a, "after the reopen"));
	assert_non_null(strstr(b, "after the reopen"));
	assert_null(strstr(b, "before the rotation"));
	free(a);
	free(b);
	/* a path that cannot be opened again leaves the old file in use */
	assert_int_equal(log_open("test", LOG_DEST_FILE, path, LOG_INFO), IDR_OK);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(rotated), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(log_reopen(), IDR_ENOENT);
	log_info("into the unlinked file");
	log_close();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_log_reopen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
