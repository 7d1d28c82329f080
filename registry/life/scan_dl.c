/*
 * scan_dl.c - GS1 Digital Link URIs (GS1 Digital Link standard 1.x, uncompressed form):
 * `scheme://host[/path]/{key}/{value}[/{qualifier}/{value}...][?{ai}={value}&...]`.
 */
#include "life/scan.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/text.h"
#include "life/scan_int.h"

/* qualifiers allowed after each primary key, in grammar order */
static const struct {
	const char *key;
	const char *quals[4];
} key_quals[] = {
        {"01", {"22", "10", "21", NULL}},
        {"8006", {"22", "10", "21", NULL}},
        {"414", {"254", NULL}},
        {"8010", {"8011", NULL}},
};

static const char *const *
quals_of(const char *key)
{
	static const char *const none[] = {NULL};
	for (size_t i = 0; i < sizeof(key_quals) / sizeof(key_quals[0]); i++) {
		if (strcmp(key_quals[i].key, key) == 0) {
			return key_quals[i].quals;
		}
	}
	return none;
}

int
scan_pct_decode(const char *in, size_t len, char *out, size_t cap, size_t *outlen)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '%') {
			int hi = i + 2 < len ? text_hex_digit((unsigned char)in[i + 1]) : -1;
			int lo = i + 2 < len ? text_hex_digit((unsigned char)in[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				return IDR_EPROTO;
			}
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if (n + 1 >= cap) {
			return IDR_ETOOBIG;
		}
		out[n++] = (char)c;
	}
	if (cap == 0) {
		return IDR_ETOOBIG;
	}
	out[n] = '\0';
	*outlen = n;
	return IDR_OK;
}

static bool
all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			return false;
		}
	}
	return n > 0;
}

struct seg {
	const char *p;
	size_t n;
};

/* decode one value, pad a GTIN-8/12/13 in (01), check it and append it */
static int
add_value(struct scan_gs1 *g, const char *ai, const char *p, size_t n, char *err)
{
	char v[SCAN_VALUE_MAX + 16];
	size_t vl;
	int rc = scan_pct_decode(p, n, v, sizeof(v), &vl);
	if (rc == IDR_EPROTO) {
		return scan_fail(err, "(%s) bad percent-encoding in \"%.*s\"", ai,
		                 (int)(n < 40 ? n : 40), p);
	}
	if (rc != IDR_OK) {
		return scan_fail(err, "(%s) value longer than %d characters", ai, SCAN_VALUE_MAX);
	}
	if (strcmp(ai, "01") == 0 && (vl == 8 || vl == 12 || vl == 13) && all_digits(v, vl)) {
		memmove(v + (14 - vl), v, vl);
		memset(v, '0', 14 - vl);
		vl = 14;
	}
	rc = scan_ai_check(ai, v, vl, err);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = scan_gs1_add(g, ai, v, vl);
	if (rc == IDR_ELIMIT) {
		scan_fail(err, "more than %d elements", SCAN_AIS_MAX);
	}
	return rc;
}

