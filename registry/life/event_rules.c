/* event_rules.c - the EPCIS rules the JSON schema misses, JSON-LD output, URI -> handle. */
#include "life/event.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "life/event_int.h"

struct rctx {
	const char *path;
	char *err;
	size_t errlen;
};

IDR_PRINTF(3, 4)
static int
fail(const struct rctx *c, int rc, const char *fmt, ...)
{
	char msg[LIFE_ERR_LEN];
	va_list ap;

	if (c->err == NULL || c->errlen == 0) {
		return rc;
	}
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)snprintf(c->err, c->errlen, "%s%s%s", c->path != NULL ? c->path : "",
	               c->path != NULL && c->path[0] != '\0' ? "." : "", msg);
	return rc;
}

static int
check_uri(const struct rctx *c, const char *s, const char *name)
{
	if (s == NULL) {
		return IDR_OK;
	}
	if (strlen(s) > LIFE_MAX_URI) {
		return fail(c, IDR_ELIMIT, "%s: longer than %u bytes", name, LIFE_MAX_URI);
	}
	return life_uri_ok(s) ? IDR_OK : fail(c, IDR_EPROTO, "%s: not a URI", name);
}

static int
check_uris(const struct rctx *c, const struct life_uris *l, const char *name)
{
	char item[64];
	int rc;

	if (l->n > LIFE_MAX_LIST) {
		return fail(c, IDR_ELIMIT, "%s: more than %u items", name, LIFE_MAX_LIST);
	}
	for (size_t i = 0; i < l->n; i++) {
		(void)snprintf(item, sizeof(item), "%s[%zu]", name, i);
		if (l->v[i] == NULL) {
			return fail(c, IDR_EPROTO, "%s: missing", item);
		}
		if ((rc = check_uri(c, l->v[i], item)) != IDR_OK) {
			return rc;
		}
	}
	return IDR_OK;
}

static int
check_qtys(const struct rctx *c, const struct life_qtys *l, const char *name)
{
	char item[64];
	int rc;

	if (l->n > LIFE_MAX_LIST) {
		return fail(c, IDR_ELIMIT, "%s: more than %u items", name, LIFE_MAX_LIST);
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct life_qty *q = &l->v[i];
		(void)snprintf(item, sizeof(item), "%s[%zu].epcClass", name, i);
		if (q->epc_class == NULL) {
			return fail(c, IDR_EPROTO, "%s: required", item);
		}
		if ((rc = check_uri(c, q->epc_class, item)) != IDR_OK) {
			return rc;
		}
		if (q->has_quantity && !isfinite(q->quantity)) {
			return fail(c, IDR_EPROTO, "%s[%zu].quantity: must be a number", name, i);
		}
		if (q->uom != NULL && (!q->has_quantity || !life_uom_ok(q->uom))) {
			return fail(
			        c, IDR_EPROTO,
			        "%s[%zu].uom: a UN/ECE Rec 20 code ([A-Z0-9]{2,3}) with a quantity",
			        name, i);
		}
	}
	return IDR_OK;
}

static int
check_vocab(const struct rctx *c, const char *s, const char *name, bool (*word)(const char *))
{
	if (s == NULL || word(s)) {
		return IDR_OK;
	}
	if (strncmp(s, "urn:epcglobal:cbv:", 18) == 0 ||
	    strncmp(s, "https://ns.gs1.org/cbv/", 23) == 0 ||
	    strncmp(s, "https://ref.gs1.org/cbv/", 24) == 0) {
		return fail(c, IDR_EPROTO, "%s: '%.64s': write CBV values as bare words", name, s);
	}
	if (strlen(s) > LIFE_MAX_URI) {
		return fail(c, IDR_ELIMIT, "%s: longer than %u bytes", name, LIFE_MAX_URI);
	}
	return life_uri_ok(s) ? IDR_OK
	                      : fail(c, IDR_EPROTO,
	                             "%s: '%.64s' is neither a CBV 2.0 word nor a URI", name, s);
}

