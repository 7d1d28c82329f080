/*
 * hdl.c - Handle codec core: names, versions, envelope, header, message framing, credential
 * section, request digest and server hash. Bodies are in hdl_req.c / hdl_resp.c, UDP in
 * hdl_udp.c.
 */
#include "hdl/hdl.h"

#include <assert.h>
#include <string.h>

#include "base/crypto.h"

struct code_name {
	uint32_t code;
	const char *name;
};

static const struct code_name rc_names[] = {
        {HDL_RC_RESERVED, "RESERVED"},
        {HDL_RC_SUCCESS, "SUCCESS"},
        {HDL_RC_ERROR, "ERROR"},
        {HDL_RC_SERVER_BUSY, "SERVER_TOO_BUSY"},
        {HDL_RC_PROTOCOL_ERROR, "PROTOCOL_ERROR"},
        {HDL_RC_OPERATION_NOT_SUPPORTED, "OPERATION_NOT_SUPPORTED"},
        {HDL_RC_RECURSION_LIMIT, "RECURSION_COUNT_TOO_HIGH"},
        {HDL_RC_SERVER_BACKUP, "SERVER_BACKUP"},
        {HDL_RC_HANDLE_NOT_FOUND, "HANDLE_NOT_FOUND"},
        {HDL_RC_HANDLE_ALREADY_EXISTS, "HANDLE_ALREADY_EXISTS"},
        {HDL_RC_INVALID_HANDLE, "INVALID_HANDLE"},
        {HDL_RC_VALUES_NOT_FOUND, "VALUES_NOT_FOUND"},
        {HDL_RC_VALUE_ALREADY_EXISTS, "VALUE_ALREADY_EXISTS"},
        {HDL_RC_INVALID_VALUE, "INVALID_VALUE"},
        {HDL_RC_OUT_OF_DATE_SITE_INFO, "OUT_OF_DATE_SITE_INFO"},
        {HDL_RC_SERVER_NOT_RESP, "SERVER_NOT_RESP"},
        {HDL_RC_SERVICE_REFERRAL, "SERVICE_REFERRAL"},
        {HDL_RC_PREFIX_REFERRAL, "PREFIX_REFERRAL"},
        {HDL_RC_INVALID_ADMIN, "INVALID_ADMIN"},
        {HDL_RC_INSUFFICIENT_PERMS, "INSUFFICIENT_PERMISSIONS"},
        {HDL_RC_AUTHENTICATION_NEEDED, "AUTHENTICATION_NEEDED"},
        {HDL_RC_AUTHENTICATION_FAILED, "AUTHENTICATION_FAILED"},
        {HDL_RC_INVALID_CREDENTIAL, "INVALID_CREDENTIAL"},
        {HDL_RC_AUTHEN_TIMEOUT, "AUTHEN_TIMEOUT"},
        {HDL_RC_AUTHEN_ERROR, "AUTHEN_ERROR"},
        {HDL_RC_SESSION_TIMEOUT, "SESSION_TIMEOUT"},
        {HDL_RC_SESSION_FAILED, "SESSION_FAILED"},
        {HDL_RC_INVALID_SESSION_KEY, "INVALID_SESSION_KEY"},
        {HDL_RC_NEED_RSAKEY, "NEED_RSAKEY_FOR_SESSIONEXCHANGE"},
        {HDL_RC_INVALID_SESSION_SETUP, "INVALID_SESSIONSETUP_REQUEST"},
        {HDL_RC_SESSION_REJECTED, "SESSION_MESSAGE_REJECTED"},
        {HDL_RC_REQUEST_LIMIT_DAILY, "REQUEST_LIMIT_DAILY"},
        {HDL_RC_REGISTER_COUNT_LIMIT, "REGISTER_COUNT_LIMIT"},
        {HDL_RC_PREFIX_LIMIT, "PREFIX_LIMIT"},
};

