/* vjson_write.c - the JSON writer of Handle values and records, and the date format (vjson.h). */
#include "model/vjson.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/b64.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/num.h"
#include "base/rbuf.h"
#include "base/text.h"
#include "model/ident.h"

static const char hex_digits[] = "0123456789abcdef";

/*
 * Byte classes for string output: 0 copied as is, 1 escaped, 2 start of a multi-byte UTF-8
 * sequence (or an invalid byte) that needs checking.
 */
static const uint8_t str_class[256] = {
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
        0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 '"' */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50 '\\' */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* 0x70 DEL */
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x80 */
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x90 */
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xA0 */
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xB0 */
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xC0 */
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xD0 */
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xE0 */
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xF0 */
};

/* Length of the valid UTF-8 sequence at s.p[i] (a lead byte >= 0x80), or 0 if invalid. */
static size_t
utf8_seq_len(struct slice s, size_t i)
{
	uint32_t cp;

	return text_utf8_next(s.p + i, s.len - i, &cp);
}

/*
 * True if s is valid UTF-8 without control characters (C0, DEL, C1) other than tab, LF and
 * CR: such data is shown as "string", anything else as "base64".
 */
static bool
is_text(struct slice s)
{
	size_t i = 0, k;

	while (i < s.len) {
		uint8_t c = s.p[i];

		if (c >= 0x20 && c < 0x7F) {
			i++;
			continue;
		}
		if (c < 0x80) {
			if (c != '\t' && c != '\n' && c != '\r') {
				return false;
			}
			i++;
			continue;
		}
		k = utf8_seq_len(s, i);
		if (k == 0 || (c == 0xC2 && s.p[i + 1] < 0xA0)) { /* invalid, or U+0080..U+009F */
			return false;
		}
		i += k;
	}
	return true;
}

/*
 * True if s survives JSON unchanged with default jansson flags: valid UTF-8 and no NUL.
 * Strings inside admin/vlist/site data must pass, else the data is shown as base64.
 */
static bool
is_json_safe(struct slice s)
{
	size_t i = 0, k;

	while (i < s.len) {
		if (s.p[i] < 0x80) {
			if (s.p[i] == 0) {
				return false;
			}
			i++;
			continue;
		}
		k = utf8_seq_len(s, i);
		if (k == 0) {
			return false;
		}
		i += k;
	}
	return true;
}

/* ---- writer primitives ---- */

static void
write_escape(struct wbuf *w, uint8_t c)
{
	char u[6] = {'\\', 'u', '0', '0', '0', '0'};

	switch (c) {
	case '"':
		wbuf_lit(w, "\\\"");
		return;
	case '\\':
		wbuf_lit(w, "\\\\");
		return;
	case '\b':
		wbuf_lit(w, "\\b");
		return;
	case '\f':
		wbuf_lit(w, "\\f");
		return;
	case '\n':
		wbuf_lit(w, "\\n");
		return;
	case '\r':
		wbuf_lit(w, "\\r");
		return;
	case '\t':
		wbuf_lit(w, "\\t");
		return;
	default:
		u[4] = hex_digits[c >> 4];
		u[5] = hex_digits[c & 0x0F];
		wbuf_bytes(w, u, sizeof(u));
		return;
	}
}

/* Any byte of x below n (n <= 128), or equal to zero: exact as a yes/no (bit tricks of
 * "Bit Twiddling Hacks", hasless and haszero). */
#define ONES           0x0101010101010101ULL
#define HIGHS          0x8080808080808080ULL
#define ANY_LESS(x, n) (((x)-ONES * (n)) & ~(x)&HIGHS)
#define ANY_ZERO(x)    ANY_LESS(x, 1)

/* The length of the run at p[0..n) that JSON copies as is (class 0), eight bytes at a time. */
static size_t
plain_run(const uint8_t *p, size_t n)
{
	size_t i = 0;
	uint64_t x;

	for (; n - i >= 8; i += 8) {
		memcpy(&x, p + i, 8);
		if (((x & HIGHS) | ANY_LESS(x, 0x20) | ANY_ZERO(x ^ (ONES * 0x7F)) |
		     ANY_ZERO(x ^ (ONES * '"')) | ANY_ZERO(x ^ (ONES * '\\'))) != 0) {
			break;
		}
	}
	while (i < n && str_class[p[i]] == 0) {
		i++;
	}
	return i;
}

