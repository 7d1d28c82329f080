/*
 * test_route.c - the route table (http/route.h): which row answers each decoded path, the
 * capture, methods (405 and Allow), the metrics labels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/route.h"
#include "http/uri.h"

#define CAP 16

static struct uri_param params[CAP];
static uint8_t scratch[URI_MAX_TARGET + 16];

static int
parse(struct uri_target *t, const char *s)
{
	return uri_parse(t, s, strlen(s), params, CAP, scratch, sizeof(scratch));
}

static void
assert_slice(struct slice s, const char *want)
{
	size_t n = strlen(want);

	if (s.len != n || (n > 0 && memcmp(s.p, want, n) != 0)) {
		fail_msg("got '%.*s', want '%s'", (int)s.len, (const char *)s.p, want);
	}
}

struct route_case {
	const char *target;
	const char *pattern; /* of the row that answers */
	const char *path;
	const char *capture; /* NULL: none */
};

static void
test_route_table(void **state)
{
	static const struct route_case cases[] = {
	        {"/", "/", "/", NULL},
	        {"/healthz", "/healthz", "/healthz", NULL},
	        {"/metrics", "/metrics", "/metrics", NULL},
	        {"/favicon.ico", "/favicon.ico", "/favicon.ico", NULL},
	        {"/robots.txt", "/robots.txt", "/robots.txt", NULL},
	        {"/api/handles", "/api/handles", "/api/handles", NULL},
	        {"/api/handles/", "/api/handles/", "/api/handles/", NULL},
	        {"/api/handles?prefix=88.118.8", "/api/handles", "/api/handles", NULL},
	        {"/api/handles/88.118.8/P-1", "/api/handles/{handle}", "/api/handles/88.118.8/P-1",
	         "88.118.8/P-1"},
	        {"/api/handles/88.118.8%2FP-1", "/api/handles/{handle}",
	         "/api/handles/88.118.8/P-1", "88.118.8/P-1"},
	        {"/api/handles/88.118.8/a/b//c", "/api/handles/{handle}",
	         "/api/handles/88.118.8/a/b//c", "88.118.8/a/b//c"},
	        {"/api/handles/88.118.8/%E4%B8%AD", "/api/handles/{handle}",
	         "/api/handles/88.118.8/\xE4\xB8\xAD", "88.118.8/\xE4\xB8\xAD"},
	        {"/api/handles/88.118.8/a+b", "/api/handles/{handle}", "/api/handles/88.118.8/a+b",
	         "88.118.8/a+b"},
	        {"/api/handles/x%3Fy?pretty", "/api/handles/{handle}", "/api/handles/x?y", "x?y"},
	        {"/api", "/api", "/api", NULL},
	        {"/api/", "/api/*", "/api/", NULL},
	        {"/api/prefixes", "/api/*", "/api/prefixes", NULL},
	        {"/api/handlesx", "/api/*", "/api/handlesx", NULL},
	        {"/apix", "/{handle}", "/apix", "apix"},
	        {"/API/handles/x", "/{handle}", "/API/handles/x", "API/handles/x"},
	        {"/88.118.8/P-1", "/{handle}", "/88.118.8/P-1", "88.118.8/P-1"},
	        {"//x", "/{handle}", "//x", "/x"},
	        {"/%2Fhealthz", "/{handle}", "//healthz", "/healthz"},
	        {"/heal%74hz", "/healthz", "/healthz", NULL},
	        {"/88.118.8/a|b^c{d}\\e\"f<g>`", "/{handle}", "/88.118.8/a|b^c{d}\\e\"f<g>`",
	         "88.118.8/a|b^c{d}\\e\"f<g>`"},
	        {"http://example.com/api/handles/1/2?x=1", "/api/handles/{handle}",
	         "/api/handles/1/2", "1/2"},
	        {"HTTPS://example.com:8443", "/", "/", NULL},
	        {"http://h?hdl=x", "/", "/", NULL},
	        {"http://h/", "/", "/", NULL},
	        {"/snms/api/v5/template?prefix=88.1&version=1", "/snms/api/v5/template",
	         "/snms/api/v5/template", NULL},
	        {"/snms/api/v5/template/list?prefix=88.1", "/snms/api/v5/template/list",
	         "/snms/api/v5/template/list", NULL},
	};
	struct http_match m;
	struct uri_target t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(&t, cases[i].target);

		if (rc != IDR_OK) {
			fail_msg("%s: %s (%s)", cases[i].target, idr_strerror(rc), t.why);
		}
		assert_slice(t.path, cases[i].path);
		http_route_match(HTTP_M_GET, false, t.path, &m);
		if (m.route == NULL || strcmp(m.route->pattern, cases[i].pattern) != 0) {
			fail_msg("%s: answered by %s, want %s", cases[i].target,
			         m.route != NULL ? m.route->pattern : "nothing", cases[i].pattern);
		}
		if (cases[i].capture != NULL) {
			assert_slice(m.capture, cases[i].capture);
		} else {
			assert_int_equal(m.capture.len, 0);
		}
	}
}

