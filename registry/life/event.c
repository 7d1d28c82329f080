/* event.c - EPCIS 2.0 events: JSON-LD parsing, the rules the schema misses, JSON-LD output. */
#include "life/event.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "life/event_int.h"

static const char *const biz_steps[] = {
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
        NULL,
};

static const char *const dispositions[] = {
        "active",
        "available",
        "completeness_inferred",
        "completeness_verified",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_instance",
        "mismatch_class",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
        NULL,
};

static const char *const error_reasons[] = {"did_not_occur", "incorrect_data", NULL};

static const char *const type_names[] = {NULL,
                                         "ObjectEvent",
                                         "AggregationEvent",
                                         "TransformationEvent",
                                         "AssociationEvent",
                                         "TransactionEvent"};

bool
life_word_in(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (strcmp(list[i], s) == 0) {
			return true;
		}
	}
	return false;
}

bool
life_cbv_biz_step(const char *s)
{
	return s != NULL && life_word_in(biz_steps, s);
}

bool
life_cbv_disposition(const char *s)
{
	return s != NULL && life_word_in(dispositions, s);
}

const char *
life_type_name(enum life_type t)
{
	return (t >= LIFE_OBJECT && t <= LIFE_TRANSACTION) ? type_names[t] : NULL;
}

const char *
life_action_name(enum life_action a)
{
	switch (a) {
	case LIFE_ACTION_ADD:
		return "ADD";
	case LIFE_ACTION_OBSERVE:
		return "OBSERVE";
	case LIFE_ACTION_DELETE:
		return "DELETE";
	default:
		return NULL;
	}
}

/* ---- errors ---- */

struct ctx {
	const char *path;
	char *err;
	size_t errlen;
};

IDR_PRINTF(3, 4)
static int
fail(const struct ctx *c, int rc, const char *fmt, ...)
{
	char msg[LIFE_ERR_LEN];
	va_list ap;

	if (c->err == NULL || c->errlen == 0) {
		return rc;
	}
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->path != NULL && c->path[0] != '\0') {
		(void)snprintf(c->err, c->errlen, "%s.%s", c->path, msg);
	} else {
		(void)snprintf(c->err, c->errlen, "%s", msg);
	}
	return rc;
}

/* ---- times ---- */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static bool
digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

static bool
leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "+hh:mm" / "-hh:mm" into minutes; the EPCIS pattern ^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$ */
int
life_tz_parse(const char *s, size_t len, int16_t *out)
{
	unsigned h, m;

	if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !digits(s + 1, 2, &h) ||
	    !digits(s + 4, 2, &m) || m > 59 || h > 14 || (h == 14 && m != 0)) {
		return IDR_EINVAL;
	}
	*out = (int16_t)((s[0] == '-' ? -1 : 1) * (int)(h * 60 + m));
	return IDR_OK;
}

/* the date-time without zone handling: fills ms as if UTC; *rest points after the fraction */
static int
parse_local(const char *s, size_t len, int64_t *ms, size_t *used)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, mo, d, h, mi, se, frac = 0, scale = 100;
	size_t i = 19;
	bool round_up = false;

	if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':' || !digits(s, 4, &y) || !digits(s + 5, 2, &mo) ||
	    !digits(s + 8, 2, &d) || !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
	    !digits(s + 17, 2, &se)) {
		return IDR_EINVAL;
	}
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 60 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y))) {
		return IDR_EINVAL;
	}
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9') {
			return IDR_EINVAL;
		}
		for (size_t k = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, k++) {
			if (k < 3) {
				frac += (unsigned)(s[i] - '0') * scale;
				scale /= 10;
			} else if (k == 3) {
				round_up = s[i] >= '5';
			}
		}
	}
	*ms = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + (se > 59 ? 59 : se)) *
	              1000 +
	      frac + (round_up ? 1 : 0);
	*used = i;
	return IDR_OK;
}

