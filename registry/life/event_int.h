/* event_int.h - declarations shared by the files of the life/event module only. */
#ifndef IDR_REGISTRY_LIFE_EVENT_INT_H
#define IDR_REGISTRY_LIFE_EVENT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/wbuf.h"
#include "life/event.h"

#define EPCIS_CONTEXT_URI "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

/** true when s is in the NULL-terminated list. */
bool life_word_in(const char *const *list, const char *s);

/** "+hh:mm"/"-hh:mm" (the EPCIS pattern) into minutes. @return IDR_OK or IDR_EINVAL. */
int life_tz_parse(const char *s, size_t len, int16_t *out);

/** A date-time with or without zone (no zone: UTC) into UTC ms. @return IDR_OK/IDR_EINVAL. */
int life_time_parse_lenient(const char *s, size_t len, int64_t *ms);

/** URI syntax as the EPCIS JSON schema's "format": "uri" (a scheme, no spaces or controls). */
bool life_uri_ok(const char *s);

/** uom: ^[A-Z0-9]{2,3}$ */
bool life_uom_ok(const char *s);

/** the CBV error reasons (bare words) */
bool life_cbv_error_reason(const char *s);

/**
 * The canonical GS1 Digital Link form of an EPC URN or Digital Link URI (CBV 2.0 hash rules
 * 17, 18). @return a new malloc'ed string, or NULL when uri has no such form (or no memory).
 */
char *life_dl_normalise(const char *uri);

/* The text of w as a new NUL-terminated string (NULL if w is in error or out of memory);
 * w is deinitialised. */
char *life_wbuf_take(struct wbuf *w);

/** life_event_check with the error path of the event ("eventList[3]"; *path may be NULL). */
int life_check(const struct life_event *ev, const char *path, char *err, size_t errlen);

#endif /* IDR_REGISTRY_LIFE_EVENT_INT_H */
