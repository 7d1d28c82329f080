#!/usr/bin/env bash
# group_commit.sh - what group commit buys: single-item REST writes (PUT /api/handles/{h} over
# HTTPS with keep-alive, Basic auth of a node administrator) from 64 concurrent clients against
# one client, i.e. one writer doing one durable transaction (fsync) per item. Same idrd, same
# data directory, one run. Prints items/s of both, the ratio, and idrd's CPU time per item
# (utime + stime from /proc/PID/stat around each run).
#
#   tests/bench/group_commit.sh            # release build in build-bench, 10 s per run
#   DUR=5 SKIP_BUILD=1 tests/bench/group_commit.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-$top/build-bench/work-gc}
BUILD=${BUILD:-$top/build-bench}
OUT=${OUT:-$WORK/out}
DUR=${DUR:-10}
. "$top/tests/bench/lib.sh"

command -v wrk >/dev/null || die "wrk is needed (deploy/deps.sh bench)"
command -v openssl >/dev/null || die "openssl is needed"
bench_build
rm -rf "$WORK/data" && mkdir -p "$WORK"
"$IDR" init --data "$WORK/data" --node-prefix 88.118 --owner bench >/dev/null
"$IDR" prefix add 88.118.8 --data "$WORK/data" --owner bench >/dev/null
HASH=$(printf '%s' 'bench pw' | openssl sha1 -r | cut -d' ' -f1)
printf '{"handle":"88.118/ADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"%s","permissions":"1100"}]}\n' \
	"$HASH" >"$WORK/id.jsonl"
"$IDR" import "$WORK/id.jsonl" --data "$WORK/data" >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
cat >"$WORK/idrd.conf" <<EOF
data_dir $WORK/data
workers 1
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen 127.0.0.1:0
https_listen 127.0.0.1:0
tls_cert $WORK/cert.pem
tls_key $WORK/key.pem
server_admins 300:88.118/ADMIN
max_pending_per_conn 64
log_level warning
EOF
rm -f "$WORK/ports"
taskset -c 0 "$IDRD" -c "$WORK/idrd.conf" --port-file "$WORK/ports" 2>"$WORK/idrd.log" &
PID=$!
PIDS="$PID"
for _ in $(seq 100); do [ -s "$WORK/ports" ] && break; sleep 0.1; done
S=$(awk '$1 == "https" { print $2; exit }' "$WORK/ports")
[ -n "$S" ] || die "idrd did not start: $(tail -3 "$WORK/idrd.log")"
AUTH=$(printf '%s' '300%3A88.118/ADMIN:bench pw' | base64 -w0)

# one PUT per request, each with a handle of its own (thread id + counter)
cat >"$WORK/put.lua" <<EOF
local n = 0
local tag = "x"
function setup(thread) thread:set("tag", tostring(math.random(1, 1e9))) end
function init(args) tag = tag .. (args[1] or "") end
request = function()
  n = n + 1
  local path = "/api/handles/88.118.8/GC-" .. tag .. "-" .. n
  local body = '[{"index":1,"type":"URL","data":"https://example.com/gc/' .. n .. '"}]'
  return wrk.format("PUT", path, {["Authorization"] = "Basic $AUTH",
    ["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout
  io.write(string.format("WRK requests=%d bad=%d\n", summary.requests, bad))
end
EOF

cpu() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
TICK=$(getconf CLK_TCK)

run() { # run CONNS: items/s and CPU µs per item on stdout as "RATE CPU"
	local c0 c1 req bad
	c0=$(cpu)
	taskset -c 1 wrk -t1 -c"$1" -d"${DUR}s" -s "$WORK/put.lua" "https://$S" >"$OUT/wrk-$1.out"
	c1=$(cpu)
	req=$(awk '/^WRK/ { sub("requests=", "", $2); print $2 }' "$OUT/wrk-$1.out")
	bad=$(awk '/^WRK/ { sub("bad=", "", $3); print $3 }' "$OUT/wrk-$1.out")
	[ "$bad" = 0 ] || die "$bad failed writes with $1 connections: $(cat "$OUT/wrk-$1.out")"
	awk -v r="$req" -v d="$DUR" -v c0="$c0" -v c1="$c1" -v t="$TICK" \
		'BEGIN { printf "%.0f %.1f\n", r / d, (c1 - c0) / t * 1e6 / r }'
}

say "== single-item PUT over HTTPS, keep-alive, 1 idrd worker (core 0), wrk on core 1"
read -r ONE CPU1 < <(run 1)
read -r MANY CPU64 < <(run 64)
echo "FIGURE put_1_writer_items_per_s $ONE (cpu ${CPU1} us/item: one transaction and fsync per item)"
echo "FIGURE put_64_writers_items_per_s $MANY (cpu ${CPU64} us/item: group commit)"
awk -v a="$MANY" -v b="$ONE" 'BEGIN { printf "RATIO group_commit 64/1 %.1f\n", a / b }'
echo "FIGURE records_after $("$IDR" stats --data "$WORK/data" | awk '/^records:/ { print $2 }')"
