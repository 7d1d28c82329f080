#!/usr/bin/env bash
# mirror.sh - mirror lag under a sustained write load: a primary idrd and a role-mirror idrd
# (fed/mirror.h) on 127.0.0.1; N records are written to the primary as fast as it takes them
# (`idr import` beside the running idrd, BATCH rows per transaction: the fastest write path),
# while the mirror's /healthz is sampled every 50 ms. Reports the primary's write rate, the
# mirror's largest lag (entries and seconds), the mirror's apply rate and how long after the
# last write the mirror held the same journal head.
#
# usage: tests/bench/mirror.sh
# env:   N=200000 BATCH=10000 WORK=/tmp/idr-bench-mirror BUILD=<repo>/build-bench SKIP_BUILD=0
# Output: FIGURE lines.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-200000}
BATCH=${BATCH:-10000}
WORK=${WORK:-/tmp/idr-bench-mirror}
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
M=$WORK/mirror

"$IDR" init --data "$P" --node-prefix 88.118 --owner bench >/dev/null
"$IDR" prefix add 88.118.8 --data "$P" --owner bench >/dev/null
hash=$(printf '%s' 'mirror pw' | openssl sha1 -r | cut -d' ' -f1)
printf '{"handle":"88.118/MIRROR","values":[{"index":300,"type":"HS_SECKEY","data":"%s","permissions":"1100"}]}\n' \
	"$hash" >"$WORK/id.jsonl"
"$IDR" import "$WORK/id.jsonl" --data "$P" >/dev/null
printf 'mirror pw\n' >"$WORK/secret"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
cat >"$WORK/p.conf" <<EOC
data_dir $P
workers 2
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen 127.0.0.1:0
https_listen 127.0.0.1:0
tls_cert $WORK/cert.pem
tls_key $WORK/key.pem
journal_followers 300:88.118/MIRROR
log_level notice
EOC
"$IDRD" -c "$WORK/p.conf" --port-file "$WORK/p.ports" 2>"$WORK/p.log" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$WORK/p.ports" ] && break; sleep 0.1; done
H=$(awk '$1 == "https" { print $2; exit }' "$WORK/p.ports")
cat >"$WORK/m.conf" <<EOC
data_dir $M
workers 2
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen 127.0.0.1:0
role mirror
primary https://$H
primary_cacert $WORK/cert.pem
primary_identity 300:88.118/MIRROR
primary_secret_file $WORK/secret
log_level notice
EOC
"$IDRD" -c "$WORK/m.conf" --port-file "$WORK/m.ports" 2>"$WORK/m.log" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$WORK/m.ports" ] && break; sleep 0.1; done
MH=$(awk '$1 == "http" { print $2; exit }' "$WORK/m.ports")

say "== $N records, $BATCH per transaction"
{
	echo "id,kind,url,model,batch,line,color,weight"
	for i in $(seq 1 "$N"); do
		printf '88.118.8/L-%07d,part,https://example.com/p/%d,X%d,B%d,L1,red,%d\n' \
			"$i" "$i" $((i % 97)) $((i % 13)) "$i"
	done
} >"$WORK/rows.csv"

# sample the mirror's lag every 50 ms until told to stop
sample() {
	while [ ! -e "$WORK/stop" ]; do
		curl -s "http://$MH/healthz" | awk -v t="$(date +%s.%N)" '/mirror of/ {
			for (i = 1; i <= NF; i++) {
				if ($i == "lag") { e = $(i + 1) }
				if ($i == "entries") { s = $(i + 1) }
				if ($i == "head") { h = $(i + 1) }
			}
			gsub(",", "", h); print t, h, e, s }' >>"$WORK/lag.txt"
		sleep 0.05
	done
}
sample &
SAMPLER=$!
t0=$(date +%s.%N)
"$IDR" import "$WORK/rows.csv" --data "$P" --batch "$BATCH" >/dev/null
t1=$(date +%s.%N)
# the primary's head seq (the journal API's answer starts with it), then the mirror's /healthz
curl -s -u '300%3A88.118/MIRROR:mirror pw' --cacert "$WORK/cert.pem" "https://$H/api/v1/journal?from=1&max=1" \
	-o "$WORK/j1"
head=$(od -An -tu1 -N8 "$WORK/j1" | awk '{ for (i = 1; i <= NF; i++) v = v * 256 + $i; print v }')
until curl -s "http://$MH/healthz" | grep -qF "head $head,"; do
	sleep 0.005
done
t2=$(date +%s.%N)
mh=$("$IDR" audit verify --data "$M" | grep -i head)
[ "$mh" = "$("$IDR" audit verify --data "$P" | grep -i head)" ] || die "journal heads differ"
touch "$WORK/stop"
wait "$SAMPLER" || true

awk -v n="$N" -v t0="$t0" -v t1="$t1" -v t2="$t2" '
	{ if ($3 > le) le = $3; if ($4 > ls) ls = $4 }
	END {
		printf "FIGURE primary_writes_per_s %.0f (%d records in %.2f s)\n", n / (t1 - t0), n, t1 - t0
		printf "FIGURE mirror_apply_per_s %.0f (same head %.2f s after the first write)\n", n / (t2 - t0), t2 - t0
		printf "FIGURE mirror_caught_up_after_last_write_s %.3f\n", t2 - t1
		printf "FIGURE mirror_max_lag_entries %d\n", le
		printf "FIGURE mirror_max_lag_s %.3f\n", ls
	}' "$WORK/lag.txt" | tee "$OUT/mirror.txt"
