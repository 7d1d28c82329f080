#!/usr/bin/env bash
# lifecycle.sh - lifecycle events and trace from the command line, on a supply-chain story: a
# foundry (88.118.9) casts a lot of gearbox housings; a machining shop (88.118.8) turns a
# housing into a part through work in progress; a vehicle maker (88.118.7) assembles a gearbox
# from it and a shaft, packs it on a pallet, ships it, and later unpacks it. `idr event add`
# records each step (CBV 2.0 hash ids: the same event twice is stored once); `idr trace`
# walks back (what the gearbox is made of) and forward (where the lot went: a recall), also as
# it was at a given time; `idr events` lists a timeline; `idr event import` captures an EPCIS
# 2.0 document, reporting a bad event and keeping the good ones.
. "$(dirname "$0")/lib.sh"

idr() { "$IDR_BIN" "$@" --data "$T/data"; }
ok idr init --node-prefix 88.118
add() { ok idr event add "$@"; }
add 88.118.9/L-CAST-01 --biz-step commissioning --read-point 88.118.9/S-FOUNDRY \
	--time 2024-01-05T08:00:00+08:00
add 88.118.8/P-HOUSING-1 --biz-step commissioning --input 88.118.9/L-CAST-01 \
	--time 2024-01-10T09:00:00+08:00
add 88.118.8/W-1 --biz-step commissioning --input 88.118.8/P-HOUSING-1 \
	--read-point 88.118.8/S-TURN --time 2024-01-11T09:00:00+08:00
add 88.118.7/GEARBOX-1 --biz-step assembling --input 88.118.8/W-1,88.118.8/P-SHAFT-1 \
	--time 2024-01-20T10:00:00+08:00
add 88.118.7/GEARBOX-1 --biz-step packing --parent 88.118.7/PALLET-9 \
	--time 2024-01-21T10:00:00+08:00
add 88.118.7/GEARBOX-1 --biz-step shipping --disposition in_transit \
	--time 2024-01-22T10:00:00+08:00
expect_out "captured ni:///sha-256;"
add 88.118.7/GEARBOX-1 --biz-step unpacking --parent 88.118.7/PALLET-9 --action DELETE \
	--time 2024-01-25T10:00:00+08:00
# the same event again: stored once
ok idr event add 88.118.7/GEARBOX-1 --biz-step shipping --disposition in_transit \
	--time 2024-01-22T10:00:00+08:00
expect_out "unchanged (captured before)"

ids() { # the identifiers of a JSON trace, sorted, one line
	json_get "$1" '" ".join(sorted(n["id"] for n in d["nodes"]))'
}
ok idr trace 88.118.7/GEARBOX-1 --back --format json
cp "$OUT" "$T/back.json"
json_valid "$T/back.json"
assert_eq "$(ids "$T/back.json")" \
	"88.118.7/GEARBOX-1 88.118.8/P-HOUSING-1 88.118.8/P-SHAFT-1 88.118.8/W-1 88.118.9/L-CAST-01" \
	"back trace of the gearbox"
assert_eq "$(json_get "$T/back.json" '[n["depth"] for n in d["nodes"] if n["id"] == "88.118.9/L-CAST-01"][0]')" \
	3 "depth of the lot"
# --stats: the same output, and on stderr the nodes and store reads (a seek per node, a move per
# link entry, a lookup of each node's record: 5 nodes and 4 edges read 14 today; no scan)
ok idr trace 88.118.7/GEARBOX-1 --back --format json --stats
cmp -s "$OUT" "$T/back.json" || fail "--stats changed the trace"
expect_err "trace stats: nodes 5, reads "
reads=$(sed -n 's/^trace stats: nodes 5, reads \([0-9]*\), .*/\1/p' "$ERR")
[ -n "$reads" ] && [ "$reads" -ge 9 ] && [ "$reads" -le 30 ] || fail "trace reads: '$reads'"
expect_exit 64 idr events 88.118.7/GEARBOX-1 --stats
ok idr trace 88.118.9/L-CAST-01 --forward --format json --at 2024-01-23T00:00:00Z
cp "$OUT" "$T/fwd.json"
assert_eq "$(ids "$T/fwd.json")" \
	"88.118.7/GEARBOX-1 88.118.7/PALLET-9 88.118.8/P-HOUSING-1 88.118.8/W-1 88.118.9/L-CAST-01" \
	"forward trace of the lot while packed"
