/*
 * idis.h - the national-style API (ref/idis.md §4.1: the SNMS v5 API of Teleinfo's id-guide,
 * docs/dev-tools/snms/v5/{identity-auth,handle-operate}.md and attachment.md), so enterprise
 * integrations written for the national system can point at this node.
 *
 *   POST   /identity/token               login {username, password} -> data.token
 *   POST   /identity/token/v1            "cipher" login: password = sha256hex(sha256hex(secret)
 *                                        + "yyyy-MM-dd") (core/token.h)
 *   GET    /identityv2/data/detail?handle=H          resolve
 *   POST   /identityv2/data              register one  {handle, templateVersion, value:[...]}
 *   PUT    /identityv2/data              update one    (same body)
 *   DELETE /identityv2/data              delete one    {handle}  (or ?handle=H)
 *   POST   /identityv2/data/batchCreate  [item, ...]   at most IDIS_BATCH_MAX
 *   PUT    /identityv2/data/batchUpdate  [item, ...]
 *   DELETE /identityv2/data/batchDelete  ["H1", "H2", ...]
 *
 * Envelope {"message":..., "status":..., "data":...}; status 1 success, -1 not logged in (no,
 * a malformed, a tampered or an expired token), -2 business failure (the message says what),
 * -3 no permission, -4 internal error (attachment.md). HTTP status: 200 for 1 and -2 (as the
 * national system answers business failures), 400 for a body that is not what the route takes
 * (not JSON, the wrong shape, more than IDIS_BATCH_MAX items), 401 for -1, 403 for -3 (and for
 * a write or a login over plain HTTP: refused before anything is read), 500/503 for -4.
 *
 * Messages keep the national wording clients match on: "success", "标识已存在" (exists),
 * "标识不存在" (absent; a single DELETE says "没有找到标识" as the ref's example does),
 * "用户名/密码错误！" (login), "缺少必要的请求参数: <field>" (a required field missing),
 * "没有权限" (not authorized), "没有登录，需要验证" (-1; a reason may follow after "：").
 *
 * Login. username is an identity "index:handle" (300:88.118.8/ADMIN) or a handle alone (index
 * IDIS_KEY_INDEX), at most IDIS_USER_MAX characters; password at most IDIS_PASS_MAX. The
 * identity's key value must be an HS_SECKEY (token_login_match says which stored forms work
 * with which login). The token (core/token.h) is sent back as `Authorization: Bearer <token>`
 * (the bare token is accepted too; hauth.h checks it, also for the REST API). Public-key
 * identities cannot log in here yet: the national signature login belongs to the enterprise
 * "standard" API (challenge / verify-response), not to this one.
 *
 * Items -> Handle values (the ref's examples; where the ref is silent, decided here):
 *   - handle: at most IDIS_HANDLE_MAX characters; the registry's identifier rules apply.
 *   - templateVersion (required, 1..IDIS_TVER_MAX characters) becomes value index 1001, type
 *     "TEMPLATE", data the version (the resolve example's shape); the registry checks the
 *     values against that published version of the prefix's template (reg.h; the templates
 *     themselves: http/idis_tmpl.h, /snms/api/v5/template).
 *   - value[i] = {index, type, auth, data:{format:"string", value}}: index 1..2^31-1 but not
 *     1001; type 1..IDIS_TYPE_MAX characters, not an HS_ type (those hold binary admin data:
 *     keys, admin lists, site info, and are written through the Handle or REST API); data.format
 *     "string" only; data.value at most IDIS_DATA_MAX characters. Each becomes a value with
 *     that index, type and UTF-8 data, TTL 86400 s relative, permissions admin read/write +
 *     public read. auth (the ref's "reserved" field) is accepted (a string, at most
 *     IDIS_AUTH_MAX bytes, or null) and not stored. Members the ref does not name are ignored,
 *     as the national system (Spring) ignores them.
 *   - register = create (idempotent: the same item again is "success"; other content is
 *     "标识已存在"); update = add or replace the given values by index (the template value
 *     too); values not named stay; an absent handle is "标识不存在"; delete = delete the
 *     record.
 *   - resolve: data {code:"200", prefix, handle, templateVersion (of value 1001, "" if none),
 *     value:[{data:{format, value}, auth:"1", index, type}]}: the publicly readable values in
 *     index order, without HS_ADMIN / HS_VLIST / HS_SECKEY; format "string" for UTF-8 data,
 *     "base64" otherwise. A token is optional here; a token that is sent must be valid.
 *
 * Batches: per-item results in request order, in the national shape: create/update
 * {handle, msg}, delete {handle, code (1 | -2 | -3), msg}; the envelope's status stays 1.
 * A bad row (its message names the field and the rule), a row the client may not write
 * ("没有权限") or a handle that appeared earlier in the same batch (create: "标识已存在",
 * delete: "标识不存在", update: "标识重复：同一批次中已出现") is reported and the others land.
 * All accepted items of one request are applied as one writer job (write/writer.h), so they
 * land in one transaction and are answered after it is durable; one job rather than one per
 * item keeps a 2000-item batch inside the writer's queue bound (max_pending per worker).
 * Authorization is wop_authorize (write/wop.h), as on every write path: create asks ADD_HANDLE of
 * 0.NA/<prefix> (and DELETE_HANDLE of a record that exists, as a replacement would),
 * update the value permissions of the record, delete DELETE_HANDLE; node administrators may
 * do everything. Each item's journal entry carries the token's identity.
 *
 * Bodies are bounded by http_max_body_size (1 MiB by default: raise it for batches of 2000
 * large items). Thread-safety: handlers run on the worker that received the request; the
 * token key (hauth_set_token_key) is set once before the workers start.
 */