static void
test_route_methods(void **state)
{
	char allow[64];
	struct http_match m;

	(void)state;
	http_route_match(HTTP_M_HEAD, false, SLICE_LIT("/api/handles/88.118.8/x"), &m);
	assert_non_null(m.route);
	assert_true((m.flags & HTTP_R_API) != 0);
	/* a path that exists with another method: no row, the methods it has, its flags */
	http_route_match(HTTP_M_POST, false, SLICE_LIT("/api/handles/88.118.8/x"), &m);
	assert_null(m.route);
	assert_int_equal(m.allow, HTTP_M_READ | HTTP_M_PUT | HTTP_M_DELETE);
	assert_true((m.flags & HTTP_R_API) != 0);
	assert_string_equal(http_allow_text(m.allow, allow, sizeof(allow)),
	                    "GET, HEAD, PUT, DELETE, OPTIONS");
	http_route_match(HTTP_M_DELETE, false, SLICE_LIT("/x/y"), &m);
	assert_null(m.route);
	assert_int_equal(m.flags & HTTP_R_API, 0); /* the proxy: errors as pages */
	http_route_match(HTTP_M_OPTIONS, false, SLICE_LIT("/healthz"), &m);
	assert_null(m.route);
	assert_int_equal(m.allow, HTTP_M_READ);
	/* the national template rows: every method of the CRUD, errors in the envelope */
	http_route_match(HTTP_M_OPTIONS, false, SLICE_LIT("/snms/api/v5/template"), &m);
	assert_null(m.route);
	assert_int_equal(m.allow, HTTP_M_READ | HTTP_M_POST | HTTP_M_PUT | HTTP_M_DELETE);
	assert_true((m.flags & HTTP_R_IDIS) != 0);
	http_route_match(HTTP_M_DELETE, false, SLICE_LIT("/snms/api/v5/template"), &m);
	assert_non_null(m.route);
	assert_string_equal(m.route->label, "idis_template");
	http_route_match(HTTP_M_POST, false, SLICE_LIT("/snms/api/v5/template/publish"), &m);
	assert_non_null(m.route);
	assert_string_equal(m.route->label, "idis_template");
	http_route_match(HTTP_M_PUT, false, SLICE_LIT("/snms/api/v5/template/publish"), &m);
	assert_null(m.route);
	assert_true((m.allow & HTTP_M_POST) != 0); /* (GET: the proxy's "/{handle}") */
	/* the text never overflows */
	assert_string_equal(http_allow_text(HTTP_M_GET | HTTP_M_PUT | HTTP_M_DELETE, allow, 12),
	                    "GET, PUT");
}

static void
test_route_labels(void **state)
{
	size_t n, i, j;
	const char *const *l = http_route_labels(&n);

	(void)state;
	assert_true(n >= 4);
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			assert_true(strcmp(l[i], l[j]) != 0); /* distinct */
		}
	}
	/* the labels the dashboards and tests know */
	for (const char *want[] = {"api", "list", "proxy", "ops"}, **w = want; w < want + 4; w++) {
		for (i = 0; i < n && strcmp(l[i], *w) != 0; i++) {
		}
		assert_true(i < n);
	}
	assert_ptr_equal(http_route_labels(&j), l);
	assert_int_equal(j, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_route_table),
	        cmocka_unit_test(test_route_methods),
	        cmocka_unit_test(test_route_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
