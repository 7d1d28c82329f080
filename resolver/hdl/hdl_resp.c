/*
 * hdl_resp.c - Handle codec: response encoders (server side) and response body decoders
 * (client side), ref/handle.md §2.1, §2.6, §3.2, §3.4.
 */
#include "hdl/hdl.h"

#include <string.h>

/* Java writeHeader: codes introduced in 2.5 are sent as their predecessors to older peers. */
static uint32_t
resp_rc(uint32_t rc, struct hdl_version v)
{
	if (!hdl_version_ge(v, 2, 5)) {
		if (rc == HDL_RC_SERVER_BACKUP) {
			return HDL_RC_PREFIX_REFERRAL;
		}
		if (rc == HDL_RC_INVALID_VALUE) {
			return HDL_RC_VALUE_ALREADY_EXISTS;
		}
	}
	return rc;
}

int
hdl_resp_begin(struct hdl_build *b, struct wbuf *w, const struct hdl_msg *req, uint32_t rc,
               const struct hdl_resp_opts *opts)
{
	struct hdl_version v = hdl_version_negotiate(&req->env);
	struct hdl_envelope env;
	struct hdl_header hdr;
	struct hdl_digest d;
	bool rd;
	int err;

	/* a challenge carries the digest even unasked, except in the pre-2.1 layout */
	rd = (req->hdr.flags & HDL_FLAG_RD) != 0 ||
	     (rc == HDL_RC_AUTHENTICATION_NEEDED && hdl_version_ge(v, 2, 1));
	if (rd) {
		err = hdl_rd_compute(v, req->raw, &d);
		if (err != IDR_OK) {
			return err;
		}
	}
	memset(&env, 0, sizeof(env));
	env.ver = v;
	env.sugg.major = HDL_VERSION_MAJOR;
	env.sugg.minor = HDL_VERSION_MINOR;
	env.session_id = req->env.session_id;
	env.request_id = req->env.request_id;
	memset(&hdr, 0, sizeof(hdr));
	hdr.opcode = req->hdr.opcode;
	hdr.rc = resp_rc(rc, v);
	hdr.flags = (req->hdr.flags & HDL_FLAG_RESPONSE_COPY) | HDL_FLAG_REC | opts->add_flags;
	hdr.flags = rd ? hdr.flags | HDL_FLAG_RD : hdr.flags & ~HDL_FLAG_RD;
	hdr.site_serial = opts->site_serial;
	hdr.recursion = req->hdr.recursion;
	hdr.expiration = opts->expiration;
	hdl_build_begin(b, w, &env, &hdr);
	if (rd) {
		hdl_rd_encode(w, &d);
	}
	return IDR_OK;
}

int
hdl_resp_resolution_stored(struct wbuf *w, const struct hdl_msg *req, struct slice body,
                           const struct hdl_resp_opts *opts)
{
	struct hdl_build b;
	struct rbuf r;
	uint32_t count;
	int rc;

	rbuf_init(&r, body.p, body.len);
	(void)rbuf_str(&r, HDL_MAX_HANDLE_LEN);
	count = rbuf_u32(&r);
	if (rbuf_error(&r) != IDR_OK) {
		return rbuf_error(&r);
	}
	if (count > HDL_MAX_VALUES) {
		return IDR_ELIMIT;
	}
	rc = hdl_resp_begin(&b, w, req, HDL_RC_SUCCESS, opts);
	if (rc != IDR_OK) {
		return rc;
	}
	hdl_build_bytes(&b, body);
	return hdl_build_end(&b);
}

static int
resp_with_values(struct wbuf *w, const struct hdl_msg *req, uint32_t code, struct slice handle,
                 const struct slice *clumps, size_t n, const struct hdl_resp_opts *opts)
{
	struct hdl_build b;
	size_t i;
	int rc;

	if (clumps != NULL && n > HDL_MAX_VALUES) {
		return IDR_ELIMIT;
	}
	rc = hdl_resp_begin(&b, w, req, code, opts);
	if (rc != IDR_OK) {
		return rc;
	}
	hdl_build_handle(&b, handle);
	if (clumps != NULL) {
		hdl_build_values_begin(&b);
		for (i = 0; i < n; i++) {
			hdl_build_clump(&b, clumps[i]);
		}
	}
	return hdl_build_end(&b);
}

int
hdl_resp_resolution(struct wbuf *w, const struct hdl_msg *req, struct slice handle,
                    const struct slice *clumps, size_t n, const struct hdl_resp_opts *opts)
{
	static const struct slice none[1];

	if (clumps == NULL && n != 0) {
		return IDR_EINVAL;
	}
	return resp_with_values(w, req, HDL_RC_SUCCESS, handle, clumps != NULL ? clumps : none, n,
	                        opts);
}

int
hdl_resp_referral(struct wbuf *w, const struct hdl_msg *req, uint32_t rc, struct slice handle,
                  const struct slice *clumps, size_t n, const struct hdl_resp_opts *opts)
{
	if (rc != HDL_RC_SERVICE_REFERRAL && rc != HDL_RC_PREFIX_REFERRAL) {
		return IDR_EINVAL;
	}
	return resp_with_values(w, req, rc, handle, clumps, n, opts);
}

int
hdl_resp_error(struct wbuf *w, const struct hdl_msg *req, uint32_t rc, struct slice message,
               const struct hdl_resp_opts *opts)
{
	struct hdl_build b;
	int err;

	if (!hdl_rc_is_error(rc)) {
		return IDR_EINVAL;
	}
	if (message.len > HDL_MAX_MESSAGE_LEN) {
		return IDR_ELIMIT;
	}
	err = hdl_resp_begin(&b, w, req, rc, opts);
	if (err != IDR_OK) {
		return err;
	}
	wbuf_slice_str(w, message);
	return hdl_build_end(&b);
}

