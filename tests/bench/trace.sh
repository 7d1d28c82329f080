#!/usr/bin/env bash
# trace.sh - back trace of a product with 10,110 components over 4 levels (issue 9
# "Benchmarks"): 1 product <- 10 assemblies <- 100 subassemblies <- 1000 parts <- 9000 lots,
# built by lifecycle events (the assemblies, subassemblies and parts by TransformationEvents,
# the subassemblies' parts by AggregationEvents: 1111 events in one EPCIS 2.0 document made
# by a deterministic awk generator, stored with `idr event import`); every item is a
# registered record (idr import). In one run, REPEAT times each (median):
#   - `idr trace T-P --back --format json --max 20000 --stats`: wall time of the process, the
#     walk's own time, nodes, and store reads (gets and cursor moves) per node visited;
#   - GET /api/v1/trace/88.118.8/T-P?direction=back&max=20000 over HTTP (curl, keep-alive
#     not needed: one request) from a release idrd with one worker pinned to core 0;
#   - a forward trace from one lot (recall: 5 nodes) by both routes.
# usage: tests/bench/trace.sh
# env:   REPEAT=5 WORK=/tmp/idr-bench-trace BUILD=<repo>/build-rel SKIP_BUILD=0 KEEP=0
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
REPEAT=${REPEAT:-5}
WORK=${WORK:-/tmp/idr-bench-trace}
BUILD=${BUILD:-$top/build-rel}
OUT=$WORK/out
. "$top/tests/bench/lib.sh"
for t in python3 curl taskset; do
	command -v "$t" >/dev/null 2>&1 || die "$t is needed"
done
bench_build
rm -rf "$WORK/data"
mkdir -p "$OUT"
say "== load: $(uptime)"

# ---- the items and the events that build the tree
LC_ALL=C awk -v csv="$OUT/items.csv" -v doc="$OUT/tree.json" 'BEGIN {
	H = "88.118.8/T-"; U = "https://bench.example/" H
	print "id,kind,model" > csv
	print H "P,product,NEV-GEARBOX-2024" > csv
	printf "{\"@context\":[\"https://ref.gs1.org/standards/epcis/epcis-context.jsonld\"],\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\",\"creationDate\":\"2024-03-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[" > doc
	# the product from 10 assemblies
	printf "{\"type\":\"TransformationEvent\",\"eventTime\":\"2024-03-05T10:00:00+08:00\",\"eventTimeZoneOffset\":\"+08:00\",\"inputEPCList\":[" > doc
	for (a = 0; a < 10; a++) printf "%s\"%sA-%02d\"", (a ? "," : ""), U, a > doc
	printf "],\"outputEPCList\":[\"%sP\"],\"bizStep\":\"assembling\"}", U > doc
	for (a = 0; a < 10; a++) {
		print H sprintf("A-%02d", a) ",wip,ASSY" > csv
		printf ",{\"type\":\"TransformationEvent\",\"eventTime\":\"2024-03-04T10:%02d:00+08:00\",\"eventTimeZoneOffset\":\"+08:00\",\"inputEPCList\":[", a > doc
		for (s = 0; s < 10; s++) printf "%s\"%sS-%03d\"", (s ? "," : ""), U, a * 10 + s > doc
		printf "],\"outputEPCList\":[\"%sA-%02d\"],\"bizStep\":\"assembling\"}", U, a > doc
	}
	for (s = 0; s < 100; s++) {
		print H sprintf("S-%03d", s) ",wip,SUB" > csv
		printf ",{\"type\":\"AggregationEvent\",\"eventTime\":\"2024-03-03T%02d:%02d:00+08:00\",\"eventTimeZoneOffset\":\"+08:00\",\"parentID\":\"%sS-%03d\",\"childEPCs\":[", 8 + int(s / 60), s % 60, U, s > doc
		for (c = 0; c < 10; c++) printf "%s\"%sC-%04d\"", (c ? "," : ""), U, s * 10 + c > doc
		printf "],\"action\":\"ADD\",\"bizStep\":\"packing\"}" > doc
	}
	for (c = 0; c < 1000; c++) {
		print H sprintf("C-%04d", c) ",part,PART" > csv
		printf ",{\"type\":\"TransformationEvent\",\"eventTime\":\"2024-03-02T%02d:%02d:%02d+08:00\",\"eventTimeZoneOffset\":\"+08:00\",\"inputEPCList\":[", 8 + int(c / 3600), int(c / 60) % 60, c % 60, U > doc
		for (l = 0; l < 9; l++) {
			printf "%s\"%sL-%04d-%d\"", (l ? "," : ""), U, c, l > doc
			print H sprintf("L-%04d-%d", c, l) ",lot,CAST" > csv
		}
		printf "],\"outputEPCList\":[\"%sC-%04d\"],\"bizStep\":\"commissioning\"}", U, c > doc
	}
	printf "]}}\n" > doc
}'
"$IDR" init --data "$WORK/data" --node-prefix 88.118 --owner bench >/dev/null
"$IDR" prefix add 88.118.8 --data "$WORK/data" --owner bench >/dev/null
"$IDR" import "$OUT/items.csv" --data "$WORK/data" >"$OUT/import.out"
"$IDR" event import "$OUT/tree.json" --data "$WORK/data" >"$OUT/events.out"
say "   $(tail -n 1 "$OUT/import.out" | cut -d';' -f1); $(cat "$OUT/events.out")"