int
vjson_write_str(struct wbuf *w, struct slice s)
{
	size_t i = 0, start = 0, k;

	wbuf_u8(w, '"');
	while (i < s.len) {
		uint8_t cls;

		i += plain_run(s.p + i, s.len - i);
		if (i == s.len) {
			break;
		}
		cls = str_class[s.p[i]];
		if (cls == 2) {
			k = utf8_seq_len(s, i);
			if (k != 0) {
				i += k;
				continue;
			}
		}
		wbuf_bytes(w, &s.p[start], i - start);
		if (cls == 2) {
			wbuf_lit(w, "\\ufffd");
		} else {
			write_escape(w, s.p[i]);
		}
		start = ++i;
	}
	if (i > start) { /* s.p may be NULL when s is empty */
		wbuf_bytes(w, &s.p[start], i - start);
	}
	wbuf_u8(w, '"');
	return wbuf_error(w);
}

static void
write_i64(struct wbuf *w, int64_t v)
{
	if (v < 0) {
		wbuf_u8(w, '-');
		wbuf_dec(w, (uint64_t)0 - (uint64_t)v);
	} else {
		wbuf_dec(w, (uint64_t)v);
	}
}

static void
write_cstr(struct wbuf *w, const char *s)
{
	vjson_write_str(w, slice_cstr(s));
}

static void
write_base64(struct wbuf *w, struct slice s)
{
	wbuf_u8(w, '"');
	b64_encode(w, s);
	wbuf_u8(w, '"');
}

/* ---- dates ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Inverse of days_from_civil for days >= 0 (all uint32 unix times). */
static void
civil_from_days(uint32_t days, unsigned *y, unsigned *m, unsigned *d)
{
	uint32_t z = days + 719468;
	uint32_t era = z / 146097;
	uint32_t doe = z - era * 146097;
	uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint32_t mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static void
put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

void
vjson_time_format(uint32_t t, char out[VJSON_TIME_LEN])
{
	unsigned y, m, d, secs = t % 86400;

	civil_from_days(t / 86400, &y, &m, &d);
	put2(out, y / 100);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, secs / 3600);
	out[13] = ':';
	put2(out + 14, secs / 60 % 60);
	out[16] = ':';
	put2(out + 17, secs % 60);
	out[19] = 'Z';
	out[20] = '\0';
}

/* n decimal digits at s[0..n) into *v; false if any is not a digit. */
static bool
get_digits(const char *s, size_t n, unsigned *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

static unsigned
month_days(unsigned y, unsigned m)
{
	static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Parse the zone part at s[0..len): "Z", "+hh:mm" or "-hh:mm" -> offset seconds east. */
static int
parse_zone(const char *s, size_t len, int64_t *off)
{
	unsigned hh, mm;

	if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*off = 0;
		return IDR_OK;
	}
	if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !get_digits(s + 1, 2, &hh) ||
	    !get_digits(s + 4, 2, &mm) || hh > 23 || mm > 59) {
		return IDR_EINVAL;
	}
	*off = (int64_t)(hh * 3600 + mm * 60) * (s[0] == '-' ? -1 : 1);
	return IDR_OK;
}

int
vjson_time_parse(const char *s, size_t len, uint32_t *out)
{
	unsigned y, mo, d, h, mi, sec;
	size_t pos = 19;
	int64_t off, t;

	if (s == NULL || len < 20 || !get_digits(s, 4, &y) || s[4] != '-' ||
	    !get_digits(s + 5, 2, &mo) || s[7] != '-' || !get_digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || !get_digits(s + 11, 2, &h) || s[13] != ':' ||
	    !get_digits(s + 14, 2, &mi) || s[16] != ':' || !get_digits(s + 17, 2, &sec)) {
		return IDR_EINVAL;
	}
	if (s[pos] == '.') {
		pos++;
		while (pos < len && s[pos] >= '0' && s[pos] <= '9') {
			pos++;
		}
		if (pos == 20) {
			return IDR_EINVAL; /* "." without digits */
		}
	}
	if (pos >= len || parse_zone(s + pos, len - pos, &off) != IDR_OK) {
		return IDR_EINVAL;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || sec > 59) {
		return IDR_EINVAL;
	}
	t = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + sec - off;
	if (t < 0 || t > (int64_t)UINT32_MAX) {
		return IDR_ELIMIT;
	}
	*out = (uint32_t)t;
	return IDR_OK;
}

