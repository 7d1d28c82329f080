/*
 * hdl_admin.c - Handle codec: CREATE_HANDLE and LIST_HANDLES answers (ref/handle.md §3.3).
 */
#include "hdl/hdl_admin.h"

#include <string.h>

static int
rest_done(struct rbuf *rest)
{
	if (rbuf_error(rest) != IDR_OK) {
		return rbuf_error(rest);
	}
	if (rbuf_left(rest) != 0) {
		rbuf_fail(rest, IDR_EPROTO);
		return IDR_EPROTO;
	}
	return IDR_OK;
}

int
hdl_admin_create_resp_encode(struct wbuf *w, const struct hdl_msg *req, const struct slice *handle,
                             const struct hdl_resp_opts *opts)
{
	struct hdl_build b;
	int rc;

	if (handle != NULL && handle->len > HDL_MAX_HANDLE_LEN) {
		return IDR_ELIMIT;
	}
	rc = hdl_resp_begin(&b, w, req, HDL_RC_SUCCESS, opts);
	if (rc != IDR_OK) {
		return rc;
	}
	if (handle != NULL) {
		hdl_build_handle(&b, *handle);
	}
	return hdl_build_end(&b);
}

int
hdl_admin_create_resp_parse(struct rbuf *rest, struct slice *handle, bool *present)
{
	struct slice h = {NULL, 0};

	if (rbuf_error(rest) != IDR_OK) {
		return rbuf_error(rest);
	}
	if (rbuf_left(rest) == 0) {
		*handle = h;
		*present = false;
		return IDR_OK;
	}
	h = rbuf_str(rest, HDL_MAX_HANDLE_LEN);
	if (rest_done(rest) != IDR_OK) {
		return rbuf_error(rest);
	}
	*handle = h;
	*present = true;
	return IDR_OK;
}

int
hdl_admin_list_resp_encode(struct wbuf *w, const struct hdl_msg *req, const struct slice *handles,
                           size_t n, bool more, const struct hdl_resp_opts *opts)
{
	struct hdl_resp_opts o = *opts;
	struct hdl_build b;
	size_t i;
	int rc;

	if (handles == NULL && n != 0) {
		return IDR_EINVAL;
	}
	/* every handle takes at least 4 bytes: more than this cannot fit in a message */
	if (n > HDL_MAX_MESSAGE_LEN / 4) {
		return IDR_ELIMIT;
	}
	for (i = 0; i < n; i++) {
		if (handles[i].len > HDL_MAX_HANDLE_LEN) {
			return IDR_ELIMIT;
		}
	}
	o.add_flags = more ? o.add_flags | HDL_FLAG_CN : o.add_flags & ~HDL_FLAG_CN;
	rc = hdl_resp_begin(&b, w, req, HDL_RC_SUCCESS, &o);
	if (rc != IDR_OK) {
		return rc;
	}
	wbuf_u32(w, (uint32_t)n);
	for (i = 0; i < n; i++) {
		hdl_build_handle(&b, handles[i]);
	}
	return hdl_build_end(&b);
}

int
hdl_admin_list_resp_parse(const struct hdl_msg *m, struct rbuf *rest,
                          struct hdl_admin_handle_list *out)
{
	struct hdl_admin_handle_list l;
	struct rbuf at;
	uint32_t i;

	memset(&l, 0, sizeof(l));
	l.count = rbuf_count(rest, UINT32_MAX, 4);
	at = *rest;
	for (i = 0; i < l.count && rbuf_error(rest) == IDR_OK; i++) {
		(void)rbuf_str(rest, HDL_MAX_HANDLE_LEN);
	}
	if (rest_done(rest) != IDR_OK) {
		return rbuf_error(rest);
	}
	l.handles = rbuf_bytes(&at, rbuf_offset(rest) - rbuf_offset(&at));
	l.more = (m->hdr.flags & HDL_FLAG_CN) != 0;
	*out = l;
	return IDR_OK;
}

int
hdl_admin_list_next(struct rbuf *r, struct slice *handle)
{
	struct slice h;

	if (rbuf_error(r) != IDR_OK) {
		return rbuf_error(r);
	}
	if (rbuf_left(r) == 0) {
		return IDR_ENOENT;
	}
	h = rbuf_str(r, HDL_MAX_HANDLE_LEN);
	if (rbuf_error(r) != IDR_OK) {
		return rbuf_error(r);
	}
	*handle = h;
	return IDR_OK;
}
