/* evcsv.c - lifecycle events from CSV rows (evcsv.h). */
#include "common/evcsv.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "common/row.h"
#include "life/capture.h"
#include "model/ident.h"

enum col {
	C_TYPE = 0,
	C_ACTION,
	C_ID,
	C_PARENT,
	C_CHILDREN,
	C_INPUTS,
	C_OUTPUTS,
	C_TIME,
	C_BIZ_STEP,
	C_DISPOSITION,
	C_READ_POINT,
	C_BIZ_LOCATION,
	C_TRANSFORMATION_ID,
	C_COUNT
};

static const char *const col_names[C_COUNT] = {
        "type",
        "action",
        "id",
        "parent",
        "children",
        "inputs",
        "outputs",
        "time",
        "biz_step",
        "disposition",
        "read_point",
        "biz_location",
        "transformation_id",
};

/* The EPCIS member a column becomes, to name the column in the model's messages. */
static const char *const col_members[C_COUNT] = {
        "type",         "action",        "epcList",          "parentID", "childEPCs",
        "inputEPCList", "outputEPCList", "eventTime",        "bizStep",  "disposition",
        "readPoint",    "bizLocation",   "transformationID",
};

/* One row while it is read: cells as C strings (NULL: empty). */
struct cells {
	char *v[C_COUNT];
};

struct parser {
	int col[C_COUNT]; /* field number of each column, -1 if absent */
	size_t ncols;
	const char *node;
	struct life_time now;
	uint64_t line;
	char msg[EVCSV_ERR_LEN];
};

static void errf(struct parser *p, int col, const char *fmt, ...) IDR_PRINTF(3, 4);

