/* test_conf.c - idrd's option table: defaults, cross-checks, listener checks, the sample file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/conf.h"
#include "daemon/srv.h"

struct errs {
	unsigned n;
	unsigned line[16];
	char msg[16][300];
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

static bool
has_msg(const struct errs *e, const char *needle)
{
	for (unsigned i = 0; i < e->n && i < 16; i++) {
		if (strstr(e->msg[i], needle) != NULL) {
			return true;
		}
	}
	return false;
}

/* Write text to a temporary file; the caller unlinks path. */
static void
write_tmp(char path[64], const char *text)
{
	int fd;

	snprintf(path, 64, "/tmp/test_conf.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

/* conf_load then srv_conf_check over a configuration text, as `idrd -n` does. */
static int
load_text(const char *text, struct conf *c, struct errs *e)
{
	char path[64];
	int rc;

	memset(e, 0, sizeof(*e));
	write_tmp(path, text);
	rc = conf_load(c, path, collect, e);
	if (rc == IDR_OK && srv_conf_check(c, path, collect, e) != IDR_OK) {
		conf_free(c);
		rc = IDR_ECONFIG;
	}
	unlink(path);
	return rc;
}

static void
test_conf_defaults(void **state)
{
	struct conf c;

	(void)state;
	assert_int_equal(conf_load(&c, NULL, NULL, NULL), IDR_OK);
	assert_string_equal(c.data_dir, "./idr-data");
	assert_int_equal(c.workers, 0);
	assert_null(c.user);
	assert_string_equal(c.log_target, "stderr");
	assert_string_equal(c.log_level, "info");
	assert_int_equal(c.udp_listen.n, 1);
	assert_string_equal(c.udp_listen.v[0], "127.0.0.1:2641");
	assert_int_equal(c.tcp_listen.n, 1);
	assert_string_equal(c.tcp_listen.v[0], "127.0.0.1:2641");
	assert_int_equal(c.http_listen.n, 1);
	assert_string_equal(c.http_listen.v[0], "127.0.0.1:8000");
	assert_int_equal(c.https_listen.n, 0);
	assert_int_equal(c.max_connections, 4096);
	assert_int_equal(c.max_connections_per_ip, 256);
	assert_int_equal(c.max_request_size, 64 * 1024);
	assert_int_equal(c.tcp_idle_timeout, 60);
	assert_int_equal(c.tcp_io_timeout, 10);
	assert_int_equal(c.udp_batch, 64);
	assert_int_equal(c.udp_reasm_timeout_ms, 2000);
	assert_int_equal(c.udp_reasm_memory, 16u << 20);
	assert_int_equal(c.udp_answer_max, 4096); /* 8 full datagrams */
	assert_int_equal(c.udp_source_rate, 32 * 1024);
	assert_int_equal(c.udp_source_burst, 64 * 1024);
	assert_int_equal(c.udp_source_table, 65536);
	assert_int_equal(c.map_size, 0); /* the size recorded in the store */
	/* the defaults pass the listener checks */
	assert_int_equal(srv_conf_check(&c, NULL, collect, &(struct errs){0}), IDR_OK);
	conf_free(&c);
	conf_free(NULL);
}

static void
sample_text(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	assert_non_null(f);
	assert_int_equal(conf_write_sample(f), IDR_OK);
	assert_int_equal(fclose(f), 0);
}

/* Every option of a and b equal (compared through the table). */
static void
assert_conf_equal(const struct conf *a, const struct conf *b)
{
	const struct cfg_opt *t;
	size_t n;
	char diff[1024];

	t = conf_table(&n);
	/* cfg_diff_static only reports static options: compare with every reload flag cleared */
	for (size_t i = 0; i < n; i++) {
		struct cfg_opt one = t[i];

		one.reload = false;
		cfg_diff_static(&one, 1, a, b, diff, sizeof(diff));
		if (diff[0] != '\0') {
			fail_msg("option %s differs", t[i].name);
		}
	}
}

static void
test_conf_sample_parses_to_defaults(void **state)
{
	struct conf defaults;
	struct conf fromfile;
	struct errs e;
	char *text = NULL;
	size_t len = 0;
	size_t n;

	(void)state;
	sample_text(&text, &len);
	assert_true(len > 0);
	/* every option is in the sample */
	for (const struct cfg_opt *t = conf_table(&n); n > 0; t++, n--) {
		if (strstr(text, t->name) == NULL) {
			fail_msg("option %s missing from the sample", t->name);
		}
	}
	assert_int_equal(conf_load(&defaults, NULL, NULL, NULL), IDR_OK);
	assert_int_equal(load_text(text, &fromfile, &e), IDR_OK);
	assert_int_equal(e.n, 0);
	assert_conf_equal(&defaults, &fromfile);
	/* the comparison can fail: a changed option is noticed */
	fromfile.udp_batch++;
	{
		struct cfg_opt one;
		const struct cfg_opt *t = conf_table(&n);
		char diff[128];

		for (size_t i = 0; i < n; i++) {
			if (strcmp(t[i].name, "udp_batch") == 0) {
				one = t[i];
			}
		}
		cfg_diff_static(&one, 1, &defaults, &fromfile, diff, sizeof(diff));
		assert_string_equal(diff, "udp_batch");
	}
	conf_free(&defaults);
	conf_free(&fromfile);
	free(text);
}

/* deploy/idrd.conf.sample is exactly what `idrd --sample-config` prints. */
static void
test_conf_committed_sample(void **state)
{
	char path[4096];
	const char *src = getenv("IDR_SRC");
	char *text = NULL;
	char *file;
	size_t len = 0;
	long flen;
	FILE *f;

	(void)state;
	if (src != NULL) {
		snprintf(path, sizeof(path), "%s/deploy/idrd.conf.sample", src);
	} else {
		/* __FILE__ is .../tests/unit/test_conf.c */
		snprintf(path, sizeof(path), "%s", __FILE__);
		*strstr(path, "tests/unit/test_conf.c") = '\0';
		strncat(path, "deploy/idrd.conf.sample", sizeof(path) - strlen(path) - 1);
	}
	sample_text(&text, &len);
	f = fopen(path, "rb");
	if (f == NULL) {
		fail_msg("%s: cannot open", path);
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	flen = ftell(f);
	rewind(f);
	file = malloc((size_t)flen + 1);
	assert_non_null(file);
	assert_int_equal(fread(file, 1, (size_t)flen, f), (size_t)flen);
	fclose(f);
	if ((size_t)flen != len || memcmp(file, text, len) != 0) {
		fail_msg("%s differs from `idrd --sample-config`; regenerate it", path);
	}
	free(file);
	free(text);
}

static void
test_conf_cross_checks(void **state)
{
	struct conf c;
	struct errs e;

	(void)state;
	assert_int_equal(load_text("https_listen 127.0.0.1:0\n", &c, &e), IDR_ECONFIG);
	assert_true(has_msg(&e, "https_listen needs tls_cert and tls_key"));
	assert_int_equal(load_text("https_listen 127.0.0.1:0\ntls_cert /c.pem\n", &c, &e),
	                 IDR_ECONFIG);
	assert_true(has_msg(&e, "https_listen needs tls_cert and tls_key"));
	assert_int_equal(
	        load_text("https_listen 127.0.0.1:0\ntls_cert /c.pem\ntls_key /k.pem\n", &c, &e),
	        IDR_OK);
	assert_int_equal(c.https_listen.n, 1);
	conf_free(&c);
	assert_int_equal(load_text("data_dir \"\"\n", &c, &e), IDR_ECONFIG);
	assert_true(has_msg(&e, "data_dir must not be empty"));
	assert_int_equal(load_text("udp_listen none\ntcp_listen none\nhttp_listen none\n", &c, &e),
	                 IDR_ECONFIG);
	assert_true(has_msg(&e, "no listener"));
	assert_int_equal(load_text("udp_listen none\ntcp_listen none\n", &c, &e), IDR_OK);
	assert_int_equal(c.udp_listen.n + c.tcp_listen.n, 0);
	assert_int_equal(c.http_listen.n, 1);
	conf_free(&c);
	assert_int_equal(load_text("log_target file\n", &c, &e), IDR_ECONFIG);
	assert_true(has_msg(&e, "log_target file needs log_file"));
	assert_int_equal(load_text("log_target file\nlog_file /tmp/x.log\n", &c, &e), IDR_OK);
	conf_free(&c);
	/* errors of the table carry their line, and every error is reported */
	assert_int_equal(load_text("# idrd\nworkers 257\nudp_batch 0\nmax_request_size 511\n"
	                           "log_level loud\nbogus 1\n",
	                           &c, &e),
	                 IDR_ECONFIG);
	assert_int_equal(e.n, 5);
	assert_int_equal(e.line[0], 2);
	assert_int_equal(e.line[1], 3);
	assert_int_equal(e.line[2], 4);
	assert_int_equal(e.line[3], 5);
	assert_int_equal(e.line[4], 6);
	assert_true(has_msg(&e, "bogus"));
}

static const struct {
	const char *text;
	const char *msg; /* NULL: accepted */
} listener_cases[] = {
        {"udp_listen 1.2.3.4\n", "udp_listen \"1.2.3.4\": missing :port"},
        {"tcp_listen 1.2.3.4:70000\n", "tcp_listen \"1.2.3.4:70000\": port out of range"},
        {"http_listen example.org:80\n", "http_listen \"example.org:80\": not an IP"},
        {"https_listen ::1:443\ntls_cert c\ntls_key k\n", "https_listen \"::1:443\""},
        {"udp_listen 127.0.0.1:5\nudp_listen 127.0.0.1:5\n", "already listed"},
        {"udp_listen 127.0.0.1:0\nudp_listen 127.0.0.1:0\n", "already listed"},
        {"tcp_listen 127.0.0.1:8000\n", "http_listen \"127.0.0.1:8000\": address already"},
        {"http_listen 127.0.0.1:9\nhttps_listen 127.0.0.1:9\ntls_cert c\ntls_key k\n",
         "https_listen \"127.0.0.1:9\": address already listed"},
        {"tcp_listen [::1]:9\nhttp_listen [::1]:9\n", "already listed"},
        /* accepted: UDP and TCP share port numbers, port 0 never clashes across kinds */
        {"udp_listen 127.0.0.1:9\ntcp_listen 127.0.0.1:9\n", NULL},
        {"tcp_listen 127.0.0.1:0\nhttp_listen 127.0.0.1:0\n", NULL},
        {"tcp_listen 127.0.0.1:9\nhttp_listen 127.0.0.2:9\n", NULL},
        {"tcp_listen 127.0.0.1:9\ntcp_listen [::1]:9\n", NULL},
        {"udp_listen *:2641\nudp_listen [::]:2641\n", NULL},
};

static void
check_listener_case(size_t i)
{
	struct conf c;
	struct errs e;
	int rc = load_text(listener_cases[i].text, &c, &e);

	if (listener_cases[i].msg == NULL) {
		if (rc != IDR_OK) {
			fail_msg("case %zu rejected: %s", i, e.msg[0]);
		}
		conf_free(&c);
		return;
	}
	assert_int_equal(rc, IDR_ECONFIG);
	if (!has_msg(&e, listener_cases[i].msg)) {
		fail_msg("case %zu: no message with \"%s\" (first: %s)", i, listener_cases[i].msg,
		         e.n > 0 ? e.msg[0] : "none");
	}
	assert_int_equal(e.line[0], 0); /* listener problems name the file */
}

static void
test_conf_listener_checks(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(listener_cases) / sizeof(listener_cases[0]); i++) {
		check_listener_case(i);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_conf_defaults),
	        cmocka_unit_test(test_conf_sample_parses_to_defaults),
	        cmocka_unit_test(test_conf_committed_sample),
	        cmocka_unit_test(test_conf_cross_checks),
	        cmocka_unit_test(test_conf_listener_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
