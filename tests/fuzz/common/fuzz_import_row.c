/*
 * fuzz_import_row.c - libFuzzer target for the import row parser (tools/common/row.h).
 *
 * Input: one control byte, then the file. Control bits 0-3: bytes added per feed (0: the
 * whole input at once), as the importer's block reads would; bit 4: tiny limits, so every
 * limit path is reachable with short inputs. Each call sees an exact-size copy of the
 * unconsumed bytes, so ASan catches a read past what the parser was given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "common/row.h"
#include "model/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct value values[ROW_MAX_COLS + 1];

static void
item_values(const struct row *r)
{
	char err[ROW_ERR_LEN];
	size_t n;

	if (r->form == ROW_ITEM) {
		(void)row_item_values(r, values, ROW_MAX_COLS + 1, &n, err, sizeof(err));
	}
}

/* Call fn over an exact copy of in[0..len). */
static uint8_t *
exact(const uint8_t *in, size_t len)
{
	uint8_t *p = malloc(len > 0 ? len : 1);

	if (p != NULL && len > 0) {
		memcpy(p, in, len);
	}
	return p;
}

static void
fuzz_csv(const uint8_t *in, size_t size, size_t step, const struct row_limits *lim)
{
	struct row_csv c;
	struct row row;
	size_t have = step == 0 ? size : 0, off = 0, used;
	bool header = false;
	int rc;

	if (row_csv_init(&c, lim) != IDR_OK) {
		return;
	}
	for (;;) {
		bool eof = have == size;
		uint8_t *buf = exact(in + off, have - off);

		if (buf == NULL) {
			break;
		}
		rc = row_csv_next(&c, buf, have - off, eof, &used);
		if (rc == IDR_OK && !header) {
			header = row_csv_header(&c) == IDR_OK;
		} else if (rc == IDR_OK && row_csv_row(&c, &row) == IDR_OK) {
			item_values(&row);
		}
		free(buf);
		off += used;
		if (rc == IDR_ENOENT || (rc == IDR_EAGAIN && eof)) {
			break;
		}
		if (rc == IDR_EAGAIN) {
			have = have + step > size ? size : have + step;
		}
	}
	row_csv_deinit(&c);
}

static void
fuzz_json(const uint8_t *in, size_t size, size_t step, const struct row_limits *lim)
{
	struct row_json j;
	struct row row;
	struct slice line;
	size_t have = step == 0 ? size : 0, off = 0, used;
	int rc;

	if (row_json_init(&j, lim) != IDR_OK) {
		return;
	}
	for (;;) {
		bool eof = have == size;
		uint8_t *buf = exact(in + off, have - off);

		if (buf == NULL) {
			break;
		}
		rc = row_json_next(&j, buf, have - off, eof, &line, &used);
		if (rc == IDR_OK && row_json_decode(&j, line.p, line.len, &row) == IDR_OK) {
			item_values(&row);
		}
		free(buf);
		off += used;
		if (rc == IDR_ENOENT || (rc == IDR_EAGAIN && eof)) {
			break;
		}
		if (rc == IDR_EAGAIN) {
			have = have + step > size ? size : have + step;
		}
	}
	row_json_deinit(&j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct row_limits small = {64, 8, 16}, medium = {4096, 64, 1024};
	size_t step;
	uint8_t ctl;

	if (size == 0) {
		return 0;
	}
	ctl = data[0];
	data++;
	size--;
	step = ctl & 0x0F;
	if (row_input_is_json(data, size)) {
		fuzz_json(data, size, step, (ctl & 0x10) ? &small : &medium);
	} else {
		fuzz_csv(data, size, step, (ctl & 0x10) ? &small : &medium);
	}
	return 0;
}
