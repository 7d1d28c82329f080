/*
 * test_scan.c - scanner input: every form recognised, canonical forms, every truncation point,
 * each AI's length one past its limit, wrong check digits, bad dates, EPC decoding and the
 * EPC URN <-> GS1 <-> Digital Link conversions.
 */
#include "life/scan.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define GS           "\x1d"

static struct scan_result *
result(void)
{
	static struct scan_result r;
	return &r;
}

static int
scan(const char *in, const struct scan_opts *o)
{
	return scan_parse(in, strlen(in), o, result());
}

static const char *
hri(const struct scan_gs1 *g)
{
	static char buf[2048];
	assert_int_equal(scan_gs1_format(g, SCAN_STYLE_HRI, buf, sizeof(buf)), IDR_OK);
	return buf;
}

struct ok_case {
	const char *in;
	enum scan_kind kind;
	enum scan_form form;
	const char *canon; /* handle, or HRI of the elements */
	const char *extra; /* dl, or the EPC URN for EPC input */
};

static const struct ok_case ok_cases[] = {
        {"88.118.8/P-1", SCAN_HANDLE, SCAN_FORM_HANDLE, "88.118.8/P-1", NULL},
        {"88.118.8/P-1\r\n", SCAN_HANDLE, SCAN_FORM_HANDLE, "88.118.8/P-1", NULL},
        {"hdl:88.118.8/a/b", SCAN_HANDLE, SCAN_FORM_HANDLE, "88.118.8/a/b", NULL},
        {"TEST/x1", SCAN_HANDLE, SCAN_FORM_HANDLE, "TEST/x1", NULL},
        {"https://node.example.cn/88.118.8/P-1", SCAN_HANDLE, SCAN_FORM_HANDLE_URL, "88.118.8/P-1",
         NULL},
        {"http://node/api/handles/88.118.8/P%2D1?noredirect", SCAN_HANDLE, SCAN_FORM_HANDLE_URL,
         "88.118.8/P-1", NULL},
        {"https://node/88.118.8%2FA%20B", SCAN_HANDLE, SCAN_FORM_HANDLE_URL, "88.118.8/A B", NULL},
        {"https://node/s?x=1&code=88.118.8%2FP-1", SCAN_HANDLE, SCAN_FORM_HANDLE_URL,
         "88.118.8/P-1", NULL},
        {"]Q1https://node/88.118.8/P-1\n", SCAN_HANDLE, SCAN_FORM_HANDLE_URL, "88.118.8/P-1", NULL},
        {"]d20106901234567892"
         "10LOT7" GS "21SN0001" GS "17261231",
         SCAN_GS1, SCAN_FORM_ELEMENT, "(01)06901234567892(10)LOT7(21)SN0001(17)261231",
         "https://id.gs1.org/01/06901234567892/10/LOT7/21/SN0001?17=261231"},
        {"]Q30106901234567892"
         "21SN0001" GS,
         SCAN_GS1, SCAN_FORM_ELEMENT, "(01)06901234567892(21)SN0001",
         "https://id.gs1.org/01/06901234567892/21/SN0001"},
        {"]C100069012340000000016", SCAN_GS1, SCAN_FORM_ELEMENT, "(00)069012340000000016",
         "https://id.gs1.org/00/069012340000000016"},
        {"]e001069012345678923103000125", SCAN_GS1, SCAN_FORM_ELEMENT,
         "(01)06901234567892(3103)000125", "https://id.gs1.org/01/06901234567892?3103=000125"},
        {"0106901234567892"
         "10LOT7" GS "21SN0001",
         SCAN_GS1, SCAN_FORM_ELEMENT, "(01)06901234567892(10)LOT7(21)SN0001", NULL},
        {"(01)06901234567892(10)LOT(7)(21)SN0001", SCAN_GS1, SCAN_FORM_HRI,
         "(01)06901234567892(10)LOT(7)(21)SN0001",
         "https://id.gs1.org/01/06901234567892/10/LOT%287%29/21/SN0001"},
        {"4146901234000009"
         "254LINE1",
         SCAN_GS1, SCAN_FORM_ELEMENT, "(414)6901234000009(254)LINE1",
         "https://id.gs1.org/414/6901234000009/254/LINE1"},
        {"8003069012340000092RACK1", SCAN_GS1, SCAN_FORM_ELEMENT, "(8003)069012340000092RACK1",
         NULL},
        {"8004690123412345", SCAN_GS1, SCAN_FORM_ELEMENT, "(8004)690123412345", NULL},
        {"80100PART-A/B" GS "8011123", SCAN_GS1, SCAN_FORM_ELEMENT, "(8010)0PART-A/B(8011)123",
         "https://id.gs1.org/8010/0PART-A%2FB/8011/123"},
        {"(10)LOT7(01)06901234567892", SCAN_GS1, SCAN_FORM_HRI, "(10)LOT7(01)06901234567892",
         "https://id.gs1.org/01/06901234567892/10/LOT7"},
        {"11240229"
         "17260100"
         "37"
         "12" GS "99x-y",
         SCAN_GS1, SCAN_FORM_ELEMENT, NULL, NULL},
        {"6901234567892", SCAN_GS1, SCAN_FORM_GTIN, "(01)06901234567892", NULL},
        {"]E06901234567892", SCAN_GS1, SCAN_FORM_GTIN, "(01)06901234567892", NULL},
        {"https://id.gs1.org/01/06901234567892/10/LOT7/21/SN0001?17=261231", SCAN_GS1, SCAN_FORM_DL,
         "(01)06901234567892(10)LOT7(21)SN0001(17)261231", NULL},
        {"https://example.cn/some/prefix/01/6901234567892/21/A%2FB?linkType=all", SCAN_GS1,
         SCAN_FORM_DL, "(01)06901234567892(21)A/B",
         "https://id.gs1.org/01/06901234567892/21/A%2FB"},
        {"https://x/p/414/e.cn/414/6901234000009", SCAN_GS1, SCAN_FORM_DL, "(414)6901234000009",
         NULL},
        {"HTTPS://x/00/069012340000000016", SCAN_GS1, SCAN_FORM_DL, "(00)069012340000000016", NULL},
        {"3074257BF7194E4000001A85", SCAN_EPC, SCAN_FORM_EPC_HEX, "(01)80614141123458(21)6789",
         "urn:epc:id:sgtin:0614141.812345.6789"},
        {"3075a537c8377540000003e9\r\n", SCAN_EPC, SCAN_FORM_EPC_HEX, "(01)06901234567892(21)1001",
         "urn:epc:id:sgtin:6901234.056789.1001"},
        {"3178E61C883950F59A000000", SCAN_EPC, SCAN_FORM_EPC_HEX, "(00)323563453213454346",
         "urn:epc:id:sscc:235634.35321345434"},
        {"urn:epc:id:sgtin:6901234.056789.SN0001", SCAN_EPC, SCAN_FORM_EPC_URN,
         "(01)06901234567892(21)SN0001", "urn:epc:id:sgtin:6901234.056789.SN0001"},
        {"urn:epc:id:sgln:6901234.00000.LINE1", SCAN_EPC, SCAN_FORM_EPC_URN,
         "(414)6901234000009(254)LINE1", NULL},
        {"urn:epc:id:sgln:6901234.00000.0", SCAN_EPC, SCAN_FORM_EPC_URN, "(414)6901234000009",
         NULL},
        {"urn:epc:id:grai:6901234.00000.MACHINE1", SCAN_EPC, SCAN_FORM_EPC_URN,
         "(8003)06901234000009MACHINE1", NULL},
        {"urn:epc:id:giai:6901234.SENSOR9", SCAN_EPC, SCAN_FORM_EPC_URN, "(8004)6901234SENSOR9",
         NULL},
        {"urn:epc:class:lgtin:6901234.012345.LOT7", SCAN_EPC, SCAN_FORM_EPC_URN,
         "(01)06901234123456(10)LOT7", NULL},
};