/* A time as a JSON string; the values of a record mostly share one, so the last is kept
 * (per thread). */
static void
write_time(struct wbuf *w, uint32_t t)
{
	static _Thread_local uint32_t last_t;
	static _Thread_local char last[VJSON_TIME_LEN + 2] = "";

	if (t != last_t || last[0] == '\0') {
		last[0] = '"';
		vjson_time_format(t, last + 1);
		last[VJSON_TIME_LEN] = '"';
		last_t = t;
	}
	wbuf_bytes(w, last, VJSON_TIME_LEN + 1);
}

/* ---- data formats ---- */

static void
write_data_head(struct wbuf *w, const char *format)
{
	wbuf_lit(w, "{\"format\":\"");
	wbuf_cstr(w, format);
	wbuf_lit(w, "\",\"value\":");
}

/*
 * HS_ADMIN as {"handle":..,"index":..,"permissions":"<12 bits>"} when that reproduces the
 * data: no bits above LIST_HANDLES, a JSON-safe handle, and no trailing bytes other than the
 * two legacy zero bytes (shown as "legacyByteLength":true, as Handle.Net does).
 */
static bool
write_admin(struct wbuf *w, struct slice data)
{
	struct value_admin a;
	size_t base;
	bool legacy;
	int bit;

	if (value_admin_decode(data, &a) != IDR_OK || a.perms > VALUE_ADMIN_ALL ||
	    a.handle.len > IDENT_HARD_MAX || !is_json_safe(a.handle)) {
		return false;
	}
	base = 2 + 4 + a.handle.len + 4;
	legacy = data.len == base + 2 && data.p[base] == 0 && data.p[base + 1] == 0;
	if (data.len != base && !legacy) {
		return false;
	}
	write_data_head(w, "admin");
	wbuf_lit(w, "{\"handle\":");
	vjson_write_str(w, a.handle);
	wbuf_lit(w, ",\"index\":");
	wbuf_dec(w, a.index);
	wbuf_lit(w, ",\"permissions\":\"");
	for (bit = 11; bit >= 0; bit--) {
		wbuf_u8(w, (a.perms >> bit) & 1 ? '1' : '0');
	}
	wbuf_u8(w, '"');
	if (legacy) {
		wbuf_lit(w, ",\"legacyByteLength\":true");
	}
	wbuf_lit(w, "}}");
	return true;
}

/* Walk an HS_VLIST; with w == NULL only check that it decodes exactly and is JSON-safe. */
static bool
walk_vlist(struct wbuf *w, struct slice data)
{
	struct rbuf r;
	struct value_ref ref;
	uint32_t n, i;

	rbuf_init(&r, data.p, data.len);
	n = rbuf_count(&r, UINT32_MAX, 8);
	if (w != NULL) {
		wbuf_u8(w, '[');
	}
	for (i = 0; i < n && rbuf_error(&r) == IDR_OK; i++) {
		if (value_ref_next(&r, &ref) != IDR_OK) {
			return false;
		}
		if (w == NULL) {
			if (ref.handle.len > IDENT_HARD_MAX || !is_json_safe(ref.handle)) {
				return false;
			}
			continue;
		}
		if (i > 0) {
			wbuf_u8(w, ',');
		}
		wbuf_lit(w, "{\"handle\":");
		vjson_write_str(w, ref.handle);
		wbuf_lit(w, ",\"index\":");
		wbuf_dec(w, ref.index);
		wbuf_u8(w, '}');
	}
	if (w != NULL) {
		wbuf_u8(w, ']');
	}
	return rbuf_error(&r) == IDR_OK && rbuf_left(&r) == 0;
}

static bool
write_vlist(struct wbuf *w, struct slice data)
{
	if (!walk_vlist(NULL, data)) {
		return false;
	}
	write_data_head(w, "vlist");
	walk_vlist(w, data);
	wbuf_u8(w, '}');
	return true;
}

static const char *const proto_names[] = {"UDP", "TCP", "HTTP", "HTTPS"};

const char *
vjson_proto_name(size_t proto)
{
	return proto < sizeof(proto_names) / sizeof(proto_names[0]) ? proto_names[proto] : NULL;
}

