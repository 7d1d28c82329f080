/* test_metrics.c - per-worker counters and the Prometheus text rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"

static const char *const ROUTES[] = {"api", "list", "proxy", "ops", "native"};
#define NROUTES (sizeof(ROUTES) / sizeof(ROUTES[0]))
#include "hdl/hdl.h"

struct text {
	struct wbuf w;
	char *s;
};

static void
render(struct metrics *m, const struct reg_store_info *info, struct text *t)
{
	wbuf_init_heap(&t->w, 1u << 22);
	wbuf_cstr(&t->w, "\n"); /* so every line, the first too, is found as "\n<line>\n" */
	metrics_render(m, info, &t->w);
	wbuf_terminate(&t->w);
	assert_int_equal(wbuf_error(&t->w), IDR_OK);
	t->s = (char *)t->w.p;
}

static void
text_free(struct text *t)
{
	wbuf_deinit(&t->w);
}

static void
assert_line(const struct text *t, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (strstr(t->s, want) == NULL) {
		fail_msg("line not found: %s\n--- output ---%s", line, t->s);
	}
}

static void
assert_no_line_prefix(const struct text *t, const char *prefix)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s", prefix);
	if (strstr(t->s, want) != NULL) {
		fail_msg("unexpected line starting with %s", prefix);
	}
}

static void
test_metrics_new_args(void **state)
{
	struct metrics *m = (void *)1;

	(void)state;
	assert_int_equal(metrics_new(&m, 0, ROUTES, NROUTES), IDR_EINVAL);
	assert_null(m);
	assert_int_equal(metrics_new(&m, 2, ROUTES, NROUTES), IDR_OK);
	assert_non_null(metrics_shard(m, 0));
	assert_non_null(metrics_shard(m, 1));
	assert_null(metrics_shard(m, 2));
	assert_null(metrics_shard(NULL, 0));
	/* a missing shard counts nothing and does not crash */
	metrics_request(NULL, METRICS_UDP, 1, 1, 10);
	metrics_http(NULL, METRICS_HTTP, "api", 200, 10);
	metrics_drop(NULL, METRICS_DROP_MALFORMED);
	metrics_conn(NULL, METRICS_TCP, 1);
	metrics_free(m);
	metrics_free(NULL);
}

static void
test_metrics_requests_summed_over_shards(void **state)
{
	struct metrics *m;
	struct text t;

	(void)state;
	assert_int_equal(metrics_new(&m, 3, ROUTES, NROUTES), IDR_OK);
	metrics_request(metrics_shard(m, 0), METRICS_UDP, HDL_OC_RESOLUTION, HDL_RC_SUCCESS, 1000);
	metrics_request(metrics_shard(m, 1), METRICS_UDP, HDL_OC_RESOLUTION, HDL_RC_SUCCESS, 1000);
	metrics_request(metrics_shard(m, 2), METRICS_UDP, HDL_OC_RESOLUTION, HDL_RC_SUCCESS, 1000);
	metrics_request(metrics_shard(m, 0), METRICS_TCP, HDL_OC_RESOLUTION,
	                HDL_RC_HANDLE_NOT_FOUND, 1000);
	metrics_request(metrics_shard(m, 1), METRICS_TCP, HDL_OC_GET_SITEINFO, HDL_RC_SUCCESS, 1);
	metrics_request(metrics_shard(m, 1), METRICS_UDP, 777, HDL_RC_OPERATION_NOT_SUPPORTED, 1);
	metrics_request(metrics_shard(m, 2), METRICS_UDP, 778, HDL_RC_OPERATION_NOT_SUPPORTED, 1);
	metrics_request(metrics_shard(m, 2), METRICS_HTTP, HDL_OC_RESOLUTION, 999, 1);
	render(m, NULL, &t);
	assert_line(&t, "idr_requests_total{proto=\"udp\",opcode=\"RESOLUTION\",rc=\"1\"} 3");
	assert_line(&t, "idr_requests_total{proto=\"tcp\",opcode=\"RESOLUTION\",rc=\"100\"} 1");
	assert_line(&t, "idr_requests_total{proto=\"tcp\",opcode=\"GET_SITEINFO\",rc=\"1\"} 1");
	/* unknown opcodes share one series, unknown codes too: the label set stays small */
	assert_line(&t, "idr_requests_total{proto=\"udp\",opcode=\"other\",rc=\"5\"} 2");
	assert_line(&t, "idr_requests_total{proto=\"http\",opcode=\"RESOLUTION\",rc=\"other\"} 1");
	/* series never counted are not rendered */
	assert_no_line_prefix(&t, "idr_requests_total{proto=\"https\"");
	assert_no_line_prefix(&t,
	                      "idr_requests_total{proto=\"udp\",opcode=\"RESOLUTION\",rc=\"100\"");
	text_free(&t);
	metrics_free(m);
}