static void
test_scan_valid_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(ok_cases); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct scan_result *r = result();
		int rc = scan(c->in, NULL);
		if (rc != IDR_OK) {
			fail_msg("case %zu %s: %s", i, c->in, r->err);
		}
		assert_int_equal(r->kind, c->kind);
		assert_int_equal(r->form, c->form);
		assert_string_equal(r->err, "");
		if (c->kind == SCAN_HANDLE && c->canon != NULL) {
			assert_string_equal(r->handle, c->canon);
		} else if (c->canon != NULL) {
			assert_string_equal(hri(&r->gs1), c->canon);
		}
		if (c->extra != NULL) {
			assert_string_equal(c->kind == SCAN_EPC ? r->epc_urn : r->dl, c->extra);
		}
	}
}

struct bad_case {
	const char *in;
	const char *err; /* exact message */
};

static const struct bad_case bad_cases[] = {
        {"(17)240231", "(17) 240231: day 31 does not exist in February"},
        {"17230229", "(17) 230229: day 29 does not exist in February"},
        {"11261331", "(11) 261331: month 13 does not exist"},
        {"11260000", "(11) 260000: month 00 does not exist"},
        {"17260431", "(17) 260431: day 31 does not exist in April"},
        {"70032612312460", "(7003) 2612312460: hour 24 does not exist"},
        {"0106901234567893", "(01) check digit is 3, expected 2"},
        {"00069012340000000017", "(00) check digit is 7, expected 6"},
        {"4146901234000005", "(414) check digit is 5, expected 9"},
        {"0106901234567892"
         "21SN 0001",
         "(21) character 0x20 at position 3 is not in CSET 82"},
        {"010690123456789A", "(01) character 'A' at position 14 is not a digit"},
        {"]d2011234", "(01) 4 digits, expected 14"},
        {"10"
         "ABCDEFGHIJKLMNOPQRSTU",
         "(10) 21 characters, at most 20 allowed (missing GS separator?)"},
        {"0106901234567892"
         "4912",
         "unknown AI at \"4912\""},
        {"]d2", "no GS1 element"},
        {"(01)06901234567892(10)", "(10) value is empty"},
        {"10LOT7", "(10) needs (01), (02) or (8006)"},
        {"0106901234567892"
         "0106901234567885",
         "(01) appears twice with different values"},
        {"https://id.gs1.org/01/06901234567892/21/SN0001/10/LOT7",
         "(10) is not a key qualifier of (01) here (order /01/22/10/21)"},
        {"https://id.gs1.org/01/06901234567893", "(01) check digit is 3, expected 2"},
        {"https://id.gs1.org/01/06901234567892?17=261331", "(17) 261331: month 13 does not exist"},
        {"https://id.gs1.org/01/06901234567892/21", "(01) path ends without a value"},
        {"https://id.gs1.org/01/06901234567892/21/A%2", "(21) bad percent-encoding in \"A%2\""},
        {"https://node/index.html", "URL holds neither a GS1 key, a handle nor ?code="},
        {"3074257BF7194E4000001A8", "(30) 21 digits, at most 8 allowed (missing GS separator?)"},
        {"3F74257BF7194E4000001A85",
         "EPC header 0x3F is not SGTIN-96, SSCC-96, SGLN-96, GRAI-96 or GIAI-96"},
        {"307C257BF7194E4000001A85", "EPC partition value 7 is reserved"},
        {"3178E61C883950F59A000001", "SSCC-96 reserved bits are not zero"},
        {"urn:epc:id:sgtin:6901234.05678.1",
         "urn:epc:id:sgtin: company prefix and reference must be 13 digits together"},
        {"urn:epc:id:gid:1.2.3",
         "not an EPC URN this node knows (sgtin, sscc, sgln, grai, giai, lgtin)"},
        {"88.118.8/", "handle: identifier has an empty suffix (nothing after the first '/')"},
        {"", "empty scan"},
        {"\r\n", "empty scan"},
        {"]d", "truncated symbology identifier"},
        {"hello", "not a handle, GS1 code or EPC"},
};

