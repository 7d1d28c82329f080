#!/usr/bin/env bash
# remote_write.sh - `idr import --node` (the remote mode: one PUT /api/handles/{id} per row over
# HTTPS with keep-alive, authenticated by an RSA-key session) beside the local `idr import` of
# the same rows, in one run:
#   1. local `idr import` of N rows into a fresh data directory (batches of 10000, fsync each);
#   2. remote import of N rows with --jobs 1: single-item PUTs on one keep-alive connection,
#      each acknowledged after its durable commit;
#   3. remote import of N other rows with --jobs J: J connections, the node's writer commits
#      concurrent writes together (group commit);
#   4. the --jobs J file again: every row "unchanged" (what a resume costs per row).
# Each remote figure is rows/s with idrd's CPU per row (utime + stime from /proc/PID/stat).
# usage: tests/bench/remote_write.sh
# env:   N=20000 J=16 WORK=/tmp/idr-bench-remote BUILD=<repo>/build-bench SKIP_BUILD=0 KEEP=0
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-20000}
J=${J:-16}
WORK=${WORK:-/tmp/idr-bench-remote}
BUILD=${BUILD:-$top/build-bench}
OUT=$WORK/out
. "$top/tests/bench/lib.sh"
for t in python3 openssl; do
	command -v "$t" >/dev/null 2>&1 || die "$t is needed"
done
bench_build
rm -rf "$WORK/node" "$WORK/local"
mkdir -p "$WORK" "$OUT"

# ---- rows: id, kind, url and 4 attributes (about 200 bytes a row)
rows() { # rows FILE TAG
	python3 - "$1" "$2" "$N" <<'EOF'
import sys
path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "w") as f:
    f.write("id,kind,url,model,batch,colour,weight\n")
    for i in range(1, n + 1):
        f.write("88.118.8/%s-%07d,part,https://trace.example.com/items/%s-%07d,MX-2024-A01-%04d,"
                "LOT-20240202-%04d,red,%d.%dkg\n" % (tag, i, tag, i, i % 10000, i % 97, i % 50, i % 10))
EOF
}
rows "$WORK/a.csv" A
rows "$WORK/b.csv" B

# ---- a node with an RSA identity among the server administrators, over HTTPS
for d in node local; do
	"$IDR" init --data "$WORK/$d" --node-prefix 88.118 --owner bench >/dev/null
	"$IDR" prefix add 88.118.8 --data "$WORK/$d" --owner bench >/dev/null
done
rm -f "$WORK/rsa.pem" "$WORK/rsa.pem.pub"
"$IDR" keygen --type rsa --out "$WORK/rsa.pem" >"$OUT/pub.json"
printf '{"handle":"88.118.8/ADMIN","values":[%s]}\n' "$(cat "$OUT/pub.json")" >"$OUT/id.jsonl"
"$IDR" import "$OUT/id.jsonl" --data "$WORK/node" >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$OUT/key.pem" -out "$OUT/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
cat >"$OUT/idrd.conf" <<EOF
data_dir $WORK/node
workers 2
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen 127.0.0.1:0
https_listen 127.0.0.1:0
tls_cert $OUT/cert.pem
tls_key $OUT/key.pem
server_admins 300:88.118.8/ADMIN
EOF
rm -f "$OUT/ports"
"$IDRD" -c "$OUT/idrd.conf" --port-file "$OUT/ports" >"$OUT/idrd.log" 2>&1 &
IDRD_PID=$!
PIDS="$PIDS $IDRD_PID"
for _ in $(seq 100); do [ -s "$OUT/ports" ] && break; sleep 0.1; done
[ -s "$OUT/ports" ] || die "idrd did not start (see $OUT/idrd.log)"
S=$(awk '$1 == "https" { print $2 }' "$OUT/ports")
REMOTE=(--node "https://$S" --cacert "$OUT/cert.pem" --id 300:88.118.8/ADMIN --key "$WORK/rsa.pem")
TCK=$(getconf CLK_TCK)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$IDRD_PID/stat"; }
now() { date +%s.%N; }

# run NAME ROWS CMD...: time CMD, report rows/s and idrd's CPU per row
run() {
	local name=$1 n=$2 t0 t1 c0 c1
	shift 2
	c0=$(cpu_ticks)
	t0=$(now)
	"$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || {
		cat "$OUT/$name.err" >&2
		die "$name failed"
	}
	t1=$(now)
	c1=$(cpu_ticks)
	python3 - "$name" "$n" "$t0" "$t1" "$c0" "$c1" "$TCK" <<'EOF'
import sys
name, n, t0, t1, c0, c1, tck = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
secs = t1 - t0
cpu = (c1 - c0) / tck
print("FIGURE %s %.0f rows/s (%.2f s), idrd CPU %.1f us/row" % (name, n / secs, secs, cpu * 1e6 / n))
EOF
	tail -n 1 "$OUT/$name.out" >&2
}

say "== N=$N rows, J=$J jobs"
run local_import "$N" "$IDR" import "$WORK/a.csv" --data "$WORK/local"
run remote_jobs1 "$N" "$IDR" import "$WORK/a.csv" --jobs 1 "${REMOTE[@]}"
run "remote_jobs$J" "$N" "$IDR" import "$WORK/b.csv" --jobs "$J" "${REMOTE[@]}"
run "remote_jobs${J}_unchanged" "$N" "$IDR" import "$WORK/b.csv" --jobs "$J" "${REMOTE[@]}"
grep -q "nothing to do: all $N records" "$OUT/remote_jobs${J}_unchanged.out" ||
	die "the re-run was not all unchanged"
kill -TERM "$IDRD_PID"
wait "$IDRD_PID" || true
if [ "${KEEP:-0}" != 1 ]; then
	rm -rf "$WORK/node" "$WORK/local"
fi
