/* cmd_init.c - `idr init`: create (or confirm) a data directory for a node prefix. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/num.h"
#include "common/cli.h"
#include "idr/cmd.h"
#include "reg.h"

#define MAP_MIN (1ULL << 20)
#define MAP_MAX (1ULL << 42)

struct init_args {
	const char *data;
	const char *node;
	const char *owner;
	uint64_t map_size;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct init_args *a)
{
	static const struct option longopts[] = {
	        {"data", required_argument, NULL, 'd'},
	        {"node-prefix", required_argument, NULL, 'n'},
	        {"owner", required_argument, NULL, 'o'},
	        {"map-size", required_argument, NULL, 'm'},
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
		case 'n':
			a->node = optarg;
			break;
		case 'o':
			a->owner = optarg;
			break;
		case 'm':
			if (num_parse_size(optarg, MAP_MIN, MAP_MAX, &a->map_size) != IDR_OK) {
				return cli_usage_errorf(self,
				                        "--map-size: '%s' is not a size between 1M "
				                        "and 4T (e.g. 16G)",
				                        optarg);
			}
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	if (optind < argc) {
		return cli_usage_errorf(self, "unexpected argument '%s'", argv[optind]);
	}
	if (a->node == NULL) {
		return cli_usage_errorf(self,
		                        "--node-prefix is required (e.g. --node-prefix 88.118)");
	}
	return CLI_EXIT_OK;
}

/* An initialised directory given --map-size: record the new map size (reg_init writes it). */
static int
grow(const struct cli_cmd *self, const char *dir, const struct reg_opts *o, const char *node)
{
	struct reg_store_info info;
	struct reg *r;
	char size[32];
	int rc = reg_init(&r, o, node, "");

	if (rc == IDR_OK) {
		rc = reg_store_info(r, &info);
		reg_close(r);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", dir, reg_write_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	cli_format_size(info.map_size, size, sizeof(size));
	printf("already initialised: %s (node prefix %s); map size now %s\n", dir, node, size);
	return CLI_EXIT_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct init_args a = {NULL, NULL, NULL, 0};
	struct reg_opts o;
	struct reg *r = NULL;
	const char *dir;
	int rc = parse(self, argc, argv, &a);

	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	dir = cli_data_dir(a.data);
	memset(&o, 0, sizeof(o));
	o.data_dir = dir;
	o.map_size = a.map_size;
	rc = reg_open(&r, &o);
	if (rc == IDR_OK) {
		bool same = slice_caseeq_cstr(slice_cstr(reg_node_prefix(r)), a.node);

		if (!same) {
			cli_errorf(self->name, "%s: %s (it belongs to node prefix %s)", dir,
			           idr_strerror(IDR_EPFX_DIFFNODE), reg_node_prefix(r));
		} else if (a.map_size == 0) {
			printf("already initialised: %s (node prefix %s)\n", dir,
			       reg_node_prefix(r));
		}
		reg_close(r);
		if (same && a.map_size != 0) {
			return grow(self, dir, &o, a.node); /* e.g. after "the map is full" */
		}
		return same ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	rc = reg_init(&r, &o, a.node, a.owner != NULL ? a.owner : "");
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", dir, reg_write_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	printf("initialised %s for node prefix %s\n", dir, reg_node_prefix(r));
	reg_close(r);
	return CLI_EXIT_OK;
}

const struct cli_cmd cmd_init = {
        "init",
        "create a data directory for a node prefix",
        "usage: idr init --node-prefix PREFIX [--owner NAME] [--map-size SIZE] [--data DIR]\n"
        "\n"
        "Create the data directory (an LMDB environment) of a secondary node whose prefix is\n"
        "PREFIX (e.g. 88.118). The node prefix is hosted and enabled. Running it again with\n"
        "the same prefix changes nothing; a different prefix is refused.\n"
        "\n"
        "options:\n"
        "  --node-prefix PREFIX  the node's prefix (required)\n"
        "  --owner NAME          the node operator's name\n"
        "  --map-size SIZE       LMDB map size (default 16G): the most the store may grow\n"
        "                        to; the file grows as needed. It is recorded in the store\n"
        "                        for later commands and idrd. On an initialised directory\n"
        "                        it sets the map size anew: how a full map is grown\n"
        "  --data DIR            data directory (default: $IDR_DATA, then ./idr-data)\n",
        run,
};