static void
test_scan_errors_name_the_rule(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad_cases); i++) {
		struct scan_result *r = result();
		int rc = scan(bad_cases[i].in, NULL);
		if (rc == IDR_OK) {
			fail_msg("case %zu %s accepted", i, bad_cases[i].in);
		}
		assert_int_equal(r->kind, SCAN_NONE);
		if (strcmp(r->err, bad_cases[i].err) != 0) {
			fail_msg("case %zu %s: got \"%s\", want \"%s\"", i, bad_cases[i].in, r->err,
			         bad_cases[i].err);
		}
		assert_int_equal(r->gs1.n, 0);
		assert_string_equal(r->dl, "");
	}
}

/* every prefix of an element string: accepted exactly where the cut leaves whole fixed fields */
static void
test_scan_truncation_element(void **state)
{
	static const char in[] = "]d2"
	                         "0106901234567892"
	                         "10LOT7" GS "21SN0001" GS "17261231";
	/* bytes after which a prefix is complete: end of (01), inside/after variable values */
	(void)state;
	for (size_t n = 0; n < sizeof(in) - 1; n++) {
		struct scan_result *r = result();
		int rc = scan_parse(in, n, NULL, r);
		size_t d = n > 3 ? n - 3 : 0;             /* offset in the data */
		bool ok = n == 3 + 16                     /* (01) complete */
		          || (d >= 16 + 3 && d <= 16 + 6) /* 10L.. 10LOT7 */
		          || d == 16 + 7                  /* trailing GS */
		          || (d >= 23 + 3 && d <= 23 + 8) /* 21S.. 21SN0001 (+GS) */
		          || d == 23 + 9 || d == 32 + 8;
		if (n < 3) {
			ok = false;
		}
		if ((rc == IDR_OK) != ok) {
			fail_msg("prefix %zu: rc %d (%s)", n, rc, r->err);
		}
		if (rc != IDR_OK) {
			assert_true(r->err[0] != '\0');
		} else {
			assert_string_equal(r->gs1.el[0].value, "06901234567892");
		}
	}
}

