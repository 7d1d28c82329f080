/* cmd_prefix.c - `idr prefix add|list|set-state`: the prefixes this node hosts. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/wbuf.h"
#include "common/cli.h"
#include "idr/cmd.h"
#include "model/vjson.h"
#include "reg.h"

struct prefix_args {
	const char *data;
	const char *owner;
	const char *state;
	bool json;
	int nargs;
	char **args;
};

/* Parse options of a prefix subcommand; positional arguments end up in a->args. */
static int
parse(const struct cli_cmd *self, int argc, char **argv, struct prefix_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},  {"owner", required_argument, NULL, 'o'},
	        {"state", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
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
};

static int
collect(void *arg, const struct pfx_info *p)
{
	struct pfx_list *l = arg;
	struct pfx_item *it;

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
	struct pfx_list l = {NULL, 0, 0};
	struct reg *r = NULL;
	int rc;

	if (a->nargs != 0) {
		return cli_usage_errorf(self, "unexpected argument '%s'", a->args[0]);
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
		return cli_usage_errorf(self, "missing subcommand (add, list or set-state)");
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
	return cli_usage_errorf(self, "unknown subcommand '%s' (add, list or set-state)", argv[1]);
}

const struct cli_cmd cmd_prefix = {
        "prefix",
        "host enterprise prefixes: add, list, set-state",
        "usage: idr prefix add PREFIX --owner NAME [--state STATE] [--data DIR]\n"
        "       idr prefix list [--json] [--data DIR]\n"
        "       idr prefix set-state PREFIX STATE [--data DIR]\n"
        "\n"
        "add        host an enterprise prefix beneath the node prefix (e.g. 88.118.8 under\n"
        "           88.118) for an owner; the same prefix and owner again changes nothing\n"
        "list       the hosted prefixes: state, owner, creation time, record count\n"
        "set-state  change a prefix's state; records can be registered only under an\n"
        "           enabled prefix\n"
        "\n"
        "states: 0 disabled 停用, 1 enabled 启用 (the default), 2 deleting 待删除,\n"
        "        3 rejected 被驳回, 4 pending 待审核, 5 reviewing 审核中\n"
        "        (give the number, the English name in any case, or the Chinese label)\n"
        "\n"
        "options:\n"
        "  --owner NAME   owner (enterprise) name, UTF-8\n"
        "  --state STATE  initial state (add)\n"
        "  --json         list as a JSON array\n"
        "  --data DIR     data directory (default: $IDR_DATA, then ./idr-data)\n",
        run,
};
