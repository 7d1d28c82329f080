/*
 * test_scenarios.c - request bytes in, expected reply bytes out, through rsv_handle with an
 * in-memory registry and no sockets (Unbound testbound style). Every file in
 * $IDR_TEST_DATA/scenarios/NAME.txt is one test. File format:
 *
 *   # comment                          '#' starts a comment anywhere on a line
 *   node 88.100                        node prefix (default 88.100); before anything else
 *   prefix 88.100.1 [STATE]            hosted prefix, state enabled unless given (name or 0..5)
 *   record 88.100.1/abc [KIND]         a record (kind none unless given); its values follow
 *   value INDEX TYPE [ts=N] [ttl=N] [abs] [perms=HEX] text:DATA | hex:HEX | empty
 *   conf KEY VALUE                     an idrd option (defaults otherwise)
 *   now N                              unix seconds passed to rsv_handle (default 0x5f5e1000-43200)
 *   proto udp|tcp|http                 transport of the following requests (default udp)
 *   request HEX...                     request unit; hex may continue on the following lines
 *   reply [drop|close] [HEX...]        expected action and bytes (no keyword: RSV_REPLY)
 *
 * Numbers are decimal or 0x-hex. Values default to timestamp 0x60000000, relative TTL 86400,
 * permissions 0x0e and no references; records are created with REG_KEEP_TIMESTAMPS so answers
 * are reproducible. The registry gives a record without an HS_ADMIN value one stamped with the
 * current time: scenarios give every record its own HS_ADMIN value (perms=0c keeps it out of
 * answers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/num.h"
#include "core/conf.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "reg.h"

#define SCEN_MAX_FILES  256
#define SCEN_MAX_VALUES 64
#define SCEN_FILE_MAX   (1u << 20)
#define SCEN_CONF_MAX   8192
#define SCEN_NOW        (0x5f5e1000u - 43200u)

enum block { BLOCK_NONE, BLOCK_REQUEST, BLOCK_REPLY };

struct scen {
	const char *path;
	unsigned line;
	/* registry setup */
	char node[64];
	struct reg *reg;
	struct reg_wtxn *wtx;
	char rec_id[512];
	enum rec_kind rec_kind;
	bool rec_open;
	struct value values[SCEN_MAX_VALUES];
	uint8_t *vdata[SCEN_MAX_VALUES];
	size_t nvalues;
	char confbuf[SCEN_CONF_MAX];
	size_t conflen;
	/* dispatcher */
	struct conf conf;
	bool conf_loaded;
	struct metrics *m;
	struct rsv *rsv;
	struct rsv_worker *w;
	uint32_t now;
	enum rsv_proto proto;
	/* the pair being read */
	enum block block;
	struct wbuf req, rep;
	bool have_req, have_rep;
	enum rsv_action expect;
	unsigned pairs;
};

static void scen_fail(const struct scen *s, const char *fmt, ...) IDR_PRINTF(2, 3)
        __attribute__((noreturn));

static void
scen_fail(const struct scen *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("%s:%u: %s", s->path, s->line, msg);
	abort(); /* not reached: fail_msg jumps back into cmocka */
}

static void
check(const struct scen *s, int rc, const char *what)
{
	if (rc != IDR_OK) {
		scen_fail(s, "%s: %s", what, idr_strerror(rc));
	}
}

/* ---------------------------------------------------------------- registry setup */

static void
ensure_reg(struct scen *s)
{
	struct reg_opts o;

	if (s->reg != NULL) {
		return;
	}
	memset(&o, 0, sizeof(o));
	o.memory = true;
	check(s, reg_init(&s->reg, &o, s->node[0] != '\0' ? s->node : "88.100", "scenario"),
	      "reg_init");
	check(s, reg_write_begin(s->reg, REG_IDENTITY_LOCAL, &s->wtx), "reg_write_begin");
}

static void
record_flush(struct scen *s)
{
	size_t i;

	if (!s->rec_open) {
		return;
	}
	check(s,
	      reg_create(s->wtx, slice_cstr(s->rec_id), s->rec_kind, s->values, s->nvalues,
	                 REG_KEEP_TIMESTAMPS, NULL),
	      "record");
	for (i = 0; i < s->nvalues; i++) {
		free(s->vdata[i]);
		s->vdata[i] = NULL;
	}
	s->nvalues = 0;
	s->rec_open = false;
}