int
life_time_parse(const char *s, size_t len, struct life_time *out)
{
	int64_t ms;
	size_t used;
	int16_t tz = 0;

	if (parse_local(s, len, &ms, &used) != IDR_OK || used >= len) {
		return IDR_EINVAL;
	}
	if (len - used == 1 && (s[used] == 'Z' || s[used] == 'z')) {
		tz = 0;
	} else if (life_tz_parse(s + used, len - used, &tz) != IDR_OK) {
		return IDR_EINVAL;
	}
	out->ms = ms - (int64_t)tz * 60000;
	out->tz_min = tz;
	return IDR_OK;
}

int
life_time_parse_lenient(const char *s, size_t len, int64_t *ms)
{
	struct life_time t;
	size_t used;

	if (life_time_parse(s, len, &t) == IDR_OK) {
		*ms = t.ms;
		return IDR_OK;
	}
	/* no zone: read as UTC (as epcis2.js does) */
	if (parse_local(s, len, ms, &used) == IDR_OK && used == len) {
		return IDR_OK;
	}
	return IDR_EINVAL;
}

void
life_time_format(struct life_time t, bool utc, char out[LIFE_TIME_LEN])
{
	int64_t ms = utc ? t.ms : t.ms + (int64_t)t.tz_min * 60000;
	int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	int64_t rem = ms - days * 86400000;
	int y;
	unsigned m, d;
	int tz = utc ? 0 : t.tz_min;
	char zone[8];

	civil_from_days(days, &y, &m, &d);
	if (utc) {
		(void)snprintf(zone, sizeof(zone), "Z");
	} else {
		(void)snprintf(zone, sizeof(zone), "%c%02d:%02d", tz < 0 ? '-' : '+',
		               (tz < 0 ? -tz : tz) / 60, (tz < 0 ? -tz : tz) % 60);
	}
	(void)snprintf(out, LIFE_TIME_LEN, "%04d-%02u-%02uT%02u:%02u:%02u.%03u%.6s",
	               (y % 10000 + 10000) % 10000, m % 13u, d % 32u,
	               (unsigned)(rem / 3600000) % 24u, (unsigned)(rem / 60000 % 60),
	               (unsigned)(rem / 1000 % 60), (unsigned)(rem % 1000), zone);
}

/* ---- URIs ---- */

/* RFC 3986 scheme ":" then at least one character, no controls, spaces, '"', '<', '>', '\\',
 * '^', '`', '{', '|', '}' (what the JSON schema's "format": "uri" refuses). */
bool
life_uri_ok(const char *s)
{
	size_t i = 0;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) {
		return false;
	}
	while (s[i] != '\0' && s[i] != ':') {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.')) {
			return false;
		}
		i++;
	}
	if (s[i] != ':' || s[i + 1] == '\0') {
		return false;
	}
	for (i++; s[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch == 0x7f || strchr("\"<>\\^`{|}", ch) != NULL) {
			return false;
		}
	}
	return true;
}

static int
get_uri(const struct ctx *c, json_t *v, const char *name, const char **out)
{
	const char *s;

	if (!json_is_string(v)) {
		return fail(c, IDR_EPROTO, "%s: must be a string (a URI)", name);
	}
	s = json_string_value(v);
	if (json_string_length(v) > LIFE_MAX_URI) {
		return fail(c, IDR_ELIMIT, "%s: longer than %u bytes", name, LIFE_MAX_URI);
	}
	if (strlen(s) != json_string_length(v) || !life_uri_ok(s)) {
		return fail(c, IDR_EPROTO, "%s: not a URI", name);
	}
	*out = s;
	return IDR_OK;
}

