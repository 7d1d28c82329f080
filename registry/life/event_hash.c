/*
 * event_hash.c - the CBV 2.0 event hash (ref/traceability.md §2.4), our own code after the
 * rules of RalphTro/epcis-event-hash-generator (README "Algorithm") and the epcis2.js port
 * (eventToHashedId), which is the oracle of tests/integration/event_hash.sh:
 *
 * - the event is first written as JSON-LD (life_event_to_json), so events built in C and
 *   parsed events hash alike;
 * - standard members in the canonical order (type as eventType, eventTime, ...), "key=value"
 *   with no separators; lists as "epcList" + the sorted "epc=..." items; quantity elements as
 *   "quantityElement" + epcClass, quantity, uom; readPoint/bizLocation as "readPoint" + "id=";
 * - values trimmed; date-times in UTC with milliseconds ("...T02:33:31.116Z"); numbers as
 *   JavaScript prints them (1, 2.5, 1e-7); strings of digits and dots lose leading and
 *   trailing zeros the way epcis2.js does; CBV bare words expanded to their Web URIs
 *   (https://ref.gs1.org/cbv/BizStep-shipping, Disp-, BTT-, SDT-);
 * - EPC URNs converted to canonical GS1 Digital Link URIs and Digital Link URIs made canonical
 *   (id.gs1.org, no query, no CPV, serial instead of lot) — the schemes in dl_from_urn();
 * - other members ("prefix:name" extensions, ilmd, ...) as "{namespace}name=value", sorted,
 *   after the standard ones; extensions inside readPoint, bizLocation, quantity elements and
 *   sensor elements go with the event's extensions, prefixed by their parent's name;
 * - eventID, recordTime, errorDeclaration and @context do not take part.
 * Where the Python reference and epcis2.js differ, we follow the reference: an empty list adds
 * nothing (epcis2.js appends "undefined"), a Digital Link with lot and serial keeps the serial
 * (epcis2.js keeps the URI unchanged), sub-millisecond digits round half up (epcis2.js cuts).
 */
#include "life/event.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/crypto.h"
#include "base/wbuf.h"
#include "life/event_int.h"

/* ---- growable list of owned strings ---- */

struct strs {
	char **v;
	size_t n, cap;
	int err;
};

static void
strs_push(struct strs *l, char *s)
{
	if (s == NULL) {
		l->err = IDR_ENOMEM;
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL) {
			free(s);
			l->err = IDR_ENOMEM;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
}

static void
strs_free(struct strs *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i]);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted concatenation of l into w; frees l */
static void
strs_flush(struct strs *l, struct wbuf *w)
{
	if (l->n > 1) {
		qsort(l->v, l->n, sizeof(*l->v), cmp);
	}
	for (size_t i = 0; i < l->n; i++) {
		wbuf_cstr(w, l->v[i]);
	}
	if (l->err != IDR_OK) {
		w->err = l->err;
	}
	strs_free(l);
}

static char *
concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s != NULL) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

/* ---- value canonicalisation ---- */

/* JavaScript Number.prototype.toString */
static void
js_number(double d, char *out, size_t len)
{
	char buf[40], dig[24];
	int p, e, k = 0, n;
	char *q;

	if (d == 0) {
		(void)snprintf(out, len, "0");
		return;
	}
	for (p = 1; p <= 17; p++) {
		(void)snprintf(buf, sizeof(buf), "%.*e", p - 1, d);
		if (strtod(buf, NULL) == d) {
			break;
		}
	}
	q = buf;
	if (*q == '-') {
		q++;
	}
	for (; *q != 'e' && *q != '\0'; q++) {
		if (*q >= '0' && *q <= '9' && k < (int)sizeof(dig) - 1) {
			dig[k++] = *q;
		}
	}
	e = *q == 'e' ? atoi(q + 1) : 0;
	while (k > 1 && dig[k - 1] == '0') {
		k--;
	}
	dig[k] = '\0';
	n = e + 1;
	{
		const char *sign = d < 0 ? "-" : "";
		if (k <= n && n <= 21) {
			(void)snprintf(out, len, "%s%s%0*d", sign, dig, n - k, 0);
			if (n == k) {
				(void)snprintf(out, len, "%s%s", sign, dig);
			}
		} else if (0 < n && n <= 21) {
			(void)snprintf(out, len, "%s%.*s.%s", sign, n, dig, dig + n);
		} else if (-6 < n && n <= 0) {
			(void)snprintf(out, len, "%s0.%0*d%s", sign, -n, 0, dig);
			if (n == 0) {
				(void)snprintf(out, len, "%s0.%s", sign, dig);
			}
		} else if (k == 1) {
			(void)snprintf(out, len, "%s%se%c%d", sign, dig, e < 0 ? '-' : '+', abs(e));
		} else {
			(void)snprintf(out, len, "%s%c.%se%c%d", sign, dig[0], dig + 1,
			               e < 0 ? '-' : '+', abs(e));
		}
	}
}

