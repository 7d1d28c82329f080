/* test_udp.c - the UDP reassembly table: order, duplicates, time-out, memory cap, keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "hdl/hdl.h"
#include "hdl/hdl_udp.h"
#include "lib/sockaddr_util.h"
#include "net/udp.h"

#define MAXFRAGS 8

/* A multi-datagram RESOLUTION request split into datagrams as a stock client sends it. */
struct frags {
	uint8_t unit[4096];
	size_t unit_len;
	uint8_t d[MAXFRAGS][HDL_UDP_PACKET_MAX];
	size_t len[MAXFRAGS];
	struct hdl_envelope env[MAXFRAGS];
	size_t n;
};

static void
make_frags(struct frags *f, uint32_t request_id, size_t handle_len)
{
	char handle[2048];
	struct hdl_req_opts o;
	struct wbuf w;
	int n;

	assert_true(handle_len > 8 && handle_len < sizeof(handle));
	assert_int_equal(snprintf(handle, sizeof(handle), "88.118/%0*d", (int)(handle_len - 7), 0),
	                 (int)handle_len);
	hdl_req_opts_init(&o, request_id, 2000000000u);
	wbuf_init(&w, f->unit, sizeof(f->unit));
	assert_int_equal(
	        hdl_req_resolution_encode(&w, &o, slice_make(handle, handle_len), NULL, 0, NULL, 0),
	        IDR_OK);
	f->unit_len = wbuf_len(&w);
	n = hdl_udp_fragment_count(slice_make(f->unit, f->unit_len));
	assert_true(n >= 2 && n <= MAXFRAGS);
	f->n = (size_t)n;
	for (size_t i = 0; i < f->n; i++) {
		struct wbuf d;

		wbuf_init(&d, f->d[i], sizeof(f->d[i]));
		assert_int_equal(hdl_udp_fragment(slice_make(f->unit, f->unit_len), i, &d), IDR_OK);
		f->len[i] = wbuf_len(&d);
		assert_int_equal(hdl_udp_triage(f->d[i], f->len[i], 0, &f->env[i]),
		                 HDL_UDP_FRAGMENT);
	}
}

static int
feed(struct udp_reasm_table *t, const struct sockaddr_storage *src, const struct frags *f, size_t i,
     uint64_t now, struct hdl_reasm **done)
{
	return udp_reasm_table_feed(t, (const struct sockaddr *)src, &f->env[i], f->d[i], f->len[i],
	                            0, now, done);
}

/* The reassembled message equals the message that was fragmented. */
static void
assert_same_message(struct hdl_reasm *r, const struct frags *f)
{
	struct hdl_msg m;

	assert_non_null(r);
	assert_int_equal(hdl_reasm_parse(r, &m), IDR_OK);
	assert_int_equal(m.env.request_id, f->env[0].request_id);
	assert_int_equal(m.env.msg_len, f->unit_len - HDL_ENVELOPE_LEN);
	assert_int_equal(m.hdr.opcode, HDL_OC_RESOLUTION);
	assert_memory_equal(m.raw.p, f->unit + HDL_ENVELOPE_LEN, m.raw.len);
	hdl_reasm_free(r);
}

static void
run_order(const size_t *order, size_t n, const struct frags *f)
{
	struct udp_reasm_table *t;
	struct sockaddr_storage src = addr4("192.0.2.1", 4000);
	struct hdl_reasm *r = NULL;

	assert_int_equal(udp_reasm_table_new(&t, 1 << 20, 2000), IDR_OK);
	for (size_t k = 0; k < n; k++) {
		int rc = feed(t, &src, f, order[k], 10, &r);

		assert_int_equal(rc, k + 1 < n ? UDP_REASM_WAIT : UDP_REASM_DONE);
		assert_int_equal(udp_reasm_table_count(t), k + 1 < n ? 1 : 0);
	}
	assert_same_message(r, f);
	assert_int_equal(udp_reasm_table_memory(t), 0);
	assert_int_equal(udp_reasm_table_dropped(t), 0);
	udp_reasm_table_free(t);
}

