/* frep.c - report bodies and their signatures (frep.h). */
#include "fed/frep.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/num.h"
#include "base/rbuf.h"
#include "model/ident.h"
#include "pfx.h"

#define FREP_NUM_DIGITS 16 /* digits of FREP_MAX_NUMBER */
#define FREP_HEX_MAX    2048

static const char *const head_fields[] = {"period", "interval",    "from",        "to",
                                          "uptime", "store_bytes", "journal_head"};
#define FREP_NHEAD (sizeof(head_fields) / sizeof(head_fields[0]))

static bool
name_ok(struct slice s)
{
	return s.len > 0 && s.len <= PFX_MAX_LEN && ident_prefix_check(s) == IDR_OK;
}

/* memcmp order of two prefixes: < 0, 0, > 0 */
static int
cmp(struct slice a, struct slice b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = memcmp(a.p, b.p, n);

	return c != 0 ? c : (a.len > b.len) - (a.len < b.len);
}

static bool
folded(struct slice s)
{
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] >= 'a' && s.p[i] <= 'z') {
			return false;
		}
	}
	return true;
}

static void
heads(const struct frep *r, uint64_t v[FREP_NHEAD])
{
	v[0] = r->period;
	v[1] = r->interval;
	v[2] = r->from;
	v[3] = r->to;
	v[4] = r->uptime;
	v[5] = r->store_bytes;
	v[6] = r->journal_head;
}

static bool
counts_ok(const struct frep_count *c)
{
	return c->creates <= FREP_MAX_NUMBER && c->updates <= FREP_MAX_NUMBER &&
	       c->deletes <= FREP_MAX_NUMBER && c->resolutions <= FREP_MAX_NUMBER;
}

/* 1 <= interval <= FREP_MAX_SPAN, P*interval <= from < to <= (P+1)*interval (all numbers are
 * at most FREP_MAX_NUMBER, so the products cannot overflow) */
static bool
span_ok(const struct frep *r)
{
	return r->interval >= 1 && r->interval <= FREP_MAX_SPAN && r->from < r->to &&
	       r->period <= FREP_MAX_NUMBER / r->interval && r->from >= r->period * r->interval &&
	       r->to <= (r->period + 1) * r->interval;
}

static bool
valid(const struct frep *r)
{
	uint64_t v[FREP_NHEAD];

	heads(r, v);
	for (size_t i = 0; i < FREP_NHEAD; i++) {
		if (v[i] > FREP_MAX_NUMBER) {
			return false;
		}
	}
	if (!name_ok(r->node) || !span_ok(r) || r->ncounts > FREP_MAX_PREFIXES) {
		return false;
	}
	for (size_t i = 0; i < r->ncounts; i++) {
		const struct frep_count *c = &r->counts[i];

		if (!name_ok(c->prefix) || !folded(c->prefix) || !counts_ok(c) ||
		    (i > 0 && cmp(r->counts[i - 1].prefix, c->prefix) >= 0)) {
			return false;
		}
	}
	return true;
}

int
frep_encode(struct wbuf *w, const struct frep *r)
{
	size_t mark = w->len;
	uint64_t v[FREP_NHEAD];
	int rc;

	if (!valid(r)) {
		return IDR_EINVAL;
	}
	heads(r, v);
	wbuf_printf(w, "idr-report %d\nnode %.*s\n", FREP_VERSION, (int)r->node.len,
	            (const char *)r->node.p);
	for (size_t i = 0; i < FREP_NHEAD; i++) {
		wbuf_printf(w, "%s %llu\n", head_fields[i], (unsigned long long)v[i]);
	}
	for (size_t i = 0; i < r->ncounts; i++) {
		const struct frep_count *c = &r->counts[i];

		wbuf_printf(w, "prefix %.*s %llu %llu %llu %llu\n", (int)c->prefix.len,
		            (const char *)c->prefix.p, (unsigned long long)c->creates,
		            (unsigned long long)c->updates, (unsigned long long)c->deletes,
		            (unsigned long long)c->resolutions);
	}
	wbuf_cstr(w, "end\n");
	rc = wbuf_error(w);
	if (rc == IDR_OK && w->len - mark > FREP_MAX_BODY) {
		rc = IDR_EINVAL;
	}
	if (rc != IDR_OK) {
		w->len = mark;
	}
	return rc;
}

/* ---------------------------------------------------------------- parsing */

struct lines {
	struct rbuf r;
	unsigned no; /* number of the line just read */
	char *why;
	size_t whycap;
};

static int fail(struct lines *l, int rc, const char *fmt, ...) IDR_PRINTF(3, 4);

static int
fail(struct lines *l, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->why == NULL || l->whycap == 0) {
		return rc;
	}
	n = snprintf(l->why, l->whycap, "line %u: ", l->no);
	if (n >= 0 && (size_t)n < l->whycap) {
		va_start(ap, fmt);
		if (vsnprintf(l->why + n, l->whycap - (size_t)n, fmt, ap) < 0) {
			l->why[0] = '\0';
		}
		va_end(ap);
	}
	return rc;
}

