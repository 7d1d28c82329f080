/*
 * conf_text.h - a daemon configuration for cmocka tests: the defaults (conf_load without a
 * file), then the lines of a string, as idrd.conf would give them. Header-only; include after
 * cmocka.h.
 */
#ifndef IDR_TESTS_UNIT_LIB_CONF_TEXT_H
#define IDR_TESTS_UNIT_LIB_CONF_TEXT_H

#include <string.h>

#include "base/cfg.h"
#include "core/conf.h"

/* Fill c (unset or freed) from the defaults and text; any error fails the test. */
static inline void
conf_text_load(struct conf *c, const char *text)
{
	const struct cfg_opt *t;
	size_t n;

	assert_int_equal(conf_load(c, NULL, NULL, NULL), IDR_OK);
	t = conf_table(&n);
	assert_int_equal(cfg_parse_buf(t, n, "test", text, strlen(text), c, NULL, NULL), IDR_OK);
}

#endif /* IDR_TESTS_UNIT_LIB_CONF_TEXT_H */
