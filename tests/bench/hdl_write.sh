#!/usr/bin/env bash
# hdl_write.sh - the Handle admin protocol under load, release build, one run:
#   - CREATE_HANDLE in authenticated sessions: bench_hdl_write with C client threads, each
#     with its own DH session (set up over UDP, one challenge answered) on one kept-alive TCP
#     connection, every create HS_MAC-signed and committed by the writer thread before its
#     answer; items/s and idrd's CPU time per item (/proc/PID/stat over the timed part);
#   - certified (CT, HS_SIGNED with an RSA-2048 server_key) vs plain resolution over UDP with
#     `idr bench resolve [--certify]` on the same node: requests/s of each and the ratio.
# idrd runs with WORKERS workers (default 2) on 127.0.0.1; clients on the same machine.
#
# usage: tests/bench/hdl_write.sh
# env:   WORK=/tmp/idr-bench-hdlw BUILD=<repo>/build-rel CLIENTS="1 16 64" COUNT=20000
#        RESOLVE_SECS=5 WORKERS=2 SKIP_BUILD=0
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/idr-bench-hdlw}
BUILD=${BUILD:-$top/build-rel}
CLIENTS=${CLIENTS:-"1 16 64"}
COUNT=${COUNT:-20000}
RESOLVE_SECS=${RESOLVE_SECS:-5}
WORKERS=${WORKERS:-2}
OUT=$WORK/out
. "$top/tests/bench/lib.sh"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
	say "== release build in $BUILD"
	cmake -S "$top" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$BUILD" --target idr idrd bench_hdl_write -j 2 >/dev/null
fi
IDR=$BUILD/tools/idr
IDRD=$BUILD/resolver/idrd
BHW=$BUILD/tests/bench/bench_hdl_write
mkdir -p "$OUT"
rm -rf "$DATA" "$WORK/keys"
mkdir -p "$WORK/keys"

say "== data: node 88.118, prefix 88.118.8, 2000 records, identity 300:0.NA/88.118.8"
"$IDR" init --data "$DATA" --node-prefix 88.118 >/dev/null
"$IDR" prefix add 88.118.8 --data "$DATA" --owner bench >/dev/null
"$IDR" keygen --type rsa --out "$WORK/keys/server.pem" >/dev/null
"$IDR" keygen --type rsa --out "$WORK/keys/admin.pem" >"$WORK/keys/admin.value"
printf '{"handle":"0.NA/88.118.8","values":[%s]}\n' "$(cat "$WORK/keys/admin.value")" \
	>"$WORK/keys/id.jsonl"
"$IDR" import --update --data "$DATA" "$WORK/keys/id.jsonl" >/dev/null
{
	echo "id,kind,url"
	for i in $(seq -w 1 2000); do echo "88.118.8/R-$i,part,https://example.com/r/$i"; done
} >"$WORK/r.csv"
"$IDR" import --data "$DATA" "$WORK/r.csv" >/dev/null

cat >"$WORK/idrd.conf" <<EOF
data_dir $DATA
workers $WORKERS
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen none
server_key $WORK/keys/server.pem
udp_source_rate 0
max_pending 65536
max_connections_per_ip 4096
log_level warning
EOF
rm -f "$WORK/ports"
"$IDRD" -c "$WORK/idrd.conf" --port-file "$WORK/ports" >"$OUT/idrd.log" 2>&1 &
PID=$!
PIDS="$PIDS $PID"
for _ in $(seq 100); do [ -s "$WORK/ports" ] && break; sleep 0.1; done
[ -s "$WORK/ports" ] || die "idrd did not start: $(tail -5 "$OUT/idrd.log")"
U=$(awk '$1 == "udp" { print $2 }' "$WORK/ports")
S=$(awk '$1 == "tcp" { print $2 }' "$WORK/ports")

say "== Handle CREATE in sessions, $COUNT items per run"
run=0
for c in $CLIENTS; do
	run=$((run + 1))
	"$BHW" "$S" "$U" 300:0.NA/88.118.8 "$WORK/keys/admin.pem" "88.118.8/r${run}C" "$c" \
		"$COUNT" "$PID" | tee -a "$OUT/create.txt" || die "bench_hdl_write failed"
done

say "== resolution over UDP: plain vs certified (HS_SIGNED, RSA-2048)"
bench() {
	"$IDR" bench resolve --server "$U" --udp --prefix 88.118.8 --stem R- --width 4 --start 1 \
		--count 2000 --concurrency 64 --duration "$RESOLVE_SECS" --warmup 1 "$@"
}
bench >"$OUT/plain.txt"
bench --certify >"$OUT/certify.txt"
rate() { awk '/throughput|answers\/s|req\/s/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { print $i; exit } }' "$1"; }
P=$(rate "$OUT/plain.txt")
C=$(rate "$OUT/certify.txt")
say "--- plain"; cat "$OUT/plain.txt" >&2
say "--- certified"; cat "$OUT/certify.txt" >&2
echo "resolve_udp plain_per_s $P certified_per_s $C ratio $(awk -v p="$P" -v c="$C" 'BEGIN { if (p > 0) printf "%.3f", c / p; else print "n/a" }')"
kill -TERM "$PID"
wait "$PID" || true