/* epcis2.js truncateTrailingZeros on a string of digits and dots */
static void
trim_zeros(char *s)
{
	size_t n = strlen(s);

	if (n == 0 || strspn(s, "0123456789.") != n) {
		return;
	}
	while (s[0] == '0' && n > 2) {
		memmove(s, s + 1, n--);
	}
	while (n > 3 && s[n - 1] == '0' && strchr(s, '.') != NULL) {
		s[--n] = '\0';
	}
	if (n > 0 && s[n - 1] == '.') {
		s[--n] = '\0';
	}
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* a string value: trimmed, date-times in UTC ms, EPC/DL URIs canonical, digit strings */
static char *
canon_string(const char *s)
{
	size_t n = strlen(s);
	int64_t ms;
	char *v, *dl;

	while (n > 0 && is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1])) {
		n--;
	}
	if (n > 17 && life_time_parse_lenient(s, n, &ms) == IDR_OK) {
		v = malloc(LIFE_TIME_LEN);
		if (v != NULL) {
			life_time_format((struct life_time){ms, 0}, true, v);
		}
		return v;
	}
	v = malloc(n + 1);
	if (v == NULL) {
		return NULL;
	}
	memcpy(v, s, n);
	v[n] = '\0';
	if ((dl = life_dl_normalise(v)) != NULL) {
		free(v);
		v = dl;
	}
	trim_zeros(v);
	return v;
}

/* "field=value" for any JSON value, as epcis2.js getPreHashStringOfField */
static char *
field_value(const char *field, json_t *v)
{
	char num[64], *val, *out;
	const char *lit = NULL;
	size_t n;

	switch (json_typeof(v)) {
	case JSON_STRING:
		val = canon_string(json_string_value(v));
		break;
	case JSON_INTEGER:
		js_number((double)json_integer_value(v), num, sizeof(num));
		val = strdup(num);
		break;
	case JSON_REAL:
		js_number(json_real_value(v), num, sizeof(num));
		val = strdup(num);
		break;
	case JSON_TRUE:
		lit = "true";
		break;
	case JSON_FALSE:
		lit = "false";
		break;
	case JSON_NULL:
		lit = "null";
		break;
	default:
		lit = "[object Object]";
		break;
	}
	if (lit != NULL) {
		val = strdup(lit);
	}
	if (val == NULL) {
		return NULL;
	}
	n = strlen(field) + strlen(val) + 2;
	out = malloc(n);
	if (out != NULL) {
		(void)snprintf(out, n, "%s=%s", field, val);
	}
	free(val);
	return out;
}

/* ---- custom (extension) members ---- */

static char *children(json_t *obj, json_t *ns);

/* "{namespace}name" for "prefix:name" with a known prefix; NULL when the key is dropped */
static char *
expand_key(const char *key, json_t *ns)
{
	const char *colon = strchr(key, ':');
	const char *uri;
	char prefix[64];
	size_t n;
	char *out;

	if (colon == NULL || (size_t)(colon - key) >= sizeof(prefix)) {
		return strdup(key);
	}
	memcpy(prefix, key, (size_t)(colon - key));
	prefix[colon - key] = '\0';
	uri = json_string_value(json_object_get(ns, prefix));
	if (uri == NULL) {
		return strcmp(prefix, "@xmlns") == 0 ? concat("", "") : strdup(key);
	}
	n = strlen(uri) + strlen(colon + 1) + 3;
	out = malloc(n);
	if (out != NULL) {
		(void)snprintf(out, n, "{%s}%s", uri, colon + 1);
	}
	return out;
}

