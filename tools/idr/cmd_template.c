/* cmd_template.c - `idr template`: metadata templates (元数据模板) of hosted prefixes, in the data
 * directory or (--node) on a running node through its national template API (common/rtmpl.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/wbuf.h"
#include "common/cli.h"
#include "common/rcmd.h"
#include "common/rmt.h"
#include "common/rtmpl.h"
#include "idr/cmd.h"
#include "model/tmpl.h"
#include "reg.h"

#define SUBCMDS "create, update, show, list, publish, withdraw, item add, item disable, check"

struct tmpl_args {
	const char *data;
	const char *file;
	const char *from;
	bool json;
	int nargs;
	char **args;
	struct rmt_opts remote;
	struct rmt_cred *cred; /* remote: opened on first use (node()) */
	struct rmt *r;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct tmpl_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"file", required_argument, NULL, 'f'},
	        {"from", required_argument, NULL, 'F'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        RMT_LONGOPTS,
	        {NULL, 0, NULL, 0},
	};
	const char *why = NULL;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'f':
			a->file = optarg;
			break;
		case 'F':
			a->from = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			return -1;
		default:
			if (rmt_opt_take(&a->remote, c, optarg)) {
				break;
			}
			return cli_bad_option(self, c, argv);
		}
	}
	a->nargs = argc - optind;
	a->args = argv + optind;
	if (rmt_opts_check(&a->remote, a->data != NULL, &why) != IDR_OK) {
		return cli_usage_errorf(self, "%s", why);
	}
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- remote mode */

/* The node's connection and session, opened on first use (closed at the end of run()). */
static int
node(const struct cli_cmd *self, struct tmpl_args *a)
{
	if (a->r != NULL) {
		return CLI_EXIT_OK;
	}
	return rcmd_open(self->name, &a->remote, &a->cred, &a->r);
}

/* A refusal or failure of the node for PREFIX VERSION: the node's message. */
static int
node_fail(const struct cli_cmd *self, const char *prefix, const char *version, const char *msg)
{
	char pb[TMPL_MAX_PREFIX + 1], vb[TMPL_MAX_VERSION + 1];

	cli_errorf(self->name, "%s %s: %s", cli_safe(prefix, pb, sizeof(pb)),
	           cli_safe(version, vb, sizeof(vb)), msg);
	return CLI_EXIT_FAIL;
}

/* A version from the node. */
static int
node_get(const struct cli_cmd *self, struct tmpl_args *a, const char *prefix, const char *version,
         struct tmpl **out)
{
	char msg[RTMPL_MSG_MAX];
	int rc = node(self, a);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (rtmpl_get(a->r, prefix, version, out, msg, sizeof(msg)) != IDR_OK) {
		return node_fail(self, prefix, version, msg);
	}
	return CLI_EXIT_OK;
}

/* A version from the node or the data directory; errors printed. */
static int
fetch(const struct cli_cmd *self, struct tmpl_args *a, const char *prefix, const char *version,
      struct tmpl **out)
{
	struct reg_rtxn *t = NULL;
	struct reg *r = NULL;
	int rc;