int
hdl_resp_siteinfo(struct wbuf *w, const struct hdl_msg *req, struct slice site,
                  const struct hdl_resp_opts *opts)
{
	struct hdl_build b;
	int rc;

	rc = hdl_resp_begin(&b, w, req, HDL_RC_SUCCESS, opts);
	if (rc != IDR_OK) {
		return rc;
	}
	hdl_build_bytes(&b, site);
	return hdl_build_end(&b);
}

int
hdl_resp_generic(struct wbuf *w, const struct hdl_msg *req, const struct hdl_resp_opts *opts)
{
	struct hdl_build b;
	int rc;

	rc = hdl_resp_begin(&b, w, req, HDL_RC_SUCCESS, opts);
	if (rc != IDR_OK) {
		return rc;
	}
	return hdl_build_end(&b);
}

int
hdl_resp_open(const struct hdl_msg *m, struct hdl_digest *rd, bool *has_rd, struct rbuf *rest)
{
	int rc;

	*has_rd = false;
	if (m->hdr.rc == HDL_RC_RESERVED) {
		return IDR_EINVAL;
	}
	rbuf_init(rest, m->body.p, m->body.len);
	if ((m->hdr.flags & HDL_FLAG_RD) != 0) {
		rc = hdl_rd_parse(rest, rd);
		if (rc != IDR_OK) {
			return rc;
		}
		*has_rd = true;
	}
	return IDR_OK;
}

int
hdl_resp_check(const struct hdl_msg *resp, const struct hdl_msg *req, struct rbuf *rest)
{
	struct hdl_digest d;
	bool has_rd;
	int rc;

	if (resp->env.request_id != req->env.request_id || resp->hdr.opcode != req->hdr.opcode ||
	    resp->hdr.rc == HDL_RC_RESERVED) {
		return IDR_EPROTO;
	}
	rc = hdl_resp_open(resp, &d, &has_rd, rest);
	if (rc != IDR_OK) {
		return rc == IDR_EINVAL ? IDR_EPROTO : rc;
	}
	if ((req->hdr.flags & HDL_FLAG_RD) == 0) {
		return IDR_OK;
	}
	return has_rd ? hdl_rd_verify(&d, req->raw) : IDR_EPROTO;
}

int
hdl_clump_next(struct rbuf *clumps, struct value *v, struct slice *clump)
{
	struct rbuf at = *clumps;
	int rc;

	if (rbuf_error(clumps) != IDR_OK) {
		return rbuf_error(clumps);
	}
	if (rbuf_left(clumps) == 0) {
		return IDR_ENOENT;
	}
	rc = value_decode(clumps, v);
	if (rc != IDR_OK) {
		rbuf_fail(clumps, rc);
		return rc;
	}
	*clump = rbuf_bytes(&at, rbuf_offset(clumps) - rbuf_offset(&at));
	return IDR_OK;
}

/* int4 count (<= 2048, within the bytes left) + count clumps, each decoded once to check it. */
static void
read_value_list(struct rbuf *r, struct hdl_value_list *out)
{
	struct rbuf at;
	struct value v;
	uint32_t i;

	out->present = true;
	out->count = rbuf_count(r, HDL_MAX_VALUES, VALUE_FIXED_LEN);
	at = *r;
	for (i = 0; i < out->count && rbuf_error(r) == IDR_OK; i++) {
		int rc = value_decode(r, &v);

		if (rc != IDR_OK) {
			rbuf_fail(r, rc);
		}
	}
	out->clumps =
	        rbuf_bytes(&at, rbuf_error(r) == IDR_OK ? rbuf_offset(r) - rbuf_offset(&at) : 0);
}

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
hdl_res_resp_parse(struct rbuf *rest, struct hdl_value_list *out)
{
	struct hdl_value_list l;

	memset(&l, 0, sizeof(l));
	l.handle = rbuf_str(rest, HDL_MAX_HANDLE_LEN);
	read_value_list(rest, &l);
	if (rest_done(rest) != IDR_OK) {
		return rbuf_error(rest);
	}
	*out = l;
	return IDR_OK;
}

int
hdl_referral_resp_parse(struct rbuf *rest, struct hdl_value_list *out)
{
	struct hdl_value_list l;

	memset(&l, 0, sizeof(l));
	l.handle = rbuf_str(rest, HDL_MAX_HANDLE_LEN);
	if (rbuf_left(rest) > 0) {
		read_value_list(rest, &l);
	}
	if (rest_done(rest) != IDR_OK) {
		return rbuf_error(rest);
	}
	*out = l;
	return IDR_OK;
}

int
hdl_error_resp_parse(struct rbuf *rest, struct hdl_version ver, struct slice *message)
{
	struct slice m = {NULL, 0};

	if (rbuf_error(rest) == IDR_OK && rbuf_left(rest) == 0 && !hdl_version_ge(ver, 2, 1)) {
		*message = m;
		return IDR_OK;
	}
	m = rbuf_str(rest, HDL_MAX_ARRAY);
	if (rest_done(rest) != IDR_OK) {
		return rbuf_error(rest);
	}
	*message = m;
	return IDR_OK;
}

int
hdl_siteinfo_resp_parse(struct rbuf *rest, struct slice *site)
{
	if (rbuf_error(rest) != IDR_OK) {
		return rbuf_error(rest);
	}
	if (rbuf_left(rest) == 0) {
		rbuf_fail(rest, IDR_EPROTO);
		return IDR_EPROTO;
	}
	*site = rbuf_bytes(rest, rbuf_left(rest));
	return IDR_OK;
}
