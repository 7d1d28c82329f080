/*
 * event_dl.c - identifier canonicalisation for the CBV 2.0 event hash (hash rules 17, 18):
 * EPC URNs to canonical GS1 Digital Link URIs, Digital Link URIs to their constrained
 * canonical form. Our code after the rules of the reference dl_normaliser. Schemes converted:
 * sgtin, upui, itip, sscc, sgln, grai, giai, gsrn, gsrnp, gdti, sgcn, cpi, ginc, gsin, pgln,
 * lgtin (class), the sgtin id pattern; the other id patterns are hashed as written.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/wbuf.h"
#include "life/event_int.h"

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	return true;
}

/* GS1 AI encodable character set 82 as EPC URNs write it (the reference's regex): returns the
 * number of characters (a %xx escape counts one) or -1 */
static int
epc_chars(const char *s)
{
	static const char plain[] = "!')(*+,.0123456789:;=ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
	                            "abcdefghijklmnopqrstuvwxyz-";
	int n = 0;

	while (*s != '\0') {
		if (*s == '%') {
			static const char *const second[] = {
			        "1256789ABCDEFabcdef",   "0123456789ABCDEFabcdef",
			        "123456789ABCDEFabcdef", "0123456789AaFf",
			        "123456789ABCDEFabcdef", "0123456789Aa"};
			char a = s[1], b = a != '\0' ? s[2] : '\0';
			if (a < '2' || a > '7' || b == '\0' || strchr(second[a - '2'], b) == NULL) {
				return -1;
			}
			s += 3;
		} else if (strchr(plain, *s) != NULL) {
			s++;
		} else {
			return -1;
		}
		n++;
	}
	return n;
}

static char
check_digit(const char *d, size_t n)
{
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++) {
		/* from the right: x3, x1, ... */
		sum += (unsigned)(d[n - 1 - i] - '0') * (i % 2 == 0 ? 3 : 1);
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

static void
pct(struct wbuf *w, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '!':
			wbuf_lit(w, "%21");
			break;
		case '(':
			wbuf_lit(w, "%28");
			break;
		case ')':
			wbuf_lit(w, "%29");
			break;
		case '*':
			wbuf_lit(w, "%2A");
			break;
		case '+':
			wbuf_lit(w, "%2B");
			break;
		case ',':
			wbuf_lit(w, "%2C");
			break;
		case ':':
			wbuf_lit(w, "%3A");
			break;
		default:
			wbuf_bytes(w, s, 1);
		}
	}
}

/* key digits + check digit, left-padded with zeros to width */
static void
key(struct wbuf *w, const char *d, size_t n, size_t width)
{
	for (size_t i = n + 1; i < width; i++) {
		wbuf_lit(w, "0");
	}
	wbuf_bytes(w, d, n);
	char c = check_digit(d, n);
	wbuf_bytes(w, &c, 1);
}

char *
life_wbuf_take(struct wbuf *w)
{
	char *s = NULL;

	if (wbuf_error(w) == IDR_OK && (s = malloc(wbuf_len(w) + 1)) != NULL) {
		if (wbuf_len(w) > 0) { /* an empty wbuf may have no buffer at all */
			memcpy(s, wbuf_data(w), wbuf_len(w));
		}
		s[wbuf_len(w)] = '\0';
	}
	wbuf_deinit(w);
	return s;
}

/* splits "cp.ref.rest" (rest may be NULL-terminated absent when want3 is false) */
struct parts {
	const char *cp, *ref, *rest;
	size_t ncp, nref;
};

static bool
split(const char *s, bool want3, struct parts *p)
{
	const char *d1 = strchr(s, '.'), *d2;

	if (d1 == NULL) {
		return false;
	}
	p->cp = s;
	p->ncp = (size_t)(d1 - s);
	p->ref = d1 + 1;
	if (p->ncp < 6 || p->ncp > 12 || !all_digits(s, p->ncp)) {
		return false;
	}
	if (!want3) {
		p->nref = strlen(p->ref);
		p->rest = NULL;
		return true;
	}
	d2 = strchr(p->ref, '.');
	if (d2 == NULL) {
		return false;
	}
	p->nref = (size_t)(d2 - p->ref);
	p->rest = d2 + 1;
	return all_digits(p->ref, p->nref);
}