static void
test_metrics_histogram_cumulative(void **state)
{
	struct metrics_shard *s;
	struct metrics *m;
	struct text t;

	(void)state;
	assert_int_equal(metrics_new(&m, 2, ROUTES, NROUTES), IDR_OK);
	s = metrics_shard(m, 0);
	metrics_request(s, METRICS_UDP, 1, 1, 0);    /* le 1 us */
	metrics_request(s, METRICS_UDP, 1, 1, 1000); /* le 1 us: bounds inclusive */
	metrics_request(metrics_shard(m, 1), METRICS_UDP, 1, 1, 1001); /* le 2 us */
	metrics_request(s, METRICS_UDP, 1, 1, 3000);                   /* le 4 us */
	metrics_request(s, METRICS_UDP, 1, 1, 4194304000ULL);          /* le 4.194304 s, the last */
	metrics_request(s, METRICS_UDP, 1, 1, 10000000000ULL);         /* 10 s: only +Inf */
	metrics_http(s, METRICS_HTTP, "api", 200, 1500);               /* HTTP: its own proto */
	render(m, NULL, &t);
	assert_line(&t, "# TYPE idr_request_duration_seconds histogram");
	assert_line(&t, "idr_request_duration_seconds_bucket{proto=\"udp\",le=\"0.000001\"} 2");
	assert_line(&t, "idr_request_duration_seconds_bucket{proto=\"udp\",le=\"0.000002\"} 3");
	assert_line(&t, "idr_request_duration_seconds_bucket{proto=\"udp\",le=\"0.000004\"} 4");
	assert_line(&t, "idr_request_duration_seconds_bucket{proto=\"udp\",le=\"0.000008\"} 4");
	assert_line(&t, "idr_request_duration_seconds_bucket{proto=\"udp\",le=\"2.097152\"} 4");
	assert_line(&t, "idr_request_duration_seconds_bucket{proto=\"udp\",le=\"4.194304\"} 5");
	assert_line(&t, "idr_request_duration_seconds_bucket{proto=\"udp\",le=\"+Inf\"} 6");
	assert_line(&t, "idr_request_duration_seconds_count{proto=\"udp\"} 6");
	assert_line(&t, "idr_request_duration_seconds_sum{proto=\"udp\"} 14.194309001");
	assert_line(&t, "idr_request_duration_seconds_bucket{proto=\"http\",le=\"0.000001\"} 0");
	assert_line(&t, "idr_request_duration_seconds_bucket{proto=\"http\",le=\"0.000002\"} 1");
	assert_line(&t, "idr_request_duration_seconds_count{proto=\"http\"} 1");
	assert_line(&t, "idr_request_duration_seconds_count{proto=\"tcp\"} 0");
	text_free(&t);
	metrics_free(m);
}

static void
test_metrics_http_labels(void **state)
{
	struct metrics_shard *s;
	struct metrics *m;
	struct text t;

	(void)state;
	assert_int_equal(metrics_new(&m, 1, ROUTES, NROUTES), IDR_OK);
	s = metrics_shard(m, 0);
	metrics_http(s, METRICS_HTTP, "api", 200, 1);
	metrics_http(s, METRICS_HTTP, "api", 200, 1);
	metrics_http(s, METRICS_HTTPS, "proxy", 302, 1);
	metrics_http(s, METRICS_HTTP, "no-such-route", 404, 1);
	metrics_http(s, METRICS_HTTP, NULL, 404, 1);
	metrics_http(s, METRICS_HTTP, "ops", 418, 1); /* not in the list: by class */
	metrics_http(s, METRICS_HTTP, "ops", 999, 1); /* not a status at all */
	render(m, NULL, &t);
	assert_line(&t, "# TYPE idr_http_requests_total counter");
	assert_line(&t, "idr_http_requests_total{proto=\"http\",route=\"api\",code=\"200\"} 2");
	assert_line(&t, "idr_http_requests_total{proto=\"https\",route=\"proxy\",code=\"302\"} 1");
	assert_line(&t, "idr_http_requests_total{proto=\"http\",route=\"other\",code=\"404\"} 2");
	assert_line(&t, "idr_http_requests_total{proto=\"http\",route=\"ops\",code=\"4xx\"} 1");
	assert_line(&t, "idr_http_requests_total{proto=\"http\",route=\"ops\",code=\"other\"} 1");
	text_free(&t);
	metrics_free(m);
}