static void
test_udp_reasm_any_order(void **state)
{
	struct frags f;
	static const size_t forward[] = {0, 1, 2, 3};
	static const size_t backward[] = {3, 2, 1, 0};
	static const size_t mixed[] = {2, 0, 3, 1};

	(void)state;
	make_frags(&f, 77, 1600);
	assert_int_equal(f.n, 4);
	run_order(forward, 4, &f);
	run_order(backward, 4, &f);
	run_order(mixed, 4, &f);
}

static void
test_udp_reasm_duplicates(void **state)
{
	struct udp_reasm_table *t;
	struct sockaddr_storage src = addr4("192.0.2.1", 4000);
	struct hdl_reasm *r;
	struct frags f;
	size_t mem;

	(void)state;
	make_frags(&f, 78, 1000);
	assert_int_equal(f.n, 3);
	assert_int_equal(udp_reasm_table_new(&t, 1 << 20, 2000), IDR_OK);
	assert_int_equal(feed(t, &src, &f, 1, 0, &r), UDP_REASM_WAIT);
	mem = udp_reasm_table_memory(t);
	assert_true(mem > f.unit_len);
	assert_int_equal(feed(t, &src, &f, 1, 1, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &src, &f, 1, 2, &r), UDP_REASM_WAIT);
	assert_null(r);
	assert_int_equal(udp_reasm_table_count(t), 1);
	assert_int_equal(udp_reasm_table_memory(t), mem);
	assert_int_equal(feed(t, &src, &f, 0, 3, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &src, &f, 0, 4, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &src, &f, 2, 5, &r), UDP_REASM_DONE);
	assert_same_message(r, &f);
	assert_int_equal(udp_reasm_table_count(t), 0);
	/* a late duplicate after completion starts a new message (which then times out) */
	assert_int_equal(feed(t, &src, &f, 2, 6, &r), UDP_REASM_WAIT);
	assert_int_equal(udp_reasm_table_count(t), 1);
	udp_reasm_table_free(t);
}

static void
test_udp_reasm_timeout(void **state)
{
	struct udp_reasm_table *t;
	struct sockaddr_storage src = addr4("192.0.2.1", 4000);
	struct hdl_reasm *r;
	struct frags f;

	(void)state;
	make_frags(&f, 79, 1000);
	assert_int_equal(udp_reasm_table_new(&t, 1 << 20, 500), IDR_OK);
	assert_int_equal(feed(t, &src, &f, 0, 1000, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &src, &f, 1, 1499, &r), UDP_REASM_WAIT);
	assert_int_equal(udp_reasm_table_expire(t, 1499), 0);
	assert_int_equal(udp_reasm_table_count(t), 1);
	/* the clock counts from the first fragment, not the latest */
	assert_int_equal(udp_reasm_table_expire(t, 1500), 1);
	assert_int_equal(udp_reasm_table_count(t), 0);
	assert_int_equal(udp_reasm_table_memory(t), 0);
	assert_int_equal(udp_reasm_table_dropped(t), 1);
	/* the last fragment alone cannot complete the expired message */
	assert_int_equal(feed(t, &src, &f, 2, 1501, &r), UDP_REASM_WAIT);
	assert_null(r);
	/* feeding expires too: a fragment arriving after the time-out starts over */
	assert_int_equal(feed(t, &src, &f, 0, 2001, &r), UDP_REASM_WAIT);
	assert_int_equal(udp_reasm_table_dropped(t), 2);
	assert_int_equal(udp_reasm_table_count(t), 1);
	assert_int_equal(feed(t, &src, &f, 1, 2002, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &src, &f, 2, 2003, &r), UDP_REASM_DONE);
	assert_same_message(r, &f);
	/* a reload shortens the time-out */
	assert_int_equal(feed(t, &src, &f, 0, 3000, &r), UDP_REASM_WAIT);
	udp_reasm_table_set_limits(t, 1 << 20, 100);
	assert_int_equal(udp_reasm_table_expire(t, 3099), 0);
	assert_int_equal(udp_reasm_table_expire(t, 3100), 1);
	udp_reasm_table_free(t);
}