/* GTIN-14 body (13 digits): indicator/item-ref digit, company prefix, rest of item ref */
static bool
gtin_body(const struct parts *p, char body[14])
{
	if (p->ncp + p->nref != 13 || p->nref < 1) {
		return false;
	}
	body[0] = p->ref[0];
	memcpy(body + 1, p->cp, p->ncp);
	memcpy(body + 1 + p->ncp, p->ref + 1, p->nref - 1);
	body[13] = '\0';
	return true;
}

/* cpi: "cp.cpref.serial" -> 8010/<cp cpref>/8011/<serial> */
static bool
cpi(struct wbuf *w, const char *s)
{
	const char *d1 = strchr(s, '.'), *d2 = strrchr(s, '.');
	size_t ncp, nref, nser;

	if (d1 == NULL || d2 == d1) {
		return false;
	}
	ncp = (size_t)(d1 - s);
	nref = (size_t)(d2 - d1 - 1);
	nser = strlen(d2 + 1);
	if (ncp < 6 || ncp > 12 || !all_digits(s, ncp) || nref < 1 || nser < 1 || nser > 12 ||
	    !all_digits(d2 + 1, nser)) {
		return false;
	}
	for (size_t i = 0; i < nref; i++) {
		char c = d1[1 + i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '-' || c == '%')) {
			return false;
		}
	}
	wbuf_lit(w, "8010/");
	wbuf_bytes(w, s, ncp);
	wbuf_bytes(w, d1 + 1, nref);
	wbuf_lit(w, "/8011/");
	wbuf_cstr(w, d2 + 1);
	return true;
}

