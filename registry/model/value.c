/* value.c - Handle value clumps and the HS_ADMIN, HS_VLIST and HS_SITE data formats. */
#include "model/value.h"

#include <string.h>

#include "model/ident.h"

/* smallest encoded reference: empty handle (int4 length) + int4 index */
#define REF_MIN_LEN 8
/* smallest HS_SITE attribute (two empty strings), server (no key, no interface), interface */
#define SITE_ATTR_MIN_LEN   8
#define SITE_SERVER_MIN_LEN (4 + 16 + 4 + 4)
#define SITE_IFACE_MIN_LEN  6
/* Java tolerates exactly this many legacy bytes after an HS_ADMIN record */
#define ADMIN_LEGACY_TRAILER 2

/* An encoder input that cannot be represented: sticky IDR_ETOOBIG, like running out of room. */
static void
refuse(struct wbuf *w)
{
	if (w->err == IDR_OK) {
		w->err = IDR_ETOOBIG;
	}
}

/* Walk n references (handle <= IDENT_HARD_MAX bytes + int4 index); errors stay sticky in r. */
static void
skip_refs(struct rbuf *r, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && rbuf_error(r) == IDR_OK; i++) {
		(void)rbuf_str(r, IDENT_HARD_MAX);
		(void)rbuf_u32(r);
	}
}

int
value_decode(struct rbuf *r, struct value *v)
{
	struct value out;
	struct rbuf refs;

	out.index = rbuf_u32(r);
	out.timestamp = rbuf_u32(r);
	out.ttl_type = rbuf_u8(r);
	out.ttl = (int32_t)rbuf_u32(r);
	out.perms = rbuf_u8(r);
	out.type = rbuf_str(r, VALUE_MAX_TYPE);
	out.data = rbuf_str(r, VALUE_MAX_ARRAY);
	out.nrefs = rbuf_count(r, VALUE_MAX_REFS, REF_MIN_LEN);
	/* walk the references on a copy of the reader, then borrow the bytes it covered */
	refs = *r;
	skip_refs(&refs, out.nrefs);
	if (rbuf_error(&refs) != IDR_OK) {
		rbuf_fail(r, rbuf_error(&refs));
		return rbuf_error(r);
	}
	out.refs = rbuf_bytes(r, rbuf_offset(&refs) - rbuf_offset(r));
	*v = out;
	return IDR_OK;
}

void
value_encode(struct wbuf *w, const struct value *v)
{
	wbuf_u32(w, v->index);
	wbuf_u32(w, v->timestamp);
	wbuf_u8(w, v->ttl_type);
	wbuf_u32(w, (uint32_t)v->ttl);
	wbuf_u8(w, v->perms);
	wbuf_slice_str(w, v->type);
	wbuf_slice_str(w, v->data);
	wbuf_u32(w, v->nrefs);
	wbuf_bytes(w, v->refs.p, v->refs.len);
}

size_t
value_encoded_len(const struct value *v)
{
	return VALUE_FIXED_LEN + v->type.len + v->data.len + v->refs.len;
}

int
value_ref_next(struct rbuf *refs, struct value_ref *out)
{
	struct value_ref ref;

	if (rbuf_error(refs) != IDR_OK) {
		return rbuf_error(refs);
	}
	if (rbuf_left(refs) == 0) {
		return IDR_ENOENT;
	}
	ref.handle = rbuf_str(refs, IDENT_HARD_MAX);
	ref.index = rbuf_u32(refs);
	if (rbuf_error(refs) != IDR_OK) {
		return rbuf_error(refs);
	}
	*out = ref;
	return IDR_OK;
}

void
value_refs_encode(struct wbuf *w, const struct value_ref *refs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		wbuf_slice_str(w, refs[i].handle);
		wbuf_u32(w, refs[i].index);
	}
}

