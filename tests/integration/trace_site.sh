#!/usr/bin/env bash
# trace_site.sh - `idr trace` through the federation to a prefix served by a site of two
# servers with HTTP interfaces, real idrd on 127.0.0.1: a top level, node 88.200 (a product
# assembled from parts of 88.118.8) and node 88.118, whose prefix record 0.NA/88.118.8 names a
# site of two servers (hash by handle): server 0 is node 1, server 1 an HTTP server that
# answers 503 to everything and logs what it is asked. Checked: each part is asked first at
# the server the Handle hash picks (PART-2 at server 1, PART-1 never), server 1 not answering
# falls back to server 0, and the trace reaches both parts; with server 1 gone (connection
# refused) the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

command -v curl >/dev/null 2>&1 || fail "curl is needed"

unreach() { json_get "$1" '" ".join(sorted(n["id"] for n in d["nodes"] if "unreachable" in n))'; }
ids() { json_get "$1" '" ".join(sorted(n["id"] for n in d["nodes"]))'; }

note "stores: node 2's product is made of node 1's PART-1 (hash: server 0) and PART-2 (server 1)"
ok "$IDR_BIN" keygen --type rsa --out "$T/server.pem"
ok "$IDR_BIN" keygen --type rsa --out "$T/n118.pem"
ok "$IDR_BIN" keygen --type rsa --out "$T/n200.pem"
ok "$IDR_BIN" init --data "$T/top" --node-prefix 88 --owner top
ok "$IDR_BIN" node add 88.118 --key "$T/n118.pem.pub" --data "$T/top"
ok "$IDR_BIN" node add 88.200 --key "$T/n200.pem.pub" --data "$T/top"
ok "$IDR_BIN" init --data "$T/n1" --node-prefix 88.118 --owner node1
ok "$IDR_BIN" prefix add 88.118.8 --data "$T/n1" --owner ent8
for p in 1 2; do
	ok "$IDR_BIN" register "88.118.8/PART-$p" --data "$T/n1" --kind part --url "https://e8.example/p$p"
done
ok "$IDR_BIN" init --data "$T/n2" --node-prefix 88.200 --owner node2
ok "$IDR_BIN" prefix add 88.200.3 --data "$T/n2" --owner ent3
ok "$IDR_BIN" register 88.200.3/CAR --data "$T/n2" --kind product --url https://e3.example/car
ok "$IDR_BIN" event add 88.200.3/CAR --data "$T/n2" --biz-step assembling \
	--input 88.118.8/PART-1,88.118.8/PART-2 --time 2024-01-20T10:00:00+08:00

# node 1's Handle and HTTP ports, and server 1's, known before they run
P1=$(free_port)
H1=$(free_port)
PD=$(free_port)
python3 - "$T/site.jsonl" "$P1" "$H1" "$PD" <<'PY'
import json, sys
out, p1, h1, pd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def server(sid, http):
    return {"serverId": sid, "address": "127.0.0.1", "interfaces": [
        {"query": True, "admin": True, "protocol": "TCP", "port": p1},
        {"query": True, "admin": False, "protocol": "UDP", "port": p1},
        {"query": True, "admin": False, "protocol": "HTTP", "port": http}]}
site = {"version": 1, "protocolVersion": "2.10", "serialNumber": 1, "primarySite": True,
        "multiPrimary": False, "servers": [server(1, h1), server(2, pd)]}
rec = {"handle": "0.NA/88.118.8", "values": [
    {"index": 1, "type": "HS_SITE", "data": {"format": "site", "value": site},
     "permissions": "1110"},
    {"index": 100, "type": "HS_ADMIN", "data": {"format": "admin", "value": {
        "handle": "0.NA/88.118.8", "index": 300, "permissions": "111111111111"}},
     "permissions": "1110"}]}
open(out, "w").write(json.dumps(rec) + "\n")
PY
ok "$IDR_BIN" import "$T/site.jsonl" --data "$T/n1" --update

# server 1: answers 503 to every request and logs its path
start_bg "$T/dead.log" python3 -u -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        print("GET", self.path, flush=True)
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print("ready", flush=True)
s.serve_forever()
' "$PD"
DEAD_PID=$LAST_PID
until_ok 10 "server 1 listening" grep -q ready "$T/dead.log"

PT=$(free_port)
start_node top "role toplevel" "server_key $T/server.pem" "udp_listen 127.0.0.1:$PT" \
	"tcp_listen 127.0.0.1:$PT" "http_listen 127.0.0.1:0"
start_node n1 "udp_listen 127.0.0.1:$P1" "tcp_listen 127.0.0.1:$P1" "http_listen 127.0.0.1:$H1" \
	"toplevel 127.0.0.1:$PT" "node_key $T/n118.pem"
start_node n2 "udp_listen 127.0.0.1:0" "tcp_listen 127.0.0.1:0" "http_listen 127.0.0.1:0" \
	"toplevel 127.0.0.1:$PT" "node_key $T/n200.pem" "recursion_timeout_ms 3000"
H2=$(portof n2 http)
until_ok 20 "node 1 registered" sh -c "curl -sf http://127.0.0.1:$H1/healthz | grep -q '\"registered\":true'"
until_ok 20 "node 2 registered" sh -c "curl -sf http://$H2/healthz | grep -q '\"registered\":true'"

note "each part asked first at the server its hash picks; server 1 (503) falls back to server 0"
unset IDR_PEERS
ok "$IDR_BIN" trace 88.200.3/CAR --back --format json --node "http://$H2"
cp "$OUT" "$T/t1.json"
assert_eq "$(ids "$T/t1.json")" "88.118.8/PART-1 88.118.8/PART-2 88.200.3/CAR" "nodes reached"
assert_eq "$(unreach "$T/t1.json")" "" "every branch answered"
expect_err "prefix 88.118.8: node http://127.0.0.1:$H1 (found through http://$H2; a site of 2 servers, 2 with HTTP"
grep -q "^GET /api/v1/trace/88.118.8/PART-2?" "$T/dead.log" ||
	{ cat "$T/dead.log" >&2; fail "PART-2 was not asked at server 1 (its hash) first"; }
! grep -q "PART-1" "$T/dead.log" || { cat "$T/dead.log" >&2; fail "PART-1 was asked at server 1"; }

note "server 1 gone (connection refused): the same trace"
stop_pid "$DEAD_PID"
ok "$IDR_BIN" trace 88.200.3/CAR --back --format json --node "http://$H2"
assert_eq "$(ids "$OUT")" "88.118.8/PART-1 88.118.8/PART-2 88.200.3/CAR" "nodes reached"
assert_eq "$(unreach "$OUT")" "" "every branch answered"

stop_node n2
stop_node n1
stop_node top
note "ok"
