/*
 * test_conf.c - idrd's option table: defaults, cross-checks, listener checks, the sample file,
 * and srv_conf_load (what `idrd -n`, start-up and reload run): every problem in one pass, each
 * with its line. The tests run in a temporary directory holding an initialised ./idr-data, the
 * default data_dir.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf.h"
#include "daemon/srv.h"
#include "reg.h"

#define ERRS_MAX 32

struct errs {
	unsigned n;
	unsigned line[ERRS_MAX];
	char msg[ERRS_MAX][300];
};

static char tmpdir[64];
static char olddir[4096];

static void
collect(void *arg, const char *file, unsigned line, const char *msg)
{
	struct errs *e = arg;

	(void)file;
	if (e->n < ERRS_MAX) {
		e->line[e->n] = line;
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	}
	e->n++;
}

static bool
has_msg(const struct errs *e, const char *needle)
{
	for (unsigned i = 0; i < e->n && i < ERRS_MAX; i++) {
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

/* srv_conf_load over a configuration text, as `idrd -n` does. */
static int
load_text(const char *text, struct conf *c, struct errs *e)
{
	char path[64];
	int rc;

	memset(e, 0, sizeof(*e));
	write_tmp(path, text);
	rc = srv_conf_load(c, path, collect, e);
	unlink(path);
	return rc;
}

/* An initialised registry in dir. */
static void
make_registry(const char *dir)
{
	struct reg_opts o = {.data_dir = dir, .map_size = 1u << 20};
	struct reg *r;

	assert_int_equal(reg_init(&r, &o, "88.118", "test"), IDR_OK);
	reg_close(r);
}

/* Remove path: a file, or a directory of files (depth 1 is all these tests make). */
static void
rm_entry(const char *path)
{
	char sub[4096];
	struct dirent *de;
	DIR *d = opendir(path);

	if (d == NULL) {
		(void)unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) < (int)sizeof(sub)) {
			(void)unlink(sub);
		}
	}
	closedir(d);
	(void)rmdir(path);
}

/* Remove the test directory and what the tests made in it. */
static void
rm_tree(const char *path)
{
	char sub[4096];
	struct dirent *de;
	DIR *d = opendir(path);

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) < (int)sizeof(sub)) {
			rm_entry(sub);
		}
	}
	if (d != NULL) {
		closedir(d);
	}
	(void)rmdir(path);
}

/* Work in a fresh directory whose ./idr-data (the default data_dir) is initialised. */
static int
group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_conf.XXXXXX");
	if (getcwd(olddir, sizeof(olddir)) == NULL || mkdtemp(tmpdir) == NULL ||
	    chdir(tmpdir) != 0) {
		return -1;
	}
	make_registry("idr-data");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (chdir(olddir) != 0) {
		return -1;
	}
	rm_tree(tmpdir);
	return 0;
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
	unsigned line;   /* where the problem is reported */
	const char *msg; /* NULL: accepted */
} listener_cases[] = {
        {"udp_listen 1.2.3.4\n", 1, "udp_listen \"1.2.3.4\": missing :port"},
        {"tcp_listen 1.2.3.4:70000\n", 1, "tcp_listen \"1.2.3.4:70000\": port out of range"},
        {"http_listen example.org:80\n", 1, "http_listen \"example.org:80\": not an IP"},
        {"https_listen ::1:443\ntls_cert c\ntls_key k\n", 1, "https_listen \"::1:443\""},
        {"udp_listen 127.0.0.1:5\nudp_listen 127.0.0.1:5\n", 2,
         "already listed (udp_listen, line 1)"},
        {"udp_listen 127.0.0.1:0\nudp_listen 127.0.0.1:0\n", 2, "already listed"},
        /* the default http_listen clashes: reported at the line that caused it */
        {"# x\ntcp_listen 127.0.0.1:8000\n", 2,
         "http_listen \"127.0.0.1:8000\": address already listed (tcp_listen, line 2)"},
        {"http_listen 127.0.0.1:9\nhttps_listen 127.0.0.1:9\ntls_cert c\ntls_key k\n", 2,
         "https_listen \"127.0.0.1:9\": address already listed (http_listen, line 1)"},
        {"tcp_listen [::1]:9\n\nhttp_listen [::1]:9\n", 3, "already listed"},
        {"http_listen 127.0.0.1:2641\n", 1,
         "http_listen \"127.0.0.1:2641\": address already listed (tcp_listen, default)"},
        /* accepted: UDP and TCP share port numbers, port 0 never clashes across kinds */
        {"udp_listen 127.0.0.1:9\ntcp_listen 127.0.0.1:9\n", 0, NULL},
        {"tcp_listen 127.0.0.1:0\nhttp_listen 127.0.0.1:0\n", 0, NULL},
        {"tcp_listen 127.0.0.1:9\nhttp_listen 127.0.0.2:9\n", 0, NULL},
        {"tcp_listen 127.0.0.1:9\ntcp_listen [::1]:9\n", 0, NULL},
        {"udp_listen *:2641\nudp_listen [::]:2641\n", 0, NULL},
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
	if (e.n != 1 || strstr(e.msg[0], listener_cases[i].msg) == NULL) {
		fail_msg("case %zu: %u messages, not one with \"%s\" (first: %s)", i, e.n,
		         listener_cases[i].msg, e.n > 0 ? e.msg[0] : "none");
	}
	if (e.line[0] != listener_cases[i].line) {
		fail_msg("case %zu: reported at line %u, not %u", i, e.line[0],
		         listener_cases[i].line);
	}
}

