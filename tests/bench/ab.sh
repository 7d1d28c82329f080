#!/usr/bin/env bash
# ab.sh - two builds of idrd against the same peers: this tree ("new") and another build
# ("base", e.g. the commit before a change), each measured by ../shared/bench/peer-bench.sh
# `udp http` with idrd pinned to core 0 (1 worker) and the clients on core 1. The runs
# alternate new, base, new ... (ROUNDS pairs), so drift of the shared machine hits both; each
# run carries its own peers, and what is compared is the ratio to the peer of the same run:
#   ours_udp_w64 / udp_echo_simple_w64      ours_http_wrk / evhttp_json_wrk
#   ours_http_wrk / nginx_json_wrk
# usage: BASE_IDRD=/path/to/base/idrd tests/bench/ab.sh
# env:   WORK=/tmp/idr-bench BUILD=<repo>/build-bench ROUNDS=2 REPEAT=3 DUR=5 SKIP_BUILD=0
#        BASE_CONF="udp_source_rate 0" (a line for the base's configuration, if it knows it)
#        SECTIONS="http udp" (peer-bench sections: "udp" alone for the UDP ratio)
#        N=100000 (records made by import.sh when $WORK/idr-data is missing)
#        PEER_BENCH=<repo>/../shared/bench/peer-bench.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/idr-bench}
BUILD=${BUILD:-$top/build-bench}
ROUNDS=${ROUNDS:-2}
PEER_BENCH=${PEER_BENCH:-$top/../shared/bench/peer-bench.sh}
: "${BASE_IDRD:?BASE_IDRD must name the idrd binary to compare with}"
OUT=$WORK/ab
. "$top/tests/bench/lib.sh"
bench_build
bench_data

# start NAME BINARY [LINE...]: idrd on core 0 with its own port file and configuration
start() {
	name=$1
	bin=$2
	shift 2
	{
		printf 'data_dir %s\nworkers 1\nlog_level notice\n' "$DATA"
		printf 'udp_listen 127.0.0.1:0\ntcp_listen 127.0.0.1:0\nhttp_listen 127.0.0.1:0\n'
		for l in "$@"; do
			echo "$l"
		done
	} >"$OUT/$name.conf"
	set -- "$name" "$bin"
	rm -f "$OUT/$1.ports"
	taskset -c 0 "$2" -c "$OUT/$1.conf" --port-file "$OUT/$1.ports" >"$OUT/$1.log" 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do
		[ -s "$OUT/$1.ports" ] && break
		sleep 0.1
	done
	[ -s "$OUT/$1.ports" ] || { cat "$OUT/$1.log" >&2; die "$1 did not start"; }
}
port() { awk -v k="$2" '$1 == k { sub(/.*:/, "", $2); print $2; exit }' "$OUT/$1.ports"; }

# one client address sends everything: the per-source UDP budget would rightly stop it
start new "$BUILD/resolver/idrd" "udp_source_rate 0"
start base "$BASE_IDRD" ${BASE_CONF:+"$BASE_CONF"}
"$IDR" resolve "$R300" --server "127.0.0.1:$(port new udp)" --udp \
	--dump-request "$OUT/req.bin" >/dev/null

run() { # NAME ROUND
	say "== $1 (round $2)"
	OURS_UDP_PORT=$(port "$1" udp) OURS_UDP_PAYLOAD=$OUT/req.bin \
		OURS_HTTP_PORT=$(port "$1" http) OURS_HTTP_PATH=/api/handles/$R300 \
		INSTALL=0 REPEAT=${REPEAT:-3} DUR=${DUR:-5} bash "$PEER_BENCH" ${SECTIONS:-http udp} \
		2>"$OUT/$1.$2.err" | grep '^FIGURE' >"$OUT/$1.$2.fig" || true
}
fig() { awk -v n="$2" '$2 == n { print $3 }' "$1"; }
for r in $(seq "$ROUNDS"); do
	run new "$r"
	run base "$r"
done
printf '%-6s %-5s %12s %12s %8s %12s %12s %8s %8s\n' build round ours_udp udp_echo ratio \
	ours_http evhttp ratio vs_nginx
for r in $(seq "$ROUNDS"); do
	for b in new base; do
		f=$OUT/$b.$r.fig
		awk -v b="$b" -v r="$r" -v ou="$(fig "$f" ours_udp_w64)" -v eu="$(fig "$f" udp_echo_simple_w64)" \
			-v oh="$(fig "$f" ours_http_wrk)" -v eh="$(fig "$f" evhttp_json_wrk)" \
			-v ng="$(fig "$f" nginx_json_wrk)" 'BEGIN {
			printf "%-6s %-5s %12.0f %12.0f %8.3f %12.0f %12.0f %8.3f %8.3f\n", b, r, ou, eu,
				(eu > 0 ? ou / eu : 0), oh, eh, (eh > 0 ? oh / eh : 0), (ng > 0 ? oh / ng : 0) }'
	done
done | tee "$OUT/summary.txt"
