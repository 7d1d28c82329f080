/* recopt.c - the shared options and operands of the record commands (recopt.h). */
#include "idr/recopt.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"

int
recopt_take(const struct cli_cmd *self, struct recopt *o, int c, const char *arg, char **argv)
{
	switch (c) {
	case 'd':
		o->data = arg;
		return CLI_EXIT_OK;
	case 'm':
		return cli_parse_u64(self, "--max-id-chars", arg, 1, 2048, &o->max_id_chars);
	case 'h':
		return -1;
	default:
		if (o->remote_ok && rmt_opt_take(&o->remote, c, arg)) {
			return CLI_EXIT_OK;
		}
		return cli_bad_option(self, c, argv);
	}
}

int
recopt_finish(const struct cli_cmd *self, const struct recopt *o, int nargs)
{
	const char *why = NULL;

	if (o->remote_ok && rmt_opts_check(&o->remote, o->data != NULL, &why) != IDR_OK) {
		return cli_usage_errorf(self, "%s", why);
	}
	if (nargs < 1) {
		return cli_usage_errorf(self, "missing the identifier (e.g. 88.118.8/P-000001)");
	}
	return CLI_EXIT_OK;
}

int
recopt_open(const struct cli_cmd *self, const struct recopt *o, bool read_only, struct reg **out)
{
	struct reg_opts ro;

	memset(&ro, 0, sizeof(ro));
	ro.max_id_chars = (size_t)o->max_id_chars;
	return cli_open(self->name, cli_data_dir(o->data), read_only, &ro, out);
}

int
recopt_attrs(const struct cli_cmd *self, char *const *args, int n, const char *hint,
             struct row_attr *attrs)
{
	char err[ROW_ERR_LEN], kb[96];

	for (int i = 0; i < n; i++) {
		const char *arg = args[i], *eq = strchr(arg, '=');
		struct slice key;

		if (eq == NULL || eq[1] == '\0') {
			return cli_usage_errorf(self,
			                        "'%s': attributes are KEY=VALUE with a non-empty "
			                        "value%s%s",
			                        cli_safe(arg, err, sizeof(err)), hint[0] ? " " : "",
			                        hint);
		}
		key = slice_make(arg, (size_t)(eq - arg));
		if (row_attr_key_check(key, err, sizeof(err)) != IDR_OK) {
			cli_errorf(self->name, "%s", err);
			return CLI_EXIT_FAIL;
		}
		if (text_utf8_check((const uint8_t *)eq + 1, strlen(eq + 1), NULL, NULL) !=
		    IDR_OK) {
			cli_errorf(self->name, "attribute '%s': value is not valid UTF-8",
			           cli_safe(arg, err, sizeof(err)));
			return CLI_EXIT_FAIL;
		}
		for (int j = 0; j < i; j++) {
			if (slice_caseeq(attrs[j].key, key)) {
				snprintf(kb, sizeof(kb), "%.*s", (int)(key.len < 95 ? key.len : 95),
				         arg);
				cli_errorf(self->name, "attribute key '%s' is given twice",
				           cli_safe(kb, err, sizeof(err)));
				return CLI_EXIT_FAIL;
			}
		}
		attrs[i].key = key;
		attrs[i].val = slice_cstr(eq + 1);
		attrs[i].index = ROW_ATTR_INDEX + (uint32_t)i;
	}
	return CLI_EXIT_OK;
}