static void
test_conf_listener_checks(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(listener_cases) / sizeof(listener_cases[0]); i++) {
		check_listener_case(i);
	}
}

/*
 * One file with many distinct mistakes: the option table, the cross-checks, the listeners
 * and the host (data_dir, user) all report in the same pass, each at its own line.
 */
static void
test_conf_every_error_with_line(void **state)
{
	static const char text[] = "# every option below is wrong\n"            /* 1 */
	                           "data_dir /nonexistent/idr-test-data\n"      /* 2 */
	                           "workers 999\n"                              /* 3 */
	                           "log_level loud\n"                           /* 4 */
	                           "udp_listen 127.0.0.1\n"                     /* 5 */
	                           "tcp_listen 127.0.0.1:70000\n"               /* 6 */
	                           "http_listen 127.0.0.1:8080\n"               /* 7 */
	                           "http_listen 127.0.0.1:8080\n"               /* 8 */
	                           "nonsense yes\n"                             /* 9 */
	                           "user no-such-user-idr\n"                    /* 10 */
	                           "https_listen 127.0.0.1:0\n"                 /* 11 */
	                           "\n"                                         /* 12 */
	                           "log_target file\n"                          /* 13 */
	                           "max_request_size 100\n"                     /* 14 */
	                           "tcp_listen example.org:80\n"                /* 15 */
	                           "site_primary maybe\n"                       /* 16 */
	                           "workers 2\n"                                /* 17 */
	                           "pid_file /nonexistent/idr-test/idrd.pid\n"; /* 18 */
	static const struct {
		unsigned line;
		const char *msg;
	} want[] = {
	        {2, "data_dir /nonexistent/idr-test-data: data directory is not initialised"},
	        {3, "workers: 999 is out of range 0..256"},
	        {4, "log_level: expected one of"},
	        {5, "udp_listen \"127.0.0.1\": missing :port"},
	        {6, "tcp_listen \"127.0.0.1:70000\": port out of range"},
	        {8, "http_listen \"127.0.0.1:8080\": address already listed (http_listen, line 7)"},
	        {9, "unknown option \"nonsense\""},
	        {10, "user no-such-user-idr: no such user"},
	        {11, "https_listen needs tls_cert and tls_key"},
	        {13, "log_target file needs log_file"},
	        {14, "max_request_size: 100 is out of range"},
	        {15, "tcp_listen \"example.org:80\": not an IP"},
	        {16, "site_primary: expected yes or no"},
	        {17, "workers: given more than once"},
	        {18,
	         "pid_file /nonexistent/idr-test/idrd.pid: /nonexistent/idr-test: No such file"},
	};
	struct conf c;
	struct errs e;

	(void)state;
	assert_int_equal(load_text(text, &c, &e), IDR_ECONFIG);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bool found = false;

		for (unsigned j = 0; j < e.n && j < ERRS_MAX && !found; j++) {
			found = e.line[j] == want[i].line && strstr(e.msg[j], want[i].msg) != NULL;
		}
		if (!found) {
			fail_msg("no error at line %u with \"%s\"", want[i].line, want[i].msg);
		}
	}
	assert_int_equal(e.n, sizeof(want) / sizeof(want[0]));
}

