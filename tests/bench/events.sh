#!/usr/bin/env bash
# events.sh - event capture against the local import rate (issue 9 "Benchmarks"), in one run:
#   1. `idr import` of N rows (9 columns, ~300 bytes, as import.sh) into a fresh data directory:
#      the local import rate (rows/s), batches of 10000 with an fsync at every commit;
#   2. N events in EPCIS 2.0 documents of E events (ObjectEvents, and every 20 events one
#      AggregationEvent and one TransformationEvent, all over the handles of step 1), made by a
#      deterministic awk generator, POSTed one after another on one keep-alive HTTPS connection
#      to a release idrd's POST /capture (HTTPS: writes need it) as the enterprise's
#      administrator (HS_SECKEY, Basic): each answer is 202 after the durable commit, and the
#      capture job is then read back (GET /capture/{id}, success true) before the next
#      document is sent; events/s with idrd's CPU per event;
#   3. `idr event import` of the same documents, one process per document, into another fresh
#      data directory (events/s).
# idrd runs with WORKERS workers (default 1) pinned to core 0, the client on core 1.
# usage: tests/bench/events.sh
# env:   N=1000000 E=1000 WORKERS=1 WORK=/tmp/idr-bench-events BUILD=<repo>/build-rel
#        SKIP_BUILD=0 KEEP=0 PERF=0   (N=100000 for a quick look; PERF=1 records idrd's
#        profile during the capture with perf record -g into $WORK/out/perf.data)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-1000000}
E=${E:-1000}
WORKERS=${WORKERS:-1}
WORK=${WORK:-/tmp/idr-bench-events}
BUILD=${BUILD:-$top/build-rel}
OUT=$WORK/out
. "$top/tests/bench/lib.sh"
for t in python3 openssl curl taskset; do
	command -v "$t" >/dev/null 2>&1 || die "$t is needed"
done
[ $((N % E)) -eq 0 ] || die "N ($N) must be a multiple of E ($E)"
bench_build
rm -rf "$WORK/node" "$WORK/evlocal" "$WORK/docs"
mkdir -p "$WORK/docs" "$OUT"
say "== load: $(uptime)"

# ---- rows: the items (as import.sh makes them)
CSV=$WORK/items.csv
if [ ! -s "$CSV" ] || [ "$(($(wc -l <"$CSV") - 1))" -ne "$N" ]; then
	say "== generating $N items"
	LC_ALL=C awk -v n="$N" 'BEGIN {
		split("part wip process product lot package", kinds, " ")
		print "id,kind,url,model,batch,material,station,operator,produced"
		for (i = 1; i <= n; i++) {
			printf "88.118.8/B-%07d,%s,https://trace.example.com/items/88.118.8/B-%07d?src=mes,MX-2024-A%02d-%04d-REV-C,LOT-2024%02d%02d-%04d,\"42CrMo4 steel, quenched and tempered, zinc plated\",LINE-%02d/ST-%02d five-axis CNC machining centre fixture F%03d,OP-%06d zhang.wei shift B,2024-%02d-%02dT%02d:%02d:00+08:00\n",
				i, kinds[(i % 6) + 1], i, i % 50, i % 9973, (i % 12) + 1, (i % 28) + 1, i % 1000,
				i % 8, i % 24, i % 400, i % 5000, (i % 12) + 1, (i % 28) + 1, i % 24, i % 60
		}
	}' >"$CSV"
fi

