/* test_frep.c - report bodies (fed/frep.h): encode/parse round trip, a table of malformed
 * bodies, every truncation point, every limit and one past it; signatures that verify and ones
 * that do not (other body, other key, other hash, malformed field); the per-prefix counters
 * (fed/fstat.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fed/frep.h"
#include "fed/fstat.h"
#include "pfx.h"

static const char good[] = "idr-report 1\n"
                           "node 88.118\n"
                           "period 10\n"
                           "interval 300\n"
                           "from 3000\n"
                           "to 3300\n"
                           "uptime 3600\n"
                           "store_bytes 1048576\n"
                           "journal_head 1234\n"
                           "prefix 88.118.8 3 1 0 17\n"
                           "prefix 88.118.9 0 0 2 0\n"
                           "end\n";

static int
parse(const char *body, size_t len, struct frep *r, struct frep_count *c, size_t cap, char *why)
{
	memset(r, 0, sizeof(*r));
	r->counts = c;
	r->cap = cap;
	return frep_parse(slice_make(body, len), r, why, 200);
}

static void
test_frep_round_trip(void **state)
{
	struct frep_count c[4], total;
	struct frep r;
	char why[200];
	uint8_t buf[1024];
	struct wbuf w;

	(void)state;
	assert_int_equal(parse(good, strlen(good), &r, c, 4, why), IDR_OK);
	assert_true(slice_eq(r.node, SLICE_LIT("88.118")));
	assert_int_equal(r.period, 10);
	assert_int_equal(r.interval, 300);
	assert_int_equal(r.from, 3000);
	assert_int_equal(r.to, 3300);
	assert_int_equal(r.uptime, 3600);
	assert_int_equal(r.store_bytes, 1048576);
	assert_int_equal(r.journal_head, 1234);
	assert_int_equal(r.ncounts, 2);
	assert_true(slice_eq(c[0].prefix, SLICE_LIT("88.118.8")));
	assert_int_equal(c[0].creates, 3);
	assert_int_equal(c[0].updates, 1);
	assert_int_equal(c[0].deletes, 0);
	assert_int_equal(c[0].resolutions, 17);
	assert_int_equal(c[1].deletes, 2);
	frep_total(&r, &total);
	assert_int_equal(total.creates, 3);
	assert_int_equal(total.deletes, 2);
	assert_int_equal(total.resolutions, 17);
	/* the encoder writes the same bytes */
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(frep_encode(&w, &r), IDR_OK);
	assert_int_equal(w.len, strlen(good));
	assert_memory_equal(w.p, good, w.len);
	/* a report without prefixes */
	r.ncounts = 0;
	wbuf_reset(&w);
	assert_int_equal(frep_encode(&w, &r), IDR_OK);
	assert_int_equal(parse((const char *)w.p, w.len, &r, c, 4, why), IDR_OK);
	assert_int_equal(r.ncounts, 0);
}

/* Every proper prefix of a valid body is refused (no partial report is ever accepted). */
static void
test_frep_truncations(void **state)
{
	struct frep_count c[4];
	struct frep r;
	char why[200];

	(void)state;
	for (size_t n = 0; n < strlen(good); n++) {
		int rc = parse(good, n, &r, c, 4, why);

		if (rc != IDR_EPROTO) {
			fail_msg("cut at %zu: %d (%s)", n, rc, why);
		}
		assert_true(why[0] != '\0');
	}
}