/* a CBV bare word from list or any URI; CBV URN/Web URI forms are refused (the JSON schema) */
static int
get_vocab(const struct ctx *c, json_t *v, const char *name, const char *const *list,
          const char **out)
{
	const char *s;

	if (!json_is_string(v)) {
		return fail(c, IDR_EPROTO, "%s: must be a string", name);
	}
	s = json_string_value(v);
	if (life_word_in(list, s)) {
		*out = s;
		return IDR_OK;
	}
	if (strncmp(s, "urn:epcglobal:cbv:", 18) == 0 ||
	    strncmp(s, "https://ns.gs1.org/cbv/", 23) == 0 ||
	    strncmp(s, "https://ref.gs1.org/cbv/", 24) == 0) {
		return fail(c, IDR_EPROTO, "%s: '%.64s': write CBV values as bare words", name, s);
	}
	if (json_string_length(v) > LIFE_MAX_URI) {
		return fail(c, IDR_ELIMIT, "%s: longer than %u bytes", name, LIFE_MAX_URI);
	}
	if (strlen(s) != json_string_length(v) || !life_uri_ok(s)) {
		return fail(c, IDR_EPROTO, "%s: '%.64s' is neither a CBV 2.0 word nor a URI", name,
		            s);
	}
	*out = s;
	return IDR_OK;
}

/*
 * The start of a list member: an array of at most LIFE_MAX_LIST items, and room for them,
 * elem bytes each, in *mem (NULL for an empty array). @return IDR_OK, or the error (fail).
 */
static int
list_open(const struct ctx *c, json_t *v, const char *name, size_t elem, void **mem)
{
	*mem = NULL;
	if (!json_is_array(v)) {
		return fail(c, IDR_EPROTO, "%s: must be an array", name);
	}
	if (json_array_size(v) > LIFE_MAX_LIST) {
		return fail(c, IDR_ELIMIT, "%s: more than %u items", name, LIFE_MAX_LIST);
	}
	if (json_array_size(v) == 0) {
		return IDR_OK;
	}
	*mem = calloc(json_array_size(v), elem);
	return *mem != NULL ? IDR_OK : IDR_ENOMEM;
}

static int
get_uris(const struct ctx *c, json_t *v, const char *name, struct life_uris *out)
{
	char item[64];
	size_t i;
	json_t *e;
	void *mem;
	int rc;

	if ((rc = list_open(c, v, name, sizeof(*out->v), &mem)) != IDR_OK || mem == NULL) {
		return rc;
	}
	out->v = mem;
	json_array_foreach(v, i, e)
	{
		(void)snprintf(item, sizeof(item), "%s[%zu]", name, i);
		if ((rc = get_uri(c, e, item, &out->v[i])) != IDR_OK) {
			return rc;
		}
		out->n++;
	}
	return IDR_OK;
}

/* uom: ^[A-Z0-9]{2,3}$ (UN/ECE Rec 20) */
bool
life_uom_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 3) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9'))) {
			return false;
		}
	}
	return true;
}

static int
get_qty(const struct ctx *c, json_t *o, const char *name, struct life_qty *q)
{
	const char *key;
	json_t *v;
	char sub[96];
	int rc;

	if (!json_is_object(o)) {
		return fail(c, IDR_EPROTO, "%s: must be an object", name);
	}
	json_object_foreach(o, key, v)
	{
		(void)snprintf(sub, sizeof(sub), "%s.%.24s", name, key);
		if (strcmp(key, "epcClass") == 0) {
			if ((rc = get_uri(c, v, sub, &q->epc_class)) != IDR_OK) {
				return rc;
			}
		} else if (strcmp(key, "quantity") == 0) {
			if (!json_is_number(v) || !isfinite(json_number_value(v))) {
				return fail(c, IDR_EPROTO, "%s: must be a number", sub);
			}
			q->has_quantity = true;
			q->quantity = json_number_value(v);
		} else if (strcmp(key, "uom") == 0) {
			if (!json_is_string(v) || !life_uom_ok(json_string_value(v))) {
				return fail(c, IDR_EPROTO,
				            "%s: must be a UN/ECE Rec 20 code ([A-Z0-9]{2,3})",
				            sub);
			}
			q->uom = json_string_value(v);
		} else {
			return fail(c, IDR_EPROTO, "%s: unknown member of a quantity element", sub);
		}
	}
	if (q->epc_class == NULL) {
		return fail(c, IDR_EPROTO, "%s.epcClass: required", name);
	}
	if (q->uom != NULL && !q->has_quantity) {
		return fail(c, IDR_EPROTO, "%s.uom: only with a quantity", name);
	}
	return IDR_OK;
}

