/*
 * idis_tmpl.h - metadata templates (元数据模板) over the national-style API (http/idis.h): the
 * SNMS v5 template interface of Teleinfo's id-guide, docs/dev-tools/snms/v5/template.md
 * (查询 / 新增 / 修改 / 删除数据模板), on the registry's templates (reg.h, model/tmpl.h).
 *
 *   GET    /snms/api/v5/template?prefix=P&version=V  detail: data = the template (national
 *                                                    JSON + templateState, createdTime,
 *                                                    updatedTime)
 *   POST   /snms/api/v5/template           create a draft {prefix, version, industry...,
 *                                          type, description, handle, items:[...]} -> true
 *   PUT    /snms/api/v5/template           edit a draft (national incremental update: items
 *                                          added or replaced by (idIndex, idType), never
 *                                          removed; state 0 disables an item) -> true
 *   DELETE /snms/api/v5/template           {prefix, version}: WITHDRAW the version (nothing
 *                                          is ever deleted: records keep naming it; it
 *                                          takes no new registrations) -> true
 *   GET    /snms/api/v5/template/list?prefix=P       ours: data = [every version, as detail]
 *   POST   /snms/api/v5/template/publish   ours: {prefix, version} publish (again) -> true
 *
 * The national system has no publish step; this node does (a version is immutable once
 * published, and only published versions accept registrations), so a national client that
 * registers right after creating either publishes through .../publish or sends
 * "templateState":"published" in its POST: the version is then created and published in the
 * same transaction (a POST of a version that exists with the same definition is success, and
 * with "published" publishes it). PUT ignores templateState (state changes go through publish
 * and DELETE). DELETE and publish also take ?prefix=&version= when the body is empty.
 *
 * Who: every request needs a token (Authorization: Bearer, http/hauth.h) and HTTPS (over plain
 * HTTP 403, status -3, nothing read). Anyone authenticated reads. Writes need administrative
 * rights on the prefix: ADD_HANDLE in the HS_ADMIN of 0.NA/<prefix> (directly or through an
 * HS_VLIST group: the right to register under the prefix), or a node administrator
 * (server_admins). Each change is one writer job (write/writer.h) answered after its
 * transaction is durable; its journal entry carries the token's identity.
 *
 * Answers: the envelope of idis.h. Business failures are status -2 with HTTP 200, their message
 * national words then the registry's detail naming the field and the rule, e.g.
 * "参数错误: items[0].metadata.maxLength: ...", "模板已发布，不能修改：template 88.1/x version
 * 1.0 is published: ...", "模板不存在：template ... does not exist". A body that is not a JSON
 * object is HTTP 400.
 *
 * Thread-safety: handlers run on the worker that received the request; the parsers are pure.
 */
#ifndef IDR_RESOLVER_HTTP_IDIS_TMPL_H
#define IDR_RESOLVER_HTTP_IDIS_TMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/slice.h"
#include "http/req.h"
#include "model/tmpl.h"

/** What a template request does. */
enum idis_tmpl_op {
	IDIS_TMPL_CREATE = 1,
	IDIS_TMPL_UPDATE = 2,
	IDIS_TMPL_WITHDRAW = 3, /* DELETE */
	IDIS_TMPL_PUBLISH = 4
};

/** A parsed template request. */
struct idis_tmpl_req {
	enum idis_tmpl_op op;
	struct tmpl *tmpl; /* create/update: the template (owned); NULL otherwise */
	bool publish;      /* create: templateState "published" */
	char prefix[TMPL_MAX_PREFIX + 1];
	char version[TMPL_MAX_VERSION + 1];
};

/**
 * Check a template key from outside (query parameters or body members) and copy it into r:
 * prefix a valid prefix name (ident_prefix_check) of at most TMPL_MAX_PREFIX bytes; version
 * 1..TMPL_MAX_VERSION bytes of UTF-8 text without control characters.
 * @return IDR_OK, or IDR_EINVAL with msg naming the field and the rule.
 */
int idis_tmpl_key(struct slice prefix, struct slice version, struct idis_tmpl_req *r, char *msg,
                  size_t cap) IDR_MUSTCHECK;

/**
 * Parse the body of a template write (outside input, at most the configured body size):
 * create/update a template object in the national JSON (tmpl_from_json_obj); withdraw and
 * publish {prefix, version}, or, when the body is empty, the query parameters qprefix and
 * qversion. Release r with idis_tmpl_req_deinit, also after an error.
 * @return IDR_OK; IDR_EPROTO (not JSON, not an object: answer 400) or IDR_EINVAL (a field
 *         breaks a rule: answer -2), with msg; IDR_ENOMEM.
 */
int idis_tmpl_parse(struct slice body, enum idis_tmpl_op op, struct slice qprefix,
                    struct slice qversion, struct idis_tmpl_req *r, char *msg,
                    size_t cap) IDR_MUSTCHECK;

/** Release what r owns (accepts NULL; r may be reused after idis_tmpl_parse again). */
void idis_tmpl_req_deinit(struct idis_tmpl_req *r);

/**
 * The answer to the outcome of a template operation: envelope status (IDIS_OK, IDIS_FAIL,
 * IDIS_INTERNAL) and message in msg, from the operation's code and the registry's detail
 * (reg_write_detail; may be empty).
 */
int idis_tmpl_message(int rc, const char *detail, char *msg, size_t cap);

/* the route handlers */
void http_idis_template_get(struct http_req *q);
void http_idis_template_list(struct http_req *q);
void http_idis_template_create(struct http_req *q);
void http_idis_template_update(struct http_req *q);
void http_idis_template_delete(struct http_req *q);
void http_idis_template_publish(struct http_req *q);

#endif /* IDR_RESOLVER_HTTP_IDIS_TMPL_H */
