/*
 * test_reg.c - the identifier registry (reg.h): init/open, prefixes, records, listing,
 * counters, journal and audit. Every test runs twice, on the in-memory store and on LMDB in a
 * mkdtemp directory (removed in teardown); the map-full test runs on LMDB only.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "base/crypto.h"
#include "jrn.h"
#include "model/rec.h"
#include "model/value.h"
#include "reg.h"
#include "store/store.h"

#define NODE    "88.118"
#define ENT     "88.118.8"
#define OWNER   "Acme 制造"
#define MAXJ    512
#define MAXVALS 64

struct fx {
	bool memory;
	char dir[64];
	char data[96];
	struct reg *r;
};

static struct reg_opts
fx_opts(const struct fx *f)
{
	struct reg_opts o;

	memset(&o, 0, sizeof(o));
	o.memory = f->memory;
	o.data_dir = f->data;
	return o;
}

/* Remove a directory holding only files (the LMDB data directory) and the directory. */
static void
rm_dir(const char *path)
{
	struct dirent *de;
	char sub[512];
	DIR *d = opendir(path);

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) < (int)sizeof(sub)) {
			(void)unlink(sub);
		}
	}
	if (d != NULL) {
		closedir(d);
	}
	(void)rmdir(path);
}

static int
fx_setup(void **state, bool memory, uint64_t map_size)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct reg_opts o;

	assert_non_null(f);
	f->memory = memory;
	assert_true(snprintf(f->dir, sizeof(f->dir), "/tmp/test_reg.XXXXXX") < (int)sizeof(f->dir));
	assert_non_null(mkdtemp(f->dir));
	assert_true(snprintf(f->data, sizeof(f->data), "%s/data", f->dir) < (int)sizeof(f->data));
	o = fx_opts(f);
	o.map_size = map_size;
	assert_int_equal(reg_init(&f->r, &o, NODE, "Node operator"), IDR_OK);
	*state = f;
	return 0;
}

static int
setup_mem(void **state)
{
	return fx_setup(state, true, 0);
}

static int
setup_lmdb(void **state)
{
	return fx_setup(state, false, 64ULL << 20);
}

static int
setup_lmdb_tiny(void **state)
{
	return fx_setup(state, false, 256ULL << 10);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	reg_close(f->r);
	rm_dir(f->data);
	rm_dir(f->dir);
	free(f);
	return 0;
}

/* ---------------------------------------------------------------- helpers */

static struct value
val(uint32_t index, const char *type, const char *data)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = slice_cstr(type);
	v.data = slice_cstr(data);
	return v;
}

static struct reg_wtxn *
wbegin(struct fx *f)
{
	struct reg_wtxn *w = NULL;

	assert_int_equal(reg_write_begin(f->r, "tester", &w), IDR_OK);
	return w;
}

/* One create in its own transaction (committed on success). */
static int
create1(struct fx *f, const char *id, enum rec_kind kind, const struct value *v, size_t n,
        enum reg_outcome *oc)
{
	struct reg_wtxn *w = wbegin(f);
	int rc = reg_create(w, slice_cstr(id), kind, v, n, 0, oc);

	if (rc == IDR_OK) {
		assert_int_equal(reg_write_commit(w), IDR_OK);
	} else {
		assert_int_equal(reg_write_changes(w), 0);
		reg_write_abort(w);
	}
	return rc;
}

static void
must_create(struct fx *f, const char *id, enum rec_kind kind, const char *url)
{
	struct value v = val(1, "URL", url);
	enum reg_outcome oc = 0;

	assert_int_equal(create1(f, id, kind, &v, 1, &oc), IDR_OK);
	assert_int_equal(oc, REG_CREATED);
}

static void
add_prefix(struct fx *f, const char *p, int state)
{
	struct reg_wtxn *w = wbegin(f);
	enum reg_outcome oc = 0;

	assert_int_equal(reg_prefix_add(w, slice_cstr(p), slice_cstr(OWNER), state, &oc), IDR_OK);
	assert_int_equal(oc, REG_CREATED);
	assert_int_equal(reg_write_commit(w), IDR_OK);
}

static void
set_state(struct fx *f, const char *p, int state)
{
	struct reg_wtxn *w = wbegin(f);

	assert_int_equal(reg_prefix_set_state(w, slice_cstr(p), state), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
}

/* A record read in its own read transaction, with its values decoded. */
struct got {
	struct reg_rtxn *t;
	struct rec_view view;
	struct value vals[MAXVALS];
	size_t n;
};

static int
got_load(struct fx *f, const char *id, struct got *g)
{
	int rc;

	memset(g, 0, sizeof(*g));
	assert_int_equal(reg_read_begin(f->r, &g->t), IDR_OK);
	rc = reg_get(g->t, slice_cstr(id), &g->view);
	if (rc == IDR_OK) {
		assert_int_equal(rec_values(&g->view, g->vals, MAXVALS, &g->n), IDR_OK);
	}
	return rc;
}

static void
got_end(struct got *g)
{
	reg_read_end(g->t);
	g->t = NULL;
}

static const struct value *
got_value(const struct got *g, uint32_t index)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (g->vals[i].index == index) {
			return &g->vals[i];
		}
	}
	return NULL;
}

static bool
slice_is(struct slice s, const char *text)
{
	return slice_eq(s, slice_cstr(text));
}

static bool
has_record(struct fx *f, const char *id)
{
	struct got g;
	int rc = got_load(f, id, &g);

	got_end(&g);
	assert_true(rc == IDR_OK || rc == IDR_ENOENT);
	return rc == IDR_OK;
}

/* Journal entries copied out of the store. */
struct jent {
	uint64_t seq;
	int op;
	char identity[64];
	char identifier[640];
	uint8_t *payload;
	size_t paylen;
	uint8_t change_hash[32];
	uint8_t prev_hash[32];
};

struct jlist {
	size_t n;
	struct jent e[MAXJ];
};

static int
jcollect_cb(void *arg, const struct jrn_entry *e)
{
	struct jlist *l = arg;
	struct jent *j;

	assert_true(l->n < MAXJ);
	j = &l->e[l->n++];
	j->seq = e->seq;
	j->op = e->op;
	assert_int_equal(slice_to_cstr(e->identity, j->identity, sizeof(j->identity)), IDR_OK);
	assert_int_equal(slice_to_cstr(e->identifier, j->identifier, sizeof(j->identifier)),
	                 IDR_OK);
	j->paylen = e->payload.len;
	j->payload = malloc(e->payload.len + 1);
	assert_non_null(j->payload);
	if (e->payload.len > 0) {
		memcpy(j->payload, e->payload.p, e->payload.len);
	}
	memcpy(j->change_hash, e->change_hash, 32);
	memcpy(j->prev_hash, e->prev_hash, 32);
	return 0;
}

static struct jlist *
jcollect(struct fx *f, uint64_t from)
{
	struct jlist *l = calloc(1, sizeof(*l));
	struct reg_rtxn *t;

	assert_non_null(l);
	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	assert_int_equal(reg_journal_walk(t, from, jcollect_cb, l), IDR_OK);
	reg_read_end(t);
	return l;
}

static void
jfree(struct jlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->e[i].payload);
	}
	free(l);
}

static uint64_t
jcount(struct fx *f)
{
	struct jlist *l = jcollect(f, 1);
	uint64_t n = l->n;

	jfree(l);
	return n;
}

/* Store-level access for tampering (bypasses the journal on purpose). */
static void
raw_put(struct fx *f, enum store_db db, struct slice key, struct slice v)
{
	struct store_txn *t;

	assert_int_equal(store_txn_begin(reg_store(f->r), STORE_TXN_WRITE, &t), IDR_OK);
	assert_int_equal(store_put(t, db, key, v, 0, NULL), IDR_OK);
	assert_int_equal(store_txn_commit(t), IDR_OK);
}

static void
raw_del(struct fx *f, enum store_db db, struct slice key)
{
	struct store_txn *t;

	assert_int_equal(store_txn_begin(reg_store(f->r), STORE_TXN_WRITE, &t), IDR_OK);
	assert_int_equal(store_del(t, db, key), IDR_OK);
	assert_int_equal(store_txn_commit(t), IDR_OK);
}

/* Copy of a stored value (caller frees). */
static uint8_t *
raw_get(struct fx *f, enum store_db db, struct slice key, size_t *len)
{
	struct store_txn *t;
	struct slice v;
	uint8_t *copy;

	assert_int_equal(store_txn_begin(reg_store(f->r), STORE_TXN_READ, &t), IDR_OK);
	assert_int_equal(store_get(t, db, key, &v), IDR_OK);
	copy = malloc(v.len + 1);
	assert_non_null(copy);
	memcpy(copy, v.p, v.len);
	*len = v.len;
	store_txn_abort(t);
	return copy;
}

static struct slice
jkey(uint64_t seq, uint8_t buf[JRN_KEY_LEN])
{
	jrn_key(seq, buf);
	return slice_make(buf, JRN_KEY_LEN);
}

static void
audit_ok(struct fx *f)
{
	struct audit_report a;
	int rc = audit_verify(f->r, &a);

	if (rc != IDR_OK) {
		print_error("audit: %s (bad_seq %llu)\n", a.reason, (unsigned long long)a.bad_seq);
	}
	assert_int_equal(rc, IDR_OK);
	assert_int_equal(a.bad_seq, 0);
}

/* ---------------------------------------------------------------- init and open */

