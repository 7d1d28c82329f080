/*
 * tmpl.h - metadata templates (元数据模板, ref/idis.md §2.5, DESIGN.md §3): the model, its JSON
 * form (the national SNMS API /snms/api/v5/template shape), its stored encoding (the
 * `templates` database) and the check of a record's values against a template.
 *
 * A template is one version of a prefix's data model: key (prefix, version); industry code
 * after GB/T 4754 (门类 industryCategory "A".."T", 大类 industrySpecific 2 digits, 中类
 * industryTrade 3 digits, 小类 industrySubclass 4 digits, each level beginning with the one
 * above and the 大类 inside its 门类's range of GB/T 4754-2017); object type 1 active carrier
 * (主动标识载体) or 2 other; description; optional template handle; items. Each item has a
 * name (中文名称), a key (idType: the Handle value type of the attribute), an index (idIndex
 * >= 2000), a value type, limits, a required flag and a state (enabled 1 / disabled 0).
 * State of the version: draft -> published <-> withdrawn (the registry enforces it).
 *
 * JSON (national field names; our additions marked +):
 *   {"prefix":"88.118.8","version":"1.0","industryCategory":"C","industrySpecific":"34",
 *    "industryTrade":"341","industrySubclass":"3411","type":1,"description":"...",
 *    "handle":"88.118.8/tmpl-1.0", +"templateState":"draft",
 *    "items":[{"name":"重量","idType":"weight","idIndex":2000,"required":true,"state":1,
 *              "metadata":{"type":"number","minimum":0,"maximum":10,"accuracy":2}}]}
 *   metadata.type: "string" (the national default; minLength default 0, maxLength default
 *   4000), +"number" (+minimum, +maximum, +accuracy = most decimal places), +"date"
 *   (+dateFormat "YYYY-MM-DD" (default) or "YYYY-MM-DD HH:mm:ss"), +"enum" (+enum: the
 *   allowed strings), +"handle" (the value is an identifier prefix/suffix). minLength and
 *   maxLength (characters) apply to every type. idIndex may be an integer or a string of
 *   digits ("2000" in the national examples); absent, the next free index from 2000 on.
 *   required may be true/false or 0/1. Read-only members of national answers ("id", "name",
 *   "metadataId", "createdTime", "updatedTime") are ignored; any other unknown member is an
 *   error naming it, so that a misspelt limit never passes silently.
 *
 * Record check (tmpl_check_values): values at index 1001 (TEMPLATE, the version) and 1000
 * (TEMPLATE_ID, the template handle) name the template; other values below 2000 (HS_ADMIN,
 * URL, ITEM_KIND, ...) are not the template's business and pass. A value at 2000 or above must
 * be an enabled item of the template with the item's key as its type (as the national API:
 * "index and type must match the template"; an index not in the template is an error). Every
 * enabled required item must be present with non-empty data. Data must be UTF-8 text. Each
 * error names the item key and index and the rule: `weight (2003): number 12.5 above maximum
 * 10`.
 *
 * Ownership: struct tmpl and everything in it is heap memory owned by the struct; tmpl_free
 * frees it. Functions are pure and thread-safe; a struct tmpl is used by one thread at a time.
 */
#ifndef IDR_REGISTRY_MODEL_TMPL_H
#define IDR_REGISTRY_MODEL_TMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "model/value.h"

struct json_t; /* jansson's json_t */