static const struct {
	const char *what;
	const char *body;
	int rc;
	const char *why; /* part of the message */
} bad[] = {
        {"version", "idr-report 2\n", IDR_EPROTO, "version 2"},
        {"no node", "idr-report 1\nperiod 1\n", IDR_EPROTO, "line 2: expected \"node\""},
        {"bad node", "idr-report 1\nnode 88/1\n", IDR_EPROTO, "node: not a prefix"},
        {"two values", "idr-report 1\nnode 88.1 x\n", IDR_EPROTO, "one value"},
        {"sign", "idr-report 1\nnode 88.1\nperiod -1\n", IDR_EPROTO, "period: not a number"},
        {"leading zero", "idr-report 1\nnode 88.1\nperiod 01\n", IDR_EPROTO, "not a number"},
        {"empty value", "idr-report 1\nnode 88.1\nperiod \n", IDR_EPROTO, "one value"},
        {"order", "idr-report 1\nnode 88.1\ninterval 300\n", IDR_EPROTO, "expected \"period\""},
        {"from >= to",
         "idr-report 1\nnode 88.1\nperiod 10\ninterval 300\nfrom 3100\nto 3100\nuptime 1\n"
         "store_bytes 1\njournal_head 1\nend\n",
         IDR_EPROTO, "not within period"},
        {"outside the period",
         "idr-report 1\nnode 88.1\nperiod 10\ninterval 300\nfrom 3000\nto 3301\nuptime 1\n"
         "store_bytes 1\njournal_head 1\nend\n",
         IDR_EPROTO, "not within period"},
        {"interval 0",
         "idr-report 1\nnode 88.1\nperiod 0\ninterval 0\nfrom 0\nto 1\nuptime 1\n"
         "store_bytes 1\njournal_head 1\nend\n",
         IDR_EPROTO, "not within period"},
        {"descending",
         "idr-report 1\nnode 88.1\nperiod 10\ninterval 300\nfrom 3000\nto 3300\nuptime 1\n"
         "store_bytes 1\njournal_head 1\nprefix 88.1.2 0 0 0 1\nprefix 88.1.1 0 0 0 1\nend\n",
         IDR_EPROTO, "line 11: prefixes not in strictly ascending"},
        {"duplicate",
         "idr-report 1\nnode 88.1\nperiod 10\ninterval 300\nfrom 3000\nto 3300\nuptime 1\n"
         "store_bytes 1\njournal_head 1\nprefix 88.1.2 0 0 0 1\nprefix 88.1.2 0 0 0 1\nend\n",
         IDR_EPROTO, "ascending"},
        {"lower case",
         "idr-report 1\nnode 88.1\nperiod 10\ninterval 300\nfrom 3000\nto 3300\nuptime 1\n"
         "store_bytes 1\njournal_head 1\nprefix 88.1.a 0 0 0 1\nend\n",
         IDR_EPROTO, "upper-case"},
        {"three counts",
         "idr-report 1\nnode 88.1\nperiod 10\ninterval 300\nfrom 3000\nto 3300\nuptime 1\n"
         "store_bytes 1\njournal_head 1\nprefix 88.1.2 0 0 1\nend\n",
         IDR_EPROTO, "resolutions: not a number"},
        {"five counts",
         "idr-report 1\nnode 88.1\nperiod 10\ninterval 300\nfrom 3000\nto 3300\nuptime 1\n"
         "store_bytes 1\njournal_head 1\nprefix 88.1.2 0 0 1 1 1\nend\n",
         IDR_EPROTO, "four counts"},
        {"trailing space",
         "idr-report 1\nnode 88.1\nperiod 10\ninterval 300\nfrom 3000\nto 3300\nuptime 1\n"
         "store_bytes 1\njournal_head 1\nprefix 88.1.2 0 0 1 1 \nend\n",
         IDR_EPROTO, "four counts"},
        {"end with more",
         "idr-report 1\nnode 88.1\nperiod 10\ninterval 300\nfrom 3000\nto 3300\nuptime 1\n"
         "store_bytes 1\njournal_head 1\nend x\n",
         IDR_EPROTO, "expected \"prefix\" or \"end\""},
        {"after end",
         "idr-report 1\nnode 88.1\nperiod 10\ninterval 300\nfrom 3000\nto 3300\nuptime 1\n"
         "store_bytes 1\njournal_head 1\nend\nx",
         IDR_EPROTO, "line 11: bytes after"},
        {"CRLF", "idr-report 1\r\n", IDR_EPROTO, "version"},
        {"NUL", "idr-report 1\nnode 88\0.1\n", IDR_EPROTO, "node"},
};