static int
check_fields(const struct rctx *c, const struct life_event *ev)
{
	int rc;

	if (ev->event_time.tz_min < -14 * 60 || ev->event_time.tz_min > 14 * 60) {
		return fail(c, IDR_EPROTO, "eventTimeZoneOffset: outside -14:00..+14:00");
	}
	if ((rc = check_uri(c, ev->event_id, "eventID")) != IDR_OK ||
	    (rc = check_uri(c, ev->read_point, "readPoint.id")) != IDR_OK ||
	    (rc = check_uri(c, ev->biz_location, "bizLocation.id")) != IDR_OK ||
	    (rc = check_uri(c, ev->parent_id, "parentID")) != IDR_OK ||
	    (rc = check_uri(c, ev->transformation_id, "transformationID")) != IDR_OK ||
	    (rc = check_vocab(c, ev->biz_step, "bizStep", life_cbv_biz_step)) != IDR_OK ||
	    (rc = check_vocab(c, ev->disposition, "disposition", life_cbv_disposition)) != IDR_OK ||
	    (rc = check_uris(c, &ev->epcs, "epcList")) != IDR_OK ||
	    (rc = check_uris(c, &ev->child_epcs, "childEPCs")) != IDR_OK ||
	    (rc = check_uris(c, &ev->input_epcs, "inputEPCList")) != IDR_OK ||
	    (rc = check_uris(c, &ev->output_epcs, "outputEPCList")) != IDR_OK ||
	    (rc = check_qtys(c, &ev->quantities, "quantityList")) != IDR_OK ||
	    (rc = check_qtys(c, &ev->child_quantities, "childQuantityList")) != IDR_OK ||
	    (rc = check_qtys(c, &ev->input_quantities, "inputQuantityList")) != IDR_OK ||
	    (rc = check_qtys(c, &ev->output_quantities, "outputQuantityList")) != IDR_OK) {
		return rc;
	}
	if (ev->has_error_decl) {
		if ((rc = check_vocab(c, ev->error_decl.reason, "errorDeclaration.reason",
		                      life_cbv_error_reason)) != IDR_OK ||
		    (rc = check_uris(c, &ev->error_decl.corrective_ids,
		                     "errorDeclaration.correctiveEventIDs")) != IDR_OK) {
			return rc;
		}
	}
	return IDR_OK;
}

/* the members each type carries, beyond what the JSON schema requires (ref §1.3) */
static int
check_type_rules(const struct rctx *c, const struct life_event *ev, const char *tname)
{
	const char *act = life_action_name(ev->action);
	bool children = ev->child_epcs.n > 0 || ev->child_quantities.n > 0;
	bool in = ev->input_epcs.n > 0 || ev->input_quantities.n > 0;
	bool outp = ev->output_epcs.n > 0 || ev->output_quantities.n > 0;
	json_t *btl = ev->ext != NULL ? json_object_get(ev->ext, "bizTransactionList") : NULL;

	switch (ev->type) {
	case LIFE_OBJECT:
		if (ev->epcs.n == 0 && ev->quantities.n == 0 &&
		    !(ev->ext != NULL && json_object_get(ev->ext, "sensorElementList") != NULL &&
		      ev->read_point != NULL)) {
			return fail(c, IDR_EPROTO,
			            "epcList: an ObjectEvent needs epcList, quantityList, or "
			            "sensorElementList with readPoint");
		}
		if (ev->action != LIFE_ACTION_ADD && ev->ext != NULL &&
		    json_object_get(ev->ext, "ilmd") != NULL) {
			return fail(c, IDR_EPROTO, "ilmd: only on an ObjectEvent with action ADD");
		}
		return IDR_OK;
	case LIFE_AGGREGATION:
	case LIFE_ASSOCIATION:
		if (ev->parent_id == NULL &&
		    (ev->type == LIFE_ASSOCIATION || ev->action != LIFE_ACTION_OBSERVE)) {
			return fail(c, IDR_EPROTO, "parentID: required for an %s with action %s",
			            tname, act);
		}
		if (!children && ev->action != LIFE_ACTION_DELETE) {
			return fail(c, IDR_EPROTO,
			            "childEPCs: an %s with action %s needs childEPCs or "
			            "childQuantityList",
			            tname, act);
		}
		return IDR_OK;
	case LIFE_TRANSFORMATION:
		if (!(in && outp) && !(ev->transformation_id != NULL && (in || outp))) {
			return fail(c, IDR_EPROTO,
			            "inputEPCList: a TransformationEvent needs inputs and outputs, "
			            "or a "
			            "transformationID with inputs or outputs");
		}
		return IDR_OK;
	case LIFE_TRANSACTION:
		if (!json_is_array(btl) || json_array_size(btl) == 0) {
			return fail(c, IDR_EPROTO,
			            "bizTransactionList: required for a TransactionEvent");
		}
		if (ev->epcs.n == 0 && ev->quantities.n == 0) {
			return fail(c, IDR_EPROTO,
			            "epcList: a TransactionEvent needs epcList or quantityList");
		}
		return IDR_OK;
	}
	return fail(c, IDR_EPROTO, "type: unknown event type");
}

