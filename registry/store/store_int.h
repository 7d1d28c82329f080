/*
 * store_int.h - the store's backend vtable, shared by store.c (the public API and the LMDB
 * backend) and store_mem.c (the in-memory backend). Include nowhere else.
 *
 * store.c validates every argument (database, key length, flags, transaction kind and state)
 * before it calls a backend, tracks a transaction's cursors and closes them when the
 * transaction ends or is reset, and poisons a write transaction after a failed write. Backends
 * therefore see only valid calls on live transactions; they keep their own state in the `be`
 * pointers.
 */
#ifndef IDR_REGISTRY_STORE_STORE_INT_H
#define IDR_REGISTRY_STORE_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct store_ops;

struct store {
	const struct store_ops *ops;
	bool read_only;
	void *be; /* backend state */
};

struct store_txn {
	struct store *s;
	bool write;
	bool reset; /* read transaction released by store_txn_reset() */
	int err;    /* write transaction: the failure that left it only abortable */
	struct store_cursor *cursors; /* open cursors, doubly linked through next/prev */
	uint64_t reads;               /* gets and cursor moves made (store_txn_reads) */
	void *be;
};

struct store_cursor {
	struct store_txn *t; /* NULL once the transaction ended or was reset */
	enum store_db db;
	struct store_cursor *next;
	struct store_cursor *prev;
	void *be;
};

enum store_cur_op {
	STORE_CUR_SEEK,
	STORE_CUR_FIRST,
	STORE_CUR_LAST,
	STORE_CUR_NEXT,
	STORE_CUR_PREV
};

/*
 * Backend operations. open fills s->be (and frees what it allocated on failure); txn_begin
 * fills t->be from t->s and t->write; txn_commit and txn_abort end the backend transaction
 * whatever happens (a read transaction may be in the reset state); txn_reset/txn_renew only
 * see read transactions; cursor_move gets key only with STORE_CUR_SEEK.
 */
struct store_ops {
	int (*open)(struct store *s, const struct store_opts *o);
	void (*close)(struct store *s);
	int (*txn_begin)(struct store_txn *t);
	int (*txn_commit)(struct store_txn *t);
	void (*txn_abort)(struct store_txn *t);
	void (*txn_reset)(struct store_txn *t);
	int (*txn_renew)(struct store_txn *t);
	int (*get)(struct store_txn *t, enum store_db db, struct slice key, struct slice *val);
	int (*put)(struct store_txn *t, enum store_db db, struct slice key, struct slice val,
	           unsigned flags, struct slice *existing);
	int (*del)(struct store_txn *t, enum store_db db, struct slice key);
	int (*stat)(struct store_txn *t, enum store_db db, struct store_db_stat *out);
	int (*cursor_open)(struct store_cursor *c);
	void (*cursor_close)(struct store_cursor *c);
	int (*cursor_move)(struct store_cursor *c, enum store_cur_op op, struct slice key,
	                   struct slice *k, struct slice *v);
	int (*info)(struct store *s, struct store_info *out);
	int (*sync)(struct store *s);
	int (*map_adopt)(struct store *s, bool *grown); /* NULL: the map never changes size */
};

/* The in-memory backend (store_mem.c). */
extern const struct store_ops store_mem_ops;

#endif /* IDR_REGISTRY_STORE_STORE_INT_H */