static void
test_frep_malformed(void **state)
{
	struct frep_count c[4];
	struct frep r;
	char why[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i].body);
		int rc;

		if (strcmp(bad[i].what, "NUL") == 0) {
			len = sizeof("idr-report 1\nnode 88\0.1\n") - 1;
		}
		rc = parse(bad[i].body, len, &r, c, 4, why);
		if (rc != bad[i].rc || strstr(why, bad[i].why) == NULL) {
			fail_msg("%s: %d \"%s\"", bad[i].what, rc, why);
		}
	}
}

/* A body with one field replaced by value (prefix lines: n of them). */
static char *
body_with(const char *node, const char *num, size_t nprefixes, const char *pfx)
{
	size_t cap = 256 + strlen(node) + nprefixes * 32 + (pfx ? strlen(pfx) + 32 : 0);
	char *b = malloc(cap);
	size_t n;

	assert_non_null(b);
	n = (size_t)snprintf(b, cap,
	                     "idr-report 1\nnode %s\nperiod 10\ninterval 300\nfrom 3000\nto 3300\n"
	                     "uptime %s\nstore_bytes 1\njournal_head 1\n",
	                     node, num);
	for (size_t i = 0; i < nprefixes; i++) {
		n += (size_t)snprintf(b + n, cap - n, "prefix 88.1.%06zu 1 2 3 4\n", i);
	}
	if (pfx != NULL) {
		n += (size_t)snprintf(b + n, cap - n, "prefix %s 0 0 0 1\n", pfx);
	}
	snprintf(b + n, cap - n, "end\n");
	return b;
}

static void
test_frep_limits(void **state)
{
	struct frep_count *c = calloc(FREP_MAX_PREFIXES + 1, sizeof(*c));
	char name[PFX_MAX_LEN + 2], why[200];
	struct frep r;
	char *b;

	(void)state;
	assert_non_null(c);
	/* numbers: 10^15 is the largest */
	b = body_with("88.1", "1000000000000000", 0, NULL);
	assert_int_equal(parse(b, strlen(b), &r, c, 4, why), IDR_OK);
	free(b);
	b = body_with("88.1", "1000000000000001", 0, NULL);
	assert_int_equal(parse(b, strlen(b), &r, c, 4, why), IDR_ELIMIT);
	assert_non_null(strstr(why, "uptime: over"));
	free(b);
	/* a prefix of PFX_MAX_LEN bytes, then one more */
	memset(name, '1', sizeof(name));
	name[0] = '8';
	name[1] = '8';
	name[2] = '.';
	name[PFX_MAX_LEN] = '\0';
	b = body_with("88.1", "1", 0, name);
	assert_int_equal(parse(b, strlen(b), &r, c, 4, why), IDR_OK);
	free(b);
	name[PFX_MAX_LEN] = '1';
	name[PFX_MAX_LEN + 1] = '\0';
	b = body_with("88.1", "1", 0, name);
	assert_int_equal(parse(b, strlen(b), &r, c, 4, why), IDR_ELIMIT);
	free(b);
	b = body_with(name, "1", 0, NULL);
	assert_int_equal(parse(b, strlen(b), &r, c, 4, why), IDR_ELIMIT);
	assert_non_null(strstr(why, "node: longer"));
	free(b);
	/* FREP_MAX_PREFIXES prefix lines, then one more; and the caller's capacity */
	b = body_with("88.1", "1", FREP_MAX_PREFIXES, NULL);
	assert_int_equal(parse(b, strlen(b), &r, c, FREP_MAX_PREFIXES + 1, why), IDR_OK);
	assert_int_equal(r.ncounts, FREP_MAX_PREFIXES);
	assert_int_equal(parse(b, strlen(b), &r, c, 3, why), IDR_ELIMIT);
	assert_non_null(strstr(why, "more than 3 prefixes"));
	free(b);
	b = body_with("88.1", "1", FREP_MAX_PREFIXES + 1, NULL);
	assert_int_equal(parse(b, strlen(b), &r, c, FREP_MAX_PREFIXES + 1, why), IDR_ELIMIT);
	free(b);
	/* the body size */
	b = calloc(1, FREP_MAX_BODY + 1);
	assert_non_null(b);
	assert_int_equal(parse(b, FREP_MAX_BODY + 1, &r, c, 4, why), IDR_ELIMIT);
	free(b);
	free(c);
}