/* "line N, column C: ..." (or "line N: ..." for col < 0) into p->msg. */
static void
errf(struct parser *p, int col, const char *fmt, ...)
{
	va_list ap;
	int n = col >= 0 ? snprintf(p->msg, sizeof(p->msg),
	                            "line %llu, column %s: ", (unsigned long long)p->line,
	                            col_names[col])
	                 : snprintf(p->msg, sizeof(p->msg),
	                            "line %llu: ", (unsigned long long)p->line);

	if (n < 0 || (size_t)n >= sizeof(p->msg)) {
		return;
	}
	va_start(ap, fmt);
	/* the analyzer misses va_start above (clang-tidy 14) */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(p->msg + n, sizeof(p->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

char *
evcsv_uri(const char *node, const char *id)
{
	size_t n = strlen(node) + strlen(id) + 2;
	char *u;

	if (strstr(id, "://") != NULL || strncmp(id, "urn:", 4) == 0) {
		return strdup(id);
	}
	u = malloc(n);
	if (u != NULL) {
		(void)snprintf(u, n, "%s/%s", node, id);
	}
	return u;
}

/* ---------------------------------------------------------------- header */

static int
col_of(struct slice name)
{
	if (slice_caseeq(name, SLICE_LIT("epcs"))) {
		return C_ID;
	}
	for (int i = 0; i < C_COUNT; i++) {
		if (slice_caseeq(name, slice_cstr(col_names[i]))) {
			return i;
		}
	}
	return -1;
}

static int
header(struct parser *p, const struct slice *f, size_t n)
{
	bool any_id = false;

	for (int i = 0; i < C_COUNT; i++) {
		p->col[i] = -1;
	}
	for (size_t i = 0; i < n; i++) {
		int c = col_of(f[i]);

		if (c < 0) {
			errf(p, -1,
			     "column %zu '%.*s' is not one of type, action, id (or epcs), parent, "
			     "children, inputs, outputs, time, biz_step, disposition, read_point, "
			     "biz_location, transformation_id",
			     i + 1, (int)(f[i].len > 64 ? 64 : f[i].len), (const char *)f[i].p);
			return IDR_EPROTO;
		}
		if (p->col[c] >= 0) {
			errf(p, c, "named twice (columns %d and %zu)", p->col[c] + 1, i + 1);
			return IDR_EPROTO;
		}
		p->col[c] = (int)i;
		any_id = any_id || c == C_ID || c == C_PARENT || c == C_CHILDREN || c == C_INPUTS ||
		         c == C_OUTPUTS;
	}
	if (!any_id) {
		errf(p, -1,
		     "the header names no identifier column (id, epcs, parent, children, "
		     "inputs or outputs)");
		return IDR_EPROTO;
	}
	p->ncols = n;
	return IDR_OK;
}

/* ---------------------------------------------------------------- cells */

static void
cells_free(struct cells *c)
{
	for (int i = 0; i < C_COUNT; i++) {
		free(c->v[i]);
		c->v[i] = NULL;
	}
}

/* Copy the row's cells (surrounding blanks dropped) into c. */
static int
cells_take(struct parser *p, const struct slice *f, size_t n, struct cells *c)
{
	if (n != p->ncols) {
		errf(p, -1, "%zu fields, the header has %zu columns", n, p->ncols);
		return IDR_EPROTO;
	}
	for (int i = 0; i < C_COUNT; i++) {
		struct slice s;

		if (p->col[i] < 0) {
			continue;
		}
		s = f[p->col[i]];
		while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
			s = slice_make(s.p + 1, s.len - 1);
		}
		while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t')) {
			s.len--;
		}
		if (s.len == 0) {
			continue;
		}
		if (memchr(s.p, '\0', s.len) != NULL) {
			errf(p, i, "holds a NUL byte");
			return IDR_EPROTO;
		}
		c->v[i] = strndup((const char *)s.p, s.len);
		if (c->v[i] == NULL) {
			return IDR_ENOMEM;
		}
	}
	return IDR_OK;
}

/* One identifier of column col as a URI string added to arr (or set as key of obj). */
static int
ident_uri(struct parser *p, int col, const char *id, json_t **out)
{
	char h[IDENT_HARD_MAX + 1];
	char *u;

	if (strlen(id) > LIFE_MAX_URI) {
		errf(p, col, "an identifier over %u bytes", LIFE_MAX_URI);
		return IDR_EPROTO;
	}
	u = evcsv_uri(p->node, id);
	if (u == NULL) {
		return IDR_ENOMEM;
	}
	if (u != id && strcmp(u, id) != 0 && life_uri_handle(u, h, sizeof(h)) <= 0) {
		errf(p, col, "'%.100s' is neither a URI nor a handle (prefix/suffix)", id);
		free(u);
		return IDR_EPROTO;
	}
	*out = json_string(u);
	free(u);
	if (*out == NULL) {
		errf(p, col, "not UTF-8");
		return IDR_EPROTO;
	}
	return IDR_OK;
}

/* Append the ','/';'-separated identifiers of cell (column col) to arr. */
static int
ident_list(struct parser *p, int col, const char *cell, json_t *arr)
{
	const char *s = cell;

	while (s != NULL) {
		const char *end = s + strcspn(s, ",;");
		const char *a = s, *b = end;
		char *one;
		json_t *j = NULL;
		int rc;

		while (a < b && (*a == ' ' || *a == '\t')) {
			a++;
		}
		while (b > a && (b[-1] == ' ' || b[-1] == '\t')) {
			b--;
		}
		if (a == b) {
			errf(p, col, "an empty identifier in the list");
			return IDR_EPROTO;
		}
		if (json_array_size(arr) >= LIFE_MAX_LIST) {
			errf(p, col, "more than %u identifiers", LIFE_MAX_LIST);
			return IDR_EPROTO;
		}
		one = strndup(a, (size_t)(b - a));
		if (one == NULL) {
			return IDR_ENOMEM;
		}
		rc = ident_uri(p, col, one, &j);
		free(one);
		if (rc != IDR_OK) {
			return rc;
		}
		if (json_array_append_new(arr, j) != 0) {
			return IDR_ENOMEM;
		}
		s = *end != '\0' ? end + 1 : NULL;
	}
	return IDR_OK;
}

/* ---------------------------------------------------------------- row -> JSON */

static int
type_of(struct parser *p, const char *s, enum life_type *out)
{
	static const struct {
		const char *name, *epcis;
		enum life_type t;
	} types[] = {
	        {"object", "ObjectEvent", LIFE_OBJECT},
	        {"aggregation", "AggregationEvent", LIFE_AGGREGATION},
	        {"transformation", "TransformationEvent", LIFE_TRANSFORMATION},
	        {"association", "AssociationEvent", LIFE_ASSOCIATION},
	};

	*out = LIFE_OBJECT;
	if (s == NULL) {
		return IDR_OK;
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcasecmp(s, types[i].name) == 0 || strcmp(s, types[i].epcis) == 0) {
			*out = types[i].t;
			return IDR_OK;
		}
	}
	errf(p, C_TYPE, "'%.40s' is not object, aggregation, transformation or association", s);
	return IDR_EPROTO;
}