static void
test_udp_reasm_memory_cap(void **state)
{
	struct udp_reasm_table *t;
	struct sockaddr_storage src = addr4("192.0.2.1", 4000);
	struct hdl_reasm *r;
	struct frags f[3];
	size_t one;

	(void)state;
	for (uint32_t i = 0; i < 3; i++) {
		make_frags(&f[i], 100 + i, 1000);
	}
	/* measure one entry, then allow exactly two */
	assert_int_equal(udp_reasm_table_new(&t, 1 << 20, 2000), IDR_OK);
	assert_int_equal(feed(t, &src, &f[0], 0, 0, &r), UDP_REASM_WAIT);
	one = udp_reasm_table_memory(t);
	udp_reasm_table_free(t);

	assert_int_equal(udp_reasm_table_new(&t, 2 * one, 2000), IDR_OK);
	assert_int_equal(feed(t, &src, &f[0], 0, 0, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &src, &f[1], 0, 1, &r), UDP_REASM_WAIT);
	assert_int_equal(udp_reasm_table_memory(t), 2 * one);
	/* a third message evicts the oldest */
	assert_int_equal(feed(t, &src, &f[2], 1, 2, &r), UDP_REASM_WAIT);
	assert_int_equal(udp_reasm_table_count(t), 2);
	assert_int_equal(udp_reasm_table_dropped(t), 1);
	assert_true(udp_reasm_table_memory(t) <= 2 * one);
	/* message 1 is still complete-able, message 0 is gone */
	assert_int_equal(feed(t, &src, &f[1], 1, 3, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &src, &f[1], 2, 4, &r), UDP_REASM_DONE);
	assert_same_message(r, &f[1]);
	assert_int_equal(feed(t, &src, &f[2], 0, 5, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &src, &f[2], 2, 6, &r), UDP_REASM_DONE);
	assert_same_message(r, &f[2]);
	assert_int_equal(udp_reasm_table_count(t), 0);
	udp_reasm_table_free(t);

	/* a message larger than the whole cap is refused, nothing evicted */
	assert_int_equal(udp_reasm_table_new(&t, one - 1, 2000), IDR_OK);
	assert_int_equal(feed(t, &src, &f[0], 0, 0, &r), IDR_ELIMIT);
	assert_null(r);
	assert_int_equal(udp_reasm_table_count(t), 0);
	assert_int_equal(udp_reasm_table_dropped(t), 1);
	udp_reasm_table_free(t);
}

static void
test_udp_reasm_max_msg_len(void **state)
{
	struct udp_reasm_table *t;
	struct sockaddr_storage src = addr4("192.0.2.1", 4000);
	struct hdl_reasm *r;
	struct frags f;
	size_t msg_len;

	(void)state;
	make_frags(&f, 5, 1000);
	msg_len = f.unit_len - HDL_ENVELOPE_LEN;
	assert_int_equal(udp_reasm_table_new(&t, 1 << 20, 2000), IDR_OK);
	assert_int_equal(
	        udp_reasm_table_feed(t, SA(src), &f.env[0], f.d[0], f.len[0], msg_len - 1, 0, &r),
	        IDR_ELIMIT);
	assert_int_equal(udp_reasm_table_count(t), 0);
	assert_int_equal(
	        udp_reasm_table_feed(t, SA(src), &f.env[0], f.d[0], f.len[0], msg_len, 0, &r),
	        UDP_REASM_WAIT);
	udp_reasm_table_free(t);
}

