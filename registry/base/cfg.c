/* cfg.c - table-driven `key value` configuration files. */
#include "base/cfg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/num.h"
#include "base/text.h"

struct parse_ctx {
	const struct cfg_opt *table;
	size_t n;
	const char *name;
	void *dst;
	cfg_err_fn err;
	void *arg;
	unsigned *lines; /* per option: line where it was set (NULL: not asked for) */
	unsigned nerr;
	unsigned char *seen; /* per option: set on first occurrence */
};

static void report(struct parse_ctx *c, unsigned line, const char *fmt, ...) IDR_PRINTF(3, 4);

static void
report(struct parse_ctx *c, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->nerr++;
	if (c->err != NULL) {
		c->err(c->arg, c->name, line, msg);
	}
}

static void *
field(void *dst, const struct cfg_opt *o)
{
	return (char *)dst + o->offset;
}

static const struct cfg_opt *
find_opt(const struct cfg_opt *table, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0) {
			return &table[i];
		}
	}
	return NULL;
}

static bool
enum_has(const char *choices, const char *v)
{
	size_t len = strlen(v);
	const char *p = choices;

	while (p != NULL && *p != '\0') {
		const char *bar = strchr(p, '|');
		size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);

		if (n == len && memcmp(p, v, n) == 0) {
			return true;
		}
		p = bar != NULL ? bar + 1 : NULL;
	}
	return false;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "on", "true", "1"};
	static const char *const no[] = {"no", "off", "false", "0"};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return IDR_OK;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return IDR_OK;
		}
	}
	return IDR_EINVAL;
}

static int
set_string(char **slot, const char *v)
{
	char *copy = NULL;

	if (*v != '\0') {
		copy = strdup(v);
		if (copy == NULL) {
			return IDR_ENOMEM;
		}
	}
	free(*slot);
	*slot = copy;
	return IDR_OK;
}

/* Assign text v to option o in dst. On error writes a message into msg. */
static int
set_value(const struct cfg_opt *o, void *dst, const char *v, char *msg, size_t cap)
{
	uint64_t u;
	int rc;

	switch (o->type) {
	case CFG_BOOL:
		rc = parse_bool(v, (bool *)field(dst, o));
		if (rc != IDR_OK) {
			snprintf(msg, cap, "%s: expected yes or no, got \"%s\"", o->name, v);
		}
		return rc;
	case CFG_UINT:
	case CFG_SIZE:
		rc = o->type == CFG_UINT ? num_parse_u64(v, o->min, o->max, &u)
		                         : num_parse_size(v, o->min, o->max, &u);
		if (rc == IDR_EINVAL) {
			snprintf(msg, cap, "%s: expected a %s, got \"%s\"", o->name,
			         o->type == CFG_UINT ? "number" : "size (e.g. 64M)", v);
		} else if (rc != IDR_OK) {
			snprintf(msg, cap, "%s: %s is out of range %llu..%llu", o->name, v,
			         (unsigned long long)o->min, (unsigned long long)o->max);
		} else {
			*(uint64_t *)field(dst, o) = u;
		}
		return rc;
	case CFG_ENUM:
		if (!enum_has(o->choices, v)) {
			snprintf(msg, cap, "%s: expected one of %s, got \"%s\"", o->name,
			         o->choices, v);
			return IDR_EINVAL;
		}
		return set_string((char **)field(dst, o), v);
	case CFG_STRING:
		return set_string((char **)field(dst, o), v);
	case CFG_LIST: {
		struct cfg_list *l = field(dst, o);

		if (l->n >= CFG_LIST_MAX) {
			snprintf(msg, cap, "%s: more than %d entries", o->name, CFG_LIST_MAX);
			return IDR_ELIMIT;
		}
		l->v[l->n] = strdup(v);
		if (l->v[l->n] == NULL) {
			return IDR_ENOMEM;
		}
		l->n++;
		return IDR_OK;
	}
	}
	return IDR_EINVAL;
}

