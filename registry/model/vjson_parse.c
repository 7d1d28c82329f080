/* vjson_parse.c - the JSON parser of Handle values (vjson.h), over jansson; every error names
 * the field (a path such as values[2].data.value) and the rule broken. */
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
	bool strict;         /* VJSON_STRICT: unknown members are errors */
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

/*
 * With VJSON_STRICT, every member of obj must be one of known (a typo such as "refs" would
 * otherwise drop data silently): the first unknown one is an error naming it and the known
 * member it probably meant.
 */
static int
members_known(struct pctx *c, const json_t *obj, const char *const *known)
{
	union {
		const json_t *c;
		json_t *m; /* jansson iterates over a non-const object without changing it */
	} o = {obj};
	const char *key, *near;
	json_t *val;
	size_t i;

	if (!c->strict) {
		return IDR_OK;
	}
	json_object_foreach(o.m, key, val)
	{
		for (i = 0; known[i] != NULL; i++) {
			if (strcmp(key, known[i]) == 0) {
				break;
			}
		}
		if (known[i] != NULL) {
			continue;
		}
		if (strlen(key) > TEXT_SUGGEST_MAX ||
		    !text_is_clean((const uint8_t *)key, strlen(key))) {
			return fail(c, IDR_EPROTO, "unknown member (%zu bytes, not shown)",
			            strlen(key));
		}
		near = text_suggest(key, known);
		if (near != NULL) {
			return fail(c, IDR_EPROTO, "unknown member '%s' (did you mean '%s'?)", key,
			            near);
		}
		return fail(c, IDR_EPROTO, "unknown member '%s'", key);
	}
	return IDR_OK;
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

/* members of {"format","value"} objects (data, publicKey) and of references */
static const char *const data_keys[] = {"format", "value", NULL};
static const char *const ref_keys[] = {"handle", "index", NULL};

/* ---- parser: data formats ---- */

static int
data_too_long(struct pctx *c)
{
	return fail(c, IDR_ELIMIT, "data longer than %u bytes", (unsigned)VALUE_MAX_ARRAY);
}

static int
parse_base64(struct pctx *c, struct slice text, struct slice *data)
{
	size_t n = b64_decoded_len(text);
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
	if (b64_decode(text, p, n, &n) != IDR_OK) {
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
	static const char *const known[] = {"handle", "index", "permissions", "legacyByteLength",
	                                    NULL};
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
	if ((rc = members_known(c, j, known)) != IDR_OK ||
	    (rc = handle_member(c, j, &a.handle)) != IDR_OK ||
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
		} else if ((rc = members_known(c, e, ref_keys)) == IDR_OK &&
		           (rc = handle_member(c, e, &refs[i].handle)) == IDR_OK) {
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
	} else if ((rc = members_known(c, k, data_keys)) != IDR_OK ||
	           (rc = str_member(c, k, "format", true, NULL, &format)) != IDR_OK) {
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
	static const char *const known[] = {"query", "admin", "port", "protocol", NULL};
	const json_t *proto;
	bool query, admin;
	int64_t port;
	size_t i;
	int rc;

	if (!json_is_object(j)) {
		return fail(c, IDR_EPROTO, "must be an object");
	}
	if ((rc = members_known(c, j, known)) != IDR_OK ||
	    (rc = bool_member(c, j, "query", true, &query)) != IDR_OK ||
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
	for (i = 0; json_is_string(proto) && vjson_proto_name(i) != NULL; i++) {
		struct slice name = slice_make(json_string_value(proto), json_string_length(proto));

		if (slice_caseeq_cstr(name, vjson_proto_name(i))) {
			f->proto = (uint8_t)i;
			return IDR_OK;
		}
	}
	return fail_at(c, "protocol", IDR_EPROTO, "must be UDP, TCP, HTTP, HTTPS or 0..255");
}

static int
parse_server(struct pctx *c, const json_t *j, struct value_site_server *sv)
{
	static const char *const known[] = {"serverId", "address", "publicKey", "interfaces", NULL};
	const json_t *ifaces;
	struct slice addr;
	int64_t id;
	size_t i, old;
	int rc;

	if (!json_is_object(j)) {
		return fail(c, IDR_EPROTO, "must be an object");
	}
	if ((rc = members_known(c, j, known)) != IDR_OK ||
	    (rc = int_member(c, j, "serverId", true, 0, UINT32_MAX, 0, &id)) != IDR_OK ||
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
	static const char *const known[] = {"name", "value", NULL};
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
		} else if ((rc = members_known(c, a, known)) == IDR_OK &&
		           (rc = str_member(c, a, "name", true, NULL, &s->attrs[i].name)) ==
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
	static const char *const known[] = {
	        "version",    "protocolVersion", "serialNumber", "primarySite", "multiPrimary",
	        "hashOption", "hashFilter",      "attributes",   "servers",     NULL};
	struct value_site *s;
	const json_t *servers;
	size_t i, old;
	int rc;

	if (!json_is_object(j)) {
		return fail(c, IDR_EPROTO, "must be an object");
	}
	if ((rc = members_known(c, j, known)) != IDR_OK) {
		return rc;
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
	} else if ((rc = members_known(c, d, data_keys)) != IDR_OK ||
	           (rc = str_member(c, d, "format", true, NULL, &format)) != IDR_OK) {
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
		} else if ((rc = members_known(c, e, ref_keys)) == IDR_OK &&
		           (rc = handle_member(c, e, &ref.handle)) == IDR_OK &&
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
	static const char *const known[] = {"index",     "type",        "data",       "ttl",
	                                    "timestamp", "permissions", "references", NULL};
	int64_t index;
	int rc;

	memset(v, 0, sizeof(*v));
	if (!json_is_object(j)) {
		return fail(c, IDR_EPROTO, "must be an object");
	}
	if ((rc = members_known(c, j, known)) != IDR_OK ||
	    (rc = int_member(c, j, "index", true, 1, INT32_MAX, 0, &index)) != IDR_OK) {
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
	/* also the REST API's answer, as vjson_write_record writes it */
	static const char *const top_keys[] = {"responseCode", "handle", "values", NULL};
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
	if ((rc = members_known(c, j, top_keys)) != IDR_OK) {
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
	return vjson_parse_values_opt(j, 0, out, err, errlen);
}

int
vjson_parse_values_opt(const json_t *j, unsigned flags, struct vjson_values *out, char *err,
                       size_t errlen)
{
	struct pctx c;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.strict = (flags & VJSON_STRICT) != 0;
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