static int
get_qtys(const struct ctx *c, json_t *v, const char *name, struct life_qtys *out)
{
	char item[64];
	size_t i;
	json_t *e;
	void *mem;
	int rc;

	if ((rc = list_open(c, v, name, sizeof(*out->v), &mem)) != IDR_OK || mem == NULL) {
		return rc;
	}
	out->v = mem;
	json_array_foreach(v, i, e)
	{
		(void)snprintf(item, sizeof(item), "%s[%zu]", name, i);
		if ((rc = get_qty(c, e, item, &out->v[i])) != IDR_OK) {
			return rc;
		}
		out->n++;
	}
	return IDR_OK;
}

static int
get_time(const struct ctx *c, json_t *v, const char *name, struct life_time *t)
{
	if (!json_is_string(v)) {
		return fail(c, IDR_EPROTO, "%s: must be a string (RFC 3339 date-time)", name);
	}
	if (life_time_parse(json_string_value(v), json_string_length(v), t) != IDR_OK) {
		return fail(c, IDR_EPROTO,
		            "%s: not an RFC 3339 date-time with a zone (YYYY-MM-DDTHH:MM:SS[.f]Z "
		            "or +hh:mm)",
		            name);
	}
	return IDR_OK;
}

/* {"id": uri, extensions...}: extensions keep the whole object in ext */
static int
get_place(const struct ctx *c, json_t *v, const char *name, const char **out, bool *extra)
{
	char sub[48];
	json_t *id;

	if (!json_is_object(v)) {
		return fail(c, IDR_EPROTO, "%s: must be an object {\"id\": URI}", name);
	}
	id = json_object_get(v, "id");
	if (id == NULL) {
		return fail(c, IDR_EPROTO, "%s.id: required", name);
	}
	(void)snprintf(sub, sizeof(sub), "%s.id", name);
	*extra = json_object_size(v) > 1;
	return get_uri(c, id, sub, out);
}

static int
get_error_decl(const struct ctx *c, json_t *v, struct life_error_decl *e, bool *extra)
{
	const char *key;
	json_t *m;
	bool has_time = false;
	int rc = IDR_OK;

	if (!json_is_object(v)) {
		return fail(c, IDR_EPROTO, "errorDeclaration: must be an object");
	}
	*extra = false;
	json_object_foreach(v, key, m)
	{
		if (strcmp(key, "declarationTime") == 0) {
			rc = get_time(c, m, "errorDeclaration.declarationTime",
			              &e->declaration_time);
			has_time = true;
		} else if (strcmp(key, "reason") == 0) {
			rc = get_vocab(c, m, "errorDeclaration.reason", error_reasons, &e->reason);
		} else if (strcmp(key, "correctiveEventIDs") == 0) {
			rc = get_uris(c, m, "errorDeclaration.correctiveEventIDs",
			              &e->corrective_ids);
		} else if (strchr(key, ':') != NULL) {
			*extra = true;
		} else {
			rc = fail(c, IDR_EPROTO, "errorDeclaration.%.32s: unknown member", key);
		}
		if (rc != IDR_OK) {
			return rc;
		}
	}
	if (!has_time) {
		return fail(c, IDR_EPROTO, "errorDeclaration.declarationTime: required");
	}
	return IDR_OK;
}

/* ---- members ---- */

#define T_OBJ  (1u << LIFE_OBJECT)
#define T_AGG  (1u << LIFE_AGGREGATION)
#define T_TRF  (1u << LIFE_TRANSFORMATION)
#define T_ASC  (1u << LIFE_ASSOCIATION)
#define T_TRX  (1u << LIFE_TRANSACTION)
#define T_ALL  (T_OBJ | T_AGG | T_TRF | T_ASC | T_TRX)
#define T_ACTN (T_OBJ | T_AGG | T_ASC | T_TRX)

