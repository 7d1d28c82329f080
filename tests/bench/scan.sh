#!/usr/bin/env bash
# scan.sh - scan lookups over HTTP against plain GET /api/handles in the same run (issue 9
# "Benchmarks": target >= 0.8x). N products with GTIN + serial are made with idr gen and
# imported with their GS1 element strings as aliases (idr import --alias gs1); idrd runs with
# one worker on core 0, wrk (keep-alive, -c50) on core 1 with a Lua script picking a random
# item per request:
#   handles    GET /api/handles/88.118.8/M-SN<i>
#   scan_get   GET /api/v1/scan?code=]d2 01<gtin> 21SN<i> (percent-encoded, through the alias)
#   scan_post  POST /api/v1/scan with the bytes a scanner sends (]d2...GS...CR LF)
#   scan_hdl   GET /api/v1/scan?code=88.118.8/M-SN<i> (a handle: no alias lookup)
# REPEAT interleaved rounds of DUR seconds; the median req/s of each and the ratios to handles.
# usage: tests/bench/scan.sh
# env:   N=10000 WORK=/tmp/idr-bench-scan BUILD=<repo>/build-bench REPEAT=3 DUR=5
#        SKIP_BUILD=0 KEEP=0
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-10000}
WORK=${WORK:-/tmp/idr-bench-scan}
BUILD=${BUILD:-$top/build-bench}
REPEAT=${REPEAT:-3}
DUR=${DUR:-5}
OUT=$WORK/scan
. "$top/tests/bench/lib.sh"
for t in wrk taskset python3; do
	command -v "$t" >/dev/null 2>&1 || die "$t is needed (deploy/deps.sh bench)"
done
bench_build
GTIN=06901234567892
D=$OUT/data
if ! "$IDR" get "$(printf '88.118.8/M-SN%06d' "$N")" --data "$D" >/dev/null 2>&1; then
	say "== $N products with aliases in $D"
	rm -rf "$D"
	"$IDR" init --data "$D" --node-prefix 88.118 --owner bench >/dev/null
	"$IDR" prefix add 88.118.8 --data "$D" --owner bench >/dev/null
	"$IDR" gen --prefix 88.118.8 --kind product --count "$N" --gtin 6901234.56789 --lot L7 \
		--pattern 'M-{serial}' --serial 'SN{seq:6}' -o "$OUT/m.csv"
	"$IDR" import "$OUT/m.csv" --data "$D" --alias gs1 >&2
fi

cat >"$OUT/idrd.conf" <<CONF
data_dir $D
workers 1
log_level notice
udp_listen none
tcp_listen none
http_listen 127.0.0.1:0
CONF
rm -f "$OUT/ports"
taskset -c 0 "$IDRD" -c "$OUT/idrd.conf" --port-file "$OUT/ports" >"$OUT/idrd.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$OUT/ports" ] && break; sleep 0.1; done
[ -s "$OUT/ports" ] || { cat "$OUT/idrd.log" >&2; die "idrd did not start"; }
H=$(awk '$1 == "http" { print $2 }' "$OUT/ports")

# one Lua script per kind: a random item per request
lua() {
	cat <<LUA
math.randomseed(os.time())
request = function()
	local i = string.format("%06d", math.random(1, $N))
	$1
end
LUA
}
lua 'return wrk.format("GET", "/api/handles/88.118.8/M-SN" .. i)' >"$OUT/handles.lua"
lua 'return wrk.format("GET", "/api/v1/scan?code=%5Dd201'"$GTIN"'21SN" .. i .. "&events=0")' \
	>"$OUT/scan_get.lua"
lua 'return wrk.format("POST", "/api/v1/scan?events=0", {["Content-Type"]="application/octet-stream"}, "]d201'"$GTIN"'21SN" .. i .. "\r\n")' \
	>"$OUT/scan_post.lua"
lua 'return wrk.format("GET", "/api/v1/scan?code=88.118.8%2FM-SN" .. i .. "&events=0")' \
	>"$OUT/scan_hdl.lua"

# check each script's first answer is the right record
curl -sf "http://$H/api/v1/scan?code=%5Dd201${GTIN}21SN000001" | grep -q '"handle":"88.118.8/M-SN000001"' ||
	die "the scan API does not find 88.118.8/M-SN000001"

KINDS="handles scan_get scan_post scan_hdl"
for r in $(seq "$REPEAT"); do
	for k in $KINDS; do
		taskset -c 1 wrk -t1 -c50 -d"${DUR}s" -s "$OUT/$k.lua" "http://$H" >"$OUT/$k.$r.txt"
		grep -q "Non-2xx" "$OUT/$k.$r.txt" && { cat "$OUT/$k.$r.txt" >&2; die "$k: errors"; }
		awk '/Requests\/sec/ { print $2 }' "$OUT/$k.$r.txt" >>"$OUT/$k.rps"
	done
done
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
base=$(median "$OUT/handles.rps")
for k in $KINDS; do
	v=$(median "$OUT/$k.rps")
	echo "FIGURE ${k}_req_s $v"
	[ "$k" = handles ] || python3 -c "print('RATIO $k/handles %.2f' % ($v / $base))"
done
if [ "${KEEP:-0}" != 1 ]; then
	rm -f "$OUT"/*.txt "$OUT"/*.rps
fi