static void
test_scan_truncation_other(void **state)
{
	static const char epc[] = "3074257BF7194E4000001A85";
	static const char dl[] = "https://id.gs1.org/01/06901234567892/21/SN1";
	static const char urn[] = "urn:epc:id:sgtin:6901234.056789.SN1";
	(void)state;
	for (size_t n = 0; n < sizeof(epc) - 1; n++) {
		/* a short prefix may be a valid element string ((30) 742), never an EPC */
		int rc = scan_parse(epc, n, NULL, result());
		assert_true(rc != IDR_OK || result()->kind == SCAN_GS1);
		assert_true(rc == IDR_OK || result()->err[0] != '\0');
	}
	for (size_t n = 0; n < sizeof(dl) - 1; n++) {
		int rc = scan_parse(dl, n, NULL, result());
		bool ok = n == 36 || n >= 41; /* /01/{gtin} and /21/S.. */
		if ((rc == IDR_OK) != ok) {
			fail_msg("dl prefix %zu: rc %d (%s)", n, rc, result()->err);
		}
	}
	for (size_t n = 0; n < sizeof(urn) - 1; n++) {
		int rc = scan_parse(urn, n, NULL, result());
		bool ok = n >= 33;
		if ((rc == IDR_OK) != ok) {
			fail_msg("urn prefix %zu: rc %d (%s)", n, rc, result()->err);
		}
	}
}

struct limit_case {
	const char *ai;
	char fill; /* 'N' digits, 'X' CSET 82, 'C' digits with check digit, 'D' date */
	size_t min, max;
};

static const struct limit_case limits[] = {
        {"00", 'C', 18, 18},  {"01", 'C', 14, 14},   {"02", 'C', 14, 14},   {"10", 'X', 1, 20},
        {"11", 'D', 6, 6},    {"13", 'D', 6, 6},     {"15", 'D', 6, 6},     {"17", 'D', 6, 6},
        {"21", 'X', 1, 20},   {"22", 'X', 1, 20},    {"30", 'N', 1, 8},     {"37", 'N', 1, 8},
        {"240", 'X', 1, 30},  {"241", 'X', 1, 30},   {"250", 'X', 1, 30},   {"251", 'X', 1, 30},
        {"254", 'X', 1, 20},  {"400", 'X', 1, 30},   {"414", 'C', 13, 13},  {"415", 'C', 13, 13},
        {"8004", 'X', 1, 30}, {"8011", 'N', 1, 12},  {"8017", 'C', 18, 18}, {"8018", 'C', 18, 18},
        {"91", 'X', 1, 90},   {"99", 'X', 1, 90},    {"3103", 'N', 6, 6},   {"3922", 'Z', 0, 0},
        {"253", 'C', 13, 30}, {"8003", 'Z', 14, 30}, {"8006", 'C', 18, 18}, {"8010", 'Y', 1, 30},
};