static int
action_of(struct parser *p, const struct cells *c, enum life_type t, const char **out)
{
	const char *s = c->v[C_ACTION];
	const char *step = c->v[C_BIZ_STEP];

	if (t == LIFE_TRANSFORMATION) {
		*out = NULL;
		if (s != NULL) {
			errf(p, C_ACTION, "a transformation has no action");
			return IDR_EPROTO;
		}
		return IDR_OK;
	}
	if (s == NULL) {
		*out = t != LIFE_OBJECT || (step != NULL && strcmp(step, "commissioning") == 0)
		               ? "ADD"
		               : "OBSERVE";
		return IDR_OK;
	}
	if (strcasecmp(s, "ADD") == 0 || strcasecmp(s, "OBSERVE") == 0 ||
	    strcasecmp(s, "DELETE") == 0) {
		*out = strcasecmp(s, "ADD") == 0      ? "ADD"
		       : strcasecmp(s, "DELETE") == 0 ? "DELETE"
		                                      : "OBSERVE";
		return IDR_OK;
	}
	errf(p, C_ACTION, "'%.40s' is not ADD, OBSERVE or DELETE", s);
	return IDR_EPROTO;
}

static int
time_of(struct parser *p, const char *s, json_t *o)
{
	struct life_time t = p->now;
	char when[LIFE_TIME_LEN], off[8];
	int z;

	if (s != NULL && life_time_parse(s, strlen(s), &t) != IDR_OK) {
		errf(p, C_TIME,
		     "'%.60s' is not an RFC 3339 time with its zone, e.g. "
		     "2024-02-01T10:00:00+08:00",
		     s);
		return IDR_EPROTO;
	}
	life_time_format(t, false, when);
	z = t.tz_min < 0 ? -t.tz_min : t.tz_min;
	(void)snprintf(off, sizeof(off), "%c%02d:%02d", t.tz_min < 0 ? '-' : '+', z / 60, z % 60);
	if (json_object_set_new(o, "eventTime", json_string(when)) != 0 ||
	    json_object_set_new(o, "eventTimeZoneOffset", json_string(off)) != 0) {
		return IDR_ENOMEM;
	}
	return IDR_OK;
}

/* A list member from the cells of cols (in order), absent when all are empty. */
static int
list_member(struct parser *p, const struct cells *c, json_t *o, const char *name, const int *cols,
            size_t ncols)
{
	json_t *arr = json_array();
	int rc = arr != NULL ? IDR_OK : IDR_ENOMEM;

	for (size_t i = 0; rc == IDR_OK && i < ncols; i++) {
		if (c->v[cols[i]] != NULL) {
			rc = ident_list(p, cols[i], c->v[cols[i]], arr);
		}
	}
	if (rc == IDR_OK && json_array_size(arr) > 0) {
		return json_object_set_new(o, name, arr) == 0 ? IDR_OK : IDR_ENOMEM;
	}
	json_decref(arr);
	return rc;
}

/* A single identifier member (as {"id": uri} when wrap). */
static int
one_member(struct parser *p, const struct cells *c, json_t *o, const char *name, int col, bool wrap)
{
	json_t *j = NULL;
	int rc;

	if (c->v[col] == NULL) {
		return IDR_OK;
	}
	if ((rc = ident_uri(p, col, c->v[col], &j)) != IDR_OK) {
		return rc;
	}
	if (wrap) {
		j = json_pack("{s:o}", "id", j);
	}
	return j != NULL && json_object_set_new(o, name, j) == 0 ? IDR_OK : IDR_ENOMEM;
}

/* A word member (bizStep, disposition, transformationID) as given. */
static int
word_member(struct parser *p, const struct cells *c, json_t *o, const char *name, int col)
{
	json_t *j;

	if (c->v[col] == NULL) {
		return IDR_OK;
	}
	if ((j = json_string(c->v[col])) == NULL) {
		errf(p, col, "not UTF-8");
		return IDR_EPROTO;
	}
	return json_object_set_new(o, name, j) == 0 ? IDR_OK : IDR_ENOMEM;
}