static void
do_prefix(struct scen *s, char **tok, size_t n)
{
	int state = PFX_ENABLED;

	if (n < 2 || n > 3 || (n == 3 && pfx_state_parse(tok[2], &state) != IDR_OK)) {
		scen_fail(s, "usage: prefix NAME [STATE]");
	}
	ensure_reg(s);
	record_flush(s);
	check(s, reg_prefix_add(s->wtx, slice_cstr(tok[1]), SLICE_LIT("scenario"), state, NULL),
	      "prefix");
}

static void
do_record(struct scen *s, char **tok, size_t n)
{
	if (n < 2 || n > 3 || strlen(tok[1]) >= sizeof(s->rec_id)) {
		scen_fail(s, "usage: record ID [KIND]");
	}
	ensure_reg(s);
	record_flush(s);
	s->rec_kind = REC_KIND_NONE;
	if (n == 3 && rec_kind_parse(slice_cstr(tok[2]), &s->rec_kind) != IDR_OK) {
		scen_fail(s, "unknown kind %s", tok[2]);
	}
	snprintf(s->rec_id, sizeof(s->rec_id), "%s", tok[1]);
	s->rec_open = true;
}

static uint64_t
number(const struct scen *s, const char *text, uint64_t max)
{
	uint64_t v = 0;
	size_t i;

	if (strncmp(text, "0x", 2) == 0) {
		for (i = 2; text[i] != '\0'; i++) {
			char pair[2] = {'0', text[i]};
			uint8_t b = 0;

			if (i > 17 || crypto_unhex(pair, 2, &b, 1) != IDR_OK) {
				scen_fail(s, "bad number %s", text);
			}
			v = v * 16 + b;
		}
	} else if (num_parse_u64(text, 0, max, &v) != IDR_OK) {
		scen_fail(s, "bad number %s", text);
	}
	if (v > max) {
		scen_fail(s, "number %s over %llu", text, (unsigned long long)max);
	}
	return v;
}

/* Append the hex digits of text (blanks ignored) to w. */
static void
hex_append(const struct scen *s, const char *text, struct wbuf *w)
{
	char pair[2];
	size_t n = 0;
	uint8_t b;

	for (; *text != '\0'; text++) {
		if (*text == ' ' || *text == '\t') {
			continue;
		}
		pair[n++] = *text;
		if (n == 2) {
			if (crypto_unhex(pair, 2, &b, 1) != IDR_OK) {
				scen_fail(s, "bad hex near '%c%c'", pair[0], pair[1]);
			}
			wbuf_u8(w, b);
			n = 0;
		}
	}
	if (n != 0) {
		scen_fail(s, "odd number of hex digits");
	}
}

static void
value_option(struct scen *s, struct value *v, const char *t)
{
	if (strncmp(t, "ts=", 3) == 0) {
		v->timestamp = (uint32_t)number(s, t + 3, UINT32_MAX);
	} else if (strncmp(t, "ttl=", 4) == 0) {
		v->ttl = (int32_t)number(s, t + 4, INT32_MAX);
	} else if (strcmp(t, "abs") == 0) {
		v->ttl_type = VALUE_TTL_ABSOLUTE;
	} else if (strncmp(t, "perms=", 6) == 0) {
		struct wbuf w;
		uint8_t p = 0;

		wbuf_init(&w, &p, 1);
		hex_append(s, t + 6, &w);
		v->perms = p;
	} else {
		scen_fail(s, "unknown value option %s", t);
	}
}