enum member {
	M_TYPE,
	M_CONTEXT,
	M_EVENT_ID,
	M_EVENT_TIME,
	M_TZ,
	M_RECORD_TIME,
	M_ERROR,
	M_ACTION,
	M_BIZ_STEP,
	M_DISPOSITION,
	M_READ_POINT,
	M_BIZ_LOCATION,
	M_PARENT,
	M_XFORM_ID,
	M_EPCS,
	M_CHILD_EPCS,
	M_INPUT_EPCS,
	M_OUTPUT_EPCS,
	M_QTYS,
	M_CHILD_QTYS,
	M_INPUT_QTYS,
	M_OUTPUT_QTYS,
	M_VERBATIM, /* standard members kept verbatim in ext */
};

static const struct {
	const char *name;
	enum member m;
	unsigned types;
} members[] = {
        {"type", M_TYPE, T_ALL},
        {"@context", M_CONTEXT, T_ALL},
        {"eventID", M_EVENT_ID, T_ALL},
        {"eventTime", M_EVENT_TIME, T_ALL},
        {"eventTimeZoneOffset", M_TZ, T_ALL},
        {"recordTime", M_RECORD_TIME, T_ALL},
        {"errorDeclaration", M_ERROR, T_ALL},
        {"action", M_ACTION, T_ACTN},
        {"bizStep", M_BIZ_STEP, T_ALL},
        {"disposition", M_DISPOSITION, T_ALL},
        {"readPoint", M_READ_POINT, T_ALL},
        {"bizLocation", M_BIZ_LOCATION, T_ALL},
        {"parentID", M_PARENT, T_AGG | T_ASC | T_TRX},
        {"transformationID", M_XFORM_ID, T_TRF},
        {"epcList", M_EPCS, T_OBJ | T_TRX},
        {"childEPCs", M_CHILD_EPCS, T_AGG | T_ASC},
        {"inputEPCList", M_INPUT_EPCS, T_TRF},
        {"outputEPCList", M_OUTPUT_EPCS, T_TRF},
        {"quantityList", M_QTYS, T_OBJ | T_TRX},
        {"childQuantityList", M_CHILD_QTYS, T_AGG | T_ASC},
        {"inputQuantityList", M_INPUT_QTYS, T_TRF},
        {"outputQuantityList", M_OUTPUT_QTYS, T_TRF},
        {"bizTransactionList", M_VERBATIM, T_ALL},
        {"sourceList", M_VERBATIM, T_ALL},
        {"destinationList", M_VERBATIM, T_ALL},
        {"sensorElementList", M_VERBATIM, T_ALL},
        {"persistentDisposition", M_VERBATIM, T_ALL},
        {"certificationInfo", M_VERBATIM, T_ALL},
        {"ilmd", M_VERBATIM, T_OBJ | T_TRF},
};

static int
parse_type(const struct ctx *c, json_t *j, enum life_type *t)
{
	json_t *v = json_object_get(j, "type");
	const char *s;

	if (v == NULL) {
		return fail(c, IDR_EPROTO, "type: required");
	}
	if (!json_is_string(v)) {
		return fail(c, IDR_EPROTO, "type: must be a string");
	}
	s = json_string_value(v);
	for (int i = LIFE_OBJECT; i <= LIFE_TRANSACTION; i++) {
		if (strcmp(s, type_names[i]) == 0) {
			*t = (enum life_type)i;
			return IDR_OK;
		}
	}
	return fail(c, IDR_EPROTO,
	            "type: '%.48s' is not ObjectEvent, AggregationEvent, TransformationEvent, "
	            "AssociationEvent or TransactionEvent",
	            s);
}

static int
parse_action(const struct ctx *c, json_t *v, enum life_action *a)
{
	const char *s = json_string_value(v);

	if (s == NULL) {
		return fail(c, IDR_EPROTO, "action: must be a string");
	}
	if (strcmp(s, "ADD") == 0) {
		*a = LIFE_ACTION_ADD;
	} else if (strcmp(s, "OBSERVE") == 0) {
		*a = LIFE_ACTION_OBSERVE;
	} else if (strcmp(s, "DELETE") == 0) {
		*a = LIFE_ACTION_DELETE;
	} else {
		return fail(c, IDR_EPROTO, "action: '%.32s' is not ADD, OBSERVE or DELETE", s);
	}
	return IDR_OK;
}

