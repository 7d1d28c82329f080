/*
 * test_conf_backup.c - the `backup` configuration line (core/conf.h conf_backup_parse): a valid
 * line, the line cut after each field, an extra field, a bad prefix, URL or identity, and each
 * field one byte past its limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/conf.h"

#define LINE "88.118 https://node1.example:8443 300:88.118/TOPLEVEL /etc/idr/top.secret"

static void
test_conf_backup_valid(void **state)
{
	struct conf_backup b;
	const char *why = NULL;

	(void)state;
	assert_int_equal(conf_backup_parse(LINE, &b, &why), IDR_OK);
	assert_int_equal(b.prefix.len, 6);
	assert_memory_equal(b.prefix.p, "88.118", 6);
	assert_int_equal(b.url.len, strlen("https://node1.example:8443"));
	assert_memory_equal(b.identity.p, "300:88.118/TOPLEVEL", b.identity.len);
	assert_memory_equal(b.secret_file.p, "/etc/idr/top.secret", b.secret_file.len);
	assert_int_equal(conf_backup_parse("  88.118\tHTTPS://n 1:a/B f  ", &b, &why), IDR_OK);
}

static void
test_conf_backup_truncations(void **state)
{
	char line[sizeof(LINE)];
	struct conf_backup b;
	const char *why;

	(void)state;
	size_t last = (size_t)(strrchr(LINE, ' ') - LINE) + 1; /* the secret file starts */

	for (size_t cut = 0; cut < strlen(LINE); cut++) {
		memcpy(line, LINE, cut);
		line[cut] = '\0';
		why = NULL;
		if (cut <= last) { /* a field missing (or a URL cut short of its scheme) */
			assert_int_equal(conf_backup_parse(line, &b, &why), IDR_EINVAL);
			assert_non_null(why);
		} else { /* a shorter file name is still a line */
			assert_int_equal(conf_backup_parse(line, &b, &why), IDR_OK);
		}
	}
}

static void
test_conf_backup_bad(void **state)
{
	static const char *const bad[] = {
	        LINE " extra",
	        "88..118 https://n 1:a/B f",
	        "88.118 ftp://n 1:a/B f",
	        "88.118 https:/ 1:a/B f",
	        "88.118 https://n a/B f",
	        "",
	};
	struct conf_backup b;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(conf_backup_parse(bad[i], &b, &why), IDR_EINVAL);
		assert_non_null(why);
	}
}

/* the journal is authenticated: a plain http:// URL is refused, saying why */
static void
test_conf_backup_plain_http(void **state)
{
	struct conf_backup b;
	const char *why = NULL;

	(void)state;
	assert_int_equal(conf_backup_parse("88.118 http://n:8000 1:a/B f", &b, &why), IDR_EINVAL);
	assert_non_null(why);
	assert_non_null(strstr(why, "https://"));
}

static void
test_conf_backup_limits(void **state)
{
	size_t cap = 3 * 4096 + 64;
	char *line = malloc(cap), *fill = malloc(4097);
	struct conf_backup b;
	const char *why;

	(void)state;
	assert_non_null(line);
	assert_non_null(fill);
	memset(fill, 'a', 4096);
	/* each of URL, identity and secret file at 4095 bytes is fine, at 4096 refused */
	for (int field = 0; field < 3; field++) {
		for (size_t len = 4095; len <= 4096; len++) {
			fill[len - (field == 0 ? 8 : field == 1 ? 2 : 0)] = '\0';
			snprintf(line, cap,
			         field == 0   ? "88.118 https://%s 1:a/B f"
			         : field == 1 ? "88.118 https://n 1:%s f"
			                      : "88.118 https://n 1:a/B %s",
			         fill);
			memset(fill, 'a', 4096);
			why = NULL;
			assert_int_equal(conf_backup_parse(line, &b, &why),
			                 len == 4095 ? IDR_OK : IDR_EINVAL);
		}
	}
	free(line);
	free(fill);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_conf_backup_valid),
	        cmocka_unit_test(test_conf_backup_truncations),
	        cmocka_unit_test(test_conf_backup_bad),
	        cmocka_unit_test(test_conf_backup_plain_http),
	        cmocka_unit_test(test_conf_backup_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