static char *
from_urn(const char *u)
{
	struct wbuf w;
	struct parts p;
	char body[24];
	int n;

	wbuf_init_heap(&w, 4 * LIFE_MAX_URI);
	wbuf_lit(&w, "https://id.gs1.org/");
	if (strncmp(u, "urn:epc:id:sgtin:", 17) == 0 && split(u + 17, true, &p) &&
	    gtin_body(&p, body) && (n = epc_chars(p.rest)) >= 1 && n <= 20) {
		wbuf_lit(&w, "01/");
		key(&w, body, 13, 14);
		wbuf_lit(&w, "/21/");
		pct(&w, p.rest);
	} else if (strncmp(u, "urn:epc:id:upui:", 16) == 0 && split(u + 16, true, &p) &&
	           gtin_body(&p, body) && (n = epc_chars(p.rest)) >= 1 && n <= 28) {
		wbuf_lit(&w, "01/");
		key(&w, body, 13, 14);
		wbuf_lit(&w, "/235/");
		pct(&w, p.rest);
	} else if (strncmp(u, "urn:epc:class:lgtin:", 20) == 0 && split(u + 20, true, &p) &&
	           gtin_body(&p, body) && (n = epc_chars(p.rest)) >= 1 && n <= 20) {
		wbuf_lit(&w, "01/");
		key(&w, body, 13, 14);
		wbuf_lit(&w, "/10/");
		pct(&w, p.rest);
	} else if (strncmp(u, "urn:epc:idpat:sgtin:", 20) == 0 && split(u + 20, true, &p) &&
	           gtin_body(&p, body) && strcmp(p.rest, "*") == 0) {
		wbuf_lit(&w, "01/");
		key(&w, body, 13, 14);
	} else if (strncmp(u, "urn:epc:id:sscc:", 16) == 0 && split(u + 16, false, &p) &&
	           p.ncp + p.nref == 17 && all_digits(p.ref, p.nref)) {
		body[0] = p.ref[0];
		memcpy(body + 1, p.cp, p.ncp);
		memcpy(body + 1 + p.ncp, p.ref + 1, p.nref - 1);
		wbuf_lit(&w, "00/");
		key(&w, body, 17, 18);
	} else if (strncmp(u, "urn:epc:id:sgln:", 16) == 0 && split(u + 16, true, &p) &&
	           p.ncp + p.nref == 12 && (n = epc_chars(p.rest)) >= 1 && n <= 20) {
		memcpy(body, p.cp, p.ncp);
		memcpy(body + p.ncp, p.ref, p.nref);
		wbuf_lit(&w, "414/");
		key(&w, body, 12, 13);
		if (strcmp(p.rest, "0") != 0) {
			wbuf_lit(&w, "/254/");
			pct(&w, p.rest);
		}
	} else if (strncmp(u, "urn:epc:id:grai:", 16) == 0 && split(u + 16, true, &p) &&
	           p.ncp + p.nref == 12 && (n = epc_chars(p.rest)) >= 1 && n <= 16) {
		body[0] = '0';
		memcpy(body + 1, p.cp, p.ncp);
		memcpy(body + 1 + p.ncp, p.ref, p.nref);
		wbuf_lit(&w, "8003/");
		key(&w, body, 13, 14);
		pct(&w, p.rest);
	} else if (strncmp(u, "urn:epc:id:giai:", 16) == 0 && split(u + 16, false, &p) &&
	           (n = epc_chars(p.ref)) >= 1 && (size_t)n <= 30 - p.ncp) {
		wbuf_lit(&w, "8004/");
		wbuf_bytes(&w, p.cp, p.ncp);
		pct(&w, p.ref);
	} else if ((strncmp(u, "urn:epc:id:gsrn:", 16) == 0 && split(u + 16, false, &p) &&
	            p.ncp + p.nref == 17 && all_digits(p.ref, p.nref))) {
		memcpy(body, p.cp, p.ncp);
		memcpy(body + p.ncp, p.ref, p.nref);
		wbuf_lit(&w, "8018/");
		key(&w, body, 17, 18);
	} else if ((strncmp(u, "urn:epc:id:gsrnp:", 17) == 0 && split(u + 17, false, &p) &&
	            p.ncp + p.nref == 17 && all_digits(p.ref, p.nref))) {
		memcpy(body, p.cp, p.ncp);
		memcpy(body + p.ncp, p.ref, p.nref);
		wbuf_lit(&w, "8017/");
		key(&w, body, 17, 18);
	} else if (strncmp(u, "urn:epc:id:gdti:", 16) == 0 && split(u + 16, true, &p) &&
	           p.ncp + p.nref == 12 && (n = epc_chars(p.rest)) >= 0 && n <= 17) {
		memcpy(body, p.cp, p.ncp);
		memcpy(body + p.ncp, p.ref, p.nref);
		wbuf_lit(&w, "253/");
		key(&w, body, 12, 13);
		pct(&w, p.rest);
	} else if (strncmp(u, "urn:epc:id:sgcn:", 16) == 0 && split(u + 16, true, &p) &&
	           p.ncp + p.nref == 12 && strlen(p.rest) >= 1 && strlen(p.rest) <= 12 &&
	           all_digits(p.rest, strlen(p.rest))) {
		memcpy(body, p.cp, p.ncp);
		memcpy(body + p.ncp, p.ref, p.nref);
		wbuf_lit(&w, "255/");
		key(&w, body, 12, 13);
		wbuf_cstr(&w, p.rest);
	} else if (strncmp(u, "urn:epc:id:ginc:", 16) == 0 && split(u + 16, false, &p) &&
	           (n = epc_chars(p.ref)) >= 1 && (size_t)n <= 30 - p.ncp) {
		wbuf_lit(&w, "401/");
		wbuf_bytes(&w, p.cp, p.ncp);
		pct(&w, p.ref);
	} else if (strncmp(u, "urn:epc:id:gsin:", 16) == 0 && split(u + 16, false, &p) &&
	           p.ncp + p.nref == 16 && all_digits(p.ref, p.nref)) {
		memcpy(body, p.cp, p.ncp);
		memcpy(body + p.ncp, p.ref, p.nref);
		wbuf_lit(&w, "402/");
		key(&w, body, 16, 17);
	} else if (strncmp(u, "urn:epc:id:itip:", 16) == 0 && split(u + 16, true, &p) &&
	           gtin_body(&p, body) && strlen(p.rest) > 6 && all_digits(p.rest, 2) &&
	           p.rest[2] == '.' && all_digits(p.rest + 3, 2) && p.rest[5] == '.' &&
	           (n = epc_chars(p.rest + 6)) >= 1 && n <= 20) {
		wbuf_lit(&w, "8006/");
		key(&w, body, 13, 14);
		wbuf_bytes(&w, p.rest, 2);
		wbuf_bytes(&w, p.rest + 3, 2);
		wbuf_lit(&w, "/21/");
		pct(&w, p.rest + 6);
	} else if (strncmp(u, "urn:epc:id:cpi:", 15) == 0 && cpi(&w, u + 15)) {
		/* written by cpi() */
	} else if (strncmp(u, "urn:epc:id:pgln:", 16) == 0 && split(u + 16, false, &p) &&
	           p.ncp + p.nref == 12 && all_digits(p.ref, p.nref)) {
		memcpy(body, p.cp, p.ncp);
		memcpy(body + p.ncp, p.ref, p.nref);
		wbuf_lit(&w, "417/");
		key(&w, body, 12, 13);
	} else {
		wbuf_deinit(&w);
		return NULL;
	}
	return life_wbuf_take(&w);
}

