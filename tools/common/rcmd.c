/* rcmd.c - the remote forms of register, set, unset and delete (rcmd.h). */
#include "common/rcmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cli.h"
#include "hdl/hdl.h"

#define BODY_MAX (1u << 24) /* bytes of a PUT body built here */

/* The node's message about a failed request, or what its status means. */
static void
answer_text(const struct rmt_resp *p, char *msg, size_t cap)
{
	if (p->an.message[0] != '\0') {
		snprintf(msg, cap, "%s (HTTP %d)", p->an.message, p->status);
	} else if (p->an.response_code == HDL_RC_HANDLE_NOT_FOUND || p->status == 404) {
		snprintf(msg, cap, "not registered");
	} else {
		snprintf(msg, cap, "the node answered HTTP %d", p->status);
	}
}

/* A failed request's outcome: the node's refusal of this record, or a reason to stop. */
static enum rcmd_outcome
failed(const struct rmt *r, int rc, const struct rmt_resp *p, char *msg, size_t cap)
{
	if (rc != IDR_OK) {
		snprintf(msg, cap, "%s", rmt_errmsg(r));
		return RCMD_FAILED;
	}
	answer_text(p, msg, cap);
	if (p->status >= 500 || p->status == 429) {
		return RCMD_FAILED;
	}
	return p->status == 404 ? RCMD_MISSING : RCMD_REFUSED;
}

