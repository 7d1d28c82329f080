/*
 * test_alias.c - canonical alias keys (life/alias.h): every accepted form of each scheme gives
 * exactly one key, attributes and lots beside a serial are dropped, refusals name the rule,
 * every truncation of valid input and every length one past its limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "life/alias.h"

#define GTIN "06901234567892"
#define GS   "\x1d"

struct ok_case {
	const char *in;
	const char *key;
};

static void
test_alias_key_forms(void **state)
{
	static const struct ok_case cases[] = {
	        /* GS1: HRI, raw with symbology and GS, Digital Link, bare GTIN */
	        {"(01)" GTIN "(21)SN1", "(01)" GTIN "(21)SN1"},
	        {"]d201" GTIN "10L7" GS "21SN1", "(01)" GTIN "(21)SN1"},
	        {"(01)" GTIN "(17)261231(10)L7(21)SN1\r\n", "(01)" GTIN "(21)SN1"},
	        {"https://id.gs1.org/01/" GTIN "/10/L7/21/SN1?17=261231", "(01)" GTIN "(21)SN1"},
	        {"https://x.example/p/01/" GTIN "/10/L7", "(01)" GTIN "(10)L7"},
	        {"(01)" GTIN "(3103)000125", "(01)" GTIN},
	        {"6901234567892", "(01)" GTIN},
	        {"(01)" GTIN "(22)V2(21)S", "(01)" GTIN "(22)V2(21)S"},
	        {"(00)106141411234567897", "(00)106141411234567897"},
	        {"(414)6901234000009(254)A1", "(414)6901234000009(254)A1"},
	        {"(8004)6901234X1", "(8004)6901234X1"},
	        /* EPC: URN as is, hex as its URN */
	        {"urn:epc:id:sgtin:6901234.056789.SN1", "urn:epc:id:sgtin:6901234.056789.SN1"},
	        {"urn:epc:id:sscc:0614141.1234567890", "urn:epc:id:sscc:0614141.1234567890"},
	        {"3074257BF7194E4000001A85", "urn:epc:id:sgtin:0614141.812345.6789"},
	        /* other schemes */
	        {"oid:1.2.156.3001.1", "oid:1.2.156.3001.1"},
	        {"URN:OID:2.16.156.1", "oid:2.16.156.1"},
	        {"ecode:10001234567890", "ecode:10001234567890"},
	        {"Ecode:AB12", "ecode:AB12"},
	        {"ma:ma.156.m0.100001/x1", "ma:MA.156.M0.100001/X1"},
	        {"MA.156.M0.100001.1 ", "ma:MA.156.M0.100001.1"},
	};
	char key[ALIAS_KEY_MAX + 1], err[ALIAS_ERR_MAX], again[ALIAS_KEY_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = alias_key(cases[i].in, strlen(cases[i].in), key, err);

		if (n < 0) {
			fail_msg("%s: %s", cases[i].in, err);
		}
		assert_string_equal(key, cases[i].key);
		assert_int_equal(n, (int)strlen(cases[i].key));
		/* a key is its own canonical form */
		assert_int_equal(alias_key(key, strlen(key), again, err), n);
		assert_string_equal(again, key);
	}
}

struct bad_case {
	const char *in;
	int rc;
	const char *msg;
};

static void
test_alias_key_refused(void **state)
{
	static const struct bad_case cases[] = {
	        {"", IDR_EPROTO, "empty alias"},
	        {"\r\n", IDR_EPROTO, "empty alias"},
	        {"88.118.8/P-1", IDR_EPROTO, "88.118.8/P-1 is a handle"},
	        {"(17)261231", IDR_EPROTO, "without a primary key"},
	        {"(10)LOT7", IDR_EPROTO, "(10) needs (01)"},
	        {"(01)06901234567893", IDR_EPROTO, "check digit"},
	        {"oid:1..2", IDR_EPROTO, "an OID is numbers"},
	        {"oid:3.1", IDR_EPROTO, "an OID is numbers"},
	        {"oid:1.02", IDR_EPROTO, "an OID is numbers"},
	        {"oid:1", IDR_EPROTO, "an OID is numbers"},
	        {"oid:1.2.", IDR_EPROTO, "an OID is numbers"},
	        {"ecode:12-3", IDR_EPROTO, "an Ecode is letters and digits"},
	        {"ecode:", IDR_EPROTO, "an Ecode is letters and digits"},
	        {"ma:XY.1", IDR_EPROTO, "an MA code starts with MA."},
	        {"ma:MA.1 2", IDR_EPROTO, "no spaces"},
	        {"hello world", IDR_EPROTO, "not a GS1 key, EPC, OID, Ecode or MA code"},
	        /* fuzz finding: (401) ")7(21)SN1" would read back as (401) ")7" + (21) "SN1" */
	        {"401)7(21)SN1", IDR_EPROTO, "with ( or ) in a value cannot be an alias"},
	};
	char key[ALIAS_KEY_MAX + 1], err[ALIAS_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = alias_key(cases[i].in, strlen(cases[i].in), key, err);

		if (rc != cases[i].rc || strstr(err, cases[i].msg) == NULL) {
			fail_msg("%s: %d %s", cases[i].in, rc, err);
		}
		assert_string_equal(key, "");
	}
}

