/*
 * rtmpl.h - `idr template ... --node URL`: metadata templates of a running node through its
 * national-style template API (resolver/http/idis_tmpl.h) over HTTPS, inside the remote mode's
 * authenticated session (rmt.h: `Authorization: Handle sessionId=...`, which the national
 * routes accept as they accept Bearer tokens).
 *
 *   read     GET  /snms/api/v5/template?prefix=P&version=V      data: the template
 *            GET  /snms/api/v5/template/list?prefix=P           data: [every version]
 *   write    POST /snms/api/v5/template         create a draft (the national JSON)
 *            PUT  /snms/api/v5/template         edit a draft (items matched by idIndex +
 *                                               idType and replaced or added; state 0
 *                                               disables one)
 *            DELETE /snms/api/v5/template       {prefix, version}: withdraw
 *            POST /snms/api/v5/template/publish {prefix, version}
 *
 * Answers are the national envelope {status, message, data}: status 1 is success, anything
 * else a refusal whose message is the node's (shown to the user as is).
 *
 * The answer parser (rtmpl_answer_parse) and the query builder (rtmpl_query) are sans-I/O and
 * bounded, for the unit tests and the fuzzer. Thread-safety: as rmt.h (one struct rmt per
 * thread); the parser is pure.
 */
#ifndef IDR_TOOLS_COMMON_RTMPL_H
#define IDR_TOOLS_COMMON_RTMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "common/rmt.h"
#include "model/tmpl.h"

#define RTMPL_PATH         "/snms/api/v5/template"
#define RTMPL_PATH_LIST    "/snms/api/v5/template/list"
#define RTMPL_PATH_PUBLISH "/snms/api/v5/template/publish"
#define RTMPL_BODY_MAX     ((size_t)64 << 20) /* bytes of an answer that are parsed */
#define RTMPL_LIST_MAX     100000             /* versions in a list answer */
#define RTMPL_MSG_MAX      1024               /* rtmpl_* messages, NUL included */

/* envelope statuses (http/idis.h) */
#define RTMPL_OK      1
#define RTMPL_NOLOGIN (-1)
#define RTMPL_FAIL    (-2)
#define RTMPL_DENIED  (-3)

/** What the data member of a successful answer must be. */
enum rtmpl_data {
	RTMPL_DATA_NONE = 0, /* anything (a write's true) */
	RTMPL_DATA_ONE = 1,  /* a template object */
	RTMPL_DATA_LIST = 2  /* an array of template objects */
};

/** A parsed answer of the template API. */
struct rtmpl_answer {
	long status;               /* the envelope's status */
	char message[RMT_MSG_MAX]; /* "" when absent; control characters as '?' */
	struct tmpl **tmpls;       /* status 1 with RTMPL_DATA_ONE (1) or _LIST (n); owned */
	size_t ntmpls;
};

/**
 * Parse an answer body: a JSON object with an integer "status" and an optional string
 * "message"; when status is 1, "data" as want says, each template in the national JSON
 * (tmpl_from_json_obj: templateState is read) with "createdTime" and "updatedTime" (RFC 3339,
 * optional) read into created and changed. Other members are ignored; data of a refusal is
 * not looked at.
 * @param err  on error, what is wrong (the first template error names the field).
 * @return IDR_OK (release with rtmpl_answer_deinit), IDR_EPROTO (not such an answer),
 *         IDR_ELIMIT (body over RTMPL_BODY_MAX, more than RTMPL_LIST_MAX versions) or
 *         IDR_ENOMEM. On error *out holds nothing to release.
 */
int rtmpl_answer_parse(struct slice body, enum rtmpl_data want, struct rtmpl_answer *out, char *err,
                       size_t cap) IDR_MUSTCHECK;

/** Free the templates of a (NULL accepted); a may be parsed into again. */
void rtmpl_answer_deinit(struct rtmpl_answer *a);

/**
 * Append path, then "?prefix=P" and, when version is not NULL, "&version=V" with P and V
 * percent-encoded (unreserved characters kept), then a NUL.
 * @return IDR_OK or the wbuf's error.
 */
int rtmpl_query(struct wbuf *w, const char *path, const char *prefix, const char *version);

/**
 * One request of the template API in r's session. body: a JSON document or empty.
 * @param msg  on failure: the node's message with the HTTP status, or why the request failed
 *             (transport, authentication: rmt_errmsg).
 * @return IDR_OK (status 1; *out holds the data, rtmpl_answer_deinit), IDR_EDENIED (status
 *         -3 or HTTP 403), IDR_EAUTH (status -1 or no session), IDR_EINVAL (another refusal,
 *         e.g. -2 with the rule broken), IDR_EPROTO (not an answer of the template API), or
 *         a transport error.
 */
int rtmpl_call(struct rmt *r, enum httpc_method m, const char *path, struct slice body,
               enum rtmpl_data want, struct rtmpl_answer *out, char *msg, size_t cap) IDR_MUSTCHECK;

/**
 * GET a version. @return as rtmpl_call; IDR_OK with *out the template (free with tmpl_free).
 */
int rtmpl_get(struct rmt *r, const char *prefix, const char *version, struct tmpl **out, char *msg,
              size_t cap) IDR_MUSTCHECK;

/**
 * Send t (the national JSON without state: a new version is a draft) with POST (create) or
 * PUT (edit a draft). @return as rtmpl_call.
 */
int rtmpl_send(struct rmt *r, enum httpc_method m, const struct tmpl *t, char *msg,
               size_t cap) IDR_MUSTCHECK;

/**
 * Publish (POST .../publish) or withdraw (DELETE) a version with the body {prefix, version}.
 * @return as rtmpl_call.
 */
int rtmpl_state(struct rmt *r, bool publish, const char *prefix, const char *version, char *msg,
                size_t cap) IDR_MUSTCHECK;

#endif /* IDR_TOOLS_COMMON_RTMPL_H */