/* ---- Digital Link ---- */

static const char *const dl_keys[] = {"00",   "01",   "253",  "255",  "401",  "402",  "414", "417",
                                      "8003", "8004", "8006", "8010", "8017", "8018", NULL};
static const char *const dl_short[][2] = {
        {"/gtin/", "/01/"},   {"/itip/", "/8006/"},  {"/cpid/", "/8010/"}, {"/gln/", "/414/"},
        {"/party/", "/417/"}, {"/gsrnp/", "/8017/"}, {"/gsrn/", "/8018/"}, {"/gcn/", "/255/"},
        {"/sscc/", "/00/"},   {"/gdti/", "/253/"},   {"/ginc/", "/401/"},  {"/gsin/", "/402/"},
        {"/grai/", "/8003/"}, {"/giai/", "/8004/"},  {"/cpv/", "/22/"},    {"/lot/", "/10/"},
        {"/ser/", "/21/"},
};

/* replace the first occurrence of a by b in the heap string *s */
static bool
replace_first(char **s, const char *a, const char *b)
{
	char *at = strstr(*s, a), *n;
	size_t la = strlen(a), lb = strlen(b), ls = strlen(*s);

	if (at == NULL) {
		return true;
	}
	if ((n = malloc(ls - la + lb + 1)) == NULL) {
		return false;
	}
	memcpy(n, *s, (size_t)(at - *s));
	memcpy(n + (at - *s), b, lb);
	memcpy(n + (at - *s) + lb, at + la, ls - (size_t)(at - *s) - la + 1);
	free(*s);
	*s = n;
	return true;
}

/* the reference's value set [\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A] */
static bool
xchars(const char *s, size_t n, size_t max)
{
	if (n > max) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(c == 0x22 || c == 0x27 || c == 0x2d || c == 0x2e ||
		      (c >= 0x30 && c <= 0x39) || (c >= 0x3b && c <= 0x3f) ||
		      (c >= 0x41 && c <= 0x5a) || c == 0x5f || (c >= 0x61 && c <= 0x7a))) {
			return false;
		}
	}
	return true;
}

static bool
ychars(const char *s, size_t n)
{
	if (n > 30) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(s[i] == '#' || s[i] == '-' || s[i] == '/' || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'A' && s[i] <= 'Z'))) {
			return false;
		}
	}
	return true;
}

/* is "<key>/<rest>" (after https://id.gs1.org/) one of the constrained canonical forms? */
static bool
dl_valid(const char *p)
{
	const char *s = strchr(p, '/');
	size_t nk, n;

	if (s == NULL) {
		return false;
	}
	nk = (size_t)(s - p);
	s++;
	n = strlen(s);
#define KEY(k) (nk == strlen(k) && strncmp(p, k, nk) == 0)
	if (KEY("00") || KEY("8017") || KEY("8018")) {
		return n == 18 && all_digits(s, 18);
	}
	if (KEY("402")) {
		return n == 17 && all_digits(s, 17);
	}
	if (KEY("414") || KEY("417")) {
		if (n < 13 || !all_digits(s, 13)) {
			return false;
		}
		return n == 13 || (KEY("414") && strncmp(s + 13, "/254/", 5) == 0 &&
		                   xchars(s + 18, n - 18, 20));
	}
	if (KEY("01") || KEY("8006")) {
		size_t d = KEY("01") ? 14 : 18;
		if (n < d || !all_digits(s, d)) {
			return false;
		}
		if (n == d) {
			return true;
		}
		if (strncmp(s + d, "/21/", 4) == 0 || strncmp(s + d, "/10/", 4) == 0) {
			return xchars(s + d + 4, n - d - 4, 20);
		}
		return KEY("01") && strncmp(s + d, "/235/", 5) == 0 &&
		       xchars(s + d + 5, n - d - 5, 28);
	}
	if (KEY("253")) {
		return n >= 13 && all_digits(s, 13) && xchars(s + 13, n - 13, 17);
	}
	if (KEY("255")) {
		return n >= 13 && n <= 25 && all_digits(s, n);
	}
	if (KEY("401") || KEY("8004")) {
		return xchars(s, n, 30);
	}
	if (KEY("8003")) {
		return n >= 14 && all_digits(s, 14) && xchars(s + 14, n - 14, 16);
	}
	if (KEY("8010")) {
		const char *q = strstr(s, "/8011/");
		if (q == NULL) {
			return ychars(s, n);
		}
		return ychars(s, (size_t)(q - s)) && n - (size_t)(q + 6 - s) <= 12 &&
		       all_digits(q + 6, n - (size_t)(q + 6 - s));
	}
#undef KEY
	return false;
}