static void
test_alias_key_limits(void **state)
{
	char in[ALIAS_IN_MAX + 2], key[ALIAS_KEY_MAX + 1], err[ALIAS_ERR_MAX];
	size_t n;

	(void)state;
	/* ecode: value of exactly ALIAS_KEY_MAX - 6 characters fits, one more does not */
	memcpy(in, "ecode:", 6);
	memset(in + 6, '7', ALIAS_KEY_MAX - 6);
	n = ALIAS_KEY_MAX;
	assert_int_equal(alias_key(in, n, key, err), ALIAS_KEY_MAX);
	in[n] = '7';
	assert_int_equal(alias_key(in, n + 1, key, err), IDR_ELIMIT);
	assert_non_null(strstr(err, "alias longer than 250 bytes"));
	/* the input limit */
	memset(in, '7', sizeof(in));
	assert_int_equal(alias_key(in, ALIAS_IN_MAX + 1, key, err), IDR_ELIMIT);
}

/* every truncation of valid inputs: an error or a key, never a crash or a stale key */
static void
test_alias_key_truncations(void **state)
{
	static const char *const in[] = {"(01)" GTIN "(10)L7(21)SN1", "oid:1.2.156.3001.1",
	                                 "ma:MA.156.M0.1", "urn:epc:id:sgtin:6901234.056789.SN1",
	                                 "https://id.gs1.org/01/" GTIN "/21/S"};
	char key[ALIAS_KEY_MAX + 1], err[ALIAS_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		for (size_t n = 0; n < strlen(in[i]); n++) {
			int rc = alias_key(in[i], n, key, err);

			if (rc < 0) {
				assert_string_equal(key, "");
				assert_true(err[0] != '\0');
			} else {
				assert_int_equal(rc, (int)strlen(key));
			}
		}
	}
	/* known cut points */
	assert_int_equal(alias_key("oid:1.2.156.", 12, key, err), IDR_EPROTO);
	assert_int_equal(alias_key("(01)" GTIN "(21)SN1", 18, key, err), 18);
	assert_string_equal(key, "(01)" GTIN);
}

static void
test_alias_keys_of_scan(void **state)
{
	struct scan_result r;
	struct scan_opts o = {0, false, 7, NULL};
	char keys[ALIAS_KEYS][ALIAS_KEY_MAX + 1];
	const char *hex = "3074257BF7194E4000001A85";

	(void)state;
	assert_int_equal(scan_parse(hex, strlen(hex), NULL, &r), IDR_OK);
	assert_int_equal(alias_keys_of_scan(&r, keys), 2);
	assert_string_equal(keys[0], "urn:epc:id:sgtin:0614141.812345.6789");
	assert_string_equal(keys[1], "(01)80614141123458(21)6789");

	assert_int_equal(scan_parse("]d201" GTIN "21SN1", 24, &o, &r), IDR_OK);
	assert_int_equal(alias_keys_of_scan(&r, keys), 2);
	assert_string_equal(keys[0], "(01)" GTIN "(21)SN1");
	assert_string_equal(keys[1], "urn:epc:id:sgtin:6901234.056789.SN1");

	assert_int_equal(scan_parse("88.118.8/P-1", 12, NULL, &r), IDR_OK);
	assert_int_equal(alias_keys_of_scan(&r, keys), 0);
	assert_int_equal(scan_parse("(17)261231", 10, NULL, &r), IDR_OK);
	assert_int_equal(alias_keys_of_scan(&r, keys), 0);

	assert_int_equal(alias_keys_of_text("ma:MA.1.2\r\n", 11, keys), 1);
	assert_string_equal(keys[0], "ma:MA.1.2");
	assert_int_equal(alias_keys_of_text("oid:x", 5, keys), 0);
	assert_int_equal(alias_keys_of_text("(01)" GTIN, 18, keys), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_alias_key_forms),
	        cmocka_unit_test(test_alias_key_refused),
	        cmocka_unit_test(test_alias_key_limits),
	        cmocka_unit_test(test_alias_key_truncations),
	        cmocka_unit_test(test_alias_keys_of_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