static const struct code_name op_names[] = {
        {HDL_OC_RESERVED, "RESERVED"},
        {HDL_OC_RESOLUTION, "RESOLUTION"},
        {HDL_OC_GET_SITEINFO, "GET_SITEINFO"},
        {HDL_OC_CREATE_HANDLE, "CREATE_HANDLE"},
        {HDL_OC_DELETE_HANDLE, "DELETE_HANDLE"},
        {HDL_OC_ADD_VALUE, "ADD_VALUE"},
        {HDL_OC_REMOVE_VALUE, "REMOVE_VALUE"},
        {HDL_OC_MODIFY_VALUE, "MODIFY_VALUE"},
        {HDL_OC_LIST_HANDLES, "LIST_HANDLES"},
        {HDL_OC_LIST_NA, "LIST_NA"},
        {HDL_OC_CHALLENGE_RESPONSE, "CHALLENGE_RESPONSE"},
        {HDL_OC_VERIFY_RESPONSE, "VERIFY_RESPONSE"},
        {HDL_OC_HOME_NA, "HOME_NA"},
        {HDL_OC_UNHOME_NA, "UNHOME_NA"},
        {HDL_OC_LIST_HOMED_NAS, "LIST_HOMED_NAS"},
        {HDL_OC_SESSION_SETUP, "SESSION_SETUP"},
        {HDL_OC_SESSION_TERMINATE, "SESSION_TERMINATE"},
        {HDL_OC_SESSION_EXCHANGEKEY, "SESSION_EXCHANGEKEY"},
        {HDL_OC_GET_NEXT_TXN_ID, "GET_NEXT_TXN_ID"},
        {HDL_OC_RETRIEVE_TXN_LOG, "RETRIEVE_TXN_LOG"},
        {HDL_OC_DUMP_HANDLES, "DUMP_HANDLES"},
        {HDL_OC_BACKUP_SERVER, "BACKUP_SERVER"},
        {HDL_OC_LOGIN, "LOGIN"},
        {HDL_OC_LOGIN_ID_SYSTEM, "LOGIN_ID_SYSTEM"},
};

static const char *
find_name(const struct code_name *t, size_t n, uint32_t code)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].code == code) {
			return t[i].name;
		}
	}
	return NULL;
}

const char *
hdl_rc_name(uint32_t rc)
{
	return find_name(rc_names, sizeof(rc_names) / sizeof(rc_names[0]), rc);
}

bool
hdl_rc_is_error(uint32_t rc)
{
	switch (rc) {
	case HDL_RC_RESERVED:
	case HDL_RC_SUCCESS:
	case HDL_RC_SERVICE_REFERRAL:
	case HDL_RC_PREFIX_REFERRAL:
	case HDL_RC_AUTHENTICATION_NEEDED:
		return false;
	default:
		return hdl_rc_name(rc) != NULL;
	}
}

const char *
hdl_op_name(uint32_t opcode)
{
	return find_name(op_names, sizeof(op_names) / sizeof(op_names[0]), opcode);
}

int
hdl_version_cmp(struct hdl_version a, struct hdl_version b)
{
	if (a.major != b.major) {
		return a.major < b.major ? -1 : 1;
	}
	if (a.minor != b.minor) {
		return a.minor < b.minor ? -1 : 1;
	}
	return 0;
}

bool
hdl_version_ge(struct hdl_version v, uint8_t major, uint8_t minor)
{
	struct hdl_version w = {major, minor};

	return hdl_version_cmp(v, w) >= 0;
}

static size_t
cap_len(size_t max_msg_len)
{
	return max_msg_len == 0 || max_msg_len > HDL_MAX_MESSAGE_LEN ? HDL_MAX_MESSAGE_LEN
	                                                             : max_msg_len;
}

enum hdl_env_fault
hdl_envelope_fault(const struct hdl_envelope *env, size_t max_msg_len)
{
	if (env->msg_len > cap_len(max_msg_len) || env->msg_len < HDL_HEADER_LEN) {
		return HDL_ENV_FAULT_LENGTH;
	}
	if (env->ver.major != HDL_VERSION_MAJOR) {
		return HDL_ENV_FAULT_VERSION;
	}
	if ((env->flags & (HDL_ENV_CP | HDL_ENV_EC)) != 0) {
		return HDL_ENV_FAULT_FLAGS;
	}
	return HDL_ENV_FAULT_NONE;
}

bool
hdl_envelope_sealed(const struct hdl_envelope *env)
{
	return (env->flags & HDL_ENV_EC) != 0 && (env->flags & HDL_ENV_CP) == 0 &&
	       env->session_id != 0;
}

