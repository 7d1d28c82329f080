/*
 * capture.h - store lifecycle events (life/event.h) in the registry (reg.h reg_event_add):
 * the event's id is its CBV 2.0 hash, so capturing the same event twice stores it once; its
 * stored document is its EPCIS 2.0 JSON-LD with that id as eventID; it joins the timeline of
 * every identifier it names (epcList, parentID, childEPCs, inputEPCList, outputEPCList,
 * readPoint, bizLocation); and it makes the links trace walks:
 *   AggregationEvent      parentID contains each child (ADD and OBSERVE open, DELETE closes);
 *   AssociationEvent      parentID is associated with each child (likewise);
 *   TransformationEvent   each output is made from each input.
 * Identifiers are keyed as the registry keys them (life_capture_key), one key per identity:
 *   - a handle, bare or the path of an https://<node>/<handle> URI: folded to upper case;
 *   - an EPC pure-identity URN (urn:epc:id:sgtin|sscc|sgln|grai|giai, urn:epc:class:lgtin) or
 *     a GS1 Digital Link URI on any host: its GS1 key (life/alias.h alias_event_key), e.g.
 *     urn:epc:id:sgtin:0614141.107346.2017, https://id.gs1.org/01/00614141073467/21/2017 and
 *     an alias (01)00614141073467(21)2017 all key as `(01)00614141073467(21)2017`; an EPC
 *     with no GS1 form keys as its URN;
 *   - oid:, urn:oid:, ecode:, ma: codes: their alias key (alias_keys_of_text);
 *   - any other URI, and an EPC URN or Digital Link that does not parse (a wrong digit count,
 *     a bad check digit, a scheme scan.h does not read): as given. EPCIS 2.0 lets any URI
 *     name an object and documents from other systems must capture unchanged, so keying
 *     never refuses what the event rules accepted; such an identifier is found again by the
 *     same spelling only.
 * Joins (reg.h, aliases): when an alias of a handle has the identity's key, the event is keyed
 * under the handle instead (life_capture_put does one reg_alias_write_join get per identifier
 * that is not a handle); events captured before the alias are moved to the handle by reg_alias_add.
 * The stored document stays exactly as captured (the event id is its hash).
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
 * The key a query or a trace looks an identifier up under: life_capture_key, then, for an
 * identity joined to a handle (reg_alias_join, one get; none for a handle), the folded handle.
 * So a handle, its https URL, its EPC URN and its Digital Link find the same timeline.
 * @return the key's length, IDR_ELIMIT / IDR_EINVAL as life_capture_key, or a store error.
 */
int life_capture_subject(struct reg_rtxn *t, const char *uri, char *buf, size_t cap);

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

/*
 * life_capture in two steps, for a front end that checks a document on one thread and stores
 * it on another (the HTTP capture: the writer thread then only writes): the checks, id, keys
 * and stored document of life_capture_check, kept; then the store.
 */
struct life_prep;

/**
 * Check and key ev as life_capture_check does, keeping the result in *out (NULL on failure;
 * freed with life_prep_free; it does not borrow ev).
 * @return as life_capture_check.
 */
int life_capture_prepare(const struct life_event *ev, struct life_prep **out,
                         char id[LIFE_HASH_LEN], char *err, size_t errlen) IDR_MUSTCHECK;

/**
 * Store a prepared event in w's transaction (life_capture without its checks again). The
 * identities it names are joined to their handles here, in the writer's transaction (p's keys
 * change: put a prepared event once).
 * @return IDR_OK or a store error (see reg_event_add; err says which).
 */
int life_capture_put(struct reg_wtxn *w, struct life_prep *p, enum reg_outcome *outcome, char *err,
                     size_t errlen) IDR_MUSTCHECK;

void life_prep_free(struct life_prep *p); /* accepts NULL */

/**
 * Replication: store a shipped event (stored = a JRN_OP_EVENT payload) with the timeline
 * entries and links its document makes, exactly as life_capture made them on the primary,
 * without a journal entry (reg_event_replay).
 * @return IDR_OK, IDR_EPROTO (stored or its document is malformed), IDR_ENOMEM or a store
 *         error.
 */
int life_capture_replay(struct reg_wtxn *w, struct slice stored) IDR_MUSTCHECK;

#endif /* IDR_REGISTRY_LIFE_CAPTURE_H */