static int
keep(json_t **ext, const char *key, json_t *v)
{
	if (*ext == NULL && (*ext = json_object()) == NULL) {
		return IDR_ENOMEM;
	}
	return json_object_set(*ext, key, v) == 0 ? IDR_OK : IDR_ENOMEM;
}

static int
parse_member(const struct ctx *c, struct life_event *ev, enum member m, const char *key, json_t *v)
{
	bool extra = false;
	int rc = IDR_OK;

	switch (m) {
	case M_TYPE:
	case M_CONTEXT:
	case M_TZ:
		return IDR_OK; /* handled by the caller */
	case M_EVENT_ID:
		return get_uri(c, v, key, &ev->event_id);
	case M_EVENT_TIME:
		return get_time(c, v, key, &ev->event_time);
	case M_RECORD_TIME:
		ev->has_record_time = true;
		return get_time(c, v, key, &ev->record_time);
	case M_ERROR:
		ev->has_error_decl = true;
		rc = get_error_decl(c, v, &ev->error_decl, &extra);
		break;
	case M_ACTION:
		return parse_action(c, v, &ev->action);
	case M_BIZ_STEP:
		return get_vocab(c, v, key, biz_steps, &ev->biz_step);
	case M_DISPOSITION:
		return get_vocab(c, v, key, dispositions, &ev->disposition);
	case M_READ_POINT:
		rc = get_place(c, v, key, &ev->read_point, &extra);
		break;
	case M_BIZ_LOCATION:
		rc = get_place(c, v, key, &ev->biz_location, &extra);
		break;
	case M_PARENT:
		return get_uri(c, v, key, &ev->parent_id);
	case M_XFORM_ID:
		return get_uri(c, v, key, &ev->transformation_id);
	case M_EPCS:
		return get_uris(c, v, key, &ev->epcs);
	case M_CHILD_EPCS:
		return get_uris(c, v, key, &ev->child_epcs);
	case M_INPUT_EPCS:
		return get_uris(c, v, key, &ev->input_epcs);
	case M_OUTPUT_EPCS:
		return get_uris(c, v, key, &ev->output_epcs);
	case M_QTYS:
		return get_qtys(c, v, key, &ev->quantities);
	case M_CHILD_QTYS:
		return get_qtys(c, v, key, &ev->child_quantities);
	case M_INPUT_QTYS:
		return get_qtys(c, v, key, &ev->input_quantities);
	case M_OUTPUT_QTYS:
		return get_qtys(c, v, key, &ev->output_quantities);
	case M_VERBATIM:
		extra = true;
		break;
	}
	if (rc == IDR_OK && extra) {
		rc = keep(&ev->ext, key, v);
	}
	return rc;
}