static char *
custom_element(const char *key, json_t *v, json_t *ns)
{
	struct wbuf w;
	struct strs l = {0};
	char *field, *sub, *out;
	size_t i;
	json_t *e;

	if (strcmp(key, "rdfs:comment") == 0) {
		return strdup("");
	}
	if (key[0] == '#') {
		sub = field_value("", v);
		return sub;
	}
	if ((field = expand_key(key, ns)) == NULL) {
		return NULL;
	}
	if (field[0] == '\0') {
		return field;
	}
	if (json_is_object(v)) {
		sub = children(v, ns);
		out = sub != NULL ? concat(field, sub) : NULL;
		free(sub);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
		{
			if (json_is_object(e)) {
				sub = children(e, ns);
				strs_push(&l, sub != NULL ? concat(field, sub) : NULL);
				free(sub);
			} else {
				strs_push(&l, field_value(field, e));
			}
		}
		wbuf_init_heap(&w, LIFE_MAX_DOC);
		strs_flush(&l, &w);
		out = life_wbuf_take(&w);
	} else {
		out = field_value(field, v);
	}
	free(field);
	return out;
}

/* the members of an extension object, each custom_element, sorted */
static char *
children(json_t *obj, json_t *ns)
{
	struct strs l = {0};
	struct wbuf w;
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		strs_push(&l, custom_element(key, v, ns));
	}
	wbuf_init_heap(&w, LIFE_MAX_DOC);
	strs_flush(&l, &w);
	return life_wbuf_take(&w);
}

/* ---- canonical order ---- */

/* the reference implementation's order; bizTransactionList, sourceList, destinationList and
 * ilmd are not in it there, so they sort with the extensions at the end (tail_member) */
static const char *const order_event[] = {
        "type",
        "eventTime",
        "eventTimeZoneOffset",
        "certificationInfo",
        "parentID",
        "epcList",
        "inputEPCList",
        "childEPCs",
        "quantityList",
        "childQuantityList",
        "inputQuantityList",
        "outputEPCList",
        "outputQuantityList",
        "action",
        "transformationID",
        "bizStep",
        "disposition",
        "persistentDisposition",
        "readPoint",
        "bizLocation",
        "sensorElementList",
        NULL,
};
static const char *const tail_members[] = {"bizTransactionList", "sourceList", "destinationList",
                                           "ilmd", NULL};
static const char *const order_qty[] = {"epcClass", "quantity", "uom", NULL};
static const char *const order_id[] = {"id", NULL};
static const char *const order_btt[] = {"type", "bizTransaction", NULL};
static const char *const order_src[] = {"type", "source", NULL};
static const char *const order_dst[] = {"type", "destination", NULL};
static const char *const order_sensor[] = {"sensorMetadata", "sensorReport", NULL};
static const char *const order_meta[] = {"time",
                                         "startTime",
                                         "endTime",
                                         "deviceID",
                                         "deviceMetadata",
                                         "rawData",
                                         "dataProcessingMethod",
                                         "bizRules",
                                         NULL};
static const char *const order_report[] = {
        "type",
        "exception",
        "deviceID",
        "deviceMetadata",
        "rawData",
        "dataProcessingMethod",
        "time",
        "microorganism",
        "chemicalSubstance",
        "value",
        "component",
        "stringValue",
        "booleanValue",
        "hexBinaryValue",
        "uriValue",
        "minValue",
        "maxValue",
        "meanValue",
        "sDev",
        "percRank",
        "percValue",
        "uom",
        "coordinateReferenceSystem",
        NULL,
};
static const char *const order_pd[] = {"set", "unset", NULL};
static const char *const ignored[] = {"recordTime", "eventID", "errorDeclaration", "@context",
                                      NULL};

static const char *const btt_words[] = {"bol",     "cert",    "desadv",    "inv",    "pedigree",
                                        "po",      "poc",     "prodorder", "recadv", "rma",
                                        "testprd", "testres", "upevt",     NULL};
static const char *const sdt_words[] = {"owning_party", "possessing_party", "location", NULL};
static const char *const alarm_words[] = {"ALARM_CONDITION", "ERROR_CONDITION", NULL};
static const char *const component_words[] = {"x",
                                              "y",
                                              "z",
                                              "axial_distance",
                                              "azimuth",
                                              "height",
                                              "spherical_radius",
                                              "polar_angle",
                                              "elevation_angle",
                                              "easting",
                                              "northing",
                                              "latitude",
                                              "longitude",
                                              "altitude",
                                              NULL};
