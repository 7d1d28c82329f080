/*
 * hdl_req.c - Handle codec: the message builder, request encoders and request body parsers
 * (ref/handle.md §3.1, §3.3, §3.4).
 */
#include "hdl/hdl.h"

#include <string.h>

/* offsets of the patched fields, relative to the start of the envelope */
#define OFF_MSG_LEN  16
#define OFF_BODY_LEN (HDL_ENVELOPE_LEN + 20)

/* An int4 array element or a UTF8-String takes at least 4 bytes. */
#define MIN_ELEM 4

void
hdl_build_begin(struct hdl_build *b, struct wbuf *w, const struct hdl_envelope *env,
                const struct hdl_header *hdr)
{
	b->w = w;
	b->start = wbuf_len(w);
	b->env = *env;
	b->env.msg_len = 0;
	b->hdr = *hdr;
	b->hdr.body_len = 0;
	b->count_off = SIZE_MAX;
	b->count = 0;
	b->err = IDR_OK;
	hdl_envelope_encode(w, &b->env);
	hdl_header_encode(w, &b->hdr);
}

static void
build_fail(struct hdl_build *b, int err)
{
	if (b->err == IDR_OK) {
		b->err = err;
	}
}

void
hdl_build_handle(struct hdl_build *b, struct slice handle)
{
	if (handle.len > HDL_MAX_HANDLE_LEN) {
		build_fail(b, IDR_ELIMIT);
		return;
	}
	wbuf_slice_str(b->w, handle);
}

void
hdl_build_bytes(struct hdl_build *b, struct slice bytes)
{
	wbuf_bytes(b->w, bytes.p, bytes.len);
}

void
hdl_build_values_begin(struct hdl_build *b)
{
	if (b->count_off != SIZE_MAX) {
		build_fail(b, IDR_EINVAL);
		return;
	}
	b->count_off = wbuf_len(b->w);
	wbuf_u32(b->w, 0);
}

void
hdl_build_clump(struct hdl_build *b, struct slice clump)
{
	if (b->count_off == SIZE_MAX) {
		build_fail(b, IDR_EINVAL);
		return;
	}
	wbuf_bytes(b->w, clump.p, clump.len);
	b->count++;
}

void
hdl_build_value(struct hdl_build *b, const struct value *v)
{
	if (b->count_off == SIZE_MAX) {
		build_fail(b, IDR_EINVAL);
		return;
	}
	value_encode(b->w, v);
	b->count++;
}

int
hdl_build_end(struct hdl_build *b)
{
	struct wbuf *w = b->w;
	size_t msg_len;

	if (b->err != IDR_OK) {
		return b->err;
	}
	wbuf_u32(w, 0); /* CredentialLength: unsigned */
	if (wbuf_error(w) != IDR_OK) {
		return wbuf_error(w);
	}
	msg_len = wbuf_len(w) - b->start - HDL_ENVELOPE_LEN;
	if (msg_len > HDL_MAX_MESSAGE_LEN || b->count > HDL_MAX_VALUES) {
		b->err = IDR_ELIMIT;
		return IDR_ELIMIT;
	}
	b->env.msg_len = (uint32_t)msg_len;
	b->hdr.body_len = (uint32_t)(msg_len - HDL_HEADER_LEN - HDL_CRED_LEN_LEN);
	if (b->count_off != SIZE_MAX) {
		wbuf_patch_u32(w, b->count_off, (uint32_t)b->count);
	}
	wbuf_patch_u32(w, b->start + OFF_MSG_LEN, b->env.msg_len);
	wbuf_patch_u32(w, b->start + OFF_BODY_LEN, b->hdr.body_len);
	return IDR_OK;
}

void
hdl_req_opts_init(struct hdl_req_opts *o, uint32_t request_id, uint32_t expiration)
{
	memset(o, 0, sizeof(*o));
	o->ver.major = HDL_COMPAT_MAJOR;
	o->ver.minor = HDL_COMPAT_MINOR;
	o->sugg.major = HDL_VERSION_MAJOR;
	o->sugg.minor = HDL_VERSION_MINOR;
	o->request_id = request_id;
	o->flags = HDL_FLAG_CLIENT_DEFAULT;
	o->site_serial = 0xffff;
	o->expiration = expiration;
}