#define TMPL_FORMAT         1
#define TMPL_HDR_LEN        20          /* stored header: format, state, reserved, two times */
#define TMPL_MIN_INDEX      2000        /* first item index */
#define TMPL_MAX_INDEX      0x7fffffffu /* largest value index */
#define TMPL_MAX_ITEMS      512
#define TMPL_MAX_PREFIX     255  /* bytes (the registry's PFX_MAX_LEN) */
#define TMPL_MAX_VERSION    128  /* bytes (national limit) */
#define TMPL_MAX_NAME       128  /* bytes of an item name or key */
#define TMPL_MAX_DESC       4000 /* bytes of the description */
#define TMPL_MAX_ENUM       256  /* allowed values of an enum item */
#define TMPL_MAX_JSON       (1u << 20)
#define TMPL_MAX_NUMBER     64   /* characters of a number value */
#define TMPL_MAX_ACCURACY   38   /* decimal places */
#define TMPL_DEFAULT_MAXLEN 4000 /* string maxLength when none is given */
#define TMPL_ERR_LEN        256
#define TMPL_REPORT_LEN     2048
#define TMPL_INDEX_HANDLE   1000 /* value naming the template handle */
#define TMPL_INDEX_VERSION  1001 /* value naming the template version */
#define TMPL_TYPE_HANDLE    "TEMPLATE_ID"
#define TMPL_TYPE_VERSION   "TEMPLATE"

enum tmpl_state { TMPL_DRAFT = 0, TMPL_PUBLISHED = 1, TMPL_WITHDRAWN = 2 };

enum tmpl_type { TMPL_STRING = 1, TMPL_NUMBER, TMPL_DATE, TMPL_ENUM, TMPL_HANDLE };

enum tmpl_datefmt { TMPL_DATE_YMD = 0, TMPL_DATE_YMD_HMS = 1 };

struct tmpl_item {
	char *name; /* 中文名称, unique in the template */
	char *key;  /* idType: the value type, unique (ASCII case-insensitive) */
	uint32_t index;
	enum tmpl_type type;
	bool required;
	bool enabled;
	bool has_min_len, has_max_len;
	uint32_t min_len, max_len; /* characters */
	bool has_minimum, has_maximum;
	double minimum, maximum; /* number */
	int accuracy;            /* number: most decimal places, -1 = any */
	enum tmpl_datefmt datefmt;
	char **values; /* enum: allowed strings */
	size_t nvalues;
	bool index_auto; /* parsed without idIndex (index assigned); not stored */
};

struct tmpl {
	char *prefix;
	char *version;
	char *handle;        /* may be NULL */
	char *description;   /* may be NULL */
	char industry[4][5]; /* category, specific, trade, subclass; "" when absent */
	int obj_type;        /* 1 active carrier, 2 other */
	enum tmpl_state state;
	uint64_t created, changed; /* unix seconds (stored header; 0 in parsed JSON) */
	struct tmpl_item *items;
	size_t nitems;
};

/** "draft", "published", "withdrawn"; NULL when out of range. */
const char *tmpl_state_name(int state);
/** "string", "number", "date", "enum", "handle"; NULL when out of range. */
const char *tmpl_type_name(int type);

/** Free a template (accepts NULL). */
void tmpl_free(struct tmpl *t);
/** Deep copy. @return IDR_OK or IDR_ENOMEM (*out NULL). */
int tmpl_copy(const struct tmpl *t, struct tmpl **out);
/** Free what an item owns (not the item itself); accepts NULL. */
void tmpl_item_deinit(struct tmpl_item *it);

/**
 * Check a GB/T 4754 industry code: category "A".."T"; specific, trade, subclass 2, 3, 4
 * digits or empty (empty levels must be the lowest ones); each level begins with the one
 * above; the 大类 lies within its 门类 (GB/T 4754-2017 ranges). err names the field.
 * @return IDR_OK or IDR_ETMPL_INVALID.
 */
int tmpl_industry_check(const char *category, const char *specific, const char *trade,
                        const char *subclass, char *err, size_t cap);

/**
 * Parse the JSON form (see above). Limits: TMPL_MAX_JSON bytes of text, TMPL_MAX_ITEMS
 * items, the byte limits TMPL_MAX_*; then the template rules (tmpl_rules). templateState is
 * read if present (else draft); times stay 0.
 * @param err  receives a message naming the field ("items[2].metadata.maxLength: ...").
 * @return IDR_OK (*out owned by the caller), IDR_EPROTO (not JSON / wrong JSON type),
 *         IDR_ELIMIT (a limit), IDR_ETMPL_INVALID (a rule) or IDR_ENOMEM.
 */
