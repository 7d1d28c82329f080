#!/usr/bin/env bash
# snapshot.sh - the primary's memory while it serves GET /api/v1/journal/snapshot (streamed:
# http/api_journal.h) of an N-item store (N=200000, 6 attributes each): a release idrd over a
# store made by `idr import`, one follower fetching the snapshot at full speed and one limited
# to RATE bytes/s (a slow client: the copy must wait for it, not pile up in memory). During
# each transfer /proc/PID/status is sampled every 20 ms. Reports, against the store's file
# size and the snapshot's size: the growth of VmHWM (peak resident set, which counts the
# store's mapped pages LMDB reads for the copy) and the peak of RssAnon (heap and other
# anonymous memory: what the server itself holds for the transfer).
#
# usage: tests/bench/snapshot.sh
# env:   N=200000 RATE=20M WORK=/tmp/idr-bench-snapshot BUILD=<repo>/build-bench SKIP_BUILD=0
# Output: FIGURE lines.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-200000}
RATE=${RATE:-20M}
WORK=${WORK:-/tmp/idr-bench-snapshot}
BUILD=${BUILD:-$top/build-bench}
OUT=$WORK/out
. "$top/tests/bench/lib.sh"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
	say "== release build in $BUILD"
	cmake -S "$top" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$BUILD" --target idr idrd -j 2 >/dev/null
fi
IDR=$BUILD/tools/idr
IDRD=$BUILD/resolver/idrd
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"
P=$WORK/primary

say "== a store of $N items"
"$IDR" init --data "$P" --node-prefix 88.118 --owner bench >/dev/null
"$IDR" prefix add 88.118.8 --data "$P" --owner bench >/dev/null
hash=$(printf '%s' 'snap pw' | openssl sha1 -r | cut -d' ' -f1)
printf '{"handle":"88.118/FOLLOWER","values":[{"index":300,"type":"HS_SECKEY","data":"%s","permissions":"1100"}]}\n' \
	"$hash" >"$WORK/id.jsonl"
"$IDR" import "$WORK/id.jsonl" --data "$P" >/dev/null
awk -v n="$N" 'BEGIN {
	print "id,kind,url,model,batch,plant,line,spec"
	for (i = 1; i <= n; i++)
		printf "88.118.8/S-%07d,part,https://trace.example.com/items/S-%07d,MX-2024-A01-%05d,LOT-20240202-%04d,PLANT-%02d,LINE-%03d,SPEC-%06d\n", i, i, i % 100000, i % 10000, i % 50, i % 500, i
}' >"$WORK/items.csv"
"$IDR" import "$WORK/items.csv" --data "$P" --batch 10000 >/dev/null
STORE=$(stat -c %s "$P/data.mdb")

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || die "openssl could not make a certificate"
cat >"$WORK/p.conf" <<EOC
data_dir $P
workers 2
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
https_listen 127.0.0.1:0
tls_cert $WORK/cert.pem
tls_key $WORK/key.pem
journal_followers 300:88.118/FOLLOWER
log_level notice
EOC
"$IDRD" -c "$WORK/p.conf" --port-file "$WORK/p.ports" 2>"$WORK/p.log" &
PID=$!
PIDS="$PIDS $PID"
for _ in $(seq 100); do [ -s "$WORK/p.ports" ] && break; sleep 0.1; done
H=$(awk '$1 == "https" { print $2; exit }' "$WORK/p.ports")
[ -n "$H" ] || die "idrd did not start: $(tail -n 5 "$WORK/p.log")"

kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"; }

# fetch NAME [CURL ARGS...]: one snapshot, sampled; sets HWM0 HWM1 ANON0 ANONMAX SECS BYTES
fetch() {
	local name=$1 t0 t1 cpid a
	shift
	HWM0=$(kb VmHWM)
	ANON0=$(kb RssAnon)
	ANONMAX=$ANON0
	t0=$(date +%s%N)
	curl -sS -f -u '300%3A88.118/FOLLOWER:snap pw' --cacert "$WORK/cert.pem" "$@" \
		-o "$WORK/$name.mdb" "https://$H/api/v1/journal/snapshot" &
	cpid=$!
	while kill -0 "$cpid" 2>/dev/null; do
		a=$(kb RssAnon)
		[ "$a" -gt "$ANONMAX" ] && ANONMAX=$a
		sleep 0.02
	done
	wait "$cpid" || die "snapshot $name failed"
	t1=$(date +%s%N)
	HWM1=$(kb VmHWM)
	SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	BYTES=$(stat -c %s "$WORK/$name.mdb")
	"$IDR" stats --json --data "$WORK/$name.dir" >/dev/null 2>&1 || true
}

mib() { awk -v v="$1" -v d="$2" 'BEGIN { printf "%.1f", v / d }'; }

say "== a snapshot at full speed"
fetch fast
echo "FIGURE snapshot_items $N"
echo "FIGURE snapshot_store_mib $(mib "$STORE" 1048576)"
echo "FIGURE snapshot_bytes_mib $(mib "$BYTES" 1048576)"
echo "FIGURE snapshot_fast_seconds $SECS"
echo "FIGURE snapshot_fast_vmhwm_before_mib $(mib "$HWM0" 1024)"
echo "FIGURE snapshot_fast_vmhwm_after_mib $(mib "$HWM1" 1024)"
echo "FIGURE snapshot_fast_rssanon_before_mib $(mib "$ANON0" 1024)"
echo "FIGURE snapshot_fast_rssanon_peak_mib $(mib "$ANONMAX" 1024)"
echo "FIGURE snapshot_fast_rssanon_growth_vs_store $(awk -v a="$ANONMAX" -v b="$ANON0" -v s="$STORE" 'BEGIN { printf "%.4f", (a - b) * 1024 / s }')"

say "== a snapshot for a slow client ($RATE/s)"
fetch slow --limit-rate "$RATE"
echo "FIGURE snapshot_slow_seconds $SECS"
echo "FIGURE snapshot_slow_vmhwm_after_mib $(mib "$HWM1" 1024)"
echo "FIGURE snapshot_slow_rssanon_peak_mib $(mib "$ANONMAX" 1024)"
echo "FIGURE snapshot_slow_rssanon_growth_vs_store $(awk -v a="$ANONMAX" -v b="$ANON0" -v s="$STORE" 'BEGIN { printf "%.4f", (a - b) * 1024 / s }')"

# the copy opens as a store holding every item
mkdir -p "$WORK/copy"
mv "$WORK/fast.mdb" "$WORK/copy/data.mdb"
"$IDR" get "$(printf '88.118.8/S-%07d' "$N")" --data "$WORK/copy" >/dev/null ||
	die "the snapshot lacks the last item"
say "== the snapshot opens and holds the last item"