static int
parse_members(const struct ctx *c, json_t *j, struct life_event *ev)
{
	const char *key;
	json_t *v;
	int rc;

	json_object_foreach(j, key, v)
	{
		size_t i, n = sizeof(members) / sizeof(members[0]);
		for (i = 0; i < n && strcmp(members[i].name, key) != 0; i++) {
		}
		if (i == n) {
			if (strchr(key, ':') == NULL) {
				return fail(c, IDR_EPROTO,
				            "%.48s: unknown member (extensions are "
				            "prefix:name)",
				            key);
			}
			rc = keep(&ev->ext, key, v);
		} else if (!(members[i].types & (1u << ev->type))) {
			return fail(c, IDR_EPROTO, "%s: not a member of an %s", key,
			            type_names[ev->type]);
		} else {
			rc = parse_member(c, ev, members[i].m, key, v);
		}
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return IDR_OK;
}

/* the namespaces of an @context: every object member prefix -> string URI */
static json_t *
context_ns(json_t *ctxv)
{
	json_t *ns = json_object(), *e;
	size_t i;

	if (ns == NULL) {
		return NULL;
	}
	if (json_is_object(ctxv)) {
		json_object_update(ns, ctxv);
	} else if (json_is_array(ctxv)) {
		json_array_foreach(ctxv, i, e)
		{
			if (json_is_object(e)) {
				json_object_update(ns, e);
			}
		}
	}
	return ns;
}

int
life_event_from_json(json_t *j, json_t *ns, const char *path, struct life_event *out, char *err,
                     size_t errlen)
{
	const struct ctx c = {path, err, errlen};
	json_t *tz;
	char *dump;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err != NULL && errlen > 0) {
		err[0] = '\0';
	}
	if (!json_is_object(j)) {
		return fail(&c, IDR_EPROTO, "event: must be a JSON object");
	}
	out->owned = json_incref(j);
	out->owns_lists = true;
	out->ns = ns != NULL ? json_incref(ns) : context_ns(json_object_get(j, "@context"));
	if (out->ns == NULL) {
		rc = IDR_ENOMEM;
		goto fail;
	}
	if ((rc = parse_type(&c, j, &out->type)) != IDR_OK) {
		goto fail;
	}
	if (json_object_get(j, "eventTime") == NULL) {
		rc = fail(&c, IDR_EPROTO, "eventTime: required");
		goto fail;
	}
	tz = json_object_get(j, "eventTimeZoneOffset");
	if (tz == NULL) {
		rc = fail(&c, IDR_EPROTO, "eventTimeZoneOffset: required");
		goto fail;
	}
	if (!json_is_string(tz) || life_tz_parse(json_string_value(tz), json_string_length(tz),
	                                         &out->event_time.tz_min) != IDR_OK) {
		rc = fail(&c, IDR_EPROTO,
		          "eventTimeZoneOffset: must be +hh:mm or -hh:mm "
		          "(-14:00..+14:00)");
		goto fail;
	}
	{
		int16_t tzm = out->event_time.tz_min;
		if ((rc = parse_members(&c, j, out)) != IDR_OK) {
			goto fail;
		}
		out->event_time.tz_min = tzm;
	}
	if (out->ext != NULL) {
		dump = json_dumps(out->ext, JSON_COMPACT);
		if (dump == NULL) {
			rc = IDR_ENOMEM;
			goto fail;
		}
		rc = strlen(dump) > LIFE_MAX_EXT
		             ? fail(&c, IDR_ELIMIT, "event: extension members over %u bytes",
		                    LIFE_MAX_EXT)
		             : IDR_OK;
		free(dump);
		if (rc != IDR_OK) {
			goto fail;
		}
	}
	if ((rc = life_check(out, path, err, errlen)) != IDR_OK) {
		goto fail;
	}
	return IDR_OK;
fail:
	life_event_deinit(out);
	return rc;
}

void
life_event_deinit(struct life_event *ev)
{
	if (ev == NULL) {
		return;
	}
	if (ev->owns_lists) {
		free(ev->epcs.v);
		free(ev->child_epcs.v);
		free(ev->input_epcs.v);
		free(ev->output_epcs.v);
		free(ev->quantities.v);
		free(ev->child_quantities.v);
		free(ev->input_quantities.v);
		free(ev->output_quantities.v);
		free(ev->error_decl.corrective_ids.v);
		json_decref(ev->ext);
		json_decref(ev->ns);
	}
	json_decref(ev->owned);
	memset(ev, 0, sizeof(*ev));
}

static int
load(const void *text, size_t len, json_t **out, char *err, size_t errlen)
{
	json_error_t je;

	if (len > LIFE_MAX_DOC) {
		if (err != NULL && errlen > 0) {
			(void)snprintf(err, errlen, "document: larger than %u bytes", LIFE_MAX_DOC);
		}
		return IDR_ELIMIT;
	}
	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (*out == NULL) {
		if (err != NULL && errlen > 0) {
			(void)snprintf(err, errlen, "JSON: %s at line %d column %d", je.text,
			               je.line, je.column);
		}
		return IDR_EPROTO;
	}
	return IDR_OK;
}

int
life_event_parse(const void *text, size_t len, struct life_event *out, char *err, size_t errlen)
{
	json_t *j;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load(text, len, &j, err, errlen)) != IDR_OK) {
		return rc;
	}
	rc = life_event_from_json(j, NULL, NULL, out, err, errlen);
	json_decref(j);
	return rc;
}