int
hdl_envelope_check(const struct hdl_envelope *env, size_t max_msg_len)
{
	if (env->msg_len > cap_len(max_msg_len)) {
		return IDR_ELIMIT;
	}
	return hdl_envelope_fault(env, max_msg_len) == HDL_ENV_FAULT_NONE ? IDR_OK : IDR_EPROTO;
}

struct hdl_version
hdl_version_negotiate(const struct hdl_envelope *req)
{
	/* major 1 predates the suggested-version field: treat it as none, like 0 */
	struct hdl_version v = req->sugg.major >= 2 ? req->sugg : req->ver;

	if (hdl_version_ge(v, HDL_VERSION_MAJOR, HDL_VERSION_MINOR)) {
		v.major = HDL_VERSION_MAJOR;
		v.minor = HDL_VERSION_MINOR;
	}
	return v;
}

int
hdl_envelope_parse(struct rbuf *in, struct hdl_envelope *out)
{
	struct rbuf r = *in;
	struct hdl_envelope e;
	uint8_t b2;

	e.ver.major = rbuf_u8(&r);
	e.ver.minor = rbuf_u8(&r);
	b2 = rbuf_u8(&r);
	e.flags = b2 & HDL_ENV_FLAGS;
	e.sugg.major = b2 & HDL_ENV_SUGG_MASK;
	e.sugg.minor = rbuf_u8(&r);
	e.session_id = rbuf_u32(&r);
	e.request_id = rbuf_u32(&r);
	e.seq = rbuf_u32(&r);
	e.msg_len = rbuf_u32(&r);
	if (rbuf_error(&r) != IDR_OK) {
		rbuf_fail(in, IDR_EPROTO);
		return IDR_EPROTO;
	}
	*out = e;
	if (e.msg_len > HDL_MAX_MESSAGE_LEN) {
		return IDR_ELIMIT;
	}
	*in = r;
	return IDR_OK;
}

void
hdl_envelope_encode(struct wbuf *w, const struct hdl_envelope *env)
{
	assert(env->sugg.major <= HDL_ENV_SUGG_MASK);
	wbuf_u8(w, env->ver.major);
	wbuf_u8(w, env->ver.minor);
	wbuf_u8(w, (uint8_t)((env->flags & HDL_ENV_FLAGS) | (env->sugg.major & HDL_ENV_SUGG_MASK)));
	wbuf_u8(w, env->sugg.minor);
	wbuf_u32(w, env->session_id);
	wbuf_u32(w, env->request_id);
	wbuf_u32(w, env->seq);
	wbuf_u32(w, env->msg_len);
}

int
hdl_header_parse(struct rbuf *msg, struct hdl_header *out)
{
	struct hdl_header h;

	h.opcode = rbuf_u32(msg);
	h.rc = rbuf_u32(msg);
	h.flags = rbuf_u32(msg);
	h.site_serial = rbuf_u16(msg);
	h.recursion = rbuf_u8(msg);
	rbuf_skip(msg, 1); /* reserved */
	h.expiration = rbuf_u32(msg);
	h.body_len = rbuf_u32(msg);
	if (rbuf_error(msg) != IDR_OK) {
		return rbuf_error(msg);
	}
	if (h.body_len > rbuf_left(msg)) {
		rbuf_fail(msg, IDR_EPROTO);
		return IDR_EPROTO;
	}
	*out = h;
	return IDR_OK;
}

void
hdl_header_encode(struct wbuf *w, const struct hdl_header *h)
{
	wbuf_u32(w, h->opcode);
	wbuf_u32(w, h->rc);
	wbuf_u32(w, h->flags);
	wbuf_u16(w, h->site_serial);
	wbuf_u8(w, h->recursion);
	wbuf_u8(w, 0);
	wbuf_u32(w, h->expiration);
	wbuf_u32(w, h->body_len);
}