now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
nodes_of() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["nodes"]), d["truncated"])' "$1"; }

# ---- idr trace, locally
cli() { # cli NAME ID DIR: REPEAT runs; FIGURE lines
	local name=$1 id=$2 dir=$3 t0 t1
	: >"$OUT/$name.wall"
	: >"$OUT/$name.walk"
	for _ in $(seq "$REPEAT"); do
		t0=$(now)
		taskset -c 0 "$IDR" trace "$id" "$dir" --format json --max 20000 --stats \
			--data "$WORK/data" >"$OUT/$name.json" 2>"$OUT/$name.stats"
		t1=$(now)
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }' >>"$OUT/$name.wall"
		sed -n 's/.*, \([0-9.]*\) ms$/\1/p' "$OUT/$name.stats" >>"$OUT/$name.walk"
	done
	read -r n trunc < <(nodes_of "$OUT/$name.json")
	[ "$trunc" = False ] || die "$name: truncated"
	printf 'FIGURE %s %s ms wall (walk %s ms), %s\n' "$name" "$(median <"$OUT/$name.wall")" \
		"$(median <"$OUT/$name.walk")" "$(sed 's/^trace stats: //; s/, [0-9.]* ms$//' "$OUT/$name.stats")"
	[ "$n" = "$(sed 's/^trace stats: nodes \([0-9]*\),.*/\1/' "$OUT/$name.stats")" ] ||
		die "$name: $n nodes in the JSON"
}
say "== idr trace (REPEAT=$REPEAT, median)"
cli idr_trace_back 88.118.8/T-P --back
[ "$(nodes_of "$OUT/idr_trace_back.json")" = "10111 False" ] ||
	die "the back trace has $(nodes_of "$OUT/idr_trace_back.json") nodes, want 10111"
cli idr_trace_forward 88.118.8/T-L-0500-3 --forward

# ---- GET /api/v1/trace over HTTP
cat >"$OUT/idrd.conf" <<EOF
data_dir $WORK/data
workers 1
log_level notice
udp_listen none
tcp_listen none
http_listen 127.0.0.1:0
EOF
rm -f "$OUT/ports"
taskset -c 0 "$IDRD" -c "$OUT/idrd.conf" --port-file "$OUT/ports" >"$OUT/idrd.log" 2>&1 &
IDRD_PID=$!
PIDS="$PIDS $IDRD_PID"
for _ in $(seq 100); do [ -s "$OUT/ports" ] && break; sleep 0.1; done
[ -s "$OUT/ports" ] || { cat "$OUT/idrd.log" >&2; die "idrd did not start"; }
H=$(awk '$1 == "http" { print $2 }' "$OUT/ports")
http() { # http NAME PATH
	local name=$1
	: >"$OUT/$name.ms"
	for _ in $(seq "$REPEAT"); do
		taskset -c 1 curl -sS -o "$OUT/$name.json" -w '%{http_code} %{time_total} %{size_download}\n' \
			"http://$H$2" >"$OUT/$name.curl"
		read -r code secs size <"$OUT/$name.curl"
		[ "$code" = 200 ] || { cat "$OUT/$name.json" >&2; die "$name: HTTP $code"; }
		awk -v s="$secs" 'BEGIN { printf "%.2f\n", s * 1000 }' >>"$OUT/$name.ms"
	done
	read -r n trunc < <(nodes_of "$OUT/$name.json")
	[ "$trunc" = False ] || die "$name: truncated"
	printf 'FIGURE %s %s ms, nodes %s, %s bytes\n' "$name" "$(median <"$OUT/$name.ms")" "$n" "$size"
}
say "== GET /api/v1/trace (REPEAT=$REPEAT, median)"
http http_trace_back "/api/v1/trace/88.118.8/T-P?direction=back&max=20000"
http http_trace_forward "/api/v1/trace/88.118.8/T-L-0500-3?direction=forward&max=20000"
say "== load: $(uptime)"
if [ "${KEEP:-0}" != 1 ]; then
	rm -rf "$WORK/data"
fi