void
hdl_req_begin(struct hdl_build *b, struct wbuf *w, const struct hdl_req_opts *o, uint32_t opcode)
{
	struct hdl_envelope env;
	struct hdl_header hdr;

	memset(&env, 0, sizeof(env));
	env.ver = o->ver;
	env.sugg = o->sugg;
	env.session_id = o->session_id;
	env.request_id = o->request_id;
	memset(&hdr, 0, sizeof(hdr));
	hdr.opcode = opcode;
	hdr.rc = HDL_RC_RESERVED;
	hdr.flags = o->flags;
	hdr.site_serial = o->site_serial;
	hdr.recursion = o->recursion;
	hdr.expiration = o->expiration;
	hdl_build_begin(b, w, &env, &hdr);
}

static void
build_u32_array(struct hdl_build *b, const uint32_t *a, size_t n)
{
	size_t i;

	if (n > HDL_MAX_ARRAY) {
		build_fail(b, IDR_ELIMIT);
		return;
	}
	wbuf_u32(b->w, (uint32_t)n);
	for (i = 0; i < n; i++) {
		wbuf_u32(b->w, a[i]);
	}
}

int
hdl_req_resolution_encode(struct wbuf *w, const struct hdl_req_opts *o, struct slice handle,
                          const uint32_t *indexes, size_t nindexes, const struct slice *types,
                          size_t ntypes)
{
	struct hdl_build b;
	size_t i;

	hdl_req_begin(&b, w, o, HDL_OC_RESOLUTION);
	hdl_build_handle(&b, handle);
	build_u32_array(&b, indexes, nindexes);
	if (ntypes > HDL_MAX_ARRAY) {
		build_fail(&b, IDR_ELIMIT);
	} else {
		wbuf_u32(w, (uint32_t)ntypes);
	}
	for (i = 0; i < ntypes && b.err == IDR_OK; i++) {
		if (types[i].len > HDL_MAX_TYPE_LEN) {
			build_fail(&b, IDR_ELIMIT);
		} else {
			wbuf_slice_str(w, types[i]);
		}
	}
	return hdl_build_end(&b);
}

int
hdl_req_handle_encode(struct wbuf *w, const struct hdl_req_opts *o, uint32_t opcode,
                      struct slice handle)
{
	struct hdl_build b;

	hdl_req_begin(&b, w, o, opcode);
	hdl_build_handle(&b, handle);
	return hdl_build_end(&b);
}

int
hdl_req_values_encode(struct wbuf *w, const struct hdl_req_opts *o, uint32_t opcode,
                      struct slice handle, const struct value *values, size_t n)
{
	struct hdl_build b;
	size_t i;

	hdl_req_begin(&b, w, o, opcode);
	hdl_build_handle(&b, handle);
	hdl_build_values_begin(&b);
	for (i = 0; i < n && b.count <= HDL_MAX_VALUES; i++) {
		hdl_build_value(&b, &values[i]);
	}
	return hdl_build_end(&b);
}

int
hdl_req_remove_encode(struct wbuf *w, const struct hdl_req_opts *o, struct slice handle,
                      const uint32_t *indexes, size_t n)
{
	struct hdl_build b;

	hdl_req_begin(&b, w, o, HDL_OC_REMOVE_VALUE);
	hdl_build_handle(&b, handle);
	build_u32_array(&b, indexes, n);
	return hdl_build_end(&b);
}