int
hdl_msg_parse_message(const struct hdl_envelope *env, struct slice msg, struct hdl_msg *out)
{
	struct hdl_msg m;
	struct rbuf r;
	uint32_t cred_len;
	int rc;

	if (msg.len != env->msg_len) {
		return IDR_EPROTO;
	}
	memset(&m, 0, sizeof(m));
	m.env = *env;
	rbuf_init(&r, msg.p, msg.len);
	rc = hdl_header_parse(&r, &m.hdr);
	if (rc != IDR_OK) {
		return rc;
	}
	m.body = rbuf_bytes(&r, m.hdr.body_len);
	m.raw = slice_make(msg.p, HDL_HEADER_LEN + (size_t)m.hdr.body_len);
	if (rbuf_left(&r) > 0) {
		/* Java reads the credential length only when 4 bytes remain; 1-3 bytes are junk */
		cred_len = rbuf_u32(&r);
		if (rbuf_error(&r) != IDR_OK || cred_len != rbuf_left(&r)) {
			return IDR_EPROTO;
		}
		m.cred_len_present = true;
		m.cred = rbuf_bytes(&r, cred_len);
	}
	if (rbuf_error(&r) != IDR_OK) {
		return rbuf_error(&r);
	}
	*out = m;
	return IDR_OK;
}

