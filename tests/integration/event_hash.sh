#!/usr/bin/env bash
# event_hash.sh - CBV 2.0 event ids (ref/traceability.md §2.4): `idr event hash` against
# the reference vectors of RalphTro/epcis-event-hash-generator (tests/data/epcis/hashgen) and
# against the npm oracle epcis2.js (eventToHashedId) on random Object, Aggregation,
# Transformation and Association events with quantities, time zones, extensions and ilmd
# built by its own builder (event_hash_gen.js); a changed event gets a different id.
. "$(dirname "$0")/lib.sh"

: "${IDR_SRC:?IDR_SRC must point to the source tree}"
command -v node >/dev/null 2>&1 || fail "node is needed"
ORACLES=$IDR_SRC/tests/oracles
[ -d "$ORACLES/node_modules/epcis2.js" ] ||
	fail "the EPCIS oracle is not installed: run 'npm ci' in $ORACLES"
export ORACLES

# reference vectors
for doc in "$IDR_TEST_DATA"/epcis/hashgen/*.jsonld; do
	name=$(basename "$doc" .jsonld)
	"$IDR_BIN" event hash "$doc" >"$T/$name.out" || fail "$name: idr event hash failed"
	diff -u "${doc%.jsonld}.hashes" "$T/$name.out" >&2 || fail "$name: hashes differ"
done

# the oracle on random events: 3 seeds x 300 events
for seed in 11 12 13; do
	mkdir -p "$T/s$seed"
	node "$IDR_SRC/tests/integration/event_hash_gen.js" "$seed" 300 "$T/s$seed" ||
		fail "seed $seed: the generator failed"
	"$IDR_BIN" event hash "$T/s$seed/doc.jsonld" >"$T/s$seed/ours" ||
		fail "seed $seed: idr event hash failed"
	[ "$(wc -l <"$T/s$seed/ours")" -eq 300 ] || fail "seed $seed: not 300 hashes"
	diff "$T/s$seed/expected.hashes" "$T/s$seed/ours" >&2 ||
		fail "seed $seed: hashes differ from epcis2.js eventToHashedId"
	for t in ObjectEvent AggregationEvent TransformationEvent AssociationEvent; do
		grep -q "\"$t\"" "$T/s$seed/doc.jsonld" || fail "seed $seed: no $t generated"
	done
done

# the same event in another zone and member order has the same id; another time does not
single='{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2024-03-01T08:00:00+08:00",
 "eventTimeZoneOffset":"+08:00","epcList":["urn:epc:id:sgtin:6901234.056789.SN1"]}'
moved='{"epcList":["https://x.example/01/06901234567892/21/SN1"],"eventTimeZoneOffset":"+08:00",
 "eventTime":"2024-03-01T00:00:00.000Z","action":"OBSERVE","type":"ObjectEvent"}'
later='{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2024-03-01T08:00:00.001+08:00",
 "eventTimeZoneOffset":"+08:00","epcList":["urn:epc:id:sgtin:6901234.056789.SN1"]}'
a=$(printf '%s' "$single" | "$IDR_BIN" event hash -) || fail "single event refused"
b=$(printf '%s' "$moved" | "$IDR_BIN" event hash -) || fail "moved event refused"
c=$(printf '%s' "$later" | "$IDR_BIN" event hash -) || fail "later event refused"
[ "$a" = "$b" ] || fail "same event, different ids: $a $b"
[ "$a" != "$c" ] || fail "different events, same id"
case $a in ni:///sha-256\;????????????????????????????????????????????????????????????????\?ver=CBV2.0) ;;
*) fail "not a CBV 2.0 hash: $a" ;; esac

# a rule the schema misses is refused, naming the event and the member
bad='{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
 "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T00:00:00Z",
 "epcisBody":{"eventList":[{"type":"AggregationEvent","action":"ADD",
 "eventTime":"2024-03-01T08:00:00+08:00","eventTimeZoneOffset":"+08:00",
 "childEPCs":["urn:epc:id:sgtin:6901234.056789.SN1"]}]}}'
if printf '%s' "$bad" | "$IDR_BIN" event hash - >"$T/bad.out" 2>"$T/bad.err"; then
	fail "aggregation ADD without parentID accepted"
fi
grep -q 'eventList\[0\]\.parentID: required for an AggregationEvent with action ADD' "$T/bad.err" ||
	fail "unexpected error: $(cat "$T/bad.err")"
echo "PASS: $TEST_NAME"