/* value INDEX TYPE [options] DATA: data is the rest of the line after "text:" / "hex:". */
static void
do_value(struct scen *s, char *line)
{
	struct value *v = &s->values[s->nvalues];
	char *tok[16], *data = NULL, *save = NULL, *t;
	struct wbuf w;
	size_t n = 0, i;

	if (!s->rec_open || s->nvalues == SCEN_MAX_VALUES) {
		scen_fail(s, "value outside a record, or too many values");
	}
	data = strstr(line, "text:");
	data = data != NULL ? data : strstr(line, "hex:");
	if (data != NULL) {
		data[-1] = '\0'; /* separates the options from the data */
	}
	for (t = strtok_r(line, " \t", &save); t != NULL && n < 16;
	     t = strtok_r(NULL, " \t", &save)) {
		tok[n++] = t;
	}
	if (n < 3 || (data == NULL && strcmp(tok[n - 1], "empty") != 0)) {
		scen_fail(s, "usage: value INDEX TYPE [options] text:DATA|hex:HEX|empty");
	}
	memset(v, 0, sizeof(*v));
	v->index = (uint32_t)number(s, tok[1], UINT32_MAX);
	v->type = slice_cstr(tok[2]);
	v->timestamp = 0x60000000;
	v->ttl = VALUE_DEFAULT_TTL;
	v->perms = VALUE_PERM_DEFAULT;
	for (i = 3; i < n - (data == NULL); i++) {
		value_option(s, v, tok[i]);
	}
	wbuf_init_heap(&w, VALUE_MAX_ARRAY);
	if (data != NULL && strncmp(data, "text:", 5) == 0) {
		wbuf_cstr(&w, data + 5);
	} else if (data != NULL) {
		hex_append(s, data + 4, &w);
	}
	s->vdata[s->nvalues] = wbuf_steal(&w, &v->data.len);
	v->data.p = s->vdata[s->nvalues];
	s->nvalues++;
}

/* ---------------------------------------------------------------- dispatcher */

static void
conf_err(void *arg, const char *file, unsigned line, const char *msg)
{
	const struct scen *s = arg;

	print_error("%s: conf line %u: %s\n", s->path, line, msg);
	(void)file;
}

static void
do_conf(struct scen *s, const char *line)
{
	const char *rest = line + strlen("conf");
	size_t len;

	rest += strspn(rest, " \t");
	len = strlen(rest);
	if (s->rsv != NULL || len == 0 || s->conflen + len + 2 > sizeof(s->confbuf)) {
		scen_fail(s, "conf KEY VALUE, before the first request");
	}
	memcpy(s->confbuf + s->conflen, rest, len);
	s->conflen += len;
	s->confbuf[s->conflen++] = '\n';
}

/* Commit the registry and build the dispatcher before the first request. */
static void
ensure_rsv(struct scen *s)
{
	const struct cfg_opt *t;
	size_t n;

	if (s->rsv != NULL) {
		return;
	}
	ensure_reg(s);
	record_flush(s);
	check(s, reg_write_commit(s->wtx), "commit");
	s->wtx = NULL;
	check(s, conf_load(&s->conf, NULL, NULL, NULL), "conf defaults");
	s->conf_loaded = true;
	t = conf_table(&n);
	check(s, cfg_parse_buf(t, n, s->path, s->confbuf, s->conflen, &s->conf, conf_err, s),
	      "conf");
	check(s, metrics_new(&s->m, 1, NULL, 0), "metrics");
	check(s, rsv_new(&s->rsv, s->reg, &s->conf, NULL, s->m), "rsv_new");
	check(s, rsv_worker_new(s->rsv, 0, NULL, &s->w), "rsv_worker_new");
}

/* Hex dump, 16 bytes a line; lines differing from other are marked with '!'. */
static void
dump(const char *title, struct slice a, struct slice other)
{
	size_t off, i, end;
	bool same;

	print_error("%s (%zu bytes):\n", title, a.len);
	for (off = 0; off < a.len; off += 16) {
		end = off + 16 < a.len ? off + 16 : a.len;
		same = end <= other.len && memcmp(a.p + off, other.p + off, end - off) == 0;

		print_error("%c %05zx ", same ? ' ' : '!', off);
		for (i = off; i < end; i++) {
			print_error("%02x", a.p[i]);
		}
		print_error("\n");
	}
}

static const char *
action_name(enum rsv_action a)
{
	return a == RSV_REPLY ? "reply" : a == RSV_DROP ? "drop" : "close";
}