static void
fill(const struct limit_case *c, size_t n, char *v)
{
	for (size_t i = 0; i < n; i++) {
		v[i] = c->fill == 'X' ? 'a' : c->fill == 'Y' ? 'A' : (char)('1' + i % 7);
	}
	v[n] = '\0';
	if (c->fill == 'D' && n >= 6) {
		memcpy(v, "261231", 6);
	}
	if (c->fill == 'C' && n >= 13) {
		size_t k = strcmp(c->ai, "253") == 0 ? 13 : strcmp(c->ai, "8006") == 0 ? 14 : n;
		v[k - 1] = (char)scan_check_digit(v, k - 1);
	}
}

static void
test_scan_ai_length_limits(void **state)
{
	char v[128], err[SCAN_ERR_MAX], want[SCAN_ERR_MAX];
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(limits); i++) {
		const struct limit_case *c = &limits[i];
		if (c->fill == 'Z') {
			continue;
		}
		fill(c, c->max, v);
		if (scan_ai_check(c->ai, v, c->max, err) != IDR_OK) {
			fail_msg("(%s) at its limit %s: %s", c->ai, v, err);
		}
		fill(c, c->max + 1, v);
		assert_int_equal(scan_ai_check(c->ai, v, c->max + 1, err), IDR_EPROTO);
		if (c->min == c->max) {
			snprintf(want, sizeof(want), "(%s) %zu %s, expected %zu", c->ai, c->max + 1,
			         c->fill == 'X' || c->fill == 'Y' ? "characters" : "digits",
			         c->max);
		} else {
			snprintf(want, sizeof(want), "(%s) %zu %s, at most %zu allowed", c->ai,
			         c->max + 1,
			         strchr("XY", c->fill) || strcmp(c->ai, "253") == 0 ? "characters"
			                                                            : "digits",
			         c->max);
		}
		assert_string_equal(err, want);
		if (c->min > 1) {
			fill(c, c->min - 1, v);
			assert_int_equal(scan_ai_check(c->ai, v, c->min - 1, err), IDR_EPROTO);
		}
	}
	assert_int_equal(scan_ai_check("3922", "1", 1, err), IDR_EPROTO);
	assert_string_equal(err, "(3922) is not a known GS1 AI");
	assert_int_equal(scan_ai_check("3106", "000001", 6, err), IDR_EPROTO);
	assert_int_equal(scan_ai_check("10", "", 0, err), IDR_EPROTO);
	assert_string_equal(err, "(10) value is empty");
	/* the element-string reader: a variable field one past its limit without a separator */
	char s[256];
	snprintf(s, sizeof(s),
	         "0106901234567892"
	         "91%091d",
	         0);
	assert_int_equal(scan(s, NULL), IDR_EPROTO);
	assert_string_equal(result()->err,
	                    "(91) 91 characters, at most 90 allowed (missing GS separator?)");
}

static void
test_scan_check_digits(void **state)
{
	static const char *const keys[][2] = {
	        {"01", "06901234567892"},       {"00", "069012340000000016"},
	        {"414", "6901234000009"},       {"02", "06901234567892"},
	        {"8017", "069012340000000016"}, {"402", "06901234000000018"},
	};
	char v[32], err[SCAN_ERR_MAX], want[SCAN_ERR_MAX];
	(void)state;
	assert_int_equal(scan_check_digit("690123456789", 12), '2');
	assert_int_equal(scan_check_digit("06901234000000001", 17), '6');
	assert_int_equal(scan_check_digit("690123400000", 12), '9');
	assert_int_equal(scan_check_digit("12a", 3), -1);
	assert_int_equal(scan_check_digit("", 0), -1);
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		size_t n = strlen(keys[i][1]);
		memcpy(v, keys[i][1], n + 1);
		if (scan_ai_check(keys[i][0], v, n, err) != IDR_OK) {
			fail_msg("(%s) %s: %s", keys[i][0], v, err);
		}
		for (int d = 1; d < 10; d++) {
			v[n - 1] = (char)('0' + (keys[i][1][n - 1] - '0' + d) % 10);
			assert_int_equal(scan_ai_check(keys[i][0], v, n, err), IDR_EPROTO);
			snprintf(want, sizeof(want), "(%s) check digit is %c, expected %c",
			         keys[i][0], v[n - 1], keys[i][1][n - 1]);
			assert_string_equal(err, want);
		}
	}
}

