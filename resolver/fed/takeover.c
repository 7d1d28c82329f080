/* takeover.c - emergency takeover of a node by the top level (takeover.h). */
#include "fed/takeover.h"

#include <stdlib.h>
#include <string.h>

#include "base/rbuf.h"
#include "hdl/hdl.h"
#include "model/ident.h"
#include "model/value.h"

#define SITE_SERIAL_OFF 4 /* version (2), protocol major, minor (1 each), then the serial */
#define PRIV_PERMS      (VALUE_PERM_ADMIN_READ | VALUE_PERM_ADMIN_WRITE)

/* What a node's prefix record holds of interest here (data copied: it outlives writes). */
struct state {
	bool node;   /* HS_PUBKEY at 300 */
	bool active; /* IDR.TAKEOVER at 10 */
	uint32_t since;
	struct slice site, psite;   /* HS_SITE at 1, HS_SITE.PREFIX at 2 (in own[]) */
	struct slice saved, psaved; /* at 11, 12 (in own[]) */
	bool has_site, has_psite, has_saved, has_psaved;
	uint8_t *own[4]; /* the copies, freed by state_free */
};

int
takeover_site_serial(struct slice site, uint16_t *out)
{
	if (site.len < SITE_SERIAL_OFF + 2) {
		return IDR_EINVAL;
	}
	*out = (uint16_t)((site.p[SITE_SERIAL_OFF] << 8) | site.p[SITE_SERIAL_OFF + 1]);
	return IDR_OK;
}

static void
state_free(struct state *s)
{
	for (size_t i = 0; i < 4; i++) {
		free(s->own[i]);
	}
	memset(s, 0, sizeof(*s));
}

/* Copy in into own (a value seen twice keeps the last) and point out at it. */
static int
dup_slice(struct slice in, uint8_t **own, struct slice *out, bool *has)
{
	uint8_t *p = malloc(in.len > 0 ? in.len : 1);

	if (p == NULL) {
		return IDR_ENOMEM;
	}
	if (in.len > 0) {
		memcpy(p, in.p, in.len);
	}
	free(*own);
	*own = p;
	*out = slice_make(p, in.len);
	*has = true;
	return IDR_OK;
}

static int
state_read(const struct rec_view *rec, struct state *s)
{
	struct slice clump;
	struct value v;
	struct rbuf r;
	int rc = IDR_OK, next;

	memset(s, 0, sizeof(*s));
	rbuf_init(&r, rec->values.p, rec->values.len);
	while (rc == IDR_OK && (next = hdl_clump_next(&r, &v, &clump)) == IDR_OK) {
		if (v.index == NODE_KEY_INDEX && slice_caseeq_cstr(v.type, "HS_PUBKEY")) {
			s->node = true;
		} else if (v.index == TAKEOVER_MARK_INDEX &&
		           slice_caseeq_cstr(v.type, TAKEOVER_MARK_TYPE)) {
			s->active = true;
			s->since = v.timestamp;
		} else if (v.index == NODE_SITE_INDEX && slice_caseeq_cstr(v.type, "HS_SITE")) {
			rc = dup_slice(v.data, &s->own[0], &s->site, &s->has_site);
		} else if (v.index == NODE_PREFIX_SITE_INDEX &&
		           slice_caseeq_cstr(v.type, "HS_SITE.PREFIX")) {
			rc = dup_slice(v.data, &s->own[1], &s->psite, &s->has_psite);
		} else if (v.index == TAKEOVER_SAVED_SITE_INDEX) {
			rc = dup_slice(v.data, &s->own[2], &s->saved, &s->has_saved);
		} else if (v.index == TAKEOVER_SAVED_PREFIX_INDEX) {
			rc = dup_slice(v.data, &s->own[3], &s->psaved, &s->has_psaved);
		}
	}
	if (rc == IDR_OK && next != IDR_ENOENT) {
		rc = IDR_EPROTO;
	}
	if (rc != IDR_OK) {
		state_free(s);
	}
	return rc;
}