int
life_check(const struct life_event *ev, const char *path, char *err, size_t errlen)
{
	const struct rctx c = {path, err, errlen};
	const char *tname = life_type_name(ev->type);
	int rc;

	if (tname == NULL) {
		return fail(&c, IDR_EPROTO, "type: unknown event type");
	}
	if (ev->type == LIFE_TRANSFORMATION) {
		if (ev->action != LIFE_ACTION_NONE) {
			return fail(&c, IDR_EPROTO,
			            "action: not a member of a TransformationEvent");
		}
	} else if (life_action_name(ev->action) == NULL) {
		return fail(&c, IDR_EPROTO, "action: required for an %s", tname);
	}
	if ((rc = check_fields(&c, ev)) != IDR_OK) {
		return rc;
	}
	return check_type_rules(&c, ev, tname);
}

int
life_event_check(const struct life_event *ev, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0) {
		err[0] = '\0';
	}
	return life_check(ev, NULL, err, errlen);
}

/* ---- JSON-LD output ---- */

static int
set_new(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new(o, key, v) == 0 ? IDR_OK : IDR_ENOMEM;
}

static int
set_str(json_t *o, const char *key, const char *s)
{
	return s == NULL ? IDR_OK : set_new(o, key, json_string(s));
}

static int
set_time(json_t *o, const char *key, struct life_time t)
{
	char buf[LIFE_TIME_LEN];

	life_time_format(t, false, buf);
	return set_new(o, key, json_string(buf));
}

static int
set_uris(json_t *o, const char *key, const struct life_uris *l)
{
	json_t *a;

	if (l->n == 0) {
		return IDR_OK;
	}
	if ((a = json_array()) == NULL) {
		return IDR_ENOMEM;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (json_array_append_new(a, json_string(l->v[i])) != 0) {
			json_decref(a);
			return IDR_ENOMEM;
		}
	}
	return set_new(o, key, a);
}

static json_t *
number(double d)
{
	if (d == floor(d) && fabs(d) < 9007199254740992.0) {
		return json_integer((json_int_t)d);
	}
	return json_real(d);
}

static int
set_qtys(json_t *o, const char *key, const struct life_qtys *l)
{
	json_t *a, *q;

	if (l->n == 0) {
		return IDR_OK;
	}
	if ((a = json_array()) == NULL) {
		return IDR_ENOMEM;
	}
	for (size_t i = 0; i < l->n; i++) {
		if ((q = json_object()) == NULL || json_array_append_new(a, q) != 0 ||
		    set_str(q, "epcClass", l->v[i].epc_class) != IDR_OK ||
		    (l->v[i].has_quantity &&
		     set_new(q, "quantity", number(l->v[i].quantity)) != IDR_OK) ||
		    set_str(q, "uom", l->v[i].uom) != IDR_OK) {
			json_decref(a);
			return IDR_ENOMEM;
		}
	}
	return set_new(o, key, a);
}