int
value_list_decode(struct rbuf *r, struct value *out, size_t cap, size_t *n)
{
	uint32_t count, i;

	count = rbuf_count(r, VALUE_MAX_VALUES, VALUE_FIXED_LEN);
	if (rbuf_error(r) != IDR_OK) {
		return rbuf_error(r);
	}
	if (count > cap) {
		rbuf_fail(r, IDR_ELIMIT);
		return IDR_ELIMIT;
	}
	for (i = 0; i < count; i++) {
		int rc = value_decode(r, &out[i]);

		if (rc != IDR_OK) {
			return rc;
		}
	}
	*n = count;
	return IDR_OK;
}

bool
value_type_match(struct slice type, struct slice want)
{
	if (slice_caseeq(type, want)) {
		return true;
	}
	if (want.len == 0 || want.p[want.len - 1] != '.') {
		return false;
	}
	/* "URL." matches "URL" itself and every "URL.<sub>" */
	if (slice_caseeq(type, slice_make(want.p, want.len - 1))) {
		return true;
	}
	return type.len >= want.len && slice_caseeq(slice_make(type.p, want.len), want);
}

bool
value_same_content(const struct value *a, const struct value *b)
{
	return a->index == b->index && a->ttl_type == b->ttl_type && a->ttl == b->ttl &&
	       a->perms == b->perms && a->nrefs == b->nrefs && slice_eq(a->type, b->type) &&
	       slice_eq(a->data, b->data) && slice_eq(a->refs, b->refs);
}

int
value_admin_decode(struct slice data, struct value_admin *a)
{
	struct value_admin out;
	struct rbuf r;
	size_t left;

	rbuf_init(&r, data.p, data.len);
	out.perms = rbuf_u16(&r);
	out.handle = rbuf_str(&r, IDENT_HARD_MAX); /* a handle: the protocol's handle limit */
	out.index = rbuf_u32(&r);
	if (rbuf_error(&r) != IDR_OK) {
		return rbuf_error(&r);
	}
	left = rbuf_left(&r);
	if (left != 0 && left != ADMIN_LEGACY_TRAILER) {
		return IDR_EPROTO;
	}
	*a = out;
	return IDR_OK;
}

void
value_admin_encode(struct wbuf *w, const struct value_admin *a)
{
	wbuf_u16(w, a->perms);
	wbuf_slice_str(w, a->handle);
	wbuf_u32(w, a->index);
}

int
value_vlist_decode(struct slice data, struct value_ref *out, size_t cap, size_t *n)
{
	struct rbuf r;
	uint32_t count, i;

	rbuf_init(&r, data.p, data.len);
	/* an admin group is a reference list: the same count limit as a value's references */
	count = rbuf_count(&r, VALUE_MAX_REFS, REF_MIN_LEN);
	if (rbuf_error(&r) != IDR_OK) {
		return rbuf_error(&r);
	}
	if (count > cap) {
		return IDR_ELIMIT;
	}
	for (i = 0; i < count; i++) {
		out[i].handle = rbuf_str(&r, IDENT_HARD_MAX);
		out[i].index = rbuf_u32(&r);
	}
	if (rbuf_error(&r) != IDR_OK) {
		return rbuf_error(&r);
	}
	if (rbuf_left(&r) != 0) {
		return IDR_EPROTO;
	}
	*n = count;
	return IDR_OK;
}

void
value_vlist_encode(struct wbuf *w, const struct value_ref *refs, size_t n)
{
	if (n > UINT32_MAX) {
		refuse(w);
		return;
	}
	wbuf_u32(w, (uint32_t)n);
	value_refs_encode(w, refs, n);
}