/* The node's prefix record in w: IDR_OK (s filled), IDR_ENOENT (no node) or an error. */
static int
load(struct reg_wtxn *w, struct slice prefix, char *handle, size_t cap, struct state *s)
{
	struct rec_view rec;
	int rc;

	if (prefix.len == 0 || ident_zero_na(prefix, handle, cap) != IDR_OK) {
		return IDR_ENOENT;
	}
	rc = reg_write_get(w, slice_cstr(handle), &rec);
	if (rc != IDR_OK) {
		return rc == IDR_ENOENT || (rc <= IDR_EID_EMPTY && rc > IDR_EID_EMPTY - 100)
		               ? IDR_ENOENT
		               : rc;
	}
	rc = state_read(&rec, s);
	if (rc == IDR_OK && !s->node) {
		state_free(s);
		rc = IDR_ENOENT;
	}
	return rc;
}

static struct value
mkvalue(uint32_t index, const char *type, struct slice data, uint8_t perms, uint32_t now)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.timestamp = now;
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = perms;
	v.type = slice_cstr(type);
	v.data = data;
	return v;
}

/* A copy of site data whose serial is one above `above` (wrapping past 65535 to 1). */
static int
with_serial(struct slice site, uint16_t above, uint8_t **out)
{
	uint16_t serial = (uint16_t)(above == UINT16_MAX ? 1 : above + 1);

	*out = malloc(site.len);
	if (*out == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(*out, site.p, site.len);
	(*out)[SITE_SERIAL_OFF] = (uint8_t)(serial >> 8);
	(*out)[SITE_SERIAL_OFF + 1] = (uint8_t)serial;
	return IDR_OK;
}

static uint16_t
serial_of(struct slice site, bool has)
{
	uint16_t s = 0;

	return has && takeover_site_serial(site, &s) == IDR_OK ? s : 0;
}

int
takeover_begin(struct reg_wtxn *w, struct slice prefix, struct slice site, uint32_t now)
{
	char handle[PFX_MAX_LEN + sizeof("0.NA/")];
	uint16_t old, own = 0;
	struct value v[5];
	struct state s;
	uint8_t *ns = NULL;
	size_t n = 0;
	int rc;

	if (takeover_site_serial(site, &own) != IDR_OK) {
		return IDR_EINVAL;
	}
	if ((rc = load(w, prefix, handle, sizeof(handle), &s)) != IDR_OK) {
		return rc;
	}
	if (s.active) {
		rc = IDR_ESTATE;
		goto out;
	}
	old = serial_of(s.site, s.has_site);
	if ((rc = with_serial(site, old > own ? old : own, &ns)) != IDR_OK) {
		goto out;
	}
	v[n++] = mkvalue(NODE_SITE_INDEX, "HS_SITE", slice_make(ns, site.len), VALUE_PERM_DEFAULT,
	                 now);
	v[n++] = mkvalue(NODE_PREFIX_SITE_INDEX, "HS_SITE.PREFIX", slice_make(ns, site.len),
	                 VALUE_PERM_DEFAULT, now);
	v[n++] = mkvalue(TAKEOVER_MARK_INDEX, TAKEOVER_MARK_TYPE, SLICE_LIT("1"), PRIV_PERMS, now);
	if (s.has_site) {
		v[n++] = mkvalue(TAKEOVER_SAVED_SITE_INDEX, TAKEOVER_SAVED_SITE_TYPE, s.site,
		                 PRIV_PERMS, now);
	}
	if (s.has_psite) {
		v[n++] = mkvalue(TAKEOVER_SAVED_PREFIX_INDEX, TAKEOVER_SAVED_PREFIX_TYPE, s.psite,
		                 PRIV_PERMS, now);
	}
	rc = reg_set_values(w, slice_cstr(handle), v, n, NULL);
out:
	free(ns);
	state_free(&s);
	return rc;
}

int
takeover_release(struct reg_wtxn *w, struct slice prefix, uint32_t now)
{
	char handle[PFX_MAX_LEN + sizeof("0.NA/")];
	uint32_t gone[5];
	uint8_t *ns = NULL, *nps = NULL;
	struct value v[2];
	struct state s;
	size_t n = 0, ngone = 0;
	uint16_t cur;
	int rc;

	if ((rc = load(w, prefix, handle, sizeof(handle), &s)) != IDR_OK) {
		return rc;
	}
	if (!s.active) {
		rc = IDR_ESTATE;
		goto out;
	}
	cur = serial_of(s.site, s.has_site);
	if (s.has_saved && takeover_site_serial(s.saved, &(uint16_t){0}) == IDR_OK) {
		uint16_t mine = serial_of(s.saved, true);

		if ((rc = with_serial(s.saved, mine > cur ? mine : cur, &ns)) != IDR_OK) {
			goto out;
		}
		v[n++] = mkvalue(NODE_SITE_INDEX, "HS_SITE", slice_make(ns, s.saved.len),
		                 VALUE_PERM_DEFAULT, now);
	} else if (s.has_saved) {
		v[n++] = mkvalue(NODE_SITE_INDEX, "HS_SITE", s.saved, VALUE_PERM_DEFAULT, now);
	} else if (s.has_site) {
		gone[ngone++] = NODE_SITE_INDEX;
	}
	if (s.has_psaved && takeover_site_serial(s.psaved, &(uint16_t){0}) == IDR_OK) {
		uint16_t mine = serial_of(s.psaved, true);

		if ((rc = with_serial(s.psaved, mine > cur ? mine : cur, &nps)) != IDR_OK) {
			goto out;
		}
		v[n++] = mkvalue(NODE_PREFIX_SITE_INDEX, "HS_SITE.PREFIX",
		                 slice_make(nps, s.psaved.len), VALUE_PERM_DEFAULT, now);
	} else if (s.has_psaved) {
		v[n++] = mkvalue(NODE_PREFIX_SITE_INDEX, "HS_SITE.PREFIX", s.psaved,
		                 VALUE_PERM_DEFAULT, now);
	} else if (s.has_psite) {
		gone[ngone++] = NODE_PREFIX_SITE_INDEX;
	}
	gone[ngone++] = TAKEOVER_MARK_INDEX;
	if (s.has_saved) {
		gone[ngone++] = TAKEOVER_SAVED_SITE_INDEX;
	}
	if (s.has_psaved) {
		gone[ngone++] = TAKEOVER_SAVED_PREFIX_INDEX;
	}
	rc = n > 0 ? reg_set_values(w, slice_cstr(handle), v, n, NULL) : IDR_OK;
	if (rc == IDR_OK) {
		rc = reg_remove_values(w, slice_cstr(handle), gone, ngone);
	}
out:
	free(ns);
	free(nps);
	state_free(&s);
	return rc;
}

int
takeover_peek(struct reg_wtxn *w, struct slice prefix, struct takeover_info *out)
{
	char handle[PFX_MAX_LEN + sizeof("0.NA/")];
	struct state s;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load(w, prefix, handle, sizeof(handle), &s)) != IDR_OK) {
		return rc;
	}
	out->active = s.active;
	out->since = s.since;
	state_free(&s);
	return IDR_OK;
}

int
takeover_get(struct reg_rtxn *t, struct slice prefix, struct takeover_info *out)
{
	char handle[PFX_MAX_LEN + sizeof("0.NA/")];
	struct rec_view rec;
	struct state s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (prefix.len == 0 || ident_zero_na(prefix, handle, sizeof(handle)) != IDR_OK) {
		return IDR_ENOENT;
	}
	if ((rc = reg_get(t, slice_cstr(handle), &rec)) != IDR_OK) {
		return rc;
	}
	if ((rc = state_read(&rec, &s)) != IDR_OK) {
		return rc;
	}
	out->active = s.active;
	out->since = s.since;
	state_free(&s);
	return IDR_OK;
}