static int
set_place(json_t *o, const json_t *ext, const char *key, const char *id)
{
	json_t *p;

	if (id == NULL || (ext != NULL && json_object_get(ext, key) != NULL)) {
		return IDR_OK; /* absent, or written verbatim from ext */
	}
	if ((p = json_object()) == NULL || set_str(p, "id", id) != IDR_OK) {
		json_decref(p);
		return IDR_ENOMEM;
	}
	return set_new(o, key, p);
}

static int
set_error_decl(json_t *o, const struct life_event *ev)
{
	json_t *e;

	if (!ev->has_error_decl ||
	    (ev->ext != NULL && json_object_get(ev->ext, "errorDeclaration") != NULL)) {
		return IDR_OK;
	}
	if ((e = json_object()) == NULL || set_new(o, "errorDeclaration", e) != IDR_OK) {
		return IDR_ENOMEM;
	}
	if (set_time(e, "declarationTime", ev->error_decl.declaration_time) != IDR_OK ||
	    set_str(e, "reason", ev->error_decl.reason) != IDR_OK ||
	    set_uris(e, "correctiveEventIDs", &ev->error_decl.corrective_ids) != IDR_OK) {
		return IDR_ENOMEM;
	}
	return IDR_OK;
}

static int
to_json(const struct life_event *ev, json_t *o)
{
	struct life_time t = ev->event_time;
	char tz[8];
	int a = abs(t.tz_min);

	(void)snprintf(tz, sizeof(tz), "%c%02d:%02d", t.tz_min < 0 ? '-' : '+', a / 60, a % 60);
	if (set_str(o, "type", life_type_name(ev->type)) != IDR_OK ||
	    set_str(o, "eventID", ev->event_id) != IDR_OK ||
	    set_time(o, "eventTime", t) != IDR_OK ||
	    set_new(o, "eventTimeZoneOffset", json_string(tz)) != IDR_OK ||
	    (ev->has_record_time && set_time(o, "recordTime", ev->record_time) != IDR_OK) ||
	    set_error_decl(o, ev) != IDR_OK || set_str(o, "parentID", ev->parent_id) != IDR_OK ||
	    set_uris(o, "epcList", &ev->epcs) != IDR_OK ||
	    set_uris(o, "childEPCs", &ev->child_epcs) != IDR_OK ||
	    set_uris(o, "inputEPCList", &ev->input_epcs) != IDR_OK ||
	    set_qtys(o, "inputQuantityList", &ev->input_quantities) != IDR_OK ||
	    set_uris(o, "outputEPCList", &ev->output_epcs) != IDR_OK ||
	    set_qtys(o, "outputQuantityList", &ev->output_quantities) != IDR_OK ||
	    set_qtys(o, "quantityList", &ev->quantities) != IDR_OK ||
	    set_qtys(o, "childQuantityList", &ev->child_quantities) != IDR_OK ||
	    set_str(o, "action", life_action_name(ev->action)) != IDR_OK ||
	    set_str(o, "transformationID", ev->transformation_id) != IDR_OK ||
	    set_str(o, "bizStep", ev->biz_step) != IDR_OK ||
	    set_str(o, "disposition", ev->disposition) != IDR_OK ||
	    set_place(o, ev->ext, "readPoint", ev->read_point) != IDR_OK ||
	    set_place(o, ev->ext, "bizLocation", ev->biz_location) != IDR_OK) {
		return IDR_ENOMEM;
	}
	if (ev->ext != NULL && json_object_update(o, ev->ext) != 0) {
		return IDR_ENOMEM;
	}
	return IDR_OK;
}

int
life_event_to_json(const struct life_event *ev, json_t **out)
{
	json_t *o = json_object();
	int rc;

	*out = NULL;
	if (o == NULL) {
		return IDR_ENOMEM;
	}
	if ((rc = to_json(ev, o)) != IDR_OK) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return IDR_OK;
}