static void
test_reg_init_reopen(void **state)
{
	struct fx *f = *state;
	struct reg_opts o = fx_opts(f);
	struct reg *r2 = NULL;
	struct reg_rtxn *t;
	struct pfx_info p;
	struct jlist *l;
	struct got g;
	struct value_admin adm;

	assert_string_equal(reg_node_prefix(f->r), NODE);
	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	assert_int_equal(reg_prefix_get(t, SLICE_LIT(NODE), &p), IDR_OK);
	assert_true(p.node);
	assert_int_equal(p.state, PFX_ENABLED);
	assert_true(slice_is(p.owner, "Node operator"));
	assert_true(p.created > 1600000000);
	reg_read_end(t);

	/* the node prefix handle with HS_ADMIN naming itself */
	assert_int_equal(got_load(f, "0.na/88.118", &g), IDR_OK);
	assert_true(slice_is(g.view.handle, "0.NA/" NODE));
	assert_int_equal(g.view.kind, REC_KIND_NONE);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.vals[0].index, VALUE_INDEX_ADMIN);
	assert_true(slice_is(g.vals[0].type, "HS_ADMIN"));
	assert_int_equal(value_admin_decode(g.vals[0].data, &adm), IDR_OK);
	assert_int_equal(adm.perms, VALUE_ADMIN_ALL);
	assert_true(slice_is(adm.handle, "0.NA/" NODE));
	assert_int_equal(adm.index, 300);
	got_end(&g);

	l = jcollect(f, 1);
	assert_int_equal(l->n, 2);
	assert_int_equal(l->e[0].op, JRN_OP_INIT);
	assert_string_equal(l->e[0].identifier, NODE);
	assert_string_equal(l->e[0].identity, REG_IDENTITY_LOCAL);
	assert_int_equal(l->e[1].op, JRN_OP_CREATE);
	assert_string_equal(l->e[1].identifier, "0.NA/" NODE);
	jfree(l);

	/* a second registry over the same store sees the same node */
	assert_int_equal(reg_open_store(&r2, reg_store(f->r), &o), IDR_OK);
	assert_string_equal(reg_node_prefix(r2), NODE);
	reg_close(r2);
	if (!f->memory) {
		/* init again: same prefix (other case) is idempotent, another one is refused */
		reg_close(f->r);
		f->r = NULL;
		assert_int_equal(reg_init(&r2, &o, "88.118", "x"), IDR_OK);
		reg_close(r2);
		assert_int_equal(reg_init(&r2, &o, "88.119", "x"), IDR_EPFX_DIFFNODE);
		assert_null(r2);
		assert_int_equal(reg_open(&f->r, &o), IDR_OK);
		assert_string_equal(reg_node_prefix(f->r), NODE);
		assert_int_equal(jcount(f), 2);
	}
	audit_ok(f);
}

static void
test_reg_open_uninitialised(void **state)
{
	struct fx *f = *state;
	struct reg_opts o = fx_opts(f);
	struct reg *r2 = (struct reg *)1;
	char none[128];

	assert_true(snprintf(none, sizeof(none), "%s/none", f->dir) < (int)sizeof(none));
	o.data_dir = none;
	assert_int_equal(reg_open(&r2, &o), IDR_ENOTINIT);
	assert_null(r2);
	/* init refuses bad node prefixes and owners before touching anything */
	assert_int_equal(reg_init(&r2, &o, "88..1", "x"), IDR_EID_SEGMENT);
	assert_int_equal(reg_init(&r2, &o, "88.1/x", "x"), IDR_EID_NOTPREFIX);
	assert_int_equal(reg_init(&r2, &o, "88.1", "bad\001owner"), IDR_ECTRL);
	assert_int_equal(reg_init(&r2, &o, "88.1", "\xff"), IDR_EUTF8);
	if (!f->memory) {
		assert_int_equal(access(none, F_OK), -1);
	}
}

static void
test_reg_schema_check(void **state)
{
	struct fx *f = *state;
	struct reg_opts o = fx_opts(f);
	uint8_t v2[4] = {0, 0, 0, 2};
	struct reg *r2 = NULL;

	raw_put(f, STORE_DB_META, SLICE_LIT("schema"), slice_make(v2, 4));
	assert_int_equal(reg_open_store(&r2, reg_store(f->r), &o), IDR_ESCHEMA);
	assert_null(r2);
	raw_put(f, STORE_DB_META, SLICE_LIT("schema"), slice_make(v2, 3));
	assert_int_equal(reg_open_store(&r2, reg_store(f->r), &o), IDR_ESCHEMA);
	if (!f->memory) {
		raw_put(f, STORE_DB_META, SLICE_LIT("schema"), slice_make(v2, 4));
		reg_close(f->r);
		f->r = NULL;
		assert_int_equal(reg_open(&f->r, &o), IDR_ESCHEMA);
		assert_null(f->r);
		assert_int_equal(reg_init(&f->r, &o, NODE, "x"), IDR_ESCHEMA);
		assert_null(f->r);
		o.memory = true; /* keep teardown simple: an empty registry */
		assert_int_equal(reg_init(&f->r, &o, NODE, "x"), IDR_OK);
		return;
	}
	raw_del(f, STORE_DB_META, SLICE_LIT("schema"));
	assert_int_equal(reg_open_store(&r2, reg_store(f->r), &o), IDR_ENOTINIT);
}

/* ---------------------------------------------------------------- prefixes */

struct plist {
	size_t n;
	char names[16][32];
	int states[16];
	bool node[16];
};

static int
plist_cb(void *arg, const struct pfx_info *p)
{
	struct plist *l = arg;

	assert_true(l->n < 16);
	assert_int_equal(slice_to_cstr(p->name, l->names[l->n], 32), IDR_OK);
	l->states[l->n] = p->state;
	l->node[l->n] = p->node;
	l->n++;
	return 0;
}

static void
plist_load(struct fx *f, struct plist *l)
{
	struct reg_rtxn *t;

	memset(l, 0, sizeof(*l));
	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	assert_int_equal(reg_prefix_list(t, plist_cb, l), IDR_OK);
	reg_read_end(t);
}

static void
test_reg_prefix_add_list(void **state)
{
	struct fx *f = *state;
	struct reg_wtxn *w;
	enum reg_outcome oc = 0;
	struct reg_rtxn *t;
	struct pfx_info p;
	struct plist l;
	struct jlist *j;
	struct got g;
	struct value_admin adm;

	add_prefix(f, ENT, PFX_ENABLED);
	add_prefix(f, "88.118.Ab", PFX_PENDING);
	w = wbegin(f);
	assert_int_equal(
	        reg_prefix_add(w, SLICE_LIT("88.118.aB"), SLICE_LIT(OWNER), PFX_PENDING, &oc),
	        IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	assert_int_equal(reg_prefix_add(w, SLICE_LIT(ENT), SLICE_LIT("Other Co"), PFX_ENABLED, &oc),
	                 IDR_ECONFLICT);
	assert_int_equal(reg_prefix_add(w, SLICE_LIT(ENT), SLICE_LIT(OWNER), PFX_DISABLED, &oc),
	                 IDR_ECONFLICT);
	assert_int_equal(reg_write_changes(w), 0);
	assert_int_equal(reg_write_commit(w), IDR_OK);

	plist_load(f, &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.names[0], NODE);
	assert_true(l.node[0]);
	assert_string_equal(l.names[1], ENT);
	assert_false(l.node[1]);
	assert_int_equal(l.states[1], PFX_ENABLED);
	assert_string_equal(l.names[2], "88.118.Ab"); /* spelling as added */
	assert_int_equal(l.states[2], PFX_PENDING);

	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	assert_int_equal(reg_prefix_get(t, SLICE_LIT("88.118.AB"), &p), IDR_OK);
	assert_true(slice_is(p.owner, OWNER));
	assert_true(p.created > 0 && p.changed == p.created);
	assert_int_equal(reg_prefix_get(t, SLICE_LIT("88.118.9"), &p), IDR_ENOENT);
	assert_int_equal(reg_prefix_check(t, SLICE_LIT(ENT)), IDR_OK);
	assert_int_equal(reg_prefix_check(t, SLICE_LIT("88.118.ab")), IDR_EPFX_DISABLED);
	assert_int_equal(reg_prefix_check(t, SLICE_LIT("88.118.9")), IDR_EPFX_UNKNOWN);
	assert_int_equal(reg_prefix_check(t, SLICE_LIT(NODE)), IDR_OK);
	reg_read_end(t);

	/* each hosted prefix has its prefix handle, also when not enabled */
	assert_int_equal(got_load(f, "0.NA/88.118.ab", &g), IDR_OK);
	assert_true(slice_is(g.view.handle, "0.NA/88.118.Ab"));
	assert_int_equal(g.n, 1);
	assert_int_equal(value_admin_decode(g.vals[0].data, &adm), IDR_OK);
	assert_int_equal(adm.perms, VALUE_ADMIN_ALL);
	assert_true(slice_is(adm.handle, "0.NA/88.118.Ab"));
	assert_int_equal(adm.index, 300);
	assert_int_equal(g.vals[0].perms, VALUE_PERM_DEFAULT);
	got_end(&g);

	j = jcollect(f, 3);
	assert_int_equal(j->n, 4);
	assert_int_equal(j->e[0].op, JRN_OP_PREFIX);
	assert_string_equal(j->e[0].identifier, ENT);
	assert_string_equal(j->e[0].identity, "tester");
	assert_int_equal(j->e[1].op, JRN_OP_CREATE);
	assert_string_equal(j->e[1].identifier, "0.NA/" ENT);
	assert_int_equal(j->e[2].op, JRN_OP_PREFIX);
	assert_int_equal(j->e[3].op, JRN_OP_CREATE);
	jfree(j);
	audit_ok(f);
}

static void
test_reg_prefix_rules(void **state)
{
	static const struct {
		const char *prefix;
		const char *owner;
		int state;
		int rc;
	} cases[] = {
	        {"88.119.1", OWNER, 1, IDR_EPFX_NOTBELOW},
	        {"88.1180.1", OWNER, 1, IDR_EPFX_NOTBELOW},
	        {"88", OWNER, 1, IDR_EPFX_NOTBELOW},
	        {"99.118.8", OWNER, 1, IDR_EPFX_NOTBELOW},
	        {"88.118", OWNER, 1, IDR_EPFX_NODE},
	        {"88.118.", OWNER, 1, IDR_EID_SEGMENT},
	        {"88..118", OWNER, 1, IDR_EID_SEGMENT},
	        {"88.118.8/x", OWNER, 1, IDR_EID_NOTPREFIX},
	        {"", OWNER, 1, IDR_EID_EMPTY},
	        {"88.118.a b", OWNER, 1, IDR_EID_PREFIXCHAR},
	        {"88.118.\xc3\xa9", OWNER, 1, IDR_EID_PREFIXCHAR},
	        {ENT, OWNER, 6, IDR_EPFX_STATE},
	        {ENT, OWNER, -1, IDR_EPFX_STATE},
	        {ENT, "tab\there", 1, IDR_ECTRL},
	        {ENT, "bad \xc0\xaf", 1, IDR_EUTF8},
	};
	struct fx *f = *state;
	char longp[PFX_MAX_LEN + 16], longo[1100];
	struct reg_wtxn *w;
	enum reg_outcome oc = 0;
	struct plist l;
	size_t i;

	w = wbegin(f);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = reg_prefix_add(w, slice_cstr(cases[i].prefix), slice_cstr(cases[i].owner),
		                        cases[i].state, &oc);

		if (rc != cases[i].rc) {
			print_error("case %zu (%s): %d\n", i, cases[i].prefix, rc);
		}
		assert_int_equal(rc, cases[i].rc);
	}
	memset(longp, 'a', sizeof(longp));
	memcpy(longp, "88.118.", 7);
	longp[PFX_MAX_LEN + 1] = '\0';
	assert_int_equal(reg_prefix_add(w, slice_cstr(longp), SLICE_LIT(OWNER), 1, &oc),
	                 IDR_ELIMIT);
	memset(longo, 'o', sizeof(longo));
	longo[sizeof(longo) - 1] = '\0';
	assert_int_equal(reg_prefix_add(w, SLICE_LIT(ENT), slice_cstr(longo), 1, &oc), IDR_ELIMIT);
	assert_int_equal(reg_write_changes(w), 0);
	/* the failures left the transaction usable */
	assert_int_equal(reg_prefix_add(w, SLICE_LIT("88.118.8.1"), SLICE_LIT(""), 1, &oc), IDR_OK);
	assert_int_equal(oc, REG_CREATED);
	assert_int_equal(reg_write_changes(w), 2);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	plist_load(f, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.names[1], "88.118.8.1");
	audit_ok(f);
}

