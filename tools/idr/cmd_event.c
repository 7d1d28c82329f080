/* cmd_event.c - `idr event hash`: CBV 2.0 event ids of the events in an EPCIS 2.0 file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/rmt.h"
#include "idr/cmd.h"
#include "life/event.h"

static int
read_all(const char *path, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		return IDR_ENOENT;
	}
	buf = malloc(LIFE_MAX_DOC + 1);
	if (buf == NULL) {
		if (f != stdin) {
			fclose(f);
		}
		return IDR_ENOMEM;
	}
	n = fread(buf, 1, LIFE_MAX_DOC + 1, f);
	if (f != stdin) {
		fclose(f);
	}
	*out = buf;
	*len = n;
	return n > LIFE_MAX_DOC ? IDR_ELIMIT : IDR_OK;
}

static bool
contains(const char *s, size_t len, const char *what)
{
	size_t n = strlen(what);

	for (size_t i = 0; i + n <= len; i++) {
		if (memcmp(s + i, what, n) == 0) {
			return true;
		}
	}
	return false;
}

static int
put(const struct cli_cmd *self, const struct life_event *ev, bool prehash)
{
	char id[LIFE_HASH_LEN], *pre;
	int rc;

	if (prehash) {
		if ((rc = life_event_prehash(ev, &pre)) == IDR_OK) {
			printf("%s\n", pre);
			free(pre);
		}
	} else if ((rc = life_event_hash(ev, id)) == IDR_OK) {
		printf("%s\n", id);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s", idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"prehash", no_argument, NULL, 'p'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct life_doc doc;
	struct life_event ev;
	char err[LIFE_ERR_LEN], *text = NULL;
	size_t len = 0;
	bool prehash = false;
	int c, rc, ex = CLI_EXIT_OK;

	if (argc >= 2 && strcmp(argv[1], "add") == 0) {
		return event_add_run(self, argc - 1, argv + 1);
	}
	if (argc >= 2 && strcmp(argv[1], "import") == 0) {
		return event_import_run(self, argc - 1, argv + 1);
	}
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			prehash = true;
			break;
		case 'h':
			return cli_help(self);
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "hash") != 0) {
		return cli_usage_errorf(self, "usage: idr event hash [--prehash] FILE");
	}
	if ((rc = read_all(argv[optind + 1], &text, &len)) != IDR_OK) {
		free(text);
		cli_errorf(self->name, "%s: %s", argv[optind + 1], idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	/* a document has an epcisBody; anything else is read as one event */
	if (contains(text, len, "\"epcisBody\"")) {
		rc = life_doc_parse(text, len, &doc, err, sizeof(err));
		for (size_t i = 0; rc == IDR_OK && i < doc.n && ex == CLI_EXIT_OK; i++) {
			ex = put(self, &doc.ev[i], prehash);
		}
		if (rc == IDR_OK) {
			life_doc_free(&doc);
		}
	} else if ((rc = life_event_parse(text, len, &ev, err, sizeof(err))) == IDR_OK) {
		ex = put(self, &ev, prehash);
		life_event_deinit(&ev);
	}
	free(text);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", argv[optind + 1], err);
		return CLI_EXIT_FAIL;
	}
	return ex;
}

const struct cli_cmd cmd_event = {
        .name = "event",
        .summary = "EPCIS 2.0 lifecycle events: CBV 2.0 event ids",
        .usage =
                "usage: idr event add ID --biz-step STEP [--disposition D] [--read-point P]\n"
                "                     [--time T] [--action ADD|OBSERVE|DELETE]\n"
                "                     [--parent P | --input A,B [--output C]] [--node-url URL]\n"
                "                     [--data DIR | --node URL --id INDEX:HANDLE --key FILE]\n"
                "       idr event import FILE [--csv] [--node-url URL]\n"
                "                     [--data DIR | --node URL ... [--batch N]]\n"
                "       idr event hash [--prehash] FILE\n"
                "\n"
                "add records one lifecycle event of ID (an EPCIS 2.0 ObjectEvent; with --parent\n"
                "an AggregationEvent packing ID into P; with --input a TransformationEvent making\n"
                "ID, or the --output list, from the inputs). Handles become node URIs\n"
                "(--node-url, default https://localhost: the event id depends on it, so give\n"
                "the same one wherever the event is recorded); times are RFC 3339, default now\n"
                "at +08:00. An event captured before (same CBV 2.0 hash) is 'unchanged'.\n"
                "\n"
                "import reads an EPCIS 2.0 JSON-LD document, or CSV rows (FILE ending .csv, or\n"
                "--csv). Locally all events are captured in one transaction: a document's\n"
                "events that break a rule are reported and skipped; a CSV file is taken all or\n"
                "nothing (every bad row is named by line and column, then nothing is stored).\n"
                "CSV: a header row names the columns (any order, each optional, one naming\n"
                "identifiers; an empty cell is absent):\n"
                "  type               object (default), aggregation, transformation, association\n"
                "  action             ADD, OBSERVE or DELETE (default ADD for commissioning,\n"
                "                     aggregation and association, else OBSERVE; none for a\n"
                "                     transformation)\n"
                "  id (or epcs)       the items: epcList; a child (aggregation, association);\n"
                "                     an output (transformation)\n"
                "  parent, children   parentID, childEPCs (aggregation, association)\n"
                "  inputs, outputs    inputEPCList, outputEPCList (transformation)\n"
                "  time               RFC 3339 with its zone (default now at +08:00)\n"
                "  biz_step, disposition, read_point, biz_location, transformation_id\n"
                "Lists are separated by ',' or ';'; an identifier is a URI (\"://\" or urn:) or\n"
                "a handle (written as <node-url>/<handle>).\n"
                "\n"
                "With --node the events go to a running node over HTTPS: add answers the event\n"
                "id and whether it was new; import sends documents of at most --batch N events\n"
                "(default 1000) to POST /capture one after the other, waiting for each capture\n"
                "job. The node takes a document all or nothing; when one fails, import stops\n"
                "naming the document, the event and how many events were captured before it.\n"
                "CSV rows are all checked before anything is sent.\n"
                "\n"
                "hash prints the CBV 2.0 event hash (ni:///sha-256;...?ver=CBV2.0) of each\n"
                "event of an EPCIS 2.0 JSON-LD document (epcisBody.eventList), or of one event\n"
                "object, one per line; FILE '-' is standard input. Invalid events are refused\n"
                "with the rule they break.\n"
                "  --prehash  print the canonical pre-hash strings instead\n"
                "\n" RMT_HELP,
        .run = run,
};
