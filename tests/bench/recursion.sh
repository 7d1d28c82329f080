#!/usr/bin/env bash
# recursion.sh - recursive resolution (fed/rec.h) on one machine, three idrd on 127.0.0.1: a top
# level holding 0.NA/88.200 (HS_SITE -> node 2), node 2 hosting 88.200.3 with N records, node 1
# with `toplevel`. In the same run, over UDP with `idr bench resolve` (closed loop, C in flight):
#   - local: node 2 answering its own HOT identifiers;
#   - cached: node 1 answering the same identifiers recursively from its cache (filled first);
#   - cold: node 1 resolving identifiers it has not seen (open loop at RATE/s, each a cache
#     miss: top level (prefix record, cached after the first) + node 2), p50/p99.
# Each idrd runs one worker, pinned: nodes 1 and 2 on core 0 (only one of them busy in the
# local and cached runs), the top level and the client on core 1 (2 cores: the figures
# compare, they are not absolute).
# usage: tests/bench/recursion.sh
# env:   N=20000 HOT=1000 C=32 SECS=5 RATE=300 WORK=/tmp/idr-bench-rec BUILD=<repo>/build-bench
#        SKIP_BUILD=0
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-20000}
HOT=${HOT:-1000}
C=${C:-32}
SECS=${SECS:-5}
RATE=${RATE:-300}
WORK=${WORK:-/tmp/idr-bench-rec}
BUILD=${BUILD:-$top/build-bench}
OUT=$WORK/out
. "$top/tests/bench/lib.sh"

bench_build
rm -rf "$WORK/top" "$WORK/n1" "$WORK/n2"
mkdir -p "$OUT"

say "== data: $N records under 88.200.3 on node 2"
"$IDR" init --data "$WORK/n2" --node-prefix 88.200 --owner node2 >/dev/null
"$IDR" prefix add 88.200.3 --data "$WORK/n2" --owner ent >/dev/null
awk -v n="$N" 'BEGIN { print "id,kind,url,model"
	for (i = 1; i <= n; i++) printf "88.200.3/R-%07d,part,https://example.com/r/%d,M%d\n", i, i, i % 97 }' \
	>"$WORK/rows.csv"
"$IDR" import "$WORK/rows.csv" --data "$WORK/n2" >/dev/null
"$IDR" init --data "$WORK/top" --node-prefix 88 --owner top >/dev/null
"$IDR" prefix add 88.200 --data "$WORK/top" --owner node2 >/dev/null
"$IDR" init --data "$WORK/n1" --node-prefix 88.118 --owner node1 >/dev/null
awk -v n="$HOT" 'BEGIN { for (i = 1; i <= n; i++) printf "88.200.3/R-%07d\n", i }' >"$WORK/hot.ids"
awk -v n="$N" -v h="$HOT" 'BEGIN { for (i = h + 1; i <= n; i++) printf "88.200.3/R-%07d\n", i }' \
	>"$WORK/cold.ids"

freeport() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
start() { # start NAME CPU PORT [LINES...]
	n=$1 cpu=$2 port=$3
	shift 3
	{
		echo "data_dir $WORK/$n"
		echo "workers 1"
		echo "udp_listen 127.0.0.1:$port"
		echo "tcp_listen 127.0.0.1:$port"
		echo "http_listen 127.0.0.1:0"
		echo "udp_source_rate 0"
		echo "log_level notice"
		for l in "$@"; do echo "$l"; done
	} >"$WORK/$n.conf"
	rm -f "$WORK/$n.ports"
	taskset -c "$cpu" "$IDRD" -c "$WORK/$n.conf" --port-file "$WORK/$n.ports" >"$WORK/$n.log" 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do [ -s "$WORK/$n.ports" ] && return 0; sleep 0.1; done
	die "$n did not start"
}
P2=$(freeport)
start n2 0 "$P2"
SITE=$(python3 - "$P2" <<'PY'
import struct, sys
p = int(sys.argv[1])
b = struct.pack('>HBBHBB', 1, 2, 11, 1, 0x80, 2) + struct.pack('>II', 0, 0)
b += struct.pack('>II', 1, 1) + bytes(12) + bytes([127, 0, 0, 1]) + struct.pack('>I', 0)
b += struct.pack('>I', 2) + bytes([3, 1]) + struct.pack('>I', p) + bytes([2, 0]) + struct.pack('>I', p)
print(b.hex())
PY
)
printf '{"handle":"0.NA/88.200","values":[{"index":100,"type":"HS_ADMIN","data":{"format":"admin","value":{"handle":"0.NA/88.200","index":300,"permissions":"111111111111"}}},{"index":1,"type":"HS_SITE","ttl":86400,"data":{"format":"hex","value":"%s"}}]}\n' \
	"$SITE" >"$WORK/top.jsonl"
"$IDR" import --update "$WORK/top.jsonl" --data "$WORK/top" >/dev/null
PT=$(freeport)
start top 1 "$PT"
P1=$(freeport)
start n1 0 "$P1" "toplevel 127.0.0.1:$PT" "recursion_cache_max 100000"

bench() { # bench NAME SERVER IDS [ARGS...]
	name=$1 srv=$2 ids=$3
	shift 3
	taskset -c 1 "$IDR" bench resolve --server "$srv" --udp --ids "$ids" --json "$@" \
		>"$OUT/$name.json"
}
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

say "== cold: node 1 resolves unseen identifiers at $RATE/s for $SECS s"
bench cold "127.0.0.1:$P1" "$WORK/cold.ids" --rate "$RATE" --duration "$SECS" --warmup 0 \
	--concurrency 256 --timeout-ms 5000
say "== fill node 1's cache with the $HOT hot identifiers"
bench fill "127.0.0.1:$P1" "$WORK/hot.ids" --concurrency "$C" --duration 3 --warmup 0
say "== local (node 2) and cached recursive (node 1), closed loop C=$C, $SECS s each"
bench local "127.0.0.1:$P2" "$WORK/hot.ids" --concurrency "$C" --duration "$SECS"
bench cached "127.0.0.1:$P1" "$WORK/hot.ids" --concurrency "$C" --duration "$SECS"

loc=$(field "$OUT/local.json" 'round(d["throughput"])')
cac=$(field "$OUT/cached.json" 'round(d["throughput"])')
printf 'FIGURE local_udp_rps %s p50_us %s p99_us %s\n' "$loc" \
	"$(field "$OUT/local.json" 'd["latency_us"]["p50"]')" "$(field "$OUT/local.json" 'd["latency_us"]["p99"]')"
printf 'FIGURE cached_recursive_udp_rps %s p50_us %s p99_us %s ratio %s responses %s\n' "$cac" \
	"$(field "$OUT/cached.json" 'd["latency_us"]["p50"]')" "$(field "$OUT/cached.json" 'd["latency_us"]["p99"]')" \
	"$(python3 -c "print(round($cac / max($loc, 1), 2))")" "$(field "$OUT/cached.json" 'd["responses"]')"
printf 'FIGURE cold_recursive_udp answered %s of %s p50_us %s p99_us %s responses %s\n' \
	"$(field "$OUT/cold.json" 'd["answered"]')" "$(field "$OUT/cold.json" 'd["sent"]')" \
	"$(field "$OUT/cold.json" 'd["latency_us"]["p50"]')" "$(field "$OUT/cold.json" 'd["latency_us"]["p99"]')" \
	"$(field "$OUT/cold.json" 'd["responses"]')"
curl -sf "http://$(awk '$1 == "http" { print $2 }' "$WORK/n1.ports")/metrics" | grep '^idr_recursion_total' || true