static void
test_udp_reasm_keys(void **state)
{
	struct udp_reasm_table *t;
	struct sockaddr_storage a = addr4("192.0.2.1", 4000);
	struct sockaddr_storage a_port = addr4("192.0.2.1", 4001);
	struct sockaddr_storage b = addr4("192.0.2.2", 4000);
	struct sockaddr_storage c6 = addr6("2001:db8::1", 4000);
	struct hdl_reasm *r;
	struct frags f;
	struct frags g;

	(void)state;
	make_frags(&f, 42, 1000);
	make_frags(&g, 43, 1000);
	assert_int_equal(udp_reasm_table_new(&t, 1 << 20, 2000), IDR_OK);
	/* the same request id from four sources, and another id from the first source */
	assert_int_equal(feed(t, &a, &f, 0, 0, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &a_port, &f, 1, 0, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &b, &f, 2, 0, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &c6, &f, 0, 0, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &a, &g, 1, 0, &r), UDP_REASM_WAIT);
	assert_int_equal(udp_reasm_table_count(t), 5);
	/* completing one key leaves the others */
	assert_int_equal(feed(t, &a, &f, 1, 1, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &a, &f, 2, 1, &r), UDP_REASM_DONE);
	assert_same_message(r, &f);
	assert_int_equal(udp_reasm_table_count(t), 4);
	assert_int_equal(feed(t, &c6, &f, 1, 1, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &c6, &f, 2, 1, &r), UDP_REASM_DONE);
	assert_same_message(r, &f);
	assert_int_equal(feed(t, &a, &g, 0, 1, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &a, &g, 2, 1, &r), UDP_REASM_DONE);
	assert_same_message(r, &g);
	assert_int_equal(udp_reasm_table_count(t), 2);
	/* freeing with entries pending releases them (checked by the leak sanitizer) */
	udp_reasm_table_free(t);
	udp_reasm_table_free(NULL);
}

static void
test_udp_reasm_inconsistent(void **state)
{
	struct udp_reasm_table *t;
	struct sockaddr_storage src = addr4("192.0.2.1", 4000);
	struct hdl_reasm *r;
	struct frags f;
	struct frags longer;

	(void)state;
	make_frags(&f, 9, 1000);
	make_frags(&longer, 9, 1400); /* same id, different MessageLength */
	assert_int_equal(udp_reasm_table_new(&t, 1 << 20, 2000), IDR_OK);
	assert_int_equal(feed(t, &src, &f, 0, 0, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &src, &longer, 1, 0, &r), IDR_EPROTO);
	assert_int_equal(udp_reasm_table_count(t), 1);
	assert_int_equal(feed(t, &src, &f, 1, 0, &r), UDP_REASM_WAIT);
	assert_int_equal(feed(t, &src, &f, 2, 0, &r), UDP_REASM_DONE);
	assert_same_message(r, &f);
	assert_int_equal(udp_reasm_table_dropped(t), 0);
	udp_reasm_table_free(t);
}

/* Many entries in a small table: chains stay consistent through inserts and removals. */
static void
test_udp_reasm_many(void **state)
{
	struct udp_reasm_table *t;
	struct hdl_reasm *r;
	struct frags f;

	(void)state;
	make_frags(&f, 1, 600);
	assert_int_equal(f.n, 2);
	assert_int_equal(udp_reasm_table_new(&t, (size_t)65536 * 4, 2000), IDR_OK);
	for (uint16_t p = 1; p <= 200; p++) {
		struct sockaddr_storage s = addr4("198.51.100.7", p);

		assert_int_equal(feed(t, &s, &f, 0, p, &r), UDP_REASM_WAIT);
	}
	assert_int_equal(udp_reasm_table_count(t), 200);
	for (uint16_t p = 200; p >= 1; p -= 3) {
		struct sockaddr_storage s = addr4("198.51.100.7", p);

		assert_int_equal(feed(t, &s, &f, 1, 300, &r), UDP_REASM_DONE);
		assert_same_message(r, &f);
		if (p < 3) {
			break;
		}
	}
	assert_int_equal(udp_reasm_table_count(t), 133);
	/* expiry drains the rest oldest first */
	assert_int_equal(udp_reasm_table_expire(t, 2000 + 100), 100 - 33);
	assert_int_equal(udp_reasm_table_expire(t, 2000 + 200), 133 - 67);
	assert_int_equal(udp_reasm_table_count(t), 0);
	assert_int_equal(udp_reasm_table_memory(t), 0);
	udp_reasm_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_udp_reasm_any_order),
	        cmocka_unit_test(test_udp_reasm_duplicates),
	        cmocka_unit_test(test_udp_reasm_timeout),
	        cmocka_unit_test(test_udp_reasm_memory_cap),
	        cmocka_unit_test(test_udp_reasm_max_msg_len),
	        cmocka_unit_test(test_udp_reasm_keys),
	        cmocka_unit_test(test_udp_reasm_inconsistent),
	        cmocka_unit_test(test_udp_reasm_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