int
rcmd_item_body(struct wbuf *w, enum rec_kind kind, const struct value *values, size_t n)
{
	struct value *all = calloc(n + 1, sizeof(*all));
	size_t m = n;
	int rc;

	if (all == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(all, values, n * sizeof(*values));
	for (size_t i = 0; i < n; i++) {
		if (values[i].index == REC_KIND_INDEX) {
			kind = REC_KIND_NONE; /* a record's own kind value (export form) */
		}
	}
	if (kind != REC_KIND_NONE) {
		struct value *k = &all[m++];

		k->index = REC_KIND_INDEX;
		k->ttl_type = VALUE_TTL_RELATIVE;
		k->ttl = VALUE_DEFAULT_TTL;
		k->perms = VALUE_PERM_DEFAULT;
		k->type = SLICE_LIT(REC_KIND_TYPE);
		k->data = slice_cstr(rec_kind_name(kind));
	}
	rec_values_sort(all, m);
	rc = rmt_values_json(w, all, m);
	free(all);
	return rc;
}

enum rcmd_outcome
rcmd_fetch(struct rmt *r, struct slice id, struct vjson_values *vals, char *msg, size_t cap)
{
	char path[IDENT_HARD_MAX * 3 + 64], err[VJSON_ERR_LEN];
	struct rmt_resp p;
	json_t *j;
	struct wbuf w;
	int rc;

	vjson_values_free(vals);
	wbuf_init(&w, path, sizeof(path));
	if (rmt_path(&w, id, "") != IDR_OK || (wbuf_u8(&w, '\0'), wbuf_error(&w)) != IDR_OK) {
		snprintf(msg, cap, "identifier too long");
		return RCMD_REFUSED;
	}
	rc = rmt_request(r, HTTPC_GET, path, slice_make(NULL, 0), false, &p);
	if (rc != IDR_OK || p.status != 200) {
		return failed(r, rc, &p, msg, cap);
	}
	j = json_loadb((const char *)p.body.p, p.body.len, 0, NULL);
	rc = j == NULL ? IDR_EPROTO : vjson_parse_values(j, vals, err, sizeof(err));
	json_decref(j);
	if (rc != IDR_OK) {
		snprintf(msg, cap, "GET %s%s: the answer is not a record (%s)", rmt_url(r), path,
		         j == NULL ? "not JSON" : err);
		return RCMD_FAILED;
	}
	return RCMD_UNCHANGED;
}

/* PUT or DELETE path ?query; 200 and 201 are success. */
static enum rcmd_outcome
write_req(struct rmt *r, enum httpc_method m, struct slice id, const char *query, struct slice body,
          int *status, char *msg, size_t cap)
{
	struct rmt_resp p;
	struct wbuf w;
	int rc;

	wbuf_init_heap(&w, (size_t)IDENT_HARD_MAX * 3 + strlen(query) + 64);
	if (rmt_path(&w, id, query) != IDR_OK || (wbuf_u8(&w, '\0'), wbuf_error(&w)) != IDR_OK) {
		wbuf_deinit(&w);
		snprintf(msg, cap, "out of memory");
		return RCMD_FAILED;
	}
	rc = rmt_request(r, m, (const char *)wbuf_data(&w), body, true, &p);
	wbuf_deinit(&w);
	*status = rc == IDR_OK ? p.status : 0;
	if (rc != IDR_OK || (p.status != 200 && p.status != 201)) {
		return failed(r, rc, &p, msg, cap);
	}
	return p.status == 201 ? RCMD_CREATED : RCMD_UPDATED;
}

enum rcmd_outcome
rcmd_apply(struct rmt *r, const struct edit *e, struct slice id, char *msg, size_t cap)
{
	struct wbuf body, q;
	enum rcmd_outcome oc = RCMD_UPDATED;
	size_t nset = 0, ndel = 0;
	int status;

	wbuf_init_heap(&body, BODY_MAX);
	wbuf_init_heap(&q, 64 + 20 * (size_t)VALUE_MAX_VALUES);
	wbuf_u8(&body, '[');
	for (size_t i = 0; i < e->ndiff; i++) {
		const struct rec_diff *d = &e->diff[i];

		if (d->kind == REC_DIFF_ONLY_A) {
			wbuf_printf(&q, "%cindex=%lu", ndel++ == 0 ? '?' : '&',
			            (unsigned long)d->index);
			continue;
		}
		if (nset++ > 0) {
			wbuf_u8(&body, ',');
		}
		(void)vjson_write_value(&body, d->b);
	}
	wbuf_u8(&body, ']');
	wbuf_u8(&q, '\0');
	if (wbuf_error(&body) != IDR_OK || wbuf_error(&q) != IDR_OK) {
		snprintf(msg, cap, "the change is too large to send");
		oc = RCMD_REFUSED;
	}
	if (oc == RCMD_UPDATED && nset > 0) {
		oc = write_req(r, HTTPC_PUT, id, "?index=various", wbuf_slice(&body), &status, msg,
		               cap);
		oc = oc == RCMD_CREATED ? RCMD_UPDATED : oc;
	}
	if (oc == RCMD_UPDATED && ndel > 0) {
		oc = write_req(r, HTTPC_DELETE, id, (const char *)wbuf_data(&q),
		               slice_make(NULL, 0), &status, msg, cap);
		oc = oc == RCMD_CREATED ? RCMD_UPDATED : oc;
	}
	wbuf_deinit(&body);
	wbuf_deinit(&q);
	return oc;
}

/* 409 on a create: what differs (or, with update, make the record the row's). */
static enum rcmd_outcome
on_conflict(struct rmt *r, struct edit *e, struct slice id, struct slice body, bool update,
            const char *b_name, char *msg, size_t cap)
{
	struct vjson_values have, row;
	enum rcmd_outcome oc;
	const char *plain = idr_strerror(IDR_ECONFLICT);
	json_t *j;
	int n = -1;
	size_t len;

	memset(&have, 0, sizeof(have));
	memset(&row, 0, sizeof(row));
	oc = rcmd_fetch(r, id, &have, msg, cap);
	if (oc == RCMD_MISSING) {
		snprintf(msg, cap, "%s (and deleted again meanwhile: run again)", plain);
		oc = RCMD_REFUSED;
	}
	j = json_loadb((const char *)body.p, body.len, 0, NULL);
	if (oc == RCMD_UNCHANGED && j != NULL && vjson_parse_values(j, &row, NULL, 0) == IDR_OK &&
	    edit_load_values(e, have.v, have.n) == IDR_OK &&
	    edit_want_row(e, REC_KIND_NONE, row.v, row.n) == IDR_OK) {
		n = edit_diff(e);
	}
	json_decref(j);
	if (oc != RCMD_UNCHANGED) {
		/* msg set by rcmd_fetch */
	} else if (n > 0 && update) {
		oc = rcmd_apply(r, e, id, msg, cap);
	} else if (n == 0 && update) {
		oc = RCMD_UNCHANGED; /* it differs in values the node does not show or a row
		                        does not set */
	} else if (n == 0) {
		snprintf(msg, cap,
		         "%s: it differs in values the node does not show, or in its HS_ values "
		         "(administrators, keys)",
		         plain);
		oc = RCMD_CONFLICT;
	} else if (n < 0) {
		snprintf(msg, cap, "%s", plain);
		oc = RCMD_CONFLICT;
	} else {
		len = (size_t)snprintf(msg, cap, "%s: ", plain);
		if (len < cap) {
			edit_describe(e, b_name, msg + len, cap - len);
		}
		oc = RCMD_CONFLICT;
	}
	vjson_values_free(&have);
	vjson_values_free(&row);
	return oc;
}

enum rcmd_outcome
rcmd_create(struct rmt *r, struct edit *e, struct slice id, struct slice body, bool update,
            const char *b_name, char *msg, size_t cap)
{
	enum rcmd_outcome oc;
	int status;

	oc = write_req(r, HTTPC_PUT, id, "?overwrite=false", body, &status, msg, cap);
	if (oc == RCMD_UPDATED) {
		return RCMD_UNCHANGED; /* 200: identical content was there */
	}
	if (status == 409) {
		return on_conflict(r, e, id, body, update, b_name, msg, cap);
	}
	return oc;
}

int
rcmd_open(const char *cmd, const struct rmt_opts *o, struct rmt_cred **cred, struct rmt **r)
{
	char err[RMT_ERR_MAX];

	*r = NULL;
	if (rmt_cred_load(cred, o, err, sizeof(err)) != IDR_OK) {
		cli_errorf(cmd, "%s", err);
		return CLI_EXIT_FAIL;
	}
	if (rmt_new(r, o, *cred, err, sizeof(err)) != IDR_OK) {
		cli_errorf(cmd, "%s", err);
		rmt_cred_free(*cred);
		*cred = NULL;
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static void
close_all(struct rmt_cred *cred, struct rmt *r, struct edit *e)
{
	rmt_free(r);
	rmt_cred_free(cred);
	if (e != NULL) {
		edit_deinit(e);
	}
}

int
rcmd_register(const char *cmd, const struct rmt_opts *o, const char *id, enum rec_kind kind,
              const struct value *values, size_t n)
{
	char msg[RCMD_MSG_MAX], idb[300];
	struct rmt_cred *cred = NULL;
	struct rmt *r = NULL;
	enum rcmd_outcome oc;
	struct edit e;
	struct wbuf body;
	int rc;

	if ((rc = rcmd_open(cmd, o, &cred, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	if (edit_init(&e) != IDR_OK) {
		close_all(cred, r, NULL);
		cli_errorf(cmd, "out of memory");
		return CLI_EXIT_FAIL;
	}
	wbuf_init_heap(&body, BODY_MAX);
	if (rcmd_item_body(&body, kind, values, n) != IDR_OK) {
		oc = RCMD_REFUSED;
		snprintf(msg, sizeof(msg), "the record is too large to send");
	} else {
		oc = rcmd_create(r, &e, slice_cstr(id), wbuf_slice(&body), false, EDIT_IN_COMMAND,
		                 msg, sizeof(msg));
	}
	wbuf_deinit(&body);
	close_all(cred, r, &e);
	cli_safe(id, idb, sizeof(idb));
	switch (oc) {
	case RCMD_CREATED:
		printf("created %s\n", id);
		return CLI_EXIT_OK;
	case RCMD_UNCHANGED:
		printf("unchanged %s (already registered with the same content)\n", id);
		return CLI_EXIT_OK;
	case RCMD_CONFLICT:
		cli_errorf(cmd, "%s: %s", idb, msg);
		cli_errorf(cmd, "to change a registered record: idr set ID KEY=VALUE... --node ... "
		                "(or idr import --update)");
		return CLI_EXIT_FAIL;
	case RCMD_FAILED:
		cli_errorf(cmd, "%s", msg);
		return CLI_EXIT_FAIL;
	default:
		cli_errorf(cmd, "%s: %s", idb, msg);
		return CLI_EXIT_FAIL;
	}
}

/* The change list of e for stdout (edit_print into memory). */
static char *
change_text(const struct edit *e)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (mem == NULL) {
		return NULL;
	}
	if (edit_print(mem, e) != IDR_OK) {
		fclose(mem);
		free(text);
		return NULL;
	}
	if (fclose(mem) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Fetch, build, diff, apply; *text the change list when something changed. */
static enum rcmd_outcome
edit_remote(struct rmt *r, struct edit *e, struct vjson_values *vals, const char *id,
            edit_build_fn build, void *arg, char **text, char *msg, size_t cap)
{
	enum rcmd_outcome oc = rcmd_fetch(r, slice_cstr(id), vals, msg, cap);
	int rc;

	if (oc != RCMD_UNCHANGED) {
		return oc;
	}
	msg[0] = '\0';
	rc = edit_load_values(e, vals->v, vals->n);
	if (rc == IDR_OK) {
		edit_want_have(e);
		rc = build(e, arg, msg, cap);
	}
	if (rc == IDR_OK) {
		rc = edit_diff(e);
	}
	if (rc < 0) {
		if (msg[0] == '\0') {
			snprintf(msg, cap, "%s", idr_strerror(rc));
		}
		return RCMD_REFUSED;
	}
	if (rc == 0) {
		return RCMD_UNCHANGED;
	}
	*text = change_text(e); /* listed before the writes, as locally */
	return rcmd_apply(r, e, slice_cstr(id), msg, cap);
}

int
rcmd_edit(const char *cmd, const struct rmt_opts *o, const char *id, edit_build_fn build, void *arg)
{
	char msg[RCMD_MSG_MAX], idb[300];
	struct rmt_cred *cred = NULL;
	struct vjson_values vals;
	struct rmt *r = NULL;
	enum rcmd_outcome oc;
	char *text = NULL;
	struct edit e;
	int rc;

	if ((rc = rcmd_open(cmd, o, &cred, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	if (edit_init(&e) != IDR_OK) {
		close_all(cred, r, NULL);
		cli_errorf(cmd, "out of memory");
		return CLI_EXIT_FAIL;
	}
	memset(&vals, 0, sizeof(vals));
	oc = edit_remote(r, &e, &vals, id, build, arg, &text, msg, sizeof(msg));
	vjson_values_free(&vals);
	close_all(cred, r, &e);
	cli_safe(id, idb, sizeof(idb));
	rc = CLI_EXIT_OK;
	if (oc == RCMD_UNCHANGED) {
		printf("unchanged %s (it already holds these values)\n", id);
	} else if (oc == RCMD_UPDATED) {
		printf("updated %s\n%s", id, text != NULL ? text : "");
	} else if (oc == RCMD_MISSING) {
		cli_errorf(cmd,
		           "%s: not registered (create it with idr register ID --kind KIND "
		           "[KEY=VALUE...])",
		           idb);
		rc = CLI_EXIT_NOTFOUND;
	} else if (oc == RCMD_FAILED) {
		cli_errorf(cmd, "%s", msg);
		rc = CLI_EXIT_FAIL;
	} else {
		cli_errorf(cmd, "%s: %s", idb, msg);
		rc = CLI_EXIT_FAIL;
	}
	free(text);
	return rc;
}

/* ---------------------------------------------------------------- delete */

/* The line idr delete prints for a record about to be deleted (heap string). */
static char *
describe(struct slice id, const struct vjson_values *vals, bool json)
{
	const char *kind = NULL;
	struct wbuf w;

	for (size_t i = 0; i < vals->n; i++) {
		enum rec_kind k;

		if (vals->v[i].index == REC_KIND_INDEX &&
		    slice_caseeq_cstr(vals->v[i].type, REC_KIND_TYPE) &&
		    rec_kind_parse(vals->v[i].data, &k) == IDR_OK) {
			kind = rec_kind_name(k);
		}
	}
	wbuf_init_heap(&w, BODY_MAX);
	if (json) {
		wbuf_lit(&w, "{\"handle\":");
		(void)vjson_write_str(&w, id);
		if (kind != NULL) {
			wbuf_printf(&w, ",\"kind\":\"%s\"", kind);
		}
		wbuf_lit(&w, ",\"values\":");
		(void)rmt_values_json(&w, vals->v, vals->n);
		wbuf_lit(&w, "}\n");
	} else {
		wbuf_lit(&w, "deleted ");
		wbuf_bytes(&w, id.p, id.len);
		wbuf_printf(&w, " (%s%s%lu value%s)\n", kind != NULL ? kind : "",
		            kind != NULL ? ", " : "", (unsigned long)vals->n,
		            vals->n == 1 ? "" : "s");
	}
	wbuf_u8(&w, '\0');
	if (wbuf_error(&w) != IDR_OK) {
		wbuf_deinit(&w);
		return NULL;
	}
	return (char *)wbuf_steal(&w, NULL);
}

/* Fetch every record first: one not registered means nothing is deleted. */
static int
delete_check(const char *cmd, struct rmt *r, char **ids, int n, bool json, char **lines)
{
	char msg[RCMD_MSG_MAX], idb[300];
	struct vjson_values vals;
	int rc = CLI_EXIT_OK;

	memset(&vals, 0, sizeof(vals));
	for (int i = 0; i < n && rc == CLI_EXIT_OK; i++) {
		enum rcmd_outcome oc = rcmd_fetch(r, slice_cstr(ids[i]), &vals, msg, sizeof(msg));

		cli_safe(ids[i], idb, sizeof(idb));
		if (oc == RCMD_UNCHANGED) {
			lines[i] = describe(slice_cstr(ids[i]), &vals, json);
			if (lines[i] == NULL) {
				cli_errorf(cmd, "out of memory");
				rc = CLI_EXIT_FAIL;
			}
		} else if (oc == RCMD_MISSING) {
			cli_errorf(cmd, "%s: not registered%s", idb,
			           n > 1 ? " (nothing was deleted)" : "");
			rc = CLI_EXIT_NOTFOUND;
		} else {
			cli_errorf(cmd, "%s%s%s", oc == RCMD_FAILED ? "" : idb,
			           oc == RCMD_FAILED ? "" : ": ", msg);
			rc = CLI_EXIT_FAIL;
		}
	}
	vjson_values_free(&vals);
	return rc;
}

int
rcmd_delete(const char *cmd, const struct rmt_opts *o, char **ids, int n, bool json)
{
	char msg[RCMD_MSG_MAX], idb[300];
	struct rmt_cred *cred = NULL;
	struct rmt *r = NULL;
	char **lines;
	int rc, status;

	if ((rc = rcmd_open(cmd, o, &cred, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	lines = calloc((size_t)n, sizeof(*lines));
	rc = lines == NULL ? CLI_EXIT_FAIL : delete_check(cmd, r, ids, n, json, lines);
	for (int i = 0; i < n && rc == CLI_EXIT_OK; i++) {
		enum rcmd_outcome oc = write_req(r, HTTPC_DELETE, slice_cstr(ids[i]), "",
		                                 slice_make(NULL, 0), &status, msg, sizeof(msg));

		if (oc == RCMD_UPDATED || oc == RCMD_CREATED) {
			fputs(lines[i], stdout);
			continue;
		}
		cli_errorf(cmd, "%s: %s%s", cli_safe(ids[i], idb, sizeof(idb)), msg,
		           i > 0 ? " (the records listed before were deleted)" : "");
		rc = oc == RCMD_MISSING ? CLI_EXIT_NOTFOUND : CLI_EXIT_FAIL;
	}
	for (int i = 0; lines != NULL && i < n; i++) {
		free(lines[i]);
	}
	free(lines);
	close_all(cred, r, NULL);
	return rc;
}