/* The next line without its LF. @return false at the end of the body or without an LF. */
static bool
next_line(struct lines *l, struct slice *out)
{
	size_t left = rbuf_left(&l->r);
	const uint8_t *nl;

	l->no++;
	if (left == 0) {
		return false;
	}
	nl = memchr(l->r.p + l->r.off, '\n', left);
	if (nl == NULL) {
		return false;
	}
	*out = rbuf_bytes(&l->r, (size_t)(nl - (l->r.p + l->r.off)));
	rbuf_skip(&l->r, 1);
	return rbuf_error(&l->r) == IDR_OK;
}

/* Split the next space-separated word off *s; *s becomes {NULL, 0} when no space followed the
 * word (so a trailing space leaves a non-NULL empty rest). */
static struct slice
word(struct slice *s)
{
	size_t i = 0;
	struct slice w;

	while (i < s->len && s->p[i] != ' ') {
		i++;
	}
	w = slice_make(s->p, i);
	*s = i < s->len ? slice_make(s->p + i + 1, s->len - i - 1) : slice_make(NULL, 0);
	return w;
}

static int
number(struct lines *l, struct slice w, const char *what, uint64_t *out)
{
	if (w.len == 0 || w.len > FREP_NUM_DIGITS || (w.len > 1 && w.p[0] == '0')) {
		return fail(l, IDR_EPROTO, "%s: not a number", what);
	}
	switch (num_parse_u64_n((const char *)w.p, w.len, 0, FREP_MAX_NUMBER, out)) {
	case IDR_OK:
		return IDR_OK;
	case IDR_ELIMIT:
		return fail(l, IDR_ELIMIT, "%s: over %llu", what,
		            (unsigned long long)FREP_MAX_NUMBER);
	default:
		return fail(l, IDR_EPROTO, "%s: not a number", what);
	}
}

/* "<key> <value>" with value the rest of the line (one word). */
static int
field(struct lines *l, const char *key, struct slice *value)
{
	struct slice line, k;

	*value = slice_make(NULL, 0);
	if (!next_line(l, &line)) {
		return fail(l, IDR_EPROTO, "missing \"%s\" (cut short)", key);
	}
	k = word(&line);
	if (!slice_eq(k, slice_cstr(key))) {
		return fail(l, IDR_EPROTO, "expected \"%s\"", key);
	}
	*value = line;
	if (line.len == 0 || memchr(line.p, ' ', line.len) != NULL) {
		return fail(l, IDR_EPROTO, "%s: one value expected", key);
	}
	return IDR_OK;
}

