#!/usr/bin/env bash
# batch.sh - batch registration over the national-style API (POST /identityv2/data/batchCreate
# over HTTPS, IDIS_BATCH_MAX = 2000 items per request, one keep-alive connection, a token of
# an enterprise administrator, every item checked against a published template) against the
# local `idr import` of the same rows, in one run on the same data directory; then the same
# batches with CONC connections at once.
#
# usage: tests/bench/batch.sh
# env:   N=100000 (items per side) CONC=2 WORK=/tmp/idr-bench-batch BUILD=<repo>/build-bench
#        SKIP_BUILD=0 IDRD_WRAP= (a command idrd runs under, e.g. a perf record script; the CPU
#        figures then count the wrapper)
# Output: FIGURE lines (items/s, idrd CPU per item) and the ratio https/import (issue 8's
#         target: >= 0.5).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-100000}
CONC=${CONC:-2}
WORK=${WORK:-/tmp/idr-bench-batch}
BUILD=${BUILD:-$top/build-bench}
OUT=$WORK/out
. "$top/tests/bench/lib.sh"
bench_build
command -v openssl >/dev/null || die "openssl is needed"
command -v python3 >/dev/null || die "python3 is needed"

rm -rf "$WORK/data" "$WORK"/rows.* "$WORK"/ports
mkdir -p "$WORK" "$OUT"
D=$WORK/data
"$IDR" init --data "$D" --node-prefix 88.118 --owner bench >/dev/null
"$IDR" prefix add 88.118.8 --data "$D" --owner "bench enterprise" >/dev/null
printf '%s\n' '{"handle":"88.118/NODEADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"node pw","permissions":"1100"}]}' \
	'{"handle":"88.118.8/ADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"ent pw","permissions":"1100"}]}' \
	>"$WORK/ids.jsonl"
"$IDR" import "$WORK/ids.jsonl" --data "$D" >/dev/null
python3 - "$WORK" "$N" <<'PY'
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
keys = ["model", "batch", "material", "station", "operator", "produced"]
json.dump({"industryCategory": "C", "industrySpecific": "34", "industryTrade": "341",
           "industrySubclass": "3411", "type": 1, "description": "bench",
           "items": [{"name": k, "idType": k, "idIndex": 2000 + i, "required": False, "state": 1,
                      "metadata": {"type": "string", "maxLength": 255}}
                     for i, k in enumerate(keys)]}, open(f"{work}/tmpl.json", "w"))
def attrs(i):
    return ["MX-2024-A%02d-%04d-REV-C" % (i % 50, i % 9973), "LOT-2024%02d%02d-%04d" % (i % 12 + 1, i % 28 + 1, i % 1000),
            "6061-T6 aluminium alloy, anodised, RoHS compliant",
            "LINE-%02d/ST-%02d five-axis CNC machining centre fixture F%03d" % (i % 8, i % 24, i % 400),
            "OP-%06d zhang.wei shift B" % (i % 5000), "2024-%02d-%02dT%02d:%02d:00+08:00" % (i % 12 + 1, i % 28 + 1, i % 24, i % 60)]
# local side: JSON lines for idr import (handles L-...), the same values
with open(f"{work}/rows.jsonl", "w") as f:
    for i in range(n):
        vals = [{"index": 1001, "type": "TEMPLATE", "data": "b-1"}]
        vals += [{"index": 2000 + j, "type": k, "data": v} for j, (k, v) in enumerate(zip(keys, attrs(i)))]
        f.write(json.dumps({"handle": "88.118.8/L-%07d" % i, "values": vals}) + "\n")
# network side: national batch bodies of 2000 (handles N-...)
bodies = []
for s in range(0, n, 2000):
    items = [{"handle": "88.118.8/N-%07d" % i, "templateVersion": "b-1",
              "value": [{"index": 2000 + j, "type": k, "auth": "",
                         "data": {"format": "string", "value": v}}
                        for j, (k, v) in enumerate(zip(keys, attrs(i)))]}
             for i in range(s, min(n, s + 2000))]
    bodies.append(json.dumps(items, ensure_ascii=False))
with open(f"{work}/rows.batches", "w") as f:
    f.write("\n".join(bodies) + "\n")
PY
"$IDR" template create 88.118.8 b-1 --file "$WORK/tmpl.json" --data "$D" >/dev/null
"$IDR" template publish 88.118.8 b-1 --data "$D" >/dev/null

say "== idr import of $N items (local, same rows)"
t0=$(date +%s.%N)
"$IDR" import "$WORK/rows.jsonl" --data "$D" >"$OUT/import.out"
t1=$(date +%s.%N)
IMPORT_RATE=$(python3 -c "print(round($N / ($t1 - $t0)))")
cat "$OUT/import.out" >&2
echo "FIGURE idr_import_items_per_s $IMPORT_RATE"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
cat >"$WORK/idrd.conf" <<EOF
data_dir $D
workers 2
udp_listen 127.0.0.1:0
tcp_listen 127.0.0.1:0
http_listen 127.0.0.1:0
https_listen 127.0.0.1:0
tls_cert $WORK/cert.pem
tls_key $WORK/key.pem
server_admins 300:88.118/NODEADMIN
http_max_body_size 8M
EOF
${IDRD_WRAP:-} "$IDRD" -c "$WORK/idrd.conf" --port-file "$WORK/ports" 2>"$OUT/idrd.log" &
IDRD_PID=$!
PIDS="$IDRD_PID"
for _ in $(seq 100); do [ -s "$WORK/ports" ] && break; sleep 0.1; done
S=$(awk '$1 == "https" { print $2; exit }' "$WORK/ports")
[ -n "$S" ] || die "idrd did not start (see $OUT/idrd.log)"
curl -sS -o /dev/null --cacert "$WORK/cert.pem" -X PUT -u '300%3A88.118/NODEADMIN:node pw' \
	-H 'Content-Type: application/json' \
	--data-binary '[{"index":300,"type":"HS_VLIST","data":{"format":"vlist","value":[{"handle":"88.118.8/ADMIN","index":300}]}}]' \
	"https://$S/api/handles/0.NA/88.118.8?index=300"

