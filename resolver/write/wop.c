/* wop.c - one client's write request, applied by the writer (wop.h). */
#include "write/wop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/rbuf.h"
#include "hdl/hdl.h"
#include "model/ident.h"
#include "model/rec.h"

/* Bytes a value's slices need in the copy. */
static size_t
value_bytes(const struct value *v)
{
	return v->type.len + v->data.len + v->refs.len;
}

static struct slice
copy_slice(uint8_t **at, struct slice s)
{
	struct slice out = {*at, s.len};

	if (s.len > 0) {
		memcpy(*at, s.p, s.len);
	}
	*at += s.len;
	return out;
}

int
wop_new(struct wop **out, enum wop_kind kind, struct slice handle, const struct value *values,
        size_t nvalues, const uint32_t *indexes, size_t nindexes, const char *identity)
{
	size_t bytes = sizeof(struct wop) + handle.len + nvalues * sizeof(struct value) +
	               nindexes * sizeof(uint32_t);
	struct wop *op;
	uint8_t *at;

	if (handle.len == 0 || handle.len > IDENT_HARD_MAX || nvalues > VALUE_MAX_VALUES ||
	    nindexes > VALUE_MAX_VALUES) {
		return IDR_EINVAL;
	}
	for (size_t i = 0; i < nvalues; i++) {
		bytes += value_bytes(&values[i]);
	}
	op = calloc(1, bytes);
	if (op == NULL) {
		return IDR_ENOMEM;
	}
	/* layout: struct, values, indexes, then the bytes (no alignment needed after them) */
	op->values = nvalues > 0 ? (struct value *)(op + 1) : NULL;
	op->indexes = nindexes > 0 ? (uint32_t *)((struct value *)(op + 1) + nvalues) : NULL;
	at = (uint8_t *)((uint32_t *)((struct value *)(op + 1) + nvalues) + nindexes);
	op->kind = kind;
	op->handle = copy_slice(&at, handle);
	for (size_t i = 0; i < nvalues; i++) {
		op->values[i] = values[i];
		op->values[i].type = copy_slice(&at, values[i].type);
		op->values[i].data = copy_slice(&at, values[i].data);
		op->values[i].refs = copy_slice(&at, values[i].refs);
	}
	op->nvalues = nvalues;
	if (nindexes > 0) {
		memcpy(op->indexes, indexes, nindexes * sizeof(uint32_t));
	}
	op->nindexes = nindexes;
	if (identity != NULL) {
		size_t n = strlen(identity);

		if (n >= sizeof(op->identity)) {
			free(op);
			return IDR_EINVAL;
		}
		memcpy(op->identity, identity, n + 1);
		op->job.identity = op->identity;
	}
	op->job.apply = wop_apply;
	op->job.arg = op;
	*out = op;
	return IDR_OK;
}

void
wop_free(struct wop *op)
{
	free(op);
}

int
wop_mint(struct slice base, char *out, size_t cap)
{
	uint8_t b[16];
	char hex[33];

	if (base.len + WOP_UUID_LEN > IDENT_HARD_MAX || base.len + WOP_UUID_LEN + 1 > cap) {
		return IDR_ELIMIT;
	}
	if (crypto_random(b, sizeof(b)) != IDR_OK) {
		return IDR_ECRYPTO;
	}
	b[6] = (uint8_t)((b[6] & 0x0F) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3F) | 0x80);
	crypto_hex(b, sizeof(b), hex);
	memcpy(out, base.p, base.len);
	snprintf(out + base.len, cap - base.len, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8,
	         hex + 12, hex + 16, hex + 20);
	return IDR_OK;
}

/* Create, replacing a record with other content when asked (OVRW). */
static int
apply_create(struct wop *op, struct reg_wtxn *t)
{
	int rc = reg_create(t, op->handle, REC_KIND_NONE, op->values, op->nvalues, 0, &op->outcome);

	if (rc == IDR_OK && op->exclusive && op->outcome == REG_UNCHANGED) {
		return IDR_ECONFLICT; /* nothing was written */
	}
	if (rc != IDR_ECONFLICT || !op->overwrite) {
		return rc;
	}
	rc = reg_delete(t, op->handle);
	if (rc == IDR_OK) {
		rc = reg_create(t, op->handle, REC_KIND_NONE, op->values, op->nvalues, 0, NULL);
	}
	op->outcome = REG_UPDATED;
	return rc;
}

int
wop_apply(void *arg, struct reg_wtxn *t)
{
	struct wop *op = arg;
	int rc;

	op->outcome = REG_UPDATED;
	switch (op->kind) {
	case WOP_CREATE:
		rc = apply_create(op, t);
		break;
	case WOP_ADD:
		rc = reg_add_values(t, op->handle, op->values, op->nvalues);
		op->outcome = REG_CREATED;
		break;
	case WOP_MODIFY:
		rc = reg_modify_values(t, op->handle, op->values, op->nvalues);
		break;
	case WOP_SET:
		rc = reg_set_values(t, op->handle, op->values, op->nvalues, &op->outcome);
		break;
	case WOP_REMOVE:
		rc = reg_remove_values(t, op->handle, op->indexes, op->nindexes);
		break;
	case WOP_DELETE:
		rc = reg_delete(t, op->handle);
		break;
	default:
		rc = IDR_EINVAL;
		break;
	}
	op->rc = rc;
	op->detail[0] = '\0';
	if (rc <= IDR_ETMPL_UNKNOWN && rc >= IDR_ETMPL_RECORD && reg_write_detail(t) != NULL) {
		snprintf(op->detail, sizeof(op->detail), "%s", reg_write_detail(t));
	}
	return rc;
}