	*out = NULL;
	if (a->remote.node != NULL) {
		return node_get(self, a, prefix, version, out);
	}
	if ((rc = cli_open(self->name, cli_data_dir(a->data), true, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = reg_read_begin(r, &t);
	if (rc == IDR_OK) {
		rc = reg_tmpl_get(t, slice_cstr(prefix), slice_cstr(version), out);
	}
	reg_read_end(t);
	reg_close(r);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s %s: %s", prefix, version, idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* Read a whole file ("-": stdin) of at most max bytes into a heap buffer. */
static int
read_all(const char *cmd, const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = malloc(max + 1), pb[160];
	size_t n;

	*out = NULL;
	if (f == NULL || buf == NULL) {
		cli_errorf(cmd, "%s: %s", cli_safe(path, pb, sizeof(pb)),
		           f == NULL ? strerror(errno) : "out of memory");
		free(buf);
		if (f != NULL && f != stdin) {
			fclose(f);
		}
		return CLI_EXIT_FAIL;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		cli_errorf(cmd, "%s: %s", cli_safe(path, pb, sizeof(pb)),
		           n > max ? "file is too large" : "read error");
		n = SIZE_MAX;
	}
	if (f != stdin) {
		fclose(f);
	}
	if (n == SIZE_MAX) {
		free(buf);
		return CLI_EXIT_FAIL;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return CLI_EXIT_OK;
}

/* Set member key to val, or check that the file's value equals it. */
static int
fill_member(const char *cmd, json_t *obj, const char *key, const char *val)
{
	const json_t *m = json_object_get(obj, key);
	char vb[160];

	if (m == NULL || json_is_null(m)) {
		return json_object_set_new(obj, key, json_string(val)) == 0 ? CLI_EXIT_OK
		                                                            : CLI_EXIT_FAIL;
	}
	if (!json_is_string(m) || strcmp(json_string_value(m), val) != 0) {
		cli_errorf(cmd, "the file's %s is not %s", key, cli_safe(val, vb, sizeof(vb)));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* The template in --file for PREFIX VERSION (national JSON; prefix and version optional). */
static int
load_file(const struct cli_cmd *self, const struct tmpl_args *a, struct tmpl **out)
{
	char err[TMPL_ERR_LEN], *text;
	json_error_t je;
	json_t *root;
	size_t len;
	int rc;

	rc = read_all(self->name, a->file, TMPL_MAX_JSON, &text, &len);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (root == NULL || !json_is_object(root)) {
		cli_errorf(self->name, "%s: not a JSON object: %s (line %d)", a->file,
		           root == NULL ? je.text : "wrong type", root == NULL ? je.line : 1);
		json_decref(root);
		return CLI_EXIT_FAIL;
	}
	rc = fill_member(self->name, root, "prefix", a->args[0]);
	if (rc == CLI_EXIT_OK) {
		rc = fill_member(self->name, root, "version", a->args[1]);
	}
	if (rc == CLI_EXIT_OK && tmpl_from_json_obj(out, root, err, sizeof(err)) != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->file, err);
		rc = CLI_EXIT_FAIL;
	}
	json_decref(root);
	return rc;
}

/* Run one write in its own transaction; print the error and its detail on failure. */
typedef int (*write_fn)(struct reg_wtxn *w, const struct tmpl_args *a, void *arg);

static int
write_one(const struct cli_cmd *self, const struct tmpl_args *a, write_fn fn, void *arg)
{
	char detail[TMPL_REPORT_LEN], msg[IDENT_ERR_LEN];
	struct reg_wtxn *w = NULL;
	struct reg *r = NULL;
	int rc;

	if ((rc = cli_open(self->name, cli_data_dir(a->data), false, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	detail[0] = '\0';
	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	if (rc == IDR_OK) {
		rc = fn(w, a, arg);
		snprintf(detail, sizeof(detail), "%s", reg_write_detail(w));
		rc = cli_write_end(w, rc);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s %s: %s%s%s", a->args[0], a->nargs > 1 ? a->args[1] : "",
		           detail[0] != '\0' ? detail : reg_strerror(r, rc, msg, sizeof(msg)),
		           detail[0] != '\0' ? " — " : "",
		           detail[0] != '\0' ? idr_strerror(rc) : "");
	}
	reg_close(r);
	return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static const char *
outcome_word(enum reg_outcome oc, const char *changed)
{
	return oc == REG_CREATED ? "created" : oc == REG_UNCHANGED ? "unchanged" : changed;
}

/* ---------------------------------------------------------------- create, update */

struct create_arg {
	struct tmpl *t;
	enum reg_outcome oc;
};

static int
create_do(struct reg_wtxn *w, const struct tmpl_args *a, void *arg)
{
	struct create_arg *c = arg;

	(void)a;
	return reg_tmpl_create(w, c->t, &c->oc);
}

/* The definition of version --from, as a new version (state and times are reset). */
static int
load_from(const struct cli_cmd *self, struct tmpl_args *a, struct tmpl **out)
{
	int rc = fetch(self, a, a->args[0], a->from, out);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	free((*out)->version);
	(*out)->version = strdup(a->args[1]);
	if ((*out)->version == NULL) {
		tmpl_free(*out);
		*out = NULL;
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/*
 * Create on the node. It answers success for a new version and for the same definition
 * again, so a GET first tells "created" from "unchanged".
 */
static int
node_create(const struct cli_cmd *self, struct tmpl_args *a, const struct tmpl *t,
            enum reg_outcome *oc)
{
	char msg[RTMPL_MSG_MAX];
	struct tmpl *cur = NULL;
	int rc = node(self, a);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	rc = rtmpl_get(a->r, t->prefix, t->version, &cur, msg, sizeof(msg));
	tmpl_free(cur);
	if (rc != IDR_OK && rc != IDR_EINVAL) { /* EINVAL: status -2, it does not exist */
		return node_fail(self, t->prefix, t->version, msg);
	}
	*oc = rc == IDR_OK ? REG_UNCHANGED : REG_CREATED;
	if (rtmpl_send(a->r, HTTPC_POST, t, msg, sizeof(msg)) != IDR_OK) {
		return node_fail(self, t->prefix, t->version, msg);
	}
	return CLI_EXIT_OK;
}

static int
do_create(const struct cli_cmd *self, struct tmpl_args *a)
{
	struct create_arg c = {NULL, REG_UNCHANGED};
	int rc;

	if (a->nargs != 2 || (a->file == NULL) == (a->from == NULL)) {
		return cli_usage_errorf(self, "usage: idr template create PREFIX VERSION "
		                              "(--file T.json | --from VERSION)");
	}
	rc = a->file != NULL ? load_file(self, a, &c.t) : load_from(self, a, &c.t);
	if (rc == CLI_EXIT_OK) {
		rc = a->remote.node != NULL ? node_create(self, a, c.t, &c.oc)
		                            : write_one(self, a, create_do, &c);
	}
	if (rc == CLI_EXIT_OK) {
		printf("%s template %s version %s (draft: publish it to register against it)\n",
		       outcome_word(c.oc, "created"), a->args[0], a->args[1]);
	}
	tmpl_free(c.t);
	return rc;
}

static int
update_do(struct reg_wtxn *w, const struct tmpl_args *a, void *arg)
{
	(void)a;
	return reg_tmpl_update(w, arg);
}

static int
do_update(const struct cli_cmd *self, struct tmpl_args *a)
{
	char msg[RTMPL_MSG_MAX];
	struct tmpl *t = NULL;
	int rc;

	if (a->nargs != 2 || a->file == NULL) {
		return cli_usage_errorf(self, "usage: idr template update PREFIX VERSION --file "
		                              "T.json");
	}
	rc = load_file(self, a, &t);
	if (rc == CLI_EXIT_OK && a->remote.node != NULL) {
		rc = node(self, a);
		if (rc == CLI_EXIT_OK &&
		    rtmpl_send(a->r, HTTPC_PUT, t, msg, sizeof(msg)) != IDR_OK) {
			rc = node_fail(self, t->prefix, t->version, msg);
		}
	} else if (rc == CLI_EXIT_OK) {
		rc = write_one(self, a, update_do, t);
	}
	if (rc == CLI_EXIT_OK) {
		printf("updated template %s version %s\n", a->args[0], a->args[1]);
	}
	tmpl_free(t);
	return rc;
}

/* ---------------------------------------------------------------- publish, withdraw */

typedef int (*state_op)(struct reg_wtxn *, struct slice, struct slice, enum reg_outcome *);

struct state_arg {
	state_op op;
	enum reg_outcome oc;
};

static int
state_do(struct reg_wtxn *w, const struct tmpl_args *a, void *arg)
{
	struct state_arg *s = arg;

	return s->op(w, slice_cstr(a->args[0]), slice_cstr(a->args[1]), &s->oc);
}

/* Publish or withdraw on the node; the state before tells "unchanged (already)". */
static int
node_state(const struct cli_cmd *self, struct tmpl_args *a, bool publish, enum reg_outcome *oc)
{
	char msg[RTMPL_MSG_MAX];
	struct tmpl *cur = NULL;
	int rc = node_get(self, a, a->args[0], a->args[1], &cur);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	*oc = cur->state == (publish ? TMPL_PUBLISHED : TMPL_WITHDRAWN) ? REG_UNCHANGED
	                                                                : REG_UPDATED;
	tmpl_free(cur);
	if (rtmpl_state(a->r, publish, a->args[0], a->args[1], msg, sizeof(msg)) != IDR_OK) {
		return node_fail(self, a->args[0], a->args[1], msg);
	}
	return CLI_EXIT_OK;
}

static int
do_state(const struct cli_cmd *self, struct tmpl_args *a, state_op op, const char *verb)
{
	struct state_arg s = {op, REG_UNCHANGED};
	int rc;

	if (a->nargs != 2) {
		return cli_usage_errorf(self, "usage: idr template %s PREFIX VERSION", verb);
	}
	rc = a->remote.node != NULL ? node_state(self, a, op == reg_tmpl_publish, &s.oc)
	                            : write_one(self, a, state_do, &s);
	if (rc == CLI_EXIT_OK) {
		printf("%s template %s version %s\n",
		       s.oc == REG_UNCHANGED ? "unchanged (already)" : verb, a->args[0],
		       a->args[1]);
	}
	return rc;
}

/* ---------------------------------------------------------------- items */

struct item_arg {
	struct tmpl_item it;
	uint32_t index;
	enum reg_outcome oc;
};

static int
item_add_do(struct reg_wtxn *w, const struct tmpl_args *a, void *arg)
{
	struct item_arg *i = arg;

	return reg_tmpl_item_add(w, slice_cstr(a->args[0]), slice_cstr(a->args[1]), &i->it,
	                         &i->index);
}

static int
item_disable_do(struct reg_wtxn *w, const struct tmpl_args *a, void *arg)
{
	struct item_arg *i = arg;

	return reg_tmpl_item_disable(w, slice_cstr(a->args[0]), slice_cstr(a->args[1]),
	                             slice_cstr(a->args[2]), &i->oc);
}

/*
 * PUT t's header with one item: the node's merge replaces the item of the same idIndex and
 * idType (or adds it) and keeps the others as they are on the node.
 */
static int
node_put_item(struct tmpl_args *a, const struct tmpl *t, const struct tmpl_item *it, char *msg,
              size_t cap)
{
	struct tmpl part = *t;
	struct tmpl_item one = *it;

	part.items = &one;
	part.nitems = 1;
	return rtmpl_send(a->r, HTTPC_PUT, &part, msg, cap);
}

/* Add an item on the node: its index is chosen and the rules checked as locally. */
static int
node_item_add(const struct cli_cmd *self, struct tmpl_args *a, struct item_arg *i)
{
	char msg[RTMPL_MSG_MAX];
	struct tmpl *t = NULL;
	int rc = node_get(self, a, a->args[0], a->args[1], &t);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	rc = tmpl_item_add(t, &i->it, msg, sizeof(msg));
	if (rc != IDR_OK && t->state != TMPL_DRAFT) { /* what the node would say first */
		rc = IDR_ETMPL_PUBLISHED;
		snprintf(msg, sizeof(msg),
		         "template %s version %s is %s: a published version never changes (create "
		         "a new version)",
		         t->prefix, t->version, tmpl_state_name(t->state));
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s %s: %s — %s", a->args[0], a->args[1], msg,
		           idr_strerror(rc));
		tmpl_free(t);
		return CLI_EXIT_FAIL;
	}
	i->index = t->items[t->nitems - 1].index;
	rc = CLI_EXIT_OK;
	if (node_put_item(a, t, &t->items[t->nitems - 1], msg, sizeof(msg)) != IDR_OK) {
		rc = node_fail(self, a->args[0], a->args[1], msg);
	}
	tmpl_free(t);
	return rc;
}

/* The item named by a decimal index or a key (as the registry finds it), or NULL. */
static const struct tmpl_item *
item_named(const struct tmpl *t, const char *name)
{
	size_t len = strlen(name);
	bool numeric = len > 0 && len <= 10 && strspn(name, "0123456789") == len;
	uint64_t index = 0;

	for (size_t i = 0; numeric && i < len; i++) {
		index = index * 10 + (uint64_t)(name[i] - '0');
	}
	if (numeric && index <= TMPL_MAX_INDEX && tmpl_item_by_index(t, (uint32_t)index) != NULL) {
		return tmpl_item_by_index(t, (uint32_t)index);
	}
	return tmpl_item_by_key(t, slice_cstr(name));
}

/* Disable an item on the node: GET the version, PUT the item with state 0. */
static int
node_item_disable(const struct cli_cmd *self, struct tmpl_args *a, struct item_arg *i)
{
	char msg[RTMPL_MSG_MAX], nb[TMPL_MAX_NAME + 1];
	const struct tmpl_item *it;
	struct tmpl_item off;
	struct tmpl *t = NULL;
	int rc = node_get(self, a, a->args[0], a->args[1], &t);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	it = item_named(t, a->args[2]);
	i->oc = REG_UPDATED;
	if (it == NULL) {
		cli_errorf(self->name, "%s %s: template %s version %s has no item %s — %s",
		           a->args[0], a->args[1], t->prefix, t->version,
		           cli_safe(a->args[2], nb, sizeof(nb)), idr_strerror(IDR_ETMPL_ITEM));
		rc = CLI_EXIT_FAIL;
	} else if (!it->enabled && t->state == TMPL_DRAFT) {
		i->oc = REG_UNCHANGED; /* a published version: the node says it never changes */
	} else {
		off = *it;
		off.enabled = false;
		if (node_put_item(a, t, &off, msg, sizeof(msg)) != IDR_OK) {
			rc = node_fail(self, a->args[0], a->args[1], msg);
		}
	}
	tmpl_free(t);
	return rc;
}

static int
do_item(const struct cli_cmd *self, struct tmpl_args *a)
{
	struct item_arg i;
	char err[TMPL_ERR_LEN], *text;
	size_t len;
	int rc;

	memset(&i, 0, sizeof(i));
	if (a->nargs >= 1 && strcmp(a->args[0], "disable") == 0) {
		a->args++;
		a->nargs--;
		if (a->nargs != 3) {
			return cli_usage_errorf(self, "usage: idr template item disable PREFIX "
			                              "VERSION INDEX|KEY");
		}
		rc = a->remote.node != NULL ? node_item_disable(self, a, &i)
		                            : write_one(self, a, item_disable_do, &i);
		if (rc == CLI_EXIT_OK) {
			printf("%s item %s of template %s version %s\n",
			       i.oc == REG_UNCHANGED ? "unchanged (already disabled)" : "disabled",
			       a->args[2], a->args[0], a->args[1]);
		}
		return rc;
	}
	if (a->nargs < 1 || strcmp(a->args[0], "add") != 0) {
		return cli_usage_errorf(self, "item: add or disable");
	}
	a->args++;
	a->nargs--;
	if (a->nargs != 2 || a->file == NULL) {
		return cli_usage_errorf(self, "usage: idr template item add PREFIX VERSION --file "
		                              "ITEM.json");
	}
	rc = read_all(self->name, a->file, TMPL_MAX_JSON, &text, &len);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (tmpl_item_from_json(&i.it, text, len, err, sizeof(err)) != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->file, err);
		free(text);
		return CLI_EXIT_FAIL;
	}
	free(text);
	rc = a->remote.node != NULL ? node_item_add(self, a, &i)
	                            : write_one(self, a, item_add_do, &i);
	if (rc == CLI_EXIT_OK) {
		printf("added item %s (%u) to template %s version %s\n", i.it.key, i.index,
		       a->args[0], a->args[1]);
	}
	tmpl_item_deinit(&i.it);
	return rc;
}

/* ---------------------------------------------------------------- show, list */

static void
print_json(const struct tmpl *t)
{
	struct wbuf w;

	wbuf_init_heap(&w, (size_t)TMPL_MAX_JSON * 4);
	if (tmpl_write_json(&w, t, TMPL_JSON_STATE) == IDR_OK) {
		fwrite(wbuf_data(&w), 1, wbuf_len(&w), stdout);
		fputc('\n', stdout);
	}
	wbuf_deinit(&w);
}

static void
print_limits(const struct tmpl_item *it)
{
	size_t i;

	if (it->has_min_len || it->has_max_len) {
		printf(" length %u..", it->has_min_len ? it->min_len : 0);
		if (it->has_max_len) {
			printf("%u", it->max_len);
		}
	}
	if (it->has_minimum) {
		printf(" min %g", it->minimum);
	}
	if (it->has_maximum) {
		printf(" max %g", it->maximum);
	}
	if (it->accuracy >= 0) {
		printf(" decimals<=%d", it->accuracy);
	}
	if (it->type == TMPL_DATE) {
		printf(" %s", it->datefmt == TMPL_DATE_YMD ? "YYYY-MM-DD" : "YYYY-MM-DD HH:mm:ss");
	}
	for (i = 0; i < it->nvalues; i++) {
		printf("%s", i == 0 ? " {" : ",");
		cli_put_text(stdout, slice_cstr(it->values[i]));
	}
	printf("%s", it->nvalues > 0 ? "}" : "");
}

static void
print_text(const struct tmpl *t)
{
	char when[32];
	size_t i;

	printf("template %s version %s: %s\n", t->prefix, t->version, tmpl_state_name(t->state));
	printf("  industry  %s %s %s %s (GB/T 4754)\n", t->industry[0], t->industry[1],
	       t->industry[2], t->industry[3]);
	printf("  type      %d %s\n", t->obj_type, t->obj_type == 1 ? "主动标识载体" : "其他");
	if (t->handle != NULL) {
		printf("  handle    %s\n", t->handle);
	}
	if (t->description != NULL) {
		printf("  about     ");
		cli_put_text(stdout, slice_cstr(t->description));
		printf("\n");
	}
	cli_format_time(t->changed, when, sizeof(when));
	printf("  changed   %s UTC\n", when);
	printf("  INDEX  KEY                  NAME                 TYPE     FLAGS\n");
	for (i = 0; i < t->nitems; i++) {
		const struct tmpl_item *it = &t->items[i];

		printf("  %-6u ", it->index);
		cli_put_padded(stdout, slice_cstr(it->key), 21);
		cli_put_padded(stdout, slice_cstr(it->name), 21);
		printf("%-8s %s%s", tmpl_type_name(it->type),
		       it->required ? "required" : "optional", it->enabled ? "" : " DISABLED");
		print_limits(it);
		printf("\n");
	}
}

static int
do_show(const struct cli_cmd *self, struct tmpl_args *a)
{
	struct tmpl *tm = NULL;
	int rc;

	if (a->nargs != 2) {
		return cli_usage_errorf(self, "usage: idr template show PREFIX VERSION [--json]");
	}
	if ((rc = fetch(self, a, a->args[0], a->args[1], &tm)) != CLI_EXIT_OK) {
		return rc;
	}
	if (a->json) {
		print_json(tm);
	} else {
		print_text(tm);
	}
	tmpl_free(tm);
	return CLI_EXIT_OK;
}

struct list_arg {
	bool json;
	size_t n;
};

static int
list_cb(void *arg, const struct tmpl *t)
{
	struct list_arg *l = arg;
	char when[32];
	size_t i, enabled = 0;

	for (i = 0; i < t->nitems; i++) {
		enabled += t->items[i].enabled;
	}
	if (l->json) {
		printf("%s", l->n > 0 ? ",\n " : "\n ");
		fflush(stdout);
		print_json(t);
	} else {
		cli_format_time(t->changed, when, sizeof(when));
		printf("%-16s %-10s %3zu items (%zu enabled)  %s  changed %s UTC\n", t->version,
		       tmpl_state_name(t->state), t->nitems, enabled, t->industry[0], when);
	}
	l->n++;
	return 0;
}

/* The versions of the node's template of PREFIX, printed as locally. */
static int
node_list(const struct cli_cmd *self, struct tmpl_args *a)
{
	char msg[RTMPL_MSG_MAX], pb[TMPL_MAX_PREFIX + 1];
	struct list_arg l = {a->json, 0};
	struct rtmpl_answer ans;
	struct wbuf w;
	int rc = node(self, a);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	wbuf_init_heap(&w, 64 + TMPL_MAX_PREFIX * 3);
	rc = rtmpl_query(&w, RTMPL_PATH_LIST, a->args[0], NULL);
	if (rc == IDR_OK) {
		rc = rtmpl_call(a->r, HTTPC_GET, (const char *)wbuf_data(&w), slice_make(NULL, 0),
		                RTMPL_DATA_LIST, &ans, msg, sizeof(msg));
	} else {
		snprintf(msg, sizeof(msg), "the prefix is too long");
	}
	wbuf_deinit(&w);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", cli_safe(a->args[0], pb, sizeof(pb)), msg);
		return CLI_EXIT_FAIL;
	}
	printf("%s", a->json ? "[" : "");
	for (size_t i = 0; i < ans.ntmpls; i++) {
		(void)list_cb(&l, ans.tmpls[i]);
	}
	printf("%s", a->json ? "]\n" : "");
	rtmpl_answer_deinit(&ans);
	return CLI_EXIT_OK;
}

static int
do_list(const struct cli_cmd *self, struct tmpl_args *a)
{
	struct list_arg l = {a->json, 0};
	struct reg_rtxn *t = NULL;
	struct reg *r = NULL;
	int rc;

	if (a->nargs != 1) {
		return cli_usage_errorf(self, "usage: idr template list PREFIX [--json]");
	}
	if (a->remote.node != NULL) {
		return node_list(self, a);
	}
	if ((rc = cli_open(self->name, cli_data_dir(a->data), true, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	printf("%s", a->json ? "[" : "");
	rc = reg_read_begin(r, &t);
	if (rc == IDR_OK) {
		rc = reg_tmpl_list(t, slice_cstr(a->args[0]), list_cb, &l);
	}
	reg_read_end(t);
	reg_close(r);
	printf("%s", a->json ? "]\n" : "");
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->args[0], idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- check */

/* KEY=VALUE arguments into values at the items' indexes, plus the version at 1001. */
static int
check_values(const struct cli_cmd *self, const struct tmpl *tm, const struct tmpl_args *a,
             struct value *v, size_t *n)
{
	char kb[96];
	int i;

	*n = 0;
	memset(&v[0], 0, sizeof(v[0]));
	v[0].index = TMPL_INDEX_VERSION;
	v[0].type = SLICE_LIT(TMPL_TYPE_VERSION);
	v[0].data = slice_cstr(tm->version);
	*n = 1;
	for (i = 2; i < a->nargs; i++) {
		const char *eq = strchr(a->args[i], '=');
		const struct tmpl_item *it;

		if (eq == NULL) {
			return cli_usage_errorf(self, "'%s': values are KEY=VALUE",
			                        cli_safe(a->args[i], kb, sizeof(kb)));
		}
		it = tmpl_item_by_key(tm, slice_make(a->args[i], (size_t)(eq - a->args[i])));
		if (it == NULL) {
			cli_errorf(self->name, "%.*s: not an item of template %s %s",
			           (int)(eq - a->args[i] < 80 ? eq - a->args[i] : 80), a->args[i],
			           tm->prefix, tm->version);
			return CLI_EXIT_FAIL;
		}
		memset(&v[*n], 0, sizeof(v[*n]));
		v[*n].index = it->index;
		v[*n].type = slice_cstr(it->key);
		v[*n].data = slice_cstr(eq + 1);
		(*n)++;
	}
	return CLI_EXIT_OK;
}

static int
do_check(const struct cli_cmd *self, struct tmpl_args *a)
{
	struct tmpl_report rep;
	struct tmpl *tm = NULL;
	struct value *v;
	size_t n = 0;
	int rc;

	if (a->nargs < 2) {
		return cli_usage_errorf(self, "usage: idr template check PREFIX VERSION "
		                              "[KEY=VALUE ...]");
	}
	if ((rc = fetch(self, a, a->args[0], a->args[1], &tm)) != CLI_EXIT_OK) {
		return rc;
	}
	v = calloc((size_t)a->nargs, sizeof(*v));
	rc = v == NULL ? CLI_EXIT_FAIL : check_values(self, tm, a, v, &n);
	if (rc == CLI_EXIT_OK && tmpl_check_values(tm, v, n, &rep) != IDR_OK) {
		cli_errorf(self->name, "%zu error%s: %s", rep.nerrs, rep.nerrs == 1 ? "" : "s",
		           rep.text);
		rc = CLI_EXIT_FAIL;
	} else if (rc == CLI_EXIT_OK) {
		printf("ok: the values satisfy template %s version %s%s\n", tm->prefix, tm->version,
		       tm->state == TMPL_PUBLISHED ? "" : " (not published: not yet usable)");
	}
	free(v);
	tmpl_free(tm);
	return rc;
}

static int
dispatch(const struct cli_cmd *self, char **argv, struct tmpl_args *a)
{
	if (strcmp(argv[1], "create") == 0) {
		return do_create(self, a);
	}
	if (strcmp(argv[1], "update") == 0) {
		return do_update(self, a);
	}
	if (strcmp(argv[1], "show") == 0) {
		return do_show(self, a);
	}
	if (strcmp(argv[1], "list") == 0) {
		return do_list(self, a);
	}
	if (strcmp(argv[1], "publish") == 0) {
		return do_state(self, a, reg_tmpl_publish, "published");
	}
	if (strcmp(argv[1], "withdraw") == 0) {
		return do_state(self, a, reg_tmpl_withdraw, "withdrawn");
	}
	if (strcmp(argv[1], "item") == 0) {
		return do_item(self, a);
	}
	if (strcmp(argv[1], "check") == 0) {
		return do_check(self, a);
	}
	return cli_usage_errorf(self, "unknown subcommand '%s' (" SUBCMDS ")", argv[1]);
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct tmpl_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	if (argc < 2) {
		return cli_usage_errorf(self, "missing subcommand (" SUBCMDS ")");
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		return cli_help(self);
	}
	rc = parse(self, argc - 1, argv + 1, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	rc = dispatch(self, argv, &a);
	rmt_free(a.r); /* ends the session */
	rmt_cred_free(a.cred);
	return rc;
}

const struct cli_cmd cmd_template = {
        "template",
        "metadata templates (元数据模板): create, publish, withdraw, items, check",
        "usage: idr template create PREFIX VERSION (--file T.json | --from VERSION)\n"
        "       idr template update PREFIX VERSION --file T.json\n"
        "       idr template show PREFIX VERSION [--json]\n"
        "       idr template list PREFIX [--json]\n"
        "       idr template publish PREFIX VERSION\n"
        "       idr template withdraw PREFIX VERSION\n"
        "       idr template item add PREFIX VERSION --file ITEM.json\n"
        "       idr template item disable PREFIX VERSION INDEX|KEY\n"
        "       idr template check PREFIX VERSION [KEY=VALUE ...]\n"
        "       idr template SUBCOMMAND ... --node URL --id INDEX:HANDLE\n"
        "                   (--key FILE | --secret-file FILE) [--cacert FILE | --insecure]\n"
        "\n"
        "A metadata template is a versioned data model of a hosted prefix: items with a name,\n"
        "a key (the value type), an index (2000 and up), a type (string, number, date, enum,\n"
        "handle), limits and a required flag, and the GB/T 4754 industry code. A version is\n"
        "created as a draft, may change while it is a draft, and never changes once\n"
        "published (make a new version, e.g. with --from); withdraw stops registrations,\n"
        "publish resumes them. Items are disabled, never deleted.\n"
        "\n"
        "create     a draft from the national SNMS JSON (/snms/api/v5/template body: prefix,\n"
        "           version, industryCategory/Specific/Trade/Subclass, type, description,\n"
        "           items[] of name, idType, idIndex, required, state, metadata{type,\n"
        "           minLength, maxLength; number: minimum, maximum, accuracy; date:\n"
        "           dateFormat; enum: enum[]}); prefix and version may be left out of the\n"
        "           file. --from copies an existing version's definition.\n"
        "update     change a draft: items are matched by idIndex and idType (or idType alone)\n"
        "           and replaced, new ones added, missing ones kept\n"
        "show, list a version (--json: the national JSON plus templateState), the versions\n"
        "check      dry run: do KEY=VALUE attributes satisfy the version? Every error names\n"
        "           the item and the rule, e.g. 'weight (2003): number 12.5 above maximum 10'\n"
        "\n"
        "Records carrying a template version (index 1001, type TEMPLATE) are checked against\n"
        "that published version when registered (`idr import`, the network API).\n"
        "\n"
        "options:\n"
        "  --file FILE    JSON input ('-' for standard input)\n"
        "  --from VER     create: copy this version of the same prefix\n"
        "  --json         show, list: JSON output\n"
        "  --data DIR     data directory (default: $IDR_DATA, then ./idr-data)\n"
        "\n"
        "With --node every subcommand works on a running node's templates through its\n"
        "national template API (/snms/api/v5/template) over HTTPS, with the same output;\n"
        "the node's refusals are shown with its message. check fetches the version and\n"
        "checks the values here; item add and item disable fetch the version and send the\n"
        "one item (PUT).\n"
        "\n" RMT_HELP,
        run,
};
