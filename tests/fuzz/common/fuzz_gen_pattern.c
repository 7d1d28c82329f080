/*
 * fuzz_gen_pattern.c - the command-line parsers of idr gen (tools/common/gen.h) on arbitrary
 * bytes, as a NUL-terminated string: gen_pattern_parse (then gen_pattern_expand with a counter
 * from the first bytes, with and without room), gen_gtin, gen_date_parse, gen_cset82_check.
 * Checks: parse returns only IDR_OK, IDR_EPROTO or IDR_ELIMIT; an expansion that succeeds fits
 * the buffer and is NUL-terminated; every {check}/{mod10} result verifies; a GTIN that is
 * accepted is 14 digits with a right check digit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "common/gen.h"
#include "model/gs1check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

static void
try_expand(const struct gen_pattern *p, uint64_t seq)
{
	struct gen_vars v = {seq, {2024, 2, 29}, "06901234567892", "106141411234567897", "SN1"};
	char out[GEN_MAX_OUT], small[9], err[GEN_ERR_LEN];
	int rc = gen_pattern_expand(p, &v, out, sizeof(out), err, sizeof(err));

	check(rc == IDR_OK || rc == IDR_EPROTO || rc == IDR_ELIMIT || rc == IDR_ETOOBIG);
	if (rc == IDR_OK) {
		check(strlen(out) < sizeof(out));
		if (p->nparts == 2 && p->parts[1].kind == GEN_MOD10 &&
		    p->parts[0].kind == GEN_SEQ) {
			check(gs1check_mod10_ok(out, strlen(out)));
		}
	}
	rc = gen_pattern_expand(p, &v, small, sizeof(small), err, sizeof(err));
	check(rc != IDR_OK || strlen(small) < sizeof(small));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gen_pattern p;
	struct gen_date d;
	char *s = malloc(size + 1), err[GEN_ERR_LEN], gtin[15];
	uint64_t seq = 0;
	size_t i;
	int rc;

	if (s == NULL) {
		return 0;
	}
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; i < size && i < 8; i++) {
		seq = seq << 8 | data[i];
	}
	rc = gen_pattern_parse(&p, s, GEN_ALLOW_GTIN | GEN_ALLOW_SSCC | GEN_ALLOW_SERIAL, err,
	                       sizeof(err));
	check(rc == IDR_OK || rc == IDR_EPROTO || rc == IDR_ELIMIT);
	if (rc == IDR_OK) {
		check(p.nparts <= GEN_MAX_PARTS);
		try_expand(&p, seq % (gen_pattern_max_seq(&p) == UINT64_MAX
		                              ? UINT64_MAX
		                              : gen_pattern_max_seq(&p) + 1));
		try_expand(&p, seq);
	}
	if (gen_gtin(s, size > 0 ? data[0] % 11 : 0, gtin, err, sizeof(err)) == IDR_OK) {
		check(strlen(gtin) == 14 && gs1check_mod10_ok(gtin, 14));
	}
	if (gen_date_parse(s, &d) == IDR_OK) {
		check(d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31);
	}
	(void)gen_cset82_check(s, err, sizeof(err));
	free(s);
	return 0;
}