static const char *const measurement_words[] = {"AbsoluteHumidity",
                                                "AbsorbedDose",
                                                "AbsorbedDoseRate",
                                                "Acceleration",
                                                "Altitude",
                                                "AmountOfSubstance",
                                                "AmountOfSubstancePerUnitVolume",
                                                "Angle",
                                                "AngularAcceleration",
                                                "AngularMomentum",
                                                "AngularVelocity",
                                                "Area",
                                                "Capacitance",
                                                "Conductance",
                                                "Conductivity",
                                                "Count",
                                                "Density",
                                                "Dimensionless",
                                                "DoseEquivalent",
                                                "DoseEquivalentRate",
                                                "DynamicViscosity",
                                                "ElectricCharge",
                                                "ElectricCurrent",
                                                "ElectricCurrentDensity",
                                                "ElectricFieldStrength",
                                                "Energy",
                                                "Exposure",
                                                "Force",
                                                "Frequency",
                                                "Illuminance",
                                                "Inductance",
                                                "Irradiance",
                                                "KinematicViscosity",
                                                "Length",
                                                "LinearMomentum",
                                                "Luminance",
                                                "LuminousFlux",
                                                "LuminousIntensity",
                                                "MagneticFlux",
                                                "MagneticFluxDensity",
                                                "MagneticVectorPotential",
                                                "Mass",
                                                "MassConcentration",
                                                "MassFlowRate",
                                                "MassPerAreaTime",
                                                "MemoryCapacity",
                                                "MolalityOfSolute",
                                                "MolarEnergy",
                                                "MolarMass",
                                                "MolarVolume",
                                                "Power",
                                                "Pressure",
                                                "RadiantFlux",
                                                "RadiantIntensity",
                                                "Radioactivity",
                                                "RelativeHumidity",
                                                "Resistance",
                                                "Resistivity",
                                                "SolidAngle",
                                                "SpecificVolume",
                                                "Speed",
                                                "SurfaceDensity",
                                                "SurfaceTension",
                                                "Temperature",
                                                "Time",
                                                "Torque",
                                                "Voltage",
                                                "Volume",
                                                "VolumeFlowRate",
                                                "VolumeFraction",
                                                "VolumetricFlux",
                                                "Wavenumber",
                                                NULL};

/* a copy of o with member key expanded to prefix+value when the value is a word of list */
static json_t *
expand_member(json_t *o, const char *key, const char *const *list, const char *prefix)
{
	json_t *c = json_copy(o);
	const char *s = json_string_value(json_object_get(o, key));
	char *v;

	if (c != NULL && s != NULL && life_word_in(list, s)) {
		v = concat(prefix, s);
		if (v == NULL || json_object_set_new(c, key, json_string(v)) != 0) {
			json_decref(c);
			c = NULL;
		}
		free(v);
	}
	return c;
}

struct pre {
	struct wbuf w;    /* the ordered part */
	struct strs cust; /* custom members, sorted at the end by the caller */
};

static void ordered(json_t *o, json_t *ns, const char *const *order, bool top, struct pre *out);

static void
pre_init(struct pre *p)
{
	wbuf_init_heap(&p->w, LIFE_MAX_DOC);
	memset(&p->cust, 0, sizeof(p->cust));
}

/* append label, sub's ordered text and then its extension members (sorted) to out->w: the
 * reference adds the extensions of readPoint, bizLocation, quantity and sensor elements at
 * the end of their parent's regular fields */
static void
merge(struct pre *out, struct pre *sub, const char *label)
{
	wbuf_cstr(&out->w, label);
	wbuf_bytes(&out->w, wbuf_data(&sub->w), wbuf_len(&sub->w));
	if (wbuf_error(&sub->w) != IDR_OK) {
		out->w.err = wbuf_error(&sub->w);
	}
	wbuf_deinit(&sub->w);
	strs_flush(&sub->cust, &out->w);
}

static bool
is_epc_list(const char *name)
{
	return strcmp(name, "epcList") == 0 || strcmp(name, "childEPCs") == 0 ||
	       strcmp(name, "inputEPCList") == 0 || strcmp(name, "outputEPCList") == 0;
}

static bool
is_qty_list(const char *name)
{
	return strcmp(name, "quantityList") == 0 || strcmp(name, "childQuantityList") == 0 ||
	       strcmp(name, "inputQuantityList") == 0 || strcmp(name, "outputQuantityList") == 0;
}