# ---- documents: N/E EPCIS 2.0 documents of E events over the N handles
say "== generating $N events in $((N / E)) documents of $E"
LC_ALL=C awk -v n="$N" -v e="$E" -v dir="$WORK/docs" 'BEGIN {
	split("inspecting shipping receiving storing repairing accepting", steps, " ")
	split("active in_transit in_progress active in_progress active", disps, " ")
	U = "https://bench.example/88.118.8/B-"
	ctx = "\"@context\":[\"https://ref.gs1.org/standards/epcis/epcis-context.jsonld\"]"
	for (d = 0; d < n / e; d++) {
		f = sprintf("%s/doc-%05d.json", dir, d)
		printf "{%s,\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\",\"creationDate\":\"2024-03-01T00:00:00Z\",\"epcisBody\":{\"eventList\":[", ctx > f
		for (j = 0; j < e; j++) {
			g = d * e + j
			s = g % 86400; day = 1 + int(g / 86400)
			tm = sprintf("2024-%02d-%02dT%02d:%02d:%02d+08:00", 3 + int((day - 1) / 28), 1 + (day - 1) % 28, int(s / 3600), int(s / 60) % 60, s % 60)
			a = sprintf("%s%07d", U, 1 + g % n)
			b = sprintf("%s%07d", U, 1 + (g * 7 + 1) % n)
			c = sprintf("%s%07d", U, 1 + (g * 13 + 2) % n)
			if (j > 0) printf "," > f
			if (j % 20 == 19) {
				printf "{\"type\":\"AggregationEvent\",\"eventTime\":\"%s\",\"eventTimeZoneOffset\":\"+08:00\",\"parentID\":\"%s\",\"childEPCs\":[\"%s\",\"%s\"],\"action\":\"ADD\",\"bizStep\":\"packing\",\"disposition\":\"in_progress\",\"readPoint\":{\"id\":\"https://bench.example/88.118.8/S-PACK%02d\"}}", tm, a, b, c, g % 8 > f
			} else if (j % 20 == 9) {
				printf "{\"type\":\"TransformationEvent\",\"eventTime\":\"%s\",\"eventTimeZoneOffset\":\"+08:00\",\"inputEPCList\":[\"%s\",\"%s\"],\"outputEPCList\":[\"%s\"],\"bizStep\":\"assembling\",\"disposition\":\"in_progress\",\"readPoint\":{\"id\":\"https://bench.example/88.118.8/S-ASM%02d\"}}", tm, b, c, a, g % 8 > f
			} else {
				k = 1 + g % 6
				printf "{\"type\":\"ObjectEvent\",\"eventTime\":\"%s\",\"eventTimeZoneOffset\":\"+08:00\",\"epcList\":[\"%s\"],\"action\":\"OBSERVE\",\"bizStep\":\"%s\",\"disposition\":\"%s\",\"readPoint\":{\"id\":\"https://bench.example/88.118.8/S-LINE%02d\"}}", tm, a, steps[k], disps[k], g % 24 > f
			}
		}
		printf "]}}\n" > f
		close(f)
	}
}'
say "   $(du -sh "$WORK/docs" | cut -f1) of documents, $(($(cat "$WORK"/docs/doc-00000.json | wc -c) / E)) bytes per event"

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

# ---- 1. local import of N rows
for d in node evlocal; do
	"$IDR" init --data "$WORK/$d" --node-prefix 88.118 --owner bench >/dev/null
	"$IDR" prefix add 88.118.8 --data "$WORK/$d" --owner "某某制造有限公司" >/dev/null