#ifndef IDR_RESOLVER_HTTP_IDIS_H
#define IDR_RESOLVER_HTTP_IDIS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/slice.h"
#include "base/wbuf.h"
#include "http/hauth.h"
#include "http/req.h"
#include "model/value.h"

#define IDIS_BATCH_MAX      2000
#define IDIS_HANDLE_MAX     255 /* characters */
#define IDIS_TVER_MAX       128
#define IDIS_TYPE_MAX       128
#define IDIS_DATA_MAX       255
#define IDIS_AUTH_MAX       64 /* bytes */
#define IDIS_USER_MAX       50
#define IDIS_PASS_MAX       64
#define IDIS_KEY_INDEX      300 /* key index of a username without "index:" */
#define IDIS_TEMPLATE_INDEX 1001
#define IDIS_TEMPLATE_TYPE  "TEMPLATE"
#define IDIS_MSG_MAX        256

/** Envelope status codes (attachment.md). */
enum idis_status {
	IDIS_OK = 1,
	IDIS_NOLOGIN = -1,
	IDIS_FAIL = -2,
	IDIS_DENIED = -3,
	IDIS_INTERNAL = -4
};

/** The operation of a data request. */
enum idis_op { IDIS_CREATE = 1, IDIS_UPDATE = 2, IDIS_DELETE = 3 };

/** One item of a data request, as parsed. */
struct idis_item {
	struct slice handle;  /* borrows the document; empty if missing */
	bool has_handle;      /* "handle" was a string */
	struct value *values; /* owned array; slices borrow the document; NULL for delete */
	size_t nvalues;       /* [0] is the template value (1001) for create/update */
	char *err;            /* NULL: well-formed; else what is wrong (owned) */
};

/** A parsed request body: the document and its items. */
struct idis_items {
	struct json_t *doc; /* owned */
	struct idis_item *v;
	size_t n;
};

/**
 * Parse a data request body (outside input, at most the configured body size): for a single
 * request (batch false) one object ({handle} for delete, or ?handle= when the body is empty
 * and param is given); for a batch an array of objects (of handle strings for delete), at
 * most IDIS_BATCH_MAX. A malformed item is not an error of the call: its err says what is
 * wrong. Release with idis_items_free, also after an error.
 * @param param  the handle query parameter of a single DELETE (empty: none).
 * @return IDR_OK; IDR_EPROTO (not JSON, the wrong shape) or IDR_ELIMIT (too many items),
 *         with msg; IDR_ENOMEM.
 */
int idis_items_parse(struct slice body, enum idis_op op, bool batch, struct slice param,
                     struct idis_items *out, char *msg, size_t cap) IDR_MUSTCHECK;
void idis_items_free(struct idis_items *it);

/**
 * Parse a login body {username, password}: both strings within IDIS_USER_MAX / IDIS_PASS_MAX
 * characters; the slices borrow *doc (released by the caller with json_decref, also after
 * an error).
 * @return IDR_OK, or IDR_EPROTO with msg.
 */
int idis_login_parse(struct slice body, struct json_t **doc, struct slice *user, struct slice *pass,
                     char *msg, size_t cap) IDR_MUSTCHECK;

/**
 * The identity a username names: "index:handle", or a handle (index IDIS_KEY_INDEX); the
 * handle is copied into buf. @return IDR_OK or IDR_EINVAL.
 */
int idis_user_id(struct slice user, char *buf, size_t cap, struct auth_id *id) IDR_MUSTCHECK;

/**
 * Write an envelope {"message":m,"status":s,"data":<data>} where data is JSON text (empty:
 * null). @return the wbuf's error.
 */
int idis_envelope(struct wbuf *w, int status, const char *message, struct slice data);

/** An error in the envelope (for the transport: 400, 405 on these routes). */
void http_idis_error(struct http_req *q, int http_status, int status, const char *msg);

/* the route handlers */
void http_idis_login(struct http_req *q);
void http_idis_login_cipher(struct http_req *q);
void http_idis_detail(struct http_req *q);
void http_idis_create(struct http_req *q);
void http_idis_update(struct http_req *q);
void http_idis_delete(struct http_req *q);
void http_idis_batch_create(struct http_req *q);
void http_idis_batch_update(struct http_req *q);
void http_idis_batch_delete(struct http_req *q);

#endif /* IDR_RESOLVER_HTTP_IDIS_H */
