/*
 * uri.c - request-target parsing: one pass to check the characters, then the path and each
 * query piece are percent-decoded through an rbuf into a fixed wbuf over the caller's scratch
 * memory (decoding never makes bytes longer, so scratch of the target's length is enough).
 */
#include "http/uri.h"

#include <string.h>

#include "base/num.h"
#include "base/rbuf.h"
#include "base/text.h"

static const char true_str[] = "true";

/* Index of the first c in s, or s.len. */
static size_t
find_byte(struct slice s, uint8_t c)
{
	size_t i;

	for (i = 0; i < s.len && s.p[i] != c; i++) {
	}
	return i;
}

/* Split s at index i: *head = s[0..i), *tail = s[i+1..) (empty when i >= s.len). */
static void
split_at(struct slice s, size_t i, struct slice *head, struct slice *tail)
{
	struct rbuf r;

	rbuf_init(&r, s.p, s.len);
	*head = rbuf_bytes(&r, i < s.len ? i : s.len);
	rbuf_skip(&r, 1);
	*tail = rbuf_bytes(&r, rbuf_left(&r));
}

/* Decode raw into w (appending) and return the decoded bytes in *out. */
static int
decode(struct slice raw, bool plus_space, struct wbuf *w, struct slice *out, const char **why)
{
	size_t start = wbuf_len(w);
	struct rbuf r;
	int hi, lo;
	uint8_t c;

	rbuf_init(&r, raw.p, raw.len);
	while (rbuf_left(&r) > 0) {
		c = rbuf_u8(&r);
		if (c == '%') {
			if (rbuf_left(&r) < 2) {
				*why = "truncated percent escape";
				return IDR_EPROTO;
			}
			hi = text_hex_digit(rbuf_u8(&r));
			lo = text_hex_digit(rbuf_u8(&r));
			if (hi < 0 || lo < 0) {
				*why = "invalid percent escape";
				return IDR_EPROTO;
			}
			c = (uint8_t)(hi << 4 | lo);
			if (c == 0) {
				*why = "%00 is not allowed";
				return IDR_EPROTO;
			}
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		wbuf_u8(w, c);
	}
	if (wbuf_error(w) != IDR_OK) {
		*why = "scratch buffer too small";
		return wbuf_error(w);
	}
	*out = slice_make(wbuf_data(w) + start, wbuf_len(w) - start);
	if (text_utf8_check(out->p, out->len, NULL, NULL) != IDR_OK) {
		*why = "decoded bytes are not valid UTF-8";
		return IDR_EUTF8;
	}
	return IDR_OK;
}

/* Visible ASCII without '#': what may appear in a request-target. */
static int
check_chars(struct slice s, const char **why)
{
	size_t i;

	for (i = 0; i < s.len; i++) {
		if (s.p[i] < 0x21 || s.p[i] > 0x7e || s.p[i] == '#') {
			*why = "request-target contains a character that must be percent-encoded";
			return IDR_EPROTO;
		}
	}
	return IDR_OK;
}

static bool
starts_with(struct slice s, const char *lit, bool icase)
{
	struct slice l = slice_cstr(lit);

	if (s.len < l.len) {
		return false;
	}
	s.len = l.len;
	return icase ? slice_caseeq(s, l) : slice_eq(s, l);
}

/* Path and query of the target; absolute-form loses its scheme and authority. */
static int
split_target(struct slice t, struct slice *path, struct slice *query, bool *has_query,
             const char **why)
{
	static const uint8_t slash[] = "/";
	struct slice rest, head;
	size_t skip, i;

	if (starts_with(t, "http://", true) || starts_with(t, "https://", true)) {
		skip = t.p[4] == ':' ? 7 : 8;
		split_at(t, skip - 1, &head, &rest);
		for (i = 0; i < rest.len && rest.p[i] != '/' && rest.p[i] != '?'; i++) {
		}
		if (i == 0) {
			*why = "absolute-form target without a host";
			return IDR_EPROTO;
		}
		split_at(rest, i - 1, &head, &t);
		if (t.len == 0 || t.p[0] == '?') {
			*has_query = t.len > 0;
			split_at(t, 0, &head, query);
			*path = slice_make(slash, 1);
			return IDR_OK;
		}
	}
	if (t.len == 0 || t.p[0] != '/') {
		*why = "request-target does not start with '/'";
		return IDR_EPROTO;
	}
	i = find_byte(t, '?');
	*has_query = i < t.len;
	split_at(t, i, path, query);
	return IDR_OK;
}

static int
add_param(struct uri_target *out, size_t cap, struct slice piece, struct wbuf *w)
{
	struct uri_param *p;
	struct slice key, value;
	size_t eq = find_byte(piece, '=');
	int rc;

	if (out->nparams >= cap) {
		out->why = "too many query parameters";
		return IDR_ELIMIT;
	}
	p = &out->params[out->nparams];
	split_at(piece, eq, &key, &value);
	rc = decode(key, true, w, &p->key, &out->why);
	if (rc != IDR_OK) {
		return rc;
	}
	if (p->key.len == 0) {
		out->why = "empty query parameter name";
		return IDR_EPROTO;
	}
	if (p->key.len > URI_MAX_KEY) {
		out->why = "query parameter name too long";
		return IDR_ELIMIT;
	}
	p->has_value = eq < piece.len;
	if (p->has_value) {
		rc = decode(value, true, w, &p->value, &out->why);
		if (rc != IDR_OK) {
			return rc;
		}
	} else {
		p->value = slice_make(true_str, sizeof(true_str) - 1);
	}
	out->nparams++;
	return IDR_OK;
}

static int
parse_query(struct uri_target *out, size_t cap, struct slice q, struct wbuf *w)
{
	struct slice piece;
	size_t amp;
	int rc;

	while (q.len > 0) {
		amp = find_byte(q, '&');
		split_at(q, amp, &piece, &q);
		if (piece.len == 0) {
			continue;
		}
		rc = add_param(out, cap, piece, w);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return IDR_OK;
}

int
uri_parse(struct uri_target *out, const char *target, size_t len, struct uri_param *params,
          size_t cap, uint8_t *scratch, size_t scratch_cap)
{
	struct slice t = slice_make(target, len), path, query;
	bool has_query = false;
	struct wbuf w;
	int rc;

	memset(out, 0, sizeof(*out));
	out->params = params;
	if (len > URI_MAX_TARGET) {
		out->why = "request-target too long";
		return IDR_ELIMIT;
	}
	rc = check_chars(t, &out->why);
	if (rc == IDR_OK) {
		rc = split_target(t, &path, &query, &has_query, &out->why);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	wbuf_init(&w, scratch, scratch_cap);
	rc = decode(path, false, &w, &out->path, &out->why);
	if (rc != IDR_OK) {
		return rc;
	}
	return has_query ? parse_query(out, cap, query, &w) : IDR_OK;
}

const struct uri_param *
uri_param_get(const struct uri_target *t, const char *key)
{
	struct slice k = slice_cstr(key);
	size_t i;

	for (i = 0; i < t->nparams; i++) {
		if (slice_eq(t->params[i].key, k)) {
			return &t->params[i];
		}
	}
	return NULL;
}

size_t
uri_param_count(const struct uri_target *t, const char *key)
{
	struct slice k = slice_cstr(key);
	size_t i, n = 0;

	for (i = 0; i < t->nparams; i++) {
		n += slice_eq(t->params[i].key, k);
	}
	return n;
}

int
uri_param_bool(const struct uri_target *t, const char *key, bool def, bool *out)
{
	static const char *const yes[] = {"", "true", "1", "yes", "on"};
	static const char *const no[] = {"false", "0", "no", "off"};
	const struct uri_param *p = uri_param_get(t, key);
	size_t i;

	if (p == NULL) {
		*out = def;
		return IDR_OK;
	}
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (slice_caseeq_cstr(p->value, yes[i])) {
			*out = true;
			return IDR_OK;
		}
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (slice_caseeq_cstr(p->value, no[i])) {
			*out = false;
			return IDR_OK;
		}
	}
	return IDR_EINVAL;
}

int
uri_param_u64(const struct uri_param *p, uint64_t min, uint64_t max, uint64_t *out)
{
	return num_parse_u64_n((const char *)p->value.p, p->value.len, min, max, out);
}

static bool
js_start(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$';
}

static bool
js_part(uint8_t c)
{
	return js_start(c) || (c >= '0' && c <= '9');
}

bool
uri_jsonp_valid(struct slice s)
{
	bool seg_start = true;
	size_t i;

	if (s.len == 0 || s.len > URI_MAX_JSONP) {
		return false;
	}
	for (i = 0; i < s.len; i++) {
		if (s.p[i] == '.') {
			if (seg_start) {
				return false; /* empty segment */
			}
			seg_start = true;
			continue;
		}
		if (!(seg_start ? js_start(s.p[i]) : js_part(s.p[i]))) {
			return false;
		}
		seg_start = false;
	}
	return !seg_start;
}

int
uri_encode(struct wbuf *w, struct slice s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	uint8_t c;

	for (i = 0; i < s.len; i++) {
		c = s.p[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && keep_slash)) {
			wbuf_u8(w, c);
		} else {
			wbuf_u8(w, '%');
			wbuf_u8(w, (uint8_t)hex[c >> 4]);
			wbuf_u8(w, (uint8_t)hex[c & 15]);
		}
	}
	return wbuf_error(w);
}