/* one element of a structured list: its ordered text (with its extensions) into items */
static void
list_item(const char *name, json_t *e, json_t *ns, struct strs *items)
{
	struct pre sub, tmp;
	json_t *c = NULL, *c2;
	const char *const *order = order_qty;
	const char *label = "quantityElement";

	if (strcmp(name, "bizTransactionList") == 0) {
		c = expand_member(e, "type", btt_words, "https://ref.gs1.org/cbv/BTT-");
		order = order_btt, label = "";
	} else if (strcmp(name, "sourceList") == 0 || strcmp(name, "destinationList") == 0) {
		c = expand_member(e, "type", sdt_words, "https://ref.gs1.org/cbv/SDT-");
		order = name[0] == 's' ? order_src : order_dst, label = "";
	} else if (strcmp(name, "sensorElementList") == 0) {
		c = json_incref(e);
		order = order_sensor, label = "sensorElement";
	} else if (strcmp(name, "sensorReport") == 0) {
		c = expand_member(e, "type", measurement_words, "https://gs1.org/voc/");
		c2 = c != NULL ? expand_member(c, "exception", alarm_words, "https://gs1.org/voc/")
		               : NULL;
		json_decref(c);
		c = c2 != NULL ? expand_member(c2, "component", component_words,
		                               "https://ref.gs1.org/cbv/Comp-")
		               : NULL;
		json_decref(c2);
		order = order_report, label = "sensorReport";
	} else { /* quantity lists */
		c = json_incref(e);
	}
	if (c == NULL) {
		items->err = IDR_ENOMEM;
		return;
	}
	pre_init(&sub);
	ordered(c, ns, order, false, &sub);
	json_decref(c);
	pre_init(&tmp);
	merge(&tmp, &sub, label);
	strs_free(&tmp.cust);
	strs_push(items, life_wbuf_take(&tmp.w));
}

static bool
is_structured_list(const char *name)
{
	return is_qty_list(name) || strcmp(name, "bizTransactionList") == 0 ||
	       strcmp(name, "sourceList") == 0 || strcmp(name, "destinationList") == 0 ||
	       strcmp(name, "sensorElementList") == 0 || strcmp(name, "sensorReport") == 0;
}

/* name + the sorted items of a list ("epcList" "epc=..." ...); set, unset and sensorReport
 * items go without the list's name */
static void
list_prehash(const char *name, json_t *list, json_t *ns, struct pre *out)
{
	struct strs items = {0};
	bool pd = strcmp(name, "set") == 0 || strcmp(name, "unset") == 0;
	size_t i;
	json_t *e;

	if (json_array_size(list) == 0) {
		return; /* rule 4 */
	}
	if (is_epc_list(name) || pd) {
		json_array_foreach(list, i, e)
		{
			const char *s = json_string_value(e);
			if (pd && s != NULL && life_cbv_disposition(s)) {
				char *x = concat("https://ref.gs1.org/cbv/Disp-", s);
				json_t *j = x != NULL ? json_string(x) : NULL;
				strs_push(&items, j != NULL ? field_value(name, j) : NULL);
				json_decref(j);
				free(x);
			} else {
				strs_push(&items, field_value(pd ? name : "epc", e));
			}
		}
	} else if (is_structured_list(name)) {
		json_array_foreach(list, i, e)
		{
			if (json_is_object(e)) {
				list_item(name, e, ns, &items);
			}
		}
	} else {
		json_array_foreach(list, i, e)
		{
			strs_push(&out->cust, custom_element(name, e, ns));
		}
		return;
	}
	if (!pd && strcmp(name, "sensorReport") != 0) {
		wbuf_cstr(&out->w, name);
	}
	strs_flush(&items, &out->w);
}

static void
ordered_member(const char *key, json_t *v, json_t *ns, bool top, struct pre *out)
{
	struct pre sub;
	char *s = NULL, *x;
	json_t *j;

	if (json_is_array(v)) {
		list_prehash(key, v, ns, out);
		return;
	}
	if (strcmp(key, "readPoint") == 0 || strcmp(key, "bizLocation") == 0 ||
	    strcmp(key, "sensorMetadata") == 0 || strcmp(key, "persistentDisposition") == 0) {
		pre_init(&sub);
		ordered(v, ns,
		        key[0] == 'p'
		                ? order_pd
		                : (strcmp(key, "sensorMetadata") == 0 ? order_meta : order_id),
		        false, &sub);
		merge(out, &sub, key);
		return;
	}
	if ((strcmp(key, "bizStep") == 0 && life_cbv_biz_step(json_string_value(v))) ||
	    (strcmp(key, "disposition") == 0 && life_cbv_disposition(json_string_value(v)))) {
		x = concat(key[0] == 'b' ? "https://ref.gs1.org/cbv/BizStep-"
		                         : "https://ref.gs1.org/cbv/Disp-",
		           json_string_value(v));
		j = x != NULL ? json_string(x) : NULL;
		s = j != NULL ? field_value(key, j) : NULL;
		json_decref(j);
		free(x);
	} else {
		s = field_value(strcmp(key, "type") == 0 && top ? "eventType" : key, v);
	}
	if (s == NULL) {
		out->w.err = IDR_ENOMEM;
		return;
	}
	wbuf_cstr(&out->w, s);
	free(s);
}

