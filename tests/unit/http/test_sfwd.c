/* test_sfwd.c - the answer of a request forwarded to another server of the site (http/sfwd.h):
 * sfwd_resp_parse on valid answers, every truncation point, lengths one past the body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/sfwd.h"

static int
parse(const char *text, size_t len, struct sfwd_resp *r, const char **why)
{
	*why = NULL;
	return sfwd_resp_parse(slice_make(text, len), r, why);
}

static void
assert_slice(struct slice s, const char *want)
{
	size_t n = strlen(want);

	if (s.len != n || (n > 0 && memcmp(s.p, want, n) != 0)) {
		fail_msg("got '%.*s', want '%s'", (int)s.len, (const char *)s.p, want);
	}
}

/* Valid answers: status, body (cut to Content-Length), Content-Type, Location. */
static void
test_sfwd_resp_valid(void **state)
{
	static const struct {
		const char *text;
		int status;
		const char *body, *ctype, *location;
	} t[] = {
	        {"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
	         "Content-Length: 2\r\n\r\n{}",
	         200, "{}", "application/json; charset=utf-8", ""},
	        {"HTTP/1.1 302 Found\r\nlocation: https://example.com/p/1\r\n"
	         "content-length: 0\r\n\r\n",
	         302, "", "", "https://example.com/p/1"},
	        {"HTTP/1.0 404 Not Found\r\nContent-Type:text/plain\r\n\r\nno such thing", 404,
	         "no such thing", "text/plain", ""},
	        {"HTTP/1.1 201\r\nContent-Length: 3\r\n\r\nabcdef", 201, "abc", "", ""},
	        {"HTTP/1.1 599 X\r\nX-Other: 1\r\nContent-Type:  text/html \r\n\r\n", 599, "",
	         "text/html", ""},
	        {"HTTP/1.1 100 Continue\r\n\r\n", 100, "", "", ""},
	};
	struct sfwd_resp r;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(parse(t[i].text, strlen(t[i].text), &r, &why), IDR_OK);
		assert_int_equal(r.status, t[i].status);
		assert_slice(r.body, t[i].body);
		assert_slice(r.ctype, t[i].ctype);
		assert_slice(r.location, t[i].location);
	}
}

/* Malformed answers, each with its reason. */
static void
test_sfwd_resp_malformed(void **state)
{
	static const struct {
		const char *text;
		const char *why;
	} t[] = {
	        {"", "complete head"},
	        {"HTTP/1.1 200 OK\r\n", "complete head"},
	        {"HTTP/2 200 OK\r\n\r\n", "status line"},
	        {"HTTP/1.2 200 OK\r\n\r\n", "status line"},
	        {"HTTP/1.1 600 X\r\n\r\n", "status line"},
	        {"HTTP/1.1 099 X\r\n\r\n", "status line"},
	        {"HTTP/1.1 20 OK\r\n\r\n", "status line"},
	        {"HTTP/1.1 2000 OK\r\n\r\n", "status line"},
	        {"HTTP/1.1  200 OK\r\n\r\n", "status line"},
	        {"http/1.1 200 OK\r\n\r\n", "status line"},
	        {"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "truncated"},
	        {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "truncated"},
	        {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab", "truncated"},
	        {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nab", "truncated"},
	};
	struct sfwd_resp r;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(parse(t[i].text, strlen(t[i].text), &r, &why), IDR_EPROTO);
		assert_non_null(why);
		if (strstr(why, t[i].why) == NULL) {
			fail_msg("%s: reason '%s' lacks '%s'", t[i].text, why, t[i].why);
		}
	}
}

/* Every truncation point of an answer with a Content-Length: refused until it is whole. */
static void
test_sfwd_resp_truncated(void **state)
{
	static const char text[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	                           "Content-Length: 5\r\n\r\nhello";
	size_t n = sizeof(text) - 1;
	struct sfwd_resp r;
	const char *why;

	(void)state;
	for (size_t len = 0; len < n; len++) {
		char *copy = malloc(len + 1); /* exactly len bytes readable (ASan) */

		assert_non_null(copy);
		memcpy(copy, text, len);
		assert_int_equal(parse(copy, len, &r, &why), IDR_EPROTO);
		free(copy);
	}
	assert_int_equal(parse(text, n, &r, &why), IDR_OK);
	assert_slice(r.body, "hello");
}

/* Content-Length one past the body is refused; a Location one past its limit is dropped. */
static void
test_sfwd_resp_limits(void **state)
{
	char *text = malloc(SFWD_LOC_MAX + 256);
	struct sfwd_resp r;
	const char *why;
	int n;

	(void)state;
	assert_non_null(text);
	n = snprintf(text, 256, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello");
	assert_int_equal(parse(text, (size_t)n, &r, &why), IDR_EPROTO);
	for (size_t extra = 0; extra < 2; extra++) {
		size_t loc = SFWD_LOC_MAX + extra;

		n = snprintf(text, 64, "HTTP/1.1 302 Found\r\nLocation: ");
		memset(text + n, 'a', loc);
		memcpy(text + n + loc, "\r\n\r\n", 4);
		assert_int_equal(parse(text, (size_t)n + loc + 4, &r, &why), IDR_OK);
		assert_int_equal(r.location.len, extra == 0 ? (size_t)SFWD_LOC_MAX : 0u);
	}
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sfwd_resp_valid),
	        cmocka_unit_test(test_sfwd_resp_malformed),
	        cmocka_unit_test(test_sfwd_resp_truncated),
	        cmocka_unit_test(test_sfwd_resp_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