/* True if the JSON site form holds every bit of s (so parsing it gives the same bytes). */
static bool
site_representable(const struct value_site *s)
{
	size_t i, k;

	if ((s->primary_mask & ~(VALUE_SITE_PRIMARY | VALUE_SITE_MULTIPRIMARY)) != 0 ||
	    !is_json_safe(s->hash_filter)) {
		return false;
	}
	for (i = 0; i < s->nattrs; i++) {
		if (!is_json_safe(s->attrs[i].name) || !is_json_safe(s->attrs[i].value)) {
			return false;
		}
	}
	for (i = 0; i < s->nservers; i++) {
		const struct value_site_server *sv = &s->servers[i];

		for (k = 0; k < sv->nifaces; k++) {
			if (sv->ifaces[k].type > (VALUE_IFACE_ADMIN | VALUE_IFACE_QUERY) ||
			    sv->ifaces[k].port > 65535) {
				return false;
			}
		}
	}
	return true;
}

static void
write_address(struct wbuf *w, const uint8_t addr[16])
{
	static const uint8_t zero12[12];
	char text[INET6_ADDRSTRLEN];
	const char *p;

	if (memcmp(addr, zero12, sizeof(zero12)) == 0) {
		p = inet_ntop(AF_INET, addr + 12, text, sizeof(text));
	} else {
		p = inet_ntop(AF_INET6, addr, text, sizeof(text));
	}
	/* inet_ntop cannot fail with these families and buffer sizes */
	write_cstr(w, p != NULL ? p : "::");
}

static void
write_iface(struct wbuf *w, const struct value_site_iface *f)
{
	wbuf_lit(w, "{\"query\":");
	if (f->type & VALUE_IFACE_QUERY) {
		wbuf_lit(w, "true");
	} else {
		wbuf_lit(w, "false");
	}
	wbuf_lit(w, ",\"admin\":");
	if (f->type & VALUE_IFACE_ADMIN) {
		wbuf_lit(w, "true");
	} else {
		wbuf_lit(w, "false");
	}
	wbuf_lit(w, ",\"protocol\":");
	if (f->proto < sizeof(proto_names) / sizeof(proto_names[0])) {
		write_cstr(w, proto_names[f->proto]);
	} else {
		wbuf_dec(w, f->proto); /* Handle.Net writes unknown protocols as numbers */
	}
	wbuf_lit(w, ",\"port\":");
	wbuf_dec(w, f->port);
	wbuf_u8(w, '}');
}

static void
write_server(struct wbuf *w, const struct value_site_server *sv)
{
	size_t k;

	wbuf_lit(w, "{\"serverId\":");
	wbuf_dec(w, sv->id);
	wbuf_lit(w, ",\"address\":");
	write_address(w, sv->addr);
	if (sv->pubkey.len > 0) {
		wbuf_lit(w, ",\"publicKey\":{\"format\":\"base64\",\"value\":");
		write_base64(w, sv->pubkey);
		wbuf_u8(w, '}');
	}
	wbuf_lit(w, ",\"interfaces\":[");
	for (k = 0; k < sv->nifaces; k++) {
		if (k > 0) {
			wbuf_u8(w, ',');
		}
		write_iface(w, &sv->ifaces[k]);
	}
	wbuf_lit(w, "]}");
}

static void
write_site_body(struct wbuf *w, const struct value_site *s)
{
	size_t i;

	wbuf_lit(w, "{\"version\":");
	wbuf_dec(w, s->version);
	wbuf_lit(w, ",\"protocolVersion\":\"");
	wbuf_dec(w, s->proto_major);
	wbuf_u8(w, '.');
	wbuf_dec(w, s->proto_minor);
	wbuf_lit(w, "\",\"serialNumber\":");
	wbuf_dec(w, s->serial);
	wbuf_lit(w, ",\"primarySite\":");
	wbuf_cstr(w, s->primary_mask & VALUE_SITE_PRIMARY ? "true" : "false");
	wbuf_lit(w, ",\"multiPrimary\":");
	wbuf_cstr(w, s->primary_mask & VALUE_SITE_MULTIPRIMARY ? "true" : "false");
	if (s->hash_option != 2) {
		wbuf_lit(w, ",\"hashOption\":");
		wbuf_dec(w, s->hash_option);
	}
	wbuf_lit(w, ",\"hashFilter\":");
	vjson_write_str(w, s->hash_filter);
	wbuf_lit(w, ",\"attributes\":[");
	for (i = 0; i < s->nattrs; i++) {
		if (i > 0) {
			wbuf_u8(w, ',');
		}
		wbuf_lit(w, "{\"name\":");
		vjson_write_str(w, s->attrs[i].name);
		wbuf_lit(w, ",\"value\":");
		vjson_write_str(w, s->attrs[i].value);
		wbuf_u8(w, '}');
	}
	wbuf_lit(w, "],\"servers\":[");
	for (i = 0; i < s->nservers; i++) {
		if (i > 0) {
			wbuf_u8(w, ',');
		}
		write_server(w, &s->servers[i]);
	}
	wbuf_lit(w, "]}");
}

