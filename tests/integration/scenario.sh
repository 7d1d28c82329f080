#!/usr/bin/env bash
# scenario.sh - the supply-chain story of the demo data (deploy/demo-data.sh with
# deploy/demo-story.awk), run as deploy/run.sh runs it, with real binaries: housings cast by a
# foundry in lots, machined through three process steps (WIP) into parts, bearings and motor
# controllers from two more suppliers, reducers assembled, packed on a pallet, shipped and
# received, vehicles built and delivered. Checks: running the demo again changes nothing;
# back and forward traces give exactly the expected sets of identifiers (and the pallet only
# while the reducers were on it); timelines list the expected bizSteps in order; GS1 scans lead
# to the vehicle and the pallet; the same over a real idrd (trace API, scan API, the product
# page with its timeline, in Chinese).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

command -v curl >/dev/null 2>&1 || fail "curl is needed"
V1=88.118.12/V-LCYC5E151RS000101
LOT2=88.118.10/L-HT240502
PALLET=88.118.12/K-069754122405130012
GEAR1=88.118.12/G-EDU24050001

note "the demo data, twice: the second run changes nothing"
ok "$IDR_SRC/deploy/demo-data.sh" "$IDR_BIN" "$D"
expect_out "75 created, 0 unchanged, 13 aliases added, 0 bad rows"
expect_out "75 captured, 0 unchanged, 0 bad events"
expect_out "story: 6 vehicles received at the dealer"
ok "$IDR_BIN" stats --data "$D"
cp "$OUT" "$T/stats1"
grep -qE '^records: +4031$' "$T/stats1" || { cat "$T/stats1" >&2; fail "record count"; }
ok "$IDR_SRC/deploy/demo-data.sh" "$IDR_BIN" "$D"
expect_out "nothing to do: all 75 records already registered"
expect_out "0 captured, 75 unchanged, 0 bad events"
ok "$IDR_BIN" stats --data "$D"
diff "$T/stats1" "$OUT" >&2 || fail "the second run changed the data"
ok "$IDR_BIN" audit verify --data "$D"

# ids FILE: the identifiers of a JSON trace, sorted, on one line
ids() {
	json_get "$1" '" ".join(sorted(n["id"] for n in d["nodes"]))'
}
# steps ID: the bizSteps of ID's timeline, oldest first, on one line
steps() {
	ok "$IDR_BIN" events "$1" --json --data "$D"
	python3 -c 'import json, sys
print(" ".join(json.loads(l)["bizStep"] for l in open(sys.argv[1])))' "$OUT"
}

note "back trace of a vehicle: the parts of four enterprises, through the three process steps"
V1_BACK="88.118.10/H-240501-01 88.118.10/L-HT240501 88.118.11/B-240428-001 \
88.118.11/B-240428-002 88.118.11/L-BR240428 $GEAR1 $V1 88.118.8/P-KT240501-01 \
88.118.8/W-KT240501-01-OP10 88.118.8/W-KT240501-01-OP20 88.118.9/MC-240508-01"
ok "$IDR_BIN" trace "$V1" --back --format json --data "$D"
cp "$OUT" "$T/back.json"
assert_eq "$(ids "$T/back.json")" "$V1_BACK" "back trace of $V1"
assert_eq "$(json_get "$T/back.json" '[n["depth"] for n in d["nodes"] if n["id"] == "88.118.10/L-HT240501"][0]')" \
	6 "depth of the casting lot under the vehicle"

note "forward trace of a housing lot (a recall): three parts, two reducers, two vehicles"
LOT2_FWD="88.118.10/H-240502-01 88.118.10/H-240502-02 88.118.10/H-240502-03 \
88.118.10/H-240502-04 $LOT2 88.118.12/G-EDU24050005 88.118.12/G-EDU24050006 \
88.118.12/V-LCYC5E150RS000106 88.118.12/V-LCYC5E159RS000105 88.118.8/P-KT240502-01 \
88.118.8/P-KT240502-02 88.118.8/P-KT240502-03 88.118.8/W-KT240502-01-OP10 \
88.118.8/W-KT240502-01-OP20 88.118.8/W-KT240502-02-OP10 88.118.8/W-KT240502-02-OP20 \
88.118.8/W-KT240502-03-OP10 88.118.8/W-KT240502-03-OP20 88.118.8/W-KT240502-04-OP10 \
88.118.8/W-KT240502-04-OP20"
ok "$IDR_BIN" trace "$LOT2" --forward --format json --data "$D"
cp "$OUT" "$T/fwd.json"
assert_eq "$(ids "$T/fwd.json")" "$LOT2_FWD" "forward trace of $LOT2"
ok "$IDR_BIN" trace "$LOT2" --forward --format json --at 2024-05-14T10:00:00+08:00 --data "$D"
# (the vehicles were built later: transformations count from their time too)
assert_eq "$(ids "$OUT")" "$(echo "$LOT2_FWD $PALLET" | tr ' ' '\n' | grep -v /V- | sort |
	tr '\n' ' ' | sed 's/ $//')" "forward trace of $LOT2 while the reducers were on the pallet"
