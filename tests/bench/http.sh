#!/usr/bin/env bash
# http.sh - idrd's HTTP layer measured beside nginx in one run (idrd with 1 worker and nginx
# with 1 worker process on core 0, the clients on core 1):
#   0. GET /api/handles/{id} keep-alive beside peer-bench.sh `http` (nginx, nginx without
#      sendfile, h2o, a minimal evhttp server) in the same run: the ratios idrd / each;
#   1. system calls per keep-alive request: strace -c -f on idrd while wrk -c50 runs for 3 s
#      (the same record as the REST benchmark), divided by the requests wrk counted; the same
#      for nginx serving the record's JSON as a static file;
#   2. HTTPS keep-alive: wrk over TLS against idrd and against nginx with the same certificate
#      (ECDSA P-256, TLS 1.3) serving the same JSON, REPEAT rounds interleaved;
#   3. memory of idle keep-alive connections: IDLE connections opened and held, idrd's
#      Private_Dirty (heap) before and after, per connection.
# usage: tests/bench/http.sh
# env:   WORK=/tmp/idr-bench BUILD=<repo>/build-bench REPEAT=3 DUR=5 IDLE=10000
#        PEER_BENCH=<repo>/../shared/bench/peer-bench.sh
#        SKIP_BUILD=0 (the data directory is import.sh's, N=100000 records made when missing)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/idr-bench}
BUILD=${BUILD:-$top/build-bench}
REPEAT=${REPEAT:-3}
DUR=${DUR:-5}
IDLE=${IDLE:-10000}
PEER_BENCH=${PEER_BENCH:-$top/../shared/bench/peer-bench.sh}
OUT=$WORK/http
. "$top/tests/bench/lib.sh"
for t in wrk nginx strace python3 openssl; do
	command -v "$t" >/dev/null 2>&1 || die "$t is needed (deploy/deps.sh bench)"
done
bench_build
bench_data
mkdir -p "$OUT/www/api/handles/88.118.8"
"$IDR" get "$R300" --data "$DATA" --json >"$OUT/www/api/handles/$R300"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$OUT/key.pem" -out "$OUT/cert.pem" -subj /CN=localhost >/dev/null 2>&1

# ---- idrd and nginx on core 0 ----
cat >"$OUT/idrd.conf" <<EOF
data_dir $DATA
workers 1
log_level notice
udp_listen none
tcp_listen none
http_listen 127.0.0.1:0
https_listen 127.0.0.1:0
tls_cert $OUT/cert.pem
tls_key $OUT/key.pem
max_connections $((IDLE + 1000))
max_connections_per_ip $((IDLE + 1000))
http_idle_timeout 600
EOF
rm -f "$OUT/ports"
(ulimit -n $((IDLE + 2000)) && exec taskset -c 0 "$BUILD/resolver/idrd" -c "$OUT/idrd.conf" \
	--port-file "$OUT/ports") >"$OUT/idrd.log" 2>&1 &
IDRD=$!
PIDS="$PIDS $IDRD"
for _ in $(seq 100); do [ -s "$OUT/ports" ] && break; sleep 0.1; done
[ -s "$OUT/ports" ] || { cat "$OUT/idrd.log" >&2; die "idrd did not start"; }
H=$(awk '$1 == "http" { print $2 }' "$OUT/ports")
S=$(awk '$1 == "https" { print $2 }' "$OUT/ports")
NPORT=18480
NSPORT=18443
cat >"$OUT/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $OUT/nginx.pid;
error_log $OUT/nginx.err;
events { worker_connections 4096; }
http {
	access_log off;
	default_type application/json;
	sendfile on; tcp_nopush on; keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$NPORT;
		listen 127.0.0.1:$NSPORT ssl;
		ssl_certificate $OUT/cert.pem;
		ssl_certificate_key $OUT/key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $OUT/www;
	}
}
EOF
taskset -c 0 nginx -c "$OUT/nginx.conf" -p "$OUT" >"$OUT/nginx.log" 2>&1 &
NGINX=$!
PIDS="$PIDS $NGINX"
sleep 0.5
P=/api/handles/$R300
curl -sf -o /dev/null "http://127.0.0.1:$NPORT$P" || die "nginx does not serve the record"
curl -sf -o /dev/null "http://$H$P" || die "idrd does not serve the record"

