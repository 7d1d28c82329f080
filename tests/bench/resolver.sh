#!/usr/bin/env bash
# resolver.sh - idrd under load on 1M records, side by side with the peers of
# ../shared/bench/peer-bench.sh in the same run, idrd pinned to core 0 (1 worker), every client
# pinned to core 1:
#   - UDP resolution of a ~300-byte record (one pre-encoded request, `idr resolve
#     --dump-request`) driven by peer-bench's udp_echo_cli next to the plain UDP echo servers;
#     server CPU per request next to NSD's and Knot DNS's (dnsperf) from the same run;
#   - GET /api/handles/{id} with wrk -c50 keep-alive next to nginx serving a static JSON;
#   - `idr bench resolve` over UDP and TCP with 1M distinct identifiers: peak (closed loop)
#     and p50/p99/p99.9 at half the peak (open loop, latency from the scheduled send time);
#   - idrd's memory (/proc/PID/smaps_rollup) before, during and after a 60-second load.
# Prints the FIGURE lines of peer-bench and a summary table of ratios ours/peer.
#
# usage: tests/bench/resolver.sh     (root: peer-bench installs its peers with apt, INSTALL=1
#                                     the first time)
# env:   N=1000000 WORK=/tmp/idr-bench BUILD=<repo>/build-bench INSTALL=0 REPEAT=3 DUR=5
#        BENCH_SECS=10 LOAD_SECS=60 SKIP_BUILD=0 SKIP_PEERS=0
#        PEER_BENCH=<repo>/../shared/bench/peer-bench.sh
# The data directory is the one tests/bench/import.sh makes ($WORK/idr-data, ids
# 88.118.8/B-0000001 ...); it is made by running import.sh when missing.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-1000000}
WORK=${WORK:-/tmp/idr-bench}
BUILD=${BUILD:-$top/build-bench}
INSTALL=${INSTALL:-0}
REPEAT=${REPEAT:-3}
DUR=${DUR:-5}
BENCH_SECS=${BENCH_SECS:-10}
LOAD_SECS=${LOAD_SECS:-60}
PEER_BENCH=${PEER_BENCH:-$top/../shared/bench/peer-bench.sh}
SRV_CPU=0
CLI_CPU=1
OUT=$WORK/resolver
. "$top/tests/bench/lib.sh"

# ---- build and data ----

bench_build
bench_data
"$IDR" stats --data "$DATA" | tail -4 >&2

# ---- idrd on core 0 ----

# udp_source_rate 0: the load comes from one address, far above the per-source UDP budget
cat >"$OUT/idrd.conf" <<EOF
data_dir $DATA
workers 1
log_level notice
udp_source_rate 0
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen 127.0.0.1:0
EOF
rm -f "$OUT/ports"
taskset -c "$SRV_CPU" "$IDRD" -c "$OUT/idrd.conf" --port-file "$OUT/ports" >"$OUT/idrd.log" 2>&1 &
IDRD_PID=$!
PIDS="$PIDS $IDRD_PID"
for _ in $(seq 100); do
	[ -s "$OUT/ports" ] && break
	kill -0 "$IDRD_PID" 2>/dev/null || { cat "$OUT/idrd.log" >&2; die "idrd did not start"; }
	sleep 0.1
done
[ -s "$OUT/ports" ] || die "no port file from idrd"
addr() { awk -v k="$1" '$1 == k { print $2; exit }' "$OUT/ports"; }
UDP=$(addr udp)
TCP=$(addr tcp)
HTTP=$(addr http)
say "== idrd pid $IDRD_PID on core $SRV_CPU: udp $UDP tcp $TCP http $HTTP"

# private memory of idrd in kB: Private_Dirty (heap, stacks: what must stay flat),
# Private_Clean (mostly LMDB file pages only idrd maps: reclaimable page cache), Anonymous
mem() {
	awk '$1 == "Private_Dirty:" {d = $2} $1 == "Private_Clean:" {c = $2} $1 == "Anonymous:" {a = $2}
	     END {printf "%d %d %d\n", d, c, a}' "/proc/$IDRD_PID/smaps_rollup"
}
mem_line() { # LABEL
	# shellcheck disable=SC2046
	set -- "$1" $(mem)
	printf 'MEM %-8s private_dirty=%s kB private_clean=%s kB anonymous=%s kB\n' "$1" "$2" "$3" "$4"
}

