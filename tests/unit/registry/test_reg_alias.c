/*
 * test_reg_alias.c - aliases of handles (reg.h reg_alias_add/del/get/list) on the in-memory and
 * the LMDB store: add, idempotent re-add, conflicts, the reverse listing, removal, journal
 * entries (JRN_OP_ALIAS) with a passing audit, and every refused key and handle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "lib/reg_fix.h"
#include "reg.h"

#define K1 "(01)06901234567892(21)SN1"
#define K2 "urn:epc:id:sgtin:6901234.056789.SN1"
#define K3 "oid:1.2.156.3001.1"

static const char *const items[] = {"88.118/M-1", "88.118/M-2", NULL};

static int
setup_mem(void **state)
{
	return reg_fix_setup(state, false, "test_reg_alias", items);
}

static int
setup_lmdb(void **state)
{
	return reg_fix_setup(state, true, "test_reg_alias", items);
}

/* one alias write in its own transaction; @return its code, *oc its outcome */
static int
add(struct reg_fix *f, const char *alias, const char *handle, enum reg_outcome *oc, char *detail)
{
	struct reg_wtxn *w;
	int rc;

	assert_int_equal(reg_write_begin(f->reg, "local", &w), IDR_OK);
	rc = reg_alias_add(w, slice_cstr(alias), slice_cstr(handle), oc);
	if (detail != NULL) {
		snprintf(detail, 256, "%s", reg_write_detail(w));
	}
	if (rc == IDR_OK) {
		assert_int_equal(reg_write_commit(w), IDR_OK);
	} else {
		reg_write_abort(w);
	}
	return rc;
}

static int
del(struct reg_fix *f, const char *alias)
{
	struct reg_wtxn *w;
	int rc;

	assert_int_equal(reg_write_begin(f->reg, "local", &w), IDR_OK);
	rc = reg_alias_del(w, slice_cstr(alias));
	if (rc == IDR_OK) {
		assert_int_equal(reg_write_commit(w), IDR_OK);
	} else {
		reg_write_abort(w);
	}
	return rc;
}

/* the handle alias leads to, "" if none */
static const char *
get(struct reg_fix *f, const char *alias)
{
	static char out[300];
	struct reg_rtxn *t;
	struct slice h;

	out[0] = '\0';
	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	if (reg_alias_get(t, slice_cstr(alias), &h) == IDR_OK) {
		snprintf(out, sizeof(out), "%.*s", (int)h.len, (const char *)h.p);
	}
	reg_read_end(t);
	return out;
}

static int
list_cb(void *arg, struct slice alias)
{
	char *s = arg;
	size_t n = strlen(s);

	snprintf(s + n, 1024 - n, "%s%.*s", n > 0 ? "|" : "", (int)alias.len,
	         (const char *)alias.p);
	return 0;
}

static const char *
list(struct reg_fix *f, const char *handle)
{
	static char out[1024];
	struct reg_rtxn *t;

	out[0] = '\0';
	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_alias_list(t, slice_cstr(handle), list_cb, out), IDR_OK);
	reg_read_end(t);
	return out;
}

static uint64_t
changes(struct reg_fix *f)
{
	struct reg_rtxn *t;
	uint64_t seq;

	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_changes(t, &seq), IDR_OK);
	reg_read_end(t);
	return seq;
}

static int
last_op(void *arg, const struct jrn_entry *e)
{
	struct jrn_entry *last = arg;

	*last = *e;
	last->payload = slice_make(NULL, e->payload.len); /* borrowed: keep the length only */
	last->identifier = slice_make(NULL, e->identifier.len);
	return 0;
}

static void
test_reg_alias_add_get_list(void **state)
{
	struct reg_fix *f = *state;
	enum reg_outcome oc = 0;
	struct jrn_entry last;
	struct reg_rtxn *t;
	uint64_t seq = changes(f);

	assert_int_equal(add(f, K1, "88.118/m-1", &oc, NULL), IDR_OK);
	assert_int_equal(oc, REG_CREATED);
	assert_int_equal(add(f, K2, "88.118/M-1", &oc, NULL), IDR_OK);
	assert_int_equal(add(f, K3, "88.118/M-2", &oc, NULL), IDR_OK);
	assert_int_equal(changes(f), seq + 3);
	/* the registered spelling, whatever case was given */
	assert_string_equal(get(f, K1), "88.118/M-1");
	assert_string_equal(get(f, K3), "88.118/M-2");
	assert_string_equal(get(f, "oid:1.2.3"), "");
	/* sorted by key; case-insensitive handle */
	assert_string_equal(list(f, "88.118/M-1"), K1 "|" K2);
	assert_string_equal(list(f, "88.118/m-2"), K3);
	assert_string_equal(list(f, "88.118/M-3"), "");
	/* again: unchanged, nothing journaled */
	assert_int_equal(add(f, K1, "88.118/M-1", &oc, NULL), IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	assert_int_equal(changes(f), seq + 3);
	/* the journal entry: op alias, identifier the handle, payload action + key */
	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_journal_walk(t, seq + 3, last_op, &last), IDR_OK);
	reg_read_end(t);
	assert_int_equal(last.op, JRN_OP_ALIAS);
	assert_int_equal(last.identifier.len, strlen("88.118/M-2"));
	assert_int_equal(last.payload.len, 1 + strlen(K3));
	if (f->lmdb) {
		struct audit_report rep;

		memset(&rep, 0, sizeof(rep));
		assert_int_equal(audit_verify(f->reg, &rep), IDR_OK);
	}
}