# ---- 0. the REST API beside nginx, h2o and evhttp (peer-bench.sh http, one run) ----
say "== GET $P keep-alive beside the peers of peer-bench.sh http"
OURS_HTTP_PORT=${H##*:} OURS_HTTP_PATH=$P INSTALL=0 REPEAT=$REPEAT DUR=$DUR \
	bash "$PEER_BENCH" http 2>"$OUT/peer.err" | grep '^FIGURE' >"$OUT/peer.fig" || true
cat "$OUT/peer.fig"
fig() { awk -v n="$1" '$2 == n { print $3 }' "$OUT/peer.fig"; }
for peer in nginx_json_wrk nginx_nosendfile_json_wrk h2o_json_wrk evhttp_json_wrk; do
	awk -v o="$(fig ours_http_wrk)" -v p="$(fig "$peer")" -v n="$peer" \
		'BEGIN { if (o > 0 && p > 0) printf "RATIO rest idrd/%s %.3f\n", n, o / p }'
done

# ---- 1. system calls per request ----
# syscalls PID URL: strace -c on PID while wrk -c50 runs for 3 s; prints calls per request
syscalls() {
	local pid=$1 url=$2 n reqs
	strace -c -f -q -p "$pid" -o "$OUT/strace.$pid.txt" &
	local st=$!
	sleep 1
	reqs=$(taskset -c 1 wrk -t1 -c50 -d3s "$url" | awk '/requests in/ { print $1 }')
	kill -INT "$st"
	wait "$st" 2>/dev/null || true
	n=$(awk '$NF == "total" { print $4 }' "$OUT/strace.$pid.txt") # % s us/call CALLS
	awk -v n="$n" -v r="$reqs" 'BEGIN { printf "%.2f %d\n", n / r, r }'
}
say "== system calls per keep-alive request (wrk -c50 for 3 s under strace -c)"
ours_sc=$(syscalls "$IDRD" "http://$H$P")
nginx_sc=$(syscalls "$(pgrep -P "$(cat "$OUT/nginx.pid")" | head -1)" \
	"http://127.0.0.1:$NPORT$P") # its worker process
echo "FIGURE syscalls_per_request_idrd ${ours_sc% *} (${ours_sc#* } requests)"
echo "FIGURE syscalls_per_request_nginx ${nginx_sc% *} (${nginx_sc#* } requests)"
sed -n '1,12p' "$OUT/strace.$IDRD.txt" >&2

# ---- 2. HTTPS keep-alive ----
wrk_rps() { taskset -c 1 wrk -t1 -c50 -d"${DUR}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
say "== HTTPS keep-alive, wrk -c50, $REPEAT rounds"
: >"$OUT/https.txt"
for r in $(seq "$REPEAT"); do
	echo "idrd $(wrk_rps "https://$S$P")" >>"$OUT/https.txt"
	echo "nginx $(wrk_rps "https://127.0.0.1:$NSPORT$P")" >>"$OUT/https.txt"
	echo "idrd_http $(wrk_rps "http://$H$P")" >>"$OUT/https.txt"
	echo "nginx_http $(wrk_rps "http://127.0.0.1:$NPORT$P")" >>"$OUT/https.txt"
done
median() { awk -v k="$1" '$1 == k { print $2 }' "$OUT/https.txt" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for k in idrd nginx idrd_http nginx_http; do
	echo "FIGURE ${k}_wrk $(median "$k")"
done
awk -v a="$(median idrd)" -v b="$(median nginx)" -v c="$(median idrd_http)" -v d="$(median nginx_http)" \
	'BEGIN { printf "RATIO https idrd/nginx %.3f\nRATIO http idrd/nginx %.3f\n", a / b, c / d }'

# ---- 3. idle connections ----
dirty() { awk '$1 == "Private_Dirty:" { print $2 }' "/proc/$IDRD/smaps_rollup"; }
before=$(dirty)
python3 - "$H" "$IDLE" <<'PY' &
import resource, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[2]) + 100,) * 2)
host, port = sys.argv[1].rsplit(":", 1)
conns = []
for _ in range(int(sys.argv[2])):
    c = socket.create_connection((host, int(port)))
    c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    conns.append(c)
for c in conns:
    c.recv(4096)
print("holding", flush=True)
time.sleep(30)
PY
HOLD=$!
PIDS="$PIDS $HOLD"
sleep 12
after=$(dirty)
open=$(curl -s "http://$H/metrics" | awk '/^idr_connections\{proto="http"\}/ { print $2 }')
echo "FIGURE idle_connections_open $open"
awk -v a="$before" -v b="$after" -v n="$IDLE" \
	'BEGIN { printf "FIGURE idle_private_dirty_kb before=%d after=%d per_connection=%.0f bytes\n", a, b, (b - a) * 1024 / n }'