"$IDR" resolve "$R300" --server "$UDP" --udp --json >"$OUT/r300.json"
"$IDR" resolve "$R300" --server "$UDP" --udp --dump-request "$OUT/req.bin"
"$IDR" resolve 88.118.8/B-0000001 --server "$UDP" --udp --json >"$OUT/b1.json"
say "   $R300: $(wc -c <"$OUT/r300.json") bytes of JSON; 88.118.8/B-0000001: $(wc -c <"$OUT/b1.json")"
mem_line start >"$OUT/mem.txt"

# ---- idr bench resolve: peak (closed loop) and half the peak (open loop) ----

# Server-side latency percentile (ms, bucket upper bound) of PROTO requests between two
# scrapes of /metrics: idrd's own histogram of the time from receipt to answer.
srv_pct() { # BEFORE AFTER PROTO FRACTION
	awk -v proto="$3" -v q="$4" '
	match($0, /^idr_request_duration_seconds_bucket\{proto="[a-z]+",le="[^"]+"\} [0-9]+$/) {
		split($0, a, "\""); if (a[2] != proto) next
		if (FILENAME == ARGV[1]) { b[a[4]] = $2 } else { le[++n] = a[4]; c[a[4]] = $2 - b[a[4]] }
	}
	END { tot = c["+Inf"]; if (tot == 0) { print "NA"; exit }
	      for (i = 1; i <= n; i++) if (c[le[i]] >= q * tot) { printf "%.3f\n", le[i] * 1000; exit } }' "$1" "$2"
}

bench() { # NAME ARGS...: one run on core 1, JSON kept in $OUT/NAME.json
	name=$1
	shift
	"$IDR" bench resolve --cpu "$CLI_CPU" --prefix 88.118.8 --count "$N" --json "$@" \
		>"$OUT/$name.json"
	say "   $name: $(cat "$OUT/$name.json")"
}
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

say "== idr bench resolve, $N distinct ids, ${BENCH_SECS}s each"
for proto in udp tcp; do
	[ "$proto" = udp ] && srv=$UDP || srv=$TCP
	bench "${proto}_peak" --server "$srv" --"$proto" --concurrency 64 \
		--duration "$BENCH_SECS" --warmup 2
	peak=$(jget "$OUT/${proto}_peak.json" 'int(d["throughput"])')
	curl -s "http://$HTTP/metrics" >"$OUT/${proto}_half.metrics0"
	bench "${proto}_half" --server "$srv" --"$proto" --rate $((peak / 2)) \
		--duration "$BENCH_SECS" --warmup 2
	curl -s "http://$HTTP/metrics" >"$OUT/${proto}_half.metrics1"
done
mem_line after-bench >>"$OUT/mem.txt"

# ---- peers, side by side ----