/*
 * HS_SITE as a "site" object when it decodes, its JSON form holds every bit and encoding the
 * decoded struct gives back exactly the same bytes.
 * @return IDR_OK (written), IDR_EPROTO (not representable: caller falls back) or IDR_ENOMEM.
 */
static int
write_site(struct wbuf *w, struct slice data)
{
	struct value_site *s = malloc(sizeof(*s));
	struct wbuf check;
	bool same;

	if (s == NULL) {
		return IDR_ENOMEM;
	}
	if (value_site_decode(data, s) != IDR_OK || !site_representable(s)) {
		free(s);
		return IDR_EPROTO;
	}
	wbuf_init_heap(&check, data.len);
	value_site_encode(&check, s);
	same = wbuf_error(&check) == IDR_OK && slice_eq(wbuf_slice(&check), data);
	wbuf_deinit(&check);
	if (same) {
		write_data_head(w, "site");
		write_site_body(w, s);
		wbuf_u8(w, '}');
	}
	free(s);
	return same ? IDR_OK : IDR_EPROTO;
}

enum data_kind { KIND_PLAIN, KIND_ADMIN, KIND_VLIST, KIND_SITE };

static enum data_kind
data_kind(struct slice type)
{
	if (type.len < 7 || (type.p[0] != 'H' && type.p[0] != 'h')) {
		return KIND_PLAIN; /* cheap exit for URL, EMAIL, ... */
	}
	if (slice_caseeq_cstr(type, "HS_ADMIN")) {
		return KIND_ADMIN;
	}
	if (slice_caseeq_cstr(type, "HS_VLIST")) {
		return KIND_VLIST;
	}
	if (slice_caseeq_cstr(type, "HS_SITE") || slice_caseeq_cstr(type, "HS_SITE.6") ||
	    slice_caseeq_cstr(type, "HS_SITE.PREFIX") ||
	    slice_caseeq_cstr(type, "HS_NA_DELEGATE")) {
		return KIND_SITE;
	}
	return KIND_PLAIN;
}

static int
write_data(struct wbuf *w, const struct value *v)
{
	int rc;

	switch (data_kind(v->type)) {
	case KIND_ADMIN:
		if (write_admin(w, v->data)) {
			return IDR_OK;
		}
		break;
	case KIND_VLIST:
		if (write_vlist(w, v->data)) {
			return IDR_OK;
		}
		break;
	case KIND_SITE:
		rc = write_site(w, v->data);
		if (rc != IDR_EPROTO) {
			return rc;
		}
		break;
	case KIND_PLAIN:
		break;
	}
	if (is_text(v->data)) {
		write_data_head(w, "string");
		vjson_write_str(w, v->data);
	} else {
		write_data_head(w, "base64");
		write_base64(w, v->data);
	}
	wbuf_u8(w, '}');
	return IDR_OK;
}

/* "references":[{"handle":..,"index":..}] (ValueReference order of Handle.Net). */
static int
write_refs(struct wbuf *w, const struct value *v)
{
	struct rbuf r;
	struct value_ref ref;
	uint32_t i;

	rbuf_init(&r, v->refs.p, v->refs.len);
	wbuf_lit(w, ",\"references\":[");
	for (i = 0; i < v->nrefs; i++) {
		if (value_ref_next(&r, &ref) != IDR_OK) {
			return IDR_EPROTO;
		}
		if (i > 0) {
			wbuf_u8(w, ',');
		}
		wbuf_lit(w, "{\"handle\":");
		vjson_write_str(w, ref.handle);
		wbuf_lit(w, ",\"index\":");
		wbuf_dec(w, ref.index);
		wbuf_u8(w, '}');
	}
	wbuf_u8(w, ']');
	return IDR_OK;
}

