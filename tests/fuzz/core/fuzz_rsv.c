/*
 * fuzz_rsv.c - raw bytes through the request dispatcher, as UDP and as TCP, against an
 * in-memory registry holding a hosted prefix and a record. Any input must give a drop, a
 * close, or exactly one well-formed response unit (envelope + MessageLength bytes) that
 * parses as a response.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "hdl/hdl.h"
#include "lib/reg_abc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	struct reg *reg;
	struct conf conf;
	struct metrics *m;
	struct rsv *r;
	struct rsv_worker *w;
	struct wbuf out;
} fx;

static void
setup(void)
{
	struct rsv_ports ports = {2641, 2641, 8000, 0};

	if (reg_abc(&fx.reg) != IDR_OK) {
		abort();
	}
	/* no error rate limit, so every malformed input reaches the error path */
	if (conf_load(&fx.conf, NULL, NULL, NULL) != IDR_OK) {
		abort();
	}
	fx.conf.error_rate = 0;
	if (metrics_new(&fx.m, 1, NULL, 0) != IDR_OK ||
	    rsv_new(&fx.r, fx.reg, &fx.conf, &ports, fx.m) ||
	    rsv_worker_new(fx.r, 0, NULL, &fx.w) != IDR_OK) {
		abort();
	}
	wbuf_init_heap(&fx.out, HDL_MAX_UNIT_LEN);
}

static void
check_reply(enum rsv_action a)
{
	struct rbuf in;
	struct hdl_msg m;

	if (a == RSV_DROP) {
		if (wbuf_len(&fx.out) != 0) {
			abort();
		}
		return;
	}
	if (a == RSV_CLOSE && wbuf_len(&fx.out) == 0) {
		return;
	}
	rbuf_init(&in, wbuf_data(&fx.out), wbuf_len(&fx.out));
	if (hdl_msg_parse(&in, &m) != IDR_OK || rbuf_left(&in) != 0 || m.hdr.rc == 0) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fx.w == NULL) {
		setup();
	}
	wbuf_reset(&fx.out);
	check_reply(rsv_handle(fx.w, &(struct rsv_ctx){RSV_PROTO_UDP, NULL, NULL, 0}, data, size,
	                       1700000000u, &fx.out));
	wbuf_reset(&fx.out);
	check_reply(rsv_handle(fx.w, &(struct rsv_ctx){RSV_PROTO_TCP, NULL, NULL, 0}, data, size,
	                       1700000000u, &fx.out));
	return 0;
}
