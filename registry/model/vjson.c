/* vjson.c - JSON form of Handle values and records (ref/handle.md §7). */
#include "model/vjson.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/crypto.h"
#include "base/err.h"
#include "base/num.h"
#include "base/rbuf.h"
#include "base/text.h"
#include "model/ident.h"

/* append a string literal ("" makes anything else a compile error) */
#define PUT(w, lit) wbuf_bytes((w), "" lit, sizeof(lit) - 1)

static const char hex_digits[] = "0123456789abcdef";
static const char b64_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

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
		PUT(w, "\\\"");
		return;
	case '\\':
		PUT(w, "\\\\");
		return;
	case '\b':
		PUT(w, "\\b");
		return;
	case '\f':
		PUT(w, "\\f");
		return;
	case '\n':
		PUT(w, "\\n");
		return;
	case '\r':
		PUT(w, "\\r");
		return;
	case '\t':
		PUT(w, "\\t");
		return;
	default:
		u[4] = hex_digits[c >> 4];
		u[5] = hex_digits[c & 0x0F];
		wbuf_bytes(w, u, sizeof(u));
		return;
	}
}

int
vjson_write_str(struct wbuf *w, struct slice s)
{
	size_t i = 0, start = 0, k;

	wbuf_u8(w, '"');
	while (i < s.len) {
		uint8_t cls = str_class[s.p[i]];

		if (cls == 0) {
			i++;
			continue;
		}
		if (cls == 2) {
			k = utf8_seq_len(s, i);
			if (k != 0) {
				i += k;
				continue;
			}
		}
		wbuf_bytes(w, &s.p[start], i - start);
		if (cls == 2) {
			PUT(w, "\\ufffd");
		} else {
			write_escape(w, s.p[i]);
		}
		start = ++i;
	}
	wbuf_bytes(w, &s.p[start], i - start);
	wbuf_u8(w, '"');
	return wbuf_error(w);
}

static void
write_u64(struct wbuf *w, uint64_t v)
{
	char buf[20];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	wbuf_bytes(w, &buf[i], sizeof(buf) - i);
}