void
life_doc_free(struct life_doc *doc)
{
	if (doc == NULL) {
		return;
	}
	for (size_t i = 0; i < doc->n; i++) {
		life_event_deinit(&doc->ev[i]);
	}
	free(doc->ev);
	json_decref(doc->root);
	memset(doc, 0, sizeof(*doc));
}

static int
doc_events(json_t *root, json_t **list, char *err, size_t errlen)
{
	const struct ctx c = {NULL, err, errlen};
	static const char *const req[] = {"@context", "type", "schemaVersion", "creationDate"};
	json_t *body, *type, *qr;
	const char *t;

	if (!json_is_object(root)) {
		return fail(&c, IDR_EPROTO, "document: must be a JSON object");
	}
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		if (json_object_get(root, req[i]) == NULL) {
			return fail(&c, IDR_EPROTO, "%s: required", req[i]);
		}
	}
	type = json_object_get(root, "type");
	t = json_string_value(type);
	if (t == NULL ||
	    (strcmp(t, "EPCISDocument") != 0 && strcmp(t, "EPCISQueryDocument") != 0)) {
		return fail(&c, IDR_EPROTO, "type: must be EPCISDocument or EPCISQueryDocument");
	}
	body = json_object_get(root, "epcisBody");
	if (!json_is_object(body)) {
		return fail(&c, IDR_EPROTO, "epcisBody: required (an object)");
	}
	if (strcmp(t, "EPCISQueryDocument") == 0) {
		qr = json_object_get(body, "queryResults");
		body = json_object_get(json_object_get(qr, "resultsBody"), "eventList") != NULL
		               ? json_object_get(qr, "resultsBody")
		               : NULL;
		if (body == NULL) {
			return fail(&c, IDR_EPROTO,
			            "epcisBody.queryResults.resultsBody.eventList: required");
		}
	}
	*list = json_object_get(body, "eventList");
	if (!json_is_array(*list)) {
		return fail(&c, IDR_EPROTO, "epcisBody.eventList: required (an array)");
	}
	if (json_array_size(*list) > LIFE_MAX_EVENTS) {
		return fail(&c, IDR_ELIMIT, "epcisBody.eventList: more than %u events",
		            LIFE_MAX_EVENTS);
	}
	return IDR_OK;
}

int
life_doc_parse(const void *text, size_t len, struct life_doc *out, char *err, size_t errlen)
{
	json_t *list, *ns = NULL, *e;
	char path[32];
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load(text, len, &out->root, err, errlen)) != IDR_OK) {
		return rc;
	}
	if ((rc = doc_events(out->root, &list, err, errlen)) != IDR_OK) {
		goto fail;
	}
	ns = context_ns(json_object_get(out->root, "@context"));
	if (ns == NULL || (json_array_size(list) > 0 &&
	                   (out->ev = calloc(json_array_size(list), sizeof(*out->ev))) == NULL)) {
		rc = IDR_ENOMEM;
		goto fail;
	}
	json_array_foreach(list, i, e)
	{
		json_t *evns = ns;
		(void)snprintf(path, sizeof(path), "eventList[%zu]", i);
		if (json_object_get(e, "@context") != NULL) {
			/* an event's own @context adds to the document's */
			evns = context_ns(json_object_get(e, "@context"));
			if (evns == NULL) {
				rc = IDR_ENOMEM;
				goto fail;
			}
			json_object_update_missing(evns, ns);
		}
		rc = life_event_from_json(e, evns, path, &out->ev[i], err, errlen);
		if (evns != ns) {
			json_decref(evns);
		}
		if (rc != IDR_OK) {
			goto fail;
		}
		out->n++;
	}
	json_decref(ns);
	return IDR_OK;
fail:
	json_decref(ns);
	life_doc_free(out);
	return rc;
}

bool
life_cbv_error_reason(const char *s)
{
	return s != NULL && life_word_in(error_reasons, s);
}