/* Does the row use columns its type has no member for? */
static int
columns_fit(struct parser *p, const struct cells *c, enum life_type t)
{
	static const int agg_only[] = {C_PARENT, C_CHILDREN};
	static const int tr_only[] = {C_INPUTS, C_OUTPUTS, C_TRANSFORMATION_ID};
	bool agg = t == LIFE_AGGREGATION || t == LIFE_ASSOCIATION;

	for (size_t i = 0; i < sizeof(agg_only) / sizeof(agg_only[0]); i++) {
		if (!agg && c->v[agg_only[i]] != NULL) {
			errf(p, agg_only[i], "only for an aggregation or association");
			return IDR_EPROTO;
		}
	}
	for (size_t i = 0; i < sizeof(tr_only) / sizeof(tr_only[0]); i++) {
		if (t != LIFE_TRANSFORMATION && c->v[tr_only[i]] != NULL) {
			errf(p, tr_only[i], "only for a transformation");
			return IDR_EPROTO;
		}
	}
	return IDR_OK;
}

/* The EPCIS 2.0 JSON object of a row, members in the order of the GS1 examples. */
static int
row_json(struct parser *p, const struct cells *c, json_t **out)
{
	static const int ids[] = {C_ID}, children[] = {C_ID, C_CHILDREN}, in[] = {C_INPUTS},
	                 outs[] = {C_OUTPUTS, C_ID};
	enum life_type t;
	const char *action = NULL;
	json_t *o;
	int rc;

	*out = NULL;
	if ((rc = type_of(p, c->v[C_TYPE], &t)) != IDR_OK ||
	    (rc = columns_fit(p, c, t)) != IDR_OK || (rc = action_of(p, c, t, &action)) != IDR_OK) {
		return rc;
	}
	if ((o = json_pack("{s:s}", "type", life_type_name(t))) == NULL) {
		return IDR_ENOMEM;
	}
	rc = time_of(p, c->v[C_TIME], o);
	if (rc == IDR_OK && t == LIFE_OBJECT) {
		rc = list_member(p, c, o, "epcList", ids, 1);
	}
	if (rc == IDR_OK && action != NULL) {
		rc = json_object_set_new(o, "action", json_string(action)) == 0 ? IDR_OK
		                                                                : IDR_ENOMEM;
	}
	if (rc == IDR_OK && t != LIFE_OBJECT && t != LIFE_TRANSFORMATION) {
		rc = one_member(p, c, o, "parentID", C_PARENT, false);
		rc = rc == IDR_OK ? list_member(p, c, o, "childEPCs", children, 2) : rc;
	}
	if (rc == IDR_OK && t == LIFE_TRANSFORMATION) {
		rc = list_member(p, c, o, "inputEPCList", in, 1);
		rc = rc == IDR_OK ? list_member(p, c, o, "outputEPCList", outs, 2) : rc;
		rc = rc == IDR_OK ? word_member(p, c, o, "transformationID", C_TRANSFORMATION_ID)
		                  : rc;
	}
	rc = rc == IDR_OK ? word_member(p, c, o, "bizStep", C_BIZ_STEP) : rc;
	rc = rc == IDR_OK ? word_member(p, c, o, "disposition", C_DISPOSITION) : rc;
	rc = rc == IDR_OK ? one_member(p, c, o, "readPoint", C_READ_POINT, true) : rc;
	rc = rc == IDR_OK ? one_member(p, c, o, "bizLocation", C_BIZ_LOCATION, true) : rc;
	if (rc != IDR_OK) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return IDR_OK;
}

/* A message of the event model ("bizStep: ...") with the column it came from. */
static void
model_err(struct parser *p, const char *why)
{
	for (int i = 0; i < C_COUNT; i++) {
		size_t n = strlen(col_members[i]);

		if (strncmp(why, col_members[i], n) == 0 && strchr(":.[ ", why[n]) != NULL) {
			errf(p, i, "%s", why);
			return;
		}
	}
	errf(p, -1, "%s", why);
}

/* One row into ev. */
static int
row_event(struct parser *p, const struct slice *f, size_t n, struct life_event *ev)
{
	struct cells c;
	char why[LIFE_ERR_LEN];
	json_t *o = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = cells_take(p, f, n, &c);
	rc = rc == IDR_OK ? row_json(p, &c, &o) : rc;
	cells_free(&c);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = life_event_from_json(o, NULL, NULL, ev, why, sizeof(why));
	json_decref(o); /* ev keeps its own reference */
	if (rc == IDR_OK && (rc = life_capture_check(ev, NULL, why, sizeof(why))) != IDR_OK) {
		life_event_deinit(ev);
	}
	if (rc == IDR_EPROTO || rc == IDR_ELIMIT) {
		model_err(p, why);
		rc = IDR_EPROTO;
	}
	return rc;
}