/* data_dir is opened as the daemon opens it; a check creates nothing (no lock file). */
static void
test_conf_data_dir(void **state)
{
	char text[256];
	struct conf c;
	struct errs e;
	struct stat st;

	(void)state;
	assert_int_equal(mkdir("empty", 0700), 0);
	assert_int_equal(load_text("data_dir empty\n", &c, &e), IDR_ECONFIG);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.line[0], 1);
	assert_string_equal(e.msg[0], "data_dir empty: data directory is not initialised (run "
	                              "'idr init')");
	/* a registry restored without its lock file: the check must not create one as root */
	make_registry("restored");
	assert_int_equal(unlink("restored/lock.mdb"), 0);
	snprintf(text, sizeof(text), "# ok\ndata_dir restored\nuser %s\n", "root");
	assert_int_equal(load_text(text, &c, &e), IDR_OK);
	assert_int_equal(e.n, 0);
	assert_string_equal(c.data_dir, "restored");
	assert_int_equal(conf_line(&c, &c.data_dir), 2);
	assert_int_equal(conf_line(&c, &c.user), 3);
	assert_int_equal(conf_line(&c, &c.workers), 0);
	conf_free(&c);
	assert_int_equal(stat("restored/lock.mdb", &st), -1);
}

/* The pid file is written and removed by the user idrd runs as: its directory must allow it. */
static void
test_conf_pid_file(void **state)
{
	struct conf c;
	struct errs e;

	(void)state;
	assert_int_equal(load_text("pid_file idrd.pid\n", &c, &e), IDR_OK);
	conf_free(&c);
	assert_int_equal(load_text("pid_file idr-data/data.mdb/idrd.pid\n", &c, &e), IDR_ECONFIG);
	assert_true(has_msg(&e, "pid_file idr-data/data.mdb/idrd.pid: idr-data/data.mdb: Not a "
	                        "directory"));
	assert_int_equal(mkdir("private", 0755), 0);
	assert_int_equal(mkdir("shared", 0700), 0);
	assert_int_equal(chmod("shared", 01777), 0);
	if (geteuid() != 0) {
		/* not root: idrd runs as the caller, who may not write to a read-only directory */
		assert_int_equal(chmod("private", 0555), 0);
		assert_int_equal(load_text("\npid_file private/idrd.pid\n", &c, &e), IDR_ECONFIG);
		assert_int_equal(e.line[0], 2);
		assert_true(has_msg(&e, "directory private is not writable by idrd"));
		assert_int_equal(chmod("private", 0755), 0);
		return;
	}
	if (getpwnam("nobody") == NULL) {
		skip();
	}
	/* root with user: the directory must suit that user, root's own rights do not count */
	assert_int_equal(load_text("user nobody\npid_file private/idrd.pid\n", &c, &e),
	                 IDR_ECONFIG);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.line[0], 2);
	assert_string_equal(e.msg[0], "pid_file private/idrd.pid: directory private is not "
	                              "writable by user nobody (idrd writes and removes the pid "
	                              "file after dropping privileges)");
	assert_int_equal(load_text("user nobody\npid_file shared/idrd.pid\n", &c, &e), IDR_OK);
	conf_free(&c);
}

/* A file that cannot be read is one error, reported once. */
static void
test_conf_missing_file(void **state)
{
	struct conf c;
	struct errs e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(srv_conf_load(&c, "no-such.conf", collect, &e), IDR_ENOENT);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.line[0], 0);
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
	        cmocka_unit_test(test_conf_every_error_with_line),
	        cmocka_unit_test(test_conf_data_dir),
	        cmocka_unit_test(test_conf_pid_file),
	        cmocka_unit_test(test_conf_missing_file),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