int
vjson_write_value(struct wbuf *w, const struct value *v)
{
	int rc;

	wbuf_lit(w, "{\"index\":");
	wbuf_dec(w, v->index);
	wbuf_lit(w, ",\"type\":");
	vjson_write_str(w, v->type);
	wbuf_lit(w, ",\"data\":");
	rc = write_data(w, v);
	if (rc != IDR_OK) {
		return rc;
	}
	if (v->perms != VALUE_PERM_DEFAULT) {
		wbuf_lit(w, ",\"permissions\":\"");
		wbuf_u8(w, v->perms & VALUE_PERM_ADMIN_READ ? '1' : '0');
		wbuf_u8(w, v->perms & VALUE_PERM_ADMIN_WRITE ? '1' : '0');
		wbuf_u8(w, v->perms & VALUE_PERM_PUBLIC_READ ? '1' : '0');
		wbuf_u8(w, v->perms & VALUE_PERM_PUBLIC_WRITE ? '1' : '0');
		wbuf_u8(w, '"');
	}
	wbuf_lit(w, ",\"ttl\":");
	if (v->ttl_type == VALUE_TTL_ABSOLUTE) {
		write_time(w, (uint32_t)v->ttl);
	} else {
		write_i64(w, v->ttl);
	}
	if (v->timestamp != 0) {
		wbuf_lit(w, ",\"timestamp\":");
		write_time(w, v->timestamp);
	}
	if (v->nrefs > 0) {
		rc = write_refs(w, v);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	wbuf_u8(w, '}');
	return wbuf_error(w);
}

int
vjson_filter_match(void *ctx, const struct value *v)
{
	const struct vjson_filter *f = ctx;
	size_t i;

	if (f->public_only && (v->perms & VALUE_PERM_PUBLIC_READ) == 0) {
		return 0;
	}
	if (f->nindexes == 0 && f->ntypes == 0) {
		return 1;
	}
	for (i = 0; i < f->nindexes; i++) {
		if (f->indexes[i] == v->index) {
			return 1;
		}
	}
	for (i = 0; i < f->ntypes; i++) {
		if (value_type_match(v->type, f->types[i])) {
			return 1;
		}
	}
	return 0;
}

int
vjson_write_values(struct wbuf *w, const struct rec_view *rec, vjson_filter_fn filter, void *ctx)
{
	struct rbuf r;
	struct value v;
	int rc, n = 0;

	rbuf_init(&r, rec->values.p, rec->values.len);
	wbuf_u8(w, '[');
	while ((rc = rec_value_next(&r, &v)) == IDR_OK) {
		rc = filter != NULL ? filter(ctx, &v) : 1;
		if (rc < 0) {
			return rc;
		}
		if (rc == 0) {
			continue;
		}
		if (n == INT_MAX) {
			return IDR_ELIMIT;
		}
		if (n > 0) {
			wbuf_u8(w, ',');
		}
		rc = vjson_write_value(w, &v);
		if (rc != IDR_OK) {
			return rc;
		}
		n++;
	}
	if (rc != IDR_ENOENT) {
		return rc;
	}
	wbuf_u8(w, ']');
	return wbuf_error(w) != IDR_OK ? wbuf_error(w) : n;
}

static void
write_record_head(struct wbuf *w, int code, struct slice handle)
{
	wbuf_lit(w, "{\"responseCode\":");
	wbuf_dec(w, (uint64_t)code);
	wbuf_lit(w, ",\"handle\":");
	vjson_write_str(w, handle);
	wbuf_lit(w, ",\"values\":");
}

int
vjson_write_record(struct wbuf *w, const struct rec_view *rec, vjson_filter_fn filter, void *ctx)
{
	size_t mark = wbuf_len(w);
	int n;

	write_record_head(w, VJSON_RC_SUCCESS, rec->handle);
	n = vjson_write_values(w, rec, filter, ctx);
	if (n < 0) {
		return n;
	}
	if (n == 0 && filter != NULL) {
		/*
		 * Nothing passed the filter: the code comes first, so rewind to the start of
		 * this object (only "[]" was written after the head) and write it again. wbuf
		 * has no truncate accessor; mark <= len and no error, so this is safe.
		 */
		w->len = mark;
		write_record_head(w, VJSON_RC_VALUES_NOT_FOUND, rec->handle);
		wbuf_lit(w, "[]");
	}
	wbuf_u8(w, '}');
	return wbuf_error(w) != IDR_OK ? wbuf_error(w) : n;
}