static void
test_frep_encode_refuses(void **state)
{
	struct frep_count c[2] = {{SLICE_LIT("88.1.2"), 0, 0, 0, 1},
	                          {SLICE_LIT("88.1.1"), 0, 0, 0, 1}};
	struct frep r = {SLICE_LIT("88.1"), 10, 300, 3000, 3300, 1, 1, 1, c, 2, 2};
	uint8_t buf[512];
	struct wbuf w;

	(void)state;
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(frep_encode(&w, &r), IDR_EINVAL); /* not ascending */
	assert_int_equal(w.len, 0);
	r.ncounts = 1;
	r.to = 3301; /* outside period 10 */
	assert_int_equal(frep_encode(&w, &r), IDR_EINVAL);
	r.to = 3300;
	r.uptime = FREP_MAX_NUMBER + 1;
	assert_int_equal(frep_encode(&w, &r), IDR_EINVAL);
	r.uptime = 1;
	wbuf_init(&w, buf, 40);
	assert_int_equal(frep_encode(&w, &r), IDR_ETOOBIG);
	assert_int_equal(w.len, 0);
}

static void
test_frep_signature(void **state)
{
	struct crypto_key *k = NULL, *other = NULL, *sm2 = NULL;
	struct slice id = SLICE_LIT("300:0.NA/88.118"), body = slice_cstr(good);
	uint8_t ab[FREP_AUTH_MAX];
	struct wbuf a;
	char *bad_auth;

	(void)state;
	assert_int_equal(crypto_key_generate(&k, CRYPTO_KEY_RSA, 1024), IDR_OK);
	assert_int_equal(crypto_key_generate(&other, CRYPTO_KEY_RSA, 1024), IDR_OK);
	assert_int_equal(crypto_key_generate(&sm2, CRYPTO_KEY_SM2, 0), IDR_OK);
	wbuf_init(&a, ab, sizeof(ab));
	assert_int_equal(frep_sign(k, id, body, &a), IDR_OK);
	assert_int_equal(memcmp(a.p, "IdrReport SHA256 ", 17), 0);
	assert_int_equal(frep_verify(k, id, body, wbuf_slice(&a)), IDR_OK);
	/* one byte of the body changed, another key */
	assert_int_equal(frep_verify(k, id, slice_make(good, sizeof(good) - 2), wbuf_slice(&a)),
	                 IDR_EAUTH);
	assert_int_equal(frep_verify(other, id, body, wbuf_slice(&a)), IDR_EAUTH);
	/* a flipped signature digit */
	a.p[a.len - 1] = a.p[a.len - 1] == '0' ? '1' : '0';
	assert_int_equal(frep_verify(k, id, body, wbuf_slice(&a)), IDR_EAUTH);
	/* malformed fields */
	assert_int_equal(frep_verify(k, id, body, SLICE_LIT("Bearer x")), IDR_EPROTO);
	assert_int_equal(frep_verify(k, id, body, SLICE_LIT("IdrReport SHA256 abc")), IDR_EPROTO);
	assert_int_equal(frep_verify(k, id, body, SLICE_LIT("IdrReport MD5 abcd")), IDR_EPROTO);
	assert_int_equal(frep_verify(k, id, body, SLICE_LIT("IdrReport SHA256 zz")), IDR_EPROTO);
	assert_int_equal(frep_verify(k, id, body, SLICE_LIT("IdrReport SM3 abcd")), IDR_EAUTH);
	bad_auth = calloc(1, 2 * 1024 + 40);
	assert_non_null(bad_auth);
	memcpy(bad_auth, "IdrReport SHA256 ", 17);
	memset(bad_auth + 17, 'a', 2 * 1024 + 2);
	assert_int_equal(frep_verify(k, id, body, slice_cstr(bad_auth)), IDR_EPROTO);
	free(bad_auth);
	/* SM2 signs over SM3 with the identity as SM2 id */
	wbuf_reset(&a);
	assert_int_equal(frep_sign(sm2, id, body, &a), IDR_OK);
	assert_int_equal(memcmp(a.p, "IdrReport SM3 ", 14), 0);
	assert_int_equal(frep_verify(sm2, id, body, wbuf_slice(&a)), IDR_OK);
	assert_int_equal(frep_verify(sm2, SLICE_LIT("300:0.NA/88.200"), body, wbuf_slice(&a)),
	                 IDR_EAUTH);
	crypto_key_free(k);
	crypto_key_free(other);
	crypto_key_free(sm2);
}