static int
prefix_line(struct lines *l, struct slice rest, struct frep *out)
{
	struct frep_count *c;
	uint64_t *v[4];
	static const char *const names[] = {"creates", "updates", "deletes", "resolutions"};
	struct slice name = word(&rest);
	int rc;

	if (out->ncounts >= FREP_MAX_PREFIXES || out->ncounts >= out->cap) {
		return fail(l, IDR_ELIMIT, "more than %zu prefixes",
		            out->cap < FREP_MAX_PREFIXES ? out->cap : (size_t)FREP_MAX_PREFIXES);
	}
	if (name.len > PFX_MAX_LEN) {
		return fail(l, IDR_ELIMIT, "prefix longer than %d bytes", PFX_MAX_LEN);
	}
	if (!name_ok(name) || !folded(name)) {
		return fail(l, IDR_EPROTO, "not a prefix in upper-case form");
	}
	if (out->ncounts > 0 && cmp(out->counts[out->ncounts - 1].prefix, name) >= 0) {
		return fail(l, IDR_EPROTO, "prefixes not in strictly ascending order");
	}
	c = &out->counts[out->ncounts];
	memset(c, 0, sizeof(*c));
	c->prefix = name;
	v[0] = &c->creates;
	v[1] = &c->updates;
	v[2] = &c->deletes;
	v[3] = &c->resolutions;
	for (size_t i = 0; i < 4; i++) {
		rc = number(l, word(&rest), names[i], v[i]);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	if (rest.p != NULL) { /* more words, or a trailing space */
		return fail(l, IDR_EPROTO, "prefix: four counts expected");
	}
	out->ncounts++;
	return IDR_OK;
}

static int
parse_head(struct lines *l, struct frep *out)
{
	uint64_t *dst[FREP_NHEAD] = {&out->period, &out->interval,    &out->from,        &out->to,
	                             &out->uptime, &out->store_bytes, &out->journal_head};
	struct slice v;
	int rc = field(l, "idr-report", &v);

	if (rc != IDR_OK) {
		return rc;
	}
	if (!slice_eq(v, SLICE_LIT("1"))) {
		return fail(l, IDR_EPROTO, "version %.*s not supported (1 is)",
		            (int)(v.len < 16 ? v.len : 16), (const char *)v.p);
	}
	rc = field(l, "node", &v);
	if (rc != IDR_OK) {
		return rc;
	}
	if (v.len > PFX_MAX_LEN) {
		return fail(l, IDR_ELIMIT, "node: longer than %d bytes", PFX_MAX_LEN);
	}
	if (!name_ok(v)) {
		return fail(l, IDR_EPROTO, "node: not a prefix");
	}
	out->node = v;
	for (size_t i = 0; i < FREP_NHEAD; i++) {
		rc = field(l, head_fields[i], &v);
		if (rc == IDR_OK) {
			rc = number(l, v, head_fields[i], dst[i]);
		}
		if (rc != IDR_OK) {
			return rc;
		}
	}
	if (!span_ok(out)) {
		return fail(l, IDR_EPROTO,
		            "period/interval/from/to: [from, to) is not within period P "
		            "([P*interval, (P+1)*interval), interval 1..%llu s)",
		            (unsigned long long)FREP_MAX_SPAN);
	}
	return IDR_OK;
}

int
frep_parse(struct slice body, struct frep *out, char *why, size_t whycap)
{
	struct lines l;
	struct slice line, k;
	int rc;

	memset(&l, 0, sizeof(l));
	l.why = why;
	l.whycap = whycap;
	if (why != NULL && whycap > 0) {
		why[0] = '\0';
	}
	out->ncounts = 0;
	if (body.len > FREP_MAX_BODY) {
		return fail(&l, IDR_ELIMIT, "body over %u bytes", FREP_MAX_BODY);
	}
	rbuf_init(&l.r, body.p, body.len);
	rc = parse_head(&l, out);
	while (rc == IDR_OK) {
		if (!next_line(&l, &line)) {
			return fail(&l, IDR_EPROTO, "missing \"end\" (cut short)");
		}
		k = word(&line);
		if (slice_eq(k, SLICE_LIT("end")) && line.len == 0 && line.p == NULL) {
			break;
		}
		if (!slice_eq(k, SLICE_LIT("prefix"))) {
			return fail(&l, IDR_EPROTO, "expected \"prefix\" or \"end\"");
		}
		rc = prefix_line(&l, line, out);
	}
	if (rc == IDR_OK && rbuf_left(&l.r) > 0) {
		l.no++;
		return fail(&l, IDR_EPROTO, "bytes after \"end\"");
	}
	return rc;
}

/* ---------------------------------------------------------------- signatures */

static enum crypto_alg
hash_of(const struct crypto_key *key)
{
	return crypto_key_type(key) == CRYPTO_KEY_SM2 ? CRYPTO_SM3 : CRYPTO_SHA256;
}

int
frep_sign(const struct crypto_key *key, struct slice identity, struct slice body, struct wbuf *auth)
{
	enum crypto_alg h = hash_of(key);
	uint8_t sigb[FREP_HEX_MAX / 2];
	char hex[FREP_HEX_MAX + 1];
	struct wbuf sig;
	int rc;

	wbuf_init(&sig, sigb, sizeof(sigb));
	rc = crypto_sign(key, h, identity, body.p, body.len, &sig);
	if (rc != IDR_OK) {
		return rc;
	}
	crypto_hex(sig.p, sig.len, hex);
	wbuf_printf(auth, "%s %s %s", FREP_AUTH_SCHEME, h == CRYPTO_SM3 ? "SM3" : "SHA256", hex);
	return wbuf_error(auth);
}

int
frep_verify(const struct crypto_key *key, struct slice identity, struct slice body,
            struct slice auth)
{
	struct slice rest = auth, scheme = word(&rest), hash = word(&rest), hex = rest;
	uint8_t sig[FREP_HEX_MAX / 2];
	enum crypto_alg h;
	int rc;

	if (!slice_eq(scheme, SLICE_LIT(FREP_AUTH_SCHEME)) || hex.len == 0 || hex.len % 2 != 0 ||
	    hex.len > FREP_HEX_MAX || memchr(hex.p, ' ', hex.len) != NULL) {
		return IDR_EPROTO;
	}
	if (slice_eq(hash, SLICE_LIT("SHA256"))) {
		h = CRYPTO_SHA256;
	} else if (slice_eq(hash, SLICE_LIT("SM3"))) {
		h = CRYPTO_SM3;
	} else {
		return IDR_EPROTO;
	}
	if (h != hash_of(key)) {
		return IDR_EAUTH;
	}
	if (crypto_unhex((const char *)hex.p, hex.len, sig, hex.len / 2) != IDR_OK) {
		return IDR_EPROTO;
	}
	rc = crypto_verify(key, h, identity, body.p, body.len, sig, hex.len / 2);
	return rc == IDR_EINVAL ? IDR_EAUTH : rc;
}

void
frep_total(const struct frep *r, struct frep_count *total)
{
	memset(total, 0, sizeof(*total));
	for (size_t i = 0; i < r->ncounts; i++) {
		total->creates += r->counts[i].creates;
		total->updates += r->counts[i].updates;
		total->deletes += r->counts[i].deletes;
		total->resolutions += r->counts[i].resolutions;
	}
}
