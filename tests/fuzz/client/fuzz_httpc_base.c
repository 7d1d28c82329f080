/*
 * fuzz_httpc_base.c - httpc_base_parse (resolver/client/httpc.h) on arbitrary text: an accepted
 * server gives a URL that parses again to the same server, with a host of the allowed bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/httpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TEXT_MAX 512

static void
check(int cond)
{
	if (!cond) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[FUZZ_TEXT_MAX + 1];
	struct httpc_base b, again;
	const char *why = NULL;
	size_t i;

	if (size > FUZZ_TEXT_MAX) {
		size = FUZZ_TEXT_MAX;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	if (httpc_base_parse(text, 8000, &b, &why) != IDR_OK) {
		check(why != NULL);
		return 0;
	}
	check(b.port != 0 && b.host[0] != '\0' && strlen(b.url) < HTTPC_URL_MAX);
	for (i = 0; b.host[i] != '\0'; i++) {
		check(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.[]:",
		             b.host[i]) != NULL);
	}
	check(httpc_base_parse(b.url, 1, &again, &why) == IDR_OK);
	check(again.tls == b.tls && again.port == b.port && strcmp(again.host, b.host) == 0 &&
	      strcmp(again.url, b.url) == 0);
	return 0;
}