struct seen {
	uint64_t a, b, total;
	size_t calls;
};

static void
on_count(void *arg, struct slice prefix, uint64_t n)
{
	struct seen *s = arg;

	s->calls++;
	s->total += n;
	if (slice_eq(prefix, SLICE_LIT("88.1.A"))) {
		s->a += n;
	} else if (slice_eq(prefix, SLICE_LIT("88.1.B"))) {
		s->b += n;
	}
}

static void
test_fstat_counts(void **state)
{
	struct fstat *fs = NULL;
	struct seen s;
	char name[32];
	uint64_t overflow;

	(void)state;
	assert_int_equal(fstat_new(&fs, 0), IDR_EINVAL);
	assert_int_equal(fstat_new(&fs, 2), IDR_OK);
	assert_null(fstat_shard(fs, 2));
	fstat_count(fstat_shard(fs, 0), SLICE_LIT("88.1.a")); /* folded */
	fstat_count(fstat_shard(fs, 0), SLICE_LIT("88.1.A"));
	fstat_count(fstat_shard(fs, 1), SLICE_LIT("88.1.A"));
	fstat_count(fstat_shard(fs, 1), SLICE_LIT("88.1.B"));
	fstat_count(fstat_shard(fs, 1), SLICE_LIT(""));
	fstat_count(NULL, SLICE_LIT("88.1.B"));
	memset(&s, 0, sizeof(s));
	assert_int_equal(fstat_take(fs, on_count, &s), 0);
	assert_int_equal(s.a, 3);
	assert_int_equal(s.b, 1);
	assert_int_equal(s.calls, 3); /* 88.1.A once per shard */
	/* taken means reset */
	memset(&s, 0, sizeof(s));
	assert_int_equal(fstat_take(fs, on_count, &s), 0);
	assert_int_equal(s.calls, 0);
	/* a full shard counts the rest as overflow: nothing is lost */
	for (unsigned i = 0; i < FSTAT_SLOTS; i++) {
		snprintf(name, sizeof(name), "88.1.%u", i);
		fstat_count(fstat_shard(fs, 0), slice_cstr(name));
	}
	memset(&s, 0, sizeof(s));
	overflow = fstat_take(fs, on_count, &s);
	assert_true(overflow > 0);
	assert_int_equal(s.total + overflow, FSTAT_SLOTS);
	fstat_free(fs);
	fstat_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_frep_round_trip),     cmocka_unit_test(test_frep_truncations),
	        cmocka_unit_test(test_frep_malformed),      cmocka_unit_test(test_frep_limits),
	        cmocka_unit_test(test_frep_encode_refuses), cmocka_unit_test(test_frep_signature),
	        cmocka_unit_test(test_fstat_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
