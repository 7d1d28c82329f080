/* epcis_query.c - the query parameters of the EPCIS query routes (epcis.h), sans-I/O. */
#include "http/epcis.h"

#include <stdio.h>
#include <string.h>

#include "base/num.h"
#include "life/event.h"

static const struct {
	const char *name;
	enum epcis_match match;
} matches[] = {
        {"MATCH_anyEPC", EPCIS_MATCH_ANY},       {"MATCH_epc", EPCIS_MATCH_EPC},
        {"MATCH_parentID", EPCIS_MATCH_PARENT},  {"MATCH_inputEPC", EPCIS_MATCH_INPUT},
        {"MATCH_outputEPC", EPCIS_MATCH_OUTPUT},
};

#define NMATCHES (sizeof(matches) / sizeof(matches[0]))

static const char *const cbv_prefixes[] = {
        "urn:epcglobal:cbv:bizstep:",
        "urn:epcglobal:cbv:disp:",
        "https://ref.gs1.org/cbv/BizStep-",
        "https://ref.gs1.org/cbv/Disp-",
};

struct slice
epcis_cbv_bare(struct slice s)
{
	for (size_t i = 0; i < sizeof(cbv_prefixes) / sizeof(cbv_prefixes[0]); i++) {
		size_t n = strlen(cbv_prefixes[i]);

		if (s.len > n && memcmp(s.p, cbv_prefixes[i], n) == 0) {
			return slice_make(s.p + n, s.len - n);
		}
	}
	return s;
}

size_t
epcis_token_format(const struct epcis_token *t, char out[EPCIS_TOKEN_MAX])
{
	static const char digits[] = "0123456789abcdef";
	int n = snprintf(out, EPCIS_TOKEN_MAX, "%lld.", (long long)t->ms);
	size_t len = n > 0 ? (size_t)n : 0;

	for (size_t i = 0; i < REG_EVENT_ID_LEN && len + 2 < EPCIS_TOKEN_MAX; i++) {
		out[len++] = digits[t->id[i] >> 4];
		out[len++] = digits[t->id[i] & 0xF];
	}
	out[len] = '\0';
	return len;
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	return -1;
}

int
epcis_token_parse(struct slice s, struct epcis_token *out)
{
	const uint8_t *dot = s.len > 0 ? memchr(s.p, '.', s.len) : NULL;
	size_t nlen, hlen;
	bool neg;
	uint64_t v;

	if (dot == NULL || s.len >= EPCIS_TOKEN_MAX) {
		return IDR_EINVAL;
	}
	nlen = (size_t)(dot - s.p);
	hlen = s.len - nlen - 1;
	neg = nlen > 0 && s.p[0] == '-';
	if (hlen != 2 * REG_EVENT_ID_LEN || nlen == (size_t)neg ||
	    num_parse_u64_n((const char *)s.p + neg, nlen - neg, 0, (uint64_t)INT64_MAX, &v) !=
	            IDR_OK) {
		return IDR_EINVAL;
	}
	for (size_t i = 0; i < REG_EVENT_ID_LEN; i++) {
		int hi = hexval(dot[1 + 2 * i]), lo = hexval(dot[2 + 2 * i]);

		if (hi < 0 || lo < 0) {
			return IDR_EINVAL;
		}
		out->id[i] = (uint8_t)(hi << 4 | lo);
	}
	out->ms = neg ? -(int64_t)v : (int64_t)v;
	return IDR_OK;
}

/* An RFC 3339 time parameter into *ms. */
static int
time_param(const struct uri_param *p, int64_t *ms, char *err, size_t errlen)
{
	struct life_time t;

	if (life_time_parse((const char *)p->value.p, p->value.len, &t) != IDR_OK) {
		snprintf(err, errlen,
		         "%.*s: an RFC 3339 time with its zone, e.g. "
		         "2024-02-01T10:00:00+08:00",
		         (int)p->key.len, (const char *)p->key.p);
		return IDR_EINVAL;
	}
	*ms = t.ms;
	return IDR_OK;
}

/* Add the '|'-separated values of p to v[*n..]. */
static int
list_param(const struct uri_param *p, struct slice *v, size_t *n, char *err, size_t errlen)
{
	struct slice rest = p->has_value ? p->value : slice_make(NULL, 0);

	for (;;) {
		const uint8_t *bar = rest.len > 0 ? memchr(rest.p, '|', rest.len) : NULL;
		size_t len = bar != NULL ? (size_t)(bar - rest.p) : rest.len;

		if (len == 0) {
			snprintf(err, errlen, "%.*s: an empty value", (int)p->key.len,
			         (const char *)p->key.p);
			return IDR_EINVAL;
		}
		if (*n == EPCIS_LIST_MAX) {
			snprintf(err, errlen, "%.*s: more than %d values", (int)p->key.len,
			         (const char *)p->key.p, EPCIS_LIST_MAX);
			return IDR_ELIMIT;
		}
		v[(*n)++] = epcis_cbv_bare(slice_make(rest.p, len));
		if (bar == NULL) {
			return IDR_OK;
		}
		rest = slice_make(bar + 1, rest.len - len - 1);
	}
}