static void
test_metrics_drops_conns_store(void **state)
{
	struct reg_store_info info;
	struct metrics *m;
	struct text t;

	(void)state;
	assert_int_equal(metrics_new(&m, 2, ROUTES, NROUTES), IDR_OK);
	metrics_drop(metrics_shard(m, 0), METRICS_DROP_MALFORMED);
	metrics_drop(metrics_shard(m, 1), METRICS_DROP_MALFORMED);
	metrics_drop(metrics_shard(m, 1), METRICS_DROP_RATELIMIT);
	metrics_drop(metrics_shard(m, 0), METRICS_DROP_BUDGET);
	metrics_drop(metrics_shard(m, 1), METRICS_DROP_BUDGET);
	metrics_drop(metrics_shard(m, 1), METRICS_DROP_TOOBIG);
	metrics_drop(metrics_shard(m, 1), METRICS_DROP_COUNT); /* out of range: ignored */
	metrics_conn(m, METRICS_TCP, 3);
	metrics_conn(m, METRICS_TCP, -1);
	metrics_conn(m, METRICS_HTTPS, 1);
	render(m, NULL, &t);
	assert_line(&t, "idr_dropped_total{reason=\"malformed\"} 2");
	assert_line(&t, "idr_dropped_total{reason=\"ratelimit\"} 1");
	assert_line(&t, "idr_dropped_total{reason=\"reasm\"} 0");
	assert_line(&t, "idr_dropped_total{reason=\"connlimit\"} 0");
	assert_line(&t, "idr_dropped_total{reason=\"budget\"} 2");
	assert_line(&t, "idr_dropped_total{reason=\"toobig\"} 1");
	assert_line(&t, "idr_connections{proto=\"tcp\"} 2");
	assert_line(&t, "idr_connections{proto=\"https\"} 1");
	assert_line(&t, "idr_connections{proto=\"udp\"} 0");
	assert_no_line_prefix(&t, "idr_store"); /* no store figures given */
	text_free(&t);

	memset(&info, 0, sizeof(info));
	info.used_bytes = 4096;
	info.file_bytes = 8192;
	info.map_size = 1ULL << 34;
	info.records = 1000000;
	info.readers = 3;
	render(m, &info, &t);
	assert_line(&t, "idr_store_bytes{kind=\"used\"} 4096");
	assert_line(&t, "idr_store_bytes{kind=\"file\"} 8192");
	assert_line(&t, "idr_store_bytes{kind=\"map\"} 17179869184");
	assert_line(&t, "idr_store_records 1000000");
	assert_line(&t, "idr_store_readers 3");
	text_free(&t);
	metrics_free(m);
}

/* ---- Prometheus text format 0.0.4: every line is a HELP, a TYPE or a sample ---- */

static const char *
metric_name(const char *p, char *name, size_t cap)
{
	size_t n = 0;

	if (!(isalpha((unsigned char)*p) || *p == '_' || *p == ':')) {
		return NULL;
	}
	while ((isalnum((unsigned char)*p) || *p == '_' || *p == ':') && n + 1 < cap) {
		name[n++] = *p++;
	}
	name[n] = '\0';
	return p;
}

/* {name="value",...}: label names are identifiers, values quoted without raw quotes/newlines */
static const char *
labels(const char *p)
{
	char name[128];

	if (*p != '{') {
		return p;
	}
	p++;
	while (*p != '}') {
		p = metric_name(p, name, sizeof(name));
		if (p == NULL || *p++ != '=' || *p++ != '"') {
			return NULL;
		}
		while (*p != '"' && *p != '\0' && *p != '\n') {
			p++;
		}
		if (*p++ != '"') {
			return NULL;
		}
		if (*p == ',') {
			p++;
		} else if (*p != '}') {
			return NULL;
		}
	}
	return p + 1;
}

static bool
is_number(const char *p, const char *end)
{
	char *stop;

	if (end - p == 4 && strncmp(p, "+Inf", 4) == 0) {
		return true;
	}
	strtod(p, &stop);
	return stop == end && stop != p;
}