static void
run_pair(struct scen *s)
{
	struct wbuf out;
	enum rsv_action got;
	struct slice want;

	ensure_rsv(s);
	wbuf_init_heap(&out, HDL_MAX_UNIT_LEN);
	got = rsv_handle(s->w, &(struct rsv_ctx){s->proto, NULL, NULL, 0}, wbuf_data(&s->req),
	                 wbuf_len(&s->req), s->now, &out);
	want = wbuf_slice(&s->rep);
	if (got != s->expect || !slice_eq(wbuf_slice(&out), want)) {
		dump("expected", want, wbuf_slice(&out));
		dump("got", wbuf_slice(&out), want);
		wbuf_deinit(&out);
		scen_fail(s, "reply to request %u differs: expected %s, got %s", s->pairs + 1,
		          action_name(s->expect), action_name(got));
	}
	wbuf_deinit(&out);
	s->pairs++;
}

/* A request/reply pair is complete when a new keyword (or the end) follows its reply. */
static void
pair_flush(struct scen *s)
{
	if (s->have_req && s->have_rep) {
		run_pair(s);
		wbuf_reset(&s->req);
		wbuf_reset(&s->rep);
		s->have_req = s->have_rep = false;
	} else if (s->have_req) {
		scen_fail(s, "request without reply");
	}
	s->block = BLOCK_NONE;
}

static void
do_reply(struct scen *s, char **tok, size_t n)
{
	size_t i = 1;

	if (!s->have_req || s->have_rep) {
		scen_fail(s, "reply without request");
	}
	s->expect = RSV_REPLY;
	if (n > 1 && strcmp(tok[1], "drop") == 0) {
		s->expect = RSV_DROP;
		i++;
	} else if (n > 1 && strcmp(tok[1], "close") == 0) {
		s->expect = RSV_CLOSE;
		i++;
	}
	for (; i < n; i++) {
		hex_append(s, tok[i], &s->rep);
	}
	s->have_rep = true;
	s->block = BLOCK_REPLY;
}

static void
do_request(struct scen *s, char **tok, size_t n)
{
	size_t i;

	pair_flush(s);
	for (i = 1; i < n; i++) {
		hex_append(s, tok[i], &s->req);
	}
	s->have_req = true;
	s->block = BLOCK_REQUEST;
}

static bool
is_hex_line(const char *line)
{
	return line[strspn(line, "0123456789abcdefABCDEF \t")] == '\0';
}

static void
do_setting(struct scen *s, char **tok, size_t n)
{
	if (strcmp(tok[0], "now") == 0 && n == 2) {
		s->now = (uint32_t)number(s, tok[1], UINT32_MAX);
	} else if (strcmp(tok[0], "proto") == 0 && n == 2) {
		if (strcmp(tok[1], "udp") == 0) {
			s->proto = RSV_PROTO_UDP;
		} else if (strcmp(tok[1], "tcp") == 0) {
			s->proto = RSV_PROTO_TCP;
		} else if (strcmp(tok[1], "http") == 0) {
			s->proto = RSV_PROTO_HTTP;
		} else {
			scen_fail(s, "proto udp|tcp|http");
		}
	} else if (strcmp(tok[0], "node") == 0 && n == 2 && s->reg == NULL &&
	           strlen(tok[1]) < sizeof(s->node)) {
		snprintf(s->node, sizeof(s->node), "%s", tok[1]);
	} else {
		scen_fail(s, "unknown or misplaced line '%s'", tok[0]);
	}
}

static void
do_line(struct scen *s, char *line)
{
	char *tok[64], *save = NULL, *t, copy[CFG_LINE_MAX];
	size_t n = 0;

	if (s->block != BLOCK_NONE && is_hex_line(line)) {
		hex_append(s, line, s->block == BLOCK_REQUEST ? &s->req : &s->rep);
		return;
	}
	snprintf(copy, sizeof(copy), "%s", line);
	for (t = strtok_r(copy, " \t", &save); t != NULL && n < 64;
	     t = strtok_r(NULL, " \t", &save)) {
		tok[n++] = t;
	}
	if (n == 0) {
		return;
	}
	if (strcmp(tok[0], "request") == 0) {
		do_request(s, tok, n);
		return;
	}
	if (strcmp(tok[0], "reply") == 0) {
		do_reply(s, tok, n);
		return;
	}
	pair_flush(s);
	if (s->rsv != NULL && strcmp(tok[0], "now") != 0 && strcmp(tok[0], "proto") != 0) {
		scen_fail(s, "registry and configuration lines must precede the first request");
	}
	if (strcmp(tok[0], "prefix") == 0) {
		do_prefix(s, tok, n);
	} else if (strcmp(tok[0], "record") == 0) {
		do_record(s, tok, n);
	} else if (strcmp(tok[0], "value") == 0) {
		do_value(s, line); /* data is taken from the line itself, blanks included */
	} else if (strcmp(tok[0], "conf") == 0) {
		do_conf(s, line);
	} else {
		do_setting(s, tok, n);
	}
}