/* eventType values into q->types. */
static int
type_param(const struct uri_param *p, struct epcis_query *q, char *err, size_t errlen)
{
	struct slice v[EPCIS_LIST_MAX];
	size_t n = 0;
	int rc = list_param(p, v, &n, err, errlen);

	for (size_t i = 0; rc == IDR_OK && i < n; i++) {
		enum life_type t = LIFE_OBJECT;

		while (t <= LIFE_TRANSACTION && !slice_eq(v[i], slice_cstr(life_type_name(t)))) {
			t++;
		}
		if (t > LIFE_TRANSACTION) {
			snprintf(err, errlen, "eventType: %.*s is not an EPCIS 2.0 event type",
			         (int)(v[i].len > 64 ? 64 : v[i].len), (const char *)v[i].p);
			return IDR_EINVAL;
		}
		q->types |= 1u << t;
	}
	return rc;
}

/* The identifier parameter p (MATCH_*), if it is one: 1 taken, 0 not one, < 0 error. */
static int
match_param(const struct uri_param *p, struct epcis_query *q, char *err, size_t errlen)
{
	for (size_t i = 0; i < NMATCHES; i++) {
		if (!slice_eq(p->key, slice_cstr(matches[i].name))) {
			continue;
		}
		if (q->match != EPCIS_MATCH_NONE) {
			snprintf(err, errlen, "%s: give one identifier parameter, with one value",
			         matches[i].name);
			return IDR_EINVAL;
		}
		if (!p->has_value || p->value.len == 0 ||
		    memchr(p->value.p, '|', p->value.len) != NULL) {
			snprintf(err, errlen, "%s: %s", matches[i].name,
			         !p->has_value || p->value.len == 0
			                 ? "an empty identifier"
			                 : "one identifier per query (no '|' lists)");
			return IDR_EINVAL;
		}
		if (p->value.len > LIFE_MAX_URI) {
			snprintf(err, errlen, "%s: longer than %u bytes", matches[i].name,
			         LIFE_MAX_URI);
			return IDR_ELIMIT;
		}
		q->match = matches[i].match;
		q->id = p->value;
		return 1;
	}
	return 0;
}

/* One parameter. */
static int
one_param(const struct uri_param *p, enum epcis_query_form form, struct epcis_query *q, char *err,
          size_t errlen)
{
	bool ev = form == EPCIS_FORM_EVENTS;
	uint64_t n;
	int rc;

	if (ev && (rc = match_param(p, q, err, errlen)) != 0) {
		return rc < 0 ? rc : IDR_OK;
	}
	if (slice_eq(p->key, slice_cstr(ev ? "GE_eventTime" : "from"))) {
		return time_param(p, &q->from_ms, err, errlen);
	}
	if (slice_eq(p->key, slice_cstr(ev ? "LT_eventTime" : "to"))) {
		return time_param(p, &q->to_ms, err, errlen);
	}
	if (ev && slice_eq(p->key, SLICE_LIT("eventType"))) {
		return type_param(p, q, err, errlen);
	}
	if (ev && slice_eq(p->key, SLICE_LIT("EQ_bizStep"))) {
		return list_param(p, q->biz_steps, &q->nbiz_steps, err, errlen);
	}
	if (ev && slice_eq(p->key, SLICE_LIT("EQ_disposition"))) {
		return list_param(p, q->dispositions, &q->ndispositions, err, errlen);
	}
	if (slice_eq(p->key, SLICE_LIT("perPage"))) {
		if (uri_param_u64(p, 1, EPCIS_PAGE_MAX, &n) != IDR_OK) {
			snprintf(err, errlen, "perPage: a number from 1 to %d", EPCIS_PAGE_MAX);
			return IDR_EINVAL;
		}
		q->per_page = (size_t)n;
		return IDR_OK;
	}
	if (slice_eq(p->key, SLICE_LIT("nextPageToken"))) {
		if (epcis_token_parse(p->value, &q->token) != IDR_OK) {
			snprintf(err, errlen, "nextPageToken: not a token this node gave out");
			return IDR_EINVAL;
		}
		q->has_token = true;
		return IDR_OK;
	}
	if (slice_eq(p->key, SLICE_LIT("pretty"))) {
		return IDR_OK;
	}
	snprintf(err, errlen, "%.*s: not a parameter of this query (it takes %s)", (int)p->key.len,
	         (const char *)p->key.p,
	         ev ? "MATCH_anyEPC, MATCH_epc, MATCH_parentID, MATCH_inputEPC, MATCH_outputEPC, "
	              "eventType, GE_eventTime, LT_eventTime, EQ_bizStep, EQ_disposition, "
	              "perPage, nextPageToken"
	            : "from, to, perPage, nextPageToken");
	return IDR_EINVAL;
}

int
epcis_query_parse(const struct uri_target *t, enum epcis_query_form form, struct epcis_query *out,
                  char *err, size_t errlen)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->from_ms = INT64_MIN;
	out->to_ms = INT64_MAX;
	out->per_page = EPCIS_PAGE_DEFAULT;
	for (size_t i = 0; i < t->nparams; i++) {
		rc = one_param(&t->params[i], form, out, err, errlen);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	if (form == EPCIS_FORM_EVENTS && out->match == EPCIS_MATCH_NONE) {
		snprintf(err, errlen,
		         "give an identifier: one of MATCH_anyEPC, MATCH_epc, MATCH_parentID, "
		         "MATCH_inputEPC, MATCH_outputEPC (this node answers queries from an "
		         "identifier's timeline, never by scanning every event)");
		return IDR_EINVAL;
	}
	if (out->from_ms >= out->to_ms) {
		snprintf(err, errlen, "%s: the time range is empty",
		         form == EPCIS_FORM_EVENTS ? "LT_eventTime" : "to");
		return IDR_EINVAL;
	}
	return IDR_OK;
}
