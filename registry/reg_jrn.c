/*
 * reg_jrn.c - journal retention through the registry (reg.h): fold steps in a write
 * transaction, the retention bound, and the journal's share of the store.
 */
#include "reg.h"

#include <string.h>

#include "jrn.h"
#include "reg_int.h"
#include "store/store.h"

int
reg_journal_fold(struct reg_wtxn *w, uint64_t before, size_t max, struct jrn_fold_result *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (w->failed != IDR_OK) {
		return w->failed;
	}
	/* w->jrn is the entry scratch of appends; it is rebuilt by each, so a fold may use it */
	rc = jrn_fold(w->txn, before, max, reg_now_ms(), &w->jrn, out);
	if (rc != IDR_OK && rc != IDR_EJOURNAL && rc != IDR_ENOMEM && rc != IDR_ETOOBIG) {
		return reg_wtxn_fail(w, rc);
	}
	return rc;
}

int
reg_journal_bound(struct reg_rtxn *t, const struct jrn_retention *r, uint64_t now_ms, uint64_t *out)
{
	return jrn_bound(t->txn, r, now_ms, out);
}

int
reg_journal_info(struct reg_rtxn *t, struct reg_journal_info *out)
{
	struct store_db_stat st;
	struct jrn_head head;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&head, 0, sizeof(head));
	rc = jrn_head_load(t->txn, &head);
	if (rc == IDR_OK) {
		rc = jrn_ckpt_load(t->txn, &out->ckpt);
	}
	out->head_seq = head.seq;
	for (int db = 0; rc == IDR_OK && db < STORE_DB_COUNT; db++) {
		rc = store_db_stat(t->txn, (enum store_db)db, &st);
		if (rc != IDR_OK) {
			break;
		}
		out->store_bytes += st.bytes;
		if (db == STORE_DB_JOURNAL) {
			out->entries = st.entries;
			out->journal_bytes = st.bytes;
		}
	}
	return rc;
}