/* ---------------------------------------------------------------- files */

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (f == NULL) {
		return NULL;
	}
	buf = malloc(SCEN_FILE_MAX + 1);
	if (buf != NULL) {
		*len = fread(buf, 1, SCEN_FILE_MAX, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

static void
scen_free(struct scen *s)
{
	size_t i;

	for (i = 0; i < s->nvalues; i++) {
		free(s->vdata[i]);
	}
	rsv_worker_free(s->w);
	rsv_free(s->rsv);
	metrics_free(s->m);
	reg_write_abort(s->wtx);
	reg_close(s->reg);
	if (s->conf_loaded) {
		conf_free(&s->conf);
	}
	wbuf_deinit(&s->req);
	wbuf_deinit(&s->rep);
}

static void
test_scenarios_file(void **state)
{
	struct scen *s = calloc(1, sizeof(*s));
	char *buf, *line, *next, *hash;
	size_t len, end;

	assert_non_null(s);
	s->path = *state;
	s->now = SCEN_NOW;
	s->proto = RSV_PROTO_UDP;
	wbuf_init_heap(&s->req, HDL_MAX_UNIT_LEN);
	wbuf_init_heap(&s->rep, HDL_MAX_UNIT_LEN);
	buf = read_file(s->path, &len);
	if (buf == NULL) {
		fail_msg("%s: cannot read", s->path);
	}
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL) {
			*next++ = '\0';
		}
		s->line++;
		hash = strchr(line, '#');
		if (hash != NULL) {
			*hash = '\0';
		}
		end = strlen(line);
		while (end > 0 && strchr(" \t\r", line[end - 1]) != NULL) {
			line[--end] = '\0';
		}
		do_line(s, line);
	}
	pair_flush(s);
	if (s->pairs == 0) {
		scen_fail(s, "no request/reply pair");
	}
	scen_free(s);
	free(s);
	free(buf);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.txt files of dir, sorted, as full paths (caller frees). */
static size_t
list_scenarios(const char *dir, char **paths, size_t cap)
{
	struct dirent *e;
	size_t n = 0, len;
	DIR *d = opendir(dir);

	if (d == NULL) {
		return 0;
	}
	while ((e = readdir(d)) != NULL && n < cap) {
		len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".txt") == 0) {
			size_t size = strlen(dir) + len + 2;

			paths[n] = malloc(size);
			if (paths[n] == NULL) {
				break;
			}
			snprintf(paths[n], size, "%s/%s", dir, e->d_name);
			n++;
		}
	}
	closedir(d);
	qsort(paths, n, sizeof(paths[0]), name_cmp);
	return n;
}

int
main(void)
{
	static char *paths[SCEN_MAX_FILES];
	static struct CMUnitTest tests[SCEN_MAX_FILES];
	const char *data = getenv("IDR_TEST_DATA");
	char dir[4096];
	size_t n, i;
	int rc;

	if (data == NULL) {
		fprintf(stderr, "test_scenarios: IDR_TEST_DATA is not set\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/scenarios", data);
	n = list_scenarios(dir, paths, SCEN_MAX_FILES);
	if (n == 0) {
		fprintf(stderr, "test_scenarios: no scenario in %s\n", dir);
		return 1;
	}
	for (i = 0; i < n; i++) {
		tests[i].name = strrchr(paths[i], '/') + 1;
		tests[i].test_func = test_scenarios_file;
		tests[i].initial_state = paths[i];
	}
	rc = _cmocka_run_group_tests("scenarios", tests, n, NULL, NULL);
	for (i = 0; i < n; i++) {
		free(paths[i]);
	}
	return rc;
}