static void
site_server_decode(struct rbuf *r, struct value_site_server *sv)
{
	struct slice addr;
	size_t i;

	sv->id = rbuf_u32(r);
	addr = rbuf_bytes(r, sizeof(sv->addr));
	if (addr.len == sizeof(sv->addr)) {
		memcpy(sv->addr, addr.p, sizeof(sv->addr));
	}
	sv->pubkey = rbuf_str(r, VALUE_MAX_ARRAY);
	sv->nifaces = rbuf_count(r, VALUE_SITE_MAX_IFACES, SITE_IFACE_MIN_LEN);
	for (i = 0; i < sv->nifaces && rbuf_error(r) == IDR_OK; i++) {
		sv->ifaces[i].type = rbuf_u8(r);
		sv->ifaces[i].proto = rbuf_u8(r);
		sv->ifaces[i].port = rbuf_u32(r);
	}
}

int
value_site_decode(struct slice data, struct value_site *s)
{
	struct rbuf r;
	size_t i;

	rbuf_init(&r, data.p, data.len);
	memset(s, 0, sizeof(*s));
	s->version = rbuf_u16(&r);
	s->proto_major = rbuf_u8(&r);
	s->proto_minor = rbuf_u8(&r);
	s->serial = rbuf_u16(&r);
	s->primary_mask = rbuf_u8(&r);
	s->hash_option = rbuf_u8(&r);
	s->hash_filter = rbuf_str(&r, VALUE_MAX_ARRAY);
	s->nattrs = rbuf_count(&r, VALUE_SITE_MAX_ATTRS, SITE_ATTR_MIN_LEN);
	for (i = 0; i < s->nattrs && rbuf_error(&r) == IDR_OK; i++) {
		s->attrs[i].name = rbuf_str(&r, VALUE_MAX_ARRAY);
		s->attrs[i].value = rbuf_str(&r, VALUE_MAX_ARRAY);
	}
	s->nservers = rbuf_count(&r, VALUE_SITE_MAX_SERVERS, SITE_SERVER_MIN_LEN);
	for (i = 0; i < s->nservers && rbuf_error(&r) == IDR_OK; i++) {
		site_server_decode(&r, &s->servers[i]);
	}
	if (rbuf_error(&r) != IDR_OK) {
		return rbuf_error(&r);
	}
	if (rbuf_left(&r) != 0) {
		return IDR_EPROTO;
	}
	return IDR_OK;
}

static void
site_server_encode(struct wbuf *w, const struct value_site_server *sv)
{
	size_t i, n = sv->nifaces;

	wbuf_u32(w, sv->id);
	wbuf_bytes(w, sv->addr, sizeof(sv->addr));
	wbuf_slice_str(w, sv->pubkey);
	wbuf_u32(w, (uint32_t)n);
	for (i = 0; i < n; i++) {
		wbuf_u8(w, sv->ifaces[i].type);
		wbuf_u8(w, sv->ifaces[i].proto);
		wbuf_u32(w, sv->ifaces[i].port);
	}
}

void
value_site_encode(struct wbuf *w, const struct value_site *s)
{
	size_t i;

	/* the fixed arrays bound the counts; larger ones are a programmer error we refuse */
	if (s->nattrs > VALUE_SITE_MAX_ATTRS || s->nservers > VALUE_SITE_MAX_SERVERS) {
		refuse(w);
		return;
	}
	for (i = 0; i < s->nservers; i++) {
		if (s->servers[i].nifaces > VALUE_SITE_MAX_IFACES) {
			refuse(w);
			return;
		}
	}
	wbuf_u16(w, s->version);
	wbuf_u8(w, s->proto_major);
	wbuf_u8(w, s->proto_minor);
	wbuf_u16(w, s->serial);
	wbuf_u8(w, s->primary_mask);
	wbuf_u8(w, s->hash_option);
	wbuf_slice_str(w, s->hash_filter);
	wbuf_u32(w, (uint32_t)s->nattrs);
	for (i = 0; i < s->nattrs; i++) {
		wbuf_slice_str(w, s->attrs[i].name);
		wbuf_slice_str(w, s->attrs[i].value);
	}
	wbuf_u32(w, (uint32_t)s->nservers);
	for (i = 0; i < s->nservers; i++) {
		site_server_encode(w, &s->servers[i]);
	}
}
