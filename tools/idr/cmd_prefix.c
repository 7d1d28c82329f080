/*
 * cmd_prefix.c - `idr prefix add|list|show|set-state|apply|approve|reject`: the prefixes this
 * node hosts and the onboarding of enterprises (reg.h: reg_prefix_apply, reg_prefix_decide).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/num.h"
#include "base/wbuf.h"
#include "common/cli.h"
#include "idr/cmd.h"
#include "model/vjson.h"
#include "reg.h"

#define SUBCOMMANDS  "add, list, show, set-state, apply, approve or reject"
#define SECRET_BYTES 16 /* a generated administrator secret: 32 hex digits */

struct prefix_args {
	const char *data;
	const char *owner;
	const char *state;
	const char *uscc;
	const char *industry;
	const char *contact;
	const char *by;
	const char *reason;
	const char *key;
	bool json;
	int nargs;
	char **args;
};

/* Parse options of a prefix subcommand; positional arguments end up in a->args. */
static int
parse(const struct cli_cmd *self, int argc, char **argv, struct prefix_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"owner", required_argument, NULL, 'o'},
	        {"state", required_argument, NULL, 's'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {"name", required_argument, NULL, 'o'},
	        {"credit-code", required_argument, NULL, 'c'},
	        {"industry", required_argument, NULL, 'i'},
	        {"contact", required_argument, NULL, 'C'},
	        {"by", required_argument, NULL, 'b'},
	        {"reason", required_argument, NULL, 'r'},
	        {"key", required_argument, NULL, 'k'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'o':
			a->owner = optarg;
			break;
		case 's':
			a->state = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'c':
			a->uscc = optarg;
			break;
		case 'i':
			a->industry = optarg;
			break;
		case 'C':
			a->contact = optarg;
			break;
		case 'b':
			a->by = optarg;
			break;
		case 'r':
			a->reason = optarg;
			break;
		case 'k':
			a->key = optarg;
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	a->nargs = argc - optind;
	a->args = argv + optind;
	return CLI_EXIT_OK;
}

static void
print_state(int state)
{
	printf("%d %s (%s)", state, pfx_state_name(state), pfx_state_label(state));
}

static int
do_add(const struct cli_cmd *self, struct prefix_args *a)
{
	enum reg_outcome oc = REG_UNCHANGED;
	struct reg_wtxn *w = NULL;
	struct reg *r = NULL;
	int state = PFX_ENABLED, rc;

	if (a->nargs != 1 || a->owner == NULL) {
		return cli_usage_errorf(self,
		                        "usage: idr prefix add PREFIX --owner NAME [--state S]");
	}
	if (a->state != NULL && pfx_state_parse(a->state, &state) != IDR_OK) {
		return cli_usage_errorf(self, "--state %s: %s", a->state,
		                        idr_strerror(IDR_EPFX_STATE));
	}
	if ((rc = cli_open(self->name, cli_data_dir(a->data), false, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	if (rc == IDR_OK) {
		rc = reg_prefix_add(w, slice_cstr(a->args[0]), slice_cstr(a->owner), state, &oc);
		rc = cli_write_end(w, rc);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->args[0], reg_write_strerror(rc));
		reg_close(r);
		return CLI_EXIT_FAIL;
	}
	printf("%s %s: owner %s, state ", oc == REG_CREATED ? "added" : "unchanged", a->args[0],
	       a->owner);
	print_state(state);
	printf("%s\n", oc == REG_CREATED ? "" : " (already hosted with this owner)");
	reg_close(r);
	return CLI_EXIT_OK;
}

static int
do_set_state(const struct cli_cmd *self, struct prefix_args *a)
{
	struct reg_wtxn *w = NULL;
	struct reg *r = NULL;
	int state, rc;

	if (a->nargs != 2) {
		return cli_usage_errorf(self, "usage: idr prefix set-state PREFIX STATE");
	}
	if (pfx_state_parse(a->args[1], &state) != IDR_OK) {
		return cli_usage_errorf(self, "state %s: %s", a->args[1],
		                        idr_strerror(IDR_EPFX_STATE));
	}
	if ((rc = cli_open(self->name, cli_data_dir(a->data), false, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	if (rc == IDR_OK) {
		rc = reg_prefix_set_state(w, slice_cstr(a->args[0]), state);
		rc = cli_write_end(w, rc);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->args[0], reg_write_strerror(rc));
		reg_close(r);
		return CLI_EXIT_FAIL;
	}
	printf("%s: state ", a->args[0]);
	print_state(state);
	printf("\n");
	reg_close(r);
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- onboarding */

/* An identity "index:handle" (index 1..2^31-1, a handle with a '/'); NULL if fine, else why. */
static const char *
identity_problem(const char *id)
{
	const char *colon = strchr(id, ':');
	char index[16];
	uint64_t n;

	if (colon == NULL || colon == id || (size_t)(colon - id) >= sizeof(index)) {
		return "must be index:handle, e.g. 300:88.118/AUDITOR";
	}
	memcpy(index, id, (size_t)(colon - id));
	index[colon - id] = '\0';
	if (num_parse_u64(index, 1, INT32_MAX, &n) != IDR_OK) {
		return "index must be 1..2147483647";
	}
	if (strchr(colon + 1, '/') == NULL || strlen(colon + 1) > IDENT_HARD_MAX) {
		return "must name a handle (prefix/suffix) after the index";
	}
	return NULL;
}

/* A write transaction under identity, running op; the CLI exit code. */
static int
write_as(const struct cli_cmd *self, struct prefix_args *a, const char *identity,
         int (*op)(struct reg_wtxn *w, void *arg), void *arg)
{
	struct reg_wtxn *w = NULL;
	struct reg *r = NULL;
	char buf[IDENT_ERR_LEN];
	int rc;

	if ((rc = cli_open(self->name, cli_data_dir(a->data), false, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = reg_write_begin(r, identity, &w);
	if (rc == IDR_OK) {
		rc = cli_write_end(w, op(w, arg));
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->args[0], reg_strerror(r, rc, buf, sizeof(buf)));
	}
	reg_close(r);
	return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

struct apply_op {
	struct reg_prefix_app app;
	enum reg_outcome oc;
};

static int
apply_run(struct reg_wtxn *w, void *arg)
{
	struct apply_op *o = arg;

	return reg_prefix_apply(w, &o->app, &o->oc);
}

static int
do_apply(const struct cli_cmd *self, struct prefix_args *a)
{
	struct apply_op o;
	const char *bad;
	int rc;

	if (a->nargs != 1 || a->owner == NULL || a->uscc == NULL || a->industry == NULL ||
	    a->contact == NULL) {
		return cli_usage_errorf(self, "usage: idr prefix apply PREFIX --owner NAME "
		                              "--credit-code CODE --industry CODE --contact TEXT");
	}
	if (a->by != NULL && (bad = identity_problem(a->by)) != NULL) {
		return cli_usage_errorf(self, "--by %s: %s", a->by, bad);
	}
	memset(&o, 0, sizeof(o));
	o.app.prefix = slice_cstr(a->args[0]);
	o.app.owner = slice_cstr(a->owner);
	o.app.uscc = slice_cstr(a->uscc);
	o.app.industry = slice_cstr(a->industry);
	o.app.contact = slice_cstr(a->contact);
	rc = write_as(self, a, a->by != NULL ? a->by : REG_IDENTITY_LOCAL, apply_run, &o);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	printf("%s %s: application of %s, state 4 pending (待审核)%s\n",
	       o.oc == REG_UNCHANGED ? "unchanged" : "applied", a->args[0], a->owner,
	       o.oc == REG_UPDATED ? " (replaces the rejected one)" : "");
	return CLI_EXIT_OK;
}

static int
decide_run(struct reg_wtxn *w, void *arg)
{
	return reg_prefix_decide(w, arg);
}

/* The key of the new administrator: --key FILE.pub, or a generated secret (shown once). */
static int
admin_key(const struct cli_cmd *self, struct prefix_args *a, struct wbuf *key,
          char secret[2 * SECRET_BYTES + 1], struct reg_prefix_decision *d)
{
	uint8_t raw[SECRET_BYTES], sha[CRYPTO_SHA1_LEN];
	char hex[2 * CRYPTO_SHA1_LEN + 1];
	int rc;

	secret[0] = '\0';
	if (a->key != NULL) {
		rc = crypto_hs_pubkey_file(a->key, key);
		if (rc != IDR_OK) {
			cli_errorf(self->name, "--key %s: %s", a->key, idr_strerror(rc));
			return CLI_EXIT_FAIL;
		}
		d->key_type = SLICE_LIT("HS_PUBKEY");
		d->key_data = wbuf_slice(key);
		return CLI_EXIT_OK;
	}
	if (crypto_random(raw, sizeof(raw)) != IDR_OK) {
		cli_errorf(self->name, "no randomness for the administrator's secret");
		return CLI_EXIT_FAIL;
	}
	crypto_hex(raw, sizeof(raw), secret);
	if (crypto_hash(CRYPTO_SHA1, secret, strlen(secret), sha) != IDR_OK) {
		cli_errorf(self->name, "cannot hash the administrator's secret");
		return CLI_EXIT_FAIL;
	}
	crypto_hex(sha, sizeof(sha), hex);
	wbuf_cstr(key, hex);
	d->key_type = SLICE_LIT("HS_SECKEY");
	d->key_data = wbuf_slice(key);
	return wbuf_error(key) == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int
do_decide(const struct cli_cmd *self, struct prefix_args *a, bool approve)
{
	struct reg_prefix_decision d;
	char secret[2 * SECRET_BYTES + 1] = "";
	const char *bad;
	struct wbuf key;
	int rc;

	if (a->nargs != 1 || a->by == NULL) {
		return cli_usage_errorf(
		        self, "usage: idr prefix %s PREFIX --by IDENTITY [--reason TEXT]%s",
		        approve ? "approve" : "reject", approve ? " [--key FILE.pub]" : "");
	}
	if ((bad = identity_problem(a->by)) != NULL) {
		return cli_usage_errorf(self, "--by %s: %s", a->by, bad);
	}
	if (!approve && a->key != NULL) {
		return cli_usage_errorf(self, "--key is for approve");
	}
	memset(&d, 0, sizeof(d));
	d.prefix = slice_cstr(a->args[0]);
	d.approve = approve;
	d.reason = slice_cstr(a->reason != NULL ? a->reason : "");
	wbuf_init_heap(&key, VALUE_MAX_ARRAY);
	rc = approve ? admin_key(self, a, &key, secret, &d) : CLI_EXIT_OK;
	if (rc == CLI_EXIT_OK) {
		rc = write_as(self, a, a->by, decide_run, &d);
	}
	wbuf_deinit(&key);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (!approve) {
		printf("rejected %s: state 3 rejected (被驳回), by %s\n", a->args[0], a->by);
		return CLI_EXIT_OK;
	}
	printf("approved %s: state 1 enabled (启用), by %s\n", a->args[0], a->by);
	printf("administrator: %d:%s/%s (%s at index %d; in the group at 0.NA/%s index %d)\n",
	       REG_ADMIN_KEY_INDEX, a->args[0], REG_ADMIN_SUFFIX,
	       a->key != NULL ? "HS_PUBKEY" : "HS_SECKEY", REG_ADMIN_KEY_INDEX, a->args[0],
	       REG_ADMIN_KEY_INDEX);
	if (secret[0] != '\0') {
		printf("secret: %s\n(shown once: only its SHA-1 is stored; give it to the "
		       "enterprise over a safe channel)\n",
		       secret);
	}
	return CLI_EXIT_OK;
}

static void
show_text(const struct pfx_info *p)
{
	char when[32];

	printf("prefix:      %.*s%s\n", (int)p->name.len, (const char *)p->name.p,
	       p->node ? " (node prefix)" : "");
	printf("owner:       ");
	cli_put_text(stdout, p->owner);
	printf("\nstate:       ");
	print_state(p->state);
	cli_format_time(p->created, when, sizeof(when));
	printf("\ncreated:     %s UTC\n", when);
	cli_format_time(p->changed, when, sizeof(when));
	printf("changed:     %s UTC\n", when);
	if (!pfx_has_application(p)) {
		return;
	}
	printf("credit code: %.*s\nindustry:    %.*s\ncontact:     ", (int)p->uscc.len,
	       (const char *)p->uscc.p, (int)p->industry.len, (const char *)p->industry.p);
	cli_put_text(stdout, p->contact);
	cli_format_time(p->applied, when, sizeof(when));
	printf("\napplied:     %s UTC by ", when);
	cli_put_text(stdout, p->applicant);
	printf("\n");
	if (p->decided != 0) {
		cli_format_time(p->decided, when, sizeof(when));
		printf("decided:     %s UTC by ", when);
		cli_put_text(stdout, p->decided_by);
		printf("\nreason:      ");
		cli_put_text(stdout, p->reason);
		printf("\n");
	}
}

static int
do_show(const struct cli_cmd *self, struct prefix_args *a)
{
	struct reg_rtxn *t = NULL;
	struct reg *r = NULL;
	struct pfx_info p;
	struct wbuf w;
	int rc;

	if (a->nargs != 1) {
		return cli_usage_errorf(self, "usage: idr prefix show PREFIX [--json]");
	}
	if ((rc = cli_open(self->name, cli_data_dir(a->data), true, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = reg_read_begin(r, &t);
	if (rc == IDR_OK) {
		rc = reg_prefix_get(t, slice_cstr(a->args[0]), &p);
		rc = rc == IDR_ENOENT ? IDR_EPFX_UNKNOWN : rc;
	}
	if (rc == IDR_OK && a->json) {
		wbuf_init_heap(&w, SIZE_MAX);
		rc = pfx_json(&w, &p);
		if (rc == IDR_OK) {
			fwrite(wbuf_data(&w), 1, wbuf_len(&w), stdout);
			printf("\n");
		}
		wbuf_deinit(&w);
	} else if (rc == IDR_OK) {
		show_text(&p);
	}
	reg_read_end(t);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->args[0], idr_strerror(rc));
	}
	reg_close(r);
	return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* ---------------------------------------------------------------- list */

struct pfx_item {
	char *name;
	char *owner;
	int state;
	bool node;
	uint64_t created;
	uint64_t records;
};

struct pfx_list {
	struct pfx_item *v;
	size_t n, cap;
	int state; /* only prefixes in this state; -1: all */
};

static int
collect(void *arg, const struct pfx_info *p)
{
	struct pfx_list *l = arg;
	struct pfx_item *it;

	if (l->state >= 0 && p->state != l->state) {
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap != 0 ? l->cap * 2 : 16;
		struct pfx_item *v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL) {
			return IDR_ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	it = &l->v[l->n];
	it->name = slice_strdup(p->name);
	it->owner = slice_strdup(p->owner);
	if (it->name == NULL || it->owner == NULL) {
		free(it->name);
		free(it->owner);
		return IDR_ENOMEM;
	}
	it->state = p->state;
	it->node = p->node;
	it->created = p->created;
	it->records = 0;
	l->n++;
	return 0;
}

static void
list_free(struct pfx_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].owner);
	}
	free(l->v);
}

static int
list_load(struct reg *r, struct pfx_list *l)
{
	struct reg_rtxn *t = NULL;
	size_t i;
	int rc = reg_read_begin(r, &t);

	if (rc != IDR_OK) {
		return rc;
	}
	rc = reg_prefix_list(t, collect, l);
	for (i = 0; rc == IDR_OK && i < l->n; i++) {
		rc = reg_count(t, slice_cstr(l->v[i].name), &l->v[i].records);
	}
	reg_read_end(t);
	return rc;
}

static void
list_json(const struct pfx_list *l)
{
	struct wbuf w;
	char when[VJSON_TIME_LEN];
	size_t i;

	wbuf_init_heap(&w, SIZE_MAX);
	wbuf_cstr(&w, "[");
	for (i = 0; i < l->n; i++) {
		const struct pfx_item *it = &l->v[i];

		wbuf_cstr(&w, i > 0 ? ",\n {\"prefix\":" : "\n {\"prefix\":");
		vjson_write_str(&w, slice_cstr(it->name));
		wbuf_cstr(&w, ",\"owner\":");
		vjson_write_str(&w, slice_cstr(it->owner));
		vjson_time_format((uint32_t)it->created, when);
		wbuf_printf(
		        &w,
		        ",\"state\":%d,\"state_name\":\"%s\",\"state_label\":\"%s\",\"node\":%s,"
		        "\"created\":\"%s\",\"records\":%" PRIu64 "}",
		        it->state, pfx_state_name(it->state), pfx_state_label(it->state),
		        it->node ? "true" : "false", when, it->records);
	}
	wbuf_cstr(&w, "\n]\n");
	if (wbuf_error(&w) == IDR_OK) {
		fwrite(wbuf_data(&w), 1, wbuf_len(&w), stdout);
	}
	wbuf_deinit(&w);
}

static void
list_table(const struct pfx_list *l)
{
	size_t i, wn = 6, wo = 5, ws = 5;
	char state[64], when[32];

	for (i = 0; i < l->n; i++) {
		size_t n = cli_text_width((const uint8_t *)l->v[i].name, strlen(l->v[i].name));
		size_t o = cli_text_width((const uint8_t *)l->v[i].owner, strlen(l->v[i].owner));

		wn = n > wn ? n : wn;
		wo = o > wo ? o : wo;
	}
	ws = 16;
	cli_put_padded(stdout, SLICE_LIT("PREFIX"), wn + 2);
	cli_put_padded(stdout, SLICE_LIT("STATE"), ws + 2);
	cli_put_padded(stdout, SLICE_LIT("OWNER"), wo + 2);
	printf("%-21s%s\n", "CREATED (UTC)", "RECORDS");
	for (i = 0; i < l->n; i++) {
		const struct pfx_item *it = &l->v[i];

		snprintf(state, sizeof(state), "%d %s %s", it->state, pfx_state_name(it->state),
		         pfx_state_label(it->state));
		cli_format_time(it->created, when, sizeof(when));
		cli_put_padded(stdout, slice_cstr(it->name), wn + 2);
		cli_put_padded(stdout, slice_cstr(state), ws + 2);
		cli_put_padded(stdout, slice_cstr(it->owner), wo + 2);
		printf("%-21s%" PRIu64 "%s\n", when, it->records,
		       it->node ? "  (node prefix)" : "");
	}
}

static int
do_list(const struct cli_cmd *self, struct prefix_args *a)
{
	struct pfx_list l = {NULL, 0, 0, -1};
	struct reg *r = NULL;
	int rc;

	if (a->nargs != 0) {
		return cli_usage_errorf(self, "unexpected argument '%s'", a->args[0]);
	}
	if (a->state != NULL && pfx_state_parse(a->state, &l.state) != IDR_OK) {
		return cli_usage_errorf(self, "--state %s: %s", a->state,
		                        idr_strerror(IDR_EPFX_STATE));
	}
	if ((rc = cli_open(self->name, cli_data_dir(a->data), true, NULL, &r)) != CLI_EXIT_OK) {
		return rc;
	}
	rc = list_load(r, &l);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s", idr_strerror(rc));
	} else if (a->json) {
		list_json(&l);
	} else {
		list_table(&l);
	}
	list_free(&l);
	reg_close(r);
	return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct prefix_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	if (argc < 2) {
		return cli_usage_errorf(self, "missing subcommand (%s)", SUBCOMMANDS);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		return cli_help(self);
	}
	rc = parse(self, argc - 1, argv + 1, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if (strcmp(argv[1], "add") == 0) {
		return do_add(self, &a);
	}
	if (strcmp(argv[1], "list") == 0) {
		return do_list(self, &a);
	}
	if (strcmp(argv[1], "set-state") == 0) {
		return do_set_state(self, &a);
	}
	if (strcmp(argv[1], "show") == 0) {
		return do_show(self, &a);
	}
	if (strcmp(argv[1], "apply") == 0) {
		return do_apply(self, &a);
	}
	if (strcmp(argv[1], "approve") == 0 || strcmp(argv[1], "reject") == 0) {
		return do_decide(self, &a, strcmp(argv[1], "approve") == 0);
	}
	return cli_usage_errorf(self, "unknown subcommand '%s' (%s)", argv[1], SUBCOMMANDS);
}

const struct cli_cmd cmd_prefix = {
        "prefix",
        "host enterprise prefixes: add, list, show, set-state; onboarding: apply, approve, reject",
        "usage: idr prefix add PREFIX --owner NAME [--state STATE] [--data DIR]\n"
        "       idr prefix list [--state STATE] [--json] [--data DIR]\n"
        "       idr prefix show PREFIX [--json] [--data DIR]\n"
        "       idr prefix set-state PREFIX STATE [--data DIR]\n"
        "       idr prefix apply PREFIX --owner NAME --credit-code CODE --industry CODE\n"
        "                        --contact TEXT [--by IDENTITY] [--data DIR]\n"
        "       idr prefix approve PREFIX --by IDENTITY [--reason TEXT] [--key FILE.pub]\n"
        "       idr prefix reject PREFIX --by IDENTITY [--reason TEXT]\n"
        "\n"
        "add        host an enterprise prefix beneath the node prefix (e.g. 88.118.8 under\n"
        "           88.118) for an owner; the same prefix and owner again changes nothing\n"
        "list       the hosted prefixes: state, owner, creation time, record count\n"
        "show       one prefix with its application and decision\n"
        "set-state  change a prefix's state; records can be registered only under an\n"
        "           enabled prefix\n"
        "apply      an enterprise applies for a prefix: state 4 pending (待审核); a rejected\n"
        "           application may be made again\n"
        "approve    an auditor approves: state 1 enabled, and the enterprise administrator\n"
        "           300:PREFIX/ADMIN is created with the key of --key (a public key file,\n"
        "           PEM) or a generated secret printed once (stored as its SHA-1), and put\n"
        "           in the group at 0.NA/PREFIX index 300 that every record's HS_ADMIN names\n"
        "reject     an auditor rejects: state 3 rejected (被驳回)\n"
        "\n"
        "states: 0 disabled 停用, 1 enabled 启用 (the default), 2 deleting 待删除,\n"
        "        3 rejected 被驳回, 4 pending 待审核, 5 reviewing 审核中\n"
        "        (give the number, the English name in any case, or the Chinese label)\n"
        "\n"
        "options:\n"
        "  --owner NAME        owner (enterprise) name, UTF-8 (--name is the same)\n"
        "  --state STATE       initial state (add); only this state (list)\n"
        "  --credit-code CODE  unified social credit code (统一社会信用代码), 18 characters,\n"
        "                      check digit per GB 32100-2015\n"
        "  --industry CODE     GB/T 4754 industry: section letter and/or 2-4 digits (C, C13)\n"
        "  --contact TEXT      contact person, telephone, e-mail\n"
        "  --by IDENTITY       index:handle recorded as applicant (apply; default local) or\n"
        "                      auditor (approve, reject; required) in the prefix and journal\n"
        "  --reason TEXT       the auditor's reason\n"
        "  --key FILE          approve: PEM public (or private) key of the administrator\n"
        "  --json              list or show as JSON\n"
        "  --data DIR          data directory (default: $IDR_DATA, then ./idr-data)\n",
        run,
};