/* ---------------------------------------------------------------- the file */

static int
keep(struct evcsv_doc *d, size_t *cap, const struct life_event *ev, uint64_t line)
{
	if (d->doc.n == *cap) {
		size_t nc = *cap > 0 ? 2 * *cap : 64;
		struct life_event *v = realloc(d->doc.ev, nc * sizeof(*v));
		uint64_t *l;

		if (v == NULL) {
			return IDR_ENOMEM;
		}
		d->doc.ev = v;
		if ((l = realloc(d->line, nc * sizeof(*l))) == NULL) {
			return IDR_ENOMEM;
		}
		d->line = l;
		*cap = nc;
	}
	d->doc.ev[d->doc.n] = *ev;
	d->line[d->doc.n++] = line;
	return IDR_OK;
}

int
evcsv_parse(const void *text, size_t len, const char *node, int64_t now_ms, evcsv_report_fn report,
            void *arg, struct evcsv_doc *out, char *err, size_t errlen)
{
	struct row_csv csv;
	struct parser p;
	size_t off = 0, cap = 0, bad = 0;
	bool have_header = false;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	snprintf(err, errlen, "%s", "");
	p.node = node;
	p.now.ms = now_ms;
	p.now.tz_min = EVCSV_DEFAULT_TZ;
	if ((rc = row_csv_init(&csv, NULL)) != IDR_OK) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	for (;;) {
		size_t used = 0;
		struct life_event ev;

		rc = row_csv_next(&csv, (const uint8_t *)text + off, len - off, true, &used);
		off += used;
		p.line = csv.rec_line;
		if (rc == IDR_ENOENT) {
			break;
		}
		if (!have_header) {
			if (rc == IDR_OK) {
				rc = header(&p, csv.fields, csv.nfields);
			} else {
				errf(&p, -1, "the header row: %s", csv.err);
			}
			if (rc != IDR_OK) {
				bad++;
				break; /* nothing else can be read without it */
			}
			have_header = true;
			continue;
		}
		if (rc == IDR_OK && out->doc.n + bad >= EVCSV_MAX_ROWS) {
			errf(&p, -1, "more than %u rows", EVCSV_MAX_ROWS);
			snprintf(err, errlen, "%s", p.msg);
			rc = IDR_ELIMIT;
			goto fail;
		}
		if (rc == IDR_EPROTO || rc == IDR_ELIMIT) {
			errf(&p, -1, "%s", csv.err);
		} else if (rc == IDR_OK) {
			rc = row_event(&p, csv.fields, csv.nfields, &ev);
		}
		if (rc == IDR_OK) {
			rc = keep(out, &cap, &ev, p.line);
			if (rc != IDR_OK) {
				life_event_deinit(&ev);
			}
		}
		if (rc == IDR_ENOMEM || rc == IDR_EAGAIN) {
			snprintf(err, errlen, "%s",
			         rc == IDR_ENOMEM ? "out of memory" : "cut short");
			rc = rc == IDR_ENOMEM ? rc : IDR_EPROTO;
			goto fail;
		}
		if (rc != IDR_OK) {
			if (bad++ == 0) {
				snprintf(err, errlen, "%s", p.msg);
			}
			if (report != NULL) {
				report(arg, p.msg);
			}
		}
	}
	if (!have_header && bad == 0) {
		p.line = 1;
		errf(&p, -1, "no header row (the first row names the columns)");
		bad++;
	}
	if (bad > 0 && !have_header) {
		snprintf(err, errlen, "%s", p.msg);
		if (report != NULL) {
			report(arg, p.msg);
		}
	}
	rc = bad > 0 ? IDR_EPROTO : IDR_OK;
	if (rc == IDR_OK) {
		row_csv_deinit(&csv);
		return IDR_OK;
	}
fail:
	row_csv_deinit(&csv);
	evcsv_free(out);
	return rc;
}

void
evcsv_free(struct evcsv_doc *d)
{
	if (d == NULL) {
		return;
	}
	life_doc_free(&d->doc);
	free(d->line);
	d->line = NULL;
}