if [ "${SKIP_PEERS:-0}" != 1 ]; then
	sections="http udp dns"
	[ "$INSTALL" = 1 ] && sections="install $sections"
	say "== peer-bench ($sections) with idrd on udp $UDP and http $HTTP"
	# shellcheck disable=SC2086
	OURS_UDP_PORT=${UDP##*:} OURS_UDP_PAYLOAD=$OUT/req.bin \
		OURS_HTTP_PORT=${HTTP##*:} OURS_HTTP_PATH=/api/handles/$R300 \
		INSTALL=$INSTALL REPEAT=$REPEAT DUR=$DUR SRV_CPU=$SRV_CPU CLI_CPU=$CLI_CPU \
		bash "$PEER_BENCH" $sections | tee "$OUT/peers.txt"
fi
mem_line after-peers >>"$OUT/mem.txt"

# ---- memory over a 60-second load ----

say "== ${LOAD_SECS}s UDP load (closed loop, 64 in flight, $N ids), memory every 5 s"
mem_line before >>"$OUT/mem.txt"
"$IDR" bench resolve --cpu "$CLI_CPU" --server "$UDP" --prefix 88.118.8 --count "$N" \
	--concurrency 64 --duration "$LOAD_SECS" --warmup 0 --json >"$OUT/load.json" &
LOAD_PID=$!
PIDS="$PIDS $LOAD_PID"
for i in $(seq 5 5 "$LOAD_SECS"); do
	sleep 5
	mem_line "t+${i}s" >>"$OUT/mem.txt"
done
wait "$LOAD_PID"
sleep 2
mem_line after >>"$OUT/mem.txt"
cat "$OUT/mem.txt"
say "   load: $(cat "$OUT/load.json")"

kill -TERM "$IDRD_PID"
wait "$IDRD_PID" || die "idrd exited with status $?"
grep -E ' (emerg|alert|crit|err): ' "$OUT/idrd.log" >&2 && die "errors in $OUT/idrd.log"

# ---- summary ----

fig() { # NAME FIELD: median (2) or srv_core percentage of a FIGURE line
	awk -v n="$1" -v f="$2" '$1 == "FIGURE" && $2 == n {
		if (f == "v") { print $3; exit }
		for (i = 4; i <= NF; i++) if ($i ~ /^srv_core=/) { sub("srv_core=", "", $i); sub("%", "", $i); print $i; exit } }' \
		"$OUT/peers.txt" 2>/dev/null
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
cpu_us() { # NAME: server CPU microseconds per request = busy share / rate
	awk -v r="$(fig "$1" v)" -v c="$(fig "$1" srv)" 'BEGIN { if (r + 0 > 0 && c != "") printf "%.2f", c / 100 / r * 1e6; else print "n/a" }'
}
ms() { jget "$OUT/$1.json" "'%.3f' % (d['latency_us']['$2'] / 1000)"; }

{
	echo
	echo "SUMMARY idrd (1 worker, core $SRV_CPU) vs peers, same run; $N records"
	printf '  %-44s %12s %12s %8s\n' "figure" "ours" "peer" "ratio"
	row() { printf '  %-44s %12s %12s %8s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"; }
	row "UDP w64 resp/s vs udp_echo_simple_w64" "$(fig ours_udp_w64 v)" "$(fig udp_echo_simple_w64 v)"
	row "UDP w64 resp/s vs udp_echo_mmsg_w64" "$(fig ours_udp_w64 v)" "$(fig udp_echo_mmsg_w64 v)"
	row "UDP w1 resp/s vs udp_echo_simple_w1" "$(fig ours_udp_w1 v)" "$(fig udp_echo_simple_w1 v)"
	row "HTTP wrk req/s vs nginx_json_wrk" "$(fig ours_http_wrk v)" "$(fig nginx_json_wrk v)"
	row "HTTP wrk req/s vs evhttp_json_wrk" "$(fig ours_http_wrk v)" "$(fig evhttp_json_wrk v)"
	row "server us/request (UDP w64) vs knot" "$(cpu_us ours_udp_w64)" "$(cpu_us knot_txt100k_dnsperf)"
	row "server us/request (UDP w64) vs nsd" "$(cpu_us ours_udp_w64)" "$(cpu_us nsd_txt100k_dnsperf)"
	for proto in udp tcp; do
		printf '  %-44s %12s\n' "idr bench $proto peak answers/s (1M ids, c64)" \
			"$(jget "$OUT/${proto}_peak.json" 'int(d["throughput"])')"
		h=$OUT/${proto}_half.json
		printf '  %-44s %12s   p50 %s ms, p99.9 %s ms, %s timeouts\n' \
			"idr bench $proto p99 ms at $(jget "$h" 'd["rate"]')/s" \
			"$(ms "${proto}_half" p99)" "$(ms "${proto}_half" p50)" "$(ms "${proto}_half" p999)" \
			"$(jget "$h" 'd["timeouts"]')"
		printf '  %-44s %12s   p99.9 <= %s ms (histogram bucket bounds)\n' \
			"  server-side (idrd /metrics) p99 <= ms" \
			"$(srv_pct "$OUT/${proto}_half.metrics0" "$OUT/${proto}_half.metrics1" "$proto" 0.99)" \
			"$(srv_pct "$OUT/${proto}_half.metrics0" "$OUT/${proto}_half.metrics1" "$proto" 0.999)"
		printf '  %-44s %12s   generator: max send lag %s ms, %s sends > 1 ms late\n' \
			"  the same from the send time: p99 ms" \
			"$(jget "$h" "'%.3f' % (d['sent_latency_us']['p99'] / 1000)")" \
			"$(jget "$h" "'%.3f' % (d['send_lag_max_us'] / 1000)")" "$(jget "$h" 'd["late_sends"]')"
	done
	awk '$2 == "start" || $2 == "before" || $2 == "after" || $2 == "t+30s" {
		printf "  memory %-10s %s %s %s %s %s %s\n", $2, $3, $4, $5, $6, $7, $8 }' "$OUT/mem.txt"
	awk '$2 ~ /^t\+/ { sub("private_dirty=", "", $3); v[++n] = $3 }
	     END { if (n) { lo = v[1]; hi = v[1]; for (i = 2; i <= n; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
	           printf "  private_dirty during the load: min %d kB, max %d kB, spread %d kB\n", lo, hi, hi - lo } }' "$OUT/mem.txt"
} | tee "$OUT/summary.txt"