int
hdl_msg_parse(struct rbuf *in, struct hdl_msg *out)
{
	struct rbuf peek = *in;
	struct hdl_envelope env;
	struct slice msg;
	int rc;

	if (rbuf_error(in) != IDR_OK) {
		return rbuf_error(in);
	}
	if (rbuf_left(in) < HDL_ENVELOPE_LEN) {
		return IDR_EAGAIN;
	}
	rc = hdl_envelope_parse(&peek, &env);
	if (rc == IDR_OK) {
		rc = hdl_envelope_check(&env, 0);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (rbuf_left(&peek) < env.msg_len) {
		return IDR_EAGAIN;
	}
	msg = rbuf_bytes(&peek, env.msg_len);
	rc = hdl_msg_parse_message(&env, msg, out);
	if (rc != IDR_OK) {
		return rc;
	}
	*in = peek;
	return IDR_OK;
}

int
hdl_cred_parse(struct slice cred, struct hdl_cred *out)
{
	struct hdl_cred c;
	struct rbuf r, info;

	rbuf_init(&r, cred.p, cred.len);
	c.version = rbuf_u8(&r);
	rbuf_skip(&r, 1); /* reserved */
	c.options = rbuf_u16(&r);
	c.signer = rbuf_str(&r, HDL_MAX_HANDLE_LEN);
	c.signer_index = rbuf_u32(&r);
	c.type = rbuf_str(&r, HDL_MAX_TYPE_LEN);
	rbuf_sub(&r, rbuf_u32(&r), &info);
	c.digest_alg = rbuf_str(&info, HDL_MAX_TYPE_LEN);
	c.signature = rbuf_str(&info, HDL_MAX_ARRAY);
	if (rbuf_error(&r) != IDR_OK) {
		return rbuf_error(&r);
	}
	if (rbuf_error(&info) != IDR_OK) {
		return rbuf_error(&info);
	}
	if (rbuf_left(&info) != 0 || rbuf_left(&r) != 0) {
		return IDR_EPROTO;
	}
	*out = c;
	return IDR_OK;
}

uint8_t
hdl_rd_type(struct hdl_version v)
{
	if (!hdl_version_ge(v, 2, 1)) {
		return HDL_RD_LEGACY;
	}
	return hdl_version_ge(v, 2, 7) ? HDL_RD_SHA256 : HDL_RD_SHA1;
}

static enum crypto_alg
rd_alg(uint8_t type)
{
	switch (type) {
	case HDL_RD_SHA256:
		return CRYPTO_SHA256;
	case HDL_RD_SHA1:
		return CRYPTO_SHA1;
	default:
		return CRYPTO_MD5; /* HDL_RD_MD5 and HDL_RD_LEGACY */
	}
}

static int
rd_hash(uint8_t type, struct slice raw, struct hdl_digest *out)
{
	enum crypto_alg alg = rd_alg(type);
	int rc;

	memset(out, 0, sizeof(*out));
	rc = crypto_hash(alg, raw.p, raw.len, out->bytes);
	if (rc != IDR_OK) {
		return rc;
	}
	out->type = type;
	out->len = (uint8_t)crypto_hash_len(alg);
	return IDR_OK;
}

int
hdl_rd_compute(struct hdl_version v, struct slice req_raw, struct hdl_digest *out)
{
	return rd_hash(hdl_rd_type(v), req_raw, out);
}

void
hdl_rd_encode(struct wbuf *w, const struct hdl_digest *d)
{
	if (d->type == HDL_RD_LEGACY) {
		wbuf_str(w, d->bytes, d->len);
		return;
	}
	wbuf_u8(w, d->type);
	wbuf_bytes(w, d->bytes, d->len);
}

int
hdl_rd_parse(struct rbuf *body, struct hdl_digest *out)
{
	struct hdl_digest d;
	struct rbuf peek = *body;
	struct slice s;

	memset(&d, 0, sizeof(d));
	d.type = rbuf_u8(&peek);
	if (d.type == HDL_RD_LEGACY) {
		/* no type byte: the 0 was the top byte of the UTF8-String length */
		peek = *body;
		s = rbuf_str(&peek, CRYPTO_MD5_LEN);
		if (rbuf_error(&peek) == IDR_OK && s.len != CRYPTO_MD5_LEN) {
			rbuf_fail(&peek, IDR_EPROTO);
		}
	} else if (d.type >= HDL_RD_MD5 && d.type <= HDL_RD_SHA256) {
		s = rbuf_bytes(&peek, crypto_hash_len(rd_alg(d.type)));
	} else {
		rbuf_fail(&peek, IDR_EPROTO);
		s = slice_make(NULL, 0);
	}
	if (rbuf_error(&peek) != IDR_OK) {
		rbuf_fail(body, IDR_EPROTO);
		return IDR_EPROTO;
	}
	memcpy(d.bytes, s.p, s.len);
	d.len = (uint8_t)s.len;
	*body = peek;
	*out = d;
	return IDR_OK;
}

int
hdl_rd_verify(const struct hdl_digest *d, struct slice req_raw)
{
	struct hdl_digest mine;
	int rc = rd_hash(d->type, req_raw, &mine);

	if (rc != IDR_OK) {
		return rc;
	}
	if (mine.len != d->len || memcmp(mine.bytes, d->bytes, d->len) != 0) {
		return IDR_EPROTO;
	}
	return IDR_OK;
}

/* The part of a handle a site hashes (Java Util.getPrefixPart / getSuffixPart). */
static struct slice
hash_part(struct slice handle, unsigned option)
{
	const uint8_t *slash = handle.len > 0 ? memchr(handle.p, '/', handle.len) : NULL;
	struct slice prefix;
	struct rbuf r;

	if (option == HDL_HASH_BY_HANDLE) {
		return handle;
	}
	if (slash == NULL) {
		return option == HDL_HASH_BY_PREFIX ? SLICE_LIT("0.NA") : handle;
	}
	rbuf_init(&r, handle.p, handle.len);
	prefix = rbuf_bytes(&r, (size_t)(slash - handle.p));
	if (option == HDL_HASH_BY_PREFIX) {
		return prefix;
	}
	rbuf_skip(&r, 1);
	return rbuf_bytes(&r, rbuf_left(&r));
}

int
hdl_handle_hash(struct slice handle, unsigned option, uint32_t *out)
{
	uint8_t upper[HDL_MAX_HANDLE_LEN];
	uint8_t md[CRYPTO_MD5_LEN];
	struct slice part;
	uint32_t u;
	size_t i;
	int rc;

	if (option > HDL_HASH_BY_HANDLE) {
		return IDR_EINVAL;
	}
	if (handle.len > HDL_MAX_HANDLE_LEN) {
		return IDR_ELIMIT;
	}
	part = hash_part(handle, option);
	for (i = 0; i < part.len; i++) {
		uint8_t c = part.p[i];

		upper[i] = c >= 'a' && c <= 'z' ? (uint8_t)(c - 'a' + 'A') : c;
	}
	rc = crypto_hash(CRYPTO_MD5, upper, part.len, md);
	if (rc != IDR_OK) {
		return rc;
	}
	u = (uint32_t)md[12] << 24 | (uint32_t)md[13] << 16 | (uint32_t)md[14] << 8 | md[15];
	/* abs() of the signed value, computed in unsigned arithmetic (no overflow at INT32_MIN) */
	*out = (u & 0x80000000u) != 0 ? ~u + 1u : u;
	return IDR_OK;
}

int
hdl_server_hash(struct slice handle, unsigned option, uint32_t nservers)
{
	uint32_t h;
	int rc;

	if (nservers == 0 || nservers > INT32_MAX) {
		return IDR_EINVAL;
	}
	rc = hdl_handle_hash(handle, option, &h);
	if (rc != IDR_OK) {
		return rc;
	}
	return (int)(h % nservers);
}
