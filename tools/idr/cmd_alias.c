/*
 * cmd_alias.c - `idr alias add|list|rm`: the aliases of an item (its GS1 key, EPC URN, OID,
 * Ecode or MA code; registry/life/alias.h) that lead a scan to its handle.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "idr/cmd.h"
#include "life/alias.h"
#include "reg.h"

struct alias_args {
	const char *data;
	const char *sub;
	char **args;
	int nargs;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct alias_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	if (optind >= argc) {
		return cli_usage_errorf(self, "missing the subcommand: add, list or rm");
	}
	a->sub = argv[optind];
	a->args = argv + optind + 1;
	a->nargs = argc - optind - 1;
	if (strcmp(a->sub, "add") == 0 && a->nargs < 2) {
		return cli_usage_errorf(self, "alias add needs a handle and at least one alias");
	}
	if (strcmp(a->sub, "list") == 0 && a->nargs != 1) {
		return cli_usage_errorf(self, "alias list needs exactly one handle");
	}
	if (strcmp(a->sub, "rm") == 0 && a->nargs < 1) {
		return cli_usage_errorf(self, "alias rm needs at least one alias");
	}
	if (strcmp(a->sub, "add") != 0 && strcmp(a->sub, "list") != 0 &&
	    strcmp(a->sub, "rm") != 0) {
		return cli_usage_errorf(self, "unknown subcommand '%s' (add, list, rm)", a->sub);
	}
	return CLI_EXIT_OK;
}

/* every alias canonical before anything is written; keys[i] ALIAS_KEY_MAX + 1 bytes */
static int
keys_of(const struct alias_args *a, int from, char (*keys)[ALIAS_KEY_MAX + 1])
{
	char err[ALIAS_ERR_MAX], safe[300];

	for (int i = from; i < a->nargs; i++) {
		if (alias_key(a->args[i], strlen(a->args[i]), keys[i - from], err) < 0) {
			cli_errorf("alias", "%s: %s", cli_safe(a->args[i], safe, sizeof(safe)),
			           err);
			return CLI_EXIT_FAIL;
		}
	}
	return CLI_EXIT_OK;
}

static int
write_all(struct reg *r, const struct alias_args *a, char (*keys)[ALIAS_KEY_MAX + 1], int n)
{
	struct reg_wtxn *w = NULL;
	char msg[IDENT_ERR_LEN], safe[300];
	int rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w), i = 0;
	bool add = strcmp(a->sub, "add") == 0;

	for (; rc == IDR_OK && i < n; i++) {
		enum reg_outcome oc = REG_CREATED;

		rc = add ? reg_alias_add(w, slice_cstr(keys[i]), slice_cstr(a->args[0]), &oc)
		         : reg_alias_del(w, slice_cstr(keys[i]));
		if (rc == IDR_OK) {
			printf("%s %s%s%s\n",
			       add ? (oc == REG_CREATED ? "added" : "unchanged") : "removed",
			       keys[i], add ? " -> " : "", add ? a->args[0] : "");
		}
	}
	if (rc != IDR_OK && w != NULL) {
		const char *d = reg_write_detail(w);

		if (rc == IDR_ENOENT) {
			snprintf(msg, sizeof(msg), "%s",
			         add ? "the handle is not registered here" : "no such alias");
		} else if (d[0] != '\0') {
			snprintf(msg, sizeof(msg), "%s", d);
		} else {
			(void)reg_strerror(r, rc, msg, sizeof(msg));
		}
		if (rc == IDR_ECONFLICT) {
			cli_errorf("alias", "%s (nothing written)", msg);
		} else {
			cli_errorf("alias", "%s: %s (nothing written)",
			           cli_safe(add && rc == IDR_ENOENT ? a->args[0] : keys[i - 1],
			                    safe, sizeof(safe)),
			           msg);
		}
	}
	rc = cli_write_end(w, rc);
	if (rc == IDR_ENOENT) {
		return CLI_EXIT_NOTFOUND;
	}
	return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int
print_alias(void *arg, struct slice alias)
{
	(void)arg;
	printf("%.*s\n", (int)alias.len, (const char *)alias.p);
	return 0;
}

static int
list(struct reg *r, const char *handle)
{
	struct reg_rtxn *t = NULL;
	struct rec_view rec;
	char safe[300];
	int rc = reg_read_begin(r, &t);

	if (rc == IDR_OK) {
		rc = reg_get(t, slice_cstr(handle), &rec);
	}
	if (rc == IDR_OK) {
		rc = reg_alias_list(t, rec.handle, print_alias, NULL);
	}
	reg_read_end(t);
	if (rc == IDR_ENOENT) {
		fprintf(stderr, "not found: %s\n", cli_safe(handle, safe, sizeof(safe)));
		return CLI_EXIT_NOTFOUND;
	}
	if (rc != IDR_OK) {
		cli_errorf("alias", "%s: %s", cli_safe(handle, safe, sizeof(safe)),
		           idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct alias_args a;
	struct reg_opts o;
	struct reg *r = NULL;
	char(*keys)[ALIAS_KEY_MAX + 1] = NULL;
	bool add;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	add = strcmp(a.sub, "add") == 0;
	if (strcmp(a.sub, "list") != 0) {
		keys = calloc((size_t)a.nargs, sizeof(*keys));
		if (keys == NULL) {
			cli_errorf(self->name, "out of memory");
			return CLI_EXIT_FAIL;
		}
		if ((rc = keys_of(&a, add ? 1 : 0, keys)) != CLI_EXIT_OK) {
			free(keys);
			return rc;
		}
	}
	memset(&o, 0, sizeof(o));
	rc = cli_open(self->name, cli_data_dir(a.data), keys == NULL, &o, &r);
	if (rc == CLI_EXIT_OK) {
		rc = keys == NULL ? list(r, a.args[0])
		                  : write_all(r, &a, keys, add ? a.nargs - 1 : a.nargs);
		reg_close(r);
	}
	free(keys);
	return rc;
}

const struct cli_cmd cmd_alias = {
        "alias",
        "register other identifiers of an item (GS1 key, EPC, OID, Ecode, MA) for scans",
        "usage: idr alias add HANDLE ALIAS... [--data DIR]\n"
        "       idr alias list HANDLE [--data DIR]\n"
        "       idr alias rm ALIAS... [--data DIR]\n"
        "\n"
        "An alias leads a scan of another identifier of an item to its handle (idr scan, the\n"
        "scan API). Aliases are stored in a canonical form, printed by add:\n"
        "  GS1 keys      any form a scanner or a label gives ((01)...(21)..., ]d2 element\n"
        "                strings, Digital Link URIs): the primary key and the qualifiers that\n"
        "                identify an instance, (01)+(21) (else (01)+(10)), (00), (414)+(254),\n"
        "                (8003), (8004), ...; attributes such as (17) are dropped\n"
        "  EPC           urn:epc:id:... pure identity URNs (a 96-bit tag in hex: its URN)\n"
        "  OID, Ecode, MA  oid:1.2.156.x (or urn:oid:), ecode:..., ma:MA.156... (or MA....)\n"
        "add needs the handle registered; an alias of another handle is a conflict. Each\n"
        "command is one transaction: all of its aliases, or none, are written; each change\n"
        "is journaled.\n"
        "\n"
        "exit status: 0 done, 1 a bad alias or a conflict, 3 no such handle or alias,\n"
        "64 usage error\n",
        run,
};
