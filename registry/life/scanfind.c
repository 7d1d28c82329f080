/*
 * scanfind.c - a scan to its handle and the item's recent events (scanfind.h).
 */
#include "life/scanfind.h"

#include <stdio.h>
#include <string.h>

#include "life/capture.h"
#include "model/vjson.h"

int
scanfind_run(struct reg_rtxn *t, const void *in, size_t len, const struct scan_opts *o,
             struct scanfind *out)
{
	char keys[ALIAS_KEYS][ALIAS_KEY_MAX + 1];
	struct slice h;
	size_t n;
	int rc;

	out->via = "";
	out->alias[0] = out->handle[0] = out->err[0] = '\0';
	rc = scan_parse(in, len, o, &out->r);
	if (rc != IDR_OK) {
		n = alias_keys_of_text(in, len, keys);
		if (n == 0) {
			snprintf(out->err, sizeof(out->err), "%s", out->r.err);
			return rc;
		}
	} else if (out->r.kind == SCAN_HANDLE) {
		snprintf(out->handle, sizeof(out->handle), "%s", out->r.handle);
		out->via = "handle";
		return IDR_OK;
	} else {
		n = alias_keys_of_scan(&out->r, keys);
	}
	if (n == 0) {
		snprintf(out->err, sizeof(out->err),
		         "GS1 data without a primary key ((01), (00), (414), ...) names no item");
		return IDR_ENOENT;
	}
	for (size_t i = 0; i < n; i++) {
		rc = reg_alias_get(t, slice_cstr(keys[i]), &h);
		if (rc == IDR_OK && h.len < sizeof(out->handle)) {
			memcpy(out->handle, h.p, h.len);
			out->handle[h.len] = '\0';
			memcpy(out->alias, keys[i], sizeof(out->alias));
			out->via = "alias";
			return IDR_OK;
		}
		if (rc != IDR_OK && rc != IDR_ENOENT && rc != IDR_ELIMIT) {
			return rc;
		}
	}
	/* the identity's event join: an alias in another spelling (an EPC URN registered, its
	 * Digital Link scanned without a company prefix length to make the URN from) */
	for (size_t i = 0; i < n; i++) {
		rc = reg_alias_join(t, slice_cstr(keys[i]), &h);
		if (rc == IDR_OK && h.len < sizeof(out->handle)) {
			memcpy(out->handle, h.p, h.len);
			out->handle[h.len] = '\0';
			memcpy(out->alias, keys[i], sizeof(out->alias));
			out->via = "alias";
			return IDR_OK;
		}
		if (rc != IDR_OK && rc != IDR_ENOENT && rc != IDR_ELIMIT && rc != IDR_EINVAL) {
			return rc;
		}
	}
	snprintf(out->err, sizeof(out->err), "no item with alias %s here", keys[0]);
	return IDR_ENOENT;
}

/* the newest events, newest first (reg_events_latest reads the index backwards) */
struct latest {
	struct reg_event_view v[SCANFIND_EVENTS_MAX];
	size_t n;
};

static int
keep(void *arg, const struct reg_event_view *ev)
{
	struct latest *l = arg;

	if (l->n < SCANFIND_EVENTS_MAX) {
		l->v[l->n++] = *ev;
	}
	return 0;
}

int
scanfind_events(struct reg_rtxn *t, const char *handle, size_t n, reg_event_fn cb, void *arg)
{
	static _Thread_local struct latest l;
	char key[REG_EVENT_KEY_MAX + 1];
	int rc, kl;

	if (n == 0 || n > SCANFIND_EVENTS_MAX) {
		return n == 0 ? IDR_OK : IDR_EINVAL;
	}
	kl = life_capture_key(handle, key, sizeof(key));
	if (kl < 0) {
		return kl == IDR_ELIMIT ? IDR_OK : kl; /* too long to have a timeline */
	}
	l.n = 0;
	/* only the newest n entries of the index are read, however long the timeline */
	rc = reg_events_latest(t, slice_make(key, (size_t)kl), n, 0, keep, &l, NULL);
	if (rc != IDR_OK) {
		return rc;
	}
	for (size_t i = l.n; i-- > 0;) { /* oldest of them first, newest last */
		rc = cb(arg, &l.v[i]);
		if (rc != 0) {
			return rc;
		}
	}
	return IDR_OK;
}

static void
member(struct wbuf *w, const char *name, const char *val)
{
	wbuf_printf(w, ",\"%s\":", name);
	vjson_write_str(w, slice_cstr(val));
}

static void
recognised(struct wbuf *w, const struct scan_result *r)
{
	char gs1[SCAN_URI_MAX];

	if (r->kind == SCAN_NONE) {
		wbuf_lit(w, "null");
		return;
	}
	wbuf_lit(w, "{\"kind\":");
	vjson_write_str(w, slice_cstr(scan_kind_name(r->kind)));
	member(w, "form", scan_form_name(r->form));
	member(w, "symbology", r->symbology);
	if (r->kind == SCAN_HANDLE) {
		member(w, "handle", r->handle);
	} else if (scan_gs1_format(&r->gs1, SCAN_STYLE_HRI, gs1, sizeof(gs1)) == IDR_OK) {
		member(w, "gs1", gs1);
	}
	if (r->epc_urn[0] != '\0') {
		member(w, "epc", r->epc_urn);
	}
	if (r->dl[0] != '\0') {
		member(w, "dl", r->dl);
	}
	wbuf_u8(w, '}');
}

struct evjson {
	struct wbuf *w;
	size_t n;
};

static int
event_json(void *arg, const struct reg_event_view *ev)
{
	struct evjson *e = arg;

	if (e->n++ > 0) {
		wbuf_u8(e->w, ',');
	}
	wbuf_bytes(e->w, ev->doc.p, ev->doc.len);
	return wbuf_error(e->w) != IDR_OK ? wbuf_error(e->w) : 0;
}

int
scanfind_json(struct wbuf *w, struct slice code, int rc, const struct scanfind *f, const char *msg,
              const struct rec_view *rec, bool public_only, struct reg_rtxn *t, size_t nevents)
{
	struct vjson_filter flt;
	struct evjson e = {w, 0};
	int n;

	wbuf_lit(w, "{\"code\":");
	vjson_write_str(w, code);
	wbuf_lit(w, ",\"recognised\":");
	recognised(w, &f->r);
	if (f->via[0] != '\0') {
		member(w, "via", f->via);
	}
	if (f->alias[0] != '\0') {
		member(w, "alias", f->alias);
	}
	if (f->handle[0] != '\0') {
		member(w, "handle", f->handle);
	}
	if (rc != IDR_OK) {
		member(w, "message", msg);
		wbuf_u8(w, '}');
		return wbuf_error(w);
	}
	memset(&flt, 0, sizeof(flt));
	flt.public_only = public_only;
	wbuf_lit(w, ",\"record\":");
	n = vjson_write_record(w, rec, vjson_filter_match, &flt);
	if (n < 0) {
		return n;
	}
	wbuf_lit(w, ",\"events\":[");
	rc = scanfind_events(t, f->handle, nevents, event_json, &e);
	if (rc != IDR_OK) {
		return rc;
	}
	wbuf_lit(w, "]}");
	return wbuf_error(w);
}