int tmpl_from_json(struct tmpl **out, const void *text, size_t len, char *err, size_t cap);

/** As tmpl_from_json on an already loaded JSON object (borrowed). */
int tmpl_from_json_obj(struct tmpl **out, const struct json_t *obj, char *err, size_t cap);

/**
 * Parse one item object (the shape of items[i]); the index may be absent (then 0: the
 * caller assigns one). @return as tmpl_from_json; *out filled on success (tmpl_item_deinit).
 */
int tmpl_item_from_json(struct tmpl_item *out, const void *text, size_t len, char *err, size_t cap);

/**
 * The rules over a whole template: prefix, version, industry code, object type, unique item
 * indexes, keys and names, consistent limits. @return IDR_OK or IDR_ETMPL_INVALID with err.
 */
int tmpl_rules(const struct tmpl *t, char *err, size_t cap);

#define TMPL_JSON_STATE 0x1 /* also write templateState, createdTime, updatedTime */

/**
 * Write the JSON form (compact, national member names and order). With TMPL_JSON_STATE the
 * state and times are included. tmpl_from_json of the output gives an equal template.
 * @return IDR_OK or the wbuf's sticky error.
 */
int tmpl_write_json(struct wbuf *w, const struct tmpl *t, unsigned flags);

/**
 * Stored encoding: u8 TMPL_FORMAT | u8 state | u16 0 | u64 created | u64 changed | the JSON
 * form without state (integers big-endian). @return IDR_OK or the wbuf's error.
 */
int tmpl_encode(struct wbuf *w, const struct tmpl *t);

/**
 * Decode a stored template. @return IDR_OK (*out owned by the caller), IDR_ESCHEMA (unknown
 * format), IDR_EPROTO (malformed header or JSON), IDR_ETMPL_INVALID, IDR_ENOMEM.
 */
int tmpl_decode(struct slice stored, struct tmpl **out);

/** The item with this index, or NULL. */
const struct tmpl_item *tmpl_item_by_index(const struct tmpl *t, uint32_t index);
/** The item with this key (ASCII case-insensitive), or NULL. */
const struct tmpl_item *tmpl_item_by_key(const struct tmpl *t, struct slice key);

/**
 * Add a copy of an item (index 0: the next free one from 2000, else the given one), then
 * check the template rules; on error t is unchanged.
 * @return IDR_OK, IDR_ETMPL_INVALID (err names the rule) or IDR_ENOMEM.
 */
int tmpl_item_add(struct tmpl *t, const struct tmpl_item *it, char *err, size_t cap);

/**
 * Merge an update into a template (national PUT semantics): industry, type, description and
 * handle are replaced; each item of upd with the index and key of an existing item replaces
 * it (including its state), an item with a new index and a new key is added, items upd does
 * not mention are kept (items are never deleted). An index of one item with the key of
 * another (or a new index with an existing key) is an error. On error t is unchanged.
 * @return IDR_OK, IDR_ETMPL_INVALID (err) or IDR_ENOMEM.
 */
int tmpl_merge(struct tmpl *t, const struct tmpl *upd, char *err, size_t cap);

/** Check one value's data against an item's type rule. err names the rule (without the
 * item). @return IDR_OK or IDR_ETMPL_RECORD. */
int tmpl_check_data(const struct tmpl_item *it, struct slice data, char *err, size_t cap);

/** Errors of a record check: how many, and their messages joined by "; " (truncated). */
struct tmpl_report {
	size_t nerrs;
	size_t len;
	char text[TMPL_REPORT_LEN];
};

/**
 * Check a record's values against a template (rules above). Every error is reported.
 * @return IDR_OK or IDR_ETMPL_RECORD (rep says why).
 */
int tmpl_check_values(const struct tmpl *t, const struct value *v, size_t n,
                      struct tmpl_report *rep);

/** Append a formatted message to a report. */
void tmpl_report_add(struct tmpl_report *rep, const char *fmt, ...) IDR_PRINTF(2, 3);

#endif /* IDR_REGISTRY_MODEL_TMPL_H */
