/*
 * capture.h - store lifecycle events (life/event.h) in the registry (reg.h reg_event_add):
 * the event's id is its CBV 2.0 hash, so capturing the same event twice stores it once; its
 * stored document is its EPCIS 2.0 JSON-LD with that id as eventID; it joins the timeline of
 * every identifier it names (epcList, parentID, childEPCs, inputEPCList, outputEPCList,
 * readPoint, bizLocation); and it makes the links trace walks:
 *   AggregationEvent      parentID contains each child (ADD and OBSERVE open, DELETE closes);
 *   AssociationEvent      parentID is associated with each child (likewise);
 *   TransformationEvent   each output is made from each input.
 * Identifiers are keyed as the registry keys them (life_capture_key): a handle — bare, or the
 * path of an https://<node>/<handle> URI — folded to upper case; any other URI as given.
 */
#ifndef IDR_REGISTRY_LIFE_CAPTURE_H
#define IDR_REGISTRY_LIFE_CAPTURE_H

#include <stddef.h>

#include "base/err.h"
#include "life/event.h"
#include "reg.h"

#define LIFE_CAPTURE_MAX_LINKS 4096 /* links one event may make (children x ... ) */

/**
 * The registry key of an identifier (see above) into buf.
 * @return the key's length, or IDR_ELIMIT (over REG_EVENT_KEY_MAX bytes) / IDR_EINVAL (empty).
 */
int life_capture_key(const char *uri, char *buf, size_t cap);

/**
 * Check ev (life_event_check), compute its id and store it in w's transaction.
 * @param id       receives the CBV 2.0 hash URI (may be NULL).
 * @param outcome  REG_CREATED, or REG_UNCHANGED when that event was captured before.
 * @param err      a message naming the member and the rule on IDR_EPROTO / IDR_ELIMIT.
 * @return IDR_OK, IDR_EPROTO, IDR_ELIMIT (an identifier over REG_EVENT_KEY_MAX bytes, too
 *         many links), IDR_ENOMEM or a store error (see reg_event_add).
 */
int life_capture(struct reg_wtxn *w, const struct life_event *ev, char id[LIFE_HASH_LEN],
                 enum reg_outcome *outcome, char *err, size_t errlen) IDR_MUSTCHECK;

/**
 * Everything life_capture checks, without writing: the rules (life_event_check), the id,
 * every identifier keyed, the number of identifiers and links, the stored document's size. A
 * front end that must capture several events all or nothing checks them all first: then
 * life_capture can fail only on a store error, which spoils the whole transaction anyway.
 * @param id  receives the CBV 2.0 hash URI (may be NULL).
 * @return IDR_OK, IDR_EPROTO, IDR_ELIMIT (err says which rule) or IDR_ENOMEM.
 */
int life_capture_check(const struct life_event *ev, char id[LIFE_HASH_LEN], char *err,
                       size_t errlen) IDR_MUSTCHECK;

/**
 * Replication: store a shipped event (stored = a JRN_OP_EVENT payload) with the timeline
 * entries and links its document makes, exactly as life_capture made them on the primary,
 * without a journal entry (reg_event_replay).
 * @return IDR_OK, IDR_EPROTO (stored or its document is malformed), IDR_ENOMEM or a store
 *         error.
 */
int life_capture_replay(struct reg_wtxn *w, struct slice stored) IDR_MUSTCHECK;

#endif /* IDR_REGISTRY_LIFE_CAPTURE_H */