enum hdl_body_kind
hdl_req_body_kind(uint32_t opcode)
{
	switch (opcode) {
	case HDL_OC_RESOLUTION:
		return HDL_BODY_RESOLUTION;
	case HDL_OC_GET_SITEINFO:
	case HDL_OC_DELETE_HANDLE:
	case HDL_OC_LIST_HANDLES:
	case HDL_OC_HOME_NA:
	case HDL_OC_UNHOME_NA:
	case HDL_OC_SESSION_TERMINATE:
	case HDL_OC_GET_NEXT_TXN_ID:
	case HDL_OC_BACKUP_SERVER:
		return HDL_BODY_HANDLE;
	case HDL_OC_CREATE_HANDLE:
	case HDL_OC_ADD_VALUE:
	case HDL_OC_MODIFY_VALUE:
		return HDL_BODY_VALUES;
	case HDL_OC_REMOVE_VALUE:
		return HDL_BODY_INDEXES;
	default:
		return hdl_op_name(opcode) != NULL && opcode != HDL_OC_RESERVED ? HDL_BODY_OTHER
		                                                                : HDL_BODY_UNKNOWN;
	}
}

/* The whole body must have been read, without error. */
static int
body_done(struct rbuf *body)
{
	if (rbuf_error(body) != IDR_OK) {
		return rbuf_error(body);
	}
	if (rbuf_left(body) != 0) {
		rbuf_fail(body, IDR_EPROTO);
		return IDR_EPROTO;
	}
	return IDR_OK;
}

static uint32_t
cap32(size_t n)
{
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* int4 count + count x int4, the count checked against cap and the bytes left first. */
static size_t
read_u32_array(struct rbuf *body, uint32_t *out, size_t cap)
{
	uint32_t n = rbuf_count(body, cap32(cap), MIN_ELEM);
	uint32_t i;

	for (i = 0; i < n; i++) {
		out[i] = rbuf_u32(body);
	}
	return n;
}

int
hdl_res_req_parse(struct rbuf *body, struct hdl_res_req *out, uint32_t *indexes, size_t max_indexes,
                  struct slice *types, size_t max_types)
{
	struct hdl_res_req q;
	uint32_t i;

	q.handle = rbuf_str(body, HDL_MAX_HANDLE_LEN);
	q.indexes = indexes;
	q.nindexes = read_u32_array(body, indexes, max_indexes);
	q.types = types;
	q.ntypes = rbuf_count(body, cap32(max_types), MIN_ELEM);
	for (i = 0; i < q.ntypes && rbuf_error(body) == IDR_OK; i++) {
		types[i] = rbuf_str(body, HDL_MAX_TYPE_LEN);
	}
	if (body_done(body) != IDR_OK) {
		return rbuf_error(body);
	}
	*out = q;
	return IDR_OK;
}

int
hdl_handle_req_parse(struct rbuf *body, struct slice *handle)
{
	struct slice h = rbuf_str(body, HDL_MAX_HANDLE_LEN);

	if (body_done(body) != IDR_OK) {
		return rbuf_error(body);
	}
	*handle = h;
	return IDR_OK;
}

int
hdl_values_req_parse(struct rbuf *body, struct hdl_values_req *out, struct value *values,
                     size_t max_values)
{
	struct hdl_values_req q;
	size_t cap = max_values < HDL_MAX_VALUES ? max_values : HDL_MAX_VALUES;
	struct rbuf at;
	uint32_t i;
	int rc;

	q.handle = rbuf_str(body, HDL_MAX_HANDLE_LEN);
	q.values = values;
	q.nvalues = rbuf_count(body, (uint32_t)cap, VALUE_FIXED_LEN);
	at = *body;
	for (i = 0; i < q.nvalues && rbuf_error(body) == IDR_OK; i++) {
		rc = value_decode(body, &values[i]);
		if (rc != IDR_OK) {
			rbuf_fail(body, rc);
		}
	}
	if (body_done(body) != IDR_OK) {
		return rbuf_error(body);
	}
	q.clumps = rbuf_bytes(&at, rbuf_offset(body) - rbuf_offset(&at));
	*out = q;
	return IDR_OK;
}

int
hdl_remove_req_parse(struct rbuf *body, struct hdl_remove_req *out, uint32_t *indexes,
                     size_t max_indexes)
{
	struct hdl_remove_req q;

	q.handle = rbuf_str(body, HDL_MAX_HANDLE_LEN);
	q.indexes = indexes;
	q.nindexes = read_u32_array(body, indexes, max_indexes);
	if (body_done(body) != IDR_OK) {
		return rbuf_error(body);
	}
	*out = q;
	return IDR_OK;
}
