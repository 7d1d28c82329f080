/*
 * fuzz_event.c - the EPCIS 2.0 event parser (life_event_parse, life_doc_parse), the rules,
 * the JSON-LD writer and the CBV 2.0 event hash.
 *
 * Input: any bytes, parsed as one event and as a document. Every accepted event must: pass
 * life_event_check, hash, write as JSON-LD that parses again (with the same namespaces) to an
 * event with the same hash (the hash covers every member that takes part in it). A refusal
 * must come with a message. The raw input also goes through life_time_parse (a success must
 * format back to the same instant), life_uri_handle and life_capture_key (a key is one
 * key: keying it again gives itself, so an identity keys the same however it is spelled).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "life/capture.h"
#include "life/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_event: %s%s%s\n", what, detail != NULL ? ": " : "",
	        detail != NULL ? detail : "");
	abort();
}

static void
check_event(const struct life_event *ev)
{
	char err[LIFE_ERR_LEN], h1[LIFE_HASH_LEN], h2[LIFE_HASH_LEN];
	struct life_event again;
	json_t *j;

	if (life_event_check(ev, err, sizeof(err)) != IDR_OK) {
		die("parsed event fails life_event_check", err);
	}
	if (life_event_hash(ev, h1) != IDR_OK) {
		die("hash failed", NULL);
	}
	if (life_event_to_json(ev, &j) != IDR_OK) {
		die("life_event_to_json failed", NULL);
	}
	if (life_event_from_json(j, ev->ns, NULL, &again, err, sizeof(err)) != IDR_OK) {
		die("written event does not parse", err);
	}
	if (life_event_hash(&again, h2) != IDR_OK || strcmp(h1, h2) != 0) {
		die("round trip changed the hash", h1);
	}
	life_event_deinit(&again);
	json_decref(j);
}

/* the key of uri is a fixed point of the keying (what queries rely on) */
static void
key_check(const char *uri)
{
	char key[REG_EVENT_KEY_MAX + 1], again[REG_EVENT_KEY_MAX + 1];
	int n = life_capture_key(uri, key, sizeof(key));

	if (n > 0 &&
	    (life_capture_key(key, again, sizeof(again)) != n || strcmp(key, again) != 0)) {
		die("capture key is not its own key", uri);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[LIFE_ERR_LEN], buf[LIFE_TIME_LEN], h[256];
	struct life_event ev;
	struct life_doc doc;
	struct life_time t, t2;

	if (life_event_parse(data, size, &ev, err, sizeof(err)) == IDR_OK) {
		check_event(&ev);
		life_event_deinit(&ev);
	} else if (err[0] == '\0') {
		die("event refused without a message", NULL);
	}
	if (life_doc_parse(data, size, &doc, err, sizeof(err)) == IDR_OK) {
		for (size_t i = 0; i < doc.n; i++) {
			check_event(&doc.ev[i]);
		}
		life_doc_free(&doc);
	} else if (err[0] == '\0') {
		die("document refused without a message", NULL);
	}
	if (life_time_parse((const char *)data, size, &t) == IDR_OK) {
		life_time_format(t, false, buf);
		if (life_time_parse(buf, strlen(buf), &t2) != IDR_OK || t2.ms != t.ms ||
		    t2.tz_min != t.tz_min) {
			die("time does not round trip", buf);
		}
	}
	if (size < 512 && memchr(data, '\0', size) == NULL) {
		char uri[512];
		memcpy(uri, data, size);
		uri[size] = '\0';
		(void)life_uri_handle(uri, h, sizeof(h));
		key_check(uri);
	}
	return 0;
}