/* segs[i] is a key; the rest must be qualifier pairs in grammar order */
static int
try_key(const struct seg *segs, size_t nseg, size_t i, struct scan_gs1 *g, char *err)
{
	char key[5], ai[5];
	memcpy(key, segs[i].p, segs[i].n);
	key[segs[i].n] = '\0';
	if ((nseg - i) % 2 != 0) {
		return scan_fail(err, "(%s) path ends without a value", key);
	}
	memset(g, 0, sizeof(*g));
	g->key = 0;
	int rc = add_value(g, key, segs[i + 1].p, segs[i + 1].n, err);
	const char *const *q = quals_of(key);
	size_t qi = 0;
	for (size_t j = i + 2; rc == IDR_OK && j < nseg; j += 2) {
		if (segs[j].n < 2 || segs[j].n > 4 || !all_digits(segs[j].p, segs[j].n)) {
			return scan_fail(err, "(%s) path segment \"%.*s\" is not an AI", key,
			                 (int)(segs[j].n < 20 ? segs[j].n : 20), segs[j].p);
		}
		memcpy(ai, segs[j].p, segs[j].n);
		ai[segs[j].n] = '\0';
		while (q[qi] != NULL && strcmp(q[qi], ai) != 0) {
			qi++;
		}
		if (q[qi] == NULL) {
			char order[32] = "";
			size_t on = 0;
			for (size_t k = 0; q[k] != NULL && on + 6 < sizeof(order); k++) {
				order[on++] = '/';
				memcpy(order + on, q[k], strlen(q[k]) + 1);
				on += strlen(q[k]);
			}
			return scan_fail(err,
			                 "(%s) is not a key qualifier of (%s) here (order /%s%s)",
			                 ai, key, key, order);
		}
		qi++;
		if (segs[j + 1].n == 0) {
			return scan_fail(err, "(%s) value is empty", ai);
		}
		rc = add_value(g, ai, segs[j + 1].p, segs[j + 1].n, err);
	}
	return rc;
}

static int
parse_query(const char *q, size_t len, struct scan_gs1 *g, char *err)
{
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos, eq = SIZE_MAX;
		while (end < len && q[end] != '&') {
			if (q[end] == '=' && eq == SIZE_MAX) {
				eq = end;
			}
			end++;
		}
		size_t kl = (eq == SIZE_MAX ? end : eq) - pos;
		if (kl >= 2 && kl <= 4 && all_digits(q + pos, kl)) {
			char ai[5];
			memcpy(ai, q + pos, kl);
			ai[kl] = '\0';
			if (!scan_ai_known(ai)) {
				return scan_fail(err, "(%s) in the query is not a known GS1 AI",
				                 ai);
			}
			if (eq == SIZE_MAX || eq + 1 == end) {
				return scan_fail(err, "(%s) value is empty", ai);
			}
			int rc = add_value(g, ai, q + eq + 1, end - eq - 1, err);
			if (rc != IDR_OK) {
				return rc;
			}
		}
		pos = end + 1;
	}
	return IDR_OK;
}

/* scheme://host: the offset of the path ('/', '?', '#' or the end), or 0 if not a URL */
static size_t
url_path_start(const char *in, size_t len)
{
	size_t s;
	if (len >= 7 && strncasecmp(in, "http://", 7) == 0) {
		s = 7;
	} else if (len >= 8 && strncasecmp(in, "https://", 8) == 0) {
		s = 8;
	} else {
		return 0;
	}
	size_t h = s;
	while (h < len && in[h] != '/' && in[h] != '?' && in[h] != '#') {
		h++;
	}
	return h > s ? h : 0;
}