const char *
wop_message(const struct wop *op)
{
	return op->detail[0] != '\0' ? op->detail : idr_strerror(op->rc);
}

uint32_t
wop_hdl_rc(int rc)
{
	if (rc == IDR_OK) {
		return HDL_RC_SUCCESS;
	}
	if (rc <= IDR_EID_EMPTY && rc >= IDR_EID_NOSLASH) {
		return HDL_RC_INVALID_HANDLE;
	}
	if (rc <= IDR_EREC_KIND && rc >= IDR_EREC_LASTVALUE) {
		return rc == IDR_EREC_NOVALUE ? HDL_RC_VALUES_NOT_FOUND : HDL_RC_INVALID_VALUE;
	}
	if (rc <= IDR_ETMPL_UNKNOWN && rc >= IDR_ETMPL_RECORD) {
		return HDL_RC_INVALID_VALUE; /* template rules */
	}
	switch (rc) {
	case IDR_ENOENT:
		return HDL_RC_HANDLE_NOT_FOUND;
	case IDR_ECONFLICT:
		return HDL_RC_HANDLE_ALREADY_EXISTS;
	case IDR_EEXIST:
		return HDL_RC_VALUE_ALREADY_EXISTS;
	case IDR_EINVAL:
	case IDR_EUTF8:
	case IDR_ECTRL:
	case IDR_ELIMIT:
		return HDL_RC_INVALID_VALUE;
	case IDR_EPFX_UNKNOWN:
	case IDR_EPFX_DISABLED:
		return HDL_RC_SERVER_NOT_RESP;
	case IDR_EDENIED:
		return HDL_RC_INSUFFICIENT_PERMS;
	case IDR_EAGAIN:
		return HDL_RC_SERVER_BUSY;
	default:
		return HDL_RC_ERROR;
	}
}

/* The permission bits a change of values needs on the record as stored. */
static uint16_t
values_need(const struct wop *op, const struct rec_view *rec)
{
	size_t n = op->kind == WOP_REMOVE ? op->nindexes : op->nvalues;
	uint16_t need = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t index = op->kind == WOP_REMOVE ? op->indexes[i] : op->values[i].index;
		struct value v;
		struct rbuf r;
		bool found = false;

		rbuf_init(&r, rec->values.p, rec->values.len);
		while (rec_value_next(&r, &v) == IDR_OK) {
			if (v.index == index) {
				found = true;
				break;
			}
		}
		if (op->kind == WOP_REMOVE) {
			need |= found ? auth_value_perm(VALUE_ADMIN_REMOVE_VALUE, v.type) : 0;
		} else if (found && op->kind != WOP_ADD) {
			need |= auth_value_perm(VALUE_ADMIN_MODIFY_VALUE, v.type);
			need |= auth_value_perm(VALUE_ADMIN_MODIFY_VALUE, op->values[i].type);
		} else {
			need |= auth_value_perm(VALUE_ADMIN_ADD_VALUE, op->values[i].type);
		}
	}
	if (need != 0) {
		return need;
	}
	return op->kind == WOP_REMOVE ? VALUE_ADMIN_REMOVE_VALUE : VALUE_ADMIN_MODIFY_VALUE;
}

int
wop_authorize(const struct wop *op, struct reg_rtxn *t, const struct auth_id *id, bool node_admin,
              bool *exists)
{
	struct rec_view rec;
	bool there;
	int rc = reg_get(t, op->handle, &rec);

	if (rc != IDR_OK && rc != IDR_ENOENT) {
		return rc;
	}
	there = rc == IDR_OK;
	if (exists != NULL) {
		*exists = there;
	}
	if (!there && op->kind != WOP_CREATE) {
		return IDR_ENOENT;
	}
	if (node_admin) {
		return IDR_OK;
	}
	if (op->kind == WOP_CREATE) {
		char authority[IDENT_HARD_MAX + 8];
		uint16_t add;

		rc = auth_create_authority(op->handle, authority, sizeof(authority), &add);
		if (rc == IDR_OK) {
			rc = auth_allowed(t, id, slice_cstr(authority), add);
		}
		if (rc != IDR_OK || !there) {
			return rc;
		}
		return auth_allowed(t, id, op->handle,
		                    VALUE_ADMIN_DELETE_HANDLE); /* replacing it */
	}
	if (op->kind == WOP_DELETE) {
		return auth_allowed(t, id, op->handle, VALUE_ADMIN_DELETE_HANDLE);
	}
	return auth_allowed(t, id, op->handle, values_need(op, &rec));
}
