/* vtab.c - the value table of `idr get` and `idr resolve`, and their JSON output. */
#include "common/vtab.h"

#include <inttypes.h>

#include "base/crypto.h"
#include "base/text.h"
#include "base/wbuf.h"
#include "common/cli.h"
#include "hdl/hdl.h"
#include "model/rec.h"
#include "model/vjson.h"

#define DATA_SHOW_MAX  64 /* bytes of binary data shown as hex */
#define TYPE_COL_MAX   24
#define VLIST_SHOW_MAX 16

/* Handle.Net's order: admin read, admin write, public read, public write. */
static void
perms_render(uint8_t p, char out[5])
{
	out[0] = (p & VALUE_PERM_ADMIN_READ) ? 'r' : '-';
	out[1] = (p & VALUE_PERM_ADMIN_WRITE) ? 'w' : '-';
	out[2] = (p & VALUE_PERM_PUBLIC_READ) ? 'r' : '-';
	out[3] = (p & VALUE_PERM_PUBLIC_WRITE) ? 'w' : '-';
	out[4] = '\0';
}

/* UTF-8 text with C0 controls and DEL written as \n, \t, \r or \xNN. */
static void
text_escaped(struct wbuf *w, struct slice t)
{
	size_t i;

	for (i = 0; i < t.len; i++) {
		uint8_t c = t.p[i];

		if (c == '\n') {
			wbuf_cstr(w, "\\n");
		} else if (c == '\t') {
			wbuf_cstr(w, "\\t");
		} else if (c == '\r') {
			wbuf_cstr(w, "\\r");
		} else if (c < 0x20 || c == 0x7F) {
			wbuf_printf(w, "\\x%02x", c);
		} else {
			wbuf_u8(w, c);
		}
	}
}

static bool
vlist_render(struct wbuf *w, const struct value *v)
{
	struct value_ref refs[VLIST_SHOW_MAX];
	size_t n, i;

	if (!slice_caseeq_cstr(v->type, "HS_VLIST") ||
	    value_vlist_decode(v->data, refs, VLIST_SHOW_MAX, &n) != IDR_OK) {
		return false;
	}
	wbuf_cstr(w, "vlist");
	for (i = 0; i < n; i++) {
		wbuf_cstr(w, i == 0 ? " " : ", ");
		text_escaped(w, refs[i].handle);
		wbuf_printf(w, ":%" PRIu32, refs[i].index);
	}
	return true;
}

/* Data as text when it is UTF-8, HS_ADMIN and HS_VLIST decoded, else hex. */
static void
data_render(struct wbuf *w, const struct value *v)
{
	struct value_admin adm;
	char hex[DATA_SHOW_MAX * 2 + 1];
	size_t n;

	if (slice_caseeq_cstr(v->type, "HS_ADMIN") && value_admin_decode(v->data, &adm) == IDR_OK) {
		wbuf_cstr(w, "admin ");
		text_escaped(w, adm.handle);
		wbuf_printf(w, ":%" PRIu32 " perms=%03x", adm.index, adm.perms);
		return;
	}
	if (vlist_render(w, v)) {
		return;
	}
	if (text_utf8_check(v->data.p, v->data.len, NULL, NULL) == IDR_OK) {
		text_escaped(w, v->data);
		return;
	}
	n = v->data.len < DATA_SHOW_MAX ? v->data.len : DATA_SHOW_MAX;
	crypto_hex(v->data.p, n, hex);
	wbuf_printf(w, "<hex %s%s, %zu bytes>", hex, n < v->data.len ? "..." : "", v->data.len);
}