static void
list_clear(struct cfg_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i]);
		l->v[i] = NULL;
		l->line[i] = 0;
	}
	l->n = 0;
}

int
cfg_defaults(const struct cfg_opt *table, size_t n, void *dst)
{
	char msg[256], word[CFG_LINE_MAX];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		const struct cfg_opt *o = &table[i];
		const char *def = o->def != NULL ? o->def : "";

		if (o->type == CFG_LIST) {
			const char *p = def;

			list_clear(field(dst, o));
			while (*p != '\0') {
				size_t len = strcspn(p, " ");

				if (len > 0 && len < sizeof(word)) {
					memcpy(word, p, len);
					word[len] = '\0';
					if ((rc = set_value(o, dst, word, msg, sizeof(msg))) !=
					    IDR_OK) {
						return rc;
					}
				}
				p += len;
				p += strspn(p, " ");
			}
			continue;
		}
		if (o->type == CFG_STRING || o->type == CFG_ENUM) {
			*(char **)field(dst, o) = NULL;
		}
		if (*def == '\0' && o->type != CFG_UINT && o->type != CFG_SIZE &&
		    o->type != CFG_BOOL) {
			continue;
		}
		rc = set_value(o, dst, *def != '\0' ? def : "0", msg, sizeof(msg));
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return IDR_OK;
}

/* Split one line into name and value (unquoted in place). 0 = blank/comment, 1 = option. */
static int
split_line(struct parse_ctx *c, unsigned lineno, char *s, char **name, char **value)
{
	char *p = s, *v, *out;

	while (*p == ' ' || *p == '\t') {
		p++;
	}
	if (*p == '\0' || *p == '#') {
		return 0;
	}
	*name = p;
	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '#') {
		p++;
	}
	v = p;
	if (*v != '\0' && *v != '#') {
		*v++ = '\0';
	} else {
		/* name directly followed by a comment or end of line: no value */
		*v = '\0';
		*value = v;
		return 1;
	}
	while (*v == ' ' || *v == '\t') {
		v++;
	}
	*value = v;
	if (*v == '"') {
		out = v;
		for (p = v + 1; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
				p++;
			}
			*out++ = *p;
		}
		if (*p != '"') {
			report(c, lineno, "%s: unterminated quoted value", *name);
			return -1;
		}
		*out = '\0';
		p++;
		while (*p == ' ' || *p == '\t') {
			p++;
		}
		if (*p != '\0' && *p != '#') {
			report(c, lineno, "%s: unexpected text after the quoted value", *name);
			return -1;
		}
		return 1;
	}
	p = v + strcspn(v, "#");
	while (p > v && (p[-1] == ' ' || p[-1] == '\t')) {
		p--;
	}
	*p = '\0';
	return 1;
}

/* Remember where option idx was set and, for a list, where its newest entry came from. */
static void
set_line(struct parse_ctx *c, size_t idx, struct cfg_list *list, unsigned lineno)
{
	if (list != NULL && list->n > 0) {
		list->line[list->n - 1] = lineno;
	}
	if (c->lines != NULL) {
		c->lines[idx] = lineno;
	}
}