static void
test_reg_alias_conflict_and_del(void **state)
{
	struct reg_fix *f = *state;
	char detail[256];
	uint64_t seq;

	assert_int_equal(add(f, K1, "88.118/M-1", NULL, NULL), IDR_OK);
	assert_int_equal(add(f, K2, "88.118/M-1", NULL, NULL), IDR_OK);
	seq = changes(f);
	assert_int_equal(add(f, K1, "88.118/M-2", NULL, detail), IDR_ECONFLICT);
	assert_string_equal(detail, K1 " is an alias of 88.118/M-1 already");
	assert_string_equal(get(f, K1), "88.118/M-1");
	assert_int_equal(changes(f), seq);

	assert_int_equal(del(f, K1), IDR_OK);
	assert_int_equal(changes(f), seq + 1);
	assert_string_equal(get(f, K1), "");
	assert_string_equal(list(f, "88.118/M-1"), K2);
	assert_int_equal(del(f, K1), IDR_ENOENT);
	assert_int_equal(changes(f), seq + 1);
	/* now free for another handle */
	assert_int_equal(add(f, K1, "88.118/M-2", NULL, NULL), IDR_OK);
	assert_string_equal(get(f, K1), "88.118/M-2");
	assert_string_equal(list(f, "88.118/M-2"), K1);
}

/* Deleting a record removes its aliases (journaled), and leaves other handles' alone. */
static void
test_reg_alias_record_deleted(void **state)
{
	struct reg_fix *f = *state;
	struct reg_wtxn *w;
	uint64_t seq;

	assert_int_equal(add(f, K1, "88.118/M-1", NULL, NULL), IDR_OK);
	assert_int_equal(add(f, K2, "88.118/M-1", NULL, NULL), IDR_OK);
	assert_int_equal(add(f, K3, "88.118/M-2", NULL, NULL), IDR_OK);
	seq = changes(f);
	assert_int_equal(reg_write_begin(f->reg, "local", &w), IDR_OK);
	assert_int_equal(reg_delete(w, SLICE_LIT("88.118/m-1")), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(changes(f), seq + 3); /* the delete and one entry per alias */
	assert_string_equal(get(f, K1), "");
	assert_string_equal(get(f, K2), "");
	assert_string_equal(list(f, "88.118/M-1"), "");
	assert_string_equal(get(f, K3), "88.118/M-2");
	if (f->lmdb) {
		struct audit_report rep;

		memset(&rep, 0, sizeof(rep));
		assert_int_equal(audit_verify(f->reg, &rep), IDR_OK);
	}
}

static void
test_reg_alias_refused(void **state)
{
	struct reg_fix *f = *state;
	char detail[256], longk[REG_ALIAS_MAX + 2], longh[REG_ALIAS_HANDLE_MAX + 2];
	struct reg_rtxn *t;
	struct slice h;
	uint64_t seq = changes(f);

	assert_int_equal(add(f, K1, "88.118/NOPE", NULL, NULL), IDR_ENOENT);
	assert_int_equal(add(f, K1, "no-slash", NULL, NULL), IDR_EID_NOSLASH);
	assert_int_equal(add(f, "", "88.118/M-1", NULL, NULL), IDR_EINVAL);
	/* not canonical: the detail names the canonical form */
	assert_int_equal(add(f,
	                     "]d20106901234567892\x1d"
	                     "21SN1",
	                     "88.118/M-1", NULL, detail),
	                 IDR_EINVAL);
	assert_string_equal(detail, "not the canonical form of the alias, " K1);
	assert_int_equal(add(f, "(01)06901234567892(10)L7(21)SN1", "88.118/M-1", NULL, detail),
	                 IDR_EINVAL);
	assert_int_equal(add(f, "88.118/M-2", "88.118/M-1", NULL, detail), IDR_EINVAL);
	assert_non_null(strstr(detail, "is a handle"));
	assert_int_equal(add(f, "oid:1..2", "88.118/M-1", NULL, detail), IDR_EINVAL);
	assert_non_null(strstr(detail, "an OID is numbers"));
	/* lengths: one past each limit */
	memcpy(longk, "ecode:", 6);
	memset(longk + 6, '1', sizeof(longk) - 7);
	longk[REG_ALIAS_MAX + 1] = '\0';
	assert_int_equal(add(f, longk, "88.118/M-1", NULL, NULL), IDR_ELIMIT);
	longk[REG_ALIAS_MAX] = '\0';
	assert_int_equal(add(f, longk, "88.118/M-1", NULL, NULL), IDR_OK);
	memcpy(longh, "88.118/", 7);
	memset(longh + 7, 'A', sizeof(longh) - 8);
	longh[REG_ALIAS_HANDLE_MAX + 1] = '\0';
	assert_int_equal(add(f, K3, longh, NULL, NULL), IDR_ELIMIT);
	assert_int_equal(changes(f), seq + 1);

	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_alias_get(t, SLICE_LIT(""), &h), IDR_EINVAL);
	assert_int_equal(reg_alias_get(t, slice_make("\0x", 2), &h), IDR_EINVAL);
	longk[REG_ALIAS_MAX] = '1';
	assert_int_equal(reg_alias_get(t, slice_make(longk, REG_ALIAS_MAX + 1), &h), IDR_ELIMIT);
	assert_int_equal(reg_alias_list(t, SLICE_LIT(""), list_cb, NULL), IDR_EINVAL);
	reg_read_end(t);
}

#define BOTH(fn)                                                                                   \
	cmocka_unit_test_setup_teardown(fn, setup_mem, reg_fix_teardown),                          \
	        cmocka_unit_test_setup_teardown(fn, setup_lmdb, reg_fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        BOTH(test_reg_alias_add_get_list),
	        BOTH(test_reg_alias_conflict_and_del),
	        BOTH(test_reg_alias_record_deleted),
	        BOTH(test_reg_alias_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