ok idr trace 88.118.9/L-CAST-01 --forward --format json
cp "$OUT" "$T/fwd-now.json"
assert_eq "$(ids "$T/fwd-now.json")" \
	"88.118.7/GEARBOX-1 88.118.8/P-HOUSING-1 88.118.8/W-1 88.118.9/L-CAST-01" \
	"forward trace after unpacking"
ok idr trace 88.118.9/L-CAST-01 --forward --at 2024-01-15T00:00:00Z
expect_out "88.118.8/W-1"
grep -q GEARBOX "$OUT" && fail "the gearbox was not assembled on 2024-01-15"
ok idr trace 88.118.7/GEARBOX-1 --back --depth 1
assert_eq "$(wc -l <"$OUT")" 3 "depth 1: the gearbox and its two inputs"
ok idr trace 88.118.7/GEARBOX-1 --back --max 2
expect_out "stopped at --max 2"
ok idr trace 88.118.7/GEARBOX-1 --back --format dot
expect_out 'digraph trace {'
expect_out '"88.118.7/GEARBOX-1" -> "88.118.8/W-1" [label="transformation"];'

ok idr events 88.118.7/GEARBOX-1
assert_eq "$(wc -l <"$OUT")" 4 "the gearbox's timeline"
expect_out "2024-01-20T10:00:00.000+08:00  TransformationEvent"
ok idr events 88.118.7/GEARBOX-1 --from 2024-01-21T00:00:00Z --to 2024-01-23T00:00:00Z
assert_eq "$(wc -l <"$OUT")" 2 "the timeline between two times"
ok idr events 88.118.8/S-TURN --json
assert_eq "$(json_get "$OUT" 'd["bizStep"]')" commissioning "the station's timeline"

# an EPCIS 2.0 document: two good events and one without its parentID
cat >"$T/doc.json" <<'EOF'
{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument",
 "schemaVersion":"2.0","creationDate":"2024-02-01T00:00:00Z","epcisBody":{"eventList":[
 {"type":"ObjectEvent","eventTime":"2024-02-01T08:00:00+08:00","eventTimeZoneOffset":"+08:00",
  "action":"OBSERVE","bizStep":"receiving","disposition":"in_progress",
  "epcList":["https://dealer.example/88.118.7/GEARBOX-1"]},
 {"type":"AggregationEvent","eventTime":"2024-02-01T09:00:00+08:00","eventTimeZoneOffset":"+08:00",
  "action":"ADD","bizStep":"packing","childEPCs":["https://dealer.example/88.118.7/GEARBOX-2"]},
 {"type":"ObjectEvent","eventTime":"2024-02-02T08:00:00+08:00","eventTimeZoneOffset":"+08:00",
  "action":"OBSERVE","bizStep":"inspecting","epcList":["https://dealer.example/88.118.7/GEARBOX-1"]}
]}}
EOF
# a document with a bad event is refused whole (EPCIS capture is all or nothing), naming it
expect_exit 1 idr event import "$T/doc.json"
expect_err "eventList[1].parentID: required for an AggregationEvent with action ADD"
ok idr events 88.118.7/GEARBOX-1
assert_eq "$(wc -l <"$OUT")" 4 "nothing of the refused document was captured"
sed -i 's|"action":"ADD","bizStep":"packing",|"action":"ADD","bizStep":"packing","parentID":"https://dealer.example/88.118.7/CRATE-1",|' \
	"$T/doc.json"
ok idr event import "$T/doc.json"
expect_out "3 captured, 0 unchanged, 0 bad events"
ok idr event import "$T/doc.json"
expect_out "0 captured, 3 unchanged, 0 bad events"
ok idr events 88.118.7/GEARBOX-1
assert_eq "$(wc -l <"$OUT")" 6 "the timeline after the import"

expect_exit 64 idr event add 88.118.8/X --parent 88.118.8/B --input 88.118.8/A
expect_err "do not go together"
expect_exit 64 idr event add 88.118.8/X --time yesterday
expect_err "--time"
expect_exit 64 idr trace 88.118.8/X
expect_err "give --back or --forward"
expect_exit 1 idr event import "$T/none.json"
ok "$IDR_BIN" audit verify --data "$T/data"
echo "lifecycle: ok"
