/*
 * fuzz_http.c - HTTP request-target parsing (path and query) on arbitrary bytes, as http.c
 * calls it, plus what http.c does with the pieces. Crashes and sanitizer reports are
 * findings; so is any broken invariant (abort()):
 *   - a failure is one of the documented codes and names a reason;
 *   - on success the path starts with '/', every decoded piece is valid UTF-8 without NUL
 *     and lies inside the scratch buffer, and the parameter count is within the capacity;
 *   - every path has a row of the route table for GET (the proxy takes what no other row
 *     does); a capture is non-empty and is the end of the path;
 *   - percent-encoding the decoded path and parsing it again gives the same path and row;
 *   - HTML escaping of the handle and of every value leaves no markup character;
 *   - the parameter helpers never fail in an undocumented way.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/text.h"
#include "http/html.h"
#include "http/route.h"
#include "http/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 64

static struct uri_param params[CAP], params2[CAP];
static uint8_t scratch[URI_MAX_TARGET + 1], scratch2[3 * URI_MAX_TARGET + 8];
static uint8_t enc[3 * URI_MAX_TARGET + 8], esc[6 * URI_MAX_TARGET + 64];

static void
check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static bool
inside(struct slice s, const uint8_t *buf, size_t cap)
{
	return s.len == 0 || (s.p >= buf && s.p + s.len <= buf + cap);
}

static void
check_piece(struct slice s, const uint8_t *buf, size_t cap)
{
	check(text_utf8_check(s.p, s.len, NULL, NULL) == IDR_OK);
	check(s.len == 0 || memchr(s.p, 0, s.len) == NULL);
	check(inside(s, buf, cap));
}

static void
check_escaped(struct slice s)
{
	struct wbuf w;

	wbuf_init(&w, esc, sizeof(esc));
	check(html_escape(&w, s) == IDR_OK);
	check(memchr(w.p, '<', w.len) == NULL && memchr(w.p, '>', w.len) == NULL);
	check(memchr(w.p, '"', w.len) == NULL && memchr(w.p, '\'', w.len) == NULL);
}

static void
check_helpers(const struct uri_target *t)
{
	const struct uri_param *p;
	uint64_t v;
	bool b;
	int rc;

	rc = uri_param_bool(t, "pretty", false, &b);
	check(rc == IDR_OK || rc == IDR_EINVAL);
	p = uri_param_get(t, "index");
	check((p == NULL) == (uri_param_count(t, "index") == 0));
	if (p != NULL) {
		rc = uri_param_u64(p, 0, UINT32_MAX, &v);
		check(rc == IDR_OK || rc == IDR_EINVAL || rc == IDR_ELIMIT);
		check(rc != IDR_OK || v <= UINT32_MAX);
	}
	p = uri_param_get(t, "callback");
	if (p != NULL && uri_jsonp_valid(p->value)) {
		check(p->value.len > 0 && p->value.len <= URI_MAX_JSONP);
		check(memchr(p->value.p, '(', p->value.len) == NULL);
	}
}

/* Encode the decoded path and parse it again: same path, same route. */
static void
check_round_trip(const struct uri_target *t)
{
	struct http_match m1, m2;
	struct uri_target t2;
	struct wbuf w;

	wbuf_init(&w, enc, sizeof(enc));
	check(uri_encode(&w, t->path, true) == IDR_OK);
	if (w.len > URI_MAX_TARGET) {
		return;
	}
	check(uri_parse(&t2, (const char *)w.p, w.len, params2, CAP, scratch2, sizeof(scratch2)) ==
	      IDR_OK);
	check(slice_eq(t2.path, t->path));
	http_route_match(HTTP_M_GET, false, t->path, &m1);
	http_route_match(HTTP_M_GET, false, t2.path, &m2);
	check(m1.route == m2.route && slice_eq(m1.capture, m2.capture));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_match m;
	struct uri_target t;
	size_t i;
	int rc;

	rc = uri_parse(&t, (const char *)data, size, params, CAP, scratch, size);
	if (rc != IDR_OK) {
		check(rc == IDR_EPROTO || rc == IDR_EUTF8 || rc == IDR_ELIMIT);
		check(t.why != NULL);
		return 0;
	}
	check(t.path.len > 0 && t.path.p[0] == '/');
	check_piece(t.path, scratch, size);
	check(t.nparams <= CAP && t.params == params);
	http_route_match(HTTP_M_GET, false, t.path, &m);
	check(m.route != NULL && m.route->handler != NULL && (m.allow & HTTP_M_GET) != 0);
	if (m.capture.len > 0) {
		check(m.capture.len < t.path.len);
		check(m.capture.p + m.capture.len == t.path.p + t.path.len);
		check_escaped(m.capture);
	}
	for (i = 0; i < t.nparams; i++) {
		check(t.params[i].key.len > 0 && t.params[i].key.len <= URI_MAX_KEY);
		check_piece(t.params[i].key, scratch, size);
		if (t.params[i].has_value) {
			check_piece(t.params[i].value, scratch, size);
		} else {
			check(slice_eq(t.params[i].value, SLICE_LIT("true")));
		}
		check_escaped(t.params[i].value);
	}
	check_helpers(&t);
	check_round_trip(&t);
	return 0;
}