static void
test_reg_prefix_state(void **state)
{
	struct fx *f = *state;
	struct value v = val(1, "URL", "https://example.com");
	struct reg_wtxn *w;
	struct reg_rtxn *t;
	struct pfx_info p;
	enum reg_outcome oc;
	uint64_t before;
	int st = -1;

	add_prefix(f, ENT, PFX_ENABLED);
	set_state(f, ENT, PFX_DISABLED);
	assert_int_equal(create1(f, ENT "/P-1", REC_KIND_PART, &v, 1, NULL), IDR_EPFX_DISABLED);
	set_state(f, ENT, PFX_DELETING);
	assert_int_equal(create1(f, ENT "/P-1", REC_KIND_PART, &v, 1, NULL), IDR_EPFX_DISABLED);
	set_state(f, ENT, PFX_ENABLED);
	assert_int_equal(create1(f, ENT "/P-1", REC_KIND_PART, &v, 1, NULL), IDR_OK);
	/* once the prefix is closed, an identical create is still an idempotent success (an
	 * import re-run), a different one names the prefix rule, and nothing is written */
	set_state(f, ENT, PFX_DISABLED);
	before = jcount(f);
	oc = 0;
	assert_int_equal(create1(f, ENT "/P-1", REC_KIND_PART, &v, 1, &oc), IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	assert_int_equal(create1(f, ENT "/P-1", REC_KIND_WIP, &v, 1, &oc), IDR_EPFX_DISABLED);
	assert_int_equal(create1(f, ENT "/P-9", REC_KIND_PART, &v, 1, &oc), IDR_EPFX_DISABLED);
	assert_int_equal(jcount(f), before);
	set_state(f, ENT, PFX_ENABLED);

	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	assert_int_equal(reg_prefix_get(t, SLICE_LIT(ENT), &p), IDR_OK);
	assert_int_equal(p.state, PFX_ENABLED);
	assert_true(p.changed >= p.created);
	reg_read_end(t);

	before = jcount(f);
	w = wbegin(f);
	assert_int_equal(reg_prefix_set_state(w, SLICE_LIT(ENT), PFX_ENABLED), IDR_OK);
	assert_int_equal(reg_write_changes(w), 0);
	assert_int_equal(reg_prefix_set_state(w, SLICE_LIT(NODE), PFX_DISABLED), IDR_EPFX_NODE);
	assert_int_equal(reg_prefix_set_state(w, SLICE_LIT("88.118.9"), 1), IDR_EPFX_UNKNOWN);
	assert_int_equal(reg_prefix_set_state(w, SLICE_LIT(ENT), 7), IDR_EPFX_STATE);
	assert_int_equal(reg_prefix_set_state(w, SLICE_LIT("88..9"), 1), IDR_EID_SEGMENT);
	/* state change and a create under the new state in one transaction */
	assert_int_equal(reg_prefix_set_state(w, SLICE_LIT(ENT), PFX_DISABLED), IDR_OK);
	assert_int_equal(reg_create(w, SLICE_LIT(ENT "/P-2"), REC_KIND_PART, &v, 1, 0, NULL),
	                 IDR_EPFX_DISABLED);
	assert_int_equal(reg_write_changes(w), 1);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(jcount(f), before + 1);

	assert_string_equal(pfx_state_name(PFX_REVIEWING), "reviewing");
	assert_string_equal(pfx_state_label(PFX_ENABLED), "启用");
	assert_null(pfx_state_name(6));
	assert_null(pfx_state_label(-1));
	assert_int_equal(pfx_state_parse("4", &st), IDR_OK);
	assert_int_equal(st, PFX_PENDING);
	assert_int_equal(pfx_state_parse("Disabled", &st), IDR_OK);
	assert_int_equal(st, PFX_DISABLED);
	assert_int_equal(pfx_state_parse("被驳回", &st), IDR_OK);
	assert_int_equal(st, PFX_REJECTED);
	assert_int_equal(pfx_state_parse("6", &st), IDR_EPFX_STATE);
	assert_int_equal(pfx_state_parse("", &st), IDR_EPFX_STATE);
	assert_int_equal(pfx_state_parse(NULL, &st), IDR_EPFX_STATE);
	audit_ok(f);
}

/* An owner from restored data: taken by a prefix without one, the same is unchanged, another
 * is a conflict and kept; state and times stay. */
static void
test_reg_prefix_adopt_owner(void **state)
{
	struct fx *f = *state;
	struct slice cur = SLICE_LIT("x");
	struct reg_wtxn *w;
	struct reg_rtxn *t;
	struct pfx_info p;
	enum reg_outcome oc = 0;
	uint64_t before;

	w = wbegin(f);
	assert_int_equal(reg_prefix_add(w, SLICE_LIT(ENT), SLICE_LIT(""), PFX_DISABLED, &oc),
	                 IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	before = jcount(f);
	w = wbegin(f);
	assert_int_equal(reg_prefix_adopt_owner(w, SLICE_LIT(ENT), SLICE_LIT(OWNER), &cur, &oc),
	                 IDR_OK);
	assert_int_equal(oc, REG_UPDATED);
	assert_int_equal(cur.len, 0);
	assert_int_equal(
	        reg_prefix_adopt_owner(w, SLICE_LIT("88.118.8"), SLICE_LIT(OWNER), &cur, &oc),
	        IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	assert_int_equal(reg_prefix_adopt_owner(w, SLICE_LIT(ENT), SLICE_LIT("other"), &cur, &oc),
	                 IDR_ECONFLICT);
	assert_true(slice_eq(cur, SLICE_LIT(OWNER)));
	/* the node prefix has its owner from reg_init */
	assert_int_equal(reg_prefix_adopt_owner(w, SLICE_LIT(NODE), SLICE_LIT("other"), NULL, &oc),
	                 IDR_ECONFLICT);
	assert_int_equal(
	        reg_prefix_adopt_owner(w, SLICE_LIT(NODE), SLICE_LIT("Node operator"), NULL, &oc),
	        IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	assert_int_equal(
	        reg_prefix_adopt_owner(w, SLICE_LIT("88.118.9"), SLICE_LIT("o"), NULL, &oc),
	        IDR_EPFX_UNKNOWN);
	assert_int_equal(reg_prefix_adopt_owner(w, SLICE_LIT("88..9"), SLICE_LIT("o"), NULL, &oc),
	                 IDR_EID_SEGMENT);
	assert_int_equal(reg_prefix_adopt_owner(w, SLICE_LIT(ENT), SLICE_LIT("a\x01"), NULL, &oc),
	                 IDR_ECTRL);
	assert_int_equal(reg_write_changes(w), 1);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(jcount(f), before + 1);

	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	assert_int_equal(reg_prefix_get(t, SLICE_LIT(ENT), &p), IDR_OK);
	assert_true(slice_eq(p.owner, SLICE_LIT(OWNER)));
	assert_int_equal(p.state, PFX_DISABLED);
	assert_false(p.node);
	reg_read_end(t);
	audit_ok(f);
}

/* ---------------------------------------------------------------- records */

static void
test_reg_create_get(void **state)
{
	struct fx *f = *state;
	struct value vals[2] = {val(2, "EMAIL", "qa@example.com"), val(1, "URL", "https://x.cn")};
	struct value_admin adm;
	enum reg_outcome oc = 0;
	const struct value *v;
	struct jlist *j;
	struct got g;
	uint32_t now = (uint32_t)time(NULL);

	add_prefix(f, ENT, PFX_ENABLED);
	assert_int_equal(create1(f, ENT "/P-Abc", REC_KIND_PART, vals, 2, &oc), IDR_OK);
	assert_int_equal(oc, REG_CREATED);

	assert_int_equal(got_load(f, "88.118.8/p-aBC", &g), IDR_OK);
	assert_true(slice_is(g.view.handle, ENT "/P-Abc"));
	assert_int_equal(g.view.kind, REC_KIND_PART);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.vals[0].index, 1);
	assert_int_equal(g.vals[1].index, 2);
	assert_true(g.vals[0].timestamp + 5 >= now);
	v = got_value(&g, REC_KIND_INDEX);
	assert_non_null(v);
	assert_true(slice_is(v->type, REC_KIND_TYPE));
	assert_true(slice_is(v->data, "part"));
	v = got_value(&g, VALUE_INDEX_ADMIN);
	assert_non_null(v);
	assert_int_equal(value_admin_decode(v->data, &adm), IDR_OK);
	assert_int_equal(adm.perms, 0x0FF3);
	assert_true(slice_is(adm.handle, "0.NA/" ENT));
	assert_int_equal(adm.index, 300);
	got_end(&g);

	/* header seq names the journal entry, whose payload is the stored record */
	j = jcollect(f, 1);
	assert_int_equal(got_load(f, ENT "/P-ABC", &g), IDR_OK);
	assert_int_equal(g.view.seq, j->e[j->n - 1].seq);
	assert_int_equal(j->e[j->n - 1].op, JRN_OP_CREATE);
	assert_string_equal(j->e[j->n - 1].identifier, ENT "/P-Abc");
	assert_int_equal(j->e[j->n - 1].paylen, REC_HDR_LEN + g.view.body.len);
	assert_memory_equal(j->e[j->n - 1].payload + REC_HDR_LEN, g.view.body.p, g.view.body.len);
	got_end(&g);
	jfree(j);

	/* records under the node prefix itself; kind NONE gets no kind value */
	assert_int_equal(create1(f, NODE "/doc", REC_KIND_NONE, vals, 1, &oc), IDR_OK);
	assert_int_equal(got_load(f, NODE "/DOC", &g), IDR_OK);
	assert_int_equal(g.view.kind, REC_KIND_NONE);
	assert_int_equal(g.n, 2);
	assert_null(got_value(&g, REC_KIND_INDEX));
	got_end(&g);

	assert_int_equal(got_load(f, ENT "/none", &g), IDR_ENOENT);
	got_end(&g);
	assert_int_equal(got_load(f, ENT "/", &g), IDR_EID_NOSUFFIX);
	got_end(&g);
	assert_int_equal(got_load(f, "88.118.8", &g), IDR_EID_NOSLASH);
	got_end(&g);
	audit_ok(f);
}

static void
test_reg_create_idempotent(void **state)
{
	struct fx *f = *state;
	struct value v = val(1, "URL", "https://x.cn/1");
	enum reg_outcome oc = 0;
	struct reg_wtxn *w;
	uint64_t before;
	struct got g;

	add_prefix(f, ENT, PFX_ENABLED);
	v.timestamp = 1000;
	w = wbegin(f);
	assert_int_equal(reg_create(w, SLICE_LIT(ENT "/Lot-7"), REC_KIND_LOT, &v, 1,
	                            REG_KEEP_TIMESTAMPS, &oc),
	                 IDR_OK);
	assert_int_equal(oc, REG_CREATED);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	before = jcount(f);

	/* other timestamps and another spelling: same content, nothing written */
	v.timestamp = 2000;
	w = wbegin(f);
	assert_int_equal(reg_create(w, SLICE_LIT(ENT "/LOT-7"), REC_KIND_LOT, &v, 1,
	                            REG_KEEP_TIMESTAMPS, &oc),
	                 IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	assert_int_equal(reg_create(w, SLICE_LIT(ENT "/lot-7"), REC_KIND_LOT, &v, 1, 0, &oc),
	                 IDR_OK);
	assert_int_equal(oc, REG_UNCHANGED);
	assert_int_equal(reg_write_changes(w), 0);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(jcount(f), before);

	assert_int_equal(got_load(f, ENT "/lot-7", &g), IDR_OK);
	assert_int_equal(got_value(&g, 1)->timestamp, 1000);
	assert_true(slice_is(g.view.handle, ENT "/Lot-7"));
	got_end(&g);
	audit_ok(f);
}

static void
test_reg_create_conflict(void **state)
{
	struct fx *f = *state;
	struct value v = val(1, "URL", "https://x.cn/1");
	struct value v2 = val(1, "URL", "https://x.cn/2");
	enum reg_outcome oc = 0;
	struct reg_wtxn *w;
	uint64_t before;
	struct got g;

	add_prefix(f, ENT, PFX_ENABLED);
	must_create(f, ENT "/W-1", REC_KIND_WIP, "https://x.cn/1");
	before = jcount(f);
	w = wbegin(f);
	assert_int_equal(reg_create(w, SLICE_LIT(ENT "/W-1"), REC_KIND_WIP, &v2, 1, 0, &oc),
	                 IDR_ECONFLICT);
	assert_int_equal(reg_create(w, SLICE_LIT(ENT "/w-1"), REC_KIND_PART, &v, 1, 0, &oc),
	                 IDR_ECONFLICT);
	v2.perms = VALUE_PERM_ADMIN_READ;
	v2.data = v.data;
	assert_int_equal(reg_create(w, SLICE_LIT(ENT "/W-1"), REC_KIND_WIP, &v2, 1, 0, &oc),
	                 IDR_ECONFLICT);
	assert_int_equal(reg_write_changes(w), 0);
	/* still usable */
	assert_int_equal(reg_create(w, SLICE_LIT(ENT "/W-2"), REC_KIND_WIP, &v, 1, 0, &oc), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(jcount(f), before + 1);
	assert_int_equal(got_load(f, ENT "/W-1", &g), IDR_OK);
	assert_true(slice_is(got_value(&g, 1)->data, "https://x.cn/1"));
	got_end(&g);
	audit_ok(f);
}

static void
test_reg_create_prefix_rules(void **state)
{
	struct fx *f = *state;
	struct value v = val(1, "URL", "https://x.cn");
	enum reg_outcome oc = 0;

	add_prefix(f, ENT, PFX_ENABLED);
	add_prefix(f, "88.118.9", PFX_PENDING);
	assert_int_equal(create1(f, "88.119/X", REC_KIND_PART, &v, 1, &oc), IDR_EPFX_UNKNOWN);
	assert_int_equal(create1(f, "88.118.7/X", REC_KIND_PART, &v, 1, &oc), IDR_EPFX_UNKNOWN);
	assert_int_equal(create1(f, "88.118.8.1/X", REC_KIND_PART, &v, 1, &oc), IDR_EPFX_UNKNOWN);
	assert_int_equal(create1(f, "88.118.9/X", REC_KIND_PART, &v, 1, &oc), IDR_EPFX_DISABLED);
	assert_int_equal(create1(f, "0.NA/" ENT, REC_KIND_PART, &v, 1, &oc), IDR_EREC_RESERVED);
	assert_int_equal(create1(f, "0.NA/88.118.77", REC_KIND_NONE, &v, 1, &oc), IDR_EPFX_UNKNOWN);
	assert_int_equal(create1(f, "0.NA/88.118.9", REC_KIND_NONE, &v, 1, &oc), IDR_EPFX_DISABLED);
	/* the prefix handle of an enabled hosted prefix exists with other content */
	assert_int_equal(create1(f, "0.NA/" ENT, REC_KIND_NONE, &v, 1, &oc), IDR_ECONFLICT);
	assert_int_equal(create1(f, "88.118.8/x\001y", REC_KIND_PART, &v, 1, &oc), IDR_EID_CTRL);
	assert_int_equal(create1(f, "/x", REC_KIND_PART, &v, 1, &oc), IDR_EID_NOPREFIX);
	audit_ok(f);
}

static void
test_reg_create_value_rules(void **state)
{
	struct fx *f = *state;
	struct value v[3], *many;
	enum reg_outcome oc = 0;
	struct got g;
	size_t i;

	add_prefix(f, ENT, PFX_ENABLED);
	v[0] = val(0, "URL", "x");
	assert_int_equal(create1(f, ENT "/a", REC_KIND_PART, v, 1, &oc), IDR_EREC_INDEX);
	v[0] = val(0x80000000u, "URL", "x");
	assert_int_equal(create1(f, ENT "/a", REC_KIND_PART, v, 1, &oc), IDR_EREC_INDEX);
	v[0] = val(5, "URL", "x");
	v[1] = val(5, "EMAIL", "y");
	assert_int_equal(create1(f, ENT "/a", REC_KIND_PART, v, 2, &oc), IDR_EREC_INDEX);
	v[0] = val(5, "", "x");
	assert_int_equal(create1(f, ENT "/a", REC_KIND_PART, v, 1, &oc), IDR_EREC_TYPE);
	v[0] = val(5, "UR\nL", "x");
	assert_int_equal(create1(f, ENT "/a", REC_KIND_PART, v, 1, &oc), IDR_EREC_TYPE);
	v[0] = val(5, "\xe4\xb8", "x");
	assert_int_equal(create1(f, ENT "/a", REC_KIND_PART, v, 1, &oc), IDR_EREC_TYPE);
	v[0] = val(5, "URL", "x");
	v[0].ttl_type = 2;
	assert_int_equal(create1(f, ENT "/a", REC_KIND_PART, v, 1, &oc), IDR_EINVAL);
	v[0] = val(REC_KIND_INDEX, REC_KIND_TYPE, "wip");
	assert_int_equal(create1(f, ENT "/a", REC_KIND_PART, v, 1, &oc), IDR_EREC_KIND);
	v[0] = val(REC_KIND_INDEX, "URL", "x");
	assert_int_equal(create1(f, ENT "/a", REC_KIND_PART, v, 1, &oc), IDR_EREC_KIND);
	v[0] = val(REC_KIND_INDEX, REC_KIND_TYPE, "bogus");
	assert_int_equal(create1(f, ENT "/a", REC_KIND_NONE, v, 1, &oc), IDR_EREC_KIND);
	assert_int_equal(create1(f, ENT "/a", (enum rec_kind)99, NULL, 0, &oc), IDR_EREC_KIND);

	/* kind NONE + ITEM_KIND value: an item of that kind; index 10 of another type is free */
	v[0] = val(REC_KIND_INDEX, "item_kind", "LOT");
	assert_int_equal(create1(f, ENT "/lot", REC_KIND_NONE, v, 1, &oc), IDR_OK);
	assert_int_equal(got_load(f, ENT "/lot", &g), IDR_OK);
	assert_int_equal(g.view.kind, REC_KIND_LOT);
	got_end(&g);
	v[0] = val(REC_KIND_INDEX, "URL", "x");
	assert_int_equal(create1(f, ENT "/doc", REC_KIND_NONE, v, 1, &oc), IDR_OK);
	/* a caller HS_ADMIN is kept */
	v[0] = val(VALUE_INDEX_ADMIN, "HS_ADMIN", "custom");
	assert_int_equal(create1(f, ENT "/adm", REC_KIND_PACKAGE, v, 1, &oc), IDR_OK);
	assert_int_equal(got_load(f, ENT "/adm", &g), IDR_OK);
	assert_int_equal(g.n, 2);
	assert_true(slice_is(got_value(&g, VALUE_INDEX_ADMIN)->data, "custom"));
	got_end(&g);

	/* count: 2048 values are fine, one more (the automatic HS_ADMIN) is too many */
	many = calloc(VALUE_MAX_VALUES + 1, sizeof(*many));
	assert_non_null(many);
	for (i = 0; i <= VALUE_MAX_VALUES; i++) {
		many[i] = val((uint32_t)(i + 101), "T", "d");
	}
	assert_int_equal(create1(f, ENT "/many", REC_KIND_NONE, many, VALUE_MAX_VALUES + 1, &oc),
	                 IDR_EREC_TOOMANY);
	assert_int_equal(create1(f, ENT "/many", REC_KIND_NONE, many, VALUE_MAX_VALUES, &oc),
	                 IDR_EREC_TOOMANY);
	many[0].index = VALUE_INDEX_ADMIN;
	assert_int_equal(create1(f, ENT "/many", REC_KIND_NONE, many, VALUE_MAX_VALUES, &oc),
	                 IDR_OK);
	free(many);
	audit_ok(f);
}

static void
test_reg_add_values(void **state)
{
	struct fx *f = *state;
	struct value v[2];
	struct reg_wtxn *w;
	struct jlist *j;
	struct got g;
	uint64_t before;

	add_prefix(f, ENT, PFX_ENABLED);
	must_create(f, ENT "/Part-1", REC_KIND_PART, "https://x.cn/1");
	must_create(f, ENT "/doc", REC_KIND_NONE, "https://x.cn/d");
	before = jcount(f);
	w = wbegin(f);
	v[0] = val(2, "EMAIL", "a@b.cn");
	v[1] = val(3, "DESC", "描述");
	assert_int_equal(reg_add_values(w, SLICE_LIT(ENT "/part-1"), v, 2), IDR_OK);
	v[0] = val(1, "URL", "dup");
	assert_int_equal(reg_add_values(w, SLICE_LIT(ENT "/Part-1"), v, 1), IDR_EEXIST);
	v[0] = val(7, "URL", "x");
	v[1] = val(1, "URL", "dup");
	assert_int_equal(reg_add_values(w, SLICE_LIT(ENT "/Part-1"), v, 2), IDR_EEXIST);
	v[1] = val(7, "EMAIL", "y");
	assert_int_equal(reg_add_values(w, SLICE_LIT(ENT "/Part-1"), v, 2), IDR_EREC_INDEX);
	assert_int_equal(reg_add_values(w, SLICE_LIT(ENT "/nope"), v, 1), IDR_ENOENT);
	assert_int_equal(reg_add_values(w, SLICE_LIT(ENT "/Part-1"), v, 0), IDR_EINVAL);
	v[0] = val(8, "", "x");
	assert_int_equal(reg_add_values(w, SLICE_LIT(ENT "/Part-1"), v, 1), IDR_EREC_TYPE);
	v[0] = val(REC_KIND_INDEX, REC_KIND_TYPE, "product");
	assert_int_equal(reg_add_values(w, SLICE_LIT(ENT "/doc"), v, 1), IDR_OK);
	assert_int_equal(reg_write_changes(w), 2);
	assert_int_equal(reg_write_commit(w), IDR_OK);

	assert_int_equal(got_load(f, ENT "/PART-1", &g), IDR_OK);
	assert_true(slice_is(g.view.handle, ENT "/Part-1"));
	assert_int_equal(g.n, 5);
	assert_true(slice_is(got_value(&g, 3)->data, "描述"));
	assert_true(slice_is(got_value(&g, 1)->data, "https://x.cn/1"));
	got_end(&g);
	assert_int_equal(got_load(f, ENT "/doc", &g), IDR_OK);
	assert_int_equal(g.view.kind, REC_KIND_PRODUCT);
	got_end(&g);

	j = jcollect(f, before + 1);
	assert_int_equal(j->n, 2);
	assert_int_equal(j->e[0].op, JRN_OP_ADD_VALUES);
	assert_string_equal(j->e[0].identifier, ENT "/Part-1");
	assert_string_equal(j->e[0].identity, "tester");
	jfree(j);
	audit_ok(f);
}

static void
test_reg_modify_values(void **state)
{
	struct fx *f = *state;
	struct value v[2];
	struct reg_wtxn *w;
	struct got g;

	add_prefix(f, ENT, PFX_ENABLED);
	must_create(f, ENT "/M-1", REC_KIND_PART, "https://x.cn/1");
	w = wbegin(f);
	v[0] = val(1, "URL", "https://x.cn/new");
	assert_int_equal(reg_modify_values(w, SLICE_LIT(ENT "/m-1"), v, 1), IDR_OK);
	v[0] = val(4, "URL", "x");
	assert_int_equal(reg_modify_values(w, SLICE_LIT(ENT "/M-1"), v, 1), IDR_EREC_NOVALUE);
	v[0] = val(1, "URL", "a");
	v[1] = val(1, "URL", "b");
	assert_int_equal(reg_modify_values(w, SLICE_LIT(ENT "/M-1"), v, 2), IDR_EREC_INDEX);
	v[0] = val(REC_KIND_INDEX, "URL", "x");
	assert_int_equal(reg_modify_values(w, SLICE_LIT(ENT "/M-1"), v, 1), IDR_EREC_KIND);
	v[0] = val(REC_KIND_INDEX, REC_KIND_TYPE, "bogus");
	assert_int_equal(reg_modify_values(w, SLICE_LIT(ENT "/M-1"), v, 1), IDR_EREC_KIND);
	assert_int_equal(reg_modify_values(w, SLICE_LIT(ENT "/M-2"), v, 1), IDR_ENOENT);
	v[0] = val(REC_KIND_INDEX, REC_KIND_TYPE, "wip");
	assert_int_equal(reg_modify_values(w, SLICE_LIT(ENT "/M-1"), v, 1), IDR_OK);
	assert_int_equal(reg_write_changes(w), 2);
	assert_int_equal(reg_write_commit(w), IDR_OK);

	assert_int_equal(got_load(f, ENT "/M-1", &g), IDR_OK);
	assert_int_equal(g.view.kind, REC_KIND_WIP);
	assert_int_equal(g.n, 3);
	assert_true(slice_is(got_value(&g, 1)->data, "https://x.cn/new"));
	assert_true(slice_is(got_value(&g, REC_KIND_INDEX)->data, "wip"));
	got_end(&g);
	audit_ok(f);
}

static void
test_reg_remove_values(void **state)
{
	struct fx *f = *state;
	struct value v[2] = {val(1, "URL", "u"), val(2, "EMAIL", "e")};
	uint32_t idx[3];
	struct reg_wtxn *w;
	struct got g;

	add_prefix(f, ENT, PFX_ENABLED);
	assert_int_equal(create1(f, ENT "/R-1", REC_KIND_PART, v, 2, NULL), IDR_OK);
	assert_int_equal(create1(f, ENT "/doc", REC_KIND_NONE, v, 1, NULL), IDR_OK);
	w = wbegin(f);
	idx[0] = 2;
	assert_int_equal(reg_remove_values(w, SLICE_LIT(ENT "/r-1"), idx, 1), IDR_OK);
	assert_int_equal(reg_remove_values(w, SLICE_LIT(ENT "/R-1"), idx, 1), IDR_EREC_NOVALUE);
	idx[0] = REC_KIND_INDEX;
	assert_int_equal(reg_remove_values(w, SLICE_LIT(ENT "/R-1"), idx, 1), IDR_EREC_RESERVED);
	idx[0] = 1;
	idx[1] = 1;
	assert_int_equal(reg_remove_values(w, SLICE_LIT(ENT "/R-1"), idx, 2), IDR_EREC_INDEX);
	idx[1] = VALUE_INDEX_ADMIN;
	assert_int_equal(reg_remove_values(w, SLICE_LIT(ENT "/doc"), idx, 2), IDR_EREC_LASTVALUE);
	assert_int_equal(reg_remove_values(w, SLICE_LIT(ENT "/doc"), idx, 0), IDR_EINVAL);
	assert_int_equal(reg_remove_values(w, SLICE_LIT(ENT "/R-2"), idx, 1), IDR_ENOENT);
	assert_int_equal(reg_remove_values(w, SLICE_LIT(ENT "/R-1"), idx, 2), IDR_OK);
	assert_int_equal(reg_write_changes(w), 2);
	assert_int_equal(reg_write_commit(w), IDR_OK);

	assert_int_equal(got_load(f, ENT "/R-1", &g), IDR_OK);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.vals[0].index, REC_KIND_INDEX);
	assert_int_equal(g.view.kind, REC_KIND_PART);
	got_end(&g);
	audit_ok(f);
}

static void
test_reg_delete(void **state)
{
	struct fx *f = *state;
	struct reg_wtxn *w;
	struct jlist *j;
	uint64_t before;

	add_prefix(f, ENT, PFX_ENABLED);
	must_create(f, ENT "/D-1", REC_KIND_PRODUCT, "u");
	before = jcount(f);
	w = wbegin(f);
	assert_int_equal(reg_delete(w, SLICE_LIT(ENT "/d-1")), IDR_OK);
	assert_int_equal(reg_delete(w, SLICE_LIT(ENT "/D-1")), IDR_ENOENT);
	assert_int_equal(reg_delete(w, SLICE_LIT("bad")), IDR_EID_NOSLASH);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_false(has_record(f, ENT "/D-1"));
	j = jcollect(f, before + 1);
	assert_int_equal(j->n, 1);
	assert_int_equal(j->e[0].op, JRN_OP_DELETE);
	assert_string_equal(j->e[0].identifier, ENT "/D-1");
	assert_int_equal(j->e[0].paylen, 0);
	jfree(j);
	/* re-create after delete */
	must_create(f, ENT "/D-1", REC_KIND_PART, "u2");
	assert_true(has_record(f, ENT "/D-1"));
	audit_ok(f);
}

/* reg_write_get sees the changes of its own transaction, which reg_get does not yet. */
static void
test_reg_write_get(void **state)
{
	struct fx *f = *state;
	struct value v[2] = {val(1, "URL", "u"), val(2000, "colour", "red")};
	struct reg_wtxn *w;
	struct rec_view rec;

	add_prefix(f, ENT, PFX_ENABLED);
	must_create(f, ENT "/G-1", REC_KIND_PART, "u1");
	w = wbegin(f);
	assert_int_equal(reg_write_get(w, SLICE_LIT(ENT "/g-1"), &rec), IDR_OK);
	assert_memory_equal(rec.handle.p, ENT "/G-1", rec.handle.len);
	assert_int_equal(rec.kind, REC_KIND_PART);
	assert_int_equal(reg_write_get(w, SLICE_LIT(ENT "/G-2"), &rec), IDR_ENOENT);
	assert_int_equal(reg_create(w, SLICE_LIT(ENT "/G-2"), REC_KIND_LOT, v, 2, 0, NULL), IDR_OK);
	assert_int_equal(reg_write_get(w, SLICE_LIT(ENT "/G-2"), &rec), IDR_OK);
	assert_int_equal(rec.kind, REC_KIND_LOT);
	assert_int_equal(rec.nvalues, 4); /* URL, kind, HS_ADMIN, colour */
	assert_int_equal(reg_delete(w, SLICE_LIT(ENT "/G-1")), IDR_OK);
	assert_int_equal(reg_write_get(w, SLICE_LIT(ENT "/G-1"), &rec), IDR_ENOENT);
	assert_int_equal(reg_write_get(w, SLICE_LIT("bad"), &rec), IDR_EID_NOSLASH);
	assert_int_equal(reg_write_get(w, SLICE_LIT(""), &rec), IDR_EID_EMPTY);
	reg_write_abort(w);
	assert_true(has_record(f, ENT "/G-1"));
	assert_false(has_record(f, ENT "/G-2"));
}

/* ---------------------------------------------------------------- listing and counters */

struct rlist {
	size_t n;
	char keys[64][STORE_KEY_MAX + 1];
	int kinds[64];
	int stop_at; /* return 7 from the callback at this count (0: never) */
};

static int
rlist_cb(void *arg, struct slice key, const struct rec_view *rec)
{
	struct rlist *l = arg;

	assert_true(l->n < 64);
	assert_int_equal(slice_to_cstr(key, l->keys[l->n], sizeof(l->keys[0])), IDR_OK);
	l->kinds[l->n] = rec->kind;
	l->n++;
	return l->stop_at != 0 && (int)l->n == l->stop_at ? 7 : 0;
}

static int
rlist_load(struct fx *f, const char *prefix, const char *after, enum rec_kind kind, size_t limit,
           struct rlist *l)
{
	struct reg_rtxn *t;
	int rc;

	memset(l, 0, sizeof(*l));
	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	rc = reg_list(t, slice_cstr(prefix), slice_cstr(after), kind, limit, rlist_cb, l);
	reg_read_end(t);
	return rc;
}

static void
test_reg_list_paging(void **state)
{
	struct fx *f = *state;
	char id[64], after[STORE_KEY_MAX + 1];
	struct rlist l;
	struct reg_rtxn *t;
	size_t i, total = 0;
	int pages = 0;

	add_prefix(f, ENT, PFX_ENABLED);
	add_prefix(f, "88.118.80", PFX_ENABLED);
	for (i = 0; i < 25; i++) {
		assert_true(snprintf(id, sizeof(id), ENT "/p-%02zu", i) < (int)sizeof(id));
		must_create(f, id, i % 2 == 0 ? REC_KIND_PART : REC_KIND_WIP, "u");
	}
	must_create(f, "88.118.80/x", REC_KIND_PART, "u");
	must_create(f, NODE "/y", REC_KIND_PART, "u");

	after[0] = '\0';
	do {
		assert_int_equal(rlist_load(f, ENT, after, REC_KIND_NONE, 10, &l), IDR_OK);
		for (i = 0; i < l.n; i++) {
			assert_true(snprintf(id, sizeof(id), ENT "/P-%02zu", total + i) <
			            (int)sizeof(id));
			assert_string_equal(l.keys[i], id); /* folded keys, in order */
		}
		total += l.n;
		if (l.n > 0) {
			assert_int_equal(
			        slice_to_cstr(slice_cstr(l.keys[l.n - 1]), after, sizeof(after)),
			        IDR_OK);
		}
		pages++;
	} while (l.n == 10);
	assert_int_equal(total, 25);
	assert_int_equal(pages, 3);

	assert_int_equal(rlist_load(f, ENT, "", REC_KIND_PART, 0, &l), IDR_OK);
	assert_int_equal(l.n, 13);
	for (i = 0; i < l.n; i++) {
		assert_int_equal(l.kinds[i], REC_KIND_PART);
	}
	assert_int_equal(rlist_load(f, ENT, "88.118.8/P-20", REC_KIND_WIP, 0, &l), IDR_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.keys[0], ENT "/P-21");
	/* `after` before the prefix starts at the prefix; beyond it lists nothing */
	assert_int_equal(rlist_load(f, ENT, "0", REC_KIND_NONE, 1, &l), IDR_OK);
	assert_string_equal(l.keys[0], ENT "/P-00");
	assert_int_equal(rlist_load(f, ENT, "88.118.8/Z", REC_KIND_NONE, 0, &l), IDR_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(rlist_load(f, "88.118.80", "", REC_KIND_NONE, 0, &l), IDR_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(rlist_load(f, NODE, "", REC_KIND_NONE, 0, &l), IDR_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(rlist_load(f, "0.na", "", REC_KIND_NONE, 0, &l), IDR_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(rlist_load(f, "", "", REC_KIND_NONE, 0, &l), IDR_OK);
	assert_int_equal(l.n, 25 + 2 + 3);
	/* a callback's non-zero return stops the walk and is returned */
	memset(&l, 0, sizeof(l));
	l.stop_at = 4;
	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	assert_int_equal(reg_list(t, SLICE_LIT(""), SLICE_LIT(""), REC_KIND_NONE, 0, rlist_cb, &l),
	                 7);
	reg_read_end(t);
	assert_int_equal(l.n, 4);
	assert_int_equal(rlist_load(f, "88..8", "", REC_KIND_NONE, 0, &l), IDR_EID_SEGMENT);
	assert_int_equal(rlist_load(f, ENT, "", (enum rec_kind)42, 0, &l), IDR_EREC_KIND);
}

struct slist {
	size_t n;
	char prefix[16][32];
	int kind[16];
	uint64_t count[16];
};

static int
slist_cb(void *arg, struct slice prefix, enum rec_kind kind, uint64_t count)
{
	struct slist *l = arg;

	assert_true(l->n < 16);
	assert_int_equal(slice_to_cstr(prefix, l->prefix[l->n], 32), IDR_OK);
	l->kind[l->n] = kind;
	l->count[l->n] = count;
	l->n++;
	return 0;
}

static void
slist_load(struct fx *f, struct slist *l)
{
	struct reg_rtxn *t;

	memset(l, 0, sizeof(*l));
	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	assert_int_equal(reg_stats(t, slist_cb, l), IDR_OK);
	reg_read_end(t);
}

static uint64_t
count_of(struct fx *f, const char *prefix)
{
	struct reg_rtxn *t;
	uint64_t n = 99999;

	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	assert_int_equal(reg_count(t, slice_cstr(prefix), &n), IDR_OK);
	reg_read_end(t);
	return n;
}

static void
test_reg_stats(void **state)
{
	struct fx *f = *state;
	struct value kv = val(REC_KIND_INDEX, REC_KIND_TYPE, "package");
	uint32_t idx = 1;
	struct reg_wtxn *w;
	struct slist l;
	int i;

	add_prefix(f, ENT, PFX_ENABLED);
	add_prefix(f, "88.118.ab", PFX_ENABLED);
	w = wbegin(f);
	for (i = 0; i < 30; i++) {
		char id[32];
		struct value v = val(1, "URL", "u");

		assert_true(snprintf(id, sizeof(id), ENT "/s-%d", i) < (int)sizeof(id));
		assert_int_equal(reg_create(w, slice_cstr(id),
		                            i < 20 ? REC_KIND_PART : REC_KIND_WIP, &v, 1, 0, NULL),
		                 IDR_OK);
	}
	assert_int_equal(reg_write_commit(w), IDR_OK);
	must_create(f, "88.118.AB/z", REC_KIND_LOT, "u");
	must_create(f, NODE "/n", REC_KIND_NONE, "u");

	slist_load(f, &l);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.prefix[0], "0.NA");
	assert_int_equal(l.kind[0], REC_KIND_NONE);
	assert_int_equal(l.count[0], 3);
	assert_string_equal(l.prefix[1], NODE);
	assert_int_equal(l.count[1], 1);
	assert_string_equal(l.prefix[2], ENT);
	assert_int_equal(l.kind[2], REC_KIND_PART);
	assert_int_equal(l.count[2], 20);
	assert_int_equal(l.kind[3], REC_KIND_WIP);
	assert_int_equal(l.count[3], 10);
	assert_string_equal(l.prefix[4], "88.118.AB");
	assert_int_equal(l.kind[4], REC_KIND_LOT);
	assert_int_equal(count_of(f, ENT), 30);
	assert_int_equal(count_of(f, "88.118.ab"), 1);
	assert_int_equal(count_of(f, NODE), 1);
	assert_int_equal(count_of(f, "88.118.9"), 0);

	/* kind change moves a counter; a delete lowers one; a counter at 0 disappears */
	w = wbegin(f);
	assert_int_equal(reg_modify_values(w, SLICE_LIT(ENT "/s-0"), &kv, 1), IDR_OK);
	assert_int_equal(reg_delete(w, SLICE_LIT(ENT "/s-1")), IDR_OK);
	assert_int_equal(reg_delete(w, SLICE_LIT("88.118.ab/Z")), IDR_OK);
	assert_int_equal(reg_remove_values(w, SLICE_LIT(ENT "/s-2"), &idx, 1), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	slist_load(f, &l);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.prefix[2], ENT);
	assert_int_equal(l.kind[2], REC_KIND_PART);
	assert_int_equal(l.count[2], 18);
	assert_int_equal(l.kind[3], REC_KIND_WIP);
	assert_int_equal(l.kind[4], REC_KIND_PACKAGE);
	assert_int_equal(l.count[4], 1);
	assert_int_equal(count_of(f, ENT), 29);
	assert_int_equal(count_of(f, "88.118.ab"), 0);
	audit_ok(f);
}

/* ---------------------------------------------------------------- journal and audit */

/* A history touching every operation. */
static void
history(struct fx *f)
{
	struct value v[2] = {val(2, "EMAIL", "e"), val(REC_KIND_INDEX, REC_KIND_TYPE, "product")};
	uint32_t idx = 2;
	struct reg_wtxn *w;

	add_prefix(f, ENT, PFX_ENABLED);
	must_create(f, ENT "/H-1", REC_KIND_PART, "u1");
	must_create(f, ENT "/H-2", REC_KIND_WIP, "u2");
	must_create(f, ENT "/H-3", REC_KIND_LOT, "u3");
	assert_int_equal(reg_write_begin(f->r, "alice", &w), IDR_OK);
	assert_int_equal(reg_add_values(w, SLICE_LIT(ENT "/H-1"), v, 1), IDR_OK);
	assert_int_equal(reg_modify_values(w, SLICE_LIT(ENT "/H-2"), &v[1], 1), IDR_OK);
	assert_int_equal(reg_remove_values(w, SLICE_LIT(ENT "/H-1"), &idx, 1), IDR_OK);
	assert_int_equal(reg_delete(w, SLICE_LIT(ENT "/H-3")), IDR_OK);
	assert_int_equal(reg_prefix_set_state(w, SLICE_LIT(ENT), PFX_PENDING), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
}

static void
test_reg_journal_walk(void **state)
{
	struct fx *f = *state;
	uint8_t h[32], prev[32] = {0}, k[JRN_KEY_LEN];
	struct wbuf scratch;
	struct jlist *j;
	struct got g;
	size_t i, len;

	history(f);
	j = jcollect(f, 1);
	assert_int_equal(j->n, 2 + 2 + 3 + 5);
	wbuf_init_heap(&scratch, 1u << 20);
	for (i = 0; i < j->n; i++) {
		uint8_t *raw = raw_get(f, STORE_DB_JOURNAL, jkey(j->e[i].seq, k), &len);

		assert_int_equal(j->e[i].seq, i + 1);
		assert_int_equal(jrn_change_hash(&scratch, j->e[i].op,
		                                 slice_cstr(j->e[i].identifier),
		                                 slice_make(j->e[i].payload, j->e[i].paylen), h),
		                 IDR_OK);
		assert_memory_equal(h, j->e[i].change_hash, 32);
		assert_memory_equal(prev, j->e[i].prev_hash, 32);
		assert_int_equal(jrn_entry_hash(&scratch, j->e[i].seq, slice_make(raw, len), prev),
		                 IDR_OK);
		free(raw);
	}
	wbuf_deinit(&scratch);
	assert_int_equal(j->e[7].op, JRN_OP_ADD_VALUES);
	assert_string_equal(j->e[7].identity, "alice");
	assert_int_equal(j->e[8].op, JRN_OP_MODIFY_VALUES);
	assert_int_equal(j->e[9].op, JRN_OP_REMOVE_VALUES);
	assert_int_equal(j->e[10].op, JRN_OP_DELETE);
	assert_int_equal(j->e[11].op, JRN_OP_PREFIX);
	assert_string_equal(j->e[11].identifier, ENT);
	assert_string_equal(jrn_op_name(j->e[9].op), "remove_values");
	assert_null(jrn_op_name(0));
	assert_null(jrn_op_name(11));

	/* the remove entry's payload is the stored H-1 (it was the last change of H-1) */
	assert_int_equal(got_load(f, ENT "/H-1", &g), IDR_OK);
	assert_int_equal(g.view.seq, 10);
	assert_int_equal(j->e[9].paylen, REC_HDR_LEN + g.view.body.len);
	assert_memory_equal(j->e[9].payload + REC_HDR_LEN, g.view.body.p, g.view.body.len);
	got_end(&g);
	jfree(j);

	j = jcollect(f, 11);
	assert_int_equal(j->n, 2);
	assert_int_equal(j->e[0].seq, 11);
	jfree(j);
	j = jcollect(f, 100);
	assert_int_equal(j->n, 0);
	jfree(j);
}

static void
test_reg_audit_ok(void **state)
{
	struct fx *f = *state;
	struct audit_report a;
	struct jlist *j;
	uint8_t k[JRN_KEY_LEN], h[32];
	struct wbuf scratch;
	uint8_t *raw;
	size_t len;

	audit_ok(f);
	history(f);
	assert_int_equal(audit_verify(f->r, &a), IDR_OK);
	assert_int_equal(a.entries, 12);
	assert_int_equal(a.records, 2 + 2); /* two prefix handles, H-1, H-2 */
	assert_string_equal(a.reason, "");
	j = jcollect(f, 12);
	raw = raw_get(f, STORE_DB_JOURNAL, jkey(12, k), &len);
	wbuf_init_heap(&scratch, 1u << 20);
	assert_int_equal(jrn_entry_hash(&scratch, 12, slice_make(raw, len), h), IDR_OK);
	assert_memory_equal(h, a.head, 32);
	wbuf_deinit(&scratch);
	free(raw);
	jfree(j);
}

static void
expect_audit(struct fx *f, uint64_t bad_seq, const char *reason_part)
{
	struct audit_report a;

	assert_int_equal(audit_verify(f->r, &a), IDR_EJOURNAL);
	if (strstr(a.reason, reason_part) == NULL || a.bad_seq != bad_seq) {
		print_error("reason \"%s\", bad_seq %llu\n", a.reason,
		            (unsigned long long)a.bad_seq);
	}
	assert_int_equal(a.bad_seq, bad_seq);
	assert_non_null(strstr(a.reason, reason_part));
}

static void
test_reg_audit_tamper_payload(void **state)
{
	struct fx *f = *state;
	uint8_t k[JRN_KEY_LEN];
	uint8_t *raw;
	size_t len;

	history(f);
	raw = raw_get(f, STORE_DB_JOURNAL, jkey(6, k), &len);
	raw[len - 64 - 3] ^= 0x01; /* a byte of the payload, near its end */
	raw_put(f, STORE_DB_JOURNAL, jkey(6, k), slice_make(raw, len));
	free(raw);
	expect_audit(f, 6, "entry 6: change hash mismatch");
}

static void
test_reg_audit_tamper_chain(void **state)
{
	struct fx *f = *state;
	uint8_t k[JRN_KEY_LEN];
	uint8_t *raw;
	size_t len;

	history(f);
	/* rewriting an entry consistently (new change hash) still breaks the next link */
	raw = raw_get(f, STORE_DB_JOURNAL, jkey(4, k), &len);
	raw[4] ^= 0x01; /* time_ms */
	raw_put(f, STORE_DB_JOURNAL, jkey(4, k), slice_make(raw, len));
	free(raw);
	expect_audit(f, 5, "entry 5: previous-entry hash mismatch");
}

static void
test_reg_audit_tamper_truncate(void **state)
{
	struct fx *f = *state;
	uint8_t k[JRN_KEY_LEN];

	history(f);
	raw_del(f, STORE_DB_JOURNAL, jkey(12, k));
	expect_audit(f, 12, "truncated");
}

static void
test_reg_audit_tamper_gap(void **state)
{
	struct fx *f = *state;
	uint8_t k[JRN_KEY_LEN];

	history(f);
	raw_del(f, STORE_DB_JOURNAL, jkey(7, k));
	expect_audit(f, 7, "entry 7: missing");
}

static void
test_reg_audit_tamper_record(void **state)
{
	struct fx *f = *state;
	uint8_t buf[256];
	struct slice key = SLICE_LIT("88.118.8/H-2");
	uint8_t *raw;
	size_t len;

	history(f);
	raw = raw_get(f, STORE_DB_HANDLES, key, &len);
	assert_true(len < sizeof(buf));
	memcpy(buf, raw, len);
	free(raw);
	/* the registered spelling: header, int4 length, then "88.118.8/H-2" */
	assert_int_equal(buf[REC_HDR_LEN + 4 + 9], 'H');
	buf[REC_HDR_LEN + 4 + 9] = 'h';
	raw_put(f, STORE_DB_HANDLES, key, slice_make(buf, len));
	expect_audit(f, 9, "record 88.118.8/H-2: differs from journal entry 9");
	/* a byte of the framing (the last reference count) */
	buf[REC_HDR_LEN + 4 + 9] = 'H';
	buf[len - 1] ^= 0x20;
	raw_put(f, STORE_DB_HANDLES, key, slice_make(buf, len));
	expect_audit(f, 9, "record 88.118.8/H-2: differs from journal entry 9");
	/* a record that names an entry of another identifier */
	buf[len - 1] ^= 0x20;
	buf[REC_HDR_LEN - 1] = 6;
	raw_put(f, STORE_DB_HANDLES, key, slice_make(buf, len));
	expect_audit(f, 6, "record 88.118.8/H-2: differs from journal entry 6");
	buf[REC_HDR_LEN - 1] = 5;
	raw_put(f, STORE_DB_HANDLES, key, slice_make(buf, len));
	expect_audit(f, 5, "record 88.118.8/H-2: journal entry 5 is not a change of it");
	buf[REC_HDR_LEN - 1] = 99;
	raw_put(f, STORE_DB_HANDLES, key, slice_make(buf, len));
	expect_audit(f, 99, "names journal entry 99, which is missing");
}

static void
test_reg_audit_tamper_delete_record(void **state)
{
	struct fx *f = *state;

	history(f);
	raw_del(f, STORE_DB_HANDLES, SLICE_LIT("88.118.8/H-2"));
	expect_audit(f, 0, "the journal implies 4");
}

static void
test_reg_audit_tamper_stale(void **state)
{
	struct fx *f = *state;
	struct slice key = SLICE_LIT("88.118.8/H-1");
	struct value v = val(2, "EMAIL", "e");
	struct reg_wtxn *w;
	uint8_t *old;
	size_t len;

	add_prefix(f, ENT, PFX_ENABLED);
	must_create(f, ENT "/H-1", REC_KIND_PART, "u1"); /* entry 5 */
	old = raw_get(f, STORE_DB_HANDLES, key, &len);
	w = wbegin(f);
	assert_int_equal(reg_add_values(w, SLICE_LIT(ENT "/H-1"), &v, 1), IDR_OK); /* entry 6 */
	assert_int_equal(reg_write_commit(w), IDR_OK);
	audit_ok(f);
	/* the old copy still matches its own entry 5: only the later entry 6 betrays it */
	raw_put(f, STORE_DB_HANDLES, key, slice_make(old, len));
	free(old);
	expect_audit(f, 6, "record 88.118.8/H-1: older than journal entry 6");
}

static void
test_reg_audit_tamper_stats(void **state)
{
	struct fx *f = *state;
	uint8_t key[] = "88.118.8\0\1", one[8] = {0, 0, 0, 0, 0, 0, 0, 5};

	history(f);
	raw_put(f, STORE_DB_STATS, slice_make(key, sizeof(key) - 1), slice_make(one, 8));
	expect_audit(f, 0, "stats 88.118.8 kind 1");
}

static void
test_reg_map_full(void **state)
{
	static char big[3000];
	struct fx *f = *state;
	struct value v = val(1, "DATA", big);
	struct reg_wtxn *w;
	struct reg_store_info info;
	int rc = IDR_OK, batch, i, committed = 0;
	char id[32];

	memset(big, 'x', sizeof(big) - 1);
	add_prefix(f, ENT, PFX_ENABLED);
	for (batch = 0; batch < 1000 && rc == IDR_OK; batch++) {
		w = wbegin(f);
		for (i = 0; i < 10 && rc == IDR_OK; i++) {
			assert_true(snprintf(id, sizeof(id), ENT "/F-%d-%d", batch, i) <
			            (int)sizeof(id));
			rc = reg_create(w, slice_cstr(id), REC_KIND_PART, &v, 1, 0, NULL);
		}
		if (rc != IDR_OK) {
			/* the transaction is now abort-only: later calls repeat the error */
			assert_int_equal(rc, IDR_ENOSPC);
			assert_int_equal(reg_create(w, SLICE_LIT(ENT "/after"), REC_KIND_PART, &v,
			                            1, 0, NULL),
			                 IDR_ENOSPC);
			assert_int_equal(reg_delete(w, SLICE_LIT(ENT "/F-0-0")), IDR_ENOSPC);
			assert_int_equal(reg_write_commit(w), IDR_ENOSPC);
			break;
		}
		rc = reg_write_commit(w);
		if (rc == IDR_OK) {
			committed += 10;
		}
	}
	assert_int_equal(rc, IDR_ENOSPC);
	assert_true(committed > 0);
	assert_int_equal(count_of(f, ENT), (uint64_t)committed);
	assert_false(has_record(f, ENT "/after"));
	assert_int_equal(reg_store_info(f->r, &info), IDR_OK);
	assert_int_equal(info.records, (uint64_t)committed + 2);
	audit_ok(f);
}

/*
 * A full map is grown for good by reg_init with a larger map size on the initialised
 * directory (what `idr init --map-size` does and what the error message tells to run): a
 * later opener that gives no size gets the new one, and writes succeed again.
 */
static void
test_reg_map_grow(void **state)
{
	static char big[3000];
	struct fx *f = *state;
	struct value v = val(1, "DATA", big);
	struct reg_store_info info;
	struct reg_opts o = fx_opts(f);
	int rc = IDR_OK, i;
	char id[32];

	memset(big, 'x', sizeof(big) - 1);
	add_prefix(f, ENT, PFX_ENABLED);
	for (i = 0; i < 1000 && rc == IDR_OK; i++) {
		struct reg_wtxn *w = wbegin(f);

		assert_true(snprintf(id, sizeof(id), ENT "/G-%d", i) < (int)sizeof(id));
		rc = reg_create(w, slice_cstr(id), REC_KIND_PART, &v, 1, 0, NULL);
		if (rc == IDR_OK) {
			rc = reg_write_commit(w); /* the map fills up here or in reg_create */
		} else {
			reg_write_abort(w);
		}
	}
	assert_int_equal(rc, IDR_ENOSPC);
	/* opening with a larger size is not enough: LMDB records it only when a write commits */
	reg_close(f->r);
	o.map_size = 4u << 20;
	assert_int_equal(reg_open(&f->r, &o), IDR_OK);
	reg_close(f->r);
	o.map_size = 0;
	assert_int_equal(reg_open(&f->r, &o), IDR_OK);
	assert_int_equal(reg_store_info(f->r, &info), IDR_OK);
	assert_int_equal(info.map_size, 256u << 10);
	reg_close(f->r);
	/* reg_init on the initialised directory records it */
	o.map_size = 4u << 20;
	assert_int_equal(reg_init(&f->r, &o, NODE, ""), IDR_OK);
	reg_close(f->r);
	o.map_size = 0;
	assert_int_equal(reg_open(&f->r, &o), IDR_OK);
	assert_int_equal(reg_store_info(f->r, &info), IDR_OK);
	assert_int_equal(info.map_size, 4u << 20);
	assert_int_equal(create1(f, id, REC_KIND_PART, &v, 1, NULL), IDR_OK);
	/* another node prefix is still refused, also with a map size */
	reg_close(f->r);
	o.map_size = 8u << 20;
	assert_int_equal(reg_init(&f->r, &o, "88.119", ""), IDR_EPFX_DIFFNODE);
	assert_int_equal(reg_open(&f->r, &o), IDR_OK);
	audit_ok(f);
}

/* Write errors that leave the operator something to do say what. */
static void
test_reg_write_strerror(void **state)
{
	const char *s = reg_write_strerror(IDR_ENOSPC);

	(void)state;
	assert_non_null(strstr(s, "map size"));
	assert_non_null(strstr(s, "idr init --node-prefix PREFIX --map-size SIZE"));
	assert_non_null(strstr(s, "disk is full"));
	assert_non_null(strstr(reg_write_strerror(IDR_EIO), "disk may be full or failing"));
	assert_string_equal(reg_write_strerror(IDR_ECONFLICT), idr_strerror(IDR_ECONFLICT));
}

static void
test_reg_long_identifier(void **state)
{
	struct fx *f = *state;
	char a[700], b[700];
	size_t n;
	struct rlist l;
	struct got g;
	struct reg_wtxn *w;

	add_prefix(f, ENT, PFX_ENABLED);
	/* 200 three-byte characters: 209 characters, 609 bytes, longer than a store key */
	n = (size_t)snprintf(a, sizeof(a), "%s", ENT "/");
	while (n + 3 < 9 + 600 + 1) {
		memcpy(a + n, "标", 4); /* with its NUL, overwritten by the next one */
		n += 3;
	}
	a[n] = '\0';
	memcpy(b, a, n + 1);
	memcpy(b + n - 3, "识", 4); /* differs only in the last character */
	must_create(f, a, REC_KIND_PART, "ua");
	must_create(f, b, REC_KIND_WIP, "ub");
	assert_int_equal(got_load(f, a, &g), IDR_OK);
	assert_true(slice_is(g.view.handle, a));
	assert_true(slice_is(got_value(&g, 1)->data, "ua"));
	got_end(&g);
	assert_int_equal(got_load(f, b, &g), IDR_OK);
	assert_int_equal(g.view.kind, REC_KIND_WIP);
	got_end(&g);
	assert_int_equal(rlist_load(f, ENT, "", REC_KIND_NONE, 0, &l), IDR_OK);
	assert_int_equal(l.n, 2);
	audit_ok(f);
	w = wbegin(f);
	assert_int_equal(reg_delete(w, slice_cstr(a)), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_false(has_record(f, a));
	assert_true(has_record(f, b));
	audit_ok(f);
}

static void
test_reg_read_reset_renew(void **state)
{
	struct fx *f = *state;
	struct reg_rtxn *t;
	struct rec_view view;
	struct reg_store_info info;
	uint8_t key[] = "88.118.8/RR";

	add_prefix(f, ENT, PFX_ENABLED);
	assert_int_equal(reg_read_begin(f->r, &t), IDR_OK);
	assert_int_equal(reg_get_folded(t, slice_make(key, sizeof(key) - 1), &view), IDR_ENOENT);
	reg_read_reset(t);
	must_create(f, ENT "/rr", REC_KIND_PART, "u");
	assert_int_equal(reg_read_renew(t), IDR_OK);
	assert_int_equal(reg_get_folded(t, slice_make(key, sizeof(key) - 1), &view), IDR_OK);
	assert_int_equal(reg_get(t, SLICE_LIT("88.118.8/rR"), &view), IDR_OK);
	assert_true(slice_is(view.handle, ENT "/rr"));
	reg_read_end(t);
	assert_int_equal(reg_store_info(f->r, &info), IDR_OK);
	assert_int_equal(info.records, 3);
	assert_int_equal(info.prefixes, 2);
	assert_int_equal(info.journal_entries, 5);
	assert_int_equal(reg_sync(f->r), IDR_OK);
}

static void
test_reg_write_identity(void **state)
{
	struct fx *f = *state;
	struct reg_wtxn *w = (struct reg_wtxn *)1;
	struct reg_opts o = fx_opts(f);
	struct reg *ro = NULL;

	assert_int_equal(reg_write_begin(f->r, "", &w), IDR_EINVAL);
	assert_null(w);
	assert_int_equal(reg_write_begin(f->r, "bad\nname", &w), IDR_ECTRL);
	assert_int_equal(reg_write_begin(f->r, NULL, &w), IDR_OK);
	reg_write_abort(w);
	reg_write_abort(NULL);
	o.read_only = true;
	assert_int_equal(reg_open_store(&ro, reg_store(f->r), &o), IDR_OK);
	assert_int_equal(reg_write_begin(ro, "x", &w), IDR_EACCES);
	reg_close(ro);
}

#define BOTH(t)                                                                                    \
	{#t "/memory", t, setup_mem, teardown, NULL},                                              \
	{                                                                                          \
#t "/lmdb", t, setup_lmdb, teardown, NULL                                          \
	}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        BOTH(test_reg_init_reopen),
	        BOTH(test_reg_open_uninitialised),
	        BOTH(test_reg_schema_check),
	        BOTH(test_reg_prefix_add_list),
	        BOTH(test_reg_prefix_rules),
	        BOTH(test_reg_prefix_state),
	        BOTH(test_reg_prefix_adopt_owner),
	        BOTH(test_reg_create_get),
	        BOTH(test_reg_create_idempotent),
	        BOTH(test_reg_create_conflict),
	        BOTH(test_reg_create_prefix_rules),
	        BOTH(test_reg_create_value_rules),
	        BOTH(test_reg_add_values),
	        BOTH(test_reg_modify_values),
	        BOTH(test_reg_remove_values),
	        BOTH(test_reg_delete),
	        BOTH(test_reg_write_get),
	        BOTH(test_reg_list_paging),
	        BOTH(test_reg_stats),
	        BOTH(test_reg_journal_walk),
	        BOTH(test_reg_audit_ok),
	        BOTH(test_reg_audit_tamper_payload),
	        BOTH(test_reg_audit_tamper_chain),
	        BOTH(test_reg_audit_tamper_truncate),
	        BOTH(test_reg_audit_tamper_gap),
	        BOTH(test_reg_audit_tamper_record),
	        BOTH(test_reg_audit_tamper_delete_record),
	        BOTH(test_reg_audit_tamper_stale),
	        BOTH(test_reg_audit_tamper_stats),
	        BOTH(test_reg_long_identifier),
	        BOTH(test_reg_read_reset_renew),
	        BOTH(test_reg_write_identity),
	        {"test_reg_map_full/lmdb", test_reg_map_full, setup_lmdb_tiny, teardown, NULL},
	        {"test_reg_map_grow/lmdb", test_reg_map_grow, setup_lmdb_tiny, teardown, NULL},
	        cmocka_unit_test(test_reg_write_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