static void
test_scan_dates(void **state)
{
	static const struct {
		const char *v;
		bool ok;
	} dates[] = {
	        {"240229", true},  {"230229", false}, {"000229", true},  {"260100", true},
	        {"261200", true},  {"261232", false}, {"260631", false}, {"260000", false},
	        {"261300", false}, {"991231", true},
	};
	char err[SCAN_ERR_MAX];
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(dates); i++) {
		int rc = scan_ai_check("17", dates[i].v, 6, err);
		if ((rc == IDR_OK) != dates[i].ok) {
			fail_msg("(17) %s: rc %d %s", dates[i].v, rc, err);
		}
	}
}

static void
test_scan_epc_conversions(void **state)
{
	struct scan_gs1 g;
	enum scan_epc e;
	char urn[SCAN_URI_MAX], err[SCAN_ERR_MAX], dl[SCAN_URI_MAX];
	static const char *const urns[] = {
	        "urn:epc:id:sgtin:6901234.056789.SN%2F1",   "urn:epc:id:sscc:0614141.1234567890",
	        "urn:epc:id:sgln:6901234.00000.LINE1",      "urn:epc:id:sgln:6901234.00000.0",
	        "urn:epc:id:grai:6901234.00000.M1",         "urn:epc:id:giai:6901234.SENSOR9",
	        "urn:epc:class:lgtin:6901234.012345.L%26T", "urn:epc:id:sgtin:6901234.056789.A.B",
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(urns); i++) {
		if (scan_epc_to_gs1(urns[i], strlen(urns[i]), &e, &g, err) != IDR_OK) {
			fail_msg("%s: %s", urns[i], err);
		}
		assert_int_equal(scan_epc_from_gs1(&g, 7, urn, sizeof(urn), err), IDR_OK);
		assert_string_equal(urn, urns[i]);
		assert_int_equal(scan_dl_format(&g, "https://res.example.cn", dl, sizeof(dl)),
		                 IDR_OK);
		struct scan_gs1 back;
		assert_int_equal(scan_dl_parse(dl, strlen(dl), &back, err), IDR_OK);
		assert_string_equal(hri(&back), hri(&g));
	}
	/* every company prefix length gives the same GTIN back */
	for (unsigned c = 6; c <= 12; c++) {
		assert_int_equal(scan_gs1_parse("0106901234567892"
		                                "21X",
		                                19, NULL, &g, err),
		                 IDR_OK);
		assert_int_equal(scan_epc_from_gs1(&g, c, urn, sizeof(urn), err), IDR_OK);
		struct scan_gs1 back;
		assert_int_equal(scan_epc_to_gs1(urn, strlen(urn), &e, &back, err), IDR_OK);
		assert_string_equal(back.el[0].value, "06901234567892");
	}
	assert_int_equal(scan_epc_from_gs1(&g, 13, urn, sizeof(urn), err), IDR_EPROTO);
	assert_int_equal(scan_gs1_parse("0106901234567892", 16, NULL, &g, err), IDR_OK);
	assert_int_equal(scan_epc_from_gs1(&g, 7, urn, sizeof(urn), err), IDR_ENOENT);
	assert_string_equal(err, "(01) without (21) or (10) has no EPC");
	assert_int_equal(scan_epc_from_gs1(&g, 7, urn, 10, err), IDR_ENOENT);
	assert_int_equal(scan_gs1_parse("0106901234567892"
	                                "21X",
	                                19, NULL, &g, err),
	                 IDR_OK);
	assert_int_equal(scan_epc_from_gs1(&g, 7, urn, 20, err), IDR_ETOOBIG);
	/* the other 96-bit schemes */
	static const char *const hex[][2] = {
	        {"3274257BF46072000000162E", "urn:epc:id:sgln:0614141.12345.5678"},
	        {"3374257BF40C0E400000162E", "urn:epc:id:grai:0614141.12345.5678"},
	        {"3474257BF400000000000A2C", "urn:epc:id:giai:0614141.2604"},
	};
	for (size_t i = 0; i < ARRAY_LEN(hex); i++) {
		if (scan_epc_hex_decode(hex[i][0], 24, &e, urn, NULL, &g, err) != IDR_OK) {
			fail_msg("%s: %s", hex[i][0], err);
		}
		assert_string_equal(urn, hex[i][1]);
	}
}

