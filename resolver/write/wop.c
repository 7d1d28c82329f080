/* wop.c - one client's write request, applied by the writer (wop.h). */
#include "write/wop.h"

#include <stdlib.h>
#include <string.h>

#include "hdl/hdl.h"
#include "model/ident.h"

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

/* Create, replacing a record with other content when asked (OVRW). */
static int
apply_create(struct wop *op, struct reg_wtxn *t)
{
	int rc = reg_create(t, op->handle, REC_KIND_NONE, op->values, op->nvalues, 0, &op->outcome);

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
	return rc;
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
	if (rc <= -1400 && rc > -1500) {
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