int
scan_dl_parse(const char *in, size_t len, struct scan_gs1 *out, char *err)
{
	struct seg segs[64];
	size_t nseg = 0;
	memset(out, 0, sizeof(*out));
	out->key = -1;
	err[0] = '\0';
	size_t p = url_path_start(in, len);
	if (p == 0) {
		return scan_fail(err, "not an http(s) URI with a host");
	}
	size_t pend = p;
	while (pend < len && in[pend] != '?' && in[pend] != '#') {
		pend++;
	}
	for (size_t i = p; i < pend;) {
		size_t j = i + 1;
		while (j < pend && in[j] != '/') {
			j++;
		}
		if (nseg == sizeof(segs) / sizeof(segs[0])) {
			scan_fail(err, "more than %zu path segments", nseg);
			return IDR_ELIMIT;
		}
		segs[nseg].p = in + i + 1;
		segs[nseg++].n = j - i - 1;
		i = j;
	}
	int rc = IDR_ENOENT;
	char first[SCAN_ERR_MAX] = "";
	for (size_t i = 0; i < nseg; i++) {
		char ai[5];
		if (segs[i].n < 2 || segs[i].n > 4 || !all_digits(segs[i].p, segs[i].n)) {
			continue;
		}
		memcpy(ai, segs[i].p, segs[i].n);
		ai[segs[i].n] = '\0';
		if (!scan_ai_is_key(ai)) {
			continue;
		}
		rc = try_key(segs, nseg, i, out, err);
		if (rc == IDR_OK) {
			err[0] = '\0'; /* an earlier candidate key may have left its message */
			break;
		}
		if (first[0] == '\0') {
			memcpy(first, err, SCAN_ERR_MAX);
		}
	}
	if (rc == IDR_ENOENT) {
		scan_fail(err, "no GS1 primary key in the URI path");
		return IDR_ENOENT;
	}
	if (rc != IDR_OK) {
		memcpy(err, first, SCAN_ERR_MAX);
		return rc;
	}
	if (pend < len && in[pend] == '?') {
		size_t qe = pend + 1;
		while (qe < len && in[qe] != '#') {
			qe++;
		}
		rc = parse_query(in + pend + 1, qe - pend - 1, out, err);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	rc = scan_gs1_check(out, err);
	out->key = 0;
	return rc;
}

static int
put_enc(char *out, size_t cap, size_t *n, const char *s, bool encode)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		bool keep = !encode || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
		size_t need = keep ? 1 : 3;
		if (need >= cap - *n) {
			return IDR_ETOOBIG;
		}
		if (keep) {
			out[(*n)++] = (char)c;
		} else {
			out[(*n)++] = '%';
			out[(*n)++] = hex[c >> 4];
			out[(*n)++] = hex[c & 15];
		}
	}
	out[*n] = '\0';
	return IDR_OK;
}

int
scan_dl_format(const struct scan_gs1 *g, const char *domain, char *out, size_t cap)
{
	bool used[SCAN_AIS_MAX] = {false};
	size_t n = 0;
	if (cap == 0) {
		return IDR_ETOOBIG;
	}
	out[0] = '\0';
	if (g->key < 0 || (size_t)g->key >= g->n) {
		return IDR_ENOENT;
	}
	const struct scan_ai *k = &g->el[g->key];
	int rc = put_enc(out, cap, &n, domain != NULL ? domain : SCAN_DL_DOMAIN, false);
	rc = rc == IDR_OK ? put_enc(out, cap, &n, "/", false) : rc;
	rc = rc == IDR_OK ? put_enc(out, cap, &n, k->ai, false) : rc;
	rc = rc == IDR_OK ? put_enc(out, cap, &n, "/", false) : rc;
	rc = rc == IDR_OK ? put_enc(out, cap, &n, k->value, true) : rc;
	used[g->key] = true;
	for (const char *const *q = quals_of(k->ai); rc == IDR_OK && *q != NULL; q++) {
		for (size_t i = 0; i < g->n; i++) {
			if (!used[i] && strcmp(g->el[i].ai, *q) == 0) {
				used[i] = true;
				rc = put_enc(out, cap, &n, "/", false);
				rc = rc == IDR_OK ? put_enc(out, cap, &n, *q, false) : rc;
				rc = rc == IDR_OK ? put_enc(out, cap, &n, "/", false) : rc;
				rc = rc == IDR_OK ? put_enc(out, cap, &n, g->el[i].value, true)
				                  : rc;
				break;
			}
		}
	}
	const char *sep = "?";
	for (size_t i = 0; rc == IDR_OK && i < g->n; i++) {
		if (used[i]) {
			continue;
		}
		rc = put_enc(out, cap, &n, sep, false);
		rc = rc == IDR_OK ? put_enc(out, cap, &n, g->el[i].ai, false) : rc;
		rc = rc == IDR_OK ? put_enc(out, cap, &n, "=", false) : rc;
		rc = rc == IDR_OK ? put_enc(out, cap, &n, g->el[i].value, true) : rc;
		sep = "&";
	}
	if (rc != IDR_OK) {
		out[0] = '\0';
	}
	return rc;
}