say "== batchCreate over HTTPS: $N items in requests of 2000 ($CONC connection(s) for the second pass)"
python3 - "$S" "$WORK" "$IDRD_PID" "$CONC" "$N" <<'PY'
import http.client, json, os, ssl, sys, threading, time
addr, work, pid, conc, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
host, port = addr.rsplit(":", 1)
ctx = ssl.create_default_context(cafile=f"{work}/cert.pem")
bodies = [l.encode() for l in open(f"{work}/rows.batches", encoding="utf-8").read().splitlines()]
tick = os.sysconf("SC_CLK_TCK")
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
def conn():
    return http.client.HTTPSConnection(host, int(port), context=ctx, timeout=600)
c = conn()
c.request("POST", "/identity/token", body=json.dumps({"username": "300:88.118.8/ADMIN", "password": "ent pw"}),
          headers={"Content-Type": "application/json"})
token = json.loads(c.getresponse().read())["data"]["token"]
hdr = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
def send(cn, body):
    cn.request("POST", "/identityv2/data/batchCreate", body=body, headers=hdr)
    r = cn.getresponse()
    d = json.loads(r.read())
    ok = sum(1 for x in d["data"] if x["msg"] == "success")
    if r.status != 200 or ok != len(d["data"]):
        raise SystemExit(f"batch failed: HTTP {r.status} {str(d)[:300]}")
    return ok
def run(label, chunks):
    c0, t0 = cpu(), time.time()
    done = [0] * len(chunks)
    def worker(k):
        cn = conn()
        for b in chunks[k]:
            done[k] += send(cn, b)
        cn.close()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(len(chunks))]
    for t in ts: t.start()
    for t in ts: t.join()
    dt, dc, items = time.time() - t0, cpu() - c0, sum(done)
    print(f"FIGURE {label}_items_per_s {round(items / dt)}")
    print(f"FIGURE {label}_idrd_cpu_us_per_item {round(dc / items * 1e6, 1)}")
    return items / dt
rate1 = run("https_batch_1conn", [bodies])
# the same rows again: every item already there identically (the idempotent retry path)
rate_retry = run("https_batch_retry_1conn", [bodies])
open(f"{work}/out/https_rate", "w").write(str(rate1))
PY
HTTPS_RATE=$(cat "$OUT/https_rate")
# a second node population for the concurrent pass: fresh handles
python3 - "$WORK" <<'PY'
import sys
w = sys.argv[1]
s = open(f"{w}/rows.batches", encoding="utf-8").read().replace('"88.118.8/N-', '"88.118.8/C-')
open(f"{w}/rows.batches", "w", encoding="utf-8").write(s)
PY
python3 - "$S" "$WORK" "$IDRD_PID" "$CONC" <<'PY'
import http.client, json, os, ssl, sys, threading, time
addr, work, pid, conc = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
host, port = addr.rsplit(":", 1)
ctx = ssl.create_default_context(cafile=f"{work}/cert.pem")
bodies = [l.encode() for l in open(f"{work}/rows.batches", encoding="utf-8").read().splitlines()]
tick = os.sysconf("SC_CLK_TCK")
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=600)
c.request("POST", "/identity/token", body=json.dumps({"username": "300:88.118.8/ADMIN", "password": "ent pw"}),
          headers={"Content-Type": "application/json"})
hdr = {"Content-Type": "application/json",
       "Authorization": "Bearer " + json.loads(c.getresponse().read())["data"]["token"]}
chunks = [bodies[k::conc] for k in range(conc)]
done = [0] * conc
def worker(k):
    cn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=600)
    for b in chunks[k]:
        cn.request("POST", "/identityv2/data/batchCreate", body=b, headers=hdr)
        d = json.loads(cn.getresponse().read())
        done[k] += sum(1 for x in d["data"] if x["msg"] == "success")
c0, t0 = cpu(), time.time()
ts = [threading.Thread(target=worker, args=(k,)) for k in range(conc)]
for t in ts: t.start()
for t in ts: t.join()
dt, items = time.time() - t0, sum(done)
print(f"FIGURE https_batch_{conc}conn_items_per_s {round(items / dt)}")
print(f"FIGURE https_batch_{conc}conn_idrd_cpu_us_per_item {round((cpu() - c0) / items * 1e6, 1)}")
PY
kill -TERM "$IDRD_PID"
wait "$IDRD_PID" 2>/dev/null || true
PIDS=""
echo "FIGURE ratio_https_batch_to_import $(python3 -c "print(round($HTTPS_RATE / $IMPORT_RATE, 2))") (target >= 0.5)"