static void
write_i64(struct wbuf *w, int64_t v)
{
	if (v < 0) {
		wbuf_u8(w, '-');
		write_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		write_u64(w, (uint64_t)v);
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
	char out[1024];
	size_t i = 0, o = 0;
	uint32_t v;

	wbuf_u8(w, '"');
	for (; s.len - i >= 3; i += 3) {
		v = (uint32_t)s.p[i] << 16 | (uint32_t)s.p[i + 1] << 8 | s.p[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 0x3F];
		out[o++] = b64_alphabet[(v >> 6) & 0x3F];
		out[o++] = b64_alphabet[v & 0x3F];
		if (o == sizeof(out)) {
			wbuf_bytes(w, out, o);
			o = 0;
		}
	}
	if (s.len - i > 0) {
		v = (uint32_t)s.p[i] << 16 | (s.len - i == 2 ? (uint32_t)s.p[i + 1] << 8 : 0);
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 0x3F];
		out[o++] = '=';
		if (s.len - i == 2) {
			out[o - 1] = b64_alphabet[(v >> 6) & 0x3F];
		}
		out[o++] = '=';
	}
	wbuf_bytes(w, out, o);
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

static void
write_time(struct wbuf *w, uint32_t t)
{
	char buf[VJSON_TIME_LEN];

	vjson_time_format(t, buf);
	wbuf_u8(w, '"');
	wbuf_bytes(w, buf, VJSON_TIME_LEN - 1);
	wbuf_u8(w, '"');
}

/* ---- data formats ---- */

static void
write_data_head(struct wbuf *w, const char *format)
{
	PUT(w, "{\"format\":\"");
	wbuf_cstr(w, format);
	PUT(w, "\",\"value\":");
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
	PUT(w, "{\"handle\":");
	vjson_write_str(w, a.handle);
	PUT(w, ",\"index\":");
	write_u64(w, a.index);
	PUT(w, ",\"permissions\":\"");
	for (bit = 11; bit >= 0; bit--) {
		wbuf_u8(w, (a.perms >> bit) & 1 ? '1' : '0');
	}
	wbuf_u8(w, '"');
	if (legacy) {
		PUT(w, ",\"legacyByteLength\":true");
	}
	PUT(w, "}}");
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
		PUT(w, "{\"handle\":");
		vjson_write_str(w, ref.handle);
		PUT(w, ",\"index\":");
		write_u64(w, ref.index);
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
	PUT(w, "{\"query\":");
	if (f->type & VALUE_IFACE_QUERY) {
		PUT(w, "true");
	} else {
		PUT(w, "false");
	}
	PUT(w, ",\"admin\":");
	if (f->type & VALUE_IFACE_ADMIN) {
		PUT(w, "true");
	} else {
		PUT(w, "false");
	}
	PUT(w, ",\"protocol\":");
	if (f->proto < sizeof(proto_names) / sizeof(proto_names[0])) {
		write_cstr(w, proto_names[f->proto]);
	} else {
		write_u64(w, f->proto); /* Handle.Net writes unknown protocols as numbers */
	}
	PUT(w, ",\"port\":");
	write_u64(w, f->port);
	wbuf_u8(w, '}');
}

static void
write_server(struct wbuf *w, const struct value_site_server *sv)
{
	size_t k;

	PUT(w, "{\"serverId\":");
	write_u64(w, sv->id);
	PUT(w, ",\"address\":");
	write_address(w, sv->addr);
	if (sv->pubkey.len > 0) {
		PUT(w, ",\"publicKey\":{\"format\":\"base64\",\"value\":");
		write_base64(w, sv->pubkey);
		wbuf_u8(w, '}');
	}
	PUT(w, ",\"interfaces\":[");
	for (k = 0; k < sv->nifaces; k++) {
		if (k > 0) {
			wbuf_u8(w, ',');
		}
		write_iface(w, &sv->ifaces[k]);
	}
	PUT(w, "]}");
}

static void
write_site_body(struct wbuf *w, const struct value_site *s)
{
	size_t i;

	PUT(w, "{\"version\":");
	write_u64(w, s->version);
	PUT(w, ",\"protocolVersion\":\"");
	write_u64(w, s->proto_major);
	wbuf_u8(w, '.');
	write_u64(w, s->proto_minor);
	PUT(w, "\",\"serialNumber\":");
	write_u64(w, s->serial);
	PUT(w, ",\"primarySite\":");
	wbuf_cstr(w, s->primary_mask & VALUE_SITE_PRIMARY ? "true" : "false");
	PUT(w, ",\"multiPrimary\":");
	wbuf_cstr(w, s->primary_mask & VALUE_SITE_MULTIPRIMARY ? "true" : "false");
	if (s->hash_option != 2) {
		PUT(w, ",\"hashOption\":");
		write_u64(w, s->hash_option);
	}
	PUT(w, ",\"hashFilter\":");
	vjson_write_str(w, s->hash_filter);
	PUT(w, ",\"attributes\":[");
	for (i = 0; i < s->nattrs; i++) {
		if (i > 0) {
			wbuf_u8(w, ',');
		}
		PUT(w, "{\"name\":");
		vjson_write_str(w, s->attrs[i].name);
		PUT(w, ",\"value\":");
		vjson_write_str(w, s->attrs[i].value);
		wbuf_u8(w, '}');
	}
	PUT(w, "],\"servers\":[");
	for (i = 0; i < s->nservers; i++) {
		if (i > 0) {
			wbuf_u8(w, ',');
		}
		write_server(w, &s->servers[i]);
	}
	PUT(w, "]}");
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
	PUT(w, ",\"references\":[");
	for (i = 0; i < v->nrefs; i++) {
		if (value_ref_next(&r, &ref) != IDR_OK) {
			return IDR_EPROTO;
		}
		if (i > 0) {
			wbuf_u8(w, ',');
		}
		PUT(w, "{\"handle\":");
		vjson_write_str(w, ref.handle);
		PUT(w, ",\"index\":");
		write_u64(w, ref.index);
		wbuf_u8(w, '}');
	}
	wbuf_u8(w, ']');
	return IDR_OK;
}

int
vjson_write_value(struct wbuf *w, const struct value *v)
{
	int rc;

	PUT(w, "{\"index\":");
	write_u64(w, v->index);
	PUT(w, ",\"type\":");
	vjson_write_str(w, v->type);
	PUT(w, ",\"data\":");
	rc = write_data(w, v);
	if (rc != IDR_OK) {
		return rc;
	}
	if (v->perms != VALUE_PERM_DEFAULT) {
		PUT(w, ",\"permissions\":\"");
		wbuf_u8(w, v->perms & VALUE_PERM_ADMIN_READ ? '1' : '0');
		wbuf_u8(w, v->perms & VALUE_PERM_ADMIN_WRITE ? '1' : '0');
		wbuf_u8(w, v->perms & VALUE_PERM_PUBLIC_READ ? '1' : '0');
		wbuf_u8(w, v->perms & VALUE_PERM_PUBLIC_WRITE ? '1' : '0');
		wbuf_u8(w, '"');
	}
	PUT(w, ",\"ttl\":");
	if (v->ttl_type == VALUE_TTL_ABSOLUTE) {
		write_time(w, (uint32_t)v->ttl);
	} else {
		write_i64(w, v->ttl);
	}
	if (v->timestamp != 0) {
		PUT(w, ",\"timestamp\":");
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
	PUT(w, "{\"responseCode\":");
	write_u64(w, (uint64_t)code);
	PUT(w, ",\"handle\":");
	vjson_write_str(w, handle);
	PUT(w, ",\"values\":");
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
		PUT(w, "[]");
	}
	wbuf_u8(w, '}');
	return wbuf_error(w) != IDR_OK ? wbuf_error(w) : n;
}

/* ---- parser: owned storage ---- */

struct vjson_chunk {
	struct vjson_chunk *next;
	size_t used;
	size_t cap;
	uint8_t data[];
};

#define CHUNK_SIZE 16384

static const uint8_t empty_bytes[1];

/* n bytes owned by vals (NULL on allocation failure). */
static uint8_t *
own_alloc(struct vjson_values *vals, size_t n)
{
	struct vjson_chunk *head = vals->chunks, *ch;
	size_t cap;
	uint8_t *p;

	if (head != NULL && head->cap - head->used >= n) {
		p = &head->data[head->used];
		head->used += n;
		return p;
	}
	cap = n > CHUNK_SIZE ? n : CHUNK_SIZE;
	if (cap > SIZE_MAX - sizeof(*ch)) {
		return NULL;
	}
	ch = malloc(sizeof(*ch) + cap);
	if (ch == NULL) {
		return NULL;
	}
	ch->used = n;
	ch->cap = cap;
	if (head != NULL && n > CHUNK_SIZE / 4) {
		/* a big block goes behind the head so the head's free space stays in use */
		ch->next = head->next;
		head->next = ch;
	} else {
		ch->next = head;
		vals->chunks = ch;
	}
	return ch->data;
}

/* Copy p[0..n) into owned memory as *out. */
static int
own_dup(struct vjson_values *vals, const void *p, size_t n, struct slice *out)
{
	uint8_t *d;

	if (n == 0) {
		*out = slice_make(empty_bytes, 0);
		return IDR_OK;
	}
	d = own_alloc(vals, n);
	if (d == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(d, p, n);
	*out = slice_make(d, n);
	return IDR_OK;
}

void
vjson_values_free(struct vjson_values *vals)
{
	struct vjson_chunk *ch, *next;

	if (vals == NULL) {
		return;
	}
	for (ch = vals->chunks; ch != NULL; ch = next) {
		next = ch->next;
		free(ch);
	}
	free(vals->v);
	memset(vals, 0, sizeof(*vals));
}

/* ---- parser: context, paths and errors ---- */

/* scratch room: the larger of the data limit and the most references a value may carry */
#define REFS_MAX_BYTES ((size_t)VALUE_MAX_REFS * (8 + IDENT_HARD_MAX))
#define SCRATCH_MAX    (REFS_MAX_BYTES > VALUE_MAX_ARRAY ? REFS_MAX_BYTES : VALUE_MAX_ARRAY)

struct pctx {
	struct vjson_values *out;
	struct wbuf scratch; /* encoded admin/vlist/site data and references */
	char *err;
	size_t errlen;
	size_t plen;
	char path[192];
};

static size_t path_vpush(struct pctx *c, const char *fmt, va_list ap) IDR_PRINTF(2, 0);
static size_t path_push(struct pctx *c, const char *fmt, ...) IDR_PRINTF(2, 3);
static int vfail(struct pctx *c, int rc, const char *fmt, va_list ap) IDR_PRINTF(3, 0);
static int fail(struct pctx *c, int rc, const char *fmt, ...) IDR_PRINTF(3, 4);
static int fail_at(struct pctx *c, const char *key, int rc, const char *fmt, ...) IDR_PRINTF(4, 5);

/* Append to the error path; returns the old length for path_pop. */
static size_t
path_vpush(struct pctx *c, const char *fmt, va_list ap)
{
	size_t old = c->plen;
	int n = vsnprintf(c->path + old, sizeof(c->path) - old, fmt, ap);

	if (n < 0) {
		n = 0;
	}
	c->plen = old + (size_t)n < sizeof(c->path) ? old + (size_t)n : sizeof(c->path) - 1;
	return old;
}

static size_t
path_push(struct pctx *c, const char *fmt, ...)
{
	va_list ap;
	size_t old;

	va_start(ap, fmt);
	old = path_vpush(c, fmt, ap);
	va_end(ap);
	return old;
}

static void
path_pop(struct pctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* Format "<path>: <message>" into the caller's error buffer and return rc. */
static int
vfail(struct pctx *c, int rc, const char *fmt, va_list ap)
{
	int n;

	if (c->err == NULL || c->errlen == 0) {
		return rc;
	}
	n = snprintf(c->err, c->errlen, "%s%s", c->path, c->plen > 0 ? ": " : "");
	if (n >= 0 && (size_t)n < c->errlen) {
		(void)vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	}
	return rc;
}

static int
fail(struct pctx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = vfail(c, rc, fmt, ap);
	va_end(ap);
	return rc;
}

/* fail() with ".key" appended to the path. */
static int
fail_at(struct pctx *c, const char *key, int rc, const char *fmt, ...)
{
	size_t old = path_push(c, ".%s", key);
	va_list ap;

	va_start(ap, fmt);
	rc = vfail(c, rc, fmt, ap);
	va_end(ap);
	path_pop(c, old);
	return rc;
}

/* Member key of obj; JSON null counts as absent. */
static const json_t *
member(const json_t *obj, const char *key)
{
	const json_t *m = json_object_get(obj, key);

	return json_is_null(m) ? NULL : m;
}

/* Integer member in [min, max]; absent gives def, or an error if required. */
static int
int_member(struct pctx *c, const json_t *obj, const char *key, bool required, int64_t min,
           int64_t max, int64_t def, int64_t *out)
{
	const json_t *m = member(obj, key);
	json_int_t v;

	*out = def;
	if (m == NULL) {
		if (required) {
			return fail_at(c, key, IDR_EPROTO, "missing (an integer %lld..%lld)",
			               (long long)min, (long long)max);
		}
		*out = def;
		return IDR_OK;
	}
	v = json_is_integer(m) ? json_integer_value(m) : 0;
	if (!json_is_integer(m) || v < min || v > max) {
		return fail_at(c, key, IDR_EPROTO, "must be an integer %lld..%lld", (long long)min,
		               (long long)max);
	}
	*out = v;
	return IDR_OK;
}

/* String member as a slice borrowing the JSON tree; absent gives def or an error. */
static int
str_member(struct pctx *c, const json_t *obj, const char *key, bool required, const char *def,
           struct slice *out)
{
	const json_t *m = member(obj, key);

	*out = slice_cstr(def);
	if (m == NULL) {
		if (required) {
			return fail_at(c, key, IDR_EPROTO, "missing (a string)");
		}
		return IDR_OK;
	}
	if (!json_is_string(m)) {
		return fail_at(c, key, IDR_EPROTO, "must be a string");
	}
	*out = slice_make(json_string_value(m), json_string_length(m));
	return IDR_OK;
}

static int
bool_member(struct pctx *c, const json_t *obj, const char *key, bool required, bool *out)
{
	const json_t *m = member(obj, key);

	*out = false;
	if (m == NULL) {
		if (required) {
			return fail_at(c, key, IDR_EPROTO, "missing (true or false)");
		}
		return IDR_OK;
	}
	if (!json_is_boolean(m)) {
		return fail_at(c, key, IDR_EPROTO, "must be true or false");
	}
	*out = json_is_true(m);
	return IDR_OK;
}

/* A handle string member (admin, vlist entries, references): at most IDENT_HARD_MAX bytes. */
static int
handle_member(struct pctx *c, const json_t *obj, struct slice *out)
{
	int rc = str_member(c, obj, "handle", true, NULL, out);

	if (rc == IDR_OK && out->len > IDENT_HARD_MAX) {
		return fail_at(c, "handle", IDR_ELIMIT, "longer than %d bytes", IDENT_HARD_MAX);
	}
	if (rc == IDR_OK && out->len > 0 && memchr(out->p, 0, out->len) != NULL) {
		/* JSON with NUL needs a non-default jansson flag; keep written values loadable */
		return fail_at(c, "handle", IDR_EPROTO, "must not contain NUL");
	}
	return rc;
}

/* Array member with at most max elements; absent is an error if required, else *out NULL. */
static int
array_member(struct pctx *c, const json_t *obj, const char *key, bool required, size_t max,
             const json_t **out)
{
	const json_t *m = member(obj, key);

	*out = NULL;
	if (m == NULL) {
		return required ? fail_at(c, key, IDR_EPROTO, "missing (an array)") : IDR_OK;
	}
	if (!json_is_array(m)) {
		return fail_at(c, key, IDR_EPROTO, "must be an array");
	}
	if (json_array_size(m) > max) {
		return fail_at(c, key, IDR_ELIMIT, "more than %zu entries", max);
	}
	*out = m;
	return IDR_OK;
}

/* ---- parser: data formats ---- */

static int8_t
b64_value(uint8_t ch)
{
	if (ch >= 'A' && ch <= 'Z') {
		return (int8_t)(ch - 'A');
	}
	if (ch >= 'a' && ch <= 'z') {
		return (int8_t)(ch - 'a' + 26);
	}
	if (ch >= '0' && ch <= '9') {
		return (int8_t)(ch - '0' + 52);
	}
	if (ch == '+') {
		return 62;
	}
	return ch == '/' ? 63 : -1;
}

/*
 * Decoded size of standard base64 s (padding optional, no whitespace) and in *m the number of
 * characters before the padding, or SIZE_MAX if the length or padding is impossible.
 * Characters are checked while decoding.
 */
static size_t
b64_decoded_len(struct slice s, size_t *m)
{
	size_t pad = 0;

	while (pad < 2 && pad < s.len && s.p[s.len - 1 - pad] == '=') {
		pad++;
	}
	*m = s.len - pad;
	if ((pad > 0 && s.len % 4 != 0) || *m % 4 == 1) {
		return SIZE_MAX;
	}
	return *m / 4 * 3 + (*m % 4 == 0 ? 0 : *m % 4 - 1);
}

/* Decode the m base64 characters of s into out[0..outlen). @return false on a bad one. */
static bool
b64_decode(struct slice s, size_t m, uint8_t *out, size_t outlen)
{
	size_t i, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	for (i = 0; i < m; i++) {
		int8_t d = b64_value(s.p[i]);

		if (d < 0) {
			return false;
		}
		acc = (acc << 6 | (uint32_t)d) & 0xFFFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < outlen) {
				out[o++] = (uint8_t)(acc >> bits);
			}
		}
	}
	return true;
}

static int
data_too_long(struct pctx *c)
{
	return fail(c, IDR_ELIMIT, "data longer than %u bytes", (unsigned)VALUE_MAX_ARRAY);
}

static int
parse_base64(struct pctx *c, struct slice text, struct slice *data)
{
	size_t m, n = b64_decoded_len(text, &m);
	uint8_t *p;

	if (n == SIZE_MAX) {
		return fail(c, IDR_EPROTO, "invalid base64");
	}
	if (n > VALUE_MAX_ARRAY) {
		return data_too_long(c);
	}
	p = n > 0 ? own_alloc(c->out, n) : NULL;
	if (n > 0 && p == NULL) {
		return IDR_ENOMEM;
	}
	if (!b64_decode(text, m, p, n)) {
		return fail(c, IDR_EPROTO, "invalid base64");
	}
	*data = n > 0 ? slice_make(p, n) : slice_make(empty_bytes, 0);
	return IDR_OK;
}

static int
parse_hex(struct pctx *c, struct slice text, struct slice *data)
{
	size_t n = text.len / 2;
	uint8_t *p;

	if (text.len % 2 != 0) {
		return fail(c, IDR_EPROTO, "invalid hex (odd number of digits)");
	}
	if (n > VALUE_MAX_ARRAY) {
		return data_too_long(c);
	}
	if (n == 0) {
		*data = slice_make(empty_bytes, 0);
		return IDR_OK;
	}
	p = own_alloc(c->out, n);
	if (p == NULL) {
		return IDR_ENOMEM;
	}
	if (crypto_unhex((const char *)text.p, text.len, p, n) != IDR_OK) {
		return fail(c, IDR_EPROTO, "invalid hex");
	}
	*data = slice_make(p, n);
	return IDR_OK;
}

static int
parse_admin(struct pctx *c, const json_t *j)
{
	struct value_admin a;
	struct slice perms;
	int64_t index;
	bool legacy;
	size_t i;
	int rc;

	if (!json_is_object(j)) {
		return fail(c, IDR_EPROTO,
		            "must be an object {\"handle\",\"index\",\"permissions\"}");
	}
	if ((rc = handle_member(c, j, &a.handle)) != IDR_OK ||
	    (rc = int_member(c, j, "index", true, 0, UINT32_MAX, 0, &index)) != IDR_OK ||
	    (rc = str_member(c, j, "permissions", true, NULL, &perms)) != IDR_OK ||
	    (rc = bool_member(c, j, "legacyByteLength", false, &legacy)) != IDR_OK) {
		return rc;
	}
	a.index = (uint32_t)index;
	a.perms = 0;
	for (i = 0; i < perms.len && perms.len == 12; i++) {
		if (perms.p[i] != '0' && perms.p[i] != '1') {
			break;
		}
		a.perms = (uint16_t)(a.perms << 1 | (perms.p[i] - '0'));
	}
	if (perms.len != 12 || i != 12) {
		return fail_at(c, "permissions", IDR_EPROTO,
		               "must be 12 characters of 0/1 (LIST_HANDLES first)");
	}
	value_admin_encode(&c->scratch, &a);
	if (legacy) {
		wbuf_u16(&c->scratch, 0);
	}
	return IDR_OK;
}

static int
parse_vlist(struct pctx *c, const json_t *j)
{
	struct value_ref *refs;
	size_t i, n, old;
	int64_t index;
	int rc = IDR_OK;

	if (!json_is_array(j)) {
		return fail(c, IDR_EPROTO, "must be an array of {\"handle\",\"index\"}");
	}
	n = json_array_size(j);
	if (n > (VALUE_MAX_ARRAY - 4) / 8) {
		return data_too_long(c);
	}
	refs = calloc(n > 0 ? n : 1, sizeof(*refs));
	if (refs == NULL) {
		return IDR_ENOMEM;
	}
	for (i = 0; i < n && rc == IDR_OK; i++) {
		const json_t *e = json_array_get(j, i);

		old = path_push(c, "[%zu]", i);
		if (!json_is_object(e)) {
			rc = fail(c, IDR_EPROTO, "must be an object {\"handle\",\"index\"}");
		} else if ((rc = handle_member(c, e, &refs[i].handle)) == IDR_OK) {
			rc = int_member(c, e, "index", true, 0, UINT32_MAX, 0, &index);
			refs[i].index = (uint32_t)index;
		}
		path_pop(c, old);
	}
	if (rc == IDR_OK) {
		value_vlist_encode(&c->scratch, refs, n);
	}
	free(refs);
	return rc;
}

/* "1.2.3.4" (stored as 12 zero bytes + 4) or IPv6 text into addr. */
static bool
parse_address(struct slice text, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (slice_to_cstr(text, buf, sizeof(buf)) != IDR_OK || strlen(buf) != text.len) {
		return false;
	}
	memset(addr, 0, 16);
	if (memchr(buf, ':', text.len) != NULL) {
		return inet_pton(AF_INET6, buf, addr) == 1;
	}
	return inet_pton(AF_INET, buf, addr + 12) == 1;
}

/* Optional server publicKey: {"format":"base64"|"hex","value":"..."}. */
static int
parse_pubkey(struct pctx *c, const json_t *sv, struct slice *key)
{
	const json_t *k = member(sv, "publicKey");
	struct slice format, text;
	size_t old;
	int rc;

	*key = slice_make(empty_bytes, 0);
	if (k == NULL) {
		return IDR_OK;
	}
	old = path_push(c, ".publicKey");
	if (!json_is_object(k)) {
		rc = fail(c, IDR_EPROTO, "must be an object {\"format\",\"value\"}");
	} else if ((rc = str_member(c, k, "format", true, NULL, &format)) != IDR_OK) {
		/* error already written */
	} else if (!slice_caseeq_cstr(format, "base64") && !slice_caseeq_cstr(format, "hex")) {
		rc = fail_at(c, "format", IDR_EPROTO, "must be base64 or hex");
	} else if ((rc = str_member(c, k, "value", true, NULL, &text)) == IDR_OK) {
		path_push(c, ".value");
		if (slice_caseeq_cstr(format, "base64")) {
			rc = parse_base64(c, text, key);
		} else {
			rc = parse_hex(c, text, key);
		}
	}
	path_pop(c, old);
	return rc;
}

static int
parse_iface(struct pctx *c, const json_t *j, struct value_site_iface *f)
{
	const json_t *proto;
	bool query, admin;
	int64_t port;
	size_t i;
	int rc;

	if (!json_is_object(j)) {
		return fail(c, IDR_EPROTO, "must be an object");
	}
	if ((rc = bool_member(c, j, "query", true, &query)) != IDR_OK ||
	    (rc = bool_member(c, j, "admin", true, &admin)) != IDR_OK ||
	    (rc = int_member(c, j, "port", true, 0, 65535, 0, &port)) != IDR_OK) {
		return rc;
	}
	f->type = (uint8_t)((query ? VALUE_IFACE_QUERY : 0) | (admin ? VALUE_IFACE_ADMIN : 0));
	f->port = (uint32_t)port;
	proto = member(j, "protocol");
	if (json_is_integer(proto)) {
		int64_t p;

		rc = int_member(c, j, "protocol", true, 0, 255, 0, &p);
		f->proto = (uint8_t)p;
		return rc;
	}
	for (i = 0; json_is_string(proto) && i < sizeof(proto_names) / sizeof(proto_names[0]);
	     i++) {
		struct slice name = slice_make(json_string_value(proto), json_string_length(proto));

		if (slice_caseeq_cstr(name, proto_names[i])) {
			f->proto = (uint8_t)i;
			return IDR_OK;
		}
	}
	return fail_at(c, "protocol", IDR_EPROTO, "must be UDP, TCP, HTTP, HTTPS or 0..255");
}

static int
parse_server(struct pctx *c, const json_t *j, struct value_site_server *sv)
{
	const json_t *ifaces;
	struct slice addr;
	int64_t id;
	size_t i, old;
	int rc;

	if (!json_is_object(j)) {
		return fail(c, IDR_EPROTO, "must be an object");
	}
	if ((rc = int_member(c, j, "serverId", true, 0, UINT32_MAX, 0, &id)) != IDR_OK ||
	    (rc = str_member(c, j, "address", true, NULL, &addr)) != IDR_OK ||
	    (rc = parse_pubkey(c, j, &sv->pubkey)) != IDR_OK ||
	    (rc = array_member(c, j, "interfaces", true, VALUE_SITE_MAX_IFACES, &ifaces)) !=
	            IDR_OK) {
		return rc;
	}
	sv->id = (uint32_t)id;
	if (!parse_address(addr, sv->addr)) {
		return fail_at(c, "address", IDR_EPROTO, "must be an IPv4 or IPv6 address");
	}
	sv->nifaces = json_array_size(ifaces);
	for (i = 0; i < sv->nifaces && rc == IDR_OK; i++) {
		old = path_push(c, ".interfaces[%zu]", i);
		rc = parse_iface(c, json_array_get(ifaces, i), &sv->ifaces[i]);
		path_pop(c, old);
	}
	return rc;
}

/* "M.m" with both parts 0..255. */
static bool
parse_proto_version(struct slice text, uint8_t *major, uint8_t *minor)
{
	const uint8_t *dot = memchr(text.p, '.', text.len);
	uint64_t a, b;
	size_t n;

	if (dot == NULL) {
		return false;
	}
	n = (size_t)(dot - text.p);
	if (num_parse_u64_n((const char *)text.p, n, 0, 255, &a) != IDR_OK ||
	    num_parse_u64_n((const char *)dot + 1, text.len - n - 1, 0, 255, &b) != IDR_OK) {
		return false;
	}
	*major = (uint8_t)a;
	*minor = (uint8_t)b;
	return true;
}

static int
parse_site_attrs(struct pctx *c, const json_t *j, struct value_site *s)
{
	const json_t *attrs;
	size_t i, old;
	int rc;

	rc = array_member(c, j, "attributes", false, VALUE_SITE_MAX_ATTRS, &attrs);
	s->nattrs = attrs != NULL ? json_array_size(attrs) : 0;
	for (i = 0; i < s->nattrs && rc == IDR_OK; i++) {
		const json_t *a = json_array_get(attrs, i);

		old = path_push(c, ".attributes[%zu]", i);
		if (!json_is_object(a)) {
			rc = fail(c, IDR_EPROTO, "must be an object {\"name\",\"value\"}");
		} else if ((rc = str_member(c, a, "name", true, NULL, &s->attrs[i].name)) ==
		           IDR_OK) {
			rc = str_member(c, a, "value", true, NULL, &s->attrs[i].value);
		}
		path_pop(c, old);
	}
	return rc;
}

static int
parse_site_head(struct pctx *c, const json_t *j, struct value_site *s)
{
	int64_t version, serial, hash;
	struct slice proto;
	bool primary, multi;
	int rc;

	if ((rc = int_member(c, j, "version", false, 0, 65535, 1, &version)) != IDR_OK ||
	    (rc = str_member(c, j, "protocolVersion", false, "2.10", &proto)) != IDR_OK ||
	    (rc = int_member(c, j, "serialNumber", false, 0, 65535, 1, &serial)) != IDR_OK ||
	    (rc = bool_member(c, j, "primarySite", false, &primary)) != IDR_OK ||
	    (rc = bool_member(c, j, "multiPrimary", false, &multi)) != IDR_OK ||
	    (rc = int_member(c, j, "hashOption", false, 0, 255, 2, &hash)) != IDR_OK ||
	    (rc = str_member(c, j, "hashFilter", false, "", &s->hash_filter)) != IDR_OK) {
		return rc;
	}
	if (!parse_proto_version(proto, &s->proto_major, &s->proto_minor)) {
		return fail_at(c, "protocolVersion", IDR_EPROTO,
		               "must be \"major.minor\" such as \"2.10\"");
	}
	s->version = (uint16_t)version;
	s->serial = (uint16_t)serial;
	s->hash_option = (uint8_t)hash;
	s->primary_mask = (uint8_t)((primary ? VALUE_SITE_PRIMARY : 0) |
	                            (multi ? VALUE_SITE_MULTIPRIMARY : 0));
	return IDR_OK;
}

static int
parse_site(struct pctx *c, const json_t *j)
{
	struct value_site *s;
	const json_t *servers;
	size_t i, old;
	int rc;

	if (!json_is_object(j)) {
		return fail(c, IDR_EPROTO, "must be an object");
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		return IDR_ENOMEM;
	}
	if ((rc = parse_site_head(c, j, s)) != IDR_OK ||
	    (rc = parse_site_attrs(c, j, s)) != IDR_OK ||
	    (rc = array_member(c, j, "servers", true, VALUE_SITE_MAX_SERVERS, &servers)) !=
	            IDR_OK) {
		goto out;
	}
	s->nservers = json_array_size(servers);
	for (i = 0; i < s->nservers && rc == IDR_OK; i++) {
		old = path_push(c, ".servers[%zu]", i);
		rc = parse_server(c, json_array_get(servers, i), &s->servers[i]);
		path_pop(c, old);
	}
	if (rc == IDR_OK) {
		value_site_encode(&c->scratch, s);
	}
out:
	free(s);
	return rc;
}

/* Encoded admin/vlist/site data from the scratch buffer into owned memory. */
static int
take_scratch(struct pctx *c, struct slice *data)
{
	int rc = wbuf_error(&c->scratch);

	if (rc == IDR_ETOOBIG || (rc == IDR_OK && wbuf_len(&c->scratch) > VALUE_MAX_ARRAY)) {
		return data_too_long(c);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	return own_dup(c->out, wbuf_data(&c->scratch), wbuf_len(&c->scratch), data);
}

/* data.value of the given format (path already at ".data"). */
static int
parse_data_value(struct pctx *c, struct slice format, const json_t *val, struct slice *data)
{
	struct slice text;
	size_t old = path_push(c, ".value");
	int rc;

	wbuf_reset(&c->scratch);
	if (slice_caseeq_cstr(format, "admin")) {
		rc = parse_admin(c, val);
	} else if (slice_caseeq_cstr(format, "vlist")) {
		rc = parse_vlist(c, val);
	} else if (slice_caseeq_cstr(format, "site")) {
		rc = parse_site(c, val);
	} else if (!json_is_string(val)) {
		rc = fail(c, IDR_EPROTO, "must be a string");
		goto out;
	} else {
		text = slice_make(json_string_value(val), json_string_length(val));
		if (slice_caseeq_cstr(format, "base64")) {
			rc = parse_base64(c, text, data);
		} else if (slice_caseeq_cstr(format, "hex")) {
			rc = parse_hex(c, text, data);
		} else if (text.len > VALUE_MAX_ARRAY) {
			rc = data_too_long(c);
		} else {
			rc = own_dup(c->out, text.p, text.len, data);
		}
		goto out;
	}
	if (rc == IDR_OK) {
		rc = take_scratch(c, data);
	}
out:
	path_pop(c, old);
	return rc;
}

static bool
known_format(struct slice f)
{
	static const char *const names[] = {"string", "base64", "hex", "admin", "vlist", "site"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (slice_caseeq_cstr(f, names[i])) {
			return true;
		}
	}
	return false;
}

static int
parse_data(struct pctx *c, const json_t *obj, struct value *v)
{
	const json_t *d = member(obj, "data"), *val;
	struct slice format;
	size_t old;
	int rc;

	if (d == NULL) {
		return fail_at(c, "data", IDR_EPROTO, "missing");
	}
	old = path_push(c, ".data");
	if (json_is_string(d)) {
		rc = json_string_length(d) > VALUE_MAX_ARRAY
		             ? data_too_long(c)
		             : own_dup(c->out, json_string_value(d), json_string_length(d),
		                       &v->data);
	} else if (!json_is_object(d)) {
		rc = fail(c, IDR_EPROTO, "must be a string or an object {\"format\",\"value\"}");
	} else if ((rc = str_member(c, d, "format", true, NULL, &format)) != IDR_OK) {
		/* error already written */
	} else if (!known_format(format)) {
		rc = fail_at(c, "format", IDR_EPROTO,
		             "unknown format (string, base64, hex, admin, vlist or site)");
	} else if ((val = member(d, "value")) == NULL) {
		rc = fail_at(c, "value", IDR_EPROTO, "missing");
	} else {
		rc = parse_data_value(c, format, val, &v->data);
	}
	path_pop(c, old);
	return rc;
}

static int
parse_refs(struct pctx *c, const json_t *obj, struct value *v)
{
	const json_t *arr;
	struct value_ref ref;
	size_t i, n, old;
	int64_t index;
	int rc;

	if ((rc = array_member(c, obj, "references", false, VALUE_MAX_REFS, &arr)) != IDR_OK ||
	    arr == NULL) {
		return rc;
	}
	n = json_array_size(arr);
	wbuf_reset(&c->scratch);
	for (i = 0; i < n && rc == IDR_OK; i++) {
		const json_t *e = json_array_get(arr, i);

		old = path_push(c, ".references[%zu]", i);
		if (!json_is_object(e)) {
			rc = fail(c, IDR_EPROTO, "must be an object {\"handle\",\"index\"}");
		} else if ((rc = handle_member(c, e, &ref.handle)) == IDR_OK &&
		           (rc = int_member(c, e, "index", true, 0, UINT32_MAX, 0, &index)) ==
		                   IDR_OK) {
			ref.index = (uint32_t)index;
			value_refs_encode(&c->scratch, &ref, 1);
		}
		path_pop(c, old);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	v->nrefs = (uint32_t)n;
	rc = wbuf_error(&c->scratch);
	if (rc == IDR_OK) {
		rc = own_dup(c->out, wbuf_data(&c->scratch), wbuf_len(&c->scratch), &v->refs);
	}
	return rc;
}

static int
parse_type(struct pctx *c, const json_t *obj, struct value *v)
{
	struct slice type;
	int rc = str_member(c, obj, "type", true, NULL, &type);

	if (rc != IDR_OK) {
		return rc;
	}
	if (type.len == 0) {
		return fail_at(c, "type", IDR_EPROTO, "must not be empty");
	}
	if (type.len > VALUE_MAX_TYPE) {
		return fail_at(c, "type", IDR_ELIMIT, "longer than %d bytes", VALUE_MAX_TYPE);
	}
	if (!text_is_clean(type.p, type.len)) {
		return fail_at(c, "type", IDR_EPROTO, "must not contain control characters");
	}
	return own_dup(c->out, type.p, type.len, &v->type);
}

/* A date member (ttl as a string, timestamp). */
static int
date_member(struct pctx *c, const json_t *m, const char *key, uint32_t *out)
{
	int rc = vjson_time_parse(json_string_value(m), json_string_length(m), out);

	if (rc == IDR_ELIMIT) {
		return fail_at(c, key, IDR_EPROTO,
		               "date outside 1970-01-01T00:00:00Z..2106-02-07T06:28:15Z");
	}
	if (rc != IDR_OK) {
		return fail_at(c, key, IDR_EPROTO,
		               "must be a date such as \"2001-11-21T16:21:35Z\"");
	}
	return IDR_OK;
}

static int32_t
u32_to_i32(uint32_t u)
{
	return u <= INT32_MAX ? (int32_t)u : (int32_t)((int64_t)u - ((int64_t)1 << 32));
}

static int
parse_ttl(struct pctx *c, const json_t *obj, struct value *v)
{
	const json_t *m = member(obj, "ttl");
	uint32_t t;
	int rc;

	v->ttl_type = VALUE_TTL_RELATIVE;
	v->ttl = VALUE_DEFAULT_TTL;
	if (m == NULL) {
		return IDR_OK;
	}
	if (json_is_string(m)) {
		rc = date_member(c, m, "ttl", &t);
		v->ttl_type = VALUE_TTL_ABSOLUTE;
		v->ttl = u32_to_i32(t);
		return rc;
	}
	if (!json_is_integer(m) || json_integer_value(m) < INT32_MIN ||
	    json_integer_value(m) > INT32_MAX) {
		return fail_at(c, "ttl", IDR_EPROTO,
		               "must be an integer (seconds) or a date (absolute expiry)");
	}
	v->ttl = (int32_t)json_integer_value(m);
	return IDR_OK;
}

static int
parse_meta(struct pctx *c, const json_t *obj, struct value *v)
{
	const json_t *m = member(obj, "timestamp");
	struct slice perms;
	int rc;

	v->timestamp = 0;
	if (m != NULL && !json_is_string(m)) {
		return fail_at(c, "timestamp", IDR_EPROTO,
		               "must be a date such as \"2001-11-21T16:21:35Z\"");
	}
	if (m != NULL && (rc = date_member(c, m, "timestamp", &v->timestamp)) != IDR_OK) {
		return rc;
	}
	if ((rc = str_member(c, obj, "permissions", false, "1110", &perms)) != IDR_OK) {
		return rc;
	}
	v->perms = 0;
	if (perms.len == 4) {
		static const uint8_t bits[4] = {VALUE_PERM_ADMIN_READ, VALUE_PERM_ADMIN_WRITE,
		                                VALUE_PERM_PUBLIC_READ, VALUE_PERM_PUBLIC_WRITE};
		size_t i;

		for (i = 0; i < 4 && (perms.p[i] == '0' || perms.p[i] == '1'); i++) {
			v->perms |= perms.p[i] == '1' ? bits[i] : 0;
		}
		if (i == 4) {
			return IDR_OK;
		}
	}
	return fail_at(c, "permissions", IDR_EPROTO,
	               "must be 4 characters of 0/1 (admin read, admin write, public read, "
	               "public write)");
}

static int
parse_value(struct pctx *c, const json_t *j, struct value *v)
{
	int64_t index;
	int rc;

	memset(v, 0, sizeof(*v));
	if (!json_is_object(j)) {
		return fail(c, IDR_EPROTO, "must be an object");
	}
	if ((rc = int_member(c, j, "index", true, 1, INT32_MAX, 0, &index)) != IDR_OK) {
		return rc;
	}
	v->index = (uint32_t)index;
	if ((rc = parse_type(c, j, v)) != IDR_OK || (rc = parse_data(c, j, v)) != IDR_OK ||
	    (rc = parse_ttl(c, j, v)) != IDR_OK || (rc = parse_meta(c, j, v)) != IDR_OK ||
	    (rc = parse_refs(c, j, v)) != IDR_OK) {
		return rc;
	}
	return IDR_OK;
}

struct index_pos {
	uint32_t index;
	size_t pos;
};

static int
index_pos_cmp(const void *a, const void *b)
{
	const struct index_pos *x = a, *y = b;

	if (x->index != y->index) {
		return x->index < y->index ? -1 : 1;
	}
	return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

/* Reject a repeated index, naming the first value (in input order) that repeats one. */
static int
check_duplicates(struct pctx *c, const struct value *v, size_t n)
{
	struct index_pos *ip;
	size_t i, bad = SIZE_MAX;

	if (n < 2) {
		return IDR_OK;
	}
	ip = malloc(n * sizeof(*ip));
	if (ip == NULL) {
		return IDR_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		ip[i].index = v[i].index;
		ip[i].pos = i;
	}
	qsort(ip, n, sizeof(*ip), index_pos_cmp);
	for (i = 1; i < n; i++) {
		if (ip[i].index == ip[i - 1].index && ip[i].pos < bad) {
			bad = ip[i].pos;
		}
	}
	free(ip);
	if (bad == SIZE_MAX) {
		return IDR_OK;
	}
	path_push(c, "values[%zu]", bad);
	return fail(c, IDR_EPROTO, "duplicate index %u", (unsigned)v[bad].index);
}

static int
parse_array(struct pctx *c, const json_t *arr)
{
	struct vjson_values *out = c->out;
	size_t i, n = json_array_size(arr), old;
	int rc = IDR_OK;

	if (n > VALUE_MAX_VALUES) {
		path_push(c, "values");
		return fail(c, IDR_ELIMIT, "more than %d values", VALUE_MAX_VALUES);
	}
	out->v = calloc(n > 0 ? n : 1, sizeof(*out->v));
	if (out->v == NULL) {
		return IDR_ENOMEM;
	}
	for (i = 0; i < n && rc == IDR_OK; i++) {
		old = path_push(c, "values[%zu]", i);
		rc = parse_value(c, json_array_get(arr, i), &out->v[i]);
		path_pop(c, old);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	out->n = n;
	return check_duplicates(c, out->v, n);
}

static int
parse_top(struct pctx *c, const json_t *j)
{
	struct vjson_values *out = c->out;
	const json_t *vals, *h;
	int rc;

	if (json_is_array(j)) {
		return parse_array(c, j);
	}
	if (!json_is_object(j)) {
		return fail(c, IDR_EPROTO,
		            "must be an array of values, {\"values\":[...]} or a value object");
	}
	vals = json_object_get(j, "values");
	if (vals == NULL) {
		out->v = calloc(1, sizeof(*out->v));
		if (out->v == NULL) {
			return IDR_ENOMEM;
		}
		path_push(c, "value");
		rc = parse_value(c, j, &out->v[0]);
		out->n = rc == IDR_OK ? 1 : 0;
		return rc;
	}
	h = member(j, "handle");
	if (h != NULL) {
		if (!json_is_string(h)) {
			path_push(c, "handle");
			return fail(c, IDR_EPROTO, "must be a string");
		}
		rc = own_dup(out, json_string_value(h), json_string_length(h), &out->handle);
		if (rc != IDR_OK) {
			return rc;
		}
		out->has_handle = true;
	}
	if (!json_is_array(vals)) {
		path_push(c, "values");
		return fail(c, IDR_EPROTO, "must be an array");
	}
	return parse_array(c, vals);
}

int
vjson_parse_values(const json_t *j, struct vjson_values *out, char *err, size_t errlen)
{
	struct pctx c;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.err = err;
	c.errlen = errlen;
	if (err != NULL && errlen > 0) {
		err[0] = '\0';
	}
	wbuf_init_heap(&c.scratch, SCRATCH_MAX);
	rc = parse_top(&c, j);
	wbuf_deinit(&c.scratch);
	if (rc != IDR_OK) {
		if (rc == IDR_ENOMEM) {
			fail(&c, rc, "out of memory");
		}
		vjson_values_free(out);
	}
	return rc;
}