done
cat >"$OUT/id.jsonl" <<'EOF'
{"handle":"88.118/NODEADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"node pw","permissions":"1100"}]}
{"handle":"88.118.8/ADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"s3cret","permissions":"1100"}]}
EOF
"$IDR" import "$OUT/id.jsonl" --data "$WORK/node" >/dev/null
sync
say "== 1. idr import of $N rows (release, --batch 10000, fsync at every commit)"
t0=$(now)
taskset -c 0 "$IDR" import --data "$WORK/node" "$CSV" >"$OUT/import.out"
t1=$(now)
IMPORT_RATE=$(rate "$N" "$t0" "$t1")
tail -n 1 "$OUT/import.out" >&2

# ---- 2. POST /capture over HTTPS
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$OUT/key.pem" -out "$OUT/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
cat >"$OUT/idrd.conf" <<EOF
data_dir $WORK/node
workers $WORKERS
log_level notice
udp_listen none
tcp_listen none
http_listen 127.0.0.1:0
https_listen 127.0.0.1:0
tls_cert $OUT/cert.pem
tls_key $OUT/key.pem
http_max_body_size 8M
server_admins 300:88.118/NODEADMIN
EOF
rm -f "$OUT/ports"
taskset -c 0 "$IDRD" -c "$OUT/idrd.conf" --port-file "$OUT/ports" >"$OUT/idrd.log" 2>&1 &
IDRD_PID=$!
PIDS="$PIDS $IDRD_PID"
for _ in $(seq 100); do [ -s "$OUT/ports" ] && break; sleep 0.1; done
[ -s "$OUT/ports" ] || { cat "$OUT/idrd.log" >&2; die "idrd did not start"; }
S=$(awk '$1 == "https" { print $2 }' "$OUT/ports")
# the node administrator names the enterprise administrator in its prefix's group (what every
# record's HS_ADMIN names), as onboarding does: each event is then authorized by the records
code=$(curl -sS -o "$OUT/vlist.out" -w '%{http_code}' --cacert "$OUT/cert.pem" -X PUT \
	-u '300%3A88.118/NODEADMIN:node pw' -H 'Content-Type: application/json' --data-binary \
	'[{"index":300,"type":"HS_VLIST","data":{"format":"vlist","value":[{"handle":"88.118.8/ADMIN","index":300}]}}]' \
	"https://$S/api/handles/0.NA/88.118.8?index=300")
[ "$code" = 201 ] || { cat "$OUT/vlist.out" >&2; die "the admin group: HTTP $code"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$IDRD_PID/stat"; }
say "== 2. POST /capture of $((N / E)) documents of $E events over HTTPS (one connection)"
if [ "${PERF:-0}" = 1 ]; then
	perf record ${PERF_ARGS:--g} -o "$OUT/perf.data" -p "$IDRD_PID" 2>"$OUT/perf.err" &
	PERF_PID=$!
	PIDS="$PIDS $PERF_PID"
	sleep 1
fi
c0=$(cpu_ticks)
t0=$(now)
taskset -c 1 python3 - "$S" "$OUT/cert.pem" "$WORK/docs" <<'PY'
import base64, http.client, json, os, ssl, sys
host, port = sys.argv[1].rsplit(":", 1)
ctx = ssl.create_default_context(cafile=sys.argv[2])
conn = http.client.HTTPSConnection(host, int(port), context=ctx)
auth = "Basic " + base64.b64encode(b"300%3A88.118.8/ADMIN:s3cret").decode()
for name in sorted(os.listdir(sys.argv[3])):
    with open(os.path.join(sys.argv[3], name), "rb") as f:
        body = f.read()
    conn.request("POST", "/capture", body, {"Content-Type": "application/ld+json",
                                             "Authorization": auth})
    r = conn.getresponse()
    answer = r.read()
    if r.status != 202:
        sys.exit("%s: HTTP %d %s" % (name, r.status, answer[:500]))
    conn.request("GET", r.getheader("Location"), headers={"Authorization": auth})
    r = conn.getresponse()
    job = json.loads(r.read())
    if r.status != 200 or job.get("success") is not True or job.get("running"):
        sys.exit("%s: capture job %s" % (name, job))
PY
t1=$(now)
c1=$(cpu_ticks)
if [ "${PERF:-0}" = 1 ]; then
	kill -INT "$PERF_PID"
	wait "$PERF_PID" || true
	say "   perf report -i $OUT/perf.data --no-children"
fi
CAPTURE_RATE=$(rate "$N" "$t0" "$t1")
CAPTURE_CPU=$(awk -v a="$c0" -v b="$c1" -v n="$N" -v tck="$(getconf CLK_TCK)" \
	'BEGIN { printf "%.1f", (b - a) / tck * 1e6 / n }')
kill -TERM "$IDRD_PID"
wait "$IDRD_PID" || true
stored=$("$IDR" stats --data "$WORK/node" | awk '/^journal entries:/ { print $3 }')
say "   journal entries after capture: $stored"

# ---- 3. idr event import of the same documents
say "== 3. idr event import of the same $((N / E)) documents (one process and commit each)"
t0=$(now)
for f in "$WORK"/docs/doc-*.json; do
	taskset -c 0 "$IDR" event import "$f" --data "$WORK/evlocal" >"$OUT/evimport.out" ||
		{ cat "$OUT/evimport.out" >&2; die "idr event import $f failed"; }
done
t1=$(now)
EVIMPORT_RATE=$(rate "$N" "$t0" "$t1")
grep -q "^$E captured, 0 unchanged, 0 bad events" "$OUT/evimport.out" ||
	die "idr event import: $(cat "$OUT/evimport.out")"

say "== load: $(uptime)"
printf 'FIGURE idr_import_%s %s rows/s\n' "$N" "$IMPORT_RATE"
printf 'FIGURE capture_https_%s %s events/s (documents of %s, idrd CPU %s us/event)\n' \
	"$N" "$CAPTURE_RATE" "$E" "$CAPTURE_CPU"
printf 'FIGURE idr_event_import_%s %s events/s\n' "$N" "$EVIMPORT_RATE"
awk -v a="$CAPTURE_RATE" -v b="$IMPORT_RATE" -v c="$EVIMPORT_RATE" 'BEGIN {
	printf "RATIO capture/import %.2f\n", a / b
	printf "RATIO event_import/import %.2f\n", c / b
}'
if [ "${KEEP:-0}" != 1 ]; then
	rm -rf "$WORK/node" "$WORK/evlocal" "$WORK/docs"
fi