static void
test_scan_options_and_formats(void **state)
{
	struct scan_opts o = {'|', false, 7, "https://res.example.cn"};
	struct scan_opts t = {0, true, 0, NULL};
	char raw[256];
	(void)state;
	assert_int_equal(scan("]d20106901234567892"
	                      "10LOT7|21SN0001",
	                      &o),
	                 IDR_OK);
	struct scan_result *r = result();
	assert_string_equal(r->symbology, "]d2");
	assert_string_equal(r->epc_urn, "urn:epc:id:sgtin:6901234.056789.SN0001");
	assert_string_equal(r->dl, "https://res.example.cn/01/06901234567892/10/LOT7/21/SN0001");
	assert_int_equal(scan_gs1_format(&r->gs1, SCAN_STYLE_RAW, raw, sizeof(raw)), IDR_OK);
	assert_string_equal(raw, "0106901234567892"
	                         "10LOT7" GS "21SN0001");
	assert_int_equal(scan_gs1_format(&r->gs1, SCAN_STYLE_BRACKET, raw, sizeof(raw)), IDR_OK);
	assert_string_equal(raw, "[01]06901234567892[10]LOT7[21]SN0001");
	assert_int_equal(scan_gs1_format(&r->gs1, SCAN_STYLE_HRI, raw, 10), IDR_ETOOBIG);
	/* "<GS>" spelled out: only when asked for, else it is data */
	assert_int_equal(scan("0106901234567892"
	                      "10L<GS>21SN1",
	                      &t),
	                 IDR_OK);
	assert_string_equal(hri(&result()->gs1), "(01)06901234567892(10)L(21)SN1");
	assert_int_equal(scan("0106901234567892"
	                      "10L<GS>21SN1",
	                      NULL),
	                 IDR_OK);
	assert_string_equal(hri(&result()->gs1), "(01)06901234567892(10)L<GS>21SN1");
	/* without the substitute, '|' is just a bad character */
	assert_int_equal(scan("]d20106901234567892"
	                      "10LOT7|21SN0001",
	                      NULL),
	                 IDR_EPROTO);
	assert_string_equal(result()->err, "(10) character '|' at position 5 is not in CSET 82");
	/* input limit */
	char *big = malloc(SCAN_INPUT_MAX + 1);
	assert_non_null(big);
	memset(big, '1', SCAN_INPUT_MAX + 1);
	assert_int_equal(scan_parse(big, SCAN_INPUT_MAX + 1, NULL, result()), IDR_ELIMIT);
	free(big);
	assert_string_equal(scan_kind_name(SCAN_EPC), "epc");
	assert_string_equal(scan_form_name(SCAN_FORM_DL), "dl");
	assert_string_equal(scan_epc_name(SCAN_EPC_SSCC), "sscc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_scan_valid_forms),
	        cmocka_unit_test(test_scan_errors_name_the_rule),
	        cmocka_unit_test(test_scan_truncation_element),
	        cmocka_unit_test(test_scan_truncation_other),
	        cmocka_unit_test(test_scan_ai_length_limits),
	        cmocka_unit_test(test_scan_check_digits),
	        cmocka_unit_test(test_scan_dates),
	        cmocka_unit_test(test_scan_epc_conversions),
	        cmocka_unit_test(test_scan_options_and_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