/* The family a sample belongs to: histograms add _bucket, _sum and _count. */
static bool
family_typed(const char *types, const char *name)
{
	static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
	char want[200], base[160];
	size_t i, len = strlen(name), sl;

	snprintf(want, sizeof(want), "\n# TYPE %s ", name);
	if (strstr(types, want) != NULL) {
		return true;
	}
	for (i = 0; i < 3; i++) {
		sl = strlen(suffixes[i]);
		if (len > sl && strcmp(name + len - sl, suffixes[i]) == 0 &&
		    len - sl < sizeof(base)) {
			memcpy(base, name, len - sl);
			base[len - sl] = '\0';
			snprintf(want, sizeof(want), "\n# TYPE %s histogram", base);
			if (strstr(types, want) != NULL) {
				return true;
			}
		}
	}
	return false;
}

static void
check_line(const char *all, const char *line, const char *end)
{
	char name[160];
	const char *p;

	if (strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0) {
		p = metric_name(line + 7, name, sizeof(name));
		assert_non_null(p);
		assert_int_equal(*p, ' ');
		if (line[2] == 'T') {
			p++;
			assert_true(strncmp(p, "counter", 7) == 0 || strncmp(p, "gauge", 5) == 0 ||
			            strncmp(p, "histogram", 9) == 0);
		}
		return;
	}
	p = metric_name(line, name, sizeof(name));
	if (p == NULL) {
		fail_msg("bad line: %.*s", (int)(end - line), line);
	}
	p = labels(p);
	if (p == NULL || *p != ' ' || !is_number(p + 1, end)) {
		fail_msg("bad sample: %.*s", (int)(end - line), line);
	}
	if (!family_typed(all, name)) {
		fail_msg("sample without TYPE: %s", name);
	}
}

static void
test_metrics_render_parses(void **state)
{
	struct reg_store_info info;
	const char *line, *end;
	struct metrics *m;
	struct text t;
	unsigned samples = 0;

	(void)state;
	assert_int_equal(metrics_new(&m, 2, ROUTES, NROUTES), IDR_OK);
	metrics_request(metrics_shard(m, 0), METRICS_UDP, 1, 1, 12345);
	metrics_request(metrics_shard(m, 1), METRICS_TCP, 105, 5, 99);
	metrics_http(metrics_shard(m, 1), METRICS_HTTPS, "list", 200, 777);
	metrics_drop(metrics_shard(m, 0), METRICS_DROP_REASM);
	metrics_fed(metrics_shard(m, 0), METRICS_FED_CACHE_HIT);
	metrics_fed(metrics_shard(m, 1), METRICS_FED_CACHE_HIT);
	metrics_fed(metrics_shard(m, 1), METRICS_FED_COUNT); /* out of range: ignored */
	metrics_fed(NULL, METRICS_FED_CACHE_MISS);
	memset(&info, 0, sizeof(info));
	render(m, &info, &t);
	assert_int_equal(t.s[t.w.len - 1], '\n'); /* the last line is terminated */
	assert_non_null(strstr(t.s, "\nidr_recursion_total{event=\"cache_hit\"} 2\n"));
	assert_non_null(strstr(t.s, "\nidr_recursion_total{event=\"cache_miss\"} 0\n"));
	for (line = t.s + 1; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		assert_non_null(end);
		check_line(t.s, line, end);
		samples += line[0] != '#';
	}
	/* 1 + 1 requests, 1 http, 4 x (23 + 1 + 2) histogram by protocol and 1 by route (only
	 * "list" answered), 6 drops, 7 recursion events, 4 conns, 5 store */
	assert_int_equal(samples, 2 + 1 + 4 * 26 + 26 + 6 + METRICS_FED_COUNT + 4 + 5);
	assert_non_null(strstr(t.s, "\nidr_http_request_duration_seconds_bucket{route=\"list\","
	                            "le=\"0.001024\"} 1\n"));
	assert_non_null(
	        strstr(t.s, "\nidr_http_request_duration_seconds_count{route=\"list\"} 1\n"));
	assert_null(strstr(t.s, "duration_seconds_count{route=\"api\"}")); /* no answers: none */
	/* each family is described once */
	assert_non_null(strstr(t.s, "# HELP idr_requests_total "));
	assert_null(strstr(strstr(t.s, "# HELP idr_requests_total ") + 1,
	                   "# HELP idr_requests_total "));
	text_free(&t);
	metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_metrics_new_args),
	        cmocka_unit_test(test_metrics_requests_summed_over_shards),
	        cmocka_unit_test(test_metrics_histogram_cumulative),
	        cmocka_unit_test(test_metrics_http_labels),
	        cmocka_unit_test(test_metrics_drops_conns_store),
	        cmocka_unit_test(test_metrics_render_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