ok "$IDR_BIN" trace "$LOT2" --forward --format json --at 2024-05-12T00:00:00+08:00 --data "$D"
assert_eq "$(ids "$OUT")" "88.118.10/H-240502-01 88.118.10/H-240502-02 88.118.10/H-240502-03 \
88.118.10/H-240502-04 $LOT2 88.118.8/P-KT240502-01 88.118.8/P-KT240502-02 \
88.118.8/P-KT240502-03 88.118.8/W-KT240502-01-OP10 88.118.8/W-KT240502-01-OP20 \
88.118.8/W-KT240502-02-OP10 88.118.8/W-KT240502-02-OP20 88.118.8/W-KT240502-03-OP10 \
88.118.8/W-KT240502-03-OP20 88.118.8/W-KT240502-04-OP10 88.118.8/W-KT240502-04-OP20" \
	"forward trace of $LOT2 before the reducers were assembled"
ok "$IDR_BIN" trace 88.118.10/H-240502-04 --forward --format json --data "$D"
assert_eq "$(ids "$OUT")" \
	"88.118.10/H-240502-04 88.118.8/W-KT240502-04-OP10 88.118.8/W-KT240502-04-OP20" \
	"the housing that failed inspection went nowhere"
ok "$IDR_BIN" trace "$PALLET" --back --format json --data "$D"
assert_eq "$(ids "$OUT")" "$PALLET" "the pallet is empty after unpacking"
ok "$IDR_BIN" trace "$PALLET" --back --depth 1 --format json --at 2024-05-14T10:00:00+08:00 \
	--data "$D"
assert_eq "$(ids "$OUT")" "$GEAR1 88.118.12/G-EDU24050002 88.118.12/G-EDU24050003 \
88.118.12/G-EDU24050004 88.118.12/G-EDU24050005 88.118.12/G-EDU24050006 $PALLET" \
	"the pallet in transit (what is on it)"

note "timelines: the bizSteps in order"
assert_eq "$(steps "$GEAR1")" \
	"assembling inspecting packing shipping receiving unpacking assembling" "timeline of $GEAR1"
assert_eq "$(steps "$V1")" "assembling inspecting shipping receiving" "timeline of $V1"
assert_eq "$(steps 88.118.8/W-KT240502-04-OP20)" "commissioning inspecting destroying" \
	"timeline of the scrapped WIP"
assert_eq "$(steps 88.118.10/H-240501-01)" "commissioning shipping receiving commissioning" \
	"timeline of a housing (cast, shipped, received, turned)"
ok "$IDR_BIN" events 88.118.8/W-KT240502-04-OP20 --json --data "$D"
assert_eq "$(python3 -c 'import json, sys
print(" ".join(json.loads(l)["disposition"] for l in open(sys.argv[1])))' "$OUT")" \
	"in_progress non_conformant destroyed" "dispositions of the scrapped WIP"

note "scans: the GS1 DataMatrix of a vehicle, the SSCC of the pallet"
ok "$IDR_BIN" scan ']d2010697541210005821LCYC5E151RS000101' --json --data "$D"
assert_eq "$(json_get "$OUT" 'd["handle"]')" "$V1" "scan of the vehicle's DataMatrix"
ok "$IDR_BIN" scan '(00)069754122405130012' --json --data "$D"
assert_eq "$(json_get "$OUT" 'd["handle"]')" "$PALLET" "scan of the pallet's SSCC"

note "the same on a real idrd: trace API, scan API, the product page"
idrd_conf "$T/idrd.conf"
start_idrd "$T/idrd.conf" "$T/idrd.log"
H=$(port_of http)
get() { # get PATH: 200 wanted; body in $T/body
	code=$(curl -sS -o "$T/body" -w '%{http_code}' "http://$H$1")
	[ "$code" = 200 ] || { head -c 2000 "$T/body" >&2; fail "GET $1: HTTP $code"; }
}
get "/api/v1/trace/$V1?direction=back"
assert_eq "$(ids "$T/body")" "$V1_BACK" "GET /api/v1/trace back of $V1"
get "/api/v1/trace/$LOT2?direction=forward"
assert_eq "$(ids "$T/body")" "$LOT2_FWD" "GET /api/v1/trace forward of $LOT2"
get "/api/v1/scan?code=%5Dd2010697541210005821LCYC5E151RS000101"
assert_eq "$(json_get "$T/body" 'd["handle"]')" "$V1" "scan API: the vehicle's DataMatrix"
get "/$V1?noredirect&lang=zh"
page=$T/body
for want in "驰远 C5 纯电动轿车" "苏州驰远新能源汽车有限公司" "收货" "发货" "检验" "装配" \
	"经销商入库（苏州工业园区 4S 店）" "整车下线检验（PDI）" "整车总装线（整车工厂）" \
	"2024-05-17 10:01:00" "2024-05-15 08:30:00" "88.118.12/G-EDU24050001" \
	"88.118.9/MC-240508-01" "88.118.11/B-240428-001"; do
	grep -qF -- "$want" "$page" || fail "the product page of $V1 lacks '$want'"
done
assert_eq "$(grep -o '<p class="ev">' "$page" | wc -l)" 4 "timeline entries on the page"
# newest first: receiving, shipping, inspecting, assembling
assert_eq "$(grep -o '<p class="ev">[^<]*' "$page" | sed 's/.*>//; s/ *$//' | tr '\n' ' ')" \
	"收货 发货 检验 装配 " "timeline order on the page"
stop_idrd "$T/idrd.log"
echo "scenario: ok"