/* bizTransactionList, sourceList, destinationList, ilmd: one sorted tail string each */
static char *
tail_member(const char *key, json_t *v, json_t *ns)
{
	struct pre sub;
	char *x, *s;

	if (strcmp(key, "ilmd") == 0 || !json_is_array(v)) {
		x = json_is_object(v) ? children(v, ns) : strdup("");
		s = x != NULL ? concat(key, x) : NULL;
		free(x);
		return s;
	}
	pre_init(&sub);
	list_prehash(key, v, ns, &sub);
	strs_flush(&sub.cust, &sub.w);
	return life_wbuf_take(&sub.w);
}

static void
ordered(json_t *o, json_t *ns, const char *const *order, bool top, struct pre *out)
{
	const char *key;
	json_t *v;

	if (!json_is_object(o)) {
		return;
	}
	for (size_t i = 0; order[i] != NULL; i++) {
		if ((v = json_object_get(o, order[i])) != NULL) {
			ordered_member(order[i], v, ns, top, out);
		}
	}
	json_object_foreach(o, key, v)
	{
		if (life_word_in(order, key) || life_word_in(ignored, key)) {
			continue;
		}
		if (top && life_word_in(tail_members, key)) {
			strs_push(&out->cust, tail_member(key, v, ns));
		} else {
			strs_push(&out->cust, custom_element(key, v, ns));
		}
	}
}

int
life_event_prehash(const struct life_event *ev, char **out)
{
	struct pre p;
	json_t *j, *ns;
	int rc;

	*out = NULL;
	if ((rc = life_event_to_json(ev, &j)) != IDR_OK) {
		return rc;
	}
	/* epcis2.js's default namespaces, then the document's */
	ns = json_pack("{ssssssssssssssss}", "epcis", "https://ref.gs1.org/epcis/", "cbv",
	               "https://ref.gs1.org/cbv/", "cbvmda", "urn:epcglobal:cbv:mda:", "gs1",
	               "https://gs1.org/voc/", "rdfs", "http://www.w3.org/2000/01/rdf-schema#",
	               "owl", "http://www.w3.org/2002/07/owl#", "xsd",
	               "http://www.w3.org/2001/XMLSchema#", "dcterms", "http://purl.org/dc/terms/");
	if (ns == NULL || (ev->ns != NULL && json_object_update(ns, ev->ns) != 0)) {
		json_decref(ns);
		json_decref(j);
		return IDR_ENOMEM;
	}
	pre_init(&p);
	ordered(j, ns, order_event, true, &p);
	strs_flush(&p.cust, &p.w);
	json_decref(ns);
	json_decref(j);
	rc = wbuf_error(&p.w);
	if (rc == IDR_OK) {
		*out = life_wbuf_take(&p.w);
		return *out != NULL ? IDR_OK : IDR_ENOMEM;
	}
	wbuf_deinit(&p.w);
	return rc == IDR_ETOOBIG ? IDR_ELIMIT : rc;
}

int
life_event_hash(const struct life_event *ev, char out[LIFE_HASH_LEN])
{
	uint8_t md[CRYPTO_SHA256_LEN];
	char *pre;
	int rc;

	if ((rc = life_event_prehash(ev, &pre)) != IDR_OK) {
		return rc;
	}
	rc = crypto_sha256(pre, strlen(pre), md);
	free(pre);
	if (rc != IDR_OK) {
		return rc;
	}
	memcpy(out, "ni:///sha-256;", 14);
	for (size_t i = 0; i < sizeof(md); i++) {
		(void)snprintf(out + 14 + 2 * i, 3, "%02x", md[i]);
	}
	memcpy(out + 14 + 64, "?ver=CBV2.0", 12);
	return IDR_OK;
}