int
life_doc_to_json(const struct life_event *ev, size_t n, const json_t *ns, int64_t creation_ms,
                 json_t **out)
{
	json_t *d = json_object(), *ctx = json_array(), *body = json_object(), *list = json_array();
	json_t *e;
	char buf[LIFE_TIME_LEN];
	int rc = IDR_ENOMEM;

	*out = NULL;
	life_time_format((struct life_time){creation_ms, 0}, true, buf);
	if (d == NULL || ctx == NULL || body == NULL || list == NULL ||
	    json_array_append_new(ctx, json_string(EPCIS_CONTEXT_URI)) != 0 ||
	    (ns != NULL && json_object_size(ns) > 0 &&
	     json_array_append_new(ctx, json_deep_copy(ns)) != 0) ||
	    json_object_set(d, "@context", ctx) != 0 ||
	    json_object_set_new(d, "type", json_string("EPCISDocument")) != 0 ||
	    json_object_set_new(d, "schemaVersion", json_string("2.0")) != 0 ||
	    json_object_set_new(d, "creationDate", json_string(buf)) != 0 ||
	    json_object_set(d, "epcisBody", body) != 0 ||
	    json_object_set(body, "eventList", list) != 0) {
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if ((rc = life_event_to_json(&ev[i], &e)) != IDR_OK) {
			goto done;
		}
		if (json_array_append_new(list, e) != 0) {
			rc = IDR_ENOMEM;
			goto done;
		}
	}
	rc = IDR_OK;
	*out = json_incref(d);
done:
	json_decref(d);
	json_decref(ctx);
	json_decref(body);
	json_decref(list);
	return rc;
}

int
life_query_doc_to_json(const struct life_event *ev, size_t n, const json_t *ns, int64_t creation_ms,
                       json_t **out)
{
	json_t *doc = NULL, *list, *qr;
	int rc = life_doc_to_json(ev, n, ns, creation_ms, &doc);

	*out = NULL;
	if (rc != IDR_OK) {
		return rc;
	}
	list = json_incref(json_object_get(json_object_get(doc, "epcisBody"), "eventList"));
	qr = json_pack("{s:{s:s,s:{s:o}}}", "queryResults", "queryName", "SimpleEventQuery",
	               "resultsBody", "eventList", list != NULL ? list : json_array());
	if (qr == NULL || json_object_set_new(doc, "epcisBody", qr) != 0 ||
	    json_object_set_new(doc, "type", json_string("EPCISQueryDocument")) != 0) {
		json_decref(doc);
		return IDR_ENOMEM;
	}
	*out = doc;
	return IDR_OK;
}

/* ---- identifiers ---- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

static bool
handle_prefix(const char *p, size_t n)
{
	/* a handle prefix has a '.' (88.118.8, 20.500); GS1 Digital Link keys are bare AIs */
	return n > 0 && memchr(p, '.', n) != NULL;
}

int
life_uri_handle(const char *uri, char *out, size_t outlen)
{
	const char *p, *slash;
	size_t n = 0;

	if (strncmp(uri, "https://", 8) == 0) {
		p = uri + 8;
	} else if (strncmp(uri, "http://", 7) == 0) {
		p = uri + 7;
	} else {
		return IDR_ENOENT;
	}
	p = strchr(p, '/'); /* end of the authority */
	if (p == NULL) {
		return IDR_ENOENT;
	}
	p++;
	slash = strchr(p, '/');
	if (slash == NULL || slash[1] == '\0' || slash[1] == '?' || slash[1] == '#' ||
	    !handle_prefix(p, (size_t)(slash - p))) {
		return IDR_ENOENT; /* no prefix/suffix, or a GS1 Digital Link key ("/01/...") */
	}
	for (; *p != '\0' && *p != '?' && *p != '#'; p++) {
		char ch = *p;
		if (ch == '%') {
			int hi = hexval(p[1]), lo = hi >= 0 ? hexval(p[2]) : -1;
			if (lo < 0) {
				return IDR_ENOENT;
			}
			ch = (char)(hi * 16 + lo);
			p += 2;
		}
		if (n + 1 >= outlen) {
			return IDR_ETOOBIG;
		}
		out[n++] = ch;
	}
	out[n] = '\0';
	return n > 0 && memchr(out, '\0', n) == NULL ? (int)n : IDR_ENOENT;
}