/* does the URI carry a Digital Link primary key "/<key>/dddd..." (the reference's test)? */
static bool
dl_like(const char *u)
{
	const char *end = u + strcspn(u, "?#");
	static const char *const names[] = {"gtin",  "itip", "cpid", "gln",  "party",
	                                    "gsrnp", "gsrn", "gcn",  "sscc", "gdti",
	                                    "ginc",  "gsin", "grai", "giai", NULL};

	if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0) {
		return false;
	}
	for (const char *p = strchr(u + 7, '/'); p != NULL && p < end; p = strchr(p + 1, '/')) {
		const char *q = p + 1, *s = strchr(q, '/');
		char k[8];
		if (s == NULL || s >= end || (size_t)(s - q) >= sizeof(k)) {
			continue;
		}
		memcpy(k, q, (size_t)(s - q));
		k[s - q] = '\0';
		if ((life_word_in(dl_keys, k) || life_word_in(names, k)) && s + 5 <= end &&
		    all_digits(s + 1, 4) && s[5] != '/' && s + 5 < end) {
			return true;
		}
	}
	return false;
}

static char *
from_dl(const char *u)
{
	char *s = strdup(u), *n, *q;
	size_t i;

	if (s == NULL) {
		return NULL;
	}
	if ((q = strchr(s, '?')) != NULL) {
		*q = '\0';
	}
	for (i = 0; i < sizeof(dl_short) / sizeof(dl_short[0]); i++) {
		if (!replace_first(&s, dl_short[i][0], dl_short[i][1])) {
			goto fail;
		}
	}
	if (strncmp(s, "https://id.gs1.org/", 19) != 0) {
		for (i = 0; dl_keys[i] != NULL; i++) {
			char pat[8];
			(void)snprintf(pat, sizeof(pat), "/%s/", dl_keys[i]);
			if ((q = strstr(s, pat)) != NULL) {
				n = malloc(strlen(q) + 19);
				if (n == NULL) {
					goto fail;
				}
				memcpy(n, "https://id.gs1.org", 18);
				memcpy(n + 18, q, strlen(q) + 1);
				free(s);
				s = n;
				break;
			}
		}
	}
	/* GTIN-8/12/13 padded to 14 digits */
	if (strncmp(s, "https://id.gs1.org/01/", 22) == 0) {
		size_t d = strspn(s + 22, "0123456789");
		static const char zeros[] = "000000";
		if (d == 13 || d == 12 || d == 8) {
			n = malloc(strlen(s) + 7);
			if (n == NULL) {
				goto fail;
			}
			(void)snprintf(n, strlen(s) + 7, "https://id.gs1.org/01/%.*s%s",
			               (int)(14 - d), zeros, s + 22);
			free(s);
			s = n;
		}
	}
	/* CPV away: "/22/<cpv>" out of 01 and 8006 */
	if ((strncmp(s, "https://id.gs1.org/01/", 22) == 0 ||
	     strncmp(s, "https://id.gs1.org/8006/", 24) == 0) &&
	    (q = strstr(s, "/22/")) != NULL) {
		char *r = strchr(q + 4, '/');
		if (r == NULL) {
			*q = '\0';
		} else {
			memmove(q, r, strlen(r) + 1);
		}
	}
	/* lot and serial: keep the serial */
	if ((q = strstr(s, "/10/")) != NULL && strstr(q, "/21/") != NULL &&
	    (strncmp(s, "https://id.gs1.org/01/", 22) == 0 ||
	     strncmp(s, "https://id.gs1.org/8006/", 24) == 0)) {
		char *r = strstr(q + 4, "/21/");
		memmove(q, r, strlen(r) + 1);
	}
	if (strncmp(s, "https://id.gs1.org/", 19) == 0 && dl_valid(s + 19)) {
		return s;
	}
fail:
	free(s);
	return NULL;
}

char *
life_dl_normalise(const char *uri)
{
	if (strchr(uri, '.') == NULL) {
		return NULL;
	}
	if (strncmp(uri, "urn:epc:", 8) == 0) {
		return from_urn(uri);
	}
	return dl_like(uri) ? from_dl(uri) : NULL;
}