static void
parse_line(struct parse_ctx *c, unsigned lineno, char *line)
{
	char msg[512];
	char *name, *value;
	const struct cfg_opt *o;
	size_t idx;
	int rc;

	rc = split_line(c, lineno, line, &name, &value);
	if (rc <= 0) {
		return;
	}
	o = find_opt(c->table, c->n, name, strlen(name));
	if (o == NULL) {
		report(c, lineno, "unknown option \"%s\"", name);
		return;
	}
	if (*value == '\0' && o->type != CFG_STRING) {
		report(c, lineno, "%s: missing value", name);
		return;
	}
	if (!text_is_clean((const uint8_t *)value, strlen(value))) {
		report(c, lineno, "%s: value is not clean UTF-8 text", name);
		return;
	}
	idx = (size_t)(o - c->table);
	if (o->type == CFG_LIST) {
		bool none = strcmp(value, "none") == 0;

		if (c->seen[idx] != 0 && (none || c->seen[idx] == 2)) {
			report(c, lineno, "%s: none cannot be combined with other values", name);
			return;
		}
		if (c->seen[idx] == 0) {
			list_clear(field(c->dst, o)); /* the file replaces the default list */
		}
		c->seen[idx] = none ? 2 : 1;
		if (none) {
			set_line(c, idx, NULL, lineno);
			return; /* an empty list, e.g. no UDP listener */
		}
	} else if (c->seen[idx] != 0) {
		report(c, lineno, "%s: given more than once", name);
		return;
	} else {
		c->seen[idx] = 1;
	}
	msg[0] = '\0';
	rc = set_value(o, c->dst, value, msg, sizeof(msg));
	if (rc != IDR_OK) {
		report(c, lineno, "%s", msg[0] != '\0' ? msg : idr_strerror(rc));
		return;
	}
	set_line(c, idx, o->type == CFG_LIST ? field(c->dst, o) : NULL, lineno);
}

static int
parse_buf(const struct cfg_opt *table, size_t n, const char *name, const char *buf, size_t len,
          void *dst, unsigned *lines, cfg_err_fn err, void *arg)
{
	struct parse_ctx c = {table, n, name, dst, err, arg, lines, 0, NULL};
	char line[CFG_LINE_MAX + 1];
	unsigned lineno = 0;
	size_t off = 0;

	if (len > CFG_FILE_MAX) {
		report(&c, 0, "file is larger than %u bytes", CFG_FILE_MAX);
		return IDR_ECONFIG;
	}
	c.seen = calloc(n > 0 ? n : 1, 1);
	if (c.seen == NULL) {
		return IDR_ENOMEM;
	}
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t l = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;

		lineno++;
		if (l > 0 && buf[off + l - 1] == '\r') {
			l--;
		}
		if (l > CFG_LINE_MAX) {
			report(&c, lineno, "line longer than %d bytes", CFG_LINE_MAX);
		} else if (memchr(buf + off, '\0', l) != NULL) {
			report(&c, lineno, "line contains a NUL byte");
		} else {
			memcpy(line, buf + off, l);
			line[l] = '\0';
			parse_line(&c, lineno, line);
		}
		off += (nl != NULL ? (size_t)(nl - (buf + off)) + 1 : len - off);
	}
	free(c.seen);
	return c.nerr == 0 ? IDR_OK : IDR_ECONFIG;
}

int
cfg_parse_buf(const struct cfg_opt *table, size_t n, const char *name, const char *buf, size_t len,
              void *dst, cfg_err_fn err, void *arg)
{
	return parse_buf(table, n, name, buf, len, dst, NULL, err, arg);
}

int
cfg_parse_file(const struct cfg_opt *table, size_t n, const char *path, void *dst, unsigned *lines,
               cfg_err_fn err, void *arg)
{
	struct stat st;
	char *buf;
	ssize_t r;
	size_t got = 0;
	int fd, rc;

	if (lines != NULL) {
		memset(lines, 0, n * sizeof(*lines));
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (err != NULL) {
			err(arg, path, 0, idr_strerror(rc));
		}
		return rc;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)CFG_FILE_MAX) {
		close(fd);
		if (err != NULL) {
			err(arg, path, 0, "not a regular file of at most 1 MiB");
		}
		return IDR_ECONFIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return IDR_ENOMEM;
	}
	while (got < (size_t)st.st_size &&
	       (r = read(fd, buf + got, (size_t)st.st_size - got)) > 0) {
		got += (size_t)r;
	}
	close(fd);
	rc = parse_buf(table, n, path, buf, got, dst, lines, err, arg);
	free(buf);
	return rc;
}