static void
print_value(FILE *f, const struct value *v, size_t tw, struct wbuf *data)
{
	char ttl[40], perms[5], when[32];

	if (v->ttl_type == VALUE_TTL_ABSOLUTE) {
		char t[32];

		cli_format_time((uint32_t)v->ttl, t, sizeof(t));
		snprintf(ttl, sizeof(ttl), "until %s", t);
	} else {
		snprintf(ttl, sizeof(ttl), "%" PRId32, v->ttl);
	}
	perms_render(v->perms, perms);
	cli_format_time(v->timestamp, when, sizeof(when));
	wbuf_reset(data);
	data_render(data, v);
	fprintf(f, "%6" PRIu32 "  ", v->index);
	cli_put_padded(f, v->type, tw + 2);
	fprintf(f, "%-7s %-5s %-20s ", ttl, perms, when);
	cli_put_text(f, wbuf_slice(data));
	fputc('\n', f);
}

/* The item kind: the value REC_KIND_INDEX of type REC_KIND_TYPE, if there is one. */
static void
print_kind(FILE *f, const struct value *values, size_t n)
{
	enum rec_kind k;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct value *v = &values[i];

		if (v->index == REC_KIND_INDEX && slice_caseeq_cstr(v->type, REC_KIND_TYPE) &&
		    rec_kind_parse(v->data, &k) == IDR_OK && k != REC_KIND_NONE) {
			fprintf(f, "  kind: %s (%s)\n", rec_kind_name(k), rec_kind_label(k));
			return;
		}
	}
}

int
vtab_print(FILE *f, struct slice handle, const struct value *values, size_t n, const char *note)
{
	struct wbuf data;
	size_t i, tw = 4, t;

	for (i = 0; i < n; i++) {
		t = cli_text_width(values[i].type.p, values[i].type.len);
		tw = t > tw ? t : tw;
	}
	tw = tw > TYPE_COL_MAX ? TYPE_COL_MAX : tw;
	cli_put_text(f, handle);
	fputc('\n', f);
	print_kind(f, values, n);
	fprintf(f, "  %zu value%s%s%s\n\n", n, n == 1 ? "" : "s", note != NULL ? ", " : "",
	        note != NULL ? note : "");
	fprintf(f, "%6s  ", "INDEX");
	cli_put_padded(f, SLICE_LIT("TYPE"), tw + 2);
	fprintf(f, "%-7s %-5s %-20s %s\n", "TTL", "PERMS", "TIMESTAMP (UTC)", "DATA");
	/* escaping can make data up to four times longer (\xNN per byte) */
	wbuf_init_heap(&data, VALUE_MAX_ARRAY * 4 + 256);
	for (i = 0; i < n && wbuf_error(&data) != IDR_ENOMEM; i++) {
		print_value(f, &values[i], tw, &data);
	}
	i = wbuf_error(&data) == IDR_ENOMEM;
	wbuf_deinit(&data);
	return i ? IDR_ENOMEM : IDR_OK;
}

/* Write w plus a newline to f and free it. */
static int
json_line_out(FILE *f, struct wbuf *w, int rc)
{
	wbuf_cstr(w, "\n");
	if (rc >= 0 && wbuf_error(w) != IDR_OK) {
		rc = wbuf_error(w);
	}
	if (rc >= 0) {
		fwrite(wbuf_data(w), 1, wbuf_len(w), f);
		rc = IDR_OK;
	}
	wbuf_deinit(w);
	return rc;
}

int
vtab_print_json_record(FILE *f, const struct rec_view *view)
{
	struct wbuf w;

	wbuf_init_heap(&w, SIZE_MAX);
	return json_line_out(f, &w, vjson_write_record(&w, view, NULL, NULL));
}

int
vtab_print_json_answer(FILE *f, uint32_t rc, struct slice handle, struct slice message)
{
	struct wbuf w;

	wbuf_init_heap(&w, SIZE_MAX);
	wbuf_printf(&w, "{\"responseCode\":%" PRIu32 ",\"handle\":", rc);
	vjson_write_str(&w, handle);
	if (rc == HDL_RC_VALUES_NOT_FOUND) {
		wbuf_cstr(&w, ",\"values\":[]");
	} else if (message.len > 0) {
		wbuf_cstr(&w, ",\"message\":");
		vjson_write_str(&w, message);
	}
	wbuf_cstr(&w, "}");
	return json_line_out(f, &w, IDR_OK);
}