void
cfg_free_values(const struct cfg_opt *table, size_t n, void *dst)
{
	size_t i;

	if (dst == NULL) {
		return;
	}
	for (i = 0; i < n; i++) {
		const struct cfg_opt *o = &table[i];

		if (o->type == CFG_STRING || o->type == CFG_ENUM) {
			char **s = field(dst, o);

			free(*s);
			*s = NULL;
		} else if (o->type == CFG_LIST) {
			list_clear(field(dst, o));
		}
	}
}

static bool
opt_equal(const struct cfg_opt *o, const void *a, const void *b)
{
	const void *fa = (const char *)a + o->offset, *fb = (const char *)b + o->offset;
	const struct cfg_list *la = fa, *lb = fb;
	const char *sa, *sb;
	size_t i;

	switch (o->type) {
	case CFG_BOOL:
		return *(const bool *)fa == *(const bool *)fb;
	case CFG_UINT:
	case CFG_SIZE:
		return *(const uint64_t *)fa == *(const uint64_t *)fb;
	case CFG_STRING:
	case CFG_ENUM:
		sa = *(char *const *)fa;
		sb = *(char *const *)fb;
		return (sa == NULL && sb == NULL) ||
		       (sa != NULL && sb != NULL && strcmp(sa, sb) == 0);
	case CFG_LIST:
		if (la->n != lb->n) {
			return false;
		}
		for (i = 0; i < la->n; i++) {
			if (strcmp(la->v[i], lb->v[i]) != 0) {
				return false;
			}
		}
		return true;
	}
	return false;
}

void
cfg_diff_static(const struct cfg_opt *table, size_t n, const void *a, const void *b, char *out,
                size_t cap)
{
	size_t i, len = 0;

	if (cap == 0) {
		return;
	}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		int w;

		if (table[i].reload || opt_equal(&table[i], a, b)) {
			continue;
		}
		w = snprintf(out + len, cap - len, "%s%s", len > 0 ? ", " : "", table[i].name);
		if (w < 0 || (size_t)w >= cap - len) {
			break;
		}
		len += (size_t)w;
	}
}

static const char *
type_desc(const struct cfg_opt *o, char *buf, size_t cap)
{
	switch (o->type) {
	case CFG_BOOL:
		return "yes|no";
	case CFG_UINT:
		snprintf(buf, cap, "%llu..%llu", (unsigned long long)o->min,
		         (unsigned long long)o->max);
		return buf;
	case CFG_SIZE:
		snprintf(buf, cap, "size, %llu..%llu bytes, suffixes k M G",
		         (unsigned long long)o->min, (unsigned long long)o->max);
		return buf;
	case CFG_ENUM:
		return o->choices;
	case CFG_LIST:
		return "repeatable; none = empty";
	case CFG_STRING:
	default:
		return "text";
	}
}

int
cfg_write_sample(const struct cfg_opt *table, size_t n, const char *title, FILE *f)
{
	char tbuf[128];
	size_t i;

	fprintf(f,
	        "# %s\n#\n# Every option, its meaning and default. Format: `name value`; '#' "
	        "starts a comment.\n# Options marked (reload) take effect on SIGHUP; the others "
	        "need a restart.\n",
	        title);
	for (i = 0; i < n; i++) {
		const struct cfg_opt *o = &table[i];
		const char *def = o->def != NULL ? o->def : "";

		fprintf(f, "\n# %s [%s]%s\n", o->help, type_desc(o, tbuf, sizeof(tbuf)),
		        o->reload ? " (reload)" : "");
		if (o->type == CFG_LIST) {
			const char *p = def;

			if (*p == '\0') {
				fprintf(f, "#%s\n", o->name);
			}
			while (*p != '\0') {
				size_t len = strcspn(p, " ");

				fprintf(f, "%s %.*s\n", o->name, (int)len, p);
				p += len;
				p += strspn(p, " ");
			}
		} else if (*def == '\0') {
			fprintf(f, "#%s\n", o->name);
		} else {
			fprintf(f, "%s %s\n", o->name, def);
		}
	}
	return ferror(f) ? IDR_EIO : IDR_OK;
}
